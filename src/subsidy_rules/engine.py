"""The runtime Policy: choose rule versions and parameter values by date, run
the compiled evaluators, and build Decisions.

A Policy is immutable after loading; the only mutable state is a cache of
bound evaluators keyed by (rule, as_of values), filled under a lock, so one
Policy serves many threads.
"""

from __future__ import annotations

import datetime as _dt
import functools
import threading
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import attrs

from . import gcpause
from . import model as m
from .compile import CompiledRule, compile_rule, static_amount
from .errors import ClaimError, EvaluationError, did_you_mean
from .expr import ast
from .expr.interpret import Tracked
from .expr.printer import to_text
from .expr.types import ResolveError, Scope, resolve
from .facts import bad, describe, iso_date
from .ir import nodes as ir
from .ir.lower import bind, lower_rule, parameter_value
from .ir.reference import checklist_score, evaluate as reference, note_value
from .ir.result import NO_STANDARD, NONE, PAID, PENDING, RawResult
from .messages import type_word
from .decision_json import decision_to_dict
from .reasons import ItemDecision, Reason, Value, missing_by_item
from .runtime import OUTCOME_OF, Outcome, Verdict, fen
from .source import Span

RESERVED_CLAIM_KEYS = ("as_of", "jurisdiction", "id")


def _place_of(rule: m.Rule, expr: str) -> Optional[Span]:
    """Where in the rule file the expression an evaluation error names is written (the rule's own
    place when it cannot be found): X001 and X002 point at the division or date, not the rule."""
    for expression, _, _ in m.rule_expressions(rule):
        if expression.tree is None:
            continue
        for node in ast.walk(expression.tree):
            if node.span is not None and to_text(node) == expr:
                return node.span
    return rule.span


def _placed(exc: Exception, rule: m.Rule) -> EvaluationError:
    """An error met evaluating ``rule``, naming the rule and where in its file it arose."""
    if isinstance(exc, EvaluationError):
        return EvaluationError(exc.code, exc.expr, rule.id, _place_of(rule, exc.expr), exc.operands)
    return EvaluationError("X002", exc.__class__.__name__, rule.id, rule.span)


@attrs.frozen
class PolicyRef:
    name: str
    version: str
    digest: str

    def to_dict(self) -> Dict[str, str]:
        return {"name": self.name, "version": self.version, "digest": self.digest}


@attrs.frozen
class PolicyContext:
    """What every Decision of one policy shares: provenance, currency, schema, parameters."""

    ref: PolicyRef
    currency: str
    schema: m.FactSchema = attrs.field(repr=False, eq=False)
    parameters: Mapping = attrs.field(repr=False, eq=False)


@attrs.frozen
class Binding:
    """One rule version bound to a date and a jurisdiction: shared by all its Decisions."""

    compiled: CompiledRule = attrs.field(repr=False)
    as_of: _dt.date
    context: PolicyContext = attrs.field(repr=False)
    params: Mapping = attrs.field(repr=False, eq=False)
    jurisdiction: Optional[str] = None
    bound: Optional[ir.BoundRule] = attrs.field(default=None, repr=False, eq=False)
    # the JSON writer of each language, made on first use (decision_json.py): a cache, not data
    json_writers: Dict[str, Callable] = attrs.field(factory=dict, repr=False, eq=False, init=False)


