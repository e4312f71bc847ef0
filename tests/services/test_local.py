"""The services a networked peer offers (edge_agent/services/local.py): dispatch, srv.*, trust,
a durable registry, restore after a restart. Real state directory, real Wasm host and wasm3."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest

from edge_agent import identity
from edge_agent.services.base import (
    RET_BAD_REQUEST,
    RET_MODULE_REFUSED,
    RET_NOT_AUTHORISED,
    CallResult,
    Delayed,
)
from edge_agent.services.client import ClientServices
from edge_agent.services.local import Caller, LocalServices
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig
from edge_agent.store import StateDir, StoreError

MODULES = Path(__file__).parent / "wasm" / "modules"
NUMERIC = (MODULES / "numeric.wasm").read_bytes()
ECHO = (MODULES / "cbor_echo.wasm").read_bytes()
ME = identity.KeyPair.from_seed(b"\x01" * 32).peer_id
LAPTOP = identity.KeyPair.from_seed(b"\x02" * 32).peer_id
LOCAL_LOGGER = "edge_agent.services.local"
STRANGER = identity.KeyPair.from_seed(b"\x03" * 32).peer_id


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
    return asyncio.run(asyncio.wait_for(coro, timeout))


def caller(peer: str = LAPTOP, client: ClientServices | None = None) -> Caller:
    return Caller(peer, "particle-1", client)


class Offer:
    """A laptop's modules, fetched by hash; counts the fetches."""

    def __init__(self, *modules: bytes) -> None:
        self.modules = {sha(m): m for m in modules}
        self.fetched: list[tuple[str, str]] = []

    async def __call__(self, peer: str, digest: str) -> bytes:
        self.fetched.append((peer, digest))
        if digest not in self.modules:
            raise ConnectionError("no such module offered")
        return self.modules[digest]


@asynccontextmanager
async def local(
    state_dir: Path, fetch: Offer | None = None, trust: tuple[str, ...] = (LAPTOP,)
) -> AsyncIterator[LocalServices]:
    state = StateDir(state_dir)
    for peer in trust:
        state.trust(peer)
    async with AsyncWasmHost(HostConfig(state_dir=state.path)) as host:
        yield LocalServices(ME, host, state, fetch_module=fetch, clock_ms=lambda: 1234)


async def ok(services: LocalServices, service: str, function: str, args: list[Any], **kw: Any) -> Any:
    result = await services.call(caller(**kw), service, function, args)
    assert result.ok, result
    return result.value


async def failed(
    services: LocalServices, service: str, function: str, args: list[Any], **kw: Any
) -> CallResult:
    result = await services.call(caller(**kw), service, function, args)
    assert not result.ok, result
    return result


# --- dispatch --------------------------------------------------------------------------------


def test_lookup_order_client_then_wasm_then_srv_then_builtins(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(NUMERIC)) as services:
            client = ClientServices({"x": 7}, relay=ME)
            assert await ok(services, "getDataSrv", "x", [], client=client) == 7
            # Without client services (we did not start the particle) the name is unknown.
            result = await failed(services, "getDataSrv", "x", [])
            assert "No service found" in result.message
            await ok(services, "srv", "deploy", ["num", sha(NUMERIC)])
            assert await ok(services, "num", "add", [2, 3]) == 5
            assert await ok(services, "op", "identity", [9]) == 9
            assert (await ok(services, "peer", "identify", []))["peer_id"] == ME
            result = await failed(services, "nothing", "here", [])
            assert result.message == (
                "No service found for service call: serviceId='nothing', fnName='here'"
            )
            assert (services.calls, services.failed_calls) == (7, 2)

    run(main())


def test_a_delayed_builtin_result_comes_back_at_once_bounded_by_the_deadline(tmp_path: Path) -> None:
    """peer.timeout's result is `Delayed`: the node hands it over when due (tests/services/
    test_builtins_nodes.py); `call` itself never waits, and the deadline reaches the builtin."""

    async def main() -> None:
        async with local(tmp_path) as services:
            soon = Caller(LAPTOP, "p", None, deadline_ms=1234 + 300)
            result = await services.call(soon, "peer", "timeout", [5000, "x"])
            assert isinstance(result, Delayed) and (result.value, result.delay_ms) == ("x", 300)
            unknown = await services.call(caller(), "peer", "timeout", [5000, "x"])
            assert isinstance(unknown, Delayed) and unknown.delay_ms == 5000

    run(main())


def test_a_service_error_keeps_its_code(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(ECHO)) as services:
            await ok(services, "srv", "deploy", ["echo", sha(ECHO)])
            result = await failed(services, "echo", "fail", [])
            assert (result.ret_code, result.message) == (42, "nope")

    run(main())


