"""Configuration (edge_agent/config.py) and docs/config.md."""

from __future__ import annotations

import ast
import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from edge_agent import config, const
from edge_agent.config import Config, StaticPeer, load_config, parse_config
from edge_agent.errors import ConfigError, LocalError

REPO = Path(__file__).resolve().parents[1]
PEER = "12D3KooWBHE899ERFC1TXSJLqosH4b57Szsq2hq1TDkpG16MrD3h"
PEER2 = "12D3KooWB7YNm5pjUHukb9Uu5RZB69JT9fSwQP3mTDJkNM1dTyj7"


def error_of(text: str) -> str:
    with pytest.raises(ConfigError) as info:
        parse_config(text)
    assert isinstance(info.value, LocalError)
    return str(info.value)


def test_defaults() -> None:
    c = Config.default()
    assert c == Config() == parse_config("") == load_config(None)
    assert c.state_dir == Path("/var/lib/edge-agent")
    assert c.coap.port == 5683 and c.coap.bind == "::"
    assert c.discovery.enabled is True and c.discovery.instance_name == ""
    assert c.particles.max_bytes == const.MAX_PARTICLE_BYTES
    assert c.particles.clock_skew_ms == const.DEFAULT_CLOCK_SKEW_MS
    assert c.log_level == "info" and c.peers == ()
    assert c.kv.max_key_bytes == 256 and c.kv.max_value_bytes == 64 * 1024


def test_tree_is_frozen_and_slotted() -> None:
    c = Config()
    for obj in (c, c.coap, c.discovery, c.particles, c.wasm, c.kv, StaticPeer(PEER, "h")):
        assert not hasattr(obj, "__dict__")
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(obj, dataclasses.fields(obj)[0].name, None)


def test_a_full_file() -> None:
    c = parse_config(
        """
        state_dir = "/srv/agent"
        log_level = "DEBUG"
        [coap]
        bind = "0.0.0.0"
        port = 5684
        [discovery]
        enabled = false
        instance_name = "greenhouse"
        [particles]
        max_bytes = 65_536
        default_ttl_ms = 7000
        clock_skew_ms = 0
        max_in_progress = 64
        max_finished = 1024
        [wasm]
        workers = 2
        fuel = 1
        memory_pages = 0
        [kv]
        max_keys = 10
        """
    )
    assert c.state_dir == Path("/srv/agent") and c.log_level == "debug"
    assert (c.coap.bind, c.coap.port) == ("0.0.0.0", 5684)
    assert c.discovery == config.DiscoveryConfig(enabled=False, instance_name="greenhouse")
    assert c.particles.max_bytes == 65536 and c.particles.default_ttl_ms == 7000
    assert c.particles.clock_skew_ms == 0
    assert (c.particles.max_in_progress, c.particles.max_finished) == (64, 1024)
    assert c.particles.core_limits() == {"max_particles": 64, "max_finished": 1024}
    assert config.ParticlesConfig().core_limits() == {}  # defaults follow edge_agent.const
    assert c.wasm.workers == 2 and c.wasm.fuel == 1 and c.wasm.memory_pages == 0
    assert c.wasm.deadline_ms == const.DEFAULT_WASM_DEADLINE_MS  # untouched keys keep defaults
    assert c.kv.max_keys == 10


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[coap]\nport = "abc"', "coap.port: must be an integer 0–65535, got 'abc'"),
        ("[coap]\nport = -1", "coap.port: must be an integer 0–65535, got -1"),
        ("[coap]\nport = 65536", "coap.port: must be an integer 0–65535, got 65536"),
        ("[coap]\nport = 5683.0", "coap.port: must be an integer 0–65535, got 5683.0"),
        ("[coap]\nport = true", "coap.port: must be an integer 0–65535, got True"),
        ('[coap]\nbind = "eth0"', "coap.bind: must be an IP address"),
        ("[discovery]\nenabled = 1", "discovery.enabled: must be true or false, got 1"),
        ('[discovery]\ninstance_name = "' + "x" * 64 + '"', "discovery.instance_name: must be at most 63 bytes"),
        ('log_level = "loud"', "log_level: must be one of debug, info, warning, error, got 'loud'"),
        ('state_dir = ""', "state_dir: must be a non-empty path"),
        ("state_dir = 5", "state_dir: must be a non-empty path, got 5"),
        ("[wasm]\nworkers = 0", "wasm.workers: must be an integer 1–64, got 0"),
        ("[wasm]\nfuel = -1", "wasm.fuel: must be an integer"),
        ("[kv]\nmax_value_bytes = 2_000_000", "kv.max_total_bytes: 1048576 cannot hold one largest entry"),
        ("[particles]\ndefault_ttl_ms = 4_000_000", "particles.default_ttl_ms: 4000000 is over particles.max_ttl_ms"),
        ("[particles]\nmax_ttl_ms = 1000", "particles.default_ttl_ms: 30000 is over particles.max_ttl_ms (1000)"),
        ("[particles]\nmax_finished = 3072", "particles.max_finished: 3072 leaves trusted peers no room"),
        ("coap = 5", "coap: must be a table ([coap]), got 5"),
    ],
)
def test_bad_values_name_the_key_and_the_problem(text: str, message: str) -> None:
    assert message in error_of(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[coap]\nprot = 1", "coap.prot: unknown key (did you mean coap.port?); [coap] has: bind, port"),
        ("stat_dir = '/x'", "stat_dir: unknown key (did you mean state_dir?)"),
        ("[coap_server]\nport = 1", "coap_server: unknown key"),
        ("[wasm]\nzzz = 1", "wasm.zzz: unknown key; [wasm] has: workers"),
        ("[particles.extra]\nx = 1", "particles.extra: unknown key"),
    ],
)
def test_unknown_keys_are_errors(text: str, message: str) -> None:
    assert message in error_of(text)


