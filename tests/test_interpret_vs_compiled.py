"""The key property: the generated evaluators agree with the reference interpreter.

Hypothesis builds random, well-typed expressions over the mini schema and random claims in which
any fact may be absent or None. Each expression becomes a rule in a copy of the mini policy, is
checked and compiled, and then for every claim:

1. the explaining path's condition value equals expr.interpret.evaluate (three-valued);
2. the fast decide path gives the same Verdict as the explaining path (outcome and amount);
3. the outcome follows the interpreter: True -> eligible, False -> ineligible, None -> undetermined;
4. the generated explaining code hands the engine exactly the record the IR's reference evaluator
   builds (every node's result, every value shown, items, notes, amount) — on complete claims it
   runs itself, on the rest it hands the claim to the reference;

and a division by zero raises EvaluationError on every path or on none.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import os
import re
import shutil
import warnings
from decimal import Decimal
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subsidy_rules
from subsidy_rules import ClaimError, EvaluationError, Outcome
from subsidy_rules.compile import fallbacks
from subsidy_rules.expr.ast import (Aggregate, Arith, BoolLit, Call, Compare, DateLit, If, In, ListLit, Logical, Neg,
                                    Not, NumberLit, Param, Path, RuleRef, TextLit)
from subsidy_rules.expr.interpret import Env, Tracked, evaluate
from subsidy_rules.decision_json import reference_decision_to_dict
from subsidy_rules.ir.reference import evaluate as reference
from subsidy_rules.expr.printer import to_text
from subsidy_rules.expr.types import Scope
from subsidy_rules.runtime import fen

from conftest import MINI

AS_OF = dt.date(2017, 7, 31)
OUTCOME = {True: Outcome.ELIGIBLE, False: Outcome.INELIGIBLE, None: Outcome.UNDETERMINED}
SETTINGS = settings(max_examples=int(os.environ.get("SUBSIDY_RULES_EXAMPLES", "150")), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


def P(*parts: str) -> Path:
    return Path(tuple(parts))


HIRES = P("employer", "hires")
LABOURER_BOOLS = ("rural_registered_poor", "attended_entrepreneurship_training", "self_employed", "organising_business")
STATUS = ("employed", "unemployed")
NAMES = ("张三", "李四", "王五")

# ------------------------------------------------------------------ expressions

ORDER_OPS = st.sampled_from([">=", "<=", ">", "<", "==", "!="])
EQ_OPS = st.sampled_from(["==", "!="])


def _leaves(kind: str, scope: str):
    item = scope == "item"
    if kind == "bool":
        paths = [P("labourer", f) for f in LABOURER_BOOLS]
        knowns = [P("labourer", "age"), P("labourer", "status"), P("employer", "name"), HIRES]
        if item:
            paths += [P("worker", "rural_registered_poor"), P("social_insurance"), P("worker", "self_employed")]
            knowns += [P("contract_months"), P("worker", "age"), P("hired_on"), P("worker")]
        return st.one_of(
            st.builds(BoolLit, st.booleans()),
            st.sampled_from(paths),
            st.just(RuleRef("w1")),
            st.sampled_from(knowns).map(lambda p: Call("known", (p,))),
        )
    if kind == "int":
        paths = [P("labourer", "age")] + ([P("contract_months"), P("worker", "age")] if item else [])
        return st.one_of(
            st.builds(NumberLit, st.integers(min_value=0, max_value=40)),
            st.sampled_from(paths),
            st.just(Param("base_threshold")),
        )
    if kind == "num":
        return st.one_of(
            _leaves("int", scope),
            st.sampled_from(["0.5", "1.25", "0.95", "12.5", "0", "1000.005"]).map(lambda s: NumberLit(Decimal(s))),
            st.just(Param("award_per_worker")),
        )
    if kind == "date":
        paths = [P("as_of")] + ([P("hired_on")] if item else [])
        return st.one_of(
            st.builds(DateLit, st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2019, 12, 31))),
            st.sampled_from(paths),
        )
    if kind == "enum":
        paths = [P("labourer", "status")] + ([P("worker", "status")] if item else [])
        return st.one_of(st.sampled_from(paths), st.sampled_from(STATUS).map(TextLit))
    if kind == "text":
        paths = [P("labourer", "name"), P("employer", "name")] + ([P("worker", "name")] if item else [])
        return st.one_of(st.sampled_from(paths), st.sampled_from(NAMES + ("",)).map(TextLit))
    raise ValueError(kind)


def _pairs(op_strategy, side):
    return st.builds(Compare, op_strategy, side, side)


@functools.lru_cache(maxsize=None)
def expr(kind: str, scope: str = "top", depth: int = 3):
    """Well-typed expressions of a kind: bool, int, num (int or decimal), date, enum, text."""
    leaf = _leaves(kind, scope)
    if depth == 0:
        return leaf

    def sub(k: str, sc: str = scope):
        return expr(k, sc, depth - 1)

    def where():
        return st.one_of(st.none(), sub("bool", "item"))

    if kind == "bool":
        options = [
            leaf,
            st.builds(Not, sub("bool")),
            st.builds(Logical, st.sampled_from(["and", "or"]), st.lists(sub("bool"), min_size=2, max_size=3).map(tuple)),
            _pairs(ORDER_OPS, sub("num")),
            _pairs(ORDER_OPS, sub("date")),
            _pairs(EQ_OPS, sub("enum")),
            _pairs(EQ_OPS, sub("text")),
            _pairs(EQ_OPS, sub("bool")),
            st.builds(In, sub("num"), st.lists(sub("num"), min_size=1, max_size=3).map(lambda xs: ListLit(tuple(xs))), st.booleans()),
            st.builds(In, sub("enum"), st.lists(st.sampled_from(STATUS).map(TextLit), min_size=1, max_size=2).map(lambda xs: ListLit(tuple(xs))), st.booleans()),
            st.builds(In, sub("text"), st.lists(sub("text"), min_size=1, max_size=3).map(lambda xs: ListLit(tuple(xs))), st.booleans()),
            st.builds(If, sub("bool"), sub("bool"), sub("bool")),
            st.builds(Aggregate, st.sampled_from(["any", "all"]), st.just(HIRES), st.none(), sub("bool", "item")),
        ]
    elif kind in ("int", "num"):
        inner = "int" if kind == "int" else "num"
        ops = ["+", "-", "*"] + (["/"] if kind == "num" else [])
        options = [
            leaf,
            st.builds(Arith, st.sampled_from(ops), sub(inner), sub(inner)),
            st.builds(Neg, sub(inner)),
            st.builds(If, sub("bool"), sub(inner), sub(inner)),
            st.builds(Aggregate, st.just("count"), st.just(HIRES), st.none(), where()),
            st.builds(Aggregate, st.just("sum"), st.just(HIRES), sub(inner, "item"), where()),
            st.builds(Aggregate, st.sampled_from(["min", "max"]), st.just(HIRES), sub(inner, "item"), where()),
            st.builds(Call, st.sampled_from(["months_between", "days_between", "years_between"]),
                      st.tuples(sub("date"), sub("date"))),
            st.builds(Call, st.sampled_from(["least", "greatest"]), st.lists(sub(inner), min_size=1, max_size=3).map(tuple)),
        ]
        if kind == "num":
            options.append(sub("int"))
    elif kind == "date":
        options = [
            leaf,
            st.builds(If, sub("bool"), sub("date"), sub("date")),
            st.builds(Call, st.just("add_months"), st.tuples(sub("date"), sub("int"))),
            st.builds(Aggregate, st.sampled_from(["min", "max"]), st.just(HIRES), sub("date", "item"), where()),
        ]
    else:
        options = [leaf]
    return st.one_of(*options)


# ------------------------------------------------------------------ facts


def _maybe(strategy):
    """Mostly a value, sometimes None."""
    return st.one_of(strategy, strategy, strategy, st.none())


def _record(fields: dict):
    keys = sorted(fields)
    full = st.fixed_dictionaries({k: _maybe(v) for k, v in fields.items()})
    return st.builds(lambda record, drop: {k: v for k, v in record.items() if k not in drop},
                     full, st.sets(st.sampled_from(keys), max_size=2))


def _labourer():
    fields = {f: st.booleans() for f in LABOURER_BOOLS}
    fields.update(name=st.sampled_from(NAMES), age=st.integers(min_value=0, max_value=70), status=st.sampled_from(STATUS))
    return _record(fields)


HIRE = _record({
    "worker": _labourer(),
    "contract_months": st.integers(min_value=0, max_value=36),
    "social_insurance": st.booleans(),
    "hired_on": st.dates(min_value=dt.date(2015, 1, 1), max_value=dt.date(2019, 12, 31)),
})
EMPLOYER = _record({"name": st.sampled_from(NAMES), "hires": st.lists(HIRE, max_size=4)})
ABSENT = object()


def _facts(labourer, employer):
    facts = {"labourer": labourer}
    if employer is not ABSENT:
        facts["employer"] = employer
    return facts


FACTS = st.builds(_facts, _maybe(_labourer()), st.one_of(st.just(ABSENT), _maybe(EMPLOYER)))
EMPLOYER_FACTS = st.builds(lambda employer, labourer: {"employer": employer, **({"labourer": labourer} if labourer else {})},
                           _maybe(EMPLOYER), st.one_of(st.none(), _labourer()))

# ------------------------------------------------------------------ policies


def _rule_yaml(condition: str, amount: Optional[str]) -> str:
    text = (
        "id: t\n"
        "title: {zh: 生成的规则, en: Generated rule}\n"
        "source: {document: 测试}\n"
        "in_force: {from: 2016-01-01}\n"
        "applies_to: labourer\n"
        "conditions:\n"
        "  - id: c\n"
        "    label: {zh: 条件, en: Condition}\n"
        "    expr: |\n"
        f"      {condition}\n"
    )
    if amount is not None:
        text += f"amount: |\n  {amount}\n"
    return text


def _items_yaml(condition: str, amount: str, where: Optional[str] = None) -> str:
    return (
        "id: t\n"
        "title: {zh: 生成的规则, en: Generated rule}\n"
        "source: {document: 测试}\n"
        "in_force: {from: 2016-01-01}\n"
        "applies_to: employer\n"
        "items:\n"
        "  over: employer.hires\n"
        "  label: {zh: 吸纳, en: Hires}\n"
        + (f"  where: |\n    {where}\n" if where is not None else "")
        + "  conditions:\n"
        "    - id: c\n"
        "      label: {zh: 条件, en: Condition}\n"
        "      expr: |\n"
        f"        {condition}\n"
        "  amount: |\n"
        f"    {amount}\n"
    )


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    base = tmp_path_factory.mktemp("generated")
    cache: dict = {}

    def make(rule_text: str):
        if rule_text not in cache:
            directory = base / hashlib.sha256(rule_text.encode("utf-8")).hexdigest()[:16]
            shutil.copytree(MINI, directory, dirs_exist_ok=True)
            (directory / "rules" / "t.yaml").write_text(rule_text, encoding="utf-8")
            with warnings.catch_warnings():
                # the generated Python must compile cleanly (e.g. never `5 is None`)
                warnings.simplefilter("error", SyntaxWarning)
                policy, diagnostics = subsidy_rules.check_policy(directory)
            errors = [d.format("en") for d in diagnostics if d.severity == "error"]
            assert policy is not None, "a well-typed expression was refused:\n" + rule_text + "\n".join(errors)
            cache[rule_text] = policy
        return cache[rule_text]

    return make


def _rule_ref(policy, facts):
    def ref(rule_id: str) -> Optional[bool]:
        if "labourer" not in facts:
            return None
        outcome = policy.decide(facts, rule_id, as_of=AS_OF).outcome
        return {Outcome.ELIGIBLE: True, Outcome.INELIGIBLE: False}.get(outcome)

    return ref


def assert_same_as_reference(policy, facts):
    """(4): the generated code's record is the reference evaluator's, field by field."""
    bound = policy.bound_rule("t", AS_OF)
    expected = run(lambda: reference(bound, facts, policy.schema, policy._ref_resolver(AS_OF, None)))
    got = run(lambda: policy._bind(policy.compiled("t", AS_OF), AS_OF, None)[1](facts))
    assert got == expected, (facts,)
    decision = run(lambda: policy.evaluate(facts, "t", as_of=AS_OF)[0])
    if decision is not EvaluationError:  # the generated JSON writer says what the Reason objects say
        for lang in ("zh", "en"):
            assert (json.dumps(decision.to_dict(lang), ensure_ascii=False)
                    == json.dumps(reference_decision_to_dict(decision, lang), ensure_ascii=False)), (facts,)


def interpret(policy, tree, facts, entity: Optional[str] = None, item: Any = None, path: str = ""):
    """The reference interpreter's value, or the EvaluationError class when it raises."""
    rule = policy.compiled("t", AS_OF)
    params = dict(zip(rule.params, policy.parameter_values(rule.params, AS_OF, None)))
    scope = Scope(policy.schema)
    items = ()
    if entity is not None:
        scope = scope.enter(entity)
        items = ((item, path),)
    ref = _rule_ref(policy, facts)
    env = Env(facts, params, AS_OF, scope, lambda rule_id: Tracked(ref(rule_id)), items)
    try:
        return evaluate(tree, env)
    except EvaluationError:
        return EvaluationError


