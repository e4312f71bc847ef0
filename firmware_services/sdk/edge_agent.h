/*
 * edge_agent.h — the module side of the edge-agent service ABI v1 (docs/service-abi.md),
 * for C compiled with `clang --target=wasm32 -nostdlib` (no libc, no WASI).
 *
 * Include it from exactly one .c file per module: it defines the `ea_alloc` export, the
 * `edge-agent.abi` custom section, a per-call bump arena, a bounded CBOR (RFC 8949) reader
 * and writer, and memcpy/memset/memmove/memcmp. A CBOR function is a few lines:
 *
 *     EA_FUNCTION(greet) {
 *         ea_str name;
 *         EA_TRY(ea_arg_text(call, &name));
 *         EA_TRY(ea_args_done(call));
 *         ea_put_text(&call->out, name.ptr, name.len);
 *         return EA_OK;
 *     }
 *
 * The reply is `{"ok": <the one value written to call->out>}` (null if none was written),
 * or `{"err": msg, "code": n}` after `return ea_fail(call, n, "msg")`. The ea_arg_* helpers
 * consume the next argument and, on a mismatch, set an error that names the argument and
 * return false.
 *
 * Memory: the arena starts at __heap_base and grows memory on demand up to the module's
 * declared maximum (set it with -Wl,--max-memory=N). Everything allocated during a call,
 * including the argument buffer and the reply, is released when the host asks for the next
 * call's argument buffer. State that must outlive a call belongs in globals.
 *
 * Untrusted input: every length and count read from CBOR is checked against the bytes that
 * remain before it is used; skipping nested values is iterative (no recursion); indefinite
 * lengths are refused (the host never sends them).
 */
#ifndef EDGE_AGENT_H
#define EDGE_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- ABI declaration ------------------------------------------------------------------- */

/* The custom section `edge-agent.abi` holding the ABI version "1". The section name has a
 * dash, so it is quoted; `.custom_section.` is how LLVM's wasm object writer spells it. */
__asm__(".section \".custom_section.edge-agent.abi\",\"\",@\n.ascii \"1\"\n.text\n");

#define EA_EXPORT(name) __attribute__((export_name(name), visibility("default")))
#define EA_IMPORT(name) __attribute__((import_module("env"), import_name(name)))

/* ---- Host imports (only the ones a module references end up in its import section) ---- */

enum { EA_LOG_DEBUG = 0, EA_LOG_INFO = 1, EA_LOG_WARNING = 2, EA_LOG_ERROR = 3 };

EA_IMPORT("ea_log") void ea_log(int32_t level, const void *ptr, int32_t len);
EA_IMPORT("ea_clock_monotonic_ns") int64_t ea_clock_monotonic_ns(void);
EA_IMPORT("ea_clock_wall_ms") int64_t ea_clock_wall_ms(void);
EA_IMPORT("ea_random") int32_t ea_random(void *ptr, int32_t len);
EA_IMPORT("ea_kv_get") int32_t ea_kv_get(const void *kptr, int32_t klen, void *vptr, int32_t vcap);
EA_IMPORT("ea_kv_put") int32_t ea_kv_put(const void *kptr, int32_t klen, const void *vptr, int32_t vlen);
EA_IMPORT("ea_kv_delete") int32_t ea_kv_delete(const void *kptr, int32_t klen);
EA_IMPORT("ea_sensor_read") int32_t ea_sensor_read(const void *nptr, int32_t nlen, double *out);
EA_IMPORT("ea_caller") int32_t ea_caller(void *ptr, int32_t cap);

#define EA_KV_MAX_KEY 256          /* bytes, from the ABI */
#define EA_KV_MAX_VALUE (64 * 1024) /* bytes, from the ABI */
#define EA_CALLER_MAX 128           /* bytes: more than any peer id (Ed25519 ids have 52) */

/* ---- Freestanding basics ---------------------------------------------------------------
 * The compiler may emit calls to these for struct copies; -ffreestanding keeps it from
 * turning these very loops back into calls to themselves. */

/* Unaligned word access is legal in wasm (alignment is only a hint), and 8 bytes per step
 * costs an eighth of the fuel of a byte loop. */
