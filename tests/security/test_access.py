"""Attack 7 of issue 8, "anyone may call anything", through real agents on loopback.

Each service has an access rule set at deploy (public, trusted, or a list of peer ids); a
call the rule does not admit fails with ret_code 13 and never reaches the Wasm worker; a
service reads its caller through `ea_caller`; devices a trusted laptop enrolled call each
other's ``trusted`` services, and a device whose certificate expired or was signed by a peer
the callee does not trust cannot. The deploys, enrolments and calls are particles between
real `Node`s with real wasm3 workers.
"""

from __future__ import annotations

import hashlib
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from edge_agent.access import Membership
from edge_agent.clock import now_ms
from edge_agent.node import Node, Run
from edge_agent.services.base import RET_BAD_REQUEST, RET_NOT_AUTHORISED
from tests.test_node import call, introduce, run, start_node

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services" / "build"
MODULES = Path(__file__).resolve().parents[1] / "services" / "wasm" / "modules"
WHO = (MODULES / "caller.wasm").read_bytes()
MESSAGES = (FIRMWARE / "messages.wasm").read_bytes()
DAY_MS = 86_400_000


def value(done: Run) -> Any:
    """The one value a `call` returned (failing the test with the error if it failed)."""
    assert done.client.errors == [], done.client.errors
    [[result]] = done.client.responses
    return result


def refusal(done: Run) -> str:
    """The message of a call refused with ret_code 13."""
    [[error]] = done.client.errors
    assert f"ret_code is {RET_NOT_AUTHORISED}," in error["message"], error
    return str(error["message"])


async def deploy(
    laptop: Node, device: Node, name: str, wasm: bytes, access: Any = None, *, update: bool = False
) -> dict[str, Any]:
    """Deploy `wasm` as `name` on `device` from `laptop`, as `edge-agent deploy [--update]` does."""
    sha = laptop.offer_module(wasm)
    options = {"update": True, "watch_ms": 0} if update else {}
    args: list[Any] = [name, sha, {}] + ([] if access is None else [{"access": access, **options}])
    return value(await call(laptop, device.peer_id, "srv", "deploy", *args, ttl_ms=30_000))  # type: ignore[no-any-return]


async def enroll(laptop: Node, device: Node, *, days: int = 30) -> Run:
    """`edge-agent enroll DEVICE` from `laptop`: a certificate signed by it, stored on the device."""
    certificate = Membership.issue(laptop.keypair, device.peer_id, now_ms() + days * DAY_MS)
    return await call(laptop, device.peer_id, "srv", "enroll", certificate.to_json())