def run(call):
    try:
        return call()
    except EvaluationError:
        return EvaluationError


_PATH_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def fact_at(facts, dotted: str):
    current: Any = facts
    for name, index in _PATH_PART.findall(dotted):
        if current is None:
            return None
        current = current.get(name) if name else current[int(index)]
    return current


def assert_values_read(policy, reason, facts):
    """What the explanation says a condition read is what the claim holds (fast or three-valued path)."""
    from subsidy_rules.expr.parser import parse

    rule = policy.compiled("t", AS_OF)
    params = dict(zip(rule.params, policy.parameter_values(rule.params, AS_OF, None)))
    for value in reason.values:
        if value.kind == "fact":
            expected = AS_OF if value.key == "as_of" else fact_at(facts, value.key)
            assert value.value == expected and type(value.value) is type(expected), (value, facts)
        elif value.kind == "param":
            assert value.value == params[value.key[1:]]
        elif value.kind == "rule":  # None when a short-circuit skipped it
            assert value.value is None or value.value is _rule_ref(policy, facts)(value.key[1:])
        else:  # an aggregate's value; None when a short-circuit skipped it
            computed = interpret(policy, parse(value.key), facts)
            assert value.value is None or value.value == computed, (value, computed, facts)


def assert_missing_are_missing(decision, facts):
    for path in decision.missing:
        assert fact_at(facts, path) is None, f"{path} is reported missing but is given"