def test_invalid_toml() -> None:
    assert "not valid TOML" in error_of("[coap\nport = 1")


def test_static_peers_table_form() -> None:
    c = parse_config(
        f"""
        [peers]
        "{PEER}" = "192.168.1.20:5683"
        "{PEER2}" = "Greenhouse.local"
        """
    )
    assert c.peers == (
        StaticPeer(PEER, "192.168.1.20", 5683),
        StaticPeer(PEER2, "greenhouse.local", 5683),
    )


def test_static_peers_array_form() -> None:
    c = parse_config(
        f"""
        [[peers]]
        id = "{PEER}"
        address = "[fe80::1%eth0]:6000"
        [[peers]]
        id = "{PEER2}"
        address = "2001:db8::7"
        """
    )
    assert c.peers == (StaticPeer(PEER, "fe80::1%eth0", 6000), StaticPeer(PEER2, "2001:db8::7", 5683))
    assert c.peers[0].address == "[fe80::1%eth0]:6000"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[peers]\n"12D3KooWnope" = "h:1"', "peers.12D3KooWnope: peer id"),
        (f'[peers]\n"{PEER}" = "h:0"', f"peers.{PEER}: port must be 1–65535"),
        (f'[peers]\n"{PEER}" = "h:x"', "port must be 1–65535"),
        (f'[peers]\n"{PEER}" = "bad host:1"', "with an IP address or a DNS name"),
        (f'[peers]\n"{PEER}" = "[::1"', "no closing ']'"),
        (f'[peers]\n"{PEER}" = 5', "must be \"host:port\""),
        (f'[[peers]]\nid = "{PEER}"', "peers[0].address: missing"),
        (f'[[peers]]\nid = "{PEER}"\naddress = "h"\nport = 1', "peers[0].port: unknown key"),
        (f'[[peers]]\nid = "{PEER}"\naddress = "h"\n[[peers]]\nid = "{PEER}"\naddress = "g"',
         "peers[1]: peer " + PEER + " is listed twice"),
        ('peers = "x"', "peers: must be a table"),
        ("peers = [1]", "peers[0]: must be a table"),
    ],
)
def test_bad_static_peers(text: str, message: str) -> None:
    assert message in error_of(text)


