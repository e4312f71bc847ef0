"""The host functions a service imports (module ``env``; docs/service-abi.md, "Host imports").

Run inside the Wasm worker process (`worker`), bound to one loaded service: logging, clocks,
randomness, the service's KV store (`edge_agent.kvstore`, or one in the worker's memory when
there is no state dir), sensor files and the caller's peer id. Every pointer and length comes
from the module and is checked against linear memory before it is used; a failure the
module cannot handle raises `HostTrap`, which fails the call with a trap.
"""

from __future__ import annotations

import os
import struct
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from edge_agent import const
from edge_agent.clock import now_ms
from edge_agent.statefile import StoreError

if TYPE_CHECKING:
    from edge_agent.services.wasm.worker import _Service

__all__ = ["HostImports", "HostTrap", "open_kv"]

_F64 = struct.Struct("<d")


class HostTrap(Exception):
    """Raised inside a host import: wasm3 unwinds the call and the call fails with a trap."""


class KVWear:
    """A service's budget of KV bytes rewritten for strangers' calls (each put or delete
    rewrites the whole file): two files at the quota at once, then
    `KV_STRANGER_FILE_REWRITES_PER_S` of one. A public service that writes on every call would
    otherwise let anyone on the LAN rewrite a megabyte on the SD card as often as strangers
    may call. (Plain floats, not `ratelimit`: its dataclass would cost every worker 1.5 MB.)"""

    __slots__ = ("_stamp", "_tokens")

    def __init__(self, full: bool = True) -> None:
        """Full (the service was deployed), or empty and refilling from now (it was loaded
        again into a worker that replaced one)."""
        self._tokens = -1.0 if full else 0.0  # -1: full at the first spend
        self._stamp = time.monotonic()

    def spend(self, nbytes: int, file_bytes: int) -> bool:
        """Take `nbytes` if the budget holds them (`file_bytes`: the largest file the quota allows)."""
        now, burst = time.monotonic(), 2.0 * file_bytes
        if self._tokens < 0:
            self._tokens = burst
        else:
            refill = (now - self._stamp) * file_bytes * const.KV_STRANGER_FILE_REWRITES_PER_S
            self._tokens = min(burst, self._tokens + refill)
        self._stamp = now
        if self._tokens < nbytes:
            return False
        self._tokens -= nbytes
        return True


_U32 = 0xFFFF_FFFF
"""Wasm passes i32s as signed Python ints: pointers and lengths are read as unsigned."""


