"""edge_agent/services/builtins/args.py: arguments read as nox reads them, errors as Rust prints them."""

from __future__ import annotations

import pytest

from edge_agent import const
from edge_agent.services.base import ServiceError
from edge_agent.services.builtins import args as A


def test_rust_debug_of_strings_and_chars() -> None:
    assert A.str_debug('a"b\'c\\d') == '"a\\"b\'c\\\\d"'
    assert A.str_debug("\t\r\n\0") == '"\\t\\r\\n\\0"'
    assert A.str_debug("\x01\x7f\u00a0\u2028é😀") == '"\\u{1}\\u{7f}\\u{a0}\\u{2028}é😀"'
    assert A.char_debug("'") == "'\\''" and A.char_debug('"') == "'\"'"


def test_serde_json_value_debug() -> None:
    assert A.value_debug(None) == "Null"
    assert A.value_debug(True) == "Bool(true)"
    assert A.value_debug(-3) == "Number(-3)"
    assert A.value_debug(1.0) == "Number(1.0)"
    assert A.value_debug([]) == "Array []"
    assert A.value_debug({}) == "Object {}"
    assert A.value_debug({"b": ["x"], "a": {"k": None}}) == (
        'Object {"a": Object {"k": Null}, "b": Array [String("x")]}'
    )


def test_take_reads_one_argument_of_one_type() -> None:
    assert A.take([1, "a"], 1, "s", A.STRING) == "a"
    with pytest.raises(ServiceError, match="Field 's' is missing"):
        A.take([1], 1, "s", A.STRING)
    for kind, good, bad in [
        (A.I64, [-(2**63), 2**63 - 1], [2**63, 1.0, True, "1"]),
        (A.U32, [0, 2**32 - 1], [-1, 2**32]),
        (A.U8, [0, 255], [256, -1]),
        (A.F64, [1, 1.5, 2**64 - 1], [True, None, "1.5"]),
        (A.VEC_STRING, [[], ["a"]], [["a", 1], "a"]),
    ]:
        for value in good:
            assert A.take([value], 0, "v", kind) == value
        for value in bad:
            with pytest.raises(ServiceError, match=f"expected {kind.rust}, got"):
                A.take([value], 0, "v", kind)


def test_take_opt_reads_an_aqua_option_a_bare_value_or_nothing() -> None:
    assert A.take_opt([], 0, "o", A.BOOL) is None
    assert A.take_opt([None], 0, "o", A.BOOL) is None
    assert A.take_opt([[]], 0, "o", A.BOOL) is None
    assert A.take_opt([[True]], 0, "o", A.BOOL) is True
    assert A.take_opt([False], 0, "o", A.BOOL) is False
    with pytest.raises(ServiceError, match="'o' was of 2 elements"):
        A.take_opt([[True, False]], 0, "o", A.BOOL)
    with pytest.raises(ServiceError, match=r"expected Option<bool>, got \[1\]"):
        A.take_opt([[1]], 0, "o", A.BOOL)


def test_unary_and_binary_count_their_arguments_first() -> None:
    double = A.unary(lambda x: 2 * x, A.I64)
    ctx = None
    assert double([4], ctx) == 8  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="^expected 1 arguments, got 2$"):
        double([4, 5], ctx)  # type: ignore[arg-type]
    with pytest.raises(ServiceError, match="^expected 2 arguments, got 0$"):
        A.binary(lambda x, y: x + y)([], ctx)  # type: ignore[arg-type]


def test_result_size_check_stops_early_on_shared_values() -> None:
    big = list(range(1000))
    A.check_result_size("f", [big] * 100)  # 100,100 values: under the limit
    shared = [big] * 10**6  # a billion values if walked in full: refused after the limit
    limit = const.BUILTIN_MAX_RESULT_VALUES
    with pytest.raises(ServiceError, match=f"^f: the result would hold more than {limit} values"):
        A.check_result_size("f", shared)
    keyed = [{"k" * 1000: 1}] * 10**4
    with pytest.raises(ServiceError, match="characters of text"):
        A.check_result_size("f", keyed)
