"""Base58btc (Bitcoin's alphabet), the text form of libp2p peer ids and of Fluence's `op.*_b58`.

Pure functions over bytes and str. Both directions are quadratic in the input's length (the
whole input is one big number), so callers bound what they pass: peer ids by
`const.MAX_PEER_ID_CHARS`, the builtins by `const.BUILTIN_MAX_BASE58_BYTES`. The big-number
work is done ten digits at a time, which keeps the Python-level loop short.
"""

from __future__ import annotations

__all__ = ["ALPHABET", "BadCharacter", "decode", "encode"]

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
_CHUNK = 10
_CHUNK_BASE = 58**_CHUNK


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
    chunks: list[str] = []
    while n:
        n, chunk = divmod(n, _CHUNK_BASE)
        digits = []
        for _ in range(_CHUNK):
            chunk, r = divmod(chunk, 58)
            digits.append(ALPHABET[r])
        chunks.append("".join(reversed(digits)))
    body = "".join(reversed(chunks)).lstrip("1")
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + body


def decode(text: str) -> bytes:
    """The bytes `text` encodes; `BadCharacter` names the first character outside the alphabet."""
    n = 0
    for lo in range(0, len(text), _CHUNK):
        hi = min(lo + _CHUNK, len(text))
        chunk = 0
        for i in range(lo, hi):
            digit = _INDEX.get(text[i])
            if digit is None:
                raise BadCharacter(text[i], i)
            chunk = chunk * 58 + digit
        n = n * 58 ** (hi - lo) + chunk
    zeros = len(text) - len(text.lstrip("1"))
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * zeros + body
