"""`evaluate --engine duckdb` on JSON Lines: the lines are checked, typed, decided and written in
DuckDB, and the output is the Python engine's byte for byte — for clean lines, and for lines the SQL
checks must hand to Python (bad values, odd number forms, repeated keys, trailing commas …)."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (the 'sql' extra)")
pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import subsidy_rules  # noqa: E402
from subsidy_rules.batch import Summary, evaluate_columns, read_raw, run  # noqa: E402
from subsidy_rules.sql import run_duckdb as R  # noqa: E402
from subsidy_rules.sql import run_json_lines as J  # noqa: E402
from subsidy_rules.tables import open_writer  # noqa: E402

from sql_oracle import assert_values_only_of_conditions_not_met  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "claims").glob("*.yaml"))


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


@pytest.fixture(scope="module")
def city(small_city):
    return small_city


def evaluate(policy, text, engine, fmt="jsonl", explain=False, **options):
    """One run of `evaluate` over JSON Lines text: (output, errors, summary lines)."""
    out, err = io.StringIO(), io.StringIO()
    records = read_raw(io.StringIO(text), "jsonl", policy.schema, options.pop("entity", None))
    summary = Summary()
    if engine == "duckdb":
        writer = open_writer(out, fmt, R.table_columns(fmt, explain), "zh")
        R.run_table(policy, records, explain=explain, fmt=fmt, writer=writer, write_error=err.write,
                    summary=summary, **options)
    else:
        writer = open_writer(out, fmt, evaluate_columns(fmt, explain), "zh")
        run(policy, "", records, explain=explain, fmt=fmt, writer=writer, write_error=err.write, summary=summary,
            **options)
    writer.close()
    return out.getvalue(), err.getvalue(), summary.table("zh") + "\n" + summary.reconciliation("zh")


def assert_same(policy, text, **options):
    for fmt in ("jsonl", "csv"):
        python = evaluate(policy, text, "python", fmt, **dict(options))
        sql = evaluate(policy, text, "duckdb", fmt, **dict(options))
        assert sql == python, f"{fmt}: the DuckDB run differs from the Python engine"


def test_the_city_is_decided_in_sql_and_written_byte_for_byte(policy, city):
    for path in sorted(city.glob("*.jsonl")):
        text = path.read_text(encoding="utf-8")
        before = dict(J.decided_by)
        assert_same(policy, text)
        sql = J.decided_by["sql"] - before.get("sql", 0)
        handed = J.decided_by["python"] - before.get("python", 0)
        if "errors" in path.name:
            assert handed >= 6 and sql > 0  # the bad lines, and only those, go to Python
        else:
            assert handed == 0 and sql == 2 * len([l for l in text.splitlines() if l.strip()]), path.name


def test_entities_first_named_after_the_sample_are_still_decided_in_sql(policy, city, monkeypatch):
    """The checks are first built for the entities the first lines name; a file whose later lines
    name other entities (employers after labourers) is checked again for them, not handed to Python."""
    monkeypatch.setattr(J, "SAMPLE", 5)
    labourers = (city / "labourers.jsonl").read_text(encoding="utf-8").splitlines()[:20]
    employers = (city / "employers.jsonl").read_text(encoding="utf-8").splitlines()[:5]
    text = "\n".join(labourers + employers) + "\n"
    before = dict(J.decided_by)
    assert_same(policy, text)
    assert J.decided_by["python"] == before.get("python", 0)
    assert J.decided_by["sql"] - before.get("sql", 0) == 2 * 25


def test_options_rule_date_and_a_rule_for_another_entity(policy, city):
    text = (city / "employers.jsonl").read_text(encoding="utf-8")
    assert_same(policy, text, rules=["hiring-award"])
    assert_same(policy, text, as_of=dt.date(2016, 1, 1))
    # a rule about labourers asked of employers: every line is rejected, with Python's message
    out, err, summary = evaluate(policy, text, "duckdb", rules=["entrepreneurship-training-subsidy"])
    assert out == "" and "C009" in err
    assert_same(policy, text, rules=["entrepreneurship-training-subsidy"])


def test_explain_writes_condition_columns_for_every_row(policy, city):
    text = (city / "employers.jsonl").read_text(encoding="utf-8")
    out, err, _ = evaluate(policy, text, "duckdb", explain=True)
    rows = [json.loads(line) for line in out.splitlines()]
    assert rows and all(isinstance(r["conditions"], dict) for r in rows)
    award = next(r for r in rows if r["rule"] == "hiring-award")
    assert "c_is_enterprise" in award["conditions"] and isinstance(award["conditions"]["items"], list)
    plain, _, _ = evaluate(policy, text, "duckdb")
    assert [{k: v for k, v in r.items() if k != "conditions"} for r in rows] == [json.loads(l) for l in plain.splitlines()]
    assert_values_only_of_conditions_not_met(rows)


def test_rows_side_by_side_are_the_sorted_rows(policy, city, monkeypatch):
    """A file whose every rule answers every line has its rows joined side by side (pyarrow), not
    sorted (DuckDB): both give the same bytes and the same summary, with and without --explain."""
    from subsidy_rules.sql import run_checked

    text = (city / "employers.jsonl").read_text(encoding="utf-8")
    joined_by = []
    fits = run_checked._fits
    monkeypatch.setattr(run_checked, "_fits", lambda answers: joined_by.append(fits(answers)) or joined_by[-1])
    for explain in (False, True):
        for fmt in ("jsonl", "csv"):
            joined = evaluate(policy, text, "duckdb", fmt, explain=explain)
            with monkeypatch.context() as patched:
                patched.setattr(run_checked, "_fits", lambda answers: False)  # as when the texts outgrow one array
                sorted_rows = evaluate(policy, text, "duckdb", fmt, explain=explain)
            assert joined == sorted_rows, (fmt, explain)
            header = 1 if fmt == "csv" else 0
            assert joined[0].count("\n") == header + 4 * len(text.splitlines())  # four rules apply to an employer
    assert joined_by == [True] * 4  # each first run joined its rows


def test_lines_python_decides_take_their_places_among_the_joined_rows(policy, city, monkeypatch):
    """Lines the Python engine decides (refused by the reader, not vouched for by the checks, or
    rejected) among lines every rule answers: put in their places among the joined rows, the same
    bytes and summary as sorting every row (DuckDB), and as the Python engine's."""
    from subsidy_rules.sql import run_checked

    good = (city / "labourers.jsonl").read_text(encoding="utf-8").splitlines()[:60]
    odd = (city / "labourers-with-errors.jsonl").read_text(encoding="utf-8").splitlines()
    odd = [line for line in odd if "GY2017-L0000" in line and int(line.split("GY2017-L0000")[1][:2]) >= 19]
    assert len(odd) >= 5
    commas = [line.replace('"id": "GY', '"id": "GY,', 1) for line in good[:3]]  # Python writes their rows
    lines = odd[:1] + commas[:1] + good[:30] + odd[1:3] + commas[1:] + good[30:] + odd[3:]
    text = "\n".join(lines) + "\n"
    spliced = []
    splice = run_checked._spliced
    monkeypatch.setattr(run_checked, "_spliced", lambda *args: spliced.append(len(args[3])) or splice(*args))
    assert_same(policy, text)
    for explain in (False, True):
        for fmt in ("jsonl", "csv"):
            joined = evaluate(policy, text, "duckdb", fmt, explain=explain)
            with monkeypatch.context() as patched:
                patched.setattr(run_checked, "SPLICED", -1)
                assert evaluate(policy, text, "duckdb", fmt, explain=explain) == joined, (fmt, explain)
    assert spliced and min(spliced) >= len(odd) + len(commas) - 1  # the odd lines were spliced in, not sorted


