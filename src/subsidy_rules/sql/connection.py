"""The embedded DuckDB connection every DuckDB runner uses."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import Any, Dict, Iterator

from ..tables.guard import interruption

_DATABASES: Dict[int, Any] = {}  # process id -> its in-memory database (a forked child opens its own)
_LOCK = threading.Lock()


# optimizer passes that cost the runners' queries more to plan than they save when run: the
# queries are projections over one table, each value already computed once (sql/layers.py), so
# common subexpressions, statistics and moving projections find little to gain, and planning is
# most of a small file's time (docs/performance.md)
LIGHT_PLANNING = ("common_subexpressions", "statistics_propagation", "projection_placement", "projection_pullup",
                  "column_lifetime")


def connect() -> Any:
    """A connection of its own (its own temporary tables) to the process's in-memory DuckDB, on one
    thread: the runs are measured, and decided, one core at a time. Opening a database costs tens
    of milliseconds, a connection to an open one almost nothing, so a run over many files opens one."""
    import duckdb

    with _LOCK:
        database = _DATABASES.get(os.getpid())
        if database is None:
            database = _DATABASES[os.getpid()] = duckdb.connect(config={"threads": 1})
            known = {row[0] for row in database.execute("SELECT name FROM duckdb_optimizers()").fetchall()}
            off = [name for name in LIGHT_PLANNING if name in known]  # by DuckDB version
            if off:
                database.execute(f"SET disabled_optimizers = '{','.join(off)}'")
        return database.cursor()


STREAM_ROWS = 30_000  # rows past which a query's rows stream into Arrow (see arrow_of)


def arrow_of(con: Any, sql: str, rows: int = 0) -> Any:
    """A query over ``rows`` rows, its rows as an Arrow table. A relation (``con.sql``) streams its
    rows into Arrow but is bound when it is made and again when it runs; a result of ``execute`` is
    bound once but holds its rows, and Arrow gets a copy. Planning a rule's query costs what
    copying some 30,000 of its rows does: past STREAM_ROWS rows the relation is cheaper."""
    return _arrow_table(con.sql(sql) if rows >= STREAM_ROWS else con.execute(sql))


def _arrow_table(source: Any) -> Any:
    """A relation's or a result's rows as an Arrow table, by the name this DuckDB gives the call."""
    import warnings

    for name in ("to_arrow_table", "fetch_arrow_table", "arrow"):
        read = getattr(source, name, None)
        if read is not None:
            with warnings.catch_warnings():  # an older spelling warns that it is deprecated
                warnings.simplefilter("ignore")
                table = read()
            return table.read_all() if hasattr(table, "read_all") else table  # some versions give a reader
    raise AttributeError("fetch_arrow_table")


@contextlib.contextmanager
def interrupts_as_stops() -> Iterator[None]:
    """Ctrl-C or SIGTERM during a DuckDB statement ends it with InterruptException or
    RuntimeError('Query interrupted'), not KeyboardInterrupt or Terminated: made the stop it was
    here (guard.interruption), so that the run stops and says so with the signal's exit code
    (cli.STOPS) instead of failing with an internal error."""
    import duckdb

    try:
        yield
    except duckdb.InterruptException:
        raise interruption() from None
    except RuntimeError as exc:
        if str(exc).startswith("Query interrupted"):
            raise interruption() from None
        raise
