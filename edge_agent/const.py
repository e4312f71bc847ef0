"""Every limit and timer of edge-agent, with its unit.

Untrusted input is bounded by these before it is parsed. Configuration may lower or raise
some of them (config.py says which); the rest are protocol constants.
"""

from __future__ import annotations

# --- AIR scripts and data (edge_agent/air) -------------------------------------------------
MAX_SCRIPT_BYTES = 256 * 1024
"""Largest AIR script accepted, in bytes (UTF-8). Checked before lexing."""

MAX_SCRIPT_DEPTH = 200
"""Deepest instruction nesting accepted by the parser (recursion guard)."""

MAX_STREAM_VALUES = 1024
"""Most values one stream may hold; one more is a catchable error."""

MAX_DATA_BYTES = 1024 * 1024
"""Largest encoded particle data (the AIR log), in bytes."""

MAX_DATA_ENTRIES = 16 * 1024
"""Most entries the AIR log may hold."""

MAX_VALUE_DEPTH = 64
"""Deepest nesting of a JSON-like value produced by a service or carried in data."""

MAX_INTERPRETER_STEPS = 1_000_000
"""Instruction executions allowed in one interpreter run before it stops with an error."""

# --- The particle loop (node core and simulator) -------------------------------------------
SIM_MAX_STEPS = 10_000
"""Default bound on interpreter runs in one `sim.Network.run`."""
