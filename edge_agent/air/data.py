"""The data a particle carries: a grow-only log of what its script produced.

AquaVM keeps a positional trace whose merge rules are its most bug-prone part. We keep the
same observable behaviour with a simpler structure (design.md §2): a log of entries keyed by
*which instruction instance* produced them — the instruction's place in the script plus the
fold iterations around it — each with its value and the peer that produced it.

- Merging two copies is a union: entries we lack are appended in the sender's order. One
  key with two different results is a conflict, and the incoming copy is rejected.
- Streams keep AquaVM's *generations*: every value appended to a stream records its stream
  instance and generation. Merging puts the sender's new generations after ours, so each
  peer sees its stream values in arrival order, as on AquaVM, and `canon` freezes one order
  for every later reader.
- `sent` records, per remote call or canon, that some peer already forwarded the particle
  to the peer that must run it, so nobody forwards it again. A sent record is also the
  particle's *invitation* of that peer (`edge_agent.invitations`): its writer seals it.
- A *failure report* (`Kind.FAILURE` under `FAILURE_KEY`) is the one entry of a copy that
  a peer whose run failed sends its init peer (`edge_agent.core`): never merged into any
  peer's log, so it cannot change what the script computes.
- `seals`: each peer's Ed25519 signature over the entries and sent records it wrote
  (`edge_agent.seals` makes and checks them; this module only carries them). A peer's newer
  seal covers all its older one did, so merging keeps, per peer, the seals no other seal of
  that peer contains.

The encoding is CBOR with interned peer ids and stream names; a canon's references to
stream values and a seal's lists of entries and sent records are written as row numbers. Everything here
is pure and bounded: decode checks the size and the number of CBOR items before parsing
(so memory is bounded in decoded terms) and validates every field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from itertools import filterfalse
from operator import attrgetter
from typing import Any

from edge_agent import const
from edge_agent.air import values as V
from edge_agent.air.errors import DataConflict, DataError
from edge_agent.cborutil import CBORError, check_items, dumps, loads_typed

FORMAT_VERSION = 3
"""Version 2 added the producers' seals, version 3 the sent records they cover (a seal row
[peer, entry numbers, signature, sent record numbers]). `Kind.FAILURE` came later without a new version: only
failure reports carry it, and a peer that predates it refuses them as malformed (an unknown
kind), which costs it nothing but the early news of a failure."""

FAILURE_KEY = "!failure"
"""The key of a failure report's entry: no instruction instance has it (theirs are digits)."""

FAILURE_TEXT_MAX_CHARS = 2000
"""A failure report's message and instruction are cut to this many characters each."""

SIGNATURE_BYTES = 64
"""An Ed25519 signature."""


class Kind(IntEnum):
    CALL = 0
    """A call that succeeded: value is its result."""
    CALL_FAILED = 1
    """A call that failed: value is [ret_code, message]."""
    CANON = 2
    """A canon: value is the frozen list of the keys of the stream values it saw, in order."""
    AP = 3
    """An ap to a stream: value is the appended value."""
    FAILURE = 4
    """A failure report, only under `FAILURE_KEY`: value is [ret_code, message, instruction]."""


@dataclass(slots=True)
class Entry:
    kind: Kind
    value: Any
    peer: str
    stream: str | None = None
    gen: int = 0

    def same_result(self, other: Entry) -> bool:
        """Whether two copies of one key record the same result (the ap runner may differ)."""
        if self.kind != other.kind or not V.equal(self.value, other.value):
            return False
        return self.kind == Kind.AP or self.peer == other.peer


CANON_KEY_WEIGHT_BYTES = 16
"""What one stream value a canon names weighs in memory: a reference to its key (the value
itself is held once, by its own entry)."""


