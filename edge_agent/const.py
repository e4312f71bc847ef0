"""Every limit and timer of edge-agent, with its unit.

Untrusted input is bounded by these before it is parsed; config.py says which a configuration sets.
"""

from __future__ import annotations

from edge_agent.const_fleet import *  # noqa: F403 - running a fleet (issue 13): const.X as for the rest
from edge_agent.const_node import *  # noqa: F403 - the node's particle table, rates and shares
from edge_agent.const_wasm import *  # noqa: F403 - Wasm calls in progress per service

# --- AIR scripts and data (edge_agent/air) -------------------------------------------------
MAX_SCRIPT_BYTES = 256 * 1024
"""Largest AIR script accepted, in bytes (UTF-8). Checked before lexing."""

MAX_SCRIPT_TOKENS = 32 * 1024
"""Most tokens (parentheses, brackets, strings, words) an AIR script may have, counted as it
is read. Parsing costs some 3-4 us a token on an x86-64 PC, so this bounds one parse of a
stranger's script to ~0.1 s there (a 256 KB script of dense tokens took 0.5 s). The largest
Aqua-compiled script in tests/aqua has 6,660 tokens in 97 KB: a 256 KB one would have ~18,000."""

MAX_SCRIPT_DEPTH = 200
"""Deepest instruction nesting accepted by the parser (recursion guard)."""

MAX_STREAM_VALUES = 1024
"""Most values one stream may hold; one more is a catchable error."""

MAX_DATA_BYTES = 1024 * 1024
"""Largest encoded particle data (the AIR log), in bytes."""

MAX_DATA_ENTRIES = 16 * 1024
"""Most entries the AIR log may hold."""

MAX_DATA_ITEMS = 128 * 1024
"""Most CBOR items (values, arrays, maps, strings...) in a particle's data, counted before it
is decoded: bounds its decoded size (~70 bytes of Python objects an item, so ~9 MB), which a
byte limit alone does not (a megabyte of empty arrays is a million lists)."""

MAX_STRANGER_DATA_ITEMS = 16 * 1024
"""Most CBOR items in the data of a particle whose init peer this node does not trust (~35 ms
to decode, check and digest here, so one copy holds the event loop briefly; ~0.1 s when they
are the most seals they can be, ~1,000 of as many peers, each an Ed25519 verification)."""

DATA_ITEM_WEIGHT_BYTES = 72
"""What one decoded CBOR item is charged against a node's held-data budget, in bytes."""

SEAL_CACHE_SIZE = 4096
"""Seals a peer remembers having verified (each is then checked by comparison, not crypto)."""

MAX_SEALS_PER_PEER = 4
"""Seals of one peer a particle's data may carry (its seals nest, so normally one)."""

MAX_VALUE_DEPTH = 64
"""Deepest nesting of a JSON-like value produced by a service or carried in data."""

MAX_INTERPRETER_STEPS = 1_000_000
"""Instruction executions allowed in one interpreter run before it stops with an error."""

# --- The particle loop (node core and simulator) -------------------------------------------
SIM_MAX_STEPS = 10_000
"""Default bound on interpreter runs in one `sim.Network.run`."""

# --- Identity, particles, state directory, configuration (identity.py, particle.py, store.py, config.py)
MAX_PEER_ID_CHARS = 64
"""Longest peer id string looked at, in characters; Ed25519 ids have 52. Checked before
base58 decoding, which is quadratic in the length."""

PARTICLE_ENVELOPE_OVERHEAD_BYTES = 64 * 1024
"""Room for the envelope fields around script and data, in bytes (ids, numbers, signature
and CBOR headers take < 300; the rest is slack)."""

MAX_PARTICLE_BYTES = MAX_SCRIPT_BYTES + MAX_DATA_BYTES + PARTICLE_ENVELOPE_OVERHEAD_BYTES
"""Default largest encoded particle accepted, in bytes; config `particles.max_bytes`.
Checked before any CBOR decoding."""

PEER_ID_CACHE_SIZE = 1024
"""Init peer ids whose validity `particle.decode` remembers (an LRU; invalid ids are not kept)."""

