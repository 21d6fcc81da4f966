"""The SQL target of the rule IR: one query per rule, for DuckDB, PostgreSQL and Spark (docs/sql.md)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence, Union

from .layout import DEFAULT_LAYOUT, Layout, SqlError, load_mapping

if TYPE_CHECKING:
    from .compile import CompiledQuery, compile_rule

__all__ = ["CompiledQuery", "Layout", "SqlError", "compile_rule", "load_mapping", "rule_query", "compiled_query"]


def compiled_query(policy: Any, rule: str, dialect: str = "duckdb", as_of: Optional[_dt.date] = None,
                   jurisdiction: Optional[str] = None, mapping: Union[None, str, Path, Layout] = None,
                   explain: bool = True, carry: Sequence[str] = ()) -> CompiledQuery:
    """A policy's rule, bound for a date and a county, as a query tree for one dialect
    (``explain=False``: the lean query, decision columns only; ``carry``: columns of the claims
    table each row hands on unchanged, such as your own record id)."""
    from .compile import compile_bound

    layout = mapping if isinstance(mapping, Layout) else load_mapping(mapping, policy.schema) if mapping else DEFAULT_LAYOUT
    day = as_of or _dt.date.today()
    bound = policy.bound_rule(rule, day, jurisdiction)
    return compile_bound(policy, bound, dialect, layout, explain, carry)


def rule_query(policy: Any, rule: str, dialect: str = "duckdb", as_of: Optional[_dt.date] = None,
               jurisdiction: Optional[str] = None, mapping: Union[None, str, Path, Layout] = None) -> str:
    """The printable query (what `subsidy-rules sql` prints)."""
    query = compiled_query(policy, rule, dialect, as_of, jurisdiction, mapping)
    # only the rule id (checked: lower-case letters, digits, hyphens) and a date reach the comment
    head = f"-- {query.rule} as of {(as_of or _dt.date.today()).isoformat()} ({dialect}): one row per claim\n"
    return head + query.sql(pretty=True) + ";"


def __getattr__(name: str) -> Any:
    """The compiler's names, imported when first asked for: a run whose queries are cached
    (queries.py) never loads the compiler, nor sqlglot."""
    if name in ("CompiledQuery", "compile_rule"):
        from . import compile as _compile

        return getattr(_compile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
