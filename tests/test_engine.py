"""engine.py: three-valued outcomes, missing facts, totals, parameters by date and county,
periods in force, rounding, claim errors, determinism and thread safety."""

from __future__ import annotations

from subsidy_rules.errors import people_path

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest

import subsidy_rules
from subsidy_rules import ClaimError, EvaluationError, Outcome, Verdict

from conftest import MINI, write

AS_OF = dt.date(2017, 7, 31)
E, I, U = Outcome.ELIGIBLE, Outcome.INELIGIBLE, Outcome.UNDETERMINED


def hire(poor=True, months=12, insured=True, name=None, **extra):
    record = {"worker": {"rural_registered_poor": poor}, "contract_months": months, "social_insurance": insured}
    if name is not None:
        record["worker"]["name"] = name
    record.update(extra)
    return {k: v for k, v in record.items() if v is not ...}


def labourer(**fields):
    base = {"rural_registered_poor": True, "attended_entrepreneurship_training": True, "self_employed": True,
            "organising_business": False, "age": 30}
    base.update(fields)
    return {"labourer": {k: v for k, v in base.items() if v is not ...}}


class TestThreeValued:
    def test_eligible(self, mini_policy):
        decision = mini_policy.explain(labourer(), "w1", as_of=AS_OF)
        assert decision.outcome is E
        assert decision.amount == Decimal("1500.00")
        assert decision.missing == ()
        assert mini_policy.decide(labourer(), "w1", as_of=AS_OF) == Verdict(E, Decimal("1500.00"))

    def test_one_false_condition_decides_despite_unknowns(self, mini_policy):
        claim = labourer(rural_registered_poor=False, self_employed=..., organising_business=..., age=...)
        decision = mini_policy.explain(claim, "w1", as_of=AS_OF)
        assert decision.outcome is I
        assert decision.missing == ()
        assert decision.amount is None
        results = {r.id: r.result for r in decision.reasons}
        assert results == {"registered-poor": False, "trained": True, "business": None, "working-age": None}

    def test_unknown_gives_undetermined_and_exact_missing(self, mini_policy):
        claim = labourer(self_employed=None, organising_business=..., age=None)
        decision = mini_policy.explain(claim, "w1", as_of=AS_OF)
        assert decision.outcome is U
        assert decision.amount is None
        assert decision.missing == ("labourer.self_employed", "labourer.organising_business", "labourer.age")

    def test_any_group_true_if_one_member_true(self, mini_policy):
        claim = labourer(self_employed=..., organising_business=True)
        decision = mini_policy.explain(claim, "w1", as_of=AS_OF)
        assert decision.outcome is E
        business = next(r for r in decision.reasons if r.id == "business")
        assert business.kind == "any"
        assert [c.result for c in business.children] == [None, True]

    def test_missing_item_fact_has_exact_path(self, mini_policy):
        claim = {"employer": {"hires": [{**hire(), "contract_months": 11}, hire(insured=...)]}}
        decision = mini_policy.explain(claim, "award", as_of=AS_OF)
        assert decision.outcome is U
        assert decision.missing == ("employer.hires[1].social_insurance",)
        assert [i.outcome for i in decision.items] == [I, U]
        assert decision.items[1].missing == ("employer.hires[1].social_insurance",)
        assert decision.items[1].path == "employer.hires[1]"
        assert mini_policy.decide(claim, "award", as_of=AS_OF).outcome is U

    def test_one_eligible_item_settles_eligibility_and_leaves_the_amount_pending(self, mini_policy):
        # the award needs one eligible hire: the unknown third changes only how much is paid
        claim = {"employer": {"hires": [hire(), hire(), hire(insured=...)]}}
        decision = mini_policy.explain(claim, "award", as_of=AS_OF)
        assert decision.outcome is E
        assert decision.missing == ()
        assert decision.amount is None and decision.amount_status == "pending"
        assert decision.amount_missing == ("employer.hires[2].social_insurance",)
        assert [i.outcome for i in decision.items] == [E, E, U]
        assert decision.items[2].missing == ("employer.hires[2].social_insurance",)
        assert mini_policy.decide(claim, "award", as_of=AS_OF) == (E, None)

    def test_missing_nested_record_field(self, mini_policy):
        claim = {"employer": {"hires": [{"worker": {}, "contract_months": 12, "social_insurance": True}]}}
        decision = mini_policy.explain(claim, "award", as_of=AS_OF)
        assert decision.missing == ("employer.hires[0].worker.rural_registered_poor",)

    def test_missing_list(self, mini_policy):
        decision = mini_policy.explain({"employer": {}}, "award", as_of=AS_OF)
        assert decision.outcome is U
        assert decision.missing == ("employer.hires",)

    def test_empty_list_is_ineligible(self, mini_policy):
        assert mini_policy.explain({"employer": {"hires": []}}, "award", as_of=AS_OF).outcome is I
        assert mini_policy.decide({"employer": {"hires": []}}, "award", as_of=AS_OF).outcome is I

    def test_aggregate_over_unknowns(self, mini_policy):
        hires = [hire() for _ in range(9)] + [hire(poor=None)]
        decision = mini_policy.explain({"employer": {"hires": hires}}, "w2", as_of=AS_OF)
        assert decision.outcome is U   # 9 known, the tenth could make 10
        assert decision.missing == ("employer.hires[9].worker.rural_registered_poor",)
        hires[0] = hire(months=11)     # 8 known and one unknown cannot reach 10: the count's bounds settle it
        decision = mini_policy.explain({"employer": {"hires": hires}}, "w2", as_of=AS_OF)
        assert decision.outcome is I and decision.missing == ()
        hires[0] = hire()
        hires[-1] = hire()
        assert mini_policy.explain({"employer": {"hires": hires}}, "w2", as_of=AS_OF).outcome is E
        hires[-1] = hire(months=11)
        assert mini_policy.explain({"employer": {"hires": hires}}, "w2", as_of=AS_OF).outcome is I

    def test_absent_entity(self, mini_policy):
        with pytest.raises(ClaimError) as info:
            mini_policy.evaluate({"labourer": {}}, "award", as_of=AS_OF)
        assert info.value.code == "C009"
        # documented: decide on a claim without the rule's entity is undetermined, not C009
        assert mini_policy.decide({"labourer": {}}, "award", as_of=AS_OF).outcome is U
        # evaluate without a rule: only the rules that apply
        assert [d.rule_id for d in mini_policy.evaluate({"labourer": {}}, as_of=AS_OF)] == ["w1"]


