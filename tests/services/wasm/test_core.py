"""The Wasm host's core without processes (edge_agent/services/wasm/core.py).

An operation is a generator of actions; these tests play the driver by hand: they check each
action the core asks for and answer it, so every decision (placement, turns, deadlines that
count the wait, what a crash or a timeout leads to, reloads after a restart) is tested without
a worker process, a thread or an event loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.wasm import abi
from edge_agent.services.wasm.abi import CallErrorCode
from edge_agent.services.wasm.core import Bury, Exchange, Hold, HostCore, Operation, Prepare, Run, Spawn
from edge_agent.services.wasm.process import Burial, Died, Remains, Timeout, WorkerProcess
from edge_agent.services.wasm.service import HostConfig

MODULES = Path(__file__).parent / "modules"
READY: list[Any] = [abi.READY, 4242, True]
OK: list[Any] = [abi.OK, None, [], ""]


class FakeProcess:
    """Stands in for the Popen of a running worker."""

    pid = 4242

    @staticmethod
    def poll() -> None:
        return None


class Driver:
    """Plays the face: each step names the action type expected and its answer."""

    def __init__(self, operation: Operation[Any]) -> None:
        self.run = Run(operation)
        self.actions: list[Any] = []

    def step(self, expected: type, answer: Any = None) -> Any:
        action = self.run.action
        assert type(action) is expected, (action, expected)
        self.actions.append(action)
        if isinstance(action, Prepare):
            answer = action.run()  # pure: validate and instrument the real module
        if isinstance(action, Spawn):  # as WorkerProcess.spawn: a process, not ready yet
            action.worker.proc = FakeProcess()  # type: ignore[assignment]
            action.worker._ready = False
        if isinstance(action, Bury):
            action.worker.proc = None
        if isinstance(answer, BaseException):
            self.run.throw(answer)
        else:
            self.run.send(answer)
        return action

    def result(self) -> Any:
        assert self.run.done, self.run.action
        return self.run.result


def start(driver: Driver) -> None:
    """The steps of starting a worker."""
    driver.step(Spawn)
    driver.step(Exchange, READY)


def deployed(core: HostCore, name: str, module: str = "numeric", **limits: Any) -> WorkerProcess:
    driver = Driver(core.deploy(name, (MODULES / f"{module}.wasm").read_bytes(), limits))
    driver.step(Prepare)
    hold = driver.step(Hold, 0.0)
    worker = hold.worker
    if not worker.running:
        start(driver)
    load = driver.step(Exchange, OK)
    assert abi.FrameReader().feed(load.frame)[0][:2] == [abi.OP_LOAD, name]
    assert driver.result().worker == worker.index
    return worker


@pytest.fixture
def core() -> HostCore:
    return HostCore(HostConfig(workers=2, memory_budget_bytes=None))


def test_each_service_gets_a_worker_of_its_own_while_there_are_workers(core: HostCore) -> None:
    assert deployed(core, "a").index == 0
    assert deployed(core, "b").index == 1
    assert deployed(core, "c").index == 0  # then they share
    assert deployed(core, "b").index == 1  # a redeploy stays put


def test_a_call_takes_a_turn_then_runs_with_what_is_left_of_its_deadline(core: HostCore) -> None:
    worker = deployed(core, "a", deadline_ms=1000)
    driver = Driver(core.call("a", "add", [1, 2]))
    hold = driver.step(Hold, 0.25)  # waited a quarter of a second for its turn
    assert (hold.worker, hold.service, hold.timeout) == (worker, "a", 1.0)
    call = driver.step(Exchange, [abi.OK, 3, [], ""])
    assert call.timeout == pytest.approx(0.75)
    assert driver.result() == 3


def test_an_observer_hears_a_calls_log_lines_and_what_it_used(core: HostCore) -> None:
    heard: list[Any] = []

    class Observer:
        def service_logs(self, name: str, lines: list[tuple[int, str]]) -> list[bool]:
            heard.append(("logs", name, lines))
            return [True] * len(lines)

        def service_usage(self, name: str, fuel: int | None, pages: int | None) -> None:
            heard.append(("usage", name, fuel, pages))

    core.observer = Observer()
    deployed(core, "a")
    driver = Driver(core.call("a", "add", [1, 2]))
    driver.step(Hold, 0.0)
    driver.step(Exchange, [abi.OK, 3, [[1, "hello"], "junk"], "", [120, "x"]])
    assert driver.result() == 3
    assert heard == [("logs", "a", [(1, "hello")]), ("usage", "a", 120, None)]


def test_a_call_whose_deadline_passes_in_the_queue_never_runs(core: HostCore) -> None:
    deployed(core, "a", deadline_ms=1000)
    driver = Driver(core.call("a", "add", [1, 2]))
    with pytest.raises(ServiceError, match="while the call waited") as info:
        driver.step(Hold, TimeoutError())
    assert info.value.ret_code == CallErrorCode.DEADLINE
    assert not info.value.ran  # it says nothing of the service: an update's watch ignores it
    assert [type(a) for a in driver.actions] == [Hold]  # no exchange, no burial


def test_bad_arguments_fail_before_any_waiting(core: HostCore) -> None:
    deployed(core, "a")
    with pytest.raises(ServiceError, match="takes 2 arguments") as info:
        Driver(core.call("a", "add", [1]))
    assert info.value.ret_code == CallErrorCode.ARGUMENTS


def test_cbor_arguments_are_encoded_only_when_the_calls_turn_comes(core: HostCore) -> None:
    """A call waiting for its turn holds its arguments, not a frame of up to 1 MiB: a run that
    asks for thousands of calls with one big value must not hold thousands of copies."""
    deployed(core, "e", "cbor_echo")
    waiting = Driver(core.call("e", "echo", [object()]))  # not JSON-like: found out only at its turn
    assert isinstance(waiting.run.action, Hold)
    with pytest.raises(ServiceError, match="not JSON-like") as info:
        waiting.step(Hold, 0.0)
    assert info.value.ret_code == CallErrorCode.ARGUMENTS
    ok = Driver(core.call("e", "echo", ["x" * 1000]))
    ok.step(Hold, 0.0)
    call = ok.step(Exchange, [abi.OK, "y", [], ""])
    assert abi.FrameReader().feed(call.frame)[0][:3] == [abi.OP_CALL, "e", "echo"]
    assert ok.result() == "y"


def test_calls_in_progress_are_bounded_per_service_with_a_share_for_strangers(
    core: HostCore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that asks for thousands of calls of one service must not queue them all: past
    the service's bound a call fails at once (ret_code 9, it did not run), and strangers
    together hold at most their share, so the service's own callers still get in."""
    monkeypatch.setattr(const, "WASM_MAX_CALLS_PER_SERVICE", 5)
    monkeypatch.setattr(const, "WASM_MAX_STRANGER_CALLS_PER_SERVICE", 2)
    deployed(core, "a")
    deployed(core, "b")
    strangers = [Driver(core.call("a", "add", [1, 2], stranger=True)) for _ in range(2)]
    with pytest.raises(ServiceError, match="2 calls of strangers of a are in progress") as info:
        Driver(core.call("a", "add", [1, 2], stranger=True))
    assert info.value.ret_code == CallErrorCode.UNAVAILABLE and "did not run" in info.value.message
    trusted = [Driver(core.call("a", "add", [1, 2])) for _ in range(3)]  # the rest is theirs
    with pytest.raises(ServiceError, match="5 calls of a are in progress"):
        Driver(core.call("a", "add", [1, 2]))
    other = Driver(core.call("b", "add", [1, 2]))  # another service has its own bound
    other.step(Hold, 0.0)
    other.step(Exchange, [abi.OK, 3, [], ""])
    assert other.result() == 3

    first = strangers[0]
    first.step(Hold, 0.0)
    first.step(Exchange, [abi.OK, 3, [], ""])  # a stranger's call ended: room for one more
    strangers[0] = Driver(core.call("a", "add", [1, 2], stranger=True))
    with pytest.raises(ServiceError, match="deadline"):  # one that gives up waiting leaves too
        strangers[1].step(Hold, TimeoutError())
    trusted[0].run.close()  # and one whose operation is dropped (its particle was forgotten)
    for _ in range(2):
        trusted.append(Driver(core.call("a", "add", [1, 2])))
    with pytest.raises(ServiceError, match="5 calls of a"):
        Driver(core.call("a", "add", [1, 2]))
    for driver in [strangers[0], *trusted[1:]]:
        driver.run.close()
    assert Driver(core.call("a", "add", [1, 2], stranger=True)).run.action is not None


