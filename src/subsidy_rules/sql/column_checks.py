"""Checking typed columns (a Parquet file) inside DuckDB: SQL that accepts a row only when the
Python reader (tables/readers.py: headers.put, cells.typed_cell) and claims.coerce_claim would
accept it with the same typed facts.

Like json_checks.py the checks are conservative: a row they do not accept is not wrong, it goes to
the Python engine, which reads it with the Python reader and decides (or rejects) it. Only one
direction must hold — every accepted row is a claim the Python path accepts, typed the same.

A column's cells are converted as the Python reader converts them:
- a column planned to a plain fact (``labourer.age``) by cells.typed_cell's rules: text stripped
  (SQL accepts only text without spaces at either end, or empty, which is "not given"), words for
  yes and no, integer-valued floats as integers, other floats by their shortest decimal form;
- a column holding a nested value (a ``labourer`` struct, ``employer.hires`` as a list of structs)
  by claims.coerce_claim's rules on the value as pyarrow gives it (cells.plain): no stripping,
  numbers written as text only for decimals, dates as YYYY-MM-DD text, DATE or TIMESTAMP.
What the SQL leaves to Python: any type it does not know (or that DuckDB reads differently from
pyarrow), text with spaces at an end, numbers past 15 digits or 12 decimals, floats whose shortest
form is not plain, dates before year 1 or after 9999, enum values not in the schema, dates not in
YYYY-MM-DD, struct fields the schema does not have, list items that are null, columns without a
header, a column naming a list item whole (``hires[0]``) or a list without an index
(``hires.hired_on``), columns that overlap (``employer`` and ``employer.name``), ids that are not
plain text or integers, and rows naming no entity. Columns naming a list item's facts by index
(``employer.hires[0].hired_on``, as CSV files write lists) are put as headers.put puts them: the
list as long as its last item with a value, the items before it records even when none of their
cells is filled.

Column names never reach SQL (columns are renamed ``c0``, ``c1``, … by position); struct fields are
named only by the fact schema's names; texts (enum values, county names, the file path) reach SQL as
escaped literals.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import attrs

from .. import model as m
from ..facts import MAX_LIST
from ..tables.headers import ColumnPlan
from ..tables.records import RESERVED
from .json_checks import NAME, SAFE_ID, date_text_ok, lit, number_text_ok, quote_name, texts
from .layout import entity_type, sql_type

BIG = "1000000000000000"  # facts.LIMIT: claims hold numbers below 10^15 in size
INTEGER_TEXT = r"-?(0|[1-9][0-9]{0,14})"
# a character Python's str.strip() may remove, or more: such text at either end is left to Python
# (written for Python's re, and for DuckDB's RE2 with \x{...} for \u...)
_SPACE_PY = r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]"
_SPACE = re.sub(r"\\u([0-9a-f]{4})", r"\\x{\1}", _SPACE_PY)
EDGE = f"^{_SPACE}|{_SPACE}$"
_EDGE_PY = re.compile(f"^{_SPACE_PY}|{_SPACE_PY}$")
# an id SAFE_ID allows, without such a character at either end: one pattern (two cost twice as long)
_ID_CHAR = SAFE_ID[len("^[^"):-len("]*$")]  # the characters SAFE_ID refuses
SAFE_ID_TRIMMED = f'^(?:[^{_SPACE[1:-1]}{_ID_CHAR}](?:[^{_ID_CHAR}]*[^{_SPACE[1:-1]}{_ID_CHAR}])?)?$'
YES = ("true", "1", "yes", "y", "t")  # cells.TRUE and cells.FALSE in ASCII; 是 and 否 are added below
NO = ("false", "0", "no", "n", "f")


def _words(words: Sequence[str]) -> str:
    """A pattern for words in either case, ASCII only (a case-insensitive pattern would also match
    letters like ſ that Python's lower() leaves alone)."""
    return "|".join("".join(f"[{c.upper()}{c}]" if c.isalpha() else c for c in word) for word in words)


# ====================================================================== a column's type


@attrs.frozen
class Shape:
    """A column's (or struct field's) type as both pyarrow and DuckDB read it; ``other`` when they
    differ or the checks do not know it (its non-null cells go to Python)."""

    kind: str  # bool | int | uint | float | double | string | date | timestamp | decimal | struct | list | other
    scale: int = 0
    fields: Tuple[Tuple[str, "Shape"], ...] = ()
    item: Optional["Shape"] = None


OTHER = Shape("other")
_ARROW_INTS = {"int8": "tinyint", "int16": "smallint", "int32": "integer", "int64": "bigint"}
_ARROW_UINTS = {"uint8": "utinyint", "uint16": "usmallint", "uint32": "uinteger", "uint64": "ubigint"}
_DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)\Z")


