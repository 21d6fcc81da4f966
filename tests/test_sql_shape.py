"""The shape of the generated SQL: every value is written once (structural checks, no engine needed).

The query names each value once, as a column of a layer, and what needs it reads the column
(sql/layers.py). These tests fail if an expression is copied back in where it is read: a per-item
state inside every field of the item, a count over the items repeated in each test of it."""

from __future__ import annotations

import collections
import datetime as dt

import pytest
from sqlglot import exp

import subsidy_rules
from subsidy_rules.sql import compile_rule

AS_OF = dt.date(2017, 7, 31)


@pytest.fixture(scope="module")
def policy():
    return subsidy_rules.load_policy()


def query(policy, rule: str, dialect: str, explain: bool) -> exp.Expression:
    bound = policy.bound_rule(rule, AS_OF, None)
    return compile_rule(bound, policy.schema, policy.model.parameters, dialect, explain=explain).tree


def list_passes(tree: exp.Expression, dialect: str) -> collections.Counter:
    """Each pass over a list (a function given a lambda; in PostgreSQL a sub-select), by its SQL text."""
    found: collections.Counter = collections.Counter()
    for node in tree.walk():
        if dialect != "postgres" and isinstance(node, exp.Lambda) and node.parent is not None:
            found[node.parent.sql(dialect=dialect)] += 1
        elif dialect == "postgres" and isinstance(node, exp.Select) and not isinstance(node.parent, exp.Subquery) \
                and node is not tree:
            found[node.sql(dialect=dialect)] += 1
    return found


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
@pytest.mark.parametrize("explain", [False, True])
def test_no_pass_over_a_list_is_written_twice(policy, dialect, explain):
    repeated = {}
    for rule in policy.rule_ids:
        passes = list_passes(query(policy, rule, dialect, explain), dialect)
        repeated.update({(rule, text[:120]): n for text, n in passes.items() if n > 1})
    assert repeated == {}


def implied_poor_household(tree: exp.Expression) -> int:
    """How many times the query reads an item's poor_household as the implied fact (given, else implied)."""
    return sum(1 for node in tree.find_all(exp.Coalesce)
               if isinstance(node.this, exp.Dot) and node.this.expression.name == "poor_household")


@pytest.mark.parametrize("explain", [False, True])
def test_each_items_state_is_written_once(policy, explain):
    # hiring-award: once where each hire's state is computed, once in the facts still unknown
    # (built only for a claim with a hire of unknown state); never again in each field of an item
    tree = query(policy, "hiring-award", "duckdb", explain)
    assert implied_poor_household(tree) == 2
    # employment-base counts hires that are poor-household workers: once into the list it counts,
    # once in the facts still unknown
    assert implied_poor_household(query(policy, "employment-base", "duckdb", explain)) == 2


def test_counts_over_the_items_read_the_item_list(policy):
    """The counts (true, unknown) each pass over the list of item states, not over the claim's items."""
    tree = query(policy, "hiring-award", "duckdb", False)
    over_states = [n for n in tree.find_all(exp.Anonymous) if n.name.upper() == "LIST_FILTER"
                   and isinstance(n.expressions[0], exp.Column) and n.expressions[0].name == "__items"]
    assert len(over_states) == 2
    over_hires = [n for n in tree.find_all(exp.Anonymous) if n.name.upper() in ("LIST_TRANSFORM", "LIST_FILTER")
                  and n.expressions[0].sql(dialect="duckdb") == '"c"."employer"."hires"']
    assert len(over_hires) == 2  # the states, and the facts still unknown


def test_the_implied_fact_is_a_coalesce(policy):
    """`if known(b) then b else (if a then true else b)` is written COALESCE(b, a OR b): no nested CASE."""
    tree = query(policy, "hiring-award", "duckdb", False)
    items = next(a for a in tree.find_all(exp.Alias) if a.alias.endswith("_items"))  # the per-item list
    assert not list(items.find_all(exp.Case))


def named_values(tree: exp.Expression) -> dict:
    """The claim-level conditions, criteria and classes the query names (``_c_…``, ``_k_…``), by name."""
    def bare(value: exp.Expression) -> bool:  # a fact or a column read as it is: read wherever it is needed
        while isinstance(value, exp.Paren):
            value = value.this
        return isinstance(value, (exp.Column, exp.Dot, exp.Literal, exp.Boolean))

    return {node.alias: node.this for node in tree.find_all(exp.Alias)
            if node.alias.startswith(("_c_", "_k_")) and not bare(node.this)}


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
@pytest.mark.parametrize("explain", [False, True])
def test_a_conditions_value_is_written_once(policy, dialect, explain):
    """The missing facts test a condition's value by reading its column, not by writing the
    condition again (a query twice the size costs DuckDB twice the time to plan)."""
    repeated = {}
    for rule in policy.rule_ids:
        tree = query(policy, rule, dialect, explain)
        texts = collections.Counter(node.sql(dialect=dialect) for node in tree.walk()
                                    if isinstance(node, (exp.Paren, exp.And, exp.Or, exp.Case, exp.Binary, exp.Not)))
        for name, value in named_values(tree).items():
            if texts[value.sql(dialect=dialect)] > 1:
                repeated[(rule, name)] = texts[value.sql(dialect=dialect)]
    assert repeated == {}


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_the_missing_facts_are_flat_lists(policy, dialect):
    """Facts the claim lacks are kept in one flat list per run of them, each under its tests, not
    as a tree of concatenations of CASE WHEN … THEN ['fact'] ELSE [] END."""
    nested = {}
    for rule in policy.rule_ids:
        tree = query(policy, rule, dialect, True)
        for alias in tree.find_all(exp.Alias):
            if alias.alias not in ("_missing", "_amount_missing"):
                continue
            for node in alias.this.find_all(exp.If):  # a CASE's WHEN … THEN …
                then = node.args["true"]
                then = then.this if isinstance(then, exp.Cast) else then
                if isinstance(then, exp.Array) and then.expressions and all(
                        isinstance(x, exp.Literal) and x.is_string for x in then.expressions):
                    nested[(rule, alias.alias)] = then.sql(dialect=dialect)
    assert nested == {}


@pytest.mark.parametrize("dialect", ["duckdb", "spark", "postgres"])
def test_a_claims_fact_is_read_out_of_its_entity_once(policy, dialect):
    """Each claim-level fact a condition reads is a column of its own (`__f…`), and the query reads
    it out of the entity nowhere else (DuckDB binds a struct field at several times a column's cost)."""
    repeated, columns = {}, 0
    for rule in policy.rule_ids:
        tree = query(policy, rule, dialect, True)
        facts = {node.this.sql(dialect=dialect) for node in tree.find_all(exp.Alias) if node.alias.startswith("__f")}
        columns += len(facts)
        texts = collections.Counter(node.sql(dialect=dialect) for node in tree.walk() if isinstance(node, exp.Expression))
        repeated.update({(rule, text): texts[text] for text in facts if texts[text] != 1})
    assert columns > 50 and repeated == {}