class TestTotals:
    def test_twelve_hires_nine_qualify(self, mini_policy):
        hires = [hire(name=f"工人{i}") for i in range(9)] + [hire(poor=False), hire(months=6), hire(insured=False)]
        claim = {"employer": {"hires": hires}}
        decision = mini_policy.explain(claim, "award", as_of=AS_OF)
        assert decision.outcome is E
        assert decision.amount == Decimal("9000.00")
        assert [i.outcome for i in decision.items] == [E] * 9 + [I] * 3
        assert all(i.amount == Decimal("1000.00") for i in decision.items[:9])
        assert all(i.amount is None for i in decision.items[9:])
        assert decision.items[0].name == "工人0"
        assert mini_policy.decide(claim, "award", as_of=AS_OF) == Verdict(E, Decimal("9000.00"))
        assert mini_policy.decider("award", AS_OF)({"employer": {"hires": hires}}) == Verdict(E, Decimal("9000.00"))
        reason = decision.amount_reason
        assert reason.value_map() == {"eligible_items": 9, "total": Decimal("9000.00")}

    def test_failed_conditions_per_item(self, mini_policy):
        claim = {"employer": {"hires": [hire(poor=False), hire(months=6), hire(insured=False)]}}
        decision = mini_policy.explain(claim, "award", as_of=AS_OF)
        failed = [[r.id for r in item.reasons if r.result is False] for item in decision.items]
        assert failed == [["poor"], ["contract"], ["insured"]]


