"""`edge-agent`: run the agent on a device, and drive devices from a laptop.

Exit codes: 0 success; 1 the remote side reported an error (printed); 2 usage; 3 a timeout
or an unreachable device. `--json` output is one JSON document on stdout (see
docs/cli.md); human output is short. Only this module prints.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from edge_agent import __version__, const
from edge_agent.config import DEFAULT_CONFIG_PATH as _DEFAULT_CONFIG_PATH
from edge_agent.config import Config, load_config, parse_config
from edge_agent.errors import ConfigError, EdgeAgentError, LocalError

EXIT_OK, EXIT_REMOTE, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3

# The agent's files: /etc/edge-agent/config.toml and /var/lib/edge-agent, unless these
# variables say otherwise (several agents on one machine, tests, a user install).
DEFAULT_CONFIG_PATH = Path(os.environ.get("EDGE_AGENT_CONFIG") or _DEFAULT_CONFIG_PATH)
DEFAULT_STATE_DIR = Path(os.environ.get("EDGE_AGENT_STATE_DIR") or const.DEFAULT_STATE_DIR)

log = logging.getLogger("edge_agent")


class CliError(Exception):
    """A failure the CLI reports with a message and an exit code."""

    def __init__(self, message: str, code: int = EXIT_REMOTE) -> None:
        super().__init__(message)
        self.code = code


# --- helpers ----------------------------------------------------------------------------------


def _out(args: argparse.Namespace, human: str, data: Any) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, sort_keys=True))
    elif human:
        print(human)


def _config(args: argparse.Namespace) -> Config:
    """The agent's configuration: --config or $EDGE_AGENT_CONFIG (which must exist), else the
    default file if it exists, else the defaults; --state-dir or $EDGE_AGENT_STATE_DIR
    overrides its state_dir."""
    path = getattr(args, "config", None) or os.environ.get("EDGE_AGENT_CONFIG")
    if path is None and Path(DEFAULT_CONFIG_PATH).exists():
        path = DEFAULT_CONFIG_PATH
    config = load_config(path) if path else Config()
    state_dir = getattr(args, "state_dir", None) or os.environ.get("EDGE_AGENT_STATE_DIR")
    if state_dir:
        config = dataclasses.replace(config, state_dir=Path(state_dir))
    return config


def _setup_logging(level: str, *, journald: bool) -> None:
    """Lines to stderr; under systemd each starts with a <priority> journald understands."""
    priorities = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}

    class Format(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            text = f"{record.levelname.lower()} {record.name}: {record.getMessage()}"
            if record.exc_info:
                text += "\n" + self.formatException(record.exc_info)
            if journald:
                return f"<{priorities.get(record.levelname, 6)}>{text}"
            return f"{self.formatTime(record, '%Y-%m-%dT%H:%M:%S')} {text}"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(Format())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("coap-server", "coap", "aiocoap"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


# --- device commands ----------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from edge_agent.identity import InvalidPeerId, validate_peer_id
    from edge_agent.store import StateDir

    for peer in args.trust or []:
        try:
            validate_peer_id(peer)
        except InvalidPeerId as exc:
            raise CliError(f"--trust {peer}: {exc}", EXIT_USAGE) from None
    path = Path(args.config or DEFAULT_CONFIG_PATH)
    if path.exists() and not args.force:
        if args.name or args.port is not None or args.state_dir:
            raise CliError(
                f"{path} exists: add --force to rewrite it with --name/--port/--state-dir "
                "(the identity and trusted peers are kept)",
                EXIT_USAGE,
            )
        config = load_config(path)
        wrote = False
    else:
        config = Config(state_dir=Path(args.state_dir) if args.state_dir else DEFAULT_STATE_DIR)
        if args.port is not None:
            config = dataclasses.replace(config, coap=dataclasses.replace(config.coap, port=args.port))
        if args.name:
            config = dataclasses.replace(
                config, discovery=dataclasses.replace(config.discovery, instance_name=args.name)
            )
        config = parse_config(config.to_toml())  # the same checks as a file a person wrote
        path.parent.mkdir(parents=True, exist_ok=True)
        from edge_agent.statefile import atomic_write

        atomic_write(path, config.to_toml().encode(), mode=0o644)
        wrote = True
    state = StateDir(config.state_dir)
    keypair = state.load_or_create_identity()
    for peer in args.trust or []:
        state.trust(peer)
    _out(
        args,
        f"peer id: {keypair.peer_id}\nconfig: {path}{' (written)' if wrote else ' (kept)'}"
        f"\nstate: {config.state_dir}",
        {
            "peer_id": keypair.peer_id,
            "config": str(path),
            "written": wrote,
            "state_dir": str(config.state_dir),
            "trusted": sorted(state.trusted_peers()),
        },
    )
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    config = _config(args)
    journald = "JOURNAL_STREAM" in os.environ or "INVOCATION_ID" in os.environ
    _setup_logging(args.log_level or config.log_level, journald=journald)
    return asyncio.run(_serve(config))


async def _serve(config: Config) -> int:
    from edge_agent.node import Node
    from edge_agent.sdnotify import Notifier

    node = Node(config, notifier=Notifier())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await node.start()
    except EdgeAgentError as exc:
        log.error("could not start: %s", exc)
        await node.stop()
        return EXIT_REMOTE
    print(f"edge-agent {__version__} serving as {node.peer_id} on UDP port {node.port}", flush=True)
    try:
        await stop.wait()
    finally:
        await node.stop()
    return EXIT_OK


def cmd_id(args: argparse.Namespace) -> int:
    from edge_agent.client import client_home
    from edge_agent.store import StateDir

    if args.agent:
        state = StateDir(_config(args).state_dir)
        keypair = state.load_identity()
        if keypair is None:
            raise CliError(f"no agent identity in {state.path} yet: run edge-agent init", EXIT_USAGE)
    else:
        keypair = StateDir(client_home() / "client").load_or_create_identity()
    _out(args, keypair.peer_id, {"peer_id": keypair.peer_id})
    return EXIT_OK


def cmd_trust(args: argparse.Namespace) -> int:
    from edge_agent.identity import InvalidPeerId, validate_peer_id
    from edge_agent.store import StateDir

    state = StateDir(_config(args).state_dir)
    if args.action in ("add", "remove"):
        if not args.peer_id:
            raise CliError(f"usage: edge-agent trust {args.action} PEER_ID", EXIT_USAGE)
        try:
            peer = validate_peer_id(args.peer_id)
        except InvalidPeerId as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        changed = state.trust(peer) if args.action == "add" else state.distrust(peer)
        verb = "trusted" if args.action == "add" else "no longer trusted"
        _out(args, f"{peer} {verb}{'' if changed else ' (no change)'}", {"peer_id": peer, "changed": changed})
    else:
        peers = sorted(state.trusted_peers())
        _out(args, "\n".join(peers) if peers else "(no trusted peers)", {"trusted": peers})
    return EXIT_OK


def cmd_known(args: argparse.Namespace) -> int:
    """The laptop's pins of device names to peer ids (like SSH's known_hosts)."""
    from edge_agent.client import client_home
    from edge_agent.identity import InvalidPeerId, validate_peer_id
    from edge_agent.known_peers import pin_name
    from edge_agent.store import StateDir

    state = StateDir(client_home() / "client")
    if args.action == "list":
        if args.name or args.peer_id:
            raise CliError("usage: edge-agent known list", EXIT_USAGE)
        pins = state.known.pins()
        lines = [f"{name:24} {peer_id}" for name, peer_id in sorted(pins.items())]
        _out(args, "\n".join(lines) if lines else "(no known devices)", {"known": pins})
        return EXIT_OK
    usage = "edge-agent known pin NAME PEER_ID" if args.action == "pin" else "edge-agent known forget NAME"
    if not args.name or (args.action == "pin") != bool(args.peer_id):
        raise CliError(f"usage: {usage}", EXIT_USAGE)
    try:
        name = pin_name(args.name)
        peer = validate_peer_id(args.peer_id) if args.action == "pin" else None
    except (ValueError, InvalidPeerId) as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if peer is not None:
        before = state.known.pin(name, peer)
        human = f"{name} is {peer}" + (f" (was {before})" if before else "")
        _out(args, human, {"name": name, "peer_id": peer, "was": before})
    else:
        before = state.known.forget(name)
        human = f"forgot {name} ({before})" if before else f"{name} was not pinned (no change)"
        _out(args, human, {"name": name, "peer_id": None, "was": before})
    return EXIT_OK


# --- laptop commands ----------------------------------------------------------------------------


def _laptop(fn: Callable[..., Any]) -> Callable[[argparse.Namespace], int]:
    """Run `fn(args, client)` with a started client peer; map its failures to exit codes."""

    def command(args: argparse.Namespace) -> int:
        _setup_logging("debug" if args.verbose else "warning", journald=False)

        async def go() -> int:
            from edge_agent.client import Client

            async with Client() as client:
                return await fn(args, client)

        return asyncio.run(go())

    return command


async def _peers(args: argparse.Namespace, client: Any) -> int:
    found = await client.browse(args.wait)
    lines = [
        f"{d['name'] or '-':24} {d['peer_id']}  {', '.join(d['addresses'])}  v{d['version']}" for d in found
    ]
    _out(args, "\n".join(lines) if lines else f"no devices found within {args.wait:g} s", {"peers": found})
    return EXIT_OK


async def _status(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    status = await client.status(target, timeout_s=args.timeout)
    human = "\n".join(
        f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
        for k, v in status.items()
        if not isinstance(v, dict)
    )
    _out(args, human, status)
    return EXIT_OK


def _access_text(access: str) -> str:
    """An access rule as `services` shows it: public, trusted, or how many peers it lists."""
    if access in ("public", "trusted"):
        return access
    count = access.count(",") + 1
    return f"{count} peer{'s' if count > 1 else ''}"


async def _deploy(args: argparse.Namespace, client: Any) -> int:
    from edge_agent.access import AccessRule

    try:
        access = AccessRule.parse(args.access).text
    except ValueError as exc:
        raise CliError(f"--access: {exc}", EXIT_USAGE) from None
    path = Path(args.module)
    try:
        wasm = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    target = await client.resolve(args.target, timeout_s=args.timeout)
    given = (("fuel", args.fuel), ("memory_pages", args.memory_pages), ("deadline_ms", args.deadline_ms))
    limits = {k: v for k, v in given if v is not None}
    shown = {"last": -1}
    block = 1024

    def progress(sent: int, total: int) -> None:
        if args.json or total <= 4 * block:
            return
        percent = sent * 100 // total
        if percent >= shown["last"] + 10 or sent == total:
            shown["last"] = percent
            end = "" if sent < total else "\n"
            line = f"\rsending {path.name}: {sent}/{total} bytes ({percent}%)"
            print(line, end=end, file=sys.stderr, flush=True)

    sha = client.node.offer_module(wasm, progress)
    deploy_args = [args.name, sha, limits, {"access": access}]
    info = await client.call(target, "srv", "deploy", deploy_args, timeout_s=args.timeout)
    limits = info["limits"]
    human = (
        f"deployed {info['name']} on {target.name}: sha256 {info['sha256'][:16]}…, "
        f"{len(info['functions'])} functions ({', '.join(info['functions'])}), fuel {limits['fuel']}, "
        f"memory {limits['memory_pages']} pages, deadline {limits['deadline_ms']} ms, "
        f"access {_access_text(info.get('access', access))}"
    )
    _out(args, human, info)
    return EXIT_OK


async def _services(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    services = await client.call(target, "srv", "list", [], timeout_s=args.timeout)
    lines = [
        f"{s['name']:20} {s['sha256'][:16]}  {_access_text(s.get('access', '?')):8}  "
        f"{', '.join(s['functions'])}"
        for s in services
    ]
    _out(args, "\n".join(lines) if lines else "(no services)", {"services": services})
    return EXIT_OK


async def _enroll(args: argparse.Namespace, client: Any) -> int:
    """Sign a fleet membership for a device with this laptop's key and store it there."""
    import time

    from edge_agent.access import Membership

    if not 1 <= args.days <= const.MEMBERSHIP_MAX_DAYS:
        raise CliError(f"--days is 1 to {const.MEMBERSHIP_MAX_DAYS}, got {args.days}", EXIT_USAGE)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    expires_ms = int(time.time() * 1000) + args.days * 86_400_000
    certificate = Membership.issue(client.node.keypair, target.peer_id, expires_ms)
    result = await client.call(target, "srv", "enroll", [certificate.to_json()], timeout_s=args.timeout)
    until = time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(expires_ms / 1000))
    human = (
        f"enrolled {target.name} ({target.peer_id}) until {until}: devices that trust "
        f"{client.peer_id} admit it to their trusted services"
    )
    _out(args, human, result)
    return EXIT_OK


