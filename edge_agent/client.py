"""The laptop side: a short-lived peer that finds devices, sends particles and waits.

The CLI runs a `Node` of its own (identity under the user's config directory, a free UDP
port, mDNS browsing without announcing itself). It serves the client services for the
particles it starts, so AIR compiled from Aqua runs unchanged, and devices send results
back to it over CoAP at the address its requests came from.

A device name is an mDNS claim anyone on the LAN can make. So a name two peer ids announce
is ambiguous (refused, listing both), and the laptop pins name -> peer id on first use in
its state directory (`known_peers`, like SSH's known_hosts): a name that later announces
another id is refused until the user accepts the new id (`edge-agent known pin NAME ID`).
"""

from __future__ import annotations

import asyncio
import contextlib
import difflib
import json
import logging
import os
import re
from collections.abc import Awaitable, Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edge_agent import const
from edge_agent.config import CoapConfig, Config, DiscoveryConfig
from edge_agent.core_events import FailureReported
from edge_agent.errors import LocalError, RemoteError
from edge_agent.fanout import Device
from edge_agent.identity import InvalidPeerId, KeyPair, validate_peer_id
from edge_agent.known_peers import pin_name
from edge_agent.net.addressbook import Address, Source
from edge_agent.net.coap import RequestFailed
from edge_agent.net.delivery import proven_addresses
from edge_agent.net.discovery import SERVICE_TYPE
from edge_agent.net.discovery_txt import CLI_INSTANCE_PREFIX, is_cli_session
from edge_agent.net.proof import Outcome, challenge
from edge_agent.node import Node, Run
from edge_agent.store import StateDir
from edge_agent.trace import request as trace_request

log = logging.getLogger(__name__)


class Unreachable(LocalError):
    """A target could not be found or reached in time (the CLI exits with 3)."""


class NotFound(Unreachable):
    """No device announces a name over mDNS: the message names the devices that were found
    and the closest of their names (a typo is the likeliest cause), or, for a name this
    laptop pinned before (`known_as`), asks whether the device is down."""

    def __init__(
        self, name: str, waited_s: float, found: Collection[str], known_as: str | None = None
    ) -> None:
        self.name = name
        self.found = sorted(found)
        self.suggestions = [] if known_as else did_you_mean(name, self.found)
        text = f"no device named {name!r} found over mDNS within {waited_s:g} s"
        if known_as:
            text += f" (this laptop knows it as {known_as}: is it down?)"
        if self.suggestions:
            text += f"; did you mean {' or '.join(repr(s) for s in self.suggestions)}?"
        if self.found:
            text += f" Devices found: {', '.join(self.found)}"
        else:
            text += " (no device found at all: are they on this LAN, running edge-agent serve?)"
        super().__init__(text)


def did_you_mean(name: str, names: Collection[str], count: int = 3) -> list[str]:
    """The names in `names` closest to `name` (case aside), best first: at most `count`, each
    at least 60% alike (difflib's ratio) and nearly as alike as the best, so a typo finds its
    device (not its siblings: "agnet1" is "agent1", not "agent2") and nonsense finds none."""
    by_lower = {n.lower(): n for n in names}
    matcher = difflib.SequenceMatcher(b=name.lower())
    scored = []
    for lower in by_lower:
        matcher.set_seq1(lower)
        scored.append((matcher.ratio(), lower))
    scored = sorted((s for s in scored if s[0] >= 0.6), key=lambda s: (-s[0], s[1]))
    best = scored[0][0] if scored else 0.0
    return [by_lower[n] for ratio, n in scored[:count] if ratio >= best - 0.1]


class BadTarget(LocalError):
    """A TARGET that cannot be used as given (the CLI exits with 2): the message says what to
    give instead."""


