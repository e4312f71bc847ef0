"""Limits and timers of remote logs and metrics (issue 11), with their units.

They sit beside `edge_agent.const` (which is at the module size limit) and follow its rules:
untrusted input is bounded by these before it is parsed; configuration may change those
config.py names (`logs.ring_lines`, `metrics.listen`).
"""

from __future__ import annotations

# --- the log ring (edge_agent/logring.py) ---------------------------------------------------
LOG_RING_DEFAULT_LINES = 1_000
"""Lines an agent keeps for `edge-agent logs` by default (config `logs.ring_lines`)."""

LOG_RING_MIN_LINES = 10
LOG_RING_MAX_LINES = 100_000
"""The range `logs.ring_lines` may take (a line costs at most ~1 KB: 100,000 is ~100 MB)."""

LOG_LINE_MAX_CHARS = 500
"""Longest text of one ring line, in characters; longer text is cut and ends with "…"."""

LOG_SERVICE_NAME_MAX_CHARS = 64
"""Longest service name a ring line carries (service names are at most this long)."""

LOG_SERVICE_LINES_PER_S = 20.0
LOG_SERVICE_LINES_BURST = 100
"""Rate of one service's `ea_log` lines into the ring (lines/s, and the burst above it):
past it lines are counted, and the count is written once lines are admitted again."""

LOG_ALL_SERVICES_LINES_PER_S = 100.0
LOG_ALL_SERVICES_LINES_BURST = 300
"""Rate of all services' lines together into the ring (lines/s, burst)."""

LOG_STRANGER_LINES_BURST = 20
LOG_STRANGER_LINES_PER_S = 0.1
"""Lines the particles of untrusted peers may add to the ring, all together (a refused srv.*
call, a failed run), at once and then per second; the rest are counted in one line. (One
stranger's particle refused 1,024 times replaced the whole ring in 0.35 s.)"""

LOG_MAX_SERVICES_TRACKED = 256
"""Services whose rate the ring tracks at once (least recently logging forgotten first)."""

# --- GET /logs (edge_agent/net/coap_logs.py) ------------------------------------------------
LOG_MAX_OBSERVERS = 8
"""Observations of /logs (CoAP Observe, RFC 7641) one agent serves at once; more get 5.03."""

LOG_MAX_AUTHORIZING = 2
"""GET /logs requests waiting for their reader's address to be proven at a time; more are
answered 5.03 (a stranger naming a trusted peer from many addresses made the device challenge
each, keeping the challenge slots deliveries and fetches need busy)."""

LOG_NOTIFY_INTERVAL_S = 0.2
"""Least time between two notifications of /logs, in seconds (lines in between go together)."""

LOG_NOTIFY_MAX_BYTES = 1_000
"""Largest body of one /logs notification, in bytes: one datagram (Observe has no Block2
here); an observer whose lines do not fit gets the rest in the next notifications."""

LOG_ANSWER_MAX_BYTES = 64 * 1024
"""Largest body of a plain GET /logs answer, in bytes (Block2 carries it)."""

LOG_ANSWER_MAX_LINES = 1_000
"""Most lines one GET /logs answer holds (the `n=` query may ask for fewer)."""

LOG_ANSWER_MAX_ITEMS = 8 * (LOG_ANSWER_MAX_LINES + 1)
"""Most CBOR items a GET /logs answer may hold, counted before it is decoded (7 a line)."""

LOG_FOLLOW_RETRY_S = 1.0
"""How long `logs -f` waits before following again after its observation ended, in seconds."""

LOG_FOLLOW_RENEW_S = 60.0
"""How often `logs -f` renews its observation when no notification came, in seconds (an
agent that restarted forgot it)."""

# --- metrics (edge_agent/metrics.py) --------------------------------------------------------
METRICS_MAX_SERVICES = 256
"""Services whose metrics an agent keeps (a removed service's are forgotten)."""

METRICS_LATENCY_BUCKETS_MS = (
    0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1_000.0, 2_000.0,
    5_000.0, 10_000.0, 60_000.0,
)
"""Upper bounds of the call-latency histogram's buckets, in ms (a last bucket holds the rest):
p50/p99 are read from it, exact to a bucket."""

METRICS_MAX_ERROR_CODES = 32
"""Distinct ret_codes counted per service; the rest count under ret_code -1 ("other")."""

METRICS_LAST_ERROR_CHARS = 300
"""Longest last-error text kept per service, in characters."""

METRICS_DEFAULT_PORT = 9464
"""Port of the Prometheus endpoint in docs and `metrics.listen` examples (Prometheus's
registry of default ports gives 9464 to OpenTelemetry-style exporters)."""

METRICS_SCRAPE_TIMEOUT_S = 5.0
"""How long one scrape may wait for the agent's loop to read its figures, in seconds."""

METRICS_MAX_CONNECTIONS = 8
"""HTTP connections the metrics endpoint serves at once; more are closed at once."""

METRICS_CONNECTION_TIMEOUT_S = 10.0
"""How long the metrics endpoint waits for a connection to send its request, in seconds."""

# --- edge-agent top ------------------------------------------------------------------------
TOP_REFRESH_S = 2.0
"""Seconds between two refreshes of `edge-agent top`."""

TOP_MAX_DEVICES = 64
"""Devices `edge-agent top` shows (the first by name); more are counted, not shown."""

# --- answers in blocks (edge_agent/net/coap_block2_answers.py) -------------------------------
COAP_BLOCK2_KEPT_ANSWERS = 16
"""Answers larger than one block (/status, /logs) kept for their requesters' later blocks, for
strangers and for priority senders (this host, trusted peers' hosts) each; the oldest goes
first. (aiocoap kept every one for 93 s: a stranger varying its port made thousands.)"""

COAP_BLOCK2_KEPT_BYTES = 256 * 1024
"""Bytes those kept answers may hold together, for strangers and for priority senders each."""

COAP_BLOCK2_KEEP_S = 30.0
"""How long an answer is kept for its later blocks, in seconds; a block asked for after it is
answered 4.08 (the reader must start again from block 0)."""

STATUS_MAX_PEERS = 64
"""Peer ids /status lists (the first by id); `peers_known` counts them all. Bounds the answer
a stranger can have the agent render: the address book holds up to 1,024."""
