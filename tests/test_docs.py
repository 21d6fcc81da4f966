"""Every shell and Python block of the docs runs and prints what the doc shows.

The conventions (what runs, where, what is compared, the doc-test markers) are in
tests/docblocks.py and docs/decisions.md ("Docs that run"). Each block is a test of its
own; a file's blocks run once, in order, in a fresh copy of the checkout, the first time
one of them is asked for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import pytest

from docblocks import Outcome, Session, Step, doc_files, steps_of

REPO = Path(__file__).resolve().parent.parent
STEPS: Dict[str, List[Step]] = {p.relative_to(REPO).as_posix(): steps_of(p, REPO) for p in doc_files(REPO)}
CASES = [step for steps in STEPS.values() for step in steps if step.kind not in ("write", "append", "replace", "edit", "copy")]
_RESULTS: Dict[str, Dict[str, Outcome]] = {}


def _results(path: str, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Outcome]:
    if path not in _RESULTS:
        session = Session(REPO, tmp_path_factory.mktemp("doc"))
        results: Dict[str, Outcome] = {}
        for step in STEPS[path]:
            if step.kind == "skip":
                continue
            try:
                outcome = session.apply(step)
            except Exception as exc:  # a timeout or a broken step: that block fails, the rest still run
                outcome = Outcome(False, f"{step.id}: {type(exc).__name__}: {exc}")
            if not outcome.ok and step.kind in ("write", "append", "replace", "edit", "copy"):
                # a file edit the doc describes failed: the next block that runs carries the message
                results.setdefault("_pending", Outcome(False, ""))
                results["_pending"] = Outcome(False, (results["_pending"].message + "\n" + outcome.message).strip())
                continue
            if "_pending" in results:
                outcome = Outcome(False, (results.pop("_pending").message + "\n" + outcome.message).strip())
            results[step.id] = outcome
        _RESULTS[path] = results
    return _RESULTS[path]


@pytest.mark.parametrize("step", CASES, ids=[s.id for s in CASES])
def test_doc_block(step: Step, tmp_path_factory: pytest.TempPathFactory) -> None:
    if step.kind == "skip":
        pytest.skip(f"illustration: {step.reason}")
    outcome = _results(step.path, tmp_path_factory)[step.id]
    assert outcome.ok, outcome.message


def test_every_doc_file_is_read() -> None:
    """The harness sees the docs it is meant to: the tutorials' transcripts among them."""
    assert "docs/zh/tutorial.md" in STEPS and "README.md" in STEPS
    kinds = {s.kind for s in STEPS["docs/zh/tutorial.md"]}
    assert "transcript" in kinds


def test_shown_output_cuts_and_normalisation() -> None:
    """A `…` line stands for any lines, a `…` in a line for any text; anything else must match."""
    from docblocks import compare, merge_shown, split_transcript

    assert compare("a\n…\nz", "a\nb\nc\nz", "x") == ""
    assert compare("a\n…\nz", "a\nz", "x") == ""
    assert compare("policy (sha256:0123456789ab)", "policy (sha256:…)", "x") == ""
    assert compare("共 … 个用例", "共 155 个用例", "x") == ""
    assert "output differs" in compare("a\nz", "a\nb\nz", "x")
    assert "output differs" in compare("", "something", "x")
    assert merge_shown("a\n…\nold", "a\nb\nc\nnew") == "a\n…\nnew"
    assert split_transcript("$ one \\\n  two\nout\n$ three\n") == [("one \\\n  two", "out"), ("three", "")]


def test_every_error_code_has_its_row_in_the_codes_tables() -> None:
    """Each code a user can meet is in docs/cli.md (policy, claim, table, evaluation, SQL target errors)
    or docs/api.md (server errors), with its message in both languages as the catalogue words it."""
    import re

    from subsidy_rules import messages

    docs = Path(__file__).resolve().parents[1] / "docs"
    tables = {"cli.md": (messages.DIAGNOSTICS, messages.CLAIM, messages.SQL_MESSAGES), "api.md": (messages.SERVER,)}
    missing = []
    for name, catalogues in tables.items():
        text = (docs / name).read_text(encoding="utf-8")
        for catalogue in catalogues:
            for code, (zh, en) in catalogue.items():
                if not re.fullmatch(r"[A-Z]\d{3}", code) or (name == "api.md" and code >= "S020"):
                    continue  # S020 on are the words `serve` prints as it starts, not error codes
                rows = [line for line in text.splitlines() if line.startswith(f"| {code} |")]
                if not rows:
                    missing.append(f"{name}: {code}")
                elif name == "cli.md" and not any(f"| {zh} |" in row and f"| {en} |" in row for row in rows):
                    missing.append(f"{name}: {code} words differ from the catalogue")
    assert not missing, missing
