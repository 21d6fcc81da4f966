"""load.py + check.py through check_policy: structural problems, references, cycles, floors,
warnings; every problem of a broken policy in one run, each pointing at the offending text."""

from __future__ import annotations

from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.errors import PolicyError

from conftest import MINI, by_code, codes, write


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_col(path: Path, needle: str, occurrence: int = 0):
    """1-based line and column of the first character of ``needle`` in the file."""
    text = path.read_text(encoding="utf-8")
    index = -1
    for _ in range(occurrence + 1):
        index = text.index(needle, index + 1)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column


def at(diagnostic):
    return diagnostic.span.line, diagnostic.span.column


def rule(rule_id: str, expr: str, applies_to: str = "labourer", in_force: str = "{from: 2016-01-01}") -> str:
    return (
        f"id: {rule_id}\n"
        "title: {zh: 测试, en: Test}\n"
        "source: {document: 测试文件}\n"
        f"in_force: {in_force}\n"
        f"applies_to: {applies_to}\n"
        "conditions:\n"
        "  - id: c\n"
        "    label: {zh: 条件, en: Condition}\n"
        f"    expr: {expr}\n"
    )


def test_mini_is_clean():
    policy, diagnostics = subsidy_rules.check_policy(MINI)
    assert policy is not None
    assert diagnostics == []
    assert sorted(policy.rule_ids) == ["award", "w1", "w2"]


class TestStructure:
    def test_unknown_key_with_suggestion(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "applies_to: labourer", "aplies_to: labourer")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E010")[0]
        assert found.suggestions == ("applies_to",)
        assert "did you mean 'applies_to'" in found.message("en")
        assert at(found) == line_col(path, "aplies_to")
        assert "applies_to" in found.hint("en")  # the hint lists the allowed keys
        # the required key is now missing as well, reported at the rule mapping
        missing = by_code(diagnostics, "E011")[0]
        assert missing.args["key"] == "applies_to"

    def test_unknown_key_in_condition(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "    label: {zh: 参加创业培训", "    lable: {zh: 参加创业培训")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E010")[0]
        assert found.suggestions == ("label",)
        assert at(found) == line_col(path, "lable")

    def test_comma_in_flow_label_gets_the_quoting_hint(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "title: {zh: 创业培训补贴, en:", "title: {zh: 创业培训补贴,含组织创业, en:")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E010")[0]
        assert "quote" in found.hint("en")

    def test_missing_key(self, mini_dir):
        path = mini_dir / "rules" / "w2.yaml"
        edit(path, "source: {document: 广府办函〔2016〕102号, clause: 一、四是创新企业吸纳就业政策}\n", "")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E011")[0]
        assert found.args["key"] == "source"
        assert found.span.file.endswith("w2.yaml")
        assert at(found) == (1, 1)

    def test_missing_expr_in_condition(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "    expr: labourer.attended_entrepreneurship_training\n", "")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E011")[0]
        assert found.args["key"] == "expr"
        assert at(found) == line_col(path, "id: trained")

    @pytest.mark.parametrize("bad", ["Hiring_Award", "hiring--award", "1award", "award-", '"award\\n"'])
    def test_bad_rule_id(self, mini_dir, bad):
        path = mini_dir / "rules" / "award.yaml"
        edit(path, "id: award", f"id: {bad}")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E015")[0]
        assert found.args["value"] == bad.strip('"')  # a final line break is no id's end, and is shown as written
        assert at(found) == (1, 5)

    def test_bad_condition_id(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "id: working-age", "id: Working_Age")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E015")[0]
        assert at(found) == line_col(path, "Working_Age")

    def test_bad_period(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "in_force: {from: 2016-01-01}", "in_force: {from: 2016-01-01, until: 2015-12-31}")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E017")[0]
        assert at(found) == line_col(path, "2015-12-31")

    def test_unknown_entity_in_applies_to(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "applies_to: labourer", "applies_to: labourr")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E024")[0]
        assert "labourer" in found.suggestions
        assert at(found) == line_col(path, "labourr")

    def test_label_needs_both_languages(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "label: {zh: 自主创业, en: Self-employed}", "label: {zh: 自主创业}")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E011")[0]
        assert found.args["key"] == "en"


