"""The Wasm host's logic, written once for both faces: each operation is a generator of I/O actions.

An operation (deploy, call, remove, stats) yields what it needs done — take a turn on a
worker (`Hold`), validate and instrument a module (`Prepare`), start a worker process
(`Spawn`), send a frame and read the reply (`Exchange`), end a process (`Bury`) — and the face
that drives it (`WasmHost` by blocking, `AsyncWasmHost` by awaiting, see host.py) performs the
action and sends back its result, or throws its exception (`Timeout`, `Died`, `TimeoutError`,
`OSError`, `ModuleRejected`) into the generator. Every decision is made here: where a service
lives, when a worker is replaced and what it reloads, how long a call may still take, what a
reply means. Nothing here blocks, or touches a pipe, a thread or an event loop.

Placement: a service gets a worker of its own while one is free, so that one service's spin or
load cannot delay another's calls; with more services than workers, the least busy worker is
shared. A call's deadline counts the time it waits for its turn.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar, Union

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.wasm import abi, memory, replies
from edge_agent.services.wasm.abi import CallErrorCode, FunctionKind, FunctionSig
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.limits import Limits
from edge_agent.services.wasm.process import Burial, Died, Remains, Timeout, WorkerProcess
from edge_agent.services.wasm.service import HostConfig, Prepared, ServiceInfo, check_name, prepare

log = logging.getLogger(__name__)

T = TypeVar("T")

HOST_TURN = ""
"""The service name the host's own requests (stats) queue under: no service has it."""

_STATS_TIMEOUT_S = 5.0


# --- Actions -------------------------------------------------------------------------------
# Immutable messages, as NamedTuples rather than frozen dataclasses: a call makes two of them,
# and a tuple is built three times faster.


class Hold(NamedTuple):
    """Take a turn on `worker` for `service`; result: the seconds waited (`TimeoutError` once
    `timeout` seconds pass first). An operation holds one turn at a time: the driver ends the
    previous one when it takes the next, and the last one when the operation ends."""

    worker: WorkerProcess
    service: str
    timeout: float | None = None


class Prepare(NamedTuple):
    """Validate and instrument a module (CPU work, no I/O); result: `Prepared`."""

    name: str
    data: bytes
    limits: Limits
    config: HostConfig

    def run(self) -> Prepared:
        return prepare(self.name, self.data, self.limits, self.config)


class Spawn(NamedTuple):
    """Start `worker`'s process (fork/exec: blocks); result None, or `OSError`."""

    worker: WorkerProcess


class Exchange(NamedTuple):
    """Send `frame` to `worker` (None: send nothing) and return its reply frame; `Timeout`
    after `timeout` seconds, `Died` if the pipe closes."""

    worker: WorkerProcess
    frame: bytes | None
    timeout: float


class Bury(NamedTuple):
    """Release `worker`'s process (on the driving thread) and end it as `how` says (may block:
    a thread's work); result: its `Remains`."""

    worker: WorkerProcess
    how: Burial


Action = Union[Hold, Prepare, Spawn, Exchange, Bury]
Operation = Generator[Action, Any, T]

NO_REMAINS = Remains(None, "")


class Run(Generic[T]):
    """One operation being driven: the action it waits for, the turn it holds, its result."""

    def __init__(self, operation: Operation[T]) -> None:
        self._operation = operation
        self.done = False
        self.result: T | None = None
        self.action: Action | None = None
        """What the operation waits for (None once it is done)."""
        self.held: Any = None
        """The turns object whose turn this operation holds (it has `release()`), or None."""
        self._advance(operation.send, None)

    def __enter__(self) -> Run[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, value: Any) -> None:
        """Resume the operation with the result of its action."""
        self._advance(self._operation.send, value)

    def throw(self, exc: BaseException) -> None:
        """Resume the operation with the exception its action raised."""
        self._advance(self._operation.throw, exc)

    def resume(self, outcome: tuple[Any, Exception | None]) -> None:
        """Resume the operation with what `attempt` or `attempt_async` got."""
        value, error = outcome
        if error is not None:
            self.throw(error)
        else:
            self.send(value)

    def _advance(self, step: Callable[[Any], Action], value: Any) -> None:
        try:
            self.action = step(value)
        except StopIteration as stop:
            self.done, self.result, self.action = True, stop.value, None

    def end_turn(self) -> None:
        held, self.held = self.held, None
        if held is not None:
            held.release()

    def close(self) -> None:
        """End the operation (if it did not finish) and its turn."""
        self._operation.close()
        self.end_turn()


