"""Rules over Spark DataFrames: the path for a province or the country.

``evaluate(df, policy, rule, as_of)`` compiles the rule for Spark SQL and runs it
over ``df``, which holds claims in the default layout (a key column and one struct
column per entity, as docs/sql.md shows; ``schema_ddl`` gives the schema to read
JSON Lines with). The result is a DataFrame with one row per claim.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from typing import Any, Optional

from .sql.compile import compile_bound
from .sql.layout import Layout, entity_type

_VIEWS = itertools.count(1)


def schema_ddl(policy: Any, extra: str = "id STRING, as_of STRING, jurisdiction STRING") -> str:
    """The Spark DDL of claims as JSON Lines carry them: id, as_of, jurisdiction, one struct per entity."""
    parts = [extra] if extra else []
    for name in policy.schema.entities:
        parts.append(f"`{name}` {entity_type(policy.schema, name, 'spark')}")
    return ", ".join(parts)


def evaluate(df: Any, policy: Any, rule: str, as_of: Optional[_dt.date] = None, jurisdiction: Optional[str] = None,
             key: str = "line") -> Any:
    """One row per claim of ``df``: key, outcome, amount, amount_status, missing, each condition's result…"""
    view = f"subsidy_rules_claims_{next(_VIEWS)}"
    df.createOrReplaceTempView(view)
    layout = Layout(table=(view,), key=key)
    day = as_of or _dt.date.today()
    bound = policy.bound_rule(rule, day, jurisdiction)
    query = compile_bound(policy, bound, "spark", layout)
    return df.sparkSession.sql(query.sql(pretty=False))
