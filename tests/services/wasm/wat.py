"""WebAssembly text for the tests, and running modules with wasm3.

`compile_wat` returns a module's binary from the committed store, compiled/ beside this file
(`<key>.wat` is the text, `<key>.wasm` what wabt's wat2wasm made of it), so the tests run on
a machine without wabt. A text that is not in the store is compiled with wat2wasm; without
it the test is skipped, unless EDGE_AGENT_CI is set (CI installs wabt and pywasm3, so there a
missing tool is a failure). Under CI a fixed text missing from the store fails too: only the
texts a hypothesis test builds inline (drawn programs) may be absent. Refresh the store after
changing a test's WAT with

    PYTHONPATH=. python -m tests.services.wasm.wat

and test_committed.py checks that every stored binary is what wat2wasm makes of its text.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import hypothesis
import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
STORE = HERE / "compiled"
RECORD_ENV = "EDGE_AGENT_WAT_RECORD"  # a directory: compile every fixed text anew and store it there


def _missing(what: str) -> None:
    if os.environ.get("EDGE_AGENT_CI"):
        pytest.fail(f"{what} is missing, and CI must have it")
    pytest.skip(f"{what} is not installed")


def require_wat2wasm() -> str:
    path = shutil.which("wat2wasm")
    if path is None:
        _missing("wat2wasm (Debian package wabt)")
    assert path is not None
    return path


def store_key(text: str, *, check: bool = True) -> str:
    """The name of a text's entry in the store: a digest of the text and wat2wasm's flags."""
    flags = "check" if check else "no-check"
    return hashlib.sha256(f"{flags}\n{text}".encode()).hexdigest()[:24]


def wat2wasm(text: str, *, check: bool = True) -> bytes:
    """What wabt's wat2wasm makes of `text` (features beyond MVP enabled; `check=False` skips its
    validation, to build modules wasm3 would refuse)."""
    tool = require_wat2wasm()
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


def compile_wat(text: str, *, check: bool = True) -> bytes:
    """The binary of a module given as WebAssembly text: from the store, else from wat2wasm.
    A text compiled inside a hypothesis test is taken as drawn, so it is neither recorded nor
    required to be in the store."""
    return _binary(text, check, _in_hypothesis())


def _in_hypothesis() -> bool:
    # currently_in_test_context is recent (hypothesis 6.x); older ones fall back to a guess
    # from the stack, which is all that needs it.
    probe = getattr(hypothesis, "currently_in_test_context", None)
    if probe is not None:
        return bool(probe())
    import inspect

    return any("hypothesis" in (f.filename or "") for f in inspect.stack()[1:])


def fixture(name: str) -> bytes:
    """The binary of tests/services/wasm/fixtures/NAME.wat (a fixed text, wherever it is used)."""
    return _binary((FIXTURES / f"{name}.wat").read_text(), True, False)


@functools.lru_cache(maxsize=512)
def _binary(text: str, check: bool, drawn: bool) -> bytes:
    key = store_key(text, check=check)
    record = os.environ.get(RECORD_ENV)
    if record and not drawn:
        data = wat2wasm(text, check=check)
        Path(record, f"{key}.wat").write_text(text)
        Path(record, f"{key}.wasm").write_bytes(data)
        return data
    stored = STORE / f"{key}.wasm"
    if stored.exists():
        return stored.read_bytes()
    if os.environ.get("EDGE_AGENT_CI") and not drawn:
        pytest.fail(f"this module's text is not in {STORE}: refresh it (see {__name__}'s docstring)")
    return wat2wasm(text, check=check)


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


if __name__ == "__main__":
    raise SystemExit(refresh_store())
