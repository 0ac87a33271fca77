"""pandas views of a report. pandas is an optional extra: this module imports it on use.

Instants are time-zone-aware ``datetime64[ns, <zone>]`` columns; status and strength are
categoricals with every level present; money stays exact — columns of :class:`decimal.Decimal`
objects (dtype ``object``), never floats. Call ``.astype(float)`` yourself where a chart needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .report import STATUSES, Report

if TYPE_CHECKING:
    import pandas as pd


def _pd() -> Any:
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "pandas is needed for DataFrames: pip install 'contract-rules[notebook]'"
        ) from exc
    return pandas


def _times(pd: Any, values: list[Any], tz: str) -> Any:
    return pd.to_datetime(pd.Series(values, dtype="object"), utc=True).dt.tz_convert(tz)


def obligations_frame(report: Report) -> pd.DataFrame:
    """One row per instance, in the report's order."""
    pd = _pd()
    obs = report.obligations
    frame = pd.DataFrame(
        {
            "rule": pd.Series([o.rule for o in obs], dtype="string"),
            "kind": pd.Series([o.kind for o in obs], dtype="string"),
            "clause": pd.Series([o.clause for o in obs], dtype="string"),
            "party": pd.Series([o.party for o in obs], dtype="string"),
            "key": pd.Series([o.key for o in obs], dtype="string"),
            "nth": pd.Series([o.nth for o in obs], dtype="int64"),
            "tier": pd.Series([o.tier for o in obs], dtype="string"),
            "trigger_at": _times(pd, [o.trigger_at for o in obs], report.timezone),
            "due": _times(pd, [o.due for o in obs], report.timezone),
            "fulfilled_at": _times(pd, [o.fulfilled_at for o in obs], report.timezone),
            "status": pd.Categorical([o.status for o in obs], categories=list(STATUSES)),
            "strength": pd.Categorical(
                [o.strength for o in obs], categories=["binding", "best_effort"]
            ),
            "breach": pd.Series([o.is_breach for o in obs], dtype="bool"),
            "reason": pd.Series([o.reason for o in obs], dtype="string"),
            "events": pd.Series([" ".join(o.events) for o in obs], dtype="string"),
        }
    )
    return frame


def breaches_frame(report: Report) -> pd.DataFrame:
    """The violated binding instances."""
    frame = obligations_frame(report)
    return frame[frame["breach"]].reset_index(drop=True)


def liability_frame(report: Report) -> pd.DataFrame:
    """One row per remedy and period; money columns hold exact Decimals."""
    pd = _pd()
    lines = report.liability.lines
    return pd.DataFrame(
        {
            "remedy": pd.Series([ln.remedy for ln in lines], dtype="string"),
            "period": pd.Series([ln.period for ln in lines], dtype="int64"),
            "period_label": pd.Series([ln.period_label for ln in lines], dtype="string"),
            "period_start": _times(pd, [ln.period_start for ln in lines], report.timezone),
            "currency": pd.Series([ln.currency for ln in lines], dtype="string"),
            "claimed": pd.Series([ln.claimed for ln in lines], dtype="object"),
            "compensable": pd.Series([ln.compensable for ln in lines], dtype="object"),
            "cap": pd.Series([ln.cap for ln in lines], dtype="object"),
            "payable": pd.Series([ln.payable for ln in lines], dtype="object"),
        }
    )


def accounting_frame(report: Report) -> pd.DataFrame:
    """One row per input event: used, ignored or rejected, and why."""
    pd = _pd()
    entries = report.accounting.entries
    return pd.DataFrame(
        {
            "index": pd.Series([e.index for e in entries], dtype="int64"),
            "where": pd.Series([e.where for e in entries], dtype="string"),
            "id": pd.Series([e.id for e in entries], dtype="string"),
            "type": pd.Series([e.type for e in entries], dtype="string"),
            "at": _times(pd, [e.at for e in entries], report.timezone),
            "disposition": pd.Categorical(
                [e.disposition for e in entries], categories=["used", "ignored", "rejected"]
            ),
            "reason": pd.Series([e.reason for e in entries], dtype="string"),
        }
    )
