"""edge_agent/base58.py: base58btc both ways, checked against known vectors and itself."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from edge_agent import base58
from edge_agent.identity import KeyPair


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b"", ""),
        (b"\0", "1"),
        (b"\0\0\x01\x02\xff", "11LiA"),
        (b"a", "2g"),
        (b"hello world", "StV1DL6CwTryKyV"),  # the Bitcoin wiki's example
        (b"\xff" * 10, "FPBt6CHo3fovdL"),
    ],
)
def test_known_vectors(raw: bytes, text: str) -> None:
    assert base58.encode(raw) == text
    assert base58.decode(text) == raw


@given(st.binary(max_size=200))
def test_round_trip(raw: bytes) -> None:
    assert base58.decode(base58.encode(raw)) == raw


def test_a_bad_character_is_named_with_its_place() -> None:
    with pytest.raises(base58.BadCharacter) as info:
        base58.decode("abc0def")
    assert (info.value.character, info.value.index) == ("0", 3)
    assert str(info.value) == "'0' at position 3 is not a base58btc character"
    with pytest.raises(base58.BadCharacter) as info:
        base58.decode("aéI")
    assert (info.value.character, info.value.index) == ("é", 1)


def test_peer_ids_use_it() -> None:
    keys = KeyPair.from_seed(b"\x07" * 32)
    assert keys.peer_id.startswith("12D3KooW")
    assert base58.decode(keys.peer_id)[6:] == keys.public_bytes
