"""Nothing from a rule file or a mapping file is injected into SQL: names come only from the fact
schema or a checked mapping, and rule text reaches SQL only as escaped literals."""

from __future__ import annotations

import datetime
import shutil

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import subsidy_rules
from subsidy_rules.claims import coerce_claim
from subsidy_rules.sql import SqlError, compiled_query, load_mapping

sqlglot = pytest.importorskip("sqlglot")
duckdb = pytest.importorskip("duckdb")

NASTY = "x'); DROP TABLE claims; -- /* \\' \" ;"


@pytest.fixture
def nasty_policy(tmp_path):
    folder = tmp_path / "policy"
    shutil.copytree(subsidy_rules.bundled_policy_dir(), folder)
    rule = folder / "rules" / "hiring-award.yaml"
    text = rule.read_text(encoding="utf-8")
    quoted = NASTY.replace("\\", "\\\\").replace('"', '\\"')
    text = text.replace('''    expr: employer.kind == "enterprise"''',
                        f'''    expr: employer.kind == "enterprise" and employer.name != "{quoted}"''')
    text = text.replace("label: {zh: 申报单位为企业, en: The claimant is an enterprise}",
                        "label: {zh: \"申报'单位; --\", en: \"it's; DROP TABLE claims; --\"}")
    rule.write_text(text, encoding="utf-8")
    return subsidy_rules.load_policy(folder)


def test_rule_text_becomes_literals_only(nasty_policy):
    import datetime as dt

    day = dt.date(2017, 7, 31)
    for dialect in ("duckdb", "postgres", "spark"):
        query = compiled_query(nasty_policy, "hiring-award", dialect, day)
        text = query.sql()
        statements = sqlglot.parse(text, dialect=dialect)
        assert len(statements) == 1  # one statement: nothing ended it early
        literals = {lit.this for lit in statements[0].find_all(sqlglot.exp.Literal) if lit.is_string}
        assert NASTY in literals  # the text survived intact, as a literal
        assert "DROP TABLE claims" not in text.replace(_escaped(NASTY, dialect), "")
        assert "it's" not in text  # labels never reach SQL


def _escaped(value: str, dialect: str) -> str:
    return sqlglot.exp.Literal.string(value).sql(dialect=dialect)


def test_nasty_literal_runs_and_matches_in_duckdb(nasty_policy):
    import datetime as dt

    from subsidy_rules.sql import run_duckdb as R

    day = dt.date(2017, 7, 31)
    claims = [{"employer": {"kind": "enterprise", "name": NASTY, "hires": []}},
              {"employer": {"kind": "enterprise", "name": "ok", "hires": []}}]
    claims = [coerce_claim(c, nasty_policy.schema) for c in claims]
    con = R.connect()
    query = compiled_query(nasty_policy, "hiring-award", "duckdb", day)
    rows = {r.key: r.values for r in R.run_query(con, query, R.arrow_table(enumerate(claims), nasty_policy.schema))}
    assert rows[0]["c_is_enterprise"] is False and rows[1]["c_is_enterprise"] is True
    assert con.execute("SELECT 1").fetchone() == (1,)


@pytest.mark.parametrize("text,where", [
    ('table: "claims; DROP TABLE x"\n', "2:8"),
    ('key: "line --"\n', "1:6"),
    ("entities:\n  employer: 'e\"; DROP'\n", "2:13"),
    ("facts:\n  labourer.age: \"age) --\"\n", "2:17"),
    ('key: "line\\n"\n', "1:6"),  # a name ending in a line break: `$` in a pattern would let it by
])
def test_mapping_names_that_try_to_inject_are_refused(tmp_path, text, where):
    policy = subsidy_rules.load_policy()
    path = tmp_path / "mapping.yaml"
    path.write_text("# mapping\n" + text if where.startswith("2") and not text.startswith(("entities", "facts")) else text,
                    encoding="utf-8")
    with pytest.raises(SqlError) as caught:
        load_mapping(path, policy.schema)
    message = caught.value.message("en")
    assert f"{path}:{where}" in message and "not a valid SQL name" in message


