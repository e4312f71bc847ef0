"""`peer`: aqua-lib's `Peer` service -- who and when this peer is, and `timeout`.

`identify`, `timestamp_ms`, `timestamp_sec` and `timeout` answer as a Fluence peer (nox)
does. aqua-lib's connection-pool functions (`is_connected`, `connect`, `get_contact`) are
left out: a LAN agent keeps no libp2p connections (`edge-agent peers` shows its address book).
"""

from __future__ import annotations

import re
from typing import Any

from edge_agent import __version__, const
from edge_agent.services.base import Delayed
from edge_agent.services.builtins.args import STRING, U64, Kind, host_error, missing, str_debug, take_opt
from edge_agent.services.builtins.context import Builtin, CallContext

VERSION = f"edge-agent-{__version__}"
"""What `identify` gives as node and AIR versions (js-client's are "js-<version>" likewise)."""

_DURATION = Kind(U64.rust, lambda v: type(v) is str or U64.accepts(v))
"""nox reads timeout's duration as a u64 or a string holding one (`parse_from_str`)."""
_DURATION_RUST = "particle_builtins::builtins::parse_from_str::Either<u64>"
_U64_TEXT = re.compile(r"\+?[0-9]+\Z")


def identify(args: list[Any], ctx: CallContext) -> Any:
    """aqua-lib's `Info`, as nox fills it (its `NodeInfo`), plus `peer_id`.

    This peer has no multiaddrs, spells, effectors or VM: those fields are empty. `peer_id`
    is ours: scripts written for earlier versions of this agent read it, and a Fluence
    program's `Info` simply ignores it. js-client answers only the first three fields.
    """
    return {
        "external_addresses": [],
        "node_version": VERSION,
        "air_version": VERSION,
        "spell_version": "",
        "allowed_binaries": [],
        "vm_info": None,
        "peer_id": ctx.peer_id,
    }


def timestamp_ms(args: list[Any], ctx: CallContext) -> Any:
    """This peer's clock, in milliseconds since the Unix epoch (simulated time in the simulator)."""
    return ctx.now_ms


def timestamp_sec(args: list[Any], ctx: CallContext) -> Any:
    """This peer's clock, in whole seconds since the Unix epoch."""
    return ctx.now_ms // 1000


def timeout(args: list[Any], ctx: CallContext) -> Any:
    """`timeout(duration_ms, message?)`: `message` ("" without one) after `duration_ms`.

    The result is `Delayed`: the host hands it back when due, without blocking anything
    else. It never comes later than the particle's deadline (nobody could use it then) nor
    `const.PEER_TIMEOUT_MAX_MS`. nox takes the duration as a number or a numeric string and
    the message as optional; js-client wants exactly a number and a string.
    """
    duration = _duration(args)
    message = take_opt(args, 1, "message", STRING)
    delay = min(duration, const.PEER_TIMEOUT_MAX_MS)
    if ctx.deadline_ms is not None:
        delay = min(delay, max(0, ctx.deadline_ms - ctx.now_ms))
    return Delayed.after(delay, "" if message is None else message)


def _duration(args: list[Any]) -> int:
    """nox's `parse_from_str::<u64>("duration_ms")`, with its error texts."""
    value = take_opt(args, 0, "duration_ms", _DURATION, _DURATION_RUST)
    if value is None:
        raise missing("duration_ms")
    if type(value) is int:
        return value
    # The message shows only the outer error; the ParseIntError kind is in its Debug part.
    digits = value.lstrip("+").lstrip("0") or "0"  # int() refuses over 4300 digits
    if not value:
        kind = "Empty"
    elif not _U64_TEXT.match(value):
        kind = "InvalidDigit"
    elif len(digits) > 20 or int(digits) >= 2**64:
        kind = "PosOverflow"
    else:
        return int(digits)
    raise host_error(
        "Error while deserializing field duration_ms",
        f"Error {{ field_name: {str_debug('duration_ms')}, err: ParseIntError {{ kind: {kind} }} }}",
    )


FUNCTIONS: dict[str, Builtin] = {
    "identify": identify,
    "timestamp_ms": timestamp_ms,
    "timestamp_sec": timestamp_sec,
    "timeout": timeout,
}