def shape_of(arrow: Any, duck: Any) -> Shape:
    """The Shape of a pyarrow type and the DuckDB type (a DuckDBPyType) of the same column."""
    import pyarrow as pa

    kind = getattr(duck, "id", None)
    name = str(arrow)
    if pa.types.is_dictionary(arrow):
        arrow, name = arrow.value_type, str(arrow.value_type)
    if pa.types.is_boolean(arrow) and kind == "boolean":
        return Shape("bool")
    if _ARROW_INTS.get(name) == kind:
        return Shape("int")
    if _ARROW_UINTS.get(name) == kind:
        return Shape("uint")
    if name == "float" and kind == "float":
        return Shape("float")
    if name == "double" and kind == "double":
        return Shape("double")
    if (pa.types.is_string(arrow) or pa.types.is_large_string(arrow)) and kind == "varchar":
        return Shape("string")
    if pa.types.is_date32(arrow) and kind == "date":
        return Shape("date")
    if (pa.types.is_timestamp(arrow) and arrow.tz is None and arrow.unit in ("s", "ms", "us")
            and kind in ("timestamp", "timestamp_ms", "timestamp_s")):
        return Shape("timestamp")
    if pa.types.is_decimal(arrow) and kind == "decimal":
        found = _DECIMAL.match(str(duck))
        if found and int(found.group(2)) == arrow.scale:
            return Shape("decimal", scale=arrow.scale)
        return OTHER
    if pa.types.is_struct(arrow) and kind == "struct":
        children = list(duck.children)
        names = [arrow.field(i).name for i in range(arrow.num_fields)]
        if [c[0] for c in children] != names or len(set(names)) != len(names):
            return OTHER
        return Shape("struct", fields=tuple((n, shape_of(arrow.field(i).type, children[i][1]))
                                            for i, n in enumerate(names)))
    if (pa.types.is_list(arrow) or pa.types.is_large_list(arrow)) and kind == "list":
        return Shape("list", item=shape_of(arrow.value_type, duck.children[0][1]))
    return OTHER


# ====================================================================== one value's conversion


@attrs.frozen
class Converted:
    """A value as SQL, typed as the SQL target reads it (NULL: not given), and a test that is TRUE
    only when the Python path gives exactly that value (never NULL)."""

    value: str
    ok: str
    plain: bool = False  # value is TRY_CAST(x AS <target>) wherever ok holds: a record or list of such is one cast


def _none(target: str) -> str:
    return f"TRY_CAST(NULL AS {target})"


def _typed(field: m.Field, schema: m.FactSchema) -> str:
    if field.type == "record":
        return entity_type(schema, field.of or "")
    if field.type == "list":
        return entity_type(schema, field.of or "") + "[]"
    return sql_type(field.type)


def _result(x: str, value: str, test: str, plain: bool = False) -> Converted:
    if test == "TRUE":  # every value passes: no test to plan or run
        return Converted(value, "TRUE", plain)
    return Converted(value, f"COALESCE({x} IS NULL OR ({test}), FALSE)", plain)


def _all(tests: Iterable[str]) -> str:
    """The tests joined by AND, those that always pass left out."""
    return " AND ".join(test for test in tests if test != "TRUE") or "TRUE"


def _refused(x: str, target: str) -> Converted:
    """Only a null cell is vouched for (the Python path decides any other)."""
    return Converted(_none(target), f"({x} IS NULL)")


def _whole(x: str) -> str:
    """A finite double below 10^15 in size that is a whole number (float_number makes it an int)."""
    return f"(isfinite({x}) AND {x} > -1e15 AND {x} < 1e15 AND {x} = trunc({x}))"


