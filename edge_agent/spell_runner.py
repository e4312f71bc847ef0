"""Running spells on a device: one task per spell, its particles, its records (the async edge).

Each spell has a task of its own that waits for its time (`spells.next_due_ms`) or its
trigger, starts one particle with this device as its init peer (signed with the device's
key, through the node's core like any other particle, so with the same limits: the core's
instruction budgets, each Wasm service's fuel and deadline, the particle ttl of the
configuration), waits for it to finish, and logs the run. One task per spell means a spell
never overlaps itself: a run that is still going when the next is due delays it, and
triggers that come meanwhile coalesce into one more run. A failing run backs off
(`spells.backoff_ms`).

A run has finished when the script has completed on this device: the runner appends a call
of this device's `spell."-done-"` after the script (AIR's `seq` runs it only
when the script completed without an uncaught error), so a script that returns nothing is
seen to finish too. An uncaught error (the core's failure news), an error an Aqua function
reports (`errorHandlingSrv.error`), or the ttl passing end a run as failed.

Spells and their records live in the state directory (`edge_agent.spell_store`), written
in a thread after each install, removal and run, so they survive a restart: a spell
resumes where its schedule says, with its log and its state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from edge_agent import const
from edge_agent.air import ParseError, parse
from edge_agent.clock import now_ms
from edge_agent.net.addressbook import ChangeKind, PeerChange, Source
from edge_agent.spell_store import SpellStore
from edge_agent.spells import (
    BadSpell,
    RunRecord,
    SpellDef,
    SpellRecord,
    Trigger,
    backoff_ms,
    local_clock,
    next_due_ms,
    result_of,
)

__all__ = ["DONE_FUNCTION", "RUN_KEY", "SpellRunner", "restore", "stop", "with_done_call"]

log = logging.getLogger(__name__)

DONE_FUNCTION = "-done-"
"""The `spell` function a spell's particle calls on this device when its script completed."""

RUN_KEY = "-spell-run-"
"""The getDataSrv name under which a spell's particle carries the token of its run: the
`spell` service serves a spell's state to the particle whose client services hold it."""


def with_done_call(script: str) -> str:
    """`script`, then a call that tells the runner it completed (see the module docstring)."""
    return f'(seq\n{script}\n(call %init_peer_id% ("spell" "{DONE_FUNCTION}") [])\n)'


async def restore(node: Any) -> list[str]:
    """Restore `node`'s services, then start its spells (`Node.start` awaits this); the
    names of the services that failed to restore."""
    failed: list[str] = await node.services.restore()
    runner = SpellRunner(node)
    node.services.spells = runner
    await runner.start()
    return failed


async def stop(node: Any) -> None:
    """Stop `node`'s spells, if they were started (`Node.stop` awaits this)."""
    runner = getattr(node.services, "spells", None)
    if runner is not None:
        await runner.stop()


@dataclass(slots=True)
class _Live:
    """One installed spell as the runner holds it."""

    spell: SpellDef
    record: SpellRecord
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    event: dict[str, Any] | None = None
    """The latest trigger not yet run for (a triggered spell's `event` data)."""
    task: asyncio.Task[None] | None = None
    running_since_ms: int | None = None
    writing: asyncio.Future[None] | None = None
    """The write of its record under way, if any."""
    token: str | None = None
    """The run in progress's token (`RUN_KEY`): only its particle may use the spell's state."""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    next_ms: int | None = None
    last_ended_ms: int | None = None


