"""Probes that run inside a namespace of a `NetnsLan`, for tests/scale and benchmarks/lan_bench.py.

``python -m tests.support.lan_probe poll DEADLINE HOST=PEER_ID...`` (in the laptop's
namespace) asks each agent for its /status over CoAP until each lists every other agent as a
peer, or CLOCK_MONOTONIC passes DEADLINE (a reading shared by all namespaces). An agent
that knows everybody is not asked again, so the probe's own load shrinks as the LAN
converges. It prints one JSON line: when each agent first answered and when it first knew
all the others (monotonic seconds), and the peers each last reported.

``python -m tests.support.lan_probe capture SECONDS`` (in the hub namespace) counts, for
SECONDS, the UDP packets to or from port 5353 (mDNS) that each peer sends into the bridge:
one AF_PACKET socket sees every bridge port (``v<i>``), and a frame arriving on ``v<i>`` is
one peer i sent. It prints ``{"ready": true}`` once the socket is open, then one JSON line:
packets and bytes by peer index.

Test support only: needs root; edge_agent never imports it.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import struct
import sys
import time
from typing import Any

POLL_CONCURRENCY = 16
"""Status requests in flight at once: enough to sweep 100 agents in well under a second
without the probe itself loading the 2 cores the agents share."""

POLL_PAUSE_S = 0.25
"""Pause between sweeps over the agents that do not yet know everybody, in seconds."""

STATUS_TIMEOUT_S = 2.0

MDNS_PORT = 5353
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4
"""sll_pkttype of a frame the bridge sends out of a port (each is counted where it came in)."""


async def _poll(deadline: float, targets: list[tuple[str, str]]) -> dict[str, Any]:
    from edge_agent.net.coap import CoapClient, RequestFailed

    ids = {pid for _, pid in targets}
    answered: dict[str, float] = {}
    complete: dict[str, float] = {}
    peers: dict[str, list[str]] = {}
    gate = asyncio.Semaphore(POLL_CONCURRENCY)
    stop = asyncio.Event()  # SIGINT: report what we have now
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)

    async def ask(client: CoapClient, host: str, pid: str) -> None:
        async with gate:
            try:
                status = await client.get_status((host, 5683), timeout=STATUS_TIMEOUT_S)
            except RequestFailed:
                return
        now = time.monotonic()
        answered.setdefault(pid, now)
        peers[pid] = sorted(status.get("peers", []))
        if ids - {pid} <= set(peers[pid]):
            complete.setdefault(pid, now)

    stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
    async with CoapClient() as client:
        while len(complete) < len(targets) and time.monotonic() < deadline:
            todo = [(h, p) for h, p in targets if p not in complete]
            asks = (ask(client, h, p) for h, p in todo)
            sweep: asyncio.Future[Any] = asyncio.ensure_future(asyncio.gather(*asks))
            await asyncio.wait({sweep, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set():
                sweep.cancel()
                await asyncio.gather(sweep, return_exceptions=True)
                break
            await asyncio.sleep(POLL_PAUSE_S)
    stopping.cancel()
    return {"answered": answered, "complete": complete, "peers": peers}


def _udp_ports(frame: bytes) -> tuple[int, int] | None:
    """(source port, destination port) of an Ethernet frame carrying UDP over IPv4 or IPv6."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    if ethertype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 0x0F) * 4
        if frame[23] != 17 or len(frame) < 14 + ihl + 4:
            return None
        return struct.unpack_from("!HH", frame, 14 + ihl)
    if ethertype == 0x86DD and len(frame) >= 58:
        if frame[20] != 17:  # next header: UDP (mDNS never carries extension headers)
            return None
        return struct.unpack_from("!HH", frame, 54)
    return None


def _capture(seconds: float) -> dict[str, Any]:
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 * 1024 * 1024)
    packets: dict[int, int] = {}
    octets: dict[int, int] = {}
    print(json.dumps({"ready": True}), flush=True)
    start = time.monotonic()
    end = start + seconds
    buf = bytearray(65536)
    try:
        while (left := end - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                size, addr = sock.recvfrom_into(buf)
            except TimeoutError:
                break
            name = addr[0]  # (ifname, protocol, pkttype, hatype, address)
            if addr[2] == PACKET_OUTGOING or not name.startswith("v") or not name[1:].isdigit():
                continue
            ports = _udp_ports(bytes(buf[:size]))
            if ports is None or MDNS_PORT not in ports:
                continue
            peer = int(name[1:])
            packets[peer] = packets.get(peer, 0) + 1
            octets[peer] = octets.get(peer, 0) + size
    finally:
        sock.close()
    return {"seconds": time.monotonic() - start, "packets": packets, "bytes": octets}


def main(argv: list[str]) -> int:
    if argv[:1] == ["poll"] and len(argv) >= 2:
        targets = [tuple(arg.split("=", 1)) for arg in argv[2:]]
        result = asyncio.run(_poll(float(argv[1]), targets))  # type: ignore[arg-type]
    elif argv[:1] == ["capture"] and len(argv) == 2:
        result = _capture(float(argv[1]))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
