"""Where facts live in a database: the default table layout and mapping files.

The default layout follows the fact schema: one table (``claims``) with a key
column (``line``) and one column per entity holding that entity's record —
a STRUCT in DuckDB and Spark (lists of items as LIST/ARRAY of STRUCT), a jsonb
document in PostgreSQL. A mapping file renames the table, the key and the
entity columns, and may place any fact outside a list in a plain column of
its own (``labourer.age: nl_age``), or rename a field inside list items.

Every name that reaches SQL comes from here: the fact schema's names (checked
when the policy loads) or a mapping file's names, each checked against
``IDENTIFIER``. sqlglot quotes them all.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Tuple, Union

import attrs

from .. import model as m
from ..errors import SubsidyRulesError, did_you_mean, yaml_problem_words
from ..facts import describe
from ..messages import SQL_MESSAGES, SQL_WORDS, Word, render, suggestion_text, word_pair
from ..source import Span, YamlProblem, YMap, parse_yaml, plain, read_source

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}\Z")
DEFAULT_TABLE = "claims"
DEFAULT_KEY = "line"


class SqlError(SubsidyRulesError):
    """A problem with a mapping file, a dialect, or a rule the SQL target cannot express."""

    def __init__(self, code: str, span: Optional[Span] = None, **args: object) -> None:
        self.code = code
        self.span = span
        self.args_ = args
        super().__init__(self.message("en"))

    def message(self, lang: str = "zh") -> str:
        args = dict(self.args_)
        if "candidates" in args:
            args["suggestion"] = suggestion_text(tuple(args.pop("candidates")), lang)  # type: ignore[arg-type]
        text = f"[{self.code}] " + render(SQL_MESSAGES, self.code, lang, args)
        return f"{self.span}: {text}" if self.span is not None else text


def check_name(value: object, key: str, span: Optional[Span] = None) -> str:
    if not isinstance(value, str) or not IDENTIFIER.match(value):
        raise SqlError("Q002", span, key=key, value=describe(value))
    return value


@attrs.frozen
class Layout:
    """Table, key column, entity columns, and facts placed in columns of their own."""

    table: Tuple[str, ...] = (DEFAULT_TABLE,)  # optionally schema-qualified
    key: str = DEFAULT_KEY
    entities: Mapping[str, str] = attrs.field(factory=dict)  # entity -> column (default: its name)
    columns: Mapping[str, str] = attrs.field(factory=dict)  # dotted fact path outside lists -> flat column
    fields: Mapping[str, str] = attrs.field(factory=dict)  # dotted path through a list -> field name in the item

    def entity_column(self, entity: str) -> str:
        return self.entities.get(entity, entity)

    def flat_column(self, dotted: str) -> Optional[str]:
        return self.columns.get(dotted)

    def item_field(self, dotted: str, name: str) -> str:
        return self.fields.get(dotted, name)


DEFAULT_LAYOUT = Layout()


# ---------------------------------------------------------------- column types


def sql_type(field_type: str) -> str:
    """The SQL type of a scalar fact (DuckDB / Spark spelling; PostgreSQL casts from jsonb)."""
    return {"bool": "BOOLEAN", "integer": "BIGINT", "decimal": "DECIMAL(38,12)", "money": "DECIMAL(38,12)",
            "date": "DATE", "text": "VARCHAR", "enum": "VARCHAR"}[field_type]


def entity_type(schema: m.FactSchema, name: str, dialect: str = "duckdb", depth: int = 0) -> str:
    """An entity's record as a STRUCT type (DuckDB) or struct<...> (Spark DDL)."""
    entity = schema.entities[name]
    parts = []
    for field in entity.fields.values():
        if field.type == "record":
            inner = entity_type(schema, field.of or "", dialect, depth + 1)
        elif field.type == "list":
            element = entity_type(schema, field.of or "", dialect, depth + 1)
            inner = f"{element}[]" if dialect == "duckdb" else f"array<{element}>"
        else:
            inner = sql_type(field.type)
            if dialect == "spark":
                inner = {"VARCHAR": "string", "BIGINT": "bigint"}.get(inner, inner.lower())
        parts.append(f'"{field.name}" {inner}' if dialect == "duckdb" else f"`{field.name}`: {inner}")
    return f"STRUCT({', '.join(parts)})" if dialect == "duckdb" else f"struct<{', '.join(parts)}>"


def arrow_type(schema: m.FactSchema, name: str, plain: Optional[Mapping[str, Any]] = None) -> Any:
    """The same record as a pyarrow type, for handing checked claims to DuckDB without text;
    ``plain`` replaces the types of some plain facts (a reader's: dates as text)."""
    import pyarrow as pa

    kinds = {"bool": pa.bool_(), "integer": pa.int64(), "decimal": pa.decimal128(38, 12),
             "money": pa.decimal128(38, 12), "date": pa.date32(), "text": pa.string(), "enum": pa.string(),
             **(plain or {})}
    fields = []
    for field in schema.entities[name].fields.values():
        if field.type == "record":
            kind = arrow_type(schema, field.of or "", plain)
        elif field.type == "list":
            kind = pa.list_(arrow_type(schema, field.of or "", plain))
        else:
            kind = kinds[field.type]
        fields.append(pa.field(field.name, kind))
    return pa.struct(fields)


def create_table_sql(schema: m.FactSchema, dialect: str = "duckdb", layout: Layout = DEFAULT_LAYOUT) -> str:
    """DDL of the default layout: what docs/sql.md documents and the tests load."""
    columns = [f'"{layout.key}" BIGINT']
    for name in schema.entities:
        column = layout.entity_column(name)
        kind = "JSONB" if dialect == "postgres" else entity_type(schema, name)
        columns.append(f'"{column}" {kind}')
    table = ".".join(f'"{t}"' for t in layout.table)
    return f"CREATE TABLE {table} ({', '.join(columns)})"


