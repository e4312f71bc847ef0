"""A device whose services.json or tags.json cannot be read (a bad sector, a hand edit) still
starts: the real agent on loopback (discovery off) moves the file aside, says so in its log,
serves the services whose records still read, and its laptop can deploy to it again."""

from __future__ import annotations

import json
import os
import selectors
import subprocess
import time
from pathlib import Path

from tests.integration.test_cli_versions import CLI, CLI_TIMEOUT_S, V1, Laptop
from tests.support.serve import serving


def _config(tmp_path: Path) -> Path:
    config = tmp_path / "device.toml"
    config.write_text(
        f'state_dir = "{tmp_path / "device"}"\ntags = ["base"]\n'
        '[coap]\nbind = "127.0.0.1"\nport = 0\n[discovery]\nenabled = false\n'
    )
    return config


def _stderr_until(proc: subprocess.Popen[str], needle: str, timeout: float = 10.0) -> str:
    """The agent's log (stderr) as read until it holds `needle`, or `timeout` passed.
    (Raw reads of the pipe: a text wrapper's buffer would hide lines from `select`.)"""
    assert proc.stderr is not None
    fd, seen = proc.stderr.fileno(), b""
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(fd, selectors.EVENT_READ)
        while needle.encode() not in seen and sel.select(max(0.0, deadline - time.monotonic())):
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            seen += chunk
    return seen.decode(errors="replace")


def test_a_damaged_registry_and_tags_file_are_moved_aside_and_the_agent_serves(tmp_path: Path) -> None:
    laptop = Laptop(tmp_path)
    config = _config(tmp_path)
    trust = [*CLI, "trust", "add", laptop("id").stdout.strip(), "--config", str(config)]
    assert subprocess.run(trust, capture_output=True, timeout=CLI_TIMEOUT_S).returncode == 0
    state = tmp_path / "device"
    with serving(config) as served:
        t = f"127.0.0.1:{served.port}"
        for name in ("counter", "other"):
            laptop("deploy", t, V1, "--name", name)
        laptop("call", t, "counter", "bump")
    registry = json.loads((state / "services.json").read_text())
    registry["services"]["other"]["module"] = "not a hash"  # one record no longer reads
    (state / "services.json").write_text(json.dumps(registry))
    (state / "tags.json").write_text('{"added": ["kitch')  # cut short
    with serving(config) as served:
        t = f"127.0.0.1:{served.port}"
        log = _stderr_until(served.proc, "must be deployed again")
        assert "services.json could not be read" in log and "Kept 1 service(s)" in log, log
        assert "(other) must be deployed again (their KV data is kept)" in log, log
        assert "tags.json could not be read" in log and "config.toml's tags" in log, log
        assert laptop("call", t, "counter", "count").stdout.strip() == "1"
        assert laptop("call", t, "other", "count", check=1).returncode == 1
        status = laptop.json("status", t)
        assert isinstance(status, dict) and status["tags"] == ["base"]
        laptop("deploy", t, V1, "--name", "other")  # the laptop puts it back
        assert laptop("call", t, "other", "count").stdout.strip() == "0"
    aside = sorted(p.name.split(".damaged-")[0] for p in state.iterdir() if ".damaged-" in p.name)
    assert aside == ["services.json", "tags.json"]
    assert json.loads((state / "services.json").read_text())["services"].keys() == {"counter", "other"}
