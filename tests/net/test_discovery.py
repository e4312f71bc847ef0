"""Discovery: options, and hostile announcements fed by hand (no network; the TXT rules
themselves: test_discovery_txt.py), then real mDNS on loopback — two agents find each
other, a goodbye removes one, a stranger is ignored.

The loopback tests use a random service type each, so concurrent test runs on this machine
never see each other's instances.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
import time
from collections.abc import Coroutine
from typing import Any

import pytest
from zeroconf import IPVersion, ServiceInfo, ServiceStateChange
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from edge_agent import const
from edge_agent.identity import KeyPair
from edge_agent.net import discovery as disc
from edge_agent.net.addressbook import Address, AddressBook, ChangeKind, PeerChange, Source
from edge_agent.net.discovery import SERVICE_TYPE, Discovery, DiscoveryError, State
from edge_agent.net.discovery_txt import txt_value

IDS = [KeyPair.from_seed(bytes([0x40 + i]) * 32).peer_id for i in range(4)]
ME, OTHER, THIRD = IDS[:3]
TYPE = SERVICE_TYPE


def run(coro: Coroutine[Any, Any, Any], timeout: float = 60.0) -> Any:
    """Run `coro` on a fresh loop, failing if it takes longer than `timeout` seconds (a
    bound for a hang, wide enough for a Raspberry Pi)."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def unique_type() -> str:
    return f"_ea-{secrets.token_hex(4)}._udp.local."  # service name: 12 of 15 bytes


def make_info(
    name: str = "other",
    *,
    peer_id: str | None = OTHER,
    port: int | None = 5683,
    addresses: list[str] | None = None,
    properties: dict[str, Any] | bytes | None = None,
    service_type: str = TYPE,
    interface_index: int | None = None,
) -> ServiceInfo:
    if properties is None:
        properties = {"txtvers": "1", "v": "9.9", "proto": "coap"}
        if peer_id is not None:
            properties["id"] = peer_id
    return ServiceInfo(
        service_type,
        f"{name}.{service_type}",
        port=port,
        properties=properties,
        server=f"{name}.local.",
        parsed_addresses=addresses if addresses is not None else ["10.0.0.2"],
        interface_index=interface_index,
    )


@pytest.fixture
def running() -> Discovery:
    """A Discovery in the RUNNING state without sockets, to feed announcements by hand."""
    d = Discovery(ME, 5683, AddressBook(), instance_name="me")
    d._state = State.RUNNING  # white box: no zeroconf needed to test the validation path
    return d


# --- construction and our own TXT ------------------------------------------------------------


@pytest.mark.parametrize("extra", [{"id": "x"}, {"k": 5}])
def test_bad_extra_txt_is_refused(extra: dict[str, Any]) -> None:
    with pytest.raises(DiscoveryError):
        Discovery(ME, 5683, properties=extra)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"peer_id": "nope"},
        {"port": 0},
        {"port": 70000},
        {"port": True},
        {"ip_version": "v5"},
        {"interfaces": "eth0"},
        {"interfaces": []},
        {"instance_name": "a.b"},
        {"instance_name": "x" * 64},
        {"instance_name": "bell\x07"},
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, Any]) -> None:
    args: dict[str, Any] = {"peer_id": ME, "port": 5683, **kwargs}
    with pytest.raises(DiscoveryError):
        Discovery(args.pop("peer_id"), args.pop("port"), **args)


def test_discovery_errors_are_local_errors() -> None:
    from edge_agent.errors import LocalError

    assert issubclass(DiscoveryError, LocalError)


def test_default_instance_name_fits_a_label() -> None:
    d = Discovery(ME, 5683)
    instance = d.instance_name[: -len(TYPE) - 1]
    assert instance.endswith(ME[-8:])
    assert len(instance.encode()) <= const.DISCOVERY_MAX_INSTANCE_NAME_BYTES


def test_unknown_interface_is_a_clear_error() -> None:
    d = Discovery(ME, 5683, interfaces=["no-such-if0"])
    with pytest.raises(DiscoveryError, match="no-such-if0"):
        run(d.start())
    assert d.state is State.NEW  # a failed start may be retried (e.g. once the network is up)


# --- resolved announcements → address book ---------------------------------------------------


