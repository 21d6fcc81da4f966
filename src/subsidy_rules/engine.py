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
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import attrs

from . import model as m
from .compile import CompiledRule, Observed, TreeInfo, compile_rule
from .messages import type_word
from .errors import ClaimError, EvaluationError, did_you_mean
from .expr.interpret import Env, evaluate as interpret
from .expr.types import Scope
from .facts import describe
from .runtime import OUTCOME_OF, Outcome, Verdict, fen

RESERVED_CLAIM_KEYS = ("as_of", "jurisdiction", "id")


@attrs.frozen
class PolicyRef:
    name: str
    version: str
    digest: str

    def to_dict(self) -> Dict[str, str]:
        return {"name": self.name, "version": self.version, "digest": self.digest}


@attrs.frozen
class Value:
    """One value a condition read: a fact, a parameter, or a computed aggregate."""

    key: str
    value: Any
    kind: str  # fact | param
    label: Optional[m.Label] = None
    unit: Optional[m.Label] = None


@attrs.frozen
class Reason:
    """One node of an explanation tree."""

    id: Optional[str]
    label: Optional[m.Label]
    kind: str  # all any not condition criterion class amount score note
    result: Optional[bool]
    expr: Optional[str] = None
    values: Tuple[Value, ...] = ()
    source: Optional[m.SourceRef] = None
    children: Tuple["Reason", ...] = ()
    points: Optional[Decimal] = None
    veto: bool = False
    tree: Any = attrs.field(default=None, eq=False, repr=False)  # the expression AST, for renderers

    def value_map(self) -> Dict[str, Any]:
        return {v.key: v.value for v in self.values}

    def walk(self) -> Iterator["Reason"]:
        yield self
        for child in self.children:
            yield from child.walk()


@attrs.frozen
class ItemDecision:
    index: int
    path: str
    name: Optional[str]
    considered: Optional[bool]
    outcome: Outcome
    amount: Optional[Decimal]
    reasons: Tuple[Reason, ...]
    missing: Tuple[str, ...]
    notes: Tuple[m.Label, ...] = ()
    amount_reason: Optional[Reason] = None


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


class Decision(tuple):
    """A rule's answer for one claim, with everything needed to explain it.

    Immutable. A tuple underneath — (verdict, raw, binding, missing) — because
    building one is on the hot path of explaining a whole batch (see
    docs/decisions.md); the reasons tree, items and notes are built from the
    explaining evaluator's raw record on first access.
    """

    def __new__(cls, verdict: Verdict, raw: tuple, binding: "Binding", missing: Tuple[str, ...] = ()) -> "Decision":
        return tuple.__new__(cls, (verdict, raw, binding, missing))

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
    def raw(self) -> tuple:
        return self[1]

    @property
    def binding(self) -> "Binding":
        return self[2]

    @property
    def missing(self) -> Tuple[str, ...]:
        return self[3]

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
        return _build_items(self)

    @cached_property
    def notes(self) -> Tuple[m.Label, ...]:
        results = self.raw[2]
        return tuple(note.label for note, hit in zip(self.rule.notes, results) if hit is True)

    @cached_property
    def amount_reason(self) -> Optional[Reason]:
        rule = self.rule
        if rule.items is not None and rule.items.amount is not None:
            eligible = [i for i in self.items if i.outcome is Outcome.ELIGIBLE]
            return Reason("amount", m.Label("金额", "Amount"), "amount", self.outcome is Outcome.ELIGIBLE,
                          f"sum({rule.items.amount.text} of {rule.items.over.text} where eligible)",
                          (Value("eligible_items", len(eligible), "fact", m.Label("符合条件的人数", "eligible items")),
                           Value("total", self.amount, "fact", m.Label("合计", "total"))))
        if rule.amount is None or self.outcome is not Outcome.ELIGIBLE:
            return None
        values = _values(self.compiled.amount_observed, self.raw[5], self)
        return Reason("amount", m.Label("金额", "Amount"), "amount", True, rule.amount.text, values, tree=rule.amount.tree)

    @property
    def designation(self) -> Optional[m.Designation]:
        if self.rule.designation is not None and self.outcome is Outcome.ELIGIBLE:
            return self.rule.designation
        return None

    @cached_property
    def score(self) -> Optional[Dict[str, Any]]:
        if self.rule.kind != "checklist":
            return None
        return _checklist_score(self.rule, self.raw[4])

    @cached_property
    def classes(self) -> Tuple[str, ...]:
        return tuple(k.id for k, (value, _) in zip(self.rule.classes, self.raw[4]) if value is True)

    def to_dict(self, lang: str = "zh") -> Dict[str, Any]:
        from .explain import decision_to_dict

        return decision_to_dict(self, lang)


