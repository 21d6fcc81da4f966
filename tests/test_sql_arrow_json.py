"""JSON Lines blocks typed by pyarrow's JSON reader (sql/arrow_json.py) and checked as typed
columns: a block is taken only when every line is read as Python reads it, and then the output
is the Python engine's byte for byte."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (the 'sql' extra)")
pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")

import pyarrow as pa  # noqa: E402
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import subsidy_rules  # noqa: E402
from subsidy_rules.sql import run_json_lines as J  # noqa: E402
from subsidy_rules.sql import arrow_json  # noqa: E402

from test_sql_json_lines import BASES, ODD_VALUES, _paths, _put, assert_same, evaluate  # noqa: E402


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


def typed_block(schema, texts):
    """The reader's table when it typed every line of the block, else None."""
    typed = arrow_json.typed_block(schema, texts)
    return typed.table if typed is not None and not typed.refused else None


def _texts(*lines: str):
    return pa.array([line + "\n" for line in lines], pa.large_string())


LABOURER = {"id": "L1", "as_of": "2017-07-31", "jurisdiction": "利州区",
            "labourer": {"age": 37, "rural_registered_poor": True, "employment_status": "farming"}}


def _line(**changes) -> str:
    claim = copy.deepcopy(LABOURER)
    claim.update(changes)
    return json.dumps(claim, ensure_ascii=False)


def test_a_clean_block_is_typed_one_row_a_line(policy):
    table = typed_block(policy.schema, _texts(_line(), _line(id="L2")))
    assert table is not None and table.num_rows == 2
    assert table.column_names == ["as_of", "jurisdiction", "id", "labourer"]  # entities the block names only
    assert table.column("id").to_pylist() == ["L1", "L2"]
    assert table.column("labourer").to_pylist()[0]["age"] == 37


@pytest.mark.parametrize("line", [
    _line(labourer=None),  # an entity given as null is not one left out (a rule referring to another tells them apart)
    _line(as_of=None),  # Python refuses a date given as null; the reader reads it as left out
    _line(as_of=None).replace('"as_of": null', '"as_of" :null'),
    _line(as_of=None).replace('"as_of"', '"as\\u005fof"'),  # a key written with an escape before a null
    _line(labourer=None).replace('"labourer"', '"\\u006cabourer"'),
    "\ufeff" + _line(),  # a BOM at the start of a line: Python refuses it
    _line(id=7),  # a number as the id: read as text, so the block is json_checks.py's
    _line(id=""), _line(as_of=""), _line(jurisdiction=""),  # empty text is given in JSON, not in a typed cell
    _line(labourer={"age": 37.0}),  # a whole number written with a point
    _line(labourer={"age": "37"}),
    _line(labourer={"startup_subsidy_applied": "1500.50"}),  # a decimal as text
    # numbers not whole that a double does not hold as Python reads them: more than 15 digits,
    # more than 12 decimals, an exponent, a negative zero
    *[_line().replace('"rural_registered_poor"', f'"startup_subsidy_applied": {number}, "rural_registered_poor"')
      for number in ("1.0000000000000001", "0.1234567890123", "1e3", "1.5E2", "-0.0")],
    _line(labourer={"rural_registered_poor": 1}),
    _line(labourer={"age": 37, "shoe_size": 42}),  # a key the schema does not have
    _line(note="x"),
    _line() + " " + _line(),  # two records on one line
    _line()[:-1] + ',"id": "L9"}',  # a repeated key: Python keeps the last
    _line()[:-1] + ",}",  # a trailing comma
    _line().replace("37", "NaN"),
    _line().replace("利州区", "利州区\t"),  # a raw control character
])
def test_a_block_holding_a_line_read_otherwise_goes_to_the_json_checks(policy, line):
    assert typed_block(policy.schema, _texts(_line(), line)) is None
    assert typed_block(policy.schema, _texts(line, _line())) is None  # first: where the reader skips a BOM
    assert typed_block(policy.schema, _texts(_line())) is not None


REFUSED = [
    _line(labourer={"age": "thirty"}),  # a type the schema does not give
    _line()[:-1],  # not JSON
    _line(labourer={"age": 37, "favourite_colour": "blue"}),  # a key the schema lacks
    _line() + " " + _line(),  # two records on one line
    _line(labourer={"age": 37.5}),  # a fraction in a whole number
]


