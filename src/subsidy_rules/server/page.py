"""The page for policy staff: `/` and `/static/...`, served from this package's `static/` folder.

The assets live inside the package, so the wheel carries them and an offline
server needs nothing from the internet. Only files under `static/` are served;
Starlette's StaticFiles resolves each path and refuses anything outside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import List

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parent / "static"

# The page loads nothing but its own files and talks only to its own API.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _StaticFiles(StaticFiles):
    """StaticFiles with the page's headers; `no-cache` so a reloaded policy's page is never stale."""

    def file_response(self, *args, **kwargs) -> Response:  # type: ignore[override]
        response = super().file_response(*args, **kwargs)
        response.headers.update(HEADERS)
        return response


async def index(request: Request) -> Response:
    """The page itself (one HTML file; app.js builds every view from the API)."""
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html; charset=utf-8", headers=HEADERS)


def routes() -> List[BaseRoute]:
    """Routes for the page, to be mounted next to /api/v1 by the app."""
    return [
        Route("/", index, methods=["GET", "HEAD"], name="page"),
        Mount("/static", app=_StaticFiles(directory=STATIC_DIR, follow_symlink=False), name="static"),
    ]
