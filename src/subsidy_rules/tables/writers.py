"""Row writers: JSON Lines, CSV, Excel workbooks and Parquet, one interface.

``open_writer(target, fmt, columns, lang)`` gives a RowWriter: ``write(row)``
(a dict keyed by column key, values as in the JSON Lines rows), ``close()`` when
every row is written (the file then appears under its name, see atomic.py) and
``abort()`` when the run stops early (no file is left). Text formats can also be
encoded elsewhere (in a worker process) with ``encoder(fmt, columns)`` and
handed over with ``write_encoded``, or as UTF-8 bytes (DuckDB's text, straight from Arrow) with
``write_utf8``: the bytes are the same either way.

CSV starts with a UTF-8 BOM (Excel then reads the Chinese right) and a header
row in ``lang``; xlsx has the same header, text cells never become formulas,
and amounts are numbers shown with two decimals; Parquet keeps the JSON keys as
column names and types the columns (amount as decimal(38, 2), missing as a list).
"""

from __future__ import annotations

import abc
import csv
import io
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, TextIO, Union

import attrs

from ..messages import column_label, table_word
from .atomic import AtomicFile, OutputError
from .optional import need

FORMATS = ("jsonl", "csv", "xlsx", "parquet")
TEXT_FORMATS = ("jsonl", "csv")
KINDS = ("integer", "text", "any", "decimal", "list", "json", "compact")
XLSX_MAX_ROWS = 1_048_576  # Excel's limit, the header row included


@attrs.frozen
class Column:
    """An output column: its key (the JSON Lines key) and what it holds.

    kind: integer, text, any (text or integer, e.g. a record id), decimal (a decimal
    string such as "1500.00", or None), list (of text), json (any JSON value), compact (any
    JSON value, written without spaces, as DuckDB writes the SQL path's explanation)."""

    key: str
    kind: str = "text"
    width: Optional[float] = None  # xlsx column width, in characters


Row = Mapping[str, Any]
Target = Union[str, Path, TextIO]


# ====================================================================== text encoders


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def json_text(kind: str, value: Any) -> str:
    """A json or compact column's value as JSON text."""
    if kind == "compact":
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return json.dumps(value, ensure_ascii=False)


def encoder(fmt: str, columns: Sequence[Column], lineterminator: str = "\n") -> Optional[Callable[[Iterable[Row]], str]]:
    """A function rows -> text for a text format (None for xlsx and Parquet). Pure, so a worker
    process can run it; the text is what the writer would write for the same rows."""
    compact = {c.key for c in columns if c.kind == "compact"}
    if fmt == "jsonl" and compact:
        def jsonl_compact(rows: Iterable[Row]) -> str:
            return "".join("{" + ", ".join(json.dumps(key, ensure_ascii=False) + ": " + json_text(
                "compact" if key in compact else "json", value) for key, value in row.items()) + "}\n" for row in rows)

        return jsonl_compact
    if fmt == "jsonl":
        def jsonl(rows: Iterable[Row]) -> str:
            return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)

        return jsonl
    if fmt == "csv":
        keys = [c.key for c in columns]

        def csv_text(rows: Iterable[Row]) -> str:
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator=lineterminator)
            for row in rows:
                writer.writerow([_csv_cell(row.get(key)) for key in keys])
            return buffer.getvalue()

        return csv_text
    return None


# ====================================================================== writers


class RowWriter(abc.ABC):
    """Rows to one output. ``rows`` counts the rows written so far."""

    fmt = ""

    def __init__(self, columns: Sequence[Column], lang: str, name: str) -> None:
        self.columns = tuple(columns)
        self.lang = lang
        self.name = name  # the path as the user gave it, or "" for standard output
        self.rows = 0

    def headers(self) -> List[str]:
        return [column_label(c.key, self.lang) for c in self.columns]

    def write(self, row: Row) -> None:
        self.write_many((row,))

    @abc.abstractmethod
    def write_many(self, rows: Iterable[Row]) -> None:
        """Write rows, in order."""

    def write_encoded(self, text: str, rows: int) -> None:
        """Text made by ``encoder`` for this format (text formats only)."""
        raise TypeError(f"{self.fmt} rows cannot be pre-encoded")

    def write_utf8(self, data: Any, rows: int) -> None:
        """The same as ``write_encoded``, the text given as UTF-8 bytes (a bytes-like object)."""
        raise TypeError(f"{self.fmt} rows cannot be pre-encoded")

    @abc.abstractmethod
    def close(self) -> None:
        """Every row is written: make the file appear under its name."""

    @abc.abstractmethod
    def abort(self) -> None:
        """The run stopped: leave no file (never raises)."""

    def __enter__(self) -> "RowWriter":
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()

    def _failed(self, exc: OSError) -> OutputError:
        self.abort()
        return OutputError.wrap(self.name or "<stdout>", exc)


