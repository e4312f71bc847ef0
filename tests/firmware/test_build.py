"""The committed modules are exactly what `make -C firmware_services` builds, and carry
only what the ABI needs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.firmware.conftest import BUILD, FIRMWARE, SERVICES, module


def _rustc() -> str:
    return os.environ.get("RUSTC", "/usr/bin/rustc")


def _missing_toolchain() -> str | None:
    """What is missing to build the services, or None."""
    for tool in ("make", "clang", "wasm-ld", "wasm-opt"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: clang lld binaryen make)"
    rustc = _rustc()
    if shutil.which(rustc) is None:
        return f"{rustc} is not installed (Debian: rustc libstd-rust-dev-wasm32)"
    libdir = subprocess.run(
        [rustc, "--print", "target-libdir", "--target", "wasm32-unknown-unknown"],
        capture_output=True,
        text=True,
    )
    if libdir.returncode != 0 or not any(Path(libdir.stdout.strip()).glob("libcore-*.rlib")):
        return f"{rustc} has no wasm32-unknown-unknown std (Debian: libstd-rust-dev-wasm32)"
    return None


def _require_toolchain() -> None:
    missing = _missing_toolchain()
    if missing is None:
        return
    if os.environ.get("EDGE_AGENT_CI"):
        pytest.fail(f"EDGE_AGENT_CI is set but the firmware toolchain is incomplete: {missing}")
    pytest.skip(f"firmware toolchain incomplete: {missing}")


def test_committed_modules_match_a_fresh_build(tmp_path: Path) -> None:
    _require_toolchain()
    env = dict(os.environ, RUSTC=_rustc())
    result = subprocess.run(
        ["make", "-C", str(FIRMWARE), "--no-print-directory", f"BUILD={tmp_path}", "all"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, f"make failed:\n{result.stdout}\n{result.stderr}"
    fresh = sorted(p.name for p in tmp_path.glob("*.wasm"))
    committed = sorted(p.name for p in BUILD.glob("*.wasm"))
    assert fresh == committed == sorted(f"{name}.wasm" for name in SERVICES)
    differ = [
        f"{name}: committed {hashlib.sha256(module(name)).hexdigest()[:16]}, "
        f"fresh {hashlib.sha256((tmp_path / f'{name}.wasm').read_bytes()).hexdigest()[:16]}"
        for name in fresh
        if (tmp_path / name).read_bytes() != (BUILD / name).read_bytes()
    ]
    assert not differ, "rebuild with `make -C firmware_services clean all` and commit:\n" + "\n".join(differ)


def test_a_build_is_byte_identical_when_repeated_from_another_directory(tmp_path: Path) -> None:
    """No absolute path or timestamp leaks into a module."""
    _require_toolchain()
    copy = tmp_path / "elsewhere" / "firmware_services"
    shutil.copytree(FIRMWARE, copy, ignore=shutil.ignore_patterns("build"))
    out = tmp_path / "out"
    result = subprocess.run(
        ["make", "-C", str(copy), "--no-print-directory", f"BUILD={out}", "all"],
        capture_output=True,
        text=True,
        env=dict(os.environ, RUSTC=_rustc()),
    )
    assert result.returncode == 0, result.stderr
    for name in SERVICES:
        assert (out / f"{name}.wasm").read_bytes() == module(name), name


def _sections(data: bytes) -> list[tuple[int, bytes]]:
    """(id, payload) of each section (WebAssembly core spec §5.5.2)."""
    assert data[:8] == b"\0asm\1\0\0\0"
    out, pos = [], 8
    while pos < len(data):
        sid, pos = data[pos], pos + 1
        size = shift = 0
        while True:
            byte, pos = data[pos], pos + 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                break
        out.append((sid, data[pos : pos + size]))
        pos += size
    return out


@pytest.mark.parametrize("name", SERVICES)
def test_module_keeps_only_the_abi_custom_section(name: str) -> None:
    customs = []
    for sid, payload in _sections(module(name)):
        if sid == 0:
            length = payload[0]  # section names here are shorter than 128 bytes
            customs.append((payload[1 : 1 + length].decode(), payload[1 + length :]))
    assert customs == [("edge-agent.abi", b"1")]


@pytest.mark.parametrize("name", SERVICES)
def test_module_is_small(name: str) -> None:
    # textstats carries core's Unicode case tables (about 40 KB); the C services need no tables.
    limit = 80_000 if name == "textstats" else 16_000
    assert len(module(name)) <= limit
