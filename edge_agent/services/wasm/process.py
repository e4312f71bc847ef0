"""One Wasm worker process seen from the agent: start it, exchange frames over its pipes, bury it.

It knows nothing about services: it moves frames and reports `Timeout` or `Died`. The
blocking steps — `spawn` (fork/exec) and `Corpse.bury` (waiting for an exit) — are plain
methods that the asynchronous host runs in threads; everything that touches an event loop
(the pipes' reader and writer callbacks, `release`) runs on the loop's thread.
"""

from __future__ import annotations

import asyncio
import enum
import fcntl
import functools
import importlib.util
import json
import logging
import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent import const
from edge_agent.services.wasm import abi
from edge_agent.services.wasm.memory import cap_in_force

log = logging.getLogger(__name__)


class Timeout(Exception):
    """No reply came within the time given."""


class Died(Exception):
    """The worker's pipe closed or carried garbage: the process is gone or going."""


class Burial(enum.Enum):
    """How to end a worker process whose pipes are closed."""

    KILL = "kill"
    """SIGKILL now (a deadline passed, or the host is closing)."""
    REAP = "reap"
    """It closed its pipe: it is dying; wait briefly, then kill."""
    STOP = "stop"
    """It has nothing more to do: it exits on EOF; wait a while, then kill."""


@dataclass(frozen=True, slots=True)
class Remains:
    """What a buried worker left: its exit status (None: it vanished) and its last stderr lines."""

    status: int | None
    last_words: str


WORKER_MALLOC_ENV = {"MALLOC_MMAP_THRESHOLD_": str(64 * 1024)}
"""glibc malloc settings in the worker's environment only (mallopt(3)). Blocks of 64 KiB and
more get mappings of their own: a service's wasm3 stack (128 KiB by default, mostly unused)
is then resident only as deep as calls go, and a removed service's stack and memory go back
to the system instead of staying in the heap. By default glibc raises this threshold to the
largest block freed so far, and after the first redeploy every new stack came from the heap,
zeroed whole by calloc. Measured with the six firmware services loaded (x86_64): 0.5 MB less
resident, 1 MB less after each of them was redeployed once. No effect with another libc."""


_WAIT_S = {Burial.KILL: 0.0, Burial.REAP: 0.5, Burial.STOP: 2.0}
"""How long `Corpse.bury` waits for a voluntary exit before SIGKILL, in seconds."""


class Corpse:
    """A worker process whose pipes we closed: what is left is to see it dead and reap it."""

    def __init__(self, index: int, proc: subprocess.Popen[bytes], stderr_fd: int) -> None:
        self.index = index
        self.pid = proc.pid
        self._proc = proc
        self._stderr_fd = stderr_fd

    def signal_kill(self) -> None:
        """SIGKILL its process group (never blocks)."""
        if self._proc.poll() is not None:
            return
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            self._proc.kill()

    def bury(self, how: Burial) -> Remains:
        """Wait for the exit (`how` says how patiently), reap it, read its last words. Blocks."""
        wait = _WAIT_S[how]
        if wait <= 0:
            self.signal_kill()
        try:
            status = self._proc.wait(timeout=wait or None)
        except subprocess.TimeoutExpired:
            self.signal_kill()
            status = self._proc.wait()
        words = _tail(self._stderr_fd)
        if self._stderr_fd >= 0:
            os.close(self._stderr_fd)
            self._stderr_fd = -1
        if words and how is Burial.REAP:
            log.debug("Wasm worker %d (pid %s) said before it died:\n%s", self.index, self.pid, words)
        return Remains(status, words)


def _tail(fd: int) -> str:
    """The last `WASM_MAX_TRACE_BYTES` a worker wrote to its stderr file."""
    if fd < 0:
        return ""
    try:
        size = os.fstat(fd).st_size
        start = max(0, size - const.WASM_MAX_TRACE_BYTES)
        return os.pread(fd, size - start, start).decode("utf-8", "replace").strip()
    except OSError:
        return ""


