"""The AIR parser and validator: every instruction and value form, and every rejection."""

from __future__ import annotations

import pytest

from edge_agent import const
from edge_agent.air import ast
from edge_agent.air.errors import ParseError
from edge_agent.air.lexer import tokenize
from edge_agent.air.parser import parse

CALL = '(call %init_peer_id% ("op" "noop") [])'


def test_every_instruction_parses() -> None:
    script = """
    ; a comment before the script
    (seq
      (par (null) (never))
      (xor
        (seq
          (call %init_peer_id% ("getDataSrv" "xs") [] xs)   ; scalar output
          (fold xs x
            (seq
              (ap x $s)
              (next x))
            (null)))
        (seq
          (new $t
            (seq
              (canon %init_peer_id% $s #cc)
              (match #cc.length 2
                (mismatch 1 2 (fail 42 "boom")))))
          (fail :error:))))
    """
    tree = parse(script)
    kinds = set()

    def walk(node: ast.Instruction) -> None:
        kinds.add(type(node).__name__)
        for child in ast.children(node):
            walk(child)

    walk(tree)
    assert kinds == {
        "Seq", "Par", "Null", "Never", "Xor", "Call", "Fold", "Ap", "Next",
        "New", "Canon", "Match", "MisMatch", "FailLiteral", "FailValue",
    }


def test_nodes_are_numbered_in_preorder() -> None:
    tree = parse(f"(seq {CALL} (par (null) (never)))")
    assert isinstance(tree, ast.Seq) and tree.node_id == 0
    assert tree.left.node_id == 1
    assert isinstance(tree.right, ast.Par)
    assert (tree.right.node_id, tree.right.left.node_id, tree.right.right.node_id) == (2, 3, 4)


def test_call_forms() -> None:
    tree = parse('(seq (call "peer" ("srv" "fn") ["a" 1 -2 3.5 true false []] x) '
                 '(seq (call x ("srv" "fn") [] $s) (call x.$.p (x.$.s x.$.f) [x.$.[0]])))')
    first = tree.left
    assert isinstance(first, ast.Call)
    assert first.peer == ast.Literal("peer")
    assert first.args == (
        ast.Literal("a"), ast.Number(1), ast.Number(-2), ast.Number(3.5),
        ast.Boolean(True), ast.Boolean(False), ast.EmptyArray(),
    )
    assert first.output == ast.Scalar("x")
    second = tree.right.left
    assert second.output == ast.Stream("$s")
    third = tree.right.right
    assert third.peer == ast.Scalar("x", (ast.Field("p"),))
    assert third.output is None
    assert third.args == (ast.Scalar("x", (ast.Index(0),)),)


def test_special_values_and_lenses() -> None:
    tree = parse(
        "(seq (call %init_peer_id% (\"s\" \"f\") [] o) (seq (call %init_peer_id% (\"s\" \"f\") [] i) "
        "(call %init_peer_id% (\"s\" \"f\") [%init_peer_id% %timestamp% %ttl% %last_error% "
        "%last_error%.$.message :error: :error:.$.error_code o.$.a.[0].b o.$.[i] o.length])))"
    )
    args = tree.right.right.args
    assert args == (
        ast.InitPeerId(), ast.Timestamp(), ast.Ttl(), ast.LastError(),
        ast.LastError((ast.Field("message"),)), ast.ErrorValue(),
        ast.ErrorValue((ast.Field("error_code"),)),
        ast.Scalar("o", (ast.Field("a"), ast.Index(0), ast.Field("b"))),
        ast.Scalar("o", (ast.IndexVar("i"),)),
        ast.Scalar("o", (), length=True),
    )


def test_canon_stream_lens_and_length() -> None:
    tree = parse("(seq (canon %init_peer_id% $s #cc) (call %init_peer_id% (\"s\" \"f\") [#cc #cc.length #cc.$.[1].x]))")
    assert tree.right.args == (
        ast.CanonStream("#cc"),
        ast.CanonStream("#cc", (), True),
        ast.CanonStream("#cc", (ast.Index(1), ast.Field("x"))),
    )


def test_aqua_style_names() -> None:
    # Aqua 0.14 names variables with dashes and digits, even at the start.
    script = """
    (seq
      (call %init_peer_id% ("getDataSrv" "-relay-") [] -relay-)
      (seq
        (call %init_peer_id% ("getDataSrv" "peers") [] -peers-arg-)
        (seq
          (new $-hop- (new #-hopc- (canon -relay- $-hop- #-hopc-)))
          (fold -peers-arg- p-0
            (seq (call p-0 ("op" "noop") [:error: 0]) (next p-0))))))
    """
    tree = parse(script)
    assert tree.left.output == ast.Scalar("-relay-")
    fold = tree.right.right.right
    assert isinstance(fold, ast.Fold) and fold.iterator == "p-0"


def test_strings_have_no_escapes() -> None:
    tree = parse('(call %init_peer_id% ("s" "f") ["a\\b" "tab\there" ""])')
    assert tree.args == (ast.Literal("a\\b"), ast.Literal("tab\there"), ast.Literal(""))


