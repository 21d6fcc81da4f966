"""A block of JSON Lines typed by pyarrow's JSON reader in one pass, for the checks of typed
columns (column_checks.py) instead of DuckDB's JSON functions (json_checks.py, several passes).

The reader is told the claim's shape from the fact schema, and it is strict where Python's reader
is: a value of another JSON type than its field's, a key the schema does not have, a repeated key, a
trailing comma, a raw control character, a broken escape or two records on one line fail the whole
block. A block it refuses is read again in halves, down to the lines it refuses (where its message
names the row, around that line): up to MAX_REFUSED of them, left to the Python engine as rows of
nulls, unless one names an entity the first lines do not. The block is taken when nothing on the
lines read is what the two readers read differently; any other block is checked by json_checks.py
as before. What is read differently, and so sends the block there:
- ``null`` as the date (``"as_of": null``: Python refuses it, the reader reads it as left out) or
  as an entity (a rule that refers to another tells an entity given as null from one left out; the
  reader does not), or after any key written with an escape (which may spell either) — looked
  for only when the reader found a date or an entity absent, as it reads a null one; a BOM
  anywhere (the reader skips one at the start of its text, Python refuses it at the start of a
  line). A fact, a record, a list or a list item given as null is read by both as Python reads it
  (tests/test_sql_arrow_json.py puts null in every place of every example claim);
- a number with a decimal point or an exponent in an integer field, NaN and Infinity, a decimal
  written as text (the reader refuses the line);
- in a decimal or money field, a number the reader reads through a double otherwise than Python
  reads it exactly: the fields are first read as whole numbers (unless the first lines hold a
  number with a fraction), and only a block that fails so is read with them as doubles, when the
  line's text has no number NUMBER_SUSPECT matches (more
  than 15 digits, more than 12 decimals, an exponent, a negative zero: as json_checks.py reads
  doubles); a double is then typed as column_checks.py types a typed column's double, by its
  shortest form, which is the number's own;
- an id that is a number (the id is read as text), an empty id, date or jurisdiction (a typed
  column's empty cell is "not given", a JSON line's empty text is given);
- a line read_raw rejects (its text is empty).
A line the typed checks do not vouch for goes to the Python engine, as every such line does.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional, Sequence, Tuple

import attrs

from .. import model as m
from ..claims import RESERVED
from ..tables.line_blocks import utf8_buffers
from .json_checks import NUMBER_SUSPECT, has_decimals
from .layout import arrow_type

# read on the block's text: what the reader reads otherwise than Python (see above); one pattern
# each (a pattern of alternatives is read several times slower)
DIFFERENT = (r"\x{feff}",)
# on a block holding a null: a key written with an escape before it, and the keys of null_keys
ESCAPED_KEY_NULL = r'\\u[^"]*"\s*:\s*null'
SAMPLE = 20  # lines whose keys name the entities the reader is told of
MAX_REFUSED = 16  # lines of a block the reader refuses that are found by reading halves (typed_block)

__all__ = ["typed_block"]


def claim_schema(schema: m.FactSchema, entities: Sequence[str], decimals: Any) -> Any:
    """The reader's explicit schema: a claim's own keys as text, each of ``entities`` a struct (a
    field the reader is told of costs it a column, given or not), decimals read as ``decimals``."""
    import pyarrow as pa

    plain = {"decimal": decimals, "money": decimals, "date": pa.string()}  # a date is tested as its text
    return pa.schema([(name, pa.string()) for name in RESERVED]
                     + [(name, arrow_type(schema, name, plain)) for name in entities])


def null_keys(schema: m.FactSchema) -> str:
    """A pattern for ``"as_of": null`` and for an entity given as null, its key written plainly (a
    key written with an escape is ESCAPED_KEY_NULL's); the same key inside a record matches too, which
    only sends a block to json_checks.py that the reader would have read alike."""
    names = ["as_of", *schema.entities]
    return '"(' + "|".join(re.escape(name) for name in names) + ')"\\s*:\\s*null'


def sample(schema: m.FactSchema, texts: Any) -> Tuple[List[str], bool]:
    """The entities the first SAMPLE lines name (the reader refuses a line naming another), and
    whether they hold a number with a fraction (which the reader refuses in every field it reads
    as a whole number)."""
    keys = set()
    fractions = False

    def number(text: str) -> float:
        nonlocal fractions
        fractions = True
        return float(text)

    for text in texts.slice(0, SAMPLE).to_pylist():
        try:
            data = json.loads(text, parse_float=number)
        except (ValueError, RecursionError):  # the reader refuses such a line itself (C004, C010)
            continue
        if isinstance(data, dict):
            keys.update(data)
    return [name for name in schema.entities if name in keys], fractions


@attrs.frozen
class TypedBlock:
    """A block as the reader typed it: ``table`` a row per line, the claim's own keys, then the
    entities the block names; ``refused`` the rows of the lines the reader refused, every column
    null (the checks vouch for no claim that names no entity: the Python engine decides them)."""

    table: Any
    refused: Tuple[int, ...] = ()


def typed_block(schema: m.FactSchema, texts: Any) -> Optional[TypedBlock]:
    """The block's lines (an Arrow text array, one line with its line end each) typed by the
    reader — or None when the block is for json_checks.py. When the reader refuses the block, its
    halves are read, and theirs, down to the lines it refuses (a type the schema does not give, a
    key it lacks, a line that is not JSON …): up to MAX_REFUSED of them, which go to Python."""
    import pyarrow as pa
    import pyarrow.compute as pc

    count = len(texts)
    # each text one line, none empty (a line read_raw rejects is ""): a line gives one row at least
    if count == 0 or pc.min(pc.binary_length(texts)).as_py() == 0:
        return None
    if any(pc.any(pc.match_substring_regex(texts, pattern)).as_py() for pattern in DIFFERENT):
        return None
    entities, fractions = sample(schema, texts)
    offsets, data = utf8_buffers(texts)

    def lines(start: int, end: int) -> Any:
        return pa.py_buffer(data[offsets[start]:offsets[end]])

    shape = claim_schema(schema, entities, pa.int64())
    table, error = (None, "") if fractions else _read_or_why(lines(0, count), shape)
    # a line the reader refuses for another reason than a decimal (it names the row, or a key) is
    # refused read with doubles too
    if table is None and not _NOT_A_NUMBER.search(error) and any(has_decimals(schema, schema.entities[name]) for name in entities) \
            and not pc.any(pc.match_substring_regex(texts, NUMBER_SUSPECT)).as_py():
        shape = claim_schema(schema, entities, pa.float64())
        table = _read(lines(0, count), shape)
    refused: List[int] = []
    if table is None or table.num_rows != count:
        table = _halves(lines, count, shape, refused)
        if table is None or set(sample(schema, texts.take(refused))[0]) - set(entities):
            return None  # a line naming an entity the first did not: json_checks.py checks them all
    for name in RESERVED:
        if pc.any(pc.equal(table.column(name), "")).as_py():
            return None
    # a date or an entity given as null is read as one left out: the text tells them apart, and
    # needs to be read only when the reader found one of them absent (a key written with an
    # escape is unescaped by the reader: it is counted here too); a refused line is all null
    maybe_null = [table.column("as_of")] + [table.column(name) for name in entities]
    read = texts.filter(_kept(count, refused)) if refused else texts
    if any(column.null_count > len(refused) for column in maybe_null) and pc.any(pc.match_substring_regex(read, "null")).as_py() \
            and any(pc.any(pc.match_substring_regex(read, pattern)).as_py() for pattern in (ESCAPED_KEY_NULL, null_keys(schema))):
        return None
    named = [name for name in entities if table.column(name).null_count < count]
    return TypedBlock(table.select(list(RESERVED) + named), tuple(refused))


def _halves(lines: Any, count: int, shape: Any, refused: List[int]) -> Optional[Any]:
    """The lines 0 … count - 1 read in halves, and a half the reader refuses in halves again, in
    order; a line it refuses alone is a row of nulls, its index added to ``refused``. None when it
    refuses more than MAX_REFUSED lines, or every line (each costs some reads of the text around
    it, and a block with many is read faster by json_checks.py)."""
    import pyarrow as pa

    pieces: List[Any] = []
    pending = [(count // 2, count), (0, count // 2)]  # a stack: the first half on top
    while pending:
        start, end = pending.pop()
        if start == end:
            continue
        piece, error = _read_or_why(lines(start, end), shape)
        if piece is not None and piece.num_rows == end - start:
            pieces.append(piece)
        elif end - start > 1:
            row = _ROW.search(error)  # the reader may say where: cut around that line (else in halves)
            at = start + int(row.group(1)) if row is not None else -1
            if start < at < end - 1:
                pending += [(at + 1, end), (at, at + 1), (start, at)]
            else:
                middle = (start + end) // 2
                pending += [(middle, end), (start, middle)]
        else:
            refused.append(start)
            if len(refused) > MAX_REFUSED or len(refused) == count:
                return None
            pieces.append(pa.Table.from_pylist([{}], schema=shape))
    return pa.concat_tables(pieces)


def _kept(count: int, refused: Sequence[int]) -> Any:
    import pyarrow as pa

    keep = [True] * count
    for index in refused:
        keep[index] = False
    return pa.array(keep, pa.bool_())


def _read(text: Any, shape: Any) -> Optional[Any]:
    return _read_or_why(text, shape)[0]


# what the reader's message may say of a line it refuses (only a hint: any other message is read as
# saying nothing)
_ROW = re.compile(r" in row (\d+)$")
_NOT_A_NUMBER = re.compile(r" in row \d+$|unexpected field")


def _read_or_why(text: Any, shape: Any) -> Tuple[Optional[Any], str]:
    """The text read by the reader, or None and the reader's message."""
    import pyarrow as pa
    import pyarrow.json as pj

    try:
        return pj.read_json(pa.BufferReader(text), read_options=pj.ReadOptions(use_threads=False, block_size=text.size + 1),
                            parse_options=pj.ParseOptions(explicit_schema=shape, unexpected_field_behavior="error")), ""
    except pa.ArrowException as error:
        return None, str(error)