def test_valid_announcement_feeds_the_book(running: Discovery) -> None:
    changes: list[PeerChange] = []
    running.book.subscribe(changes.append)
    info = make_info(addresses=["fe80::1", "10.0.0.2"], interface_index=2)
    running._accept(f"other.{TYPE}", info)
    # IPv4 first; link-local addresses carry the interface they were heard on
    expected = (Address("10.0.0.2", 5683), Address("fe80::1%2", 5683))
    assert running.peers() == {OTHER: expected}
    assert running.book.lookup(OTHER) == expected
    assert [e.source for e in running.book.entries(OTHER)] == [Source.MDNS] * 2
    assert running.instances()[0].version == "9.9"
    assert changes == [PeerChange(OTHER, ChangeKind.ADDED, expected)]
    assert running.timings.first_peer_s is not None


def test_goodbye_removes_the_peer(running: Discovery) -> None:
    name = f"other.{TYPE}"
    running.book.add(OTHER, Address("192.168.1.5", 5683), Source.STATIC)
    running._accept(name, make_info())
    running._on_service_state_change(
        zeroconf=None, service_type=TYPE, name=name, state_change=ServiceStateChange.Removed
    )
    assert running.peers() == {}
    # the static address is not discovery's to remove
    assert running.book.lookup(OTHER) == (Address("192.168.1.5", 5683),)


def test_two_instances_of_one_peer_are_merged(running: Discovery) -> None:
    running._accept(f"a.{TYPE}", make_info("a", addresses=["10.0.0.2"]))
    running._accept(f"b.{TYPE}", make_info("b", addresses=["10.0.0.3"]))
    assert set(running.book.lookup(OTHER)) == {Address("10.0.0.2", 5683),
                                                Address("10.0.0.3", 5683)}
    running._handle_change(f"a.{TYPE}", ServiceStateChange.Removed)
    assert running.book.lookup(OTHER) == (Address("10.0.0.3", 5683),)


def test_a_flood_of_one_peer_ids_names_leaves_room_for_others(running: Discovery) -> None:
    for i in range(const.ADDRESSBOOK_MAX_PEERS):  # a stranger's names, all of one id
        info = make_info(f"s{i}", peer_id=THIRD, addresses=[f"10.1.{i // 250}.{i % 250}"])
        running._accept(info.name, info)
    assert len(running.instances()) == const.DISCOVERY_MAX_INSTANCES_PER_PEER
    running._accept(f"kitchen.{TYPE}", make_info("kitchen"))  # a device that joins later
    assert OTHER in running.peers()


def test_a_full_table_lets_go_of_peers_the_book_let_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(const, "ADDRESSBOOK_MAX_PEERS", 3)
    book = AddressBook(max_peers=2)
    d = Discovery(ME, 5683, book, instance_name="me")
    d._state = State.RUNNING
    strangers = [KeyPair.generate().peer_id for _ in range(3)]
    for n, peer in enumerate(strangers):
        d._accept(f"s{n}.{TYPE}", make_info(f"s{n}", peer_id=peer))
    let_go = [peer for peer in strangers if peer not in book]  # the book holds two
    assert len(d.instances()) == 3 and len(let_go) == 1
    d._accept(f"kitchen.{TYPE}", make_info("kitchen"))
    assert {i.peer_id for i in d.instances()} == set(strangers) - set(let_go) | {OTHER}


def test_changed_peer_id_moves_the_addresses(running: Discovery) -> None:
    name = f"x.{TYPE}"
    running._accept(name, make_info("x", peer_id=OTHER))
    running._accept(name, make_info("x", peer_id=THIRD))
    assert OTHER not in running.book and THIRD in running.book


def test_announcement_turning_bad_forgets_the_instance(running: Discovery) -> None:
    name = f"x.{TYPE}"
    running._accept(name, make_info("x"))
    running._accept(name, make_info("x", peer_id="garbage"))
    assert running.peers() == {} and OTHER not in running.book


