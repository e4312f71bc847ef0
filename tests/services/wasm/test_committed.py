"""The committed Wasm binaries the tests load instead of assembling WAT: modules/ (built by
modules/build.py) and the store of inline texts, compiled/ (wat.py). Without wabt only the
rebuilds are skipped; every other Wasm test loads these files."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

from tests.services.wasm import wat

MODULES = Path(__file__).parent / "modules"


def test_committed_test_modules_match_their_sources(require_tools: Callable[..., None]) -> None:
    require_tools("wat2wasm")  # Debian: wabt
    spec = importlib.util.spec_from_file_location("wasm_test_modules_build", MODULES / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    fresh = build.fresh_builds()
    assert fresh, "no .wat sources found"
    for name, data in fresh.items():
        assert (MODULES / name).read_bytes() == data, f"{name} is stale: run {MODULES / 'build.py'}"


def _stored() -> dict[str, tuple[str, bool]]:
    """Each stored text by key, with the wat2wasm validation flag its key was made with."""
    out = {}
    for source in sorted(wat.STORE.glob("*.wat")):
        text = source.read_text()
        flags = [check for check in (True, False) if wat.store_key(text, check=check) == source.stem]
        assert flags, f"{source.name} is not named after its text: refresh the store (wat.py)"
        out[source.stem] = (text, flags[0])
    return out


def test_the_store_holds_a_binary_for_each_text_named_after_it() -> None:
    stored = _stored()
    assert len(stored) >= 50, "the store is (nearly) empty: refresh it (wat.py)"
    binaries = {path.stem for path in wat.STORE.glob("*.wasm")}
    assert binaries == set(stored)
    assert {path.suffix for path in wat.STORE.iterdir()} == {".wat", ".wasm"}


def test_the_store_matches_a_fresh_wat2wasm_build() -> None:
    wat.require_wat2wasm()
    for key, (text, check) in _stored().items():
        assert wat.wat2wasm(text, check=check) == (wat.STORE / f"{key}.wasm").read_bytes(), (
            f"{key}.wasm is stale: refresh the store (wat.py)"
        )
