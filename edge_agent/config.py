"""The agent's configuration: a TOML file read into a tree of frozen dataclasses.

Every key has a documented default (docs/config.md), so an empty file -- or none -- is a
working configuration. A wrong value or an unknown key (a typo must not be silently ignored)
raises `ConfigError` naming the key and the problem, and the agent does not start::

    ConfigError("coap.port: must be an integer 1–65535, got 'abc'")

Each field carries its check and a one-line description in its metadata; the loader, the
TOML writer (`Config.to_toml`, used by `edge-agent init`) and the documentation test all walk
the same fields. This module reads one file and does nothing else: no network, no state.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from pathlib import Path
from typing import Any

from edge_agent import const, identity
from edge_agent import const_observe as K
from edge_agent.errors import ConfigError
from edge_agent.tags import BadTag, check_tags

__all__ = [
    "LOG_LEVELS",
    "CoapConfig",
    "Config",
    "DiscoveryConfig",
    "KVConfig",
    "ParticlesConfig",
    "StaticPeer",
    "WasmConfig",
    "load_config",
    "parse_config",
]

DEFAULT_CONFIG_PATH = Path("/etc/edge-agent/config.toml")
"""Where a device's configuration usually lives (the CLI's default for `--config`)."""

LOG_LEVELS = ("debug", "info", "warning", "error")

_DNS_LABEL_BYTES = 63  # RFC 1035 §2.3.4; a DNS-SD instance name is one label (RFC 6763 §4.1.1)
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
_MAX_HOST_CHARS = 253


class _Bad(Exception):
    """A value's problem, without the key (the walker adds it)."""


# --- checks: value from TOML -> value in the dataclass, or _Bad ----------------------------


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _int(low: int, high: int) -> Callable[[Any], int]:
    def check(value: Any) -> int:
        if type(value) is not int or not low <= value <= high:
            raise _Bad(f"must be an integer {low}–{high}, got {_show(value)}")
        return value

    check.__doc__ = f"integer {low}–{high}"
    return check


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise _Bad(f"must be true or false, got {_show(value)}")
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.lower() not in choices:
            raise _Bad(f"must be one of {', '.join(choices)}, got {_show(value)}")
        return value.lower()

    return check


def _ip(value: Any) -> str:
    try:
        if not isinstance(value, str):
            raise ValueError
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise _Bad(
            f"must be an IP address such as '::' (all interfaces) or '0.0.0.0', "
            f"got {_show(value)}"
        ) from None


def _path(value: Any) -> Path:
    if not isinstance(value, str) or not value or "\0" in value:
        raise _Bad(f"must be a non-empty path, got {_show(value)}")
    return Path(value).expanduser()


def _instance_name(value: Any) -> str:
    if not isinstance(value, str):
        raise _Bad(f"must be a string, got {_show(value)}")
    if len(value.encode("utf-8")) > _DNS_LABEL_BYTES:
        raise _Bad(f"must be at most {_DNS_LABEL_BYTES} bytes (one DNS label), got {_show(value)}")
    if any(ord(c) < 0x20 or c == "\x7f" for c in value) or "." in value:
        raise _Bad(f"must not contain dots or control characters, got {_show(value)}")
    return value


def _tags(value: Any) -> tuple[str, ...]:
    try:
        return check_tags(value)
    except BadTag as exc:
        raise _Bad(str(exc)) from None


def _field(default: Any, check: Callable[[Any], Any], doc: str) -> Any:
    return field(default=default, metadata={"check": check, "doc": doc})


def _section(cls: type, doc: str) -> Any:
    return field(default_factory=cls, metadata={"doc": doc})


# --- the tree ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CoapConfig:
    bind: str = _field("::", _ip, "address the CoAP server listens on; '::' is every interface")
    port: int = _field(
        const.COAP_DEFAULT_PORT, _int(0, 65535), "UDP port of the CoAP server; 0 picks a free one"
    )


