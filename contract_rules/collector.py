"""The garbage-collector pause of bulk evaluations, shared by the evaluations in flight.

An evaluation allocates millions of small objects and makes no reference cycles, so the cyclic
collector is paused while it runs (:func:`collector_paused`). The collector is process-wide
state: evaluations in several threads share one pause, counted under a lock, and the last to end
restores what the first found (``docs/engine.md``, "Threads").
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Serialises the collector switch: evaluations in other threads share the one process-wide
#: collector, so only the first evaluation in flight turns it off and only the last turns it back
#: on (to what the first found). Reading and switching without the lock let a thread read "off"
#: while another was about to restore "on", and leave it off for good.
_collector_lock = threading.Lock()
#: evaluations in flight, and whether the collector was on when the first of them began
_collector_users = 0
_collector_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a bulk evaluation, restoring its state after.

    Safe under threads: the evaluations running at one time share one pause (a count under a
    lock); the first to begin turns the collector off, the last to end restores the state the
    first found. Nested use (a report inside an evaluation) counts the same way.

    An evaluation allocates millions of small objects and makes no reference cycles; left on,
    the collector rescans the growing heap again and again (measured: 60 % of report time).

    What a large evaluation leaves (a report of a million obligations) is long-lived by nature;
    left in the youngest generation, the first allocation after re-enabling would scan all of it
    (and the middle generation scan it again later): measured 0.6 µs per event. So when at least
    ``_PROMOTE_AT`` tracked objects are young, they are moved to the oldest generation first
    (``gc.freeze()`` then ``gc.unfreeze()``: no scan), where only a full collection visits them,
    as it would anyway. The caller's young objects move with them: garbage among them waits for
    that full collection. Small evaluations (an incremental report now and then) leave the
    generations alone, so a process that calls them often keeps its usual collections. Skipped
    too when the caller keeps objects frozen (``gc.get_freeze_count()``), which unfreezing would
    release.
    """
    global _collector_users, _collector_was_enabled
    with _collector_lock:
        if _collector_users == 0:
            _collector_was_enabled = gc.isenabled()
            gc.disable()
        _collector_users += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_users -= 1
            if _collector_users == 0 and _collector_was_enabled:
                if gc.get_count()[0] >= _PROMOTE_AT and not gc.get_freeze_count():
                    gc.freeze()
                    gc.unfreeze()
                gc.enable()


#: young tracked objects from which a bulk evaluation hands them to the oldest generation (a
#: young collection of fewer costs a few milliseconds at most)
_PROMOTE_AT = 50_000