class TestIds:
    def test_duplicate_rule_id_with_overlapping_periods(self, mini_dir):
        write(mini_dir / "rules" / "w1-copy.yaml", rule("w1", "labourer.self_employed", in_force="{from: 2017-01-01}"))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E020")
        assert len(found) == 1
        assert found[0].args["id"] == "w1"
        files = {Path(found[0].span.file).name, Path(found[0].args["other"].split(":")[0]).name}
        assert files == {"w1.yaml", "w1-copy.yaml"}

    def test_same_rule_id_in_successive_periods_is_fine(self, mini_dir):
        edit(mini_dir / "rules" / "w1.yaml", "in_force: {from: 2016-01-01}", "in_force: {from: 2016-01-01, until: 2016-12-31}")
        write(mini_dir / "rules" / "w1-2017.yaml", rule("w1", "labourer.self_employed", in_force="{from: 2017-01-01}"))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None, [d.format("en") for d in diagnostics]
        assert "E020" not in codes(diagnostics)

    def test_periods_touching_on_one_day_overlap(self, mini_dir):
        edit(mini_dir / "rules" / "w1.yaml", "in_force: {from: 2016-01-01}", "in_force: {from: 2016-01-01, until: 2017-01-01}")
        write(mini_dir / "rules" / "w1-2017.yaml", rule("w1", "labourer.self_employed", in_force="{from: 2017-01-01}"))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert "E020" in codes(diagnostics)

    def test_duplicate_condition_id(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "id: working-age", "id: trained")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E021")[0]
        assert found.args["id"] == "trained"
        assert at(found) == line_col(path, "trained", 1)

    def test_an_id_kept_for_groups_without_one(self, mini_dir):
        """n0, n1, ... name the groups that have no id (the SQL columns c_n0, the compact explanation):
        a condition of that id would be computed under the same name."""
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "id: working-age", "id: n0")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E074")[0]
        assert at(found) == line_col(path, "n0") and "n0" in found.format("en")
        edit(path, "id: n0", "id: n0a")
        assert "E074" not in codes(subsidy_rules.check_policy(mini_dir)[1])

    def test_duplicate_id_between_rule_and_items_conditions(self, mini_dir):
        path = mini_dir / "rules" / "award.yaml"
        edit(path, "    - id: insured", "    - id: poor")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E021")[0]
        line, column = line_col(path, "- id: poor", 1)
        assert at(found) == (line, column + len("- id: "))


class TestReferences:
    def test_cycle(self, mini_dir):
        a = write(mini_dir / "rules" / "a.yaml", rule("a", '"@b and labourer.self_employed"'))
        b = write(mini_dir / "rules" / "b.yaml", rule("b", "labourer.age >= 16 or @a"))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is None
        found = by_code(diagnostics, "E026")
        assert len(found) == 1
        assert found[0].args["cycle"] in ("@a → @b → @a", "@b → @a → @b")
        spans = {(Path(found[0].span.file).name, at(found[0]))}
        assert spans <= {("a.yaml", line_col(a, "@b")), ("b.yaml", line_col(b, "@a"))}

    def test_self_reference_is_a_cycle(self, mini_dir):
        write(mini_dir / "rules" / "a.yaml", rule("a", '"@a or labourer.self_employed"'))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert by_code(diagnostics, "E026")[0].args["cycle"] == "@a → @a"

    def test_three_rule_cycle_reported_once(self, mini_dir):
        write(mini_dir / "rules" / "a.yaml", rule("a", '"@b"'))
        write(mini_dir / "rules" / "b.yaml", rule("b", '"@c"'))
        write(mini_dir / "rules" / "c.yaml", rule("c", '"@a"'))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert len(by_code(diagnostics, "E026")) == 1

    def test_references_without_cycle_are_fine(self, mini_dir):
        write(mini_dir / "rules" / "a.yaml", rule("a", '"@w1 and @b"'))
        write(mini_dir / "rules" / "b.yaml", rule("b", '"@w1"'))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None, [d.format("en") for d in diagnostics]

    def test_unknown_rule_reference(self, mini_dir):
        path = write(mini_dir / "rules" / "a.yaml", rule("a", '"labourer.self_employed and @w9"'))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E027")[0]
        assert found.args["name"] == "w9"
        assert at(found) == line_col(path, "@w9")


