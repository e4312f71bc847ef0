"""The one error tree of edge-agent.

Every error says whose fault it was: `RemoteError` for something a peer on the network sent
us (a bad particle, a conflicting data copy), `LocalError` for our own state, configuration
or a person's input. Third-party exceptions are translated at the edge with ``raise ... from``.
Messages a person reads say what to do next.
"""

from __future__ import annotations


class EdgeAgentError(Exception):
    """Base of every error edge-agent raises on purpose."""


class LocalError(EdgeAgentError):
    """Caused by us: configuration, local state, or the input a person gave."""


class RemoteError(EdgeAgentError):
    """Caused by a remote peer: what it sent is malformed, too large, forged or conflicting."""


class ConfigError(LocalError):
    """A configuration value is missing or wrong; the message names the key."""
