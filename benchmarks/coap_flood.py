"""Memory under a flood of confirmable GETs, in one run: aiocoap's own server against ours.

    .venv/bin/python benchmarks/coap_flood.py [--rate 2000] [--seconds 20] [--ref REF] [--json]

Each server runs in its own process on loopback and answers GET /status; this process sends
it `--rate` confirmable GETs a second for `--seconds` (a bounded loop, distinct message IDs,
from 127.0.0.2) and then asks it for its resident memory (VmRSS) and the number of requests
its duplicate table holds (RFC 7252 §4.5; aiocoap keeps each for 247 s). Servers, in order:

- ``aiocoap``: a bare aiocoap site (what any aiocoap server does);
- ``ref``: edge-agent's `CoapServer` as of git revision `--ref` (e.g. the commit before the
  bounds), when given -- extracted to a temporary directory;
- ``stranger``: `CoapServer` here, the flood from a sender that is not a priority sender
  (per-sender rate and the bounded duplicate table apply);
- ``priority``: the same with every sender a priority sender (only the table's bound applies).

A script, not a test: figures depend on the machine and what else runs on it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import interleave  # noqa: E402

FLOOD_FROM = "127.0.0.2"

SERVER = r"""
import asyncio, json, sys
import aiocoap, aiocoap.resource

kind = sys.argv[1]

def rss_kb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])

def aiocoap_table(ctx):
    manager = ctx.request_interfaces[0].token_interface
    return len(getattr(manager, "_recent_messages", {}))

class Status(aiocoap.resource.Resource):
    async def render_get(self, request):
        return aiocoap.Message(payload=b"\xa1\x62ok\xf5", content_format=60)

async def ignore(*args):
    return None

async def serve():
    if kind == "aiocoap":
        site = aiocoap.resource.Site()
        site.add_resource(("status",), Status())
        ctx = await aiocoap.Context.create_server_context(
            site, bind=("127.0.0.1", 0), transports=["udp6"])
        port = ctx.request_interfaces[0].token_interface.message_interface._local_port()
        return ctx, port, lambda: aiocoap_table(ctx)
    from edge_agent.net.coap import CoapServer
    try:  # this tree's API
        priority = (lambda remote: True) if kind == "priority" else (lambda remote: False)
        server = CoapServer(on_inbox=ignore, bind="127.0.0.1", port=0, priority=priority)
    except TypeError:  # an older tree's
        server = CoapServer(on_particle=ignore, bind="127.0.0.1", port=0)
    await server.start()
    def table():
        return server.stats().get("recent_requests", 0) + aiocoap_table(server.context)
    return server, server.port, table

async def main():
    server, port, table = await serve()
    loop = asyncio.get_running_loop()
    print(json.dumps({"port": port, "rss_kb": rss_kb()}), flush=True)
    while (await loop.run_in_executor(None, sys.stdin.readline)).strip() == "report":
        print(json.dumps({"rss_kb": rss_kb(), "table": table()}), flush=True)

asyncio.run(main())
"""


def get_status(mid: int, token: int) -> bytes:
    """CON GET /status (RFC 7252 §3): header, 2-byte token, Uri-Path option."""
    head = bytes([0x42, 0x01, mid >> 8 & 0xFF, mid & 0xFF]) + token.to_bytes(2, "big")
    return head + bytes([0xB6]) + b"status"


class Counter(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.answers = 0

    def datagram_received(self, data: bytes, addr: Any) -> None:
        self.answers += 1


async def flood(port: int, rate: int, seconds: float) -> tuple[int, int]:
    """(sent, answered): `rate` GETs a second for `seconds`, in 10 ms batches."""
    loop = asyncio.get_running_loop()
    transports = []
    counter = Counter()
    sent = 0
    ticks = int(seconds * 100)
    per_tick = max(1, rate // 100)
    start = loop.time()
    try:
        for tick in range(ticks):
            if sent % 60_000 < per_tick or not transports:  # a new source port per 60k MIDs
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: counter, local_addr=(FLOOD_FROM, 0)
                )
                transports.append(transport)
            for _ in range(per_tick):
                transports[-1].sendto(get_status(sent % 65_536, sent % 65_536), ("127.0.0.1", port))
                sent += 1
            delay = start + (tick + 1) / 100 - loop.time()
            await asyncio.sleep(max(0.0, delay))
        await asyncio.sleep(0.5)  # late answers
    finally:
        for transport in transports:
            transport.close()
    return sent, counter.answers


def tree_of(ref: str, into: Path) -> Path:
    """The `edge_agent` package of git revision `ref`, extracted under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", ref, "edge_agent"],
        check=True, capture_output=True,
    ).stdout
    tar = into / "tree.tar"
    tar.write_bytes(archive)
    with tarfile.open(tar) as t:
        t.extractall(into, filter="data")
    return into


async def measure(kind: str, pythonpath: Path, rate: int, seconds: float) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", SERVER, "aiocoap" if kind == "aiocoap" else kind,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env,
        cwd=pythonpath,  # `python -c` puts the working directory first on sys.path
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
        t0 = time.monotonic()
        sent, answered = await flood(ready["port"], rate, seconds)
        took = time.monotonic() - t0
        proc.stdin.write(b"report\n")
        await proc.stdin.drain()
        after = json.loads(await asyncio.wait_for(proc.stdout.readline(), 30))
    finally:
        await interleave.end_child(proc)
    return {
        "server": kind, "sent": sent, "answered": answered, "flood_s": round(took, 1),
        "table": after["table"], "rss_before_mb": round(ready["rss_kb"] / 1024, 1),
        "rss_after_mb": round(after["rss_kb"] / 1024, 1),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rate", type=int, default=2000, help="GETs a second")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the flood")
    parser.add_argument("--ref", help="also measure CoapServer at this git revision")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        kinds: list[tuple[str, Path]] = [("aiocoap", ROOT)]
        if args.ref:
            kinds.append(("ref", tree_of(args.ref, Path(tmp))))
        kinds += [("stranger", ROOT), ("priority", ROOT)]
        for kind, path in kinds:
            results.append(await measure(kind, path, args.rate, args.seconds))
    for r in results:
        if args.json:
            print(json.dumps(r))
        else:
            print(
                f"{r['server']:>9}: {r['sent']:,} GETs in {r['flood_s']} s, {r['answered']:,} "
                f"answered; duplicate table {r['table']:,} requests; RSS {r['rss_before_mb']} "
                f"-> {r['rss_after_mb']} MB"
            )


if __name__ == "__main__":
    asyncio.run(main())
