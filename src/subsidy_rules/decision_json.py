"""Decisions as JSON: the documented contract (docs/embedding.md), stable keys.

Apart from the words of explanations (explain.py), so that a Decision can give
its own JSON (Decision.to_dict) without the engine depending on the renderers.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import gcpause
from . import model as m
from .expr import ast
from .expr.codegen import Namespace
from .expr.types import ResolveError, Scope, resolve
from .ir import nodes as ir
from .ir.result import PENDING, RawItem, RawResult
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
    """The documented JSON of a decision, written straight from the evaluator's record by a
    function generated once per rule version and language (see _WriterSource): no Reason
    objects are built. ``reference_decision_to_dict`` says the same from the Reason objects."""
    binding = decision.binding
    write = binding.json_writers.get(lang)
    if write is None:
        write = _writer(decision, lang)
    return write(decision, decision.raw, binding)


def _large(decision: Decision) -> bool:
    return len(decision.raw.items or ()) > gcpause.LARGE


def reference_decision_to_dict(decision: Decision, lang: str = "zh") -> Dict[str, Any]:
    """The JSON of a decision built from its Reason and ItemDecision objects: the definition the
    generated writers are held to (tests/test_targets_python.py), and the writer of a rule
    version not in force on the date."""
    with gcpause.paused(_large(decision)):
        rule_ir = decision.compiled.ir
        rule = decision.rule
        amount_reason = decision.amount_reason
        score = decision.score
        designation = decision.designation
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
            "amount_explanation": reason_to_dict(amount_reason, lang) if amount_reason is not None else None,
            "notes": [n.get(lang) for n in decision.notes],
            "designation": {"id": designation.id, "label": designation.label.get(lang)} if designation else None,
            "score": {k: json_value(v) for k, v in score.items()} if score else None,
            "classes": list(decision.classes) if rule_ir.classification is not None else None,
            "interpretation": rule.interpretation.get(lang) if rule.interpretation else None,
            "jurisdiction": decision.jurisdiction,
            "in_force_confirmed": rule.in_force.confirmed,
        }


# ---------------------------------------------------------------- generated writers
#
# One Python function per rule version and language. It copies fixed dicts made by
# reason_to_dict itself (labels, expression text, clause references) and sets on each
# copy only what varies: results and values read from the evaluator's record, with no
# Reason object in between. A claim may have 200,000 items, a batch millions of claims.
# As in compile.py, the source is built from validated parts only: the keys are this
# module's own words, every text of the rule a constant in a namespace referred to by a
# generated name.

def _writer(decision: Decision, lang: str) -> Callable:
    """The writer of a binding (a rule version on a date): generated, or the reference when not in force."""
    binding = decision.binding
    if decision.compiled.ir.in_force.contains(binding.as_of):
        write = _generated(decision, lang)[0]
    else:
        def write(decision: Decision, raw: Any, binding: Any) -> Dict[str, Any]:
            return reference_decision_to_dict(decision, lang)
    binding.json_writers[lang] = write
    return write


def _generated(decision: Decision, lang: str) -> Tuple[Callable, str]:
    """(writer, its source) of a rule version, made once per language and kept with the compiled rule."""
    compiled = decision.compiled
    found = compiled.json_writers.get(lang)
    if found is None:
        source = _WriterSource(decision, lang)
        found = compiled.json_writers[lang] = (source.build(), source.source)
    return found


def writer_source(decision: Decision, lang: str = "zh") -> str:
    """The generated source of the JSON writer of a decision's rule version, for inspection."""
    return _generated(decision, lang)[1]


_JSON_CACHE: Dict[int, Tuple[Any, Any]] = {}


def _json_of_same(value: Any) -> Any:
    """json_value of a value that recurs as the very same object (a parameter's amount in every
    decision): worked out once. Keyed by identity and holding the value, so an id is never reused."""
    found = _JSON_CACHE.get(id(value))
    if found is not None and found[0] is value:
        return found[1]
    text = json_value(value)
    if len(_JSON_CACHE) > 1024:
        _JSON_CACHE.clear()
    _JSON_CACHE[id(value)] = (value, text)
    return text


def _amount_reason_json(decision: Decision, lang: str) -> Optional[Dict[str, Any]]:
    reason = decision.amount_reason
    return reason_to_dict(reason, lang) if reason is not None else None


