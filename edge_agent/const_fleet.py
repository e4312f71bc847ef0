"""The limits and timers of running a fleet (issue 13: service versions and updates), with units.

Part of `edge_agent.const`, which imports every name here: use them as ``const.X``. A file
of its own only because const.py reached the module size limit.
"""

from __future__ import annotations

# --- Service versions and updates (edge_agent/versions.py, services/updates.py) -----------
DEFAULT_KEEP_VERSIONS = 3
"""Versions of a service a device keeps by default (the serving one included): the ones a
`rollback` can go back to, and a failed one kept for inspection; config `wasm.keep_versions`."""

MAX_KEEP_VERSIONS = 20
"""Most versions of one service a device may be configured to keep (each keeps its module)."""

UPDATE_DEFAULT_WATCH_MS = 30_000
"""How long a device watches an updated service by default before it keeps it, in ms
(`deploy --update --watch`)."""

UPDATE_MAX_WATCH_MS = 3_600_000
"""Longest watch window an update may ask for, in ms (1 h)."""

UPDATE_CHECK_INTERVAL_MS = 1_000
"""How often a device runs an updated service's health check during its watch window, in ms."""

UPDATE_MAX_FAILURES = 1_000
"""Largest failure threshold an update may ask for (`deploy --max-failures`)."""

UPDATE_MAX_CHECK_BYTES = 1_024
"""Largest smoke call (`deploy --check FUNC ARGS`: the name and its arguments as JSON) an
update may carry, in bytes: it is kept with the version, to watch it again after a restart."""

UPDATE_MAX_REASON_CHARS = 300
"""Longest reason kept for a version's end (a failed health check's error), in characters."""

UPDATE_RECENT_ROLLBACKS = 8
"""Automatic rollbacks /status lists (the latest), across all services."""
