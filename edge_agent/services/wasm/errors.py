"""Errors of the Wasm service host."""

from __future__ import annotations

from edge_agent.errors import EdgeAgentError


class ModuleRejected(EdgeAgentError):
    """A module was refused at deploy time; the message names the problem and where."""
