"""The Aqua declarations of the services every edge-agent provides, by import path.

`import "@fluencelabs/aqua-lib/builtin.aqua"` (and `.../math.aqua`) resolve here, so
programs written for Fluence's peers compile unchanged, with nothing else installed. Each
file declares exactly what the agent serves (edge_agent/services/builtins/), with the
names, arguments and types of aqua-lib 0.10.2's interface; what the agent lacks
(Kademlia, Dist, Sig, Vault, most of Peer...) is not declared, so a call of it is a
compile error rather than a failure on the device. `@edge-agent/srv.aqua` declares the
agent's own `srv` service (edge_agent/services/local.py), which networked agents serve;
`@edge-agent/spell.aqua` its `spell` service (edge_agent/services/spell.py).
"""

from __future__ import annotations

BUILTIN = """\
aqua Builtin declares *

alias PeerId : string
alias Base58String : string

data Info:
    external_addresses: []string
    node_version: string
    air_version: string
    spell_version: string
    allowed_binaries: []string

service Op("op"):
    noop()
    array_length(array: []string) -> u32
    array(a: string, b: string, c: string, d: string) -> []string
    concat(a: []string, b: []string, c: []string, d: []string) -> []string
    identity(s: ?string) -> ?string
    string_to_b58(s: string) -> Base58String
    string_from_b58(b: Base58String) -> string
    bytes_to_b58(bs: []u8) -> Base58String
    bytes_from_b58(b: Base58String) -> []u8
    sha256_string(s: string) -> Base58String
    concat_strings(a: string, b: string) -> string

service Peer("peer"):
    identify() -> Info
    timestamp_ms() -> u64
    timestamp_sec() -> u64
    timeout(duration_ms: u64, message: string) -> string

service Debug("debug"):
    stringify(o: ⊤) -> string
"""

MATH = """\
aqua MathLib declares *

service Math("math"):
    add(x: i64, y: i64) -> i64
    sub(x: i64, y: i64) -> i64
    mul(x: i64, y: i64) -> i64
    fmul(x: f64, y: f64) -> i64
    div(x: i64, y: i64) -> i64
    rem(x: i64, y: i64) -> i64
    pow(x: i64, y: u32) -> i64
    log(x: i64, y: i64) -> u32

service Compare("cmp"):
    gt(x: i64, y: i64) -> bool
    gte(x: i64, y: i64) -> bool
    lt(x: i64, y: i64) -> bool
    lte(x: i64, y: i64) -> bool
    cmp(x: i64, y: i64) -> i8

service Array("array"):
    sum(xs: []i64) -> i64
    dedup(xs: []string) -> []string
    intersect(xs: []string, ys: []string) -> []string
    diff(xs: []string, ys: []string) -> []string
    sdiff(xs: []string, ys: []string) -> []string
"""

SRV = """\
aqua EdgeAgentSrv declares *

-- What srv.list, srv.info and srv.deploy answer for one Wasm service.
data ServiceLimits:
    fuel: u64
    memory_pages: u32
    deadline_ms: u64

data ServiceInfo:
    name: string
    sha256: string
    size: u64
    functions: []string
    abi_version: u32
    limits: ServiceLimits
    access: string
    deployed_at_ms: u64

data Removed:
    name: string
    removed: bool
    purged: bool

-- A fleet membership certificate (`edge-agent enroll` makes them).
data Membership:
    member: string
    by: string
    expires_ms: u64
    sig: string

data Enrolled:
    member: string
    by: string
    expires_ms: u64

-- deploy, remove and enroll answer only particles of a peer the device trusts.
service Srv("srv"):
    list() -> []ServiceInfo
    info(name: string) -> ServiceInfo
    deploy(name: string, sha256: string) -> ServiceInfo
    remove(name: string) -> Removed
    enroll(certificate: Membership) -> Enrolled

-- srv.deploy with its limits and options: `access` is "trusted", "public" or "ID,ID,...".
data DeployOptions:
    access: string

service SrvDeploy("srv"):
    deploy(name: string, sha256: string, limits: ServiceLimits, options: DeployOptions) -> ServiceInfo

-- srv.deploy as an update of a deployed name, and a service's versions (docs/fleet.md).
data UpdateOptions:
    access: string
    update: bool
    watch_ms: u64
    max_failures: u32

data Version:
    version: u32
    module: string
    access: string
    deployed_at_ms: u64
    by: string
    state: string
    reason: string
    ended_at_ms: u64
    replaced: u32

data History:
    name: string
    current: u32
    keep: u32
    versions: []Version

data RolledBack:
    name: string
    version: u32
    from: u32

data RemoveOptions:
    purge: bool

service SrvVersions("srv"):
    deploy(name: string, sha256: string, limits: ServiceLimits, options: UpdateOptions) -> ServiceInfo
    history(name: string) -> History
    rollback(name: string, version: u32) -> RolledBack
    remove(name: string, options: RemoveOptions) -> Removed
"""

SPELL = """\
aqua EdgeAgentSpell declares *

-- One run of a spell, as its result log keeps it.
data SpellRun:
    started_ms: u64
    duration_ms: u64
    ok: bool
    -- what the script returned, as JSON text ("" if nothing, or if it failed)
    result: string
    -- why it failed ("" if it did not)
    error: string

-- What a triggered spell's `event` argument holds: kind is "peer-joined" or "peer-left"
-- (with peer_id), or "service-deployed" (with service).
data PeerEvent:
    kind: string
    peer_id: string

data ServiceEvent:
    kind: string
    service: string

-- A spell's own state and results: for the spell's script, run by the device itself.
-- Values are kept across runs and restarts (at most 64 keys of 4 KiB each).
service Spell("spell"):
    name() -> string
    get_string(key: string) -> ?string
    set_string(key: string, value: string)
    get_number(key: string) -> ?f64
    set_number(key: string, value: f64)
    get_u64(key: string) -> ?u64
    set_u64(key: string, value: u64)
    delete(key: string) -> bool
    -- this spell's last n runs, oldest first
    last_runs(n: u32) -> []SpellRun
    -- the last n runs of the spell `name` on this device (for this device, its trusted
    -- peers and the devices they enrolled: a spell elsewhere gathers what this one recorded)
    runs(name: string, n: u32) -> []SpellRun
"""

LIBRARY: dict[str, str] = {
    "@fluencelabs/aqua-lib/builtin.aqua": BUILTIN,
    "@fluencelabs/aqua-lib/math.aqua": MATH,
    "@edge-agent/srv.aqua": SRV,
    "@edge-agent/spell.aqua": SPELL,
}
"""Import path -> Aqua text."""
