"""Claims handed straight to the Python API (Policy.evaluate / decide / decider / explainer),
without coerce_claim: a wrong type is a ClaimError with the JSON path of the value,
never a TypeError, AttributeError or any other foreign exception."""

from __future__ import annotations

import collections.abc
import datetime as _dt
import json
from decimal import Decimal

import pytest

import subsidy_rules
from subsidy_rules import ClaimError

from adversarial_helpers import MINI, bounded

POLICY = subsidy_rules.load_policy(MINI)
DAY = _dt.date(2018, 6, 1)
LABOURER = {"rural_registered_poor": True, "attended_entrepreneurship_training": True, "self_employed": True, "age": 30}
HIRE = {"worker": {"name": "王", "rural_registered_poor": True}, "contract_months": 12, "social_insurance": True}


def _labourer(**changes):
    return {"labourer": dict(LABOURER, **changes)}


def _hires(*items):
    return {"employer": {"name": "x", "hires": list(items)}}


def _all_paths(claim):
    """Every public way to run a raw claim; each must raise the same ClaimError."""
    rules = ("w1",) if isinstance(claim, dict) and "labourer" in claim else ("award", "w2")
    found = []
    for how in ("evaluate", "decide", "decider", "explainer"):
        try:
            for rule in rules:
                if how == "evaluate":
                    decisions = POLICY.evaluate(claim, as_of=DAY)
                    json.dumps([d.to_dict("en") for d in decisions], default=str)
                elif how == "decide":
                    POLICY.decide(claim, rule, as_of=DAY)
                elif how == "decider":
                    POLICY.decider(rule, DAY)(claim)
                else:
                    POLICY.explainer(rule, DAY)(claim).to_dict("en")
            found.append((how, None, None))
        except ClaimError as exc:
            found.append((how, exc.code, exc.path))
    return found


class _Mapping(collections.abc.Mapping):
    """A read-only mapping that is not a dict: accepted wherever a dict is."""

    def __init__(self, data):
        self._data = data

    def __getitem__(self, key):
        return self._data[key]

    def __iter__(self):
        return iter(self._data)

    def __len__(self):
        return len(self._data)


@pytest.mark.parametrize("claim, code, path", [
    (_labourer(age="30"), "C001", "labourer.age"),
    (_labourer(age=30.0), "C001", "labourer.age"),
    (_labourer(age=True), "C001", "labourer.age"),
    (_labourer(age=[30]), "C001", "labourer.age"),
    (_labourer(age=Decimal("NaN")), "C001", "labourer.age"),
    (_labourer(age=Decimal("sNaN")), "C001", "labourer.age"),
    (_labourer(age=float("inf")), "C001", "labourer.age"),
    (_labourer(age=b"30"), "C001", "labourer.age"),
    (_labourer(age=object()), "C001", "labourer.age"),
    (_labourer(rural_registered_poor=1), "C001", "labourer.rural_registered_poor"),
    (_labourer(rural_registered_poor="yes"), "C001", "labourer.rural_registered_poor"),
    ({"labourer": [1, 2]}, "C001", "labourer"),
    ({"labourer": "bob"}, "C001", "labourer"),
    ({"labourer": 5}, "C001", "labourer"),
    ({"labourer": {1, 2}}, "C001", "labourer"),
    (_hires(HIRE, HIRE, HIRE, dict(HIRE, contract_months="12")), "C001", "employer.hires[3].contract_months"),
    (_hires(HIRE, HIRE, HIRE, dict(HIRE, contract_months=12.0)), "C001", "employer.hires[3].contract_months"),
    (_hires(HIRE, dict(HIRE, worker=[])), "C001", "employer.hires[1].worker"),
    (_hires(HIRE, dict(HIRE, worker="bob")), "C001", "employer.hires[1].worker"),
    (_hires(HIRE, dict(HIRE, worker=dict(HIRE["worker"], rural_registered_poor="no"))),
     "C001", "employer.hires[1].worker.rural_registered_poor"),
    (_hires(HIRE, 7), "C001", "employer.hires[1]"),
    (_hires(HIRE, None), "C001", "employer.hires[1]"),
    ({"employer": {"hires": {"0": HIRE}}}, "C001", "employer.hires"),
    ({"employer": {"hires": "abc"}}, "C001", "employer.hires"),
    ({"employer": {"hires": (h for h in [HIRE])}}, "C001", "employer.hires"),
    ({"employer": "acme"}, "C001", "employer"),
], ids=lambda value: value if isinstance(value, str) and "." in value else None)
def test_wrong_types_are_claim_errors_with_their_path(claim, code, path):
    found = bounded(_all_paths, claim)
    assert found == [(how, code, path) for how in ("evaluate", "decide", "decider", "explainer")]


@pytest.mark.parametrize("claim", [[1, 2], None, "labourer", 42, b"{}", {"labourer"}],
                         ids=["list", "None", "str", "int", "bytes", "set"])
def test_a_claim_that_is_not_a_mapping(claim):
    found = bounded(_all_paths, claim)
    assert found == [(how, "C001", "$") for how in ("evaluate", "decide", "decider", "explainer")]


def test_two_million_items_through_the_api_are_refused_at_once():
    claim = _hires(*([HIRE] * 2_000_000))
    found = bounded(_all_paths, claim, seconds=5)
    assert found == [(how, "C010", "employer.hires") for how in ("evaluate", "decide", "decider", "explainer")]


