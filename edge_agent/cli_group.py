"""`--tag TAG` and `--all`: one laptop command on every device of a group (issue 13); and
`edge-agent tag`, `status` and `enroll` for one device.

The devices are those heard over mDNS, with the tags their TXT records announce
(`Client.devices`), waited for as a TARGET's name is (`CLIENT_NAME_SETTLE_S` into browsing,
and up to `CLIENT_RESOLVE_WAIT_S` for a first match). Only devices this laptop knows -- that
announce a name `known_peers` pins to their peer id -- are acted on: anyone on the LAN can
announce a device, and a group command must not send a stranger its arguments, a spell, or
(enroll) a fleet certificate, nor have the laptop challenge the addresses of a thousand
devices it announced. With `--tag`, each must carry the tag by its own /status too (a
stranger can announce a known device's id with any tags). Others are listed as new; with
`--include-new` (never for enroll) they are acted on and pinned, as a TARGET's name is. Each
is then checked as a TARGET of its name would be: a pinned name another peer id announces is
that device's error, not the group's. The command's step runs on each (`fanout.run_staged`);
the output is a table -- device, status, result or error -- or with `--json` one document with
an entry per device; the exit code is 0 only if every device acted on succeeded
(`fanout.exit_code`).

A command joins by an entry in `GROUP_COMMANDS` (looked up by `args.group_command`, else by
`args.command`): `prepare(args, client)` does what is done once (check the options, read and
offer a module) and returns the step, `Target -> result` (raising for an error); `cell(result)`
is its text in the table; `counts_as_failure(result)` says why an answer counts as a failure
all the same (a deploy that was rolled back), which also ends a `--batch` run. Only
`edge_agent.cli` and its helper modules print.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from edge_agent import const
from edge_agent.cli import EXIT_OK, EXIT_REMOTE, EXIT_UNREACHABLE, EXIT_USAGE, CliError, _out, exit_code_for
from edge_agent.cli_text import terminal_safe
from edge_agent.client import BadTarget, Client, Target, Unreachable, did_you_mean
from edge_agent.errors import EdgeAgentError
from edge_agent.fanout import (
    Device,
    Judge,
    Outcome,
    Status,
    exit_code,
    never_fails,
    outcome_json,
    run_staged,
    select,
    table,
)
from edge_agent.known_peers import pin_name
from edge_agent.tags import BadTag, check_tag, parse_changes

__all__ = [
    "GROUP_COMMANDS",
    "GroupCommand",
    "NoDevice",
    "PerDevice",
    "deploy_counts_as_failure",
    "enroll",
    "find_devices",
    "run_group",
    "status",
    "tag",
]

PerDevice = Callable[[Target], Awaitable[Any]]
"""A command's step on one device: its result, or an exception for its error."""
Prepare = Callable[[argparse.Namespace, Client], Awaitable[PerDevice]]


@dataclass(frozen=True, slots=True)
class GroupCommand:
    """How one laptop command runs on a group (see the module docstring)."""

    prepare: Prepare
    cell: Callable[[Any], str]
    counts_as_failure: Judge = never_fails


class NoDevice(Unreachable):
    """`--tag` or `--all` selected no device (the CLI exits with 3); the message lists the
    devices and tags that were heard."""


# --- the group run ------------------------------------------------------------------------------


