"""Isolated LANs in Linux network namespaces, for integration tests (design.md §6).

A `NetnsLan` is a "hub" namespace holding a bridge, plus one namespace per peer joined to the
bridge by a veth pair. Each peer has ``eth0`` with an IPv4 address in 10.77.X.0/24 (X random
per LAN), a fixed IPv6 link-local address, and a 224.0.0.0/4 route; the bridge has multicast
snooping off, so mDNS (224.0.0.251, ff02::fb) and All-CoAP-Nodes (224.0.1.187, ff02::fd)
reach every peer. IPv6 duplicate address detection is avoided altogether: the kernel makes no
link-local address of its own (``addrgenmode none``) and ours is added with ``nodad``, so it
is usable at once (no sysctl, hence no ``ip netns exec`` during setup).

Names are ``eanet-<pid>-<random>-hub`` / ``-p<N>``, so concurrent runs never collide, and a
sweep at the first setup in a process removes namespaces of ours whose creating process is
gone. Namespaces and the processes started in them are removed on close, also when a test
fails, and at interpreter exit as a last resort.

Test support only: needs root and iproute2's ``ip``; edge_agent never imports it.
"""

from __future__ import annotations

import atexit
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from edge_agent.statefile import pid_alive

__all__ = [
    "CI_ENV",
    "PREFIX",
    "NetnsLan",
    "NetnsPeer",
    "NetnsProcess",
    "existing_namespaces",
    "netns_unavailable_reason",
    "require_netns",
    "sweep_stale",
]

PREFIX = "eanet-"
"""Prefix of every namespace this module makes; the stale sweep touches only these."""

CI_ENV = "EDGE_AGENT_CI"
"""When this environment variable is set, a missing prerequisite fails a test, not skips it."""

NETNS_DIR = Path("/run/netns")
REPO_ROOT = Path(__file__).resolve().parents[2]

IFNAME = "eth0"
"""Name of each peer's interface to the bridge, inside its namespace."""

IP_TIMEOUT_S = 10.0
"""Longest an `ip` command may take before setup or teardown gives up on it, in seconds."""

STOP_TIMEOUT_S = 3.0
"""Time a process gets to exit after SIGTERM before SIGKILL, in seconds."""

_OUTPUT_LINES_KEPT = 2000
_STDERR_LINES_KEPT = 200
_NAME_RE = re.compile(re.escape(PREFIX) + r"(\d+)-[0-9a-f]+-(hub|p\d+)$")

_open_lans: weakref.WeakSet[NetnsLan] = weakref.WeakSet()
_swept = False


def netns_unavailable_reason() -> str | None:
    """Why network-namespace tests cannot run here (not Linux, not root, no `ip`), or None."""
    if not sys.platform.startswith("linux"):
        return "network namespaces need Linux"
    if os.geteuid() != 0:
        return "network namespaces need root (run the tests as root, or in CI)"
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed (apt-get install iproute2)"
    return None


def require_netns() -> None:
    """Skip the calling test (fail it under CI, `CI_ENV`) unless namespaces can be made here:
    for module-scoped fixtures, which cannot use tests/conftest.py's function-scoped ones."""
    import pytest

    reason = netns_unavailable_reason()
    if reason and os.environ.get(CI_ENV):
        pytest.fail(f"{reason} ({CI_ENV} is set, so this is a failure, not a skip)")
    if reason:
        pytest.skip(reason)


