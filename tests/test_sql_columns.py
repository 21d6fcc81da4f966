"""`evaluate --engine duckdb` on Parquet: DuckDB reads the file itself, checks and types its
columns in SQL and decides the rows there, and the output is the Python engine's byte for byte —
for clean rows (decided in SQL, none handed to Python), and for rows the SQL checks must hand to
Python (odd types, text in typed columns, floats that are not exact, bad enums and dates, unknown
struct fields …), and for files the Python reader refuses as a whole."""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (the 'sql' extra)")
pa = pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")
pq = pytest.importorskip("pyarrow.parquet", reason="pip install pyarrow (the 'sql' extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import subsidy_rules  # noqa: E402
from subsidy_rules.batch import Summary, evaluate_columns  # noqa: E402
from subsidy_rules.batch import run as run_python  # noqa: E402
from subsidy_rules.cli import main  # noqa: E402
from subsidy_rules.sql import run_duckdb as R  # noqa: E402
from subsidy_rules.sql import run_checked  # noqa: E402
from subsidy_rules.sql import run_csv as C  # noqa: E402
from subsidy_rules.sql import run_parquet as P  # noqa: E402
from subsidy_rules.tables import atomic, open_records, open_writer  # noqa: E402

from conftest import like_a_terminal  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
CITY_FILES = ("labourers", "employers", "agencies", "loans", "posts", "villages", "counties")


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


@pytest.fixture(scope="module")
def city(small_city):
    return small_city


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in args], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def both(path, *options):
    """Each output format through both engines: {(engine, fmt): (exit code, output, errors and summary)}."""
    found = {}
    for fmt in ("jsonl", "csv"):
        for engine in ("python", "duckdb"):
            found[engine, fmt] = run("evaluate", path, "--engine", engine, "--format", fmt, "--lang", "en", *options)
    return found


def assert_same(path, *options):
    """Byte-identical output, errors and summary; returns how many records SQL decided and Python did."""
    before = dict(run_checked.decided_by)
    found = both(path, *options)
    for fmt in ("jsonl", "csv"):
        assert found["duckdb", fmt] == found["python", fmt], f"{fmt}: the DuckDB run differs from the Python engine"
    return {k: run_checked.decided_by[k] - before.get(k, 0) for k in ("sql", "python")}


def evaluate(policy, path, engine, fmt, input_format="parquet", **options):
    """One run of `evaluate` through the Python API, as the CLI makes it: (output, errors, summary)."""
    out, err = io.StringIO(), io.StringIO()
    summary = Summary()
    with open_records(str(path), input_format, policy.schema, options.pop("entity", None)) as source:
        if engine == "duckdb":
            writer = open_writer(out, fmt, R.table_columns(fmt, False), "en")
            R.run_path(policy, str(path), input_format, source.records, fmt=fmt, lang="en", writer=writer,
                       write_error=err.write, summary=summary, **options)
        else:
            writer = open_writer(out, fmt, evaluate_columns(fmt, False), "en")
            run_python(policy, "", source.records, fmt=fmt, lang="en", writer=writer, write_error=err.write,
                       summary=summary, **options)
    writer.close()
    return out.getvalue(), err.getvalue(), summary.table("en") + "\n" + summary.reconciliation("en")


def assert_same_api(policy, path, input_format="parquet", **options):
    """assert_same through the Python API (faster: the policy is loaded once)."""
    before = dict(run_checked.decided_by)
    for fmt in ("jsonl", "csv"):
        python = evaluate(policy, path, "python", fmt, input_format, **dict(options))
        assert evaluate(policy, path, "duckdb", fmt, input_format, **dict(options)) == python, \
            f"{fmt}: the DuckDB run differs"
    return {k: run_checked.decided_by[k] - before.get(k, 0) for k in ("sql", "python")}


def _full(value, entity, schema):
    """A checked record with every field (None where the claim has none), as a STRUCT reads it."""
    if value is None:
        return None
    found = {}
    for field in entity.fields.values():
        item = value.get(field.name)
        if field.type == "record":
            item = _full(item, schema.entities[field.of], schema)
        elif field.type == "list" and item is not None:
            item = [_full(i, schema.entities[field.of], schema) for i in item]
        found[field.name] = item
    return found


def assert_sql_rows_are_python_claims(policy, path):
    """The oracle of the checks: every row SQL accepts is a claim coerce_claim accepts from the
    Python reader's record, with the same values, date, county, entities and id. Returns the
    number of rows accepted."""
    from subsidy_rules.claims import coerce_claim
    from subsidy_rules.decision_json import json_value
    from subsidy_rules.sql.connection import connect
    from subsidy_rules.tables.headers import plan_columns
    from subsidy_rules.tables.readers import ParquetRows, open_parquet

    handle = open_parquet(str(path))
    plans = plan_columns(handle.schema_arrow.names, policy.schema)
    con = connect()
    select = P._chunk_sql(con, policy, str(path), handle, plans)
    cursor = con.execute(select(0, handle.metadata.num_rows) + " ORDER BY line")
    names = [d[0] for d in cursor.description]
    rows = ParquetRows(handle, plans)
    accepted = 0
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        if not row["ok"]:
            continue
        accepted += 1
        raw = rows.record(row["line"])
        assert raw.error is None, row
        claim = coerce_claim(raw.data, policy.schema, policy.info.counties)  # raises if Python refuses it
        entities = [name for name in policy.schema.entities if name in claim]
        assert row["present"] == entities, (row, raw)
        assert row["as_of"] == claim.get("as_of") and row["jurisdiction"] == claim.get("jurisdiction"), (row, raw)
        assert row["id_json"] == json.dumps(json_value(raw.data.get("id")), ensure_ascii=False), (row, raw)
        for name in entities:
            assert row[name] == _full(claim[name], policy.schema.entities[name], policy.schema), (name, row, raw)
    con.close()
    return accepted


