"""What a rule reads of other rules, and when two bound rules are one query (no SQL here: a run
that finds its queries compiled need not import the SQL compiler)."""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

from ..expr import ast
from . import nodes as ir


def rule_refs(rule: ir.RuleIR) -> Tuple[str, ...]:
    """The rules a rule refers to (`@rule-id`), directly, in the order they appear: found once, as
    the rule is lowered (``RuleIR.refers_to``)."""
    regions: List[Optional[ir.Region]] = [leaf.region for leaf in rule.conditions.leaves]
    if rule.checklist is not None:
        regions += [c.region for c in rule.checklist.criteria]
    if rule.classification is not None:
        regions += [k.region for k in rule.classification.classes]
    if rule.items is not None:
        regions += [rule.items.where, rule.items.name] + [leaf.region for leaf in rule.items.conditions.leaves]
        regions.append(rule.items.amount.region if rule.items.amount is not None else None)
    regions.append(rule.amount.region if rule.amount is not None else None)
    regions += [note.when for note in rule.notes]
    found = [n.rule_id for r in regions if r is not None for n in ast.walk(r.expr) if isinstance(n, ast.RuleRef)]
    return tuple(dict.fromkeys(found))


def sharing_key(bound: ir.BoundRule) -> Tuple[Any, ...]:
    """Bound rules with equal keys compile to the same query: the same rule version and date (a
    query may hold dates computed from it) and parameter values; with references, the same county
    too (a referenced rule may have other values there)."""
    return (bound.ir.id, bound.as_of, bound.values(), bound.jurisdiction if bound.ir.refers_to else None)
