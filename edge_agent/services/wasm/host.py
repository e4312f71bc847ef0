"""The Wasm service host: deploy modules and call them in isolated worker processes.

Two front ends share one core:

- `WasmHost` — synchronous, for the in-process simulator and scripts::

      with WasmHost(HostConfig(state_dir=...)) as host:
          info = host.deploy("greet", wasm_bytes, Limits(fuel=1_000_000))
          host.call("greet", "hello", ["Ada"])        # -> "Hello, Ada!"
          handler = host.handler("greet")              # a services.base.Handler

- `AsyncWasmHost` — the same API as coroutines, for the networked agent; it never blocks
  the event loop (the pipes are driven by the loop's reader/writer callbacks, validation
  and instrumentation run in the default executor).

Deploy = validate + instrument (pure, in this process) + load into a worker; a refused
module raises `ModuleRejected` and leaves every other service as it was. A call checks
its arguments here, runs in the worker, and either returns a JSON-like value or raises
`ServiceError` whose ret_code is one of `abi.CallErrorCode` (or the service's own code).
A call past its deadline, or one that kills the worker, fails, and the worker is replaced
before the next request that needs it; the replacement reloads its services (their linear
memory starts afresh).

Each service lives in exactly one worker (so its memory is one state); with several
workers, services are spread over them and calls to different workers run in parallel.
Calls to one worker run one at a time, in arrival order, so a redeploy waits for the calls
that came before it and the calls after it see the new module.

Wasm never runs in this process (pywasm3 holds the GIL and cannot be interrupted).
"""

from __future__ import annotations

import asyncio
import dataclasses
import fcntl
import functools
import json
import logging
import os
import re
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from edge_agent import const, store
from edge_agent.services.base import Handler, ServiceError
from edge_agent.services.wasm import abi, instrument, validate
from edge_agent.services.wasm.abi import CallErrorCode, FunctionKind, FunctionSig
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.limits import Limits

__all__ = [
    "AsyncHandler",
    "AsyncWasmHost",
    "CallErrorCode",
    "FunctionKind",
    "FunctionSig",
    "HostConfig",
    "Limits",
    "ModuleRejected",
    "ServiceError",
    "ServiceInfo",
    "WasmHost",
]

log = logging.getLogger(__name__)
service_log = logging.getLogger("edge_agent.services.wasm.service")
"""Where services' ea_log lines go, as "SERVICE: text" at the level the service chose."""

AsyncHandler = Callable[[str, list[Any]], Awaitable[Any]]
"""The asynchronous counterpart of `edge_agent.services.base.Handler`."""

_SERVICE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_LOG_LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)


# --- Public values ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostConfig:
    """Host-wide settings. ``state_dir`` None keeps each service's KV store in the worker's memory."""

    workers: int = const.DEFAULT_WASM_WORKERS
    state_dir: Path | str | None = None
    cpu_temperature_path: str = const.DEFAULT_CPU_TEMPERATURE_PATH
    default_limits: Limits = field(default_factory=Limits)
    kv_limits: store.KVLimits = field(default_factory=store.KVLimits)
    python: str = sys.executable
    """Interpreter that runs the workers (``python -m edge_agent.services.wasm.worker``)."""

    def __post_init__(self) -> None:
        if (
            isinstance(self.workers, bool)
            or not isinstance(self.workers, int)
            or not 1 <= self.workers <= 64
        ):
            raise ValueError(f"HostConfig.workers must be 1..64, not {self.workers!r}")


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
    """Index of the worker process that holds it."""


# --- Preparing a module (pure: validate + instrument) -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Prepared:
    info: ServiceInfo
    wasm: bytes
    load_config: dict[str, Any]


def _check_name(name: object) -> str:
    if not isinstance(name, str) or not _SERVICE_NAME.fullmatch(name):
        raise ModuleRejected(
            f"service name {name!r} is not allowed: use 1-64 letters, digits, '_', '.' or '-', "
            "not starting with '.' or '-'"
        )
    return name


def _prepare(name: str, data: bytes, limits: Limits, config: HostConfig, worker: int) -> _Prepared:
    """Validate and instrument a module; `ModuleRejected` names what is wrong."""
    _check_name(name)
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
        "kv_limits": dataclasses.asdict(config.kv_limits),
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
        worker=worker,
    )
    return _Prepared(service, wasm, load_config)


