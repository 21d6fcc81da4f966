"""Run compiled rule queries inside PostgreSQL (psycopg 3).

Layout: one table, a key column and one jsonb column per entity (docs/sql.md). jsonb keeps the
nesting of claims (an employer's hires, a county's townships) without child tables, and the
query reads items with jsonb_array_elements. Numbers are written as exact JSON numbers.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Iterable, List, Mapping, Tuple

from .. import model as m
from .compile import CompiledQuery
from .layout import DEFAULT_LAYOUT, Layout, create_table_sql


def to_json(value: Any) -> str:
    """A checked fact value as JSON text: exact decimals, ISO dates, nulls left out."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, _dt.date):
        return '"' + value.isoformat() + '"'
    if isinstance(value, str):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(to_json(v) for v in value) + "]"
    if isinstance(value, Mapping):
        import json

        return "{" + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)}: {to_json(v)}" for k, v in value.items()
                               if v is not None) + "}"
    raise TypeError(type(value).__name__)


def load_claims(conn: Any, rows: Iterable[Tuple[int, Mapping[str, Any]]], schema: m.FactSchema,
                layout: Layout = DEFAULT_LAYOUT, replace: bool = True) -> None:
    """(key, checked claim) pairs into the default layout's table (created, or replaced)."""
    table = ".".join(f'"{t}"' for t in layout.table)
    names = list(schema.entities)
    with conn.cursor() as cur:
        if replace:
            cur.execute(f"DROP TABLE IF EXISTS {table}")
            cur.execute(create_table_sql(schema, "postgres", layout))
        columns = ", ".join(f'"{c}"' for c in [layout.key] + [layout.entity_column(n) for n in names])
        with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for key, claim in rows:
                copy.write_row([key] + [None if claim.get(n) is None else to_json(claim[n]) for n in names])


def run_query(conn: Any, query: CompiledQuery) -> List[Mapping[str, Any]]:
    with conn.cursor() as cur:
        cur.execute(query.sql(pretty=False))
        names = [d.name for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