def _last_reason_json(decision: Decision, lang: str) -> Dict[str, Any]:
    return reason_to_dict(decision.reasons[-1], lang)  # the score, or the lists


def _score_json(decision: Decision) -> Optional[Dict[str, Any]]:
    score = decision.score
    return {k: json_value(v) for k, v in score.items()} if score else None


_REASON_KEYS = ("id", "label", "kind", "expr", "result", "values", "source", "points", "veto", "children")
_PLAIN_TYPES = ("bool", "text", "enum")
_ITEM_FIELDS = {name: "_r_" + name for name in RawItem._fields}
_RESULT_FIELDS = {name: "_f_" + name for name in RawResult._fields}


class _WriterSource:
    """Builds the source of one rule version's writer."""

    def __init__(self, decision: Decision, lang: str) -> None:
        self.decision = decision
        self.rule: ir.RuleIR = decision.compiled.ir
        self.lang = lang
        self.schema = decision.context.schema
        self.parameters = decision.context.parameters
        self.ns = Namespace()
        self.source = ""
        self.counter = 0

    def const(self, value: Any) -> str:
        return self.ns.const(value)

    def kind_of(self, slot: ir.Observed, item_entity: Optional[str]) -> str:
        """How a value shown beside a condition becomes JSON: plain (None, truth, text), int, same, any."""
        if slot.kind == "rule":
            return "plain"
        if slot.kind == "param":
            param = self.parameters.get(slot.key)
            kind = param.type if param is not None else None
            return "plain" if kind in _PLAIN_TYPES else "int" if kind == "integer" else "same"
        if slot.kind == "computed":
            node = slot.node
            return "int" if isinstance(node, ast.Aggregate) and node.func == "count" else "any"
        scope = Scope(self.schema, (item_entity,) if item_entity else ())
        try:
            resolved = resolve(tuple(slot.key.split(".")), scope)
        except ResolveError:
            return "any"
        kind = resolved.fields[-1].type if resolved.fields else None
        return "plain" if kind in _PLAIN_TYPES else "int" if kind == "integer" else "any"

    @staticmethod
    def json(expr: str, kind: str) -> str:
        """json_value of `expr` (a variable or an index into one): inline where the class says it is already JSON."""
        if kind == "plain":
            return f"(_x if (_x := {expr}).__class__ in _PLAIN else _J(_x))"
        if kind == "int":
            return f"(_x if (_x := {expr}).__class__ is _int and _NH < _x < _H else _J(_x))"
        if kind == "same":
            return f"(None if (_x := {expr}) is None else _JS(_x))"
        return f"_J({expr})"

    def values(self, observed: Sequence[ir.Observed], source: str, start: int, item_entity: Optional[str]) -> str:
        parts = []
        for offset, slot in enumerate(observed):
            key = "$" + slot.key if slot.kind == "param" else slot.key
            parts.append(f"{self.const(key)}: {self.json(f'{source}[{start + offset}]', self.kind_of(slot, item_entity))}")
        return "{" + ", ".join(parts) + "}"

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def template(self, static: Dict[str, Any]) -> str:
        """A name for a copier of a fixed dict: copying one and setting the parts that vary is
        quicker than building it key by key. The dict itself is reachable only through its copier."""
        name = self.fresh("_T")
        self.ns.values[name] = dict(static).copy
        return name

    def reason(self, out: List[str], indent: str, static: Dict[str, Any], given: Dict[str, str]) -> str:
        """Statements building one reason dict into a new variable; `given` says the parts that vary."""
        assert tuple(static) == _REASON_KEYS, static
        var = self.fresh("_d")
        sets = "".join(f"; {var}[{key!r}] = {given[key]}" for key in _REASON_KEYS if key in given)
        out.append(f"{indent}{var} = {self.template(static)}(){sets}")
        return var

    def tree(self, out: List[str], indent: str, tree: ir.Tree, nodes: str, observed: str,
             item_entity: Optional[str]) -> str:
        """Statements building the reason dicts of a condition tree; returns the list of the top ones
        (the root's children when it is the unnamed `all`)."""
        slices = tree.leaf_slices
        lang = self.lang

        def node_json(node: ir.Node) -> str:
            if isinstance(node, ir.Leaf):
                proto = Reason(node.id, node.label, "condition", None, node.region.text, (), node.source)
                part = slices[node.index]
                given = {"values": self.values(node.region.observed, observed, part.start or 0, item_entity),
                         "children": "[]"}
            else:
                proto = Reason(node.id, node.label, node.op, None, None, (), None)
                kids = [node_json(child) for child in node.children]
                given = {"values": "{}", "children": "[" + ", ".join(kids) + "]"}
            given["result"] = f"{nodes}[{node.index}]"
            return self.reason(out, indent, reason_to_dict(proto, lang), given)

        root = tree.root
        top = root.children if isinstance(root, ir.Group) and root.op == "all" and root.id is None else (root,)
        return "[" + ", ".join(node_json(node) for node in top) + "]"

    def amount_json(self, out: List[str], indent: str) -> str:
        amount = self.rule.amount
        assert amount is not None
        proto = Reason("amount", m.Label("金额", "Amount"), "amount", True, amount.region.text, ())
        out.append(f"{indent}_ae = None")
        out.append(f"{indent}if _ok and _vd.amount is not None:")
        given = {"values": self.values(amount.region.observed, _RESULT_FIELDS["amount_observed"], 0, None),
                 "children": "[]"}
        var = self.reason(out, indent + "    ", reason_to_dict(proto, self.lang), given)
        out.append(f"{indent}    _ae = {var}")
        return "_ae"

    def items_amount_json(self, out: List[str], indent: str) -> str:
        """Decision.amount_reason of an amount summed over items: the eligible items and the total."""
        items = self.rule.model.items
        proto = Reason("amount", m.Label("金额", "Amount"), "amount", None,
                       f"sum({items.amount.text} of {items.over.text} where eligible)", ())
        values = ("{" + f"{self.const('eligible_items')}: _ne, "
                  f"{self.const('total')}: (None if (_x := _vd.amount) is None else _JS(_x))" + "}")
        return self.reason(out, indent, reason_to_dict(proto, self.lang),
                           {"result": "_ok", "values": values, "children": "[]"})

    def items_function(self) -> List[str]:
        items = self.rule.items
        assert items is not None
        f = _ITEM_FIELDS
        lang = self.lang
        over = self.const(items.over.text)
        notes = "[]"
        if items.notes:
            labels = self.const(tuple(note.label.get(lang) for note in items.notes))
            notes = f"[_l for _l, _h in _zip({labels}, {f['notes']}) if _h is True]"
        path = "f'{" + over + "}[{" + f["index"] + "}]'"
        name = self.json(f["name"], "plain")
        left_out = ("{" + f"'index': {f['index']}, 'path': {path}, 'name': {name}, 'considered': False, "
                    f"'outcome': {self.const(OUTCOME_OF[False].value)}, 'amount': None, 'reasons': [], "
                    "'missing': [], 'notes': []}")
        amount = (f"(None if {f['amount']} is None else (_ls if {f['amount']} is _la else "
                  f"(_ls := _J((_la := {f['amount']})))))")
        missing = (f"(_list(_by.get({f['index']}, ())) if _by and ({f['state']} is None or "
                   f"{f['amount_status']} == {self.const(PENDING)}) else [])")
        body: List[str] = []
        reasons = self.tree(body, "        ", items.conditions, f["nodes"], f["observed"], items.entity)
        decided = ("{" + f"'index': {f['index']}, 'path': {path}, 'name': {name}, 'considered': {f['considered']}, "
                   f"'outcome': _OV[{f['state']}], 'amount': {amount}, 'reasons': {reasons}, "
                   f"'missing': {missing}, 'notes': {notes}" + "}")
        return [
            "def _items(raw):",
            "    _miss = raw.missing + raw.amount_missing",
            f"    _by = _MBI(_miss, {over}) if _miss else None",
            "    _out = []",
            "    _ap = _out.append",
            "    _la = _ls = None",
            "    _ne = 0",  # the eligible items, for the amount's explanation
            "    for " + ", ".join(f.values()) + " in raw.items:",
            f"        if {f['nodes']} is None:",
            f"            _ap({left_out})",
            "            continue",
        ] + body + [
            f"        if {f['state']} is True: _ne += 1",
            f"        _ap({decided})",
            "    return _out, _ne",
        ]

    def build(self) -> Callable:
        rule, lang = self.rule, self.lang
        model = rule.model
        decision = self.decision
        body: List[str] = []
        indent = "    "
        f = _RESULT_FIELDS
        reasons = self.tree(body, indent, rule.conditions, f["nodes"], f["observed"], None)
        if rule.checklist is not None or rule.classification is not None:
            reasons = reasons[:-1] + ("" if reasons == "[]" else ", ") + f"_LR(d, {self.const(lang)})]"
        lines: List[str] = []
        items = "[]"
        if rule.items is not None:
            lines += self.items_function()
            body.append(f"{indent}_its, _ne = ([], 0) if raw.items is None else _items(raw)")
            items = "_its"
        if rule.items is not None and model.items is not None and model.items.amount is not None:
            amount_json = self.items_amount_json(body, indent)
        elif rule.items is None and rule.amount is not None:
            amount_json = self.amount_json(body, indent)
        elif rule.amount is None and (rule.items is None or rule.items.amount is None) and (
                model.items is None or model.items.amount is None):
            amount_json = None
        else:
            amount_json = f"_AR(d, {self.const(lang)})"
        notes = "[]"
        if rule.notes:
            labels = self.const(tuple(note.label.get(lang) for note in rule.notes))
            notes = f"[_l for _l, _h in _zip({labels}, {f['notes']}) if _h is True]"
        designation = None
        if rule.designation is not None:
            designation = ("({'id': " + self.const(rule.designation.id) + ", 'label': "
                           + self.const(rule.designation.label.get(lang)) + "} if _ok else None)")
        # the whole dict: a fixed template, and what varies set on a copy of it
        static = {
            "rule": model.id, "rule_version": model.version, "title": model.title.get(lang),
            "outcome": None, "amount": None, "amount_status": None, "amount_standard": decision.amount_standard,
            "amount_missing": None, "currency": decision.currency, "source": model.source.text(),
            "reasons": None, "missing": None, "items": None, "amount_explanation": None, "notes": None,
            "designation": None, "score": None, "classes": None,
            "interpretation": model.interpretation.get(lang) if model.interpretation else None,
            "jurisdiction": None, "in_force_confirmed": bool(model.in_force.confirmed),
        }
        given = {
            "outcome": "_vd.outcome._value_",
            "amount": "(None if (_x := _vd.amount) is None else _JS(_x))",
            "amount_status": f["amount_status"],
            "amount_missing": f"[*{f['amount_missing']}]",
            "reasons": reasons,
            "missing": f"[*{f['missing']}]",
            "items": items,
            "amount_explanation": amount_json,
            "notes": notes,
            "designation": designation,
            "score": "_SC(d)" if rule.checklist is not None else None,
            "classes": "_list(d.classes)" if rule.classification is not None else None,
            "jurisdiction": "b.jurisdiction",
        }
        sets = [f"{indent}_w[{key!r}] = {value}" for key, value in given.items() if value is not None]
        lines += [
            "def _write(d, raw, b):",
            f"{indent}" + ", ".join(f.values()) + " = raw",
            f"{indent}_vd = {f['verdict']}",
            f"{indent}_ok = _vd.outcome is _ELIGIBLE",
        ] + body + [f"{indent}_w = {self.template(static)}()"] + sets + [f"{indent}return _w"]
        if rule.items is not None:  # many items: no collector passes over what is built
            lines += [
                "def _write_large(d, raw, b):",
                f"{indent}if raw.items is None or _len(raw.items) <= _LARGE:",
                f"{indent}{indent}return _write(d, raw, b)",
                f"{indent}with _GCP():",
                f"{indent}{indent}return _write(d, raw, b)",
            ]
        self.source = "\n".join(lines) + "\n"
        namespace: Dict[str, Any] = dict(self.ns.values)
        namespace.update(
            _J=json_value, _JS=_json_of_same, _PLAIN=frozenset((bool, str, type(None))), _int=int, _H=_HUGE,
            _NH=-_HUGE, _list=list, _zip=zip, _len=len, _MBI=missing_by_item, _AR=_amount_reason_json,
            _LR=_last_reason_json, _SC=_score_json, _ELIGIBLE=Outcome.ELIGIBLE,
            _OV={k: v.value for k, v in OUTCOME_OF.items()}, _GCP=gcpause.paused, _LARGE=gcpause.LARGE,
        )
        namespace["__builtins__"] = {}
        code = compile(self.source, f"<json {model.file}>", "exec")
        exec(code, namespace)  # the source is ours, built from validated parts (see above)
        return namespace["_write_large" if rule.items is not None else "_write"]


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


