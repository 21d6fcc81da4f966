"""A bound rule -> one SQL query (a sqlglot tree) over a table of claims.

The query means what ir/reference.py means, row by row: SQL NULL is *unknown*
and SQL's AND / OR / NOT are Kleene's. Every value is compiled with the facts
that could still change it (a list of JSON paths, as the reference's
``Tracked.unknown``), and a number that is only known between bounds (a count
over items of which some are unknown) carries its low and high bounds, so a
comparison the bounds settle is decided, as in expr/interpret.py.

Every value is named once (layers.py places it in a layer of the query; what reads it reads the
column): the per-item list (each item's state, and its amount when it reads the item), the counts
over it, every node's truth, the amount, the outcome, the deciding conditions. The missing facts
stay expressions over the claim's facts, read only under a test that the outcome is unknown (or
the amount pending), so a complete claim pays nothing for them.

Names come from the fact schema or a mapping file (layout.py); rule text
(enum values, texts, dates, amounts, ids) reaches SQL only as literals, which
sqlglot escapes.
"""

from __future__ import annotations

import datetime as _dt
import json
from decimal import Decimal
from typing import Any, Callable, Collection, Dict, List, Optional, Sequence, Tuple

import attrs
from sqlglot import exp

from .. import model as m
from ..expr import ast
from ..expr.printer import to_text
from ..expr.types import Scope, resolve
from ..ir import nodes as ir
from .dialects import Dialect, case, dialect_of, ident, is_false, is_null, is_true, not_null
from .layers import Layers
from .layout import DEFAULT_LAYOUT, Layout, SqlError, check_layout

ALIAS = "c"
_COMPARE = {">=": exp.GTE, "<=": exp.LTE, ">": exp.GT, "<": exp.LT, "==": exp.EQ, "!=": exp.NEQ}


@attrs.frozen
class V:
    """A compiled value: SQL for the value (NULL = unknown), the unknown facts, and bounds."""

    v: exp.Expression
    u: Optional[exp.Expression] = None  # a text list; None: statically empty
    lo: Optional[exp.Expression] = None  # bounds of a partly known number; None: not bounded
    hi: Optional[exp.Expression] = None
    # a quotient by a whole number: its dividend and divisor, so that a comparison of it can be
    # made exactly, by multiplying out (a/b >= c is a >= c*b when b > 0), not through the quotient
    ratio: Optional[Tuple[exp.Expression, exp.Expression]] = None

    @property
    def bounded(self) -> bool:
        return self.lo is not None

    def low(self) -> exp.Expression:
        return self.lo if self.lo is not None else self.v

    def high(self) -> exp.Expression:
        return self.hi if self.hi is not None else self.v


@attrs.frozen
class ItemScope:
    var: exp.Expression  # the item (a struct, or a jsonb element)
    path: exp.Expression  # its JSON path as SQL text, e.g. 'employer.hires[' || i || ']'


@attrs.frozen
class Column:
    """One output column: its name and what it holds (for tests and docs)."""

    name: str
    kind: str  # key outcome amount status missing node criterion class note observed deciding items
    ref: Any = None  # the IR node index, criterion index, note index, or (leaf index, slot index)


@attrs.frozen
class CompiledQuery:
    rule: str
    dialect: str
    tree: exp.Expression
    columns: Tuple[Column, ...]
    fallback: bool  # the query has a `_fallback` column: rows the Python engine must decide (a division by zero)

    def sql(self, pretty: bool = True) -> str:
        # DuckDB: generating leaves the tree as it was, so no copy (the others rewrite it while generating)
        return self.tree.sql(dialect=self.dialect, pretty=pretty, copy=self.dialect != "duckdb")


def col_name(prefix: str, node_id: Optional[str], index: int) -> str:
    return f"{prefix}_{node_id.replace('-', '_')}" if node_id else f"{prefix}_n{index}"


