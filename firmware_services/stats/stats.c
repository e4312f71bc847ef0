/* stats: running statistics over the numbers it is given, kept in linear memory between
 * calls (until the service is redeployed or its worker replaced). */
#include "../sdk/edge_agent.h"

enum { ERR_OVERFLOW = EA_ERR_SERVICE }; /* the sums would leave the range of a double */

/* Welford's online algorithm keeps the variance numerically stable; the reported mean is
 * sum / count, which is exact to the last bit for the sums a small device sees. */
typedef struct {
    uint64_t count;
    double min, max, mean, m2, sum;
} stats_t;

static stats_t st;

static bool finite(double d) { return d - d == 0.0; }

static void put_summary(ea_writer *w) {
    ea_put_map(w, 6);
    ea_put_cstr(w, "count");
    ea_put_uint(w, st.count);
    ea_put_cstr(w, "sum");
    ea_put_float(w, st.sum);
    const char *keys[4] = {"min", "max", "mean", "stddev"};
    double n = (double)st.count;
    double vals[4] = {st.min, st.max, st.count ? st.sum / n : 0, st.count ? __builtin_sqrt(st.m2 / n) : 0};
    for (int i = 0; i < 4; i++) {
        ea_put_cstr(w, keys[i]);
        if (st.count) ea_put_float(w, vals[i]);
        else ea_put_null(w);
    }
}

static void add_one(stats_t *s, double x) {
    s->count++;
    if (s->count == 1 || x < s->min) s->min = x;
    if (s->count == 1 || x > s->max) s->max = x;
    s->sum += x;
    double d = x - s->mean;
    s->mean += d / (double)s->count;
    s->m2 += d * (x - s->mean);
}

/* add(numbers...) -> summary. Each argument is a number or an array of numbers. The call
 * works on a copy of the state and keeps it only if every number was finite and the sums
 * stayed finite, so a failed call adds nothing. */
EA_FUNCTION(add) {
    stats_t next = st;
    for (uint32_t a = 1; a <= call->argc; a++) {
        uint32_t n = 1; /* a bare number, or the count of an array of them */
        ea_get_array(&call->in, &n);
        for (uint32_t i = 0; i < n; i++) {
            double x;
            if (!ea_get_float(&call->in, &x) || !finite(x)) {
                ea_writer *e = ea_fail_begin(call, EA_ERR_ARGS);
                ea_put_raw_cstr(e, "argument ");
                ea_put_raw_i64(e, a);
                ea_put_raw_cstr(e, ": expected finite numbers or arrays of them");
                return EA_FAILED;
            }
            add_one(&next, x);
        }
    }
    if (!finite(next.sum) || !finite(next.m2))
        return ea_fail(call, ERR_OVERFLOW, "numbers too large: the running sums would overflow");
    st = next;
    put_summary(&call->out);
    return EA_OK;
}

/* summary() -> {count, sum, min, max, mean, stddev}; min/max/mean/stddev are null when
 * nothing was added. stddev is the population standard deviation. */
EA_FUNCTION(summary) {
    EA_TRY(ea_args_done(call));
    put_summary(&call->out);
    return EA_OK;
}

/* reset() -> the summary before the reset, and starts over. */
EA_FUNCTION(reset) {
    EA_TRY(ea_args_done(call));
    put_summary(&call->out);
    memset(&st, 0, sizeof st);
    return EA_OK;
}
