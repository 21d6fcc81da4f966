"""Rule IR -> Python: one generated module per rule version, holding a fast decide
function and a fast explaining one, built by a factory that binds the parameter values.

Both generated functions are two-valued: they handle complete, well-typed claims
and hand every other claim to the IR's reference evaluator (ir/reference.py),
which defines what a rule means. Each hand-over is counted (``fallbacks``).

The generated source is kept (``CompiledRule.source``) for inspection, and
compiled under the name ``<policy RULE-FILE>`` so tracebacks say which rule.
"""

from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple

import attrs

from . import gcpause
from .errors import EvaluationError
from .expr import ast
from .expr.codegen import Context, Decide, Emitter, FastExplain, Level, Namespace
from .expr.printer import to_text
from .expr.types import Scope, resolve
from .ir import nodes as ir
from .ir.reference import checklist_score
from .ir.result import NO_STANDARD, NONE, PAID, RawItem, RawResult
from .logic import Truth
from .runtime import HELPERS, OUTCOME_OF, Verdict


class FallbackCounter:
    """How often the generated code handed a claim to the reference evaluator, per rule and path.

    A fast path that silently falls back is a bug tests cannot see; this makes it visible."""

    def __init__(self) -> None:
        self._counts: Dict[Tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def add(self, rule_id: str, path: str) -> None:
        with self._lock:
            key = (rule_id, path)
            self._counts[key] = self._counts.get(key, 0) + 1

    def counts(self) -> Dict[Tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def total(self) -> int:
        return sum(self.counts().values())

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()


fallbacks = FallbackCounter()


@attrs.frozen(eq=False)
class CompiledRule:
    ir: ir.RuleIR
    source: str
    factory: Callable
    uses_as_of: bool  # the generated code reads the assessment date: bindings differ by date
    # the JSON writer of each language, made on first use (decision_json.py): a cache, not data
    json_writers: Dict[str, Any] = attrs.field(factory=dict, init=False, repr=False)

    @property
    def rule(self):
        return self.ir.model

    @property
    def params(self) -> Tuple[str, ...]:
        return self.ir.params


def checklist_verdict(checklist: ir.Checklist, root: Truth, truths: Tuple[Truth, ...]) -> Verdict:
    passed = checklist_score(checklist, truths).passed
    code = False if root is False or passed is False else (None if root is None or passed is None else True)
    return Verdict(OUTCOME_OF[code], None)


class _RuleCompiler:
    def __init__(self, rule: ir.RuleIR, schema) -> None:
        self.rule = rule
        self.schema = schema
        self.ns = Namespace()
        self.param_vars = {name: f"_p{i}" for i, name in enumerate(rule.params)}
        self.entity_vars = {name: f"_e{i}" for i, name in enumerate(rule.entities)}
        self.scope = Scope(schema)
        self.hoisted: List[str] = []  # factory-level lines: values fixed by the binding

    def context(self) -> Context:
        return Context(self.scope, self.entity_vars, (), self.param_vars)

    # ------------------------------------------------------------ explain
    def region(self, out: Emitter, region: ir.Region, ctx: Context) -> Tuple[str, List[str]]:
        """Emit one region; returns (result variable, one variable per observed slot)."""
        explain = FastExplain(out)
        mark, indent = len(out.lines), out.indent
        result, reads = explain.region(region.expr, ctx)
        if not result.isidentifier():
            temp = out.fresh("_v")
            out.line(f"{temp} = {result}")
            result = temp
        for _, temp in explain.computed:  # a short-circuit may skip them: start them unknown
            out.lines.insert(mark, "    " * indent + f"{temp} = None")
        computed = {id(node): temp for node, temp in explain.computed}
        slots = []
        for slot in region.observed:
            if slot.kind == "fact":
                slots.append(reads[slot.key])
            elif slot.kind == "param":
                slots.append(ctx.params[slot.key])
            else:
                slots.append(computed[id(slot.node)])
        return result, slots

    def tree(self, out: Emitter, tree: ir.Tree, ctx: Context, prefix: str) -> Tuple[str, str, str]:
        """Emit every leaf and group; returns (root var, nodes tuple, observed tuple)."""
        values: Dict[int, str] = {}
        observed: List[str] = []
        for leaf in tree.leaves:
            result, slots = self.region(out, leaf.region, ctx)
            values[leaf.index] = result
            observed.extend(slots)
        for node in reversed(tree.nodes):
            if isinstance(node, ir.Group):
                var = out.fresh(prefix + "g")
                kids = [values[c.index] for c in node.children]
                if node.op == "not":
                    expr = f"not {kids[0]}"
                else:
                    expr = (" and " if node.op == "all" else " or ").join(kids) or ("True" if node.op == "all" else "False")
                out.line(f"{var} = {expr}")
                values[node.index] = var
        nodes_var, observed_var = out.fresh(prefix + "n"), out.fresh(prefix + "o")
        out.line(f"{nodes_var} = (" + "".join(values[n.index] + ", " for n in tree.nodes) + ")")
        # one flat tuple (one allocation); each leaf's values are a slice of it
        out.line(f"{observed_var} = (" + "".join(o + ", " for o in observed) + ")")
        return values[tree.root.index], nodes_var, observed_var

    def notes(self, out: Emitter, notes: Tuple[ir.Note, ...], ctx: Context, item: str = "None", index: str = "None") -> str:
        """Notes often ask about facts a claim need not give: one that the fast code cannot
        decide is decided by the reference evaluator alone, not the whole claim."""
        found = []
        for number, note in enumerate(notes):
            var = out.fresh("_nt")
            out.line("try:")
            with out.block():
                result, _ = self.region(out, note.when, ctx)
                out.line(f"{var} = {result}")
            out.line("except _BAIL:")
            with out.block():
                out.line(f"{var} = NOTE(claim, {number}, {item}, {index})")
            found.append(var)
        return "(" + "".join(v + ", " for v in found) + ")"

    def amount(self, out: Emitter, amount: ir.Amount, ctx: Context) -> Tuple[str, str, str]:
        """(amount, observed tuple, status) variables of an amount computed when the claim is eligible."""
        var, obs, status = out.fresh("_amt"), out.fresh("_amo"), out.fresh("_ams")
        unset = self.unset(amount) if amount.params else ""
        if unset:
            out.line(f"if {unset}: {var} = None; {obs} = (); {status} = {_const(NO_STANDARD)}")
            out.line("else:")
        with out.block() if unset else _same():
            value, slots = self.region(out, amount.region, ctx)
            rounded = value if amount.rounded else f"_fen({value}, {self.ns.const(to_text(amount.region.expr))})"
            out.line(f"{var} = {rounded}")
            observed = "(" + "".join(s + ", " for s in slots) + ")"
            if slots and set(slots) <= set(self.param_vars.values()):
                # parameters only (an amount per item): one tuple per binding, not one per item
                name = out.fresh("_AO")
                self.hoisted.append(f"{name} = {observed}")
                observed = name
            out.line(f"{obs} = {observed}")
            out.line(f"{status} = {_const(PAID)}")
        return var, obs, status

    def emit_explain(self, out: Emitter) -> None:
        rule = self.rule
        ctx = self.context()
        for name, var in self.entity_vars.items():
            out.line(f"{var} = claim[{name!r}]" if name == rule.applies_to else f"{var} = claim.get({name!r})")
        root, nodes, observed = self.tree(out, rule.conditions, ctx, "_r")
        notes = self.notes(out, rule.notes, ctx)
        extra_vars: List[str] = []
        entries = rule.checklist.criteria if rule.checklist else rule.classification.classes if rule.classification else ()
        for entry in entries:
            result, slots = self.region(out, entry.region, ctx)
            extra_vars.append(f"({result}, (" + "".join(s + ", " for s in slots) + "))")
        extra = "(" + "".join(v + ", " for v in extra_vars) + ")"
        items_var, code, amount, status, amount_obs = "None", root, "None", _const(NONE), "()"
        if rule.items is not None:
            items_var, code, amount = self.emit_items(out, ctx, root)
            if rule.items.amount is not None:
                status = f"(_ist_all if {code} else {_const(NONE)})"
        if rule.items is None and rule.amount is not None:
            amount, amount_obs = "_amt0", "_amo0"
            out.line(f"{amount} = None; {amount_obs} = (); _st = {_const(NONE)}")
            out.line(f"if {code}:")
            with out.block():
                var, obs, st = self.amount(out, rule.amount, ctx)
                out.line(f"{amount} = {var}; {amount_obs} = {obs}; _st = {st}")
            status = "_st"
        if rule.checklist is not None:
            verdict = f"_CK({code}, (" + "".join(f"{v}[0], " for v in extra_vars) + "))"
        elif rule.items is None and (rule.amount is None or rule.amount.rounded):
            verdict = f"(_V_ok if {code} else _V_no)"
            if rule.amount is not None:
                status = f"(_ST_ok if {code} else {_const(NONE)})"
        else:
            verdict = f"_mk({code}, {amount} if {code} else None)"
        out.line("return " + _record(RawResult, "_RR", verdict, nodes, observed, notes, items_var, extra, amount_obs, status))

    def emit_items(self, out: Emitter, ctx: Context, root: str) -> Tuple[str, str, str]:
        items = self.rule.items
        assert items is not None
        src, _ = self.region(out, items.over, ctx)
        resolved = resolve(items.over.expr.parts, ctx.scope)  # type: ignore[union-attr]
        fmt = (resolved.entity or "") + "".join("." + f.name for f in resolved.fields) if resolved.root == "entity" else ""
        index, item = "_ix0", "_it0"
        inner = ctx.enter(items.entity, Level(item, fmt + "[%d]", (index,)))
        out.line(f"_items = []; _yes = False; _no = False; _total = _ZERO; _ist_all = {_const(NONE)}")
        out.line(f"with _GCP(_len({src}) > {gcpause.LARGE}):")  # many items: no collector passes over them
        out.indent += 1
        out.line(f"for {index}, {item} in _enumerate({src}):")
        with out.block():
            out.line(f"if {item}.__class__ is not _dict: _bail()")
            name = self.region(out, items.name, inner)[0] if items.name is not None else "None"
            if items.where is not None:
                considered = self.region(out, items.where, inner)[0]
                # an item that `where` leaves out is not decided at all (its conditions may not apply)
                out.line(f"if not {considered}:")
                with out.block():
                    out.line("_items.append(" + _record(RawItem, "_RI", index, "False", "None", "None", "()", "()", name,
                                                        "False", "()") + ")")
                    out.line("continue")
            iroot, inodes, iobserved = self.tree(out, items.conditions, inner, "_i")
            amount, amount_obs, status = "None", "()", _const(NONE)
            if items.amount is not None:
                amount, amount_obs, status = "_ia", "_iao", "_ist"
                out.line(f"_ia = None; _iao = (); _ist = {_const(NONE)}")
                out.line(f"if {iroot}:")
                with out.block():
                    var, obs, st = self.amount(out, items.amount, inner)
                    out.line(f"_ia = {var}; _iao = {obs}; _ist = {st}; _ist_all = {st}")
                    out.line(f"if {var} is not None: _total += {var}")
            notes = self.notes(out, items.notes, inner, item, index)
            out.line(f"if {iroot}: _yes = True")
            out.line("else: _no = True")
            out.line("_items.append(" + _record(RawItem, "_RI", index, iroot, amount, inodes, iobserved, notes, name,
                                                "True", amount_obs, status) + ")")
        out.indent -= 1
        combined = "not _no" if items.require == "all" else "_yes"
        out.line(f"_code = {root} and {combined}")
        total = f"(None if _ist_all == {_const(NO_STANDARD)} else _total)"
        return "_tuple(_items)", "_code", total if items.amount is not None else "None"

    # ------------------------------------------------------------ decide
    def unset(self, amount: ir.Amount) -> str:
        """A test that the amount reads a parameter with no value (no standard): then there is no amount."""
        return "(" + (" or ".join(f"{self.param_vars[name]} is None" for name in amount.params) or "False") + ")"

    def decide_tree(self, decide: Decide, node: ir.Node, ctx: Context) -> str:
        if isinstance(node, ir.Leaf):
            return decide.expr(node.region.expr, ctx)
        parts = [self.decide_tree(decide, child, ctx) for child in node.children]
        if node.op == "not":
            return f"(not {parts[0]})"
        if not parts:
            return "True" if node.op == "all" else "False"
        return "(" + f" {'and' if node.op == 'all' else 'or'} ".join(parts) + ")"

    def emit_decide(self, out: Emitter, trusted: bool = False) -> bool:
        """Fast path for eligibility rules; checklists and classifications decide through the explaining code.

        ``trusted``: for facts already checked against the schema (read_claim, the batch
        runner): no class checks on numbers, dates and text."""
        rule = self.rule
        if rule.kind != "eligibility":
            return False
        ctx = self.context()
        decide = Decide(out, trusted)
        for name, var in self.entity_vars.items():
            getter = f"claim[{name!r}]" if name == rule.applies_to else f"claim.get({name!r})"
            out.line(f"{var} = {getter}")
        tree = self.decide_tree(decide, rule.conditions.root, ctx)
        if rule.items is None:
            out.line(f"if {tree}:")
            with out.block():
                if rule.amount is None or _is_static(rule.amount.region.expr):
                    out.line("return _V_ok")
                else:
                    value = decide.expr(rule.amount.region.expr, ctx)
                    text = self.ns.const(to_text(rule.amount.region.expr))
                    out.line(f"return _mk(True, None if {self.unset(rule.amount)} else _fen({value}, {text}))")
            out.line("return _V_no")
            return True
        items = rule.items
        out.line(f"if not {tree}: return _V_no")
        inner = ctx.enter(items.entity, Level("_it0", "", ()))
        out.line("_n = 0; _total = _ZERO")
        out.line(f"for _it0 in {decide.expr(items.over.expr, ctx)}:")
        with out.block():
            if items.where is not None:
                out.line(f"if not {decide.expr(items.where.expr, inner)}: continue")
            item_tree = self.decide_tree(decide, items.conditions.root, inner)
            out.line(f"if {item_tree}:")
            with out.block():
                out.line("_n += 1")
                if items.amount is not None:
                    value = decide.expr(items.amount.region.expr, inner)
                    if not items.amount.rounded:
                        value = f"_fen({value}, {self.ns.const(to_text(items.amount.region.expr))})"
                    out.line(f"if not {self.unset(items.amount)}: _total += {value}")
            if items.require == "all":
                out.line("else: return _V_no")
        if items.require == "any":
            out.line("if _n == 0: return _V_no")
        total = f"(None if {self.unset(items.amount)} else _total)" if items.amount is not None else "None"
        out.line(f"return _mk(True, {total})")
        return True

    def build(self) -> CompiledRule:
        head = Emitter(self.ns, 1)
        if self.rule.params:
            head.line(", ".join(self.param_vars[p] for p in self.rule.params) + ", = P")
        head.line("_V_ok, _V_no, _V_unk, _ST_ok = V")
        explain = Emitter(self.ns, 3)
        self.emit_explain(explain)
        lines = ["def _factory(P, A, R, V, REF, NOTE):"] + head.lines + ["    " + line for line in self.hoisted]
        lines.append("    def _explain(claim):")
        lines += ["        try:"] + explain.lines
        lines += ["        except _BAIL:", f"            _FB({self.rule.id!r}, 'explain')", "            return REF(claim)"]
        decide = Emitter(self.ns, 3)
        fast_decide = self.emit_decide(decide)
        trusted = Emitter(self.ns, 3)
        trusted.counter = decide.counter + 1000
        self.emit_decide(trusted, trusted=True)
        for name, body in (("_decide", decide), ("_decide_checked_facts", trusted)):
            lines.append(f"    def {name}(claim):")
            if fast_decide:
                lines += ["        try:"] + body.lines
                lines += ["        except _BAIL:", f"            _FB({self.rule.id!r}, 'decide')", "            return REF(claim).verdict"]
            else:
                lines.append("        return _explain(claim).verdict")
        lines.append("    return _decide, _explain, _decide_checked_facts")
        source = "\n".join(lines) + "\n"
        namespace: Dict[str, Any] = dict(HELPERS)
        namespace.update(self.ns.values)
        namespace.update(_RR=RawResult, _RI=RawItem, _FB=fallbacks.add, _tuple=tuple, _GCP=gcpause.paused,
                         _NEW=tuple.__new__)
        if self.rule.checklist is not None:
            namespace["_CK"] = functools.partial(checklist_verdict, self.rule.checklist)
        namespace["__builtins__"] = {"len": len, "any": any, "all": all, "sum": sum}
        try:
            code = compile(source, f"<policy {self.rule.file}>", "exec")
        except (SyntaxError, RecursionError, MemoryError) as exc:  # pragma: no cover - guarded by depth limits
            raise EvaluationError("X002", f"{self.rule.id}: {exc}") from None
        exec(code, namespace)  # the source is ours, built from validated parts (see expr/codegen.py)
        return CompiledRule(self.rule, source, namespace["_factory"], _uses_as_of(self.rule))


def _record(cls: type, name: str, *given: str) -> str:
    """A NamedTuple record built by tuple.__new__, every field given (defaults written out): no
    Python-level __new__ per record, which counts when a claim has 200,000 items."""
    defaults = cls._field_defaults  # type: ignore[attr-defined]
    rest = [_default(defaults[field]) for field in cls._fields[len(given):]]  # type: ignore[attr-defined]
    return f"_NEW({name}, (" + "".join(part + ", " for part in list(given) + rest) + "))"


def _default(value: Any) -> str:
    if value == () or isinstance(value, str):
        return repr(value)  # this module's own constants: an empty tuple or a status
    raise TypeError(f"no default written for {value!r}")  # pragma: no cover


def _const(status: str) -> str:
    return repr(status)  # statuses are this module's own constants, never rule text


class _same:
    """A block that does not indent (no guard was needed)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: Any) -> None:
        return None


def _is_static(node: Optional[ast.Expr]) -> bool:
    return node is not None and isinstance(node, (ast.Param, ast.NumberLit))


def static_amount(rule: ir.RuleIR) -> Optional[ast.Expr]:
    """An amount made of parameters and constants only: computed once per binding."""
    if rule.items is None and rule.amount is not None and _is_static(rule.amount.region.expr):
        return rule.amount.region.expr
    return None


def _regions(rule: ir.RuleIR):
    for leaf in rule.conditions.leaves:
        yield leaf.region
    for note in rule.notes:
        yield note.when
    if rule.amount is not None:
        yield rule.amount.region
    for entry in (rule.checklist.criteria if rule.checklist else ()):
        yield entry.region
    for entry in (rule.classification.classes if rule.classification else ()):
        yield entry.region
    items = rule.items
    if items is not None:
        yield items.over
        for leaf in items.conditions.leaves:
            yield leaf.region
        for region in (items.name, items.where):
            if region is not None:
                yield region
        if items.amount is not None:
            yield items.amount.region
        for note in items.notes:
            yield note.when


def _uses_as_of(rule: ir.RuleIR) -> bool:
    return any(isinstance(node, ast.Path) and node.parts == ("as_of",)
               for region in _regions(rule) for node in ast.walk(region.expr))


def compile_rule(rule: ir.RuleIR, schema) -> CompiledRule:
    return _RuleCompiler(rule, schema).build()
