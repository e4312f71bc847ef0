"""Updates of a deployed service: health-gated, watched, and switched back by the device itself.

What `srv.deploy` with ``{"update": true}``, `srv.rollback` and `srv.history` do (docs/fleet.md,
"Updates and rollbacks"). An update, holding the services' change lock:

1. *staged*: the new module is loaded under a staging name whose KV store is a copy of the
   service's (validating it; a refused module changes nothing);
2. *migrated*: if it exports ``migrate``, the service's calls are held (`call_gate`: new ones
   wait, running ones end), the copy is taken again, and ``migrate(from_version)`` runs there,
   on the copy; a failure (or an answer of false or 0) ends the update with nothing changed.
   The held calls go on once step 6 is done (or failed): a write of the old version can
   never land between the copy and the switch, where it would be lost;
3. *module-stored*: the module file is written;
4. *committed*: the registry record names the new version, its history the old one as
   PREVIOUS (and, after a migration, where the migrated KV file waits) -- one atomic write;
5. *kv-switched*: the migrated KV file is renamed over the service's own;
6. *switched*: the host serves the new module;
7. *checked*: its ``health`` export (or the `--check` smoke call) runs; failing more than the
   threshold switches back at once;
8. the watch: for the window, the check runs every `const.UPDATE_CHECK_INTERVAL_MS` and the
   traps, fuel exhaustions, deadlines and crashes of real calls count too; past the threshold the
   device switches back to the version it replaced (FAILED, with why); at the end it keeps it.

A power cut before 4 leaves the old version serving after a restart, after it the new one
(`recover` finishes step 5, and a watch cut short starts again for what is left of its
window). For the tests that prove it, ``EDGE_AGENT_TEST_KILL_AT=STEP`` makes the agent SIGKILL
itself when it reaches STEP (a name above, or *rolled-back*); nothing else reads it.

A rollback keeps the KV data as it is: a version rolled back to after a migration reads the
migrated data.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import shutil
import signal
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from edge_agent import const
from edge_agent.access import AccessRule
from edge_agent.kvstore import KV_FILE
from edge_agent.services.base import RET_BAD_REQUEST, RET_MODULE_REFUSED, ServiceError
from edge_agent.services.wasm.abi import CallErrorCode
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.limits import Limits
from edge_agent.statefile import atomic_write, fsync_dir
from edge_agent.store import KV_DIR, ServiceRecord, StateDir, StoreError
from edge_agent.versions import BadHistory, Check, History, Version, VersionState, is_healthy

if TYPE_CHECKING:
    from edge_agent.services.local import LocalServices

log = logging.getLogger(__name__)

KILL_AT_ENV = "EDGE_AGENT_TEST_KILL_AT"
STAGE_PREFIX = "_stage-"
"""Staging service names start with this; srv.deploy refuses such names."""
WATCHED_FAILURES = frozenset(
    {CallErrorCode.TRAP, CallErrorCode.OUT_OF_FUEL, CallErrorCode.DEADLINE, CallErrorCode.CRASHED}
)
"""The ret_codes of a real call that count against a watched version."""


@dataclass(frozen=True, slots=True)
class UpdatePlan:
    """What srv.deploy's options ask of an update."""

    check: Check | None = None
    """The smoke call (`--check`); None runs the `health` export if the module has one."""
    watch_ms: int = const.UPDATE_DEFAULT_WATCH_MS
    max_failures: int = 0


def plan_from_options(options: dict[str, Any]) -> UpdatePlan:
    """The update srv.deploy's options describe (`ServiceError` ret_code 15 if they are bad)."""
    try:
        check = options.get("check")
        watch = options.get("watch_ms", const.UPDATE_DEFAULT_WATCH_MS)
        most = options.get("max_failures", 0)
        if type(watch) is not int or not 0 <= watch <= const.UPDATE_MAX_WATCH_MS:
            raise ValueError(f"watch_ms must be 0 to {const.UPDATE_MAX_WATCH_MS}")
        if type(most) is not int or not 0 <= most <= const.UPDATE_MAX_FAILURES:
            raise ValueError(f"max_failures must be 0 to {const.UPDATE_MAX_FAILURES}")
        if check is not None:
            if not (isinstance(check, list) and len(check) == 2 and isinstance(check[1], list)):
                raise ValueError('check must be [function, [args...]], e.g. ["add", [1, 2]]')
            check = Check(check[0], tuple(check[1]), smoke=True)
    except ValueError as exc:
        raise ServiceError(f"srv.deploy: {exc}", ret_code=RET_BAD_REQUEST) from None
    return UpdatePlan(check, watch, most)