class AmbiguousName(BadTarget):
    """More than one peer id announces a device name, and none is pinned for it."""

    def __init__(self, name: str, peer_ids: Collection[str]) -> None:
        ids = sorted(peer_ids)
        super().__init__(
            f"{len(ids)} devices announce the name {name!r}: {', '.join(ids)}. One of them may be "
            f"impersonating the other. Give the peer id of the device you mean instead of its name "
            f"(on the device, `edge-agent id --agent` prints it), or pin the name to it once: "
            f"edge-agent known pin {name} PEER_ID"
        )
        self.name = name
        self.peer_ids = ids


class IdChanged(BadTarget):
    """A device name announces another peer id than the one pinned for it."""

    def __init__(self, name: str, pinned: str, announced: Collection[str], where: Path) -> None:
        ids = sorted(announced)
        new = ids[0] if len(ids) == 1 else "PEER_ID"
        super().__init__(
            f"the device named {name!r} now announces peer id {', '.join(ids)}, but this laptop "
            f"knows {name!r} as {pinned} (pinned on first use in {where}). Someone may be "
            f"impersonating the device -- or it was reinstalled and has a new identity. If you are "
            f"sure it is the device, accept the new id: edge-agent known pin {name} {new}"
        )
        self.name = name
        self.pinned = pinned
        self.peer_ids = ids


def choose_announcer(
    name: str, announced: Collection[str], pinned: str | None, where: Path
) -> tuple[str, str | None]:
    """The peer id to use for the device name `name`, announced by the peer ids `announced`
    (at least one), given the id pinned for it (if any); and a warning to show, if any.

    Pinned and announced: the pinned id, with a warning if others announce the name too.
    Pinned but not announced: `IdChanged`. Not pinned: the one announcer, or `AmbiguousName`.
    """
    ids = set(announced)
    if pinned is not None:
        if pinned not in ids:
            raise IdChanged(name, pinned, ids, where)
        others = sorted(ids - {pinned})
        if not others:
            return pinned, None
        return pinned, (
            f"the name {name!r} is also announced by {', '.join(others)}; using {pinned}, "
            f"which this laptop knows by that name (someone may be impersonating the device)"
        )
    if len(ids) != 1:
        raise AmbiguousName(name, ids)
    return ids.pop(), None


class RemoteFailure(RemoteError):
    """The remote side reported an error (the CLI exits with 1)."""

    def __init__(self, message: str, error: Any = None) -> None:
        super().__init__(message)
        self.error = error


class ScriptFailure(RemoteFailure):
    """The particle failed on a peer with an uncaught error (the CLI exits with 1)."""

    def __init__(self, message: str, failure: FailureReported) -> None:
        super().__init__(message, failure)
        self.failure = failure


def failure_text(failure: FailureReported, name: str | None) -> str:
    """What a person reads of a failure: where (name and peer id), why, and which instruction."""
    where = f"{name} ({failure.peer})" if name else failure.peer
    text = f"script failed on {where}: {failure.message}"
    return f"{text}\n  in: ({failure.instruction})" if failure.instruction else text


def failure_json(failure: FailureReported | None, name: str | None) -> dict[str, Any] | None:
    """A failure as `--json` output gives it (None when the particle did not fail)."""
    if failure is None:
        return None
    return {
        "peer_id": failure.peer,
        "name": name,
        "ret_code": failure.ret_code,
        "message": failure.message,
        "instruction": failure.instruction,
    }


def client_home() -> Path:
    """Where the CLI keeps its identity: $EDGE_AGENT_HOME, else ~/.config/edge-agent."""
    if os.environ.get("EDGE_AGENT_HOME"):
        return Path(os.environ["EDGE_AGENT_HOME"])
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "edge-agent"


CLIENT_INSTANCE_PREFIX = CLI_INSTANCE_PREFIX
"""How the CLI's own mDNS instance names start (`net.discovery_txt` holds the rule)."""


