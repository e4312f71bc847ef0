"""docs/cli.md and docs/deploy.md say what the CLI does about names, sizes and progress
(issue 11): each statement changed for it is pinned here to the code or the message it
describes, so the two cannot drift apart."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from edge_agent import const
from edge_agent.air.calls import RET_UNREACHABLE
from edge_agent.cli import CliError
from edge_agent.cli_deploy import SHOWN_FROM_BYTES, check_module_size, progress_printer
from edge_agent.client import CLIENT_INSTANCE_PREFIX, NotFound
from edge_agent.net.discovery_txt import is_cli_session

REPO = Path(__file__).resolve().parents[1]
CLI_DOC = (REPO / "docs" / "cli.md").read_text()
DEPLOY_DOC = (REPO / "docs" / "deploy.md").read_text()


def flat(text: str) -> str:
    return " ".join(text.split())


def test_the_wait_for_a_target_is_the_constant_the_docs_name() -> None:
    wait = f"{const.CLIENT_RESOLVE_WAIT_S:g} s"
    assert const.CLIENT_RESOLVE_WAIT_S < 5  # issue 11: a typo'd name fails in under 5 s
    assert flat(CLI_DOC).count(f"waiting up to {wait} for it to appear") == 2
    assert f"short ({wait}, `CLIENT_RESOLVE_WAIT_S`, or `--timeout` if that is shorter)" in flat(CLI_DOC)
    assert f"each for at most {wait}" in flat(DEPLOY_DOC)


def test_the_documented_not_found_messages_are_the_ones_given() -> None:
    typo = NotFound("kitchn", const.CLIENT_RESOLVE_WAIT_S, ["garage", "kitchen", "shed"])
    assert f"error: {typo}" in CLI_DOC
    down = str(NotFound("shed", const.CLIENT_RESOLVE_WAIT_S, ["garage", "kitchen"], "12D3KooWK"))
    assert "(this laptop knows it as 12D3KooW…: is it down?)" in flat(CLI_DOC)
    assert "(this laptop knows it as 12D3KooWK: is it down?) Devices found: garage, kitchen" in down
    documented = re.search(r"warning: (no device named 'shed' .*?Devices found: garage, kitchen)\.", CLI_DOC)
    assert documented is not None
    pinned = re.search(r"knows it as (12D3KooW\w+)", documented.group(1))
    assert pinned is not None
    again = NotFound("shed", const.CLIENT_RESOLVE_WAIT_S, ["garage", "kitchen"], pinned.group(1))
    assert documented.group(1) == str(again)


def test_peers_down_fail_with_the_documented_code() -> None:
    assert RET_UNREACHABLE == 14
    assert "| 14 | the device could not be reached (`peer … is unreachable`), exit code 3 |" in CLI_DOC
    assert "| 4 |" not in CLI_DOC
    assert "the script's calls on it fail with error 14" in CLI_DOC
    assert f"`ret_code is {RET_UNREACHABLE} … is unreachable`" in flat(DEPLOY_DOC)


def test_the_documented_size_refusal_is_the_one_given() -> None:
    with pytest.raises(CliError) as caught:
        check_module_size(Path("big.wasm"), 3145728, "kitchen", {"max_module_bytes": 2097152})
    assert f"error: {caught.value}" in CLI_DOC
    assert "| `max_module_bytes` | integer |" in CLI_DOC
    assert "refused before anything is sent (exit code 1, `… nothing was sent`)" in flat(DEPLOY_DOC)


def test_progress_is_as_documented() -> None:
    assert SHOWN_FROM_BYTES == 4 * 1024  # "only for modules over 4 KiB"
    assert "For modules over 4 KiB" in CLI_DOC and "only for modules over 4 KiB" in flat(DEPLOY_DOC)
    assert "redrawn in place (`\\r`) on a terminal, one line per 10% otherwise" in flat(DEPLOY_DOC)
    lines = io.StringIO()
    show = progress_printer("m.wasm", lines)
    for sent in range(1, 101):
        show(sent * 100, 10_000)
    assert len(lines.getvalue().splitlines()) == 10 and "\r" not in lines.getvalue()


def test_cli_sessions_go_to_debug_as_documented() -> None:
    """The levels themselves: tests/net/test_discovery.py (CLI sessions) and
    tests/services/test_local.py (refused deploys, failed calls)."""
    doc = flat(CLI_DOC)
    assert "laptop CLI sessions (`edge-agent-cli-…`), which come and go with every command, at debug" in doc
    assert "A refused deploy is logged at warning and a failed call of a deployed service" in doc
    assert is_cli_session(CLIENT_INSTANCE_PREFIX + "0123456789ab._edge-agent._udp.local.")
    assert not is_cli_session("kitchen._edge-agent._udp.local.")
