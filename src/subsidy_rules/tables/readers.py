"""Table readers: JSON Lines, CSV, Excel workbooks (.xlsx), Parquet, YAML/JSON lists.

Each yields RawRecords in file order, each with where it is (``line``): the
line of a JSON Lines or CSV file (the CSV header is line 1), the row of the
xlsx sheet as Excel numbers it, the row of a Parquet file counted from 1, the
position in a YAML/JSON list. A record that cannot be read becomes a RawRecord
with an error, so ``read = decided + rejected`` holds whatever the input.
Columns of CSV, xlsx and Parquet are named as headers.py describes and typed
as cells.py describes.
"""

from __future__ import annotations

import codecs
import csv
import io
import sys
from pathlib import Path
import zipfile
import zlib
from typing import IO, Any, Callable, Dict, Iterator, List, Optional, Sequence, Set, TextIO, Tuple
from xml.etree.ElementTree import ParseError

import attrs

from .. import model as m
from ..claims import parse_text
from ..errors import ClaimError
from ..messages import table_word_pair, type_word
from .cells import text_cell, typed_cell
from .formulas import has_formulas, uncomputed_cells
from .headers import ColumnPlan, HeaderError, letter, plan_columns, put
from .records import RawRecord, wrap
from .optional import need

FORMATS = ("jsonl", "csv", "xlsx", "parquet", "yaml", "json")
TEXT_FORMATS = ("jsonl", "csv", "yaml", "json")
_SUFFIXES = ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".json", "json"), (".yaml", "yaml"),
             (".yml", "yaml"), (".xlsx", "xlsx"), (".xlsm", "xlsx"), (".parquet", "parquet"), (".pq", "parquet"))
PARQUET_BATCH = 8_192


def detect_format(name: str) -> str:
    """The format a file name says, else jsonl."""
    lowered = name.lower()
    for suffix, fmt in _SUFFIXES:
        if lowered.endswith(suffix):
            return fmt
    return "jsonl"


# ====================================================================== text formats

UNDECODED = "subsidy-rules-undecoded"  # the error handler of text input: bytes that are not UTF-8
_undecoded = [0]  # how many such bytes the text streams have met: a line is searched only after one


def _escape_undecoded(exc: UnicodeError) -> Tuple[str, int]:
    """As "surrogateescape" (each byte that is not UTF-8 becomes U+DC80 + byte), counted, so that the
    reader can reject the lines holding one (T010) and go on with the others."""
    _undecoded[0] += 1
    return codecs.lookup_error("surrogateescape")(exc)


codecs.register_error(UNDECODED, _escape_undecoded)


def _undecoded_at(text: str) -> Optional[int]:
    """Where in ``text`` the first byte that was not UTF-8 is (as the error handler kept it), or None."""
    for index, ch in enumerate(text):
        if "\udc80" <= ch <= "\udcff":
            return index
    return None


def _not_utf8(number: int, text: str) -> Optional[RawRecord]:
    """The record of line ``number`` when its text holds a byte that is not UTF-8 (T010), else None."""
    index = _undecoded_at(text)
    if index is None:
        return None
    column = len(text[:index].encode("utf-8", "surrogateescape")) + 1
    return RawRecord(number, error=ClaimError("T010", "", column=column, byte=f"{ord(text[index]) - 0xDC00:02X}"))


def _not_utf8_cells(number: int, row: Sequence[str]) -> Optional[RawRecord]:
    """The record of CSV line ``number`` when a cell holds a byte that is not UTF-8 (T011, naming
    the cell's column), else None."""
    for position, cell in enumerate(row, start=1):
        index = _undecoded_at(cell)
        if index is not None:
            return RawRecord(number, error=ClaimError("T011", "", cell=position, byte=f"{ord(cell[index]) - 0xDC00:02X}"))
    return None


