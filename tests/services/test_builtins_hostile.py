"""Any arguments a stranger sends: every builtin answers a JSON value or refuses with a
ServiceError -- never another exception, never a value AIR cannot hold."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from edge_agent.air.values import check_value
from edge_agent.services.base import Delayed, ServiceError
from edge_agent.services.builtins import BUILTINS, call_builtin
from tests.services.builtins_support import CTX

FUNCTIONS = sorted((service, function) for service, table in BUILTINS.items() for function in table)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.sampled_from([0, 1, -1, 2, 63, 64, 2**63 - 1, -(2**63), 2**32, 2**64 - 1]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["", "0", "12", "+5", "-5", "2g", "Cn8eVZg", "1" * 30, "é"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=500)
@given(st.sampled_from(FUNCTIONS), st.lists(values, max_size=4))
def test_every_builtin_answers_a_json_value_or_a_service_error(
    call: tuple[str, str], args: list[Any]
) -> None:
    service, function = call
    try:
        result = call_builtin(service, function, args, CTX)
    except ServiceError as exc:
        assert exc.ret_code == 1 and isinstance(exc.message, str)
        return
    if isinstance(result, Delayed):
        assert 0 <= result.delay_ms <= 60_000
        result = result.value
    check_value(result)
