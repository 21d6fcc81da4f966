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

SUSPECT = (r"[:\[,]\s*-?(\d{16,}|\d*\.\d{13,}|[0-9.]{17,}|[0-9.]+[eE]|NaN|Infinity)"
           r"|[:\[,]\s*-0[^0-9]|,\s*[\]}]|\\u0000|\\u[dD][89abAB]")
SAFE_ID = r'^[^"\\\x00-\x1f,]*$'  # written the same by SQL concatenation and json.dumps / csv
DATE = r"\d{4}-\d{2}-\d{2}"
NUMBER_TEXT = r"-?(0|[1-9][0-9]*)(\.[0-9]{1,12})?"
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


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


def present_count(first: int, last: int) -> str:
    """How many of the json_types t[first] … t[last] are there (the keys present)."""
    return "(" + " + ".join(f"(t[{index}] IS NOT NULL)::INTEGER" for index in range(first, last + 1)) + ")"


def keys_ok(keys: str, allowed: Iterable[str]) -> str:
    return f"(len({keys}) = len(list_distinct({keys})) AND list_has_all({texts(allowed)}, {keys}))"


@attrs.frozen
class Leaf:
    """A plain value's place in a claim (``[*]`` through lists) and its field."""

    path: str
    field: m.Field
    wildcard: bool


def leaf_places(schema: m.FactSchema, entity: m.Entity, path: str, wildcard: bool = False) -> List[Leaf]:
    found: List[Leaf] = []
    for field in entity.fields.values():
        inner = f"{path}.{field.name}"
        if field.type == "record":
            found += leaf_places(schema, schema.entities[field.of or ""], inner, wildcard)
        elif field.type == "list":
            found += leaf_places(schema, schema.entities[field.of or ""], inner + "[*]", True)
        else:
            found.append(Leaf(inner, field, wildcard))
    return found


JSON_TYPES = {"bool": ("BOOLEAN",), "integer": ("BIGINT", "UBIGINT"), "decimal": ("BIGINT", "UBIGINT", "DOUBLE"),
              "money": ("BIGINT", "UBIGINT", "DOUBLE"), "date": ("VARCHAR",), "text": ("VARCHAR",), "enum": ("VARCHAR",)}


def each(values: str, var: str, test: str) -> str:
    """``test`` holds for every element of a list (an empty or missing list: TRUE)."""
    return f"COALESCE(list_bool_and(list_transform({values}, lambda {var}: {test})), TRUE)"


