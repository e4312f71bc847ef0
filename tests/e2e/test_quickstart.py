"""The README's quick start, run for real: a laptop and two devices in network namespaces.

The commands come from README.md (between the quickstart markers), so the README cannot
drift from what works. Devices run `edge-agent init` + `edge-agent serve` as processes;
the laptop runs the CLI. Beyond the README: an untrusted laptop's deploy is refused, it may
call only what was deployed `--access public`, a device is enrolled in the laptop's fleet, and
a restarted device still serves what was deployed to it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.netns import NetnsLan, NetnsProcess

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "edge_agent"]
DEVICES = ("kitchen", "garage")


def readme_block(marker: str, lang: str) -> str:
    """The text of README's fenced block between `<!-- marker -->` and `<!-- /marker -->`."""
    text = (REPO / "README.md").read_text()
    block = re.search(rf"<!-- {marker} -->\n```{lang}\n(.*?)```\n<!-- /{marker} -->", text, re.S)
    assert block, f"README.md has no {marker} block"
    return block.group(1)


def quickstart() -> list[str]:
    return [
        line for line in readme_block("quickstart", "sh").splitlines() if line and not line.startswith("#")
    ]


def test_the_readme_shows_the_aqua_example_as_it_is() -> None:
    shown = readme_block("quickstart-aqua", "aqua")
    assert shown in (REPO / "docs" / "examples" / "greet-and-hash.aqua").read_text()
    runs = [line for line in quickstart() if line.startswith("edge-agent run ")]
    assert runs[0].startswith("edge-agent run docs/examples/greet-and-hash.aqua "), "Aqua comes first"
    assert any(".air " in line for line in runs[1:]), "the AIR version stays documented"


