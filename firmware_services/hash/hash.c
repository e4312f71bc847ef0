/* hash: SHA-256 (FIPS 180-4) and HMAC-SHA-256 (RFC 2104) of bytes or text. */
#include "../sdk/edge_agent.h"

typedef struct {
    uint32_t h[8];
    uint8_t block[64];
    uint32_t used;  /* bytes in block */
    uint64_t total; /* bytes hashed */
} sha256_ctx;

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

static void compress(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 | (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror(w[i - 15], 7) ^ ror(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror(w[i - 2], 17) ^ ror(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += k;
}

static void sha256_init(sha256_ctx *c) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(c->h, iv, sizeof iv);
    c->used = 0;
    c->total = 0;
}

static void sha256_update(sha256_ctx *c, const uint8_t *p, uint32_t n) {
    c->total += n;
    while (n) {
        if (c->used == 0 && n >= 64) { /* whole blocks straight from the input */
            compress(c->h, p);
            p += 64;
            n -= 64;
            continue;
        }
        uint32_t take = 64 - c->used < n ? 64 - c->used : n;
        memcpy(c->block + c->used, p, take);
        c->used += take;
        p += take;
        n -= take;
        if (c->used == 64) {
            compress(c->h, c->block);
            c->used = 0;
        }
    }
}

static void sha256_final(sha256_ctx *c, uint8_t out[32]) {
    uint64_t bits = c->total * 8;
    uint8_t pad[72] = {0x80};
    uint32_t padlen = (c->used < 56 ? 56 : 120) - c->used;
    for (int i = 0; i < 8; i++) pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(c, pad, padlen + 8);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(c->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void put_hex(ea_writer *w, const uint8_t *d, uint32_t n) {
    static const char digits[] = "0123456789abcdef";
    ea_put_head(w, 3, 2u * n);
    for (uint32_t i = 0; i < n; i++) {
        char two[2] = {digits[d[i] >> 4], digits[d[i] & 15]};
        ea_put_raw(w, two, 2);
    }
}

/* True unless the optional last argument asks for "bytes" instead of lowercase hex. */
static bool want_hex(ea_call *call, bool *hex) {
    *hex = true;
    if (!ea_has_arg(call)) return true;
    ea_str form;
    EA_TRY(ea_arg_text(call, &form));
    if (ea_str_eq(form, "bytes")) *hex = false;
    else if (!ea_str_eq(form, "hex")) return ea_error(call, EA_ERR_ARGS, "form must be \"hex\" or \"bytes\"");
    return ea_args_done(call);
}

static void put_digest(ea_writer *w, const uint8_t d[32], bool hex) {
    if (hex) put_hex(w, d, 32);
    else ea_put_bytes(w, d, 32);
}

/* sha256(data, form?) -> the digest as 64 lowercase hex digits, or 32 bytes if form is
 * "bytes". data: bytes, an array of integers 0..255, or text (hashed as UTF-8). */
EA_FUNCTION(sha256) {
    ea_str data;
    bool hex;
    EA_TRY(ea_arg_bytes(call, &data));
    EA_TRY(want_hex(call, &hex));
    sha256_ctx c;
    uint8_t d[32];
    sha256_init(&c);
    sha256_update(&c, (const uint8_t *)data.ptr, data.len);
    sha256_final(&c, d);
    put_digest(&call->out, d, hex);
    return EA_OK;
}

/* hmac_sha256(key, data, form?) -> HMAC-SHA-256 (RFC 2104), hex or bytes as sha256. */
EA_FUNCTION(hmac_sha256) {
    ea_str key, data;
    bool hex;
    EA_TRY(ea_arg_bytes(call, &key));
    EA_TRY(ea_arg_bytes(call, &data));
    EA_TRY(want_hex(call, &hex));
    uint8_t k[64] = {0}, pad[64], inner[32], d[32];
    sha256_ctx c;
    if (key.len > 64) { /* long keys are hashed first */
        sha256_init(&c);
        sha256_update(&c, (const uint8_t *)key.ptr, key.len);
        sha256_final(&c, k);
    } else {
        memcpy(k, key.ptr, key.len);
    }
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x36;
    sha256_init(&c);
    sha256_update(&c, pad, 64);
    sha256_update(&c, (const uint8_t *)data.ptr, data.len);
    sha256_final(&c, inner);
    for (int i = 0; i < 64; i++) pad[i] = k[i] ^ 0x5c;
    sha256_init(&c);
    sha256_update(&c, pad, 64);
    sha256_update(&c, inner, 32);
    sha256_final(&c, d);
    put_digest(&call->out, d, hex);
    return EA_OK;
}
