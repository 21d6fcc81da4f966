"""Load on `subsidy-rules serve`: N concurrent clients on loopback for a fixed time.

Runs, one after the other, on 127.0.0.1 and each under uvicorn with the same settings:
  1. `subsidy-rules serve` (the bundled policy), POST /api/v1/decide?rule=hiring-award
     with the 12-hire example claim (9 qualify: 9000.00);
  2. a minimal hand-written ASGI callable (no framework) that parses the same JSON
     and calls a hand-written hiring-award function.
Prints requests/s, p50/p99 latency, errors (any non-200 or wrong amount; must be 0),
server memory (RSS) before and after the load, and the decide throughput as a ratio
against the hand-written endpoint. The last line is machine-readable:

    SERVER_RATIOS decide_vs_handwritten=R rps=N p99_ms=M errors=0

Usage: python benchmarks/bench_server.py [--clients 8] [--seconds 5] [--client httpx|raw]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Tuple

REPO = Path(__file__).resolve().parent.parent
SRC = REPO / "src"
EXAMPLE = REPO / "examples" / "claims" / "hiring-award-eligible.yaml"
EXPECTED = "9000.00"


# ------------------------------------------------------------------ the hand-written endpoint


def hiring_award(claim: Dict[str, Any]) -> Dict[str, Any]:
    """The hiring award written out by hand: an enterprise; 1000 per poor-household hire with 12+ months and insurance."""
    employer = claim.get("employer") or {}
    if employer.get("kind") != "enterprise":
        return {"rule": "hiring-award", "outcome": "ineligible", "amount": None}
    count = 0
    for hire in employer.get("hires") or ():
        worker = hire.get("worker") or {}
        if worker.get("poor_household") is True and (hire.get("contract_months") or 0) >= 12 and hire.get("social_insurance") is True:
            count += 1
    if count == 0:
        return {"rule": "hiring-award", "outcome": "ineligible", "amount": None}
    return {"rule": "hiring-award", "outcome": "eligible", "amount": f"{count * 1000:.2f}"}


async def handwritten_app(scope, receive, send) -> None:
    """A raw ASGI callable: read the body, decide, answer JSON."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/api/v1/health":
        payload = b'{"status":"ok"}'
    else:
        payload = json.dumps({"decisions": [hiring_award(json.loads(body))]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"),
                                                                      (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


# ------------------------------------------------------------------ servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(command: List[str], port: int) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(SRC) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=str(REPO))
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("server did not start")


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return -1


# ------------------------------------------------------------------ load


async def load(url: str, body: bytes, clients: int, seconds: float) -> Tuple[int, List[float], int]:
    import httpx

    latencies: List[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                try:
                    response = await client.post(url, content=body, headers={"content-type": "application/json"})
                    ok = response.status_code == 200 and response.json()["decisions"][0]["amount"] == EXPECTED
                except (httpx.HTTPError, ValueError, KeyError):
                    ok = False
                latencies.append(time.perf_counter() - started)
                if not ok:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(clients)))
    return len(latencies), latencies, errors


async def load_raw(port: int, path: str, body: bytes, clients: int, seconds: float) -> Tuple[int, List[float], int]:
    """The same load from a bare HTTP/1.1 keep-alive client (asyncio streams): far less client CPU than httpx,
    so on a small machine more of what is measured is the server."""
    request = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    latencies: List[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while time.perf_counter() < stop_at:
                started = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line.lower().startswith(b"content-length:"):
                        length = int(line.split(b":", 1)[1])
                payload = await reader.readexactly(length)
                latencies.append(time.perf_counter() - started)
                if not head.startswith(b"HTTP/1.1 200") or EXPECTED.encode() not in payload:
                    errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(clients)))
    return len(latencies), latencies, errors


def run_one(name: str, command: List[str], port: int, path: str, body: bytes, clients: int, seconds: float,
            client: str = "httpx") -> Dict[str, Any]:
    process = start(command, port)
    try:
        url = f"http://127.0.0.1:{port}{path}"

        def go(duration: float):
            if client == "raw":
                return asyncio.run(load_raw(port, path, body, clients, duration))
            return asyncio.run(load(url, body, clients, duration))

        go(min(1.0, seconds / 5))  # warm up
        before = rss_kib(process.pid)
        count, latencies, errors = go(seconds)
        after = rss_kib(process.pid)
    finally:
        process.terminate()
        process.wait(10)
    latencies.sort()
    result = {
        "name": name, "requests": count, "rps": count / seconds,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000 if latencies else 0.0,
        "errors": errors, "rss_before_kib": before, "rss_after_kib": after,
    }
    print(f"{name:<28} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:7.2f} ms   p99 {result['p99_ms']:7.2f} ms   "
          f"errors {errors}   RSS {before / 1024:.1f} -> {after / 1024:.1f} MiB", flush=True)
    return result


def main(argv: List[str] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds of load per server (default 5)")
    parser.add_argument("--client", choices=("httpx", "raw"), default="httpx",
                        help="load generator: httpx.AsyncClient (default) or a bare asyncio HTTP/1.1 client (less client CPU)")
    parser.add_argument("--serve-handwritten", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_handwritten:
        import uvicorn

        uvicorn.run(handwritten_app, host="127.0.0.1", port=args.serve_handwritten, access_log=False,
                    log_level="warning", server_header=False)
        return 0

    sys.path.insert(0, str(SRC))
    from subsidy_rules.claims import parse_text
    from subsidy_rules.server.documents import plain_json

    claim = plain_json(parse_text(EXAMPLE.read_text(encoding="utf-8"), EXAMPLE.name))
    body = json.dumps(claim, ensure_ascii=False).encode("utf-8")
    assert hiring_award(json.loads(body))["amount"] == EXPECTED
    print(f"{args.clients} clients ({args.client}), {args.seconds:g} s each, POST of a {len(body)}-byte claim (12 hires)", flush=True)

    port = free_port()
    served = run_one("subsidy-rules serve decide", [sys.executable, "-m", "subsidy_rules", "serve", "--port", str(port)],
                     port, "/api/v1/decide?rule=hiring-award", body, args.clients, args.seconds, args.client)
    port = free_port()
    hand = run_one("hand-written ASGI", [sys.executable, str(Path(__file__).resolve()), "--serve-handwritten", str(port)],
                   port, "/decide", body, args.clients, args.seconds, args.client)
    ratio = served["rps"] / hand["rps"] if hand["rps"] else 0.0
    errors = served["errors"] + hand["errors"]
    growth = served["rss_after_kib"] - served["rss_before_kib"]
    print(f"server RSS growth under load: {growth / 1024:+.1f} MiB")
    print(f"SERVER_RATIOS decide_vs_handwritten={ratio:.2f} rps={served['rps']:.0f} p99_ms={served['p99_ms']:.1f} errors={errors}")
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
