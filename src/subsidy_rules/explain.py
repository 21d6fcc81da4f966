"""Decisions -> text, JSON and Markdown, in Chinese or English.

Renderers only format: every fact they print is already in the Decision.
The JSON shape is a documented contract (docs/embedding.md); keys are stable.
"""

from __future__ import annotations

import datetime as _dt
import functools
import re
from decimal import Decimal
from typing import Any, Dict, List, Optional, Sequence, Tuple

import attrs

from . import gcpause
from . import model as m
from .decision_json import document, decision_to_dict, huge_number, item_to_dict, json_value, reason_to_dict, to_json
from .engine import Decision
from .reasons import ItemDecision, Reason, Value
from .expr import ast
from .expr.parser import parse as parse_expr
from .expr.printer import to_text
from .expr.types import ResolveError, Scope, resolve
from .messages import IN_FORCE, explain_text, form, markdown_text, one_line, plural_en, render
from .runtime import Outcome

def _label(label: Optional[m.Label], lang: str, fallback: str = "") -> str:
    return label.get(lang) if label is not None else fallback


def _large_decision(decision: Decision) -> bool:
    return len(decision.raw.items or ()) > gcpause.LARGE


# the JSON contract lives in decision_json.py; its functions are part of this module's API too
__all__ = ["render_text", "render_markdown", "document", "decision_to_dict", "item_to_dict", "json_value",
           "reason_to_dict", "to_json", "money", "fmt_value", "value_name", "shortfall", "fact_words", "WORDS",
           "THRESHOLD", "MARKS"]

MARKS = {True: "✓", False: "✗", None: "?"}

