"""Per-service call metrics, in bounded memory (pure, no I/O).

Per service: calls, errors by ret_code, fuel used, call latency (a fixed histogram, from
which p50/p99 are read exact to a bucket), memory pages, and the last error. An update is a
few integer additions and one bisect, cheap enough for every call. The figures are kept while
the agent runs; a removed service's are forgotten, and at most `METRICS_MAX_SERVICES`
services are tracked (the least recently called is forgotten first).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from edge_agent import const_observe as K

__all__ = ["LatencyHistogram", "ServiceMetrics", "ServiceTable"]

OTHER_CODE = -1
"""The ret_code errors are counted under once `METRICS_MAX_ERROR_CODES` codes are counted."""


class LatencyHistogram:
    """Counts of durations (ms) in fixed buckets; `quantile(q)` is the upper bound of the
    bucket holding the q-th duration (the largest seen, for the last, open bucket)."""

    __slots__ = ("bounds", "counts", "count", "sum_ms", "max_ms")

    def __init__(self, bounds: Sequence[float] = K.METRICS_LATENCY_BUCKETS_MS) -> None:
        if not bounds or any(b <= a for a, b in zip(bounds, bounds[1:], strict=False)):
            raise ValueError("histogram bounds must be increasing and not empty")
        self.bounds = tuple(bounds)
        self.counts = [0] * (len(self.bounds) + 1)
        self.count = 0
        self.sum_ms = 0.0
        self.max_ms = 0.0

    def add(self, ms: float) -> None:
        """Count one duration of `ms` milliseconds (negative ones count as 0)."""
        ms = max(ms, 0.0)
        self.counts[bisect_left(self.bounds, ms)] += 1
        self.count += 1
        self.sum_ms += ms
        if ms > self.max_ms:
            self.max_ms = ms

    def quantile(self, q: float) -> float | None:
        """The q-quantile (0 < q <= 1), as its bucket's upper bound; None without data."""
        if not 0 < q <= 1:
            raise ValueError(f"a quantile is in (0, 1], not {q}")
        if self.count == 0:
            return None
        rank = q * self.count
        seen = 0
        for i, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                return min(self.bounds[i], self.max_ms) if i < len(self.bounds) else self.max_ms
        return self.max_ms  # pragma: no cover - the counts add up to `count`

    def cumulative(self) -> list[tuple[float, int]]:
        """(upper bound, count of durations at or below it) per bucket, the last bound +inf:
        Prometheus's histogram form."""
        out, seen = [], 0
        for bound, n in zip((*self.bounds, float("inf")), self.counts, strict=True):
            seen += n
            out.append((bound, seen))
        return out


class ServiceMetrics:
    """One service's figures (see the module)."""

    __slots__ = ("calls", "errors", "fuel_used", "latency", "memory_pages", "last_error", "last_error_ms")

    def __init__(self) -> None:
        self.calls = 0
        self.errors: dict[int, int] = {}
        self.fuel_used = 0
        self.latency = LatencyHistogram()
        self.memory_pages: int | None = None
        self.last_error = ""
        self.last_error_ms = 0

    def called(self, ms: float, ret_code: int, error: str = "", now_ms: int = 0) -> None:
        """Count a call that took `ms` and ended with `ret_code` (0: success; else `error`)."""
        self.calls += 1
        self.latency.add(ms)
        if ret_code:
            if ret_code not in self.errors and len(self.errors) >= K.METRICS_MAX_ERROR_CODES:
                ret_code = OTHER_CODE
            self.errors[ret_code] = self.errors.get(ret_code, 0) + 1
            self.last_error = error[: K.METRICS_LAST_ERROR_CHARS]
            self.last_error_ms = now_ms

    def used(self, fuel: int | None, pages: int | None) -> None:
        """What the worker reported after a call: fuel spent, linear memory size in pages."""
        if fuel is not None and fuel > 0:
            self.fuel_used += fuel
        if pages is not None and pages >= 0:
            self.memory_pages = pages

    def to_json(self) -> dict[str, Any]:
        """The figures for /status (JSON-like; latency in ms)."""
        p50, p99 = self.latency.quantile(0.5), self.latency.quantile(0.99)
        return {
            "calls": self.calls,
            "errors": {str(code): n for code, n in sorted(self.errors.items())},
            "fuel_used": self.fuel_used,
            "latency_ms": {
                "p50": _round(p50), "p99": _round(p99), "max": round(self.latency.max_ms, 3),
                "sum": round(self.latency.sum_ms, 3),
            },
            "memory_pages": self.memory_pages,
            "last_error": self.last_error,
            "last_error_ms": self.last_error_ms,
        }


def _round(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 3)


class ServiceTable:
    """The `ServiceMetrics` of each service, bounded (least recently called forgotten first)."""

    def __init__(self, max_services: int = K.METRICS_MAX_SERVICES) -> None:
        if max_services < 1:
            raise ValueError("max_services must be positive")
        self.max_services = max_services
        self._by_name: OrderedDict[str, ServiceMetrics] = OrderedDict()

    def __len__(self) -> int:
        return len(self._by_name)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def of(self, name: str) -> ServiceMetrics:
        """`name`'s metrics, made if new (evicting the least recently used past the bound)."""
        metrics = self._by_name.get(name)
        if metrics is None:
            metrics = self._by_name[name] = ServiceMetrics()
            if len(self._by_name) > self.max_services:
                self._by_name.popitem(last=False)
        else:
            self._by_name.move_to_end(name)
        return metrics

    def forget(self, name: str) -> None:
        self._by_name.pop(name, None)

    def items(self) -> list[tuple[str, ServiceMetrics]]:
        """(name, metrics), by name."""
        return sorted(self._by_name.items())

    def to_json(self) -> dict[str, Any]:
        return {name: m.to_json() for name, m in self.items()}
