"""Checking JSON Lines inside DuckDB: SQL that accepts a line only when claims.py would accept it
with the same typed facts.

The checks are conservative: a line they do not accept is not wrong, it is handed to the Python
engine, which decides it (or rejects it with its own message). So only one direction must hold —
every accepted line is a claim `coerce_claim` accepts, typed the same — and the differential tests
check it. What the SQL leaves to Python:
- any line the text pattern ``SUSPECT`` matches: a number with more than 15 digits, more than 12
  decimals, an exponent, NaN or Infinity (DuckDB reads numbers through doubles where Python reads
  them exactly), a negative zero (Python keeps its sign); a trailing comma (DuckDB's parser allows it, Python's does not); a NUL or a lone
  surrogate escape;
- repeated keys (Python keeps the last, DuckDB the first), keys the schema does not have;
- values Python converts rather than reads: numbers as text, dates other than YYYY-MM-DD, whole
  numbers written with a decimal point, ids that are neither plain text nor whole numbers;
- claims naming no entity, or records needing ``--entity`` wrapping.

Every name comes from the fact schema; every text (enum values, county names) reaches SQL as an
escaped literal.
"""

from __future__ import annotations

import json
import re
from typing import Iterable, List, Sequence

import attrs

from sqlglot import exp

from .. import model as m
from ..facts import MAX_LIST

RESERVED = ("as_of", "jurisdiction", "id")
SUSPECT = (r"[:\[,]\s*-?(\d{16,}|\d*\.\d{13,}|[0-9.]{17,}|[0-9.]+[eE]|NaN|Infinity)"
           r"|[:\[,]\s*-0[^0-9]|,\s*[\]}]|\\u0000|\\u[dD][89abAB]")
SAFE_ID = r'^[^"\\\x00-\x1f,]*$'  # written the same by SQL concatenation and json.dumps / csv
DATE = r"\d{4}-\d{2}-\d{2}"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def lit(text: str) -> str:
    """A SQL string literal, escaped."""
    return exp.Literal.string(text).sql(dialect="duckdb")


