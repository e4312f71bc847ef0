"""Keep OpenSSL out of the `edge-agent` process: it speaks CoAP over UDP, never TLS.

asyncio imports `ssl` and hashlib imports `_hashlib` whether or not anything uses them, and
the two map libssl and libcrypto: 4.8 MB of the agent's resident memory (measured with
mDNS on, benchmarks/node_bench.py), on boards that may have 512 MB in all. Signatures are
libsodium's (`edge_agent.identity`) and hashlib's own SHA-256 and BLAKE2 serve the rest, so
the command marks both modules as absent before anything imports them; CPython documents
that a None in `sys.modules` makes an import fail with `ImportError`, which asyncio and
hashlib handle. The price: SHA-256 of a 2 MiB module takes 16 ms instead of 2.

Only the command does this (`edge_agent.__main__`): a program that imports edge_agent as
a library keeps its OpenSSL. Code that needs TLS after all (prometheus_client imports
`ssl`, for `metrics.listen`) calls `let_in` before anything imports it or a module that
adapts to ssl's absence once, at its first import (http.client, urllib.request).
"""

from __future__ import annotations

import sys

__all__ = ["keep_out", "let_in"]

_MODULES = ("ssl", "_ssl", "_hashlib")


def keep_out() -> bool:
    """Make `import ssl` and `import _hashlib` fail from now on; False if either is already
    imported (then nothing is changed: its libraries are mapped anyway)."""
    if any(sys.modules.get(name) is not None for name in _MODULES):
        return False
    for name in _MODULES:
        sys.modules[name] = None  # type: ignore[assignment]
    return True


def let_in() -> None:
    """Undo `keep_out`: the next `import ssl` loads OpenSSL (modules that imported hashlib
    or asyncio before keep on without it)."""
    for name in _MODULES:
        if name in sys.modules and sys.modules[name] is None:
            del sys.modules[name]
