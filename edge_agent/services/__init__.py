"""Services a peer offers to scripts: builtins, client services and Wasm modules."""

from __future__ import annotations

from edge_agent.services.base import CallResult, Handler, ServiceError

__all__ = ["CallResult", "Handler", "ServiceError"]
