"""Parquet and CSV input: `evaluate --engine duckdb` (DuckDB reads and checks the columns) against
the Python runner (rows read and checked in Python). Prints records/s and ratios; never a timed test.

    python benchmarks/bench_columns.py [--scale 1.0] [--repeat 1] [--large 1000000]

1. the synthetic city, every file and rule, written as Parquet twice — nested (one struct column
   per entity) and dotted (``labourer.age`` columns, lists as list-of-struct columns) — and as CSV
   (dotted columns, list items by index: ``employer.hires[0].hired_on``, put in SQL as the Python
   reader puts them), through both engines in this process, JSON Lines output to memory, no explanations;
2. N generated labourers (written by DuckDB, dotted columns) through DuckDB in a fresh process:
   records/s and that process's peak memory.

Ends with: COLUMN_RATIOS city_nested_speedup=X city_dotted_speedup=Y city_csv_speedup=Z large_records_per_s=R
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import subsidy_rules  # noqa: E402
from peak_memory import peak_rss_mb  # noqa: E402
from subsidy_rules.batch import Summary, evaluate_columns, run  # noqa: E402
from subsidy_rules.sql import run_duckdb as R  # noqa: E402
from subsidy_rules.sql import run_checked  # noqa: E402
from subsidy_rules.tables import open_records, open_writer  # noqa: E402


def dotted(value, prefix=""):
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(dotted(item, f"{prefix}.{key}" if prefix else key))
        return found
    return {prefix: value}


def cells(value, prefix=""):
    """A claim as CSV cells: dotted paths, list items by index, yes and no as true and false."""
    if isinstance(value, dict):
        found = {}
        for key, item in value.items():
            found.update(cells(item, f"{prefix}.{key}" if prefix else key))
        return found
    if isinstance(value, list):
        found = {}
        for index, item in enumerate(value):
            found.update(cells(item, f"{prefix}[{index}]"))
        return found
    return {prefix: "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)}


def write_city(scale: float, out: Path) -> dict:
    import csv

    import pyarrow as pa
    import pyarrow.parquet as pq

    subprocess.run([sys.executable, str(ROOT / "examples" / "guangyuan-2017" / "generate.py"), "--out", str(out),
                    "--scale", str(scale), "--quiet"], check=True)
    files = {"nested": [], "dotted": [], "csv": []}
    for path in sorted(out.glob("*.jsonl")):
        if "errors" in path.name:
            continue  # mistakes on purpose, some of which a typed column cannot hold
        claims = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows = [cells(c) for c in claims]
        header = list(dict.fromkeys(k for row in rows for k in row))
        target = out / f"{path.stem}.csv"
        with open(target, "w", encoding="utf-8", newline="") as stream:
            writer = csv.writer(stream, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([row.get(h, "") for h in header] for row in rows)
        files["csv"].append((target, len(claims)))
        for layout in ("nested", "dotted"):
            rows = claims if layout == "nested" else [dotted(c) for c in claims]
            keys = list(dict.fromkeys(k for row in rows for k in row))
            target = out / f"{path.stem}.{layout}.parquet"
            pq.write_table(pa.Table.from_pylist([{k: row.get(k) for k in keys} for row in rows]), target)
            files[layout].append((target, len(claims)))
    return files


def one_run(policy, paths, engine: str) -> float:
    start = time.perf_counter()
    for path, _ in paths:
        sink, errors = io.StringIO(), io.StringIO()
        fmt = "csv" if path.suffix == ".csv" else "parquet"
        with open_records(str(path), fmt, policy.schema) as source:
            if engine == "duckdb":
                writer = open_writer(sink, "jsonl", R.table_columns("jsonl", False), "zh")
                R.run_path(policy, str(path), fmt, source.records, writer=writer, write_error=errors.write,
                           summary=Summary())
            else:
                writer = open_writer(sink, "jsonl", evaluate_columns("jsonl", False), "zh")
                run(policy, "", source.records, writer=writer, write_error=errors.write, summary=Summary())
        writer.close()
    return time.perf_counter() - start


class Discard(io.TextIOBase):
    """An output that keeps nothing (a large run's rows would not fit in memory as one string)."""

    def write(self, text: str) -> int:
        return len(text)


def large(n: int) -> None:
    """N labourers (dotted columns, written by DuckDB) through `--engine duckdb`; prints one line."""
    from subsidy_rules.sql.connection import connect

    policy = subsidy_rules.load_policy()
    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "labourers.parquet"
        con = connect()
        con.execute(f"""COPY (SELECT 'L' || range AS id, DATE '2017-07-31' AS as_of,
            20 + range % 40 AS "labourer.age", range % 3 = 0 AS "labourer.rural_registered_poor",
            range % 2 = 0 AS "labourer.entrepreneurship_training_attended", range % 5 = 0 AS "labourer.organising_business",
            CASE WHEN range % 4 = 0 THEN 'self_employed' ELSE 'farming' END AS "labourer.employment_status"
            FROM range({n})) TO '{path}' (FORMAT parquet)""")
        con.close()
        before = dict(run_checked.decided_by)
        start = time.perf_counter()
        with open_records(str(path), "parquet", policy.schema) as source:
            writer = open_writer(Discard(), "jsonl", R.table_columns("jsonl", False), "zh")
            R.run_path(policy, str(path), "parquet", source.records, rules=["entrepreneurship-training-subsidy"],
                       writer=writer, write_error=sys.stderr.write, summary=Summary())
        seconds = time.perf_counter() - start
    peak = peak_rss_mb()
    sql = run_checked.decided_by["sql"] - before.get("sql", 0)
    print(f"LARGE {n} {seconds:.3f} {peak:.0f} {sql}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="city scale (1.0: 45,600 labourers)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per engine and layout (the best is kept)")
    parser.add_argument("--large", type=int, default=1_000_000, help="generated labourers through DuckDB (0: none)")
    parser.add_argument("--large-only", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.large_only:
        large(args.large_only)
        return 0
    policy = subsidy_rules.load_policy()
    ratios = {}
    with tempfile.TemporaryDirectory() as work:
        files = write_city(args.scale, Path(work))
        print(f"1. the city at scale {args.scale} as Parquet and CSV, every file and rule, JSON Lines out, no explanations")
        for layout, paths in files.items():
            records = sum(count for _, count in paths)
            one_run(policy, paths, "duckdb")  # queries compiled once, as in a run over many files
            before = dict(run_checked.decided_by)
            duck = min(one_run(policy, paths, "duckdb") for _ in range(args.repeat))
            handed = run_checked.decided_by["python"] - before.get("python", 0)
            python = min(one_run(policy, paths, "python") for _ in range(args.repeat))
            ratios[layout] = python / duck
            print(f"  {layout:7s} {records:,} records: --engine duckdb {duck:.2f} s ({records / duck:,.0f} records/s)   "
                  f"--engine python {python:.2f} s ({records / python:,.0f} records/s)   speed-up {python / duck:.2f}x   "
                  f"(rows handed to Python: {handed})")
    rate = 0.0
    if args.large:
        done = subprocess.run([sys.executable, __file__, "--large-only", str(args.large)], capture_output=True,
                              text=True, check=True)
        _, n, seconds, peak, sql = done.stdout.split()
        rate = int(n) / float(seconds)
        print(f"2. {int(n):,} generated labourers (dotted columns), entrepreneurship-training-subsidy, DuckDB 1 thread: "
              f"{float(seconds):.1f} s, {rate:,.0f} records/s, peak RSS {peak} MB, decided in SQL {int(sql):,}")
    print(f"COLUMN_RATIOS city_nested_speedup={ratios['nested']:.2f} city_dotted_speedup={ratios['dotted']:.2f} "
          f"city_csv_speedup={ratios['csv']:.2f} large_records_per_s={rate:.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
