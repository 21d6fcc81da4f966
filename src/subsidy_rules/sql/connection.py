"""The embedded DuckDB connection every DuckDB runner uses."""

from __future__ import annotations

from typing import Any


def connect() -> Any:
    """An in-memory DuckDB on one thread: the runs are measured, and decided, one core at a time."""
    import duckdb

    return duckdb.connect(config={"threads": 1})
