"""WebAssembly text for the tests, and running modules with wasm3.

`compile_wat` returns a module's binary from the committed store, compiled/ beside this file
(`<key>.wat` is the text, `<key>.wasm` what wabt's wat2wasm made of it), so the tests never
run wabt: a text that is not in the store fails its test. (Programs drawn at random are
assembled without wabt by tests/support/wat_subset.py.) Refresh the store after changing a
test's WAT, on a machine with wabt, with

    PYTHONPATH=. python -m tests.services.wasm.wat

CI checks that every stored binary is still what wat2wasm makes of its text (a newer wabt
could encode differently) by running, outside the test suite,

    PYTHONPATH=. python -m tests.services.wasm.wat --check

and test_committed.py checks, without wabt, that the store is well formed.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
STORE = HERE / "compiled"
RECORD_ENV = "EDGE_AGENT_WAT_RECORD"  # a directory: compile every fixed text anew and store it there
REFRESH = "PYTHONPATH=. python -m tests.services.wasm.wat"


def _missing(what: str) -> None:
    if os.environ.get("EDGE_AGENT_CI"):
        pytest.fail(f"{what} is missing, and CI must have it")
    pytest.skip(f"{what} is not installed")


def store_key(text: str, *, check: bool = True) -> str:
    """The name of a text's entry in the store: a digest of the text and wat2wasm's flags."""
    flags = "check" if check else "no-check"
    return hashlib.sha256(f"{flags}\n{text}".encode()).hexdigest()[:24]


def wat2wasm(text: str, *, check: bool = True) -> bytes:
    """What wabt's wat2wasm makes of `text` (features beyond MVP enabled; `check=False` skips its
    validation, to build modules wasm3 would refuse). Only refreshing and checking the store
    run it."""
    tool = shutil.which("wat2wasm")
    if tool is None:
        raise FileNotFoundError("wat2wasm is not on PATH (Debian: apt-get install wabt)")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp, "m.wat")
        out = Path(tmp, "m.wasm")
        src.write_text(text)
        proc = subprocess.run(
            [tool, "--enable-all", *([] if check else ["--no-check"]), str(src), "-o", str(out)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise AssertionError(f"wat2wasm failed:\n{proc.stderr}\n{text}")
        return out.read_bytes()


def fixture(name: str) -> bytes:
    """The binary of tests/services/wasm/fixtures/NAME.wat."""
    return compile_wat((FIXTURES / f"{name}.wat").read_text())


@functools.lru_cache(maxsize=512)
def compile_wat(text: str, *, check: bool = True) -> bytes:
    """The binary of a module given as WebAssembly text, from the store (or, while the store
    is being refreshed, from wat2wasm, recording it)."""
    key = store_key(text, check=check)
    record = os.environ.get(RECORD_ENV)
    if record:
        data = wat2wasm(text, check=check)
        Path(record, f"{key}.wat").write_text(text)
        Path(record, f"{key}.wasm").write_bytes(data)
        return data
    stored = STORE / f"{key}.wasm"
    if not stored.exists():
        pytest.fail(f"this module's text is not in {STORE}: refresh the store with `{REFRESH}` (needs wabt)")
    return stored.read_bytes()


def stored_texts() -> dict[str, tuple[str, bool | None]]:
    """Each stored text by key, with the wat2wasm validation flag its key was made with (None:
    the file is not named after its text)."""
    out: dict[str, tuple[str, bool | None]] = {}
    for source in sorted(STORE.glob("*.wat")):
        text = source.read_text()
        flags = [check for check in (True, False) if store_key(text, check=check) == source.stem]
        out[source.stem] = (text, flags[0] if flags else None)
    return out


def stale_store_entries(build: Callable[..., bytes] = wat2wasm) -> list[str]:
    """What is wrong with the store, one line per file, each saying how to put it right: texts
    not named after themselves, and binaries that are not what `build` (wat2wasm) makes of
    their text."""
    problems = []
    for key, (text, check) in stored_texts().items():
        binary = STORE / f"{key}.wasm"
        if check is None:
            problems.append(f"{STORE / key}.wat is not named after its text")
        elif not binary.exists() or build(text, check=check) != binary.read_bytes():
            problems.append(f"{binary} is not what wat2wasm makes of {key}.wat")
    return [f"{problem}: refresh the store with `{REFRESH}`" for problem in problems]


def wasm3() -> Any:
    try:
        import wasm3 as module
    except ImportError:
        _missing("pywasm3")
    return module


class Instance:
    """One module loaded in its own wasm3 runtime; `call` returns the result or raises
    RuntimeError on a trap, as pywasm3 does."""

    def __init__(self, data: bytes, stack_bytes: int = 256 * 1024) -> None:
        w3 = wasm3()
        self.env = w3.Environment()
        self.runtime = self.env.new_runtime(stack_bytes)
        self.module = self.env.parse_module(data)
        self.runtime.load(self.module)

    def call(self, name: str, *args: int) -> Any:
        return self.runtime.find_function(name)(*args)

    def memory(self) -> bytes:
        return bytes(self.runtime.get_memory(0))


def refresh_store() -> int:
    """Run this directory's tests recording every fixed text, then make that the store."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, RECORD_ENV: tmp}
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(HERE)], env=env, check=False
        )
        if proc.returncode != 0:
            print("the tests failed: the store is left as it was", file=sys.stderr)
            return proc.returncode
        shutil.rmtree(STORE, ignore_errors=True)
        shutil.copytree(tmp, STORE)
    print(f"{len(list(STORE.glob('*.wasm')))} modules in {STORE}")
    return 0


def check_store() -> int:
    """The store against a fresh wat2wasm build: 0 if it matches, else 1 with what is stale."""
    if shutil.which("wat2wasm") is None:
        print("wat2wasm not found (Debian: apt-get install wabt)", file=sys.stderr)
        return 1
    problems = stale_store_entries()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(stored_texts())} texts in {STORE}: each binary is what wat2wasm makes of it")
    return 1 if problems else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog=REFRESH, description=__doc__)
    parser.add_argument("--check", action="store_true", help="compare with wat2wasm; change nothing")
    args = parser.parse_args(argv)
    return check_store() if args.check else refresh_store()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
