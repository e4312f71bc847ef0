"""How many Wasm workers fit the agent's memory limit, and how much each may use.

The workers are child processes of the agent, so under systemd they share the unit's cgroup
and its ``MemoryMax``: the agent plus every worker at its cap must stay under it, or the
kernel's OOM killer picks a victim inside the unit. Each worker's cap is an RLIMIT_DATA the
worker sets on itself at start (its heap and every private writable mapping, which is where
wasm3 puts linear memories), so a service that grows its memory gets -1 from memory.grow
instead of taking the agent past the limit.

`plan` is pure; `cgroup_memory_max` reads two small files under /proc and /sys, and
`cap_in_force` a worker's /proc/PID/limits: an emulator (qemu-user) accepts the worker's
setrlimit and applies nothing, and the agent says so rather than trust a cap that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from edge_agent import const


@dataclass(frozen=True, slots=True)
class WorkerPlan:
    """How many workers the host may run and each one's data-memory cap, in bytes."""

    workers: int
    memory_bytes: int
    note: str = ""
    """Why the configured values were lowered (empty if they were not)."""

    @property
    def service_room(self) -> int:
        """Memory a worker has for its services after its own runtime, in bytes."""
        return self.memory_bytes - const.WASM_WORKER_BASE_BYTES


def plan(workers: int, worker_memory: int, budget: int | None) -> WorkerPlan:
    """Fit `workers` workers of `worker_memory` bytes each into `budget` (None: no limit),
    keeping `const.WASM_AGENT_RESERVE_BYTES` for the agent itself; at least one worker."""
    if budget is None:
        return WorkerPlan(workers, worker_memory)
    room = budget - const.WASM_AGENT_RESERVE_BYTES
    smallest = const.WASM_WORKER_BASE_BYTES + const.WASM_WORKER_MIN_SERVICE_BYTES
    if room < smallest:
        return WorkerPlan(
            1,
            smallest,
            f"the memory limit of {_mib(budget)} leaves less than {_mib(smallest)} for a Wasm "
            f"worker after {_mib(const.WASM_AGENT_RESERVE_BYTES)} for the agent; running one "
            f"worker of {_mib(smallest)} (raise MemoryMax)",
        )
    memory = min(worker_memory, room)
    fitted = max(1, min(workers, room // memory))
    if (fitted, memory) == (workers, worker_memory):
        return WorkerPlan(workers, worker_memory)
    return WorkerPlan(
        fitted,
        memory,
        f"wasm.workers = {workers} of {_mib(worker_memory)} each do not fit the memory limit "
        f"of {_mib(budget)} with {_mib(const.WASM_AGENT_RESERVE_BYTES)} for the agent; "
        f"running {fitted} of {_mib(memory)} (raise MemoryMax, or lower wasm.workers or "
        "wasm.worker_memory_bytes)",
    )


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def cgroup_memory_max(
    proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """The smallest ``memory.max`` on the way from this process's cgroup (v2) to the root,
    in bytes; None where there is none (no cgroup v2, or "max" all the way up)."""
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None
    relative = next((line[3:] for line in lines if line.startswith("0::")), None)
    if relative is None:
        return None
    directory = root / relative.strip().lstrip("/")
    limits = []
    while True:
        try:
            text = (directory / "memory.max").read_text().strip()
        except OSError:
            text = "max"
        if text.isdigit():
            limits.append(int(text))
        if directory == root or root not in directory.parents:
            break
        directory = directory.parent
    return min(limits) if limits else None


def cap_in_force(pid: int, cap: int, proc: Path = Path("/proc")) -> bool | None:
    """Whether process `pid`'s data-memory limit (soft) is at most `cap` bytes, as the kernel
    applies it (its ``limits`` file); None if that cannot be read."""
    try:
        text = (proc / str(pid) / "limits").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("Max data size"):
            soft = line[len("Max data size"):].split()[0]
            return soft.isdigit() and int(soft) <= cap
    return None
