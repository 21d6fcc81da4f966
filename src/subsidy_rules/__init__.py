"""subsidy-rules: employment poverty-alleviation subsidy rules as code.

    >>> import subsidy_rules
    >>> policy = subsidy_rules.load_policy()            # the bundled policy
    >>> [d.outcome for d in policy.evaluate(claim)]     # explained Decisions
    >>> decide = policy.decider("hiring-award")          # fast, decide-only
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple, Union

from .claims import coerce_claim, parse_text, read_claim
from .engine import Decision, ItemDecision, Policy, PolicyRef, Reason, Value
from .errors import ClaimError, Diagnostic, EvaluationError, PolicyError, SubsidyRulesError
from .resources import bundled_policy_dir
from .runtime import Outcome, Verdict

__version__ = "0.1.0"

__all__ = [
    "load_policy", "check_policy", "Policy", "Decision", "ItemDecision", "Reason", "Value", "PolicyRef",
    "Outcome", "Verdict", "SubsidyRulesError", "PolicyError", "ClaimError", "EvaluationError", "Diagnostic",
    "read_claim", "coerce_claim", "parse_text", "bundled_policy_dir", "trace_policy",
]


def check_policy(path: Union[str, Path, None] = None) -> Tuple[Optional[Policy], List[Diagnostic]]:
    """Load, check and compile; returns the policy (None if it has errors) and every diagnostic."""
    from .check import check_model
    from .load import load_model

    directory = Path(path) if path is not None else bundled_policy_dir()
    model, diagnostics = load_model(directory)
    if model is None:
        return None, diagnostics
    # a file that does not parse is missing from the model: report nothing that only comes from
    # its absence. Without the schema, parameters or policy file every expression would fail, so
    # stop; without a rule file the other rules are still checked, but no warning is given (a
    # parameter "not used" may be used by the rule that did not load)
    unreadable = [d for d in diagnostics if d.args.get("unreadable")]
    if any(Path(d.span.file).parent.name != "rules" for d in unreadable):
        return None, diagnostics
    # check what did load, so one run reports structural and type problems together
    found = check_model(model)
    if unreadable:
        found = [d for d in found if d.severity == "error"]
    diagnostics = diagnostics + found
    if any(d.severity == "error" for d in diagnostics):
        return None, diagnostics
    return Policy(model), diagnostics


def load_policy(path: Union[str, Path, None] = None) -> Policy:
    """Load a policy folder (None: the bundled policy). Raises PolicyError listing every problem."""
    policy, diagnostics = check_policy(path)
    if policy is None:
        raise PolicyError([d for d in diagnostics])
    return policy


def trace_policy(path: Union[str, Path, None] = None):
    """The shipped letter sentence by sentence, linked to what quotes it (a trace.Trace).

    Needs only a policy that loads: a policy whose check fails on a quote still traces,
    which is how a misquote is found. Raises PolicyError when the files do not load.
    """
    from .load import load_model
    from .trace import build_trace

    directory = Path(path) if path is not None else bundled_policy_dir()
    model, diagnostics = load_model(directory)
    if model is None or any(d.severity == "error" for d in diagnostics):
        raise PolicyError([d for d in diagnostics])
    return build_trace(model)
