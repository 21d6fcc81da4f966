"""The bundled policy: it checks clean, its own test cases pass, and every
example claim explains with the outcome its file name says."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.cli import main
from subsidy_rules.testing import load_cases, run_case

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policy"
EXAMPLES = ROOT / "examples" / "claims"


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy(POLICY)


def test_bundled_policy_checks_clean():
    policy, diagnostics = subsidy_rules.check_policy(POLICY)
    errors = [d.format("en") for d in diagnostics if d.severity == "error"]
    assert policy is not None, "\n".join(errors)
    assert not errors


def test_default_policy_is_the_bundled_one(policy):
    assert subsidy_rules.load_policy().digest == policy.digest


EXPECTED_RULES = {
    "pre-job-training-subsidy", "entrepreneurship-training-subsidy", "job-placement-service-subsidy",
    "startup-loan-interest-subsidy", "hiring-award", "employment-base", "public-welfare-post-subsidy",
    "poor-village-startup-subsidy", "returnee-enterprise-hiring-subsidy", "demonstration-village",
    "county-demonstration-quota", "five-lists",
}


def test_every_rule_of_the_letter_is_there(policy):
    assert EXPECTED_RULES <= set(policy.rule_ids)


def test_village_rule_has_fifteen_criteria_with_two_vetoes(policy):
    rule = next(r for r in policy.rules if r.id == "demonstration-village")
    assert len(rule.criteria) == 15
    assert sum(c.points for c in rule.criteria) == 100
    assert sum(1 for c in rule.criteria if c.veto) == 2


_cases, _diagnostics = load_cases(POLICY)


def test_policy_test_files_load_clean():
    assert not [d.format("en") for d in _diagnostics]


def test_there_are_at_least_a_hundred_policy_cases():
    assert len(_cases) >= 100


@pytest.mark.parametrize("case", _cases, ids=[f"{c.rule}:{c.name}" for c in _cases])
def test_policy_case(policy, case):
    result = run_case(policy, case)
    assert result.passed, "\n".join(result.problems)


_examples = sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("*.json")) if EXAMPLES.is_dir() else []
_EXIT = {"eligible": 0, "ineligible": 1, "undetermined": 3}


def _expected(path: Path):
    match = re.search(r"(eligible|ineligible|undetermined)", path.stem)
    if match is None:
        return None
    word = match.group(1)
    if "ineligible" in path.stem:
        word = "ineligible"
    return word


def _rule_of(path: Path, policy) -> str:
    return max((r for r in policy.rule_ids if path.stem.startswith(r)), key=len, default="")


@pytest.mark.parametrize("path", _examples, ids=[p.name for p in _examples])
def test_example_claim_explains_as_named(policy, path):
    expected = _expected(path)
    rule = _rule_of(path, policy)
    if expected is None or not rule:
        pytest.skip("file name names no rule and outcome")
    out, err = io.StringIO(), io.StringIO()
    code = main(["explain", str(path), "--rule", rule], stdout=out, stderr=err)
    assert "Traceback" not in err.getvalue()
    assert code == _EXIT[expected], out.getvalue() + err.getvalue()


@pytest.mark.parametrize("path", _examples, ids=[p.name for p in _examples])
def test_decide_agrees_with_evaluate_on_every_rule(policy, path):
    """Regression: checklist rules once decided on their (empty) condition tree alone."""
    claim = subsidy_rules.read_claim(path, policy.schema, policy.info.counties)
    for decision in policy.evaluate(claim):
        for checked in (False, True):
            verdict = policy.decide(claim, decision.rule_id, checked_facts=checked)
            assert (verdict.outcome, verdict.amount) == (decision.outcome, decision.amount), decision.rule_id
