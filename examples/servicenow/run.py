"""Evaluate the whole UCI ServiceNow incident log against sla.yaml and compare with made_sla.

Run from the repository root::

    .venv/bin/python examples/servicenow/run.py [--csv PATH] [--as-of ISO]

It reads the log through servicenow.mapping.yaml (streaming), evaluates sla.yaml, and prints an
agreement table between our verdict on the resolution duty (sla.resolution) and the log's own
``made_sla`` flag of each incident (its value on the incident's last update). The targets behind
``made_sla`` are not published: the table measures how far two different SLAs agree; it is not
an accuracy score, and sla.yaml is not tuned to it.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

from contract_rules import load_ruleset
from contract_rules.mapping import MappingStats, evaluate_export, load_mapping

HERE = Path(__file__).resolve().parent
DEFAULT_CSV = HERE.parents[2] / "shared" / "data" / "uci-incident-log" / "incident_event_log.csv"
AS_OF = "2017-03-01T00:00:00+00:00"  # after the log's last update (2017-02-18 15:00)
VERDICTS = ("fulfilled", "violated", "pending", "excused", "no instance")


def made_sla_by_incident(path: Path) -> tuple[dict[str, bool], int]:
    """Each incident's made_sla on its last update (by sys_updated_at, then file order), and
    the number of incidents whose flag changes between their first and last update."""
    last: dict[str, tuple[datetime, int, bool]] = {}
    first: dict[str, bool] = {}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for n, row in enumerate(csv.DictReader(fh)):
            inc = row["number"]
            flag = row["made_sla"] == "true"
            at = datetime.strptime(row["sys_updated_at"], "%d/%m/%Y %H:%M")
            first.setdefault(inc, flag)
            prev = last.get(inc)
            if prev is None or (at, n) >= prev[:2]:
                last[inc] = (at, n, flag)
    changed = sum(1 for inc, (_, _, flag) in last.items() if first[inc] != flag)
    return {inc: v[2] for inc, v in last.items()}, changed


def pct(n: int, d: int) -> str:
    """``n`` as a percentage of ``d`` with one decimal, or a dash."""
    return f"{100 * n / d:.1f}%" if d else "—"


def main(argv: list[str] | None = None) -> int:
    """Evaluate the log, print the accounting and the agreement table; return 0."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV, help="the incident_event_log.csv")
    ap.add_argument("--as-of", default=AS_OF, help=f"evaluation instant (default {AS_OF})")
    args = ap.parse_args(argv)
    if not args.csv.exists():
        print(f"{args.csv}: not found (the UCI incident log; see --csv)", file=sys.stderr)
        return 2

    ruleset = load_ruleset(HERE / "sla.yaml")
    mapping = load_mapping(HERE / "servicenow.mapping.yaml")
    stats = MappingStats()
    t0 = time.perf_counter()
    report = evaluate_export(ruleset, args.csv, mapping, args.as_of, stats=stats)
    seconds = time.perf_counter() - t0
    flags, changed = made_sla_by_incident(args.csv)

    acc = report.accounting.counts()
    print(f"# {ruleset.contract.title.get('en')}")
    print()
    print(f"log: {args.csv.name}, {stats.rows:,} rows, {stats.incidents:,} incidents")
    print(
        f"rows: {stats.rows_mapped:,} gave events, {stats.rows_without_event:,} gave none (no "
        f"state change), {stats.rows_rejected:,} rejected"
    )
    print(
        f"events: {stats.events:,} produced + {stats.rows_rejected:,} rejected rows = "
        f"{acc['input']:,} accounted: {acc['used']:,} used, {acc['ignored']:,} ignored, "
        f"{acc['rejected']:,} rejected"
    )
    for entry in report.accounting.rejected[:10]:
        print(f"  rejected {entry.where}: {entry.reason}")
    print(f"evaluated in {seconds:.1f} s (as of {args.as_of})")
    print()

    res = {o.key: o for o in report.select(rule="sla.resolution")}
    table: Counter[tuple[str, bool]] = Counter()
    by_priority: dict[str, Counter[tuple[str, bool]]] = {}
    for inc, flag in flags.items():
        ob = res.get(inc)
        verdict = ob.status if ob is not None else "no instance"
        tier = ob.tier if ob is not None and ob.tier else "-"
        table[verdict, flag] += 1
        by_priority.setdefault(tier, Counter())[verdict, flag] += 1

    total = sum(table.values())
    print(
        "## Resolution duty (sla.resolution) vs the log's made_sla (last update of each incident)"
    )
    print()
    print("| our verdict | made_sla true | made_sla false | total | share false |")
    print("|---|---:|---:|---:|---:|")
    for v in VERDICTS:
        t, f = table[v, True], table[v, False]
        if t + f == 0:
            continue
        cells = [f"{t:,} ({pct(t, total)})", f"{f:,} ({pct(f, total)})", f"{t + f:,}"]
        print(f"| {v} | {' | '.join(cells)} | {pct(f, t + f)} |")
    tt = sum(table[v, True] for v in VERDICTS)
    tf = sum(table[v, False] for v in VERDICTS)
    print(f"| total | {tt:,} | {tf:,} | {total:,} | {pct(tf, total)} |")
    print()
    decided = table["fulfilled", True] + table["fulfilled", False]
    decided += table["violated", True] + table["violated", False]
    agree = table["fulfilled", True] + table["violated", False]
    # Cohen's kappa on the decided incidents: agreement beyond what the two marginals give.
    p_f = (table["fulfilled", True] + table["fulfilled", False]) / decided if decided else 0
    p_t = (table["fulfilled", True] + table["violated", True]) / decided if decided else 0
    p_e = p_f * p_t + (1 - p_f) * (1 - p_t)
    p_o = agree / decided if decided else 0
    kappa = (p_o - p_e) / (1 - p_e) if p_e < 1 else 0.0
    print(
        f"agreement on the {decided:,} decided incidents (fulfilled/violated): {agree:,} "
        f"({pct(agree, decided)}); Cohen's kappa {kappa:.2f}"
    )
    print(
        f"(fulfilled & made_sla true: {table['fulfilled', True]:,}; violated & made_sla false: "
        f"{table['violated', False]:,}; we say violated, the log says made: "
        f"{table['violated', True]:,}; we say fulfilled, the log says missed: "
        f"{table['fulfilled', False]:,})"
    )
    print()
    print("| tier | incidents | fulfilled | violated | agreement | made_sla false |")
    print("|---|---:|---:|---:|---:|---:|")
    for tier in sorted(by_priority):
        c = by_priority[tier]
        n = sum(c.values())
        ful = c["fulfilled", True] + c["fulfilled", False]
        vio = c["violated", True] + c["violated", False]
        ag = c["fulfilled", True] + c["violated", False]
        fal = sum(c[v, False] for v in VERDICTS)
        print(f"| {tier} | {n:,} | {ful:,} | {vio:,} | {pct(ag, ful + vio)} | {pct(fal, n)} |")
    print()
    print(
        "The targets behind made_sla are not published, so this is agreement between two "
        "different SLAs, not a measure of correctness. sla.yaml states its own targets (P1 4 h "
        "24x7; P2 9, P3 27, P4 45 working hours, Mon-Fri 08:00-17:00, paused while awaiting the "
        "user) and was not tuned to made_sla."
    )
    print(
        f"Note: made_sla changes between an incident's first and last update in {changed:,} "
        "incidents (it turns false, almost always on the Closed update)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