# ------------------------------------------------------------------ properties


@SETTINGS
@given(condition=expr("bool"), claims=st.lists(FACTS, min_size=1, max_size=6))
def test_condition_agrees_with_interpreter(build, condition, claims):
    policy = build(_rule_yaml(to_text(condition), None))
    tree = policy.compiled("t", AS_OF).rule.conditions.children[0].expr.tree
    decide = policy.decider("t", AS_OF)
    decide_checked = policy.decider("t", AS_OF, checked_facts=True)  # for facts known to fit the schema
    explain = policy.explainer("t", AS_OF)
    for facts in claims:
        expected = interpret(policy, tree, facts)
        decided = run(lambda: decide(facts))
        assert run(lambda: decide_checked(facts)) == decided
        evaluated = run(lambda: policy.evaluate(facts, "t", as_of=AS_OF)[0])
        explained = run(lambda: explain(facts))
        if expected is EvaluationError:
            assert decided is EvaluationError and evaluated is EvaluationError and explained is EvaluationError
            continue
        assert evaluated is not EvaluationError and decided is not EvaluationError
        (reason,) = evaluated.reasons
        assert reason.id == "c"
        assert reason.result is expected, (to_text(tree), facts)                      # (1)
        assert decided == evaluated.verdict == explained.verdict, (to_text(tree), facts)  # (2)
        assert evaluated.outcome is OUTCOME[expected]                                 # (3)
        assert evaluated.amount is None
        assert_values_read(policy, reason, facts)
        if expected is not None:
            assert evaluated.missing == ()
        assert_missing_are_missing(evaluated, facts)
        assert_same_as_reference(policy, facts)                                        # (4)