MAX_PARTICLE_MAP_ENTRIES = 16
"""Most entries in a particle's top-level CBOR map looked at before rejecting it; a valid envelope has 8."""

MAX_PARTICLE_TTL_MS = 60 * 60 * 1000
"""Longest particle ttl accepted, in milliseconds (1 h); config `particles.max_ttl_ms`.
State and replay entries are kept until ttl, so this bounds how long they live."""

DEFAULT_PARTICLE_TTL_MS = 30_000
"""ttl given to particles this peer starts, in milliseconds; config `particles.default_ttl_ms`."""

DEFAULT_CLOCK_SKEW_MS = 10_000
"""Clock difference tolerated between peers, in milliseconds; config `particles.clock_skew_ms`.
Small boards without a real-time clock may run a few seconds off until NTP syncs."""

DEFAULT_STATE_DIR = "/var/lib/edge-agent"
"""State directory (key, trust, modules, services, KV); config `state_dir`."""

COAP_DEFAULT_PORT = 5683
"""CoAP's UDP port (RFC 7252 §6.1); config `coap.port`."""

DEFAULT_WASM_FUEL = 10_000_000
"""Fuel (metered Wasm instructions) one service call may use by default; config `wasm.fuel`."""

DEFAULT_WASM_MEMORY_PAGES = 64
"""Largest declared memory maximum of a module by default, in 64 KiB pages (4 MiB);
config `wasm.memory_pages`."""

DEFAULT_WASM_DEADLINE_MS = 1_000
"""Wall-clock time one service call may take by default, in milliseconds, before its worker
is killed; config `wasm.deadline_ms`."""

DEFAULT_MAX_MODULE_BYTES = 2 * 1024 * 1024
"""Largest Wasm module accepted for deployment by default, in bytes; config `wasm.max_module_bytes`."""

DEFAULT_WASM_WORKERS = 4
"""Most Wasm worker processes by default; config `wasm.workers`. Each service gets a worker of
its own while there are enough (so one service's spin or load cannot delay another's calls);
with more services than workers, services share them."""

DEFAULT_WASM_WORKER_MEMORY_BYTES = 36 * 1024 * 1024
"""Data memory one Wasm worker process may use by default (its RLIMIT_DATA), in bytes; config
`wasm.worker_memory_bytes`. Four workers at this cap plus WASM_AGENT_RESERVE_BYTES stay under
the unit's MemoryMax=256M (systemd/edge-agent.service)."""

KV_MAX_KEYS = 1024
"""Most keys in one service's KV store by default; config `kv.max_keys`."""

KV_MAX_KEY_BYTES = 256
"""Longest KV key, in bytes (docs/service-abi.md); config `kv.max_key_bytes`."""

KV_MAX_VALUE_BYTES = 64 * 1024
"""Largest KV value, in bytes (docs/service-abi.md); config `kv.max_value_bytes`."""

KV_MAX_TOTAL_BYTES = 1024 * 1024
"""Most bytes (keys + values) in one service's KV store by default; config
`kv.max_total_bytes`. Each put rewrites the service's file, so this also bounds a write."""

KV_STRANGER_FILE_REWRITES_PER_S = 1 / 16
"""How much of a service's KV file strangers' calls may have rewritten a second (each put or
delete rewrites it whole), as a share of the largest file its quota allows, after a burst of
two such files; over it a put or a delete answers -1 (as over a quota). At the default
quota 64 KiB/s, 5.8 GB a day per service: an SD card's years, not its weeks. Calls of trusted
peers, fleet devices and the peers a rule lists are not counted."""

STATE_TEMP_MAX_AGE_S = 3600
"""A leftover temp file in the state directory whose writer process still exists is removed
at open only once it is this old, in seconds (a dead writer's temp files go at once)."""

MAX_TRUSTED_FILE_BYTES = 1024 * 1024
"""Largest trusted-peers file read, in bytes."""

MAX_SERVICES_FILE_BYTES = 4 * 1024 * 1024
"""Largest service registry file read, in bytes."""

MAX_CONFIG_FILE_BYTES = 1024 * 1024
"""Largest configuration file read, in bytes."""