def test_a_timeout_kills_the_worker_and_the_next_call_restarts_it(core: HostCore) -> None:
    deployed(core, "a")
    deployed(core, "b")
    deployed(core, "c")  # shares worker 0 with a
    driver = Driver(core.call("a", "add", [1, 2]))
    driver.step(Hold, 0.0)
    with pytest.raises(ServiceError, match="deadline of 1000 ms exceeded") as info:
        driver.step(Exchange, Timeout())
        driver.step(Bury, Remains(-9, ""))
    assert info.value.ret_code == CallErrorCode.DEADLINE
    assert driver.actions[-1].how is Burial.KILL
    # The next call starts a worker and reloads both services placed on it, then calls.
    driver = Driver(core.call("c", "add", [1, 2]))
    driver.step(Hold, 0.0)
    start(driver)
    loads = [driver.step(Exchange, OK), driver.step(Exchange, OK)]
    assert [abi.FrameReader().feed(x.frame)[0][1] for x in loads] == ["a", "c"]
    driver.step(Exchange, [abi.OK, 3, [], ""])
    assert driver.result() == 3


def test_a_crash_is_reaped_and_reported_with_its_signal(core: HostCore) -> None:
    deployed(core, "a")
    driver = Driver(core.call("a", "add", [1, 2]))
    driver.step(Hold, 0.0)
    driver.step(Exchange, Died())
    with pytest.raises(ServiceError, match=r"crashed the worker \(signal 11\)") as info:
        driver.step(Bury, Remains(-11, "Segmentation fault"))
    assert info.value.ret_code == CallErrorCode.CRASHED
    assert driver.actions[-1].how is Burial.REAP


