"""The reference interpreter: small, slow and obviously right.

Tests check the generated evaluators against it. Values are Python values;
``None`` is *unknown*. Logic is Kleene's three-valued logic. Every fact path a
region mentions is read (and validated) before the region is evaluated, exactly
as the generated explaining code does.
"""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import attrs

from ..errors import EvaluationError
from ..facts import bad, check_value, record
from . import ast
from .printer import to_text
from .types import BUILTINS, Resolved, Scope, resolve


@attrs.define
class Env:
    claim: Mapping
    params: Mapping[str, Any]
    as_of: _dt.date
    scope: Scope
    rule_ref: Callable[[str], Optional[bool]] = lambda rule_id: None
    items: Tuple[Tuple[Any, str], ...] = ()  # (item mapping, its JSON path) per scope level
    missing: Optional[List[str]] = None
    values: Dict[str, Any] = attrs.field(factory=dict)  # prefetched facts of the current region

    def enter(self, entity: str, item: Any, path: str) -> "Env":
        return Env(self.claim, self.params, self.as_of, self.scope.enter(entity), self.rule_ref,
                   self.items + ((item, path),), self.missing, {})


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
        kind = field.type
        current = check_value(kind, current, path, field.values)
    return current, path


def prefetch(node: ast.Expr, env: Env) -> None:
    for path in region_paths(node):
        key = path.dotted
        if key in env.values:
            continue
        resolved = resolve(path.parts, env.scope)
        value, where = read_path(resolved, env)
        env.values[key] = (value, where)


def evaluate(node: ast.Expr, env: Env) -> Any:
    """Evaluate a whole region (a condition, an amount): prefetch, then evaluate."""
    env.values = {}
    prefetch(node, env)
    return _eval(node, env)


def _fetch(path: ast.Path, env: Env) -> Any:
    value, where = env.values[path.dotted]
    if value is None and env.missing is not None and where not in env.missing:
        env.missing.append(where)
    return value


def divide(left: Any, right: Any, text: str = "") -> Any:
    if right == 0:
        raise EvaluationError("X001", text)
    return Decimal(left) / Decimal(right)


def _eval(node: ast.Expr, env: Env) -> Any:
    if isinstance(node, ast.LITERALS):
        return node.value
    if isinstance(node, ast.Path):
        return _fetch(node, env)
    if isinstance(node, ast.Param):
        return env.params.get(node.name)
    if isinstance(node, ast.RuleRef):
        return env.rule_ref(node.rule_id)
    if isinstance(node, ast.Not):
        value = _eval(node.operand, env)
        return None if value is None else not value
    if isinstance(node, ast.Neg):
        value = _eval(node.operand, env)
        return None if value is None else -value
    if isinstance(node, ast.Logical):
        stop = node.op == "or"  # the value that decides the chain
        result: Optional[bool] = not stop
        for operand in node.operands:
            value = _eval(operand, env)
            if value is stop:
                return stop
            if value is None:
                result = None
        return result
    if isinstance(node, ast.Compare):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if left is None or right is None:
            return None
        return _COMPARE[node.op](left, right)
    if isinstance(node, ast.Arith):
        left, right = _eval(node.left, env), _eval(node.right, env)
        if left is None or right is None:
            return None
        if node.op == "/":
            return divide(left, right, to_text(node))
        return _ARITH[node.op](left, right)
    if isinstance(node, ast.In):
        item = _eval(node.item, env)
        members = [_eval(x, env) for x in node.collection.items]  # type: ignore[union-attr]
        if item is None:
            return None
        if item in [m for m in members if m is not None]:
            found: Optional[bool] = True
        elif any(m is None for m in members):
            found = None
        else:
            found = False
        if found is None:
            return None
        return (not found) if node.negated else found
    if isinstance(node, ast.If):
        cond = _eval(node.cond, env)
        if cond is None:
            return None
        return _eval(node.then if cond else node.otherwise, env)
    if isinstance(node, ast.Call):
        if node.name == "known":
            value, _ = env.values[node.args[0].dotted]  # type: ignore[union-attr]
            return value is not None
        args = [_eval(a, env) for a in node.args]
        if any(a is None for a in args):
            return None
        try:
            return BUILTINS[node.name].impl(*args)  # type: ignore[misc]
        except (OverflowError, ValueError):
            raise EvaluationError("X002", to_text(node)) from None
    if isinstance(node, ast.Aggregate):
        return _aggregate(node, env)
    raise TypeError(node)  # pragma: no cover


def _aggregate(node: ast.Aggregate, env: Env) -> Any:
    source = _eval(node.source, env)
    if source is None:
        return None
    resolved = resolve(node.source.parts, env.scope)  # type: ignore[union-attr]
    _, base = env.values[node.source.dotted]  # type: ignore[union-attr]
    entity = resolved.type.entity or ""
    unknown = False
    count = 0
    chosen: List[Any] = []
    truth: List[Optional[bool]] = []
    for index, item in enumerate(source):
        path = f"{base}[{index}]"
        if item is None:
            raise bad("record", item, path)
        inner = env.enter(entity, record(item, path), path)
        for region in (node.where, node.value):
            if region is not None:
                prefetch(region, inner)
        keep: Optional[bool] = True
        if node.where is not None:
            keep = _eval(node.where, inner)
        if node.func in ("any", "all"):
            truth.append(keep)
            continue
        if keep is None:
            unknown = True
            continue
        if not keep:
            continue
        count += 1
        if node.value is not None:
            value = _eval(node.value, inner)
            if value is None:
                unknown = True
            else:
                chosen.append(value)
    if node.func == "any":
        if True in truth:
            return True
        return None if None in truth else False
    if node.func == "all":
        if False in truth:
            return False
        return None if None in truth else True
    if unknown:
        return None
    if node.func == "count":
        return count
    if node.func == "sum":
        return sum(chosen, 0)
    if not chosen:
        return None
    return min(chosen) if node.func == "min" else max(chosen)


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