def client_config(home: Path | None = None, peer_id: str = "") -> Config:
    """The CLI's own peer: a free port on every interface, announced while it runs.

    It announces itself over mDNS (without probing: its instance name holds its peer id, so
    it cannot clash) so that devices can send results back to it from anywhere on the LAN.
    EDGE_AGENT_MDNS=0 turns mDNS off (targets must then be host:port).
    """
    home = home or client_home()
    return Config(
        state_dir=home / "client",
        coap=CoapConfig(bind="::", port=0),
        discovery=DiscoveryConfig(
            enabled=os.environ.get("EDGE_AGENT_MDNS", "1") != "0",
            instance_name=CLIENT_INSTANCE_PREFIX + peer_id[-12:] if peer_id else "",
        ),
    )


@dataclass(frozen=True, slots=True)
class Target:
    peer_id: str
    address: Address | None
    name: str


class Client:
    """A started client peer. `async with Client() as c:`."""

    def __init__(self, home: Path | None = None) -> None:
        home = home or client_home()
        state = StateDir(home / "client")
        keypair = state.load_or_create_identity()
        config = client_config(home, keypair.peer_id)
        self.state = state
        self.node = Node(config, keypair=keypair, state=state, announce=True, probe=False)
        self._browsing_since = float("-inf")
        self.names: dict[str, str] = {}
        """peer id -> the name the user gave it (a device name or host:port), to name it back."""
        self._lookups: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> Client:
        await self.node.start()
        self._browsing_since = asyncio.get_running_loop().time()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._lookups:
            task.cancel()
        await asyncio.gather(*self._lookups, return_exceptions=True)
        await self.node.stop()

    def look_up_meanwhile(
        self, target: str, timeout_s: float, warn: Callable[[str, str], None]
    ) -> str | None:
        """For a script's TARGET that is a peer id: that id at once, with its lookup over mDNS
        left running, so a run need not wait for it (a fan-out to 100 devices with ten down
        started 3 s late). A copy for it waits for mDNS by itself; where the lookup fails,
        `resolve_for_script` forgoes the peer, so that copy fails at once with error 14,
        and `warn(target, why)` is called. None for any other target (resolve it first)."""
        peer_id = _as_peer_id(target.strip())
        if peer_id is None:
            return None

        async def look_up() -> None:
            _, why = await self.resolve_for_script(target, timeout_s=timeout_s)
            if why is not None:
                warn(target, why)

        task = asyncio.get_running_loop().create_task(look_up())
        self._lookups.add(task)
        task.add_done_callback(self._lookups.discard)
        return peer_id

    @property
    def peer_id(self) -> str:
        return self.node.peer_id

    # --- finding devices --------------------------------------------------------------------

    async def browse(self, seconds: float) -> list[dict[str, Any]]:
        """Devices announced on the LAN within `seconds`: peer id, instance, addresses, version."""
        discovery = self.node.discovery
        if discovery is None:
            return []
        await asyncio.sleep(seconds)
        found = []
        for inst in discovery.instances():
            if is_cli_session(instance_label(inst.name)):
                continue  # another laptop's CLI, not a device
            found.append(
                {
                    "peer_id": inst.peer_id,
                    "name": instance_label(inst.name),
                    "addresses": [f"{_hostport(a)}" for a in inst.addresses],
                    "version": inst.version or "",
                    "tags": list(inst.tags),
                }
            )
        return sorted(found, key=lambda d: d["name"] or d["peer_id"])

    def device_names(self) -> list[str]:
        """The instance names of the devices heard over mDNS so far (CLI sessions left out)."""
        return sorted({d.name for d in self.devices()})

    def devices(self) -> list[Device]:
        """The devices heard over mDNS so far, with their tags (CLI sessions left out)."""
        discovery = self.node.discovery
        found = [
            Device(instance_label(i.name), i.peer_id, i.tags) for i in discovery.instances()
        ] if discovery is not None else []
        return [d for d in found if not is_cli_session(d.name)]

    def _device_name(self, peer_id: str) -> str | None:
        """The mDNS name `peer_id` announces (its first, if several), to show for it."""
        return min((d.name for d in self.devices() if d.peer_id == peer_id), default=None)

    @property
    def settled_at(self) -> float:
        """The event-loop time by which every device on the LAN has answered this client's
        first mDNS query (`const.CLIENT_NAME_SETTLE_S` into browsing)."""
        return self._browsing_since + const.CLIENT_NAME_SETTLE_S

    async def resolve(self, target: str, *, timeout_s: float = 3.0) -> Target:
        """A peer id, an mDNS instance name, or host[:port] -> the peer to address, named by
        the mDNS name it announces where this client heard one, else as given (and that
        name remembered in `names`).

        `BadTarget` for a name that is ambiguous or announces another id than the one
        pinned for it; `Unreachable` if nothing answers to `target` within `timeout_s` --
        over mDNS within `const.CLIENT_RESOLVE_WAIT_S` at most (`NotFound` for a name, with
        the devices found and a "did you mean")."""
        found = await self._resolve(target.strip(), timeout_s)
        if found.name != found.peer_id:
            self.names[found.peer_id] = found.name
        return found

    async def resolve_for_script(self, target: str, *, timeout_s: float) -> tuple[Target, str | None]:
        """`resolve`, but a target that cannot be found or reached is not an error: a script
        addresses it by its pinned peer id (a name seen before), its own id (a peer id), or
        else a placeholder id (of a key made now and thrown away, so nobody can answer for
        it), and the copies this node sends it fail at once with error 14 (unreachable), as
        for any peer that cannot be reached, so the script's `xor` around it gets its turn.
        Returns the target and, for such a one, why it was not found."""
        try:
            return await self.resolve(target, timeout_s=timeout_s), None
        except BadTarget:
            raise
        except Unreachable as exc:
            why = str(exc)
        text = target.strip()
        peer_id = _as_peer_id(text) or self._pinned(text) or KeyPair.generate().peer_id
        if self.node.discovery is not None:
            self.node.discovery.forgo(peer_id)
        self.names[peer_id] = text
        return Target(peer_id, None, text), why

    def _pinned(self, target: str) -> str | None:
        """The peer id this laptop pinned for the device name `target`, if any."""
        try:
            return self.state.known.pins().get(pin_name(instance_label(target)))
        except ValueError:
            return None

    def name_of(self, peer_id: str) -> str | None:
        """What to call `peer_id`: the name the user gave it, else its mDNS instance, else None."""
        if peer_id == self.peer_id:
            return "this computer"
        if peer_id in self.names:
            return self.names[peer_id]
        discovery = self.node.discovery
        for inst in discovery.instances() if discovery is not None else ():
            if inst.peer_id == peer_id:
                return instance_label(inst.name)
        return None

    def failure_text(self, failure: FailureReported) -> str:
        """`script failed on kitchen (12D3...): message`, and the instruction that failed."""
        return failure_text(failure, self.name_of(failure.peer))

    async def _resolve(self, target: str, timeout_s: float) -> Target:
        peer_id = _as_peer_id(target)
        mdns_wait_s = min(timeout_s, const.CLIENT_RESOLVE_WAIT_S)
        if peer_id is not None:
            if not self.node.book.lookup(peer_id):
                if self.node.discovery is None:
                    raise Unreachable(f"no address known for {peer_id}; give host:port instead")
                try:
                    await self.node.discovery.wait_for(peer_id, timeout=mdns_wait_s)
                except TimeoutError:
                    raise Unreachable(
                        f"no device with peer id {peer_id} answered on the LAN within {mdns_wait_s:g} s"
                    ) from None
            return Target(peer_id, None, self._device_name(peer_id) or target)
        address = _parse_hostport(target)
        if address is not None and _looks_like_address(target):
            return await self._identify(target, address, timeout_s)
        if self.node.discovery is None:
            raise Unreachable(f"{target!r} is neither a peer id nor host:port, and mDNS is off")
        try:
            name = pin_name(instance_label(target))
        except ValueError as exc:
            raise BadTarget(f"{target!r}: {exc}") from None
        announced, addresses = await self._announced(name, mdns_wait_s)
        pinned = self.state.known.pins().get(name)
        peer_id, warning = choose_announcer(name, announced, pinned, self.state.known.path)
        if warning is not None:
            log.warning("%s", warning)
        if pinned is None:
            self.state.known.pin(name, peer_id)
            log.info("pinned the name %r to %s in %s", name, peer_id, self.state.known.path)
        # Every address announced under the name is a candidate for the chosen id: resolving
        # may have paired the name with a squatter's, and only a proof makes one usable.
        for address in addresses:
            self.node.book.add(peer_id, address, Source.MDNS)
        return Target(peer_id, None, target)

    async def _identify(self, target: str, address: Address, timeout_s: float) -> Target:
        """Who holds its key at `address`: the peer id it proves there (a fresh challenge)."""
        proof = await challenge(self.node.client, address, timeout_s=timeout_s)
        if proof.outcome is Outcome.NO_ANSWER:
            raise Unreachable(f"{target} did not answer: {proof.detail}")
        if proof.outcome is not Outcome.PROVEN or proof.peer_id is None:
            raise Unreachable(f"{target} did not prove who it is (is it an edge-agent?): {proof.detail}")
        self.node.book.add(proof.peer_id, address, Source.STATIC)
        self.node.book.record_proof(proof.peer_id, address)
        return Target(proof.peer_id, address, self._device_name(proof.peer_id) or target)

    async def _announced(self, name: str, timeout_s: float) -> tuple[frozenset[str], list[Address]]:
        """The peer ids announcing the instance label `name` over mDNS, and the addresses
        announced with it: waits up to `timeout_s` for one, and until `CLIENT_NAME_SETTLE_S`
        into browsing, so that a second announcer is heard too."""
        discovery = self.node.discovery
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        settled = self.settled_at
        while True:
            names = {i.name for i in discovery.instances() if instance_label(i.name).lower() == name}
            found = [discovery.announced(n) for n in sorted(names)]
            ids = frozenset().union(*(f[0] for f in found))
            now = loop.time()
            if ids and (now >= settled or now >= deadline):
                return ids, [a for f in found for a in f[1]]
            if now >= deadline:
                raise NotFound(name, timeout_s, self.device_names(), self.state.known.pins().get(name))
            await asyncio.sleep(0.05)

    async def status(self, target: Target, *, timeout_s: float) -> dict[str, Any]:
        """The target's /status, from an address where it proves its key."""
        if target.address is not None:
            return await self._status_at(target, target.address, timeout_s)
        last = f"no address known where {target.peer_id} proves its key"
        async with contextlib.aclosing(proven_addresses(self.node.prover, target.peer_id)) as addresses:
            async for address in addresses:
                try:
                    return await self._status_at(target, address, timeout_s)
                except Unreachable as exc:
                    last = str(exc)
        raise Unreachable(f"{target.name}: {last}")

    async def _status_at(self, target: Target, address: Address, timeout_s: float) -> dict[str, Any]:
        try:
            return await self.node.client.get_status(address, timeout=timeout_s)
        except RequestFailed as exc:
            raise Unreachable(f"{target.name} did not answer: {exc}") from None

    # --- particles ------------------------------------------------------------------------

    async def run(
        self,
        script: str,
        data: Mapping[str, Any] | None = None,
        *,
        relay: str | None = None,
        timeout_s: float,
        trace: bool = False,
    ) -> Run:
        """Start a particle here and wait for its first response or error, or the timeout;
        with `trace`, the particle asks every peer for a trace (`run.trace`)."""
        ttl_ms = max(1000, int(timeout_s * 1000))
        script = trace_request(script) if trace else script
        run = await self.node.start_particle(script, data, relay=relay, ttl_ms=ttl_ms)
        await self.node.wait(run, timeout_s=timeout_s)
        return run

    async def call(
        self, target: Target, service: str, function: str, args: list[Any], *, timeout_s: float,
        traced: Callable[[Run], Awaitable[None]] | None = None,
    ) -> Any:
        """Call one function on a device; its value, or RemoteFailure / Unreachable. With
        `traced`, the particle asks for a trace and `traced(run)` is awaited first."""
        script = call_script(target.peer_id, service, function, len(args))
        data = {f"a{i}": a for i, a in enumerate(args)}
        run = await self.run(script, data, timeout_s=timeout_s, trace=traced is not None)
        if traced is not None:
            await traced(run)
        if run.failure is not None:
            raise ScriptFailure(self.failure_text(run.failure), run.failure)
        return result_of(run, target, timeout_s)


