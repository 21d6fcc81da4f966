"""Lowering to the rule IR and the reference evaluator's meaning of whole rules."""

from __future__ import annotations

import datetime as dt

import pytest

import subsidy_rules
from subsidy_rules.expr import ast
from subsidy_rules.ir import nodes as ir
from subsidy_rules.ir.lower import with_implications
from subsidy_rules.expr.types import Scope

from conftest import write

AS_OF = dt.date(2017, 7, 31)


@pytest.fixture(scope="module")
def bundled():
    return subsidy_rules.load_policy()


def test_nodes_are_in_pre_order_with_their_observed_values(bundled):
    rule = bundled.compiled("startup-loan-interest-subsidy", AS_OF).ir
    tree = rule.conditions
    assert [n.index for n in tree.nodes] == list(range(len(tree.nodes)))
    assert isinstance(tree.root, ir.Group) and tree.nodes[0] is tree.root
    ids = [n.id for n in tree.nodes]
    assert ids.index("eligible-borrower") < ids.index("rural-registered-poor") < ids.index("starting-business")
    cap = next(leaf for leaf in tree.leaves if leaf.id == "household-cap-left")
    assert [(o.kind, o.key) for o in cap.region.observed] == [
        ("fact", "loan.borrower_household.other_subsidised_loan_principal"), ("param", "loan_interest_principal_cap")]
    assert tree.width == sum(len(leaf.region.observed) for leaf in tree.leaves)


def test_binding_takes_the_county_override(bundled):
    for county in bundled.info.counties:
        bound = bundled.bound_rule("job-placement-service-subsidy", AS_OF, county)
        assert set(bound.parameters) == set(bound.ir.params)
        assert all(isinstance(p, ir.BoundParameter) for p in bound.parameters.values())


def test_an_implied_fact_is_read_with_what_implies_it(bundled):
    tree = ast.Path(("worker", "poor_household"))
    rewritten = with_implications(tree, Scope(bundled.schema).enter("hire"))
    implied = ast.If(ast.Path(("worker", "rural_registered_poor")), ast.BoolLit(True), tree)
    assert rewritten == ast.If(ast.Call("known", (tree,)), tree, implied)
    assert with_implications(ast.Call("known", (tree,)), Scope(bundled.schema).enter("hire")) == ast.Call("known", (tree,))


@pytest.mark.parametrize("worker, outcome", [
    ({"rural_registered_poor": True}, "eligible"),                       # implied: no need to repeat it
    ({"poor_household": True}, "eligible"),
    ({"rural_registered_poor": False, "poor_household": True}, "eligible"),
    ({"rural_registered_poor": False}, "undetermined"),                  # not registered: may still be poor
    ({"rural_registered_poor": False, "poor_household": False}, "ineligible"),
    ({"poor_household": False}, "ineligible"),                           # said not poor: settled
])
def test_implied_facts_decide_the_hiring_award(bundled, worker, outcome):
    claim = {"as_of": "2017-07-31", "employer": {"kind": "enterprise", "hires": [
        {"worker": {"name": "甲", **worker}, "contract_months": 12, "social_insurance": True}]}}
    decision = bundled.explain(claim, "hiring-award")
    assert decision.outcome.value == outcome
    assert bundled.decide(claim, "hiring-award").outcome.value == outcome
    if outcome == "undetermined":
        assert decision.missing == ("employer.hires[0].worker.poor_household",)


def test_implied_by_must_name_a_yes_no_field_of_the_same_record(mini_dir):
    schema = (mini_dir / "schema.yaml").read_text(encoding="utf-8")
    schema = schema.replace("self_employed: {type: bool", "self_employed: {type: bool, implied_by: [age]", 1)
    write(mini_dir / "schema.yaml", schema)
    policy, diagnostics = subsidy_rules.check_policy(mini_dir)
    assert policy is None
    assert [d.code for d in diagnostics if d.severity == "error"] == ["E070"]


def test_no_standard_in_the_source_means_no_amount_never_zero(bundled):
    from subsidy_rules.claims import read_claim
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "claims" / "returnee-enterprise-hiring-subsidy-eligible.yaml"
    claim = read_claim(path, bundled.schema)
    decision = bundled.explain(claim, "returnee-enterprise-hiring-subsidy")
    assert decision.outcome.value == "eligible"
    assert decision.amount is None and decision.amount_status == "no_standard"
    assert bundled.decide(claim, "returnee-enterprise-hiring-subsidy") == (decision.outcome, None)
    data = decision.to_dict("zh")
    assert data["amount"] is None and data["amount_status"] == "no_standard"
    assert all(item["amount"] is None for item in data["items"])


def test_a_floor_is_paid_and_said(bundled):
    from subsidy_rules.claims import read_claim
    from subsidy_rules.explain import render_text
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "claims" / "employment-base-eligible.yaml"
    decision = bundled.explain(read_claim(path, bundled.schema), "employment-base")
    assert decision.amount_standard == "floor" and decision.amount == 50000
    assert "金额按来函规定的最低标准(不低于)支付" in render_text([decision], "zh")
