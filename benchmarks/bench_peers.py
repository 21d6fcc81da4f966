"""Against other rule engines: W1 and W2 of bench_core.py in the engines a user would otherwise pick.

Each peer is installed from PyPI (`pip install '.[bench]'`):

  rule-engine       (module rule_engine)  the rule-engine expression language
  cel-python        (module celpy)        Google's Common Expression Language, in Python
  panzi-json-logic  (module json_logic)   JsonLogic, JSON-encoded rules
  zen-engine        (module zen)          GoRules' JDM decision graphs (Rust core, Python bindings)

For every peer the script first checks that its answer equals ours on every
record (mismatches are counted and printed, never hidden), then times the
decide-only call on the same generated data in the same process: best of
--repeat passes, like bench_core.py. Each timed function takes the claim as our
decider does and returns a Verdict, so the cost of getting the data into the
peer (e.g. CEL's type conversion) is counted. The ratio column is
time / our time: how many times slower than `policy.decider(...)`; the
hand-written baseline of bench_core.py is shown for scale (below 1.0).

    python benchmarks/bench_peers.py [--records N] [--repeat R] [--only NAME,...]
                                     [--cel-runner compiled|interpreted]

A peer that is not installed, or fails to load the rules, is reported on one
line and the others still run. The last section shows what each engine does
with a fact that is missing or has the wrong type (ours: undetermined).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import subsidy_rules  # noqa: E402
from subsidy_rules import Outcome, Verdict  # noqa: E402

from bench_core import (  # noqa: E402
    AMOUNT, AS_OF, BASE, ELIGIBLE, INELIGIBLE, best_of, make_claims, make_workers, w1_decide, w2_decide,
)

THRESHOLD = 10          # $base_threshold in benchmarks/policy/parameters.yaml
MIN_AGE = 16
INSTALL_HINT = "pip install '.[bench]'"

# The rules as text, once per language. W1: registered poor AND trained AND
# (self-employed OR organising) AND age >= 16. W2: at least 10 hires that are
# registered poor with a contract of 12 months or more.
RULE_ENGINE_W1 = ("rural_registered_poor and attended_entrepreneurship_training"
                  " and (self_employed or organising_business) and age >= 16")
RULE_ENGINE_W2 = ("[h for h in hires if h['worker']['rural_registered_poor']"
                  " and h['contract_months'] >= 12].length >= 10")
CEL_W1 = ("labourer.rural_registered_poor && labourer.attended_entrepreneurship_training"
          " && (labourer.self_employed || labourer.organising_business) && labourer.age >= 16")
CEL_W2 = ("employer.hires.filter(h, h.worker.rural_registered_poor && h.contract_months >= 12)"
          ".size() >= 10")
JSON_LOGIC_W1 = {"and": [
    {"var": "labourer.rural_registered_poor"},
    {"var": "labourer.attended_entrepreneurship_training"},
    {"or": [{"var": "labourer.self_employed"}, {"var": "labourer.organising_business"}]},
    {">=": [{"var": "labourer.age"}, MIN_AGE]},
]}
JSON_LOGIC_W2 = {">=": [
    {"reduce": [
        {"filter": [{"var": "employer.hires"},
                    {"and": [{"var": "worker.rural_registered_poor"}, {">=": [{"var": "contract_months"}, 12]}]}]},
        {"+": [{"var": "accumulator"}, 1]},
        0,
    ]},
    THRESHOLD,
]}
ZEN_W1 = ("labourer.rural_registered_poor and labourer.attended_entrepreneurship_training"
          " and (labourer.self_employed or labourer.organising_business) and labourer.age >= 16")
ZEN_W2 = "count(employer.hires, #.worker.rural_registered_poor and #.contract_months >= 12) >= 10"


class NotInstalled(Exception):
    pass


@dataclass
class Peer:
    name: str                      # as shown in the table
    dist: str                      # PyPI distribution
    version: str
    w1: Callable                   # claim -> Verdict
    w2: Callable
    convert: Optional[tuple] = None  # (W1, W2) input conversion alone, when the peer needs one


def _version(*dists: str) -> tuple:
    for dist in dists:
        try:
            return dist, importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return dists[0], "?"


def _w1_verdict(ok) -> Verdict:
    return ELIGIBLE if ok else INELIGIBLE


# ---------------------------------------------------------------- the peers


def build_rule_engine(args) -> List[Peer]:
    try:
        import rule_engine
    except ImportError as error:
        raise NotInstalled(str(error))
    # Symbols resolve against the record passed to matches(): the labourer for
    # W1 and the employer for W2. (Writing labourer['age'] on the whole claim is
    # ~4x slower: rule-engine coerces each resolved mapping into its own types.)
    r1 = rule_engine.Rule(RULE_ENGINE_W1)
    r2 = rule_engine.Rule(RULE_ENGINE_W2)
    m1, m2 = r1.matches, r2.matches

    def w1(claim):
        return ELIGIBLE if m1(claim["labourer"]) else INELIGIBLE

    def w2(claim):
        return BASE if m2(claim["employer"]) else INELIGIBLE

    dist, version = _version("rule-engine")
    return [Peer("rule-engine", dist, version, w1, w2)]


def build_cel(args) -> List[Peer]:
    try:
        import celpy
        import celpy.celparser
    except ImportError as error:
        raise NotInstalled(str(error))
    runner_name = args.cel_runner
    if runner_name == "compiled":
        # cel-python caches its Lark parser on first use with the tree class of
        # the first Environment; the CompiledRunner needs TranspilerTree nodes,
        # so drop any parser made earlier in this process.
        celpy.celparser.CELParser.CEL_PARSER = None
        env = celpy.Environment(runner_class=celpy.CompiledRunner)
    else:
        celpy.celparser.CELParser.CEL_PARSER = None
        env = celpy.Environment()
    p1 = env.program(env.compile(CEL_W1))
    p2 = env.program(env.compile(CEL_W2))
    to_cel = celpy.json_to_cel
    e1, e2 = p1.evaluate, p2.evaluate

    def w1(claim):
        return ELIGIBLE if e1({"labourer": to_cel(claim["labourer"])}) else INELIGIBLE

    def w2(claim):
        return BASE if e2({"employer": to_cel(claim["employer"])}) else INELIGIBLE

    dist, version = _version("cel-python")
    convert = (lambda c: {"labourer": to_cel(c["labourer"])}, lambda c: {"employer": to_cel(c["employer"])})
    return [Peer(f"cel-python ({runner_name})", dist, version, w1, w2, convert)]


def build_json_logic(args) -> List[Peer]:
    try:
        from json_logic import jsonLogic
    except ImportError as error:
        raise NotInstalled(str(error))
    dist, version = _version("panzi-json-logic", "json-logic-qubit", "json-logic")

    def w1(claim):
        return ELIGIBLE if jsonLogic(JSON_LOGIC_W1, claim) else INELIGIBLE

    def w2(claim):
        return BASE if jsonLogic(JSON_LOGIC_W2, claim) else INELIGIBLE

    return [Peer(f"json-logic ({dist})", dist, version, w1, w2)]


def zen_graph(node: dict) -> dict:
    """A JDM decision graph: request -> node -> response."""
    return {
        "contentType": "application/vnd.gorules.decision",
        "nodes": [
            {"id": "request", "type": "inputNode", "name": "Request", "position": {"x": 0, "y": 0}},
            dict(node, position={"x": 300, "y": 0}),
            {"id": "response", "type": "outputNode", "name": "Response", "position": {"x": 600, "y": 0}},
        ],
        "edges": [
            {"id": "in", "type": "edge", "sourceId": "request", "targetId": node["id"]},
            {"id": "out", "type": "edge", "sourceId": node["id"], "targetId": "response"},
        ],
    }


# W1 as a first-hit decision table: the OR becomes two rows, the rest is the default row.
ZEN_W1_TABLE = zen_graph({
    "id": "w1", "type": "decisionTableNode", "name": "Entrepreneurship training subsidy",
    "content": {
        "hitPolicy": "first",
        "inputs": [
            {"id": "poor", "name": "Registered poor", "field": "labourer.rural_registered_poor"},
            {"id": "trained", "name": "Attended training", "field": "labourer.attended_entrepreneurship_training"},
            {"id": "self", "name": "Self-employed", "field": "labourer.self_employed"},
            {"id": "organising", "name": "Organising", "field": "labourer.organising_business"},
            {"id": "age", "name": "Age", "field": "labourer.age"},
        ],
        "outputs": [
            {"id": "eligible", "name": "Eligible", "field": "eligible"},
            {"id": "amount", "name": "Amount", "field": "amount"},
        ],
        "rules": [
            {"_id": "self-employed", "poor": "true", "trained": "true", "self": "true", "organising": "",
             "age": ">= 16", "eligible": "true", "amount": "1500"},
            {"_id": "organising", "poor": "true", "trained": "true", "self": "", "organising": "true",
             "age": ">= 16", "eligible": "true", "amount": "1500"},
            {"_id": "otherwise", "poor": "", "trained": "", "self": "", "organising": "",
             "age": "", "eligible": "false", "amount": "null"},
        ],
    },
})
# W2 as an expression node.
ZEN_W2_EXPRESSION = zen_graph({
    "id": "w2", "type": "expressionNode", "name": "Employment base",
    "content": {"expressions": [{"id": "eligible", "key": "eligible", "value": ZEN_W2}]},
})


def build_zen(args) -> List[Peer]:
    try:
        import zen
    except ImportError as error:
        raise NotInstalled(str(error))
    dist, version = _version("zen-engine")
    # ZenEngine.evaluate(key) with a static loader: the fastest of the documented
    # ways in 2.1.x (engine.create_decision(...).evaluate costs ~20x more per call).
    engine = zen.ZenEngine({"loader": {"type": "static", "content": {"w1": ZEN_W1_TABLE, "w2": ZEN_W2_EXPRESSION}}})
    evaluate = engine.evaluate

    def w1(claim):
        result = evaluate("w1", claim)["result"]
        if not result.get("eligible"):
            return INELIGIBLE
        amount = result.get("amount")
        return ELIGIBLE if amount == AMOUNT else Verdict(Outcome.ELIGIBLE, amount)

    def w2(claim):
        return BASE if evaluate("w2", claim)["result"].get("eligible") else INELIGIBLE

    # The bare expression language, without the decision graph around it.
    e1 = zen.compile_expression(ZEN_W1).evaluate
    e2 = zen.compile_expression(ZEN_W2).evaluate

    def x1(claim):
        return ELIGIBLE if e1(claim) else INELIGIBLE

    def x2(claim):
        return BASE if e2(claim) else INELIGIBLE

    return [Peer("zen-engine (JDM graph)", dist, version, w1, w2),
            Peer("zen-engine (compile_expression)", dist, version, x1, x2)]


BUILDERS = (
    ("rule-engine", build_rule_engine),
    ("cel-python", build_cel),
    ("json-logic", build_json_logic),
    ("zen-engine", build_zen),
)


# ---------------------------------------------------------------- checking and timing


def mismatches(expected: list, peer_fn: Callable, claims: list) -> tuple:
    """(count of records whose answer differs from ours, first example, count of exceptions)."""
    count = errors = 0
    example = None
    for claim, ours in zip(claims, expected):
        try:
            theirs = tuple(peer_fn(claim))
        except Exception as error:  # a peer's failure is a mismatch, counted
            errors += 1
            theirs = f"{type(error).__name__}: {_first_line(error)}"
        if theirs != ours:
            count += 1
            if example is None:
                example = (claim, ours, theirs)
    return count, example, errors


def _first_line(error: BaseException, width: int = 70) -> str:
    text = str(error).strip().splitlines()[0] if str(error).strip() else ""
    return text if len(text) <= width else text[:width - 1] + "…"


def _fmt_rate(per_call: float) -> str:
    rate = 1.0 / per_call
    if rate >= 1e6:
        return f"{rate / 1e6:6.2f}M/s"
    if rate >= 1e3:
        return f"{rate / 1e3:6.1f}k/s"
    return f"{rate:6.0f} /s"


def probe_missing(ours: Callable, peers: List[Peer]) -> None:
    """What each engine does with W1 when a fact is missing or ill-typed."""
    base = {"rural_registered_poor": True, "attended_entrepreneurship_training": True,
            "self_employed": True, "organising_business": False}
    cases = (("age missing", {"labourer": dict(base)}),
             ("age = '17' (text)", {"labourer": dict(base, age="17")}))
    logging.getLogger("celpy").setLevel(logging.CRITICAL)  # cel-python also logs the error it raises
    print("\nW1 with a bad fact (all other conditions hold):")
    engines = [("subsidy-rules (ours)", ours)] + [(p.name, p.w1) for p in peers]
    print(f"  {'engine':34} " + "  ".join(f"{label:34}" for label, _ in cases))
    for name, fn in engines:
        cells = []
        for _, claim in cases:
            try:
                verdict = fn(claim)
                cell = str(verdict.outcome) + (f" {verdict.amount}" if verdict.amount is not None else "")
            except Exception as error:
                cell = f"raises {type(error).__name__}"
            cells.append(f"{cell:34}")
        print(f"  {name:34} " + "  ".join(cells))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=45_600)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated peers to run (rule-engine,cel-python,json-logic,zen-engine)")
    parser.add_argument("--cel-runner", choices=("compiled", "interpreted"), default="compiled",
                        help="cel-python runner: the transpiling CompiledRunner (faster) or the default InterpretedRunner")
    args = parser.parse_args()
    wanted = {name.strip() for name in args.only.split(",") if name.strip()}
    started = time.perf_counter()

    policy = subsidy_rules.load_policy(HERE / "policy")
    workers = make_workers(args.records)
    w1_claims, w2_claims = make_claims(workers)
    ours = {"W1": policy.decider("w1", AS_OF), "W2": policy.decider("w2", AS_OF)}
    hand = {"W1": w1_decide, "W2": w2_decide}
    claims = {"W1": w1_claims, "W2": w2_claims}
    print(f"records: {args.records} workers; W1 {len(w1_claims)} claims, W2 {len(w2_claims)} employer claims "
          f"(24 hires each); best of {args.repeat}; Python {sys.version.split()[0]}")

    peers: List[Peer] = []
    for name, build in BUILDERS:
        if wanted and name not in wanted:
            continue
        try:
            peers.extend(build(args))
        except NotInstalled:
            print(f"{name}: not installed ({INSTALL_HINT})")
        except Exception as error:
            print(f"{name}: could not load the rules: {type(error).__name__}: {_first_line(error)}")
    for peer in peers:
        print(f"  {peer.name}: {peer.dist} {peer.version}")

    # our answers, once, to check every peer against
    expected = {rule: [tuple(ours[rule](c)) for c in claims[rule]] for rule in ("W1", "W2")}
    hand_bad = {rule: mismatches(expected[rule], hand[rule], claims[rule])[0] for rule in ("W1", "W2")}
    assert not any(hand_bad.values()), f"hand-written baseline disagrees with ours: {hand_bad}"

    rows: Dict[str, list] = {"W1": [], "W2": []}
    summary: Dict[str, Dict[str, Optional[float]]] = {}
    for rule in ("W1", "W2"):
        our_time = best_of(ours[rule], claims[rule], args.repeat)
        hand_time = best_of(hand[rule], claims[rule], args.repeat)
        rows[rule].append(("hand-written Python", hand_time, hand_time / our_time, "-"))
        rows[rule].append(("subsidy-rules (ours)", our_time, 1.0, "-"))
        for peer in peers:
            fn = peer.w1 if rule == "W1" else peer.w2
            bad, example, errors = mismatches(expected[rule], fn, claims[rule])
            verdict = f"{bad}/{len(claims[rule])}" + (f" ({errors} raised)" if errors else "")
            if example is not None:
                claim, want, got = example
                print(f"  MISMATCH {peer.name} {rule}: ours {want} vs {got} on {json.dumps(claim, ensure_ascii=False)[:200]}")
            if errors == len(claims[rule]):
                rows[rule].append((peer.name, None, None, verdict))
                continue
            peer_time = best_of(fn, claims[rule], args.repeat)
            rows[rule].append((peer.name, peer_time, peer_time / our_time, verdict))
            summary.setdefault(peer.name, {})[rule] = peer_time / our_time
            if peer.convert is not None:
                convert = peer.convert[0 if rule == "W1" else 1]
                sample = claims[rule][:max(1, len(claims[rule]) // 10)]
                share = best_of(convert, sample, args.repeat) / peer_time
                rows[rule][-1] = rows[rule][-1] + (f"of which {share:.0%} converting the input to CEL values",)

    print()
    print(f"{'rule':4} {'engine':34} {'µs/claim':>11} {'claims/s':>10} {'× ours':>9}  {'mismatches':>12}")
    for rule in ("W1", "W2"):
        for row in rows[rule]:
            name, per_call, ratio, verdict = row[:4]
            if per_call is None:
                print(f"{rule:4} {name:34} {'-':>11} {'-':>10} {'-':>9}  {verdict:>12}")
                continue
            extra = f"  ({row[4]})" if len(row) > 4 else ""
            print(f"{rule:4} {name:34} {per_call * 1e6:11.2f} {_fmt_rate(per_call):>10} {ratio:9.2f}  {verdict:>12}{extra}")
        print()

    probe_missing(ours["W1"], peers)
    print(f"\ntotal time {time.perf_counter() - started:.0f} s")
    line = " ".join(f"{name.replace(' ', '')}={max(v.values()):.0f}" for name, v in summary.items())
    print(f"PEER_RATIOS (× ours, worse of W1 and W2) {line}")


if __name__ == "__main__":
    main()
