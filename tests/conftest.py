"""Shared fixtures: prerequisites (root, tools), network namespaces (design.md §6), and a
check that no test blocks an event loop.

A missing prerequisite skips the test, except under CI (EDGE_AGENT_CI set), where it fails:
CI installs everything and runs as root, so a skip there would hide a broken test.

Every event loop a test runs (`asyncio.run`, `asyncio.new_event_loop`) is watched
(tests/support/loopwatch.py): a test during which a loop was blocked for more than
LOOP_BLOCK_LIMIT_S fails, with the stack of what blocked it — as python-zeroconf's tests
fail a test that leaves a thread behind. A test that knowingly blocks, in code this check
cannot yet change, says so with ``@pytest.mark.blocks_loop(reason="...")``.

`--cbor2-pure` runs the tests with cbor2's pure-Python implementation, as a device without
cbor2's C extension does (tests/test_cborutil.py runs the CBOR-facing tests that way).

Hypothesis runs without its per-example deadline (200 ms): a Raspberry Pi is 5-20x slower
than the PCs the examples were written on, and timing is for benchmarks/, not tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable, Iterator

import pytest
from hypothesis import HealthCheck, settings

from tests.support.loopwatch import LoopWatch, watched_policy
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


LOOP_BLOCK_LIMIT_ENV = "EDGE_AGENT_LOOP_BLOCK_LIMIT_MS"
LOOP_BLOCK_LIMIT_S = float(os.environ.get(LOOP_BLOCK_LIMIT_ENV, "100")) / 1000
"""Longest an event loop may go without running its callbacks during a test, in seconds: 100 ms
on real hardware; .ci/arm raises it for a CPU emulated 10-30x slower (qemu-user), where one
Ed25519 signature alone takes milliseconds."""


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("cbor2_pure"):
        if "cbor2" in sys.modules:
            raise pytest.UsageError("--cbor2-pure: cbor2 was imported before the option was read")
        sys.modules["_cbor2"] = None  # type: ignore[assignment]  # cbor2 then falls back to Python
    config.addinivalue_line(
        "markers",
        "blocks_loop(reason): the test blocks an event loop for longer than the limit, for the "
        "reason given (code owned elsewhere); the loop-blocking check does not fail it",
    )


@pytest.fixture(scope="session")
def loop_watch() -> Iterator[LoopWatch]:
    """The watch every event loop of the session reports to (through the loop policy)."""
    watch = LoopWatch(LOOP_BLOCK_LIMIT_S)
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(watched_policy(watch))
    watch.start()
    yield watch
    watch.stop()
    asyncio.set_event_loop_policy(previous)


@pytest.fixture(autouse=True)
def loop_not_blocked(request: pytest.FixtureRequest, loop_watch: LoopWatch) -> Iterator[None]:
    """Fail a test during which an event loop was blocked for more than LOOP_BLOCK_LIMIT_S."""
    loop_watch.take_stalls()
    yield
    stalls = loop_watch.take_stalls()
    marker = request.node.get_closest_marker("blocks_loop")
    if not stalls or marker is not None:
        return
    worst = max(stalls, key=lambda stall: stall.seconds)
    pytest.fail(
        f"{len(stalls)} time(s) an event loop was blocked for more than "
        f"{LOOP_BLOCK_LIMIT_S * 1000:.0f} ms during this test; the longest: {worst.describe()}"
        "Move the blocking work off the loop (asyncio.to_thread), or mark the test "
        "@pytest.mark.blocks_loop(reason=...) if the code is not yours to change.",
        pytrace=False,
    )


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
