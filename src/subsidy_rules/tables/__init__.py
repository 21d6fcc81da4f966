"""Whole tables in and out: readers, writers, and output files that appear only when complete.

Every engine uses these: the Python batch runner (batch.py) and the SQL path alike.

    readers  RawRecord, open_records(path, fmt, schema, entity) -> Source of RawRecords
    writers  Column, open_writer(path, fmt, columns, lang) -> RowWriter (write, close, abort)
    atomic   AtomicFile, OutputError
"""

from __future__ import annotations

from .atomic import AtomicFile, OutputError
from .headers import HeaderError
from .readers import FORMATS as INPUT_FORMATS
from .readers import RawRecord, Source, detect_format, open_records, read_raw
from .writers import FORMATS as OUTPUT_FORMATS
from .writers import Column, RowWriter, encoder, open_writer

__all__ = ["AtomicFile", "OutputError", "HeaderError", "RawRecord", "Source", "detect_format", "open_records",
           "read_raw", "Column", "RowWriter", "encoder", "open_writer", "INPUT_FORMATS", "OUTPUT_FORMATS"]
