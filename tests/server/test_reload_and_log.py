"""`serve --reload` swaps in only a policy that passes check; the access log never holds claim content."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from server_helpers import REPO, LiveServer, example, good_request_works, httpx, client, server  # noqa: F401 (fixtures)

import subsidy_rules


def hiring_amount(client) -> str:
    response = client.post("/api/v1/decide", params={"rule": "hiring-award"}, json=example("hiring-award-eligible"))
    assert response.status_code == 200, response.text
    return response.json()["decisions"][0]["amount"]


def wait_for(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.25)
    return False


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(REPO / "policy", target)
    return target


def test_reload_picks_up_a_good_change_and_refuses_a_broken_one(tmp_path: Path, policy_copy: Path):
    live = LiveServer(tmp_path, ["--policy", str(policy_copy), "--reload"], "reload")
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            assert hiring_amount(client) == "9000.00"
            digest = client.get("/api/v1/health").json()["policy"]["digest"]

            # a good change: the award per worker goes from 1000 to 1200
            parameters = policy_copy / "parameters.yaml"
            text = parameters.read_text(encoding="utf-8")
            start = text.index("  hiring_award_per_worker:")
            block_end = text.index("value: 1000}", start)
            changed = text[:block_end] + "value: 1200}" + text[block_end + len("value: 1000}"):]
            parameters.write_text(changed, encoding="utf-8")
            assert wait_for(lambda: hiring_amount(client) == "10800.00"), live.log_text()
            new_digest = client.get("/api/v1/health").json()["policy"]["digest"]
            assert new_digest != digest
            assert any(line.get("event") == "policy_reloaded" for line in live.log_lines())

            # a broken change: an unknown field in a rule; the running policy stays
            rule = policy_copy / "rules" / "hiring-award.yaml"
            rule.write_text(rule.read_text(encoding="utf-8").replace("expr: social_insurance", "expr: social_insurence"),
                            encoding="utf-8")
            assert wait_for(lambda: any(line.get("event") == "policy_rejected" for line in live.log_lines())), live.log_text()
            rejected = next(line for line in live.log_lines() if line.get("event") == "policy_rejected")
            assert rejected["diagnostics"] and rejected["diagnostics"][0]["code"] == "E031"
            assert "social_insurence" in json.dumps(rejected["diagnostics"])
            assert hiring_amount(client) == "10800.00"
            assert client.get("/api/v1/health").json()["policy"]["digest"] == new_digest

            # fixed again: picked up again
            rule.write_text(rule.read_text(encoding="utf-8").replace("social_insurence", "social_insurance"), encoding="utf-8")
            assert wait_for(lambda: sum(1 for line in live.log_lines() if line.get("event") == "policy_reloaded") >= 2)
            assert hiring_amount(client) == "10800.00"
    finally:
        live.stop()
    # the server never writes policy files: the folder holds only what the test wrote
    assert sorted(p.name for p in policy_copy.rglob("*")) == sorted(p.name for p in (REPO / "policy").rglob("*"))


def test_without_reload_a_change_is_not_picked_up(tmp_path: Path, policy_copy: Path):
    live = LiveServer(tmp_path, ["--policy", str(policy_copy)], "noreload")
    try:
        with httpx.Client(base_url=live.url, timeout=30) as client:
            assert hiring_amount(client) == "9000.00"
            parameters = policy_copy / "parameters.yaml"
            parameters.write_text(parameters.read_text(encoding="utf-8").replace("value: 1000}", "value: 1100}", 1),
                                  encoding="utf-8")
            time.sleep(2.5)
            assert hiring_amount(client) == "9000.00"
    finally:
        live.stop()


def test_one_json_log_line_per_request_and_no_claim_content(server, client):
    before = len(server.log_lines())
    claim = example("hiring-award-eligible")
    claim["employer"]["hires"][0]["worker"]["id_number"] = "510802199001011234"
    marks = ["王建国", "四川广元恒达纺织有限公司", "510802199001011234", "contract_months"]
    ids = []
    ids.append(client.post("/api/v1/explain", json=claim).headers["x-request-id"])
    ids.append(client.post("/api/v1/decide", json={"claims": [claim, claim]}).headers["x-request-id"])
    ids.append(client.post("/api/v1/explain", content=json.dumps(claim).replace("24", "NaN", 1).encode(),
                           headers={"content-type": "application/json"}).headers["x-request-id"])
    bad = dict(claim, employer=dict(claim["employer"], name=12))
    bad["employer"]["hires"] = [{"worker": {"name": "王建国"}, "contract_months": "王建国"}]
    ids.append(client.post("/api/v1/explain", json=bad).headers["x-request-id"])
    # data put where it does not belong: the URL path and the query string
    ids.append(client.get("/api/v1/rules/王建国").headers["x-request-id"])
    ids.append(client.get("/api/v1/examples/510802199001011234").headers["x-request-id"])
    ids.append(client.get("/api/v1/rules", params={"name": "王建国", "id": "510802199001011234"}).headers["x-request-id"])
    assert wait_for(lambda: len(server.log_lines()) >= before + len(ids), 10)
    text = server.log_text()
    for mark in marks:
        assert mark not in text
        assert json.dumps(mark)[1:-1] not in text  # not even as \\u escapes
        assert mark.encode("utf-8").hex() not in text.lower()
    assert "%E7%8E%8B" not in text.upper()  # 王 percent-encoded
    lines = server.log_lines()[before:]
    by_id = {line["request_id"]: line for line in lines if "request_id" in line}
    for rid in ids:
        line = by_id[rid]
        assert set(line) == {"time", "request_id", "method", "path", "status", "bytes", "duration_ms"}
        assert isinstance(line["duration_ms"], float) and line["status"] >= 200
    assert [by_id[rid]["status"] for rid in ids] == [200, 200, 400, 422, 400, 400, 200]
    assert by_id[ids[0]]["path"] == "/api/v1/explain" and by_id[ids[0]]["method"] == "POST"
    assert by_id[ids[4]]["path"] == "/api/v1/rules/*"
    good_request_works(client)


def test_an_internal_error_is_a_500_without_a_traceback(monkeypatch):
    from server_helpers import in_process
    from subsidy_rules.server import api
    from subsidy_rules.server.app import build_app

    app = build_app(subsidy_rules.load_policy())

    def broken(*args, **kwargs):
        raise RuntimeError("secret 王建国")

    monkeypatch.setattr(api, "_decisions", broken)
    response = in_process(app, "POST", "/api/v1/explain", json={"employer": {}})
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "S010" and body["request_id"] in body["error"]["message"]
    assert "Traceback" not in response.text and "王建国" not in response.text
