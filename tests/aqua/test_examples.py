"""docs/examples/*.aqua compile and run on the simulator as their comments say.

greet-and-hash.aqua must behave as greet-and-hash.air; messages.aqua posts to one device
and gathers every device's board with `for ... par` and `join`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any, Callable

from edge_agent.aqua import compile_file
from edge_agent.sim import Network

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
PEERS = ["laptop", "kitchen", "garage", "attic"]
Handler = Callable[[str, list[Any]], Any]


def greeting(function: str, args: list[Any]) -> Any:
    return f"Hello, {args[0]}!"


def hashing(function: str, args: list[Any]) -> Any:
    return hashlib.sha256(args[0].encode()).hexdigest()


def board(peer: str) -> Handler:
    """An in-memory stand-in for firmware_services/messages on `peer`."""
    kept: list[dict[str, Any]] = []

    def serve(function: str, args: list[Any]) -> Any:
        if function == "append":
            kept.append({"id": len(kept) + 1, "author": args[0], "peer": "laptop", "text": args[1],
                         "ts": 1_700_000_000_000})
            return len(kept)
        since, limit = args
        return [m for m in kept if m["id"] > since][:limit]

    return serve


def network() -> Network:
    net = Network(PEERS)
    for peer in PEERS[1:]:
        net.add_service(peer, "greeting", greeting)
        net.add_service(peer, "hash", hashing)
        net.add_service(peer, "messages", board(peer))
    return net


def test_greet_and_hash_in_aqua_does_what_the_air_example_does() -> None:
    data = {"greeter": "kitchen", "hasher": "garage", "name": "Ada"}
    air = (EXAMPLES / "greet-and-hash.air").read_text(encoding="utf-8")
    want = network().run(air, init_peer="laptop", data=data)
    ours = compile_file(EXAMPLES / "greet-and-hash.aqua", relay=False)
    got = network().run(ours, init_peer="laptop", data=data)
    assert want.responses == [["Hello, Ada!", hashlib.sha256(b"Hello, Ada!").hexdigest()]]
    assert got.responses == want.responses
    assert got.errors == [] and got.hops <= want.hops


def test_messages_post_and_gather() -> None:
    net = network()
    post = compile_file(EXAMPLES / "messages.aqua", "post", relay=False)
    gather = compile_file(EXAMPLES / "messages.aqua", "gather", relay=False)
    for device, text in [("kitchen", "hello kitchen"), ("garage", "hello garage"), ("kitchen", "again")]:
        result = net.run(post, init_peer="laptop", data={"device": device, "author": "Ada", "text": text})
        assert result.errors == [] and len(result.responses) == 1
    assert result.responses == [[2]]
    result = net.run(gather, init_peer="laptop", data={"devices": ["kitchen", "garage", "attic"]})
    assert result.errors == []
    (boards,) = result.responses[0]
    texts = sorted([m["text"] for m in b] for b in boards)
    assert texts == [[], ["hello garage"], ["hello kitchen", "again"]]
