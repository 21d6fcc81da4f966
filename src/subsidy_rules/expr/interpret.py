"""The reference meaning of expressions: small, slow and obviously right.

Values are Python values; ``None`` is *unknown*; logic is logic.py's. Every
value comes with the facts that could still change it (``Tracked.unknown``):
none when it is known, and, when it is not, exactly the unknown facts that the
value depends on. A count over items of which some are unknown is not simply
unknown: it lies between bounds, and a comparison the bounds settle is decided.

Every fact path a region mentions is read (and validated) before the region is
evaluated, as the generated explaining code does, so a bad value is reported
whatever short-circuits.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Tuple

import attrs

from ..errors import EvaluationError
from ..facts import bad, check_value, operand_values, record
from ..logic import Bounds, add_bounds, bounds_of, compare_bounds, decide_chain, scale_bounds
from . import ast
from .printer import operand_text, to_text
from .types import BUILTINS, Resolved, Scope, resolve

Paths = Tuple[str, ...]


class Tracked(NamedTuple):
    """A value and the unknown facts (JSON paths) that could change it."""

    value: Any
    unknown: Paths = ()


def merge(*groups: Iterable[str]) -> Paths:
    """Union of path groups, first-seen order."""
    seen: Dict[str, None] = {}
    for group in groups:
        for path in group:
            seen.setdefault(path, None)
    return tuple(seen)


def plain(value: Any) -> Any:
    """A value as the rest of the package sees it: bounds are unknown."""
    return None if isinstance(value, Bounds) else value


RuleRefResolver = Callable[[str], Tracked]


@attrs.define
class Env:
    claim: Mapping
    params: Mapping[str, Any]
    as_of: _dt.date
    scope: Scope
    rule_ref: RuleRefResolver = lambda rule_id: Tracked(None)
    items: Tuple[Tuple[Any, str], ...] = ()  # (item mapping, its JSON path) per scope level
    values: Dict[str, Tuple[Any, str]] = attrs.field(factory=dict)  # prefetched facts of the current region
    computed: Optional[Dict[int, Any]] = None  # id(node) -> value, for the nodes an explanation shows
    absent: Optional[List[str]] = None  # when given: every fact read that the claim does not give

    def enter(self, entity: str, item: Any, path: str) -> "Env":
        return Env(self.claim, self.params, self.as_of, self.scope.enter(entity), self.rule_ref,
                   self.items + ((item, path),), {}, None, self.absent)


def region_paths(node: ast.Expr) -> List[ast.Path]:
    """Paths of a region: every path not inside an aggregate's item body."""
    found: List[ast.Path] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Path):
            found.append(current)
            continue
        if isinstance(current, ast.Aggregate):
            stack.append(current.source)
            continue
        if isinstance(current, ast.Call) and current.name == "known":
            found.extend(a for a in current.args if isinstance(a, ast.Path))
            continue
        stack.extend(reversed(ast.children(current)))
    return found


def read_path(resolved: Resolved, env: Env) -> Tuple[Any, str]:
    """Walk a resolved path in the claim; returns (value or None, JSON path)."""
    if resolved.root == "as_of":
        return env.as_of, "as_of"
    if resolved.root == "item":
        current, path = env.items[resolved.level]
    else:
        current, path = env.claim.get(resolved.entity), resolved.entity or ""
        current = record(current, path)
    for field in resolved.fields:
        if current is None:
            return None, path + "." + field.name
        path = f"{path}.{field.name}"
        current = record(current, path[: path.rfind(".")]) if not isinstance(current, Mapping) else current
        current = current.get(field.name)
        current = check_value(field.type, current, path, field.values)
    return current, path


_REGION_KEYS: Dict[int, Tuple[ast.Expr, Tuple[Tuple[str, Tuple[str, ...]], ...]]] = {}


