"""Spells on real nodes (loopback, discovery off): install, run, state, results, backoff,
triggers, trust, and a restart -- through the `spell` service as the CLI calls it."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, Source
from edge_agent.node import Node
from edge_agent.spell_runner import SpellRunner
from edge_agent.spell_store import SpellStore
from tests.test_node import call, introduce, run, start_node, until

COUNTER = """
(seq
 (seq
  (call %init_peer_id% ("spell" "get_number") ["n"] old)
  (xor
   (seq (ap old.$.[0] prev) (call %init_peer_id% ("math" "add") [prev 1] n))
   (call %init_peer_id% ("math" "add") [0 1] n)))
 (seq
  (call %init_peer_id% ("spell" "set_number") ["n" n])
  (seq
   (call %init_peer_id% ("getDataSrv" "label") [] label)
   (call %init_peer_id% ("callbackSrv" "response") [label n]))))
"""
"""Counts its runs in its own state and returns [label, count]."""

FAILING = '(call %init_peer_id% ("nope" "missing") [] x)'


def runner(node: Node) -> SpellRunner:
    spells = node.services.spells
    assert isinstance(spells, SpellRunner)
    return spells


async def manage(client: Node, agent: Node, function: str, *args: Any) -> Any:
    done = await call(client, agent.peer_id, "spell", function, *args)
    if done.client.errors:
        return {"error": done.client.errors[0][0]["message"]}
    return done.client.responses[0][0]


def install_doc(name: str, script: str, schedule: dict[str, Any], **args: Any) -> dict[str, Any]:
    return {"name": name, "script": script, "schedule": schedule, "args": args, "source": "test"}


def test_a_spell_runs_every_second_keeps_state_and_survives_a_restart(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            agent.state.trust(client.peer_id)
            doc = install_doc("count", COUNTER, {"every_ms": 1000}, label="c")
            info = await manage(client, agent, "install", doc)
            assert info["name"] == "count" and info["schedule_text"] == "every 1s"
            assert info["installed_by"] == client.peer_id
            await until(lambda: runner(agent).get("count").record.total_runs >= 2, what="two runs")
            status = await manage(client, agent, "status", "count")
            assert status["runs"][0]["ok"] and status["runs"][0]["result"] == ["c", 1]
            assert status["runs"][1]["result"] == ["c", 2]
            assert status["kv_keys"] == ["n"] and status["args"] == {"label": "c"}
            assert [s["name"] for s in await manage(client, agent, "list")] == ["count"]
            await agent.stop()

            again = await start_node(stack, tmp_path / "agent")
            introduce(again, client)
            before = runner(again).get("count").record.total_runs
            assert before >= 2
            await until(lambda: runner(again).get("count").record.total_runs >= before + 2, what="runs on")
            runs = runner(again).get("count").record.runs
            counts = [r.result[1] for r in runs]
            assert counts == list(range(1, len(counts) + 1))  # the state carried over the restart
            removed = await manage(client, again, "remove", "count")
            assert removed == {"name": "count", "removed": True}
            assert runner(again).names() == []
            assert not list((tmp_path / "agent" / "spells").glob("*.record.json"))

    run(go(), timeout=120)


def test_only_trusted_peers_manage_spells_and_bad_ones_are_refused(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            stranger = await start_node(stack, tmp_path / "stranger")
            introduce(agent, stranger)
            doc = install_doc("s", "(null)", {"every_ms": 60_000})
            for function, args in (("install", [doc]), ("list", []), ("remove", ["s"]), ("status", ["s"])):
                answer = await manage(stranger, agent, function, *args)
                assert "not authorised" in answer["error"], function
                assert f"edge-agent trust add {stranger.peer_id}" in answer["error"]
            # A spell's own functions are for its own particle only, and runs for the fleet.
            answer = await manage(stranger, agent, "set_string", "k", "v")
            assert "for a spell's own script" in answer["error"]
            answer = await manage(stranger, agent, "runs", "s", 1)
            assert "not authorised" in answer["error"]
            assert runner(agent).names() == []

            agent.state.trust(stranger.peer_id)
            bad = [
                (install_doc("s", "(seq (null)", {"every_ms": 60_000}), "not valid AIR"),
                (install_doc("s", "(null)", {"cron": "0 0 30 2 *"}), "never fires"),
                (install_doc("s", "(null)", {"every_ms": 5}), "every_ms"),
                (install_doc("../x", "(null)", {"every_ms": 60_000}), "spell name"),
            ]
            for doc, says in bad:
                answer = await manage(stranger, agent, "install", doc)
                assert says in answer["error"], (says, answer)
            answer = await manage(stranger, agent, "status", "nope")
            assert "no spell named 'nope'" in answer["error"]

    run(go(), timeout=120)


def test_a_failing_spell_logs_its_errors_and_backs_off(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            await runner(agent).install(_def("fails", FAILING, {"every_ms": 1000}))
            live = runner(agent).get("fails")
            await until(lambda: live.record.total_runs >= 2, what="two failed runs")
            first, second = live.record.runs[:2]
            assert not first.ok and "No service found" in first.error
            # The second run waited its backoff after the first ended (1 s, then 2 s).
            assert second.started_ms >= first.started_ms + first.duration_ms + 1000
            assert live.record.failures >= 2
            assert live.next_ms is None or live.next_ms >= second.started_ms + 2000

    run(go(), timeout=60)


def test_a_triggered_spell_runs_on_its_event_with_the_event_as_data(tmp_path: Path) -> None:
    script = (
        '(seq (call %init_peer_id% ("getDataSrv" "event") [] e)'
        ' (call %init_peer_id% ("callbackSrv" "response") [e]))'
    )

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            other = await start_node(stack, tmp_path / "other")
            await runner(agent).install(_def("joined", script, {"on": "peer-joined"}))
            await runner(agent).install(_def("left", script, {"on": "peer-left"}))
            introduce(agent, other)  # a static address: the peer joined
            joined = runner(agent).get("joined")
            await until(lambda: joined.record.total_runs == 1, what="a run on peer-joined")
            assert joined.record.runs[0].result == {"kind": "peer-joined", "peer_id": other.peer_id}
            agent.book.remove(other.peer_id)
            left = runner(agent).get("left")
            await until(lambda: left.record.total_runs == 1, what="a run on peer-left")
            assert left.record.runs[0].result == {"kind": "peer-left", "peer_id": other.peer_id}
            assert joined.record.total_runs == 1

    run(go(), timeout=60)


def test_a_stranger_announcing_names_runs_an_event_spell_at_most_once_a_second(tmp_path: Path) -> None:
    """Each new name on the LAN is a peer-joined event; a spell on it ran, and wrote its
    record, back to back for as long as a stranger kept announcing names."""
    script = '(call %init_peer_id% ("callbackSrv" "response") ["hi"])'

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            spells = runner(agent)
            await spells.install(_def("joined", script, {"on": "peer-joined"}))
            joined = spells.get("joined")
            names = (KeyPair.from_seed(bytes([i]) * 32).peer_id for i in range(1, 1000))
            started = time.monotonic()
            while time.monotonic() - started < 1.5:  # a new "device" every 20 ms
                agent.book.add(next(names), Address("127.0.0.1", 40000), Source.STATIC)
                await asyncio.sleep(0.02)
            await until(lambda: joined.record.total_runs >= 1, what="a run")
            elapsed = time.monotonic() - started
            assert 1 <= joined.record.total_runs <= 1 + elapsed / (const.SPELL_MIN_PERIOD_MS / 1000)

    run(go(), timeout=60)


def _def(name: str, script: str, schedule: dict[str, Any], **args: Any) -> Any:
    from edge_agent.spells import SpellDef

    return SpellDef.from_json(install_doc(name, script, schedule, **args))


async def _failing_after_a_run(stack: AsyncExitStack, tmp_path: Path) -> tuple[SpellRunner, Any]:
    """A node's spell `count`, failing every second, once it has run."""
    spells = runner(await start_node(stack, tmp_path / "agent"))
    await spells.install(_def("count", FAILING, {"every_ms": 1000}))
    live = spells.get("count")
    await until(lambda: live.record.total_runs >= 1, what="a run")
    return spells, live


