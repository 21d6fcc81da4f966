"""Tables in and out (the tables package, through `evaluate` and `lists`): every input format
gives the same decisions as JSON Lines, every output format holds the same rows, headers may
be Chinese labels, and an output file exists only when it is complete."""

from __future__ import annotations

import datetime as _dt
import io
import importlib.util
import json
from decimal import Decimal
from pathlib import Path

import pytest

import subsidy_rules
from subsidy_rules.cli import main
from subsidy_rules.tables import HeaderError, open_records
from subsidy_rules.tables.cells import typed_cell
from subsidy_rules.tables.headers import resolve

openpyxl = pytest.importorskip("openpyxl")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

GENERATOR = Path(__file__).resolve().parent.parent / "examples" / "guangyuan-2017" / "generate.py"
TRAINING = "entrepreneurship-training-subsidy"


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    spec = importlib.util.spec_from_file_location("guangyuan_city", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path_factory.mktemp("city")
    module.generate(out, scale=0.01, seed=2017, quiet=True)
    return out


def run(*args, stdin=None):
    import io

    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def flatten(value, prefix=""):
    """A claim as dotted columns: labourer.age, employer.hires[0].contract_months."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(flatten(item, f"{prefix}.{key}" if prefix else key))
        return found
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found.update(flatten(item, f"{prefix}[{index}]"))
        return found
    return {prefix: value}


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def decisions(path):
    """(id, rule, outcome, amount, missing) of every row of a JSON Lines output, in order."""
    return [(r["id"], r["rule"], r["outcome"], r["amount"], tuple(r["missing"])) for r in records(path)]


def label_path(policy, dotted):
    """labourer.age -> 劳动者.年龄 (list indices kept)."""
    schema = policy.schema
    if dotted in ("id", "as_of", "jurisdiction"):
        return {"id": "编号", "as_of": "评估日期", "jurisdiction": "管辖县区"}[dotted]
    pieces = dotted.split(".")
    entity = schema.entities[pieces[0]]
    words = [entity.label.zh]
    for piece in pieces[1:]:
        name, _, index = piece.partition("[")
        field = entity.fields[name]
        words.append(field.label.zh + (f"[{index}" if index else ""))
        if field.of:
            entity = schema.entities[field.of]
    return ".".join(words)


def table_of(path):
    rows = [flatten(r) for r in records(path)]
    columns = list(dict.fromkeys(k for row in rows for k in row))
    return columns, rows


def write_xlsx(path, header, rows, title=None):
    book = openpyxl.Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)


# ====================================================================== headers and cells


class TestHeaders:
    @pytest.mark.parametrize("header, entity, path", [
        ("labourer.age", None, ("labourer", "age")),
        ("劳动者.年龄", None, ("labourer", "age")),
        ("年龄", None, ("labourer", "age")),
        ("年龄", "labourer", ("labourer", "age")),
        ("劳动者.年龄", "labourer", ("labourer", "age")),
        ("Labourer.Age", None, ("labourer", "age")),
        ("用人单位.吸纳的劳动者[1].劳动者.姓名", None, ("employer", "hires", 1, "worker", "name")),
        ("labourer.Organising a business (leads others in starting one, e.g. a cooperative)", None,
         ("labourer", "organising_business")),
        ("编号", None, ("id",)),
        ("评估日期", "labourer", ("as_of",)),
        ("As of", None, ("as_of",)),
    ])
    def test_dotted_and_label_headers(self, policy, header, entity, path):
        assert resolve(header, policy.schema, entity)[0] == path

    def test_unknown_label_suggests_the_closest(self, policy):
        with pytest.raises(HeaderError) as caught:
            resolve("劳动者.年令", policy.schema, None, position=2)
        assert caught.value.message("zh") == "表头:[T001] 第 3 列(C)“劳动者.年令”:未知的列,是否想写 “年龄”?"
        assert "column 3 (C) '劳动者.年令': unknown column; did you mean '年龄'?" in caught.value.message("en")

    def test_ambiguous_label_names_every_candidate(self, policy):
        with pytest.raises(HeaderError) as caught:
            resolve("所在县区", policy.schema)
        text = caught.value.message("en")
        assert "[T002]" in text and "employer.county_name, job_agency.county_name" in text


class TestCells:
    @pytest.mark.parametrize("kind, value, expected", [
        ("integer", 1000.0, 1000),
        ("money", 1000.0, Decimal("1000")),
        ("money", 0.1, Decimal("0.1")),
        ("money", 1234.56, Decimal("1234.56")),
        ("money", "1,234.50", Decimal("1234.50")),
        ("bool", "是", True),
        ("bool", "否", False),
        ("bool", "yes", True),
        ("bool", 1, True),
        ("date", _dt.datetime(2017, 7, 31), _dt.date(2017, 7, 31)),
        ("text", 510802.0, "510802"),
        ("special", 7.0, 7),
        ("integer", "", None),
    ])
    def test_typed_cells(self, kind, value, expected):
        got = typed_cell(kind, value)
        assert got == expected and type(got) is type(expected)

    def test_an_excel_day_number_in_a_date_column(self):
        assert typed_cell("date", 42947, serial_dates=True) == _dt.date(2017, 7, 31)
        assert typed_cell("date", 42947) == 42947  # Parquet: a number is not a date


# ====================================================================== a township's workbook


def township_workbook(path):
    """What a township sends: a title row, Chinese headers, 是/否, numbers as floats, Excel dates."""
    header = ["序", "编号", "评估日期", "姓名", "年龄", "农村建卡贫困家庭劳动者", "参加了创业培训", "组织创业(牵头组织他人共同创业,如领办合作社)",
              "就业状态"]
    header[0] = None  # an unnamed first column, empty in every row
    rows = [
        [None, "T1", _dt.datetime(2017, 7, 31), "赵六", 40.0, "是", "是", "是", "self_employed"],
        [None, "T2", _dt.datetime(2017, 7, 31), "钱七", 35, True, "是", None, None],
        [],
        [None, "T3", _dt.datetime(2017, 7, 31), "孙八", "四十", "是", "否", "否", "farming"],
        [None, 4.0, 42947, "李九", 33, "否", "是", "否", "farming"],
    ]
    write_xlsx(path, header, rows, title="广元市××镇农村劳动力信息表")


def test_a_township_workbook_with_chinese_headers(tmp_path):
    book = tmp_path / "乡镇.xlsx"
    township_workbook(book)
    out = tmp_path / "d.jsonl"
    code, _, err = run("evaluate", book, "--entity", "labourer", "--rule", TRAINING, "--out", out, "--lang", "en")
    rows = records(out)
    # the header is on sheet row 2 (under the title); data rows are numbered as Excel numbers them
    assert [(r["line"], r["id"], r["outcome"]) for r in rows] == [
        (3, "T1", "eligible"), (4, "T2", "undetermined"), (7, 4, "ineligible")]
    assert rows[0]["amount"] == "1500.00"
    assert "line 6: [C001] labourer.age: expected an integer, got '四十'" in err
    assert "records read 4 = decided 3 + rejected 1" in err
    assert code == 2


def test_an_unknown_workbook_header_stops_before_any_record(tmp_path):
    book = tmp_path / "t.xlsx"
    write_xlsx(book, ["编号", "姓名", "年令"], [["T1", "赵六", 40]])
    out = tmp_path / "d.jsonl"
    code, _, err = run("evaluate", book, "--entity", "labourer", "--out", out)
    assert code == 2
    assert "表头:[T001] 第 3 列(C)“年令”:未知的列,是否想写 “年龄”?" in err
    assert not out.exists() and not list(tmp_path.glob(".*partial"))


def test_a_value_under_no_header_rejects_its_row(tmp_path):
    book = tmp_path / "t.xlsx"
    write_xlsx(book, ["编号", "年龄"], [["T1", 40], ["T2", 41, "多出来的"]])
    code, out, err = run("evaluate", book, "--entity", "labourer", "--rule", TRAINING, "--lang", "en")
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["T1"]
    assert "line 3: [T005] C3: this column has no header but holds a value" in err
    assert code == 2


def test_a_named_sheet_and_a_missing_one(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "说明"
    book.active.append(["这张表不是数据"])
    data = book.create_sheet("劳动力")
    data.append(["编号", "年龄"])
    data.append(["T1", 40])
    path = tmp_path / "t.xlsx"
    book.save(path)
    code, out, _ = run("evaluate", path, "--entity", "labourer", "--rule", TRAINING, "--sheet", "劳动力")
    assert json.loads(out)["id"] == "T1"
    code, _, err = run("evaluate", path, "--entity", "labourer", "--sheet", "名单", "--lang", "en")
    assert code == 2 and "[T007] the workbook has no sheet named '名单'; sheets: 说明, 劳动力" in err


def test_a_file_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    path.write_text("not a zip", encoding="utf-8")
    code, _, err = run("evaluate", path, "--lang", "en")
    assert code == 2 and "[T004] cannot read the xlsx file" in err and "Traceback" not in err


# ====================================================================== every input format, the same decisions


@pytest.fixture(scope="module")
def reference(city, tmp_path_factory):
    """The decisions of the city's labourers and employers read from JSON Lines."""
    work = tmp_path_factory.mktemp("ref")
    found = {}
    for name in ("labourers", "employers"):
        out = work / f"{name}.jsonl"
        code, _, _ = run("evaluate", city / f"{name}.jsonl", "--out", out)
        assert code == 0
        found[name] = decisions(out)
    return found


@pytest.mark.parametrize("name", ["labourers", "employers"])
@pytest.mark.parametrize("how", ["csv", "xlsx-dotted", "xlsx-labels", "parquet-flat", "parquet-nested"])
def test_every_input_format_gives_the_same_decisions(policy, city, reference, tmp_path, name, how):
    source = city / f"{name}.jsonl"
    columns, rows = table_of(source)
    if how == "csv":
        import csv

        path = tmp_path / "t.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else str(row[c]).lower() if isinstance(row.get(c), bool)
                                 else row[c] for c in columns])
    elif how.startswith("xlsx"):
        path = tmp_path / "t.xlsx"
        header = [label_path(policy, c) for c in columns] if how == "xlsx-labels" else columns
        write_xlsx(path, header, [[row.get(c) for c in columns] for row in rows])
    elif how == "parquet-flat":
        path = tmp_path / "t.parquet"
        table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
        pq.write_table(table, path)
    else:
        path = tmp_path / "t.parquet"
        pq.write_table(pa.Table.from_pylist(records(source)), path)
    out = tmp_path / "d.jsonl"
    code, _, err = run("evaluate", path, "--out", out)
    assert code == 0, err
    # a flat table cannot say "an empty list" (no hires): it says "not given", so those differ
    flat = how != "parquet-nested"
    empty = {r["id"] for r in records(source) if flat and "[]" in json.dumps(r)}
    assert empty == set() if name == "labourers" else len(empty) < 5
    assert [d for d in decisions(out) if d[0] not in empty] == [d for d in reference[name] if d[0] not in empty]
    lines = sorted({r["line"] for r in records(out)})
    first = {"csv": 2, "xlsx-dotted": 2, "xlsx-labels": 2}.get(how, 1)  # under a header row, or from 1
    assert lines[0] == first and lines[-1] == first + len(rows) - 1


