"""`evaluate --engine duckdb` on JSON Lines: lines checked and typed in DuckDB, then decided there.

Python only splits the file into numbered lines (as the Python engine numbers them: a file's
bytes a block at a time, tables/line_blocks.py) and hands DuckDB blocks of them as Arrow text.
DuckDB checks each line (json_checks.py) into the table of checked claims, which run_checked.py
decides. A line the checks do not accept goes to the Python engine.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Optional, Sequence

from ..tables.line_blocks import LineBlock
from .connection import connect, interrupts_as_stops
from .json_checks import checked_sql, named_entities_sql
from .run_checked import CheckedChunk, Options, decided_by, write_pieces

SAMPLE = 2_000  # lines whose top-level keys say which entities the checks are first built for

__all__ = ["run_json_lines", "decided_by"]


def run_json_lines(policy: Any, blocks: Iterable[LineBlock], *, rules: Optional[Sequence[str]],
                   as_of: Optional[_dt.date], explain: bool, fmt: str, lang: str, writer: Any, write_error: Any,
                   progress: Any, summary: Any, lineterminator: str = "\n") -> Any:
    import pyarrow as pa

    options = Options(rules, as_of, explain, fmt, lang, lineterminator)
    con = connect()
    with interrupts_as_stops():  # Ctrl-C inside a DuckDB statement: a stop the command line reports
        for block in blocks:
            con.register("lines", pa.table({"line": pa.array(block.numbers, pa.int64()), "text": block.texts}))
            if block.entity:  # --entity: bare records of one entity
                con.execute("CREATE OR REPLACE TEMP TABLE checked AS " + checked_sql(
                    policy.schema, policy.info.counties, "lines", (), bare=block.entity))
            else:
                _check(con, policy, _named(con, f"(SELECT text FROM lines LIMIT {SAMPLE})"))
            con.unregister("lines")
            part = CheckedChunk(policy, con, options, block.numbers, block.record)
            pieces, errors = part.decide()
            write_pieces(pieces, errors, block.numbers, part.summary, writer=writer, write_error=write_error,
                         progress=progress, summary=summary)
    con.close()
    return summary


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