typedef uint64_t __attribute__((aligned(1), may_alias)) ea__u64u;

void *memcpy(void *dst, const void *src, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    for (; n >= 8; n -= 8, d += 8, s += 8) *(ea__u64u *)d = *(const ea__u64u *)s;
    while (n--) *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    const uint8_t *s = (const uint8_t *)src;
    if (d <= s || d >= s + n) return memcpy(dst, src, n);
    while (n--) d[n] = s[n];
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    uint8_t *d = (uint8_t *)dst;
    uint64_t v = 0x0101010101010101ull * (uint8_t)c;
    for (; n >= 8; n -= 8, d += 8) *(ea__u64u *)d = v;
    while (n--) *d++ = (uint8_t)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
    for (; n; n--, x++, y++)
        if (*x != *y) return *x < *y ? -1 : 1;
    return 0;
}

static inline uint32_t ea_strlen(const char *s) {
    uint32_t n = 0;
    while (s[n]) n++;
    return n;
}

/* A borrowed byte or text string; not NUL-terminated. */
typedef struct {
    const char *ptr;
    uint32_t len;
} ea_str;

static inline bool ea_str_eq(ea_str s, const char *lit) {
    uint32_t n = ea_strlen(lit);
    return s.len == n && memcmp(s.ptr, lit, n) == 0;
}

/* ---- The per-call arena ---------------------------------------------------------------- */

extern unsigned char __heap_base;

static uint32_t ea__top;        /* next free address; 0 until first use */
static bool ea__call_done = true; /* the next ea_alloc starts a new call */

static inline uint32_t ea__base(void) { return ((uint32_t)(uintptr_t)&__heap_base + 7u) & ~7u; }

static void ea__arena_reset(void) { ea__top = ea__base(); }

/* Makes addresses below `end` usable, growing memory; false past the declared maximum. */
static bool ea__ensure(uint64_t end) {
    uint64_t have = (uint64_t)__builtin_wasm_memory_size(0) * 65536u;
    if (end <= have) return true;
    if (end > 0xFFFFFFFFull) return false;
    uint64_t pages = (end - have + 65535u) / 65536u;
    return __builtin_wasm_memory_grow(0, (size_t)pages) != (size_t)-1;
}

/* `n` bytes, 8-aligned, valid until the next call; NULL when memory is exhausted. */
static void *ea_arena_alloc(uint32_t n) {
    if (ea__top == 0) ea__arena_reset();
    uint64_t start = ((uint64_t)ea__top + 7u) & ~7ull;
    uint64_t end = start + n;
    if (!ea__ensure(end)) return NULL;
    ea__top = (uint32_t)end;
    return (void *)(uintptr_t)start;
}

/* The host asks for room for a call's arguments; the first request of a call releases
 * everything the previous call allocated. */
EA_EXPORT("ea_alloc") void *ea_alloc(int32_t len) {
    if (ea__call_done) {
        ea__arena_reset();
        ea__call_done = false;
    }
    if (len < 0) return NULL;
    return ea_arena_alloc((uint32_t)len);
}

/* ---- CBOR writer ------------------------------------------------------------------------ */

typedef struct {
    uint8_t *buf;
    uint32_t len, cap;
    bool oom; /* sticky: memory ran out, the content is incomplete */
} ea_writer;

static bool ea__w_reserve(ea_writer *w, uint32_t extra) {
    if (w->oom) return false;
    uint64_t need = (uint64_t)w->len + extra;
    if (need <= w->cap) return true;
    if (need > 0x7FFFFFFFu) goto oom;
    uint32_t ncap = w->cap ? w->cap : 64;
    while (ncap < need) ncap *= 2;
    /* The newest allocation grows in place; anything else moves. */
    if (w->buf && (uint32_t)(uintptr_t)w->buf + w->cap == ea__top) {
        if (!ea__ensure((uint64_t)ea__top + (ncap - w->cap))) goto oom;
        ea__top += ncap - w->cap;
        w->cap = ncap;
        return true;
    }
    uint8_t *nb = (uint8_t *)ea_arena_alloc(ncap);
    if (!nb) goto oom;
    if (w->len) memcpy(nb, w->buf, w->len);
    w->buf = nb;
    w->cap = ncap;
    return true;
oom:
    w->oom = true;
    return false;
}