class Decision(tuple):
    """A rule's answer for one claim, with everything needed to explain it.

    Immutable. A tuple underneath — (verdict, raw, binding) — because
    building one is on the hot path of explaining a whole batch (see
    docs/decisions.md); the reasons tree, items and notes are built from the
    evaluator's RawResult on first access.
    """

    def __new__(cls, verdict: Verdict, raw: RawResult, binding: "Binding") -> "Decision":
        return tuple.__new__(cls, (verdict, raw, binding))

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Decision is immutable")

    def __copy__(self) -> "Decision":
        return self  # immutable: a copy is the same decision

    def __deepcopy__(self, memo: Any) -> "Decision":
        return self

    def __reduce__(self) -> Any:
        raise TypeError("a Decision refers to its compiled rule and is not pickled; store decision.to_dict() instead")

    def __repr__(self) -> str:
        return f"Decision(rule={self.rule_id!r}, outcome={self.outcome.value!r}, amount={self.amount!r}, as_of={self.as_of})"

    @property
    def verdict(self) -> Verdict:
        return self[0]

    @property
    def raw(self) -> RawResult:
        return self[1]

    @property
    def binding(self) -> "Binding":
        return self[2]

    @property
    def missing(self) -> Tuple[str, ...]:
        """The facts that would settle an undetermined decision: exactly those that could change it."""
        return self[1].missing

    @property
    def amount_status(self) -> str:
        """paid | pending (待定: facts needed for the amount only) | no_standard (the source sets none) | none."""
        return self[1].amount_status

    @property
    def amount_missing(self) -> Tuple[str, ...]:
        """The facts that would fix a pending amount; they never make the decision undetermined."""
        return self[1].amount_missing

    @property
    def amount_standard(self) -> Optional[str]:
        """How the source sets the amount: set | floor (不低于: the floor is paid) — None without an amount."""
        amount = self.compiled.ir.amount or (self.compiled.ir.items.amount if self.compiled.ir.items else None)
        return amount.standard if amount is not None else None

    @property
    def compiled(self) -> CompiledRule:
        return self.binding.compiled

    @property
    def as_of(self) -> _dt.date:
        return self.binding.as_of

    @property
    def context(self) -> PolicyContext:
        return self.binding.context

    @property
    def params(self) -> Mapping:
        return self.binding.params

    @property
    def jurisdiction(self) -> Optional[str]:
        return self.binding.jurisdiction

    @property
    def policy(self) -> PolicyRef:
        return self.context.ref

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome

    @property
    def amount(self) -> Optional[Decimal]:
        return self.verdict.amount

    @property
    def rule(self) -> m.Rule:
        return self.compiled.rule

    @property
    def rule_id(self) -> str:
        return self.compiled.rule.id

    @property
    def currency(self) -> str:
        return self.context.currency

    @cached_property
    def reasons(self) -> Tuple[Reason, ...]:
        return _build_reasons(self)

    @cached_property
    def items(self) -> Tuple[ItemDecision, ...]:
        with gcpause.paused(len(self.raw.items or ()) > gcpause.LARGE):
            return _build_items(self)

    @cached_property
    def notes(self) -> Tuple[m.Label, ...]:
        return tuple(note.label for note, hit in zip(self.compiled.ir.notes, self.raw.notes) if hit is True)

    @cached_property
    def amount_reason(self) -> Optional[Reason]:
        rule = self.rule
        if rule.items is not None and rule.items.amount is not None:
            eligible = sum(1 for item in self.raw.items or () if item.state is True)
            return Reason("amount", m.Label("金额", "Amount"), "amount", self.outcome is Outcome.ELIGIBLE,
                          f"sum({rule.items.amount.text} of {rule.items.over.text} where eligible)",
                          (Value("eligible_items", eligible, "fact", m.Label("符合条件的人数", "eligible items")),
                           Value("total", self.amount, "fact", m.Label("合计", "total"))))
        amount = self.compiled.ir.amount
        if amount is None or self.outcome is not Outcome.ELIGIBLE or self.amount is None:
            return None
        values = _values(amount.region.observed, self.raw.amount_observed, self)
        return Reason("amount", m.Label("金额", "Amount"), "amount", True, amount.region.text, values, tree=amount.region.expr)

    @property
    def designation(self) -> Optional[m.Designation]:
        if self.rule.designation is not None and self.outcome is Outcome.ELIGIBLE:
            return self.rule.designation
        return None

    @cached_property
    def score(self) -> Optional[Dict[str, Any]]:
        checklist = self.compiled.ir.checklist
        if checklist is None:
            return None
        return attrs.asdict(checklist_score(checklist, tuple(value for value, _ in self.raw.extra)))

    @cached_property
    def classes(self) -> Tuple[str, ...]:
        return tuple(k.id for k, (value, _) in zip(self.rule.classes, self.raw.extra) if value is True)

    def to_dict(self, lang: str = "zh") -> Dict[str, Any]:
        """The documented JSON (docs/embedding.md); the same as decision_json.decision_to_dict."""
        binding = self[2]
        write = binding.json_writers.get(lang)
        if write is None:
            return decision_to_dict(self, lang)
        return write(self, self[1], binding)


