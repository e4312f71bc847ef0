"""README's install line and docs/install.md say the same thing (.ci/arm runs README's line).

The line itself is run by .ci/arm in fresh Debian bookworm roots (arm64, armhf); here only
that the two pages agree and that the line carries what a Raspberry Pi needs.
"""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def readme_install_command() -> str:
    block = re.search(
        r"<!-- install-command -->\n```sh\n(.+?)\n```\n<!-- /install-command -->",
        (REPO / "README.md").read_text(),
        re.DOTALL,
    )
    assert block, "README.md has no install-command block"
    return block.group(1)


def test_install_md_gives_readmes_line_and_then_each_of_its_steps() -> None:
    line = readme_install_command()
    install_md = (REPO / "docs" / "install.md").read_text()
    assert f"```sh\n{line}\n```" in install_md
    steps = line.split(" && ")
    step1 = re.search(r"## 1\. .*?\n```sh\n(.+?)\n```", install_md, re.DOTALL)
    assert step1, "docs/install.md has no step 1"
    assert step1.group(1).splitlines() == steps[:4]


def test_the_line_has_what_a_raspberry_pi_needs() -> None:
    apt, _venv, pip, *_ = readme_install_command().split(" && ")
    assert set(apt.split()) >= {"python3-venv", "python3-dev", "gcc", "libffi-dev", "libsodium-dev"}
    assert "--no-binary=cbor2" in pip.split()
    # PyNaCl has no 32-bit ARM wheel on PyPI: built against Debian's libsodium, not its own copy.
    assert "SODIUM_INSTALL=system" in pip.split()
