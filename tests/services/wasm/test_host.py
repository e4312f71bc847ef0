"""The Wasm host end to end: real worker processes, real wasm3 (edge_agent/services/wasm/host.py).

Every hostile module of issue 3's "Done when" — an infinite loop, unbounded memory growth,
infinite recursion, a trap, garbage bytes, an unknown import, wrong arguments — fails with
a clear error, and a normal call right after succeeds. Every host a test creates is closed
by it, and the test checks that its worker processes are gone.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.wasm.abi import CallErrorCode, FunctionKind
from edge_agent.services.wasm.host import (
    AsyncWasmHost,
    HostConfig,
    Limits,
    ModuleRejected,
    WasmHost,
)

MODULES = Path(__file__).parent / "modules"
FIRMWARE = Path(__file__).resolve().parents[3] / "firmware_services" / "build"


def module(name: str) -> bytes:
    return (MODULES / f"{name}.wasm").read_bytes()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes (its parent reaps it).
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(") ")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def gone(pids: list[int]) -> bool:
    return all(not alive(pid) for pid in pids)


def pid_of(host: WasmHost, service: str) -> int | None:
    """The process id of the worker that holds `service` (None while it is not running)."""
    return host.worker_pids()[host.services()[service].worker]


@pytest.fixture
def make_host(tmp_path: Path) -> Iterator[type[WasmHost]]:
    """Hosts created through this are closed after the test, and their workers must be gone."""
    hosts: list[WasmHost] = []
    seen: set[int] = set()

    def make(**config: object) -> WasmHost:
        config.setdefault("state_dir", tmp_path / "state")
        host = WasmHost(HostConfig(**config))  # type: ignore[arg-type]
        hosts.append(host)
        return host

    yield make  # type: ignore[misc]
    for host in hosts:
        seen.update(pid for pid in host.worker_pids() if pid)
        host.close()
        host.close()  # idempotent
    assert gone(sorted(seen))


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WasmHost]:
    """One host for the tests that leave its worker alive."""
    state = tmp_path_factory.mktemp("state")
    with WasmHost(HostConfig(state_dir=state)) as shared:
        shared.deploy("num", module("numeric"))
        shared.deploy("echo", module("cbor_echo"))
        yield shared
        pids = [pid for pid in shared.worker_pids() if pid]
    assert pids and gone(pids)


def expect(
    host: WasmHost, service: str, function: str, args: list[object], code: int, match: str
) -> ServiceError:
    with pytest.raises(ServiceError, match=match) as info:
        host.call(service, function, args)
    assert info.value.ret_code == code, info.value
    return info.value


# --- deploy ------------------------------------------------------------------------------------


def test_deploy_describes_the_service(host: WasmHost) -> None:
    info = host.services()["echo"]
    assert info.abi_version == 1 and info.memory_pages == 2 and info.imports == ()
    assert info.functions["echo"].kind is FunctionKind.CBOR
    assert info.functions["twice"].kind is FunctionKind.NUMERIC
    assert {"memory", "ea_alloc"}.isdisjoint(info.functions)
    assert "service ABI" in info.not_callable["ea_alloc"]
    num = host.services()["num"]
    assert num.abi_version is None
    assert num.functions["add"].params == ("i32", "i32") and num.functions["add"].results == (
        "i32",
    )
    assert len(num.sha256) == 64 and num.size == len(module("numeric"))
    assert num.limits == Limits()


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", "module"),
        (b"\x00asm\x01\x00\x00\x00\x01\x05\x01\x60\x00", "ype|offset|truncat|end"),
        (b"garbage bytes, not a module", "magic|not a WebAssembly"),
        (os.urandom(64), "magic|not a WebAssembly"),
    ],
)
def test_garbage_is_rejected_and_others_untouched(host: WasmHost, data: bytes, match: str) -> None:
    before = host.services()
    with pytest.raises(ModuleRejected, match=match):
        host.deploy("garbage", data)
    assert host.services() == before
    assert host.call("num", "add", [1, 2]) == 3


def test_unknown_import_is_rejected_by_name(host: WasmHost) -> None:
    with pytest.raises(ModuleRejected, match=r"env\.system"):
        host.deploy("system", module("unknown_import"))
    assert "system" not in host.services()
    assert host.call("num", "add", [1, 2]) == 3


def test_memory_without_maximum_or_over_the_limit_is_rejected(host: WasmHost) -> None:
    with pytest.raises(ModuleRejected, match="maximum"):
        host.deploy("nomax", module("no_max"))
    with pytest.raises(ModuleRejected, match="8 pages|limit"):
        host.deploy("grow", module("grow"), {"memory_pages": 4})
    assert host.call("num", "add", [1, 2]) == 3


def test_size_and_name_are_checked_first(host: WasmHost) -> None:
    with pytest.raises(ModuleRejected, match="over the limit of 100 bytes"):
        host.deploy("big", module("cbor_echo"), {"max_module_bytes": 100})
    for name in ("", "../etc", "a/b", ".hidden", "x" * 65, 7):
        with pytest.raises(ModuleRejected, match="service name"):
            host.deploy(name, module("spin"))  # type: ignore[arg-type]


def test_a_refused_redeploy_keeps_the_old_module(host: WasmHost) -> None:
    with pytest.raises(ModuleRejected):
        host.deploy("num", b"not wasm")
    assert host.call("num", "add", [2, 2]) == 4


# --- numeric calls --------------------------------------------------------------------------------


def test_numeric_calls(host: WasmHost) -> None:
    assert host.call("num", "add", [2, 3]) == 5
    assert host.call("num", "add", [2**32 - 1, 0]) == -1  # i32 results read as signed
    assert host.call("num", "add64", [2**63, 1]) == -(2**63) + 1
    assert host.call("num", "mix", [1.5, 2]) == 3.5
    assert host.call("num", "nothing", []) is None


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ([1], r"num.add takes 2 arguments \(i32, i32\), got 1"),
        ([], "got 0"),
        ([1, 2, 3], "got 3"),
        ([1, "2"], "argument 2 of num.add must be a number"),
        ([1, True], "boolean"),
        ([1.5, 2], "argument 1 of num.add must be an integer"),
        ([2**32, 1], "outside the i32 range"),
        ([None, 1], "got null"),
    ],
)
def test_wrong_arguments_are_refused_before_wasm3(
    host: WasmHost, args: list[object], match: str
) -> None:
    expect(host, "num", "add", args, CallErrorCode.ARGUMENTS, match)
    assert host.call("num", "add", [1, 2]) == 3


def test_unknown_service_and_function(host: WasmHost) -> None:
    expect(host, "ghost", "f", [], CallErrorCode.NOT_FOUND, "no Wasm service named 'ghost'")
    expect(
        host, "num", "ad", [], CallErrorCode.NOT_FOUND, r"no function 'ad' \(its functions: add, "
    )
    expect(
        host,
        "echo",
        "ea_alloc",
        [1],
        CallErrorCode.NOT_FOUND,
        "'ea_alloc' of service 'echo' cannot be called",
    )
    expect(host, "num", "__ea_fuel_set", [1], CallErrorCode.NOT_FOUND, "no function")


def test_nan_result_is_a_clear_error(host: WasmHost) -> None:
    expect(host, "num", "nan", [], CallErrorCode.BAD_REPLY, "nan")


# --- hostile modules -------------------------------------------------------------------------------


def test_infinite_loop_runs_out_of_fuel_within_the_default_limits(host: WasmHost) -> None:
    host.deploy("spin", module("spin"))
    pid = pid_of(host, "spin")
    started = time.monotonic()
    expect(
        host,
        "spin",
        "spin",
        [],
        CallErrorCode.OUT_OF_FUEL,
        r"spin.spin: out of fuel \(limit 10000000 instructions\)",
    )
    assert time.monotonic() - started < const.DEFAULT_WASM_DEADLINE_MS / 1000
    assert pid_of(host, "spin") == pid  # fuel, not the deadline: the worker lives on
    assert host.call("spin", "ok", []) == 42
    assert host.call("num", "add", [1, 2]) == 3


def test_unbounded_memory_growth_is_a_clear_error(host: WasmHost) -> None:
    host.deploy("grow", module("grow"))
    expect(
        host,
        "grow",
        "grow_forever",
        [],
        CallErrorCode.TRAP,
        r"linear memory is at its maximum of 8 pages",
    )
    assert host.call("grow", "ok", []) == 42


def test_infinite_recursion_is_a_clear_error(host: WasmHost) -> None:
    host.deploy("rec", module("recurse"))
    expect(
        host,
        "rec",
        "down",
        [0],
        CallErrorCode.TRAP,
        "rec.down: trap: stack overflow .*128 KiB Wasm stack",
    )
    assert host.call("rec", "ok", []) == 42
    host.deploy("rec", module("recurse"), {"stack_bytes": const.MAX_WASM_STACK_BYTES})
    expect(
        host, "rec", "down", [0], CallErrorCode.TRAP, "stack overflow"
    )  # the largest stack still traps
    assert host.call("rec", "ok", []) == 42


def test_trap_is_a_clear_error(host: WasmHost) -> None:
    expect(host, "num", "boom", [], CallErrorCode.TRAP, "num.boom: trap: unreachable executed")
    expect(host, "num", "div", [1, 0], CallErrorCode.TRAP, "integer divide by zero")
    assert host.call("num", "add", [1, 2]) == 3


def test_wasm3_backtraces_stay_out_of_the_agents_stderr(
    host: WasmHost, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    capfd.readouterr()
    with caplog.at_level(logging.DEBUG, logger="edge_agent.services.wasm"):
        expect(host, "num", "boom", [], CallErrorCode.TRAP, "unreachable")
    assert "backtrace" not in capfd.readouterr().err
    assert any(
        "wasm backtrace" in r.getMessage() and r.levelno == logging.DEBUG for r in caplog.records
    )


# --- CBOR calls ------------------------------------------------------------------------------------


def test_cbor_calls(host: WasmHost) -> None:
    text = "é" * 100  # 200 bytes of UTF-8
    assert host.call("echo", "echo", [text, 1, [2.5, None], {"k": True}]) == [
        text,
        1,
        [2.5, None],
        {"k": True},
    ]
    assert host.call("echo", "echo", []) == []
    assert host.call("echo", "bytes", []) == [1, 2, 255]
    assert host.call("echo", "twice", [21]) == 42


def test_a_call_tells_the_service_its_caller(host: WasmHost) -> None:
    host.deploy("who", module("caller"))
    caller = "12D3KooWAwZMqv6Fzs32Y4eVfLVso1TXmhBFDiURBDjF7PiPVNoq"
    assert host.call("who", "whoami", [], caller=caller) == caller
    assert host.call("who", "whoami", []) == ""  # a call from Python names no peer
    assert host.call("who", "caller_len", [], caller=caller) == len(caller)


def test_service_errors_carry_the_services_code(host: WasmHost) -> None:
    expect(host, "echo", "fail", [], 42, "^nope$")


@pytest.mark.parametrize(
    ("function", "match"),
    [
        ("garbage", "not valid CBOR"),
        ("wild", "outside linear memory"),
        ("huge", "the limit is"),
        ("shapeless", '"ok", or "err"'),
    ],
)
def test_malformed_replies_name_the_service(host: WasmHost, function: str, match: str) -> None:
    expect(
        host,
        "echo",
        function,
        [],
        CallErrorCode.BAD_REPLY,
        f"service 'echo' function '{function}' returned a malformed reply: .*{match}",
    )
    assert host.call("echo", "echo", ["after"]) == ["after"]


def test_cbor_arguments_are_bounded_and_json_like(host: WasmHost) -> None:
    host.deploy("echo_small", module("cbor_echo"), {"max_args_bytes": 64})
    expect(host, "echo_small", "echo", ["x" * 100], CallErrorCode.ARGUMENTS, "the limit is 64")
    expect(host, "echo_small", "echo", [object()], CallErrorCode.ARGUMENTS, "not JSON-like")
    # ea_alloc refusing (0) is the module's problem, reported as such.
    host.deploy("echo_big", module("cbor_echo"))
    expect(
        host, "echo_big", "echo", ["x" * 70_000], CallErrorCode.BAD_REPLY, "ea_alloc.*returned 0"
    )
    assert host.call("echo_big", "echo", [1]) == [1]
    host.remove("echo_small")
    host.remove("echo_big")


# --- state -----------------------------------------------------------------------------------------


def test_memory_persists_across_calls_and_redeploy_resets_it(host: WasmHost) -> None:
    host.deploy("counter", module("numeric"))
    assert [host.call("counter", "bump", []) for _ in range(3)] == [1, 2, 3]
    host.deploy("counter", module("numeric"))
    assert host.call("counter", "bump", []) == 1
    first = host.call("echo", "count", [])
    assert host.call("echo", "count", []) == first + 1  # globals persist too


def test_remove(host: WasmHost) -> None:
    host.deploy("temp", module("spin"))
    host.remove("temp")
    host.remove("temp")  # no error
    assert "temp" not in host.services()
    expect(host, "temp", "ok", [], CallErrorCode.NOT_FOUND, "no Wasm service")
    assert all("temp" not in stats["services"] for stats in host.stats())


def test_handler_adapter(host: WasmHost) -> None:
    handler = host.handler("num")
    assert handler("add", [20, 22]) == 42
    with pytest.raises(ServiceError):
        handler("add", [])


def test_logs_reach_python_logging(host: WasmHost, caplog: pytest.LogCaptureFixture) -> None:
    host.deploy("imp", module("imports"))
    with caplog.at_level(logging.DEBUG, logger="edge_agent.services.wasm.service"):
        host.call("imp", "log", [2])
    [record] = [r for r in caplog.records if r.name == "edge_agent.services.wasm.service"]
    assert record.getMessage() == "imp: hello from wasm" and record.levelno == logging.WARNING


def test_logs_over_the_services_rate_reach_the_journal_at_debug(
    make_host: type[WasmHost], caplog: pytest.LogCaptureFixture
) -> None:
    """A stranger's fold calling a public service that logs filled the journal at the lines'
    level: past the ring's rate for the service, they go on at DEBUG only."""
    from edge_agent.const_observe import LOG_SERVICE_LINES_BURST
    from edge_agent.observe import Observer

    host = make_host()
    observer = Observer(100)
    host.observe(observer)
    host.deploy("imp", module("imports"))
    calls = LOG_SERVICE_LINES_BURST + 20
    with caplog.at_level(logging.DEBUG, logger="edge_agent.services.wasm.service"):
        for _ in range(calls):
            host.call("imp", "log", [2])
    levels = [r.levelno for r in caplog.records if r.name == "edge_agent.services.wasm.service"]
    assert len(levels) == calls
    kept = levels.count(logging.WARNING)  # the burst, and what the rate refilled meanwhile
    assert LOG_SERVICE_LINES_BURST <= kept < calls
    assert levels.count(logging.DEBUG) == calls - kept == observer.ring.dropped