WORDS = {
    "zh": {
        Outcome.ELIGIBLE: "符合条件", Outcome.INELIGIBLE: "不符合条件", Outcome.UNDETERMINED: "无法确定(缺少材料)",
        "amount": "金额", "source": "依据", "as_of": "评估日期", "policy": "政策", "missing": "需补充的材料",
        "items": "逐项", "item_summary": "{ok} 项符合,{no} 项不符合,{unk} 项无法确定", "not_considered": "不适用",
        "yes": "是", "no": "否", "unknown": "未填报", "needs": "需要", "all": "以下全部满足", "any": "以下任一满足",
        "not": "以下不成立", "score": "得分 {score} / {max},需要 {min} 分以上", "veto": "否决项",
        "points": "{points} 分",
        "veto_not_met": "否决项未满足", "veto_undecided": "否决项待定", "interpretation": "解释", "designation": "认定", "classes": "所属名单",
        "notes": "说明", "computed": "计算", "currency": "元",
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
        "points": "{points} pts",
        "veto_not_met": "a veto item is not met", "veto_undecided": "a veto item is undecided", "interpretation": "Interpretation", "designation": "Designation", "classes": "Lists",
        "notes": "Notes", "computed": "Computed", "currency": "CNY",
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


# ------------------------------------------------------------------ words for values


def money(amount: Optional[Decimal], lang: str, signed: bool = False) -> str:
    if amount is None:
        return "—"
    sign = "-" if amount < 0 else ("+" if signed and amount > 0 else "")
    text = f"{abs(amount):,.2f}"
    return form("money", lang, sign=sign, amount=text)


def fmt_value(value: Value, lang: str, field: Optional[m.Field] = None) -> str:
    """A value as a clerk reads it: 是/否, an enum value by its label, a number with its unit."""
    words = WORDS[lang]
    raw = value.value
    if raw is None:
        text = words["unknown"]
    elif isinstance(raw, bool):
        text = words["yes"] if raw else words["no"]
    elif isinstance(raw, str) and field is not None and field.value_label(raw) is not None:
        text = field.value_label(raw).get(lang)  # type: ignore[union-attr]
    elif huge_number(raw) is not None:
        text = huge_number(raw) or ""
    elif isinstance(raw, Decimal):
        exponent = raw.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -4:  # a computed ratio: four places are plenty to read
            raw = raw.quantize(Decimal("0.0001")).normalize()
        text = format(raw, "f")
    elif isinstance(raw, _dt.date):
        text = raw.isoformat()
    else:
        text = one_line(str(raw))  # a claim's text: it cannot start a line of the explanation
    if raw is not None and not isinstance(raw, bool):
        text = _with_unit(text, raw, value.unit, lang)
    return text


def _with_unit(text: str, number: Any, unit: Optional[m.Label], lang: str) -> str:
    """12个月 / 12 months, 1 village: English units agree with the number."""
    word = _label(unit, lang)
    if not word:
        return text
    # the plural table holds English words only, so a Chinese unit passes through unchanged
    return explain_text("with_unit", lang, text=text, unit=plural_en(number, word))


def value_name(value: Value, lang: str) -> str:
    return _label(value.label, lang, value.key)


@attrs.frozen
class _View:
    """What a renderer needs besides the language: the fact schema (enum labels, field labels)
    and, inside an item, the item's entity; the rule's item list and its items' names."""

    lang: str
    full: bool = False
    schema: Optional[m.FactSchema] = attrs.field(default=None, eq=False)
    entity: Optional[str] = None
    over: str = ""
    item_entity: Optional[str] = None
    names: Tuple[Tuple[int, str], ...] = ()

    def inside_item(self) -> "_View":
        return attrs.evolve(self, entity=self.item_entity)


def _view_of(decision: Decision, lang: str, full: bool = False) -> _View:
    rule = decision.rule
    try:
        schema = decision.context.schema
    except AttributeError:  # pragma: no cover - a Decision always has its context
        schema = None
    if rule.items is None:
        return _View(lang, full, schema)
    names = tuple((i.index, str(i.name)) for i in decision.items if i.name not in (None, ""))
    return _View(lang, full, schema, None, rule.items.over.text, rule.items.entity, names)


def _field_for(view: Optional[_View], key: str) -> Optional[m.Field]:
    if view is None or view.schema is None or not key or key[0] in "$@":
        return None
    return _resolve_field(view.schema, view.entity, key)


@functools.lru_cache(maxsize=4096)
def _resolve_field(schema: m.FactSchema, entity: Optional[str], key: str) -> Optional[m.Field]:
    parts = tuple(key.split("."))
    if not all(part.isidentifier() for part in parts):
        return None
    try:
        resolved = resolve(parts, Scope(schema, (entity,) if entity else ()))
    except ResolveError:
        return None
    return resolved.fields[-1] if resolved.fields else None


def _show(value: Value, view: Optional[_View], lang: str) -> str:
    return fmt_value(value, lang, _field_for(view, value.key))


def _name_of(value: Value, values: Dict[str, Value], lang: str) -> Optional[str]:
    """A value's name in words, or None when it has none (then the short form leaves it out)."""
    if value.label is not None:
        return value.label.get(lang)
    node = _parsed(value.key)
    if isinstance(node, ast.Arith):
        return _arith_words(node, values, lang)
    return None


_OPS = {"+": "+", "-": "−", "*": "×", "/": "÷"}


def _arith_words(node: ast.Expr, values: Dict[str, Value], lang: str) -> Optional[str]:
    """Arithmetic in names, not codes: 年龄 × 12, 其中已就业人数 ÷ 有劳动能力的贫困劳动者人数
    (None when a part has no name: the short form then leaves the value out)."""
    if isinstance(node, ast.NumberLit):
        return format(node.value, "f") if isinstance(node.value, Decimal) else str(node.value)
    if isinstance(node, ast.Arith):
        left, right = _arith_words(node.left, values, lang), _arith_words(node.right, values, lang)
        if left is None or right is None:
            return None
        if isinstance(node.left, ast.Arith) and node.left.op in "+-" and node.op in "*/":
            left = f"({left})"
        if isinstance(node.right, ast.Arith):
            right = f"({right})"
        return explain_text("arith", lang, left=left, op=_OPS[node.op], right=right)
    value = values.get(_key_of(node))
    return value.label.get(lang) if value is not None and value.label is not None else None


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Optional[ast.Expr]:
    try:
        return parse_expr(text)
    except Exception:  # not an expression (a plain key such as "eligible_items")
        return None


def _key_of(node: ast.Expr) -> str:
    if isinstance(node, ast.Param):
        return "$" + node.name
    if isinstance(node, ast.Path):
        return node.dotted
    if isinstance(node, ast.RuleRef):
        return "@" + node.rule_id
    return to_text(node)


def _value_list(reason: Reason, view: Optional[_View], lang: str) -> str:
    """label = value, …; in the short form only values with a name in words."""
    values = {v.key: v for v in reason.values}
    shown = []
    for value in reason.values:
        name = _name_of(value, values, lang)
        if name is None:
            if view is not None and not view.full:
                continue
            name = value.key
        shown.append(f"{name} = {_share(value, values) or _show(value, view, lang)}")
    return ", ".join(shown)


def _share(value: Value, values: Dict[str, Value]) -> Optional[str]:
    """A count divided by a count of the same unit (people by people) is a share: read in per cent."""
    node = _parsed(value.key) if value.kind == "computed" else None
    if not (isinstance(node, ast.Arith) and node.op == "/") or not isinstance(value.value, (int, Decimal)):
        return None
    num, den = values.get(_key_of(node.left)), values.get(_key_of(node.right))
    if num is None or den is None or num.unit is None or num.unit != den.unit or isinstance(value.value, bool):
        return None
    return _percent(Decimal(value.value))


# ------------------------------------------------------------------ failed comparisons as sentences


def shortfall(reason: Reason, lang: str, view: Optional[_View] = None) -> Optional[str]:
    """For a failed comparison: what it read, what was needed and by how much it fell short.

    "劳动合同期限 8个月,需要 12个月 以上(含),差 4个月"; a ratio against a share reads in per cent:
    "… = 94.5%,需要 95% 以上(含),差 0.5 个百分点". Looks through `if … then … else` to the branch
    the values took, and through `and` to the part that failed.
    """
    if reason.result is not False:
        return None
    values = {v.key: v for v in reason.values}
    node = _failed_test(reason.tree, values)
    if isinstance(node, ast.Logical) and node.op == "or":
        # every alternative failed: say each ("合同 11个月,需要 12个月 以上(含),差 1个月;无固定期限合同 = 否")
        parts = [_part_sentence(operand, values, view, lang) for operand in node.operands]
        if any(part is None for part in parts):
            return None
        return explain_text("or_parts", lang).join(part for part in parts if part)
    return _test_sentence(node, values, view, lang)


def _part_sentence(node: ast.Expr, values: Dict[str, Value], view: Optional[_View], lang: str) -> Optional[str]:
    """One failed alternative of an `or` in words: a sentence, or a yes/no fact and its value."""
    test = _failed_test(node, values)
    if test is not None:
        return _test_sentence(test, values, view, lang)
    if isinstance(node, (ast.Path, ast.RuleRef)):
        value = values.get(_key_of(node))
        name = _name_of(value, values, lang) if value is not None else None
        return f"{name} = {_show(value, view, lang)}" if value is not None and name else None
    return None


def _test_sentence(node: Optional[ast.Expr], values: Dict[str, Value], view: Optional[_View], lang: str) -> Optional[str]:
    if isinstance(node, ast.In):
        return _in_sentence(node, values, view, lang)
    if not isinstance(node, ast.Compare):
        return None
    left, right, op = node.left, node.right, node.op
    subject_node, limit = left, right
    subject = _observed(left, values)
    if subject is None:
        subject_node, limit = right, left
        subject = _observed(right, values)
        op = MIRROR[op]
    if subject is None:
        return None
    ratio = _ratio(subject_node, limit, values)
    if ratio is not None:
        return _ratio_sentence(ratio, op, view, lang)
    field = _field_for(view, subject.key)
    threshold = _operand_text(limit, values, lang, subject.unit, field, view)
    name = _name_of(subject, values, lang)
    if threshold is None or name is None:
        return None
    need = explain_text("need" + op, lang, t=threshold)
    text = explain_text("sentence", lang, subject=name, value=_show(subject, view, lang), need=need)
    gap = _gap(subject.value, _operand_value(limit, values), op)
    if gap is not None:
        limit_value = values.get(_key_of(limit))  # a count has no unit of its own: the threshold's (10名)
        unit = subject.unit or (limit_value.unit if limit_value is not None else None)
        words = explain_text("over" if op in ("<=", "<") else "short", lang, gap=_with_unit(gap, Decimal(gap), unit, lang))
        text += explain_text("gap_suffix", lang, gap=words)
    return text


def _failed_test(tree: Any, values: Dict[str, Value]) -> Optional[ast.Expr]:
    """The comparison (or `in`) that made a false condition false, when the values show which."""
    if isinstance(tree, (ast.Compare, ast.In)):
        return tree
    if isinstance(tree, ast.If):
        taken = _truth(tree.cond, values)
        if taken is None:
            return None
        return _failed_test(tree.then if taken else tree.otherwise, values)
    if isinstance(tree, ast.Logical) and tree.op == "and":
        for operand in tree.operands:
            if _truth(operand, values) is False:
                return _failed_test(operand, values)
    if isinstance(tree, ast.Logical) and tree.op == "or" and all(_truth(x, values) is False for x in tree.operands):
        return tree  # each alternative is said in turn
    return None


def _truth(node: ast.Expr, values: Dict[str, Value]) -> Optional[bool]:
    """A part's truth from the values the condition read (None when they do not settle it)."""
    if isinstance(node, ast.BoolLit):
        return node.value
    if isinstance(node, (ast.Path, ast.RuleRef, ast.Param)):
        value = values.get(_key_of(node))
        return value.value if value is not None and isinstance(value.value, bool) else None
    if isinstance(node, ast.Not):
        inner = _truth(node.operand, values)
        return None if inner is None else not inner
    if isinstance(node, ast.In) and isinstance(node.collection, ast.ListLit):
        item = _operand_value(node.item, values)
        options = [_operand_value(x, values) for x in node.collection.items]
        if item is None or None in options:
            return None
        return (item in options) != node.negated
    if isinstance(node, ast.Compare):
        a, b = _operand_value(node.left, values), _operand_value(node.right, values)
        if a is None or b is None or isinstance(a, bool) != isinstance(b, bool):
            return None
        try:
            return {">=": a >= b, ">": a > b, "<=": a <= b, "<": a < b, "==": a == b, "!=": a != b}[node.op]
        except TypeError:
            return None
    if isinstance(node, ast.Logical):
        parts = [_truth(x, values) for x in node.operands]
        if node.op == "and":
            return False if False in parts else (None if None in parts else True)
        return True if True in parts else (None if None in parts else False)
    return None


def _in_sentence(node: ast.In, values: Dict[str, Value], view: Optional[_View], lang: str) -> Optional[str]:
    subject = _observed(node.item, values)
    if subject is None or not isinstance(node.collection, ast.ListLit):
        return None
    name = _name_of(subject, values, lang)
    if name is None:
        return None
    field = _field_for(view, subject.key)
    options = [_operand_text(x, values, lang, subject.unit, field, view) for x in node.collection.items]
    if None in options:
        return None
    joined = explain_text("or", lang).join(o for o in options if o is not None)
    need = explain_text("need_not_in" if node.negated else "need_in", lang, t=joined)
    return explain_text("sentence", lang, subject=name, value=_show(subject, view, lang), need=need)


@attrs.frozen
class _Ratio:
    num: Value
    den: Value
    value: Decimal
    limit: Decimal


def _ratio(subject: ast.Expr, limit: ast.Expr, values: Dict[str, Value]) -> Optional[_Ratio]:
    """A count divided by a count, held against a share between 0 and 1: read in per cent."""
    if not (isinstance(subject, ast.Arith) and subject.op == "/"):
        return None
    num, den = values.get(_key_of(subject.left)), values.get(_key_of(subject.right))
    ratio, bound = _operand_value(subject, values), _operand_value(limit, values)
    if num is None or den is None or not isinstance(ratio, (int, Decimal)) or not isinstance(bound, (int, Decimal)):
        return None
    if isinstance(bound, bool) or isinstance(ratio, bool) or not 0 <= bound <= 1:
        return None
    limit_value = values.get(_key_of(limit))
    if limit_value is not None and limit_value.unit is not None:
        return None  # a share has no unit; anything else is not read as a percentage
    return _Ratio(num, den, Decimal(ratio), Decimal(bound))


def _percent(share: Decimal) -> str:
    number = (share * 100).quantize(Decimal("0.1")).normalize()
    return format(number, "f") + "%"


def _ratio_sentence(ratio: _Ratio, op: str, view: Optional[_View], lang: str) -> str:
    values = {ratio.num.key: ratio.num, ratio.den.key: ratio.den}
    num_name = _name_of(ratio.num, values, lang) or ""
    den_name = _name_of(ratio.den, values, lang) or ""
    shown = explain_text("ratio_value", lang, num_name=num_name, num=_show(ratio.num, view, lang),
                         den_name=den_name, den=_show(ratio.den, view, lang), pct=_percent(ratio.value))
    need = explain_text("need" + op, lang, t=_percent(ratio.limit))
    text = explain_text("then_need", lang, shown=shown, need=need)
    gap = _gap(ratio.value * 100, ratio.limit * 100, op)
    if gap is not None:
        points = format(Decimal(gap).quantize(Decimal("0.1")).normalize(), "f")
        words = explain_text("over" if op in ("<=", "<") else "short", lang,
                             gap=explain_text("points_gap", lang, gap=points))
        text += explain_text("gap_suffix", lang, gap=words)
    return text


def _operand_value(node: ast.Expr, values: Dict[str, Value]) -> Any:
    if isinstance(node, (ast.NumberLit, ast.TextLit, ast.DateLit, ast.BoolLit)):
        return node.value
    value = values.get(_key_of(node))
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
    if isinstance(node, (ast.Param, ast.NumberLit, ast.TextLit, ast.DateLit, ast.BoolLit)):
        return None
    return values.get(_key_of(node))


def _operand_text(node: ast.Expr, values: Dict[str, Value], lang: str, unit: Optional[m.Label],
                  field: Optional[m.Field] = None, view: Optional[_View] = None) -> Optional[str]:
    if isinstance(node, ast.NumberLit):
        text = format(node.value, "f") if isinstance(node.value, Decimal) else str(node.value)
        return _with_unit(text, node.value, unit, lang)
    if isinstance(node, ast.DateLit):
        return node.value.isoformat()
    if isinstance(node, ast.TextLit):
        label = field.value_label(node.value) if field is not None else None
        return label.get(lang) if label is not None else node.value
    if isinstance(node, ast.BoolLit):
        return WORDS[lang]["yes" if node.value else "no"]
    value = values.get(_key_of(node))
    return _show(value, view, lang) if value else None


# ------------------------------------------------------------------ missing facts named for people


def fact_words(path: str, view: _View) -> str:
    """A JSON path in words: employer.hires[1].contract_months -> 第2名劳动者 李秀英:劳动合同期限.

    Positions count from 1; an item is named by the rule's `name` when it has one; a list of
    records that each hold one person (hires, placements, post holders) counts people (名).
    Anything the schema does not explain stays the path.
    """
    schema, lang = view.schema, view.lang
    if schema is None:
        return path
    parts = path.split(".")
    entity = schema.entities.get(parts[0])
    if entity is None:
        return path
    who: List[str] = []
    facts: List[str] = []
    person: Optional[m.Field] = None
    prefix = parts[0]
    for part in parts[1:]:
        match = _SEGMENT.fullmatch(part)
        if match is None or entity is None:
            return path
        name, index = match.group(1), match.group(2)
        field = entity.fields.get(name)
        if field is None:
            return path
        prefix += "." + name
        if field.type == "list" and index is not None:
            item = schema.entities.get(field.of or "")
            person = _person_field(schema, item)
            who.append(_item_words(field, item, person, int(index), _item_name(view, prefix, int(index)), lang))
            prefix += f"[{index}]"
            entity, facts = item, []
        elif field.type == "record":
            if field is not person:
                facts.append(field.label.get(lang))
            entity = schema.entities.get(field.of or "")
        else:
            facts.append(field.label.get(lang))
            entity = None
    fact = "·".join(facts)
    if not who:
        return fact or path
    joined = " ".join(who)
    return explain_text("fact_of", lang, who=joined, fact=fact) if fact else joined


_SEGMENT = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")


def _person_field(schema: m.FactSchema, entity: Optional[m.Entity]) -> Optional[m.Field]:
    return m.person_field(schema, entity)


def _noun(label: m.Label, lang: str) -> str:
    word = label.get(lang)
    return word[:1].lower() + word[1:] if lang == "en" and word[1:2].islower() else word


def _item_words(field: m.Field, item: Optional[m.Entity], person: Optional[m.Field], index: int,
                name: Optional[str], lang: str) -> str:
    if person is not None:
        who = explain_text("person", lang, n=index + 1, noun=_noun(person.label, lang))
    else:
        who = explain_text("thing", lang, n=index + 1, noun=_noun(item.label if item is not None else field.label, lang))
    return explain_text("named", lang, who=who, name=one_line(name)) if name else who


def _item_name(view: _View, prefix: str, index: int) -> Optional[str]:
    if prefix != view.over:
        return None
    for number, name in view.names:
        if number == index:
            return name
    return None


def _missing_line(path: str, view: _View) -> str:
    words = fact_words(path, view)
    if view.full and words != path:
        return f"{words} ({path})"
    return words


def _item_head(item: ItemDecision, view: _View) -> str:
    """第2名 李四 / #2 李四: positions count from 1."""
    schema = view.schema
    entity = schema.entities.get(view.item_entity or "") if schema is not None else None
    person = _person_field(schema, entity) if schema is not None else None
    measure = explain_text("measure_person" if person is not None else "measure_thing", view.lang)
    return explain_text("item_head", view.lang, n=item.index + 1, measure=measure)


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
    with gcpause.paused(any(_large_decision(d) for d in decisions)):
        blocks = [_text_decision(d, lang, full) for d in decisions]
    return "\n\n".join(blocks) + "\n"


def _text_decision(decision: Decision, lang: str, full: bool) -> str:
    words = WORDS[lang]
    rule = decision.rule
    view = _view_of(decision, lang, full)
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
        _text_reason(reason, view, 1, lines)
    if decision.items:
        _text_items(decision, view, lines)
    amount_reason = decision.amount_reason
    if amount_reason is not None and decision.amount is not None:
        lines.append(f"  {words['amount']}: {_amount_text(amount_reason, decision, view)}")
    for note in decision.notes:
        lines.append(f"  ※ {note.get(lang)}")
    if decision.amount is not None and decision.amount_standard == "floor":
        lines.append(f"  ※ {words['floor']}")
    if decision.missing:
        lines.append(f"  {words['missing']}:")
        for path in decision.missing:
            lines.append(f"    - {_missing_line(path, view)}")
    if decision.amount_missing:
        lines.append(f"  {words['amount_missing']}:")
        for path in decision.amount_missing:
            lines.append(f"    - {_missing_line(path, view)}")
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
            title += form("clause_sep", lang) + words["veto_not_met"]
        elif values.get("vetoes_met") is None:
            title += form("clause_sep", lang) + words["veto_undecided"]
    if reason.kind == "classes":
        title = words["classes"]
    return title


def _num(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    return "—" if value is None else str(value)


def _text_reason(reason: Reason, view: _View, depth: int, lines: List[str]) -> None:
    lang, full = view.lang, view.full
    indent = "  " * depth
    mark = MARKS[reason.result]
    title = _reason_title(reason, lang)
    detail = ""
    if reason.kind in ("condition", "criterion", "class", "in_force"):
        gap = shortfall(reason, lang, view)
        if gap:
            detail = gap
        elif reason.values:
            detail = _value_list(reason, view, lang)
    lines.append(f"{indent}{mark} {title}" + (form("colon", lang) + detail if detail else ""))
    if full and reason.kind in ("condition", "criterion", "class") and reason.expr:
        expr = " ".join(reason.expr.split())  # one line, whatever the block scalar's layout
        lines.append(f"{indent}    ⟨{expr}⟩" + (f" — {reason.source.text()}" if reason.source else ""))
    children = list(reason.children) if full else deciding(reason)
    if reason.kind == "classes":
        children = list(reason.children)
    for child in children:
        _text_reason(child, view, depth + 1, lines)


def _text_items(decision: Decision, view: _View, lines: List[str]) -> None:
    lang, full = view.lang, view.full
    words = WORDS[lang]
    items = decision.items
    considered = [i for i in items if i.considered is not False]
    ok = sum(1 for i in considered if i.outcome is Outcome.ELIGIBLE)
    no = sum(1 for i in considered if i.outcome is Outcome.INELIGIBLE)
    unk = sum(1 for i in considered if i.outcome is Outcome.UNDETERMINED)
    label = decision.rule.items.label.get(lang) if decision.rule.items else ""
    # an ineligible decision pays nothing: items that met their own conditions are not "✓ eligible"
    unpaid = decision.outcome is Outcome.INELIGIBLE
    summary = explain_text("items_unpaid", lang, ok=ok, no=no, unk=unk) if unpaid and ok else \
        words["item_summary"].format(ok=ok, no=no, unk=unk)
    lines.append(f"  {words['items']} ({label}): " + summary)
    inner = view.inside_item()
    for item in items:
        if not full and item.outcome is Outcome.ELIGIBLE:
            continue
        if not full and item.considered is False:
            continue
        name = f" {one_line(item.name)}" if item.name else ""
        if item.considered is False:
            status = words["not_considered"]
        elif unpaid and item.outcome is Outcome.ELIGIBLE:
            status = explain_text("item_unpaid", lang)
        else:
            status = words[item.outcome]
        paid = item.amount is not None and not (unpaid and item.outcome is Outcome.ELIGIBLE)
        amount = f" · {money(item.amount, lang)}" if paid else ""
        mark = "–" if unpaid and item.outcome is Outcome.ELIGIBLE else MARKS[_outcome_truth(item.outcome)]
        lines.append(f"    {mark} {_item_head(item, view)}{name} — {status}{amount}")
        root = Reason(None, None, "all", _outcome_truth(item.outcome), None, (), None, item.reasons)
        for reason in (item.reasons if full else deciding(root)):
            _text_reason(reason, inner, 3, lines)
        for path in item.missing:
            lines.append(f"        - {words['missing']}: {_missing_line(path, view)}")
        if full and paid and item.amount_reason is not None:
            shown = ", ".join(f"{value_name(v, lang)} = {_show(v, inner, lang)}" for v in item.amount_reason.values)
            lines.append(f"      {words['amount']}: {' '.join((item.amount_reason.expr or '').split())} = {money(item.amount, lang)}"
                         + (f" ({shown})" if shown else ""))


def _amount_text(reason: Reason, decision: Decision, view: _View) -> str:
    lang = view.lang
    values = reason.value_map()
    if "eligible_items" in values:
        count = values["eligible_items"]
        return explain_text("total_one" if count == 1 else "total_many", lang, n=count, amount=money(decision.amount, lang))
    shown = _value_list(reason, view, lang)
    if not view.full:  # the short form names values, never the expression
        return explain_text("amount_is", lang, amount=money(decision.amount, lang), shown=shown) if shown \
            else money(decision.amount, lang)
    expr = " ".join((reason.expr or "").split())
    return f"{expr} = {money(decision.amount, lang)}" + (f" ({shown})" if shown else "")


# ------------------------------------------------------------------ Markdown


def render_markdown(decisions: Sequence[Decision], lang: str = "zh", full: bool = False) -> str:
    out: List[str] = []
    for decision in decisions:
        words = WORDS[lang]
        rule = decision.rule
        out.append(f"## {markdown_text(rule.title.get(lang))} (`{rule.id}`)")
        out.append("")
        out.append(f"**{words[decision.outcome]}**" + (f" · {words['amount']} **{money(decision.amount, lang)}**"
                                                        if decision.amount is not None else ""))
        out.append("")
        out.append(f"- {words['source']}: {markdown_text(rule.source.text())}")
        out.append(f"- {words['as_of']}: {decision.as_of.isoformat()}")
        out.append(f"- {words['policy']}: {decision.policy.name} {decision.policy.version} (`{decision.policy.digest[:12]}`)")
        if decision.designation is not None:
            out.append(f"- {words['designation']}: {markdown_text(decision.designation.label.get(lang))}")
        out.append("")
        body = _text_decision(decision, lang, full).splitlines()[3 if decision.designation is None else 4:]
        for line in body:
            stripped = line[2:] if line.startswith("  ") else line
            depth = (len(stripped) - len(stripped.lstrip(" "))) // 2
            text = stripped.strip()
            text = text[2:] if text.startswith("- ") else text
            out.append("  " * depth + "- " + markdown_text(text))
        out.append("")
    return "\n".join(out)
