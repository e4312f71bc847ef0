"""What the worker's replies mean to a caller: values, `ServiceError`s with their codes, log lines.

Pure apart from logging: every error a caller of the Wasm host sees is worded here, so the
synchronous and asynchronous hosts say the same thing for the same failure.
"""

from __future__ import annotations

import logging
import signal
from typing import Any, Protocol

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.wasm import abi
from edge_agent.services.wasm.abi import CallErrorCode
from edge_agent.services.wasm.errors import ModuleRejected
from edge_agent.services.wasm.service import ServiceInfo

log = logging.getLogger(__name__)
service_log = logging.getLogger("edge_agent.services.wasm.service")
"""Where services' ea_log lines go, as "SERVICE: text" at the level the service chose."""

_LOG_LEVELS = (logging.DEBUG, logging.INFO, logging.WARNING, logging.ERROR)

_FAILURES = {
    abi.FAIL_FUEL: ("{label}: {message}", CallErrorCode.OUT_OF_FUEL),
    abi.FAIL_TRAP: ("{label}: trap: {message}", CallErrorCode.TRAP),
    abi.FAIL_REPLY: (
        "service {name!r} function {function!r} returned a malformed reply: {message}",
        CallErrorCode.BAD_REPLY,
    ),
    abi.FAIL_ARGS: ("{label}: {message}", CallErrorCode.ARGUMENTS),
    abi.FAIL_NOT_FOUND: ("{message}", CallErrorCode.NOT_FOUND),
}
"""How each kind of failed call reads (FAIL_SERVICE and FAIL_STACK are worded in `outcome`)."""


class CallObserver(Protocol):
    """Who hears what the worker says about a call besides its value (the agent's log ring
    and metrics, issue 11)."""

    def service_logs(self, name: str, lines: list[tuple[int, str]]) -> list[bool]:
        """A service's ea_log lines of one call, as (level 0..3, text); whether each was
        kept (a line over the service's rate is only counted)."""

    def service_usage(self, name: str, fuel: int | None, pages: int | None) -> None:
        """Fuel one call used and the service's memory size after it (None: unknown)."""


def forward_logs(name: str, entries: Any, observer: CallObserver | None = None) -> None:
    """Tell `observer` a service's ea_log lines, and log them under `service_log`: at their
    level those `observer` kept, at DEBUG those over the service's rate (a stranger's
    particle calling a public service in a fold filled the journal at its level)."""
    lines = abi.log_lines(entries)
    kept = observer.service_logs(name, lines) if observer is not None and lines else [True] * len(lines)
    for (level, text), keep in zip(lines, kept, strict=True):
        service_log.log(_LOG_LEVELS[level] if keep else logging.DEBUG, "%s: %s", name, text)


def _usage(name: str, reply: list[Any], observer: CallObserver) -> None:
    usage = reply[4]
    if isinstance(usage, list) and len(usage) == 2:
        fuel, pages = (v if type(v) is int else None for v in usage)
        observer.service_usage(name, fuel, pages)


def outcome(info: ServiceInfo, function: str, reply: Any, observer: CallObserver | None = None) -> Any:
    """The value of a call reply, or the `ServiceError` it stands for; `observer` hears the
    service's log lines and what the call used."""
    name = info.name
    if not isinstance(reply, list) or not reply:
        raise ServiceError(
            f"{name}.{function}: the worker sent an unreadable reply", CallErrorCode.UNAVAILABLE
        )
    if reply[0] == abi.OK:
        if reply[2]:
            forward_logs(name, reply[2], observer)
        if observer is not None and len(reply) > 4:
            _usage(name, reply, observer)
        return reply[1]
    _, kind, message, code, logs, trace = reply
    if logs:
        forward_logs(name, logs, observer)
    if trace:
        log.debug("service %s: wasm3 printed:\n%s", name, trace)
    if kind == abi.FAIL_SERVICE:
        raise ServiceError(message, code or CallErrorCode.SERVICE)
    if kind == abi.FAIL_STACK:
        raise ServiceError(
            f"{name}.{function}: trap: {message} (call depth exceeded the "
            f"{info.limits.stack_bytes // 1024} KiB Wasm stack; is the recursion unbounded?)",
            CallErrorCode.TRAP,
        )
    wording = _FAILURES.get(kind)
    if wording is not None:
        text, ret_code = wording
        label = f"{name}.{function}"
        raise ServiceError(
            text.format(label=label, name=name, function=function, message=message), ret_code
        )
    log.error("Wasm worker failed a call to %s.%s: %s\n%s", name, function, message, trace)
    raise ServiceError(f"{name}.{function}: {message}", CallErrorCode.UNAVAILABLE)


