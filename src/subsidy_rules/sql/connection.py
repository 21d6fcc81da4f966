"""The embedded DuckDB connection every DuckDB runner uses."""

from __future__ import annotations

import os
import threading
from typing import Any, Dict

_DATABASES: Dict[int, Any] = {}  # process id -> its in-memory database (a forked child opens its own)
_LOCK = threading.Lock()


def connect() -> Any:
    """A connection of its own (its own temporary tables) to the process's in-memory DuckDB, on one
    thread: the runs are measured, and decided, one core at a time. Opening a database costs tens
    of milliseconds, a connection to an open one almost nothing, so a run over many files opens one."""
    import duckdb

    with _LOCK:
        database = _DATABASES.get(os.getpid())
        if database is None:
            database = _DATABASES[os.getpid()] = duckdb.connect(config={"threads": 1})
        return database.cursor()