class _Compiler:
    def __init__(self, bound: ir.BoundRule, schema: m.FactSchema, parameters: Dict[str, m.Parameter],
                 dialect: Dialect, layout: Layout) -> None:
        self.bound = bound
        self.rule = bound.ir
        self.schema = schema
        self.parameters = parameters
        self.d = dialect
        self.layout = layout
        self.items: List[ItemScope] = []
        self.depth = 0
        self.computed: Optional[Dict[int, exp.Expression]] = None
        self.layers: Optional[Layers] = None  # set: aggregates over the claim's lists are computed once, as columns
        self.hoisting = True  # off while compiling what the query does not show (a lean query's notes)
        self.hoisted: Dict[str, V] = {}
        self.fact_columns: Dict[str, exp.Expression] = {}  # a claim-level fact's dotted path -> its column
        self.refs: Optional[RefBinder] = None  # binds a referenced rule (`@rule-id`) for the same date and county
        self.ref_truths: Dict[str, V] = {}  # a referenced rule's truth, compiled once  # an aggregate over the claim's list, by its text: the same one is computed once
        self.zero_checks: List[exp.Expression] = []
        self.open_checks: List[exp.Expression] = []  # a checklist the bounds cannot settle exactly: Python decides

    # ---------------------------------------------------------------- helpers
    def unsupported(self, what: str) -> SqlError:
        return SqlError("Q005", None, rule=self.rule.id, what=what)

    def concat(self, *lists: Optional[exp.Expression]) -> Optional[exp.Expression]:
        found = [x for x in lists if x is not None]
        if not found:
            return None
        return self.d.concat_lists(*found) if len(found) > 1 else found[0]

    def u_or_empty(self, u: Optional[exp.Expression]) -> exp.Expression:
        return u if u is not None else self.d.empty()

    def when_null(self, v: exp.Expression, u: Optional[exp.Expression]) -> Optional[exp.Expression]:
        """The unknown facts, only while the value is unknown.

        Every compiled value's facts are empty unless the value is unknown, so an operation that
        is unknown whenever an operand is (a comparison, arithmetic, a date function) passes its
        operands' facts on as they are; only one that can be known with an unknown operand
        (and, or, in, a comparison the bounds settle) needs this test."""
        if u is None:
            return None
        return case((is_null(v), u), default=self.d.empty())

    def literal(self, value: Any, kind: Optional[str] = None) -> exp.Expression:
        if value is None:
            types = {"bool": "BOOLEAN", "integer": "BIGINT", "date": "DATE", "text": "VARCHAR", "enum": "VARCHAR"}
            return self.d.cast(exp.Null(), types.get(kind or "", self.d.decimal))
        if isinstance(value, bool):
            return exp.true() if value else exp.false()
        if isinstance(value, int):
            return exp.Literal.number(value)
        if isinstance(value, Decimal):
            return self.d.decimal_literal(format(value, "f"))
        if isinstance(value, _dt.date):
            return self.d.date_literal(value.isoformat())
        if isinstance(value, str):
            return exp.Literal.string(value)
        raise self.unsupported(f"a value of type {type(value).__name__}")

    def places(self, node: ast.Expr, scope: Scope) -> Optional[int]:
        """The decimal places a factor has for certain (0 for a whole number), None when unknown."""
        value: Any = None
        if isinstance(node, ast.NumberLit):
            value = node.value
        elif isinstance(node, ast.Param):
            value = self.bound.value(node.name)
        elif not self.is_decimal(node, scope):
            return 0
        if isinstance(value, int):
            return 0
        if isinstance(value, Decimal) and isinstance(value.as_tuple().exponent, int):
            return min(max(0, -value.as_tuple().exponent), 12)  # type: ignore[operator]
        return None

    def is_decimal(self, node: ast.Expr, scope: Scope) -> bool:
        if isinstance(node, ast.NumberLit):
            return isinstance(node.value, Decimal)
        if isinstance(node, ast.Param):
            param = self.parameters.get(node.name)
            return param is not None and param.type in ("decimal", "money")
        if isinstance(node, ast.Path):
            return resolve(node.parts, scope).type.kind in ("decimal", "money")
        if isinstance(node, ast.Arith):
            return node.op == "/" or self.is_decimal(node.left, scope) or self.is_decimal(node.right, scope)
        if isinstance(node, ast.Neg):
            return self.is_decimal(node.operand, scope)
        if isinstance(node, ast.If):
            return self.is_decimal(node.then, scope) or self.is_decimal(node.otherwise, scope)
        if isinstance(node, ast.Call):
            return node.name in ("least", "greatest") and any(self.is_decimal(a, scope) for a in node.args)
        if isinstance(node, ast.Aggregate):
            if node.func in ("sum", "min", "max") and node.value is not None:
                entity = resolve(node.source.parts, scope).type.entity  # type: ignore[union-attr]
                return self.is_decimal(node.value, scope.enter(entity or ""))
        return False

    # ---------------------------------------------------------------- paths
    def path(self, parts: Tuple[str, ...], scope: Scope) -> Tuple[V, exp.Expression]:
        """A fact: its value and unknowns, and its JSON path as SQL text (when known)."""
        resolved = resolve(parts, scope)
        if resolved.root == "as_of":
            return V(self.literal(self.bound.as_of)), exp.Literal.string("as_of")
        names = resolved.names
        if resolved.root == "item":
            level = self.items[resolved.level]
            base, prefix, first = level.var, level.path, 1
            containers: List[exp.Expression] = [base]
        else:
            entity = resolved.entity or ""
            mapped = None
            for k in range(len(names), 0, -1):
                column = self.layout.flat_column(".".join((entity,) + names[:k]))
                if column is not None:
                    mapped = (k, column)
                    break
            prefix = exp.Literal.string(entity)
            if mapped is not None:
                k, column = mapped
                value: exp.Expression = self.d.root(ALIAS, column)
                for field in resolved.fields[k:]:
                    value = self.d.field(value, field.name, field.type)
                full = ".".join((entity,) + names)
                return self._fact(value, exp.Literal.string(full)), exp.Literal.string(full)
            base = self.d.root(ALIAS, self.layout.entity_column(entity))
            containers = [base]
            first = 0  # an entity may itself be absent
        current = base
        item_dotted = self._item_dotted(resolved)
        for index, field in enumerate(resolved.fields):
            name = field.name
            if item_dotted is not None:
                item_dotted = f"{item_dotted}.{name}"
                name = self.layout.item_field(item_dotted, name)
            current = self.d.field(current, name, field.type)
            containers.append(current)
        texts = []
        for index in range(len(names)):
            texts.append("." + ".".join(names[: index + 1]))
        full_text = self._join(prefix, texts[-1]) if texts else prefix
        whens = []
        for index in range(first, len(names) - 1):
            whens.append((is_null(containers[index]), self._join(prefix, texts[index])))
        where = case(*whens, default=full_text) if whens else full_text
        if resolved.root != "item" and resolved.fields and resolved.fields[-1].type not in ("record", "list"):
            current = self._fact_column(current, ".".join((resolved.entity or "",) + names))
        return self._fact(current, where), full_text

    def _fact_column(self, value: exp.Expression, key: str) -> exp.Expression:
        """A claim's fact (``key``: its dotted path) read from its entity once, as a column that
        every condition reading it reads (DuckDB binds a field of a struct at several times the
        cost of a column)."""
        if self.layers is None:
            return value
        ref = self.fact_columns.get(key)
        if ref is None:
            if not self.hoisting:
                return value
            ref = self.fact_columns[key] = self.layers.let(self.layers.fresh("_f"), value)
        return ref.copy()

    def _item_dotted(self, resolved) -> Optional[str]:
        """The dotted schema path of an item's entity (for item field renames in a mapping)."""
        if resolved.root != "item" or not self.layout.fields:
            return None
        return self._item_paths[resolved.level]

    _item_paths: List[str] = []

    def _join(self, prefix: exp.Expression, text: str) -> exp.Expression:
        if isinstance(prefix, exp.Literal):
            return exp.Literal.string(prefix.this + text)
        return self.d.concat_text(prefix, exp.Literal.string(text))

    def _fact(self, value: exp.Expression, where: exp.Expression) -> V:
        """A fact's value; while it is unknown, its JSON path (cut where the claim stops, as read_path does)."""
        return V(value, case((is_null(value), self.d.text_list_of(where)), default=self.d.empty()))

    # ---------------------------------------------------------------- expressions
    def expr(self, node: ast.Expr, scope: Scope, reached: Optional[exp.Expression] = None) -> V:
        method = getattr(self, "_" + type(node).__name__, None)
        if method is None:
            raise self.unsupported(type(node).__name__)
        found: V = method(node, scope, reached)
        if self.computed is not None and id(node) in self.computed:
            self.computed[id(node)] = found.v if reached is None else case((reached, found.v))
        return found

    def _NumberLit(self, node, scope, reached) -> V:
        return V(self.literal(node.value))

    _TextLit = _BoolLit = _DateLit = _NumberLit

    def _Param(self, node: ast.Param, scope, reached) -> V:
        param = self.parameters.get(node.name)
        return V(self.literal(self.bound.value(node.name), param.type if param else None))

    def _Path(self, node: ast.Path, scope, reached) -> V:
        return self.path(node.parts, scope)[0]

    def _RuleRef(self, node, scope, reached) -> V:
        if self.refs is None or self.layers is None:
            raise self.unsupported("@" + node.rule_id)  # no binder given
        found = self.ref_truths.get(node.rule_id)
        if found is None:
            prefix = self.layers.fresh("_r") + "_"
            found = self.ref_truths[node.rule_id] = _ref_truth(self, self.refs(node.rule_id), prefix)
        return V(found.v.copy(), None if found.u is None else found.u.copy())

    def _Not(self, node: ast.Not, scope, reached) -> V:
        inner = self.expr(node.operand, scope, reached)
        return V(exp.not_(exp.paren(inner.v, copy=False), copy=False), inner.u)

    def _Neg(self, node: ast.Neg, scope, reached) -> V:
        inner = self.expr(node.operand, scope, reached)
        neg = lambda e: exp.Neg(this=exp.paren(e, copy=False))  # noqa: E731
        if inner.bounded:
            return V(neg(inner.v), inner.u, neg(inner.high()), neg(inner.low()))
        return V(neg(inner.v), inner.u)

    def _Logical(self, node: ast.Logical, scope, reached) -> V:
        stop_false = node.op == "and"
        parts: List[V] = []
        guard = reached
        for operand in node.operands:
            found = self.expr(operand, scope, guard)
            parts.append(found)
            test = exp.not_(is_false(found.v), copy=False) if stop_false else exp.not_(is_true(found.v), copy=False)
            guard = test if guard is None else exp.and_(guard, test, copy=False)
        join = exp.and_ if stop_false else exp.or_
        value = join(*[exp.paren(p.v, copy=False) for p in parts], copy=False)
        return V(value, self.when_null(value, self.concat(*(p.u for p in parts))))

    def _Compare(self, node: ast.Compare, scope, reached) -> V:
        left, right = self.expr(node.left, scope, reached), self.expr(node.right, scope, reached)
        if left.bounded or right.bounded:
            value = self._compare_bounds(node.op, left, right)
        else:
            if left.ratio is not None or right.ratio is not None:
                value = self._ratio_compare(node.op, left, right)
            else:
                value = exp.paren(_COMPARE[node.op](this=left.v, expression=right.v), copy=False)
            return V(value, self.concat(left.u, right.u))  # unknown when an operand is
        return V(value, self.when_null(value, self.concat(left.u, right.u)))

    def _ratio_compare(self, op: str, left: V, right: V) -> exp.Expression:
        """a/b OP c/d as a*d OP c*b, the comparison turned round when b*d < 0: exact, where the
        quotient itself is not (an engine divides in binary floating point or to a few places),
        as the reference compares the exact decimal quotient. NULL when a divisor is 0 or unknown
        (a zero divisor hands the row over, as the division itself registered)."""
        mirrored = {">=": "<=", "<=": ">=", ">": "<", "<": ">", "==": "==", "!=": "!="}
        wide = "DECIMAL(38,0)" if self.d.name != "postgres" else "NUMERIC"
        a, b = left.ratio if left.ratio is not None else (left.v, None)
        c, d = right.ratio if right.ratio is not None else (right.v, None)

        def times(x: exp.Expression, divisor: Optional[exp.Expression]) -> exp.Expression:
            if divisor is None:
                return x.copy()
            return exp.paren(exp.Mul(this=x.copy(), expression=self.d.cast(divisor.copy(), wide)), copy=False)

        sign = b if d is None else (d if b is None else exp.Mul(this=self.d.cast(b.copy(), wide), expression=d.copy()))
        zero = exp.Literal.number(0)
        forward = _COMPARE[op](this=times(a, d), expression=times(c, b))
        turned = _COMPARE[mirrored[op]](this=times(a, d), expression=times(c, b))
        return case((exp.GT(this=sign.copy(), expression=zero), forward), (exp.LT(this=sign.copy(), expression=zero.copy()), turned))

    def _compare_bounds(self, op: str, left: V, right: V) -> exp.Expression:
        ll, lh, rl, rh = left.low(), left.high(), right.low(), right.high()
        if op in (">", ">="):
            inner = self._compare_bounds("<=" if op == ">" else "<", left, right)
            return exp.paren(exp.not_(inner, copy=False), copy=False)
        if op == "!=":
            return exp.paren(exp.not_(self._compare_bounds("==", left, right), copy=False), copy=False)
        if op == "<":
            return case((exp.LT(this=lh, expression=rl), exp.true()), (exp.LTE(this=rh, expression=ll), exp.false()))
        if op == "<=":
            return case((exp.LTE(this=lh, expression=rl), exp.true()), (exp.LT(this=rh, expression=ll), exp.false()))
        same = exp.and_(exp.EQ(this=ll, expression=lh), exp.EQ(this=lh, expression=rl), exp.EQ(this=rl, expression=rh), copy=False)
        apart = exp.or_(exp.LT(this=lh, expression=rl), exp.LT(this=rh, expression=ll), copy=False)
        return case((same, exp.true()), (apart, exp.false()))

    def _Arith(self, node: ast.Arith, scope, reached) -> V:
        left, right = self.expr(node.left, scope, reached), self.expr(node.right, scope, reached)
        decimal = self.is_decimal(node, scope)
        places = (self.places(node.left, scope), self.places(node.right, scope))
        value = self._arith(node.op, left.v, right.v, decimal, reached, places)
        u = self.concat(left.u, right.u)
        if not (left.bounded or right.bounded):
            if node.op == "/" and not self.is_decimal(node.right, scope):
                return V(value, u, ratio=(left.v, right.v))
            return V(value, u)  # unknown when an operand is
        if node.op in ("+", "-"):
            if node.op == "+":
                lo = self._arith("+", left.low(), right.low(), decimal, None)
                hi = self._arith("+", left.high(), right.high(), decimal, None)
            else:
                lo = self._arith("-", left.low(), right.high(), decimal, None)
                hi = self._arith("-", left.high(), right.low(), decimal, None)
            return V(value, u, lo, hi)
        if node.op == "*":
            return V(value, u, *self._scale_either(left, right, decimal))
        # "/": by an exact, non-zero number only
        exact = exp.and_(not_null(right.low()), exp.EQ(this=right.low(), expression=right.high()),
                         exp.NEQ(this=right.low(), expression=exp.Literal.number(0)), copy=False)
        lo, hi = self._scale(left, self.d.divide(exp.Literal.number(1), right.low()), True)
        return V(value, u, case((exact, lo)), case((exact, hi)))

    def _scale_either(self, left: V, right: V, decimal: bool) -> Tuple[exp.Expression, exp.Expression]:
        def exact(side: V) -> exp.Expression:
            return exp.and_(not_null(side.low()), exp.EQ(this=side.low(), expression=side.high()), copy=False)

        by_right = self._scale(left, right.low(), decimal)
        by_left = self._scale(right, left.low(), decimal)
        lo = case((exact(right), by_right[0]), (exact(left), by_left[0]))
        hi = case((exact(right), by_right[1]), (exact(left), by_left[1]))
        return lo, hi

    def _scale(self, value: V, factor: exp.Expression, decimal: bool) -> Tuple[exp.Expression, exp.Expression]:
        low = self._arith("*", value.low(), factor, decimal, None)
        high = self._arith("*", value.high(), factor, decimal, None)
        zero = exp.Literal.number(0)
        lo = case((exp.EQ(this=factor, expression=zero), zero), (exp.GT(this=factor, expression=zero), low), default=high)
        hi = case((exp.EQ(this=factor, expression=zero), zero), (exp.GT(this=factor, expression=zero), high), default=low)
        return lo, hi

    def _arith(self, op: str, a: exp.Expression, b: exp.Expression, decimal: bool,
               reached: Optional[exp.Expression], places: Tuple[Optional[int], Optional[int]] = (None, None)) -> exp.Expression:
        if op == "/":
            check = exp.EQ(this=b.copy(), expression=exp.Literal.number(0))
            self.zero_checks.append(check if reached is None else exp.and_(reached.copy(), check, copy=False))
            return self.d.divide(a, case((exp.NEQ(this=b.copy(), expression=exp.Literal.number(0)), b)))
        ops = {"+": exp.Add, "-": exp.Sub, "*": exp.Mul}
        if op == "*" and decimal and self.d.name == "duckdb" and places != (None, None):
            # one factor's places are known (a whole number, a literal, a parameter's value): each is
            # multiplied at its own places, so the product is exact (DECIMAL(38,12) times 300 is
            # DECIMAL(38,12)); two decimals of unknown places are narrowed to 10 each to leave room
            def at(factor: exp.Expression, known: Optional[int]) -> exp.Expression:
                return self.d.cast(factor, self.d.decimal if known is None else f"DECIMAL(38,{known})")

            result = exp.Mul(this=at(a, places[0]), expression=at(b, places[1]))
            return self.d.cast(result, self.d.decimal)
        if op == "*" and decimal:
            result = exp.Mul(this=self.d.cast(a, "DECIMAL(38,10)" if self.d.name != "postgres" else "NUMERIC"),
                             expression=self.d.cast(b, "DECIMAL(38,10)" if self.d.name != "postgres" else "NUMERIC"))
            return self.d.cast(result, self.d.decimal)
        return exp.paren(ops[op](this=a, expression=b), copy=False)

    def _In(self, node: ast.In, scope, reached) -> V:
        item = self.expr(node.item, scope, reached)
        members = [self.expr(x, scope, reached) for x in node.collection.items]  # type: ignore[union-attr]
        hit = exp.or_(*[exp.EQ(this=item.v, expression=m_.v) for m_ in members], copy=False) if members else exp.false()
        # a literal member is never NULL: only the others are tested (a smaller query plans faster)
        maybe_null = [m_.v for m_ in members if not isinstance(m_.v, (exp.Literal, exp.Boolean))]
        some_null = exp.or_(*[is_null(v) for v in maybe_null], copy=False) if maybe_null else None
        yes, no = (exp.false(), exp.true()) if node.negated else (exp.true(), exp.false())
        value = case((is_null(item.v), exp.Null()), (hit, yes), *([(some_null, exp.Null())] if some_null else []), default=no)
        return V(value, self.when_null(value, self.concat(item.u, *(m_.u for m_ in members))))

    def _If(self, node: ast.If, scope, reached) -> V:
        cond = self.expr(node.cond, scope, reached)
        then_guard = exp.not_(is_false(cond.v), copy=False)
        else_guard = exp.not_(is_true(cond.v), copy=False)
        if reached is not None:
            then_guard, else_guard = exp.and_(reached, then_guard, copy=False), exp.and_(reached, else_guard, copy=False)
        then, other = self.expr(node.then, scope, then_guard), self.expr(node.otherwise, scope, else_guard)
        if then.bounded or other.bounded:
            raise self.unsupported("bounds through if")
        known = isinstance(node.cond, ast.Call) and node.cond.name == "known"
        if known and node.cond.args[0] is node.then:
            # `if known(x) then x else y` (an implied fact): x when given, else y
            value = exp.Coalesce(this=then.v, expressions=[other.v])
            u = None if other.u is None else case((is_null(then.v.copy()), other.u), default=self.d.empty())
            return V(value, u)
        if isinstance(node.then, ast.BoolLit) and node.then.value is True:
            # Kleene: `if a then true else b` is `a or b` (an unknown a with b true is true either way)
            value = exp.paren(exp.or_(exp.paren(cond.v, copy=False), exp.paren(other.v, copy=False), copy=False), copy=False)
            return V(value, self.when_null(value, self.concat(cond.u, other.u)))
        if isinstance(node.otherwise, ast.BoolLit) and node.otherwise.value is False:
            value = exp.paren(exp.and_(exp.paren(cond.v, copy=False), exp.paren(then.v, copy=False), copy=False), copy=False)
            return V(value, self.when_null(value, self.concat(cond.u, then.u)))
        if known:  # never unknown: no third branch
            value = case((cond.v, then.v), default=other.v)
            u = None
            if then.u is not None or other.u is not None:
                u = case((cond.v.copy(), self.u_or_empty(then.u)), default=self.u_or_empty(other.u))
            return V(value, u)
        same = exp.and_(not_null(then.v), exp.EQ(this=then.v, expression=other.v), copy=False)
        value = case((is_true(cond.v), then.v), (is_false(cond.v), other.v), (same, then.v))
        u = None
        if any(x is not None for x in (cond.u, then.u, other.u)):
            u = case((is_true(cond.v), self.u_or_empty(then.u)), (is_false(cond.v), self.u_or_empty(other.u)),
                     (same, self.d.empty()), default=self.u_or_empty(self.concat(cond.u, then.u, other.u)))
        return V(value, u)

    def _Call(self, node: ast.Call, scope, reached) -> V:
        if node.name == "known":
            found = self.expr(node.args[0], scope, reached)
            return V(not_null(found.v))
        args = [self.expr(a, scope, reached) for a in node.args]
        values = [a.v for a in args]
        d = self.d
        if node.name == "months_between":
            body = self._months_between(*values)
        elif node.name == "years_between":
            months = self._months_between(*values)
            twelve = exp.Literal.number(12)
            body = case((exp.GTE(this=months, expression=exp.Literal.number(0)), d.int_div(months, twelve)),
                        default=exp.Neg(this=exp.paren(d.int_div(exp.Neg(this=exp.paren(months.copy(), copy=False)), twelve), copy=False)))
        elif node.name == "days_between":
            body = d.days_between(*values)
        elif node.name == "add_months":
            body = d.add_months(*values)
            # a day before year 1 or after 9999 (which SQL has) is out of range for the reference: the
            # row is handed over, as a division by zero is, and rejected there (X002)
            outside = exp.or_(exp.LT(this=body.copy(), expression=self.literal(_dt.date.min)),
                              exp.GT(this=body.copy(), expression=self.literal(_dt.date.max)), copy=False)
            check = exp.and_(*[not_null(v.copy()) for v in values], outside, copy=False)
            self.zero_checks.append(check if reached is None else exp.and_(reached.copy(), check, copy=False))
        elif node.name in ("least", "greatest"):
            body = (exp.Least if node.name == "least" else exp.Greatest)(this=values[0], expressions=values[1:])
        else:
            raise self.unsupported(node.name)
        any_null = exp.or_(*[is_null(v.copy()) for v in values], copy=False)
        value = case((any_null, exp.Null()), default=body)
        return V(value, self.concat(*(a.u for a in args)))  # unknown when an argument is

    def _months_between(self, start: exp.Expression, end: exp.Expression) -> exp.Expression:
        def forward(a: exp.Expression, b: exp.Expression) -> exp.Expression:
            d = self.d
            years = exp.Sub(this=d.part("year", b.copy()), expression=d.part("year", a.copy()))
            months = exp.Sub(this=d.part("month", b.copy()), expression=d.part("month", a.copy()))
            total = exp.Add(this=exp.Mul(this=exp.paren(years, copy=False), expression=exp.Literal.number(12)), expression=exp.paren(months, copy=False))
            short = exp.and_(exp.LT(this=d.part("day", b.copy()), expression=d.part("day", a.copy())),
                             exp.NEQ(this=d.last_day(b.copy()), expression=b.copy()), copy=False)
            return exp.paren(exp.Sub(this=total, expression=case((short, exp.Literal.number(1)), default=exp.Literal.number(0))), copy=False)

        return case((exp.LT(this=end, expression=start), exp.Neg(this=forward(end, start))), default=forward(start, end))

    # ---------------------------------------------------------------- aggregates
    def enter(self, path: exp.Expression, entity: str, scope: Scope, dotted: str) -> Tuple[Scope, ItemScope]:
        """Into the items of a list: a lambda variable (or jsonb element) and the item's JSON path."""
        self.depth += 1
        index = self.d.index0(self.depth)
        where = self.d.concat_text(path, exp.Literal.string("["), self.d.to_text(index), exp.Literal.string("]"))
        level = ItemScope(self.d.var(f"_x{self.depth}"), where)
        self.items.append(level)
        self._item_paths = list(self._item_paths) + [dotted]
        return scope.enter(entity), level

    def leave(self) -> None:
        self.items.pop()
        self._item_paths = self._item_paths[:-1]
        self.depth -= 1

    def _schema_dotted(self, parts: Tuple[str, ...], scope: Scope) -> str:
        resolved = resolve(parts, scope)
        if resolved.root == "item":
            return ".".join([self._item_paths[resolved.level]] + list(resolved.names))
        return ".".join([resolved.entity or ""] + list(resolved.names))

    def _Aggregate(self, node: ast.Aggregate, scope, reached) -> V:
        assert isinstance(node.source, ast.Path)
        source, path = self.path(node.source.parts, scope)
        entity = resolve(node.source.parts, scope).type.entity or ""
        # over a list of the claim (not inside another list): each item's `where` and value are
        # computed once, into a list column, and every count reads that column (see Layers)
        hoist = self.layers is not None and self.depth == 0 and self.hoisting
        key = to_text(node)
        if hoist and key in self.hoisted:
            found = self.hoisted[key]
            return V(*(None if e is None else e.copy() for e in (found.v, found.u, found.lo, found.hi)))
        if hoist:
            found = self._aggregate(node, scope, source, path, entity, True)
            self.hoisted[key] = found
            return V(*(None if e is None else e.copy() for e in (found.v, found.u, found.lo, found.hi)))
        return self._aggregate(node, scope, source, path, entity, False)

    def _aggregate(self, node: ast.Aggregate, scope: Scope, source: V, path: exp.Expression, entity: str, hoist: bool) -> V:
        inner, _ = self.enter(path, entity, scope, self._schema_dotted(node.source.parts, scope))
        saved, self.computed = self.computed, None
        try:
            keep = self.expr(node.where, inner) if node.where is not None else V(exp.true())
            value = self.expr(node.value, inner) if node.value is not None else None
            value_kind = self._kind(node.value, inner) if node.value is not None else "integer"
        finally:
            self.computed = saved
        depth = self.depth
        self.leave()
        d = self.d
        list_ = source.v
        counted = list_
        keep_e, value_e = keep.v, value.v if value is not None else None
        if hoist:
            fields = [("k", keep.v)] if node.where is not None else []
            if value is not None:
                fields.append(("v", value.v))
            if fields:
                counted = self.layers.let(self.layers.fresh("_agg"), d.items_list(list_.copy(), d.struct(fields), depth))
                item = d.var(f"_x{depth}")
                keep_e = d.field(item, "k", "bool") if node.where is not None else exp.true()
                value_e = d.field(item.copy(), "v", value_kind) if value is not None else None

        def once(e: exp.Expression) -> exp.Expression:
            return self.layers.let(self.layers.fresh("_agg"), e) if hoist else e

        def count(cond: exp.Expression) -> exp.Expression:
            return once(d.count_over(counted.copy(), cond, depth))

        def over(e: exp.Expression, kind: str) -> exp.Expression:
            return once(d.sum_over(counted.copy(), e, depth, kind))

        def flat(cond: exp.Expression, body: Optional[exp.Expression]) -> Optional[exp.Expression]:
            # the facts still unknown: over the claim's own list, built only where the value is unknown
            if body is None:
                return None
            return d.flat_over(list_.copy(), case((cond, body), default=d.empty()), depth)

        kept, maybe = is_true(keep_e), is_null(keep_e.copy())
        raw_maybe = is_null(keep.v.copy())
        src_null = is_null(list_)
        zero = exp.Literal.number(0)

        def guard(e: exp.Expression) -> exp.Expression:
            return case((src_null.copy(), exp.Null()), default=e)

        def unknown(e: Optional[exp.Expression]) -> Optional[exp.Expression]:
            if source.u is None and e is None:
                return None
            return case((src_null.copy(), self.u_or_empty(source.u)), default=self.u_or_empty(e))

        if node.func == "all":
            if node.where is None:
                return V(guard(exp.true()), unknown(None))
            n_false, n_null = count(is_false(keep_e.copy())), count(maybe)
            val = case((exp.GT(this=n_false, expression=zero), exp.false()), (exp.GT(this=n_null, expression=zero.copy()), exp.Null()),
                       default=exp.true())
            return V(guard(val), unknown(case((is_null(val.copy()), self.u_or_empty(flat(raw_maybe, keep.u))), default=d.empty())))
        if node.func == "any":
            n_true, n_null = count(kept), count(maybe)
            val = case((exp.GT(this=n_true, expression=zero), exp.true()), (exp.GT(this=n_null, expression=zero.copy()), exp.Null()),
                       default=exp.false())
            return V(guard(val), unknown(case((is_null(val.copy()), self.u_or_empty(flat(raw_maybe, keep.u))), default=d.empty())))
        if node.func == "count":
            if node.where is None:
                n_true, n_null = count(exp.true()), zero.copy()
            else:
                n_true, n_null = count(kept), count(maybe)
            exact = exp.EQ(this=n_null, expression=zero)
            lo = n_true
            hi = exp.Add(this=n_true.copy(), expression=n_null.copy())
            u = case((exact, d.empty()), default=self.u_or_empty(flat(raw_maybe, keep.u)))
            return V(guard(case((exact.copy(), n_true.copy()))), unknown(u), guard(lo), guard(hi))
        assert value is not None and value_e is not None
        decimal = self.is_decimal(node, scope)
        kind = d.decimal if decimal else "BIGINT"
        v_null = is_null(value_e)
        n_maybe = count(maybe)
        n_kept_null = count(exp.and_(kept, v_null, copy=False))
        n_maybe_null = count(exp.and_(maybe.copy(), v_null.copy(), copy=False))
        exact = exp.and_(exp.EQ(this=n_maybe, expression=zero), exp.EQ(this=n_kept_null, expression=zero.copy()), copy=False)
        raw_kept = is_true(keep.v.copy())
        u_all = self.concat(flat(raw_kept, value.u), flat(raw_maybe, self.concat(keep.u, value.u)))
        u = case((exact, d.empty()), default=self.u_or_empty(u_all))
        if node.func in ("min", "max"):
            picked = once(d.min_over(counted.copy(), case((kept.copy(), value_e.copy())), depth, node.func == "max"))
            return V(guard(case((exact.copy(), picked))), unknown(u))
        zero_k = zero if kind == "BIGINT" else d.cast(zero, kind)
        total = over(case((kept.copy(), value_e.copy()), default=zero_k), kind)
        negatives = over(case((exp.and_(maybe.copy(), exp.LT(this=value_e.copy(), expression=zero.copy()), copy=False), value_e.copy()),
                              default=zero_k.copy()), kind)
        positives = over(case((exp.and_(maybe.copy(), exp.GT(this=value_e.copy(), expression=zero.copy()), copy=False), value_e.copy()),
                              default=zero_k.copy()), kind)
        unbounded = exp.or_(exp.GT(this=n_kept_null.copy(), expression=zero.copy()), exp.GT(this=n_maybe_null, expression=zero.copy()), copy=False)
        lo = case((exact.copy(), total.copy()), (unbounded, exp.Null()), default=exp.Add(this=total.copy(), expression=negatives))
        hi = case((exact.copy(), total.copy()), (unbounded.copy(), exp.Null()), default=exp.Add(this=total.copy(), expression=positives))
        return V(guard(case((exact.copy(), total))), unknown(u), guard(lo), guard(hi))

    def _kind(self, node: ast.Expr, scope: Scope) -> str:
        """The type of a value an item list holds (PostgreSQL reads it back from jsonb by type)."""
        if self.is_decimal(node, scope):
            return "decimal"
        if isinstance(node, ast.Path):
            return resolve(node.parts, scope).type.kind
        if isinstance(node, ast.If):
            return self._kind(node.then, scope)
        if isinstance(node, ast.Call) and node.name == "add_months":
            return "date"
        if isinstance(node, ast.Call) and node.name in ("least", "greatest"):
            return self._kind(node.args[0], scope)
        if isinstance(node, ast.DateLit):
            return "date"
        return "integer"

    # ---------------------------------------------------------------- regions and trees
    def region(self, region: ir.Region, scope: Scope) -> Tuple[V, List[exp.Expression]]:
        """A region's value, and its observed values (facts and computed values; parameters are constants)."""
        shown = {id(slot.node): None for slot in region.observed if slot.node is not None}
        self.computed = dict(shown)
        try:
            found = self.expr(region.expr, scope)
            computed = self.computed
        finally:
            self.computed = None
        observed = []
        for slot in region.observed:
            if slot.kind == "fact":
                observed.append(self.path(tuple(slot.key.split(".")), scope)[0].v)
            elif slot.kind == "param":
                param = self.parameters.get(slot.key)
                observed.append(self.literal(self.bound.value(slot.key), param.type if param else None))
            else:
                value = computed.get(id(slot.node))
                observed.append(value if value is not None else exp.Null())
        return found, observed

    def tree(self, tree: ir.Tree, scope: Scope) -> Tuple[Dict[int, V], Dict[int, List[exp.Expression]]]:
        results: Dict[int, V] = {}
        observed: Dict[int, List[exp.Expression]] = {}
        for leaf in tree.leaves:
            results[leaf.index], observed[leaf.index] = self.region(leaf.region, scope)
        return self.groups(tree, results), observed

    def groups(self, tree: ir.Tree, leaves: Dict[int, V], names: Optional[Dict[int, str]] = None) -> Dict[int, V]:
        """Every node's value from its leaves' values (all / any / not: Kleene); with ``names``,
        each group's value a column as soon as it is made, so that the groups above read it."""
        results: Dict[int, V] = dict(leaves)
        for node in reversed(tree.nodes):
            if isinstance(node, ir.Group):
                results[node.index] = found = self._group(node, [results[c.index] for c in node.children])
                if names is not None:
                    results[node.index] = self.mat(names[node.index], found)
        return results

    def _group(self, node: ir.Group, kids: List[V]) -> V:
        if node.op == "not":
            return V(exp.not_(exp.paren(kids[0].v, copy=False), copy=False), kids[0].u)
        if len(kids) == 1:  # all / any of one condition is that condition
            return V(exp.paren(kids[0].v, copy=False), kids[0].u)
        join = exp.and_ if node.op == "all" else exp.or_
        value = exp.paren(join(*[exp.paren(k.v, copy=False) for k in kids]) if kids else (exp.true() if node.op == "all" else exp.false()), copy=False)
        return V(value, self.when_null(value, self.concat(*(k.u for k in kids))))

    def amount(self, amount: ir.Amount, scope: Scope) -> Tuple[exp.Expression, Optional[V]]:
        """The amount rounded to the fen (NULL: pending), and its value with the facts a pending one
        needs; (NULL, None) when it reads a standard the source does not set on this date."""
        if any(self.bound.value(name) is None for name in amount.params):
            # it reads a standard the source does not set on this date: no amount, never 0
            return self.literal(None, "money"), None
        found, _ = self.region(amount.region, scope)
        return self.fen(found.v), found

    def mat(self, name: str, found: V) -> V:
        """A value computed once as a column; its unknown facts stay an expression, built only where read
        (they are empty unless the value is unknown, so they need no test of their own), reading
        the column wherever they test the value (a query is planned faster the smaller it is)."""
        assert self.layers is not None
        ref = self.layers.let(name, found.v)
        return V(ref, None if found.u is None else reading(found.u, found.v, ref, self.d.name))

    def fen(self, value: exp.Expression) -> exp.Expression:
        kind = self.d.decimal  # the value's own 12 places: rounding them to 10 first could round twice
        target = "NUMERIC" if self.d.name == "postgres" else "DECIMAL(38,2)"
        return self.d.cast(exp.Round(this=self.d.cast(value, kind), decimals=exp.Literal.number(2)), target)


