"""Shared helpers of the SQL tests: the reference evaluator's answer in the SQL rows' terms."""

from __future__ import annotations

import datetime as _dt
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional

from subsidy_rules.ir import reference
from subsidy_rules.sql.compile import CompiledQuery


def expected(policy, rule: str, claim: Mapping, as_of: _dt.date, jurisdiction: Optional[str]) -> Dict[str, Any]:
    bound = policy.bound_rule(rule, as_of, jurisdiction)
    raw = reference.evaluate(bound, claim, policy.schema)
    return {"raw": raw, "bound": bound}


def _same(a: Any, b: Any) -> bool:
    # a jsonb number (PostgreSQL's items) comes back as a float: its shortest repr is the number written
    a, b = (Decimal(repr(x)) if isinstance(x, float) else x for x in (a, b))
    if isinstance(a, (int, Decimal)) and isinstance(b, (int, Decimal)) and not isinstance(a, bool) and not isinstance(b, bool):
        return Decimal(a) == Decimal(b)
    return a == b


def deciding_ids(tree, nodes) -> List[str]:
    """The leaves that decided, as explain.deciding picks them from the top: under a group that
    failed its failed children, under one unknown its unknown ones, otherwise all ("any": under
    one met, its met children)."""
    from subsidy_rules.ir import nodes as ir

    def walk(node) -> List[str]:
        if isinstance(node, ir.Leaf):
            return [node.id]
        found = []
        result = nodes[node.index]
        for child in node.children:
            if node.op == "all" and result is not True:
                picked = nodes[child.index] is result
            elif node.op == "any" and result is not False:
                picked = nodes[child.index] is result
            else:
                picked = True
            if picked:
                found += walk(child)
        return found

    return walk(tree.root)


def differences(query: CompiledQuery, row: Mapping[str, Any], raw, bound) -> List[str]:
    """Every way a SQL row differs from the reference evaluator's RawResult (empty: identical)."""
    found = []
    outcome = raw.verdict.outcome.value
    if row["outcome"] != outcome:
        found.append(f"outcome {row['outcome']} != {outcome}")
    if not _same(row["amount"], raw.verdict.amount) and not (row["amount"] is None and raw.verdict.amount is None):
        found.append(f"amount {row['amount']} != {raw.verdict.amount}")
    if list(row["missing"] or []) != list(raw.missing):
        found.append(f"missing {row['missing']} != {list(raw.missing)}")
    if row["amount_status"] != raw.amount_status:
        found.append(f"amount_status {row['amount_status']} != {raw.amount_status}")
    if list(row["amount_missing"] or []) != list(raw.amount_missing):
        found.append(f"amount_missing {row['amount_missing']} != {list(raw.amount_missing)}")
    rule = bound.ir
    if rule.checklist is not None and bound.in_force and "_fallback" in row:
        # two or more criteria open and the checklist undecided: the bounds may leave open what
        # every completion agrees on, so the row must go to the Python engine
        truths = tuple(truth for truth, _ in raw.extra)
        if reference.checklist_score(rule.checklist, truths).passed is None and truths.count(None) >= 2 \
                and not row["_fallback"]:
            found.append(f"_fallback {row['_fallback']} with {truths.count(None)} criteria open")
    if "deciding" in row and bound.in_force:
        want = deciding_ids(rule.conditions, raw.nodes)
        if list(row["deciding"] or []) != want:
            found.append(f"deciding {row['deciding']} != {want}")
    slices = rule.conditions.leaf_slices
    for column in query.columns:
        if column.kind == "node":
            if row[column.name] != raw.nodes[column.ref]:
                found.append(f"{column.name} {row[column.name]} != {raw.nodes[column.ref]}")
        elif column.kind == "observed" and bound.in_force:
            leaf, k = column.ref
            want = raw.observed[slices[leaf]][k]
            if not _same(row[column.name], want):
                found.append(f"{column.name} {row[column.name]!r} != {want!r}")
        elif column.kind in ("criterion", "class"):
            index = [c.id for c in (rule.checklist.criteria if rule.checklist else rule.classification.classes)].index(column.ref)
            if row[column.name] != raw.extra[index][0]:
                found.append(f"{column.name} {row[column.name]} != {raw.extra[index][0]}")
        elif column.kind == "note":
            if row[column.name] != raw.notes[column.ref]:
                found.append(f"{column.name} {row[column.name]} != {raw.notes[column.ref]}")
        elif column.kind == "items" and raw.items is not None:
            items = row[column.name] or []
            if len(items) != len(raw.items):
                found.append(f"items {len(items)} != {len(raw.items)}")
                continue
            for got, want in zip(items, raw.items):
                if got["state"] != want.state:
                    found.append(f"item {want.index} state {got['state']} != {want.state}")
                if "amount" in got and not _same(got["amount"], want.amount) and not (got["amount"] is None and want.amount is None):
                    found.append(f"item {want.index} amount {got['amount']} != {want.amount}")
    return found


def assert_values_only_of_conditions_not_met(rows):
    """The compact explanation holds the values read (o_<id>_<k>) of the conditions not met or
    unknown, and only those: of every rule, every o_ key seen is in each row whose c_<id> is not
    TRUE, and in none whose c_<id> is TRUE."""
    seen = {}
    for row in rows:
        seen.setdefault(row["rule"], set()).update(k for k in row["conditions"] if k.startswith("o_"))
    shown = hidden = 0
    for row in rows:
        conditions = row["conditions"]
        for key in seen[row["rule"]]:
            condition = "c_" + key[2:].rpartition("_")[0]
            if condition not in conditions:
                continue
            if conditions[condition] is True:
                assert key not in conditions, (row["rule"], key)
                hidden += 1
            else:
                assert key in conditions, (row["rule"], key)
                shown += 1
    assert shown and hidden
