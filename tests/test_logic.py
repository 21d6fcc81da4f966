"""Kleene logic and the bounds of partly known numbers (logic.py): the one place they live."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from subsidy_rules.logic import Bounds, add_bounds, and3, compare_bounds, not3, or3, scale_bounds

TRUTH = st.sampled_from([True, False, None])
OPS = [">=", ">", "<=", "<", "==", "!="]


def test_kleene_tables():
    assert and3([False, None]) is False and and3([True, None]) is None and and3([True, True]) is True
    assert or3([True, None]) is True and or3([False, None]) is None and or3([False, False]) is False
    assert not3(None) is None and not3(True) is False
    assert and3([]) is True and or3([]) is False


@given(st.lists(TRUTH, max_size=5))
def test_kleene_is_what_every_completion_agrees_on(values):
    completions = [[]]
    for v in values:
        completions = [c + [x] for c in completions for x in ([True, False] if v is None else [v])]
    for three, two in ((and3, all), (or3, any)):
        answers = {two(c) for c in completions}
        assert three(values) == (answers.pop() if len(answers) == 1 else None)


@given(st.integers(-5, 5), st.integers(0, 4), st.integers(-5, 5), st.integers(0, 4), st.sampled_from(OPS))
def test_compare_bounds_is_decided_only_when_every_pair_agrees(low, width, other_low, other_width, op):
    left, right = Bounds(low, low + width), Bounds(other_low, other_low + other_width)
    import operator
    fn = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq, "!=": operator.ne}[op]
    answers = {fn(a, b) for a in range(left.low, left.high + 1) for b in range(right.low, right.high + 1)}
    assert compare_bounds(op, left, right) == (answers.pop() if len(answers) == 1 else None)


def test_unbounded_sides_decide_nothing_they_cannot():
    assert compare_bounds(">=", Bounds(10, None), Bounds(10, 10)) is True
    assert compare_bounds(">=", Bounds(None, 9), Bounds(10, 10)) is False
    assert compare_bounds(">=", Bounds(), Bounds(10, 10)) is None


def test_arithmetic_on_bounds():
    assert add_bounds(Bounds(1, 2), Bounds(10, 10)) == Bounds(11, 12)
    assert add_bounds(Bounds(1, 2), Bounds(10, 11), -1) == Bounds(-10, -8)
    assert scale_bounds(Bounds(1, 2), Decimal("-2")) == Bounds(-4, -2)
    assert scale_bounds(Bounds(None, 2), 3) == Bounds(None, 6)
