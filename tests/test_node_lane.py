"""A trusted peer's call goes ahead of a stranger's heavy particles (edge_agent/cpu_lane.py),
over CoAP on loopback."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

from tests.test_node import agent_client_stranger, call, run, until


def test_a_trusted_call_is_answered_while_strangers_fold_and_their_runs_wait_for_it(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, client, stranger = await agent_client_stranger(stack, tmp_path)
            agent.state.trust(client.peer_id)
            # Folds of op.noop: a run after every call, each walking the rest of the array,
            # until the stranger's budget runs out (seconds of the agent's CPU).
            fold = (f'(seq (call %init_peer_id% ("getDataSrv" "xs") [] xs)'
                    f' (fold xs x (seq (call "{agent.peer_id}" ("op" "noop") []) (next x))))')
            for _ in range(3):
                await stranger.start_particle(fold, {"xs": list(range(4000))}, ttl_ms=60_000)
            lane = agent.status()["strangers_cpu"]
            await until(lambda: agent.status()["counters"].get("calls", 0) > 50, what="the folds run")
            assert agent.status()["strangers_cpu"]["turns"] > lane["turns"]

            before = agent.status()["strangers_cpu"]["turns"]
            done = await call(client, agent.peer_id, "peer", "identify", ttl_ms=30_000)
            assert done.client.errors == []
            assert [r[0]["peer_id"] for r in done.client.responses] == [agent.peer_id]
            status = agent.status()
            # The folds were still running: the answer did not wait for them to end. Each hop
            # of the call (its POST, the run, the challenge of the client's address, the
            # answer) waited for about one stranger's run: ~120 here, where the time slices
            # of all three folds at once came to thousands.
            assert status["counters"].get("dropped_over_budget", 0) < 3
            during = status["strangers_cpu"]["turns"] - before
            print(f"strangers' runs during the call: {during}")
            assert 0 < during < 1000
            assert status["strangers_cpu"]["trusted_in_progress"] == 0

    run(go())