MAX_KNOWN_PEERS_FILE_BYTES = 1024 * 1024
"""Largest known-peers file (the laptop's name -> peer id pins) read, in bytes."""

MAX_KNOWN_PEERS = 4096
"""Names a laptop pins at most (about 0.5 MB, well under the file's read limit): one more is
refused, so the file always reads back."""

CLIENT_RESOLVE_WAIT_S = 3.0
"""Longest wait for each TARGET's name (or peer id) to be heard over mDNS, in seconds, within --timeout:
devices answer a query in 20-120 ms (RFC 6762 §6); more only delays news of a typo or a device down."""

CLIENT_NAME_SETTLE_S = 0.5
"""How long the CLI listens over mDNS before it takes a name to have one announcer (or a --tag to have its
devices), in seconds: every responder answers the first query within 20-120 ms (RFC 6762 §6)."""

# --- Builtin services (edge_agent/services/builtins/) ---------------------------------------
# Anyone may call the builtins (they are open, as on a Fluence peer) and they run on the
# event loop, so each one's work and memory is bounded by its input and these limits.
BUILTIN_MAX_RESULT_VALUES = MAX_DATA_ITEMS
"""Most JSON values (counted as the data counts them: every nested value) in what a builtin
builds from its arguments (`op.array`, `op.concat`, `debug.stringify`). Arguments may name one
big value many times, so a result can be far larger than the data it came from; one larger
than this could not be stored in a particle anyway."""

BUILTIN_MAX_RESULT_CHARS = MAX_DATA_BYTES
"""Most characters of text a builtin builds (`op.concat_strings`, `debug.stringify`, and the
strings inside `op.array`/`op.concat` results), for the same reason."""

BUILTIN_MAX_BASE58_BYTES = 2048
"""Longest input `op.string_to_b58`/`op.bytes_to_b58` encode, in bytes. Base58 is quadratic in
the length: 2 KiB took 2 ms on an x86-64 PC (10-40 ms on a Raspberry Pi), 8 KiB 14 ms. Peer
ids and hashes, what Fluence code converts, are under 64."""

BUILTIN_MAX_BASE58_CHARS = 2800
"""Longest base58 text `op.string_from_b58`/`op.bytes_from_b58` decode, in characters: the
text of BUILTIN_MAX_BASE58_BYTES bytes (1.37 characters a byte), rounded up."""

PEER_TIMEOUT_MAX_MS = MAX_PARTICLE_TTL_MS
"""Longest `peer.timeout` sleeps, in milliseconds. It also never sleeps past the particle's deadline (after
which nobody can use its result); this bounds it where a configured ttl limit is higher."""

# --- Wasm host (edge_agent/services/wasm/host.py, worker.py, abi.py, limits.py) -----------
DEFAULT_WASM_STACK_BYTES = 128 * 1024
"""wasm3 value stack of one service by default, in bytes. wasm3 recurses on the C stack for
every Wasm call (~100 B of C stack per 24 B frame measured on x86-64), so a 2 MiB Wasm stack
overflows an 8 MiB C stack and segfaults before wasm3's own "stack overflow" trap."""

MAX_WASM_STACK_BYTES = 512 * 1024
"""Largest Wasm stack a service may be given, in bytes (see DEFAULT_WASM_STACK_BYTES)."""

MAX_WASM_FUEL = 10**12
"""Largest fuel limit a service may be given (it must fit the i64 fuel counter)."""

MAX_WASM_DEADLINE_MS = 10 * 60 * 1000
"""Longest per-call deadline a service may be given, in milliseconds."""

DEFAULT_WASM_MAX_ARGS_BYTES = 1024 * 1024
"""Largest CBOR-encoded argument list passed to a CBOR function by default, in bytes."""

DEFAULT_WASM_MAX_REPLY_BYTES = 1024 * 1024
"""Largest CBOR reply read back from a CBOR function by default, in bytes."""

WASM_MAX_PARAMS = 32
"""Most parameters of a callable export; pywasm3 0.5.0 refuses more (MAX_ARGS)."""

