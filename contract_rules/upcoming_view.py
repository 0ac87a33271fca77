"""What falls due soon (``contract-rules upcoming``): :class:`DueSoon`, an open duty falling
due or an open right closing, with the time left, the share of the allowed time used and the
warning reached; as a table (:func:`render_upcoming`) or JSON (:func:`upcoming_json`). The
command (:mod:`contract_rules.cli.upcoming`) picks the instances and measures the time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from .report import Obligation
from .report_words import duration_words, instant_cell, labels
from .tables import text_table
from .text import iso


@dataclass(frozen=True)
class DueSoon:
    """An open instance that falls due soon, or an open right that closes soon, seen at
    ``now``.

    ``time_left`` is ``due - now`` (clock time; for a right, ``closes - now``). ``share_used`` is
    the share of the allowed time already gone: ``(now - trigger_at) / (due - trigger_at)``,
    counted as the deadline counts (``measure``: ``clock``, ``working_hours`` in working time,
    ``working_days`` in working days); for a right, of its window in clock time, ``(now -
    opening) / (closes - opening)``. ``warning`` is the highest threshold reached (50, 75 or 90
    per cent) or None.
    """

    obligation: Obligation
    now: datetime
    time_left: timedelta
    share_used: float
    measure: str
    warning: int | None
    #: a right about to expire (its ``closes`` is what comes), not a duty falling due
    right: bool = False

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys (``share_used`` a fraction, 4 places)."""
        o = self.obligation
        return {
            "rule": o.rule,
            "key": o.key,
            "nth": o.nth,
            "clause": o.clause,
            "title": {"zh": o.title_zh or None, "en": o.title_en or None},
            "party": o.party,
            "strength": o.strength,
            "tier": o.tier,
            "trigger_at": iso(o.trigger_at),
            "due": iso(o.due),
            "time_left_seconds": int(self.time_left.total_seconds()),
            "share_used": round(self.share_used, 4),
            "measure": self.measure,
            "warning": self.warning,
            # a right: when it closes (a duty's item keeps the keys it always had)
            **({"closes": iso(o.closes)} if self.right else {}),
        }


def render_upcoming(
    items: Sequence[DueSoon],
    *,
    now: datetime,
    within: timedelta,
    open_count: int,
    lang: str = "en",
) -> str:
    """What falls due within ``within`` of ``now``, soonest first: a header line (how many of
    the ``open_count`` open duties, and how many rights close), then one row per instance with
    the time left,
    the share of the allowed time used and the warning reached (``⚠ 90%``); a right about to
    expire shows its closing in the due column."""
    lb = labels(lang)
    at = now.isoformat(timespec="seconds" if now.second else "minutes")
    head = lb["due_soon"].format(within=duration_words(within, lang), now=at)
    rights = sum(d.right for d in items)
    head += ": " + lb["due_soon_count"].format(n=len(items) - rights, open=open_count)
    if rights:
        head += lb["rights_closing"].format(n=rights)
    if not items:
        return f"{head}\n{lb['nothing_due']}\n"  # no text from the input
    headers = [
        lb[k]
        for k in ("rule", "key", "clause", "party", "due", "time_left", "share_used", "warning")
    ]
    rows = [
        [
            d.obligation.rule,
            d.obligation.key or "-",
            d.obligation.clause,
            d.obligation.party,
            lb["right_closes"].format(closes=instant_cell(d.obligation.closes))
            if d.right
            else instant_cell(d.obligation.due),
            duration_words(d.time_left, lang),
            f"{math.floor(d.share_used * 100)}%",  # floored, like the warning thresholds
            "" if d.warning is None else f"⚠ {d.warning}%",
            d.obligation.title(lang),
        ]
        for d in items
    ]
    return f"{head}\n" + text_table([*headers, lb["title"]], rows, max_last=40) + "\n"


def upcoming_json(items: Sequence[DueSoon]) -> str:
    """The instances as a JSON list of :meth:`DueSoon.to_dict` objects, soonest first."""
    return json.dumps([d.to_dict() for d in items], indent=2, ensure_ascii=False) + "\n"