def records(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def dotted(value, prefix=""):
    """A claim as dotted columns through records; a list stays one column (a list of structs)."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(dotted(item, f"{prefix}.{key}" if prefix else key))
        return found
    return {prefix: value}


def label(policy, header):
    """labourer.age -> 劳动者.年龄; id, as_of and jurisdiction by their Chinese column names."""
    if header in ("id", "as_of", "jurisdiction"):
        return {"id": "编号", "as_of": "评估日期", "jurisdiction": "管辖县区"}[header]
    pieces = header.split(".")
    entity = policy.schema.entities[pieces[0]]
    words = [entity.label.zh]
    for piece in pieces[1:]:
        field = entity.fields[piece]
        words.append(field.label.zh)
        entity = policy.schema.entities.get(field.of or "")
    return ".".join(words)


def table_of(rows):
    """An Arrow table of dicts with every key any of them has (from_pylist takes the first's keys)."""
    keys = list(dict.fromkeys(k for row in rows for k in row))
    return pa.Table.from_pylist([{k: row.get(k) for k in keys} for row in rows])


def write_city(policy, source, path, layout):
    claims = records(source)
    if layout == "nested":
        table = table_of(claims)
    else:
        rows = [dotted(c) for c in claims]
        columns = list(dict.fromkeys(k for row in rows for k in row))
        table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
        if layout == "labels":
            table = table.rename_columns([label(policy, c) for c in columns])
    pq.write_table(table, path, row_group_size=300)
    return len(claims)


# ====================================================================== the city


@pytest.mark.parametrize("layout", ["nested", "flat", "labels"])
def test_the_city_is_decided_in_sql_and_written_byte_for_byte(policy, city, tmp_path, layout):
    for name in CITY_FILES:
        path = tmp_path / f"{name}.parquet"
        count = write_city(policy, city / f"{name}.jsonl", path, layout)
        decided = assert_same(path)
        # two formats, each once through DuckDB: every record decided in SQL, none by Python
        assert decided == {"sql": 2 * count, "python": 0}, name
        assert assert_sql_rows_are_python_claims(policy, path) == count


def test_options_rule_date_entity_and_small_chunks(policy, city, tmp_path, monkeypatch):
    path = tmp_path / "employers.parquet"
    write_city(policy, city / "employers.jsonl", path, "nested")
    assert_same(path, "--rule", "hiring-award")
    assert_same(path, "--as-of", "2016-01-01")
    assert_same(path, "--rule", "entrepreneurship-training-subsidy")  # every row rejected: C009
    # bare field labels with --entity, read in chunks smaller than a row group and across them
    people = [c["labourer"] for c in records(city / "labourers.jsonl")][:50]
    table = table_of(people)
    table = table.rename_columns([policy.schema.entities["labourer"].fields[n].label.zh for n in table.column_names])
    bare = tmp_path / "bare.parquet"
    pq.write_table(table, bare, row_group_size=7)
    monkeypatch.setattr(P, "CHUNK", 11)
    assert assert_same(bare, "--entity", "labourer") == {"sql": 100, "python": 0}


def test_explain_writes_condition_columns(policy, city, tmp_path):
    path = tmp_path / "employers.parquet"
    write_city(policy, city / "employers.jsonl", path, "flat")
    code, out, err = run("evaluate", path, "--engine", "duckdb", "--explain")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows and all(isinstance(r["conditions"], dict) for r in rows)
    code, plain, _ = run("evaluate", path, "--engine", "duckdb")
    assert [{k: v for k, v in r.items() if k != "conditions"} for r in rows] == [json.loads(l) for l in plain.splitlines()]


# ====================================================================== odd cells of every type

# every arrow type a cell may have, with values the two readers could take differently
ODD = {
    pa.string(): ["", " ", " 12", "12", "-0", "007", "1,500", "1500.50", "-0.0", "-0.50", "1e3", "12.", "0.0000000000001",
                  "1234567890123456", "123456789012345", "NaN", "2017-07-31", "2017-7-31", " 2017-07-31", "20170731",
                  "2017-02-30", "0000-01-01", "2017-07-31T00:00", "是", "否", "YES", "No", "yeſ", "T", "f", "2",
                  "farming", "FARMING", "male", "\u3000male", "female ", 'x"y', "a,b", "\\", "\u0085x", "利州区",
                  "广元县", None],
    pa.int64(): [0, 1, -1, 2, 40, 10 ** 15 - 1, 10 ** 15, -(10 ** 15) + 1, -(10 ** 15), 2 ** 63 - 1, -(2 ** 63), None],
    pa.uint64(): [0, 1, 7, 10 ** 15 - 1, 10 ** 15, 2 ** 64 - 1],
    pa.int8(): [-128, 0, 1, 127],
    pa.float64(): [0.0, -0.0, 1.0, 2.0, 1.5, 0.1, 0.30000000000000004, 1e-13, 1e-5, 1e15, 1e15 - 1, 999999999999999.9,
                   123456789012.345, 1500.5000000000002, 0.123456789012, 0.1234567890123, math.nan, math.inf,
                   -math.inf, 40.0, None],
    pa.float32(): [0.1, 1.5, 2.0, 40.0, 1e20],
    pa.decimal128(10, 2): [Decimal("1500.50"), Decimal("0.00"), Decimal("1.00"), Decimal("40.00"), None],
    pa.decimal128(38, 13): [Decimal("1.5"), Decimal("0")],
    pa.decimal128(38, 0): [Decimal(10) ** 20, Decimal(40)],
    pa.bool_(): [True, False, None],
    pa.date32(): [dt.date(2017, 7, 31), dt.date(1, 1, 1), dt.date(9999, 12, 31), None],
    pa.timestamp("us"): [dt.datetime(2017, 7, 31, 12, 30), dt.datetime(1970, 1, 1), dt.datetime(1969, 12, 31, 23, 59)],
    pa.timestamp("ns"): [dt.datetime(2017, 7, 31, 12, 30)],
    pa.timestamp("us", tz="Asia/Shanghai"): [dt.datetime(2017, 7, 31, 23, 30, tzinfo=dt.timezone.utc)],
    pa.large_string(): ["12", " 12", "farming", "2017-07-31", "是", None],
    pa.dictionary(pa.int32(), pa.string()): ["12", " 12", "farming", "2017-07-31", "是", "male", None],
    pa.list_(pa.string()): [["a"], []],
    pa.struct([("a", pa.int64())]): [{"a": 1}],
}
# a field of each fact type, reached through records (loan.borrower.age) as well as directly
FLAT = ["id", "as_of", "jurisdiction", "labourer.name", "labourer.gender", "labourer.age", "labourer.rural_registered_poor",
        "labourer.startup_subsidy_applied", "loan.annual_interest_rate", "loan.start_date", "loan.borrower.age",
        "loan.borrower_household.lost_land_use_rights", "loan.counter_guarantee"]
# clean facts beside them, so that rules have something to decide
BASE = {"labourer.able_to_work": True, "labourer.employment_status": "self_employed", "labourer.business_intention": True,
        "loan.principal": 50000, "loan.term_months": 24, "loan.credit_guaranteed": True}


def odd_table(kind):
    """Every column of FLAT of type ``kind``: one takes each value in turn (the others empty), then
    all take each value at once; the BASE columns keep clean values."""
    values = ODD[kind]
    rows = [{column: None for column in FLAT} for _ in range(len(FLAT) * len(values) + len(values))]
    for index, (column, value) in enumerate((c, v) for c in FLAT for v in values):
        rows[index][column] = value
    for index, value in enumerate(values, start=len(FLAT) * len(values)):
        rows[index].update({column: value for column in FLAT})
    columns = {column: pa.array([row[column] for row in rows], type=kind) for column in FLAT}
    columns.update({column: [value] * len(rows) for column, value in BASE.items()})
    return pa.table(columns)


@pytest.mark.parametrize("kind", list(ODD), ids=str)
def test_odd_cells_give_the_python_engines_rows_and_errors(policy, tmp_path, kind):
    path = tmp_path / "odd.parquet"
    pq.write_table(odd_table(kind), path)
    decided = assert_same_api(policy, path)
    assert decided["python"] > 0  # some rows are always Python's (the all-odd ones name no usable entity)
    assert assert_sql_rows_are_python_claims(policy, path) == decided["sql"] // 2


NESTED = ["labourer.name", "labourer.gender", "labourer.age", "labourer.rural_registered_poor",
          "labourer.startup_subsidy_applied", "employer.kind", "hire.worker.age", "hire.worker.name", "hire.hired_on",
          "hire.contract_months", "hire.social_insurance"]


def nested_table(kind, values):
    """The same values inside structs and lists (a labourer struct, employer.hires as a list of
    structs): one field takes each value in turn (the others null), then all take it at once."""
    labourer = pa.struct([(name.split(".")[1], kind) for name in NESTED if name.startswith("labourer.")])
    worker = pa.struct([("age", kind), ("name", kind), ("poor_household", pa.bool_())])
    hire = pa.struct([("worker", worker), ("hired_on", kind), ("contract_months", kind), ("social_insurance", kind)])
    employer = pa.struct([("name", pa.string()), ("kind", kind), ("hires", pa.list_(hire))])
    rows = []
    for chosen in [[name] for name in NESTED] + [NESTED]:
        for value in values:
            cell = {name: (value if name in chosen else None) for name in NESTED}
            rows.append({
                "id": "N", "as_of": "2017-07-31",
                "labourer": {k.split(".")[1]: v for k, v in cell.items() if k.startswith("labourer.")},
                "employer": {"name": "厂", "kind": cell["employer.kind"], "hires": [
                    {"worker": {"age": cell["hire.worker.age"], "name": cell["hire.worker.name"], "poor_household": True},
                     "hired_on": cell["hire.hired_on"], "contract_months": cell["hire.contract_months"],
                     "social_insurance": cell["hire.social_insurance"]}]}})
    schema = pa.schema([("id", pa.string()), ("as_of", pa.string()), ("labourer", labourer), ("employer", employer)])
    return pa.Table.from_pylist(rows, schema=schema)


@pytest.mark.parametrize("kind", [k for k in ODD if not pa.types.is_nested(k)], ids=str)
def test_odd_values_inside_structs_and_lists(policy, tmp_path, kind):
    path = tmp_path / "nested.parquet"
    pq.write_table(nested_table(kind, ODD[kind]), path)
    decided = assert_same_api(policy, path)
    assert assert_sql_rows_are_python_claims(policy, path) == decided["sql"] // 2


STRUCTS = {
    "a field the schema does not have": [{"id": "1", "labourer": {"age": 40, "nickname": "x"}},
                                         {"id": "2", "labourer": {"age": 40, "nickname": None}},
                                         {"id": "3", "labourer": None, "employer": {"name": "a"}}],
    "a field of another spelling": [{"id": "1", "labourer": {"Age": 40}}, {"id": "2", "employer": {"name": "a"}}],
    "null items": [{"id": "1", "employer": {"name": "a", "hires": [None]}},
                   {"id": "2", "employer": {"name": "a", "hires": [{"hired_on": "2017-01-01"}, None]}},
                   {"id": "3", "employer": {"name": "a", "hires": [{"hired_on": "2017-01-01"}]}}],
    "empty and null lists": [{"id": "1", "employer": {"name": "a", "hires": []}},
                             {"id": "2", "employer": {"name": "a", "hires": None}},
                             {"id": "3", "employer": {"name": "a", "hires": [{"worker": None}]}}],
    "no entity": [{"id": "1", "labourer": None}, {"id": "2", "labourer": {"age": 40}}],
}


@pytest.mark.parametrize("case", list(STRUCTS))
def test_structs_the_schema_does_not_know_and_null_items(policy, tmp_path, case):
    path = tmp_path / "structs.parquet"
    pq.write_table(table_of(STRUCTS[case]), path)
    decided = assert_same_api(policy, path)
    assert decided["sql"] > 0  # the clean rows are SQL's
    assert assert_sql_rows_are_python_claims(policy, path) == decided["sql"] // 2


def test_a_date_python_cannot_hold_stops_both_engines_alike(tmp_path):
    path = tmp_path / "dates.parquet"
    pq.write_table(pa.table({"id": ["a", "b"], "loan.start_date": pa.array([17_000, 3_000_000], pa.date32())}), path)
    found = both(path)
    assert found["duckdb", "jsonl"] == found["python", "jsonl"] and "OverflowError" in found["python", "jsonl"][2]


def test_columns_the_sql_leaves_to_python(tmp_path):
    """A column without a header, overlapping paths: the Python reader's own answers, rows with those
    cells empty still decided in SQL; a list item's fact by index is SQL's to put."""
    table = pa.table({
        "id": ["a", "b", "c", "d"],
        "": [None, "stray", None, None],  # no header: T005 when a cell is filled
        "employer.name": ["甲", "乙", "丙", None],
        "employer.hires[0].hired_on": [None, None, "2017-01-01", None],
        "labourer": [None, None, None, {"age": 40}],
        "labourer.name": [None, None, None, "王"],
        "loan.principal": [None, None, None, 5000],
    })
    path = tmp_path / "columns.parquet"
    pq.write_table(table, path)
    decided = assert_same(path)
    assert decided["sql"] == 4 and decided["python"] == 4  # rows a and c are SQL's, in both formats
    through_list = pa.table({"id": ["a", "b"], "employer.name": ["甲", "乙"], "employer.hires.hired_on": [None, "2017-01-01"]})
    pq.write_table(through_list, path)
    assert assert_same(path) == {"sql": 2, "python": 2}


@pytest.mark.parametrize("case", ["unknown header", "ambiguous header", "two columns for one fact", "not parquet",
                                  "empty file", "only a header"])
def test_file_level_problems_give_the_python_engines_error(tmp_path, case):
    path = tmp_path / "bad.parquet"
    if case == "not parquet":
        path.write_bytes(b"PAR1 this is not a parquet file")
    elif case == "empty file":
        path.write_bytes(b"")
    else:
        columns = {"unknown header": ["id", "labourer.agee"], "ambiguous header": ["id", "name"],
                   "two columns for one fact": ["labourer.age", "劳动者.年龄"], "only a header": ["id", "labourer.age"]}[case]
        rows = [] if case == "only a header" else [[1], [2]]
        pq.write_table(pa.table({c: pa.array(rows[i] if rows else [], pa.int64()) for i, c in enumerate(columns)}), path)
    found = both(path)
    for fmt in ("jsonl", "csv"):
        assert found["duckdb", fmt] == found["python", fmt]
    code, out, err = found["duckdb", "jsonl"]
    assert "Traceback" not in err and (code != 0 or case == "only a header")


# ====================================================================== generated rows

CELLS = {
    "labourer.age": st.one_of(st.none(), st.integers(-5, 130), st.floats(allow_nan=True), st.sampled_from(["40", " 40", "四十"])),
    "labourer.rural_registered_poor": st.one_of(st.none(), st.booleans(), st.sampled_from(["是", "否", "yes", "", "1", "maybe"])),
    "labourer.entrepreneurship_training_attended": st.one_of(st.none(), st.booleans(), st.integers(-1, 2)),
    "labourer.organising_business": st.one_of(st.none(), st.booleans()),
    "labourer.employment_status": st.one_of(st.none(), st.sampled_from(["self_employed", "farming", "employed", " farming", ""])),
    "labourer.startup_subsidy_applied": st.one_of(st.none(), st.floats(-1e16, 1e16), st.decimals(-10 ** 6, 10 ** 6, places=2),
                                                  st.integers(-10 ** 16, 10 ** 16), st.sampled_from(["1,500", "1500.5", "-0"])),
    "as_of": st.one_of(st.none(), st.dates(dt.date(2015, 1, 1), dt.date(2019, 1, 1)), st.sampled_from(["2017-07-31", "2017-7-1"])),
    "jurisdiction": st.one_of(st.none(), st.sampled_from(["利州区", "苍溪县", "广元县", " 利州区", ""])),
}


@st.composite
def tables(draw):
    """A few rows, each column of one arrow type picked from the values drawn for it."""
    count = draw(st.integers(1, 6))
    columns = {}
    for name, cells in CELLS.items():
        if not draw(st.booleans()) and name != "labourer.age":
            continue
        values = [draw(cells) for _ in range(count)]
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) > 1:  # one arrow type a column: the others' values become text
            values = [v if v is None or type(v) is str else str(v) for v in values]
        try:
            columns[name] = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            columns[name] = pa.array([None if v is None else str(v) for v in values])
    return pa.table(columns)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(table=tables())
def test_any_generated_table_gives_the_python_engines_bytes(policy, tmp_path, table):
    path = tmp_path / "generated.parquet"
    pq.write_table(table, path)
    assert_same_api(policy, path, rules=["entrepreneurship-training-subsidy"])
    assert_sql_rows_are_python_claims(policy, path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.one_of(st.floats(-1e15, 1e15), st.floats(-10, 10), st.integers(0, 10 ** 6).map(lambda n: n / 100)),
                        min_size=1, max_size=8))
