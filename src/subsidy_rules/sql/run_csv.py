"""`evaluate --engine duckdb` on a CSV file: DuckDB reads the cells, checks and types them, and
decides the rows there.

Only a plain file is read so: UTF-8, no NUL anywhere, every line ended the same way (a line feed,
or a carriage return and a line feed), every line (but the header) with as many cells as the
header, and none empty or of blank cells only; a cell may be quoted as RFC 4180 writes it (the
whole cell in double quotes, a quote inside doubled, no line end inside), which Python's csv
reader and DuckDB's read the same. In such a file each line is one record and Python's csv reader
numbers it as its line (the header is line 1), so DuckDB's rows in order are the Python reader's
records. A first pass in Python checks that (and reads the header, planned by
headers.plan_columns as the Python reader plans it); any other file — a line end inside quotes,
text after a closing quote or a quote inside an unquoted cell, mixed line ends, short rows, blank
lines — is read by the Python reader as before (``simple_csv`` returns None). DuckDB reads every
cell as text (``read_csv`` with ``all_varchar``) and column_checks.py applies cells.text_cell's
rules, conservatively; a row it does not accept is rebuilt from its cells and goes to the Python
engine.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import os
import re
from typing import Any, List, Optional, Sequence, Tuple

import attrs

from ..tables.headers import ColumnPlan, plan_columns
from ..tables.readers import csv_record
from ..tables.guard import interruption
from .column_checks import Shape, checked_sql
from .connection import connect, interrupts_as_stops
from .json_checks import lit
from .run_checked import CheckedChunk, Options, decided_by, write_pieces

CHUNK = 200_000
BLOCK = 1 << 22  # bytes read at a time by the first pass
_CELL = r'(?:[^",\r\n]*|"(?:[^"\r\n]|"")*")'  # unquoted without a quote, or quoted as RFC 4180 writes it
QUOTED_LINE = re.compile(rf"{_CELL}(?:,{_CELL})*")

__all__ = ["SimpleCsv", "simple_csv", "scan_sql", "run_csv", "decided_by"]


@attrs.frozen
class SimpleCsv:
    """A CSV file DuckDB may read as it is: its header cells, how many records follow, its line
    end, and whether a cell is quoted."""

    header: Tuple[str, ...]
    records: int
    newline: str = "\n"  # or "\r\n" (every line, the last one's may be left out)
    quoted: bool = False


def simple_csv(path: str) -> Optional[SimpleCsv]:
    """The header and record count of a plain CSV file (see the module's text), else None."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    header: Optional[List[str]] = None
    commas = count = 0
    rest = ""
    crlf = quoted = False
    try:
        with open(path, "rb") as stream:
            while True:
                block = stream.read(BLOCK)
                if b"\x00" in block:
                    return None
                lines = (rest + decoder.decode(block, final=not block)).split("\n")
                rest = lines.pop()
                ended = [True] * len(lines)
                if not block and rest:
                    lines.append(rest)  # the last line, without a line end
                    ended.append(False)
                for line, has_end in zip(lines, ended):
                    if header is None:
                        crlf = has_end and line.endswith("\r")
                    if crlf and has_end:
                        if not line.endswith("\r"):
                            return None
                        line = line[:-1]
                    if "\r" in line:
                        return None  # a line end of another kind
                    if '"' in line:
                        if not QUOTED_LINE.fullmatch(line):
                            return None  # quoted otherwise than RFC 4180 writes it, or across lines
                        quoted = True
                        cells = next(csv.reader([line]), [])
                        if header is not None and (len(cells) != len(header) or not any(c.strip() for c in cells)):
                            return None
                    elif header is not None and (line.count(",") != commas or not line.replace(",", "").strip()):
                        return None  # a short or long row, or one the reader skips: Python's to read
                    if header is None:
                        header = next(csv.reader([line]), [])
                        if header and header[0].startswith("\ufeff"):
                            header[0] = header[0][1:]
                        commas = len(header) - 1
                    else:
                        count += 1
                if not block:
                    break
    except (OSError, UnicodeDecodeError):
        return None
    if not header:
        return None
    return SimpleCsv(tuple(header), count, "\r\n" if crlf else "\n", quoted)


def run_csv(policy: Any, path: str, table: SimpleCsv, *, entity: Optional[str], rules: Optional[Sequence[str]],
            as_of: Optional[_dt.date], explain: bool, fmt: str, lang: str, writer: Any, write_error: Any,
            progress: Any, summary: Any, lineterminator: str = "\n") -> Optional[Any]:
    """The run, or None (nothing written) when DuckDB does not read the file's records as the
    Python reader does: the caller then reads it in Python."""
    import duckdb
    import pyarrow as pa

    plans = plan_columns(list(table.header), policy.schema, entity)  # the Python reader's header errors
    options = Options(rules, as_of, explain, fmt, lang, lineterminator)
    width = len(table.header)
    scan = scan_sql(path, width, table.newline, table.quoted)
    reader_con, con = connect(), connect()
    try:
        with interrupts_as_stops():
            try:
                if reader_con.execute(f"SELECT count(*) FROM ({scan})").fetchall()[0][0] != table.records:
                    return None
                relation = reader_con.sql(scan)
                batches = (relation.to_arrow_reader if hasattr(relation, "to_arrow_reader")
                           else relation.fetch_record_batch)(CHUNK)
            except duckdb.InterruptException:  # Ctrl-C during the query: a stop, not a fall-back
                raise interruption() from None
            except duckdb.Error:
                return None
            select = checked_sql(policy.schema, policy.info.counties, plans, [Shape("string")] * width, "cells")
            line = 1  # the header's
            for batch in batches:
                numbers = range(line + 1, line + 1 + batch.num_rows)
                line += batch.num_rows
                cells = pa.Table.from_batches([batch]).append_column("line", pa.array(numbers, pa.int64()))
                con.register("cells", cells)
                con.execute("CREATE OR REPLACE TEMP TABLE checked AS " + select)
                con.unregister("cells")
                part = CheckedChunk(policy, con, options, numbers, _Rows(batch, numbers.start, plans).record)
                pieces, errors = part.decide()
                write_pieces(pieces, errors, numbers, part.summary, writer=writer, write_error=write_error,
                             progress=progress, summary=summary)
    finally:
        reader_con.close()
        con.close()
    return summary


_NEWLINES = {"\n": r"'\n'", "\r\n": r"'\r\n'"}  # as read_csv's new_line option spells them


def scan_sql(path: str, width: int, newline: str = "\n", quoted: bool = False) -> str:
    """DuckDB reading a plain CSV file's records (the header skipped), every cell as text, in
    columns c0, c1, … (an empty cell, quoted or not, is NULL)."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(width)) + "}"
    quoting = "quote = '\"', escape = '\"'" if quoted else "quote = '', escape = ''"
    return (f"SELECT * FROM read_csv({lit(os.path.abspath(path))}, delim = ',', {quoting}, "
            f"header = true, auto_detect = false, columns = {columns}, new_line = {_NEWLINES[newline]})")


class _Rows:
    """The records of one batch of cells by line number, as the Python reader builds them."""

    def __init__(self, batch: Any, first: int, plans: Sequence[Optional[ColumnPlan]]) -> None:
        self.batch, self.first, self.plans = batch, first, plans
        self._columns: Optional[List[List[Any]]] = None

    def record(self, number: int) -> Any:
        if self._columns is None:
            self._columns = [self.batch.column(i).to_pylist() for i in range(self.batch.num_columns)]
        cells = ["" if column[number - self.first] is None else column[number - self.first] for column in self._columns]
        return csv_record(number, self.plans, cells)
