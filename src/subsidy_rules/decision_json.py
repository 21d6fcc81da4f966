"""Decisions as JSON: the documented contract (docs/embedding.md), stable keys.

Apart from the words of explanations (explain.py), so that a Decision can give
its own JSON (Decision.to_dict) without the engine depending on the renderers.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

from . import gcpause
from . import model as m
from .ir import nodes as ir
from .reasons import ItemDecision, Reason, missing_by_item
from .runtime import OUTCOME_OF, Outcome

Decision = Any  # an engine.Decision: not imported, the engine imports this module for Decision.to_dict


_HUGE = 10 ** 15


def huge_number(value: Any) -> Optional[str]:
    """Numbers beyond what a claim may hold (they can come from arithmetic) in short scientific form."""
    try:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and not -_HUGE < value < _HUGE:
            return format(Decimal(value), ".6e")
    except ArithmeticError:
        return str(value)  # NaN / infinity: their own short names
    return None


def json_value(value: Any) -> Any:
    cls = value.__class__
    if value is None or cls is bool or cls is str:
        return value
    if cls is int and -_HUGE < value < _HUGE:
        return value
    huge = huge_number(value)
    if huge is not None:
        return huge
    if isinstance(value, bool) or isinstance(value, (int, str)):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def _label(label: Optional[m.Label], lang: str, fallback: str = "") -> str:
    return label.get(lang) if label is not None else fallback


def reason_to_dict(reason: Reason, lang: str) -> Dict[str, Any]:
    return {
        "id": reason.id,
        "label": _label(reason.label, lang),
        "kind": reason.kind,
        "expr": reason.expr,
        "result": reason.result,
        "values": {v.key: json_value(v.value) for v in reason.values},
        "source": reason.source.text() if reason.source else None,
        "points": json_value(reason.points),
        "veto": reason.veto,
        "children": [reason_to_dict(c, lang) for c in reason.children],
    }


def item_to_dict(item: ItemDecision, lang: str) -> Dict[str, Any]:
    return {
        "index": item.index,
        "path": item.path,
        "name": json_value(item.name),
        "considered": item.considered,
        "outcome": item.outcome.value,
        "amount": json_value(item.amount),
        "reasons": [reason_to_dict(r, lang) for r in item.reasons],
        "missing": list(item.missing),
        "notes": [n.get(lang) for n in item.notes],
    }


def decision_to_dict(decision: Decision, lang: str = "zh") -> Dict[str, Any]:
    with gcpause.paused(_large(decision)):
        return _decision_to_dict(decision, lang)


def _large(decision: Decision) -> bool:
    return len(decision.raw.items or ()) > gcpause.LARGE


def _decision_to_dict(decision: Decision, lang: str) -> Dict[str, Any]:
    raw = decision.raw
    static = _static_json(decision, lang)
    rule_ir = decision.compiled.ir
    eligible = raw.verdict.outcome is Outcome.ELIGIBLE
    if rule_ir.items is None and rule_ir.amount is not None:
        amount_json = _amount_json(decision, lang) if eligible and raw.verdict.amount is not None else None
    else:
        amount_reason = decision.amount_reason
        amount_json = reason_to_dict(amount_reason, lang) if amount_reason else None
    score = decision.score if rule_ir.checklist is not None else None
    designation = rule_ir.designation if eligible else None
    return {
        "rule": static["rule"],
        "rule_version": static["rule_version"],
        "title": static["title"],
        "outcome": raw.verdict.outcome.value,
        "amount": json_value(raw.verdict.amount),
        "amount_status": raw.amount_status,
        "amount_standard": static["amount_standard"],
        "amount_missing": list(raw.amount_missing),
        "currency": static["currency"],
        "source": static["source"],
        "reasons": _reasons_json(decision, lang),
        "missing": list(raw.missing),
        "items": _items_json(decision, lang),
        "amount_explanation": amount_json,
        "notes": [note.label.get(lang) for note, hit in zip(rule_ir.notes, raw.notes) if hit is True],
        "designation": {"id": designation.id, "label": designation.label.get(lang)} if designation else None,
        "score": {k: json_value(v) for k, v in score.items()} if score else None,
        "classes": list(decision.classes) if rule_ir.classification is not None else None,
        "interpretation": static["interpretation"],
        "jurisdiction": decision.jurisdiction,
        "in_force_confirmed": static["in_force_confirmed"],
    }


_STATIC: Dict[Tuple[int, str], Tuple[Any, Dict[str, Any]]] = {}


def _static_json(decision: Decision, lang: str) -> Dict[str, Any]:
    """What every decision of one rule version says alike, worked out once per language."""
    compiled = decision.compiled
    found = _STATIC.get((id(compiled), lang))
    if found is None or found[0] is not compiled:
        rule = compiled.rule
        part = {
            "rule": rule.id, "rule_version": rule.version, "title": rule.title.get(lang),
            "amount_standard": decision.amount_standard, "currency": decision.currency, "source": rule.source.text(),
            "interpretation": rule.interpretation.get(lang) if rule.interpretation else None,
            "in_force_confirmed": rule.in_force.confirmed,
        }
        if len(_STATIC) > 4096:
            _STATIC.clear()
        found = _STATIC[(id(compiled), lang)] = (compiled, part)
    return found[1]


def _amount_json(decision: Decision, lang: str) -> Dict[str, Any]:
    """reason_to_dict of the amount's reason, its values filled in from the record."""
    amount = decision.compiled.ir.amount
    assert amount is not None
    key = (id(amount), lang)
    found = _STATIC.get(key)
    if found is None or found[0] is not amount:
        proto = Reason("amount", m.Label("金额", "Amount"), "amount", True, amount.region.text, ())
        keys = tuple("$" + o.key if o.kind == "param" else o.key for o in amount.region.observed)
        found = _STATIC[key] = (amount, {"static": reason_to_dict(proto, lang), "keys": keys})
    part = found[1]
    result = part["static"].copy()
    result["values"] = {k: json_value(v) for k, v in zip(part["keys"], decision.raw.amount_observed)}
    return result


