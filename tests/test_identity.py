"""Ed25519 identities and libp2p peer ids (edge_agent/identity.py)."""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from edge_agent.errors import EdgeAgentError, LocalError, RemoteError
from edge_agent.identity import (
    InvalidKey,
    InvalidPeerId,
    KeyPair,
    parse_peer_id,
    peer_id_from_public_key,
    validate_peer_id,
    verify,
)

# The Fluence oracle's friendly names (shared/oracle/sim.mjs keyFor): seed =
# sha256("aqua-oracle-peer:" + name); ids printed by `node sim.mjs --peer-ids client nodeA`.
ORACLE_IDS = {
    "client": "12D3KooWBHE899ERFC1TXSJLqosH4b57Szsq2hq1TDkpG16MrD3h",
    "nodeA": "12D3KooWB7YNm5pjUHukb9Uu5RZB69JT9fSwQP3mTDJkNM1dTyj7",
}

# RFC 8032 §7.1, TEST 1 (empty message).
RFC8032_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
RFC8032_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
RFC8032_SIG = bytes.fromhex(
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)


def oracle_pair(name: str) -> KeyPair:
    return KeyPair.from_seed(hashlib.sha256(f"aqua-oracle-peer:{name}".encode()).digest())


@pytest.mark.parametrize("name", sorted(ORACLE_IDS))
def test_peer_id_matches_fluence_oracle(name: str) -> None:
    assert oracle_pair(name).peer_id == ORACLE_IDS[name]


def test_peer_id_matches_live_oracle() -> None:
    """The hard-coded vectors above came from the oracle; re-derive them when it can run."""
    sim = Path(__file__).resolve().parents[2] / "shared" / "oracle" / "sim.mjs"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "aqua-oracle"
    if not sim.exists() or shutil.which("node") is None or not cache.exists():
        pytest.skip("the Fluence oracle (node + shared/oracle) is not available here")
    names = ["client", "nodeA", "nodeB", "edge-device-7"]
    out = subprocess.run(
        ["node", str(sim), "--peer-ids", *names],
        capture_output=True, text=True, timeout=60, check=True,
    ).stdout
    printed = dict(line.split("\t") for line in out.strip().splitlines())
    assert printed == {n: oracle_pair(n).peer_id for n in names}


def test_rfc8032_vector() -> None:
    pair = KeyPair.from_seed(RFC8032_SEED)
    assert pair.public_bytes == RFC8032_PUBLIC
    assert pair.sign(b"") == RFC8032_SIG
    assert verify(pair.peer_id, b"", RFC8032_SIG)


def test_peer_id_layout_and_round_trip() -> None:
    pair = KeyPair.generate()
    assert pair.peer_id.startswith("12D3KooW") and len(pair.peer_id) == 52
    assert parse_peer_id(pair.peer_id) == pair.public_bytes
    assert peer_id_from_public_key(pair.public_bytes) == pair.peer_id
    assert validate_peer_id(pair.peer_id) is pair.peer_id


