"""The state directory (edge_agent/store.py); its files are tests/test_statefile.py, KV stores
tests/test_kvstore.py, a laptop's pins tests/test_known_peers.py."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edge_agent import identity
from edge_agent.access import DEFAULT_ACCESS, AccessRule, Membership
from edge_agent.errors import LocalError
from edge_agent.statefile import atomic_write
from edge_agent.store import (
    CorruptState,
    ServiceRecord,
    StateDir,
    StoreError,
    UnsafePermissions,
)

REPO = Path(__file__).resolve().parents[1]
PEER_A = identity.KeyPair.from_seed(bytes(32)).peer_id
PEER_B = identity.KeyPair.from_seed(bytes([1]) * 32).peer_id


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


def test_a_damaged_registry_is_moved_aside_keeping_the_records_that_read(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    assert sd.salvage_services() is None  # none yet
    sd.put_module(b"\0asm\1\0\0\0")
    good = ServiceRecord("good", hashlib.sha256(b"\0asm\1\0\0\0").hexdigest())
    sd.put_service(good)
    assert sd.salvage_services() is None and [p.name for p in tmp_path.glob("*.damaged-*")] == []
    doc = json.loads((tmp_path / "services.json").read_text())
    doc["services"]["bad"] = {"module": "nothex"}
    (tmp_path / "services.json").write_text(json.dumps(doc))
    said = sd.salvage_services()
    assert said is not None and "64 lower-case hex" in said
    assert "Kept 1 service(s)" in said and "(bad)" in said
    [aside] = tmp_path.glob("services.json.damaged-*")
    assert str(aside) in said and "nothex" in aside.read_text()
    assert sd.services() == {"good": good}
    doc = json.loads((tmp_path / "services.json").read_text())
    doc["services"]["listed"] = {"module": good.module_sha256, "limits": [1, 2]}  # a list, not a map
    (tmp_path / "services.json").write_text(json.dumps(doc))
    said = sd.salvage_services()
    assert said is not None and "(listed)" in said and sd.services() == {"good": good}
    (tmp_path / "services.json").write_text('{"format": 1, "serv')  # cut short: nothing reads
    said = sd.salvage_services()
    assert said is not None and "Kept 0 service(s)" in said and len(list(tmp_path.glob("*.damaged-*"))) == 3
    assert sd.services() == {} and not (tmp_path / "services.json").exists()


# --- KV stores --------------------------------------------------------------------------------


def test_remove_kv(tmp_path: Path) -> None:
    sd = StateDir(tmp_path)
    sd.kv("s").put(b"k", b"v")
    assert sd.remove_kv("s") is True and sd.remove_kv("s") is False
    assert sd.kv("s").get(b"k") is None
