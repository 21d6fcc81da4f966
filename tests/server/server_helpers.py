"""Helpers for the server tests. Live servers: `subsidy-rules serve` in a subprocess on 127.0.0.1, a free port each.

The subprocess is the command a user runs (`python -m subsidy_rules serve`), so
these tests go through the CLI, uvicorn and a real socket. Its standard output
(the JSON log lines) goes to a file the tests read.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List, Sequence

import pytest

pytest.importorskip("starlette", reason="the server needs the `serve` extra (starlette, uvicorn)")
pytest.importorskip("uvicorn", reason="the server needs the `serve` extra (starlette, uvicorn)")
httpx = pytest.importorskip("httpx", reason="the server tests need httpx (the `test` extra)")


REPO = Path(__file__).resolve().parents[2]  # the checkout these tests belong to (the package may be installed)
SRC = REPO / "src"
EXAMPLES = REPO / "examples" / "claims"
TOKENS = ("first-token-0123456789abcdef", "second-token-fedcba9876543210")
# small limits keep the hostile-input tests quick
MAX_BODY = 64 * 1024
BODY_TIMEOUT = 3.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """A running `subsidy-rules serve`; `log_lines()` reads its JSON log so far."""

    def __init__(self, tmp: Path, extra: Sequence[str] = (), name: str = "server") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.out_path = tmp / f"{name}.out"
        self.err_path = tmp / f"{name}.err"
        env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        command = [sys.executable, "-m", "subsidy_rules", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                   *extra]
        self._out = open(self.out_path, "wb")
        self._err = open(self.err_path, "wb")
        self.process = subprocess.Popen(command, stdout=self._out, stderr=self._err, env=env, cwd=str(tmp))
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited {self.process.returncode}: {self.err_path.read_text()}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready: {self.err_path.read_text()}")

    def log_text(self) -> str:
        self._out.flush()
        return self.out_path.read_text(encoding="utf-8", errors="replace")

    def log_lines(self) -> List[Dict[str, Any]]:
        return [json.loads(line) for line in self.log_text().splitlines() if line.strip()]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self._out.close()
        self._err.close()


def example(name: str) -> Dict[str, Any]:
    """An example claim as the JSON a case system would send (dates as text)."""
    from subsidy_rules.claims import parse_text
    from subsidy_rules.server.documents import plain_json

    path = EXAMPLES / f"{name}.yaml"
    return plain_json(parse_text(path.read_text(encoding="utf-8"), path.name))


def good_request_works(client: "httpx.Client") -> None:
    """The server still answers a good request correctly (after a hostile one)."""
    response = client.post("/api/v1/explain", params={"rule": "hiring-award"}, json=example("hiring-award-eligible"))
    assert response.status_code == 200, response.text
    decision = response.json()["decisions"][0]
    assert (decision["outcome"], decision["amount"]) == ("eligible", "9000.00")


def raw_request(port: int, data: bytes, timeout: float = 10.0, read: bool = True) -> bytes:
    """Send bytes as they are (no client normalising the path) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        if not read:
            return b""
        chunks = []
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                if b"\r\n\r\n" in b"".join(chunks) and response_complete(b"".join(chunks)):
                    break
        except (ConnectionResetError, socket.timeout):
            pass
        return b"".join(chunks)


def response_complete(data: bytes) -> bool:
    head, _, body = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return len(body) >= int(line.split(b":", 1)[1])
    return False


def status_of(raw: bytes) -> int:
    return int(raw.split(b" ", 2)[1]) if raw.startswith(b"HTTP/") else 0


def body_of(raw: bytes) -> Dict[str, Any]:
    return json.loads(raw.partition(b"\r\n\r\n")[2].decode("utf-8"))


def in_process(app, method: str, url: str, **kwargs: Any) -> "httpx.Response":
    """One request to an app object through httpx's ASGI transport (no socket)."""
    async def go() -> "httpx.Response":
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.request(method, url, **kwargs)

    return asyncio.run(go())


# ------------------------------------------------------------------ fixtures (imported by the test modules;
# a conftest.py here would shadow tests/conftest.py for the tests that `from conftest import ...`)


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