def _values(observed: Observed, raw_values: Sequence[Any], decision: Decision, item_entity: Optional[str] = None) -> Tuple[Value, ...]:
    schema = decision.context.schema
    found = []
    for (kind, key), value in zip(observed, raw_values):
        if kind == "param":
            param = decision.context.parameters.get(key)
            found.append(Value("$" + key, value, "param", param.label if param else None, param.unit if param else None))
        elif kind == "computed":
            found.append(Value(key, value, kind, _computed_label(schema, key, item_entity)))
        elif kind == "rule":
            found.append(Value(key, value, kind))
        else:
            field = _field_of(schema, key, item_entity)
            found.append(Value(key, value, "fact", field.label if field else None, field.unit if field else None))
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
def _computed_label(schema: m.FactSchema, text: str, item_entity: Optional[str]) -> Optional[m.Label]:
    """A readable name for an aggregate shown in an explanation ("吸纳的劳动者中符合条件的数量");
    the expression text stays the key, so the JSON is unchanged."""
    from .expr import ast as _ast
    from .expr.parser import ExprSyntaxError, parse

    try:
        node = parse(text)
    except ExprSyntaxError:
        return None
    if not isinstance(node, _ast.Aggregate) or not isinstance(node.source, _ast.Path):
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
    from .expr.types import ResolveError, resolve

    scope = Scope(schema, (item_entity,) if item_entity else ())
    try:
        resolved = resolve(tuple(dotted.split(".")), scope)
    except ResolveError:
        return None
    return resolved.fields[-1] if resolved.fields else None


def _tree_reasons(info: TreeInfo, values: tuple, observed: tuple, decision: Decision, item_entity: Optional[str]) -> Reason:
    results = {id(node): value for node, value in zip(info.nodes, values)}
    leaf_observed = {id(leaf): observed[part] for leaf, part in zip(info.leaves, info.slices)}
    leaf_meta = {id(leaf): meta for leaf, meta in zip(info.leaves, info.observed)}

    def build(node: m.Node) -> Reason:
        if isinstance(node, m.Condition):
            return Reason(node.id, node.label, "condition", results[id(node)], node.expr.text,
                          _values(leaf_meta[id(node)], leaf_observed[id(node)], decision, item_entity),
                          node.source, tree=node.expr.tree)
        return Reason(node.id, node.label, node.op, results[id(node)], None, (), None,
                      tuple(build(child) for child in node.children))

    return build(info.nodes[0])


def _build_reasons(decision: Decision) -> Tuple[Reason, ...]:
    compiled = decision.compiled
    rule = compiled.rule
    if not rule.in_force.contains(decision.as_of):
        period = rule.in_force
        text = f"{period.start.isoformat()} ~ {period.until.isoformat() if period.until else ''}"
        return (Reason("in-force", m.Label(f"规则生效期间 {text}", f"Rule in force {text}"), "in_force", False, None,
                       (Value("as_of", decision.as_of, "fact", m.Label("评估日期", "assessment date")),)),)
    values, observed = decision.raw[1]
    root = _tree_reasons(compiled.tree, values, observed, decision, None)
    reasons: List[Reason] = list(root.children) if root.kind == "all" and root.id is None else [root]
    if rule.kind == "checklist":
        criteria = []
        for criterion, (value, obs), meta in zip(rule.criteria, decision.raw[4], compiled.extra_observed):
            criteria.append(Reason(criterion.id, criterion.label, "criterion", value, criterion.expr.text,
                                   _values(meta, obs, decision), criterion.source, points=criterion.points,
                                   veto=criterion.veto, tree=criterion.expr.tree))
        score = decision.score or {}
        reasons.append(Reason("score", m.Label("验收得分", "Score"), "score", score.get("passed"), None,
                              tuple(Value(k, v, "fact", None) for k, v in score.items() if k != "passed"),
                              None, tuple(criteria)))
    if rule.kind == "classification":
        classes = []
        for klass, (value, obs), meta in zip(rule.classes, decision.raw[4], compiled.extra_observed):
            classes.append(Reason(klass.id, klass.label, "class", value, klass.expr.text,
                                  _values(meta, obs, decision), tree=klass.expr.tree))
        listed: Optional[bool] = True if any(c.result is True for c in classes) else (
            None if any(c.result is None for c in classes) else False)
        reasons.append(Reason("classes", m.Label("所属名单", "Lists"), "classes", listed, None, (), None, tuple(classes)))
    return tuple(reasons)