def _region_keys(node: ast.Expr) -> Tuple[Tuple[str, Tuple[str, ...]], ...]:
    """(dotted, parts) of a region's paths, remembered per node (held, so its id stays its own)."""
    found = _REGION_KEYS.get(id(node))
    if found is None or found[0] is not node:
        keys = tuple(dict.fromkeys((p.dotted, p.parts) for p in region_paths(node)))
        if len(_REGION_KEYS) > 100_000:
            _REGION_KEYS.clear()
        found = _REGION_KEYS[id(node)] = (node, keys)
    return found[1]


def prefetch(node: ast.Expr, env: Env) -> None:
    values = env.values
    for key, parts in _region_keys(node):
        if key not in values:
            found = values[key] = read_path(resolve(parts, env.scope), env)
            if found[0] is None and env.absent is not None:
                env.absent.append(found[1])


def evaluate_tracked(node: ast.Expr, env: Env) -> Tracked:
    """Evaluate a whole region (a condition, an amount): prefetch, then evaluate."""
    env.values = {}
    prefetch(node, env)
    found = _eval(node, env)
    return Tracked(plain(found.value), found.unknown)


def evaluate(node: ast.Expr, env: Env) -> Any:
    """The value of a region (None when unknown)."""
    return evaluate_tracked(node, env).value


def divide(left: Any, right: Any, text: str = "", operands: Tuple[str, ...] = ()) -> Any:
    if right == 0:
        raise EvaluationError("X001", text, operands=operand_values(operands, (left, right)))
    return Decimal(left) / Decimal(right)


def _eval(node: ast.Expr, env: Env) -> Tracked:
    found = _EVAL[type(node)](node, env)
    if env.computed is not None and id(node) in env.computed:
        env.computed[id(node)] = plain(found.value)
    return found


def _literal(node, env: Env) -> Tracked:
    return Tracked(node.value)


def _path(node: ast.Path, env: Env) -> Tracked:
    value, where = env.values[node.dotted]
    return Tracked(value, () if value is not None else (where,))


def _param(node: ast.Param, env: Env) -> Tracked:
    return Tracked(env.params.get(node.name))


def _rule_ref(node: ast.RuleRef, env: Env) -> Tracked:
    return env.rule_ref(node.rule_id)


def _not(node: ast.Not, env: Env) -> Tracked:
    found = _eval(node.operand, env)
    return found if found.value is None else Tracked(not found.value)


def _neg(node: ast.Neg, env: Env) -> Tracked:
    found = _eval(node.operand, env)
    if isinstance(found.value, Bounds):
        return Tracked(scale_bounds(found.value, -1), found.unknown)
    return found if found.value is None else Tracked(-found.value)


def chain(op: str, parts: Iterable[Tracked]) -> Tracked:
    """all / any of tracked truths (logic.py's Kleene), waiting on the facts of the parts that matter."""
    value, waiting = decide_chain(op, parts)
    return Tracked(value, merge(*(part.unknown for part in waiting)))


def _logical(node: ast.Logical, env: Env) -> Tracked:
    # evaluated lazily, left to right: a decided chain reads no further, as the generated code does
    return chain("any" if node.op == "or" else "all", (_eval(operand, env) for operand in node.operands))


def _unknown(*found: Tracked) -> Tracked:
    return Tracked(None, merge(*(f.unknown for f in found)))


def _compare(node: ast.Compare, env: Env) -> Tracked:
    left, right = _eval(node.left, env), _eval(node.right, env)
    if isinstance(left.value, Bounds) or isinstance(right.value, Bounds):
        low, high = bounds_of(left.value), bounds_of(right.value)
        decided = compare_bounds(node.op, low, high) if low is not None and high is not None else None
        return Tracked(decided) if decided is not None else _unknown(left, right)
    if left.value is None or right.value is None:
        return _unknown(left, right)
    return Tracked(_COMPARE[node.op](left.value, right.value))


