"""The generated Python against the IR's reference evaluator, on real claims.

Every example claim and every record of a small synthetic city, every rule that
applies: the fast decide paths give the reference's verdict, the explaining path
hands the engine exactly the reference's record, and on a claim that gives every
fact the rule reads, neither fast path falls back to the reference.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.claims import coerce_claim, read_claim
from subsidy_rules.compile import fallbacks
from subsidy_rules.ir.reference import evaluate as reference

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "claims").glob("*.yaml"))
CITY_FILES = ("labourers.jsonl", "employers.jsonl", "agencies.jsonl", "loans.jsonl", "posts.jsonl",
              "villages.jsonl", "counties.jsonl")


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


@pytest.fixture(scope="module")
def city_claims(tmp_path_factory, policy):
    spec = importlib.util.spec_from_file_location("guangyuan_city", ROOT / "examples" / "guangyuan-2017" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("city")
    module.generate(out, scale=0.01, seed=2017, quiet=True)
    claims = []
    for name in CITY_FILES:
        for line in (out / name).read_text(encoding="utf-8").splitlines():
            claims.append(coerce_claim(json.loads(line), policy.schema, policy.info.counties))
    return claims


def _check(policy, claim, counts):
    day = claim.get("as_of")
    for rule_id in policy.rule_ids:
        compiled = policy.compiled(rule_id, day)
        if compiled.rule.applies_to not in claim:
            continue
        bound = policy.bound_rule(rule_id, day, claim.get("jurisdiction"))
        absent: list = []
        expected = reference(bound, claim, policy.schema, policy._ref_resolver(day, claim.get("jurisdiction")), absent)
        decide, explain, decide_checked, _ = policy._bind(compiled, day, claim.get("jurisdiction"))
        fallbacks.reset()
        assert decide(claim) == expected.verdict, rule_id
        assert decide_checked(claim) == expected.verdict, rule_id
        assert explain(claim) == expected, rule_id
        if not absent:  # the claim gives every fact the rule reads
            counts["complete"] += 1
            assert fallbacks.total() == 0, (rule_id, fallbacks.counts())
        else:
            counts["incomplete"] += 1


def test_every_example_claim_agrees_with_the_reference(policy):
    counts = {"complete": 0, "incomplete": 0}
    for path in EXAMPLES:
        _check(policy, read_claim(path, policy.schema, policy.info.counties), counts)
    assert counts["complete"] >= 15 and counts["incomplete"] >= 5, counts


def test_every_city_record_agrees_with_the_reference(policy, city_claims):
    counts = {"complete": 0, "incomplete": 0}
    for claim in city_claims:
        _check(policy, claim, counts)
    assert counts["complete"] >= 300, counts


def test_a_missing_fact_is_counted_as_a_fall_back(policy):
    claim = read_claim(ROOT / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    del claim["employer"]["hires"][0]["contract_months"]
    fallbacks.reset()
    policy.decide(claim, "hiring-award")
    assert fallbacks.counts() == {("hiring-award", "decide"): 1}


def test_json_from_the_record_is_the_json_of_the_reasons(policy, city_claims):
    """decision_to_dict builds trees straight from the evaluator's record; it must say exactly
    what reason_to_dict and item_to_dict say of the Decision's reasons and items."""
    from subsidy_rules.explain import decision_to_dict, item_to_dict, reason_to_dict

    claims = [read_claim(path, policy.schema, policy.info.counties) for path in EXAMPLES] + city_claims[::7]
    seen = 0
    for claim in claims:
        for decision in policy.evaluate(claim):
            for lang in ("zh", "en"):
                data = decision_to_dict(decision, lang)
                assert data["reasons"] == [reason_to_dict(r, lang) for r in decision.reasons]
                assert data["items"] == [item_to_dict(i, lang) for i in decision.items]
                reason = decision.amount_reason
                assert data["amount_explanation"] == (reason_to_dict(reason, lang) if reason else None)
                assert data["notes"] == [n.get(lang) for n in decision.notes]
                assert data["designation"] == ({"id": decision.designation.id,
                                                "label": decision.designation.label.get(lang)}
                                               if decision.designation else None)
            seen += 1
    assert seen > 200


def test_generated_json_writer_says_what_the_reference_says(policy, city_claims):
    """The JSON writer generated per rule version writes, byte for byte (keys in order), what
    reference_decision_to_dict builds from the Decision's Reason and ItemDecision objects: on every
    example claim and part of a synthetic city, in both languages, on the claim's date and on dates
    where the rule is not (yet, or no longer) in force."""
    import datetime as dt

    from subsidy_rules.decision_json import decision_to_dict, reference_decision_to_dict

    def dump(data):
        return json.dumps(data, ensure_ascii=False)

    claims = [read_claim(path, policy.schema, policy.info.counties) for path in EXAMPLES] + city_claims[::5]
    seen = set()
    for claim in claims:
        for as_of in (None, dt.date(2010, 1, 1), dt.date(2031, 1, 1)):
            for decision in policy.evaluate(claim, as_of=as_of):
                for lang in ("zh", "en"):
                    expected = dump(reference_decision_to_dict(decision, lang))
                    assert dump(decision.to_dict(lang)) == expected, (decision.rule_id, lang, as_of)
                    assert dump(decision_to_dict(decision, lang)) == expected
                seen.add((decision.rule_id, decision.outcome))
    assert len({rule for rule, _ in seen}) == len(policy.rule_ids)
    assert {outcome for _, outcome in seen} == set(subsidy_rules.Outcome)