def entry_weight(entry: Entry) -> int:
    """What an entry holds in memory, in the bytes of weight a node's held-data budget
    counts: `DATA_ITEM_WEIGHT_BYTES` per value and the length of its strings; a canon
    `CANON_KEY_WEIGHT_BYTES` per stream value it names."""
    if entry.kind is Kind.CANON and type(entry.value) is list:
        return const.DATA_ITEM_WEIGHT_BYTES + CANON_KEY_WEIGHT_BYTES * len(entry.value)
    weight, stack = 0, [entry.value]
    while stack:
        value = stack.pop()
        weight += const.DATA_ITEM_WEIGHT_BYTES
        t = type(value)
        if t is str or t is bytes:
            weight += len(value)
        elif t is list:
            stack.extend(value)
        elif t is dict:
            weight += sum(map(len, value))
            stack.extend(value.values())
    return weight


@dataclass(frozen=True, slots=True)
class Seal:
    """`peer`'s signature over the entries it produced and the sent records it wrote, named
    by their keys (each sorted)."""

    peer: str
    keys: tuple[str, ...]
    signature: bytes
    sent: tuple[str, ...] = ()

    def contains(self, other: Seal) -> bool:
        """Whether this seal covers all `other` covers (a peer's seals nest)."""
        return set(other.keys) <= set(self.keys) and set(other.sent) <= set(self.sent)


@dataclass(slots=True)
class SealIndex:
    """What `merge_seals` looks up in a list of seals -- its signatures and its peers -- kept
    with the data so that a merge (a fan-in's every answer brings a seal) need not walk them
    all. Describes `owner` while that list is `length` long; a merge takes it over for the
    data it makes (the data it came with walks its seals again if merged again)."""

    owner: list[Seal] | None
    length: int
    signatures: set[bytes]
    peers: set[str]

    def describes(self, seals: list[Seal]) -> bool:
        return self.owner is seals and self.length == len(seals)


@dataclass(slots=True)
class Data:
    entries: dict[str, Entry] = field(default_factory=dict)
    sent: dict[str, str] = field(default_factory=dict)
    seals: list[Seal] = field(default_factory=list)
    items: int = 0
    """How many values it was decoded from (0 when built here): what it weighs in memory."""
    gens: dict[str, int] | None = field(default=None, compare=False, repr=False)
    """When known: each stream's highest generation, its generations being 0 to that (dense).
    Set by `compact`, `merge` and the interpreter when it numbers new values; None (count them)
    for decoded data. Saves a walk over the whole log on every merge and run."""
    seal_index: SealIndex | None = field(default=None, compare=False, repr=False)
    """When set and it `describes` `seals`: their signatures and peers (None: walk them)."""

    def copy(self) -> Data:
        gens = None if self.gens is None else dict(self.gens)
        return Data(dict(self.entries), dict(self.sent), list(self.seals), self.items, gens)

    def covers(self, incoming: Data) -> bool:
        """Whether every entry, sent record and seal of `incoming` is here already (a copy
        that adds nothing: nothing to run)."""
        return (
            all(k in self.entries for k in incoming.entries)
            and all(k in self.sent for k in incoming.sent)
            and all(s in self.seals for s in incoming.seals)
        )

    def __len__(self) -> int:
        return len(self.entries)

    def stream_max_gens(self, skip: list[Entry] | None = None) -> dict[str, int]:
        """Highest generation per stream instance, leaving out the entries in `skip` (the new
        values of a run, which `gens` never counts before they are numbered)."""
        if self.gens is not None:
            return dict(self.gens)
        out: dict[str, int] = {}
        left_out = {id(e) for e in skip} if skip else ()
        for e in self.entries.values():
            if e.stream is not None and e.gen >= out.get(e.stream, -1) and id(e) not in left_out:
                out[e.stream] = e.gen
        return out

    def compact(self) -> None:
        """Renumber each stream's generations 0..n-1, keeping their order (AquaVM's compactify)."""
        gens: dict[str, set[int]] = {}
        for e in self.entries.values():
            if e.stream is not None:
                gens.setdefault(e.stream, set()).add(e.gen)
        if not gens:  # no stream values (most particles' data): nothing to renumber
            self.gens = {}
            return
        remap = {s: {g: i for i, g in enumerate(sorted(gs))} for s, gs in gens.items()}
        for e in self.entries.values():
            if e.stream is not None:
                e.gen = remap[e.stream][e.gen]
        self.gens = {s: len(gs) - 1 for s, gs in gens.items()}