# --- srv.deploy and trust --------------------------------------------------------------------


def test_deploy_fetches_stores_and_describes(tmp_path: Path) -> None:
    async def main() -> None:
        offer = Offer(NUMERIC)
        async with local(tmp_path, offer) as services:
            described = await ok(services, "srv", "deploy", ["num", sha(NUMERIC), {"fuel": 5000}])
            assert described["name"] == "num" and described["sha256"] == sha(NUMERIC)
            assert described["limits"]["fuel"] == 5000 and described["deployed_at_ms"] == 1234
            assert "add" in described["functions"]
            assert offer.fetched == [(LAPTOP, sha(NUMERIC))]
            record = StateDir(tmp_path).services()["num"]
            assert record.module_sha256 == sha(NUMERIC) and record.limits == {"fuel": 5000}
            assert StateDir(tmp_path).load_module(sha(NUMERIC)) == NUMERIC
            # A stored module is not fetched again.
            await ok(services, "srv", "deploy", ["num2", sha(NUMERIC)])
            assert len(offer.fetched) == 1

    run(main())


def test_only_trusted_peers_and_the_device_itself_change_services(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(NUMERIC)) as services:
            with caplog.at_level(logging.WARNING, logger="edge_agent.services.local"):
                result = await failed(services, "srv", "deploy", ["num", sha(NUMERIC)], peer=STRANGER)
            assert result.ret_code == RET_NOT_AUTHORISED
            assert f"edge-agent trust add {STRANGER}" in result.message
            assert f"refused srv.deploy from untrusted peer {STRANGER}" in caplog.text
            assert services.host.services() == {}
            # The trust file is read on every deploy: trusting takes effect at once.
            StateDir(tmp_path).trust(STRANGER)
            await ok(services, "srv", "deploy", ["num", sha(NUMERIC)], peer=STRANGER)
            await ok(services, "srv", "deploy", ["num2", sha(NUMERIC)], peer=ME)
            StateDir(tmp_path).distrust(STRANGER)
            result = await failed(services, "srv", "remove", ["num"], peer=STRANGER)
            assert result.ret_code == RET_NOT_AUTHORISED
            assert await ok(services, "num", "add", [1, 1]) == 2  # a trusted peer calls it

    run(main())


@pytest.mark.parametrize(
    ("args", "code", "match"),
    [
        (["op", "0" * 64], 1, "'op' is reserved"),
        (["srv", "0" * 64], 1, "'srv' is reserved"),
        (["getDataSrv", "0" * 64], 1, "reserved"),
        (["num", "ABC"], 1, "sha256 must be 64 lower-case hex digits"),
        (["num", "0" * 64, {"stack_bytes": 1}], RET_BAD_REQUEST, "unknown limit 'stack_bytes'"),
        (["num", "0" * 64, {"fuel": 0}], RET_BAD_REQUEST, "bad limits"),
        (["num", "0" * 64, {"fuel": "a lot"}], RET_BAD_REQUEST, "bad limits"),
        (["num", "0" * 64, [1]], 1, "limits must be an object"),
        (["num"], 1, r"usage: srv.deploy\(name, sha256, limits\?, options\?\)"),
        (["num", "0" * 64, {}, {"acess": "public"}], RET_BAD_REQUEST, "unknown option 'acess'"),
        (["num", "0" * 64, {}, "public"], RET_BAD_REQUEST, "options must be an object"),
        (["num", "0" * 64, None, {"access": "everyone"}], RET_BAD_REQUEST, 'access must be "public"'),
        (["num", "0" * 64, {}, {"access": ["12D3KooWnope"]}], RET_BAD_REQUEST, "ids.*: peer id '12D3KooWn"),
        (["num", "0" * 64, {}, {"access": []}], RET_BAD_REQUEST, "1-64 peer ids"),
        (["num", "0" * 64], 1, "could not fetch module 0000000000000000 from"),
    ],
)
def test_bad_deploy_requests(tmp_path: Path, args: list[Any], code: int, match: str) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(NUMERIC)) as services:
            result = await failed(services, "srv", "deploy", args)
            assert result.ret_code == code
            assert re.search(match, result.message), result

    run(main())


def test_a_module_that_does_not_match_its_hash_or_is_refused_changes_nothing(tmp_path: Path) -> None:
    async def main() -> None:
        liar = Offer()
        liar.modules[sha(ECHO)] = NUMERIC  # answers with the wrong bytes
        async with local(tmp_path, liar) as services:
            result = await failed(services, "srv", "deploy", ["echo", sha(ECHO)])
            assert "does not have sha256" in result.message
            garbage = b"\x00asm garbage"
            liar.modules[sha(garbage)] = garbage
            result = await failed(services, "srv", "deploy", ["echo", sha(garbage)])
            assert result.ret_code == RET_MODULE_REFUSED and "module refused" in result.message
            assert services.host.services() == {}
            assert StateDir(tmp_path).services() == {}
            assert StateDir(tmp_path).module_hashes() == frozenset()

    run(main())


