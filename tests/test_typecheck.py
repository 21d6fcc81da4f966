"""expr/typecheck.py through check_policy: every expression of a rule is typed against the schema.

Each case writes one rule into a copy of the mini policy. The expression sits in a `|` block on
line 10, starting at column 7, so a problem at offset k of the expression is at 10:(7 + k).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import subsidy_rules

from conftest import by_code, copy_mini, write

EXPR_LINE, EXPR_COLUMN = 10, 7


def rule_text(expr: str, applies_to: str = "labourer", rule_id: str = "t") -> str:
    return (
        f"id: {rule_id}\n"
        "title: {zh: 测试, en: Test}\n"
        "source: {document: 测试文件}\n"
        "in_force: {from: 2016-01-01}\n"
        f"applies_to: {applies_to}\n"
        "conditions:\n"
        "  - id: c\n"
        "    label: {zh: 条件, en: Condition}\n"
        "    expr: |\n"
        f"      {expr}\n"
    )


def items_rule_text(expr: str, amount: str = "$award_per_worker") -> str:
    return (
        "id: t\n"
        "title: {zh: 测试, en: Test}\n"
        "source: {document: 测试文件}\n"
        "in_force: {from: 2016-01-01}\n"
        "applies_to: employer\n"
        "items:\n"
        "  over: employer.hires\n"
        "  label: {zh: 吸纳, en: Hires}\n"
        "  conditions:\n"
        "    - id: c\n"
        "      label: {zh: 条件, en: Condition}\n"
        f"      expr: {expr}\n"                       # line 12, column 13
        f"  amount: {amount}\n"                      # line 13, column 11
    )


def check(tmp_path: Path, text: str):
    directory = copy_mini(tmp_path)
    write(directory / "rules" / "t.yaml", text)
    policy, diagnostics = subsidy_rules.check_policy(directory)
    errors = [d for d in diagnostics if d.severity == "error"]
    return policy, errors


def check_expr(tmp_path: Path, expr: str, applies_to: str = "labourer"):
    return check(tmp_path, rule_text(expr, applies_to))


@pytest.mark.parametrize("expr", [
    "labourer.age >= 16",
    "labourer.age ≥ 16 and labourer.rural_registered_poor",
    'labourer.status == "employed"',
    'labourer.status in ["employed", "unemployed"]',
    'labourer.status not in ["employed"]',
    'labourer.name == "张三" or labourer.name != "李四"',
    "labourer.age * 95% >= 12.5",
    "labourer.age / 2 > 1 and -labourer.age < 0",
    "as_of >= 2017-01-01",
    "months_between(2016-01-31, as_of) >= 6",
    "add_months(as_of, 3) > as_of",
    "days_between(as_of, as_of) == 0 and years_between(as_of, as_of) == 0",
    "least(labourer.age, 60, 1.5) <= greatest(labourer.age, $base_threshold)",
    "known(labourer.age) and not known(labourer.status)",
    "(if labourer.self_employed then labourer.age else 0.5) > 1",
    "(if labourer.self_employed then as_of else 2016-01-01) > 2015-01-01",
    "count(employer.hires where worker.rural_registered_poor and contract_months >= 12) >= $base_threshold",
    "sum(contract_months of employer.hires where social_insurance) > 0",
    "sum(worker.age of employer.hires) * $award_per_worker > 0",
    "min(hired_on of employer.hires) < as_of and max(contract_months of employer.hires) < 100",
    "any(employer.hires where known(worker.name)) or all(employer.hires where labourer.age > worker.age)",
    "@w1 and not @w2",
    "true",
])
def test_well_typed_expressions_pass(tmp_path, expr):
    policy, errors = check_expr(tmp_path, expr)
    assert errors == [], [d.format("en") for d in errors]
    assert "t" in policy.rule_ids


# (expression, code, offset of the reported span in the expression, suggestions that must be offered)
CASES = [
    ("labourer.agee >= 16", "E031", 0, ("age",)),
    ("labourer.age >= 16 and labourer.rural_registerd_poor", "E031", 23, ("rural_registered_poor",)),
    ("labourr.age >= 16", "E031", 0, ("labourer",)),
    ("labourer.age.years > 1", "E031", 0, ()),
    ("labourer.age >= $base_treshold", "E032", 16, ("base_threshold",)),
    ("month_between(as_of, as_of) > 1", "E033", 0, ("months_between",)),
    ("labourer.self_employed > 3", "E034", 0, ()),
    ("labourer.age == true", "E034", 0, ()),
    ("labourer.age + true > 1", "E034", 0, ()),
    ('labourer.name > "a"', "E034", 0, ()),
    ("as_of >= 5", "E034", 0, ()),
    ("not labourer.age", "E034", 4, ()),
    ("labourer.rural_registered_poor and labourer.age", "E034", 35, ()),
    ("months_between(as_of, 3) > 1", "E034", 22, ()),
    ("add_months(as_of, 1.5) > as_of", "E034", 18, ()),
    ("labourer.age in employer.hires", "E034", 16, ()),
    ("months_between(as_of) > 1", "E035", 0, ()),
    ("least() > 1", "E035", 0, ()),
    ("labourer.age + 1", "E039", 0, ()),
    ('labourer.name', "E039", 0, ()),
    ("count(employer.name) > 1", "E041", 6, ()),
    ("sum(employer.hires) > 1", "E042", 0, ()),
    ("any(employer.hires)", "E046", 0, ()),
    ("count(contract_months of employer.hires) > 1", "E043", 6, ()),
    ("labourer > 1", "E044", 0, ()),
    ("employer.hires.contract_months > 1", "E044", 0, ()),
    ('labourer.status == "employd"', "E045", 19, ("employed",)),
    ('labourer.status in ["employed", "farming"]', "E045", 32, ()),
    ("count(employer.hires where contract_month >= 12) > 1", "E031", 27, ("contract_months",)),
    ("count(employer.hires where worker.rural_poor) > 1", "E031", 27, ("rural_registered_poor",)),
    ("@awrd and labourer.self_employed", "E027", 0, ("award",)),
]


@pytest.mark.parametrize("expr, code, offset, suggestions", CASES, ids=[f"{c[1]}:{c[0]}" for c in CASES])
def test_type_errors(tmp_path, expr, code, offset, suggestions):
    policy, errors = check_expr(tmp_path, expr)
    assert policy is None
    found = by_code(errors, code)[0]
    assert found.span.file.endswith("t.yaml")
    assert (found.span.line, found.span.column) == (EXPR_LINE, EXPR_COLUMN + offset), found.format("en")
    for suggestion in suggestions:
        assert suggestion in found.suggestions
        assert suggestion in found.message("en") and suggestion in found.message("zh")
    # a caret under the offending text is part of the formatted message
    assert "^" in found.format("zh")


def test_did_you_mean_is_worded_in_both_languages(tmp_path):
    _, errors = check_expr(tmp_path, "labourer.agee >= 16")
    found = by_code(errors, "E031")[0]
    assert found.message("en") == "unknown field 'agee'; did you mean 'age'?"
    assert "是否想写 “age”" in found.message("zh")


def test_unknown_field_span_covers_the_path(tmp_path):
    _, errors = check_expr(tmp_path, "labourer.age >= 16 and labourer.rural_registerd_poor")
    found = by_code(errors, "E031")[0]
    assert (found.span.end_line, found.span.end_column) == (EXPR_LINE, EXPR_COLUMN + 23 + len("labourer.rural_registerd_poor"))
    caret = found.format("en").splitlines()[2]
    assert caret.count("^") == len("labourer.rural_registerd_poor")


def test_errors_inside_one_expression_are_all_reported(tmp_path):
    _, errors = check_expr(tmp_path, "labourer.agee >= $nope and month_between(as_of, as_of) > 1 and labourer.name > 1")
    found = sorted(d.code for d in errors)
    assert found == ["E031", "E032", "E033", "E034"]


def test_follow_on_errors_are_silenced(tmp_path):
    """An unknown name types as 'any': no second error for the comparison that uses it."""
    _, errors = check_expr(tmp_path, "labourer.agee >= as_of")
    assert [d.code for d in errors] == ["E031"]


class TestItemScope:
    def test_bare_item_fields_and_claim_paths(self, tmp_path):
        policy, errors = check(tmp_path, items_rule_text(
            "worker.rural_registered_poor and contract_months >= 12 and employer.name != \"x\""))
        assert errors == [], [d.format("en") for d in errors]

    def test_unknown_item_field_with_suggestion(self, tmp_path):
        _, errors = check(tmp_path, items_rule_text("contract_month >= 12"))
        found = by_code(errors, "E031")[0]
        assert (found.span.line, found.span.column) == (12, 13)
        assert "contract_months" in found.suggestions

    def test_item_amount_must_be_numeric(self, tmp_path):
        _, errors = check(tmp_path, items_rule_text("social_insurance", amount="hired_on"))
        found = by_code(errors, "E040")[0]
        assert (found.span.line, found.span.column) == (13, 11)

    def test_item_fields_are_not_visible_outside(self, tmp_path):
        _, errors = check_expr(tmp_path, "contract_months >= 12", applies_to="employer")
        found = by_code(errors, "E031")[0]
        assert (found.span.line, found.span.column) == (EXPR_LINE, EXPR_COLUMN)


def test_amount_must_be_a_number(tmp_path):
    text = rule_text("labourer.self_employed") + "amount: labourer.name\n"
    _, errors = check(tmp_path, text)
    found = by_code(errors, "E040")[0]
    assert (found.span.line, found.span.column) == (11, 9)


def test_rule_reference_types_as_bool(tmp_path):
    _, errors = check_expr(tmp_path, "@w1 + 1 > 0")
    assert "E034" in [d.code for d in errors]
