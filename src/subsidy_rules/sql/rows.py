"""One row of a table (JSON Lines, CSV, xlsx, Parquet) on demand: re-read the record at FILE:LINE and explain it with the Python engine,
so `explain --row` prints exactly what `explain` prints for that claim."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Dict, List, Optional

from ..claims import coerce_claim
from ..tables import open_records
from .layout import SqlError


_LINE = re.compile(r"[1-9][0-9]*")  # ASCII digits only: str.isdigit also takes ² and ١


def _split(spec: str):
    name, sep, number = spec.rpartition(":")
    if not sep or not name or not _LINE.fullmatch(number):
        raise SqlError("Q011", None, spec=spec)
    return name, int(number)


def claim_at(spec: str, policy: Any, entity: Optional[str] = None) -> Dict[str, Any]:
    """The checked claim at FILE:LINE (line numbers as `evaluate` reports them)."""
    name, line = _split(spec)
    with open_records(name, None, policy.schema, entity) as source:
        for raw in source.records:
            if raw.line < line:
                continue
            if raw.line > line:
                break
            raw = raw.parsed()
            if raw.error is not None:
                raise raw.error
            return coerce_claim(raw.data, policy.schema, policy.info.counties)
    raise SqlError("Q008", None, line=line, file=name)


def explain_row(policy: Any, spec: str, rule: Optional[str] = None, as_of: Optional[_dt.date] = None) -> List[Any]:
    """Python API of `explain --row FILE:LINE`: the Decisions for that record."""
    return policy.evaluate(claim_at(spec, policy), rule=rule, as_of=as_of)
