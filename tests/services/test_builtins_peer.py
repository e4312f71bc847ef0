"""`peer`: aqua-lib's Peer service as far as a LAN agent has it -- identify, clocks, timeout.

Expected texts are nox's (particle-builtins/src/builtins.rs `timeout`, `parse_from_str`).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from edge_agent import __version__, const
from edge_agent.services.base import Delayed
from edge_agent.sim import Network
from tests.services.builtins_support import AQUA, CTX, NOW_MS, call, error, run_compiled

DURATION_TYPE = "Option<particle_builtins::builtins::parse_from_str::Either<u64>>"


def test_identify_is_aqua_libs_info_plus_the_peer_id() -> None:
    assert call("peer", "identify") == {
        "external_addresses": [],
        "node_version": f"edge-agent-{__version__}",
        "air_version": f"edge-agent-{__version__}",
        "spell_version": "",
        "allowed_binaries": [],
        "vm_info": None,
        "peer_id": CTX.peer_id,
    }


def test_timestamps_are_the_peers_clock() -> None:
    assert call("peer", "timestamp_ms") == NOW_MS
    assert call("peer", "timestamp_sec") == NOW_MS // 1000
    assert call("peer", "timestamp_sec", "ignored") == NOW_MS // 1000


def test_timeout_answers_its_message_later() -> None:
    result = call("peer", "timeout", 1500, "late")
    assert isinstance(result, Delayed) and (result.value, result.delay_ms) == ("late", 1500)
    assert result.now().value == "late" and not isinstance(result.now(), Delayed)
    # nox's argument rules: a numeric string, an Aqua option, and no message at all.
    assert call("peer", "timeout", "250", "x").delay_ms == 250
    assert call("peer", "timeout", "+0007").delay_ms == 7
    assert call("peer", "timeout", [10], ["opt"]) == Delayed.after(10, "opt")
    assert call("peer", "timeout", 10) == Delayed.after(10, "")
    assert call("peer", "timeout", 10, []) == Delayed.after(10, "")
    assert call("peer", "timeout", 0, "now").delay_ms == 0


def test_timeout_never_outlasts_the_particle_nor_the_cap() -> None:
    assert call("peer", "timeout", 10**9).delay_ms == 60_000  # CTX's particle has 60 s left
    expired = replace(CTX, deadline_ms=NOW_MS - 5)
    assert call("peer", "timeout", 100, ctx=expired).delay_ms == 0
    unknown = replace(CTX, deadline_ms=None)
    assert call("peer", "timeout", 2**64 - 1, ctx=unknown).delay_ms == const.PEER_TIMEOUT_MAX_MS


def test_timeout_argument_errors() -> None:
    missing = (
        "Error: Field 'duration_ms' is missing from args to call_service\nMissingField(\"duration_ms\")"
    )
    assert error("peer", "timeout") == missing
    assert error("peer", "timeout", None, "x") == missing
    assert error("peer", "timeout", []) == missing

    def parse_error(kind: str) -> str:
        return (
            "Error: Error while deserializing field duration_ms\n"
            f'Error {{ field_name: "duration_ms", err: ParseIntError {{ kind: {kind} }} }}'
        )

    assert error("peer", "timeout", "") == parse_error("Empty")
    assert error("peer", "timeout", "1s") == parse_error("InvalidDigit")
    assert error("peer", "timeout", "-1") == parse_error("InvalidDigit")
    assert error("peer", "timeout", str(2**64)) == parse_error("PosOverflow")
    assert error("peer", "timeout", "9" * 5000) == parse_error("PosOverflow")
    assert call("peer", "timeout", "0" * 5000 + "5").delay_ms == 5  # leading zeros are fine
    assert error("peer", "timeout", -1) == (
        f"Error: Error deserializing field 'duration_ms': expected {DURATION_TYPE}, got -1\n"
        f'DeserializeError {{ field: "duration_ms", value: Number(-1), expected_type: "{DURATION_TYPE}" }}'
    )
    assert error("peer", "timeout", 1.5).startswith(
        f"Error: Error deserializing field 'duration_ms': expected {DURATION_TYPE}, got 1.5\n"
    )
    assert error("peer", "timeout", [1, 2]) == (
        "Error: Option's array must contain at most 1 element, 'duration_ms' was of 2 elements\n"
        'NonUnaryOption { field: "duration_ms", length: 2 }'
    )
    assert error("peer", "timeout", 5, 6) == (
        "Error: Error deserializing field 'message': expected Option<String>, got 6\n"
        'DeserializeError { field: "message", value: Number(6), expected_type: "Option<String>" }'
    )


@pytest.mark.parametrize("function", ["is_connected", "connect", "get_contact"])
def test_the_connection_pool_functions_are_left_out(function: str) -> None:
    assert error("peer", function, "x") == (
        f"No service found for service call: serviceId='peer', fnName='{function}'"
    )


# --- in the simulator -----------------------------------------------------------------------------


def test_compiled_aqua_identify_and_a_timeout_race_in_simulated_time() -> None:
    result = run_compiled("peer", {"peer": "dev"})
    [[addresses, ms, sec, winner, done, after]] = result.responses
    assert (addresses, ms, sec, winner, done) == ([], NOW_MS, NOW_MS // 1000, "fast", "done")
    # The 200 ms timeout won the race; the response came 1 s after it, long before the slow
    # one, which still ran to its end in simulated time.
    assert after == NOW_MS + 200 + 1000
    assert result.now_ms == NOW_MS + 5000


def test_a_timeout_past_the_particles_deadline_never_answers() -> None:
    script = (AQUA / "peer.air").read_text()
    result = Network(["client", "dev"]).run(
        script, init_peer="client", data={"peer": "dev"}, timestamp_ms=NOW_MS, ttl_ms=1000
    )
    assert result.responses == [] and ("client", "expired") in result.forgotten
    assert result.now_ms == NOW_MS + 1000  # the capped sleeps end with the particle
