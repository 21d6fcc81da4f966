"""Checks beyond syntax: conditions that can never be true or never be false,
and rules that duplicate another. Warnings with positions, found by looking at
comparisons of a fact with constants (intervals) and at a fact and its negation.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Tuple

import attrs

from . import model as m
from .expr import ast
from .expr.printer import to_text
from .messages import kind_word
from .quotes import uncited

_FLIP = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


@attrs.define
class Interval:
    """Values a number (or date) may take: bounds with open/closed ends; None is unbounded."""

    lo: object = None
    lo_open: bool = False
    hi: object = None
    hi_open: bool = False
    excluded: Tuple[object, ...] = ()

    def add(self, op: str, value: object) -> None:
        if op in (">=", ">"):
            if self.lo is None or value > self.lo or (value == self.lo and op == ">"):
                self.lo, self.lo_open = value, op == ">"
        elif op in ("<=", "<"):
            if self.hi is None or value < self.hi or (value == self.hi and op == "<"):
                self.hi, self.hi_open = value, op == "<"
        elif op == "==":
            self.add(">=", value)
            self.add("<=", value)
        elif op == "!=":
            self.excluded += (value,)

    def empty(self) -> bool:
        if self.lo is not None and self.hi is not None:
            if self.lo > self.hi:
                return True
            if self.lo == self.hi and (self.lo_open or self.hi_open or self.lo in self.excluded):
                return True
        return False


def _constant(node: ast.Expr) -> Optional[object]:
    if isinstance(node, (ast.NumberLit, ast.DateLit)):
        return node.value
    return None


def _conjuncts(expr: ast.Expr) -> Iterable[ast.Expr]:
    """The parts an expression's truth requires: the operands of its top-level `and`s."""
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Logical) and node.op == "and":
            stack.extend(node.operands)
        else:
            yield node


def _atoms(expr: ast.Expr) -> List[Tuple[str, str, object, ast.Expr]]:
    """Comparisons `path op constant` that an expression's truth requires."""
    found = []
    for node in _conjuncts(expr):
        if isinstance(node, ast.Compare):
            left, right = node.left, node.right
            if isinstance(left, ast.Path) and _constant(right) is not None:
                found.append((left.dotted, node.op, _constant(right), node))
            elif isinstance(right, ast.Path) and _constant(left) is not None:
                found.append((right.dotted, _FLIP[node.op], _constant(left), node))
    return found


def _truths(expr: ast.Expr) -> List[Tuple[str, bool, ast.Expr]]:
    """Bare facts an expression requires true (`x`) or false (`not x`)."""
    found = []
    for node in _conjuncts(expr):
        if isinstance(node, ast.Path):
            found.append((node.dotted, True, node))
        elif isinstance(node, ast.Not) and isinstance(node.operand, ast.Path):
            found.append((node.operand.dotted, False, node))
    return found


def _contradiction(exprs: Iterable[Tuple[ast.Expr, str]]) -> Optional[Tuple[str, str]]:
    """(where, with what) if the conjunction of the expressions can never be true."""
    intervals: Dict[str, Interval] = {}
    seen_from: Dict[str, str] = {}
    truths: Dict[str, Tuple[bool, str]] = {}
    for expr, ident in exprs:
        for path, op, value, _ in _atoms(expr):
            interval = intervals.setdefault(path, Interval())
            try:
                interval.add(op, value)
                empty = interval.empty()
            except TypeError:
                continue
            if empty:
                return ident, seen_from.get(path, ident)
            seen_from.setdefault(path, ident)
        for path, wanted, _ in _truths(expr):
            if path in truths and truths[path][0] != wanted:
                return ident, truths[path][1]
            truths.setdefault(path, (wanted, ident))
    return None


def _tautology(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.BoolLit):
        return expr.value
    if isinstance(expr, ast.Compare) and expr.op in ("==", ">=", "<=") and expr.left == expr.right:
        return True
    if isinstance(expr, ast.Logical) and expr.op == "or":
        plain = {o.dotted for o in expr.operands if isinstance(o, ast.Path)}
        negated = {o.operand.dotted for o in expr.operands if isinstance(o, ast.Not) and isinstance(o.operand, ast.Path)}
        return bool(plain & negated)
    return False


def _never(expr: ast.Expr) -> bool:
    if isinstance(expr, ast.BoolLit):
        return not expr.value
    if isinstance(expr, ast.Compare) and expr.op in ("!=", ">", "<") and expr.left == expr.right:
        return True
    return _contradiction([(expr, "")]) is not None


def lint_rule(rule: m.Rule, report) -> None:
    groups: List[m.Group] = [rule.conditions]
    if rule.items is not None:
        groups.append(rule.items.conditions)
    for root in groups:
        for leaf in m.leaves(root):
            span = leaf.expr.tree.span or leaf.expr.span
            if _never(leaf.expr.tree):
                report("W002", span, severity="warning", id=leaf.id, expr=leaf.expr.text)
            elif _tautology(leaf.expr.tree):
                report("W003", span, severity="warning", id=leaf.id, expr=leaf.expr.text)
        for group in _all_groups(root):
            pairs = [(c.expr.tree, c.id) for c in group.children if isinstance(c, m.Condition) and not _never(c.expr.tree)]
            clash = _contradiction(pairs)
            if clash is not None:
                where, other = clash
                leaf = next(c for c in group.children if isinstance(c, m.Condition) and c.id == where)
                report("W004", leaf.expr.tree.span or leaf.span, severity="warning", id=where, other=other)
    for criterion in rule.criteria:
        if _never(criterion.expr.tree):
            report("W002", criterion.expr.tree.span or criterion.span, severity="warning", id=criterion.id, expr=criterion.expr.text)


def _all_groups(root: m.Group) -> Iterable[m.Group]:
    stack: List[m.Node] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, m.Group):
            if node.op == "all":
                yield node
            stack.extend(node.children)


def _fingerprint(rule: m.Rule) -> Tuple:
    texts = tuple(sorted(to_text(leaf.expr.tree) for leaf in m.leaves(rule.conditions)))
    items = ()
    if rule.items is not None:
        items = (rule.items.over.text,) + tuple(sorted(to_text(l.expr.tree) for l in m.leaves(rule.items.conditions)))
    criteria = tuple(sorted(to_text(c.expr.tree) for c in rule.criteria))
    return (rule.kind, rule.applies_to, texts, items, criteria)


def lint_duplicates(rules: Iterable[m.Rule], report) -> None:
    """A rule whose entity, period and conditions are those of another rule decides nothing new."""
    seen: Dict[Tuple, m.Rule] = {}
    for rule in rules:
        key = _fingerprint(rule)
        other = seen.get(key)
        if other is not None and other.id != rule.id and other.in_force.overlaps(rule.in_force):
            report("W005", rule.span, severity="warning", id=rule.id, other=other.id)
        seen.setdefault(key, rule)


def lint_quotes(policy: m.PolicyModel, report) -> None:
    """A condition, criterion or class that cites no words of the letter, on itself or on its rule."""
    for kind, rule, ident, span in uncited(policy):
        report("W010", span or rule.span, severity="warning", what=kind_word(kind), id=f"{rule.id}/{ident}")