class _Exchange:
    """One request/reply on the async path, driven by the event loop's callbacks on the pipes."""

    __slots__ = ("done", "result", "error", "waiter", "_read_fd", "_write_fd", "_reader", "_pending", "_loop")

    def __init__(self, read_fd: int, write_fd: int, reader: abi.FrameReader, frame: bytes | None) -> None:
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self._read_fd, self._write_fd, self._reader = read_fd, write_fd, reader
        self._pending = memoryview(frame or b"")
        self._loop: asyncio.AbstractEventLoop | None = None

    def finish(self, result: Any = None, error: BaseException | None = None) -> None:
        if self.done:
            return
        self.done, self.result, self.error = True, result, error
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def outcome(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result

    def write(self) -> bool:
        """Write what the pipe takes now; whether the whole frame is written (`Died` if the
        pipe is closed)."""
        try:
            self._pending = self._pending[os.write(self._write_fd, self._pending) :]
        except BlockingIOError:
            pass
        except OSError:
            raise Died() from None
        return not self._pending

    def on_readable(self) -> None:
        try:
            reply = _read_frame(self._read_fd, self._reader)
        except Died as exc:
            self.finish(error=exc)
            return
        if reply is not _NOTHING:
            self.finish(result=reply)

    def on_writable(self) -> None:
        try:
            written = self.write()
        except Died as exc:
            self.finish(error=exc)
            written = True
        if written and self._loop is not None:
            self._loop.remove_writer(self._write_fd)

    def spin(self, seconds: float) -> None:
        """Poll for a quick reply for up to `seconds` before the loop goes to sleep (see _spin_us)."""
        spin_until = time.perf_counter() + seconds
        while not self.done and time.perf_counter() < spin_until:
            self.on_readable()

    def register(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        loop.add_reader(self._read_fd, self.on_readable)
        if self._pending:
            loop.add_writer(self._write_fd, self.on_writable)

    def unregister(self) -> None:
        """Take our callbacks off the loop (before our fds close)."""
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            loop.remove_reader(self._read_fd)
            loop.remove_writer(self._write_fd)

    async def wait(self) -> bool:
        """Wait until the exchange is done, even when cancelled; whether it was cancelled."""
        assert self._loop is not None
        cancelled = False
        while not self.done:
            self.waiter = self._loop.create_future()
            try:
                await self.waiter
            except asyncio.CancelledError:
                cancelled = True
        return cancelled


class WorkerProcess:
    """One worker slot: its process (if running), its pipes and the services placed on it.

    `request_sync` and `request_async` send one frame and return the one reply frame. Only
    one request is in flight at a time; the host's turns (`edge_agent.services.wasm.turns`)
    make sure of that.
    """

    def __init__(self, index: int, python: str, worker_config: dict[str, Any]) -> None:
        self.index = index
        self._python = python
        self._worker_config = worker_config
        self.proc: subprocess.Popen[bytes] | None = None
        self.corpse: Corpse | None = None
        """A process released but not yet buried (after a cancelled call killed it)."""
        self._to_worker = -1
        self._from_worker = -1
        self._stderr_fd = -1
        self._reader = abi.FrameReader()
        self._poll: Any = None
        self.memory_api = ""
        self._ready = False
        """Whether the current process said READY (a process that has not is not running yet)."""
        self.services: set[str] = set()
        """Names placed on this worker (loaded, or to be reloaded after a restart)."""
        self.loaded: set[str] = set()
        """Names loaded in the current process."""
        self._active: _Exchange | None = None
        """The async exchange whose callbacks are registered on our fds, if any."""
        self.starts = 0
        self.cap_in_force: bool | None = None
        """Whether the kernel applies the data-memory cap the process set on itself (None:
        no cap asked for, or its limits unreadable)."""

    @property
    def running(self) -> bool:
        """Whether the process is alive and has said READY."""
        return self._ready and self.proc is not None and self.proc.poll() is None

    @property
    def needs_burial(self) -> bool:
        """Whether a process (dead or alive) is still ours to end and reap."""
        return self.proc is not None or self.corpse is not None

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    # -- lifecycle --------------------------------------------------------------------------

    def spawn(self, die_with_parent: bool) -> None:
        """Start the process; the caller then reads its READY frame. Blocks (fork/exec).

        `die_with_parent`: the calling thread lives as long as the worker should (Linux's
        parent-death signal fires when the thread that forked exits).
        """
        if self.needs_burial:
            raise RuntimeError("bury the previous worker process first")
        fd = _stderr_file()
        config = dict(self._worker_config, spin_us=_spin_us(), die_with_parent=die_with_parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([*_worker_path(), *filter(None, [env.get("PYTHONPATH")])])
        for key, value in WORKER_MALLOC_ENV.items():
            env.setdefault(key, value)  # an operator's own setting wins
        try:
            proc = subprocess.Popen(
                # -P: not the working directory first on sys.path (`python -m` puts it there),
                # so a stray cbor2.py or edge_agent/ where the agent was started is not imported.
                # -S: no `site` (1.2 MB a worker): PYTHONPATH names the few places it imports from.
                [self._python, "-P", "-S", "-m", "edge_agent.services.wasm.worker", json.dumps(config)],
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
        assert proc.stdin is not None and proc.stdout is not None
        self._stderr_fd = fd
        self._to_worker = proc.stdin.fileno()
        self._from_worker = proc.stdout.fileno()
        os.set_blocking(self._to_worker, False)
        os.set_blocking(self._from_worker, False)
        self._reader = abi.FrameReader()
        self._poll = None
        self._ready = False
        self.loaded = set()
        self.starts += 1
        self.proc = proc

    def ready(self, frame: Any) -> None:
        """Take the worker's first frame; `Died` unless it is READY."""
        if not (isinstance(frame, list) and len(frame) > 2 and frame[0] == abi.READY):
            raise Died()
        self._ready = True
        self.memory_api = "m3_GetMemory" if frame[2] else "get_memory"
        self._check_cap()
        log.debug(
            "Wasm worker %d started (pid %s, memory via %s)", self.index, self.pid, self.memory_api
        )

    def _check_cap(self) -> None:
        """Warn (once per worker slot) when the cap the process set on itself is not in force:
        its services are then not held to the host's memory plan."""
        cap = self._worker_config.get("max_data_bytes")
        if not cap or self.pid is None:
            return
        was, self.cap_in_force = self.cap_in_force, cap_in_force(self.pid, int(cap))
        if self.cap_in_force is False and was is not False:
            log.warning(
                "Wasm worker %d (pid %s) runs without its memory cap of %d bytes: its "
                "/proc/PID/limits does not show it (an emulator such as qemu-user ignores "
                "RLIMIT_DATA), so its services may use more memory than planned",
                self.index, self.pid, cap,
            )

    def release(self) -> Corpse | None:
        """Close our ends of the pipes (failing an async exchange in flight) and hand over the
        process to be buried. Runs on the thread that drives the pipes; never blocks."""
        self._abort_async()
        corpse, self.corpse = self.corpse, None
        proc, self.proc = self.proc, None
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    try:
                        stream.close()
                    except OSError:
                        pass
            corpse = Corpse(self.index, proc, self._stderr_fd)
        self._stderr_fd = self._to_worker = self._from_worker = -1
        self._poll = None
        self._ready = False
        self._reader.clear()
        self.loaded = set()
        return corpse

    def abandon(self) -> None:
        """Kill the process now and leave it for the next operation to bury (never blocks)."""
        corpse = self.release()
        if corpse is not None:
            corpse.signal_kill()
        self.corpse = corpse

    def _abort_async(self) -> None:
        """Unregister the async exchange's callbacks before our fds close (and fail it)."""
        active, self._active = self._active, None
        if active is not None:
            active.unregister()
            active.finish(error=Died())

    # -- synchronous exchange ---------------------------------------------------------------

    def request_sync(self, frame: bytes | None, timeout: float) -> Any:
        """Send `frame` (None: just read) and wait for one reply frame; `Timeout` or `Died`."""
        if self.proc is None:
            raise Died()
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
            reply = _read_frame(fd, reader)
            if reply is not _NOTHING:
                return reply
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Timeout()
            if not poller.poll(max(1, int(remaining * 1000) + 1)):
                continue
            reply = _read_frame(fd, reader)
            if reply is not _NOTHING:
                return reply

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
                raise Died() from None
            if writer is None:
                writer = select.poll()
                writer.register(self._to_worker, select.POLLOUT)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise Timeout()
            writer.poll(max(1, int(remaining * 1000) + 1))

    # -- asynchronous exchange --------------------------------------------------------------

    async def request_async(self, frame: bytes | None, timeout: float) -> Any:
        """As `request_sync`, driven by the running loop; a cancelled caller still waits for
        the reply (bounded by `timeout`) so that the next request does not read it."""
        if self.proc is None:
            raise Died()
        loop = asyncio.get_running_loop()
        exchange = _Exchange(self._from_worker, self._to_worker, self._reader, frame)
        if frame and exchange.write():
            # The loop is held for at most WASM_ASYNC_SPIN_US.
            exchange.spin(min(_spin_us(), const.WASM_ASYNC_SPIN_US) / 1e6)
            if exchange.done:
                return exchange.outcome()
        exchange.register(loop)
        self._active = exchange
        timer = loop.call_later(timeout, lambda: exchange.finish(error=Timeout()))
        try:
            cancelled = await exchange.wait()
        finally:
            timer.cancel()
            if self._active is exchange:
                self._abort_async()
        if cancelled:
            if exchange.error is not None:
                # The worker is stuck or gone; let the next request find it dead.
                self.abandon()
            raise asyncio.CancelledError()
        return exchange.outcome()


_NOTHING = object()


def _read_frame(fd: int, reader: abi.FrameReader) -> Any:
    """Read what the worker's pipe holds: its first complete frame, or `_NOTHING` yet.

    A closed pipe or a garbled frame means the worker is gone (`Died`)."""
    try:
        chunk = os.read(fd, 1 << 16)
    except BlockingIOError:
        return _NOTHING
    except OSError:
        raise Died() from None
    if not chunk:
        raise Died()
    try:
        frames = reader.feed(chunk)
    except abi.FrameError:
        raise Died() from None
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


@functools.cache
def _worker_path() -> list[str]:
    """Where a worker finds what it imports without `site`: this package's root, and the
    directories holding cbor2, its C extension and wasm3 (found, not imported, here)."""
    dirs = [str(Path(__file__).resolve().parents[3])]
    for name in ("cbor2", "_cbor2", "wasm3"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        where = origin.parent.parent if spec.submodule_search_locations else origin.parent
        if str(where) not in dirs:
            dirs.append(str(where))
    return dirs
