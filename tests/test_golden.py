"""Golden files: rendered explanations and diagnostics, whole, for the mini policy.

A change in wording or layout shows up as a diff against tests/golden/. After an
intended change, regenerate with:  SUBSIDY_RULES_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py
"""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.cli import main
from subsidy_rules.explain import render_markdown, render_text, to_json

HERE = Path(__file__).resolve().parent
MINI = HERE / "fixtures" / "mini"
GOLDEN = HERE / "golden"
UPDATE = os.environ.get("SUBSIDY_RULES_UPDATE_GOLDEN") == "1"
DAY = dt.date(2017, 7, 31)

EMPLOYER = {
    "jurisdiction": "苍溪县",
    "employer": {"name": "苍溪县红心猕猴桃专业合作社", "hires": [
        {"worker": {"name": f"工人{i}", "rural_registered_poor": i % 4 != 0}, "contract_months": 12 if i % 5 else 8,
         "social_insurance": True} for i in range(12)]},
}
LABOURER = {"labourer": {"name": "王小红", "age": 15, "rural_registered_poor": True,
                         "attended_entrepreneurship_training": True, "self_employed": False}}


def _check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs; see the module docstring to update"


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy(MINI)


def _stable(text: str, policy) -> str:
    return text.replace(policy.digest, "<digest>").replace(policy.digest[:12], "<digest>")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("full", [False, True], ids=["short", "full"])
def test_employer_explanation(policy, lang, full):
    decisions = policy.evaluate(EMPLOYER, as_of=DAY)
    _check(f"employer.{lang}.{'full' if full else 'short'}.txt", _stable(render_text(decisions, lang, full), policy))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_labourer_explanation_and_json(policy, lang):
    decisions = policy.evaluate(LABOURER, as_of=DAY)
    _check(f"labourer.{lang}.txt", _stable(render_text(decisions, lang), policy))
    _check(f"labourer.{lang}.json", _stable(to_json(decisions, lang), policy) + "\n")
    _check(f"labourer.{lang}.md", _stable(render_markdown(decisions, lang), policy))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_diagnostics_of_a_broken_policy(tmp_path, lang):
    broken = tmp_path / "broken"
    shutil.copytree(MINI, broken)
    rule = broken / "rules" / "w1.yaml"
    text = rule.read_text(encoding="utf-8")
    text = text.replace("expr: labourer.age >= 16", "expr: labourer.aeg >= 16")
    text = text.replace("applies_to: labourer", "applies_to: labourer\nlable: {zh: x, en: x}")
    text = text.replace("expr: labourer.self_employed", "expr: labourer.self_employed >= 1")
    rule.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(broken), "--lang", lang], stdout=out, stderr=err) == 2
    _check(f"diagnostics.{lang}.txt", err.getvalue().replace(str(broken), "<policy>"))
