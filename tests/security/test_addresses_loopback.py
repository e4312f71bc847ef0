"""Addresses are proven, not believed (issue 8): real `Node`s on loopback, discovery off.

An impostor is another agent (its own key) at an address the book was told belongs to the
real peer -- as a stranger's mDNS announcement or `?from=` hint would tell it. It must get
no particle, while the real peer gets every one: the laptop's calls, and the answers a device
sends back to the laptop.
"""

from __future__ import annotations

import time
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

from edge_agent.net.addressbook import Address, Source
from edge_agent.net.proof import PROOF_PATH
from edge_agent.particle import Particle
from tests.net.test_proof import RelayingImpostor
from tests.test_node import LOCAL, call_on, counters, run, start_and_wait, start_node


def test_an_impostor_claiming_a_devices_id_gets_no_particle(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            laptop = await start_node(stack, tmp_path / "laptop")
            impostor = await start_node(stack, tmp_path / "impostor")
            relaying = await start_node(stack, tmp_path / "relaying")
            # The relaying impostor passes our challenges on to the real device.
            relaying.server.remove_resource(PROOF_PATH)
            relay = RelayingImpostor(relaying.client, Address(LOCAL, device.port))
            relaying.server.add_resource(PROOF_PATH, relay)
            # Both impostors' claims come first: static, as a typo'd or poisoned config would.
            for fake in (impostor, relaying):
                laptop.book.add(device.peer_id, Address(LOCAL, fake.port), Source.STATIC)
            laptop.book.add(device.peer_id, Address(LOCAL, device.port), Source.MDNS)
            for _ in range(4):
                done = await start_and_wait(laptop, call_on(device.peer_id, "peer", "identify"))
                assert done.client.errors == []
                assert [r["peer_id"] for [r] in done.client.responses] == [device.peer_id]
            assert counters(device)["received"] == 4
            assert counters(impostor).get("received", 0) == 0
            assert counters(relaying).get("received", 0) == 0
            assert relay.asked == 1  # refuted once, then not asked again
            # Each claim was challenged once; the real device's proof is cached.
            assert laptop.prover.counters["challenges"] == 3
            assert laptop.prover.counters["proven"] == 1

    run(go())


def test_a_poisoned_hint_does_not_divert_the_answer_to_the_laptop(tmp_path: Path) -> None:
    """A stranger's own particle POSTed as `?from=<laptop>` does not put its address among the
    laptop's; and told so anyway (here by hand, as the preferred address), the device's
    answer still reaches the laptop, and the stranger gets nothing."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            device.server.reply_wait_s = 0  # the answer travels as its own POST, to an address
            laptop = await start_node(stack, tmp_path / "laptop")
            stranger = await start_node(stack, tmp_path / "stranger")
            laptop.book.add(device.peer_id, Address(LOCAL, device.port), Source.STATIC)
            # The stranger's own, well-signed particle, sent to the device as "from the laptop".
            own = Particle.create(
                stranger.keypair, "(null)", ttl_ms=30_000, timestamp_ms=int(time.time() * 1000),
                id=str(uuid.uuid4()),
            )
            sent = await stranger.client.send_particle(
                Address(LOCAL, device.port), own.encode(),
                deadline_ms=own.deadline_ms, sender=laptop.peer_id,
            )
            assert sent.ok
            # The hint names a peer that had no part in the particle: not taken.
            assert device.book.lookup(laptop.peer_id) == ()
            device.book.add(laptop.peer_id, Address(LOCAL, stranger.port), Source.STATIC)
            done = await start_and_wait(laptop, call_on(device.peer_id, "peer", "identify"))
            assert [r["peer_id"] for [r] in done.client.responses] == [device.peer_id]
            assert counters(stranger).get("received", 0) == 0
            assert device.book.is_refuted(laptop.peer_id, Address(LOCAL, stranger.port))

    run(go())