def _functions(info: validate.ModuleInfo) -> tuple[dict[str, FunctionSig], dict[str, str]]:
    """The exports a script may call, and why each of the others may not."""
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


# --- Talking to one worker process ----------------------------------------------------------


class _Timeout(Exception):
    pass


class _Died(Exception):
    pass


class _Exchange:
    """One request/reply in flight on the async path."""

    __slots__ = ("done", "result", "error", "waiter")

    def __init__(self) -> None:
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        if self.done:
            return
        self.done, self.result, self.error = True, result, error
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)


class _Worker:
    """One worker process and its pipes; `request_sync` and `request_async` drive them."""

    def __init__(self, index: int, config: HostConfig) -> None:
        self.index = index
        self._config = config
        self.proc: subprocess.Popen[bytes] | None = None
        self._to_worker = -1
        self._from_worker = -1
        self._stderr_fd = -1
        self._reader = abi.FrameReader()
        self._poll: Any = None
        self.memory_api = ""
        self.services: set[str] = set()
        """Names placed on this worker (loaded, or to be reloaded after a restart)."""
        self.loaded: set[str] = set()
        """Names loaded in the current process."""
        self.thread_lock = threading.Lock()
        self.async_lock: asyncio.Lock | None = None
        self._active: tuple[asyncio.AbstractEventLoop, _Exchange, bool] | None = None
        """The async exchange whose callbacks are registered on our fds, if any."""
        self.starts = 0

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # -- lifecycle --------------------------------------------------------------------------

    def spawn(self) -> None:
        """Start the process (the caller then waits for its READY frame)."""
        self.discard()
        fd = _stderr_file()
        worker_config = {
            "cpu_temperature_path": self._config.cpu_temperature_path,
            "spin_us": _spin_us(),
            # Linux's parent-death signal fires when the *thread* that forked exits; only the
            # main thread lives as long as the agent (systemd's cgroup kill covers the rest).
            "die_with_parent": threading.current_thread() is threading.main_thread(),
        }
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[3])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        try:
            self.proc = subprocess.Popen(
                [
                    self._config.python,
                    "-m",
                    "edge_agent.services.wasm.worker",
                    json.dumps(worker_config),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=fd,
                close_fds=True,
                start_new_session=True,
                env=env,
            )
        except OSError:
            os.close(fd)
            raise
        self._stderr_fd = fd
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._to_worker = self.proc.stdin.fileno()
        self._from_worker = self.proc.stdout.fileno()
        os.set_blocking(self._to_worker, False)
        os.set_blocking(self._from_worker, False)
        self._reader = abi.FrameReader()
        self._poll = None
        self.loaded = set()
        self.starts += 1

    def ready(self, frame: Any) -> None:
        if not (isinstance(frame, list) and frame and frame[0] == abi.READY):
            raise _Died()
        self.memory_api = "m3_GetMemory" if frame[2] else "get_memory"
        log.debug(
            "Wasm worker %d started (pid %s, memory via %s)", self.index, self.pid, self.memory_api
        )

    def kill(self) -> int | None:
        """SIGKILL the process and reap it; returns its exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                proc.kill()
        status = proc.wait()
        self.discard()
        return status

    def reap(self) -> int | None:
        """The exit status of a process that closed its pipe (waits briefly for it to die)."""
        proc = self.proc
        if proc is None:
            return None
        try:
            status = proc.wait(timeout=0.5)
        except subprocess.TimeoutExpired:
            return self.kill()
        last_words = self.last_words()
        if last_words:
            log.debug(
                "Wasm worker %d (pid %s) said before it died:\n%s", self.index, proc.pid, last_words
            )
        self.discard()
        return status

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the process to exit, then kill it if it does not."""
        proc = self.proc
        if proc is None:
            return
        if proc.poll() is None:
            try:  # a few bytes into an idle worker's empty pipe: never blocks
                os.write(self._to_worker, abi.encode_frame([abi.OP_EXIT]))
            except OSError:
                pass
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill()

    def discard(self) -> None:
        """Close our ends of the pipes (the process must be gone or going)."""
        self._abort_async()
        proc, self.proc = self.proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
            if proc.poll() is None:  # still alive: never leave it behind
                proc.kill()
                proc.wait()
        if self._stderr_fd >= 0:
            os.close(self._stderr_fd)
            self._stderr_fd = -1
        self._to_worker = self._from_worker = -1
        self._poll = None
        self._reader.clear()
        self.loaded = set()

    def _abort_async(self) -> None:
        """Unregister the async exchange's callbacks before our fds close (and fail it)."""
        active, self._active = self._active, None
        if active is None:
            return
        loop, exchange, writer_added = active
        if not loop.is_closed():
            loop.remove_reader(self._from_worker)
            if writer_added:
                loop.remove_writer(self._to_worker)
        exchange.finish(error=_Died())

    def last_words(self) -> str:
        if self._stderr_fd < 0:
            return ""
        try:
            size = os.fstat(self._stderr_fd).st_size
            start = max(0, size - const.WASM_MAX_TRACE_BYTES)
            return os.pread(self._stderr_fd, size - start, start).decode("utf-8", "replace").strip()
        except OSError:
            return ""

    # -- synchronous exchange ---------------------------------------------------------------

    def request_sync(self, frame: bytes | None, timeout: float) -> Any:
        """Send `frame` (None: just read) and wait for one reply frame; `_Timeout` or `_Died`."""
        deadline = time.monotonic() + timeout
        if self._poll is None:
            self._poll = select.poll()
            self._poll.register(self._from_worker, select.POLLIN)
        if frame is not None:
            self._write_sync(frame, deadline)
        poller = self._poll
        fd = self._from_worker
        reader = self._reader
        spin_until = time.perf_counter() + _spin_us() / 1e6
        while time.perf_counter() < spin_until:  # see _spin_us
            frame = _read_frame(fd, reader)
            if frame is not _NOTHING:
                return frame
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout()
            if not poller.poll(max(1, int(remaining * 1000) + 1)):
                continue
            frame = _read_frame(fd, reader)
            if frame is not _NOTHING:
                return frame

    def _write_sync(self, data: bytes, deadline: float) -> None:
        view = memoryview(data)
        writer = None
        while view:
            try:
                view = view[os.write(self._to_worker, view) :]
                continue
            except BlockingIOError:
                pass
            except OSError:
                raise _Died() from None
            if writer is None:
                writer = select.poll()
                writer.register(self._to_worker, select.POLLOUT)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Timeout()
            writer.poll(max(1, int(remaining * 1000) + 1))

    # -- asynchronous exchange --------------------------------------------------------------

    async def request_async(self, frame: bytes | None, timeout: float) -> Any:
        """As `request_sync`, driven by the running loop; a cancelled caller still waits for
        the reply (bounded by `timeout`) so that the next request does not read it."""
        loop = asyncio.get_running_loop()
        exchange = _Exchange()
        read_fd, write_fd = self._from_worker, self._to_worker
        reader = self._reader

        def on_readable() -> None:
            try:
                chunk = os.read(read_fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                chunk = b""
            if not chunk:
                exchange.finish(error=_Died())
                return
            try:
                frames = reader.feed(chunk)
            except abi.FrameError:
                exchange.finish(error=_Died())
                return
            if frames:
                exchange.finish(result=frames[0])

        pending = [memoryview(frame)] if frame else []

        def on_writable() -> None:
            view = pending[0]
            try:
                view = view[os.write(write_fd, view) :]
            except BlockingIOError:
                return
            except OSError:
                exchange.finish(error=_Died())
                loop.remove_writer(write_fd)
                return
            pending[0] = view
            if not view:
                loop.remove_writer(write_fd)

        writer_added = False
        if pending:
            try:
                pending[0] = pending[0][os.write(write_fd, pending[0]) :]
            except BlockingIOError:
                pass
            except OSError:
                raise _Died() from None
            if pending[0]:
                loop.add_writer(write_fd, on_writable)
                writer_added = True
            else:
                # A quick reply is read before the loop goes to sleep (see _spin_us); the
                # loop is held for at most WASM_ASYNC_SPIN_US.
                spin_until = time.perf_counter() + min(_spin_us(), const.WASM_ASYNC_SPIN_US) / 1e6
                while time.perf_counter() < spin_until:
                    on_readable()
                    if exchange.done:
                        if exchange.error is not None:
                            raise exchange.error
                        return exchange.result
        loop.add_reader(read_fd, on_readable)
        self._active = (loop, exchange, writer_added)
        timer = loop.call_later(timeout, lambda: exchange.finish(error=_Timeout()))
        cancelled = False
        try:
            while not exchange.done:
                exchange.waiter = loop.create_future()
                try:
                    await exchange.waiter
                except asyncio.CancelledError:
                    cancelled = True
        finally:
            timer.cancel()
            if self._active is not None and self._active[1] is exchange:
                self._abort_async()
        if cancelled:
            if exchange.error is not None:
                # The worker is stuck or gone; let the next request find it dead.
                self.kill()
            raise asyncio.CancelledError()
        if exchange.error is not None:
            raise exchange.error
        return exchange.result


_NOTHING = object()


def _read_frame(fd: int, reader: abi.FrameReader) -> Any:
    """Read what the worker's pipe holds: its first complete frame, or `_NOTHING` yet.

    A closed pipe or a garbled frame means the worker is gone (`_Died`)."""
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return _NOTHING
    except OSError:
        raise _Died() from None
    if not chunk:
        raise _Died()
    try:
        frames = reader.feed(chunk)
    except abi.FrameError:
        raise _Died() from None
    return frames[0] if frames else _NOTHING


@functools.cache
def _spin_us() -> int:
    """How long to poll a pipe before sleeping on it, in microseconds (0 on one CPU).

    A process that sleeps on a pipe takes tens of microseconds to wake on a virtual machine
    or a power-saving core — as much as the rest of a call. Polling a little first saves
    that for replies that come quickly and for requests that follow each other; on a single
    CPU it would only keep the other side from running.
    """
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        cpus = os.cpu_count() or 1
    return const.WASM_PIPE_SPIN_US if cpus > 1 else 0


def _stderr_file() -> int:
    """An anonymous file the worker's fd 1 and 2 append to; both processes share it."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("edge-agent-wasm-worker", os.MFD_CLOEXEC)
    else:  # pragma: no cover - non-Linux
        handle, path = tempfile.mkstemp(prefix="edge-agent-wasm-worker-")
        os.unlink(path)
        fd = handle
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_APPEND)
    return fd


# --- The shared core -----------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    prepared: _Prepared
    broken: str | None = None
    """Why the service cannot run after its worker was replaced (reload failed), else None."""

    @property
    def info(self) -> ServiceInfo:
        return self.prepared.info


class _HostCore:
    """State and message logic shared by the synchronous and asynchronous hosts."""

    def __init__(self, config: HostConfig | None = None) -> None:
        self.config = config if config is not None else HostConfig()
        self._workers = [_Worker(i, self.config) for i in range(self.config.workers)]
        self._records: dict[str, _Record] = {}
        self._closed = False

    # -- bookkeeping ------------------------------------------------------------------------

    def services(self) -> dict[str, ServiceInfo]:
        """The deployed services by name."""
        return {name: record.info for name, record in self._records.items()}

    def worker_pids(self) -> list[int | None]:
        """Process id of each worker (None while it is not running)."""
        return [w.pid if w.running else None for w in self._workers]

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the Wasm host is closed")

    def _limits(self, limits: Limits | Mapping[str, Any] | None) -> Limits:
        if isinstance(limits, Limits):
            return limits
        return Limits.from_mapping(limits, base=self.config.default_limits)

    def _place(self, name: str) -> _Worker:
        record = self._records.get(name)
        if record is not None:
            return self._workers[record.info.worker]
        return min(self._workers, key=lambda w: (len(w.services), w.index))

    def _record(self, name: str, function: str) -> tuple[_Record, FunctionSig]:
        record = self._records.get(name)
        if record is None:
            raise ServiceError(
                f"no Wasm service named {name!r} is deployed here", CallErrorCode.NOT_FOUND
            )
        sig = record.info.functions.get(function)
        if sig is None and function in record.info.not_callable:
            raise ServiceError(
                f"function {function!r} of service {name!r} cannot be called from a script: "
                f"{record.info.not_callable[function]}",
                CallErrorCode.NOT_FOUND,
            )
        if sig is None:
            names = ", ".join(sorted(record.info.functions)) or "none"
            raise ServiceError(
                f"service {name!r} has no function {function!r} (its functions: {names})",
                CallErrorCode.NOT_FOUND,
            )
        if record.broken is not None:
            raise ServiceError(
                f"service {name!r} is unavailable: {record.broken}", CallErrorCode.UNAVAILABLE
            )
        return record, sig

    def _call_frame(self, record: _Record, sig: FunctionSig, args: Any) -> bytes:
        label = f"{record.info.name}.{sig.name}"
        try:
            if sig.kind is FunctionKind.CBOR:
                payload: Any = abi.encode_args(label, args, record.info.limits.max_args_bytes)
            else:
                payload = abi.check_numeric_args(label, sig.params, args)
        except abi.ArgumentError as exc:
            raise ServiceError(str(exc), CallErrorCode.ARGUMENTS) from None
        return abi.encode_frame([abi.OP_CALL, record.info.name, sig.name, payload])

    def _load_frame(self, prepared: _Prepared) -> bytes:
        return abi.encode_frame(
            [abi.OP_LOAD, prepared.info.name, prepared.wasm, prepared.load_config]
        )

    def _outcome(self, name: str, function: str, reply: Any) -> Any:
        """The value of a call reply, or the `ServiceError` it stands for."""
        if not isinstance(reply, list) or not reply:
            raise ServiceError(
                f"{name}.{function}: the worker sent an unreadable reply", CallErrorCode.UNAVAILABLE
            )
        if reply[0] == abi.OK:
            if reply[2]:
                _forward_logs(name, reply[2])
            return reply[1]
        _, kind, message, code, logs, trace = reply
        if logs:
            _forward_logs(name, logs)
        if trace:
            log.debug("service %s: wasm3 printed:\n%s", name, trace)
        if kind == abi.FAIL_SERVICE:
            raise ServiceError(message, code or CallErrorCode.SERVICE)
        if kind == abi.FAIL_FUEL:
            raise ServiceError(f"{name}.{function}: {message}", CallErrorCode.OUT_OF_FUEL)
        if kind == abi.FAIL_STACK:
            stack = (
                self._records[name].info.limits.stack_bytes // 1024 if name in self._records else 0
            )
            raise ServiceError(
                f"{name}.{function}: trap: {message} (call depth exceeded the {stack} KiB Wasm stack; "
                "is the recursion unbounded?)",
                CallErrorCode.TRAP,
            )
        if kind == abi.FAIL_TRAP:
            raise ServiceError(f"{name}.{function}: trap: {message}", CallErrorCode.TRAP)
        if kind == abi.FAIL_REPLY:
            raise ServiceError(
                f"service {name!r} function {function!r} returned a malformed reply: {message}",
                CallErrorCode.BAD_REPLY,
            )
        if kind == abi.FAIL_ARGS:
            raise ServiceError(f"{name}.{function}: {message}", CallErrorCode.ARGUMENTS)
        if kind == abi.FAIL_NOT_FOUND:
            raise ServiceError(message, CallErrorCode.NOT_FOUND)
        log.error("Wasm worker failed a call to %s.%s: %s\n%s", name, function, message, trace)
        raise ServiceError(f"{name}.{function}: {message}", CallErrorCode.UNAVAILABLE)

    def _loaded(self, prepared: _Prepared, worker: _Worker, reply: Any) -> None:
        """Commit a module the worker loaded, or raise why it could not."""
        name = prepared.info.name
        failure = self._load_failure(name, reply)
        if failure is not None:
            raise failure
        self._commit(prepared, worker)
        log.info(
            "deployed Wasm service %s (%d bytes, sha256 %s)", name, prepared.info.size, prepared.info.sha256[:16]
        )

    def _load_error(self, name: str, worker: _Worker, exc: Exception) -> ModuleRejected:
        """A load that timed out (the worker is killed) or killed the worker."""
        if isinstance(exc, _Timeout):
            worker.kill()
            return ModuleRejected(
                f"module {name!r} did not load within {const.WASM_LOAD_DEADLINE_MS} ms "
                "(does its start function loop?)"
            )
        return ModuleRejected(
            f"loading module {name!r} crashed the worker ({_describe_status(worker.reap())})"
        )

    def _call_error(self, record: _Record, function: str, worker: _Worker, exc: Exception) -> ServiceError:
        """A call past its deadline (the worker is killed) or one that killed the worker."""
        if isinstance(exc, _Timeout):
            worker.kill()
            return self._deadline_error(record, function)
        if self._closed:
            return ServiceError(
                f"{record.info.name}.{function}: the Wasm host was closed during the call",
                CallErrorCode.UNAVAILABLE,
            )
        return self._crash_error(record, function, worker.reap())

    def _deadline_error(self, record: _Record, function: str) -> ServiceError:
        ms = record.info.limits.deadline_ms
        log.info(
            "Wasm call %s.%s passed its %d ms deadline; worker killed",
            record.info.name,
            function,
            ms,
        )
        return ServiceError(
            f"{record.info.name}.{function}: deadline of {ms} ms exceeded; the worker was killed and will be replaced",
            CallErrorCode.DEADLINE,
        )

    def _crash_error(self, record: _Record, function: str, status: int | None) -> ServiceError:
        how = _describe_status(status)
        log.warning(
            "Wasm service %s crashed its worker (%s) in %s",
            record.info.name,
            _signal_name(status) or how,
            function,
        )
        return ServiceError(
            f"{record.info.name}.{function}: the service crashed the worker ({how}); the worker will be replaced",
            CallErrorCode.CRASHED,
        )

    def _load_failure(self, name: str, reply: Any) -> ModuleRejected | None:
        if isinstance(reply, list) and reply and reply[0] == abi.OK:
            if reply[2]:
                _forward_logs(name, reply[2])
            return None
        message = reply[2] if isinstance(reply, list) and len(reply) > 2 else repr(reply)
        if isinstance(reply, list) and len(reply) > 5 and reply[5]:
            log.debug("service %s: wasm3 printed while loading:\n%s", name, reply[5])
        return ModuleRejected(f"wasm3 could not load module {name!r}: {message}")

    def _commit(self, prepared: _Prepared, worker: _Worker) -> None:
        self._records[prepared.info.name] = _Record(prepared)
        worker.services.add(prepared.info.name)
        worker.loaded.add(prepared.info.name)

    def _forget(self, name: str) -> _Worker | None:
        record = self._records.pop(name, None)
        if record is None:
            return None
        worker = self._workers[record.info.worker]
        worker.services.discard(name)
        return worker

    def _reload_list(self, worker: _Worker) -> list[_Record]:
        """Services to load into a fresh worker: those placed on it that have not broken one."""
        records = (self._records.get(n) for n in sorted(worker.services))
        return [r for r in records if r is not None and r.broken is None]

    def _reloaded(self, worker: _Worker, record: _Record, reply: Any) -> None:
        failure = self._load_failure(record.info.name, reply)
        if failure is not None:
            self._reload_failed(worker, record, str(failure))
        else:
            worker.loaded.add(record.info.name)

    def _reload_failed(self, worker: _Worker, record: _Record, why: str | None) -> None:
        """A service that no longer loads stays deployed but fails its calls until redeployed."""
        if why is None:
            worker.kill()
            why = "reloading it into a fresh worker killed or hung that worker"
        record.broken = f"{why}; redeploy it"
        log.warning("Wasm service %s is unavailable: %s", record.info.name, record.broken)

    def _start_error(self, worker: _Worker, exc: BaseException) -> ServiceError:
        words = worker.last_words()
        worker.kill()
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if words:
            detail += f"; it said: {words[-500:]}"
        log.error("could not start Wasm worker %d: %s", worker.index, detail)
        return ServiceError(f"could not start a Wasm worker ({detail})", CallErrorCode.UNAVAILABLE)


def _describe_status(status: int | None) -> str:
    if status is None:
        return "it vanished"
    if status < 0:
        return f"signal {-status}"
    return f"exit status {status}"


def _signal_name(status: int | None) -> str:
    if status is None or status >= 0:
        return ""
    try:
        return f"{signal.Signals(-status).name}, signal {-status}"
    except ValueError:
        return ""


def _forward_logs(name: str, entries: Any) -> None:
    for level, text in abi.log_lines(entries):
        service_log.log(_LOG_LEVELS[level], "%s: %s", name, text)


# --- Synchronous host ----------------------------------------------------------------------


class WasmHost(_HostCore):
    """Deploy and call Wasm services from synchronous code; thread-safe; `close()` when done.

    Workers start on first use. Every method may block for up to the call's deadline
    (plus a worker restart after a failure).
    """

    def __enter__(self) -> WasmHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def deploy(
        self, name: str, wasm_bytes: bytes, limits: Limits | Mapping[str, Any] | None = None
    ) -> ServiceInfo:
        """Validate, instrument and load a module as service `name` (replacing one of that name).

        Raises `ModuleRejected` (naming the problem) and leaves every service as it was.
        """
        self._check_open()
        limits = self._limits(limits)
        worker = self._place(name)
        prepared = _prepare(name, wasm_bytes, limits, self.config, worker.index)
        with worker.thread_lock:
            self._ensure_running(worker)
            try:
                reply = worker.request_sync(
                    self._load_frame(prepared), const.WASM_LOAD_DEADLINE_MS / 1000
                )
            except (_Timeout, _Died) as exc:
                raise self._load_error(name, worker, exc) from None
            self._loaded(prepared, worker, reply)
        return prepared.info

    def call(self, name: str, function: str, args: list[Any] | tuple[Any, ...] = ()) -> Any:
        """Call `function` of service `name` with `args`; the value, or `ServiceError`."""
        self._check_open()
        worker = self._workers[self._record(name, function)[0].info.worker]
        with worker.thread_lock:
            record, sig = self._record(name, function)  # again: a redeploy may have happened
            frame = self._call_frame(record, sig, args)
            self._ensure_running(worker)
            if record.broken is not None:
                raise ServiceError(
                    f"service {name!r} is unavailable: {record.broken}", CallErrorCode.UNAVAILABLE
                )
            try:
                reply = worker.request_sync(frame, record.info.limits.deadline_s)
            except (_Timeout, _Died) as exc:
                raise self._call_error(record, function, worker, exc) from None
        return self._outcome(name, function, reply)

    def remove(self, name: str) -> None:
        """Remove service `name` (no error if there is none)."""
        self._check_open()
        record = self._records.get(name)
        if record is None:
            return
        worker = self._workers[record.info.worker]
        with worker.thread_lock:
            self._forget(name)
            if worker.running and name in worker.loaded:
                worker.loaded.discard(name)
                try:
                    worker.request_sync(
                        abi.encode_frame([abi.OP_REMOVE, name]), const.WASM_LOAD_DEADLINE_MS / 1000
                    )
                except (_Timeout, _Died):
                    worker.kill()

    def handler(self, name: str) -> Handler:
        """A `Handler` that calls service `name` (whatever module is deployed under it then)."""

        def handle(function: str, args: list[Any]) -> Any:
            return self.call(name, function, args)

        return handle

    def stats(self) -> list[dict[str, Any]]:
        """Per running worker: pid, RSS in bytes, services loaded, memory access path."""
        out = []
        for worker in self._workers:
            with worker.thread_lock:
                if not worker.running:
                    continue
                try:
                    reply = worker.request_sync(abi.encode_frame([abi.OP_STATS]), 5.0)
                except (_Timeout, _Died):
                    worker.kill()
                    continue
                out.append(reply[1])
        return out

    def close(self) -> None:
        """Stop every worker; idempotent."""
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            with worker.thread_lock:
                worker.stop()

    def _ensure_running(self, worker: _Worker) -> None:
        """Start the worker if it is not running, and reload the services placed on it."""
        while not worker.running:
            if worker.proc is not None:
                status = worker.reap()
                log.warning(
                    "Wasm worker %d had died (%s); starting a new one",
                    worker.index,
                    _describe_status(status),
                )
            try:
                worker.spawn()
                worker.ready(worker.request_sync(None, const.WASM_WORKER_START_TIMEOUT_S))
            except (OSError, _Timeout, _Died) as exc:
                raise self._start_error(worker, exc) from None
            for record in self._reload_list(worker):
                try:
                    reply = worker.request_sync(
                        self._load_frame(record.prepared), const.WASM_LOAD_DEADLINE_MS / 1000
                    )
                except (_Timeout, _Died):
                    self._reload_failed(worker, record, None)
                    break  # start yet another worker, without this service
                self._reloaded(worker, record, reply)


# --- Asynchronous host ---------------------------------------------------------------------


class AsyncWasmHost(_HostCore):
    """`WasmHost` for asyncio code: the same methods as coroutines; never blocks the loop.

    Use from one event loop. ``await host.aclose()`` when done (idempotent).
    """

    async def __aenter__(self) -> AsyncWasmHost:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def _lock(self, worker: _Worker) -> asyncio.Lock:
        if worker.async_lock is None:
            worker.async_lock = asyncio.Lock()
        return worker.async_lock

    async def deploy(
        self, name: str, wasm_bytes: bytes, limits: Limits | Mapping[str, Any] | None = None
    ) -> ServiceInfo:
        """As `WasmHost.deploy`; validation and instrumentation run in the default executor."""
        self._check_open()
        limits = self._limits(limits)
        worker = self._place(name)
        loop = asyncio.get_running_loop()
        prepared = await loop.run_in_executor(
            None, _prepare, name, wasm_bytes, limits, self.config, worker.index
        )
        async with self._lock(worker):
            self._check_open()
            await self._ensure_running(worker)
            try:
                reply = await worker.request_async(
                    self._load_frame(prepared), const.WASM_LOAD_DEADLINE_MS / 1000
                )
            except (_Timeout, _Died) as exc:
                raise self._load_error(name, worker, exc) from None
            self._loaded(prepared, worker, reply)
        return prepared.info

    async def call(self, name: str, function: str, args: list[Any] | tuple[Any, ...] = ()) -> Any:
        """As `WasmHost.call`. Calls on different workers run in parallel."""
        self._check_open()
        worker = self._workers[self._record(name, function)[0].info.worker]
        async with self._lock(worker):
            self._check_open()
            record, sig = self._record(name, function)
            frame = self._call_frame(record, sig, args)
            await self._ensure_running(worker)
            if record.broken is not None:
                raise ServiceError(
                    f"service {name!r} is unavailable: {record.broken}", CallErrorCode.UNAVAILABLE
                )
            try:
                reply = await worker.request_async(frame, record.info.limits.deadline_s)
            except (_Timeout, _Died) as exc:
                raise self._call_error(record, function, worker, exc) from None
        return self._outcome(name, function, reply)

    async def remove(self, name: str) -> None:
        """As `WasmHost.remove`."""
        self._check_open()
        record = self._records.get(name)
        if record is None:
            return
        worker = self._workers[record.info.worker]
        async with self._lock(worker):
            self._forget(name)
            if worker.running and name in worker.loaded:
                worker.loaded.discard(name)
                try:
                    await worker.request_async(
                        abi.encode_frame([abi.OP_REMOVE, name]), const.WASM_LOAD_DEADLINE_MS / 1000
                    )
                except (_Timeout, _Died):
                    worker.kill()

    def handler(self, name: str) -> AsyncHandler:
        """An `AsyncHandler` that calls service `name`."""

        async def handle(function: str, args: list[Any]) -> Any:
            return await self.call(name, function, args)

        return handle

    async def stats(self) -> list[dict[str, Any]]:
        """As `WasmHost.stats`."""
        out = []
        for worker in self._workers:
            async with self._lock(worker):
                if not worker.running:
                    continue
                try:
                    reply = await worker.request_async(abi.encode_frame([abi.OP_STATS]), 5.0)
                except (_Timeout, _Died):
                    worker.kill()
                    continue
                out.append(reply[1])
        return out

    async def aclose(self) -> None:
        """Stop every worker; idempotent. Calls in flight fail."""
        if self._closed:
            return
        self._closed = True
        for worker in self._workers:
            worker.kill()

    def close(self) -> None:
        """Kill every worker at once (for shutdown paths that cannot await); idempotent."""
        self._closed = True
        for worker in self._workers:
            worker.kill()

    async def _ensure_running(self, worker: _Worker) -> None:
        while not worker.running:
            if worker.proc is not None:
                status = worker.reap()
                log.warning(
                    "Wasm worker %d had died (%s); starting a new one",
                    worker.index,
                    _describe_status(status),
                )
            try:
                worker.spawn()
                worker.ready(await worker.request_async(None, const.WASM_WORKER_START_TIMEOUT_S))
            except (OSError, _Timeout, _Died) as exc:
                raise self._start_error(worker, exc) from None
            for record in self._reload_list(worker):
                try:
                    reply = await worker.request_async(
                        self._load_frame(record.prepared), const.WASM_LOAD_DEADLINE_MS / 1000
                    )
                except (_Timeout, _Died):
                    self._reload_failed(worker, record, None)
                    break
                self._reloaded(worker, record, reply)
