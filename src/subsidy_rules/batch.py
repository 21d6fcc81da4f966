"""Whole tables through a policy: ordered parallel evaluation, output rows, reconciliation.

Records stream from the readers of the tables package (JSON Lines, CSV, xlsx,
Parquet, YAML/JSON lists). Each record becomes one output row per decision, in
input order, carrying its line number, and goes to a RowWriter of the tables
package (JSON Lines, CSV, xlsx, Parquet; files appear only when complete). A bad
record is reported with its line number and the run goes on; at the end
``read = decided + rejected`` always holds.
"""

from __future__ import annotations

import datetime as _dt
import sys
import time
from collections import OrderedDict
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

import attrs

from . import model as m
from .claims import coerce_claim
from .loading import load_policy
from .engine import Decision, Policy
from .errors import ClaimError, SubsidyRulesError
from .messages import summary_word
from .explain import decision_to_dict, json_value
from .runtime import Outcome
from .tables.guard import abort_all, close_all
from .tables.headers import HeaderError
from .tables.readers import detect_format, read_raw
from .tables.records import RawRecord
from .tables.writers import Column, RowWriter, encoder, open_writer

__all__ = ["RawRecord", "HeaderError", "detect_format", "read_raw", "evaluate_many", "sort_into_lists", "run",
           "Summary", "RecordResult", "RuleResult", "ListResult", "ListWriter", "Progress", "OUTPUT_COLUMNS",
           "evaluate_columns", "error_line", "ClaimError"]

CHUNK = 256
FORMATS = ("jsonl", "csv", "yaml", "json")  # the text formats read_raw reads; tables.INPUT_FORMATS has all


# ====================================================================== evaluating


@attrs.frozen
class RuleResult:
    rule: str
    outcome: Outcome
    amount: Optional[Decimal]
    missing: Tuple[str, ...] = ()
    decision: Optional[Decision] = None


@attrs.frozen
class RecordResult:
    """One input record: its position, its id, and a result per rule (or the error that rejected it)."""

    line: int
    id: Any
    results: Tuple[RuleResult, ...] = ()
    error: Optional[SubsidyRulesError] = None


def evaluate_record(policy: Policy, raw: RawRecord, rules: Optional[Sequence[str]], as_of: Optional[_dt.date],
                    explain: bool) -> RecordResult:
    raw = raw.parsed()
    if raw.error is not None:
        return RecordResult(raw.line, None, error=raw.error)
    ident = raw.data.get("id") if isinstance(raw.data, dict) else None
    try:
        claim = coerce_claim(raw.data, policy.schema, policy.info.counties)
        if rules:
            targets = list(rules)
            for rule in targets:
                compiled = policy.compiled(rule, as_of or _claim_date(claim))
                if compiled.rule.applies_to not in claim:
                    raise ClaimError("C009", "", rule=rule, entity=compiled.rule.applies_to)
        else:
            day = as_of or _claim_date(claim)
            targets = [rid for rid in policy.rule_ids if policy.compiled(rid, day).rule.applies_to in claim]
        results = []
        for rule in targets:
            if explain:
                decision = policy.evaluate(claim, rule, as_of)[0]
                results.append(RuleResult(rule, decision.outcome, decision.amount, decision.missing, decision))
                continue
            verdict = policy.decide(claim, rule, as_of, checked_facts=True)
            missing: Tuple[str, ...] = ()
            if verdict.outcome is Outcome.UNDETERMINED:
                missing = policy.evaluate(claim, rule, as_of)[0].missing
            results.append(RuleResult(rule, verdict.outcome, verdict.amount, missing))
        return RecordResult(raw.line, ident, tuple(results))
    except SubsidyRulesError as exc:
        return RecordResult(raw.line, ident, error=exc)


def _claim_date(claim: Dict[str, Any]) -> _dt.date:
    return claim.get("as_of") or _dt.date.today()


def evaluate_many(policy: Policy, records: Iterable[Any], rules: Optional[Sequence[str]] = None,
                  as_of: Optional[_dt.date] = None, explain: bool = False) -> Iterator[RecordResult]:
    """Python API: records are claims (mappings) or RawRecords; yields one RecordResult each, in order."""
    for index, record in enumerate(records, start=1):
        raw = record if isinstance(record, RawRecord) else RawRecord(index, record)
        yield evaluate_record(policy, raw, rules, as_of, explain)


