"""Attainment of binding duties per month, tier or rule: :func:`attainment_rows` (plain rows)
and :func:`attainment` (a pandas DataFrame); pandas is imported on use only.

Importable from :mod:`contract_rules.notebook` as before.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo

from .report import STATUSES, Obligation, Report

if TYPE_CHECKING:
    import pandas as pd


AttainmentBy = Literal["month", "tier", "rule"]


#: The columns of :func:`attainment`, in order.
ATTAINMENT_COLUMNS = ("group", "binding", "met", "violated", "excused", "pending", "share_met")


#: The group of instances that have no tier (a plain deadline, or none), in ``by="tier"``.
NO_TIER = "(none)"


@dataclass(frozen=True)
class AttainmentRow:
    """The binding instances of one group, by status.

    ``binding`` counts every binding instance of the group: ``met + violated + excused +
    pending``. Met means fulfilled. Excused instances were released by the contract (an
    exclusion, force majeure) and pending ones are not decided yet: both are counted but left out
    of :attr:`share_met`, which judges only decided duties.
    """

    group: str
    binding: int
    met: int
    violated: int
    excused: int
    pending: int

    @property
    def share_met(self) -> float | None:
        """``met / (met + violated)``; None when no binding instance of the group is decided."""
        decided = self.met + self.violated
        return self.met / decided if decided else None


def _month(t: datetime, tz: ZoneInfo) -> str:
    local = t.astimezone(tz)
    return f"{local.year:04d}-{local.month:02d}"


def _months_between(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:])
    out = []
    while f"{y:04d}-{m:02d}" <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def attainment_rows(report: Report, by: AttainmentBy = "rule") -> list[AttainmentRow]:
    """The attainment of binding duties per group, without pandas (see :func:`attainment`).

    Only binding instances count (best-effort targets are reported but are not promises). Groups:

    - ``"month"``: the calendar month, in the contract's time zone, in which the instance arose
      (its trigger instant), as ``"YYYY-MM"``; every month from the first to the last is listed,
      months with no binding instance with zeros;
    - ``"tier"``: the service-level tier chosen for the instance; instances of norms without
      tiers form the group :data:`NO_TIER` (listed last);
    - ``"rule"``: the norm id, in the ruleset's order when the report carries its ruleset, else in
      order of first appearance.

    Instances a streaming evaluation already handed off (``report.settled``) are not listed in the
    report and so are not counted.
    """
    if by not in ("month", "tier", "rule"):
        raise ValueError(f"attainment by {by!r}: use 'month', 'tier' or 'rule'")
    tz = ZoneInfo(report.timezone)
    binding = [o for o in report.obligations if o.strength == "binding"]

    def group_of(o: Obligation) -> str:
        if by == "month":
            return _month(o.trigger_at, tz)
        if by == "tier":
            return o.tier if o.tier is not None else NO_TIER
        return o.rule

    counts: dict[str, dict[str, int]] = {}
    for o in binding:
        c = counts.setdefault(group_of(o), dict.fromkeys(STATUSES, 0))
        c[o.status] = c.get(o.status, 0) + 1  # a discharged or expired one: in `binding` only

    order: list[str]
    if by == "month":
        order = _months_between(min(counts), max(counts)) if counts else []
    elif by == "tier":
        order = [g for g in counts if g != NO_TIER] + ([NO_TIER] if NO_TIER in counts else [])
    else:
        norm_ids = [n.id for n in report.ruleset.norms] if report.ruleset is not None else []
        order = [n for n in norm_ids if n in counts] + [g for g in counts if g not in norm_ids]

    rows = []
    for g in order:
        c = counts.get(g, dict.fromkeys(STATUSES, 0))
        rows.append(
            AttainmentRow(
                group=g,
                binding=sum(c.values()),
                met=c["fulfilled"],
                violated=c["violated"],
                excused=c["excused"],
                pending=c["pending"],
            )
        )
    return rows


def attainment(report: Report, by: AttainmentBy = "rule") -> pd.DataFrame:
    """The share of binding instances met, per month, tier or rule, as a pandas DataFrame.

    Columns (:data:`ATTAINMENT_COLUMNS`): ``group`` (string; the month ``"YYYY-MM"``, the tier or
    the rule id — grouping as in :func:`attainment_rows`), ``binding`` (all binding instances of
    the group), ``met`` (fulfilled), ``violated``, ``excused``, ``pending`` (int64) and
    ``share_met`` = met / (met + violated) (float64; NaN where nothing is decided yet).

    Excused and pending instances are counted in ``binding`` but neither met nor missed: an
    excused duty was released by the contract, a pending one is not decided yet, so both are left
    out of the share. ``df.attrs["by"]`` records the grouping.
    """
    from .frames import _pd

    pd_ = _pd()
    rows = attainment_rows(report, by)
    frame = pd_.DataFrame(
        {
            "group": pd_.Series([r.group for r in rows], dtype="string"),
            "binding": pd_.Series([r.binding for r in rows], dtype="int64"),
            "met": pd_.Series([r.met for r in rows], dtype="int64"),
            "violated": pd_.Series([r.violated for r in rows], dtype="int64"),
            "excused": pd_.Series([r.excused for r in rows], dtype="int64"),
            "pending": pd_.Series([r.pending for r in rows], dtype="int64"),
            "share_met": pd_.Series(
                [math.nan if r.share_met is None else r.share_met for r in rows], dtype="float64"
            ),
        }
    )
    frame.attrs["by"] = by
    return frame