def reading(tree: exp.Expression, value: exp.Expression, ref: exp.Expression, dialect: str) -> exp.Expression:
    """``tree`` with each copy of ``value`` in it replaced by ``ref``, the column that holds it
    (the same SQL text, on the same row): a new tree when it holds one, else ``tree`` itself."""
    kind, key, text = type(value), hash(value), []
    if not any(type(node) is kind and hash(node) == key for node in tree.walk()):
        return tree  # no copy of it: the tree as it is (copying is most of the compiler's time)

    def swap(node: exp.Expression) -> exp.Expression:
        if type(node) is kind and hash(node) == key:  # hashes can collide: the texts decide
            if not text:
                text.append(value.sql(dialect=dialect))
            if node.sql(dialect=dialect) == text[0]:
                return ref.copy()
        return node

    return tree.transform(swap, copy=True)


# ====================================================================== the whole rule


def _deciding(tree: ir.Tree, d: Dialect, names: Dict[int, exp.Expression]) -> exp.Expression:
    """The leaves that decided the result, as explain.deciding picks them from the top: each leaf
    with the test that every group above it picks the way down to it, in the tree's order, kept
    where the test holds (one flat list: a chain of list concatenations cost four times as much)."""
    leaves = deciding_tests(tree, lambda node: names[node.index].copy())
    return d.texts_where([(exp.Literal.string(leaf.id), test) for leaf, test in leaves]) if leaves else d.empty()


