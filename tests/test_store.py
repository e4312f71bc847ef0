"""The state directory and KV stores (edge_agent/store.py)."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from edge_agent import identity, store
from edge_agent.access import DEFAULT_ACCESS, AccessRule, Membership
from edge_agent.errors import LocalError
from edge_agent.store import (
    CorruptState,
    KVLimits,
    KVStore,
    QuotaExceeded,
    ServiceRecord,
    StateDir,
    StoreError,
    UnsafePermissions,
    atomic_write,
    cleanup_temp_files,
)

REPO = Path(__file__).resolve().parents[1]
PEER_A = identity.KeyPair.from_seed(bytes(32)).peer_id
PEER_B = identity.KeyPair.from_seed(bytes([1]) * 32).peer_id


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- atomic_write ---------------------------------------------------------------------------


def test_atomic_write_replaces_and_sets_mode(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"one")
    atomic_write(target, b"two", mode=0o600)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["f"]


def test_atomic_write_order_is_write_fsync_rename_fsync_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "fsync file")
        real_fsync(fd)

    def replace(src: object, dst: object) -> None:
        events.append("replace")
        real_replace(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(store.os, "fsync", fsync)
    monkeypatch.setattr(store.os, "replace", replace)
    atomic_write(tmp_path / "f", b"data")
    assert events == ["fsync file", "replace", "fsync dir"]


def test_failed_write_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"old")

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "write", full)
    with pytest.raises(StoreError, match="No space left"):
        atomic_write(target, b"new")
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f"]


def test_cleanup_removes_dead_writers_temp_files_only(tmp_path: Path) -> None:
    dead = tmp_path / f".f.tmp.{dead_pid()}.0123abcd"
    live_new = tmp_path / f".f.tmp.{os.getpid()}.0123abcd"
    live_old = tmp_path / f".g.tmp.{os.getpid()}.89abcdef"
    other = tmp_path / ".f.tmp.notapid.0123abcd"
    for p in (dead, live_new, live_old, other, tmp_path / "f"):
        p.write_bytes(b"x")
    old = time.time() - 7200
    os.utime(live_old, (old, old))
    removed = cleanup_temp_files(tmp_path)
    assert sorted(removed) == sorted([dead, live_old])
    assert sorted(os.listdir(tmp_path)) == sorted([live_new.name, other.name, "f"])


# --- the state directory --------------------------------------------------------------------


def test_layout_and_modes(tmp_path: Path) -> None:
    sd = StateDir(tmp_path / "state")
    assert stat.S_IMODE((tmp_path / "state").stat().st_mode) == 0o700
    assert (tmp_path / "state" / "modules").is_dir() and (tmp_path / "state" / "kv").is_dir()
    assert sd.load_identity() is None


def test_missing_state_dir_without_create(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="edge-agent init"):
        StateDir(tmp_path / "nope", create=False)


def test_unwritable_state_dir_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def denied(self: Path, *a: object, **k: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", denied)  # root may write anywhere: simulate
    with pytest.raises(StoreError, match="Permission denied.*state_dir"):
        StateDir(tmp_path / "state")


def test_identity_created_once_with_mode_0600(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    pair = sd.load_or_create_identity()
    path = tmp_path / "identity.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert StateDir(tmp_path).load_or_create_identity() == pair
    assert sd.load_identity() == pair
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".") and "tmp" in p.name] == []


def test_identity_creation_race_yields_one_identity(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from edge_agent.store import StateDir
        print(StateDir(sys.argv[1]).load_or_create_identity().peer_id)
        """
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE,
                         text=True, cwd=REPO)
        for _ in range(4)
    ]
    ids = {p.communicate(timeout=60)[0].strip() for p in procs}
    assert len(ids) == 1 and ids == {StateDir(tmp_path).load_identity().peer_id}  # type: ignore[union-attr]