/* Appends raw bytes (no CBOR head): for building text before it is encoded. */
static void ea_put_raw(ea_writer *w, const void *p, uint32_t n) {
    if (!ea__w_reserve(w, n)) return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
}

static void ea_put_raw_cstr(ea_writer *w, const char *s) { ea_put_raw(w, s, ea_strlen(s)); }

/* Writes the decimal form of v to buf (room for 20 bytes); returns its length. */
static uint32_t ea_fmt_i64(char *buf, int64_t v) {
    char tmp[20];
    uint32_t i = 20, n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) buf[n++] = '-';
    while (i < 20) buf[n++] = tmp[i++];
    return n;
}

/* Appends the decimal form of v (raw text, no CBOR head). */
static void ea_put_raw_i64(ea_writer *w, int64_t v) {
    char tmp[20];
    ea_put_raw(w, tmp, ea_fmt_i64(tmp, v));
}

static void ea_put_head(ea_writer *w, uint8_t major, uint64_t arg) {
    uint8_t h[9];
    uint32_t n;
    major = (uint8_t)(major << 5);
    if (arg < 24) {
        h[0] = major | (uint8_t)arg;
        n = 1;
    } else if (arg <= 0xFF) {
        h[0] = major | 24;
        h[1] = (uint8_t)arg;
        n = 2;
    } else if (arg <= 0xFFFF) {
        h[0] = major | 25;
        n = 3;
    } else if (arg <= 0xFFFFFFFFu) {
        h[0] = major | 26;
        n = 5;
    } else {
        h[0] = major | 27;
        n = 9;
    }
    for (uint32_t i = 1; n > 2 && i < n; i++) h[i] = (uint8_t)(arg >> (8 * (n - 1 - i)));
    ea_put_raw(w, h, n);
}

static void ea_put_uint(ea_writer *w, uint64_t v) { ea_put_head(w, 0, v); }
static void ea_put_int(ea_writer *w, int64_t v) {
    if (v >= 0) ea_put_head(w, 0, (uint64_t)v);
    else ea_put_head(w, 1, (uint64_t)(-(v + 1)));
}
static void ea_put_bytes(ea_writer *w, const void *p, uint32_t n) { ea_put_head(w, 2, n); ea_put_raw(w, p, n); }
static void ea_put_text(ea_writer *w, const char *p, uint32_t n) { ea_put_head(w, 3, n); ea_put_raw(w, p, n); }
static void ea_put_cstr(ea_writer *w, const char *s) { ea_put_text(w, s, ea_strlen(s)); }
static void ea_put_array(ea_writer *w, uint32_t n) { ea_put_head(w, 4, n); }
static void ea_put_map(ea_writer *w, uint32_t n) { ea_put_head(w, 5, n); }
static void ea_put_bool(ea_writer *w, bool b) { uint8_t c = b ? 0xF5 : 0xF4; ea_put_raw(w, &c, 1); }
static void ea_put_null(ea_writer *w) { uint8_t c = 0xF6; ea_put_raw(w, &c, 1); }
static void ea_put_float(ea_writer *w, double d) {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    uint8_t b[9] = {0xFB}; /* always double precision: exact, and one code path */
    for (int i = 0; i < 8; i++) b[1 + i] = (uint8_t)(bits >> (56 - 8 * i));
    ea_put_raw(w, b, 9);
}

/* An array or map whose count is known only at the end: a 4-byte-count head now (valid,
 * if not the shortest, CBOR), the count patched in by ea_end_container. */
static uint32_t ea_begin_container(ea_writer *w, uint8_t major) {
    uint32_t at = w->len;
    uint8_t h[5] = {(uint8_t)((major << 5) | 26), 0, 0, 0, 0};
    ea_put_raw(w, h, 5);
    return at;
}
static void ea_end_container(ea_writer *w, uint32_t at, uint32_t count) {
    if (w->oom) return;
    for (int i = 0; i < 4; i++) w->buf[at + 1 + i] = (uint8_t)(count >> (24 - 8 * i));
}