def test_any_double_is_read_as_the_python_reader_reads_it(policy, tmp_path, amounts):
    """A money fact as a double, in a column of its own and inside a struct: its decimal value
    (shortest form, at most 12 decimals, below 10^15) is the Python reader's or the row is Python's."""
    path = tmp_path / "doubles.parquet"
    labourers = [{"startup_subsidy_applied": a, "business_in_poor_village": True, "rural_registered_poor": True}
                 for a in amounts]
    pq.write_table(pa.table({"labourer.startup_subsidy_applied": pa.array(amounts, pa.float64()),
                             "loan": pa.array([{"principal": a, "borrower": b} for a, b in zip(amounts, labourers)])}),
                   path)
    decided = assert_same_api(policy, path, as_of=dt.date(2017, 7, 31))
    assert assert_sql_rows_are_python_claims(policy, path) == decided["sql"] // 2


# ====================================================================== a stopped run


@pytest.mark.parametrize("when", ["in a query", "writing"])
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_ctrl_c_on_a_parquet_or_csv_input_leaves_no_output_file(tmp_path, fmt, when):
    """Ctrl-C while DuckDB runs a statement (the first chunk, before anything is written) or while
    rows are written: a stop, said as such, never an internal error."""
    count = 600_000  # three chunks: seconds of work, so the signal lands mid-run
    table = pa.table({"id": [f"S{n:06d}" for n in range(count)], "as_of": ["2017-07-31"] * count,
                      "labourer.age": [20 + n % 40 for n in range(count)],
                      "labourer.rural_registered_poor": [n % 3 == 0 for n in range(count)],
                      "labourer.entrepreneurship_training_attended": [n % 2 == 0 for n in range(count)],
                      "labourer.employment_status": ["self_employed"] * count})
    if fmt == "parquet":
        pq.write_table(table, tmp_path / "big.parquet")
    else:
        write_csv(tmp_path / "big.csv", table.column_names,
                  [[str(v).lower() for v in row.values()] for row in table.to_pylist()])
        assert C.simple_csv(str(tmp_path / "big.csv")) is not None
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    process = subprocess.Popen([sys.executable, "-m", "subsidy_rules", "evaluate", f"big.{fmt}", "--engine", "duckdb",
                                "--out", "d.jsonl", "--lang", "en"], cwd=tmp_path, env=env, stderr=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, text=True, start_new_session=True, preexec_fn=like_a_terminal)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        partial = [p for p in tmp_path.iterdir() if p.name.endswith(atomic.PARTIAL_SUFFIX)]
        if partial and when == "in a query":
            time.sleep(0.3)  # past opening the output, into the first chunk's statements
            break
        if partial and partial[0].stat().st_size > 0:
            break
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130, err
    assert err.startswith("interrupted: d.jsonl was not written") and "Traceback" not in err
    assert not (tmp_path / "d.jsonl").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(atomic.PARTIAL_SUFFIX)]


