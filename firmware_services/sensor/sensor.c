/* sensor: the device's sensors, read through the host's ea_sensor_read capability. */
#include "../sdk/edge_agent.h"

enum { ERR_UNAVAILABLE = EA_ERR_SERVICE }; /* the host has no such sensor or could not read it */

static int read_sensor(ea_call *call, ea_str name) {
    double value;
    if (ea_sensor_read(name.ptr, (int32_t)name.len, &value) != 0) {
        ea_writer *e = ea_fail_begin(call, ERR_UNAVAILABLE);
        ea_put_raw_cstr(e, "sensor \"");
        ea_put_raw(e, name.ptr, name.len);
        ea_put_raw_cstr(e, "\" is unknown or unavailable on this device");
        return EA_FAILED;
    }
    ea_put_float(&call->out, value);
    return EA_OK;
}

/* cpu_temperature() -> the CPU temperature in °C (a float); error 32 when the device does
 * not expose one. */
EA_FUNCTION(cpu_temperature) {
    EA_TRY(ea_args_done(call));
    return read_sensor(call, (ea_str){"cpu_temperature", 15});
}

/* read(name) -> the named sensor's value (a float); error 32 if unknown or unavailable. */
EA_FUNCTION(read) {
    ea_str name;
    EA_TRY(ea_arg_text(call, &name));
    EA_TRY(ea_args_done(call));
    if (name.len == 0 || name.len > 64) return ea_fail(call, EA_ERR_ARGS, "sensor name must be 1 to 64 bytes");
    return read_sensor(call, name);
}
