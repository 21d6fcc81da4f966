"""The reference evaluator of the rule IR: what a whole rule means.

Small and plain on purpose: every target (the generated Python, the SQL
queries) is tested against it, and the generated Python hands it every claim
it does not handle itself (missing or ill-typed facts).

Meaning, in the words of the letter's readers:
- a rule's conditions form a Kleene tree; items are decided one by one and
  combined (any: one eligible item suffices; all: every item must be);
- eligibility never waits for the amount: an eligible claim whose amount needs
  facts it lacks is eligible with the amount pending (待定), and the facts that
  would fix it; where the source sets no standard, there is no amount (never 0);
- a decision is undetermined only when the unknown facts could change it, and
  the facts it lists are those (see expr/interpret.py for aggregates' bounds).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs

from .. import gcpause
from .. import model as m
from ..expr.interpret import Env, Tracked, chain, evaluate_tracked, merge
from ..expr.printer import to_text
from ..expr.types import Scope
from ..facts import bad, record
from ..logic import Truth, and3
from ..runtime import OUTCOME_OF, Outcome, Verdict, fen
from . import nodes as ir
from .result import NO_STANDARD, NONE, PAID, PENDING, RawItem, RawResult

RuleRefs = Callable[[str, Mapping], Tracked]


@attrs.frozen
class Score:
    """A checklist's standing: points won, points still open, and whether it passes."""

    score: Decimal
    max_score: Decimal
    undecided_points: Decimal
    min_score: Optional[Decimal]
    criteria_met: int
    vetoes_met: Truth
    passed: Truth


def checklist_score(checklist: ir.Checklist, truths: Tuple[Truth, ...]) -> Score:
    pairs = list(zip(checklist.criteria, truths))
    score = sum((c.points for c, v in pairs if v is True), Decimal(0))
    open_points = sum((c.points for c, v in pairs if v is None), Decimal(0))
    met = sum(1 for _, v in pairs if v is True)
    open_count = sum(1 for _, v in pairs if v is None)
    vetoes = and3(v for c, v in pairs if c.veto)
    checks: List[Truth] = [vetoes]
    if checklist.min_score is not None:
        checks.append(_at_least(score, open_points, checklist.min_score))
    if checklist.at_least is not None:
        checks.append(_at_least(met, open_count, checklist.at_least))
    if checklist.all:
        checks.append(_at_least(met, open_count, len(pairs)))
    total = sum((c.points for c in checklist.criteria), Decimal(0))
    return Score(score, total, open_points, checklist.min_score, met, vetoes, and3(checks))


EXACT_CRITERIA = 12  # open criteria up to which the pass rule is settled by trying every completion


def checklist_passes(checklist: ir.Checklist, criteria: List[Tracked]) -> Tracked:
    """Whether the checklist passes, and the facts that could change that.

    A veto criterion also counts in the score, so bounds on each check alone can
    leave open what every completion agrees on (a failed veto fails whatever the
    score). With few open criteria, every completion is tried: the answer is then
    exact, and so is the list of criteria whose facts matter."""
    truths = tuple(c.value for c in criteria)
    passed = checklist_score(checklist, truths).passed
    if passed is not None:
        return Tracked(passed)
    open_ = [i for i, t in enumerate(truths) if t is None]
    if len(open_) > EXACT_CRITERIA:
        return Tracked(None, merge(*(criteria[i].unknown for i in open_)))
    results: Dict[Tuple[bool, ...], Truth] = {}
    for bits in range(1 << len(open_)):
        choice = tuple(bool(bits >> k & 1) for k in range(len(open_)))
        completed = list(truths)
        for position, value in zip(open_, choice):
            completed[position] = value
        results[choice] = checklist_score(checklist, tuple(completed)).passed
    answers = set(results.values())
    if len(answers) == 1:
        return Tracked(answers.pop())
    matters = [position for k, position in enumerate(open_)
               if any(results[c] != results[c[:k] + (not c[k],) + c[k + 1:]] for c in results)]
    return Tracked(None, merge(*(criteria[i].unknown for i in matters)))


def _at_least(sure: Any, open_: Any, wanted: Any) -> Truth:
    if sure >= wanted:
        return True
    return False if sure + open_ < wanted else None


