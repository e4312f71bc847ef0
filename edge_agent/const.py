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

# --- Identity, particles, state directory, configuration -----------------------------------
# (edge_agent/identity.py, particle.py, store.py, config.py)
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
"""Most entries in a particle's top-level CBOR map looked at before rejecting it; a valid
envelope has 8."""

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
"""Largest Wasm module accepted for deployment by default, in bytes; config
`wasm.max_module_bytes`."""

DEFAULT_WASM_WORKERS = 1
"""Wasm worker processes by default; config `wasm.workers`."""

KV_MAX_KEYS = 1024
"""Most keys in one service's KV store by default; config `kv.max_keys`."""

KV_MAX_KEY_BYTES = 256
"""Longest KV key, in bytes (docs/service-abi.md); config `kv.max_key_bytes`."""

KV_MAX_VALUE_BYTES = 64 * 1024
"""Largest KV value, in bytes (docs/service-abi.md); config `kv.max_value_bytes`."""

KV_MAX_TOTAL_BYTES = 1024 * 1024
"""Most bytes (keys + values) in one service's KV store by default; config
`kv.max_total_bytes`. Each put rewrites the service's file, so this also bounds a write."""

STATE_TEMP_MAX_AGE_S = 3600
"""A leftover temp file in the state directory whose writer process still exists is removed
at open only once it is this old, in seconds (a dead writer's temp files go at once)."""

MAX_TRUSTED_FILE_BYTES = 1024 * 1024
"""Largest trusted-peers file read, in bytes."""

MAX_SERVICES_FILE_BYTES = 4 * 1024 * 1024
"""Largest service registry file read, in bytes."""

MAX_CONFIG_FILE_BYTES = 1024 * 1024
"""Largest configuration file read, in bytes."""

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
"""File read by the `cpu_temperature` sensor (millidegrees Celsius); config
`wasm.cpu_temperature_path`."""

# --- Discovery (edge_agent/net/discovery.py, addressbook.py) --------------------------------
DISCOVERY_SERVICE_TYPE = "_edge-agent._udp.local."
"""DNS-SD service type agents register and browse (RFC 6763 §7: the service name is at most
15 bytes; `_udp` because CoAP runs over UDP)."""

DISCOVERY_MAX_INSTANCE_NAME_BYTES = 63
"""Longest DNS-SD instance name, in UTF-8 bytes (one DNS label, RFC 6763 §4.1.1)."""

DISCOVERY_MAX_SERVICE_NAME_BYTES = 255
"""Longest full service name looked at from the network, in bytes (RFC 1035 §2.3.4)."""

DISCOVERY_MAX_TXT_BYTES = 1300
"""Largest TXT record accepted from a peer, in bytes (RFC 6763 §6.2: keep TXT under ~1300
bytes so the answer fits one packet); larger ones are ignored before their keys are read."""

DISCOVERY_MAX_TXT_KEYS = 32
"""Most TXT keys accepted from a peer; ours has 3 or 4."""

DISCOVERY_MAX_VERSION_CHARS = 32
"""Longest `v=` TXT value (agent version) accepted from a peer, in characters."""

DISCOVERY_MAX_PENDING_RESOLVES = 64
"""Most service instances being resolved at once; more announcements are dropped (and retried
when the peer announces again), so a flood of names cannot start unbounded tasks."""

DISCOVERY_RESOLVE_TIMEOUT_S = 3.0
"""Time to resolve one announced instance (SRV, TXT, A/AAAA), in seconds."""

DISCOVERY_REGISTER_TIMEOUT_S = 10.0
"""Time `Discovery.start` waits for probing (RFC 6762 §8.1) to finish, in seconds. Measured:
1.2-1.7 s (zeroconf probes three times 250-500 ms apart after a random delay)."""

DISCOVERY_STOP_TIMEOUT_S = 3.0
"""Time `Discovery.stop` waits for the goodbye packets (RFC 6762 §10.1) and the close, in
seconds; the goodbyes take about 0.25 s."""

DISCOVERY_MAX_WARNED_KEYS = 256
"""Distinct peer-caused warnings remembered so each is logged once at WARNING, then at DEBUG."""

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

# --- AIR data (edge_agent/air/data.py) -----------------------------------------------------
MAX_NAME_BYTES = 1024
"""Longest key, peer id or stream name accepted in particle data."""

# --- Wasm modules (edge_agent/services/wasm/binary.py, validate.py, instrument.py) ---------
WASM_MAX_FUNCTION_LOCALS = 50_000
"""Most locals one Wasm function may declare (V8's kV8MaxWasmFunctionLocals). wasm3 gives
every local a frame slot when it compiles the function, so a few bytes declaring billions
would exhaust memory in the worker; checked while parsing, before anything is allocated."""

