"""Write ``examples/tacheng_events_2025.jsonl``: a year of events for the Tacheng agreement.

The events are the input of ``make demo`` (``rules/tacheng_2024.yaml``, as of
2025-12-31T00:00:00+08:00). Every incident and every other event is written out below as data;
nothing is random, so the output is the same byte for byte on every run::

    python3 examples/make_tacheng_events.py            # rewrites the .jsonl beside this file
    python3 examples/make_tacheng_events.py -o out.jsonl

Events are ordered by instant (ties keep the order of this file) and numbered ``E0001``, ...
in that order. Times are Beijing time (+08:00). Money is written as a decimal string.
What the engine should make of the notable incidents is in ``tacheng_events_2025.expected.md``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

OFFSET = "+08:00"
HERE = Path(__file__).resolve().parent
DEFAULT_OUTPUT = HERE / "tacheng_events_2025.jsonl"


def instant(local: str) -> str:
    """``"2025-01-09 10:00"`` (Beijing time) → ``"2025-01-09T10:00:00+08:00"``."""
    return datetime.strptime(local, "%Y-%m-%d %H:%M").isoformat() + OFFSET


def complete(base: str, text: str) -> str:
    """Complete a short local time against ``base`` (``"YYYY-MM-DD HH:MM"``).

    ``"13:30"`` is on the base's day, ``"11-27 08:30"`` in the base's year, and a full
    ``"2025-01-02 11:00"`` stands for itself.
    """
    if len(text) == len("HH:MM"):
        return f"{base[:10]} {text}"
    if len(text) == len("MM-DD HH:MM"):
        return f"{base[:4]}-{text}"
    return text


@dataclass(frozen=True)
class Incident:
    """One on-site support request and what followed it (``None``: never happened).

    Every time is a complete local time ``"YYYY-MM-DD HH:MM"`` (Beijing time).
    """

    request: str
    response: str | None
    arrival: str | None
    fixed: str | None
    confirmed: str | None

    @classmethod
    def of(
        cls,
        request: str,
        response: str | None,
        arrival: str | None,
        fixed: str | None,
        confirmed: str | None,
    ) -> Incident:
        """An incident whose later times may be short (see :func:`complete`)."""

        def full(text: str | None) -> str | None:
            return None if text is None else complete(request, text)

        return cls(request, full(response), full(arrival), full(fixed), full(confirmed))


# Incidents INC-001 ... in order of the request: request, response, arrival, fixed, confirmed.
# The comment says what makes each one notable: W = requested inside working hours of a working
# day (respond 2 h, arrive 4 h, fix 6 h); O = otherwise (6 h, 12 h, 48 h).
INCIDENTS: tuple[Incident, ...] = (
    # 001 W Wed: everything on time
    Incident.of("2024-11-20 10:15", "11:00", "13:30", "15:40", "11-21 10:00"),
    # 002 O Tue evening: arrival exactly at its due 08:30 (due is inclusive)
    Incident.of("2024-11-26 20:30", "21:10", "11-27 08:30", "11-27 16:00", "11-28 10:00"),
    # 003 O Sunday: arrival late (best effort)
    Incident.of("2024-12-01 11:00", "12:30", "12-02 09:20", "12-02 14:00", "12-03 10:00"),
    # 004 W Thu: on time
    Incident.of("2024-12-05 13:00", "13:20", "15:00", "16:30", "12-06 10:00"),
    # 005 W at 09:00:00 sharp (inside working hours): response late, violated
    Incident.of("2024-12-10 09:00", "11:30", "12:45", "14:30", "12-11 10:00"),
    # 006 O at 18:00:00 sharp (outside working hours): arrival late
    Incident.of("2024-12-16 18:00", "23:30", "12-17 09:00", "12-17 12:00", "12-18 10:00"),
    # 007 O Saturday: on time
    Incident.of("2024-12-28 14:00", "15:00", "19:00", "12-29 11:00", "12-30 10:00"),
    # 008 O New Year's Day (national holiday): on time
    Incident.of("2025-01-01 10:00", "13:00", "17:00", "01-02 11:00", "01-03 10:00"),
    # 009 W Thu during force majeure FM-2025-01 (blizzard): all three late, all excused
    Incident.of("2025-01-09 10:00", "16:00", "01-11 15:00", "01-11 20:00", "01-13 11:00"),
    # 010 W Mon afternoon: fix late (best effort)
    Incident.of("2025-01-13 15:30", "16:00", "18:10", "01-14 10:00", "01-14 16:00"),
    # 011 W Sunday 01-26, an adjusted working day: 2 h tier, on time
    Incident.of("2025-01-26 10:00", "11:15", "13:00", "15:30", "01-27 10:00"),
    # 012 O Spring Festival: on time
    Incident.of("2025-01-29 11:00", "14:00", "20:30", "01-30 16:00", "02-05 10:00"),
    # 013 O Spring Festival night: response late, cause "other" (no excuse): violated
    Incident.of("2025-02-02 21:00", "02-03 04:30", "02-03 10:00", "02-03 18:00", "02-06 10:00"),
    # 014 W Saturday 02-08, an adjusted working day: on time
    Incident.of("2025-02-08 10:00", "10:40", "11:50", "15:10", "02-10 10:00"),
    # 015 W Mon: on time
    Incident.of("2025-02-17 13:20", "14:00", "16:00", "18:45", "02-18 10:00"),
    # 016 O Mon night: response late, power failure (3.2 d): excused; loss claim not compensable
    Incident.of("2025-03-03 22:15", "03-04 08:30", "03-04 10:00", "03-04 15:00", "03-05 10:30"),
    # 017 W Wed: fixed exactly at its due 17:30
    Incident.of("2025-03-12 11:30", "12:10", "14:20", "17:30", "03-13 10:00"),
    # 018 W Tue: fix late, water in the server room (3.2 e): fix excused
    Incident.of("2025-03-18 14:00", "14:30", "16:00", "21:30", "03-19 11:00"),
    # 019 O Saturday of 肉孜节 (Xinjiang): on time
    Incident.of("2025-03-29 09:30", "10:15", "15:00", "03-30 12:00", "04-01 10:00"),
    # 020 O Monday 03-31, 肉孜节 (Xinjiang day off): response at 15:00 is on time (6 h tier)
    Incident.of("2025-03-31 10:00", "15:00", "17:30", "04-01 11:00", "04-01 16:00"),
    # 021 O Qingming (Fri 04-04): arrival late
    Incident.of("2025-04-04 16:00", "17:00", "04-05 09:00", "04-05 13:00", "04-07 10:00"),
    # 022 W Tue: response, arrival and fix late; loss claim CNY 12,000.00
    Incident.of("2025-04-15 10:30", "13:10", "15:40", "18:20", "04-16 10:00"),
    # 023 W Sunday 04-27, an adjusted working day: on time
    Incident.of("2025-04-27 15:00", "16:20", "18:30", "20:00", "04-28 10:00"),
    # 024 O Labour Day holiday: on time, never confirmed
    Incident.of("2025-05-02 08:00", "09:30", "13:00", "05-03 10:00", None),
    # 025 W Wed 17:30: arrival and fix late
    Incident.of("2025-05-14 17:30", "18:05", "05-15 09:10", "05-15 12:00", "05-15 16:00"),
    # 026 W Tue noon: on time; a misoperation cause recorded later changes nothing
    Incident.of("2025-05-20 12:00", "13:30", "15:30", "17:00", "05-21 10:30"),
    # 027 O Dragon Boat holiday (Sun 06-01): arrival late
    Incident.of("2025-06-01 19:00", "21:00", "06-02 10:00", "06-02 17:00", "06-03 10:00"),
    # 028 O Monday 06-09, 古尔邦节 (Xinjiang day off): on time
    Incident.of("2025-06-09 11:00", "12:00", "16:00", "06-10 10:00", "06-11 10:00"),
    # 029 W Wed: on time
    Incident.of("2025-06-18 09:45", "10:20", "12:00", "15:00", "06-19 10:00"),
    # 030 O Wed evening: on time
    Incident.of("2025-06-25 20:00", "20:40", "06-26 07:45", "06-26 11:00", "06-27 10:00"),
    # 031 W Wed: all late, Party A had closed the VPN (party_a_fault, 8.2): all excused
    Incident.of("2025-07-02 14:00", "18:30", "07-03 09:30", "07-03 14:00", "07-04 10:00"),
    # 032 O Saturday night: response late, violated
    Incident.of("2025-07-19 23:30", "07-20 08:00", "07-20 11:00", "07-20 16:00", "07-21 10:00"),
    # 033 W Mon: on time
    Incident.of("2025-07-28 10:30", "11:00", "13:00", "16:00", "07-29 10:00"),
    # 034 W Wed 16:45: arrival and fix late
    Incident.of("2025-08-06 16:45", "17:10", "08-07 08:50", "08-07 11:30", "08-08 10:00"),
    # 035 O Saturday: fix late
    Incident.of("2025-08-16 10:00", "12:00", "15:00", "08-18 16:00", "08-19 10:00"),
    # 036 O Mon 07:30 (before working hours): on time
    Incident.of("2025-08-25 07:30", "09:05", "11:00", "17:00", "08-26 10:00"),
    # 037 W Tue: on time
    Incident.of("2025-09-09 10:10", "10:50", "13:40", "15:55", "09-10 10:00"),
    # 038 W Tue: response late, violated
    Incident.of("2025-09-16 15:00", "17:45", "18:30", "20:10", "09-17 10:00"),
    # 039 W Sunday 09-28, an adjusted working day: fix late
    Incident.of("2025-09-28 10:00", "11:20", "13:30", "17:10", "09-29 10:00"),
    # 040 O National Day: on time, never confirmed
    Incident.of("2025-10-02 10:00", "11:00", "18:00", "10-03 12:00", None),
    # 041 O National Day evening: response exactly at its due 02:00; arrival late
    Incident.of("2025-10-06 20:00", "10-07 02:00", "10-07 09:30", "10-07 15:00", "10-09 10:00"),
    # 042 W Saturday 10-11, an adjusted working day: on time
    Incident.of("2025-10-11 14:30", "15:00", "17:45", "19:30", "10-13 10:00"),
    # 043 W Mon: no response recorded at all (violated); arrival and fix late
    Incident.of("2025-10-20 11:00", None, "17:00", "10-21 10:00", "10-21 16:00"),
    # 044 W Mon: on time
    Incident.of("2025-11-03 09:30", "10:00", "12:00", "14:00", "11-04 10:00"),
    # 045 O Mon evening: arrival late, never confirmed
    Incident.of("2025-11-10 18:30", "19:10", "11-11 09:00", "11-11 12:00", None),
    # 046 O last evening of the term: dues after the term end; fixed after it
    Incident.of("2025-11-17 19:30", "21:00", "11-18 09:40", "11-18 15:00", "11-19 10:00"),
    # 047 after the term: reported as out of term
    Incident.of("2025-12-05 10:00", "10:30", None, None, None),
)

# Causes determined later (3.2, 8.2): incident number → (when, cause).
CAUSES: dict[int, tuple[str, str]] = {
    13: ("2025-02-05 11:00", "other"),
    16: ("2025-03-05 10:00", "power_failure"),
    18: ("2025-03-19 10:00", "water_or_foreign_object"),
    26: ("2025-05-21 10:00", "human_misoperation"),
    31: ("2025-07-03 17:00", "party_a_fault"),
}

# Everything that is not an incident, as (when, type, fields).
OTHER_EVENTS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    # 9: a blizzard closes the roads to Tacheng; B notifies on Monday 01-13 (3 days after Thu
    # 01-09 end on Sunday 01-12, a rest day, so the period runs to the end of Monday 01-13).
    ("2025-01-09 06:00", "force_majeure_start", {"party": "B", "ref": "FM-2025-01"}),
    ("2025-01-11 12:00", "force_majeure_end", {"party": "B", "ref": "FM-2025-01"}),
    ("2025-01-13 10:00", "force_majeure_notice", {"party": "B", "ref": "FM-2025-01"}),
    # 8.2: one claim tied to an excused incident (not compensable), one to a violated response.
    (
        "2025-03-10 10:00",
        "loss_claim",
        {"incident": "INC-016", "amount": "5000.00", "currency": "CNY"},
    ),
    (
        "2025-04-25 10:00",
        "loss_claim",
        {"incident": "INC-022", "amount": "12000.00", "currency": "CNY"},
    ),
    # 6.4: one change without permission, one with it.
    ("2025-04-22 15:00", "data_change", {"party": "B", "authorized": False}),
    ("2025-06-18 14:00", "data_change", {"party": "B", "authorized": True}),
    # 10.2: negotiation asked on Thu 07-31, arbitration filed 40 days later.
    ("2025-07-31 10:00", "negotiation_requested", {"party": "A", "ref": "DSP-2025-01"}),
    ("2025-09-09 10:00", "arbitration_filed", {"party": "A", "ref": "DSP-2025-01"}),
    # 1: renewal inquiry inside the window 2025-08-17 .. 2025-11-17.
    ("2025-09-10 15:00", "renewal_inquiry", {"party": "B"}),
    # 4.2: the annual fee, within 5 working days after the service year.
    ("2025-11-21 11:00", "payment", {"amount": "53600.00", "currency": "CNY"}),
    # 7.2 (d), surviving the term (7.3): one returned, one still open at 2025-12-31.
    ("2025-12-01 10:00", "confidential_return_request", {"party": "A", "ref": "CONF-2025-01"}),
    ("2025-12-03 10:00", "confidential_return_request", {"party": "A", "ref": "CONF-2025-02"}),
    ("2025-12-15 16:00", "confidential_returned", {"party": "B", "ref": "CONF-2025-01"}),
    # 8.1: Party A claims its actual loss from the data change of 04-22 (E0118): uncapped, in
    # full, beside the capped 8.2 line.
    (
        "2025-12-18 10:00",
        "actual_loss_claim",
        {"against": "B", "breach": "E0118", "amount": "8000.00", "currency": "CNY"},
    ),
    # 7.2 (d): a return recorded by Party A, the requesting party, is no return by the receiving
    # party B: CONF-2025-02 stays open.
    ("2025-12-20 10:00", "confidential_returned", {"party": "A", "ref": "CONF-2025-02"}),
)


def incident_id(number: int) -> str:
    """``7`` → ``"INC-007"``."""
    return f"INC-{number:03d}"


def build_events() -> list[dict[str, Any]]:
    """All events, ordered by instant (stable), each with an ``id``."""
    raw: list[tuple[str, str, dict[str, Any]]] = []
    for number, inc in enumerate(INCIDENTS, start=1):
        ref = {"incident": incident_id(number)}
        steps = (
            ("onsite_request", inc.request),
            ("response", inc.response),
            ("onsite_arrival", inc.arrival),
            ("fixed", inc.fixed),
            ("service_confirmed", inc.confirmed),
        )
        raw.extend((when, kind, dict(ref)) for kind, when in steps if when is not None)
        if number in CAUSES:
            when, cause = CAUSES[number]
            raw.append((when, "cause_determined", {**ref, "cause": cause}))
    raw.extend((when, kind, dict(fields)) for when, kind, fields in OTHER_EVENTS)
    # Every instant here is in the same zone, so the local text sorts like the instant.
    ordered = sorted(raw, key=lambda item: item[0])
    return [
        {"id": f"E{n:04d}", "type": kind, "at": instant(when), **fields}
        for n, (when, kind, fields) in enumerate(ordered, start=1)
    ]


def render(events: Sequence[dict[str, Any]]) -> str:
    """One compact JSON object per line, keys in the order id, type, at, fields."""
    return "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in events)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the events file; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    events = build_events()
    args.output.write_text(render(events), encoding="utf-8")
    print(f"{args.output}: {len(events)} events")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
