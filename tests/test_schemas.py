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
    assert printed["properties"]["in_force"]["required"] == ["from"]
