"""messages: a chat store in the service's key-value store, surviving host restarts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cbor2
import pytest

from edge_agent.kvstore import KVLimits, KVStore
from edge_agent.services.base import ServiceError
from edge_agent.services.wasm.host import WasmHost
from edge_agent.store import KV_DIR
from tests.firmware.conftest import ERR_ARGS, ERR_SERVICE, call_error, module


@pytest.fixture
def host(make_host: Callable[..., WasmHost]) -> WasmHost:
    host = make_host()
    host.deploy("messages", module("messages"))
    return host


def texts(messages: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(m["id"], m["author"], m["text"]) for m in messages]


def test_append_numbers_messages_and_list_returns_them_in_order(host: WasmHost) -> None:
    assert host.call("messages", "list", []) == []
    assert host.call("messages", "append", ["ada", "hello"]) == 1
    assert host.call("messages", "append", ["bob", "hi ada 👋"]) == 2
    assert host.call("messages", "append", ["ada", "how are you?"]) == 3
    listed = host.call("messages", "list", [])
    assert texts(listed) == [(1, "ada", "hello"), (2, "bob", "hi ada 👋"), (3, "ada", "how are you?")]
    assert all(set(m) == {"id", "author", "peer", "text", "ts"} for m in listed)
    assert all(isinstance(m["ts"], int) and m["ts"] > 1_600_000_000_000 for m in listed)
    assert all(m["peer"] == "" for m in listed)  # calls from Python name no caller
    assert host.call("messages", "count", []) == 3


def test_each_message_records_the_peer_that_appended_it(host: WasmHost) -> None:
    """`author` is whatever the caller says; `peer` is who the host says called (ea_caller)."""
    laptop = "12D3KooWAwZMqv6Fzs32Y4eVfLVso1TXmhBFDiURBDjF7PiPVNoq"
    garage = "12D3KooWJWDxpbyhBMY2mYByFAtAj1gVNvjnayLGaJgMS4uNdkiE"
    host.call("messages", "append", ["ada", "from the laptop"], caller=laptop)
    host.call("messages", "append", ["ada", "not really ada"], caller=garage)
    listed = host.call("messages", "list", [], caller=garage)
    assert [(m["author"], m["peer"], m["text"]) for m in listed] == [
        ("ada", laptop, "from the laptop"),
        ("ada", garage, "not really ada"),
    ]


def test_list_since_an_id_and_with_a_limit(host: WasmHost) -> None:
    for i in range(1, 8):
        host.call("messages", "append", ["bot", f"m{i}"])
    assert [m["id"] for m in host.call("messages", "list", [5])] == [6, 7]
    assert [m["id"] for m in host.call("messages", "list", [2, 3])] == [3, 4, 5]
    assert [m["id"] for m in host.call("messages", "list", [None, 2])] == [1, 2]
    assert host.call("messages", "list", [7]) == []
    assert host.call("messages", "list", [0, 0]) == []


def test_messages_survive_a_host_restart(make_host: Callable[..., WasmHost], state_dir: Path) -> None:
    first = make_host(state_dir=state_dir)
    first.deploy("messages", module("messages"))
    first.call("messages", "append", ["ada", "before the restart"])
    first.call("messages", "append", ["bob", "me too"])
    first.close()

    second = make_host(state_dir=state_dir)
    second.deploy("messages", module("messages"))
    assert texts(second.call("messages", "list", [])) == [(1, "ada", "before the restart"), (2, "bob", "me too")]
    assert second.call("messages", "append", ["ada", "after"]) == 3
    assert second.call("messages", "count", []) == 3


def test_messages_survive_a_redeploy(host: WasmHost) -> None:
    host.call("messages", "append", ["ada", "kept"])
    host.deploy("messages", module("messages"))
    assert texts(host.call("messages", "list", [])) == [(1, "ada", "kept")]


def test_a_full_page_of_long_messages(host: WasmHost) -> None:
    for i in range(200):
        host.call("messages", "append", ["bulk", f"{i:04d}" + "y" * 1020])
    page = host.call("messages", "list", [0, 200])
    assert [m["id"] for m in page] == list(range(1, 201))
    assert page[-1]["text"] == "0199" + "y" * 1020
    assert len(host.call("messages", "list", [])) == 50  # the default limit


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["", "text"], "author must be 1 to 64 bytes long"),
        (["a" * 65, "text"], "author must be 1 to 64 bytes long"),
        (["ada", ""], "text must be 1 to 1024 bytes long"),
        (["ada", "x" * 1025], "text must be 1 to 1024 bytes long"),
        (["ada"], "missing argument 2 (text)"),
        (["ada", 5], "argument 2: expected text, got integer"),
    ],
)
def test_bad_appends_are_refused_and_store_nothing(host: WasmHost, args: list[object], message: str) -> None:
    error = call_error(host, "messages", "append", args)
    assert (error.ret_code, error.message) == (ERR_ARGS, message)
    assert host.call("messages", "count", []) == 0


@pytest.mark.parametrize("args", [[-1], [0, 201], [0, -1], ["1"]])
def test_bad_list_arguments(host: WasmHost, args: list[object]) -> None:
    assert call_error(host, "messages", "list", args).ret_code == ERR_ARGS


def test_a_full_store_drops_the_oldest_page_and_keeps_the_newest(make_host: Callable[..., WasmHost]) -> None:
    # A 32-message page of 400-byte texts takes about 14 KB; the quota fits one page and a bit.
    host = make_host(kv_limits=KVLimits(max_total_bytes=16_000))
    host.deploy("messages", module("messages"))
    for i in range(1, 41):
        assert host.call("messages", "append", ["bot", f"{i:03d}" + "z" * 397]) == i
    kept = [m["id"] for m in host.call("messages", "list", [0, 200])]
    assert kept == list(range(33, 41))  # page 0 (ids 1..32) was dropped, page 1 kept
    assert host.call("messages", "count", []) == 8
    assert host.call("messages", "list", [35, 1])[0]["text"].startswith("036")
    assert host.call("messages", "append", ["bot", "next"]) == 41


def test_a_store_too_small_for_one_page_refuses_appends(make_host: Callable[..., WasmHost]) -> None:
    host = make_host(kv_limits=KVLimits(max_total_bytes=2_000))
    host.deploy("messages", module("messages"))
    ids = []
    with pytest.raises(ServiceError) as info:
        for _ in range(10):
            ids.append(host.call("messages", "append", ["bot", "q" * 400]))
    assert info.value.ret_code == ERR_SERVICE
    assert "full" in info.value.message
    assert [m["id"] for m in host.call("messages", "list", [])] == ids and ids


def test_a_lost_meta_write_is_repaired_by_the_next_append(
    make_host: Callable[..., WasmHost], state_dir: Path
) -> None:
    host = make_host()
    host.deploy("messages", module("messages"))
    for i in range(40):
        host.call("messages", "append", ["bot", f"m{i + 1}"])
    host.close()
    # Roll meta back to before page 1 was started, as if its write had been lost.
    with KVStore(state_dir / KV_DIR / "messages") as kv:
        kv.put(b"meta", cbor2.dumps([0, 1]))

    host = make_host()
    host.deploy("messages", module("messages"))
    assert host.call("messages", "count", []) == 40
    assert host.call("messages", "append", ["bot", "m41"]) == 41
    assert [m["text"] for m in host.call("messages", "list", [38])] == ["m39", "m40", "m41"]
