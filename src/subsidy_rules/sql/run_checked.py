"""Rules over a table of checked claims in DuckDB, each output line built as text.

An input reader (run_json_lines.py for JSON Lines) fills the temporary table ``checked``: per
record its number (``line``), whether SQL vouches for it (``ok``), its date, jurisdiction, the
entities it names (``present``), its id as JSON text and each named entity's record, typed. Here
each rule's compiled query runs per date and bound parameter values; a record SQL does not vouch
for, or that a query leaves to Python (``_fallback``), is evaluated by the Python engine, so its
rows, and its error message when it is rejected, are the Python engine's.
"""

from __future__ import annotations

import bisect
import collections
import datetime as _dt
import json
import re
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import attrs

from ..claims import coerce_claim
from ..facts import LIMIT
from ..batch import RawRecord, Summary, error_line, evaluate_record, result_rows, rule_entry
from ..tables.line_blocks import utf8_buffers
from ..tables.writers import encoder
from ..tables.guard import interruption
from .compact import python_conditions, reading_condition, table_columns
from .connection import arrow_of
from ..ir.refs import sharing_key
from .json_checks import lit, quote_name
from .layout import SqlError
from .queries import keep_part, query_text

WRITE_ROWS = 256
SPLICED = 1_000  # lines the Python engine decides that are put among the joined rows (more: DuckDB sorts)
CARRY = ("id_json",)  # the checked table's columns each rule query hands on: the id as the output writes it
decided_by = collections.Counter()  # records decided by "sql" and handed to "python", for tests and benchmarks
_HUGE = format(LIMIT, "f")  # larger amounts are written in scientific form by Python


@attrs.frozen
class Options:
    """What `evaluate` asked for, as every chunk of a run needs it."""

    rules: Optional[Sequence[str]]
    as_of: Optional[_dt.date]
    explain: bool
    fmt: str  # the output format: jsonl | csv
    lang: str
    newline: str = "\n"


@attrs.frozen
class Piece:
    """Output text of about WRITE_ROWS rows as UTF-8 (bytes-like), how many rows it holds, and
    the last record it ends with."""

    data: Any
    rows: int
    last: int


def write_pieces(pieces: Sequence[Piece], errors: str, numbers: Sequence[int], part_summary: Any, *, writer: Any,
                 write_error: Any, progress: Any, summary: Any) -> None:
    """A chunk's output written in pieces, as the Python engine writes: an interrupted run has
    counted what it wrote. ``numbers``: the chunk's record numbers, in order."""
    read = summary.read
    for piece in pieces:
        writer.write_utf8(piece.data, piece.rows)
        summary.read = read + bisect.bisect_right(numbers, piece.last)
    summary.read = read
    if errors:
        write_error(errors)
    summary.merge(part_summary)
    if progress:
        progress.update(summary.read)


@attrs.frozen
class Group:
    """One rule's query: the rule, its bound values' date, and the (date, county) pairs it serves."""

    rule: str
    entity: str  # the rule's entity: only claims naming it get a row
    order: int
    bound: Any
    places: Tuple[Tuple[_dt.date, Optional[str]], ...]


