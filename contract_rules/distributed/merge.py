"""Step 4, in the caller: the report of the whole input from the partitions' parts."""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from ..engine import CompiledRuleset
from ..evaluator import contract_states
from ..events import Event, comparable
from ..explanations import Explainer
from ..remedies import remedy_lines
from ..report import Accounting, EventEntry, Liability, Obligation, Report
from .partition import _ObRow, _Partial

#: a partition's instances decoded: their keys in the report's order (trigger instant, norm
#: order, key, nth) and the obligations, in that order
_Run = tuple[list[tuple[Any, ...]], list[Obligation]]


class _Decoder:
    """Turns each partition's instances into obligations as its result arrives (while other
    partitions still run), sharing one explainer per set of facts across partitions."""

    def __init__(self, c: CompiledRuleset) -> None:
        self.c = c
        self.explainers: dict[Any, Explainer] = {}

    def decode(self, part: _Partial) -> _Run:
        """The keys and obligations of ``part``'s instances, in the partition's order (which is
        the report's order restricted to its keys)."""
        rows = part.obligations
        keys = [(comparable(r[4]), r[0], r[2] or "", r[3]) for r in rows]
        return keys, _obligations(self.c, rows, self.explainers)


def _merged(runs: Sequence[_Run]) -> tuple[Obligation, ...]:
    """The obligations of ``runs`` (each in the report's order) in the report's order: a
    stable merge of the sorted runs (Python's sort finds the runs and merges them; it beat
    ``heapq.merge`` here), ties kept in partition order."""
    if len(runs) == 1:
        return tuple(runs[0][1])
    keys = [k for run in runs for k in run[0]]
    obs = [o for run in runs for o in run[1]]
    return tuple(map(obs.__getitem__, sorted(range(len(keys)), key=keys.__getitem__)))


def _merge(
    c: CompiledRuleset,
    t: datetime,
    partials: list[_Partial],
    runs: Sequence[_Run],
    rejected: list[EventEntry],
) -> Report:
    """The report of the whole input from the partitions' parts (see the package's text):
    partition 0's report with the merged instances, accounting, remedies, calendar assumptions,
    notes and contract states. Any other part of a report is computed from broadcast events
    (which every partition sees whole) or from the ruleset, so partition 0's is the report's."""
    obligations = _merged(runs)
    claims = [
        (k, Event(*row))
        for k, row in sorted(
            (cl for part in partials for cl in part.claims), key=lambda cl: (cl[1][3], cl[1][0])
        )
    ]
    heads = sorted((h for part in partials for h in part.notes), key=lambda h: (h[0], h[1]))
    years: set[int] = set().union(*(part.years for part in partials))
    ends = [part.ended for part in partials if part.ended is not None]
    ended = min(ends, key=lambda e: comparable(e[0])) if ends else None
    suspended = sorted(s for part in partials for s in part.suspended)
    states = contract_states(
        c,
        t,
        ended,
        False,
        obligations,
        lambda u: u if u.tzinfo is c.tz else u.astimezone(c.tz),
        suspended,
    )
    base = partials[0].base
    assert base is not None, "partition 0 gives the report's other parts"
    # the measures are partition 0's: every partition sees every span a measure counts
    measures = base.measures
    return replace(
        base,
        obligations=obligations,
        liability=Liability(tuple(remedy_lines(c, claims, obligations, t, measures))),
        accounting=_accounting(partials, rejected),
        assumptions=tuple(c.calendar.assumptions_for(years)),
        notes=tuple(head for _, _, head in heads),
        settled={},
        contract_states=states,
        _by_rule_key={},
        ruleset=c.ruleset,
    )


def _accounting(partials: list[_Partial], rejected: list[EventEntry]) -> Accounting:
    """Every input position once: used, ignored and rejected by their owners (``rejected``:
    what reading rejected), each in input order."""
    used = _sorted_indexes([part.used for part in partials])
    ignored = sorted((x for part in partials for x in part.ignored), key=_index_of)
    rejected = sorted([*rejected, *(x for part in partials for x in part.rejected)], key=_index_of)
    return Accounting(
        used_count=len(used), ignored=tuple(ignored), rejected=tuple(rejected), used_indexes=used
    )


def _obligations(
    c: CompiledRuleset, rows: Iterable[_ObRow], explainers: dict[Any, Explainer] | None = None
) -> list[Obligation]:
    """The obligations of ``rows`` (:func:`_ob_row`), in their order; explainers that were
    shared stay shared (in ``explainers``, when given, across calls), with the caller's
    compiled ruleset."""
    made: dict[Any, Explainer] = {} if explainers is None else explainers

    def explainer(facts: tuple[Any, ...] | None) -> Explainer | None:
        if facts is None:
            return None
        found = made.get(facts)
        if found is None:
            cn = c.norms[facts[0]]
            tier = None if facts[1] < 0 else cn.tiers[facts[1]]
            found = made[facts] = Explainer(c, cn, tier, *facts[2:])
        return found

    norms = c.norms
    return [
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
    ]


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
