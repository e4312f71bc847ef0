"""A laptop's pins of device names to peer ids (edge_agent/known_peers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge_agent.identity import KeyPair
from edge_agent.known_peers import pin_name
from edge_agent.statefile import CorruptState
from edge_agent.store import StateDir

GARAGE, SQUATTER, NEW = (KeyPair.from_seed(bytes([0x60 + i]) * 32).peer_id for i in range(3))


def test_pins_are_kept_by_lower_case_name_and_written_atomically(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "client")
    assert state.known.pins() == {}
    assert state.known.pin("Garage", GARAGE) is None
    assert state.known.pin("garage", GARAGE) is None  # no change
    assert state.known.pin("kitchen pi", SQUATTER) is None
    assert state.known.pins() == {"garage": GARAGE, "kitchen pi": SQUATTER}
    assert state.known.pin("GARAGE", NEW) == GARAGE
    text = state.known.path.read_text()
    assert f"{NEW} garage\n" in text and f"{SQUATTER} kitchen pi\n" in text
    assert [p.name for p in state.path.iterdir() if ".tmp." in p.name] == []
    assert state.known.forget("garage") == NEW and state.known.forget("garage") is None
    assert StateDir(tmp_path / "client").known.pins() == {"kitchen pi": SQUATTER}


@pytest.mark.parametrize(
    "name", ["", " ", "a.b", "x" * 64, "bad\nname", "a#b", "evil\u2028dev", "a\x85b", "\u202eab", "a\x9bb"]
)
def test_a_pin_name_is_one_instance_label(name: str) -> None:
    with pytest.raises(ValueError):
        pin_name(name)


def test_a_corrupt_known_peers_file_names_its_line(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "client")
    state.known.path.write_text(f"# pins\n{GARAGE} garage\nnot-an-id kitchen\n")
    with pytest.raises(CorruptState, match="line 3"):
        state.known.pins()
    state.known.path.write_text(f"{GARAGE} \x01\n")
    with pytest.raises(CorruptState, match="line 1"):
        state.known.pins()


def test_a_name_announced_with_a_line_separator_cannot_break_the_file(tmp_path: Path) -> None:
    """zeroconf lets U+2028 into a name; pinned, it made every later lookup fail (the file was
    read back with str.splitlines(), which breaks there) until the file was edited by hand."""
    state = StateDir(tmp_path / "client")
    with pytest.raises(ValueError):
        state.known.pin("evil\u2028dev", GARAGE)
    state.known.pin("garage", GARAGE)
    state.known.path.write_text(state.known.path.read_text() + "# a note \u2028 with a separator\n")
    assert state.known.pins() == {"garage": GARAGE}  # lines end at "\n" only, as written


@pytest.mark.parametrize("name", ["\u0130" * 31, "\u0130" * 21 + "x" * 20, "Ä" * 31])
def test_a_name_whose_lower_case_is_longer_is_refused_or_reads_back(tmp_path: Path, name: str) -> None:
    """'İ' is 2 bytes and its lower case 3: a pin of 31 of them, 62 bytes as given, was written
    as 93 and made every later read of the file fail until it was edited by hand."""
    state = StateDir(tmp_path / "client")
    try:
        pinned = pin_name(name)
    except ValueError:
        with pytest.raises(ValueError):
            state.known.pin(name, GARAGE)
    else:
        assert pin_name(pinned) == pinned
        state.known.pin(name, GARAGE)
    state.known.pin("garage", NEW)
    assert state.known.pins()["garage"] == NEW


def test_pins_are_bounded_so_the_file_always_reads_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from edge_agent import const
    from edge_agent.statefile import StoreError

    monkeypatch.setattr(const, "MAX_KNOWN_PEERS", 3)
    state = StateDir(tmp_path / "client")
    for i, peer in enumerate((GARAGE, SQUATTER, NEW)):
        state.known.pin(f"device-{i}", peer)
    with pytest.raises(StoreError, match="holds 3 names, its limit: forget some first"):
        state.known.pin("one-more", GARAGE)
    assert state.known.pin("device-0", NEW) == GARAGE  # a pinned name may still change
    assert len(state.known.pins()) == 3
