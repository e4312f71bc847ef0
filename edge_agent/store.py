"""The state directory: identity key, trusted peers, memberships, modules, service registry.

Everything the agent must keep across restarts and power loss lives here; every file is
replaced atomically (`edge_agent.statefile`), so a kill -9 or a power cut leaves the old or
the new version of a file, never a mix. A laptop's pins of device names are
`edge_agent.known_peers`, a service's key-value store `edge_agent.kvstore`.

Layout (default /var/lib/edge-agent, mode 0700)::

    identity.key              Ed25519 private key, PKCS#8 PEM, mode 0600 (openssl-readable)
    trusted_peers             peer ids allowed to deploy/remove services, one per line
    membership.json           this device's fleet membership certificates (edge_agent.access)
    known_peers               (the laptop's) device name -> peer id pinned on first use
    services.json             service registry: name -> module hash, limits, access, deployed-at
    modules/<sha256>.wasm     deployed modules, named by the SHA-256 of their bytes
    kv/<service>/kv.cbor      one service's key-value store, rewritten whole on each change
    .lock, kv/<service>/.lock flock(2) files serialising read-modify-write across processes

This module does blocking file I/O and is meant for the places that may block: start-up, the
CLI, and the Wasm worker process. It never logs key material.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from edge_agent import const, identity
from edge_agent.access import BadMembership, Membership
from edge_agent.known_peers import KnownPeers
from edge_agent.kvstore import KVLimits, KVStore
from edge_agent.service_record import (
    DAMAGE,
    SERVICES_FORMAT,
    SHA256_HEX,
    ServiceRecord,
    check_service_name,
    parse_services,
    readable_records,
    valid_service_name,
)
from edge_agent.statefile import (
    LOCK_FILE,
    CorruptState,
    FileLock,
    QuotaExceeded,
    StoreError,
    UnsafePermissions,
    atomic_write,
    cleanup_temp_files,
    create_exclusive,
    fsync_dir,
    json_entries,
    move_aside,
    peer_id_lines,
    read_bounded,
)

# The errors, KVLimits and KVStore are re-exported: many callers name them as store.X.
__all__ = [
    "CorruptState",
    "KVLimits",
    "KVStore",
    "QuotaExceeded",
    "ServiceRecord",
    "StateDir",
    "StoreError",
    "TrustList",
    "UnsafePermissions",
    "valid_service_name",
]

logger = logging.getLogger(__name__)

IDENTITY_FILE = "identity.key"
TRUSTED_FILE = "trusted_peers"
KNOWN_PEERS_FILE = "known_peers"
SERVICES_FILE = "services.json"
MEMBERSHIP_FILE = "membership.json"
MODULES_DIR = "modules"
KV_DIR = "kv"

_MEMBERSHIP_FORMAT = 1
_MEMBERSHIP_MAX_FILE_BYTES = 16 * 1024
_IDENTITY_MAX_BYTES = 4096


# --- the state directory ------------------------------------------------------------------


class StateDir:
    """The agent's state directory; see the module docstring for the layout.

    Opening it creates what is missing (the directory with mode 0700) and removes temp
    files left by writers that died. Read-modify-write operations hold a lock file, so the
    CLI (`edge-agent trust add`) and a running agent can both write.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = const.DEFAULT_STATE_DIR,
        *,
        create: bool = True,
        max_module_bytes: int = const.DEFAULT_MAX_MODULE_BYTES,
        kv_limits: KVLimits | None = None,
    ) -> None:
        self.path = Path(path)
        self.max_module_bytes = max_module_bytes
        self.kv_limits = kv_limits or KVLimits()
        try:
            if create:
                self.path.mkdir(mode=0o700, parents=True, exist_ok=True)
                (self.path / MODULES_DIR).mkdir(mode=0o700, exist_ok=True)
                (self.path / KV_DIR).mkdir(mode=0o700, exist_ok=True)
            elif not self.path.is_dir():
                raise StoreError(
                    f"state directory {self.path} does not exist: run `edge-agent init` "
                    f"or set state_dir in the config"
                )
            for directory in (self.path, self.path / MODULES_DIR):
                cleanup_temp_files(directory)
        except PermissionError as exc:
            raise StoreError(
                f"state directory {self.path}: {exc.strerror}; run as the agent's user or "
                f"set state_dir to a directory you can write"
            ) from exc
        self._lock = FileLock(self.path / LOCK_FILE)
        self.known = KnownPeers(self.path / KNOWN_PEERS_FILE, self._lock)
        """A laptop's pins of device names (the CLI's own state dir)."""

    def __repr__(self) -> str:
        return f"StateDir({str(self.path)!r})"

    # --- identity ---

    @property
    def identity_path(self) -> Path:
        return self.path / IDENTITY_FILE

    def load_identity(self) -> identity.KeyPair | None:
        """This agent's key pair, or None before the first start.

        Refuses a key file that others can read or write (like ssh does): a leaked key lets
        anyone act as this device, and one others could write lets them replace it.
        """
        path = self.identity_path
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        try:
            st = os.fstat(fd)
            if st.st_mode & 0o077:
                raise UnsafePermissions(
                    f"{path} has mode {stat.S_IMODE(st.st_mode):04o}: the identity key must be "
                    f"private to its owner; run `chmod 600 {path}` (and consider the key "
                    f"leaked if others could read it)"
                )
            if st.st_size > _IDENTITY_MAX_BYTES:
                raise CorruptState(f"{path} is {st.st_size} bytes, too large for a key file")
            data = os.read(fd, _IDENTITY_MAX_BYTES + 1)
        finally:
            os.close(fd)
        try:
            return identity.KeyPair.from_pem(data)
        except identity.InvalidKey as exc:
            raise CorruptState(
                f"{path} is not a usable identity key ({exc}); restore it from a backup, or "
                f"move it away to make a new identity (the peer id will change)"
            ) from None

    def load_or_create_identity(self) -> identity.KeyPair:
        """This agent's key pair, created with mode 0600 on first use."""
        existing = self.load_identity()
        if existing is not None:
            return existing
        pair = identity.KeyPair.generate()
        if create_exclusive(self.identity_path, pair.to_pem(), mode=0o600):
            logger.info("created identity %s in %s", pair.peer_id, self.identity_path)
            return pair
        loaded = self.load_identity()  # another process created it first: use theirs
        assert loaded is not None
        return loaded

    # --- trusted peers ---

    @property
    def trusted_path(self) -> Path:
        return self.path / TRUSTED_FILE

    def trusted_peers(self) -> frozenset[str]:
        """Peer ids allowed to deploy and remove services here."""
        return frozenset(self._read_trusted())

    def is_trusted(self, peer_id: str) -> bool:
        return peer_id in self._read_trusted()

    def trust(self, peer_id: str) -> bool:
        """Add `peer_id` to the trusted peers; whether it was new."""
        try:
            identity.validate_peer_id(peer_id)
        except identity.InvalidPeerId as exc:
            raise StoreError(f"cannot trust {peer_id!r}: {exc}") from None
        with self._lock():
            peers = self._read_trusted()
            if peer_id in peers:
                return False
            self._write_trusted([*peers, peer_id])
        logger.info("trusted peer %s", peer_id)
        return True

    def distrust(self, peer_id: str) -> bool:
        """Remove `peer_id` from the trusted peers; whether it was there."""
        with self._lock():
            peers = self._read_trusted()
            if peer_id not in peers:
                return False
            self._write_trusted([p for p in peers if p != peer_id])
        logger.info("no longer trusting peer %s", peer_id)
        return True

    def _read_trusted(self) -> list[str]:
        peers: list[str] = []
        for line in peer_id_lines(self.trusted_path, const.MAX_TRUSTED_FILE_BYTES, "trusted peers file"):
            if line.rest:
                raise CorruptState(
                    f"{self.trusted_path}, line {line.number}: {line.rest[:40]!r} after the peer id; "
                    f"one peer id a line (fix or delete the line)"
                )
            if line.peer_id not in peers:
                peers.append(line.peer_id)
        return peers

    def _write_trusted(self, peers: list[str]) -> None:
        text = (
            "# Peers allowed to deploy and remove services on this agent, one peer id a line.\n"
            "# Edit with `edge-agent trust add|remove PEER_ID`.\n"
            + "".join(f"{p}\n" for p in peers)
        )
        atomic_write(self.trusted_path, text.encode(), mode=0o644)

    # --- fleet membership ---

    @property
    def membership_path(self) -> Path:
        return self.path / MEMBERSHIP_FILE

    def memberships(self) -> list[Membership]:
        """This device's fleet membership certificates, as stored (expired ones included)."""
        raw = read_bounded(self.membership_path, _MEMBERSHIP_MAX_FILE_BYTES, "membership file")
        if raw is None:
            return []
        try:
            entries = json_entries(raw, _MEMBERSHIP_FORMAT, "certificates", list)
            return [Membership.from_json(e) for e in entries[: const.MEMBERSHIP_MAX_CERTIFICATES]]
        except (ValueError, BadMembership) as exc:
            raise CorruptState(
                f"{self.membership_path} cannot be read ({exc}); move it away and enroll this "
                f"device again (edge-agent enroll, from a trusted laptop)"
            ) from None

    def put_membership(self, certificate: Membership, now_ms: int) -> list[Membership]:
        """Keep `certificate` in place of any other from the same enrolling peer, dropping
        expired ones and, past `const.MEMBERSHIP_MAX_CERTIFICATES`, those that expire first;
        the certificates kept."""
        with self._lock():
            kept = [
                c for c in self.memberships() if c.by != certificate.by and c.expires_ms > now_ms
            ]
            kept.append(certificate)
            kept.sort(key=lambda c: c.expires_ms, reverse=True)
            kept = kept[: const.MEMBERSHIP_MAX_CERTIFICATES]
            doc = {"format": _MEMBERSHIP_FORMAT, "certificates": [c.to_json() for c in kept]}
            atomic_write(
                self.membership_path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o644
            )
        logger.info("enrolled in the fleet of %s until %d ms", certificate.by, certificate.expires_ms)
        return kept

    # --- modules ---

    def module_path(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not SHA256_HEX.fullmatch(sha256):
            raise StoreError(f"{sha256!r} is not a module hash (64 lower-case hex digits)")
        return self.path / MODULES_DIR / f"{sha256}.wasm"

    def put_module(self, wasm: bytes) -> str:
        """Store a module under its SHA-256 (hex), which is returned. Idempotent."""
        if len(wasm) > self.max_module_bytes:
            raise StoreError(
                f"module is {len(wasm)} bytes, over wasm.max_module_bytes ({self.max_module_bytes})"
            )
        digest = hashlib.sha256(wasm).hexdigest()
        path = self.module_path(digest)
        if path.exists():
            try:
                self.load_module(digest)
                return digest
            except CorruptState:
                logger.warning("rewriting corrupt module file %s", path)
        atomic_write(path, bytes(wasm), mode=0o644)
        return digest

    def load_module(self, sha256: str) -> bytes:
        """A stored module's bytes, checked against its hash (`CorruptState` if they differ)."""
        path = self.module_path(sha256)
        data = read_bounded(path, max(self.max_module_bytes, const.DEFAULT_MAX_MODULE_BYTES),
                             "module")
        if data is None:
            raise StoreError(f"module {sha256} is not stored here ({path} is missing)")
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptState(
                f"{path} does not match its SHA-256 (disk corruption?): redeploy the service"
            )
        return data

    def has_module(self, sha256: str) -> bool:
        return self.module_path(sha256).is_file()

    def module_hashes(self) -> frozenset[str]:
        """Hashes of every stored module."""
        names = os.listdir(self.path / MODULES_DIR)
        return frozenset(
            n[:-5] for n in names if n.endswith(".wasm") and SHA256_HEX.fullmatch(n[:-5])
        )

    def remove_module(self, sha256: str) -> bool:
        """Delete a stored module; whether it was there."""
        path = self.module_path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        fsync_dir(path.parent)
        return True

    def remove_unused_modules(self) -> list[str]:
        """Delete modules no registered service uses, nor a version it keeps; their hashes."""
        with self._lock():
            used = {h for r in self._read_services().values() for h in r.modules()}
            unused = sorted(self.module_hashes() - used)
            for digest in unused:
                self.remove_module(digest)
        return unused

    # --- the service registry ---

    @property
    def services_path(self) -> Path:
        return self.path / SERVICES_FILE

    def services(self) -> dict[str, ServiceRecord]:
        """Every registered service by name."""
        return self._read_services()

    def put_service(self, record: ServiceRecord) -> ServiceRecord | None:
        """Register or replace a service (atomically); the record it replaced, if any.

        Store its module first (`put_module`): a record whose module is missing is refused.
        """
        if not self.has_module(record.module_sha256):
            raise StoreError(
                f"service {record.name}: module {record.module_sha256} is not stored; "
                f"put_module() first"
            )
        with self._lock():
            services = self._read_services()
            old = services.get(record.name)
            services[record.name] = record
            self._write_services(services)
        return old

    def remove_service(self, name: str) -> ServiceRecord | None:
        """Unregister a service; its record, or None if there was none. Its module and KV
        store stay (see `remove_unused_modules`, `remove_kv`)."""
        with self._lock():
            services = self._read_services()
            old = services.pop(name, None)
            if old is not None:
                self._write_services(services)
        return old

    def salvage_services(self) -> str | None:
        """At start, before the registry is used: if services.json cannot be read (a bad
        sector, a hand edit), move it aside (`move_aside`) and keep the records in it that
        still read, so the agent starts and can be redeployed to rather than stop in a loop.
        What happened, for the journal (None if the registry was fine)."""
        with self._lock():
            raw: bytes | None = None
            try:
                raw = read_bounded(self.services_path, const.MAX_SERVICES_FILE_BYTES, "service registry")
                if raw is None:
                    return None
                parse_services(raw)
                return None
            except DAMAGE as exc:  # CorruptState too: it is too large
                problem = str(exc) or type(exc).__name__
            kept, lost = readable_records(raw or b"")
            try:
                aside = move_aside(self.services_path)
            except OSError as exc:
                raise CorruptState(
                    f"{self.services_path} cannot be read ({problem}) nor moved aside ({exc}); "
                    f"move it away by hand (services will then have to be redeployed)"
                ) from None
            if kept:
                self._write_services(kept)
        names = f" ({', '.join(sorted(lost))})" if lost else ""
        return (
            f"{self.services_path} could not be read ({problem}); it was moved to {aside}. "
            f"Kept {len(kept)} service(s); those it named that could not be read{names} must be "
            f"deployed again (their KV data is kept)"
        )

    def _read_services(self) -> dict[str, ServiceRecord]:
        raw = read_bounded(self.services_path, const.MAX_SERVICES_FILE_BYTES, "service registry")
        if raw is None:
            return {}
        try:
            return parse_services(raw)
        except (ValueError, StoreError) as exc:
            raise CorruptState(
                f"{self.services_path} cannot be read ({exc}); restore it from a backup or "
                f"move it away (services will then have to be redeployed)"
            ) from None

    def _write_services(self, services: Mapping[str, ServiceRecord]) -> None:
        doc = {
            "format": SERVICES_FORMAT,
            "services": {n: services[n].to_json() for n in sorted(services)},
        }
        atomic_write(
            self.services_path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o644
        )

    # --- KV stores ---

    def kv_path(self, service: str) -> Path:
        check_service_name(service)
        return self.path / KV_DIR / service

    def kv(self, service: str, limits: KVLimits | None = None) -> KVStore:
        """The KV store of `service` (created empty if needed)."""
        return KVStore(self.kv_path(service), limits or self.kv_limits)

    def remove_kv(self, service: str) -> bool:
        """Delete a service's KV store; whether there was one."""
        path = self.kv_path(service)
        if not path.exists():
            return False
        shutil.rmtree(path)
        fsync_dir(path.parent)
        return True


class TrustList:
    """A state dir's trusted peers, reread only when the file changed (one stat), so callers
    on the event loop can ask often: `refresh()` stats the file, `recheck()` at most once
    per `every_s` seconds. A file that cannot be read leaves the peers read before."""

    def __init__(
        self,
        state: StateDir,
        *,
        every_s: float = const.TRUST_RECHECK_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.state = state
        self.peers: frozenset[str] = frozenset()
        self._path = os.fspath(state.trusted_path)
        self._stamp: tuple[int, int] | None = None
        self._every_s = every_s
        self._clock = clock
        self._checked = float("-inf")
        self.refresh()

    def refresh(self) -> None:
        """Reread the file if its modification time or size changed."""
        self._checked = self._clock()
        try:
            st = os.stat(self._path)
            stamp: tuple[int, int] | None = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return
        try:
            self.peers = self.state.trusted_peers() if stamp is not None else frozenset()
        except StoreError as exc:  # a bad hand edit: keep the list we had, say why once
            logger.error("keeping the trusted peers read before: %s", exc)
        self._stamp = stamp

    def recheck(self) -> None:
        """`refresh()`, unless it ran less than `every_s` seconds ago."""
        if self._clock() - self._checked >= self._every_s:
            self.refresh()

    def __contains__(self, peer_id: object) -> bool:
        return peer_id in self.peers
