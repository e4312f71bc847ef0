"""Both SDKs (C: greeting, stats; Rust: textstats) against hostile argument buffers.

These drive the modules with raw pywasm3 in this process, because the host only ever sends
well-formed CBOR: each malformed buffer must give a clean error reply, never a trap, a hang
or a deep recursion, and the module must keep working afterwards.
"""

from __future__ import annotations

from typing import Any

import cbor2
import pytest
import wasm3

from tests.firmware.conftest import ERR_ARGS, module

# (service, function taking one text, how it transforms "Ada")
TEXT_FUNCTIONS = [("greeting", "greet", "Hello, Ada!"), ("textstats", "upper", "ADA")]


class Raw:
    """One module in a wasm3 runtime, called through the ABI by hand."""

    def __init__(self, name: str) -> None:
        env = wasm3.Environment()
        self.runtime = env.new_runtime(64 * 1024)
        self.runtime.load(env.parse_module(module(name)))
        self.alloc = self.runtime.find_function("ea_alloc")

    def call_at(self, function: str, ptr: int, length: int) -> Any:
        packed = self.runtime.find_function(function)(ptr, length) & 0xFFFF_FFFF_FFFF_FFFF
        rptr, rlen = packed >> 32, packed & 0xFFFF_FFFF
        return cbor2.loads(bytes(self.runtime.get_memory(0)[rptr : rptr + rlen]))

    def call(self, function: str, payload: bytes) -> Any:
        ptr = self.alloc(len(payload))
        assert ptr > 0
        self.runtime.get_memory(0)[ptr : ptr + len(payload)] = payload
        return self.call_at(function, ptr, len(payload))

    def memory_size(self) -> int:
        return len(self.runtime.get_memory(0))


HOSTILE = {
    "empty": (b"", "arguments must be one CBOR array"),
    "a map": (b"\xa0", "arguments must be one CBOR array"),
    "indefinite array": (b"\x9f\x63Ada\xff", "arguments must be one CBOR array"),
    "2^64-1 items": (b"\x9b" + b"\xff" * 8 + b"\x63Ada", "arguments must be one CBOR array"),
    "truncated head": (b"\x9a\x00\x00", "arguments must be one CBOR array"),
    "reserved info": (b"\x81\x1c", "argument 1: expected text, got nothing valid"),
    "count beyond the bytes": (b"\x81", "arguments must be one CBOR array"),
    "text past the end": (b"\x81\x7a\xff\xff\xff\xf0Ada", None),
    "indefinite text": (b"\x81\x7f\x63Ada\xff", "argument 1: expected text, got nothing valid"),
    "deep nesting": (b"\x81" + b"\x81" * 100_000 + b"\x80", "argument 1: expected text, got array"),
    "tags without end": (b"\x81" + b"\xc0" * 10_000, "argument 1: expected text, got nothing valid"),
}


@pytest.mark.parametrize(("service", "function", "expected"), TEXT_FUNCTIONS)
@pytest.mark.parametrize("case", list(HOSTILE))
def test_malformed_arguments_are_a_clean_error(service: str, function: str, expected: str, case: str) -> None:
    raw = Raw(service)
    payload, message = HOSTILE[case]
    reply = raw.call(function, payload)
    assert set(reply) == {"err", "code"} and reply["code"] == ERR_ARGS
    if message is not None:
        assert reply["err"] == message
    assert raw.call(function, cbor2.dumps(["Ada"])) == {"ok": expected}


@pytest.mark.parametrize(("service", "function", "expected"), TEXT_FUNCTIONS)
def test_tagged_values_are_read_through(service: str, function: str, expected: str) -> None:
    assert Raw(service).call(function, b"\x81\xc0\x63Ada") == {"ok": expected}


@pytest.mark.parametrize(("service", "function", "expected"), TEXT_FUNCTIONS)
@pytest.mark.parametrize(("ptr", "length"), [(0xFFFF_FF00 - 2**32, 1000), (0, -1), (65536 * 1000, 1)])
def test_an_argument_buffer_outside_memory_is_refused(
    service: str, function: str, expected: str, ptr: int, length: int
) -> None:
    raw = Raw(service)
    assert raw.call_at(function, ptr, length) == {"err": "argument buffer outside memory", "code": ERR_ARGS}
    assert raw.call(function, cbor2.dumps(["Ada"])) == {"ok": expected}


@pytest.mark.parametrize("service", ["greeting", "textstats"])
def test_ea_alloc_refuses_what_the_memory_maximum_cannot_hold(service: str) -> None:
    raw = Raw(service)
    assert raw.alloc(-1) == 0
    assert raw.alloc(2**31 - 1) == 0
    assert raw.alloc(100) > 0


@pytest.mark.parametrize(("service", "function", "expected"), TEXT_FUNCTIONS)
def test_the_arena_is_reset_for_each_call(service: str, function: str, expected: str) -> None:
    raw = Raw(service)
    payload = cbor2.dumps(["Ada" * 3000])
    raw.call(function, payload)
    size = raw.memory_size()
    for _ in range(500):
        raw.call(function, payload)
    assert raw.memory_size() == size


@pytest.mark.parametrize(
    ("payload", "value"),
    [
        (b"\x81\xf9\x3c\x00", 1.0),  # half precision
        (b"\x81\xf9\x80\x01", -(2.0**-24)),  # half subnormal
        (b"\x81\xfa\x3f\xc0\x00\x00", 1.5),  # single precision
        (b"\x81\x3b\x7f\xff\xff\xff\xff\xff\xff\xff", float(-(2**63))),  # most negative int64
    ],
)
def test_c_sdk_reads_every_number_encoding(payload: bytes, value: float) -> None:
    summary = Raw("stats").call("add", payload)["ok"]
    assert (summary["count"], summary["sum"]) == (1, value)


def test_integers_beyond_int64_are_refused() -> None:
    reply = Raw("stats").call("add", b"\x81\x1b\xff\xff\xff\xff\xff\xff\xff\xff")
    assert reply["code"] == ERR_ARGS
