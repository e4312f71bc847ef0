"""The `edge-agent` command line: its subcommands, their options and help texts.

Only parsing lives here; what each subcommand does is `edge_agent.cli`, which passes its
functions in by name, so the parser holds no behaviour of its own.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from edge_agent import __version__, const
from edge_agent.config import DEFAULT_CONFIG_PATH as _DEFAULT_CONFIG_PATH

__all__ = ["DEFAULT_CONFIG_PATH", "DEFAULT_STATE_DIR", "Command", "build_parser", "parse"]

# The agent's files: /etc/edge-agent/config.toml and /var/lib/edge-agent, unless these
# variables say otherwise (several agents on one machine, tests, a user install).
DEFAULT_CONFIG_PATH = Path(os.environ.get("EDGE_AGENT_CONFIG") or _DEFAULT_CONFIG_PATH)
DEFAULT_STATE_DIR = Path(os.environ.get("EDGE_AGENT_STATE_DIR") or const.DEFAULT_STATE_DIR)

Command = Callable[[argparse.Namespace], int]
"""A subcommand: its parsed arguments -> the exit code."""


def build_parser(commands: Mapping[str, Command]) -> argparse.ArgumentParser:
    """The `edge-agent` parser; each subcommand's parsed arguments carry `func`, its entry in
    `commands` (by subcommand name)."""
    p = argparse.ArgumentParser(
        prog="edge-agent",
        description="Compose Wasm services across the devices of a LAN. On a device: init and serve. "
        "From a laptop: peers, status, logs, top, deploy, services, history, rollback, enroll, remove, "
        "call, run, spell, tag, compile and known.",
        epilog="Exit codes: 0 success, 1 the remote side reported an error, 2 usage, "
        "3 timeout or unreachable. "
        "TARGET is a peer id, an mDNS instance name, or host[:port]; every command that takes one also "
        "takes --tag TAG (the devices carrying TAG) or --all in its place.",
    )
    p.add_argument("--version", action="version", version=f"edge-agent {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name: str, help_: str, **kw: Any) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help_, description=help_, **kw)
        sp.set_defaults(func=commands[name])
        return sp

    def agent_options(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--config", metavar="FILE",
            help=f"agent configuration (default {DEFAULT_CONFIG_PATH} if it exists)",
        )
        sp.add_argument(
            "--state-dir", metavar="DIR", help="the agent's state directory (overrides the configuration)"
        )

    def targets(sp: argparse.ArgumentParser, *operands: tuple[str, str]) -> None:
        """TARGET, or --tag T / --all, then `operands` ((dest, metavar); "[X ...]" takes the
        rest): positionals argparse cannot tell apart from TARGET, so `parse` places them."""
        sp.add_argument("operands", nargs="*", help=argparse.SUPPRESS)
        sp.add_argument("--tag", metavar="TAG", help="instead of TARGET: every device carrying TAG")
        sp.add_argument("--all", action="store_true", help="instead of TARGET: every device found")
        sp.add_argument(
            "--include-new", action="store_true",
            help="with --tag/--all: act on devices this laptop does not know yet too, and pin their names",
        )
        sp.set_defaults(operand_names=tuple(dest for dest, _ in operands))
        tail = " ".join(metavar for _, metavar in operands)
        sp.usage = f"%(prog)s [options] (TARGET | (--tag TAG | --all) [--include-new]) {tail}".rstrip()

    def trace_option(sp: argparse.ArgumentParser) -> None:
        sp.add_argument(
            "--trace", action="store_true",
            help="show the particle's path: each peer, its calls, sends and failures (docs/cli.md)",
        )

    def laptop_options(sp: argparse.ArgumentParser, *, timeout: float = 15.0, json_: bool = True) -> None:
        sp.add_argument(
            "--timeout", type=float, default=timeout, metavar="S",
            help=f"seconds to wait (default {timeout:g})",
        )
        if json_:
            sp.add_argument("--json", action="store_true", help="print one JSON document (see docs/cli.md)")
        sp.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")

    sp = add("init", "write a configuration and create the identity of this device's agent")
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

    sp = add("serve", "run the agent in the foreground (systemd runs this)")
    sp.add_argument(
        "--config", metavar="FILE", help=f"configuration (default {DEFAULT_CONFIG_PATH} if it exists)"
    )
    sp.add_argument("--state-dir", metavar="DIR", help="state directory (overrides the configuration)")
    sp.add_argument("--log-level", choices=["debug", "info", "warning", "error"], help="overrides log_level")

    sp = add("id", "print this machine's peer id as a client (give it to devices' trust add)")
    sp.add_argument("--agent", action="store_true", help="print the local agent's peer id instead")
    agent_options(sp)
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("trust", "manage who may deploy and remove services on this device")
    sp.add_argument("action", choices=["add", "remove", "list"])
    sp.add_argument("peer_id", nargs="?", metavar="PEER_ID")
    agent_options(sp)
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("known", "list, pin or forget the peer ids this laptop knows devices' names by")
    sp.add_argument("action", choices=["list", "pin", "forget"])
    sp.add_argument("name", nargs="?", metavar="NAME")
    sp.add_argument("peer_id", nargs="?", metavar="PEER_ID")
    sp.add_argument("--json", action="store_true", help="print one JSON document")

    sp = add("compile", "compile an Aqua file to AIR (one function, or every exported one with --json)")
    sp.add_argument("file", metavar="FILE.aqua")
    sp.add_argument(
        "--func", dest="function", metavar="NAME",
        help="the function to compile (default: the only exported one)",
    )
    sp.add_argument("-o", "--output", metavar="OUT.air", help="write the AIR here instead of stdout")
    sp.add_argument("--json", action="store_true", help="every exported function's AIR and signature")
    sp.add_argument(
        "--no-relay", action="store_true",
        help="the client reaches peers directly (Fluence's noRelay): no -relay- hops",
    )

    sp = add("peers", "list the devices found on the LAN over mDNS")
    sp.add_argument(
        "--wait", type=float, default=2.0, metavar="SECONDS", help="how long to listen (default 2)"
    )
    sp.add_argument("--json", action="store_true", help="print one JSON document")
    sp.add_argument("-v", "--verbose", action="store_true", help="log what happens on stderr")

    sp = add("status", "show a device's status")
    targets(sp)
    laptop_options(sp, timeout=5.0)

    sp = add("logs", "show a device's recent log lines (warnings, deploys, failures, services' logs)")
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("service", nargs="?", metavar="SERVICE", help="only this service's lines")
    sp.add_argument("-f", "--follow", action="store_true", help="keep printing new lines as they come")
    sp.add_argument("--since", metavar="DURATION", help="only lines of the last 30s, 10m, 2h, 1d, ...")
    laptop_options(sp, timeout=5.0)

    sp = add("top", "show every device's load, services and errors, refreshed live")
    sp.add_argument(
        "targets", nargs="*", metavar="TARGET", help="these devices (default: all found over mDNS)"
    )
    sp.add_argument("--once", action="store_true", help="print the table once (also when not on a terminal)")
    sp.add_argument("--wait", type=float, default=2.0, metavar="SECONDS",
                    help="how long to listen for devices over mDNS (default 2)")
    laptop_options(sp, timeout=3.0, json_=False)

    sp = add("deploy", "deploy a Wasm module to a device as a service (or to many: --tag, --all)")
    targets(sp, ("module", "MODULE.wasm"))
    sp.add_argument(
        "--batch", type=int, metavar="N",
        help="with --tag/--all: deploy to N devices at a time and stop after a batch where one failed",
    )
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
    sp.add_argument("--update", action="store_true",
                    help="replace the version NAME runs (else a deployed NAME is refused); see docs/fleet.md")
    sp.add_argument("--check", nargs="+", metavar=("FUNC", "ARG"),
                    help="with --update: a smoke call that must succeed (default: the health export)")
    sp.add_argument("--watch", metavar="DURATION",
                    help=f"with --update: how long the device watches the new version before it keeps it "
                    f"(default {const.UPDATE_DEFAULT_WATCH_MS // 1000}s; 0 keeps it after its check)")
    sp.add_argument("--max-failures", type=int, metavar="N",
                    help="with --update: failures tolerated in the watch window (default 0)")
    laptop_options(sp, timeout=60.0)

    sp = add("services", "list the services deployed on a device")
    targets(sp)
    laptop_options(sp)

    sp = add("enroll", "enroll a device in this laptop's fleet: devices that trust this laptop let it call "
             "their trusted services")
    targets(sp)
    sp.add_argument("--days", type=int, default=const.MEMBERSHIP_DEFAULT_DAYS, metavar="N",
                    help=f"how long the membership is valid (default {const.MEMBERSHIP_DEFAULT_DAYS})")
    laptop_options(sp)

    sp = add("remove", "remove a service and its versions from a device (its KV data stays unless --purge)")
    targets(sp, ("name", "NAME"))
    sp.add_argument("--purge", action="store_true", help="also delete the service's KV data")
    laptop_options(sp)

    sp = add("rollback", "switch a service on a device back to a version it keeps")
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("name", metavar="NAME")
    sp.add_argument("--to", type=int, metavar="VERSION",
                    help="the version (default: the one the serving version replaced); see history")
    laptop_options(sp)

    sp = add("history", "list the versions of a service a device keeps: who deployed each, when and why")
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("name", metavar="NAME")
    laptop_options(sp)

    sp = add("call", "call one function of a service on a device; ARGs are JSON if they parse as JSON, "
             "else strings")
    targets(sp, ("service", "SERVICE"), ("function", "FUNCTION"), ("args", "[ARG ...]"))
    trace_option(sp)
    laptop_options(sp)

    sp = add("tag", "add (+TAG) and remove (-TAG) a device's tags; only its trusted peers may "
             "(a tag that looks like an option, such as -v, goes after --)")
    targets(sp, ("changes", "+TAG|-TAG ..."))
    laptop_options(sp)

    sp = add(
        "run", "run an Aqua function or an AIR script with this laptop as its init peer"
    )
    sp.add_argument(
        "script", metavar="SCRIPT.air|FILE.aqua", help="the script ('-' reads AIR from standard input)"
    )
    sp.add_argument("--func", dest="function", metavar="NAME",
                    help="the Aqua function to run (default: the only exported one)")
    sp.add_argument(
        "--arg", metavar="NAME=JSON", action="append",
        help="an argument of the Aqua function, checked against its type (repeatable)",
    )
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
    trace_option(sp)
    laptop_options(sp, timeout=30.0)

    sp = add("spell", "install, list, inspect and remove the scripts devices run by themselves")
    _spell_actions(sp, laptop_options, targets)
    return p


def _spell_actions(
    sp: argparse.ArgumentParser, laptop_options: Callable[..., None], targets: Callable[..., None]
) -> None:
    """`spell`'s actions and their options (edge_agent.cli_spell does them)."""
    actions = sp.add_subparsers(dest="spell_action", metavar="ACTION", required=True)
    a = actions.add_parser(
        "install", help="install (or replace) a spell on a device",
        description="Install a script the device runs by itself, on a schedule or when something "
        "happens there, with itself as the init peer (the device's trusted peers only).",
    )
    targets(a, ("name", "NAME"), ("file", "FILE.aqua|FILE.air"))
    a.set_defaults(group_command="spell install")
    a.add_argument("--func", dest="function", metavar="F",
                   help="the Aqua function (default: the only exported one)")
    when = a.add_mutually_exclusive_group(required=True)
    when.add_argument("--every", metavar="PERIOD", help="run every PERIOD: 1s to 366d (30s, 5m, 2h, 1d)")
    when.add_argument("--cron", metavar="EXPR", help='run at the minutes of a cron expression: "*/5 * * * *"')
    when.add_argument("--on", metavar="EVENT",
                      help="run when this happens: peer-joined, peer-left, service-deployed")
    a.add_argument("--arg", metavar="NAME=JSON", action="append",
                   help="an argument of the function (repeatable)")
    a.add_argument("--peer", metavar="NAME=TARGET", action="append",
                   help="put TARGET's peer id in the arguments as NAME (repeatable)")
    a.add_argument("--peers", metavar="NAME=TARGET,...", action="append",
                   help="put a list of peer ids in the arguments as NAME (repeatable)")
    laptop_options(a)
    for name, help_ in (("list", "list the spells on a device"), ("status", "a spell's last runs"),
                        ("remove", "remove a spell (its result log and state go with it)")):
        b = actions.add_parser(name, help=help_, description=help_)
        b.add_argument("target", metavar="TARGET")
        if name != "list":
            b.add_argument("name", metavar="NAME")
        if name == "status":
            b.add_argument("--runs", type=int, default=10, metavar="N", help="runs to show (default 10)")
        laptop_options(b)