def merge(prev: Data, incoming: Data) -> Data:
    """Our copy plus what the incoming copy adds; raises DataConflict if they disagree.

    Idempotent (merge(a, a) == a) and associative; the result is compacted.
    """
    out = prev.copy()
    index = prev.seal_index
    if index is not None and index.describes(prev.seals):
        index.owner, out.seal_index = out.seals, index  # taken over: the copy holds the same seals
    if not incoming.entries and not incoming.sent and not incoming.seals:
        return out
    known = prev.gens is not None  # then prev's generations are dense: only the new ones move
    offsets = {s: g + 1 for s, g in prev.stream_max_gens().items()}
    added: dict[str, list[Entry]] = {}
    for key, entry in incoming.entries.items():
        mine = out.entries.get(key)
        if mine is not None:
            if not mine.same_result(entry):
                raise DataConflict(
                    f"the incoming data records a different result for instruction instance {key!r} "
                    f"({_describe(entry)} vs our {_describe(mine)}); the copy is rejected"
                )
            continue
        gen = entry.gen + offsets.get(entry.stream, 0) if entry.stream is not None else 0
        out.entries[key] = new = Entry(entry.kind, entry.value, entry.peer, entry.stream, gen)
        if new.stream is not None:
            added.setdefault(new.stream, []).append(new)
    sent, theirs = out.sent, incoming.sent
    for key in list(filterfalse(sent.__contains__, theirs)):  # mostly none or few, at the copy's end
        sent[key] = theirs[key]
    if incoming.seals:
        tables = None
        if out.seal_index is not None:  # changed in place from here: it describes no list meanwhile
            out.seal_index.owner = None
            tables = out.seal_index.signatures, out.seal_index.peers
        out.seals, out.seal_index = _merge_seals(out.seals, incoming.seals, tables)
    out.items = max(prev.items, incoming.items)
    if len(out.entries) > const.MAX_DATA_ENTRIES:
        raise DataError(f"the merged data would hold more than {const.MAX_DATA_ENTRIES} entries")
    if known and out.gens is not None:
        _number_new(out.gens, offsets, added)  # what compacting the whole log would do
    else:
        out.compact()
    return out


def _number_new(gens: dict[str, int], offsets: dict[str, int], added: dict[str, list[Entry]]) -> None:
    """Renumber the merged values' generations right after the (dense) ones the log had."""
    for stream, entries in added.items():
        base = offsets.get(stream, 0)
        order = {g: base + i for i, g in enumerate(sorted({e.gen for e in entries}))}
        for e in entries:
            e.gen = order[e.gen]
        gens[stream] = base + len(order) - 1


def merge_seals(ours: list[Seal], theirs: list[Seal]) -> list[Seal]:
    """Both lists, keeping per peer only the seals that no other seal of that peer contains.

    A peer seals everything it produced so far each time it seals, so its seals nest and one
    survives; two that don't nest (the peer forgot the particle and produced again) are both
    kept, up to `const.MAX_SEALS_PER_PEER` (DataError beyond).
    """
    return _merge_seals(ours, theirs, None)[0]