def _arith(node: ast.Arith, env: Env) -> Tracked:
    left, right = _eval(node.left, env), _eval(node.right, env)
    if isinstance(left.value, Bounds) or isinstance(right.value, Bounds):
        return Tracked(_arith_bounds(node.op, left.value, right.value), merge(left.unknown, right.unknown))
    if left.value is None or right.value is None:
        return _unknown(left, right)
    if node.op == "/":
        return Tracked(divide(left.value, right.value, to_text(node), (operand_text(node.left), operand_text(node.right))))
    return Tracked(_ARITH[node.op](left.value, right.value))


def _arith_bounds(op: str, left: Any, right: Any) -> Optional[Bounds]:
    """Bounds of arithmetic on partly known numbers (None: nothing is known of the result)."""
    low, high = bounds_of(left), bounds_of(right)
    if low is None or high is None:
        return None
    if op in ("+", "-"):
        return add_bounds(low, high, 1 if op == "+" else -1)
    if op == "*" and high.low is not None and high.low == high.high:
        return scale_bounds(low, high.low)
    if op == "*" and low.low is not None and low.low == low.high:
        return scale_bounds(high, low.low)
    if op == "/" and high.low is not None and high.low == high.high and high.low != 0:
        return scale_bounds(low, Decimal(1) / Decimal(high.low))
    return Bounds()


def _in(node: ast.In, env: Env) -> Tracked:
    item = _eval(node.item, env)
    members = [_eval(x, env) for x in node.collection.items]  # type: ignore[union-attr]
    if item.value is None:
        return _unknown(item, *members)
    known = [m.value for m in members if m.value is not None]
    if item.value in known:
        return Tracked(not node.negated)
    if any(m.value is None for m in members):
        return _unknown(*members)
    return Tracked(node.negated)


def _if(node: ast.If, env: Env) -> Tracked:
    cond = _eval(node.cond, env)
    if cond.value is None:
        then, otherwise = _eval(node.then, env), _eval(node.otherwise, env)
        if then.value is not None and then.value == otherwise.value:
            return Tracked(then.value)
        return _unknown(cond, then, otherwise)
    return _eval(node.then if cond.value else node.otherwise, env)


def _call(node: ast.Call, env: Env) -> Tracked:
    if node.name == "known":
        value, _ = env.values[node.args[0].dotted]  # type: ignore[union-attr]
        return Tracked(value is not None)
    args = [_eval(a, env) for a in node.args]
    if any(plain(a.value) is None for a in args):
        return _unknown(*args)
    values = tuple(a.value for a in args)
    try:
        return Tracked(BUILTINS[node.name].impl(*values))  # type: ignore[misc]
    except (OverflowError, ValueError):
        raise EvaluationError("X002", to_text(node), operands=operand_values(tuple(map(operand_text, node.args)), values)) from None


def _aggregate(node: ast.Aggregate, env: Env) -> Tracked:
    source = _eval(node.source, env)
    if source.value is None:
        return source
    resolved = resolve(node.source.parts, env.scope)  # type: ignore[union-attr]
    _, base = env.values[node.source.dotted]  # type: ignore[union-attr]
    entity = resolved.type.entity or ""
    kept: List[Tracked] = []  # known to be chosen: their value (or truth for any/all)
    maybe: List[Tuple[Tracked, Tracked]] = []  # (where, value) of items that may be chosen
    for index, item in enumerate(source.value):
        path = f"{base}[{index}]"
        if item is None:
            raise bad("record", item, path)
        inner = env.enter(entity, record(item, path), path)
        for region in (node.where, node.value):
            if region is not None:
                prefetch(region, inner)
        keep = Tracked(True) if node.where is None else _eval(node.where, inner)
        if keep.value is False:
            continue
        value = Tracked(None) if node.value is None else _eval(node.value, inner)
        value = Tracked(plain(value.value), value.unknown)
        if keep.value is None:
            maybe.append((keep, value))
        else:
            kept.append(keep if node.func in ("any", "all") else value)
    return _AGGREGATES[node.func](kept, maybe)