def test_parquet_bad_records_are_reported_by_row(tmp_path):
    rows = [{"id": f"P{i}", "labourer.age": 30 + i, "labourer.gender": None} for i in range(5)]
    rows[3]["labourer.age"] = None
    rows[3]["labourer.gender"] = "unknown"
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "t.parquet")
    code, out, err = run("evaluate", tmp_path / "t.parquet", "--rule", TRAINING, "--lang", "en")
    assert "line 4: [C006] labourer.gender: invalid value 'unknown'" in err
    assert "records read 5 = decided 4 + rejected 1" in err
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 2, 3, 5]


def test_open_records_reads_every_format_from_standard_input(policy, tmp_path):
    import io

    pq.write_table(pa.Table.from_pylist([{"labourer.age": 40}]), tmp_path / "t.parquet")

    class Stdin(io.StringIO):
        buffer = io.BytesIO((tmp_path / "t.parquet").read_bytes())

    with open_records("-", "parquet", policy.schema, stdin=Stdin()) as source:
        assert [r.data for r in source.records] == [{"labourer": {"age": 40}}]


# ====================================================================== every output format, the same rows


@pytest.fixture(scope="module")
def outputs(city, tmp_path_factory):
    work = tmp_path_factory.mktemp("outputs")
    made = {}
    for fmt, lang in (("jsonl", "zh"), ("csv", "zh"), ("csv", "en"), ("xlsx", "zh"), ("xlsx", "en"), ("parquet", "zh")):
        path = work / f"d-{lang}.{fmt}"
        code, _, err = run("evaluate", city / "employers.jsonl", "--out", path, "--lang", lang)
        assert code == 0, err
        made[fmt, lang] = path
    return made