def _values(observed: Tuple[ir.Observed, ...], raw_values: Sequence[Any], decision: Decision,
            item_entity: Optional[str] = None) -> Tuple[Value, ...]:
    schema = decision.context.schema
    found = []
    for slot, value in zip(observed, raw_values):
        if slot.kind == "param":
            param = decision.context.parameters.get(slot.key)
            found.append(Value("$" + slot.key, value, "param", param.label if param else None, param.unit if param else None))
        elif slot.kind == "computed":
            found.append(Value(slot.key, value, "computed", _computed_label(schema, slot.node, item_entity)))
        elif slot.kind == "rule":
            found.append(Value(slot.key, value, "rule"))
        else:
            field = _field_of(schema, slot.key, item_entity)
            found.append(Value(slot.key, value, "fact", field.label if field else None, field.unit if field else None))
    return tuple(found)


_AGGREGATE_WORDS = {
    "count": ("{list}中符合条件的数量", "number of {list} that qualify"),
    "sum": ("{list}中符合条件的合计", "total over {list} that qualify"),
    "any": ("{list}中有符合条件的", "some of {list} qualify"),
    "all": ("{list}全部符合条件", "all of {list} qualify"),
    "min": ("{list}中符合条件的最小值", "least among {list} that qualify"),
    "max": ("{list}中符合条件的最大值", "greatest among {list} that qualify"),
}


@functools.lru_cache(maxsize=4096)
def _computed_label(schema: m.FactSchema, node: Optional[ast.Expr], item_entity: Optional[str]) -> Optional[m.Label]:
    """A readable name for an aggregate shown in an explanation ("吸纳的劳动者中符合条件的数量");
    the expression text stays the key, so the JSON is unchanged."""
    if not isinstance(node, ast.Aggregate) or not isinstance(node.source, ast.Path):
        return None
    field = _field_of(schema, node.source.dotted, item_entity)
    if field is None:
        return None
    zh, en = _AGGREGATE_WORDS[node.func]
    name = field.label.en
    name = name[:1].lower() + name[1:] if name[1:2].islower() else name  # mid-sentence: "hired workers"
    return m.Label(zh.format(list=field.label.zh), en.format(list=name))


@functools.lru_cache(maxsize=4096)
def _field_of(schema: m.FactSchema, dotted: str, item_entity: Optional[str]) -> Optional[m.Field]:
    scope = Scope(schema, (item_entity,) if item_entity else ())
    try:
        resolved = resolve(tuple(dotted.split(".")), scope)
    except ResolveError:
        return None
    return resolved.fields[-1] if resolved.fields else None


def _tree_reasons(tree: ir.Tree, values: Sequence[Any], observed: Sequence[Any], decision: Decision,
                  item_entity: Optional[str]) -> Reason:
    leaf_slice = tree.leaf_slices

    def build(node: ir.Node) -> Reason:
        if isinstance(node, ir.Leaf):
            region = node.region
            return Reason(node.id, node.label, "condition", values[node.index], region.text,
                          _values(region.observed, observed[leaf_slice[node.index]], decision, item_entity),
                          node.source, tree=region.expr)
        return Reason(node.id, node.label, node.op, values[node.index], None, (), None,
                      tuple(build(child) for child in node.children))

    return build(tree.root)


def _build_reasons(decision: Decision) -> Tuple[Reason, ...]:
    rule_ir = decision.compiled.ir
    if not rule_ir.in_force.contains(decision.as_of):
        period = rule_ir.in_force
        text = f"{period.start.isoformat()} ~ {period.until.isoformat() if period.until else ''}"
        return (Reason("in-force", m.Label(f"规则生效期间 {text}", f"Rule in force {text}"), "in_force", False, None,
                       (Value("as_of", decision.as_of, "fact", m.Label("评估日期", "assessment date")),)),)
    raw = decision.raw
    root = _tree_reasons(rule_ir.conditions, raw.nodes, raw.observed, decision, None)
    reasons: List[Reason] = list(root.children) if root.kind == "all" and root.id is None else [root]
    if rule_ir.checklist is not None:
        criteria = []
        for criterion, (value, obs) in zip(rule_ir.checklist.criteria, raw.extra):
            criteria.append(Reason(criterion.id, criterion.label, "criterion", value, criterion.region.text,
                                   _values(criterion.region.observed, obs, decision), criterion.source,
                                   points=criterion.points, veto=criterion.veto, tree=criterion.region.expr))
        score = decision.score or {}
        reasons.append(Reason("score", m.Label("验收得分", "Score"), "score", score.get("passed"), None,
                              tuple(Value(k, v, "fact", None) for k, v in score.items() if k != "passed"),
                              None, tuple(criteria)))
    if rule_ir.classification is not None:
        classes = []
        for klass, (value, obs) in zip(rule_ir.classification.classes, raw.extra):
            classes.append(Reason(klass.id, klass.label, "class", value, klass.region.text,
                                  _values(klass.region.observed, obs, decision), tree=klass.region.expr))
        listed: Optional[bool] = True if any(c.result is True for c in classes) else (
            None if any(c.result is None for c in classes) else False)
        reasons.append(Reason("classes", m.Label("所属名单", "Lists"), "classes", listed, None, (), None, tuple(classes)))
    return tuple(reasons)