def _build_items(decision: Decision) -> Tuple[ItemDecision, ...]:
    compiled = decision.compiled
    rule = compiled.rule
    if rule.items is None or decision.raw[3] is None or compiled.item_tree is None:
        return ()
    over = rule.items.over.text
    found = []
    by_item = _missing_by_item(decision.missing, over)
    for index, state, amount, tree, notes, name, considered, amount_obs in decision.raw[3]:
        if tree is None:  # left out by `where`
            found.append(ItemDecision(index, f"{over}[{index}]", name, False, OUTCOME_OF[False], None, (), ()))
            continue
        values, observed = tree
        root = _tree_reasons(compiled.item_tree, values, observed, decision, rule.items.entity)
        reasons = root.children if root.kind == "all" and root.id is None else (root,)
        path = f"{over}[{index}]"
        missing: Tuple[str, ...] = ()
        if state is None:
            missing = tuple(by_item.get(index, ()))
        amount_reason = None
        if amount is not None and rule.items.amount is not None:
            amount_reason = Reason("amount", m.Label("金额", "Amount"), "amount", True, rule.items.amount.text,
                                   _values(compiled.item_amount_observed, amount_obs, decision, rule.items.entity),
                                   tree=rule.items.amount.tree)
        labels = tuple(note.label for note, hit in zip(rule.items.notes, notes) if hit is True)
        outcome = OUTCOME_OF[state]
        found.append(ItemDecision(index, path, name, considered, outcome, amount, tuple(reasons), missing,
                                  labels, amount_reason))
    return tuple(found)


def _missing_by_item(missing: Sequence[str], over: str) -> Dict[int, List[str]]:
    """The missing facts of each item of `over` (``over[3]`` and ``over[3].…``), in one pass:
    a claim may have thousands of items, each missing something."""
    found: Dict[int, List[str]] = {}
    start = over + "["
    for path in missing:
        if not path.startswith(start):
            continue
        close = path.find("]", len(start))
        rest = path[close + 1:]
        if close > len(start) and path[len(start):close].isdigit() and (not rest or rest.startswith(".")):
            found.setdefault(int(path[len(start):close]), []).append(path)
    return found


def _checklist_score(rule: m.Rule, results: Sequence[Tuple[Optional[bool], tuple]]) -> Dict[str, Any]:
    score = sum((c.points for c, (v, _) in zip(rule.criteria, results) if v is True), Decimal(0))
    unknown = sum((c.points for c, (v, _) in zip(rule.criteria, results) if v is None), Decimal(0))
    met = sum(1 for _, (v, _) in zip(rule.criteria, results) if v is True)
    open_ = sum(1 for _, (v, _) in zip(rule.criteria, results) if v is None)
    vetoes = [v for c, (v, _) in zip(rule.criteria, results) if c.veto]
    total = sum((c.points for c in rule.criteria), Decimal(0))
    checks: List[Optional[bool]] = []
    checks.append(False if False in vetoes else (None if None in vetoes else True))
    pass_rule = rule.pass_rule or m.PassRule(all=True)
    if pass_rule.min_score is not None:
        checks.append(True if score >= pass_rule.min_score else (False if score + unknown < pass_rule.min_score else None))
    if pass_rule.at_least is not None:
        checks.append(True if met >= pass_rule.at_least else (False if met + open_ < pass_rule.at_least else None))
    if pass_rule.all or (pass_rule.min_score is None and pass_rule.at_least is None):
        checks.append(True if met == len(rule.criteria) else (False if met + open_ < len(rule.criteria) else None))
    passed: Optional[bool] = False if False in checks else (None if None in checks else True)
    return {
        "score": score,
        "max_score": total,
        "undecided_points": unknown,
        "min_score": pass_rule.min_score,
        "criteria_met": met,
        "vetoes_met": False if False in vetoes else (None if None in vetoes else True),
        "passed": passed,
    }


