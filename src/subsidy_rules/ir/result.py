"""What an evaluator of a bound rule hands the engine: one typed record per claim.

The reference evaluator and the generated Python build the same records, so the
engine builds Decisions (and their explanations) the same way whichever ran.
NamedTuples, not attrs: generated code builds millions of them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, NamedTuple, Optional, Tuple

from ..logic import Truth
from ..runtime import Verdict

Paths = Tuple[str, ...]

# how an eligible decision's amount stands
PAID = "paid"  # computed, rounded to the fen
PENDING = "pending"  # 待定: facts needed only for the amount are missing
NO_STANDARD = "no_standard"  # the source sets no standard: no amount, never 0
NONE = "none"  # not eligible, or the rule pays nothing


class RawItem(NamedTuple):
    index: int
    state: Truth  # the item's eligibility
    amount: Optional[Decimal]
    nodes: Optional[Tuple[Truth, ...]]  # one truth per node of the items' tree; None when `where` left it out
    observed: Tuple[Any, ...]  # the observed values of the item's leaves, one flat tuple
    notes: Tuple[Truth, ...]
    name: Any
    considered: Truth  # the result of `where` (True without one)
    amount_observed: Tuple[Any, ...]
    amount_status: str = NONE


class RawResult(NamedTuple):
    verdict: Verdict
    nodes: Tuple[Truth, ...]  # one truth per node of the rule's tree, pre-order
    observed: Tuple[Any, ...]  # the observed values of the rule's leaves, one flat tuple
    notes: Tuple[Truth, ...]
    items: Optional[Tuple[RawItem, ...]]
    extra: Tuple[Tuple[Truth, Tuple[Any, ...]], ...]  # (truth, observed values) per criterion or class
    amount_observed: Tuple[Any, ...]
    amount_status: str = NONE
    missing: Paths = ()  # the facts that would settle eligibility (only when undetermined)
    amount_missing: Paths = ()  # the facts that would fix the amount (only when pending)
