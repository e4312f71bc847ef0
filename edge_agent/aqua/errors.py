"""The one error the Aqua compiler raises: a position in a source file and what was wrong.

Rendered the way a compiler reports: `file:line:col: message`, then the source line and a
caret under the column, so a person sees where to look without opening the file.
"""

from __future__ import annotations

from dataclasses import dataclass

from edge_agent.errors import LocalError


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a source file."""

    line: int
    col: int


@dataclass(frozen=True, slots=True)
class Source:
    """The text of one Aqua file and the name errors call it by."""

    name: str
    text: str

    def line_text(self, line: int) -> str:
        lines = self.text.splitlines()
        return lines[line - 1] if 0 < line <= len(lines) else ""


class AquaError(LocalError):
    """A program the compiler does not accept: says where (file, line, column) and why."""

    def __init__(self, source: Source, pos: Pos, message: str) -> None:
        self.source = source
        self.pos = pos
        self.message = message
        line_text = source.line_text(pos.line).expandtabs(1)
        caret = " " * (max(pos.col, 1) - 1) + "^"
        super().__init__(f"{source.name}:{pos.line}:{pos.col}: {message}\n    {line_text}\n    {caret}")
