"""One input record as a reader hands it on: its line (or sheet row, or row number), and
its data, or the text still to parse, or the error that made it unreadable."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Optional, Tuple

import attrs

from ..claims import MAX_DEPTH, refuse_lone_surrogates
from ..errors import ClaimError
from ..facts import NotANumber, exact_int, reject_constant
from ..messages import json_problem, table_word_pair

RESERVED = ("as_of", "jurisdiction", "id")


@attrs.frozen
class RawRecord:
    """One input record: parsed data, or the text of a JSON line still to parse (parsing is
    left to the worker that evaluates it), or the error that made it unreadable.

    ``line`` is where the record is: the line of a JSON Lines or CSV file, the row of an
    xlsx sheet, the row of a Parquet file (from 1), the position in a YAML/JSON list."""

    line: int
    data: Any = None
    error: Optional[ClaimError] = None
    text: Optional[str] = None
    entity: Optional[str] = None
    entities: Tuple[str, ...] = ()

    def parsed(self) -> "RawRecord":
        if self.text is None:
            return self
        try:
            data = json.loads(self.text, parse_float=Decimal, parse_int=exact_int, parse_constant=reject_constant)
        except json.JSONDecodeError as exc:  # where on the line, in words: not the decoder's "line 1 column 9"
            return RawRecord(self.line, error=ClaimError("C004", "", detail=json_problem(exc.msg, exc.pos + 1)))
        except NotANumber as exc:
            return RawRecord(self.line, error=ClaimError("C004", "", detail=table_word_pair("json-nan", name=exc.name)))
        except RecursionError:  # the json decoder recurses: a record nested very deep ends here
            return RawRecord(self.line, error=ClaimError("C010", "$", limit=MAX_DEPTH))
        try:
            refuse_lone_surrogates(data, self.text)
        except ClaimError as exc:
            return RawRecord(self.line, error=exc)
        return RawRecord(self.line, wrap(data, self.entity, self.entities))


def wrap(data: Any, entity: Optional[str], entities: Tuple[str, ...] = ()) -> Any:
    """A bare record of `entity` becomes a claim; a record that already names entities is left alone."""
    if entity and isinstance(data, dict) and entity not in data and not any(k in entities for k in data):
        extra = {k: data.pop(k) for k in RESERVED if k in data}
        return dict(extra, **{entity: data})
    return data
