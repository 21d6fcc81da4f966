"""A block of JSON Lines typed by pyarrow's JSON reader in one pass, for the checks of typed
columns (column_checks.py) instead of DuckDB's JSON functions (json_checks.py, several passes).

The reader is told the claim's shape from the fact schema, and it is strict where Python's reader
is: a value of another JSON type than its field's, a key the schema does not have, a repeated key, a
trailing comma, a raw control character or a broken escape fails the whole block. So the block is
taken only when every one of its lines is read, one row a line, and nothing on it is what the two
readers read differently; any other block is checked by json_checks.py as before. What is read
differently, and so sends the block there:
- ``null`` as the date (``"as_of": null``: Python refuses it, the reader reads it as left out) or
  as an entity (a rule that refers to another tells an entity given as null from one left out; the
  reader does not), or after any key written with an escape (which may spell either) — looked
  for only when the reader found a date or an entity absent, as it reads a null one; a BOM
  anywhere (the reader skips one at the start of its text, Python refuses it at the start of a
  line). A fact, a record, a list or a list item given as null is read by both as Python reads it
  (tests/test_sql_arrow_json.py puts null in every place of every example claim);
- a number with a decimal point or an exponent in an integer field (the reader refuses it), NaN
  and Infinity (likewise), a decimal written as text (a number field's text fails the block);
- in a decimal or money field, a number the reader reads through a double otherwise than Python
  reads it exactly: the fields are first read as whole numbers (unless the first lines hold a
  number with a fraction), and only a block that fails so is read with them as doubles, when the
  line's text has no number NUMBER_SUSPECT matches (more
  than 15 digits, more than 12 decimals, an exponent, a negative zero: as json_checks.py reads
  doubles); a double is then typed as column_checks.py types a typed column's double, by its
  shortest form, which is the number's own;
- an id that is a number (the id is read as text), an empty id, date or jurisdiction (a typed
  column's empty cell is "not given", a JSON line's empty text is given);
- two records on one line (more rows than lines), a line read_raw rejects (its text is empty).
A line the typed checks do not vouch for goes to the Python engine, as every such line does.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Optional, Sequence, Tuple

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
    """The entities the first SAMPLE lines name (a line naming another fails the reader, and its
    block goes to json_checks.py), and whether they hold a number with a fraction (which the reader
    refuses in every field it reads as a whole number)."""
    keys = set()
    fractions = False

    def number(text: str) -> float:
        nonlocal fractions
        fractions = True
        return float(text)

    for text in texts.slice(0, SAMPLE).to_pylist():
        try:
            data = json.loads(text, parse_float=number)
        except ValueError:
            continue
        if isinstance(data, dict):
            keys.update(data)
    return [name for name in schema.entities if name in keys], fractions


def typed_block(schema: m.FactSchema, texts: Any) -> Optional[Any]:
    """The block's lines (an Arrow text array, one line with its line end each) as an Arrow table,
    a row per line: the claim's own keys, then the entities the block names — or None when the
    block is for json_checks.py."""
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
    text = pa.py_buffer(data[offsets[0]:offsets[count]])
    table = None if fractions else _read(text, claim_schema(schema, entities, pa.int64()))
    if table is None and any(has_decimals(schema, schema.entities[name]) for name in entities) \
            and not pc.any(pc.match_substring_regex(texts, NUMBER_SUSPECT)).as_py():
        table = _read(text, claim_schema(schema, entities, pa.float64()))
    if table is None or table.num_rows != count:
        return None
    for name in RESERVED:
        if pc.any(pc.equal(table.column(name), "")).as_py():
            return None
    # a date or an entity given as null is read as one left out: the text tells them apart, and
    # needs to be read only when the reader found one of them absent (a key written with an
    # escape is unescaped by the reader: it is counted here too)
    maybe_null = [table.column("as_of")] + [table.column(name) for name in entities]
    if any(column.null_count for column in maybe_null) and pc.any(pc.match_substring_regex(texts, "null")).as_py() \
            and any(pc.any(pc.match_substring_regex(texts, pattern)).as_py() for pattern in (ESCAPED_KEY_NULL, null_keys(schema))):
        return None
    named = [name for name in entities if table.column(name).null_count < count]
    return table.select(list(RESERVED) + named)


def _read(text: Any, shape: Any) -> Optional[Any]:
    import pyarrow as pa
    import pyarrow.json as pj

    try:
        return pj.read_json(pa.BufferReader(text), read_options=pj.ReadOptions(use_threads=False, block_size=text.size + 1),
                            parse_options=pj.ParseOptions(explicit_schema=shape, unexpected_field_behavior="error"))
    except pa.ArrowException:
        return None
