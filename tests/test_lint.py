"""Checks beyond syntax: never-true and always-true conditions, contradictions, duplicate rules."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import subsidy_rules
from subsidy_rules.cli import main

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def _policy(tmp_path: Path, replace: dict, extra_rule: str = "") -> Path:
    target = tmp_path / "p"
    shutil.copytree(MINI, target)
    rule = target / "rules" / "w1.yaml"
    text = rule.read_text(encoding="utf-8")
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    rule.write_text(text, encoding="utf-8")
    if extra_rule:
        (target / "rules" / "copy.yaml").write_text(extra_rule, encoding="utf-8")
    return target


def _warnings(path: Path):
    policy, diagnostics = subsidy_rules.check_policy(path)
    assert policy is not None  # warnings do not stop a policy from loading
    return [d for d in diagnostics if d.severity == "warning"]


def test_condition_that_can_never_be_true(tmp_path):
    found = _warnings(_policy(tmp_path, {"expr: labourer.age >= 16": "expr: labourer.age >= 60 and labourer.age < 16"}))
    (warning,) = [w for w in found if w.code == "W002"]
    assert warning.args["id"] == "working-age"
    assert (warning.span.line, warning.span.column) == (24, 11)


def test_conditions_that_contradict_each_other(tmp_path):
    path = _policy(tmp_path, {"    expr: labourer.age >= 16\n": "    expr: labourer.age >= 16\n  - id: child\n"
                              "    label: {zh: 儿童, en: child}\n    expr: labourer.age < 10\n"})
    (warning,) = [w for w in _warnings(path) if w.code == "W004"]
    assert {warning.args["id"], warning.args["other"]} == {"working-age", "child"}


def test_fact_and_its_negation(tmp_path):
    path = _policy(tmp_path, {"expr: labourer.organising_business": "expr: labourer.organising_business and not labourer.organising_business"})
    assert [w.args["id"] for w in _warnings(path) if w.code == "W002"] == ["organising"]


def test_condition_always_true(tmp_path):
    path = _policy(tmp_path, {"expr: labourer.age >= 16": "expr: labourer.age >= 16 or not labourer.self_employed or labourer.self_employed"})
    assert [w.args["id"] for w in _warnings(path) if w.code == "W003"] == ["working-age"]  # p or not p, whatever else
    path2 = _policy(tmp_path / "b", {"expr: labourer.self_employed": "expr: labourer.self_employed or not labourer.self_employed"})
    assert [w.args["id"] for w in _warnings(path2) if w.code == "W003"] == ["self-employed"]


def test_rule_identical_to_another(tmp_path):
    copy = (MINI / "rules" / "w2.yaml").read_text(encoding="utf-8").replace("id: w2", "id: w2-copy")
    path = _policy(tmp_path, {}, copy)
    (warning,) = [w for w in _warnings(path) if w.code == "W005"]
    assert {warning.args["id"], warning.args["other"]} == {"w2-copy", "w2"}


def test_sound_policy_has_no_such_warnings():
    assert not _warnings(MINI)


def test_strict_check_fails_on_warnings(tmp_path):
    path = _policy(tmp_path, {"expr: labourer.age >= 16": "expr: labourer.age > 16 and labourer.age < 16"})
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(path)], stdout=out, stderr=err) == 0
    assert "W002" in out.getvalue()
    assert main(["check", str(path), "--strict"], stdout=io.StringIO(), stderr=io.StringIO()) == 2
