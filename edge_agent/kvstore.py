"""One service's durable key-value store (kv/<service>/kv.cbor in the state directory).

Bytes to bytes with quotas, rewritten whole and atomically on each change
(`edge_agent.statefile`), plain and synchronous: the Wasm worker process calls it directly.
"""

from __future__ import annotations

import contextlib
import os
import threading
from typing import NamedTuple

import cbor2

from edge_agent import const
from edge_agent.statefile import (
    LOCK_FILE,
    CorruptState,
    FileLock,
    QuotaExceeded,
    atomic_write,
    cleanup_temp_files,
)

__all__ = ["KV_FILE", "KVLimits", "KVStore", "file_bytes"]

KV_FILE = "kv.cbor"

_KV_FORMAT = 1


class KVLimits(NamedTuple):
    """Quotas of one service's KV store (config section `kv`).

    A NamedTuple, not a dataclass, like everything the Wasm worker imports: `dataclasses`
    (with the `inspect` and `ast` it imports) would cost each worker 1.5 MB resident."""

    max_keys: int = const.KV_MAX_KEYS
    max_key_bytes: int = const.KV_MAX_KEY_BYTES
    max_value_bytes: int = const.KV_MAX_VALUE_BYTES
    max_total_bytes: int = const.KV_MAX_TOTAL_BYTES

    def max_file_bytes(self) -> int:
        """Largest file these limits can produce (`file_bytes` at both limits)."""
        return file_bytes(self.max_total_bytes, self.max_keys)


def file_bytes(total: int, keys: int) -> int:
    """At most how large the file of `keys` entries holding `total` bytes of keys and values
    is: the data plus CBOR heads (at most 9 + 9 bytes an entry, 64 for the rest)."""
    return total + 18 * keys + 64


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
        self.directory = os.fspath(directory)
        """As given, a str: not a pathlib.Path, which the Wasm worker process (its only user
        outside tests) would import for it, at 0.3 MB resident (statefile says the same)."""
        self.limits = limits or KVLimits()
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        cleanup_temp_files(self.directory)
        self._file = os.path.join(self.directory, KV_FILE)
        self._lock = FileLock(os.path.join(self.directory, LOCK_FILE))
        self._mutex = threading.RLock()
        self._fd: int | None = None  # the file `_data` came from, kept open
        self._data: dict[bytes, bytes] = {}
        self._total = 0
        with self._mutex:
            self._refresh()

    def __repr__(self) -> str:
        return f"KVStore({self.directory!r}, keys={len(self._data)})"

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