/* ---- CBOR reader ------------------------------------------------------------------------ */

typedef enum {
    EA_T_INVALID = 0, /* malformed, unsupported (indefinite length) or the end of input */
    EA_T_UINT,
    EA_T_NINT,
    EA_T_BYTES,
    EA_T_TEXT,
    EA_T_ARRAY,
    EA_T_MAP,
    EA_T_FLOAT,
    EA_T_BOOL,
    EA_T_NULL, /* null and undefined */
} ea_type;

typedef struct {
    const uint8_t *p, *end;
    bool err; /* sticky: the input is malformed */
} ea_reader;

static inline ea_reader ea_reader_of(const void *p, uint32_t n) {
    ea_reader r = {(const uint8_t *)p, (const uint8_t *)p + n, false};
    return r;
}

static inline uint32_t ea__left(const ea_reader *r) { return (uint32_t)(r->end - r->p); }

typedef struct {
    uint8_t major, info;
    uint64_t arg;
    uint32_t size; /* bytes of the head itself */
} ea__head_t;

/* Decodes the head at p without consuming it. */
static bool ea__head(const ea_reader *r, const uint8_t *p, ea__head_t *h) {
    if (r->err || p >= r->end) return false;
    uint8_t b = p[0];
    h->major = b >> 5;
    h->info = b & 31;
    if (h->info < 24) { /* the common case: the argument is in the first byte */
        h->arg = h->info;
        h->size = 1;
        return true;
    }
    if (h->info > 27) return false; /* 28..30 reserved; 31 indefinite length, refused */
    uint32_t extra = 1u << (h->info - 24);
    if ((uint32_t)(r->end - p) < 1 + extra) return false;
    uint64_t a = 0;
    for (uint32_t i = 1; i <= extra; i++) a = (a << 8) | p[i];
    h->arg = a;
    h->size = 1 + extra;
    return true;
}

/* The head of the next value after any tags (major 6), and where it starts; NULL if there
 * is no valid head. Consumes nothing. */
static const uint8_t *ea__next(const ea_reader *r, ea__head_t *h) {
    const uint8_t *p = r->p;
    while (ea__head(r, p, h)) {
        if (h->major != 6) return p;
        p += h->size;
    }
    return NULL;
}

static ea_type ea_peek(ea_reader *r) {
    ea__head_t h;
    if (!ea__next(r, &h)) return EA_T_INVALID;
    switch (h.major) {
    case 0: return EA_T_UINT;
    case 1: return EA_T_NINT;
    case 2: return EA_T_BYTES;
    case 3: return EA_T_TEXT;
    case 4: return EA_T_ARRAY;
    case 5: return EA_T_MAP;
    default:
        if (h.info == 20 || h.info == 21) return EA_T_BOOL;
        if (h.info == 22 || h.info == 23) return EA_T_NULL;
        if (h.info >= 25 && h.info <= 27) return EA_T_FLOAT;
        return EA_T_INVALID;
    }
}

static const char *ea_type_name(ea_type t) {
    static const char *const names[] = {"nothing valid", "integer", "integer", "bytes", "text",
                                        "array", "map", "float", "bool", "null"};
    return names[t];
}

static bool ea_get_int(ea_reader *r, int64_t *out) {
    ea__head_t h;
    const uint8_t *p = ea__next(r, &h);
    if (!p || h.major > 1 || h.arg > (uint64_t)INT64_MAX) return false;
    *out = h.major == 0 ? (int64_t)h.arg : -1 - (int64_t)h.arg;
    r->p = p + h.size;
    return true;
}

static double ea__pow2(int e) { /* 2^e for -1022 <= e <= 1023 */
    uint64_t bits = (uint64_t)(e + 1023) << 52;
    double d;
    memcpy(&d, &bits, 8);
    return d;
}

