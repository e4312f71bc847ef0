/* messages: a small chat store kept in the service's key-value store, so it survives
 * restarts and redeploys.
 *
 * Layout. Messages are stored in pages of PAGE_SIZE: key "p/<n>" holds the messages with
 * ids n*PAGE_SIZE+1 .. (n+1)*PAGE_SIZE as a CBOR sequence (RFC 8742) of maps
 * {"id", "author", "peer", "text", "ts"}, each stored as it is sent back, so list() copies bytes
 * without decoding. Key "meta" holds [last_page, first_id]: the page appends go to (or the
 * full page before it) and the oldest message kept. Ids start at 1; the next id follows
 * from the last page's length, so an append writes one value (its page) and meta only when
 * a page starts or pages are dropped. Pages keep the key count low (the KV quota counts keys).
 *
 * Retention. When the store refuses a write (the KV quota), the oldest page is deleted and
 * the write retried, so the chat keeps its most recent messages; only a store too small
 * for the page being written fails the append.
 *
 * Crash safety. Each KV write is atomic and the page write is the append. A lost meta write
 * leaves last_page behind (the next append walks forward over full pages) or first_id on a
 * deleted page (list skips missing pages; the next drop moves first_id on). */
#include "../sdk/edge_agent.h"

#define MAX_AUTHOR 64   /* bytes of UTF-8 */
#define MAX_TEXT 1024   /* bytes of UTF-8 */
#define LIST_DEFAULT 50 /* messages per list() unless asked otherwise */
#define LIST_MAX 200    /* most messages one list() returns */
#define PAGE_SIZE 32    /* messages per KV value: 32 of at most ~1.3 KB stay under 64 KiB */

enum { ERR_STORE = EA_ERR_SERVICE }; /* the store cannot hold even the newest page */

static const char META_KEY[] = "meta";

typedef struct {
    int64_t last_page, first_id;
    bool dirty; /* changed since read: write it back */
} meta_t;

static meta_t read_meta(void) {
    meta_t m = {0, 1, false};
    uint8_t buf[32];
    int32_t n = ea_kv_get(META_KEY, sizeof META_KEY - 1, buf, sizeof buf);
    if (n < 0 || n > (int32_t)sizeof buf) return m;
    ea_reader r = ea_reader_of(buf, (uint32_t)n);
    uint32_t count;
    int64_t last, first;
    if (ea_get_array(&r, &count) && count == 2 && ea_get_int(&r, &last) && ea_get_int(&r, &first) &&
        last >= 0 && last < (INT64_MAX / PAGE_SIZE) - 1 && first >= 1) {
        m.last_page = last;
        m.first_id = first;
    }
    return m;
}

/* "p/<page>" into buf (at least 22 bytes); returns its length. */
static uint32_t page_key(char *buf, int64_t page) {
    buf[0] = 'p';
    buf[1] = '/';
    return 2 + ea_fmt_i64(buf + 2, page);
}

static int64_t page_of(int64_t id) { return (id - 1) / PAGE_SIZE; }

/* Page `page` read into buf (EA_KV_MAX_VALUE bytes): its length, 0 if missing or unreadable. */
static uint32_t read_page(int64_t page, uint8_t *buf) {
    char key[24];
    int32_t n = ea_kv_get(key, (int32_t)page_key(key, page), buf, EA_KV_MAX_VALUE);
    return n < 0 || n > EA_KV_MAX_VALUE ? 0 : (uint32_t)n;
}

/* The number of complete items at the start of a CBOR sequence (at most PAGE_SIZE), and
 * their length in *used. */
static uint32_t count_items(const uint8_t *p, uint32_t len, uint32_t *used) {
    ea_reader r = ea_reader_of(p, len);
    uint32_t n = 0;
    while (n < PAGE_SIZE && r.p < r.end && ea_skip(&r)) n++;
    *used = (uint32_t)(r.p - p);
    return n;
}