def test_without_a_fetcher_only_stored_modules_deploy(tmp_path: Path) -> None:
    StateDir(tmp_path).put_module(NUMERIC)

    async def main() -> None:
        async with local(tmp_path, fetch=None) as services:
            await ok(services, "srv", "deploy", ["num", sha(NUMERIC)])
            result = await failed(services, "srv", "deploy", ["echo", sha(ECHO)])
            assert "cannot fetch modules" in result.message

    run(main())


def test_a_deploy_that_cannot_be_stored_is_undone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(NUMERIC, ECHO)) as services:
            await ok(services, "srv", "deploy", ["svc", sha(NUMERIC)])
            assert await ok(services, "svc", "bump", []) == 1

            def disk_full(record: object) -> None:
                raise StoreError("cannot write services.json: No space left on device")

            monkeypatch.setattr(services.state, "put_service", disk_full)
            result = await failed(services, "srv", "deploy", ["svc", sha(ECHO), {}, {"update": True}])
            assert "could not store the service: cannot write services.json" in result.message
            assert "add" in services.host.services()["svc"].functions  # the old module again
            result = await failed(services, "srv", "deploy", ["new", sha(ECHO)])
            assert "new" not in services.host.services()
            monkeypatch.undo()
            assert set(StateDir(tmp_path).services()) == {"svc"}
            assert set((await ok(services, "srv", "info", ["svc"]))["functions"]) >= {"add"}

    run(main())


# --- srv.list, srv.info, srv.remove ----------------------------------------------------------


def test_list_and_info_read_the_registry_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(NUMERIC, ECHO)) as services:
            rules = (("a", NUMERIC, "trusted"), ("b", ECHO, "public"), ("c", NUMERIC, STRANGER))
            for name, module, access in rules:
                await ok(services, "srv", "deploy", [name, sha(module), {}, {"access": access}])
            reads: list[int] = []
            real = services.state.services

            def counted() -> dict[str, Any]:
                reads.append(1)
                return real()

            monkeypatch.setattr(services.state, "services", counted)
            listed = await ok(services, "srv", "list", [])  # a trusted peer sees all
            assert [entry["name"] for entry in listed] == ["a", "b", "c"]
            assert [entry["access"] for entry in listed] == ["trusted", "public", STRANGER]
            assert all(entry["deployed_at_ms"] == 1234 for entry in listed)
            # A stranger sees the services it may call: the public one and the one naming it.
            assert await ok(services, "srv", "list", [], peer=STRANGER) == listed[1:]
            info = await ok(services, "srv", "info", ["b"], peer=STRANGER)
            assert info == listed[1]
            result = await failed(services, "srv", "info", ["a"], peer=STRANGER)
            assert result.ret_code == RET_NOT_AUTHORISED and "may not see service 'a'" in result.message
            assert reads == []  # deploys kept the registry in memory
            result = await failed(services, "srv", "info", ["ghost"])
            assert "no service named 'ghost'" in result.message
            result = await failed(services, "srv", "nope", [])
            assert "No service found" in result.message

    run(main())


def test_remove_unregisters_and_drops_unused_modules(tmp_path: Path) -> None:
    async def main() -> None:
        async with local(tmp_path, Offer(NUMERIC, ECHO)) as services:
            await ok(services, "srv", "deploy", ["a", sha(NUMERIC)])
            await ok(services, "srv", "deploy", ["b", sha(ECHO)])
            removed = await ok(services, "srv", "remove", ["b"])
            assert removed == {"name": "b", "removed": True, "purged": False}
            state = StateDir(tmp_path)
            assert set(state.services()) == {"a"} and state.module_hashes() == {sha(NUMERIC)}
            assert sorted(services.host.services()) == ["a"]
            result = await failed(services, "b", "echo", [])
            assert "No service found" in result.message
            result = await failed(services, "srv", "remove", ["b"])
            assert "no service named 'b'" in result.message
            assert [e["name"] for e in await ok(services, "srv", "list", [])] == ["a"]

    run(main())


# --- restart -------------------------------------------------------------------------------


