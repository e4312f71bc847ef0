"""`spell`: the service through which spells are managed, and a spell's script keeps state.

Three kinds of caller, three sets of functions (one dispatch table each):

- a spell's own particle (its init peer is this device and it carries its run's token,
  `spell_runner.RUN_KEY`): `name`, `get_string`/`set_string`, `get_number`/`set_number`
  (f64), `get_u64`/`set_u64`, `get`/`set` (any JSON value), `delete`, `last_runs(n)` --
  its own state and result log, kept across runs and restarts;
- any peer a ``trusted`` access rule admits (this device, its trusted peers, the devices
  they enrolled): `runs(name, n)`, another spell's last results (a spell on one device
  gathers what spells on others recorded);
- this device and its trusted peers only: `install`, `remove`, `list`, `status` (what the
  CLI's `edge-agent spell ...` calls), as for srv.deploy.

Answers for scripts give a run's result as JSON text (`SpellRun.result`), so one Aqua type
fits every spell; `status` gives it as the value itself. Errors are `ServiceError`s with the
srv codes: 13 not authorised, 15 a bad request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from edge_agent.air.values import to_json
from edge_agent.clock import now_ms
from edge_agent.services.base import RET_BAD_REQUEST, RET_NOT_AUTHORISED, ServiceError
from edge_agent.spells import BadSpell, RunRecord, SpellDef

__all__ = ["FUNCTIONS", "call"]

MAX_RUNS_ASKED = 1000
"""Largest `n` of last_runs/runs/status accepted (the log keeps fewer: const.SPELL_MAX_RUNS_KEPT)."""


async def call(runner: Any, caller: Any, function: str, args: list[Any], services: Any) -> Any:
    """One call of the `spell` service; `ServiceError` for a refused or bad one."""
    try:
        if function in _OWN:
            live = runner.spell_of(caller.init_peer_id, caller.client)
            if live is None:
                raise ServiceError(
                    f"spell.{function} is for a spell's own script, run by the device itself",
                    ret_code=RET_NOT_AUTHORISED,
                )
            return await _OWN[function](runner, live, args)
        if function == "runs":
            if not await services.fleet.admits(caller.init_peer_id):
                raise ServiceError(
                    f"not authorised: {caller.init_peer_id} may not read this device's spells "
                    f"(on the device: edge-agent trust add {caller.init_peer_id})",
                    ret_code=RET_NOT_AUTHORISED,
                )
            name, n = _str(args, 0, "spell.runs(name, n)"), _count(args, 1, "spell.runs(name, n)")
            return [_script_run(r) for r in runner.get(name).record.runs[-n:]] if n else []
        if function in _MANAGE:
            await services.check_trusted(caller, f"spell.{function}", "manage spells")
            return await _MANAGE[function](runner, caller, args)
    except BadSpell as exc:
        raise ServiceError(f"spell.{function}: {exc}", ret_code=RET_BAD_REQUEST) from None
    raise ServiceError(f"No service found for service call: serviceId='spell', fnName='{function}'")


# --- a spell's own script -------------------------------------------------------------------


async def _done(runner: Any, live: Any, args: list[Any]) -> Any:
    live.done.set()
    return {}


async def _name(runner: Any, live: Any, args: list[Any]) -> Any:
    return live.spell.name


def _getter(kind: type | None, what: str) -> Callable[[Any, Any, list[Any]], Awaitable[Any]]:
    """spell.get_<what>(key) -> [] or [value]: Aqua's option (a value of another type is absent)."""

    async def get(runner: Any, live: Any, args: list[Any]) -> Any:
        value = live.record.kv.get(_str(args, 0, f"spell.get{what}(key)"))
        if value is None or (kind is not None and not _is(value, kind)):
            return []
        return [value]

    return get


def _setter(kind: type | None, what: str) -> Callable[[Any, Any, list[Any]], Awaitable[Any]]:
    """spell.set_<what>(key, value): keep `value` under `key` for the spell's later runs."""

    async def set_(runner: Any, live: Any, args: list[Any]) -> Any:
        usage = f"spell.set{what}(key, value)"
        if len(args) != 2 or (kind is not None and not _is(args[1], kind)):
            raise ServiceError(f"usage: {usage}", ret_code=RET_BAD_REQUEST)
        live.record.set(_str(args, 0, usage), args[1])  # kept on disk when the run ends
        return {}

    return set_


