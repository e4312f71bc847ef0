"""`edge-agent deploy`: offer a module to a device and ask it to run it as a service.

What can be refused here is refused before a byte of the module is sent: the access rule,
the file, and its size against the device's limit (`max_module_bytes` in its `/status`).
Progress goes to stderr: redrawn in place (`\\r`) on a terminal, else one line per 10%, so a
log or CI output gets ten lines, not a wall of carriage returns. Only `edge_agent.cli` and
this module print.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from edge_agent import const
from edge_agent.cli import EXIT_OK, EXIT_REMOTE, EXIT_USAGE, CliError, _out, access_text
from edge_agent.cli_text import terminal_safe
from edge_agent.cli_versions import (
    exit_code,
    rolled_back_text,
    update_options,
    update_text,
    wait_for_watch,
    watch_window_ms,
)

__all__ = [
    "DeployRequest", "check_module_size", "deploy", "deploy_request", "deploy_to", "deployed_text",
    "progress_printer",
]

SHOWN_FROM_BYTES = 4 * 1024
"""Modules up to this size (four blocks) are sent without progress: it would flash by."""


async def deploy(args: argparse.Namespace, client: Any) -> int:
    """`edge-agent deploy TARGET MODULE.wasm --name NAME [limits] [--access RULE] [--update ...]`."""
    if args.batch is not None:
        raise CliError("--batch is for a deploy to many devices: give --tag TAG or --all", EXIT_USAGE)
    request = deploy_request(args)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    info = await deploy_to(client, target, request, timeout_s=args.timeout, quiet=args.json)
    if info.get("rolled_back"):
        if args.json:
            _out(args, "", info)
        raise CliError(rolled_back_text(info, target.name), exit_code(info))
    if "version" in info:  # an update
        _out(args, update_text(info, target.name), info)
        return EXIT_OK
    _out(args, f"deployed {info['name']} on {target.name}: {deployed_text(info)}", info)
    return EXIT_OK


def deployed_text(info: dict[str, Any]) -> str:
    """What a (first) deploy's answer says to a person (after "deployed ... on DEVICE")."""
    limits = info["limits"]
    return (
        f"sha256 {info['sha256'][:16]}…, {len(info['functions'])} functions "
        f"({', '.join(info['functions'])}), fuel {limits['fuel']}, memory {limits['memory_pages']} "
        f"pages, deadline {limits['deadline_ms']} ms, access {access_text(info['access'])}"
    )


@dataclass(frozen=True, slots=True)
class DeployRequest:
    """One `deploy` as the laptop asks it of each device: the module and srv.deploy's arguments."""

    path: Path
    wasm: bytes
    name: str
    limits: dict[str, int]
    access: str
    update: dict[str, Any] = field(default_factory=dict)
    """srv.deploy's update options (empty: not an update)."""


def deploy_request(args: argparse.Namespace) -> DeployRequest:
    """What `deploy`'s arguments ask, checked and read before any device is looked for (exit 2)."""
    from edge_agent.access import AccessRule

    try:
        access = AccessRule.parse(args.access).text
    except ValueError as exc:
        raise CliError(f"--access: {exc}", EXIT_USAGE) from None
    update = update_options(args)
    path = Path(args.module)
    try:
        wasm = path.read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}", EXIT_USAGE) from None
    given = (("fuel", args.fuel), ("memory_pages", args.memory_pages), ("deadline_ms", args.deadline_ms))
    limits = {k: v for k, v in given if v is not None}
    return DeployRequest(path, wasm, args.name, limits, access, update)


async def deploy_to(
    client: Any, target: Any, request: DeployRequest, *, timeout_s: float, quiet: bool = False
) -> dict[str, Any]:
    """Deploy (or update) on one device: the device's answer, once an update's watch ended.

    An update the device switched back from answers ``"rolled_back": true`` with the
    ``"reason"`` (and ``"state": "failed"``); callers that deploy to many devices stop there.
    Raises `CliError` for a module over the device's limit, the client's errors otherwise.
    """
    status = await client.status(target, timeout_s=timeout_s)
    check_module_size(request.path, len(request.wasm), target.name, status)
    show = not quiet and len(request.wasm) > SHOWN_FROM_BYTES
    progress = progress_printer(request.path.name, sys.stderr) if show else None
    sha = client.node.offer_module(request.wasm, progress)
    options = {"access": request.access, **request.update}
    deploy_args = [request.name, sha, request.limits, options]
    info = await client.call(target, "srv", "deploy", deploy_args, timeout_s=timeout_s)
    if not isinstance(info, dict):
        what = type(info).__name__
        raise CliError(f"{target.name} answered the deploy with {what}, not a map", EXIT_REMOTE)
    if not request.update:  # a first deploy is not watched, whatever the device says
        info.setdefault("access", request.access)
        return info
    asked_ms = request.update.get("watch_ms", const.UPDATE_DEFAULT_WATCH_MS)
    if info.get("state") == "watching" and not quiet:
        window_s = watch_window_ms(info, asked_ms) / 1000
        print(terminal_safe(f"{target.name}: watching {request.name} version {info.get('version')} for "
                            f"{window_s:g} s"), file=sys.stderr)
    info.setdefault("access", request.access)  # a device too old to say
    return await wait_for_watch(client, target, info, timeout_s=timeout_s, asked_ms=asked_ms)


def check_module_size(path: Path, size: int, device: str, status: dict[str, Any]) -> None:
    """Refuse (exit 1) a module larger than the device's `max_module_bytes` (from its
    /status), before anything is sent: the device would fetch it all and then refuse it.
    A device whose /status does not say (an older version) checks it itself."""
    limit = status.get("max_module_bytes")
    if isinstance(limit, int) and not isinstance(limit, bool) and size > limit:
        raise CliError(
            f"{path} is {size} bytes, more than the {limit} bytes {device} accepts "
            f"(wasm.max_module_bytes in its configuration); nothing was sent",
            EXIT_REMOTE,
        )


def progress_printer(name: str, stream: TextIO) -> Callable[[int, int], None]:
    """`progress(sent, total)` for `Node.offer_module`: on a terminal one line redrawn with
    `\\r` at each percent, elsewhere a line at each 10% (and at the end)."""
    tty = stream.isatty()
    step = 1 if tty else 10
    shown = -1 if tty else 0  # off a terminal the first line is at 10%

    def progress(sent: int, total: int) -> None:
        nonlocal shown
        percent = sent * 100 // total if total else 100
        if percent < shown + step and sent < total:
            return
        if sent == total and shown == 100:
            return  # a block fetched again at the end
        shown = percent - percent % step
        line = f"sending {name}: {sent}/{total} bytes ({percent}%)"
        if tty:
            stream.write("\r" + line + ("\n" if sent >= total else ""))
        else:
            stream.write(line + "\n")
        stream.flush()

    return progress