@pytest.mark.parametrize(
    ("info", "why"),
    [
        (make_info(peer_id="not-a-peer-id!"), "malformed id"),
        (make_info(peer_id=None), "malformed id"),
        (make_info(peer_id="Qm" + "1" * 44), "malformed id"),
        (make_info(properties={"id": OTHER.encode() + b"\xff"}), "malformed id"),
        (make_info(peer_id="1" * 200), "malformed id"),
        (make_info(properties={"id": OTHER, "proto": "http"}), "proto"),
        (make_info(port=0), "port"),
        (make_info(properties=b"".join(bytes([200]) + b"k" * 200 for _ in range(8))), "TXT record"),
        (make_info(properties={f"k{i}": "v" for i in range(40)} | {"id": OTHER}), "TXT keys"),
    ],
)
def test_hostile_announcements_are_ignored_and_logged_once(
    running: Discovery, caplog: pytest.LogCaptureFixture, info: ServiceInfo, why: str
) -> None:
    caplog.set_level(logging.DEBUG, logger="edge_agent.net.discovery")
    for _ in range(5):
        running._accept(info.name, info)
    assert running.peers() == {} and len(running.book) == 0
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, caplog.text
    assert why in warnings[0].getMessage()
    assert sum(why in r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG) == 4


def test_bad_version_keeps_the_peer(running: Discovery, caplog: pytest.LogCaptureFixture) -> None:
    running._accept(f"o.{TYPE}", make_info(properties={"id": OTHER, "v": "x" * 100}))
    assert OTHER in running.book and running.instances()[0].version is None
    assert "malformed v=" in caplog.text


def test_own_id_is_ignored(running: Discovery, caplog: pytest.LogCaptureFixture) -> None:
    running._accept(f"me.{TYPE}", make_info("me", peer_id=ME))
    assert running.peers() == {}


def test_no_usable_address_is_ignored(running: Discovery) -> None:
    running._accept(f"o.{TYPE}", make_info(addresses=["fe80::1", "0.0.0.0"]))
    assert running.peers() == {}


@pytest.mark.parametrize(
    "name", ["x" * 100_000, "\udcff.bad", "", None, 42, f"{'a' * 70}.{TYPE}", "no-type"]
)
def test_callback_never_raises(running: Discovery, name: Any) -> None:
    async def feed() -> None:
        running._loop = asyncio.get_running_loop()
        for change in ServiceStateChange:
            running._on_service_state_change(
                zeroconf=None, service_type=TYPE, name=name, state_change=change
            )
        await asyncio.sleep(0)
        for task in running._resolves.tasks():
            task.cancel()
        await asyncio.sleep(0)

    run(feed())
    assert running.peers() == {}


