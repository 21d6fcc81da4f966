"""Run compiled rule queries inside an embedded DuckDB.

Checked claims (claims.py has already rejected the bad ones, with the same
messages as the Python engine) reach DuckDB as an Arrow table typed by the fact
schema — one STRUCT column per entity — so no value is re-parsed from text.
"""

from __future__ import annotations

import datetime as _dt
import itertools
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

import attrs

from .. import model as m
from ..ir import nodes as ir
from ..ir.refs import sharing_key
from .connection import connect
from ..tables.line_blocks import FileBlocks, record_blocks
from .compact import compact, python_conditions, table_columns
from .run_json_lines import run_json_lines
from .run_csv import run_csv, simple_csv
from .run_parquet import readable, run_parquet
from .layout import DEFAULT_LAYOUT, Layout, arrow_type

if TYPE_CHECKING:
    from .compile import CompiledQuery

CHUNK = 200_000  # records of a stream decided at a time


@attrs.frozen
class SqlRow:
    """One claim's result as the query returned it (column name -> Python value)."""

    key: int
    values: Mapping[str, Any]

    @property
    def outcome(self) -> str:
        return self.values["outcome"]

    @property
    def amount(self) -> Any:
        return self.values["amount"]

    @property
    def missing(self) -> Tuple[str, ...]:
        return tuple(self.values["missing"] or ())


def arrow_table(rows: Iterable[Tuple[int, Mapping[str, Any]]], schema: m.FactSchema, layout: Layout = DEFAULT_LAYOUT):
    """(key, checked claim) pairs -> an Arrow table in the default layout."""
    import pyarrow as pa

    keys: List[int] = []
    columns: Dict[str, List[Any]] = {name: [] for name in schema.entities}
    for key, claim in rows:
        keys.append(key)
        for name, values in columns.items():
            values.append(claim.get(name))
    arrays = [pa.array(keys, pa.int64())]
    names = [layout.key]
    for name in schema.entities:
        arrays.append(pa.array(columns[name], type=arrow_type(schema, name)))
        names.append(layout.entity_column(name))
    return pa.Table.from_arrays(arrays, names=names)


def run_query(con, query: CompiledQuery, table: Any = None, name: str = "claims") -> List[SqlRow]:
    """Run one compiled query; ``table`` (Arrow) is registered under the layout's table name first."""
    if table is not None:
        con.register(name, table)
    cursor = con.execute(query.sql(pretty=False))
    names = [d[0] for d in cursor.description]
    found = []
    for record in cursor.fetchall():
        values = dict(zip(names, record))
        found.append(SqlRow(values["key"], values))
    if table is not None:
        con.unregister(name)
    return found


def evaluate_claims(policy: Any, rule: str, claims: Sequence[Mapping[str, Any]], as_of: _dt.date,
                    jurisdiction: Optional[str] = None, con: Any = None) -> List[SqlRow]:
    """Checked claims through one rule in DuckDB, one SqlRow per claim in order (keys 1, 2, …)."""
    from .compile import compile_bound

    bound: ir.BoundRule = policy.bound_rule(rule, as_of, jurisdiction)
    query = compile_bound(policy, bound)
    con = con or connect()
    table = arrow_table(enumerate(claims, start=1), policy.schema)
    rows = run_query(con, query, table)
    return sorted(rows, key=lambda r: r.key)


# ====================================================================== whole tables (`evaluate --engine duckdb`)


@attrs.define
class _Pending:
    """A checked record waiting for its rules' rows."""

    line: int
    ident: Any
    claim: Dict[str, Any]
    targets: List[str]
    day: _dt.date
    index: int = 0
    results: Dict[str, Any] = attrs.field(factory=dict)