class TestParameters:
    def claim(self):
        return {"employer": {"hires": [hire(), hire()]}}

    @pytest.mark.parametrize("day, amount", [
        (dt.date(2016, 6, 1), "2000.00"),
        (dt.date(2017, 12, 31), "2000.00"),
        (dt.date(2018, 1, 1), "2400.00"),
        (dt.date(2019, 6, 1), "2400.00"),
    ])
    def test_history_by_as_of(self, mini_policy, day, amount):
        assert mini_policy.explain(self.claim(), "award", as_of=day).amount == Decimal(amount)
        assert mini_policy.decide(self.claim(), "award", as_of=day).amount == Decimal(amount)
        assert mini_policy.decider("award", day)(self.claim()).amount == Decimal(amount)

    def test_as_of_from_the_claim(self, mini_policy):
        claim = dict(self.claim(), as_of="2018-03-01")
        assert mini_policy.explain(claim, "award").amount == Decimal("2400.00")
        claim = dict(self.claim(), as_of=dt.date(2017, 3, 1))
        decision = mini_policy.explain(claim, "award")
        assert decision.amount == Decimal("2000.00") and decision.as_of == dt.date(2017, 3, 1)
        # an explicit as_of wins over the claim's
        assert mini_policy.explain(claim, "award", as_of=dt.date(2018, 3, 1)).amount == Decimal("2400.00")

    @pytest.mark.parametrize("day, per_worker", [
        (dt.date(2016, 12, 31), "1000.00"),   # before the county override starts
        (dt.date(2017, 1, 1), "1300.00"),
        (dt.date(2018, 6, 1), "1300.00"),     # the county's 1300 still beats the city's 1200
    ])
    def test_county_override_by_jurisdiction(self, mini_policy, day, per_worker):
        claim = dict(self.claim(), jurisdiction="苍溪县")
        decision = mini_policy.explain(claim, "award", as_of=day)
        assert decision.amount == 2 * Decimal(per_worker)
        assert decision.jurisdiction == "苍溪县"
        assert mini_policy.decide(claim, "award", as_of=day).amount == 2 * Decimal(per_worker)
        assert mini_policy.decider("award", day, jurisdiction="苍溪县")(self.claim()).amount == 2 * Decimal(per_worker)

    def test_other_county_uses_city_value(self, mini_policy):
        claim = dict(self.claim(), jurisdiction="利州区")
        assert mini_policy.explain(claim, "award", as_of=AS_OF).amount == Decimal("2000.00")

    def test_unknown_jurisdiction(self, mini_policy):
        with pytest.raises(ClaimError) as info:
            mini_policy.evaluate(dict(self.claim(), jurisdiction="苍西县"), "award", as_of=AS_OF)
        assert info.value.code == "C012"
        assert "苍溪县" in info.value.suggestions

    def test_bad_as_of_in_claim(self, mini_policy):
        with pytest.raises(ClaimError) as info:
            mini_policy.evaluate(dict(self.claim(), as_of="2017-02-30"), "award")
        assert info.value.path == "as_of"


class TestInForce:
    def test_rule_not_in_force_is_ineligible(self, mini_policy):
        day = dt.date(2015, 7, 31)  # before the rules and before their parameters have a value
        decision = mini_policy.explain(labourer(), "w1", as_of=day)
        assert decision.outcome is I
        assert decision.amount is None
        (reason,) = decision.reasons
        assert reason.id == "in-force" and reason.result is False
        assert reason.value_map() == {"as_of": day}
        assert mini_policy.decide(labourer(), "w1", as_of=day) == Verdict(I, None)
        assert mini_policy.decider("award", day)({"employer": {"hires": [hire()]}}) == Verdict(I, None)

    def test_until_is_inclusive(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "in_force: {from: 2016-01-01}", "in_force: {from: 2016-01-01, until: 2017-06-30}"), encoding="utf-8")
        policy = subsidy_rules.load_policy(mini_dir)
        assert policy.decide(labourer(), "w1", as_of=dt.date(2017, 6, 30)).outcome is E
        assert policy.decide(labourer(), "w1", as_of=dt.date(2017, 7, 1)).outcome is I
        assert policy.decide(labourer(), "w1", as_of=dt.date(2016, 1, 1)).outcome is E
        assert policy.decide(labourer(), "w1", as_of=dt.date(2015, 12, 31)).outcome is I

    def test_rule_versions_chosen_by_date(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            "in_force: {from: 2016-01-01}", "in_force: {from: 2016-01-01, until: 2017-12-31}"), encoding="utf-8")
        write(mini_dir / "rules" / "w1-2018.yaml", """
            id: w1
            version: 2
            title: {zh: 创业培训补贴(2018), en: Training subsidy 2018}
            source: {document: 新文件}
            in_force: {from: 2018-01-01}
            applies_to: labourer
            conditions:
              - id: registered-poor
                label: {zh: 贫困, en: Poor}
                expr: labourer.rural_registered_poor
            amount: 100
            """)
        policy = subsidy_rules.load_policy(mini_dir)
        old = policy.explain(labourer(self_employed=False), "w1", as_of=dt.date(2017, 12, 31))
        new = policy.explain(labourer(self_employed=False), "w1", as_of=dt.date(2018, 1, 1))
        assert (old.outcome, old.rule.version) == (I, 1)
        assert (new.outcome, new.rule.version, new.amount) == (E, 2, Decimal("100.00"))


