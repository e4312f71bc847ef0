"""A hostile peer on the LAN, for tests/security: it announces over mDNS a device's name, or
a device's peer id, at its own address, and reports on stdout what reaches it.

    python -m tests.security.squatter --ip IP --port PORT --name NAME [--id PEER_ID]
                                      [--relay HOST:PORT]

Without `--id` it announces its own (fresh) peer id; with it, someone else's. It registers
without probing and without renaming on a conflict (as a squatter would), answers challenges
with its own key -- or, with `--relay`, by asking the real peer there, as the real peer's own
address (the only kind the real peer signs) -- and acknowledges every particle without
running it (a black hole). Stdout lines: ``ready <its peer id>``, then ``challenge`` and
``particle`` per event. SIGTERM ends it (with a goodbye); SIGKILL ends it without one.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import signal
from typing import Any

import aiocoap
import aiocoap.util
from aiocoap.numbers.codes import Code
from zeroconf import IPVersion
from zeroconf.asyncio import AsyncServiceInfo, AsyncZeroconf

from edge_agent import __version__
from edge_agent.identity import KeyPair
from edge_agent.net.addressbook import Address
from edge_agent.net.coap import CoapClient, CoapServer, ReadOnlyResource
from edge_agent.net.discovery import SERVICE_TYPE
from edge_agent.net.proof import PROOF_PATH, answer_challenge, challenge_query, claim_text, parse_challenge


class Challenged(ReadOnlyResource):
    """GET /id: our own proof, or the real peer's (relayed), reported on stdout."""

    def __init__(self, keypair: KeyPair, relay: Address | None, client: CoapClient) -> None:
        super().__init__()
        self.keypair, self.relay, self.client = keypair, relay, client

    async def render_get(self, request: aiocoap.Message) -> aiocoap.Message:
        print("challenge", flush=True)
        if self.relay is None:
            local = aiocoap.util.hostportsplit(request.remote.hostinfo_local)
            payload = answer_challenge(self.keypair, request.opt.uri_query, (local[0], local[1] or 5683))
            return aiocoap.Message(code=Code.CONTENT, payload=payload, content_format=60)
        nonce, _ = parse_challenge(request.opt.uri_query)
        real_claim = claim_text(self.relay.host, self.relay.port)
        answer = await self.client.request(self.relay, "GET", PROOF_PATH,
                                           query=challenge_query(nonce, real_claim), timeout=2)
        return aiocoap.Message(code=Code.CONTENT, payload=answer.payload, content_format=60)


async def main(args: argparse.Namespace) -> None:
    keypair = KeyPair.generate()
    relay = None
    if args.relay:
        host, _, port = args.relay.rpartition(":")
        relay = Address(host, int(port))

    async def particle(message: Any) -> None:
        print("particle", flush=True)

    server = CoapServer(bind=args.ip, port=args.port, on_inbox=particle)
    client = CoapClient()
    server.add_resource(PROOF_PATH, Challenged(keypair, relay, client))
    await server.start()
    await client.start()
    zc = AsyncZeroconf(interfaces=[args.ip], ip_version=IPVersion.V4Only)
    info = AsyncServiceInfo(
        SERVICE_TYPE, f"{args.name}.{SERVICE_TYPE}", port=args.port,
        properties={"txtvers": "1", "id": args.id or keypair.peer_id, "v": __version__, "proto": "coap"},
        server=f"squatter-{secrets.token_hex(3)}.local.", parsed_addresses=[args.ip],
    )
    await (await zc.async_register_service(info, cooperating_responders=True))
    print(f"ready {keypair.peer_id}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await (await zc.async_unregister_service(info))
    await zc.async_close()
    await client.stop()
    await server.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--ip", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--id")
    parser.add_argument("--relay", metavar="HOST:PORT")
    asyncio.run(main(parser.parse_args()))