def _build_items(decision: Decision) -> Tuple[ItemDecision, ...]:
    items = decision.compiled.ir.items
    if items is None or decision.raw.items is None:
        return ()
    over = items.over.text
    found = []
    by_item = missing_by_item(decision.missing + decision.amount_missing, over)
    for raw in decision.raw.items:
        path = f"{over}[{raw.index}]"
        if raw.nodes is None:  # left out by `where`
            found.append(ItemDecision(raw.index, path, raw.name, False, OUTCOME_OF[False], None, (), ()))
            continue
        root = _tree_reasons(items.conditions, raw.nodes, raw.observed, decision, items.entity)
        reasons = root.children if root.kind == "all" and root.id is None else (root,)
        missing = tuple(by_item.get(raw.index, ())) if raw.state is None or raw.amount_status == PENDING else ()
        amount_reason = None
        if raw.amount is not None and items.amount is not None:
            amount_reason = Reason("amount", m.Label("金额", "Amount"), "amount", True, items.amount.region.text,
                                   _values(items.amount.region.observed, raw.amount_observed, decision, items.entity),
                                   tree=items.amount.region.expr)
        labels = tuple(note.label for note, hit in zip(items.notes, raw.notes) if hit is True)
        found.append(ItemDecision(raw.index, path, raw.name, raw.considered, OUTCOME_OF[raw.state], raw.amount,
                                  tuple(reasons), missing, labels, amount_reason))
    return tuple(found)


