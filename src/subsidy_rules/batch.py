"""Whole tables through a policy: streaming readers, ordered parallel evaluation,
output writers, reconciliation.

Records stream from JSON Lines, CSV (dotted column names such as
``labourer.age`` typed by the fact schema) or a YAML/JSON list. Each record
becomes one output row per decision, in input order, carrying its line number.
A bad record is reported with its line number and the run goes on; at the end
``read = decided + rejected`` always holds.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import json
import re
import sys
import time
from collections import OrderedDict
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, TextIO, Tuple

import attrs

from . import model as m
from .claims import MAX_DEPTH, coerce_claim, parse_text
from .engine import Decision, Policy
from .messages import type_word
from .errors import ClaimError, SubsidyRulesError
from .explain import decision_to_dict, json_value
from .runtime import Outcome

CHUNK = 256
FORMATS = ("jsonl", "csv", "yaml", "json")


# ====================================================================== reading


@attrs.frozen
class RawRecord:
    """One input record: parsed data, or the text of a JSON line still to parse (parsing is
    left to the worker that evaluates it), or the error that made it unreadable."""

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
            data = json.loads(self.text, parse_float=Decimal, parse_constant=_reject)
        except ValueError as exc:
            return RawRecord(self.line, error=ClaimError("C004", "", detail=str(exc)))
        except RecursionError:  # the json decoder recurses: a record nested very deep ends here
            return RawRecord(self.line, error=ClaimError("C010", "$", limit=MAX_DEPTH))
        return RawRecord(self.line, _wrap(data, self.entity, self.entities))


def detect_format(name: str) -> str:
    lowered = name.lower()
    for suffix, fmt in ((".jsonl", "jsonl"), (".ndjson", "jsonl"), (".csv", "csv"), (".json", "json"),
                        (".yaml", "yaml"), (".yml", "yaml")):
        if lowered.endswith(suffix):
            return fmt
    return "jsonl"


def read_raw(stream: TextIO, fmt: str, schema: m.FactSchema, entity: Optional[str] = None) -> Iterator[RawRecord]:
    """Plain records with their line numbers; parse errors become records with an error."""
    entities = tuple(schema.entities)
    if fmt == "jsonl":
        for number, line in enumerate(stream, start=1):
            if not line.strip():
                continue
            yield RawRecord(number, text=line, entity=entity, entities=entities)
    elif fmt == "csv":
        yield from _read_csv(stream, schema, entity)
    else:
        try:
            data = parse_text(stream.read())
        except ClaimError as exc:
            yield RawRecord(1, error=exc)
            return
        if not isinstance(data, list):
            yield RawRecord(1, error=ClaimError("C001", "$", expected=type_word("list"), actual=type(data).__name__))
            return
        for index, item in enumerate(data, start=1):
            yield RawRecord(index, _wrap(item, entity, entities))


def _reject(name: str) -> Any:
    raise ValueError(f"{name} is not a number a record may hold")


def _wrap(data: Any, entity: Optional[str], entities: Tuple[str, ...] = ()) -> Any:
    """A bare record of `entity` becomes a claim; a record that already names entities is left alone."""
    if entity and isinstance(data, dict) and entity not in data and not any(k in entities for k in data):
        extra = {k: data.pop(k) for k in ("as_of", "jurisdiction", "id") if k in data}
        return dict(extra, **{entity: data})
    return data


_INDEX = re.compile(r"^(.*)\[(\d+)\]$")


class HeaderError(SubsidyRulesError):
    def __init__(self, column: str, suggestions: Sequence[str] = ()) -> None:
        self.column = column
        self.inner = ClaimError("C002", column, suggestions)
        super().__init__(self.inner.message("en"))

    def message(self, lang: str = "zh") -> str:
        return ("CSV 表头:" if lang == "zh" else "CSV header: ") + self.inner.message(lang)


def _column_kinds(header: Sequence[str], schema: m.FactSchema, entity: Optional[str]) -> List[Tuple[List[Any], str]]:
    """For each column: its path (names and list indices) and field kind."""
    from .errors import did_you_mean

    plan = []
    for column in header:
        name = column.strip()
        if name in ("as_of", "jurisdiction", "id"):
            plan.append(([name], "special"))
            continue
        parts: List[Any] = []
        for piece in name.split("."):
            match = _INDEX.match(piece)
            if match:
                parts.extend([match.group(1), int(match.group(2))])
            else:
                parts.append(piece)
        if entity and parts[0] != entity:
            parts.insert(0, entity)
        current = schema.entities.get(str(parts[0]))
        if current is None:
            raise HeaderError(name, did_you_mean(str(parts[0]), schema.entities))
        kind = "record"
        for part in parts[1:]:
            if isinstance(part, int):
                continue
            if current is None:
                raise HeaderError(name)
            field = current.fields.get(part)
            if field is None:
                raise HeaderError(name, did_you_mean(part, current.fields))
            kind = field.type
            current = schema.entities.get(field.of or "") if field.type in ("list", "record") else None
        plan.append((parts, kind))
    return plan


def _cell(kind: str, text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    if kind == "integer":
        try:
            return int(text)
        except ValueError:
            return text  # the claim check names the path and the bad value
    if kind == "bool":
        lowered = text.lower()
        if lowered in ("true", "1", "yes", "y", "是", "t"):
            return True
        if lowered in ("false", "0", "no", "n", "否", "f"):
            return False
        return text
    if kind in ("decimal", "money"):
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return text
    return text


def _read_csv(stream: TextIO, schema: m.FactSchema, entity: Optional[str]) -> Iterator[RawRecord]:
    reader = csv.reader(stream)
    try:
        header = next(reader)
    except StopIteration:
        return
    if header and header[0].startswith("\ufeff"):
        header[0] = header[0][1:]
    plan = _column_kinds(header, schema, entity)
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield RawRecord(number, error=ClaimError("C004", "", detail=f"{len(row)} cells, header has {len(header)}"))
            continue
        record: Dict[str, Any] = {}
        for (parts, kind), text in zip(plan, row):
            value = _cell(kind, text) if kind != "special" else (text.strip() or None)
            if value is None:
                continue
            _put(record, parts, value)
        yield RawRecord(number, record)


def _put(record: Dict[str, Any], parts: List[Any], value: Any) -> None:
    current: Any = record
    for part, following in zip(parts, parts[1:]):
        if isinstance(part, int):
            while len(current) <= part:
                current.append({})
            current = current[part]
            continue
        default: Any = [] if isinstance(following, int) else {}
        current = current.setdefault(part, default)
    last = parts[-1]
    if isinstance(last, int):
        while len(current) <= last:
            current.append(None)
        current[last] = value
    else:
        current[last] = value


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
            entry = self.by_rule.setdefault(item.rule, {"eligible": 0, "ineligible": 0, "undetermined": 0, "amount": Decimal("0.00")})
            entry[item.outcome.value] += 1
            if item.amount is not None:
                entry["amount"] += item.amount

    def merge(self, other: "Summary") -> None:
        self.read += other.read
        self.decided += other.decided
        self.rejected += other.rejected
        for rule, entry in other.by_rule.items():
            mine = self.by_rule.setdefault(rule, {"eligible": 0, "ineligible": 0, "undetermined": 0, "amount": Decimal("0.00")})
            for key, value in entry.items():
                mine[key] += value

    def table(self, lang: str) -> str:
        head = ("规则", "符合", "不符合", "待定", "金额合计") if lang == "zh" else ("rule", "eligible", "ineligible", "undetermined", "total amount")
        rows = [head] + [(rule, str(e["eligible"]), str(e["ineligible"]), str(e["undetermined"]), f"{e['amount']:,.2f}")
                         for rule, e in self.by_rule.items()]
        widths = [max(_width(str(r[i])) for r in rows) for i in range(5)]

        def pad(text: str, width: int, left: bool) -> str:
            gap = " " * (width - _width(text))
            return text + gap if left else gap + text

        lines = ["  ".join(pad(str(c), w, i == 0) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
        return "\n".join(lines)

    def reconciliation(self, lang: str) -> str:
        if lang == "zh":
            return f"读入 {self.read} 条 = 已判定 {self.decided} 条 + 已拒绝 {self.rejected} 条"
        return f"records read {self.read} = decided {self.decided} + rejected {self.rejected}"


OUTPUT_COLUMNS = ("line", "id", "rule", "outcome", "amount", "missing")


def _width(text: str) -> int:
    """Columns a text takes on a terminal: CJK characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def result_rows(result: RecordResult, explain: bool, lang: str) -> List[Dict[str, Any]]:
    rows = []
    for item in result.results:
        row: Dict[str, Any] = {
            "line": result.line,
            "id": json_value(result.id),
            "rule": item.rule,
            "outcome": item.outcome.value,
            "amount": json_value(item.amount),
            "missing": list(item.missing),
        }
        if explain and item.decision is not None:
            row["decision"] = decision_to_dict(item.decision, lang)
        rows.append(row)
    return rows