@pytest.mark.parametrize("at", [0, 1, 7, 19])
def test_a_block_with_lines_the_reader_refuses_is_typed_but_those(policy, at):
    """The reader refuses a block when it refuses one line; its halves are read, down to the lines
    it refuses: those are rows of nulls that Python decides, the others are typed and decided in SQL."""
    good = [_line(id=f"L{index}", labourer={"age": 20 + index, "rural_registered_poor": True}) for index in range(20)]
    lines = good[:at] + REFUSED + good[at:]
    typed = arrow_json.typed_block(policy.schema, _texts(*lines))
    assert typed is not None and typed.refused == tuple(range(at, at + len(REFUSED)))
    ids = typed.table.column("id").to_pylist()
    assert ids == [None if index in typed.refused else json.loads(line)["id"] for index, line in enumerate(lines)]
    assert typed.table.column("labourer").to_pylist()[at + len(REFUSED)]["age"] == 20 + at
    before = dict(J.decided_by)
    assert_same(policy, "\n".join(lines) + "\n")
    assert J.decided_by["sql"] - before.get("sql", 0) == 2 * len(good)  # jsonl and csv
    assert J.decided_by["python"] - before.get("python", 0) == 2 * len(REFUSED)


def test_a_block_the_reader_refuses_more_of_goes_to_the_json_checks(policy):
    many = [_line(id=f"L{index}", labourer={"age": "thirty"}) for index in range(arrow_json.MAX_REFUSED + 1)]
    assert arrow_json.typed_block(policy.schema, _texts(_line(), *many)) is None
    assert arrow_json.typed_block(policy.schema, _texts(*many[:3])) is None  # every line refused
    assert arrow_json.typed_block(policy.schema, _texts(_line(), *many[:3])).refused == (1, 2, 3)
    employer = json.dumps({"id": "E1", "employer": {"name": "企业"}}, ensure_ascii=False)
    assert arrow_json.typed_block(policy.schema, _texts(*[_line()] * arrow_json.SAMPLE, employer)) is None  # another entity


def test_a_decimal_is_read_as_a_double_only_when_a_whole_number_would_not_do(policy):
    whole = typed_block(policy.schema, _texts(_line(labourer={"startup_subsidy_applied": 1500})))
    point = typed_block(policy.schema, _texts(_line(labourer={"startup_subsidy_applied": 1500.5})))
    assert whole.schema.field("labourer").type.field("startup_subsidy_applied").type == pa.int64()
    assert point.schema.field("labourer").type.field("startup_subsidy_applied").type == pa.float64()
    assert point.column("labourer").to_pylist()[0]["startup_subsidy_applied"] == 1500.5


def test_the_reader_reads_doubles_first_only_when_the_first_lines_hold_a_fraction(policy, monkeypatch):
    reads = []
    real = arrow_json._read_or_why
    monkeypatch.setattr(arrow_json, "_read_or_why", lambda text, shape: reads.append(shape) or real(text, shape))
    point = _line(labourer={"startup_subsidy_applied": 1500.5})
    later = [_line(id=f"L{index}") for index in range(arrow_json.SAMPLE)] + [point]
    for lines, kinds in (([point], [pa.float64()]), ([_line()], [pa.int64()]), (later, [pa.int64(), pa.float64()])):
        reads.clear()
        table = typed_block(policy.schema, _texts(*lines))
        read_as = [shape.field("labourer").type.field("startup_subsidy_applied").type for shape in reads]
        assert table is not None and read_as == kinds, lines[-1]
        assert table.column("labourer").to_pylist()[-1]["startup_subsidy_applied"] in (1500.5, None)


def test_decimals_read_as_doubles_give_the_python_engines_bytes(policy):
    numbers = ["0.0523", "1500.50", "2.61", "123456789012.345", "0.000000000001", "99999999999999.9", "-12.5", "7"]
    lines = [_line(id=f"L{index}").replace('"rural_registered_poor"', f'"startup_subsidy_applied": {number}, '
                                                                        '"rural_registered_poor"')
             for index, number in enumerate(numbers)]
    before = J.checked_by["typed"]
    assert_same(policy, "\n".join(lines) + "\n")
    assert J.checked_by["typed"] > before


def test_a_number_a_double_holds_otherwise_keeps_its_block_from_the_doubles(policy):
    """Numbers whose text is not their double's shortest form (1.0000000000000001 is the double
    1.0, which Python does not read it as): a block holding one is not read with doubles, the
    line holding it is refused by the reader (read as whole numbers, the others are typed) and
    decided by Python, and the output is the Python engine's."""
    numbers = ["1.0000000000000001", "0.10000000000000000555", "2.6100000000000001", "1500.50000000000000001", "-0.0",
               "1.5e2", "12345678901234.56"]
    lines = [_line(id=f"L{index}").replace('"rural_registered_poor"', f'"startup_subsidy_applied": {number}, '
                                                                        '"rural_registered_poor"')
             for index, number in enumerate(numbers)]
    for line in lines:
        before, refused = J.checked_by["typed"], J.checked_by["refused"]
        assert_same(policy, _line() + "\n" + line + "\n")
        typed = J.checked_by["typed"] - before
        assert typed > 0 and J.checked_by["refused"] - refused == typed, line  # one line refused a block


