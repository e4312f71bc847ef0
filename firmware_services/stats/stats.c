/* stats: running statistics over the numbers it is given, kept in linear memory between
 * calls (until the service is redeployed or its worker replaced). */
#include "../sdk/edge_agent.h"

/* Welford's online algorithm keeps the variance numerically stable; the reported mean is
 * sum / count, which is exact to the last bit for the sums a small device sees. */
static struct {
    uint64_t count;
    double min, max, mean, m2, sum;
} st;

static bool finite(double d) { return d - d == 0.0; }

static void put_summary(ea_writer *w) {
    ea_put_map(w, 6);
    ea_put_cstr(w, "count");
    ea_put_uint(w, st.count);
    ea_put_cstr(w, "sum");
    ea_put_float(w, st.sum);
    const char *keys[4] = {"min", "max", "mean", "stddev"};
    double vals[4] = {st.min, st.max, st.count ? st.sum / (double)st.count : 0, st.count ? __builtin_sqrt(st.m2 / (double)st.count) : 0};
    for (int i = 0; i < 4; i++) {
        ea_put_cstr(w, keys[i]);
        if (st.count) ea_put_float(w, vals[i]);
        else ea_put_null(w);
    }
}

/* Reads one number (int or float) and checks that it is finite; fails with code 2. */
static bool read_number(ea_call *call, ea_reader *r, uint32_t arg, double *out) {
    if (ea_get_float(r, out) && finite(*out)) return true;
    ea_writer *e = ea_fail_begin(call, EA_ERR_ARGS);
    ea_put_raw_cstr(e, "argument ");
    ea_put_raw_i64(e, arg);
    ea_put_raw_cstr(e, ": expected finite numbers or arrays of them");
    return false;
}

/* Applies every number in the arguments (numbers or arrays of numbers) if `apply`. */
static bool walk(ea_call *call, bool apply) {
    ea_reader r = call->in;
    for (uint32_t a = 1; a <= call->argc; a++) {
        uint32_t n = 1; /* a bare number, or the count of an array of them */
        ea_get_array(&r, &n);
        for (uint32_t i = 0; i < n; i++) {
            double x;
            if (!read_number(call, &r, a, &x)) return false;
            if (!apply) continue;
            st.count++;
            if (st.count == 1 || x < st.min) st.min = x;
            if (st.count == 1 || x > st.max) st.max = x;
            st.sum += x;
            double d = x - st.mean;
            st.mean += d / (double)st.count;
            st.m2 += d * (x - st.mean);
        }
    }
    return true;
}

/* add(numbers...) -> summary. Each argument is a number or an array of numbers; all are
 * checked before any is added, so a bad one adds nothing. */
EA_FUNCTION(add) {
    EA_TRY(walk(call, false));
    walk(call, true);
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
