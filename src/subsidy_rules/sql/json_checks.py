"""Checking JSON Lines inside DuckDB: SQL that accepts a line only when claims.py would accept it
with the same typed facts.

The checks are conservative: a line they do not accept is not wrong, it is handed to the Python
engine, which decides it (or rejects it with its own message). So only one direction must hold —
every accepted line is a claim `coerce_claim` accepts, typed the same — and the differential tests
check it. What the SQL leaves to Python:
- any line the text pattern ``SUSPECT`` matches: a number with more than 15 digits, more than 12
  decimals, an exponent, NaN or Infinity (DuckDB reads numbers through doubles where Python reads
  them exactly), a negative zero (Python keeps its sign); a trailing comma (DuckDB's parser allows
  it, Python's does not); a NUL or a lone surrogate escape;
- repeated keys (Python keeps the last, DuckDB the first), keys the schema does not have;
- values Python converts rather than reads: numbers as text, dates other than YYYY-MM-DD, whole
  numbers written with a decimal point, ids that are neither plain text nor whole numbers;
- claims naming no entity; with ``--entity``, lines that name one (they are not bare records).

Every name comes from the fact schema; every text (enum values, county names) reaches SQL as an
escaped literal.
"""

from __future__ import annotations

import json
import re
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import attrs


from .. import model as m
from ..claims import RESERVED
from ..facts import MAX_LIST

# read on the line's text: a trailing comma (DuckDB's parser allows it, Python's does not); a NUL
# or a lone surrogate escape
TRAILING_COMMA = r",\s*[\]}]"
ODD_ESCAPE = r"\\u0000|\\u[dD][89abAB]"
# read on the lines with a number read through a double (a decimal fact, a numeric id) or in a
# list with decimal facts: more than 15 digits, more than 12 decimals, an exponent, NaN or
# Infinity (DuckDB reads them through doubles where Python reads them exactly), a negative zero
# (Python keeps its sign). A whole number is read exactly by both: its digits are counted.
NUMBER_SUSPECT = r"[:\[,]\s*-?(\d{16,}|\d*\.\d{13,}|[0-9.]{17,}|[0-9.]+[eE]|NaN|Infinity)|[:\[,]\s*-0[^0-9]"
SAFE_ID = r'^[^"\\\x00-\x1f,]*$'  # written the same by SQL concatenation and json.dumps / csv
DATE = r"\d{4}-\d{2}-\d{2}"
NUMBER_TEXT = r"-?(0|[1-9][0-9]*)(\.[0-9]{1,12})?"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*\Z")


def lit(text: str) -> str:
    """A SQL string literal, escaped (as sqlglot writes one for DuckDB: quotes doubled, nothing else
    is special in a DuckDB string)."""
    return "'" + text.replace("'", "''") + "'"


