"""Rule -> Python: one generated module per rule, holding a fast decide function
and an explaining one, built by a factory that binds the parameter values.

The generated source is kept (``CompiledRule.source``) for inspection, and
compiled under the name ``<policy RULE-FILE>`` so tracebacks say which rule.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs

from . import model as m
from .errors import EvaluationError
from .expr import ast
from .expr.codegen import Context, Decide, Emitter, Explain, FastExplain, Level, Namespace, uses_known
from .expr.interpret import region_paths
from .expr.printer import to_text
from .expr.types import Scope, resolve
from .runtime import HELPERS

Observed = Tuple[Tuple[str, str], ...]  # (kind, key) per observed value of a leaf


@attrs.frozen(eq=False)
class TreeInfo:
    """A condition tree flattened in pre-order, with each leaf's observed values."""

    nodes: Tuple[m.Node, ...]
    leaves: Tuple[m.Condition, ...]
    observed: Tuple[Observed, ...]

    @property
    def slices(self) -> Tuple[slice, ...]:
        """Where each leaf's values sit in the flat tuple of observed values."""
        found, start = [], 0
        for meta in self.observed:
            found.append(slice(start, start + len(meta)))
            start += len(meta)
        return tuple(found)

    @property
    def width(self) -> int:
        return sum(len(meta) for meta in self.observed)


@attrs.frozen(eq=False)
class CompiledRule:
    rule: m.Rule
    params: Tuple[str, ...]  # parameter names, in the order of P
    source: str
    factory: Callable
    tree: TreeInfo
    item_tree: Optional[TreeInfo]
    extra_observed: Tuple[Observed, ...]  # for checklist criteria / classification classes
    static_amount: Optional[ast.Expr]  # amount made of parameters and constants only
    item_static_amount: Optional[ast.Expr]
    amount_observed: Observed = ()
    item_amount_observed: Observed = ()


def _preorder(group: m.Group) -> List[m.Node]:
    out: List[m.Node] = []
    stack: List[m.Node] = [group]
    while stack:
        node = stack.pop()
        out.append(node)
        if isinstance(node, m.Group):
            stack.extend(reversed(node.children))
    return out


def _params_of(rule: m.Rule) -> Tuple[str, ...]:
    names: List[str] = []
    for expression, _, _ in m.rule_expressions(rule):
        for node in ast.walk(expression.tree):
            if isinstance(node, ast.Param) and node.name not in names:
                names.append(node.name)
    return tuple(names)


def _entities_of(rule: m.Rule, schema: m.FactSchema) -> Tuple[str, ...]:
    names = [rule.applies_to] if rule.applies_to else []
    for expression, _, _ in m.rule_expressions(rule):
        for node in ast.walk(expression.tree):
            if isinstance(node, ast.Path) and node.parts[0] in schema.entities and node.parts[0] not in names:
                names.append(node.parts[0])
    return tuple(names)


def _is_static(node: Optional[ast.Expr]) -> bool:
    return node is not None and isinstance(node, (ast.Param, ast.NumberLit))


def _kleene(op: str, values: List[str]) -> str:
    if op == "not":
        return f"None if {values[0]} is None else not {values[0]}"
    if not values:
        return "True" if op == "all" else "False"
    stop, go = ("False", "True") if op == "all" else ("True", "False")
    hit = " or ".join(f"{v} is {stop}" for v in values)
    unknown = " or ".join(f"{v} is None" for v in values)
    return f"{stop} if ({hit}) else (None if ({unknown}) else {go})"