def load_failure(name: str, reply: Any) -> ModuleRejected | None:
    """None if the worker loaded module `name`, else why it could not."""
    if isinstance(reply, list) and reply and reply[0] == abi.OK:
        if reply[2]:
            forward_logs(name, reply[2])
        return None
    message = reply[2] if isinstance(reply, list) and len(reply) > 2 else repr(reply)
    if isinstance(reply, list) and len(reply) > 5 and reply[5]:
        log.debug("service %s: wasm3 printed while loading:\n%s", name, reply[5])
    return ModuleRejected(f"wasm3 could not load module {name!r}: {message}")


def load_timeout(name: str) -> ModuleRejected:
    return ModuleRejected(
        f"module {name!r} did not load within {const.WASM_LOAD_DEADLINE_MS} ms "
        "(does its start function loop?)"
    )


def load_crash(name: str, status: int | None) -> ModuleRejected:
    return ModuleRejected(f"loading module {name!r} crashed the worker ({describe_status(status)})")


def unavailable(name: str, why: str) -> ServiceError:
    return ServiceError(f"service {name!r} is unavailable: {why}", CallErrorCode.UNAVAILABLE)


def deadline_error(info: ServiceInfo, function: str, *, ran: bool = True) -> ServiceError:
    """A call that ran past its deadline (its worker was killed), or that waited past it for
    earlier calls (`ran` False: it never ran)."""
    ms = info.limits.deadline_ms
    if ran:
        log.info("Wasm call %s.%s passed its %d ms deadline; worker killed", info.name, function, ms)
        what = "; the worker was killed and will be replaced"
    else:
        log.info("Wasm call %s.%s waited past its %d ms deadline; not run", info.name, function, ms)
        what = " while the call waited for earlier calls; it did not run"
    return ServiceError(
        f"{info.name}.{function}: deadline of {ms} ms exceeded{what}", CallErrorCode.DEADLINE, ran=ran
    )


def crash_error(info: ServiceInfo, function: str, status: int | None) -> ServiceError:
    """A call during which the worker died."""
    how = describe_status(status)
    log.warning(
        "Wasm service %s crashed its worker (%s) in %s",
        info.name,
        signal_name(status) or how,
        function,
    )
    return ServiceError(
        f"{info.name}.{function}: the service crashed the worker ({how}); the worker will be "
        "replaced",
        CallErrorCode.CRASHED,
    )


def closed_error(info: ServiceInfo, function: str) -> ServiceError:
    return ServiceError(
        f"{info.name}.{function}: the Wasm host was closed during the call",
        CallErrorCode.UNAVAILABLE,
    )


def start_error(index: int, exc: BaseException, last_words: str) -> ServiceError:
    """A worker process that would not start."""
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    if last_words:
        detail += f"; it said: {last_words[-500:]}"
    log.error("could not start Wasm worker %d: %s", index, detail)
    return ServiceError(f"could not start a Wasm worker ({detail})", CallErrorCode.UNAVAILABLE)


def describe_status(status: int | None) -> str:
    if status is None:
        return "it vanished"
    if status < 0:
        return f"signal {-status}"
    return f"exit status {status}"


def signal_name(status: int | None) -> str:
    if status is None or status >= 0:
        return ""
    try:
        return f"{signal.Signals(-status).name}, signal {-status}"
    except ValueError:
        return ""
