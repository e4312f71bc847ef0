"""Text a device sent, made safe to print on the operator's terminal (and in the journal).

A device, or any host on the LAN that proves its own key, controls much of what the CLI
prints: log lines, error messages, service and spell names, tags, versions, results. Printed
as they came, an escape sequence in one of them drives the terminal: it moves the cursor,
rewrites what was printed before, sets the window title, or worse on some terminals. So every
line the CLI prints and every log record goes through `terminal_safe`, which shows each
control character as a visible escape (``\\x1b``, ``\\u202e``): the C0 controls but newline and
tab, DEL, the C1 controls (U+0080-U+009F: U+009B is a one-byte CSI), the bidirectional
marks and overrides (which reorder what a line seems to say), and the line and paragraph
separators.
"""

from __future__ import annotations

__all__ = ["terminal_safe"]

_UNSAFE = (
    *range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
    0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
    0x2028, 0x2029,
)
_TABLE = {c: (f"\\x{c:02x}" if c < 0x100 else f"\\u{c:04x}") for c in _UNSAFE if c not in (0x09, 0x0A)}


def terminal_safe(text: str) -> str:
    """`text` with every control character shown as an escape; newlines and tabs kept."""
    return text.translate(_TABLE)