WASM_WORKER_BASE_BYTES = 16 * 1024 * 1024
"""Data memory of an idle worker process (Python, wasm3, cbor2), in bytes: 9.5 MiB of VmData
and 8 MiB of private RSS measured on x86-64, 11.7 MiB and 11 MiB with all six firmware
services loaded and called (KV store included); its shared library pages are counted once
for all workers, in WASM_AGENT_RESERVE_BYTES. Kept at 16 MiB: headroom for other builds."""

WASM_WORKER_MIN_SERVICE_BYTES = 8 * 1024 * 1024
"""Least room for services a worker is given when the memory limit is tight, in bytes."""

WASM_AGENT_RESERVE_BYTES = 112 * 1024 * 1024
"""Memory kept for the agent itself (its ~45 MiB RSS, particles in flight, the library pages
it shares with the workers, kernel buffers) when sizing the workers to the cgroup's
memory.max, in bytes."""

WASM_LOAD_DEADLINE_MS = 10_000
"""Wall-clock time a module's load (parse, link, start function) may take, in milliseconds.
Measured on an x86-64 PC: 15-70 ms for a 2 MiB module, 70-95 ms for the first load in a
fresh worker, 17 ms for a start function using the default fuel; a Raspberry Pi is 5-20x
slower, and loads again every service at once when a worker restarts."""

WASM_WORKER_START_TIMEOUT_S = 30.0
"""Time a fresh worker process may take to report ready, in seconds (a Raspberry Pi's cold
Python start with wasm3 and cbor2 takes about a second)."""

WASM_MAX_FRAME_BYTES = 64 * 1024 * 1024
"""Largest message between the agent and a worker, in bytes (a module or a reply fits)."""

WASM_MAX_LOG_LINES_PER_CALL = 64
"""Most ea_log lines kept from one call; later lines are counted, not kept."""

WASM_MAX_LOG_LINE_BYTES = 2048
"""Longest ea_log line kept, in bytes; the rest is cut."""

WASM_MAX_RANDOM_BYTES = 64 * 1024
"""Most bytes one ea_random call may ask for."""

WASM_MAX_TRACE_BYTES = 4096
"""Most bytes of wasm3's stderr backtrace kept per call for the DEBUG log."""

WASM_PIPE_SPIN_US = 200
"""How long the agent and a worker poll their pipe before sleeping on it, in microseconds
(0 is used on a single CPU). Saves the wake-up (tens of microseconds on a VM) on quick
replies and back-to-back requests, for at most this much CPU after each exchange."""

WASM_ASYNC_SPIN_US = 100
"""The same for the agent's event loop, which nothing else can use while it polls: at most
this long per call, in microseconds."""

DEFAULT_CPU_TEMPERATURE_PATH = "/sys/class/thermal/thermal_zone0/temp"
"""File read by the `cpu_temperature` sensor (millidegrees Celsius); config `wasm.cpu_temperature_path`."""

# --- Discovery (edge_agent/net/discovery.py, addressbook.py) --------------------------------
DISCOVERY_MAX_INSTANCE_NAME_BYTES = 63
"""Longest DNS-SD instance name, in UTF-8 bytes (one DNS label, RFC 6763 §4.1.1)."""

DISCOVERY_MAX_SERVICE_NAME_BYTES = 255
"""Longest full service name looked at from the network, in bytes (RFC 1035 §2.3.4)."""

DISCOVERY_MAX_TXT_BYTES = 1300
"""Largest TXT record accepted from a peer, in bytes (RFC 6763 §6.2: keep TXT under ~1300
bytes so the answer fits one packet); larger ones are ignored before their keys are read."""

DISCOVERY_MAX_TXT_KEYS = 32
"""Most TXT keys accepted from a peer; ours has 4 or 5."""

DISCOVERY_MAX_VERSION_CHARS = 32
"""Longest `v=` TXT value (agent version) accepted from a peer, in characters."""

DISCOVERY_MAX_PENDING_RESOLVES = 64
"""Most service instances being resolved at once, so a flood of names cannot start unbounded
tasks; more wait for a turn (zeroconf tells of an instance once: one dropped here stayed
unknown for as long as it was up)."""

