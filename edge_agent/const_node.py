"""The node's limits and timers (edge_agent/node.py, core.py, cpu_lane.py), with their units:
the particle table, the replay table, strangers' shares and rates. Read as `const.NODE_...`
(const.py imports them all)."""

from __future__ import annotations

NODE_MAX_PARTICLES = 1024
"""Particles a node works on at once; one more is dropped as `overloaded`."""

NODE_MAX_FINISHED = 16 * 1024
"""Ids of expired particles remembered (until their deadline plus the clock skew) to drop replays."""

NODE_YIELD_AFTER_S = 0.005
"""Seconds a particle's calls and runs may go on without yielding the event loop."""
NODE_MAX_DELAYED_CALLS = 1_000
"""`peer.timeout` calls waiting at once, all particles together (edge_agent/delayed.py)."""

NODE_HOUSEKEEPING_S = 1.0
"""How often expired particles and addresses are swept, in seconds."""

REPORT_MAX_DATA_BYTES = 64 * 1024
"""Largest data of a failure or trace report with its writer's invitation (the seals that
invite it and what they cover, edge_agent/invitations.py), in bytes: past it the report
goes without (and is taken only where the init peer sent the particle to its writer), and
an init peer refuses a larger one before it checks any seal (`bad_report`)."""

GC_YOUNG_THRESHOLD = 10_000
"""Net allocations of tracked objects between collections of the young generation in a
running agent (edge_agent/gc_policy.py); Python's default is 700."""

NODE_DELIVERY_TIMEOUT_MS = 10_000
"""Longest time spent trying to reach one next peer, in ms, before its calls fail."""

NODE_ERROR_RESERVE_MS = 5_000
"""Time kept before a particle's deadline (at most a fifth of its ttl), in ms, for the error
about an unreachable peer to travel back to the init peer."""

NODE_FETCH_TIMEOUT_S = 180.0
"""Time allowed to fetch a module for srv.deploy from the peer that offers it, in seconds.
Blockwise over CoAP (1 KiB blocks, one at a time), a module at the 2 MiB default limit took
3.9 s over loopback on an x86-64 PC: a minute or more on a Raspberry Pi 5-20x slower."""

NODE_MAX_HELD_DATA_BYTES = 48 * 1024 * 1024
"""Particle data a node holds at once, in bytes of its weight (each particle's first copy:
its encoded size plus DATA_ITEM_WEIGHT_BYTES per decoded CBOR item, so what it costs in
memory, not on the wire; then what each later copy adds and what its runs record,
`air.data.entry_weight`); past it idle particles are given up early, and if none is idle a
new copy is dropped. With the agent (~45 MB) and its Wasm workers it stays under the unit's
MemoryMax=256M."""

NODE_STRANGER_SHARE = 0.75
"""Share of the particle table, the held data and the replay table that particles of init
peers this node does not trust may fill; the rest is kept for trusted peers."""

NODE_STRANGER_IDLE_MS = 10_000
"""How long a stranger's particle is held with nothing running here, in ms, before it is
given up early (its id stays in the replay table); trusted ones are held until their ttl."""

NODE_STRANGER_CPU_SHARE = 0.25
"""While a trusted particle has work in progress, the share of the time strangers' runs get
(one at a time: edge_agent/cpu_lane.py); otherwise they use whatever CPU is free."""

NODE_STRANGER_PARTICLES_PER_S = 20.0
"""New particles per second one untrusted init peer may start here (token bucket rate)."""

NODE_STRANGER_PARTICLES_BURST = 50
"""Burst of new particles one untrusted init peer may start here (token bucket size)."""

NODE_MAX_RATE_TRACKED_PEERS = 4096
"""Init peers whose token buckets are remembered (least recently seen forgotten first)."""

NODE_UNTRUSTED_SEALS_PER_S = 256.0
"""Seals of untrusted peers checked per second in copies of trusted particles that this
node did not start (token bucket rate). Which peer sent a copy on is not signed, so a
stranger who read a trusted particle off the LAN may send copies of it; each seal costs an
Ed25519 check (~90 µs here with its digests, more on a Pi's slower cores), outside the
strangers' lane. A copy that asks more than the bucket holds is dropped as `overloaded`
before any is checked. Seals of trusted peers, and seals checked before, cost nothing."""

NODE_UNTRUSTED_SEALS_BURST = 1024
"""Burst of those seal checks (token bucket size), and so the most one copy may ask: a copy
from the last of a chain of 1,000 devices that the laptop's script visits one by one."""

HOP_MAX_PEERS = 1024
"""Peers whose hop keys (edge_agent/hop.py: one X25519 agreement each, ~80 µs) are kept,
the least recently used forgotten first: 64 bytes each."""