def test_identity_readable_by_others_is_refused(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    sd.load_or_create_identity()
    os.chmod(tmp_path / "identity.key", 0o644)
    with pytest.raises(UnsafePermissions, match="chmod 600") as info:
        sd.load_identity()
    assert isinstance(info.value, LocalError)
    os.chmod(tmp_path / "identity.key", 0o600)
    assert sd.load_identity() is not None


def test_corrupt_identity_says_what_to_do(tmp_path: Path) -> None:
    atomic_write(tmp_path / "identity.key", b"garbage", mode=0o600)
    with pytest.raises(CorruptState, match="peer id will change"):
        StateDir(tmp_path).load_or_create_identity()


def test_key_material_never_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    pair = StateDir(tmp_path).load_or_create_identity()
    secret = pair.private_bytes()
    text = caplog.text
    assert pair.peer_id in text
    assert secret.hex() not in text and "PRIVATE KEY" not in text


# --- trusted peers ----------------------------------------------------------------------------


def test_trust_add_remove_persist(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    assert sd.trusted_peers() == frozenset()
    assert sd.trust(PEER_A) is True
    assert sd.trust(PEER_A) is False
    assert sd.trust(PEER_B) is True
    assert StateDir(tmp_path).trusted_peers() == {PEER_A, PEER_B}
    assert sd.is_trusted(PEER_A)
    assert sd.distrust(PEER_A) is True and sd.distrust(PEER_A) is False
    assert StateDir(tmp_path).trusted_peers() == {PEER_B}
    with pytest.raises(StoreError, match="only Ed25519"):
        sd.trust("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N")


def test_trusted_file_is_hand_editable(tmp_path: Path) -> None:
    (tmp_path / "trusted_peers").write_text(f"# laptop\n\n  {PEER_A}  # me\n{PEER_A}\n")
    assert StateDir(tmp_path).trusted_peers() == {PEER_A}
    (tmp_path / "trusted_peers").write_text(f"{PEER_A}\nnot-a-peer\n")
    with pytest.raises(CorruptState, match="line 2"):
        StateDir(tmp_path).trusted_peers()
    (tmp_path / "trusted_peers").write_text(f"{PEER_A}\n{PEER_B} and more\n")  # one id a line
    with pytest.raises(CorruptState, match="line 2"):
        StateDir(tmp_path).trusted_peers()


def test_concurrent_trust_from_processes_loses_nothing(tmp_path: Path) -> None:
    StateDir(tmp_path)
    peers = [identity.KeyPair.from_seed(bytes([i]) * 32).peer_id for i in range(8)]
    code = "import sys; from edge_agent.store import StateDir; StateDir(sys.argv[1]).trust(sys.argv[2])"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), p], cwd=REPO)
             for p in peers]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    assert StateDir(tmp_path).trusted_peers() == set(peers)


# --- modules and services ---------------------------------------------------------------------


WASM = b"\0asm\x01\0\0\0"