class TextWriter(RowWriter):
    """JSON Lines or CSV, to a file (atomically) or to a stream the caller owns."""

    def __init__(self, target: Target, fmt: str, columns: Sequence[Column], lang: str, *, bom: bool,
                 lineterminator: str) -> None:
        is_stream = hasattr(target, "write")
        super().__init__(columns, lang, "" if is_stream else str(target))
        self.fmt = fmt
        self.lineterminator = lineterminator
        self._encode = encoder(fmt, columns, lineterminator)
        assert self._encode is not None
        self._file: Optional[AtomicFile] = None
        if is_stream:
            self._stream: IO[str] = target  # type: ignore[assignment]
        else:
            self._file = AtomicFile(target)  # type: ignore[arg-type]
            self._stream = self._file.open_text()
        self._bytes = self._byte_stream()
        head = ""
        if fmt == "csv":
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator=lineterminator).writerow(self.headers())
            head = ("\ufeff" if bom else "") + buffer.getvalue()
        if head:
            self._put(head)

    def _put(self, text: str) -> None:
        try:
            self._stream.write(text)
        except OSError as exc:
            if self._file is None:
                raise  # a stream of the caller's (standard output): the caller decides
            raise self._failed(exc) from None

    def write_many(self, rows: Iterable[Row]) -> None:
        rows = list(rows)
        self._put(self._encode(rows))  # type: ignore[misc]
        self.rows += len(rows)

    def write_encoded(self, text: str, rows: int) -> None:
        if text:
            self._put(text)
        self.rows += rows

    def write_utf8(self, data: Any, rows: int) -> None:
        if len(data):
            if self._bytes is None:
                self._put(str(data, "utf-8"))
            else:
                try:
                    self._stream.flush()  # what was written as text goes first
                    self._bytes.write(data)
                except OSError as exc:
                    if self._file is None:
                        raise
                    raise self._failed(exc) from None
        self.rows += rows

    def _byte_stream(self) -> Optional[IO[bytes]]:
        """The binary stream under the text one, where bytes written to it are what the text
        would have become: our own file (UTF-8, lines untranslated), or standard output where it
        is UTF-8 and lines end in "\\n". Any other stream gets text."""
        stream = self._stream
        raw = getattr(stream, "buffer", None)
        if raw is None or (getattr(stream, "encoding", "") or "").replace("-", "").lower() != "utf8":
            return None
        if self._file is not None or (stream is sys.stdout and os.linesep == "\n"):
            return raw
        return None

    def close(self) -> None:
        if self._file is not None:
            self._file.commit()
        else:
            self._stream.flush()

    def abort(self) -> None:
        if self._file is not None:
            self._file.discard()