def jsonl_rows(path):
    return [(r["line"], r["id"], r["rule"], r["outcome"], r["amount"], ";".join(r["missing"])) for r in records(path)]


def test_csv_output_has_a_bom_and_headers_in_the_chosen_language(outputs):
    zh = outputs["csv", "zh"].read_bytes()
    en = outputs["csv", "en"].read_bytes()
    assert zh.startswith("\ufeff行号,编号,规则,结果,金额,待补充的信息\n".encode("utf-8"))
    assert en.startswith("\ufeffline,id,rule,outcome,amount,missing\n".encode("utf-8"))
    assert zh.split(b"\n", 1)[1] == en.split(b"\n", 1)[1]  # only the header differs
    import csv

    body = list(csv.reader(outputs["csv", "en"].read_text(encoding="utf-8-sig").splitlines()))[1:]
    want = [tuple("" if v is None else str(v) for v in row) for row in jsonl_rows(outputs["jsonl", "zh"])]
    assert [tuple(row) for row in body] == want


def test_xlsx_output_holds_the_same_rows_with_headers_in_the_chosen_language(outputs):
    want = jsonl_rows(outputs["jsonl", "zh"])
    for lang, head in (("zh", ("行号", "编号", "规则", "结果", "金额", "待补充的信息")),
                       ("en", ("line", "id", "rule", "outcome", "amount", "missing"))):
        book = openpyxl.load_workbook(outputs["xlsx", lang])
        sheet = book.worksheets[0]
        assert sheet.title == {"zh": "判定结果", "en": "results"}[lang]
        values = list(sheet.iter_rows(values_only=True))
        assert values[0] == head
        got = [(line, ident, rule, outcome, None if amount is None else f"{Decimal(str(amount)):.2f}", missing or "")
               for line, ident, rule, outcome, amount, missing in values[1:]]
        assert got == want
        amounts = [row[4] for row in sheet.iter_rows(min_row=2) if row[4].value is not None]
        assert amounts and all(c.data_type == "n" and c.number_format == "0.00" for c in amounts)