def _merge_seals(
    ours: list[Seal], theirs: list[Seal], tables: tuple[set[bytes], set[str]] | None
) -> tuple[list[Seal], SealIndex]:
    """`merge_seals`, given `ours`'s signatures and peers if known (changed here), and the
    index of the result."""
    out = list(ours)
    have, peers = tables if tables is not None else (set(map(_SIGNATURE, out)), set(map(_PEER, out)))
    gone: set[bytes] = set()  # signatures of the seals dropped here (still skipped, as before)
    for seal in theirs:
        signature = seal.signature
        if signature in have or signature in gone:
            continue  # the common case: a seal both copies carry
        peer = seal.peer
        if peer not in peers:  # the next common case: a peer's first seal (a fan-in's answers)
            out.append(seal)
            peers.add(peer)
            have.add(signature)
            continue
        same = [i for i, o in enumerate(out) if o.peer == peer]  # one walk of them all
        if any(out[i].contains(seal) for i in same):
            continue
        drop = {i for i in same if seal.contains(out[i])}
        if drop:
            dropped = {out[i].signature for i in drop}
            gone |= dropped
            out = [o for i, o in enumerate(out) if i not in drop]
            have = {s.signature for s in out}
        out.append(seal)
        have.add(signature)
        if len(same) - len(drop) + 1 > const.MAX_SEALS_PER_PEER:
            raise DataError(f"the data holds more than {const.MAX_SEALS_PER_PEER} seals of peer {peer}")
    return out, SealIndex(out, len(out), have, peers)


_SIGNATURE = attrgetter("signature")
_PEER = attrgetter("peer")


def _describe(e: Entry) -> str:
    text = V.quote(e.value) if e.kind != Kind.CALL_FAILED else f"error {e.value}"
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{e.kind.name.lower()} by {e.peer}: {text}"


# --- encoding ----------------------------------------------------------------------------


def encode(data: Data, *, max_bytes: int = const.MAX_DATA_BYTES) -> bytes:
    """CBOR bytes of `data`; raises DataError if they would exceed `max_bytes`."""
    if not data.entries and not data.sent and not data.seals:
        return b""
    peers: dict[str, int] = {}
    streams: dict[str, int] = {}

    def pid(p: str) -> int:
        return peers.setdefault(p, len(peers))

    rows = []
    index = {key: i for i, key in enumerate(data.entries)}
    for key, e in data.entries.items():
        sid = -1 if e.stream is None else streams.setdefault(e.stream, len(streams))
        value = [index[ref] for ref in e.value] if e.kind == Kind.CANON else e.value  # refs as row numbers
        rows.append([key, int(e.kind), value, pid(e.peer), sid, e.gen])
    sent = [[key, pid(p)] for key, p in data.sent.items()]
    sent_index = {key: i for i, key in enumerate(data.sent)} if any(s.sent for s in data.seals) else {}
    seals = [
        [pid(s.peer), [index[k] for k in s.keys], s.signature, [sent_index[k] for k in s.sent]]
        for s in data.seals
    ]
    raw = dumps(
        {"v": FORMAT_VERSION, "p": list(peers), "s": list(streams), "e": rows, "f": sent, "g": seals}
    )
    if len(raw) > max_bytes:
        raise DataError(f"the particle data would be {len(raw)} bytes, more than the limit of {max_bytes}")
    return raw


def decode(
    raw: bytes, *, max_bytes: int = const.MAX_DATA_BYTES, max_items: int = const.MAX_DATA_ITEMS
) -> Data:
    """Parse data from a peer; any malformed input raises DataError, never anything else.

    At most `max_bytes` and `max_items` CBOR items, counted before cbor2 builds them."""
    if not raw:
        return Data()
    if len(raw) > max_bytes:
        raise DataError(f"the particle data is {len(raw)} bytes, more than the limit of {max_bytes}")
    try:
        if len(raw) > max_items:  # smaller input cannot hold more items than bytes
            check_items(raw, max_items=max_items, max_depth=const.MAX_VALUE_DEPTH + 4)
        obj = loads_typed(raw)  # every value is checked for its exact type (`_from_obj`)
    except CBORError as exc:
        raise DataError(f"the particle data is not valid CBOR: {exc}") from exc
    try:
        data = _from_obj(obj)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"the particle data is malformed: {exc}") from exc
    return data