/* A float or an integer, as a double. */
static bool ea_get_float(ea_reader *r, double *out) {
    ea__head_t h;
    const uint8_t *p = ea__next(r, &h);
    if (!p) return false;
    if (h.major <= 1) {
        if (h.arg > (uint64_t)INT64_MAX) return false;
        *out = h.major == 0 ? (double)(int64_t)h.arg : (double)(-1 - (int64_t)h.arg);
    } else if (h.major != 7 || h.info < 25 || h.info > 27) {
        return false;
    } else if (h.info == 25) { /* half precision, RFC 8949 appendix D */
        int e = (int)((h.arg >> 10) & 0x1F), m = (int)(h.arg & 0x3FF);
        double v;
        if (e == 0) v = m * ea__pow2(-24);
        else if (e != 31) v = (m + 1024) * ea__pow2(e - 25);
        else v = m == 0 ? __builtin_inf() : __builtin_nan("");
        *out = (h.arg & 0x8000) ? -v : v;
    } else if (h.info == 26) {
        uint32_t b = (uint32_t)h.arg;
        float f;
        memcpy(&f, &b, 4);
        *out = f;
    } else {
        memcpy(out, &h.arg, 8);
    }
    r->p = p + h.size;
    return true;
}

static bool ea__get_string(ea_reader *r, uint8_t major, ea_str *out) {
    ea__head_t h;
    const uint8_t *p = ea__next(r, &h);
    if (!p || h.major != major) return false;
    p += h.size;
    if (h.arg > (uint64_t)(r->end - p)) {
        r->err = true;
        return false;
    }
    out->ptr = (const char *)p;
    out->len = (uint32_t)h.arg;
    r->p = p + h.arg;
    return true;
}

/* Text is returned as it came (the host sends valid UTF-8); both borrow from the input. */
static bool ea_get_text(ea_reader *r, ea_str *out) { return ea__get_string(r, 3, out); }
static bool ea_get_bytes(ea_reader *r, ea_str *out) { return ea__get_string(r, 2, out); }

/* Array and map counts are checked against the remaining input (every item takes at least
 * one byte), so a caller may size an allocation by them. */
static bool ea__get_count(ea_reader *r, uint8_t major, uint32_t *n) {
    ea__head_t h;
    const uint8_t *p = ea__next(r, &h);
    if (!p || h.major != major) return false;
    p += h.size;
    if (h.arg > (uint64_t)(r->end - p) / (major == 5 ? 2u : 1u)) {
        r->err = true;
        return false;
    }
    *n = (uint32_t)h.arg;
    r->p = p;
    return true;
}
static bool ea_get_array(ea_reader *r, uint32_t *n) { return ea__get_count(r, 4, n); }
static bool ea_get_map(ea_reader *r, uint32_t *n) { return ea__get_count(r, 5, n); }

static bool ea_get_bool(ea_reader *r, bool *out) {
    ea__head_t h;
    const uint8_t *p = ea__next(r, &h);
    if (!p || h.major != 7 || (h.info != 20 && h.info != 21)) return false;
    *out = h.info == 21;
    r->p = p + h.size;
    return true;
}

static bool ea_get_null(ea_reader *r) {
    ea__head_t h;
    const uint8_t *p = ea__next(r, &h);
    if (!p || h.major != 7 || (h.info != 22 && h.info != 23)) return false;
    r->p = p + h.size;
    return true;
}

/* Skips one complete value of any depth, iteratively. */
static bool ea_skip(ea_reader *r) {
    uint64_t todo = 1;
    while (todo) {
        ea__head_t h;
        if (!ea__head(r, r->p, &h)) goto bad;
        r->p += h.size;
        todo--;
        switch (h.major) {
        case 2:
        case 3:
            if (h.arg > ea__left(r)) goto bad;
            r->p += h.arg;
            break;
        case 4:
        case 5: {
            uint64_t items = h.major == 5 ? h.arg * 2 : h.arg;
            if (h.arg > ea__left(r) || items > ea__left(r)) goto bad;
            todo += items;
            break;
        }
        case 6: todo++; break; /* a tag is followed by its value */
        default: break;        /* integers and simple values are all head */
        }
        if (todo > (uint64_t)ea__left(r)) goto bad; /* each pending item needs a byte */
    }
    return true;
bad:
    r->err = true;
    return false;
}

/* Finds `key` among the n entries of a map (after ea_get_map) and leaves the reader on its
 * value, entries after it unread; false if absent (the reader is then past the map). */
