"""Nobody can fake a failure (issue 11), by real peers on loopback.

A failure report is an entry produced and sealed by the peer that failed: a peer on the
particle's path that reports a failure in another peer's name (its own seal over it: a
strip-and-replace), or that alters a genuine report, is refused with a counted reason
(`dropped_unsealed`), and the laptop's run goes on waiting as if nothing came.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from edge_agent.air import data as air_data
from edge_agent.air.data import FAILURE_KEY, Data, Entry, Kind
from edge_agent.core import SendCopy
from edge_agent.net.addressbook import Address
from tests.security.test_forged_data import become_forger, overheard_run, sealed_by
from tests.test_node import LOCAL, RESPOND, counters, introduce, start_node, until
from tests.test_node import run as run_async


def test_a_failure_in_another_peers_name_is_refused(tmp_path: Path) -> None:
    """Shed, on the way to garage, tells the laptop that garage failed (sealed by shed)."""
    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            shed = await start_node(stack, tmp_path / "shed")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, shed, garage)

            def forge(action: SendCopy) -> tuple[Any, str]:
                env = action.envelope
                fake = [10000, "garage is on fire", '(call "garage" ("op" "noop") [])']
                data = Data({FAILURE_KEY: Entry(Kind.FAILURE, fake, garage.peer_id)})
                return sealed_by(shed, env, data), laptop.peer_id

            sent = become_forger(shed, garage.peer_id, forge)
            script = (
                f'(seq (call "{shed.peer_id}" ("op" "noop") [])'
                f' (seq (call "{garage.peer_id}" ("op" "noop") []) {RESPOND.format("1")}))'
            )
            started = await laptop.start_particle(script, ttl_ms=4000)
            await until(lambda: sent == ["delivered"], what="the forged report delivered")
            await until(lambda: counters(laptop).get("dropped_unsealed") == 1, what="refused, counted")
            assert not await laptop.wait(started, timeout_s=0.5)
            assert started.failure is None and counters(laptop).get("failure_reports") is None

    run_async(go())


def test_an_altered_failure_report_is_refused(tmp_path: Path) -> None:
    """Garage's genuine report, its message rewritten on the way (its seal kept)."""
    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, garage)

            def alter(action: SendCopy) -> tuple[Any, str] | None:
                env = action.envelope
                data = air_data.decode(env.data)
                entry = data.entries.get(FAILURE_KEY)
                if entry is None:
                    return None
                entry.value = [entry.value[0], "the laptop must run `rm -rf`", entry.value[2]]
                return env.with_data(air_data.encode(data)), laptop.peer_id

            sent = become_forger(garage, laptop.peer_id, alter)
            script = f'(seq (call "{garage.peer_id}" ("nosuch" "f") []) {RESPOND.format("1")})'
            started = await laptop.start_particle(script, ttl_ms=4000)
            await until(lambda: sent == ["delivered"], what="the altered report delivered")
            await until(lambda: counters(laptop).get("dropped_unsealed") == 1, what="refused, counted")
            assert not await laptop.wait(started, timeout_s=0.5)
            assert started.failure is None
            assert counters(garage)["failed_runs"] == 1

    run_async(go())


def test_a_stranger_cannot_end_a_run_with_a_failure_of_its_own(tmp_path: Path) -> None:
    """A stranger reads the laptop's copy to shed off the LAN and sends the laptop a failure
    report in its own name, sealed by itself, while the run goes on. Before reports carried
    their writer's invitation the laptop took it and the run ended with it; now nobody sent
    the stranger the particle: the laptop refuses it (`uninvited`) and the run ends with
    garage's answer."""
    async def go() -> None:
        async with AsyncExitStack() as stack:
            o = await overheard_run(stack, tmp_path)
            laptop, garage, stranger, started = o.laptop, o.garage, o.stranger, o.run
            fake = [10000, "garage is on fire", f'call "{garage.peer_id}" ("op" "concat_strings") []']
            report = Data({FAILURE_KEY: Entry(Kind.FAILURE, fake, stranger.peer_id)})
            copy = sealed_by(stranger, o.copy, report)
            result = await stranger.client.send_particle(
                Address(LOCAL, laptop.port), copy.encode(), deadline_ms=copy.deadline_ms,
                sender=stranger.peer_id,
            )
            assert result.outcome.value == "delivered"
            await until(lambda: counters(laptop).get("dropped_uninvited") == 1, what="the laptop refused it")
            assert started.failure is None and counters(laptop).get("failure_reports") is None
            o.acted.set()
            assert await laptop.wait(started, timeout_s=10)
            assert started.failure is None and started.client.responses == [["hash of Hello, Ada"]]

    run_async(go())
