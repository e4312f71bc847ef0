"""The networked peer: the particle core (`edge_agent.core`) driven over CoAP and mDNS.

    receive (CoAP: size, envelope, freshness) -> core: replay, room, signature, seals, run
      -> local calls (Wasm in the worker, builtins, srv.*) -> results -> core runs again
      -> send each copy to its next peer (address book: mDNS, static config, learned)

The core decides everything about particles; this module only does what it asks, and
tells it what happened (call results, a copy that could not be sent, time passing). Calls
run in the copy's own task, and the loop yields between runs, so a busy particle never
holds up another or /status. A copy that cannot reach a next peer before its give-up time
makes the calls meant for that peer fail (error 14), so the script's `xor` -- and Aqua's
error handler on the init peer -- learn about it. The laptop CLI runs the same `Node`
(announced while it runs, as `client.client_config` says), and serves the client services
for the particles it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from edge_agent import __version__, cborutil, const, particle, spell_runner
from edge_agent.air.calls import CallResult
from edge_agent.clock import now_ms
from edge_agent.config import Config
from edge_agent.const_observe import STATUS_MAX_PEERS
from edge_agent.core import (
    Action,
    Arrived,
    CallsDone,
    CallServices,
    CoreLimits,
    Dropped,
    Duplicate,
    FailureReported,
    Forgotten,
    ParticleCore,
    Retried,
    ScriptFailed,
    SendCopy,
    SendFailed,
    Tick,
    Traced,
    Verdict,
)
from edge_agent.cpu_lane import StrangerLane
from edge_agent.delayed import DelayedCalls
from edge_agent.hop import HopKeys
from edge_agent.identity import KeyPair
from edge_agent.logutil import OnceLog
from edge_agent.net.addressbook import Address, AddressBook, Source
from edge_agent.net.coap import CoapClient, CoapServer, RefuseCode, Refused
from edge_agent.net.delivery import get_from_peer, send_to_peer
from edge_agent.net.membership import MEMBERSHIP_PATH, MembershipResource
from edge_agent.net.module_offer import ModuleShelf
from edge_agent.net.priority import PrioritySenders
from edge_agent.net.proof import PROOF_PATH, ProofResource, Prover
from edge_agent.observe import Observer
from edge_agent.particle import DropReason, Particle, ParticleError
from edge_agent.replies import ResponseReplies
from edge_agent.runs import Run, unreachable_calls
from edge_agent.sdnotify import Notifier
from edge_agent.seals import Sealer
from edge_agent.services.base import Delayed
from edge_agent.services.client import ClientServices
from edge_agent.services.local import Caller, LocalServices
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig
from edge_agent.services.wasm.limits import Limits
from edge_agent.store import KVLimits, StateDir, TrustList
from edge_agent.tag_store import DeviceTags

log = logging.getLogger(__name__)


class Node:
    """One peer on the network. `await start()`, then serve; `await stop()` (idempotent)."""

    def __init__(
        self,
        config: Config,
        *,
        keypair: KeyPair | None = None,
        state: StateDir | None = None,
        announce: bool = True,
        notifier: Notifier | None = None,
        probe: bool = True,
    ) -> None:
        self.config = config
        self.state = state or StateDir(
            config.state_dir,
            max_module_bytes=config.wasm.max_module_bytes,
            kv_limits=KVLimits(
                config.kv.max_keys,
                config.kv.max_key_bytes,
                config.kv.max_value_bytes,
                config.kv.max_total_bytes,
            ),
        )
        self.keypair = keypair or self.state.load_or_create_identity()
        self.peer_id = self.keypair.peer_id
        self.announce = announce and config.discovery.enabled
        self.probe = probe
        self.notifier = notifier or Notifier({})
        self.book = AddressBook()
        self._trust = TrustList(self.state)
        self._priority = PrioritySenders(self.book, lambda: self._trust.peers)
        self._lane = StrangerLane(const.NODE_STRANGER_CPU_SHARE)  # strangers' runs wait their turn
        self.core = ParticleCore(
            self.peer_id,
            Sealer(self.peer_id, self.keypair.sign, particle.verify_signature),
            particle.is_signed,
            limits=CoreLimits.from_const(
                clock_skew_ms=config.particles.clock_skew_ms, **config.particles.core_limits()
            ),
            trusted=self._trusts,
        )
        self.counters: Counter[str] = Counter()
        self._peer_log = OnceLog(log)  # what peers cause is logged once per kind, then at DEBUG
        self.started_at = 0.0
        self._ready_s: float | None = None
        self._runs: dict[str, Run] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._delayed = DelayedCalls(self._spawn, const.NODE_MAX_DELAYED_CALLS)
        self._housekeeper: asyncio.Task[Any] | None = None
        self._stopping = False
        self._started = False
        default_limits = Limits(
            fuel=config.wasm.fuel,
            memory_pages=config.wasm.memory_pages,
            deadline_ms=config.wasm.deadline_ms,
            max_module_bytes=config.wasm.max_module_bytes,
        )
        self.host = AsyncWasmHost(
            HostConfig(
                workers=config.wasm.workers,
                state_dir=self.state.path,
                cpu_temperature_path=str(config.wasm.cpu_temperature_path),
                default_limits=default_limits,
                kv_limits=self.state.kv_limits,
                worker_memory_bytes=config.wasm.worker_memory_bytes,
            )
        )
        self.services = LocalServices(
            self.peer_id,
            self.host,
            self.state,
            fetch_module=lambda peer_id, sha256: self._shelf.fetch(peer_id, sha256),
            default_limits=default_limits,
            fetch_membership=self._fetch_membership,
            trust=self._trust, keep_versions=config.wasm.keep_versions,
        )
        self.services.tags = self.tags = DeviceTags(config.tags, self.state.path, lambda: self.discovery)
        self.server = CoapServer.from_config(
            config,
            on_inbox=lambda m: self._on_particle(m.raw, m.remote, m.sender, m.accepted, m.tag),
            precheck=self._precheck,
            reply_key=lambda p, sender: (p.id, sender),
            priority=self._priority,
            status=self.status,
        )
        self.client = CoapClient(server=self.server)
        # Peers send to us only where we prove our key (GET /id), and we to them likewise.
        self.server.add_resource(PROOF_PATH, ProofResource(self.keypair))
        # Devices of a fleet show their certificates, for `trusted` services of other devices.
        self.server.add_resource(MEMBERSHIP_PATH, MembershipResource(self.services.membership_answer))
        self.prover = Prover(self.client, self.book)
        self._shelf = ModuleShelf(self.server, self.prover, config.wasm.max_module_bytes)  # srv.deploy's
        self._hop = HopKeys(self.keypair)  # proof of who sent a copy, cheaper than Ed25519
        self._replies = ResponseReplies(self.server, self.book, self.prover, self.counters, self._hop.tag)
        self.observe = Observer.attach(self)  # the log ring (GET /logs) and the metrics of /status
        self.discovery: Any = None

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        """Restore services, listen, announce, and tell systemd we are ready."""
        if self._started:
            return
        self._started = True
        t0 = time.monotonic()
        self.started_at = time.time()
        for peer in self.config.peers:
            with contextlib.suppress(ValueError):
                self.book.add(peer.peer_id, Address(peer.host, peer.port), Source.STATIC)
        await self.server.start()
        await self.client.start()
        restoring = asyncio.get_running_loop().create_task(spell_runner.restore(self))  # services, spells
        if self.config.discovery.enabled:
            from edge_agent.net.discovery import Discovery

            self.discovery = Discovery(
                self.peer_id, self.server.port, self.book, version=__version__,
                instance_name=self.config.discovery.instance_name or None,
                register=self.announce, probe=self.probe, properties=self.tags.txt(),
            )
            await self.discovery.start(wait_registered=False)
        failed = await restoring
        self._housekeeper = self._spawn(self._housekeeping())
        self._ready_s = time.monotonic() - t0
        log.info(
            "edge-agent %s ready: peer %s, CoAP port %d, %d services%s",
            __version__,
            self.peer_id,
            self.server.port,
            len(self.host.services()),
            f" ({len(failed)} failed to restore)" if failed else "",
        )
        self.notifier.ready(f"peer {self.peer_id} on port {self.server.port}")
        self.notifier.start_watchdog()

    async def stop(self) -> None:
        """Unannounce, stop serving, end particle tasks and the Wasm workers; idempotent."""
        if self._stopping:
            return
        self._stopping = True
        self.notifier.stopping()
        await self.notifier.stop_watchdog()
        if self.discovery is not None:
            with contextlib.suppress(Exception):
                await self.discovery.stop()
        await spell_runner.stop(self)
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.client.stop()
        await self.server.stop()
        await self.services.aclose()
        await self.host.aclose()
        log.info("edge-agent stopped")

    async def __aenter__(self) -> Node:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def ready_seconds(self) -> float | None:
        return self._ready_s

    @property
    def idle(self) -> bool:
        """Nothing is in progress here: no copy being received or run, no call, no send.

        A copy on its way keeps its sender's task alive until the receiver has taken it, so
        when every peer of a run is idle at once, its particles have settled (tests wait
        for that instead of sleeping).
        """
        return self.server.stats()["pending"] == 0 and all(t is self._housekeeper for t in self._tasks)

    def _trusts(self, peer_id: str) -> bool:
        """Whose particles come first: this peer's own, and the peers its trust list names."""
        return peer_id == self.peer_id or peer_id in self._trust

    def _spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # --- status -----------------------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The /status map. `counters` holds every drop as ``dropped_<reason>`` (the
        transport's refusals and the node's drops together); `coap` the transport's own."""
        transport = self.server.stats()
        counters = Counter(self.counters)
        for reason, n in transport["rejected"].items():
            counters[f"dropped_{reason}"] += n
        counters["dropped_overloaded"] += transport["overloaded"]
        peers = sorted(self.book.peers())
        return {
            "peer_id": self.peer_id, "version": __version__, "cbor2": cborutil.implementation(),
            "uptime_s": round(time.time() - self.started_at, 3) if self.started_at else 0,
            "port": self.server.port, "services": sorted(self.host.services()),
            "tags": list(self.tags.current), "updates": self.services.updates.status(),
            "max_module_bytes": self.config.wasm.max_module_bytes, "particles": len(self.core),
            "replay_ids": self.core.finished_ids,
            "interpreter": {"steps": self.core.run_steps, "seconds": round(self.core.run_seconds, 3)},
            "strangers_cpu": self._lane.stats(),
            "peers": peers[:STATUS_MAX_PEERS], "peers_known": len(peers),
            "counters": {k: v for k, v in sorted(counters.items()) if v},
            "coap": {"server": transport, "client": self.client.stats()},
            **self.observe.status(),
        }

    # --- receiving ----------------------------------------------------------------------

    def _precheck(self, raw: bytes) -> Particle:
        """In the CoAP request path: the envelope, freshness, and whether it is ours to take;
        `Refused` (the counter, and 4.13 or 4.00) if not.

        A particle that names us as its init peer but that we did not start is refused
        (4.00) rather than acknowledged: its sender then tries our other addresses -- another
        CLI process with the same identity, on another port, may be the one waiting for it.
        """
        try:
            p = self._decode(raw)
        except ParticleError as exc:
            code = RefuseCode.TOO_LARGE if exc.reason is DropReason.TOO_LARGE else RefuseCode.BAD_REQUEST
            raise Refused(exc.reason.value, str(exc), code=code) from None
        if self.core.refuse_early(p) is Verdict.NOT_OURS:
            detail = f"particle {p.id} names this peer as its init peer, but this process did not start it"
            raise Refused(Verdict.NOT_OURS.value, detail, code=RefuseCode.BAD_REQUEST)
        return p

    def _decode(self, raw: bytes) -> Particle:
        """The envelope, bounded by this node's limits, and fresh by its clock (`ParticleError`)."""
        limits = self.config.particles
        p = particle.decode(raw, max_bytes=limits.max_bytes, max_ttl_ms=limits.max_ttl_ms)
        particle.check_fresh(p, now_ms(), limits.clock_skew_ms)
        return p

    def _count_drop(self, reason: str, detail: str, remote: Any = None) -> None:
        self.counters[f"dropped_{reason}"] += 1
        host = remote[0] if isinstance(remote, tuple) else remote
        self._peer_log.info(
            ("dropped", reason, host), "dropped a particle from %s: %s: %s", remote, reason, detail
        )

    async def _on_particle(
        self, raw: bytes, remote: tuple[str, int], sender: str | None = None, checked: object = None,
        tag: bytes | None = None,
    ) -> None:
        """A particle arrived over CoAP; the server checked its size and envelope (with this
        node's limits) just now, and passes it decoded as `checked`. Its hop `tag` is checked
        only where a proven sender saves work: a trusted peer's copy (its signature), and a
        copy of our own particle from a peer we sent ours to (its seals). Anyone else's would
        cost an X25519 with a peer id it may make up."""
        self.counters["received"] += 1
        try:
            p = checked if isinstance(checked, Particle) else self._decode(raw)
        except ParticleError as exc:
            self._count_drop(exc.reason.value, str(exc), remote)
            return
        proven = tag is not None and sender is not None and (
            self._trusts(sender) or p.init_peer_id == self.peer_id and self._priority.is_expected(sender)
        ) and self._hop.sent_by(sender, raw, tag)
        self.counters["sender_proven" if proven else "sender_unproven"] += 1
        await self.accept(p, remote, sender=sender, proven=proven)

    async def accept(
        self, p: Particle, remote: Any = None, *, sender: str | None = None, local: bool = False,
        proven: bool = False,
    ) -> bool:
        """Hand a checked envelope to the core and do what it says; whether it was taken.
        `proven`: a hop tag proved that `sender` sent it."""
        trusted = local or self._trusts(p.init_peer_id)
        with self._lane.work(trusted):
            ev = Arrived(p, sender, local, proven)
            actions = self.core.handle(ev, now_ms()) if trusted else await self._in_turn(ev)
            taken = not (actions and isinstance(actions[0], Dropped | Duplicate))
            if taken:
                self.counters["accepted"] += 1
                if sender is not None and remote is not None:  # where its POST came from (it may wait)
                    self._replies.heard(p.id, sender, remote)
                if sender is not None and sender != self.peer_id and remote is not None and (
                    self._took_part(p, sender)
                ):
                    # The sender's id is a hint, taken only with a copy the core accepted (signed,
                    # sealed); an address learned from it only routes, never trusts.
                    with contextlib.suppress(ValueError):
                        self.book.add(sender, Address(remote[0], remote[1]), Source.INCOMING)
            await self._drive(actions, remote)
            return taken

    def _took_part(self, p: Particle, sender: str) -> bool:
        """Whether `p` shows that `sender` took part in it: it started the particle, or sealed
        some of its data. A stranger's own particles POSTed as `from=<the laptop>` otherwise
        put its addresses first among the laptop's (fresh hints go first), each costing a
        send to the laptop a challenge that times out."""
        if sender == p.init_peer_id:
            return True
        return p.id in self.core and any(seal.peer == sender for seal in self.core.data(p.id).seals)

    async def _in_turn(self, event: Any) -> list[Action]:
        """The core's actions for `event` of a stranger's particle, once it is its turn to run."""
        async with self._lane.turn():
            return self.core.handle(event, now_ms())

    async def _handle(self, event: Any, trusted: bool) -> list[Action]:
        return self.core.handle(event, now_ms()) if trusted else await self._in_turn(event)

    def _trusted_particle(self, pid: str) -> bool:
        return pid not in self.core or self._trusts(self.core.envelope(pid).init_peer_id)

    # --- the loop ---------------------------------------------------------------------------

    async def _drive(self, actions: list[Action], remote: Any = None) -> None:
        """Do what the core asked: send copies, count drops, make calls and feed results back."""
        started = time.perf_counter()
        while actions:
            calls: CallServices | None = None
            for action in actions:
                if isinstance(action, CallServices):
                    calls = action
                else:
                    self._act(action, remote)
            if calls is None:
                return
            trusted = self._trusts(calls.init_peer_id)
            with self._lane.work(trusted):
                results = await self._call(calls)
            if not results:  # all of them are delayed (peer.timeout): `_deliver_later` hands them over
                return
            if time.perf_counter() - started > const.NODE_YIELD_AFTER_S:
                # Builtins never suspend: a particle that keeps calling them lets the loop
                # (other particles, /status) breathe between its runs.
                await asyncio.sleep(0)
                started = time.perf_counter()
            done = CallsDone(calls.particle_id, results)
            actions = self.core.handle(done, now_ms()) if trusted else await self._in_turn(done)

    def _act(self, action: Action, remote: Any) -> None:
        if isinstance(action, SendCopy):
            if not self._replies.now(action):
                self._spawn(self._send(action))
        elif isinstance(action, Dropped):
            self._count_drop(action.verdict.value, action.detail, remote)
        elif isinstance(action, ScriptFailed):
            self.counters["failed_runs"] += 1
            # the log ring (a stranger's within the strangers' rate), the journal once per kind
            self.observe.failed(action, stranger=not self._trusted_particle(action.particle_id))
            if (run := self._runs.get(action.particle_id)) is not None:
                a = action
                run.failed(FailureReported(a.particle_id, self.peer_id, a.ret_code, a.message, a.instruction))
        elif isinstance(action, FailureReported | Traced):  # news for the particle's starter
            self.counters["failure_reports" if isinstance(action, FailureReported) else "traces"] += 1
            if (run := self._runs.get(action.particle_id)) is not None:
                run.learn(action)
        elif isinstance(action, Duplicate):
            self.counters["duplicates"] += 1
            self._replies.again(action.particle_id, action.sender, remote)
        elif isinstance(action, Forgotten):
            self._replies.forget(action.particle_id)
            self._delayed.forget(action.particle_id)
            self._runs.pop(action.particle_id, None)
            if action.why != "expired":
                self.counters["evicted"] += 1
                log.debug("gave up particle %s early: %s", action.particle_id, action.why)

    async def _call(self, action: CallServices) -> dict[str, CallResult]:
        """The results of `action`'s calls that are due now; each `Delayed` one (peer.timeout)
        is handed to the core on its own when due, so it holds up neither the others nor
        this copy's CoAP callback slot."""
        pid = action.particle_id
        run = self._runs.get(pid)
        deadline = None
        if pid in self.core:
            envelope = self.core.envelope(pid)
            deadline = envelope.timestamp_ms + envelope.ttl_ms
        caller = Caller(action.init_peer_id, pid, run.client if run is not None else None, deadline)
        requests = action.requests
        if len(requests) == 1:  # the common case, without a task per call
            c = requests[0]
            results = [await self.services.call(caller, c.service, c.function, c.args)]
        else:
            results = await asyncio.gather(
                *(self.services.call(caller, c.service, c.function, c.args) for c in requests)
            )
        if run is not None:
            run.unreachable = unreachable_calls(self.core.data(pid)) if pid in self.core else []
            run.changed.set()
        self.counters["calls"] += len(results)
        due = {}
        for c, r in zip(requests, results, strict=True):  # one result per call
            if isinstance(r, Delayed) and r.delay_ms > 0:
                if self._delayed.schedule(pid, functools.partial(self._deliver_later, pid, c.key, r)):
                    continue
                r = CallResult.failure(
                    f"peer.timeout: {const.NODE_MAX_DELAYED_CALLS} timeouts are waiting here already"
                )
            due[c.key] = r
        return due

    async def _deliver_later(self, particle_id: str, key: str, result: Delayed) -> None:
        """Hand `result` to the core once it is due (its delay never outlasts the particle)."""
        await asyncio.sleep(result.delay_ms / 1000)
        event = CallsDone(particle_id, {key: result.now()})
        await self._drive(await self._handle(event, self._trusted_particle(particle_id)))

    async def _send(self, action: SendCopy) -> None:
        trusted = self._trusts(action.envelope.init_peer_id)
        with self._lane.work(trusted):  # a trusted particle's answer waits on this send
            pid, target, envelope = action.particle_id, action.target, action.envelope
            raw = envelope.encode()
            heard = self._replies.posted_from(pid, target)
            if await self._replies.in_response(pid, target, raw):
                return
            give_up_ms = action.give_up_ms
            now = now_ms()
            if envelope.init_peer_id == self.peer_id:  # our own particle: its answers come first
                self._priority.expect(target, (envelope.timestamp_ms + envelope.ttl_ms - now) / 1000)
            unseen = ""
            if not self.book.has_candidates(target) and self.discovery is not None and now < give_up_ms:
                # Not (yet) seen on the LAN: mDNS may find it any moment (a peer just started,
                # or the CLI's browser has not heard the answers yet).
                with contextlib.suppress(TimeoutError):
                    await self.discovery.wait_for(target, timeout=(give_up_ms - now) / 1000)
                if not self.book.has_candidates(target):
                    unseen = " (not found over mDNS)"
            # A key is agreed (an X25519) only with a peer there is an address for: a script
            # may name any number of made-up peer ids.
            tag = self._hop.tag(target, raw) if self.book.has_candidates(target) else None
            # Only where the target proves its key, each of its addresses in turn (net/delivery).
            delivery = await send_to_peer(
                self.prover, target, raw, deadline_ms=give_up_ms, busy_until_ms=action.busy_until_ms,
                sender=self.peer_id, tag=tag, heard_at=heard,
            )
            if delivery.tries > 1:  # news for a trace only (the core ignores it otherwise)
                await self._drive(await self._handle(Retried(pid, target, *delivery.retries), trusted))
            if delivery.ok and delivery.address is not None:
                self.counters["sent"] += 1
                if delivery.reply:  # the target's answer came back in its response
                    remote = (delivery.address.host, delivery.address.port)
                    await self._on_particle(delivery.reply, remote, target, tag=delivery.reply_tag)
                return
            reason = delivery.detail + unseen
            self.counters["undeliverable"] += 1
            self._peer_log.warning(
                ("unreachable", target), "could not send particle %s to %s: %s", pid, target, reason
            )
            if action.call_keys and not self._stopping:
                failed = SendFailed(pid, target, action.call_keys, reason)
                await self._drive(await self._handle(failed, trusted))

    async def _housekeeping(self) -> None:
        """Let the core expire particles and replay ids; forget stale addresses; reread trust."""
        while True:
            await asyncio.sleep(const.NODE_HOUSEKEEPING_S)
            for action in self.core.handle(Tick(), now_ms()):
                self._act(action, None)
            self.book.expire()
            self._trust.refresh()

    # --- starting particles (the CLI side) --------------------------------------------------

    def offer_module(self, wasm: bytes, progress: Callable[[int, int], None] | None = None) -> str:
        """`ModuleShelf.offer`: serve `wasm` for peers to fetch for srv.deploy; its SHA-256."""
        return self._shelf.offer(wasm, progress)

    async def start_particle(
        self,
        script: str,
        data: Mapping[str, Any] | None = None,
        *,
        relay: str | None = None,
        ttl_ms: int | None = None,
    ) -> Run:
        """Sign and start a particle here; its client services collect responses and errors."""
        p = Particle.create(
            self.keypair,
            script,
            ttl_ms=ttl_ms or self.config.particles.default_ttl_ms,
            timestamp_ms=now_ms(),
            id=str(uuid.uuid4()),
        )
        run = Run(p, ClientServices(dict(data or {}), relay or self.peer_id))
        self._runs[p.id] = run
        await self.accept(p, local=True)
        return run

    async def wait(self, run: Run, *, timeout_s: float, responses: int = 1) -> bool:
        """`run.wait`: until `responses` responses, an error or a failure came; False at the timeout."""
        return await run.wait(timeout_s=timeout_s, responses=responses)

    async def _fetch_membership(self, peer_id: str) -> bytes:
        """GET /membership from `peer_id` where it proves its key (a caller of a trusted service)."""
        return await get_from_peer(
            self.prover, peer_id, MEMBERSHIP_PATH,
            timeout_s=const.MEMBERSHIP_FETCH_TIMEOUT_S, max_bytes=const.MEMBERSHIP_MAX_ANSWER_BYTES,
        )
