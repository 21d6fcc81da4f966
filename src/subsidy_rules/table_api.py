"""The package's calls over many records (``subsidy_rules.evaluate_many``, ``sort_into_lists``).

They live in a module of their own, importing what their annotations name, so that
``typing.get_type_hints`` resolves them, while ``import subsidy_rules`` still imports nothing
until a name is used."""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Iterator, Mapping, Optional

from .batch import ListResult, RecordResult
from .batch import evaluate_many as _evaluate_many
from .batch import sort_into_lists as _sort_into_lists
from .engine import Policy


def evaluate_many(policy: Policy, records: Iterable[Mapping], rule: Optional[str] = None,
                  as_of: Optional[_dt.date] = None, explain: bool = False) -> Iterator[RecordResult]:
    """One RecordResult per record, in order; a bad record gives a result carrying its error.

    Records are plain data (as read from JSON or CSV) and are checked against the
    fact schema; with ``explain`` each result carries the full Decision.
    """
    return _evaluate_many(policy, records, [rule] if rule else None, as_of, explain)


def sort_into_lists(policy: Policy, records: Iterable[Mapping], rule: str = "five-lists",
                    as_of: Optional[_dt.date] = None) -> Iterator[ListResult]:
    """One ListResult per record of a classification rule (the five lists by default), in order."""
    return _sort_into_lists(policy, records, rule, as_of)


__all__ = ["evaluate_many", "sort_into_lists", "RecordResult", "ListResult"]
