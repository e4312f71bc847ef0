"""Device tags (issue 13, groups): what a tag may be, how tags ride in the mDNS TXT record, and
how `edge-agent tag`'s changes combine with config.toml's `tags`. Pure: no I/O, no asyncio.

A tag is 1 to `TAG_MAX_CHARS` lower-case ASCII letters, digits, '-' and '_', starting with a
letter or digit: it is a shell word, needs no quoting in TOML or JSON, and cannot hold the
comma that separates tags in the TXT record (``tags=kitchen,sensors``, RFC 6763 §6: one entry
of at most 255 bytes, which the most tags of the longest size fit). A device carries at most
`TAGS_MAX_COUNT`.

Where they live: config.toml's `tags` are where a device starts; `edge-agent tag` records each
tag it adds or removes as an override (`Overrides`, kept in the state directory by
`edge_agent.tag_store`), and the device's tags are the config's plus the added minus the
removed. So a restart keeps the command's changes, an edit of config.toml still changes the
tags the command did not touch, and the agent never rewrites the operator's config file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from edge_agent import const

__all__ = [
    "TXT_KEY",
    "BadTag",
    "Overrides",
    "check_tag",
    "check_tags",
    "parse_changes",
    "read_txt_tags",
    "txt_value",
]

TXT_KEY = "tags"
"""The TXT key the tags are announced under."""

_TAG = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_CHARSET = "lower-case letters a-z, digits, '-' and '_', starting with a letter or digit"


class BadTag(ValueError):
    """A tag, a list of tags or a change that breaks the rules above; the message says which."""


def check_tag(text: object) -> str:
    """`text` if it is a valid tag, else `BadTag` saying what a tag may be."""
    if not isinstance(text, str) or not text:
        raise BadTag(f"a tag is a non-empty string of {_CHARSET}, got {text!r:.40}")
    if len(text) > const.TAG_MAX_CHARS:
        raise BadTag(f"tag {text[:40]!r} is longer than {const.TAG_MAX_CHARS} characters")
    if not _TAG.match(text):
        hint = f" (did you mean {text.lower()!r}?)" if _TAG.match(text.lower()) else ""
        raise BadTag(f"tag {text!r} may hold only {_CHARSET}{hint}")
    return text


def check_tags(values: object) -> tuple[str, ...]:
    """A list of tags as config.toml gives it -> the tags, sorted; `BadTag` if one is not a
    tag, one is listed twice, or there are more than `TAGS_MAX_COUNT`."""
    if not isinstance(values, list | tuple):
        raise BadTag(f'must be a list of tags such as ["kitchen", "sensors"], got {values!r:.60}')
    tags = [check_tag(v) for v in values]
    twice = sorted({t for t in tags if tags.count(t) > 1})
    if twice:
        raise BadTag(f"tag {twice[0]!r} is listed twice")
    if len(tags) > const.TAGS_MAX_COUNT:
        raise BadTag(f"{len(tags)} tags; a device carries at most {const.TAGS_MAX_COUNT}")
    return tuple(sorted(tags))


def txt_value(tags: Iterable[str]) -> str:
    """The TXT value for `tags` (valid ones): sorted and comma-separated."""
    return ",".join(sorted(tags))


def read_txt_tags(raw: bytes | None) -> tuple[str, ...]:
    """The tags another device announces, from its raw TXT value: what is not a valid tag is
    left out (an older or a foreign announcer must not make the device unusable), and no more
    than `TAGS_MAX_COUNT` are read."""
    if not raw or len(raw) > const.TAGS_MAX_COUNT * (const.TAG_MAX_CHARS + 1):
        return ()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        return ()
    found = []
    for part in text.split(",")[: const.TAGS_MAX_COUNT]:
        try:
            found.append(check_tag(part))
        except BadTag:
            continue
    return tuple(sorted(set(found)))


def parse_changes(words: Iterable[str]) -> tuple[frozenset[str], frozenset[str]]:
    """`edge-agent tag`'s ``+TAG`` and ``-TAG`` words -> (to add, to remove); `BadTag` for a
    word of another shape, a bad tag, or a tag both added and removed."""
    add: set[str] = set()
    remove: set[str] = set()
    for word in words:
        if word[:1] not in ("+", "-"):
            raise BadTag(f"{word!r}: give +TAG to add a tag and -TAG to remove one")
        (add if word[0] == "+" else remove).add(check_tag(word[1:]))
    both = sorted(add & remove)
    if both:
        raise BadTag(f"tag {both[0]!r} is both added and removed")
    return frozenset(add), frozenset(remove)


@dataclass(frozen=True, slots=True)
class Overrides:
    """`edge-agent tag`'s changes on top of config.toml's tags (see the module docstring)."""

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()

    def apply(self, base: Iterable[str]) -> tuple[str, ...]:
        """The device's tags, sorted, given config.toml's `base`."""
        return tuple(sorted((set(base) | self.added) - self.removed))

    def change(self, base: Iterable[str], add: Iterable[str], remove: Iterable[str]) -> Overrides:
        """These overrides with `add` and `remove` applied (the latest word on a tag wins);
        `BadTag` if the device would carry more than `TAGS_MAX_COUNT` tags. A removal of a
        tag config.toml does not give is not kept (it changes nothing), so both sets stay
        within `TAGS_MAX_COUNT`."""
        base_set, add_set, remove_set = set(base), set(add), set(remove)
        changed = Overrides(
            frozenset((self.added | add_set) - remove_set),
            frozenset(((self.removed | remove_set) - add_set) & base_set),
        )
        tags = changed.apply(base_set)
        if len(tags) > const.TAGS_MAX_COUNT:
            raise BadTag(
                f"the device would carry {len(tags)} tags; at most {const.TAGS_MAX_COUNT}: "
                f"remove some (-TAG) in the same command"
            )
        return changed

    def to_json(self) -> dict[str, list[str]]:
        return {"added": sorted(self.added), "removed": sorted(self.removed)}

    @classmethod
    def from_json(cls, doc: Any) -> Overrides:
        """Overrides as `to_json` wrote them; `BadTag` for anything else."""
        if not isinstance(doc, Mapping) or set(doc) - {"added", "removed"}:
            raise BadTag('must be an object {"added": [...], "removed": [...]}')
        return cls(
            frozenset(check_tags(doc.get("added", []))), frozenset(check_tags(doc.get("removed", [])))
        )
