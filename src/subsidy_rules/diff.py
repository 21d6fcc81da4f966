"""Impact of a policy change: the same claims under two policies, and what moved.

For every claim and rule, compares outcome and amount; for a decision that
moved, lists the conditions whose result or values differ, old beside new.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import attrs

from .claims import coerce_claim
from .engine import Decision, Policy, Reason
from .errors import SubsidyRulesError
from .explain import fmt_value, json_value, money, value_name
from .messages import plural_s


@attrs.frozen
class ConditionChange:
    id: str
    label: str
    old: Optional[Reason]
    new: Optional[Reason]


@attrs.frozen
class DecisionChange:
    claim: str
    rule: str
    old: Optional[Decision]
    new: Optional[Decision]
    conditions: Tuple[ConditionChange, ...]

    @property
    def amount_delta(self) -> Decimal:
        old = self.old.amount if self.old is not None and self.old.amount is not None else Decimal("0.00")
        new = self.new.amount if self.new is not None and self.new.amount is not None else Decimal("0.00")
        return new - old


@attrs.define
class DiffReport:
    claims: int = 0
    decisions: int = 0
    changes: List[DecisionChange] = attrs.field(factory=list)
    errors: List[Tuple[str, str]] = attrs.field(factory=list)

    @property
    def moved_claims(self) -> int:
        return len({c.claim for c in self.changes})

    @property
    def money_moved(self) -> Decimal:
        return sum((c.amount_delta for c in self.changes), Decimal("0.00"))

    def by_rule(self) -> Dict[str, Dict[str, Any]]:
        table: Dict[str, Dict[str, Any]] = {}
        for change in self.changes:
            entry = table.setdefault(change.rule, {"changed": 0, "delta": Decimal("0.00")})
            entry["changed"] += 1
            entry["delta"] += change.amount_delta
        return table


def _flatten(decision: Optional[Decision]) -> Dict[str, Reason]:
    found: Dict[str, Reason] = {}
    if decision is None:
        return found
    for reason in decision.reasons:
        for node in reason.walk():
            if node.id:
                found[node.id] = node
    if decision.amount_reason is not None and decision.rule.items is None:
        found["amount"] = decision.amount_reason
    for item in decision.items:
        for reason in item.reasons:
            for node in reason.walk():
                if node.id:
                    found[f"{item.path}:{node.id}"] = node
        if item.amount_reason is not None:
            found[f"{item.path}:amount"] = item.amount_reason
    return found


def _same(old: Optional[Reason], new: Optional[Reason]) -> bool:
    if old is None or new is None:
        return old is new
    return old.result == new.result and old.value_map() == new.value_map() and old.expr == new.expr


def compare_decisions(claim: str, rule: str, old: Optional[Decision], new: Optional[Decision], lang: str) -> Optional[DecisionChange]:
    old_key = (old.outcome, old.amount) if old is not None else None
    new_key = (new.outcome, new.amount) if new is not None else None
    if old_key == new_key:
        return None
    before, after = _flatten(old), _flatten(new)
    changed = []
    for ident in list(before) + [i for i in after if i not in before]:
        a, b = before.get(ident), after.get(ident)
        if not _same(a, b):
            label = (b or a).label  # type: ignore[union-attr]
            changed.append(ConditionChange(ident, label.get(lang) if label else ident, a, b))
    return DecisionChange(claim, rule, old, new, tuple(changed))


def _decisions(policy: Policy, raw: Any, rules: Optional[Sequence[str]], as_of: Optional[_dt.date]) -> Dict[str, Decision]:
    claim = coerce_claim(raw, policy.schema, policy.info.counties)
    if rules:
        present = [r for r in rules if r in policy.rule_ids]
        return {r: policy.evaluate(claim, r, as_of)[0] for r in present
                if policy.compiled(r, as_of or claim.get("as_of") or _dt.date.today()).rule.applies_to in claim}
    return {d.rule_id: d for d in policy.evaluate(claim, None, as_of)}


def compare(old: Policy, new: Policy, claims: Iterable[Tuple[str, Any]], rules: Optional[Sequence[str]] = None,
            as_of: Optional[_dt.date] = None, lang: str = "zh") -> DiffReport:
    report = DiffReport()
    for name, raw in claims:
        report.claims += 1
        if isinstance(raw, SubsidyRulesError):  # unreadable: reported once, not per policy
            report.errors.append((name, raw.message(lang)))
            continue
        try:
            before = _decisions(old, raw, rules, as_of)
        except SubsidyRulesError as exc:
            report.errors.append((name, WORDS[lang]["old"] + ": " + exc.message(lang)))
            before = {}
        try:
            after = _decisions(new, raw, rules, as_of)
        except SubsidyRulesError as exc:
            report.errors.append((name, WORDS[lang]["new"] + ": " + exc.message(lang)))
            after = {}
        for rule in list(before) + [r for r in after if r not in before]:
            report.decisions += 1
            change = compare_decisions(name, rule, before.get(rule), after.get(rule), lang)
            if change is not None:
                report.changes.append(change)
    return report


def iter_claims(path: Path, schema_hint=None) -> Iterator[Tuple[str, Any]]:
    """Claims from a file (one claim, or a table: JSON Lines, CSV, YAML/JSON list) or a folder of claim files."""
    from .batch import detect_format, read_raw
    from .claims import parse_text

    if path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.suffix.lower() in (".yaml", ".yml", ".json", ".jsonl", ".csv") and child.is_file():
                yield from iter_claims(child, schema_hint)
        return
    fmt = detect_format(path.name)
    if fmt in ("jsonl", "csv"):
        with open(path, encoding="utf-8-sig", newline="") as stream:
            for raw in read_raw(stream, fmt, schema_hint):
                raw = raw.parsed()
                yield f"{path.name}:{raw.line}", raw.data if raw.error is None else raw.error
        return
    data = parse_text(path.read_text(encoding="utf-8-sig"), str(path))
    if isinstance(data, list):
        for index, item in enumerate(data, start=1):
            yield f"{path.name}[{index}]", item
    else:
        yield path.name, data


# ------------------------------------------------------------------ rendering

WORDS = {
    "zh": {"head": "比较 {claims} 份申报、{decisions} 项决定:{moved} 份申报的结论或金额有变化,金额变化合计 {money}",
           "old": "旧", "new": "新", "none": "(无此决定)", "rule": "规则", "changed": "变化数", "delta": "金额变化",
           "errors": "无法比较的申报", "pending": "金额待定", "no_standard": "来函未规定标准"},
    "en": {"head": "{claims} claim{cs}, {decisions} decision{ds} compared: {moved} claim{ms} moved, money moved {money}",
           "old": "old", "new": "new", "none": "(no such decision)", "rule": "rule", "changed": "changed", "delta": "amount change",
           "errors": "claims that could not be compared", "pending": "amount to be determined",
           "no_standard": "no standard in the source"},
}


def _state(decision: Optional[Decision], lang: str) -> str:
    if decision is None:
        return WORDS[lang]["none"]
    text = decision.outcome.value
    if decision.amount is not None:
        text += " " + money(decision.amount, lang)
    elif decision.amount_status in ("pending", "no_standard"):  # eligible, the amount apart
        text += " (" + WORDS[lang][decision.amount_status] + ")"
    return text


def _reason_text(reason: Optional[Reason], lang: str, keys: Optional[set] = None) -> str:
    if reason is None:
        return WORDS[lang]["none"]
    mark = {True: "✓", False: "✗", None: "?"}[reason.result]
    values = ", ".join(f"{value_name(v, lang)} = {fmt_value(v, lang)}" for v in reason.values if keys is None or v.key in keys)
    return f"{mark} {values}".strip()


def _differing(condition: ConditionChange) -> Optional[set]:
    """The value keys that differ between old and new (None: show them all)."""
    if condition.old is None or condition.new is None:
        return None
    old, new = condition.old.value_map(), condition.new.value_map()
    keys = {k for k in set(old) | set(new) if old.get(k) != new.get(k)}
    return keys or None


def render_text(report: DiffReport, lang: str = "zh") -> str:
    words = WORDS[lang]
    lines = [words["head"].format(claims=report.claims, decisions=report.decisions, moved=report.moved_claims,
                                  cs=plural_s(report.claims), ds=plural_s(report.decisions), ms=plural_s(report.moved_claims),
                                  money=money(report.money_moved, lang, signed=True))]
    for change in report.changes:
        lines.append("")
        lines.append(f"{change.claim} · {change.rule}: {_state(change.old, lang)} → {_state(change.new, lang)}")
        for condition in change.conditions:
            lines.append(f"  {condition.label} [{condition.id}]")
            keys = _differing(condition)
            lines.append(f"    {words['old']}: {_reason_text(condition.old, lang, keys)}")
            lines.append(f"    {words['new']}: {_reason_text(condition.new, lang, keys)}")
    table = report.by_rule()
    if table:
        lines.append("")
        lines.append(f"{words['rule']}\t{words['changed']}\t{words['delta']}")
        for rule, entry in table.items():
            lines.append(f"{rule}\t{entry['changed']}\t{entry['delta']:+,.2f}")
    if report.errors:
        lines.append("")
        lines.append(words["errors"] + ":")
        for name, message in report.errors:
            lines.append(f"  {name}: {message}")
    return "\n".join(lines) + "\n"


def to_dict(report: DiffReport, lang: str = "zh") -> Dict[str, Any]:
    def side(decision: Optional[Decision]) -> Optional[Dict[str, Any]]:
        if decision is None:
            return None
        return {"outcome": decision.outcome.value, "amount": json_value(decision.amount)}

    def reason(r: Optional[Reason]) -> Optional[Dict[str, Any]]:
        if r is None:
            return None
        return {"result": r.result, "values": {v.key: json_value(v.value) for v in r.values}}

    return {
        "claims": report.claims,
        "decisions": report.decisions,
        "moved_claims": report.moved_claims,
        "money_moved": json_value(report.money_moved),
        "changes": [{
            "claim": c.claim, "rule": c.rule, "old": side(c.old), "new": side(c.new),
            "amount_delta": json_value(c.amount_delta),
            "conditions": [{"id": x.id, "label": x.label, "old": reason(x.old), "new": reason(x.new)} for x in c.conditions],
        } for c in report.changes],
        "by_rule": {rule: {"changed": e["changed"], "amount_delta": json_value(e["delta"])} for rule, e in report.by_rule().items()},
        "errors": [{"claim": n, "message": msg} for n, msg in report.errors],
    }