@pytest.mark.parametrize("text,shown", [
    ("table: null\n", "null"), ("table: true\n", "true"), ("table: 5\n", "5"), ("table: [a, b]\n", "['a', 'b']"),
    ('table: "a..b"\n', "'a..b'"), ("table: a.b.c.d\n", "'a.b.c.d'"), ("key: null\n", "null"),
    ("entities:\n  labourer: [a]\n", "['a']"),
])
def test_a_mapping_name_that_is_no_text_is_refused_as_written(tmp_path, text, shown):
    """null and true are not the tables "None" and "True"; the whole dotted name is shown, not its empty part."""
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SqlError) as caught:
        load_mapping(path, subsidy_rules.load_policy().schema)
    assert f"[Q002] " in caught.value.message("en") and f"not a valid SQL name: {shown} (" in caught.value.message("en")


def test_mapping_unknown_fact_and_key(tmp_path):
    policy = subsidy_rules.load_policy()
    path = tmp_path / "mapping.yaml"
    path.write_text("facts:\n  labourer.agee: nl_age\n", encoding="utf-8")
    with pytest.raises(SqlError, match="labourer.agee"):
        load_mapping(path, policy.schema)
    path.write_text("tabel: x\n", encoding="utf-8")
    with pytest.raises(SqlError, match="did you mean 'table'"):
        load_mapping(path, policy.schema)
    path.write_text("entities:\n  employr: e\n", encoding="utf-8")
    with pytest.raises(SqlError) as caught:
        load_mapping(path, policy.schema)
    assert "[Q003] entity 'employr' in the mapping file is not in the fact schema" in caught.value.message("en")
    assert "映射文件中的实体 “employr”不在事实模式中,是否想写 “employer”" in caught.value.message("zh")


def test_mapping_places_facts_in_named_columns(tmp_path):
    import datetime as dt

    policy = subsidy_rules.load_policy()
    path = tmp_path / "mapping.yaml"
    path.write_text("table: hr.rural_labour\nkey: person_id\nfacts:\n  labourer.rural_registered_poor: is_poor\n"
                    "  labourer.entrepreneurship_training_attended: trained\n"
                    "entities:\n  labourer: person\n", encoding="utf-8")
    layout = load_mapping(path, policy.schema)
    text = compiled_query(policy, "entrepreneurship-training-subsidy", "duckdb", dt.date(2017, 7, 31), mapping=layout).sql()
    assert '"hr"."rural_labour"' in text and '"c"."person_id"' in text and '"c"."is_poor"' in text
    assert '"c"."person"."employment_status"' in text
    con = duckdb.connect()
    con.execute("CREATE SCHEMA hr")
    con.execute("CREATE TABLE hr.rural_labour (person_id BIGINT, is_poor BOOLEAN, trained BOOLEAN, "
                "person STRUCT(employment_status VARCHAR, organising_business BOOLEAN))")
    con.execute("INSERT INTO hr.rural_labour VALUES (1, true, true, {'employment_status': 'self_employed', 'organising_business': false}),"
                " (2, false, true, NULL), (3, NULL, true, {'employment_status': 'farming', 'organising_business': NULL})")
    rows = {r[0]: r for r in con.execute(text).fetchall()}
    assert [rows[k][1] for k in (1, 2, 3)] == ["eligible", "ineligible", "undetermined"]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")))
def test_json_checks_literals_read_back_as_the_text(text):
    """The JSON checks' literals (enum values, county names, output words) are escaped by doubling
    quotes alone: DuckDB reads each back as the same text, the same as sqlglot writes it, and a
    query built with it stays one literal."""
    from sqlglot import exp

    from subsidy_rules.sql.json_checks import lit

    assert lit(text) == exp.Literal.string(text).sql(dialect="duckdb")
    assert duckdb.sql(f"SELECT {lit(text)} AS v").fetchall() == [(text,)]
    for nasty in (NASTY, text + "'; SELECT 1; --"):
        assert duckdb.sql(f"SELECT {lit(nasty)} AS v").fetchall() == [(nasty,)]