async def run_group(args: argparse.Namespace, client: Client) -> int:
    """`COMMAND --tag TAG ...` or `COMMAND --all ...`: the command on each device selected."""
    name = getattr(args, "group_command", None) or args.command
    command = GROUP_COMMANDS.get(name)
    if command is None:
        raise CliError(f"{name} does not take --tag or --all", EXIT_USAGE)
    tag = _tag_option(args)
    batch = getattr(args, "batch", None)
    if batch is not None and batch < 1:
        raise CliError(f"--batch is a number of devices, at least 1; got {batch}", EXIT_USAGE)
    include_new = getattr(args, "include_new", False)
    if include_new and name == "enroll":
        raise CliError(
            "enroll does not take --include-new: a fleet certificate is for devices this laptop "
            "knows (edge-agent known pin NAME PEER_ID, or name the device: edge-agent enroll NAME)",
            EXIT_USAGE,
        )
    step = await command.prepare(args, client)
    devices = await find_devices(client, tag, args.timeout)
    pins = await asyncio.to_thread(client.state.known.pins)

    def known(device: Device) -> bool:  # its name pinned to its id: anyone may announce a name
        return pins.get(_pinned_name(device.name)) == device.peer_id

    async def act(device: Device) -> Any:
        target = await _target(client, device, args.timeout)
        if tag is not None:
            status = await _confirm_tag(client, target, tag, args.timeout)
            if name == "status":  # its step would ask for the same /status again
                return status
        return await step(target)

    def new(device: Device) -> str | None:
        if known(device) or include_new:
            return None
        return (
            f"not known to this laptop, so left out: edge-agent known pin {device.name} "
            f"{device.peer_id} (once you checked it is yours), or --include-new"
        )

    outcomes = await run_staged(
        devices, act, _describe, batch=batch, counts_as_failure=command.counts_as_failure, new=new
    )
    doc = {
        "selected": {"tag": tag} if tag is not None else {"all": True},
        "ok": any(o.status is Status.OK for o in outcomes)
        and all(o.status in (Status.OK, Status.NEW) for o in outcomes),
        "devices": [outcome_json(o) for o in outcomes],
    }
    _out(args, table(outcomes, command.cell), doc)
    if all(o.status is Status.NEW for o in outcomes):
        # Nothing was done: not a success (a deploy from a fresh laptop must not pass a pipeline).
        print(terminal_safe(
            f"error: no device this laptop knows was selected ({len(outcomes)} new: edge-agent known "
            f"pin NAME PEER_ID, or --include-new)"), file=sys.stderr)
        return EXIT_UNREACHABLE
    if not args.json and not doc["ok"]:
        print(terminal_safe(f"error: {_summary(outcomes)}"), file=sys.stderr)
    return exit_code(outcomes)


def _tag_option(args: argparse.Namespace) -> str | None:
    """`--tag`'s tag, checked (a usage error if it cannot be a tag); None for `--all`."""
    if args.tag is None:
        return None
    try:
        return check_tag(args.tag)
    except BadTag as exc:
        raise CliError(f"--tag: {exc}", EXIT_USAGE) from None


async def find_devices(client: Client, tag: str | None, timeout_s: float) -> list[Device]:
    """The devices carrying `tag` (all for None), in name order, as heard over mDNS: once
    every device has had time to answer (`Client.settled_at`), or as soon after that as one
    matches, within `CLIENT_RESOLVE_WAIT_S` (or `timeout_s`); `NoDevice` if none does."""
    if client.node.discovery is None:
        raise CliError(
            "--tag and --all find devices over mDNS, which is off here (EDGE_AGENT_MDNS=0): "
            "name each device as TARGET instead", EXIT_USAGE,
        )
    loop = asyncio.get_running_loop()
    wait_s = min(timeout_s, const.CLIENT_RESOLVE_WAIT_S)
    deadline = loop.time() + wait_s
    while True:
        heard = client.devices()
        chosen = select(heard, tag)
        now = loop.time()
        if (chosen and now >= client.settled_at) or now >= deadline:
            break
        await asyncio.sleep(0.05)
    if not chosen:
        raise NoDevice(_nothing_selected(tag, heard, wait_s))
    return chosen


def _nothing_selected(tag: str | None, heard: list[Device], wait_s: float) -> str:
    if not heard:
        return (
            f"no device found over mDNS within {wait_s:g} s (are they on this LAN, running "
            f"edge-agent serve?)"
        )
    seen: dict[str, list[str]] = {}
    for device in sorted(heard, key=lambda d: d.name):
        for t in device.tags:
            seen.setdefault(t, []).append(device.name)
    text = f"no device carries the tag {tag!r} (heard over mDNS within {wait_s:g} s)"
    suggestions = did_you_mean(tag or "", list(seen))
    text += f"; did you mean {' or '.join(repr(s) for s in suggestions)}?" if suggestions else "."
    if seen:
        text += " Tags seen: " + "; ".join(f"{t} ({', '.join(names)})" for t, names in sorted(seen.items()))
    else:
        text += " No device found has a tag"
    return text + f". Devices found: {', '.join(sorted({d.name for d in heard}))}"


async def _target(client: Client, device: Device, timeout_s: float) -> Target:
    """`device` as a TARGET of its name: pinned on first use, and refused if this laptop
    pinned its name to another peer id (someone announcing the name and a tag to be sent
    the module)."""
    target = await client.resolve(device.name, timeout_s=timeout_s)
    if target.peer_id != device.peer_id:
        raise BadTarget(
            f"{device.peer_id} announces the name {device.name!r}, which this laptop knows as "
            f"{target.peer_id}; left out (someone may be impersonating the device)"
        )
    return target


def _pinned_name(name: str) -> str:
    try:
        return pin_name(name)
    except ValueError:
        return ""


async def _confirm_tag(client: Client, target: Target, tag: str, timeout_s: float) -> dict[str, Any]:
    """That the device carries `tag` by its own word: its /status (returned) from an address
    where it proved its key. (mDNS is anyone's to answer: a stranger can announce a known device's
    id with any tags, to draw it into a group -- a `remove --purge` of another.)"""
    status = await client.status(target, timeout_s=timeout_s)
    tags = status.get("tags")
    if not isinstance(tags, list) or tag not in tags:
        raise CliError(
            f"left out: {target.name} does not carry the tag {tag!r} by its own /status (an mDNS "
            f"announcement said it did)", EXIT_REMOTE,
        )
    return status


def _describe(exc: Exception) -> tuple[str, int] | None:
    """A step's error as the table shows it, with the exit code it alone would give. An
    answer of a shape the step did not expect is that device's error, not the run's."""
    if isinstance(exc, CliError | EdgeAgentError):
        return str(exc), exit_code_for(exc)
    if isinstance(exc, TypeError | KeyError | AttributeError | IndexError | ValueError):
        return f"an answer of an unexpected shape ({type(exc).__name__})", EXIT_REMOTE
    return None


def _summary(outcomes: list[Outcome]) -> str:
    """`1 of 3 devices failed; 1 not attempted` for stderr."""
    failed = sum(o.status is Status.FAILED for o in outcomes)
    skipped = sum(o.status is Status.NOT_ATTEMPTED for o in outcomes)
    text = f"{failed} of {len(outcomes)} device{'s' if len(outcomes) > 1 else ''} failed"
    return text + (f"; {skipped} not attempted (--batch stops after a failed batch)" if skipped else "")


# --- the commands -----------------------------------------------------------------------------


def _calling(what: Callable[[argparse.Namespace], tuple[str, str, list[Any]]]) -> Prepare:
    """A step that calls one function on each device: `what(args)` is (service, function,
    arguments), worked out once (its usage errors before any device is looked for)."""

    async def prepare(args: argparse.Namespace, client: Client) -> PerDevice:
        service, function, values = what(args)

        async def step(target: Target) -> Any:
            return await client.call(target, service, function, values, timeout_s=args.timeout)

        return step

    return prepare


async def _prepare_status(args: argparse.Namespace, client: Client) -> PerDevice:
    async def step(target: Target) -> Any:
        return await client.status(target, timeout_s=args.timeout)

    return step


async def _prepare_deploy(args: argparse.Namespace, client: Client) -> PerDevice:
    from edge_agent.cli_deploy import deploy_request, deploy_to

    request = deploy_request(args)  # read and checked once; every device fetches the one offer

    async def step(target: Target) -> Any:
        return await deploy_to(client, target, request, timeout_s=args.timeout, quiet=True)

    return step


async def _prepare_enroll(args: argparse.Namespace, client: Client) -> PerDevice:
    """Sign a fleet membership for each device with this laptop's key and store it there."""
    from edge_agent.access import Membership

    if not 1 <= args.days <= const.MEMBERSHIP_MAX_DAYS:
        raise CliError(f"--days is 1 to {const.MEMBERSHIP_MAX_DAYS}, got {args.days}", EXIT_USAGE)
    expires_ms = int(time.time() * 1000) + args.days * 86_400_000

    async def step(target: Target) -> Any:
        certificate = Membership.issue(client.node.keypair, target.peer_id, expires_ms)
        return await client.call(target, "srv", "enroll", [certificate.to_json()], timeout_s=args.timeout)

    return step


async def _prepare_spell_install(args: argparse.Namespace, client: Client) -> PerDevice:
    from edge_agent.cli_spell import install_on, prepare_install

    request = await prepare_install(args, client)

    async def step(target: Target) -> Any:
        return await install_on(client, target, request, timeout_s=args.timeout)

    return step


def _until(answer: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M %Z", time.localtime(answer["expires_ms"] / 1000))


def _call_args(args: argparse.Namespace) -> list[Any]:
    from edge_agent.client import parse_arg

    return [parse_arg(a) for a in args.args]


def _tag_args(args: argparse.Namespace) -> list[Any]:
    """srv.tag's arguments from `+TAG -TAG` (usage errors for bad ones, or none)."""
    try:
        add, remove = parse_changes(args.changes)
    except BadTag as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    if not add and not remove:
        raise CliError("give +TAG to add a tag, -TAG to remove one (edge-agent peers shows tags)", EXIT_USAGE)
    return [sorted(add), sorted(remove)]


def deploy_counts_as_failure(info: Any) -> str | None:
    """A deploy whose answer says the device went back to the previous version (the hook for
    health-gated updates: their answer's `rolled_back` and `reason`)."""
    if isinstance(info, dict) and info.get("rolled_back"):
        return f"rolled back: {info.get('reason') or 'the new version failed'}"
    return None


def _deploy_cell(info: Any) -> str:
    from edge_agent.cli_deploy import deployed_text
    from edge_agent.cli_versions import rolled_back_text, update_text

    if info.get("rolled_back"):
        return rolled_back_text(info, "this device")
    if "version" in info:  # an update
        return update_text(info, "this device")
    return f"deployed {info['name']}: {deployed_text(info)}"


def _status_cell(st: Any) -> str:
    return (
        f"v{st.get('version', '?')}, up {st.get('uptime_s', 0):.0f} s, "
        f"services: {', '.join(st.get('services', [])) or 'none'}, "
        f"tags: {', '.join(st.get('tags', [])) or 'none'}"
    )


def _value_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def _tags_text(answer: Any) -> str:
    text = f"tags: {', '.join(answer['tags']) or 'none'}"
    changes = [f"+{t}" for t in answer.get("added", [])] + [f"-{t}" for t in answer.get("removed", [])]
    return text + (f" ({' '.join(changes)})" if changes else " (no change)")


GROUP_COMMANDS: dict[str, GroupCommand] = {
    "status": GroupCommand(_prepare_status, _status_cell),
    "services": GroupCommand(
        _calling(lambda args: ("srv", "list", [])),
        lambda services: ", ".join(s["name"] for s in services) or "(no services)",
    ),
    "call": GroupCommand(_calling(lambda args: (args.service, args.function, _call_args(args))), _value_text),
    "remove": GroupCommand(
        _calling(lambda args: ("srv", "remove", [args.name, {"purge": True}] if args.purge else [args.name])),
        lambda r: f"removed {r['name']}" + (" and its KV data" if r.get("purged") else ""),
    ),
    "deploy": GroupCommand(_prepare_deploy, _deploy_cell, deploy_counts_as_failure),
    "tag": GroupCommand(_calling(lambda args: ("srv", "tag", _tag_args(args))), _tags_text),
    "enroll": GroupCommand(_prepare_enroll, lambda answer: f"enrolled until {_until(answer)}"),
    "spell install": GroupCommand(
        _prepare_spell_install, lambda info: f"spell {info['name']}: {info['schedule_text']}"
    ),
}
"""The laptop commands that take --tag and --all, by name (the lead adds `spell install`)."""


# --- one device ----------------------------------------------------------------------------------


async def status(args: argparse.Namespace, client: Client) -> int:
    """`edge-agent status TARGET`: the device's /status as a table, with its name, its tags
    and its peers named where this laptop hears them."""
    from edge_agent.cli_observe import render_status

    target = await client.resolve(args.target, timeout_s=args.timeout)
    doc = {"name": target.name, **await client.status(target, timeout_s=args.timeout)}

    def named(peer: str) -> str:
        name = client.name_of(peer)
        return f"{name} ({peer})" if name else peer

    try:
        text = "" if getattr(args, "json", False) else render_status(doc, target.name, peer_name=named)
    except (AttributeError, TypeError, ValueError, KeyError, OverflowError) as exc:  # its shape
        raise CliError(f"{target.name} sent a /status of an unexpected shape ({exc!r}); --json shows it",
                       EXIT_REMOTE) from None
    _out(args, text, doc)
    return EXIT_OK


async def tag(args: argparse.Namespace, client: Client) -> int:
    """`edge-agent tag TARGET +TAG -TAG`: change a device's tags (trusted peers only)."""
    step = await GROUP_COMMANDS["tag"].prepare(args, client)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    answer = await step(target)
    _out(args, f"{target.name}: {_tags_text(answer)}", {"name": target.name, **answer})
    return EXIT_OK


async def enroll(args: argparse.Namespace, client: Client) -> int:
    """`edge-agent enroll TARGET`: this laptop's fleet membership for the device, stored there."""
    step = await _prepare_enroll(args, client)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    answer = await step(target)
    human = (
        f"enrolled {target.name} ({target.peer_id}) until {_until(answer)}: devices that trust "
        f"{client.peer_id} admit it to their trusted services"
    )
    _out(args, human, answer)
    return EXIT_OK