@dataclass(frozen=True, slots=True)
class DiscoveryConfig:
    enabled: bool = _field(True, _bool, "announce this agent and find others over mDNS")
    instance_name: str = _field(
        "", _instance_name, "DNS-SD instance name; empty means the host name and the end of the peer id"
    )


@dataclass(frozen=True, slots=True)
class ParticlesConfig:
    max_bytes: int = _field(
        const.MAX_PARTICLE_BYTES, _int(1024, 64 * 1024 * 1024),
        "largest encoded particle accepted, in bytes (checked before decoding)",
    )
    default_ttl_ms: int = _field(
        const.DEFAULT_PARTICLE_TTL_MS, _int(1, 2**32 - 1),
        "ttl of particles this peer starts, in ms",
    )
    max_ttl_ms: int = _field(
        const.MAX_PARTICLE_TTL_MS, _int(1, 2**32 - 1),
        "longest ttl accepted from others, in ms",
    )
    clock_skew_ms: int = _field(
        const.DEFAULT_CLOCK_SKEW_MS, _int(0, 24 * 3600 * 1000),
        "clock difference tolerated between peers, in ms",
    )
    max_in_progress: int = _field(
        const.NODE_MAX_PARTICLES, _int(16, 1_000_000),
        "particles worked on at once; more are refused",
    )
    max_finished: int = _field(
        const.NODE_MAX_FINISHED, _int(64, 1_000_000),
        "ids of finished particles kept (until they expire) to refuse replays",
    )

    def core_limits(self) -> dict[str, int]:
        """The particle core's limits (`edge_agent.core.CoreLimits` fields) this section sets
        away from their defaults; the others follow `edge_agent.const`, which tests change."""
        names = {"max_in_progress": "max_particles", "max_finished": "max_finished"}
        defaults = {f.name: f.default for f in fields(self)}
        return {
            limit: getattr(self, key) for key, limit in names.items() if getattr(self, key) != defaults[key]
        }


@dataclass(frozen=True, slots=True)
class WasmConfig:
    workers: int = _field(
        const.DEFAULT_WASM_WORKERS, _int(1, 64),
        "most Wasm worker processes (a service gets its own while there are enough)",
    )
    worker_memory_bytes: int = _field(
        const.DEFAULT_WASM_WORKER_MEMORY_BYTES,
        _int(const.WASM_WORKER_BASE_BYTES + const.WASM_WORKER_MIN_SERVICE_BYTES, 4 * 1024**3),
        "data memory one worker process may use (its RLIMIT_DATA), in bytes",
    )
    fuel: int = _field(
        const.DEFAULT_WASM_FUEL, _int(1, 10**12),
        "default fuel (metered instructions) per service call",
    )
    memory_pages: int = _field(
        const.DEFAULT_WASM_MEMORY_PAGES, _int(0, 65536),
        "default largest memory a module may declare, in 64 KiB pages",
    )
    deadline_ms: int = _field(
        const.DEFAULT_WASM_DEADLINE_MS, _int(1, 10 * 60 * 1000),
        "default wall-clock time per service call, in ms",
    )
    max_module_bytes: int = _field(
        const.DEFAULT_MAX_MODULE_BYTES, _int(8, 32 * 1024 * 1024),
        "largest module accepted for deployment, in bytes",
    )
    keep_versions: int = _field(
        const.DEFAULT_KEEP_VERSIONS, _int(1, const.MAX_KEEP_VERSIONS),
        "versions of each service kept for a rollback, the serving one included (docs/fleet.md)",
    )
    cpu_temperature_path: Path = _field(
        Path("/sys/class/thermal/thermal_zone0/temp"), _path,
        "file the cpu_temperature sensor reads (millidegrees Celsius)",
    )