def _kleene_and(*values: Optional[bool]) -> Optional[bool]:
    if False in values:
        return False
    if None in values:
        return None
    return True


# ====================================================================== Policy


class Policy:
    """A loaded, checked and compiled policy. Immutable; safe to share across threads."""

    def __init__(self, model: m.PolicyModel) -> None:
        self.model = model
        self.info = model.info
        self.ref = PolicyRef(model.info.name, model.info.version, model.digest)
        self.context = PolicyContext(self.ref, model.info.currency, model.schema, model.parameters)
        self._compiled: Dict[str, List[CompiledRule]] = {}
        money = tuple(name for name, p in model.parameters.items() if p.type == "money")
        for rule in model.rules:
            self._compiled.setdefault(rule.id, []).append(compile_rule(rule, model.schema, money))
        self._bound: Dict[tuple, Tuple[Callable, Callable]] = {}
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

    def parameter_values(self, names: Sequence[str], as_of: _dt.date, jurisdiction: Optional[str]) -> Tuple[Any, ...]:
        values = []
        overrides = self.model.overrides.get(jurisdiction or "", {})
        for name in names:
            param = self.model.parameters[name]
            value = param.value_on(as_of)
            history = overrides.get(name)
            if history:
                for entry in history:
                    if entry.start <= as_of:
                        value = entry.value
            if value is not None and param.type == "money":
                value = fen(value)
            values.append(value)
        return tuple(values)

    # ---------------------------------------------------------------- binding
    def _bind(self, compiled: CompiledRule, as_of: _dt.date, jurisdiction: Optional[str]) -> Tuple[Callable, Callable]:
        """Bound (decide, explain) for a rule version on a date; cached by date, shared by parameter values."""
        dated = (id(compiled), as_of, jurisdiction)
        bound = self._bound.get(dated)
        if bound is not None:
            return bound
        params = self.parameter_values(compiled.params, as_of, jurisdiction)
        in_force = compiled.rule.in_force.contains(as_of)
        key = (id(compiled), params, as_of if _uses_as_of(compiled) else None, jurisdiction, in_force)
        bound = self._bound.get(key)
        if bound is None:
            refs = self._ref_resolver(as_of, jurisdiction)
            named = dict(zip(compiled.params, params))
            ok_amount = None
            if compiled.static_amount is not None and in_force:
                # out of force, a parameter may have no value yet (None): nothing to round then
                static = interpret(compiled.static_amount, Env({}, named, as_of, Scope(self.schema)))
                ok_amount = fen(static) if static is not None else None
            verdicts = (Verdict(Outcome.ELIGIBLE, ok_amount), Verdict(Outcome.INELIGIBLE, None),
                        Verdict(Outcome.UNDETERMINED, None))
            bound = compiled.factory(params, as_of, refs, verdicts) if in_force else _not_in_force(compiled)
            if in_force and compiled.rule.kind != "eligibility":
                bound = _with_post_verdict(compiled.rule, bound)
        with self._lock:
            if len(self._bound) > 8192:
                self._bound.clear()
            self._bound[key] = bound
            self._bound[dated] = bound
        return bound

    def _ref_resolver(self, as_of: _dt.date, jurisdiction: Optional[str]) -> Callable[[str, Mapping], Optional[bool]]:
        def resolve_ref(rule_id: str, claim: Mapping) -> Optional[bool]:
            compiled = self.compiled(rule_id, as_of)
            if compiled.rule.applies_to not in claim:
                return None
            verdict = self._bind(compiled, as_of, jurisdiction)[0](claim)
            return {Outcome.ELIGIBLE: True, Outcome.INELIGIBLE: False}.get(verdict.outcome)

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
        params = dict(zip(compiled.params, self.parameter_values(compiled.params, day, jurisdiction)))
        binding = Binding(compiled, day, self.context, params, jurisdiction)
        kind = compiled.rule.kind
        policy = self
        undetermined = Outcome.UNDETERMINED

        plain = kind == "eligibility"
        new = tuple.__new__
        none: Tuple[str, ...] = ()

        def make(claim: Mapping) -> Decision:
            try:
                raw = explain(claim)
            except EvaluationError as exc:
                raise EvaluationError(exc.code, exc.expr, compiled.rule.id, compiled.rule.span) from None
            except (InvalidOperation, ArithmeticError) as exc:
                raise EvaluationError("X002", exc.__class__.__name__, compiled.rule.id, compiled.rule.span) from None
            verdict = raw[0]
            if plain and verdict.outcome is not undetermined:
                return new(Decision, (verdict, raw, binding, none))
            if not plain:
                verdict = _post_verdict(compiled.rule, raw)
            missing = policy._missing(compiled, raw, claim, day, jurisdiction, params) if verdict.outcome is undetermined else none
            return new(Decision, (verdict, raw, binding, missing))

        return make

    def decide(self, claim: Mapping, rule: str, as_of: Optional[_dt.date] = None, checked_facts: bool = False) -> Verdict:
        """Decide one rule for one claim, without an explanation."""
        day, jurisdiction, facts = self._claim_parts(claim, as_of)
        compiled = self.compiled(rule, day)
        return self._bind(compiled, day, jurisdiction)[2 if checked_facts else 0](facts)

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

    def evaluate_many(self, records: Iterable[Mapping], rule: Optional[str] = None, as_of: Optional[_dt.date] = None,
                      explain: bool = False) -> Iterator[Any]:
        """One RecordResult per record, in order; a bad record gives a result carrying its error.

        Records are plain data (as read from JSON or CSV) and are checked against the
        fact schema; with ``explain`` each result carries the full Decision.
        """
        from .batch import evaluate_many

        return evaluate_many(self, records, [rule] if rule else None, as_of, explain)

    def sort_into_lists(self, records: Iterable[Mapping], rule: str = "five-lists",
                        as_of: Optional[_dt.date] = None) -> Iterator[Any]:
        """One ListResult per record of a classification rule (the five lists by default), in order."""
        from .batch import sort_into_lists

        return sort_into_lists(self, records, rule, as_of)

    # ---------------------------------------------------------------- helpers
    def _check_jurisdiction(self, jurisdiction: Any) -> None:
        if jurisdiction is not None and jurisdiction not in self.info.counties:
            shown = jurisdiction if isinstance(jurisdiction, str) else describe(jurisdiction)
            raise ClaimError("C012", "jurisdiction", did_you_mean(shown, self.info.counties), actual=shown)

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
                    given = _dt.date.fromisoformat(given)
                except ValueError:
                    raise ClaimError("C001", "as_of", expected=type_word("date"), actual=repr(given)) from None
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

    def _missing(self, compiled: CompiledRule, raw: tuple, claim: Mapping, day: _dt.date,
                 jurisdiction: Optional[str], params: Mapping) -> Tuple[str, ...]:
        """The facts that would settle an undetermined decision: those read by the unknown
        conditions that matter (an unknown under a false 'all' does not)."""
        found: List[str] = _Found()
        refs = self._ref_resolver(day, jurisdiction)
        rule = compiled.rule

        def collect(expr: m.Expression, items: Tuple[Tuple[Any, str], ...] = (), entity: Optional[str] = None) -> None:
            scope = Scope(self.schema, (entity,) if entity else ())
            env = Env(claim, params, day, scope, lambda rid: refs(rid, claim), items, found)
            try:
                interpret(expr.tree, env)
            except EvaluationError:
                pass  # what it read before failing is still what would settle it

        def collect_amount(expr: m.Expression, items: Tuple[Tuple[Any, str], ...] = (), entity: Optional[str] = None) -> None:
            # the explaining pass may not have needed this amount (its conditions are unknown):
            # reading it for missing facts must not fail the decision (e.g. a division by zero)
            try:
                collect(expr, items, entity)
            except EvaluationError:
                pass

        def deciding(info: TreeInfo, values: tuple) -> List[m.Condition]:
            results = {id(node): value for node, value in zip(info.nodes, values)}
            chosen: List[m.Condition] = []

            def visit(node: m.Node) -> None:
                if results[id(node)] is not None:
                    return
                if isinstance(node, m.Condition):
                    chosen.append(node)
                    return
                for child in node.children:
                    visit(child)

            visit(info.nodes[0])
            return chosen

        values, _ = raw[1]
        for leaf in deciding(compiled.tree, values):
            collect(leaf.expr)
        if rule.kind in ("checklist", "classification"):
            for entry, (value, _) in zip(rule.criteria or rule.classes, raw[4]):
                if value is None:
                    collect(entry.expr)
        if rule.items is not None and raw[3] is not None:
            over = rule.items.over.text
            source = None
            try:
                env = Env(claim, params, day, Scope(self.schema), missing=found)
                source = interpret(rule.items.over.tree, env)
            except Exception:  # pragma: no cover - the explaining pass already validated it
                source = None
            for index, state, amount, tree, _, _, considered, _ in raw[3]:
                if tree is None or (state is not None and considered is not None):
                    continue
                ivalues = tree[0]
                if source is None:
                    break
                frame = ((source[index], f"{over}[{index}]"),)
                before = len(found)  # this item's facts are those found from here on
                if considered is None and rule.items.where is not None:
                    collect(rule.items.where, frame, rule.items.entity)
                for leaf in deciding(compiled.item_tree, ivalues):  # type: ignore[arg-type]
                    collect(leaf.expr, frame, rule.items.entity)
                if state is None and rule.items.amount is not None and not any(
                        f.startswith(f"{over}[{index}]") for f in found[before:]):
                    collect_amount(rule.items.amount, frame, rule.items.entity)
        if rule.amount is not None and not found:
            collect_amount(rule.amount)
        return tuple(found)


