"""Fan-out and join across peers, through the simulator."""

from __future__ import annotations

from edge_agent.sim import Network

PEERS = ["client", "p1", "p2", "p3", "p4", "p5"]

FANOUT = """
(seq
  (call %init_peer_id% ("getDataSrv" "peers") [] peers)
  (seq
    (fold peers p
      (par
        (call p ("sensor" "read") [p] $readings)
        (next p)))
    (seq
      (new $seen
        (fold $readings r
          (seq
            (seq (ap r $seen) (canon %init_peer_id% $seen #seen))
            (xor (match #seen.length 5 (null)) (next r)))
          (never)))
      (seq
        (canon %init_peer_id% $readings #all)
        (call %init_peer_id% ("callbackSrv" "response") [#all])))))
"""


def test_fanout_to_five_peers_joins_all_results_on_the_init_peer() -> None:
    net = Network(PEERS)
    for i, peer in enumerate(PEERS[1:], start=1):
        net.add_service(peer, "sensor", lambda function, args, i=i: {"peer": args[0], "value": i * 10})
    result = net.run(FANOUT, init_peer="client", data={"peers": PEERS[1:]})
    assert result.quiescent and result.failures == []
    [[readings]] = result.responses
    assert sorted(r["peer"] for r in readings) == PEERS[1:]
    assert {r["value"] for r in readings} == {10, 20, 30, 40, 50}
    sensor_calls = [c for c in result.calls if c.service == "sensor"]
    assert sorted(c.peer for c in sensor_calls) == PEERS[1:]
    assert all(c.args == [c.peer] for c in sensor_calls)
    assert result.hops == 10  # out to each peer and back


def test_code_after_a_fanout_without_join_runs_on_the_first_arrival() -> None:
    script = """
    (seq
      (seq (call %init_peer_id% ("getDataSrv" "peers") [] peers)
           (fold peers p (par (call p ("peer" "identify") [] $ids) (next p))))
      (seq (canon %init_peer_id% $ids #ids) (call %init_peer_id% ("callbackSrv" "response") [#ids.length])))
    """
    net = Network(PEERS)
    result = net.run(script, init_peer="client", data={"peers": ["p1", "p2", "p3"]})
    assert result.responses == [[1]]


def test_a_join_that_never_completes_returns_without_a_response() -> None:
    script = """
    (seq
      (par (call "p1" ("peer" "identify") [] $r) (call "nowhere" ("peer" "identify") [] $r))
      (new $seen
        (seq
          (fold $r x
            (seq (seq (ap x $seen) (canon %init_peer_id% $seen #ss))
                 (xor (match #ss.length 2 (null)) (next x)))
            (never))
          (call %init_peer_id% ("callbackSrv" "response") ["never printed"]))))
    """
    result = Network(PEERS).run(script, init_peer="client")
    assert result.responses == []
    assert result.quiescent  # nothing left to do: run returned instead of hanging
    assert result.undelivered == ["nowhere"]
