"""wasm3's C API from the worker process, by ctypes: linear memory without pywasm3's leaks,
freeing what pywasm3 never frees, and giving back the zero pages of a linear memory.

pywasm3 0.5.0's Runtime object is {PyObject_HEAD; m3_environment *env; IM3Runtime r}, so the
IM3Runtime sits two pointers after the object header. `CApi.probe` checks that layout on a
throwaway runtime before any service is loaded; if it does not hold (another pywasm3 build)
the worker falls back to the public API, which leaks ~80 B a memory access and a runtime
(~150 KiB plus its linear memory) a redeploy.

pywasm3 also takes a reference it never gives back to the bytes a module is parsed from
(wasm3 reads them while the module lives) and to each function linked as a host import.
Once `m3_FreeRuntime` has freed a runtime and its module, nothing reads them any more:
`release` drops those references, as many as the probe saw pywasm3 keep once its own
objects were gone (none from a build that does not leak them), so a redeploy no longer
keeps the old module (its instrumented bytes, 75 KB for textstats) and its host-import
objects for the life of the worker.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Any

import wasm3

from edge_agent.services.wasm.host_imports import HostTrap

PAGE = 64 * 1024
"""A Wasm page, in bytes."""

_PROBE_MODULE = bytes.fromhex("0061736d01000000050401010101")
"""(module (memory 1 1)): the smallest module with a memory."""

_MADV_DONTNEED = 4
"""madvise(2) advice, the same on every Linux architecture this runs on (x86, arm, riscv)."""


class CApi:
    """wasm3's C functions the worker uses, and what the probe found out about pywasm3."""

    def __init__(self) -> None:
        self.ok = False
        """Whether the runtime layout checked out: memory and freeing go through the C API."""
        self.refs_per_module = 0
        """References pywasm3 takes to a module's bytes and never gives back (0.5.0: one)."""
        self.refs_per_import = 0
        """References pywasm3 takes to a linked host function and never gives back (0.5.0: one)."""
        self._libc: Any = None
        try:
            lib = ctypes.CDLL(wasm3.__file__)
            lib.m3_GetMemory.restype = ctypes.c_void_p
            lib.m3_GetMemory.argtypes = [
                ctypes.c_void_p,
                ctypes.POINTER(ctypes.c_uint32),
                ctypes.c_uint32,
            ]
            lib.m3_FreeRuntime.restype = None
            lib.m3_FreeRuntime.argtypes = [ctypes.c_void_p]
            decref = ctypes.pythonapi.Py_DecRef
        except (OSError, AttributeError):
            return
        decref.restype = None
        decref.argtypes = [ctypes.py_object]
        self._lib = lib
        self._decref = decref
        self._libc = _libc()
        self._os_page = os.sysconf("SC_PAGE_SIZE")
        self._zero_page = bytes(self._os_page)
        self._size = ctypes.c_uint32()
        self._size_ref = ctypes.byref(self._size)
        # object.__basicsize__ is the PyObject header (16 bytes on 64-bit, 8 on 32-bit).
        self._offset = object.__basicsize__ + ctypes.sizeof(ctypes.c_void_p)

    def runtime_pointer(self, runtime: Any) -> int:
        return ctypes.c_void_p.from_address(id(runtime) + self._offset).value or 0

    def memory(self, rt_ptr: int) -> tuple[int, int]:
        base = self._lib.m3_GetMemory(rt_ptr, self._size_ref, 0)
        return (base or 0), (self._size.value if base else 0)

    def free_runtime(self, rt_ptr: int) -> None:
        self._lib.m3_FreeRuntime(rt_ptr)

    def drop_zero_pages(self, rt_ptr: int) -> int:
        """Give the system back the resident pages of a runtime's linear memory that hold
        only zeros; the bytes given back.

        wasm3 zeroes a linear memory whole when it makes or grows it, so all of it is
        resident however little the module uses (64 KiB a page; most of a firmware
        service's first page is zeros). A page of zeros dropped with MADV_DONTNEED reads
        back as zeros (the memory is private and anonymous, malloc's), so the module sees
        no difference, and it is resident again once written. Only pages wholly inside the
        memory are looked at, and of those only the resident ones (mincore) are read: a
        few milliseconds for 4 MiB here. Call it after a load or a growth, not per call."""
        if self._libc is None:
            return 0
        base, size = self.memory(rt_ptr)
        page, zero = self._os_page, self._zero_page
        start, end = -(-base // page) * page, (base + size) // page * page
        if end <= start:
            return 0
        resident = (ctypes.c_ubyte * ((end - start) // page))()
        if self._libc.mincore(start, end - start, resident) != 0:
            return 0
        dropped = run = 0  # `run`: bytes of zero or absent pages before `addr`
        for addr, flags in zip(range(start, end, page), bytes(resident), strict=True):
            if not flags & 1:
                run += page  # not resident: nothing to read, nothing to give back
            elif ctypes.string_at(addr, page) == zero:
                run += page
                dropped += page
            else:
                if run:
                    self._libc.madvise(addr - run, run, _MADV_DONTNEED)
                run = 0
        if run:
            self._libc.madvise(end - run, run, _MADV_DONTNEED)
        return dropped

    def release(self, module_bytes: bytes | None, imports: list[Any]) -> None:
        """Drop pywasm3's references to what a runtime freed by `free_runtime` was built from:
        the module's bytes and its linked host functions. Call it once per freed runtime."""
        if module_bytes is not None:
            for _ in range(self.refs_per_module):
                self._decref(module_bytes)
        for function in imports:
            for _ in range(self.refs_per_import):
                self._decref(function)

    def probe(self, env: Any) -> None:
        """Enable the C API only if it finds the memory the public API reports, and count
        the references pywasm3 keeps once its own objects are gone; the probe's runtime is
        freed again."""
        if not hasattr(self, "_lib"):
            return
        module_bytes = bytes(_PROBE_MODULE)  # an object of our own: its count is ours alone

        def host() -> None:  # linked to no import (the module has none): pywasm3 keeps it anyway
            return None

        bytes_before, host_before = sys.getrefcount(module_bytes), sys.getrefcount(host)
        module = env.parse_module(module_bytes)
        runtime = env.new_runtime(4096)
        runtime.load(module)
        module.link_function("env", "ea_probe", "v()", host)
        view = runtime.get_memory(0)
        expected = ctypes.addressof(ctypes.c_char.from_buffer(view))
        rt_ptr = self.runtime_pointer(runtime)
        base, size = self.memory(rt_ptr)
        self.ok = base == expected and size == len(view) == PAGE
        view.release()
        del module  # what a build's Module object holds goes with it: not counted as kept
        if self.ok:
            self.free_runtime(rt_ptr)
            self.refs_per_module = max(0, sys.getrefcount(module_bytes) - bytes_before)
            self.refs_per_import = max(0, sys.getrefcount(host) - host_before)
            self.release(module_bytes, [host])


def _libc() -> Any:
    """libc with madvise and mincore typed, on Linux; else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_void_p]
    except (OSError, AttributeError):
        return None
    libc.madvise.restype = libc.mincore.restype = ctypes.c_int
    return libc


class Memory:
    """Linear memory of one runtime, fetched fresh each time (it moves when it grows)."""

    __slots__ = ("_capi", "_rt_ptr", "_runtime")

    def __init__(self, capi: CApi, runtime: Any) -> None:
        self._capi = capi if capi.ok else None
        self._runtime = runtime
        self._rt_ptr = capi.runtime_pointer(runtime) if capi.ok else 0

    def pages(self) -> int | None:
        """The size in 64 KiB pages where that is cheap (the C API); None otherwise (pywasm3's
        `get_memory` leaks a little on every call)."""
        if self._capi is None:
            return None
        return self._capi.memory(self._rt_ptr)[1] // PAGE

    def size(self) -> int:
        if self._capi is not None:
            return self._capi.memory(self._rt_ptr)[1]
        view = self._runtime.get_memory(0)
        return 0 if view is None else len(view)

    def read(self, ptr: int, length: int, what: str) -> bytes:
        if self._capi is not None:
            base, size = self._capi.memory(self._rt_ptr)
            check_range(ptr, length, size, what)
            return ctypes.string_at(base + ptr, length)
        view = self._runtime.get_memory(0)
        check_range(ptr, length, 0 if view is None else len(view), what)
        return bytes(view[ptr : ptr + length])

    def write(self, ptr: int, data: bytes, what: str) -> None:
        if self._capi is not None:
            base, size = self._capi.memory(self._rt_ptr)
            check_range(ptr, len(data), size, what)
            ctypes.memmove(base + ptr, data, len(data))
            return
        view = self._runtime.get_memory(0)
        check_range(ptr, len(data), 0 if view is None else len(view), what)
        view[ptr : ptr + len(data)] = data


def check_range(ptr: int, length: int, size: int, what: str) -> None:
    """`HostTrap` unless bytes ptr..ptr+length lie inside a memory of `size` bytes."""
    if ptr < 0 or length < 0 or ptr + length > size:
        raise HostTrap(
            f"{what}: bytes {ptr}..{ptr + length} are outside linear memory ({size} bytes)"
        )