def _from_obj(obj: Any) -> Data:
    peers, streams, rows, sent, seals = _tables(obj)
    data = Data(items=len(peers) + len(streams) + 8 * len(rows) + 3 * len(sent) + 6 * len(seals))
    for row in rows:
        key, entry, items = _entry_from_row(row, peers, streams, data.entries)
        data.items += items
        data.entries[key] = entry
    keys = list(data.entries)
    for key, entry in data.entries.items():
        if entry.kind == Kind.CANON:
            if any(not 0 <= ref < len(keys) or data.entries[keys[ref]].stream is None for ref in entry.value):
                raise DataError(f"canon {key!r} refers to a stream value the data does not hold")
            entry.value = [keys[ref] for ref in entry.value]
    for row in sent:
        if type(row) is not list or len(row) != 2 or type(row[0]) is not str or type(row[1]) is not int:
            raise DataError("a particle data 'sent' record must be [key, peer]")
        if not 0 <= row[1] < len(peers):
            raise DataError("a 'sent' record names no known peer")
        if row[0] in data.sent:  # (a seal names sent records by their row numbers)
            raise DataError(f"the particle data holds two 'sent' records for {row[0]!r}")
        data.sent[row[0]] = peers[row[1]]
    data.seals = _seals_from_rows(seals, peers, keys, list(data.sent))
    return data


_FIELDS = ("v", "p", "s", "e", "f", "g")


def _tables(obj: Any) -> tuple[list[Any], list[Any], list[Any], list[Any], list[Any]]:
    """The top level's peer and stream tables, entries, sent records and seals, checked for
    version, types and counts (not yet their rows)."""
    if type(obj) is not dict or obj.get("v") != FORMAT_VERSION:
        version = obj.get("v") if type(obj) is dict else None
        raise DataError(f"unsupported particle data format (version {version!r}, expected {FORMAT_VERSION})")
    if len(obj) != 6:  # (nothing a value of an unchecked type could hide in)
        raise DataError(f"the particle data has fields other than {_FIELDS!r}")
    tables: list[list[Any]] = []
    for name in "psefg":
        val = obj.get(name)
        if type(val) is not list:
            raise DataError(f"the particle data field {name!r} must be an array")
        tables.append(val)
    peers, streams, rows, sent, seals = tables
    if len(rows) > const.MAX_DATA_ENTRIES or len(sent) > const.MAX_DATA_ENTRIES:
        raise DataError(f"the particle data holds more than {const.MAX_DATA_ENTRIES} entries")
    for table in (peers, streams):
        if any(type(s) is not str or len(s) > const.MAX_NAME_BYTES for s in table):
            raise DataError("the particle data's peer and stream tables must hold short strings")
    return peers, streams, rows, sent, seals


def _entry_from_row(
    row: Any, peers: list[str], streams: list[str], earlier: dict[str, Entry]
) -> tuple[str, Entry, int]:
    """One row of the log as (key, entry, CBOR items its value holds); DataError if malformed
    or its key is among the `earlier` rows'. A canon's references are still entry numbers."""
    if type(row) is not list or len(row) != 6:
        raise DataError("a particle data entry must be an array of 6 items")
    key, kind, value, p, s, gen = row
    if type(key) is not str or not key or len(key) > const.MAX_NAME_BYTES:
        raise DataError("a particle data entry has a bad key")
    if key in earlier:
        raise DataError(f"the particle data records instruction instance {key!r} twice")
    if type(kind) is not int or kind not in Kind._value2member_map_:
        raise DataError(f"entry {key!r} has an unknown kind {kind!r}")
    if type(p) is not int or not 0 <= p < len(peers):
        raise DataError(f"entry {key!r} names no known peer")
    if type(s) is not int or not -1 <= s < len(streams) or type(gen) is not int or gen < 0:
        raise DataError(f"entry {key!r} has a bad stream or generation")
    try:
        items = V.check_value(value)
    except ValueError as exc:
        raise DataError(f"entry {key!r} holds an invalid value: {exc}") from exc
    k = Kind(kind)
    _check_shape(key, k, value, s)
    return key, Entry(k, value, peers[p], None if s < 0 else streams[s], gen if s >= 0 else 0), items


