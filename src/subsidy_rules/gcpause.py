"""Pausing the cyclic garbage collector while large explanations are built.

An explanation of a claim with 200,000 items allocates millions of small
dicts, tuples and records, none in a cycle. Each allocation burst triggers a
collector pass over everything still alive, which makes building one grow
faster than the number of items. Reference counting frees all of it anyway.
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator

LARGE = 2_000  # items from which building is done with the collector paused


@contextlib.contextmanager
def paused(large: bool = True) -> Iterator[None]:
    """Pause the collector for the block when ``large`` (and it was running)."""
    if not large or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
