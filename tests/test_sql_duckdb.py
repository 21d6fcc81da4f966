"""DuckDB runs every rule's compiled query with the reference evaluator's answers, row by row:
outcome, amount, each condition's result, the values shown, notes, items, missing facts, amount status."""

from __future__ import annotations

import datetime as dt
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

duckdb = pytest.importorskip("duckdb", reason="pip install duckdb (the 'sql' extra)")
pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import subsidy_rules  # noqa: E402
from subsidy_rules.claims import coerce_claim, read_claim  # noqa: E402
from subsidy_rules.ir import reference  # noqa: E402
from subsidy_rules.sql import compile_rule, rule_query  # noqa: E402
from subsidy_rules.sql import run_duckdb as R  # noqa: E402
from subsidy_rules.sql.layout import create_table_sql  # noqa: E402

from sql_claims import AS_OF, claims_for, fen_edge_claims, quotient_edge_villages  # noqa: E402
from sql_oracle import differences  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples" / "claims").glob("*.yaml"))


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


@pytest.fixture(scope="module")
def con():
    return R.connect()


def check_rows(policy, con, rule, claims, as_of, county=None):
    """Run `rule` over `claims` in DuckDB and return every difference from the reference."""
    bound = policy.bound_rule(rule, as_of, county)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
    rows = {row.key: row.values for row in R.run_query(con, query, R.arrow_table(enumerate(claims), policy.schema))}
    assert len(rows) == len(claims)
    problems = []
    # the lean query (no --explain) gives the full query's decision columns, row by row
    lean = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb", explain=False)
    assert [c.name for c in lean.columns] == ["key", "outcome", "amount", "amount_status", "missing", "amount_missing"]
    for row in R.run_query(con, lean, R.arrow_table(enumerate(claims), policy.schema)):
        full = {name: rows[row.key].get(name) for name in row.values}
        if row.values != full:
            problems.append(f"{rule} claim {row.key}: lean {row.values} != full {full}")
    decide = policy.decider(rule, as_of, county)
    explain = policy.explainer(rule, as_of, county)
    for index, claim in enumerate(claims):
        raw = reference.evaluate(bound, claim, policy.schema)
        for problem in differences(query, rows[index], raw, bound):
            problems.append(f"{rule} claim {index}: {problem}")
        # the compiled Python paths (decide, explain) give the same row
        verdict, decision = decide(claim), explain(claim)
        if (verdict.outcome.value, verdict.amount) != (rows[index]["outcome"], rows[index]["amount"]):
            problems.append(f"{rule} claim {index}: decide {verdict} != {rows[index]['outcome']} {rows[index]['amount']}")
        for problem in differences(query, rows[index], decision.raw, bound):
            problems.append(f"{rule} claim {index}: explain: {problem}")
    return problems


def test_every_example_claim_matches_the_reference(policy, con):
    compared = 0
    problems = []
    for path in EXAMPLES:
        claim = read_claim(path, policy.schema, policy.info.counties)
        day = claim.get("as_of") or AS_OF
        for rule in policy.rule_ids:
            if policy.compiled(rule, day).rule.applies_to in claim:
                problems += check_rows(policy, con, rule, [claim], day, claim.get("jurisdiction"))
                compared += 1
    assert compared >= len(EXAMPLES)
    assert problems == []


def test_a_quotient_compared_with_a_rate_is_compared_exactly(policy, con):
    example = read_claim(ROOT / "examples" / "claims" / "demonstration-village-eligible.yaml", policy.schema)
    claims = quotient_edge_villages(example)
    assert check_rows(policy, con, "demonstration-village", claims, example["as_of"]) == []
    rows = R.evaluate_claims(policy, "demonstration-village", [claims[0], claims[3]], example["as_of"])
    # 9,499,999,999 of 10,000,000,000 employed is under the rate of 0.95; 9,500,000,000 is on it
    assert [r.values["outcome"] for r in rows] == ["ineligible", "eligible"]


def test_amounts_a_hair_from_half_a_fen_round_as_the_reference(policy, con):
    for rule, claims in fen_edge_claims(policy, read_claim, ROOT / "examples" / "claims").items():
        assert check_rows(policy, con, rule, claims, claims[0]["as_of"]) == []


