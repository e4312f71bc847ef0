"""The services a networked peer offers to scripts, and the `srv.*` builtins that manage them.

One call request from the interpreter becomes one `CallResult`. Lookup order: the init
peer's client services (when this peer started the particle), deployed Wasm services, the
`srv` and `spell` (`edge_agent.services.spell`) services, then the builtins (`op`, `peer`,
`math`, `cmp`, `array`, `debug`: `edge_agent.services.builtins`); anything else is "No
service found".
Wasm calls go to the worker processes through `AsyncWasmHost` and never block the event
loop. `srv.deploy`, `srv.remove` and `srv.enroll` change what runs here, and `srv.tag`
(`edge_agent.tag_store`) how it is found, so only particles whose init peer is trusted (state
dir `trusted_peers`) may call them; the particle's signature proves who its init peer is.

Who may call a Wasm service is its access rule, set at deploy (`edge_agent.access`): a call
the rule does not admit fails with ret_code 13 before it reaches a worker, and the service
learns who called it (`ea_caller`). `srv.list` and `srv.info` show a caller the services it
may call (trusted peers see all). A ``trusted`` rule admits the devices trusted peers
enrolled too (`edge_agent.services.fleet`).

Nothing here blocks the event loop either: the state directory (module files, the registry
with its lock and fsyncs, the trust file) is read and written in threads. The registry is
read once and then kept in memory, since only this agent writes it; the trust file is read
on every deploy and remove, since `edge-agent trust` edits it while the agent runs; calls
check it for changes with a stat (`TrustList`: a trusted caller's at most once a second).

Python handlers added with `add_handler` (tests) come right after the client services.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from edge_agent import const
from edge_agent.access import (
    DEFAULT_ACCESS,
    AccessKind,
    AccessRule,
    Membership,
    encode_memberships,
)
from edge_agent.clock import now_ms
from edge_agent.errors import ConfigError
from edge_agent.identity import verify
from edge_agent.logutil import OnceLog
from edge_agent.services import spell as spell_service
from edge_agent.services.base import (
    RET_BAD_REQUEST,
    RET_MODULE_REFUSED,
    RET_NOT_AUTHORISED,
    CallResult,
    Delayed,
    Handler,
    ServiceError,
)
from edge_agent.services.builtins import BUILTINS, CallContext, call_builtin, no_service
from edge_agent.services.call_gate import CallGate
from edge_agent.services.client import CLIENT_SERVICES, ClientServices
from edge_agent.services.fleet import Fleet, MembershipFetcher
from edge_agent.services.fleet_cache import MEMBERS_FILE, MemberCache
from edge_agent.services.srv import only_known, srv_call
from edge_agent.services.updates import STAGE_PREFIX, UpdatePlan, Updates
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.host import AsyncWasmHost, ServiceInfo
from edge_agent.services.wasm.limits import Limits
from edge_agent.spells import Trigger
from edge_agent.store import ServiceRecord, StateDir, StoreError, TrustList
from edge_agent.tag_store import DeviceTags
from edge_agent.versions import Version

log = logging.getLogger(__name__)

RESERVED_NAMES = frozenset(BUILTINS) | CLIENT_SERVICES | {"srv", "spell"}
DEPLOY_LIMITS = frozenset({"fuel", "memory_pages", "deadline_ms"})
"""The limits a deployer may choose; the others (module size, stack) are the device's."""
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")

ModuleFetcher = Callable[[str, str], Awaitable[bytes]]
"""fetch(peer_id, sha256) -> module bytes, from the peer that offers them."""


_CHANGES = frozenset({"deploy", "remove", "enroll"})
"""The srv.* functions that change what runs here: a refusal of one is an operator's event."""


