"""Compact explanations: a rule query's row as the ``conditions`` object `evaluate --explain`
writes on the SQL path, and the same object for a row the Python engine decides.

A run on DuckDB hands some records to the Python engine (a value SQL cannot check as exactly as
Python does, a division by zero, a checklist with criteria open). Their rows get the object the
query would have given: its columns (``CompiledQuery.columns``: what each holds is the column's
kind and ref) filled from the engine's RawResult, and written by the one ``compact``."""

from __future__ import annotations

import weakref
from decimal import Decimal
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from ..batch import evaluate_columns
from ..decision_json import json_value
from ..ir import nodes as ir
from ..ir.refs import sharing_key
from ..ir.result import RawItem, RawResult
from ..tables.writers import Column

_SKIP = frozenset(("key", "outcome", "amount", "missing", "_fallback", "items"))
_PLAIN = (bool, str, type(None))


def reading_condition(name: str, names: Iterable[str]) -> Optional[str]:
    """The condition column whose value ``name`` shows (``o_<id>_<k>`` -> ``c_<id>``), if any."""
    if not name.startswith("o_"):
        return None
    condition = "c_" + name[2:].rpartition("_")[0]
    return condition if condition in names else None


def shortest(value: Decimal) -> str:
    """A value read, as exact text without the places its SQL type pads it to (``200000``, not
    ``200000.000000000000``): the same text whichever engine computed it."""
    return format(value.normalize(), "f") if value else "0"


def compact(values: Mapping[str, Any]) -> Dict[str, Any]:
    """An explanation as columns: each condition's result, the values read by the conditions not met
    or unknown, the deciding conditions."""
    found: Dict[str, Any] = {}
    for name, value in values.items():
        if name in _SKIP:
            continue
        shown_by = reading_condition(name, values)
        if shown_by is not None:
            if values[shown_by] is True:
                continue  # a value read by a condition met: left out, as in the JSON Lines text
            if isinstance(value, Decimal):
                found[name] = shortest(value)
                continue
        if isinstance(value, _PLAIN):
            found[name] = value
        elif isinstance(value, list):
            found[name] = [v if isinstance(v, _PLAIN) else json_value(v) for v in value]
        else:
            found[name] = json_value(value)
    if "items" in values:  # a list not given is null, as the JSON Lines text writes it
        items = values["items"]
        found["items"] = None if items is None else [
            {k: (v if isinstance(v, _PLAIN) else json_value(v)) for k, v in item.items() if not isinstance(v, list)}
            for item in items]
    return found


# ---------------------------------------------------------------- a row the Python engine decides

_LEAN = frozenset(("key", "outcome", "amount", "status", "missing", "amount_missing"))
_COLUMNS: "weakref.WeakKeyDictionary[Any, Dict[Any, Tuple[Any, ...]]]" = weakref.WeakKeyDictionary()


def table_columns(fmt: str, explain: bool = False) -> Tuple[Column, ...]:
    """The output columns of `evaluate --engine duckdb`: those of the Python engine, and with
    ``explain`` the compact condition columns (JSON Lines, Parquet) instead of a reasons tree,
    written without spaces whichever engine decided the row."""
    found = evaluate_columns(fmt, False)
    if explain and fmt in ("jsonl", "parquet"):
        found = found + (Column("conditions", "compact", None),)
    return found


def python_conditions(policy: Any, decision: Any, claim: Mapping[str, Any]) -> Dict[str, Any]:
    """The ``conditions`` object of a Decision of the Python engine on a checked claim, as the
    rule's query gives it."""
    bound = policy.bound_rule(decision.rule.id, decision.as_of, decision.jurisdiction)
    columns, exact = _columns(policy, bound)
    return compact(query_values(columns, bound, decision.raw, exact, claim))


def _columns(policy: Any, bound: ir.BoundRule) -> Tuple[Tuple[Any, ...], frozenset]:
    """The rule's query columns, and the values read that SQL holds as decimals."""
    known = _COLUMNS.setdefault(policy, {})
    key = sharing_key(bound)
    if key not in known:
        from .compile import compile_bound  # only for a run with rows the Python engine decides

        columns = compile_bound(policy, bound, explain=True).columns
        known[key] = (columns, decimal_reads(columns, bound, policy.schema, policy.model.parameters))
    return known[key]