def test_spliced_puts_each_python_line_in_its_place():
    import pyarrow as pa

    from subsidy_rules.sql.run_checked import _spliced

    texts = pa.array(["a", "b", "c", "d"], pa.string())
    python = {0: ("z", 2), 2: ("B", 3)}  # lines 3 and 5 rejected: no text
    found, rows, lines = _spliced(texts, 4, [1, 2, 4, 5], [0, 2, 3, 5], python)
    assert (found.to_pylist(), rows, lines) == (["z", "a", "B", "c"], [2, 4, 3, 4], [0, 1, 2, 4])
    found, rows, lines = _spliced(texts, 4, [1, 2, 4, 5], [], {})
    assert (found.to_pylist(), rows, lines) == (["a", "b", "c", "d"], [4] * 4, [1, 2, 4, 5])


def _example_lines():
    lines = []
    for path in EXAMPLES:
        data = subsidy_rules.claims.parse_text(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            lines.append(json.loads(json.dumps(data, default=str)))
    return lines


BASES = _example_lines()

ODD_VALUES = [None, True, False, 0, -1, 12, 12.0, 1.5, "1500.50", "1,500", "2017-07-31", "2017-7-31", " 2017-07-31",
              "20170731", "0000-01-01", "是", "", "farming", "enterprise", [], {}, [None], [{}],
              "x\"y", "a,b", "\\", 1e3, 123456789012345678, 0.1234567890123456, 1500.5000000000001]
RAW_VALUES = ["NaN", "Infinity", "-Infinity", "1e400", "1.50000000000000", "12.0", "-0.0", "1E+3", "9999999999999999"]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _paths(inner, prefix + (key,))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:3]):
            yield from _paths(inner, prefix + (index,))