# ====================================================================== CSV

def flat_cells(value, prefix=""):
    """A claim as CSV cells: dotted paths, list items by index (hires[0].hired_on), yes/no as true/false."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(flat_cells(item, f"{prefix}.{key}" if prefix else key))
        return found
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found.update(flat_cells(item, f"{prefix}[{index}]"))
        return found
    return {prefix: "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)}


def write_csv(path, header, rows, end="\n"):
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, lineterminator=end)
        writer.writerow(header)
        writer.writerows(rows)


def csv_of(path, claims, end="\n"):
    rows = [flat_cells(c) for c in claims]
    header = list(dict.fromkeys(k for row in rows for k in row))
    write_csv(path, header, [[row.get(h, "") for h in header] for row in rows], end)


def assert_csv_rows_are_python_claims(policy, path):
    """The oracle on a plain CSV file: every row SQL accepts is the Python reader's claim."""
    from subsidy_rules.claims import coerce_claim
    from subsidy_rules.decision_json import json_value
    from subsidy_rules.sql.column_checks import Shape, checked_sql
    from subsidy_rules.sql.connection import connect
    from subsidy_rules.tables import read_raw
    from subsidy_rules.tables.headers import plan_columns

    table = C.simple_csv(str(path))
    assert table is not None
    plans = plan_columns(list(table.header), policy.schema)
    con = connect()
    con.execute(f"CREATE OR REPLACE TEMP TABLE cells AS SELECT row_number() OVER () + 1 AS line, * "
                f"FROM ({C.scan_sql(str(path), len(table.header), table.newline, table.quoted)})")
    select = checked_sql(policy.schema, policy.info.counties, plans, [Shape("string")] * len(table.header), "cells")
    cursor = con.execute(select + " ORDER BY line")
    names = [d[0] for d in cursor.description]
    with open(path, encoding="utf-8-sig", newline="") as stream:
        python = {r.line: r for r in read_raw(stream, "csv", policy.schema)}
    accepted = 0
    for values in cursor.fetchall():
        row = dict(zip(names, values))
        if not row["ok"]:
            continue
        accepted += 1
        raw = python[row["line"]]
        assert raw.error is None, row
        claim = coerce_claim(raw.data, policy.schema, policy.info.counties)
        entities = [name for name in policy.schema.entities if name in claim]
        assert row["present"] == entities and row["as_of"] == claim.get("as_of"), (row, raw)
        assert row["jurisdiction"] == claim.get("jurisdiction"), (row, raw)
        assert row["id_json"] == json.dumps(json_value(raw.data.get("id")), ensure_ascii=False), (row, raw)
        for name in entities:
            assert row[name] == _full(claim[name], policy.schema.entities[name], policy.schema), (name, row, raw)
    con.close()
    return accepted