static bool ea_find_key(ea_reader *r, uint32_t n, const char *key) {
    for (uint32_t i = 0; i < n; i++) {
        ea_str k;
        bool text = ea_get_text(r, &k);
        if (text && ea_str_eq(k, key)) return true;
        if (!text && !ea_skip(r)) return false;
        if (!ea_skip(r)) return false;
    }
    return false;
}

/* ---- Calls -------------------------------------------------------------------------------- */

enum { EA_OK = 0, EA_FAILED = -1 };

/* ret_codes. The host reserves 2..15 for its own failures (trap, out of fuel, deadline, ...),
 * so a service fails with 1 or a code from 16: the SDK uses 16 and 17, and a service's own
 * codes start at EA_ERR_SERVICE. */
enum {
    EA_ERR_FAILED = 1,  /* unspecified failure */
    EA_ERR_ARGS = 16,   /* wrong number, type or value of arguments */
    EA_ERR_NOMEM = 17,  /* the arena reached the module's memory maximum */
    EA_ERR_SERVICE = 32 /* first code for a service's own errors */
};

typedef struct {
    ea_reader in;     /* positioned on the next argument */
    uint32_t argc;    /* arguments the script passed */
    uint32_t argi;    /* arguments consumed */
    ea_writer out;    /* write the one result value here */
    uint32_t out_start;
    ea_writer err;    /* error message text */
    int32_t code;     /* non-zero once failed */
} ea_call;

/* Fails the call with ret_code `code` (0 becomes 1) and a message; returns EA_FAILED. */
static int ea_fail(ea_call *c, int32_t code, const char *msg) {
    c->code = code ? code : EA_ERR_FAILED;
    c->err.len = 0;
    ea_put_raw_cstr(&c->err, msg);
    return EA_FAILED;
}

/* ea_fail for helpers that return bool: sets the error, returns false. */
static bool ea_error(ea_call *c, int32_t code, const char *msg) {
    ea_fail(c, code, msg);
    return false;
}

/* ea_fail with a message built in pieces: ea_fail_begin, ea_put_raw* on the returned
 * writer, then `return EA_FAILED`. */
static ea_writer *ea_fail_begin(ea_call *c, int32_t code) {
    c->code = code ? code : EA_ERR_FAILED;
    c->err.len = 0;
    return &c->err;
}

#define EA_TRY(expr)                                                                           \
    do {                                                                                       \
        if (!(expr)) return EA_FAILED;                                                         \
    } while (0)

static bool ea__arg_mismatch(ea_call *c, const char *want) {
    ea_writer *e = ea_fail_begin(c, EA_ERR_ARGS);
    if (c->argi >= c->argc) {
        ea_put_raw_cstr(e, "missing argument ");
        ea_put_raw_i64(e, c->argi + 1);
        ea_put_raw_cstr(e, " (");
        ea_put_raw_cstr(e, want);
        ea_put_raw_cstr(e, ")");
    } else {
        ea_put_raw_cstr(e, "argument ");
        ea_put_raw_i64(e, c->argi + 1);
        ea_put_raw_cstr(e, ": expected ");
        ea_put_raw_cstr(e, want);
        ea_put_raw_cstr(e, ", got ");
        ea_put_raw_cstr(e, ea_type_name(ea_peek(&c->in)));
    }
    return false;
}

static inline bool ea_has_arg(const ea_call *c) { return c->argi < c->argc; }

#define EA__ARG(c, want, read)                                                                 \
    do {                                                                                       \
        if ((c)->argi >= (c)->argc || !(read)) return ea__arg_mismatch((c), (want));          \
        (c)->argi++;                                                                           \
        return true;                                                                           \
    } while (0)