def test_kv_store_survives_a_new_host(make_host: type[WasmHost], tmp_path: Path) -> None:
    first = make_host()
    first.deploy("imp", module("imports"))
    assert first.call("imp", "kv_put", [77]) == 0
    first.close()
    assert (tmp_path / "state" / "kv" / "imp" / "kv.cbor").exists()
    second = make_host()
    second.deploy("imp", module("imports"))
    assert second.call("imp", "kv_get", []) == 77


def test_sensor_reads_the_configured_file(make_host: type[WasmHost], tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.write_text("51500\n")
    host = make_host(cpu_temperature_path=str(temp))
    host.deploy("imp", module("imports"))
    assert host.call("imp", "temperature", []) == 51.5
    missing = make_host(cpu_temperature_path=str(tmp_path / "missing"))
    missing.deploy("imp", module("imports"))
    assert missing.call("imp", "temperature", []) == -1000  # the module's "unavailable"


# --- deadline, crash, restart ---------------------------------------------------------------------


def test_deadline_kills_and_replaces_the_worker(make_host: type[WasmHost]) -> None:
    host = make_host(workers=1)  # both services share the one worker
    host.deploy("spin", module("spin"), {"fuel": 10**12, "deadline_ms": 200})
    host.deploy("counter", module("numeric"))
    assert host.call("counter", "bump", []) == 1
    old_pid = host.worker_pids()[0]
    started = time.monotonic()
    expect(
        host, "spin", "spin", [], CallErrorCode.DEADLINE, r"spin.spin: deadline of 200 ms exceeded"
    )
    assert time.monotonic() - started < 10.0  # the deadline, not the fuel (hours of it)
    assert old_pid is not None and not alive(old_pid)
    # The next call starts a fresh worker that reloads every service; memory starts afresh.
    assert host.call("counter", "bump", []) == 1
    assert host.worker_pids()[0] not in (None, old_pid)
    assert host.call("spin", "ok", []) == 42


def test_a_deadline_leaves_the_services_of_other_workers_alone(make_host: type[WasmHost]) -> None:
    host = make_host(workers=2)
    host.deploy("spin", module("spin"), {"fuel": 10**12, "deadline_ms": 200})
    host.deploy("counter", module("numeric"))
    assert host.services()["spin"].worker != host.services()["counter"].worker
    assert host.call("counter", "bump", []) == 1
    counter_pid, spin_pid = pid_of(host, "counter"), pid_of(host, "spin")
    expect(host, "spin", "spin", [], CallErrorCode.DEADLINE, "deadline of 200 ms exceeded")
    assert spin_pid is not None and not alive(spin_pid)
    assert host.call("counter", "bump", []) == 2  # its worker and memory live on
    assert pid_of(host, "counter") == counter_pid
    assert host.call("spin", "ok", []) == 42


def test_a_crashed_worker_is_reported_and_replaced(make_host: type[WasmHost]) -> None:
    host = make_host(workers=1)
    host.deploy("slow", module("slow"), {"fuel": 10**12, "deadline_ms": 30_000})
    host.deploy("num", module("numeric"))
    pid = host.worker_pids()[0]
    assert pid is not None
    threading.Timer(0.5, os.kill, (pid, signal.SIGSEGV)).start()  # during the 30 s call
    expect(
        host,
        "slow",
        "work",
        [10**12],
        CallErrorCode.CRASHED,
        r"slow.work: the service crashed the worker \(signal 11\)",
    )
    assert host.call("num", "add", [1, 2]) == 3
    assert host.worker_pids()[0] != pid


def test_a_worker_that_died_while_idle_is_replaced_silently(make_host: type[WasmHost]) -> None:
    host = make_host()
    host.deploy("num", module("numeric"))
    pid = host.worker_pids()[0]
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.1)
    assert host.call("num", "add", [1, 2]) == 3


