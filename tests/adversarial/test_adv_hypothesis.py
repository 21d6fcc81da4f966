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
# claims shaped like the schema, mostly well typed, so the random values reach deep into it
# and many claims are accepted (then every evaluator must agree on them)


def _mostly(valid, odds: int = 6):
    """The valid strategy, and one time in ``odds`` anything JSON-like."""
    return st.integers(0, odds - 1).flatmap(lambda roll: json_like if roll == odds - 1 else valid)


def _valid(field, depth: int):
    kind = field.type
    if kind == "bool":
        return st.booleans()
    if kind == "integer":
        return st.one_of(st.integers(0, 40), st.integers(-(10 ** 15) + 1, 10 ** 15 - 1))
    if kind in ("decimal", "money"):
        return st.decimals(min_value=-(10 ** 9), max_value=10 ** 9, places=2, allow_nan=False).map(str)
    if kind == "date":
        return st.dates(min_value=_dt.date(2010, 1, 1), max_value=_dt.date(2025, 1, 1)).map(str)
    if kind == "enum":
        return st.sampled_from(list(field.values))
    if kind == "list":
        return st.lists(_record(field.of, depth + 1), max_size=4)
    if kind == "record":
        return _record(field.of, depth + 1)
    return st.text(max_size=6)


def _record(entity: str, depth: int = 0):
    fields = SCHEMA.entities[entity].fields
    if depth > 2:
        return st.just({})
    return st.fixed_dictionaries({}, optional={
        name: _mostly(_valid(field, depth))
        for name, field in fields.items()
    })


shaped = st.fixed_dictionaries({}, optional={
    "as_of": _mostly(st.dates(min_value=_dt.date(2015, 1, 1), max_value=_dt.date(2021, 1, 1)).map(str)),
    "jurisdiction": _mostly(st.sampled_from(["利州区", "苍溪县"])),
    "labourer": _mostly(_record("labourer")),
    "employer": _mostly(_record("employer")),
})
claims = _mostly(shaped, 4)


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
