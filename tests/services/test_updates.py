"""Versions and health-gated updates of a service (edge_agent/services/updates.py), through
srv.* as a laptop's particle would call them: real state directory, Wasm host and wasm3.
The same through the CLI and real agents is tests/integration/test_cli_versions.py."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.services.base import RET_BAD_REQUEST
from edge_agent.services.local import LocalServices
from edge_agent.services.updates import STAGE_PREFIX, stage_name
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig
from edge_agent.identity import KeyPair
from edge_agent.store import KVLimits, StateDir
from tests.services.test_local import LAPTOP, ME, Offer, failed, ok, run, sha

MODULES = Path(__file__).parent / "wasm" / "modules"
V1, V2, TRAP, SICK, BAD_MIGRATE = (
    (MODULES / f"counter_{v}.wasm").read_bytes() for v in ("v1", "v2", "trap", "sick", "badmigrate")
)
ALL = Offer(V1, V2, TRAP, SICK, BAD_MIGRATE)
QUICK = {"update": True, "watch_ms": 0}


@pytest.fixture(autouse=True)
def quick_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Watches check every 50 ms instead of every second, so a test's window is short."""
    monkeypatch.setattr(const, "UPDATE_CHECK_INTERVAL_MS", 50)


@asynccontextmanager
async def local(state_dir: Path, keep: int = const.DEFAULT_KEEP_VERSIONS) -> AsyncIterator[LocalServices]:
    state = StateDir(state_dir)
    state.trust(LAPTOP)
    async with AsyncWasmHost(HostConfig(state_dir=state.path)) as host:
        services = LocalServices(ME, host, state, fetch_module=ALL, keep_versions=keep)
        try:
            await services.restore()
            yield services
        finally:
            await services.aclose()


async def deploy(services: LocalServices, wasm: bytes, options: dict[str, Any] | None = None) -> Any:
    return await ok(services, "srv", "deploy", ["counter", sha(wasm), {}, options or {}])


async def history(services: LocalServices) -> dict[str, Any]:
    return await ok(services, "srv", "history", ["counter"])


async def counting(services: LocalServices, count: int) -> None:
    """Version 1 of the counter deployed, its counter bumped to `count`."""
    await deploy(services, V1)
    for _ in range(count):
        await ok(services, "counter", "bump", [])


def states(doc: dict[str, Any]) -> list[tuple[int, str]]:
    return [(v["version"], v["state"]) for v in doc["versions"]]


