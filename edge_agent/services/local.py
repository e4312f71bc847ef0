"""The services a networked peer offers to scripts, and the `srv.*` builtins that manage them.

One call request from the interpreter becomes one `CallResult`. Lookup order: the init
peer's client services (when this peer started the particle), deployed Wasm services, the
`srv` service, then the builtins (`op.*`, `peer.*`); anything else is "No service found".
Wasm calls go to the worker processes through `AsyncWasmHost` and never block the event
loop. `srv.deploy` and `srv.remove` change what runs here, so only particles whose init
peer is trusted (state dir `trusted_peers`) may call them; the particle's signature proves
who its init peer is.

Python handlers added with `add_handler` (tests) come right after the client services.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from edge_agent.clock import now_ms
from edge_agent.errors import ConfigError
from edge_agent.services.base import (
    RET_BAD_REQUEST,
    RET_MODULE_REFUSED,
    RET_NOT_AUTHORISED,
    CallResult,
    Handler,
    ServiceError,
)
from edge_agent.services.builtins import BUILTINS, CallContext, call_builtin, no_service
from edge_agent.services.client import CLIENT_SERVICES, ClientServices
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.host import AsyncWasmHost, ServiceInfo
from edge_agent.services.wasm.limits import Limits
from edge_agent.store import ServiceRecord, StateDir, StoreError

log = logging.getLogger(__name__)

RESERVED_NAMES = frozenset(BUILTINS) | CLIENT_SERVICES | {"srv"}
DEPLOY_LIMITS = frozenset({"fuel", "memory_pages", "deadline_ms"})
"""The limits a deployer may choose; the others (module size, stack) are the device's."""
_SHA256 = re.compile(r"[0-9a-f]{64}\Z")

