"""Who may call the server: loopback by default, bearer tokens (constant time), CORS only for named origins."""

from __future__ import annotations

import hashlib
import hmac
import io
import random
import statistics
import time
from pathlib import Path
from typing import List, Sequence

import pytest

from server_helpers import TOKENS, example, httpx, in_process, auth_server  # noqa: F401 (fixtures)

import subsidy_rules
from subsidy_rules import cli
from subsidy_rules.server.app import BearerAuth, ServerOptions, build_app
from subsidy_rules.server.serve import ServeArgs, is_loopback, options_for


# ------------------------------------------------------------------ tokens over HTTP


def test_missing_or_wrong_token_is_401(auth_server):
    with httpx.Client(base_url=auth_server.url) as client:
        for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKENS[0]}"},
                        {"Authorization": "Bearer"}, {"Authorization": f"Bearer {TOKENS[0]}x"},
                        {"Authorization": f"Bearer {TOKENS[0][:-1]}"}):
            response = client.get("/api/v1/rules", headers=headers)
            assert response.status_code == 401, headers
            assert response.json()["error"]["code"] == "S003"
            assert response.headers["www-authenticate"].startswith("Bearer")
            assert response.headers["x-request-id"]
            refused = client.post("/api/v1/explain", headers=headers, json=example("hiring-award-eligible"))
            assert refused.status_code == 401
        # the next good request is answered, with either token
        for token in TOKENS:
            good = client.post("/api/v1/decide", params={"rule": "hiring-award"}, json=example("hiring-award-eligible"),
                               headers={"Authorization": f"Bearer {token}"})
            assert good.status_code == 200 and good.json()["decisions"][0]["amount"] == "9000.00"
        assert client.get("/api/v1/rules", headers={"Authorization": f"bearer {TOKENS[1]}"}).status_code == 200


def test_health_and_the_page_need_no_token(auth_server):
    with httpx.Client(base_url=auth_server.url) as client:
        assert client.get("/api/v1/health").status_code == 200
        assert client.get("/").status_code == 200


def test_the_token_check_compares_with_every_token_every_time(monkeypatch):
    calls: List[int] = []
    real = hmac.compare_digest

    def counting(a, b):
        calls.append(1)
        return real(a, b)

    auth = BearerAuth(lambda *a: None, TOKENS)
    monkeypatch.setattr(hmac, "compare_digest", counting)
    for header in (None, b"Bearer wrong", f"Bearer {TOKENS[0]}".encode(), f"Bearer {TOKENS[1]}".encode(), b"Basic x"):
        calls.clear()
        auth.allowed(header)
        assert len(calls) == len(TOKENS), header
    assert auth.allowed(f"Bearer {TOKENS[0]}".encode()) and auth.allowed(f"Bearer {TOKENS[1]}".encode())
    assert not auth.allowed(None) and not auth.allowed(b"Bearer ") and not auth.allowed(b"Bearer wrong")
    # only fixed-length digests are compared: the length of a guess tells nothing either
    assert all(len(d) == len(hashlib.sha256(b"").digest()) for d in auth.digests)


def distinguishable(a: Sequence[float], b: Sequence[float], floor: float = 0.0005) -> bool:
    """True when the medians of a and b differ by more than noise.

    Noise is measured on the data itself: how far the medians of two random halves
    of the same group fall apart (an A/A comparison, in each group). A difference
    must exceed four times the 95th percentile of that, and ``floor`` seconds.
    """
    rng = random.Random(7)
    spreads = []
    for group in (list(a), list(b)):
        for _ in range(200):
            rng.shuffle(group)
            half = len(group) // 2
            spreads.append(abs(statistics.median(group[:half]) - statistics.median(group[half:])))
    spreads.sort()
    noise = spreads[int(len(spreads) * 0.95)]
    return abs(statistics.median(a) - statistics.median(b)) > max(4 * noise, floor)


def test_the_detector_sees_a_real_timing_difference():
    rng = random.Random(1)
    base = [0.002 + rng.expovariate(1 / 0.0005) for _ in range(300)]
    same = [0.002 + rng.expovariate(1 / 0.0005) for _ in range(300)]
    slower = [0.004 + rng.expovariate(1 / 0.0005) for _ in range(300)]  # a 2 ms leak
    assert distinguishable(base, slower)
    assert not distinguishable(base, same)


def test_no_timing_difference_between_a_wrong_and_a_missing_token(auth_server):
    """Many interleaved requests on one connection; the medians must not differ beyond noise."""
    rng = random.Random(3)
    kinds = ["missing", "wrong"] * 300
    rng.shuffle(kinds)
    times = {"missing": [], "wrong": []}
    with httpx.Client(base_url=auth_server.url) as client:
        for _ in range(30):  # warm up the connection and the server
            client.get("/api/v1/rules")
        for kind in kinds:
            headers = {"Authorization": "Bearer " + "w" * 28} if kind == "wrong" else {}
            started = time.perf_counter()
            response = client.get("/api/v1/rules", headers=headers)
            times[kind].append(time.perf_counter() - started)
            assert response.status_code == 401
    assert not distinguishable(times["missing"], times["wrong"]), (
        statistics.median(times["missing"]), statistics.median(times["wrong"]))


# ------------------------------------------------------------------ binding


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost") and is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10") and not is_loopback("::")


