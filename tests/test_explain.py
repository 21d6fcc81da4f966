"""explain.py: rendered explanations (zh and en) and the documented JSON contract."""

from __future__ import annotations

import datetime as dt
import json
import re


from subsidy_rules.explain import decision_to_dict, document, render_markdown, render_text, to_json

AS_OF = dt.date(2017, 7, 31)


def hire(name, poor=True, months=12, insured=True):
    record = {"worker": {"rural_registered_poor": poor, "name": name}, "contract_months": months}
    if insured is not ...:
        record["social_insurance"] = insured
    return record


MIXED = {"employer": {"hires": [hire("张三"), hire("李四", months=8), hire("王五", insured=...)]}}
UNSETTLED = {"employer": {"hires": [hire("李四", months=8), hire("王五", insured=...)]}}
SHORT = {"employer": {"hires": [hire("张三"), hire("李四", months=8)]}}
YOUNG = {"labourer": {"rural_registered_poor": True, "attended_entrepreneurship_training": True,
                      "self_employed": False, "organising_business": None, "age": 15}}
GOOD = {"labourer": {"rural_registered_poor": True, "attended_entrepreneurship_training": True,
                     "self_employed": True, "age": 30}}


def text_of(policy, claim, lang, rule=None, full=False):
    return render_text(policy.evaluate(claim, rule=rule, as_of=AS_OF), lang, full)


def lines(text):
    return [line.rstrip() for line in text.splitlines()]