def _in_range(x: str, shape: Shape) -> str:
    if shape.kind == "uint":
        return f"{x} < {BIG}"
    if shape.kind == "double":
        return f"(isfinite({x}) AND {x} > -1e15 AND {x} < 1e15)"
    return f"({x} > -{BIG} AND {x} < {BIG})"


def _exact_double(x: str) -> str:
    """A double whose shortest form is a plain decimal DuckDB and Python read alike: at most 15
    digits (so it is the only such decimal of that double), at most 12 decimals, and it reads back
    as the same double."""
    text = f"CAST({x} AS VARCHAR)"
    return (f"({number_text_ok(text)} AND TRY_CAST(TRY_CAST({text} AS DECIMAL(38,12)) AS DOUBLE) = {x})")


def scalar(x: str, shape: Shape, kind: str, values: Sequence[str], flat: bool) -> Converted:
    """A plain fact's cell (``kind``: its field type, ``values``: an enum's): ``flat`` for a column
    of its own (typed_cell, then coerce_claim), else a value inside a struct or list (plain, then
    coerce_claim)."""
    target = sql_type(kind)
    if shape.kind == "float":
        x, shape = f"CAST({x} AS DOUBLE)", Shape("double")
    if shape.kind == "string":
        if flat:  # stripped, empty is "not given": accepted only without spaces at the ends
            plain = f"NOT regexp_matches({x}, {lit(EDGE)})" if _ends_may_be_stripped(kind, values) else "TRUE"
            given = f"NULLIF({x}, '')"

            def flat_text(value: str, test: str) -> Converted:
                return _result(x, value, f"{x} = '' OR ({_all((plain, test))})")

            if kind == "text":
                return flat_text(given, "TRUE")
            if kind == "enum":
                return flat_text(given, f"list_contains({texts(values)}, {x})")
            if kind == "date":
                return flat_text(f"TRY_CAST({given} AS DATE)", date_text_ok(x))
            if kind == "integer":
                return flat_text(f"TRY_CAST({given} AS BIGINT)", f"regexp_full_match({x}, {lit(INTEGER_TEXT)})")
            if kind in ("decimal", "money"):
                return flat_text(f"TRY_CAST({given} AS {target})", number_text_ok(x))
            if kind == "bool":
                yes = f"(regexp_full_match({x}, {lit(_words(YES))}) OR {x} = '是')"
                no = f"(regexp_full_match({x}, {lit(_words(NO))}) OR {x} = '否')"
                return flat_text(f"CASE WHEN {yes} THEN TRUE WHEN {no} THEN FALSE END", f"{yes} OR {no}")
            return _refused(x, target)
        if kind == "text":
            return _result(x, x, "TRUE", plain=True)
        if kind == "enum":
            return _result(x, x, f"list_contains({texts(values)}, {x})", plain=True)
        if kind == "date":
            return _result(x, f"TRY_CAST({x} AS DATE)", date_text_ok(x), plain=True)
        if kind in ("decimal", "money"):
            return _result(x, f"TRY_CAST({x} AS {target})", number_text_ok(x), plain=True)
        return _refused(x, target)
    if shape.kind == "bool":
        return _result(x, x, "TRUE", plain=True) if kind == "bool" else _refused(x, target)
    if shape.kind in ("int", "uint", "double", "decimal"):
        return _number(x, shape, kind, flat)
    if shape.kind in ("date", "timestamp") and kind == "date":
        value = x if shape.kind == "date" else f"TRY_CAST({x} AS DATE)"
        return _result(x, value, f"isfinite({x}) AND year({x}) BETWEEN 1 AND 9999", plain=True)
    return _refused(x, target)


def _ends_may_be_stripped(kind: str, values: Sequence[str]) -> bool:
    """Whether a cell's text the value's own test accepts may begin or end with a space (and be
    read otherwise once stripped). A date, a number or a yes/no is matched whole, from digits or
    words; an enum's text must be one of its values, so only a value with a space at an end could."""
    if kind == "enum":
        return any(_EDGE_PY.search(value) for value in values)
    return kind == "text"


