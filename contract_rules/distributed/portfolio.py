"""Many contracts at once, one report each and a summary frame."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ..collector import collector_paused
from ..engine import CompiledRuleset, compile_ruleset
from ..model import Ruleset
from ..report import Report
from .merge import _obligations
from .partition import _ob_row
from .prepare import _Batch
from .run import _close, local_client

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client


# =============================================================================== portfolio


@dataclass(frozen=True)
class Portfolio:
    """The reports of many contracts, and a summary frame with one row per contract:
    ``contract``, the input events (``events``, ``used``, ``ignored``, ``rejected``), the
    instances per status, ``breaches`` and ``liability`` (the payable total, a Decimal)."""

    reports: dict[str, Report]
    summary: pd.DataFrame


def _evaluate_many(
    items: list[tuple[str, int, Any]],
    rulesets: list[CompiledRuleset],
    t: str,
    strict: bool,
    naive_tz: str | tzinfo | None,
) -> _Batch:
    """Evaluate each (name, ruleset number, events) of ``items``: per contract its name, the
    ruleset's number, its obligations as rows (:func:`_ob_row`) and the rest of its report (an
    obligation ships several times slower as an object than as a row)."""
    from ..engine import evaluate as evaluate_one

    with collector_paused():
        out = []
        for name, k, events in items:
            c = rulesets[k]
            rep = evaluate_one(c, events, t, strict=strict, naive_tz=naive_tz)
            rows = [_ob_row(ob, c.norm_order) for ob in rep.obligations]
            out.append((name, k, rows, replace(rep, obligations=(), ruleset=None)))
        return _Batch(out)


def evaluate_portfolio(
    contracts: Mapping[str, tuple[Ruleset | CompiledRuleset, Any]],
    *,
    as_of: datetime | str,
    client: Client | None = None,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    batch: int | None = None,
    retries: int = 2,
) -> Portfolio:
    """Evaluate many contracts in parallel: ``contracts`` maps a name to its (ruleset, events);
    each is evaluated by :func:`contract_rules.evaluate` on a worker (``batch`` contracts per
    task, by default enough for about four tasks per worker thread). ``as_of`` is one instant for
    all (read in each contract's zone). Returns every report, in ``contracts``' order, and the
    summary frame. ``client`` as in :func:`evaluate`."""
    import pandas as pd

    stamp = as_of if isinstance(as_of, str) else as_of.isoformat()
    compiled: dict[int, CompiledRuleset] = {}  # one compile and one shipment per ruleset object
    items: list[tuple[str, int, Any]] = []
    for name, (rs, events) in contracts.items():
        if id(rs) not in compiled:
            compiled[id(rs)] = rs if isinstance(rs, CompiledRuleset) else compile_ruleset(rs)
        items.append((name, list(compiled).index(id(rs)), events))
    known = list(compiled.values())
    own = client is None
    active = local_client() if client is None else client
    try:
        shared = [active.scatter(c, broadcast=True, hash=False) for c in known]
        threads = max(1, sum(active.nthreads().values()))
        size = batch or max(1, -(-len(items) // (4 * threads)))
        jobs = [
            active.submit(
                _evaluate_many,
                items[k : k + size],
                shared,
                stamp,
                strict,
                naive_tz,
                retries=retries,
                pure=False,
            )
            for k in range(0, len(items), size)
        ]
        reports: dict[str, Report] = {}
        with collector_paused():
            for done in active.gather(jobs):
                for name, k, rows, rest in done.rows:
                    c = known[k]
                    obligations = tuple(_obligations(c, rows))
                    reports[name] = replace(rest, obligations=obligations, ruleset=c.ruleset)
    finally:
        if own:
            _close(active)
    rows = []
    for name, rep in reports.items():
        counts = rep.accounting.counts()
        rows.append(
            {
                "contract": name,
                "events": counts["input"],
                "used": counts["used"],
                "ignored": counts["ignored"],
                "rejected": counts["rejected"],
                **rep.counts(),
                "breaches": len(rep.breaches),
                "liability": rep.liability.payable,
            }
        )
    columns = ["contract", "events", "used", "ignored", "rejected", "pending", "fulfilled",
               "violated", "excused", "breaches", "liability"]  # fmt: skip
    return Portfolio(reports, pd.DataFrame(rows, columns=columns))