def _put(data, path, value):
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value


@st.composite
def odd_lines(draw):
    base = copy.deepcopy(draw(st.sampled_from(BASES)))
    paths = [p for p in _paths(base) if p]
    marker = None
    for _ in range(draw(st.integers(0, 3))):
        path = draw(st.sampled_from(paths))
        try:
            if draw(st.booleans()):
                _put(base, path, copy.deepcopy(draw(st.sampled_from(ODD_VALUES))))  # never the shared value itself
            elif isinstance(path[-1], str):
                marker = "\u0000RAW\u0000"
                _put(base, path, marker)
        except (TypeError, IndexError, KeyError):
            pass
        paths = [p for p in _paths(base) if p]
    kind = draw(st.sampled_from(["plain", "extra key", "drop entity", "wrong id", "bad county", "null as_of"]))
    if kind == "extra key":
        base[draw(st.sampled_from(["note", "labour", "as_of"]))] = 1
    elif kind == "drop entity":
        base = {k: v for k, v in base.items() if k in ("id", "as_of", "jurisdiction")}
    elif kind == "wrong id":
        base["id"] = draw(st.sampled_from([12.5, True, ["a"], "a\tb", "a,b", 'q"', 7, -3, None]))
    elif kind == "bad county":
        base["jurisdiction"] = draw(st.sampled_from(["广元县", "利州区", None, 3]))
    elif kind == "null as_of":
        base["as_of"] = None
    text = json.dumps(base, ensure_ascii=draw(st.booleans()))
    if marker is not None:
        text = text.replace(json.dumps(marker), draw(st.sampled_from(RAW_VALUES)), 1)
    form = draw(st.sampled_from(["as is", "trailing comma", "repeated key", "blank", "broken", "compact"]))
    if form == "trailing comma" and text.endswith("}"):
        text = text[:-1] + ",}"
    elif form == "repeated key" and text.startswith("{"):
        key = next(iter(base), "id")
        text = "{" + json.dumps(key) + ": null, " + text[1:]
    elif form == "blank":
        text = "   "
    elif form == "broken":
        text = text[: len(text) // 2]
    elif form == "compact":
        text = json.dumps(json.loads(text.replace("NaN", "0").replace("Infinity", "0")) if "NaN" not in text else base,
                          separators=(",", ":"), ensure_ascii=False, default=str)
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(lines=st.lists(odd_lines(), min_size=1, max_size=6))
def test_any_line_gives_the_python_engines_bytes(policy, lines):
    assert_same(policy, "\n".join(lines) + "\n")


NUMBER_FORMS = RAW_VALUES + ["1000000000000000", "999999999999999", "-1000000000000000", "12345678901234567890",
                              "123456789012345678901234", "9223372036854775808", "1500.500000000001", "0.0000000000001", "123456789.1234567", "1234567890123456",
                              '"12"', '"0.0435"', '"1,500"', '" 12"', '"-0.0"', '"-0.50"', '"1e3"', '"007"',
                              '"1234567890123456"', '"0.0000000000001"', '"12."', "true", "null"]
TEXT_FORMS = ['"2017-7-31"', '" 2017-07-31"', '"20170731"', '"2017-07-31T00:00"', '"2017/07/31"', '"0000-01-01"',
              '"2017-02-30"', '"2017-W30-1"', '"employed"', '"FARMING"', "12", "1.5", "true", "[]", '"是"']


def test_every_odd_form_of_every_value(policy):
    """Each value of each example written in forms DuckDB and Python read differently (digits past
    a double's, decimals past twelve, exponents, NaN, dates not in YYYY-MM-DD, numbers for text …):
    every such line gives the Python engine's answer, byte for byte."""
    lines = []
    for base in BASES:
        for path in _paths(base):
            if not path:
                continue
            target = base
            for part in path:
                target = target[part]
            if isinstance(target, (dict, list)):
                continue
            forms = NUMBER_FORMS if isinstance(target, (int, float)) and not isinstance(target, bool) else TEXT_FORMS
            for form in forms:
                changed = copy.deepcopy(base)
                _put(changed, path, "\u0000N\u0000")
                lines.append(json.dumps(changed, ensure_ascii=False).replace('"\\u0000N\\u0000"', form))
    assert len(lines) > 500
    assert_same(policy, "\n".join(lines) + "\n")


def test_clean_example_claims_are_decided_in_sql(policy):
    """Every example claim, as a JSON line, is decided by SQL: none is handed to Python needlessly."""
    lines = [json.dumps(base, ensure_ascii=False) for base in BASES]
    before = dict(J.decided_by)
    assert_same(policy, "\n".join(lines) + "\n")
    assert J.decided_by["python"] == before.get("python", 0) and len(lines) > 20


def _bare(claim, entity):
    """A claim as a bare record of ``entity`` (`evaluate --entity`): its own keys beside the fields."""
    return dict({k: v for k, v in claim.items() if k in ("id", "as_of", "jurisdiction")}, **claim[entity])


def test_bare_records_of_an_entity_are_decided_in_sql(policy, city):
    """`--entity labourer`: lines holding one labourer's fields (and the claim's own keys) are
    wrapped and decided in SQL, byte for byte as the Python engine; a line that is not a bare
    record (it names an entity), or that SQL cannot vouch for, is Python's."""
    claims = [json.loads(l) for l in (city / "labourers.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    clean = [json.dumps(_bare(c, "labourer"), ensure_ascii=False) for c in claims]
    before = dict(J.decided_by)
    assert_same(policy, "\n".join(clean) + "\n", entity="labourer")
    assert J.decided_by["python"] == before.get("python", 0)
    assert J.decided_by["sql"] - before.get("sql", 0) == 2 * len(clean)
    first = _bare(claims[0], "labourer")
    odd = [json.dumps(claims[0], ensure_ascii=False),  # a whole claim: not wrapped
           json.dumps(dict(first, household={"household_id": "h"}), ensure_ascii=False),  # names an entity
           json.dumps(dict(first, note=1), ensure_ascii=False),  # a key the labourer does not have
           json.dumps({k: v for k, v in first.items() if k not in ("id", "as_of", "jurisdiction")}),
           json.dumps(dict(first, age="41")), json.dumps(dict(first, as_of=None)), "{}", "[]", "5",
           '{"age": 40, "age": 41}', '{"age": 40,}']
    before = dict(J.decided_by)
    assert_same(policy, "\n".join(odd) + "\n", entity="labourer")
    assert J.decided_by["python"] - before.get("python", 0) >= 2 * 8
    for entity in policy.schema.entities:
        first_of = [c for c in (_example_claims_naming(entity))][:3]
        if first_of:
            assert_same(policy, "\n".join(json.dumps(_bare(c, entity), ensure_ascii=False) for c in first_of) + "\n",
                        entity=entity)


def _example_claims_naming(entity):
    return [b for b in BASES if isinstance(b.get(entity), dict)]


def test_bare_records_whose_fields_are_entity_or_claim_keys_are_left_to_python(policy):
    """A bare record is wrapped unless it names an entity, and the claim's own keys move out of
    it: an entity with a field named like either cannot be checked in SQL (every line is Python's)."""
    import attrs

    from subsidy_rules.sql.json_checks import bare_checkable, checked_sql

    schema = policy.schema
    labourer = schema.entities["labourer"]
    some_field = next(iter(labourer.fields.values()))
    assert bare_checkable(schema, "labourer")
    for name in ("household", "id", "as_of"):
        fields = dict(labourer.fields, **{name: attrs.evolve(some_field, name=name)})
        odd = attrs.evolve(schema, entities=dict(schema.entities, labourer=attrs.evolve(labourer, fields=fields)))
        assert not bare_checkable(odd, "labourer")
        assert "FALSE AS ok" in checked_sql(odd, (), "lines", (), bare="labourer")


def test_numbers_out_of_range_where_every_number_is_given(policy):
    """A number of 10^15 or more (the claim check refuses it) or past a 64-bit integer, in a line
    where every other number is given and plain: Python's answer, whatever else the line holds."""
    labourer = {"rural_registered_poor": True, "age": 40, "startup_subsidy_applied": 5}
    household = {"other_subsidised_loan_principal": 3}
    lines = []
    for value in NUMBER_FORMS:
        for entity, record, field in (("labourer", labourer, "age"), ("labourer", labourer, "startup_subsidy_applied"),
                                      ("household", household, "other_subsidised_loan_principal")):
            claim = {"id": "a", "as_of": "2017-07-31", "labourer": dict(labourer), "household": dict(household)}
            claim[entity][field] = "\u0000N\u0000"
            lines.append(json.dumps(claim, ensure_ascii=False).replace('"\\u0000N\\u0000"', value))
    before = dict(J.decided_by)
    assert_same(policy, "\n".join(lines) + "\n")
    assert J.decided_by["sql"] - before.get("sql", 0) > 0  # the plain ones are SQL's


def test_a_list_longer_than_a_claim_may_hold_is_pythons(policy, city, monkeypatch):
    """A list of more items than a claim may hold (C010) is refused by the SQL checks too: with the
    limit lowered to 3, an employer of 4 hires gets the Python engine's error, one of 3 is SQL's."""
    import subsidy_rules.claims as claims
    import subsidy_rules.facts as facts
    from subsidy_rules.sql import column_checks, json_checks

    for module in (claims, facts, json_checks, column_checks):  # column_checks: the blocks pyarrow types
        monkeypatch.setattr(module, "MAX_LIST", 3)
    employer = json.loads((city / "employers.jsonl").read_text(encoding="utf-8").splitlines()[0])
    hires = (employer["employer"]["hires"] * 4)[:4]
    lines = []
    for count in (3, 4):
        claim = copy.deepcopy(employer)
        claim["employer"]["hires"] = hires[:count]
        lines.append(json.dumps(claim, ensure_ascii=False))
    before = dict(J.decided_by)
    out, err, _ = evaluate(policy, "\n".join(lines) + "\n", "duckdb")
    assert "C010" in err and '"line": 1' in out and '"line": 2' not in out
    assert J.decided_by["python"] - before.get("python", 0) == 1
    assert_same(policy, "\n".join(lines) + "\n")


def test_half_a_character_is_refused_as_unreadable_by_both_engines(policy):
    """A string escape of half a character (\\ud800 alone) cannot be written as UTF-8: the line is
    refused as unreadable (C004), on both engines alike, instead of failing when it is written."""
    lines = ['{"id": "a\\ud800b", "as_of": "2017-07-31", "labourer": {"age": 30}}',
             '{"as_of": "2017-07-31", "labourer": {"name": "\\udfff", "age": 30}}',
             '{"as_of": "2017-07-31", "labourer": {"age": 30, "\\ud83d": 1}}',
             '{"as_of": "2017-07-31", "labourer": {"name": "\\ud83d\\ude00", "age": 30}}']  # a whole pair: text
    text = "\n".join(lines) + "\n"
    out, err, _ = evaluate(policy, text, "duckdb")
    assert err.count("C004") == 3 and "\\ud800" in err and '"line": 4' in out and "😀" not in err
    assert_same(policy, text)


def test_half_a_character_in_a_claim_file_is_refused(tmp_path, capsys):
    """`explain` on a claim file (JSON or YAML) holding half a character: C004, no internal error."""
    from subsidy_rules.cli import main

    for text in ('{"labourer": {"name": "\\ud800", "age": 30}}', 'labourer:\n  name: "\\ud800"\n  age: 30\n'):
        path = tmp_path / "claim.yaml"
        path.write_text(text, encoding="utf-8")
        code = main(["explain", str(path)])
        captured = capsys.readouterr()
        assert code != 0 and "C004" in captured.err and "internal error" not in captured.err


def test_utf8_pieces_are_cut_from_any_arrow_text_layout():
    """The output pieces are cut from Arrow's buffers: plain, large and sliced text arrays, and a
    string view (another layout), all give the rows' UTF-8 bytes."""
    import pyarrow as pa

    from subsidy_rules.tables.line_blocks import utf8_buffers

    texts = ["a", "", "中文\n", "x" * 300, "é"]
    arrays = [pa.array(texts, pa.string()), pa.array(texts, pa.large_string()), pa.array(["z"] + texts).slice(1)]
    if hasattr(pa, "string_view"):
        arrays.append(pa.array(texts, pa.string_view()))
    for array in arrays:
        offsets, data = utf8_buffers(array)
        assert [bytes(data[offsets[i]:offsets[i + 1]]).decode("utf-8") for i in range(len(texts))] == texts
        assert bytes(data[offsets[0]:offsets[len(texts)]]) == "".join(texts).encode("utf-8")


@pytest.mark.parametrize("statement", ["CREATE OR REPLACE TEMP TABLE checked", "SELECT q.key AS line"])
@pytest.mark.parametrize("raised", ["interrupt", "runtime"])
def test_ctrl_c_inside_a_duckdb_statement_is_a_stop(policy, city, monkeypatch, statement, raised):
    """Ctrl-C while DuckDB runs a statement comes back as DuckDB's InterruptException or a
    RuntimeError('Query interrupted'): the run stops with KeyboardInterrupt (which the command
    line reports as a stop), whether it lands in the checks or in a rule's query, never a hand-over
    to Python or an internal error."""
    import duckdb

    from subsidy_rules.sql import connection

    opened = connection.connect

    class Interrupted:
        def __init__(self, con):
            self.con = con

        def execute(self, sql, *args):
            if sql.startswith(statement):
                stop()
            return self.con.execute(sql, *args)

        def sql(self, sql):  # a rule's query, read as Arrow: the stop comes when it runs
            relation = self.con.sql(sql)
            return Stopping(relation) if sql.startswith(statement) else relation

        def __getattr__(self, name):
            return getattr(self.con, name)

    class Stopping:
        def __init__(self, relation):
            self.relation = relation

        def to_arrow_table(self):
            stop()

        arrow = to_arrow_table

    def stop():
        raise duckdb.InterruptException("INTERRUPT Error") if raised == "interrupt" else RuntimeError("Query interrupted")

    monkeypatch.setattr(J, "connect", lambda: Interrupted(opened()))
    text = (city / "labourers.jsonl").read_text(encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        evaluate(policy, text, "duckdb")


def test_auto_runs_a_small_text_file_on_the_python_engine_and_a_large_one_on_duckdb(city, tmp_path, monkeypatch):
    """`--engine auto`: a JSON Lines or CSV file under SMALL_TEXT_INPUT bytes is decided by the
    Python engine (starting DuckDB would cost more than it saves), a larger one by DuckDB, standard
    input by DuckDB; --explain always by the Python engine. The output is the same."""
    from subsidy_rules import cli

    source = city / "posts.jsonl"
    assert source.stat().st_size < cli.SMALL_TEXT_INPUT

    def run(*extra, stdin=None):
        before = dict(J.decided_by)
        out = tmp_path / f"out{len(list(tmp_path.iterdir()))}.jsonl"
        if stdin is not None:
            monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(source.read_bytes()), encoding="utf-8"))
        assert cli.main(["evaluate", "-" if stdin else str(source), "--out", str(out), *extra]) == 0
        return J.decided_by["sql"] - before.get("sql", 0), out.read_bytes()

    small, python_bytes = run()
    assert small == 0
    monkeypatch.setattr(cli, "SMALL_TEXT_INPUT", source.stat().st_size)  # the file is now large enough
    large, duckdb_bytes = run()
    assert large > 0 and duckdb_bytes == python_bytes
    monkeypatch.setattr(cli, "SMALL_TEXT_INPUT", source.stat().st_size + 1)
    assert run()[0] == 0
    assert run(stdin=True)[0] > 0  # its size is not known: DuckDB
    assert run("--engine", "duckdb")[0] > 0
    assert run("--explain")[0] == 0


def _without_each_fact(base):
    """The claim, and the claim with each of its facts left out in turn (unknown conditions)."""
    yield base
    for entity, record in base.items():
        if isinstance(record, dict):
            for name in record:
                changed = copy.deepcopy(base)
                del changed[entity][name]
                yield changed


def test_the_compact_explanations_conditions_are_the_reference_evaluators(policy, city):
    """In the JSON text `--explain` writes, each condition's result and the deciding conditions
    (written from the condition columns, not from the query's list) are what the IR's reference
    evaluator gives: on every example claim with each of its facts left out in turn, and the city."""
    from decimal import Decimal

    from subsidy_rules.claims import coerce_claim
    from subsidy_rules.ir import reference
    from sql_oracle import deciding_ids

    lines = [json.dumps(claim, ensure_ascii=False) for base in BASES for claim in _without_each_fact(base)]
    lines += [line for path in sorted(city.glob("*.jsonl")) if "errors" not in path.name
              for line in path.read_text(encoding="utf-8").splitlines()[:60]]
    out, _, _ = evaluate(policy, "\n".join(lines) + "\n", "duckdb", explain=True)
    checked = unknown = shown = 0
    for row in map(json.loads, out.splitlines()):
        if row["conditions"] is None:  # decided by the Python engine
            continue
        claim = coerce_claim(json.loads(lines[row["line"] - 1], parse_float=Decimal), policy.schema, policy.info.counties)
        bound = policy.bound_rule(row["rule"], claim.get("as_of") or dt.date.today(), claim.get("jurisdiction"))
        raw = reference.evaluate(bound, claim, policy.schema)
        tree = bound.ir.conditions
        if bound.in_force:
            assert row["conditions"]["deciding"] == deciding_ids(tree, raw.nodes), (row["rule"], row["line"])
        for node in tree.nodes:
            name = "c_" + node.id.replace("-", "_") if node.id else f"c_n{node.index}"
            assert row["conditions"][name] == raw.nodes[node.index], (row["rule"], row["line"], name)
        keys = list(row["conditions"])  # a value read follows its condition, in the order it is read
        for before, key in zip(keys, keys[1:]):
            if key.startswith("o_"):
                condition, _, index = key[2:].rpartition("_")
                assert before == "c_" + condition or (before.startswith(f"o_{condition}_")
                                                      and int(before.rpartition("_")[2]) < int(index)), (row["line"], keys)
                shown += 1
        checked += 1
        unknown += raw.nodes[0] is None
    assert checked > 500 and unknown > 50 and shown > 500


def test_rows_streamed_into_arrow_are_the_rows_copied(policy, city, monkeypatch):
    """A large chunk's query streams its rows into Arrow (a relation), a small one's are copied from
    the result (connection.arrow_of): both give the same bytes and summary."""
    from subsidy_rules.sql import connection

    text = (city / "employers.jsonl").read_text(encoding="utf-8")
    streamed = []
    for explain in (False, True):
        copied = evaluate(policy, text, "duckdb", explain=explain)
        with monkeypatch.context() as patched:
            patched.setattr(connection, "STREAM_ROWS", 1)
            real = connection.arrow_of

            def counting(con, query, rows=0):
                streamed.append(rows >= connection.STREAM_ROWS)
                return real(con, query, rows)

            patched.setattr(sys.modules["subsidy_rules.sql.run_checked"], "arrow_of", counting)
            assert evaluate(policy, text, "duckdb", explain=explain) == copied, explain
    assert streamed and all(streamed)


def test_the_deciding_text_is_written_only_from_a_query_with_every_condition_column(policy):
    from subsidy_rules.sql.compile import col_name, deciding_json

    tree = policy.bound_rule("hiring-award", dt.date(2017, 7, 31), None).ir.conditions
    names = {col_name("c", node.id, node.index) for node in tree.nodes}
    text = deciding_json(tree, "q", names)
    assert text is not None and all(f'"{leaf.id}"' in text for leaf in tree.leaves)
    assert deciding_json(tree, "q", names - {col_name("c", tree.leaves[-1].id, tree.leaves[-1].index)}) is None


def test_rows_the_python_engine_decides_carry_the_conditions_sql_would_give(policy, city):
    """A line written so that the SQL checks hand it to the Python engine (a whole number written
    `35.0`) gets the same `conditions` object as the same claim written plainly, which SQL
    decides: on every example claim with each fact left out in turn, and the city."""
    import re

    from subsidy_rules.sql.run_checked import decided_by

    lines = [json.dumps(claim, ensure_ascii=False) for base in BASES for claim in _without_each_fact(base)]
    lines += [line for path in sorted(city.glob("*.jsonl")) if "errors" not in path.name
              for line in path.read_text(encoding="utf-8").splitlines()[:60]]
    twins = [re.sub(r'(": )(\d{1,9})([,}])', r"\1\2.0\3", line, count=1) for line in lines]
    pairs = [(a, b) for a, b in zip(lines, twins) if a != b]
    start = decided_by["python"]
    plain, _, plain_summary = evaluate(policy, "\n".join(a for a, _ in pairs) + "\n", "duckdb", explain=True)
    plain_handed = decided_by["python"] - start
    written, _, written_summary = evaluate(policy, "\n".join(b for _, b in pairs) + "\n", "duckdb", explain=True)
    handed = decided_by["python"] - start - plain_handed
    assert handed > 300 and handed > plain_handed * 5, (handed, plain_handed, len(pairs))  # a decimal field's 1000.0 is SQL's
    assert written_summary == plain_summary
    rows = [json.loads(line) for line in plain.splitlines()]
    again = [json.loads(line) for line in written.splitlines()]
    assert len(rows) == len(again) > 500
    for a, b in zip(rows, again):
        assert a == b, (a["rule"], a["line"])
    assert written == plain  # byte for byte: the object is written without spaces whichever engine decided
    assert all(isinstance(row["conditions"], dict) for row in again)
    assert sum(1 for row in again if any(k.startswith("o_") for k in row["conditions"])) > 300


def test_the_python_engines_conditions_are_the_querys_on_every_row_sql_decides(policy, city):
    """sql/compact.py fills a query's columns from a RawResult: on every row SQL decides, the
    reference evaluator's record so filled writes the same compact object as the query's row
    (values, types and key order), for every rule of the example claims with each fact left out
    in turn, and the city."""
    from decimal import Decimal

    from subsidy_rules.claims import coerce_claim
    from subsidy_rules.ir import reference
    from subsidy_rules.sql.compact import compact, decimal_reads, query_values
    from subsidy_rules.sql.compile import compile_bound
    from subsidy_rules.sql.connection import connect

    lines = [json.dumps(claim, ensure_ascii=False) for base in BASES for claim in _without_each_fact(base)]
    lines += [line for path in sorted(city.glob("*.jsonl")) if "errors" not in path.name
              for line in path.read_text(encoding="utf-8").splitlines()[:80]]
    claims = [coerce_claim(json.loads(line, parse_float=Decimal), policy.schema, policy.info.counties) for line in lines]
    groups = {}
    for index, claim in enumerate(claims):
        day = claim.get("as_of") or dt.date.today()
        for rule in policy.rule_ids:
            if policy.compiled(rule, day).rule.applies_to in claim:
                groups.setdefault((rule, day, claim.get("jurisdiction")), []).append(index)
    con = connect()
    compared = with_values = 0
    for (rule, day, county), members in groups.items():
        bound = policy.bound_rule(rule, day, county)
        query = compile_bound(policy, bound, explain=True)
        exact = decimal_reads(query.columns, bound, policy.schema, policy.model.parameters)
        for row in R.run_query(con, query, R.arrow_table(((i, claims[i]) for i in members), policy.schema)):
            if row.values.get("_fallback"):
                continue
            raw = reference.evaluate(bound, claims[row.key], policy.schema, policy._ref_resolver(day, county))
            ours = json.dumps(compact(query_values(query.columns, bound, raw, exact, claims[row.key])), ensure_ascii=False)
            assert ours == json.dumps(compact(row.values), ensure_ascii=False), (rule, row.key)
            compared += 1
            with_values += '"o_' in ours
    assert compared > 1000 and with_values > 300


@pytest.mark.parametrize("other, shown", [(200000, "200000"), ("200000.50", "200000.5"), ("250000.250", "250000.25")])
def test_a_decimal_value_read_is_written_alike_by_sql_and_by_the_python_engine(policy, other, shown):
    """A value read that is a decimal by its type (the household's other subsidised principal) is written
    in its shortest exact form: not padded to SQL's 12 places, and a decimal even when Python holds
    it as a whole int (a money fact written 0). The same line decided by SQL and handed to Python
    (its term written 36.0), as JSON Lines text and through Arrow, gives the same object."""
    from decimal import Decimal

    from subsidy_rules.tables.records import RawRecord

    claim = {"as_of": "2017-07-31", "jurisdiction": "朝天区", "loan": {
        "borrower": {"name": "贾明华", "county_name": "朝天区", "rural_registered_poor": True,
                     "employment_status": "self_employed", "organising_business": False},
        "borrower_household": {"household_id": "510812-0317", "head_name": "贾明华", "lost_land_use_rights": False},
        "principal": 100000, "annual_interest_rate": Decimal("0.0435"), "start_date": "2017-03-15",
        "term_months": 36, "years_already_subsidised": 0, "credit_guaranteed": True}}
    claim["loan"]["borrower_household"]["other_subsidised_loan_principal"] = Decimal(other) if isinstance(other, str) else other
    line = json.dumps(claim, ensure_ascii=False, default=str).replace(f'"{other}"', str(other))
    twin = line.replace('"term_months": 36', '"term_months": 36.0')
    assert twin != line
    found = []
    for text in (line, twin):
        out, _, _ = evaluate(policy, text + "\n", "duckdb", explain=True, rules=["startup-loan-interest-subsidy"])
        found.append(json.loads(out)["conditions"])
    records = [RawRecord(1, json.loads(line, parse_float=Decimal))]  # no text: the Arrow path
    writer_out = io.StringIO()
    writer = open_writer(writer_out, "jsonl", R.table_columns("jsonl", True), "zh")
    R.run_table(policy, records, rules=["startup-loan-interest-subsidy"], explain=True, fmt="jsonl", writer=writer,
                write_error=lambda text: None, summary=Summary())
    writer.close()
    assert writer_out.getvalue() == out, "the Arrow path writes the line as the text path does"
    found.append(json.loads(writer_out.getvalue())["conditions"])
    assert found[0]["c_household_cap_left"] is False and found[0]["o_household_cap_left_0"] == shown, found[0]
    assert found[1] == found[0] and found[2] == found[0]


def test_a_line_nested_past_the_decoders_depth_is_rejected_by_its_line_on_both_engines(city, tmp_path):
    """100,000 nested brackets: Python's JSON decoder recurses out; the SQL path's look at the block's
    first lines must not end the run: the line is C010, the others are decided, the bytes the same."""
    from subsidy_rules.cli import main

    lines = (city / "labourers.jsonl").read_text(encoding="utf-8").splitlines()[:300]
    deep = '{"labourer": {"name": ' + "[" * 100_000 + "]" * 100_000 + "}}"
    source = tmp_path / "deep.jsonl"
    source.write_text("\n".join(lines[:2] + [deep] + lines[2:]) + "\n", encoding="utf-8")
    written = []
    for engine in ("python", "duckdb"):
        out, errors = tmp_path / f"{engine}.jsonl", tmp_path / f"{engine}.txt"
        assert main(["evaluate", str(source), "--engine", engine, "--out", str(out), "--errors", str(errors),
                     "--lang", "en", "--no-progress"]) == 2
        assert errors.read_text(encoding="utf-8").startswith("line 3: [C010]"), engine
        written.append(out.read_bytes())
    assert written[0] == written[1] and written[0].count(b"\n") > 300