def run_table(policy: Any, records: Iterable[Any], *, rules: Optional[Sequence[str]] = None,
              as_of: Optional[_dt.date] = None, explain: bool = False, fmt: str = "jsonl", lang: str = "zh",
              writer, write_error, progress=None, summary=None):
    """`evaluate` on DuckDB: the same rows, errors and summary as batch.run, each rule run as one
    query per date and bound parameter values over the table of checked claims. Rows go to
    ``writer`` (a tables.RowWriter) in input order; ``summary`` is filled in as rows are written."""
    from ..batch import RecordResult, RuleResult, Summary, error_line, result_rows
    from ..tables.writers import encoder

    _require_engine()
    from ..claims import coerce_claim
    from ..errors import ClaimError, SubsidyRulesError
    from ..runtime import Outcome

    records = iter(records)
    first = next(records, None)
    if first is None:
        return summary if summary is not None else Summary()
    records = itertools.chain([first], records)
    if first.text is not None and fmt in ("jsonl", "csv"):
        return run_json_lines(policy, record_blocks(records, CHUNK, first.entity), rules=rules, as_of=as_of, explain=explain, fmt=fmt, lang=lang,
                              writer=writer, write_error=write_error, progress=progress,
                              summary=summary if summary is not None else Summary(),
                              lineterminator=getattr(writer, "lineterminator", "\n"))
    entries: List[Any] = []  # RecordResult (rejected) or _Pending, in input order
    chosen: Dict[Tuple[Any, ...], List[str]] = {}  # the rules that apply, per date and entities present
    for raw in records:
        raw = raw.parsed()
        if raw.error is not None:
            entries.append(RecordResult(raw.line, None, error=raw.error))
            continue
        ident = raw.data.get("id") if isinstance(raw.data, dict) else None
        try:
            claim = coerce_claim(raw.data, policy.schema, policy.info.counties)
            day = as_of or claim.get("as_of") or _dt.date.today()
            if rules:
                targets = list(rules)
                for rule in targets:
                    if policy.compiled(rule, day).rule.applies_to not in claim:
                        raise ClaimError("C009", "", rule=rule, entity=policy.compiled(rule, day).rule.applies_to)
            else:
                shape = (day, tuple(k for k in claim if k in policy.schema.entities))
                targets = chosen.get(shape)
                if targets is None:
                    targets = chosen[shape] = [rid for rid in policy.rule_ids
                                               if policy.compiled(rid, day).rule.applies_to in claim]
        except SubsidyRulesError as exc:
            entries.append(RecordResult(raw.line, ident, error=exc))
            continue
        entries.append(_Pending(raw.line, ident, claim, targets, day))
    pending = [e for e in entries if isinstance(e, _Pending)]
    for index, entry in enumerate(pending):
        entry.index = index
    # one query per rule and bound parameter values: counties without overrides share the city's query
    groups: Dict[Tuple[Any, ...], List[int]] = {}
    bound_of: Dict[Tuple[Any, ...], Any] = {}
    seen: Dict[Tuple[Any, ...], Tuple[Any, ...]] = {}
    for index, entry in enumerate(pending):
        for rule in entry.targets:
            dated = (rule, entry.day, entry.claim.get("jurisdiction"))
            group = seen.get(dated)
            if group is None:
                bound = policy.bound_rule(*dated)
                group = seen[dated] = sharing_key(bound)
                bound_of.setdefault(group, bound)
            if bound_of[group].ir.refers_to and any(entry.claim.get(name, {}) is None for name in policy.schema.entities):
                continue  # SQL reads an entity given as null as one left out: the Python engine decides this
            groups.setdefault(group, []).append(index)
    import duckdb

    from .compile import compile_bound

    con = connect()
    fallback: set = set()
    for group, members in groups.items():
        rule = group[0]
        try:
            # without --explain only the decision columns are built (the lean query)
            query = compile_bound(policy, bound_of[group], explain=explain)
        except SubsidyRulesError:
            fallback.update(members)  # a construct the SQL target lacks: the Python engine decides these
            continue
        table = arrow_table(((i, pending[i].claim) for i in members), policy.schema)
        try:
            found = run_query(con, query, table)
        except duckdb.Error:
            # e.g. an arithmetic overflow on extreme facts: the Python engine decides (or rejects) them
            con.unregister("claims")
            fallback.update(members)
            continue
        for row in found:
            if row.values.get("_fallback"):
                fallback.add(row.key)
                continue
            pending[row.key].results[rule] = row.values
    summary = summary if summary is not None else Summary()
    encode = encoder(fmt, table_columns(fmt, explain))
    errors: List[str] = []
    from ..batch import RawRecord, evaluate_record

    batch: List[Dict[str, Any]] = []

    def flush() -> None:
        if encode is not None:
            writer.write_encoded(encode(batch), len(batch))
        else:
            writer.write_many(batch)
        batch.clear()
        if errors:
            write_error("".join(errors))
            errors.clear()

    shown = explain and fmt in ("jsonl", "parquet")  # the rows carry the compact explanation
    for entry in entries:
        python_decided = False
        if isinstance(entry, _Pending):
            if entry.index in fallback or set(entry.results) != set(entry.targets):
                result = evaluate_record(policy, RawRecord(entry.line, entry.claim), rules, as_of, shown)
                python_decided = True
            else:
                found = []
                for rule in entry.targets:
                    values = entry.results[rule]
                    outcome = Outcome(values["outcome"])
                    missing = tuple(values["missing"] or ()) if outcome is Outcome.UNDETERMINED else ()
                    found.append(RuleResult(rule, outcome, values["amount"], missing))
                result = RecordResult(entry.line, entry.ident, tuple(found))
        else:
            result = entry
        summary.add(result)
        if result.error is not None:
            errors.append(error_line(result, lang))
        else:
            rows = result_rows(result, False, lang)
            if shown and isinstance(entry, _Pending):
                for row, item in zip(rows, result.results):
                    row["conditions"] = (python_conditions(policy, item.decision, entry.claim) if python_decided
                                         else compact(entry.results[item.rule]))
            batch.extend(rows)
        if len(batch) >= 1024:
            flush()
        if progress:
            progress.update(summary.read)
    flush()
    return summary


