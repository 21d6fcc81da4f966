"""Rule references (`@rule-id`) in SQL: the referenced rule's eligibility is compiled into the same
query, and DuckDB gives the Python engine's answers row by row (outcome, amount, each condition,
the values read, the missing facts) on a small policy whose rules refer to others."""

from __future__ import annotations

import datetime as dt

import pytest

duckdb = pytest.importorskip("duckdb", reason="pip install duckdb (the 'sql' extra)")
pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import subsidy_rules  # noqa: E402
from subsidy_rules.claims import coerce_claim  # noqa: E402
from subsidy_rules.ir import reference  # noqa: E402
from subsidy_rules.sql import compile_rule, compiled_query, rule_query  # noqa: E402
from subsidy_rules.sql import run_duckdb as R  # noqa: E402
from subsidy_rules.ir.refs import rule_refs  # noqa: E402
from subsidy_rules.sql.layout import SqlError  # noqa: E402

from sql_claims import claims_for  # noqa: E402
from sql_oracle import differences  # noqa: E402
from sql_ref_policy import RULES, ref_policy_folder, without_some  # noqa: E402

AS_OF = dt.date(2017, 7, 31)
TRAINED = {"rural_registered_poor": True, "attended_entrepreneurship_training": True, "self_employed": True, "age": 30}
HIRES = [{"worker": {"rural_registered_poor": True}, "contract_months": 12, "social_insurance": True}]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return ref_policy_folder(tmp_path_factory.mktemp("refs"))


@pytest.fixture(scope="module")
def policy(folder):
    return subsidy_rules.load_policy(folder)


@pytest.fixture(scope="module")
def con():
    return R.connect()


def check(policy, con, rule, claims, county=None):
    bound = policy.bound_rule(rule, AS_OF, county)
    binder = lambda other: policy.bound_rule(other, AS_OF, county)  # noqa: E731
    full = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb", refs=binder)
    lean = compile_rule(bound, policy.schema, policy.model.parameters, "duckdb", explain=False, refs=binder)
    table = lambda: R.arrow_table(enumerate(claims), policy.schema)  # noqa: E731
    rows = {row.key: row.values for row in R.run_query(con, full, table())}
    problems = []
    for row in R.run_query(con, lean, table()):
        same = {name: rows[row.key].get(name) for name in row.values}
        if row.values != same:
            problems.append(f"{rule} claim {row.key}: lean {row.values} != full {same}")
    refs = policy._ref_resolver(AS_OF, county)
    explain = policy.explainer(rule, AS_OF, county)
    for index, claim in enumerate(claims):
        raw = reference.evaluate(bound, claim, policy.schema, refs)
        problems += [f"{rule} claim {index}: {p}" for p in differences(full, rows[index], raw, bound)]
        problems += [f"{rule} claim {index}: explain: {p}" for p in differences(full, rows[index], explain(claim).raw, bound)]
    return problems


@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_rule_references_match_the_python_engine(policy, con, data):
    problems = []
    for rule in RULES:
        claims = data.draw(st.lists(st.tuples(claims_for(policy.schema, ("employer", "labourer")), st.booleans()),
                                    min_size=8, max_size=8), label=rule)
        claims = [coerce_claim(without_some(c, drop), policy.schema) for c, drop in claims]
        for county in (None, "苍溪县"):
            problems += check(policy, con, rule, claims, county)
    assert problems == []


def test_known_claims(policy, con):
    claims = [coerce_claim(c, policy.schema) for c in (
        {"employer": {"name": "a", "hires": HIRES}, "labourer": TRAINED},           # eligible
        {"employer": {"name": "a", "hires": HIRES}},                               # no labourer: undetermined
        {"employer": {"name": "a", "hires": HIRES}, "labourer": {**TRAINED, "age": 15}},  # w1 ineligible
        {"employer": {"name": "a", "hires": []}, "labourer": {"age": 30}},          # ineligible anyway
    )]
    assert all(check(policy, con, rule, claims) == [] for rule in RULES)
    rows = R.evaluate_claims(policy, "combo", claims, AS_OF)
    assert [r.values["outcome"] for r in rows] == ["eligible", "undetermined", "ineligible", "ineligible"]
    assert rows[1].values["missing"] == ["labourer"]


def test_references_are_found_and_printed_in_every_dialect(policy):
    assert policy.compiled("chain", AS_OF).ir.refers_to == rule_refs(policy.compiled("chain", AS_OF).ir) == ("combo", "w1")
    for dialect in ("duckdb", "postgres", "spark"):
        text = rule_query(policy, "chain", dialect, AS_OF)
        assert "labourer" in text and "hires" in text  # the referenced rules' facts are read in the query
        assert compiled_query(policy, "either", dialect, AS_OF, explain=False).sql()


def test_without_a_binder_a_reference_is_refused(policy):
    bound = policy.bound_rule("combo", AS_OF, None)
    with pytest.raises(SqlError) as info:
        compile_rule(bound, policy.schema, policy.model.parameters, "duckdb")
    assert info.value.code == "Q005"


