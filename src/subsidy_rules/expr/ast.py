"""Our own AST for rule expressions.

Frozen attrs nodes named after the grammar's rules. The span is excluded from
equality, so tests can compare trees parsed from differently spaced text.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Optional, Tuple, Union

import attrs

from ..source import Span


def _span_field() -> Optional[Span]:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


@attrs.frozen(cache_hash=True)
class NumberLit:
    value: Union[int, Decimal]
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class TextLit:
    value: str
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class BoolLit:
    value: bool
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class DateLit:
    value: _dt.date
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Path:
    """A fact path such as ``employer.hires`` or, inside an item scope, ``contract_months``."""

    parts: Tuple[str, ...]
    span: Optional[Span] = _span_field()

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@attrs.frozen(cache_hash=True)
class Param:
    name: str
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class RuleRef:
    """``@rule-id``: the outcome of another rule on the same claim, as a truth value."""

    rule_id: str
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Not:
    operand: "Expr"
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Neg:
    operand: "Expr"
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Logical:
    """An ``and`` / ``or`` chain, kept flat so long chains never nest deeply."""

    op: str  # "and" | "or"
    operands: Tuple["Expr", ...]
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Compare:
    op: str  # ">=" "<=" ">" "<" "==" "!="
    left: "Expr"
    right: "Expr"
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Arith:
    op: str  # "+" "-" "*" "/"
    left: "Expr"
    right: "Expr"
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class In:
    item: "Expr"
    collection: "Expr"
    negated: bool = False
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class ListLit:
    items: Tuple["Expr", ...]
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class If:
    cond: "Expr"
    then: "Expr"
    otherwise: "Expr"
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Call:
    name: str
    args: Tuple["Expr", ...]
    span: Optional[Span] = _span_field()


@attrs.frozen(cache_hash=True)
class Aggregate:
    """``count(xs where c)``, ``sum(v of xs where c)``: ``where`` and ``v`` see each item's fields."""

    func: str  # count sum any all min max
    source: "Expr"
    value: Optional["Expr"] = None
    where: Optional["Expr"] = None
    span: Optional[Span] = _span_field()


Expr = Union[
    NumberLit, TextLit, BoolLit, DateLit, Path, Param, RuleRef, Not, Neg, Logical,
    Compare, Arith, In, ListLit, If, Call, Aggregate,
]

LITERALS = (NumberLit, TextLit, BoolLit, DateLit)


def children(node: Expr) -> Tuple[Expr, ...]:
    """The direct sub-expressions of a node, in source order."""
    if isinstance(node, (Not, Neg)):
        return (node.operand,)
    if isinstance(node, Logical):
        return node.operands
    if isinstance(node, (Compare, Arith)):
        return (node.left, node.right)
    if isinstance(node, In):
        return (node.item, node.collection)
    if isinstance(node, ListLit):
        return node.items
    if isinstance(node, If):
        return (node.cond, node.then, node.otherwise)
    if isinstance(node, Call):
        return node.args
    if isinstance(node, Aggregate):
        found = [x for x in (node.value, node.source, node.where) if x is not None]
        return tuple(found)
    return ()


def walk(node: Expr):
    """Every node of the tree, parents first, without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(children(current)))


def depth(node: Expr) -> int:
    """Nesting depth, computed without recursion."""
    best = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        best = max(best, level)
        for child in children(current):
            stack.append((child, level + 1))
    return best
