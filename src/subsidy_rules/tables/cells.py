"""Cells to fact values, by the type the fact schema gives the column.

Text cells (CSV, or text in a workbook) are read as people write them: ``是``/``否``,
``yes``/``no``, ``1,234.50``. Typed cells (xlsx, Parquet) keep their type where it
fits: an Excel date is a date, an integer-valued float is an integer (1000.0 -> 1000),
any other float becomes the Decimal of its shortest repr (0.1 -> 0.1, never
0.1000000000000000055…). A value that does not fit is passed on unchanged, so the
claim check names its path and the bad value.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal, InvalidOperation
from typing import Any

TRUE = ("true", "1", "yes", "y", "是", "t")
FALSE = ("false", "0", "no", "n", "否", "f")


def text_cell(kind: str, text: str) -> Any:
    """A cell written as text. Empty is "not given" (None)."""
    text = text.strip()
    if text == "":
        return None
    if kind == "special":
        return text
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # the claim check names the path and the bad value
    if kind == "bool":
        lowered = text.lower()
        if lowered in TRUE:
            return True
        if lowered in FALSE:
            return False
        return text
    if kind in ("decimal", "money"):
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return text
    return text


def float_number(value: float) -> Any:
    """A float as an exact number: an int when it is whole, else the Decimal of its repr."""
    if not math.isfinite(value):
        return value  # the claim check refuses it (C005)
    if value.is_integer():
        return int(value)
    return Decimal(repr(value))


def typed_cell(kind: str, value: Any, *, serial_dates: bool = False) -> Any:
    """A cell that arrives typed (xlsx, Parquet). ``serial_dates``: a number in a date column is
    an Excel day number (a date cell that lost its format)."""
    if value is None:
        return None
    if isinstance(value, str):
        return text_cell(kind, value)
    if kind in ("record", "list"):
        return plain(value)
    if isinstance(value, bool):
        if kind == "special":
            return str(value).lower()
        return value
    if isinstance(value, float):
        value = float_number(value)
        if isinstance(value, float):
            return value
    if kind == "date" or (kind == "special" and isinstance(value, (_dt.date, _dt.datetime))):
        if isinstance(value, _dt.datetime):
            return value.date()
        if isinstance(value, (int, Decimal)) and serial_dates and value >= 1:  # day 1 is 1900-01-01; below is a time
            from openpyxl.utils.datetime import from_excel

            try:
                return from_excel(value).date()
            except (ValueError, OverflowError, TypeError):
                return value
        return value
    if kind == "bool" and isinstance(value, (int, Decimal)) and value in (0, 1):
        return bool(value)
    if kind in ("text", "enum"):
        if isinstance(value, int):
            return str(value)
        if isinstance(value, Decimal):
            return format(value, "f")
        if isinstance(value, _dt.datetime):
            return value.isoformat(sep=" ")
        if isinstance(value, _dt.date):
            return value.isoformat()
        return value
    if kind == "special":
        return value if isinstance(value, int) else str(value)
    if kind in ("decimal", "money") and isinstance(value, int):
        return Decimal(value)
    return value


def plain(value: Any) -> Any:
    """A nested typed value (a Parquet struct or list) with floats made exact and datetimes dates."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float):
        return float_number(value)
    if isinstance(value, _dt.datetime):
        return value.date()
    return value
