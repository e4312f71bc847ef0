"""`--trace` of the quick start's two-device script (issue 11), for real: a laptop and two
devices in network namespaces, the devices trusting the laptop as the README has them do.

The trace shows both devices, both calls and the way back, as a tree on standard error (the
results on standard output stay what the README shows) and as JSON with `--json`; a laptop
the devices do not trust gets no trace from them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_quickstart import DEVICES, Session, readme_block
from tests.support.netns import NetnsLan

RUN = [
    "run", "docs/examples/greet-and-hash.aqua", "--func", "greet_and_hash",
    "--peer", "greeter=kitchen", "--peer", "hasher=garage", "--arg", "name=Ada",
]


@pytest.fixture
def session(netns_lan: Callable[..., NetnsLan], tmp_path: Path, require_root: None) -> Session:
    session = Session(netns_lan(3), tmp_path)
    _, out, _ = session.laptop(["id"])
    laptop_id = out.strip()
    for device in DEVICES:
        session.device_init(device, ["init", "--force", "--name", device, "--trust", laptop_id])
        session.start_device(device)
    session.laptop(["deploy", "kitchen", "firmware_services/build/greeting.wasm", "--name", "greeting"])
    session.laptop(["deploy", "garage", "firmware_services/build/hash.wasm", "--name", "hash"])
    return session


def walk(visit: dict[str, Any]) -> list[dict[str, Any]]:
    """A JSON visit and every visit under it, depth first."""
    out = [visit]
    for step in visit["steps"]:
        if "visit" in step:
            out += walk(step["visit"])
    return out


def test_trace_of_the_quick_start_shows_both_devices_both_calls_and_the_way_back(session: Session) -> None:
    _, out, err = session.laptop([*RUN, "--trace"])
    assert out == readme_block("quickstart-output", "console"), out  # the results are unchanged
    tree = err.splitlines()
    assert tree[0].startswith("trace of particle ") and tree[0].endswith(": 3 peers"), err
    at = {name: next(i for i, line in enumerate(tree) if re.search(rf"\b{name} \(12D3KooW", line))
          for name in ("this computer", "kitchen", "garage")}
    assert at["this computer"] < at["kitchen"] < at["garage"], err
    assert re.search(r"kitchen \(12D3KooW\S+\): arrived from this computer$", tree[at["kitchen"]]), err
    assert re.search(r"garage \(12D3KooW\S+\): arrived from kitchen$", tree[at["garage"]]), err
    assert re.search(r"call greeting\.greet: ret_code 0, \d+ ms$", err, re.M), err
    assert re.search(r"call hash\.sha256: ret_code 0, \d+ ms$", err, re.M), err
    back = [i for i, line in enumerate(tree) if line.endswith(": arrived from garage")]
    assert back and back[0] > at["garage"] and "this computer" in tree[back[0]], err  # the way back
    assert re.search(r"call callbackSrv\.response: ret_code 0", err), err
    assert "no trace came back" not in err, err

    _, out, _ = session.laptop([*RUN, "--trace", "--json"])
    doc = json.loads(out)
    assert doc["results"] == ["Hello, Ada!", json.loads(readme_block("quickstart-output", "console")
                                                        .splitlines()[1])]
    trace = doc["trace"]
    [start] = trace["visits"]
    visits = walk(start)
    peers = [v["peer"] for v in visits]
    laptop = trace["init_peer"]
    assert peers[0] == laptop and peers[-1] == laptop and len(set(peers)) == 3, visits
    calls = [
        (s["service"], s["function"], s["ret_code"])
        for v in visits
        for s in v["steps"]
        if s["step"] == "call"
    ]
    assert ("greeting", "greet", 0) in calls and ("hash", "sha256", 0) in calls, calls
    assert calls[-1] == ("callbackSrv", "response", 0)
    assert [v["from"] for v in visits[1:]] == peers[:-1]  # each hop came from the peer before
    assert all(s["t_ms"] >= 0 for v in visits for s in v["steps"])

    # A laptop the devices do not trust: its particle runs, but no device traces it.
    stranger = {"EDGE_AGENT_HOME": str(session.tmp / "stranger")}
    code, out, err = session.laptop(["call", "kitchen", "op", "noop", "--trace"], env=stranger, check=None)
    assert code == 0, err
    assert re.search(r"sent to kitchen( \(at try \d+; .*\))? \(no trace came back from it\)$", err, re.M), err
    assert "arrived from this computer" not in err, err