@SETTINGS
@given(condition=expr("bool", depth=2), amount=expr("num", depth=2), claims=st.lists(FACTS, min_size=1, max_size=5))
def test_amount_agrees_with_interpreter(build, condition, amount, claims):
    policy = build(_rule_yaml(to_text(condition), to_text(amount)))
    rule = policy.compiled("t", AS_OF).rule
    cond_tree, amount_tree = rule.conditions.children[0].expr.tree, rule.amount.tree
    decide = policy.decider("t", AS_OF)
    decide_checked = policy.decider("t", AS_OF, checked_facts=True)  # for facts known to fit the schema
    for facts in claims:
        cond = interpret(policy, cond_tree, facts)
        value = None
        if cond is True:
            value = interpret(policy, amount_tree, facts)
            if value is not EvaluationError and value is not None:
                value = run(lambda: fen(value))
        decided = run(lambda: decide(facts))
        assert run(lambda: decide_checked(facts)) == decided
        evaluated = run(lambda: policy.evaluate(facts, "t", as_of=AS_OF)[0])
        if cond is EvaluationError or value is EvaluationError:
            assert decided is EvaluationError and evaluated is EvaluationError
            continue
        assert evaluated is not EvaluationError and decided is not EvaluationError
        assert evaluated.reasons[0].result is cond
        if cond is True and value is not None:
            assert evaluated.outcome is Outcome.ELIGIBLE
            assert evaluated.amount == value
            assert evaluated.amount.as_tuple().exponent == -2  # always to the fen
        elif cond is True:  # eligibility never waits for the amount
            assert evaluated.outcome is Outcome.ELIGIBLE and evaluated.amount is None
            assert evaluated.amount_status in ("pending", "no_standard")
            assert evaluated.missing == ()
        elif cond is False:
            assert evaluated.outcome is Outcome.INELIGIBLE and evaluated.amount is None
        else:
            assert evaluated.outcome is Outcome.UNDETERMINED and evaluated.amount is None
        assert decided == evaluated.verdict, (to_text(cond_tree), to_text(amount_tree), facts)
        assert decided.amount is None or decided.amount.as_tuple().exponent == -2
        assert_missing_are_missing(evaluated, facts)
        assert_same_as_reference(policy, facts)


