"""`edge-agent compile` through the real command line: AIR out, errors with positions."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.air.test_oracle_conformance import (
    CASES_DIR,
    load_case,
    run_case_with_edge_agent_sim,
    semantic_view,
)

CLI = [sys.executable, "-m", "edge_agent"]
CASE = CASES_DIR / "aqua-04-for-par-join"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "compile", *args], capture_output=True, text=True, timeout=60)


def test_compiles_to_a_file_that_runs_like_fluences_air(tmp_path: Path) -> None:
    out = tmp_path / "collect.air"
    done = run_cli(str(CASE / "main.aqua"), "--func", "collect", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    case, _, expected = load_case(CASE)
    ours = semantic_view(run_case_with_edge_agent_sim(case, out.read_text(encoding="utf-8")))
    assert ours["responses"] == semantic_view(expected)["responses"]


def test_prints_the_only_exported_function_and_honours_no_relay() -> None:
    done = run_cli(str(CASES_DIR / "aqua-23-no-relay-mode" / "main.aqua"), "--no-relay")
    assert done.returncode == 0, done.stderr
    assert '("getDataSrv" "node")' in done.stdout
    assert "-relay-" not in done.stdout


def test_json_gives_every_exported_function_with_its_signature() -> None:
    done = run_cli(str(CASES_DIR / "aqua-10-struct-and-array-args" / "main.aqua"), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert list(doc) == ["run"]
    assert doc["run"]["args"] == [["p", "Point"], ["xs", "[]string"], ["node", "string"]]
    assert doc["run"]["results"] == ["string", "string", "u32", "[]string"]
    assert doc["run"]["air"].startswith("(xor")


def test_a_compile_error_names_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.aqua"
    bad.write_text('service S("s"):\n    f(x: u32)\n\nfunc go():\n    S.f("text")\n', encoding="utf-8")
    done = run_cli(str(bad))
    assert done.returncode == 2
    assert done.stdout == ""
    assert f"error: {bad}:5:9: argument 'x' of S.f must be u32, but this is string\n" in done.stderr
    assert '        S.f("text")\n' in done.stderr
    assert done.stderr.rstrip().endswith("^")


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli(str(tmp_path / "nope.aqua"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr


def test_an_unwritable_output_is_a_usage_error(tmp_path: Path) -> None:
    done = run_cli(str(CASE / "main.aqua"), "-o", str(tmp_path / "no" / "such" / "dir.air"))
    assert done.returncode == 2
    assert "cannot write" in done.stderr
