"""expr/printer.py: to_text is the inverse of parse, for every kind of node."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subsidy_rules.expr import ast
from subsidy_rules.expr.parser import KEYWORDS, parse
from subsidy_rules.expr.printer import to_text

RESERVED = set(KEYWORDS) | {"count", "sum", "any", "all", "min", "max"}

ascii_names = st.from_regex(r"\A[a-z_][a-z0-9_]{0,7}\Z").filter(lambda s: s not in RESERVED)
chinese_names = st.text(alphabet="劳动者年龄用人单位吸纳合同期限贫困家庭社保", min_size=1, max_size=5)
names = st.one_of(ascii_names, chinese_names)
rule_ids = st.from_regex(r"\A[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,4}){0,2}\Z")

numbers = st.one_of(
    st.integers(min_value=0, max_value=10**18 - 1),
    st.decimals(min_value=0, max_value=Decimal("1e17"), allow_nan=False, allow_infinity=False, places=4),
    st.decimals(min_value=0, max_value=1, allow_nan=False, allow_infinity=False, places=12),
    # negative literals: the parser builds them by folding a minus sign into the number
    st.integers(min_value=-(10**18) + 1, max_value=-1),
    st.decimals(min_value=-1000, max_value=0, allow_nan=False, allow_infinity=False, places=3),
)
texts = st.text(alphabet=st.sampled_from(list('ab "\\\'\n\t企业劳动者,。x1$@()[]')), max_size=12)

leaves = st.one_of(
    st.builds(ast.NumberLit, numbers),
    st.builds(ast.TextLit, texts),
    st.builds(ast.BoolLit, st.booleans()),
    st.builds(ast.DateLit, st.dates(min_value=dt.date(1000, 1, 1), max_value=dt.date(9999, 12, 31))),
    st.builds(ast.Path, st.lists(names, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.Param, names),
    st.builds(ast.RuleRef, rule_ids),
)


def extend(inner):
    two_or_more = st.lists(inner, min_size=2, max_size=4).map(tuple)
    return st.one_of(
        st.builds(ast.Not, inner),
        st.builds(ast.Neg, inner),
        st.builds(ast.Logical, st.sampled_from(["and", "or"]), two_or_more),
        st.builds(ast.Compare, st.sampled_from([">=", "<=", ">", "<", "==", "!="]), inner, inner),
        st.builds(ast.Arith, st.sampled_from(["+", "-", "*", "/"]), inner, inner),
        st.builds(ast.In, inner, st.builds(ast.ListLit, st.lists(inner, max_size=3).map(tuple)), st.booleans()),
        st.builds(ast.If, inner, inner, inner),
        st.builds(ast.Call, names, st.lists(inner, max_size=3).map(tuple)),
        st.builds(ast.Aggregate, st.sampled_from(["count", "any", "all"]), inner, st.none(), st.one_of(st.none(), inner)),
        st.builds(ast.Aggregate, st.sampled_from(["sum", "min", "max"]), inner, inner, st.one_of(st.none(), inner)),
    )


trees = st.recursive(leaves, extend, max_leaves=25)


def normalise(node: ast.Expr) -> ast.Expr:
    """The tree the parser builds for the same meaning: -<literal> folds into the literal, and an
    'and'/'or' chain absorbs a same-operator chain in its first position ((a and b) and c)."""
    stack = [(node, False)]
    done: dict = {}
    while stack:
        current, visited = stack.pop()
        kids = ast.children(current)
        if not visited:
            stack.append((current, True))
            stack.extend((k, False) for k in kids)
            continue
        new = [done[id(k)] for k in kids]
        done[id(current)] = _rebuild(current, new)
    return done[id(node)]


def _rebuild(node, kids):
    if isinstance(node, (ast.Not, ast.Neg)):
        operand = kids[0]
        if isinstance(node, ast.Neg) and isinstance(operand, ast.NumberLit) and operand.value >= 0:
            return ast.NumberLit(-operand.value)
        return attrs.evolve(node, operand=operand)
    if isinstance(node, ast.Logical):
        first, rest = kids[0], tuple(kids[1:])
        if isinstance(first, ast.Logical) and first.op == node.op:
            return ast.Logical(node.op, first.operands + rest)
        return ast.Logical(node.op, (first,) + rest)
    if isinstance(node, (ast.Compare, ast.Arith)):
        return attrs.evolve(node, left=kids[0], right=kids[1])
    if isinstance(node, ast.In):
        return attrs.evolve(node, item=kids[0], collection=kids[1])
    if isinstance(node, ast.ListLit):
        return ast.ListLit(tuple(kids))
    if isinstance(node, ast.If):
        return ast.If(*kids)
    if isinstance(node, ast.Call):
        return ast.Call(node.name, tuple(kids))
    if isinstance(node, ast.Aggregate):
        kids = list(kids)
        value = kids.pop(0) if node.value is not None else None
        source = kids.pop(0)
        where = kids.pop(0) if node.where is not None else None
        return ast.Aggregate(node.func, source, value, where)
    return node


def shape(node: ast.Expr):
    """Structural form that also tells int from Decimal (attrs equality treats 1 == Decimal(1))."""
    out = []
    for current in ast.walk(node):
        fields = [type(current).__name__]
        for field in attrs.fields(type(current)):
            if field.name == "span":
                continue
            value = getattr(current, field.name)
            if isinstance(value, (int, Decimal, str, bool, dt.date)) or value is None:
                fields.append((field.name, type(value).__name__, value))
            elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
                fields.append((field.name, value))
        fields.append(len(ast.children(current)))
        out.append(tuple(fields))
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(trees)
def test_parse_inverts_to_text(tree):
    text = to_text(tree)
    expected = normalise(tree)
    parsed = parse(text)
    assert parsed == expected, text
    assert shape(parsed) == shape(expected), text
    # printing is stable: the parsed tree prints to the same text once normalised
    assert to_text(parsed) == to_text(expected)


@pytest.mark.parametrize("text", [
    "a or b and c",
    "(a or b) and c",
    "a and (b and c)",
    "not (a and b)",
    "-(a + b) * c",
    "a - (b - c)",
    "a / (b * c)",
    "- -5",
    "-x",
    "if a then 1 else 2",
    "(if a then 1 else 2) + 3",
    "x not in [1, 2, 3]",
    "(x in [1]) == true",
    'labourer.name == "引号\\"和\\\\反斜杠"',
    "count(employer.hires where worker.rural_registered_poor and contract_months >= 12) >= $base_threshold",
    "sum(contract_months of employer.hires where social_insurance) / 12",
    "months_between(min(hired_on of employer.hires), as_of) >= 6",
    "@w1 and not @w2",
    "x >= 0.95 and y < 2017-07-31",
])
def test_known_texts_print_back(text):
    tree = parse(text)
    assert to_text(tree) == text
    assert parse(to_text(tree)) == tree


def test_minimal_parentheses():
    assert to_text(parse("((a)) and ((b or c))")) == "a and (b or c)"
    assert to_text(parse("(1 + 2) + 3")) == "1 + 2 + 3"
    assert to_text(parse("1 + (2 * 3)")) == "1 + 2 * 3"
    assert to_text(parse("(not a) == b")) == "(not a) == b"


def test_decimal_keeps_a_point():
    assert to_text(ast.NumberLit(Decimal("100"))) == "100.0"
    assert isinstance(parse(to_text(ast.NumberLit(Decimal("1E+2")))).value, Decimal)
    assert to_text(parse("95%")) == "0.95"
