"""Pausing the cyclic garbage collector while large explanations are built.

An explanation of a claim with 200,000 items allocates millions of small
dicts, tuples and records, none in a cycle. Each allocation burst triggers a
collector pass over everything still alive, which makes building one grow
faster than the number of items. Reference counting frees all of it anyway.

When the collector is switched back on, all that was built is still in its
youngest generation, and the first allocation would start a pass over every
one of those objects (as long as building them took). Instead they are moved
to the oldest generation as they are (``gc.freeze`` then ``gc.unfreeze``, no
pass over them), where only the collector's rare full passes look — unless the
program keeps objects frozen itself (``gc.get_freeze_count()``), which is then
left alone.
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
        if gc.get_freeze_count() == 0:
            gc.freeze()  # everything tracked moves to the permanent generation, the young counts reset
            gc.unfreeze()  # and back, into the oldest generation
        gc.enable()
