"""Hostile input (issue 10 §5): each gets a 4xx with a diagnostic, and the next good request is answered correctly."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from server_helpers import (BODY_TIMEOUT, MAX_BODY, response_complete, body_of, client, example, good_request_works, httpx,  # noqa: F401
                            in_process, raw_request, server, status_of)

import subsidy_rules
from subsidy_rules.server.app import build_app

JSON = {"content-type": "application/json"}


def post_raw(client, path: str, body: bytes, headers=None):
    return client.post(path, content=body, headers=headers or JSON)


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and error["diagnostics"]
    assert response.headers["x-request-id"] == response.json()["request_id"]
    assert "Traceback" not in response.text


def test_huge_body_with_content_length_is_413_before_reading_it(client, server):
    declared = (f"POST /api/v1/explain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {50 * 1024 * 1024}\r\n\r\n").encode()
    raw = raw_request(server.port, declared + b"{" * 1000)
    assert status_of(raw) == 413
    assert body_of(raw)["error"]["code"] == "S001"
    good_request_works(client)


def test_huge_chunked_body_without_content_length_is_413(client, server):
    payload = b'{"employer": {"name": "' + b"x" * (MAX_BODY + 10) + b'"}}'
    chunks = b""
    for start in range(0, len(payload), 8192):
        part = payload[start:start + 8192]
        chunks += f"{len(part):x}\r\n".encode() + part + b"\r\n"
    chunks += b"0\r\n\r\n"
    head = b"POST /api/v1/explain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    raw = raw_request(server.port, head + chunks)
    assert status_of(raw) == 413 and body_of(raw)["error"]["code"] == "S001"
    good_request_works(client)


def test_a_lying_content_length_does_not_get_past_the_limit(client, server):
    # declares a small body, then keeps sending: the extra bytes are not part of this request's body
    payload = b'{"employer": {"kind": "enterprise"}}'
    head = (f"POST /api/v1/decide HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n").encode()
    raw = raw_request(server.port, head + payload + b"x" * (MAX_BODY * 2))
    assert status_of(raw) in (200, 400)
    good_request_works(client)


def test_body_just_under_the_limit_is_read(client):
    claim = {"employer": {"kind": "enterprise", "name": "x" * (MAX_BODY - 100)}}
    response = client.post("/api/v1/decide", json=claim, params={"rule": "hiring-award"})
    assert response.status_code == 200


@pytest.mark.parametrize("depth", [200, 5000, 30000])
def test_deeply_nested_json(client, depth):
    body = b'{"employer": {"hires": ' + b"[" * depth + b"]" * depth + b"}}"
    response = post_raw(client, "/api/v1/explain", body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["error"]["code"] in ("C001", "C004", "C010")
    good_request_works(client)


def test_deeply_nested_records(client):
    body = b'{"employer": ' + b'{"a": ' * 8000 + b"1" + b"}" * 8000 + b"}"
    response = post_raw(client, "/api/v1/explain", body)
    assert response.status_code in (400, 422) and response.json()["error"]["code"] in ("C002", "C004", "C010")
    good_request_works(client)


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_refused(client, number):
    body = b'{"employer": {"kind": "enterprise", "hires": [{"contract_months": ' + number + b"}]}}"
    assert_refused(post_raw(client, "/api/v1/explain", body), 400, "C004")
    good_request_works(client)


def test_huge_numbers_are_refused(client):
    body = b'{"employer": {"kind": "enterprise", "hires": [{"contract_months": 1' + b"0" * 5000 + b"}]}}"
    response = post_raw(client, "/api/v1/explain", body)
    assert response.status_code in (400, 422) and response.json()["error"]["code"] in ("C004", "C005")
    assert_refused(post_raw(client, "/api/v1/explain", b'{"employer": {"kind": "enterprise", "hires": [{"contract_months": 1e400}]}}'),
                   422, "C005")
    # an exponent past what Decimal can hold: refused while parsing, not a 500
    assert_refused(post_raw(client, "/api/v1/explain", b'{"employer": {"kind": "enterprise", "x": 1e9999999999999999999999}}'),
                   400, "C004")
    good_request_works(client)


def test_duplicate_keys_are_refused(client):
    body = b'{"employer": {"kind": "enterprise", "kind": "other"}}'
    response = post_raw(client, "/api/v1/explain", body)
    assert_refused(response, 400, "C004")
    assert "kind" in response.json()["error"]["message"]
    assert_refused(post_raw(client, "/api/v1/explain", b'{"as_of": "2017-07-31", "as_of": "2018-01-01", "employer": {}}'), 400, "C004")
    good_request_works(client)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded", "application/yaml",
                                          "multipart/form-data; boundary=x", "application/json; charset=latin-1",
                                          "application/jsonx"])
def test_wrong_content_type_is_415(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/api/v1/explain", content=b'{"employer": {"kind": "enterprise"}}', headers=headers)
    assert_refused(response, 415, "S002")
    good_request_works(client)


def test_json_with_charset_utf8_is_accepted(client):
    response = client.post("/api/v1/decide", content=b'{"employer": {"kind": "enterprise"}}',
                           headers={"content-type": "application/json; charset=UTF-8"})
    assert response.status_code == 200


@pytest.mark.parametrize("body", [b"", b"not json", b"employer:\n  kind: enterprise\n", b"\xff\xfe{}", b'{"employer": ',
                                  b"[1, 2", b"{'employer': {}}"])
def test_malformed_bodies_are_400(client, body):
    response = post_raw(client, "/api/v1/explain", body)
    assert_refused(response, 400, "C004")
    good_request_works(client)


@pytest.mark.parametrize("path", [
    "/api/v1/rules/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/rules/%2e%2e%2f%2e%2e%2fpolicy.yaml",
    "/api/v1/rules/hiring-award%00",
    "/api/v1/rules/HIRING-AWARD",
    "/api/v1/rules/" + "a" * 300,
    "/api/v1/examples/..%2F..%2Fpolicy%2Fpolicy",
    "/api/v1/examples/%2Fetc%2Fpasswd",
    "/api/v1/rules/hiring-award%0A",  # a pattern's `$` matches before a final line break: not an id's end
    "/api/v1/examples/hiring-award-eligible%0A",
])
def test_path_traversal_in_ids_is_refused_before_any_lookup(client, path):
    response = client.get(path)
    assert_refused(response, 400, "S008")
    assert "root:" not in response.text
    good_request_works(client)


@pytest.mark.parametrize("target", [b"/api/v1/rules/../../etc/passwd", b"/api/v1/rules/..\\..\\etc\\passwd",
                                    b"/api/v1/schema/../../../etc/passwd", b"/static/../../../../etc/passwd",
                                    b"/static/..%2F..%2F__init__.py"])
def test_literal_dot_segments_never_leave_the_api(client, server, target):
    raw = raw_request(server.port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert 400 <= status_of(raw) < 500, raw[:200]
    assert b"root:" not in raw and b"import" not in raw
    good_request_works(client)


def test_a_slow_body_is_timed_out_and_others_are_served_meanwhile(client, server):
    """A client that sends its body a byte at a time gets 408 after the body timeout; others are answered."""
    answer = {}

    def slow() -> None:
        with socket.create_connection(("127.0.0.1", server.port), timeout=30) as sock:
            sock.sendall(b"POST /api/v1/explain HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n")
            started = time.monotonic()
            data = b""
            try:
                for _ in range(200):
                    sock.sendall(b" ")
                    sock.settimeout(0.25)
                    try:
                        chunk = sock.recv(65536)
                    except socket.timeout:
                        continue
                    if not chunk:
                        break
                    data += chunk
                    if response_complete(data):
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
            answer["raw"] = data
            answer["seconds"] = time.monotonic() - started
            answer["at"] = time.monotonic()

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    good_request_works(client)  # not stuck behind the slow one: answered before the slow one is refused
    good_at = time.monotonic()
    thread.join(60)
    assert good_at < answer["at"], "a good request waited for the slow client"
    assert status_of(answer["raw"]) == 408
    assert b"S006" in answer["raw"]
    assert answer["seconds"] < BODY_TIMEOUT + 10
    good_request_works(client)


def test_slow_headers_do_not_block_other_clients(client, server):
    socks = []
    try:
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", server.port), timeout=5)
            sock.sendall(b"POST /api/v1/explain HTTP/1.1\r\nHost: x\r\nContent-Ty")
            socks.append(sock)
        started = time.monotonic()
        good_request_works(client)
        assert time.monotonic() - started < 5
    finally:
        for sock in socks:
            sock.close()
    good_request_works(client)


def test_many_bad_requests_in_a_row_leave_the_server_well(client):
    for body in (b"{", b"NaN", b'{"a": 1, "a": 2}', b"[" * 10000):
        post_raw(client, "/api/v1/decide", body)
    good_request_works(client)
    assert client.get("/api/v1/health").json()["status"] == "ok"


@pytest.mark.parametrize("query, code", [("rule=hiring-award%0A", "S008"), ("format=", "S011"), ("lang=", "S011"),
                                         ("as_of=", "S011")])
def test_an_empty_or_line_broken_query_value_is_refused(client, query, code):
    response = client.post(f"/api/v1/decide?{query}", json={"employer": {"kind": "enterprise"}})
    assert_refused(response, 400, code)


def test_an_address_with_a_line_break_is_no_address(client):
    assert_refused(client.post("/api/v1/decide%0A", json={"employer": {"kind": "enterprise"}}), 404, "S004")


def test_refusals_say_what_came_in_json_terms(client):
    response = client.post("/api/v1/decide", params={"lang": "en"}, json={"claims": None})
    assert response.status_code == 422 and "claims: expected a list, got null" in response.json()["error"]["message"]
    body = b'{"employer": {"kind": "enter\x01prise"}}'
    for lang, words in (("en", "a control character (a line break, a tab) inside quotes"), ("zh", "引号里有控制字符")):
        error = post_raw(client, f"/api/v1/explain?lang={lang}", body).json()["error"]
        assert error["code"] == "C004" and words in error["message"] and "YAML syntax" not in error["message"], error
    error = post_raw(client, "/api/v1/explain?lang=zh", b"\xff{}").json()["error"]
    assert error["code"] == "C004" and "请求内容不是 UTF-8 编码的文字" in error["message"], error


def test_an_error_lists_at_most_a_hundred_problems_and_counts_the_rest():
    """300,000 bad items in a 1.5 MB body must not make an answer of tens of MB."""
    body = json.dumps({"employer": {"kind": "enterprise", "hires": ["x"] * 300_000}}).encode()
    response = in_process(build_app(subsidy_rules.load_policy()), "POST", "/api/v1/decide?lang=en", content=body,
                          headers=JSON)  # within the default body limit, over the test server's small one
    error = response.json()["error"]
    assert response.status_code == 422 and error["code"] == "C001"
    assert len(error["diagnostics"]) == 100 and len(response.content) < 100_000, len(response.content)
    assert error["message"].endswith("… and 299900 more errors, not listed"), error["message"][-80:]
