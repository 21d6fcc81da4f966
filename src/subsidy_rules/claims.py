"""Claims from files or text: YAML or JSON to typed facts, checked against the fact schema.

Text forms are converted here (dates from "2017-07-31", exact numbers from JSON
numbers or numeric strings) and every value is checked, so a bad claim is
rejected with the JSON path of the bad value before any rule runs.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import attrs

from . import model as m
from .errors import ClaimError, ClaimProblem, did_you_mean, yaml_problem_words
from .messages import JSON_PROBLEMS, LANGS, claim_words, json_problem, table_word_pair, type_word
from .facts import LIMIT, MAX_LIST, NotANumber, bad, describe, exact_int, iso_date, reject_constant
from .source import SourceFile, Span, YamlProblem, YMap, YNode, YSeq, parse_yaml, plain

MAX_DEPTH = 32
RESERVED = ("as_of", "jurisdiction", "id")


def parse_text(text: str, name: str = "<claim>") -> Any:
    """YAML (a superset of JSON for our purposes) or JSON text to plain data."""
    return parse_document(text, name).data


@attrs.frozen
class ClaimDocument:
    """A claim's plain data and where each value is in its file (JSON path -> span)."""

    data: Any
    values: Mapping[str, Span] = attrs.field(factory=dict, eq=False)
    keys: Mapping[str, Span] = attrs.field(factory=dict, eq=False)


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def refuse_lone_surrogates(data: Any, text: str) -> None:
    """JSON and YAML let a string hold half a character (an escape \\ud800 … \\udfff alone), which
    no UTF-8 output can write: such a record is refused where it is read, as unreadable."""
    if "\\u" not in text and "\\U" not in text:
        return
    pending = [data]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            found = _LONE_SURROGATE.search(value)
            if found:
                code = f"\\u{ord(found.group()):04x}"
                raise ClaimError("C004", "", detail=table_word_pair("lone-surrogate", code=code))
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)


def parse_document(text: str, name: str = "<claim>") -> ClaimDocument:
    """Parse a claim keeping positions: YAML through source.py's loader; JSON with exact numbers,
    its positions from the same loader when the text is also valid YAML (it nearly always is)."""
    stripped = text.lstrip("\ufeff")
    if stripped.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(stripped, parse_float=Decimal, parse_int=exact_int, parse_constant=reject_constant,
                              object_pairs_hook=_unique_keys)
        except NotANumber as exc:
            raise ClaimError("C004", "", detail=table_word_pair("json-nan", name=exc.name)) from None
        except ValueError as exc:
            message = getattr(exc, "msg", None)
            in_words = (json_problem(message, exc.colno) if message in JSON_PROBLEMS  # type: ignore[attr-defined]
                        else str(exc))
            try:  # JSON is nearly always YAML too: the YAML reader says where, and in the user's words
                if message != "Invalid control character at":  # which YAML would call a YAML problem
                    parse_yaml(SourceFile(name, stripped))
            except YamlProblem as problem:
                raise ClaimError("C004", "", span=problem.span, detail=yaml_problem_words(problem), cause=problem.code) from None
            except RecursionError:
                pass
            # YAML takes what JSON does not (a comma before '}'), or met what JSON names better
            raise ClaimError("C004", "", span=_json_span(exc, name, stripped), detail=in_words) from None
        except ArithmeticError:  # Decimal refuses an exponent past its range, e.g. 1e99999999999999999999
            raise ClaimError("C004", "", detail=table_word_pair("number-range")) from None
        except RecursionError:  # the json decoder recurses: very deep nesting ends here
            raise ClaimError("C010", "$", limit=MAX_DEPTH) from None
        refuse_lone_surrogates(data, stripped)
        try:
            node = parse_yaml(SourceFile(name, stripped))
        except (YamlProblem, RecursionError):
            return ClaimDocument(data)
        values, keys = positions(node)
        return ClaimDocument(data, values, keys)
    try:
        node = parse_yaml(SourceFile(name, stripped))
    except YamlProblem as problem:
        raise ClaimError("C004", "", span=problem.span, detail=yaml_problem_words(problem), cause=problem.code) from None
    values, keys = positions(node)
    data = plain(node)
    refuse_lone_surrogates(data, stripped)
    return ClaimDocument(data, values, keys)


def _json_span(exc: ValueError, name: str, text: str) -> Optional[Span]:
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if not isinstance(line, int) or not isinstance(column, int):
        return None
    return Span(name, line, column, source=SourceFile(name, text))


