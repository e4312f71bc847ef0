"""The Wasm service host: deploy modules and call them in isolated worker processes.

Two faces drive one core (`edge_agent.services.wasm.core`), and differ only in how they wait:

- `WasmHost` — synchronous, for the in-process simulator and scripts::

      with WasmHost(HostConfig(state_dir=...)) as host:
          info = host.deploy("greet", wasm_bytes, Limits(fuel=1_000_000))
          host.call("greet", "hello", ["Ada"])        # -> "Hello, Ada!"
          handler = host.handler("greet")              # a services.base.Handler

- `AsyncWasmHost` — the same API as coroutines, for the networked agent. It never blocks the
  event loop: the pipes are driven by the loop's reader and writer callbacks, validation and
  instrumentation run in the default executor, a worker starts (fork/exec) in a thread the
  host owns, and waiting for a worker to exit runs in a thread too.

Deploy = validate + instrument (pure, in this process) + load into a worker; a refused
module raises `ModuleRejected` and leaves every other service as it was. A call checks
its arguments here, runs in the worker, and either returns a JSON-like value or raises
`ServiceError` whose ret_code is one of `abi.CallErrorCode` (or the service's own code).
A call past its deadline — which counts the time it waited for its turn — or one that kills
the worker, fails, and the worker is replaced before the next request that needs it; the
replacement reloads its services (their linear memory starts afresh).

Each service lives in exactly one worker (so its memory is one state). While there are no
more services than workers (`HostConfig.workers`), each has a worker of its own, so one
service's spin or flood of calls cannot delay another's calls; beyond that, services share
workers, and a worker serves its services in turn (FIFO per service, round robin between
services). Calls to one service run one at a time, in arrival order, so a redeploy waits for
the calls that came before it and the calls after it see the new module. The number of
workers and each one's memory cap are fitted to the agent's cgroup memory limit
(`edge_agent.services.wasm.memory`).

Wasm never runs in this process (pywasm3 holds the GIL and cannot be interrupted).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from edge_agent.services.base import Handler, ServiceError
from edge_agent.services.wasm.abi import CallErrorCode, FunctionKind, FunctionSig
from edge_agent.services.wasm.core import (
    HOST_TURN,
    NO_REMAINS,
    Bury,
    Exchange,
    Hold,
    HostCore,
    Operation,
    Prepare,
    Run,
    Spawn,
    attempt,
    attempt_async,
)
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.limits import Limits
from edge_agent.services.wasm.memory import WorkerPlan
from edge_agent.services.wasm.process import Burial, Corpse, Remains
from edge_agent.services.wasm.replies import CallObserver
from edge_agent.services.wasm.service import HostConfig, ServiceInfo
from edge_agent.services.wasm.turns import LoopTurns, ThreadTurns

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

T = TypeVar("T")

AsyncHandler = Callable[[str, list[Any]], Awaitable[Any]]
"""The asynchronous counterpart of `edge_agent.services.base.Handler`."""

LimitsArg = Limits | Mapping[str, Any] | None


class _Face:
    """What both faces answer without I/O."""

    def __init__(self, config: HostConfig | None = None) -> None:
        self._core = HostCore(config if config is not None else HostConfig())

    @property
    def config(self) -> HostConfig:
        return self._core.config

    @property
    def plan(self) -> WorkerPlan:
        """The number of workers and each one's memory cap, as fitted to the memory limit."""
        return self._core.plan

    def services(self) -> dict[str, ServiceInfo]:
        """The deployed services by name."""
        return self._core.services()

    def worker_pids(self) -> list[int | None]:
        """Process id of each worker (None while it is not running)."""
        return self._core.worker_pids()

    def observe(self, observer: CallObserver | None) -> None:
        """Tell `observer` services' log lines and what each call used (None: nobody)."""
        self._core.observer = observer


def _bury_all(corpses: list[Corpse]) -> None:
    for corpse in corpses:
        corpse.bury(Burial.KILL)


# --- Synchronous host ----------------------------------------------------------------------


class WasmHost(_Face):
    """Deploy and call Wasm services from synchronous code; thread-safe; `close()` when done.

    Workers start on first use. Every method may block for up to the call's deadline
    (plus a worker restart after a failure).
    """

    def __init__(self, config: HostConfig | None = None) -> None:
        super().__init__(config)
        self._turns = [ThreadTurns() for _ in self._core.workers]
        self._perform_by_type: dict[type, Callable[[Run[Any], Any], Any]] = {
            Hold: self._hold,
            Prepare: lambda run, action: action.run(),
            Spawn: self._spawn,
            Exchange: lambda run, action: action.worker.request_sync(action.frame, action.timeout),
            Bury: self._bury,
        }

    def __enter__(self) -> WasmHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def deploy(self, name: str, wasm_bytes: bytes, limits: LimitsArg = None) -> ServiceInfo:
        """Validate, instrument and load a module as service `name` (replacing one of that name).

        Raises `ModuleRejected` (naming the problem) and leaves every service as it was.
        """
        return self._drive(self._core.deploy(name, wasm_bytes, limits))

    def call(
        self, name: str, function: str, args: list[Any] | tuple[Any, ...] = (), *, caller: str = "",
        stranger: bool = False,
    ) -> Any:
        """Call `function` of service `name` with `args` for `caller` (the peer id the service
        reads with `ea_caller`; "" for none; `stranger`: a call a `public` rule alone admits,
        whose KV writes have a budget); the value, or `ServiceError`."""
        return self._drive(self._core.call(name, function, args, caller, stranger))

    def remove(self, name: str) -> None:
        """Remove service `name` (no error if there is none)."""
        self._drive(self._core.remove(name))

    def handler(self, name: str) -> Handler:
        """A `Handler` that calls service `name` (whatever module is deployed under it then)."""

        def handle(function: str, args: list[Any]) -> Any:
            return self.call(name, function, args)

        return handle

    def stats(self) -> list[dict[str, Any]]:
        """Per running worker: index, pid, RSS in bytes, services loaded, memory access path."""
        return self._drive(self._core.stats())

    def close(self) -> None:
        """Stop every worker (after the calls in progress); idempotent."""
        if self._core.closed:
            return
        self._core.closed = True
        for worker, turns in zip(self._core.workers, self._turns, strict=True):
            turns.acquire(HOST_TURN)
            try:
                corpse = worker.release()
                if corpse is not None:
                    corpse.bury(Burial.STOP)
            finally:
                turns.release()

    def _drive(self, operation: Operation[T]) -> T:
        with Run(operation) as run:
            while not run.done:
                perform = self._perform_by_type[type(run.action)]
                run.resume(attempt(perform, run, run.action))
            return run.result  # type: ignore[return-value]

    def _hold(self, run: Run[Any], action: Hold) -> float:
        run.end_turn()
        turns = self._turns[action.worker.index]
        waited = turns.acquire(action.service, action.timeout)
        run.held = turns
        return waited

    @staticmethod
    def _spawn(run: Run[Any], action: Spawn) -> None:
        # The parent-death signal follows the forking thread: only the main thread is sure
        # to live as long as the worker should.
        action.worker.spawn(threading.current_thread() is threading.main_thread())

    @staticmethod
    def _bury(run: Run[Any], action: Bury) -> Remains:
        corpse = action.worker.release()
        return NO_REMAINS if corpse is None else corpse.bury(action.how)