def test_a_worker_that_host_calls_made_grow_is_replaced_between_calls(
    make_host: type[WasmHost], monkeypatch: pytest.MonkeyPatch
) -> None:
    """pywasm3 0.5.0 keeps what every host import call allocates: a service polled often
    once ran its worker out of memory in the middle of a call (MemoryError, ret_code 7).
    The host reads the worker's memory between calls and replaces it once it grew; no call
    fails, and the KV store (on disk) outlives the worker."""
    monkeypatch.setattr(const, "WASM_MEMORY_CHECK_EVERY", 2)
    monkeypatch.setattr(const, "WASM_RECYCLE_GROWTH_BYTES", 256 * 1024)
    host = make_host(workers=1)
    host.deploy("imp", module("imports"), {"deadline_ms": 30_000, "fuel": 100_000_000})
    assert host.call("imp", "kv_put", [42]) == 0
    pids = {host.worker_pids()[0]}
    for _ in range(12):
        assert host.call("imp", "walls", [20_000]) == 1  # 20,000 host calls: some 600 KiB kept
        pids.add(host.worker_pids()[0])
    pids.discard(None)
    assert len(pids) >= 3, pids  # replaced, again and again
    assert host.call("imp", "kv_get", []) == 42


def test_a_worker_outlives_the_thread_that_started_it(make_host: type[WasmHost]) -> None:
    host = make_host()
    thread = threading.Thread(target=host.deploy, args=("num", module("numeric")))
    thread.start()
    thread.join()
    pid = host.worker_pids()[0]
    time.sleep(0.1)
    assert host.call("num", "bump", []) == 1
    assert host.worker_pids()[0] == pid  # not killed when its thread ended, not restarted
    assert host.call("num", "bump", []) == 2


