"""A service's KV store (edge_agent/kvstore.py): quotas, other writers, corruption."""

from __future__ import annotations

import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from edge_agent import kvstore
from edge_agent.errors import LocalError
from edge_agent.kvstore import KVLimits, KVStore
from edge_agent.statefile import CorruptState, QuotaExceeded, StoreError
from edge_agent.store import StateDir

REPO = Path(__file__).resolve().parents[1]


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
    code = "import sys; from edge_agent.kvstore import KVStore; KVStore(sys.argv[1]).put(b'k', b'3')"
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
        from edge_agent.kvstore import KVStore
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

    monkeypatch.setattr(kvstore, "atomic_write", broken)
    with pytest.raises(StoreError):
        kv.put(b"k", b"new")
    assert kv.get(b"k") == b"old"
    monkeypatch.undo()
    assert KVStore(tmp_path).get(b"k") == b"old"