def deciding_tests(tree: ir.Tree, value: Callable[[ir.Node], exp.Expression]) -> List[Tuple[ir.Leaf, exp.Expression]]:
    """Each leaf, in the tree's order, with the test (never NULL) that it is among the deciding
    conditions. A group is the Kleene all / any of its children, so the children that decided
    it are those whose value is the group's own: when an all is false, the false ones; unknown,
    the unknown ones (none is false then); true, every one (all are true) — and the same for any
    with true and false swapped. A `not` hands its one child on."""
    leaves: List[Tuple[ir.Leaf, exp.Expression]] = []

    def walk(node: ir.Node, path: List[exp.Expression]) -> None:
        if isinstance(node, ir.Leaf):
            test = exp.and_(*[p.copy() for p in path], copy=False) if path else exp.true()
            leaves.append((node, test))
            return
        for child in node.children:
            if node.op in ("all", "any"):
                walk(child, path + [exp.paren(exp.NullSafeEQ(this=value(child), expression=value(node)), copy=False)])
            else:
                walk(child, path)

    walk(tree.root, [])
    return leaves


def deciding_json(tree: ir.Tree, table: str, columns: Collection[str]) -> Optional[str]:
    """The deciding conditions as a JSON array's text (DuckDB), read from the node columns of a
    rule's explaining query (``table``.c_<id>, among its ``columns``): what to_json of its
    ``deciding`` list writes, built without the list (a condition id is JSON-safe:
    load.ID_PATTERN), as the arguments of a concat() (the line's own, one copy of the text fewer).
    None when the query lacks a node's column."""
    if any(col_name("c", node.id, node.index) not in columns for node in tree.nodes):
        return None

    def value(node: ir.Node) -> exp.Expression:
        return exp.column(col_name("c", node.id, node.index), table, quoted=True)

    leaves = deciding_tests(tree, value)
    if not leaves:
        return "'[]'"
    picked = [case((test, exp.Literal.string(json.dumps(leaf.id, ensure_ascii=False)))) for leaf, test in leaves]
    # by name, as DuckDB reads them (sqlglot would spell its own concat_ws, NULL if any part is)
    listed = exp.Anonymous(this="concat_ws", expressions=[exp.Literal.string(","), *picked])
    return f"'[', {listed.sql(dialect='duckdb')}, ']'"


