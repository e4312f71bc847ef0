"""The Wasm worker process: one wasm3 runtime per loaded service, calls run on request.

Started by `edge_agent.services.wasm.host` as ``python -m edge_agent.services.wasm.worker
CONFIG_JSON``. It reads length-prefixed CBOR requests on fd 0 and writes one reply per
request on the fd that was its stdout; its fd 1 and 2 both go to a file the parent owns, so
wasm3's backtraces (printed on every trap) never reach the agent's logs — the worker cuts
the file after each failed call and returns a bounded excerpt for the DEBUG log.

It does no validation of its own beyond what keeps wasm3 from crashing (the parent validates,
instruments and checks arguments before sending), never decides a deadline (the parent kills
it), and talks to nothing but its pipe, the service's KV store and the sensor files (the last
two through the host imports a module links, `host_imports`).

wasm3 quirks handled here (design.md §4): pywasm3 reads a missing argument out of bounds
(segfault), so argument counts are checked again; `get_memory()` leaks ~80 B per call and a
view goes stale when memory grows, so memory is reached through wasm3's C API by ctypes
(`m3_GetMemory`) when the object layout checks out at start-up; and each runtime would leak
(~150 KiB plus its linear memory, the module's bytes and its host functions) on redeploy, so
it is freed with `m3_FreeRuntime` and pywasm3's references are dropped (`capi`).
"""

from __future__ import annotations

import ctypes
import faulthandler
import json
import os
import resource
import select
import signal
import stat
import sys
import time
from collections.abc import Callable
from typing import Any

import wasm3

from edge_agent import const
from edge_agent.services.wasm import wire
from edge_agent.services.wasm.capi import PAGE, CApi, Memory
from edge_agent.services.wasm.host_imports import HostImports, HostTrap, KVWear, open_kv

_PAGES_EVERY = 64
"""Calls between two reads of a service's memory size (a ctypes call costs ~2.5 µs here,
against ~0.15 µs for the fuel read): the size is a gauge, and sampled it costs nothing."""


def _usage(service: _Service) -> list[int | None]:
    """[fuel the call used, memory pages now] after a call (None where unknown or not read
    this time): the agent's metrics (issue 11). One fuel read; the memory size from the C
    API only, on a service's first call and every `_PAGES_EVERY`th after it."""
    fuel = None
    if service.fuel_get is not None and service.fuel is not None:
        try:
            fuel = service.fuel - int(service.fuel_get())
        except RuntimeError:
            fuel = None
    service.calls += 1
    memory = service.memory
    pages = memory.pages() if memory is not None and service.calls % _PAGES_EVERY == 1 else None
    return [fuel, pages]


class _Service:
    """A loaded module: its runtime, the functions a script may call, and its host context."""

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.fuel: int | None = config.get("fuel")
        self.max_reply: int = config["max_reply"]
        self.memory_pages: int | None = config.get("memory_pages")
        self.kv_path: str | None = config.get("kv")
        self.kv_limits: dict[str, int] | None = config.get("kv_limits")
        self.fuel_exhausted: int | None = config.get("fuel_exhausted")
        self.runtime: Any = None
        self.module: Any = None
        self.wasm: bytes | None = None
        """The bytes wasm3 parsed the module from, once it is in the runtime (wasm3 reads
        them while the module lives; `CApi.release` drops pywasm3's hold on them after)."""
        self.imports: list[Any] = []
        """The host functions linked into the module (pywasm3 holds each too)."""
        self.memory: Memory | None = None
        self.functions: dict[str, tuple[Any, bool, int]] = {}
        self.fuel_set: Any = None
        self.fuel_get: Any = None
        self.alloc: Any = None
        self.free: Any = None
        self.logs: list[list[Any]] = []
        self.dropped_logs = 0
        self.calls = 0
        """Calls that returned a value (`_usage` samples the memory size by it)."""
        self.caller = b""
        """The peer id of the call in progress, as `ea_caller` gives it (empty: none)."""
        self.stranger = False
        """Whether the call in progress is a stranger's (admitted by a `public` rule alone):
        its KV writes draw on `wear`, this service's budget of bytes rewritten for strangers."""
        self.wear = KVWear(full=not config.get("reload"))
        self._kv: Any = None
        self.kv_opened = False
        """Set when `kv` opens the store (the worker tidies up after that call)."""
        self.pages_seen = 0
        """The largest memory size `_usage` read, in pages (a growth: the worker tidies up)."""

    def kv(self) -> Any:
        if self._kv is None:
            self._kv = open_kv(self.kv_path, self.kv_limits)
            self.kv_opened = True
        return self._kv