class TestText:
    def test_ineligible_item_zh(self, mini_policy):
        out = lines(text_of(mini_policy, SHORT, "zh", "award"))
        assert out[0] == "✓ 企业吸纳就业奖补 (award) — 符合条件 · 金额 1,000.00 元"
        joined = "\n".join(out)
        assert "依据: 广府办函〔2016〕102号 一、四是创新企业吸纳就业政策" in joined
        assert "评估日期: 2017-07-31 · 政策: mini 1 (sha256:" in joined
        assert any(l.strip() == "逐项 (吸纳的劳动者): 1 项符合,1 项不符合,0 项无法确定" for l in out)

    def test_shortfall_zh(self, mini_policy):
        out = lines(text_of(mini_policy, MIXED, "zh", "award"))
        # 张三 is eligible: the award is due, only its amount waits for 王五's insurance
        assert out[0] == "✓ 企业吸纳就业奖补 (award) — 符合条件 · 金额待定"
        item = next(l for l in out if "第2名 李四" in l)
        assert item.strip() == "✗ 第2名 李四 — 不符合条件"
        failed = next(l for l in out if "签订1年以上劳动合同" in l)
        assert failed.strip().startswith("✗ 签订1年以上劳动合同:劳动合同期限 8个月,需要 12个月 以上(含),差 4个月")
        unknown = next(l for l in out if "参加社会保险:" in l)
        assert unknown.strip() == "? 参加社会保险:参加社会保险 = 未填报"
        # missing facts named for people (positions from 1); the JSON path is for --full and JSON
        assert out[-1].strip() == "- 第3名劳动者 王五:参加社会保险"
        assert "确定金额还需:" in [l.strip() for l in out]
        assert "需补充的材料:" not in [l.strip() for l in out]
        # eligible items of an undecided decision are not shown without --full
        assert not any("张三" in l for l in out)

    def test_shortfall_en(self, mini_policy):
        out = lines(text_of(mini_policy, MIXED, "en", "award"))
        assert out[0] == "✓ Hiring award (award) — eligible · amount to be determined"
        failed = next(l for l in out if "Contract of 12 months" in l)
        assert failed.strip().startswith("✗ Contract of 12 months or more: Contract length 8 months; needs at least 12 months")
        assert any(l.strip() == "? Social insurance: Social insurance = not given" for l in out)
        assert any(l.strip() == "Facts that would fix the amount:" for l in out)
        assert not any(l.strip() == "Facts that would settle it:" for l in out)

    def test_labourer_zh_shows_only_what_decided(self, mini_policy):
        out = lines(text_of(mini_policy, YOUNG, "zh", "w1"))
        assert out[0] == "✗ 创业培训补贴 (w1) — 不符合条件"
        body = [l.strip() for l in out[3:]]
        assert len(body) == 1
        assert body[0].startswith("✗ 年龄16周岁以上:年龄 15岁,需要 16岁 以上(含),差 1岁")

    def test_labourer_en(self, mini_policy):
        out = lines(text_of(mini_policy, YOUNG, "en", "w1"))
        assert out[0] == "✗ Entrepreneurship training subsidy (w1) — not eligible"
        assert out[1].strip() == "Source: 广府办函〔2016〕102号 一、一是创新培训政策"
        assert out[2].strip().startswith("As of: 2017-07-31 · Policy: mini 1 (sha256:")
        assert out[3].strip().startswith("✗ Aged 16 or over: Age 15 years; needs at least 16 years")

    def test_full_shows_every_node(self, mini_policy):
        decision = mini_policy.explain(YOUNG, "w1", as_of=AS_OF)
        out = lines(render_text([decision], "zh", full=True))
        body = "\n".join(out)
        for reason in decision.reasons:
            for node in reason.walk():
                assert node.label.zh in body
        assert any(l.strip() == "✓ 农村建卡贫困家庭劳动者:农村建卡贫困家庭劳动者 = 是" for l in out)
        assert any(l.strip() == "? 自主创业或组织创业" for l in out)
        assert any(l.strip() == "✗ 自主创业:自主创业 = 否" for l in out)
        assert any(l.strip() == "? 组织创业:组织创业 = 未填报" for l in out)
        # each condition's expression, nested under its group
        assert any(l.strip() == "⟨labourer.age >= 16⟩" for l in out)
        child = next(i for i, l in enumerate(out) if l.strip().startswith("✗ 自主创业:"))
        group = next(i for i, l in enumerate(out) if l.strip() == "? 自主创业或组织创业")
        indent = lambda s: len(s) - len(s.lstrip())
        assert indent(out[child]) == indent(out[group]) + 2

    def test_full_shows_every_item(self, mini_policy):
        out = lines(text_of(mini_policy, MIXED, "en", "award", full=True))
        for index, name in enumerate(["张三", "李四", "王五"]):
            assert any(f"#{index + 1} {name}" in l for l in out)
        assert any(l.strip() == "✓ #1 张三 — eligible · CNY 1,000.00" for l in out)
        assert sum(1 for l in out if l.strip().startswith("✓ Poor household")) == 3
        assert sum(1 for l in out if l.strip() == "⟨contract_months >= 12⟩") == 3

    def test_eligible_with_amount(self, mini_policy):
        zh = lines(text_of(mini_policy, GOOD, "zh", "w1"))
        en = lines(text_of(mini_policy, GOOD, "en", "w1"))
        assert zh[0] == "✓ 创业培训补贴 (w1) — 符合条件 · 金额 1,500.00 元"
        assert en[0] == "✓ Entrepreneurship training subsidy (w1) — eligible · Amount CNY 1,500.00"
        # the short form names the values, never the expression; --full keeps it
        assert any(l.strip() == "金额: 1,500.00 元(创业培训补贴标准 = 1500.00)" for l in zh)
        assert not any("$" in l for l in zh)
        full = lines(text_of(mini_policy, GOOD, "zh", "w1", full=True))
        assert any(l.strip() == "金额: $training_subsidy = 1,500.00 元 (创业培训补贴标准 = 1500.00)" for l in full)
        assert any(l.strip() == "✓ 年龄16周岁以上:年龄 = 30岁" for l in zh)

    def test_aggregate_shortfall(self, mini_policy):
        out = lines(text_of(mini_policy, SHORT, "en", "w2"))
        assert out[0] == "✗ Employment base (w2) — not eligible"
        assert "  ✗ 10 or more new poor hires: number of hires that qualify 1; needs at least 10 (short by 9)" in out

    def test_not_in_force(self, mini_policy):
        decisions = mini_policy.evaluate(GOOD, "w1", as_of=dt.date(2015, 1, 1))
        out = lines(render_text(decisions, "zh"))
        assert out[0] == "✗ 创业培训补贴 (w1) — 不符合条件"
        assert any(l.strip().startswith("✗ 规则生效期间 2016-01-01") and "2015-01-01" in l for l in out)

    def test_several_decisions_are_separated(self, mini_policy):
        text = text_of(mini_policy, MIXED, "zh")
        blocks = text.strip().split("\n\n")
        assert [b.splitlines()[0].split(" (")[1].split(")")[0] for b in blocks] == ["award", "w2"]

    def test_markdown(self, mini_policy):
        md = render_markdown(mini_policy.evaluate(SHORT, "award", as_of=AS_OF), "en")
        assert md.startswith("## Hiring award (`award`)")
        assert "**eligible** · Amount **CNY 1,000.00**" in md
        assert "- Source: 广府办函〔2016〕102号 一、四是创新企业吸纳就业政策" in md


