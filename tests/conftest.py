"""Shared fixtures: prerequisites (root, tools) and network namespaces (design.md §6).

A missing prerequisite skips the test, except under CI (EDGE_AGENT_CI set), where it fails:
CI installs everything and runs as root, so a skip there would hide a broken test.

`--cbor2-pure` runs the tests with cbor2's pure-Python implementation, as a device without
cbor2's C extension does (tests/test_cborutil.py runs the CBOR-facing tests that way).

Hypothesis runs without its per-example deadline (200 ms): a Raspberry Pi is 5-20x slower
than the PCs the examples were written on, and timing is for benchmarks/, not tests.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.netns import CI_ENV, NetnsLan, netns_unavailable_reason

settings.register_profile(
    "edge-agent", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("edge-agent")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--cbor2-pure",
        action="store_true",
        help="block cbor2's C extension in this process (not in the processes tests start)",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("cbor2_pure"):
        if "cbor2" in sys.modules:
            raise pytest.UsageError("--cbor2-pure: cbor2 was imported before the option was read")
        sys.modules["_cbor2"] = None  # type: ignore[assignment]  # cbor2 then falls back to Python


def _unavailable(reason: str) -> None:
    if os.environ.get(CI_ENV):
        pytest.fail(f"{reason} ({CI_ENV} is set, so this is a failure, not a skip)")
    pytest.skip(reason)


@pytest.fixture
def require_tools() -> Callable[..., None]:
    """`require_tools("coap-client-notls", ...)`: skip (fail under CI) unless all are on PATH."""

    def require(*tools: str) -> None:
        missing = [t for t in tools if shutil.which(t) is None]
        if missing:
            _unavailable(f"needs {', '.join(missing)} on PATH")

    return require


@pytest.fixture
def require_root() -> None:
    """Skip (fail under CI) unless the tests run as root."""
    if os.geteuid() != 0:
        _unavailable("needs root")


@pytest.fixture
def netns_lan() -> Iterator[Callable[..., NetnsLan]]:
    """`netns_lan(peers=3)`: a fresh bridged LAN of network namespaces (tests/support/netns.py),
    removed with its processes at teardown, also when the test fails."""
    reason = netns_unavailable_reason()
    if reason:
        _unavailable(reason)
    lans: list[NetnsLan] = []

    def make(peers: int = 3, **kwargs: object) -> NetnsLan:
        lan = NetnsLan(peers, **kwargs)  # type: ignore[arg-type]
        lans.append(lan)
        return lan.create()

    yield make
    leftovers = [name for lan in reversed(lans) for name in lan.close()]
    assert not leftovers, f"network namespaces not removed: {leftovers}"