async def _delete(runner: Any, live: Any, args: list[Any]) -> Any:
    key = _str(args, 0, "spell.delete(key)")
    found = key in live.record.kv
    if found:
        live.record.set(key, None)
    return found


async def _last_runs(runner: Any, live: Any, args: list[Any]) -> Any:
    n = _count(args, 0, "spell.last_runs(n)")
    return [_script_run(r) for r in live.record.runs[-n:]] if n else []


_OWN: dict[str, Callable[[Any, Any, list[Any]], Awaitable[Any]]] = {
    "-done-": _done,
    "name": _name,
    "get_string": _getter(str, "_string"),
    "set_string": _setter(str, "_string"),
    "get_number": _getter(float, "_number"),
    "set_number": _setter(float, "_number"),
    "get_u64": _getter(int, "_u64"),
    "set_u64": _setter(int, "_u64"),
    "get": _getter(None, ""),
    "set": _setter(None, ""),
    "delete": _delete,
    "last_runs": _last_runs,
}


# --- management (the CLI) --------------------------------------------------------------------


async def _install(runner: Any, caller: Any, args: list[Any]) -> Any:
    if len(args) != 1 or not isinstance(args[0], dict):
        usage = "usage: spell.install({name, script, schedule, args, source})"
        raise ServiceError(usage, ret_code=RET_BAD_REQUEST)
    given = {k: v for k, v in args[0].items() if k not in ("installed_by", "installed_at_ms")}
    spell = SpellDef.from_json({**given, "installed_by": caller.init_peer_id, "installed_at_ms": now_ms()})
    return await runner.install(spell)


async def _remove(runner: Any, caller: Any, args: list[Any]) -> Any:
    return await runner.remove(_str(args, 0, "spell.remove(name)"))


async def _list(runner: Any, caller: Any, args: list[Any]) -> Any:
    return [runner.describe(runner.get(name)) for name in runner.names()]


async def _status(runner: Any, caller: Any, args: list[Any]) -> Any:
    usage = "spell.status(name, n?)"
    n = _count(args, 1, usage) if len(args) > 1 else 10
    return runner.describe(runner.get(_str(args, 0, usage)), runs=max(n, 1))


_MANAGE: dict[str, Callable[[Any, Any, list[Any]], Awaitable[Any]]] = {
    "install": _install,
    "remove": _remove,
    "list": _list,
    "status": _status,
}


FUNCTIONS = frozenset(_OWN) | frozenset(_MANAGE) | {"runs"}
"""Every function of the `spell` service."""


# --- values ------------------------------------------------------------------------------------


def _script_run(run: RunRecord) -> dict[str, Any]:
    """A run as scripts see it (Aqua's SpellRun): the result as JSON text."""
    return {
        "started_ms": run.started_ms,
        "duration_ms": run.duration_ms,
        "ok": run.ok,
        "result": "" if run.result is None else to_json(run.result),
        "error": run.error,
    }


def _is(value: Any, kind: type) -> bool:
    """Whether `value` is a `kind` as Aqua sees it: an f64 may be whole, a u64 is whole and >= 0."""
    if kind is float:
        return type(value) in (int, float)
    if kind is int:
        return type(value) is int and 0 <= value < 2**64
    return type(value) is kind


def _str(args: list[Any], index: int, usage: str) -> str:
    if len(args) <= index or type(args[index]) is not str:
        raise ServiceError(f"usage: {usage}", ret_code=RET_BAD_REQUEST)
    return str(args[index])


def _count(args: list[Any], index: int, usage: str) -> int:
    if len(args) <= index or type(args[index]) is not int or not 0 <= args[index] <= MAX_RUNS_ASKED:
        raise ServiceError(f"usage: {usage} with n 0-{MAX_RUNS_ASKED}", ret_code=RET_BAD_REQUEST)
    return int(args[index])