def decimal_reads(columns: Tuple[Any, ...], bound: ir.BoundRule, schema: Any, parameters: Any) -> frozenset:
    """The ``o_`` columns whose value is a decimal by its type (a money fact, a difference of
    amounts): SQL holds them as DECIMAL, while Python may hold a whole one as an int (a money
    fact written 0), so the compact object writes it as a decimal on both paths."""
    from ..expr.typecheck import Checker
    from ..expr.types import DECIMAL, MONEY, Scope, resolve

    checker = Checker(parameters, (), lambda *args, **kwargs: None)
    scope = Scope(schema)
    leaves = {leaf.index: leaf for leaf in bound.ir.conditions.leaves}
    found = set()
    for column in columns:
        if column.kind != "observed":
            continue
        leaf, k = column.ref
        slot = leaves[leaf].region.observed[k]
        if slot.kind == "fact":
            kind = resolve(tuple(slot.key.split(".")), scope).type
        elif slot.node is not None:
            kind = checker.check(slot.node, scope)
        else:
            continue
        if kind in (DECIMAL, MONEY):
            found.add(column.name)
    return frozenset(found)


def query_values(columns: Tuple[Any, ...], bound: ir.BoundRule, raw: RawResult, exact: frozenset,
                 claim: Mapping[str, Any]) -> Dict[str, Any]:
    """A query's row (column name -> value, in the query's order) of a RawResult on ``claim``;
    ``exact``: the values read that SQL holds as decimals (``decimal_reads``)."""
    rule = bound.ir
    slices = rule.conditions.leaf_slices
    listed = rule.checklist.criteria if rule.checklist else rule.classification.classes if rule.classification else ()
    order = [c.id for c in listed]
    by_name: Dict[str, Any] = {}
    for column in columns:
        kind, ref = column.kind, column.ref
        if kind == "outcome":
            value: Any = raw.verdict.outcome.value
        elif kind == "amount":
            value = raw.verdict.amount
        elif kind == "status":
            value = raw.amount_status
        elif kind == "missing":
            value = list(raw.missing)
        elif kind == "amount_missing":
            value = list(raw.amount_missing)
        elif kind == "node":
            value = raw.nodes[ref]
        elif kind == "observed":
            leaf, k = ref
            value = raw.observed[slices[leaf]][k]
            if column.name in exact and value.__class__ is int:
                value = Decimal(value)
        elif kind in ("criterion", "class"):
            value = raw.extra[order.index(ref)][0]
        elif kind == "note":
            value = raw.notes[ref]
        elif kind == "deciding":
            value = deciding_ids(rule.conditions, raw.nodes)
        elif kind == "items":
            assert rule.items is not None
            if raw.items or _given(claim, rule.items.over.expr.parts):  # type: ignore[union-attr]
                value = [_item_values(rule.items, item) for item in raw.items or ()]
            else:  # a list not given is NULL in SQL, not an empty list
                value = None
        else:  # the key: no row of a table here
            value = None
        by_name[column.name] = value
    # the query's order: the decision columns, the deciding conditions, then the rest as listed
    names = [c.name for c in columns if c.kind in _LEAN] + [c.name for c in columns if c.kind == "deciding"]
    names += [c.name for c in columns if c.kind not in _LEAN and c.kind != "deciding"]
    return {name: by_name[name] for name in names}


def deciding_ids(tree: ir.Tree, nodes: Tuple[Any, ...]) -> List[str]:
    """The leaves that decided the result, as explain.deciding picks them from the top: under a
    group that failed its failed children, under one unknown its unknown ones, otherwise all
    ("any": under one met, its met children)."""

    def walk(node: Any) -> List[str]:
        if isinstance(node, ir.Leaf):
            return [node.id]
        found: List[str] = []
        result = nodes[node.index]
        for child in node.children:
            if node.op == "all" and result is not True or node.op == "any" and result is not False:
                if nodes[child.index] is not result:
                    continue
            found += walk(child)
        return found

    return walk(tree.root)


def _given(claim: Mapping[str, Any], parts: Tuple[str, ...]) -> bool:
    found: Any = claim
    for part in parts:
        found = found.get(part) if isinstance(found, Mapping) else None
    return found is not None


def _item_values(items: ir.Items, item: RawItem) -> Dict[str, Any]:
    from .compile import col_name

    values: Dict[str, Any] = {"index": item.index, "considered": item.considered, "state": item.state}
    for node in items.conditions.nodes:
        values[col_name("c", node.id, node.index)] = None if item.nodes is None else item.nodes[node.index]
    if items.amount is not None:
        values["amount"] = item.amount if item.state is True else None
        values["amount_status"] = item.amount_status
    if items.name is not None:
        values["name"] = item.name
    return values
