"""`edge-agent`: run the agent on a device, and drive devices from a laptop.

Exit codes: 0 success; 1 the remote side reported an error (printed); 2 usage; 3 a timeout
or an unreachable device. `--json` output is one JSON document on stdout (see
docs/cli.md); human output is short. Only this module prints; the parser is `cli_parser`.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from edge_agent import __version__, gc_policy, openssl
from edge_agent.cli_parser import DEFAULT_CONFIG_PATH, DEFAULT_STATE_DIR, Command, build_parser, parse
from edge_agent.cli_text import terminal_safe
from edge_agent.config import Config, load_config, parse_config
from edge_agent.errors import ConfigError, EdgeAgentError

EXIT_OK, EXIT_REMOTE, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3

log = logging.getLogger("edge_agent")


class CliError(Exception):
    """A failure the CLI reports with a message and an exit code."""

    def __init__(self, message: str, code: int = EXIT_REMOTE) -> None:
        super().__init__(message)
        self.code = code


# --- helpers ----------------------------------------------------------------------------------


def _out(args: argparse.Namespace, human: str, data: Any) -> None:
    if getattr(args, "json", False):
        trace = getattr(args, "trace_doc", None)  # `--trace` (cli_trace.hook)
        print(json.dumps(data if trace is None else {**data, "trace": trace}, indent=2, sort_keys=True))
    elif human:
        print(terminal_safe(human))


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
            text = f"{record.levelname.lower()} {record.name}: {terminal_safe(record.getMessage())}"
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
        wrote = True
    # The state directory first (mode 0700, it holds the key), then a config file inside it
    # may not make it with the default mode.
    state = StateDir(config.state_dir)
    if wrote:
        path.parent.mkdir(parents=True, exist_ok=True)
        from edge_agent.statefile import atomic_write

        atomic_write(path, config.to_toml().encode(), mode=0o644)
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
    stop, loop = asyncio.Event(), asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await node.start()
    except EdgeAgentError as exc:
        log.error("could not start: %s", exc)
        await node.stop()
        return EXIT_REMOTE
    print(f"edge-agent {__version__} serving as {node.peer_id} on UDP port {node.port}", flush=True)
    if config.metrics.listen:
        # prometheus_client needs ssl and http.client with it (its push gateway): before
        # anything imports them without it (edge_agent.openssl).
        openssl.let_in()
    from edge_agent import prom

    try:
        with node.observe.capturing():  # the log ring
            async with prom.serving(node):  # metrics.listen
                gc_policy.settle()  # what started lives until exit: no collection walks it again
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
                if getattr(args, "tag", None) is not None or getattr(args, "all", False):
                    from edge_agent.cli_group import run_group  # the same command on many devices

                    return await run_group(args, client)
                return await fn(args, client)

        return asyncio.run(go())

    return command


def _later(module: str, name: str) -> Callable[[argparse.Namespace, Any], Any]:
    """A laptop command defined in `module`, imported when it runs (the CLI starts faster)."""

    async def command(args: argparse.Namespace, client: Any) -> int:
        return int(await getattr(importlib.import_module(module), name)(args, client))

    return command


async def _peers(args: argparse.Namespace, client: Any) -> int:
    found = await client.browse(args.wait)
    lines = [
        f"{d['name'] or '-':24} {d['peer_id']}  {', '.join(d['addresses'])}  v{d['version']}  "
        f"tags: {', '.join(d['tags']) or '-'}"
        for d in found
    ]
    _out(args, "\n".join(lines) if lines else f"no devices found within {args.wait:g} s", {"peers": found})
    return EXIT_OK


async def _observe(args: argparse.Namespace, client: Any) -> int:
    """`logs` and `top` (edge_agent.cli_observe)."""
    from edge_agent import cli_observe

    return int(await getattr(cli_observe, f"{args.command}_command")(args, client))


def access_text(access: str) -> str:
    """An access rule as `services` shows it: public, trusted, or how many peers it lists."""
    if access in ("public", "trusted"):
        return access
    count = access.count(",") + 1
    return f"{count} peer{'s' if count > 1 else ''}"


async def _services(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    services = await client.call(target, "srv", "list", [], timeout_s=args.timeout)
    lines = [
        f"{s['name']:20} {s['sha256'][:16]}  {access_text(s.get('access', '?')):8}  "
        f"{', '.join(s['functions'])}"
        for s in services
    ]
    _out(args, "\n".join(lines) if lines else "(no services)", {"services": services})
    return EXIT_OK


def _versions(name: str) -> Callable[[argparse.Namespace, Any], Any]:
    """`edge_agent.cli_versions`'s command `name` (imported when it runs: it imports this module)."""

    async def command(args: argparse.Namespace, client: Any) -> int:
        from edge_agent import cli_versions

        return int(await getattr(cli_versions, name)(args, client))

    return command