DISCOVERY_MAX_INSTANCES_PER_PEER = 4
"""Most mDNS service instances tracked for one peer id (a device announces one; a restart
under a new name makes two for a while); more are ignored."""

DISCOVERY_MAX_WAITING_RESOLVES = 1024
"""Most service instances waiting for a turn to be resolved; past it the one that waited
longest gives way."""

DISCOVERY_RESOLVE_TIMEOUT_S = 3.0
"""Time to resolve one announced instance (SRV, TXT, A/AAAA), in seconds."""

DISCOVERY_REGISTER_TIMEOUT_S = 10.0
"""Time `Discovery.start` waits for probing (RFC 6762 §8.1) to finish, in seconds. Measured:
1.2-1.7 s (zeroconf probes three times 250-500 ms apart after a random delay)."""

DISCOVERY_STOP_TIMEOUT_S = 3.0
"""Time `Discovery.stop` waits for the goodbye packets (RFC 6762 §10.1) and the close, in
seconds; the goodbyes take about 0.25 s."""

ADDRESSBOOK_MAX_PEERS = 1024
"""Most peers the address book holds; a new one then evicts the least recently seen peer that
has no static address."""

ADDRESSBOOK_MAX_ADDRESSES_PER_PEER = 8
"""Most addresses (per source) kept for one peer; a new one evicts that peer's least recently
seen non-static address."""

ADDRESSBOOK_MAX_HOST_CHARS = 253
"""Longest host string (IP literal with scope, or DNS name, RFC 1035 §2.3.4) in an address."""

ADDRESSBOOK_INCOMING_TTL_S = 600.0
"""How long an address learned from an incoming particle stays, in seconds, unless seen again."""

ADDRESSBOOK_RECENT_USE_S = 600.0
"""A peer a particle was delivered to within this many seconds is kept like a proven one when
the book is full: strangers' unproven entries make room first."""

# --- Address proofs and delivery (edge_agent/net/proof.py, delivery.py) ---------------------
PROOF_NONCE_BYTES = 16
"""Random bytes in one challenge (128 bits: never repeated, never guessed)."""

PROOF_MAX_CLAIM_CHARS = 64
"""Longest claimed address in a challenge, in characters ("[ipv6]:port" takes at most 47)."""

PROOF_MAX_ANSWER_BYTES = 256
"""Largest answer to a challenge read, in bytes (a peer id and a signature in CBOR take ~130)."""

PROOF_TIMEOUT_S = 1.0
"""Time a challenged address has to answer, in seconds. A LAN answers within milliseconds;
a lost datagram costs this once, and the next pass over the peer's addresses asks again."""

PROOF_TTL_S = 300.0
"""How long a proven (peer id, address) pair is used without a new challenge, in seconds. A
delivery that fails there ends the proof at once; a working peer pays one round trip per TTL."""

PROOF_REFUTED_TTL_S = 60.0
"""How long an address that answered a challenge as someone else (or refused it) is not
challenged again for that peer id, in seconds."""

PROOF_MAX_IN_FLIGHT = 64
"""Challenges a node has outstanding at once (particles naming many strangers cannot make it
send unbounded ones); one more waits for a slot within its send's deadline (issue 12)."""

PROOF_ANSWERS_PER_HOST_PER_S, PROOF_ANSWERS_PER_HOST_BURST = 5.0, 20
PROOF_STRANGER_ANSWERS_PER_S, PROOF_STRANGER_ANSWERS_BURST = 100.0, 200
"""Challenges (GET /id) answered per second to one host, and to all but priority senders
together: each answer is an Ed25519 signature (~0.04 ms here, 5-10x that on a Pi), so at the
request rates alone strangers could keep a third of a Pi core signing. Beyond: 5.03."""

DELIVERY_ADDRESS_SLICE_MS = 1_500
"""Longest time a particle is offered to one address of a peer before its next address is
tried, in ms (plus the transfer time at DELIVERY_MIN_BYTES_PER_S). The last address left gets
all the time that remains; a dead first address costs at most this, not the whole budget."""

