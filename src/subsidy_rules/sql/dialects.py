"""What differs between DuckDB, Spark and PostgreSQL, as small sqlglot builders.

The compiler asks a dialect for list operations (map a body over the items of
a list, sum or flatten the results), field access and a few date functions;
everything else is plain sqlglot expressions rendered per dialect. Function
names here are fixed words of this module, never text from a rule file.
"""

from __future__ import annotations

import functools

from typing import Optional

from sqlglot import exp

DIALECTS = ("duckdb", "postgres", "spark")


def ident(name: str) -> exp.Identifier:
    return exp.to_identifier(name, quoted=True)


def fn(name: str, *args: exp.Expression) -> exp.Expression:
    return exp.Anonymous(this=name, expressions=list(args))


def lit(value: object) -> exp.Expression:
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Literal.number(value)


def is_null(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=exp.paren(e, copy=False), expression=exp.Null())


def not_null(e: exp.Expression) -> exp.Expression:
    return exp.not_(is_null(e), copy=False)


def is_true(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=exp.paren(e, copy=False), expression=exp.true())


def is_false(e: exp.Expression) -> exp.Expression:
    return exp.Is(this=exp.paren(e, copy=False), expression=exp.false())


def case(*whens, default: Optional[exp.Expression] = None) -> exp.Expression:
    node = exp.Case()
    for cond, value in whens:
        node = node.when(cond, value, copy=False)
    if default is not None:
        node = node.else_(default, copy=False)
    return node


@functools.lru_cache(maxsize=None)
def _data_type(text: str, dialect: str) -> exp.DataType:
    """A type written as text, parsed once (sqlglot parses it anew each time); callers take a copy."""
    return exp.DataType.build(text, dialect=dialect)