def test_replacing_a_spell_starts_it_afresh_and_a_spell_may_remove_itself(tmp_path: Path) -> None:
    removes_itself = (
        '(seq (call %init_peer_id% ("spell" "name") [] me)'
        ' (call %init_peer_id% ("spell" "remove") [me] r))'
    )

    async def go() -> None:
        async with AsyncExitStack() as stack:
            spells, live = await _failing_after_a_run(stack, tmp_path)
            # Replaced: the new spell's log and state start empty, whatever the old one did.
            await spells.install(_def("count", COUNTER, {"every_ms": 60_000}))
            new = spells.get("count")
            assert new is not live and new.record.total_runs <= 1
            assert live.task is not None and live.task.done()
            store = spells.store
            assert store.definitions()["count"].schedule.every_ms == 60_000

            await spells.install(_def("once", removes_itself, {"every_ms": 1000}))
            await until(lambda: "once" not in spells.names(), what="the spell removed itself")
            assert "once" not in store.definitions()
            assert not (store.path / "once.record.json").exists()

    run(go(), timeout=60)


def test_a_power_cut_while_a_spell_is_replaced_never_gives_the_new_one_the_old_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            spells, live = await _failing_after_a_run(stack, tmp_path)
            store, writes = spells.store, []

            def cut_after_one(real: Any) -> Any:
                def write(*args: Any) -> Any:
                    writes.append(real)
                    if len(writes) == 2:
                        raise OSError("power cut")  # the second write of the two never happens
                    return real(*args)

                return write

            monkeypatch.setattr(store, "put_definition", cut_after_one(store.put_definition))
            monkeypatch.setattr(store, "put_record", cut_after_one(store.put_record))
            with pytest.raises(OSError, match="power cut"):
                await spells.install(_def("count", COUNTER, {"every_ms": 60_000}))
            after = SpellStore(store.path.parent)  # as the next start reads it
            replaced = after.definitions()["count"].schedule.every_ms == 60_000
            assert not replaced and after.record("count").total_runs == 0

    run(go(), timeout=60)


