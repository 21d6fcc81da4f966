"""The page's files over HTTP (no browser needed): served from the package, nothing from outside it.

Government networks are offline, so the page may name no other host; and
`/static/` serves the package's static folder only, whatever the path says.
"""

from __future__ import annotations

import re
import socket
from importlib import resources

import httpx
import pytest

from subsidy_rules.server import page

FILES = tuple(sorted(p.name for p in page.STATIC_DIR.iterdir() if p.suffix in (".html", ".js", ".css")))


@pytest.fixture(scope="module")
def client(live_server):
    with httpx.Client(base_url=live_server.url, timeout=10) as http:
        yield http


def test_index_is_the_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "charset=utf-8" in response.headers["content-type"]
    assert '<script type="module" src="/static/main.js">' in response.text
    assert response.headers.get("x-request-id")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy


@pytest.mark.parametrize("name, kind", [("main.js", "javascript"), ("form.js", "javascript"), ("app.css", "text/css"), ("index.html", "text/html")])
def test_static_files_are_served_with_their_type(client, name, kind):
    response = client.get(f"/static/{name}")
    assert response.status_code == 200
    assert kind in response.headers["content-type"]
    assert response.content == (page.STATIC_DIR / name).read_bytes()
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", [
    "/static/../page.py",
    "/static/%2e%2e/page.py",
    "/static/..%2fpage.py",
    "/static/%2e%2e%2fapi.py",
    "/static/....//page.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/..%5cpage.py",
])
def test_static_never_leaves_its_folder(client, path):
    response = client.get(path)
    assert response.status_code == 404, (path, response.status_code)
    assert "def routes" not in response.text and "root:" not in response.text


@pytest.mark.parametrize("target", ["/static/../page.py", "/static/../../server/api.py", "/static/./../page.py"])
def test_static_never_leaves_its_folder_raw(live_server, target):
    """The same with the dots sent as they are (an HTTP client would tidy them away)."""
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as conn:
        conn.sendall(f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    status = answer.split(b"\r\n", 1)[0]
    assert b" 404 " in status + b" ", status
    assert b"def routes" not in answer and b"import" not in answer


def test_unknown_static_file_is_404(client):
    assert client.get("/static/nothing-here.js").status_code == 404


def test_page_names_no_other_host():
    """No CDN, no web font, no analytics: every URL in the page's files is this server's."""
    for name in FILES:
        text = (page.STATIC_DIR / name).read_text("utf-8")
        assert not re.search(r"(?i)\b(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", text), name
        assert "@import" not in text and "url(" not in text.replace('url(data:', ''), name
    html = (page.STATIC_DIR / "index.html").read_text("utf-8")
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert url.startswith(("/static/", "#", "data:")), url


def test_font_stack_names_debian_cjk_fonts():
    css = (page.STATIC_DIR / "app.css").read_text("utf-8")
    sans = re.search(r"--sans:\s*([^;]+);", css).group(1)
    assert sans.index('"Noto Sans CJK SC"') < sans.index("sans-serif")
    assert sans.index('"WenQuanYi Micro Hei"') < sans.index("sans-serif")


def test_every_module_the_page_imports_is_served(client):
    """main.js and the modules it imports, each imported by relative path and present."""
    seen, todo = set(), ["main.js"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        todo += re.findall(r'^import \{[^}]*\} from "\./([\w-]+\.js)";$', response.text, flags=re.M)
    assert seen == {name for name in FILES if name.endswith(".js")}  # no file left unused


def test_assets_ship_inside_the_package():
    """The wheel packs src/subsidy_rules whole, so files under server/static/ are package data."""
    folder = resources.files("subsidy_rules.server") / "static"
    for name in FILES:
        assert (folder / name).is_file(), name
    assert page.STATIC_DIR.parent.name == "server" and page.STATIC_DIR.parent.parent.name == "subsidy_rules"