@SETTINGS
@given(condition=expr("bool", "item", depth=2), amount=expr("num", "item", depth=2),
       where=st.one_of(st.none(), expr("bool", "item", depth=1)),
       claims=st.lists(EMPLOYER_FACTS, min_size=1, max_size=5))
def test_items_agree_with_interpreter(build, condition, amount, where, claims):
    policy = build(_items_yaml(to_text(condition), to_text(amount), None if where is None else to_text(where)))
    rule = policy.compiled("t", AS_OF).rule
    cond_tree = rule.items.conditions.children[0].expr.tree
    amount_tree = rule.items.amount.tree
    where_tree = rule.items.where.tree if rule.items.where is not None else None
    decide = policy.decider("t", AS_OF)
    decide_checked = policy.decider("t", AS_OF, checked_facts=True)  # for facts known to fit the schema
    for facts in claims:
        employer = facts["employer"]
        hires = None if employer is None else employer.get("hires")
        states, amounts, considered, failed = [], [], [], False
        for index, hire in enumerate(hires or []):
            path = f"employer.hires[{index}]"
            keep = True if where_tree is None else interpret(policy, where_tree, facts, "hire", hire, path)
            if keep is EvaluationError:
                failed = True
                break
            # an item `where` leaves out is not decided at all: its conditions may not apply to it
            state = False if keep is False else interpret(policy, cond_tree, facts, "hire", hire, path)
            if state is EvaluationError:
                failed = True
                break
            if keep is None and state is not False:
                state = None  # an item that may or may not count, and would qualify if it did, is unknown
            value = None
            if state is True:
                value = interpret(policy, amount_tree, facts, "hire", hire, path)
                if value is not EvaluationError and value is not None:
                    value = run(lambda: fen(value))
            if EvaluationError in (state, value):
                failed = True
                break
            states.append(state)
            amounts.append(value)
            considered.append(keep)
        decided = run(lambda: decide(facts))
        assert run(lambda: decide_checked(facts)) == decided
        evaluated = run(lambda: policy.evaluate(facts, "t", as_of=AS_OF)[0])
        if failed:
            assert decided is EvaluationError and evaluated is EvaluationError
            continue
        assert evaluated is not EvaluationError and decided is not EvaluationError
        assert len(evaluated.items) == len(states)
        for item, state, value, keep in zip(evaluated.items, states, amounts, considered):
            assert item.outcome is OUTCOME[state], (to_text(cond_tree), to_text(amount_tree), facts)
            assert item.amount == (value if state is True else None)
            assert item.considered is keep
        for item, hire in zip(evaluated.items, hires or []):
            if item.considered is False:
                assert item.reasons == ()  # left out by `where`: not decided at all
                continue
            expected = interpret(policy, cond_tree, facts, "hire", hire, item.path)
            assert item.reasons[0].result is expected
        counted = [s for s, keep in zip(states, considered) if keep is not False]
        if hires is None:
            assert evaluated.outcome is Outcome.UNDETERMINED
        elif True in counted:  # one eligible hire settles it; the others change only the amount
            assert evaluated.outcome is Outcome.ELIGIBLE
            pending = None in counted or any(v is None for s, v in zip(states, amounts) if s is True)
            if pending:
                assert evaluated.amount is None and evaluated.amount_status == "pending"
            else:
                assert evaluated.amount == sum((v for v in amounts if v is not None), Decimal("0.00"))
        elif None in counted:
            assert evaluated.outcome is Outcome.UNDETERMINED
        else:
            assert evaluated.outcome is Outcome.INELIGIBLE
        assert decided == evaluated.verdict, (to_text(cond_tree), to_text(amount_tree), facts)
        assert_missing_are_missing(evaluated, facts)
        assert_same_as_reference(policy, facts)


