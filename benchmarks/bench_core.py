"""Core speed: compiled rules against hand-written Python, in one process.

W1: a per-worker rule with 4 conditions (entrepreneurship training subsidy shape).
W2: an employer rule counting qualifying hires (employment-base shape).
Both run on the same 45,600 generated worker records (W2 groups them into
employers of 24 hires). Each mode is measured through the public API a user
calls: `Policy.decider(rule)` (decide-only, for embedding and batch work) and
`Policy.explainer(rule)` (returns a Decision with the condition results and the
facts read). Prints cost ratios ours / hand-written; 1.0 = as fast.

    python benchmarks/bench_core.py [--records N] [--repeat R]

The final line is: RATIOS decide_vs_handwritten=<x> explain_vs_handwritten=<y>
batch_decide_vs_handwritten=<z> explain_read_vs_handwritten=<r> huge_claim_200k_s=<s>
(the worse of W1 and W2 for each; <z> is the decide path of the batch runner, on
facts already checked against the schema; <r> is decision.to_dict() after the
explainer against a hand-written explainer returning results, values and the
failed list; <s> is explaining one 200,000-item claim and reading it as JSON).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import random
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
sys.path.insert(0, str(SRC))  # the checkout's code, not a copy installed earlier; child processes too
os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))

import subsidy_rules  # noqa: E402
from subsidy_rules import Outcome, Verdict  # noqa: E402

HERE = Path(__file__).resolve().parent
AS_OF = dt.date(2017, 7, 31)
AMOUNT = Decimal("1500.00")


def make_workers(count: int, seed: int = 2017) -> list:
    rng = random.Random(seed)
    workers = []
    for index in range(count):
        workers.append({
            "name": f"劳动者{index}",
            "age": rng.randint(14, 64),
            "rural_registered_poor": rng.random() < 0.9,
            "attended_entrepreneurship_training": rng.random() < 0.7,
            "self_employed": rng.random() < 0.4,
            "organising_business": rng.random() < 0.3,
        })
    return workers


def make_claims(workers: list, per_employer: int = 24, seed: int = 7):
    rng = random.Random(seed)
    w1 = [{"labourer": w} for w in workers]
    employers = []
    for start in range(0, len(workers), per_employer):
        hires = [{"worker": w, "contract_months": rng.choice((6, 11, 12, 24, 36)), "social_insurance": rng.random() < 0.9}
                 for w in workers[start:start + per_employer]]
        employers.append({"employer": {"name": f"企业{start}", "hires": hires}})
    return w1, employers


# ---------------------------------------------------------------- hand-written baselines

ELIGIBLE = Verdict(Outcome.ELIGIBLE, AMOUNT)
INELIGIBLE = Verdict(Outcome.INELIGIBLE, None)
BASE = Verdict(Outcome.ELIGIBLE, None)


def w1_decide(claim):
    w = claim["labourer"]
    if (w["rural_registered_poor"] and w["attended_entrepreneurship_training"]
            and (w["self_employed"] or w["organising_business"]) and w["age"] >= 16):
        return ELIGIBLE
    return INELIGIBLE


def w1_explain(claim):
    w = claim["labourer"]
    poor = w["rural_registered_poor"]
    trained = w["attended_entrepreneurship_training"]
    self_employed = w["self_employed"]
    organising = w["organising_business"]
    age = w["age"]
    adult = age >= 16
    eligible = poor and trained and (self_employed or organising) and adult
    return (eligible, AMOUNT if eligible else None, (
        ("registered-poor", poor, {"labourer.rural_registered_poor": poor}),
        ("trained", trained, {"labourer.attended_entrepreneurship_training": trained}),
        ("self-employed", self_employed, {"labourer.self_employed": self_employed}),
        ("organising", organising, {"labourer.organising_business": organising}),
        ("working-age", adult, {"labourer.age": age}),
    ))


def w1_explain_read(claim):
    """A hand-written explainer whose answer is read as data: each condition's result, the values
    it read and the failed list, as JSON-ready values (what a case system stores)."""
    w = claim["labourer"]
    poor = w["rural_registered_poor"]
    trained = w["attended_entrepreneurship_training"]
    self_employed = w["self_employed"]
    organising = w["organising_business"]
    age = w["age"]
    adult = age >= 16
    eligible = poor and trained and (self_employed or organising) and adult
    conditions = [
        {"id": "registered-poor", "result": poor, "values": {"labourer.rural_registered_poor": poor}},
        {"id": "trained", "result": trained, "values": {"labourer.attended_entrepreneurship_training": trained}},
        {"id": "self-employed", "result": self_employed, "values": {"labourer.self_employed": self_employed}},
        {"id": "organising", "result": organising, "values": {"labourer.organising_business": organising}},
        {"id": "working-age", "result": adult, "values": {"labourer.age": age}},
    ]
    return {"outcome": "eligible" if eligible else "ineligible", "amount": "1500.00" if eligible else None,
            "conditions": conditions, "failed": [c["id"] for c in conditions if not c["result"]]}


def w2_decide(claim):
    n = 0
    for hire in claim["employer"]["hires"]:
        if hire["worker"]["rural_registered_poor"] and hire["contract_months"] >= 12:
            n += 1
    return BASE if n >= 10 else INELIGIBLE


def w2_explain(claim):
    n = 0
    for hire in claim["employer"]["hires"]:
        if hire["worker"]["rural_registered_poor"] and hire["contract_months"] >= 12:
            n += 1
    ok = n >= 10
    return (ok, None, (("ten-hires", ok, {"count": n, "$base_threshold": 10}),))


# ---------------------------------------------------------------- timing


def best_of(fn, claims, repeat: int) -> float:
    """Seconds per call, best of `repeat` passes over all claims."""
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        for claim in claims:
            fn(claim)
        times.append(time.perf_counter() - start)
    return min(times) / len(claims)


def bytecodes_per_call(fn, claims) -> float:
    """Bytecode instructions run per call, counted by tracing: unlike time, the count does not move
    with the machine's load, so two shapes of generated code can be compared on a busy machine."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        frame.f_trace_opcodes = True
        if event == "opcode":
            count += 1
        return trace

    sys.settrace(trace)
    try:
        for claim in claims:
            fn(claim)
    finally:
        sys.settrace(None)
    return count / len(claims)