class Worker:
    """The worker's state: the loaded services and the wasm3 environment they share."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.sensor_paths: dict[str, str] = {
            "cpu_temperature": config.get("cpu_temperature_path")
            or const.DEFAULT_CPU_TEMPERATURE_PATH
        }
        self.env = wasm3.Environment()
        self.capi = CApi()
        try:
            self.capi.probe(self.env)
        except Exception:  # a probe failure only means the slower, leaky path
            self.capi.ok = False
        self.services: dict[str, _Service] = {}
        self._trim_heap = _heap_trimmer()
        self.tidy_due = False
        """Whether `serve` calls `tidy` once the reply is written: after what frees or
        zeroes much (a load, a removal, a KV store's first use, a memory that grew), not
        after every call."""
        self._zeroed: set[str] = set()
        """Services whose memory wasm3 zeroed (loaded, grown) since the last `tidy`."""

    # -- requests ---------------------------------------------------------------------------

    def handle(self, request: Any) -> list[Any]:
        """Run one request; the reply is a list whose first element is OK or FAIL."""
        try:
            op = request[0]
            if op == wire.OP_CALL:
                caller = request[4] if len(request) > 4 else ""
                stranger = len(request) > 5 and request[5] is True
                return self.call(request[1], request[2], request[3], caller, stranger)
            if op == wire.OP_LOAD:
                self.tidy_due = True
                return self.load(request[1], request[2], request[3])
            if op == wire.OP_REMOVE:
                self.tidy_due = True
                self.remove(request[1])
                return [wire.OK, None, [], ""]
            if op == wire.OP_STATS:
                return [wire.OK, self.stats(), [], ""]
            return [wire.FAIL, wire.FAIL_ARGS, f"unknown worker request {op!r}", 0, [], ""]
        except Exception as exc:  # a bug of ours must not kill every service in this worker
            import traceback  # here: 0.2 MB resident in every worker for a path never taken

            detail = "".join(traceback.format_exception(exc))[-4000:]
            return [wire.FAIL, "internal", f"worker error: {exc!r}", 0, [], detail]

    def stats(self) -> dict[str, Any]:
        with open("/proc/self/statm", "rb") as fh:
            rss_pages = int(fh.read().split()[1])
        return {
            "pid": os.getpid(),
            "rss_bytes": rss_pages * os.sysconf("SC_PAGE_SIZE"),
            "services": sorted(self.services),
            "wasm_memory_bytes": sum(s.memory.size() for s in self.services.values() if s.memory is not None),
            "memory_api": "m3_GetMemory" if self.capi.ok else "get_memory",
        }

    def load(self, name: str, wasm_bytes: bytes, config: dict[str, Any]) -> list[Any]:
        service = _Service(name, config)
        try:
            runtime = self.env.new_runtime(int(config["stack"]))
            module = self.env.parse_module(wasm_bytes)
            service.runtime = runtime
            runtime.load(module)
            service.module, service.wasm = module, wasm_bytes
            service.memory = Memory(self.capi, runtime)
            self._link(module, service)
            if service.fuel is not None:
                service.fuel_set = runtime.find_function("__ea_fuel_set")
                service.fuel_get = runtime.find_function("__ea_fuel_get")
            if config.get("abi"):
                service.alloc = runtime.find_function("ea_alloc")
                if config.get("free"):
                    service.free = runtime.find_function("ea_free")
            for fname, is_cbor, nparams in config["functions"]:
                func = runtime.find_function(fname)
                if func.num_args != nparams:
                    raise RuntimeError(
                        f"{fname} takes {func.num_args} arguments in wasm3, expected {nparams}"
                    )
                service.functions[fname] = (func, bool(is_cbor), nparams)
            start = config.get("start")
            if start:
                # The instrumenter turns the start section into an export so that it runs
                # metered, here, rather than unmetered inside wasm3.
                if service.fuel_set is not None:
                    service.fuel_set(service.fuel)
                try:
                    runtime.find_function(start)()
                except RuntimeError as exc:
                    failure = self._trap(service, _wasm3_message(exc))
                    self._discard(service)
                    failure[2] = f"the start function failed: {failure[2]}"
                    return failure
        except HostTrap as exc:
            self._discard(service)
            return self._fail(wire.FAIL_LOAD, f"the start function trapped: {exc}", service)
        except RuntimeError as exc:
            self._discard(service)
            return self._fail(wire.FAIL_LOAD, _wasm3_message(exc), service)
        old = self.services.pop(name, None)
        if old is not None:
            self._discard(old)
        self.services[name] = service
        service.pages_seen = (service.memory.pages() if service.memory is not None else 0) or 0
        self._zeroed.add(name)
        logs, service.logs = service.logs, []
        return [wire.OK, None, logs, _take_trace()]

    def remove(self, name: str) -> None:
        service = self.services.pop(name, None)
        if service is not None:
            self._discard(service)

    def tidy(self) -> None:
        """Give the system back what the worker holds but does not use: the zero pages of
        the memories wasm3 zeroed since the last time (`CApi.drop_zero_pages`; 0.6 MB with
        the six firmware services loaded and called) and the free pages of the heap."""
        self.tidy_due = False
        zeroed, self._zeroed = self._zeroed, set()
        for name in zeroed if self.capi.ok else ():
            service = self.services.get(name)  # None: removed since
            if service is not None and service.runtime is not None:
                self.capi.drop_zero_pages(self.capi.runtime_pointer(service.runtime))
        self._trim_heap()

    def _discard(self, service: _Service) -> None:
        """Free a runtime nothing will call again (no Python object of ours still uses it)."""
        runtime = service.runtime
        kv, service._kv = service._kv, None
        close = getattr(kv, "close", None)
        if close is not None:
            close()  # pywasm3 keeps our import functions (and so `service`) alive: free the fd now
        service.functions.clear()
        service.fuel_set = service.fuel_get = service.alloc = service.free = None
        service.runtime = service.module = service.memory = None
        wasm, service.wasm = service.wasm, None
        imports, service.imports = service.imports, []
        if runtime is not None and self.capi.ok:
            self.capi.free_runtime(self.capi.runtime_pointer(runtime))
            self.capi.release(wasm, imports)  # the module went with its runtime

    def call(
        self, name: str, function: str, args: Any, caller: str = "", stranger: bool = False
    ) -> list[Any]:
        service = self.services.get(name)
        if service is None:
            return [wire.FAIL, wire.FAIL_NOT_FOUND, f"no service {name!r} in this worker", 0, [], ""]
        entry = service.functions.get(function)
        if entry is None:
            return [
                wire.FAIL,
                wire.FAIL_NOT_FOUND,
                f"service {name!r} has no function {function!r}",
                0,
                [],
                "",
            ]
        func, is_cbor, nparams = entry
        service.caller = caller.encode() if isinstance(caller, str) else b""
        service.stranger = stranger
        try:
            if service.fuel_set is not None:
                service.fuel_set(service.fuel)
            if is_cbor:
                if not isinstance(args, bytes):
                    return self._fail(wire.FAIL_ARGS, "CBOR arguments must arrive as bytes", service)
                ok, value, code = self._call_cbor(service, func, args)
                if not ok:
                    return self._fail(wire.FAIL_SERVICE, value, service, code)
            else:
                # pywasm3 reads a missing argument out of bounds: never call with fewer.
                if not isinstance(args, list) or len(args) != nparams:
                    return self._fail(
                        wire.FAIL_ARGS, f"{function} takes {nparams} arguments", service
                    )
                value = wire.numeric_result(func(*args))
        except HostTrap as exc:
            return self._trap(service, str(exc))
        except RuntimeError as exc:
            return self._trap(service, _wasm3_message(exc))
        except wire.ReplyError as exc:
            return self._fail(wire.FAIL_REPLY, str(exc), service)
        except (RecursionError, MemoryError) as exc:
            return self._trap(service, f"host: {type(exc).__name__}")
        usage = _usage(service)
        self._after_call(service, usage[1])
        if service.logs:
            logs, service.logs = service.logs, []
            if service.dropped_logs:
                logs.append([2, f"({service.dropped_logs} more log lines dropped)"])
                service.dropped_logs = 0
            return [wire.OK, value, logs, "", usage]
        return [wire.OK, value, [], "", usage]

    def _after_call(self, service: _Service, pages: int | None) -> None:
        """Have `serve` tidy up after a call that grew the memory (wasm3 zeroed the new
        pages) or opened the KV store (its modules were imported)."""
        if pages is not None and pages > service.pages_seen:
            service.pages_seen = pages
            self._zeroed.add(service.name)
            self.tidy_due = True
        if service.kv_opened:
            service.kv_opened, self.tidy_due = False, True

    def _call_cbor(self, service: _Service, func: Any, data: bytes) -> tuple[bool, Any, int]:
        memory = service.memory
        assert memory is not None
        length = len(data)
        ptr = service.alloc(length) & 0xFFFF_FFFF
        if ptr == 0:
            raise wire.ReplyError(
                f"ea_alloc({length}) returned 0: the service found no room for the arguments"
            )
        try:
            memory.write(ptr, data, "ea_alloc's buffer")
        except HostTrap as exc:
            raise wire.ReplyError(str(exc)) from None
        res_ptr, res_len = wire.unpack_reply_pointer(func(ptr, length))
        if res_len > service.max_reply:
            raise wire.ReplyError(f"the reply is {res_len} bytes; the limit is {service.max_reply}")
        try:
            reply = memory.read(res_ptr, res_len, "the reply")
        except HostTrap as exc:
            raise wire.ReplyError(str(exc)) from None
        if service.free is not None:
            service.free(ptr, length)
            service.free(res_ptr, res_len)
        return wire.decode_reply(reply)

    def _trap(self, service: _Service, message: str) -> list[Any]:
        if service.fuel_get is not None:
            try:
                remaining = service.fuel_get()
            except RuntimeError:
                remaining = 0
            if remaining == service.fuel_exhausted:
                return self._fail(
                    wire.FAIL_FUEL, f"out of fuel (limit {service.fuel} instructions)", service
                )
        if "stack overflow" in message:
            return self._fail(wire.FAIL_STACK, message, service)
        if "out of bounds" in message and service.memory_pages and service.memory is not None:
            try:
                pages = service.memory.size() // PAGE
            except Exception:
                pages = 0
            if pages >= service.memory_pages:
                message += (
                    f" (linear memory is at its maximum of {service.memory_pages} pages"
                    f" = {service.memory_pages * 64} KiB)"
                )
        return self._fail(wire.FAIL_TRAP, message, service)

    def _fail(self, kind: str, message: str, service: _Service | None, code: int = 0) -> list[Any]:
        logs: list[Any] = []
        if service is not None and service.logs:
            logs, service.logs = service.logs, []
        return [wire.FAIL, kind, message, code, logs, _take_trace()]

    # -- host imports (docs/service-wire.md, "Host imports") ---------------------------------

    def _link(self, module: Any, service: _Service) -> None:
        imports = self._imports(service)
        for name, (signature, function) in imports.items():
            module.link_function("env", name, signature, function)
            service.imports.append(function)

    def _imports(self, service: _Service) -> dict[str, tuple[str, Callable[..., Any]]]:
        return HostImports(service, self.sensor_paths).table()


def _wasm3_message(exc: BaseException) -> str:
    message = str(exc)
    return message[len("[trap] ") :] if message.startswith("[trap] ") else message


def _heap_trimmer() -> Callable[[], object]:
    """glibc's ``malloc_trim(0)``, or a no-op elsewhere: gives the system back the free pages
    inside the heap, not only at its top. Loading a module (and the first use of a KV store,
    which imports its modules) frees more than it keeps — the request frame's copies of the
    module, the compiler's work when the sources have no bytecode cache — and those holes
    otherwise stay resident. Measured with the six firmware services (x86_64): 0.3 MB of
    anonymous memory, 0.4 MB once each was redeployed."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


# --- wasm3's stderr noise ------------------------------------------------------------------


_trace_fd: int | None = None
"""The file wasm3's output goes to when running as the worker process (set by `main`)."""


def _take_trace() -> str:
    """What wasm3 printed since the last call (bounded), and empty the file for the next one."""
    fd = _trace_fd
    if fd is None:
        return ""
    try:
        size = os.fstat(fd).st_size
        if size == 0:
            return ""
        head = os.pread(fd, const.WASM_MAX_TRACE_BYTES, 0)
        os.ftruncate(fd, 0)
    except OSError:
        return ""
    text = head.decode("utf-8", "replace")
    if size > len(head):
        text += f"\n... ({size - len(head)} more bytes)"
    return text


# --- The process ---------------------------------------------------------------------------


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _die_with_parent() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: an orphaned worker must not spin on
    except (OSError, AttributeError):
        pass


def serve(config: dict[str, Any], in_fd: int, out_fd: int, spin_s: float = 0.0) -> None:
    """Answer requests from `in_fd` on `out_fd` until EOF or an exit request.

    After each reply the worker polls its pipe for `spin_s` before it sleeps: a request
    that follows within that time is picked up at once instead of after a wake-up, which
    on a virtual machine or a power-saving core costs tens of microseconds.
    """
    worker = Worker(config)
    _write_all(out_fd, wire.encode_frame([wire.READY, os.getpid(), worker.capi.ok]))
    reader = wire.FrameReader()
    handle = worker.handle
    encode = wire.encode_frame
    clock = time.perf_counter
    os.set_blocking(in_fd, spin_s <= 0)
    poller = select.poll()
    poller.register(in_fd, select.POLLIN)
    spin_until = 0.0
    # One buffer for every read: os.read(fd, 64 KiB) allocates its size first, which at the
    # worker's mmap threshold (process.WORKER_MALLOC_ENV) is an mmap, mremap and munmap per
    # request, and per empty read while spinning (strace: 3 syscalls a call). 16 KiB: a
    # call's frame fits, a module's takes a few reads; resident as much as it holds.
    buffer = bytearray(1 << 14)
    view = memoryview(buffer)
    while True:
        try:
            size = os.readv(in_fd, [buffer])
        except BlockingIOError:
            if clock() >= spin_until:
                poller.poll()
            continue
        if not size:
            return
        for request in reader.feed(view[:size]):
            if request[0] == wire.OP_EXIT:
                return
            _write_all(out_fd, encode(handle(request)))
            if worker.tidy_due:
                worker.tidy()
        spin_until = clock() + spin_s


def _limit_memory(max_data_bytes: int) -> None:
    """Cap this process's data memory (heap and private writable mappings, where wasm3 keeps
    linear memories): past it memory.grow returns -1 and allocations fail, instead of the
    agent's cgroup running out (edge_agent.services.wasm.memory)."""
    hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
    cap = max_data_bytes if hard == resource.RLIM_INFINITY else min(max_data_bytes, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    config = json.loads(argv[0]) if argv else {}
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the agent decides when its worker stops
    if config.get("die_with_parent"):
        _die_with_parent()
    if config.get("max_data_bytes"):
        _limit_memory(int(config["max_data_bytes"]))
    faulthandler.enable()  # a segfault's Python stack lands in the file the parent reads
    # Replies go on a private copy of stdout; fd 1 joins fd 2 so that any C-level printf
    # cannot corrupt the reply stream.
    global _trace_fd
    out_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    if not os.isatty(2) and stat.S_ISREG(os.fstat(2).st_mode):
        _trace_fd = 2  # only a file the parent gave us is ours to cut
    serve(config, 0, out_fd, float(config.get("spin_us", 0)) / 1e6)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
