"""cli.py, run in-process: main(argv, stdout, stderr) -> exit code."""

from __future__ import annotations

import io
import json
import re

import pytest

from subsidy_rules.cli import build_parser, main

from conftest import MINI, copy_mini, write


def run(*argv: str):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text
        assert "internal error" not in text


ELIGIBLE = """
    as_of: 2017-07-31
    labourer:
      rural_registered_poor: true
      attended_entrepreneurship_training: true
      self_employed: true
      age: 30
    """
INELIGIBLE = ELIGIBLE.replace("age: 30", "age: 15")
UNDETERMINED = ELIGIBLE.replace("      self_employed: true\n", "")
EMPLOYER = """
    {"as_of": "2017-07-31", "employer": {"hires": [
      {"worker": {"rural_registered_poor": true, "name": "张三"}, "contract_months": 12, "social_insurance": true},
      {"worker": {"rural_registered_poor": true, "name": "李四"}, "contract_months": 8, "social_insurance": true}]}}
    """


@pytest.fixture
def claims(tmp_path):
    return {
        "eligible": write(tmp_path / "eligible.yaml", ELIGIBLE),
        "ineligible": write(tmp_path / "ineligible.yaml", INELIGIBLE),
        "undetermined": write(tmp_path / "undetermined.yaml", UNDETERMINED),
        "employer": write(tmp_path / "employer.json", EMPLOYER),
    }


class TestCheck:
    def test_clean_policy(self):
        code, out, err = run("check", MINI)
        assert code == 0, err
        assert "3" in out and err == f"策略文件夹:{MINI}\n"  # which folder it read, on standard error
        code, out, _ = run("check", MINI, "--lang", "en")
        assert code == 0 and out.startswith("ok: ") and "3 rules" in out

    def test_broken_policy(self, tmp_path):
        directory = copy_mini(tmp_path)
        rule = directory / "rules" / "w2.yaml"
        rule.write_text(rule.read_text(encoding="utf-8").replace("and contract_months", "and contract_month"), encoding="utf-8")
        w1 = directory / "rules" / "w1.yaml"
        w1.write_text(w1.read_text(encoding="utf-8").replace("applies_to: labourer", "aplies_to: labourer"), encoding="utf-8")
        code, out, err = run("check", directory, "--lang", "en")
        assert code == 2
        no_traceback(out, err)
        assert re.search(re.escape(str(rule)) + r":11:17: error\[E031\]: unknown field 'contract_month'; did you mean 'contract_months'\?", err)
        assert re.search(re.escape(str(w1)) + r":5:1: error\[E010\]", err)
        assert "^" in err
        assert re.search(r"\d+ errors, \d+ warnings\n$", err)

    def test_broken_policy_zh(self, tmp_path):
        directory = copy_mini(tmp_path)
        (directory / "rules" / "w1.yaml").write_text("id: [unclosed\n", encoding="utf-8")
        code, out, err = run("check", directory)
        assert code == 2
        no_traceback(out, err)
        assert "错误[E001]" in err and "w1.yaml:" in err
        assert "共 " in err and " 个错误" in err

    def test_json_format(self, tmp_path):
        code, out, _ = run("check", MINI, "--format", "json")
        assert code == 0 and json.loads(out) == {"ok": True, "policy": str(MINI), "diagnostics": []}
        directory = copy_mini(tmp_path)
        params = directory / "parameters.yaml"
        params.write_text(params.read_text(encoding="utf-8").replace("value: 1300", "value: 900"), encoding="utf-8")
        code, out, _ = run("check", directory, "--format", "json", "--lang", "en")
        data = json.loads(out)
        assert code == 2 and data["ok"] is False
        found = [d for d in data["diagnostics"] if d["code"] == "E050"]
        assert found and found[0]["file"].endswith("parameters.yaml") and found[0]["line"] == 25

    def test_missing_folder(self, tmp_path):
        code, out, err = run("check", tmp_path / "nowhere")
        assert code == 2
        no_traceback(out, err)
        assert "E019" in err