async def _call(args: argparse.Namespace, client: Any) -> int:
    from edge_agent.cli_trace import hook as trace_hook
    from edge_agent.client import parse_arg

    target = await client.resolve(args.target, timeout_s=args.timeout)
    call_args = [parse_arg(a) for a in args.args]
    traced = trace_hook(args, client)
    value = await client.call(target, args.service, args.function, call_args,
                              timeout_s=args.timeout, traced=traced)
    _out(args, value if isinstance(value, str) else json.dumps(value), {"result": value})
    return EXIT_OK


async def _run(args: argparse.Namespace, client: Any) -> int:
    """Everything that can be checked here is checked before a peer is looked for: the
    script parses (or compiles), the arguments fit, the files read; then each TARGET gets a
    short wait of its own."""
    from edge_agent.cli_trace import hook as trace_hook

    try:
        script = Path(args.script).read_text() if args.script != "-" else sys.stdin.read()
    except OSError as exc:
        raise CliError(f"cannot read {args.script}: {exc.strerror}", EXIT_USAGE) from None
    data = _data_option(args)
    specs = _peer_specs(args)
    for option, name, targets in specs:  # the TARGETs as given, to check the arguments' types
        data[name] = targets[0] if option == "--peer" and len(targets) == 1 else targets
    signature = None
    if args.script.endswith(".aqua"):
        script, signature = _compile_for_run(args, script, data)
        _check_args(signature, data)
    elif args.function or args.arg:
        raise CliError("--func and --arg are for an Aqua file (FILE.aqua)", EXIT_USAGE)
    else:
        _parse_air(args, script)
    wasm = None
    if args.offer:
        try:
            wasm = Path(args.offer).read_bytes()
        except OSError as exc:
            raise CliError(f"cannot read {args.offer}: {exc.strerror}", EXIT_USAGE) from None
    await _resolve_targets(args, client, specs, data)
    if wasm is not None:
        data["sha256"] = client.node.offer_module(wasm)
    relay = None
    if args.relay:
        relay = (await client.resolve(args.relay, timeout_s=args.timeout)).peer_id
    run = await client.run(script, data, relay=relay, timeout_s=args.timeout, trace=args.trace)
    if (traced := trace_hook(args, client)) is not None:
        await traced(run)
    return _ran(args, client, run, signature)


def _parse_air(args: argparse.Namespace, script: str) -> None:
    """A usage error (exit 2) for an AIR script that does not parse, before anything is sent."""
    from edge_agent.air import ParseError, parse

    try:
        parse(script)
    except ParseError as exc:
        raise CliError(f"{args.script}: {exc}", EXIT_USAGE) from None


