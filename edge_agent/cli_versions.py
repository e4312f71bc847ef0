"""`edge-agent deploy --update`'s wait, `rollback`, `history` and `remove [--purge]`: a service's
versions on a device (docs/fleet.md, "Updates and rollbacks").

An update's answer comes once the device has switched and checked the new version; while the
device watches it, this side asks for its history every `POLL_S` seconds until the version is
kept or switched back (the device decides either way, also when nobody waits). Only
`edge_agent.cli` and the modules it delegates to print.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import time
from typing import Any

from edge_agent import const
from edge_agent.cli import EXIT_OK, EXIT_REMOTE, EXIT_USAGE, CliError, _out

__all__ = [
    "history", "parse_duration_ms", "remove", "rollback", "update_options", "wait_for_watch",
    "watch_window_ms",
]

POLL_S = 1.0
"""How often the CLI asks a device about a version it watches, in seconds."""
WATCH_MARGIN_S = 10.0
"""How long past the watch window the CLI keeps asking (the device's last check, the network)."""
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)?\Z")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def parse_duration_ms(text: str) -> int:
    """`30s`, `500ms`, `2m`, `1h` or a number of seconds, in ms (ValueError if not one)."""
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration such as 30s, 500ms or 2m")
    return round(float(match.group(1)) * _UNIT_MS[match.group(2) or "s"])


def update_options(args: argparse.Namespace) -> dict[str, Any]:
    """srv.deploy's update options from `deploy --update [--check FUNC ARG...] [--watch D]
    [--max-failures N]` (empty without --update; a usage error for those options without it)."""
    options_given = (("--check", args.check), ("--watch", args.watch), ("--max-failures", args.max_failures))
    given = [option for option, value in options_given if value is not None]
    if not args.update:
        if given:
            raise CliError(f"{', '.join(given)}: only with --update", EXIT_USAGE)
        return {}
    from edge_agent.client import parse_arg

    options: dict[str, Any] = {"update": True}
    if args.watch is not None:
        try:
            options["watch_ms"] = parse_duration_ms(args.watch)
        except ValueError as exc:
            raise CliError(f"--watch: {exc}", EXIT_USAGE) from None
        if options["watch_ms"] > const.UPDATE_MAX_WATCH_MS:
            raise CliError(f"--watch: at most {const.UPDATE_MAX_WATCH_MS // 60_000} minutes", EXIT_USAGE)
    if args.max_failures is not None:
        if not 0 <= args.max_failures <= const.UPDATE_MAX_FAILURES:
            raise CliError(f"--max-failures is 0 to {const.UPDATE_MAX_FAILURES}", EXIT_USAGE)
        options["max_failures"] = args.max_failures
    if args.check is not None:
        function, *check_args = args.check
        options["check"] = [function, [parse_arg(a) for a in check_args]]
    return options


def watch_window_ms(answer: dict[str, Any], asked_ms: int) -> int:
    """The watch window a deploy's answer says, within 0 and the one asked for (a device's
    answer is its own: a window of years, or not a number, must not hold the CLI)."""
    until, since = answer.get("watch_until_ms"), answer.get("deployed_at_ms")
    if type(until) is not int or type(since) is not int:
        return 0
    return max(0, min(until - since, asked_ms))


async def wait_for_watch(
    client: Any, target: Any, answer: dict[str, Any], *, timeout_s: float, asked_ms: int
) -> dict[str, Any]:
    """The deploy's answer once the device kept or switched back the version it watches
    (`answer` as it is if it does not watch it, or still watches when the wait ends). The
    wait is the window the device says, but never longer than the one asked for (`asked_ms`):
    a device that answers a window of years does not hold the CLI."""
    if answer.get("state") != "watching":
        return answer
    number = answer.get("version")
    deadline = time.monotonic() + watch_window_ms(answer, asked_ms) / 1000 + WATCH_MARGIN_S
    while time.monotonic() < deadline:
        await asyncio.sleep(POLL_S)
        doc = await client.call(target, "srv", "history", [answer.get("name")], timeout_s=timeout_s)
        try:
            version = next((v for v in doc["versions"] if v["version"] == number), None)
            state = version["state"] if version else "gone"
            reason = version.get("reason", "") if version else ""
        except (TypeError, KeyError, AttributeError):
            raise CliError(
                f"{getattr(target, 'name', target)} answered srv.history with a document of an "
                "unexpected shape", EXIT_REMOTE,
            ) from None
        if state != "watching":
            return {**answer, "state": state, "rolled_back": state == "failed", "reason": reason}
    return answer


def update_text(answer: dict[str, Any], device: str) -> str:
    """How `deploy --update` reports an update that was not switched back."""
    name, number = answer["name"], answer["version"]
    done = {"serving": "kept", "watching": "still watched (see: edge-agent history)"}.get(answer["state"],
                                                                                         answer["state"])
    migrated = ", data migrated" if answer.get("migrated") else ""
    return (
        f"updated {name} on {device} to version {number} (was {answer.get('replaced')}): sha256 "
        f"{answer['sha256'][:16]}…, {len(answer['functions'])} functions{migrated}; {done}"
    )


def rolled_back_text(answer: dict[str, Any], device: str) -> str:
    return (
        f"{answer['name']} on {device}: version {answer['version']} was rolled back to version "
        f"{answer.get('replaced')}: {answer.get('reason') or 'no reason given'}"
    )


async def rollback(args: argparse.Namespace, client: Any) -> int:
    """`edge-agent rollback TARGET NAME [--to VERSION]`."""
    if args.to is not None and args.to < 1:
        raise CliError("--to takes a version number (1 or more; see edge-agent history)", EXIT_USAGE)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    call_args: list[Any] = [args.name] + ([args.to] if args.to is not None else [])
    result = await client.call(target, "srv", "rollback", call_args, timeout_s=args.timeout)
    versions = f"from version {result['from']} to version {result['version']}"
    human = f"rolled back {args.name} on {target.name} {versions}"
    _out(args, human, result)
    return EXIT_OK


async def history(args: argparse.Namespace, client: Any) -> int:
    """`edge-agent history TARGET NAME`: the versions the device keeps, newest first."""
    target = await client.resolve(args.target, timeout_s=args.timeout)
    doc = await client.call(target, "srv", "history", [args.name], timeout_s=args.timeout)
    lines = [f"{args.name} on {target.name}: version {doc['current']} serves (keeps {doc['keep']} versions)"]
    for v in doc["versions"]:
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(v["deployed_at_ms"] / 1000))
        reason = f"  {v['reason']}" if v["reason"] else ""
        module, by = v["module"][:16], v["by"] or "?"
        lines.append(f"{v['version']:>4}  {v['state']:9} {module}  {when}  by {by}{reason}")
    _out(args, "\n".join(lines), doc)
    return EXIT_OK


async def remove(args: argparse.Namespace, client: Any) -> int:
    """`edge-agent remove TARGET NAME [--purge]`: without --purge the service's KV data stays."""
    target = await client.resolve(args.target, timeout_s=args.timeout)
    call_args: list[Any] = [args.name] + ([{"purge": True}] if args.purge else [])
    result = await client.call(target, "srv", "remove", call_args, timeout_s=args.timeout)
    data = "its KV data too" if args.purge else "its KV data stays: remove --purge deletes it"
    _out(args, f"removed {args.name} from {target.name} ({data})", result)
    return EXIT_OK


def exit_code(answer: dict[str, Any]) -> int:
    """A deploy's exit code: 1 when the device switched back from the new version."""
    return EXIT_REMOTE if answer.get("rolled_back") else EXIT_OK
