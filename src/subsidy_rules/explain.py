"""Decisions -> text, JSON and Markdown, in Chinese or English.

Renderers only format: every fact they print is already in the Decision.
The JSON shape is a documented contract (docs/embedding.md); keys are stable.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence

from . import model as m
from .engine import Decision, ItemDecision, Reason, Value
from .expr import ast
from .expr.printer import to_text
from .messages import IN_FORCE, render
from .runtime import Outcome

MARKS = {True: "✓", False: "✗", None: "?"}

WORDS = {
    "zh": {
        Outcome.ELIGIBLE: "符合条件", Outcome.INELIGIBLE: "不符合条件", Outcome.UNDETERMINED: "无法确定(缺少材料)",
        "amount": "金额", "source": "依据", "as_of": "评估日期", "policy": "政策", "missing": "需补充的材料",
        "items": "逐项", "item_summary": "{ok} 项符合,{no} 项不符合,{unk} 项无法确定", "not_considered": "不适用",
        "yes": "是", "no": "否", "unknown": "未填报", "needs": "需要", "all": "以下全部满足", "any": "以下任一满足",
        "not": "以下不成立", "score": "得分 {score} / {max},需要 {min} 分以上", "veto": "否决项",
        "points": "{points} 分", "interpretation": "解释", "designation": "认定", "classes": "所属名单",
        "notes": "说明", "total": "合计 {n} 项,共 {amount}", "computed": "计算", "currency": "元",
        "more": "(共 {n} 项;使用 --full 查看全部)", "in_force": "生效期间",
        "pending": "金额待定", "amount_missing": "确定金额还需", "no_standard": "金额:来函未规定标准",
        "floor": "金额按来函规定的最低标准(不低于)支付,县区可提高",
    },
    "en": {
        Outcome.ELIGIBLE: "eligible", Outcome.INELIGIBLE: "not eligible", Outcome.UNDETERMINED: "undetermined (facts missing)",
        "amount": "Amount", "source": "Source", "as_of": "As of", "policy": "Policy", "missing": "Facts that would settle it",
        "items": "Per item", "item_summary": "{ok} eligible, {no} not eligible, {unk} undetermined", "not_considered": "not considered",
        "yes": "yes", "no": "no", "unknown": "not given", "needs": "needs", "all": "all of", "any": "any of",
        "not": "not", "score": "score {score} / {max}, needs {min}", "veto": "veto",
        "points": "{points} pts", "interpretation": "Interpretation", "designation": "Designation", "classes": "Lists",
        "notes": "Notes", "total": "{n} item(s), total {amount}", "computed": "Computed", "currency": "CNY",
        "more": "({n} in all; --full shows every one)", "in_force": "In force",
        "pending": "amount to be determined", "amount_missing": "Facts that would fix the amount",
        "no_standard": "amount: no standard in the source",
        "floor": "The amount is the floor the source sets (at least); a county may pay more",
    },
}

THRESHOLD = {
    "zh": {">=": "{t}以上(含)", ">": "超过 {t}", "<=": "{t}以下(含)", "<": "低于 {t}", "==": "等于 {t}", "!=": "不等于 {t}"},
    "en": {">=": "at least {t}", ">": "more than {t}", "<=": "at most {t}", "<": "less than {t}", "==": "exactly {t}", "!=": "anything but {t}"},
}
MIRROR = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}


# ------------------------------------------------------------------ JSON


_HUGE = 10 ** 15


def _huge(value: Any) -> Optional[str]:
    """Numbers beyond what a claim may hold (they can come from arithmetic) in short scientific form."""
    try:
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and not -_HUGE < value < _HUGE:
            return format(Decimal(value), ".6e")
    except ArithmeticError:
        return str(value)  # NaN / infinity: their own short names
    return None


def json_value(value: Any) -> Any:
    huge = _huge(value)
    if huge is not None:
        return huge
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
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
    rule = decision.rule
    amount_reason = decision.amount_reason
    score = decision.score
    return {
        "rule": rule.id,
        "rule_version": rule.version,
        "title": rule.title.get(lang),
        "outcome": decision.outcome.value,
        "amount": json_value(decision.amount),
        "amount_status": decision.amount_status,
        "amount_standard": decision.amount_standard,
        "amount_missing": list(decision.amount_missing),
        "currency": decision.currency,
        "source": rule.source.text(),
        "reasons": [reason_to_dict(r, lang) for r in decision.reasons],
        "missing": list(decision.missing),
        "items": [item_to_dict(i, lang) for i in decision.items],
        "amount_explanation": reason_to_dict(amount_reason, lang) if amount_reason else None,
        "notes": [n.get(lang) for n in decision.notes],
        "designation": ({"id": decision.designation.id, "label": decision.designation.label.get(lang)}
                        if decision.designation else None),
        "score": {k: json_value(v) for k, v in score.items()} if score else None,
        "classes": list(decision.classes) if rule.kind == "classification" else None,
        "interpretation": rule.interpretation.get(lang) if rule.interpretation else None,
        "jurisdiction": decision.jurisdiction,
        "in_force_confirmed": rule.in_force.confirmed,
    }


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


# ------------------------------------------------------------------ words for values


def money(amount: Optional[Decimal], lang: str, signed: bool = False) -> str:
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ("+" if signed and amount > 0 else "")
    text = f"{abs(amount):,.2f}"
    return f"{sign}{text} 元" if lang == "zh" else f"{sign}CNY {text}"


def fmt_value(value: Value, lang: str) -> str:
    words = WORDS[lang]
    raw = value.value
    if raw is None:
        text = words["unknown"]
    elif isinstance(raw, bool):
        text = words["yes"] if raw else words["no"]
    elif _huge(raw) is not None:
        text = _huge(raw) or ""
    elif isinstance(raw, Decimal):
        exponent = raw.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:  # a computed ratio: four places are plenty to read
            raw = raw.quantize(Decimal("0.0001")).normalize()
        text = format(raw, "f")
    elif isinstance(raw, _dt.date):
        text = raw.isoformat()
    else:
        text = str(raw)
    unit = _label(value.unit, lang)
    if unit and raw is not None and not isinstance(raw, bool):
        text = f"{text} {unit}" if lang == "en" else f"{text}{unit}"
    return text


def value_name(value: Value, lang: str) -> str:
    return _label(value.label, lang, value.key)


def shortfall(reason: Reason, lang: str) -> Optional[str]:
    """For a failed comparison: what it read and what would have passed."""
    tree = reason.tree
    if reason.result is not False or not isinstance(tree, ast.Compare):
        return None
    values = {v.key: v for v in reason.values}
    left, right, op = tree.left, tree.right, tree.op
    subject = _observed(left, values)
    limit = right
    if subject is None:
        subject = _observed(right, values)
        limit = left
        op = MIRROR[op]
    if subject is None:
        return None
    threshold = _operand_text(limit, values, lang, subject.unit)
    if threshold is None:
        return None
    need = THRESHOLD[lang][op].format(t=threshold)
    sep = "," if lang == "zh" else "; "
    text = f"{value_name(subject, lang)} {fmt_value(subject, lang)}{sep}{WORDS[lang]['needs']} {need}"
    gap = _gap(subject.value, _operand_value(limit, values), op)
    if gap is not None:
        over = op in ("<=", "<")
        if lang == "zh":
            text += f"({'超出' if over else '差'}{gap})"
        else:
            text += f" ({'over by' if over else 'short by'} {gap})"
    return text


def _operand_value(node: ast.Expr, values: Dict[str, Value]) -> Any:
    if isinstance(node, ast.NumberLit):
        return node.value
    key = ("$" + node.name) if isinstance(node, ast.Param) else (node.dotted if isinstance(node, ast.Path) else to_text(node))
    value = values.get(key)
    return value.value if value is not None else None


def _gap(value: Any, limit: Any, op: str) -> Optional[str]:
    """How far a number falls short of a >= / > threshold (or exceeds a <= / < one)."""
    numbers = (int, Decimal)
    if not isinstance(value, numbers) or not isinstance(limit, numbers) or isinstance(value, bool) or isinstance(limit, bool):
        return None
    if op in (">=", ">"):
        gap = Decimal(limit) - Decimal(value)
    elif op in ("<=", "<"):
        gap = Decimal(value) - Decimal(limit)
    else:
        return None
    if gap < 0:
        return None
    if gap == 0:
        return None if op in (">=", "<=") else "0"
    text = format(gap.quantize(Decimal("0.0001")).normalize(), "f")
    return text


def _observed(node: ast.Expr, values: Dict[str, Value]) -> Optional[Value]:
    if isinstance(node, ast.Path):
        return values.get(node.dotted)
    if isinstance(node, ast.RuleRef):
        return values.get("@" + node.rule_id)
    if isinstance(node, (ast.Param, ast.NumberLit, ast.TextLit, ast.DateLit, ast.BoolLit)):
        return None
    return values.get(to_text(node))


def _operand_text(node: ast.Expr, values: Dict[str, Value], lang: str, unit: Optional[m.Label]) -> Optional[str]:
    if isinstance(node, ast.Param):
        value = values.get("$" + node.name)
        return fmt_value(value, lang) if value else None
    if isinstance(node, ast.NumberLit):
        text = format(node.value, "f") if isinstance(node.value, Decimal) else str(node.value)
        u = _label(unit, lang)
        return f"{text} {u}" if (u and lang == "en") else f"{text}{u}"
    if isinstance(node, ast.DateLit):
        return node.value.isoformat()
    if isinstance(node, ast.TextLit):
        return node.value
    if isinstance(node, ast.Path):
        value = values.get(node.dotted)
        return fmt_value(value, lang) if value else None
    value = values.get(to_text(node))
    return fmt_value(value, lang) if value else None


# ------------------------------------------------------------------ which nodes decided


def deciding(reason: Reason) -> List[Reason]:
    """The children that decided a group's result."""
    kids = list(reason.children)
    if reason.kind in ("all", "score"):
        if reason.result is False:
            return [c for c in kids if c.result is False]
        if reason.result is None:
            return [c for c in kids if c.result is None]
        return kids
    if reason.kind == "any":
        if reason.result is True:
            return [c for c in kids if c.result is True]
        if reason.result is None:
            return [c for c in kids if c.result is None]
        return kids
    return kids


