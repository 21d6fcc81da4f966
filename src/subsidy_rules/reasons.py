"""What an explanation is made of: the values a condition read, the reasons tree and the
items, as frozen records. Built by the engine, read by every renderer."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import attrs

from . import model as m
from .runtime import Outcome


@attrs.frozen
class Value:
    """One value a condition read: a fact, a parameter, or a computed aggregate."""

    key: str
    value: Any
    kind: str  # fact | param
    label: Optional[m.Label] = None
    unit: Optional[m.Label] = None


@attrs.frozen
class Reason:
    """One node of an explanation tree."""

    id: Optional[str]
    label: Optional[m.Label]
    kind: str  # all any not condition criterion class amount score note
    result: Optional[bool]
    expr: Optional[str] = None
    values: Tuple[Value, ...] = ()
    source: Optional[m.SourceRef] = None
    children: Tuple["Reason", ...] = ()
    points: Optional[Decimal] = None
    veto: bool = False
    tree: Any = attrs.field(default=None, eq=False, repr=False)  # the expression AST, for renderers

    def value_map(self) -> Dict[str, Any]:
        return {v.key: v.value for v in self.values}

    def walk(self) -> Iterator["Reason"]:
        yield self
        for child in self.children:
            yield from child.walk()


@attrs.frozen
class ItemDecision:
    index: int
    path: str
    name: Optional[str]
    considered: Optional[bool]
    outcome: Outcome
    amount: Optional[Decimal]
    reasons: Tuple[Reason, ...]
    missing: Tuple[str, ...]
    notes: Tuple[m.Label, ...] = ()
    amount_reason: Optional[Reason] = None


def missing_by_item(missing: Sequence[str], over: str) -> Dict[int, List[str]]:
    """The missing facts of each item of `over` (``over[3]`` and ``over[3].…``), in one pass:
    a claim may have thousands of items, each missing something."""
    found: Dict[int, List[str]] = {}
    start = over + "["
    for path in missing:
        if not path.startswith(start):
            continue
        close = path.find("]", len(start))
        rest = path[close + 1:]
        if close > len(start) and path[len(start):close].isdigit() and (not rest or rest.startswith(".")):
            found.setdefault(int(path[len(start):close]), []).append(path)
    return found


# ====================================================================== Policy