def run_path(policy: Any, path: str, input_format: str, records: Iterable[Any], *, entity: Optional[str] = None,
             rules: Optional[Sequence[str]] = None, as_of: Optional[_dt.date] = None, explain: bool = False,
             fmt: str = "jsonl", lang: str = "zh", writer, write_error, progress=None, summary=None):
    """`evaluate` on DuckDB over an input file: a Parquet file, or a plain CSV file, written as JSON
    Lines or CSV, is read by DuckDB itself (run_parquet.py, run_csv.py); any other input is
    ``records`` (the file's RawRecords, as tables.open_records reads them) through run_table. The
    same rows, errors and summary."""
    from ..batch import Summary

    _require_engine()
    summary = summary if summary is not None else Summary()
    given = dict(rules=rules, as_of=as_of, explain=explain, fmt=fmt, lang=lang, writer=writer, write_error=write_error,
                 progress=progress, summary=summary, lineterminator=getattr(writer, "lineterminator", "\n"))
    if input_format == "parquet" and fmt in ("jsonl", "csv") and readable(path):
        return run_parquet(policy, path, entity=entity, **given)
    if input_format == "jsonl" and fmt in ("jsonl", "csv") and path != "-":
        with open(path, "rb") as stream:
            blocks = FileBlocks(stream, policy.schema, entity)
            if progress is not None:
                progress.tell = blocks.tell  # how far the file is read, for the estimate of time left
            return run_json_lines(policy, blocks, **given)
    if input_format == "csv" and fmt in ("jsonl", "csv") and readable(path):
        table = simple_csv(path)  # None: a line end in quotes, short rows, blank lines …, read by Python
        if table is not None:
            done = run_csv(policy, path, table, entity=entity, **given)
            if done is not None:
                return done
    return run_table(policy, records, rules=rules, as_of=as_of, explain=explain, fmt=fmt, lang=lang, writer=writer,
                     write_error=write_error, progress=progress, summary=summary)


def _require_engine() -> None:
    """DuckDB and pyarrow, or the error that says how to install them (Q007)."""
    from .layout import SqlError

    try:
        import duckdb  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        raise SqlError("Q007") from None