DECISION_KEYS = {"rule", "rule_version", "title", "outcome", "amount", "currency", "source", "reasons", "missing",
                 "items", "amount_explanation", "notes", "designation", "score", "classes", "interpretation"}
REASON_KEYS = {"id", "label", "kind", "expr", "result", "values", "source", "points", "veto", "children"}
ITEM_KEYS = {"index", "path", "name", "considered", "outcome", "amount", "reasons", "missing", "notes"}


def walk(reason):
    yield reason
    for child in reason["children"]:
        yield from walk(child)


class TestJson:
    def test_document_shape(self, mini_policy):
        decisions = mini_policy.evaluate(MIXED, as_of=AS_OF)
        data = json.loads(to_json(decisions, "en"))
        assert set(data) == {"as_of", "policy", "decisions"}
        assert data["as_of"] == "2017-07-31"
        assert set(data["policy"]) == {"name", "version", "digest"}
        assert data["policy"]["name"] == "mini" and data["policy"]["version"] == "1"
        assert re.fullmatch(r"[0-9a-f]{64}", data["policy"]["digest"])
        assert data["policy"]["digest"] == mini_policy.digest
        assert [d["rule"] for d in data["decisions"]] == ["award", "w2"]
        for decision in data["decisions"]:
            assert DECISION_KEYS <= set(decision), DECISION_KEYS - set(decision)
            for reason in decision["reasons"]:
                for node in walk(reason):
                    assert set(node) == REASON_KEYS
            for item in decision["items"]:
                assert ITEM_KEYS <= set(item)
                for reason in item["reasons"]:
                    assert set(reason) == REASON_KEYS

    def test_decision_values(self, mini_policy):
        data = json.loads(to_json(mini_policy.evaluate(SHORT, "award", as_of=AS_OF), "zh"))
        (decision,) = data["decisions"]
        assert decision["rule"] == "award"
        assert decision["title"] == "企业吸纳就业奖补"
        assert decision["outcome"] == "eligible"
        assert decision["amount"] == "1000.00" and isinstance(decision["amount"], str)
        assert decision["currency"] == "CNY"
        assert decision["source"] == "广府办函〔2016〕102号 一、四是创新企业吸纳就业政策"
        assert decision["missing"] == []
        assert decision["classes"] is None and decision["score"] is None
        first, second = decision["items"]
        assert (first["index"], first["path"], first["name"], first["outcome"], first["amount"]) == (
            0, "employer.hires[0]", "张三", "eligible", "1000.00")
        assert (second["outcome"], second["amount"]) == ("ineligible", None)
        contract = next(r for r in second["reasons"] if r["id"] == "contract")
        assert contract == {
            "id": "contract", "label": "签订1年以上劳动合同", "kind": "condition", "expr": "contract_months >= 12",
            "result": False, "values": {"contract_months": 8}, "source": None, "points": None, "veto": False,
            "children": [],
        }
        assert decision["amount_explanation"]["values"] == {"eligible_items": 1, "total": "1000.00"}

    def test_reason_tree_and_labels_in_english(self, mini_policy):
        (decision,) = document(mini_policy.evaluate(YOUNG, "w1", as_of=AS_OF), "en")["decisions"]
        assert decision["outcome"] == "ineligible" and decision["amount"] is None
        ids = [r["id"] for r in decision["reasons"]]
        assert ids == ["registered-poor", "trained", "business", "working-age"]
        business = decision["reasons"][2]
        assert (business["kind"], business["label"], business["result"], business["expr"]) == (
            "any", "Self-employed or organising", None, None)
        assert [(c["id"], c["result"]) for c in business["children"]] == [("self-employed", False), ("organising", None)]
        assert business["children"][1]["values"] == {"labourer.organising_business": None}
        age = decision["reasons"][3]
        assert age["values"] == {"labourer.age": 15} and age["result"] is False

    def test_undetermined_lists_missing(self, mini_policy):
        (decision,) = document(mini_policy.evaluate(UNSETTLED, "award", as_of=AS_OF))["decisions"]
        assert decision["outcome"] == "undetermined"
        assert decision["missing"] == ["employer.hires[1].social_insurance"]
        assert decision["items"][1]["missing"] == ["employer.hires[1].social_insurance"]
        assert decision["amount_status"] == "none" and decision["amount_missing"] == []

    def test_pending_amount_lists_what_would_fix_it(self, mini_policy):
        (decision,) = document(mini_policy.evaluate(MIXED, "award", as_of=AS_OF))["decisions"]
        assert decision["outcome"] == "eligible" and decision["amount"] is None
        assert decision["amount_status"] == "pending"
        assert decision["missing"] == []
        assert decision["amount_missing"] == ["employer.hires[2].social_insurance"]

    def test_values_are_encoded(self, mini_policy):
        decision = mini_policy.explain(GOOD, "w1", as_of=AS_OF)
        data = decision_to_dict(decision, "en")
        assert data["amount"] == "1500.00"
        assert data["amount_explanation"]["values"] == {"$training_subsidy": "1500.00"}
        assert json.loads(json.dumps(data)) == data  # plain JSON types only
        out_of_force = decision_to_dict(mini_policy.explain(GOOD, "w1", as_of=dt.date(2015, 1, 1)), "en")
        (reason,) = out_of_force["reasons"]
        assert reason["id"] == "in-force" and reason["kind"] == "in_force"
        assert reason["values"] == {"as_of": "2015-01-01"}

    def test_to_dict_is_the_contract(self, mini_policy):
        decision = mini_policy.explain(SHORT, "award", as_of=AS_OF)
        assert decision.to_dict("en") == decision_to_dict(decision, "en")

    def test_json_text_keeps_chinese(self, mini_policy):
        text = to_json(mini_policy.evaluate(SHORT, "award", as_of=AS_OF), "zh")
        assert "企业吸纳就业奖补" in text and "\\u" not in text

    def test_empty_document(self):
        data = document([], "zh", AS_OF)
        assert data == {"as_of": "2017-07-31", "policy": None, "decisions": []}


