"""Shared fixtures: the tiny test policy in tests/fixtures/mini and helpers to mutate copies of it."""

from __future__ import annotations

import atexit
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import subsidy_rules

MINI = Path(__file__).parent / "fixtures" / "mini"

# compiled queries are cached (sql/queries.py) in a folder of the session's own, not the user's
_CACHE = tempfile.mkdtemp(prefix="subsidy-rules-cache-")
atexit.register(shutil.rmtree, _CACHE, True)
os.environ.setdefault("SUBSIDY_RULES_CACHE", _CACHE)


def like_a_terminal() -> None:
    """preexec_fn of a run a test stops with Ctrl-C: SIGINT as a terminal's foreground job has it.
    A shell that started the tests in the background left SIGINT ignored, children inherit that,
    and a run that ignores Ctrl-C (as it should there) would finish instead of stopping."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    """Write dedented text (creating folders)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding=encoding)
    return path


def copy_mini(target: Path) -> Path:
    destination = target / "mini"
    shutil.copytree(MINI, destination)
    return destination


def codes(diagnostics) -> list:
    return [d.code for d in diagnostics]


def by_code(diagnostics, code: str):
    found = [d for d in diagnostics if d.code == code]
    assert found, f"no {code} among {[d.format('en') for d in diagnostics]}"
    return found


@pytest.fixture
def mini_dir(tmp_path: Path) -> Path:
    """A fresh, writable copy of the mini policy."""
    return copy_mini(tmp_path)


def generate_city(out: Path, scale: float) -> Path:
    """The synthetic Guangyuan city (examples/guangyuan-2017/generate.py) at ``scale`` into ``out``."""
    subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "examples" / "guangyuan-2017" / "generate.py"),
                    "--out", str(out), "--scale", str(scale), "--quiet"], check=True)
    return out


@pytest.fixture(scope="session")
def small_city(tmp_path_factory) -> Path:
    """The city at scale 0.02, generated once for every module that only reads it."""
    return generate_city(tmp_path_factory.mktemp("small-city"), 0.02)


@pytest.fixture(scope="session")
def mini_policy():
    return subsidy_rules.load_policy(MINI)


def skip_without(reason: str) -> None:
    """Skip a test that needs a system package that is absent — except where the packages are
    required (CI sets SUBSIDY_RULES_REQUIRE_SYSTEM_PACKAGES=1): there a missing one fails."""
    if os.environ.get("SUBSIDY_RULES_REQUIRE_SYSTEM_PACKAGES") == "1":
        pytest.fail(reason + " (required here: SUBSIDY_RULES_REQUIRE_SYSTEM_PACKAGES=1)", pytrace=False)
    pytest.skip(reason)
