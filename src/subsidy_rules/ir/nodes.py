"""The rule IR: what a rule is, between the policy model and every target.

One node kind per rule-level construct. Expressions stay the expression AST
(frozen, spans kept); parameters stay `$name` references and are bound for a
date and a county in a BoundRule, so one IR serves every date while each target
may inline the bound values (SQL) or pass them in (Python).

Every node carries the values an explanation shows for it (``observed``), in one
order that every evaluator fills: facts the region reads, parameters, then the
computed values (aggregates, shown sides of comparisons, rule references) in
source order. Computed values are keyed by their AST node, never by its text.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Mapping, Optional, Tuple, Union

import attrs

from .. import model as m
from ..expr import ast
from ..source import Span


@attrs.frozen
class Observed:
    """One value shown beside a condition: a fact, a parameter, a computed value or a rule's result."""

    kind: str  # fact | param | computed | rule
    key: str  # dotted fact path (relative to the scope), parameter name, expression text, "@rule-id"
    node: Optional[ast.Expr] = attrs.field(default=None, eq=False)  # for computed / rule: the AST node


@attrs.frozen
class Region:
    """An expression evaluated on its own (a condition's test, an amount, a note's `when`)."""

    expr: ast.Expr
    text: str
    observed: Tuple[Observed, ...]
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class Leaf:
    """A named test: a condition of the rule or of its items."""

    index: int  # position in its tree's pre-order
    id: str
    label: m.Label
    region: Region
    source: Optional[m.SourceRef] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class Group:
    """all / any / not over children."""

    index: int
    op: str  # all | any | not
    children: Tuple["Node", ...]
    id: Optional[str] = None
    label: Optional[m.Label] = None


Node = Union[Leaf, Group]


@attrs.frozen
class Tree:
    """A condition tree with its nodes in pre-order: every evaluator reports one value per node in this order."""

    root: Group
    nodes: Tuple[Node, ...]
    leaves: Tuple[Leaf, ...]
    slices: Tuple[slice, ...] = attrs.field(init=False, eq=False, repr=False)  # each leaf's part of the observed values
    leaf_slices: Mapping[int, slice] = attrs.field(init=False, eq=False, repr=False)  # the same, by node index

    def __attrs_post_init__(self) -> None:
        found, start = [], 0
        for leaf in self.leaves:
            width = len(leaf.region.observed)
            found.append(slice(start, start + width))
            start += width
        object.__setattr__(self, "slices", tuple(found))
        object.__setattr__(self, "leaf_slices", {leaf.index: part for leaf, part in zip(self.leaves, found)})

    @property
    def width(self) -> int:
        """How many observed values the whole tree shows (one flat tuple, each leaf a slice)."""
        return sum(len(leaf.region.observed) for leaf in self.leaves)


@attrs.frozen
class Note:
    when: Region
    label: m.Label


@attrs.frozen
class Amount:
    """How much is paid when eligible. Eligibility never waits for an amount.

    ``standard``: "set" (the letter sets it) or "floor" (不低于: the floor is paid and
    the decision says so). An amount reading a parameter with no value in force has
    no standard on that date: no amount, never 0.
    """

    region: Region
    standard: str = "set"
    rounded: bool = False  # a bound money parameter alone: already rounded to the fen
    params: Tuple[str, ...] = ()  # the parameters it reads: one without a value means no standard


@attrs.frozen
class Items:
    """Decide each element of a list, then combine (any / all) and total."""

    over: Region  # a list path
    entity: str
    label: m.Label
    conditions: Tree
    require: str = "any"  # any | all
    name: Optional[Region] = None
    where: Optional[Region] = None
    amount: Optional[Amount] = None
    notes: Tuple[Note, ...] = ()


@attrs.frozen
class Criterion:
    id: str
    label: m.Label
    points: Decimal
    region: Region
    veto: bool = False
    source: Optional[m.SourceRef] = None


@attrs.frozen
class Checklist:
    """Criteria with points and vetoes, decided by a pass rule."""

    criteria: Tuple[Criterion, ...]
    min_score: Optional[Decimal] = None
    at_least: Optional[int] = None
    all: bool = False


@attrs.frozen
class ClassDef:
    id: str
    label: m.Label
    region: Region


@attrs.frozen
class Classification:
    classes: Tuple[ClassDef, ...]


@attrs.frozen
class RuleIR:
    """One version of a rule. ``kind`` says which of items / checklist / classification it may carry."""

    id: str
    version: int
    kind: str  # eligibility | checklist | classification
    title: m.Label
    source: m.SourceRef
    in_force: m.Period
    applies_to: str
    conditions: Tree
    file: str
    params: Tuple[str, ...]  # every parameter the rule reads, in first-use order
    entities: Tuple[str, ...]  # every entity the rule reads, applies_to first
    items: Optional[Items] = None
    amount: Optional[Amount] = None
    notes: Tuple[Note, ...] = ()
    checklist: Optional[Checklist] = None
    classification: Optional[Classification] = None
    designation: Optional[m.Designation] = None
    model: m.Rule = attrs.field(default=None, eq=False, repr=False)
    refers_to: Tuple[str, ...] = ()  # the rules it refers to (`@rule-id`), in first-use order (refs.rule_refs)


@attrs.frozen
class BoundParameter:
    """A parameter's value on a date in a county, and what kind of standard it is."""

    name: str
    value: Any  # None: no value in force (no standard)
    kind: str = "fixed"  # fixed | floor | cap | threshold


@attrs.frozen
class BoundRule:
    """A rule version bound to a date and a jurisdiction: everything a target needs."""

    ir: RuleIR
    as_of: _dt.date
    jurisdiction: Optional[str]
    parameters: Mapping[str, BoundParameter] = attrs.field(eq=False)

    @property
    def in_force(self) -> bool:
        return self.ir.in_force.contains(self.as_of)

    def values(self) -> Tuple[Any, ...]:
        """Bound values in the order of ``ir.params``."""
        return tuple(self.parameters[name].value for name in self.ir.params)

    def value(self, name: str) -> Any:
        return self.parameters[name].value
