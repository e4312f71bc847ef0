"""Text from devices made safe for the terminal (edge_agent/cli_text.py)."""

from __future__ import annotations

from edge_agent.cli_text import terminal_safe


def test_control_characters_are_shown_not_obeyed() -> None:
    hostile = "a\x1b[2Jb\x07c\x9b1m\x7fd\u202ee\u2066f\u2028g\x00h\r"
    shown = terminal_safe(hostile)
    assert shown == "a\\x1b[2Jb\\x07c\\x9b1m\\x7fd\\u202ee\\u2066f\\u2028g\\x00h\\x0d"
    assert all(ord(c) >= 0x20 and not 0x7F <= ord(c) < 0xA0 for c in shown)


def test_ordinary_text_is_left_as_it_is() -> None:
    text = "Küche  ok\n\tline two: 12D3KooW… 47.2°C, 日本"
    assert terminal_safe(text) == text