typedef struct {
    int64_t page;  /* the page the next message goes to */
    uint32_t n;    /* messages already in it */
    uint32_t used; /* their bytes, at the start of the scratch buffer */
} tail_t;

/* Where the next message goes: from meta's last page, forward over full pages. */
static tail_t find_tail(const meta_t *m, uint8_t *scratch) {
    tail_t t = {m->last_page, 0, 0};
    for (;;) {
        t.n = count_items(scratch, read_page(t.page, scratch), &t.used);
        if (t.n < PAGE_SIZE) return t;
        t.page++; /* full, e.g. meta's write was lost after the page was started */
    }
}

static int64_t next_id(const tail_t *t) { return t->page * PAGE_SIZE + t->n + 1; }

/* Writes key=value; on a refusal, drops the oldest page (never `keep`) and tries again. */
static bool put_evicting(const char *key, uint32_t klen, const void *val, uint32_t vlen, meta_t *m, int64_t keep) {
    while (ea_kv_put(key, (int32_t)klen, val, (int32_t)vlen) != 0) {
        int64_t oldest = page_of(m->first_id);
        if (oldest >= keep) return false;
        char pkey[24];
        ea_kv_delete(pkey, (int32_t)page_key(pkey, oldest));
        m->first_id = (oldest + 1) * PAGE_SIZE + 1;
        m->dirty = true;
        ea_log_cstr(EA_LOG_INFO, "messages: store full, dropped the oldest page of messages");
    }
    return true;
}

static bool put_meta(meta_t *m, int64_t keep) {
    uint8_t buf[32];
    ea_writer w = {buf, 0, sizeof buf, false};
    ea_put_array(&w, 2);
    ea_put_int(&w, m->last_page);
    ea_put_int(&w, m->first_id);
    return !w.oom && put_evicting(META_KEY, sizeof META_KEY - 1, w.buf, w.len, m, keep);
}

static bool check_len(ea_call *call, ea_str s, uint32_t max, const char *what) {
    if (s.len >= 1 && s.len <= max) return true;
    ea_writer *e = ea_fail_begin(call, EA_ERR_ARGS);
    ea_put_raw_cstr(e, what);
    ea_put_raw_cstr(e, " must be 1 to ");
    ea_put_raw_i64(e, max);
    ea_put_raw_cstr(e, " bytes long");
    return false;
}

/* append(author, text) -> id of the new message (1, 2, 3, ...). `author` is what the caller
 * calls itself; `peer`, recorded beside it, is who the host says called (ea_caller): the
 * particle's init peer, which no caller can choose. */
EA_FUNCTION(append) {
    ea_str author, text, peer;
    EA_TRY(ea_arg_text(call, &author));
    EA_TRY(ea_arg_text(call, &text));
    EA_TRY(ea_args_done(call));
    EA_TRY(check_len(call, author, MAX_AUTHOR, "author"));
    EA_TRY(check_len(call, text, MAX_TEXT, "text"));
    if (!ea_caller_id(&peer)) return ea_fail(call, EA_ERR_NOMEM, "out of memory");

    /* The page grows in the scratch buffer: its messages so far, then the new one. */
    uint8_t *page = (uint8_t *)ea_arena_alloc(EA_KV_MAX_VALUE);
    if (!page) return ea_fail(call, EA_ERR_NOMEM, "out of memory");
    meta_t m = read_meta();
    tail_t t = find_tail(&m, page);
    int64_t id = next_id(&t);
    ea_writer w = {page, t.used, EA_KV_MAX_VALUE, false};
    ea_put_map(&w, 5);
    ea_put_cstr(&w, "id");
    ea_put_int(&w, id);
    ea_put_cstr(&w, "author");
    ea_put_text(&w, author.ptr, author.len);
    ea_put_cstr(&w, "peer");
    ea_put_text(&w, peer.ptr, peer.len);
    ea_put_cstr(&w, "text");
    ea_put_text(&w, text.ptr, text.len);
    ea_put_cstr(&w, "ts");
    ea_put_int(&w, ea_clock_wall_ms());
    if (w.oom || w.buf != page || w.len > EA_KV_MAX_VALUE) /* cannot happen: 32 fit */
        return ea_fail(call, EA_ERR_NOMEM, "a page of messages outgrew a KV value");

    char key[24];
    if (!put_evicting(key, page_key(key, t.page), page, w.len, &m, t.page))
        return ea_fail(call, ERR_STORE, "message store is full: the key-value quota cannot hold one page");
    if (t.page != m.last_page) {
        m.last_page = t.page;
        m.dirty = true;
    }
    if (m.dirty) put_meta(&m, t.page); /* a lost write is repaired later (see the top) */
    ea_put_int(&call->out, id);
    return EA_OK;
}