def test_a_whole_number_past_what_a_claim_holds_is_typed_and_left_to_python(policy):
    line = _line().replace('"rural_registered_poor"', '"startup_subsidy_applied": 1234567890123456, "rural_registered_poor"')
    before, handed = J.checked_by["typed"], J.decided_by["python"]
    assert_same(policy, _line() + "\n" + line + "\n")
    assert J.checked_by["typed"] > before and J.decided_by["python"] > handed


def test_a_line_read_raw_rejects_keeps_the_block_from_the_reader(policy):
    """A rejected line's text is empty; with it, a line of two records would give as many rows as
    there are lines, each row the wrong line's."""
    two = _line() + _line(id="L2")
    assert typed_block(policy.schema, pa.array([two + "\n", ""], pa.large_string())) is None


def test_the_city_is_typed_by_the_reader_and_written_byte_for_byte(policy, small_city):
    for name in ("labourers", "counties", "agencies", "villages"):
        before = J.checked_by["typed"]
        assert_same(policy, (small_city / f"{name}.jsonl").read_text(encoding="utf-8"))
        assert J.checked_by["typed"] > before, name


def _typed_alone(policy, line: str) -> bool:
    return typed_block(policy.schema, _texts(line)) is not None


def _by_keys(policy, lines):
    """Lines grouped by the entities they name (the reader is told the entities of a block's first
    lines) and by whether their decimals were read as doubles (a block is read so only when it
    holds no number a double does not hold, which a line read as whole numbers may)."""
    groups: dict = {}
    for line in lines:
        schema = typed_block(policy.schema, _texts(line)).schema
        groups.setdefault((tuple(sorted(json.loads(line))), pa.float64() in _types(schema)), []).append(line)
    return groups.values()


def _types(schema):
    found = []
    for field in schema:
        kind = field.type
        while pa.types.is_list(kind):
            kind = kind.value_type
        found += _types(list(kind)) if pa.types.is_struct(kind) else [kind]
    return found


@pytest.mark.parametrize("line", [
    _line(labourer={"age": None}), _line(id=None), _line(jurisdiction=None),
    _line(labourer={"age": 37, "rural_registered_poor": None, "name": None}),
    json.dumps({"as_of": "2017-07-31", "employer": {"name": "x", "hires": [None, {"contract_months": None}]}}),
    json.dumps({"as_of": "2017-07-31", "employer": {"name": "x", "hires": None}}),
    json.dumps({"as_of": "2017-07-31", "employer": {"name": "x", "hires": [{"worker": None}]}}),
])
def test_a_null_the_reader_reads_as_python_is_typed(policy, line):
    """A fact, an id, a jurisdiction, a list, a list item or a record given as null: typed, and the
    Python engine's bytes."""
    assert typed_block(policy.schema, _texts(line)) is not None
    before = J.checked_by["typed"]
    assert_same(policy, line + "\n")
    assert J.checked_by["typed"] > before


def test_null_in_every_place_the_reader_types(policy):
    """Null (and a list of one null) in every place of every example claim in turn, the claim's own
    keys included: the lines the reader types alone give the Python engine's bytes, and with
    --explain the same rows as DuckDB's JSON checks give them."""
    lines = []
    for base in BASES:
        for path in _paths(base):
            for value in (None, [None]):
                changed = copy.deepcopy(base)
                try:
                    _put(changed, path, copy.deepcopy(value))
                except (TypeError, IndexError, KeyError):
                    continue
                line = json.dumps(changed, ensure_ascii=False)
                if path and _typed_alone(policy, line):
                    lines.append(line)
    assert len(lines) > 600
    for group in _by_keys(policy, lines):
        text = "\n".join(group) + "\n"
        before = J.checked_by["typed"]
        assert_same(policy, text)
        assert J.checked_by["typed"] > before
        typed = evaluate(policy, text, "duckdb", explain=True)
        with pytest.MonkeyPatch.context() as patched:
            patched.setattr(J, "typed_block", lambda schema, texts: None)
            assert evaluate(policy, text, "duckdb", explain=True) == typed


READER_VALUES = [v for v in ODD_VALUES if v is not None and v != [None]]


