"""The networked peer: the particle loop of `edge_agent.peer` driven over CoAP and mDNS.

    receive (CoAP) -> check (size, envelope, freshness, signature, replay) -> merge + run
      -> local calls (Wasm in the worker, builtins, srv.*) -> results -> run again
      -> send the particle to each next peer (address book: mDNS, static config, learned)

Each particle is handled by its own task, so a slow or failing particle never holds up
another; copies of one particle are handled one at a time, in arrival order. A copy that
cannot reach a next peer before its deadline (less a reserve for the error's way back)
makes the calls meant for that peer fail, so the script's `xor` — and Aqua's error handler
on the init peer — learn about it. The laptop CLI runs the same `Node`, without announcing
itself, and serves the client services for the particles it starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections import Counter, OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edge_agent import __version__, cborutil, const, particle
from edge_agent.air import data as air_data
from edge_agent.config import Config
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address, AddressBook, Source
import aiocoap
from aiocoap.numbers.codes import Code
from aiocoap.optiontypes import BlockOption

from edge_agent.net.coap import CoapClient, CoapReply, CoapServer, ReadOnlyResource
from edge_agent.particle import DropReason, Particle, ParticleError
from edge_agent.peer import Outcome, ParticleInfo, Peer
from edge_agent.services.client import ClientServices
from edge_agent.services.local import Caller, LocalServices
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig
from edge_agent.services.wasm.limits import Limits
from edge_agent.sdnotify import Notifier
from edge_agent.store import KVLimits, StateDir

log = logging.getLogger(__name__)

MODULES_PATH = "modules"
CT_OCTET_STREAM = 42


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(slots=True)
class Run:
    """A particle this peer started: its client services and a way to wait for results."""

    particle: Particle
    client: ClientServices
    changed: asyncio.Event = field(default_factory=asyncio.Event)


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
                config.kv.max_keys, config.kv.max_key_bytes, config.kv.max_value_bytes, config.kv.max_total_bytes
            ),
        )
        self.keypair = keypair or self.state.load_or_create_identity()
        self.peer_id = self.keypair.peer_id
        self.announce = announce and config.discovery.enabled
        self.probe = probe
        self.notifier = notifier or Notifier({})
        self.book = AddressBook()
        self.core = Peer(self.peer_id)
        self.counters: Counter[str] = Counter()
        self.started_at = 0.0
        self._ready_s: float | None = None
        self._locks: dict[str, asyncio.Lock] = {}
        self._finished: OrderedDict[str, int] = OrderedDict()  # particle id -> deadline
        self._held: OrderedDict[str, bytes] = OrderedDict()  # particle id -> signature, least recently active first
        self._runs: dict[str, Run] = {}
        self._held_bytes: dict[str, int] = {}  # particle id -> size of its largest copy
        self._replies: dict[str, dict[str, bytes]] = {}  # particle -> target -> copy sent in a response
        self._bytes_held = 0
        self._modules: dict[str, bytes] = {}  # sha256 -> bytes this peer offers for deploys
        self._tasks: set[asyncio.Task[Any]] = set()
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
            )
        )
        self.services = LocalServices(
            self.peer_id, self.host, self.state, fetch_module=self._fetch_module, default_limits=default_limits
        )
        self.server = CoapServer.from_config(
            config, on_particle=self._on_particle, status=self.status, precheck=self._precheck
        )
        self.client = CoapClient(server=self.server)
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
        restoring = asyncio.get_running_loop().create_task(self.services.restore())
        if self.config.discovery.enabled:
            from edge_agent.net.discovery import Discovery

            self.discovery = Discovery(
                self.peer_id,
                self.server.port,
                self.book,
                version=__version__,
                instance_name=self.config.discovery.instance_name or None,
                register=self.announce,
                probe=self.probe,
            )
            await self.discovery.start(wait_registered=False)
        failed = await restoring
        self._spawn(self._housekeeping())
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
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.client.stop()
        await self.server.stop()
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
        return {
            "peer_id": self.peer_id,
            "version": __version__,
            "cbor2": cborutil.implementation(),
            "uptime_s": round(time.time() - self.started_at, 3) if self.started_at else 0,
            "port": self.server.port,
            "services": sorted(self.host.services()),
            "particles": len(self.core),
            "peers": sorted(self.book.peers()),
            "counters": {k: v for k, v in sorted(counters.items()) if v},
            "coap": {"server": transport, "client": self.client.stats()},
        }

    # --- receiving ----------------------------------------------------------------------

    def _precheck(self, raw: bytes) -> Particle:
        """In the CoAP request path: the envelope, freshness, and whether it is ours to take.

        A particle that names us as its init peer but that we did not start is refused
        (4.00) rather than acknowledged: its sender then tries our other addresses — another
        CLI process with the same identity, on another port, may be the one waiting for it.
        """
        p = particle.decode(raw, max_bytes=self.config.particles.max_bytes, max_ttl_ms=self.config.particles.max_ttl_ms)
        particle.check_fresh(p, now_ms(), self.config.particles.clock_skew_ms)
        if p.init_peer_id == self.peer_id and p.id not in self._runs:
            raise particle.NotOurs(f"particle {p.id} names this peer as its init peer, but this process did not start it")
        return p

    def _drop(self, reason: DropReason | str, detail: str, remote: Any = None) -> None:
        name = reason.value if isinstance(reason, DropReason) else reason
        self.counters[f"dropped_{name}"] += 1
        log.info("dropped a particle from %s: %s: %s", remote, name, detail)

    async def _on_particle(
        self, raw: bytes, remote: tuple[str, int], sender: str | None = None, checked: object = None
    ) -> None:
        """A particle arrived over CoAP; the server checked its size and envelope (with this
        node's limits) just now, and passes it decoded as `checked`."""
        self.counters["received"] += 1
        try:
            if isinstance(checked, Particle):
                p = checked
            else:
                p = particle.decode(raw, max_bytes=self.config.particles.max_bytes, max_ttl_ms=self.config.particles.max_ttl_ms)
                particle.check_fresh(p, now_ms(), self.config.particles.clock_skew_ms)
            if not self._holds(p):  # a copy of a particle held here was checked on arrival
                p.verify()
        except ParticleError as exc:
            self._drop(exc.reason, str(exc), remote)
            return
        if sender is not None and sender != self.peer_id:
            # The sender's id is a hint, taken only with a well-signed particle; an address
            # learned from it only routes, never trusts.
            with contextlib.suppress(ValueError):
                self.book.add(sender, Address(remote[0], remote[1]), Source.INCOMING)
        await self.accept(p, remote, sender=sender)

    def _holds(self, p: Particle) -> bool:
        """Whether `p` is a copy of a particle held here; `IdConflict` if only its id matches."""
        signature = self._held.get(p.id)
        if signature is None:
            return False
        info = self.core.info(p.id)
        if signature != p.signature or info != ParticleInfo(p.id, p.init_peer_id, p.timestamp_ms, p.ttl_ms, p.script):
            raise particle.IdConflict(
                f"particle {p.id} from {p.init_peer_id} has the id of another particle in progress here"
            )
        return True

    async def accept(self, p: Particle, remote: Any = None, *, sender: str | None = None) -> None:
        """Merge and run a checked particle; also how the CLI injects the particles it starts."""
        if p.id in self._finished:
            self._drop(DropReason.REPLAY, f"particle {p.id} already finished here", remote)
            return
        try:
            self._holds(p)
        except ParticleError as exc:
            self._drop(exc.reason, str(exc), remote)
            return
        grows = len(p.data) - self._held_bytes.get(p.id, 0)
        if (p.id not in self.core or grows > 0) and self._full(max(grows, 0)) and not self._make_room(
            max(grows, 0), keep=p.id
        ):
            self._drop(
                DropReason.OVERLOADED,
                f"{len(self.core)} particles holding {self._bytes_held} bytes wait for calls here",
                remote,
            )
            return
        try:
            incoming = air_data.decode(p.data, max_bytes=const.MAX_DATA_BYTES)
        except air_data.DataError as exc:
            self._drop(DropReason.MALFORMED, str(exc), remote)
            return
        lock = self._locks.setdefault(p.id, asyncio.Lock())
        async with lock:
            if p.id in self._finished:
                return  # finished while this copy waited
            try:
                self._holds(p)  # another particle may have taken the id meanwhile
            except ParticleError as exc:
                self._drop(exc.reason, str(exc), remote)
                return
            info = ParticleInfo(p.id, p.init_peer_id, p.timestamp_ms, p.ttl_ms, p.script)
            known = self.core.data(p.id) if p.id in self.core else None
            if known is not None and _adds_nothing(known, incoming):
                self.counters["duplicates"] += 1
                reply = self._replies.get(p.id, {}).get(sender) if sender is not None else None
                if reply is not None:  # the sender lost the response that carried our answer
                    self.server.offer_reply(p.id, sender, reply)
                log.debug("particle %s from %s: a copy that adds nothing (duplicate)", p.id, remote)
                return
            self.counters["accepted"] += 1
            outcome = self.core.receive(info, incoming)
            self._held[p.id] = p.signature
            self._held.move_to_end(p.id)
            if len(p.data) > self._held_bytes.get(p.id, 0):  # the data only grows: its largest copy
                self._bytes_held += len(p.data) - self._held_bytes.get(p.id, 0)
                self._held_bytes[p.id] = len(p.data)
            await self._handle(p, outcome)

    # --- the loop ---------------------------------------------------------------------------

    async def _handle(self, p: Particle, outcome: Outcome) -> None:
        """Act on one outcome: send copies, make the calls, feed results back; repeat."""
        while True:
            if outcome.failed:
                self.counters["failed_runs"] += 1
                log.warning("particle %s failed here with %d: %s", p.id, outcome.ret_code, outcome.error_message)
                return
            if outcome.sends:
                raw_data = air_data.encode(outcome.data)
                for target in outcome.sends:
                    self._spawn(self._forward(p, target, raw_data, outcome.forwarded.get(target, [])))
            if not outcome.calls:
                return
            run = self._runs.get(p.id)
            caller = Caller(p.init_peer_id, p.id, run.client if run is not None else None)
            if len(outcome.calls) == 1:  # the common case, without a task per call
                c = outcome.calls[0]
                results = [await self.services.call(caller, c.service, c.function, c.args)]
            else:
                results = await asyncio.gather(
                    *(self.services.call(caller, c.service, c.function, c.args) for c in outcome.calls)
                )
            if run is not None:
                run.changed.set()
            self.counters["calls"] += len(results)
            if p.id not in self.core:
                return  # expired while its calls ran
            outcome = self.core.results(p.id, {c.key: r for c, r in zip(outcome.calls, results)})
            self._held.move_to_end(p.id)

    async def _forward(self, p: Particle, target: str, raw_data: bytes, call_keys: list[str]) -> None:
        copy = p.with_data(raw_data)
        if target == self.peer_id:
            await self.accept(copy)
            return
        raw = copy.encode()
        if self.server.offer_reply(p.id, target, raw):
            # The target sent us this particle and still waits for our answer: the copy goes
            # back in that CoAP response (kept, should the target ask again).
            self._replies.setdefault(p.id, {})[target] = raw
            self.counters["sent"] += 1
            return
        # Give up before the deadline, keeping a reserve for the error's way back; a copy
        # made within the reserve (that error on its way, or a late hop) may use it all.
        now = now_ms()
        reserve = min(p.ttl_ms // 5, const.NODE_ERROR_RESERVE_MS)
        give_up_ms = p.deadline_ms - reserve if now < p.deadline_ms - reserve else p.deadline_ms
        give_up_ms = min(give_up_ms, now + const.NODE_DELIVERY_TIMEOUT_MS)
        addresses = self.book.lookup(target)
        reason = f"no address known for {target}"
        if not addresses and self.discovery is not None and now < give_up_ms:
            # Not (yet) seen on the LAN: mDNS may find it any moment (a peer just started,
            # or the CLI's browser has not heard the answers yet).
            with contextlib.suppress(TimeoutError):
                await self.discovery.wait_for(target, timeout=(give_up_ms - now) / 1000)
            addresses = self.book.lookup(target)
            if not addresses:
                reason = f"no address known for {target} (not found over mDNS)"
        for address in addresses:
            result = await self.client.send_particle(address, raw, deadline_ms=give_up_ms, sender=self.peer_id)
            if result.ok:
                self.counters["sent"] += 1
                if result.reply:  # the target's answer came back in its response
                    await self._on_particle(result.reply, (address.host, address.port), target)
                return
            reason = result.detail or result.outcome.value
            if now_ms() >= give_up_ms:
                break
        self.counters["undeliverable"] += 1
        log.warning("could not send particle %s to %s: %s", p.id, target, reason)
        if not call_keys or self._stopping:
            return
        lock = self._locks.setdefault(p.id, asyncio.Lock())
        async with lock:
            if p.id not in self.core:
                return
            outcome = self.core.undeliverable(p.id, target, call_keys, reason)
            await self._handle(p, outcome)

    async def _housekeeping(self) -> None:
        """Forget expired particles (remembering their ids against replays) and stale addresses."""
        while True:
            await asyncio.sleep(const.NODE_HOUSEKEEPING_S)
            now = now_ms()
            for pid in self.core.expire(now):
                self._finish(pid, now + self.config.particles.clock_skew_ms)
            for pid in [pid for pid, until in self._finished.items() if until < now]:
                del self._finished[pid]
            self.book.expire()

    def _finish(self, pid: str, until_ms: int) -> None:
        """Forget a particle; copies arriving before `until_ms` are dropped as replays."""
        self.core.forget(pid)
        self._held.pop(pid, None)
        self._bytes_held -= self._held_bytes.pop(pid, 0)
        self._replies.pop(pid, None)
        self._locks.pop(pid, None)
        self._runs.pop(pid, None)
        self._finished[pid] = until_ms
        self._finished.move_to_end(pid)
        while len(self._finished) > const.NODE_MAX_FINISHED:
            self._finished.popitem(last=False)

    def _make_room(self, more_bytes: int = 0, keep: str | None = None) -> bool:
        """Room for one more particle (or `more_bytes` more data): at the limits, give up the
        least recently active idle particles.

        A particle stays until its ttl (it may come back, e.g. to a `par` join), so a busy
        peer reaches `NODE_MAX_PARTICLES` (or `NODE_MAX_HELD_DATA_BYTES` of particle data)
        long before the ttl ends; then the particle idle the longest -- no calls running
        here -- is forgotten early and its id kept against replays. If every one is busy,
        the new copy is dropped.
        """
        for pid in list(self._held):
            if not self._full(more_bytes):
                return True
            if pid == keep:
                continue
            lock = self._locks.get(pid)
            if self.core.pending(pid) or (lock is not None and lock.locked()):
                continue
            deadline = self.core.info(pid).deadline_ms
            self._finish(pid, deadline + self.config.particles.clock_skew_ms)
            self.counters["evicted"] += 1
            log.debug("gave up particle %s early to make room (%d particles held)", pid, len(self.core))
        return not self._full(more_bytes)

    def _full(self, more_bytes: int = 0) -> bool:
        """Whether one more particle (or `more_bytes` more data) would pass the limits."""
        return (
            len(self.core) >= const.NODE_MAX_PARTICLES
            or self._bytes_held + more_bytes > const.NODE_MAX_HELD_DATA_BYTES
        )

    # --- starting particles (the CLI side) --------------------------------------------------

    def offer_module(self, wasm: bytes, progress: Callable[[int, int], None] | None = None) -> str:
        """Serve `wasm` at /modules/<sha256> so peers can fetch it for srv.deploy.

        `progress(bytes_sent, total)` is called as the blocks go out.
        """
        sha = hashlib.sha256(wasm).hexdigest()
        if sha not in self._modules:
            self._modules[sha] = bytes(wasm)
            self.server.add_resource((MODULES_PATH, sha), _ModuleResource(self._modules[sha], progress))
        return sha

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
        await self.accept(p)
        return run

    async def wait(self, run: Run, *, timeout_s: float, responses: int = 1) -> bool:
        """Wait until `responses` responses, or an error, reached the client services."""
        deadline = time.monotonic() + timeout_s
        while len(run.client.responses) < responses and not run.client.errors:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            run.changed.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):  # no task per wait, unlike wait_for
                    await run.changed.wait()
        return True

    async def _fetch_module(self, peer_id: str, sha256: str) -> bytes:
        """GET /modules/<sha256> from `peer_id` (blockwise); the caller checks the hash."""
        if sha256 in self._modules:
            return self._modules[sha256]
        addresses = self.book.lookup(peer_id)
        if not addresses:
            raise ConnectionError(f"no address known for {peer_id}")
        last: Exception | None = None
        for address in addresses:
            try:
                response = await self.client.request(
                    address,
                    "GET",
                    (MODULES_PATH, sha256),
                    timeout=const.NODE_FETCH_TIMEOUT_S,
                    max_bytes=self.config.wasm.max_module_bytes,
                )
            except Exception as exc:  # noqa: BLE001 - try the next address
                last = exc
                continue
            if response.success:
                return response.payload
            last = ConnectionError(f"{response.code} {response.diagnostic}")
        raise ConnectionError(str(last))


def _adds_nothing(known: air_data.Data, incoming: air_data.Data) -> bool:
    """A copy whose every entry and sent record we already hold: a replay, nothing to run."""
    return all(k in known.entries for k in incoming.entries) and all(k in known.sent for k in incoming.sent)


class _ModuleResource(ReadOnlyResource):
    """GET /modules/<sha256>: a module this peer offers, in Block2 blocks (RFC 7959).

    It answers each block request itself (aiocoap would render once and slice), so the
    CLI can show how much of a module a device has fetched.
    """

    def __init__(self, wasm: bytes, progress: Callable[[int, int], None] | None) -> None:
        super().__init__()
        self.wasm = wasm
        self.progress = progress

    async def needs_blockwise_assembly(self, request: aiocoap.Message) -> bool:
        return False

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        block = request.opt.block2
        szx = min(block.size_exponent, 6) if block is not None else 6
        size = 1 << (szx + 4)
        number = block.block_number if block is not None else 0
        start = number * size
        if start > len(self.wasm):
            raise CoapReply(Code.BAD_REQUEST, f"block {number} is past the end of the module")
        chunk = self.wasm[start : start + size]
        more = start + size < len(self.wasm)
        response = aiocoap.Message(code=Code.CONTENT, payload=chunk, content_format=CT_OCTET_STREAM)
        response.opt.block2 = BlockOption.BlockwiseTuple(number, more, szx)
        response.opt.size2 = len(self.wasm)
        if self.progress is not None:
            self.progress(start + len(chunk), len(self.wasm))
        return response