@pytest.mark.parametrize("text,where,words", [
    ("facts:\n  labourer.age: col1\n  labourer.returnee: COL1\n", "3:22", "'labourer.returnee' in the mapping file names the column 'COL1', which fact 'labourer.age' already uses"),
    ("entities:\n  labourer: x\n  employer: x\n", "3:13", "'employer' in the mapping file names the column 'x', which entity 'labourer' already uses"),
    ("key: labourer\n", "1:6", "which entity 'labourer' already uses"),
    ("facts:\n  labourer.age: line\n", "2:17", "which the key column already uses"),
    ("facts:\n  labourer.age: employer\n", "2:17", "which entity 'employer' already uses"),
    ("facts:\n  labourer.age: _outcome\n", "2:17", "starts with an underscore"),
    ("key: _key\n", "1:6", "starts with an underscore"),
])
def test_a_mapping_gives_each_column_one_thing_and_none_of_the_querys_own_names(tmp_path, text, where, words):
    """Two facts in one column would answer each other's questions; a name the query uses for its own
    columns (they start with an underscore) would be read in their place."""
    policy = subsidy_rules.load_policy()
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SqlError) as caught:
        load_mapping(path, policy.schema)
    assert f"{path}:{where}" in caught.value.message("en") and words in caught.value.message("en")
    assert "一列只能放一项" in caught.value.message("zh") or "下划线" in caught.value.message("zh")


@pytest.mark.parametrize("text,en,zh", [
    ("facts:\n  labourer.age: a\n  labourer.age: b\n", "duplicate key 'labourer.age' (first at 2:3)", "重复的键"),
    ("facts:\n\tlabourer.age: a\n", "indented with a tab", "Tab"),
    ("a: &x 1\nb: *x\n", "aliases", "别名"),
])
def test_a_mapping_files_yaml_mistakes_are_said_in_words(tmp_path, text, en, zh):
    policy = subsidy_rules.load_policy()
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SqlError) as caught:
        load_mapping(path, policy.schema)
    assert en in caught.value.message("en") and zh in caught.value.message("zh")
    assert f"{path}:" in caught.value.message("en")


def test_a_schema_the_default_layout_cannot_hold_is_refused_in_words(tmp_path):
    """An entity named like the key column, or two fields that differ only in case (DuckDB and Spark
    compare names without case), would make a query that fails or reads one for the other."""
    from subsidy_rules.resources import bundled_policy_dir

    for edit, words in (
        (("  labourer:\n", "  line:\n"), "the key column has the column name 'line', which entity 'line' already uses"),
        (("      name:            {type: text,    label: {zh: 姓名, en: Name}}",
          "      Name: {type: text, label: {zh: 名, en: N}}\n      name:            {type: text,    label: {zh: 姓名, en: Name}}"),
         "has fields 'Name' and 'name', which differ only in case"),
    ):
        folder = tmp_path / f"p{len(words)}"
        shutil.copytree(bundled_policy_dir(), folder)
        schema = folder / "schema.yaml"
        text = schema.read_text(encoding="utf-8")
        assert edit[0] in text
        schema.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
        policy, diagnostics = subsidy_rules.check_policy(folder)
        if policy is None:  # renaming an entity the rules read breaks them: the layout is checked on its own
            from subsidy_rules.load import load_model
            from subsidy_rules.sql.layout import DEFAULT_LAYOUT, check_layout

            with pytest.raises(SqlError) as caught:
                check_layout(DEFAULT_LAYOUT, load_model(folder)[0].schema)
        else:
            with pytest.raises(SqlError) as caught:
                compiled_query(policy, "hiring-award", "duckdb", datetime.date(2017, 7, 31))
        assert words in caught.value.message("en"), caught.value.message("en")
