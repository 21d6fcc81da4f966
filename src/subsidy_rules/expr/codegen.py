"""Expressions -> Python source, two-valued.

* decide: Python expressions over facts assumed present and well typed; any
  surprise (missing key, None, wrong type) raises, and the caller hands the claim
  to the IR's reference evaluator, which defines the meaning. This is the fast path.
* fast explain: the same, with every fact a region mentions read up front and
  every value an explanation shows kept.

Generated text is assembled only from validated parts: schema names (checked
against NAME_PATTERN), rule ids (ID_PATTERN), operators from a fixed table, and
constants, which live in a namespace and are referred to by generated names.
No text of a rule file is ever formatted into code.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import attrs

from ..facts import MAX_LIST
from . import ast
from .interpret import region_paths
from .printer import operand_text, to_text
from .types import Resolved, Scope, resolve

PY_COMPARE = {">=": ">=", "<=": "<=", ">": ">", "<": "<", "==": "==", "!=": "!="}
PY_ARITH = {"+": "+", "-": "-", "*": "*"}

CLASS_CHECK = {
    "bool": "{t}.__class__ is not _bool",
    # numbers out of range go to _chk too, which rejects them (C005) as reading a claim file does
    "integer": "({t}.__class__ is not _int or not _NLIM < {t} < _LIM)",
    "decimal": "(({t}.__class__ is not _Dec and {t}.__class__ is not _int) or not _inlim({t}))",
    "money": "(({t}.__class__ is not _Dec and {t}.__class__ is not _int) or not _inlim({t}))",
    "date": "{t}.__class__ is not _date",
    "text": "{t}.__class__ is not _str",
    "enum": "({t}.__class__ is not _str or {t} not in {values})",
    # an over-long list goes to _chk too, which rejects it (C010) as reading a claim file does
    "list": "({t}.__class__ is not _list or _len({t}) > " + str(MAX_LIST) + ")",
    "record": "{t}.__class__ is not _dict",
}


class Namespace:
    """Constants used by generated code, each under a generated name."""

    def __init__(self) -> None:
        self.values: Dict[str, Any] = {}
        self._by_key: Dict[Tuple[type, Any], str] = {}

    def const(self, value: Any) -> str:
        if value is None:
            return "None"
        if isinstance(value, bool):
            return "True" if value else "False"
        if type(value) is int:
            return repr(value)
        key = (type(value), value if not isinstance(value, (list, set)) else tuple(value))
        name = self._by_key.get(key)
        if name is None:
            name = f"_K{len(self.values)}"
            self.values[name] = value
            self._by_key[key] = name
        return name


@attrs.define
class Level:
    """An item scope at run time: the variable holding the item and its JSON path format."""

    var: str
    fmt: str
    idx: Tuple[str, ...]

    def path_expr(self, ns: Namespace, suffix: str = "") -> str:
        fmt = ns.const(self.fmt + suffix)
        if not self.idx:
            return fmt
        return f"({fmt} % ({', '.join(self.idx)},))"


class Emitter:
    """Collects indented lines and hands out fresh names."""

    def __init__(self, ns: Namespace, indent: int = 1) -> None:
        self.ns = ns
        self.lines: List[str] = []
        self.indent = indent
        self.counter = 0

    def fresh(self, prefix: str = "_t") -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def line(self, text: str) -> None:
        self.lines.append("    " * self.indent + text)

    def block(self):
        emitter = self

        class _Block:
            def __enter__(self):
                emitter.indent += 1

            def __exit__(self, *exc):
                emitter.indent -= 1

        return _Block()


@attrs.define
class Context:
    """What an expression sees: the schema scope, the entity variables and the item levels."""

    scope: Scope
    entity_vars: Dict[str, str]
    levels: Tuple[Level, ...] = ()
    params: Dict[str, str] = attrs.field(factory=dict)

    def enter(self, entity: str, level: Level) -> "Context":
        return Context(self.scope.enter(entity), self.entity_vars, self.levels + (level,), self.params)


def _literal(node: ast.Expr) -> bool:
    return isinstance(node, (ast.NumberLit, ast.TextLit, ast.BoolLit, ast.DateLit, ast.Param))


def _base(resolved: Resolved, ctx: Context) -> Tuple[str, Optional[Level], str]:
    """(variable, level, path prefix) where a resolved path starts."""
    if resolved.root == "item":
        level = ctx.levels[resolved.level]
        return level.var, level, ""
    return ctx.entity_vars[resolved.entity or ""], None, resolved.entity or ""


# =========================================================== decide mode


class Decide:
    """Two-valued Python expressions; anything unexpected raises _Bail or a lookup error.

    ``trusted``: the facts were checked against the schema already, so numbers,
    dates and text need no class check (a missing one still raises on use)."""

    ranging = False  # range-check numbers as they are read (set while reading values to show)

    def __init__(self, out: Emitter, trusted: bool = False) -> None:
        self.out = out
        self.ns = out.ns
        self.trusted = trusted

    def expr(self, node: ast.Expr, ctx: Context) -> str:
        return getattr(self, "_" + type(node).__name__)(node, ctx)

    def _NumberLit(self, node, ctx):
        return self.ns.const(node.value)

    _TextLit = _BoolLit = _DateLit = _NumberLit

    def _typed(self, kind: str, expr: str, values: Tuple[str, ...] = ()) -> str:
        if kind == "bool":
            # read twice on the false path rather than bind: cheaper where it counts (a pure lookup)
            if self.trusted:  # checked facts hold True, False or None: only None needs the slow path
                return f"({expr} or ({expr} is None and _bail()))"
            return f"({expr} is True or ({expr} is not False and _bail()))"
        if kind == "record":
            return expr  # subscripting anything but a mapping raises TypeError
        if kind == "list":
            return f"_lst({expr})"  # no assignment expression in a comprehension's iterable
        w, test = self._bound(kind, expr, values)
        return f"({w} if {test} else _bail())"

    def _bound(self, kind: str, expr: str, values: Tuple[str, ...] = ()) -> Tuple[str, str]:
        """(variable, test): the test binds the value read to the variable and is true when it may be used."""
        w = self.out.fresh("_w")
        bind = f"({w} := {expr})"
        if self.trusted and kind in ("integer", "decimal", "money", "date", "text"):
            # no class check, but None (unknown) must still bail: == != and `in` accept it silently
            return w, f"{bind} is not None"
        test = {
            "integer": f"{bind}.__class__ is _int",
            "decimal": f"({bind}.__class__ is _Dec or {w}.__class__ is _int)",
            "money": f"({bind}.__class__ is _Dec or {w}.__class__ is _int)",
            "date": f"{bind}.__class__ is _date",
            "text": f"{bind}.__class__ is _str",
            "enum": f"({bind}.__class__ is _str and {w} in {self.ns.const(frozenset(values))})",
        }[kind]
        if self.ranging and kind in ("integer", "decimal", "money"):
            test += f" and _NLIM < {w} < _LIM"  # a value that will be shown must be one a claim may hold
        return w, test

    def _path_read(self, node: ast.Expr, ctx: Context) -> Optional[Tuple[str, str, str]]:
        """A fact path whose value is checked by a test: (kind, lookup expression, enum values); else None."""
        if not isinstance(node, ast.Path):
            return None
        resolved = resolve(node.parts, ctx.scope)
        if resolved.root == "as_of":
            return None
        last = resolved.fields[-1]
        if last.type not in ("integer", "decimal", "money", "date", "text", "enum"):
            return None
        expr, _, _ = _base(resolved, ctx)
        for field in resolved.fields:
            expr = f"{expr}[{field.name!r}]"
        return last.type, expr, last.values

    def _Path(self, node, ctx):
        resolved = resolve(node.parts, ctx.scope)
        if resolved.root == "as_of":
            return "A"
        base, _, _ = _base(resolved, ctx)
        expr = base
        for field in resolved.fields:
            expr = f"{expr}[{field.name!r}]"
        last = resolved.fields[-1]
        return self._typed(last.type, expr, last.values)

    def _Param(self, node, ctx):
        return ctx.params[node.name]

    def _RuleRef(self, node, ctx):
        return f"_ref(R({node.rule_id!r}, claim))"

    def _Not(self, node, ctx):
        return f"(not {self.expr(node.operand, ctx)})"

    def _Neg(self, node, ctx):
        return f"(-{self.expr(node.operand, ctx)})"

    def _Logical(self, node, ctx):
        return "(" + f" {node.op} ".join(self.expr(x, ctx) for x in node.operands) + ")"

    def _Compare(self, node, ctx):
        op = PY_COMPARE[node.op]
        left_read, right_read = self._path_read(node.left, ctx), self._path_read(node.right, ctx)
        if self.trusted and node.op not in ("==", "!=") and not self.ranging:
            # checked facts: a number, date or text is of its class or None, and None in an
            # ordering comparison raises TypeError, which hands the claim over: no test needed
            left = left_read[1] if left_read and left_read[0] != "enum" else self.expr(node.left, ctx)
            right = right_read[1] if right_read and right_read[0] != "enum" else self.expr(node.right, ctx)
            return f"({left} {op} {right})"
        # a checked fact compared inside its test, `(w >= 16 if <w read and checked> else _bail())`,
        # not `(w if <...> else _bail()) >= 16`: one jump and one load fewer. Reads keep their order:
        # the left side is read first, so the right side's test moves only when the left is a fact too
        # or a name or constant, whose evaluation cannot fail.
        tests = []
        if left_read is not None:
            left, test = self._bound(*left_read)
            tests.append(test)
        else:
            left = self.expr(node.left, ctx)
        if right_read is not None and (left_read is not None or left.isidentifier() or _literal(node.left)):
            right, test = self._bound(*right_read)
            tests.append(test)
        else:
            right = self.expr(node.right, ctx)
        result = f"{left} {op} {right}"
        for test in reversed(tests):  # the left side's test outermost: evaluated first
            result = f"({result} if {test} else _bail())"
        return result if tests else f"({result})"

    def _Arith(self, node, ctx):
        left, right = self.expr(node.left, ctx), self.expr(node.right, ctx)
        if node.op == "/":
            operands = self.ns.const((operand_text(node.left), operand_text(node.right)))
            return f"_div({left}, {right}, {self.ns.const(to_text(node))}, {operands})"
        return f"({left} {PY_ARITH[node.op]} {right})"

    def _In(self, node, ctx):
        item = self.expr(node.item, ctx)
        members = "(" + "".join(self.expr(x, ctx) + ", " for x in node.collection.items) + ")"
        return f"({item} {'not in' if node.negated else 'in'} {members})"

    def _If(self, node, ctx):
        return f"({self.expr(node.then, ctx)} if {self.expr(node.cond, ctx)} else {self.expr(node.otherwise, ctx)})"

    def _Call(self, node, ctx):
        if node.name == "known":
            path = node.args[0]
            resolved = resolve(path.parts, ctx.scope)
            base, _, _ = _base(resolved, ctx)
            names = self.ns.const(tuple(f.name for f in resolved.fields))
            return f"_known({base}, {names})"
        args = ", ".join(self.expr(a, ctx) for a in node.args)
        if node.name in ("least", "greatest"):
            return f"{'_min' if node.name == 'least' else '_max'}(({args},))"
        operands = self.ns.const(tuple(operand_text(a) for a in node.args))
        return f"_call({node.name!r}, {self.ns.const(to_text(node))}, {operands}, {args})"

    def _Aggregate(self, node, ctx):
        """A loop emitted before the expression that uses it (plain locals, no comprehension cells)."""
        out = self.out
        source = self.expr(node.source, ctx)
        resolved = resolve(node.source.parts, ctx.scope)
        item, acc = out.fresh("_it"), out.fresh("_a")
        inner = ctx.enter(resolved.type.entity or "", Level(item, "", ()))
        initial = {"count": "0", "sum": "0", "any": "False", "all": "True", "min": "[]", "max": "[]"}[node.func]
        out.line(f"{acc} = {initial}")
        out.line(f"for {item} in {source}:")
        with out.block():
            where = self.expr(node.where, inner) if node.where is not None else "True"
            if node.func == "count":
                out.line(f"if {where}: {acc} += 1")
            elif node.func == "any":
                out.line(f"if {where}: {acc} = True")
            elif node.func == "all":
                out.line(f"if not {where}: {acc} = False")
            else:
                out.line(f"if {where}:")
                with out.block():
                    value = self.expr(node.value, inner)
                    out.line(f"{acc} += {value}" if node.func == "sum" else f"{acc}.append({value})")
        if node.func in ("min", "max"):
            return f"{'_min1' if node.func == 'min' else '_max1'}({acc})"
        return acc


class FastExplain(Decide):
    """Two-valued code for an explaining region: every region path is read (and
    checked) up front into a temporary, so the explanation can show it; anything
    missing or ill-typed raises, and the three-valued code takes over."""

    def __init__(self, out: Emitter) -> None:
        super().__init__(out)
        self.read_ids: Dict[int, str] = {}
        self.computed: List[Tuple[ast.Expr, str]] = []

    def region(self, node: ast.Expr, ctx: Context) -> Tuple[str, Dict[str, str]]:
        reads: Dict[str, str] = {}
        only_known = known_only(node)
        for path in region_paths(node):
            if path.dotted not in reads:
                temp = self.out.fresh()
                if path.dotted in only_known:
                    # asked only whether it is given: absent is an answer, not a reason to hand over
                    self.out.line(f"{temp} = {self._optional(path, ctx)}")
                else:
                    self.out.line(f"{temp} = {self._nullable(path, ctx)}")
                reads[path.dotted] = temp
            self.read_ids[id(path)] = reads[path.dotted]
        return self.expr(node, ctx), reads

    def _optional(self, path: ast.Path, ctx: Context) -> str:
        resolved = resolve(path.parts, ctx.scope)
        base, _, _ = _base(resolved, ctx)
        names = self.ns.const(tuple(f.name for f in resolved.fields))
        last = resolved.fields[-1]
        return f"_opt({base}, {names}, {last.type!r}, {self.ns.const(last.values)})"

    def _Call(self, node, ctx):
        temp = self.read_ids.get(id(node.args[0])) if node.name == "known" and node.args else None
        if temp is not None:  # a path of this region, read up front (inside an item body: Decide's own)
            return f"({temp} is not None)"
        return Decide._Call(self, node, ctx)

    def _nullable(self, path: ast.Path, ctx: Context) -> str:
        """Read a region's fact up front, checked but possibly absent: a fact the expression
        turns out not to need (a short-circuit) must not hand the claim over."""
        resolved = resolve(path.parts, ctx.scope)
        if resolved.root == "as_of":
            return "A"
        base, _, _ = _base(resolved, ctx)
        expr = base
        for field in resolved.fields[:-1]:
            expr = f"{expr}[{field.name!r}]"
        last = resolved.fields[-1]
        expr = f"{expr}.get({last.name!r})"
        w = self.out.fresh("_w")
        test = {
            "bool": f"{w}.__class__ is _bool",
            "integer": f"({w}.__class__ is _int and _NLIM < {w} < _LIM)",
            "decimal": f"(({w}.__class__ is _Dec or {w}.__class__ is _int) and _inlim({w}))",
            "money": f"(({w}.__class__ is _Dec or {w}.__class__ is _int) and _inlim({w}))",
            "date": f"{w}.__class__ is _date",
            "text": f"{w}.__class__ is _str",
            "enum": f"({w}.__class__ is _str and {w} in {self.ns.const(frozenset(last.values))})",
            "list": f"({w}.__class__ is _list and _len({w}) <= {MAX_LIST})",
            "record": f"{w}.__class__ is _dict",
        }[last.type]
        return f"({w} if ({w} := {expr}) is None or {test} else _bail())"

    def _Path(self, node, ctx):
        temp = self.read_ids.get(id(node))
        if temp is None:
            return Decide._Path(self, node, ctx)
        return temp if temp == "A" else f"({temp} if {temp} is not None else _bail())"

    def _watched(self, node: ast.Expr, expr: str) -> str:
        temp = self.out.fresh("_c")
        self.computed.append((node, temp))
        return f"({temp} := {expr})"

    inner = 0

    def _Aggregate(self, node, ctx):
        if self.read_ids.get(id(node.source)) is None or self.inner:
            return Decide._Aggregate(self, node, ctx)  # an inner aggregate: not shown on its own
        self.inner += 1
        try:
            loop = Decide._Aggregate(self, node, ctx)
        finally:
            self.inner -= 1
        return self._watched(node, loop)

    def _Compare(self, node, ctx):
        left, right = self.expr(node.left, ctx), self.expr(node.right, ctx)
        if not self.inner:
            left = self._watched(node.left, left) if shown_side(node.left) else left
            right = self._watched(node.right, right) if shown_side(node.right) else right
        return f"({left} {PY_COMPARE[node.op]} {right})"

    def _RuleRef(self, node, ctx):
        return self._watched(node, Decide._RuleRef(self, node, ctx))


def shown_side(node: ast.Expr) -> bool:
    """A side of a comparison worth showing in an explanation: a computed value (a rate, a sum)."""
    return isinstance(node, (ast.Arith, ast.If, ast.Call, ast.Neg))


def known_only(node: ast.Expr) -> set:
    """Dotted paths of a region that appear only as arguments of known()."""
    inside, outside = set(), set()
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call) and current.name == "known":
            inside.update(a.dotted for a in current.args if isinstance(a, ast.Path))
            continue
        if isinstance(current, ast.Path):
            outside.add(current.dotted)
            continue
        if isinstance(current, ast.Aggregate):
            stack.append(current.source)
            continue
        stack.extend(ast.children(current))
    return inside - outside
