"""Hostile rule expressions: absurd nesting, identifiers and strings aimed at Python,
absurd numbers and dates. Each is refused with its E03x/E013 code at the right
line and column, or (strings) evaluates as harmless text that reaches the generated
code only as a constant."""

from __future__ import annotations

import datetime as _dt
import time
from pathlib import Path

import pytest

from adversarial_helpers import (MINI_RULE, assert_clean_failure, assert_located, bounded, check_dir, errors_of,
                                 mini_copy, run_cli, the_error)

AGE = "    expr: labourer.age >= 16"
LINE = MINI_RULE.splitlines().index(AGE) + 2  # the expression sits on the line after "expr: |-"
COLUMN = 7  # ... indented by six spaces
DAY = _dt.date(2018, 6, 1)


def _with_expr(expression: str) -> str:
    return MINI_RULE.replace(AGE, "    expr: |-\n      " + expression)


def _check_expr(tmp_path: Path, expression: str, seconds: float = 5.0):
    directory = mini_copy(tmp_path)
    (directory / "rules" / "w1.yaml").write_text(_with_expr(expression), encoding="utf-8")
    ok, diagnostics = bounded(check_dir, directory, seconds=seconds)
    return directory, ok, diagnostics


def _refused(tmp_path: Path, expression: str, code: str, offset: int = 0, seconds: float = 5.0):
    """The expression is refused with ``code`` at the character ``offset`` of the expression."""
    directory, ok, diagnostics = _check_expr(tmp_path, expression, seconds)
    assert not ok, f"{expression[:80]!r} was accepted"
    found = the_error(diagnostics, code)
    assert_located(found, "w1.yaml")
    assert (found.span.line, found.span.column) == (LINE, COLUMN + offset), found.format("en")
    return directory, found


# ------------------------------------------------------------------ nesting


@pytest.mark.parametrize("expression", [
    "(" * 100_000 + "true" + ")" * 100_000,
    "not " * 100_000 + "true",
    "- " * 100_000 + "1 > 0",
    "labourer.age in " + "[" * 100_000 + "1" + "]" * 100_000,
    "9" * 100_000 + " > 0",
], ids=["parentheses", "not", "minus", "lists", "digits"])
def test_hundred_thousand_deep_is_too_long(tmp_path, expression):
    started = time.monotonic()
    directory, found = _refused(tmp_path, expression, "E037")
    assert time.monotonic() - started < 5
    assert "over 4000 characters" in found.message("en")
    assert_clean_failure(bounded(run_cli, "check", directory, "--lang", "en"), "error[E037]")


@pytest.mark.parametrize("expression", [
    "not " * 990 + "true",
    "- " * 1990 + "1 > 0",
    "- " * 1990 + "labourer.age > 0",
    "labourer.age in " + "[" * 1900 + "1" + "]" * 1900,
    "labourer.age > " + "(1 + " * 600 + "1" + ")" * 600,
    "labourer.age > " + "1 + " * 990 + "1",
    "(" * 60 + "not (" * 60 + "true" + ")" * 120,
], ids=["not", "minus", "minus-path", "lists", "sums-right", "sums-left", "mixed"])
def test_deep_but_short_is_too_deep(tmp_path, expression):
    assert len(expression) <= 4000
    _refused(tmp_path, expression, "E036")


def test_redundant_parentheses_add_no_depth(tmp_path):
    _, ok, diagnostics = _check_expr(tmp_path, "(" * 1990 + "labourer.age >= 16" + ")" * 1990)
    assert ok, [d.format("en") for d in diagnostics]


def test_long_flat_and_chains_are_fine(tmp_path):
    # `and` chains are flattened: 170 operands are one level, not 170
    _, ok, diagnostics = _check_expr(tmp_path, " and ".join(["labourer.age >= 16"] * 170))
    assert ok, [d.format("en") for d in diagnostics]


def test_many_wide_expressions_are_located_in_linear_time(tmp_path):
    # each expression has ~2000 nodes, each located in the file: once quadratic (~0.7 s each)
    wide = "labourer.age in [" + ",".join(["1"] * 1990) + "]"
    conditions = "".join(f"  - id: c{i}\n    label: {{zh: x, en: x}}\n    expr: {wide}\n" for i in range(20))
    directory = mini_copy(tmp_path)
    (directory / "rules" / "w1.yaml").write_text(MINI_RULE.replace("conditions:\n", "conditions:\n" + conditions),
                                                 encoding="utf-8")
    ok, diagnostics = bounded(check_dir, directory, seconds=8)
    assert ok, [d.format("en") for d in diagnostics]


