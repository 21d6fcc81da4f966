"""The installed server has what it serves: example claims as package data, found like the bundled policy."""

from __future__ import annotations

import sys

import pytest

from server_helpers import EXAMPLES, REPO

from subsidy_rules import resources

tomllib = pytest.importorskip("tomllib") if sys.version_info >= (3, 11) else pytest.importorskip("tomli")


def test_examples_ship_in_the_wheel_where_resources_looks_for_them():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    mapped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert mapped["examples/claims"] == "subsidy_rules/_data/examples/claims"
    found = resources.examples_dir()  # the installed copy's, or the checkout's when run from one
    assert {p.name for p in found.glob("*.yaml")} == {p.name for p in EXAMPLES.glob("*.yaml")}


def test_installed_layout_is_preferred(tmp_path, monkeypatch):
    package = tmp_path / "subsidy_rules"
    (package / "_data" / "examples" / "claims").mkdir(parents=True)
    monkeypatch.setattr(resources, "_PACKAGE_DIR", package)
    assert resources.examples_dir() == package / "_data" / "examples" / "claims"


def test_serve_extra_and_test_extra_name_the_web_stack():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    names = lambda group: {req.split(">")[0].split("=")[0].strip() for req in extras[group]}  # noqa: E731
    assert {"starlette", "uvicorn"} <= names("serve")
    assert {"starlette", "uvicorn", "httpx"} <= names("test")
