"""State files: atomic replacement, exclusive creation, bounded reads, locks, the errors.

The one job here is putting bytes on disk so that a kill -9 or a power cut at any moment leaves
the old or the new version of a file, never a mix (temp file in the same directory, write,
fsync, rename, fsync the directory), and reading them back without trusting their size.
`edge_agent.store` (the state directory) and `edge_agent.kvstore` (a service's KV store) are
built on it; temp files of writers that died are removed when either is opened.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple

from edge_agent import const
from edge_agent.errors import LocalError

if TYPE_CHECKING:  # not at run time: pathlib (with urllib.parse and ipaddress) would cost every
    # Wasm worker that opens a KV store 0.3 MB resident; os.path does what is done here
    from pathlib import Path

__all__ = [
    "LOCK_FILE",
    "CorruptState",
    "FileLock",
    "PeerIdLine",
    "QuotaExceeded",
    "StoreError",
    "UnsafePermissions",
    "atomic_write",
    "cleanup_temp_files",
    "create_exclusive",
    "fsync_dir",
    "json_entries",
    "move_aside",
    "peer_id_lines",
    "pid_alive",
    "read_bounded",
]


LOCK_FILE = ".lock"

_TEMP_NAME = re.compile(r"\.(?P<target>.+)\.tmp\.(?P<pid>\d+)\.[0-9a-f]{8}")


class StoreError(LocalError):
    """The state directory cannot be used as asked; the message says what to do."""


class CorruptState(StoreError):
    """A state file exists but cannot be read back (disk corruption or a hand edit)."""


class UnsafePermissions(StoreError):
    """The identity key file is readable or writable by others than its owner."""


class QuotaExceeded(StoreError):
    """A KV write would break one of the service's limits; nothing was written."""


# --- atomic files -------------------------------------------------------------------------


def fsync_dir(directory: str | os.PathLike[str]) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_temp(path: str, data: bytes, mode: int) -> str:
    """A durable temp file beside `path` holding `data` (named so cleanup knows its writer)."""
    directory, name = os.path.split(path)
    temp = os.path.join(directory, f".{name}.tmp.{os.getpid()}.{os.urandom(4).hex()}")
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
    path = os.fspath(path)
    try:
        temp = _write_temp(path, data, mode)
        try:
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
        fsync_dir(_parent(path))
    except OSError as exc:
        # The old file is intact; say which file and why (ENOSPC, EROFS, EACCES, ...).
        raise StoreError(f"cannot write {path}: {exc.strerror or exc}") from exc


def create_exclusive(path: Path, data: bytes, *, mode: int) -> bool:
    """Atomically create `path` with `data` unless it exists; whether we created it.

    link(2) fails if the target exists, so two processes starting at once agree on one file.
    """
    temp = _write_temp(os.fspath(path), data, mode)
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
    fsync_dir(_parent(path))
    return True


def _parent(path: str | os.PathLike[str]) -> str:
    """The directory holding `path`, as Path.parent gives it."""
    return os.path.dirname(os.fspath(path)) or "."


def read_bounded(path: Path, max_bytes: int, what: str) -> bytes | None:
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


def move_aside(path: str | os.PathLike[str]) -> str:
    """Rename a state file that cannot be read to ``<name>.damaged-<unix time>`` beside it,
    durably, and return the new path: the agent starts without it, and nothing is deleted."""
    path = os.fspath(path)
    stamp = int(time.time())
    aside = f"{path}.damaged-{stamp}"
    n = 1
    while os.path.exists(aside):
        n += 1
        aside = f"{path}.damaged-{stamp}-{n}"
    os.replace(path, aside)
    fsync_dir(os.path.dirname(path) or ".")
    return aside


def pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (one we may not signal counts: it is alive)."""
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
    removed: list[str] = []
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
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
        if pid_alive(pid) and age < max_age_s:
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry.path)
            removed.append(entry.path)
    if not removed:
        return []
    import logging  # here: the Wasm worker (its KV store) imports this module, not logging
    import pathlib  # here too: see the top

    logging.getLogger(__name__).info("removed %d leftover temp file(s) in %s", len(removed), directory)
    return [pathlib.Path(path) for path in removed]


class FileLock:
    """flock(2) on a lock file plus a thread lock: one writer at a time, across processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
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
                    f"{_parent(self._path)} (the agent's user must be able to read it)"
                ) from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)  # releases the flock


# --- reading state files -----------------------------------------------------------------


class PeerIdLine(NamedTuple):
    """One line of a peer-id file (trusted_peers, known_peers), numbered for error messages."""

    number: int
    peer_id: str
    rest: str
    """What follows the peer id on the line, stripped."""


def peer_id_lines(path: Path, max_bytes: int, what: str) -> list[PeerIdLine]:
    """The lines of a text file that start with a peer id (blank lines and `#` comments
    skipped); `CorruptState` names the line of anything else."""
    from edge_agent import identity  # here, not at the top: the Wasm worker's KV needs no crypto

    raw = read_bounded(path, max_bytes, what)
    if raw is None:
        return []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise CorruptState(f"{path} is not UTF-8 text") from None
    lines: list[PeerIdLine] = []
    # "\n" only, as the files are written: str.splitlines() also breaks at U+2028, U+0085 and
    # others, which a device's mDNS name may hold.
    for number, line in enumerate(text.split("\n"), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        peer_id, _, rest = line.partition(" ")
        try:
            identity.validate_peer_id(peer_id)
        except identity.InvalidPeerId as exc:
            raise CorruptState(f"{path}, line {number}: {exc}; fix or delete the line") from None
        lines.append(PeerIdLine(number, peer_id, rest.strip()))
    return lines


def json_entries(raw: bytes, version: int, key: str, kind: type) -> Any:
    """`doc[key]` of a state file holding ``{"format": version, key: <a kind>}``;
    `ValueError` says what is wrong with it."""
    doc = json.loads(raw)
    if not isinstance(doc, dict) or doc.get("format") != version:
        raise ValueError(f'expected an object with "format": {version}')
    entries = doc.get(key)
    if not isinstance(entries, kind):
        raise ValueError(f'"{key}" is not {"a list" if kind is list else "an object"}')
    return entries