@dataclass(frozen=True, slots=True)
class KVConfig:
    max_keys: int = _field(const.KV_MAX_KEYS, _int(1, 1_000_000), "most keys per service")
    max_key_bytes: int = _field(
        const.KV_MAX_KEY_BYTES, _int(1, 64 * 1024), "longest key, in bytes"
    )
    max_value_bytes: int = _field(
        const.KV_MAX_VALUE_BYTES, _int(0, 16 * 1024 * 1024), "largest value, in bytes"
    )
    max_total_bytes: int = _field(
        const.KV_MAX_TOTAL_BYTES, _int(1, 256 * 1024 * 1024),
        "most bytes (keys + values) per service",
    )


@dataclass(frozen=True, slots=True)
class LogsConfig:
    ring_lines: int = _field(
        K.LOG_RING_DEFAULT_LINES, _int(K.LOG_RING_MIN_LINES, K.LOG_RING_MAX_LINES),
        "lines the agent keeps for `edge-agent logs` (its warnings, deploys, failures, services' logs)",
    )


def _listen(value: Any) -> str:
    if value == "":
        return value
    host, port = _address(value)
    if not isinstance(value, str) or not value.rstrip().endswith(f":{port}"):
        example = f"127.0.0.1:{K.METRICS_DEFAULT_PORT}"
        raise _Bad(f'must be "host:port" (e.g. "{example}") or "", got {_show(value)}')
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True, slots=True)
class MetricsConfig:
    listen: str = _field(
        "", _listen,
        'address of the Prometheus endpoint, "host:port"; "" (the default) serves none',
    )


@dataclass(frozen=True, slots=True)
class StaticPeer:
    """A peer reachable at a fixed address, from `[peers]` or `[[peers]]`."""

    peer_id: str
    host: str
    port: int = const.COAP_DEFAULT_PORT

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration. `Config()` / `Config.default()` is every default."""

    state_dir: Path = _field(
        Path(const.DEFAULT_STATE_DIR), _path,
        "identity key, trusted peers, modules, services and KV stores",
    )
    log_level: str = _field("info", _choice(*LOG_LEVELS), "one of debug, info, warning, error")
    tags: tuple[str, ...] = _field(
        (), _tags, "this device's tags, for --tag (`edge-agent tag` adds and removes more, in state_dir)"
    )
    coap: CoapConfig = _section(CoapConfig, "the CoAP server")
    discovery: DiscoveryConfig = _section(DiscoveryConfig, "mDNS / DNS-SD")
    particles: ParticlesConfig = _section(ParticlesConfig, "particle limits")
    wasm: WasmConfig = _section(WasmConfig, "the Wasm service host")
    kv: KVConfig = _section(KVConfig, "each service's key-value store")
    logs: LogsConfig = _section(LogsConfig, "the log ring `edge-agent logs` reads")
    metrics: MetricsConfig = _section(MetricsConfig, "the Prometheus endpoint")
    peers: tuple[StaticPeer, ...] = field(
        default=(), metadata={"doc": "peers at fixed addresses (besides mDNS)"}
    )

    @classmethod
    def default(cls) -> Config:
        return cls()

    def to_toml(self) -> str:
        """This configuration as a complete, commented TOML file (`parse_config` reads it
        back to an equal `Config`)."""
        return _render(self)


# --- reading -------------------------------------------------------------------------------


def load_config(path: str | os.PathLike[str] | None) -> Config:
    """The configuration in the TOML file at `path`; every default if `path` is None.

    A relative `state_dir` is taken relative to the file's directory, not the working one.
    """
    if path is None:
        return Config.default()
    path = Path(path)
    try:
        with open(path, "rb") as f:
            raw = f.read(const.MAX_CONFIG_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist: create it (`edge-agent init` writes one) "
            f"or leave --config out to use the defaults"
        ) from None
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot read it ({exc.strerror})") from exc
    if len(raw) > const.MAX_CONFIG_FILE_BYTES:
        raise ConfigError(
            f"config file {path} is over {const.MAX_CONFIG_FILE_BYTES} bytes: is it the right file?"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    return parse_config(text, source=str(path), base_dir=path.parent.resolve())


def parse_config(text: str, *, source: str = "<config>", base_dir: Path | None = None) -> Config:
    """A `Config` from TOML text; `source` names it in error messages."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    try:
        config = _build(Config, doc, "")
    except _KeyError as exc:
        raise ConfigError(str(exc) if source == "<config>" else f"{source}: {exc}") from None
    if base_dir is not None and not config.state_dir.is_absolute():
        config = replace(config, state_dir=base_dir / config.state_dir)
    return config