# The JSON of condition trees straight from the evaluator's record: what reason_to_dict and
# item_to_dict give for the same decision (tests/test_explain.py holds them equal), without
# building Reason objects first — a claim may have 200,000 items, a batch millions of claims.

class _TreePlan:
    """reason_to_dict of every node with its result and values left out, and where those come from."""

    def __init__(self, tree: ir.Tree, lang: str) -> None:
        self.tree = tree
        self.static: Dict[int, Dict[str, Any]] = {}
        self.keys: Dict[int, Tuple[str, ...]] = {}
        for node in tree.nodes:
            if isinstance(node, ir.Leaf):
                proto = Reason(node.id, node.label, "condition", None, node.region.text, (), node.source)
                self.keys[node.index] = tuple("$" + o.key if o.kind == "param" else o.key for o in node.region.observed)
            else:
                proto = Reason(node.id, node.label, node.op, None, None, (), None)
            self.static[node.index] = reason_to_dict(proto, lang)
        root = tree.root
        self.top = root.children if root.op == "all" and root.id is None else (root,)

        slices = tree.leaf_slices
        # one step per node: (index, its static part, value keys and slice for a leaf, children for a group)
        self.steps = {node.index: (node.index, self.static[node.index], self.keys.get(node.index),
                                   slices.get(node.index), getattr(node, "children", ()))
                      for node in tree.nodes}

    def dicts(self, values: Sequence[Any], observed: Sequence[Any]) -> List[Dict[str, Any]]:
        steps = self.steps

        def build(step: tuple) -> Dict[str, Any]:
            index, static, keys, part, children = step
            found = static.copy()
            found["result"] = values[index]
            if keys is not None:
                found["values"] = {k: json_value(v) for k, v in zip(keys, observed[part])}
            else:
                found["children"] = [build(steps[child.index]) for child in children]
            return found

        return [build(steps[node.index]) for node in self.top]


_PLANS: Dict[Tuple[int, str], Tuple[ir.Tree, _TreePlan]] = {}


def _plan(tree: ir.Tree, lang: str) -> _TreePlan:
    found = _PLANS.get((id(tree), lang))
    if found is None or found[0] is not tree:
        if len(_PLANS) > 4096:
            _PLANS.clear()
        found = _PLANS[(id(tree), lang)] = (tree, _TreePlan(tree, lang))
    return found[1]


def _reasons_json(decision: Decision, lang: str) -> List[Dict[str, Any]]:
    rule = decision.compiled.ir
    if not rule.in_force.contains(decision.as_of):
        return [reason_to_dict(r, lang) for r in decision.reasons]
    raw = decision.raw
    found = _plan(rule.conditions, lang).dicts(raw.nodes, raw.observed)
    if rule.checklist is not None or rule.classification is not None:
        found.append(reason_to_dict(decision.reasons[-1], lang))  # the score, or the lists
    return found


def _items_json(decision: Decision, lang: str) -> List[Dict[str, Any]]:
    items = decision.compiled.ir.items
    if items is None or decision.raw.items is None:
        return []
    plan = _plan(items.conditions, lang)
    over = items.over.text
    by_item = missing_by_item(decision.missing + decision.amount_missing, over)
    found = []
    for raw in decision.raw.items:
        left_out = raw.nodes is None
        pending = raw.state is None or raw.amount_status == "pending"
        found.append({
            "index": raw.index,
            "path": f"{over}[{raw.index}]",
            "name": json_value(raw.name),
            "considered": False if left_out else raw.considered,
            "outcome": OUTCOME_OF[False if left_out else raw.state].value,
            "amount": None if left_out else json_value(raw.amount),
            "reasons": [] if left_out else plan.dicts(raw.nodes, raw.observed),
            "missing": list(by_item.get(raw.index, ())) if pending and not left_out else [],
            "notes": [] if left_out else [note.label.get(lang) for note, hit in zip(items.notes, raw.notes) if hit is True],
        })
    return found


def document(decisions: Sequence[Decision], lang: str = "zh", as_of: Optional[_dt.date] = None) -> Dict[str, Any]:
    """The whole `explain --format json` document."""
    first = decisions[0] if decisions else None
    return {
        "as_of": (as_of or (first.as_of if first else _dt.date.today())).isoformat(),
        "policy": first.policy.to_dict() if first else None,
        "decisions": [decision_to_dict(d, lang) for d in decisions],
    }


def to_json(decisions: Sequence[Decision], lang: str = "zh", as_of: Optional[_dt.date] = None) -> str:
    return json.dumps(document(decisions, lang, as_of), ensure_ascii=False, indent=2, sort_keys=False)


