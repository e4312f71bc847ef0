"""Per-service metrics (edge_agent/metrics.py): the latency histogram's quantiles and the bounds."""

from __future__ import annotations

import random

import pytest

from edge_agent import const_observe as K
from edge_agent.metrics import OTHER_CODE, LatencyHistogram, ServiceTable


def test_quantiles_are_exact_to_a_bucket() -> None:
    h = LatencyHistogram((1.0, 2.0, 5.0, 10.0))
    assert h.quantile(0.5) is None
    for ms in [0.5] * 50 + [1.5] * 45 + [7.0] * 4 + [30.0]:
        h.add(ms)
    assert h.quantile(0.5) == 1.0
    assert h.quantile(0.95) == 2.0
    assert h.quantile(0.99) == 10.0
    assert h.quantile(1.0) == 30.0, "the open last bucket reads as the largest seen"
    assert h.cumulative()[-1] == (float("inf"), 100) and h.cumulative()[0] == (1.0, 50)
    with pytest.raises(ValueError):
        h.quantile(0)


def test_quantiles_bracket_the_true_ones() -> None:
    rng = random.Random(7)
    samples = [rng.lognormvariate(0, 1.5) for _ in range(5000)]
    h = LatencyHistogram()
    for ms in samples:
        h.add(ms)
    ordered = sorted(samples)
    bounds = (0.0, *K.METRICS_LATENCY_BUCKETS_MS)
    for q in (0.5, 0.99):
        true = ordered[int(q * len(ordered)) - 1]
        got = h.quantile(q)
        assert got is not None and got >= true
        below = max(b for b in bounds if b < got)
        assert true > below, f"q={q}: {true} is not in the bucket up to {got}"


def test_a_quantile_never_exceeds_the_largest_duration() -> None:
    h = LatencyHistogram()
    h.add(0.3)
    assert h.quantile(0.5) == 0.3


def test_service_metrics_count_calls_errors_fuel_and_pages() -> None:
    table = ServiceTable()
    m = table.of("greeting")
    m.called(1.2, 0)
    m.called(3.0, 10, "out of fuel", now_ms=5)
    m.used(1234, 2)
    m.used(None, None)
    out = table.to_json()["greeting"]
    assert out["calls"] == 2 and out["errors"] == {"10": 1}
    assert out["fuel_used"] == 1234 and out["memory_pages"] == 2
    assert out["last_error"] == "out of fuel" and out["last_error_ms"] == 5
    assert out["latency_ms"]["p50"] == 2.0


def test_error_codes_and_services_are_bounded() -> None:
    table = ServiceTable(max_services=2)
    m = table.of("a")
    for code in range(1, K.METRICS_MAX_ERROR_CODES + 10):
        m.called(1.0, code, "x" * 1000)
    assert len(m.errors) == K.METRICS_MAX_ERROR_CODES + 1 and m.errors[OTHER_CODE] == 9
    assert len(m.last_error) == K.METRICS_LAST_ERROR_CHARS
    table.of("b")
    table.of("a")
    table.of("c")
    assert "b" not in table and "a" in table and len(table) == 2
    table.forget("a")
    assert "a" not in table