# ------------------------------------------------------------------ fixed examples of the same property

EXAMPLES = [
    ("labourer.age >= 16 and labourer.self_employed", {"labourer": {"age": 20}}, None),
    ("labourer.age >= 16 and labourer.self_employed", {"labourer": {"age": 12}}, False),
    ("labourer.age >= 16 or labourer.self_employed", {"labourer": {"self_employed": True}}, True),
    ("not labourer.self_employed", {"labourer": {}}, None),
    ('labourer.status in ["employed"]', {"labourer": {"status": "unemployed"}}, False),
    ('labourer.status not in ["employed"]', {"labourer": {"status": "unemployed"}}, True),
    # one hire is known to count: at least 1 whatever the other holds
    ("count(employer.hires where social_insurance) >= 1", {"labourer": {}, "employer": {"hires": [{"social_insurance": True}, {}]}}, True),
    ("count(employer.hires where social_insurance) >= 2", {"labourer": {}, "employer": {"hires": [{"social_insurance": True}, {}]}}, None),
    ("count(employer.hires where social_insurance) >= 3", {"labourer": {}, "employer": {"hires": [{"social_insurance": True}, {}]}}, False),
    ("sum(contract_months of employer.hires where social_insurance) < 20",
     {"labourer": {}, "employer": {"hires": [{"social_insurance": True, "contract_months": 12}, {"contract_months": 6}]}}, True),
    ("sum(contract_months of employer.hires where social_insurance) > 12",
     {"labourer": {}, "employer": {"hires": [{"social_insurance": True, "contract_months": 12}, {"contract_months": 6}]}}, None),
    ("count(employer.hires where social_insurance) >= 1", {"labourer": {}, "employer": {"hires": [{"social_insurance": False}]}}, False),
    ("any(employer.hires where social_insurance)", {"labourer": {}, "employer": {"hires": [{"social_insurance": True}, {}]}}, True),
    ("all(employer.hires where social_insurance)", {"labourer": {}, "employer": {"hires": [{"social_insurance": False}, {}]}}, False),
    ("all(employer.hires where social_insurance)", {"labourer": {}, "employer": {"hires": []}}, True),
    ("max(contract_months of employer.hires) > 3", {"labourer": {}, "employer": {"hires": []}}, None),
    ("sum(contract_months of employer.hires) == 0", {"labourer": {}, "employer": {"hires": []}}, True),
    ("known(labourer.age)", {"labourer": {"age": None}}, False),
    ("known(labourer.age)", {"labourer": {"age": 3}}, True),
    ("if labourer.self_employed then labourer.age > 3 else true", {"labourer": {"self_employed": False}}, True),
    ("least(labourer.age, 10) >= 10", {"labourer": {"age": 12}}, True),
    ("months_between(2017-01-31, as_of) == 5", {"labourer": {}}, False),
    ("months_between(2017-01-31, as_of) == 6", {"labourer": {}}, True),
    ("@w1 or labourer.age > 1", {"labourer": {"age": 0}}, False),
    ("@w1 and labourer.age > 1", {"labourer": {"age": 20}}, None),
    ("@w1 or labourer.age > 1", {"labourer": {"age": 20}}, True),
]


