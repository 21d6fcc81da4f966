"""The policy model: what the YAML files mean, as frozen attrs objects.

Built by load.py, checked by check.py, compiled by compile.py. Every object
keeps the Span of the YAML that defined it, so later stages can point at it.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Dict, Optional, Tuple, Union

import attrs

from .expr import ast
from .source import Span

FIELD_TYPES = ("bool", "integer", "decimal", "money", "date", "text", "enum", "list", "record")
PARAMETER_TYPES = ("bool", "integer", "decimal", "money", "date", "text")
# How a county may override a parameter (see check.py): a floor (不低于) only upwards, a cap
# (不超过) only downwards, a fixed amount or a threshold set by the letter not at all.
# No kind: the letter sets no value (e.g. a standard "按规定" set elsewhere); any override with its source.
PARAMETER_KINDS = ("floor", "cap", "fixed", "threshold")
NUMERIC = ("integer", "decimal", "money")


@attrs.frozen
class Label:
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else (self.en or self.zh)


@attrs.frozen
class SourceRef:
    """The clause a rule or condition cites."""

    document: str
    clause: str = ""
    quote: str = ""
    # where the quote's text starts in its file (for "quote not found" diagnostics)
    quote_span: Optional[Span] = attrs.field(default=None, eq=False)

    def text(self) -> str:
        return f"{self.document} {self.clause}".strip()


@attrs.frozen
class Period:
    start: _dt.date
    until: Optional[_dt.date] = None
    # False where the source does not give the date: decisions then say "生效日期待核实"
    confirmed: bool = True

    def contains(self, day: _dt.date) -> bool:
        return self.start <= day and (self.until is None or day <= self.until)

    def overlaps(self, other: "Period") -> bool:
        far = _dt.date.max
        return self.start <= (other.until or far) and other.start <= (self.until or far)

    def to_dict(self) -> Dict[str, Optional[str]]:
        return {"from": self.start.isoformat(), "until": self.until.isoformat() if self.until else None,
                "confirmed": self.confirmed}


@attrs.frozen
class Expression:
    """An expression as written (for explanations) and as parsed."""

    text: str
    tree: ast.Expr
    span: Span = attrs.field(eq=False)


@attrs.frozen
class Field:
    name: str
    type: str
    label: Label
    of: Optional[str] = None
    values: Tuple[str, ...] = ()
    unit: Optional[Label] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)
    implied_by: Tuple[str, ...] = ()  # bool fields of the same record whose truth makes this one true
    description: Optional[Label] = attrs.field(default=None, eq=False)  # help text for forms
    # an enum's words for each value ("enterprise" -> 企业 / enterprise), in `values` order;
    # a value written without a label has none here and is shown as written
    value_labels: Tuple[Tuple[str, Label], ...] = ()

    def value_label(self, value: Any) -> Optional[Label]:
        """The label of one enum value, if the schema gives one."""
        for name, label in self.value_labels:
            if name == value:
                return label
        return None


@attrs.frozen
class Entity:
    name: str
    label: Label
    fields: Dict[str, Field]
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen(eq=False)
class FactSchema:
    entities: Dict[str, Entity]


def person_field(schema: FactSchema, entity: Optional[Entity]) -> Optional[Field]:
    """The one record field of a list item that is a person (hire.worker, post_assignment.holder),
    so that words for people count them as people (第2名劳动者) rather than as records."""
    if entity is None:
        return None
    records = [f for f in entity.fields.values() if f.type == "record"]
    if len(records) != 1:
        return None
    held = schema.entities.get(records[0].of or "")
    return records[0] if held is not None and "name" in held.fields else None


@attrs.frozen
class ParameterValue:
    start: _dt.date
    value: Any
    span: Optional[Span] = attrs.field(default=None, eq=False)
    source: Optional["SourceRef"] = None  # required on a county override (check E054)


@attrs.frozen
class Parameter:
    name: str
    label: Label
    type: str
    values: Tuple[ParameterValue, ...]
    kind: Optional[str] = None  # one of PARAMETER_KINDS, or None
    unit: Optional[Label] = None
    source: Optional[SourceRef] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)
    interpretation: Optional[Label] = None  # the reading, where the letter does not state the value
    no_standard: bool = False  # the source sets no standard: no value is intended, amounts reading it are absent

    @property
    def floor(self) -> bool:
        return self.kind == "floor"

    def value_on(self, day: _dt.date) -> Any:
        """The value in force on ``day`` (None before the first)."""
        found = None
        for entry in self.values:
            if entry.start <= day:
                found = entry.value
            else:
                break
        return found


@attrs.frozen
class Condition:
    """A leaf: one named test."""

    id: str
    label: Label
    expr: Expression
    source: Optional[SourceRef] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class Group:
    """all / any / not over children; id and label optional."""

    op: str
    children: Tuple[Union["Group", Condition], ...]
    id: Optional[str] = None
    label: Optional[Label] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)


Node = Union[Group, Condition]


@attrs.frozen
class Note:
    when: Expression
    label: Label


@attrs.frozen
class Items:
    """Decide each element of a list, then total."""

    over: Expression
    entity: str
    label: Label
    conditions: Group
    amount: Optional[Expression] = None
    name: Optional[Expression] = None
    where: Optional[Expression] = None
    require: str = "any"
    notes: Tuple[Note, ...] = ()


@attrs.frozen
class Criterion:
    id: str
    label: Label
    points: Decimal
    expr: Expression
    veto: bool = False
    source: Optional[SourceRef] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class PassRule:
    min_score: Optional[Decimal] = None
    at_least: Optional[int] = None
    all: bool = False


@attrs.frozen
class ClassDef:
    id: str
    label: Label
    expr: Expression
    span: Optional[Span] = attrs.field(default=None, eq=False)
    source: Optional[SourceRef] = None


@attrs.frozen
class Designation:
    id: str
    label: Label


@attrs.frozen
class Rule:
    id: str
    version: int
    kind: str  # eligibility | checklist | classification
    title: Label
    source: SourceRef
    in_force: Period
    applies_to: str
    conditions: Group
    file: str
    items: Optional[Items] = None
    amount: Optional[Expression] = None
    notes: Tuple[Note, ...] = ()
    designation: Optional[Designation] = None
    criteria: Tuple[Criterion, ...] = ()
    pass_rule: Optional[PassRule] = None
    classes: Tuple[ClassDef, ...] = ()
    interpretation: Optional[Label] = None
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class PolicyInfo:
    name: str
    title: Label
    version: str
    currency: str = "CNY"
    counties: Tuple[str, ...] = ()


@attrs.frozen
class Restoration:
    """Characters the printed text lost, put back for reading and quoting (1000/人 -> 1000元/人)."""

    printed: str
    reads: str
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class DocumentPart:
    """Where a part of a document without a numbered heading begins (下一步…), and its name."""

    at: str
    section: str
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class Document:
    """A source document shipped with the policy (policy/documents/*.yaml plus its text).

    ``text`` is the file as published; ``reading`` is that text with the restorations
    applied, which is what sentences are cut from and quotes are matched in.
    ``normative`` / ``not_normative`` are fragments that override the sentence heuristic.
    """

    id: str
    title: Label
    date: Optional[_dt.date]
    text: str
    reading: str
    file: str
    restates: Tuple[str, ...] = ()
    restorations: Tuple[Restoration, ...] = ()
    parts: Tuple[DocumentPart, ...] = ()
    normative: Tuple[str, ...] = ()
    not_normative: Tuple[str, ...] = ()
    span: Optional[Span] = attrs.field(default=None, eq=False)


@attrs.frozen
class PolicyModel:
    """Everything loaded from a policy folder, before compilation."""

    info: PolicyInfo
    schema: FactSchema
    parameters: Dict[str, Parameter]
    overrides: Dict[str, Dict[str, Tuple[ParameterValue, ...]]]
    rules: Tuple[Rule, ...]
    digest: str
    root: str
    documents: Tuple[Document, ...] = ()


def leaves(node: Node):
    """Every leaf condition under a node, in order."""
    if isinstance(node, Condition):
        yield node
        return
    for child in node.children:
        yield from leaves(child)


def rule_expressions(rule: Rule):
    """(expression, item-entity-or-None, what) for every expression of a rule."""
    for leaf in leaves(rule.conditions):
        yield leaf.expr, None, "condition"
    if rule.amount is not None:
        yield rule.amount, None, "amount"
    for note in rule.notes:
        yield note.when, None, "condition"
    for criterion in rule.criteria:
        yield criterion.expr, None, "condition"
    for klass in rule.classes:
        yield klass.expr, None, "condition"
    if rule.items is not None:
        items = rule.items
        yield items.over, None, "list"
        for leaf in leaves(items.conditions):
            yield leaf.expr, items.entity, "condition"
        if items.amount is not None:
            yield items.amount, items.entity, "amount"
        if items.name is not None:
            yield items.name, items.entity, "any"
        if items.where is not None:
            yield items.where, items.entity, "condition"
        for note in items.notes:
            yield note.when, items.entity, "condition"
