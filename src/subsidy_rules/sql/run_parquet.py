"""`evaluate --engine duckdb` on a Parquet file: DuckDB reads the file itself, checks and types its
columns, and decides the rows there.

The file is opened with pyarrow first, as the Python reader opens it, so a file it cannot read and a
header that names no fact give the Python engine's errors. The columns are planned as the Python
reader plans them (headers.plan_columns on the file's column names); DuckDB then reads chunks of
rows, by row number (``read_parquet(..., file_row_number = true)``, counted from 1 as the Python
reader counts), checks each row's cells (column_checks.py) into the table of checked claims, and
run_checked.py decides them. A row the checks do not accept is read by pyarrow as the Python reader
reads it (tables.readers.ParquetRows) and goes to the Python engine.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Callable, Optional, Sequence

from ..tables.headers import plan_columns
from ..tables.readers import ParquetRows, open_parquet
from ..tables.guard import interruption
from .column_checks import checked_sql, shape_of
from .connection import connect, interrupts_as_stops
from .json_checks import lit
from .run_checked import CheckedChunk, Options, decided_by, write_pieces

CHUNK = 200_000
GLOB = frozenset("*?[{")  # DuckDB reads a path with these as a pattern: such a file is read by Python

__all__ = ["run_parquet", "readable", "decided_by"]


def readable(path: str) -> bool:
    """Whether DuckDB is handed this path as it is (a file, not standard input, no pattern)."""
    return path != "-" and not any(ch in GLOB for ch in path)


def run_parquet(policy: Any, path: str, *, entity: Optional[str], rules: Optional[Sequence[str]],
                as_of: Optional[_dt.date], explain: bool, fmt: str, lang: str, writer: Any, write_error: Any,
                progress: Any, summary: Any, lineterminator: str = "\n") -> Any:
    import duckdb

    handle = open_parquet(path)
    try:
        plans = plan_columns(handle.schema_arrow.names, policy.schema, entity)
        options = Options(rules, as_of, explain, fmt, lang, lineterminator)
        con = connect()
        select = _chunk_sql(con, policy, os.path.abspath(path), handle, plans)
        rows = ParquetRows(handle, plans, path)
        total = handle.metadata.num_rows
        with interrupts_as_stops():
            for start in range(0, total, CHUNK):
                end = min(total, start + CHUNK)
                numbers = range(start + 1, end + 1)
                try:
                    con.execute("CREATE OR REPLACE TEMP TABLE checked AS " + select(start, end))
                except duckdb.InterruptException:  # Ctrl-C during the query: a stop, not a fall-back
                    raise interruption() from None
                except duckdb.Error:  # DuckDB cannot read these rows as pyarrow does: Python reads them all
                    con.execute("CREATE OR REPLACE TEMP TABLE checked AS " + _all_python(start, end))
                part = CheckedChunk(policy, con, options, numbers, rows.record)
                pieces, errors = part.decide()
                write_pieces(pieces, errors, numbers, part.summary, writer=writer, write_error=write_error,
                             progress=progress, summary=summary)
        con.close()
    finally:
        close = getattr(handle, "close", None)
        if close is not None:
            close()
    return summary


def _all_python(start: int, end: int) -> str:
    return f"SELECT range + 1 AS line, FALSE AS ok FROM range({start}, {end})"


def _chunk_sql(con: Any, policy: Any, path: str, handle: Any, plans: Sequence[Any]) -> Callable[[int, int], str]:
    """The SELECT of the table ``checked`` for the rows start+1 … end (end included)."""
    import duckdb

    arrow = handle.schema_arrow
    scan = f"read_parquet({lit(path)}, file_row_number = true)"
    try:
        relation = con.sql(f"SELECT * FROM read_parquet({lit(path)})")
        names, types = list(relation.columns), list(relation.types)
    except duckdb.InterruptException:
        raise interruption() from None
    except duckdb.Error:
        return _all_python
    same = len(names) == len(arrow.names) and all(a == b or not b for a, b in zip(names, arrow.names))
    if not same or "file_row_number" in arrow.names:
        return _all_python  # DuckDB sees other columns (it names a column without a name itself)
    shapes = [shape_of(arrow.field(i).type, types[i]) for i in range(len(names))]
    columns = ", ".join([f"c{i}" for i in range(len(names))] + ["_row"])

    def select(start: int, end: int) -> str:
        source = (f"(SELECT _row + 1 AS line, * EXCLUDE (_row) FROM (SELECT * FROM {scan} "
                  f"WHERE file_row_number >= {start} AND file_row_number < {end}) AS _file({columns}))")
        return checked_sql(policy.schema, policy.info.counties, plans, shapes, source)

    return select