def test_restore_reloads_the_registry_and_names_what_failed(tmp_path: Path) -> None:
    async def first() -> None:
        async with local(tmp_path, Offer(NUMERIC, ECHO)) as services:
            await ok(services, "srv", "deploy", ["num", sha(NUMERIC), {"deadline_ms": 500}])
            await ok(services, "srv", "deploy", ["echo", sha(ECHO)])

    async def second() -> list[str]:
        async with local(tmp_path) as services:
            failed_names = await services.restore()
            assert sorted(services.host.services()) == ["num"]
            assert services.host.services()["num"].limits.deadline_ms == 500
            assert await ok(services, "num", "add", [1, 2]) == 3
            return failed_names

    run(first())
    broken = tmp_path / "modules" / f"{sha(ECHO)}.wasm"
    broken.write_bytes(b"bit rot")
    assert run(second()) == ["echo"]


def test_nothing_here_runs_on_the_loop_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every state-directory access happens in a thread other than the event loop's."""
    touched: list[str] = []
    loop_thread: list[int] = []

    def watch(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if threading.get_ident() in loop_thread:
                touched.append(name)
            return real(*args, **kwargs)

        return wrapper

    async def main() -> None:
        loop_thread.append(threading.get_ident())
        async with local(tmp_path, Offer(NUMERIC)) as services:
            for name in (
                "services", "put_service", "remove_service", "put_module", "load_module",
                "has_module", "remove_unused_modules", "is_trusted",
            ):
                monkeypatch.setattr(services.state, name, watch(name, getattr(services.state, name)))
            await ok(services, "srv", "deploy", ["num", sha(NUMERIC)])
            await ok(services, "srv", "list", [])
            await ok(services, "srv", "remove", ["num"])
            await services.restore()

    run(main())
    assert touched == []


# --- what the operator reads (issue 11) -----------------------------------------------------


def test_refused_deploys_and_failed_calls_are_logged_with_who_and_what_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def records(level: int) -> list[str]:
        # This module's records only: a Wasm worker may warn too (no memory cap under qemu-user).
        return [r.getMessage() for r in caplog.records if r.levelno == level and r.name == LOCAL_LOGGER]

    async def main() -> None:
        garbage = b"\x00asm garbage"
        async with local(tmp_path, Offer(ECHO, garbage)) as services:
            with caplog.at_level(logging.DEBUG, logger="edge_agent.services.local"):
                await ok(services, "srv", "deploy", ["echo", sha(ECHO)])
                for _ in range(3):  # a peer repeats itself: one record at its level, then DEBUG
                    await failed(services, "srv", "deploy", ["bad", sha(garbage)])
                    await failed(services, "echo", "fail", [])
                await failed(services, "op", "nosuch", [])  # the script's business: not logged
        [refused] = records(logging.WARNING)
        assert refused.startswith(f"refused srv.deploy from {LAPTOP} (particle particle-1): module refused")
        [call] = records(logging.INFO)[-1:]
        assert call == f"call of echo.fail by {LAPTOP} failed (ret_code 42, particle particle-1): nope"
        assert sum(1 for m in records(logging.INFO) if m.startswith("call of")) == 1
        repeats = [m for m in records(logging.DEBUG) if m.startswith(("refused srv.deploy", "call of"))]
        assert len(repeats) == 4
        assert not any("op.nosuch" in m or "nosuch" in m for m in records(logging.INFO))

    run(main())


def test_a_flood_of_a_strangers_calls_waits_in_a_bounded_queue_and_leaves_room(tmp_path: Path) -> None:
    """One run of a stranger's particle may ask for thousands of calls of a public service
    (`par` in a `fold`): at most `WASM_MAX_STRANGER_CALLS_PER_SERVICE` of them wait or run,
    the others fail at once with ret_code 9, and the laptop's call still gets its turn.
    Real worker process, real wasm3."""
    from edge_agent import const

    slow = (MODULES / "slow.wasm").read_bytes()

    async def main() -> None:
        async with local(tmp_path, Offer(slow)) as services:
            limits = {"deadline_ms": 60_000}  # the queued calls wait long on an emulated board
            await ok(services, "srv", "deploy", ["slow", sha(slow), limits, {"access": "public"}])
            # Nearly every call reaches the count before the first one ends (one of 200 may
            # end first on a busy machine, and make room for one more).
            flood = [services.call(caller(STRANGER), "slow", "work", [1_000_000]) for _ in range(200)]
            mine = services.call(caller(), "slow", "work", [1])
            results = await asyncio.gather(*flood, mine)
            refused = [r for r in results[:-1] if not r.ok]
            most = 200 - const.WASM_MAX_STRANGER_CALLS_PER_SERVICE
            assert most - 20 <= len(refused) <= most
            assert {r.ret_code for r in refused} == {9}
            assert "calls of strangers of slow are in progress here already" in refused[0].message
            assert all(r.ok for r in results[:-1] if r not in refused)
            assert results[-1].ok

    run(main())