def _check_shape(key: str, kind: Kind, value: Any, stream: int) -> None:
    """DataError unless `value` has the shape its entry's `kind` records."""
    if kind == Kind.CALL_FAILED and not _is_error(value, 2):
        raise DataError(f"entry {key!r} is a failed call without [ret_code, message]")
    if kind == Kind.CANON and (type(value) is not list or any(type(ref) is not int for ref in value)):
        raise DataError(f"entry {key!r} is a canon whose value is not an array of entry numbers")
    if (kind == Kind.FAILURE) != (key == FAILURE_KEY):
        raise DataError(f"entry {key!r} is a {kind.name.lower()}: only {FAILURE_KEY!r} is a failure report")
    if kind == Kind.FAILURE and not (
        _is_error(value, 3)
        and type(value[2]) is str
        and stream == -1
        and max(len(value[1]), len(value[2])) <= FAILURE_TEXT_MAX_CHARS
    ):
        raise DataError(f"entry {key!r} is a failure report without [ret_code, message, instruction]")


def _is_error(value: Any, length: int) -> bool:
    """[ret_code (not 0), message, ...] of `length` items."""
    return (
        type(value) is list
        and len(value) == length
        and type(value[0]) is int
        and value[0] != 0
        and type(value[1]) is str
    )


def _seals_from_rows(rows: list[Any], peers: list[str], keys: list[str], sent: list[str]) -> list[Seal]:
    if len(rows) > len(peers) * const.MAX_SEALS_PER_PEER:
        raise DataError("the particle data holds more seals than its peers may make")
    seals: list[Seal] = []
    signatures: set[bytes] = set()
    per_peer: dict[str, int] = {}
    for row in rows:
        if type(row) is not list or len(row) != 4:
            raise DataError("a seal must be [peer, [entry numbers], signature, [sent record numbers]]")
        p, refs, signature, sent_refs = row
        if type(p) is not int or not 0 <= p < len(peers):
            raise DataError("a seal names no known peer")
        covered, sent_covered = _covered(refs, keys, "entries"), _covered(sent_refs, sent, "sent records")
        if not covered and not sent_covered:
            raise DataError("a seal must cover an entry or a sent record")
        if type(signature) is not bytes or len(signature) != SIGNATURE_BYTES:
            raise DataError(f"a seal's signature must be {SIGNATURE_BYTES} bytes")
        # Each seal costs its checker a digest of what it covers and a signature check: the
        # same seal twice, or a peer's seals past what merges keep, would only multiply that.
        if signature in signatures:
            raise DataError("the particle data holds one seal twice")
        peer = peers[p]
        per_peer[peer] = per_peer.get(peer, 0) + 1
        if per_peer[peer] > const.MAX_SEALS_PER_PEER:
            raise DataError(f"the data holds more than {const.MAX_SEALS_PER_PEER} seals of peer {peer}")
        signatures.add(signature)
        seals.append(Seal(peer, covered, signature, sent_covered))
    return seals


def _covered(refs: Any, rows: list[str], what: str) -> tuple[str, ...]:
    """The keys of `rows` that a seal's row numbers `refs` name, sorted; DataError if one is
    not a row number or is named twice."""
    if type(refs) is list and len(refs) < 2:  # the common cases: one entry, or no sent record
        if not refs:
            return ()
        r = refs[0]
        if type(r) is int and 0 <= r < len(rows):
            return (rows[r],)
    if type(refs) is not list or any(type(r) is not int or not 0 <= r < len(rows) for r in refs):
        raise DataError(f"a seal must refer to {what} the data holds")
    covered = tuple(sorted({rows[r] for r in refs}))
    if len(covered) != len(refs):
        raise DataError(f"a seal names one of its {what} twice")
    return covered
