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

WASM_MEMORY_CHECK_EVERY = 64
"""A worker's RSS is read after every this many calls (a stats request between two calls,
which costs about what a call does)."""

WASM_RECYCLE_GROWTH_BYTES = 4 * 1024 * 1024
"""A worker whose RSS besides its services' memories grew by this much since its first
check is replaced between two calls: pywasm3 0.5.0 keeps what every host import call
allocates (64-320 bytes), and without this a worker polled often ran out of memory in the
middle of a call. 4 MiB: within the headroom `WASM_WORKER_BASE_BYTES` leaves over an idle
worker's 8-11 MiB, and 13,000-65,000 host calls between replacements
(edge_agent/services/wasm/core.py, `_check_memory`)."""