class Events(Protocol):
    """Who hears what an operator wants to know about services (the agent's log ring and
    metrics, `edge_agent.observe`; issue 11)."""

    def deployed(self, by: str, name: str, sha256: str, access: str) -> None: ...

    def removed(self, by: str, name: str) -> None: ...

    def refused(self, by: str, what: str, why: str) -> None: ...

    def called(self, service: str, ms: float, ret_code: int, error: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a call is for: the particle's init peer and id, and (if we started it) its client services."""

    init_peer_id: str
    particle_id: str
    client: ClientServices | None = None
    deadline_ms: int | None = None
    """When the particle expires (timestamp + ttl), if known: `peer.timeout` sleeps no longer."""


class LocalServices:
    """Dispatches call requests to Wasm services, `srv.*` and builtins; keeps the registry durable."""

    def __init__(
        self,
        peer_id: str,
        host: AsyncWasmHost,
        state: StateDir,
        *,
        fetch_module: ModuleFetcher | None = None,
        default_limits: Limits | None = None,
        clock_ms: Callable[[], int] = now_ms,
        fetch_membership: MembershipFetcher | None = None,
        trust: TrustList | None = None,
        keep_versions: int = const.DEFAULT_KEEP_VERSIONS,
    ) -> None:
        self.peer_id = peer_id
        self.host = host
        self.state = state
        self.fetch_module = fetch_module
        self.default_limits = default_limits or Limits()
        self.clock_ms = clock_ms
        self.calls = 0
        self.failed_calls = 0
        self._registry: dict[str, ServiceRecord] | None = None
        """services.json as last read or written (None: not read yet)."""
        self._changing = asyncio.Lock()
        """Held by deploy and remove, so that the registry and the host change in step."""
        self.gate = CallGate()
        """Holds a service's calls while an update moves its KV data (`call_gate`)."""
        self._handlers: dict[str, Handler] = {}
        self.fleet = Fleet(
            peer_id, trust or TrustList(state), fetch_membership, clock_ms=clock_ms,
            cache=MemberCache(state.path / MEMBERS_FILE),
        )
        """Who a ``trusted`` access rule admits."""
        self._memberships: list[Membership] | None = None
        """This device's own fleet certificates (None: not read yet)."""
        self._peer_log = OnceLog(log)
        self.spells: Any = None
        """The node's `spell_runner.SpellRunner` once it started: it serves `spell.*`."""
        self.tags: DeviceTags | None = None
        """What srv.tag changes (set by the node; None: srv.tag is not served)."""
        self.events: Events | None = None
        """Hears deploys, removals, refusals and each Wasm call's outcome (None: nobody)."""
        self.updates = Updates(self, keep_versions)
        """Versions: updates, their watches, rollbacks (`edge_agent.services.updates`)."""

    async def registry(self) -> dict[str, ServiceRecord]:
        """The service registry (services.json), read in a thread the first time."""
        if self._registry is None:
            records = await asyncio.to_thread(self.state.services)
            if self._registry is None:
                self._registry = records
        return self._registry

    def registry_now(self) -> Mapping[str, ServiceRecord]:
        """The registry as last read or written (empty before the first read)."""
        return self._registry or {}

    def set_record(self, record: ServiceRecord) -> None:
        """Keep `record`, just written to services.json, as the registry's in memory."""
        self._registry = {**self.registry_now(), record.name: record}

    @property
    def changing(self) -> asyncio.Lock:
        """Held while the registry and the host change together (deploy, update, rollback, remove)."""
        return self._changing

    async def aclose(self) -> None:
        """End the updates' watches (idempotent); the host is its owner's to close."""
        await self.updates.aclose()

    def add_handler(self, service_id: str, handler: Handler) -> None:
        """Serve `service_id` with `handler(function, args)` in this process (tests, embedding).

        It comes before a Wasm service or builtin of that id, as `sim.Network.add_service`
        does, so one test can run the same services on the simulator and on real nodes.
        """
        self._handlers[service_id] = handler

    def remove_handler(self, service_id: str) -> None:
        self._handlers.pop(service_id, None)

    # --- restart -------------------------------------------------------------------------

    async def restore(self) -> list[str]:
        """Load every service of the registry into the host; returns the names that failed."""
        failed = []
        damaged = await asyncio.to_thread(self.state.salvage_services)
        if damaged is not None:
            log.error("%s", damaged)
            self._registry = None
        await self.updates.recover()
        for name, record in sorted((await self.registry()).items()):
            try:
                wasm = await asyncio.to_thread(self.state.load_module, record.module_sha256)
                await self.host.deploy(name, wasm, self._limits(record.limits))
            except (StoreError, ModuleRejected, ServiceError, ValueError) as exc:
                log.error("service %s could not be restored: %s", name, exc)
                failed.append(name)
        self.updates.resume_watches()
        return failed

    # --- calls ----------------------------------------------------------------------------

    async def call(self, caller: Caller, service: str, function: str, args: list[Any]) -> CallResult:
        """One call request, as the interpreter asked for it; never raises.

        A `Delayed` result (`peer.timeout`) comes back at once: the caller hands it to the
        core when it is due, so nothing waits for it here.
        """
        self.calls += 1
        try:
            value = await self._dispatch(caller, service, function, args)
        except ServiceError as exc:
            self.failed_calls += 1
            self._log_failure(caller, service, function, exc)
            return CallResult.failure(exc.message, exc.ret_code)
        except Exception as exc:  # a bug in one service must not take the peer down
            self.failed_calls += 1
            log.exception("service %s.%s failed unexpectedly", service, function)
            return CallResult.failure(f"internal error in {service}.{function}: {exc}", 1)
        return value if isinstance(value, Delayed) else CallResult.success(value)

    def _log_failure(self, caller: Caller, service: str, function: str, exc: ServiceError) -> None:
        """Tell the operator who was refused what: a refused srv.deploy at WARNING, a failed call
        of a deployed service or of srv.* at INFO, each once per (what, who, ret_code) and then
        at DEBUG (`OnceLog`: a peer decides how often it happens). Access refusals (13) are
        logged where they are decided; builtins' errors are the script's business. With
        `events`, a refused srv.deploy/remove/enroll goes there instead (it logs it the same
        way, and keeps every one in the agent's log ring)."""
        who = caller.init_peer_id
        if self.events is not None and service == "srv" and function in _CHANGES:
            self.events.refused(who, f"srv.{function}", exc.message)
            return
        if exc.ret_code == RET_NOT_AUTHORISED:
            return
        if service == "srv" and function == "deploy":
            self._peer_log.warning(
                ("deploy-refused", who, exc.ret_code), "refused srv.deploy from %s (particle %s): %.300s",
                who, caller.particle_id, exc.message,
            )
        elif service == "srv" or service in self.host.services():
            self._peer_log.info(
                ("call-failed", service, function, who, exc.ret_code),
                "call of %s.%s by %s failed (ret_code %d, particle %s): %.300s",
                service, function, who, exc.ret_code, caller.particle_id, exc.message,
            )

    async def _dispatch(self, caller: Caller, service: str, function: str, args: list[Any]) -> Any:
        if caller.client is not None and service in CLIENT_SERVICES:
            return caller.client.call(service, function, args)
        handler = self._handlers.get(service)
        if handler is not None:
            return handler(function, args)
        if service in self.host.services() and not service.startswith(STAGE_PREFIX):  # not an update's
            await self.admit(caller.init_peer_id, service)
            stranger = await self._stranger(caller.init_peer_id, service)
            try:
                async with self.gate.call(service, caller.deadline_ms):  # an update may hold it
                    if self.events is not None:
                        return await self._measured(self.events, caller, service, function, args, stranger)
                    return await self.host.call(
                        service, function, args, caller=caller.init_peer_id, stranger=stranger
                    )
            except ServiceError as exc:
                if exc.ran and not stranger:  # a stranger's call never decides a watched update
                    self.updates.observe(service, exc)
                raise
        if service == "srv":
            return await self._srv(caller, function, args)
        if service == "spell" and self.spells is not None:
            return await spell_service.call(self.spells, caller, function, args, self)
        if service in BUILTINS:
            context = CallContext(
                self.peer_id, caller.init_peer_id, caller.particle_id, self.clock_ms(), caller.deadline_ms
            )
            return call_builtin(service, function, args, context)
        raise no_service(service, function)

    async def _measured(
        self, events: Events, caller: Caller, service: str, function: str, args: list[Any], stranger: bool
    ) -> Any:
        """A Wasm call, its duration and outcome told to `events` (the per-service metrics)."""
        started = time.perf_counter()
        try:
            value = await self.host.call(
                service, function, args, caller=caller.init_peer_id, stranger=stranger
            )
        except ServiceError as exc:
            events.called(service, (time.perf_counter() - started) * 1000, exc.ret_code, exc.message)
            raise
        events.called(service, (time.perf_counter() - started) * 1000, 0, "")
        return value

    # --- who may call what ------------------------------------------------------------------

    async def access_rule(self, service: str) -> AccessRule:
        """The access rule of a deployed service (``trusted`` if the registry has none)."""
        record = (await self.registry()).get(service)
        return record.access if record is not None else DEFAULT_ACCESS

    async def may_call(self, peer_id: str, service: str) -> bool:
        """Whether `service`'s access rule admits calls whose init peer is `peer_id`."""
        rule = await self.access_rule(service)
        if rule.kind is AccessKind.PUBLIC or peer_id == self.peer_id:
            return True
        if rule.kind is AccessKind.PEERS:
            return peer_id in rule.peers
        return await self.fleet.admits(peer_id)

    async def _stranger(self, peer_id: str, service: str) -> bool:
        """Whether a call of `service` by `peer_id` is a stranger's: admitted by a `public` rule
        alone (not this device, a trusted peer, a known fleet device, or one the rule lists).
        Its KV writes have a budget in the worker (`host_imports.KVWear`). Any other rule
        admitted the caller as one of those already (`admit`): nothing more to look up."""
        if (await self.access_rule(service)).kind is not AccessKind.PUBLIC:
            return False
        return peer_id != self.peer_id and not self.fleet.vouched(peer_id)

    async def may_see(self, peer_id: str, service: str) -> bool:
        """Whether srv.list and srv.info show `service` to `peer_id`: trusted peers see all."""
        return self.fleet.is_trusted(peer_id) or await self.may_call(peer_id, service)

    async def admit(self, peer_id: str, service: str, what: str = "call") -> None:
        """Nothing if `peer_id` may call `service`; else the ret_code 13 that says what to do."""
        if await self.may_call(peer_id, service):
            return
        rule = await self.access_rule(service)
        self._peer_log.warning(
            ("refused", service, peer_id), "refused a %s of %s by %s (access: %s)", what, service, peer_id,
            "listed peers" if rule.kind is AccessKind.PEERS else rule.kind.value,
        )
        if rule.kind is AccessKind.PEERS:
            hint = (
                f"its access lists other peers; from a trusted laptop: edge-agent deploy ... "
                f"--name {service} --access {rule.text},{peer_id}"
            )
        else:
            hint = (
                f"on the device: edge-agent trust add {peer_id}; or, for a device of the fleet, from a "
                f"trusted laptop: edge-agent enroll DEVICE; or redeploy it with --access public"
            )
        raise ServiceError(
            f"not authorised: {peer_id} may not {what} service {service!r} on this peer ({hint})",
            ret_code=RET_NOT_AUTHORISED,
        )

    # --- srv.* ------------------------------------------------------------------------------

    @staticmethod
    def describe(info: ServiceInfo, record: ServiceRecord | None) -> dict[str, Any]:
        """What srv.list and srv.info answer for one service."""
        limits = info.limits
        return {
            "name": info.name,
            "sha256": info.sha256,
            "size": info.size,
            "functions": sorted(info.functions),
            "abi_version": info.abi_version,
            "limits": {
                "fuel": limits.fuel,
                "memory_pages": limits.memory_pages,
                "deadline_ms": limits.deadline_ms,
            },
            "access": (record.access if record else DEFAULT_ACCESS).text,
            "deployed_at_ms": record.deployed_at_ms if record else 0,
        }

    async def _srv(self, caller: Caller, function: str, args: list[Any]) -> Any:
        return await srv_call(self, caller, function, args)

    async def check_trusted(self, caller: Caller, function: str, what: str) -> None:
        """Nothing if the caller is on the trust list as it is on disk now; else ret_code 13."""
        if caller.init_peer_id == self.peer_id:
            return
        if await asyncio.to_thread(self.state.is_trusted, caller.init_peer_id):
            return
        if self.events is None:  # else `_log_failure` tells `events`
            self._peer_log.warning(
                ("untrusted", function, caller.init_peer_id), "refused srv.%s from untrusted peer %s",
                function, caller.init_peer_id,
            )
        raise ServiceError(
            f"not authorised: {caller.init_peer_id} may not {what} on this peer "
            f"(on the device: edge-agent trust add {caller.init_peer_id})",
            ret_code=RET_NOT_AUTHORISED,
        )

    # --- fleet membership -------------------------------------------------------------------

    async def enroll(self, certificate: Membership, *, by: str) -> dict[str, Any]:
        """Keep `certificate`, which `by` (a trusted peer) signed to enroll this device."""
        if certificate.member != self.peer_id:
            raise ServiceError(
                f"srv.enroll: the certificate is for {certificate.member}, not this device ({self.peer_id})",
                ret_code=RET_BAD_REQUEST,
            )
        if certificate.by != by:
            raise ServiceError(
                f"srv.enroll: the certificate is signed for {certificate.by}, not for {by} who sent it",
                ret_code=RET_BAD_REQUEST,
            )
        if certificate.expires_ms <= self.clock_ms():
            raise ServiceError("srv.enroll: the certificate has expired", ret_code=RET_BAD_REQUEST)
        if not certificate.verifies(verify):
            raise ServiceError(f"srv.enroll: the signature is not {by}'s", ret_code=RET_BAD_REQUEST)
        try:
            kept = await asyncio.to_thread(self.state.put_membership, certificate, self.clock_ms())
        except (StoreError, OSError) as exc:
            raise ServiceError(f"could not store the certificate: {exc}") from None
        self._memberships = kept
        return {"member": certificate.member, "by": certificate.by, "expires_ms": certificate.expires_ms}

    async def membership_answer(self) -> bytes:
        """This device's answer to GET /membership: its unexpired certificates, as CBOR."""
        if self._memberships is None:
            try:
                mine = await asyncio.to_thread(self.state.memberships)
            except StoreError as exc:
                log.error("%s", exc)
                mine = []
            if self._memberships is None:
                self._memberships = mine
        now = self.clock_ms()
        return encode_memberships(c for c in self._memberships if c.expires_ms > now)

    async def deploy(
        self,
        name: str,
        sha256: str,
        limits: Mapping[str, Any],
        *,
        source: str,
        access: AccessRule = DEFAULT_ACCESS,
        update: UpdatePlan | None = None,
    ) -> dict[str, Any]:
        """Fetch (if needed), check, store and start a module as service `name`, callable by
        the peers `access` admits. A name already deployed is refused unless `update` says
        how to update it (`edge_agent.services.updates`); an update of a name not deployed is
        a first deploy."""
        parsed = self._deploy_limits(name, sha256, limits)
        wasm = await self._module(sha256, source, parsed)
        async with self._changing:
            previous = (await self.registry()).get(name)
            if previous is not None and update is not None:
                return await self.updates.update(
                    previous, wasm, parsed, _limits_record(limits), access, by=source, plan=update
                )
            if previous is not None:
                raise ServiceError(
                    f"service {name!r} is already deployed here (module {previous.module_sha256[:16]}): "
                    f"deploy --update to update it (the device keeps the running version for a rollback), "
                    f"or remove it first", ret_code=RET_BAD_REQUEST,
                )
            try:
                info = await self.host.deploy(name, wasm, parsed)  # validate + instrument + load
            except ModuleRejected as exc:
                raise ServiceError(f"module refused: {exc}", ret_code=RET_MODULE_REFUSED) from None
            now, kept = self.clock_ms(), _limits_record(limits)
            first = Version(1, sha256, kept, access.text, now, source)
            stored = {"size": len(wasm), "versions": [first.to_json()]}
            record = ServiceRecord(name, sha256, kept, now, stored, access)
            try:
                await asyncio.to_thread(_store_service, self.state, wasm, record)
            except (StoreError, OSError) as exc:
                await self._undo_deploy(name, previous)
                raise ServiceError(f"could not store the service: {exc}") from None
            self._registry = {**(await self.registry()), name: record}
        log.info("deployed service %s (module %s, %d bytes) for %s", name, sha256[:16], len(wasm), source)
        if self.spells is not None:
            self.spells.trigger(Trigger.SERVICE_DEPLOYED, service=name)
        if self.events is not None:
            self.events.deployed(source, name, sha256, access.text)
        return self.describe(info, record)

    def _deploy_limits(self, name: str, sha256: str, limits: Mapping[str, Any]) -> Limits:
        """The limits of a deploy request, once its name and hash are checked."""
        if name in RESERVED_NAMES or name.startswith(STAGE_PREFIX):
            raise ServiceError(f"{name!r} is reserved for a builtin service or updates; choose another name")
        if not _SHA256.match(sha256):
            raise ServiceError("srv.deploy: sha256 must be 64 lower-case hex digits")
        only_known(limits, DEPLOY_LIMITS, "limit")
        try:
            return self._limits(limits)
        except (TypeError, ValueError, ConfigError) as exc:
            raise ServiceError(f"srv.deploy: bad limits: {exc}", ret_code=RET_BAD_REQUEST) from None

    async def _module(self, sha256: str, source: str, limits: Limits) -> bytes:
        """The module with hash `sha256`: stored here, or fetched from `source` and checked."""
        wasm = await asyncio.to_thread(_stored_module, self.state, sha256)
        if wasm is None:
            if self.fetch_module is None:
                raise ServiceError(f"module {sha256[:16]} is not on this peer and it cannot fetch modules")
            try:
                wasm = await self.fetch_module(source, sha256)
            except Exception as exc:
                raise ServiceError(f"could not fetch module {sha256[:16]} from {source}: {exc}") from None
            if len(wasm) > limits.max_module_bytes:
                raise ServiceError(
                    f"the module is {len(wasm)} bytes, more than the limit of {limits.max_module_bytes}"
                )
        if await asyncio.to_thread(_sha256, wasm) != sha256:
            raise ServiceError(f"the module fetched from {source} does not have sha256 {sha256[:16]}")
        return wasm

    async def _undo_deploy(self, name: str, previous: ServiceRecord | None) -> None:
        """Put back what ran under `name` before a deploy that could not be stored."""
        try:
            if previous is None:
                await self.host.remove(name)
            else:
                wasm = await asyncio.to_thread(self.state.load_module, previous.module_sha256)
                await self.host.deploy(name, wasm, self._limits(previous.limits))
        except Exception as exc:  # noqa: BLE001 - the deploy error is what the caller reports
            log.error("could not restore service %s after a failed deploy: %s", name, exc)

    async def remove(self, name: str, *, purge: bool = False) -> dict[str, Any]:
        """Unregister, stop and forget service `name` and its versions. Its KV store stays, for
        a later deploy of the name, unless `purge` deletes it too."""
        async with self._changing:
            registry = await self.registry()
            if name not in self.host.services() and name not in registry:
                # A remove --purge cut short after the record went (a power cut) is finished.
                if purge and await asyncio.to_thread(_remove_kv_of_gone, self.state, name):
                    log.info("removed the KV data of %s (the service was removed before)", name)
                    return {"name": name, "removed": True, "purged": True}
                raise ServiceError(f"no service named {name!r} on this peer")
            self.updates.forget(name)
            await asyncio.to_thread(self.state.remove_service, name)
            self._registry = {n: r for n, r in registry.items() if n != name}
            await self.host.remove(name)
            await asyncio.to_thread(self.state.remove_unused_modules)
            purged = purge and await asyncio.to_thread(self.state.remove_kv, name)
        log.info("removed service %s%s", name, " and its KV data" if purged else "")
        return {"name": name, "removed": True, "purged": bool(purged)}

    def limits_of(self, values: Mapping[str, Any]) -> Limits:
        """A service's Wasm limits from its stored ones, over this device's defaults."""
        return self._limits(values)

    def _limits(self, values: Mapping[str, Any]) -> Limits:
        return Limits.from_mapping(dict(values), base=self.default_limits)


def _remove_kv_of_gone(state: StateDir, name: str) -> bool:
    """Remove the KV data a removed service `name` left; False if there is none (or the name
    could not be a service's)."""
    try:
        return state.remove_kv(name)
    except StoreError:
        return False


def _limits_record(limits: Mapping[str, Any]) -> dict[str, int]:
    return {k: v for k, v in limits.items() if type(v) is int}


def _stored_module(state: StateDir, sha256: str) -> bytes | None:
    """The stored module with hash `sha256`, or None if there is none (blocking file I/O)."""
    return state.load_module(sha256) if state.has_module(sha256) else None


def _store_service(state: StateDir, wasm: bytes, record: ServiceRecord) -> None:
    """Make a deploy durable: the module first, then the registry (each write atomic), then
    drop modules nothing uses any more (blocking file I/O with fsyncs)."""
    state.put_module(wasm)
    state.put_service(record)
    with contextlib.suppress(StoreError, OSError):
        state.remove_unused_modules()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
