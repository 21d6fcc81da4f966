"""The bundled policy: it checks clean, its own test cases pass, and every
example claim explains with the outcome its file name says."""

from __future__ import annotations

import datetime as dt
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


# ------------------------------------------------------------------ fidelity to the letter

from subsidy_rules import model as m  # noqa: E402
from subsidy_rules.explain import decision_to_dict, render_text  # noqa: E402
from subsidy_rules.load import load_model  # noqa: E402
from subsidy_rules.testing import Case  # noqa: E402

_model, _ = load_model(POLICY)


def _leaves(rule: m.Rule):
    yield from m.leaves(rule.conditions)
    if rule.items is not None:
        yield from m.leaves(rule.items.conditions)


@pytest.mark.parametrize("rule", _model.rules, ids=[r.id for r in _model.rules])
def test_every_condition_and_class_quotes_the_letter(rule):
    """Each leaf condition and list names the words of the letter it encodes."""
    for leaf in _leaves(rule):
        assert leaf.source is not None and leaf.source.quote, f"{rule.id}: {leaf.id} has no quote"
    for klass in rule.classes:
        assert klass.source is not None and klass.source.quote, f"{rule.id}: class {klass.id} has no quote"
    # drafted criteria are covered by the rule's quote (the letter does not list the 15)
    for criterion in rule.criteria:
        assert criterion.source is not None and "草拟" in criterion.source.document
    assert rule.source.quote


def test_no_rule_keeps_a_condition_the_letter_does_not_state():
    """The conditions the letter does not state, found in the clause-by-clause audit, stay out."""
    fields = {f for e in _model.schema.entities.values() for f in e.fields}
    assert not fields & {"business_registered", "developed_by_government"}
    assert "employment_base_window_months" not in _model.parameters
    base = next(r for r in _model.rules if r.id == "employment-base")
    assert all("as_of" not in leaf.expr.text for leaf in _leaves(base))


def test_parameter_kinds_follow_the_words_of_the_letter():
    for name, param in _model.parameters.items():
        quote = param.source.quote if param.source else ""
        if "不低于" in quote:
            assert param.kind == "floor", name
        if "不超过" in quote:
            assert param.kind == "cap", name
    assert _model.parameters["hiring_award_per_worker"].kind == "fixed"
    assert _model.parameters["min_contract_months"].kind == "threshold"
    share = _model.parameters["loan_interest_subsidy_share"]
    assert share.kind == "cap" and share.interpretation is not None and "1.00" in share.interpretation.zh


def test_bundled_policy_has_no_county_override_without_a_source():
    for county, table in _model.overrides.items():
        for name, history in table.items():
            assert all(entry.source is not None for entry in history), (county, name)


def test_unconfirmed_in_force_date_is_flagged_in_every_decision(policy):
    claim = subsidy_rules.read_claim(EXAMPLES / "hiring-award-eligible.yaml", policy.schema, policy.info.counties)
    decision = policy.evaluate(claim, "hiring-award")[0]
    assert decision.rule.in_force.confirmed is False
    assert "生效日期待核实" in render_text([decision], "zh")
    assert "in-force date to be confirmed" in render_text([decision], "en")
    assert decision_to_dict(decision, "zh")["in_force_confirmed"] is False


def test_open_ended_contract_needs_no_months(policy):
    claim = {"employer": {"kind": "enterprise", "hires": [
        {"worker": {"name": "甲", "poor_household": True}, "open_ended_contract": True, "social_insurance": True}]}}
    decision = policy.evaluate(claim, "hiring-award", as_of=dt.date(2017, 7, 31))[0]
    assert decision.outcome.value == "eligible" and decision.amount == 1000


def test_a_labourer_outside_the_database_is_neither_listed_nor_incomplete(policy):
    outside = {"name": "甲", "rural_registered_poor": False}  # every 清 item missing, but not in the database
    inside = {"name": "乙", "rural_registered_poor": True}     # in the database, items missing
    unknown = {"name": "丙"}                                     # status not given: cannot be left out
    records = [{"labourer": r} for r in (outside, inside, unknown)]
    results = list(policy.sort_into_lists(records, as_of=dt.date(2017, 7, 31)))
    assert all(r.error is None for r in results)
    assert (results[0].lists, results[0].incomplete) == ((), ())
    assert [e.list_id for e in results[1].lists] == ["basic-information"] and results[1].incomplete
    assert results[2].incomplete


def test_alternative_readings_are_kept_and_must_differ(policy):
    alternatives = [c for c in _cases if c.reading == "alternative"]
    assert {c.rule for c in alternatives} >= {"employment-base", "public-welfare-post-subsidy",
                                              "poor-village-startup-subsidy", "pre-job-training-subsidy",
                                              "startup-loan-interest-subsidy"}
    case = alternatives[0]
    same = Case(case.name, case.rule, case.claim, case.expect, case.as_of, case.span, "alternative",
                {k: case.expect[k] for k in ("outcome", "amount") if k in case.expect})
    result = run_case(policy, same)
    assert not result.passed and "alternative" in result.problems[0]
