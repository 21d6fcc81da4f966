"""Policy tests: cases written by policy staff in policy/tests/*.yaml.

Each case names a rule, a claim, an as_of date and what it expects (outcome,
amount, the ids of conditions that must fail, the facts that must be missing).
Used by `subsidy-rules test` and by the pytest plugin.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import attrs

from .claims import ClaimDocument, coerce_claim, coerce_document, positions
from . import model as m
from .engine import Decision, Policy, Reason
from .errors import ClaimError, Diagnostic, SubsidyRulesError, did_you_mean
from .load import Collector, Fields
from .source import SourceFile, Span, YamlProblem, YMap, decode_source, parse_yaml, plain

CASE_KEYS = ("name", "rule", "as_of", "claim", "expect", "description", "reading", "alternative")
EXPECT_KEYS = ("outcome", "amount", "failed", "passed", "missing", "designation", "classes", "items")
# A case with `reading: alternative` keeps a reading of the letter the policy did not take:
# `expect` is what the policy decides, `alternative` what the other reading would decide.
READINGS = ("chosen", "alternative")
ALTERNATIVE_KEYS = ("outcome", "amount")
OUTCOMES = ("eligible", "ineligible", "undetermined", "error")


@attrs.frozen
class Case:
    name: str
    rule: str
    claim: Dict[str, Any]
    expect: Dict[str, Any]
    as_of: Optional[_dt.date]
    span: Span
    reading: str = "chosen"
    alternative: Dict[str, Any] = attrs.field(factory=dict)
    # where the case's parts are in its file, so `check` can point at them
    rule_span: Optional[Span] = attrs.field(default=None, eq=False)
    claim_document: Optional[ClaimDocument] = attrs.field(default=None, eq=False, repr=False)


@attrs.frozen
class CaseResult:
    case: Case
    passed: bool
    problems: Tuple[str, ...]
    decision: Optional[Decision] = None


def load_cases(directory: Path) -> Tuple[List[Case], List[Diagnostic]]:
    out = Collector()
    cases: List[Case] = []
    tests_dir = directory / "tests"
    files = sorted(tests_dir.glob("*.yaml")) + sorted(tests_dir.glob("*.yml")) if tests_dir.is_dir() else []
    for path in files:
        cases.extend(load_case_file(path, out))
    return cases, out.diagnostics


def load_case_file(path: Path, out: Collector) -> List[Case]:
    try:
        source = SourceFile(str(path), decode_source(path.read_bytes(), str(path)))
        root = parse_yaml(source)
    except YamlProblem as problem:
        out.error(problem.code, problem.span, **problem.args_)
        return []
    if root is None:
        return []
    fields = Fields(out, root, ("cases",), ("cases",), path.name)
    cases = []
    for node in fields.seq("cases"):
        cf = Fields(out, node, CASE_KEYS, ("name", "rule", "claim", "expect"), "cases")
        if not cf.ok:
            continue
        expect_node = cf.get("expect")
        if expect_node is not None:
            _check_expectation(Fields(out, expect_node, EXPECT_KEYS, (), "expect"))
        claim_node = cf.get("claim")
        if not cf.has("claim") or not cf.has("rule"):
            continue  # missing, as already said (E011): no case to run, nor problems that only follow
        data = plain(claim_node) if claim_node is not None else {}
        values, keys = positions(claim_node)
        reading = cf.text("reading") or "chosen"
        if reading not in READINGS:
            out.error("E016", cf.span("reading"), key="reading", value=reading, choices=", ".join(READINGS))
        alternative_node = cf.get("alternative")
        if alternative_node is not None:
            _check_expectation(Fields(out, alternative_node, ALTERNATIVE_KEYS, (), "alternative"))
        elif reading == "alternative":
            out.error("E011", node.span, key="alternative")
        cases.append(Case(
            name=cf.text("name") or "?",
            rule=cf.text("rule") or "",
            claim=data,
            expect=plain(expect_node) if isinstance(expect_node, YMap) else {},
            as_of=cf.scalar("as_of", "date"),
            span=node.span,
            rule_span=cf.span("rule"),
            claim_document=ClaimDocument(data, values, keys),
            reading=reading,
            alternative=plain(alternative_node) if isinstance(alternative_node, YMap) else {},
        ))
    return cases


def _check_expectation(fields: Fields) -> None:
    """An outcome that no decision has, or an amount that is not a number, would only fail the case
    later with a puzzling message (or not be compared at all): said here, where it is written."""
    if not fields.ok:
        return
    outcome = fields.text("outcome")
    if outcome is not None and outcome not in OUTCOMES:
        fields.out.error("E016", fields.span("outcome"), key="outcome", value=outcome, choices=", ".join(OUTCOMES))
    amount = fields.get("amount")
    value = getattr(amount, "value", None)
    if isinstance(value, str):  # '13050.00', quoted to keep its places: a number all the same
        try:
            Decimal(value.strip())
        except ArithmeticError:
            fields.out.error("E014", amount.span, value=value)  # type: ignore[union-attr]
    elif value is not None:
        fields.scalar("amount", "number")


def _failed_ids(reasons: Tuple[Reason, ...]) -> List[str]:
    found = []
    for reason in reasons:
        for node in reason.walk():
            if node.result is False and node.id:
                found.append(node.id)
    return found


def _passed_ids(reasons: Tuple[Reason, ...]) -> List[str]:
    return [n.id for r in reasons for n in r.walk() if n.result is True and n.id]


def run_case(policy: Policy, case: Case) -> CaseResult:
    problems: List[str] = []
    try:
        if case.claim_document is not None:  # with positions: a bad claim points into the test file
            claim = coerce_document(case.claim_document, policy.schema, policy.info.counties)
        else:
            claim = coerce_claim(case.claim, policy.schema, policy.info.counties)
        decision = policy.evaluate(claim, rule=case.rule, as_of=case.as_of)[0]
    except SubsidyRulesError as exc:
        expected_error = case.expect.get("outcome") == "error"
        if expected_error:
            return CaseResult(case, True, ())
        return CaseResult(case, False, (f"error: {exc.message('zh')}",))
    expect = case.expect
    if "outcome" in expect and expect["outcome"] != decision.outcome.value:
        problems.append(f"outcome: expected {expect['outcome']}, got {decision.outcome.value}")
    if "amount" in expect:
        wanted = expect["amount"]
        try:
            wanted = None if wanted is None else Decimal(str(wanted))
        except ArithmeticError:  # not a number: check reports where; the case cannot hold
            wanted = str(wanted)
        if wanted != decision.amount:
            problems.append(f"amount: expected {wanted}, got {decision.amount}")
    reasons = decision.reasons + tuple(r for item in decision.items for r in item.reasons)
    failed = _failed_ids(reasons)
    for ident in expect.get("failed") or ():
        if ident not in failed:
            problems.append(f"failed: expected condition '{ident}' to fail; failing: {', '.join(failed) or '-'}")
    passed = _passed_ids(reasons)
    for ident in expect.get("passed") or ():
        if ident not in passed:
            problems.append(f"passed: expected condition '{ident}' to pass")
    missing = list(decision.missing)
    for path in expect.get("missing") or ():
        if path not in missing:
            problems.append(f"missing: expected '{path}' among missing facts; missing: {', '.join(missing) or '-'}")
    if "designation" in expect:
        got = decision.designation.id if decision.designation else None
        if got != expect["designation"]:
            problems.append(f"designation: expected {expect['designation']}, got {got}")
    if "classes" in expect:
        if sorted(expect["classes"] or ()) != sorted(decision.classes):
            problems.append(f"classes: expected {sorted(expect['classes'] or ())}, got {sorted(decision.classes)}")
    if case.reading == "alternative":
        problems.extend(_alternative_problems(case))
    return CaseResult(case, not problems, tuple(problems), decision)


def _alternative_problems(case: Case) -> List[str]:
    """An alternative-reading case must show a result the chosen reading does not give."""
    def amount(value: Any) -> Optional[Decimal]:
        return None if value is None else Decimal(str(value))

    differs = False
    for key in ALTERNATIVE_KEYS:
        if key in case.alternative and key in case.expect:
            other, mine = case.alternative[key], case.expect[key]
            if key == "amount":
                other, mine = amount(other), amount(mine)
            differs = differs or other != mine
    if not differs:
        return ["alternative: the other reading must give an outcome or amount different from `expect`"]
    return []


def run_all(policy: Policy, cases: List[Case]) -> Iterator[CaseResult]:
    for case in cases:
        yield run_case(policy, case)


def check_cases(policy: Policy, cases: List[Case]) -> List[Any]:
    """What `check` says about policy tests: each case names a rule of the policy, its claim is a
    valid claim, and the conditions it expects to fail or pass exist. Diagnostics and claim
    problems, each with the position in the test file."""
    found: List[Any] = []
    rules = {rule.id: rule for rule in policy.rules}
    for case in cases:
        rule = rules.get(case.rule)
        span = case.rule_span or case.span
        if rule is None:
            found.append(Diagnostic("E080", span, {"rule": case.rule, "name": case.name}, did_you_mean(case.rule, rules)))
        if case.claim_document is not None:
            try:
                coerce_document(case.claim_document, policy.schema, policy.info.counties)
            except ClaimError as error:
                found.extend(error.problems)
        if rule is None:
            continue
        known = _condition_ids(rule)
        for key in ("failed", "passed"):
            for ident in case.expect.get(key) or ():
                if str(ident) not in known:
                    found.append(Diagnostic("E081", case.span, {"id": ident, "rule": rule.id, "name": case.name},
                                            did_you_mean(str(ident), known)))
    return found


def _condition_ids(rule: m.Rule) -> List[str]:
    ids: List[str] = ["in-force", "score"]  # the reasons every decision may give besides the rule's own

    def walk(node: Any) -> None:
        if getattr(node, "id", None):
            ids.append(node.id)
        for child in getattr(node, "children", ()):
            walk(child)

    walk(rule.conditions)
    if rule.items is not None:
        walk(rule.items.conditions)
    ids.extend(c.id for c in rule.criteria)
    ids.extend(c.id for c in rule.classes)
    return ids
