"""The worker: its request handling in this process, and its pipe protocol as a real process.

In-process tests call `Worker.handle` directly (wasm3 runs here, which is fine for modules
that stop by themselves); the process tests speak frames to ``python -m
edge_agent.services.wasm.worker`` and always kill it.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest

from edge_agent import const
from edge_agent.services.wasm import abi, instrument
from edge_agent.services.wasm.worker import Worker

MODULES = Path(__file__).parent / "modules"
FUEL = 1_000_000


def module(name: str) -> bytes:
    return (MODULES / f"{name}.wasm").read_bytes()


def load_config(functions: list[tuple[str, bool, int]], **extra: Any) -> dict[str, Any]:
    config = {
        "stack": 64 * 1024,
        "fuel": FUEL,
        "fuel_exhausted": instrument.FUEL_EXHAUSTED,
        "max_reply": 1024,
        "memory_pages": None,
        "abi": False,
        "functions": [list(f) for f in functions],
        "kv": None,
        "kv_limits": None,
        "start": None,
    }
    config.update(extra)
    return config


@pytest.fixture(scope="module")
def worker() -> Worker:
    return Worker({"cpu_temperature_path": "/nonexistent/temp"})


def load(
    worker: Worker, name: str, wasm: str, functions: list[tuple[str, bool, int]], **extra: Any
) -> None:
    reply = worker.handle(
        [abi.OP_LOAD, name, instrument.instrument(module(wasm)), load_config(functions, **extra)]
    )
    assert reply[0] == abi.OK, reply


def test_memory_is_reached_through_the_c_api(worker: Worker) -> None:
    # pywasm3 0.5.0's object layout, checked at start-up; the fallback leaks per call.
    assert worker.capi.ok


def test_numeric_call_and_state_in_memory(worker: Worker) -> None:
    load(worker, "num", "numeric", [("add", False, 2), ("bump", False, 0)])
    assert worker.handle([abi.OP_CALL, "num", "add", [2, 3]]) == [abi.OK, 5, [], ""]
    assert worker.handle([abi.OP_CALL, "num", "bump", []])[1] == 1
    assert worker.handle([abi.OP_CALL, "num", "bump", []])[1] == 2


def test_too_few_arguments_never_reach_wasm3(worker: Worker) -> None:
    # pywasm3 would read the missing argument out of bounds and segfault.
    load(worker, "num2", "numeric", [("add", False, 2)])
    reply = worker.handle([abi.OP_CALL, "num2", "add", [1]])
    assert reply[:2] == [abi.FAIL, abi.FAIL_ARGS]


def test_unknown_service_and_function(worker: Worker) -> None:
    assert worker.handle([abi.OP_CALL, "ghost", "f", []])[1] == abi.FAIL_NOT_FOUND
    load(worker, "num3", "numeric", [("add", False, 2)])
    assert worker.handle([abi.OP_CALL, "num3", "bump", []])[1] == abi.FAIL_NOT_FOUND


def test_trap_out_of_fuel_and_stack_overflow(worker: Worker) -> None:
    load(worker, "spin", "spin", [("spin", False, 0), ("ok", False, 0)])
    reply = worker.handle([abi.OP_CALL, "spin", "spin", []])
    assert reply[:3] == [abi.FAIL, abi.FAIL_FUEL, f"out of fuel (limit {FUEL} instructions)"]
    assert worker.handle([abi.OP_CALL, "spin", "ok", []])[1] == 42

    load(worker, "rec", "recurse", [("down", False, 1), ("ok", False, 0)])
    reply = worker.handle([abi.OP_CALL, "rec", "down", [0]])
    assert reply[:2] == [abi.FAIL, abi.FAIL_STACK]
    assert worker.handle([abi.OP_CALL, "rec", "ok", []])[1] == 42

    load(worker, "num4", "numeric", [("boom", False, 0), ("add", False, 2)])
    assert worker.handle([abi.OP_CALL, "num4", "boom", []])[:3] == [
        abi.FAIL,
        abi.FAIL_TRAP,
        "unreachable executed",
    ]
    assert worker.handle([abi.OP_CALL, "num4", "add", [1, 1]])[1] == 2


def test_cbor_call_round_trip(worker: Worker) -> None:
    load(
        worker,
        "echo",
        "cbor_echo",
        [("echo", True, 2), ("fail", True, 2), ("wild", True, 2)],
        abi=True,
    )
    args = cbor2.dumps(["hi", [1, 2]])
    assert worker.handle([abi.OP_CALL, "echo", "echo", args])[:2] == [abi.OK, ["hi", [1, 2]]]
    assert worker.handle([abi.OP_CALL, "echo", "fail", args])[:4] == [
        abi.FAIL,
        abi.FAIL_SERVICE,
        "nope",
        42,
    ]
    reply = worker.handle([abi.OP_CALL, "echo", "wild", args])
    assert reply[:2] == [abi.FAIL, abi.FAIL_REPLY] and "outside linear memory" in reply[2]
    # The reply bound is the worker's, checked before anything is copied.
    reply = worker.handle([abi.OP_CALL, "echo", "echo", cbor2.dumps(["x" * 2000])])
    assert reply[:2] == [abi.FAIL, abi.FAIL_REPLY] and "limit is 1024" in reply[2]


def test_host_imports(worker: Worker, tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.write_text("48250\n")
    worker.sensor_paths["cpu_temperature"] = str(temp)
    names = [
        ("log", False, 1), ("log_out_of_bounds", False, 0), ("mono", False, 0), ("wall", False, 0),
        ("random", False, 0), ("kv_put", False, 1), ("kv_get", False, 0), ("kv_delete", False, 0),
        ("temperature", False, 0), ("unknown_sensor", False, 0),
    ]  # fmt: skip
    load(worker, "imp", "imports", names, kv=str(tmp_path / "kv" / "imp"))
    assert worker.handle([abi.OP_CALL, "imp", "log", [2]])[:3] == [
        abi.OK,
        None,
        [[2, "hello from wasm"]],
    ]
    reply = worker.handle([abi.OP_CALL, "imp", "log_out_of_bounds", []])
    assert reply[:2] == [abi.FAIL, abi.FAIL_TRAP] and "ea_log: bytes 65530..65630" in reply[2]
    assert abs(worker.handle([abi.OP_CALL, "imp", "wall", []])[1] - time.time() * 1000) < 5000
    assert worker.handle([abi.OP_CALL, "imp", "mono", []])[1] > 0
    assert (
        worker.handle([abi.OP_CALL, "imp", "random", []])[1]
        != worker.handle([abi.OP_CALL, "imp", "random", []])[1]
    )
    assert worker.handle([abi.OP_CALL, "imp", "kv_get", []])[1] == -1
    assert worker.handle([abi.OP_CALL, "imp", "kv_put", [1234]])[1] == 0
    assert worker.handle([abi.OP_CALL, "imp", "kv_get", []])[1] == 1234
    assert (tmp_path / "kv" / "imp" / "kv.cbor").exists()
    assert worker.handle([abi.OP_CALL, "imp", "temperature", []])[1] == 48.25
    assert worker.handle([abi.OP_CALL, "imp", "unknown_sensor", []])[1] == -1
    temp.unlink()
    assert worker.handle([abi.OP_CALL, "imp", "temperature", []])[1] == -1000
    assert worker.handle([abi.OP_CALL, "imp", "kv_delete", []])[1] == 0
    assert worker.handle([abi.OP_CALL, "imp", "kv_delete", []])[1] == -1


def test_ea_caller_gives_the_peer_id_of_each_call(worker: Worker) -> None:
    functions = [("whoami", True, 2), ("caller_len", False, 0), ("caller_out_of_bounds", False, 0)]
    load(worker, "who", "caller", functions, abi=True)
    ada, bob = "12D3KooWAda", "12D3KooWBobTheBuilder"
    assert worker.handle([abi.OP_CALL, "who", "whoami", cbor2.dumps([]), ada])[:2] == [abi.OK, ada]
    assert worker.handle([abi.OP_CALL, "who", "caller_len", [], bob])[:2] == [abi.OK, len(bob)]
    assert worker.handle([abi.OP_CALL, "who", "whoami", cbor2.dumps([]), bob])[:2] == [abi.OK, bob]
    # A frame without a caller (the host's own calls, an older agent): an empty id.
    assert worker.handle([abi.OP_CALL, "who", "whoami", cbor2.dumps([])])[:2] == [abi.OK, ""]
    assert worker.handle([abi.OP_CALL, "who", "caller_len", []])[:2] == [abi.OK, 0]
    # Room that ends outside memory is a trap once the id would be written there.
    reply = worker.handle([abi.OP_CALL, "who", "caller_out_of_bounds", [], ada])
    assert reply[:2] == [abi.FAIL, abi.FAIL_TRAP] and "ea_caller: bytes 65530..65541" in reply[2]
    assert worker.handle([abi.OP_CALL, "who", "caller_out_of_bounds", [], ""])[:2] == [abi.OK, 0]


def test_log_lines_are_bounded(worker: Worker) -> None:
    load(worker, "chatty", "imports", [("log", False, 1)])
    for _ in range(const.WASM_MAX_LOG_LINES_PER_CALL):
        worker.services["chatty"].logs.append([1, "x"])  # as if ea_log had filled the call's share
    reply = worker.handle([abi.OP_CALL, "chatty", "log", [1]])
    assert reply[0] == abi.OK
    assert len(reply[2]) == const.WASM_MAX_LOG_LINES_PER_CALL + 1
    assert reply[2][-1] == [2, "(1 more log lines dropped)"]


def test_redeploy_frees_the_old_runtime_and_resets_memory(worker: Worker) -> None:
    load(worker, "redeploy", "numeric", [("bump", False, 0)])
    assert worker.handle([abi.OP_CALL, "redeploy", "bump", []])[1] == 1
    load(worker, "redeploy", "numeric", [("bump", False, 0)])
    assert worker.handle([abi.OP_CALL, "redeploy", "bump", []])[1] == 1


def test_a_module_wasm3_refuses_leaves_the_old_one(worker: Worker) -> None:
    load(worker, "keep", "numeric", [("add", False, 2)])
    reply = worker.handle(
        [abi.OP_LOAD, "keep", b"\x00asm\x01\x00\x00\x00\x01\xff", load_config([])]
    )
    assert reply[:2] == [abi.FAIL, abi.FAIL_LOAD]
    assert worker.handle([abi.OP_CALL, "keep", "add", [1, 2]])[1] == 3


def test_start_function_runs_metered_at_load(worker: Worker) -> None:
    reply = worker.handle(
        [abi.OP_LOAD, "start", instrument.instrument(module("start_loop")),
         load_config([("ok", False, 0)], start=instrument.START_EXPORT)]
    )  # fmt: skip
    assert reply[:2] == [abi.FAIL, abi.FAIL_FUEL]
    assert "start function" in reply[2] and "out of fuel" in reply[2]
    assert "start" not in worker.services


def test_remove_and_stats(worker: Worker) -> None:
    load(worker, "gone", "numeric", [("add", False, 2)])
    assert "gone" in worker.handle([abi.OP_STATS])[1]["services"]
    worker.handle([abi.OP_REMOVE, "gone"])
    stats = worker.handle([abi.OP_STATS])[1]
    assert (
        "gone" not in stats["services"] and stats["rss_bytes"] > 0 and stats["pid"] == os.getpid()
    )


# --- the process -----------------------------------------------------------------------------------


@pytest.fixture
def process(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    errfile = open(tmp_path / "stderr", "wb+")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "edge_agent.services.wasm.worker", "{}"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=errfile,
        start_new_session=True,
    )
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            assert stream is not None
            stream.close()
        errfile.close()


def exchange(
    proc: subprocess.Popen[bytes], reader: abi.FrameReader, request: Any, timeout: float = 30
) -> Any:
    assert proc.stdin is not None and proc.stdout is not None
    if request is not None:
        proc.stdin.write(abi.encode_frame(request))
        proc.stdin.flush()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.1)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 65536)
            assert chunk, "the worker closed its pipe"
            frames = reader.feed(chunk)
            if frames:
                return frames[0]
    raise AssertionError("no reply from the worker")


def test_process_speaks_frames_and_keeps_wasm3_noise_off_the_pipe(
    process: subprocess.Popen[bytes],
) -> None:
    reader = abi.FrameReader()
    ready = exchange(process, reader, None)
    assert ready[0] == abi.READY and ready[1] == process.pid
    config = load_config([("boom", False, 0), ("add", False, 2)])
    assert (
        exchange(
            process, reader, [abi.OP_LOAD, "n", instrument.instrument(module("numeric")), config]
        )[0]
        == abi.OK
    )
    reply = exchange(process, reader, [abi.OP_CALL, "n", "boom", []])
    assert reply[:3] == [abi.FAIL, abi.FAIL_TRAP, "unreachable executed"]
    assert "wasm backtrace" in reply[5]  # wasm3's stderr, captured for the DEBUG log
    assert exchange(process, reader, [abi.OP_CALL, "n", "add", [40, 2]])[:2] == [abi.OK, 42]


def test_process_ignores_sigint_and_exits_on_eof(process: subprocess.Popen[bytes]) -> None:
    reader = abi.FrameReader()
    exchange(process, reader, None)
    process.send_signal(signal.SIGINT)
    assert exchange(process, reader, [abi.OP_STATS])[0] == abi.OK
    assert process.stdin is not None
    process.stdin.close()
    assert process.wait(timeout=10) == 0


def test_redeploys_do_not_leak_kv_file_descriptors(worker: Worker, tmp_path: Path) -> None:
    def redeploy_and_use() -> None:
        load(
            worker, "kvuser", "imports", [("kv_put", False, 1)], kv=str(tmp_path / "kv" / "kvuser")
        )
        assert worker.handle([abi.OP_CALL, "kvuser", "kv_put", [1]])[1] == 0

    redeploy_and_use()
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(10):
        redeploy_and_use()
    assert len(os.listdir("/proc/self/fd")) <= before