RefBinder = Callable[[str], ir.BoundRule]  # a referenced rule's id -> that rule bound for the same date and county


@attrs.frozen
class _Body:
    """A rule's conditions, checklist, classification and items, compiled into the layers."""

    nodes: Dict[int, V]
    parts: List[V]  # what eligibility is the `and` of
    classes: List[V]
    items_total: Optional[Tuple[exp.Expression, exp.Expression, exp.Expression]]


def _body(comp: _Compiler, rule: ir.RuleIR, scope: Scope, prefix: str, explain: bool, columns: List[Column],
          before_items: Callable[[], None], amount: bool = True) -> _Body:
    L = comp.layers
    assert L is not None
    node_names = {node.index: prefix + col_name("c", node.id, node.index) for node in rule.conditions.nodes}
    leaves: Dict[int, V] = {}
    for leaf in rule.conditions.leaves:
        found, observed = comp.region(leaf.region, scope)
        leaves[leaf.index] = comp.mat(node_names[leaf.index], found)
        columns.append(Column(node_names[leaf.index], "node", leaf.index))
        for k, (slot, value) in enumerate(zip(leaf.region.observed, observed)):
            if slot.kind == "param" or not explain:
                continue
            name = f"o_{node_names[leaf.index][2:]}_{k}"
            L.let(name, value)
            columns.append(Column(name, "observed", (leaf.index, k)))
    nodes = comp.groups(rule.conditions, leaves, node_names if explain else None)
    if explain:
        columns += [Column(node_names[node.index], "node", node.index) for node in rule.conditions.nodes
                    if isinstance(node, ir.Group)]
    parts: List[V] = [nodes[0]]
    extra: List[V] = []
    classes: List[V] = []
    if rule.checklist is not None:
        for criterion in rule.checklist.criteria:
            name = prefix + col_name("k", criterion.id, 0)
            extra.append(comp.mat(name, comp.region(criterion.region, scope)[0]))
            columns.append(Column(name, "criterion", criterion.id))
        passed, open_count = _checklist(comp, rule.checklist, extra, prefix)
        parts.append(passed)
        # with two or more criteria open, the bounds may leave open what every completion agrees
        # on, and list facts that change nothing: the reference's exact answer comes from Python
        comp.open_checks.append(exp.and_(is_null(passed.v.copy()),
                                         exp.GTE(this=open_count, expression=exp.Literal.number(2)), copy=False))
    if rule.classification is not None:
        for klass in rule.classification.classes:
            name = prefix + col_name("k", klass.id, 0)
            classes.append(comp.mat(name, comp.region(klass.region, scope)[0]))
            columns.append(Column(name, "class", klass.id))
    before_items()
    items_total = None
    if rule.items is not None:
        combined, items_total = _items(comp, rule.items, scope, columns, explain, prefix, amount)
        parts.append(combined)
    return _Body(nodes, parts, classes, items_total)


