"""A small policy whose rules refer to others (`@rule-id`): the mini policy and three rules, for the
SQL tests of rule references (DuckDB in test_sql_rule_refs.py, PostgreSQL and Spark in test_sql_engines.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from conftest import copy_mini, write

HEAD = """
    title: {zh: 引用, en: Reference}
    source: {document: 测试}
    in_force: {from: 2016-01-01}
"""
RULES = {
    # an employer rule that needs a labourer rule: another entity, absent from some claims
    "combo": """
        id: combo
        applies_to: employer
        conditions:
          - id: owner-trained
            label: {zh: 负责人参加培训, en: Owner trained}
            expr: "@w1"
          - id: some-hires
            label: {zh: 有吸纳, en: Some hires}
            expr: count(employer.hires where contract_months >= 12) >= 1
        amount: 100
    """,
    # references inside any / not, to an aggregate rule and an items rule
    "either": """
        id: either
        applies_to: employer
        conditions:
          - any:
              - id: base
                label: {zh: 基地, en: Base}
                expr: "@w2"
              - id: no-award
                label: {zh: 无奖补, en: No award}
                expr: not @award
            id: base-or-no-award
            label: {zh: 基地或无奖补, en: Base or no award}
    """,
    # a reference to a rule that refers to another, the same reference twice, and an `if`
    "chain": """
        id: chain
        applies_to: employer
        conditions:
          - id: combo
            label: {zh: 组合, en: Combo}
            expr: "@combo and (if @w1 then true else employer.name == \\"x\\")"
    """,
    # a reference read by an item condition: the claim's other rule, inside the list's lambda
    "per-hire": """
        id: per-hire
        applies_to: employer
        items:
          over: employer.hires
          label: {zh: 吸纳, en: Hires}
          conditions:
            - id: owner-and-contract
              label: {zh: 负责人及合同, en: Owner and contract}
              expr: "@w1 and contract_months >= 12"
          amount: 10
    """,
}



def ref_policy_folder(target: Path) -> Path:
    """The mini policy with the rules above, under ``target``."""
    folder = copy_mini(target)
    for name, text in RULES.items():
        write(folder / "rules" / f"{name}.yaml", textwrap.dedent(text) + textwrap.dedent(HEAD))
    return folder


def without_some(claim, drop: bool):
    """The claim, or the claim without its labourer (an entity a referenced rule applies to). SQL
    cannot tell an entity given as null from one left out: it reads both as left out, so the
    claims here give the labourer or leave it out (`evaluate --engine duckdb` hands a claim with an
    entity given as null to the Python engine when the rule has references)."""
    return {k: v for k, v in claim.items() if not (k == "labourer" and (drop or v is None))}