OVERRIDE = "{from: 2017-01-01, value: 1300, source: {document: 苍溪县示例文件〔2017〕1号, clause: 第二条}}"


def _override(value, source=True):
    tail = ", source: {document: 苍溪县示例文件〔2017〕1号, clause: 第二条}" if source else ""
    return "{from: 2017-01-01, value: %s%s}" % (value, tail)


class TestParameters:
    def test_county_override_below_floor(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, OVERRIDE, _override(900))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is None
        found = by_code(diagnostics, "E050")
        assert all(at(d) == line_col(path, _override(900)) for d in found)
        assert {d.args["floor"] for d in found} >= {1000}
        assert found[0].args["county"] == "苍溪县"
        assert "900" in found[0].message("zh") and "1000" in found[0].message("zh")
        assert "不能降低" in found[0].hint("zh") and "never lower" in found[0].hint("en")

    def test_override_overtaken_by_a_later_city_rise(self, mini_dir):
        """1100 from 2017 is above the 1000 floor then, but below the 1200 in force from 2018."""
        path = mini_dir / "parameters.yaml"
        edit(path, OVERRIDE, _override(1100))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E050")
        assert [d.args["floor"] for d in found] == [1200]
        assert str(found[0].args["start"]) == "2018-01-01"

    def test_override_at_or_above_floor_is_fine(self, mini_dir):
        edit(mini_dir / "parameters.yaml", OVERRIDE, _override(1200))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None, [d.format("en") for d in diagnostics]

    def test_kind_floor_is_the_same_as_floor_true(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "    floor: true\n", "    kind: floor\n")
        edit(path, OVERRIDE, _override(900))
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert by_code(diagnostics, "E050")

    def test_an_override_needs_its_source(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, OVERRIDE, _override(1300, source=False))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is None
        found = by_code(diagnostics, "E054")
        assert len(found) == 1 and at(found[0]) == line_col(path, _override(1300, source=False))
        assert "依据" in found[0].message("zh") and "source" in found[0].message("en")
        assert "document" in found[0].hint("zh")

    def test_a_county_cannot_raise_a_cap(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "    kind: threshold\n", "    kind: cap\n")
        edit(path, "    award_per_worker:\n      - " + OVERRIDE,
             "    base_threshold:\n      - " + _override(15))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is None
        found = by_code(diagnostics, "E055")
        assert len(found) == 1 and at(found[0]) == line_col(path, _override(15))
        assert found[0].args["limit"] == 10 and "15" in found[0].message("zh")
        assert "不能提高" in found[0].hint("zh") and "never raise" in found[0].hint("en")

    def test_a_county_may_lower_a_cap(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "    kind: threshold\n", "    kind: cap\n")
        edit(path, "    award_per_worker:\n      - " + OVERRIDE, "    base_threshold:\n      - " + _override(8))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None, [d.format("en") for d in diagnostics]

    @pytest.mark.parametrize("kind", ["threshold", "fixed"])
    @pytest.mark.parametrize("value", [8, 15])
    def test_a_county_cannot_change_a_fixed_value_or_threshold(self, mini_dir, kind, value):
        path = mini_dir / "parameters.yaml"
        edit(path, "    kind: threshold\n", f"    kind: {kind}\n")
        edit(path, "    award_per_worker:\n      - " + OVERRIDE, "    base_threshold:\n      - " + _override(value))
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is None
        found = by_code(diagnostics, "E056")
        assert len(found) == 1 and at(found[0]) == line_col(path, _override(value))
        assert "不能改变" in found[0].message("zh") and "cannot change" in found[0].message("en")
        assert "删去这一行" in found[0].hint("zh")

    def test_unknown_parameter_kind(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "    kind: threshold\n", "    kind: ceiling\n")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E016")
        assert found and at(found[0]) == line_col(path, "ceiling")

    def test_lowering_a_parameter_without_kind_is_fine(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "county_overrides:\n  苍溪县:\n", "county_overrides:\n  苍溪县:\n    training_subsidy:\n      - " + _override(10) + "\n")
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None, [d.format("en") for d in diagnostics]

    def test_unused_parameter_warns(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "county_overrides:", "  spare:\n    label: {zh: 备用, en: Spare}\n    type: integer\n    values:\n      - {from: 2016-01-01, value: 1}\ncounty_overrides:")
        policy, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert policy is not None  # a warning does not stop the policy
        found = by_code(diagnostics, "W001")
        assert len(found) == 1 and found[0].severity == "warning"
        assert found[0].args["name"] == "spare"
        assert at(found[0]) == line_col(path, "spare:")
        assert found[0].format("zh").split(": ")[1].startswith("警告[W001]")

    def test_unknown_county(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "  苍溪县:", "  苍西县:")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E053")[0]
        assert "苍溪县" in found.suggestions
        assert at(found) == line_col(path, "苍西县")

    def test_values_out_of_order(self, mini_dir):
        path = mini_dir / "parameters.yaml"
        edit(path, "{from: 2018-01-01, value: 1200}", "{from: 2015-01-01, value: 1200}")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        assert at(by_code(diagnostics, "E028")[0]) == line_col(path, "{from: 2015-01-01")

    def test_parameter_not_in_force_when_rule_is(self, mini_dir):
        edit(mini_dir / "parameters.yaml", "{from: 2016-01-01, value: 1500}", "{from: 2017-01-01, value: 1500}")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E052")[0]
        assert found.args["name"] == "training_subsidy" and found.args["rule"] == "w1"