class _Evaluator:
    def __init__(self, bound: ir.BoundRule, claim: Mapping, schema: m.FactSchema, refs: RuleRefs,
                 absent: Optional[List[str]] = None) -> None:
        self.absent = absent
        self.bound = bound
        self.rule = bound.ir
        self.claim = claim
        self.params = {name: p.value for name, p in bound.parameters.items()}
        self.schema = schema
        self.refs = refs

    def env(self) -> Env:
        return Env(self.claim, self.params, self.bound.as_of, Scope(self.schema), lambda rid: self.refs(rid, self.claim),
                   absent=self.absent)

    # ---------------------------------------------------------------- regions
    def region(self, region: ir.Region, env: Env) -> Tuple[Tracked, Tuple[Any, ...]]:
        """A region's value and its observed values, in the IR's order."""
        shown = [slot.node for slot in region.observed if slot.node is not None]
        env.computed = {id(node): None for node in shown}
        found = evaluate_tracked(region.expr, env)
        observed = []
        for slot in region.observed:
            if slot.kind == "fact":
                observed.append(env.values[slot.key][0])
            elif slot.kind == "param":
                observed.append(self.params.get(slot.key))
            else:
                observed.append(env.computed[id(slot.node)])
        env.computed = None
        return found, tuple(observed)

    def tree(self, tree: ir.Tree, env: Env) -> Tuple[Tuple[Tracked, ...], Tuple[Any, ...]]:
        """One Tracked per node in pre-order, and the leaves' observed values."""
        results: Dict[int, Tracked] = {}
        observed: List[Any] = []
        for leaf in tree.leaves:
            found, values = self.region(leaf.region, env)
            results[leaf.index] = found
            observed.extend(values)
        for node in reversed(tree.nodes):
            if isinstance(node, ir.Group):
                results[node.index] = _group(node, [results[c.index] for c in node.children])
        return tuple(results[i] for i in range(len(tree.nodes))), tuple(observed)

    def notes(self, notes: Tuple[ir.Note, ...], env: Env) -> Tuple[Truth, ...]:
        return tuple(self.region(note.when, env)[0].value for note in notes)

    def amount(self, amount: ir.Amount, env: Env) -> Tuple[Optional[Decimal], str, Tuple[str, ...], Tuple[Any, ...]]:
        if any(self.params.get(name) is None for name in amount.params):
            return None, NO_STANDARD, (), ()  # it reads a standard the source does not set
        found, observed = self.region(amount.region, env)
        if found.value is not None:
            return fen(found.value, to_text(amount.region.expr)), PAID, (), observed
        # facts it needs are missing (or it has no value from these facts, like the least of nothing)
        return None, PENDING, found.unknown, observed

    # ---------------------------------------------------------------- items
    def items(self, items: ir.Items, env: Env) -> Tuple[Tracked, Tuple[RawItem, ...], Optional[Decimal], str, Tuple[str, ...]]:
        source, _ = self.region(items.over, env)
        if source.value is None:
            return Tracked(None, source.unknown), (), None, NONE, ()
        with gcpause.paused(len(source.value) > gcpause.LARGE):
            return self._each_item(items, env, source)

    def _each_item(self, items: ir.Items, env: Env, source: Tracked):
        base = env.values[items.over.expr.dotted][1]  # type: ignore[union-attr]
        records: List[RawItem] = []
        states: List[Tracked] = []
        total = Decimal("0.00")
        statuses: List[str] = []
        amount_missing: List[Tuple[str, ...]] = []
        for index, item in enumerate(source.value):
            path = f"{base}[{index}]"
            if item is None:
                raise bad("record", item, path)
            inner = env.enter(items.entity, record(item, path), path)
            name = self.region(items.name, inner)[0].value if items.name is not None else None
            considered = Tracked(True)
            if items.where is not None:
                considered = self.region(items.where, inner)[0]
                if considered.value is False:
                    records.append(RawItem(index, False, None, None, (), (), name, False, ()))
                    continue
            nodes, observed = self.tree(items.conditions, inner)
            state = _and([considered, nodes[0]])
            amount, status, amount_obs = None, NONE, ()
            if state.value is True and items.amount is not None:
                amount, status, missing, amount_obs = self.amount(items.amount, inner)
                statuses.append(status)
                amount_missing.append(missing)
                if amount is not None:
                    total += amount
            notes = self.notes(items.notes, inner)
            states.append(state)
            records.append(RawItem(index, state.value, amount, tuple(n.value for n in nodes), observed, notes,
                                   name, considered.value, amount_obs, status))
        combined = _and(states) if items.require == "all" else _or(states)
        if items.amount is None:
            return combined, tuple(records), None, NONE, ()
        unknown_items = merge(*(s.unknown for s in states if s.value is None))
        if PENDING in statuses or unknown_items:
            # eligible items whose amount is pending, or items not yet decided, leave the total open
            return combined, tuple(records), None, PENDING, merge(*amount_missing, unknown_items)
        if statuses and all(s == NO_STANDARD for s in statuses):
            return combined, tuple(records), None, NO_STANDARD, ()
        return combined, tuple(records), total, PAID, ()

    # ---------------------------------------------------------------- the rule
    def run(self) -> RawResult:
        rule = self.rule
        if not isinstance(self.claim, Mapping):
            raise bad("mapping", self.claim, "$")
        env = self.env()
        for name in rule.entities:
            record(self.claim.get(name), name)  # a list or text where a record belongs: C001 at its name
        nodes, observed = self.tree(rule.conditions, env)
        notes = self.notes(rule.notes, env)
        extra: Tuple[Tuple[Truth, Tuple[Any, ...]], ...] = ()
        parts: List[Tracked] = [nodes[0]]
        if rule.checklist is not None:
            found = [self.region(c.region, env) for c in rule.checklist.criteria]
            extra = tuple((f.value, obs) for f, obs in found)
            parts.append(checklist_passes(rule.checklist, [f for f, _ in found]))
        if rule.classification is not None:
            found = [self.region(k.region, env) for k in rule.classification.classes]
            extra = tuple((f.value, obs) for f, obs in found)
        items_raw: Optional[Tuple[RawItem, ...]] = None
        amount: Optional[Decimal] = None
        status, amount_missing, amount_obs = NONE, (), ()
        if rule.items is not None:
            combined, items_raw, total, item_status, item_missing = self.items(rule.items, env)
            parts.append(combined)
        eligible = _and(parts)
        missing = eligible.unknown if eligible.value is None else ()
        if rule.classification is not None and eligible.value is not False:
            missing = merge(missing, *(f.unknown for f, _ in found if f.value is None))
        if eligible.value is True:
            if rule.items is not None and rule.items.amount is not None:
                amount, status, amount_missing = total, item_status, item_missing
            elif rule.amount is not None:
                amount, status, amount_missing, amount_obs = self.amount(rule.amount, env)
        verdict = Verdict(OUTCOME_OF[eligible.value], amount)
        return RawResult(verdict, tuple(n.value for n in nodes), observed, notes, items_raw, extra, amount_obs,
                         status, missing, amount_missing)