def test_a_day_out_of_the_references_range_hands_the_row_over(policy, con, tmp_path):
    """add_months before year 1: SQL has the day, the reference has not (X002), so the row is the
    Python engine's to decide, and both engines reject the record alike."""
    example = read_claim(ROOT / "examples" / "claims" / "demonstration-village-eligible.yaml", policy.schema)
    early = dict(example, village=dict(example["village"], assessment_date=dt.date(1, 3, 1), five_lists_updated_on=dt.date(1, 1, 1)))
    bound = policy.bound_rule("demonstration-village", example["as_of"], None)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
    rows = [row.values for row in R.run_query(con, query, R.arrow_table(enumerate([early, example]), policy.schema))]
    assert [row["_fallback"] for row in rows] == [True, False]
    from subsidy_rules.server.documents import plain_json

    lines = tmp_path / "villages.jsonl"
    lines.write_text("".join(json.dumps(plain_json(c), ensure_ascii=False) + "\n" for c in (early, example)), encoding="utf-8")
    outputs = []
    for engine in ("python", "duckdb"):
        done = run_cli("evaluate", str(lines), "--engine", engine, "--out", str(tmp_path / f"{engine}.jsonl"), "--lang", "en")
        assert "demonstration-village.yaml:67:46: [demonstration-village] [X002]" in done.stderr and "records read 2 = decided 1 + rejected 1" in done.stderr, done.stderr
        assert "(with village.assessment_date = 0001-03-01, " in done.stderr, done.stderr
        outputs.append((tmp_path / f"{engine}.jsonl").read_bytes())
    assert outputs[0] == outputs[1]