class Dialect:
    name = "duckdb"
    decimal = "DECIMAL(38,12)"
    text_list = "VARCHAR[]"

    def dtype(self, text: str) -> exp.DataType:
        return _data_type(text, self.name).copy()

    def cast(self, e: exp.Expression, text: str) -> exp.Expression:
        return exp.Cast(this=e, to=self.dtype(text))

    # ---------------------------------------------------------------- values
    def root(self, alias: str, column: str) -> exp.Expression:
        return exp.Column(this=ident(column), table=ident(alias))

    def field(self, base: exp.Expression, name: str, kind: str) -> exp.Expression:
        return exp.Dot(this=base, expression=ident(name))

    def var(self, name: str) -> exp.Expression:
        return exp.column(name)

    def decimal_literal(self, text: str) -> exp.Expression:
        return self.cast(exp.Literal.string(text), self.decimal)

    def date_literal(self, text: str) -> exp.Expression:
        return self.cast(exp.Literal.string(text), "DATE")

    def to_text(self, e: exp.Expression) -> exp.Expression:
        return self.cast(e, "VARCHAR")

    def concat_text(self, *parts: exp.Expression) -> exp.Expression:
        """Text joined with ||; neighbouring literals become one (a shorter query to plan)."""
        pieces: list = []

        def add(part: exp.Expression) -> None:
            if isinstance(part, exp.DPipe):
                add(part.this)
                add(part.expression)
            elif pieces and isinstance(part, exp.Literal) and part.is_string and \
                    isinstance(pieces[-1], exp.Literal) and pieces[-1].is_string:
                pieces[-1] = exp.Literal.string(pieces[-1].this + part.this)
            else:
                pieces.append(part.copy())

        for part in parts:
            add(part)
        node = pieces[0]
        for part in pieces[1:]:
            node = exp.DPipe(this=node, expression=part, safe=False)
        return node

    # ---------------------------------------------------------------- text lists (missing facts)
    def empty(self) -> exp.Expression:
        return self.cast(exp.Array(expressions=[]), self.text_list)

    def text_list_of(self, *items: exp.Expression) -> exp.Expression:
        return exp.Array(expressions=list(items))

    def concat_lists(self, *lists: exp.Expression) -> exp.Expression:
        node = lists[0]
        for item in lists[1:]:
            node = fn("list_concat", node, item)
        return node

    # what the three builders above made, read back (None: something else)
    def is_empty(self, e: exp.Expression) -> bool:
        return isinstance(e, exp.Cast) and isinstance(e.this, exp.Array) and not e.this.expressions

    def texts_in(self, e: exp.Expression) -> Optional[list]:
        """The string literals of a list ``text_list_of`` made of string literals only."""
        if isinstance(e, exp.Array) and e.expressions and all(
                isinstance(x, exp.Literal) and x.is_string for x in e.expressions):
            return list(e.expressions)
        return None

    def list_operands(self, e: exp.Expression) -> Optional[list]:
        if isinstance(e, exp.Anonymous) and e.name == "list_concat":
            return list(e.expressions)
        return None

    def texts_where(self, pairs) -> exp.Expression:
        """A list of the texts whose test is TRUE, in order (``pairs``: text, test; a test that is
        NULL leaves its text out, as a CASE takes its ELSE branch)."""
        return fn("list_filter", self._kept(pairs), exp.Lambda(this=not_null(exp.column("_d")),
                                                                 expressions=[exp.to_identifier("_d")]))

    def _kept(self, pairs) -> exp.Expression:
        return exp.Array(expressions=[case((test, text)) for text, test in pairs])

    def distinct(self, column: exp.Expression) -> exp.Expression:
        """Duplicates removed, first occurrence kept in place (merge() of the reference)."""
        lam = exp.Lambda(this=exp.EQ(this=fn("list_position", column.copy(), exp.column("_p")), expression=exp.column("_j")),
                         expressions=[exp.to_identifier("_p"), exp.to_identifier("_j")])
        return fn("list_filter", column, lam)

    # ---------------------------------------------------------------- items of a list
    def index0(self, depth: int) -> exp.Expression:
        return exp.Sub(this=exp.column(f"_i{depth}"), expression=exp.Literal.number(1))

    def _lambda(self, body: exp.Expression, depth: int) -> exp.Expression:
        return exp.Lambda(this=body, expressions=[exp.to_identifier(f"_x{depth}"), exp.to_identifier(f"_i{depth}")])

    def map_over(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        return fn("list_transform", source, self._lambda(body, depth))

    def items_list(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        """One struct per item, in order (NULL when the list is unknown)."""
        return self.map_over(source, body, depth)

    def sum_over(self, source: exp.Expression, body: exp.Expression, depth: int, kind: str) -> exp.Expression:
        zero = exp.Literal.number(0) if kind == "BIGINT" else self.cast(exp.Literal.number(0), kind)
        total = fn("list_sum", self.map_over(source, body, depth))
        return self.cast(exp.Coalesce(this=total, expressions=[zero]), kind)

    def min_over(self, source: exp.Expression, body: exp.Expression, depth: int, largest: bool) -> exp.Expression:
        return fn("list_max" if largest else "list_min", self.map_over(source, body, depth))

    def flat_over(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        return fn("flatten", self.map_over(source, body, depth))

    def count_over(self, source: exp.Expression, cond: exp.Expression, depth: int) -> exp.Expression:
        """How many items meet ``cond`` (0 for an unknown list: callers test that first)."""
        counted = fn("len", fn("list_filter", source, self._lambda(cond, depth)))
        return exp.Coalesce(this=counted, expressions=[exp.Literal.number(0)])

    def size(self, lst: exp.Expression) -> exp.Expression:
        return fn("len", lst)

    def fence(self, select: exp.Select) -> exp.Select:
        """A layer of the query as the engine should keep it (see Postgres)."""
        return select

    def struct(self, pairs) -> exp.Expression:
        return exp.Struct(expressions=[exp.PropertyEQ(this=exp.to_identifier(k), expression=v) for k, v in pairs])

    # ---------------------------------------------------------------- dates and numbers
    def part(self, unit: str, day: exp.Expression) -> exp.Expression:
        return fn(unit, day)

    def last_day(self, day: exp.Expression) -> exp.Expression:
        return fn("last_day", day)

    def add_months(self, day: exp.Expression, months: exp.Expression) -> exp.Expression:
        return self.cast(exp.Add(this=day, expression=fn("to_months", self.cast(months, "INTEGER"))), "DATE")

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        return fn("date_diff", exp.Literal.string("day"), start, end)

    def int_div(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.IntDiv(this=a, expression=b)

    def divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        """Exact-enough division: to 8 decimal places, then rounded to the fen later."""
        quotient = exp.Div(this=self.cast(a, "DOUBLE"), expression=self.cast(b, "DOUBLE"))
        return self.cast(quotient, "DECIMAL(38,8)")


class Spark(Dialect):
    name = "spark"
    text_list = "ARRAY<STRING>"

    def index0(self, depth: int) -> exp.Expression:
        return exp.column(f"_i{depth}")

    def concat_lists(self, *lists: exp.Expression) -> exp.Expression:
        return fn("concat", *lists) if len(lists) > 1 else lists[0]

    def list_operands(self, e: exp.Expression) -> Optional[list]:
        if isinstance(e, exp.Anonymous) and e.name == "concat":
            return list(e.expressions)
        return None

    def texts_where(self, pairs) -> exp.Expression:
        return fn("filter", self._kept(pairs), exp.Lambda(this=not_null(exp.column("_d")),
                                                           expressions=[exp.to_identifier("_d")]))

    def distinct(self, column: exp.Expression) -> exp.Expression:
        return fn("array_distinct", column)  # keeps the first occurrence of each, in order

    def map_over(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        return fn("transform", source, self._lambda(body, depth))

    def sum_over(self, source: exp.Expression, body: exp.Expression, depth: int, kind: str) -> exp.Expression:
        zero = self.cast(exp.Literal.number(0), kind)
        add = exp.Lambda(this=self.cast(exp.Add(this=exp.column("_a"), expression=exp.column("_b")), kind),
                         expressions=[exp.to_identifier("_a"), exp.to_identifier("_b")])
        return fn("aggregate", self.map_over(source, body, depth), zero, add)

    def min_over(self, source: exp.Expression, body: exp.Expression, depth: int, largest: bool) -> exp.Expression:
        return fn("array_max" if largest else "array_min", self.map_over(source, body, depth))

    def count_over(self, source: exp.Expression, cond: exp.Expression, depth: int) -> exp.Expression:
        return self.sum_over(source, case((cond, exp.Literal.number(1)), default=exp.Literal.number(0)), depth, "BIGINT")

    def size(self, lst: exp.Expression) -> exp.Expression:
        return fn("size", lst)

    def struct(self, pairs) -> exp.Expression:
        args = []
        for k, v in pairs:
            args.extend([exp.Literal.string(k), v])
        return fn("named_struct", *args)

    def add_months(self, day: exp.Expression, months: exp.Expression) -> exp.Expression:
        return fn("add_months", day, self.cast(months, "INT"))

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        return fn("datediff", end, start)

    def part(self, unit: str, day: exp.Expression) -> exp.Expression:
        return fn({"day": "dayofmonth"}.get(unit, unit), day)

    def divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        quotient = exp.Div(this=self.cast(a, "DOUBLE"), expression=self.cast(b, "DOUBLE"))
        return self.cast(quotient, "DECIMAL(38,8)")


class Postgres(Dialect):
    """Entities as jsonb documents; items through jsonb_array_elements in scalar subqueries."""

    name = "postgres"
    decimal = "NUMERIC"
    text_list = "TEXT[]"

    _CASTS = {"bool": "BOOLEAN", "integer": "BIGINT", "decimal": "NUMERIC", "money": "NUMERIC", "date": "DATE",
              "text": "TEXT", "enum": "TEXT"}

    def items_list(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        src = source.sql("postgres")
        sql = (f"CASE WHEN {src} IS NULL THEN NULL ELSE COALESCE((SELECT jsonb_agg({body.sql('postgres')} ORDER BY _i{depth}) "
               f"FROM {self._elements(source, depth)}), CAST('[]' AS JSONB)) END")
        return exp.maybe_parse(sql, dialect="postgres")

    def field(self, base: exp.Expression, name: str, kind: str) -> exp.Expression:
        if kind == "list_text":
            got = exp.JSONExtract(this=base, expression=exp.Literal.string(name))
            return exp.maybe_parse(f"ARRAY(SELECT jsonb_array_elements_text({got.sql('postgres')}))", dialect="postgres")
        if kind in ("record", "list"):
            # a JSON null is not an SQL NULL: make it one
            got = exp.JSONExtract(this=base, expression=exp.Literal.string(name))
            return exp.Nullif(this=got, expression=self.cast(exp.Literal.string("null"), "JSONB"))
        got = exp.JSONExtractScalar(this=base, expression=exp.Literal.string(name))
        return self.cast(exp.paren(got, copy=False), self._CASTS[kind])

    def text_list_of(self, *items: exp.Expression) -> exp.Expression:
        return self.cast(exp.Array(expressions=list(items)), self.text_list)

    def texts_in(self, e: exp.Expression) -> Optional[list]:
        return super().texts_in(e.this) if isinstance(e, exp.Cast) else None

    def concat_lists(self, *lists: exp.Expression) -> exp.Expression:
        node = lists[0]
        for item in lists[1:]:
            node = exp.DPipe(this=node, expression=item, safe=False)
        return node

    def list_operands(self, e: exp.Expression) -> Optional[list]:
        if isinstance(e, exp.DPipe):
            return [e.this, e.expression]
        return None

    def texts_where(self, pairs) -> exp.Expression:
        return fn("array_remove", self.cast(self._kept(pairs), self.text_list), exp.Null())

    def distinct(self, column: exp.Expression) -> exp.Expression:
        sql = f"ARRAY(SELECT _p FROM unnest({column.sql('postgres')}) WITH ORDINALITY AS _u(_p, _j) GROUP BY _p ORDER BY MIN(_j))"
        return exp.maybe_parse(sql, dialect="postgres")

    def _elements(self, source: exp.Expression, depth: int) -> str:
        return f"jsonb_array_elements({source.sql('postgres')}) WITH ORDINALITY AS _t{depth}(_x{depth}, _i{depth})"

    def map_over(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        sql = f"ARRAY(SELECT {body.sql('postgres')} FROM {self._elements(source, depth)} ORDER BY _i{depth})"
        return exp.maybe_parse(sql, dialect="postgres")

    def sum_over(self, source: exp.Expression, body: exp.Expression, depth: int, kind: str) -> exp.Expression:
        target = "BIGINT" if kind == "BIGINT" else "NUMERIC"
        sql = f"(SELECT CAST(COALESCE(SUM({body.sql('postgres')}), 0) AS {target}) FROM {self._elements(source, depth)})"
        return exp.maybe_parse(sql, dialect="postgres")

    def min_over(self, source: exp.Expression, body: exp.Expression, depth: int, largest: bool) -> exp.Expression:
        sql = f"(SELECT {'MAX' if largest else 'MIN'}({body.sql('postgres')}) FROM {self._elements(source, depth)})"
        return exp.maybe_parse(sql, dialect="postgres")

    def count_over(self, source: exp.Expression, cond: exp.Expression, depth: int) -> exp.Expression:
        return self.sum_over(source, case((cond, exp.Literal.number(1)), default=exp.Literal.number(0)), depth, "BIGINT")

    def size(self, lst: exp.Expression) -> exp.Expression:
        return fn("cardinality", lst)

    def fence(self, select: exp.Select) -> exp.Select:
        # OFFSET 0 keeps the planner from pulling the layer up into the next one, which would
        # copy each column's expression into every place that reads it
        return select.offset(0, copy=False)

    def flat_over(self, source: exp.Expression, body: exp.Expression, depth: int) -> exp.Expression:
        sql = (f"ARRAY(SELECT _v{depth} FROM {self._elements(source, depth)} CROSS JOIN LATERAL "
               f"unnest({body.sql('postgres')}) WITH ORDINALITY AS _w{depth}(_v{depth}, _k{depth}) ORDER BY _i{depth}, _k{depth})")
        return exp.maybe_parse(sql, dialect="postgres")

    def struct(self, pairs) -> exp.Expression:
        args = []
        for k, v in pairs:
            args.extend([exp.Literal.string(k), v])
        return fn("jsonb_build_object", *args)

    def part(self, unit: str, day: exp.Expression) -> exp.Expression:
        return self.cast(exp.Extract(this=exp.var(unit.upper()), expression=day), "BIGINT")

    def last_day(self, day: exp.Expression) -> exp.Expression:
        sql = f"CAST(date_trunc('month', {day.sql('postgres')}) + INTERVAL '1 month' - INTERVAL '1 day' AS DATE)"
        return exp.maybe_parse(sql, dialect="postgres")

    def add_months(self, day: exp.Expression, months: exp.Expression) -> exp.Expression:
        sql = f"CAST({day.sql('postgres')} + make_interval(months => CAST({months.sql('postgres')} AS INTEGER)) AS DATE)"
        return exp.maybe_parse(sql, dialect="postgres")

    def days_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        return exp.Sub(this=exp.paren(end, copy=False), expression=exp.paren(start, copy=False))

    def int_div(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Div(this=self.cast(a, "BIGINT"), expression=self.cast(b, "BIGINT"))

    def divide(self, a: exp.Expression, b: exp.Expression) -> exp.Expression:
        return exp.Div(this=self.cast(a, "NUMERIC"), expression=self.cast(b, "NUMERIC"))


def dialect_of(name: str) -> Dialect:
    return {"duckdb": Dialect, "spark": Spark, "postgres": Postgres}[name]()
