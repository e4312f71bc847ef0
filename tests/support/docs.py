"""What a documentation page shows, for the tests that run it: its console examples."""

from __future__ import annotations

import re


def console_examples(text: str) -> list[tuple[str, str]]:
    """(command, what it prints) for each `$ ...` line of `text`'s ```console blocks."""
    pairs = []
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            pairs.append((command, output))
    return pairs
