"""The synthetic Guangyuan city (examples/guangyuan-2017/generate.py) at a small scale:
its aggregates, its determinism, clean main files, and the line-numbered rejections of
its deliberately corrupt file."""

from __future__ import annotations

import importlib.util
import json
from collections import Counter
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.batch import evaluate_many, read_raw
from subsidy_rules.claims import coerce_claim

GENERATOR = Path(__file__).resolve().parent.parent / "examples" / "guangyuan-2017" / "generate.py"
SCALE = 0.02
MAIN_FILES = ("labourers.jsonl", "employers.jsonl", "agencies.jsonl", "loans.jsonl", "posts.jsonl",
              "villages.jsonl", "counties.jsonl")
EMPLOYED = ("transferred_out", "local_employed", "self_employed", "public_welfare_post")


def _load_generator():
    spec = importlib.util.spec_from_file_location("guangyuan_city", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


city = _load_generator()


def _records(path: Path) -> list:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("city")
    summary = city.generate(out, scale=SCALE, seed=2017, quiet=True)
    return out, summary


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


def test_the_tables_add_up_to_the_letter():
    assert sum(c[2] for c in city.COUNTIES) == 45_600
    assert sum(c[3] for c in city.COUNTIES) == 255
    assert sum(city.EMPLOYED_SPLIT.values()) + 1_551 == 43_800
    assert sum(city.NOT_EMPLOYED_SPLIT.values()) == 45_600 - 43_800


def test_aggregates_at_a_small_scale(generated, policy):
    out, summary = generated
    labourers = _records(out / "labourers.jsonl")
    n = round(45_600 * SCALE)
    assert len(labourers) == summary["labourers"] == n
    statuses = Counter(r["labourer"]["employment_status"] for r in labourers)
    assert sum(statuses[s] for s in EMPLOYED) == summary["employed"] == round(43_800 * n / 45_600)
    assert statuses["public_welfare_post"] == round(1_551 * n / 45_600)
    assert len(_records(out / "posts.jsonl")) == statuses["public_welfare_post"]
    villages = _records(out / "villages.jsonl")
    assert len(villages) == summary["villages"] == max(7, round(255 * SCALE))
    assert sum(v["village"]["poor_labourers"] for v in villages) == n
    assert sum(v["village"]["poor_labourers_employed"] for v in villages) == summary["employed"]
    for record in labourers:
        assert record["as_of"] == "2017-07-31"
        lab = record["labourer"]
        assert lab["county_name"] in policy.info.counties
        assert lab["township_name"] and lab["village_name"]
    counties = _records(out / "counties.jsonl")
    assert [c["county"]["name"] for c in counties] == list(policy.info.counties)
    assert sum(t["poor_villages"] for c in counties for t in c["county"]["townships"]) == len(villages)
    assert len({r["id"] for r in labourers}) == n


def test_same_seed_same_bytes_other_seed_other_bytes(generated, tmp_path):
    out, _ = generated
    again = tmp_path / "again"
    city.generate(again, scale=SCALE, seed=2017, quiet=True)
    for name in MAIN_FILES + ("labourers-with-errors.jsonl",):
        assert (again / name).read_bytes() == (out / name).read_bytes(), name
    other = tmp_path / "other"
    city.generate(other, scale=SCALE, seed=2018, quiet=True)
    assert (other / "labourers.jsonl").read_bytes() != (out / "labourers.jsonl").read_bytes()


def test_main_files_are_clean(generated, policy):
    out, _ = generated
    for name in MAIN_FILES:
        with open(out / name, encoding="utf-8") as stream:
            for raw in (r.parsed() for r in read_raw(stream, "jsonl", policy.schema)):
                assert raw.error is None, (name, raw.line)
                coerce_claim(raw.data, policy.schema, policy.info.counties)


def test_five_lists_report_the_incomplete_records(generated, policy):
    out, summary = generated
    with open(out / "labourers.jsonl", encoding="utf-8") as stream:
        results = list(subsidy_rules.sort_into_lists(policy, read_raw(stream, "jsonl", policy.schema, "labourer")))
    assert sum(1 for r in results if r.incomplete) == summary["incomplete_records"] > 0
    listed = Counter(entry.list_id for r in results for entry in r.lists)
    assert listed["basic-information"] == summary["labourers"]
    assert listed["public-welfare-post"] == summary["public_welfare_post"]


def test_exactly_the_demonstration_villages_pass(generated, policy):
    out, summary = generated
    passed = []
    for record in _records(out / "villages.jsonl"):
        claim = coerce_claim(record, policy.schema, policy.info.counties)
        decision = policy.evaluate(claim, "demonstration-village")[0]  # the explaining path
        if decision.outcome.value == "eligible":
            v = record["village"]
            passed.append(f"{v['county_name']}{v['township_name']}{v['name']}")
    assert passed and len(passed) == summary["demonstration_villages_passing"]


def test_the_corrupt_file_is_rejected_line_by_line(generated, policy):
    out, summary = generated
    with open(out / "labourers-with-errors.jsonl", encoding="utf-8") as stream:
        results = list(evaluate_many(policy, read_raw(stream, "jsonl", policy.schema)))
    rejected = [(r.line, r.error.code) for r in results if r.error is not None]
    assert [line for line, _ in rejected] == [line for line, _ in summary["problems"]]
    assert [code for _, code in rejected] == ["C004", "C001", "C003", "C006", "C012", "C001"]
    assert len(results) == 24