def _number(x: str, shape: Shape, kind: str, flat: bool) -> Converted:
    target = sql_type(kind)
    if shape.kind == "decimal":  # a Decimal of that scale: its exponent must be -12 or more
        if shape.scale > 12:
            return _refused(x, target)
        if kind in ("decimal", "money"):
            return _result(x, f"TRY_CAST({x} AS {target})", _in_range(x, shape), plain=True)
        if kind == "integer":  # a whole number: its cast is exact
            return _result(x, f"TRY_CAST({x} AS {target})", f"{_in_range(x, shape)} AND {x} = trunc({x})", plain=True)
        return _refused(x, target)
    whole = "TRUE" if shape.kind != "double" else _whole(x)
    as_int = x if shape.kind != "double" else f"TRY_CAST({x} AS BIGINT)"
    if kind == "integer":
        return _result(x, f"TRY_CAST({as_int} AS BIGINT)", _all((_in_range(x, shape), whole)), plain=shape.kind != "double")
    if kind in ("decimal", "money"):
        if shape.kind != "double":
            return _result(x, f"TRY_CAST({x} AS {target})", _in_range(x, shape), plain=True)
        # in range (the test), a whole double is one trunc() leaves alone
        value = (f"CASE WHEN {x} = trunc({x}) THEN TRY_CAST({as_int} AS {target}) "
                 f"ELSE TRY_CAST(CAST({x} AS VARCHAR) AS {target}) END")
        return _result(x, value, f"{_in_range(x, shape)} AND ({x} = trunc({x}) OR {_exact_double(x)})")
    if kind == "text":  # str() of an integer
        return _result(x, f"CAST({as_int} AS VARCHAR)", _all((_in_range(x, shape), whole)))
    if kind == "bool" and flat:  # typed_cell reads 0 and 1 as no and yes
        return _result(x, f"({x} = 1)", f"{x} IN (0, 1)")
    return _refused(x, target)


def nested(x: str, shape: Shape, field: m.Field, schema: m.FactSchema, depth: int = 0) -> Converted:
    """A cell holding a nested value: a record (struct) or a list of records, checked and typed by
    coerce_claim's rules."""
    if field.type == "record":
        return record(x, shape, schema.entities[field.of or ""], schema, depth)
    if field.type == "list":
        item = schema.entities[field.of or ""]
        if shape.kind != "list":
            return _refused(x, _typed(field, schema))
        if shape.item is None or shape.item.kind != "struct":  # only an empty list is a list of records
            return _result(x, f"CAST([] AS {_typed(field, schema)})", f"len({x}) = 0")
        var = f"_v{depth}"
        inner = record(var, shape.item, item, schema, depth + 1)
        each = f"COALESCE(list_bool_and(list_transform({x}, lambda {var}: {var} IS NOT NULL AND {inner.ok})), TRUE)"
        if inner.plain:
            return _result(x, f"TRY_CAST({x} AS {_typed(field, schema)})", f"len({x}) <= {MAX_LIST} AND {each}", plain=True)
        return _result(x, f"list_transform({x}, lambda {var}: {inner.value})", f"len({x}) <= {MAX_LIST} AND {each}")
    return scalar(x, shape, field.type, field.values, flat=False)


def record(x: str, shape: Shape, entity: m.Entity, schema: m.FactSchema, depth: int = 0) -> Converted:
    """A struct as an entity's record: every field of the struct must be one of the entity's."""
    target = entity_type(schema, entity.name)
    if shape.kind != "struct" or any(name not in entity.fields for name, _ in shape.fields):
        return Converted(_none(target), f"({x} IS NULL)")
    given = dict(shape.fields)
    values, oks, plain = [], [], [name for name, _ in shape.fields] == list(entity.fields)
    for field in entity.fields.values():
        if field.name in given:
            found = nested(f"struct_extract({x}, {lit(field.name)})", given[field.name], field, schema, depth)
            values.append(f"{quote_name(field.name)} := {found.value}")
            oks.append(found.ok)
            plain = plain and found.plain
        else:
            values.append(f"{quote_name(field.name)} := {_none(_typed(field, schema))}")
    if plain:  # the entity's fields in its order, each a cast: the struct is cast whole
        return _result(x, f"TRY_CAST({x} AS {target})", _all(oks), plain=True)
    return _result(x, f"CASE WHEN {x} IS NOT NULL THEN struct_pack({', '.join(values)}) END", _all(oks))


# ====================================================================== the rows