DELIVERY_MIN_BYTES_PER_S = 100_000
"""Slowest link a particle's transfer time is reckoned at for DELIVERY_ADDRESS_SLICE_MS, in
bytes per second (a 1 MiB particle gets about 10 s more per address)."""

DELIVERY_MAX_ROUNDS = 8
"""Passes over a peer's addresses in one send before it gives up, also before its deadline."""

DELIVERY_ROUND_PAUSE_S = 0.05
"""Wait after the first pass over a peer's addresses that failed, in seconds; it doubles after
each further pass, up to COAP_SEND_BACKOFF_MAX_S."""

# --- Who may call what (edge_agent/access.py, services/fleet.py, net/membership.py) ---------
ACCESS_MAX_PEERS = 64
"""Most peer ids one service's access rule may list."""

TRUST_RECHECK_S = 1.0
"""How often a trusted peer's call checks whether the trusted-peers file changed (one stat),
in seconds: a `trust remove` reaches calls within this time (deploys at once); the calls of
a peer not on the list check every time, so a `trust add` reaches them at once."""

MEMBERSHIP_DEFAULT_DAYS = 90
"""How long a fleet membership `edge-agent enroll` signs is valid by default, in days."""

MEMBERSHIP_MAX_DAYS = 3650
"""Longest validity `edge-agent enroll --days` accepts, in days."""

MEMBERSHIP_MAX_CERTIFICATES = 4
"""Most membership certificates a device keeps (one per enrolling peer) and reads from
another device's answer; a device enrolled once more drops the one that expires first."""

MEMBERSHIP_MAX_ANSWER_BYTES = 2048
"""Largest answer to GET /membership read, in bytes (a certificate takes ~280 in CBOR)."""

MEMBERSHIP_FETCH_TIMEOUT_S = 2.0
"""Time a caller's device has to answer GET /membership, in seconds (a LAN answers within
milliseconds); the call that asked waits at most this long, plus proving the address."""

MEMBERSHIP_REFUSED_TTL_S = 10.0
"""How long a peer that showed no valid membership is refused without asking it again, in
seconds: a stranger's calls cost one fetch per this time, and a device enrolled just now is
admitted at the latest this long after a refused call."""

MEMBERSHIP_MAX_CACHED = 1024
"""Peers whose membership (or its absence) a device remembers; least recently used first out."""

MEMBERSHIP_MAX_FETCHES = 16
"""GET /membership requests a device has outstanding at once; a call that would need one
more is refused at once (strangers' calls cannot make a device send unbounded requests)."""

# --- AIR data (edge_agent/air/data.py) -----------------------------------------------------
MAX_NAME_BYTES = 1024
"""Longest key, peer id or stream name accepted in particle data."""

# --- Wasm modules (edge_agent/services/wasm/binary/, validate.py, instrument.py) ----------
WASM_MAX_FUNCTION_LOCALS = 50_000
"""Most locals one Wasm function may declare (V8's kV8MaxWasmFunctionLocals). wasm3 gives
every local a frame slot when it compiles the function, so a few bytes declaring billions
would exhaust memory in the worker; checked while parsing, before anything is allocated."""

SCRIPT_CACHE_SIZE = 128
"""Parsed scripts kept in memory (a particle's script is run on every copy that arrives)."""

# --- Peer-caused log records (edge_agent/logutil.py) ---------------------------------------
LOG_ONCE_MAX_KEYS = 1024
"""Distinct kinds of peer-caused record (kind, sender) remembered per logger so each is logged
once at its level and then at DEBUG; the least recently seen is forgotten first."""

LOG_PEER_RECORDS_BURST = 20
"""Peer-caused records one logger logs above DEBUG at once; past it, new kinds go to DEBUG too
(a stranger filled the journal with 900 warnings in 20 s before this bound)."""

LOG_PEER_RECORDS_PER_S = 0.2
"""Rate at which that allowance refills, in records a second (12 a minute)."""

# --- CoAP transport (edge_agent/net/coap_*.py) --------------------------------------------
COAP_MAX_PENDING_PARTICLES = 128
"""Most received particles handed to the node whose callback has not returned yet; one more
POST is answered 5.03 with Max-Age (RFC 7252 §5.9.3.4), which senders retry."""

