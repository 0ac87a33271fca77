"""Step 4, in the caller: the report of the whole input from the partitions' parts."""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..engine import CompiledRuleset
from ..evaluator import contract_states
from ..events import (
    Event,
    comparable,
)
from ..explanations import Explainer
from ..remedies import remedy_lines
from ..report import Accounting, EventEntry, Liability, Obligation, Report
from .partition import _ObRow, _Partial

if TYPE_CHECKING:
    pass


# =============================================================================== merge


def _merge(
    c: CompiledRuleset, t: datetime, partials: list[_Partial], rejected: list[EventEntry]
) -> Report:
    """The report of the whole input from the partitions' parts (see the module's text)."""
    rows = sorted(
        (row for part in partials for row in part.obligations),
        key=lambda r: (comparable(r[4]), r[0], r[2] or "", r[3]),
    )
    obligations = _obligations(c, rows)
    del rows
    claims = [
        (k, Event(*row))
        for k, row in sorted(
            (cl for part in partials for cl in part.claims), key=lambda cl: (cl[1][3], cl[1][0])
        )
    ]
    heads = sorted((h for part in partials for h in part.notes), key=lambda h: (h[0], h[1]))
    years: set[int] = set().union(*(part.years for part in partials))
    used = _sorted_indexes([part.used for part in partials])
    ignored = sorted((x for part in partials for x in part.ignored), key=_index_of)
    rejected = sorted([*rejected, *(x for part in partials for x in part.rejected)], key=_index_of)
    rs = c.ruleset
    zoned = t if t.tzinfo is c.tz else t.astimezone(c.tz)
    ends = [part.ended for part in partials if part.ended is not None]
    ended = min(ends, key=lambda e: comparable(e[0])) if ends else None
    states = contract_states(
        c, t, ended, False, obligations, lambda u: u if u.tzinfo is c.tz else u.astimezone(c.tz)
    )
    return Report(
        contract_id=rs.contract.id,
        contract_title_zh=rs.contract.title.zh or "",
        contract_title_en=rs.contract.title.en or "",
        language=rs.contract.language,
        timezone=rs.contract.timezone,
        as_of=zoned,
        obligations=obligations,
        liability=Liability(tuple(remedy_lines(c, claims, obligations, t))),
        accounting=Accounting(
            used_count=len(used),
            ignored=tuple(ignored),
            rejected=tuple(rejected),
            used_indexes=used,
        ),
        assumptions=tuple(c.calendar.assumptions_for(years)),
        notes=tuple(head for _, _, head in heads),
        settled={},
        contract_states=states,
        ruleset=rs,
    )


def _obligations(c: CompiledRuleset, rows: Iterable[_ObRow]) -> tuple[Obligation, ...]:
    """The obligations of ``rows`` (:func:`_ob_row`), in their order; explainers that were
    shared stay shared, with the caller's compiled ruleset."""
    explainers: dict[Any, Explainer] = {}

    def explainer(facts: tuple[Any, ...] | None) -> Explainer | None:
        if facts is None:
            return None
        found = explainers.get(facts)
        if found is None:
            cn = c.norms[facts[0]]
            tier = None if facts[1] < 0 else cn.tiers[facts[1]]
            found = explainers[facts] = Explainer(c, cn, tier, *facts[2:])
        return found

    norms = c.norms
    return tuple(
        Obligation(
            norms[r[0]].info,
            r[1],
            r[2],
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11],
            r[12],
            r[13],
            explainer(r[14]),
            life=r[15],
        )
        for r in rows
    )


def _index_of(x: EventEntry) -> int:
    return x.index


def _sorted_indexes(parts: list[array[int]]) -> array[int]:
    """The used positions of every partition, in order (with NumPy when it is there)."""
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with the extra
        return array("q", sorted(i for part in parts for i in part))
    out = array("q")
    if not any(parts):
        return out
    joined = np.sort(np.concatenate([np.frombuffer(p, dtype=np.int64) for p in parts if len(p)]))
    out.frombytes(joined.astype(np.int64).tobytes())
    return out