@attrs.frozen
class _Node:
    """Columns planned into one record of a claim: a column for the whole record, or per field."""

    whole: Optional[int] = None
    fields: Dict[str, "_Node"] = attrs.field(factory=dict)
    column: Optional[int] = None  # a plain fact's column (a leaf)
    items: Dict[int, "_Node"] = attrs.field(factory=dict)  # a list's items by index (``hires[0].…`` columns)


def checked_sql(schema: m.FactSchema, counties: Sequence[str], plans: Sequence[Optional[ColumnPlan]],
                shapes: Sequence[Shape], source: str) -> str:
    """SELECT over ``source`` (columns line, c0, c1, … in the file's order): per row the columns of
    run_checked's table ``checked`` — line, ok, as_of, jurisdiction, present, id_json, and one typed
    STRUCT column per entity the columns fill."""
    names = list(schema.entities)
    if not all(NAME.match(n) for e in schema.entities.values() for n in (e.name, *e.fields)):
        return f"SELECT line, FALSE AS ok FROM {source}"  # Python reads them all
    column = [f"c{index}" for index in range(len(plans))]
    to_python = {i for i, plan in enumerate(plans) if plan is None or isinstance(plan.parts[-1], int)}
    placed = [plan for i, plan in enumerate(plans) if plan is not None and i not in to_python]
    for plan in placed:  # columns whose paths overlap (`employer` and `employer.name`): Python puts them
        for other in placed:
            if other is not plan and other.parts[:len(plan.parts)] == plan.parts:
                to_python.update((plan.index, other.index))
    oks: List[str] = [f"({column[i]} IS NULL)" for i in sorted(to_python)]
    reserved: Dict[str, Converted] = {}
    roots: Dict[str, _Node] = {}
    for plan in placed:
        if plan.index in to_python:
            continue
        head = str(plan.parts[0])
        if head in RESERVED:
            reserved[head] = _reserved(head, column[plan.index], shapes[plan.index], counties)
            continue
        node = roots.setdefault(head, _Node())
        if len(plan.parts) == 1:
            roots[head] = _Node(whole=plan.index)
            continue
        entity = schema.entities[head]
        parts = plan.parts[1:]
        depth = 0
        while depth < len(parts):
            field = entity.fields[str(parts[depth])]
            if depth == len(parts) - 1:
                node.fields[field.name] = _Node(whole=plan.index) if field.type in ("record", "list") \
                    else _Node(column=plan.index)
            elif field.type == "record":
                node = node.fields.setdefault(field.name, _Node())
                entity = schema.entities[field.of or ""]
            elif field.type == "list" and isinstance(parts[depth + 1], int) and parts[depth + 1] < MAX_LIST:
                node = node.fields.setdefault(field.name, _Node()).items.setdefault(parts[depth + 1], _Node())
                entity = schema.entities[field.of or ""]
                depth += 1
            else:  # a path through a list without an index: Python refuses it
                to_python.add(plan.index)
                oks.append(f"({column[plan.index]} IS NULL)")
                break
            depth += 1
    values: Dict[str, str] = {}
    present: Dict[str, str] = {}
    lets: List[str] = []  # columns computed before the tests (a list's facts across its items)
    for name in names:
        if name not in roots:
            continue
        found, given = _entity(roots[name], schema.entities[name], schema, column, shapes, oks, lets)
        if given == "FALSE":
            continue
        values[name], present[name] = found, given
    if not values:
        return f"SELECT line, FALSE AS ok FROM {source}"
    oks += [c.ok for c in reserved.values()]
    listed = "[" + ", ".join(f"CASE WHEN {given} THEN {lit(name)} END" for name, given in present.items()) + "]"
    jurisdiction = reserved.get("jurisdiction")  # one of the counties, when they are known (_reserved)
    oks.append("(" + " OR ".join(present.values()) + ")")  # a claim names an entity (else C007)
    as_of = reserved["as_of"].value if "as_of" in reserved else "TRY_CAST(NULL AS DATE)"
    county = jurisdiction.value if jurisdiction is not None else "TRY_CAST(NULL AS VARCHAR)"
    ident = reserved["id"].value if "id" in reserved else "'null'"
    typed = "".join(f",\n       CASE WHEN ok THEN CAST({values[name]} AS {entity_type(schema, name)}) END AS "
                    f"{quote_name(name)}" for name in values)
    ok = _all(oks)
    inner = f"(SELECT *, {', '.join(lets)} FROM {source})" if lets else source
    return f"""
SELECT line, ok,
       CASE WHEN ok THEN {as_of} END AS as_of,
       CASE WHEN ok THEN {county} END AS jurisdiction,
       CASE WHEN ok THEN list_filter({listed}, lambda _e: _e IS NOT NULL) END AS present,
       CASE WHEN ok THEN {ident} END AS id_json{typed}
FROM (SELECT *, COALESCE({ok}, FALSE) AS ok FROM {inner})
"""