class TestExpressionPositions:
    def test_syntax_error_on_second_line_of_block_scalar(self, mini_dir):
        path = mini_dir / "rules" / "w2.yaml"
        edit(path, "            and contract_months >= 12)", "            and contract_months >= >= 12)")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E030")[0]
        assert at(found) == (line_col(path, ">= >=")[0], line_col(path, ">= >=")[1] + 3)

    def test_unknown_field_on_second_line_of_block_scalar(self, mini_dir):
        path = mini_dir / "rules" / "w2.yaml"
        edit(path, "and contract_months >= 12)", "and contract_month >= 12)")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E031")[0]
        assert at(found) == line_col(path, "contract_month >=")
        assert at(found) == (11, 17)
        assert found.suggestions == ("contract_months",)
        formatted = found.format("en").splitlines()
        assert formatted[0].endswith("w2.yaml:11:17: error[E031]: unknown field 'contract_month'; did you mean 'contract_months'?")
        assert formatted[1] == "   11 |             and contract_month >= 12) >= $base_threshold"
        assert formatted[2] == "      |                 " + "^" * len("contract_month")

    def test_error_in_plain_scalar(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "expr: labourer.age >= 16", "expr: labourer.age >= $minimum_age")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E032")[0]
        assert at(found) == line_col(path, "$minimum_age")
        assert (found.span.end_line, found.span.end_column) == (found.span.line, found.span.column + len("$minimum_age"))

    def test_error_in_quoted_scalar(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "expr: labourer.age >= 16", 'expr: "labourer.status == \\"employd\\" or labourer.age >= 16"')
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E045")[0]
        assert at(found) == line_col(path, '\\"employd')

    def test_error_in_folded_plain_scalar(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "expr: labourer.age >= 16", "expr: labourer.age >= 16\n      and labourer.agee < 60")
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E031")[0]
        assert at(found) == line_col(path, "labourer.agee")

    def test_chinese_text_before_the_error_keeps_columns_in_characters(self, mini_dir):
        path = mini_dir / "rules" / "w1.yaml"
        edit(path, "expr: labourer.age >= 16", 'expr: labourer.name != "张三丰" and labourer.agee >= 16')
        _, diagnostics = subsidy_rules.check_policy(mini_dir)
        found = by_code(diagnostics, "E031")[0]
        assert at(found) == line_col(path, "labourer.agee")
        # the caret is placed under the wide characters' display width
        lines = found.format("en").splitlines()
        assert lines[2].index("^") - (lines[2].index("|") + 2) == (line_col(path, "labourer.agee")[1] - 1) + 3


