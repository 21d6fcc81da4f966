"""subsidy-rules: employment poverty-alleviation subsidy rules as code.

    >>> import subsidy_rules
    >>> policy = subsidy_rules.load_policy()            # the bundled policy
    >>> [d.outcome for d in policy.evaluate(claim)]     # explained Decisions
    >>> decide = policy.decider("hiring-award")          # fast, decide-only
    >>> subsidy_rules.evaluate_many(policy, records)     # a whole table, one result per record
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, List

if TYPE_CHECKING:
    from .claims import coerce_claim, parse_text, read_claim
    from .engine import Decision, ItemDecision, Policy, PolicyRef, Reason, Value
    from .errors import ClaimError, Diagnostic, EvaluationError, PolicyError, SubsidyRulesError
    from .loading import check_policy, load_policy, trace_policy
    from .resources import bundled_policy_dir
    from .runtime import Outcome, Verdict
    from .table_api import evaluate_many, sort_into_lists

# Each public name and the module it lives in. They are imported when first used, so that
# `import subsidy_rules` costs nothing before the command line can guard against Ctrl-C
# (launch.py); to the user the names are the same.
_HOMES = {
    **dict.fromkeys(("coerce_claim", "parse_text", "read_claim"), "claims"),
    **dict.fromkeys(("Decision", "ItemDecision", "Policy", "PolicyRef", "Reason", "Value"), "engine"),
    **dict.fromkeys(("ClaimError", "Diagnostic", "EvaluationError", "PolicyError", "SubsidyRulesError"), "errors"),
    **dict.fromkeys(("check_policy", "load_policy", "trace_policy"), "loading"),
    "bundled_policy_dir": "resources",
    **dict.fromkeys(("Outcome", "Verdict"), "runtime"),
    **dict.fromkeys(("evaluate_many", "sort_into_lists"), "table_api"),
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:  # a submodule, as `import subsidy_rules` made them reachable before
        if name.startswith("_") or name == "launch":  # __main__ and launch run the command when imported
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_HOMES))


__version__ = "0.1.0"

__all__ = [
    "load_policy", "check_policy", "Policy", "Decision", "ItemDecision", "Reason", "Value", "PolicyRef",
    "Outcome", "Verdict", "SubsidyRulesError", "PolicyError", "ClaimError", "EvaluationError", "Diagnostic",
    "read_claim", "coerce_claim", "parse_text", "bundled_policy_dir", "trace_policy", "evaluate_many",
    "sort_into_lists",
]