def type_ok(leaf: Leaf, kind: str) -> str:
    """``kind``: the json_type at the leaf (a list of them through lists); JSON null is always allowed."""
    allowed = "(" + ", ".join(lit(t) for t in JSON_TYPES.get(leaf.field.type, ()) + ("NULL",)) + ")"
    if leaf.wildcard:
        return each(kind, "_t", f"_t IN {allowed}")
    return f"({kind} IS NULL OR {kind} IN {allowed})"


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
    json_extract_string over every place without a list, one call per place inside lists."""
    entities = [bare] if bare else [e for e in schema.entities if e in entities]
    if not entities or not all(NAME.match(n) for e in schema.entities.values() for n in (e.name, *e.fields)) \
            or (bare and not bare_checkable(schema, bare)):
        return f"SELECT line, FALSE AS ok FROM {source}"  # Python reads them all
    at_root = {e: "$" if bare else f"$.{e}" for e in entities}
    places = [p for e in entities for p in positions(schema, schema.entities[e], at_root[e])]
    leaves_ = [leaf for e in entities for leaf in leaf_places(schema, schema.entities[e], at_root[e])]
    # t[1] … t[4], the entities, then the children of each record in a block of their own, so that
    # a record's keys are checked by counting: as many keys as its fields present means no key
    # unknown and none repeated
    objects = [p for p in places if not p.wildcard and p.kind == "object"]
    typed_paths = ["$", "$.id", "$.as_of", "$.jurisdiction"] + ([] if bare else [f"$.{e}" for e in entities])
    blocks: Dict[str, Tuple[int, int]] = {}
    for place in objects:
        start = len(typed_paths) + 1
        typed_paths += [f"{place.path}.{name}" for name in place.entity.fields]
        blocks[place.path] = (start, len(typed_paths))
    text_paths = ["$.id", "$.as_of", "$.jurisdiction"]  # e[1] … e[3]
    text_paths += [leaf.path for leaf in leaves_ if not leaf.wildcard
                   and (text_ok(leaf.field, "x") or leaf.field.type in ("decimal", "money"))]
    key_paths = ["$"] + [p.path for p in objects if p.path != "$"]
    array_paths = [p.path for p in places if not p.wildcard and p.kind == "array"]
    at = {path: index + 1 for index, path in enumerate(typed_paths)}
    text_at = {path: index + 1 for index, path in enumerate(text_paths)}
    key_at = {path: index + 1 for index, path in enumerate(key_paths)}
    spread: List[str] = []  # one call per place inside a list

    def spread_column(call: str) -> str:
        spread.append(f"{call} AS w{len(spread)}")
        return f"w{len(spread) - 1}"

    checks: List[str] = []
    for place in places:
        if place.wildcard:
            kind, keys = spread_column(f"json_type(j, {lit(place.path)})"), spread_column(f"json_keys(j, {lit(place.path)})")
            if place.kind == "array":
                checks.append(each(kind, "_t", "_t IN ('ARRAY', 'NULL')"))
                checks.append(each(spread_column(f"json_array_length(j, {lit(place.path)})"), "_n", f"_n <= {MAX_LIST}"))
                continue
            # list items must be records; a record inside an item may be null
            allowed = "('OBJECT')" if place.path.endswith("[*]") else "('OBJECT', 'NULL')"
            checks.append(each(kind, "_t", f"_t IN {allowed}"))
            checks.append(each(keys, "_k", keys_ok("_k", place.entity.fields)))
        elif place.kind == "array":  # its JSON type: in the tests below
            checks.append(f"COALESCE(a[{array_paths.index(place.path) + 1}] <= {MAX_LIST}, TRUE)")
        else:
            keys = f"k[{key_at[place.path]}]"
            count = present_count(*blocks[place.path])
            if place.path == "$":  # a bare record: its keys are its fields and the claim's own
                count += f" + {present_count(2, 4)}"
            checks.append(f"({keys} IS NULL OR len({keys}) = {count})")
    for leaf in leaves_:
        if leaf.wildcard:
            checks.append(type_ok(leaf, spread_column(f"json_type(j, {lit(leaf.path)})")))
            test = text_ok(leaf.field, "_v")
            if test is not None:
                values = spread_column(f"json_extract_string(j, {lit(leaf.path)})")
                checks.append(each(values, "_v", f"_v IS NULL OR {test}"))
        elif leaf.field.type in ("decimal", "money"):  # a number, or a plain number written as text
            kind, text = f"t[{at[leaf.path]}]", f"e[{text_at[leaf.path]}]"
            checks.append(f"({kind} IS DISTINCT FROM 'VARCHAR' OR {number_text_ok(text)})")
        elif leaf.path in text_at:  # its JSON type: in the tests below
            text = f"e[{text_at[leaf.path]}]"
            checks.append(f"({text} IS NULL OR {text_ok(leaf.field, text)})")
    county = f"list_contains({texts(counties)}, e[3])" if counties else "TRUE"
    # every JSON type where no list is between: one test per place ('-': absent)
    kinds = {p.path: ("ARRAY",) if p.kind == "array" else ("OBJECT",) for p in places if not p.wildcard}
    kinds.update({leaf.path: JSON_TYPES.get(leaf.field.type, ("NONE",))
                  + (("VARCHAR",) if leaf.field.type in ("decimal", "money") else ())
                  for leaf in leaves_ if not leaf.wildcard})
    allowed = [("NULL", "VARCHAR", "BIGINT", "UBIGINT"), ("VARCHAR",), ("NULL", "VARCHAR")]  # id, as_of, jurisdiction
    allowed += [kinds[path] + ("NULL",) for path in typed_paths[4:]]
    types = ["t[1] = 'OBJECT'"] + [f"COALESCE(t[{index}] IN ({', '.join(lit(kind) for kind in kinds_)}), TRUE)"
                                   for index, kinds_ in enumerate(allowed, start=2)]
    top = len(RESERVED) + len(entities) + 1  # t[2] … t[top]: the claim's own keys
    ok = " AND ".join([
        "j IS NOT NULL",
        *types,
        # as many keys as the claim's known keys present: none unknown (Python says which), none repeated
        *([] if bare else [f"len(k[1]) = {present_count(2, top)}",
                           "(" + " OR ".join(f"t[{index}] IS NOT NULL" for index in range(len(RESERVED) + 2, top + 1)) + ")"]),
        f"(t[2] IS DISTINCT FROM 'VARCHAR' OR regexp_matches(e[1], {lit(SAFE_ID)}))",
        f"(t[3] IS NULL OR {date_text_ok('e[2]')})",
        f"(t[4] IS DISTINCT FROM 'VARCHAR' OR {county})",
        *checks,
    ])
    if bare:
        typed = f"v AS {quote_name(bare)}"
        present = f"[{lit(bare)}]"
        shape = lit(json.dumps(typed_structure(schema, schema.entities[bare])))
    else:
        typed = ", ".join(f"v.{quote_name(e)} AS {quote_name(e)}" for e in entities)
        present = "[" + ", ".join(f"CASE WHEN t[{at['$.' + e]}] IS NOT NULL THEN {lit(e)} END" for e in entities) + "]"
        shape = structure(schema, entities)
    lengths = f", json_array_length(j, {texts(array_paths)}) AS a" if array_paths else ""
    spread_sql = "".join(", " + column for column in spread)
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
      SELECT line, j, json_type(j, {texts(typed_paths)}) AS t, json_keys(j, {texts(key_paths)}) AS k,
             json_extract_string(j, {texts(text_paths)}) AS e{lengths}{spread_sql}
      FROM (
        SELECT line, CASE WHEN NOT regexp_matches(text, {lit(SUSPECT)}) THEN TRY_CAST(text AS JSON) END AS j
        FROM {source}
      )
    )
  )
)
"""