def _top_deciding(decision: Decision) -> List[Reason]:
    root = Reason(None, None, "all", _root_result(decision), None, (), None, tuple(
        r for r in decision.reasons if r.kind not in ("score", "classes")))
    picked = deciding(root)
    picked += [r for r in decision.reasons if r.kind in ("score", "classes")]
    return picked


def _root_result(decision: Decision) -> Optional[bool]:
    results = [r.result for r in decision.reasons if r.kind not in ("score", "classes")]
    if False in results:
        return False
    if None in results:
        return None
    return True


# ------------------------------------------------------------------ text


def render_text(decisions: Sequence[Decision], lang: str = "zh", full: bool = False) -> str:
    blocks = [_text_decision(d, lang, full) for d in decisions]
    return "\n\n".join(blocks) + "\n"


def _text_decision(decision: Decision, lang: str, full: bool) -> str:
    words = WORDS[lang]
    rule = decision.rule
    lines: List[str] = []
    head = f"{MARKS[_outcome_truth(decision.outcome)]} {rule.title.get(lang)} ({rule.id}) — {words[decision.outcome]}"
    if decision.amount is not None:
        head += f" · {words['amount']} {money(decision.amount, lang)}"
    elif decision.amount_status in ("pending", "no_standard"):
        head += f" · {words[decision.amount_status]}"
    lines.append(head)
    if decision.designation is not None:
        lines.append(f"  {words['designation']}: {decision.designation.label.get(lang)}")
    lines.append(f"  {words['source']}: {rule.source.text()}")
    lines.append(f"  {words['as_of']}: {decision.as_of.isoformat()} · {words['policy']}: "
                 f"{decision.policy.name} {decision.policy.version} (sha256:{decision.policy.digest[:12]})")
    if not rule.in_force.confirmed:
        lines.append("  " + render(IN_FORCE, "unconfirmed", lang, {"start": rule.in_force.start.isoformat()}))
    reasons = list(decision.reasons) if full else _top_deciding(decision)
    for reason in reasons:
        _text_reason(reason, lang, full, 1, lines)
    if decision.items:
        _text_items(decision, lang, full, lines)
    amount_reason = decision.amount_reason
    if amount_reason is not None and decision.amount is not None:
        lines.append(f"  {words['amount']}: {_amount_text(amount_reason, decision, lang)}")
    for note in decision.notes:
        lines.append(f"  ※ {note.get(lang)}")
    if decision.amount is not None and decision.amount_standard == "floor":
        lines.append(f"  ※ {words['floor']}")
    if decision.missing:
        lines.append(f"  {words['missing']}:")
        for path in decision.missing:
            lines.append(f"    - {path}")
    if decision.amount_missing:
        lines.append(f"  {words['amount_missing']}:")
        for path in decision.amount_missing:
            lines.append(f"    - {path}")
    if full and rule.interpretation is not None:
        text = rule.interpretation.get(lang).strip().replace("\n", "\n    ")
        lines.append(f"  {words['interpretation']}: {text}")
    return "\n".join(lines)