def test_the_city_as_csv_is_written_byte_for_byte(policy, city, tmp_path):
    for name in CITY_FILES:
        path = tmp_path / f"{name}.csv"
        claims = records(city / f"{name}.jsonl")
        csv_of(path, claims)
        decided = assert_same(path)
        assert decided == {"sql": 2 * len(claims), "python": 0}, name  # lists too, their items by index
        assert assert_csv_rows_are_python_claims(policy, path) == len(claims)


def test_odd_text_cells_in_csv(policy, tmp_path):
    """Every text form of ODD in every column of FLAT (one at a time, then all at once): the Python
    reader's rows and errors, and every row SQL accepts is the Python reader's claim."""
    values = [v for v in ODD[pa.string()] if v is not None and not any(c in v for c in ',"\r\n')]
    values += ["TRUE", "Y", "N", "0", "1", "1.0", "+1", "1_000", "١٢", "0.5", "-12", "2017-07-31 ", "\t7", "ｙｅｓ"]
    header = FLAT + list(BASE)
    rows = []
    for chosen in [[c] for c in FLAT] + [FLAT]:
        for value in values:
            rows.append([value if c in chosen else "" for c in FLAT] + [str(v).lower() if isinstance(v, bool) else str(v)
                                                                        for v in BASE.values()])
    path = tmp_path / "odd.csv"
    write_csv(path, header, rows)
    assert C.simple_csv(str(path)) is not None
    decided = assert_same_api(policy, path, "csv")
    assert decided["sql"] > 0 and decided["python"] > 0
    assert assert_csv_rows_are_python_claims(policy, path) == decided["sql"] // 2