def test_the_spell_service_keeps_values_of_each_kind_and_reads_the_log(tmp_path: Path) -> None:
    calls = [
        '(call %init_peer_id% ("spell" "get_string") ["s"] s0)',
        '(call %init_peer_id% ("spell" "set_string") ["s" "hello"] r1)',
        '(call %init_peer_id% ("spell" "get_string") ["s"] s1)',
        '(call %init_peer_id% ("spell" "get_number") ["s"] n1)',  # a string is no number: absent
        '(call %init_peer_id% ("getDataSrv" "obj") [] obj)',
        '(call %init_peer_id% ("spell" "set") ["o" obj] r2)',
        '(call %init_peer_id% ("spell" "get") ["o"] o1)',
        '(call %init_peer_id% ("spell" "delete") ["s"] d1)',
        '(call %init_peer_id% ("spell" "delete") ["s"] d2)',
        '(call %init_peer_id% ("spell" "last_runs") [5] runs)',
        '(call %init_peer_id% ("spell" "name") [] me)',
        '(call %init_peer_id% ("callbackSrv" "response") [s0 s1 n1 o1 d1 d2 runs.length me])',
    ]
    script = calls[-1]
    for call_ in reversed(calls[:-1]):
        script = f"(seq {call_} {script})"
    bad = (
        '(xor (call %init_peer_id% ("spell" "set_u64") ["k" -1] r)'
        ' (call %init_peer_id% ("spell" "get_u64") ["k"] x))'
    )

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            spells = runner(agent)
            await spells.install(_def("kinds", script, {"every_ms": 60_000}, obj={"a": [1, 2]}))
            live = spells.get("kinds")
            await until(lambda: live.record.total_runs == 1, what="one run")
            [run_] = live.record.runs
            assert run_.ok, run_.error
            assert run_.result == [[], ["hello"], [], [{"a": [1, 2]}], True, False, 0, "kinds"]
            assert live.record.kv == {"o": {"a": [1, 2]}}
            await spells.install(_def("bad", bad, {"every_ms": 60_000}))
            await until(lambda: spells.get("bad").record.total_runs == 1, what="one run")
            assert spells.get("bad").record.runs[0].ok  # set_u64 of -1 refused, caught by xor
            assert spells.get("bad").record.kv == {}

    run(go(), timeout=60)


def test_a_deploy_wakes_service_deployed_spells_and_cron_spells_wait_for_their_minute(tmp_path: Path) -> None:
    import hashlib

    from tests.test_node import FIRMWARE

    wasm = (FIRMWARE / "greeting.wasm").read_bytes()
    script = (
        '(seq (call %init_peer_id% ("getDataSrv" "event") [] e)'
        ' (call %init_peer_id% ("callbackSrv" "response") [e.$.service]))'
    )

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            spells = runner(agent)
            await spells.install(_def("deployed", script, {"on": "service-deployed"}))
            installed = int(time.time() * 1000)
            await spells.install(_def("minutely", "(null)", {"cron": "* * * * *"}))
            agent.state.put_module(wasm)  # stored already: the deploy fetches nothing
            sha = hashlib.sha256(wasm).hexdigest()
            await agent.services.deploy("greeting", sha, {}, source=agent.peer_id)
            live = spells.get("deployed")
            await until(lambda: live.record.total_runs == 1, what="a run on service-deployed")
            assert live.record.runs[0].result == "greeting"
            minutely = spells.get("minutely")
            await until(lambda: minutely.next_ms is not None, what="a time for the cron spell")
            due = minutely.next_ms
            # Not at once: at the start of the next minute (local time zones are whole minutes).
            assert due is not None and due % 60_000 == 0 and installed < due <= installed + 60_000

    run(go(), timeout=60)


def test_status_says_running_while_a_run_keeps_its_record(tmp_path: Path) -> None:
    """Between a run's end and its next time, the record is written to disk (slow on a busy
    SD card): status said neither "running" nor "next run" meanwhile."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent = await start_node(stack, tmp_path / "agent")
            client = await start_node(stack, tmp_path / "client")
            introduce(agent, client)
            agent.state.trust(client.peer_id)
            spells = runner(agent)
            store_put = spells.store.put_record
            release = threading.Event()

            def slow_put(name: str, record: Any) -> None:
                if record.total_runs:  # the install's own write goes at once
                    release.wait(30)
                store_put(name, record)

            spells.store.put_record = slow_put  # type: ignore[method-assign]
            await manage(client, agent, "install", install_doc("count", COUNTER, {"every_ms": 1000}, label="c"))
            await until(lambda: spells.get("count").record.total_runs == 1, what="the first run")
            status = await manage(client, agent, "status", "count")  # its record is being kept
            release.set()
            assert status["total_runs"] == 1 and status["running_since_ms"] and status["next_ms"] is None
            await until(lambda: spells.get("count").next_ms is not None, what="the next run planned")
            status = await manage(client, agent, "status", "count")
            assert status["running_since_ms"] is None and status["next_ms"]

    run(go(), timeout=120)