def test_a_second_deploy_of_a_name_is_refused_without_update(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            result = await failed(services, "srv", "deploy", ["counter", sha(V2)])
            assert result.ret_code == RET_BAD_REQUEST
            assert "service 'counter' is already deployed here" in result.message
            assert "deploy --update to update it" in result.message
            assert await ok(services, "counter", "version", []) == 1

    run(main())


def test_an_update_keeps_the_previous_version_with_who_deployed_each(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            await ok(services, "counter", "bump", [])
            answer = await deploy(services, V2, QUICK)
            assert (answer["version"], answer["replaced"], answer["state"]) == (2, 1, "serving")
            assert answer["rolled_back"] is False and answer["migrated"] is True
            assert await ok(services, "counter", "version", []) == 2
            doc = await history(services)
            assert doc["current"] == 2 and states(doc) == [(2, "serving"), (1, "previous")]
            assert {v["by"] for v in doc["versions"]} == {LAPTOP}
            assert [v["module"] for v in doc["versions"]] == [sha(V2), sha(V1)]
            assert StateDir(tmp_path).module_hashes() == {sha(V1), sha(V2)}  # the previous one stays

    run(main())


def test_an_update_whose_health_check_fails_is_switched_back_at_once(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            answer = await deploy(services, SICK, {"update": True, "watch_ms": 10_000})
            assert answer["rolled_back"] is True and answer["state"] == "failed"
            assert answer["reason"] == "health answered 0"
            assert answer["sha256"] == sha(V1)  # what serves now
            assert await ok(services, "counter", "version", []) == 1
            doc = await history(services)
            assert states(doc) == [(2, "failed"), (1, "serving")]
            assert doc["versions"][0]["reason"] == "health answered 0"
            assert services.updates.status()["rollbacks"][0]["reason"] == "health answered 0"

    run(main())


def test_a_version_that_traps_in_its_watch_window_is_switched_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            answer = await deploy(services, TRAP, {"update": True, "watch_ms": 30_000})
            assert answer["state"] == "watching" and answer["rolled_back"] is False
            assert services.updates.status()["watching"] == {
                "counter": {"version": 2, "until_ms": answer["watch_until_ms"]}
            }
            for _ in range(200):  # the third health check traps: well within 10 s
                if (await history(services))["current"] == 1:
                    break
                await asyncio.sleep(0.05)
            doc = await history(services)
            assert states(doc) == [(2, "failed"), (1, "serving")]
            assert "health failed" in doc["versions"][0]["reason"]
            assert "trap: unreachable" in doc["versions"][0]["reason"]
            assert await ok(services, "counter", "version", []) == 1
            assert services.updates.status()["watching"] == {}

    with caplog.at_level(logging.WARNING, logger="edge_agent.services.updates"):
        run(main())
    assert "service counter: version 2 failed (health failed" in caplog.text
    assert "version 1 serves again" in caplog.text


def test_a_real_call_that_traps_counts_against_the_watched_version(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            # A smoke call (`count`, which passes) replaces the health check, so only the
            # callers below run `health`: its third run traps.
            await deploy(services, TRAP, {"update": True, "watch_ms": 30_000, "check": ["count", []]})
            for _ in range(3):
                await services.call(_caller(), "counter", "health", [])
            for _ in range(100):
                if (await history(services))["current"] == 1:
                    break
                await asyncio.sleep(0.05)
            doc = await history(services)
            assert states(doc)[0] == (2, "failed")
            assert doc["versions"][0]["reason"].startswith("a call failed: ")

    run(main())


def test_a_strangers_failing_calls_never_decide_a_watched_update(tmp_path: Path) -> None:
    """A public service's watch counts only the failures of callers it does not admit as
    strangers: else anyone on the LAN could switch back every update with one call that
    traps or runs out of fuel. The laptop's own failing call still decides."""
    from tests.services.test_local import STRANGER

    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1, {"access": "public"})
            update = {"update": True, "watch_ms": 30_000, "check": ["count", []], "access": "public"}
            await deploy(services, TRAP, update)
            for _ in range(4):  # from the third on, each traps
                await services.call(_caller(STRANGER), "counter", "health", [])
            await asyncio.sleep(0.3)  # six checks of the watch
            assert states(await history(services))[0] == (2, "watching")
            failed_call = await services.call(_caller(), "counter", "health", [])
            assert failed_call.ret_code == 4
            for _ in range(100):
                if (await history(services))["current"] == 1:
                    break
                await asyncio.sleep(0.05)
            assert states(await history(services))[0] == (2, "failed")

    run(main())


def _caller(peer: str = LAPTOP) -> Any:
    from edge_agent.services.local import Caller

    return Caller(peer, "particle-2")


def test_a_version_that_passes_its_watch_is_kept(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            answer = await deploy(services, V2, {"update": True, "watch_ms": 300})
            assert answer["state"] == "watching"
            for _ in range(100):
                if states(await history(services))[0] == (2, "serving"):
                    break
                await asyncio.sleep(0.05)
            assert states(await history(services)) == [(2, "serving"), (1, "previous")]

    run(main())


def test_a_migration_runs_on_a_copy_and_a_failing_one_changes_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await counting(services, 3)
            result = await failed(services, "srv", "deploy", ["counter", sha(BAD_MIGRATE), {}, QUICK])
            assert "migration of counter failed, nothing changed (version 1 still serves)" in result.message
            assert "migrate failed" in result.message and "trap" in result.message
            assert await ok(services, "counter", "count", []) == 3  # the copy took the 999
            assert states(await history(services)) == [(1, "serving")]
            assert not StateDir(tmp_path).has_module(sha(BAD_MIGRATE))
            assert not any(p.name.startswith(STAGE_PREFIX) for p in (tmp_path / "kv").iterdir())
            await deploy(services, V2, QUICK)
            assert await ok(services, "counter", "count", []) == 30  # migrate(1) multiplied it

    run(main())


def test_a_write_of_the_old_version_after_the_first_copy_survives_the_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The old version serves while the new one is staged; a migrating update copies the KV
    data again once it holds the service's calls, so that write is migrated, not lost."""

    async def main() -> None:
        async with local(tmp_path) as services:
            await counting(services, 3)
            real_deploy, bumps = services.host.deploy, []

            async def deploy_then_bump(name: str, wasm: bytes, limits: Any = None) -> Any:
                info = await real_deploy(name, wasm, limits)
                if name.startswith(STAGE_PREFIX):  # staged on the first copy; version 1 serves
                    bumps.append(await ok(services, "counter", "bump", []))
                return info

            monkeypatch.setattr(services.host, "deploy", deploy_then_bump)
            await deploy(services, V2, QUICK)
            assert bumps == [4]
            assert await ok(services, "counter", "count", []) == 40  # 4, migrated

    run(main())


def test_a_call_during_the_migration_waits_for_the_new_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await counting(services, 3)
            real_check, seen = services.updates._check, []

            async def migrate_with_a_call(name: str, check: Any) -> Any:
                if check.function == "migrate":
                    bump = asyncio.create_task(ok(services, "counter", "bump", []))
                    await asyncio.sleep(0.3)  # version 1 would have answered by now
                    seen.append(bump.done())
                    seen.append(bump)
                return await real_check(name, check)

            monkeypatch.setattr(services.updates, "_check", migrate_with_a_call)
            await deploy(services, V2, QUICK)
            assert seen[0] is False  # held ...
            assert await seen[1] == 31  # ... then bumped by version 2, after the migration
            assert not services.gate.held("counter")
            assert await ok(services, "counter", "count", []) == 31

    run(main())


def test_rollback_restores_the_previous_version_and_keeps_the_kv_data(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            await deploy(services, TRAP, QUICK)  # passes its one check; no watch
            await ok(services, "counter", "bump", [])
            rolled = await ok(services, "srv", "rollback", ["counter"])
            assert rolled == {"name": "counter", "version": 1, "from": 2}
            assert await ok(services, "counter", "version", []) == 1
            assert await ok(services, "counter", "count", []) == 1
            doc = await history(services)
            assert states(doc) == [(2, "previous"), (1, "serving")]
            assert doc["versions"][0]["reason"] == f"rolled back to version 1 by {LAPTOP}"
            result = await failed(services, "srv", "rollback", ["counter", 7])
            assert result.ret_code == RET_BAD_REQUEST
            assert "version 7 is not kept; kept versions: 1, 2" in result.message
            result = await failed(services, "srv", "rollback", ["counter", 1])
            assert "version 1 already serves" in result.message
            await ok(services, "srv", "rollback", ["counter", 2])
            assert await ok(services, "counter", "version", []) == 3

    run(main())


def test_only_the_newest_versions_are_kept_with_their_modules(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path, keep=2) as services:
            await deploy(services, V1)
            await deploy(services, V2, QUICK)
            await deploy(services, TRAP, QUICK)
            assert states(await history(services)) == [(3, "serving"), (2, "previous")]
            assert StateDir(tmp_path).module_hashes() == {sha(V2), sha(TRAP)}
            result = await failed(services, "srv", "rollback", ["counter", 1])
            assert "version 1 is not kept" in result.message

    run(main())


def test_remove_keeps_the_kv_data_unless_purged(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            await ok(services, "counter", "bump", [])
            assert (await ok(services, "srv", "remove", ["counter"]))["purged"] is False
            await deploy(services, V1)
            assert await ok(services, "counter", "count", []) == 1  # the data came back
            assert states(await history(services)) == [(1, "serving")]  # the versions did not
            assert (await ok(services, "srv", "remove", ["counter", {"purge": True}]))["purged"] is True
            assert not (tmp_path / "kv" / "counter").exists()
            await deploy(services, V1)
            assert await ok(services, "counter", "count", []) == 0
            # A remove --purge cut short after its record was written (a power cut): asked
            # again, the name is unknown, and the data it left goes.
            await ok(services, "counter", "bump", [])
            await ok(services, "srv", "remove", ["counter"])
            assert (tmp_path / "kv" / "counter").exists()
            again = await ok(services, "srv", "remove", ["counter", {"purge": True}])
            assert again == {"name": "counter", "removed": True, "purged": True}
            assert not (tmp_path / "kv" / "counter").exists()
            gone = await failed(services, "srv", "remove", ["counter", {"purge": True}])
            assert "no service named 'counter'" in gone.message

    run(main())


SMALL_KV = KVLimits(max_keys=16, max_total_bytes=4096)
"""A quota that makes each bump of the counter rewrite a file of 4 KiB."""


@asynccontextmanager
async def public_counter(state_dir: Path) -> AsyncIterator[tuple[AsyncWasmHost, LocalServices]]:
    """The counter deployed with access `public`, its KV store at `SMALL_KV`: real worker
    processes, real files."""
    state = StateDir(state_dir)
    state.trust(LAPTOP)
    async with AsyncWasmHost(HostConfig(state_dir=state.path, kv_limits=SMALL_KV)) as host:
        services = LocalServices(ME, host, state, fetch_module=ALL)
        try:
            await deploy(services, V1, {"access": "public"})
            yield host, services
        finally:
            await services.aclose()


def test_a_public_services_kv_writes_for_strangers_have_a_budget_and_others_do_not(tmp_path: Path) -> None:
    """Each bump rewrites the counter's KV file: strangers' bumps stop counting once they
    rewrote two files at the quota (a sixteenth of one a second after); the trusted laptop's,
    and a peer's the access rule lists, always count. Real worker processes, real files."""
    from tests.services.test_local import STRANGER

    listed = KeyPair.from_seed(b"\x09" * 32).peer_id

    async def main() -> None:
        async with public_counter(tmp_path) as (_, services):
            counts = [await ok(services, "counter", "bump", [], peer=STRANGER) for _ in range(200)]
            budget = 2 * SMALL_KV.max_file_bytes()
            assert budget // 200 < max(counts) < 200 - 10, counts  # then they stopped counting
            kept = await ok(services, "counter", "count", [])
            assert await ok(services, "counter", "bump", []) == kept + 1  # the laptop's counts
            await deploy(services, V1, {"update": True, "watch_ms": 0, "access": f"{listed}"})
            assert await ok(services, "counter", "bump", [], peer=listed) == kept + 2

    run(main())


def test_a_replaced_worker_gives_strangers_no_fresh_kv_budget(tmp_path: Path) -> None:
    """Strangers' KV budget lives in the worker: when the worker dies (a crash, a deadline,
    or its replacement after host calls made it grow), the service is loaded again with an
    empty budget that refills at the steady rate, not a full one: else making its worker
    crash would buy a stranger another burst of SD-card writes."""
    import os
    import signal

    from tests.services.test_local import STRANGER

    async def main() -> None:
        async with public_counter(tmp_path) as (host, services):
            counts = [await ok(services, "counter", "bump", [], peer=STRANGER) for _ in range(100)]
            spent = max(counts)
            assert spent < 100  # the budget ran out
            [pid] = [p for p in host.worker_pids() if p]
            os.kill(pid, signal.SIGKILL)
            await asyncio.sleep(0.1)
            after = [await ok(services, "counter", "bump", [], peer=STRANGER) for _ in range(20)]
            assert max(after) <= spent + 1, (spent, after)  # a sixteenth of a file a second, no burst

    run(main())


def test_versions_are_for_trusted_peers_and_update_options_are_checked(tmp_path: Path) -> None:
    from tests.services.test_local import STRANGER

    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            for function, args in (("history", ["counter"]), ("rollback", ["counter"])):
                result = await failed(services, "srv", function, args, peer=STRANGER)
                assert result.ret_code == 13 and "may not see or change the versions" in result.message
            bad = (
                ({"update": True, "watch_ms": -1}, "watch_ms must be 0 to"),
                ({"update": True, "watch_ms": const.UPDATE_MAX_WATCH_MS + 1}, "watch_ms must be 0 to"),
                ({"update": True, "max_failures": "2"}, "max_failures must be 0 to"),
                ({"update": True, "check": "health"}, "check must be [function, [args...]]"),
                ({"update": True, "check": ["f", ["x" * 2000]]}, "a check is at most 1024 bytes"),
                ({"update": True, "colour": 1}, "unknown option 'colour'"),
            )
            for options, message in bad:
                result = await failed(services, "srv", "deploy", ["counter", sha(V2), {}, options])
                assert result.ret_code == RET_BAD_REQUEST and message in result.message, (options, result)
            result = await failed(services, "srv", "deploy", [stage_name("counter"), sha(V2)])
            assert "reserved" in result.message

    run(main())


def test_a_restart_finishes_a_kv_switch_and_watches_again(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            await ok(services, "counter", "bump", [])
        # As a power cut right after the commit of an update that migrated would leave it:
        # the record names v2 and where its migrated KV file waits; the watch was running.
        state = StateDir(tmp_path)
        record = state.services()["counter"]
        stage = tmp_path / "kv" / stage_name("counter")
        stage.mkdir()
        (stage / "kv.cbor").write_bytes((tmp_path / "kv" / "counter" / "kv.cbor").read_bytes())
        (tmp_path / "kv" / f"{STAGE_PREFIX}0123456789abcdef").mkdir()  # an update cut before its commit
        state.put_module(V2)
        versions = [
            {**record.info["versions"][0], "state": "previous"},
            {"version": 2, "module": sha(V2), "state": "watching", "watch_until_ms": 2**50,
             "check": None, "max_failures": 0, "replaced": 1},
        ]
        info = {"size": len(V2), "versions": versions, "kv_from": stage.name}
        state.put_service(type(record)("counter", sha(V2), {}, 1, info, record.access))
        async with local(tmp_path) as services:
            assert not stage.exists() and "kv_from" not in state.services()["counter"].info
            assert not any(p.name.startswith(STAGE_PREFIX) for p in (tmp_path / "kv").iterdir())
            assert await ok(services, "counter", "version", []) == 2
            assert await ok(services, "counter", "count", []) == 1
            assert list(services.updates.status()["watching"]) == ["counter"]

    run(main())


def test_the_history_is_json_in_the_registry(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path) as services:
            await deploy(services, V1)
            await deploy(services, V2, QUICK)

    run(main())
    doc = json.loads((tmp_path / "services.json").read_text())
    versions = doc["services"]["counter"]["info"]["versions"]
    assert [(v["version"], v["state"]) for v in versions] == [(1, "previous"), (2, "serving")]
