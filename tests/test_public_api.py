"""The package's public names, as a developer embedding it (or a type checker) meets them."""

from __future__ import annotations

import inspect
import typing
from pathlib import Path

import subsidy_rules


def public_callables():
    for name in subsidy_rules.__all__:
        value = getattr(subsidy_rules, name)
        if inspect.isfunction(value):
            yield name, value
        elif inspect.isclass(value):
            for attribute, member in vars(value).items():
                member = member.fget if isinstance(member, property) else member
                if not attribute.startswith("_") and inspect.isfunction(member):
                    yield f"{name}.{attribute}", member


def test_every_public_annotation_resolves():
    """typing.get_type_hints is how tools read annotations; a name only imported for type checking fails it."""
    unresolved = {}
    for name, function in public_callables():
        try:
            typing.get_type_hints(function)
        except Exception as exc:  # noqa: BLE001 - each failure is reported by name
            unresolved[name] = repr(exc)
    assert not unresolved, unresolved
    hints = typing.get_type_hints(subsidy_rules.evaluate_many)
    assert hints["policy"] is subsidy_rules.Policy and hints["return"].__args__[0].__name__ == "RecordResult"


def test_the_table_calls_give_one_result_per_record_in_order():
    policy = subsidy_rules.load_policy()
    records = [{"labourer": {"age": 30}}, {"labourer": {"age": "thirty"}}]
    results = list(subsidy_rules.evaluate_many(policy, records, rule="entrepreneurship-training-subsidy"))
    assert [(r.line, r.error is None) for r in results] == [(1, True), (2, False)]
    assert results[0].results[0].outcome is subsidy_rules.Outcome.UNDETERMINED and results[0].results[0].decision is None
    lists = list(subsidy_rules.sort_into_lists(policy, records))
    assert [(r.line, r.error is None) for r in lists] == [(1, True), (2, False)]
    assert "employment-status-clear" in [entry.list_id for entry in lists[0].incomplete]


def test_the_package_ships_its_type_information():
    assert (Path(subsidy_rules.__file__).parent / "py.typed").is_file()