class Policy:
    """A loaded, checked and compiled policy. Immutable; safe to share across threads."""

    def __init__(self, model: m.PolicyModel) -> None:
        self.model = model
        self.info = model.info
        self.ref = PolicyRef(model.info.name, model.info.version, model.digest)
        self.context = PolicyContext(self.ref, model.info.currency, model.schema, model.parameters)
        self._compiled: Dict[str, List[CompiledRule]] = {}
        for rule in model.rules:
            lowered = lower_rule(rule, model.schema, model.parameters)
            self._compiled.setdefault(rule.id, []).append(compile_rule(lowered, model.schema))
        self._bound: Dict[tuple, Tuple[Callable, ...]] = {}
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- introspection
    @property
    def name(self) -> str:
        return self.info.name

    @property
    def version(self) -> str:
        return self.info.version

    @property
    def digest(self) -> str:
        return self.model.digest

    @property
    def rules(self) -> Tuple[m.Rule, ...]:
        return self.model.rules

    @property
    def schema(self) -> m.FactSchema:
        return self.model.schema

    @property
    def rule_ids(self) -> Tuple[str, ...]:
        return tuple(self._compiled)

    def compiled(self, rule_id: str, as_of: _dt.date) -> CompiledRule:
        versions = self._compiled.get(rule_id)
        if versions is None:
            raise ClaimError("C008", "", did_you_mean(rule_id, self._compiled), rule=rule_id)
        for version in versions:
            if version.rule.in_force.contains(as_of):
                return version
        # not in force: the nearest version, which will decide "ineligible (not in force)"
        return versions[-1]

    def bound_rule(self, rule_id: str, as_of: _dt.date, jurisdiction: Optional[str] = None) -> ir.BoundRule:
        """The rule IR of the version in force on a date, its parameters bound for a county: what targets compile."""
        self._check_jurisdiction(jurisdiction)
        return bind(self.compiled(rule_id, as_of).ir, self.model, as_of, jurisdiction)

    def parameter_values(self, names: Sequence[str], as_of: _dt.date, jurisdiction: Optional[str]) -> Tuple[Any, ...]:
        return tuple(parameter_value(self.model, name, as_of, jurisdiction) for name in names)

    # ---------------------------------------------------------------- binding
    def _bind(self, compiled: CompiledRule, as_of: _dt.date, jurisdiction: Optional[str]) -> Tuple[Callable, ...]:
        """Bound (decide, explain, decide-checked, binding) for a rule version on a date; cached by date,
        and shared by dates with the same parameter values when the rule reads neither the date nor
        another rule (a referenced rule's versions and values move with the date)."""
        dated = (id(compiled), as_of, jurisdiction)
        found = self._bound.get(dated)
        if found is not None:
            return found
        bound = bind(compiled.ir, self.model, as_of, jurisdiction)
        in_force = bound.in_force
        dated_only = compiled.uses_as_of or not in_force or bool(compiled.ir.refers_to)
        key = (id(compiled), bound.values(), as_of if dated_only else None, jurisdiction, in_force)
        functions = self._bound.get(key)
        if functions is None:
            functions = self._make_bound(compiled, bound, jurisdiction)
        binding = Binding(compiled, as_of, self.context, dict(zip(compiled.params, bound.values())), jurisdiction, bound)
        found = functions + (binding,)
        with self._lock:
            if len(self._bound) > 8192:
                self._bound.clear()
            self._bound[key] = functions
            self._bound[dated] = found
        return found

    def _make_bound(self, compiled: CompiledRule, bound: ir.BoundRule, jurisdiction: Optional[str]) -> Tuple[Callable, ...]:
        """The (decide, explain, decide-checked) functions, shared by every date that binds the same values."""
        schema = self.schema
        refs = self._ref_resolver(bound.as_of, jurisdiction)

        def fall_back(claim: Mapping) -> RawResult:
            return reference(bound, claim, schema, refs)

        def note(claim: Mapping, number: int, item: Any, index: Optional[int]) -> Optional[bool]:
            return note_value(bound, claim, schema, refs, number, item, index)

        if not bound.in_force:
            return (lambda claim: fall_back(claim).verdict, fall_back, lambda claim: fall_back(claim).verdict)
        ok_amount, ok_status = None, NONE
        static = static_amount(compiled.ir)
        if static is not None:
            value = bound.value(static.name) if isinstance(static, ast.Param) else static.value  # type: ignore[union-attr]
            ok_amount, ok_status = (fen(value), PAID) if value is not None else (None, NO_STANDARD)
        verdicts = (Verdict(Outcome.ELIGIBLE, ok_amount), Verdict(Outcome.INELIGIBLE, None),
                    Verdict(Outcome.UNDETERMINED, None), ok_status)
        decide, explain, decide_checked = compiled.factory(bound.values(), bound.as_of, refs, verdicts, fall_back, note)
        return decide, explain, decide_checked

    def _ref_resolver(self, as_of: _dt.date, jurisdiction: Optional[str]) -> Callable[[str, Mapping], Tracked]:
        def resolve_ref(rule_id: str, claim: Mapping) -> Tracked:
            compiled = self.compiled(rule_id, as_of)
            if compiled.rule.applies_to not in claim:
                # a rule not in force is ineligible whatever the claim holds: no fact would settle it
                return Tracked(False, ()) if not compiled.rule.in_force.contains(as_of) else Tracked(None, (compiled.rule.applies_to,))
            raw = self._bind(compiled, as_of, jurisdiction)[1](claim)
            truth = {Outcome.ELIGIBLE: True, Outcome.INELIGIBLE: False}.get(raw.verdict.outcome)
            return Tracked(truth, raw.missing if truth is None else ())

        return resolve_ref

    # ---------------------------------------------------------------- public API
    def decider(self, rule: str, as_of: Optional[_dt.date] = None, jurisdiction: Optional[str] = None,
                checked_facts: bool = False) -> Callable[[Mapping], Verdict]:
        """A prepared decide-only function for one rule and date: the fast path for batch work.

        The returned callable takes the claim's facts (a mapping of entities) and
        returns a Verdict. Like a compiled regular expression, prepare once, call often.
        ``checked_facts=True`` promises the facts came through ``read_claim`` or
        ``coerce_claim`` (as in the batch runner), which lets it skip the class
        checks on numbers, dates and text; missing facts are still handled.
        """
        day = as_of or _dt.date.today()
        compiled = self.compiled(rule, day)
        self._check_jurisdiction(jurisdiction)  # a misspelt county would silently get the city's values
        bound = self._bind(compiled, day, jurisdiction)
        return bound[2] if checked_facts else bound[0]

    def explainer(self, rule: str, as_of: Optional[_dt.date] = None, jurisdiction: Optional[str] = None) -> Callable[[Mapping], Decision]:
        """A prepared explaining function for one rule and date, returning full Decisions."""
        day = as_of or _dt.date.today()
        compiled = self.compiled(rule, day)
        self._check_jurisdiction(jurisdiction)
        explain = self._bind(compiled, day, jurisdiction)[1]
        make = self._decision_maker(compiled, day, jurisdiction, explain)
        return make

    def _decision_maker(self, compiled: CompiledRule, day: _dt.date, jurisdiction: Optional[str], explain: Callable) -> Callable[[Mapping], Decision]:
        binding = self._bind(compiled, day, jurisdiction)[3]
        new = tuple.__new__

        def make(claim: Mapping) -> Decision:
            try:
                raw = explain(claim)
            except (EvaluationError, InvalidOperation, ArithmeticError) as exc:
                raise _placed(exc, compiled.rule) from None
            return new(Decision, (raw.verdict, raw, binding))

        return make

    def decide(self, claim: Mapping, rule: str, as_of: Optional[_dt.date] = None, checked_facts: bool = False) -> Verdict:
        """Decide one rule for one claim, without an explanation."""
        day, jurisdiction, facts = self._claim_parts(claim, as_of)
        compiled = self.compiled(rule, day)
        try:
            return self._bind(compiled, day, jurisdiction)[2 if checked_facts else 0](facts)
        except (EvaluationError, InvalidOperation, ArithmeticError) as exc:
            raise _placed(exc, compiled.rule) from None

    def evaluate(self, claim: Mapping, rule: Optional[str] = None, as_of: Optional[_dt.date] = None) -> List[Decision]:
        """Decisions, with explanations, for every rule that applies to the claim (or the one named)."""
        day, jurisdiction, facts = self._claim_parts(claim, as_of)
        if rule is not None:
            compiled = self.compiled(rule, day)
            if compiled.rule.applies_to not in facts:
                raise ClaimError("C009", "", rule=rule, entity=compiled.rule.applies_to)
            targets = [compiled]
        else:
            targets = [self.compiled(rid, day) for rid in self._compiled]
            targets = [c for c in targets if c.rule.applies_to in facts]
        decisions = []
        for compiled in targets:
            explain = self._bind(compiled, day, jurisdiction)[1]
            decisions.append(self._decision_maker(compiled, day, jurisdiction, explain)(facts))
        return decisions

    def explain(self, claim: Mapping, rule: str, as_of: Optional[_dt.date] = None) -> Decision:
        return self.evaluate(claim, rule, as_of)[0]

    # ---------------------------------------------------------------- helpers
    def _check_jurisdiction(self, jurisdiction: Any) -> None:
        if jurisdiction is not None and not isinstance(jurisdiction, str):  # a county is named, as in a claim
            raise bad("text", jurisdiction, "jurisdiction")
        if jurisdiction is not None and jurisdiction not in self.info.counties:
            raise ClaimError("C012", "jurisdiction", did_you_mean(jurisdiction, self.info.counties), actual=jurisdiction)

    def _claim_parts(self, claim: Mapping, as_of: Optional[_dt.date]) -> Tuple[_dt.date, Optional[str], Mapping]:
        if not isinstance(claim, Mapping):
            raise ClaimError("C001", "$", expected=type_word("mapping"), actual=type(claim).__name__)
        day = as_of
        if day is None:
            given = claim.get("as_of")
            if isinstance(given, _dt.datetime):
                given = given.date()
            if isinstance(given, str):
                try:
                    given = iso_date(given)
                except ValueError:
                    raise ClaimError("C001", "as_of", expected=type_word("date"), actual=describe(given)) from None
            if given is not None and not isinstance(given, _dt.date):
                raise ClaimError("C001", "as_of", expected=type_word("date"), actual=describe(given))
            day = given or _dt.date.today()
        jurisdiction = claim.get("jurisdiction")
        self._check_jurisdiction(jurisdiction)
        entities = self.schema.entities
        for key in claim:
            if key in RESERVED_CLAIM_KEYS:
                continue
            if key not in entities:
                raise ClaimError("C003", str(key), did_you_mean(str(key), entities))
        return day, jurisdiction, claim