def _eligibility(comp: _Compiler, body: _Body, name: str) -> Tuple[exp.Expression, exp.Expression]:
    """The eligibility as a column, and the facts that could settle it (built only while it is unknown)."""
    d = comp.d
    parts = body.parts
    eligible_v = exp.paren(exp.and_(*[exp.paren(p.v, copy=False) for p in parts], copy=False), copy=False) if len(parts) > 1 else parts[0].v
    eligible = comp.layers.let(name, eligible_v)  # type: ignore[union-attr]
    eligible_u = comp.concat(*(p.u for p in parts))
    missing = case((is_null(eligible.copy()), comp.u_or_empty(eligible_u)), default=d.empty())
    class_u = comp.concat(*(k.u for k in body.classes))
    if class_u is not None:
        missing = d.concat_lists(missing, case((is_false(eligible.copy()), d.empty()), default=class_u))
    return eligible, missing


def _ref_truth(comp: _Compiler, bound: ir.BoundRule, prefix: str) -> V:
    """`@rule-id`: that rule's eligibility (NULL while undetermined, with its missing facts; the
    entity it applies to, when the claim lacks it), as the Python engine's rule references read it."""
    rule = bound.ir
    if not bound.in_force:
        return V(exp.false())  # not in force: ineligible
    # a claim-level value, wherever it is read (an item condition reads the column from its lambda)
    saved = comp.bound, comp.computed, comp.items, comp.depth, comp._item_paths
    comp.bound, comp.computed, comp.items, comp.depth, comp._item_paths = bound, None, [], 0, []
    try:
        scope = Scope(comp.schema)

        def notes() -> None:  # compiled for their division checks only, as the referenced rule's own are
            comp.hoisting = False
            for note in rule.notes:
                comp.region(note.when, scope)
            comp.hoisting = True

        body = _body(comp, rule, scope, prefix, False, [], notes, amount=False)
        if rule.items is None and rule.amount is not None:
            comp.hoisting = False
            comp.amount(rule.amount, scope)
            comp.hoisting = True
        eligible, missing = _eligibility(comp, body, prefix + "eligible")
    finally:
        comp.bound, comp.computed, comp.items, comp.depth, comp._item_paths = saved
    d = comp.d
    entity = comp.d.root(ALIAS, comp.layout.entity_column(rule.applies_to))
    absent = is_null(entity)
    value = comp.layers.let(prefix + "truth", case((absent, d.cast(exp.Null(), "BOOLEAN")), default=eligible.copy()))
    # its facts as a column too (only rows where it is unknown build them), so that an item's
    # lambda reads a column rather than holding the other rule's own lambdas
    u = case((absent.copy(), d.text_list_of(exp.Literal.string(rule.applies_to))),
             (is_null(eligible.copy()), missing), default=d.empty())
    return V(value, comp.layers.let(prefix + "missing", flat_texts(d, case((is_null(value.copy()), u), default=d.empty()))))


def compile_rule(bound: ir.BoundRule, schema: m.FactSchema, parameters: Dict[str, m.Parameter],
                 dialect: str = "duckdb", layout: Layout = DEFAULT_LAYOUT, explain: bool = True,
                 refs: Optional[RefBinder] = None, carry: Sequence[str] = ()) -> CompiledQuery:
    """One query for a bound rule: one row per claim of the table, keyed by the layout's key column.

    With ``explain=False`` the query is lean: only the decision columns (key, outcome, amount,
    amount_status, missing, amount_missing) are built, and the per-item list holds only what
    those need; the answers are the same as the full query's.

    ``refs`` binds a referenced rule (`@rule-id`) for the same date and county; its eligibility is
    compiled into the same query. Without it a rule with references cannot be compiled ([Q005]).

    Every value is computed once, as a column of a layer of the query (layers.py), and what
    needs it reads the column. The missing facts are built only for the rows that have some:
    an undetermined outcome, a pending amount.

    ``carry`` names columns of the claims table each row hands on unchanged, after the others (a
    runner's own, such as the record's id as it will be written), so that nothing joins the
    answers back to the table: over 45,600 rows that join cost as much as a fifth of the query."""
    if dialect not in ("duckdb", "postgres", "spark"):
        raise SqlError("Q006", None, dialect=dialect, choices="duckdb, postgres, spark")
    if layout is DEFAULT_LAYOUT:  # a mapping file's layout was checked as it was read
        check_layout(layout, schema)
    d = dialect_of(dialect)
    rule = bound.ir
    if any(name in _MADE or name.startswith(("c_", "o_", "k_", "note_", "_")) for name in carry):
        raise ValueError(f"a carried column's name is one the query makes: {list(carry)}")
    table = exp.Table(this=ident(layout.table[-1]), db=ident(layout.table[-2]) if len(layout.table) > 1 else None,
                      catalog=ident(layout.table[-3]) if len(layout.table) > 2 else None, alias=exp.TableAlias(this=ident(ALIAS)))
    key = exp.Column(this=ident(layout.key), table=ident(ALIAS))
    columns: List[Column] = [Column("key", "key")]
    if not bound.in_force:
        return _not_in_force(bound, d, table, key, columns, explain, carry)
    comp = _Compiler(bound, schema, parameters, d, layout)
    comp.refs = refs
    L = comp.layers = Layers(d, ALIAS)
    scope = Scope(schema)
    L.let("key", key)
    node_names = {node.index: col_name("c", node.id, node.index) for node in rule.conditions.nodes}

    def notes() -> None:
        for index, note in enumerate(rule.notes):
            comp.hoisting = explain  # a lean query shows no note: nothing of it becomes a column
            found, _ = comp.region(note.when, scope)  # compiled even when lean: its division checks stay
            comp.hoisting = True
            if explain:
                L.let(f"note_{index}", found.v)
                columns.append(Column(f"note_{index}", "note", index))

    body = _body(comp, rule, scope, "", explain, columns, notes)
    none = exp.Literal.string("none")
    total: exp.Expression = comp.literal(None, "money")
    status: exp.Expression = none
    amissing: exp.Expression = d.empty()
    if body.items_total is not None:
        total, status, amissing = body.items_total
    elif rule.items is None and rule.amount is not None:
        rounded, found = comp.amount(rule.amount, scope)
        if found is None:
            status = exp.Literal.string("no_standard")
        else:
            total = L.let("_rule_amount", rounded)
            status = case((not_null(total.copy()), exp.Literal.string("paid")), default=exp.Literal.string("pending"))
            if found.u is not None:
                amissing = case((is_null(total.copy()), found.u), default=d.empty())
    hand = comp.zero_checks + comp.open_checks  # rows the Python engine decides
    if hand:
        L.let("_fallback", exp.paren(exp.or_(*hand, copy=False), copy=False))
    eligible, missing = _eligibility(comp, body, "_eligible")
    yes = is_true(eligible.copy())
    L.let("amount", case((yes, total)))
    L.let("amount_status", case((yes.copy(), status), default=none.copy()))
    outcome = case((is_true(eligible.copy()), exp.Literal.string("eligible")),
                   (is_false(eligible.copy()), exp.Literal.string("ineligible")),
                   default=exp.Literal.string("undetermined"))
    L.let("outcome", outcome)
    L.let("missing", _distinct(d, L.let("_missing", flat_texts(d, missing))))
    pending = flat_texts(d, case((yes.copy(), amissing), default=d.empty()))  # the facts an eligible claim's amount waits for
    L.let("amount_missing", _distinct(d, L.let("_amount_missing", pending)))
    columns[1:1] = [Column("outcome", "outcome"), Column("amount", "amount"), Column("amount_status", "status"),
                    Column("missing", "missing"), Column("amount_missing", "amount_missing")]
    if explain:
        L.let("deciding", _deciding(rule.conditions, d, {i: L.ref(n) for i, n in node_names.items()}))
        columns.append(Column("deciding", "deciding"))
    else:
        columns = [c for c in columns if c.kind in _LEAN]
    # the old column order: decision columns, the deciding conditions, then each condition, value, item
    outputs = [c.name for c in columns if c.kind in _LEAN] + (["deciding"] if explain else [])
    outputs += [c.name for c in columns if c.kind not in _LEAN and c.kind != "deciding"]
    if hand:
        outputs.append("_fallback")
    tree = L.query(table, outputs, carry)
    return CompiledQuery(rule.id, dialect, tree, tuple(columns), bool(hand))