def test_a_trusted_service_serves_the_trusted_laptop_and_refuses_a_stranger(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            laptop = await start_node(stack, tmp_path / "laptop")
            stranger = await start_node(stack, tmp_path / "stranger")
            introduce(device, laptop, stranger)
            device.state.trust(laptop.peer_id)
            assert (await deploy(laptop, device, "who", WHO))["access"] == "trusted"  # the default
            await deploy(laptop, device, "messages", MESSAGES)

            # The laptop is served, and the service learns who called it.
            assert value(await call(laptop, device.peer_id, "who", "whoami")) == laptop.peer_id
            assert value(await call(laptop, device.peer_id, "messages", "append", "ada", "hi")) == 1

            # A stranger is refused with a message that says what to do, before the worker:
            # its append never ran.
            message = refusal(await call(stranger, device.peer_id, "messages", "append", "eve", "spam"))
            assert f"not authorised: {stranger.peer_id} may not call service 'messages'" in message
            assert f"on the device: edge-agent trust add {stranger.peer_id}" in message
            refusal(await call(stranger, device.peer_id, "messages", "list"))
            [only] = value(await call(laptop, device.peer_id, "messages", "list"))
            assert (only["author"], only["peer"], only["text"]) == ("ada", laptop.peer_id, "hi")

            # srv.list shows a caller what it may call; the laptop sees all.
            assert value(await call(stranger, device.peer_id, "srv", "list")) == []
            listed = value(await call(laptop, device.peer_id, "srv", "list"))
            assert [(s["name"], s["access"]) for s in listed] == [("messages", "trusted"), ("who", "trusted")]
            refusal(await call(stranger, device.peer_id, "srv", "info", "who"))

            # The device itself is always admitted.
            assert value(await call(device, device.peer_id, "who", "whoami")) == device.peer_id

    run(go(), timeout=90)


def test_public_serves_anyone_and_a_peer_list_exactly_those_peers(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            device = await start_node(stack, tmp_path / "device")
            laptop = await start_node(stack, tmp_path / "laptop")
            friend = await start_node(stack, tmp_path / "friend")
            stranger = await start_node(stack, tmp_path / "stranger")
            introduce(device, laptop, friend, stranger)
            device.state.trust(laptop.peer_id)
            await deploy(laptop, device, "open", WHO, "public")
            described = await deploy(laptop, device, "listed", WHO, [friend.peer_id])
            assert described["access"] == friend.peer_id

            assert value(await call(stranger, device.peer_id, "open", "whoami")) == stranger.peer_id
            assert value(await call(friend, device.peer_id, "listed", "whoami")) == friend.peer_id
            message = refusal(await call(stranger, device.peer_id, "listed", "whoami"))
            assert f"--access {friend.peer_id},{stranger.peer_id}" in message
            # Exactly those: trusting the laptop does not add it to a list that does not name it.
            refusal(await call(laptop, device.peer_id, "listed", "whoami"))

            assert [s["name"] for s in value(await call(stranger, device.peer_id, "srv", "list"))] == ["open"]
            seen = value(await call(friend, device.peer_id, "srv", "list"))
            assert [s["name"] for s in seen] == ["listed", "open"]
            assert len(value(await call(laptop, device.peer_id, "srv", "list"))) == 2  # trusted: sees all

            # A redeploy sets the rule anew; the registry keeps it across a restart.
            await deploy(laptop, device, "listed", WHO, f"{friend.peer_id},{stranger.peer_id}", update=True)
            assert value(await call(stranger, device.peer_id, "listed", "whoami")) == stranger.peer_id
            records = device.state.services()
            assert records["open"].access.text == "public"
            assert records["listed"].access.text == ",".join(sorted([friend.peer_id, stranger.peer_id]))

            # A bad rule is refused before anything is fetched or stored.
            done = await call(laptop, device.peer_id, "srv", "deploy", "x", hashlib.sha256(b"x").hexdigest(),
                              {}, {"access": "everyone"})
            assert f"ret_code is {RET_BAD_REQUEST}," in done.client.errors[0][0]["message"]

    run(go(), timeout=90)


def test_enrolled_devices_call_each_others_trusted_services(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            kitchen = await start_node(stack, tmp_path / "kitchen")
            garage = await start_node(stack, tmp_path / "garage")
            shed = await start_node(stack, tmp_path / "shed")  # trusts the laptop, never enrolled
            introduce(laptop, kitchen, garage, shed)
            for device in (kitchen, garage, shed):
                device.state.trust(laptop.peer_id)
            await deploy(laptop, garage, "who", WHO)

            # Not enrolled yet: refused, and remembered for a while without asking again.
            refusal(await call(kitchen, garage.peer_id, "who", "whoami"))
            assert garage.services.fleet.counters == {"fetches": 1, "members": 0, "refused": 1}

            enrolled = value(await enroll(laptop, kitchen))
            assert (enrolled["member"], enrolled["by"]) == (kitchen.peer_id, laptop.peer_id)
            assert [c.by for c in kitchen.state.memberships()] == [laptop.peer_id]
            garage.services.fleet._refused.clear()  # as if MEMBERSHIP_REFUSED_TTL_S had passed
            assert value(await call(kitchen, garage.peer_id, "who", "whoami")) == kitchen.peer_id
            assert value(await call(kitchen, garage.peer_id, "who", "whoami")) == kitchen.peer_id
            assert garage.services.fleet.counters["fetches"] == 2  # the certificate is kept
            # An enrolled device sees what it may call; it may not deploy or enroll.
            assert [s["name"] for s in value(await call(kitchen, garage.peer_id, "srv", "list"))] == ["who"]
            refusal(await call(kitchen, garage.peer_id, "srv", "remove", "who"))
            refusal(await enroll(kitchen, shed))

            # A device nobody enrolled is still refused.
            refusal(await call(shed, garage.peer_id, "who", "whoami"))

            # Removing the laptop from the trust list revokes the devices it enrolled.
            garage.state.distrust(laptop.peer_id)
            garage._trust.refresh()
            refusal(await call(kitchen, garage.peer_id, "who", "whoami"))

    run(go(), timeout=90)


def test_a_restarted_device_admits_the_devices_it_verified_without_asking_them(tmp_path: Path) -> None:
    """After a restart a device asked every enrolled caller for its certificate again, 16 at
    a time: a fleet calling at once, or strangers keeping those fetches busy, got refusals."""

    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            kitchen = await start_node(stack, tmp_path / "kitchen")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, kitchen, garage)
            for device in (kitchen, garage):
                device.state.trust(laptop.peer_id)
            await deploy(laptop, garage, "who", WHO)
            value(await enroll(laptop, kitchen))
            assert value(await call(kitchen, garage.peer_id, "who", "whoami")) == kitchen.peer_id
            assert garage.services.fleet.counters["fetches"] == 1
            await garage.stop()

            garage = await start_node(stack, tmp_path / "garage")  # the same state dir
            introduce(laptop, kitchen, garage)
            assert value(await call(kitchen, garage.peer_id, "who", "whoami")) == kitchen.peer_id
            assert garage.services.fleet.counters == {"fetches": 0, "members": 0, "refused": 0}

    run(go(), timeout=90)


def test_an_expired_or_foreign_certificate_admits_nothing(tmp_path: Path) -> None:
    async def go() -> None:
        async with AsyncExitStack() as stack:
            laptop = await start_node(stack, tmp_path / "laptop")
            other = await start_node(stack, tmp_path / "other-laptop")  # garage does not trust it
            kitchen = await start_node(stack, tmp_path / "kitchen")
            porch = await start_node(stack, tmp_path / "porch")
            garage = await start_node(stack, tmp_path / "garage")
            introduce(laptop, other, kitchen, porch, garage)
            garage.state.trust(laptop.peer_id)
            kitchen.state.trust(laptop.peer_id)
            porch.state.trust(other.peer_id)
            await deploy(laptop, garage, "who", WHO)

            # kitchen holds a certificate of the laptop's that expired (written as if long ago).
            expired = Membership.issue(laptop.keypair, kitchen.peer_id, now_ms() - 1)
            kitchen.state.put_membership(expired, 0)
            message = refusal(await call(kitchen, garage.peer_id, "who", "whoami"))
            assert "edge-agent enroll DEVICE" in message
            # A device refuses to store one, too.
            done = await call(laptop, kitchen.peer_id, "srv", "enroll", expired.to_json())
            assert "the certificate has expired" in done.client.errors[0][0]["message"]

            # porch was enrolled by a laptop garage does not trust.
            value(await enroll(other, porch))
            refusal(await call(porch, garage.peer_id, "who", "whoami"))
            assert garage.services.fleet.counters["members"] == 0

            # Only a trusted peer enrolls, only with its own signature, only this device.
            refusal(await enroll(other, kitchen))
            for certificate, why in (
                (Membership.issue(laptop.keypair, garage.peer_id, now_ms() + DAY_MS), "is for"),
                (Membership.issue(other.keypair, kitchen.peer_id, now_ms() + DAY_MS), "is signed for"),
            ):
                done = await call(laptop, kitchen.peer_id, "srv", "enroll", certificate.to_json())
                assert why in done.client.errors[0][0]["message"]
            forged = {**Membership.issue(laptop.keypair, kitchen.peer_id, now_ms() + DAY_MS).to_json()}
            forged["expires_ms"] += 1  # the signature no longer covers it
            done = await call(laptop, kitchen.peer_id, "srv", "enroll", forged)
            assert "the signature is not" in done.client.errors[0][0]["message"]
            assert kitchen.state.memberships() == [expired]

    run(go(), timeout=90)