SCRIPT_CACHE_SIZE = 128
"""Parsed scripts kept in memory (a particle's script is run on every copy that arrives)."""

# --- CoAP transport (edge_agent/net/coap.py, coap_spool.py) --------------------------------
COAP_MAX_PENDING_PARTICLES = 128
"""Most received particles handed to the node whose callback has not returned yet; one more
POST is answered 5.03 Service Unavailable with Max-Age (RFC 7252 §5.9.3.4), which senders
retry."""

COAP_MAX_PENDING_PARTICLE_BYTES = 32 * 1024 * 1024
"""Most bytes of received particles held for the node at once (the sum over the pending
ones); beyond it, 5.03 as above. A single particle up to `particles.max_bytes` is always
taken when nothing else is pending."""

COAP_OVERLOAD_MAX_AGE_S = 1
"""Max-Age of a 5.03 answer, in seconds: how long a sender should wait before retrying."""

COAP_BLOCK1_MAX_ASSEMBLIES = 16
"""Most Block1 (RFC 7959 §2.5) uploads reassembled at once per upload resource, over all
senders; a new one beyond it is answered 5.03 with Max-Age."""

COAP_BLOCK1_BUDGET_BYTES = 8 * 1024 * 1024
"""Most bytes held by unfinished Block1 uploads per upload resource; one upload of the
resource's maximum size is always allowed. Bounds the memory a flood of half-sent uploads
can take (aiocoap's own reassembly has no bound)."""

COAP_BLOCK1_IDLE_TIMEOUT_S = 25.0
"""An unfinished Block1 upload with no new block for this long is dropped, in seconds; the
sender then gets 4.08 Request Entity Incomplete. A lost block is retransmitted a third time
at most 21 s after its first transmission (RFC 7252 §4.8: ACK_TIMEOUT 2 s × ACK_RANDOM_FACTOR
1.5, doubling)."""

COAP_MAX_DIAGNOSTIC_BYTES = 200
"""Longest diagnostic payload put in an error response, in UTF-8 bytes (RFC 7252 §5.5.2)."""

COAP_MAX_WARNED_KEYS = 256
"""Distinct peer-caused transport warnings remembered so each is logged once at WARNING,
then at DEBUG."""

COAP_MAX_RESOLVED_REMOTES = 256
"""(host, port) destinations whose aiocoap remote the client keeps, so it resolves each once."""

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

# --- The node (edge_agent/node.py) ---------------------------------------------------------
NODE_MAX_PARTICLES = 1024
"""Particles a node works on at once; one more is dropped as `overloaded`."""

NODE_MAX_FINISHED = 16 * 1024
"""Ids of expired particles remembered (until their deadline plus the clock skew) to drop replays."""

NODE_HOUSEKEEPING_S = 1.0
"""How often expired particles and addresses are swept, in seconds."""

NODE_DELIVERY_TIMEOUT_MS = 10_000
"""Longest time spent trying to reach one next peer, in ms, before its calls fail."""

NODE_ERROR_RESERVE_MS = 5_000
"""Time kept before a particle's deadline (at most a fifth of its ttl), in ms, for the error
about an unreachable peer to travel back to the init peer."""

NODE_FETCH_TIMEOUT_S = 180.0
"""Time allowed to fetch a module for srv.deploy from the peer that offers it, in seconds.
Blockwise over CoAP (1 KiB blocks, one at a time), a module at the 2 MiB default limit took
3.9 s over loopback on an x86-64 PC: a minute or more on a Raspberry Pi 5-20x slower."""

AIR_RECURSION_LIMIT = 200_000
"""Python recursion limit the interpreter needs: a fold over N values nests about 6N frames
(`next` recurses), so this allows folds over some 30,000 values in one run."""

NODE_MAX_HELD_DATA_BYTES = 32 * 1024 * 1024
"""Particle data a node holds at once (the sizes of the largest copies it received), in bytes;
past it idle particles are given up early, and if none is idle a new copy is dropped."""

COAP_REPLY_WAIT_S = 0.05
"""How long the answer to a particle POST waits for the node's copy back to the sender, in
seconds; a copy ready by then rides in the response and saves an exchange."""

COAP_MAX_REPLY_IN_RESPONSE_BYTES = 1024
"""Largest copy sent back in a response: one CoAP block (RFC 7959 §2.2, szx 6), since small
POSTs are sent without the blockwise layer; bigger copies go as their own POST."""
