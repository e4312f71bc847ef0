"""Wasm services: validate and meter modules (pure), run them in an isolated worker (edge)."""
