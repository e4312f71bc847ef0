"""The `.aqua` declarations beside each firmware service: a program that calls every declared
function compiles against them and runs on the simulator against the real Wasm module."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from edge_agent import const
from edge_agent.sim import Network, SimulationResult

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware_services"
SERVICES = ["greeting", "hash", "messages", "sensor", "stats", "textstats"]


@pytest.fixture
def net() -> Iterator[Network]:
    with Network(["laptop", "device"]) as network:
        yield network


def run(net: Network, tmp_path: Path, service: str, body: str, args: dict[str, Any]) -> SimulationResult:
    """Deploy `service` on "device" and run `body` (a func `main(device, ...)` importing the
    service's declarations) from the laptop."""
    net.deploy("device", service, (FIRMWARE / "build" / f"{service}.wasm").read_bytes())
    program = tmp_path / "main.aqua"
    program.write_text(f'aqua Main\n\nimport "{FIRMWARE / service / service}.aqua"\n\nexport main\n\n{body}',
                       encoding="utf-8")
    result = net.run_aqua(program, "main", {"device": "device", **args}, "laptop")
    assert result.errors == [] and result.failure is None, result.errors
    return result


def declared(service: str) -> set[str]:
    text = (FIRMWARE / service / f"{service}.aqua").read_text(encoding="utf-8")
    return set(re.findall(r"^    (\w+)\(", text, re.M))


def called(result: SimulationResult, service: str) -> set[str]:
    return {c.function for c in result.calls if c.service == service and c.peer == "device"}


def test_greeting(net: Network, tmp_path: Path) -> None:
    body = "func main(device: string, name: string) -> string:\n    on device:\n" \
           "        g <- Greeting.greet(name)\n    <- g\n"
    result = run(net, tmp_path, "greeting", body, {"name": "Ada"})
    assert result.results == ["Hello, Ada!"]
    assert called(result, "greeting") == declared("greeting")


def test_hash(net: Network, tmp_path: Path) -> None:
    body = """\
func main(device: string, text: string, data: []u8) -> string, string, ⊤, ⊤:
    on device:
        a <- Hash.sha256(text)
        b <- Hash.hmac_sha256("key", text)
        c <- HashBytes.sha256(data, "hex")
        d <- HashBytes.hmac_sha256([1, 2], data, "bytes")
    <- a, b, c, d
"""
    result = run(net, tmp_path, "hash", body, {"text": "abc", "data": [97, 98, 99]})
    sha_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert result.results is not None
    a, b, c, d = result.results
    assert a == c == sha_abc
    assert b == "9c196e32dc0175f86f4b1cb89289d6619de6bee699e4c378e68309ed97a1a6ab"  # HMAC("key", "abc")
    assert len(d) == 32 and all(isinstance(x, int) and 0 <= x < 256 for x in d)
    assert called(result, "hash") == declared("hash")


def test_messages(net: Network, tmp_path: Path) -> None:
    body = """\
func main(device: string) -> u64, u64, []Message, u64:
    on device:
        a <- Messages.append("Ada", "hello")
        b <- Messages.append("Bob", "hi")
        ms <- Messages.list(1, 10)
        n <- Messages.count()
    <- a, b, ms, n
"""
    result = run(net, tmp_path, "messages", body, {})
    assert result.results is not None
    a, b, ms, n = result.results
    assert (a, b, n) == (1, 2, 2)
    assert [(m["id"], m["author"], m["text"], m["peer"]) for m in ms] == [(2, "Bob", "hi", "laptop")]
    assert called(result, "messages") == declared("messages")


def test_sensor(net: Network, tmp_path: Path) -> None:
    body = """\
func main(device: string) -> []string:
    out: *string
    on device:
        try:
            t <- Sensor.cpu_temperature()
            out <<- "read"
        catch e:
            out <<- e.message
        try:
            v <- Sensor.read("no-such-sensor")
            out <<- "read"
        catch e:
            out <<- e.message
    <- out
"""
    result = run(net, tmp_path, "sensor", body, {})
    assert result.results is not None
    temperature, missing = result.results[0]
    unknown = ("ret_code is 32, error message is "
               "'\"sensor \\\"%s\\\" is unknown or unavailable on this device\"'")
    readable = Path(const.DEFAULT_CPU_TEMPERATURE_PATH).is_file()  # the host's cpu_temperature
    assert temperature == "read" if readable else temperature.endswith(unknown % "cpu_temperature")
    assert missing.endswith(unknown % "no-such-sensor")
    assert called(result, "sensor") == declared("sensor")


def test_stats(net: Network, tmp_path: Path) -> None:
    body = """\
func main(device: string, xs: []f64) -> Summary, Summary, Summary, Summary:
    on device:
        a <- Stats.add(xs)
        b <- Stats.summary()
        c <- Stats.reset()
        d <- Stats.summary()
    <- a, b, c, d
"""
    result = run(net, tmp_path, "stats", body, {"xs": [1.0, 2.0, 3.0]})
    assert result.results is not None
    added, summary, before_reset, after = result.results
    assert added == summary == before_reset
    assert (added["count"], added["sum"], added["min"], added["max"], added["mean"]) == (3, 6, 1, 3, 2)
    assert math.isclose(added["stddev"], math.sqrt(2 / 3))
    assert after["count"] == 0 and after["min"] is None
    assert called(result, "stats") == declared("stats")


def test_textstats(net: Network, tmp_path: Path) -> None:
    body = """\
func main(device: string, text: string) -> Counts, string, string, string, []string, [][]⊤:
    on device:
        c <- TextStats.count(text)
        u <- TextStats.upper(text)
        l <- TextStats.lower(text)
        r <- TextStats.reverse(text)
        w <- TextStats.words(text)
        t <- TextStats.top_words(text, 2)
    <- c, u, l, r, w, t
"""
    result = run(net, tmp_path, "textstats", body, {"text": "Straße a a\nb"})
    assert result.results == [
        {"bytes": 13, "chars": 12, "words": 4, "lines": 2}, "STRASSE A A\nB", "straße a a\nb",
        "b\na a eßartS", ["Straße", "a", "a", "b"], [["a", 2], ["b", 1]],
    ]
    assert called(result, "textstats") == declared("textstats")


def test_every_service_has_its_declarations() -> None:
    assert sorted(p.parent.name for p in FIRMWARE.glob("*/*.aqua")) == SERVICES