# ====================================================================== output


def rule_entry() -> Dict[str, Any]:
    """One rule's line of the summary: counts by outcome and the total amount."""
    return {"eligible": 0, "ineligible": 0, "undetermined": 0, "amount": Decimal("0.00")}


@attrs.define
class Summary:
    read: int = 0
    decided: int = 0
    rejected: int = 0
    by_rule: Dict[str, Dict[str, Any]] = attrs.field(factory=OrderedDict)

    def add(self, result: RecordResult) -> None:
        self.read += 1
        if result.error is not None:
            self.rejected += 1
            return
        self.decided += 1
        for item in result.results:
            entry = self.by_rule.setdefault(item.rule, rule_entry())
            entry[item.outcome.value] += 1
            if item.amount is not None:
                entry["amount"] += item.amount

    def merge(self, other: "Summary") -> None:
        self.read += other.read
        self.decided += other.decided
        self.rejected += other.rejected
        for rule, entry in other.by_rule.items():
            mine = self.by_rule.setdefault(rule, rule_entry())
            for key, value in entry.items():
                mine[key] += value

    def table(self, lang: str) -> str:
        head = tuple(summary_word(key, lang) for key in ("head_rule", "head_eligible", "head_ineligible",
                                                         "head_undetermined", "head_amount"))
        rows = [head] + [(rule, str(e["eligible"]), str(e["ineligible"]), str(e["undetermined"]), f"{e['amount']:,.2f}")
                         for rule, e in self.by_rule.items()]
        widths = [max(_width(str(r[i])) for r in rows) for i in range(5)]

        def pad(text: str, width: int, left: bool) -> str:
            gap = " " * (width - _width(text))
            return text + gap if left else gap + text

        lines = ["  ".join(pad(str(c), w, i == 0) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
        return "\n".join(lines)

    def reconciliation(self, lang: str) -> str:
        return summary_word("read", lang, read=self.read, decided=self.decided, rejected=self.rejected)


OUTPUT_COLUMNS = ("line", "id", "rule", "outcome", "amount", "missing")
_KINDS = {"line": "integer", "id": "any", "rule": "text", "outcome": "text", "amount": "decimal", "missing": "list",
          "decision": "json"}
_WIDTHS = {"line": 8, "id": 18, "rule": 34, "outcome": 14, "amount": 12, "missing": 40}


def evaluate_columns(fmt: str, explain: bool = False) -> Tuple[Column, ...]:
    """The columns of `evaluate` rows in ``fmt``: the six of OUTPUT_COLUMNS, and with ``explain``
    the decision for JSON Lines and Parquet (a whole tree does not fit a CSV or xlsx cell)."""
    keys = OUTPUT_COLUMNS + (("decision",) if explain and fmt in ("jsonl", "parquet") else ())
    return tuple(Column(key, _KINDS[key], _WIDTHS.get(key)) for key in keys)


def _width(text: str) -> int:
    """Columns a text takes on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def result_rows(result: RecordResult, explain: bool, lang: str) -> List[Dict[str, Any]]:
    rows = []
    for item in result.results:
        row: Dict[str, Any] = {
            "line": result.line,
            "id": result.id if result.id.__class__ is int else json_value(result.id),  # an id as given, whatever its size
            "rule": item.rule,
            "outcome": item.outcome.value,
            "amount": json_value(item.amount),
            "missing": list(item.missing),
        }
        if explain and item.decision is not None:
            row["decision"] = decision_to_dict(item.decision, lang)
        rows.append(row)
    return rows


def error_line(result: Any, lang: str) -> str:
    """`line N: message` for a rejected record (a RecordResult or a ListResult)."""
    assert result.error is not None
    return f"{summary_word('line', lang, n=result.line)}: {result.error.message(lang)}\n"


# ====================================================================== running (one process or many)

_WORKER: Dict[str, Any] = {}


def _init_worker(policy_dir: str) -> None:
    """A forked worker inherits the parent's compiled policy; a spawned one loads it. Ctrl-C is
    the parent's to handle (it stops the pool), and SIGTERM ends a worker quietly."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if "policy" not in _WORKER:

        _WORKER["policy"] = load_policy(policy_dir)


@attrs.frozen
class Chunk:
    """What a worker hands back for a chunk of records: the rows already encoded (JSON Lines,
    CSV) or as dicts (xlsx, Parquet), how many rows, the error lines, the summary."""

    text: str
    rows: Tuple[Dict[str, Any], ...]
    row_count: int
    errors: str
    summary: "Summary"


def process_chunk(policy: Policy, chunk: List[RawRecord], rules, as_of, explain: bool, fmt: str,
                  lang: str) -> Chunk:
    """Rows, error text and summary for a chunk: the same code serves --jobs 1 and N."""
    rows: List[Dict[str, Any]] = []
    errors: List[str] = []
    summary = Summary()
    for raw in chunk:
        result = evaluate_record(policy, raw, rules, as_of, explain)
        summary.add(result)
        if result.error is not None:
            errors.append(error_line(result, lang))
        else:
            rows.extend(result_rows(result, explain, lang))
    encode = encoder(fmt, evaluate_columns(fmt, explain))
    if encode is not None:
        return Chunk(encode(rows), (), len(rows), "".join(errors), summary)
    return Chunk("", tuple(rows), len(rows), "".join(errors), summary)


def _worker_chunk(args: tuple) -> "Chunk":
    chunk, rules, as_of, explain, fmt, lang = args
    return process_chunk(_WORKER["policy"], chunk, rules, as_of, explain, fmt, lang)


def chunks(records: Iterable[RawRecord], size: int) -> Iterator[List[RawRecord]]:
    """Records in lists of ``size`` (the last one shorter), in order."""
    chunk: List[RawRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(policy: Policy, policy_dir: str, records: Iterable[RawRecord], *, rules=None, as_of=None, explain=False,
        fmt: str = "jsonl", lang: str = "zh", jobs: int = 1, writer: RowWriter,
        write_error: Callable[[str], None], progress: Optional["Progress"] = None,
        summary: Optional["Summary"] = None) -> "Summary":
    """Evaluate every record, writing rows to ``writer`` in input order (the caller closes or aborts
    it). Memory stays bounded: at most 2 × jobs chunks are in flight. ``summary``, when given, is
    filled in as the run goes, so a caller still has the counts when the run is interrupted."""
    summary = summary if summary is not None else Summary()
    parts = chunks(records, CHUNK)

    def take(part: Chunk) -> None:
        if part.text:
            writer.write_encoded(part.text, part.row_count)
        elif part.rows:
            writer.write_many(part.rows)
        if part.errors:
            write_error(part.errors)
        summary.merge(part.summary)
        if progress:
            progress.update(summary.read)

    if jobs <= 1:
        for chunk in parts:
            take(process_chunk(policy, chunk, rules, as_of, explain, fmt, lang))
        return summary
    _run_workers(policy, policy_dir, parts, (rules, as_of, explain, fmt, lang), jobs, take)
    return summary


def _worker_main(conn: Any, policy_dir: str) -> None:
    """A worker process: chunks in, Chunks out, one at a time, until told to stop (None)."""
    _init_worker(policy_dir)
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        try:
            result: Tuple[str, Any] = ("ok", _worker_chunk(task))
        except Exception as exc:  # a bug, not a bad record: the parent raises it
            result = ("error", exc)
        conn.send(result)


def _run_workers(policy: Policy, policy_dir: str, chunks: Iterator[List[RawRecord]], options: tuple, jobs: int,
                 take: Callable[[Chunk], None]) -> None:
    """Chunk k goes to worker k mod jobs and its result is taken in order k, so output order is input
    order. A worker holds one chunk at a time: the parent never sends to a worker that may be
    sending to it, so no pipe fills up both ways. No threads: when Ctrl-C or SIGTERM stops the
    parent, it kills its workers and returns at once (multiprocessing.Pool can hang there, its
    task thread blocked on a pipe whose readers were killed)."""
    import multiprocessing
    from collections import deque

    context = multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork")
    _WORKER["policy"] = policy  # inherited by forked workers: no second load
    workers: List[Tuple[Any, Any]] = []
    finished = False
    try:
        for _ in range(jobs):
            mine, theirs = context.Pipe()
            process = context.Process(target=_worker_main, args=(theirs, policy_dir), daemon=True)
            process.start()
            theirs.close()
            workers.append((process, mine))
        order: Any = deque()
        for index, (_, conn) in enumerate(workers):
            chunk = next(chunks, None)
            if chunk is None:
                break
            conn.send((chunk,) + options)
            order.append(index)
        while order:
            index = order.popleft()
            process, conn = workers[index]
            try:
                status, value = conn.recv()
            except (EOFError, OSError):
                raise RuntimeError(f"worker process {process.pid} ended unexpectedly "
                                   f"(exit code {process.exitcode})") from None
            if status == "error":
                raise value
            chunk = next(chunks, None)  # give the worker its next chunk before writing this one out
            if chunk is not None:
                conn.send((chunk,) + options)
                order.append(index)
            take(value)
        for _, conn in workers:
            conn.send(None)
        finished = True
    finally:
        for process, conn in workers:
            conn.close()
            if not finished:
                process.kill()
            process.join()


class Progress:
    """A one-line progress report on a terminal: records, rate, and ETA when the size is known."""

    def __init__(self, stream: TextIO, total_bytes: Optional[int] = None, tell: Optional[Callable[[], int]] = None) -> None:
        self.stream = stream
        self.start = time.monotonic()
        self.last = 0.0
        self.total = total_bytes
        self.tell = tell

    records = 0

    def update(self, records: int, final: bool = False) -> None:
        self.records = records
        now = time.monotonic()
        if not final and now - self.last < 0.1:
            return
        self.last = now
        elapsed = max(now - self.start, 1e-9)
        rate = records / elapsed
        text = f"\r{records:,} records · {rate:,.0f}/s · {elapsed:,.1f}s"
        if self.total and self.tell:
            try:
                done = self.tell() / self.total
            except (OSError, ValueError):
                done = 0
            if 0 < done < 1:
                text += f" · ETA {elapsed * (1 - done) / done:,.0f}s ({done:.0%})"
        self.stream.write(text + ("\n" if final else ""))
        self.stream.flush()


# ====================================================================== the five lists


@attrs.frozen
class ListEntry:
    list_id: str
    label: m.Label
    reason: str


@attrs.frozen
class ListResult:
    """One labourer record sorted into the lists of a classification rule."""

    line: int
    id: Any
    fields: Dict[str, Any]  # name, county, township, village when the record has them
    lists: Tuple[ListEntry, ...] = ()
    incomplete: Tuple[ListEntry, ...] = ()  # the failed completeness conditions
    outcome: Optional[Outcome] = None
    error: Optional[SubsidyRulesError] = None


def _reason_text(reason, lang: str) -> str:
    from .explain import fmt_value, value_name

    shown = ", ".join(f"{value_name(v, lang)} = {fmt_value(v, lang)}" for v in reason.values if v.value is not None)
    missing = [value_name(v, lang) for v in reason.values if v.value is None]
    parts = [shown] if shown else []
    if missing:
        parts.append(summary_word("not_given", lang) + ", ".join(missing))
    return "; ".join(parts)


def classify_record(policy: Policy, raw: RawRecord, rule: str, as_of: Optional[_dt.date], lang: str = "zh") -> ListResult:
    raw = raw.parsed()
    if raw.error is not None:
        return ListResult(raw.line, None, {}, error=raw.error)
    ident = raw.data.get("id") if isinstance(raw.data, dict) else None
    try:
        claim = coerce_claim(raw.data, policy.schema, policy.info.counties)
        decision = policy.evaluate(claim, rule, as_of)[0]
    except SubsidyRulesError as exc:
        return ListResult(raw.line, ident, {}, error=exc)
    entity = decision.rule.applies_to
    record = claim.get(entity) or {}
    fields = {key: record.get(name) for key, name in (("name", "name"), ("county", "county_name"),
                                                        ("township", "township_name"), ("village", "village_name"))}
    lists = []
    incomplete = []
    outside = None  # on no list, and that is known (every class false)
    for reason in decision.reasons:
        if reason.kind == "classes":
            for klass in reason.children:
                outside = (outside is not False) and klass.result is False
                if klass.result is True:
                    lists.append(ListEntry(klass.id or "", klass.label or m.Label("", ""), _reason_text(klass, lang)))
        else:
            for node in reason.walk():
                if node.result is False and node.kind == "condition":
                    incomplete.append(ListEntry(node.id or "", node.label or m.Label("", ""), _reason_text(node, lang)))
    if outside:
        # a record known to be on no list is outside the database (e.g. not a registered-poor
        # labourer): it is not an incomplete record of the database, so it is not reported as one
        incomplete = []
    return ListResult(raw.line, ident, fields, tuple(lists), tuple(incomplete), decision.outcome)


def sort_into_lists(policy: Policy, records: Iterable[Any], rule: str = "five-lists",
                    as_of: Optional[_dt.date] = None, lang: str = "zh") -> Iterator[ListResult]:
    for index, record in enumerate(records, start=1):
        raw = record if isinstance(record, RawRecord) else RawRecord(index, record)
        yield classify_record(policy, raw, rule, as_of, lang)


LIST_FORMATS = ("csv", "jsonl")  # what `lists` writes unless told otherwise


class ListWriter:
    """One file per list and format (by default a CSV, UTF-8 with BOM for Excel, and a JSON Lines
    file), plus the incomplete records. Files appear only on ``close``; ``abort`` leaves none."""

    COLUMNS = ("line", "id", "name", "county", "township", "village", "reason")
    _KINDS = {"line": "integer", "id": "any"}
    _WIDTHS = {"line": 8, "id": 18, "name": 10, "county": 10, "township": 10, "village": 10, "reason": 60}

    def __init__(self, directory: Path, policy: Policy, rule: str, lang: str,
                 formats: Sequence[str] = LIST_FORMATS) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.lang = lang
        compiled = policy.compiled(rule, _dt.date.max)
        self.lists = [(k.id, k.label) for k in compiled.rule.classes] + [("incomplete", m.Label("信息不全记录", "Incomplete records"))]
        self.files: Dict[str, List[RowWriter]] = {}
        self.counts: Dict[str, int] = {name: 0 for name, _ in self.lists}
        self.by_place: Dict[Tuple[str, str], Dict[str, int]] = {}
        columns = [Column(key, self._KINDS.get(key, "text"), self._WIDTHS.get(key)) for key in self.COLUMNS]
        try:
            for name, label in self.lists:
                self.files[name] = []
                for fmt in formats:
                    # CSV rows end in CRLF, as they always have here; JSON Lines in LF
                    self.files[name].append(open_writer(directory / f"{name}.{fmt}", fmt, columns, lang,
                                                        lineterminator="\r\n", sheet=label.get(lang)))
        except BaseException:
            self.abort()
            raise

    @property
    def writers(self) -> List[RowWriter]:
        return [w for writers in self.files.values() for w in writers]

    @property
    def rows(self) -> int:
        return sum(self.counts.values())

    def add(self, result: ListResult) -> None:
        entries = [(e.list_id, e.reason) for e in result.lists]
        if result.incomplete:
            missing = "; ".join(f"{e.label.get(self.lang)}" for e in result.incomplete)
            entries.append(("incomplete", missing))
        place = (str(result.fields.get("county") or ""), str(result.fields.get("township") or ""))
        for name, reason in entries:
            if name not in self.files:
                continue
            values = [result.line, result.id, result.fields.get("name"), result.fields.get("county"),
                      result.fields.get("township"), result.fields.get("village"), reason]
            row = dict(zip(self.COLUMNS, [json_value(v) for v in values]))
            for writer in self.files[name]:
                writer.write(row)
            self.counts[name] += 1
            counts = self.by_place.setdefault(place, {n: 0 for n, _ in self.lists})
            counts[name] += 1

    def close(self) -> None:
        """Publish every file (each under its own name, once all rows are written)."""
        close_all(self.writers)

    def abort(self) -> None:
        abort_all(self.writers)

    def report(self) -> str:
        lines = []
        labels = dict(self.lists)
        for name, count in self.counts.items():
            lines.append(f"{labels[name].get(self.lang)} ({name}): {count}")
        places = sorted(p for p in self.by_place if any(p))
        if places:
            head = (summary_word("head_county", self.lang), summary_word("head_township", self.lang))
            names = [n for n, _ in self.lists]
            lines.append("")
            lines.append("\t".join(head + tuple(names)))
            for place in places:
                counts = self.by_place[place]
                lines.append("\t".join(place + tuple(str(counts[n]) for n in names)))
        return "\n".join(lines)