def test_a_claims_text_cannot_start_a_line_or_markup_of_its_own():
    """A name holding a line break (or Markdown, or HTML) is shown as written, on its own line only:
    a claimant cannot forge a decision line in the text or a link or tag in the Markdown."""
    import subsidy_rules
    from subsidy_rules.claims import coerce_claim

    policy = subsidy_rules.load_policy()
    forged = "甲\n      ✓ 已由局长批准 · 金额 1,000,000.00 元"
    markup = "[点此领取](javascript:alert(1)) <img src=x onerror=alert(1)> **粗**"
    hires = [{"worker": {"name": name, "poor_household": False}, "contract_months": 12, "social_insurance": True}
             for name in (forged, markup)]
    claim = coerce_claim({"employer": {"kind": "enterprise", "name": "X", "hires": hires}}, policy.schema)
    decision = policy.explain(claim, "hiring-award", AS_OF)
    text = render_text([decision], "zh", full=True)
    assert "甲\\n      ✓ 已由局长批准" in text
    assert not any(line.lstrip().startswith("✓ 已由局长批准") for line in text.splitlines())
    markdown = render_markdown([decision], "zh", full=True)
    assert "\\[点此领取\\](javascript:alert(1)) \\<img src=x onerror=alert(1)\\> \\*\\*粗\\*\\*" in markdown
    assert "<img" not in markdown.replace("\\<img", "")
    assert decision_to_dict(decision)["items"][0]["name"] == forged  # the data itself is kept as given