class CheckedChunk:
    """One chunk of records, checked into the temporary table ``checked``: its rules run, its
    records SQL does not vouch for go to the Python engine (``raw_of`` gives each as read)."""

    def __init__(self, policy: Any, con: Any, options: Options, numbers: Sequence[int],
                 raw_of: Callable[[int], RawRecord]) -> None:
        self.policy, self.con, self.numbers, self.raw_of = policy, con, numbers, raw_of
        self.rules, self.as_of, self.explain = options.rules, options.as_of, options.explain
        self.fmt, self.lang, self.newline = options.fmt, options.lang, options.newline
        self.summary = Summary()
        self.today = _dt.date.today()
        self.shapes: List[Any] = []  # the checked lines' (as_of, jurisdiction, present), as groups() found them

    def decide(self) -> Tuple[List[Piece], str]:
        """The chunk's output pieces and its error lines."""
        import duckdb

        con = self.con
        self.columns = [d[0] for d in con.execute("SELECT * FROM checked LIMIT 0").description]
        self.answers: List[Answer] = []
        con.execute("CREATE OR REPLACE TEMP TABLE handed (line BIGINT)")  # lines the Python engine decides
        groups, python_places = self.groups()
        if python_places:
            self.hand_places(python_places)
        for group in groups:
            try:
                self.run_group(group)
            except duckdb.InterruptException:  # Ctrl-C during the query: a stop, not a fall-back
                raise interruption() from None
            except (duckdb.Error, SqlError):  # an overflow on extreme facts, a construct SQL lacks
                self.hand_places([(group.places, None)])  # the Python engine decides these
        return self.finish()

    def groups(self) -> Tuple[List[Group], List[Any]]:
        """The rule queries to run, from the claims' dates, counties and entities (as batch.py picks)."""
        policy, con = self.policy, self.con
        if "present" not in self.columns:  # no line SQL could check
            return [], []
        self.shapes = shapes = con.execute("SELECT DISTINCT as_of, jurisdiction, present FROM checked WHERE ok").fetchall()
        by_bound: Dict[Tuple[Any, ...], Dict[str, Any]] = {}
        handed: List[Any] = []
        order = {rule: index for index, rule in enumerate(self.rules or policy.rule_ids)}
        for claim_day, county, present in shapes:
            day = self.as_of or claim_day or self.today
            if self.rules:
                targets = list(self.rules)
                if any(policy.compiled(rule, day).rule.applies_to not in present for rule in targets):
                    handed.append(((claim_day, county, present), "shape"))  # Python names the missing entity
                    continue
            else:
                targets = [rid for rid in policy.rule_ids if policy.compiled(rid, day).rule.applies_to in present]
            for rule in targets:
                bound = policy.bound_rule(rule, day, county)
                key = sharing_key(bound)
                entry = by_bound.setdefault(key, {"bound": bound, "places": set(),
                                                  "entity": policy.compiled(rule, day).rule.applies_to})
                entry["places"].add((claim_day, county))
        found = [Group(key[0], entry["entity"], order[key[0]], entry["bound"], tuple(sorted(entry["places"], key=repr)))
                 for key, entry in by_bound.items()]
        return found, handed

    def where(self, places: Iterable[Tuple[Optional[_dt.date], Optional[str]]]) -> str:
        parts = []
        for day, county in places:
            on_day = f"as_of = DATE {lit(day.isoformat())}" if day is not None else "as_of IS NULL"
            in_county = f"jurisdiction = {lit(county)}" if county is not None else "jurisdiction IS NULL"
            parts.append(f"({on_day} AND {in_county})")
        return " OR ".join(parts) or "FALSE"

    def chosen(self, group: Group) -> str:
        """The test of the lines a group's query decides: checked, naming its entity, of its places
        — each part left out when every checked line passes it (a test in the view costs each of
        the file's queries a pass over the lines)."""
        with_entity = [(day, county) for day, county, present in self.shapes if group.entity in present]
        tests = ["ok"]
        if len(with_entity) < len(self.shapes):
            tests.append(f"list_contains(present, {lit(group.entity)})")
        if not set(with_entity) <= set(group.places):
            tests.append(f"({self.where(group.places)})")
        return " AND ".join(tests)

    def hand_places(self, handed: Sequence[Any]) -> None:
        for place, kind in handed:
            if kind == "shape":
                claim_day, county, present = place
                cond = self.where([(claim_day, county)]) + f" AND present = {_text_list(present)}"
            else:
                cond = self.where(place)
            self.con.execute(f"INSERT INTO handed SELECT line FROM checked WHERE ok AND ({cond})")

    def run_group(self, group: Group) -> None:
        policy, con = self.policy, self.con
        query = query_text(policy, group.bound, self.explain, CARRY)
        columns = ", ".join(quote_name(name) for name in self.entity_columns())
        chosen = self.chosen(group)
        if group.bound.ir.refers_to:
            # SQL reads an entity given as null as one left out, which a referenced rule tells apart:
            # the Python engine decides those lines
            null = " OR ".join(f"(list_contains(present, {lit(name)}) AND {quote_name(name)} IS NULL)"
                               for name in self.entity_columns()) or "FALSE"
            con.execute(f"INSERT INTO handed SELECT line FROM checked WHERE {chosen} AND ({null})")
            chosen += f" AND NOT ({null})"
        con.execute(f"CREATE OR REPLACE TEMP VIEW claims AS SELECT line, {columns}, {', '.join(CARRY)} FROM checked "
                    f"WHERE {chosen}")
        sql = query.sql
        fallback = "COALESCE(q._fallback, FALSE)" if query.fallback else "FALSE"
        huge = f"COALESCE(abs(q.amount) >= {_HUGE}, FALSE)"
        answer = f"SELECT q.*, {fallback} OR {huge} AS _hand FROM ({sql}) q"
        conditions = None
        if self.explain and self.fmt == "jsonl":
            conditions = query.parts.get("json")
            if conditions is None:  # its columns' types come from DuckDB: asked once per query
                conditions = self.conditions(answer, group.bound.ir.conditions)
                keep_part(policy, group.bound, self.explain, "json", conditions, CARRY)
        text = self.line_text(group.rule, conditions)
        # one pass, straight to Arrow: a row the Python engine is to decide is kept (hand) without its text
        rows = arrow_of(con, f"SELECT q.key AS line, {group.order}::INTEGER AS ord, "
                       f"CASE WHEN NOT q._hand THEN {text} END AS text, 1::INTEGER AS rows, q.outcome AS outcome, "
                       f"CAST(q.amount AS DECIMAL(38,2)) AS amount, q._hand AS hand "
                       f"FROM ({answer}) q", len(self.numbers))
        self.answers.append(Answer(group.rule, group.order, rows))

    def entity_columns(self) -> List[str]:
        return [n for n in self.columns if n in self.policy.schema.entities]

    def line_text(self, rule: str, conditions: Optional[str]) -> str:
        """The output line of a row, as the Python engine writes it: one concat() of its parts
        (a chain of || copies the growing text once per part; none of the parts is NULL)."""
        amount = "CAST(CAST(q.amount AS DECIMAL(38,2)) AS VARCHAR)"
        missing = "CASE WHEN q.outcome = 'undetermined' THEN q.missing END"
        if self.fmt == "csv":
            cells = ["CAST(q.key AS VARCHAR)", "CASE WHEN q.id_json = 'null' THEN '' ELSE trim(q.id_json, '\"') END",
                     lit(_csv_text(rule)), "q.outcome", f"COALESCE({amount}, '')",
                     f"COALESCE(array_to_string({missing}, ';'), '')"]
            return "concat(" + ", ',', ".join(cells) + f", {lit(self.newline)})"
        parts = ["'{\"line\": '", "CAST(q.key AS VARCHAR)", "', \"id\": '", "q.id_json",
                 lit(', "rule": ' + json.dumps(rule, ensure_ascii=False) + ', "outcome": "'), "q.outcome",
                 "'\", \"amount\": '", f"COALESCE('\"' || {amount} || '\"', 'null')",
                 "', \"missing\": '", f"COALESCE(CASE WHEN len({missing}) > 0 "
                 f"THEN '[\"' || array_to_string({missing}, '\", \"') || '\"]' END, '[]')"]
        if conditions is not None:
            parts += ["', \"conditions\": '", conditions]
        return "concat(" + ", ".join(parts + [lit("}\n")]) + ")"

    def conditions(self, answer: str, tree: Any) -> str:
        """The compact explanation as JSON text: each condition's result, the values read by the
        conditions not met or unknown (``o_<id>_<k>`` only while ``c_<id>`` is not TRUE, as the
        Python path's ``compact`` leaves them out), the deciding conditions (written from the
        condition columns of ``tree``, the rule's conditions: building the list and then its JSON
        cost a third of the text), the items."""
        from .compile import deciding_json  # only when the text is not kept yet

        described = self.con.execute(f"DESCRIBE {answer}").fetchall()
        skip = {"key", "outcome", "amount", "missing", "_fallback", "_hand", *CARRY}
        names = {name for name, *_ in described}
        parts: List[str] = []
        shown: List[Tuple[str, List[str]]] = []  # the values shown while a condition is not met, by condition
        for name, kind, *_ in described:
            if name in skip:
                continue
            column = "q." + quote_name(name)
            if name == "items":
                value = f"list_transform({column}, lambda _i: {_item_struct(kind)})"
                text = f"COALESCE(CAST(to_json({value}) AS VARCHAR), 'null')"
            elif reading_condition(name, names) is not None:
                text = _value_read_text(column, kind)
            else:
                text = (deciding_json(tree, "q", names) if name == "deciding" else None) or _json_text(column, kind)
            key = lit(("," if parts or shown else "{") + json.dumps(name) + ":")
            shown_by = reading_condition(name, names)
            if shown_by is not None and (parts or shown):
                if not shown or shown[-1][0] != shown_by:
                    shown.append((shown_by, []))
                shown[-1][1].extend((key, text))
                continue
            parts += _shown_while_not_met(shown)
            parts += [key, text]
        parts += _shown_while_not_met(shown)
        return ", ".join(parts + ["'}'"]) if parts else "'{}'"

    # ------------------------------------------------------------------ the lines Python decides, and the text
    def finish(self) -> Tuple[List[Piece], str]:
        import pyarrow as pa
        import pyarrow.compute as pc

        con, policy = self.con, self.policy
        handed = {row[0] for row in con.execute("SELECT line FROM checked WHERE NOT ok UNION SELECT line FROM handed").fetchall()}
        for answer in self.answers:  # every row of a line the Python engine decides is its
            hand = answer.rows.column("hand")
            if pc.any(hand).as_py():
                handed.update(pc.filter(answer.rows.column("line"), hand).to_pylist())
        python_lines = sorted(handed)
        taken = pa.array(python_lines, pa.int64())

        def decided(columns: Optional[List[str]] = None) -> List[Answer]:
            """The answers without the lines the Python engine decides (only ``columns`` of them)."""
            return [attrs.evolve(a, rows=(a.rows if columns is None else a.rows.select(columns)).filter(
                pc.invert(pc.is_in(a.rows.column("line"), value_set=taken)))) for a in self.answers] \
                if python_lines else self.answers
        encode = encoder(self.fmt, table_columns(self.fmt, self.explain), self.newline)
        decided_by["python"] += len(python_lines)
        decided_by["sql"] += len(self.numbers) - len(python_lines)
        py_lines: List[int] = []
        py_texts: List[str] = []
        py_results: List[Any] = []
        py_rows: List[int] = []
        errors: List[str] = []
        shown = self.explain and self.fmt == "jsonl"  # the rows carry the compact explanation
        for line in python_lines:
            result = evaluate_record(policy, self.raw_of(line), self.rules, self.as_of, shown)
            py_results.append(result)
            if result.error is not None:
                errors.append(error_line(result, self.lang))
                continue
            rows = result_rows(result, False, self.lang)
            if shown:  # the object the rule's query gives, from the Python engine's decision
                claim = coerce_claim(self.raw_of(line).parsed().data, policy.schema, policy.info.counties)
                for row, item in zip(rows, result.results):
                    row["conditions"] = python_conditions(policy, item.decision, claim)
            py_lines.append(line)
            py_texts.append(encode(rows) if encode else "")
            py_rows.append(len(rows))
        self.count(decided(["line", "outcome", "amount"]), py_results)
        # the output: every row in the order of its record, then of its rule (the Python engine's rows
        # of a record first: they are all of its rows), in pieces of WRITE_ROWS rows
        by_rule = sorted(self.answers, key=lambda answer: answer.order)
        if by_rule and len(python_lines) <= SPLICED and _same_lines(by_rule) and _fits(by_rule) \
                and _ascending(by_rule[0].rows.column("line")):
            # every query answered the same lines in the same order (as every rule applies to every
            # claim of a file): a line's rows side by side, in the rules' order, need no sort; the
            # lines the Python engine decides take their places among them
            texts = pc.binary_join_element_wise(*[answer.rows.column("text") for answer in by_rule], "")
            lines = by_rule[0].rows.column("line").to_pylist()
            texts, rows, lines = _spliced(texts, len(by_rule), lines, python_lines, dict(zip(py_lines, zip(py_texts, py_rows))))
        else:  # DuckDB orders them (a gather in pyarrow was slower, and cost as much again in a cold run)
            texts, rows, lines = self.ordered(sorted(decided(), key=lambda answer: answer.order), py_lines, py_texts, py_rows)
        return _pieces(texts, rows, lines), "".join(errors)

    def ordered(self, answers: Sequence["Answer"], py_lines: List[int], py_texts: List[str],
                py_rows: List[int]) -> Tuple[Any, List[int], List[int]]:
        """Every row's text, rows and line, ordered by line, then by rule, the Python engine's first."""
        import pyarrow as pa

        con = self.con
        names = [f"answer_{index}" for index in range(len(answers))]
        for name, answer in zip(names, answers):  # the queries' rows, read by DuckDB where they are
            con.register(name, answer.rows)
        con.register("python_rows", pa.table({"line": pa.array(py_lines, pa.int64()), "text": pa.array(py_texts, pa.string()),
                                              "rows": pa.array(py_rows, pa.int32())}))
        parts = [f"SELECT line, ord, text, rows FROM {name}" for name in names]
        ordered = con.sql(f"SELECT text, rows, line FROM ({' UNION ALL '.join(parts + ['SELECT line, -1 AS ord, text, rows FROM python_rows'])}) "
                          f"ORDER BY line, ord")
        table = ordered.to_arrow_table() if hasattr(ordered, "to_arrow_table") else ordered.arrow()
        for name in names + ["python_rows"]:
            con.unregister(name)
        return table.column(0), table.column(1).to_pylist(), table.column(2).to_pylist()

    def count(self, answers: Sequence["Answer"], py_results: Sequence[Any]) -> None:
        """The chunk's summary: counts per rule in the order rules first appear, as batch.Summary.add
        makes it, from the rows SQL decided (``answers``) and the Python engine's results."""
        import pyarrow.compute as pc

        first: Dict[str, int] = {}
        counts: Dict[str, Dict[str, Any]] = {}
        for answer in answers:
            rows = answer.rows
            if not rows.num_rows:
                continue
            where = pc.min(rows.column("line")).as_py() * 100000 + answer.order
            first[answer.rule] = min(first.get(answer.rule, where), where)
            entry = counts.setdefault(answer.rule, rule_entry())
            for found in pc.value_counts(rows.column("outcome")).to_pylist():
                entry[found["values"]] += found["counts"]
            amount = pc.sum(rows.column("amount")).as_py()
            if amount is not None:
                entry["amount"] += amount
        for result in py_results:
            for position, item in enumerate(result.results):
                where = result.line * 100000 + position
                first[item.rule] = min(first.get(item.rule, where), where)
                entry = counts.setdefault(item.rule, rule_entry())
                entry[item.outcome.value] += 1
                if item.amount is not None:
                    entry["amount"] += item.amount
        summary = self.summary
        summary.read = len(self.numbers)
        summary.rejected = sum(1 for result in py_results if result.error is not None)
        summary.decided = summary.read - summary.rejected
        for rule in sorted(counts, key=lambda r: first[r]):
            summary.by_rule[rule] = counts[rule]


