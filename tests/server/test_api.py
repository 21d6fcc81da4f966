"""Every /api/v1 endpoint against a live server: shapes, the explain contract, lists and their limit."""

from __future__ import annotations

import io
import json
import re
import shutil

import pytest

from server_helpers import EXAMPLES, REPO, LiveServer, example, httpx, client, server  # noqa: F401 (fixtures)

import subsidy_rules
from subsidy_rules import cli
from subsidy_rules.schemas import KINDS, schema_for

EXAMPLE_NAMES = sorted(p.stem for p in EXAMPLES.glob("*.yaml"))


def cli_json(*argv: str) -> dict:
    out, err = io.StringIO(), io.StringIO()
    cli.main(list(argv), stdout=out, stderr=err)
    return json.loads(out.getvalue())


def test_health_names_the_policy_and_every_response_has_a_request_id(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    policy = subsidy_rules.load_policy()
    assert response.json() == {"status": "ok", "policy": {"name": policy.name, "version": policy.version,
                                                         "digest": policy.digest}}
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["x-request-id"])
    other = client.get("/api/v1/health")
    assert other.headers["x-request-id"] != response.headers["x-request-id"]


def test_a_callers_request_id_is_kept_when_it_is_safe(client):
    assert client.get("/api/v1/health", headers={"X-Request-Id": "case-42.a"}).headers["x-request-id"] == "case-42.a"
    hostile = client.get("/api/v1/health", headers={"X-Request-Id": "x\" injected {"})
    assert hostile.headers["x-request-id"] != "x\" injected {"


def test_rules_lists_every_rule_version(client):
    body = client.get("/api/v1/rules").json()
    policy = subsidy_rules.load_policy()
    assert [r["id"] for r in body["rules"]] == [r.id for r in policy.rules]
    award = next(r for r in body["rules"] if r["id"] == "hiring-award")
    assert award["title"] == {"zh": "企业吸纳就业奖补", "en": "Hiring award for enterprises"}
    assert award["kind"] == "eligibility" and award["applies_to"] == "employer"
    assert award["source"]["document"] == "广府办函〔2016〕102号" and "给予企业1000/人的奖补" in award["source"]["quote"]  # the letter's own words
    assert award["in_force"] == {"from": "2016-06-01", "until": None, "confirmed": False}  # the letter gives no date


def test_one_rule_has_conditions_in_words_and_parameters_by_date_and_county(client):
    body = client.get("/api/v1/rules/hiring-award", params={"as_of": "2017-07-31"}).json()
    assert body["id"] == "hiring-award"
    items = body["items"]
    assert items["over"] == "employer.hires"
    contract = next(c for c in items["conditions"] if c["id"] == "contract-1-year")
    assert contract["kind"] == "condition"
    assert contract["expr"] == "contract_months >= $min_contract_months or open_ended_contract"
    # an `or` of simple conditions is said part by part, the threshold read on as_of
    assert contract["words"]["zh"] == "劳动合同期限(固定期限合同) 12个月以上(含) 或 签订无固定期限劳动合同"
    assert " at least 12 months or " in contract["words"]["en"]
    assert body["conditions"][0]["children"] == []
    assert body["conditions"][0]["words"] == {"zh": "单位类型 = enterprise", "en": "Kind = enterprise"}
    quota = client.get("/api/v1/rules/county-demonstration-quota", params={"as_of": "2017-07-31"}).json()
    found = {}

    def walk(nodes):
        for node in nodes:
            found[node["id"]] = node["words"]
            walk(node["children"])

    walk(quota["conditions"] + (quota.get("items") or {}).get("conditions", []))
    # `not <a yes/no fact>` is said as the fact's label under the word for not
    assert found["county-not-leaving-poverty"] == {"zh": "以下不成立:当年脱贫摘帽", "en": "not: Leaves poverty (贫困县摘帽) this year"}
    names = {p["name"]: p for p in body["parameters"]}
    award = names["hiring_award_per_worker"]
    assert award["values"][0] == {"from": "2016-06-01", "value": 1000}
    assert award["unit"] == {"zh": "元/人", "en": award["unit"]["en"]} and award["source"]["document"]
    assert "“1年以上劳动合同”含1年" in body["interpretation"]["zh"]


