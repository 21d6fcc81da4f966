"""Table inputs at their edges, through `evaluate` as a user runs it: each bad record is rejected by
its line and the others kept, both engines alike, and no option may make one file overwrite another."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from subsidy_rules.cli import main

LABOURER = {"id": "A", "as_of": "2017-07-31", "labourer": {"age": 30, "name": "王"}}
ENGINES = ["python", pytest.param("duckdb", marks=pytest.mark.skipif(
    __import__("importlib").util.find_spec("duckdb") is None, reason="pip install duckdb (the 'sql' extra)"))]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def lines(path: Path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_csv_cell_longer_than_the_csv_modules_default_limit_is_read(tmp_path, engine):
    path = tmp_path / "long.csv"
    path.write_text("id,as_of,labourer.age,labourer.name\nA,2017-07-31,30,a\nB,2017-07-31,31," + "x" * 131_073
                    + "\nC,2017-07-31,32,c\n", encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "records read 3 = decided 3 + rejected 0" in err, err
    assert [row["id"] for row in lines(tmp_path / "o.jsonl")] == ["A", "B", "C"]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_short_csv_row_is_rejected_in_words_of_a_table(tmp_path, engine):
    path = tmp_path / "short.csv"
    path.write_text("id,as_of,labourer.age\nA,2017-07-31,30\nB,2017-07-31\n", encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "line 3: [C011] cannot read the claim: the row has 2 cells, the header 3" in err, err
    assert "YAML" not in err


def test_a_list_position_past_the_longest_list_is_refused_at_the_header(tmp_path):
    path = tmp_path / "far.csv"
    path.write_text("id,as_of,employer.kind,employer.hires[999999999].contract_months\nA,2017-07-31,enterprise,12\n", encoding="utf-8")
    code, _, err = run("evaluate", path, "--lang", "en", "--out", tmp_path / "o.jsonl")
    assert code == 2 and "[C010]" in err and "limit 1000000" in err, err
    assert not (tmp_path / "o.jsonl").exists()


def test_a_full_width_dot_in_a_header_separates_like_a_dot(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_text("编号,评估日期,劳动者．年龄\nA,2017-07-31,30\n", encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", "five-lists", "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "records read 1 = decided 1 + rejected 0" in err, err


def test_an_excel_day_number_below_one_is_not_a_date(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in (["id", "as_of", "labourer.age"], ["A", "2017-07-31", 30], ["B", 0, 31], ["C", -1, 32], ["D", "2017-07-31", 33]):
        sheet.append(row)
    book.save(tmp_path / "serial.xlsx")
    code, _, err = run("evaluate", tmp_path / "serial.xlsx", "--rule", "five-lists", "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "line 3: [C001] as_of: expected a date" in err and "line 4: [C001] as_of: expected a date" in err, err
    assert "records read 4 = decided 2 + rejected 2" in err
    assert sorted({row["id"] for row in lines(tmp_path / "o.jsonl")}) == ["A", "D"]


@pytest.mark.parametrize("engine", ENGINES)
def test_dates_are_written_yyyy_mm_dd_only(tmp_path, engine):
    """date.fromisoformat takes 20170731 and week dates from Python 3.11 on: a claim's meaning must
    not depend on the Python that reads it."""
    path = tmp_path / "days.jsonl"
    days = ["2017-07-31", "20170731", "2017-W31-1", "2017W311", "2017-212"]
    path.write_text("".join(json.dumps(dict(LABOURER, id=str(n), as_of=day)) + "\n" for n, day in enumerate(days)), encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "records read 5 = decided 1 + rejected 4" in err, err
    assert all(f"got '{day}'" in err for day in days[1:])
    code, _, err = run("explain", path, "--rule", "five-lists", "--as-of", "20170731")
    assert code == 2 and "YYYY-MM-DD" in err


@pytest.mark.parametrize("engine", ENGINES)
def test_an_integer_id_of_any_size_is_written_as_given(tmp_path, engine):
    path = tmp_path / "ids.jsonl"
    ids = [510802199001012129, 10 ** 15, "GY-1", 7]
    path.write_text("".join(json.dumps(dict(LABOURER, id=i)) + "\n" for i in ids), encoding="utf-8")
    run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.jsonl")
    assert [row["id"] for row in lines(tmp_path / "o.jsonl")] == ids
    run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.csv")
    text = (tmp_path / "o.csv").read_text(encoding="utf-8-sig")
    assert ",510802199001012129,five-lists," in text and ",1000000000000000,five-lists," in text


def test_json_lines_on_standard_input_may_start_with_a_bom(tmp_path):
    data = ("\ufeff" + json.dumps(LABOURER) + "\n" + json.dumps(dict(LABOURER, id="B")) + "\n").encode("utf-8")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).parents[1] / "src"), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "subsidy_rules", "evaluate", "-", "--rule", "five-lists", "--lang", "en"],
                          input=data, capture_output=True, env=env, timeout=120)
    assert b"records read 2 = decided 2 + rejected 0" in done.stderr, done.stderr


def test_no_option_makes_one_file_overwrite_another(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps(LABOURER) + "\n" + '{"labourer": {"age": "x"}}\n', encoding="utf-8")
    kept = source.read_bytes()
    (tmp_path / "folder").mkdir()
    for args, words in (
        (["--out", source], "INPUT and --out name the same file"),
        (["--out", tmp_path / "r.jsonl", "--errors", tmp_path / "." / "r.jsonl"], "--out and --errors name the same file"),
        (["--errors", source], "INPUT and --errors name the same file"),
        (["--out", tmp_path / "folder"], "is a folder: give a file name"),
    ):
        code, _, err = run("evaluate", source, "--lang", "en", *args)
        assert code == 2 and words in err, (args, err)
        assert source.read_bytes() == kept and not (tmp_path / "r.jsonl").exists()
    code, _, err = run("evaluate", source, "--out", tmp_path / "folder", "--lang", "zh")
    assert "是一个文件夹" in err


@pytest.mark.parametrize("spec", ["rows.jsonl:²", "rows.jsonl:١", "rows.jsonl", "rows.jsonl:", "rows.jsonl:1.5", "rows.jsonl:0", ":1"])
def test_explain_row_says_how_to_write_file_and_line(tmp_path, spec, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rows.jsonl").write_text(json.dumps(LABOURER) + "\n", encoding="utf-8")
    code, out, err = run("explain", "--row", spec, "--lang", "en")
    assert code == 2 and f"--row is written FILE:LINE (lines count from 1, like labourers.jsonl:12), got '{spec}'" in err, err
    code, out, err = run("explain", "--row", "rows.jsonl:1", "--rule", "five-lists", "--lang", "en")
    assert code in (0, 1, 3) and "(five-lists)" in out, (out, err)


@pytest.mark.parametrize("engine", ENGINES)
def test_a_json_lines_problem_is_said_in_the_users_words_at_its_character(tmp_path, engine):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(LABOURER) + '\n{"labourer": {"age": 30 "x": 1}}\n{"labourer": {"age": NaN}}\n{"a": 1} x\n', encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.jsonl")
    assert "第 2 行: [C004] 申报材料不是有效的 YAML/JSON:第 25 个字符处:缺少半角逗号 “,”" in err, err
    assert "第 3 行: [C004] 申报材料不是有效的 YAML/JSON:NaN 不是申报材料可以写的数字" in err
    assert "第 4 行: [C004] 申报材料不是有效的 YAML/JSON:第 10 个字符处:一条记录之后还有多余的内容" in err
    assert "Expecting" not in err and "line 1 column" not in err


def test_an_evaluation_error_points_at_the_expression_that_met_it(tmp_path):
    """X002 (a day before year 1) at the add_months of the rule file, not at the rule's first line."""
    import subsidy_rules
    from subsidy_rules.claims import read_claim
    from subsidy_rules.resources import bundled_policy_dir
    from subsidy_rules.server.documents import plain_json

    policy = subsidy_rules.load_policy()
    root = Path(__file__).resolve().parents[1]
    claim = read_claim(root / "examples" / "claims" / "demonstration-village-eligible.yaml", policy.schema)
    claim = dict(claim, village=dict(claim["village"], assessment_date="0001-03-01", five_lists_updated_on="0001-01-01"))
    path = tmp_path / "village.json"
    path.write_text(json.dumps(plain_json(claim), ensure_ascii=False), encoding="utf-8")
    rule = bundled_policy_dir() / "rules" / "demonstration-village.yaml"
    line = next(n for n, text in enumerate(rule.read_text(encoding="utf-8").splitlines(), 1) if "add_months(village.assessment_date" in text)
    code, out, err = run("explain", path, "--rule", "demonstration-village", "--lang", "en")
    assert code == 2 and f"demonstration-village.yaml:{line}:" in err and "[X002]" in err, err
    assert err.rstrip().endswith("(with village.assessment_date = 0001-03-01, "
                                 "-$demo_village_list_update_max_months = -6)"), err  # the values it met


