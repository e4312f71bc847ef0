"""Spells in the state directory: their definitions and their records, kept across restarts.

    spells/spells.json         {"format": 1, "spells": {name: definition}}  (install, remove)
    spells/<name>.record.json  {"format": 1, "record": {runs, total_runs, failures, kv}}  (each run)

Each file is replaced atomically (`edge_agent.statefile.atomic_write`: temp file, fsync,
rename, fsync of the directory), so a power cut leaves the old or the new version. A spell
is installed by writing its definition first, and removed by deleting it from the index
first: a record without a definition is an orphan, deleted at the next start. Blocking file
I/O: the runner calls it in a thread. Only the agent writes these files.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from edge_agent import const
from edge_agent.spells import BadSpell, SpellDef, SpellRecord
from edge_agent.statefile import CorruptState, atomic_write, cleanup_temp_files, json_entries, read_bounded

__all__ = ["SpellStore"]

log = logging.getLogger(__name__)

SPELLS_DIR = "spells"
INDEX_FILE = "spells.json"
RECORD_SUFFIX = ".record.json"
_FORMAT = 1


class SpellStore:
    """The spells of one state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / SPELLS_DIR

    def _ensure(self) -> None:
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)

    def definitions(self) -> dict[str, SpellDef]:
        """Every installed spell (none if the directory is new); `CorruptState` names the file."""
        index = self.path / INDEX_FILE
        raw = read_bounded(index, const.SPELL_STATE_MAX_FILE_BYTES * 4, "spell index")
        if raw is None:
            return {}
        try:
            entries = json_entries(raw, _FORMAT, "spells", dict)
            return {name: _named(SpellDef.from_json(obj), name) for name, obj in entries.items()}
        except (ValueError, BadSpell) as exc:
            raise CorruptState(f"{index}: {exc}; move it away to start without spells") from None

    def put_definition(self, spell: SpellDef) -> None:
        """Add or replace `spell` in the index (a record it had is kept: see `remove`)."""
        spells = self.definitions()
        spells[spell.name] = spell
        self._write_index(spells)

    def remove(self, name: str) -> bool:
        """Forget spell `name` and its record; whether it was installed."""
        spells = self.definitions()
        found = spells.pop(name, None) is not None
        if found:
            self._write_index(spells)
        try:
            os.unlink(self._record_path(name))
        except FileNotFoundError:
            pass
        return found

    def record(self, name: str) -> SpellRecord:
        """Spell `name`'s runs and state (empty if it has none); a damaged file is logged
        and started afresh rather than keeping the spell from running."""
        path = self._record_path(name)
        try:
            raw = read_bounded(path, const.SPELL_STATE_MAX_FILE_BYTES, "spell record")
            if raw is None:
                return SpellRecord()
            return SpellRecord.from_json(json_entries(raw, _FORMAT, "record", dict))
        except (CorruptState, ValueError, BadSpell) as exc:
            log.error("spell %s: its record %s is damaged (%s); starting it afresh", name, path, exc)
            return SpellRecord()

    def put_record(self, name: str, record: SpellRecord) -> None:
        self._ensure()
        data = json.dumps({"format": _FORMAT, "record": record.to_json()}, sort_keys=True).encode()
        atomic_write(self._record_path(name), data, mode=0o600)

    def tidy(self) -> None:
        """Delete temp files of interrupted writes and records of spells no longer installed."""
        if not self.path.is_dir():
            return
        cleanup_temp_files(self.path)
        installed = set(self.definitions())
        for path in self.path.glob("*" + RECORD_SUFFIX):
            if path.name[: -len(RECORD_SUFFIX)] not in installed:
                path.unlink(missing_ok=True)

    def _write_index(self, spells: dict[str, SpellDef]) -> None:
        self._ensure()
        entries = {n: s.to_json() for n, s in sorted(spells.items())}
        doc: dict[str, Any] = {"format": _FORMAT, "spells": entries}
        atomic_write(self.path / INDEX_FILE, json.dumps(doc, sort_keys=True).encode(), mode=0o600)

    def _record_path(self, name: str) -> Path:
        return self.path / (name + RECORD_SUFFIX)


def _named(spell: SpellDef, name: str) -> SpellDef:
    if spell.name != name:
        raise BadSpell(f"entry {name!r} holds spell {spell.name!r}")
    return spell
