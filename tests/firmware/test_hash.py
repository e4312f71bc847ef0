"""hash: SHA-256 and HMAC-SHA-256 agree with hashlib and hmac."""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Callable

import pytest

from edge_agent.services.wasm.host import WasmHost
from tests.firmware.conftest import ERR_ARGS, call_error, module

# FIPS 180-4 examples (NIST CSRC "SHA256.pdf") and the empty string.
KNOWN = {
    b"": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    b"abc": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq": (
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    ),
}

# Lengths around the 64-byte block and the 56-byte padding boundary, and a few blocks more.
LENGTHS = [1, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 10_000]


@pytest.fixture
def host(make_host: Callable[..., WasmHost]) -> WasmHost:
    host = make_host()
    host.deploy("hash", module("hash"))
    return host


def data(n: int) -> bytes:
    return random.Random(n).randbytes(n)


@pytest.mark.parametrize("message", list(KNOWN))
def test_known_vectors(host: WasmHost, message: bytes) -> None:
    assert host.call("hash", "sha256", [message]) == KNOWN[message]


@pytest.mark.parametrize("n", LENGTHS)
def test_matches_hashlib_for_bytes(host: WasmHost, n: int) -> None:
    assert host.call("hash", "sha256", [data(n)]) == hashlib.sha256(data(n)).hexdigest()


def test_accepts_an_array_of_numbers_and_text(host: WasmHost) -> None:
    payload = data(300)
    assert host.call("hash", "sha256", [list(payload)]) == hashlib.sha256(payload).hexdigest()
    text = "grüße, 世界"
    assert host.call("hash", "sha256", [text]) == hashlib.sha256(text.encode()).hexdigest()


def test_bytes_form(host: WasmHost) -> None:
    # Byte strings reach a caller as arrays of numbers (docs/service-abi.md).
    assert host.call("hash", "sha256", [b"abc", "bytes"]) == list(hashlib.sha256(b"abc").digest())
    assert host.call("hash", "sha256", [b"abc", "hex"]) == KNOWN[b"abc"]


@pytest.mark.parametrize("key_len", [0, 3, 32, 64, 65, 200])
@pytest.mark.parametrize("n", [0, 64, 1000])
def test_hmac_matches_the_hmac_module(host: WasmHost, key_len: int, n: int) -> None:
    key = data(key_len + 7)[:key_len]
    assert host.call("hash", "hmac_sha256", [key, data(n)]) == hmac.new(key, data(n), "sha256").hexdigest()


def test_hmac_rfc4231_case_2(host: WasmHost) -> None:
    assert host.call("hash", "hmac_sha256", ["Jefe", "what do ya want for nothing?"]) == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([[1, 256]], "argument 1: item 1 is not an integer 0..255"),
        ([[1, -1]], "argument 1: item 1 is not an integer 0..255"),
        ([{"a": 1}], "argument 1: expected bytes (a byte string, an array of integers 0..255 or text), got map"),
        ([b"x", "base64"], 'form must be "hex" or "bytes"'),
        ([], "missing argument 1 (bytes (a byte string, an array of integers 0..255 or text))"),
    ],
)
def test_bad_arguments(host: WasmHost, args: list[object], message: str) -> None:
    error = call_error(host, "hash", "sha256", args)
    assert (error.ret_code, error.message) == (ERR_ARGS, message)


def test_32_kib_fits_the_default_fuel(host: WasmHost) -> None:
    # About 140 instructions a byte: 32 KiB takes some 4.6 M of the default 10 M.
    payload = data(32 * 1024)
    assert host.call("hash", "sha256", [payload]) == hashlib.sha256(payload).hexdigest()
