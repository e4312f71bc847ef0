"""docs/fleet.md's "Groups" section, run (issue 13): its configuration example is parsed, and
every console example in it is run in order, through the real CLI, on the LAN it describes --
three real agents (`attic`, `cellar`, `kitchen`), each in its own network namespace, found
over mDNS -- and must print what the page shows (peer ids and addresses aside).

The same LAN then answers what the page does not show: `--tag` reaches exactly the devices
carrying the tag and `--all` all of them; a staged deploy's exit code and `--json` document;
tags changed with `edge-agent tag` survive an agent restart; a device the laptop does not know
is left out, and never enrolled. One LAN of five namespaces for the module (setup is most of the cost), removed at its end, also on failure; every wait is
bounded.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge_agent.config import parse_config
from tests.conftest import _unavailable
from tests.support.netns import NetnsLan, NetnsProcess, netns_unavailable_reason

REPO = Path(__file__).resolve().parents[1]
DOC = (REPO / "docs" / "fleet.md").read_text()
SECTION = DOC[DOC.index("## Groups: tags, --tag and --all") : DOC.index("<!-- end of groups -->")]
CLI = [sys.executable, "-m", "edge_agent"]
MODULE = "firmware_services/build/greeting.wasm"
PORT = 5683
NAMES = ("attic", "cellar", "kitchen")
LAPTOP = len(NAMES)
NEW = "shed"
"""A device started only to be one this laptop does not know yet (the namespace after the laptop's)."""
CONFIG = {  # what each device's config.toml starts with (cellar's is the page's example)
    "attic": 'tags = ["sensors"]\n',
    "cellar": 'tags = ["basement", "sensors"]\n',
    "kitchen": 'tags = ["indoor"]\n',
    NEW: 'tags = ["sensors"]\n',
}
LIMIT = 4096
"""cellar's wasm.max_module_bytes: greeting.wasm (5.5 KB) is over it."""
START_TIMEOUT_S = 30.0
CLI_TIMEOUT_S = 60.0
SEEN_ATTEMPTS = 20
"""Most `peers` runs waiting for the laptop to hear what the devices announce."""


class Fleet:
    """The LAN: the devices (namespaces 0-2) and the laptop's namespace (3), with the CLI."""

    def __init__(self, lan: NetnsLan, tmp: Path) -> None:
        self.lan = lan
        self.env = {"EDGE_AGENT_HOME": str(tmp / "laptop")}
        self.configs = {name: tmp / name / "config.toml" for name in (*NAMES, NEW)}
        self.ids: dict[str, str] = {}
        self.procs: dict[str, NetnsProcess] = {}
        laptop = subprocess.run(
            [*CLI, "id", "--json"],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=CLI_TIMEOUT_S,
            check=True,
        )
        self.laptop_id = json.loads(laptop.stdout)["peer_id"]
        for name, config in self.configs.items():
            done = subprocess.run(
                [
                    *CLI,
                    "init",
                    "--config",
                    str(config),
                    "--state-dir",
                    str(config.parent / "state"),
                    "--port",
                    str(PORT),
                    "--name",
                    name,
                    "--trust",
                    self.laptop_id,
                    "--json",
                ],
                capture_output=True,
                text=True,
                timeout=CLI_TIMEOUT_S,
                check=True,
            )
            self.ids[name] = json.loads(done.stdout)["peer_id"]
            text = re.sub(r"(?m)^tags = \[\]\n", CONFIG[name], config.read_text())  # init wrote none
            assert CONFIG[name] in text
            if name == "cellar":
                text = re.sub(r"(?m)^max_module_bytes = .*$", f"max_module_bytes = {LIMIT}", text)
            config.write_text(text)

    def start(self, name: str) -> None:
        index = NAMES.index(name) if name in NAMES else LAPTOP + 1
        proc = self.lan.spawn(index, [*CLI, "serve", "--config", str(self.configs[name])])
        proc.wait_for(r"serving as 12D3KooW", timeout=START_TIMEOUT_S)
        self.procs[name] = proc

    def stop(self, name: str) -> None:
        self.procs.pop(name).stop()

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The CLI as the laptop, in its namespace (the repository is the working directory)."""
        return self.lan.run(LAPTOP, [*CLI, *args], env=self.env, timeout=CLI_TIMEOUT_S, check=False)

    def json(self, *args: str) -> tuple[int, Any]:
        done = self.cli(*args, "--json")
        try:
            return done.returncode, json.loads(done.stdout)
        except ValueError:
            pytest.fail(f"{args} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")

    def wait_seen(self, tags: dict[str, list[str]]) -> None:
        """Until `peers` shows each device with these tags (mDNS announcements take a second
        or two after an agent says it serves)."""
        seen: dict[str, list[str]] = {}
        for _ in range(SEEN_ATTEMPTS):
            code, doc = self.json("peers", "--wait", "1")
            seen = {p["name"]: p["tags"] for p in doc["peers"]}
            if code == 0 and all(seen.get(name) == t for name, t in tags.items()):
                return
        pytest.fail(f"the laptop never heard {tags}; it heard {seen}")


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    reason = netns_unavailable_reason()
    if reason:
        _unavailable(reason)  # a skip, or a failure under CI
    with NetnsLan(len(NAMES) + 2) as lan:
        f = Fleet(lan, tmp_path_factory.mktemp("fleet"))
        for name in NAMES:
            f.start(name)
        f.wait_seen({"attic": ["sensors"], "cellar": ["basement", "sensors"], "kitchen": ["indoor"]})
        yield f


# --- the page's examples ---------------------------------------------------------------------

PEER_ID = re.compile(r"12D3KooW[1-9A-HJ-NP-Za-km-z]{44}")
ADDRESSES = re.compile(
    r"(?:\d+\.\d+\.\d+\.\d+|\[[^\]\s]+\]):\d+(?:, (?:\d+\.\d+\.\d+\.\d+|\[[^\]\s]+\]):\d+)*"
)


def normal(text: str) -> list[str]:
    """Lines as compared: peer ids and the addresses of a device are the LAN's own."""
    text = ADDRESSES.sub("ADDRESSES", PEER_ID.sub("PEER_ID", text))
    return [line.rstrip() for line in text.strip().splitlines()]


def examples() -> list[tuple[str, str]]:
    """(command, output) of each `$ ` line of the section's console blocks, in order."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", SECTION, re.DOTALL):
        for part in re.split(r"(?m)^\$ ", block)[1:]:
            command, _, output = part.partition("\n")
            found.append((command, output))
    return found


def test_the_configuration_example_is_valid() -> None:
    [toml] = re.findall(r"```toml\n(.*?)```", SECTION, re.DOTALL)
    config = parse_config(toml)
    assert config.tags == ("basement", "sensors") and config.wasm.max_module_bytes == LIMIT
    assert toml.startswith(CONFIG["cellar"])


def test_every_console_example_prints_what_the_page_shows(fleet: Fleet) -> None:
    assert len(examples()) >= 7
    for command, output in examples():
        argv = shlex.split(command)
        assert argv[0] == "edge-agent", command
        done = fleet.cli(*argv[1:])
        shown = done.stdout + done.stderr
        assert normal(shown) == normal(output), f"$ {command}\n{shown}"


# --- what the issue asks of groups ----------------------------------------------------------


def test_tag_reaches_exactly_the_devices_carrying_it_and_all_reaches_all(fleet: Fleet) -> None:
    code, doc = fleet.json("call", "--tag", "sensors", "peer", "identify")
    assert code == 0, doc
    assert doc["selected"] == {"tag": "sensors"} and doc["ok"] is True
    reached = {d["name"]: d["result"]["peer_id"] for d in doc["devices"]}
    # The page's examples tagged kitchen `sensors` too.
    assert reached == {name: fleet.ids[name] for name in NAMES}
    code, doc = fleet.json("status", "--all")
    assert code == 0 and [d["name"] for d in doc["devices"]] == list(NAMES), doc
    assert {d["name"]: d["result"]["peer_id"] for d in doc["devices"]} == {n: fleet.ids[n] for n in NAMES}
    code, doc = fleet.json("enroll", "--tag", "basement", "--days", "1")
    assert code == 0 and [(d["name"], d["result"]["member"]) for d in doc["devices"]] == [
        ("cellar", fleet.ids["cellar"])
    ], doc
    code, doc = fleet.json("services", "--tag", "basement")
    assert code == 0 and [d["name"] for d in doc["devices"]] == ["cellar"], doc


def test_a_staged_deploy_stops_at_the_first_refusal_and_reports_each_device(fleet: Fleet) -> None:
    done = fleet.cli("deploy", "--tag", "sensors", "--batch", "1", MODULE, "--name", "greeting2", "--json")
    assert done.returncode == 1, (done.stdout, done.stderr)
    doc = json.loads(done.stdout)
    assert doc["selected"] == {"tag": "sensors"} and doc["ok"] is False
    attic, cellar, kitchen = doc["devices"]
    assert (attic["name"], attic["status"], attic["exit_code"], attic["error"]) == ("attic", "ok", 0, None)
    assert attic["result"]["name"] == "greeting2" and attic["result"]["functions"] == ["greet"]
    assert (cellar["name"], cellar["status"], cellar["exit_code"], cellar["result"]) == (
        "cellar",
        "failed",
        1,
        None,
    )
    assert f"more than the {LIMIT} bytes cellar accepts" in cellar["error"]
    assert (kitchen["name"], kitchen["status"], kitchen["result"]) == ("kitchen", "not attempted", None)
    assert kitchen["peer_id"] == fleet.ids["kitchen"] and kitchen["tags"] == ["sensors"]
    code, doc = fleet.json("services", "--all")
    services = {d["name"]: sorted(s["name"] for s in d["result"]) for d in doc["devices"]}
    assert code == 0 and services == {"attic": ["greeting", "greeting2"], "cellar": [], "kitchen": []}
    # Without --batch every device is tried; the exit code is still 1.
    done = fleet.cli("remove", "--all", "greeting2")
    assert done.returncode == 1, done.stdout
    assert [line.split()[:2] for line in done.stdout.splitlines()[1:]] == [
        ["attic", "ok"],
        ["cellar", "failed"],
        ["kitchen", "failed"],
    ]
    assert done.stderr.strip() == "error: 2 of 3 devices failed"


def test_tags_changed_by_the_tag_command_survive_an_agent_restart(fleet: Fleet) -> None:
    code, doc = fleet.json("tag", "kitchen", "-sensors", "+pantry")
    assert code == 0 and doc["tags"] == ["pantry"] and doc["added"] == ["pantry"], doc
    fleet.stop("kitchen")
    fleet.start("kitchen")
    fleet.wait_seen({"kitchen": ["pantry"]})
    code, doc = fleet.json("status", "--tag", "pantry")
    assert code == 0 and [(d["name"], d["result"]["tags"]) for d in doc["devices"]] == [
        ("kitchen", ["pantry"])
    ]
    code, doc = fleet.json("status", "--tag", "sensors")
    assert [d["name"] for d in doc["devices"]] == ["attic", "cellar"], doc
    done = fleet.cli("status", "--tag", "indoor")  # removed by the page's example, and still
    assert done.returncode == 3 and "no device carries the tag 'indoor'" in done.stderr, done.stderr
    assert "pantry (kitchen)" in done.stderr


def test_cli_md_shows_the_tag_example_this_page_runs() -> None:
    cli_md = (REPO / "docs" / "cli.md").read_text()
    tag_section = cli_md[cli_md.index("## tag\n") : cli_md.index("## run\n")]
    [block] = re.findall(r"```console\n(.*?)```", tag_section, re.DOTALL)
    assert block in SECTION


def test_a_staged_update_stops_after_the_first_rollback(fleet: Fleet) -> None:
    """Issue 13's done-when: `deploy --tag sensors --batch 1` of a version that fails its
    health check, to three devices: the first switches back by itself, the batch stops
    there, each device is reported, and every one still serves the version it had."""
    modules = REPO / "tests" / "services" / "wasm" / "modules"
    code, doc = fleet.json("tag", "kitchen", "+sensors")
    assert code == 0, doc
    try:
        fleet.wait_seen({"kitchen": sorted(doc["tags"])})
        v1 = str(modules / "counter_v1.wasm")
        code, doc = fleet.json("deploy", "--tag", "sensors", v1, "--name", "counter")
        assert code == 0 and [d["name"] for d in doc["devices"]] == list(NAMES), doc
        done = fleet.cli(
            "deploy", "--tag", "sensors", "--batch", "1", str(modules / "counter_sick.wasm"),
            "--name", "counter", "--update", "--watch", "1s", "--json",
        )
        assert done.returncode == 1, (done.stdout, done.stderr)
        doc = json.loads(done.stdout)
        first, *rest = doc["devices"]
        assert (first["name"], first["status"], first["exit_code"]) == ("attic", "failed", 1), first
        assert "rolled back" in first["error"] and "health" in first["error"], first["error"]
        assert [(d["name"], d["status"]) for d in rest] == [
            ("cellar", "not attempted"), ("kitchen", "not attempted")
        ]
        code, history = fleet.json("history", "attic", "counter")
        assert code == 0 and history["current"] == 1, history
        failed = [v for v in history["versions"] if v["state"] == "failed"]
        assert [v["version"] for v in failed] == [2] and "health" in failed[0]["reason"], history
        code, doc = fleet.json("call", "--tag", "sensors", "counter", "version")
        assert code == 0 and [d["result"] for d in doc["devices"]] == [1, 1, 1], doc
    finally:
        fleet.cli("tag", "kitchen", "-sensors")
        fleet.cli("remove", "--all", "counter", "--purge")


def test_a_device_this_laptop_does_not_know_is_left_out_and_never_enrolled(fleet: Fleet) -> None:
    """Anyone on the LAN can announce a device carrying `sensors`: a group command lists it
    as new and sends it nothing (a fleet certificate least of all) until the laptop knows it."""
    fleet.start(NEW)
    try:
        fleet.wait_seen({NEW: ["sensors"]})
        code, doc = fleet.json("enroll", "--tag", "sensors", "--days", "1")
        by_name = {d["name"]: d for d in doc["devices"]}
        assert code == 0 and by_name[NEW]["status"] == "new", doc
        assert "not known to this laptop, so left out" in by_name[NEW]["error"]
        assert [by_name[n]["status"] for n in ("attic", "cellar")] == ["ok", "ok"]
        assert not (fleet.configs[NEW].parent / "state" / "membership.json").exists()
        done = fleet.cli("enroll", "--tag", "sensors", "--include-new")
        assert done.returncode == 2 and "does not take --include-new" in done.stderr, done.stderr
        code, doc = fleet.json("status", "--all")  # not even read: its addresses are not challenged
        assert code == 0 and {d["name"]: d["status"] for d in doc["devices"]}[NEW] == "new", doc
        assert NEW not in fleet.json("known", "list")[1]["known"]
        code, doc = fleet.json("call", "--tag", "sensors", "--include-new", "peer", "identify")
        assert code == 0 and {d["name"]: d["status"] for d in doc["devices"]}[NEW] == "ok", doc
        assert fleet.json("known", "list")[1]["known"][NEW] == fleet.ids[NEW]
    finally:
        fleet.stop(NEW)