def test_parameters_show_county_overrides(tmp_path):
    # the bundled policy has no county standard (the letter names none): a policy that has one, with its source
    folder = tmp_path / "policy"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", folder)
    live = LiveServer(tmp_path, ["--policy", str(folder)], "mini")
    try:
        body = httpx.get(live.url + "/api/v1/rules/award", timeout=30.0).json()
    finally:
        live.stop()
    rate = next(p for p in body["parameters"] if p["name"] == "award_per_worker")
    assert rate["floor"] is True
    assert rate["values"] == [{"from": "2016-01-01", "value": 1000}, {"from": "2018-01-01", "value": 1200}]
    assert rate["overrides"] == {"苍溪县": [{"from": "2017-01-01", "value": 1300, "source": {
        "document": "苍溪县示例文件〔2017〕1号", "clause": "第二条", "quote": ""}}]}


def test_the_bundled_policy_has_no_county_override(client):
    body = client.get("/api/v1/rules/job-placement-service-subsidy").json()
    rate = next(p for p in body["parameters"] if p["name"] == "job_placement_subsidy_per_person")
    assert rate["floor"] is True
    assert rate["values"] == [{"from": "2016-06-01", "value": 300}]
    assert rate["overrides"] == {}


@pytest.mark.parametrize("rule_id", [r.id for r in subsidy_rules.load_policy().rules])
def test_every_rule_document_is_served(client, rule_id):
    response = client.get(f"/api/v1/rules/{rule_id}", params={"lang": "en"})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == rule_id
    for key in ("conditions", "items", "criteria", "classes", "amount", "notes", "interpretation", "parameters"):
        assert key in body


def test_unknown_rule_is_404_with_the_package_diagnostic(client):
    response = client.get("/api/v1/rules/hiring-awrd", params={"lang": "en"})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "C008" and "hiring-award" in error["message"]
    assert response.json()["request_id"] == response.headers["x-request-id"]


def test_facts_describe_every_entity_and_field(client):
    body = client.get("/api/v1/facts").json()
    policy = subsidy_rules.load_policy()
    assert set(body["entities"]) == set(policy.schema.entities)
    labourer = {f["name"]: f for f in body["entities"]["labourer"]["fields"]}
    assert labourer["age"]["type"] == "integer" and labourer["age"]["unit"] == {"zh": "岁", "en": "years"}
    assert [v["value"] for v in labourer["gender"]["values"]] == ["male", "female"]
    # each enum value carries its words (the schema's value labels)
    assert labourer["employment_status"]["values"][0] == {"value": "transferred_out",
                                                         "label": {"zh": "转移输出就业(外出务工)", "en": "transferred out to work away from home"}}
    hires = {f["name"]: f for f in body["entities"]["employer"]["fields"]}["hires"]
    assert hires["type"] == "list" and hires["of"]


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_what_the_cli_prints(client, kind):
    assert client.get(f"/api/v1/schema/{kind}").json() == cli_json("schema", kind)
    assert client.get(f"/api/v1/schema/{kind}").json() == json.loads(json.dumps(schema_for(kind, subsidy_rules.load_policy().schema)))


def test_unknown_schema_kind_is_404(client):
    response = client.get("/api/v1/schema/passwd")
    assert response.status_code == 404 and response.json()["error"]["code"] == "S011"


def test_examples_list_and_one_example(client):
    listing = client.get("/api/v1/examples").json()["examples"]
    assert sorted(e["name"] for e in listing) == EXAMPLE_NAMES
    hiring = next(e for e in listing if e["name"] == "hiring-award-eligible")
    assert hiring["rules"] == ["hiring-award"] and "12 hires" in hiring["comment"]
    claim = client.get("/api/v1/examples/hiring-award-eligible").json()
    assert claim["as_of"] == "2017-07-31" and len(claim["employer"]["hires"]) == 12
    missing = client.get("/api/v1/examples/no-such-example")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "S009"


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_explain_is_the_same_json_as_the_cli(client, name):
    listing = {e["name"]: e for e in client.get("/api/v1/examples").json()["examples"]}
    rule = listing[name]["rules"][0]
    expected = cli_json("explain", str(EXAMPLES / f"{name}.yaml"), "--rule", rule, "--format", "json")
    claim = client.get(f"/api/v1/examples/{name}").json()
    got = client.post("/api/v1/explain", params={"rule": rule}, json=claim)
    assert got.status_code == 200, got.text
    assert got.json() == expected
    english = cli_json("explain", str(EXAMPLES / f"{name}.yaml"), "--rule", rule, "--format", "json", "--lang", "en")
    assert client.post("/api/v1/explain", params={"rule": rule, "lang": "en"}, json=claim).json() == english


