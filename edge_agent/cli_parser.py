"""The `edge-agent` command line: its subcommands, their options and help texts.

Only parsing lives here; what each subcommand does is `edge_agent.cli`, which passes its
functions in by name, so the parser holds no behaviour of its own.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from edge_agent import __version__, const
from edge_agent.config import DEFAULT_CONFIG_PATH as _DEFAULT_CONFIG_PATH

__all__ = ["DEFAULT_CONFIG_PATH", "DEFAULT_STATE_DIR", "Command", "build_parser"]

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
        "From a laptop: peers, status, deploy, services, history, rollback, enroll, remove, call, run, "
        "compile and known.",
        epilog="Exit codes: 0 success, 1 the remote side reported an error, 2 usage, "
        "3 timeout or unreachable. "
        "TARGET is a peer id, an mDNS instance name, or host[:port].",
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
    sp.add_argument("target", metavar="TARGET")
    laptop_options(sp, timeout=5.0)

    sp = add("deploy", "deploy a Wasm module to a device as a service")
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
    sp.add_argument("target", metavar="TARGET")
    laptop_options(sp)

    sp = add("enroll", "enroll a device in this laptop's fleet: devices that trust this laptop let it call "
             "their trusted services")
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("--days", type=int, default=const.MEMBERSHIP_DEFAULT_DAYS, metavar="N",
                    help=f"how long the membership is valid (default {const.MEMBERSHIP_DEFAULT_DAYS})")
    laptop_options(sp)

    sp = add("remove", "remove a service and its versions from a device (its KV data stays unless --purge)")
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("name", metavar="NAME")
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

    sp = add("call", "call one function of a service on a device")
    sp.add_argument("target", metavar="TARGET")
    sp.add_argument("service", metavar="SERVICE")
    sp.add_argument("function", metavar="FUNCTION")
    sp.add_argument(
        "args", nargs="*", metavar="ARG", help="arguments; JSON if they parse as JSON, else strings"
    )
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
    laptop_options(sp, timeout=30.0)
    return p