class SpellRunner:
    """The spells of one node: start with `start()`, end with `stop()` (idempotent)."""

    def __init__(self, node: Any) -> None:
        self.node = node
        self.store = SpellStore(node.state.path)
        self._spells: dict[str, _Live] = {}
        self._changing = asyncio.Lock()
        self._joined: set[str] = set()
        self._unsubscribe: Any = None
        self._clock = local_clock()
        self._started = False

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Load the installed spells and start their tasks; listen for triggers."""
        if self._started:
            return
        self._started = True
        try:
            spells = await asyncio.to_thread(self._load)
        except Exception as exc:  # noqa: BLE001 - a damaged spell index must not stop the agent
            log.error("spells not started: %s", exc)
            spells = []
        for spell, record in spells:
            self._launch(_Live(spell, record))
        # The peers already here joined before the spells started: no event, but one when they leave.
        self._joined = {p for p in self.node.book.peers() if p != self.node.peer_id and self._announced(p)}
        self._unsubscribe = self.node.book.subscribe(self._peer_changed)
        if spells:
            log.info("%d spells started", len(spells))

    def _load(self) -> list[tuple[SpellDef, SpellRecord]]:
        self.store.tidy()
        return [(s, self.store.record(n)) for n, s in sorted(self.store.definitions().items())]

    async def stop(self) -> None:
        """Cancel every spell's task (a run in progress is abandoned, not logged)."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        tasks = [live.task for live in self._spells.values() if live.task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _launch(self, live: _Live) -> None:
        self._spells[live.spell.name] = live
        live.task = asyncio.get_running_loop().create_task(self._loop(live), name=f"spell {live.spell.name}")

    # --- triggers -----------------------------------------------------------------------------

    def trigger(self, kind: Trigger, **details: Any) -> None:
        """Something happened here: wake the spells that run on it."""
        for live in self._spells.values():
            if live.spell.schedule.on is kind:
                live.event = {"kind": kind.value, **details}
                live.wake.set()

    def _peer_changed(self, change: PeerChange) -> None:
        """The address book's news as peer-joined / peer-left: a peer joins when an announced
        or configured address of it appears (a CLI session's source address is not one),
        and leaves when it has none of those any more."""
        peer = change.peer_id
        if peer == self.node.peer_id:
            return
        announced = change.kind is not ChangeKind.REMOVED and self._announced(peer)
        if announced and peer not in self._joined:
            if len(self._joined) < const.ADDRESSBOOK_MAX_PEERS:  # bounded like the book it mirrors
                self._joined.add(peer)
                self.trigger(Trigger.PEER_JOINED, peer_id=peer)
        elif not announced and peer in self._joined:
            self._joined.discard(peer)
            self.trigger(Trigger.PEER_LEFT, peer_id=peer)

    def _announced(self, peer: str) -> bool:
        """Whether `peer` has an announced or configured address (not only a copy's source)."""
        return any(e.source is not Source.INCOMING for e in self.node.book.entries(peer))

    # --- the loop of one spell ----------------------------------------------------------------

    async def _loop(self, live: _Live) -> None:
        while True:
            if live.spell.schedule.on is not None:
                await live.wake.wait()
                live.wake.clear()
                event, live.event = live.event, None
                wait_ms = self._event_wait_ms(live)
            else:
                event = None
                last = live.record.last
                live.next_ms = next_due_ms(
                    live.spell.schedule, now_ms=now_ms(),
                    last_started_ms=last.started_ms if last else None,
                    last_ended_ms=live.last_ended_ms if live.last_ended_ms is not None else (
                        last.started_ms + last.duration_ms if last else None),
                    failures=live.record.failures, local_time=self._clock,
                )
                if live.next_ms is None:  # a cron time beyond the search (a clock far off)
                    log.error("spell %s: its schedule names no time ahead; it stops", live.spell.name)
                    return
                wait_ms = live.next_ms - now_ms()
            while wait_ms > 0:  # the loop's clock may wake us a little before the wall clock's time
                await asyncio.sleep(wait_ms / 1000)
                wait_ms = (live.next_ms - now_ms()) if live.next_ms is not None else 0
            live.next_ms = None
            try:
                await self._run_once(live, event)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one bad run must not end the spell
                log.exception("spell %s: a run failed unexpectedly", live.spell.name)
                error = "internal error (see the agent's log)"
                live.record.add(RunRecord.make(now_ms(), 0, False, None, error))
                live.last_ended_ms = now_ms()
            finally:
                # Until its record is kept (a write to disk, slow on a busy SD card): status
                # then said neither "running" nor "next run".
                live.running_since_ms = None

    def _event_wait_ms(self, live: _Live) -> int:
        """How long an event's run waits: its backoff after failures, and at least
        `SPELL_MIN_PERIOD_MS` after the last run however many events come (a stranger
        announcing names would otherwise run it, and write its record, back to back)."""
        if live.last_ended_ms is None:
            return 0
        pause = max(backoff_ms(live.record.failures), const.SPELL_MIN_PERIOD_MS)
        return live.last_ended_ms + pause - now_ms()

    async def _run_once(self, live: _Live, event: dict[str, Any] | None) -> None:
        """Start the spell's particle, wait for it to finish, log the run and keep it."""
        spell, node = live.spell, self.node
        done = live.done
        done.clear()
        ttl_ms = node.config.particles.default_ttl_ms
        live.token = uuid.uuid4().hex
        data = {**spell.args, RUN_KEY: live.token}
        if event is not None:
            data["event"] = event
        started = now_ms()
        t0 = time.monotonic()
        live.running_since_ms = started
        run = None
        try:
            run = await node.start_particle(with_done_call(spell.script), data, ttl_ms=ttl_ms)
            deadline = t0 + ttl_ms / 1000
            while not done.is_set() and run.failure is None and not run.client.errors:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                run.changed.clear()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(left):
                        await run.changed.wait()
        finally:
            live.token = None
        duration = int((time.monotonic() - t0) * 1000)
        record = _outcome(run, done.is_set(), started, duration, ttl_ms, node)
        live.record.add(record)
        live.last_ended_ms = now_ms()
        if not record.ok:
            log.info("spell %s: run failed (%d in a row): %s", spell.name, live.record.failures, record.error)
        await self._keep(live)

    async def _keep(self, live: _Live) -> None:
        """Persist a spell's record (its runs and state); a full disk is logged, and the
        spell goes on. A spell removed or replaced meanwhile writes nothing, and `_end`
        waits for a write under way, so no old record lands after a new one."""
        name = live.spell.name
        if self._spells.get(name) is not live:
            return
        snapshot = SpellRecord(
            list(live.record.runs), live.record.total_runs, live.record.failures, dict(live.record.kv)
        )
        live.writing = asyncio.ensure_future(asyncio.to_thread(self.store.put_record, name, snapshot))
        try:
            await asyncio.shield(live.writing)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - StoreError, OSError
            log.error("spell %s: could not keep its record: %s", name, exc)

    # --- what the `spell` service asks ----------------------------------------------------------

    def spell_of(self, init_peer_id: str, client: Any) -> _Live | None:
        """The spell whose run a call is part of -- its init peer is this device, and its
        client services hold the token of the spell's run in progress -- if any."""
        if init_peer_id != self.node.peer_id or client is None:
            return None
        token = client.data.get(RUN_KEY)
        for live in self._spells.values():
            if live.token is not None and live.token == token:
                return live
        return None

    async def install(self, spell: SpellDef) -> dict[str, Any]:
        """Install `spell` (replacing one of its name, whose runs and state are dropped)."""
        try:
            parse(spell.script)
        except ParseError as exc:
            raise BadSpell(f"the spell's script is not valid AIR: {exc}") from None
        async with self._changing:
            old = self._spells.get(spell.name)
            if old is None and len(self._spells) >= const.SPELL_MAX_COUNT:
                raise BadSpell(
                    f"this device keeps {const.SPELL_MAX_COUNT} spells already; remove one first "
                    f"(edge-agent spell remove TARGET NAME)"
                )
            await self._retire(spell.name, lambda: self._store_new(spell))
            live = _Live(spell, SpellRecord())
            self._launch(live)
        log.info("installed spell %s (%s) for %s", spell.name, spell.schedule.text, spell.installed_by)
        return self.describe(live)

    def _store_new(self, spell: SpellDef) -> None:
        # The empty record first: a power cut between the two writes leaves either the old
        # spell with no runs (it was being replaced) or the new one, never the new one with
        # the old one's runs, state and failures.
        self.store.put_record(spell.name, SpellRecord())
        self.store.put_definition(spell)

    async def remove(self, name: str) -> dict[str, Any]:
        async with self._changing:
            live = self._spells.get(name)
            if live is None:
                raise BadSpell(f"no spell named {name!r} on this device")
            await self._retire(name, lambda: self.store.remove(name))
        log.info("removed spell %s", name)
        return {"name": name, "removed": True}

    async def _retire(self, name: str, change: Callable[[], object]) -> None:
        """Stop spell `name` (if installed) and make `change` to the store (in a thread)
        after any write of its record, so the store ends as `change` leaves it; then forget
        the spell. If `change` fails, the spell goes on as it was. A spell whose own run
        removes or replaces it is cancelled last, since its task is the one doing this
        (`_keep` writes nothing for a spell forgotten)."""
        old = self._spells.get(name)
        task = old.task if old is not None else None
        current = task is not None and task is asyncio.current_task()
        if old is not None and task is not None and not current:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            if old.writing is not None:
                await asyncio.gather(old.writing, return_exceptions=True)
        try:
            await asyncio.to_thread(change)
        except Exception:
            if old is not None and not current:
                self._launch(old)
            raise
        self._spells.pop(name, None)
        if current and task is not None:
            task.cancel()

    def names(self) -> list[str]:
        return sorted(self._spells)

    def get(self, name: str) -> _Live:
        live = self._spells.get(name)
        if live is None:
            raise BadSpell(f"no spell named {name!r} on this device (see: edge-agent spell list)")
        return live

    def describe(self, live: _Live, *, runs: int = 0) -> dict[str, Any]:
        """What spell.list (runs=0) and spell.status answer for one spell."""
        spell, record = live.spell, live.record
        last = record.last
        info: dict[str, Any] = {
            "name": spell.name,
            "schedule": spell.schedule.to_json(),
            "schedule_text": spell.schedule.text,
            "source": spell.source,
            "installed_by": spell.installed_by,
            "installed_at_ms": spell.installed_at_ms,
            "total_runs": record.total_runs,
            "failures": record.failures,
            "running_since_ms": live.running_since_ms,
            "next_ms": live.next_ms,
            "last": last.to_json() if last else None,
        }
        if runs:
            info["args"] = dict(spell.args)
            info["runs"] = [r.to_json() for r in record.runs[-runs:]]
            info["kv_keys"] = sorted(record.kv)
        return info


def _outcome(run: Any, done: bool, started: int, duration: int, ttl_ms: int, node: Any) -> RunRecord:
    """The log entry of one finished (or given up) run."""
    if run.failure is not None:
        f = run.failure
        where = "" if f.peer == node.peer_id else f" on {f.peer}"
        return RunRecord.make(started, duration, False, None, f"error {f.ret_code}{where}: {f.message}")
    if run.client.errors:
        error = run.client.errors[0][0] if run.client.errors[0] else {}
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        return RunRecord.make(started, duration, False, None, message)
    if not done:
        return RunRecord.make(started, duration, False, None, f"did not finish within its ttl ({ttl_ms} ms)")
    return RunRecord.make(started, duration, True, result_of(run.client.responses), "")
