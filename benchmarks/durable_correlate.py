"""durable_rules doing only the request → response correlation, for bench_engine.

Runs in ``benchmarks/.venv-durable`` (durable_rules is not a dependency of the package).
Usage: ``python durable_correlate.py EVENTS.jsonl LIMIT``; prints one JSON line of results.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any

from durable.engine import MessageNotHandledException  # type: ignore[import-not-found]
from durable.lang import c, m, post, ruleset, when_all  # type: ignore[import-not-found]


def main() -> None:
    """Post the first LIMIT events and count the request/response pairs matched."""
    path, limit = sys.argv[1], int(sys.argv[2])
    matched = [0]
    with ruleset("sla"):

        @when_all(
            c.req << (m.type == "onsite_request"),
            c.resp << ((m.type == "response") & (m.incident == c.req.incident)),
        )
        def correlate(ctx: Any) -> None:
            matched[0] += 1

    events = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            if n >= limit:
                break
            e = json.loads(line)
            e["sid"] = "0"
            events.append(e)
    t = time.perf_counter()
    unhandled = 0
    for e in events:
        try:
            post("sla", e)
        except MessageNotHandledException:  # arrivals, fixes, ...: no rule takes them
            unhandled += 1
    elapsed = time.perf_counter() - t
    print(
        json.dumps(
            {
                "events": len(events),
                "matched": matched[0],
                "unhandled": unhandled,
                "seconds": elapsed,
                "events_per_s": len(events) / elapsed,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


if __name__ == "__main__":
    main()
