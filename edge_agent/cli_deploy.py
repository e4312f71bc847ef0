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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from edge_agent.cli import EXIT_OK, EXIT_REMOTE, EXIT_USAGE, CliError, _out, access_text

__all__ = [
    "Upload", "check_module_size", "deploy", "deploy_to", "deployed_text", "prepare", "progress_printer",
]

SHOWN_FROM_BYTES = 4 * 1024
"""Modules up to this size (four blocks) are sent without progress: it would flash by."""


@dataclass(frozen=True, slots=True)
class Upload:
    """A module read, checked and offered by this laptop, ready for `srv.deploy` on devices."""

    path: Path
    size: int
    sha256: str
    limits: dict[str, int]
    access: str


def prepare(args: argparse.Namespace, client: Any, *, progress: bool) -> Upload:
    """Check `--access`, read the module and offer it (with `progress` on stderr for one
    device): usage errors (exit 2) before any device is looked for."""
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
    given = (("fuel", args.fuel), ("memory_pages", args.memory_pages), ("deadline_ms", args.deadline_ms))
    limits = {k: v for k, v in given if v is not None}
    shown = progress and not args.json and len(wasm) > SHOWN_FROM_BYTES
    sha = client.node.offer_module(wasm, progress_printer(path.name, sys.stderr) if shown else None)
    return Upload(path, len(wasm), sha, limits, access)


async def deploy_to(args: argparse.Namespace, client: Any, target: Any, upload: Upload) -> dict[str, Any]:
    """Deploy `upload` on one device as `--name`: its size checked against the device's
    limit first (`check_module_size`); the service's description, or the error raised."""
    status = await client.status(target, timeout_s=args.timeout)
    check_module_size(upload.path, upload.size, target.name, status)
    deploy_args = [args.name, upload.sha256, upload.limits, {"access": upload.access}]
    info: dict[str, Any] = await client.call(target, "srv", "deploy", deploy_args, timeout_s=args.timeout)
    info.setdefault("access", upload.access)  # a device too old to say
    return info


def deployed_text(info: dict[str, Any]) -> str:
    """What a deploy's answer says to a person (after "deployed ... on DEVICE")."""
    limits = info["limits"]
    return (
        f"sha256 {info['sha256'][:16]}…, {len(info['functions'])} functions "
        f"({', '.join(info['functions'])}), fuel {limits['fuel']}, memory {limits['memory_pages']} "
        f"pages, deadline {limits['deadline_ms']} ms, access {access_text(info['access'])}"
    )


async def deploy(args: argparse.Namespace, client: Any) -> int:
    """`edge-agent deploy TARGET MODULE.wasm --name NAME [limits] [--access RULE]`."""
    if args.batch is not None:
        raise CliError("--batch is for a deploy to many devices: give --tag TAG or --all", EXIT_USAGE)
    upload = prepare(args, client, progress=True)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    info = await deploy_to(args, client, target, upload)
    _out(args, f"deployed {info['name']} on {target.name}: {deployed_text(info)}", info)
    return EXIT_OK


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
