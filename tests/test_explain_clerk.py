"""Explanations a clerk can read aloud (issue 9, part 6), on the bundled policy.

Each test pins one promise: failed comparisons are sentences with the shortfall (ratios in
per cent), no expression text in the short form, enum values by their label, missing facts
named for people, English plurals, and no tick for an item of an ineligible decision.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.claims import read_claim
from subsidy_rules.explain import render_markdown, render_text, to_json

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "examples" / "claims"
DAY = dt.date(2017, 7, 31)


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy(ROOT / "policy")


def claim(policy, name):
    return read_claim(CLAIMS / f"{name}.yaml", policy.schema, policy.info.counties)


def text(policy, facts, rule, lang="zh", full=False):
    return render_text(policy.evaluate(facts, rule=rule, as_of=DAY), lang, full)


def village(policy, **changes):
    facts = copy.deepcopy(claim(policy, "demonstration-village-eligible"))
    facts["village"].update(changes)
    return facts


# an expression's own text: a dotted path, a parameter, an operator between names
RAW = re.compile(r"\$[a-z_]+|\b[a-z_]{2,}\.[a-z_]{2,}\b|\b(count|sum|any|all|min|max)\(| where |==|>=|<=|!=|[a-z_] / [a-z_]")


def test_a_failed_ratio_reads_in_per_cent(policy):
    out = text(policy, village(policy, poor_labourers_able=200, poor_labourers_employed=189), "demonstration-village")
    assert ("其中已就业人数 189人 ÷ 有劳动能力的贫困劳动者人数 200人 = 94.5%,"
            "需要 95% 以上(含),差 0.5 个百分点") in out


def test_a_passing_share_reads_in_per_cent(policy):
    out = text(policy, village(policy, poor_labourers_able=200, poor_labourers_employed=196), "demonstration-village", full=True)
    assert "其中已就业人数 ÷ 有劳动能力的贫困劳动者人数 = 98%" in out


def test_a_failed_ratio_reads_in_per_cent_in_english(policy):
    out = text(policy, village(policy, wanting_transfer=60, transferred=48), "demonstration-village", "en")
    assert "= 80%; needs at least 85% (short by 5 percentage points)" in out


def test_a_failed_count_says_what_was_needed_and_the_gap(policy):
    out = text(policy, claim(policy, "hiring-award-ineligible"), "hiring-award")
    # contract_months >= 12 or open_ended_contract: each failed alternative is said
    assert "劳动合同期限(固定期限合同) 11个月,需要 12个月 以上(含),差 1个月;签订无固定期限劳动合同 = 否" in out
    en = text(policy, claim(policy, "hiring-award-ineligible"), "hiring-award", "en")
    assert "11 months; needs at least 12 months (short by 1 month)" in en


@pytest.mark.parametrize("name", sorted(p.stem for p in CLAIMS.glob("*.yaml")))
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_expression_text_in_the_short_form(policy, name, lang):
    facts = claim(policy, name)
    out = render_text(policy.evaluate(facts, as_of=DAY), lang)
    for line in out.splitlines():
        if line.startswith(("  依据", "  Source", "  评估日期", "  As of")) or "—" in line and line[:1] in "✓✗?":
            continue  # the header lines name the rule by its id on purpose
        assert not RAW.search(line), line


def test_the_full_form_keeps_the_expression(policy):
    out = text(policy, claim(policy, "demonstration-village-ineligible"), "demonstration-village", full=True)
    assert "village.transferred / village.wanting_transfer" in out


def test_enum_values_by_their_label(policy):
    facts = claim(policy, "hiring-award-eligible")
    zh = text(policy, facts, "hiring-award")
    assert "单位类型 = 企业" in zh and "enterprise" not in zh
    facts = copy.deepcopy(facts)
    facts["employer"]["kind"] = "farmer_cooperative"
    assert "单位类型 农民专业合作社,应为 企业" in text(policy, facts, "hiring-award")
    assert "Kind farmers' cooperative; should be enterprise" in text(policy, facts, "hiring-award", "en")


def test_an_enum_in_a_list_names_the_choices(policy):
    out = text(policy, village(policy, work_group_leader="other"), "demonstration-village", full=False)
    # the working-group criterion passes or fails on the leader: its sentence names both choices
    assert "工作组牵头人 其他,应为 第一书记、村支书 之一" in out


def test_missing_facts_are_named_for_people(policy):
    facts = claim(policy, "hiring-award-undetermined")
    decisions = policy.evaluate(facts, rule="hiring-award", as_of=DAY)
    assert decisions[0].missing == ("employer.hires[1].social_insurance",)
    out = render_text(decisions, "zh")
    name = facts["employer"]["hires"][1]["worker"]["name"]
    assert f"- 第2名劳动者 {name}:已参加社会保险" in out
    assert "employer.hires[1]" not in out
    assert f"worker 2 ({name}): Enrolled in social insurance" in render_text(decisions, "en")
    assert "employer.hires[1].social_insurance" in render_text(decisions, "zh", full=True)
    assert f"第2名劳动者 {name}:已参加社会保险" in render_markdown(decisions, "zh")
    assert json.loads(to_json(decisions))["decisions"][0]["missing"] == ["employer.hires[1].social_insurance"]


def test_facts_for_the_amount_are_named_for_people_too(policy):
    facts = copy.deepcopy(claim(policy, "employment-base-eligible"))
    del facts["employer"]["hires"][1]["contract_months"]
    decisions = policy.evaluate(facts, rule="hiring-award", as_of=DAY)
    assert "employer.hires[1].contract_months" in decisions[0].amount_missing
    name = facts["employer"]["hires"][1]["worker"]["name"]
    assert f"第2名劳动者 {name}:劳动合同期限(固定期限合同)" in render_text(decisions, "zh")


def test_items_are_counted_from_one(policy):
    out = text(policy, claim(policy, "hiring-award-ineligible"), "hiring-award")
    assert re.search(r"✗ 第1名 \S+ — 不符合条件", out)
    assert "[0]" not in out


@pytest.mark.parametrize("count,word", [(1, "village"), (2, "villages"), (0, "villages")])
def test_english_plurals(policy, count, word):
    facts = copy.deepcopy(claim(policy, "county-demonstration-quota-ineligible"))
    township = facts["county"]["townships"][1]
    township["poor_villages"] = count
    out = text(policy, facts, "county-demonstration-quota", "en", full=True)
    assert re.search(rf"Poor villages in the township(?: =)? {count} {word}\b", out), out


def test_amount_of_one_item_is_singular(policy):
    facts = copy.deepcopy(claim(policy, "hiring-award-ineligible"))
    facts["employer"]["hires"][0]["contract_months"] = 12
    out = text(policy, facts, "hiring-award", "en")
    assert "1 item, total" in out and "item(s)" not in out


def test_no_false_ticks_on_an_ineligible_decision(policy):
    facts = copy.deepcopy(claim(policy, "hiring-award-eligible"))
    facts["employer"]["kind"] = "farmer_cooperative"
    for full in (False, True):
        out = text(policy, facts, "hiring-award", full=full)
        assert out.startswith("✗ ")
        items = [line for line in out.splitlines() if re.match(r"\s+\S 第\d+名", line)]
        assert items
        assert not any(line.strip().startswith("✓") for line in items)
        assert not any("元" in line for line in items), items  # no amount on an item of a claim that pays nothing
        assert "本项条件符合(整体不符合条件,不计金额)" in out
    full = text(policy, facts, "hiring-award", full=True)
    assert "– 第1名" in full and "本项条件符合,整体不符合条件,不计金额" in full


def test_enum_values_carry_labels_and_the_list_form_stays_valid(policy, tmp_path):
    kind = policy.schema.entities["employer"].fields["kind"]
    assert kind.values[0] == "enterprise" and kind.value_label("enterprise") == subsidy_rules.model.Label("企业", "enterprise")
    every = [f for e in policy.schema.entities.values() for f in e.fields.values() if f.type == "enum"]
    assert every and all(f.value_label(v) is not None for f in every for v in f.values)  # every bundled enum value has words
    mini = subsidy_rules.load_policy(ROOT / "tests" / "fixtures" / "mini")
    plain = [f for e in mini.schema.entities.values() for f in e.fields.values() if f.type == "enum"]
    assert plain and all(f.values and not f.value_labels for f in plain)


def test_a_labelled_enum_value_without_its_value_is_reported(tmp_path):
    import shutil

    from subsidy_rules import check_policy

    target = tmp_path / "p"
    shutil.copytree(ROOT / "policy", target)
    schema = target / "schema.yaml"
    schema.write_text(schema.read_text(encoding="utf-8").replace("- {value: enterprise, label:", "- {label:", 1), encoding="utf-8")
    _, diagnostics = check_policy(target)
    assert any(d.code == "E011" and d.args.get("key") == "value" for d in diagnostics)