def _reserved(name: str, x: str, shape: Shape, counties: Sequence[str]) -> Converted:
    """as_of (a date), jurisdiction (text; one of ``counties`` when they are known), id (text or an
    integer, as JSON text) in flat columns."""
    if name == "as_of":
        return scalar(x, shape, "date", (), flat=True)
    if name == "jurisdiction":
        if shape.kind != "string":
            return Converted("TRY_CAST(NULL AS VARCHAR)", f"({x} IS NULL)")
        return scalar(x, shape, "enum", counties, flat=True) if counties else scalar(x, shape, "text", (), flat=True)
    # id: typed_cell keeps an integer and strips text; the output writes it as JSON
    if shape.kind == "string":
        value = f"CASE WHEN {x} IS NULL OR {x} = '' THEN 'null' ELSE '\"' || {x} || '\"' END"
        return Converted(value, f"COALESCE({x} IS NULL OR {x} = '' OR regexp_matches({x}, {lit(SAFE_ID_TRIMMED)}), FALSE)")
    if shape.kind in ("int", "uint"):  # larger integers are written in scientific form
        return Converted(f"COALESCE(CAST({x} AS VARCHAR), 'null')", f"COALESCE({x} IS NULL OR {_in_range(x, shape)}, FALSE)")
    return Converted("'null'", f"({x} IS NULL)")


def _entity(node: _Node, entity: m.Entity, schema: m.FactSchema, column: Sequence[str], shapes: Sequence[Shape],
            oks: List[str], lets: List[str], depth: int = 0) -> Tuple[str, str]:
    """An entity's (or inner record's) value from its columns and whether the claim has it (the
    Python reader puts a record once a value below it is given)."""
    if node.whole is not None:
        x = column[node.whole]
        found = record(x, shapes[node.whole], entity, schema)
        oks.append(found.ok)
        return found.value, f"({x} IS NOT NULL)"
    values, given = [], []
    for field in entity.fields.values():
        child = node.fields.get(field.name)
        if child is None:
            values.append(f"{quote_name(field.name)} := {_none(_typed(field, schema))}")
            continue
        if child.column is not None:
            x = column[child.column]
            found = scalar(x, shapes[child.column], field.type, field.values, flat=True)
            value, present = found.value, f"({found.value} IS NOT NULL)"
            oks.append(found.ok)
        elif child.whole is not None:
            x = column[child.whole]
            found = nested(x, shapes[child.whole], field, schema)
            value, present = found.value, f"({x} IS NOT NULL)"
            oks.append(found.ok)
        elif child.items:
            value, present = _items(child.items, schema.entities[field.of or ""], schema, column, shapes, oks, lets)
        else:
            value, present = _entity(child, schema.entities[field.of or ""], schema, column, shapes, oks, lets, depth + 1)
        values.append(f"{quote_name(field.name)} := {value}")
        given.append(present)
    if not given:
        return _none(entity_type(schema, entity.name)), "FALSE"
    present = "(" + " OR ".join(given) + ")"
    return f"CASE WHEN {present} THEN struct_pack({', '.join(values)}) END", present


