"""The resolution SLA of examples/servicenow/sla.yaml computed the way an analyst would in pandas.

Independent of the library (it imports nothing from ``contract_rules``): read the UCI log with
``pandas.read_csv``, keep each incident's state changes, and compare the business minutes from
opening to the first Resolved/Closed — minus the business minutes spent awaiting the user — with
the target. Business minutes come from numpy's ``busday_count``/``is_busday`` (Monday-Friday,
08:00-17:00, no holidays); Priority 1 counts clock minutes. Run from the repository root::

    .venv/bin/python -m benchmarks.pandas_servicenow [--csv PATH]

It prints how many incidents met the target. ``benchmarks/bench_servicenow.py`` times it against
the library and compares the two per incident.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
#: the shared data directory (``CONTRACT_RULES_SHARED``, as the tests read it; else ``../shared``)
SHARED = Path(os.environ.get("CONTRACT_RULES_SHARED", ROOT.parent / "shared"))
DEFAULT_CSV = SHARED / "data" / "uci-incident-log" / "incident_event_log.csv"
AS_OF = np.datetime64("2017-03-01T00:00")
OPEN, CLOSE = 8 * 60, 17 * 60  # working hours, in minutes of the day
TARGET = {"1 - Critical": 4 * 60, "2 - High": 9 * 60, "3 - Moderate": 27 * 60, "4 - Low": 45 * 60}
STATES = {
    "New",
    "Active",
    "Awaiting User Info",
    "Awaiting Evidence",
    "Awaiting Vendor",
    "Awaiting Problem",
    "Resolved",
    "Closed",
}
WAITING = ["Awaiting User Info", "Awaiting Evidence"]
DONE = ["Resolved", "Closed"]


def business_minutes(t: Any) -> np.ndarray[Any, Any]:
    """Working minutes from 1970-01-01 to each instant (an array of datetime64[m])."""
    t = np.asarray(t, dtype="datetime64[m]")
    day = t.astype("datetime64[D]")
    minute = (t - day).astype(np.int64)
    inside = np.clip(minute, OPEN, CLOSE) - OPEN
    full_days = np.busday_count(np.datetime64("1970-01-01"), day)
    out: np.ndarray[Any, Any] = full_days * (CLOSE - OPEN) + np.where(np.is_busday(day), inside, 0)
    return out


def clock_minutes(t: Any) -> np.ndarray[Any, Any]:
    out: np.ndarray[Any, Any] = np.asarray(t, dtype="datetime64[m]").astype(np.int64)
    return out


def resolution_sla(path: Path, as_of: np.datetime64 = AS_OF) -> pd.DataFrame:
    """One row per incident: number, priority, opened, resolved, used and target minutes, and
    status (fulfilled, violated or pending at ``as_of``)."""
    df = pd.read_csv(
        path,
        usecols=["number", "incident_state", "opened_at", "sys_updated_at", "priority"],
        dtype=str,
        keep_default_na=False,
    )
    df = df[df["incident_state"].isin(STATES)]  # '-100' is not a state
    fmt = "%d/%m/%Y %H:%M"
    df["opened_at"] = pd.to_datetime(df["opened_at"], format=fmt)
    df["sys_updated_at"] = pd.to_datetime(df["sys_updated_at"], format=fmt)
    df = df.sort_values(["number", "sys_updated_at"], kind="stable")

    first = df.groupby("number", sort=False).head(1).set_index("number")
    incidents = first[["opened_at", "priority"]].rename(columns={"opened_at": "opened"})

    # state changes: a row whose state differs from the previous row of the incident
    prev = df.groupby("number", sort=False)["incident_state"].shift()
    changes = df[df["incident_state"] != prev][["number", "incident_state", "sys_updated_at"]]
    changes = changes.join(incidents["opened"], on="number")
    changes = changes[changes["sys_updated_at"] >= changes["opened"]]

    resolved = (
        changes[changes["incident_state"].isin(DONE)].groupby("number")["sys_updated_at"].min()
    )
    incidents["resolved"] = resolved
    incidents["end"] = incidents["resolved"].fillna(pd.Timestamp(as_of))

    # waiting intervals: from a change into a waiting state to the next change
    nxt = changes.groupby("number", sort=False)["sys_updated_at"].shift(-1)
    waits = changes.assign(until=nxt)
    waits = waits[waits["incident_state"].isin(WAITING)]
    waits = waits.join(incidents["end"], on="number")
    waits["until"] = waits["until"].fillna(waits["end"]).clip(upper=waits["end"])
    waits = waits[waits["sys_updated_at"] < waits["until"]]
    p1 = incidents["priority"].eq("1 - Critical")
    is_p1 = waits["number"].map(p1)
    start, until = waits["sys_updated_at"].to_numpy(), waits["until"].to_numpy()
    waits["paused"] = np.where(
        is_p1,
        clock_minutes(until) - clock_minutes(start),
        business_minutes(until) - business_minutes(start),
    )
    incidents["paused"] = waits.groupby("number")["paused"].sum()
    incidents["paused"] = incidents["paused"].fillna(0)

    opened, end = incidents["opened"].to_numpy(), incidents["end"].to_numpy()
    elapsed = np.where(
        p1,
        clock_minutes(end) - clock_minutes(opened),
        business_minutes(end) - business_minutes(opened),
    )
    incidents["used"] = elapsed - incidents["paused"]
    incidents["target"] = incidents["priority"].map(TARGET)
    over = incidents["used"] > incidents["target"]
    done = incidents["resolved"].notna()
    incidents["status"] = np.where(over, "violated", np.where(done, "fulfilled", "pending"))
    return incidents.reset_index()


def main(argv: list[str] | None = None) -> int:
    """Compute the SLA of the whole log and print the counts."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    args = ap.parse_args(argv)
    if not args.csv.exists():
        print(f"{args.csv}: not found (the UCI incident log; see --csv)", file=sys.stderr)
        return 2
    out = resolution_sla(args.csv)
    print(out["status"].value_counts().to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
