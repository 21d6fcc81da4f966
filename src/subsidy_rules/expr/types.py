"""Types of expressions, name resolution against the fact schema, and builtins.

Resolution is shared by the type checker, the reference interpreter and the
code generator, so all three agree on what a name means.
"""

from __future__ import annotations

import datetime as _dt
import functools
from decimal import Decimal
from typing import Callable, Dict, Optional, Tuple

import attrs

from ..model import NUMERIC, Entity, FactSchema, Field


@attrs.frozen
class Type:
    kind: str  # bool integer decimal money date text enum list record listlit any
    entity: Optional[str] = None  # for list / record
    values: Tuple[str, ...] = ()  # for enum
    element: Optional["Type"] = None  # for listlit

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    @property
    def scalar(self) -> bool:
        return self.kind not in ("list", "record", "listlit")

    def describe(self) -> str:
        if self.kind in ("list", "record"):
            return f"{self.kind}<{self.entity}>"
        return self.kind


BOOL = Type("bool")
INTEGER = Type("integer")
DECIMAL = Type("decimal")
MONEY = Type("money")
DATE = Type("date")
TEXT = Type("text")
ANY = Type("any")


def field_type(field: Field) -> Type:
    if field.type in ("list", "record"):
        return Type(field.type, entity=field.of)
    if field.type == "enum":
        return Type("enum", values=field.values)
    return Type(field.type)


def numeric_result(op: str, left: Type, right: Type) -> Type:
    """Result type of arithmetic: money wins for + - *, / gives decimal unless money / number."""
    kinds = {left.kind, right.kind}
    if op == "/":
        if left.kind == "money" and right.kind != "money":
            return MONEY
        return DECIMAL
    if "money" in kinds:
        return MONEY
    if "decimal" in kinds:
        return DECIMAL
    return INTEGER


def comparable(left: Type, right: Type, ordering: bool) -> bool:
    if left.kind == "any" or right.kind == "any":
        return True
    if left.numeric and right.numeric:
        return True
    if left.kind == "date" and right.kind == "date":
        return True
    textual = ("text", "enum")
    if left.kind in textual and right.kind in textual:
        return not ordering
    if left.kind == "bool" and right.kind == "bool":
        return not ordering
    return False


def unify(left: Type, right: Type) -> Optional[Type]:
    if left.kind == "any":
        return right
    if right.kind == "any":
        return left
    if left.numeric and right.numeric:
        return numeric_result("+", left, right)
    if left.kind in ("text", "enum") and right.kind in ("text", "enum"):
        return TEXT if left != right else left
    if left == right:
        return left
    return None


# ---------------------------------------------------------------- resolution


@attrs.frozen
class Scope:
    """Names visible to an expression: claim entities, and item scopes (innermost last)."""

    schema: FactSchema
    items: Tuple[str, ...] = ()  # entity names of enclosing item scopes

    def enter(self, entity: str) -> "Scope":
        return Scope(self.schema, self.items + (entity,))


@attrs.frozen
class Resolved:
    """What a path means: where it starts, and the fields it walks through."""

    root: str  # "item" | "entity" | "as_of"
    level: int  # for "item": index into Scope.items; for "entity": -1
    entity: Optional[str]  # the entity at the root
    fields: Tuple[Field, ...]
    type: Type

    @property
    def names(self) -> Tuple[str, ...]:
        return tuple(f.name for f in self.fields)


class ResolveError(Exception):
    def __init__(self, code: str, name: str, candidates: Tuple[str, ...] = (), part: int = 0) -> None:
        super().__init__(code)
        self.code = code
        self.name = name
        self.candidates = candidates
        self.part = part  # index of the offending part of the path