def test_evaluate_engine_duckdb_writes_the_python_bytes(folder, tmp_path, monkeypatch):
    """End to end on the rules with references: the same output as the Python engine, a claim with
    an entity given as null included (decided by the Python engine, as SQL cannot tell it apart);
    the rules are compiled with their references (one query per county: the values may differ)."""
    import io
    import json

    from subsidy_rules.cli import main
    from subsidy_rules.sql import run_checked as J

    compiled = []
    query = J.query_text
    monkeypatch.setattr(J, "query_text", lambda policy, bound, explain, carry=(): compiled.append((bound.ir.id, bound.jurisdiction))
                        or query(policy, bound, explain, carry))

    lines = [{"as_of": "2017-07-31", "employer": {"name": "a", "hires": HIRES}, "labourer": TRAINED},
             {"as_of": "2017-07-31", "jurisdiction": "苍溪县", "employer": {"name": "x", "hires": HIRES}},
             {"as_of": "2017-07-31", "employer": {"name": "b", "hires": []}, "labourer": None},
             {"as_of": "2017-07-31", "employer": {"name": "c"}, "labourer": {"age": 15}}]
    source = tmp_path / "claims.jsonl"
    source.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    written = {}
    for engine in ("python", "duckdb"):
        out = tmp_path / f"{engine}.jsonl"
        args = ["evaluate", str(source), "--engine", engine, "--out", str(out)]
        for rule in RULES:
            args += ["--rule", rule]
        args += ["--policy", str(folder)]
        code = main(args, stdout=io.StringIO(), stderr=io.StringIO())
        written[engine] = (code, out.read_bytes())
    assert written["python"] == written["duckdb"]
    assert b"undetermined" in written["duckdb"][1] and b"eligible" in written["duckdb"][1]
    assert set(compiled) == {(rule, county) for rule in RULES for county in (None, "苍溪县")}


def test_an_entity_given_as_null_keeps_its_block_from_the_reader(policy):
    """A rule referring to another tells an entity given as null from one left out, and pyarrow's
    reader does not: such a block is checked by DuckDB's JSON checks, whose lines with the null
    entity go to the Python engine; a block whose nulls are facts is typed. Both: the Python bytes."""
    import json

    from subsidy_rules.sql import run_json_lines as J
    from test_sql_json_lines import evaluate

    lines = [{"as_of": "2017-07-31", "employer": {"name": "a", "hires": HIRES}, "labourer": TRAINED},
             {"as_of": "2017-07-31", "employer": {"name": "b", "hires": []}, "labourer": None},
             {"as_of": "2017-07-31", "employer": {"name": "c"}, "labourer": {"age": 15}}]
    for block, path in ((lines, "text"), ([lines[0], lines[2], {**lines[2], "labourer": {"age": None}}], "typed")):
        text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in block)
        before = J.checked_by[path]
        assert evaluate(policy, text, "duckdb") == evaluate(policy, text, "python")
        assert J.checked_by[path] == before + 1


@pytest.fixture(scope="module")
def ending_folder(tmp_path_factory):
    """The reference policy with w1 ending on 2017-06-30: rules that refer to it cross its end."""
    folder = ref_policy_folder(tmp_path_factory.mktemp("ending"))
    path = folder / "rules" / "w1.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("in_force: {from: 2016-01-01}",
                                                             "in_force: {from: 2016-01-01, until: 2017-06-30}"),
                    encoding="utf-8")
    return folder


def test_a_reference_to_a_rule_no_longer_in_force_is_false_even_without_its_entity(ending_folder):
    policy = subsidy_rules.load_policy(ending_folder)
    after = dt.date(2017, 7, 1)
    claims = [coerce_claim(c, policy.schema) for c in (
        {"employer": {"name": "a", "hires": HIRES}},                      # no labourer
        {"employer": {"name": "a", "hires": HIRES}, "labourer": TRAINED},
    )]
    for claim in claims:
        decision = policy.evaluate(claim, "combo", after)[0]
        assert (decision.outcome.value, decision.raw.missing) == ("ineligible", ())  # no fact would settle w1
    rows = R.evaluate_claims(policy, "combo", claims, after)
    assert [(r.values["outcome"], r.values["missing"]) for r in rows] == [("ineligible", [])] * 2


def test_a_rule_with_references_is_decided_afresh_on_each_date(ending_folder):
    """A rule's compiled functions are shared by dates that bind the same values, but not when it
    refers to another rule, whose version and values move with the date."""
    claim = coerce_claim({"employer": {"name": "a", "hires": HIRES}, "labourer": TRAINED}, subsidy_rules.load_policy(ending_folder).schema)
    days = [dt.date(2017, 6, 30), dt.date(2017, 7, 1), dt.date(2017, 6, 30)]
    policy = subsidy_rules.load_policy(ending_folder)
    seen = [policy.evaluate(claim, "per-hire", day)[0].raw.items[0].state for day in days]
    seen += [policy.decider("combo", day)(claim).outcome.value for day in days]
    fresh = [subsidy_rules.load_policy(ending_folder).evaluate(claim, "per-hire", day)[0].raw.items[0].state for day in days]
    fresh += [subsidy_rules.load_policy(ending_folder).decider("combo", day)(claim).outcome.value for day in days]
    assert seen == fresh == [True, False, True, "eligible", "ineligible", "eligible"]
