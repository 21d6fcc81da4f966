"""Run compiled rule queries inside an embedded DuckDB.

Checked claims (claims.py has already rejected the bad ones, with the same
messages as the Python engine) reach DuckDB as an Arrow table typed by the fact
schema — one STRUCT column per entity — so no value is re-parsed from text.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import attrs

from .. import model as m
from ..ir import nodes as ir
from .compile import CompiledQuery, compile_rule
from .layout import DEFAULT_LAYOUT, Layout, arrow_type


@attrs.frozen
class SqlRow:
    """One claim's result as the query returned it (column name -> Python value)."""

    key: int
    values: Mapping[str, Any]

    @property
    def outcome(self) -> str:
        return self.values["outcome"]

    @property
    def amount(self) -> Any:
        return self.values["amount"]

    @property
    def missing(self) -> Tuple[str, ...]:
        return tuple(self.values["missing"] or ())


def connect():
    import duckdb

    con = duckdb.connect(config={"threads": 1})
    return con


def arrow_table(rows: Iterable[Tuple[int, Mapping[str, Any]]], schema: m.FactSchema, layout: Layout = DEFAULT_LAYOUT):
    """(key, checked claim) pairs -> an Arrow table in the default layout."""
    import pyarrow as pa

    keys: List[int] = []
    columns: Dict[str, List[Any]] = {name: [] for name in schema.entities}
    for key, claim in rows:
        keys.append(key)
        for name, values in columns.items():
            values.append(claim.get(name))
    arrays = [pa.array(keys, pa.int64())]
    names = [layout.key]
    for name in schema.entities:
        arrays.append(pa.array(columns[name], type=arrow_type(schema, name)))
        names.append(layout.entity_column(name))
    return pa.Table.from_arrays(arrays, names=names)


def run_query(con, query: CompiledQuery, table: Any = None, name: str = "claims") -> List[SqlRow]:
    """Run one compiled query; ``table`` (Arrow) is registered under the layout's table name first."""
    if table is not None:
        con.register(name, table)
    cursor = con.execute(query.sql(pretty=False))
    names = [d[0] for d in cursor.description]
    found = []
    for record in cursor.fetchall():
        values = dict(zip(names, record))
        found.append(SqlRow(values["key"], values))
    if table is not None:
        con.unregister(name)
    return found


def evaluate_claims(policy: Any, rule: str, claims: Sequence[Mapping[str, Any]], as_of: _dt.date,
                    jurisdiction: Optional[str] = None, con: Any = None) -> List[SqlRow]:
    """Checked claims through one rule in DuckDB, one SqlRow per claim in order (keys 1, 2, …)."""
    bound: ir.BoundRule = policy.bound_rule(rule, as_of, jurisdiction)
    query = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
    con = con or connect()
    table = arrow_table(enumerate(claims, start=1), policy.schema)
    rows = run_query(con, query, table)
    return sorted(rows, key=lambda r: r.key)
