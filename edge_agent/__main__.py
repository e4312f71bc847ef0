"""`python -m edge_agent` is the `edge-agent` command; the console script enters at `run`."""

from __future__ import annotations

from typing import NoReturn

from edge_agent import openssl


def run() -> NoReturn:
    """The command, in a process without OpenSSL (`edge_agent.openssl`)."""
    openssl.keep_out()
    from edge_agent.cli import main

    main()


if __name__ == "__main__":
    run()