@pytest.mark.parametrize("condition, facts, expected", EXAMPLES)
def test_examples(build, condition, facts, expected):
    policy = build(_rule_yaml(condition, None))
    tree = policy.compiled("t", AS_OF).rule.conditions.children[0].expr.tree
    assert interpret(policy, tree, facts) is expected
    decision = policy.evaluate(facts, "t", as_of=AS_OF)[0]
    assert decision.reasons[0].result is expected
    assert decision.outcome is OUTCOME[expected]
    assert policy.decider("t", AS_OF)(facts) == decision.verdict


# a comparison reads and checks the fact on either side, the left one first, inside the test that
# guards the comparison; the checked-facts path lets None raise in an ordering comparison instead
COMPARED = ["labourer.age >= 16", "16 <= labourer.age", "$base_threshold <= labourer.age",
            "labourer.age >= labourer.age", "count(employer.hires where social_insurance) <= labourer.age",
            "labourer.age - 4 < labourer.age", "labourer.status == \"employed\" or 16 <= labourer.age"]


@pytest.mark.parametrize("condition", COMPARED)
@pytest.mark.parametrize("age", [True, 16.0, Decimal("16"), "16"])
def test_a_wrongly_typed_fact_on_either_side_of_a_comparison_is_reported(build, condition, age):
    policy = build(_rule_yaml(condition, None))
    facts = {"labourer": {"age": age, "status": "unemployed"}, "employer": {"hires": [{"social_insurance": True}]}}
    for call in (lambda: policy.decider("t", AS_OF)(facts), lambda: policy.evaluate(facts, "t", as_of=AS_OF)):
        with pytest.raises(ClaimError) as info:
            call()
        assert info.value.code == "C001" and info.value.path == "labourer.age"


@pytest.mark.parametrize("condition", COMPARED)
@pytest.mark.parametrize("age", [15, 16, 30, None])
def test_a_comparison_agrees_with_the_reference_on_both_decide_paths(build, condition, age):
    """An unknown number hands the claim over on both paths (counted), a known one never does."""
    policy = build(_rule_yaml(condition, None))
    facts = {"labourer": {"age": age, "status": "unemployed"}, "employer": {"hires": [{"social_insurance": True}]}}
    expected = policy.evaluate(facts, "t", as_of=AS_OF)[0].verdict
    for checked in (False, True):
        fallbacks.reset()
        assert policy.decider("t", AS_OF, checked_facts=checked)(facts) == expected, (condition, age, checked)
        assert fallbacks.total() == (1 if age is None else 0), (condition, age, checked, fallbacks.counts())