def test_start_function_is_metered_and_bounded(
    make_host: type[WasmHost], monkeypatch: pytest.MonkeyPatch
) -> None:
    host = make_host()
    host.deploy("num", module("numeric"))
    with pytest.raises(ModuleRejected, match="start function failed: out of fuel"):
        host.deploy("start", module("start_loop"))
    with monkeypatch.context() as patch:  # only for this load: the reload below is a first one
        patch.setattr(const, "WASM_LOAD_DEADLINE_MS", 300)
        with pytest.raises(ModuleRejected, match="did not load within 300 ms"):
            host.deploy("start", module("start_loop"), {"fuel": 10**12})
    assert "start" not in host.services()
    assert host.call("num", "add", [1, 2]) == 3


def test_pool_spreads_services_over_workers(make_host: type[WasmHost]) -> None:
    host = make_host(workers=2)
    a = host.deploy("a", module("numeric"))
    b = host.deploy("b", module("numeric"))
    assert {a.worker, b.worker} == {0, 1}
    assert host.call("a", "bump", []) == 1 and host.call("b", "bump", []) == 1
    assert len({pid for pid in host.worker_pids() if pid}) == 2
    assert host.deploy("a", module("numeric")).worker == a.worker  # a redeploy stays put


def test_closed_host_refuses_work(make_host: type[WasmHost]) -> None:
    host = make_host()
    host.deploy("num", module("numeric"))
    pids = [pid for pid in host.worker_pids() if pid]
    host.close()
    assert gone(pids)
    with pytest.raises(RuntimeError, match="closed"):
        host.call("num", "add", [1, 2])


