/* messages: a small chat store kept in the service's key-value store, so it survives
 * restarts and redeploys.
 *
 * Layout: key "next" holds the next message id (a CBOR integer, ids start at 1); key
 * "m/<id>" holds the message as the CBOR map {"id", "author", "text", "ts"}, stored as it
 * is sent back so list() copies it without decoding. */
#include "../sdk/edge_agent.h"

#define MAX_AUTHOR 64    /* bytes of UTF-8 */
#define MAX_TEXT 1024    /* bytes of UTF-8 */
#define LIST_DEFAULT 50  /* messages per list() unless asked otherwise */
#define LIST_MAX 200     /* most messages one list() returns */
#define MAX_STORED 2048  /* bytes of one stored message: the map around author and text */

enum { ERR_STORE = EA_ERR_SERVICE }; /* the key-value store refused a write (quota) */

static const char NEXT_KEY[] = "next";

static int64_t next_id(void) {
    uint8_t buf[9];
    int32_t n = ea_kv_get(NEXT_KEY, sizeof NEXT_KEY - 1, buf, sizeof buf);
    if (n < 0 || n > (int32_t)sizeof buf) return 1;
    ea_reader r = ea_reader_of(buf, (uint32_t)n);
    int64_t id;
    return ea_get_int(&r, &id) && id >= 1 ? id : 1;
}

/* "m/<id>" into buf (at least 22 bytes); returns its length. */
static uint32_t message_key(char *buf, int64_t id) {
    buf[0] = 'm';
    buf[1] = '/';
    return 2 + ea_fmt_i64(buf + 2, id);
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

/* append(author, text) -> id of the new message (1, 2, 3, ...). */
EA_FUNCTION(append) {
    ea_str author, text;
    EA_TRY(ea_arg_text(call, &author));
    EA_TRY(ea_arg_text(call, &text));
    EA_TRY(ea_args_done(call));
    EA_TRY(check_len(call, author, MAX_AUTHOR, "author"));
    EA_TRY(check_len(call, text, MAX_TEXT, "text"));

    int64_t id = next_id();
    ea_writer msg = {0};
    ea_put_map(&msg, 4);
    ea_put_cstr(&msg, "id");
    ea_put_int(&msg, id);
    ea_put_cstr(&msg, "author");
    ea_put_text(&msg, author.ptr, author.len);
    ea_put_cstr(&msg, "text");
    ea_put_text(&msg, text.ptr, text.len);
    ea_put_cstr(&msg, "ts");
    ea_put_int(&msg, ea_clock_wall_ms());
    if (msg.oom) return ea_fail(call, EA_ERR_NOMEM, "out of memory");

    char key[24];
    uint32_t klen = message_key(key, id);
    if (ea_kv_put(key, (int32_t)klen, msg.buf, (int32_t)msg.len) != 0)
        return ea_fail(call, ERR_STORE, "message store is full (key-value quota reached)");
    ea_writer next = {0};
    ea_put_int(&next, id + 1);
    if (next.oom) return ea_fail(call, EA_ERR_NOMEM, "out of memory");
    /* Written after the message: a failure here leaves the id to be reused, not a gap. */
    if (ea_kv_put(NEXT_KEY, sizeof NEXT_KEY - 1, next.buf, (int32_t)next.len) != 0)
        return ea_fail(call, ERR_STORE, "message store is full (key-value quota reached)");
    ea_put_int(&call->out, id);
    return EA_OK;
}

/* list(since_id?, limit?) -> [{id, author, text, ts}, ...], oldest first: the messages
 * with an id above since_id (default 0: from the start), at most limit (default 50, at
 * most 200). ts is the wall-clock time of append in ms since the Unix epoch. */
EA_FUNCTION(list) {
    int64_t since = 0, limit = LIST_DEFAULT;
    if (ea_has_arg(call) && !ea_arg_null(call)) EA_TRY(ea_arg_int(call, &since));
    if (ea_has_arg(call) && !ea_arg_null(call)) EA_TRY(ea_arg_int(call, &limit));
    EA_TRY(ea_args_done(call));
    if (since < 0) return ea_fail(call, EA_ERR_ARGS, "since_id must be 0 or more");
    if (limit < 0 || limit > LIST_MAX) return ea_fail(call, EA_ERR_ARGS, "limit must be 0 to 200");

    int64_t end = next_id();
    /* One scratch buffer for every stored message, allocated before the reply grows, so
     * the reply stays the newest allocation and grows in place. */
    uint8_t *scratch = (uint8_t *)ea_arena_alloc(MAX_STORED);
    if (!scratch) return ea_fail(call, EA_ERR_NOMEM, "out of memory");
    ea_writer *out = &call->out;
    uint32_t at = ea_begin_container(out, 4);
    uint32_t count = 0;
    for (int64_t id = since + 1; id < end && count < (uint32_t)limit; id++) {
        char key[24];
        int32_t n = ea_kv_get(key, (int32_t)message_key(key, id), scratch, MAX_STORED);
        if (n < 0) continue;
        ea_reader check = ea_reader_of(scratch, (uint32_t)n);
        if (n > MAX_STORED || !ea_skip(&check) || check.p != check.end) {
            ea_log_cstr(EA_LOG_WARNING, "messages: skipped a corrupt stored message");
            continue;
        }
        ea_put_raw(out, scratch, (uint32_t)n);
        count++;
    }
    ea_end_container(out, at, count);
    return EA_OK;
}

/* count() -> how many messages have been appended. */
EA_FUNCTION(count) {
    EA_TRY(ea_args_done(call));
    ea_put_int(&call->out, next_id() - 1);
    return EA_OK;
}
