"""textstats (the Rust service): counts and transforms agree with Python's own."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import pytest

from edge_agent.services.wasm.host import WasmHost
from tests.firmware.conftest import ERR_ARGS, call_error, module

SAMPLES = [
    "",
    "hello",
    "Hello, World!\nsecond line\n",
    "Straße café ﬁne İstanbul ǆ",
    "Ελληνικά και кириллица",
    "tabs\tand  double  spaces\n\n\nend",
    "emoji 😀 and 中文 text",
]


@pytest.fixture
def host(make_host: Callable[..., WasmHost]) -> WasmHost:
    host = make_host()
    host.deploy("textstats", module("textstats"))
    return host


@pytest.mark.parametrize("text", SAMPLES)
def test_count(host: WasmHost, text: str) -> None:
    assert host.call("textstats", "count", [text]) == {
        "bytes": len(text.encode()),
        "chars": len(text),
        "words": len(text.split()),
        "lines": len(text.splitlines()),
    }


@pytest.mark.parametrize("text", SAMPLES)
def test_case_mapping_is_full_unicode(host: WasmHost, text: str) -> None:
    assert host.call("textstats", "upper", [text]) == text.upper()
    assert host.call("textstats", "lower", [text]) == text.lower()


def test_upper_can_lengthen_text(host: WasmHost) -> None:
    assert host.call("textstats", "upper", ["straße"]) == "STRASSE"


@pytest.mark.parametrize("text", SAMPLES)
def test_reverse_and_words(host: WasmHost, text: str) -> None:
    assert host.call("textstats", "reverse", [text]) == text[::-1]
    assert host.call("textstats", "words", [text]) == text.split()


def expected_top(text: str, n: int) -> list[list[object]]:
    counts = Counter(re.findall(r"[^\W_]+", text.lower()))
    return [[w, c] for w, c in sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:n]]


def test_top_words(host: WasmHost) -> None:
    text = "The cat sat. The CAT ran; the dog sat, Café café CAFÉ! 2024 2024"
    assert host.call("textstats", "top_words", [text, 3]) == expected_top(text, 3)
    assert host.call("textstats", "top_words", [text]) == expected_top(text, 10)
    assert host.call("textstats", "top_words", [text, 0]) == []
    assert host.call("textstats", "top_words", ["", None]) == []


def test_top_words_on_a_larger_text(host: WasmHost) -> None:
    words = ["alpha", "Beta", "gamma", "delta", "epsilon"]
    text = " ".join(words[(i * i + 3 * i) % 5] for i in range(2000))
    assert host.call("textstats", "top_words", [text, 5]) == expected_top(text, 5)


@pytest.mark.parametrize(
    ("function", "args", "message"),
    [
        ("upper", [5], "argument 1: expected text, got integer"),
        ("upper", [], "missing argument 1 (text)"),
        ("count", ["a", "b"], "too many arguments: expected 1, got 2"),
        ("top_words", ["a", 101], "n must be 0 to 100"),
        ("top_words", ["a", "3"], "argument 2: expected an integer, got text"),
    ],
)
def test_bad_arguments(host: WasmHost, function: str, args: list[object], message: str) -> None:
    error = call_error(host, "textstats", function, args)
    assert (error.ret_code, error.message) == (ERR_ARGS, message)
