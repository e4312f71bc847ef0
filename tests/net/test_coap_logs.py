"""GET /logs (edge_agent/net/coap_logs.py) on a real server on loopback: the answer, the
query's bounds, refusals, and Observe with its bound on observers."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from typing import Any

import aiocoap
import cbor2
import pytest
from aiocoap.numbers.codes import Code

from edge_agent import const_observe as K
from edge_agent.identity import KeyPair
from edge_agent.logring import BadLogLine, Kind, Level, LogRing
from edge_agent.net.coap_common import CoapReply, Remote
from edge_agent.net.coap_logs import (
    LOGS_PATH,
    LogsQuery,
    LogsResource,
    decode_answer,
    encode_answer,
    query_items,
)
from tests.support.coap import KEY, LOCAL, client, run, started

PEER = KEY.peer_id
STRANGER = "12D3KooWGcPqy2ucAfGbHoX8f4AvQ8yJFwUmcRcoJAQHEb9ENhUX"


def ring() -> LogRing:
    clock = iter(range(1_000, 10**9, 10))
    return LogRing(100, clock_ms=lambda: next(clock))


async def only_peer(peer: str, remote: Remote) -> str | None:
    return None if peer == PEER else f"{peer} is not trusted here"


def test_the_query_is_parsed_and_bounded() -> None:
    q = LogsQuery.parse(query_items(PEER, after=5, since_ms=7, service="svc", limit=20))
    assert (q.peer, q.after, q.since_ms, q.service, q.limit) == (PEER, 5, 7, "svc", 20)
    assert LogsQuery.parse([f"from={PEER}", "n=999999"]).limit == K.LOG_ANSWER_MAX_LINES
    for bad in ([], ["from=nobody"], [f"from={PEER}", "after=-1"], [f"from={PEER}", "since=1e9"],
                [f"from={PEER}", "s=" + "x" * 100], [f"from={PEER}"] * 9):
        with pytest.raises(CoapReply):
            LogsQuery.parse(bad)


def test_an_answer_holds_what_fits_oldest_or_newest_first() -> None:
    r = ring()
    for i in range(50):
        r.add(Kind.SERVICE, f"line {i} " + "x" * 40, service="s")
    lines = r.lines()
    payload, newest = encode_answer(lines, r.last_seq, 600, oldest_first=True)
    got, last, more = decode_answer(payload)
    assert len(payload) <= 600 and more and last == 50
    assert got[0].seq == 1 and newest == got[-1].seq < 50
    payload, newest = encode_answer(lines, r.last_seq, 600, oldest_first=False)
    got, _, more = decode_answer(payload)
    assert more and got[-1].seq == newest == 50
    huge = r.add(Kind.SERVICE, "é" * 500, service="s")
    assert huge is not None
    payload, newest = encode_answer([huge], r.last_seq, 300, oldest_first=True)
    assert newest == huge.seq and decode_answer(payload)[0][0].text.startswith("éé"), "cut, not lost"
    for bad in (b"\xff", cbor2.dumps([1]), cbor2.dumps({"lines": [[1]], "last": 1, "more": False}),
                b"\x00" * (K.LOG_ANSWER_MAX_BYTES + 2000)):
        with pytest.raises(BadLogLine):
            decode_answer(bad)


def test_get_answers_the_asker_it_admits_and_refuses_others() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            r = ring()
            server.add_resource(LOGS_PATH, LogsResource(r, only_peer))
            r.add(Kind.DEPLOY, "deployed a", service="a")
            r.add(Kind.AGENT, "something broke", level=Level.ERROR)
            c = await client(stack)
            where = (LOCAL, server.port)
            answer = await c.request(where, "GET", LOGS_PATH, query=query_items(PEER))
            lines, last, more = decode_answer(answer.payload)
            assert answer.code == "2.05" and last == 2 and not more
            assert [x.text for x in lines] == ["deployed a", "something broke"]
            only_a = await c.request(where, "GET", LOGS_PATH, query=query_items(PEER, service="a"))
            assert [x.text for x in decode_answer(only_a.payload)[0]] == ["deployed a"]
            refused = await c.request(where, "GET", LOGS_PATH, query=query_items(STRANGER))
            assert refused.code == "4.03" and "not trusted" in refused.diagnostic
            restarted = await c.request(where, "GET", LOGS_PATH, query=query_items(PEER, after=50))
            assert len(decode_answer(restarted.payload)[0]) == 2, "numbers of an earlier run: all lines"
            anonymous = await c.request(where, "GET", LOGS_PATH)
            assert anonymous.code == "4.00" and "from=" in anonymous.diagnostic

    run(main())


def test_observers_get_new_lines_and_their_number_is_bounded() -> None:
    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            r = ring()
            resource = LogsResource(r, only_peer)
            server.add_resource(LOGS_PATH, resource)
            r.add(Kind.AGENT, "before", level=Level.WARNING)
            ctx = server.context
            requests = []
            for _ in range(K.LOG_MAX_OBSERVERS + 1):
                message = aiocoap.Message(code=Code.GET, uri_path=LOGS_PATH, observe=0)
                message.opt.uri_query = tuple(query_items(PEER, after=1))
                message.unresolved_remote = f"{LOCAL}:{server.port}"
                requests.append(ctx.request(message))
            firsts = [await req.response for req in requests]  # they arrive in any order
            codes = sorted(f.code for f in firsts)
            assert codes == sorted([Code.CONTENT] * K.LOG_MAX_OBSERVERS + [Code.SERVICE_UNAVAILABLE])
            assert resource.observers == K.LOG_MAX_OBSERVERS
            following = [req for req, f in zip(requests, firsts, strict=True) if f.code == Code.CONTENT]
            first = next(f for f in firsts if f.code == Code.CONTENT)
            assert decode_answer(first.payload)[0] == [], "nothing after line 1 yet"
            notes = [req.observation.__aiter__() for req in following[:2]]
            for i in range(30):  # more than one notification holds: the rest follow
                r.add(Kind.SERVICE, f"new {i} " + "y" * 60, service="s")

            async def follow(note: Any) -> list[str]:  # each at once: aiocoap keeps only the latest
                seen: list[str] = []
                while len(seen) < 30:
                    got = await asyncio.wait_for(note.__anext__(), 10)
                    seen += [x.text for x in decode_answer(got.payload)[0]]
                return seen

            for seen in await asyncio.gather(*(follow(note) for note in notes)):
                assert seen == [f"new {i} " + "y" * 60 for i in range(30)]
            for req in following:
                req.observation.cancel()
            resource.close()

    run(main(), timeout=30)


def test_readers_being_authorized_are_few_at_a_time_and_take_no_followers_place() -> None:
    """A stranger names a trusted peer from many requests: each would be challenged (slow, then
    refused). At most `LOG_MAX_AUTHORIZING` wait at a time, the rest get 5.03 at once, and none
    holds a follower's place meanwhile: the real reader still follows."""
    OTHER = KeyPair.from_seed(b"\x08" * 32).peer_id  # trusted, but not at the stranger's address
    waiting, most = 0, 0

    async def challenging(peer: str, remote: Remote) -> str | None:
        nonlocal waiting, most
        if peer == PEER:
            return None  # proven before: at once
        waiting += 1
        most = max(most, waiting)
        try:
            await asyncio.sleep(0.5)
        finally:
            waiting -= 1
        return f"{peer} did not prove its key there"

    def follow(ctx: aiocoap.Context, port: int, peer: str) -> Any:
        message = aiocoap.Message(code=Code.GET, uri_path=LOGS_PATH, observe=0)
        message.opt.uri_query = tuple(query_items(peer))
        message.unresolved_remote = f"{LOCAL}:{port}"
        return ctx.request(message)

    async def main() -> None:
        async with AsyncExitStack() as stack:
            server = await started(stack)
            resource = LogsResource(ring(), challenging, proven=lambda peer, remote: peer == PEER)
            server.add_resource(LOGS_PATH, resource)
            resource.priority = lambda remote: False  # as hosts on the LAN, not this one
            stranger = await aiocoap.Context.create_client_context()
            stack.push_async_callback(stranger.shutdown)
            attempts = [follow(stranger, server.port, OTHER) for _ in range(3 * K.LOG_MAX_OBSERVERS)]
            await asyncio.sleep(0.25)  # two are being challenged now, the rest got 5.03
            reader = follow(server.context, server.port, PEER)  # proven before: not held up
            assert (await asyncio.wait_for(reader.response, 5)).code == Code.CONTENT
            assert resource.observers == 1
            codes = [(await asyncio.wait_for(a.response, 5)).code for a in attempts]
            assert most == K.LOG_MAX_AUTHORIZING
            assert codes.count(Code.FORBIDDEN) == K.LOG_MAX_AUTHORIZING
            assert codes.count(Code.SERVICE_UNAVAILABLE) == len(codes) - K.LOG_MAX_AUTHORIZING
            assert resource.observers == 1
            reader.observation.cancel()
            resource.close()

    run(main(), timeout=30)
