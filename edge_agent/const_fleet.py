"""The limits and timers of running a fleet (issue 13: service versions, updates, spells, tags).

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

UPDATE_HOLD_MAX_S = 60.0
"""Longest a call of a service waits while an update that migrates its data holds it (from the
copy of its KV file to the switch), if its particle lives longer; then it fails (ret_code 9)."""


# --- Spells: scripts a device runs by itself (edge_agent/spells.py, spell_runner.py, cron.py) --
SPELL_MAX_COUNT = 32
"""Spells one device keeps; one more is refused at install."""

SPELL_MAX_SCRIPT_BYTES = 64 * 1024
"""Largest AIR script of a spell, in bytes (UTF-8); checked before it is parsed."""

SPELL_MAX_ARGS_BYTES = 16 * 1024
"""Largest JSON of a spell's arguments (its getDataSrv data), in bytes."""

SPELL_MIN_PERIOD_MS = 1_000
SPELL_MAX_PERIOD_MS = 366 * 86_400_000
"""Shortest and longest `--every` period, in milliseconds."""

SPELL_MAX_RUNS_KEPT = 20
"""Runs a spell's result log keeps (time, result or error), the oldest dropped first."""

SPELL_MAX_RESULT_BYTES = 4 * 1024
"""Largest JSON of one run's result kept in the log, in bytes; a larger one is kept as an
error that says so (the run itself succeeded)."""

SPELL_MAX_KV_KEYS = 64
SPELL_MAX_KV_VALUE_BYTES = 4 * 1024
"""Keys of a spell's own state (the `spell` service's get/set) and the largest value, in
bytes of its JSON."""

SPELL_BACKOFF_BASE_MS = 1_000
SPELL_BACKOFF_MAX_MS = 300_000
"""A failing spell waits base * 2^(failures-1) before its next run, at most the maximum
(ms): a script that always fails costs a run every 5 minutes, not one a second."""

SPELL_STATE_MAX_FILE_BYTES = 512 * 1024
"""Largest spell file (definition or state) read back from the state directory, in bytes."""

CRON_MAX_CHARS = 200
"""Longest cron expression accepted, in characters (checked before it is parsed)."""

CRON_MAX_SEARCH_DAYS = 5 * 366 + 1
"""Days `Cron.next_after` looks ahead (a Feb 29th spell fires within 5 years)."""


# --- Tags (edge_agent/tags.py, tag_store.py; announced in the TXT record) -----------------
TAGS_MAX_COUNT = 8
"""Most tags one device carries (config `tags` with `edge-agent tag`'s changes), sent as TXT `tags=`."""
TAG_MAX_CHARS = 24
"""Longest tag, in characters (a-z, 0-9, '-', '_'): the most tags, comma-separated, fit one TXT entry."""

# --- Fan-in: answers to a node's own particles (edge_agent/net/priority.py) ---------------
PRIORITY_MAX_EXPECTED_PEERS = 4_096
"""Most peers a node expects answers from at once (peers it sent a particle of its own to),
whose proven hosts the transport serves first; the oldest expectation goes first beyond it."""

PRIORITY_MAX_EXPECTED_S = 600.0
"""Longest a peer stays expected after a particle of ours was sent to it, in seconds (at most
the particle's own remaining life)."""

NODE_MAX_HEARD_PER_PARTICLE = 64
"""Senders per particle whose source address a node remembers (where each one's copy came
from: alive, and the place an answer may ride back in the response); past it only a sender
whose POST still waits for an answer is remembered, so the copies of a particle forwarded
by many peers cannot grow the table beyond it."""