def check_agreement(ours, theirs, claims, name: str) -> None:
    for claim in claims:
        a, b = ours(claim), theirs(claim)
        if tuple(a) != tuple(b):
            raise SystemExit(f"{name}: results differ on {claim}: {a} != {b}")


def load_cost() -> dict:
    """Load + check + compile the bundled policy: in-process (warm grammar) and a fresh process."""
    start = time.perf_counter()
    subsidy_rules.load_policy()
    warm = time.perf_counter() - start
    code = ("import time; t=time.perf_counter(); import subsidy_rules; p=subsidy_rules.load_policy(); "
            "print(time.perf_counter()-t, len(p.rule_ids))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    cold, rules = (result.stdout.split() + ["nan", "0"])[:2]
    return {"warm_s": warm, "cold_s": float(cold), "rules": int(rules), "stderr": result.stderr.strip()[-300:]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=45_600)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    policy = subsidy_rules.load_policy(HERE / "policy")
    workers = make_workers(args.records)
    w1_claims, w2_claims = make_claims(workers)

    decide1 = policy.decider("w1", AS_OF)
    decide2 = policy.decider("w2", AS_OF)
    checked1 = policy.decider("w1", AS_OF, checked_facts=True)
    checked2 = policy.decider("w2", AS_OF, checked_facts=True)
    explain1 = policy.explainer("w1", AS_OF)
    explain2 = policy.explainer("w2", AS_OF)

    check_agreement(decide1, w1_decide, w1_claims, "W1 decide")
    check_agreement(decide2, w2_decide, w2_claims, "W2 decide")
    check_agreement(checked1, w1_decide, w1_claims, "W1 decide (checked facts)")
    check_agreement(checked2, w2_decide, w2_claims, "W2 decide (checked facts)")
    for claim in w1_claims[:2000]:
        ours, theirs = explain1(claim), w1_explain(claim)
        assert (ours.outcome is Outcome.ELIGIBLE) == bool(theirs[0]), claim
        assert [r.result for r in _leaves(ours.reasons)] == [bool(x[1]) for x in theirs[2]], claim
    for claim in w2_claims[:500]:
        ours, theirs = explain2(claim), w2_explain(claim)
        assert ours.reasons[0].value_map()[next(iter(ours.reasons[0].value_map()))] is not None
        assert (ours.outcome is Outcome.ELIGIBLE) == theirs[0], claim

    rows = []
    checked_rows = []
    for name, claims, hand_d, ours_d, hand_e, ours_e, ours_c in (
        ("W1", w1_claims, w1_decide, decide1, w1_explain, explain1, checked1),
        ("W2", w2_claims, w2_decide, decide2, w2_explain, explain2, checked2),
    ):
        hd = best_of(hand_d, claims, args.repeat)
        od = best_of(ours_d, claims, args.repeat)
        checked_rows.append((name, hd, best_of(ours_c, claims, args.repeat)))
        he = best_of(hand_e, claims, args.repeat)
        oe = best_of(ours_e, claims, args.repeat)
        materialise = best_of(lambda c: explain1(c).reasons if name == "W1" else explain2(c).reasons, claims[:5000], 2)
        rows.append((name, len(claims), hd, od, he, oe, materialise))

    print(f"records: {args.records} workers; W1 {len(w1_claims)} claims, W2 {len(w2_claims)} employer claims")
    print(f"{'rule':4} {'claims':>7} {'hand decide':>12} {'ours decide':>12} {'ratio':>6}  "
          f"{'hand explain':>13} {'ours explain':>13} {'ratio':>6}  {'+reasons tree':>13}")
    for name, n, hd, od, he, oe, mat in rows:
        print(f"{name:4} {n:7d} {hd*1e6:10.3f}µs {od*1e6:10.3f}µs {od/hd:6.2f}  "
              f"{he*1e6:11.3f}µs {oe*1e6:11.3f}µs {oe/he:6.2f}  {mat*1e6:11.3f}µs")
    for name, hd, oc in checked_rows:
        print(f"{name} decide on facts already checked by read_claim/coerce_claim (the batch runner's path): "
              f"{oc*1e6:.3f}µs, ratio {oc/hd:.2f}")
    counted = []
    for name, claims, hand_d, ours_d, ours_c in (("W1", w1_claims[:2000], w1_decide, decide1, checked1),
                                                 ("W2", w2_claims[:100], w2_decide, decide2, checked2)):
        hand_n, ours_n, checked_n = (bytecodes_per_call(fn, claims) for fn in (hand_d, ours_d, ours_c))
        counted.append(f"{name} hand {hand_n:.1f}, decide {ours_n:.1f} ({ours_n / hand_n:.2f}), "
                       f"on checked facts {checked_n:.1f} ({checked_n / hand_n:.2f})")
    print("bytecodes per decide call (independent of the machine's load): " + "; ".join(counted))
    cost = load_cost()
    print(f"load+check+compile bundled policy: {cost['rules']} rules, in-process {cost['warm_s']*1000:.1f} ms, "
          f"fresh process (import + Lark grammar + load) {cost['cold_s']*1000:.1f} ms")
    if cost["stderr"]:
        print("  (fresh process said: " + cost["stderr"] + ")")
    decide_ratio = max(od / hd for _, _, hd, od, _, _, _ in rows)
    checked_ratio = max(oc / hd for _, hd, oc in checked_rows)
    explain_ratio = max(oe / he for _, _, _, _, he, oe, _ in rows)
    read_claims = w1_claims[:5000]
    hand_read = best_of(w1_explain_read, read_claims, args.repeat)
    ours_read = best_of(lambda c: explain1(c).to_dict("zh"), read_claims, args.repeat)
    read_ratio = ours_read / hand_read
    print(f"reading an explanation (W1): decision.to_dict() after explainer {ours_read*1e6:.2f}µs, "
          f"hand-written explainer returning results, values and failed list {hand_read*1e6:.2f}µs, ratio {read_ratio:.2f}")
    huge = huge_claim_times()
    print("one huge claim (hiring award, explain + to_dict): " +
          ", ".join(f"{n:,} items {t:.2f}s ({t / n * 1e6:.1f}µs/item)" for n, t in huge))
    print("targets: decide <= 1.5, explain <= 2.5 (core); decide <= 1.2, explain <= 1.5 (batch); "
          "reading <= 3; a 200,000-item claim under 1 s, linear")
    print(f"RATIOS decide_vs_handwritten={decide_ratio:.2f} explain_vs_handwritten={explain_ratio:.2f} "
          f"batch_decide_vs_handwritten={checked_ratio:.2f} explain_read_vs_handwritten={read_ratio:.2f} "
          f"huge_claim_200k_s={huge[-1][1]:.2f}")


def huge_claim_times(sizes=(25_000, 50_000, 100_000, 200_000)):
    """Explaining one claim with many items (an employer's hires), then reading it as JSON."""
    from subsidy_rules.claims import read_claim

    policy = subsidy_rules.load_policy()
    claim = read_claim(HERE.parent / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    hires = claim["employer"]["hires"]
    found = []
    for size in sizes:
        big = dict(claim, employer=dict(claim["employer"], hires=(hires * (size // len(hires) + 1))[:size]))
        start = time.perf_counter()
        policy.explain(big, "hiring-award").to_dict("zh")
        found.append((size, time.perf_counter() - start))
    return found


def _leaves(reasons):
    for reason in reasons:
        if reason.children:
            yield from _leaves(reason.children)
        else:
            yield reason


if __name__ == "__main__":
    main()