def _outcome_truth(outcome: Outcome) -> Optional[bool]:
    return {Outcome.ELIGIBLE: True, Outcome.INELIGIBLE: False}.get(outcome)


def _reason_title(reason: Reason, lang: str) -> str:
    words = WORDS[lang]
    title = _label(reason.label, lang)
    if reason.kind in ("all", "any", "not") and not title:
        title = words[reason.kind]
    if reason.kind == "criterion":
        extra = words["points"].format(points=format(reason.points or 0, "f"))
        if reason.veto:
            extra += " · " + words["veto"]
        title = f"{title} [{extra}]"
    if reason.kind == "score":
        values = reason.value_map()
        title = words["score"].format(score=_num(values.get("score")), max=_num(values.get("max_score")),
                                      min=_num(values.get("min_score")))
        if values.get("vetoes_met") is False:
            title += ";否决项未满足" if lang == "zh" else "; a veto item is not met"
        elif values.get("vetoes_met") is None:
            title += ";否决项待定" if lang == "zh" else "; a veto item is undecided"
    if reason.kind == "classes":
        title = words["classes"]
    return title


def _num(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return "—" if value is None else str(value)


def _text_reason(reason: Reason, lang: str, full: bool, depth: int, lines: List[str]) -> None:
    indent = "  " * depth
    mark = MARKS[reason.result]
    title = _reason_title(reason, lang)
    detail = ""
    if reason.kind in ("condition", "criterion", "class", "in_force"):
        gap = shortfall(reason, lang)
        if gap:
            detail = gap
        elif reason.values:
            detail = ", ".join(f"{value_name(v, lang)} = {fmt_value(v, lang)}" for v in reason.values)
    sep = ":" if lang == "zh" else ": "
    lines.append(f"{indent}{mark} {title}" + (f"{sep}{detail}" if detail else ""))
    if full and reason.kind in ("condition", "criterion", "class") and reason.expr:
        expr = " ".join(reason.expr.split())  # one line, whatever the block scalar's layout
        lines.append(f"{indent}    ⟨{expr}⟩" + (f" — {reason.source.text()}" if reason.source else ""))
    children = list(reason.children) if full else deciding(reason)
    if reason.kind == "classes":
        children = list(reason.children)
    for child in children:
        _text_reason(child, lang, full, depth + 1, lines)


def _text_items(decision: Decision, lang: str, full: bool, lines: List[str]) -> None:
    words = WORDS[lang]
    items = decision.items
    considered = [i for i in items if i.considered is not False]
    ok = sum(1 for i in considered if i.outcome is Outcome.ELIGIBLE)
    no = sum(1 for i in considered if i.outcome is Outcome.INELIGIBLE)
    unk = sum(1 for i in considered if i.outcome is Outcome.UNDETERMINED)
    label = decision.rule.items.label.get(lang) if decision.rule.items else ""
    lines.append(f"  {words['items']} ({label}): " + words["item_summary"].format(ok=ok, no=no, unk=unk))
    for item in items:
        if not full and item.outcome is Outcome.ELIGIBLE and decision.outcome is not Outcome.INELIGIBLE:
            continue
        if not full and item.considered is False:
            continue
        name = f" {item.name}" if item.name else ""
        status = words[item.outcome] if item.considered is not False else words["not_considered"]
        amount = f" · {money(item.amount, lang)}" if item.amount is not None else ""
        lines.append(f"    {MARKS[_outcome_truth(item.outcome)]} [{item.index}]{name} — {status}{amount}")
        root = Reason(None, None, "all", _outcome_truth(item.outcome), None, (), None, item.reasons)
        for reason in (item.reasons if full else deciding(root)):
            _text_reason(reason, lang, full, 3, lines)
        for path in item.missing:
            lines.append(f"        - {words['missing']}: {path}")
        if full and item.amount_reason is not None:
            shown = ", ".join(f"{value_name(v, lang)} = {fmt_value(v, lang)}" for v in item.amount_reason.values)
            lines.append(f"      {words['amount']}: {' '.join((item.amount_reason.expr or '').split())} = {money(item.amount, lang)}"
                         + (f" ({shown})" if shown else ""))


def _amount_text(reason: Reason, decision: Decision, lang: str) -> str:
    words = WORDS[lang]
    values = reason.value_map()
    if "eligible_items" in values:
        return words["total"].format(n=values["eligible_items"], amount=money(decision.amount, lang))
    shown = ", ".join(f"{value_name(v, lang)} = {fmt_value(v, lang)}" for v in reason.values)
    expr = " ".join((reason.expr or "").split())
    return f"{expr} = {money(decision.amount, lang)}" + (f" ({shown})" if shown else "")


# ------------------------------------------------------------------ Markdown


def render_markdown(decisions: Sequence[Decision], lang: str = "zh", full: bool = False) -> str:
    out: List[str] = []
    for decision in decisions:
        words = WORDS[lang]
        rule = decision.rule
        out.append(f"## {rule.title.get(lang)} (`{rule.id}`)")
        out.append("")
        out.append(f"**{words[decision.outcome]}**" + (f" · {words['amount']} **{money(decision.amount, lang)}**"
                                                        if decision.amount is not None else ""))
        out.append("")
        out.append(f"- {words['source']}: {rule.source.text()}")
        out.append(f"- {words['as_of']}: {decision.as_of.isoformat()}")
        out.append(f"- {words['policy']}: {decision.policy.name} {decision.policy.version} (`{decision.policy.digest[:12]}`)")
        if decision.designation is not None:
            out.append(f"- {words['designation']}: {decision.designation.label.get(lang)}")
        out.append("")
        body = _text_decision(decision, lang, full).splitlines()[3 if decision.designation is None else 4:]
        for line in body:
            stripped = line[2:] if line.startswith("  ") else line
            depth = (len(stripped) - len(stripped.lstrip(" "))) // 2
            text = stripped.strip()
            text = text[2:] if text.startswith("- ") else text
            out.append("  " * depth + "- " + text)
        out.append("")
    return "\n".join(out)
