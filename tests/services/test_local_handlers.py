"""`LocalServices.add_handler`: Python handlers a test (or an embedding) serves on a node."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from edge_agent.services.base import ServiceError
from edge_agent.services.client import ClientServices
from edge_agent.services.local import Caller, LocalServices
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig
from edge_agent.store import StateDir


def test_a_handler_comes_before_builtins_after_client_services_and_can_go(tmp_path: Path) -> None:
    async def go() -> None:
        state = StateDir(tmp_path)
        async with AsyncWasmHost(HostConfig(workers=1, state_dir=state.path)) as host:
            services = LocalServices("me", host, state)
            caller = Caller("init", "p1", ClientServices({"x": 1}, "me"))
            services.add_handler("op", lambda function, args: [function, *args])
            services.add_handler("getDataSrv", lambda function, args: "handler")

            def refuse(function: str, args: list[Any]) -> Any:
                raise ServiceError("no", ret_code=7)

            services.add_handler("refuse", refuse)
            assert (await services.call(caller, "op", "identity", [2])).value == ["identity", 2]
            assert (await services.call(caller, "getDataSrv", "x", [])).value == 1
            failed = await services.call(caller, "refuse", "f", [])
            assert (failed.ret_code, failed.message) == (7, "no")
            services.remove_handler("op")
            services.remove_handler("op")  # idempotent
            assert (await services.call(caller, "op", "identity", [2])).value == 2

    asyncio.run(asyncio.wait_for(go(), 30))