def read_raw(stream: TextIO, fmt: str, schema: m.FactSchema, entity: Optional[str] = None) -> Iterator[RawRecord]:
    """Records of a text format with their line numbers; parse errors become records with an error.
    JSON lines are parsed later (by the worker that evaluates them)."""
    entities = tuple(schema.entities)
    seen = _undecoded[0]
    if fmt == "jsonl":
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            if _undecoded[0] != seen:  # a byte that is not UTF-8 met: from here on, lines are searched
                bad = _not_utf8(number, line)
                if bad is not None:
                    yield bad
                    continue
            yield RawRecord(number, text=line, entity=entity, entities=entities)
    elif fmt == "csv":
        yield from _read_csv(stream, schema, entity, seen)
    else:
        text = stream.read()
        if _undecoded[0] != seen:
            for number, line in enumerate(text.splitlines(), start=1):
                bad = _not_utf8(number, line)
                if bad is not None:
                    yield bad
                    return
        try:
            data = parse_text(text)
        except ClaimError as exc:
            yield RawRecord(1, error=exc)
            return
        if not isinstance(data, list):
            yield RawRecord(1, error=ClaimError("C001", "$", expected=type_word("list"), actual=type(data).__name__))
            return
        for index, item in enumerate(data, start=1):
            yield RawRecord(index, wrap(item, entity, entities))


# a cell may be as long as a line of JSON Lines may be (the csv module's default stops at 128 KiB)
csv.field_size_limit(2**31 - 1)


def _read_csv(stream: TextIO, schema: m.FactSchema, entity: Optional[str], seen: int) -> Iterator[RawRecord]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as exc:  # a header the csv module cannot split (a stream handed in that translates
        # line ends): the columns cannot be named, so the file is its one record, rejected, as a header not in UTF-8 is
        yield RawRecord(1, error=ClaimError("C011", "", detail=table_word_pair("csv-row", detail=str(exc))))
        return
    if _undecoded[0] != seen:
        bad = _not_utf8_cells(reader.line_num, header)
        if bad is not None:  # the columns cannot be named: the file's one record, rejected
            yield bad
            return
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    plans = plan_columns(header, schema, entity)
    while True:
        number = reader.line_num + 1  # where the record starts: a quoted cell may carry it over lines
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # a row the csv module cannot split: that record only
            yield RawRecord(number, error=ClaimError("C011", "", detail=table_word_pair("csv-row", detail=str(exc))))
            continue
        if not any(cell.strip() for cell in row):
            continue
        if _undecoded[0] != seen:
            bad = _not_utf8_cells(number, row)
            if bad is not None:
                yield bad
                continue
        if len(row) != len(header):
            yield RawRecord(number, error=ClaimError("C011", "", detail=table_word_pair("row-width", cells=len(row), header=len(header))))
            continue
        yield csv_record(number, plans, row)


def csv_record(number: int, plans: Sequence[Optional[ColumnPlan]], row: Sequence[str]) -> RawRecord:
    """One CSV row (of the header's width) as the record the reader makes of it."""
    return _record(number, plans, row, lambda kind, text: text_cell(kind, text))


def _record(number: int, plans: Sequence[Optional[ColumnPlan]], row: Sequence[Any],
            convert: Callable[[str, Any], Any], positions: bool = False) -> RawRecord:
    record: Dict[str, Any] = {}
    for index, cell in enumerate(row):
        plan = plans[index] if index < len(plans) else None
        if plan is None:
            if cell is not None and str(cell).strip():
                where = f"{letter(index)}{number}" if positions else str(index + 1)
                return RawRecord(number, error=ClaimError("T005", where))
            continue
        value = convert(plan.kind, cell)
        if value is None:
            continue
        put(record, plan.parts, value)
    return RawRecord(number, record)


# ====================================================================== Excel workbooks