PLAIN = "id,as_of,labourer.age,labourer.rural_registered_poor\na,2017-07-31,40,true\nb,2017-07-31,41,false\n"
FILES = {  # what the first pass lets DuckDB read (True), or leaves to the Python reader
    "plain": (PLAIN, True),
    "no line end at the end": (PLAIN.rstrip("\n"), True),
    "a second byte-order mark": ("\ufeff" + PLAIN, True),
    "spaces and blanks in cells": (PLAIN + "c, 2017-07-31 , 40 ,\nd,,,true\n", True),
    "a quoted cell": (PLAIN + 'c,2017-07-31,"40",true\n', True),
    "quoted cells with commas, doubled quotes and nothing": (PLAIN + '"c,d","2017-07-31","",""\n"e""",,"4""0"," true "\n', True),
    "a quoted header": ('"id","as_of",labourer.age,"labourer.rural_registered_poor"\n' + PLAIN.split("\n", 1)[1], True),
    "quoted cells, Windows line ends": ((PLAIN + '"c,d",2017-07-31,"40",true\n').replace("\n", "\r\n"), True),
    "a quoted row of blank cells": (PLAIN + '" ","","\u3000",\n', False),
    "a quoted row with a comma too many": (PLAIN + 'c,"2017-07-31",40,true,""\n', False),
    "a quoted line end": (PLAIN + 'c,2017-07-31,40,"tr\nue"\n', False),
    "a quoted carriage return": (PLAIN + 'c,2017-07-31,40,"tr\rue"\n', False),
    "a quote inside an unquoted cell": (PLAIN + 'c,2017-07-31,4"0,true\n', False),
    "text after a closing quote": (PLAIN + 'c,2017-07-31,"4"0,true\n', False),
    "a space before an opening quote": (PLAIN + 'c,2017-07-31, "40",true\n', False),
    "a quote left open": (PLAIN + 'c,2017-07-31,"40,true\n', False),
    "a lone quote in a quoted cell": (PLAIN + '"c"d",2017-07-31,40,true\n', False),
    "Windows line ends": (PLAIN.replace("\n", "\r\n"), True),
    "Windows line ends, none at the end": (PLAIN.replace("\n", "\r\n")[:-2], True),
    "mixed line ends": (PLAIN.replace("\n", "\r\n", 1), False),
    "a carriage return in a cell": (PLAIN + "c,2017-07-31,4\r0,true\n", False),
    "a carriage return ending a line": (PLAIN.replace("true\n", "true\r"), False),
    "a short row": (PLAIN + "c,2017-07-31,40\n", False),
    "a long row": (PLAIN + "c,2017-07-31,40,true,x\n", False),
    "a blank line": (PLAIN.replace("\nb", "\n\nb"), False),
    "a row of blank cells": (PLAIN + " , ,\u3000, \n", False),
    "a NUL": (PLAIN + "c,2017-07-31,4\x000,true\n", False),
    "only a header": ("id,labourer.age\n", True),
    "empty": ("", False),
    "an unknown header": ("id,labourer.agee\na,40\n", True),
}


