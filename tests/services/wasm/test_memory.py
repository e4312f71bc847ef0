"""Wasm workers fit the agent's memory limit (edge_agent/services/wasm/memory.py): the plan is
pure, the cgroup limit is read from files, and a worker's cap holds against real wasm3."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from edge_agent import const
from edge_agent.services.wasm import abi
from edge_agent.services.wasm.host import HostConfig, ModuleRejected, WasmHost
from edge_agent.services.wasm.memory import WorkerPlan, cap_in_force, cgroup_memory_max, plan
from edge_agent.services.wasm.process import WorkerProcess

MODULES = Path(__file__).parent / "modules"
MiB = 2**20
EMULATOR = os.environ.get("EDGE_AGENT_EMULATOR", "")
"""Set by .ci/arm (qemu-user): an emulator that accepts setrlimit(RLIMIT_DATA) and applies nothing."""


def unless_the_cap_is_in_force(host: WasmHost) -> None:
    """Skip when the kernel does not apply the workers' cap, and only under a named emulator,
    with the evidence (the worker's limits as the kernel shows them); elsewhere the test runs
    and fails as it should."""
    stats = host.stats()
    if EMULATOR and stats and stats[0]["memory_cap_in_force"] is False:
        limits = Path(f"/proc/{stats[0]['pid']}/limits").read_text()
        [line] = [line for line in limits.splitlines() if line.startswith("Max data size")]
        pytest.skip(f"{EMULATOR} does not apply RLIMIT_DATA: the worker's /proc/PID/limits says {line!r}")


def module(name: str) -> bytes:
    return (MODULES / f"{name}.wasm").read_bytes()


def test_the_default_workers_fit_the_units_memory_max() -> None:
    unit_max = 256 * MiB  # systemd/edge-agent.service: MemoryMax=256M
    fitted = plan(const.DEFAULT_WASM_WORKERS, const.DEFAULT_WASM_WORKER_MEMORY_BYTES, unit_max)
    assert fitted == WorkerPlan(const.DEFAULT_WASM_WORKERS, const.DEFAULT_WASM_WORKER_MEMORY_BYTES)
    worst_case = const.WASM_AGENT_RESERVE_BYTES + fitted.workers * fitted.memory_bytes
    assert worst_case <= unit_max
    assert fitted.service_room == fitted.memory_bytes - const.WASM_WORKER_BASE_BYTES


def test_no_limit_keeps_the_configuration() -> None:
    assert plan(64, 512 * MiB, None) == WorkerPlan(64, 512 * MiB)


def test_too_many_workers_are_cut_to_the_limit() -> None:
    fitted = plan(16, 36 * MiB, 256 * MiB)
    assert fitted.workers == (256 - 112) // 36 == 4 and fitted.memory_bytes == 36 * MiB
    assert "wasm.workers = 16" in fitted.note and "running 4" in fitted.note


def test_a_worker_larger_than_the_room_is_shrunk() -> None:
    fitted = plan(2, 1024 * MiB, 256 * MiB)
    assert fitted == WorkerPlan(1, 144 * MiB, fitted.note) and "raise MemoryMax" in fitted.note


def test_a_tiny_limit_still_runs_one_small_worker() -> None:
    fitted = plan(4, 36 * MiB, 64 * MiB)
    smallest = const.WASM_WORKER_BASE_BYTES + const.WASM_WORKER_MIN_SERVICE_BYTES
    assert fitted == WorkerPlan(1, smallest, fitted.note) and "leaves less than" in fitted.note


def cgroup_tree(tmp_path: Path, relative: str, limits: dict[str, str]) -> tuple[Path, Path]:
    proc = tmp_path / "cgroup"
    proc.write_text(f"0::{relative}\n")
    root = tmp_path / "sys"
    for directory, value in limits.items():
        path = root / directory
        path.mkdir(parents=True, exist_ok=True)
        (path / "memory.max").write_text(value + "\n")
    return proc, root


def test_cgroup_limit_is_the_smallest_on_the_way_up(tmp_path: Path) -> None:
    proc, root = cgroup_tree(
        tmp_path,
        "/system.slice/edge-agent.service",
        {"system.slice/edge-agent.service": str(256 * MiB), "system.slice": str(200 * MiB)},
    )
    assert cgroup_memory_max(proc, root) == 200 * MiB


def test_cgroup_without_a_limit(tmp_path: Path) -> None:
    proc, root = cgroup_tree(tmp_path, "/user.slice/x.scope", {"user.slice/x.scope": "max"})
    assert cgroup_memory_max(proc, root) is None
    (proc).write_text("12:memory:/legacy\n")  # cgroup v1 only
    assert cgroup_memory_max(proc, root) is None
    assert cgroup_memory_max(tmp_path / "missing", root) is None


def small_host(room: int) -> WasmHost:
    """A host of one worker with `room` bytes for its services."""
    return WasmHost(HostConfig(workers=1, worker_memory_bytes=const.WASM_WORKER_BASE_BYTES + room))


def test_a_module_that_cannot_fit_a_worker_is_refused() -> None:
    with closing(small_host(10 * MiB)) as host:
        with pytest.raises(ModuleRejected, match="may need 16 MiB .* has 10 MiB for services"):
            host.deploy("big", module("grow_by"), {"memory_pages": 256})
        assert host.services() == {}


def test_the_workers_memory_cap_holds() -> None:
    # Room for one 16 MiB memory, and each module alone fits: the cap decides at run time.
    with closing(small_host(20 * MiB)) as host:
        host.deploy("a", module("grow_by"), {"memory_pages": 256})
        host.deploy("b", module("grow_by"), {"memory_pages": 256})
        unless_the_cap_is_in_force(host)
        assert host.call("a", "grow", [255]) == 1  # 16 MiB
        # Both together would take the worker past its cap: wasm3 gets no memory, the module -1.
        assert host.call("b", "grow", [255]) == -1
        assert host.call("b", "grow", [1]) == 1
        assert host.call("a", "ok", []) == 42 and host.call("b", "ok", []) == 42


def test_the_host_runs_the_plan_and_each_worker_caps_itself(caplog: pytest.LogCaptureFixture) -> None:
    config = HostConfig(workers=16, memory_budget_bytes=256 * MiB)
    with caplog.at_level("WARNING", logger="edge_agent.services.wasm"), closing(WasmHost(config)) as host:
        assert host.plan.workers == 4 and len(host.worker_pids()) == 4
        assert "running 4 of 36 MiB" in caplog.text
        host.deploy("num", module("numeric"))
        unless_the_cap_is_in_force(host)
        assert all(worker["memory_cap_in_force"] for worker in host.stats())
        assert "runs without its memory cap" not in caplog.text
        pid = host.worker_pids()[host.services()["num"].worker]
        limits = Path(f"/proc/{pid}/limits").read_text()
        [line] = [line for line in limits.splitlines() if line.startswith("Max data size")]
        assert line.split()[3:5] == [str(36 * MiB)] * 2  # soft and hard


def test_the_limits_file_tells_whether_a_cap_is_in_force(tmp_path: Path) -> None:
    def limits(pid: int, data: str) -> None:
        (tmp_path / str(pid)).mkdir()
        (tmp_path / str(pid) / "limits").write_text(
            "Limit                     Soft Limit           Hard Limit           Units     \n"
            "Max cpu time              unlimited            unlimited            seconds   \n"
            f"Max data size             {data}            bytes     \n"
        )

    limits(1, f"{36 * MiB}             {36 * MiB}")
    limits(2, "unlimited            unlimited")
    limits(3, f"{64 * MiB}             unlimited")
    assert cap_in_force(1, 36 * MiB, tmp_path) is True
    assert cap_in_force(1, 40 * MiB, tmp_path) is True  # a stricter limit holds the cap too
    assert cap_in_force(2, 36 * MiB, tmp_path) is False
    assert cap_in_force(3, 36 * MiB, tmp_path) is False
    assert cap_in_force(4, 36 * MiB, tmp_path) is None  # no such process


def test_a_worker_without_its_cap_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    """A process that set no cap on itself (as qemu-user leaves every emulated one) stands in
    for the worker: the host's check reads its real /proc entry and warns once."""
    worker = WorkerProcess(0, sys.executable, {"max_data_bytes": 36 * MiB})
    worker.proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with caplog.at_level("WARNING", logger="edge_agent.services.wasm"):
            worker.ready([abi.READY, 1, True])
            worker.ready([abi.READY, 1, True])  # a restart of the slot: said once
        assert worker.cap_in_force is False
        assert caplog.text.count("runs without its memory cap of 37748736 bytes") == 1
    finally:
        worker.proc.kill()
        worker.proc.wait()
