"""A loaded policy as the JSON documents the API serves: rules, one rule, the fact schema, examples.

Pure functions of the Policy (and the example folder), so a reloaded policy gets
fresh documents and the handlers only look them up. Labels are given in both
languages; the page picks one.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional

import attrs

from .. import model as m
from ..claims import parse_text
from ..engine import Policy
from ..explain import THRESHOLD, WORDS, json_value
from ..expr import ast
from ..expr.printer import to_text
from ..messages import LANGS, form, rule_wording
from ..schemas import ID_RE

ID_PATTERN = re.compile(ID_RE)
OPS = {">=", ">", "<=", "<", "==", "!="}


def label(value: Optional[m.Label]) -> Optional[Dict[str, str]]:
    return {"zh": value.zh, "en": value.en} if value is not None else None


def source(ref: Optional[m.SourceRef]) -> Optional[Dict[str, str]]:
    if ref is None:
        return None
    return {"document": ref.document, "clause": ref.clause, "quote": ref.quote}


# ------------------------------------------------------------------ rules


def rule_summary(rule: m.Rule) -> Dict[str, Any]:
    return {
        "id": rule.id, "version": rule.version, "kind": rule.kind, "title": label(rule.title),
        "applies_to": rule.applies_to, "source": source(rule.source), "in_force": rule.in_force.to_dict(),
    }


def rules_listing(policy: Policy) -> Dict[str, Any]:
    return {"rules": [rule_summary(rule) for rule in policy.rules]}


def rule_detail(policy: Policy, rule_id: str, as_of: _dt.date) -> Dict[str, Any]:
    """One rule (the version in force on ``as_of``, else the nearest), its conditions in words and its parameters."""
    compiled = policy.compiled(rule_id, as_of)  # ClaimError C008 for an unknown id
    rule = compiled.rule
    words = _Wording(policy, as_of)
    doc = rule_summary(rule)
    doc["conditions"] = [words.node(child, rule.applies_to) for child in rule.conditions.children]
    items = rule.items
    doc["items"] = None if items is None else {
        "over": items.over.text, "label": label(items.label),
        "conditions": [words.node(child, items.entity) for child in items.conditions.children],
        "amount": items.amount.text if items.amount else None,
    }
    doc["criteria"] = [{"id": c.id, "label": label(c.label), "points": json_value(c.points), "veto": c.veto,
                        "expr": c.expr.text, "source": source(c.source)} for c in rule.criteria]
    doc["classes"] = [{"id": c.id, "label": label(c.label), "expr": c.expr.text} for c in rule.classes]
    doc["amount"] = rule.amount.text if rule.amount else None
    doc["notes"] = [{"when": n.when.text, "label": label(n.label)} for n in rule.notes]
    doc["interpretation"] = label(rule.interpretation)
    doc["parameters"] = [parameter(policy, name) for name in compiled.params]
    doc["versions"] = [{"version": r.version, "in_force": r.in_force.to_dict()} for r in policy.rules if r.id == rule.id]
    return doc


def parameter(policy: Policy, name: str) -> Dict[str, Any]:
    param = policy.model.parameters[name]
    overrides = {county: [dict(_dated(v), source=source(v.source)) for v in history[name]]
                 for county, history in policy.model.overrides.items() if name in history}
    return {
        "name": name, "label": label(param.label), "type": param.type, "unit": label(param.unit),
        "floor": param.floor, "source": source(param.source),
        "values": [_dated(v) for v in param.values], "overrides": overrides,
    }


def _dated(value: m.ParameterValue) -> Dict[str, Any]:
    return {"from": value.start.isoformat(), "value": json_value(value.value)}


@attrs.frozen
class _Wording:
    """Conditions as sentences: '<field> at least <value>' where the expression is that simple
    (or an and/or chain of such), else its label."""

    policy: Policy
    as_of: _dt.date

    def node(self, node: m.Node, entity: str) -> Dict[str, Any]:
        if isinstance(node, m.Condition):
            return {"id": node.id, "kind": "condition", "label": label(node.label), "expr": node.expr.text,
                    "words": {lang: self.sentence(node.expr.tree, entity, lang) or node.label.get(lang) for lang in LANGS},
                    "source": source(node.source), "children": []}
        return {"id": node.id, "kind": node.op, "label": label(node.label), "expr": None,
                "words": {lang: (node.label.get(lang) if node.label else WORDS[lang][node.op]) for lang in LANGS},
                "source": None, "children": [self.node(child, entity) for child in node.children]}

    def sentence(self, tree: ast.Expr, entity: str, lang: str) -> Optional[str]:
        if isinstance(tree, ast.Path):
            field = self.field(tree, entity)
            return field.label.get(lang) if field is not None and field.type == "bool" else None
        if isinstance(tree, ast.Not) and isinstance(tree.operand, ast.Path):
            inner = self.sentence(tree.operand, entity, lang)
            return form("not_sentence", lang, inner=inner) if inner else None
        if isinstance(tree, ast.Logical):
            parts = [self.sentence(operand, entity, lang) for operand in tree.operands]
            if any(part is None for part in parts):
                return None
            joined = parts[0]
            for part in parts[1:]:
                joined = rule_wording(tree.op, lang, left=joined, right=part)
            return joined
        if isinstance(tree, ast.Compare) and tree.op in OPS and isinstance(tree.left, ast.Path):
            field = self.field(tree.left, entity)
            threshold = self.operand(tree.right, field, lang)
            if field is None or threshold is None:
                return None
            if tree.op == "==":  # as the explanation shows it: 单位类型 = enterprise
                return f"{field.label.get(lang)} = {threshold}"
            return f"{field.label.get(lang)} {THRESHOLD[lang][tree.op].format(t=threshold)}"
        return None

    def operand(self, node: ast.Expr, field: Optional[m.Field], lang: str) -> Optional[str]:
        unit = field.unit.get(lang) if field is not None and field.unit is not None else ""
        if isinstance(node, ast.Param):
            param = self.policy.model.parameters.get(node.name)
            if param is None:
                return None
            value = param.value_on(self.as_of)
            if value is None:
                return param.label.get(lang)
            unit = param.unit.get(lang) if param.unit is not None else unit
            return _with_unit(_number(value), unit, lang)
        if isinstance(node, ast.NumberLit):
            return _with_unit(_number(node.value), unit, lang)
        if isinstance(node, (ast.TextLit, ast.DateLit, ast.BoolLit)):
            return to_text(node) if not isinstance(node, ast.TextLit) else node.value
        return None

    def field(self, path: ast.Path, entity: str) -> Optional[m.Field]:
        """The schema field a path names, from the rule's entity (or the item entity inside `items`)."""
        entities = self.policy.schema.entities
        parts = list(path.parts)
        if parts and parts[0] in entities:
            entity = parts.pop(0)
        found: Optional[m.Field] = None
        for part in parts:
            current = entities.get(entity)
            found = current.fields.get(part) if current is not None else None
            if found is None:
                return None
            entity = found.of or ""
        return found


