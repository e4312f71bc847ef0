"""Atomic state files and temp-file cleanup (edge_agent/statefile.py), crash-tested with SIGKILL."""

from __future__ import annotations

import hashlib
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

from edge_agent import statefile
from edge_agent.kvstore import KVStore
from edge_agent.statefile import StoreError, atomic_write, cleanup_temp_files

REPO = Path(__file__).resolve().parents[1]


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

    monkeypatch.setattr(statefile.os, "fsync", fsync)
    monkeypatch.setattr(statefile.os, "replace", replace)
    atomic_write(tmp_path / "f", b"data")
    assert events == ["fsync file", "replace", "fsync dir"]


def test_failed_write_keeps_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"old")

    def full(fd: int, data: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(statefile.os, "write", full)
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


# --- crash safety: SIGKILL a writer at random moments -----------------------------------------

_WRITER = textwrap.dedent(
    """
    import hashlib, sys
    from edge_agent.kvstore import KVStore
    from edge_agent.statefile import atomic_write

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