def _items(items: Dict[int, _Node], entity: m.Entity, schema: m.FactSchema, column: Sequence[str],
           shapes: Sequence[Shape], oks: List[str], lets: List[str]) -> Tuple[str, str]:
    """A list from columns naming its items' facts by index, as headers.put makes it: as long as
    its last item with a value given; an item before it with none is a record all the same (``{}``),
    a record inside an item there only when a value below it is given.

    Each fact's cells across the items are one list, converted once (a column of ``lets``), and the
    lists are zipped into the items, so that the SQL grows with the columns, not with columns ×
    items (an employer's hundreds of hires). Items holding a whole value or lists by index of their
    own, or one fact's columns of different types: the rows with a value there go to Python."""
    count = max(items) + 1
    leaves: Dict[Tuple[str, ...], Dict[int, int]] = {}
    flat = all(_leaf_columns(node, (), leaves, index) for index, node in items.items())
    if not flat or any(len({shapes[position] for position in at.values()}) != 1 for at in leaves.values()):
        oks.extend(f"({column[position]} IS NULL)" for position in _all_columns(items.values()))
        return "NULL", "FALSE"
    converted: Dict[Tuple[str, ...], str] = {}
    for path, at in leaves.items():
        field = _field_at(entity, schema, path)
        cells = "[" + ", ".join(column[at[i]] if i in at else "NULL" for i in range(count)) + "]"
        found = scalar("_c", shapes[next(iter(at.values()))], field.type, field.values, flat=True)
        if found.ok != "TRUE":
            oks.append(f"list_bool_and(list_transform({cells}, lambda _c: {found.ok}))")
        converted[path] = f"_l{len(lets)}"
        lets.append(f"list_transform({cells}, lambda _c: {found.value}) AS {converted[path]}")
    # the items' facts side by side (a lambda reading another column copies it for every item)
    zipped, given = f"_l{len(lets)}", f"_l{len(lets) + 1}"
    lets.append(f"list_zip({', '.join(converted.values())}) AS {zipped}")
    place = {path: f"_z[{position}]" for position, path in enumerate(converted, start=1)}
    lets.append(f"list_transform({zipped}, lambda _z: "
                + " OR ".join(f"{at} IS NOT NULL" for at in place.values()) + f") AS {given}")
    length = f"{count} - list_position(list_reverse({given}), TRUE) + 1"
    item = _item_struct(entity, schema, (), place)[0]
    present = f"COALESCE(list_bool_or({given}), FALSE)"
    return f"CASE WHEN {present} THEN list_transform(list_slice({zipped}, 1, {length}), lambda _z: {item}) END", present


def _leaf_columns(node: _Node, path: Tuple[str, ...], leaves: Dict[Tuple[str, ...], Dict[int, int]],
                  index: int) -> bool:
    """Gathers an item's plain facts' columns by path; False when it holds a whole value or lists."""
    if node.whole is not None or node.items:
        return False
    if node.column is not None:
        leaves.setdefault(path, {})[index] = node.column
        return True
    return all(_leaf_columns(child, path + (name,), leaves, index) for name, child in node.fields.items())


def _all_columns(nodes: Iterable[_Node]) -> List[int]:
    found: List[int] = []
    for node in nodes:
        found += [c for c in (node.whole, node.column) if c is not None]
        found += _all_columns(node.fields.values()) + _all_columns(node.items.values())
    return found


def _field_at(entity: m.Entity, schema: m.FactSchema, path: Tuple[str, ...]) -> m.Field:
    """The field at ``path`` (through records, as the columns were planned)."""
    field = entity.fields[path[0]]
    return field if len(path) == 1 else _field_at(schema.entities[field.of or ""], schema, path[1:])


def _item_struct(entity: m.Entity, schema: m.FactSchema, path: Tuple[str, ...],
                 place: Dict[Tuple[str, ...], str]) -> Tuple[str, str]:
    """An item's record (or a record inside it, at ``path``) from its facts' places, and whether a
    value is given in it."""
    values, given = [], []
    for field in entity.fields.values():
        inner = path + (field.name,)
        if inner in place:
            value = place[inner]
            given.append(f"{value} IS NOT NULL")
        elif field.type == "record" and any(p[:len(inner)] == inner for p in place):
            record, present = _item_struct(schema.entities[field.of or ""], schema, inner, place)
            value = f"CASE WHEN {present} THEN {record} END"
            given.append(present)
        else:
            value = _none(_typed(field, schema))
        values.append(f"{quote_name(field.name)} := {value}")
    return "struct_pack(" + ", ".join(values) + ")", "(" + (" OR ".join(given) or "FALSE") + ")"


__all__ = ["Shape", "shape_of", "checked_sql", "scalar", "nested", "record"]
