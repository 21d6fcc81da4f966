"""check, test and rules read ./policy when there is one and say which folder they read;
check also checks the policy's tests and claim files named on its command line (issue 9, part 7)."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest

from subsidy_rules.cli import main
from subsidy_rules.resources import bundled_policy_dir

ROOT = Path(__file__).resolve().parent.parent
CLAIMS = ROOT / "examples" / "claims"


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    """A clerk's folder with their own copy of the policy in ./policy."""
    shutil.copytree(ROOT / "policy", tmp_path / "policy")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def break_rule(workdir: Path) -> Path:
    rule = workdir / "policy" / "rules" / "hiring-award.yaml"
    rule.write_text(rule.read_text(encoding="utf-8").replace("applies_to: employer", "applies_too: employer"), encoding="utf-8")
    return rule


@pytest.mark.parametrize("command", ["check", "test", "rules"])
def test_without_a_folder_the_local_policy_is_read_and_named(workdir, command):
    break_rule(workdir)
    code, out, err = run(command)
    assert code == 2, (out, err)
    assert err.splitlines()[0] == "策略文件夹:policy(当前文件夹中的 policy)"
    assert "applies_too" in err


@pytest.mark.parametrize("command", ["check", "test", "rules"])
def test_without_a_local_policy_the_bundled_one_is_read_and_named(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(command, "--lang", "en")
    assert code == 0, err
    assert err.splitlines()[0] == f"policy folder: {bundled_policy_dir()} (the bundled policy)"


def test_rules_keeps_standard_output_clean(workdir):
    code, out, err = run("rules", "--format", "json")
    assert code == 0
    assert json.loads(out)["rules"]  # nothing but the JSON on standard output
    assert err == "策略文件夹:policy(当前文件夹中的 policy)\n"


def test_a_named_folder_is_named(workdir):
    code, out, err = run("check", "policy", "--lang", "en")
    assert code == 0 and err == "policy folder: policy\n"
    assert re.fullmatch(r"ok: policy: \d+ rules, \d+ test cases\n", out)


def test_check_checks_the_policy_tests(workdir):
    tests = workdir / "policy" / "tests" / "hiring-award.yaml"
    text = tests.read_text(encoding="utf-8")
    text = text.replace("rule: hiring-award", "rule: hiring-awrd", 1)
    text = text.replace("contract_months: 12", "contract_months: 十二", 1)
    text = text.replace("failed: [contract-1-year]", "failed: [contract-one-year]", 1)
    tests.write_text(text, encoding="utf-8")
    code, out, err = run("check")
    assert code == 2
    lines = text.splitlines()
    rule_line = next(i for i, line in enumerate(lines, 1) if "hiring-awrd" in line)
    claim_line = next(i for i, line in enumerate(lines, 1) if "十二" in line)
    assert re.search(rf"hiring-award.yaml:{rule_line}:\d+: 错误\[E080\]: 用例 “.+” 引用了未知的规则 “hiring-awrd”,是否想写 “hiring-award”", err)
    assert re.search(rf"hiring-award.yaml:{claim_line}:\d+: 错误\[C001\]: .*contract_months:应当是整数,实际是 '十二'", err)
    assert "contract-one-year" in text
    assert re.search(r"错误\[E081\]: 用例 “.+” 期望的条件 “contract-one-year” 不在规则 “hiring-award” 中,是否想写 “contract-1-year”", err)


def test_check_checks_claim_files_named_on_the_command_line(workdir, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("labourer:\n  age: 三十\n  rural_registered_poor: 是\n", encoding="utf-8")
    good = CLAIMS / "hiring-award-eligible.yaml"
    code, out, err = run("check", "--claims", good, bad)
    assert code == 2
    assert f"{bad}:2:8: 错误[C001]" in err and f"{bad}:3:26: 错误[C001]" in err
    assert str(good) not in err
    assert err.splitlines()[-1] == "共 2 个错误,0 个警告"
    code, out, err = run("check", "--claims", good, "--lang", "en")
    assert code == 0 and out.endswith(", 1 claim\n")
    code, out, _ = run("check", "--claims", bad, "--format", "json")
    found = json.loads(out)["diagnostics"]
    assert [(d["code"], d["path"], d["line"]) for d in found] == [("C001", "labourer.age", 2), ("C001", "labourer.rural_registered_poor", 3)]


def test_no_unrelated_warnings_after_a_syntax_error(workdir):
    rule = workdir / "policy" / "rules" / "startup-loan-interest-subsidy.yaml"
    rule.write_text("id: [unclosed\n" + rule.read_text(encoding="utf-8"), encoding="utf-8")
    code, out, err = run("check")
    assert code == 2
    assert "错误[E001]" in err
    assert "警告" not in err.replace("0 个警告", "")  # no "parameter not used" for the rule that did not load
    assert "E032" not in err and "W001" not in err


def test_a_broken_parameters_file_is_reported_alone(workdir):
    params = workdir / "policy" / "parameters.yaml"
    params.write_text(params.read_text(encoding="utf-8") + "\n  broken: [unclosed\n", encoding="utf-8")
    code, out, err = run("check")
    assert code == 2
    codes = re.findall(r"错误\[(\w+)\]", err)
    assert codes == ["E001"], err  # not one "unknown parameter" per use of a parameter it defines


def test_check_and_test_refuse_an_expectation_no_decision_can_meet(workdir):
    """A misspelt outcome or an amount in words would only fail the case later, or crash `test`."""
    tests = workdir / "policy" / "tests" / "hiring-award.yaml"
    text = tests.read_text(encoding="utf-8")
    first = re.search(r"expect: \{outcome: eligible, amount: '?([0-9.]+)'?", text)
    assert first, "the hiring-award tests expect an amount"
    text = text.replace(first.group(0), "expect: {outcome: eligble, amount: 一千", 1)
    tests.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "eligble" in row)
    for command in ("check", "test"):
        code, out, err = run(command, "--lang", "en")
        assert code == 2, (command, out, err)
        assert re.search(rf"hiring-award.yaml:{line}:\d+: error\[E016\]: 'outcome' has invalid value 'eligble'; "
                         r"choose one of: eligible, ineligible, undetermined, error", err), err
        assert re.search(rf"hiring-award.yaml:{line}:\d+: error\[E014\]: invalid number: 一千", err), err
        assert "internal error" not in err + out


def test_no_parameter_not_used_warning_while_an_expression_does_not_parse(workdir):
    rule = workdir / "policy" / "rules" / "employment-base.yaml"
    text = rule.read_text(encoding="utf-8")
    assert "$employment_base_min_new_hires" in text
    rule.write_text(text.replace("$employment_base_min_new_hires", "($employment_base_min_new_hires", 1), encoding="utf-8")
    code, out, err = run("check", "--lang", "en")
    assert code == 2 and "error[E030]" in err, err
    assert "W001" not in err and "employment_base_min_new_hires' is not used" not in err


def test_a_missing_key_is_said_once(workdir):
    (workdir / "policy" / "rules" / "x.yaml").write_text("id: x\n", encoding="utf-8")
    code, out, err = run("check", "--lang", "en")
    assert code == 2 and err.count("x.yaml:1:1: error[E011]: missing required key 'in_force'") == 1, err


def test_an_impossible_date_hides_no_other_problem_of_its_file(workdir):
    """2016-06-31 is refused where it is (E013) and the rest of the file is still read; a number
    written 1,500 or in quotes is told how to write it."""
    params = workdir / "policy" / "parameters.yaml"
    lines = params.read_text(encoding="utf-8").splitlines()
    assert lines[30].strip() == "- {from: 2016-06-01, value: 1000}" and lines[48].strip() == "- {from: 2016-06-01, value: 300}"
    lines[30] = lines[30].replace("2016-06-01", "2016-06-31")
    lines[48] = lines[48].replace("value: 300", 'value: "300"')
    lines[100] = lines[100].replace("value: 1000", "value: 1,000")
    params.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = run("check", "--lang", "en")
    assert code == 2
    assert re.search(r"parameters.yaml:31:\d+: error\[E013\]: invalid date: 2016-06-31", err), err
    assert re.search(r"parameters.yaml:49:\d+: error\[E051\]: .*\n(.*\n)*  hint: remove the quotes: 300 in quotes is text", err), err
    assert re.search(r"parameters.yaml:101:\d+: error\[E010\]: unknown key '000'\n(.*\n)*  hint: write a number without thousands separators", err), err
    assert "E052" not in err  # not again at every rule that reads a parameter whose value was refused


def test_a_case_without_its_claim_is_said_once_where_it_is(workdir):
    (workdir / "policy" / "tests" / "mine.yaml").write_text(
        "cases:\n- name: no claim\n  rule: hiring-award\n  expect: {outcome: eligible}\n", encoding="utf-8")
    for command in ("check", "test"):
        code, out, err = run(command, "--lang", "en")
        assert code == 2, (command, out, err)
        assert "mine.yaml:2:3: error[E011]: missing required key 'claim'" in err and "C007" not in err, err
