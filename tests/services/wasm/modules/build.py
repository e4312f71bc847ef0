"""Rebuild the test modules: ``python tests/services/wasm/modules/build.py`` (needs wabt).

The .wasm files are committed so the tests run without wabt. CI checks that they still match
a fresh build of their .wat sources by running, outside the test suite,
``python tests/services/wasm/modules/build.py --check`` (it changes nothing and exits 1 naming
each stale file).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from edge_agent.services.wasm.binary import SectionId, encode_name, encode_section

HERE = Path(__file__).resolve().parent
REBUILD = "python tests/services/wasm/modules/build.py"

ABI_MARKER = re.compile(r"^\s*;; @abi (\S+)", re.MULTILINE)


def build(source: Path, out: Path) -> None:
    """wat2wasm, then the ABI custom section for sources marked ``;; @abi VERSION``."""
    subprocess.run(["wat2wasm", str(source), "-o", str(out)], check=True)
    marker = ABI_MARKER.search(source.read_text())
    if marker:
        custom = encode_section(SectionId.CUSTOM, encode_name("edge-agent.abi") + marker.group(1).encode())
        out.write_bytes(out.read_bytes() + custom)


def fresh_builds() -> dict[str, bytes]:
    """Every module built anew in a temporary directory, by file name."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for source in sorted(HERE.glob("*.wat")):
            target = Path(tmp) / source.with_suffix(".wasm").name
            build(source, target)
            out[target.name] = target.read_bytes()
    return out


def stale_modules(fresh: dict[str, bytes]) -> list[str]:
    """One line per committed module that differs from its fresh build, saying what to run."""
    committed = {path.name: path.read_bytes() for path in HERE.glob("*.wasm")}
    stale = [name for name, data in fresh.items() if committed.get(name) != data]
    return [f"{HERE / name} is not what its source builds to: rebuild with `{REBUILD}`" for name in stale]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=REBUILD, description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with a fresh build, change nothing")
    args = parser.parse_args(argv)
    if shutil.which("wat2wasm") is None:
        print("wat2wasm not found (Debian: apt-get install wabt)", file=sys.stderr)
        return 1
    if not args.check:
        for source in sorted(HERE.glob("*.wat")):
            build(source, source.with_suffix(".wasm"))
        return 0
    fresh = fresh_builds()
    problems = stale_modules(fresh)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(fresh)} modules in {HERE}: each is what its source builds to")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
