"""What the Wasm host knows about a service before a worker sees it: settings, description, preparation.

Pure: validating and instrumenting a module is CPU work without I/O (the asynchronous host
runs it in an executor thread). Nothing here starts a process, touches a file or decides
which worker a service lives in (`edge_agent.services.wasm.core` does).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from edge_agent import const, store
from edge_agent.services.wasm import abi
from edge_agent.services.wasm.abi import FunctionKind, FunctionSig
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.limits import WASM_PAGE_BYTES, Limits

if TYPE_CHECKING:
    from edge_agent.services.wasm import validate

_SERVICE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Host-wide settings. ``state_dir`` None keeps each service's KV store in the worker's memory."""

    workers: int = const.DEFAULT_WASM_WORKERS
    """Most worker processes; each service gets one of its own while there are enough."""
    state_dir: Path | str | None = None
    cpu_temperature_path: str = const.DEFAULT_CPU_TEMPERATURE_PATH
    default_limits: Limits = field(default_factory=Limits)
    kv_limits: store.KVLimits = field(default_factory=store.KVLimits)
    python: str = sys.executable
    """Interpreter that runs the workers (``python -m edge_agent.services.wasm.worker``)."""
    worker_memory_bytes: int = const.DEFAULT_WASM_WORKER_MEMORY_BYTES
    """Data memory (RLIMIT_DATA) of one worker process, in bytes: the Python runtime and its
    services' linear memories, stacks, code and KV stores."""
    memory_budget_bytes: int | None = None
    """Memory the agent and its workers may use together, in bytes; None reads the agent's
    cgroup limit (systemd's MemoryMax) and means no limit where there is none."""

    def __post_init__(self) -> None:
        if (
            isinstance(self.workers, bool)
            or not isinstance(self.workers, int)
            or not 1 <= self.workers <= 64
        ):
            raise ValueError(f"HostConfig.workers must be 1..64, not {self.workers!r}")
        low = const.WASM_WORKER_BASE_BYTES
        if isinstance(self.worker_memory_bytes, bool) or not isinstance(self.worker_memory_bytes, int):
            raise ValueError("HostConfig.worker_memory_bytes must be an integer")
        if self.worker_memory_bytes <= low:
            raise ValueError(
                f"HostConfig.worker_memory_bytes must be over {low} bytes (a worker's own "
                f"runtime), not {self.worker_memory_bytes}"
            )


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """A deployed service: what a script can call and the limits it runs under."""

    name: str
    sha256: str
    """SHA-256 of the module as deployed (before instrumentation), hex."""
    size: int
    """Size of the module as deployed, in bytes."""
    abi_version: int | None
    """The declared ABI version (custom section ``edge-agent.abi``), None for numeric-only modules."""
    functions: Mapping[str, FunctionSig]
    """The exports a script may call."""
    not_callable: Mapping[str, str]
    """The other exported functions, each with the reason a script cannot call it."""
    memory_pages: int | None
    """The module's declared memory maximum in pages (None: no memory)."""
    imports: tuple[str, ...]
    """The host functions it imports (names in module ``env``)."""
    limits: Limits
    worker: int
    """Index of the worker process that holds it (-1 until it is placed)."""

    @property
    def memory_need(self) -> int:
        """Most worker memory the service itself can take, in bytes: its linear memory at its
        declared maximum, its Wasm stack, and its code (wasm3's copy is a few times the module)."""
        pages = self.memory_pages or 0
        return pages * WASM_PAGE_BYTES + self.limits.stack_bytes + 4 * self.size


@dataclass(frozen=True, slots=True)
class Prepared:
    """A module ready to load: its description, the instrumented bytes and the worker's settings."""

    info: ServiceInfo
    wasm: bytes
    load_config: dict[str, Any]

    def placed(self, worker: int) -> Prepared:
        """The same module, recorded as living in worker `worker`."""
        return dataclasses.replace(self, info=dataclasses.replace(self.info, worker=worker))


def check_name(name: object) -> str:
    """`name` if it may name a service (it becomes a directory name), else `ModuleRejected`."""
    if not isinstance(name, str) or not _SERVICE_NAME.fullmatch(name):
        raise ModuleRejected(
            f"service name {name!r} is not allowed: use 1-64 letters, digits, '_', '.' or '-', "
            "not starting with '.' or '-'"
        )
    return name


def prepare(name: str, data: bytes, limits: Limits, config: HostConfig) -> Prepared:
    """Validate and instrument a module; `ModuleRejected` names what is wrong."""
    # Imported at the first deploy, not with the host: an agent with no Wasm service never
    # holds the Wasm parser and instrumenter in memory (docs/install.md, memory).
    from edge_agent.services.wasm import instrument, validate

    check_name(name)
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ModuleRejected(f"a module must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) > limits.max_module_bytes:
        raise ModuleRejected(
            f"module is {len(data)} bytes, over the limit of {limits.max_module_bytes} bytes"
        )
    info = validate.validate(
        data, max_module_bytes=limits.max_module_bytes, max_memory_pages=limits.memory_pages
    )
    wasm = instrument.instrument(data)
    functions, refused = _functions(info)
    kv = None
    if config.state_dir is not None:
        kv = os.fspath(Path(config.state_dir) / store.KV_DIR / name)  # = StateDir.kv_path(name)
    load_config = {
        "stack": limits.stack_bytes,
        "fuel": limits.fuel,
        "max_reply": limits.max_reply_bytes,
        "memory_pages": info.memory_max,
        "abi": info.abi_version is not None,
        "free": info.has_free,
        "functions": [
            [f.name, f.kind is FunctionKind.CBOR, len(f.params)] for f in functions.values()
        ],
        "kv": kv,
        "kv_limits": config.kv_limits._asdict(),
        "fuel_exhausted": instrument.FUEL_EXHAUSTED,
        "start": instrument.START_EXPORT if info.has_start else None,
    }
    service = ServiceInfo(
        name=name,
        sha256=info.sha256,
        size=info.size,
        abi_version=info.abi_version,
        functions=MappingProxyType(functions),
        not_callable=MappingProxyType(refused),
        memory_pages=info.memory_max,
        imports=info.imports,
        limits=limits,
        worker=-1,
    )
    return Prepared(service, wasm, load_config)


def _functions(info: validate.ModuleInfo) -> tuple[dict[str, FunctionSig], dict[str, str]]:
    """The exports a script may call, and why each of the others may not."""
    from edge_agent.services.wasm import validate  # see prepare

    callable_: dict[str, FunctionSig] = {}
    refused: dict[str, str] = {}
    for name, fk in info.functions.items():
        if not abi.is_callable_export(name):
            refused[name] = "it belongs to the service ABI: the host calls it"
        elif not fk.callable:
            refused[name] = fk.reason
        else:
            kind = FunctionKind.CBOR if fk.kind is validate.CallKind.CBOR else FunctionKind.NUMERIC
            params = tuple(abi.val_type(int(t)) for t in fk.params)
            results = tuple(abi.val_type(int(t)) for t in fk.results)
            callable_[name] = FunctionSig(name, kind, params, results)
    return callable_, refused
