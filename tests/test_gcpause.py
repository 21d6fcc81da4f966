"""The collector pause of large explanations leaves the collector as it found it."""

from __future__ import annotations

import gc
import weakref

from subsidy_rules import gcpause


class _Node:
    pass


def test_pause_switches_the_collector_back_on_and_leaves_nothing_frozen():
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        built = [[index] for index in range(10_000)]
    # what was built went to the oldest generation as it was: no pass over it on the way out
    assert any(obj is built for obj in gc.get_objects(generation=2))
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0
    assert len(built) == 10_000


def test_cycles_built_while_paused_are_still_collected():
    with gcpause.paused():
        node = _Node()
        node.self = node  # a cycle: only the collector frees it
        alive = weakref.ref(node)
        del node
    assert alive() is not None
    gc.collect()
    assert alive() is None


def test_objects_the_program_froze_stay_frozen():
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        assert frozen > 0
        with gcpause.paused():
            [[index] for index in range(1_000)]
        assert gc.get_freeze_count() == frozen
        assert gc.isenabled()
    finally:
        gc.unfreeze()


def test_no_pause_when_small_or_already_off():
    with gcpause.paused(False):
        assert gc.isenabled()
    gc.disable()
    try:
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # it was off: it stays off
    finally:
        gc.enable()