# ------------------------------------------------------------------ reaching for Python


@pytest.mark.parametrize("expression, code, offset", [
    ("labourer.__class__ == 1", "E031", 0),
    ("__class__", "E031", 0),
    ("labourer.__dict__ == 1", "E031", 0),
    ("labourer.age.__class__ == 1", "E031", 0),
    ("labourer.__class__.__mro__ == 1", "E031", 0),
    ("__import__", "E031", 0),
    ("__builtins__", "E031", 0),
    ("claim", "E031", 0),
    ("_e0.age > 1", "E031", 0),
    ("__import__('os')", "E033", 0),
    ("exec('import os')", "E033", 0),
    ("eval(\"1\")", "E033", 0),
    ("getattr(labourer, 'age') > 1", "E033", 0),
    ("open('/etc/passwd') == 'x'", "E033", 0),
    ("labourer.age > $__class__", "E032", 15),
    ("labourer.age > $_p0", "E032", 15),
    ("@os", "E027", 0),
    ("__import__('os').system('true')", "E030", 16),
    ("labourer.name.upper() == 'X'", "E030", 19),
    ("labourer['age'] > 1", "E030", 8),
    ("lambda: true", "E030", 6),
    ("true; import os", "E030", 4),
    ("true\nimport os", "E030", None),
    ("(1).__class__", "E030", 3),
    ("labourer.age if true else 1", "E030", 13),
    ("[x for x in labourer]", "E030", 3),
    ("\"\"\" + '''", "E030", None),
], ids=lambda value: repr(value)[:40] if isinstance(value, str) else str(value))
def test_identifiers_reaching_for_python_are_refused(tmp_path, expression, code, offset):
    if offset is None:  # the error is past the first line of the expression
        directory, ok, diagnostics = _check_expr(tmp_path, expression.replace("\n", "\n      "))
        assert not ok
        assert_located(the_error(diagnostics, code), "w1.yaml")
        return
    _refused(tmp_path, expression, code, offset)


def test_dunder_field_names_are_dictionary_keys_not_attributes(tmp_path):
    """A schema may name a field __class__ or get: generated code reads it as a key."""
    directory = mini_copy(tmp_path)
    schema = (directory / "schema.yaml").read_text(encoding="utf-8").replace(
        "      status: {type: enum",
        "      __class__: {type: integer, label: {zh: a, en: a}}\n"
        "      get: {type: bool, label: {zh: b, en: b}}\n"
        "      status: {type: enum")
    (directory / "schema.yaml").write_text(schema, encoding="utf-8")
    (directory / "rules" / "w1.yaml").write_text(_with_expr("labourer.__class__ >= 16 and labourer.get"),
                                                 encoding="utf-8")
    yes = {"labourer": {"rural_registered_poor": True, "attended_entrepreneurship_training": True,
                        "self_employed": True, "__class__": 20, "get": True}}
    no = {"labourer": dict(yes["labourer"], __class__=15)}

    def run():
        import subsidy_rules

        policy = subsidy_rules.load_policy(directory)
        outcomes = []
        for claim in (yes, no, subsidy_rules.coerce_claim(yes, policy.schema)):
            outcomes.append(policy.evaluate(claim, as_of=DAY)[0].outcome.value)
            outcomes.append(policy.decide(claim, "w1", as_of=DAY).outcome.value)
        return outcomes

    assert bounded(run) == ["eligible", "eligible", "ineligible", "ineligible", "eligible", "eligible"]


HOSTILE_TEXTS = [
    '"; import os; "',
    "'); __import__(\"os\").system(\"true\"); ('",
    "\\",
    "\\\\n\\t",
    '"""',
    "'''",
    "{0.__class__.__mro__}",
    "%s%s%n",
    "\u202e\u200d\ufeff",
    "__import__('os').system('true')",
    "\n    return _V_ok\n",
    "x" * 3900,
]


def _quote(text: str) -> str:
    """The text as an expression string literal (the language's escapes: \\\" \\\\ \\n \\t)."""
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{body}"'


