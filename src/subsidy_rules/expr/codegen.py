"""Expressions -> Python source, in two modes.

* decide: two-valued Python expressions over facts assumed present and well
  typed; any surprise (missing key, None, wrong type) raises, and the caller
  falls back to the explaining code. This is the fast path.
* explain: three-valued statements (None = unknown) that read and validate every
  fact a region mentions, mirroring interpret.py exactly.

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
from .printer import to_text
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


def _base(resolved: Resolved, ctx: Context) -> Tuple[str, Optional[Level], str]:
    """(variable, level, path prefix) where a resolved path starts."""
    if resolved.root == "item":
        level = ctx.levels[resolved.level]
        return level.var, level, ""
    return ctx.entity_vars[resolved.entity or ""], None, resolved.entity or ""


# =========================================================== explain mode


class Explain:
    """Three-valued code for one region at a time, mirroring interpret.py."""

    def __init__(self, out: Emitter) -> None:
        self.out = out
        self.ns = out.ns
        self.computed: List[Tuple[ast.Expr, str]] = []  # aggregates and rule references of this region

    def region(self, node: ast.Expr, ctx: Context) -> Tuple[str, Dict[str, str]]:
        """Prefetch the region's paths, then evaluate; returns (result atom, path -> temp)."""
        reads: Dict[str, str] = {}
        for path in region_paths(node):
            if path.dotted not in reads:
                reads[path.dotted] = self.read(resolve(path.parts, ctx.scope), ctx)
        self.reads = reads
        return self.expr(node, ctx), reads

    def _path_text(self, level: Optional[Level], prefix: str, names: Tuple[str, ...]) -> str:
        suffix = "".join("." + n for n in names)
        if level is not None:
            return level.path_expr(self.ns, suffix)
        return self.ns.const(prefix + suffix)

    def read(self, resolved: Resolved, ctx: Context) -> str:
        out = self.out
        if resolved.root == "as_of":
            return "A"
        current, level, prefix = _base(resolved, ctx)
        names: Tuple[str, ...] = ()
        for field in resolved.fields:
            target = out.fresh()
            names = names + (field.name,)
            key = repr(field.name)
            out.line(f"{target} = None if {current} is None else ({current}.get({key}) "
                     f"if {current}.__class__ is _dict else _getm({current}, {key}))")
            values = self.ns.const(frozenset(field.values)) if field.type == "enum" else ""
            check = CLASS_CHECK[field.type].format(t=target, values=values)
            enum_values = self.ns.const(tuple(field.values)) if field.type == "enum" else "()"
            out.line(f"if {target} is not None and {check}: {target} = _chk({field.type!r}, {target}, "
                     f"{self._path_text(level, prefix, names)}, {enum_values})")
            current = target
        return current

    def expr(self, node: ast.Expr, ctx: Context) -> str:
        return getattr(self, "_" + type(node).__name__)(node, ctx)

    def _NumberLit(self, node, ctx):
        return self.ns.const(node.value)

    _TextLit = _BoolLit = _DateLit = _NumberLit

    def _Path(self, node, ctx):
        return self.reads[node.dotted]

    def _Param(self, node, ctx):
        return ctx.params[node.name]

    def _RuleRef(self, node, ctx):
        target = self.out.fresh()
        self.out.line(f"{target} = R({node.rule_id!r}, claim)")
        self.computed.append((node, target))
        return target

    def _assign(self, expr: str) -> str:
        target = self.out.fresh()
        self.out.line(f"{target} = {expr}")
        return target

    def named(self, atom: str) -> str:
        """A variable for an atom that generated code will test with ``is``: Python warns
        (SyntaxWarning, an error under -W error) on ``5 is None``."""
        return self._assign(atom) if atom.lstrip("-").isdigit() else atom

    @staticmethod
    def _unknown_test(atoms: List[str]) -> str:
        names = [a for a in atoms if not (a.startswith("_K") or a in ("True", "False") or a.lstrip("-").isdigit())]
        if not names:
            return ""
        return " or ".join(f"{a} is None" for a in names)

    def _guarded(self, atoms: List[str], expr: str) -> str:
        test = self._unknown_test(atoms)
        return self._assign(f"None if ({test}) else ({expr})" if test else expr)

    def _Not(self, node, ctx):
        value = self.expr(node.operand, ctx)
        return self._guarded([value], f"not {value}")

    def _Neg(self, node, ctx):
        value = self.expr(node.operand, ctx)
        return self._guarded([value], f"-{value}")

    def _Logical(self, node, ctx):
        out = self.out
        stop = "True" if node.op == "or" else "False"
        target = out.fresh()
        out.line(f"{target} = {'False' if node.op == 'or' else 'True'}")
        for position, operand in enumerate(node.operands):
            if position == 0:
                value = self.expr(operand, ctx)
                out.line(f"if {value} is {stop}: {target} = {stop}")
                out.line(f"elif {value} is None: {target} = None")
                continue
            out.line(f"if {target} is not {stop}:")
            with out.block():
                value = self.expr(operand, ctx)
                out.line(f"if {value} is {stop}: {target} = {stop}")
                out.line(f"elif {value} is None: {target} = None")
        return target

    def _Compare(self, node, ctx):
        left = self.expr(node.left, ctx)
        right = self.expr(node.right, ctx)
        for side, atom in ((node.left, left), (node.right, right)):
            if shown_side(side) and not atom.startswith("_K"):
                self.computed.append((side, atom))
        return self._guarded([left, right], f"{left} {PY_COMPARE[node.op]} {right}")

    def _Arith(self, node, ctx):
        left = self.expr(node.left, ctx)
        right = self.expr(node.right, ctx)
        if node.op == "/":
            return self._guarded([left, right], f"_div({left}, {right}, {self.ns.const(to_text(node))})")
        return self._guarded([left, right], f"{left} {PY_ARITH[node.op]} {right}")

    def _In(self, node, ctx):
        item = self.expr(node.item, ctx)
        members = [self.expr(x, ctx) for x in node.collection.items]
        listed = "(" + "".join(m + ", " for m in members) + ")"
        return self._assign(f"_in3({item}, {listed}, {node.negated!r})")

    def _If(self, node, ctx):
        out = self.out
        cond = self.expr(node.cond, ctx)
        target = out.fresh()
        out.line(f"if {cond} is None: {target} = None")
        out.line(f"elif {cond}:")
        with out.block():
            out.line(f"{target} = {self.expr(node.then, ctx)}")
        out.line("else:")
        with out.block():
            out.line(f"{target} = {self.expr(node.otherwise, ctx)}")
        return target

    def _Call(self, node, ctx):
        if node.name == "known":
            return self._assign(f"{self.reads[node.args[0].dotted]} is not None")
        args = [self.expr(a, ctx) for a in node.args]
        joined = ", ".join(args)
        if node.name in ("least", "greatest"):
            fn = "_min" if node.name == "least" else "_max"
            return self._guarded(args, f"{fn}(({joined},))")
        return self._guarded(args, f"_call({node.name!r}, {self.ns.const(to_text(node))}, {joined})")

    def _Aggregate(self, node, ctx):
        out = self.out
        source = self.expr(node.source, ctx)
        resolved = resolve(node.source.parts, ctx.scope)
        base_var, base_level, prefix = _base(resolved, ctx)
        target = out.fresh()
        acc, unknown, seen_true, seen_none = out.fresh("_a"), out.fresh("_u"), out.fresh("_y"), out.fresh("_n")
        index, item = out.fresh("_ix"), out.fresh("_it")
        if base_level is not None:
            fmt = base_level.fmt + "".join("." + f.name for f in resolved.fields)
            idx = base_level.idx
        else:
            fmt = prefix + "".join("." + f.name for f in resolved.fields)
            idx = ()
        level = Level(item, fmt + "[%d]", idx + (index,))
        inner = ctx.enter(resolved.type.entity or "", level)
        out.line(f"if {source} is None: {target} = None")
        out.line("else:")
        with out.block():
            initial = "[]" if node.func in ("min", "max") else "0"
            out.line(f"{acc} = {initial}; {unknown} = False; {seen_true} = False; {seen_none} = False")
            out.line(f"for {index}, {item} in _enumerate({source}):")
            with out.block():
                out.line(f"if {item}.__class__ is not _dict: {item} = _item({item}, {level.path_expr(self.ns)})")
                saved = self.reads
                sub = Explain(out)
                sub.computed = []  # values inside an item body are not shown on their own
                reads: Dict[str, str] = {}
                for region in (node.where, node.value):
                    if region is None:
                        continue
                    for path in region_paths(region):
                        if path.dotted not in reads:
                            reads[path.dotted] = sub.read(resolve(path.parts, inner.scope), inner)
                sub.reads = reads
                keep = sub.expr(node.where, inner) if node.where is not None else "True"
                if node.func in ("any", "all"):
                    out.line(f"if {keep} is True: {seen_true} = True")
                    out.line(f"elif {keep} is None: {seen_none} = True")
                    out.line(f"else: {acc} = 1")  # a false item was seen
                else:
                    out.line(f"if {keep} is None: {unknown} = True")
                    out.line(f"elif {keep}:")
                    with out.block():
                        if node.func == "count":
                            out.line(f"{acc} += 1")
                        else:
                            value = sub.named(sub.expr(node.value, inner))
                            out.line(f"if {value} is None: {unknown} = True")
                            if node.func == "sum":
                                out.line(f"else: {acc} += {value}")
                            else:
                                out.line(f"else: {acc}.append({value})")
                self.reads = saved
            if node.func == "any":
                out.line(f"{target} = True if {seen_true} else (None if {seen_none} else False)")
            elif node.func == "all":
                out.line(f"{target} = False if {acc} else (None if {seen_none} else True)")
            elif node.func in ("count", "sum"):
                out.line(f"{target} = None if {unknown} else {acc}")
            else:
                fn = "_min" if node.func == "min" else "_max"
                out.line(f"{target} = None if ({unknown} or not {acc}) else {fn}({acc})")
        self.computed.append((node, target))
        return target


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
        w = self.out.fresh("_w")
        bind = f"({w} := {expr})"
        if kind == "record":
            return expr  # subscripting anything but a mapping raises TypeError
        if self.trusted and kind in ("integer", "decimal", "money", "date", "text"):
            # no class check, but None (unknown) must still bail: == != and `in` accept it silently
            return f"({w} if {bind} is not None else _bail())"
        if kind == "list":
            return f"_lst({expr})"  # no assignment expression in a comprehension's iterable
        test = {
            "integer": f"{bind}.__class__ is _int",
            "decimal": f"({bind}.__class__ is _Dec or {w}.__class__ is _int)",
            "money": f"({bind}.__class__ is _Dec or {w}.__class__ is _int)",
            "date": f"{bind}.__class__ is _date",
            "text": f"{bind}.__class__ is _str",
            "enum": f"({bind}.__class__ is _str and {w} in {self.ns.const(frozenset(values))})",
            "list": f"{bind}.__class__ is _list",
        }[kind]
        if self.ranging and kind in ("integer", "decimal", "money"):
            test += f" and _NLIM < {w} < _LIM"  # a value that will be shown must be one a claim may hold
        return f"({w} if {test} else _bail())"

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
        return f"({self.expr(node.left, ctx)} {PY_COMPARE[node.op]} {self.expr(node.right, ctx)})"

    def _Arith(self, node, ctx):
        left, right = self.expr(node.left, ctx), self.expr(node.right, ctx)
        if node.op == "/":
            return f"_div({left}, {right}, {self.ns.const(to_text(node))})"
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
        return f"_call({node.name!r}, {self.ns.const(to_text(node))}, {args})"

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
        for path in region_paths(node):
            if path.dotted not in reads:
                temp = self.out.fresh()
                self.ranging = True
                try:
                    self.out.line(f"{temp} = {Decide._Path(self, path, ctx)}")
                finally:
                    self.ranging = False
                reads[path.dotted] = temp
            self.read_ids[id(path)] = reads[path.dotted]
        return self.expr(node, ctx), reads

    def _Path(self, node, ctx):
        temp = self.read_ids.get(id(node))
        return temp if temp is not None else Decide._Path(self, node, ctx)

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


def uses_known(node: ast.Expr) -> bool:
    return any(isinstance(n, ast.Call) and n.name == "known" for n in ast.walk(node))
