"""Hop tags: the keys two peers agree on from their identities, and what a tag spares a node
(its Ed25519 checks of a copy that came straight from its signer), through real CoAP."""

from __future__ import annotations

from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from edge_agent import particle
from edge_agent.hop import HOP_TAG_BYTES, HopKeys
from edge_agent.identity import KeyPair, peer_id_from_public_key
from tests.test_node import agent_client_stranger, call, call_on, counters, run, start_and_wait

BODY = b"\xa4some particle bytes"


def test_a_tag_proves_its_sender_to_its_receiver_alone() -> None:
    a, b, c = KeyPair.generate(), KeyPair.generate(), KeyPair.generate()
    keys = {pair.peer_id: HopKeys(pair) for pair in (a, b, c)}
    tag = keys[a.peer_id].tag(b.peer_id, BODY)
    assert tag is not None and len(tag) == HOP_TAG_BYTES
    assert keys[b.peer_id].sent_by(a.peer_id, BODY, tag)
    assert not keys[b.peer_id].sent_by(a.peer_id, BODY + b"x", tag)  # other bytes
    assert not keys[b.peer_id].sent_by(c.peer_id, BODY, tag)  # another sender
    assert not keys[c.peer_id].sent_by(a.peer_id, BODY, tag)  # passed on to a third peer
    assert not keys[a.peer_id].sent_by(b.peer_id, BODY, tag)  # reflected back to its sender
    assert not keys[b.peer_id].sent_by(a.peer_id, BODY, tag[:-1])
    # Each direction has its own key: b's tag for a is not a's for b.
    assert keys[b.peer_id].tag(a.peer_id, BODY) != tag


def test_no_key_with_what_is_not_a_peer_id_or_no_usable_point() -> None:
    keys = HopKeys(KeyPair.generate())
    assert keys.tag("not a peer id", BODY) is None
    assert not keys.sent_by("not a peer id", BODY, bytes(HOP_TAG_BYTES))
    small_order = peer_id_from_public_key(b"\x01" + bytes(31))  # the identity point: a known secret
    assert keys.tag(small_order, BODY) is None


def test_keys_are_kept_for_a_bounded_number_of_peers() -> None:
    keys = HopKeys(KeyPair.generate(), max_peers=3)
    peers = [KeyPair.generate().peer_id for _ in range(5)]
    for peer in peers:
        keys.tag(peer, BODY)
    assert len(keys) == 3
    with pytest.raises(ValueError):
        HopKeys(KeyPair.generate(), max_peers=0)


def test_a_hop_tag_spares_the_checks_of_a_copy_that_came_from_its_signer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The laptop's particle to a device that trusts it, and the device's answer back: each
    came straight from the peer that signed it (the particle) or sealed it (the answer), as
    its hop tag proves, so neither side makes an Ed25519 check. A copy whose tag does not
    hold is checked as before; a stranger's tag is not even looked at."""
    checked: list[tuple[str, str]] = []
    real_is_signed, real_verify = particle.is_signed, particle.verify_signature

    def counting_is_signed(p: particle.Particle) -> bool:
        checked.append(("signature", p.init_peer_id))
        return real_is_signed(p)

    def counting_verify(peer_id: str, message: bytes, signature: bytes) -> bool:
        checked.append(("seal", peer_id))
        return real_verify(peer_id, message, signature)

    monkeypatch.setattr(particle, "is_signed", counting_is_signed)
    monkeypatch.setattr(particle, "verify_signature", counting_verify)

    async def go() -> None:
        async with AsyncExitStack() as stack:
            agent, laptop, stranger = await agent_client_stranger(stack, tmp_path)
            agent.state.trust(laptop.peer_id)
            agent._trust.refresh()

            done = await start_and_wait(laptop, call_on(agent.peer_id, "op", "noop"))
            assert done.client.responses == [[""]]
            assert checked == []
            assert counters(agent)["sender_proven"] == 1 and counters(laptop)["sender_proven"] == 1
            # A copy of several blocks (Block1) carries its tag too, and so does an answer
            # too large for the response (its own POST back).
            big = "x" * 3000
            done = await call(laptop, agent.peer_id, "op", "identity", big)
            assert done.client.responses == [[big]]
            assert checked == []
            assert counters(agent)["sender_proven"] == 2 and counters(laptop)["sender_proven"] == 2
            # A peer with no address gets no tag: no key is agreed with a made-up peer id.
            nowhere = KeyPair.generate().peer_id
            done = await start_and_wait(laptop, call_on(nowhere, "op", "noop"))
            assert done.client.errors and len(laptop._hop) == 1  # the agent's key alone

            # A tag that does not hold (bytes changed on the way, or a forger's): checked.
            monkeypatch.setattr(laptop._hop, "tag", lambda peer_id, body: bytes(HOP_TAG_BYTES))
            done = await start_and_wait(laptop, call_on(agent.peer_id, "op", "noop"))
            assert done.client.responses == [[""]]
            assert checked == [("signature", laptop.peer_id), ("seal", laptop.peer_id)]  # its invitation
            assert counters(agent)["sender_unproven"] == 1 and counters(laptop)["sender_proven"] == 3

            # A stranger's copy: its tag would hold, but checking it would cost an X25519.
            checked.clear()
            done = await start_and_wait(stranger, call_on(agent.peer_id, "op", "noop"))
            assert done.client.responses == [[""]]
            assert checked == [("signature", stranger.peer_id), ("seal", stranger.peer_id)]
            assert counters(agent)["sender_unproven"] == 2 and counters(stranger)["sender_proven"] == 1

    run(go())
