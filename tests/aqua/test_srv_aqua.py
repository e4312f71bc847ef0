"""`import "@edge-agent/srv.aqua"`: every declared `srv` function, called from compiled Aqua,
answered by a real agent's `srv` (LocalServices with a state dir and the Wasm host).

The simulated device serves `srv` by handing each call to LocalServices on an event loop of
this test (the simulator runs synchronously in the test's thread); the caller is a trusted
laptop, as `edge-agent deploy` is.
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path
from typing import Any

from edge_agent import identity
from edge_agent.access import Membership
from edge_agent.services.base import ServiceError
from edge_agent.services.local import Caller, LocalServices
from edge_agent.services.wasm.host import AsyncWasmHost, HostConfig
from edge_agent.sim import Network
from edge_agent.store import StateDir

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services"
GREETING = (FIRMWARE / "build" / "greeting.wasm").read_bytes()
DEVICE = identity.KeyPair.from_seed(b"\x01" * 32)
LAPTOP = identity.KeyPair.from_seed(b"\x02" * 32)
CALL_TIMEOUT_S = 60.0

PROGRAM = """\
aqua SrvAll

import "@edge-agent/srv.aqua"

export everything

func everything(device: string, sha: string, cert: Membership) -> ServiceInfo, ServiceInfo, []ServiceInfo, \
ServiceInfo, Removed, Enrolled, ServiceInfo, History, RolledBack, Removed:
    on device:
        d <- Srv.deploy("greeting", sha)
        limits = ServiceLimits(fuel = 5000000, memory_pages = 16, deadline_ms = 2000)
        d2 <- SrvDeploy.deploy("hello", sha, limits, DeployOptions(access = "public"))
        listed <- Srv.list()
        info <- Srv.info("hello")
        gone <- Srv.remove("greeting")
        enrolled <- Srv.enroll(cert)
        update = UpdateOptions(access = "public", update = true, watch_ms = 0, max_failures = 0)
        d3 <- SrvVersions.deploy("hello", sha, limits, update)
        versions <- SrvVersions.history("hello")
        back <- SrvVersions.rollback("hello", 1)
        purged <- SrvVersions.remove("hello", RemoveOptions(purge = true))
    <- d, d2, listed, info, gone, enrolled, d3, versions, back, purged
"""


def test_every_srv_function_as_declared(tmp_path: Path) -> None:
    state = StateDir(tmp_path / "state")
    state.trust(LAPTOP.peer_id)
    loop = asyncio.new_event_loop()
    host = AsyncWasmHost(HostConfig(state_dir=state.path))

    async def fetch(peer: str, digest: str) -> bytes:
        assert digest == hashlib.sha256(GREETING).hexdigest()
        return GREETING

    def serve(function: str, args: list[Any]) -> Any:
        call = services.call(Caller(LAPTOP.peer_id, "p"), "srv", function, args)
        result = loop.run_until_complete(asyncio.wait_for(call, CALL_TIMEOUT_S))
        if not result.ok:
            raise ServiceError(result.message, result.ret_code)
        return result.value

    try:
        loop.run_until_complete(host.__aenter__())
        services = LocalServices(DEVICE.peer_id, host, state, fetch_module=fetch, clock_ms=lambda: 1234)
        net = Network(["laptop", "device"])
        net.add_service("device", "srv", serve)
        cert = Membership.issue(LAPTOP, DEVICE.peer_id, 10_000).to_json()
        sha = hashlib.sha256(GREETING).hexdigest()
        result = net.run_aqua(PROGRAM, "everything", {"device": "device", "sha": sha, "cert": cert})
    finally:
        loop.run_until_complete(host.__aexit__(None, None, None))
        loop.close()
    assert result.errors == [] and result.results is not None
    deployed, public, listed, info, gone, enrolled, updated, versions, back, purged = result.results
    assert deployed["name"] == "greeting" and deployed["functions"] == ["greet"]
    assert deployed["access"] == "trusted" and deployed["sha256"] == sha
    assert public["access"] == "public" and public["limits"] == {"fuel": 5000000, "memory_pages": 16,
                                                                 "deadline_ms": 2000}
    assert [s["name"] for s in listed] == ["greeting", "hello"]
    assert info == public
    assert gone == {"name": "greeting", "removed": True, "purged": False}
    assert (updated["version"], updated["replaced"], updated["state"]) == (2, 1, "serving")
    assert [(v["version"], v["state"]) for v in versions["versions"]] == [(2, "serving"), (1, "previous")]
    assert back == {"name": "hello", "version": 1, "from": 2}
    assert purged == {"name": "hello", "removed": True, "purged": False}  # it had no KV data
    assert enrolled == {"member": DEVICE.peer_id, "by": LAPTOP.peer_id, "expires_ms": 10_000}