async def _remove(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    result = await client.call(target, "srv", "remove", [args.name], timeout_s=args.timeout)
    _out(args, f"removed {args.name} from {target.name}", result)
    return EXIT_OK


async def _call(args: argparse.Namespace, client: Any) -> int:
    from edge_agent.client import parse_arg

    target = await client.resolve(args.target, timeout_s=args.timeout)
    call_args = [parse_arg(a) for a in args.args]
    value = await client.call(target, args.service, args.function, call_args, timeout_s=args.timeout)
    _out(args, value if isinstance(value, str) else json.dumps(value), {"result": value})
    return EXIT_OK


async def _run(args: argparse.Namespace, client: Any) -> int:
    from edge_agent.client import Unreachable

    try:
        script = Path(args.script).read_text() if args.script != "-" else sys.stdin.read()
    except OSError as exc:
        raise CliError(f"cannot read {args.script}: {exc.strerror}", EXIT_USAGE) from None
    try:
        data = json.loads(args.data) if args.data else {}
    except ValueError as exc:
        raise CliError(f"--data is not valid JSON: {exc}", EXIT_USAGE) from None
    if not isinstance(data, dict):
        raise CliError("--data must be a JSON object of named arguments", EXIT_USAGE)
    for option, spec in [("--peer", s) for s in args.peer or []] + [("--peers", s) for s in args.peers or []]:
        name, sep, targets = spec.partition("=")
        if not sep or not name or not targets:
            shape = "NAME=TARGET[,TARGET...]" if option == "--peers" else "NAME=TARGET"
            raise CliError(f"{option} takes {shape}, got {spec!r}", EXIT_USAGE)
        ids = [(await client.resolve(t, timeout_s=args.timeout)).peer_id for t in targets.split(",")]
        data[name] = ids[0] if option == "--peer" and len(ids) == 1 else ids
    if args.offer:
        try:
            wasm = Path(args.offer).read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {args.offer}: {exc.strerror}", EXIT_USAGE) from None
        data["sha256"] = client.node.offer_module(wasm)
    relay = None
    if args.relay:
        relay = (await client.resolve(args.relay, timeout_s=args.timeout)).peer_id
    from edge_agent.air import ParseError, parse

    try:
        parse(script)
    except ParseError as exc:
        raise CliError(f"{args.script}: {exc}", EXIT_USAGE) from None
    run = await client.run(script, data, relay=relay, timeout_s=args.timeout)
    responses, errors = run.client.responses, run.client.errors
    _out(
        args,
        "\n".join(json.dumps(r[0] if len(r) == 1 else r) for r in responses),
        {"responses": responses, "errors": errors, "particle_id": run.particle.id},
    )
    if errors:
        for error in errors:
            message = error[0].get("message", error[0]) if error and isinstance(error[0], dict) else error
            if not args.json:
                print(f"error: {message}", file=sys.stderr)
        return EXIT_UNREACHABLE if run.unreachable else EXIT_REMOTE
    if not responses:
        raise Unreachable(f"no response within {args.timeout:g} s")
    return EXIT_OK


# --- the parser ---------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="edge-agent",
        description="Compose Wasm services across the devices of a LAN. On a device: init and serve. "
        "From a laptop: peers, status, deploy, services, enroll, remove, call, run and known.",
        epilog="Exit codes: 0 success, 1 the remote side reported an error, 2 usage, "
        "3 timeout or unreachable. "
        "TARGET is a peer id, an mDNS instance name, or host[:port].",
    )
    p.add_argument("--version", action="version", version=f"edge-agent {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str, help_: str, fn: Callable[[argparse.Namespace], int], **kw: Any
    ) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_, **kw)
        sp.set_defaults(func=fn)
        return sp

    def agent_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--config", metavar="FILE",
            help=f"agent configuration (default {DEFAULT_CONFIG_PATH} if it exists)",
        )
        sp.add_argument(
            "--state-dir", metavar="DIR", help="the agent's state directory (overrides the configuration)"
        )

    def laptop_options(sp: argparse.ArgumentParser, *, timeout: float = 15.0, json_: bool = True) -> None:
        sp.add_argument(
            "--timeout", type=float, default=timeout, metavar="S",
            help=f"seconds to wait (default {timeout:g})",
        )
        if json_:
            sp.add_argument("--json", action="store_true", help="print one JSON document (see docs/cli.md)")
        sp.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")

    sp = add("init", "write a configuration and create the identity of this device's agent", cmd_init)
    sp.add_argument(
        "--config", metavar="FILE", help=f"configuration to write (default {DEFAULT_CONFIG_PATH})"
    )
    sp.add_argument("--state-dir", metavar="DIR", help=f"state directory (default {DEFAULT_STATE_DIR})")
    sp.add_argument(
        "--trust", metavar="PEER_ID", action="append",
        help="allow this peer to deploy and remove services (repeatable)",
    )
    sp.add_argument("--port", type=int, metavar="PORT", help=f"CoAP port (default {const.COAP_DEFAULT_PORT})")
    sp.add_argument(
        "--name", metavar="NAME",
        help="mDNS instance name (default: the host name and the end of the peer id)",
    )
    sp.add_argument("--force", action="store_true", help="rewrite an existing configuration file")
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("serve", "run the agent in the foreground (systemd runs this)", cmd_serve)
    sp.add_argument(
        "--config", metavar="FILE", help=f"configuration (default {DEFAULT_CONFIG_PATH} if it exists)"
    )
    sp.add_argument("--state-dir", metavar="DIR", help="state directory (overrides the configuration)")
    sp.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="overrides log_level")

    sp = add("id", "print this machine's peer id as a client (give it to devices' trust add)", cmd_id)
    sp.add_argument("--agent", action="store_true", help="print the local agent's peer id instead")
    agent_options(sp)
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("trust", "manage who may deploy and remove services on this device", cmd_trust)
    sp.add_argument("action", choices=["add", "remove", "list"])
    sp.add_argument("peer_id", nargs="?", metavar="PEER_ID")
    agent_options(sp)
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("known", "list, pin or forget the peer ids this laptop knows devices' names by", cmd_known)
    sp.add_argument("action", choices=["list", "pin", "forget"])
    sp.add_argument("name", nargs="?", metavar="NAME")
    sp.add_argument("peer_id", nargs="?", metavar="PEER_ID")
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("peers", "list the devices found on the LAN over mDNS", _laptop(_peers))
    sp.add_argument(
        "--wait", type=float, default=2.0, metavar="SECONDS", help="how long to listen (default 2)"
    )
    sp.add_argument("--json", action="store_true", help="print one JSON document")
    sp.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")

    sp = add("status", "show a device's status", _laptop(_status))
    sp.add_argument("target", metavar="TARGET")
    laptop_options(sp, timeout=5.0)

    sp = add("deploy", "deploy a Wasm module to a device as a service", _laptop(_deploy))
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("module", metavar="MODULE.wasm")
    sp.add_argument("--name", required=True, help="service name scripts will call")
    sp.add_argument("--fuel", type=int, metavar="N", help="instructions per call")
    sp.add_argument(
        "--memory-pages", type=int, metavar="N", help="largest memory the module may declare (64 KiB pages)"
    )
    sp.add_argument("--deadline-ms", type=int, metavar="MS", help="wall-clock time per call")
    sp.add_argument(
        "--access", default="trusted", metavar="public|trusted|PEER_ID[,PEER_ID...]",
        help="who may call it: anyone, the device's trusted peers and the devices they enrolled "
        "(default), or exactly these peers",
    )
    laptop_options(sp, timeout=60.0)

    sp = add("services", "list the services deployed on a device", _laptop(_services))
    sp.add_argument("target", metavar="TARGET")
    laptop_options(sp)

    sp = add("enroll", "enroll a device in this laptop's fleet: devices that trust this laptop let it call "
             "their trusted services", _laptop(_enroll))
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("--days", type=int, default=const.MEMBERSHIP_DEFAULT_DAYS, metavar="N",
                    help=f"how long the membership is valid (default {const.MEMBERSHIP_DEFAULT_DAYS})")
    laptop_options(sp)

    sp = add("remove", "remove a service from a device", _laptop(_remove))
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("name", metavar="NAME")
    laptop_options(sp)

    sp = add("call", "call one function of a service on a device", _laptop(_call))
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("service", metavar="SERVICE")
    sp.add_argument("function", metavar="FUNCTION")
    sp.add_argument(
        "args", nargs="*", metavar="ARG", help="arguments; JSON if they parse as JSON, else strings"
    )
    laptop_options(sp)

    sp = add(
        "run", "run an AIR script (e.g. compiled from Aqua) with this laptop as its init peer", _laptop(_run)
    )
    sp.add_argument("script", metavar="SCRIPT.air", help="the script ('-' reads standard input)")
    sp.add_argument("--data", metavar="JSON", help="arguments for getDataSrv, as a JSON object")
    sp.add_argument(
        "--peer", metavar="NAME=TARGET", action="append",
        help="put TARGET's peer id in the data as NAME (repeatable)",
    )
    sp.add_argument(
        "--peers", metavar="NAME=TARGET,...", action="append",
        help="put a list of peer ids in the data as NAME (repeatable)",
    )
    sp.add_argument(
        "--offer", metavar="MODULE.wasm",
        help="serve a module for srv.deploy while the script runs; its hash is data 'sha256'",
    )
    sp.add_argument("--relay", metavar="TARGET", help="the peer getDataSrv.-relay- returns")
    laptop_options(sp, timeout=30.0)
    return p


def main(argv: Sequence[str] | None = None) -> NoReturn:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 130
    except CliError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = exc.code
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        code = EXIT_USAGE if getattr(args, "command", "") != "serve" else EXIT_REMOTE
    except EdgeAgentError as exc:
        from edge_agent.client import BadTarget, RemoteFailure, Unreachable

        print(f"error: {exc}", file=sys.stderr)
        if isinstance(exc, BadTarget):
            code = EXIT_USAGE
        elif isinstance(exc, Unreachable):
            code = EXIT_UNREACHABLE
        elif isinstance(exc, RemoteFailure):
            code = EXIT_REMOTE
        elif isinstance(exc, LocalError):
            code = EXIT_REMOTE
        else:
            code = EXIT_REMOTE
    sys.exit(code)
