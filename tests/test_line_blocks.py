"""A JSON Lines file read as blocks of bytes (tables/line_blocks.py) gives read_raw's records:
the same numbers, texts and errors, whatever the line ends, blank lines, BOM, bytes that are not
UTF-8, and wherever a block is cut."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

pa = pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import subsidy_rules  # noqa: E402
from subsidy_rules.tables import readers  # noqa: E402
from subsidy_rules.tables import line_blocks  # noqa: E402
from subsidy_rules.tables.line_blocks import FileBlocks  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = subsidy_rules.load_policy().schema


def by_read_raw(data: bytes, entity=None) -> list:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors=readers.UNDECODED, newline="")
    return [(r.line, r.text, r.error.code if r.error else None, r.entity) for r in readers.read_raw(stream, "jsonl", SCHEMA, entity)]


def by_blocks(data: bytes, block: int, entity=None) -> list:
    found = []
    for part in FileBlocks(io.BytesIO(data), SCHEMA, entity, block=block):
        texts = part.texts.to_pylist()
        assert len(texts) == len(part.numbers) and list(part.numbers) == sorted(part.numbers)
        assert part.entity == entity
        for number, text in zip(part.numbers, texts):
            record = part.record(number)
            assert record.line == number
            assert text == (record.text if record.text is not None else "")  # what DuckDB is given
            found.append((record.line, record.text, record.error.code if record.error else None, record.entity))
    return found


LINE = '{"labourer": {"name": "张三", "age": 30}}'
PIECES = [LINE, '{"id": 1}', "", " ", "\t", "\u3000", "\x1c", "\x85", "\xa0 ", "not json", "{", "中文",
          '{"name": "\\u4e2d"}', "\x0b", "\x0c"]
ENDS = ["\n", "\r\n", "\r"]


@st.composite
def files(draw):
    lines = draw(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(ENDS)), max_size=12))
    data = b"".join(text.encode("utf-8") + end.encode() for text, end in lines)
    if draw(st.booleans()) and data:
        data = data[:-1] if data.endswith(b"\n") or data.endswith(b"\r") else data  # no final line end
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if draw(st.booleans()) and data:
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.sampled_from([b"\xff", b"\xd5\xc5", b"\xe4\xb8", b"\x80"])) + data[at:]
    return data


@settings(max_examples=400, deadline=None)
@given(data=files(), block=st.integers(1, 64), entity=st.sampled_from([None, "labourer"]))
def test_blocks_give_read_raws_records(data, block, entity):
    assert by_blocks(data, block, entity) == by_read_raw(data, entity)


@pytest.mark.parametrize("data", [
    b"", b"\n\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf" + LINE.encode() + b"\r\n",
    LINE.encode() + b"\r" + LINE.encode() + b"\r\n" + LINE.encode(),  # a lone CR ends a line too
    b"  \n" + LINE.encode() + b"\n\xe3\x80\x80\n" + LINE.encode() + b"\n",  # blank lines, an ideographic space
    LINE.encode() + b"\n" + "张三".encode("gbk") + b"\n" + LINE.encode() + b"\n",  # a GBK line among UTF-8
])
@pytest.mark.parametrize("block", [1, 2, 3, 7, 1 << 20])
def test_odd_files(data, block):
    assert by_blocks(data, block) == by_read_raw(data)


@settings(max_examples=400, deadline=None)
@given(data=st.lists(st.sampled_from([b"\n", b"\r", b"\r\n", b"{}", b" ", b"\x85", b"\xe4\xb8\xad", b"\x0b"])).map(b"".join))
def test_line_starts_cut_where_splitlines_cuts(data):
    """The scan for line ends (a file without a CR) and the split (one with a CR) cut alike."""
    expected = [0]
    for line in data.splitlines(keepends=True):
        expected.append(expected[-1] + len(line))
    assert list(line_blocks._line_starts(data)) == expected
    without_cr = data.replace(b"\r", b"")
    assert list(line_blocks._line_starts(without_cr)) == list(itertools.accumulate(
        map(len, without_cr.splitlines(keepends=True)), initial=0))


def test_a_crlf_cut_between_two_reads_is_one_line_end():
    data = (LINE + "\r\n") * 3
    block = len(LINE) + 1  # each read ends between the CR and the LF
    assert [r[0] for r in by_blocks(data.encode(), block)] == [1, 2, 3]
    assert by_blocks(data.encode(), block) == by_read_raw(data.encode())


def test_tell_counts_the_bytes_read():
    data = ((LINE + "\n") * 100).encode()
    blocks = FileBlocks(io.BytesIO(data), SCHEMA, block=1000)
    seen = [blocks.tell() for _ in blocks]
    assert seen == sorted(seen) and seen[0] >= 1000 and blocks.tell() == len(data)


def test_evaluate_reads_odd_json_lines_files_on_duckdb_as_on_python(tmp_path, small_city):
    """End to end: a file with every kind of line end, blank lines, a BOM and a GBK line, through
    `evaluate --engine duckdb` and `--engine python`: the same bytes and the same errors."""
    lines = (small_city / "labourers.jsonl").read_bytes().splitlines()[:60]
    ends = [b"\n", b"\r\n", b"\r", b"\n\n", b"\n \t\n"]
    data = b"\xef\xbb\xbf" + b"".join(line + ends[index % len(ends)] for index, line in enumerate(lines))
    data += json.dumps({"labourer": {"name": "李四"}}, ensure_ascii=False).encode("gbk") + b"\n" + lines[0]
    source = tmp_path / "odd.jsonl"
    source.write_bytes(data)
    outputs = {}
    for engine in ("duckdb", "python"):
        run = subprocess.run([sys.executable, "-m", "subsidy_rules", "evaluate", str(source), "--engine", engine,
                              "--out", str(tmp_path / f"{engine}.jsonl"), "--lang", "en"],
                             capture_output=True, text=True, check=False, cwd=ROOT,
                             env={**__import__("os").environ, "PYTHONPATH": str(ROOT / "src")})
        outputs[engine] = (run.returncode, run.stderr, (tmp_path / f"{engine}.jsonl").read_bytes())
    assert outputs["duckdb"] == outputs["python"]
    assert "T010" in outputs["python"][1] and outputs["python"][0] != 0


def run_file(policy, path: Path, engine: str, entity=None) -> tuple:
    """`evaluate` over a JSON Lines file as the command line runs it: DuckDB reads it by path
    (FileBlocks), the Python engine through read_raw."""
    from subsidy_rules.batch import Summary, evaluate_columns, run
    from subsidy_rules.sql import run_checked
    from subsidy_rules.sql import run_duckdb as R
    from subsidy_rules.tables import open_writer

    out, err, summary = io.StringIO(), io.StringIO(), Summary()
    before = dict(run_checked.decided_by)
    with open(path, encoding="utf-8-sig", newline="", errors=readers.UNDECODED) as stream:
        records = readers.read_raw(stream, "jsonl", policy.schema, entity)
        if engine == "duckdb":
            writer = open_writer(out, "jsonl", R.table_columns("jsonl"), "zh")
            R.run_path(policy, str(path), "jsonl", records, entity=entity, writer=writer, write_error=err.write,
                       summary=summary)
        else:
            writer = open_writer(out, "jsonl", evaluate_columns("jsonl"), "zh")
            run(policy, "", records, writer=writer, write_error=err.write, summary=summary)
        writer.close()
    sql = run_checked.decided_by["sql"] - before.get("sql", 0)
    return out.getvalue(), err.getvalue(), summary.table("zh") + summary.reconciliation("zh"), sql


@pytest.fixture(scope="module")
def city(small_city):
    return small_city


def test_the_city_read_by_path_is_decided_in_sql_as_the_python_engine_decides_it(city):
    policy = subsidy_rules.load_policy()
    for path in sorted(city.glob("*.jsonl")):
        *duckdb, sql = run_file(policy, path, "duckdb")
        *python, _ = run_file(policy, path, "python")
        assert duckdb == python, path.name
        assert sql > 0, path.name


def test_bare_records_read_by_path(city, tmp_path):
    """`--entity labourer` over a file of bare labourer records (odd lines among them), by path."""
    policy = subsidy_rules.load_policy()
    lines = (city / "labourers.jsonl").read_text(encoding="utf-8").splitlines()[:80]
    bare = []
    for index, line in enumerate(lines):
        record = json.loads(line)
        fields = dict(record.pop("labourer"), **{k: v for k, v in record.items() if k in ("id", "as_of")})
        bare.append(json.dumps(fields, ensure_ascii=False))
        if index % 20 == 3:
            bare += ["", "  ", '{"age": "thirty"}', "not json", json.dumps({"labourer": {"age": 30}})]
    source = tmp_path / "bare.jsonl"
    source.write_text("\r\n".join(bare) + "\r\n", encoding="utf-8")
    *duckdb, sql = run_file(policy, source, "duckdb", "labourer")
    *python, _ = run_file(policy, source, "python", "labourer")
    assert duckdb == python
    assert sql == 80 and "C0" in python[1]  # the bare records in SQL, the odd lines in Python