# ---------------------------------------------------------------- mapping files


def _fact_path(schema: m.FactSchema, dotted: str) -> Tuple[bool, Optional[m.Field]]:
    """(inside a list?, the field) of a dotted fact path written without list indices."""
    parts = dotted.split(".")
    entity = schema.entities.get(parts[0])
    if entity is None or len(parts) < 2:
        return False, None
    inside = False
    field: Optional[m.Field] = None
    for index, name in enumerate(parts[1:]):
        if entity is None:
            return inside, None
        field = entity.fields.get(name)
        if field is None:
            return inside, None
        if index < len(parts) - 2:
            if field.type == "list":
                inside = True
            entity = schema.entities.get(field.of or "") if field.type in ("list", "record") else None
    return inside, field


def load_mapping(path: Union[str, Path], schema: m.FactSchema) -> Layout:
    """Read a mapping file (YAML through the project's safe loader); errors carry file:line:column."""
    try:
        source = read_source(path)
        node = parse_yaml(source)
    except YamlProblem as problem:
        raise SqlError("Q001", problem.span, detail=yaml_problem_words(problem)) from None
    except OSError as exc:
        raise SqlError("Q001", None, detail=word_pair(SQL_WORDS, "unreadable", path=path, detail=exc.strerror or exc)) from None
    if node is None:
        return DEFAULT_LAYOUT
    if not isinstance(node, YMap):
        raise SqlError("Q001", node.span, detail=word_pair(SQL_WORDS, "not-a-mapping"))
    table: Tuple[str, ...] = (DEFAULT_TABLE,)
    key = DEFAULT_KEY
    entities: Dict[str, str] = {}
    columns: Dict[str, str] = {}
    fields: Dict[str, str] = {}
    for name_node, value in node:
        name = str(name_node.value)
        if name == "table":
            given = plain(value)
            parts = given.split(".") if isinstance(given, str) else []
            if not 1 <= len(parts) <= 3 or not all(IDENTIFIER.match(part) for part in parts):
                raise SqlError("Q002", value.span, key="table", value=describe(given))
            table = tuple(parts)
        elif name == "key":
            key = check_name(plain(value), "key", value.span)
        elif name in ("entities", "facts"):
            if not isinstance(value, YMap):
                raise SqlError("Q001", value.span, detail=word_pair(SQL_WORDS, "should-be-mapping", name=name))
            for sub_key, sub_value in value:
                dotted = str(sub_key.value)
                column = check_name(plain(sub_value), dotted, sub_value.span)
                if name == "entities":
                    if dotted not in schema.entities:
                        raise SqlError("Q003", sub_key.span, what=word_pair(SQL_WORDS, "entity", name=dotted),
                                       candidates=did_you_mean(dotted, schema.entities))
                    entities[dotted] = column
                    continue
                inside, field = _fact_path(schema, dotted)
                if field is None:
                    raise SqlError("Q003", sub_key.span, what=word_pair(SQL_WORDS, "fact", name=dotted), candidates=())
                if inside:
                    fields[dotted] = column
                elif field.type == "list" or field.type == "record":
                    columns[dotted] = column
                else:
                    columns[dotted] = column
        else:
            raise SqlError("Q004", name_node.span, key=name, candidates=did_you_mean(name, ("table", "key", "entities", "facts")))
    layout = Layout(table, key, entities, columns, fields)
    spans: Dict[str, Span] = {}
    for name_node, value in node:
        if isinstance(value, YMap):
            spans.update((str(k.value), v.span) for k, v in value)
        else:
            spans[str(name_node.value)] = value.span
    check_layout(layout, schema, spans)
    return layout


def check_layout(layout: Layout, schema: m.FactSchema, spans: Optional[Mapping[str, Span]] = None) -> None:
    """One column per thing (the key, each entity, each fact given a column of its own; the fields of
    one list's items), no name of the query's own (they start with an underscore), and no two fields
    of a record that DuckDB and Spark, which compare names without case, would take for one. The
    default layout is held to it too: an entity named like the key column is refused here."""
    spans = spans or {}
    for entity in schema.entities.values():
        folded: Dict[str, str] = {}
        for name in entity.fields:
            other = folded.setdefault(name.casefold(), name)
            if other != name:
                raise SqlError("Q012", None, entity=entity.name, first=other, second=name)
    claimed: Dict[Tuple[str, str], str] = {}  # (place, folded name) -> what uses it

    def named(what: str) -> Word:
        if what == "key":
            return word_pair(SQL_WORDS, "key-column")
        return word_pair(SQL_WORDS, "entity" if what in schema.entities else "fact", name=what)

    def claim(place: str, column: str, what: str, mapped: bool) -> None:
        if mapped and column.startswith("_"):
            raise SqlError("Q010", spans.get(what), key=what, column=column)  # type: ignore[union-attr]
        other = claimed.setdefault((place, column.casefold()), what)
        if other != what:
            first, second = (other, what) if mapped else (what, other)
            if not spans:  # the default layout: the schema's own names meet
                raise SqlError("Q013", None, key=named(second), column=column, other=named(first))
            raise SqlError("Q009", spans.get(second) or spans.get(first), key=second, column=column, other=named(first))  # type: ignore[union-attr]

    claim("", layout.key, "key", "key" in spans)
    for entity in schema.entities:
        claim("", layout.entity_column(entity), entity, entity in layout.entities)
    for dotted, column in layout.columns.items():
        claim("", column, dotted, True)
    for dotted, name in layout.fields.items():
        claim(dotted.rsplit(".", 1)[0], name, dotted, True)
