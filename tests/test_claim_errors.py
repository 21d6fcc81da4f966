"""Claim errors a clerk can act on (issue 9, part 7): file:line:column, positions counted from 1
in the words, every problem of a claim at once, rendered like a compiler's, exit code 2;
yes/no values and dates say what to write."""

from __future__ import annotations

import datetime as dt
import io
import json
import pickle
import re
from decimal import Decimal
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules import ClaimError, read_claim
from subsidy_rules.cli import main
from subsidy_rules.errors import people_path

ROOT = Path(__file__).resolve().parent.parent

BAD = """\
as_of: 2017-07-31
employer:
  kind: enterprize
  hires:
    - worker: {name: 王建国, poor_household: 是}
      contract_months: twelve
      hired_on: 2017/03/01
    - worker: {name: 李秀英, poor_houshold: true}
      contract_months: 12
"""


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy(ROOT / "policy")


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def refused(policy, path) -> ClaimError:
    with pytest.raises(ClaimError) as caught:
        read_claim(path, policy.schema, policy.info.counties)
    return caught.value


def test_every_problem_at_once_with_its_position(policy, tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text(BAD, encoding="utf-8")
    error = refused(policy, path)
    found = [(p.code, p.path, p.span.line, p.span.column) for p in error.problems]
    assert found == [
        ("C006", "employer.kind", 3, 9),
        ("C001", "employer.hires[0].worker.poor_household", 5, 43),
        ("C001", "employer.hires[0].contract_months", 6, 24),
        ("C001", "employer.hires[0].hired_on", 7, 17),
        ("C002", "employer.hires[1].worker.poor_houshold", 8, 27),
    ]
    assert all(p.span.file == str(path) for p in error.problems)


def test_the_words_count_from_one_and_the_json_path_from_zero(policy, tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text(BAD, encoding="utf-8")
    error = refused(policy, path)
    assert error.path == "employer.kind" and error.problems[2].path == "employer.hires[0].contract_months"
    zh = error.message("zh")
    # the person is named by position from 1 and by the name the claim gives
    assert "第1名 王建国 employer.hires[1].contract_months:应当是整数,实际是 'twelve'" in zh
    assert "第2名 李秀英 employer.hires[2].worker.poor_houshold" in zh
    assert "employer.hires[1].contract_months (worker 1, 王建国): expected an integer" in error.message("en")
    assert people_path("a.b[0].c[9]") == "a.b[1].c[10]"


def test_rendered_like_a_compiler_with_exit_code_2(tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text(BAD, encoding="utf-8")
    code, out, err = run("explain", path)
    assert code == 2 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{path}:3:9: 错误[C006]: employer.kind:枚举值 “enterprize” 无效,可选:" \
                       "enterprise, farmer_cooperative, individual_business, public_institution, other"
    assert lines[1] == "    3 |   kind: enterprize"
    assert lines[2] == "      |         ^^^^^^^^^^"
    assert sum(1 for line in lines if re.match(rf"{re.escape(str(path))}:\d+:\d+: 错误\[C00\d\]", line)) == 5
    assert lines[-1] == "申报材料中共 5 个错误"
    assert "Traceback" not in err


def test_yes_no_values_say_to_write_true_or_false(policy, tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text("labourer: {rural_registered_poor: 是}\n", encoding="utf-8")
    error = refused(policy, path)
    zh, en = error.message("zh"), error.message("en")
    assert "请写 true 或 false(是写 true,否写 false),实际是 '是'" in zh
    assert "应当是是/否" not in zh
    assert "write true or false (yes is true, no is false), got '是'" in en


def test_dates_in_claims_get_the_date_hint(policy, tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text("as_of: 2017-07-31\nemployer:\n  hires:\n    - hired_on: 2017/3/1\n", encoding="utf-8")
    error = refused(policy, path)
    text = error.message("zh")
    assert "应当是日期,写成 YYYY-MM-DD(例如 2017-07-31),实际是 '2017/3/1'" in text
    assert "提示:日期写成 YYYY-MM-DD,并确认这一天存在" in text  # the same hint as for dates in rules


def test_json_claims_have_positions_too(policy, tmp_path):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps({"labourer": {"age": "thirty", "agee": 3}}, ensure_ascii=False, indent=2), encoding="utf-8")
    error = refused(policy, path)
    assert [(p.code, p.span.line) for p in error.problems] == [("C001", 3), ("C002", 4)]


def test_a_yaml_syntax_error_in_a_claim_has_its_line(policy, tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text("labourer:\n  age: 30\n  name: [王\n", encoding="utf-8")
    error = refused(policy, path)
    assert error.code == "C004" and error.span is not None and error.span.line >= 3


def test_claim_errors_survive_pickling(policy, tmp_path):
    path = tmp_path / "claim.yaml"
    path.write_text(BAD, encoding="utf-8")
    error = refused(policy, path)
    again = pickle.loads(pickle.dumps(error))
    assert [p.path for p in again.problems] == [p.path for p in error.problems]
    assert again.message("zh") == error.message("zh")


def test_the_api_without_a_file_keeps_one_line_per_problem(policy):
    with pytest.raises(ClaimError) as caught:
        subsidy_rules.coerce_claim({"labourer": {"age": "x", "agee": 1}}, policy.schema)
    message = caught.value.message("en")
    assert "\n" not in message and message.count("[C00") == 2


@pytest.mark.parametrize("value, shown", [
    (True, "true"), (None, "null"), (Decimal("12.5"), "12.5"), (Decimal("1E+300"), "1E+300"),
    (dt.date(2017, 7, 31), "2017-07-31"), (dt.datetime(2017, 1, 1, 8, 30), "2017-01-01 08:30:00"),
    (dt.timedelta(seconds=1), "0:00:01"), (b"\xe7\x8e\x8b", "<3 bytes>"), ("十二", "'十二'"),
])
def test_a_wrong_value_is_shown_as_a_claim_writes_it(value, shown):
    """Not as Python writes it: Decimal('12.5'), datetime.date(2017, 7, 31), True."""
    from subsidy_rules.facts import describe

    assert describe(value) == shown


def test_a_json_claims_mistake_is_placed_and_worded_as_a_yaml_one(tmp_path):
    path = tmp_path / "claim.json"
    path.write_text('{"labourer": {"age": 30, "age": 31}}\n', encoding="utf-8")
    with pytest.raises(ClaimError) as caught:
        read_claim(path, subsidy_rules.load_policy().schema)
    assert f"{path}:1:26" in caught.value.message("en") and "duplicate key 'age' (first at 1:15)" in caught.value.message("en")
    assert "重复的键 “age”" in caught.value.message("zh")


def test_an_integer_past_pythons_digit_limit_is_out_of_range(tmp_path):
    path = tmp_path / "claim.json"
    path.write_text('{"labourer": {"age": ' + "9" * 5001 + "}}\n", encoding="utf-8")
    with pytest.raises(ClaimError) as caught:
        read_claim(path, subsidy_rules.load_policy().schema)
    assert "C005" in caught.value.message("en") and "digits" not in caught.value.message("en")


def test_a_jurisdiction_that_is_not_text_is_a_type_error_not_an_unknown_county():
    from subsidy_rules.claims import coerce_claim

    policy = subsidy_rules.load_policy()
    for value, words in ((["利州区"], "jurisdiction: expected text, got ['利州区']"), (7, "jurisdiction: expected text, got 7"),
                         ("利州县", "unknown county '利州县'; did you mean '利州区'?")):
        with pytest.raises(ClaimError) as caught:
            coerce_claim({"jurisdiction": value, "labourer": {"age": 30}}, policy.schema, policy.info.counties)
        assert words in caught.value.message("en"), caught.value.message("en")


def test_a_claim_lists_at_most_a_hundred_problems_and_counts_the_rest():
    """Every problem of a claim is found, but a claim of 5,000 bad items lists the first hundred: the
    message ends with how many more there are, the count line counts them all, and a worker process
    hands the error back whole."""
    from subsidy_rules.claims import MAX_LISTED

    policy = subsidy_rules.load_policy()
    with pytest.raises(ClaimError) as caught:
        subsidy_rules.coerce_claim({"employer": {"kind": "enterprise", "hires": ["x"] * 5000}}, policy.schema)
    error = caught.value
    assert (len(error.problems), error.more) == (MAX_LISTED, 5000 - MAX_LISTED)
    assert error.message("en").endswith("… and 4900 more errors, not listed")
    assert error.message("zh").endswith("……另有 4900 个错误未列出")
    assert error.count_line("en") == "5000 errors in the claim"
    again = pickle.loads(pickle.dumps(error))
    assert (again.more, again.message("en")) == (error.more, error.message("en"))
    with pytest.raises(ClaimError) as few:
        subsidy_rules.coerce_claim({"employer": {"kind": "enterprise", "hires": ["x"] * 3}}, policy.schema)
    assert few.value.more == 0 and "more" not in few.value.message("en")