def test_out_of_force_and_other_dates(policy, con):
    claim = read_claim(ROOT / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    for day in (dt.date(2010, 1, 1), dt.date(2016, 6, 1), dt.date(2030, 1, 1)):
        for rule in ("hiring-award", "employment-base", "pre-job-training-subsidy"):
            assert check_rows(policy, con, rule, [claim], day) == []


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_claims_match_the_reference(policy, con, data):
    problems = []
    for rule in policy.rule_ids:
        entities = policy.compiled(rule, AS_OF).ir.entities
        claims = data.draw(st.lists(claims_for(policy.schema, entities), min_size=8, max_size=8), label=rule)
        claims = [coerce_claim(c, policy.schema) for c in claims]
        problems += check_rows(policy, con, rule, claims, AS_OF)
    assert problems == []


def test_the_differential_check_can_fail(policy, con):
    """A wrong answer is caught: the oracle compares what it claims to."""
    claim = read_claim(ROOT / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    bound = policy.bound_rule("hiring-award", AS_OF, None)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
    row = dict(R.run_query(con, query, R.arrow_table([(0, claim)], policy.schema))[0].values)
    raw = reference.evaluate(bound, claim, policy.schema)
    assert differences(query, row, raw, bound) == []
    row["amount"] = row["amount"] + Decimal("0.01")
    row["c_is_enterprise"] = not row["c_is_enterprise"]
    found = differences(query, row, raw, bound)
    assert any(f.startswith("amount") for f in found) and any(f.startswith("c_is_enterprise") for f in found)


# ---------------------------------------------------------------- the command line


class Done:
    def __init__(self, code, stdout, stderr):
        self.returncode, self.stdout, self.stderr = code, stdout, stderr


def run_cli(*args):
    """The command line in this process (the same main() the console script calls)."""
    import io

    from subsidy_rules.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = main(list(args), stdout=out, stderr=err)
    return Done(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def city(small_city):
    return small_city


def test_city_through_duckdb_matches_the_reference(policy, con, city):
    problems = []
    compared = 0
    for path in sorted(city.glob("*.jsonl")):
        if "errors" in path.name:
            continue
        claims = [coerce_claim(json.loads(line, parse_float=Decimal), policy.schema, policy.info.counties)
                  for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        groups = {}
        for claim in claims:
            groups.setdefault((claim.get("as_of"), claim.get("jurisdiction")), []).append(claim)
        for (day, county), members in groups.items():
            for rule in policy.rule_ids:
                chosen = [c for c in members if policy.compiled(rule, day).rule.applies_to in c]
                if chosen:
                    problems += check_rows(policy, con, rule, chosen, day, county)
                    compared += len(chosen)
    assert compared > 1000
    assert problems[:20] == []


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_engine_duckdb_writes_the_same_bytes(city, tmp_path, fmt):
    for path in sorted(city.glob("*.jsonl")) + sorted((ROOT / "examples" / "claims").glob("*.jsonl")):
        outputs = {}
        for engine in ("python", "duckdb"):
            out, errors = tmp_path / f"{path.stem}.{engine}.{fmt}", tmp_path / f"{path.stem}.{engine}.err"
            done = run_cli("evaluate", str(path), "--engine", engine, "--format", fmt, "--out", str(out), "--errors", str(errors))
            outputs[engine] = (out.read_bytes(), errors.read_bytes(), done.stderr, done.returncode)
        assert outputs["python"] == outputs["duckdb"], path.name
        assert outputs["python"][0]  # something was written


def test_engine_duckdb_reports_bad_lines_like_python(city, tmp_path):
    path = city / "labourers-with-errors.jsonl"
    done = {e: run_cli("evaluate", str(path), "--engine", e, "--lang", "en", "--format", "csv") for e in ("python", "duckdb")}
    assert done["python"].stdout == done["duckdb"].stdout
    assert done["python"].stderr == done["duckdb"].stderr
    assert "line 3:" in done["duckdb"].stderr and "rejected" in done["duckdb"].stderr
    read = [l for l in done["duckdb"].stderr.splitlines() if l.startswith("records read")][0]
    numbers = [int(w) for w in read.replace("=", " ").replace("+", " ").split() if w.isdigit()]
    assert numbers[0] == numbers[1] + numbers[2] and numbers[2] > 0


def test_printed_query_runs_in_duckdb_on_the_default_layout(policy, tmp_path):
    claim = read_claim(ROOT / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    done = run_cli("sql", "hiring-award", "--dialect", "duckdb", "--as-of", "2017-07-31")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("-- hiring-award")
    con = duckdb.connect()
    con.execute(create_table_sql(policy.schema))
    table = R.arrow_table([(7, claim)], policy.schema)
    con.register("incoming", table)
    con.execute("INSERT INTO claims SELECT * FROM incoming")
    cursor = con.execute(text)
    names = [d[0] for d in cursor.description]
    row = dict(zip(names, cursor.fetchone()))
    verdict = policy.decide(claim, "hiring-award", AS_OF)
    assert row["key"] == 7 and row["outcome"] == verdict.outcome.value and row["amount"] == verdict.amount


def test_sql_command_every_dialect(policy):
    for dialect in ("duckdb", "postgres", "spark"):
        for rule in policy.rule_ids:
            text = rule_query(policy, rule, dialect, AS_OF)
            assert text.count(";") >= 1 and f"-- {rule}" in text


def test_explain_row_is_explain_of_that_claim(city, tmp_path):
    path = city / "employers.jsonl"
    line = path.read_text(encoding="utf-8").splitlines()[2]
    single = tmp_path / "one.json"
    single.write_text(line, encoding="utf-8")
    for extra in ([], ["--rule", "hiring-award", "--lang", "en", "--full"]):
        by_row = run_cli("explain", "--row", f"{path}:3", *extra)
        direct = run_cli("explain", str(single), *extra)
        assert by_row.returncode == direct.returncode
        assert by_row.stdout == direct.stdout and by_row.stdout.strip()
    missing = run_cli("explain", "--row", f"{path}:99999")
    assert missing.returncode != 0 and "99999" in missing.stderr and "Traceback" not in missing.stderr


def test_explain_with_duckdb_writes_condition_columns(city, tmp_path):
    out = tmp_path / "explained.jsonl"
    run_cli("evaluate", str(city / "employers.jsonl"), "--engine", "duckdb", "--explain", "--out", str(out))
    rows = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert rows and all("conditions" in r and "decision" not in r for r in rows)
    base = [r for r in rows if r["rule"] == "employment-base"][0]["conditions"]
    assert "c_is_enterprise" in base and "deciding" in base and isinstance(base["c_new_hires_10"], (bool, type(None)))
    assert len(out.read_bytes()) / len(rows) < 4000  # columns, not a tree per record


@pytest.mark.parametrize("fmt", ["parquet", "xlsx"])
def test_engine_duckdb_reads_and_writes_tables(city, tmp_path, fmt):
    pytest.importorskip("openpyxl" if fmt == "xlsx" else "pyarrow")
    source = city / "employers.jsonl"
    outputs = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / f"out.{engine}.{fmt}"
        done = run_cli("evaluate", str(source), "--engine", engine, "--format", fmt, "--out", str(out))
        assert done.returncode == 0, done.stderr
        outputs[engine] = _table_rows(out, fmt)
    assert outputs["python"] == outputs["duckdb"] and outputs["python"]


def _table_rows(path, fmt):
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    return [tuple(row) for row in book.worksheets[0].iter_rows(values_only=True)]


def test_engine_duckdb_on_parquet_input(city, tmp_path, policy):
    pq = pytest.importorskip("pyarrow.parquet")
    claims = [json.loads(l) for l in (city / "loans.jsonl").read_text(encoding="utf-8").splitlines()]
    import pyarrow as pa

    table = pa.Table.from_pylist([{"id": c["id"], "as_of": c["as_of"], "jurisdiction": c["jurisdiction"],
                                   "loan.principal": c["loan"].get("principal"),
                                   "loan.term_months": c["loan"].get("term_months"),
                                   "loan.credit_guaranteed": c["loan"].get("credit_guaranteed")} for c in claims])
    path = tmp_path / "loans.parquet"
    pq.write_table(table, path)
    done = {e: run_cli("evaluate", str(path), "--engine", e, "--lang", "en") for e in ("python", "duckdb")}
    assert done["python"].stdout == done["duckdb"].stdout and done["python"].stdout
    assert done["python"].stderr == done["duckdb"].stderr


def test_engine_duckdb_on_csv_input_with_bad_rows(tmp_path):
    path = tmp_path / "labourers.csv"
    path.write_text("id,as_of,labourer.rural_registered_poor,labourer.entrepreneurship_training_attended,"
                    "labourer.employment_status,labourer.organising_business,labourer.age\n"
                    "a1,2017-07-31,true,true,self_employed,,40\n"
                    "a2,2017-07-31,true,,farming,true,41\n"
                    "a3,2017-07-31,yes,no,farming,false,forty\n"
                    "a4,2017-07-31,true,true,unknown_status,false,30\n"
                    "a5,2017-07-31,false,true,self_employed,true,\n", encoding="utf-8")
    for fmt in ("jsonl", "csv"):
        done = {e: run_cli("evaluate", str(path), "--engine", e, "--format", fmt) for e in ("python", "duckdb")}
        assert done["python"].stdout == done["duckdb"].stdout and done["python"].stdout
        assert done["python"].stderr == done["duckdb"].stderr
        assert done["duckdb"].returncode == done["python"].returncode != 0  # rows 4 and 5 are rejected


def test_engine_duckdb_without_the_package_says_which_extra(city, monkeypatch):
    monkeypatch.setitem(sys.modules, "duckdb", None)  # import duckdb now raises ImportError
    done = run_cli("evaluate", str(city / "loans.jsonl"), "--engine", "duckdb", "--lang", "en")
    assert done.returncode == 2 and "subsidy-rules[sql]" in done.stderr and "Traceback" not in done.stderr


def test_explain_with_duckdb_to_parquet(city, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    out = tmp_path / "explained.parquet"
    assert run_cli("evaluate", str(city / "employers.jsonl"), "--engine", "duckdb", "--explain", "--format", "parquet",
                   "--out", str(out)).returncode == 0
    rows = pq.read_table(out).to_pylist()
    conditions = [json.loads(r["conditions"]) for r in rows if r["rule"] == "hiring-award"]
    assert conditions and all("c_is_enterprise" in c and "items" in c for c in conditions)
    from sql_oracle import assert_values_only_of_conditions_not_met

    assert_values_only_of_conditions_not_met([dict(r, conditions=json.loads(r["conditions"])) for r in rows
                                              if r["conditions"] is not None])


def test_printing_a_query_leaves_it_unchanged(policy):
    """CompiledQuery.sql() generates without copying the tree: every print gives the same text."""
    for rule in policy.rule_ids:
        for explain in (True, False):
            query = compile_rule(policy.bound_rule(rule, AS_OF, None), policy.schema, policy.model.parameters,
                                 "duckdb", explain=explain)
            first = query.sql(pretty=False)
            assert query.sql(pretty=True).replace("\n", " ") and query.sql(pretty=False) == first


@pytest.mark.parametrize("rule,as_of", [("hiring-award", AS_OF), ("hiring-award", dt.date(2000, 1, 1))])
def test_carried_columns_come_through_each_row_unchanged(policy, con, rule, as_of):
    """A column of the claims table named in ``carry`` is handed on, last, value for value (a rule
    in force has layers of SELECTs it passes through; one not yet in force, a single SELECT)."""
    bound = policy.bound_rule(rule, as_of, None)
    plain = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
    carried = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb", carry=("tag",))
    claim = read_claim(ROOT / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    facts = {name: value for name, value in claim.items() if name in policy.schema.entities}
    claims = [facts, {"employer": {"name": "b", "hires": []}}, {"employer": {}}] * 5
    table = R.arrow_table(enumerate(claims), policy.schema)
    import pyarrow as pa

    table = table.append_column("tag", pa.array([f"'x\"{i}" for i in range(len(claims))]))
    con.register("claims", table)
    try:
        names = [d[0] for d in con.execute(carried.sql(pretty=False)).description]
        with_tag = con.execute(carried.sql(pretty=False)).fetchall()
        without = con.execute(plain.sql(pretty=False)).fetchall()
    finally:
        con.unregister("claims")
    assert names[-1] == "tag"
    assert [row[:-1] for row in with_tag] == without  # the answers are the same
    assert [(row[0], row[-1]) for row in with_tag] == [(key, f"'x\"{key}") for key in range(len(claims))]
    public = subsidy_rules.sql.compiled_query(policy, rule, "duckdb", as_of, carry=("tag",))
    assert public.sql(pretty=False) == carried.sql(pretty=False)


def test_a_carried_name_the_query_makes_is_refused(policy):
    bound = policy.bound_rule("hiring-award", AS_OF, None)
    for name in ("outcome", "key", "c_anything", "_fallback", "amount_status", "deciding"):
        with pytest.raises(ValueError):
            compile_rule(bound, policy.schema, policy.model.parameters, "duckdb", carry=(name,))


def test_the_runners_database_plans_lightly_with_the_passes_this_duckdb_knows(monkeypatch):
    """The optimizer passes that cost the runners' queries more to plan than they save are off in
    the runners' database; a pass an older (or newer) DuckDB does not know is left out, not an error."""
    from subsidy_rules.sql import connection as C

    monkeypatch.setattr(C, "LIGHT_PLANNING", C.LIGHT_PLANNING + ("no_such_pass",))
    monkeypatch.setattr(C, "_DATABASES", {})  # a database opened anew, as a new process opens it
    con = C.connect()
    off = set(con.execute("SELECT current_setting('disabled_optimizers')").fetchall()[0][0].split(","))
    known = {row[0] for row in con.execute("SELECT name FROM duckdb_optimizers()").fetchall()}
    assert off == {name for name in C.LIGHT_PLANNING if name in known} and off
    assert con.execute("SELECT 1 + 1").fetchall() == [(2,)]


def _lists_of_facts(d, depth: int = 3):
    """Lists of texts as the compiler builds missing facts: a fact's path while it is NULL,
    concatenations, CASEs under a test of another column, the empty list, and a list built from
    a column (which the flattening must leave in its place)."""
    from sqlglot import exp

    from subsidy_rules.sql.dialects import case, is_false, is_null, is_true

    col = exp.column
    tests = st.one_of(  # tests that are never NULL, and one that can be (its CASE stays as it is)
        st.sampled_from([is_null, is_true, is_false]).flatmap(
            lambda test: st.sampled_from("abcg").map(lambda name: test(col(name)))),
        st.sampled_from("abcg").map(lambda name: exp.EQ(this=col(name), expression=exp.true())))
    fact = st.sampled_from("abc").map(lambda name: case(
        (is_null(col(name)), d.text_list_of(exp.Literal.string(f"e.{name}"))), default=d.empty()))
    built = st.just(case((is_null(col("g")), d.text_list_of(exp.Literal.string("x."), col("tag"))),
                         default=d.empty()))
    leaves = st.one_of(fact, built, st.just(d.empty()),
                       st.lists(st.sampled_from("ab"), min_size=1, max_size=2).map(
                           lambda names: d.text_list_of(*(exp.Literal.string(n) for n in names))))
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, min_size=2, max_size=4).map(lambda parts: d.concat_lists(*parts)),
        st.tuples(tests, inner).map(lambda pair: case(pair, default=d.empty())),
        st.tuples(tests, st.sampled_from([is_null, is_true]), inner).map(
            lambda t: case((exp.and_(t[0], t[1](col("g"))), t[2]), default=d.empty()))), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_flat_missing_facts_are_the_nested_lists_texts_on_any_tree(con, data):
    """flat_texts on any list built as the compiler builds missing facts: the same list on every
    combination of known and unknown facts and guards."""
    import itertools

    from subsidy_rules.sql.compile import flat_texts
    from subsidy_rules.sql.dialects import dialect_of

    d = dialect_of("duckdb")
    nested = data.draw(_lists_of_facts(d))
    flat = flat_texts(d, nested.copy())
    if not con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'fact_rows'").fetchall()[0][0]:
        con.execute("CREATE TEMP TABLE fact_rows (a BOOLEAN, b BOOLEAN, c BOOLEAN, g BOOLEAN, tag VARCHAR)")
        con.executemany("INSERT INTO fact_rows VALUES (?, ?, ?, ?, 't')",
                        [list(r) for r in itertools.product([None, True, False], repeat=4)])
    got = con.execute(f"SELECT {nested.sql('duckdb')}, {flat.sql('duckdb')} FROM fact_rows").fetchall()
    assert len(got) == 81
    assert [a for a, _ in got] == [b for _, b in got], (nested.sql("duckdb"), flat.sql("duckdb"))


def test_flat_missing_facts_are_the_nested_lists_texts(con):
    """flat_texts gives the list its nested CASEs and concatenations give, on every row: each
    combination of known and unknown facts, a shared guard, and a list it cannot read (built
    from a column) kept in its place."""
    import itertools

    from sqlglot import exp

    from subsidy_rules.sql.compile import flat_texts
    from subsidy_rules.sql.dialects import case, dialect_of, is_null

    d = dialect_of("duckdb")
    col = exp.column

    def fact(name: str) -> exp.Expression:  # as _fact builds it
        return case((is_null(col(name)), d.text_list_of(exp.Literal.string(name))), default=d.empty())

    opaque = case((is_null(col("c")), d.text_list_of(exp.Literal.string("x."), col("tag"))), default=d.empty())
    inner = d.concat_lists(fact("a"), case((is_null(col("g2")), d.concat_lists(fact("b"), opaque, fact("c"))),
                                           default=d.empty()), fact("a"))
    nested = case((is_null(col("g1")), inner), default=d.empty())
    flat = flat_texts(d, nested)
    assert flat.sql("duckdb") != nested.sql("duckdb")
    assert "list_filter" in flat.sql("duckdb").lower()
    values = [None, True]
    rows = [dict(zip("abc", facts), g1=g1, g2=g2, tag="t")
            for facts in itertools.product(values, repeat=3) for g1 in values for g2 in values]
    con.execute("CREATE OR REPLACE TEMP TABLE flat_rows (a BOOLEAN, b BOOLEAN, c BOOLEAN, g1 BOOLEAN, g2 BOOLEAN, tag VARCHAR)")
    con.executemany("INSERT INTO flat_rows VALUES (?, ?, ?, ?, ?, ?)",
                    [[r["a"], r["b"], r["c"], r["g1"], r["g2"], r["tag"]] for r in rows])
    got = con.execute(f"SELECT {nested.sql('duckdb')}, {flat.sql('duckdb')} FROM flat_rows").fetchall()
    assert len(got) == 32 and any(len(a) >= 3 for a, _ in got)
    assert [a for a, _ in got] == [b for _, b in got]