def _header_row(rows: List[Tuple[int, Sequence[Any]]]) -> int:
    """Index (in ``rows``) of the header: the first row with two or more filled cells, so that a
    title row above the table (a single merged cell, as townships write them) is skipped."""
    first_filled = None
    for position, (_, cells) in enumerate(rows):
        filled = sum(1 for c in cells if c is not None and str(c).strip())
        if filled >= 2:
            return position
        if filled and first_filled is None:
            first_filled = position
    return first_filled if first_filled is not None else -1


HEADER_SEARCH = 10  # rows holding anything looked at for the header
BLANK_SEARCH = 1000  # rows looked at in all, blank ones included


def read_xlsx(source: Any, schema: m.FactSchema, entity: Optional[str] = None, sheet: Optional[str] = None
              ) -> Iterator[RawRecord]:
    """Records of one sheet (the first, or ``sheet``) of a workbook, streamed (read-only mode).
    ``source`` is a path or a binary file object. Formulas give their last computed values; a
    record with a formula whose result was never saved is refused (T013), not read as empty."""
    openpyxl = need("openpyxl", "xlsx")
    try:
        book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
        raise ClaimError("T004", "", fmt="xlsx", detail=f"{_name(source)}: {exc.__class__.__name__}: {exc}") from None
    try:
        tables = [each.title for each in book.worksheets]  # not chart sheets: they hold no cells
        if sheet is not None and sheet not in book.sheetnames:
            raise ClaimError("T007", "", sheet=sheet, choices=", ".join(tables))
        chosen = sheet if sheet is not None else (tables or book.sheetnames or [""])[0]
        if chosen not in tables:  # a chart sheet, asked for or the workbook's only kind
            raise ClaimError("T012", "", sheet=chosen, choices=", ".join(tables))
        worksheet = book[chosen]
        if hasattr(worksheet, "reset_dimensions"):
            worksheet.reset_dimensions()  # a wrong stored size must not cut the table short
        uncomputed = _uncomputed_formulas(worksheet)
        rows = enumerate(_sheet_rows(worksheet, source), start=1)
        head: List[Tuple[int, Sequence[Any]]] = []
        filled = 0
        for item in rows:  # the header is among the first rows that hold anything, after blank ones
            head.append(item)
            filled += any(c is not None and str(c).strip() for c in item[1])
            if filled >= HEADER_SEARCH or len(head) >= BLANK_SEARCH:
                break
        found = _header_row(head)
        unsaved_above = [f"{letter(i)}{number}" for number, _ in head[:found + 1 if found >= 0 else None]
                         for i in sorted(uncomputed.get(number, ()))]
        if unsaved_above:  # a header read as empty would drop its column, or make a data row the header
            raise ClaimError("T013", ", ".join(unsaved_above))
        if found < 0:  # nothing to read is not nothing to decide: say which sheets there are
            raise ClaimError("T012", "", sheet=worksheet.title, choices=", ".join(tables))
        plans = plan_columns(head[found][1], schema, entity, positions=True)

        def convert(kind: str, value: Any) -> Any:
            return typed_cell(kind, value, serial_dates=True)

        def body() -> Iterator[Tuple[int, Sequence[Any]]]:
            yield from head[found + 1:]
            yield from rows

        for number, cells in body():
            unread = [index for index in sorted(uncomputed.get(number, ())) if index < len(plans) and plans[index]]
            if unread:  # read as empty, the fact would look not given
                yield RawRecord(number, error=ClaimError("T013", ", ".join(f"{letter(i)}{number}" for i in unread)))
                continue
            if not any(c is not None and str(c).strip() for c in cells):
                continue
            yield _record(number, plans, cells, convert, positions=True)
    finally:
        book.close()


_DAMAGE = (ParseError, OSError, EOFError, ValueError, TypeError, KeyError, IndexError, zipfile.BadZipFile, zlib.error)