def flat_texts(d: Dialect, lst: exp.Expression) -> exp.Expression:
    """The same list of texts with its nested concatenations of guarded literal texts (``CASE
    WHEN test THEN ['a.b'] ELSE [] END``, as the missing facts are built) made flat lists, each
    text kept under the tests above it: one filter over a list instead of a deep tree of
    concatenations and CASEs (a query is planned faster the smaller it is). The tests every text
    shares stay one CASE around the whole (a complete claim still builds nothing); anything else
    in the list (texts built in a lambda, another column) stays as it is, in its place."""
    pieces: List[Tuple[Optional[exp.Expression], exp.Expression, Tuple[exp.Expression, ...]]] = []  # text | list, tests

    def walk(e: exp.Expression, tests: Tuple[exp.Expression, ...]) -> None:
        operands = d.list_operands(e)
        if operands is not None:
            for operand in operands:
                walk(operand, tests)
            return
        if d.is_empty(e):
            return
        texts = d.texts_in(e)
        if texts is not None:
            pieces.extend((text, e, tests) for text in texts)
            return
        whens = (e.args.get("ifs") or []) if isinstance(e, exp.Case) else []
        default = e.args.get("default") if whens else None
        # a test that is NULL takes the ELSE branch, as it keeps the text out of the filtered list
        if len(whens) == 1 and default is not None and d.is_empty(default):
            walk(whens[0].args["true"], tests + (whens[0].this,))
            return
        pieces.append((None, e, tests))

    walk(lst, ())
    if not any(text is not None for text, _, _ in pieces):
        return lst
    shared = 0  # the tests every piece is under
    while all(len(tests) > shared and tests[shared] is pieces[0][2][shared] for _, _, tests in pieces):
        shared += 1

    def under(tests: Tuple[exp.Expression, ...]) -> exp.Expression:
        return exp.and_(*tests, copy=True) if tests else exp.true()

    parts: List[exp.Expression] = []
    run: List[Tuple[exp.Expression, exp.Expression]] = []
    for text, e, tests in pieces + [(None, None, ())]:
        if text is not None:
            run.append((text.copy(), under(tests[shared:])))
            continue
        if run:
            parts.append(d.texts_where(run))
            run = []
        if e is not None:
            rest = tests[shared:]
            parts.append(case((under(rest), e.copy()), default=d.empty()) if rest else e.copy())
    flat = d.concat_lists(*parts)
    return case((under(pieces[0][2][:shared]), flat), default=d.empty()) if shared else flat


def _distinct(d: Dialect, lst: exp.Expression) -> exp.Expression:
    """Repeats removed (first kept, in place); a list of none or one, as most are, is left as it is."""
    short = exp.LT(this=d.size(lst.copy()), expression=exp.Literal.number(2))
    return case((short, lst.copy()), default=d.distinct(lst))


_LEAN = frozenset(("key", "outcome", "amount", "status", "missing", "amount_missing"))
# the names of the columns a query makes beside its conditions', values' and notes' (c_, o_, k_, note_)
_MADE = frozenset(("key", "outcome", "amount", "amount_status", "missing", "amount_missing", "deciding", "items"))


def _not_in_force(bound: ir.BoundRule, d: Dialect, table, key, columns: List[Column], explain: bool = True,
                  carry: Sequence[str] = ()) -> CompiledQuery:
    rule = bound.ir
    select = [exp.alias_(key, "key", quoted=True), exp.alias_(exp.Literal.string("ineligible"), "outcome", quoted=True),
              exp.alias_(d.cast(exp.Null(), "NUMERIC" if d.name == "postgres" else "DECIMAL(38,2)"), "amount", quoted=True),
              exp.alias_(exp.Literal.string("none"), "amount_status", quoted=True),
              exp.alias_(d.empty(), "missing", quoted=True), exp.alias_(d.empty(), "amount_missing", quoted=True)]
    columns += [Column("outcome", "outcome"), Column("amount", "amount"), Column("amount_status", "status"),
                Column("missing", "missing"), Column("amount_missing", "amount_missing")]
    for node in rule.conditions.nodes if explain else ():
        name = col_name("c", node.id, node.index)
        select.append(exp.alias_(exp.false() if node.index == 0 else d.cast(exp.Null(), "BOOLEAN"), name, quoted=True))
        columns.append(Column(name, "node", node.index))
    select += [exp.alias_(exp.Column(this=ident(name), table=ident(ALIAS)), name, quoted=True) for name in carry]
    return CompiledQuery(rule.id, d.name, exp.select(*select).from_(table), tuple(columns), False)


def _checklist(comp: _Compiler, checklist: ir.Checklist, found: Sequence[V], prefix: str) -> Tuple[V, exp.Expression]:
    """The checklist's pass (with its unknown facts) and how many criteria are open. Each sum of
    points is a column computed once: a test reads it twice (what is met, what may still be), and
    written out each time it made demonstration-village's query a third longer to plan."""
    from .dialects import lit

    L = comp.layers
    assert L is not None

    def total(name: str, points, cond) -> exp.Expression:
        terms = [case((cond(v.v), lit(format(p, "f") if isinstance(p, Decimal) else p)), default=exp.Literal.number(0))
                 for p, v in zip(points, found)]
        node = terms[0]
        for term in terms[1:]:
            node = exp.Add(this=node, expression=term)
        return L.let(prefix + name, exp.paren(node, copy=False))

    points = [c.points for c in checklist.criteria]
    ones = [1] * len(found)
    checks: List[exp.Expression] = []
    vetoes = [exp.paren(v.v, copy=False) for c, v in zip(checklist.criteria, found) if c.veto]
    checks.append(exp.paren(exp.and_(*vetoes, copy=False), copy=False) if vetoes else exp.true())

    def at_least(sure: exp.Expression, open_: exp.Expression, wanted: Any) -> exp.Expression:
        want = lit(format(wanted, "f") if isinstance(wanted, Decimal) else wanted)
        return case((exp.GTE(this=sure, expression=want), exp.true()),
                    (exp.LT(this=exp.Add(this=sure.copy(), expression=open_), expression=want.copy()), exp.false()))

    open_count = total("checklist_open", ones, is_null)
    if checklist.min_score is not None:
        checks.append(at_least(total("checklist_points", points, is_true), total("checklist_points_open", points, is_null),
                               checklist.min_score))
    if checklist.at_least is not None or checklist.all:
        met = total("checklist_met", ones, is_true)
        if checklist.at_least is not None:
            checks.append(at_least(met, open_count.copy(), checklist.at_least))
        if checklist.all:
            checks.append(at_least(met.copy(), open_count.copy(), len(found)))
    passed = L.let(prefix + "checklist", exp.paren(exp.and_(*checks, copy=False), copy=False))
    return V(passed, comp.when_null(passed.copy(), comp.concat(*(v.u for v in found)))), open_count.copy()