def test_a_service_that_breaks_its_fresh_worker_is_marked_unavailable(core: HostCore) -> None:
    deployed(core, "a")
    deployed(core, "b")
    deployed(core, "c")  # with a, on worker 0
    core.workers[0].proc = None  # it died while idle
    driver = Driver(core.call("c", "add", [1, 2]))
    driver.step(Hold, 0.0)
    start(driver)
    driver.step(Exchange, Died())  # reloading "a" kills the fresh worker
    driver.step(Bury, Remains(-11, ""))
    start(driver)  # another worker, without "a"
    reload_c = driver.step(Exchange, OK)
    assert abi.FrameReader().feed(reload_c.frame)[0][1] == "c"
    driver.step(Exchange, [abi.OK, 3, [], ""])
    assert driver.result() == 3
    with pytest.raises(ServiceError, match="'a' is unavailable: reloading it .* redeploy it"):
        Driver(core.call("a", "add", [1, 2]))


def test_a_start_abandoned_before_ready_is_not_taken_for_a_running_worker(core: HostCore) -> None:
    deployed(core, "a")
    core.workers[0].proc = None
    driver = Driver(core.call("a", "add", [1, 2]))
    driver.step(Hold, 0.0)
    driver.step(Spawn)
    driver.run.close()  # the caller was cancelled before the worker said READY
    assert not core.workers[0].running and core.workers[0].needs_burial
    driver = Driver(core.call("a", "add", [1, 2]))
    driver.step(Hold, 0.0)
    assert driver.step(Bury, Remains(-9, "")).how is Burial.KILL  # never reuse it
    start(driver)
    driver.step(Exchange, OK)  # reload a
    driver.step(Exchange, [abi.OK, 3, [], ""])
    assert driver.result() == 3


def test_a_worker_that_will_not_start_fails_the_call_clearly(core: HostCore) -> None:
    deployed(core, "a")
    core.workers[0].proc = None
    driver = Driver(core.call("a", "add", [1, 2]))
    driver.step(Hold, 0.0)
    driver.step(Spawn, OSError("no such interpreter"))
    with pytest.raises(ServiceError, match="could not start a Wasm worker .* it said: boom") as info:
        driver.step(Bury, Remains(1, "boom"))
    assert info.value.ret_code == CallErrorCode.UNAVAILABLE


def test_removing_the_last_service_of_a_worker_stops_it(core: HostCore) -> None:
    deployed(core, "a")
    deployed(core, "b")
    deployed(core, "c")
    driver = Driver(core.remove("c"))  # a is still on worker 0: just unload c
    driver.step(Hold, 0.0)
    unload = driver.step(Exchange, OK)
    assert abi.FrameReader().feed(unload.frame)[0] == [abi.OP_REMOVE, "c"]
    driver.result()
    driver = Driver(core.remove("b"))  # worker 1 has nothing left: it stops
    driver.step(Hold, 0.0)
    assert driver.step(Bury, Remains(0, "")).how is Burial.STOP
    driver.result()
    assert sorted(core.services()) == ["a"]
    assert Driver(core.remove("ghost")).result() is None  # nothing to do, nothing asked


def test_stats_skips_workers_that_are_not_running(core: HostCore) -> None:
    deployed(core, "a")
    driver = Driver(core.stats())
    driver.step(Hold, 0.0)
    driver.step(Exchange, [abi.OK, {"pid": 4242, "services": ["a"]}, [], ""])
    assert driver.result() == [{"pid": 4242, "services": ["a"], "worker": 0, "memory_cap_in_force": None}]


def test_a_closed_core_refuses_operations(core: HostCore) -> None:
    deployed(core, "a")
    core.closed = True
    with pytest.raises(RuntimeError, match="closed"):
        Driver(core.call("a", "add", [1, 2]))