def call_script(peer_id: str, service: str, function: str, nargs: int) -> str:
    """AIR for one call on `peer_id`, its result back to us, its error reported to us."""
    for part in (service, function):
        if '"' in part:
            raise ValueError("service and function names cannot contain '\"'")
    reads = [f'(call %init_peer_id% ("getDataSrv" "a{i}") [] a{i})' for i in range(nargs)]
    args = " ".join(f"a{i}" for i in range(nargs))
    body = (
        f'(xor (seq (call "{peer_id}" ("{service}" "{function}") [{args}] result)'
        f' (call %init_peer_id% ("callbackSrv" "response") [result]))'
        f' (call %init_peer_id% ("errorHandlingSrv" "error") [:error:]))'
    )
    for read in reversed(reads):
        body = f"(seq {read} {body})"
    return body


def result_of(run: Run, target: Target, timeout_s: float) -> Any:
    """The single value a `call_script` particle returned, or the error as an exception."""
    client = run.client
    if client.errors:
        error = client.errors[0][0] if client.errors[0] else {}
        message = error.get("message", str(error)) if isinstance(error, dict) else str(error)
        if run.unreachable:
            raise Unreachable(f"{target.name} is unreachable: {message}")
        raise RemoteFailure(message, error)
    if client.responses:
        return client.responses[0][0] if client.responses[0] else None
    raise Unreachable(f"no answer from {target.name} within {timeout_s:g} s")


