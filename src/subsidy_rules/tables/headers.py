"""Column headers of a table to fact paths.

A header is a dotted path of the fact schema (``labourer.age``,
``employer.hires[0].contract_months``) or the same path in labels, in Chinese or
English (``劳动者.年龄``, ``Labourer.Age``), or a mix. With a record entity
(``--entity labourer``) the entity may be left out (``年龄``); without one, a
single label is looked up in every entity and must name one field only. The
reserved ``as_of``, ``jurisdiction`` and ``id`` have labels of their own
(messages.RESERVED_COLUMNS). An unknown or ambiguous header stops the run before
the first record, naming the column and the closest names.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import attrs

from .. import model as m
from ..errors import ClaimError, SubsidyRulesError, did_you_mean
from ..facts import MAX_LIST
from ..messages import RESERVED_COLUMNS, Word, table_word
from .records import RESERVED

_INDEX = re.compile(r"^(.*?)((?:\[\d+\])+)\Z")
_DIGITS = re.compile(r"\[(\d+)\]")

Part = Union[str, int]


@attrs.frozen
class ColumnPlan:
    """Where one column's cells go: the path (field names and list indices) and the field's type
    (``special`` for id; ``record``/``list`` for a whole nested value)."""

    index: int
    header: str
    parts: Tuple[Part, ...]
    kind: str


class HeaderError(SubsidyRulesError):
    """A header that names no field, or more than one. ``column`` is the header as written."""

    def __init__(self, column: str, suggestions: Sequence[str] = (), *, position: Optional[int] = None,
                 choices: Sequence[str] = (), duplicate_of: Optional[int] = None, too_far: bool = False) -> None:
        self.column = column
        self.position = position
        where = column if position is None else "{where}"
        if too_far:  # a list position past the longest list a claim may hold
            self.inner = ClaimError("C010", where, limit=MAX_LIST)
        elif duplicate_of is not None:
            self.inner = ClaimError("T006", where, first=duplicate_of + 1)
        elif choices:
            self.inner = ClaimError("T002", where, choices=Word("、".join(choices), ", ".join(choices)),
                                    example=choices[0])
        else:
            self.inner = ClaimError("T001", where, suggestions)
        super().__init__(self.message("en"))

    def __reduce__(self):  # pragma: no cover - raised before any worker starts
        return (HeaderError, (self.column,))

    def _where(self, lang: str) -> str:
        if self.position is None:
            return self.column
        return table_word("column", lang, n=self.position + 1, letter=letter(self.position), name=self.column)

    def message(self, lang: str = "zh") -> str:
        text = self.inner.message(lang)
        if self.position is not None:
            text = text.replace("{where}", self._where(lang))
        return table_word("header", lang) + text


def letter(index: int) -> str:
    """A spreadsheet column letter: 0 -> A, 25 -> Z, 26 -> AA."""
    text = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        text = chr(ord("A") + rest) + text
    return text


def _norm(text: str) -> str:
    """For comparing labels: full-width forms folded (（）→ ()), spaces dropped, case folded."""
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def _names(piece: str, pool: Dict[str, Any]) -> List[str]:
    """The names in ``pool`` (fields or entities, which have labels) that ``piece`` spells:
    the name itself, else its zh or en label."""
    if piece in pool:
        return [piece]
    wanted = _norm(piece)
    return [name for name, item in pool.items()
            if wanted in (_norm(item.label.zh), _norm(item.label.en)) or wanted == _norm(name)]


def _spellings(pool: Dict[str, Any]) -> List[str]:
    found = []
    for name, item in pool.items():
        found.extend((name, item.label.zh, item.label.en))
    return found


def _closest(name: str, pool: Sequence[str]) -> Tuple[str, ...]:
    """'Did you mean' for a header: as for field names, then more leniently, since a Chinese label
    has few characters and one wrong character (年令 for 年龄) halves the likeness."""
    found = did_you_mean(name, pool)
    if not found:
        found = tuple(difflib.get_close_matches(name, sorted(set(pool)), n=3, cutoff=0.5))
    return found


def _piece(text: str) -> Tuple[str, List[int]]:
    """``hires[0]`` -> ("hires", [0])."""
    text = text.strip()
    match = _INDEX.match(text)
    if match:
        return match.group(1).strip(), [int(n) for n in _DIGITS.findall(match.group(2))]
    return text, []


def _take(raw: Sequence[str], start: int, pool: Dict[str, Any]) -> Tuple[List[str], int, List[int]]:
    """Match the piece at ``start`` against ``pool``; a label that itself holds dots ("e.g.")
    is matched by joining it with the pieces after it. Returns (names found, next start, indices)."""
    for end in range(start + 1, len(raw) + 1):
        name, indices = _piece(".".join(raw[start:end]))
        found = _names(name, pool)
        if found:
            return found, end, indices
    return [], start + 1, _piece(raw[start])[1]


def _reserved(name: str) -> Optional[str]:
    if name in RESERVED:
        return name
    wanted = _norm(name)
    for key, spellings in RESERVED_COLUMNS.items():
        if wanted in (_norm(s) for s in spellings):
            return key
    return None


def _walk(entity: m.Entity, raw: Sequence[str], schema: m.FactSchema, header: str, position: Optional[int]
          ) -> Tuple[List[Part], str]:
    """Field names (and list indices) for the pieces below an entity, and the last field's type."""
    current: Optional[m.Entity] = entity
    parts: List[Part] = []
    kind = "record"
    at = 0
    while at < len(raw):
        if current is None:
            raise HeaderError(header, position=position)
        found, at_next, indices = _take(raw, at, current.fields)
        if not found:
            wanted = _piece(raw[at])[0]
            raise HeaderError(header, _closest(wanted, _spellings(current.fields)), position=position)
        if len(found) > 1:
            raise HeaderError(header, position=position, choices=[".".join(map(str, parts + [f])) for f in found])
        field = current.fields[found[0]]
        if any(index >= MAX_LIST for index in indices):
            raise HeaderError(header, position=position, too_far=True)
        parts.append(field.name)
        parts.extend(indices)
        kind = field.type
        current = schema.entities.get(field.of or "") if field.type in ("list", "record") else None
        at = at_next
    return parts, kind


