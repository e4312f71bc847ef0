"""canon, new and never, through the simulator."""

from __future__ import annotations

from edge_agent.sim import Network

RESPOND = '(call %init_peer_id% ("callbackSrv" "response") [{}])'


def test_canon_fixes_a_stream_for_every_later_reader() -> None:
    # alice freezes $s with one value; bob appends another; bob's reader still sees one.
    script = f"""
    (seq
      (seq (ap "first" $s) (canon %init_peer_id% $s #frozen))
      (seq
        (call "bob" ("op" "identity") ["second"] $s)
        (seq
          (call "bob" ("op" "identity") [#frozen] seen_on_bob)
          (seq (canon "bob" $s #later) {RESPOND.format("seen_on_bob #later")}))))
    """
    result = Network(["alice", "bob"]).run(script, init_peer="alice")
    assert result.responses == [[["first"], ["first", "second"]]]


def test_new_gives_each_fold_iteration_its_own_stream() -> None:
    script = f"""
    (seq
      (call %init_peer_id% ("getDataSrv" "xs") [] xs)
      (fold xs x
        (seq
          (new $acc
            (seq (ap x $acc) (seq (canon %init_peer_id% $acc #acc) {RESPOND.format("#acc")})))
          (next x))))
    """
    result = Network(["alice"]).run(script, init_peer="alice", data={"xs": [1, 2]})
    assert result.responses == [[[1]], [[2]]]


def test_new_scalar_does_not_leak() -> None:
    script = f"""
    (seq
      (ap "outer" x)
      (seq (new x (seq (ap "inner" x) {RESPOND.format("x")})) {RESPOND.format("x")}))
    """
    assert Network(["alice"]).run(script, init_peer="alice").responses == [["inner"], ["outer"]]


def test_never_blocks_what_follows_but_not_a_par_sibling() -> None:
    script = f'(par (seq (never) {RESPOND.format(1)}) {RESPOND.format(2)})'
    assert Network(["alice"]).run(script, init_peer="alice").responses == [[2]]