def test_parquet_output_is_typed(outputs):
    table = pq.read_table(outputs["parquet", "zh"])
    assert str(table.schema.field("amount").type) == "decimal128(38, 2)"
    assert str(table.schema.field("missing").type).startswith("list")
    got = [(r["line"], r["id"], r["rule"], r["outcome"], None if r["amount"] is None else format(r["amount"], "f"),
            ";".join(r["missing"])) for r in table.to_pylist()]
    assert got == jsonl_rows(outputs["jsonl", "zh"])


def test_text_in_an_xlsx_output_never_becomes_a_formula(tmp_path):
    claims = tmp_path / "c.jsonl"
    claims.write_text(json.dumps({"id": "=HYPERLINK(\"http://x\")", "labourer": {"age": 40}}) + "\n"
                      + json.dumps({"id": "bell\x07", "labourer": {"age": 40}}) + "\n", encoding="utf-8")
    out = tmp_path / "d.xlsx"
    run("evaluate", claims, "--rule", TRAINING, "--out", out)
    sheet = openpyxl.load_workbook(out).worksheets[0]
    assert sheet["B2"].value == '=HYPERLINK("http://x")' and sheet["B2"].data_type == "s"
    assert sheet["B3"].value == "bell\ufffd"  # a control character no cell may hold


def test_the_out_suffix_chooses_the_format_and_binary_formats_need_a_file(city, tmp_path):
    out = tmp_path / "d.parquet"
    assert run("evaluate", city / "employers.jsonl", "--out", out)[0] == 0
    assert pq.read_table(out).num_rows > 0
    code, _, err = run("evaluate", city / "employers.jsonl", "--format", "xlsx", "--lang", "en")
    assert code == 2 and "--format xlsx needs an output file" in err


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_jobs_1_and_2_write_the_same_bytes(city, tmp_path, fmt):
    made = []
    for jobs in (1, 2):
        out = tmp_path / f"d{jobs}.{fmt}"
        code, _, _ = run("evaluate", city / "labourers-with-errors.jsonl", "--out", out, "--jobs", jobs,
                         "--errors", tmp_path / f"e{jobs}.txt")
        assert code == 2
        made.append((out.read_bytes(), (tmp_path / f"e{jobs}.txt").read_bytes()))
    assert made[0] == made[1] and made[0][0] and made[0][1]


def test_lists_writes_workbooks_too(city, tmp_path):
    out = tmp_path / "lists"
    code, _, _ = run("lists", city / "labourers.jsonl", "--out", out, "--format", "xlsx", "--format", "csv")
    assert code == 0
    assert sorted(p.suffix for p in out.glob("transferred-out.*")) == [".csv", ".xlsx"]
    sheet = openpyxl.load_workbook(out / "transferred-out.xlsx").worksheets[0]
    assert sheet.title == "转移输出名单"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("行号", "编号", "姓名", "县区", "乡镇", "村", "理由")
    import csv

    with open(out / "transferred-out.csv", encoding="utf-8-sig", newline="") as stream:
        from_csv = list(csv.reader(stream))
    assert [[("" if v is None else str(v)) for v in row] for row in rows] == from_csv


def test_the_example_township_workbook_of_the_docs(tmp_path):
    """docs/zh/excel.md and docs/en/excel.md show these figures."""
    spec = importlib.util.spec_from_file_location(
        "make_workbook", Path(__file__).resolve().parent.parent / "examples" / "township" / "make_workbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    book = tmp_path / "运山镇.xlsx"
    module.make(str(book))
    out = tmp_path / "结果.xlsx"
    code, _, err = run("evaluate", book, "--entity", "labourer", "--rule", TRAINING, "--out", out)
    assert code == 2
    assert err.splitlines()[0] == "第 6 行: [C001] labourer.age:应当是整数,实际是 '三十五'"
    assert err.splitlines()[-1] == "读入 5 条 = 已判定 4 条 + 已拒绝 1 条"
    rows = list(openpyxl.load_workbook(out).worksheets[0].iter_rows(values_only=True))
    assert [(r[0], r[1], r[3], r[4]) for r in rows[1:]] == [
        (3, "YS-001", "ineligible", None), (4, "YS-002", "eligible", 1500), (5, "YS-003", "ineligible", None),
        (7, "YS-005", "eligible", 1500)]
    code, out_text, _ = run("lists", book, "--out", tmp_path / "名单", "--format", "xlsx")
    assert out_text.splitlines()[:6] == [
        "基础信息名单 (basic-information): 4", "转移输出名单 (transferred-out): 1", "就业培训名单 (employment-training): 3",
        "自主创业名单 (self-employment): 2", "公益性岗位安置名单 (public-welfare-post): 1", "信息不全记录 (incomplete): 1"]
    sheet = openpyxl.load_workbook(book).active
    sheet["F2"] = "年令"
    sheet.parent.save(tmp_path / "错.xlsx")
    code, _, err = run("evaluate", tmp_path / "错.xlsx", "--entity", "labourer")
    assert (code, err) == (2, "错误:表头:[T001] 第 6 列(F)“年令”:未知的列,是否想写 “年龄”?\n")


def test_more_rows_than_a_sheet_holds(city, tmp_path, monkeypatch):
    from subsidy_rules.tables import writers

    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 11)
    out = tmp_path / "d.xlsx"
    code, _, err = run("evaluate", city / "employers.jsonl", "--out", out, "--lang", "en")
    assert code == 4
    assert err.startswith(f"cannot write {out}: [T008] an xlsx sheet holds at most 10 rows and the output has more")
    assert list(tmp_path.iterdir()) == []


