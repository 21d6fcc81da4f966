"""JSON Schemas: the shipped files match what `schema` prints, and every bundled file validates."""

from __future__ import annotations

import io
import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import subsidy_rules
from subsidy_rules.cli import main
from subsidy_rules.schemas import KINDS, schema_for

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"


class _TextDates(yaml.SafeLoader):
    """YAML as an editor's language server sees it: dates stay text."""


_TextDates.yaml_implicit_resolvers = {
    key: [r for r in value if r[0] != "tag:yaml.org,2002:timestamp"]
    for key, value in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load(path: Path):
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_TextDates)


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy(POLICY)


@pytest.mark.parametrize("kind", KINDS)
def test_shipped_schema_is_current(policy, kind):
    shipped = json.loads((POLICY / "schemas" / f"{kind}.schema.json").read_text(encoding="utf-8"))
    assert shipped == schema_for(kind, policy.schema), "run: subsidy-rules schema --write"
    jsonschema.Draft7Validator.check_schema(shipped)


def _files():
    yield "policy", POLICY / "policy.yaml"
    yield "facts", POLICY / "schema.yaml"
    yield "parameters", POLICY / "parameters.yaml"
    for path in sorted((POLICY / "rules").glob("*.yaml")):
        yield "rule", path
    for path in sorted((POLICY / "tests").glob("*.yaml")):
        yield "tests", path
    for path in sorted((ROOT / "examples" / "claims").glob("*.yaml")):
        yield "claim", path


FILES = list(_files())


@pytest.mark.parametrize("kind,path", FILES, ids=[f"{k}:{p.name}" for k, p in FILES])
def test_bundled_file_validates_and_names_its_schema(policy, kind, path):
    schema = schema_for(kind, policy.schema)
    errors = [e.message for e in jsonschema.Draft7Validator(schema).iter_errors(_load(path))]
    assert not errors
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=") and first.endswith(f"{kind}.schema.json")
    target = (path.parent / first.split("=", 1)[1]).resolve()
    assert target == (POLICY / "schemas" / f"{kind}.schema.json").resolve()


def test_schema_rejects_a_misspelt_key(policy):
    rule = _load(POLICY / "rules" / "hiring-award.yaml")
    rule["applies_too"] = rule.pop("applies_to")
    messages = [e.message for e in jsonschema.Draft7Validator(schema_for("rule", policy.schema)).iter_errors(rule)]
    assert any("applies_too" in m for m in messages)


def test_claim_schema_knows_the_fields_of_the_policy(policy):
    schema = schema_for("claim", policy.schema)
    assert "employer" in schema["properties"]
    assert "contract_months" in schema["definitions"]["hire"]["properties"]
    bad = {"employer": {"hires": [{"contract_months": "twelve"}]}}
    assert list(jsonschema.Draft7Validator(schema).iter_errors(bad))


def test_schema_command_prints_json_with_bilingual_titles():
    out, err = io.StringIO(), io.StringIO()
    assert main(["schema", "rule"], stdout=out, stderr=err) == 0
    printed = json.loads(out.getvalue())
    assert printed["title"] == "规则文件 / rule file"
    assert all(v["properties"]["in_force"]["required"] == ["from"] for v in printed["oneOf"])


# ------------------------------------------------------------------ completion a clerk can read (issue 9, part 7)


def _walk(node):
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


@pytest.mark.parametrize("kind", KINDS)
def test_every_titled_item_carries_a_chinese_description(policy, kind):
    schema = schema_for(kind, policy.schema)
    titled = [n for n in _walk(schema) if isinstance(n.get("title"), str)]
    assert titled
    for node in titled:
        zh = node["title"].split(" / ")[0]
        assert node["description"].startswith(zh), node
        assert node["markdownDescription"].startswith(f"**{zh}**"), node


def test_claim_fields_describe_themselves_in_chinese(policy):
    claim = schema_for("claim", policy.schema)
    months = claim["definitions"]["hire"]["properties"]["contract_months"]
    assert months["description"].startswith("劳动合同期限(固定期限合同)(个月) / ")  # the label, then the unit
    kind = claim["definitions"]["employer"]["properties"]["kind"]
    assert "enterprise = 企业 / enterprise" in kind["description"]
    body = kind["anyOf"][0]
    assert body["enum"][0] == "enterprise" and body["enumDescriptions"][0] == "企业 / enterprise"
    assert len(body["markdownEnumDescriptions"]) == len(body["enum"])
    insured = claim["definitions"]["hire"]["properties"]["social_insurance"]
    assert "写 true(是)或 false(否)" in insured["description"]


def test_dates_name_a_readable_format_not_a_pattern(policy):
    for kind in KINDS:
        text = json.dumps(schema_for(kind, policy.schema), ensure_ascii=False)
        assert "[0-9]{4}" not in text
    claim = schema_for("claim", policy.schema)
    as_of = claim["properties"]["as_of"]
    assert as_of["format"] == "date" and "YYYY-MM-DD,例如 2017-07-31" in as_of["description"]
    hired = claim["definitions"]["hire"]["properties"]["hired_on"]
    assert hired["anyOf"][0] == {"type": "string", "format": "date"} and "例如 2017-07-31" in hired["description"]


def _errors(schema, data):
    return list(jsonschema.Draft7Validator(schema).iter_errors(data))


def test_each_rule_kind_is_offered_only_its_keys(policy):
    schema = schema_for("rule", policy.schema)
    variants = {v["properties"]["kind"]["enum"][0]: set(v["properties"]) for v in schema["oneOf"]}
    assert "criteria" in variants["checklist"] and "pass" in variants["checklist"]
    assert "classes" in variants["classification"]
    assert not {"criteria", "pass", "classes"} & variants["eligibility"]
    assert "criteria" not in variants["classification"] and "classes" not in variants["checklist"]
    checklist = _load(POLICY / "rules" / "demonstration-village.yaml")
    assert not _errors(schema, checklist)
    wrong = dict(checklist, classes=[{"id": "a", "label": {"zh": "a", "en": "a"}, "expr": "true"}])
    assert _errors(schema, wrong)  # classes belong to a classification
    eligibility = _load(POLICY / "rules" / "hiring-award.yaml")
    assert _errors(schema, {**eligibility, "pass": {"min_score": 1}})  # pass belongs to a checklist
    assert _errors(schema, dict(eligibility, amount="1"))  # an items rule totals its items' amounts
