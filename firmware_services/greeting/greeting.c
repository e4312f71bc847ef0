/* greeting: the smallest CBOR service — text in, text out. */
#include "../sdk/edge_agent.h"

/* greet(name?) -> "Hello, <name>!"; a missing or empty name greets the world. */
EA_FUNCTION(greet) {
    ea_str name = {"world", 5};
    if (ea_has_arg(call) && !ea_arg_null(call)) {
        EA_TRY(ea_arg_text(call, &name));
        if (name.len == 0) name = (ea_str){"world", 5};
    }
    EA_TRY(ea_args_done(call));
    ea_writer *out = &call->out;
    ea_put_head(out, 3, 7u + name.len + 1u);
    ea_put_raw(out, "Hello, ", 7);
    ea_put_raw(out, name.ptr, name.len);
    ea_put_raw(out, "!", 1);
    return EA_OK;
}
