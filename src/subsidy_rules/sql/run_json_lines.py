"""`evaluate --engine duckdb` on JSON Lines: lines checked and typed in DuckDB, then decided there.

Python only splits the file into numbered lines (as the Python engine numbers them: a file's
bytes a block at a time, tables/line_blocks.py). A block pyarrow's JSON reader types whole
(arrow_json.py) is checked as typed columns are (column_checks.py); any other block goes to DuckDB
as Arrow text, and DuckDB checks each line (json_checks.py). Either way the checks fill the table
of checked claims, which run_checked.py decides; a line they do not accept goes to the Python engine.
"""

from __future__ import annotations

import collections
import datetime as _dt
from typing import Any, Iterable, Optional, Sequence

from ..tables.headers import plan_columns
from ..tables.line_blocks import LineBlock
from . import column_checks
from .arrow_json import typed_block
from .connection import connect, interrupts_as_stops
from .json_checks import checked_sql, named_entities_sql
from .run_checked import CheckedChunk, Options, decided_by, write_pieces

SAMPLE = 2_000  # lines whose top-level keys say which entities the checks are first built for
checked_by = collections.Counter()  # blocks checked as "typed" columns or as JSON "text", lines the reader "refused"

__all__ = ["run_json_lines", "decided_by", "checked_by"]


def run_json_lines(policy: Any, blocks: Iterable[LineBlock], *, rules: Optional[Sequence[str]],
                   as_of: Optional[_dt.date], explain: bool, fmt: str, lang: str, writer: Any, write_error: Any,
                   progress: Any, summary: Any, lineterminator: str = "\n") -> Any:
    import pyarrow as pa

    options = Options(rules, as_of, explain, fmt, lang, lineterminator)
    con = connect()
    with interrupts_as_stops():  # Ctrl-C inside a DuckDB statement: a stop the command line reports
        for block in blocks:
            numbers = pa.array(block.numbers, pa.int64())
            typed = None if block.entity else typed_block(policy.schema, block.texts)
            if typed is not None:
                _check_typed(con, policy, numbers, typed.table, [block.numbers[row] for row in typed.refused])
                checked_by["typed"] += 1
                checked_by["refused"] += len(typed.refused)
            else:
                con.register("lines", pa.table({"line": numbers, "text": block.texts}))
                if block.entity:  # --entity: bare records of one entity
                    con.execute("CREATE OR REPLACE TEMP TABLE checked AS " + checked_sql(
                        policy.schema, policy.info.counties, "lines", (), bare=block.entity))
                else:
                    _check(con, policy, _named(con, f"(SELECT text FROM lines LIMIT {SAMPLE})"))
                con.unregister("lines")
                checked_by["text"] += 1
            part = CheckedChunk(policy, con, options, block.numbers, block.record)
            pieces, errors = part.decide()
            write_pieces(pieces, errors, block.numbers, part.summary, writer=writer, write_error=write_error,
                         progress=progress, summary=summary)
    con.close()
    return summary


def _check_typed(con: Any, policy: Any, numbers: Any, typed: Any, refused: Sequence[int]) -> None:
    """The table ``checked`` of a block pyarrow typed: its columns checked as a Parquet file's are,
    the columns named c0, c1, … by position (column_checks.checked_sql); the lines ``refused`` by
    the reader not vouched for (their rows are null)."""
    import pyarrow as pa

    columns = {"line": numbers, **{f"c{index}": typed.column(index) for index in range(typed.num_columns)}}
    con.register("typed_lines", pa.table(columns))
    duck = con.sql("SELECT * EXCLUDE (line) FROM typed_lines").types
    shapes = [column_checks.shape_of(typed.schema.field(index).type, duck[index]) for index in range(typed.num_columns)]
    plans = plan_columns(typed.column_names, policy.schema)
    con.execute("CREATE OR REPLACE TEMP TABLE checked AS "
                + column_checks.checked_sql(policy.schema, policy.info.counties, plans, shapes, "typed_lines"))
    con.unregister("typed_lines")
    if refused:
        con.execute(f"UPDATE checked SET ok = FALSE WHERE line IN ({', '.join(str(int(line)) for line in refused)})")


def _named(con: Any, source: str) -> list:
    return [row[0] for row in con.execute(named_entities_sql(source)).fetchall()]


def _check(con: Any, policy: Any, named: Sequence[str]) -> None:
    """The table ``checked`` of the lines in ``lines``. The checks are built for the entities the
    first lines name; a line naming another fails them (a key they do not know), so when lines
    the checks refused name more entities, the checks are built again for all of them."""
    def build(entities: Sequence[str]) -> None:
        con.execute("CREATE OR REPLACE TEMP TABLE checked AS "
                    + checked_sql(policy.schema, policy.info.counties, "lines", entities))

    build(named)
    if not con.execute("SELECT bool_or(NOT ok) FROM checked").fetchall()[0][0]:
        return  # every line checked: nothing names another entity
    refused = "(SELECT text FROM lines WHERE line IN (SELECT line FROM checked WHERE NOT ok))"
    more = [name for name in _named(con, refused) if name in policy.schema.entities and name not in named]
    if more:
        build(list(named) + more)