ROUNDING_RULE = """
    id: r
    title: {zh: 舍入, en: Rounding}
    source: {document: 测试}
    in_force: {from: 2016-01-01}
    applies_to: labourer
    conditions:
      - id: c
        label: {zh: 条件, en: Condition}
        expr: known(labourer.age)
    amount: labourer.age * 0.005 - 0.0001 * 0
    """


class TestRounding:
    @pytest.fixture
    def policy(self, mini_dir):
        write(mini_dir / "rules" / "r.yaml", ROUNDING_RULE)
        return subsidy_rules.load_policy(mini_dir)

    @pytest.mark.parametrize("age, amount", [
        (1, "0.01"),      # 0.005: half up (banker's rounding would give 0.00)
        (5, "0.03"),      # 0.025: half up (banker's rounding would give 0.02)
        (3, "0.02"),      # 0.015
        (2, "0.01"),      # 0.010
        (0, "0.00"),
        (-1, "-0.01"),    # -0.005: half away from zero
        (123457, "617.29"),  # 617.285
    ])
    def test_half_up_to_the_fen(self, policy, age, amount):
        claim = {"labourer": {"age": age}}
        decision = policy.explain(claim, "r", as_of=AS_OF)
        assert decision.outcome is E
        assert decision.amount == Decimal(amount)
        assert str(decision.amount) == amount
        verdict = policy.decide(claim, "r", as_of=AS_OF)
        assert verdict == Verdict(E, Decimal(amount)) and str(verdict.amount) == amount
        assert decision.to_dict()["amount"] == amount

    def test_static_amounts_are_shown_to_the_fen(self, mini_policy):
        amount = mini_policy.decide(labourer(), "w1", as_of=AS_OF).amount
        assert str(amount) == "1500.00"

    def test_division_by_zero(self, mini_dir):
        write(mini_dir / "rules" / "r.yaml", ROUNDING_RULE.replace("labourer.age * 0.005 - 0.0001 * 0", "100 / labourer.age"))
        policy = subsidy_rules.load_policy(mini_dir)
        assert policy.decide({"labourer": {"age": 3}}, "r", as_of=AS_OF).amount == Decimal("33.33")
        assert policy.decide({"labourer": {"age": 6}}, "r", as_of=AS_OF).amount == Decimal("16.67")
        for call in (lambda: policy.decide({"labourer": {"age": 0}}, "r", as_of=AS_OF),
                     lambda: policy.explain({"labourer": {"age": 0}}, "r", as_of=AS_OF)):
            with pytest.raises(EvaluationError) as info:
                call()
            # the one-shot calls name the rule and the division's place, whichever path decided
            assert (info.value.code, info.value.rule, info.value.span.line) == ("X001", "r", 10), info.value.span

    def test_an_amount_too_large_for_the_fen_names_its_expression_and_value(self, mini_dir, tmp_path):
        """Facts within the claim checks can multiply past what a decimal holds to the fen: X002 names
        the amount's expression and its value, at the amount's place, on every path and engine."""
        from subsidy_rules.cli import main

        write(mini_dir / "rules" / "r.yaml", ROUNDING_RULE.replace(
            "labourer.age * 0.005 - 0.0001 * 0", "labourer.age * labourer.age * 999999999999"))
        policy = subsidy_rules.load_policy(mini_dir)
        claim = {"labourer": {"age": 99_999_999_999_999}}
        for call in (lambda: policy.decide(claim, "r", as_of=AS_OF), lambda: policy.explain(claim, "r", as_of=AS_OF)):
            with pytest.raises(EvaluationError) as info:
                call()
            assert (info.value.code, info.value.rule, info.value.span.line) == ("X002", "r", 10)
            assert info.value.message("en").endswith(
                "[X002] result out of range: labourer.age * labourer.age * 999999999999 (with labourer.age * "
                "labourer.age * 999999999999 = 9999999999989800000000000200999999999999)")
        table = tmp_path / "t.jsonl"
        table.write_text('{"labourer": {"age": 99999999999999}}\n{"labourer": {"age": 5}}\n', encoding="utf-8")
        outputs = []
        for engine in ("python", "duckdb"):
            errors, out = tmp_path / f"{engine}.txt", tmp_path / f"{engine}.jsonl"
            assert main(["evaluate", str(table), "--policy", str(mini_dir), "--as-of", "2017-07-31", "--engine", engine,
                         "--errors", str(errors), "--out", str(out), "--lang", "en"]) == 2
            assert "[r] [X002] result out of range: labourer.age * labourer.age" in errors.read_text(encoding="utf-8")
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1] and b'"amount": "24999999999975.00"' in outputs[0]

    def test_an_error_in_a_table_names_the_rule_and_the_place(self, mini_dir, tmp_path):
        from subsidy_rules.cli import main

        write(mini_dir / "rules" / "r.yaml", ROUNDING_RULE.replace("labourer.age * 0.005 - 0.0001 * 0", "100 / labourer.age"))
        table = tmp_path / "t.jsonl"
        table.write_text('{"labourer": {"age": 0}}\n{"labourer": {"age": 5}}\n', encoding="utf-8")
        for engine in ("python", "duckdb"):
            errors = tmp_path / f"{engine}.txt"
            code = main(["evaluate", str(table), "--policy", str(mini_dir), "--as-of", "2017-07-31", "--engine", engine,
                         "--errors", str(errors), "--out", str(tmp_path / f"{engine}.jsonl"), "--lang", "en"])
            assert code == 2
            assert errors.read_text(encoding="utf-8").startswith(
                f"line 1: {mini_dir / 'rules' / 'r.yaml'}:10:9: [r] [X001] division by zero in 100 / labourer.age"), engine

    def test_unneeded_amount_is_not_evaluated_for_missing_facts(self, mini_dir):
        """An undetermined condition: the amount was not needed, so its division by zero must not
        turn the decision into an error while the missing facts are gathered."""
        write(mini_dir / "rules" / "r.yaml", ROUNDING_RULE.replace("known(labourer.age)", "\"@w1\"").replace(
            "labourer.age * 0.005 - 0.0001 * 0", "$base_threshold / 0"))
        policy = subsidy_rules.load_policy(mini_dir)
        claim = {"labourer": {"age": 30}}
        assert policy.decide(claim, "r", as_of=AS_OF).outcome is U
        decision = policy.explain(claim, "r", as_of=AS_OF)
        assert decision.outcome is U


