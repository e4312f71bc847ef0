"""Errors of the AIR language, with AquaVM's stable numeric codes.

Three families, as in AquaVM: a script that does not parse or validate (`ParseError`, which
AquaVM reports with ret_code 1); errors raised while running, split into *catchable* ones
(codes from 10000; an enclosing `xor` handles them and scripts can read them through
`%last_error%` and `:error:`) and *uncatchable* ones (codes from 20000; they end the run);
and problems with the particle's data (`DataError`), which are the sender's fault. Waiting
for a value that is not there yet is not an error at all: see the interpreter's join.
"""

from __future__ import annotations

from edge_agent.errors import EdgeAgentError, RemoteError


class AirError(EdgeAgentError):
    """Base of the errors the AIR package raises to its callers."""


class ParseError(AirError):
    """The script is not valid AIR; says where (1-based line and column) and what was expected."""

    ret_code = 1

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        self.message = message
        self.line = line
        self.column = column
        where = f"line {line}, column {column}: " if line else ""
        super().__init__(f"AIR can't be parsed: {where}{message}")


class DataError(AirError, RemoteError):
    """The particle data is malformed, too large, or cannot be merged."""

    ret_code = 2


class DataConflict(DataError):
    """The incoming data disagrees with ours about a recorded result; the copy is rejected."""

    ret_code = 3


# --- run-time errors (raised inside the interpreter, reported through RunResult) ----------

CATCHABLE_BASE = 10000
UNCATCHABLE_BASE = 20000


class ExecutionError(Exception):
    """An error while running a script. Internal to the interpreter: never escapes `run`."""

    code: int
    catchable: bool

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def detached(self) -> ExecutionError:
        """This error without its traceback, where it is caught to be passed on as a value
        (`attempt`, a resume frame, the run's end). The traceback's frames hold the run's
        context with all its data, and the frame that raised it from a local or a parameter
        holds it in turn: a cycle that only Python's collector frees, the data alive till then
        (each failed call of a particle left about 150 objects so)."""
        self.__traceback__ = None
        return self


class Catchable(ExecutionError):
    """An error an enclosing `xor` may handle (AquaVM's CatchableError)."""

    catchable = True

    def affects_last_error(self) -> bool:
        """match/mismatch failures steer control flow; they leave `%last_error%` alone."""
        return self.code not in (MATCH_FAILED, MISMATCH_FAILED)


class Uncatchable(ExecutionError):
    """An error that ends the run whatever the script says (AquaVM's UncatchableError)."""

    catchable = False


# Catchable codes, in AquaVM's order (CatchableError discriminants + 10000).
LOCAL_SERVICE_ERROR = 10000
MATCH_FAILED = 10001
MISMATCH_FAILED = 10002
VARIABLE_NOT_FOUND = 10003
INCOMPATIBLE_VALUE_TYPE = 10004
FOLD_OVER_NON_ARRAY = 10005
USER_ERROR = 10006
LAMBDA_ERROR = 10007
INVALID_ERROR_OBJECT = 10008
NOT_INITIALIZED_AFTER_NEW = 10009
LENGTH_OF_NON_ARRAY = 10010
NON_STRING_IN_TRIPLET = 10011
STREAM_MAP_KEY_ERROR = 10012
STREAM_TOO_LARGE = 10100
"""Ours: a stream would exceed const.MAX_STREAM_VALUES."""

# Uncatchable codes, in AquaVM's order (UncatchableError discriminants + 20000).
FOLD_STATE_NOT_FOUND = 20002
ITERABLE_SHADOWING = 20003
SHADOWING_NOT_ALLOWED = 20007
UNPROCESSED_CALL_RESULTS = 30000
"""AquaVM's farewell error: the host passed a result for a call the run did not reach."""
STEP_LIMIT = 20100
"""Ours: the run executed more instructions than const.MAX_INTERPRETER_STEPS."""
DATA_TOO_LARGE = 20101
"""Ours: the data produced would exceed const.MAX_DATA_BYTES / MAX_DATA_ENTRIES."""
FORGED_RESULT = 20102
"""Ours: the data records a result that its instruction could not have produced -- a call's
result from a peer other than the one it was addressed to, a canon from another peer, an
`ap` whose value is not what its argument gives, or an entry of the wrong kind. The copy
that brought it is refused, and the run leaves the data as it was."""
REFUSED_COPY_CODES = frozenset({2, 3, FORGED_RESULT})
"""ret_codes after which the incoming copy is refused and the data stays as it was (bad
data, a conflict, a forgery), as opposed to the script failing on good data."""