class Session:
    """Runs CLI commands in the laptop namespace and keeps the device processes."""

    def __init__(self, lan: NetnsLan, tmp: Path) -> None:
        self.lan = lan
        self.tmp = tmp
        self.laptop_env = {"EDGE_AGENT_HOME": str(tmp / "laptop")}
        self.devices: dict[str, NetnsProcess] = {}

    def device_env(self, name: str) -> dict[str, str]:
        return {
            "EDGE_AGENT_CONFIG": str(self.tmp / name / "config.toml"),
            "EDGE_AGENT_STATE_DIR": str(self.tmp / name / "state"),
        }

    def laptop(
        self, args: list[str], *, env: dict[str, str] | None = None, check: int | None = 0
    ) -> tuple[int, str, str]:
        done = self.lan.run(0, [*CLI, *args], env=env or self.laptop_env, timeout=90, check=False)
        if check is not None:
            assert done.returncode == check, (
                f"edge-agent {shlex.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
        return done.returncode, done.stdout, done.stderr

    def device_init(self, name: str, args: list[str]) -> None:
        index = DEVICES.index(name) + 1
        done = self.lan.run(index, [*CLI, *args], env=self.device_env(name), timeout=60, check=False)
        assert done.returncode == 0, done.stderr

    def start_device(self, name: str) -> None:
        index = DEVICES.index(name) + 1
        proc = self.lan.spawn(index, [*CLI, "serve"], env=self.device_env(name))
        proc.wait_for(r"serving as 12D3KooW", timeout=30)
        self.devices[name] = proc


@pytest.fixture
def session(netns_lan: Callable[..., NetnsLan], tmp_path: Path, require_root: None) -> Session:
    return Session(netns_lan(3), tmp_path)


def test_the_readme_quick_start_works(session: Session) -> None:
    laptop_id = ""
    ran_aqua = False
    greeting = digest = ""
    for line in quickstart():
        if line.startswith("sudo "):  # a device line: init, then (instead of systemctl) serve
            init = shlex.split(line.split("&&")[0].replace("sudo ", "").replace("LAPTOP_ID", laptop_id))
            assert init[0] == "edge-agent" and init[1] == "init"
            for device in DEVICES:
                session.device_init(device, [*(a if a != "kitchen" else device for a in init[1:])])
                session.start_device(device)
            continue
        argv = shlex.split(line)
        assert argv[0] == "edge-agent", line
        code, out, err = session.laptop(argv[1:])
        command = argv[1]
        if command == "id":
            laptop_id = out.strip()
            assert re.fullmatch(r"12D3KooW\w+", laptop_id)
        elif command == "peers":
            assert "kitchen" in out and "garage" in out, out
        elif command == "deploy":
            assert f"deployed {argv[argv.index('--name') + 1]} on {argv[2]}" in out, out
        elif command == "services":
            assert "greeting" in out and "greet" in out, out
        elif command == "call":
            assert out.strip() == "Hello, Ada!", out
        elif command == "run" and argv[2].endswith(".aqua"):  # one JSON value per line, as README shows
            assert out == readme_block("quickstart-output", "console"), out
            greeting, digest = (json.loads(value) for value in out.splitlines())
            assert greeting == "Hello, Ada!"
            assert digest == hashlib.sha256(b"Hello, Ada!").hexdigest()
            ran_aqua = True
        elif command == "run":
            assert json.loads(out) == [greeting, digest], out
        elif command == "remove":
            assert "removed hash from garage" in out
    assert laptop_id, "the quick start never ran `edge-agent id`"
    assert ran_aqua, "the quick start never ran the Aqua example"

    # The removed service is gone; the other device still has its own.
    _, out, _ = session.laptop(["services", "garage", "--json"])
    assert json.loads(out)["services"] == []
    _, out, _ = session.laptop(["services", "kitchen", "--json"])
    [service] = json.loads(out)["services"]
    assert service["name"] == "greeting" and "greet" in service["functions"]

    # A laptop the devices do not trust is refused, and nothing is stored.
    stranger = {"EDGE_AGENT_HOME": str(session.tmp / "stranger")}
    code, out, err = session.laptop(
        ["deploy", "kitchen", "firmware_services/build/stats.wasm", "--name", "stats"], env=stranger, check=1
    )
    assert "not authorised" in err, err
    _, out, _ = session.laptop(["services", "kitchen", "--json"])
    assert [s["name"] for s in json.loads(out)["services"]] == ["greeting"]

    # Who may call what: greeting is `trusted` (the default), so the stranger may neither call
    # nor see it; a service deployed with --access public serves anyone.
    code, out, err = session.laptop(["call", "kitchen", "greeting", "greet", "Eve"], env=stranger, check=1)
    assert "ret_code is 13" in err and "not authorised" in err and "edge-agent trust add" in err, err
    _, out, _ = session.laptop(
        ["deploy", "kitchen", "firmware_services/build/stats.wasm", "--name", "stats", "--access", "public"]
    )
    assert out.rstrip().endswith("access public"), out
    _, out, _ = session.laptop(["services", "kitchen"])
    assert re.search(r"^greeting +\w{16}  trusted +greet$", out, re.M), out
    assert re.search(r"^stats +\w{16}  public +add, reset, summary$", out, re.M), out
    _, out, _ = session.laptop(["services", "kitchen", "--json"], env=stranger)
    assert [(s["name"], s["access"]) for s in json.loads(out)["services"]] == [("stats", "public")]
    _, out, _ = session.laptop(["call", "kitchen", "stats", "add", "[1, 2]", "--json"], env=stranger)
    assert json.loads(out)["result"]["count"] == 2
    bad = ["deploy", "kitchen", "firmware_services/build/stats.wasm", "--name", "stats", "--access", "anyone"]
    code, out, err = session.laptop(bad, check=2)
    assert "--access: access must be" in err, err

    # The laptop enrolls kitchen in its fleet: devices that trust the laptop admit kitchen.
    _, out, _ = session.laptop(["enroll", "kitchen", "--days", "7", "--json"])
    enrolled = json.loads(out)
    assert enrolled["by"] == laptop_id and enrolled["member"] != laptop_id
    code, out, err = session.laptop(["enroll", "kitchen"], env=stranger, check=1)
    assert "may not enroll this device in a fleet" in err, err

    # A restarted device still serves what was deployed to it.
    session.devices["kitchen"].stop()
    session.start_device("kitchen")
    _, out, _ = session.laptop(["call", "kitchen", "greeting", "greet", "Bob"])
    assert out.strip() == "Hello, Bob!"

    # A stopped device is unreachable: exit code 3.
    session.devices["garage"].stop()
    code, out, err = session.laptop(["call", "garage", "op", "noop", "--timeout", "3"], check=3)