def test_resolves_are_bounded_and_the_rest_wait_their_turn(
    running: Discovery, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """zeroconf tells of an instance once: one that finds every slot taken waits, and is
    resolved when a slot frees (dropped, it stayed unknown for as long as it was up)."""
    resolved: list[str] = []
    release = asyncio.Event()

    async def resolve(name: str) -> None:
        await release.wait()
        resolved.append(name)

    monkeypatch.setattr(running._resolves, "_resolve", resolve)
    limit, extra = const.DISCOVERY_MAX_PENDING_RESOLVES, 50

    async def flood() -> tuple[int, int]:
        running._loop = asyncio.get_running_loop()
        for i in range(limit + extra):
            running._handle_change(f"n{i}.{TYPE}", ServiceStateChange.Added)
        running._handle_change(f"n{limit}.{TYPE}", ServiceStateChange.Removed)  # gone: not resolved
        counts = len(running._resolves), running._resolves.waiting
        release.set()
        for _ in range(20):  # each round frees slots for the names waiting
            await asyncio.sleep(0)
        return counts

    assert run(flood()) == (limit, extra - 1)
    assert sorted(resolved) == sorted(f"n{i}.{TYPE}" for i in range(limit + extra) if i != limit)
    assert sum(r.levelno == logging.WARNING for r in caplog.records) == 1


# --- real mDNS on loopback -------------------------------------------------------------------


def test_two_agents_on_loopback_find_each_other_and_say_goodbye() -> None:
    stype = unique_type()
    threads_before = threading.active_count()

    async def scenario() -> dict[str, float]:
        a = Discovery(ME, 5701, interfaces=["lo"], ip_version="v4", service_type=stype)
        b = Discovery(OTHER, 5702, interfaces=["lo"], ip_version="v4", service_type=stype)
        t0 = time.monotonic()
        await asyncio.gather(a.start(), b.start())
        started = time.monotonic() - t0
        await a.start()  # idempotent
        found_a = await a.wait_for(OTHER, timeout=5)
        found_b = await b.wait_for(count=1, timeout=5)
        discovered = time.monotonic() - t0
        assert found_a == {OTHER: (Address("127.0.0.1", 5702),)}
        assert found_b == {ME: (Address("127.0.0.1", 5701),)}
        assert a.book.lookup(OTHER) == (Address("127.0.0.1", 5702),)
        assert a.instances()[0].version == disc.__version__
        assert a.registered and b.registered

        t1 = time.monotonic()
        stop = asyncio.ensure_future(b.stop())
        await a.wait_gone(OTHER, timeout=3)
        goodbye = time.monotonic() - t1
        await stop
        await b.stop()  # idempotent
        assert OTHER not in a.book and b.state is State.STOPPED and not b.registered
        assert len(b.book) == 0  # stop takes discovery's entries out of its own book
        with pytest.raises(DiscoveryError, match="create a new one"):
            await b.start()
        await a.stop()
        return {"start": started, "discover": discovered, "goodbye": goodbye,
                "stop": b.timings.stop_s or 0.0}

    timings = run(scenario())
    print("loopback timings (s):", {k: round(v, 3) for k, v in timings.items()})
    assert timings["goodbye"] < 1.0, "the goodbye should remove the peer at once"
    assert threading.active_count() == threads_before, "zeroconf left a thread running"


def test_stranger_with_malformed_id_is_ignored_on_the_wire(
    caplog: pytest.LogCaptureFixture,
) -> None:
    stype = unique_type()

    def stranger_warnings() -> list[str]:
        return [r.getMessage() for r in caplog.records
                if r.levelno == logging.WARNING and "stranger" in r.getMessage()]

    async def scenario() -> None:
        stranger = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        bad = AsyncServiceInfo(
            stype, f"stranger.{stype}", port=5703, server="stranger.local.",
            properties={"id": "<script>", "v": "1"}, parsed_addresses=["127.0.0.1"],
        )
        me = Discovery(ME, 5704, interfaces=["lo"], ip_version="v4", service_type=stype,
                       probe=False)
        good = Discovery(OTHER, 5705, interfaces=["lo"], ip_version="v4", service_type=stype,
                         probe=False)
        try:
            await me.start()
            await (await stranger.async_register_service(bad, cooperating_responders=True))
            await good.start()
            await me.wait_for(OTHER, timeout=5)
            for _ in range(100):  # until both have resolved the stranger (at most 5 s)
                if len(stranger_warnings()) >= 2:
                    break
                await asyncio.sleep(0.05)
            assert set(me.peers()) == {OTHER}
            with pytest.raises(TimeoutError, match="no 2 peer"):
                await me.wait_for(count=2, timeout=0.2)
        finally:
            await asyncio.gather(me.stop(), good.stop(), stranger.async_close())

    run(scenario())
    warnings = stranger_warnings()
    # once per Discovery (both browse), not once per announcement
    assert len(warnings) == 2 and all("malformed id" in w for w in warnings)


def test_wait_for_needs_exactly_one_target() -> None:
    d = Discovery(ME, 5683)
    with pytest.raises(ValueError):
        run(d.wait_for(timeout=1))
    with pytest.raises(ValueError):
        run(d.wait_for(OTHER, count=1, timeout=1))
    with pytest.raises(DiscoveryError):
        run(d.wait_registered())
    run(d.stop())  # never started: fine, and final
    assert d.state is State.STOPPED


def test_two_agents_announcing_one_name_are_both_announcers() -> None:
    """A squatter announces a device's instance name with its own id (no probing, no
    conflict resolution): resolving keeps one TXT record, `announced` shows both ids and
    both addresses."""
    stype = unique_type()

    async def scenario() -> None:
        squatter = AsyncZeroconf(interfaces=["127.0.0.1"], ip_version=IPVersion.V4Only)
        claim = AsyncServiceInfo(
            stype, f"garage.{stype}", port=5713, server="squatter.local.",
            properties={"id": THIRD, "proto": "coap"}, parsed_addresses=["127.0.0.1"],
        )
        me = Discovery(ME, 5714, interfaces=["lo"], ip_version="v4", service_type=stype, probe=False)
        garage = Discovery(OTHER, 5715, interfaces=["lo"], ip_version="v4", service_type=stype,
                           probe=False, instance_name="garage")
        try:
            await me.start()
            await garage.start()
            await (await squatter.async_register_service(claim, cooperating_responders=True))
            await me.wait_for(count=1, timeout=5)
            name = f"garage.{stype}"
            for _ in range(100):  # bounded: both answers arrive within a second
                if me.announced(name)[0] == {OTHER, THIRD}:
                    break
                await asyncio.sleep(0.02)
            ids, addresses = me.announced(name)
            assert ids == {OTHER, THIRD}
            assert {(a.host, a.port) for a in addresses} >= {("127.0.0.1", 5713), ("127.0.0.1", 5715)}
            assert me.announced(name.upper())[0] == {OTHER, THIRD}  # DNS names ignore case
            assert me.announced(f"nobody.{stype}") == (frozenset(), ())
        finally:
            await asyncio.gather(me.stop(), garage.stop(), squatter.async_close())

    run(scenario())


def test_txt_values_are_read_within_bounds() -> None:
    text = b"\x09txtvers=1\x07id=abcd\x02v="
    assert txt_value(text, b"id") == b"abcd"
    assert txt_value(text, b"v") == b""
    assert txt_value(text, b"proto") is None
    assert txt_value(b"\xff" + b"id=x", b"id") == b"x"  # a length past the end: cut
    assert txt_value(b"\x00" * 5000, b"id") is None


# --- what the journal gets (issue 11) -------------------------------------------------------


def test_cli_sessions_come_and_go_at_debug_devices_at_info(
    running: Discovery, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="edge_agent.net.discovery")
    cli, device = f"edge-agent-cli-abcdef123456.{TYPE}", f"kitchen.{TYPE}"
    running._accept(cli, make_info("edge-agent-cli-abcdef123456", peer_id=THIRD))
    running._accept(device, make_info("kitchen"))
    for name in (cli, device):
        running._handle_change(name, ServiceStateChange.Removed)
    levels = {(r.getMessage().split()[0], "cli" in r.getMessage()): r.levelno for r in caplog.records}
    assert levels == {
        ("discovered", True): logging.DEBUG, ("peer", True): logging.DEBUG,
        ("discovered", False): logging.INFO, ("peer", False): logging.INFO,
    }


def test_a_forgone_peer_is_not_waited_for_but_a_present_one_is_found(running: Discovery) -> None:
    running.forgo(THIRD)
    running.forgo(OTHER)
    running._accept(f"other.{TYPE}", make_info())

    async def main() -> None:
        with pytest.raises(TimeoutError):
            await running.wait_for(THIRD, timeout=60)  # at once: bounded by run()'s timeout
        assert OTHER in await running.wait_for(OTHER, timeout=60)

    run(main(), timeout=10)


def test_forgoing_a_peer_ends_a_wait_for_it_already_under_way(running: Discovery) -> None:
    """The CLI's run starts while a `--peers` id is looked up; a copy for it waits for mDNS,
    and gives up (error 14) as soon as the lookup does, not at its own deadline."""

    async def main() -> None:
        waiting = asyncio.get_running_loop().create_task(running.wait_for(THIRD, timeout=60))
        await asyncio.sleep(0.05)
        assert not waiting.done()
        running.forgo(THIRD)
        with pytest.raises(TimeoutError, match="looked for and not found"):
            await asyncio.wait_for(waiting, 5)

    run(main(), timeout=10)


# --- tags: announced, and announced again when they change (issue 13) ------------------------


def test_changed_properties_are_announced_again_and_peers_see_the_new_tags() -> None:
    stype = unique_type()

    async def scenario() -> None:
        a = Discovery(ME, 5711, interfaces=["lo"], ip_version="v4", service_type=stype,
                      properties={"tags": "kitchen"})
        b = Discovery(OTHER, 5712, interfaces=["lo"], ip_version="v4", service_type=stype)
        try:
            await asyncio.gather(a.start(), b.start())
            await b.wait_for(ME, timeout=5)
            assert [p.tags for p in b.instances()] == [("kitchen",)]
            await a.update_properties({"tags": "kitchen,sensors"})
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 5
            while [p.tags for p in b.instances()] != [("kitchen", "sensors")] and loop.time() < deadline:
                await asyncio.sleep(0.05)
            assert [p.tags for p in b.instances()] == [("kitchen", "sensors")]
            assert b.instances()[0].peer_id == ME
            with pytest.raises(DiscoveryError):
                await a.update_properties({"tags": "x" * 300})
        finally:
            await asyncio.gather(a.stop(), b.stop())
        await a.update_properties({"tags": "after"})  # stopped: kept, nothing sent

    run(scenario())
