"""The rule query texts the DuckDB runners run, compiled once and kept.

A query is compiled for a rule version, a date's parameter values and ``explain`` (ir/refs.py
says when two bound rules are one query). Within a process it is kept in memory; across
processes on disk, as Python keeps byte code: every `evaluate` is a new process, and compiling
a query (sqlglot, 10-30 ms each) and importing the compiler (about 0.1 s) would otherwise be
paid on every run. An entry is named by a digest of everything its text depends on — this
package's code, the policy's files (``policy.digest``), the rule's key and ``explain`` — so an
edited policy or another version of the package never reads an old entry. A cache that cannot
be read or written is no cache: the query is compiled, the run goes on.

The folder: ``SUBSIDY_RULES_CACHE`` (``off`` for none), else ``$XDG_CACHE_HOME/subsidy-rules``,
else ``~/.cache/subsidy-rules``; entries under ``queries/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import weakref
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import attrs

from ..ir import nodes as ir
from ..ir.refs import sharing_key

FORMAT = 1  # of an entry; an entry of another format is not read
KEEP = 2000  # entries kept; past that the oldest are removed when one is written
OFF = ("", "0", "off", "no", "none", "false")

_MEMORY: "weakref.WeakKeyDictionary[Any, Dict[Any, QueryText]]" = weakref.WeakKeyDictionary()  # policy -> texts
_CODE: Dict[str, str] = {}


@attrs.frozen
class QueryText:
    """A rule's query as text, and texts made from it once (``parts``: the explanation's columns
    as one JSON text, by output format), which are kept with it."""

    sql: str
    fallback: bool  # the query has a `_fallback` column: rows the Python engine must decide
    parts: Dict[str, str] = attrs.field(factory=dict, eq=False)


def query_text(policy: Any, bound: ir.BoundRule, explain: bool, carry: Tuple[str, ...] = ()) -> QueryText:
    """The bound rule's DuckDB query (``carry``: the claims table's columns each row hands on):
    from memory, from the cache folder, or compiled now."""
    texts = _MEMORY.setdefault(policy, {})
    key = sharing_key(bound) + (explain, carry)
    found = texts.get(key)
    if found is None:
        path = _entry(policy, key)
        found = _read(path) if path is not None else None
        if found is None:
            from .compile import compile_bound

            query = compile_bound(policy, bound, explain=explain, carry=carry)
            found = QueryText(query.sql(pretty=False), query.fallback)
            if path is not None:
                _write(path, found)
        texts[key] = found
    return found


def keep_part(policy: Any, bound: ir.BoundRule, explain: bool, name: str, text: str, carry: Tuple[str, ...] = ()) -> None:
    """Keep a text made from the query (``query_text`` first) with it, in memory and on disk."""
    key = sharing_key(bound) + (explain, carry)
    found = _MEMORY[policy][key]
    found.parts[name] = text
    path = _entry(policy, key)
    if path is not None:
        _write(path, found)


def folder() -> Optional[Path]:
    """The cache folder, or None when the cache is off."""
    given = os.environ.get("SUBSIDY_RULES_CACHE")
    if given is not None:
        return None if given.strip().lower() in OFF else Path(given)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "subsidy-rules"


def _entry(policy: Any, key: Any) -> Optional[Path]:
    where = folder()
    digest = getattr(policy, "digest", None)
    if where is None or not isinstance(digest, str):
        return None
    code = _code_digest()
    if code is None:
        return None
    name = hashlib.sha256("\0".join((code, digest, repr(key))).encode("utf-8")).hexdigest()
    return where / "queries" / f"{name}.json"


def _code_digest() -> Optional[str]:
    """A digest of this package's sources: a query text depends on the compiler, the IR and the
    runners that wrap it, so any change of the code is another cache."""
    if "code" not in _CODE:
        package = Path(__file__).resolve().parents[1]
        digest = hashlib.sha256(str(FORMAT).encode())
        try:
            for path in sorted(package.rglob("*.py")):
                digest.update(str(path.relative_to(package)).encode("utf-8") + b"\0" + path.read_bytes())
        except OSError:
            return None
        _CODE["code"] = digest.hexdigest()
    return _CODE["code"]


def _read(path: Path) -> Optional[QueryText]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(data, dict) and data.get("format") == FORMAT and isinstance(data.get("sql"), str)
            and isinstance(data.get("fallback"), bool) and isinstance(data.get("parts"), dict)
            and all(isinstance(k, str) and isinstance(v, str) for k, v in data["parts"].items())):
        return None  # damaged, or written by something else: compiled again
    return QueryText(data["sql"], data["fallback"], dict(data["parts"]))


def _write(path: Path, text: QueryText) -> None:
    """Written under a temporary name and renamed: a reader never sees half an entry."""
    data = json.dumps({"format": FORMAT, "sql": text.sql, "fallback": text.fallback, "parts": text.parts},
                      ensure_ascii=False)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(data)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
        _prune(path.parent)
    except OSError:
        return  # a folder that cannot be written: no cache


def _prune(where: Path) -> None:
    entries = list(where.glob("*.json"))
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for old in entries[:len(entries) - KEEP // 2]:
        try:
            old.unlink()
        except OSError:
            pass