# --- Asynchronous host ---------------------------------------------------------------------


class AsyncWasmHost(_Face):
    """`WasmHost` for asyncio code: the same methods as coroutines; never blocks the loop.

    Use from one event loop. ``await host.aclose()`` when done (idempotent).
    """

    def __init__(self, config: HostConfig | None = None) -> None:
        super().__init__(config)
        self._turns = [LoopTurns() for _ in self._core.workers]
        self._spawner: ThreadPoolExecutor | None = None
        """The thread every worker is started from: it lives as long as the host, so the
        workers' parent-death signal fires only when the agent dies."""
        self._perform_by_type: dict[type, Callable[[Run[Any], Any], Awaitable[Any]]] = {
            Hold: self._hold,
            Prepare: self._prepare,
            Spawn: self._spawn,
            Exchange: lambda run, action: action.worker.request_async(action.frame, action.timeout),
            Bury: self._bury,
        }

    async def __aenter__(self) -> AsyncWasmHost:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def deploy(self, name: str, wasm_bytes: bytes, limits: LimitsArg = None) -> ServiceInfo:
        """As `WasmHost.deploy`; validation and instrumentation run in the default executor."""
        return await self._drive(self._core.deploy(name, wasm_bytes, limits))

    async def call(
        self, name: str, function: str, args: list[Any] | tuple[Any, ...] = (), *, caller: str = "",
        stranger: bool = False,
    ) -> Any:
        """As `WasmHost.call`. Calls on different workers run in parallel."""
        return await self._drive(self._core.call(name, function, args, caller, stranger))

    async def remove(self, name: str) -> None:
        """As `WasmHost.remove`."""
        await self._drive(self._core.remove(name))

    def handler(self, name: str) -> AsyncHandler:
        """An `AsyncHandler` that calls service `name`."""

        async def handle(function: str, args: list[Any]) -> Any:
            return await self.call(name, function, args)

        return handle

    async def stats(self) -> list[dict[str, Any]]:
        """As `WasmHost.stats`."""
        return await self._drive(self._core.stats())

    async def aclose(self) -> None:
        """Stop every worker; idempotent. Calls in flight fail."""
        if self._core.closed:
            return
        self._core.closed = True
        await asyncio.to_thread(_bury_all, self._release_all())
        spawner, self._spawner = self._spawner, None
        if spawner is not None:
            await asyncio.to_thread(spawner.shutdown)  # a start in progress ends here ...
            await asyncio.to_thread(_bury_all, self._release_all())  # ... and its worker here

    def close(self) -> None:
        """Kill every worker at once (for shutdown paths that cannot await); idempotent."""
        self._core.closed = True
        _bury_all(self._release_all())
        spawner, self._spawner = self._spawner, None
        if spawner is not None:
            spawner.shutdown(wait=False)

    def _release_all(self) -> list[Corpse]:
        corpses = (worker.release() for worker in self._core.workers)
        return [corpse for corpse in corpses if corpse is not None]

    async def _drive(self, operation: Operation[T]) -> T:
        with Run(operation) as run:
            while not run.done:
                perform = self._perform_by_type[type(run.action)]
                run.resume(await attempt_async(perform(run, run.action)))
            return run.result  # type: ignore[return-value]

    async def _hold(self, run: Run[Any], action: Hold) -> float:
        run.end_turn()
        turns = self._turns[action.worker.index]
        waited = await turns.acquire(action.service, action.timeout)
        run.held = turns
        return waited

    @staticmethod
    async def _prepare(run: Run[Any], action: Prepare) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, action.run)

    async def _spawn(self, run: Run[Any], action: Spawn) -> None:
        if self._spawner is None:
            self._spawner = ThreadPoolExecutor(1, thread_name_prefix="edge-agent-wasm-spawn")
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._spawner, action.worker.spawn, True)

    @staticmethod
    async def _bury(run: Run[Any], action: Bury) -> Remains:
        corpse = action.worker.release()
        if corpse is None:
            return NO_REMAINS
        return await asyncio.to_thread(corpse.bury, action.how)