def test_explain_without_rule_decides_every_rule_that_applies(client):
    claim = example("hiring-award-eligible")
    expected = cli_json("explain", str(EXAMPLES / "hiring-award-eligible.yaml"), "--format", "json")
    assert client.post("/api/v1/explain", json=claim).json() == expected


def test_decide_gives_outcome_and_amount_only(client):
    response = client.post("/api/v1/decide", params={"rule": "hiring-award"}, json=example("hiring-award-eligible"))
    assert response.headers["cache-control"] == "no-store"  # answers about people are never cached
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert body == {"decisions": [{"rule": "hiring-award", "outcome": "eligible", "amount": "9000.00"}]}
    # the rule asked for is the rule decided: the same claim makes the employer an employment base
    base = client.post("/api/v1/decide", params={"rule": "employment-base"}, json=example("hiring-award-eligible")).json()
    assert base == {"decisions": [{"rule": "employment-base", "outcome": "eligible", "amount": "50000.00"}]}


def test_text_and_markdown_are_the_cli_renderings(client):
    claim = example("hiring-award-eligible")
    path = str(EXAMPLES / "hiring-award-eligible.yaml")
    for fmt, media in (("text", "text/plain"), ("markdown", "text/markdown")):
        out = io.StringIO()
        cli.main(["explain", path, "--rule", "hiring-award", "--format", fmt], stdout=out, stderr=io.StringIO())
        response = client.post("/api/v1/explain", params={"rule": "hiring-award", "format": fmt}, json=claim)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        assert response.text == out.getvalue()
    text = client.post("/api/v1/decide", params={"rule": "hiring-award", "format": "text"}, json=claim).text
    assert text == "hiring-award\teligible\t9000.00\n"


def test_as_of_changes_the_decision(client):
    claim = example("hiring-award-eligible")
    before = client.post("/api/v1/decide", params={"rule": "hiring-award", "as_of": "2015-01-01"}, json=claim).json()
    assert before["decisions"][0]["outcome"] == "ineligible"  # not in force yet
    bad = client.post("/api/v1/decide", params={"as_of": "2017-13-01"}, json=claim)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "S011"


def test_a_list_of_claims_gets_one_result_each_in_order(client):
    good = example("hiring-award-eligible")
    bad = {"employer": {"kind": "enterprise", "hires": [{"contract_months": "twelve"}]}}
    body = {"claims": [good, bad, example("hiring-award-ineligible")], "rule": "hiring-award", "lang": "en"}
    response = client.post("/api/v1/explain", json=body)
    assert response.status_code == 200
    results = response.json()["results"]
    expected = cli_json("explain", str(EXAMPLES / "hiring-award-eligible.yaml"), "--rule", "hiring-award",
                        "--format", "json", "--lang", "en")
    assert results[0] == expected
    assert results[1]["error"]["code"] == "C001" and results[1]["error"]["path"] == "employer.hires[0].contract_months"
    assert "expected an integer" in results[1]["error"]["message"]
    assert results[2]["decisions"][0]["outcome"] == "ineligible"
    short = client.post("/api/v1/decide", json=body).json()["results"]
    assert short[0] == {"decisions": [{"rule": "hiring-award", "outcome": "eligible", "amount": "9000.00"}]}


