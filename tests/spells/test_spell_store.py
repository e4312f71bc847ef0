"""Spells in the state directory (edge_agent/spell_store.py): kept, replaced, removed, and
what a damaged or leftover file does."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from edge_agent.spell_store import SpellStore
from edge_agent.spells import RunRecord, Schedule, SpellDef, SpellRecord
from edge_agent.statefile import CorruptState


def spell(name: str = "s", every_ms: int = 1000) -> SpellDef:
    return SpellDef(name, "(null)", Schedule(every_ms=every_ms), {"a": [1]}, "me", 5, "x.aqua:f")


def test_definitions_and_records_round_trip(tmp_path: Path) -> None:
    store = SpellStore(tmp_path)
    assert store.definitions() == {}
    assert store.record("s") == SpellRecord()
    store.put_definition(spell())
    store.put_definition(spell("t"))
    store.put_definition(spell(every_ms=2000))  # replaced
    record = SpellRecord(kv={"n": 3})
    record.add(RunRecord.make(1, 2, True, {"x": 1}, ""))
    store.put_record("s", record)
    again = SpellStore(tmp_path)
    assert again.definitions() == {"s": spell(every_ms=2000), "t": spell("t")}
    assert again.record("s") == record
    assert (tmp_path / "spells").stat().st_mode & 0o777 == 0o700
    assert os.stat(tmp_path / "spells" / "s.record.json").st_mode & 0o777 == 0o600
    assert again.remove("s") and not again.remove("s")
    assert set(again.definitions()) == {"t"} and again.record("s") == SpellRecord()


def test_a_damaged_index_is_refused_with_the_file_named(tmp_path: Path) -> None:
    store = SpellStore(tmp_path)
    store.put_definition(spell())
    (tmp_path / "spells" / "spells.json").write_text('{"format": 1, "spells": {"s": {"name": "t"}}}')
    with pytest.raises(CorruptState, match="spells.json"):
        store.definitions()


def test_a_damaged_record_starts_afresh(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    store = SpellStore(tmp_path)
    store.put_record("s", SpellRecord(total_runs=3))
    (tmp_path / "spells" / "s.record.json").write_text("{not json")
    with caplog.at_level(logging.ERROR):
        assert store.record("s") == SpellRecord()
    assert "damaged" in caplog.text


def test_tidy_removes_orphan_records_and_leftover_temp_files(tmp_path: Path) -> None:
    store = SpellStore(tmp_path)
    store.put_definition(spell())
    store.put_record("s", SpellRecord())
    store.put_record("gone", SpellRecord())
    leftover = tmp_path / "spells" / ".spells.json.tmp.999999999.0123abcd"
    leftover.write_text("{}")
    store.tidy()
    assert sorted(p.name for p in (tmp_path / "spells").iterdir()) == ["s.record.json", "spells.json"]