class _RuleCompiler:
    def __init__(self, rule: m.Rule, schema: m.FactSchema, money_params: Tuple[str, ...] = ()) -> None:
        self.fast = False
        self.money_params = money_params
        self.rule = rule
        self.schema = schema
        self.ns = Namespace()
        self.params = _params_of(rule)
        self.entities = _entities_of(rule, schema)
        self.param_vars = {name: f"_p{i}" for i, name in enumerate(self.params)}
        self.entity_vars = {name: f"_e{i}" for i, name in enumerate(self.entities)}
        self.scope = Scope(schema)

    def context(self) -> Context:
        return Context(self.scope, self.entity_vars, (), self.param_vars)

    # ------------------------------------------------------------ explain
    def explain_region(self, out: Emitter, expr: m.Expression, ctx: Context) -> Tuple[str, List[str], Observed]:
        explain = FastExplain(out) if self.fast else Explain(out)
        observed_vars: List[str] = []
        observed: List[Tuple[str, str]] = []
        mark, indent = len(out.lines), out.indent
        result, reads = explain.region(expr.tree, ctx)
        if self.fast:
            if not result.isidentifier():
                temp = out.fresh("_v")
                out.line(f"{temp} = {result}")
                result = temp
        else:
            result = explain.named(result)  # never `5 is None` in the code below (SyntaxWarning)
        for _, temp in explain.computed:  # a short-circuit may skip them: start them unknown
            out.lines.insert(mark, "    " * indent + f"{temp} = None")
        for path in region_paths(expr.tree):
            temp = reads[path.dotted]
            resolved = resolve(path.parts, ctx.scope)
            if not resolved.type.scalar or ("fact", path.dotted) in observed:
                continue
            observed.append(("fact", path.dotted))
            observed_vars.append(temp)
        for node in ast.walk(expr.tree):
            if isinstance(node, ast.Param) and ("param", node.name) not in observed:
                observed.append(("param", node.name))
                observed_vars.append(ctx.params[node.name])
        position = {id(node): index for index, node in enumerate(ast.walk(expr.tree))}
        # both generated paths must list computed values in the same order: source order
        for node, temp in sorted(explain.computed, key=lambda pair: position.get(id(pair[0]), 0)):
            key = ("rule", "@" + node.rule_id) if isinstance(node, ast.RuleRef) else ("computed", to_text(node))
            if key not in observed:
                observed.append(key)
                observed_vars.append(temp)
        return result, observed_vars, tuple(observed)

    def explain_tree(self, out: Emitter, group: m.Group, ctx: Context, prefix: str) -> Tuple[str, str, TreeInfo]:
        """Emit every leaf and group; returns (root var, nodes tuple expr, info)."""
        nodes = _preorder(group)
        leaves = [n for n in nodes if isinstance(n, m.Condition)]
        values: Dict[int, str] = {}
        observed_exprs: List[str] = []
        observed_info: List[Observed] = []
        for leaf in leaves:
            result, vars_, info = self.explain_region(out, leaf.expr, ctx)
            if result.isidentifier() and result not in ("True", "False", "None"):
                var = result  # already a fresh local: no copy
            else:
                var = out.fresh(prefix + "l")
                out.line(f"{var} = {result}")
            values[id(leaf)] = var
            observed_exprs.extend(vars_)
            observed_info.append(info)
        for node in reversed(nodes):
            if isinstance(node, m.Group):
                var = out.fresh(prefix + "g")
                kids = [values[id(c)] for c in node.children]
                if self.fast:
                    joined = {"all": " and ", "any": " or "}.get(node.op, "")
                    expr = f"not {kids[0]}" if node.op == "not" else (joined.join(kids) or ("True" if node.op == "all" else "False"))
                    out.line(f"{var} = {expr}")
                else:
                    out.line(f"{var} = {_kleene(node.op, kids)}")
                values[id(node)] = var
        nodes_expr = "(" + "".join(values[id(n)] + ", " for n in nodes) + ")"
        observed_var = out.fresh(prefix + "o")
        # one flat tuple (one allocation); each leaf's values are a slice of it
        out.line(f"{observed_var} = (" + "".join(o + ", " for o in observed_exprs) + ")")
        info = TreeInfo(tuple(nodes), tuple(leaves), tuple(observed_info))
        return values[id(group)], f"({nodes_expr}, {observed_var})", info

    def explain_value(self, out: Emitter, expr: m.Expression, ctx: Context) -> str:
        result, _, _ = self.explain_region(out, expr, ctx)
        return result

    def explain_notes(self, out: Emitter, notes: Tuple[m.Note, ...], ctx: Context) -> str:
        vars_ = [self.explain_value(out, note.when, ctx) for note in notes]
        return "(" + "".join(v + ", " for v in vars_) + ")"

    def emit_explain(self, out: Emitter) -> Tuple[TreeInfo, Optional[TreeInfo], Tuple[Observed, ...]]:
        rule = self.rule
        ctx = self.context()
        if not self.fast:
            out.line("if claim.__class__ is not _dict: _claim(claim)")  # a list or None: C001 at $, not AttributeError
        for name, var in self.entity_vars.items():
            if self.fast:
                out.line(f"{var} = claim[{name!r}]" if name == rule.applies_to else f"{var} = claim.get({name!r})")
            else:
                out.line(f"{var} = _rec(claim.get({name!r}), {self.ns.const(name)})")
        root, tree_expr, info = self.explain_tree(out, rule.conditions, ctx, "_r")
        notes = self.explain_notes(out, rule.notes, ctx)
        extra_obs: List[Observed] = []
        extra_vars: List[str] = []
        for entry in rule.criteria or rule.classes:
            result, vars_, observed = self.explain_region(out, entry.expr, ctx)
            extra_vars.append(f"({result}, (" + "".join(v + ", " for v in vars_) + "))")
            extra_obs.append(observed)
        extra = "(" + "".join(v + ", " for v in extra_vars) + ")"
        item_info = None
        items_var = "None"
        code = root
        amount = "None"
        if rule.items is not None:
            item_info, items_var, code, amount = self.emit_items_explain(out, ctx, root)
        amount_obs = "()"
        self.amount_observed: Observed = ()
        if rule.items is None and rule.amount is not None:
            amount = out.fresh("_amt")
            amount_obs = out.fresh("_amo")
            out.line(f"{amount} = None; {amount_obs} = ()")
            self.amount_observed = self.emit_amount(out, rule.amount, ctx, root, amount, amount_obs)
        if self.rule.items is None and (rule.amount is None or self._rounded(rule.amount)):
            verdict = f"(_V_ok if {code} is True else (_V_no if {code} is False else _V_unk))"
        else:
            verdict = f"_mk({code}, {amount} if {code} is True else None)"
        out.line(f"return ({verdict}, {tree_expr}, {notes}, {items_var}, {extra}, {amount_obs})")
        return info, item_info, tuple(extra_obs)

    def emit_amount(self, out: Emitter, expr: m.Expression, ctx: Context, state: str, amount: str, observed: str,
                    total: Optional[str] = None) -> Observed:
        """When `state` is true: compute the amount rounded to the fen; an unknown amount makes `state` unknown."""
        out.line(f"if {state} is True:")
        with out.block():
            value, vars_, info = self.explain_region(out, expr, ctx)
            out.line(f"{observed} = (" + "".join(v + ", " for v in vars_) + ")")
            rounded = value if self._rounded(expr) else f"_fen({value})"
            out.line(f"{amount} = None if {value} is None else {rounded}")
            out.line(f"if {amount} is None: {state} = None")
            if total is not None:
                out.line(f"else: {total} += {amount}")
        return info

    def _rounded(self, expr: m.Expression) -> bool:
        """A money parameter is rounded to the fen when it is bound: no need to round again."""
        return isinstance(expr.tree, ast.Param) and expr.tree.name in self.money_params

    def emit_items_explain(self, out: Emitter, ctx: Context, root: str):
        items = self.rule.items
        assert items is not None
        src = self.explain_value(out, items.over, ctx)
        resolved = resolve(items.over.tree.parts, ctx.scope)
        fmt = (resolved.entity or "") + "".join("." + f.name for f in resolved.fields) if resolved.root == "entity" else ""
        index, item = "_ix0", "_it0"
        level = Level(item, fmt + "[%d]", (index,))
        inner = ctx.enter(items.entity, level)
        records, any_true, any_false, any_unknown, total = "_items", "_yes", "_no", "_unk", "_total"
        out.line(f"{records} = []; {any_true} = False; {any_false} = False; {any_unknown} = False; {total} = _ZERO")
        out.line(f"if {src} is None: {any_unknown} = True")
        out.line("else:")
        item_info = None
        with out.block():
            out.line(f"for {index}, {item} in _enumerate({src}):")
            with out.block():
                out.line(f"if {item}.__class__ is not _dict: {item} = _item({item}, {level.path_expr(self.ns)})")
                name = "None"
                if items.name is not None:
                    name = self.explain_value(out, items.name, inner)
                considered = "True"
                if items.where is not None:
                    considered = self.explain_value(out, items.where, inner)
                    # an item that `where` leaves out is not decided at all (its conditions may not apply)
                    out.line(f"if {considered} is False:")
                    with out.block():
                        out.line(f"{records}.append(({index}, False, None, None, (), {name}, False, ()))")
                        out.line("continue")
                iroot, itree, item_info = self.explain_tree(out, items.conditions, inner, "_i")
                state = out.fresh("_s")
                out.line(f"{state} = False if {considered} is False else (None if {considered} is None else {iroot})")
                amount = out.fresh("_ia")
                amount_obs = out.fresh("_iao")
                out.line(f"{amount} = None; {amount_obs} = ()")
                self.item_amount_observed: Observed = ()
                if items.amount is not None:
                    self.item_amount_observed = self.emit_amount(out, items.amount, inner, state, amount, amount_obs, total)
                notes = self.explain_notes(out, items.notes, inner)
                out.line(f"if {considered} is not False:")
                with out.block():
                    out.line(f"if {state} is True: {any_true} = True")
                    out.line(f"elif {state} is False: {any_false} = True")
                    out.line(f"else: {any_unknown} = True")
                out.line(f"{records}.append(({index}, {state}, {amount}, {itree}, {notes}, {name}, {considered}, {amount_obs}))")
        code = out.fresh("_code")
        if items.require == "all":
            combined = f"False if {any_false} else (None if {any_unknown} else True)"
        else:
            combined = f"None if {any_unknown} else ({any_true})"
        out.line(f"{code} = {_kleene('all', [root, f'({combined})'])}")
        amount_var = "_total" if items.amount is not None else "None"
        return item_info, records, code, amount_var

    # ------------------------------------------------------------ decide
    def decide_tree(self, decide: Decide, group: m.Node, ctx: Context) -> str:
        if isinstance(group, m.Condition):
            return decide.expr(group.expr.tree, ctx)
        parts = [self.decide_tree(decide, child, ctx) for child in group.children]
        if group.op == "not":
            return f"(not {parts[0]})"
        if not parts:
            return "True" if group.op == "all" else "False"
        return "(" + f" {'and' if group.op == 'all' else 'or'} ".join(parts) + ")"

    def emit_decide(self, out: Emitter, trusted: bool = False) -> bool:
        """Fast path for eligibility rules; checklists and classifications use the explaining code.

        ``trusted``: for facts already checked against the schema (read_claim, the batch
        runner): no class checks on numbers, dates and text."""
        rule = self.rule
        if rule.kind != "eligibility":
            return False
        ctx = self.context()
        decide = Decide(out, trusted)
        out.line("try:")
        with out.block():
            for name, var in self.entity_vars.items():
                getter = f"claim[{name!r}]" if name == rule.applies_to else f"claim.get({name!r})"
                out.line(f"{var} = {getter}")
            tree = self.decide_tree(decide, rule.conditions, ctx)
            if rule.items is None:
                out.line(f"if {tree}:")
                with out.block():
                    if rule.amount is None or _is_static(rule.amount.tree):
                        out.line("return _V_ok")
                    else:
                        out.line(f"return _mk(True, _fen({decide.expr(rule.amount.tree, ctx)}))")
                out.line("return _V_no")
            else:
                items = rule.items
                out.line(f"if not {tree}: return _V_no")
                inner = ctx.enter(items.entity, Level("_it0", "", ()))
                out.line("_n = 0; _total = _ZERO")
                out.line(f"for _it0 in {decide.expr(items.over.tree, ctx)}:")
                with out.block():
                    if items.where is not None:
                        out.line(f"if not {decide.expr(items.where.tree, inner)}: continue")
                    item_tree = self.decide_tree(decide, items.conditions, inner)
                    out.line(f"if {item_tree}:")
                    with out.block():
                        out.line("_n += 1")
                        if items.amount is not None:
                            value = decide.expr(items.amount.tree, inner)
                            if not self._rounded(items.amount):
                                value = f"_fen({value})"
                            out.line(f"_total += {value}")
                    if items.require == "all":
                        out.line("else: return _V_no")
                if items.require == "any":
                    out.line("if _n == 0: return _V_no")
                out.line(f"return _mk(True, {'_total' if items.amount is not None else 'None'})")
        out.line("except _BAIL:")
        with out.block():
            out.line("return _explain3(claim)[0]")
        return True

    def _can_explain_fast(self) -> bool:
        return not any(uses_known(e.tree) for e, _, _ in m.rule_expressions(self.rule))

    def build(self) -> CompiledRule:
        head = Emitter(self.ns, 1)
        if self.params:
            head.line(", ".join(self.param_vars[p] for p in self.params) + ", = P")
        head.line("_V_ok, _V_no, _V_unk = V")
        explain = Emitter(self.ns, 2)
        info, item_info, extra = self.emit_explain(explain)
        decide = Emitter(self.ns, 2)
        fast = self.emit_decide(decide)
        trusted = Emitter(self.ns, 2)
        trusted.counter = decide.counter + 1000
        self.emit_decide(trusted, trusted=True)
        lines = ["def _factory(P, A, R, V):"] + head.lines
        lines.append("    def _explain3(claim):")
        lines += explain.lines
        lines.append("    def _explain(claim):")
        if self._can_explain_fast():
            self.fast = True
            quick = Emitter(self.ns, 3)
            quick.counter = explain.counter + 1000
            self.emit_explain(quick)
            self.fast = False
            lines.append("        try:")
            lines += quick.lines
            lines.append("        except _BAIL:")
            lines.append("            return _explain3(claim)")
        else:
            lines.append("        return _explain3(claim)")
        for name, body in (("_decide", decide), ("_decide_checked_facts", trusted)):
            lines.append(f"    def {name}(claim):")
            if fast:
                lines += body.lines
            else:
                lines.append("        return _explain3(claim)[0]")
        lines.append("    return _decide, _explain, _decide_checked_facts")
        source = "\n".join(lines) + "\n"
        namespace: Dict[str, Any] = dict(HELPERS)
        namespace.update(self.ns.values)
        namespace["__builtins__"] = {"len": len, "any": any, "all": all, "sum": sum}
        try:
            code = compile(source, f"<policy {self.rule.file}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as exc:  # pragma: no cover - guarded by depth limits
            raise EvaluationError("X002", f"{self.rule.id}: {exc}") from None
        exec(code, namespace)  # the source is ours, built from validated parts (see codegen.py)
        items = self.rule.items
        return CompiledRule(
            self.rule, self.params, source, namespace["_factory"], info, item_info, extra,
            self.rule.amount.tree if self.rule.amount is not None and _is_static(self.rule.amount.tree) else None,
            items.amount.tree if items is not None and items.amount is not None and _is_static(items.amount.tree) else None,
            getattr(self, "amount_observed", ()),
            getattr(self, "item_amount_observed", ()),
        )


def compile_rule(rule: m.Rule, schema: m.FactSchema, money_params: Tuple[str, ...] = ()) -> CompiledRule:
    return _RuleCompiler(rule, schema, money_params).build()
