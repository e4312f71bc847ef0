"""docs/deploy.md's "Compose them in Aqua" and "The same in AIR", run for real: every command
those sections show, on a laptop and two devices in network namespaces, prints what they show.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.e2e.test_quickstart import DEVICES, REPO, Session
from tests.support.docs import console_examples
from tests.support.netns import NetnsLan

DOC = (REPO / "docs" / "deploy.md").read_text()
SECTION = DOC[DOC.index("### Compose them in Aqua") : DOC.index("### Replace a service")]
PARTICLE_ID = re.compile(r'"particle_id": "[0-9a-f-]{36}"')


def shown() -> list[tuple[str, str]]:
    """(command, what it prints) for each `$ edge-agent ...` line of the section's console blocks."""
    return console_examples(SECTION)


def test_the_section_shows_the_example_and_runs_both_languages() -> None:
    [source] = re.findall(r"```aqua\n(.*?)```", SECTION, re.S)
    assert source in (REPO / "docs" / "examples" / "greet-and-hash.aqua").read_text()
    files = [shlex.split(command)[2] for command, _ in shown()]
    assert files[0] == "docs/examples/greet-and-hash.aqua", "Aqua comes first"
    assert "docs/examples/greet-and-hash.air" in files, "the AIR version stays documented"


@pytest.fixture
def session(netns_lan: Callable[..., NetnsLan], tmp_path: Path, require_root: None) -> Session:
    return Session(netns_lan(3), tmp_path)


def test_every_command_prints_what_deploy_md_shows(session: Session) -> None:
    _, laptop_id, _ = session.laptop(["id"])
    for device in DEVICES:
        session.device_init(device, ["init", "--name", device, "--trust", laptop_id.strip()])
        session.start_device(device)
    session.laptop(["deploy", "kitchen", "firmware_services/build/greeting.wasm", "--name", "greeting"])
    session.laptop(["deploy", "garage", "firmware_services/build/hash.wasm", "--name", "hash"])
    pairs = shown()
    assert len(pairs) >= 6
    for command, output in pairs:
        argv = shlex.split(command)
        assert argv[:2] == ["edge-agent", "run"], command
        failing = output.startswith("error:")
        code, out, err = session.laptop(argv[1:], check=None)
        assert (code != 0) == failing, f"{command} exited {code}\n{out}\n{err}"
        if "must be" in output or "is missing" in output:
            assert code == 2, command  # the arguments are checked before anything is sent
        printed = PARTICLE_ID.sub('"particle_id": ""', out + err)
        assert printed == PARTICLE_ID.sub('"particle_id": ""', output), command