COAP_MAX_PENDING_PARTICLE_BYTES = 32 * 1024 * 1024
"""Most bytes of received particles held for the node at once (the sum over the pending
ones); beyond it, 5.03 as above. A single particle up to `particles.max_bytes` is always
taken when nothing else is pending."""

COAP_OVERLOAD_MAX_AGE_S = 1
"""Max-Age of a 5.03 answer, in seconds: how long a sender should wait before retrying."""

COAP_BLOCK1_MAX_ASSEMBLIES = 64
"""Most Block1 (RFC 7959 §2.5) uploads reassembled at once per upload resource, over all
senders (a laptop takes 100 devices' answers at once); one more is answered 5.03, Max-Age."""

COAP_BLOCK1_BUDGET_BYTES = 8 * 1024 * 1024
"""Most bytes held by unfinished Block1 uploads per upload resource, at least two uploads of
the resource's maximum size; strangers' uploads together leave one of those to priority
senders. Bounds the memory a flood of half-sent uploads can take (aiocoap's own reassembly
has no bound)."""

COAP_BLOCK1_MAX_PER_SENDER = 4
"""Most Block1 uploads in progress from one source address per upload resource; a new one
beyond it is answered 5.03 with Max-Age. Priority senders (the node's trusted and known
peers) are exempt. 16 slow uploads from one stranger took every slot before this bound."""

COAP_BLOCK1_RESERVED = 52
"""Of `COAP_BLOCK1_MAX_ASSEMBLIES`, upload slots only priority senders may take: strangers
together hold at most 12, and the byte budget below bounds the memory of all 64."""

COAP_BLOCK1_IDLE_TIMEOUT_S = 25.0
"""An unfinished Block1 upload with no new block for this long is dropped, in seconds; the
sender then gets 4.08 Request Entity Incomplete. A lost block is retransmitted a third time
at most 21 s after its first transmission (RFC 7252 §4.8: ACK_TIMEOUT 2 s × ACK_RANDOM_FACTOR
1.5, doubling)."""

COAP_BLOCK1_STALLED_S = 4.0
"""An unfinished upload with no new block for this long gives its slot to a new one when all
are held (s; its sender gets 4.08): above a lost block's first retransmission (≤ 3 s, RFC 7252
§4.8); uploads abandoned mid-way held a laptop fanning in 100 answers for 25 s (issue 12)."""

COAP_MAX_DIAGNOSTIC_BYTES = 200
"""Longest diagnostic payload put in an error response, in UTF-8 bytes (RFC 7252 §5.5.2)."""

COAP_DEDUP_MAX_ENTRIES = 4096
"""Most received requests remembered for duplicate detection (RFC 7252 §4.5), each with the
response sent, over all senders; the oldest is forgotten first. aiocoap's own table keeps
every request for EXCHANGE_LIFETIME (247 s) without a bound: 2,000 confirmable GETs a second
grew it past 160 MB."""

COAP_DEDUP_MAX_PER_SENDER = 256
"""Most of those entries one source address may hold; its oldest goes first. A peer sends
one confirmable request at a time per endpoint (NSTART = 1, RFC 7252 §4.7), so a
retransmission finds its entry among the latest few."""

# Per-sender rates (issue 8). Each applies to a source address that is not a priority sender
# (the node's trusted and known peers; loopback by default), and a second bucket to all
# such senders together. A priority sender is never held back by them.
COAP_SENDER_REQUESTS_PER_S = 200.0
"""Requests a second one source address may send, sustained; a request over it is dropped
before aiocoap decodes it, as if lost, and a confirmable one is retransmitted by its sender
later (RFC 7252 §4.2). A 200 KB particle is about 200 Block1 requests."""

COAP_SENDER_REQUESTS_BURST = 400
"""Requests one source address may send at once above that rate."""

COAP_STRANGERS_REQUESTS_PER_S = 1000.0
"""Requests a second from all non-priority senders together, sustained."""

COAP_STRANGERS_REQUESTS_BURST = 2000
"""Requests from all non-priority senders together allowed at once above that rate."""