@functools.lru_cache(maxsize=16384)
def resolve(parts: Tuple[str, ...], scope: Scope) -> Resolved:
    entities = scope.schema.entities
    head = parts[0]
    root: Optional[str] = None
    level = -1
    entity: Optional[Entity] = None
    rest = parts
    for index in range(len(scope.items) - 1, -1, -1):
        candidate = entities.get(scope.items[index])
        if candidate is not None and head in candidate.fields:
            root, level, entity = "item", index, candidate
            break
    if root is None:
        if head in entities:
            root, entity, rest = "entity", entities[head], parts[1:]
            if not rest:
                return Resolved("entity", -1, head, (), Type("record", entity=head))
        elif parts == ("as_of",):
            return Resolved("as_of", -1, None, (), DATE)
        else:
            pool = list(entities)
            for name in scope.items:
                if name in entities:
                    pool.extend(entities[name].fields)
            raise ResolveError("E031", head, tuple(pool))
    assert entity is not None
    fields = []
    current: Optional[Entity] = entity
    offset = len(parts) - len(rest)
    for position, name in enumerate(rest):
        if current is None:
            if fields and fields[-1].type not in ("list", "record"):
                # a field of a plain value (labourer.age.foo): there are no fields to pick from
                raise ResolveError("E031", name, (), offset + position)
            raise ResolveError("E044", ".".join(parts[: offset + position]), (), offset + position - 1)
        field = current.fields.get(name)
        if field is None:
            raise ResolveError("E031", name, tuple(current.fields), offset + position)
        fields.append(field)
        if field.type == "record" and position < len(rest) - 1:
            current = entities.get(field.of or "")
        else:
            current = None
    last = fields[-1]
    return Resolved(root, level, entity.name, tuple(fields), field_type(last))


# ---------------------------------------------------------------- builtins


def months_between(start: _dt.date, end: _dt.date) -> int:
    """Whole months from start to end (negative when end is earlier)."""
    if end < start:
        return -months_between(end, start)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day and not _is_month_end(end, start.day):
        months -= 1
    return months


def _is_month_end(day: _dt.date, wanted: int) -> bool:
    """31 Jan -> 28 Feb counts as a whole month: the end month has no later day."""
    following = day + _dt.timedelta(days=1)
    return following.month != day.month and day.day < wanted


def years_between(start: _dt.date, end: _dt.date) -> int:
    return int(months_between(start, end) / 12)


def days_between(start: _dt.date, end: _dt.date) -> int:
    return (end - start).days


def add_months(day: _dt.date, months: int) -> _dt.date:
    total = day.year * 12 + (day.month - 1) + int(months)
    year, month = divmod(total, 12)
    month += 1
    if not 1 <= year <= 9999:
        raise OverflowError("date out of range")
    for last in (31, 30, 29, 28):
        try:
            return _dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise OverflowError("date out of range")  # pragma: no cover


def least(*values):
    """The smallest of one or more numbers (min(x) alone would try to iterate x)."""
    return min(values)


def greatest(*values):
    return max(values)


@attrs.frozen
class Builtin:
    name: str
    params: Tuple[str, ...]  # kinds: "date" "number" "integer" "path"; "number*" = 1 or more numbers
    result: str  # a kind, or "numeric" (the unified type of the arguments)
    impl: Optional[Callable] = None
    label: Tuple[str, str] = ("", "")


BUILTINS: Dict[str, Builtin] = {
    "months_between": Builtin("months_between", ("date", "date"), "integer", months_between,
                              ("相隔整月数", "whole months between")),
    "days_between": Builtin("days_between", ("date", "date"), "integer", days_between,
                            ("相隔天数", "days between")),
    "years_between": Builtin("years_between", ("date", "date"), "integer", years_between,
                             ("相隔整年数", "whole years between")),
    "add_months": Builtin("add_months", ("date", "integer"), "date", add_months,
                          ("加若干月后的日期", "date plus months")),
    "least": Builtin("least", ("number*",), "numeric", least, ("较小值", "the smaller")),
    "greatest": Builtin("greatest", ("number*",), "numeric", greatest, ("较大值", "the larger")),
    "known": Builtin("known", ("path",), "bool", None, ("已填报", "is given")),
}

AGGREGATES = ("count", "sum", "any", "all", "min", "max")

PYTHON_TYPES = {
    "bool": (bool,),
    "integer": (int,),
    "decimal": (int, Decimal),
    "money": (int, Decimal),
    "date": (_dt.date,),
    "text": (str,),
    "enum": (str,),
}
