"""The transport's layout: `net.coap` re-exports the public names, the transport modules
know no particle, and the pure ones import no network library."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from edge_agent.net import coap

NET = Path(coap.__file__).parent
TRANSPORT = sorted(p.stem for p in NET.glob("coap*.py"))
PURE = ["coap_dedup", "coap_spool", "discovery_txt"]


def imported(module: str) -> set[str]:
    tree = ast.parse((NET / f"{module}.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_public_names_are_re_exported_from_their_modules() -> None:
    for name in coap.__all__:
        value = getattr(coap, name)
        home = getattr(value, "__module__", None)
        if home is not None and home.startswith("edge_agent.net."):
            assert getattr(importlib.import_module(home), name) is value


@pytest.mark.parametrize("module", TRANSPORT)
def test_the_transport_knows_no_particle(module: str) -> None:
    forbidden = ("edge_agent.particle", "edge_agent.air", "edge_agent.node", "edge_agent.peer",
                 "edge_agent.sim", "edge_agent.services")
    found = [n for n in imported(module) if n.startswith(forbidden)]
    assert found == [], f"{module} imports {found}"


@pytest.mark.parametrize("module", PURE)
def test_pure_modules_import_no_network_library(module: str) -> None:
    network = ("asyncio", "socket", "aiocoap", "zeroconf", "ifaddr")
    found = [n for n in imported(module) if n.split(".")[0] in network]
    assert found == [], f"{module} imports {found}"