def _any(kept: List[Tracked], maybe: List[Tuple[Tracked, Tracked]]) -> Tracked:
    # any(xs where c): the items' `c` values; an item is "kept" when c is true
    if kept:
        return Tracked(True)
    if maybe:
        return Tracked(None, merge(*(where.unknown for where, _ in maybe)))
    return Tracked(False)


def _count(kept: List[Tracked], maybe: List[Tuple[Tracked, Tracked]]) -> Tracked:
    if not maybe:
        return Tracked(len(kept))
    return Tracked(Bounds(len(kept), len(kept) + len(maybe)), merge(*(where.unknown for where, _ in maybe)))


def _sum(kept: List[Tracked], maybe: List[Tuple[Tracked, Tracked]]) -> Tracked:
    unknown = merge(*(v.unknown for v in kept), *(w.unknown + v.unknown for w, v in maybe))
    values = [v.value for v in kept]
    if not maybe and all(v is not None for v in values):
        return Tracked(sum(values, 0))
    if any(v is None for v in values) or any(v.value is None for _, v in maybe):
        return Tracked(Bounds(), unknown)  # an unknown value may be anything
    total = sum(values, 0)
    low = total + sum((v.value for _, v in maybe if v.value < 0), 0)
    high = total + sum((v.value for _, v in maybe if v.value > 0), 0)
    return Tracked(Bounds(low, high), unknown)


def _extreme(pick: Callable[..., Any]) -> Callable[[List[Tracked], List[Tuple[Tracked, Tracked]]], Tracked]:
    def extreme(kept: List[Tracked], maybe: List[Tuple[Tracked, Tracked]]) -> Tracked:
        if not maybe and all(v.value is not None for v in kept):
            if not kept:
                return Tracked(None)  # the least of nothing is unknown
            return Tracked(pick(v.value for v in kept))
        return Tracked(None, merge(*(v.unknown for v in kept), *(w.unknown + v.unknown for w, v in maybe)))

    return extreme


_AGGREGATES = {"any": _any, "count": _count, "sum": _sum, "min": _extreme(min), "max": _extreme(max)}


def _all_items(node: ast.Aggregate, env: Env) -> Tracked:
    """all(xs where c): every item's c is true (false as soon as one is false)."""
    source = _eval(node.source, env)
    if source.value is None:
        return source
    _, base = env.values[node.source.dotted]  # type: ignore[union-attr]
    entity = resolve(node.source.parts, env.scope).type.entity or ""  # type: ignore[union-attr]
    unknown: List[Paths] = []
    false = False
    for index, item in enumerate(source.value):
        path = f"{base}[{index}]"
        if item is None:
            raise bad("record", item, path)
        inner = env.enter(entity, record(item, path), path)
        if node.where is None:
            continue
        prefetch(node.where, inner)
        keep = _eval(node.where, inner)
        if keep.value is False:
            false = True
        elif keep.value is None:
            unknown.append(keep.unknown)
    if false:
        return Tracked(False)
    return Tracked(None, merge(*unknown)) if unknown else Tracked(True)


def _aggregate_node(node: ast.Aggregate, env: Env) -> Tracked:
    return _all_items(node, env) if node.func == "all" else _aggregate(node, env)


_COMPARE = {
    ">=": lambda a, b: a >= b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_ARITH = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
}
_EVAL: Dict[type, Callable[[Any, Env], Tracked]] = {
    ast.NumberLit: _literal, ast.TextLit: _literal, ast.BoolLit: _literal, ast.DateLit: _literal,
    ast.Path: _path, ast.Param: _param, ast.RuleRef: _rule_ref, ast.Not: _not, ast.Neg: _neg,
    ast.Logical: _logical, ast.Compare: _compare, ast.Arith: _arith, ast.In: _in, ast.If: _if,
    ast.Call: _call, ast.Aggregate: _aggregate_node,
}