def existing_namespaces() -> set[str]:
    """Names of all network namespaces `ip netns` knows."""
    try:
        return set(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return set()


def sweep_stale(prefix: str = PREFIX) -> list[str]:
    """Remove namespaces named by this module whose creating process is gone; their names.

    Namespaces of live processes (other test runs going on now) are left alone.
    """
    stale = []
    for name in sorted(existing_namespaces()):
        if not name.startswith(prefix):
            continue
        match = _NAME_RE.match(name)
        if match and pid_alive(int(match.group(1))):
            continue
        stale.append(name)
    if stale:
        _kill_namespace_processes(stale)
        _delete_namespaces(stale)
    return stale


def _ip(args: Sequence[str], *, stdin: str | None = None, check: bool = True) -> str:
    proc = subprocess.run(
        ["ip", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=IP_TIMEOUT_S,
        check=False,
    )
    if check and proc.returncode != 0:
        raise RuntimeError(
            f"`ip {' '.join(args)}` failed ({proc.returncode}): {proc.stderr.strip()}"
            + (f"\ninput:\n{stdin}" if stdin else "")
        )
    return proc.stdout


def _kill_namespace_processes(names: Sequence[str]) -> None:
    for name in names:
        try:
            out = _ip(["netns", "pids", name], check=False)
        except subprocess.TimeoutExpired:
            continue
        for token in out.split():
            if token.isdigit() and int(token) != os.getpid():
                try:
                    os.kill(int(token), signal.SIGKILL)
                except ProcessLookupError:
                    pass


def _delete_namespaces(names: Sequence[str]) -> list[str]:
    """Delete namespaces; the names that still exist afterwards."""
    if not names:
        return []
    for attempt in range(3):
        left = [n for n in names if n in existing_namespaces()]
        if not left:
            return []
        try:
            _ip(["-force", "-batch", "-"], stdin="".join(f"netns del {n}\n" for n in left),
                check=False)
        except subprocess.TimeoutExpired:
            pass
        if attempt:
            time.sleep(0.05 * attempt)
    return [n for n in names if n in existing_namespaces()]


@dataclass(frozen=True, slots=True)
class NetnsPeer:
    """One host of the LAN: its namespace, interface and addresses."""

    index: int
    netns: str
    ifname: str
    ipv4: str
    ipv6: str
    """Link-local address (without scope) on `ifname`."""
    prefixlen: int = 24


class NetnsProcess:
    """A process running in a namespace, its output collected line by line by threads."""

    def __init__(self, argv: Sequence[str], popen: subprocess.Popen[str], netns: str) -> None:
        self.argv = list(argv)
        self.netns = netns
        self.popen = popen
        self.started_at = time.monotonic()
        self._lines: deque[str] = deque(maxlen=_OUTPUT_LINES_KEPT)
        self._stderr: deque[str] = deque(maxlen=_STDERR_LINES_KEPT)
        self._consumed = 0  # lines handed out by wait_for (index into all lines ever read)
        self._total = 0
        self._eof = False
        self._cond = threading.Condition()
        self._threads = [
            threading.Thread(target=self._read_stdout, daemon=True, name=f"out-{popen.pid}"),
            threading.Thread(target=self._read_stderr, daemon=True, name=f"err-{popen.pid}"),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    @property
    def lines(self) -> list[str]:
        """Stdout lines read so far (the last few thousand)."""
        with self._cond:
            return list(self._lines)

    @property
    def stderr(self) -> str:
        """The last lines of stderr."""
        with self._cond:
            return "".join(self._stderr)

    def _read_stdout(self) -> None:
        assert self.popen.stdout is not None
        for line in self.popen.stdout:
            with self._cond:
                self._lines.append(line.rstrip("\n"))
                self._total += 1
                self._cond.notify_all()
        with self._cond:
            self._eof = True
            self._cond.notify_all()

    def _read_stderr(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            with self._cond:
                self._stderr.append(line)

    def wait_for(
        self, match: str | Callable[[str], bool], timeout: float, *, from_start: bool = False
    ) -> str:
        """The next stdout line (after those already returned) matching `match` — a regex
        searched in the line, or a predicate; lines before it are skipped. With
        `from_start`, search every line kept, and skip nothing (order-independent waits).

        Raises TimeoutError after `timeout` seconds, or RuntimeError if the process ends
        first; both messages include the output.
        """
        pred = (lambda line: re.search(match, line) is not None) if isinstance(match, str) \
            else match
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                first = self._total - len(self._lines)  # index of the oldest kept line
                start = first if from_start else max(self._consumed, first)
                for i in range(start, self._total):
                    line = self._lines[i - first]
                    if not from_start:
                        self._consumed = i + 1
                    if pred(line):
                        return line
                if not from_start:
                    self._consumed = self._total
                if self._eof:
                    raise RuntimeError(
                        f"{self.describe()} ended (exit {self.popen.poll()}) before printing "
                        f"a line matching {match!r}\n{self._report()}"
                    )
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(
                        f"{self.describe()} printed no line matching {match!r} within "
                        f"{timeout} s\n{self._report()}"
                    )
                self._cond.wait(remaining)

    def _report(self) -> str:
        out = "\n".join(list(self._lines)[-40:])
        err = "".join(list(self._stderr)[-40:])
        return f"--- stdout (tail) ---\n{out}\n--- stderr (tail) ---\n{err}"

    def describe(self) -> str:
        return f"process {self.pid} in {self.netns} ({' '.join(self.argv)[:80]})"

    def signal(self, signum: int) -> None:
        """Send `signum` to the process's group, if it still runs."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signum)
            except ProcessLookupError:
                pass

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int:
        """SIGTERM, then SIGKILL after `timeout` s; the exit code. Idempotent."""
        if self.popen.poll() is None:
            self.signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.signal(signal.SIGKILL)
                self.popen.wait(timeout)
        for thread in self._threads:
            thread.join(1.0)
        for stream in (self.popen.stdout, self.popen.stderr):
            if stream is not None:
                stream.close()
        return self.popen.returncode


class NetnsLan:
    """A bridged LAN of `peers` namespaces; use as a context manager (or `create`/`close`).

    `setup_seconds` is how long `create` took.
    """

    def __init__(self, peers: int = 3, *, subnet: int | None = None) -> None:
        if not 1 <= peers <= 200:
            raise ValueError("a LAN has 1 to 200 peers")
        self.subnet = subnet if subnet is not None else random.randint(1, 254)
        tag = f"{PREFIX}{os.getpid()}-{secrets.token_hex(3)}"
        self.hub = f"{tag}-hub"
        self.peers = [
            NetnsPeer(
                index=i,
                netns=f"{tag}-p{i}",
                ifname=IFNAME,
                ipv4=f"10.77.{self.subnet}.{i + 1}",
                ipv6=f"fe80::77:{self.subnet:x}:{i + 1:x}",
            )
            for i in range(peers)
        ]
        self.setup_seconds: float | None = None
        self.processes: list[NetnsProcess] = []
        self._created: list[str] = []
        self._closed = False

    @property
    def namespaces(self) -> list[str]:
        """Every namespace of this LAN: the hub, then the peers."""
        return [self.hub, *(p.netns for p in self.peers)]

    def __enter__(self) -> NetnsLan:
        self.create()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<NetnsLan {self.hub[:-4]} peers={len(self.peers)} 10.77.{self.subnet}.0/24>"

    def create(self) -> NetnsLan:
        """Make the namespaces, bridge and links; on any failure remove what was made."""
        global _swept
        reason = netns_unavailable_reason()
        if reason:
            raise RuntimeError(reason)
        if not _swept:
            _swept = True
            sweep_stale()
        t0 = time.monotonic()
        _open_lans.add(self)
        try:
            self._created = list(self.namespaces)
            _ip(["-batch", "-"], stdin="".join(f"netns add {n}\n" for n in self.namespaces))
            hub = [
                "link add br0 type bridge mcast_snooping 0",
                "link set br0 addrgenmode none",
                "link set br0 up",
            ]
            for p in self.peers:
                hub += [
                    f"link add v{p.index} type veth peer name {p.ifname} netns {p.netns}",
                    f"link set v{p.index} addrgenmode none",
                    f"link set v{p.index} master br0 up",
                ]
            _ip(["-n", self.hub, "-batch", "-"], stdin="\n".join(hub) + "\n")
            procs = []
            for p in self.peers:
                cmds = [
                    "link set lo up",
                    f"link set {p.ifname} addrgenmode none",
                    f"addr add {p.ipv4}/{p.prefixlen} dev {p.ifname}",
                    f"addr add {p.ipv6}/64 dev {p.ifname} nodad",
                    f"link set {p.ifname} up",
                    f"route add 224.0.0.0/4 dev {p.ifname}",
                ]
                procs.append((p, subprocess.Popen(
                    ["ip", "-n", p.netns, "-batch", "-"],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True,
                )))
                assert procs[-1][1].stdin is not None
                procs[-1][1].stdin.write("\n".join(cmds) + "\n")
                procs[-1][1].stdin.close()
            errors = []
            for p, proc in procs:
                try:
                    proc.wait(IP_TIMEOUT_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
                assert proc.stderr is not None
                err = proc.stderr.read()
                proc.stderr.close()
                assert proc.stdout is not None
                proc.stdout.close()
                if proc.returncode != 0:
                    errors.append(f"{p.netns}: {err.strip()}")
            if errors:
                raise RuntimeError("setting up peer namespaces failed: " + "; ".join(errors))
        except BaseException:
            self.close()
            raise
        self.setup_seconds = time.monotonic() - t0
        return self

    def close(self) -> list[str]:
        """Stop every process, remove every namespace; the names that could not be removed
        (normally none). Idempotent."""
        for proc in reversed(self.processes):
            try:
                proc.stop()
            except Exception:  # noqa: BLE001 - teardown goes on regardless
                pass
        if self._closed:
            return []
        self._closed = True
        _open_lans.discard(self)
        names = [n for n in self._created if n in existing_namespaces()]
        _kill_namespace_processes(names)
        return _delete_namespaces(names)

    # --- running things inside -------------------------------------------------------------

    def _netns(self, where: NetnsPeer | int | str) -> str:
        if isinstance(where, NetnsPeer):
            return where.netns
        if isinstance(where, int):
            return self.peers[where].netns
        if where in self.namespaces:
            return where
        raise ValueError(f"{where!r} is not a namespace of {self!r}")

    def run(
        self,
        where: NetnsPeer | int | str,
        argv: Sequence[str],
        *,
        timeout: float = 10.0,
        check: bool = True,
        env: Mapping[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `argv` in a namespace to completion (at most `timeout` s), output captured."""
        return subprocess.run(
            ["ip", "netns", "exec", self._netns(where), *argv],
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=check,
            env=_child_env(env),
            cwd=REPO_ROOT,
        )

    def spawn(
        self,
        where: NetnsPeer | int | str,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
    ) -> NetnsProcess:
        """Start a long-running `argv` in a namespace; it is stopped when the LAN closes."""
        if self._closed:
            raise RuntimeError(f"{self!r} is closed")
        netns = self._netns(where)
        popen = subprocess.Popen(
            ["ip", "netns", "exec", netns, *argv],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
            start_new_session=True,
            env=_child_env(env),
            cwd=REPO_ROOT,
        )
        proc = NetnsProcess(argv, popen, netns)
        self.processes.append(proc)
        return proc

    def spawn_python(
        self,
        where: NetnsPeer | int | str,
        *args: str,
        env: Mapping[str, str] | None = None,
    ) -> NetnsProcess:
        """`spawn` this interpreter (the test venv's) with `args`, unbuffered."""
        return self.spawn(where, [sys.executable, "-u", *args], env=env)


def _child_env(extra: Mapping[str, str] | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONUNBUFFERED"] = "1"
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = f"{REPO_ROOT}{os.pathsep}{path}" if path else str(REPO_ROOT)
    if extra:
        env.update(extra)
    return env


@atexit.register
def _close_all() -> None:
    for lan in list(_open_lans):
        lan.close()
