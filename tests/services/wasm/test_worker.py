"""The worker: its request handling in this process, and its pipe protocol as a real process
(the host imports it links: test_host_imports.py).

In-process tests call `Worker.handle` directly (wasm3 runs here, which is fine for modules
that stop by themselves); the process tests speak frames to ``python -m
edge_agent.services.wasm.worker`` and always kill it.
"""

from __future__ import annotations

import gc
import os
import select
import signal
import subprocess
import sys
import time
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cbor2
import pytest

from edge_agent.services.wasm import abi, instrument
from edge_agent.services.wasm.worker import Worker
from tests.services.wasm.inprocess import FUEL, load, load_config, make_worker, module


@pytest.fixture(scope="module")
def worker() -> Worker:
    return make_worker()


def test_memory_is_reached_through_the_c_api(worker: Worker) -> None:
    # pywasm3 0.5.0's object layout, checked at start-up; the fallback leaks per call.
    assert worker.capi.ok


def test_numeric_call_and_state_in_memory(worker: Worker) -> None:
    load(worker, "num", "numeric", [("add", False, 2), ("bump", False, 0)])
    reply = worker.handle([abi.OP_CALL, "num", "add", [2, 3]])
    assert reply[:4] == [abi.OK, 5, [], ""]
    fuel, pages = reply[4]  # what the call used, for the agent's metrics (issue 11)
    assert isinstance(fuel, int) and fuel > 0 and pages == 1
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


def test_a_bug_of_the_workers_fails_the_request_with_its_traceback(worker: Worker) -> None:
    # A load request without its config: the worker's own error, reported, not fatal.
    reply = worker.handle([abi.OP_LOAD, "broken", module("numeric")])
    assert reply[:2] == [abi.FAIL, "internal"] and "IndexError" in reply[2]
    assert "Traceback (most recent call last)" in reply[5] and "in handle" in reply[5]
    assert worker.handle([abi.OP_CALL, "ghost", "f", []])[1] == abi.FAIL_NOT_FOUND


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


def test_redeploy_frees_the_old_runtime_and_resets_memory(worker: Worker) -> None:
    load(worker, "redeploy", "numeric", [("bump", False, 0)])
    assert worker.handle([abi.OP_CALL, "redeploy", "bump", []])[1] == 1
    load(worker, "redeploy", "numeric", [("bump", False, 0)])
    assert worker.handle([abi.OP_CALL, "redeploy", "bump", []])[1] == 1


def test_a_removed_service_leaves_nothing_behind(worker: Worker) -> None:
    # pywasm3 keeps a reference to a module's bytes and to each linked host function (which
    # hold the service); once its runtime is freed the worker drops them, else every
    # redeploy would keep the old module for the life of the worker.
    data = instrument.instrument(module("numeric"))
    held = sys.getrefcount(data)
    reply = worker.handle([abi.OP_LOAD, "gone2", data, load_config([("add", False, 2)])])
    assert reply[0] == abi.OK and sys.getrefcount(data) > held
    service = weakref.ref(worker.services["gone2"])
    assert worker.handle([abi.OP_CALL, "gone2", "add", [1, 2]])[1] == 3
    worker.handle([abi.OP_REMOVE, "gone2"])
    gc.collect()
    assert sys.getrefcount(data) == held and service() is None


def test_zero_pages_of_a_memory_go_back_and_read_as_zeros(worker: Worker) -> None:
    # wasm3 zeroes a memory whole, so all of it is resident; the worker gives back the pages
    # that still hold only zeros, which changes nothing the module can see.
    load(worker, "zeros", "numeric", [("bump", False, 0)])
    service = worker.services["zeros"]
    assert service.memory is not None and service.runtime is not None
    size = service.memory.size()
    pattern = bytes(range(1, 256)) * 40
    service.memory.write(size - len(pattern), pattern, "test")
    assert worker.handle([abi.OP_CALL, "zeros", "bump", []])[1] == 1
    before = service.memory.read(0, size, "test")
    dropped = worker.capi.drop_zero_pages(worker.capi.runtime_pointer(service.runtime))
    assert 0 < dropped <= size - len(pattern) and dropped % os.sysconf("SC_PAGE_SIZE") == 0
    assert service.memory.read(0, size, "test") == before
    worker.tidy()  # every service's memory, then the heap
    assert service.memory.read(0, size, "test") == before
    assert worker.handle([abi.OP_CALL, "zeros", "bump", []])[1] == 2


def test_a_memory_that_grew_gives_its_new_zero_pages_back(worker: Worker) -> None:
    load(worker, "grown", "grow_by", [("grow", False, 1)])
    worker.tidy()
    assert not worker.tidy_due
    assert worker.handle([abi.OP_CALL, "grown", "grow", [3]])[1] == 1  # the old size, in pages
    assert worker.tidy_due  # wasm3 zeroed three new pages: `serve` tidies up after the reply
    service = worker.services["grown"]
    assert service.runtime is not None
    worker.tidy()
    # Nothing resident is left to give back: the tidy-up looked at this memory.
    assert worker.capi.drop_zero_pages(worker.capi.runtime_pointer(service.runtime)) == 0
    assert worker.handle([abi.OP_CALL, "grown", "grow", [0]])[1] == 4


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