def test_every_problem_of_a_broken_policy_in_one_run(mini_dir):
    """Structural, expression, reference and parameter problems, all reported together."""
    rules = mini_dir / "rules"
    edit(rules / "w1.yaml", "applies_to: labourer", "applies_to: labourer\nconditons: []")          # E010
    edit(rules / "w1.yaml", "id: working-age", "id: Working_Age")                                    # E015
    edit(rules / "w2.yaml", "and contract_months >= 12)", "and contract_month >= 12)")                # E031
    edit(rules / "award.yaml", "    - id: insured", "    - id: poor")                                # E021
    edit(rules / "award.yaml", "amount: $award_per_worker", "amount: $award_per_workr")              # E032
    write(rules / "a.yaml", rule("a", '"@b and labourer.self_employed"'))                           # E026
    write(rules / "b.yaml", rule("b", '"@a or labourer.age > true"'))                               # E034
    write(rules / "c.yaml", rule("c", "labourer.age >= 16 and"))                                    # E030
    write(rules / "d.yaml", rule("d", "month_between(as_of, as_of) > 0"))                           # E033
    write(rules / "e.yaml", rule("e", "labourer.age", applies_to="labourer"))                       # E039
    edit(mini_dir / "parameters.yaml", "value: 1300,", "value: 900,")  # E050
    policy, diagnostics = subsidy_rules.check_policy(mini_dir)
    assert policy is None
    found = set(codes(diagnostics))
    assert {"E010", "E015", "E021", "E026", "E030", "E031", "E032", "E033", "E034", "E039", "E050"} <= found
    # every diagnostic names a real file position
    for diagnostic in diagnostics:
        assert Path(diagnostic.span.file).is_file(), diagnostic.format("en")
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1
        lines = Path(diagnostic.span.file).read_text(encoding="utf-8").splitlines()
        assert diagnostic.span.line <= len(lines)
    with pytest.raises(PolicyError) as info:
        subsidy_rules.load_policy(mini_dir)
    assert {d.code for d in info.value.errors} == {d.code for d in diagnostics if d.severity == "error"}
    text = info.value.message("en")
    assert "w2.yaml:11:17" in text


def test_diagnostic_to_dict(mini_dir):
    edit(mini_dir / "rules" / "w1.yaml", "applies_to: labourer", "aplies_to: labourer")
    _, diagnostics = subsidy_rules.check_policy(mini_dir)
    data = by_code(diagnostics, "E010")[0].to_dict("en")
    assert set(data) == {"code", "severity", "file", "line", "column", "message", "hint", "suggestions"}
    assert data["suggestions"] == ["applies_to"] and data["line"] == 5 and data["column"] == 1


def test_missing_policy_folder(tmp_path):
    policy, diagnostics = subsidy_rules.check_policy(tmp_path / "nowhere")
    assert policy is None
    assert codes(diagnostics) == ["E019"]
