"""The pytest plugin collects policy test cases as items, with readable failures."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _pytest(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=cwd, capture_output=True, text=True, timeout=300)


def test_bundled_policy_cases_are_collected_and_pass(tmp_path):
    result = _pytest(str(ROOT / "policy" / "tests"), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-2000:]
    from subsidy_rules.testing import load_cases

    cases, _ = load_cases(ROOT / "policy")
    assert f"{len(cases)} passed" in result.stdout


def test_a_failing_case_shows_what_differed_and_the_explanation(tmp_path):
    policy = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", policy)
    cases = policy / "tests" / "hiring-award.yaml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace("outcome: eligible", "outcome: ineligible", 1), encoding="utf-8")
    result = _pytest(str(cases), cwd=tmp_path)
    assert result.returncode == 1
    assert "1 failed" in result.stdout
    assert "outcome: expected ineligible, got eligible" in result.stdout
    assert "企业吸纳就业奖补 (hiring-award)" in result.stdout
    assert "hiring-award.yaml:" in result.stdout


def test_yaml_outside_a_policy_tests_folder_is_not_collected(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "cases.yaml").write_text("cases: []\n", encoding="utf-8")
    result = _pytest(str(tmp_path / "tests"), cwd=tmp_path)
    assert result.returncode == 5  # nothing collected: not a policy folder
