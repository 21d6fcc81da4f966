"""Fixtures: live `subsidy-rules serve` processes on 127.0.0.1 (see server_helpers.py)."""

from __future__ import annotations

from typing import Iterator

import pytest

from server_helpers import BODY_TIMEOUT, MAX_BODY, TOKENS, LiveServer, httpx


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Iterator[LiveServer]:
    """The bundled policy, no auth (loopback), small limits."""
    live = LiveServer(tmp_path_factory.mktemp("live"), ["--max-body", str(MAX_BODY), "--body-timeout", str(BODY_TIMEOUT)])
    yield live
    live.stop()


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory) -> Iterator[LiveServer]:
    """Bearer tokens required."""
    tmp = tmp_path_factory.mktemp("auth")
    tokens = tmp / "tokens.txt"
    tokens.write_text("# tokens for the test\n" + "\n".join(TOKENS) + "\n\n", encoding="utf-8")
    live = LiveServer(tmp, ["--tokens", str(tokens)], "auth")
    yield live
    live.stop()


@pytest.fixture(scope="session")
def client(server: LiveServer) -> Iterator["httpx.Client"]:
    with httpx.Client(base_url=server.url, timeout=30.0) as c:
        yield c