def test_where_guards_an_error_in_item_conditions(mini_dir):
    write(mini_dir / "rules" / "g.yaml", """
        id: g
        title: {zh: 保护, en: Guard}
        source: {document: 测试}
        in_force: {from: 2016-01-01}
        applies_to: employer
        items:
          over: employer.hires
          label: {zh: 吸纳, en: Hires}
          where: contract_months > 0
          conditions:
            - id: c
              label: {zh: 条件, en: Condition}
              expr: 12 / contract_months <= 1
          amount: 100
        """)
    policy = subsidy_rules.load_policy(mini_dir)
    claim = {"employer": {"hires": [{"contract_months": 0}, {"contract_months": 12}]}}
    assert policy.decide(claim, "g", as_of=AS_OF) == Verdict(E, Decimal("100.00"))
    decision = policy.explain(claim, "g", as_of=AS_OF)  # raises X001 for hires[0]
    assert decision.verdict == Verdict(E, Decimal("100.00"))
    assert decision.items[0].considered is False


class TestClaimErrors:
    @pytest.mark.parametrize("claim, rule, path", [
        ({"employer": {"hires": [hire(), hire(), hire(months="12")]}}, "award", "employer.hires[2].contract_months"),
        ({"employer": {"hires": [hire(), {"worker": {"rural_registered_poor": "yes"}}]}}, "award",
         "employer.hires[1].worker.rural_registered_poor"),
        ({"employer": {"hires": [hire(), None]}}, "award", "employer.hires[1]"),
        ({"employer": {"hires": "three"}}, "award", "employer.hires"),
        ({"employer": {"hires": [hire(worker=["x"])]}}, "award", "employer.hires[0].worker"),
        ({"labourer": {"age": True, "rural_registered_poor": True, "attended_entrepreneurship_training": True}}, "w1", "labourer.age"),
        ({"labourer": {"age": 30.0}}, "w1", "labourer.age"),
        ({"labourer": {"rural_registered_poor": 1}}, "w1", "labourer.rural_registered_poor"),
        ({"labourer": "张三"}, "w1", "labourer"),
    ])
    def test_wrong_fact_type_names_the_path(self, mini_policy, claim, rule, path):
        for call in (lambda: mini_policy.decide(claim, rule, as_of=AS_OF),
                     lambda: mini_policy.evaluate(claim, rule, as_of=AS_OF),
                     lambda: mini_policy.decider(rule, AS_OF)(claim)):
            with pytest.raises(ClaimError) as info:
                call()
            assert info.value.code == "C001"
            assert info.value.path == path  # the JSON path counts from 0
            assert people_path(path) in info.value.message("en")  # the words for people count from 1

    def test_wrong_enum_value(self, mini_dir):
        write(mini_dir / "rules" / "s.yaml", """
            id: s
            title: {zh: 状态, en: Status}
            source: {document: 测试}
            in_force: {from: 2016-01-01}
            applies_to: labourer
            conditions:
              - id: c
                label: {zh: 条件, en: Condition}
                expr: labourer.status == "employed"
            """)
        policy = subsidy_rules.load_policy(mini_dir)
        for call in (lambda: policy.decide({"labourer": {"status": "retired"}}, "s", as_of=AS_OF),
                     lambda: policy.evaluate({"labourer": {"status": "retired"}}, "s", as_of=AS_OF)):
            with pytest.raises(ClaimError) as info:
                call()
            assert info.value.code == "C006" and info.value.path == "labourer.status"
        assert policy.decide({"labourer": {"status": "employed"}}, "s", as_of=AS_OF).outcome is E

    def test_unknown_entity_with_suggestion(self, mini_policy):
        for call in (lambda: mini_policy.evaluate({"labourr": {}}, as_of=AS_OF),
                     lambda: mini_policy.decide({"labourr": {}}, "w1", as_of=AS_OF)):
            with pytest.raises(ClaimError) as info:
                call()
            assert info.value.code == "C003"
            assert info.value.path == "labourr"
            assert info.value.suggestions == ("labourer",)
            assert "did you mean 'labourer'" in info.value.message("en")

    def test_unknown_rule(self, mini_policy):
        with pytest.raises(ClaimError) as info:
            mini_policy.decide(labourer(), "awrd", as_of=AS_OF)
        assert info.value.code == "C008" and "award" in info.value.suggestions

    def test_not_a_mapping(self, mini_policy):
        with pytest.raises(ClaimError):
            mini_policy.evaluate(["labourer"], as_of=AS_OF)

    def test_claim_errors_are_subsidy_rules_errors(self):
        assert issubclass(ClaimError, subsidy_rules.SubsidyRulesError)
        assert issubclass(EvaluationError, subsidy_rules.SubsidyRulesError)


