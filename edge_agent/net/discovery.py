"""Peer discovery on the LAN over mDNS/DNS-SD (RFC 6762, RFC 6763), with python-zeroconf.

`Discovery` registers this agent as an instance of ``_edge-agent._udp.local.`` (SRV: the CoAP
port; TXT: ``txtvers=1``, ``id=<peer id>``, ``v=<version>``, ``proto=coap``, ``tags=``; changed
with `update_properties`) and browses for
the same type. Every other instance is resolved, validated and put into an `AddressBook` as
`Source.MDNS` addresses; its goodbye (or the expiry of its records) takes them out again.

What a stranger announces is untrusted: names are bounded before they are read, each
resolved instance is checked by `discovery_txt` (the pure TXT rules), a malformed one is
ignored and logged once (then at DEBUG, `logutil.OnceLog`), and nothing a packet carries can
raise into zeroconf's loop. zeroconf's own record cache is bounded from 0.149.7 on, the
lowest release pyproject.toml allows (before it, a flood of unique names filled memory).

This module drives zeroconf; it must not send particles or block the event loop. The
interfaces to use are `mdns_interfaces`'s choice; zeroconf's cache is read by `mdns_records`.
On a host without IPv6 (``ipv6.disable=1``) it runs on IPv4 only (`usable_ip_version`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zeroconf import ServiceInfo, ServiceStateChange
from zeroconf.asyncio import AsyncServiceBrowser, AsyncServiceInfo, AsyncZeroconf

from edge_agent import __version__, const
from edge_agent.identity import InvalidPeerId, validate_peer_id
from edge_agent.logutil import OnceLog
from edge_agent.net.addressbook import Address, AddressBook, Source
from edge_agent.net.discovery_resolves import Resolves
from edge_agent.net.discovery_state import DiscoveryTimings, State
from edge_agent.net.discovery_txt import (
    SERVICE_TYPE,
    DiscoveryError,
    Ignored,
    build_txt,
    check_instance_name,
    default_instance,
    is_cli_session,
    read_announcement,
)
from edge_agent.net.mdns_interfaces import IP_VERSIONS, IpVersion, choose_interfaces, usable_ip_version
from edge_agent.net.mdns_records import cached_announcement, scoped_addresses

__all__ = [
    "SERVICE_TYPE",
    "Discovery",
    "DiscoveryError",
    "DiscoveryTimings",
    "Peer",
    "State",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Peer:
    """One other agent's announced instance, as resolved and validated."""

    name: str
    """Full service instance name (``<instance>._edge-agent._udp.local.``)."""
    peer_id: str
    addresses: tuple[Address, ...]
    version: str | None
    """The ``v=`` TXT value, if it was well formed."""
    seen_at: float = field(compare=False)
    tags: tuple[str, ...] = ()
    """Its valid ``tags=`` TXT tags, sorted (`edge_agent.tags`)."""