ModuleFetcher = Callable[[str, str], Awaitable[bytes]]
"""fetch(peer_id, sha256) -> module bytes, from the peer that offers them."""


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a call is for: the particle's init peer and id, and (if we started it) its client services."""

    init_peer_id: str
    particle_id: str
    client: ClientServices | None = None


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
    ) -> None:
        self.peer_id = peer_id
        self.host = host
        self.state = state
        self.fetch_module = fetch_module
        self.default_limits = default_limits or Limits()
        self.clock_ms = clock_ms
        self.calls = 0
        self.failed_calls = 0
        self._handlers: dict[str, Handler] = {}

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
        for name, record in sorted(self.state.services().items()):
            try:
                wasm = self.state.load_module(record.module_sha256)
                await self.host.deploy(name, wasm, self._limits(record.limits))
            except (StoreError, ModuleRejected, ServiceError, ValueError) as exc:
                log.error("service %s could not be restored: %s", name, exc)
                failed.append(name)
        return failed

    # --- calls ----------------------------------------------------------------------------

    async def call(self, caller: Caller, service: str, function: str, args: list[Any]) -> CallResult:
        """One call request, as the interpreter asked for it; never raises."""
        self.calls += 1
        try:
            value = await self._dispatch(caller, service, function, args)
        except ServiceError as exc:
            self.failed_calls += 1
            return CallResult.failure(exc.message, exc.ret_code)
        except Exception as exc:  # a bug in one service must not take the peer down
            self.failed_calls += 1
            log.exception("service %s.%s failed unexpectedly", service, function)
            return CallResult.failure(f"internal error in {service}.{function}: {exc}", 1)
        return CallResult.success(value)

    async def _dispatch(self, caller: Caller, service: str, function: str, args: list[Any]) -> Any:
        if caller.client is not None and service in CLIENT_SERVICES:
            return caller.client.call(service, function, args)
        handler = self._handlers.get(service)
        if handler is not None:
            return handler(function, args)
        if service in self.host.services():
            return await self.host.call(service, function, args)
        if service == "srv":
            return await self._srv(caller, function, args)
        context = CallContext(self.peer_id, caller.init_peer_id, caller.particle_id, self.clock_ms())
        if service in BUILTINS:
            return call_builtin(service, function, args, context)
        raise no_service(service, function)

    # --- srv.* ------------------------------------------------------------------------------

    def describe(self, info: ServiceInfo) -> dict[str, Any]:
        record = self.state.services().get(info.name)
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
            "deployed_at_ms": record.deployed_at_ms if record else 0,
        }

    async def _srv(self, caller: Caller, function: str, args: list[Any]) -> Any:
        if function == "list":
            return [self.describe(info) for _, info in sorted(self.host.services().items())]
        if function == "info":
            name = _arg_str(args, 0, "srv.info(name)")
            info = self.host.services().get(name)
            if info is None:
                raise ServiceError(f"no service named {name!r} on this peer")
            return self.describe(info)
        if function == "deploy":
            self._check_trusted(caller, "deploy")
            name = _arg_str(args, 0, "srv.deploy(name, sha256, limits?)")
            sha = _arg_str(args, 1, "srv.deploy(name, sha256, limits?)")
            limits = args[2] if len(args) > 2 and args[2] is not None else {}
            if not isinstance(limits, dict):
                raise ServiceError("srv.deploy: limits must be an object such as {\"fuel\": 1000000}")
            return await self.deploy(name, sha, limits, source=caller.init_peer_id)
        if function == "remove":
            self._check_trusted(caller, "remove")
            name = _arg_str(args, 0, "srv.remove(name)")
            return await self.remove(name)
        raise no_service("srv", function)

    def _check_trusted(self, caller: Caller, what: str) -> None:
        if caller.init_peer_id == self.peer_id or self.state.is_trusted(caller.init_peer_id):
            return
        log.warning("refused srv.%s from untrusted peer %s", what, caller.init_peer_id)
        raise ServiceError(
            f"not authorised: {caller.init_peer_id} may not {what} services on this peer "
            f"(on the device: edge-agent trust add {caller.init_peer_id})",
            ret_code=RET_NOT_AUTHORISED,
        )

    async def deploy(
        self, name: str, sha256: str, limits: Mapping[str, Any], *, source: str
    ) -> dict[str, Any]:
        """Fetch (if needed), check, store and start a module as service `name`."""
        if name in RESERVED_NAMES:
            raise ServiceError(f"{name!r} is reserved for a builtin service; choose another name")
        if not _SHA256.match(sha256):
            raise ServiceError("srv.deploy: sha256 must be 64 lower-case hex digits")
        unknown = sorted(set(limits) - DEPLOY_LIMITS)
        if unknown:
            raise ServiceError(
                f"srv.deploy: unknown limit {unknown[0]!r}; "
                f"a deploy may set {', '.join(sorted(DEPLOY_LIMITS))}",
                ret_code=RET_BAD_REQUEST,
            )
        try:
            parsed = self._limits(limits)
        except (TypeError, ValueError, ConfigError) as exc:
            raise ServiceError(f"srv.deploy: bad limits: {exc}", ret_code=RET_BAD_REQUEST) from None
        if self.state.has_module(sha256):
            wasm = self.state.load_module(sha256)
        else:
            if self.fetch_module is None:
                raise ServiceError(f"module {sha256[:16]} is not on this peer and it cannot fetch modules")
            try:
                wasm = await self.fetch_module(source, sha256)
            except Exception as exc:
                raise ServiceError(f"could not fetch module {sha256[:16]} from {source}: {exc}") from None
            if len(wasm) > parsed.max_module_bytes:
                raise ServiceError(
                    f"the module is {len(wasm)} bytes, more than the limit of {parsed.max_module_bytes}"
                )
        if hashlib.sha256(wasm).hexdigest() != sha256:
            raise ServiceError(f"the module fetched from {source} does not have sha256 {sha256[:16]}")
        previous = self.state.services().get(name)
        try:
            info = await self.host.deploy(name, wasm, parsed)  # validate + instrument + load
        except ModuleRejected as exc:
            raise ServiceError(f"module refused: {exc}", ret_code=RET_MODULE_REFUSED) from None
        # Durable only once it runs: module first, then the registry (each write atomic).
        try:
            self.state.put_module(wasm)
            self.state.put_service(
                ServiceRecord(name, sha256, _limits_record(limits), self.clock_ms(), {"size": len(wasm)})
            )
        except (StoreError, OSError) as exc:
            await self._undo_deploy(name, previous)
            raise ServiceError(f"could not store the service: {exc}") from None
        with contextlib.suppress(StoreError, OSError):
            self.state.remove_unused_modules()
        log.info("deployed service %s (module %s, %d bytes) for %s", name, sha256[:16], len(wasm), source)
        return self.describe(info)

    async def _undo_deploy(self, name: str, previous: ServiceRecord | None) -> None:
        """Put back what ran under `name` before a deploy that could not be stored."""
        try:
            if previous is None:
                await self.host.remove(name)
            else:
                wasm = self.state.load_module(previous.module_sha256)
                await self.host.deploy(name, wasm, self._limits(previous.limits))
        except Exception as exc:  # noqa: BLE001 - the deploy error is what the caller reports
            log.error("could not restore service %s after a failed deploy: %s", name, exc)

    async def remove(self, name: str) -> dict[str, Any]:
        if name not in self.host.services() and name not in self.state.services():
            raise ServiceError(f"no service named {name!r} on this peer")
        self.state.remove_service(name)
        await self.host.remove(name)
        self.state.remove_unused_modules()
        log.info("removed service %s", name)
        return {"name": name, "removed": True}

    def _limits(self, values: Mapping[str, Any]) -> Limits:
        return Limits.from_mapping(dict(values), base=self.default_limits)


def _limits_record(limits: Mapping[str, Any]) -> dict[str, int]:
    return {k: v for k, v in limits.items() if type(v) is int}


def _arg_str(args: list[Any], index: int, usage: str) -> str:
    if len(args) <= index or type(args[index]) is not str:
        raise ServiceError(f"usage: {usage}")
    return args[index]
