"""The same decisions, byte for byte: across interpreters with different hash seeds, and
across threads sharing one Policy."""

from __future__ import annotations

import datetime as _dt
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import subsidy_rules
from subsidy_rules import ClaimError, coerce_claim, parse_text

from adversarial_helpers import EXAMPLES, REPO, bounded

CLAIM_FILES = sorted(EXAMPLES.glob("*.yaml"))

# One interpreter's view of every example claim: explained decisions as JSON (both languages),
# decide-only verdicts, and the text rendering.
SCRIPT = r"""
import json, sys
from pathlib import Path
import subsidy_rules
from subsidy_rules.explain import render_text

policy = subsidy_rules.load_policy()
for path in sys.argv[1:]:
    claim = subsidy_rules.read_claim(path, policy.schema, policy.info.counties)
    decisions = policy.evaluate(claim)
    for lang in ("zh", "en"):
        print(json.dumps([d.to_dict(lang) for d in decisions], ensure_ascii=False))
    print(json.dumps([[d.rule_id, str(policy.decide(claim, d.rule_id))] for d in decisions], ensure_ascii=False))
    print(render_text(decisions, "en", True))
"""


def _run_with_seed(seed: str) -> subprocess.Popen:
    env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONIOENCODING="utf-8")
    return subprocess.Popen([sys.executable, "-c", SCRIPT, *map(str, CLAIM_FILES)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_examples_decide_identically_under_different_hash_seeds():
    assert len(CLAIM_FILES) >= 30
    runs = {seed: _run_with_seed(seed) for seed in ("0", "12345")}
    outputs = {}
    for seed, process in runs.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode("utf-8", "replace")[-3000:]
        outputs[seed] = out
    assert outputs["0"] == outputs["12345"]
    assert outputs["0"].count(b"\n") > 3 * len(CLAIM_FILES)
    assert b'"outcome": "eligible"' in outputs["0"] and b'"outcome": "ineligible"' in outputs["0"]


# ------------------------------------------------------------------ threads


def _variants(count: int = 400):
    """Example claims, moved in time and place and with facts taken out: many bindings."""
    policy = subsidy_rules.load_policy()
    rng = random.Random(20170731)
    bases = [parse_text(path.read_text(encoding="utf-8-sig"), str(path)) for path in CLAIM_FILES]
    days = [None, "2016-06-01", "2017-01-01", "2017-07-31", "2018-03-01", "2019-12-31", "2021-06-01"]
    counties = [None, *policy.info.counties]
    claims = []
    while len(claims) < count:
        data = json.loads(json.dumps(rng.choice(bases), default=str))
        day = rng.choice(days)
        if day:
            data["as_of"] = day
        county = rng.choice(counties)
        if county:
            data["jurisdiction"] = county
        else:
            data.pop("jurisdiction", None)
        for _ in range(rng.randrange(3)):
            _drop_a_fact(data, rng)
        try:
            claims.append(coerce_claim(data, policy.schema, policy.info.counties))
        except ClaimError:
            continue
    return claims


def _drop_a_fact(data, rng) -> None:
    entities = [key for key, value in data.items() if isinstance(value, dict) and value]
    if not entities:
        return
    record = data[rng.choice(entities)]
    while True:
        key = rng.choice(sorted(record))
        value = record[key]
        if isinstance(value, dict) and value and rng.random() < 0.5:
            record = value
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict) and rng.random() < 0.5:
            record = rng.choice(value)
            if not record:
                return
            continue
        del record[key]
        return


def _answer(policy, claim) -> str:
    decisions = policy.evaluate(claim)
    verdicts = [str(policy.decide(claim, d.rule_id)) for d in decisions]
    day = claim.get("as_of") or _dt.date.today()
    prepared = [str(policy.decider(d.rule_id, day, claim.get("jurisdiction"))(claim)) for d in decisions]
    return json.dumps([[d.to_dict("en") for d in decisions], verdicts, prepared], ensure_ascii=False)


def test_eight_threads_sharing_one_policy_agree_with_one_thread():
    def run():
        claims = _variants()
        alone = subsidy_rules.load_policy()
        expected = [_answer(alone, claim) for claim in claims]
        shared = subsidy_rules.load_policy()  # a fresh one: its caches fill while the threads race
        sys.setswitchinterval(1e-5)
        with ThreadPoolExecutor(max_workers=8) as pool:
            got = list(pool.map(lambda claim: _answer(shared, claim), claims * 2))
        return expected, got

    expected, got = bounded(run, seconds=120, memory_mb=2048)
    assert got == expected * 2
    assert len(set(expected)) > 50  # the variants really differ