def test_values_shown_by_both_explaining_paths_line_up(build):
    """An `if` whose condition and branch both hold shown values: the fast explaining path (all facts
    given) and the three-valued one (a fact missing) must pair each value with its own key."""
    policy = build(_rule_yaml("if @w1 then as_of >= add_months(as_of, labourer.age) else false", None))
    complete = {"labourer": {"rural_registered_poor": False, "attended_entrepreneurship_training": False,
                             "self_employed": False, "organising_business": False, "age": 0}}
    for facts in (complete, {"labourer": {"age": 0}}):
        values = policy.explain(facts, "t", as_of=AS_OF).reasons[0].value_map()
        assert values["@w1"] is False
        assert values["add_months(as_of, labourer.age)"] is None   # not computed: the condition was false
    complete["labourer"]["age"] = 20
    complete["labourer"].update(rural_registered_poor=True, attended_entrepreneurship_training=True, self_employed=True)
    values = policy.explain(complete, "t", as_of=AS_OF).reasons[0].value_map()
    assert values["@w1"] is True
    assert values["add_months(as_of, labourer.age)"] == dt.date(2019, 3, 31)


def test_division_by_zero_raises_on_every_path(build):
    policy = build(_rule_yaml("labourer.age / (labourer.age - 3) > 1", None))
    facts = {"labourer": {"age": 3}}
    with pytest.raises(EvaluationError) as info:
        policy.decider("t", AS_OF)(facts)
    assert info.value.code == "X001"
    with pytest.raises(EvaluationError):
        policy.evaluate(facts, "t", as_of=AS_OF)
    assert policy.decide({"labourer": {"age": 2}}, "t", as_of=AS_OF).outcome is Outcome.INELIGIBLE
    assert policy.decide({"labourer": {"age": 4}}, "t", as_of=AS_OF).outcome is Outcome.ELIGIBLE
    assert policy.decide({"labourer": {}}, "t", as_of=AS_OF).outcome is Outcome.UNDETERMINED


def test_an_evaluation_error_names_its_operands_values_on_every_path(build):
    """The compiled decide and explain paths and the reference evaluator each name the values the
    failing operation met, as a claim writes them; a literal operand is not repeated."""
    import pickle

    policy = build(_rule_yaml("labourer.age / (labourer.age - 3) > 1 and add_months(as_of, 1200000 * labourer.age) > as_of", None))
    bound = policy.bound_rule("t", AS_OF)
    paths = {"decide": lambda facts: policy.decider("t", AS_OF)(facts),
             "explain": lambda facts: policy.evaluate(facts, "t", as_of=AS_OF),
             "reference": lambda facts: reference(bound, facts, policy.schema, policy._ref_resolver(AS_OF, None))}
    for name, call in paths.items():
        with pytest.raises(EvaluationError) as info:
            call({"labourer": {"age": 3}})
        assert info.value.operands == (("labourer.age", "3"), ("labourer.age - 3", "0")), name
        assert info.value.message("en").endswith(
            "division by zero in labourer.age / (labourer.age - 3) (with labourer.age = 3, labourer.age - 3 = 0)"), name
        assert info.value.message("zh").endswith("(其中 labourer.age = 3、labourer.age - 3 = 0)"), name
        with pytest.raises(EvaluationError) as info:
            call({"labourer": {"age": 9}})
        assert info.value.code == "X002", name
        assert info.value.operands == (("as_of", "2017-07-31"), ("1200000 * labourer.age", "10800000")), name
    copy = pickle.loads(pickle.dumps(info.value))  # as a worker of evaluate --jobs hands it back
    assert (copy.operands, copy.message("en")) == (info.value.operands, info.value.message("en"))
