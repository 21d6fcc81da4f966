"""subsidy-rules: employment poverty-alleviation subsidy rules as code.

    >>> import subsidy_rules
    >>> policy = subsidy_rules.load_policy()            # the bundled policy
    >>> [d.outcome for d in policy.evaluate(claim)]     # explained Decisions
    >>> decide = policy.decider("hiring-award")          # fast, decide-only
    >>> subsidy_rules.evaluate_many(policy, records)     # a whole table, one result per record
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Iterator, Mapping, Optional

from .claims import coerce_claim, parse_text, read_claim
from .engine import Decision, ItemDecision, Policy, PolicyRef, Reason, Value
from .errors import ClaimError, Diagnostic, EvaluationError, PolicyError, SubsidyRulesError
from .loading import check_policy, load_policy, trace_policy
from .resources import bundled_policy_dir
from .runtime import Outcome, Verdict

__version__ = "0.1.0"

__all__ = [
    "load_policy", "check_policy", "Policy", "Decision", "ItemDecision", "Reason", "Value", "PolicyRef",
    "Outcome", "Verdict", "SubsidyRulesError", "PolicyError", "ClaimError", "EvaluationError", "Diagnostic",
    "read_claim", "coerce_claim", "parse_text", "bundled_policy_dir", "trace_policy", "evaluate_many",
    "sort_into_lists",
]


def evaluate_many(policy: Policy, records: Iterable[Mapping], rule: Optional[str] = None,
                  as_of: Optional[_dt.date] = None, explain: bool = False) -> Iterator[Any]:
    """One RecordResult per record, in order; a bad record gives a result carrying its error.

    Records are plain data (as read from JSON or CSV) and are checked against the
    fact schema; with ``explain`` each result carries the full Decision.
    """
    from .batch import evaluate_many as run  # the facade imports the batch runner only when used

    return run(policy, records, [rule] if rule else None, as_of, explain)


def sort_into_lists(policy: Policy, records: Iterable[Mapping], rule: str = "five-lists",
                    as_of: Optional[_dt.date] = None) -> Iterator[Any]:
    """One ListResult per record of a classification rule (the five lists by default), in order."""
    from .batch import sort_into_lists as run

    return run(policy, records, rule, as_of)