@pytest.mark.parametrize("engine", ENGINES)
def test_a_csv_record_over_two_lines_is_numbered_by_its_first(tmp_path, engine):
    path = tmp_path / "two.csv"
    path.write_text('id,as_of,labourer.age,labourer.name\nA,2017-07-31,30,ok\nB,2017-07-31,四十,"two\nlines"\n'
                    'C,2017-07-31,32,ok\n', encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "line 3: [C001] labourer.age: expected an integer, got '四十'" in err, err
    assert [row["line"] for row in lines(tmp_path / "o.jsonl")] == [2, 5]
    code, out, err = run("explain", "--row", f"{path}:3", "--lang", "en")
    assert code == 2 and "labourer.age: expected an integer, got '四十'" in err, err


def _with_saved_result(path: Path, cell: str, value: str) -> None:
    """Give one formula cell of the workbook a saved result, as Excel writes it (openpyxl never does)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as book:
        members = {info.filename: book.read(info.filename) for info in book.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    members[sheet], count = re.subn(rb'(<c r="' + cell.encode() + rb'"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v></v>)?',
                                    rb"\1<v>" + value.encode() + b"</v>", members[sheet])
    assert count == 1
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in members.items():
            book.writestr(name, data)


@pytest.mark.parametrize("engine", ENGINES)
def test_an_xlsx_formula_without_a_saved_result_is_refused_not_read_as_empty(tmp_path, engine):
    """A workbook a program wrote holds formulas no spreadsheet has computed: read as empty cells,
    the age would look not given and the record undetermined. The record is refused by its cell,
    the others kept; a formula whose result was saved is read as that result."""
    openpyxl = pytest.importorskip("openpyxl")
    path = tmp_path / "labourers.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "as_of", "labourer.name", "labourer.age"])
    sheet.append(["A", "2017-07-31", "王", 30])
    sheet.append(["B", "2017-07-31", "李", "=20+5"])       # never computed
    sheet.append(["C", "2017-07-31", "张", "=A1+1"])       # computed below: 41
    sheet.append([None, None, None, "=D5*0"])             # a row of formulas alone is no blank row
    book.save(path)
    _with_saved_result(path, "D4", "41")
    out = tmp_path / "o.jsonl"
    for lang, words in (("en", "D3: a formula whose result was never saved in the file"),
                        ("zh", "D3:公式没有保存计算结果")):
        code, _, err = run("evaluate", path, "--rule", "five-lists", "--engine", engine, "--out", out, "--lang", lang)
        assert words in err, err
    assert "第 5 行: [T013] D5:" in err and "读入 4 条 = 已判定 2 条 + 已拒绝 2 条" in err, err
    rows = lines(out)
    assert [row["id"] for row in rows] == ["A", "C"]
    code, text, _ = run("explain", "--row", f"{path}:4", "--rule", "five-lists", "--lang", "en")
    assert "41" in text, text  # the saved result is the fact's value