class TestExplain:
    @pytest.mark.parametrize("name, code", [("eligible", 0), ("ineligible", 1), ("undetermined", 3)])
    def test_exit_codes(self, claims, name, code):
        result, out, err = run("explain", claims[name], "--policy", MINI)
        assert result == code, err
        assert err == ""
        first = out.splitlines()[0]
        assert first.startswith({0: "✓", 1: "✗", 3: "?"}[code])
        assert "(w1)" in first

    def test_undetermined_lists_missing(self, claims):
        _, out, _ = run("explain", claims["undetermined"], "--policy", MINI, "--lang", "en")
        assert "Facts that would settle it:" in out
        assert "- Self-employed" in out and "- Organising a business" in out  # named in words; paths in --full and JSON

    def test_ineligible_shortfall(self, claims):
        _, out, _ = run("explain", claims["ineligible"], "--policy", MINI)
        assert "✗ 年龄16周岁以上:年龄 15岁,需要 16岁 以上(含),差 1岁" in out

    def test_json_output(self, claims):
        code, out, _ = run("explain", claims["employer"], "--policy", MINI, "--format", "json", "--rule", "award")
        assert code == 0
        data = json.loads(out)
        assert data["as_of"] == "2017-07-31"
        assert set(data["policy"]) == {"name", "version", "digest"}
        (decision,) = data["decisions"]
        assert decision["rule"] == "award" and decision["outcome"] == "eligible" and decision["amount"] == "1000.00"
        assert [i["outcome"] for i in decision["items"]] == ["eligible", "ineligible"]

    def test_every_rule_that_applies(self, claims):
        code, out, _ = run("explain", claims["employer"], "--policy", MINI, "--format", "json")
        assert code == 1  # award eligible, w2 ineligible
        assert [d["rule"] for d in json.loads(out)["decisions"]] == ["award", "w2"]

    def test_lang_en_and_full(self, claims):
        code, out, _ = run("explain", claims["employer"], "--policy", MINI, "--rule", "award", "--lang", "en", "--full")
        assert code == 0
        assert out.splitlines()[0] == "✓ Hiring award (award) — eligible · Amount CNY 1,000.00"
        assert "✓ #1 张三 — eligible · CNY 1,000.00" in out
        assert "✗ Contract of 12 months or more: Contract length 8 months; needs at least 12 months" in out
        assert "⟨contract_months >= 12⟩" in out

    def test_markdown(self, claims):
        code, out, _ = run("explain", claims["eligible"], "--policy", MINI, "--format", "markdown", "--lang", "en")
        assert code == 0 and out.startswith("## Entrepreneurship training subsidy (`w1`)")

    def test_as_of_option(self, claims):
        code, out, _ = run("explain", claims["employer"], "--policy", MINI, "--rule", "award", "--as-of", "2018-06-01",
                           "--format", "json")
        assert code == 0 and json.loads(out)["decisions"][0]["amount"] == "1200.00"
        code, out, _ = run("explain", claims["eligible"], "--policy", MINI, "--as-of", "2015-06-01")
        assert code == 1
        code, _, err = run("explain", claims["eligible"], "--policy", MINI, "--as-of", "2017-02-30")
        assert code == 2 and "Traceback" not in err

    @pytest.mark.parametrize("text, code_in_message", [
        ("labourer: {agee: 30}\n", "C002"),
        ("labourer: {status: retired}\n", "C006"),
        ("labourer: [1, 2\n", "C004"),
        ('{"labourer": {"age": NaN}}', "C004"),
        ("labourr: {}\n", "C003"),
        ("as_of: 2017-02-30\nlabourer: {}\n", "C001"),
        ("- just\n- a list\n", "C001"),
    ])
    def test_bad_claim_file(self, tmp_path, text, code_in_message):
        path = write(tmp_path / "bad.yaml", text)
        code, out, err = run("explain", path, "--policy", MINI, "--lang", "en")
        assert code == 2
        no_traceback(out, err)
        assert code_in_message in err
        # compiler style, file:line:column first, when the problem has a place in the file
        assert err.startswith("error: ") or re.match(rf"{re.escape(str(path))}:\d+:\d+: error\[{code_in_message}\]", err)

    def test_missing_claim_file(self, tmp_path):
        code, out, err = run("explain", tmp_path / "none.yaml", "--policy", MINI)
        assert code == 2
        no_traceback(out, err)
        assert "C011" in err

    def test_unknown_rule(self, claims):
        code, _, err = run("explain", claims["eligible"], "--policy", MINI, "--rule", "wl", "--lang", "en")
        assert code == 2 and "C008" in err

    def test_rule_for_another_entity(self, claims):
        code, _, err = run("explain", claims["eligible"], "--policy", MINI, "--rule", "award")
        assert code == 2 and "C009" in err

    def test_broken_policy(self, claims, tmp_path):
        directory = copy_mini(tmp_path / "p")
        (directory / "rules" / "w1.yaml").write_text("id: w1\n", encoding="utf-8")
        code, out, err = run("explain", claims["eligible"], "--policy", directory)
        assert code == 2
        no_traceback(out, err)
        assert "w1.yaml:1:1" in err


class TestRules:
    def test_json(self):
        code, out, _ = run("rules", "--policy", MINI, "--format", "json", "--lang", "en")
        assert code == 0
        rules = {r["id"]: r for r in json.loads(out)["rules"]}
        assert set(rules) == {"award", "w1", "w2"}
        w1 = rules["w1"]
        assert w1["title"] == "Entrepreneurship training subsidy"
        assert w1["applies_to"] == "labourer"
        assert w1["in_force"]["from"] == "2016-01-01" and w1["in_force"]["until"] is None
        assert [c["id"] for c in w1["conditions"]] == ["registered-poor", "trained", "self-employed", "organising", "working-age"]
        assert [c["id"] for c in rules["award"]["conditions"]] == ["poor", "contract", "insured"]

    def test_text(self):
        code, out, _ = run("rules", "--policy", MINI)
        assert code == 0
        assert "w1  创业培训补贴" in out
        assert "- working-age: 年龄16周岁以上" in out