static bool ea_arg_text(ea_call *c, ea_str *out) { EA__ARG(c, "text", ea_get_text(&c->in, out)); }
static bool ea_arg_int(ea_call *c, int64_t *out) { EA__ARG(c, "an integer", ea_get_int(&c->in, out)); }
static bool ea_arg_float(ea_call *c, double *out) { EA__ARG(c, "a number", ea_get_float(&c->in, out)); }
static bool ea_arg_bool(ea_call *c, bool *out) { EA__ARG(c, "a bool", ea_get_bool(&c->in, out)); }
/* For an array argument: read its n elements from &c->in next. */
static bool ea_arg_array(ea_call *c, uint32_t *n) { EA__ARG(c, "an array", ea_get_array(&c->in, n)); }
static bool ea_arg_map(ea_call *c, uint32_t *n) { EA__ARG(c, "a map", ea_get_map(&c->in, n)); }
/* Consumes a null argument; false (without failing) if the next one is not null. */
static bool ea_arg_null(ea_call *c) {
    if (c->argi < c->argc && ea_get_null(&c->in)) {
        c->argi++;
        return true;
    }
    return false;
}
/* Consumes the next argument whatever it is. */
static bool ea_arg_skip(ea_call *c) { EA__ARG(c, "a value", ea_skip(&c->in)); }

/* Bytes as the ABI delivers them: a byte string, an array of integers 0..255 (how a
 * script's bytes arrive), or text (its UTF-8 encoding). Arrays are copied into the arena. */
static bool ea_arg_bytes(ea_call *c, ea_str *out) {
    static const char want[] = "bytes (a byte string, an array of integers 0..255 or text)";
    if (c->argi < c->argc) {
        if (ea_get_bytes(&c->in, out) || ea_get_text(&c->in, out)) {
            c->argi++;
            return true;
        }
        ea_reader save = c->in;
        uint32_t n;
        if (ea_get_array(&c->in, &n)) {
            uint8_t *buf = (uint8_t *)ea_arena_alloc(n);
            if (!buf) return ea_error(c, EA_ERR_NOMEM, "out of memory");
            for (uint32_t i = 0; i < n; i++) {
                int64_t v;
                const uint8_t *p = c->in.p;
                /* Fast path: 0..23 is one byte (0x00..0x17), 24..255 two (0x18 xx). */
                if (p < c->in.end && p[0] < 0x18) {
                    buf[i] = p[0];
                    c->in.p = p + 1;
                    continue;
                }
                if (p + 1 < c->in.end && p[0] == 0x18) {
                    buf[i] = p[1];
                    c->in.p = p + 2;
                    continue;
                }
                if (!ea_get_int(&c->in, &v) || v < 0 || v > 255) {
                    ea_writer *e = ea_fail_begin(c, EA_ERR_ARGS);
                    ea_put_raw_cstr(e, "argument ");
                    ea_put_raw_i64(e, c->argi + 1);
                    ea_put_raw_cstr(e, ": item ");
                    ea_put_raw_i64(e, i);
                    ea_put_raw_cstr(e, " is not an integer 0..255");
                    return false;
                }
                buf[i] = (uint8_t)v;
            }
            out->ptr = (const char *)buf;
            out->len = n;
            c->argi++;
            return true;
        }
        c->in = save;
    }
    return ea__arg_mismatch(c, want);
}

/* Fails unless every argument was consumed. */
static bool ea_args_done(ea_call *c) {
    if (c->argi == c->argc) return true;
    ea_writer *e = ea_fail_begin(c, EA_ERR_ARGS);
    ea_put_raw_cstr(e, "too many arguments: expected ");
    ea_put_raw_i64(e, c->argi);
    ea_put_raw_cstr(e, ", got ");
    ea_put_raw_i64(e, c->argc);
    return false;
}

/* Preencoded {"err": "out of memory", "code": 17}, for when even an error reply won't fit. */
static const uint8_t ea__oom_reply[] = {0xA2, 0x63, 'e', 'r', 'r', 0x6D, 'o', 'u', 't', ' ', 'o', 'f',
                                        ' ', 'm', 'e', 'm', 'o', 'r', 'y', 0x64, 'c', 'o', 'd',
                                        'e', 0x11};

static int64_t ea__pack(const void *p, uint32_t n) {
    return (int64_t)(((uint64_t)(uintptr_t)p << 32) | n);
}

typedef int (*ea_fn)(ea_call *);