def _reads_item(value: exp.Expression, depth: int) -> bool:
    """Whether an expression reads the item (or its index) of the list at this depth."""
    names = (f"_x{depth}", f"_i{depth}")
    return any(not c.table and c.name in names for c in value.find_all(exp.Column))


def _items(comp: _Compiler, items: ir.Items, scope: Scope, columns: List[Column], explain: bool = True,
           prefix: str = "", want_amount: bool = True):
    """The per-item list (each item's state computed once), the counts over it, the combined truth
    (with its unknown facts) and the items' amount (amount, status, the facts a pending one needs)."""
    d = comp.d
    L = comp.layers
    assert L is not None and isinstance(items.over.expr, ast.Path)
    over, path = comp.path(items.over.expr.parts, scope)
    inner, _level = comp.enter(path, items.entity, scope, comp._schema_dotted(items.over.expr.parts, scope))
    depth = comp.depth
    considered = comp.region(items.where, inner)[0] if items.where is not None else None
    nodes, _ = comp.tree(items.conditions, inner)
    root = nodes[0]
    if considered is None:
        state, state_u = root.v, root.u
    else:  # Kleene's and: an item not considered is false, whatever its conditions
        state = exp.paren(exp.and_(exp.paren(considered.v, copy=False), exp.paren(root.v, copy=False), copy=False), copy=False)
        state_u = comp.concat(considered.u, root.u)
    rounded: Optional[exp.Expression] = None
    afound: Optional[V] = None
    per_item = False
    if items.amount is not None:
        rounded, afound = comp.amount(items.amount, inner)
        per_item = afound is not None and _reads_item(rounded, depth)
    name = None
    if items.name is not None:
        name = comp.region(items.name, inner)[0].v  # compiled even when lean: its division checks stay
    comp.leave()
    none, pending_s, paid = exp.Literal.string("none"), exp.Literal.string("pending"), exp.Literal.string("paid")
    item = d.var(f"_x{depth}")

    def get(field: str, kind: str) -> exp.Expression:
        return d.field(item.copy(), field, kind)

    if explain:
        # two passes: each item's leaves (and amount, name) from its facts, then its groups, state
        # and amount from those fields; the explanation reads every field
        first: List[Tuple[str, exp.Expression]] = [("index", d.index0(depth)),
                                                   ("considered", considered.v if considered is not None else exp.true())]
        for leaf in items.conditions.leaves:
            first.append((col_name("c", leaf.id, leaf.index), nodes[leaf.index].v))
        if per_item:
            first.append(("a", rounded))
        if name is not None:
            first.append(("name", name))
        built = d.items_list(over.v.copy(), d.struct(first), depth)
        groups = comp.groups(items.conditions, {leaf.index: V(get(col_name("c", leaf.id, leaf.index), "bool"))
                                                for leaf in items.conditions.leaves})
        seen = get("considered", "bool")
        y_state = groups[0].v if considered is None else exp.paren(exp.and_(exp.paren(seen.copy(), copy=False), exp.paren(groups[0].v, copy=False), copy=False), copy=False)
        second: List[Tuple[str, exp.Expression]] = [("index", get("index", "integer")), ("considered", seen.copy()),
                                                    ("state", y_state)]
        for node in items.conditions.nodes:
            shown = groups[node.index].v.copy()
            if considered is not None:  # an item `where` leaves out shows no condition results
                shown = case((is_false(seen.copy()), d.cast(exp.Null(), "BOOLEAN")), default=shown)
            second.append((col_name("c", node.id, node.index), shown))
        if items.amount is not None:
            each = get("a", "money") if per_item else rounded.copy()
            each_status = (exp.Literal.string("no_standard") if afound is None
                           else case((not_null(each.copy()), paid.copy()), default=pending_s.copy()))
            second.append(("amount", case((is_true(y_state.copy()), each))))
            second.append(("amount_status", case((is_true(y_state.copy()), each_status), default=none.copy())))
        if name is not None:
            second.append(("name", get("name", "record")))
        lst = L.let(prefix + "items", d.items_list(built, d.struct(second), depth))
        columns.append(Column(prefix + "items", "items"))
    else:
        fields: List[Tuple[str, exp.Expression]] = [] if considered is None else [("considered", considered.v)]
        fields.append(("state", state.copy()))
        if per_item:
            fields.append(("amount", rounded))
        lst = L.let(prefix + "_items", d.items_list(over.v.copy(), d.struct(fields), depth))
    # ---- the counts over the list, once each
    zero = exp.Literal.number(0)

    def count(label: str, cond: exp.Expression) -> exp.Expression:
        return L.let(label, d.count_over(lst.copy(), cond, depth))

    def some(n: exp.Expression) -> exp.Expression:
        return exp.GT(this=n.copy(), expression=zero.copy())

    s = get("state", "bool")
    n_true, n_null = count(prefix + "_items_true", is_true(s)), count(prefix + "_items_null", is_null(s.copy()))
    if items.require == "all":
        false = is_false(s.copy())
        if considered is not None:  # an item `where` leaves out does not count against `all`
            false = exp.and_(false, exp.not_(is_false(get("considered", "bool")), copy=False), copy=False)
        value = case((some(count(prefix + "_items_false", false)), exp.false()), (some(n_null), exp.Null()), default=exp.true())
    else:
        value = case((some(n_true), exp.true()), (some(n_null), exp.Null()), default=exp.false())
    list_null = is_null(lst.copy())
    ok = L.let(prefix + "_items_ok", case((list_null, exp.Null()), default=value))

    def flat(cond: Optional[exp.Expression], body: exp.Expression) -> exp.Expression:
        # facts still unknown, item by item: over the claim's own list, built only where read
        return d.flat_over(over.v.copy(), body if cond is None else case((cond, body), default=d.empty()), depth)

    unknown_items = d.empty()
    if state_u is not None:
        # the facts of the items whose state is unknown: once, and only on a claim that has such items
        # (without `where`, the facts are the state's own: empty unless it is unknown)
        each = flat(None if considered is None else is_null(state.copy()), state_u.copy())
        unknown_items = L.let(prefix + "_items_unknown", case((some(n_null), each), default=d.empty()))
    unknown = case((list_null.copy(), comp.u_or_empty(over.u)), (is_null(ok.copy()), unknown_items.copy()), default=d.empty())
    combined = V(ok, unknown)
    if items.amount is None or not want_amount:
        return combined, None
    kind = "NUMERIC" if d.name == "postgres" else "DECIMAL(38,2)"
    zero_k = d.cast(zero.copy(), kind)
    whens: List[Tuple[exp.Expression, exp.Expression]] = [(list_null.copy(), none.copy())]
    if afound is None:  # no standard on this date: nothing is paid, nothing waits on a fact of an item
        whens += [(some(n_null), pending_s.copy()), (some(n_true), exp.Literal.string("no_standard"))]
        total: exp.Expression = zero_k
    elif per_item:
        field = "amount"
        n_pending = count(prefix + "_items_pending", exp.and_(is_true(s.copy()), is_null(get(field, "money")), copy=False))
        whens.append((exp.or_(some(n_pending), some(n_null), copy=False), pending_s.copy()))
        each_sum = case((is_true(s.copy()), exp.Coalesce(this=get(field, "money"), expressions=[zero_k.copy()])),
                        default=zero_k.copy())
        total = L.let(prefix + "_items_sum", d.sum_over(lst.copy(), each_sum, depth, kind))
    else:  # the same amount for every item (it reads no fact of the item): computed once
        each = L.let(prefix + "_items_each", rounded.copy())
        waits = exp.and_(is_null(each.copy()), some(n_true), copy=False)
        whens.append((exp.or_(waits, some(n_null), copy=False), pending_s.copy()))
        total = exp.Mul(this=n_true.copy(), expression=exp.Coalesce(this=each.copy(), expressions=[zero_k.copy()]))
    status = L.let(prefix + "_items_status", case(*whens, default=paid.copy()))
    amount = L.let(prefix + "_items_amount", case((exp.EQ(this=status.copy(), expression=paid.copy()), d.cast(total, kind))))
    waiting: List[exp.Expression] = []
    if afound is not None and afound.u is not None:
        each_missing = case((is_null(rounded.copy()), afound.u), default=d.empty())
        waiting.append(flat(is_true(state.copy()), each_missing))
    if state_u is not None:
        waiting.append(unknown_items.copy())
    amissing = d.empty()
    if waiting:
        amissing = case((exp.EQ(this=status.copy(), expression=pending_s.copy()), comp.concat(*waiting)), default=d.empty())
    return combined, (amount, status, amissing)


def compile_bound(policy: Any, bound: ir.BoundRule, dialect: str = "duckdb", layout: Layout = DEFAULT_LAYOUT,
                  explain: bool = True, carry: Sequence[str] = ()) -> CompiledQuery:
    """A policy's bound rule as a query, the rules it refers to bound at the same date and county."""
    return compile_rule(bound, policy.schema, policy.model.parameters, dialect, layout, explain,
                        refs=lambda other: policy.bound_rule(other, bound.as_of, bound.jurisdiction), carry=carry)
