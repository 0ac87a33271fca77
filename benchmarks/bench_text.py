"""How much the wall-time text of reasons and tables costs: ``text.fmt`` per instant, as a ratio
to a floor (``datetime.isoformat`` of the same instant), in the same process.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_text

Two sets of 10,080 instants (every hour of 420 days from 2025-01-01): Asia/Shanghai (no
daylight saving time: no offset is ever shown) and Europe/Berlin (the offset is shown in summer
time and on the days the clocks change). ``fmt`` decides per instant whether its offset is shown
(``text.offset_note``); this measures what that costs. Nothing here is a test: the numbers go
to stdout.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from benchmarks._timing import best_of
from contract_rules.text import fmt

REPEAT = 15


def instants(zone: str) -> list[datetime]:
    """Every hour of 420 days of 2025 in ``zone``, as the engine holds them."""
    tz = ZoneInfo(zone)
    start = datetime(2025, 1, 1, tzinfo=tz)
    return [start + timedelta(hours=h) for h in range(420 * 24)]


def main() -> None:
    for zone in ("Asia/Shanghai", "Europe/Berlin"):
        ts = instants(zone)
        floor = took = float("inf")
        for _ in range(REPEAT):  # alternated, so that a slow spell of the machine hits both
            floor = min(floor, best_of(1, lambda ts=ts: [t.isoformat() for t in ts])[0])
            took = min(took, best_of(1, lambda ts=ts: [fmt(t) for t in ts])[0])
        per = took / len(ts) * 1e9
        print(f"{zone:14}  fmt {per:6.0f} ns/instant  {took / floor:4.2f}x isoformat")


if __name__ == "__main__":
    main()
