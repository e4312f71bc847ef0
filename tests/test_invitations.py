"""Invitations: whose seals a copy may add (pure; the core's use is in tests/test_core.py)."""

from __future__ import annotations

from edge_agent.air.data import Data, Entry, Kind, Seal
from edge_agent.invitations import Invited, invitation, uninvited, uninvited_beside, with_invitation


def seal(peer: str, keys: tuple[str, ...] = (), sent: tuple[str, ...] = ()) -> Seal:
    return Seal(peer, keys, f"{peer}:{keys}:{sent}".encode().ljust(64, b"."), sent)


def copy(sent: dict[str, str], seals: list[Seal]) -> Data:
    entries = {k: Entry(Kind.CALL, 0, s.peer) for s in seals for k in s.keys}
    return Data(entries, dict(sent), list(seals))


def test_participants_are_the_init_peer_and_whom_participants_sent_it_to() -> None:
    data = copy({"1": "dev", "2": "shed"}, [seal("laptop", sent=("1",)), seal("dev", ("3",), ("2",)),
                                            seal("shed", ("4",))])
    assert uninvited(data, "laptop", set(), set()) is None


def test_a_seal_of_a_peer_nobody_sent_it_to_is_refused() -> None:
    data = copy({"1": "dev"}, [seal("laptop", sent=("1",)), seal("stranger", ("2",))])
    why = uninvited(data, "laptop", set(), set())
    assert why is not None and "a seal of stranger" in why


def test_an_invitation_counts_only_in_a_participants_seal() -> None:
    """A stranger's seal of a sent record to itself, or to another of its identities, or a
    ring of them inviting each other, invites nobody."""
    ring = copy({"1": "s1", "2": "s2"}, [seal("s1", ("3",), ("2",)), seal("s2", ("4",), ("1",))])
    assert uninvited(ring, "laptop", set(), set()) is not None
    own = copy({"1": "s1"}, [seal("s1", ("3",), ("1",))])
    assert uninvited(own, "laptop", set(), set()) is not None


def test_what_the_held_data_invites_counts_and_held_seals_are_not_walked() -> None:
    held_laptop = seal("laptop", sent=("1",))
    data = copy({"1": "dev", "2": "shed"}, [held_laptop, seal("dev", ("3",), ("2",)), seal("shed", ("4",))])
    assert uninvited(data, "laptop", {"dev"}, {held_laptop.signature}) is None
    later = copy({}, [seal("shed", ("4",))])
    assert uninvited(later, "laptop", {"dev", "shed"}, set()) is None
    assert uninvited(later, "laptop", {"dev"}, set()) is not None


def test_new_seals_are_put_after_the_seal_that_invites_their_peer() -> None:
    """The signatures are checked in this order: a forged invitation fails on the first
    check, before the seals of the peers it claims to invite cost any."""
    chain = [seal("c", ("9",)), seal("b", ("8",), ("3",)), seal("a", ("7",), ("2",)),
             seal("laptop", sent=("1",))]
    data = copy({"1": "a", "2": "b", "3": "c"}, chain)
    assert uninvited(data, "laptop", set(), set()) is None
    assert [s.peer for s in data.seals] == ["laptop", "a", "b", "c"]


def test_a_long_chain_is_walked_once() -> None:
    """A copy may carry ~1,000 seals: the walk is linear in them, whatever their order."""
    n = 1000
    seals = [seal(f"p{i}", (f"e{i}",), (f"s{i + 1}",)) for i in reversed(range(n))]
    seals.append(seal("laptop", sent=("s0",)))
    data = copy({f"s{i}": f"p{i}" for i in range(n + 1)}, seals)
    assert uninvited(data, "laptop", set(), set()) is None
    assert data.seals[0].peer == "laptop" and data.seals[-1].peer == f"p{n - 1}"


def test_invited_grows_with_the_sent_records_held() -> None:
    invited = Invited()
    sent = {"1": "dev"}
    assert invited.known(sent) == {"dev"}
    sent["2"] = "shed"
    assert invited.known(sent) == {"dev", "shed"} and invited.upto == 2
    assert invited.known({"9": "other"}) >= {"other"}  # a smaller table (never in use): read again


def test_a_reports_invitation_is_the_shortest_chain_below_the_init_peers_own_seals() -> None:
    """Roots first, from a peer the init peer sent the particle to; the init peer's seals
    are left out (it holds them), and so is every seal off the chain."""
    data = copy({"1": "a", "2": "b", "3": "c", "4": "x", "5": "c"}, [
        seal("laptop", sent=("1", "4")), seal("a", ("7",), ("2",)), seal("b", ("8",), ("3",)),
        seal("x", ("6",), ("5",)), seal("c", ("9",)),
    ])
    assert [s.peer for s in invitation(data, "laptop", "c")] == ["x"]  # laptop -> x -> c: shorter
    assert [s.peer for s in invitation(data, "laptop", "b")] == ["a"]
    assert invitation(data, "laptop", "a") == []  # the init peer sent it the particle itself
    assert invitation(data, "laptop", "nobody") == []


def test_a_report_carries_what_its_invitation_seals_cover_and_passes_the_walk() -> None:
    data = copy({"1": "a", "2": "b"}, [seal("laptop", ("0",), ("1",)), seal("a", ("7",), ("2",)),
                                       seal("b", ("8",))])
    failure = Entry(Kind.FAILURE, [1, "m", ""], "b")
    report = with_invitation("!failure", failure, data, "laptop")
    assert [s.peer for s in report.seals] == ["a"]
    assert report.entries == {"!failure": failure, "7": data.entries["7"]} and report.sent == {"2": "b"}
    report.seals.append(seal("b", ("!failure",)))
    held = copy({"1": "a"}, [seal("laptop", ("0",), ("1",))])
    assert uninvited_beside(report, "laptop", Invited(), held) is None
    stranger = Data({"!failure": Entry(Kind.FAILURE, [1, "m", ""], "s")}, {}, [seal("s", ("!failure",))])
    assert uninvited_beside(stranger, "laptop", Invited(), held) is not None
