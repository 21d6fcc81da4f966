"""Compiled rule queries kept across runs (sql/queries.py): a later run reads them without
compiling, or importing the compiler; an edited policy, other code, a damaged entry or a folder
that cannot be written never gives a wrong query; the cache can be turned off."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("duckdb", reason="pip install duckdb (the 'sql' extra)")
pytest.importorskip("pyarrow", reason="pip install pyarrow (the 'sql' extra)")

import subsidy_rules  # noqa: E402
from subsidy_rules.sql import compile as C  # noqa: E402
from subsidy_rules.sql import queries as Q  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2017, 7, 31)
CLAIM = {"id": "e1", "as_of": "2017-07-31", "employer": {
    "name": "甲", "kind": "enterprise",
    "hires": [{"worker": {"rural_registered_poor": True}, "contract_months": 12, "social_insurance": True}]}}


@pytest.fixture
def cache(tmp_path, monkeypatch):
    where = tmp_path / "cache"
    monkeypatch.setenv("SUBSIDY_RULES_CACHE", str(where))
    return where


def entries(where: Path) -> list:
    return sorted((where / "queries").glob("*.json")) if (where / "queries").exists() else []


def fresh(folder=None):
    """A policy loaded anew: nothing of an earlier load is in memory."""
    return subsidy_rules.load_policy(folder) if folder else subsidy_rules.load_policy()


def no_compiler(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("compiled again")

    monkeypatch.setattr(C, "compile_bound", refuse)


def test_a_later_run_reads_the_query_without_compiling(cache, monkeypatch):
    first = fresh()
    text = Q.query_text(first, first.bound_rule("hiring-award", AS_OF, None), True)
    assert text.sql.startswith("SELECT") and len(entries(cache)) == 1
    no_compiler(monkeypatch)
    again = fresh()
    found = Q.query_text(again, again.bound_rule("hiring-award", AS_OF, None), True)
    assert found == text
    with pytest.raises(AssertionError, match="compiled again"):  # explain=False is another query
        Q.query_text(again, again.bound_rule("hiring-award", AS_OF, None), False)


def test_the_explanation_text_is_kept_with_its_query(cache):
    policy = fresh()
    bound = policy.bound_rule("hiring-award", AS_OF, None)
    Q.query_text(policy, bound, True)
    Q.keep_part(policy, bound, True, "json", "concat('{}')")
    [entry] = entries(cache)
    assert json.loads(entry.read_text(encoding="utf-8"))["parts"] == {"json": "concat('{}')"}
    again = fresh()
    assert Q.query_text(again, again.bound_rule("hiring-award", AS_OF, None), True).parts == {"json": "concat('{}')"}


def test_an_edited_policy_is_another_entry(cache, tmp_path):
    """A rule's text edited, its key (id, date, parameter values) the same: the policy's digest
    tells the two apart."""
    folder = tmp_path / "policy"
    shutil.copytree(ROOT / "policy", folder)
    before = fresh(folder)
    old = Q.query_text(before, before.bound_rule("hiring-award", AS_OF, None), False)
    rule = folder / "rules" / "hiring-award.yaml"
    text = rule.read_text(encoding="utf-8")
    assert "contract_months >= $min_contract_months or open_ended_contract\n" in text
    rule.write_text(text.replace(" or open_ended_contract\n", "\n"), encoding="utf-8")
    after = fresh(folder)
    assert after.digest != before.digest
    new = Q.query_text(after, after.bound_rule("hiring-award", AS_OF, None), False)
    assert "open_ended_contract" in old.sql and "open_ended_contract" not in new.sql
    assert len(entries(cache)) == 2


def test_other_code_is_another_entry(cache, monkeypatch):
    policy = fresh()
    Q.query_text(policy, policy.bound_rule("five-lists", AS_OF, None), False)
    monkeypatch.setitem(Q._CODE, "code", "another version of the package")
    again = fresh()
    Q.query_text(again, again.bound_rule("five-lists", AS_OF, None), False)
    assert len(entries(cache)) == 2


@pytest.mark.parametrize("damage", ["", "{", "[1, 2]", '{"format": 1, "sql": 7, "fallback": false, "parts": {}}',
                                    '{"format": 999, "sql": "SELECT 1", "fallback": false, "parts": {}}',
                                    '{"format": 1, "sql": "x", "fallback": false, "parts": {"json": 1}}', "\udcff"])
def test_a_damaged_entry_is_compiled_again(cache, damage):
    policy = fresh()
    good = Q.query_text(policy, policy.bound_rule("employment-base", AS_OF, None), True)
    [entry] = entries(cache)
    entry.write_bytes(damage.encode("utf-8", "surrogateescape"))
    again = fresh()
    assert Q.query_text(again, again.bound_rule("employment-base", AS_OF, None), True) == good
    assert json.loads(entry.read_text(encoding="utf-8"))["sql"] == good.sql  # and written anew


def test_a_folder_that_cannot_be_written_is_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("SUBSIDY_RULES_CACHE", str(blocker))
    policy = fresh()
    text = Q.query_text(policy, policy.bound_rule("hiring-award", AS_OF, None), True)
    assert text.sql.startswith("SELECT") and blocker.read_text(encoding="utf-8") == "not a folder"


@pytest.mark.parametrize("word", ["off", "0", "none", ""])
def test_the_cache_can_be_turned_off(tmp_path, monkeypatch, word):
    monkeypatch.setenv("SUBSIDY_RULES_CACHE", word)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Q.folder() is None
    policy = fresh()
    Q.query_text(policy, policy.bound_rule("hiring-award", AS_OF, None), True)
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_the_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("SUBSIDY_RULES_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert Q.folder() == tmp_path / "xdg" / "subsidy-rules"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert Q.folder() == tmp_path / "home" / ".cache" / "subsidy-rules"


def test_old_entries_are_pruned(cache, monkeypatch):
    monkeypatch.setattr(Q, "KEEP", 4)
    (cache / "queries").mkdir(parents=True)
    for index in range(6):
        old = cache / "queries" / f"old{index}.json"
        old.write_text("{}", encoding="utf-8")
        os.utime(old, (1_000_000 + index, 1_000_000 + index))
    policy = fresh()
    Q.query_text(policy, policy.bound_rule("hiring-award", AS_OF, None), True)
    left = [p.name for p in entries(cache)]
    assert len(left) == 2 and "old5.json" in left and not any(n.startswith(".entry-") for n in os.listdir(cache / "queries"))


def evaluate_in_a_process(cache: Path, claims: Path, out: Path) -> subprocess.CompletedProcess:
    """`evaluate --engine duckdb` in a new process; prints whether the compiler was imported."""
    code = ("import sys; from subsidy_rules.cli import main; "
            f"code = main(['evaluate', {str(claims)!r}, '--engine', 'duckdb', '--explain', '--out', {str(out)!r}]); "
            "print('sqlglot' in sys.modules, code)")
    env = dict(os.environ, SUBSIDY_RULES_CACHE=str(cache), PYTHONPATH=os.pathsep.join(
        filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")])))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False, cwd=ROOT)


def test_evaluate_in_a_new_process_neither_compiles_nor_imports_the_compiler(tmp_path):
    claims = tmp_path / "claims.jsonl"
    claims.write_text(json.dumps(CLAIM, ensure_ascii=False) + "\n", encoding="utf-8")
    first = evaluate_in_a_process(tmp_path / "cache", claims, tmp_path / "first.jsonl")
    second = evaluate_in_a_process(tmp_path / "cache", claims, tmp_path / "second.jsonl")
    assert first.stdout.split() == ["True", "0"], first.stderr
    assert second.stdout.split() == ["False", "0"], second.stderr
    assert (tmp_path / "first.jsonl").read_bytes() == (tmp_path / "second.jsonl").read_bytes()
    assert b'"conditions": {' in (tmp_path / "second.jsonl").read_bytes()