@pytest.mark.parametrize("case", list(FILES))
def test_csv_files_duckdb_reads_and_those_it_leaves_to_python(policy, tmp_path, case):
    text, plain = FILES[case]
    path = tmp_path / "t.csv"
    path.write_bytes(text.encode("utf-8"))
    assert (C.simple_csv(str(path)) is not None) == plain
    found = both(path)
    for fmt in ("jsonl", "csv"):
        assert found["duckdb", fmt] == found["python", fmt]
    assert "Traceback" not in found["duckdb", "jsonl"][2]


def test_csv_not_utf8_is_left_to_python(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(PLAIN.encode("utf-8") + "c,2017-07-31,40,是\n".encode("gb18030"))
    assert C.simple_csv(str(path)) is None
    found = both(path)
    assert found["duckdb", "jsonl"] == found["python", "jsonl"]


@pytest.mark.parametrize("end", ["\n", "\r\n"], ids=["line feeds", "Windows line ends"])
def test_csv_in_small_chunks(policy, city, tmp_path, monkeypatch, end):
    path = tmp_path / "labourers.csv"
    claims = records(city / "labourers.jsonl")[:60]
    csv_of(path, claims, end)
    monkeypatch.setattr(C, "CHUNK", 7)
    assert assert_same_api(policy, path, "csv") == {"sql": 120, "python": 0}
    assert assert_csv_rows_are_python_claims(policy, path) == 60


def test_quoted_cells_are_read_by_duckdb(policy, city, tmp_path):
    """Cells csv.writer quotes (a comma, a quote inside) are DuckDB's to read, as Python reads them."""
    path = tmp_path / "labourers.csv"
    claims = records(city / "labourers.jsonl")[:80]
    for index, claim in enumerate(claims):
        claim["labourer"]["name"] = f'王"小{index}",二' if index % 2 else f"李,{index}"
    csv_of(path, claims)
    assert C.simple_csv(str(path)).quoted
    assert assert_same_api(policy, path, "csv") == {"sql": 160, "python": 0}
    assert assert_csv_rows_are_python_claims(policy, path) == 80


HIRE_COLUMNS = ["employer.hires[{i}].contract_months", "employer.hires[{i}].social_insurance",
                "employer.hires[{i}].worker.rural_registered_poor", "employer.hires[{i}].hired_on"]


def hires_csv(path, rows, indices=(0, 1, 2)):
    """A CSV file of employers whose hires are columns by index; ``rows``: per employer, per column
    of HIRE_COLUMNS × indices, a cell."""
    header = ["id", "as_of", "employer.kind"] + [c.format(i=i) for i in indices for c in HIRE_COLUMNS]
    write_csv(path, header, [[f"e{n}", "2017-07-31", "enterprise", *row] for n, row in enumerate(rows)])


def test_list_items_by_index_are_put_as_the_python_reader_puts_them(policy, tmp_path):
    """The list as long as its last item with a value; items before it with no value are records
    all the same; no value in any item: no list at all; a record inside an item only when a value
    below it is given."""
    blank = [""] * 4
    rows = [
        ["12", "true", "true", "2017-01-02"] * 3,  # three whole hires
        blank + blank + ["24", "", "", ""],  # the first two items empty, the third given
        ["", "", "true", ""] + blank + blank,  # only the worker of the first
        blank * 3,  # no hire given: no list
        blank + ["6", "false", "", "2016-12-31"] + blank,  # the second only: the first an empty record
    ]
    path = tmp_path / "hires.csv"
    hires_csv(path, rows)
    assert assert_same_api(policy, path, "csv") == {"sql": 2 * len(rows), "python": 0}
    assert assert_csv_rows_are_python_claims(policy, path) == len(rows)


def test_list_columns_sql_does_not_put_are_pythons(policy, tmp_path):
    """A list item named whole, or a list without an index: rows with a value there go to Python."""
    for extra in ("employer.hires[1]", "employer.hires.contract_months"):
        path = tmp_path / "odd.csv"
        header = ["id", "as_of", "employer.kind", "employer.hires[0].contract_months", extra]
        write_csv(path, header, [["a", "2017-07-31", "enterprise", "12", ""], ["b", "2017-07-31", "enterprise", "12", "7"]])
        found = both(path)
        for fmt in ("jsonl", "csv"):
            assert found["duckdb", fmt] == found["python", fmt], extra


HIRE_CELL = st.sampled_from(["", "", "", "12", "0", "true", "false", "是", "2017-07-31", "x", " 1"])


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(HIRE_CELL, min_size=12, max_size=12), min_size=1, max_size=5),
       indices=st.sampled_from([(0, 1, 2), (0, 2, 5), (3, 1, 0)]))