def _number(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return str(value)


def _with_unit(text: str, unit: str, lang: str) -> str:
    if not unit:
        return text
    return form("with_unit", lang, text=text, unit=unit)


# ------------------------------------------------------------------ facts


def facts(policy: Policy) -> Dict[str, Any]:
    """The fact schema for building forms: entities, fields, types, labels, choices."""
    return {"entities": {
        name: {"label": label(entity.label), "fields": [_field(f) for f in entity.fields.values()]}
        for name, entity in policy.schema.entities.items()}}


def _field(field: m.Field) -> Dict[str, Any]:
    return {
        "name": field.name, "type": field.type, "label": label(field.label),
        "description": label(field.description), "unit": label(field.unit), "of": field.of,
        "values": [{"value": v, "label": label(_value_label(field, v)) or {"zh": v, "en": v}} for v in field.values],
    }


def _value_label(field: m.Field, value: str) -> Optional[m.Label]:
    """The schema's words for an enum value, when the schema gives them (else the value is shown as written)."""
    lookup = getattr(field, "value_label", None)
    return lookup(value) if lookup is not None else None


# ------------------------------------------------------------------ examples


@attrs.frozen
class Example:
    name: str
    rules: List[str]
    comment: str
    data: Any  # the claim as plain JSON data


def load_examples(folder: Path, policy: Policy) -> Dict[str, Example]:
    """Every example claim of the folder, by file name; an unreadable file is left out, never fatal."""
    found: Dict[str, Example] = {}
    if not folder.is_dir():
        return found
    ids = sorted(set(policy.rule_ids), key=len, reverse=True)
    for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.json")):
        name = path.stem
        if not ID_PATTERN.fullmatch(name) or name in found:
            continue
        try:
            text = path.read_text(encoding="utf-8-sig")
            data = plain_json(parse_text(text, path.name))
        except Exception:  # a broken example must not stop the server; the policy tests cover them
            continue
        rules = [rid for rid in ids if name == rid or name.startswith(rid + "-")][:1]
        found[name] = Example(name, rules, _comment(text), data)
    return found


def _comment(text: str) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        body = stripped.lstrip("#").strip()
        if body.startswith("yaml-language-server:"):
            continue
        lines.append(body)
    return "\n".join(lines)


def plain_json(value: Any) -> Any:
    """YAML-read data (dates, Decimals) as JSON-ready data: dates as YYYY-MM-DD, exact numbers kept."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_json(v) for v in value]
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 10 ** 15 else float(value)
    return value
