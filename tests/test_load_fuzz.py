"""No input crashes the loader: mangled rule files give diagnostics, never a Python exception."""

from __future__ import annotations

import shutil
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import subsidy_rules
from subsidy_rules.errors import Diagnostic

MINI = Path(__file__).resolve().parent / "fixtures" / "mini"
RULE = (MINI / "rules" / "w1.yaml").read_text(encoding="utf-8")
SCHEMA = (MINI / "schema.yaml").read_text(encoding="utf-8")

_pieces = st.sampled_from([
    ":", "-", " ", "\n", "  ", "{", "}", "[", "]", ",", "&a", "*a", "!!python/object:os.system", "'", '"',
    "\t", "\ufeff", "2017-02-30", "1e999999999", "9" * 50, "expr: (", "and", "$", "@", "年龄", "#", "|", ">",
    "__import__('os')", "__class__", "\\", "\x00", "\x85", "---", "...", "? ", "%YAML 1.1",
])


def _mutate(text: str, edits) -> str:
    for position, delete, insert in edits:
        at = position % (len(text) + 1)
        text = text[:at] + insert + text[at + delete:]
    return text


_edits = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 6), _pieces), min_size=1, max_size=6)


def _load(tmp: Path, rule_text: str, schema_text: str = SCHEMA):
    if tmp.exists():
        shutil.rmtree(tmp)
    shutil.copytree(MINI, tmp)
    (tmp / "rules" / "w1.yaml").write_text(rule_text, encoding="utf-8", errors="surrogatepass")
    (tmp / "schema.yaml").write_text(schema_text, encoding="utf-8", errors="surrogatepass")
    return subsidy_rules.check_policy(tmp)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_edits)
def test_mangled_rule_file_gives_diagnostics_only(tmp_path, edits):
    text = _mutate(RULE, edits)
    policy, diagnostics = _load(tmp_path / "p", text)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    for diagnostic in diagnostics:
        assert diagnostic.span.line >= 1 and diagnostic.span.column >= 1
        diagnostic.format("zh")
        diagnostic.format("en")
    if policy is None:
        assert any(d.severity == "error" for d in diagnostics)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=_edits)
def test_mangled_schema_gives_diagnostics_only(tmp_path, edits):
    policy, diagnostics = _load(tmp_path / "p", RULE, _mutate(SCHEMA, edits))
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
    if policy is None:
        assert any(d.severity == "error" for d in diagnostics)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400))
def test_arbitrary_bytes_as_a_rule_file(tmp_path, raw):
    target = tmp_path / "p"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(MINI, target)
    (target / "rules" / "w1.yaml").write_bytes(raw)
    policy, diagnostics = subsidy_rules.check_policy(target)
    assert all(isinstance(d, Diagnostic) for d in diagnostics)
