"""Device tags (issue 13, groups): the tag rules, the TXT value, `edge-agent tag`'s words and
overrides on top of config.toml (pure), and the device's store of them (`tag_store`)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.errors import ConfigError
from edge_agent.services.base import RET_BAD_REQUEST, ServiceError
from edge_agent.tag_store import FILE_NAME, DeviceTags
from edge_agent.tags import BadTag, Overrides, check_tag, check_tags, parse_changes, read_txt_tags, txt_value

# --- the rules --------------------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["kitchen", "a", "floor-2", "sensors_v2", "0x", "x" * const.TAG_MAX_CHARS])
def test_valid_tags(tag: str) -> None:
    assert check_tag(tag) == tag


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("", "non-empty"),
        (3, "non-empty"),
        ("Kitchen", "did you mean 'kitchen'"),
        ("-x", "may hold only"),
        ("_x", "may hold only"),
        ("a,b", "may hold only"),
        ("a b", "may hold only"),
        ("küche", "may hold only"),
        ("x" * (const.TAG_MAX_CHARS + 1), "longer than"),
    ],
)
def test_invalid_tags_say_why(value: Any, says: str) -> None:
    with pytest.raises(BadTag, match=says):
        check_tag(value)


def test_a_list_of_tags_is_sorted_and_bounded() -> None:
    assert check_tags(["sensors", "kitchen"]) == ("kitchen", "sensors")
    with pytest.raises(BadTag, match="listed twice"):
        check_tags(["a", "a"])
    with pytest.raises(BadTag, match=f"at most {const.TAGS_MAX_COUNT}"):
        check_tags([f"t{i}" for i in range(const.TAGS_MAX_COUNT + 1)])
    with pytest.raises(BadTag, match="list of tags"):
        check_tags("kitchen")


def test_the_most_tags_of_the_longest_size_fit_one_txt_entry() -> None:
    """RFC 6763 §6.1: one key=value string is at most 255 bytes."""
    tags = [f"{i}" * const.TAG_MAX_CHARS for i in range(const.TAGS_MAX_COUNT)]
    assert len(f"tags={txt_value(tags)}".encode()) <= 255
    assert read_txt_tags(txt_value(tags).encode()) == tuple(sorted(tags))


def test_peers_tags_are_read_leniently_and_within_bounds() -> None:
    assert read_txt_tags(b"sensors,kitchen") == ("kitchen", "sensors")
    assert read_txt_tags(b"ok,BAD,,bad tag,ok") == ("ok",)
    assert read_txt_tags(None) == () and read_txt_tags(b"") == () and read_txt_tags(b"\xff") == ()
    assert read_txt_tags(b"a," * 1000) == ()  # longer than any valid value: not looked at
    many = ",".join(f"t{i}" for i in range(const.TAGS_MAX_COUNT + 4)).encode()
    assert len(read_txt_tags(many)) <= const.TAGS_MAX_COUNT


def test_changes_are_plus_and_minus_words() -> None:
    assert parse_changes(["+a", "-b", "+c"]) == ({"a", "c"}, {"b"})
    for words, says in (
        (["a"], "give \\+TAG"),
        (["+a", "-a"], "both added and removed"),
        (["+A"], "did you"),
    ):
        with pytest.raises(BadTag, match=says):
            parse_changes(words)


# --- overrides on top of config.toml ---------------------------------------------------------


def test_overrides_add_and_remove_on_top_of_the_config() -> None:
    base = ("kitchen", "sensors")
    o = Overrides().change(base, {"floor-2"}, {"sensors"})
    assert o.apply(base) == ("floor-2", "kitchen")
    # An edit of config.toml still counts for the tags the command did not touch.
    assert o.apply(("kitchen", "sensors", "new")) == ("floor-2", "kitchen", "new")
    # The latest word on a tag wins, and a removal of a tag the config lacks is not kept.
    o = o.change(base, {"sensors"}, {"floor-2", "nothing"})
    assert o.apply(base) == ("kitchen", "sensors") and o == Overrides(frozenset({"sensors"}), frozenset())
    assert Overrides.from_json(json.loads(json.dumps(o.to_json()))) == o


def test_overrides_refuse_too_many_tags() -> None:
    base = tuple(f"t{i}" for i in range(const.TAGS_MAX_COUNT))
    with pytest.raises(BadTag, match="remove some"):
        Overrides().change(base, {"one-more"}, set())
    tags = Overrides().change(base, {"one-more"}, {"t0"}).apply(base)
    assert "one-more" in tags and "t0" not in tags and len(tags) == const.TAGS_MAX_COUNT


@pytest.mark.parametrize("doc", [[], {"added": "x"}, {"added": ["A"]}, {"other": []}])
def test_bad_override_files_are_refused(doc: Any) -> None:
    with pytest.raises(BadTag):
        Overrides.from_json(doc)


# --- the device's store ------------------------------------------------------------------------


class FakeDiscovery:
    def __init__(self) -> None:
        self.sent: list[dict[str, str]] = []

    async def update_properties(self, properties: dict[str, str]) -> None:
        self.sent.append(properties)


def test_a_change_is_saved_then_announced_and_a_restart_keeps_it(tmp_path: Path) -> None:
    discovery = FakeDiscovery()
    tags = DeviceTags(("kitchen",), tmp_path, lambda: discovery)
    assert tags.current == ("kitchen",) and tags.txt() == {"tags": "kitchen"}
    answer = asyncio.run(tags.call([["sensors"], ["kitchen"]]))
    assert answer == {"tags": ["sensors"], "added": ["sensors"], "removed": ["kitchen"], "announced": True}
    assert discovery.sent == [{"tags": "sensors"}]
    assert json.loads((tmp_path / FILE_NAME).read_text()) == {"added": ["sensors"], "removed": ["kitchen"]}
    again = DeviceTags(("kitchen",), tmp_path, lambda: None)
    assert again.current == ("sensors",)
    # No change: nothing written or announced again.
    answer = asyncio.run(tags.call([["sensors"], []]))
    assert answer["added"] == [] and discovery.sent == [{"tags": "sensors"}]
    answer = asyncio.run(again.call([[], ["sensors"]]))
    assert answer == {"tags": [], "added": [], "removed": ["sensors"], "announced": False}
    assert DeviceTags(("kitchen",), tmp_path, lambda: None).txt() == {}


@pytest.mark.parametrize("args", [[], [["a"]], ["a", []], [[1], []], [["A"], []], [["a"], ["a"]]])
def test_bad_srv_tag_calls_are_refused_with_ret_code_15(tmp_path: Path, args: list[Any]) -> None:
    tags = DeviceTags((), tmp_path, lambda: None)
    with pytest.raises(ServiceError) as caught:
        asyncio.run(tags.call(args))
    assert caught.value.ret_code == RET_BAD_REQUEST
    assert not (tmp_path / FILE_NAME).exists()


def test_a_bad_tags_file_is_moved_aside_and_too_many_tags_stop_the_agent(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / FILE_NAME).write_text('{"added": ["Bad"]}')
    assert DeviceTags(("kitchen",), tmp_path, lambda: None).current == ("kitchen",)
    [aside] = tmp_path.glob(f"{FILE_NAME}.damaged-*")
    assert aside.read_text() == '{"added": ["Bad"]}' and not (tmp_path / FILE_NAME).exists()
    assert "could not be read (tag 'Bad' may hold only" in caplog.text and str(aside) in caplog.text
    aside.unlink()
    (tmp_path / FILE_NAME).mkdir()  # a read error of the disk's own (here EISDIR), not bad JSON
    assert DeviceTags(("kitchen",), tmp_path, lambda: None).current == ("kitchen",)
    assert not (tmp_path / FILE_NAME).exists() and len(list(tmp_path.glob(f"{FILE_NAME}.damaged-*"))) == 1
    (tmp_path / FILE_NAME).write_text(json.dumps({"added": [f"a{i}" for i in range(const.TAGS_MAX_COUNT)]}))
    with pytest.raises(ConfigError, match=f"at most {const.TAGS_MAX_COUNT}"):
        DeviceTags(("kitchen",), tmp_path, lambda: None)


def test_only_trusted_peers_and_the_device_itself_change_tags_with_srv_tag(tmp_path: Path) -> None:
    from edge_agent.services.base import RET_NOT_AUTHORISED
    from tests.services.test_local import LAPTOP, ME, STRANGER, failed, local, ok

    async def main() -> None:
        async with local(tmp_path) as services:
            assert "No service found" in (await failed(services, "srv", "tag", [["a"], []])).message
            services.tags = DeviceTags(("kitchen",), tmp_path, lambda: None)
            refused = await failed(services, "srv", "tag", [["a"], []], peer=STRANGER)
            assert refused.ret_code == RET_NOT_AUTHORISED
            hint = f"(on the device: edge-agent trust add {STRANGER})"
            assert f"may not change this device's tags on this peer {hint}" in refused.message
            assert (await ok(services, "srv", "tag", [["a"], []], peer=LAPTOP))["tags"] == ["a", "kitchen"]
            assert (await ok(services, "srv", "tag", [[], ["kitchen"]], peer=ME))["tags"] == ["a"]
            assert services.tags.current == ("a",)

    asyncio.run(asyncio.wait_for(main(), 60))