def history_of(record: ServiceRecord) -> History:
    """The versions a registry record keeps (a record from before versions: its module as v1)."""
    stored = record.info.get("versions")
    if stored is not None:
        with contextlib.suppress(BadHistory):
            history = History.from_json(stored)
            if history.current is not None and history.current.module == record.module_sha256:
                return history
        log.error("service %s: its version history cannot be read; starting it again", record.name)
    first = Version(1, record.module_sha256, record.limits, record.access.text, record.deployed_at_ms)
    return History((first,))


def stage_name(name: str) -> str:
    """The staging service (and KV directory) of an update of `name`."""
    return STAGE_PREFIX + hashlib.sha256(name.encode()).hexdigest()[:16]


def step(name: str) -> None:
    """Mark a step of an update: the agent kills itself here if the tests ask (module doc)."""
    if os.environ.get(KILL_AT_ENV) == name:
        log.warning("%s=%s: killing this agent (SIGKILL)", KILL_AT_ENV, name)
        os.kill(os.getpid(), signal.SIGKILL)


class Updates:
    """Versions of `services`' Wasm services: update, rollback, history, watches, recovery."""

    def __init__(self, services: LocalServices, keep: int = const.DEFAULT_KEEP_VERSIONS) -> None:
        self.services = services
        self.keep = keep
        self._watches: dict[str, asyncio.Task[None]] = {}
        self._failures: dict[str, list[str]] = {}
        """Per watched service: why each failure (beyond the checks') counted."""
        self._wake: dict[str, asyncio.Event] = {}
        self.recent: deque[dict[str, Any]] = deque(maxlen=const.UPDATE_RECENT_ROLLBACKS)
        """The latest automatic rollbacks, for /status."""

    @property
    def state(self) -> StateDir:
        return self.services.state

    # --- update ----------------------------------------------------------------------------

    async def update(
        self, previous: ServiceRecord, wasm: bytes, limits: Limits, limits_record: dict[str, int],
        access: AccessRule, *, by: str, plan: UpdatePlan,
    ) -> dict[str, Any]:
        """Steps 1-7 of the module docstring (the caller holds the change lock); starts the watch."""
        name, host = previous.name, self.services.host
        history = history_of(previous)
        current = history.current
        assert current is not None
        try:  # a migrating update holds the service's calls from its KV copy to the switch
            migrated, functions = await self._stage(name, wasm, limits, current.number)
            try:
                await asyncio.to_thread(self.state.put_module, wasm)
            except (StoreError, OSError) as exc:
                raise ServiceError(f"could not store the module: {exc}") from None
            step("module-stored")
            now = self.services.clock_ms()
            number = history.next_number()
            check = plan.check if plan.check is not None or "health" not in functions else Check()
            version = Version(
                number, hashlib.sha256(wasm).hexdigest(), limits_record, access.text, now, by,
                VersionState.WATCHING,
                watch_until_ms=now + plan.watch_ms, check=check, max_failures=plan.max_failures,
                replaced=current.number,
            )
            history = history.added(version, self.keep, now)
            info: dict[str, Any] = {"size": len(wasm), "versions": history.to_json()}
            if migrated:
                info["kv_from"] = stage_name(name)
            record = ServiceRecord(name, version.module, limits_record, now, info, access)
            await self._commit(record)
            step("committed")
            with contextlib.suppress(StoreError, OSError):  # the modules of versions no longer kept
                await asyncio.to_thread(self.state.remove_unused_modules)
            if migrated:
                await self._finish_kv(record)
                step("kv-switched")
            self._failures[name] = []
            try:
                served = await host.deploy(name, wasm, limits)
            except (ModuleRejected, ServiceError) as exc:
                await self._switch_back(name, number, f"could not be loaded: {exc}")
                raise ServiceError(f"{name}: version {number} could not be loaded ({exc}); "
                                   f"version {current.number} serves again") from None
            step("switched")
        finally:
            self.services.gate.release(name)
        reason = await self._check(name, check) if check is not None else None
        failures = self._failures[name]
        failures.extend([reason] if reason is not None else [])
        if len(failures) > plan.max_failures:
            await self._switch_back(name, number, failures[-1])
        else:
            step("checked")
            if plan.watch_ms > 0:
                self._start_watch(name)
            else:
                await self._keep(name, number)
        serving = self.services.host.services().get(name, served)
        answer = self.services.describe(serving, (await self.services.registry())[name])
        return {**answer, **self.outcome(name, number), "migrated": migrated}

    async def _stage(
        self, name: str, wasm: bytes, limits: Limits, from_version: int
    ) -> tuple[bool, frozenset[str]]:
        """Steps 1-2: load the module under the staging name on a copy of the KV data and run
        its migration there; whether it had one, and its functions. Nothing is left behind on
        failure."""
        host, stage = self.services.host, stage_name(name)
        await asyncio.to_thread(_copy_kv, self.state, name, stage)
        migrated = False
        try:
            try:
                staged = await host.deploy(stage, wasm, limits)
            except ModuleRejected as exc:
                raise ServiceError(f"module refused: {exc}", ret_code=RET_MODULE_REFUSED) from None
            step("staged")
            if "migrate" in staged.functions:
                migrated = True
                # The old version serves until the switch, and what it writes from the copy on
                # would be lost with its file: its calls wait (`call_gate`), then copy again.
                await self.services.gate.hold(name)
                await asyncio.to_thread(_refresh_kv, self.state, name, stage)
                why = await self._check(stage, Check("migrate", (from_version,)))
                if why is not None:
                    raise ServiceError(
                        f"the migration of {name} failed, nothing changed (version {from_version} "
                        f"still serves): {why.replace(stage, name)}"
                    )
                step("migrated")
        except BaseException:
            with contextlib.suppress(Exception):
                await host.remove(stage)
            await asyncio.to_thread(_remove_kv_dir, self.state, stage)
            raise
        await host.remove(stage)
        if not migrated:
            await asyncio.to_thread(_remove_kv_dir, self.state, stage)
        return migrated, frozenset(staged.functions)

    async def _check(self, name: str, check: Check) -> str | None:
        """Run `check` on service `name`: None if it passed, else why not."""
        try:
            value = await self.services.host.call(name, check.function, list(check.args))
        except ServiceError as exc:
            return f"{check.function} failed: {exc.message}"
        if not is_healthy(check, value):
            return f"{check.function} answered {value!r}"
        return None

    async def _commit(self, record: ServiceRecord) -> None:
        """Write `record` to services.json (atomic) and keep it as the registry's in memory."""
        await self.services.registry()  # read, so that set_record keeps the other services
        try:
            await asyncio.to_thread(self.state.put_service, record)
        except (StoreError, OSError) as exc:
            raise ServiceError(f"could not store the service: {exc}") from None
        self.services.set_record(record)

    async def _finish_kv(self, record: ServiceRecord) -> ServiceRecord:
        """Step 5: the migrated KV file in place, and the record without its pointer to it."""
        stage = record.info.get("kv_from")
        if isinstance(stage, str) and stage.startswith(STAGE_PREFIX):
            await asyncio.to_thread(_move_kv, self.state, stage, record.name)
        info = {k: v for k, v in record.info.items() if k != "kv_from"}
        done = ServiceRecord(record.name, record.module_sha256, record.limits, record.deployed_at_ms,
                             info, record.access)
        await self._commit(done)
        return done

    def outcome(self, name: str, number: int) -> dict[str, Any]:
        """Where version `number` of `name` stands, for the deploy's answer."""
        record = self.services.registry_now().get(name)
        version = history_of(record).get(number) if record is not None else None
        if version is None:
            return {"version": number, "state": "gone", "rolled_back": False, "reason": ""}
        return {
            "version": number, "replaced": version.replaced, "state": version.state.value,
            "rolled_back": version.state is VersionState.FAILED, "reason": version.reason,
            "watch_until_ms": version.watch_until_ms,
        }

    # --- the watch -------------------------------------------------------------------------

    def observe(self, service: str, exc: ServiceError) -> None:
        """A real call of `service` failed: a trap, fuel, deadline or crash counts if it is
        watched. The caller passes only calls that ran, made by callers that are not
        strangers (`LocalServices._dispatch`)."""
        failures = self._failures.get(service)
        if failures is None or service not in self._watches or exc.ret_code not in WATCHED_FAILURES:
            return
        failures.append(f"a call failed: {exc.message}"[: const.UPDATE_MAX_REASON_CHARS])
        wake = self._wake.get(service)
        if wake is not None:
            wake.set()

    def _start_watch(self, name: str) -> None:
        old = self._watches.pop(name, None)
        if old is not None:
            old.cancel()
        self._wake[name] = asyncio.Event()
        self._failures.setdefault(name, [])
        task = asyncio.get_running_loop().create_task(self._watch(name), name=f"watch-{name}")
        self._watches[name] = task
        task.add_done_callback(lambda t: self._watch_ended(name, t))

    def _watch_ended(self, name: str, task: asyncio.Task[None]) -> None:
        if self._watches.get(name) is task:
            del self._watches[name]
            self._wake.pop(name, None)
            self._failures.pop(name, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("the watch of service %s failed: %r", name, task.exception())

    async def _watch(self, name: str) -> None:
        """Step 8, until the window ends, the version fails, or something else replaces it."""
        while True:
            record = self.services.registry_now().get(name)
            version = history_of(record).current if record is not None else None
            if version is None or version.state is not VersionState.WATCHING:
                return
            failures = self._failures.setdefault(name, [])
            if len(failures) > version.max_failures:
                await self._locked_switch_back(name, version.number, failures[-1])
                return
            left_ms = version.watch_until_ms - self.services.clock_ms()
            if left_ms <= 0:
                async with self.services.changing:
                    await self._keep(name, version.number)
                return
            wake = self._wake.setdefault(name, asyncio.Event())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), min(left_ms, const.UPDATE_CHECK_INTERVAL_MS) / 1000)
            wake.clear()
            if version.check is not None and self.services.clock_ms() < version.watch_until_ms:
                why = await self._check(name, version.check)
                if why is not None:
                    failures.append(why)

    async def _keep(self, name: str, number: int) -> None:
        """Version `number`, watched, is kept (if it still serves)."""
        record = self.services.registry_now().get(name)
        if record is None:
            return
        history = history_of(record)
        current = history.current
        if current is None or current.number != number or current.state is not VersionState.WATCHING:
            return
        info = {**record.info, "versions": history.kept(number).to_json()}
        await self._commit(ServiceRecord(name, record.module_sha256, record.limits, record.deployed_at_ms,
                                         info, record.access))
        log.info("service %s: version %d passed its watch and is kept", name, number)

    async def _locked_switch_back(self, name: str, number: int, reason: str) -> None:
        async with self.services.changing:
            await self._switch_back(name, number, reason)

    async def _switch_back(self, name: str, number: int, reason: str) -> None:
        """Version `number` failed: the version it replaced serves again (FAILED, `reason`)."""
        record = self.services.registry_now().get(name)
        if record is None:
            return
        history = history_of(record)
        current = history.current
        if current is None or current.number != number or history.get(current.replaced) is None:
            log.error("service %s: version %d failed (%s) and there is no version to go back to",
                      name, number, reason)
            return
        await self._switch(record, history, current.replaced, VersionState.FAILED, reason)
        step("rolled-back")
        log.warning("service %s: version %d failed (%s); version %d serves again",
                    name, number, reason, current.replaced)
        self.recent.append({"service": name, "version": number, "to": current.replaced,
                            "reason": reason[: const.UPDATE_MAX_REASON_CHARS],
                            "at_ms": self.services.clock_ms()})

    async def _switch(
        self, record: ServiceRecord, history: History, to: int, state: VersionState, reason: str
    ) -> Version:
        """Version `to` serving again: the record first, then the host."""
        target = history.get(to)
        assert target is not None
        name = record.name
        try:
            wasm = await asyncio.to_thread(self.state.load_module, target.module)
            access = AccessRule.parse(target.access)
        except (StoreError, ValueError) as exc:
            raise ServiceError(f"{name}: version {to} cannot be restored: {exc}") from None
        now = self.services.clock_ms()
        switched = history.switched(to, state, reason, now)
        info = {**record.info, "size": len(wasm), "versions": switched.to_json()}
        await self._commit(ServiceRecord(name, target.module, target.limits, now, info, access))
        try:
            await self.services.host.deploy(name, wasm, self.services.limits_of(target.limits))
        except (ModuleRejected, ServiceError, ValueError) as exc:
            log.error("service %s: version %d could not be loaded again: %s", name, to, exc)
            raise ServiceError(f"{name}: version {to} could not be loaded again: {exc}") from None
        return target

    # --- rollback and history --------------------------------------------------------------

    async def rollback(self, name: str, to: int | None, *, by: str) -> dict[str, Any]:
        """Switch `name` back to version `to` (default: the one the serving version replaced)."""
        async with self.services.changing:
            record = (await self.services.registry()).get(name)
            if record is None:
                raise ServiceError(f"no service named {name!r} on this peer")
            history = history_of(record)
            current = history.current
            assert current is not None
            target = to if to is not None else current.replaced
            kept = ", ".join(str(v.number) for v in history.versions)
            if target == current.number:
                raise ServiceError(f"{name}: version {target} already serves (kept: {kept})")
            if history.get(target) is None:
                what = f"version {target} is not kept" if target else f"{current.number} replaced none"
                raise ServiceError(f"{name}: {what}; kept versions: {kept} (rollback --to N)",
                                   ret_code=RET_BAD_REQUEST)
            self._stop_watch(name)
            await self._switch(record, history, target, VersionState.PREVIOUS,
                               f"rolled back to version {target} by {by}")
        log.info("service %s: rolled back from version %d to %d by %s", name, current.number, target, by)
        return {"name": name, "version": target, "from": current.number}

    async def history(self, name: str) -> dict[str, Any]:
        """What srv.history answers: the versions kept, newest first."""
        record = (await self.services.registry()).get(name)
        if record is None:
            raise ServiceError(f"no service named {name!r} on this peer")
        history = history_of(record)
        current = history.current
        return {
            "name": name, "current": current.number if current else None, "keep": self.keep,
            "versions": [v.describe() for v in sorted(history.versions, key=lambda v: -v.number)],
        }

    def _stop_watch(self, name: str) -> None:
        task = self._watches.pop(name, None)
        if task is not None:
            task.cancel()
        self._failures.pop(name, None)
        self._wake.pop(name, None)

    def forget(self, name: str) -> None:
        """Service `name` was removed: end its watch."""
        self._stop_watch(name)

    def status(self) -> dict[str, Any]:
        """What /status shows: the services being watched, the latest automatic rollbacks."""
        watching = {}
        for name in sorted(self._watches):
            record = self.services.registry_now().get(name)
            current = history_of(record).current if record is not None else None
            if current is not None:
                watching[name] = {"version": current.number, "until_ms": current.watch_until_ms}
        return {"watching": watching, "rollbacks": list(self.recent)}

    # --- restart and shutdown --------------------------------------------------------------

    async def recover(self) -> None:
        """After a restart, before the services load: finish a KV switch a power cut
        interrupted and drop staging copies nothing points to."""
        registry = await self.services.registry()
        for record in list(registry.values()):
            if "kv_from" in record.info:
                await self._finish_kv(record)
        await asyncio.to_thread(_remove_stages, self.state)

    def resume_watches(self) -> None:
        """After the services loaded: watch again the versions a restart interrupted."""
        for name, record in sorted(self.services.registry_now().items()):
            current = history_of(record).current
            if current is not None and current.state is VersionState.WATCHING:
                log.info("service %s: watching version %d again after a restart", name, current.number)
                self._start_watch(name)

    async def aclose(self) -> None:
        """End every watch (idempotent)."""
        tasks = list(self._watches.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


# --- KV directories (blocking file I/O, run in threads) -----------------------------------------


def _remove_kv_dir(state: StateDir, name: str) -> None:
    path = state.path / KV_DIR / name
    if path.exists():
        shutil.rmtree(path)
        fsync_dir(path.parent)


def _copy_kv(state: StateDir, name: str, stage: str) -> None:
    """The staging KV directory: a copy of `name`'s KV file (or empty)."""
    _remove_kv_dir(state, stage)
    target = state.path / KV_DIR / stage
    target.mkdir(mode=0o700, parents=True)
    fsync_dir(target.parent)
    _refresh_kv(state, name, stage)


def _refresh_kv(state: StateDir, name: str, stage: str) -> None:
    """The staging KV file replaced by a copy of `name`'s as it is now (removed if `name` has
    none), by a rename: a staged worker's store sees a new file and reads it again."""
    source = state.path / KV_DIR / name / KV_FILE
    target = state.path / KV_DIR / stage / KV_FILE
    if source.exists():
        atomic_write(target, source.read_bytes(), mode=0o600)
    elif target.exists():
        target.unlink()
        fsync_dir(target.parent)


def _move_kv(state: StateDir, stage: str, name: str) -> None:
    """The staged (migrated) KV file renamed over `name`'s (atomic); the staging dir removed.
    Run again after a power cut, it finds the file moved already and only cleans up."""
    staged = state.path / KV_DIR / stage / KV_FILE
    if staged.exists():
        target = state.path / KV_DIR / name
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.replace(staged, target / KV_FILE)
        fsync_dir(target)
    _remove_kv_dir(state, stage)


def _remove_stages(state: StateDir) -> None:
    """Staging KV directories left by an update a power cut interrupted before its commit."""
    kv = state.path / KV_DIR
    if kv.is_dir():
        for entry in kv.iterdir():
            if entry.name.startswith(STAGE_PREFIX):
                _remove_kv_dir(state, entry.name)
