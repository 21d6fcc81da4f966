"""Random JSON-like data as claims for the mini policy: only our own errors escape, and
whenever a claim is accepted every evaluator agrees on it."""

from __future__ import annotations

import datetime as _dt
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subsidy_rules
from subsidy_rules import SubsidyRulesError, coerce_claim, parse_text

from adversarial_helpers import MINI

POLICY = subsidy_rules.load_policy(MINI)
SCHEMA = POLICY.schema
DAY = _dt.date(2018, 6, 1)
FIELDS = sorted({name for entity in SCHEMA.entities.values() for name in entity.fields})
NAMES = sorted(SCHEMA.entities) + FIELDS + ["as_of", "jurisdiction", "id"]

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=0, max_value=40),
    st.integers(min_value=-(2 ** 80), max_value=2 ** 80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["2017-07-31", "2017-02-30", "employed", "unemployed", "利州区", "苍溪县", "12", "true"]),
)
keys = st.one_of(st.sampled_from(NAMES), st.text(max_size=6))
json_like = st.recursive(
    leaves,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=5)),
    max_leaves=25,
)
# claims shaped like the schema, so the random values reach deep into it
hire = st.fixed_dictionaries({}, optional={
    "worker": st.one_of(json_like, st.fixed_dictionaries({}, optional={f: json_like for f in ("name", "age", "rural_registered_poor")})),
    "contract_months": st.one_of(st.integers(0, 40), json_like),
    "social_insurance": st.one_of(st.booleans(), json_like),
    "hired_on": st.one_of(st.dates().map(str), json_like),
})
labourer = st.fixed_dictionaries({}, optional={
    field: st.one_of(st.booleans(), st.integers(0, 80), json_like)
    for field in ("age", "rural_registered_poor", "attended_entrepreneurship_training", "self_employed",
                  "organising_business", "status", "name")
})
shaped = st.fixed_dictionaries({}, optional={
    "as_of": st.one_of(st.dates(min_value=_dt.date(2015, 1, 1), max_value=_dt.date(2021, 1, 1)).map(str), json_like),
    "jurisdiction": st.one_of(st.sampled_from(["利州区", "苍溪县"]), json_like),
    "labourer": st.one_of(labourer, json_like),
    "employer": st.one_of(st.fixed_dictionaries({}, optional={"name": json_like, "hires": st.lists(hire, max_size=5)}),
                          json_like),
})
claims = st.one_of(shaped, json_like)


def _run(data):
    """coerce_claim + every evaluator; returns what they said, or our error."""
    try:
        facts = coerce_claim(data, SCHEMA, POLICY.info.counties)
    except SubsidyRulesError:
        return None
    decisions = POLICY.evaluate(facts, as_of=DAY)
    json.dumps([d.to_dict("en") for d in decisions], default=str)
    for decision in decisions:
        verdict = POLICY.decide(facts, decision.rule_id, as_of=DAY)
        prepared = POLICY.decider(decision.rule_id, DAY, facts.get("jurisdiction"))(facts)
        checked = POLICY.decider(decision.rule_id, DAY, facts.get("jurisdiction"), checked_facts=True)(facts)
        assert verdict == prepared == checked == (decision.outcome, decision.amount), (decision.rule_id, data)
    return decisions


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=claims)
def test_random_claims_raise_only_our_errors(data):
    try:
        _run(data)
    except SubsidyRulesError:
        pass


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=claims)
def test_random_claims_straight_to_the_api(data):
    """No coerce_claim: evaluate, decide and decider on the raw data."""
    for call in (lambda: POLICY.evaluate(data, as_of=DAY),
                 lambda: POLICY.decide(data, "w1", as_of=DAY),
                 lambda: POLICY.decide(data, "award", as_of=DAY),
                 lambda: POLICY.decider("w2", DAY)(data),
                 lambda: POLICY.explainer("award", DAY)(data).to_dict("en")):
        try:
            call()
        except SubsidyRulesError:
            pass


def _as_text(data) -> str:
    """JSON text of the data; NaN/Infinity stay in (the parser must refuse them)."""
    return json.dumps(data, ensure_ascii=False, allow_nan=True, default=str)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=claims, cut=st.integers(min_value=0, max_value=400), junk=st.sampled_from(["", "{", "]", ",", "&a", "*a", "\x00", "\t", "1e999999999"]))
def test_random_claim_text(data, cut, junk):
    text = _as_text(data)
    text = text[:cut] + junk + text[cut:]
    try:
        _run(parse_text(text))
    except SubsidyRulesError:
        pass