class XlsxWriter(RowWriter):
    """One sheet, header in ``lang``, written in openpyxl's write-only (streaming) mode."""

    fmt = "xlsx"

    def __init__(self, target: Union[str, Path], columns: Sequence[Column], lang: str, sheet: Optional[str] = None) -> None:
        super().__init__(columns, lang, str(target))
        openpyxl = need("openpyxl", "xlsx")
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        self._cell = WriteOnlyCell
        self._illegal = ILLEGAL_CHARACTERS_RE
        self._file = AtomicFile(target)
        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet(title=_sheet_title(sheet or table_word("sheet", lang)))
        for index, column in enumerate(self.columns, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = column.width or 14
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        head = []
        for text in self.headers():
            cell = WriteOnlyCell(self._sheet, text)
            cell.font = bold
            head.append(cell)
        self._append(head)

    def _append(self, cells: List[Any]) -> None:
        try:
            self._sheet.append(cells)
        except OSError as exc:  # openpyxl spools rows to a temporary file
            raise self._failed(exc) from None

    def _value(self, column: Column, value: Any) -> Any:
        if value is None:
            return None
        kind = column.kind
        if kind == "decimal":
            cell = self._cell(self._sheet, Decimal(str(value)))
            cell.number_format = "0.00"
            return cell
        if kind == "list":
            value = ";".join(str(v) for v in value)
        elif kind == "json" or kind == "compact":
            value = json_text(kind, value)
        elif isinstance(value, bool) or not isinstance(value, (int, str)):
            value = str(value)
        if isinstance(value, int):
            return value
        value = self._illegal.sub("\ufffd", value)  # control characters no xlsx cell may hold
        if not value.startswith("="):
            return value  # (a plain str is a text cell; the common case, kept cheap)
        cell = self._cell(self._sheet, value)
        cell.data_type = "s"  # text stays text: "=…" is never a formula
        return cell

    def write_many(self, rows: Iterable[Row]) -> None:
        for row in rows:
            if self.rows + 1 >= XLSX_MAX_ROWS:
                self.abort()
                raise OutputError(self.name, code="T008", limit=XLSX_MAX_ROWS - 1)
            self._append([self._value(c, row.get(c.key)) for c in self.columns])
            self.rows += 1

    def close(self) -> None:
        import zipfile

        from openpyxl.writer.excel import ExcelWriter

        stream = self._file.open_binary()
        archive = zipfile.ZipFile(stream, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        try:
            ExcelWriter(self._book, archive).save()  # what Workbook.save does, with a zip file of ours
        except OSError as exc:
            try:
                archive.close()  # now, not in a garbage collector's "Exception ignored" later
            except OSError:
                pass
            raise self._failed(exc) from None
        self._file.commit()

    def abort(self) -> None:
        self._file.discard()
        # openpyxl streams the sheet's rows through two generators into a temporary file of its
        # own; close them now and remove that file, or the garbage collector closes them later
        # and prints "Exception ignored" for a file already gone
        writer = getattr(self._sheet, "_writer", None)
        for generator in (getattr(self._sheet, "_rows", None), getattr(writer, "xf", None)):
            try:
                if generator is not None:
                    generator.close()
            except Exception:  # a half-written sheet: nothing of it is kept anyway
                pass
        try:
            if writer is not None:
                writer.cleanup()
        except Exception:
            pass


def _sheet_title(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text.strip()[:31] or "Sheet1"


class ParquetWriter(RowWriter):
    """Typed columns named by their keys, in row groups of ``GROUP`` rows (memory stays bounded)."""

    fmt = "parquet"
    GROUP = 65_536

    def __init__(self, target: Union[str, Path], columns: Sequence[Column], lang: str) -> None:
        super().__init__(columns, lang, str(target))
        self._pa = need("pyarrow", "parquet")
        self._pq = need("pyarrow.parquet", "parquet")
        pa = self._pa
        types = {"integer": pa.int64(), "text": pa.string(), "any": pa.string(), "decimal": pa.decimal128(38, 2),
                 "list": pa.list_(pa.string()), "json": pa.string(), "compact": pa.string()}
        self._schema = pa.schema([(c.key, types[c.kind]) for c in self.columns])
        self._file = AtomicFile(target)
        self._buffer: Dict[str, List[Any]] = {c.key: [] for c in self.columns}
        self._pending = 0
        try:
            self._writer = self._pq.ParquetWriter(str(self._file.temp), self._schema)
        except OSError as exc:
            raise self._failed(exc) from None

    @staticmethod
    def _value(kind: str, value: Any) -> Any:
        if value is None:
            return None
        if kind == "decimal":
            return Decimal(str(value))
        if kind == "any" or kind == "text":
            return value if isinstance(value, str) else str(value)
        if kind == "list":
            return [str(v) for v in value]
        if kind == "json" or kind == "compact":
            return json_text(kind, value)
        return value

    def write_many(self, rows: Iterable[Row]) -> None:
        for row in rows:
            for column in self.columns:
                self._buffer[column.key].append(self._value(column.kind, row.get(column.key)))
            self._pending += 1
            self.rows += 1
            if self._pending >= self.GROUP:
                self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        table = self._pa.Table.from_pydict(self._buffer, schema=self._schema)
        try:
            self._writer.write_table(table)
        except OSError as exc:
            raise self._failed(exc) from None
        self._buffer = {c.key: [] for c in self.columns}
        self._pending = 0

    def close(self) -> None:
        self._flush()
        try:
            self._writer.close()
        except OSError as exc:
            raise self._failed(exc) from None
        self._file.commit()

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # closing a writer whose file failed: nothing of it is kept anyway
            pass
        self._file.discard()


class TextFile:
    """Free text (an errors log) to a file that, like the row writers' files, appears only when complete."""

    fmt = "text"
    columns: tuple = ()

    def __init__(self, path: Union[str, Path]) -> None:
        self.name = str(path)
        self.rows = 0
        self._file = AtomicFile(path)
        self._stream = self._file.open_text()

    def write(self, text: str) -> None:
        try:
            self._stream.write(text)
        except OSError as exc:
            self.abort()
            raise OutputError.wrap(self.name, exc) from None
        self.rows += text.count("\n")

    def close(self) -> None:
        self._file.commit()

    def abort(self) -> None:
        self._file.discard()


def open_writer(target: Target, fmt: str, columns: Sequence[Column], lang: str = "zh", *,
                bom: bool = True, lineterminator: str = "\n", sheet: Optional[str] = None) -> RowWriter:
    """A RowWriter for ``fmt`` to a path (written atomically) or, for JSON Lines and CSV, to an
    open text stream (written as it goes; the caller owns the stream)."""
    if fmt in TEXT_FORMATS:
        return TextWriter(target, fmt, columns, lang, bom=bom, lineterminator=lineterminator)
    if hasattr(target, "write"):
        raise ValueError(f"{fmt} output needs a file name")
    if fmt == "xlsx":
        return XlsxWriter(target, columns, lang, sheet)  # type: ignore[arg-type]
    if fmt == "parquet":
        return ParquetWriter(target, columns, lang)  # type: ignore[arg-type]
    raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")


__all__ = ["Column", "RowWriter", "TextFile", "open_writer", "encoder", "FORMATS", "TEXT_FORMATS", "OutputError", "need",
           "XLSX_MAX_ROWS"]
