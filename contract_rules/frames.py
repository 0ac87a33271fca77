"""pandas views of a report. pandas is an optional extra: this module imports it on use.

Instants are time-zone-aware ``datetime64[<unit>, <zone>]`` columns in the contract's zone (NaT
where there is none); status, strength and disposition are categoricals with every level
present, zero-count ones included; text columns use pandas' ``string`` dtype.

Money stays exact: money columns hold :class:`decimal.Decimal` objects (dtype ``object``), never
floats, and are listed in ``frame.attrs["money_columns"]``. Where a chart needs numbers, convert
explicitly with :func:`money_as_float`, which says so in ``frame.attrs["money"]``.

The frames hold the values as they are (a key may start with ``=``). Before writing one to a
file that people open in a spreadsheet, pass it through :func:`for_spreadsheets`
(``for_spreadsheets(report.to_pandas()).to_csv(path)``), which neutralises formula cells and
escapes control characters, as ``contract-rules eval --format csv`` does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .model_logic import State
from .report import LIFECYCLE_STATUSES, STATUSES, Report
from .safe_text import spreadsheet_cell

if TYPE_CHECKING:
    import pandas as pd

STRENGTHS = ("binding", "best_effort")
DISPOSITIONS = ("used", "ignored", "rejected")
LIABILITY_MONEY = ("claimed", "compensable", "cap", "payable")


def _pd() -> Any:
    """The pandas module, or an ImportError that says how to install it."""
    try:
        import pandas
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "pandas is needed for DataFrames: pip install 'contract-rules[notebook]'"
        ) from exc
    return pandas


def _times(pd: Any, values: list[Any], tz: str) -> Any:
    """Aware instants (or None) as a ``datetime64[..., tz]`` Series; None becomes NaT."""
    return pd.to_datetime(pd.Series(values, dtype="object"), utc=True).dt.tz_convert(tz)


def _text(pd: Any, values: list[Any]) -> Any:
    return pd.Series(values, dtype="string")


def obligations_frame(report: Report) -> pd.DataFrame:
    """One row per instance listed in the report, in the report's order.

    Columns: ``rule``, ``kind``, ``clause``, ``title_zh``, ``title_en``, ``party``, ``key``,
    ``nth`` (int64), ``tier``, ``trigger_at``, ``trigger_event``, ``due``, ``fulfilled_at``
    (aware, contract zone), ``status`` (categorical: pending, fulfilled, violated, excused, and
    discharged or expired where an instance is so),
    ``strength`` (categorical: binding, best_effort), ``breach`` (bool), ``reason``, ``events``
    (deciding event ids, space-separated) and ``notes`` (joined with "; "). ``frame.attrs``
    records ``timezone`` and ``as_of``.
    """
    pd = _pd()
    obs = report.obligations
    tz = report.timezone
    frame = pd.DataFrame(
        {
            "rule": _text(pd, [o.rule for o in obs]),
            "kind": _text(pd, [o.kind for o in obs]),
            "clause": _text(pd, [o.clause for o in obs]),
            "title_zh": _text(pd, [o.title_zh for o in obs]),
            "title_en": _text(pd, [o.title_en for o in obs]),
            "party": _text(pd, [o.party for o in obs]),
            "key": _text(pd, [o.key for o in obs]),
            "nth": pd.Series([o.nth for o in obs], dtype="int64"),
            "tier": _text(pd, [o.tier for o in obs]),
            "trigger_at": _times(pd, [o.trigger_at for o in obs], tz),
            "trigger_event": _text(pd, [o.trigger_event for o in obs]),
            "due": _times(pd, [o.due for o in obs], tz),
            "fulfilled_at": _times(pd, [o.fulfilled_at for o in obs], tz),
            "status": pd.Categorical([o.status for o in obs], categories=_statuses(report)),
            "strength": pd.Categorical([o.strength for o in obs], categories=list(STRENGTHS)),
            "breach": pd.Series([o.is_breach for o in obs], dtype="bool"),
            "reason": _text(pd, [o.reason for o in obs]),
            "events": _text(pd, [" ".join(o.events) for o in obs]),
            "notes": _text(pd, ["; ".join(o.notes) for o in obs]),
        }
    )
    frame.attrs["timezone"] = tz
    frame.attrs["as_of"] = report.as_of.isoformat()
    return frame


def _statuses(report: Report) -> list[str]:
    """The status levels of ``report``: the four of every contract, then ``discharged`` and
    ``expired`` where an instance is so (a contract without powers keeps its layout)."""
    present = {o.status for o in report.obligations}
    return [*STATUSES, *(s for s in LIFECYCLE_STATUSES if s in present)]


#: the states of a history (``docs/engine.md``, "The lifecycle"), in the machine's order
STATES: tuple[State, ...] = (
    "pending", "suspended", "fulfilled", "violated", "excused", "discharged", "expired",
)  # fmt: skip


def histories_frame(report: Report) -> pd.DataFrame:
    """One row per stretch of every instance's state history (:attr:`Obligation.history`), in
    the report's order and then in time order: ``rule``, ``key``, ``instance`` (its ``nth``,
    int64), ``state`` (categorical: every state of the machine), ``from``, ``to`` (aware,
    contract zone; NaT: still so at ``as_of``), ``event`` (the event that entered it, if any)
    and ``reason``. The contract's own states are ``report.contract_states``."""
    pd = _pd()
    rows = [(o, h) for o in report.obligations for h in o.history]
    tz = report.timezone
    frame = pd.DataFrame(
        {
            "rule": _text(pd, [o.rule for o, _ in rows]),
            "key": _text(pd, [o.key for o, _ in rows]),
            "instance": pd.Series([o.nth for o, _ in rows], dtype="int64"),
            "state": pd.Categorical([h.state for _, h in rows], categories=list(STATES)),
            "from": _times(pd, [h.start for _, h in rows], tz),
            "to": _times(pd, [h.end for _, h in rows], tz),
            "event": _text(pd, [h.event for _, h in rows]),
            "reason": _text(pd, [h.reason for _, h in rows]),
        }
    )
    frame.attrs["timezone"] = tz
    frame.attrs["as_of"] = report.as_of.isoformat()
    return frame