def resolve(header: str, schema: m.FactSchema, entity: Optional[str] = None, position: Optional[int] = None
            ) -> Tuple[Tuple[Part, ...], str]:
    """One header to (path, kind). Raises HeaderError naming the column and the closest names."""
    name = header.strip()
    special = _reserved(name)
    if special is not None:  # as_of is read as a date, jurisdiction as text, id as text or an integer
        return (special,), {"as_of": "date", "jurisdiction": "text"}.get(special, "special")
    raw = name.replace("．", ".").split(".")  # a full-width dot, as an IME types it, separates as well
    first, first_indices = _piece(raw[0])
    if not first or first_indices and first in schema.entities:
        raise HeaderError(name, position=position)
    top = _names(first, schema.entities)
    if entity is not None and entity in schema.entities:
        rest = raw[1:] if top == [entity] and len(raw) > 1 else raw
        parts, kind = _walk(schema.entities[entity], rest, schema, name, position)
        return (entity, *parts), kind
    if len(top) == 1:
        parts, kind = _walk(schema.entities[top[0]], raw[1:], schema, name, position)
        return (top[0], *parts), kind
    # no entity named: a field label (or name) that exactly one entity has
    candidates = [(ent, found) for ent, item in schema.entities.items()
                  for found in _take(raw, 0, item.fields)[0]]
    if len(candidates) == 1:
        ent = candidates[0][0]
        parts, kind = _walk(schema.entities[ent], raw, schema, name, position)
        return (ent, *parts), kind
    if len(candidates) > 1:
        raise HeaderError(name, position=position, choices=[f"{ent}.{field}" for ent, field in candidates])
    pool = _spellings(schema.entities) + [s for item in schema.entities.values() for s in _spellings(item.fields)]
    raise HeaderError(name, _closest(first, pool), position=position)


def plan_columns(header: Sequence[Any], schema: m.FactSchema, entity: Optional[str] = None, *,
                 positions: bool = False) -> List[Optional[ColumnPlan]]:
    """A plan per column (None for a column without a header). With ``positions`` errors name
    the column by number and letter too (for spreadsheets). Two columns for one path are refused."""
    plans: List[Optional[ColumnPlan]] = []
    seen: Dict[Tuple[Part, ...], int] = {}
    for index, cell in enumerate(header):
        text = "" if cell is None else str(cell).strip()
        if not text:
            plans.append(None)
            continue
        where = index if positions else None
        parts, kind = resolve(text, schema, entity, where)
        if parts in seen:
            raise HeaderError(text, position=where, duplicate_of=seen[parts])
        seen[parts] = index
        plans.append(ColumnPlan(index, text, parts, kind))
    return plans


def put(record: Dict[str, Any], parts: Sequence[Part], value: Any) -> None:
    """Set ``value`` at ``parts`` in a nested claim, making the records and lists on the way."""
    current: Any = record
    for part, following in zip(parts, parts[1:]):
        if isinstance(part, int):
            while len(current) <= part:
                current.append({})
            current = current[part]
        else:
            current = current.setdefault(part, [] if isinstance(following, int) else {})
        if not isinstance(current, list if isinstance(following, int) else dict):
            # a column gave the whole of this place a value that holds no fields (`labourer` = 张三
            # beside `labourer.age`): that value stays, and the claim check rejects it (C001)
            return
    last = parts[-1]
    if isinstance(last, int):
        while len(current) <= last:
            current.append(None)
        current[last] = value
    else:
        current[last] = value


__all__ = ["ColumnPlan", "HeaderError", "plan_columns", "resolve", "put", "letter"]