def test_any_grid_of_list_items_gives_the_python_engines_bytes(policy, tmp_path, rows, indices):
    path = tmp_path / "hires.csv"
    hires_csv(path, rows, indices)
    assert_same_api(policy, path, "csv")
    assert_csv_rows_are_python_claims(policy, path)


TEXT_CELL = st.one_of(st.sampled_from(["", " ", "40", " 40", "4O", "是", "否", "yes", "No", "t", "2017-07-31", "2017-7-31",
                                       "self_employed", "farming ", "利州区", "苍溪县", "广元县", "1500.50", "1,500",
                                       "-0", "007"]),
                      st.text(alphabet=st.characters(blacklist_characters='\r\n\x00', blacklist_categories=("Cs",)),
                              max_size=6))  # commas and quotes too: csv.writer quotes those cells


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(TEXT_CELL, min_size=6, max_size=6), min_size=1, max_size=6),
       end=st.sampled_from(["\n", "\r\n"]))
def test_any_generated_csv_gives_the_python_engines_bytes(policy, tmp_path, rows, end):
    header = ["id", "as_of", "jurisdiction", "labourer.age", "labourer.rural_registered_poor", "labourer.employment_status"]
    path = tmp_path / "generated.csv"
    write_csv(path, header, rows, end)
    assert_same_api(policy, path, "csv", rules=["entrepreneurship-training-subsidy"])
    if C.simple_csv(str(path)) is not None:
        assert_csv_rows_are_python_claims(policy, path)


SCALAR_KINDS = [k for k in ODD if not pa.types.is_nested(k)]


def cell(kind):
    """An odd value of ``kind``, or (as often) an empty cell, so that rows SQL accepts are common."""
    return st.one_of(st.none(), st.sampled_from(ODD[kind]))


@st.composite
def typed_tables(draw):
    """Columns of FLAT and a labourer struct, each field of an arrow type drawn from ODD, its values
    drawn from that type's odd values: any mix of types, nesting and values."""
    count = draw(st.integers(1, 5))
    nested = draw(st.booleans())  # the labourer as a struct, or in dotted columns
    columns = {}
    for name in draw(st.lists(st.sampled_from(FLAT), unique=True, max_size=6)):
        if name.startswith("labourer.") and nested:
            continue
        kind = draw(st.sampled_from(SCALAR_KINDS))
        columns[name] = pa.array([draw(cell(kind)) for _ in range(count)], type=kind)
    if not nested:
        return pa.table(columns) if columns else pa.table({"id": ["x"] * count})
    fields = draw(st.lists(st.sampled_from(["name", "gender", "age", "rural_registered_poor", "startup_subsidy_applied",
                                            "employment_status", "nickname"]), unique=True, min_size=1, max_size=4))
    kinds = {f: draw(st.sampled_from(SCALAR_KINDS)) for f in fields}
    values = [None if draw(st.integers(0, 5)) == 0 else {f: draw(cell(kinds[f])) for f in fields}
              for _ in range(count)]
    columns["labourer"] = pa.array(values, type=pa.struct([(f, kinds[f]) for f in fields]))
    return pa.table(columns)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(table=typed_tables())
def test_any_mix_of_types_and_nesting_gives_the_python_engines_bytes(policy, tmp_path, table):
    path = tmp_path / "typed.parquet"
    pq.write_table(table, path)
    decided = assert_same_api(policy, path, rules=["entrepreneurship-training-subsidy"])
    # rows SQL accepts without a labourer are still the Python engine's (it rejects them: C009)
    assert assert_sql_rows_are_python_claims(policy, path) >= decided["sql"] // 2
