"""Services a peer offers to scripts: builtins, client services and Wasm modules.

The names below are loaded on first use (PEP 562): the Wasm worker process imports
`edge_agent.services.wasm.worker`, and importing this package must not pull the AIR
interpreter (through `base`) into a process that only runs wasm3 (docs/install.md, memory).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from edge_agent.services.base import CallResult, Handler, ServiceError

__all__ = ["CallResult", "Handler", "ServiceError"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from edge_agent.services import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