class _Found(list):
    """Missing fact paths in the order found, with set membership: the interpreter asks
    `path in missing` before each append, and a claim may miss thousands."""

    def __init__(self) -> None:
        super().__init__()
        self._seen: set = set()

    def append(self, path: str) -> None:
        if path not in self._seen:
            self._seen.add(path)
            super().append(path)

    def __contains__(self, path: object) -> bool:
        return path in self._seen


def _uses_as_of(compiled: CompiledRule) -> bool:
    return "A" in compiled.source


def _post_verdict(rule: m.Rule, raw: tuple) -> Verdict:
    values, _ = raw[1]
    root = values[0]
    if rule.kind == "checklist":
        score = _checklist_score(rule, raw[4])
        return Verdict(OUTCOME_OF[_kleene_and(root, score["passed"])], None)
    return Verdict(OUTCOME_OF[root], None)


def _with_post_verdict(rule: m.Rule, bound: Tuple[Callable, ...]) -> Tuple[Callable, ...]:
    """Checklists and classifications decide through their explaining code, then their pass rule."""
    explain = bound[1]

    def decide(claim: Mapping) -> Verdict:
        return _post_verdict(rule, explain(claim))

    return decide, explain, decide


def _not_in_force(compiled: CompiledRule) -> Tuple[Callable, Callable]:
    rule = compiled.rule
    verdict = Verdict(Outcome.INELIGIBLE, None)

    def decide(claim: Mapping) -> Verdict:
        return verdict

    n_nodes = len(compiled.tree.nodes)

    def explain(claim: Mapping) -> tuple:
        nodes = (False,) + (None,) * (n_nodes - 1)
        observed = (None,) * compiled.tree.width
        extra = tuple((None, ()) for _ in (rule.criteria or rule.classes))
        return (verdict, (nodes, observed), tuple(None for _ in rule.notes), None, extra, ())

    return decide, explain, decide