def test_a_million_items_are_decided_in_bounded_time():
    claim = _hires(*([HIRE] * 1_000_000))
    verdict = bounded(lambda: POLICY.decider("award", DAY)(claim), seconds=10)
    assert verdict.outcome.value == "eligible"


@pytest.mark.parametrize("claim, code, path", [
    ({"as_of": "2017-02-30", "labourer": LABOURER}, "C001", "as_of"),
    ({"as_of": 20170101, "labourer": LABOURER}, "C001", "as_of"),
    ({"as_of": [2017], "labourer": LABOURER}, "C001", "as_of"),
    ({"jurisdiction": "利州", "labourer": LABOURER}, "C012", "jurisdiction"),
    ({"jurisdiction": ["利州区"], "labourer": LABOURER}, "C001", "jurisdiction"),  # a county is text
    ({"jurisdiction": {"a": 1}, "labourer": LABOURER}, "C001", "jurisdiction"),
    ({"labourr": LABOURER}, "C003", "labourr"),
    ({1: LABOURER}, "C003", "1"),
    ({("labourer",): LABOURER}, "C003", "('labourer',)"),
], ids=["bad-date", "int-date", "list-date", "county", "county-list", "county-dict", "entity", "int-key", "tuple-key"])
def test_claim_level_keys(claim, code, path):
    def run():
        found = []
        for call in (lambda: POLICY.evaluate(claim), lambda: POLICY.decide(claim, "w1")):
            with pytest.raises(ClaimError) as caught:
                call()
            found.append((caught.value.code, caught.value.path))
        return found

    assert bounded(run) == [(code, path)] * 2


@pytest.mark.parametrize("jurisdiction", ["苍溪", "nowhere", ""])
def test_prepared_functions_refuse_an_unknown_county(jurisdiction):
    def run():
        found = []
        for prepare in (POLICY.decider, POLICY.explainer):
            with pytest.raises(ClaimError) as caught:
                prepare("award", DAY, jurisdiction)
            found.append((caught.value.code, caught.value.path))
        return found

    assert bounded(run) == [("C012", "jurisdiction")] * 2


def test_unknown_rule_names():
    def run():
        found = []
        for call in (lambda: POLICY.decider("__class__"), lambda: POLICY.explainer("../w1"),
                     lambda: POLICY.evaluate(_labourer(), rule="w"), lambda: POLICY.decide(_labourer(), "W1")):
            with pytest.raises(ClaimError) as caught:
                call()
            found.append(caught.value.code)
        return found

    assert bounded(run) == ["C008"] * 4


def test_mappings_that_are_not_dicts_are_accepted():
    claim = _Mapping({"labourer": _Mapping(dict(LABOURER))})
    outcomes = bounded(lambda: [POLICY.evaluate(claim, as_of=DAY)[0].outcome.value,
                                POLICY.decide(claim, "w1", as_of=DAY).outcome.value,
                                POLICY.decider("w1", DAY)(claim).outcome.value])
    assert outcomes == ["eligible"] * 3


def test_integers_past_the_claim_limit_through_the_api():
    """|n| >= 10**15 is C005 whichever door the claim comes through: coerce_claim, evaluate, decide."""
    claim = _labourer(age=10 ** 20)
    for call in (lambda: POLICY.evaluate(claim, as_of=DAY),
                 lambda: subsidy_rules.coerce_claim(claim, POLICY.schema)):
        with pytest.raises(ClaimError) as caught:
            bounded(call)
        assert (caught.value.code, caught.value.path) == ("C005", "labourer.age")


def test_enormous_integers_through_the_api_are_claim_errors():
    claim = _labourer(age=10 ** 5000)

    def run():
        from subsidy_rules.explain import render_markdown, render_text, to_json

        decisions = POLICY.evaluate(claim, as_of=DAY)
        render_text(decisions, "en"), render_markdown(decisions, "en"), to_json(decisions, "en")

    with pytest.raises(ClaimError) as caught:
        bounded(run)
    assert (caught.value.code, caught.value.path) == ("C005", "labourer.age")


def _deep(levels: int):
    value: object = []
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize("claim, code, path", [
    ({"as_of": _deep(5000), "labourer": LABOURER}, "C001", "as_of"),
    ({"jurisdiction": _deep(5000), "labourer": LABOURER}, "C001", "jurisdiction"),  # a county is text
    ({"labourer": _deep(5000)}, "C001", "labourer"),
    ({"labourer": [[{"a": list(range(1000))}] * 1000] * 1000}, "C001", "labourer"),
    (_hires(HIRE, dict(HIRE, contract_months=_deep(5000))), "C001", "employer.hires[1].contract_months"),
], ids=["deep-date", "deep-county", "deep-record", "huge-shared-record", "deep-number"])
def test_values_too_deep_or_too_big_to_print(claim, code, path):
    """Naming a bad value must not print all of it (a RecursionError, or minutes of repr)."""
    def run():
        found = []
        for call in (lambda: subsidy_rules.coerce_claim(claim, POLICY.schema, POLICY.info.counties),
                     lambda: POLICY.evaluate(claim, as_of=None if "as_of" in claim else DAY)):
            with pytest.raises(ClaimError) as caught:
                call()
            assert len(caught.value.message("en")) < 200
            found.append((caught.value.code, caught.value.path))
        return found

    assert bounded(run, seconds=5, memory_mb=512) == [(code, path)] * 2
