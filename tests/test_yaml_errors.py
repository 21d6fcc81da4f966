"""YAML and expression syntax errors in Chinese that name the fix, on the line of the mistake
(issue 9, part 7): tabs, full-width punctuation, 并且/或者 for and/or; no unrelated warnings."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from subsidy_rules import check_policy
from subsidy_rules.cli import main
from subsidy_rules.expr.parser import ExprSyntaxError, parse
from subsidy_rules.source import SourceFile, YamlProblem, parse_yaml

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"


def problem(text: str) -> YamlProblem:
    with pytest.raises(YamlProblem) as caught:
        parse_yaml(SourceFile("f.yaml", text))
    return caught.value


def diagnostics_of(tmp_path: Path, rule_text: str, lang="zh"):
    policy = tmp_path / "mini"
    shutil.copytree(MINI, policy)
    rule = policy / "rules" / "w1.yaml"
    rule.write_text(rule_text(rule.read_text(encoding="utf-8")), encoding="utf-8")
    _, found = check_policy(policy)
    return found


@pytest.mark.parametrize("text, line", [
    ("id: x\ntitle:\n\tzh: 甲\n  en: b\n", 3),
    ("a:\n  b: 1\n\tc: 2\n", 3),
    ("a:\n  b: 1\n  c:\n  \t- 2\n", 4),
])
def test_a_tab_says_indent_with_spaces(text, line):
    found = problem(text)
    assert found.code == "E072" and found.span.line == line
    from subsidy_rules.errors import Diagnostic

    assert Diagnostic("E072", found.span).message("zh") == "这一行用 Tab 缩进:请用空格缩进,不要用 Tab"


@pytest.mark.parametrize("text, line, column, char", [
    ("id: x\napplies_to： employer\ntitle: {zh: a, en: b}\n", 2, 11, "："),  # the parser itself blames line 3
    ("title: {zh: 甲， en: b}\n", 1, 14, "，"),
])
def test_full_width_punctuation_is_named_on_its_line(text, line, column, char):
    found = problem(text)
    assert (found.code, found.span.line, found.span.column, found.args_["found"]) == ("E073", line, column, char)
    from subsidy_rules.errors import Diagnostic

    message = Diagnostic("E073", found.span, found.args_).message("zh")
    assert message == f"“{char}” 是全角符号:请改用半角 {found.args_['fix']}"


def test_full_width_inside_quotes_is_text_not_a_mistake():
    from subsidy_rules.source import plain

    assert plain(parse_yaml(SourceFile("f.yaml", 'label: {zh: "6个月以上，含6个月", en: b}\n')))["label"]["zh"] == "6个月以上，含6个月"


def test_other_syntax_errors_are_in_chinese():
    found = problem("a: [1, 2\nb: 3\n")
    detail = found.args_["detail"]
    assert "方括号" in detail.get("zh") and detail.get("en")  # the parser's own English stays for --lang en


@pytest.mark.parametrize("text, code, found, fix", [
    ("labourer.age ＞＝ 16", "E047", "＞＝", ">="),
    ("labourer.age ＜ 16", "E047", "＜", "<"),
    ("count(employer.hires where worker.age > 16) ＞ 1", "E047", "＞", ">"),
    ("labourer.age >= 16 并且 labourer.able_to_work", "E048", "并且", "and"),
    ("labourer.able_to_work 或者 labourer.returnee", "E048", "或者", "or"),
    ("不是 labourer.returnee", "E048", "不是", "not"),
])
def test_expression_mistakes_name_the_fix(text, code, found, fix):
    with pytest.raises(ExprSyntaxError) as caught:
        parse(text)
    error = caught.value
    assert (error.code, error.args_["found"], error.args_["fix"]) == (code, found, fix)
    assert text[error.start:error.end] == found


def test_full_width_inside_a_text_literal_is_fine():
    parse('labourer.name == "王，小红"')
    parse('labourer.name == "并且"')


def test_an_expression_mistake_through_check(tmp_path):
    found = diagnostics_of(tmp_path, lambda t: t.replace("expr: labourer.age >= 16", "expr: labourer.age >= 16 并且 labourer.age < 60"))
    mistake = next(d for d in found if d.code == "E048")
    assert mistake.message("zh") == "表达式中不能写 “并且”:用 and"
    assert mistake.span.source.line_text(mistake.span.line)[mistake.span.column - 1:].startswith("并且")


def test_a_full_width_colon_in_a_key_gets_the_fix_as_hint(tmp_path):
    found = diagnostics_of(tmp_path, lambda t: t.replace("label: {zh:", "label: {zh：", 1))
    assert any("“：” 是全角冒号" in (d.hint("zh") or "") for d in found)


def test_no_warning_follows_a_syntax_error(tmp_path):
    found = diagnostics_of(tmp_path, lambda t: "\t" + t)
    assert [d.code for d in found] == ["E072"]
    out, err = io.StringIO(), io.StringIO()
    assert main(["check", str(tmp_path / "mini")], stdout=out, stderr=err) == 2
    assert "警告[" not in err.getvalue()


def test_a_yes_no_key_in_a_policy_file_says_to_write_true_or_false(tmp_path):
    policy = tmp_path / "mini"
    shutil.copytree(MINI, policy)
    params = policy / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8").replace("floor: true", "floor: 是"), encoding="utf-8")
    _, found = check_policy(policy)
    wrong = next(d for d in found if d.code == "E012")
    assert wrong.message("zh") == "“floor” 应当写 true 或 false(是写 true,否写 false),实际是文字"
    assert "应当是是/否" not in wrong.message("zh")
    assert wrong.message("en").startswith("'floor' should be true or false")


@pytest.mark.parametrize("text, english", [
    ("id: x\napplies_to employer\ntitle: t\n", "this line's key has no ':' after it"),
    ("a: b: c\n", "a 'key: value' cannot stand here"),
    ("a: {b: 1\n", "inside { } a ',' or the closing '}' is missing"),
    ('a: "b\n', "the file ends before a quote or bracket is closed"),
    ("expr: @hiring-award\n", "starts with a character YAML does not allow there"),
])
def test_a_yaml_syntax_error_is_explained_in_english_too(text, english):
    """The English words name the fix as the Chinese do, not the parser's own ("mapping values are
    not allowed in this context")."""
    from subsidy_rules.source import SourceFile, YamlProblem, parse_yaml

    with pytest.raises(YamlProblem) as caught:
        parse_yaml(SourceFile("t.yaml", text))
    detail = caught.value.args_["detail"]
    assert english in detail.get("en") and detail.get("zh") != detail.get("en")