def _ran(args: argparse.Namespace, client: Any, run: Any, signature: Any = None) -> int:
    """Print what a run gave -- responses (an Aqua function's return values, one per line),
    errors, a failure -- and its exit code."""
    from edge_agent.client import Unreachable, failure_json, failure_text

    responses, errors, failure = run.client.responses, run.client.errors, run.failure
    name = client.name_of(failure.peer) if failure is not None else None
    doc = {
        "responses": responses, "errors": errors, "particle_id": run.particle.id,
        "failure": failure_json(failure, name),
    }
    if signature is not None:
        from edge_agent.aqua.args import return_values

        doc["results"] = return_values(signature, responses, errors)
        human = "\n".join(json.dumps(v) for r in responses[:1] for v in r)
    else:
        human = "\n".join(json.dumps(r[0] if len(r) == 1 else r) for r in responses)
    _out(args, human, doc)
    if not args.json:
        for error in errors:
            message = error[0].get("message", error[0]) if error and isinstance(error[0], dict) else error
            print(terminal_safe(f"error: {message}"), file=sys.stderr)
        if failure is not None:
            print(terminal_safe(f"error: {failure_text(failure, name)}"), file=sys.stderr)
    if failure is not None:  # it stopped the particle where it happened: nothing more comes
        return EXIT_REMOTE
    if errors:
        return EXIT_UNREACHABLE if run.unreachable else EXIT_REMOTE
    if not responses:
        raise Unreachable(f"no response within {args.timeout:g} s")
    return EXIT_OK


def _data_option(args: argparse.Namespace) -> dict[str, Any]:
    """`run --data`: a JSON object of named arguments (empty without the option)."""
    try:
        data = json.loads(args.data) if args.data else {}
    except ValueError as exc:
        raise CliError(f"--data is not valid JSON: {exc}", EXIT_USAGE) from None
    if not isinstance(data, dict):
        raise CliError("--data must be a JSON object of named arguments", EXIT_USAGE)
    return data


PeerSpec = tuple[str, str, list[str]]
"""`run --peer/--peers` as given: (the option, the data name, the TARGETs)."""


def _peer_specs(args: argparse.Namespace) -> list[PeerSpec]:
    """`run --peer NAME=TARGET` / `--peers NAME=T1,T2`, checked for their shape."""
    specs = []
    for option, spec in [("--peer", s) for s in args.peer or []] + [("--peers", s) for s in args.peers or []]:
        name, sep, targets = spec.partition("=")
        if not sep or not name or not targets:
            shape = "NAME=TARGET[,TARGET...]" if option == "--peers" else "NAME=TARGET"
            raise CliError(f"{option} takes {shape}, got {spec!r}", EXIT_USAGE)
        specs.append((option, name, targets.split(",")))
    return specs


async def _resolve_targets(
    args: argparse.Namespace, client: Any, specs: list[PeerSpec], data: dict[str, Any]
) -> None:
    """Each TARGET's peer id put in `data` under its NAME, all looked for at once, each with its
    own short wait. A `--peer` not found ends the run; a `--peers` one gets an id whose calls
    fail with error 14 (unreachable), as a device down does, and a warning (while it runs)."""

    def warn(target: str, why: str, peer_id: str | None = None) -> None:
        print(terminal_safe(f"warning: {why}. The script gets {peer_id or target} for {target!r}: "
                            f"calls on it fail with error 14 (unreachable)"), file=sys.stderr)

    async def one(option: str, target: str) -> str:
        if option == "--peer":
            return str((await client.resolve(target, timeout_s=args.timeout)).peer_id)
        if peer_id := client.look_up_meanwhile(target, args.timeout, warn):
            return str(peer_id)  # a peer id: the run starts while it is looked for
        found, why = await client.resolve_for_script(target, timeout_s=args.timeout)
        if why is not None:
            warn(target, why, found.peer_id)
        return str(found.peer_id)

    resolved = await asyncio.gather(*(asyncio.gather(*(one(o, t) for t in ts)) for o, _, ts in specs))
    for (option, name, _), ids in zip(specs, resolved, strict=True):
        data[name] = ids[0] if option == "--peer" and len(ids) == 1 else list(ids)


def _check_args(signature: Any, data: dict[str, Any]) -> None:
    """Refuse arguments that do not fit the Aqua function's types, before anything is sent."""
    from edge_agent.aqua.args import ArgumentError, require_args

    try:
        require_args(signature, data)
    except ArgumentError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None