def _claims():
    claims = [labourer(), labourer(age=None), labourer(rural_registered_poor=False), labourer(self_employed=...)]
    for n in range(14):
        claims.append({"employer": {"name": f"企业{n}", "hires": [hire(months=6 + k, insured=(k % 3 != 0) or None)
                                                                 for k in range(n)]}})
    claims.append({"employer": {"hires": [hire()]}, "labourer": {"age": 20}, "jurisdiction": "苍溪县"})
    return claims


class TestDeterminism:
    def test_same_claim_twice_gives_identical_dict(self, mini_policy):
        for claim in _claims():
            first = [d.to_dict("zh") for d in mini_policy.evaluate(claim, as_of=AS_OF)]
            second = [d.to_dict("zh") for d in mini_policy.evaluate(claim, as_of=AS_OF)]
            assert first == second

    def test_a_fresh_load_gives_the_same_answers(self, mini_policy):
        other = subsidy_rules.load_policy(MINI)
        assert other.digest == mini_policy.digest
        for claim in _claims():
            assert ([d.to_dict("en") for d in other.evaluate(claim, as_of=AS_OF)]
                    == [d.to_dict("en") for d in mini_policy.evaluate(claim, as_of=AS_OF)])

    def test_digest_changes_with_the_files(self, mini_dir, mini_policy):
        path = mini_dir / "rules" / "w1.yaml"
        path.write_text(path.read_text(encoding="utf-8") + "# a comment\n", encoding="utf-8")
        assert subsidy_rules.load_policy(mini_dir).digest != mini_policy.digest

    def test_eight_threads_share_one_policy(self):
        policy = subsidy_rules.load_policy(MINI)   # fresh: its caches fill while the threads run
        claims = _claims()
        days = [dt.date(2016, 6, 1), AS_OF, dt.date(2018, 2, 1), dt.date(2015, 1, 1)]
        jobs = [(claim, day) for claim in claims for day in days] * 4

        def run(job):
            claim, day = job
            decisions = policy.evaluate(claim, as_of=day)
            verdicts = [policy.decide(claim, d.rule_id, as_of=day) for d in decisions]
            return [d.to_dict("zh") for d in decisions], verdicts

        reference = subsidy_rules.load_policy(MINI)
        expected = [(lambda c, d: ([x.to_dict("zh") for x in reference.evaluate(c, as_of=d)],
                                   [reference.decide(c, x.rule_id, as_of=d) for x in reference.evaluate(c, as_of=d)]))(*job)
                    for job in jobs]
        barrier = threading.Barrier(8)

        def start(job):
            if not getattr(threading.current_thread(), "_synced", False):
                threading.current_thread()._synced = True
                barrier.wait(timeout=10)
            return run(job)

        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(start, jobs))
        assert results == expected

    def test_prepared_functions_in_threads(self):
        policy = subsidy_rules.load_policy(MINI)
        decide = policy.decider("award", AS_OF)
        claims = [c for c in _claims() if "employer" in c] * 50
        expected = [decide(c) for c in claims]
        with ThreadPoolExecutor(max_workers=8) as pool:
            assert list(pool.map(decide, claims)) == expected