def parse(parser: argparse.ArgumentParser, argv: Sequence[str] | None) -> argparse.Namespace:
    """`parser`'s arguments, with TARGET (or --tag/--all) and the positionals after it placed
    as `target`, ... (see `targets`) and `tag`'s +TAG/-TAG words in `changes`; a usage error
    exits with 2, as argparse's own do."""
    words, changes = _tag_changes(list(sys.argv[1:] if argv is None else argv))
    args, extra = parser.parse_known_args(words)
    # argparse fills a positional from one run of words: those after an option come back here.
    unknown = [w for w in extra if w.startswith("-") and not _NUMBER.fullmatch(w)]
    names = getattr(args, "operand_names", None)
    if unknown or (extra and names is None):
        parser.error(f"unrecognized arguments: {' '.join(unknown or extra)}")
    if names is None:
        return args
    operands = list(args.operands) + extra + (changes if args.command == "tag" else [])
    grouped = args.tag is not None or args.all
    if args.tag is not None and args.all:
        parser.error(f"{args.command}: give --tag or --all, not both")
    if args.include_new and not grouped:
        parser.error(f"{args.command}: --include-new goes with --tag or --all")
    if not grouped:
        if not operands:
            parser.error(f"{args.command}: give a TARGET (a device), --tag TAG or --all")
        args.target = operands.pop(0)
    else:
        args.target = None
    for name in names:
        if name in ("args", "changes"):
            setattr(args, name, operands)
            operands = []
        elif not operands:
            parser.error(f"{args.command}: {name.upper()} is missing")
        else:
            setattr(args, name, operands.pop(0))
    if operands:
        both = " (give TARGET or --tag/--all, not both)" if grouped else ""
        parser.error(f"{args.command}: unexpected {operands[0]!r}{both}")
    return args


_NUMBER = re.compile(r"-\d+(\.\d*)?([eE][-+]?\d+)?")
"""A negative number, which argparse takes for a positional (JSON for `call`)."""
_SHORT = ("-h", "-v")
"""The tag command's short options (a tag named like one is removed after ``--``)."""


def _tag_changes(argv: list[str]) -> tuple[list[str], list[str]]:
    """`edge-agent tag`'s +TAG and -TAG words taken out of `argv` (argparse would take -TAG
    for an option): every word after ``--``, and before it those that start with ``+``, or
    with one ``-`` and are not -h or -v."""
    command = next((i for i, word in enumerate(argv) if not word.startswith("-")), None)
    if command is None or argv[command] != "tag":
        return argv, []
    words, changes = argv[: command + 1], list[str]()
    rest = iter(argv[command + 1 :])
    for word in rest:
        if word == "--":
            changes.extend(rest)
        elif word[:1] == "+" or (word[:1] == "-" and word[1:2] not in ("-", "") and word not in _SHORT):
            changes.append(word)
        else:
            words.append(word)
    return words, changes
