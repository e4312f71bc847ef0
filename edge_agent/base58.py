"""Base58btc (Bitcoin's alphabet), the text form of libp2p peer ids and of Fluence's `op.*_b58`.

Pure functions over bytes and str. Both directions are quadratic in the input's length (the
whole input is one big number), so callers bound what they pass: peer ids by
`const.MAX_PEER_ID_CHARS`, the builtins by `const.BUILTIN_MAX_BASE58_*`. Encoding a long
input takes ten digits per big division, three times faster at 2 KiB.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "BadCharacter", "decode", "encode"]

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_CHUNK = 10
_CHUNK_BASE = 58**_CHUNK
_SMALL_BITS = 1024
"""Below this, one digit per division is faster (peer ids, hashes); above, ten per division."""


class BadCharacter(ValueError):
    """`text[index]` is the first character that is not base58btc. Every character before it
    is ASCII, so `index` is also where it starts in the text's UTF-8 bytes."""

    def __init__(self, character: str, index: int) -> None:
        super().__init__(f"{character!r} at position {index} is not a base58btc character")
        self.character = character
        self.index = index


def encode(data: bytes) -> str:
    """The base58btc text of `data` (each leading zero byte becomes a leading '1')."""
    n = int.from_bytes(data, "big")
    digits: list[str] = []  # least significant first
    while n.bit_length() > _SMALL_BITS:  # a big number: ten digits per big division
        n, chunk = divmod(n, _CHUNK_BASE)
        for _ in range(_CHUNK):
            chunk, r = divmod(chunk, 58)
            digits.append(ALPHABET[r])
    while n:
        n, r = divmod(n, 58)
        digits.append(ALPHABET[r])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def decode(text: str) -> bytes:
    """The bytes `text` encodes; `BadCharacter` names the first character outside the alphabet."""
    n = 0
    for c in text:
        try:
            n = n * 58 + _INDEX[c]
        except KeyError:
            raise BadCharacter(c, text.index(c)) from None  # its first place: those before are fine
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body