def texts(values: Iterable[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def leaves(schema: m.FactSchema, entity: m.Entity, typed: bool) -> dict:
    """A json_transform structure of an entity's record: each value typed by the schema, or
    each value as JSON text (to check its JSON type); records and lists nest either way."""
    from .layout import sql_type

    found: dict = {}
    for field in entity.fields.values():
        if field.type == "record":
            found[field.name] = leaves(schema, schema.entities[field.of or ""], typed)
        elif field.type == "list":
            found[field.name] = [leaves(schema, schema.entities[field.of or ""], typed)]
        else:
            found[field.name] = sql_type(field.type).replace(",", ", ") if typed else "JSON"
    return found


def structure(schema: m.FactSchema, typed: bool, entities: Sequence[str]) -> str:
    top = {"id": "JSON", "as_of": "JSON", "jurisdiction": "JSON"}
    for name in entities:
        top[name] = leaves(schema, schema.entities[name], typed)
    return lit(json.dumps(top))


@attrs.frozen
class Position:
    """A place in a claim where an object or a list must be: its JSON path (``[*]`` through lists)."""

    path: str
    kind: str  # "object" | "array"
    entity: m.Entity
    wildcard: bool  # through a list: json_type / json_keys give one value per item


def positions(schema: m.FactSchema, entity: m.Entity, path: str, wildcard: bool = False) -> List[Position]:
    found = [Position(path, "object", entity, wildcard)]
    for field in entity.fields.values():
        inner = f"{path}.{field.name}"
        if field.type == "record":
            found += positions(schema, schema.entities[field.of or ""], inner, wildcard)
        elif field.type == "list":
            found.append(Position(inner, "array", schema.entities[field.of or ""], wildcard))
            found += positions(schema, schema.entities[field.of or ""], inner + "[*]", True)
    return found


def keys_ok(keys: str, allowed: Iterable[str]) -> str:
    return f"(len({keys}) = len(list_distinct({keys})) AND list_has_all({texts(allowed)}, {keys}))"


def position_ok(position: Position, kind: str, keys: str) -> str:
    """``kind`` / ``keys``: the json_type / json_keys at the position (lists of them through lists)."""
    if position.kind == "array":
        test = f"{kind} = 'ARRAY'"
        if position.wildcard:
            return f"COALESCE(list_bool_and(list_transform({kind}, lambda _t: _t IN ('ARRAY', 'NULL'))), TRUE)"
        return f"({kind} IS NULL OR {kind} = 'NULL' OR {test})"
    fields = tuple(position.entity.fields)
    if position.wildcard:
        # list items must be records; a record inside an item may be null
        allowed = "('OBJECT')" if position.path.endswith("[*]") else "('OBJECT', 'NULL')"
        return (f"COALESCE(list_bool_and(list_transform({kind}, lambda _t: _t IN {allowed})), TRUE) AND "
                f"COALESCE(list_bool_and(list_transform({keys}, lambda _k: {keys_ok('_k', fields)})), TRUE)")
    return f"({kind} IS NULL OR {kind} = 'NULL' OR {kind} = 'OBJECT' AND {keys_ok(keys, fields)})"


def leaves_ok(schema: m.FactSchema, entity: m.Entity, s: str, depth: int = 0) -> List[str]:
    """Checks of every value of a record, read from the json_transform of ``leaves``."""
    found = []
    for field in entity.fields.values():
        v = f"{s}.{_quote(field.name)}"
        if field.type == "record":
            found += leaves_ok(schema, schema.entities[field.of or ""], v, depth)
        elif field.type == "list":
            item = f"_x{depth}"
            inner = leaves_ok(schema, schema.entities[field.of or ""], item, depth + 1)
            if inner:
                found.append(f"COALESCE(list_bool_and(list_transform({v}, lambda {item}: {' AND '.join(inner)})), TRUE)")
            found.append(f"COALESCE(len({v}), 0) <= {MAX_LIST}")
        else:
            found.append(field_ok(field, v))
    return found


def field_ok(field: m.Field, v: str) -> str:
    kind = field.type
    if kind == "bool":
        test = f"json_type({v}) = 'BOOLEAN'"
    elif kind == "integer":
        test = f"json_type({v}) IN ('BIGINT', 'UBIGINT')"
    elif kind in ("decimal", "money"):
        test = f"json_type({v}) IN ('BIGINT', 'UBIGINT', 'DOUBLE')"
    elif kind == "date":
        test = date_ok(v)
    elif kind == "text":
        test = f"json_type({v}) = 'VARCHAR'"
    elif kind == "enum":
        test = f"json_type({v}) = 'VARCHAR' AND list_contains({texts(field.values)}, {v} ->> '$')"
    else:  # a type these checks do not know: Python decides
        test = "FALSE"
    return f"({v} IS NULL OR ({test}))"


def date_ok(v: str) -> str:
    text = f"({v} ->> '$')"
    return (f"json_type({v}) = 'VARCHAR' AND regexp_full_match({text}, {lit(DATE)}) "
            f"AND NOT starts_with({text}, '0000') AND TRY_CAST({text} AS DATE) IS NOT NULL")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def named_entities_sql(source: str) -> str:
    """The top-level keys the lines of ``source`` use (so the checks are built for those entities only)."""
    return f"SELECT DISTINCT unnest(json_keys(TRY_CAST(text AS JSON))) FROM {source}"


def checked_sql(schema: m.FactSchema, counties: Sequence[str], source: str, entities: Sequence[str]) -> str:
    """SELECT over ``source`` (columns line, text): per line whether SQL accepts it, the claim's
    date, jurisdiction, the entities it names, its id as JSON text, and each named entity's record
    typed. ``entities``: the entities the lines name (any other key makes a line Python's)."""
    entities = [e for e in schema.entities if e in entities]
    if not entities:
        return f"SELECT line, FALSE AS ok FROM {source}"
    if not all(NAME.match(n) for e in schema.entities.values() for n in (e.name, *e.fields)):
        return f"SELECT line, FALSE AS ok FROM {source}"  # names a JSON path cannot spell plainly: Python reads all
    places = [p for e in entities for p in positions(schema, schema.entities[e], f"$.{e}")]
    plain = [p for p in places if not p.wildcard]
    spread = [p for p in places if p.wildcard]
    kinds = "json_type(j, " + texts(["$"] + [p.path for p in plain]) + ")"
    keys = "json_keys(j, " + texts(["$"] + [p.path for p in plain]) + ")"
    extra = "".join(f", json_type(j, {lit(p.path)}) AS t{i}, json_keys(j, {lit(p.path)}) AS k{i}"
                    for i, p in enumerate(spread))
    county = (f"list_contains({texts(counties)}, s.jurisdiction ->> '$')" if counties else "TRUE")
    checks = [position_ok(p, f"t[{i + 2}]", f"k[{i + 2}]") for i, p in enumerate(plain)]
    checks += [position_ok(p, f"t{i}", f"k{i}") for i, p in enumerate(spread)]
    for e in entities:
        checks += leaves_ok(schema, schema.entities[e], f"s.{_quote(e)}")
    ok = " AND ".join([
        "j IS NOT NULL", "t[1] = 'OBJECT'",
        keys_ok("k[1]", RESERVED + tuple(entities)),  # a key of no entity named here: Python says which
        f"list_has_any({texts(entities)}, k[1])",
        f"(s.id IS NULL OR (json_type(s.id) = 'VARCHAR' AND regexp_matches(s.id ->> '$', {lit(SAFE_ID)}))"
        " OR json_type(s.id) IN ('BIGINT', 'UBIGINT'))",
        f"(s.as_of IS NULL AND NOT list_contains(k[1], 'as_of') OR s.as_of IS NOT NULL AND {date_ok('s.as_of')})",
        f"(s.jurisdiction IS NULL OR json_type(s.jurisdiction) = 'VARCHAR' AND {county})",
        *checks,
    ])
    typed = ", ".join(f"t.{_quote(e)} AS {_quote(e)}" for e in entities)
    present = "[" + ", ".join(f"CASE WHEN list_contains(k[1], {lit(e)}) THEN {lit(e)} END" for e in entities) + "]"
    return f"""
SELECT line, ok,
       CASE WHEN ok THEN TRY_CAST(s.as_of ->> '$' AS DATE) END AS as_of,
       CASE WHEN ok THEN s.jurisdiction ->> '$' END AS jurisdiction,
       CASE WHEN ok THEN list_filter({present}, lambda _e: _e IS NOT NULL) END AS present,
       CASE WHEN s.id IS NULL THEN 'null' WHEN json_type(s.id) = 'VARCHAR' THEN '"' || (s.id ->> '$') || '"'
            ELSE CAST(s.id AS VARCHAR) END AS id_json,
       {typed}
FROM (
  SELECT line, ok, s, k, CASE WHEN ok THEN json_transform(j, {structure(schema, True, entities)}) END AS t
  FROM (
    SELECT line, j, s, k, COALESCE({ok}, FALSE) AS ok
    FROM (
      SELECT line, j, {kinds} AS t, {keys} AS k, json_transform(j, {structure(schema, False, entities)}) AS s{extra}
      FROM (
        SELECT line, CASE WHEN NOT regexp_matches(text, {lit(SUSPECT)}) THEN TRY_CAST(text AS JSON) END AS j
        FROM {source}
      )
    )
  )
)
"""