COAP_SENDER_BODIES_PER_S = 20.0
"""Particles (bodies POSTed to /particle, counted at their first block) a second one source
address may send, sustained; one more is answered 4.29 Too Many Requests with Max-Age
`COAP_OVERLOAD_MAX_AGE_S` (RFC 8516), which senders retry."""

COAP_SENDER_BODIES_BURST = 50
"""Particles one source address may send at once above that rate."""

COAP_STRANGERS_BODIES_PER_S = 100.0
"""Particles a second from all non-priority senders together, sustained."""

COAP_STRANGERS_BODIES_BURST = 200
"""Particles from all non-priority senders together allowed at once above that rate."""

COAP_MAX_TRACKED_SENDERS = 1024
"""Source addresses whose rate is tracked at once (per limit); the least recently active is
forgotten first."""

COAP_PENDING_RESERVED = 32
"""Of `COAP_MAX_PENDING_PARTICLES`, callback slots only priority senders may take."""

STATUS_MAX_ITEMS = 64 * 1024
"""Most CBOR items a /status answer may hold, counted before it is decoded: a megabyte of
empty arrays cost the CLI 0.6 s and 72 MB a device, and `top` asks 64 devices at once."""

STATUS_MAX_DEPTH = 16
"""Deepest nesting of a /status answer (the agent's own is 5 levels deep)."""

COAP_MAX_RESOLVED_REMOTES = 256
"""(host, port) destinations whose aiocoap remote the client keeps, so it resolves each once;
also those whose last answer's time it keeps (`CoapClient.answered_since`)."""

COAP_MAX_REQUESTS_PER_PEER = 32
"""Most outgoing requests to one (host, port) at once; more wait their turn. aiocoap sends
one confirmable exchange per peer at a time anyway (NSTART = 1, RFC 7252 §4.7)."""

COAP_SEND_BACKOFF_INITIAL_S = 0.05
"""First wait before re-sending a particle after a failed attempt, in seconds; it doubles
after each further failure (with jitter: a random wait between half and all of it)."""

COAP_SEND_BACKOFF_MAX_S = 2.0
"""Longest wait between two attempts to send a particle, in seconds."""

COAP_REQUEST_TIMEOUT_S = 5.0
"""Default time to wait for the answer to a single request (e.g. `get_status`), in seconds."""

COAP_MAX_RESPONSE_BYTES = 1024 * 1024
"""Largest response body accepted by the client (status, or a CLI request), in bytes."""

COAP_STOP_TIMEOUT_S = 3.0
"""Time `stop()` waits for cancelled particle callbacks and aiocoap's shutdown, in seconds."""

COAP_MAX_SENDER_HINT_CHARS = 128
"""Longest `from=` peer id hint accepted on POST /particle (a libp2p id is 52 characters)."""

AIR_RECURSION_LIMIT = 200_000
"""Python recursion limit the interpreter needs: a fold over N values nests about 6N frames
(`next` recurses), so this allows folds over some 30,000 values in one run."""

MAX_INTERPRETER_STEPS_PER_STRANGER_RUN = 10_000
"""Instructions one run of an untrusted particle may execute on a node (~25-80 ms here at
2.3-8 us a step, under load): a run never yields, so this bounds how long a stranger's
particle holds the event loop (and /status). A trusted particle's run may take
MAX_INTERPRETER_STEPS."""

MAX_INTERPRETER_STEPS_PER_PARTICLE = 4_000_000
"""Instructions all runs of one trusted particle may execute on a node, in total."""

MAX_INTERPRETER_STEPS_PER_STRANGER_PARTICLE = 400_000
"""Instructions all runs of one untrusted particle may execute on a node (~1 s of CPU)."""

COAP_REPLY_WAIT_S = 0.05
"""How long the answer to a particle POST waits for the node's copy back to the sender, in
seconds; a copy ready by then rides in the response and saves an exchange."""

COAP_MAX_REPLY_IN_RESPONSE_BYTES = 1024
"""Largest copy sent back in a response: one CoAP block (RFC 7959 §2.2, szx 6), since small
POSTs are sent without the blockwise layer; bigger copies go as their own POST."""