def test_peer_id_alone_verifies() -> None:
    alice, bob = oracle_pair("client"), oracle_pair("nodeA")
    sig = alice.sign(b"particle")
    assert verify(alice.peer_id, b"particle", sig)
    assert not verify(alice.peer_id, b"particle!", sig)
    assert not verify(bob.peer_id, b"particle", sig)
    assert not verify(alice.peer_id, b"particle", sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not verify(alice.peer_id, b"particle", sig[:63])
    assert not verify(alice.peer_id, b"particle", b"")
    assert not verify(alice.peer_id, b"particle", "x" * 64)  # type: ignore[arg-type]


def test_verify_rejects_a_peer_id_that_is_no_point_on_the_curve() -> None:
    # Many 32-byte strings are not valid Ed25519 points; none may verify, none may raise.
    sig = oracle_pair("client").sign(b"m")
    for i in range(64):
        pid = peer_id_from_public_key(hashlib.sha256(bytes([i])).digest())
        assert verify(pid, b"m", sig) is False


@pytest.mark.parametrize(
    ("bad", "needle"),
    [
        ("", "empty"),
        ("12D3KooW", "not an Ed25519"),
        ("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N", "SHA-256 multihash"),
        ("16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY", "secp256k1"),
        ("12D3KooWBHE899ERFC1TXSJLqosH4b57Szsq2hq1TDkpG16MrD3h0", "not a base58btc character"),
        ("12D3KooWBHE899ERFC1TXSJLqosH4b57Szsq2hq1TDkpG16MrD3hh", "not an Ed25519"),
        ("1" + ORACLE_IDS["client"], "not an Ed25519"),
        ("x" * 10_000, "characters long"),
        (" 12D3KooWBHE899ERFC1TXSJLqosH4b57Szsq2hq1TDkpG16MrD3h", "base58btc"),
    ],
)
def test_bad_peer_ids_say_why(bad: str, needle: str) -> None:
    with pytest.raises(InvalidPeerId, match=needle):
        parse_peer_id(bad)
    with pytest.raises(InvalidPeerId):
        verify(bad, b"m", bytes(64))


def test_non_string_peer_id() -> None:
    with pytest.raises(InvalidPeerId, match="string"):
        parse_peer_id(b"12D3KooW")  # type: ignore[arg-type]


def test_invalid_peer_id_is_neither_local_nor_remote() -> None:
    # Callers decide whose fault it was (particle -> RemoteError, config -> ConfigError).
    assert issubclass(InvalidPeerId, EdgeAgentError) and issubclass(InvalidPeerId, ValueError)
    assert not issubclass(InvalidPeerId, (LocalError, RemoteError))


def test_private_bytes_forms() -> None:
    pair = KeyPair.from_seed(RFC8032_SEED)
    assert pair.private_bytes() == RFC8032_SEED
    assert KeyPair.from_private_bytes(RFC8032_SEED) == pair
    assert KeyPair.from_private_bytes(RFC8032_SEED + RFC8032_PUBLIC) == pair
    with pytest.raises(InvalidKey, match="public half"):
        KeyPair.from_private_bytes(RFC8032_SEED + bytes(32))
    for n in (0, 31, 33, 63, 65):
        with pytest.raises(InvalidKey, match="32"):
            KeyPair.from_private_bytes(bytes(n))
    with pytest.raises(InvalidKey):
        KeyPair.from_seed("x" * 32)  # type: ignore[arg-type]


def test_pem_round_trip_and_errors() -> None:
    pair = KeyPair.generate()
    pem = pair.to_pem()
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert KeyPair.from_pem(pem) == pair
    with pytest.raises(InvalidKey):
        KeyPair.from_pem(b"not a pem")
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(InvalidKey, match="not an unencrypted PKCS#8 PEM Ed25519"):
        KeyPair.from_pem(other)


def test_pem_agrees_with_an_independent_implementation() -> None:
    """`from_pem`/`to_pem` read and write PKCS#8 v1 themselves; cryptography (OpenSSL), a
    test dependency only, reads and writes the same bytes for the same key."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    for seed in (RFC8032_SEED, bytes(32), b"\xff" * 32, os.urandom(32)):
        pem = KeyPair.from_seed(seed).to_pem()
        library = serialization.load_pem_private_key(pem, password=None)
        assert isinstance(library, Ed25519PrivateKey)
        assert KeyPair.from_pem(pem) == KeyPair.from_seed(library.private_bytes_raw())
        written = library.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        assert pem == written
        assert KeyPair.from_pem(b"\n  " + pem.replace(b"\n", b"\r\n")) == KeyPair.from_seed(seed)
    pem = KeyPair.from_seed(RFC8032_SEED).to_pem()
    lines = pem.split(b"\n")
    for broken in (
        pem.replace(b"PRIVATE KEY", b"RSA PRIVATE KEY"),
        b"\n".join([lines[0], b"!" + lines[1][1:], *lines[2:]]),
        b"\n".join([lines[0], lines[1][:-4], *lines[2:]]),
        pem[:-5],
    ):
        with pytest.raises(InvalidKey):
            KeyPair.from_pem(broken)


def test_signatures_agree_with_an_independent_implementation() -> None:
    """libsodium (ours) and OpenSSL (cryptography, a test dependency) sign alike and accept
    each other's signatures; a changed byte fails both."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    for n in (0, 1, 64, 350, 4096):
        seed, message = os.urandom(32), os.urandom(n)
        ours, theirs = KeyPair.from_seed(seed), Ed25519PrivateKey.from_private_bytes(seed)
        assert ours.sign(message) == theirs.sign(message)
        Ed25519PublicKey.from_public_bytes(ours.public_bytes).verify(ours.sign(message), message)
        assert verify(ours.peer_id, message, theirs.sign(message))
        forged = message + b"!"
        assert not verify(ours.peer_id, forged, theirs.sign(message))
        with pytest.raises(InvalidSignature):
            Ed25519PublicKey.from_public_bytes(ours.public_bytes).verify(ours.sign(message), forged)


def test_the_agent_never_loads_cryptography() -> None:
    """Ed25519 is libsodium's: the agent's and the CLI's modules, identity files included,
    leave cryptography (9.5 MB resident) unloaded."""
    pem = KeyPair.from_seed(RFC8032_SEED).to_pem()
    code = (
        "import sys; import edge_agent.cli, edge_agent.node; from edge_agent.identity import KeyPair; "
        f"KeyPair.generate().to_pem(); pair = KeyPair.from_pem({pem!r}); pair.sign(b'x'); "
        "print(pair.peer_id, any(m.startswith('cryptography') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == [KeyPair.from_seed(RFC8032_SEED).peer_id, "False"]


def test_no_key_material_in_repr_or_str() -> None:
    pair = KeyPair.from_seed(RFC8032_SEED)
    for text in (repr(pair), str(pair), f"{pair}", "%s" % (pair,)):
        assert pair.peer_id in text
        assert RFC8032_SEED.hex() not in text.lower()
        assert RFC8032_PUBLIC.hex() not in text.lower()
    assert not hasattr(pair, "__dict__")


def test_key_pair_is_immutable_and_not_picklable() -> None:
    pair = KeyPair.generate()
    with pytest.raises(AttributeError):
        pair._peer_id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError, match="pickled"):
        pickle.dumps(pair)


def test_equality_follows_the_key() -> None:
    a, b = KeyPair.from_seed(RFC8032_SEED), KeyPair.from_seed(RFC8032_SEED)
    assert a == b and hash(a) == hash(b) and a is not b
    assert a != KeyPair.generate()
    assert len({a, b}) == 1


def test_signing_is_deterministic() -> None:
    pair = oracle_pair("nodeA")
    assert pair.sign(b"x") == pair.sign(b"x") != pair.sign(b"y")


def test_pure_modules_import_no_io_libraries() -> None:
    """identity and particle are pure (house rule 1): no asyncio, sockets or network libs."""
    code = (
        "import sys, json; import edge_agent.identity, edge_agent.particle; "
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = set(json.loads(subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60,
    ).stdout))
    # Not "socket": cbor2 5 may pull it in through the stdlib.
    forbidden = {"asyncio", "aiocoap", "zeroconf", "wasm3", "edge_agent.net", "edge_agent.store"}
    assert not loaded & forbidden, loaded & forbidden
