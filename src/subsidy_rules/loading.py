"""The way in: load, check and compile a policy folder (or trace it to its letter)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple, Union

from .check import check_model
from .engine import Policy
from .errors import Diagnostic, PolicyError
from .load import load_model
from .resources import bundled_policy_dir
from .trace import build_trace


def check_policy(path: Union[str, Path, None] = None) -> Tuple[Optional[Policy], List[Diagnostic]]:
    """Load, check and compile; returns the policy (None if it has errors) and every diagnostic."""
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
    elif any(d.severity == "error" for d in diagnostics + found):
        # an expression that does not parse (or a key the loader refused) reads its parameters
        # nowhere: "not used" would say so of a parameter in use
        found = [d for d in found if d.code != "W001"]
    if any(d.severity == "error" and d.span is not None and Path(d.span.file).name == "parameters.yaml" for d in diagnostics):
        # a value refused where it is written leaves its parameter without it: "no value in force"
        # at every rule that reads the parameter would only say that again
        found = [d for d in found if d.code != "E052"]
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
    directory = Path(path) if path is not None else bundled_policy_dir()
    model, diagnostics = load_model(directory)
    if model is None or any(d.severity == "error" for d in diagnostics):
        raise PolicyError([d for d in diagnostics])
    return build_trace(model)
