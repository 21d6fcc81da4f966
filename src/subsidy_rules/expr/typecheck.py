"""Type-check an expression against the fact schema and the parameters.

Every problem is reported through a callback (code, span, suggestions, args),
so one run finds all of them. Returns the expression's type (ANY after an error,
which silences follow-on errors).
"""

from __future__ import annotations

from typing import Any, Callable, Collection, Dict, Optional

from ..errors import did_you_mean
from ..messages import Word, type_name
from ..source import Span
from . import ast
from .types import (AGGREGATES, ANY, BOOL, BUILTINS, DATE, DECIMAL, INTEGER, TEXT, ResolveError, Scope, Type,
                    comparable, numeric_result, resolve, unify)

Report = Callable[..., None]  # report(code, span, suggestions=(), **args)

PARAM_TYPES = {"money": Type("money"), "decimal": DECIMAL, "integer": INTEGER, "bool": BOOL, "date": DATE, "text": TEXT}


def _name(t: Type, lang: str = "zh") -> str:
    if t.kind in ("list", "record"):
        return f"{type_name(t.kind, lang)}<{t.entity}>"
    return type_name(t.kind, lang)


class Checker:
    def __init__(self, params: Dict[str, Any], rules: Collection[str], report: Report, fallback: Optional[Span] = None) -> None:
        self.params = params
        self.rules = rules
        self.report = report
        self.fallback = fallback
        self.rule_refs: list = []

    def _span(self, node: ast.Expr) -> Optional[Span]:
        return node.span or self.fallback

    def mismatch(self, node: ast.Expr, zh: str, en: Optional[str] = None) -> Type:
        self.report("E034", self._span(node), detail=Word(zh, en if en is not None else zh))
        return ANY

    def check(self, node: ast.Expr, scope: Scope) -> Type:
        method = getattr(self, "_" + type(node).__name__)
        return method(node, scope)

    # literals
    def _NumberLit(self, node: ast.NumberLit, scope: Scope) -> Type:
        return INTEGER if isinstance(node.value, int) else DECIMAL

    def _TextLit(self, node, scope):
        return TEXT

    def _BoolLit(self, node, scope):
        return BOOL

    def _DateLit(self, node, scope):
        return DATE

    def _Path(self, node: ast.Path, scope: Scope) -> Type:
        try:
            return resolve(node.parts, scope).type
        except ResolveError as exc:
            code = exc.code
            self.report(code, self._span(node), did_you_mean(exc.name, exc.candidates), name=exc.name)
            return ANY

    def _Param(self, node: ast.Param, scope: Scope) -> Type:
        param = self.params.get(node.name)
        if param is None:
            self.report("E032", self._span(node), did_you_mean(node.name, self.params), name=node.name)
            return ANY
        return PARAM_TYPES.get(param.type, ANY)

    def _RuleRef(self, node: ast.RuleRef, scope: Scope) -> Type:
        if node.rule_id not in self.rules:
            self.report("E027", self._span(node), did_you_mean(node.rule_id, self.rules), name=node.rule_id)
        else:
            self.rule_refs.append(node)
        return BOOL

    def expect_bool(self, node: ast.Expr, scope: Scope) -> Type:
        found = self.check(node, scope)
        if found.kind not in ("bool", "any"):
            self.mismatch(node, f"需要 是/否,这里是{_name(found)}", f"expected yes/no, got {_name(found, 'en')}")
        return BOOL

    def expect_scalar(self, node: ast.Expr, scope: Scope) -> Type:
        found = self.check(node, scope)
        if not found.scalar:
            name = node.dotted if isinstance(node, ast.Path) else "…"
            self.report("E044", self._span(node), name=name)
            return ANY
        return found

    def _Not(self, node: ast.Not, scope: Scope) -> Type:
        return self.expect_bool(node.operand, scope)

    def _Logical(self, node: ast.Logical, scope: Scope) -> Type:
        for operand in node.operands:
            self.expect_bool(operand, scope)
        return BOOL

    def _Neg(self, node: ast.Neg, scope: Scope) -> Type:
        found = self.expect_scalar(node.operand, scope)
        if not found.numeric and found.kind != "any":
            return self.mismatch(node, f"负号需要数值,这里是{_name(found)}", f"minus needs a number, got {_name(found, 'en')}")
        return found

    def _Compare(self, node: ast.Compare, scope: Scope) -> Type:
        left = self.expect_scalar(node.left, scope)
        right = self.expect_scalar(node.right, scope)
        ordering = node.op not in ("==", "!=")
        if not comparable(left, right, ordering):
            self.mismatch(node, f"{_name(left)} {node.op} {_name(right)}", f"{_name(left, 'en')} {node.op} {_name(right, 'en')}")
        else:
            self._enum_literal(left, node.right)
            self._enum_literal(right, node.left)
        return BOOL

    def _enum_literal(self, enum: Type, other: ast.Expr) -> None:
        if enum.kind == "enum" and isinstance(other, ast.TextLit) and other.value not in enum.values:
            self.report("E045", self._span(other), did_you_mean(other.value, enum.values),
                        field="|".join(enum.values), value=other.value)

    def _Arith(self, node: ast.Arith, scope: Scope) -> Type:
        left = self.expect_scalar(node.left, scope)
        right = self.expect_scalar(node.right, scope)
        if left.kind == "any" or right.kind == "any":
            return ANY
        if not (left.numeric and right.numeric):
            return self.mismatch(node, f"{_name(left)} {node.op} {_name(right)}", f"{_name(left, 'en')} {node.op} {_name(right, 'en')}")
        return numeric_result(node.op, left, right)

    def _In(self, node: ast.In, scope: Scope) -> Type:
        item = self.expect_scalar(node.item, scope)
        if not isinstance(node.collection, ast.ListLit):
            return self.mismatch(node.collection, "in 的右边应当是 [..] 列表", "the right of 'in' must be a [..] list")
        for element in node.collection.items:
            found = self.expect_scalar(element, scope)
            if not comparable(item, found, False):
                self.mismatch(element, f"{_name(item)} in [{_name(found)}]", f"{_name(item, 'en')} in [{_name(found, 'en')}]")
            else:
                self._enum_literal(item, element)
        return BOOL

    def _ListLit(self, node: ast.ListLit, scope: Scope) -> Type:
        return self.mismatch(node, "[..] 只能用在 in 的右边", "a [..] list can only follow 'in'")

    def _If(self, node: ast.If, scope: Scope) -> Type:
        self.expect_bool(node.cond, scope)
        then = self.expect_scalar(node.then, scope)
        otherwise = self.expect_scalar(node.otherwise, scope)
        joined = unify(then, otherwise)
        if joined is None:
            return self.mismatch(node, f"then {_name(then)},else {_name(otherwise)}", f"then {_name(then, 'en')}, else {_name(otherwise, 'en')}")
        return joined

    def _Call(self, node: ast.Call, scope: Scope) -> Type:
        builtin = BUILTINS.get(node.name)
        if builtin is None:
            self.report("E033", self._span(node), did_you_mean(node.name, list(BUILTINS) + list(AGGREGATES)), name=node.name)
            for arg in node.args:
                self.check(arg, scope)
            return ANY
        if builtin.params == ("number*",):
            if not node.args:
                self.report("E035", self._span(node), name=node.name, expected="1+", actual=0)
                return ANY
            result: Optional[Type] = None
            for arg in node.args:
                found = self.expect_scalar(arg, scope)
                if not found.numeric and found.kind != "any":
                    self.mismatch(arg, f"{node.name} 需要数值,这里是{_name(found)}", f"{node.name} needs numbers, got {_name(found, 'en')}")
                    continue
                result = found if result is None else unify(result, found)
            return result or ANY
        if len(node.args) != len(builtin.params):
            self.report("E035", self._span(node), name=node.name, expected=len(builtin.params), actual=len(node.args))
            return ANY
        for arg, kind in zip(node.args, builtin.params):
            if kind == "path":
                if not isinstance(arg, ast.Path):
                    self.mismatch(arg, f"{node.name} 需要字段路径", f"{node.name} needs a fact path")
                else:
                    self.check(arg, scope)
                continue
            found = self.expect_scalar(arg, scope)
            ok = found.kind == "any" or (found.kind == kind) or (kind == "integer" and found.kind == "integer")
            if not ok:
                self.mismatch(arg, f"{node.name}:需要{_name(Type(kind))},这里是{_name(found)}", f"{node.name}: needs {_name(Type(kind), 'en')}, got {_name(found, 'en')}")
        return Type(builtin.result)

    def _Aggregate(self, node: ast.Aggregate, scope: Scope) -> Type:
        source = self.check(node.source, scope)
        if source.kind == "any":
            inner = None
        elif source.kind != "list":
            name = node.source.dotted if isinstance(node.source, ast.Path) else "…"
            self.report("E041", self._span(node.source), name=name, func=node.func)
            inner = None
        else:
            inner = scope.enter(source.entity or "")
        if inner is None:
            return BOOL if node.func in ("any", "all") else (INTEGER if node.func == "count" else ANY)
        if node.where is not None:
            self.expect_bool(node.where, inner)
        if node.func in ("sum", "min", "max"):
            if node.value is None:
                self.report("E042", self._span(node), func=node.func)
                return ANY
            value = self.expect_scalar(node.value, inner)
            if node.func == "sum" and not value.numeric and value.kind != "any":
                return self.mismatch(node.value, f"sum 需要数值,这里是{_name(value)}", f"sum needs numbers, got {_name(value, 'en')}")
            if node.func in ("min", "max") and not (value.numeric or value.kind in ("date", "any")):
                return self.mismatch(node.value, f"{node.func}:不能用于{_name(value)}", f"{node.func}: not for {_name(value, 'en')}")
            return value
        if node.value is not None:
            self.report("E043", self._span(node.value), func=node.func)
        if node.func in ("any", "all") and node.where is None:
            self.report("E046", self._span(node), func=node.func)
        return INTEGER if node.func == "count" else BOOL