def _pieces(texts: Any, rows: Sequence[int], lines: Sequence[int]) -> List[Piece]:
    """The output text cut into pieces of WRITE_ROWS rows of the table (``rows``: output rows each)."""
    pieces: List[Piece] = []
    done = 0
    for chunk in texts.chunks:
        if not len(chunk):
            continue
        offsets, data = utf8_buffers(chunk)
        for start in range(0, len(chunk), WRITE_ROWS):
            end = min(start + WRITE_ROWS, len(chunk))
            pieces.append(Piece(data[offsets[start]:offsets[end]], sum(rows[done + start:done + end]),
                                lines[done + end - 1]))
        done += len(chunk)
    return pieces


@attrs.frozen
class Answer:
    """One rule query's rows, as Arrow columns: line, ord (the rule's place), text, rows, outcome,
    amount, hand (the Python engine is to decide its record)."""

    rule: str
    order: int
    rows: Any


def _ascending(lines: Any) -> bool:
    import pyarrow.compute as pc

    return len(lines) < 2 or pc.all(pc.greater(lines.slice(1), lines.slice(0, len(lines) - 1))).as_py()


def _spliced(texts: Any, each: int, lines: List[int], python_lines: Sequence[int],
             python_texts: Dict[int, Tuple[str, int]]) -> Tuple[Any, List[int], List[int]]:
    """The joined texts of ``lines`` (``each`` rows a line) without the ``python_lines`` (ascending),
    and the Python engine's text of each (``python_texts``: its text and rows; none for a line it
    rejects) in its place: slices of the texts, no copy of them."""
    import pyarrow as pa

    def part(start: int, length: Optional[int] = None) -> List[Any]:
        piece = texts.slice(start, length)  # a slice of a chunked array is one of its chunks'
        return piece.chunks if isinstance(piece, pa.ChunkedArray) else [piece]

    chunks: List[Any] = []
    rows: List[int] = []
    placed: List[int] = []
    done = 0
    for line in python_lines:
        at = bisect.bisect_left(lines, line, done)
        if at > done:
            chunks += part(done, at - done)
            rows += [each] * (at - done)
            placed += lines[done:at]
        if line in python_texts:
            text, count = python_texts[line]
            chunks.append(pa.array([text], texts.type))
            rows.append(count)
            placed.append(line)
        done = at + 1 if at < len(lines) and lines[at] == line else at
    if done < len(lines) or not chunks:
        chunks += part(done)
        rows += [each] * (len(lines) - done)
        placed += lines[done:]
    return pa.chunked_array(chunks, texts.type), rows, placed