class _KeyError(Exception):
    """'key: problem' while walking the tree."""


def _build(cls: type, table: Mapping[str, Any], prefix: str) -> Any:
    known = {f.name: f for f in fields(cls)}
    values: dict[str, Any] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        f = known.get(key)
        if f is None:
            hint = difflib.get_close_matches(key, list(known), n=1)
            section = f"[{prefix[:-1]}]" if prefix else "the top level"
            raise _KeyError(
                f"{name}: unknown key"
                + (f" (did you mean {prefix}{hint[0]}?)" if hint else "")
                + f"; {section} has: {', '.join(known)}"
            )
        if key == "peers" and cls is Config:
            values[key] = _peers(value)
        elif f.default_factory is not MISSING and is_dataclass(f.default_factory):
            if not isinstance(value, dict):
                raise _KeyError(f"{name}: must be a table ([{name}]), got {_show(value)}")
            values[key] = _build(f.default_factory, value, f"{name}.")
        else:
            try:
                values[key] = f.metadata["check"](value)
            except _Bad as exc:
                raise _KeyError(f"{name}: {exc}") from None
    result = cls(**values)
    _cross_checks(result, prefix)
    return result


def _cross_checks(section: Any, prefix: str) -> None:
    if isinstance(section, ParticlesConfig) and section.default_ttl_ms > section.max_ttl_ms:
        raise _KeyError(
            f"{prefix}default_ttl_ms: {section.default_ttl_ms} is over {prefix}max_ttl_ms "
            f"({section.max_ttl_ms}); other peers would drop our particles"
        )
    share = const.NODE_STRANGER_SHARE
    if isinstance(section, ParticlesConfig) and (
        section.max_finished * (1 - share) <= section.max_in_progress * share
    ):
        # Strangers fill their share of the replay table, and then the ids of their particles
        # still in progress join it as those are given up: trusted peers need room beyond.
        least = int(section.max_in_progress * share / (1 - share)) + 1
        raise _KeyError(
            f"{prefix}max_finished: {section.max_finished} leaves trusted peers no room in the "
            f"replay table with {prefix}max_in_progress = {section.max_in_progress}; at least {least}"
        )
    if isinstance(section, KVConfig) and (
        section.max_key_bytes + section.max_value_bytes > section.max_total_bytes
    ):
        raise _KeyError(
            f"{prefix}max_total_bytes: {section.max_total_bytes} cannot hold one largest "
            f"entry ({prefix}max_key_bytes + {prefix}max_value_bytes = "
            f"{section.max_key_bytes + section.max_value_bytes})"
        )


