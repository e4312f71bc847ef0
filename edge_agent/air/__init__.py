"""The AIR composition language: parser, validator, data log and interpreter (pure, no I/O)."""

from __future__ import annotations

from edge_agent.air.calls import CallRequest, CallResult
from edge_agent.air.context import RunParams
from edge_agent.air.data import Data
from edge_agent.air.errors import DataConflict, DataError, ParseError
from edge_agent.air.interpreter import RunResult, Script, compile_script, run
from edge_agent.air.parser import parse

__all__ = [
    "CallRequest",
    "CallResult",
    "Data",
    "DataConflict",
    "DataError",
    "ParseError",
    "RunParams",
    "RunResult",
    "Script",
    "compile_script",
    "parse",
    "run",
]
