"""Claims from files or text: YAML or JSON to typed facts, checked against the fact schema.

Text forms are converted here (dates from "2017-07-31", exact numbers from JSON
numbers or numeric strings) and every value is checked, so a bad claim is
rejected with the JSON path of the bad value before any rule runs.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Dict, Optional, Union

from . import model as m
from .errors import ClaimError, did_you_mean
from .messages import type_word
from .facts import LIMIT, MAX_LIST, bad, describe
from .source import SourceFile, YamlProblem, parse_yaml, plain

MAX_DEPTH = 32
RESERVED = ("as_of", "jurisdiction", "id")


def parse_text(text: str, name: str = "<claim>") -> Any:
    """YAML (a superset of JSON for our purposes) or JSON text to plain data."""
    stripped = text.lstrip("\ufeff").lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            return json.loads(stripped, parse_float=Decimal, parse_constant=_reject_constant,
                              object_pairs_hook=_unique_keys)
        except ValueError as exc:
            raise ClaimError("C004", "", detail=str(exc)) from None
        except ArithmeticError:  # Decimal refuses an exponent past its range, e.g. 1e99999999999999999999
            raise ClaimError("C004", "", detail="a number is out of range") from None
        except RecursionError:  # the json decoder recurses: very deep nesting ends here
            raise ClaimError("C010", "$", limit=MAX_DEPTH) from None
    try:
        node = parse_yaml(SourceFile(name, stripped))
    except YamlProblem as problem:
        from .messages import DIAGNOSTICS

        detail = f"{problem.span}: {DIAGNOSTICS[problem.code][1].format(**_safe(problem.args_))}"
        raise ClaimError("C004", "", detail=detail) from None
    return plain(node)


def _safe(args: Dict[str, Any]) -> Dict[str, Any]:
    class _Default(dict):
        def __missing__(self, key: str) -> str:
            return ""

    return _Default(args)


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


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number a claim may hold")


def read_claim(source: Union[str, Path], schema: m.FactSchema, counties=()) -> Dict[str, Any]:
    """Read and check a claim file ('-' is not handled here; pass text to parse_text)."""
    path = Path(source)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ClaimError("C011", "", detail=f"{source}: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimError("C004", "", detail=f"{source}: not UTF-8") from None
    return coerce_claim(parse_text(text, str(source)), schema, counties)


def coerce_claim(data: Any, schema: m.FactSchema, counties=()) -> Dict[str, Any]:
    """Plain data -> typed facts. Raises ClaimError naming the bad value's path."""
    if not isinstance(data, Mapping):
        raise ClaimError("C001", "$", expected=type_word("mapping"), actual=describe(data))
    out: Dict[str, Any] = {}
    known = False
    for key, value in data.items():
        key = str(key)
        if key == "as_of":
            out[key] = _date(value, "as_of")
        elif key == "jurisdiction":
            if value is not None and (not isinstance(value, str) or (counties and value not in counties)):
                shown = value if isinstance(value, str) else describe(value)  # str() of any value may fail
                raise ClaimError("C012", "jurisdiction", did_you_mean(shown, counties), actual=shown)
            out[key] = value
        elif key == "id":
            out[key] = value if isinstance(value, (str, int)) else describe(value)
        elif key in schema.entities:
            out[key] = _record(value, schema.entities[key], schema, key, 1)
            known = True
        else:
            raise ClaimError("C003", key, did_you_mean(key, schema.entities))
    if not known:
        raise ClaimError("C007", "", choices=", ".join(schema.entities))
    return out


def _record(value: Any, entity: m.Entity, schema: m.FactSchema, path: str, depth: int) -> Optional[Dict[str, Any]]:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise bad("record", value, path)
    if depth > MAX_DEPTH:
        raise ClaimError("C010", path, limit=MAX_DEPTH)
    out: Dict[str, Any] = {}
    for key, item in value.items():
        key = str(key)
        field = entity.fields.get(key)
        where = f"{path}.{key}"
        if field is None:
            raise ClaimError("C002", where, did_you_mean(key, entity.fields))
        out[key] = _field(item, field, schema, where, depth)
    return out


def _field(value: Any, field: m.Field, schema: m.FactSchema, path: str, depth: int) -> Any:
    if value is None:
        return None
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
    elif kind == "list":
        if isinstance(value, list):
            if len(value) > MAX_LIST:
                raise ClaimError("C010", path, limit=MAX_LIST)
            entity = schema.entities[field.of or ""]
            return [_item(x, entity, schema, f"{path}[{i}]", depth + 1) for i, x in enumerate(value)]
    elif kind == "record":
        return _record(value, schema.entities[field.of or ""], schema, path, depth + 1)
    raise bad(kind, value, path)


def _item(value: Any, entity: m.Entity, schema: m.FactSchema, path: str, depth: int) -> Dict[str, Any]:
    if value is None or not isinstance(value, Mapping):
        raise bad("record", value, path)
    return _record(value, entity, schema, path, depth)  # type: ignore[return-value]


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
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise bad("date", value, path)
