"""Undetermined only when it matters, against a brute-force oracle.

Take a real claim (every example claim), leave out up to six of its yes/no,
whole-number and choice facts, and enumerate every completion of them over
domains that contain every threshold the rule uses. Then:

- the decision is undetermined if and only if two completions disagree, and
  otherwise it is what every completion decides;
- every fact it lists as missing changes the outcome in some completion;
- every fact left out that changes the outcome in some completion is listed.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Any, Dict, List, Tuple

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import subsidy_rules
from subsidy_rules.claims import read_claim
from subsidy_rules.expr import ast
from subsidy_rules.expr.types import ResolveError, Scope, resolve

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples" / "claims").glob("*.yaml"))
POLICY = subsidy_rules.load_policy()
MAX_COMPLETIONS = 3000
_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _claims() -> List[Tuple[str, Dict[str, Any]]]:
    """(rule, claim) for every example claim that gives every fact the rule reads."""
    from subsidy_rules.ir.reference import evaluate

    found = []
    for path in EXAMPLES:
        claim = read_claim(path, POLICY.schema, POLICY.info.counties)
        for rule_id in POLICY.rule_ids:
            if POLICY.compiled(rule_id, claim["as_of"]).rule.applies_to not in claim:
                continue
            absent: list = []
            evaluate(POLICY.bound_rule(rule_id, claim["as_of"]), claim, POLICY.schema, absent=absent)
            if not absent:
                found.append((rule_id, claim))
    return found


CASES = _claims()


def test_there_are_complete_claims_for_every_kind_of_rule():
    kinds = {POLICY.compiled(rule_id, claim["as_of"]).rule.kind for rule_id, claim in CASES}
    assert kinds == {"eligibility", "checklist", "classification"} and len(CASES) >= 15, len(CASES)


def _leaves(value: Any, path: str, scope_entity: str, fields: Tuple[str, ...], out: list) -> None:
    """(JSON path, field) of every yes/no, whole-number or choice fact the claim gives."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _leaves(inner, f"{path}.{key}" if path else key, scope_entity, fields + (key,), out)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _leaves(inner, f"{path}[{index}]", scope_entity, fields, out)
    elif value is not None:
        try:
            resolved = resolve(fields, Scope(POLICY.schema))
        except ResolveError:
            return
        field = resolved.fields[-1] if resolved.fields else None
        if field is not None and field.type in ("bool", "integer", "enum"):
            out.append((path, field))


def _numbers(rule_id: str, as_of) -> List[int]:
    """Every whole number the rule compares against, with its neighbours."""
    bound = POLICY.bound_rule(rule_id, as_of)
    found = {0}
    for value in bound.values():
        if isinstance(value, int) or (hasattr(value, "to_integral_value") and value == value.to_integral_value()):
            found.add(int(value))
    rule = POLICY.compiled(rule_id, as_of).rule
    from subsidy_rules import model as m
    for expression, _, _ in m.rule_expressions(rule):
        for node in ast.walk(expression.tree):
            if isinstance(node, ast.NumberLit) and node.value == int(node.value):
                found.add(int(node.value))
    return sorted({n + d for n in found for d in (-1, 0, 1) if -1 <= n + d <= 10 ** 7})


def _asked_whether_given(rule_id: str, as_of) -> set:
    from subsidy_rules import model as m

    rule = POLICY.compiled(rule_id, as_of).rule
    return {arg.dotted for expression, _, _ in m.rule_expressions(rule) for node in ast.walk(expression.tree)
            if isinstance(node, ast.Call) and node.name == "known" for arg in node.args if isinstance(arg, ast.Path)}


def _value_at(claim: Any, path: str) -> Any:
    current = claim
    for name, index in _PART.findall(path):
        current = current[name] if name else current[int(index)]
    return current


def _set(claim: Any, path: str, value: Any) -> None:
    parts = [(name, index) for name, index in _PART.findall(path)]
    current = claim
    for name, index in parts[:-1]:
        current = current[name] if name else current[int(index)]
    name, index = parts[-1]
    if value is _ABSENT:
        del current[name]
    else:
        current[name] = value


_ABSENT = object()


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _domain(field, numbers: List[int], given: Any) -> List[Any]:
    if field.type == "bool":
        return [True, False]
    if field.type == "enum":
        return list(field.values)
    return sorted(set(numbers) | {given})


@settings(max_examples=int(__import__("os").environ.get("SUBSIDY_RULES_EXAMPLES", "150")), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(case=st.sampled_from(CASES), data=st.data())
def test_undetermined_exactly_when_the_missing_facts_could_change_it(case, data):
    rule_id, original = case
    leaves: list = []
    _leaves({k: v for k, v in original.items() if k not in ("as_of", "jurisdiction", "id")}, "", "", (), leaves)
    asked = _asked_whether_given(rule_id, original["as_of"])
    leaves = [leaf for leaf in leaves if leaf[0] not in asked]  # for known(), absent is itself the answer
    assume(leaves)
    chosen = data.draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=6, unique_by=lambda leaf: leaf[0]))
    # thresholds, and the claim's own numbers (a rate's other side): every value that can tip a comparison
    own = [_value_at(original, path) for path, field in leaves if field.type == "integer"]
    numbers = sorted(set(_numbers(rule_id, original["as_of"])) | {n + d for n in own for d in (-1, 0, 1)})
    given = {}
    for path, _ in chosen:
        current: Any = original
        for name, index in _PART.findall(path):
            current = current[name] if name else current[int(index)]
        given[path] = current
    domains = [_domain(field, numbers, given[path]) for path, field in chosen]
    total = 1
    for d in domains:
        total *= len(d)
    assume(total <= MAX_COMPLETIONS)

    claim = _copy(original)
    for path, _ in chosen:
        _set(claim, path, _ABSENT)
    decision = POLICY.explain(claim, rule_id)

    outcomes: Dict[tuple, Any] = {}
    for values in itertools.product(*domains):
        complete = _copy(claim)
        for (path, _), value in zip(chosen, values):
            _set(complete, path, value)
        outcomes[values] = POLICY.decide(complete, rule_id).outcome
    distinct = set(outcomes.values())
    paths = [path for path, _ in chosen]
    if decision.outcome.value == "undetermined":
        assert len(distinct) > 1, (rule_id, paths, "undetermined, yet every completion gives", distinct)
    else:
        assert distinct == {decision.outcome}, (rule_id, paths, decision.outcome, distinct)

    def matters(position: int) -> bool:
        for values, outcome in outcomes.items():
            for other in domains[position]:
                changed = values[:position] + (other,) + values[position + 1:]
                if outcomes[changed] != outcome:
                    return True
        return False

    listed = set(decision.missing)
    assert listed <= set(paths), (rule_id, listed, paths)
    for position, path in enumerate(paths):
        assert (path in listed) == matters(position), (rule_id, path, "listed" if path in listed else "not listed")
