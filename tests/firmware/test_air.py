"""The firmware services called from AIR scripts, each on a simulated peer through the real host."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from edge_agent.services.wasm.host import WasmHost
from edge_agent.sim import Network
from tests.firmware.conftest import module


def network(host: WasmHost, services: dict[str, str]) -> Network:
    """A client and the peers named in `services` (peer -> service), served by `host`."""
    net = Network(["client", *services])
    for peer, service in services.items():
        host.deploy(service, module(service))
        net.add_service(peer, service, host.handler(service))
    return net


def test_a_chat_round_trip_across_peers(make_host: Callable[..., WasmHost]) -> None:
    net = network(make_host(), {"board": "messages", "hasher": "hash", "pi": "greeting"})
    script = """
    (seq
      (seq
        (seq
          (call %init_peer_id% ("getDataSrv" "name") [] name)
          (call "pi" ("greeting" "greet") [name] hello))
        (call "board" ("messages" "append") [name hello] id))
      (seq
        (call "board" ("messages" "list") [] all)
        (seq
          (call "hasher" ("hash" "sha256") [hello] digest)
          (call %init_peer_id% ("callbackSrv" "response") [id all.$.[0].text digest]))))
    """
    result = net.run(script, init_peer="client", data={"name": "Ada"})
    assert result.failures == []
    assert result.responses == [[1, "Hello, Ada!", hashlib.sha256(b"Hello, Ada!").hexdigest()]]


def test_a_service_error_is_aquavm_error_10000_with_its_ret_code(make_host: Callable[..., WasmHost]) -> None:
    net = network(make_host(), {"pi": "sensor"})
    script = """
    (xor
      (call "pi" ("sensor" "read") ["gpu_temperature"] t)
      (call %init_peer_id% ("callbackSrv" "response") [%last_error%.$.error_code %last_error%.$.message]))
    """
    result = net.run(script, init_peer="client")
    assert result.responses == [
        [
            10000,
            "Local service error, ret_code is 32, error message is "
            "'\"sensor \\\"gpu_temperature\\\" is unknown or unavailable on this device\"'",
        ]
    ]


def test_running_statistics_over_a_fold(make_host: Callable[..., WasmHost]) -> None:
    net = network(make_host(), {"pi": "stats"})
    script = """
    (seq
      (seq
        (call %init_peer_id% ("getDataSrv" "readings") [] readings)
        (fold readings r
          (seq
            (call "pi" ("stats" "add") [r])
            (next r))))
      (seq
        (call "pi" ("stats" "summary") [] s)
        (call %init_peer_id% ("callbackSrv" "response") [s.$.count s.$.max s.$.mean])))
    """
    result = net.run(script, init_peer="client", data={"readings": [20.5, 21, 23.5]})
    assert result.failures == []
    assert result.responses == [[3, 23.5, 21.666666666666668]]
