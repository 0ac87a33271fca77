"""Evaluations in several threads at once: the collector switch is shared, never left off."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest

import contract_rules.collector as collector
from contract_rules.engine import CompiledRuleset, evaluate
from tests.conftest import TACHENG_AS_OF, TACHENG_EVENTS


@pytest.fixture
def collector_on() -> Iterator[None]:
    """The collector on before the test, and back to what it was after."""
    was = gc.isenabled()
    gc.enable()
    try:
        yield
    finally:
        if was:
            gc.enable()
        else:
            gc.disable()


def test_collector_stays_off_until_the_last_evaluation_in_flight_ends(
    collector_on: None,
) -> None:
    first = collector.collector_paused()
    second = collector.collector_paused()
    first.__enter__()
    second.__enter__()
    assert not gc.isenabled()
    first.__exit__(None, None, None)
    assert not gc.isenabled()  # the second is still running: its heap must not be rescanned
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_switch_between_reading_and_disabling_does_not_leave_the_collector_off(
    collector_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The interleaving that left the collector off for good, made deterministic: thread B
    reads the collector's state while A's evaluation runs, A ends and restores it, and only
    then does B switch it off."""
    a_done = threading.Event()
    b_read = threading.Event()

    def disable() -> None:
        if threading.current_thread().name == "B":
            b_read.set()
            a_done.wait(timeout=2)  # A ends here (in the old, unlocked switch)
        gc.disable()

    fake = SimpleNamespace(
        isenabled=gc.isenabled,
        disable=disable,
        enable=gc.enable,
        get_count=gc.get_count,
        get_freeze_count=gc.get_freeze_count,
        freeze=gc.freeze,
        unfreeze=gc.unfreeze,
    )
    monkeypatch.setattr(collector, "gc", fake)
    a_in = threading.Event()
    release_a = threading.Event()

    def run_a() -> None:
        with collector.collector_paused():
            a_in.set()
            release_a.wait(timeout=2)
        a_done.set()

    def run_b() -> None:
        a_in.wait(timeout=2)
        with collector.collector_paused():
            pass

    ta = threading.Thread(target=run_a, name="A")
    tb = threading.Thread(target=run_b, name="B")
    ta.start()
    tb.start()
    b_read.wait(timeout=0.5)  # B is between reading and switching (old code), or past it
    release_a.set()
    ta.join()
    tb.join()
    assert gc.isenabled()


def test_twelve_threads_of_three_evaluations_agree_and_restore_the_collector(
    collector_on: None, tacheng_compiled: CompiledRuleset
) -> None:
    expected = evaluate(tacheng_compiled, TACHENG_EVENTS, as_of=TACHENG_AS_OF).to_json()
    results: list[Any] = []
    errors: list[BaseException] = []
    start = threading.Barrier(12)

    def work() -> None:
        try:
            start.wait()
            for _ in range(3):
                rep = evaluate(tacheng_compiled, TACHENG_EVENTS, as_of=TACHENG_AS_OF)
                results.append(rep.to_json())
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert results == [expected] * 36
    assert gc.isenabled()
    assert collector._collector_users == 0
