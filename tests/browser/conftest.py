"""A live server on 127.0.0.1 with the bundled policy, and Debian's Chromium driven by Playwright.

Chromium is never downloaded: the tests use /usr/bin/chromium (Debian package
`chromium`) through `executable_path`, and skip when it or the `playwright`
pip package is absent. Screenshots go to $SCREENSHOT_DIR (default: a pytest
temporary folder); the folder is printed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path
from typing import Iterator, List, Optional, Set

import pytest

import subsidy_rules
from conftest import skip_without

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
_SHOTS_KEY = pytest.StashKey[Path]()


class LiveServer:
    """A uvicorn server in a thread, on a socket bound before it starts (no race for the port)."""

    def __init__(self, options=None, policy_dir: Optional[Path] = None) -> None:
        import uvicorn

        from subsidy_rules.server.app import ServerOptions, build_app

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        app = build_app(subsidy_rules.load_policy(policy_dir), options or ServerOptions())
        config = uvicorn.Config(app, log_level="warning", lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()


@pytest.fixture(scope="package")
def live_server() -> Iterator[LiveServer]:
    with LiveServer() as server:
        yield server


GUARD_TOKEN = "page-test-token"


@pytest.fixture(scope="module")
def guarded_server() -> Iterator[LiveServer]:
    """A server that requires a bearer token (the page itself stays public)."""
    from subsidy_rules.server.app import ServerOptions

    with LiveServer(ServerOptions(tokens=(GUARD_TOKEN,))) as server:
        yield server


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.fixture(scope="module")
def override_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A policy with a county standard that cites its county document (the bundled policy has none).

    tests/fixtures/mini copied to a temporary folder and served, with no example claims.
    """
    from subsidy_rules.server.app import ServerOptions

    tmp = tmp_path_factory.mktemp("override-policy")
    folder = tmp / "policy"
    shutil.copytree(FIXTURES / "mini", folder)
    (tmp / "examples").mkdir()
    with LiveServer(ServerOptions(examples_dir=tmp / "examples"), policy_dir=folder) as server:
        yield server


@pytest.fixture(scope="package")
def browser():
    # package scope: Playwright's sync API keeps an event loop running in this thread while it
    # is open, which would break asyncio.run() in the tests that come after these
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser tests need the pip package `playwright` (pip install playwright)")
    if not CHROMIUM.exists():
        skip_without("browser tests need Chromium at /usr/bin/chromium: install the Debian package `chromium`")
    sync_api.expect.set_options(timeout=15_000)  # a busy machine answers slowly; a broken page never does
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="session")
def screenshot_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ["SCREENSHOT_DIR"]) if os.environ.get("SCREENSHOT_DIR") else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    request.config.stash[_SHOTS_KEY] = folder
    return folder


class PageProblems:
    """Script errors and failed requests seen by a page: a test fails on any of them."""

    def __init__(self) -> None:
        self.errors: List[str] = []
        self.requests: List[str] = []
        self.allowed_status: Set[int] = set()  # refusals a test provokes on purpose

    def console(self, msg) -> None:
        # a refused request is reported by status below, where a test can say it expected it
        if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
            self.errors.append(f"console error: {msg.text}")

    def response(self, response) -> None:
        if response.status >= 400 and response.status not in self.allowed_status:
            self.errors.append(f"HTTP {response.status}: {response.request.method} {response.url}")


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(browser, live_server: LiveServer, problems: PageProblems):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=VIEWPORT, accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    tab.on("pageerror", lambda exc: problems.errors.append(f"page error: {exc}"))
    tab.on("console", problems.console)
    tab.on("response", problems.response)
    tab.on("request", lambda req: problems.requests.append(req.url))
    try:
        yield tab
    finally:
        context.close()
    assert not problems.errors, problems.errors


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    folder = config.stash.get(_SHOTS_KEY, None)
    if folder is not None:
        terminalreporter.write_line(f"browser screenshots: {folder}")