/* list(since_id?, limit?) -> [{id, author, peer, text, ts}, ...], oldest first: the kept
 * messages with an id above since_id (default 0: from the oldest kept), at most limit
 * (default 50, at most 200). ts is the wall-clock time of append in ms since the epoch. */
EA_FUNCTION(list) {
    int64_t since = 0, limit = LIST_DEFAULT;
    if (ea_has_arg(call) && !ea_arg_null(call)) EA_TRY(ea_arg_int(call, &since));
    if (ea_has_arg(call) && !ea_arg_null(call)) EA_TRY(ea_arg_int(call, &limit));
    EA_TRY(ea_args_done(call));
    if (since < 0) return ea_fail(call, EA_ERR_ARGS, "since_id must be 0 or more");
    if (limit < 0 || limit > LIST_MAX) return ea_fail(call, EA_ERR_ARGS, "limit must be 0 to 200");

    /* One scratch buffer for every page, allocated before the reply grows, so the reply
     * stays the newest allocation and grows in place. */
    uint8_t *scratch = (uint8_t *)ea_arena_alloc(EA_KV_MAX_VALUE);
    if (!scratch) return ea_fail(call, EA_ERR_NOMEM, "out of memory");
    meta_t m = read_meta();
    tail_t t = find_tail(&m, scratch);
    int64_t end = next_id(&t);
    int64_t id = since < m.first_id ? m.first_id : (since < end ? since + 1 : end);
    ea_writer *out = &call->out;
    uint32_t at = ea_begin_container(out, 4);
    uint32_t count = 0;
    while (id < end && count < (uint32_t)limit) {
        int64_t page = page_of(id);
        int64_t page_end = (page + 1) * PAGE_SIZE + 1;
        ea_reader r = ea_reader_of(scratch, read_page(page, scratch)); /* missing: empty */
        for (int64_t at_id = page * PAGE_SIZE + 1; at_id < page_end && at_id < end && r.p < r.end; at_id++) {
            const uint8_t *start = r.p;
            if (!ea_skip(&r)) {
                ea_log_cstr(EA_LOG_WARNING, "messages: a stored page is corrupt; skipped its rest");
                break;
            }
            if (at_id >= id && count < (uint32_t)limit) {
                ea_put_raw(out, start, (uint32_t)(r.p - start));
                count++;
            }
        }
        id = page_end;
    }
    ea_end_container(out, at, count);
    return EA_OK;
}

/* count() -> how many messages are kept (all appended, minus any dropped for space). */
EA_FUNCTION(count) {
    EA_TRY(ea_args_done(call));
    uint8_t *scratch = (uint8_t *)ea_arena_alloc(EA_KV_MAX_VALUE);
    if (!scratch) return ea_fail(call, EA_ERR_NOMEM, "out of memory");
    meta_t m = read_meta();
    tail_t t = find_tail(&m, scratch);
    int64_t kept = next_id(&t) - m.first_id;
    ea_put_int(&call->out, kept > 0 ? kept : 0);
    return EA_OK;
}