# --- firmware services, if built --------------------------------------------------------------------


@pytest.mark.skipif(not FIRMWARE.is_dir(), reason="firmware_services/build is absent")
def test_firmware_services_load(make_host: type[WasmHost]) -> None:
    host = make_host()
    for path in sorted(FIRMWARE.glob("*.wasm")):
        info = host.deploy(path.stem, path.read_bytes())
        assert info.abi_version == 1 and info.functions
    if "greeting" in host.services():
        assert host.call("greeting", "greet", ["Ada"]) == "Hello, Ada!"


# --- the asynchronous host ---------------------------------------------------------------------------


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


async def ticking(until: asyncio.Event, period: float) -> list[float]:
    ticks = []
    while not until.is_set():
        ticks.append(time.monotonic())
        await asyncio.sleep(period)
    return ticks


def test_async_event_loop_keeps_answering_during_long_calls(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncWasmHost(HostConfig(state_dir=tmp_path)) as host:
            await host.deploy("spin", module("spin"))
            await host.deploy("slow", module("slow"), {"fuel": 10**12, "deadline_ms": 30_000})
            done = asyncio.Event()
            ticker = asyncio.create_task(ticking(done, 0.005))
            await asyncio.sleep(0.02)
            started = time.monotonic()
            with pytest.raises(ServiceError, match="out of fuel") as info:
                await host.call("spin", "spin", [])  # the default limits stop it
            assert info.value.ret_code == CallErrorCode.OUT_OF_FUEL
            assert await host.call("slow", "work", [50_000_000]) == 1  # about half a second
            elapsed = time.monotonic() - started
            done.set()
            ticks = [t for t in await ticker if t >= started]
            # A blocked loop would tick about once, with a gap as long as the calls; a slow
            # board ticks late, not that late.
            assert elapsed > 0.1
            assert len(ticks) >= elapsed / 0.005 / 10, (len(ticks), elapsed)
            assert max(b - a for a, b in zip(ticks, ticks[1:], strict=False)) < elapsed / 4
            assert await host.call("spin", "ok", []) == 42
            pids = [pid for pid in host.worker_pids() if pid]
        assert gone(pids)

    run(main())


def test_async_calls_on_two_workers_overlap(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncWasmHost(HostConfig(workers=2, state_dir=tmp_path)) as host:
            limits = {"fuel": 10**12, "deadline_ms": 30_000}
            await host.deploy("a", module("slow"), limits)
            await host.deploy("b", module("slow"), limits)
            assert host.services()["a"].worker != host.services()["b"].worker
            long_call = asyncio.create_task(host.call("a", "work", [100_000_000]))  # about a second
            await asyncio.sleep(0.05)
            assert await host.call("b", "work", [1000]) == 1  # not queued behind "a"
            assert not long_call.done()
            long_call.cancel()  # waits for the reply (bounded by the deadline) or kills
            with pytest.raises(asyncio.CancelledError):
                await long_call

    run(main())


def test_async_redeploy_lets_in_flight_calls_finish_on_the_old_module(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncWasmHost(HostConfig(state_dir=tmp_path)) as host:
            await host.deploy("svc", module("slow"), {"fuel": 10**12, "deadline_ms": 30_000})
            in_flight = asyncio.create_task(host.call("svc", "work", [20_000_000]))
            await asyncio.sleep(0.02)
            info = await host.deploy("svc", module("numeric"))
            assert "add" in info.functions
            assert await in_flight == 1  # ran on the old module to the end
            assert await host.call("svc", "add", [1, 2]) == 3
            with pytest.raises(ServiceError, match="no function 'work'"):
                await host.call("svc", "work", [1])

    run(main())


def test_async_deadline_and_cancellation(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncWasmHost(HostConfig(state_dir=tmp_path)) as host:
            await host.deploy("spin", module("spin"), {"fuel": 10**12, "deadline_ms": 200})
            await host.deploy("slow", module("slow"), {"fuel": 10**12, "deadline_ms": 30_000})
            with pytest.raises(ServiceError, match="deadline of 200 ms exceeded") as info:
                await host.call("spin", "spin", [])
            assert info.value.ret_code == CallErrorCode.DEADLINE
            assert await host.call("spin", "ok", []) == 42
            # A cancelled caller does not leave its reply behind for the next call.
            task = asyncio.create_task(host.call("slow", "work", [10_000_000]))
            await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            assert await host.call("spin", "ok", []) == 42
            assert await host.handler("spin")("ok", []) == 42
            stats = await host.stats()
            assert sorted(name for s in stats for name in s["services"]) == ["slow", "spin"]
            assert len(stats) == 2 and {s["worker"] for s in stats} == {0, 1}

    run(main())


def test_async_close_fails_calls_in_flight_cleanly(tmp_path: Path) -> None:
    async def main() -> None:
        host = AsyncWasmHost(HostConfig(state_dir=tmp_path))
        await host.deploy("slow", module("slow"), {"fuel": 10**12, "deadline_ms": 30_000})
        pids = [pid for pid in host.worker_pids() if pid]
        call = asyncio.create_task(host.call("slow", "work", [10**11]))
        await asyncio.sleep(0.05)
        await host.aclose()
        await host.aclose()  # idempotent
        with pytest.raises(ServiceError, match="closed during the call") as info:
            await call
        assert info.value.ret_code == CallErrorCode.UNAVAILABLE
        assert gone(pids)
        with pytest.raises(RuntimeError, match="closed"):
            await host.call("slow", "work", [1])

    run(main())


def test_async_rejects_like_the_sync_host(tmp_path: Path) -> None:
    async def main() -> None:
        async with AsyncWasmHost(HostConfig(state_dir=tmp_path)) as host:
            await host.deploy("num", module("numeric"))
            with pytest.raises(ModuleRejected, match=r"env\.system"):
                await host.deploy("bad", module("unknown_import"))
            with pytest.raises(ServiceError, match="got 1") as info:
                await host.call("num", "add", [1])
            assert info.value.ret_code == CallErrorCode.ARGUMENTS
            assert await host.call("num", "add", [1, 2]) == 3
            await host.remove("num")
            assert host.services() == {}

    run(main())


def test_async_starts_and_reaps_workers_off_the_loop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """fork/exec and waiting for an exit block: the async host does them in threads."""
    from edge_agent.services.wasm import process

    seen: list[tuple[str, bool]] = []
    loop_thread: list[int] = []

    def off_loop(name: str, real: object) -> object:
        def wrapper(*args: object) -> object:
            seen.append((name, threading.get_ident() in loop_thread))
            return real(*args)  # type: ignore[operator]

        return wrapper

    monkeypatch.setattr(process.WorkerProcess, "spawn", off_loop("spawn", process.WorkerProcess.spawn))
    monkeypatch.setattr(process.Corpse, "bury", off_loop("bury", process.Corpse.bury))

    async def main() -> None:
        loop_thread.append(threading.get_ident())
        host = AsyncWasmHost(HostConfig(state_dir=tmp_path))
        await host.deploy("slow", module("slow"), {"fuel": 10**12, "deadline_ms": 30_000})
        await host.deploy("spin", module("spin"), {"fuel": 10**12, "deadline_ms": 100})
        with pytest.raises(ServiceError, match="deadline"):
            await host.call("spin", "spin", [])  # killed and reaped
        pid = host.worker_pids()[host.services()["slow"].worker]
        assert pid is not None
        call = asyncio.create_task(host.call("slow", "work", [10**11]))
        await asyncio.sleep(0.05)
        os.kill(pid, signal.SIGSEGV)
        with pytest.raises(ServiceError, match="crashed"):
            await call  # reaped
        assert await host.call("slow", "work", [1]) == 1  # started again
        await host.remove("slow")  # its worker stops
        await host.aclose()

    run(main())
    assert {name for name, _ in seen} == {"spawn", "bury"}
    assert [name for name, on_loop in seen if on_loop] == []
