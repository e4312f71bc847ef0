"""The committed Wasm binaries the tests load instead of assembling WAT: modules/ (built by
modules/build.py) and the store of inline texts, compiled/ (wat.py).

Here, without wabt: the files are complete and named as they should be, and the checks CI
runs against a fresh wabt build report a stale file with the command that refreshes it.
Those checks themselves (``python tests/services/wasm/modules/build.py --check`` and
``python -m tests.services.wasm.wat --check``) run in .ci/run, outside the test suite, so
the suite needs no wabt.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from tests.services.wasm import wat

MODULES = Path(__file__).parent / "modules"


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("wasm_test_modules_build", MODULES / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build


def test_each_test_module_source_has_its_committed_binary() -> None:
    sources = {path.stem for path in MODULES.glob("*.wat")}
    assert len(sources) >= 10
    assert {path.stem for path in MODULES.glob("*.wasm")} == sources


def test_the_module_check_names_a_stale_module_and_the_rebuild_command() -> None:
    build = _build_script()
    committed = {path.name: path.read_bytes() for path in MODULES.glob("*.wasm")}
    assert build.stale_modules(committed) == []
    problems = build.stale_modules({**committed, "fib.wasm": committed["fib.wasm"] + b"\x00"})
    assert len(problems) == 1
    assert "fib.wasm" in problems[0] and build.REBUILD in problems[0]


def test_the_store_holds_a_binary_for_each_text_named_after_it() -> None:
    stored = wat.stored_texts()
    assert len(stored) >= 50, "the store is (nearly) empty: refresh it (wat.py)"
    misnamed = [key for key, (_, check) in stored.items() if check is None]
    assert not misnamed, f"not named after their text: {misnamed}; refresh the store with `{wat.REFRESH}`"
    assert {path.stem for path in wat.STORE.glob("*.wasm")} == set(stored)
    assert {path.suffix for path in wat.STORE.iterdir()} == {".wat", ".wasm"}


def test_the_store_check_names_a_stale_binary_and_the_refresh_command() -> None:
    stored = wat.stored_texts()
    stale = sorted(stored)[3]

    def build(text: str, *, check: bool) -> bytes:
        data = (wat.STORE / f"{wat.store_key(text, check=check)}.wasm").read_bytes()
        return data + b"\x00" if wat.store_key(text, check=check) == stale else data

    problems = wat.stale_store_entries(build)
    assert len(problems) == 1
    assert f"{stale}.wasm" in problems[0] and wat.REFRESH in problems[0]
