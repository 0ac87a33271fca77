"""Random Tacheng event streams that reach across keys: incidents with follow-ups and causes,
force majeure spans with their notices, payments, loss claims past the annual cap, events
without ids (some identical), duplicate ids, events after the evaluation time and bad records.
Shared by the report round-trip and the distributed evaluation tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import strategies as st

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2024, 11, 18, tzinfo=TZ)
#: a little more than the term, so that some events fall after it and after the evaluation time
MINUTES = 400 * 24 * 60
AS_OF = "2025-12-01T00:00:00+08:00"
FOLLOW_UPS = ("response", "onsite_arrival", "fixed", "service_confirmed")
CAUSES = ("power_failure", "other", "party_a_fault", "force_majeure")


def at(minute: int) -> str:
    """The instant ``minute`` minutes after the term's start, as event text."""
    return (T0 + timedelta(minutes=minute)).isoformat()


@st.composite
def cross_key_streams(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A stream of the Tacheng vocabulary in random input order (instants may repeat)."""
    minute = st.integers(0, MINUTES)
    events: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 8))):
        inc = f"INC-{i}"
        start = draw(minute)
        events.append({"type": "onsite_request", "at": at(start), "incident": inc})
        for kind in FOLLOW_UPS:
            if draw(st.booleans()):
                late = start + draw(st.integers(0, 60 * 60))
                events.append({"type": kind, "at": at(late), "incident": inc})
        if draw(st.integers(0, 3)) == 0:
            cause = draw(st.sampled_from(CAUSES))
            events.append(
                {
                    "type": "cause_determined",
                    "at": at(draw(minute)),
                    "incident": inc,
                    "cause": cause,
                }
            )
        if draw(st.integers(0, 2)) == 0:
            amount = f"{draw(st.integers(1, 60000))}.00"
            events.append(
                {"type": "loss_claim", "at": at(draw(minute)), "incident": inc,
                 "amount": amount, "currency": "CNY"}
            )  # fmt: skip
    for k in range(draw(st.integers(0, 2))):
        start = draw(minute)
        party = draw(st.sampled_from(("A", "B")))
        ref = f"FM-{k}"
        events.append({"type": "force_majeure_start", "at": at(start), "party": party, "ref": ref})
        if draw(st.booleans()):
            end = start + draw(st.integers(0, 20 * 24 * 60))
            events.append({"type": "force_majeure_end", "at": at(end), "party": party, "ref": ref})
        if draw(st.booleans()):
            notice = start + draw(st.integers(0, 6 * 24 * 60))
            events.append(
                {"type": "force_majeure_notice", "at": at(notice), "party": party, "ref": ref}
            )
    for _ in range(draw(st.integers(0, 2))):
        amount = f"{draw(st.sampled_from((20000, 33600, 53600)))}.00"
        events.append(
            {"type": "payment", "at": at(draw(minute)), "amount": amount, "currency": "CNY"}
        )
    if draw(st.booleans()):
        events.append({"type": "renewal_inquiry", "at": at(draw(minute)), "party": "B"})
    if draw(st.booleans()):
        events.append(
            {"type": "data_change", "at": at(draw(minute)), "party": "B", "authorized": False}
        )
    # ids: most events have one, some none (named by a digest), some share one (duplicates)
    for k, e in enumerate(events):
        choice = draw(st.integers(0, 9))
        if choice < 7:
            e["id"] = f"E{k}"
        elif choice == 7 and k:
            e["id"] = f"E{k - 1}"
    if events and draw(st.booleans()):
        events.append(dict(events[draw(st.integers(0, len(events) - 1))]))  # a repeat
    if draw(st.integers(0, 3)) == 0:
        events.append({"type": "onsite_request", "at": "not a time", "incident": "INC-X"})
    if draw(st.integers(0, 3)) == 0:
        events.append({"type": "no_such_type", "at": at(0)})
    return draw(st.permutations(events))
