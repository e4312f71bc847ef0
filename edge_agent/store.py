"""The state directory: identity key, trusted peers, modules, service registry, KV stores.

Everything the agent must keep across restarts and power loss lives here, and every file is
replaced atomically (temp file in the same directory, write, fsync, rename, fsync the
directory), so a kill -9 or a power cut at any moment leaves the old or the new version of a
file, never a mix. Temp files of writers that died are removed when a store is opened.

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
CLI, and the Wasm worker process (which calls `KVStore` synchronously). It never logs key
material.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import stat
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cbor2

from edge_agent import const, identity
from edge_agent.access import DEFAULT_ACCESS, AccessRule, BadMembership, Membership
from edge_agent.errors import LocalError

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
    "atomic_write",
    "cleanup_temp_files",
    "pin_name",
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
KV_FILE = "kv.cbor"
LOCK_FILE = ".lock"

_SERVICES_FORMAT = 1
_MEMBERSHIP_FORMAT = 1
_MEMBERSHIP_MAX_FILE_BYTES = 16 * 1024
_KV_FORMAT = 1
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
# A service name becomes a directory name: no separators, no leading dot ("..", temp files).
_SERVICE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,63}")
_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.tmp\.(?P<pid>\d+)\.[0-9a-f]{8}")
_IDENTITY_MAX_BYTES = 4096


class StoreError(LocalError):
    """The state directory cannot be used as asked; the message says what to do."""


class CorruptState(StoreError):
    """A state file exists but cannot be read back (disk corruption or a hand edit)."""


class UnsafePermissions(StoreError):
    """The identity key file is readable or writable by others than its owner."""


class QuotaExceeded(StoreError):
    """A KV write would break one of the service's limits; nothing was written."""