def test_another_address_needs_tokens_or_no_auth():
    err = io.StringIO()
    assert cli.main(["serve", "--host", "0.0.0.0", "--port", "0"], stdout=io.StringIO(), stderr=err) == 2
    assert "--tokens" in err.getvalue() and "--no-auth" in err.getvalue()
    err = io.StringIO()
    assert cli.main(["serve", "--host", "192.168.1.10", "--lang", "en"], stdout=io.StringIO(), stderr=err) == 2
    assert "names, ID numbers" in err.getvalue()


def test_no_auth_prints_a_warning_and_gives_an_open_server():
    err = io.StringIO()
    options = options_for(ServeArgs(host="0.0.0.0", no_auth=True, lang="en"), err)
    assert options is not None and options.tokens == ()
    assert err.getvalue().startswith("warning: --no-auth")


def test_tokens_file_is_read_and_checked(tmp_path: Path):
    tokens = tmp_path / "tokens"
    tokens.write_text("# comment\n\nalpha-token\n  beta-token  \n", encoding="utf-8")
    err = io.StringIO()
    options = options_for(ServeArgs(host="0.0.0.0", tokens=str(tokens)), err)
    assert options is not None and options.tokens == ("alpha-token", "beta-token") and err.getvalue() == ""
    tokens.write_text("# nothing but a comment\n", encoding="utf-8")
    err = io.StringIO()
    assert options_for(ServeArgs(tokens=str(tokens), lang="en"), err) is None and "no tokens" in err.getvalue()
    tokens.write_text("two words\n", encoding="utf-8")
    err = io.StringIO()
    assert options_for(ServeArgs(tokens=str(tokens), lang="en"), err) is None and "line 1" in err.getvalue()
    err = io.StringIO()
    assert options_for(ServeArgs(tokens=str(tokens), no_auth=True, lang="en"), err) is None
    assert cli.main(["serve", "--tokens", str(tmp_path / "absent")], stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_cors_origins_on_the_command_line(monkeypatch):
    from subsidy_rules.server import serve

    seen = {}
    monkeypatch.setattr(serve, "main", lambda args, out, err: seen.setdefault("args", args) and 0)
    cli.main(["serve", "--cors-origin", "https://a.example", "https://b.example", "--cors-origin", "https://c.example",
              "--port", "9", "--reload"], stdout=io.StringIO(), stderr=io.StringIO())
    args = seen["args"]
    assert args.cors_origin == ("https://a.example", "https://b.example", "https://c.example")
    assert (args.host, args.port, args.reload, args.tokens, args.no_auth) == ("127.0.0.1", 9, True, None, False)


def test_a_port_in_use_is_a_clear_failure():
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        assert cli.main(["serve", "--port", str(port)], stdout=io.StringIO(), stderr=io.StringIO()) == 2


def test_a_broken_policy_is_not_served(tmp_path: Path):
    (tmp_path / "policy.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    err = io.StringIO()
    assert cli.main(["serve", "--policy", str(tmp_path), "--port", "0"], stdout=io.StringIO(), stderr=err) == 2
    assert "E0" in err.getvalue()


# ------------------------------------------------------------------ CORS


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


def test_cors_is_off_unless_origins_are_named(policy):
    app = build_app(policy)
    response = in_process(app, "GET", "/api/v1/health", headers={"Origin": "http://evil.example"})
    assert response.status_code == 200 and "access-control-allow-origin" not in response.headers
    preflight = in_process(app, "OPTIONS", "/api/v1/explain", headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"})
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_allows_only_the_named_origins(policy):
    app = build_app(policy, ServerOptions(cors_origins=("https://case.example",), tokens=("tok-123",)))
    preflight = in_process(app, "OPTIONS", "/api/v1/explain", headers={
        "Origin": "https://case.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://case.example"
    call = in_process(app, "GET", "/api/v1/rules", headers={"Origin": "https://case.example",
                                                             "Authorization": "Bearer tok-123"})
    assert call.status_code == 200 and call.headers["access-control-allow-origin"] == "https://case.example"
    other = in_process(app, "GET", "/api/v1/rules", headers={"Origin": "https://other.example",
                                                              "Authorization": "Bearer tok-123"})
    assert "access-control-allow-origin" not in other.headers
    denied = in_process(app, "GET", "/api/v1/rules", headers={"Origin": "https://case.example"})
    assert denied.status_code == 401


def test_an_evaluation_error_names_the_rule_file_from_the_policy_folder(mini_dir):
    """The caller of the API reads rules/r.yaml:LINE:COLUMN, never where the server keeps its files."""
    (mini_dir / "rules" / "r.yaml").write_text(
        "id: r\ntitle: {zh: 除法, en: Division}\nsource: {document: 测试}\nin_force: {from: 2016-01-01}\n"
        "applies_to: labourer\nconditions:\n  - id: c\n    label: {zh: 条件, en: Condition}\n"
        "    expr: 100 / labourer.age > 1\n", encoding="utf-8")
    app = build_app(subsidy_rules.load_policy(mini_dir))
    response = in_process(app, "POST", "/api/v1/explain", params={"rule": "r", "lang": "en"},
                          json={"labourer": {"age": 0}})
    error = response.json()["error"]
    assert response.status_code == 422 and error["code"] == "X001", response.text
    assert error["message"].startswith("rules/r.yaml:9:11: [r] [X001] division by zero"), error["message"]
    assert str(mini_dir) not in response.text