def test_the_list_limit_is_enforced(client):
    claim = {"employer": {"kind": "enterprise"}}
    at_limit = client.post("/api/v1/decide", json={"claims": [claim] * 1000, "rule": "hiring-award"})
    assert at_limit.status_code == 200 and len(at_limit.json()["results"]) == 1000
    over = client.post("/api/v1/decide", json={"claims": [claim] * 1001})
    assert over.status_code == 422
    assert over.json()["error"]["code"] == "S007" and "1000" in over.json()["error"]["message"]


def test_list_body_keys_are_checked(client):
    response = client.post("/api/v1/decide", json={"claims": [], "rules": "hiring-award"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "S012"
    response = client.post("/api/v1/decide", json={"claims": {"employer": {}}})
    assert response.status_code == 422 and response.json()["error"]["code"] == "C001"


@pytest.mark.parametrize("claim, code, path", [
    ({"employer": {"kind": "enterprise", "hires": [{"contract_months": "x"}]}}, "C001", "employer.hires[0].contract_months"),
    ({"employer": {"kind": "enterprise", "hirez": []}}, "C002", "employer.hirez"),
    ({"employr": {"kind": "enterprise"}}, "C003", "employr"),
    ({"employer": {"kind": "bank"}}, "C006", "employer.kind"),
    ({"jurisdiction": "北京", "employer": {}}, "C012", "jurisdiction"),
    ([1, 2], "C001", "$"),
])
def test_bad_claims_get_422_with_the_claim_error(client, claim, code, path):
    response = client.post("/api/v1/explain", json=claim, params={"lang": "en"})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert (error["code"], error["path"]) == (code, path)
    assert error["message"].startswith(f"[{code}]") and error["diagnostics"][0]["code"] == code
    assert "Traceback" not in response.text


def test_errors_are_in_the_language_asked(client):
    claim = {"employer": {"kind": "enterprise", "hires": [{"contract_months": "x"}]}}
    zh = client.post("/api/v1/explain", json=claim).json()["error"]["message"]
    en = client.post("/api/v1/explain", json=claim, params={"lang": "en"}).json()["error"]["message"]
    assert "应当是整数" in zh and "expected an integer" in en
    bad_lang = client.get("/api/v1/rules", params={"lang": "fr"})
    assert bad_lang.status_code == 400 and bad_lang.json()["error"]["code"] == "S011"


def test_unknown_rule_in_decide(client):
    response = client.post("/api/v1/decide", params={"rule": "no-such-rule"}, json=example("hiring-award-eligible"))
    assert response.status_code == 422 and response.json()["error"]["code"] == "C008"


def test_wrong_method_and_unknown_address(client):
    wrong = client.get("/api/v1/decide")
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "S005"
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "S004"
    assert missing.headers["x-request-id"]


def test_openapi_names_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    for path in ("/api/v1/rules", "/api/v1/rules/{rule_id}", "/api/v1/facts", "/api/v1/schema/{kind}", "/api/v1/examples",
                 "/api/v1/examples/{name}", "/api/v1/decide", "/api/v1/explain", "/api/v1/trace",
                 "/api/v1/openapi.json", "/api/v1/health"):
        assert path in doc["paths"], path
    assert "413" in doc["paths"]["/api/v1/explain"]["post"]["responses"]
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(doc)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_trace_is_the_cli_report(client, lang):
    response = client.get("/api/v1/trace", params={"lang": lang})
    assert response.status_code == 200
    body = response.json()
    assert body == cli_json("trace", "--format", "json", "--lang", lang)
    assert body["document"]["id"] == "广人社函〔2017〕207号"
    assert body["sentences"] and all({"index", "text", "normative", "links"} <= set(s) for s in body["sentences"])
    assert any(link["rule"] == "hiring-award" for s in body["sentences"] for link in s["links"])


def test_the_page_is_served_next_to_the_api(client):
    response = client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["x-request-id"]


def test_an_unknown_rule_for_a_list_of_claims_is_refused_once(client):
    claim = {"employer": {"kind": "enterprise", "hires": []}}
    response = client.post("/api/v1/decide", json={"claims": [claim, claim], "rule": "hiring-awrd"})
    assert response.status_code == 422 and response.json()["error"]["code"] == "C008"
    assert "hiring-award" in response.json()["error"]["message"]
