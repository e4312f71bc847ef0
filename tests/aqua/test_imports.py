"""Imports: the bundled aqua-lib declarations, and files read beside the importing one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from edge_agent.aqua import AquaError, compile_file, compile_source
from edge_agent.aqua.library import LIBRARY
from edge_agent.services import spell
from edge_agent.services.builtins import array, cmp, debug, math, op, peer

SERVED = {"op": op.FUNCTIONS, "peer": peer.FUNCTIONS, "math": math.FUNCTIONS, "cmp": cmp.FUNCTIONS,
          "array": array.FUNCTIONS, "debug": debug.FUNCTIONS,
          # each run by test_srv_aqua.py
          "srv": {"list", "info", "deploy", "remove", "enroll", "history", "rollback"},
          "spell": spell.FUNCTIONS}  # tests/spells/test_spell_runner.py


@pytest.mark.parametrize("path", sorted(LIBRARY))
def test_bundled_files_declare_only_what_the_agent_serves(path: str) -> None:
    services = re.findall(r'service \w+\("(\w+)"\):\n((?:    .*\n)+)', LIBRARY[path])
    assert services
    for service_id, body in services:
        assert set(re.findall(r"^    (\w+)\(", body, re.M)) <= set(SERVED[service_id]), service_id


def test_builtin_import_compiles_without_declarations() -> None:
    text = compile_source('import "@fluencelabs/aqua-lib/builtin.aqua"\n\n'
                          "func f() -> u64:\n    t <- Peer.timestamp_ms()\n    <- t\n")
    assert '("peer" "timestamp_ms")' in text


def test_files_are_imported_from_beside_the_importer_once(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "types.aqua").write_text("data Point:\n    x: u32\n", encoding="utf-8")
    (tmp_path / "lib" / "srv.aqua").write_text(
        'import "types.aqua"\n\nservice Store("store"):\n    put(p: Point) -> u32\n', encoding="utf-8")
    main = tmp_path / "main.aqua"
    main.write_text('import "lib/srv.aqua"\nimport "lib/types.aqua"\n\nexport f\n\n'
                    "func f(p: Point) -> u32:\n    n <- Store.put(p)\n    <- n\n", encoding="utf-8")
    assert '("store" "put") [-p-arg-] ret)' in compile_file(main)


def test_errors_in_an_imported_file_name_that_file(tmp_path: Path) -> None:
    (tmp_path / "bad.aqua").write_text("data P:\n    x: Nope\n", encoding="utf-8")
    main = tmp_path / "main.aqua"
    main.write_text('import "bad.aqua"\n', encoding="utf-8")
    with pytest.raises(AquaError, match=re.escape(f"{tmp_path / 'bad.aqua'}:2:8: unknown type 'Nope'")):
        compile_file(main)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    main = tmp_path / "main.aqua"
    main.write_text('import "gone.aqua"\n', encoding="utf-8")
    with pytest.raises(AquaError, match="main.aqua:1:1: cannot read 'gone.aqua'"):
        compile_file(main)