def texts(values: Iterable[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def typed_structure(schema: m.FactSchema, entity: m.Entity) -> dict:
    """A json_transform structure of an entity's record, each value typed as the SQL target reads it."""
    from .layout import sql_type

    found: dict = {}
    for field in entity.fields.values():
        if field.type == "record":
            found[field.name] = typed_structure(schema, schema.entities[field.of or ""])
        elif field.type == "list":
            found[field.name] = [typed_structure(schema, schema.entities[field.of or ""])]
        else:
            found[field.name] = sql_type(field.type).replace(",", ", ")
    return found


def structure(schema: m.FactSchema, entities: Sequence[str]) -> str:
    return lit(json.dumps({name: typed_structure(schema, schema.entities[name]) for name in entities}))


@attrs.frozen
class Position:
    """A place where a record or a list must be, with no list between it and its document (a
    claim, or an item of a list): its JSON path, and its record's entity (a list's: its items')."""

    path: str
    kind: str  # "object" | "array"
    entity: m.Entity


def positions(schema: m.FactSchema, entity: m.Entity, path: str) -> List[Position]:
    found = [Position(path, "object", entity)]
    for field in entity.fields.values():
        inner = f"{path}.{field.name}"
        if field.type == "record":
            found += positions(schema, schema.entities[field.of or ""], inner)
        elif field.type == "list":
            found.append(Position(inner, "array", schema.entities[field.of or ""]))
    return found


def present_count(t: str, first: int, last: int) -> str:
    """How many of the json_types {t}[first] … {t}[last] are there (the keys present)."""
    return "(" + " + ".join(f"({t}[{index}] IS NOT NULL)::INTEGER" for index in range(first, last + 1)) + ")"


@attrs.frozen
class Leaf:
    """A plain value's place, with no list between it and its document, and its field."""

    path: str
    field: m.Field


def leaf_places(schema: m.FactSchema, entity: m.Entity, path: str) -> List[Leaf]:
    found: List[Leaf] = []
    for field in entity.fields.values():
        inner = f"{path}.{field.name}"
        if field.type == "record":
            found += leaf_places(schema, schema.entities[field.of or ""], inner)
        elif field.type != "list":
            found.append(Leaf(inner, field))
    return found


NUMBERS = ("integer", "decimal", "money")
JSON_TYPES = {"bool": ("BOOLEAN",), "integer": ("BIGINT", "UBIGINT"), "decimal": ("BIGINT", "UBIGINT", "DOUBLE"),
              "money": ("BIGINT", "UBIGINT", "DOUBLE"), "date": ("VARCHAR",), "text": ("VARCHAR",), "enum": ("VARCHAR",)}


def allowed_types(field: m.Field) -> Tuple[str, ...]:
    """The JSON types a field's value may have as SQL reads it (JSON null: not given)."""
    if field.type == "record":
        return ("OBJECT", "NULL")
    if field.type == "list":
        return ("ARRAY", "NULL")
    return JSON_TYPES.get(field.type, ()) + (("VARCHAR",) if field.type in ("decimal", "money") else ()) + ("NULL",)


@attrs.define
class Calls:
    """The paths of the three multi-path calls over one JSON document, json_type (answers in
    ``{t}[i]``), json_keys (``{k}[i]``) and json_extract_string (``{e}[i]``), and the JSON types
    each typed path allows."""

    typed: List[str] = attrs.field(factory=list)
    allowed: List[Tuple[str, ...]] = attrs.field(factory=list)
    keys: List[str] = attrs.field(factory=list)
    strings: List[str] = attrs.field(factory=list)
    doubles: List[str] = attrs.field(factory=list)  # tests true where a number is read through a double

    def type_tests(self, t: str) -> List[str]:
        return [f"COALESCE({t}[{index}] IN ({', '.join(lit(kind) for kind in kinds)}), TRUE)"
                for index, kinds in enumerate(self.allowed, start=1) if kinds]


def record_tests(schema: m.FactSchema, roots: Sequence[Tuple[str, m.Entity]], calls: Calls, t: str, k: str, e: str,
                 doc: str, depth: int = 0, extra_keys: Optional[Dict[str, str]] = None) -> List[str]:
    """Tests of the records at ``roots`` (paths in the JSON document ``doc``, and their entities),
    adding the paths they read to ``calls``. A record's keys are checked by counting: as many keys
    as its fields present means no key unknown and none repeated (``extra_keys``: a count to add,
    for keys a record holds beside its fields). A list's items are checked one by one, each with
    the same three calls over the item alone."""
    tests: List[str] = []
    places = [p for path, entity in roots for p in positions(schema, entity, path)]
    for place in places:
        if place.kind == "array":
            length = f"json_array_length({doc}, {lit(place.path)})"
            tests.append(f"COALESCE({length} <= {MAX_LIST}, TRUE)")
            tests.append(items_test(schema, place, doc, depth))
            if has_decimals(schema, place.entity):  # read on the line: an item's number may need it
                calls.doubles.append(f"COALESCE({length} > 0, FALSE)")
            continue
        start = len(calls.typed) + 1
        for field in place.entity.fields.values():
            calls.typed.append(f"{place.path}.{field.name}")
            calls.allowed.append(allowed_types(field))
        calls.keys.append(place.path)
        keys = f"{k}[{len(calls.keys)}]"
        count = present_count(t, start, len(calls.typed))
        if extra_keys and place.path in extra_keys:
            count += " + " + extra_keys[place.path]
        tests.append(f"({keys} IS NULL OR len({keys}) = {count})")
    at = {path: index for index, path in enumerate(calls.typed, start=1)}
    for leaf in (leaf for path, entity in roots for leaf in leaf_places(schema, entity, path)):
        if leaf.field.type in NUMBERS:
            calls.strings.append(leaf.path)
            kind, text = f"{t}[{at[leaf.path]}]", f"{e}[{len(calls.strings)}]"
            # a whole number: its digits, as Python bounds numbers (under 10^15)
            tests.append(f"({kind} IS NULL OR {kind} NOT IN ('BIGINT', 'UBIGINT') OR length(ltrim({text}, '-')) <= 15)")
            if leaf.field.type != "integer":  # a number, or a plain number written as text
                tests.append(f"({kind} IS DISTINCT FROM 'VARCHAR' OR {number_text_ok(text)})")
                calls.doubles.append(f"{kind} IS NOT DISTINCT FROM 'DOUBLE'")
        elif text_ok(leaf.field, "x") is not None:  # its JSON type: in the type tests
            calls.strings.append(leaf.path)
            text = f"{e}[{len(calls.strings)}]"
            tests.append(f"({text} IS NULL OR {text_ok(leaf.field, text)})")
    return tests


def has_decimals(schema: m.FactSchema, entity: m.Entity) -> bool:
    """Whether a record of ``entity`` (or one inside it) can hold a number read through a double."""
    for field in entity.fields.values():
        if field.type in ("decimal", "money"):
            return True
        if field.type in ("record", "list") and has_decimals(schema, schema.entities[field.of or ""]):
            return True
    return False


def items_test(schema: m.FactSchema, place: Position, doc: str, depth: int) -> str:
    """Every item of the list at ``place`` is a record of its entity that passes its tests (an
    absent or null list: TRUE; its JSON type is tested where it is)."""
    item, answers = f"_x{depth}", f"_s{depth}"
    calls = Calls(typed=["$"], allowed=[("OBJECT",)])  # list items must be records
    tests = record_tests(schema, [("$", place.entity)], calls, f"{answers}.t", f"{answers}.k", f"{answers}.e",
                         f"{answers}.x", depth + 1)
    tests = [f"{answers}.t[1] = 'OBJECT'", *calls.type_tests(f"{answers}.t"), *tests]
    strings = f", e := json_extract_string({item}, {texts(calls.strings)})" if calls.strings else ""
    answer = (f"struct_pack(t := json_type({item}, {texts(calls.typed)}), k := json_keys({item}, {texts(calls.keys)})"
              f"{strings}, x := {item})")
    items = f"TRY_CAST(json_extract({doc}, {lit(place.path)}) AS JSON[])"
    return (f"COALESCE(list_bool_and(list_transform(list_transform({items}, lambda {item}: {answer}), "
            f"lambda {answers}: COALESCE({' AND '.join(tests)}, FALSE))), TRUE)")


def text_ok(field: m.Field, text: str) -> Optional[str]:
    """The test of a text value a field needs beyond its JSON type (None: no test)."""
    if field.type == "enum":
        return f"list_contains({texts(field.values)}, {text})"
    if field.type == "date":
        return date_text_ok(text)
    return None


def number_text_ok(text: str) -> str:
    """A number written as text that Python reads as DuckDB does: plain digits, at most 15 of them
    and 12 decimals, no sign on a zero (Python keeps it), no spaces or thousands separators."""
    return (f"regexp_full_match({text}, {lit(NUMBER_TEXT)}) AND length(regexp_replace({text}, '[^0-9]', '', 'g')) <= 15 "
            f"AND NOT regexp_full_match({text}, '-0(\\.0*)?')")


def date_text_ok(text: str) -> str:
    return (f"regexp_full_match({text}, {lit(DATE)}) AND NOT starts_with({text}, '0000') "
            f"AND TRY_CAST({text} AS DATE) IS NOT NULL")


def bare_checkable(schema: m.FactSchema, entity: str) -> bool:
    """Whether SQL can check bare records of ``entity`` (``--entity``): a record is wrapped as the
    entity's unless it names an entity, and the claim's own keys move up out of it, so its fields
    must be neither."""
    fields = schema.entities[entity].fields if entity in schema.entities else {}
    return bool(fields) and not any(name in schema.entities or name in RESERVED for name in fields)


def quote_name(name: str) -> str:
    """A schema name as a quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def named_entities_sql(source: str) -> str:
    """The top-level keys the lines of ``source`` use (so the checks are built for those entities only)."""
    return f"SELECT DISTINCT unnest(json_keys(TRY_CAST(text AS JSON))) FROM {source}"


def checked_sql(schema: m.FactSchema, counties: Sequence[str], source: str, entities: Sequence[str],
                bare: Optional[str] = None) -> str:
    """SELECT over ``source`` (columns line, text): per line whether SQL accepts it, the claim's
    date, jurisdiction, the entities it names, its id as JSON text, and each named entity's record
    typed. ``entities``: the entities the lines name (any other key makes a line Python's).

    Each line is parsed a few times, each time for many paths at once: json_type, json_keys and
    json_extract_string over every place without a list between; a list's items once more each,
    with the same three calls over the item alone."""
    entities = [bare] if bare else [e for e in schema.entities if e in entities]
    if not entities or not all(NAME.match(n) for e in schema.entities.values() for n in (e.name, *e.fields)) \
            or (bare and not bare_checkable(schema, bare)):
        return f"SELECT line, FALSE AS ok FROM {source}"  # Python reads them all
    roots = [("$" if bare else f"$.{e}", schema.entities[e]) for e in entities]
    # t[1] … t[4]: the claim, its id, date and jurisdiction; then its entities; then the fields of
    # each record in a block of their own (record_tests)
    calls = Calls(typed=["$", "$.id", "$.as_of", "$.jurisdiction"],
                  allowed=[("OBJECT",), ("NULL", "VARCHAR", "BIGINT", "UBIGINT"), ("VARCHAR",), ("NULL", "VARCHAR")],
                  strings=["$.id", "$.as_of", "$.jurisdiction"])  # e[1] … e[3]
    if not bare:
        calls.typed += [path for path, _ in roots]
        calls.allowed += [("OBJECT", "NULL")] * len(roots)
        calls.keys.append("$")  # k[1]: the claim's keys
    extra = {"$": present_count("t", 2, 4)} if bare else None  # a bare record holds the claim's own keys
    tests = record_tests(schema, roots, calls, "t", "k", "e", "j", extra_keys=extra)
    doubles = ["COALESCE(t[2] IN ('BIGINT', 'UBIGINT', 'DOUBLE'), FALSE)", *calls.doubles]  # a numeric id too
    at = {path: index for index, path in enumerate(calls.typed, start=1)}
    county = f"list_contains({texts(counties)}, e[3])" if counties else "TRUE"
    top = len(RESERVED) + len(entities) + 1  # t[2] … t[top]: the claim's own keys
    ok = " AND ".join([
        "j IS NOT NULL",
        "t[1] = 'OBJECT'",
        *calls.type_tests("t"),
        # as many keys as the claim's known keys present: none unknown (Python says which), none repeated
        *([] if bare else [f"len(k[1]) = {present_count('t', 2, top)}",
                           "(" + " OR ".join(f"t[{index}] IS NOT NULL" for index in range(len(RESERVED) + 2, top + 1)) + ")"]),
        f"(t[2] IS DISTINCT FROM 'VARCHAR' OR regexp_matches(e[1], {lit(SAFE_ID)}))",
        f"(t[3] IS NULL OR {date_text_ok('e[2]')})",
        f"(t[4] IS DISTINCT FROM 'VARCHAR' OR {county})",
        *tests,
        # CASE: the pattern is read only where a test says so (AND reads both sides of every row)
        f"CASE WHEN {' OR '.join(doubles)} THEN NOT regexp_matches(text, {lit(NUMBER_SUSPECT)}) ELSE TRUE END",
    ])
    if bare:
        typed = f"v AS {quote_name(bare)}"
        present = f"[{lit(bare)}]"
        shape = lit(json.dumps(typed_structure(schema, schema.entities[bare])))
    else:
        typed = ", ".join(f"v.{quote_name(e)} AS {quote_name(e)}" for e in entities)
        present = "[" + ", ".join(f"CASE WHEN t[{at['$.' + e]}] IS NOT NULL THEN {lit(e)} END" for e in entities) + "]"
        shape = structure(schema, entities)
    return f"""
SELECT line, ok,
       CASE WHEN ok THEN TRY_CAST(e[2] AS DATE) END AS as_of,
       CASE WHEN ok THEN e[3] END AS jurisdiction,
       CASE WHEN ok THEN list_filter({present}, lambda _e: _e IS NOT NULL) END AS present,
       CASE WHEN t[2] IS NULL OR t[2] = 'NULL' THEN 'null' WHEN t[2] = 'VARCHAR' THEN '"' || e[1] || '"'
            ELSE e[1] END AS id_json,
       {typed}
FROM (
  SELECT line, ok, t, e, k, CASE WHEN ok THEN json_transform(j, {shape}) END AS v
  FROM (
    SELECT line, j, t, e, k, COALESCE({ok}, FALSE) AS ok
    FROM (
      SELECT line, text, j, json_type(j, {texts(calls.typed)}) AS t, json_keys(j, {texts(calls.keys)}) AS k,
             json_extract_string(j, {texts(calls.strings)}) AS e
      FROM (
        SELECT line, text, CASE WHEN NOT regexp_matches(text, {lit(TRAILING_COMMA)})
                                 AND NOT (contains(text, '\\u') AND regexp_matches(text, {lit(ODD_ESCAPE)}))
                                THEN TRY_CAST(text AS JSON) END AS j
        FROM {source}
      )
    )
  )
)
"""