def _peers(value: Any) -> tuple[StaticPeer, ...]:
    """`[peers]` as a table "peer id" = "host:port", or `[[peers]]` with id and address."""
    if isinstance(value, dict):
        items = [(f"peers.{k}", k, v) for k, v in value.items()]
    elif isinstance(value, list):
        items = []
        for i, entry in enumerate(value):
            where = f"peers[{i}]"
            if not isinstance(entry, dict):
                raise _KeyError(f"{where}: must be a table with id and address, got {_show(entry)}")
            unknown = sorted(set(entry) - {"id", "address"})
            if unknown:
                raise _KeyError(f"{where}.{unknown[0]}: unknown key; a peer has: id, address")
            for key in ("id", "address"):
                if key not in entry:
                    raise _KeyError(f"{where}.{key}: missing")
            items.append((where, entry["id"], entry["address"]))
    else:
        raise _KeyError(
            f"peers: must be a table (\"PEER_ID\" = \"host:port\") or an array of tables "
            f"([[peers]] with id and address), got {_show(value)}"
        )
    peers: list[StaticPeer] = []
    seen: set[str] = set()
    for where, peer_id, address in items:
        try:
            identity.validate_peer_id(peer_id)
        except identity.InvalidPeerId as exc:
            raise _KeyError(f"{where}: {exc}") from None
        if peer_id in seen:
            raise _KeyError(f"{where}: peer {peer_id} is listed twice")
        seen.add(peer_id)
        try:
            host, port = _address(address)
        except _Bad as exc:
            raise _KeyError(f"{where}: {exc}") from None
        peers.append(StaticPeer(peer_id, host, port))
    return tuple(peers)


def _address(value: Any) -> tuple[str, int]:
    """("host", port) from "host", "host:port", "[v6]:port" or a bare IPv6 literal."""
    usage = "must be \"host:port\", \"host\" or \"[ipv6]:port\""
    if not isinstance(value, str) or not value:
        raise _Bad(f"{usage}, got {_show(value)}")
    host, port_text = value, ""
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise _Bad(f"{usage}, got {_show(value)} (no closing ']')")
        host, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            raise _Bad(f"{usage}, got {_show(value)}")
        port_text = rest[1:]
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    port = const.COAP_DEFAULT_PORT
    if port_text or value.endswith(":"):
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise _Bad(f"port must be 1–65535, got {_show(value)}")
        port = int(port_text)
    try:
        return str(ipaddress.ip_address(host)), port
    except ValueError:
        pass
    if ":" in host:
        raise _Bad(f"{host!r} is not an IPv6 address")
    if not host or len(host) > _MAX_HOST_CHARS or not set(host) <= _HOST_CHARS:
        raise _Bad(f"{usage}, with an IP address or a DNS name as host, got {_show(value)}")
    return host.lower(), port


# --- writing -------------------------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value:_}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, Path):
        value = str(value)
    if isinstance(value, str):
        out = value.replace("\\", "\\\\").replace('"', '\\"')
        out = "".join(c if ord(c) >= 0x20 and c != "\x7f" else f"\\u{ord(c):04x}" for c in out)
        return f'"{out}"'
    raise TypeError(f"cannot write {type(value).__name__} as TOML")  # pragma: no cover


def _render(config: Config) -> str:
    lines = ["# edge-agent configuration; every key is described in docs/config.md.", ""]
    sections: list[tuple[str, Any]] = []
    for f in fields(config):
        value = getattr(config, f.name)
        if f.name == "peers":
            continue
        if is_dataclass(value):
            sections.append((f.name, value))
            continue
        lines.append(f"# {f.metadata['doc']}")
        lines.append(f"{f.name} = {_toml_value(value)}")
    for name, section in sections:
        lines += ["", f"[{name}]"]
        for f in fields(section):
            lines.append(f"# {f.metadata['doc']}")
            lines.append(f"{f.name} = {_toml_value(getattr(section, f.name))}")
    lines += ["", "# Peers at fixed addresses, besides those found over mDNS:"]
    if config.peers:
        for peer in config.peers:
            lines += ["[[peers]]", f"id = {_toml_value(peer.peer_id)}",
                      f"address = {_toml_value(peer.address)}"]
    else:
        lines += ["# [[peers]]", '# id = "12D3KooW..."', '# address = "192.168.1.20:5683"']
    return "\n".join(lines) + "\n"


def keys() -> list[str]:
    """Every dotted key of the configuration (`coap.port`, ...), for docs and tests."""
    out: list[str] = []
    for f in fields(Config):
        if f.default_factory is not MISSING and is_dataclass(f.default_factory):
            out += [f"{f.name}.{g.name}" for g in fields(f.default_factory)]
        else:
            out.append(f.name)
    return out
