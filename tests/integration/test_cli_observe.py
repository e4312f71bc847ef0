"""Remote logs and metrics (issue 11), through the real CLI: `logs`, `logs -f`, `status`,
`top --once`, and a Prometheus scrape of a real `edge-agent serve` process.

One device on loopback (discovery off, so nothing leaves this host) that trusts the laptop,
with a service that logs (tests/services/wasm/modules/imports.wasm: `log` writes "hello from
wasm"), and the CLI as processes (EDGE_AGENT_MDNS=0: the device is named by host:port).
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.serve import Served, loopback_config, serving

CLI = [sys.executable, "-m", "edge_agent"]
REPO = Path(__file__).resolve().parents[2]
MODULE = REPO / "tests" / "services" / "wasm" / "modules" / "imports.wasm"
TIMEOUT_S = 60.0
"""Longest any CLI process here may take: a generous bound, never a measure of speed."""
RING_LINES = 10


def cli(home: Path, *args: str, timeout: float = TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EDGE_AGENT_HOME": str(home), "EDGE_AGENT_MDNS": "0"}
    return subprocess.run([*CLI, *args], env=env, capture_output=True, text=True, timeout=timeout)


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, (done.args, done.stdout, done.stderr)
    return done.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Device:
    def __init__(self, served: Served, laptop: Path, metrics_port: int) -> None:
        self.served = served
        self.laptop = laptop
        self.target = f"127.0.0.1:{served.port}"
        self.metrics_port = metrics_port


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Device]:
    laptop = tmp_path / "laptop"
    laptop_id = json.loads(ok(cli(laptop, "id", "--json")))["peer_id"]
    metrics_port = free_port()
    config = loopback_config(
        tmp_path,
        f'[logs]\nring_lines = {RING_LINES}\n[metrics]\nlisten = "127.0.0.1:{metrics_port}"\n',
    )
    ok(cli(laptop, "trust", "add", laptop_id, "--config", str(config)))
    with serving(config) as served:
        dev = Device(served, laptop, metrics_port)
        ok(cli(laptop, "deploy", dev.target, str(MODULE), "--name", "imports"))
        yield dev


def lines_of(device: Device, *args: str) -> list[dict[str, object]]:
    out = json.loads(ok(cli(device.laptop, "logs", device.target, *args, "--json")))
    assert out["peer_id"] == device.served.peer_id
    return list(out["lines"])


def test_logs_show_the_deploy_and_follow_a_services_log_line(device: Device) -> None:
    [deployed] = [x for x in lines_of(device, "imports") if x["kind"] == "deploy"]
    assert "deployed imports (module " in str(deployed["text"]) and deployed["service"] == "imports"
    human = ok(cli(device.laptop, "logs", device.target, "--since", "10m"))
    assert "imports: deployed imports" in human

    env = {**os.environ, "EDGE_AGENT_HOME": str(device.laptop), "EDGE_AGENT_MDNS": "0"}
    follow = subprocess.Popen(
        [*CLI, "logs", device.target, "imports", "-f", "--json"], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert "deploy" in read_until(follow, lambda line: line["kind"] == "deploy")["kind"]
        ok(cli(device.laptop, "call", device.target, "imports", "log", "2"))
        seen = read_until(follow, lambda line: line["text"] == "hello from wasm")
        assert seen["service"] == "imports" and seen["level"] == "warning" and seen["kind"] == "service"
    finally:
        os.killpg(follow.pid, signal.SIGTERM)
        follow.wait(10)
        for stream in (follow.stdout, follow.stderr):
            assert stream is not None
            stream.close()


def read_until(proc: subprocess.Popen[str], wanted: object) -> dict[str, object]:
    """The first JSON line `proc` prints for which `wanted(line)` holds, within TIMEOUT_S."""
    assert proc.stdout is not None and callable(wanted)
    deadline = time.monotonic() + TIMEOUT_S
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while (left := deadline - time.monotonic()) > 0:
            if not sel.select(left):
                break
            text = proc.stdout.readline()
            if not text:
                break
            line = json.loads(text)
            if wanted(line):
                return dict(line)
    proc.kill()
    said = proc.stderr.read() if proc.stderr else ""
    pytest.fail(f"logs -f did not print the line (exit {proc.poll()}): {said}")


def test_a_stranger_cannot_read_the_logs(device: Device, tmp_path: Path) -> None:
    done = cli(tmp_path / "stranger", "logs", device.target)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stdout == ""
    assert "refused to show its logs: 4.03" in done.stderr and "edge-agent trust add" in done.stderr


def test_the_ring_keeps_its_newest_lines_and_status_shows_the_metrics(device: Device, tmp_path: Path) -> None:
    calls = 2 * RING_LINES
    script = tmp_path / "chatty.air"
    chain = '(call %init_peer_id% ("callbackSrv" "response") [])'
    for _ in range(calls):
        chain = f'(seq (call dev ("imports" "log") [1]) {chain})'
    script.write_text(f'(seq (call %init_peer_id% ("getDataSrv" "dev") [] dev) {chain})')
    ok(cli(device.laptop, "run", str(script), "--peer", f"dev={device.target}"))

    lines = lines_of(device)
    assert len(lines) == RING_LINES, "the ring holds its newest lines only"
    seqs = [int(str(x["seq"])) for x in lines]
    assert seqs == list(range(seqs[0], seqs[0] + RING_LINES)) and seqs[0] > 1
    assert all(x["text"] == "hello from wasm" for x in lines)

    status = json.loads(ok(cli(device.laptop, "status", device.target, "--json")))
    assert status["peer_id"] == device.served.peer_id and status["services"] == ["imports"]  # kept fields
    imports = status["metrics"]["services"]["imports"]
    assert imports["calls"] == calls and imports["errors"] == {}
    assert imports["fuel_used"] > 0 and imports["memory_pages"] == 1
    latency = imports["latency_ms"]
    assert latency["p50"] is not None and latency["p99"] >= latency["p50"]
    assert status["metrics"]["rss_bytes"] > 0 and status["metrics"]["log"]["lines"] == RING_LINES

    table = ok(cli(device.laptop, "status", device.target))
    assert f"{device.target}  {device.served.peer_id}" in table
    [row] = [line for line in table.splitlines() if line.startswith("imports ")]
    assert row.split()[:3] == ["imports", str(calls), "0"]

    top = ok(cli(device.laptop, "top", "--once", device.target)).splitlines()
    assert top[0].split()[:3] == ["DEVICE", "UP", "PARTICLES"]
    assert top[1].startswith(device.target) and "\x1b" not in "".join(top)

    scrape = urllib.request.urlopen(f"http://127.0.0.1:{device.metrics_port}/metrics", timeout=TIMEOUT_S)
    families = {f.name: f for f in text_string_to_metric_families(scrape.read().decode())}
    samples = families["edge_agent_service_calls"].samples
    [served_calls] = [s for s in samples if s.labels == {"service": "imports"}]
    assert served_calls.value == calls
    histogram = families["edge_agent_service_call_duration_seconds"].samples
    assert any(s.name.endswith("_count") and s.value == calls for s in histogram)
    [info] = families["edge_agent_info"].samples
    assert info.labels["peer_id"] == device.served.peer_id
    assert families["edge_agent_resident_memory_bytes"].samples[0].value > 0
