"""`edge-agent deploy`'s checks and progress (issue 11): a module larger than the device's
limit is refused before anything is sent; progress is redrawn with `\\r` only on a terminal,
else one line per 10%. The whole command, against a real device, is in
tests/integration/test_cli_resolve.py."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from edge_agent.cli import EXIT_REMOTE, CliError
from edge_agent.cli_deploy import check_module_size, progress_printer


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def feed(stream: io.StringIO, total: int, block: int = 1024) -> str:
    show = progress_printer("big.wasm", stream)
    for sent in range(block, total + block, block):
        show(min(sent, total), total)
    show(total, total)  # the last block asked again: nothing more
    return stream.getvalue()


def test_progress_off_a_terminal_is_a_line_per_ten_percent_without_carriage_returns() -> None:
    out = feed(io.StringIO(), 100 * 1024)
    assert "\r" not in out
    lines = out.splitlines()
    assert [line.rsplit("(", 1)[1] for line in lines] == [f"{p}%)" for p in range(10, 101, 10)]
    assert lines[-1] == "sending big.wasm: 102400/102400 bytes (100%)"


def test_progress_on_a_terminal_redraws_one_line() -> None:
    out = feed(Terminal(), 100 * 1024)
    assert out.count("\n") == 1 and out.endswith("(100%)\n")
    assert out.count("\r") == 100


def test_a_module_over_the_device_limit_is_refused_with_both_sizes() -> None:
    with pytest.raises(CliError) as caught:
        check_module_size(Path("big.wasm"), 3_000_000, "kitchen", {"max_module_bytes": 2_097_152})
    assert caught.value.code == EXIT_REMOTE
    assert str(caught.value) == (
        "big.wasm is 3000000 bytes, more than the 2097152 bytes kitchen accepts "
        "(wasm.max_module_bytes in its configuration); nothing was sent"
    )
    check_module_size(Path("ok.wasm"), 2_097_152, "kitchen", {"max_module_bytes": 2_097_152})
    check_module_size(Path("old.wasm"), 3_000_000, "old", {})  # an older device checks it itself