@pytest.mark.parametrize("text", HOSTILE_TEXTS, ids=lambda t: repr(t)[:30])
def test_strings_reaching_for_python_are_harmless_text(tmp_path, text):
    expression = f"labourer.name == {_quote(text)}"
    directory = mini_copy(tmp_path)
    (directory / "rules" / "w1.yaml").write_text(_with_expr(expression), encoding="utf-8")
    base = {"rural_registered_poor": True, "attended_entrepreneurship_training": True, "self_employed": True}

    def run():
        import subsidy_rules

        policy = subsidy_rules.load_policy(directory)
        compiled = policy.compiled("w1", DAY)
        constants = [value for name, value in compiled.factory.__globals__.items() if name.startswith("_K")]
        outcomes = []
        for name in (text, text + "x", "Robert'); DROP TABLE"):
            claim = {"labourer": dict(base, name=name)}
            outcomes.append((policy.evaluate(claim, as_of=DAY)[0].outcome.value,
                             policy.decide(claim, "w1", as_of=DAY).outcome.value,
                             policy.decider("w1", DAY)(claim).outcome.value))
        return compiled.source, text in constants, outcomes

    source, constant, outcomes = bounded(run)
    assert constant, "the text should live among the generated code's constants"
    for fragment in (text, repr(text), _quote(text)):
        assert fragment not in source, f"{fragment!r} appears raw in the generated code"
    assert "import os" not in source and "system(" not in source
    assert outcomes == [("eligible",) * 3, ("ineligible",) * 3, ("ineligible",) * 3]


def test_hostile_enum_values_are_constants_too(tmp_path):
    directory = mini_copy(tmp_path)
    schema = (directory / "schema.yaml").read_text(encoding="utf-8").replace(
        "values: [employed, unemployed]", "values: ['\"; import os; \"', \"x'); y('\"]")
    (directory / "schema.yaml").write_text(schema, encoding="utf-8")
    (directory / "rules" / "w1.yaml").write_text(_with_expr("labourer.status == '\"; import os; \"'"),
                                                 encoding="utf-8")

    def run():
        import subsidy_rules

        policy = subsidy_rules.load_policy(directory)
        claim = {"labourer": {"status": '"; import os; "', "rural_registered_poor": True,
                              "attended_entrepreneurship_training": True, "self_employed": True}}
        return policy.compiled("w1", DAY).source, policy.evaluate(claim, as_of=DAY)[0].outcome.value

    source, outcome = bounded(run)
    assert "import os" not in source and "y('" not in source
    assert outcome == "eligible"


# ------------------------------------------------------------------ numbers and dates


@pytest.mark.parametrize("expression, code, offset", [
    ("labourer.age > 1e999999999", "E030", 16),
    ("labourer.age > 1E5", "E030", 16),
    ("labourer.age > " + "9" * 3000, "E038", 15),
    ("labourer.age > " + "9" * 19, "E038", 15),
    ("labourer.age > " + "9" * 30 + "%", "E038", 15),
    ("labourer.age > " + "9" * 25 + ".5", "E038", 15),
    ("labourer.age > 0x10", "E030", 16),
    ("labourer.age > 1_000", "E030", 16),
    ("labourer.age > inf", "E031", 15),
    ("labourer.age > NaN", "E031", 15),
    ("as_of >= 2017-02-30", "E013", 9),
    ("as_of >= 2017-13-01", "E013", 9),
    ("as_of >= 0000-01-01", "E013", 9),
    ("as_of >= 2017-01-32", "E013", 9),
], ids=lambda value: repr(value)[:40] if isinstance(value, str) else str(value))
def test_absurd_numbers_and_dates(tmp_path, expression, code, offset):
    directory, _ = _refused(tmp_path, expression, code, offset)
    assert_clean_failure(bounded(run_cli, "check", directory, "--lang", "en"), f"error[{code}]")


@pytest.mark.parametrize("expression", [
    "labourer.age > " + "9" * 18,
    "labourer.age > 0." + "0" * 3000 + "1",
    "labourer.age > " + "0" * 3000 + "1",
    "as_of >= 9999-12-31 or as_of >= 0001-01-01",
], ids=["18-digits", "long-fraction", "leading-zeros", "extreme-dates"])
def test_large_but_legal_literals(tmp_path, expression):
    _, ok, diagnostics = _check_expr(tmp_path, expression)
    assert ok, [d.format("en") for d in errors_of(diagnostics)]
