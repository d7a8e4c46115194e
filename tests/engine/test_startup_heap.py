"""app.freeze_startup_heap: the startup heap leaves the collector's scans, and nothing collectable is kept."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from app import freeze_startup_heap


class Node:
    """An object in a reference cycle: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


@pytest.fixture
def frozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of the test session scans as before


def test_garbage_made_before_start_is_freed_not_frozen(frozen: None) -> None:
    cycle = Node()
    gone_before = weakref.ref(cycle)
    del cycle
    kept = Node()  # still in use at start: frozen, and alive as ever
    freeze_startup_heap()
    assert gone_before() is None
    assert gc.get_freeze_count() > 1000  # the imported modules and their objects
    assert kept.me is kept


def test_objects_made_after_start_are_still_collected(frozen: None) -> None:
    freeze_startup_heap()
    cycle = Node()
    gone_after = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert gone_after() is None
