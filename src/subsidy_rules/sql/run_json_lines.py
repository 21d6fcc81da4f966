"""`evaluate --engine duckdb` on JSON Lines: lines checked and typed in DuckDB, then decided there.

Python only splits the file into numbered lines (as the Python engine numbers them) and hands
DuckDB chunks of them. DuckDB checks each line (json_checks.py) into the table of checked claims,
which run_checked.py decides. A line the checks do not accept goes to the Python engine.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Iterable, Optional, Sequence

from ..batch import RawRecord, chunks
from .connection import connect
from .json_checks import checked_sql, named_entities_sql
from .run_checked import CheckedChunk, Options, decided_by, write_pieces

CHUNK = 200_000

__all__ = ["run_json_lines", "decided_by"]


def run_json_lines(policy: Any, records: Iterable[RawRecord], *, rules: Optional[Sequence[str]],
                   as_of: Optional[_dt.date], explain: bool, fmt: str, lang: str, writer: Any, write_error: Any,
                   progress: Any, summary: Any, lineterminator: str = "\n") -> Any:
    import pyarrow as pa

    options = Options(rules, as_of, explain, fmt, lang, lineterminator)
    con = connect()
    for batch in chunks(records, CHUNK):
        numbers = [r.line for r in batch]
        texts = [r.text if r.text is not None else "" for r in batch]
        con.register("lines", pa.table({"line": pa.array(numbers, pa.int64()), "text": pa.array(texts, pa.string())}))
        named = [row[0] for row in con.execute(named_entities_sql("lines")).fetchall()]
        con.execute("CREATE OR REPLACE TEMP TABLE checked AS "
                    + checked_sql(policy.schema, policy.info.counties, "lines", named))
        con.unregister("lines")
        by_line = dict(zip(numbers, batch))
        part = CheckedChunk(policy, con, options, numbers, by_line.__getitem__)
        pieces, errors = part.decide()
        write_pieces(pieces, errors, numbers, part.summary, writer=writer, write_error=write_error,
                     progress=progress, summary=summary)
    con.close()
    return summary