def attempt(perform: Callable[..., Any], *args: Any) -> tuple[Any, Exception | None]:
    """Perform an action by blocking: its result, or the exception to throw into the operation."""
    try:
        return perform(*args), None
    except Exception as exc:
        return None, exc


async def attempt_async(performing: Awaitable[Any]) -> tuple[Any, Exception | None]:
    """Perform an action by awaiting: its result, or the exception to throw into the operation."""
    try:
        return await performing, None
    except Exception as exc:
        return None, exc


# --- The host's state and operations -------------------------------------------------------


@dataclass(slots=True)
class Record:
    """A deployed service as the host keeps it."""

    prepared: Prepared
    broken: str | None = None
    """Why the service cannot run after its worker was replaced (reload failed), else None."""

    @property
    def info(self) -> ServiceInfo:
        return self.prepared.info


class HostCore:
    """State and operations shared by the synchronous and asynchronous hosts."""

    def __init__(self, config: HostConfig) -> None:
        self.config = config
        self.observer: replies.CallObserver | None = None
        """Hears services' log lines and what each call used (`_Face.observe`)."""
        budget = config.memory_budget_bytes
        if budget is None:
            budget = memory.cgroup_memory_max()
        self.plan = memory.plan(config.workers, config.worker_memory_bytes, budget)
        if self.plan.note:
            log.warning("%s", self.plan.note)
        worker_config = {
            "cpu_temperature_path": config.cpu_temperature_path,
            "max_data_bytes": self.plan.memory_bytes,
        }
        self.workers = [
            WorkerProcess(i, config.python, worker_config) for i in range(self.plan.workers)
        ]
        self.records: dict[str, Record] = {}
        self.closed = False
        self._calls: Counter[str] = Counter()
        """Calls in progress (waiting for a turn, or running) by service."""
        self._strangers_calls: Counter[str] = Counter()
        """Of those, strangers' calls."""
        self._calls_since_check: dict[int, int] = {}
        """Calls each worker answered since its memory was last checked (`_check_memory`)."""
        self._held_at_first_check: dict[int, tuple[int | None, int]] = {}
        """Each worker's process id and the bytes it held besides its services' memories at
        its first check."""

    # -- bookkeeping ------------------------------------------------------------------------

    def services(self) -> dict[str, ServiceInfo]:
        """The deployed services by name."""
        return {name: record.info for name, record in self.records.items()}

    def worker_pids(self) -> list[int | None]:
        """Process id of each worker (None while it is not running)."""
        return [w.pid if w.running else None for w in self.workers]

    def check_open(self) -> None:
        if self.closed:
            raise RuntimeError("the Wasm host is closed")

    def limits(self, limits: Limits | Mapping[str, Any] | None) -> Limits:
        if isinstance(limits, Limits):
            return limits
        return Limits.from_mapping(limits, base=self.config.default_limits)

    def place(self, name: str) -> WorkerProcess:
        """The worker `name` lives in, or the one a new service goes to: an empty one if any,
        else the one with the fewest services."""
        record = self.records.get(name)
        if record is not None:
            return self.workers[record.info.worker]
        return min(self.workers, key=lambda w: (len(w.services), w.index))

    def lookup(self, name: str, function: str) -> tuple[Record, FunctionSig]:
        """The service and the signature of `function`, or the `ServiceError` a caller gets."""
        record = self.records.get(name)
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
            raise replies.unavailable(name, record.broken)
        return record, sig

    def _check_room(self, prepared: Prepared) -> None:
        need, room = prepared.info.memory_need, self.plan.service_room
        if need > room:
            raise ModuleRejected(
                f"module {prepared.info.name!r} may need {need // 2**20} MiB (its memory maximum, "
                f"stack and code) but a Wasm worker has {room // 2**20} MiB for services: lower "
                "its memory maximum, or raise wasm.worker_memory_bytes"
            )

    # -- frames -----------------------------------------------------------------------------

    @staticmethod
    def _call_frame(record: Record, sig: FunctionSig, args: Any, caller: str, stranger: bool) -> bytes:
        """The OP_CALL frame; `caller` is the peer id `ea_caller` gives the service ("" none),
        `stranger` whether it is a stranger's call (its KV writes have a budget: `KVWear`)."""
        label = f"{record.info.name}.{sig.name}"
        try:
            if sig.kind is FunctionKind.CBOR:
                payload: Any = abi.encode_args(label, args, record.info.limits.max_args_bytes)
            else:
                payload = abi.check_numeric_args(label, sig.params, args)
        except abi.ArgumentError as exc:
            raise ServiceError(str(exc), CallErrorCode.ARGUMENTS) from None
        return abi.encode_frame([abi.OP_CALL, record.info.name, sig.name, payload, caller, stranger])

    @staticmethod
    def _load_frame(prepared: Prepared, reload: bool = False) -> bytes:
        """The OP_LOAD frame; `reload` for a worker that replaces one: the service's budget of
        strangers' KV writes (`host_imports.KVWear`) then starts empty, not full, so that
        making its worker crash or be replaced never gives strangers a fresh burst."""
        config = {**prepared.load_config, "reload": True} if reload else prepared.load_config
        return abi.encode_frame([abi.OP_LOAD, prepared.info.name, prepared.wasm, config])

    # -- operations -------------------------------------------------------------------------

    def deploy(
        self, name: str, data: bytes, limits: Limits | Mapping[str, Any] | None
    ) -> Operation[ServiceInfo]:
        """Validate, instrument and load a module as service `name` (replacing one of that name);
        `ModuleRejected` leaves every service as it was."""
        self.check_open()
        parsed = self.limits(limits)
        check_name(name)
        prepared: Prepared = yield Prepare(name, data, parsed, self.config)
        self._check_room(prepared)
        worker, _ = yield from self._hold(name, self.place)
        yield from self._ensure_running(worker)
        prepared = prepared.placed(worker.index)
        try:
            reply = yield Exchange(worker, self._load_frame(prepared), const.WASM_LOAD_DEADLINE_MS / 1000)
        except Timeout:
            yield Bury(worker, Burial.KILL)
            raise replies.load_timeout(name) from None
        except Died:
            remains = yield Bury(worker, Burial.REAP)
            raise replies.load_crash(name, remains.status) from None
        failure = replies.load_failure(name, reply)
        if failure is not None:
            raise failure
        self.records[name] = Record(prepared)
        worker.services.add(name)
        worker.loaded.add(name)
        info = prepared.info
        log.info("deployed Wasm service %s (%d bytes, sha256 %s)", name, info.size, info.sha256[:16])
        return info

    def call(
        self, name: str, function: str, args: list[Any] | tuple[Any, ...], caller: str = "",
        stranger: bool = False,
    ) -> Operation[Any]:
        """Call `function` of service `name` for `caller` (a peer id, "" for none; `stranger`:
        admitted by a `public` rule alone); the value, or `ServiceError`."""
        self.check_open()
        record, sig = self.lookup(name, function)
        self._take_call(name, function, stranger)
        try:
            return (yield from self._call(record, sig, args, caller, stranger))
        finally:
            self._drop_call(name, stranger)

    def _take_call(self, name: str, function: str, stranger: bool) -> None:
        """Count a call of `name` in progress, or refuse it (ret_code 9) if the service has
        as many as it may (`const.WASM_MAX_CALLS_PER_SERVICE`; strangers' share
        `WASM_MAX_STRANGER_CALLS_PER_SERVICE`)."""
        busy = self._calls[name] >= const.WASM_MAX_CALLS_PER_SERVICE
        if stranger and self._strangers_calls[name] >= const.WASM_MAX_STRANGER_CALLS_PER_SERVICE:
            busy, whose = True, f"{self._strangers_calls[name]} calls of strangers"
        else:
            whose = f"{self._calls[name]} calls"
        if busy:
            raise ServiceError(
                f"{name}.{function}: {whose} of {name} are in progress here already; it did not run",
                CallErrorCode.UNAVAILABLE,
            )
        self._calls[name] += 1
        self._strangers_calls[name] += stranger

    def _drop_call(self, name: str, stranger: bool) -> None:
        for counter, one in ((self._calls, 1), (self._strangers_calls, int(stranger))):
            counter[name] -= one
            if counter[name] <= 0:
                del counter[name]

    def _call(
        self, record: Record, sig: FunctionSig, args: Any, caller: str, stranger: bool
    ) -> Operation[Any]:
        name, function = record.info.name, sig.name
        # Numbers are checked before any waiting; a CBOR argument list (up to 1 MiB) is
        # encoded only once the call's turn comes, so calls that wait hold no frames.
        frame = None
        if sig.kind is not FunctionKind.CBOR:
            frame = self._call_frame(record, sig, args, caller, stranger)
        try:
            worker, waited = yield from self._hold(
                name, self._worker_of, record.info.limits.deadline_s
            )
        except TimeoutError:
            raise replies.deadline_error(record.info, function, ran=False) from None
        if self.records.get(name) is not record:  # a redeploy came first
            record, sig = self.lookup(name, function)
            frame = None
        if frame is None:
            frame = self._call_frame(record, sig, args, caller, stranger)
        if not worker.running or worker.services - worker.loaded:
            yield from self._ensure_running(worker)
        info = record.info
        if record.broken is not None:
            raise replies.unavailable(name, record.broken)
        budget = info.limits.deadline_s - waited
        if budget <= 0:
            raise replies.deadline_error(info, function, ran=False)
        try:
            reply = yield Exchange(worker, frame, budget)
        except Timeout:
            yield Bury(worker, Burial.KILL)
            raise replies.deadline_error(info, function) from None
        except Died:
            if self.closed:
                raise replies.closed_error(info, function) from None
            remains = yield Bury(worker, Burial.REAP)
            raise replies.crash_error(info, function, remains.status) from None
        yield from self._check_memory(worker)
        return replies.outcome(info, function, reply, self.observer)

    def _check_memory(self, worker: WorkerProcess) -> Operation[None]:
        """Every `WASM_MEMORY_CHECK_EVERY` calls, between two calls (this one's turn still
        held): replace the worker once what it holds besides its services' memories grew by
        `WASM_RECYCLE_GROWTH_BYTES` since its first check. pywasm3 0.5.0 never frees what a
        host import call allocates (its argument tuple and result: 64-320 bytes a call), so
        a service polled for its sensor or KV store would otherwise run its worker out of
        memory in the middle of a call (MemoryError, ret_code 7) every day or so. The
        services lose what their memory held, as after a crash, but no call fails; the next
        call starts a new worker."""
        count = self._calls_since_check.get(worker.index, 0) + 1
        self._calls_since_check[worker.index] = count % const.WASM_MEMORY_CHECK_EVERY
        if count < const.WASM_MEMORY_CHECK_EVERY:
            return
        stats = (yield from self._worker_stats(worker)) or {}
        rss, wasm = stats.get("rss_bytes"), stats.get("wasm_memory_bytes")
        if type(rss) is not int or type(wasm) is not int:
            return
        held = rss - wasm
        pid, first = self._held_at_first_check.get(worker.index, (None, held))
        if pid != worker.pid:  # a new process: this is its first check
            self._held_at_first_check[worker.index] = (worker.pid, held)
            return
        if held - first > const.WASM_RECYCLE_GROWTH_BYTES:
            log.info(
                "Wasm worker %d grew by %d MiB besides its services' memories (pywasm3 keeps what "
                "host calls allocate): replacing it; its services start afresh",
                worker.index, (held - first) >> 20,
            )
            yield Bury(worker, Burial.STOP)

    def remove(self, name: str) -> Operation[None]:
        """Remove service `name` (no error if there is none); a worker left without services stops."""
        self.check_open()
        if name not in self.records:
            return
        try:
            worker, _ = yield from self._hold(name, self._worker_of)
        except ServiceError:  # removed while we waited
            return
        del self.records[name]
        worker.services.discard(name)
        if not worker.services:
            if worker.needs_burial:
                yield Bury(worker, Burial.STOP)
            return
        if worker.running and name in worker.loaded:
            worker.loaded.discard(name)
            frame = abi.encode_frame([abi.OP_REMOVE, name])
            try:
                yield Exchange(worker, frame, const.WASM_LOAD_DEADLINE_MS / 1000)
            except (Timeout, Died):
                yield Bury(worker, Burial.KILL)

    def stats(self) -> Operation[list[dict[str, Any]]]:
        """Per running worker: index, pid, RSS in bytes, services loaded, memory access path,
        and whether its memory cap is in force."""
        out = []
        for worker in self.workers:
            if not worker.running:
                continue
            yield Hold(worker, HOST_TURN)
            if not worker.running:
                continue
            stats = yield from self._worker_stats(worker)
            if stats is not None:
                out.append(dict(stats, worker=worker.index, memory_cap_in_force=worker.cap_in_force))
        return out

    def _worker_stats(self, worker: WorkerProcess) -> Operation[dict[str, Any] | None]:
        """The worker's answer to OP_STATS (its turn held); None if it gave none, and a
        worker that does not answer in time is killed."""
        try:
            reply = yield Exchange(worker, abi.encode_frame([abi.OP_STATS]), _STATS_TIMEOUT_S)
        except (Timeout, Died):
            yield Bury(worker, Burial.KILL)
            return None
        if isinstance(reply, list) and len(reply) > 1 and reply[0] == abi.OK and isinstance(reply[1], dict):
            return reply[1]
        return None

    # -- steps of the operations ------------------------------------------------------------

    def _worker_of(self, name: str) -> WorkerProcess:
        record = self.records.get(name)
        if record is None:
            raise ServiceError(
                f"no Wasm service named {name!r} is deployed here", CallErrorCode.NOT_FOUND
            )
        return self.workers[record.info.worker]

    def _hold(
        self, name: str, locate: Callable[[str], WorkerProcess], timeout: float | None = None
    ) -> Operation[tuple[WorkerProcess, float]]:
        """Take a turn on the worker `locate(name)` names, again if it changed while we waited
        (a concurrent remove and deploy); the worker and the seconds waited in all."""
        waited = 0.0
        worker = locate(name)
        while True:
            left = None if timeout is None else timeout - waited
            if left is not None and left <= 0:
                raise TimeoutError()
            waited += yield Hold(worker, name, left)
            self.check_open()
            where = locate(name)
            if where is worker:
                return worker, waited
            worker = where

    def _ensure_running(self, worker: WorkerProcess) -> Operation[None]:
        """Start the worker if it is not running, and load the services placed on it that it
        has not loaded (all of them after a restart; their memory starts afresh)."""
        while not worker.running:
            if worker.needs_burial:
                remains = yield Bury(worker, Burial.KILL)
                log.warning(
                    "Wasm worker %d had died (%s); starting a new one",
                    worker.index,
                    replies.describe_status(remains.status),
                )
            self.check_open()
            worker.loaded.clear()  # a fresh process has nothing loaded
            try:
                yield Spawn(worker)
                worker.ready((yield Exchange(worker, None, const.WASM_WORKER_START_TIMEOUT_S)))
            except (OSError, Timeout, Died) as exc:
                remains = yield Bury(worker, Burial.KILL)
                raise replies.start_error(worker.index, exc, remains.last_words) from None
        for name in sorted(worker.services - worker.loaded):
            record = self.records.get(name)
            if record is None or record.broken is not None:
                continue
            try:
                reply = yield Exchange(
                    worker, self._load_frame(record.prepared, reload=True), const.WASM_LOAD_DEADLINE_MS / 1000
                )
            except (Timeout, Died):
                # It kills or hangs a fresh worker: start yet another one, without it.
                record.broken = "reloading it into a fresh worker killed or hung that worker; redeploy it"
                log.warning("Wasm service %s is unavailable: %s", name, record.broken)
                yield Bury(worker, Burial.KILL)
                yield from self._ensure_running(worker)
                return
            failure = replies.load_failure(name, reply)
            if failure is not None:
                record.broken = f"{failure}; redeploy it"
                log.warning("Wasm service %s is unavailable: %s", name, record.broken)
            else:
                worker.loaded.add(name)