def _sheet_rows(worksheet: Any, source: Any) -> Iterator[Sequence[Any]]:
    """The sheet's rows as openpyxl reads them; damaged sheet XML (cut short, a cell openpyxl cannot
    read) ends the reading with T004 naming the row reached, not an error of openpyxl's own."""
    rows = worksheet.iter_rows(values_only=True)
    reached = 0
    while True:
        try:
            cells = next(rows)
        except StopIteration:
            return
        except _DAMAGE as exc:
            detail = table_word_pair("damaged-sheet", file=_name(source), sheet=worksheet.title, row=reached + 1,
                                     detail=f"{exc.__class__.__name__}: {exc}")
            raise ClaimError("T004", "", fmt="xlsx", detail=detail) from None
        reached += 1
        yield cells


def _uncomputed_formulas(worksheet: Any) -> Dict[int, Set[int]]:
    """The sheet's formula cells without a saved result (formulas.py); none when its XML cannot be
    scanned: openpyxl then reports the damage itself as it reads the rows."""
    source = getattr(worksheet, "_get_source", None)  # a read-only sheet's XML, as openpyxl opens it
    if source is None:
        return {}
    try:
        with source() as stream:
            if not has_formulas(stream):
                return {}
        with source() as stream:
            return uncomputed_cells(stream)
    except _DAMAGE:
        return {}


# ====================================================================== Parquet


def read_parquet(source: Any, schema: m.FactSchema, entity: Optional[str] = None) -> Iterator[RawRecord]:
    """Records of a Parquet file, in batches. Columns are named like CSV headers; a struct or list
    column holds a whole nested value (a ``labourer`` struct, ``employer.hires`` as a list)."""
    handle = open_parquet(source)
    names = handle.schema_arrow.names
    plans = plan_columns(names, schema, entity)
    number = 0
    try:
        for batch in handle.iter_batches(batch_size=PARQUET_BATCH):
            columns = [batch.column(i).to_pylist() for i in range(batch.num_columns)]
            for cells in zip(*columns):
                number += 1
                yield _record(number, plans, cells, typed_cell)
    except OSError as exc:
        raise ClaimError("T004", "", fmt="parquet", detail=f"{_name(source)}: {exc}") from None
    finally:
        close = getattr(handle, "close", None)  # ParquetFile.close is newer than some pyarrow releases
        if close is not None:
            close()


def open_parquet(source: Any) -> Any:
    """A pyarrow ParquetFile; a file pyarrow cannot open is a ClaimError T004 naming it."""
    need("pyarrow", "parquet")
    pq = need("pyarrow.parquet", "parquet")
    try:
        return pq.ParquetFile(source)
    except Exception as exc:  # pyarrow raises ArrowInvalid and OSError for a bad file
        raise ClaimError("T004", "", fmt="parquet", detail=f"{_name(source)}: {exc}") from None


class ParquetRows:
    """Single rows of an open Parquet file by number (from 1), each the RawRecord read_parquet makes
    of it: for the rows a reader elsewhere (DuckDB) does not vouch for. Rows are best asked for in
    order; only the row groups holding them are read."""

    def __init__(self, handle: Any, plans: Sequence[Optional[ColumnPlan]], name: Any = "") -> None:
        self.handle, self.plans, self.name = handle, plans, name
        metadata = handle.metadata
        self.starts = [0]  # the row number before each row group's first
        for index in range(metadata.num_row_groups):
            self.starts.append(self.starts[-1] + metadata.row_group(index).num_rows)
        self._group = -1
        self._batches: Optional[Iterator[Any]] = None
        self._batch: Any = None
        self._first = 0  # the number of the batch's first row
        self._asked = 0
        self._columns: Optional[List[List[Any]]] = None

    def record(self, number: int) -> RawRecord:
        if self._batch is None or not self._first <= number < self._first + self._batch.num_rows:
            self._seek(number)
        offset = number - self._first
        self._asked += 1
        if self._columns is None and self._asked > 16:  # many rows of this batch: read it whole
            self._columns = [self._batch.column(i).to_pylist() for i in range(self._batch.num_columns)]
        if self._columns is not None:
            cells: Sequence[Any] = [column[offset] for column in self._columns]
        else:
            row = self._batch.slice(offset, 1)
            cells = [row.column(i).to_pylist()[0] for i in range(row.num_columns)]
        return _record(number, self.plans, cells, typed_cell)

    def _seek(self, number: int) -> None:
        import bisect

        group = bisect.bisect_left(self.starts, number) - 1
        if group != self._group or self._batch is None or number < self._first:
            if not 0 <= group < len(self.starts) - 1:
                raise IndexError(number)
            self._group = group
            self._batches = self.handle.iter_batches(batch_size=PARQUET_BATCH, row_groups=[group])
            self._batch, self._first = None, self.starts[group] + 1
        assert self._batches is not None
        try:
            while self._batch is None or number >= self._first + self._batch.num_rows:
                if self._batch is not None:
                    self._first += self._batch.num_rows
                self._batch, self._columns, self._asked = next(self._batches), None, 0
        except OSError as exc:
            raise ClaimError("T004", "", fmt="parquet", detail=f"{_name(self.name)}: {exc}") from None


