"""The builtins on real nodes over loopback: AIR compiled by Fluence's compiler, run by CoAP peers.

Every program of tests/services/aqua/ runs from a client node and calls its builtins on a
second node; each gives the response the simulator gives (test_builtins_<service>.py). The
timeout race shows that a node hands a `peer.timeout` result over on its own: the response
comes while the slower timeout of the same run is still pending.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from tests.services import (
    test_builtins_array,
    test_builtins_cmp,
    test_builtins_debug,
    test_builtins_math,
    test_builtins_op,
)
from tests.services.builtins_support import AQUA
from tests.test_node import introduce, run, start_and_wait, start_node, until

PROGRAMS: dict[str, Any] = {
    "op": test_builtins_op,
    "math": test_builtins_math,
    "cmp": test_builtins_cmp,
    "array": test_builtins_array,
    "debug": test_builtins_debug,
}


def test_compiled_aqua_runs_every_builtin_service_on_real_nodes(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            client = await start_node(stack, tmp_path / "client")
            dev = await start_node(stack, tmp_path / "dev")
            introduce(client, dev)
            for name, module in PROGRAMS.items():
                script = (AQUA / f"{name}.air").read_text()
                done = await start_and_wait(client, script, {"peer": dev.peer_id, **module.COMPILED_DATA})
                assert done.client.errors == [], (name, done.client.errors)
                assert done.client.responses == [module.COMPILED_RESPONSE], name

            script = (AQUA / "peer.air").read_text()
            done = await start_and_wait(client, script, {"peer": dev.peer_id}, ttl_ms=20_000)
            assert done.client.errors == []
            [[addresses, ms, sec, winner, finished, after]] = done.client.responses
            assert (addresses, sec, winner, finished) == ([], ms // 1000, "fast", "done")
            # Both sleeps happened, one after the other, after the particle started (the
            # identify branch runs in parallel with the race); ms clocks, so 5 ms of slack.
            assert after >= done.particle.timestamp_ms + 200 + 1000 - 5
            # The 5 s timeout of the same run is still pending: it held nothing up. (The
            # response's own call may still be on its way into the core: on a slow board the
            # node yields to the loop between a call's result and its record.)
            pid = done.particle.id
            await until(lambda: len(client.core.pending(pid)) == 1, what="the response recorded")
            assert client.status()["counters"]["calls"] >= 5
        # Leaving the stack stopped both nodes, the pending timeout's task with them.

    run(go())
