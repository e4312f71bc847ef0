"""The host imports a service links (edge_agent/services/wasm/host_imports.py), called from
test modules run by an in-process worker."""

from __future__ import annotations

import time
from pathlib import Path

import cbor2
import pytest

from edge_agent import const
from edge_agent.services.wasm import abi
from edge_agent.services.wasm.worker import Worker
from tests.services.wasm.inprocess import load, make_worker


@pytest.fixture(scope="module")
def worker() -> Worker:
    return make_worker()


def test_host_imports(worker: Worker, tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.write_text("48250\n")
    worker.sensor_paths["cpu_temperature"] = str(temp)
    names = [
        ("log", False, 1), ("log_out_of_bounds", False, 0), ("mono", False, 0), ("wall", False, 0),
        ("random", False, 0), ("kv_put", False, 1), ("kv_get", False, 0), ("kv_delete", False, 0),
        ("temperature", False, 0), ("unknown_sensor", False, 0),
    ]  # fmt: skip
    load(worker, "imp", "imports", names, kv=str(tmp_path / "kv" / "imp"))
    assert worker.handle([abi.OP_CALL, "imp", "log", [2]])[:3] == [
        abi.OK,
        None,
        [[2, "hello from wasm"]],
    ]
    reply = worker.handle([abi.OP_CALL, "imp", "log_out_of_bounds", []])
    assert reply[:2] == [abi.FAIL, abi.FAIL_TRAP] and "ea_log: bytes 65530..65630" in reply[2]
    assert abs(worker.handle([abi.OP_CALL, "imp", "wall", []])[1] - time.time() * 1000) < 5000
    assert worker.handle([abi.OP_CALL, "imp", "mono", []])[1] > 0
    assert (
        worker.handle([abi.OP_CALL, "imp", "random", []])[1]
        != worker.handle([abi.OP_CALL, "imp", "random", []])[1]
    )
    assert worker.handle([abi.OP_CALL, "imp", "kv_get", []])[1] == -1
    assert worker.handle([abi.OP_CALL, "imp", "kv_put", [1234]])[1] == 0
    assert worker.handle([abi.OP_CALL, "imp", "kv_get", []])[1] == 1234
    assert (tmp_path / "kv" / "imp" / "kv.cbor").exists()
    assert worker.handle([abi.OP_CALL, "imp", "temperature", []])[1] == 48.25
    assert worker.handle([abi.OP_CALL, "imp", "unknown_sensor", []])[1] == -1
    temp.unlink()
    assert worker.handle([abi.OP_CALL, "imp", "temperature", []])[1] == -1000
    assert worker.handle([abi.OP_CALL, "imp", "kv_delete", []])[1] == 0
    assert worker.handle([abi.OP_CALL, "imp", "kv_delete", []])[1] == -1


def test_ea_caller_gives_the_peer_id_of_each_call(worker: Worker) -> None:
    functions = [("whoami", True, 2), ("caller_len", False, 0), ("caller_out_of_bounds", False, 0)]
    load(worker, "who", "caller", functions, abi=True)
    ada, bob = "12D3KooWAda", "12D3KooWBobTheBuilder"
    assert worker.handle([abi.OP_CALL, "who", "whoami", cbor2.dumps([]), ada])[:2] == [abi.OK, ada]
    assert worker.handle([abi.OP_CALL, "who", "caller_len", [], bob])[:2] == [abi.OK, len(bob)]
    assert worker.handle([abi.OP_CALL, "who", "whoami", cbor2.dumps([]), bob])[:2] == [abi.OK, bob]
    # A frame without a caller (the host's own calls, an older agent): an empty id.
    assert worker.handle([abi.OP_CALL, "who", "whoami", cbor2.dumps([])])[:2] == [abi.OK, ""]
    assert worker.handle([abi.OP_CALL, "who", "caller_len", []])[:2] == [abi.OK, 0]
    # Room that ends outside memory is a trap once the id would be written there.
    reply = worker.handle([abi.OP_CALL, "who", "caller_out_of_bounds", [], ada])
    assert reply[:2] == [abi.FAIL, abi.FAIL_TRAP] and "ea_caller: bytes 65530..65541" in reply[2]
    assert worker.handle([abi.OP_CALL, "who", "caller_out_of_bounds", [], ""])[:2] == [abi.OK, 0]


def test_log_lines_are_bounded(worker: Worker) -> None:
    load(worker, "chatty", "imports", [("log", False, 1)])
    for _ in range(const.WASM_MAX_LOG_LINES_PER_CALL):
        worker.services["chatty"].logs.append([1, "x"])  # as if ea_log had filled the call's share
    reply = worker.handle([abi.OP_CALL, "chatty", "log", [1]])
    assert reply[0] == abi.OK
    assert len(reply[2]) == const.WASM_MAX_LOG_LINES_PER_CALL + 1
    assert reply[2][-1] == [2, "(1 more log lines dropped)"]


def test_a_kv_store_that_cannot_be_written_fails_the_call_as_a_trap_that_says_why(
    worker: Worker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from edge_agent import kvstore
    from edge_agent.statefile import StoreError

    def full(*args: object, **kwargs: object) -> None:
        raise StoreError("cannot write kv.cbor: [Errno 28] No space left on device")

    names = [("kv_put", False, 1), ("kv_get", False, 0)]
    load(worker, "full", "imports", names, kv=str(tmp_path / "kv" / "full"))
    monkeypatch.setattr(kvstore, "atomic_write", full)
    reply = worker.handle([abi.OP_CALL, "full", "kv_put", [7]])
    assert reply[:2] == [abi.FAIL, abi.FAIL_TRAP]
    assert "ea_kv_put: the KV store failed: cannot write kv.cbor" in reply[2] and "No space left" in reply[2]
    assert worker.handle([abi.OP_CALL, "full", "kv_get", []])[1] == -1  # nothing was written


@pytest.mark.parametrize("kv", ["file", "memory"])
def test_a_strangers_kv_writes_have_a_budget_of_bytes_rewritten(worker: Worker, tmp_path: Path, kv: str) -> None:
    """Each put rewrites the whole store: a stranger's calls may rewrite two files at the quota
    at once and then a sixteenth of one a second; beyond, a put or a delete answers -1.
    The calls of others (trusted, fleet, listed peers) are not counted."""
    limits = {"max_keys": 16, "max_key_bytes": 256, "max_value_bytes": 4096, "max_total_bytes": 4096}
    names = [("kv_put", False, 1), ("kv_get", False, 0), ("kv_delete", False, 0)]
    path = str(tmp_path / "kv" / "wear") if kv == "file" else None
    load(worker, f"wear-{kv}", "imports", names, kv=path, kv_limits=limits)

    def put(value: int, stranger: bool) -> int:
        reply = worker.handle([abi.OP_CALL, f"wear-{kv}", "kv_put", [value], "12D3KooWx", stranger])
        assert reply[0] == abi.OK, reply
        return int(reply[1])

    results = [put(i, stranger=True) for i in range(200)]
    kept = results.index(-1)
    burst = 2 * (4096 + 18 * 16 + 64)
    assert burst // 200 < kept < burst // 60  # each rewrite costs the store's file, ~100 bytes here
    assert results[:kept] == [0] * kept and results[kept:].count(0) < 10  # a trickle refills
    assert put(4242, stranger=False) == 0, "a trusted peer's call writes"
    assert worker.handle([abi.OP_CALL, f"wear-{kv}", "kv_get", []])[1] == 4242
    reply = worker.handle([abi.OP_CALL, f"wear-{kv}", "kv_delete", [], "12D3KooWx", True])
    assert reply[:2] == [abi.OK, -1], reply  # nothing deleted, and not a trap (a watch counts those)
    assert worker.handle([abi.OP_CALL, f"wear-{kv}", "kv_get", []])[1] == 4242