class HostImports:
    """The host functions one service imports (module ``env``), bound to that service."""

    def __init__(self, service: _Service, sensors: dict[str, str]) -> None:
        assert service.memory is not None
        self._service = service
        self._memory = service.memory
        self._sensors = sensors

    def table(self) -> dict[str, tuple[str, Callable[..., Any]]]:
        """Name -> (wasm3 signature, function)."""
        return {
            "ea_log": ("v(iii)", self.ea_log),
            "ea_clock_monotonic_ns": ("I()", time.monotonic_ns),
            "ea_clock_wall_ms": ("I()", now_ms),
            "ea_random": ("i(ii)", self.ea_random),
            "ea_kv_get": ("i(iiii)", self.ea_kv_get),
            "ea_kv_put": ("i(iiii)", self.ea_kv_put),
            "ea_kv_delete": ("i(ii)", self.ea_kv_delete),
            "ea_sensor_read": ("i(iii)", self.ea_sensor_read),
            "ea_caller": ("i(ii)", self.ea_caller),
        }

    def ea_log(self, level: int, ptr: int, length: int) -> None:
        service = self._service
        if len(service.logs) >= const.WASM_MAX_LOG_LINES_PER_CALL:
            service.dropped_logs += 1
            return
        length = min(length & _U32, const.WASM_MAX_LOG_LINE_BYTES)
        text = self._memory.read(ptr & _U32, length, "ea_log")
        service.logs.append([level if 0 <= level <= 3 else 1, text.decode("utf-8", "replace")])

    def ea_random(self, ptr: int, length: int) -> int:
        length &= _U32
        if length > const.WASM_MAX_RANDOM_BYTES:
            return -1
        self._memory.write(ptr & _U32, os.urandom(length), "ea_random")
        return 0

    def _kv(self, what: str) -> Any:
        try:
            return self._service.kv()
        except Exception as exc:  # a corrupt or unreadable store fails the call, clearly
            raise HostTrap(f"{what}: the service's KV store cannot be opened: {exc}") from None

    def _worn(self, what: str, adding: int) -> bool:
        """Whether a write may go on: always for a call of a trusted peer, a fleet device or
        one the service's rule lists; for a stranger's, if `KVWear` covers the file's rewrite."""
        service = self._service
        if not service.stranger:
            return True
        from edge_agent.kvstore import file_bytes

        kv = self._kv(what)
        rewritten = file_bytes(kv.total_bytes + adding, len(kv) + 1)
        return service.wear.spend(rewritten, kv.limits.max_file_bytes())

    def ea_kv_get(self, kptr: int, klen: int, vptr: int, vcap: int) -> int:
        key = self._memory.read(kptr & _U32, klen & _U32, "ea_kv_get key")
        try:
            value = self._kv("ea_kv_get").get(key)
        except (OSError, ValueError, StoreError) as exc:  # StoreError: a full disk, say
            raise HostTrap(f"ea_kv_get: the KV store failed: {exc}") from None
        if value is None:
            return -1
        if len(value) <= (vcap & _U32):
            self._memory.write(vptr & _U32, value, "ea_kv_get value")
        return len(value)

    def ea_kv_put(self, kptr: int, klen: int, vptr: int, vlen: int) -> int:
        from edge_agent.statefile import QuotaExceeded

        vlen &= _U32
        if vlen > const.KV_MAX_VALUE_BYTES * 4:  # bounded read; the store applies its quota
            return -1
        key = self._memory.read(kptr & _U32, klen & _U32, "ea_kv_put key")
        value = self._memory.read(vptr & _U32, vlen, "ea_kv_put value")
        if not self._worn("ea_kv_put", len(key) + len(value)):
            return -1  # over the budget of a stranger's writes: as over a quota
        try:
            self._kv("ea_kv_put").put(key, value)
        except QuotaExceeded:
            return -1
        except (OSError, ValueError, StoreError) as exc:  # StoreError: a full disk, say
            raise HostTrap(f"ea_kv_put: the KV store failed: {exc}") from None
        return 0

    def ea_kv_delete(self, kptr: int, klen: int) -> int:
        key = self._memory.read(kptr & _U32, klen & _U32, "ea_kv_delete key")
        if not self._worn("ea_kv_delete", 0):
            return -1  # over the budget of a stranger's writes: nothing deleted (not a trap, which
            # a watched update would count: a stranger could have it switched back)
        try:
            return 0 if self._kv("ea_kv_delete").delete(key) else -1
        except (OSError, ValueError, StoreError) as exc:  # StoreError: a full disk, say
            raise HostTrap(f"ea_kv_delete: the KV store failed: {exc}") from None

    def ea_caller(self, ptr: int, cap: int) -> int:
        """The caller's peer id: copied to `ptr` if it fits in `cap` bytes; its length."""
        caller = self._service.caller
        if caller and len(caller) <= (cap & _U32):
            self._memory.write(ptr & _U32, caller, "ea_caller")
        return len(caller)

    def ea_sensor_read(self, nptr: int, nlen: int, out_ptr: int) -> int:
        name = self._memory.read(nptr & _U32, min(nlen & _U32, 64), "ea_sensor_read name")
        value = read_sensor(self._sensors, name.decode("utf-8", "replace"))
        if value is None:
            return -1
        self._memory.write(out_ptr & _U32, _F64.pack(value), "ea_sensor_read out")
        return 0


def read_sensor(paths: dict[str, str], name: str) -> float | None:
    path = paths.get(name)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            raw = fh.read(64)
        return int(raw.strip()) / 1000.0
    except (OSError, ValueError):
        return None


# --- The KV store --------------------------------------------------------------------------


def open_kv(path: str | None, limits: dict[str, int] | None) -> Any:
    """The service's `edge_agent.kvstore.KVStore`, or one in this process's memory (no state dir)."""
    from edge_agent import kvstore

    kv_limits = kvstore.KVLimits(**limits) if limits else kvstore.KVLimits()
    if path is None:
        return _MemoryKV(kv_limits)
    return kvstore.KVStore(path, kv_limits)


class _MemoryKV:
    """A KV store that lives as long as the worker, with the quotas of a real one."""

    def __init__(self, limits: Any) -> None:
        self._data: dict[bytes, bytes] = {}
        self.limits = limits

    def __len__(self) -> int:
        return len(self._data)

    @property
    def total_bytes(self) -> int:
        return sum(len(k) + len(v) for k, v in self._data.items())

    def get(self, key: bytes) -> bytes | None:
        return self._data.get(key)

    def put(self, key: bytes, value: bytes) -> None:
        from edge_agent.statefile import QuotaExceeded

        lim = self.limits
        used = sum(len(k) + len(v) for k, v in self._data.items() if k != key)
        if (
            len(key) > lim.max_key_bytes
            or len(value) > lim.max_value_bytes
            or used + len(key) + len(value) > lim.max_total_bytes
            or (key not in self._data and len(self._data) >= lim.max_keys)
        ):
            raise QuotaExceeded("over the KV quota")
        self._data[key] = value

    def delete(self, key: bytes) -> bool:
        return self._data.pop(key, None) is not None