def test_checked_facts_path_still_treats_none_as_unknown(mini_dir):
    """decider(..., checked_facts=True) skips class checks for schema-checked facts; a null in such
    facts is still unknown (== and `in` would otherwise compare None as a value)."""
    write(mini_dir / "rules" / "n.yaml", """
        id: n
        title: {zh: 姓名, en: Name}
        source: {document: 测试}
        in_force: {from: 2016-01-01}
        applies_to: labourer
        conditions:
          - id: named
            label: {zh: 姓名, en: Name}
            expr: labourer.name != "张三" and labourer.age in [30, 31]
        """)
    policy = subsidy_rules.load_policy(mini_dir)
    facts = subsidy_rules.coerce_claim(subsidy_rules.parse_text("labourer: {name: null, age: 30}\n"), policy.schema)
    expected = policy.explain(facts, "n", as_of=AS_OF).verdict
    assert expected == Verdict(U, None)
    assert policy.decider("n", AS_OF)(facts) == expected
    assert policy.decider("n", AS_OF, checked_facts=True)(facts) == expected
    assert policy.decide(facts, "n", as_of=AS_OF, checked_facts=True) == expected
    facts["labourer"].update(name="李四", age=None)
    assert policy.decider("n", AS_OF, checked_facts=True)(facts) == Verdict(U, None)
    facts["labourer"]["age"] = 31
    assert policy.decider("n", AS_OF, checked_facts=True)(facts) == Verdict(E, None)