@st.composite
def typed_lines(draw):
    """Example claims with values changed to odd ones that the reader still reads."""
    base = copy.deepcopy(draw(st.sampled_from(BASES)))
    for _ in range(draw(st.integers(0, 4))):
        paths = [p for p in _paths(base) if p and p[0] not in ("id", "as_of", "jurisdiction")]
        path = draw(st.sampled_from(paths))
        value = draw(st.sampled_from(ODD_VALUES + [10 ** 15, -(10 ** 15) + 1, 0, "", " x ", "\u00e9", "😀", "a\u0000b"]))
        try:
            _put(base, path, copy.deepcopy(value))
        except (TypeError, IndexError, KeyError):
            pass
    return json.dumps(base, ensure_ascii=draw(st.booleans()), separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(lines=st.lists(typed_lines(), min_size=1, max_size=8))
def test_any_block_the_reader_types_gives_the_python_engines_bytes(policy, lines):
    for group in _by_keys(policy, [line for line in lines if _typed_alone(policy, line)]):
        before = J.checked_by["typed"]
        assert_same(policy, "\n".join(group) + "\n")
        assert J.checked_by["typed"] > before


def test_every_odd_value_the_reader_types(policy):
    """Each value of each example changed to each odd value in turn; the lines the reader types
    alone, run together per entity: the Python engine's bytes, and the reader was used."""
    lines = []
    for base in BASES:
        for path in _paths(base):
            if not path or path[0] in ("id", "as_of", "jurisdiction"):
                continue
            for value in READER_VALUES:
                changed = copy.deepcopy(base)
                _put(changed, path, copy.deepcopy(value))
                line = json.dumps(changed, ensure_ascii=False)
                if _typed_alone(policy, line):
                    lines.append(line)
    assert len(lines) > 300
    for group in _by_keys(policy, lines):
        before = J.checked_by["typed"]
        assert_same(policy, "\n".join(group) + "\n")
        assert J.checked_by["typed"] > before


def _typed_rows(policy, lines):
    """The checked table's rows of lines the reader typed (None when it does not type them):
    (ok, {entity: record as DuckDB holds it})."""
    from subsidy_rules.sql.connection import connect

    typed = typed_block(policy.schema, _texts(*lines))
    if typed is None:
        return None
    con = connect()
    J._check_typed(con, policy, pa.array(range(1, len(lines) + 1), pa.int64()), typed, ())
    entities = [name for name in typed.column_names if name in policy.schema.entities]
    cursor = con.execute(f"SELECT ok, {', '.join(entities)} FROM checked ORDER BY line")
    return [(row[0], dict(zip(entities, row[1:]))) for row in cursor.fetchall()]


def _same_record(held, given):
    """A record as DuckDB holds it (every field, NULL when not given) is the coerced one."""
    if isinstance(held, dict):
        return isinstance(given, dict) and all(_same_record(value, given.get(name)) for name, value in held.items())
    if isinstance(held, list):
        return isinstance(given, list) and len(held) == len(given) and all(map(_same_record, held, given))
    if isinstance(held, Decimal):  # a decimal fact given whole is an int to Python: the same number
        return type(given) in (int, Decimal) and held == given
    return held == given and type(held) is type(given)


@pytest.mark.parametrize("decimals", ["whole", "doubles"])
def test_every_fact_the_checks_vouch_for_is_typed_as_python_types_it(policy, decimals):
    """The typed checks' records (a struct cast whole, or built field by field) hold what
    coerce_claim makes of each line, every fact — not only those a rule reads — on every example
    claim; with ``doubles`` each decimal is given with digits a double holds only to its 15th."""
    from subsidy_rules.claims import coerce_claim

    decimal_fields = {field.name for entity in policy.schema.entities.values() for field in entity.fields.values()
                      if field.type in ("decimal", "money")}
    given = set()  # lines with a decimal given as such a number
    numbers = iter(["123456789012.345", "0.000000000001", "99999999999999.9", "2.61", "-12.5", "1500.05"] * 400)
    lines = []
    for base in BASES:
        claim = copy.deepcopy(base)
        if decimals == "doubles":
            for path in [p for p in _paths(claim) if p]:
                target = claim
                for part in path[:-1]:
                    target = target[part]
                if isinstance(target, dict) and path[-1] in decimal_fields and target[path[-1]] is not None:
                    target[path[-1]] = "\u0000N\u0000"
            text = json.dumps(claim, ensure_ascii=False)
            while '"\\u0000N\\u0000"' in text:
                text = text.replace('"\\u0000N\\u0000"', next(numbers), 1)
                given.add(text)
        else:
            text = json.dumps(claim, ensure_ascii=False)
        lines.append(text)
    checked = with_doubles = 0
    for line in lines:
        typed = _typed_rows(policy, [line])
        if typed is None or not typed[0][0]:  # not typed by the reader, or not vouched for: Python's
            continue
        claim = coerce_claim(json.loads(line, parse_float=Decimal), policy.schema, policy.info.counties)
        for name, held in typed[0][1].items():
            assert _same_record(held, claim.get(name)), (name, line)
        checked += 1
        with_doubles += line in given
    assert checked > 20 and (with_doubles > 5 or decimals == "whole")