class Discovery:
    """Announce this agent and find the others on the LAN; see the module docstring.

    `interfaces` are interface names (``"eth0"``) or IP addresses to use; None means every
    interface (loopback included for listening; only non-loopback addresses are announced
    unless there are none). `probe=False` skips the RFC 6762 §8.1 probing (about 1 s): only
    sensible where the instance name cannot clash. Pass `zeroconf` to share one
    `AsyncZeroconf`; the caller then closes it, and `interfaces` only choose what we announce.
    `register=False` only browses: a laptop CLI finds devices without announcing itself.
    """

    def __init__(
        self,
        peer_id: str,
        port: int,
        book: AddressBook | None = None,
        *,
        version: str = __version__,
        instance_name: str | None = None,
        interfaces: Sequence[str] | None = None,
        ip_version: IpVersion = "all",
        properties: Mapping[str, str] | None = None,
        probe: bool = True,
        zeroconf: AsyncZeroconf | None = None,
        service_type: str = SERVICE_TYPE,
        register: bool = True,
    ) -> None:
        try:
            validate_peer_id(peer_id)
        except InvalidPeerId as exc:
            raise DiscoveryError(f"cannot announce peer id: {exc}") from exc
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            raise DiscoveryError(f"the CoAP port to announce must be 1-65535, got {port!r}")
        if ip_version not in IP_VERSIONS:
            raise DiscoveryError(f"ip_version is one of 'all', 'v4', 'v6', got {ip_version!r}")
        if interfaces is not None and (isinstance(interfaces, str) or not interfaces):
            raise DiscoveryError(
                "interfaces is a non-empty list of interface names or addresses, e.g. ['eth0']"
            )
        self.peer_id = peer_id
        self.port = port
        self.book = book if book is not None else AddressBook()
        self.version = version
        self.service_type = service_type
        self._instance = check_instance_name(
            instance_name or default_instance(peer_id, socket.gethostname())
        )
        self._interfaces = list(interfaces) if interfaces is not None else None
        self._ip_version = ip_version
        self._probe = probe
        self._register_enabled = register
        self._txt = build_txt(peer_id, version, properties)
        # A host name of our own per run: agents sharing a machine (or network namespaces
        # sharing a UTS name) must not announce A records for one shared name.
        digest = hashlib.sha256(peer_id.encode()).hexdigest()[:12]
        self._server = f"ea-{digest}-{secrets.token_hex(3)}.local."
        self._zc: AsyncZeroconf | None = zeroconf
        self._owns_zc = zeroconf is None
        self._info: ServiceInfo | None = None
        self._browser: AsyncServiceBrowser | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._register_task: asyncio.Task[None] | None = None
        self._registered = asyncio.Event()
        self._is_registered = False
        self._register_error: BaseException | None = None
        self._resolves = Resolves(
            self._resolve, limit=const.DISCOVERY_MAX_PENDING_RESOLVES,
            waiting_limit=const.DISCOVERY_MAX_WAITING_RESOLVES, on_full=self._resolves_full,
        )
        self._forgone: set[str] = set()  # peer ids not to wait for (forgo)
        self._instances: dict[str, Peer] = {}
        self._changed = asyncio.Event()
        self._stopped = asyncio.Event()
        self._state = State.NEW
        self._t0 = 0.0
        self._warn = OnceLog(log)
        self.timings = DiscoveryTimings()
        self.advertised: tuple[str, ...] = ()
        """The addresses we announce (set by `start`)."""

    # --- public API --------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def instance_name(self) -> str:
        """Our full service instance name (it may gain a "-2" suffix in a name clash)."""
        if self._info is not None:
            return self._info.name
        return f"{self._instance}.{self.service_type}"

    @property
    def registered(self) -> bool:
        """Whether our instance is registered (probing done) and not yet unregistered."""
        return self._is_registered

    def peers(self) -> dict[str, tuple[Address, ...]]:
        """Each discovered peer id with its announced addresses (all its instances)."""
        result: dict[str, list[Address]] = {}
        for inst in self._instances.values():
            addrs = result.setdefault(inst.peer_id, [])
            addrs.extend(a for a in inst.addresses if a not in addrs)
        return {p: tuple(a) for p, a in result.items()}

    def instances(self) -> tuple[Peer, ...]:
        """The resolved instances of other agents."""
        return tuple(self._instances.values())

    def announced(self, name: str) -> tuple[frozenset[str], tuple[Address, ...]]:
        """Every valid peer id (but ours) and every address announced for the instance `name`
        (the full name): the resolved instance's, and those of each unexpired TXT and SRV
        record zeroconf holds for it. Resolving keeps one record of each kind, so this is
        where two agents claiming one name both show, each with its addresses."""
        key = name.lower()
        ids = {p.peer_id for k, p in self._instances.items() if k == key}
        addresses = [a for k, p in self._instances.items() if k == key for a in p.addresses]
        if self._zc is not None:
            cached_ids, cached_addresses = cached_announcement(self._zc.zeroconf, name)
            ids |= cached_ids
            addresses.extend(cached_addresses)
        ids.discard(self.peer_id)
        return frozenset(ids), tuple(dict.fromkeys(addresses))[: const.ADDRESSBOOK_MAX_ADDRESSES_PER_PEER]

    async def start(self, *, wait_registered: bool = True) -> None:
        """Open mDNS sockets, start browsing and register our instance. Idempotent; after a
        failed start (`DiscoveryError`) nothing is left open and start may be tried again.

        With `wait_registered`, return once probing is done (1-2 s, RFC 6762 §8.1) — raising
        `DiscoveryError` if registration fails; otherwise return at once and let registration
        finish in the background (see `wait_registered`).
        """
        if self._state is State.RUNNING:
            if wait_registered:
                await self.wait_registered()
            return
        if self._state is not State.NEW:
            raise DiscoveryError("this Discovery was stopped; create a new one to start again")
        self._loop = asyncio.get_running_loop()
        self._t0 = time.monotonic()
        zc_interfaces, ip_version, advertised = choose_interfaces(
            self._interfaces, usable_ip_version(self._ip_version)
        )
        self.advertised = tuple(advertised)
        try:
            if self._zc is None:
                self._zc = AsyncZeroconf(interfaces=zc_interfaces, ip_version=ip_version)
            self._info = AsyncServiceInfo(
                self.service_type,
                f"{self._instance}.{self.service_type}",
                port=self.port,
                properties=self._txt,
                server=self._server,
                parsed_addresses=list(advertised),
            )
            self._browser = AsyncServiceBrowser(
                self._zc.zeroconf, [self.service_type], handlers=[self._on_service_state_change]
            )
        except Exception as exc:
            self._info = self._browser = None
            await self._close_zeroconf()
            raise DiscoveryError(
                f"cannot start mDNS on {self._interfaces or 'all interfaces'} "
                f"(ip_version={self._ip_version}): {exc}. Check that the interfaces exist and "
                f"have addresses, and that UDP port 5353 can be bound"
            ) from exc
        self._state = State.RUNNING
        self.timings.browse_s = time.monotonic() - self._t0
        if self._register_enabled:
            self._register_task = self._loop.create_task(self._register())
        log.debug(
            "discovery browsing %s on %s, announcing %s as %r",
            self.service_type, self._interfaces or "all interfaces",
            ", ".join(advertised), self.instance_name,
        )
        if wait_registered and self._register_enabled:
            await self.wait_registered()

    async def wait_registered(self, timeout: float = const.DISCOVERY_REGISTER_TIMEOUT_S) -> None:
        """Wait until our instance is registered; `DiscoveryError` if it failed or timed out."""
        if self._state is State.NEW:
            raise DiscoveryError("discovery is not started; call start() first")
        try:
            await asyncio.wait_for(self._registered.wait(), timeout)
        except asyncio.TimeoutError:
            raise DiscoveryError(
                f"registering {self.instance_name!r} took longer than {timeout} s; is the event "
                f"loop blocked, or is multicast not working on "
                f"{self._interfaces or 'any interface'}?"
            ) from None
        if self._register_error is not None:
            raise DiscoveryError(
                f"registering {self.instance_name!r} failed: {self._register_error}"
            ) from self._register_error
        if not self._is_registered:
            raise DiscoveryError(f"{self.instance_name!r} is not registered: discovery stopped")

    async def update_properties(self, properties: Mapping[str, str] | None) -> None:
        """Announce `properties` (besides our own keys) in place of the previous ones: once
        registered, the new TXT record goes out at once (RFC 6762 §8.4), before `start` it is
        the one `start` announces. `DiscoveryError` if it cannot be built or registering failed."""
        self._txt = build_txt(self.peer_id, self.version, properties)
        if self._state is not State.RUNNING or not self._register_enabled:
            return
        await self.wait_registered()
        assert self._zc is not None and self._info is not None
        self._info = AsyncServiceInfo(  # the name registered (a clash may have renamed it)
            self.service_type, self._info.name, port=self.port, properties=self._txt,
            server=self._server, parsed_addresses=list(self.advertised),
        )
        await (await self._zc.async_update_service(self._info))

    async def wait_for(
        self, peer_id: str | None = None, *, count: int | None = None, timeout: float
    ) -> dict[str, tuple[Address, ...]]:
        """Wait until `peer_id` is discovered, or until `count` other peers are; returns
        `peers()`. Raises TimeoutError (saying what was found) after `timeout` seconds."""
        if (peer_id is None) == (count is None):
            raise ValueError("give exactly one of peer_id and count")
        if peer_id is not None:
            await self._wait(lambda: peer_id in self.peers() or peer_id in self._forgone, timeout,
                             f"peer {peer_id}")
            if peer_id not in self.peers():
                raise TimeoutError(f"peer {peer_id} was looked for and not found")
        else:
            assert count is not None
            what = f"{count} peer(s)"
            await self._wait(lambda: len(self.peers()) >= count, timeout, what)
        return self.peers()

    def forgo(self, peer_id: str) -> None:
        """Stop waiting for `peer_id`: `wait_for` it, now or later, times out at once unless it
        is here (the CLI looked for it and did not find it, so a script's copy for it fails at
        once, error 14)."""
        if len(self._forgone) < const.ADDRESSBOOK_MAX_PEERS:
            self._forgone.add(peer_id)
            self._notify()

    async def wait_gone(self, peer_id: str, *, timeout: float) -> None:
        """Wait until `peer_id` has no announced instance left (goodbye or expiry)."""
        await self._wait(lambda: peer_id not in self.peers(), timeout, f"{peer_id} to leave")

    async def stop(self) -> None:
        """Say goodbye (awaited, RFC 6762 §10.1), stop browsing, close zeroconf, and take our
        mDNS addresses out of the book. Idempotent; never raises for network trouble."""
        if self._state is State.NEW:
            self._state = State.STOPPED
            self._stopped.set()
            return
        if self._state is State.STOPPING:
            await self._stopped.wait()
            return
        if self._state is State.STOPPED:
            return
        self._state = State.STOPPING
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(self._shutdown(), const.DISCOVERY_STOP_TIMEOUT_S)
        except asyncio.TimeoutError:
            log.warning(
                "discovery stop took longer than %.1f s; peers may keep our address until "
                "its records expire", const.DISCOVERY_STOP_TIMEOUT_S,
            )
        except Exception as exc:  # noqa: BLE001 - stop must finish; the network may be gone
            log.warning("discovery stop: %s", exc)
        finally:
            for peer_id in {inst.peer_id for inst in self._instances.values()}:
                self.book.set_addresses(peer_id, Source.MDNS, [])
            self._instances.clear()
            self._is_registered = False
            self._state = State.STOPPED
            self._registered.set()
            self._stopped.set()
            self._notify()
            self.timings.stop_s = time.monotonic() - t0
        log.info("discovery stopped in %.2f s", self.timings.stop_s)

    async def __aenter__(self) -> Discovery:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def __repr__(self) -> str:
        return f"<Discovery {self.instance_name!r} {self._state.value} peers={len(self.peers())}>"

    # --- registration and shutdown -----------------------------------------------------------

    async def _register(self) -> None:
        assert self._zc is not None and self._info is not None
        try:
            announcing = await self._zc.async_register_service(
                self._info, allow_name_change=True, cooperating_responders=not self._probe
            )
            self._is_registered = True
            self.timings.registered_s = time.monotonic() - self._t0
            self._registered.set()
            log.info(
                "registered %r (%s port %d) in %.2f s",
                self._info.name, ", ".join(self.advertised), self.port,
                self.timings.registered_s,
            )
            await announcing
            self.timings.announced_s = time.monotonic() - self._t0
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported through wait_registered
            self._register_error = exc
            self._registered.set()
            log.error("could not register %r over mDNS: %s", self.instance_name, exc)

    async def _shutdown(self) -> None:
        if self._browser is not None:
            await self._browser.async_cancel()
        tasks = self._resolves.close()
        if self._register_task is not None and not self._register_task.done():
            self._register_task.cancel()
            tasks.append(self._register_task)
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        if self._is_registered and self._zc is not None and self._info is not None:
            # The first await hands back the task that sends the goodbyes; without awaiting
            # it too, closing zeroconf would cancel them and peers would keep our records.
            await (await self._zc.async_unregister_service(self._info))
            self._is_registered = False
        await self._close_zeroconf()

    async def _close_zeroconf(self) -> None:
        if self._owns_zc and self._zc is not None:
            zc, self._zc = self._zc, None
            await zc.async_close()

    # --- browsing ----------------------------------------------------------------------------

    def _on_service_state_change(
        self,
        zeroconf: Any,
        service_type: str,
        name: str,
        state_change: ServiceStateChange,
    ) -> None:
        """zeroconf's browser callback, on the event loop. Never raises."""
        try:
            self._handle_change(name, state_change)
        except Exception:  # noqa: BLE001 - a bug here must not break zeroconf's loop
            log.exception("discovery could not handle %s of %.80r", state_change, name)

    def _handle_change(self, name: str, state_change: ServiceStateChange) -> None:
        if self._state is not State.RUNNING:
            return
        if not isinstance(name, str) or len(name.encode("utf-8", "replace")) > (
            const.DISCOVERY_MAX_SERVICE_NAME_BYTES
        ):
            self._warn.warning(
                ("name", "oversized"), "ignoring an mDNS instance with an oversized name %.60r...",
                name,
            )
            return
        key = name.lower()
        if self._info is not None and key == self._info.name.lower():
            return  # ourselves
        if state_change is ServiceStateChange.Removed:
            self._resolves.forget(name)
            self._forget(key)
            return
        self._resolves.want(name)

    def _resolves_full(self, name: str) -> None:
        self._warn.warning(
            ("flood", "resolves"),
            "more than %d mDNS instances resolving at once; %.80r and later ones wait their turn",
            const.DISCOVERY_MAX_PENDING_RESOLVES, name,
        )

    async def _resolve(self, name: str) -> None:
        zc = self._zc
        if zc is None:
            return
        try:
            info = AsyncServiceInfo(self.service_type, name)
            found = await info.async_request(zc.zeroconf, const.DISCOVERY_RESOLVE_TIMEOUT_S * 1000)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a hostile name must not raise into the loop
            self._warn.warning(
                ("resolve", name.lower()), "cannot resolve mDNS instance %.80r: %s", name, exc
            )
            return
        if not found:
            log.debug("mDNS instance %.80r did not resolve in time", name)
            return
        if self._state is not State.RUNNING:
            return
        try:
            self._accept(name, info)
        except Exception:  # noqa: BLE001 - our bug; the loop and the other peers go on
            log.exception("discovery could not take in mDNS instance %.80r", name)

    def _accept(self, name: str, info: ServiceInfo) -> None:
        """Validate a resolved instance and record it, or ignore it (logged once)."""
        key = name.lower()
        peer = self._validate(name, info)
        if peer is None:
            self._forget(key)
            return
        old = self._instances.get(key)
        if old is None and not self._room_for(peer.peer_id):
            self._warn.warning(
                ("flood", "instances"), "already tracking %d mDNS instances; ignoring %.80r",
                len(self._instances), name,
            )
            return
        self._instances[key] = peer
        if old is not None and old.peer_id != peer.peer_id:
            self._sync_book(old.peer_id)
        self._sync_book(peer.peer_id)
        if self.timings.first_peer_s is None:
            self.timings.first_peer_s = time.monotonic() - self._t0
        if old is None or old != peer:
            log.log(
                logging.DEBUG if is_cli_session(name) else logging.INFO, "discovered %s at %s (%r, v%s)",
                peer.peer_id, ", ".join(map(str, peer.addresses)), name, peer.version or "?",
            )
        self._notify()

    def _room_for(self, peer_id: str) -> bool:
        """Whether a new instance of `peer_id` may be tracked: at most a few of one peer id
        (a stranger's 1,024 names of one id filled the table for good, and devices that
        joined or restarted later were ignored), and when the table is full, the oldest
        instance of a peer the address book has let go (its rule: strangers' unproven
        entries first) gives way."""
        if sum(i.peer_id == peer_id for i in self._instances.values()) >= (
            const.DISCOVERY_MAX_INSTANCES_PER_PEER
        ):
            return False
        if len(self._instances) < const.ADDRESSBOOK_MAX_PEERS:
            return True
        for key, inst in self._instances.items():
            if not self.book.lookup(inst.peer_id):
                del self._instances[key]  # quietly: a flood must not fill the journal
                return True
        return False

    def _validate(self, name: str, info: ServiceInfo) -> Peer | None:
        about = name.lower()
        try:
            found = read_announcement(
                txt_bytes=len(info.text or b""),
                properties=info.properties or {},
                port=info.port,
                hosts=scoped_addresses(info),
            )
        except Ignored as exc:
            self._warn.warning((exc.kind, about), "ignoring mDNS instance %.80r: %s", name, exc)
            return None
        if found.peer_id == self.peer_id:
            if self._info is not None and about != self._info.name.lower():
                self._warn.warning(
                    ("own-id", about), "mDNS instance %.80r claims our own peer id; ignoring it",
                    name,
                )
            return None
        if found.bad_version is not None:
            self._warn.warning(
                ("version", about), "mDNS instance %.80r has a malformed v= (%.40r)",
                name, found.bad_version,
            )
        if not found.addresses:
            log.debug("mDNS instance %.80r has no usable address yet", name)
            return None
        return Peer(name, found.peer_id, found.addresses, found.version, time.monotonic(), found.tags)

    def _forget(self, key: str) -> None:
        old = self._instances.pop(key, None)
        if old is None:
            return
        self._sync_book(old.peer_id)
        log.log(logging.DEBUG if is_cli_session(old.name) else logging.INFO,
                "peer %s left (%r)", old.peer_id, old.name)
        self._notify()

    def _sync_book(self, peer_id: str) -> None:
        addrs: list[Address] = []
        for inst in self._instances.values():
            if inst.peer_id == peer_id:
                addrs.extend(a for a in inst.addresses if a not in addrs)
        if not self.book.set_addresses(peer_id, Source.MDNS, addrs):
            log.debug("address book full; %s not added", peer_id)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait(self, done: Any, timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not done():
            if self._state is State.STOPPED:
                raise TimeoutError(f"discovery stopped while waiting for {what}")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"no {what} within {timeout} s; discovered so far: "
                    f"{sorted(self.peers()) or 'nobody'}"
                )
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass
