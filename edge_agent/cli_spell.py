"""`edge-agent spell install|list|status|remove`: scripts a device runs by itself.

`install` compiles an Aqua function here (or reads AIR), checks its arguments against the
function's types, and sends the script, its schedule and its arguments to the device's
`spell.install` (trusted peers only). Everything that can be refused is refused before a
device is looked for. The per-device part is `install_on` (one resolved TARGET and the
request `prepare_install` made once), so a command that fans out over many devices calls it
once per device.
Only `edge_agent.cli` and the cli_* modules print.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path
from typing import Any

from edge_agent.cli import (
    EXIT_OK,
    EXIT_USAGE,
    CliError,
    _check_args,
    _compile_for_run,
    _out,
    _peer_specs,
    _resolve_targets,
)
from edge_agent.spells import BadSpell, Schedule, parse_period

__all__ = ["install_on", "install_request", "installed_text", "prepare_install", "spell"]


async def spell(args: argparse.Namespace, client: Any) -> int:
    """The `spell` command: its action's function."""
    action = {"install": _install, "list": _list, "status": _status, "remove": _remove}[args.spell_action]
    return await action(args, client)


# --- install --------------------------------------------------------------------------------


def _schedule(args: argparse.Namespace) -> Schedule:
    """The schedule `--every`, `--cron` or `--on` asks for (exactly one; usage error else)."""
    try:
        if args.every is not None:
            return Schedule(every_ms=parse_period(args.every))
        if args.cron is not None:
            return Schedule.from_json({"cron": args.cron})
        if args.on is not None:
            return Schedule.from_json({"on": args.on})
    except BadSpell as exc:
        raise CliError(str(exc), EXIT_USAGE) from None
    raise CliError("say when the spell runs: --every PERIOD, --cron EXPR or --on EVENT", EXIT_USAGE)


def install_request(args: argparse.Namespace) -> dict[str, Any]:
    """spell.install's argument from `spell install`'s options: the script compiled (an Aqua
    function, without relay hops: the device reaches peers itself) or read (AIR), the
    arguments checked. `CliError` (usage) for anything wrong; nothing is sent."""
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}", EXIT_USAGE) from None
    schedule = _schedule(args)
    data: dict[str, Any] = {}
    for option, name, targets in _peer_specs(args):  # as given, for the type check; resolved later
        data[name] = targets[0] if option == "--peer" and len(targets) == 1 else targets
    if args.file.endswith(".aqua"):
        script, source = _compile(args, text, data, schedule), f"{path.name}:{args.function or ''}"
    elif args.function:
        raise CliError("--func is for an Aqua file (FILE.aqua)", EXIT_USAGE)
    else:
        script, source = text, path.name
        for spec in args.arg or []:
            name, sep, value = spec.partition("=")
            try:
                data[name] = json.loads(value) if sep and name else _no_arg(spec)
            except ValueError:
                raise CliError(f"--arg {name}: {value!r} is not JSON", EXIT_USAGE) from None
    request = {"name": args.name, "script": script, "schedule": schedule.to_json(), "args": data,
               "source": source.rstrip(":")}
    try:  # the device checks it too; refusing here saves looking for it
        from edge_agent.air import ParseError, parse
        from edge_agent.spells import SpellDef

        SpellDef.from_json(request)
        parse(script)
    except (BadSpell, ParseError) as exc:
        raise CliError(f"{path}: {exc}", EXIT_USAGE) from None
    return request


def _no_arg(spec: str) -> Any:
    raise CliError(f"--arg takes NAME=JSON, got {spec!r}", EXIT_USAGE)


def _compile(args: argparse.Namespace, text: str, data: dict[str, Any], schedule: Schedule) -> str:
    """The AIR of the Aqua function, compiled as `run` compiles it without --relay; its
    --arg values put in `data` and checked. A triggered spell's function may take an
    `event` argument: the device gives it at each run."""
    as_run = argparse.Namespace(function=args.function, script=args.file, relay=None, arg=args.arg)
    air, signature = _compile_for_run(as_run, text, data)
    if schedule.on is not None:
        signature = dataclasses.replace(signature, args=tuple(a for a in signature.args if a[0] != "event"))
    _check_args(signature, data)
    return str(air)


async def install_on(
    client: Any, target: Any, request: dict[str, Any], *, timeout_s: float
) -> dict[str, Any]:
    """Install the prepared spell on one device (a resolved TARGET); what it answered."""
    answer: dict[str, Any] = await client.call(target, "spell", "install", [request], timeout_s=timeout_s)
    return answer


def installed_text(device: str, info: dict[str, Any]) -> str:
    return f"installed spell {info['name']} on {device}: {info['schedule_text']}"


async def prepare_install(args: argparse.Namespace, client: Any) -> dict[str, Any]:
    """`install_request`, with the --peer/--peers TARGETs resolved to peer ids: what
    `install_on` sends to each device."""
    request = install_request(args)
    await _resolve_targets(args, client, _peer_specs(args), request["args"])
    return request


async def _install(args: argparse.Namespace, client: Any) -> int:
    request = await prepare_install(args, client)
    target = await client.resolve(args.target, timeout_s=args.timeout)
    info = await install_on(client, target, request, timeout_s=args.timeout)
    _out(args, installed_text(target.name, info), info)
    return EXIT_OK


# --- list, status, remove -----------------------------------------------------------------------


def _when(ms: int | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000)) if ms else "-"


def _run_text(run: dict[str, Any] | None) -> str:
    if run is None:
        return "never ran"
    what = json.dumps(run["result"]) if run["ok"] else f"error: {run['error']}"
    return f"{_when(run['started_ms'])} ({run['duration_ms']} ms) {what}"


async def _list(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    spells = await client.call(target, "spell", "list", [], timeout_s=args.timeout)
    lines = [
        f"{s['name']:20} {s['schedule_text']:24} runs {s['total_runs']:<6} last: {_run_text(s['last'])}"
        for s in spells
    ]
    _out(args, "\n".join(lines) if lines else f"(no spells on {target.name})", {"spells": spells})
    return EXIT_OK


async def _status(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    info = await client.call(target, "spell", "status", [args.name, args.runs], timeout_s=args.timeout)
    head = [
        f"spell {info['name']} on {target.name}: {info['schedule_text']}, {info['total_runs']} runs"
        + (f", {info['failures']} failed in a row" if info["failures"] else ""),
        f"installed {_when(info['installed_at_ms'])} by {info['installed_by']} from {info['source'] or '-'}",
    ]
    if info.get("running_since_ms"):
        head.append(f"running since {_when(info['running_since_ms'])}")
    elif info.get("next_ms"):
        head.append(f"next run {_when(info['next_ms'])}")
    lines = head + [_run_text(r) for r in info["runs"]]
    _out(args, "\n".join(lines), info)
    return EXIT_OK


async def _remove(args: argparse.Namespace, client: Any) -> int:
    target = await client.resolve(args.target, timeout_s=args.timeout)
    result = await client.call(target, "spell", "remove", [args.name], timeout_s=args.timeout)
    _out(args, f"removed spell {args.name} from {target.name}", result)
    return EXIT_OK