def test_an_output_folder_that_does_not_exist(city, tmp_path):
    out = tmp_path / "no" / "d.jsonl"
    code, _, err = run("evaluate", city / "employers.jsonl", "--out", out, "--lang", "en")
    assert code == 4
    assert err.startswith(f"cannot write {out}: No such file or directory; the file was not made")


def test_without_the_tables_extra_the_message_names_the_package(tmp_path, monkeypatch):
    import sys

    book = tmp_path / "t.xlsx"
    write_xlsx(book, ["编号", "年龄"], [["T1", 40]])
    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if it were not installed
    code, _, err = run("evaluate", book, "--entity", "labourer", "--lang", "en")
    assert (code, err) == (2, "error: [T003] xlsx files need the Python package openpyxl: "
                              "pip install 'subsidy-rules[tables]'\n")


# ====================================================================== a property: every format reads back what was written

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12).filter(
    lambda t: t.strip() == t and not t.startswith("="))  # (a test workbook made by openpyxl: "=" is a formula)
LABOURER = st.fixed_dictionaries({"age": st.integers(0, 120)}, optional={
    "name": TEXT,
    "rural_registered_poor": st.booleans(),
    "entrepreneurship_training_attended": st.booleans(),
    "employment_status": st.sampled_from(["transferred_out", "self_employed", "farming"]),
})


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(LABOURER, min_size=1, max_size=6), fmt=st.sampled_from(["csv", "xlsx", "parquet"]))
def test_a_table_reads_back_as_the_claims_it_was_made_from(policy, tmp_path, people, fmt):
    from subsidy_rules.claims import coerce_claim

    columns = ["id", "labourer.name", "labourer.age", "labourer.rural_registered_poor",
               "labourer.entrepreneurship_training_attended", "labourer.employment_status"]
    rows = [[f"R{i}"] + [person.get(c.split(".")[1]) for c in columns[1:]] for i, person in enumerate(people)]
    path = tmp_path / f"t.{fmt}"
    if fmt == "csv":
        import csv

        with open(path, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            writer.writerows([["" if v is None else ("是" if v is True else "否" if v is False else v) for v in row]
                              for row in rows])
    elif fmt == "xlsx":
        write_xlsx(path, [label_path(policy, c) for c in columns], rows)
    else:
        pq.write_table(pa.table({c: [row[i] for row in rows] for i, c in enumerate(columns)}), path)
    with open_records(str(path), None, policy.schema) as source:
        got = [coerce_claim(r.data, policy.schema) for r in source.records]
    assert got == [{"id": f"R{i}", "labourer": person} for i, person in enumerate(people)]


def test_utf8_bytes_are_written_as_the_same_text(tmp_path):
    """write_utf8 (DuckDB's text as UTF-8 bytes) writes what write_encoded writes: straight to our
    own file's bytes, in order with text written before; decoded for a stream of the caller's,
    which may translate line ends (its own choice, kept)."""
    import io

    from subsidy_rules.batch import evaluate_columns
    from subsidy_rules.tables import open_writer

    text = '{"line": 1, "id": "甲"}\n{"line": 2, "id": "b"}\n'
    outputs = {}
    for how in ("encoded", "utf8"):
        path = tmp_path / f"{how}.csv"
        writer = open_writer(path, "csv", evaluate_columns("csv", False), "zh")  # a header, then rows
        for part in (text[:10], text[10:]):
            if how == "encoded":
                writer.write_encoded(part, 1)
            else:
                writer.write_utf8(memoryview(part.encode("utf-8")), 1)
        assert writer.rows == 2
        writer.close()
        outputs[how] = path.read_bytes()
    assert outputs["utf8"] == outputs["encoded"] and outputs["utf8"].startswith("\ufeff".encode("utf-8"))
    for make in (io.StringIO, lambda: io.TextIOWrapper(io.BytesIO(), encoding="utf-8", newline="\r\n")):
        found = []
        for how in ("encoded", "utf8"):
            stream = make()
            writer = open_writer(stream, "jsonl", evaluate_columns("jsonl", False), "zh")
            writer.write_encoded(text, 2) if how == "encoded" else writer.write_utf8(text.encode("utf-8"), 2)
            writer.close()
            found.append(stream.getvalue() if isinstance(stream, io.StringIO) else stream.buffer.getvalue())
        assert found[0] == found[1]
        if not isinstance(found[0], str):
            assert b"\r\n" in found[0]  # the caller's translation of line ends, kept


# ====================================================================== text that is not UTF-8

GOOD = '{"as_of": "2017-07-31", "labourer": {"age": 40, "name": "张三", "rural_registered_poor": true}}\n'


def gbk_line(name="李四"):
    return ('{"as_of": "2017-07-31", "labourer": {"age": 41, "name": "' + name + '"}}\n').encode("gb18030")


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_json_line_not_in_utf8_is_rejected_by_its_line_and_the_others_decided(tmp_path, engine):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(GOOD.encode() + gbk_line() + GOOD.encode() + b"\n" + gbk_line("王五"))
    code, out, err = run("evaluate", path, "--engine", engine, "--rule", TRAINING, "--lang", "en")
    assert code == 2 and "internal error" not in err and "Traceback" not in err
    assert [json.loads(line)["line"] for line in out.splitlines()] == [1, 3]
    # the byte: where the first GB 18030 byte of 李四 is, counted in the line from 1
    column = len('{"as_of": "2017-07-31", "labourer": {"age": 41, "name": "'.encode()) + 1
    assert f"line 2: [T010] this line is not UTF-8 text (byte {column} is 0xC0)" in err
    assert "line 5: [T010]" in err and "CSV UTF-8" in err
    assert "records read 4 = decided 2 + rejected 2" in err


def test_both_engines_write_the_same_for_a_file_not_in_utf8(tmp_path):
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(gbk_line() + GOOD.encode() * 3 + gbk_line())
    python, duckdb = (run("evaluate", path, "--engine", engine) for engine in ("python", "duckdb"))
    assert python == duckdb and python[0] == 2 and "第 1 行: [T010]" in python[2]


def test_a_csv_file_saved_in_gbk_names_the_line_and_column(tmp_path):
    path = tmp_path / "township.csv"
    path.write_bytes("labourer.age,labourer.name\n40,张三\n41,\n".encode("gb18030"))
    code, out, err = run("evaluate", path, "--rule", TRAINING)
    assert code == 2 and "internal error" not in err
    assert "第 2 行: [T011] 第 2 列的文字不是 UTF-8 编码(其中一个字节是 0xD5)" in err
    assert [json.loads(line)["line"] for line in out.splitlines()] == [3]
    assert "读入 2 条 = 已判定 1 条 + 已拒绝 1 条" in err


def test_a_csv_header_not_in_utf8_rejects_the_file_as_its_first_line(tmp_path):
    path = tmp_path / "township.csv"
    path.write_bytes("年龄,姓名\n40,张三\n".encode("gb18030"))
    code, out, err = run("evaluate", path, "--entity", "labourer", "--lang", "en")
    assert code == 2 and out == "" and "internal error" not in err
    assert "line 1: [T011] the text in column 1 is not UTF-8 (a byte of it is 0xC4)" in err


def test_a_yaml_list_not_in_utf8_names_its_line(tmp_path):
    path = tmp_path / "claims.yaml"
    path.write_bytes("- labourer: {age: 40}\n- labourer: {age: 41, name: 张三}\n".encode("gb18030"))
    code, out, err = run("evaluate", path, "--lang", "en")
    assert code == 2 and "line 2: [T010] this line is not UTF-8 text (byte 29 is 0xD5)" in err


def test_standard_input_not_in_utf8_is_rejected_by_line(tmp_path, monkeypatch):
    import io
    import sys

    data = GOOD.encode() + gbk_line()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    code, out, err = run("evaluate", "-", "--rule", TRAINING, "--engine", "python")
    assert code == 2 and "第 2 行: [T010]" in err and [json.loads(x)["line"] for x in out.splitlines()] == [1]


def test_an_escaped_half_character_is_not_taken_for_a_byte_that_is_not_utf8(tmp_path):
    path = tmp_path / "escaped.jsonl"
    path.write_text(GOOD + '{"labourer": {"name": "\\udcd5"}}\n', encoding="utf-8")
    code, _, err = run("evaluate", path, "--rule", TRAINING, "--engine", "python")
    assert code == 2 and "第 2 行: [C004]" in err and "T010" not in err


def test_a_workbook_header_below_blank_rows_is_found(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for _ in range(12):
        sheet.append([])
    sheet.append(["id", "as_of", "labourer.age"])
    sheet.append(["A", "2017-07-31", 30])
    book.save(tmp_path / "low.xlsx")
    code, out, err = run("evaluate", tmp_path / "low.xlsx", "--rule", "five-lists", "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "records read 1 = decided 1 + rejected 0" in err, err


def test_an_empty_sheet_is_an_error_naming_the_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "首页"
    data = book.create_sheet("数据")
    data.append(["id", "as_of", "labourer.age"])
    data.append(["A", "2017-07-31", 30])
    book.save(tmp_path / "two.xlsx")
    code, out, err = run("evaluate", tmp_path / "two.xlsx", "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert code == 2 and "[T012] sheet '首页' holds no table" in err and "首页, 数据 (choose one with --sheet)" in err, err
    code, out, err = run("evaluate", tmp_path / "two.xlsx", "--sheet", "数据", "--rule", "five-lists", "--out", tmp_path / "o.jsonl", "--lang", "en")
    assert "records read 1 = decided 1 + rejected 0" in err, err


class TestUncomputedFormulas:
    """The scan of a sheet's XML for formulas without a saved result (tables/formulas.py)."""

    SHEET = (b'<?xml version="1.0"?><x:worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             b'<x:sheetData><x:row r="2"><x:c r="B2"><x:f>1+1</x:f><x:v>2</x:v></x:c>'
             b'<x:c r="C2"><x:f t="shared" ref="C2:C3" si="0">A2*2</x:f></x:c></x:row>'
             b'<x:row><x:c><x:v>1</x:v></x:c><x:c/><x:c><x:f t="shared" si="0"/><x:v></x:v></x:c></x:row>'
             b'<x:row r="9"><x:c r="AA9" t="str"><x:f>"a"</x:f><x:v>a</x:v></x:c>'
             b'<x:c r="AB9" t="str"><x:f>IF(1,"","")</x:f><x:v></x:v></x:c></x:row>'
             b'</x:sheetData></x:worksheet>')

    def test_cells_with_a_formula_and_no_value_are_found_by_row_and_column(self):
        from subsidy_rules.tables.formulas import has_formulas, uncomputed_cells

        assert has_formulas(io.BytesIO(self.SHEET))
        # C2 has no value; the third cell of row 3 (no references: counted) has an empty one
        assert uncomputed_cells(io.BytesIO(self.SHEET)) == {2: {2}, 3: {2}}

    def test_a_sheet_without_formulas_is_scanned_once_for_the_tag(self):
        from subsidy_rules.tables import formulas

        plain = b"<worksheet><sheetData>" + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' * 100_000 + b"</sheetData></worksheet>"
        assert not formulas.has_formulas(io.BytesIO(plain))
        # the tag split across two blocks is still seen
        at = formulas.CHUNK - 2
        split = plain[:at] + b"<f>1</f>" + plain[at:]
        assert formulas.has_formulas(io.BytesIO(split))

    def test_an_array_formula_without_a_result_fills_its_whole_range(self):
        from subsidy_rules.tables.formulas import uncomputed_cells

        sheet = (b'<worksheet><sheetData><row r="2"><c r="B2"><f t="array" ref="B2:C3">A2:A3*2</f></c></row>'
                 b'<row r="3"><c r="B3"/></row>'
                 b'<row r="5"><c r="D5"><f t="array" ref="D5:D6">1</f><v>1</v></c></row>'
                 b'<row r="7"><c r="E7"><f t="array" ref="A1:B2">1</f></c></row></sheetData></worksheet>')
        # B2:C3 unsaved fills four cells; D5:D6 saved fills none; a range not holding its cell is its cell only
        assert uncomputed_cells(io.BytesIO(sheet)) == {2: {1, 2}, 3: {1, 2}, 7: {4}}


def unsaved_workbook(path, header_formula=False):
    """A workbook as a program writes it: formulas whose results were never saved."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["编号", '="年龄"' if header_formula else "年龄"])
    sheet.append(["A", 30])
    sheet.append(["B", "=20+20"])
    book.save(path)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_header_formula_without_a_result_is_refused_by_its_cell(tmp_path, engine):
    unsaved_workbook(tmp_path / "h.xlsx", header_formula=True)
    code, _, err = run("evaluate", tmp_path / "h.xlsx", "--entity", "labourer", "--engine", engine, "--lang", "en")
    assert code == 2 and "[T013] B1: a formula" in err and "T005" not in err, err
    unsaved_workbook(tmp_path / "d.xlsx")
    code, out, err = run("evaluate", tmp_path / "d.xlsx", "--entity", "labourer", "--rule", TRAINING, "--engine", engine,
                         "--lang", "en")
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["A"] and "[T013] B3: a formula" in err, err


def chart_and_table(path):
    from openpyxl.chart import BarChart, Reference

    book = openpyxl.Workbook()
    chart = book.create_chartsheet("图表", 0)
    data = book.worksheets[0]
    data.title = "劳动力"
    data.append(["编号", "年龄"])
    data.append(["T1", 40])
    bars = BarChart()
    bars.add_data(Reference(data, min_col=2, min_row=1, max_row=2))
    chart.add_chart(bars)
    book.save(path)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_chart_sheet_is_no_table_and_the_first_table_is_read(tmp_path, engine):
    chart_and_table(tmp_path / "c.xlsx")
    code, out, err = run("evaluate", tmp_path / "c.xlsx", "--entity", "labourer", "--rule", TRAINING, "--engine", engine)
    assert code == 0 and json.loads(out)["id"] == "T1", err
    code, _, err = run("evaluate", tmp_path / "c.xlsx", "--entity", "labourer", "--sheet", "图表", "--engine", engine,
                       "--lang", "en")
    assert code == 2 and "[T012] sheet '图表' holds no table" in err and "sheets: 劳动力 (choose" in err, err
    assert "internal error" not in err


def damaged(path, good, cut):
    import zipfile

    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            target.writestr(name, cut(data) if name == "xl/worksheets/sheet1.xml" else data)


@pytest.mark.parametrize("engine", ["python", "duckdb"])
def test_a_damaged_sheet_stops_with_the_row_it_reached_and_writes_no_file(tmp_path, engine):
    write_xlsx(tmp_path / "good.xlsx", ["编号", "年龄"], [[f"T{i}", 20 + i % 40] for i in range(300)])
    damaged(tmp_path / "cut.xlsx", tmp_path / "good.xlsx", lambda data: data[: len(data) * 2 // 3])
    damaged(tmp_path / "odd.xlsx", tmp_path / "good.xlsx",
            lambda data: data.replace(b"<sheetData>", b'<sheetData><row r="x"><c r="A!"><v>1</v></c></row>'))
    for name, row in (("cut", None), ("odd", 1)):
        out = tmp_path / f"{name}.jsonl"
        code, _, err = run("evaluate", tmp_path / f"{name}.xlsx", "--entity", "labourer", "--rule", TRAINING,
                           "--engine", engine, "--out", out, "--lang", "en")
        assert code == 2 and "[T004] cannot read the xlsx file" in err and "is damaged from row" in err, err
        assert row is None or f"from row {row} on" in err
        assert "internal error" not in err and not out.exists() and not list(tmp_path.glob(f"{name}.jsonl*"))


@pytest.mark.parametrize("header", [["id", "labourer", "labourer.age"], ["id", "labourer.age", "labourer"],
                                    ["编号", "劳动者", "年龄"],
                                    ["id", "employer.hires[0]", "employer.hires[0].contract_months"]])
def test_a_whole_record_given_as_text_beside_one_of_its_fields_rejects_its_row(tmp_path, header):
    """A clerk heads the name column 劳动者 (the labourer) beside 年龄: whichever comes first, each
    such row is rejected because the record is given as text (C001), on every engine, in a
    workbook too; never an internal error. (A Parquet struct beside a field is merged.)"""
    write_xlsx(tmp_path / "t.xlsx", header, [["A", "张三", 30]])
    (tmp_path / "t.csv").write_text(",".join(header) + "\nA,张三,30\n", encoding="utf-8")
    for name in ("t.csv", "t.xlsx"):
        answers = [run("evaluate", tmp_path / name, "--engine", engine, "--lang", "en") for engine in ("python", "duckdb")]
        code, out, err = answers[0]
        assert answers[1] == answers[0] and code == 2 and out == "", answers
        assert "[C001]" in err and "expected a record" in err and "records read 1 = decided 0 + rejected 1" in err, err
    code, _, err = run("explain", "--row", f"{tmp_path / 't.csv'}:2", "--lang", "en")
    assert code == 2 and "[C001]" in err and "internal error" not in err, err


@pytest.mark.parametrize("engine", ["python", "duckdb"])
@pytest.mark.parametrize("fmt, data", [
    ("csv", b"id,labourer.age\r1,30\r2,40\r"),  # Excel for Mac's "CSV (Macintosh)": lines ended by \r alone
    ("jsonl", b'{"id": "1", "labourer": {"age": 30}}\r{"id": "2", "labourer": {"age": 40}}\r'),
    ("csv", b"id,labourer.age\r\n1,30\r\n2,40\r\n"),
])
def test_standard_input_is_read_as_the_same_file_given_by_name(tmp_path, monkeypatch, engine, fmt, data):
    import io
    import sys

    path = tmp_path / f"t.{fmt}"
    path.write_bytes(data)
    by_name = run("evaluate", path, "--rule", TRAINING, "--engine", engine)
    # sys.stdin as Python makes it on POSIX: lines end at \n only, until the reader asks for all three
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="\n"))
    from_stdin = run("evaluate", "-", "--input-format", fmt, "--rule", TRAINING, "--engine", engine)
    assert from_stdin == by_name and by_name[0] == 0 and len(by_name[1].splitlines()) == 2, from_stdin


def test_a_csv_header_the_csv_module_cannot_split_is_the_files_one_rejected_record(policy):
    import io

    from subsidy_rules.tables import read_raw

    stream = io.StringIO("id,labour\rer.age\n1,30\n")  # a stream that translates line ends: \r inside a line
    records = list(read_raw(stream, "csv", policy.schema))
    assert len(records) == 1 and records[0].line == 1 and records[0].error.code == "C011", records
