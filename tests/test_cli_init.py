"""`edge-agent init` through the real CLI: what it writes, with the modes docs/cli.md gives."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "edge_agent"]
REPO = Path(__file__).resolve().parents[1]


def init(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "init", *args], capture_output=True, text=True, timeout=60, check=False)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_config_inside_the_state_directory_leaves_it_0700(tmp_path: Path) -> None:
    state = tmp_path / "state"
    done = init("--config", str(state / "config.toml"), "--state-dir", str(state))
    assert done.returncode == 0, done.stderr
    assert mode(state) == 0o700, oct(mode(state))  # it holds the key: not 0755
    assert mode(state / "identity.key") == 0o600
    assert mode(state / "config.toml") == 0o644
    assert "the state directory (mode 0700)" in (REPO / "docs" / "cli.md").read_text()


def test_init_again_keeps_the_file_and_refuses_options_it_would_ignore(tmp_path: Path) -> None:
    config = tmp_path / "etc" / "config.toml"
    assert init("--config", str(config), "--state-dir", str(tmp_path / "state")).returncode == 0
    before = config.read_bytes()
    again = init("--config", str(config))
    assert again.returncode == 0 and "(kept)" in again.stdout, again
    refused = init("--config", str(config), "--name", "kitchen")
    assert refused.returncode == 2 and "add --force" in refused.stderr, refused
    assert config.read_bytes() == before