def breaches_frame(report: Report) -> pd.DataFrame:
    """The violated binding instances (:attr:`Report.breaches`): rows and columns as
    :func:`obligations_frame`, re-indexed from 0."""
    frame = obligations_frame(report)
    out = frame[frame["breach"]].reset_index(drop=True)
    out.attrs = dict(frame.attrs)
    return out


def liability_frame(report: Report) -> pd.DataFrame:
    """One row per remedy and period (service year, month or term), in the report's order.

    Columns: ``remedy``, ``kind``, ``clause``, ``period`` (int64, 1 for the first),
    ``period_label``, ``period_start`` and ``period_end`` (aware), ``currency``, ``claimed``,
    ``compensable``, ``cap`` (None without a cap), ``payable`` and ``items`` (the number of
    claims or breaches counted). Money columns hold exact :class:`~decimal.Decimal` objects
    (dtype ``object``; listed in ``attrs["money_columns"]``); see :func:`money_as_float`.
    """
    pd = _pd()
    lines = report.liability.lines
    tz = report.timezone
    frame = pd.DataFrame(
        {
            "remedy": _text(pd, [ln.remedy for ln in lines]),
            "kind": _text(pd, [ln.kind for ln in lines]),
            "clause": _text(pd, [ln.clause for ln in lines]),
            "period": pd.Series([ln.period for ln in lines], dtype="int64"),
            "period_label": _text(pd, [ln.period_label for ln in lines]),
            "period_start": _times(pd, [ln.period_start for ln in lines], tz),
            "period_end": _times(pd, [ln.period_end for ln in lines], tz),
            "currency": _text(pd, [ln.currency for ln in lines]),
            "claimed": pd.Series([ln.claimed for ln in lines], dtype="object"),
            "compensable": pd.Series([ln.compensable for ln in lines], dtype="object"),
            "cap": pd.Series([ln.cap for ln in lines], dtype="object"),
            "payable": pd.Series([ln.payable for ln in lines], dtype="object"),
            "items": pd.Series([len(ln.items) for ln in lines], dtype="int64"),
        }
    )
    frame.attrs["timezone"] = tz
    frame.attrs["money"] = "decimal"
    frame.attrs["money_columns"] = list(LIABILITY_MONEY)
    return frame


def accounting_frame(report: Report) -> pd.DataFrame:
    """One row per input event that a rule did not use (ignored or rejected), and why.

    Used events are counted in ``report.accounting.counts()`` and listed by input position in
    ``report.accounting.used_indexes``; they need no reason, so they are not rows here. Columns:
    ``index`` (0-based input position, int64), ``where``, ``id``, ``type``, ``at`` (aware; NaT
    for an event without a valid instant), ``disposition`` (categorical: used, ignored,
    rejected) and ``reason``; rows in input order. ``attrs["counts"]`` holds the counts of every
    disposition (input = used + ignored + rejected).
    """
    pd = _pd()
    entries = sorted(
        (*report.accounting.ignored, *report.accounting.rejected), key=lambda e: e.index
    )
    frame = pd.DataFrame(
        {
            "index": pd.Series([e.index for e in entries], dtype="int64"),
            "where": _text(pd, [e.where for e in entries]),
            "id": _text(pd, [e.id for e in entries]),
            "type": _text(pd, [e.type for e in entries]),
            "at": _times(pd, [e.at for e in entries], report.timezone),
            "disposition": pd.Categorical(
                [e.disposition for e in entries], categories=list(DISPOSITIONS)
            ),
            "reason": _text(pd, [e.reason for e in entries]),
        }
    )
    frame.attrs["timezone"] = report.timezone
    frame.attrs["counts"] = report.accounting.counts()
    return frame


def money_as_float(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose money columns (``attrs["money_columns"]``) are float64.

    This is the one place exact Decimals become binary floats (None becomes NaN), for charts
    and numeric work; ``attrs["money"]`` of the copy says ``"float (converted from Decimal)"``.
    The frame given is not changed.
    """
    pd = _pd()
    out = frame.copy()
    for col in frame.attrs.get("money_columns", []):
        out[col] = pd.Series(
            [float("nan") if v is None else float(v) for v in frame[col]],
            index=frame.index,
            dtype="float64",
        )
    out.attrs = {**frame.attrs, "money": "float (converted from Decimal)"}
    return out


def for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` fit to be written for a spreadsheet (``.to_csv()``, ``.to_excel()``):
    every text cell of every column passes through
    :func:`~contract_rules.safe_text.spreadsheet_cell` (a leading apostrophe before ``=``,
    ``+``, ``-``, ``@``, tab or CR; control and bidi-override characters escaped). Numbers,
    instants, money and missing values are kept; categoricals (status, strength, disposition)
    are fixed words and kept. ``attrs["text"]`` of the copy says ``"for spreadsheets"``; the
    frame given is not changed."""
    pd = _pd()
    out = frame.copy()
    for col in frame.columns:
        series = frame[col]
        if isinstance(series.dtype, pd.CategoricalDtype):
            continue
        if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            out[col] = pd.Series(
                [spreadsheet_cell(v) if isinstance(v, str) else v for v in series],
                index=frame.index,
                dtype=series.dtype,
            )
    out.attrs = {**frame.attrs, "text": "for spreadsheets"}
    return out
