"""Whole-policy checks: expression types, references, cycles, county overrides, periods.

Runs after load.py on the PolicyModel and returns every diagnostic it finds.
"""

from __future__ import annotations

import datetime as _dt
import operator
from typing import Dict, List, Optional, Set

from . import model as m
from .errors import Diagnostic
from .expr import ast
from .expr.typecheck import Checker
from .expr.types import Scope
from .messages import kind_word, parameter_kind_word, trace_word_pair, type_word
from .quotes import locate_all, nearest_passage, normalise
from .source import Span


def check_model(policy: m.PolicyModel) -> List[Diagnostic]:
    found: List[Diagnostic] = []

    def report(code: str, span: Optional[Span], suggestions=(), severity: str = "error", **args) -> None:
        found.append(Diagnostic(code, span or Span("?", 1, 1), args, tuple(suggestions), severity))

    rule_ids = {rule.id for rule in policy.rules}
    refs: Dict[str, Set[str]] = {}
    ref_spans: Dict[tuple, Span] = {}
    used_params: Set[str] = set()
    for rule in policy.rules:
        checker = Checker(policy.parameters, rule_ids, report, rule.span)
        _check_rule(policy, rule, checker, report)
        refs[rule.id] = refs.get(rule.id, set()) | {r.rule_id for r in checker.rule_refs}
        for r in checker.rule_refs:
            ref_spans.setdefault((rule.id, r.rule_id), r.span or rule.span)
        for expression, _, _ in m.rule_expressions(rule):
            if expression.tree is None:
                continue
            for node in ast.walk(expression.tree):
                if isinstance(node, ast.Param):
                    used_params.add(node.name)
                    param = policy.parameters.get(node.name)
                    if (param is not None and not param.no_standard and rule.in_force.start != _dt.date.min
                            and param.value_on(rule.in_force.start) is None):
                        report("E052", node.span, name=node.name, date=rule.in_force.start, rule=rule.id)

    from .lint import lint_duplicates, lint_quotes, lint_rule

    for rule in policy.rules:
        lint_rule(rule, report)
    lint_duplicates(policy.rules, report)
    if policy.documents:
        # a policy that ships its source documents promises every quote is in them
        _check_quotes(policy, report)
        lint_quotes(policy, report)
    _check_duplicates(policy, report)
    _check_cycles(refs, ref_spans, report)
    _check_overrides(policy, report)
    for name, param in policy.parameters.items():
        if name not in used_params:
            report("W001", param.span, severity="warning", name=name)
    return found


def _check_quotes(policy: m.PolicyModel, report) -> None:
    """A quote is an error when its document is shipped (or restated by a shipped one) and the words
    are not in it; a warning when its document is not shipped and its words are in none that is."""
    for located in locate_all(policy):
        citation = located.citation
        span = citation.source.quote_span
        what = kind_word(citation.kind)
        ident = citation.id if citation.kind in ("rule", "parameter") else f"{citation.rule}/{citation.id}"
        if located.document is None:
            report("W011", span, severity="warning", what=what, id=ident, document=citation.source.document)
        elif not located.found:
            shipped = located.document.id
            document = shipped if _same(citation.source.document, shipped) else trace_word_pair(
                "restating", shipped=shipped, cited=citation.source.document)
            report("E063", span, what=what, id=ident, document=document,
                   file=located.document.file, nearest=nearest_passage(located.document, citation.source.quote) or "…")


def _same(cited: str, shipped: str) -> bool:
    return normalise(cited)[0] == normalise(shipped)[0]


def _check_rule(policy: m.PolicyModel, rule: m.Rule, checker: Checker, report) -> None:
    scope = Scope(policy.schema)
    for expression, item_entity, what in m.rule_expressions(rule):
        if expression.tree is None:
            continue
        inner = scope.enter(item_entity) if item_entity else scope
        if item_entity == "" and rule.items is not None and expression is not rule.items.over:
            continue  # the list itself failed to resolve; reported below
        found = checker.check(expression.tree, inner)
        span = expression.tree.span or expression.span
        if found.kind == "any":
            continue
        if what == "condition" and found.kind != "bool":
            report("E039", span, actual=_both(found.kind))
        elif what == "amount" and not found.numeric:
            report("E040", span, actual=_both(found.kind))
        elif what == "list" and found.kind != "list":
            name = expression.tree.dotted if isinstance(expression.tree, ast.Path) else expression.text
            report("E041", span, name=name, func="items")


def _both(kind: str):
    return type_word(kind)


def _check_duplicates(policy: m.PolicyModel, report) -> None:
    seen: Dict[str, List[m.Rule]] = {}
    for rule in policy.rules:
        for other in seen.get(rule.id, []):
            if other.in_force.overlaps(rule.in_force):
                report("E020", rule.span, id=rule.id, other=str(other.span))
        seen.setdefault(rule.id, []).append(rule)


def _check_cycles(refs: Dict[str, Set[str]], spans: Dict[tuple, Span], report) -> None:
    """Report each cycle once, at the reference that closes it."""
    state: Dict[str, int] = {}
    reported: Set[frozenset] = set()

    def visit(start: str) -> None:
        # iterative DFS with an explicit path
        stack = [(start, iter(sorted(refs.get(start, ()))))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
                continue
            if state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    report("E026", spans.get((node, child)), cycle=" → ".join("@" + c for c in cycle))
            elif state.get(child) is None and child in refs:
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(refs.get(child, ())))))

    for name in sorted(refs):
        if state.get(name) is None:
            visit(name)


def _check_overrides(policy: m.PolicyModel, report) -> None:
    """A county override needs its source, and must respect the parameter's kind.

    floor (不低于): only raised; cap (不超过): only lowered; fixed / threshold (set by the
    letter): not overridden at all. A parameter without a kind takes any value, with a source.
    """
    for county, table in policy.overrides.items():
        for name, history in table.items():
            param = policy.parameters.get(name)
            if param is None:
                continue
            for entry in history:
                if entry.source is None or not entry.source.document:
                    report("E054", entry.span, county=county, name=name, value=entry.value, start=entry.start)
            if param.kind in ("fixed", "threshold"):
                for entry in history:
                    report("E056", entry.span, county=county, name=name, value=entry.value,
                           limit=param.value_on(entry.start), kind=parameter_kind_word(param.kind))
                continue
            if param.kind not in ("floor", "cap"):
                continue
            code = "E050" if param.kind == "floor" else "E055"
            worse = operator.lt if param.kind == "floor" else operator.gt  # (county value, city value)
            for entry in history:
                limit = param.value_on(entry.start)
                if limit is not None and worse(entry.value, limit):
                    report(code, entry.span, county=county, name=name, value=entry.value, floor=limit, limit=limit,
                           start=entry.start)
            # a later city change can also put an earlier county value on the wrong side
            for city in param.values:
                county_value = None
                for entry in history:
                    if entry.start <= city.start:
                        county_value = entry
                if county_value is not None and worse(county_value.value, city.value) and county_value.start < city.start:
                    report(code, county_value.span, county=county, name=name, value=county_value.value,
                           floor=city.value, limit=city.value, start=city.start)