def _group(group: ir.Group, children: List[Tracked]) -> Tracked:
    if group.op == "not":
        child = children[0]
        return child if child.value is None else Tracked(not child.value)
    return chain(group.op, children)


def _and(parts: List[Tracked]) -> Tracked:
    return chain("all", parts)


def _or(parts: List[Tracked]) -> Tracked:
    return chain("any", parts)


def note_value(bound: ir.BoundRule, claim: Mapping, schema: m.FactSchema, refs: RuleRefs, number: int,
               item: Any = None, index: Optional[int] = None) -> Truth:
    """One note of a rule (or, with an item, of its items) for one claim."""
    evaluator = _Evaluator(bound, claim, schema, refs)
    env = evaluator.env()
    rule = bound.ir
    if item is None:
        return evaluator.region(rule.notes[number].when, env)[0].value
    assert rule.items is not None
    source, _ = evaluator.region(rule.items.over, env)
    base = env.values[rule.items.over.expr.dotted][1]  # type: ignore[union-attr]
    inner = env.enter(rule.items.entity, item, f"{base}[{index}]")
    return evaluator.region(rule.items.notes[number].when, inner)[0].value


def not_in_force(rule: ir.RuleIR) -> RawResult:
    """A rule out of force on the date decides ineligible and reads nothing."""
    nodes = (False,) + (None,) * (len(rule.conditions.nodes) - 1)
    extra_count = len(rule.checklist.criteria) if rule.checklist else len(rule.classification.classes) if rule.classification else 0
    return RawResult(Verdict(Outcome.INELIGIBLE, None), nodes, (None,) * rule.conditions.width,
                     (None,) * len(rule.notes), None, ((None, ()),) * extra_count, ())


def evaluate(bound: ir.BoundRule, claim: Mapping, schema: m.FactSchema,
             refs: RuleRefs = lambda rule_id, claim: Tracked(None), absent: Optional[List[str]] = None) -> RawResult:
    """The meaning of a bound rule for one claim; ``absent``, when given, collects every fact it read
    that the claim does not give (whether or not it mattered)."""
    if not bound.in_force:
        return not_in_force(bound.ir)
    return _Evaluator(bound, claim, schema, refs, absent).run()
