"""The `srv` service's calls: what each function takes, who may call it, and which of
`LocalServices`' operations it asks for. Every argument comes from a particle, so each is
checked here, with a usage message, before anything is done."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from edge_agent.access import DEFAULT_ACCESS, AccessRule, BadMembership, Membership
from edge_agent.services.base import RET_BAD_REQUEST, ServiceError
from edge_agent.services.builtins import no_service
from edge_agent.services.updates import STAGE_PREFIX, UpdatePlan, plan_from_options

if TYPE_CHECKING:
    from edge_agent.services.local import Caller, LocalServices

__all__ = ["DEPLOY_OPTIONS", "only_known", "srv_call"]

DEPLOY_OPTIONS = frozenset({"access", "update", "check", "watch_ms", "max_failures"})
"""What srv.deploy's fourth argument may set."""
_DEPLOY_USAGE = "srv.deploy(name, sha256, limits?, options?)"


async def srv_call(services: LocalServices, caller: Caller, function: str, args: list[Any]) -> Any:
    """One call of the `srv` service: its arguments checked, its caller admitted; `services`
    does the work."""
    peer = caller.init_peer_id
    if function == "list":
        registry = await services.registry()
        listed = sorted(
            i for i in services.host.services().items() if not i[0].startswith(STAGE_PREFIX)
        )
        sees_all = services.fleet.is_trusted(peer)
        return [
            services.describe(info, registry.get(name))
            for name, info in listed
            if sees_all or await services.may_call(peer, name)
        ]
    if function == "info":
        name = _arg_str(args, 0, "srv.info(name)")
        info = services.host.services().get(name)
        if info is None:
            raise ServiceError(f"no service named {name!r} on this peer")
        if not await services.may_see(peer, name):
            await services.admit(peer, name, "see")
        return services.describe(info, (await services.registry()).get(name))
    if function == "deploy":
        await services.check_trusted(caller, "deploy", "deploy services")
        name = _arg_str(args, 0, _DEPLOY_USAGE)
        sha = _arg_str(args, 1, _DEPLOY_USAGE)
        limits = args[2] if len(args) > 2 and args[2] is not None else {}
        if not isinstance(limits, dict):
            raise ServiceError("srv.deploy: limits must be an object such as {\"fuel\": 1000000}")
        access, plan = _deploy_options(args[3] if len(args) > 3 else None)
        return await services.deploy(name, sha, limits, source=peer, access=access, update=plan)
    if function == "remove":
        await services.check_trusted(caller, "remove", "remove services")
        name = _arg_str(args, 0, "srv.remove(name, options?)")
        options = args[1] if len(args) > 1 and isinstance(args[1], dict) else {}
        removed = await services.remove(name, purge=options.get("purge") is True)
        if services.events is not None:
            services.events.removed(peer, name)
        return removed
    if function in ("rollback", "history"):
        return await _versions(services, caller, function, args)
    if function == "tag" and services.tags is not None:
        await services.check_trusted(caller, "tag", "change this device's tags")
        return await services.tags.call(args)
    if function == "enroll":
        await services.check_trusted(caller, "enroll", "enroll this device in a fleet")
        if len(args) != 1:
            raise ServiceError("usage: srv.enroll(certificate)", ret_code=RET_BAD_REQUEST)
        try:
            certificate = Membership.from_json(args[0])
        except BadMembership as exc:
            raise ServiceError(f"srv.enroll: {exc}", ret_code=RET_BAD_REQUEST) from None
        return await services.enroll(certificate, by=peer)
    raise no_service("srv", function)


async def _versions(services: LocalServices, caller: Caller, function: str, args: list[Any]) -> Any:
    """srv.rollback(name, version?) and srv.history(name): trusted peers only."""
    await services.check_trusted(caller, function, "see or change the versions of services")
    if function == "history":
        return await services.updates.history(_arg_str(args, 0, "srv.history(name)"))
    name = _arg_str(args, 0, "srv.rollback(name, version?)")
    to = args[1] if len(args) > 1 else None
    if to is not None and (type(to) is not int or to < 1):
        raise ServiceError("srv.rollback: version must be a number >= 1", ret_code=RET_BAD_REQUEST)
    return await services.updates.rollback(name, to, by=caller.init_peer_id)


def _deploy_options(options: Any) -> tuple[AccessRule, UpdatePlan | None]:
    """The access rule srv.deploy's options ask for (``trusted`` if none), and the update
    they describe if they say ``"update": true``."""
    if options is None:
        return DEFAULT_ACCESS, None
    if not isinstance(options, dict):
        raise ServiceError(
            'srv.deploy: options must be an object such as {"access": "public"}', ret_code=RET_BAD_REQUEST
        )
    only_known(options, DEPLOY_OPTIONS, "option")
    try:
        access = AccessRule.parse(options.get("access", DEFAULT_ACCESS.text))
    except ValueError as exc:
        raise ServiceError(f"srv.deploy: {exc}", ret_code=RET_BAD_REQUEST) from None
    return access, plan_from_options(options) if options.get("update") is True else None


def only_known(given: Mapping[str, Any], known: frozenset[str], what: str) -> None:
    """Nothing if srv.deploy's `given` names only `known` keys; else ret_code 15 naming one."""
    unknown = sorted(set(given) - known)
    if unknown:
        raise ServiceError(
            f"srv.deploy: unknown {what} {unknown[0]!r}; a deploy may set {', '.join(sorted(known))}",
            ret_code=RET_BAD_REQUEST,
        )


def _arg_str(args: list[Any], index: int, usage: str) -> str:
    if len(args) <= index or type(args[index]) is not str:
        raise ServiceError(f"usage: {usage}")
    return args[index]