def _compile_for_run(args: argparse.Namespace, text: str, data: dict[str, Any]) -> tuple[str, Any]:
    """(AIR, signature) of `run FILE.aqua`'s function; its --arg values are put in `data`.

    Without --relay the laptop reaches the devices directly, so the AIR takes no relay hops.
    """
    from edge_agent.aqua import AquaError, compile_function, read_relative
    from edge_agent.aqua.args import parse_arg

    try:
        air, signature = compile_function(text, args.function, args.script, bool(args.relay), read_relative)
    except AquaError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    for spec in args.arg or []:
        try:
            name, value = parse_arg(spec, signature)
        except ValueError as exc:
            raise CliError(str(exc), EXIT_USAGE) from None
        data[name] = value
    return air, signature


def cmd_compile(args: argparse.Namespace) -> int:
    """Compile an Aqua file to AIR: one function's AIR, or with --json every exported one's."""
    from edge_agent.aqua import AquaError, compile_all, compile_source, read_relative

    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror or exc}", EXIT_USAGE) from None
    relay = not args.no_relay
    try:
        if args.json:
            doc = compile_all(text, str(path), relay, read_relative)
            output = json.dumps(doc, indent=2, sort_keys=True) + "\n"
        else:
            output = compile_source(text, args.function, str(path), relay, read_relative)
    except AquaError as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if args.output:
        try:
            Path(args.output).write_text(output, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.output}: {exc.strerror or exc}", EXIT_USAGE) from None
    else:
        sys.stdout.write(output)
    return EXIT_OK


# --- the commands by name ---------------------------------------------------------------------


COMMANDS: dict[str, Command] = {
    "init": cmd_init,
    "serve": cmd_serve,
    "id": cmd_id,
    "trust": cmd_trust,
    "known": cmd_known,
    "compile": cmd_compile,
    "peers": _laptop(_peers),
    "status": _laptop(_later("edge_agent.cli_group", "status")),
    "logs": _laptop(_observe),
    "top": _laptop(_observe),
    "deploy": _laptop(_later("edge_agent.cli_deploy", "deploy")),
    "services": _laptop(_services),
    "enroll": _laptop(_later("edge_agent.cli_group", "enroll")),
    "remove": _laptop(_versions("remove")),
    "rollback": _laptop(_versions("rollback")),
    "history": _laptop(_versions("history")),
    "call": _laptop(_call),
    "tag": _laptop(_later("edge_agent.cli_group", "tag")),
    "run": _laptop(_run),
    "spell": _laptop(_later("edge_agent.cli_spell", "spell")),
}
"""Each subcommand's function (`edge_agent.cli_parser` builds the parser around them)."""


def exit_code_for(exc: Exception) -> int:
    """The exit code for a laptop command's error: usage 2 for a TARGET that cannot be used as
    given, 3 for a timeout or an unreachable device, else 1 (see the module docstring)."""
    from edge_agent.client import BadTarget, Unreachable

    if isinstance(exc, CliError):
        return exc.code
    if isinstance(exc, BadTarget | ConfigError):
        return EXIT_USAGE
    return EXIT_UNREACHABLE if isinstance(exc, Unreachable) else EXIT_REMOTE


def main(argv: Sequence[str] | None = None) -> NoReturn:
    parser = build_parser(COMMANDS)
    args = parse(parser, argv)
    try:
        code = args.func(args)
    except KeyboardInterrupt:
        code = 130
    except CliError as exc:
        print(terminal_safe(f"error: {exc}"), file=sys.stderr)
        code = exc.code
    except EdgeAgentError as exc:  # a bad config is the user's to fix, but serve's a service's
        print(terminal_safe(f"error: {exc}"), file=sys.stderr)
        serve = getattr(args, "command", "") == "serve"
        code = (EXIT_REMOTE if serve else EXIT_USAGE) if isinstance(exc, ConfigError) else exit_code_for(exc)
    sys.exit(code)
