"""Every committed module passes the host's validation and exposes the documented functions."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge_agent.services.wasm.host import FunctionKind, WasmHost
from tests.firmware.conftest import SERVICES, module

FUNCTIONS = {
    "greeting": {"greet"},
    "stats": {"add", "summary", "reset"},
    "messages": {"append", "list", "count"},
    "hash": {"sha256", "hmac_sha256"},
    "sensor": {"cpu_temperature", "read"},
    "textstats": {"count", "upper", "lower", "reverse", "words", "top_words"},
}


@pytest.mark.parametrize("name", SERVICES)
def test_deploys_with_abi_1_and_a_memory_maximum(make_host: Callable[..., WasmHost], name: str) -> None:
    info = make_host().deploy(name, module(name))
    assert info.abi_version == 1
    assert info.memory_pages is not None and info.memory_pages <= 32
    assert set(info.functions) == FUNCTIONS[name]
    assert all(sig.kind is FunctionKind.CBOR for sig in info.functions.values())


def test_all_services_run_side_by_side_in_one_worker(make_host: Callable[..., WasmHost]) -> None:
    host = make_host()
    for name in SERVICES:
        host.deploy(name, module(name))
    assert host.call("greeting", "greet", ["Pi"]) == "Hello, Pi!"
    assert host.call("stats", "add", [1, 2])["count"] == 2
    assert host.call("messages", "append", ["pi", "up"]) == 1
    assert len(host.call("hash", "sha256", [""])) == 64
    assert host.call("sensor", "cpu_temperature", []) == pytest.approx(48.312)
    assert host.call("textstats", "upper", ["pi"]) == "PI"