def _name(source: Any) -> str:
    return str(source) if isinstance(source, (str, Path)) else getattr(source, "name", "<stdin>")


# ====================================================================== opening a source


@attrs.define
class Source:
    """An opened input: its records, and for a progress line its size and how far reading got."""

    records: Iterator[RawRecord]
    size: Optional[int] = None
    tell: Optional[Callable[[], int]] = None
    _streams: List[IO[Any]] = attrs.field(factory=list)

    def close(self) -> None:
        close = getattr(self.records, "close", None)
        if close is not None:
            close()
        for stream in self._streams:
            if stream is not sys.stdin and stream is not getattr(sys.stdin, "buffer", None):
                stream.close()

    def __enter__(self) -> "Source":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def open_records(path: str, fmt: Optional[str], schema: m.FactSchema, entity: Optional[str] = None, *,
                 sheet: Optional[str] = None, stdin: Optional[TextIO] = None) -> Source:
    """Open ``path`` ('-': standard input) as ``fmt`` (None: from the name, else jsonl).
    Raises ClaimError C011 when the file cannot be opened."""
    fmt = fmt or detect_format(path)
    stdin = stdin or sys.stdin
    if fmt in TEXT_FORMATS:
        if path == "-":
            if hasattr(stdin, "reconfigure"):
                # a BOM, and lines ended by \r, \n or \r\n kept as they are, as a file given by name is read
                stdin.reconfigure(encoding="utf-8-sig", errors=UNDECODED, newline="")
            return Source(read_raw(stdin, fmt, schema, entity), streams=[stdin])
        stream = _open(path, "text")
        size = Path(path).stat().st_size
        tell = stream.buffer.tell if hasattr(stream, "buffer") else None
        return Source(read_raw(stream, fmt, schema, entity), size, tell, streams=[stream])
    if path == "-":
        binary = io.BytesIO(getattr(stdin, "buffer", stdin).read())  # both readers need to seek
        streams: List[IO[Any]] = [binary]
        source: Any = binary
    else:
        _open(path, "binary").close()  # a clear C011 for a missing or unreadable file
        streams, source = [], path
    if fmt == "xlsx":
        return Source(read_xlsx(source, schema, entity, sheet), streams=streams)
    if fmt == "parquet":
        return Source(read_parquet(source, schema, entity), streams=streams)
    raise ValueError(f"unknown input format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _open(path: str, mode: str) -> IO[Any]:
    try:
        if mode == "text":
            return open(path, "r", encoding="utf-8-sig", newline="", errors=UNDECODED)
        return open(path, "rb")
    except OSError as exc:
        raise ClaimError("C011", "", detail=f"{path}: {exc.strerror or exc}") from None


__all__ = ["RawRecord", "HeaderError", "Source", "detect_format", "read_raw", "read_xlsx", "read_parquet",
           "open_parquet", "ParquetRows", "csv_record", "open_records", "FORMATS"]
