"""Where the shipped grammar, bundled policy and example claims live, installed or in a checkout."""

from __future__ import annotations

from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_CHECKOUT_DIR = _PACKAGE_DIR.parent.parent


def _find(name: str) -> Path:
    installed = _PACKAGE_DIR / "_data" / name
    if installed.exists():
        return installed
    return _CHECKOUT_DIR / name


def grammar_path() -> Path:
    return _find("grammar") / "expr.lark"


def bundled_policy_dir() -> Path:
    return _find("policy")


def examples_dir() -> Path:
    """The bundled example claims (examples/claims in a checkout, package data when installed)."""
    return _find("examples") / "claims"