def format_rows(rows: List[Dict[str, Any]], fmt: str) -> str:
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        for row in rows:
            writer.writerow([row["line"], "" if row["id"] is None else row["id"], row["rule"], row["outcome"],
                             "" if row["amount"] is None else row["amount"], ";".join(row["missing"])])
        return buffer.getvalue()
    return "".join(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n" for row in rows)


def error_line(result: Any, lang: str) -> str:
    """`line N: message` for a rejected record (a RecordResult or a ListResult)."""
    assert result.error is not None
    word = "第 {n} 行" if lang == "zh" else "line {n}"
    return f"{word.format(n=result.line)}: {result.error.message(lang)}\n"


# ====================================================================== running (one process or many)

_WORKER: Dict[str, Any] = {}


def _init_worker(policy_dir: str) -> None:
    """A forked worker inherits the parent's compiled policy; a spawned one loads it."""
    if "policy" not in _WORKER:
        from . import load_policy

        _WORKER["policy"] = load_policy(policy_dir)


def process_chunk(policy: Policy, chunk: List[RawRecord], rules, as_of, explain: bool, fmt: str,
                  lang: str) -> Tuple[str, str, Summary]:
    """Output text, error text and summary for a chunk: the same code serves --jobs 1 and N."""
    out: List[str] = []
    errors: List[str] = []
    summary = Summary()
    for raw in chunk:
        result = evaluate_record(policy, raw, rules, as_of, explain)
        summary.add(result)
        if result.error is not None:
            errors.append(error_line(result, lang))
        else:
            out.append(format_rows(result_rows(result, explain, lang), fmt))
    return "".join(out), "".join(errors), summary


def _worker_chunk(args: tuple) -> Tuple[str, str, Summary]:
    chunk, rules, as_of, explain, fmt, lang = args
    return process_chunk(_WORKER["policy"], chunk, rules, as_of, explain, fmt, lang)


def _chunks(records: Iterable[RawRecord], size: int) -> Iterator[List[RawRecord]]:
    chunk: List[RawRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def run(policy: Policy, policy_dir: str, records: Iterable[RawRecord], *, rules=None, as_of=None, explain=False,
        fmt: str = "jsonl", lang: str = "zh", jobs: int = 1, write: Callable[[str], None],
        write_error: Callable[[str], None], progress: Optional["Progress"] = None) -> Summary:
    """Evaluate every record, writing output in input order. Memory stays bounded: at most
    2 × jobs chunks are in flight."""
    summary = Summary()
    chunks = _chunks(records, CHUNK)

    def take(text: str, errors: str, part: Summary) -> None:
        write(text)
        if errors:
            write_error(errors)
        summary.merge(part)
        if progress:
            progress.update(summary.read)

    if jobs <= 1:
        for chunk in chunks:
            take(*process_chunk(policy, chunk, rules, as_of, explain, fmt, lang))
        return summary
    import multiprocessing

    context = multiprocessing.get_context("spawn" if sys.platform == "win32" else "fork")
    _WORKER["policy"] = policy  # inherited by forked workers: no second load
    with context.Pool(jobs, initializer=_init_worker, initargs=(policy_dir,)) as pool:
        pending: List[Any] = []
        exhausted = False
        while True:
            while not exhausted and len(pending) < 2 * jobs:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                pending.append(pool.apply_async(_worker_chunk, ((chunk, rules, as_of, explain, fmt, lang),)))
            if not pending:
                break
            take(*pending.pop(0).get())
    return summary


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
        parts.append(("未填报: " if lang == "zh" else "not given: ") + ", ".join(missing))
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


class ListWriter:
    """Writes one CSV (UTF-8 with BOM, for Excel) and one JSONL file per list, plus the incomplete records."""

    COLUMNS = ("line", "id", "name", "county", "township", "village", "reason")

    def __init__(self, directory: Path, policy: Policy, rule: str, lang: str) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.lang = lang
        compiled = policy.compiled(rule, _dt.date.max)
        self.lists = [(k.id, k.label) for k in compiled.rule.classes] + [("incomplete", m.Label("信息不全记录", "Incomplete records"))]
        self.files: Dict[str, Tuple[Any, Any, Any]] = {}
        self.counts: Dict[str, int] = {name: 0 for name, _ in self.lists}
        self.by_place: Dict[Tuple[str, str], Dict[str, int]] = {}
        for name, _ in self.lists:
            csv_file = open(directory / f"{name}.csv", "w", encoding="utf-8-sig", newline="")
            jsonl_file = open(directory / f"{name}.jsonl", "w", encoding="utf-8")
            writer = csv.writer(csv_file)
            header = self.COLUMNS if lang == "en" else ("行号", "编号", "姓名", "县区", "乡镇", "村", "理由")
            writer.writerow(header)
            self.files[name] = (csv_file, writer, jsonl_file)

    def add(self, result: ListResult) -> None:
        entries = [(e.list_id, e.reason) for e in result.lists]
        if result.incomplete:
            missing = "; ".join(f"{e.label.get(self.lang)}" for e in result.incomplete)
            entries.append(("incomplete", missing))
        place = (str(result.fields.get("county") or ""), str(result.fields.get("township") or ""))
        for name, reason in entries:
            if name not in self.files:
                continue
            csv_file, writer, jsonl_file = self.files[name]
            row = [result.line, result.id, result.fields.get("name"), result.fields.get("county"),
                   result.fields.get("township"), result.fields.get("village"), reason]
            writer.writerow(["" if v is None else v for v in row])
            jsonl_file.write(json.dumps(dict(zip(self.COLUMNS, [json_value(v) for v in row])), ensure_ascii=False) + "\n")
            self.counts[name] += 1
            counts = self.by_place.setdefault(place, {n: 0 for n, _ in self.lists})
            counts[name] += 1

    def close(self) -> None:
        for csv_file, _, jsonl_file in self.files.values():
            csv_file.close()
            jsonl_file.close()

    def report(self) -> str:
        lines = []
        labels = dict(self.lists)
        for name, count in self.counts.items():
            lines.append(f"{labels[name].get(self.lang)} ({name}): {count}")
        places = sorted(p for p in self.by_place if any(p))
        if places:
            head = ("县区", "乡镇") if self.lang == "zh" else ("county", "township")
            names = [n for n, _ in self.lists]
            lines.append("")
            lines.append("\t".join(head + tuple(names)))
            for place in places:
                counts = self.by_place[place]
                lines.append("\t".join(place + tuple(str(counts[n]) for n in names)))
        return "\n".join(lines)
