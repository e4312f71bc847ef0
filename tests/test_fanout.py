"""Groups (issue 13), without a network: which devices --tag/--all select, staged runs that
stop at the first failed batch, the exit code, the table and the JSON entries (`fanout`)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from edge_agent.fanout import (
    FANOUT_AT_ONCE,
    Device,
    Outcome,
    Status,
    exit_code,
    outcome_json,
    run_staged,
    select,
    stages,
    table,
)

A = Device("attic", "12D3A", ("sensors",))
B = Device("bath", "12D3B", ("kitchen", "sensors"))
C = Device("cellar", "12D3C", ())
DEVICES = [C, B, A]


class Refused(Exception):
    pass


def describe(exc: Exception) -> tuple[str, int] | None:
    if isinstance(exc, Refused):
        return str(exc), 1
    if isinstance(exc, TimeoutError):
        return "no answer", 3
    return None


def test_select_by_tag_or_all_in_name_order() -> None:
    assert select(DEVICES, "sensors") == [A, B]
    assert select(DEVICES, "kitchen") == [B]
    assert select(DEVICES, None) == [A, B, C]
    assert select(DEVICES, "garage") == []
    # One peer id announced under two names counts once.
    assert select([B, Device("annex", "12D3B", ("sensors",))], "sensors") == [
        Device("annex", "12D3B", ("sensors",))
    ]


def test_stages() -> None:
    assert stages([A, B, C], None) == [[A, B, C]]
    assert stages([A, B, C], 2) == [[A, B], [C]]
    assert stages([], 1) == []
    with pytest.raises(ValueError):
        stages([A], 0)


def run(devices: list[Device], results: dict[str, Any], **kw: Any) -> tuple[list[Outcome], list[str]]:
    """Run a fake step: `results[name]` is returned, or raised if an exception."""
    started: list[str] = []

    async def step(device: Device) -> Any:
        started.append(device.name)
        await asyncio.sleep(0)
        value = results[device.name]
        if isinstance(value, BaseException):
            raise value
        return value

    return asyncio.run(run_staged(devices, step, describe, **kw)), started


def test_without_a_batch_every_device_is_tried_and_each_reported() -> None:
    outcomes, started = run([A, B, C], {"attic": 1, "bath": Refused("no room"), "cellar": TimeoutError()})
    assert sorted(started) == ["attic", "bath", "cellar"]
    assert [(o.device, o.status, o.result, o.error, o.code) for o in outcomes] == [
        (A, Status.OK, 1, None, 0),
        (B, Status.FAILED, None, "no room", 1),
        (C, Status.FAILED, None, "no answer", 3),
    ]
    assert exit_code(outcomes) == 1


def test_a_batch_stops_after_the_first_failure_and_reports_the_rest_not_attempted() -> None:
    outcomes, started = run([A, B, C], {"attic": 1, "bath": Refused("too large"), "cellar": 3}, batch=1)
    assert started == ["attic", "bath"]
    assert [o.status for o in outcomes] == [Status.OK, Status.FAILED, Status.NOT_ATTEMPTED]
    assert outcomes[2].error == "not attempted: a device of batch 2 failed"
    assert exit_code(outcomes) == 1
    outcomes, started = run([A, B, C], {"attic": Refused("x"), "bath": 2, "cellar": 3}, batch=2)
    assert sorted(started) == ["attic", "bath"] and outcomes[2].status is Status.NOT_ATTEMPTED


def test_a_result_that_counts_as_failure_stops_a_batch() -> None:
    def rolled_back(result: Any) -> str | None:
        return "rolled back: health check" if result == "rolled back" else None

    outcomes, started = run(
        [A, B, C],
        {"attic": "ok", "bath": "rolled back", "cellar": "ok"},
        batch=1,
        counts_as_failure=rolled_back,
    )
    assert started == ["attic", "bath"]
    assert (outcomes[1].status, outcomes[1].result, outcomes[1].error) == (
        Status.FAILED,
        "rolled back",
        "rolled back: health check",
    )


def test_an_exception_that_is_not_described_is_a_bug_and_raised() -> None:
    with pytest.raises(ZeroDivisionError):
        run([A], {"attic": ZeroDivisionError()})


def test_a_new_device_is_not_acted_on_nor_a_failure_and_a_group_works_32_at_a_time() -> None:
    outcomes, started = run(
        [A, B, C], {"attic": 1, "bath": 2, "cellar": 3}, batch=1,
        new=lambda d: "not known to this laptop" if d is B else None,
    )
    assert started == ["attic", "cellar"]
    assert [o.status for o in outcomes] == [Status.OK, Status.NEW, Status.OK]
    assert outcomes[1].error == "not known to this laptop" and exit_code(outcomes) == 0
    assert "bath    new            not known to this laptop" in table(outcomes, str)
    many = [Device(f"d{i:03}", f"12D3{i}") for i in range(100)]
    running, most = 0, 0

    async def step(device: Device) -> Any:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)
        running -= 1
        return 0

    done = asyncio.run(run_staged(many, step, describe))
    assert most == FANOUT_AT_ONCE and all(o.status is Status.OK for o in done)


def test_exit_codes() -> None:
    ok, failed, unreachable = (
        Outcome(A, Status.OK),
        Outcome(B, Status.FAILED, code=1),
        Outcome(C, Status.FAILED, code=3),
    )
    assert exit_code([ok]) == 0 and exit_code([]) == 0
    assert exit_code([ok, unreachable]) == 3
    assert exit_code([unreachable, failed]) == 1
    assert exit_code([unreachable, Outcome(A, Status.NOT_ATTEMPTED, code=1)]) == 3


def test_table_and_json_name_each_device() -> None:
    outcomes = [
        Outcome(A, Status.OK, {"v": 1}),
        Outcome(B, Status.FAILED, error="script failed on bath\n  in: (call ...)", code=1),
        Outcome(C, Status.NOT_ATTEMPTED, error="not attempted: a device of batch 2 failed", code=1),
    ]
    assert table(outcomes, lambda r: f"v={r['v']}") == (
        "DEVICE  STATUS         RESULT\n"
        "attic   ok             v=1\n"
        "bath    failed         script failed on bath\n"
        "cellar  not attempted"
    )
    assert outcome_json(outcomes[1]) == {
        "name": "bath",
        "peer_id": "12D3B",
        "tags": ["kitchen", "sensors"],
        "status": "failed",
        "result": None,
        "error": "script failed on bath\n  in: (call ...)",
        "exit_code": 1,
    }