def test_numbers() -> None:
    tree = parse('(call %init_peer_id% ("s" "f") [0 +5 5. -0.25 9223372036854775807])')
    assert [a.value for a in tree.args] == [0, 5, 5.0, -0.25, 2**63 - 1]
    assert type(tree.args[2].value) is float


def test_stream_maps() -> None:
    tree = parse(
        "(new %m (seq (ap (\"k\" 1) %m) (seq (canon %init_peer_id% %m obj) (canon %init_peer_id% %m #%c))))"
    )
    body = tree.body
    assert body.left == ast.ApMap(ast.Literal("k"), ast.Number(1), ast.StreamMap("%m"))
    assert body.right.left.canon == ast.Scalar("obj")
    assert body.right.right.canon == ast.CanonStreamMap("#%c")


@pytest.mark.parametrize(
    ("script", "line", "column", "fragment"),
    [
        ("(seq (null)", 1, 12, "'(' starting an instruction"),
        ("(sequence (null) (null))", 1, 2, "an instruction name"),
        ("(null) (null)", 1, 8, "the end of the script"),
        ("(call %init_peer_id% (\"s\" \"f\") [1e5])", 1, 1, "variable '1e5' wasn't defined"),
        ('(call %init_peer_id% ("s" "f") ["open)', 1, 33, "not closed"),
        ("(seq\n  (null)\n  (call %init_peer_id% (\"s\" \"f\") [$s]))", 3, 35, "canonicalize it first"),
        ("(fail 0 \"nope\")", 1, 7, "error code 0"),
        ("(next i)", 1, 1, "not inside a fold"),
        ("(fold [] i (next j))", 1, 12, "not inside a fold whose iterator is 'j'"),
        ('(seq (call %init_peer_id% ("s" "f") [x] y) (call %init_peer_id% ("s" "f") [] x))', 1, 6, "'x' wasn't defined"),
        ("(seq (ap 1 $s) (ap $s.$.[0] x))", 1, 20, "lens can't be applied to the stream"),
        ("(fold $never x (next x))", 1, 1, "'$never' wasn't defined"),
        ('(call %init_peer_id% ("s" "f") [3.14159265358])', 1, 33, "more than 11 digits"),
        ('(call %init_peer_id% ("s" "f") [.5])', 1, 33, "write 0.5"),
        ("(ap 1 x.$.a)", 1, 7, "scalar name or a $stream"),
        ('(call %init_peer_id% ("s" "f") [x.$.])', 1, 33, ""),
        ("(seq (ap 1 $s) (seq (canon %init_peer_id% $s #c) (ap #c.length n)))", 1, 54, "canon name should be non empty"),
    ],
)
def test_rejections_say_where_and_what(script: str, line: int, column: int, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        parse(script)
    err = info.value
    assert (err.line, err.column) == (line, column), str(err)
    assert fragment in str(err)
    assert err.ret_code == 1


def test_size_is_checked_before_parsing() -> None:
    with pytest.raises(ParseError, match="larger than 100 bytes"):
        parse("(null)" + " " * 200, max_bytes=100)


def test_tokens_are_bounded_as_they_are_read() -> None:
    # Dense tokens cost the parser the most per byte; it stops at the one over the limit.
    words = "(null) " + "x " * const.MAX_SCRIPT_TOKENS
    with pytest.raises(ParseError, match=f"more than {const.MAX_SCRIPT_TOKENS} tokens") as info:
        parse(words)
    assert info.value.column == len("(null) ") + 2 * (const.MAX_SCRIPT_TOKENS - 3) + 1


def test_a_lens_index_holds_no_bracket() -> None:
    # An index is a number or a name. Letting `[` into it made the lexer scan each `.[` of an
    # unclosed `.[.[.[...` to the end of the text: quadratic time on a stranger's script.
    assert [t.text for t in tokenize("x.[.[0]")][:3] == ["x.", "[", ".[0]"]
    assert [t.text for t in tokenize("x.$.[0].[i]")][:1] == ["x.$.[0].[i]"]
    with pytest.raises(ParseError):
        parse("(seq (null) " + ".[" * 50_000 + ")")


def test_depth_is_bounded() -> None:
    deep = "(seq " * 300 + "(null) (null)" + ")" * 300
    with pytest.raises(ParseError, match="nested deeper"):
        parse(deep)


def test_render_matches_aquavm_display() -> None:
    tree = parse('(seq (call %init_peer_id% ("op" "noop") [1.0 "x" -0.5]) (xor (match 1 2 (null)) (fail 42 "custom")))')
    assert ast.render(tree.left) == 'call %init_peer_id% ("op" "noop") [1 "x" -0.5] '
    assert ast.render(tree.right.left) == "match 1 2"
    assert ast.render(tree.right.right) == 'fail 42 "custom"'
    assert ast.render(tree) == "seq"


def test_to_air_round_trips() -> None:
    script = """(seq (call %init_peer_id% ("getDataSrv" "xs") [] xs)
      (fold xs x (par (call x ("peer" "identify") [] $r) (next x)) (never)))"""
    tree = parse(script)
    assert parse(ast.to_air(tree)) == tree
    assert parse(ast.to_air(tree, indent=2)) == tree
