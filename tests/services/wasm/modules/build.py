"""Rebuild the test modules: ``python tests/services/wasm/modules/build.py`` (needs wabt).

The .wasm files are committed so the tests run without wabt; test_abi.py checks that they
match a fresh build when wat2wasm is installed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


ABI_MARKER = re.compile(r"^\s*;; @abi (\S+)", re.MULTILINE)


def custom_section(name: str, content: bytes) -> bytes:
    """A custom section (id 0): LEB128 size, then the name as a vector of bytes, then content."""
    body = _leb128(len(name.encode())) + name.encode() + content
    return b"\x00" + _leb128(len(body)) + body


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def build(source: Path, out: Path) -> None:
    """wat2wasm, then the ABI custom section for sources marked ``;; @abi VERSION``."""
    subprocess.run(["wat2wasm", str(source), "-o", str(out)], check=True)
    marker = ABI_MARKER.search(source.read_text())
    if marker:
        out.write_bytes(
            out.read_bytes() + custom_section("edge-agent.abi", marker.group(1).encode())
        )


def main() -> int:
    if shutil.which("wat2wasm") is None:
        print("wat2wasm not found (Debian: apt-get install wabt)", file=sys.stderr)
        return 1
    for source in sorted(HERE.glob("*.wat")):
        build(source, source.with_suffix(".wasm"))
    return 0


def fresh_builds() -> dict[str, bytes]:
    """Every module built anew in a temporary directory, by file name."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted(HERE.glob("*.wat")):
            target = Path(tmp) / source.with_suffix(".wasm").name
            build(source, target)
            out[target.name] = target.read_bytes()
    return out


if __name__ == "__main__":
    raise SystemExit(main())