def positions(node: Optional[YNode]) -> Tuple[Dict[str, Span], Dict[str, Span]]:
    """JSON path -> span of each value, and of each key, of a claim's YAML nodes."""
    values: Dict[str, Span] = {}
    keys: Dict[str, Span] = {}
    stack: List[Tuple[str, YNode]] = [("", node)] if node is not None else []
    while stack:
        path, current = stack.pop()
        values[path or "$"] = current.span
        if isinstance(current, YMap):
            for key, value in current.entries:
                where = f"{path}.{key.value}" if path else str(key.value)
                keys[where] = key.span
                stack.append((where, value))
        elif isinstance(current, YSeq):
            for index, item in enumerate(current.items):
                stack.append((f"{path}[{index}]", item))
    return values, keys


def _unique_keys(pairs: list) -> Dict[str, Any]:
    """A JSON object as a dict; a repeated key is refused, as in YAML (not silently the last one)."""
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key '{key}'")
            seen.add(key)
    return data


def read_claim(source: Union[str, Path], schema: m.FactSchema, counties=()) -> Dict[str, Any]:
    """Read and check a claim file ('-' is not handled here; pass text to parse_text).

    Every problem of the claim is reported at once, each with its file:line:column.
    """
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClaimError("C011", "", detail=f"{source}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = data[: exc.start].decode("utf-8", errors="replace")
        span = Span(str(source), prefix.count("\n") + 1, len(prefix) - (prefix.rfind("\n") + 1) + 1)
        raise ClaimError("C004", "", span=span, detail=table_word_pair("claim-not-utf8", byte=f"{data[exc.start]:02x}")) from None
    return coerce_document(parse_document(text.replace("\r\n", "\n"), str(source)), schema, counties)


def coerce_claim(data: Any, schema: m.FactSchema, counties=()) -> Dict[str, Any]:
    """Plain data -> typed facts. Raises ClaimError naming every bad value's path."""
    return coerce_document(ClaimDocument(data), schema, counties)


def coerce_document(document: ClaimDocument, schema: m.FactSchema, counties=()) -> Dict[str, Any]:
    """A parsed claim -> typed facts; ClaimError lists every problem, with positions when known."""
    reader = _Reader(schema, document)
    out = reader.claim(document.data, counties)
    if reader.problems:
        raise ClaimError.of(reader.problems, reader.more)
    return out


MAX_LISTED = 100  # problems a claim's error lists: 300,000 bad items must not make a message of tens of MB


class _Reader:
    """Walks one claim, collecting every problem instead of stopping at the first."""

    def __init__(self, schema: m.FactSchema, document: ClaimDocument) -> None:
        self.schema = schema
        self.document = document
        self.problems: List[ClaimProblem] = []
        self.more = 0

    def fail(self, error: ClaimError, key: bool = False) -> None:
        if len(self.problems) >= MAX_LISTED:
            self.more += len(error.problems)
            return
        for problem in error.problems:
            path = problem.path if problem.path not in ("", "$") else "$"
            table = self.document.keys if key else self.document.values
            span = problem.span or table.get(path) or self.document.values.get(path)
            if span is None and key:
                span = self.document.values.get(path)
            who = _who(self.schema, problem.path, self.document.data)
            self.problems.append(attrs.evolve(problem, span=span, who=who))

    def claim(self, data: Any, counties) -> Dict[str, Any]:
        schema = self.schema
        if not isinstance(data, Mapping):
            self.fail(ClaimError("C001", "$", expected=type_word("mapping"), actual=describe(data)))
            return {}
        out: Dict[str, Any] = {}
        known = False
        for key, value in data.items():
            key = str(key)
            if key == "as_of":
                out[key] = self.guard(lambda: _date(value, "as_of"))
            elif key == "jurisdiction":
                if value is not None and not isinstance(value, str):  # a county is named, not listed or counted
                    self.fail(bad("text", value, "jurisdiction"))
                    continue
                if value is not None and counties and value not in counties:
                    self.fail(ClaimError("C012", "jurisdiction", did_you_mean(value, counties), actual=value))
                    continue
                out[key] = value
            elif key == "id":
                out[key] = value if isinstance(value, (str, int)) else describe(value)
            elif key in schema.entities:
                out[key] = self.record(value, schema.entities[key], key, 1)
                known = True
            else:
                self.fail(ClaimError("C003", key, did_you_mean(key, schema.entities)), key=True)
                known = True  # a misspelt entity is reported as such, not also as "no known entity"
        if not known:
            self.fail(ClaimError("C007", "", choices=", ".join(schema.entities)))
        return out

    def guard(self, action) -> Any:
        try:
            return action()
        except ClaimError as error:
            self.fail(error)
            return None

    def record(self, value: Any, entity: m.Entity, path: str, depth: int) -> Optional[Dict[str, Any]]:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.fail(bad("record", value, path))
            return None
        if depth > MAX_DEPTH:
            self.fail(ClaimError("C010", path, limit=MAX_DEPTH))
            return None
        out: Dict[str, Any] = {}
        for key, item in value.items():
            key = str(key)
            field = entity.fields.get(key)
            where = f"{path}.{key}"
            if field is None:
                self.fail(ClaimError("C002", where, did_you_mean(key, entity.fields)), key=True)
                continue
            out[key] = self.field(item, field, where, depth)
        return out

    def field(self, value: Any, field: m.Field, path: str, depth: int) -> Any:
        if value is None:
            return None
        if field.type == "list" and isinstance(value, list):
            if len(value) > MAX_LIST:
                self.fail(ClaimError("C010", path, limit=MAX_LIST))
                return None
            entity = self.schema.entities[field.of or ""]
            found = []
            for index, item in enumerate(value):
                where = f"{path}[{index}]"
                if not isinstance(item, Mapping):
                    self.fail(bad("record", item, where))
                    continue
                found.append(self.record(item, entity, where, depth + 1))
            return found
        if field.type == "record":
            return self.record(value, self.schema.entities[field.of or ""], path, depth + 1)
        return self.guard(lambda: _scalar(value, field, path))


def _who(schema: m.FactSchema, path: str, data: Any = None) -> Tuple[str, str]:
    """第2名 李秀英 / worker 2, 李秀英: the innermost list item a path is in, counted from 1 and
    named when the claim gives a name ('' when the path is in no list)."""
    parts = path.split(".")
    entity = schema.entities.get(parts[0]) if parts else None
    current = data.get(parts[0]) if isinstance(data, Mapping) and parts else None
    found = ("", "")
    for part in parts[1:]:
        if entity is None:
            break
        name, _, rest = part.partition("[")
        field = entity.fields.get(name)
        if field is None:
            break
        current = current.get(name) if isinstance(current, Mapping) else None
        if field.type == "list" and rest[:-1].isdigit():
            item = schema.entities.get(field.of or "")
            index = int(rest[:-1])
            current = current[index] if isinstance(current, list) and index < len(current) else None
            person = m.person_field(schema, item)
            label = _item_name(current, person)
            code = "claim_person" if person is not None else "claim_thing"
            noun = person.label if person is not None else (item.label if item is not None else field.label)
            found = tuple(claim_words(code, lang, n=index + 1, noun=_lower(noun.get(lang))) for lang in LANGS)  # type: ignore[assignment]
            if label:
                found = tuple(claim_words("claim_named", lang, who=who, name=label)  # type: ignore[assignment]
                              for lang, who in zip(LANGS, found))
            entity = item
        elif field.type == "record":
            entity = schema.entities.get(field.of or "")
        else:
            entity = None
    return found


def _item_name(item: Any, person: Optional[m.Field]) -> str:
    """The name written in a list item (its person's name, or its own), for words about it."""
    if not isinstance(item, Mapping):
        return ""
    holder = item.get(person.name) if person is not None else item
    name = holder.get("name") if isinstance(holder, Mapping) else None
    return name if isinstance(name, str) and len(name) <= 40 else ""


def _lower(word: str) -> str:
    return word[:1].lower() + word[1:] if word[1:2].islower() else word


def _scalar(value: Any, field: m.Field, path: str) -> Any:
    kind = field.type
    if kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return _bounded(value, path)
        if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
            # bound before int(): int(Decimal("1e999999999")) would build a billion-digit integer
            return int(_bounded(value, path))
    elif kind in ("decimal", "money"):
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return _bounded(value, path)
        if isinstance(value, float):
            return _bounded(Decimal(repr(value)), path)
        if isinstance(value, str):
            try:
                number = Decimal(value.strip().replace(",", ""))
            except InvalidOperation:
                raise bad(kind, value, path) from None
            return _bounded(number, path)
    elif kind == "date":
        return _date(value, path)
    elif kind == "text":
        if isinstance(value, str):
            return value
        if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            return str(value)
    elif kind == "enum":
        if isinstance(value, str):
            if value not in field.values:
                raise ClaimError("C006", path, did_you_mean(value, field.values), actual=value, choices=", ".join(field.values))
            return value
    raise bad(kind, value, path)


def _bounded(number: Any, path: str) -> Any:
    if isinstance(number, Decimal):
        if not number.is_finite():
            raise ClaimError("C005", path, actual=describe(number))
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and (exponent < -12 or exponent > 15):
            raise ClaimError("C005", path, actual=describe(number))
    if abs(number) >= LIMIT:
        raise ClaimError("C005", path, actual=describe(number))
    return number


def _date(value: Any, path: str) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return iso_date(value.strip())
        except ValueError:
            pass
    raise bad("date", value, path)