TESTS = """
    cases:
      - name: 合同12个月,符合
        rule: award
        as_of: 2017-07-31
        claim:
          employer:
            hires:
              - {worker: {rural_registered_poor: true}, contract_months: 12, social_insurance: true}
        expect:
          outcome: eligible
          amount: 1000
      - name: 合同8个月,期望符合(这个用例写错了)
        rule: award
        as_of: 2017-07-31
        claim:
          employer:
            hires:
              - {worker: {rural_registered_poor: true, name: 李四}, contract_months: 8, social_insurance: true}
        expect:
          outcome: eligible
    """


class TestTestCommand:
    def test_one_passing_one_failing(self, tmp_path):
        directory = copy_mini(tmp_path)
        write(directory / "tests" / "award.yaml", TESTS)
        code, out, err = run("test", directory, "--lang", "en")
        assert code == 1
        no_traceback(out, err)
        assert "1 passed, 1 failed" in out
        assert "FAIL award · 合同8个月,期望符合(这个用例写错了)" in out
        assert "outcome: expected eligible, got ineligible" in out
        # the failure shows the explanation
        assert "| ✗ Hiring award (award) — not eligible" in out
        assert "Contract length 8 months; needs at least 12 months" in out
        assert "award.yaml:" in out  # where the case is

    def test_all_passing_and_verbose(self, tmp_path):
        directory = copy_mini(tmp_path)
        write(directory / "tests" / "award.yaml", TESTS.split("      - name: 合同8个月")[0])
        code, out, _ = run("test", directory, "-v")
        assert code == 0
        assert "PASS award · 合同12个月,符合" in out
        assert "1 passed, 0 failed" in out

    def test_keyword_filter(self, tmp_path):
        directory = copy_mini(tmp_path)
        write(directory / "tests" / "award.yaml", TESTS)
        code, out, _ = run("test", directory, "-k", "合同12")
        assert code == 0 and "1 passed, 0 failed" in out

    def test_expectations_on_failed_and_missing(self, tmp_path):
        directory = copy_mini(tmp_path)
        write(directory / "tests" / "w1.yaml", """
            cases:
              - name: too young
                rule: w1
                as_of: 2017-07-31
                claim: {labourer: {rural_registered_poor: true, attended_entrepreneurship_training: true, self_employed: true, age: 15}}
                expect: {outcome: ineligible, failed: [working-age], amount: null}
              - name: unknown business
                rule: w1
                as_of: 2017-07-31
                claim: {labourer: {rural_registered_poor: true, attended_entrepreneurship_training: true, age: 30}}
                expect: {outcome: undetermined, missing: [labourer.self_employed]}
              - name: wrong failed id
                rule: w1
                as_of: 2017-07-31
                claim: {labourer: {rural_registered_poor: true, attended_entrepreneurship_training: true, self_employed: true, age: 15}}
                expect: {failed: [trained]}
            """)
        code, out, _ = run("test", directory, "--lang", "en")
        assert code == 1
        assert "2 passed, 1 failed" in out
        assert "failed: expected condition 'trained' to fail; failing: working-age" in out

    def test_bad_test_file(self, tmp_path):
        directory = copy_mini(tmp_path)
        write(directory / "tests" / "bad.yaml", "cases:\n  - name: x\n    rul: award\n")
        code, out, err = run("test", directory, "--lang", "en")
        assert code == 2
        no_traceback(out, err)
        assert "E010" in err and "bad.yaml:3:5" in err


def _commands():
    parser = build_parser()
    for action in parser._actions:
        if getattr(action, "choices", None) and isinstance(action.choices, dict):
            return sorted(action.choices)
    raise AssertionError("no subcommands")


@pytest.mark.parametrize("command", _commands())
def test_help_of_every_command(command):
    code, out, err = run(command, "--help")
    assert code == 0
    assert out.startswith(f"usage: subsidy-rules {command}")
    assert err == ""


def test_top_level_help_and_version():
    code, out, _ = run("--help")
    assert code == 0 and "check" in out and "explain" in out
    code, out, _ = run("--version")
    assert code == 0 and out.startswith("subsidy-rules ")


def test_usage_errors_exit_2():
    code, out, err = run("explain")
    assert code == 2 and "usage:" in err
    code, out, err = run("frobnicate")
    assert code == 2 and "invalid choice" in err
    code, out, _ = run()
    assert code == 2 and "usage:" in out


def test_main_module_runs(tmp_path):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "subsidy_rules", "check", str(MINI), "--lang", "en"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def _bundled_policy_is_clean() -> bool:
    import subsidy_rules

    try:
        policy, _ = subsidy_rules.check_policy()
    except Exception:  # pragma: no cover - the bundled policy is being written
        return False
    return policy is not None


@pytest.mark.skipif(not _bundled_policy_is_clean(), reason="the bundled policy does not pass check yet")
def test_bundled_policy_defaults():
    code, out, err = run("check", "--lang", "en")
    assert code == 0 and out.startswith("ok: "), err
    code, out, _ = run("rules", "--format", "json")
    assert code == 0
    rules = json.loads(out)["rules"]
    assert rules
    for rule in rules:
        assert rule["title"] and rule["source"] and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rule["in_force"]["from"])
