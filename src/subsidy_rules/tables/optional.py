"""Optional dependencies (the `tables` extra): imported when a format needs them, or a clear error."""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ClaimError


def need(module: str, fmt: str) -> Any:
    """Import ``module`` for files of ``fmt``, or raise T003 naming the package to install."""
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ClaimError("T003", "", fmt=fmt, package=module.split(".")[0]) from None