def _fits(answers: Sequence[Answer]) -> bool:
    """Whether the answers' texts joined fit one Arrow text array (32-bit offsets)."""
    return sum(answer.rows.column("text").nbytes for answer in answers) < 2 ** 31 - 1


def _same_lines(answers: Sequence[Answer]) -> bool:
    """Whether every answer holds the same lines in the same order."""
    first = answers[0].rows.column("line")
    return all(answer.rows.column("line").equals(first) for answer in answers[1:])


def _text_list(values: Sequence[str]) -> str:
    return "[" + ", ".join(lit(v) for v in values) + "]"


def _csv_text(value: str) -> str:
    if any(ch in value for ch in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _shown_while_not_met(shown: List[Tuple[str, List[str]]]) -> List[str]:
    """Parts of the line's concat for values each shown while its condition is not TRUE (emptying
    ``shown``): one value's key and text each their own CASE (a concat of the two copies them
    twice), several values one CASE over a concat of theirs (a test a value costs more)."""
    parts: List[str] = []
    for condition, pieces in shown:
        test = f"q.{quote_name(condition)} IS NOT TRUE"
        if len(pieces) == 2:
            parts += [f"CASE WHEN {test} THEN {piece} END" for piece in pieces]
        else:
            parts.append(f"CASE WHEN {test} THEN concat({', '.join(pieces)}) END")
    shown.clear()
    return parts


def _json_text(expr: str, kind: str) -> str:
    """A value as JSON text, as to_json writes it (exact numbers and dates as text)."""
    if kind in ("BOOLEAN", "BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT"):  # DuckDB writes true / false
        return f"COALESCE(CAST({expr} AS VARCHAR), 'null')"
    if kind.startswith("DECIMAL") or kind == "DATE":
        return f"COALESCE('\"' || CAST({expr} AS VARCHAR) || '\"', 'null')"
    return f"COALESCE(CAST(to_json({_plain(expr, kind)}) AS VARCHAR), 'null')"


def _value_read_text(expr: str, kind: str) -> str:
    """A value read (an ``o_`` column) as JSON text, as ``compact.shortest`` writes it: an exact
    number without the places its type pads it to (``"200000"``, not ``"200000.000000000000"``)."""
    scale = re.fullmatch(r"DECIMAL\(\d+,\s*(\d+)\)", kind)
    if scale is None or scale.group(1) == "0":
        return _json_text(expr, kind)
    return f"COALESCE('\"' || rtrim(rtrim(CAST({expr} AS VARCHAR), '0'), '.') || '\"', 'null')"


def _plain(expr: str, kind: str) -> str:
    """A value as the JSON explanation writes it: exact numbers and dates as text."""
    if kind.startswith("DECIMAL") or kind == "DATE":
        return f"CAST({expr} AS VARCHAR)"
    if kind.endswith("[]") and (kind.startswith("DECIMAL") or kind.startswith("DATE")):
        return f"list_transform({expr}, lambda _v: CAST(_v AS VARCHAR))"
    return expr


def _item_struct(kind: str) -> str:
    """An item of the explanation: its plain fields (lists inside an item are left out)."""
    inner = kind[len("STRUCT("):-len(")[]")]
    fields = []
    for name, sub in _struct_fields(inner):
        if sub.endswith("]"):
            continue
        fields.append(f"{quote_name(name)} := {_plain('_i.' + quote_name(name), sub)}")
    return f"struct_pack({', '.join(fields)})" if fields else "NULL"


def _struct_fields(inner: str) -> List[Tuple[str, str]]:
    """'"a" BOOLEAN, b VARCHAR[]' -> [(a, BOOLEAN), (b, VARCHAR[])], at the top level of nesting."""
    found, depth, start = [], 0, 0
    for index, ch in enumerate(inner + ","):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            part = inner[start:index].strip()
            start = index + 1
            if part.startswith('"'):
                end = part.index('"', 1)
                found.append((part[1:end], part[end + 1:].strip()))
            else:
                name, _, sub = part.partition(" ")
                found.append((name, sub.strip()))
    return found
