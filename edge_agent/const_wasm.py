"""The Wasm host's limits on calls in progress (edge_agent/services/wasm/core.py), with their
units. Read as `const.WASM_...` (const.py imports them all)."""

from __future__ import annotations

WASM_MAX_CALLS_PER_SERVICE = 256
"""Calls of one Wasm service in progress at once (waiting for their turn on its worker, or
running); one more fails at once with ret_code 9. A worker runs one call at a time: a run of
a particle that asks for thousands of calls (a `par` inside a `fold`) would otherwise queue
them all, each holding its coroutine and arguments, and delay every later caller."""

WASM_MAX_STRANGER_CALLS_PER_SERVICE = 32
"""Of those, calls that strangers (callers a `public` rule alone admits) may have in progress
at once, all strangers together: their flood leaves the service's own callers room."""
