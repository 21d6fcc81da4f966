"""expr/parser.py: the grammar, precedence, literals, limits and syntax errors with offsets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from subsidy_rules.expr import ast, parser
from subsidy_rules.expr.ast import (Aggregate, Arith, BoolLit, Call, Compare, DateLit, If, In, ListLit, Logical, Neg,
                                    Not, NumberLit, Param, Path, RuleRef, TextLit)
from subsidy_rules.expr.parser import ExprSyntaxError, parse


def P(*parts: str) -> Path:
    return Path(tuple(parts))


a, b, c, d = P("a"), P("b"), P("c"), P("d")


def syntax_error(text: str) -> ExprSyntaxError:
    with pytest.raises(ExprSyntaxError) as info:
        parse(text)
    return info.value


class TestGrammar:
    def test_lalr_grammar_builds_without_conflicts(self):
        built = parser.build_parser()  # Lark raises GrammarError on any LALR conflict
        assert built.options.parser == "lalr"
        assert built is parser.build_parser()  # cached

    def test_grammar_file_is_the_one_shipped(self):
        from subsidy_rules.resources import grammar_path

        assert grammar_path().is_file()
        import lark

        # building it afresh, strictly, also succeeds (no shift/reduce or reduce/reduce conflicts)
        lark.Lark(grammar_path().read_text(encoding="utf-8"), parser="lalr", lexer="contextual", strict=False)


class TestPrecedence:
    @pytest.mark.parametrize("text, tree", [
        ("a or b and c", Logical("or", (a, Logical("and", (b, c))))),
        ("a and b or c", Logical("or", (Logical("and", (a, b)), c))),
        ("not a and b", Logical("and", (Not(a), b))),
        ("not a == b", Not(Compare("==", a, b))),
        ("not not a", Not(Not(a))),
        ("a or b or c or d", Logical("or", (a, b, c, d))),
        ("(a or b) and c", Logical("and", (Logical("or", (a, b)), c))),
        ("a and (b and c)", Logical("and", (a, Logical("and", (b, c))))),
        ("1 + 2 * 3", Arith("+", NumberLit(1), Arith("*", NumberLit(2), NumberLit(3)))),
        ("(1 + 2) * 3", Arith("*", Arith("+", NumberLit(1), NumberLit(2)), NumberLit(3))),
        ("1 - 2 - 3", Arith("-", Arith("-", NumberLit(1), NumberLit(2)), NumberLit(3))),
        ("1 - (2 - 3)", Arith("-", NumberLit(1), Arith("-", NumberLit(2), NumberLit(3)))),
        ("8 / 4 / 2", Arith("/", Arith("/", NumberLit(8), NumberLit(4)), NumberLit(2))),
        ("8 / 4 * 2", Arith("*", Arith("/", NumberLit(8), NumberLit(4)), NumberLit(2))),
        ("-a * 2", Arith("*", Neg(a), NumberLit(2))),
        ("-(a * 2)", Neg(Arith("*", a, NumberLit(2)))),
        ("a + b >= c * d", Compare(">=", Arith("+", a, b), Arith("*", c, d))),
        ("a >= 1 and b < 2", Logical("and", (Compare(">=", a, NumberLit(1)), Compare("<", b, NumberLit(2))))),
        ("if a then 1 else 2 + 3", If(a, NumberLit(1), Arith("+", NumberLit(2), NumberLit(3)))),
        ("if a then b else c or d", If(a, b, Logical("or", (c, d)))),
        ("(if a then 1 else 2) + 3", Arith("+", If(a, NumberLit(1), NumberLit(2)), NumberLit(3))),
        ("if a then if b then 1 else 2 else 3", If(a, If(b, NumberLit(1), NumberLit(2)), NumberLit(3))),
        ("a + 1 in [1, 2]", In(Arith("+", a, NumberLit(1)), ListLit((NumberLit(1), NumberLit(2))))),
        ("3 × 4 ÷ 2", Arith("/", Arith("*", NumberLit(3), NumberLit(4)), NumberLit(2))),
    ])
    def test_trees(self, text, tree):
        assert parse(text) == tree

    def test_comparisons_do_not_chain(self):
        err = syntax_error("a < b < c")
        assert err.code == "E030"
        assert err.start == 6

    @pytest.mark.parametrize("op, canonical", [
        (">=", ">="), ("<=", "<="), (">", ">"), ("<", "<"), ("==", "=="), ("!=", "!="),
        ("≥", ">="), ("≤", "<="), ("≠", "!="), ("=", "=="),
    ])
    def test_comparison_operators_and_aliases(self, op, canonical):
        assert parse(f"labourer.age {op} 16") == Compare(canonical, P("labourer", "age"), NumberLit(16))

    def test_in_and_not_in(self):
        assert parse('labourer.status in ["employed", "unemployed"]') == In(
            P("labourer", "status"), ListLit((TextLit("employed"), TextLit("unemployed"))), False)
        assert parse("x not in [1, 2]") == In(P("x"), ListLit((NumberLit(1), NumberLit(2))), True)
        assert parse("not x in [1]") == Not(In(P("x"), ListLit((NumberLit(1),)), False))
        assert parse("x in []") == In(P("x"), ListLit(()), False)


class TestLiterals:
    def test_integers_and_decimals(self):
        assert parse("12") == NumberLit(12) and isinstance(parse("12").value, int)
        value = parse("0.95").value
        assert value == Decimal("0.95") and isinstance(value, Decimal)
        assert parse("007") == NumberLit(7)

    def test_percent(self):
        assert parse("95%").value == Decimal("0.95")
        assert parse("12.5%").value == Decimal("0.125")
        assert parse("x / y >= 95%") == Compare(">=", Arith("/", P("x"), P("y")), NumberLit(Decimal("0.95")))

    def test_negative_literal_folds(self):
        assert parse("-5") == NumberLit(-5)
        assert parse("- 5") == NumberLit(-5)
        assert parse("--5") == Neg(NumberLit(-5))
        assert parse("-x") == Neg(P("x"))

    def test_dates(self):
        assert parse("2017-07-31") == DateLit(dt.date(2017, 7, 31))
        assert parse("hired_on >= 2016-06-01") == Compare(">=", P("hired_on"), DateLit(dt.date(2016, 6, 1)))
        assert parse("2016-02-29").value == dt.date(2016, 2, 29)

    @pytest.mark.parametrize("text", ["2017-02-30", "2017-13-01", "2015-02-29"])
    def test_impossible_dates(self, text):
        err = syntax_error(f"x >= {text}")
        assert err.code == "E013"
        assert (err.start, err.end) == (5, 15)

    def test_text(self):
        assert parse('"企业"') == TextLit("企业")
        assert parse("'single'") == TextLit("single")
        assert parse(r'"a\"b\\c\nd\te"') == TextLit('a"b\\c\nd\te')
        assert parse(r"'it\'s'") == TextLit("it's")

    def test_booleans_params_rules_as_of(self):
        assert parse("true") == BoolLit(True)
        assert parse("false") == BoolLit(False)
        assert parse("$award_per_worker") == Param("award_per_worker")
        assert parse("$吸纳奖补") == Param("吸纳奖补")
        assert parse("@hiring-award") == RuleRef("hiring-award")
        assert parse("as_of") == P("as_of")

    def test_chinese_identifiers(self):
        assert parse("劳动者.年龄 >= 16") == Compare(">=", P("劳动者", "年龄"), NumberLit(16))
        assert parse("用人单位.吸纳_人数 > 0 and 劳动者.是否贫困") == Logical("and", (
            Compare(">", P("用人单位", "吸纳_人数"), NumberLit(0)), P("劳动者", "是否贫困")))

    def test_names_may_contain_keywords(self):
        assert parse("notx and inx or iffy") == Logical("or", (Logical("and", (P("notx"), P("inx"))), P("iffy")))
        assert parse("x.count") == P("x", "count")


class TestCallsAndAggregates:
    def test_calls(self):
        assert parse("months_between(a, b)") == Call("months_between", (a, b))
        assert parse("least(1, 2, 3)") == Call("least", (NumberLit(1), NumberLit(2), NumberLit(3)))
        assert parse("known(worker.age)") == Call("known", (P("worker", "age"),))
        assert parse("f()") == Call("f", ())

    def test_aggregates(self):
        xs = P("employer", "hires")
        assert parse("count(employer.hires)") == Aggregate("count", xs)
        assert parse("count(employer.hires where social_insurance)") == Aggregate("count", xs, None, P("social_insurance"))
        assert parse("sum(contract_months of employer.hires)") == Aggregate("sum", xs, P("contract_months"))
        assert parse("sum(contract_months of employer.hires where contract_months >= 12)") == Aggregate(
            "sum", xs, P("contract_months"), Compare(">=", P("contract_months"), NumberLit(12)))
        assert parse("min(hired_on of employer.hires)") == Aggregate("min", xs, P("hired_on"))
        assert parse("max(contract_months of employer.hires)") == Aggregate("max", xs, P("contract_months"))
        assert parse("any(employer.hires where worker.rural_registered_poor)") == Aggregate(
            "any", xs, None, P("worker", "rural_registered_poor"))
        assert parse("all(employer.hires where social_insurance and contract_months > 6)") == Aggregate(
            "all", xs, None, Logical("and", (P("social_insurance"), Compare(">", P("contract_months"), NumberLit(6)))))

    def test_aggregate_in_comparison(self):
        tree = parse("count(employer.hires where worker.rural_registered_poor) >= $base_threshold")
        assert isinstance(tree, Compare) and isinstance(tree.left, Aggregate) and tree.right == Param("base_threshold")

    def test_aggregate_name_alone_is_not_a_path(self):
        assert syntax_error("count").code == "E030"


class TestSyntaxErrors:
    @pytest.mark.parametrize("text, start", [
        ("a >= ", 4),             # ends early: points just after the last token
        ("a >= 1)", 6),           # the stray ')'
        ("a # b", 2),             # an unknown character
        ("(a", 2),
        ("a b", 2),
        ("x in [1, 2", 10),
        ("labourer..age", 9),
        ("a.1b", 2),
        ("sum(of xs)", 4),         # "of" where the value should be
        ('"open', 0),
        ("a and and b", 6),       # a keyword where a name is expected
        ("labourer.age >= not", 16),
        ("x == of", 5),
    ])
    def test_offsets(self, text, start):
        err = syntax_error(text)
        assert err.code == "E030"
        assert err.start == start
        assert err.end > err.start
        assert "detail" in err.args_

    def test_unexpected_token_names_it(self):
        err = syntax_error("a >= 1)")
        assert "')'" in err.args_["detail"].get("en") and "“)”" in err.args_["detail"].get("zh")
        assert (err.start, err.end) == (6, 7)

    def test_empty(self):
        assert syntax_error("").code == "E030"
        assert syntax_error("   \n ").code == "E030"

    @pytest.mark.parametrize("word", ["and", "or", "not", "in", "of", "where", "if", "then", "else", "true", "false"])
    def test_keywords_are_not_names(self, word):
        err = syntax_error(f"x.{word}") if word not in ("true", "false") else syntax_error(f"x.{word} == 1")
        assert err.code == "E030"
        assert err.start == 2


class TestLimits:
    def test_100000_deep_is_refused_cleanly(self):
        for text in ("(" * 100_000 + "a" + ")" * 100_000, "not " * 100_000 + "a", "-" * 100_000 + "1",
                     "[" * 100_000 + "]" * 100_000):
            err = syntax_error(text)
            assert err.code in ("E036", "E037")

    def test_deep_but_short_is_e036(self):
        err = syntax_error("not " * 900 + "a")
        assert err.code == "E036"
        assert err.args_["limit"] == parser.MAX_DEPTH
        assert syntax_error("-" * 3000 + "x").code == "E036"

    def test_depth_limit_boundary(self):
        ok = parse("not " * (parser.MAX_DEPTH - 1) + "a")
        assert ast.depth(ok) == parser.MAX_DEPTH
        assert syntax_error("not " * parser.MAX_DEPTH + "a").code == "E036"

    def test_conversion_is_not_recursive(self, monkeypatch):
        """Without the length limit, 30,000 levels still give E036, never a RecursionError."""
        monkeypatch.setattr(parser, "MAX_LENGTH", 10**7)
        assert syntax_error("not " * 30_000 + "a").code == "E036"
        assert syntax_error("-(" * 30_000 + "a" + ")" * 30_000).code == "E036"
        assert parse("(" * 30_000 + "a" + ")" * 30_000) == a

    def test_long_and_chain_stays_flat(self):
        n = 450
        text = " and ".join(f"x{i}" for i in range(n))
        assert len(text) <= parser.MAX_LENGTH
        tree = parse(text)
        assert isinstance(tree, Logical) and tree.op == "and"
        assert len(tree.operands) == n
        assert tree.operands[0] == P("x0") and tree.operands[-1] == P(f"x{n - 1}")
        assert ast.depth(tree) == 2
        assert all(isinstance(o, Path) for o in tree.operands)

    def test_long_or_chain_of_comparisons_stays_flat(self):
        text = " or ".join(f"a >= {i}" for i in range(300))
        tree = parse(text)
        assert isinstance(tree, Logical) and len(tree.operands) == 300
        assert ast.depth(tree) == 3

    def test_too_long(self):
        err = syntax_error("a" * (parser.MAX_LENGTH + 1))
        assert err.code == "E037"

    def test_huge_numbers(self):
        assert syntax_error("9" * 100_000).code in ("E038", "E037")
        err = syntax_error("x >= " + "9" * 40)
        assert err.code == "E038"
        assert (err.start, err.end) == (5, 45)
        assert syntax_error("1" * 30 + ".5").code == "E038"
        assert syntax_error("1" * 30 + "%").code == "E038"
        assert parse("9" * parser.MAX_DIGITS) == NumberLit(int("9" * parser.MAX_DIGITS))

    def test_spans_via_locate(self):
        seen = []

        def locate(start, end):
            seen.append((start, end))
            from subsidy_rules.source import Span

            return Span("x", 1, start + 1, 1, end + 1)

        tree = parse("labourer.agee >= 16", locate)
        assert tree.left.span.column == 1 and tree.left.span.end_column == 14
        assert tree.right.span.column == 18
