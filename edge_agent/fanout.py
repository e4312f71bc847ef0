"""One command, many devices (issue 13, groups): which devices `--tag T` or `--all` select, the
stages a command goes through them in, and what came of each device.

Everything but `run_staged` is pure; `run_staged` drives the command's per-device step (an
async function: device -> result, raising for an error) and does no I/O of its own. The CLI
glue (finding devices over mDNS, printing) is `edge_agent.cli_group`.

Staging: without a batch size every device is worked on (`FANOUT_AT_ONCE` at a time); with
`batch=N`, N at a time, and the first stage in which a device failed -- an error, or a result that
`counts_as_failure` (a deploy that rolled back) -- is the last: the devices after it are
reported as not attempted. Devices go in name order, so a staged run is repeatable.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Action",
    "Describe",
    "Device",
    "Judge",
    "Outcome",
    "Status",
    "exit_code",
    "never_fails",
    "outcome_json",
    "run_staged",
    "select",
    "stages",
    "table",
]

FANOUT_AT_ONCE = 32
"""Devices a group command works on at once (the others wait their turn in the stage)."""

EXIT_OK, EXIT_FAILED, EXIT_UNREACHABLE = 0, 1, 3
"""The CLI's exit codes a group's outcome maps to (`edge_agent.cli` defines them all)."""


@dataclass(frozen=True, slots=True)
class Device:
    """A device as its mDNS announcement shows it."""

    name: str
    """Its instance name (the label before ``._edge-agent._udp.local.``)."""
    peer_id: str
    tags: tuple[str, ...] = ()


class Status(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    NOT_ATTEMPTED = "not attempted"
    NEW = "new"
    """Not known to this laptop (the name it announces is not pinned to its id): not acted on,
    and not a failure."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What came of one device: its result, or why it failed or was not attempted, and the
    exit code it alone would have given."""

    device: Device
    status: Status
    result: Any = None
    error: str | None = None
    code: int = EXIT_OK


Action = Callable[[Device], Awaitable[Any]]
"""A command's step on one device: its result, or an exception for its error."""
Judge = Callable[[Any], "str | None"]
"""Why a result that came back counts as a failure all the same (None: it does not)."""
Describe = Callable[[Exception], "tuple[str, int] | None"]
"""An exception of a step -> (message, exit code); None for one that is a bug (raised on)."""


def never_fails(result: Any) -> str | None:
    """The default `Judge`: a result that came back is a success."""
    return None


def select(devices: Iterable[Device], tag: str | None) -> list[Device]:
    """The devices carrying `tag` (every device for None), in name order; a peer id
    announced under several names counts once (its first name)."""
    chosen: dict[str, Device] = {}
    for device in sorted(devices, key=lambda d: (d.name, d.peer_id)):
        if (tag is None or tag in device.tags) and device.peer_id not in chosen:
            chosen[device.peer_id] = device
    return list(chosen.values())


def stages(devices: Sequence[Device], batch: int | None) -> list[list[Device]]:
    """`devices` cut into stages of `batch` (all in one stage for None)."""
    if batch is not None and batch < 1:
        raise ValueError(f"a batch is at least 1 device, got {batch}")
    size = batch or max(1, len(devices))
    return [list(devices[i : i + size]) for i in range(0, len(devices), size)]


async def run_staged(
    devices: Sequence[Device],
    action: Action,
    describe: Describe,
    *,
    batch: int | None = None,
    counts_as_failure: Judge = never_fails,
    new: Callable[[Device], str | None] = lambda device: None,
) -> list[Outcome]:
    """Run `action` on every device, stage by stage (see the module docstring), at most
    `FANOUT_AT_ONCE` at a time; one `Outcome` per device, in the devices' order. A device for
    which `new(device)` says why is not acted on (`Status.NEW`)."""
    at_once = asyncio.Semaphore(FANOUT_AT_ONCE)

    async def one(device: Device) -> Outcome:
        why_new = new(device)
        if why_new is not None:
            return Outcome(device, Status.NEW, error=why_new)
        try:
            async with at_once:
                result = await action(device)
        except Exception as exc:
            described = describe(exc)
            if described is None:
                raise
            message, code = described
            return Outcome(device, Status.FAILED, error=message, code=code)
        why = counts_as_failure(result)
        if why is not None:
            return Outcome(device, Status.FAILED, result, why, EXIT_FAILED)
        return Outcome(device, Status.OK, result)

    outcomes: list[Outcome] = []
    planned = stages(devices, batch)
    for number, stage in enumerate(planned):
        done = await asyncio.gather(*(one(d) for d in stage))
        outcomes.extend(done)
        if batch is not None and any(o.status is Status.FAILED for o in done):
            why = f"not attempted: a device of batch {number + 1} failed"
            outcomes.extend(
                Outcome(d, Status.NOT_ATTEMPTED, error=why, code=EXIT_FAILED)
                for later in planned[number + 1 :]
                for d in later
            )
            break
    return outcomes


def exit_code(outcomes: Iterable[Outcome]) -> int:
    """0 if every device succeeded; 3 if every device that failed was unreachable (or timed
    out); else 1 (devices not attempted count with the failure that stopped the batch)."""
    failed = [o.code for o in outcomes if o.status is Status.FAILED]
    if not failed:
        return EXIT_OK
    return EXIT_UNREACHABLE if all(c == EXIT_UNREACHABLE for c in failed) else EXIT_FAILED


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """One device's entry in a group command's `--json` document."""
    return {
        "name": outcome.device.name,
        "peer_id": outcome.device.peer_id,
        "tags": list(outcome.device.tags),
        "status": outcome.status.value,
        "result": outcome.result,
        "error": outcome.error,
        "exit_code": outcome.code,
    }


def _cell(cell: Callable[[Any], str], result: Any) -> str:
    """`cell(result)`, or why the device's answer cannot be shown: one device's malformed
    answer must not cost the table (and --json) every other device's outcome."""
    try:
        return cell(result)
    except (AttributeError, TypeError, ValueError, KeyError, IndexError, OverflowError) as exc:
        return f"(an answer of an unexpected shape: {type(exc).__name__})"


def table(outcomes: Sequence[Outcome], cell: Callable[[Any], str]) -> str:
    """A line per device: its name, its status, and `cell(result)` or the error's first line."""
    width = max([len(o.device.name) for o in outcomes] + [6])
    lines = [f"{'DEVICE':{width}}  {'STATUS':13}  RESULT"]
    for o in outcomes:
        text = _cell(cell, o.result) if o.status is Status.OK else (o.error or "")
        if o.status is Status.NOT_ATTEMPTED:
            text = ""
        first = text.splitlines()[0] if text else ""
        lines.append(f"{o.device.name:{width}}  {o.status.value:13}  {first}".rstrip())
    return "\n".join(lines)
