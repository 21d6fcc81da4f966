"""Formula cells of a workbook sheet that hold no saved result.

openpyxl reads a sheet with ``data_only`` (the values Excel or WPS computed and saved), and reads a
formula whose result was never saved (a workbook written by a program and never opened in Excel)
as an empty cell: a fact the sheet does give would look not given. This finds those cells in the
sheet's XML, so the reader can refuse them by name. A sheet without formulas costs one scan of
its text for the formula tag."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import IO, Dict, Iterator, Set, Tuple

CHUNK = 1 << 22
MAX_SPAN = 1 << 20  # cells an array formula may fill (a sheet holds at most 2**20 rows)
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")
_CELL_REF = re.compile(r"([A-Za-z]{1,3})(\d+)$")


def has_formulas(stream: IO[bytes]) -> bool:
    tail = b""
    while True:
        block = stream.read(CHUNK)
        if not block:
            return False
        if _FORMULA_TAG.search(tail + block):
            return True
        tail = block[-32:]


def uncomputed_cells(stream: IO[bytes]) -> Dict[int, Set[int]]:
    """Row number -> indexes (from 0) of the columns whose cell is a formula without a saved value."""
    found: Dict[int, Set[int]] = {}
    row_number, column = 0, -1
    for event, element in ET.iterparse(stream, events=("start", "end")):
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "row":
                given = element.get("r")
                row_number = int(given) if given and given.isdigit() else row_number + 1
                column = -1
            continue
        if tag == "c":
            row, column = _position(element.get("r"), row_number, column)
            formula = value = None
            for child in element:
                name = child.tag.rpartition("}")[2]
                if name == "f":
                    formula = child
                elif name == "v":
                    value = child
            # an empty value of a text result is a saved "" (=IF(B2="","",B2)), not a missing one
            if formula is not None and (value is None or not value.text and element.get("t") != "str"):
                for cell_row, cell_column in _spanned(formula, row, column):
                    found.setdefault(cell_row, set()).add(cell_column)
            element.clear()
        elif tag == "row":
            element.clear()
    return found


def _spanned(formula: ET.Element, row: int, column: int) -> Iterator[Tuple[int, int]]:
    """The cells a formula fills: an array formula (``t="array" ref="C2:C5"``) is written in its
    first cell only and fills its whole range; any other formula fills its own cell."""
    corners = (formula.get("ref") or "").split(":") if formula.get("t") == "array" else []
    if len(corners) != 2 or not all(_CELL_REF.match(corner) for corner in corners):
        yield row, column
        return
    (top, left), (bottom, right) = (_position(corner, row, column) for corner in corners)
    if not (top <= row <= bottom and left <= column <= right) or (bottom - top + 1) * (right - left + 1) > MAX_SPAN:
        yield row, column  # a range not holding its own cell, or absurdly large, is not believed
        return
    for cell_row in range(top, bottom + 1):
        for cell_column in range(left, right + 1):
            yield cell_row, cell_column


def _position(ref, row_number: int, column: int):
    """(row, column index from 0) of a cell: its reference, or the next place in the row."""
    match = _CELL_REF.match(ref or "")
    if match is None:
        return row_number, column + 1
    index = 0
    for char in match.group(1).upper():
        index = index * 26 + ord(char) - 64
    return int(match.group(2)), index - 1