def parse_arg(text: str) -> Any:
    """A CLI argument: JSON if it parses as JSON (42, true, [1,2], {"a":1}, "x"), else a string."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def _as_peer_id(text: str) -> str | None:
    """`text` if it is a peer id, else None."""
    try:
        return validate_peer_id(text)
    except InvalidPeerId:
        return None


def instance_label(name: str) -> str:
    """"kitchen-pi._edge-agent._udp.local." -> "kitchen-pi"."""
    return name.removesuffix(".").removesuffix("." + SERVICE_TYPE.rstrip("."))


def _hostport(a: Address) -> str:
    return f"[{a.host}]:{a.port}" if ":" in a.host else f"{a.host}:{a.port}"


def _looks_like_address(text: str) -> bool:
    """host:port, an IPv4 address, [v6]:port or a bare IPv6 address (two colons or more)."""
    return bool(
        re.fullmatch(
            r"[0-9.]+(:\d+)?|\[[0-9a-fA-F:.%\w]+\](:\d+)?|[0-9a-fA-F]*:[0-9a-fA-F]*:[0-9a-fA-F:]*(%\w+)?"
            r"|localhost(:\d+)?|[\w.-]+:\d+",
            text,
        )
    )


def _parse_hostport(text: str) -> Address | None:
    """host, host:port, [v6]:port or a bare IPv6 address; None if it is none of these."""
    try:
        if text.startswith("["):
            host, _, rest = text[1:].partition("]")
            port = int(rest[1:]) if rest.startswith(":") else const.COAP_DEFAULT_PORT
            return Address(host, port)
        if text.count(":") > 1:
            return Address(text, const.COAP_DEFAULT_PORT)
        host, _, port_text = text.partition(":")
        return Address(host, int(port_text) if port_text else const.COAP_DEFAULT_PORT)
    except (ValueError, TypeError):
        return None