def test_modules_by_hash(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    digest = sd.put_module(WASM)
    assert digest == hashlib.sha256(WASM).hexdigest()
    assert (tmp_path / "modules" / f"{digest}.wasm").read_bytes() == WASM
    assert sd.put_module(WASM) == digest
    assert sd.load_module(digest) == WASM and sd.has_module(digest)
    assert sd.module_hashes() == {digest}
    assert sd.remove_module(digest) and not sd.remove_module(digest)
    with pytest.raises(StoreError, match="not stored"):
        sd.load_module(digest)


def test_corrupt_module_is_detected_and_repaired_by_put(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    digest = sd.put_module(WASM)
    (tmp_path / "modules" / f"{digest}.wasm").write_bytes(WASM + b"x")
    with pytest.raises(CorruptState, match="redeploy"):
        sd.load_module(digest)
    sd.put_module(WASM)
    assert sd.load_module(digest) == WASM


def test_module_hash_is_validated_before_use_as_a_path(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    for bad in ("../identity", "A" * 64, "0" * 63, ""):
        with pytest.raises(StoreError, match="module hash"):
            sd.load_module(bad)


def test_module_size_limit(tmp_path: Path) -> None:
    sd = StateDir(tmp_path, max_module_bytes=8)
    sd.put_module(WASM)
    with pytest.raises(StoreError, match="max_module_bytes"):
        sd.put_module(WASM + b"x")


def test_service_registry_round_trip(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    digest = sd.put_module(WASM)
    rec = ServiceRecord("sensor", digest, {"fuel": 1000, "memory_pages": 2}, 1700000000000,
                        {"abi": 1})
    assert sd.put_service(rec) is None
    again = StateDir(tmp_path).services()
    assert again == {"sensor": rec}
    newer = ServiceRecord("sensor", digest, {"fuel": 5}, 1700000000001)
    assert sd.put_service(newer) == rec
    assert sd.services()["sensor"] == newer
    doc = json.loads((tmp_path / "services.json").read_text())
    assert doc["services"]["sensor"]["module"] == digest
    assert sd.remove_service("sensor") == newer and sd.remove_service("sensor") is None
    assert sd.services() == {}


def test_the_access_rule_is_stored_and_old_records_load_as_trusted(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    digest = sd.put_module(WASM)
    peer = identity.KeyPair.from_seed(b"\x05" * 32).peer_id
    for text in ("public", "trusted", peer):
        sd.put_service(ServiceRecord("s", digest, access=AccessRule.parse(text)))
        assert StateDir(tmp_path).services()["s"].access.text == text
        assert json.loads((tmp_path / "services.json").read_text())["services"]["s"]["access"] == text
    # A registry written before access rules existed has no "access": the service is trusted.
    doc = {"format": 1, "services": {"old": {"module": digest, "limits": {}, "deployed_at_ms": 1}}}
    (tmp_path / "services.json").write_text(json.dumps(doc))
    assert StateDir(tmp_path).services()["old"].access == DEFAULT_ACCESS
    doc["services"]["old"]["access"] = "everyone"
    (tmp_path / "services.json").write_text(json.dumps(doc))
    with pytest.raises(CorruptState, match='service old: access must be "public"'):
        StateDir(tmp_path).services()


def test_membership_certificates_one_per_enroller_unexpired_and_bounded(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    me = identity.KeyPair.from_seed(b"\x06" * 32).peer_id
    laptops = [identity.KeyPair.from_seed(bytes([0x20 + i]) * 32) for i in range(6)]
    assert sd.memberships() == []
    first = Membership.issue(laptops[0], me, 1000)
    assert sd.put_membership(first, 0) == [first]
    renewed = Membership.issue(laptops[0], me, 2000)
    assert sd.put_membership(renewed, 0) == [renewed]  # the same enroller: replaced
    other = Membership.issue(laptops[1], me, 2500)
    assert sd.put_membership(other, 2100) == [other]  # the expired one is dropped
    for i, laptop in enumerate(laptops[2:]):
        sd.put_membership(Membership.issue(laptop, me, 3000 + i), 0)
    kept = StateDir(tmp_path).memberships()
    assert [c.expires_ms for c in kept] == [3003, 3002, 3001, 3000]  # at most 4: the longest-lived
    (tmp_path / "membership.json").write_text('{"format": 1, "certificates": [{"member": 1}]}')
    with pytest.raises(CorruptState, match="enroll this device again"):
        sd.memberships()


def test_service_needs_its_module(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    with pytest.raises(StoreError, match="put_module"):
        sd.put_service(ServiceRecord("s", "0" * 64))


def test_remove_unused_modules(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    used, unused = sd.put_module(WASM), sd.put_module(WASM + b"\x00")
    sd.put_service(ServiceRecord("s", used))
    assert sd.remove_unused_modules() == [unused]
    assert sd.module_hashes() == {used}


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", ".hidden", "-x", "x" * 65, "a b"])
def test_bad_service_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(StoreError, match="service name"):
        ServiceRecord(name, "0" * 64)
    with pytest.raises(StoreError, match="service name"):
        StateDir(tmp_path).kv(name)


def test_corrupt_registry_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "services.json").write_text("{not json")
    with pytest.raises(CorruptState, match="redeployed"):
        StateDir(tmp_path).services()
    (tmp_path / "services.json").write_text(json.dumps(
        {"format": 1, "services": {"s": {"module": "nothex"}}}))
    with pytest.raises(CorruptState, match="64 lower-case hex"):
        StateDir(tmp_path).services()


# --- KV stores --------------------------------------------------------------------------------


def test_kv_basics_and_persistence(tmp_path: Path) -> None:
    kv = StateDir(tmp_path).kv("counter")
    assert kv.get(b"k") is None and len(kv) == 0
    kv.put(b"k", b"v1")
    kv.put("text", "é")
    assert kv.get(b"k") == b"v1" and kv.get("text") == "é".encode()
    assert kv.total_bytes == 1 + 2 + 4 + 2
    assert b"k" in kv and kv.keys() == [b"k", b"text"]
    assert kv.delete(b"k") is True and kv.delete(b"k") is False
    assert StateDir(tmp_path).kv("counter").keys() == [b"text"]
    assert stat.S_IMODE((tmp_path / "kv" / "counter" / "kv.cbor").stat().st_mode) == 0o600
    kv.clear()
    assert KVStore(tmp_path / "kv" / "counter").keys() == []


def test_kv_quotas(tmp_path: Path) -> None:
    kv = KVStore(tmp_path, KVLimits(max_keys=2, max_key_bytes=4, max_value_bytes=8,
                                    max_total_bytes=14))
    with pytest.raises(QuotaExceeded, match="key is 5 bytes"):
        kv.put(b"12345", b"")
    with pytest.raises(QuotaExceeded, match="value is 9 bytes"):
        kv.put(b"k", b"x" * 9)
    kv.put(b"a", b"x" * 8)  # 9 bytes
    with pytest.raises(QuotaExceeded, match="15 bytes, over its limit of 14"):
        kv.put(b"b", b"x" * 5)
    kv.put(b"b", b"x" * 4)  # 14 bytes
    with pytest.raises(QuotaExceeded, match="2 keys"):
        kv.put(b"c", b"")
    kv.put(b"a", b"")  # replacing counts the new value only: 6 bytes
    assert kv.total_bytes == 6
    kv.put(b"b", b"x" * 8)
    assert kv.get(b"a") == b"" and kv.get(b"b") == b"x" * 8
    assert isinstance(QuotaExceeded("x"), LocalError)


def test_kv_default_quotas_match_the_abi(tmp_path: Path) -> None:
    kv = KVStore(tmp_path)
    kv.put(b"k" * 256, b"v" * 65536)
    with pytest.raises(QuotaExceeded):
        kv.put(b"k" * 257, b"")
    with pytest.raises(QuotaExceeded):
        kv.put(b"k", b"v" * 65537)


def test_kv_sees_writes_of_another_instance_and_process(tmp_path: Path) -> None:
    a, b = KVStore(tmp_path), KVStore(tmp_path)
    a.put(b"k", b"1")
    assert b.get(b"k") == b"1"
    b.put(b"k", b"2")
    assert a.get(b"k") == b"2"
    code = "import sys; from edge_agent.store import KVStore; KVStore(sys.argv[1]).put(b'k', b'3')"
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, cwd=REPO, timeout=60)
    assert a.get(b"k") == b"3" and b.get(b"k") == b"3"
    # Many quick same-size writes elsewhere are all noticed (no stale cache).
    for i in range(50):
        b.put(b"k", str(i % 10).encode())
        assert a.get(b"k") == str(i % 10).encode()
    a.close()
    b.close()


def test_kv_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        from edge_agent.store import KVStore
        kv = KVStore(sys.argv[1])
        for i in range(20):
            kv.put(f"{sys.argv[2]}-{i}", b"x")
        """
    )
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(n)], cwd=REPO)
             for n in range(4)]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    assert len(KVStore(tmp_path)) == 80


def test_kv_corrupt_file_is_reported_not_wiped(tmp_path: Path) -> None:
    (tmp_path / "kv.cbor").write_bytes(b"\xa1\x61")
    with pytest.raises(CorruptState, match="not valid CBOR"):
        KVStore(tmp_path)
    (tmp_path / "kv.cbor").write_bytes(b"\xa0")
    with pytest.raises(CorruptState, match="version-1 KV file"):
        KVStore(tmp_path)
    (tmp_path / "kv.cbor").write_bytes(b"\x00" * (KVLimits().max_file_bytes() + 1))
    with pytest.raises(CorruptState, match="kv.max_total_bytes"):
        KVStore(tmp_path)
    assert (tmp_path / "kv.cbor").stat().st_size == KVLimits().max_file_bytes() + 1


def test_kv_write_failure_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kv = KVStore(tmp_path)
    kv.put(b"k", b"old")

    def broken(*a: object, **k: object) -> None:
        raise StoreError("cannot write: No space left on device")

    monkeypatch.setattr(store, "atomic_write", broken)
    with pytest.raises(StoreError):
        kv.put(b"k", b"new")
    assert kv.get(b"k") == b"old"
    monkeypatch.undo()
    assert KVStore(tmp_path).get(b"k") == b"old"


def test_remove_kv(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    sd.kv("s").put(b"k", b"v")
    assert sd.remove_kv("s") is True and sd.remove_kv("s") is False
    assert sd.kv("s").get(b"k") is None


# --- crash safety: SIGKILL a writer at random moments -----------------------------------------

_WRITER = textwrap.dedent(
    """
    import hashlib, sys
    from edge_agent.store import KVStore, atomic_write

    def payload(i):
        body = (str(i) * (1 + (i * 7919) % 4000)).encode()
        return b"%d\\n%s\\n" % (i, hashlib.sha256(body).hexdigest().encode()) + body

    mode, target, i = sys.argv[1], sys.argv[2], int(sys.argv[3])
    kv = KVStore(target) if mode == "kv" else None
    while True:
        if kv is None:
            atomic_write(target, payload(i))
        else:
            kv.put(b"n", b"%d" % i)
            kv.put(b"blob", payload(i))
        print(i, flush=True)
        i += 1
    """
)


def _parse_payload(raw: bytes) -> int:
    number, digest, body = raw.split(b"\n", 2)
    assert hashlib.sha256(body).hexdigest().encode() == digest, "torn or mixed file"
    assert body == number * (len(body) // len(number))
    return int(number)


@pytest.mark.parametrize("mode", ["file", "kv"])
def test_sigkill_leaves_old_or_new_version(tmp_path: Path, mode: str) -> None:
    target = tmp_path / ("data" if mode == "file" else "kv")
    rng = random.Random(4)
    start, deadline, rounds = 0, time.monotonic() + 60, 0
    while rounds < 8 and time.monotonic() < deadline:
        rounds += 1
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, mode, str(target), str(start)],
            stdout=subprocess.PIPE, cwd=REPO,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # it has completed at least one write
        assert first, "writer died"
        time.sleep(rng.uniform(0, 0.08))
        proc.send_signal(signal.SIGKILL)
        rest = proc.communicate(timeout=30)[0]
        done = [int(x) for x in (first + rest).split()]
        last = done[-1]  # acknowledged: must be on disk, or the write after it

        if mode == "file":
            version = _parse_payload(target.read_bytes())
            assert last <= version <= last + 1
        else:
            kv = KVStore(target)  # also cleans temp files of the killed writer
            n = int(kv.get(b"n"))  # type: ignore[arg-type]
            blob = _parse_payload(kv.get(b"blob"))  # type: ignore[arg-type]
            assert last <= n <= last + 1 and blob in (n - 1, n)
            assert [p for p in os.listdir(target) if ".tmp." in p] == []
            kv.close()
        start = last + 2
    assert rounds >= 3
    cleanup_temp_files(tmp_path)
    assert [p for p in os.listdir(tmp_path) if ".tmp." in p] == []