def test_load_config_file(tmp_path: Path) -> None:
    path = tmp_path / "agent.toml"
    path.write_text('state_dir = "state"\n[coap]\nport = 6000\n')
    c = load_config(path)
    assert c.coap.port == 6000
    assert c.state_dir == tmp_path.resolve() / "state"  # relative to the file, not the cwd
    path.write_text("[coap]\nport = 'abc'\n")
    with pytest.raises(ConfigError, match=re.escape(f"{path}: coap.port: must be an integer")):
        load_config(path)


def test_load_config_file_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(tmp_path / "bin.toml")
    (tmp_path / "big.toml").write_bytes(b"#" * (const.MAX_CONFIG_FILE_BYTES + 1))
    with pytest.raises(ConfigError, match="over"):
        load_config(tmp_path / "big.toml")


def test_to_toml_round_trips() -> None:
    c = dataclasses.replace(
        parse_config(f'[peers]\n"{PEER}" = "[fe80::1%eth0]:6000"\n"{PEER2}" = "pi.local"'),
        log_level="warning",
        discovery=config.DiscoveryConfig(instance_name='odd "name" \\ é'),
    )
    text = c.to_toml()
    assert parse_config(text) == c
    assert parse_config(Config().to_toml()) == Config()
    for key in config.keys():
        if key != "peers":
            assert re.search(rf"^{key.rsplit('.', 1)[-1]} = ", text, re.M), key


def test_kv_section_matches_store_limits() -> None:
    from edge_agent.kvstore import KVLimits

    assert [f.name for f in dataclasses.fields(config.KVConfig)] == list(KVLimits._fields)
    assert dataclasses.asdict(Config().kv) == KVLimits()._asdict()


def test_wasm_defaults_match_the_host_limits() -> None:
    limits = pytest.importorskip("edge_agent.services.wasm.limits")
    d = limits.Limits()
    w = Config().wasm
    assert (w.fuel, w.memory_pages, w.deadline_ms, w.max_module_bytes) == (
        d.fuel, d.memory_pages, d.deadline_ms, d.max_module_bytes
    )
    default_path = getattr(const, "DEFAULT_CPU_TEMPERATURE_PATH", None)
    if default_path is not None:
        assert str(w.cpu_temperature_path) == default_path


# --- docs/config.md documents every key with its default ------------------------------------


def _doc_rows() -> dict[str, str]:
    text = (REPO / "docs" / "config.md").read_text()
    return dict(re.findall(r"^\| `([a-z_.]+)` \| `([^`]*)` \|", text, re.M))


def _value(cell: str) -> Any:
    return tomllib.loads(f"v = {cell}")["v"]


def test_docs_list_every_key_with_its_default() -> None:
    rows = _doc_rows()
    default = Config()
    for key in config.keys():
        assert key in rows, f"docs/config.md does not document {key}"
        value: Any = default
        for part in key.split("."):
            value = getattr(value, part)
        documented = _value(rows[key])
        if isinstance(value, Path):
            value = str(value)
        if isinstance(value, tuple):
            value = list(value)
        assert documented == value, f"docs/config.md says {key} = {rows[key]}, code says {value!r}"
    assert set(rows) == set(config.keys()), "docs/config.md documents keys that do not exist"


# --- const.py: sections appended by several people must not collide -------------------------


def test_const_names_are_defined_once() -> None:
    tree = ast.parse((REPO / "edge_agent" / "const.py").read_text())
    names = [t.id for node in tree.body if isinstance(node, ast.Assign | ast.AnnAssign)
             for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
             if isinstance(t, ast.Name)]
    dupes = sorted({n for n in names if names.count(n) > 1})
    assert not dupes, f"edge_agent/const.py defines {dupes} twice: the later one silently wins"