# --- atomic files -------------------------------------------------------------------------


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(path: Path, data: bytes, mode: int) -> Path:
    """A durable temp file beside `path` holding `data` (named so cleanup knows its writer)."""
    temp = path.with_name(f".{path.name}.tmp.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode)
    try:
        os.fchmod(fd, mode)  # exact mode, whatever the umask
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    os.close(fd)
    return temp


def atomic_write(path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file.

    Temp file in the same directory (rename is atomic only within one file system), write,
    fsync, rename over the target, then fsync the directory so the rename itself is durable.
    """
    path = Path(path)
    try:
        temp = _write_temp(path, data, mode)
        try:
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        _fsync_dir(path.parent)
    except OSError as exc:
        # The old file is intact; say which file and why (ENOSPC, EROFS, EACCES, ...).
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc


def _create_exclusive(path: Path, data: bytes, *, mode: int) -> bool:
    """Atomically create `path` with `data` unless it exists; whether we created it.

    link(2) fails if the target exists, so two processes starting at once agree on one file.
    """
    temp = _write_temp(path, data, mode)
    try:
        os.link(temp, path)
    except FileExistsError:
        return False
    except OSError:
        # A file system without hard links: an exists-check then rename, racy only
        # against another first start in the same instant.
        if path.exists():
            return False
        os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)
    _fsync_dir(path.parent)
    return True


def _read_bounded(path: Path, max_bytes: int, what: str) -> bytes | None:
    """The contents of `path` (None if it does not exist), refusing more than `max_bytes`."""
    try:
        with open(path, "rb") as f:
            data = f.read(max_bytes + 1)
    except FileNotFoundError:
        return None
    if len(data) > max_bytes:
        raise CorruptState(
            f"{path}: the {what} is more than the {max_bytes} bytes expected; "
            f"move it away to start afresh"
        )
    return data


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cleanup_temp_files(
    directory: str | os.PathLike[str], *, max_age_s: float = const.STATE_TEMP_MAX_AGE_S
) -> list[Path]:
    """Remove temp files left in `directory` by writers that died; the paths removed.

    A temp file whose writer process still runs may be a write in progress, so it stays
    until it is `max_age_s` old.
    """
    removed: list[Path] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.fullmatch(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        pid = int(match["pid"])
        try:
            age = now - entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        if _pid_alive(pid) and age < max_age_s:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(Path(entry.path))
    if removed:
        logger.info("removed %d leftover temp file(s) in %s", len(removed), directory)
    return removed


class _FileLock:
    """flock(2) on a lock file plus a thread lock: one writer at a time, across processes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._thread_lock = threading.Lock()

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._thread_lock:
            # Read-only and world-readable: flock needs no write access, so a lock file that
            # root made (`sudo edge-agent trust add`) still works for the agent's own user
            # (systemd's DynamicUser), and vice versa. It holds no data.
            try:
                fd = os.open(self._path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                raise StoreError(
                    f"cannot open the lock file {self._path}: {exc.strerror}; check the owner of "
                    f"{self._path.parent} (the agent's user must be able to read it)"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock


@dataclass(frozen=True, slots=True)
class _Line:
    number: int
    peer_id: str
    rest: str
    """What follows the peer id on the line, stripped."""


def _peer_id_lines(path: Path, max_bytes: int, what: str) -> list[_Line]:
    """The lines of a text file that start with a peer id (blank lines and `#` comments
    skipped); `CorruptState` names the line of anything else."""
    raw = _read_bounded(path, max_bytes, what)
    if raw is None:
        return []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptState(f"{path} is not UTF-8 text") from None
    lines: list[_Line] = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        peer_id, _, rest = line.partition(" ")
        try:
            identity.validate_peer_id(peer_id)
        except identity.InvalidPeerId as exc:
            raise CorruptState(f"{path}, line {number}: {exc}; fix or delete the line") from None
        lines.append(_Line(number, peer_id, rest.strip()))
    return lines


def _json_entries(raw: bytes, version: int, key: str, kind: type) -> Any:
    """`doc[key]` of a state file holding ``{"format": version, key: <a kind>}``;
    `ValueError` says what is wrong with it."""
    doc = json.loads(raw)
    if not isinstance(doc, dict) or doc.get("format") != version:
        raise ValueError(f'expected an object with "format": {version}')
    entries = doc.get(key)
    if not isinstance(entries, kind):
        raise ValueError(f'"{key}" is not {"a list" if kind is list else "an object"}')
    return entries


def pin_name(name: str) -> str:
    """A device name as pinned: stripped and lower case (DNS names ignore case); `ValueError`
    if it cannot be one mDNS instance label."""
    if (
        not isinstance(name, str)
        or not name.strip()
        or len(name.encode()) > const.DISCOVERY_MAX_INSTANCE_NAME_BYTES
        or any(ord(c) < 0x20 or ord(c) == 0x7F or c in "#." for c in name)
    ):
        raise ValueError(
            f"{name!r} is not a device name (1-{const.DISCOVERY_MAX_INSTANCE_NAME_BYTES} bytes, "
            f"no dots, '#' or control characters)"
        )
    return name.strip().lower()


def valid_service_name(name: str) -> bool:
    """Whether `name` can name a stored service (it becomes a directory name)."""
    return isinstance(name, str) and _SERVICE_NAME.fullmatch(name) is not None


def _check_service_name(name: str) -> None:
    if not valid_service_name(name):
        raise StoreError(
            f"service name {name!r} cannot be stored: use 1-64 letters, digits, '_', '-' "
            f"or '.', not starting with '.' or '-'"
        )


# --- the service registry -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceRecord:
    """One deployed service as stored in services.json.

    `limits` are the service's own Wasm limits (e.g. fuel, memory_pages, deadline_ms);
    `info` is any other JSON-like metadata the service host wants back after a restart;
    `access` says who may call it (records written before access rules existed load as
    ``trusted``, the default).
    """

    name: str
    module_sha256: str
    limits: Mapping[str, int] = field(default_factory=dict)
    deployed_at_ms: int = 0
    info: Mapping[str, Any] = field(default_factory=dict)
    access: AccessRule = DEFAULT_ACCESS

    def __post_init__(self) -> None:
        _check_service_name(self.name)
        if not isinstance(self.module_sha256, str) or not _SHA256_HEX.fullmatch(
            self.module_sha256
        ):
            raise StoreError(f"service {self.name}: module hash must be 64 lower-case hex digits")
        if not all(isinstance(k, str) and type(v) is int for k, v in self.limits.items()):
            raise StoreError(f"service {self.name}: limits must map names to integers")
        if type(self.deployed_at_ms) is not int or self.deployed_at_ms < 0:
            raise StoreError(f"service {self.name}: deployed_at_ms must be an integer >= 0")
        if not isinstance(self.access, AccessRule):
            raise StoreError(f"service {self.name}: access must be an AccessRule")
        object.__setattr__(self, "limits", dict(self.limits))
        object.__setattr__(self, "info", dict(self.info))

    def to_json(self) -> dict[str, Any]:
        return {
            "module": self.module_sha256,
            "limits": dict(self.limits),
            "deployed_at_ms": self.deployed_at_ms,
            "info": dict(self.info),
            "access": self.access.text,
        }

    @classmethod
    def from_json(cls, name: str, obj: Any) -> ServiceRecord:
        if not isinstance(obj, dict):
            raise StoreError(f"service {name}: entry is not an object")
        try:
            access = AccessRule.parse(obj.get("access", DEFAULT_ACCESS.text))
        except ValueError as exc:
            raise StoreError(f"service {name}: {exc}") from None
        return cls(
            name=name,
            module_sha256=obj.get("module"),  # type: ignore[arg-type]
            limits=obj.get("limits", {}),
            deployed_at_ms=obj.get("deployed_at_ms", 0),
            info=obj.get("info", {}),
            access=access,
        )


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
        self._lock = _FileLock(self.path / LOCK_FILE)

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
        if _create_exclusive(self.identity_path, pair.to_pem(), mode=0o600):
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
        for line in _peer_id_lines(self.trusted_path, const.MAX_TRUSTED_FILE_BYTES, "trusted peers file"):
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
        raw = _read_bounded(self.membership_path, _MEMBERSHIP_MAX_FILE_BYTES, "membership file")
        if raw is None:
            return []
        try:
            entries = _json_entries(raw, _MEMBERSHIP_FORMAT, "certificates", list)
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

    # --- known peers (a laptop's pins, like SSH's known_hosts) ---

    @property
    def known_peers_path(self) -> Path:
        return self.path / KNOWN_PEERS_FILE

    def known_peers(self) -> dict[str, str]:
        """Device name (lower case) -> the peer id pinned for it on first use."""
        pins: dict[str, str] = {}
        path, limit = self.known_peers_path, const.MAX_KNOWN_PEERS_FILE_BYTES
        for line in _peer_id_lines(path, limit, "known peers file"):
            try:
                pins[pin_name(line.rest)] = line.peer_id
            except ValueError as exc:
                raise CorruptState(f"{path}, line {line.number}: {exc}; fix or delete the line") from None
        return pins

    def pin_peer(self, name: str, peer_id: str) -> str | None:
        """Pin the device name `name` to `peer_id`; the id it was pinned to before, if another.
        `ValueError` if either is malformed."""
        name = pin_name(name)
        identity.validate_peer_id(peer_id)
        with self._lock():
            pins = self.known_peers()
            before = pins.get(name)
            if before == peer_id:
                return None
            pins[name] = peer_id
            self._write_known(pins)
        logger.info("pinned %r to %s", name, peer_id)
        return before

    def forget_peer(self, name: str) -> str | None:
        """Unpin the device name `name`; the id it was pinned to, None if it was not."""
        name = pin_name(name)
        with self._lock():
            pins = self.known_peers()
            before = pins.pop(name, None)
            if before is not None:
                self._write_known(pins)
        return before

    def _write_known(self, pins: Mapping[str, str]) -> None:
        text = (
            "# Devices this laptop has used by name: peer id, then the name (pinned on first use).\n"
            "# Edit with `edge-agent known pin NAME PEER_ID` and `edge-agent known forget NAME`.\n"
            + "".join(f"{peer_id} {name}\n" for name, peer_id in sorted(pins.items()))
        )
        atomic_write(self.known_peers_path, text.encode(), mode=0o644)

    # --- modules ---

    def module_path(self, sha256: str) -> Path:
        if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
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
        data = _read_bounded(path, max(self.max_module_bytes, const.DEFAULT_MAX_MODULE_BYTES),
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
            n[:-5] for n in names if n.endswith(".wasm") and _SHA256_HEX.fullmatch(n[:-5])
        )

    def remove_module(self, sha256: str) -> bool:
        """Delete a stored module; whether it was there."""
        path = self.module_path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        _fsync_dir(path.parent)
        return True

    def remove_unused_modules(self) -> list[str]:
        """Delete modules no registered service uses; their hashes."""
        with self._lock():
            used = {r.module_sha256 for r in self._read_services().values()}
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

    def _read_services(self) -> dict[str, ServiceRecord]:
        raw = _read_bounded(self.services_path, const.MAX_SERVICES_FILE_BYTES, "service registry")
        if raw is None:
            return {}
        try:
            entries = _json_entries(raw, _SERVICES_FORMAT, "services", dict)
            return {n: ServiceRecord.from_json(n, e) for n, e in entries.items()}
        except (ValueError, StoreError) as exc:
            raise CorruptState(
                f"{self.services_path} cannot be read ({exc}); restore it from a backup or "
                f"move it away (services will then have to be redeployed)"
            ) from None

    def _write_services(self, services: Mapping[str, ServiceRecord]) -> None:
        doc = {
            "format": _SERVICES_FORMAT,
            "services": {n: services[n].to_json() for n in sorted(services)},
        }
        atomic_write(
            self.services_path, (json.dumps(doc, indent=2) + "\n").encode(), mode=0o644
        )

    # --- KV stores ---

    def kv_path(self, service: str) -> Path:
        _check_service_name(service)
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
        _fsync_dir(path.parent)
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


# --- the per-service KV store -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KVLimits:
    """Quotas of one service's KV store (config section `kv`)."""

    max_keys: int = const.KV_MAX_KEYS
    max_key_bytes: int = const.KV_MAX_KEY_BYTES
    max_value_bytes: int = const.KV_MAX_VALUE_BYTES
    max_total_bytes: int = const.KV_MAX_TOTAL_BYTES

    def max_file_bytes(self) -> int:
        """Largest file these limits can produce: the data plus CBOR heads (≤ 9+9 B an entry)."""
        return self.max_total_bytes + 18 * self.max_keys + 64


def _as_bytes(value: bytes | bytearray | memoryview | str, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    raise TypeError(f"KV {what} must be bytes or str, got {type(value).__name__}")


class KVStore:
    """One service's durable key-value store: bytes to bytes, with quotas.

    Every change rewrites the service's file atomically and returns once it is on disk, so a
    crash loses nothing acknowledged. Plain and synchronous, usable from any process: writes
    hold a flock, and reads notice a file replaced by another process (the store keeps the
    file it read open, so its inode number cannot be reused while we compare).
    """

    def __init__(
        self, directory: str | os.PathLike[str], limits: KVLimits | None = None
    ) -> None:
        self.directory = Path(directory)
        self.limits = limits or KVLimits()
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        cleanup_temp_files(self.directory)
        self._file = self.directory / KV_FILE
        self._lock = _FileLock(self.directory / LOCK_FILE)
        self._mutex = threading.RLock()
        self._fd: int | None = None  # the file `_data` came from, kept open
        self._data: dict[bytes, bytes] = {}
        self._total = 0
        with self._mutex:
            self._refresh()

    def __repr__(self) -> str:
        return f"KVStore({str(self.directory)!r}, keys={len(self._data)})"

    def close(self) -> None:
        with self._mutex:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> KVStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # --- reading ---

    def get(self, key: bytes | str) -> bytes | None:
        """The value stored under `key`, or None."""
        key = _as_bytes(key, "key")
        with self._mutex:
            self._refresh()
            return self._data.get(key)

    def __contains__(self, key: object) -> bool:
        return self.get(key) is not None  # type: ignore[arg-type]

    def keys(self) -> list[bytes]:
        with self._mutex:
            self._refresh()
            return sorted(self._data)

    def __len__(self) -> int:
        with self._mutex:
            self._refresh()
            return len(self._data)

    @property
    def total_bytes(self) -> int:
        """Bytes used, counted as the sum of key and value lengths (what the quota counts)."""
        with self._mutex:
            self._refresh()
            return self._total

    # --- writing ---

    def put(self, key: bytes | str, value: bytes | str) -> None:
        """Store `value` under `key` durably; `QuotaExceeded` (and no change) if over a limit."""
        key, value = _as_bytes(key, "key"), _as_bytes(value, "value")
        lim = self.limits
        if len(key) > lim.max_key_bytes:
            raise QuotaExceeded(f"key is {len(key)} bytes, over the limit of {lim.max_key_bytes}")
        if len(value) > lim.max_value_bytes:
            raise QuotaExceeded(
                f"value is {len(value)} bytes, over the limit of {lim.max_value_bytes}"
            )
        with self._mutex, self._lock():
            self._refresh()
            old = self._data.get(key)
            if old == value:
                return
            if old is None and len(self._data) >= lim.max_keys:
                raise QuotaExceeded(f"the store already holds {lim.max_keys} keys, its limit")
            total = self._total - (0 if old is None else len(key) + len(old)) + len(key) + len(value)
            if total > lim.max_total_bytes:
                raise QuotaExceeded(
                    f"the store would hold {total} bytes, over its limit of {lim.max_total_bytes}"
                )
            data = dict(self._data)
            data[key] = value
            self._write(data, total)

    def delete(self, key: bytes | str) -> bool:
        """Remove `key` durably; whether it existed."""
        key = _as_bytes(key, "key")
        with self._mutex, self._lock():
            self._refresh()
            old = self._data.get(key)
            if old is None:
                return False
            data = dict(self._data)
            del data[key]
            self._write(data, self._total - len(key) - len(old))
            return True

    def clear(self) -> None:
        """Remove every key durably."""
        with self._mutex, self._lock():
            self._refresh()
            if self._data:
                self._write({}, 0)

    # --- the file ---

    def _refresh(self) -> None:
        """Reload if the file on disk is not the one `_data` came from."""
        try:
            on_disk = os.stat(self._file)
        except FileNotFoundError:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            self._data, self._total = {}, 0
            return
        if self._fd is not None:
            mine = os.fstat(self._fd)
            if (mine.st_ino, mine.st_dev) == (on_disk.st_ino, on_disk.st_dev):
                return
        self._load()

    def _load(self) -> None:
        fd = os.open(self._file, os.O_RDONLY | os.O_CLOEXEC)
        try:
            size = os.fstat(fd).st_size
            limit = self.limits.max_file_bytes()
            if size > limit:
                raise CorruptState(
                    f"{self._file} is {size} bytes, more than kv limits allow ({limit}); "
                    f"raise kv.max_total_bytes / kv.max_keys, or move the file away"
                )
            chunks = []
            while (chunk := os.read(fd, 1 << 20)):
                chunks.append(chunk)
            data = self._parse(b"".join(chunks))
        except BaseException:
            os.close(fd)
            raise
        if self._fd is not None:
            os.close(self._fd)
        self._fd = fd
        self._data = data
        self._total = sum(len(k) + len(v) for k, v in data.items())

    def _parse(self, raw: bytes) -> dict[bytes, bytes]:
        try:
            doc = cbor2.loads(raw)
        except Exception as exc:  # our own file, but a disk can still hand back garbage
            raise CorruptState(f"{self._file} is not valid CBOR ({type(exc).__name__})") from None
        if (
            not isinstance(doc, dict)
            or doc.get("format") != _KV_FORMAT
            or not isinstance(doc.get("kv"), dict)
            or not all(type(k) is bytes and type(v) is bytes for k, v in doc["kv"].items())
        ):
            raise CorruptState(f"{self._file} is not a version-{_KV_FORMAT} KV file")
        return doc["kv"]

    def _write(self, data: dict[bytes, bytes], total: int) -> None:
        raw = cbor2.dumps({"format": _KV_FORMAT, "kv": data}, canonical=True)
        atomic_write(self._file, raw, mode=0o600)
        # We hold the lock, so the file at the path is the one just written.
        fd = os.open(self._file, os.O_RDONLY | os.O_CLOEXEC)
        if self._fd is not None:
            os.close(self._fd)
        self._fd, self._data, self._total = fd, data, total