static int64_t ea__dispatch(int32_t ptr, int32_t len, ea_fn fn) {
    if (ea__call_done) ea__arena_reset(); /* the host passed no buffer from ea_alloc */
    ea__call_done = true;                 /* the next ea_alloc starts afresh */
    ea_call c;
    memset(&c, 0, sizeof c);
    uint64_t end = (uint64_t)(uint32_t)ptr + (uint32_t)len;
    if (len < 0 || end > (uint64_t)__builtin_wasm_memory_size(0) * 65536u) {
        ea_fail(&c, EA_ERR_ARGS, "argument buffer outside memory");
    } else {
        c.in = ea_reader_of((const void *)(uintptr_t)ptr, (uint32_t)len);
        if (!ea_get_array(&c.in, &c.argc)) {
            ea_fail(&c, EA_ERR_ARGS, "arguments must be one CBOR array");
        } else {
            ea_put_map(&c.out, 1);
            ea_put_cstr(&c.out, "ok");
            c.out_start = c.out.len;
            int rc = fn(&c);
            if (rc != EA_OK && c.code == 0) ea_fail(&c, EA_ERR_FAILED, "failed");
            else if (rc == EA_OK && c.out.oom) ea_fail(&c, EA_ERR_NOMEM, "out of memory");
            else if (rc == EA_OK && c.out.len == c.out_start) ea_put_null(&c.out);
            if (rc == EA_OK && c.code == 0) return ea__pack(c.out.buf, c.out.len);
        }
    }
    if (c.err.oom) return ea__pack(ea__oom_reply, sizeof ea__oom_reply);
    ea_writer w = {0};
    ea_put_map(&w, 2);
    ea_put_cstr(&w, "err");
    ea_put_text(&w, (const char *)c.err.buf, c.err.len);
    ea_put_cstr(&w, "code");
    ea_put_int(&w, c.code);
    if (w.oom) return ea__pack(ea__oom_reply, sizeof ea__oom_reply);
    return ea__pack(w.buf, w.len);
}

/* Defines the CBOR function `name`: the body sees `ea_call *call` and returns EA_OK or
 * EA_FAILED (via ea_fail / a failed EA_TRY). */
#define EA_FUNCTION(name)                                                                      \
    static int ea__fn_##name(ea_call *call);                                                   \
    EA_EXPORT(#name) int64_t ea__export_##name(int32_t ptr, int32_t len) {                     \
        return ea__dispatch(ptr, len, ea__fn_##name);                                          \
    }                                                                                          \
    static int ea__fn_##name(ea_call *call)

/* ---- Small conveniences ------------------------------------------------------------------ */

static void ea_log_cstr(int32_t level, const char *msg) { ea_log(level, msg, (int32_t)ea_strlen(msg)); }

/* Reads key `key` into the arena: its length, or -1 if absent (out untouched). */
static int32_t ea_kv_get_alloc(const void *key, uint32_t klen, ea_str *out) {
    int32_t n = ea_kv_get(key, (int32_t)klen, NULL, 0);
    if (n < 0) return -1;
    char *buf = (char *)ea_arena_alloc((uint32_t)n);
    if (!buf) return -2;
    int32_t m = ea_kv_get(key, (int32_t)klen, buf, n);
    if (m != n) return -1; /* changed underneath; single-threaded hosts never do this */
    out->ptr = buf;
    out->len = (uint32_t)n;
    return n;
}

/* The peer id of whoever made this call (the particle's init peer, proven by its signature),
 * in the arena until the next call; empty when the host names no caller. False only if the
 * arena is full. The host admitted the caller under the service's access rule already; a
 * service uses the id to decide more finely, or to record who did what. */
static bool ea_caller_id(ea_str *out) {
    char *buf = (char *)ea_arena_alloc(EA_CALLER_MAX);
    if (!buf) return false;
    int32_t n = ea_caller(buf, EA_CALLER_MAX);
    if (n < 0 || n > EA_CALLER_MAX) return false;
    out->ptr = buf;
    out->len = (uint32_t)n;
    return true;
}

/* Reads a named sensor; false if it is unknown or unavailable. */
static bool ea_sensor(const char *name, double *out) {
    return ea_sensor_read(name, (int32_t)ea_strlen(name), out) == 0;
}

#endif /* EDGE_AGENT_H */
