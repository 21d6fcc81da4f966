"""The ASGI app: /api/v1 and the page, behind request ids, a JSON access log, bearer auth and CORS.

`build_app(policy, options)` takes a policy that is already loaded and compiled;
the app never reads or writes policy files itself (with `reload_dir` set, a
watcher may swap in a newer policy that passed `check`). Middleware order, from
the outside: request id + access log (sees every response, including refusals),
CORS (answers preflights), auth.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import logging
import re
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Sequence, Tuple

import attrs
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import Response

from ..engine import Policy
from ..messages import LANGS, SERVER, render
from ..resources import examples_dir
from ..trace import build_trace
from . import api, page
from .api import Limits, dumps, error_body, serve_policy
from .documents import load_examples
from .reload import PolicyWatcher

LOG = logging.getLogger("subsidy_rules.server")
ACCESS = logging.getLogger("subsidy_rules.server.access")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}\Z")
OPEN_PATHS = ("/api/v1/health",)

Scope = Dict[str, Any]
ASGIApp = Callable[[Scope, Callable, Callable], Awaitable[None]]


@attrs.frozen
class ServerOptions:
    """How the app answers: limits, who may call it, which origins may call it from a browser."""

    limits: Limits = Limits()
    tokens: Tuple[str, ...] = ()  # bearer tokens; empty: no auth (only allowed on loopback or with --no-auth)
    cors_origins: Tuple[str, ...] = ()
    reload_dir: Optional[Path] = None  # watch this policy folder and swap in a newer policy that passes check
    reload_interval: float = 1.0
    examples_dir: Optional[Path] = None  # default: the bundled example claims


def build_app(policy: Policy, options: ServerOptions = ServerOptions()) -> Starlette:
    """The app for one compiled policy (replaced whole when a watched folder changes and passes check)."""
    folder = options.examples_dir or examples_dir()
    served = serve_policy(policy, load_examples(folder, policy), trace_for(policy))

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        watcher = None
        if options.reload_dir is not None:
            def swap(new: Policy) -> None:  # runs in a worker thread; one assignment makes the switch
                app.state.served = serve_policy(new, load_examples(folder, new), trace_for(new))

            watcher = PolicyWatcher(options.reload_dir, swap, LOG, options.reload_interval)
            watcher.start()
        try:
            yield
        finally:
            if watcher is not None:
                await watcher.stop()

    middleware = [Middleware(RequestContext)]
    if options.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(options.cors_origins),
                                     allow_methods=["GET", "POST"], allow_headers=["Authorization", "Content-Type"],
                                     expose_headers=["X-Request-Id"], max_age=600))
    if options.tokens:
        middleware.append(Middleware(BearerAuth, tokens=options.tokens))
    app = Starlette(routes=api.routes() + page.routes(), middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: _http_error})
    app.state.served = served
    app.state.limits = options.limits
    return app


def trace_for(policy: Policy) -> Callable[[str], Dict[str, Any]]:
    """The traceability report of the shipped letter, built once per policy, its words once per language."""
    report = build_trace(policy)
    cache: Dict[str, Dict[str, Any]] = {}

    def by_lang(lang: str) -> Dict[str, Any]:
        if lang not in cache:
            cache[lang] = report.to_dict(lang)
        return cache[lang]

    return by_lang


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own refusals (no route, wrong method) in the documented error shape."""
    assert isinstance(exc, HTTPException)
    lang = request.query_params.get("lang", "zh")
    lang = lang if lang in LANGS else "zh"
    if exc.status_code == 405:
        code, args = "S005", {"method": request.method}
    else:
        code, args = "S004", {"path": request.url.path[:200]}
    message = f"[{code}] " + render(SERVER, code, lang, args)
    return api.json_response(error_body(code, message, None, api.request_id(request)), exc.status_code,
                             getattr(exc, "headers", None))


class RequestContext:
    """A request id on every response and one JSON access-log line per request: never bodies or queries."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = _header(scope, b"x-request-id")
        rid = given if given and REQUEST_ID.match(given) else uuid.uuid4().hex
        scope["request_id"] = rid
        started = time.perf_counter()
        state = {"status": 0, "bytes": 0}

        api_path = str(scope.get("path", "")).startswith("/api/")

        async def send_with_id(message: Dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = list(message.get("headers", [])) + [(b"x-request-id", rid.encode())]
                if api_path:  # answers may hold claim data: no caches, no content sniffing
                    headers += [(b"cache-control", b"no-store"), (b"x-content-type-options", b"nosniff")]
                message["headers"] = headers
            elif message["type"] == "http.response.body":
                state["bytes"] += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as exc:  # the handlers answer their own errors; this is the last line: no traceback out
            LOG.error(json.dumps({"event": "internal_error", "request_id": rid, "error": exc.__class__.__name__}))
            if state["status"] == 0:
                message = "[S010] " + render(SERVER, "S010", "zh", {"request_id": rid})
                body = dumps(error_body("S010", message, None, rid))
                await send_with_id({"type": "http.response.start", "status": 500,
                                    "headers": [(b"content-type", api.JSON_TYPE.encode())]})
                await send_with_id({"type": "http.response.body", "body": body})
        finally:
            ACCESS.info(json.dumps({
                "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()),
                "request_id": rid, "method": scope.get("method", ""), "path": _logged_path(scope),
                "status": state["status"], "bytes": state["bytes"],
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
            }, ensure_ascii=True))


SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9._-]{0,64}\Z")
DIGIT_RUN = re.compile(r"[0-9]{6}")


def _logged_path(scope: Scope) -> str:
    """The path only (never the query string); a segment that could be data (non-ASCII, long, an ID-like
    run of digits) is logged as '*', so a name or ID number put into a URL never reaches the log."""
    segments = str(scope.get("path", "")).split("/")
    kept = [seg if SAFE_SEGMENT.match(seg) and not DIGIT_RUN.search(seg) else "*" for seg in segments]
    return "/".join(kept)[:200]


def _header(scope: Scope, name: bytes) -> Optional[str]:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


class BearerAuth:
    """`Authorization: Bearer <token>` on /api/v1 (health excepted); the page's own files are public.

    The given token is hashed and compared with every configured token's hash by
    hmac.compare_digest, all of them every time, so neither which token matched
    nor whether one was sent at all shows in the time taken.
    """

    def __init__(self, app: ASGIApp, tokens: Sequence[str]) -> None:
        self.app = app
        self.digests = tuple(hashlib.sha256(t.encode("utf-8")).digest() for t in tokens)

    def allowed(self, header: Optional[bytes]) -> bool:
        given = b""
        if header is not None and header[:7].lower() == b"bearer ":
            given = header[7:].strip()
        probe = hashlib.sha256(given).digest()
        matched = False
        for digest in self.digests:
            matched |= hmac.compare_digest(probe, digest)
        return matched and bool(given)

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith("/api/") or path in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        header = None
        for key, value in scope.get("headers", ()):
            if key == b"authorization":
                header = value
        if self.allowed(header):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        lang = request.query_params.get("lang", "zh")
        lang = lang if lang in LANGS else "zh"
        message = "[S003] " + render(SERVER, "S003", lang, {})
        response = api.json_response(error_body("S003", message, None, str(scope.get("request_id", ""))), 401,
                                     {"WWW-Authenticate": 'Bearer realm="subsidy-rules"'})
        await response(scope, receive, send)
