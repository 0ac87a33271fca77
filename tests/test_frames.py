"""The pandas frames of a report: row counts, dtypes, exact money."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

import contract_rules as cr
from contract_rules.frames import (
    accounting_frame,
    breaches_frame,
    liability_frame,
    money_as_float,
    obligations_frame,
)

# The frames need pandas (the "notebook" extra); without it this module is skipped, not failed.
pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"
ZONE = "Asia/Shanghai"


@pytest.fixture(scope="module")
def report(tacheng_report: cr.Report) -> cr.Report:
    return tacheng_report


def assert_zoned(series: pd.Series) -> None:
    assert isinstance(series.dtype, pd.DatetimeTZDtype), series.dtype
    assert str(series.dtype.tz) == ZONE


def test_one_row_per_instance_in_report_order(report: cr.Report) -> None:
    df = report.to_pandas()
    assert len(df) == len(report.obligations)
    assert list(df["rule"]) == [o.rule for o in report.obligations]
    assert list(df["nth"]) == [o.nth for o in report.obligations]
    assert df.attrs["timezone"] == ZONE


def test_instants_are_zoned_and_exact(report: cr.Report) -> None:
    df = obligations_frame(report)
    for col in ("trigger_at", "due", "fulfilled_at"):
        assert_zoned(df[col])
    first = report.obligations[0]
    assert df["trigger_at"].iloc[0].to_pydatetime() == first.trigger_at
    assert df["trigger_at"].iloc[0].utcoffset().total_seconds() == 8 * 3600
    # no due (written confirmation, the prohibition) and not fulfilled are NaT, not dropped
    no_due = [i for i, o in enumerate(report.obligations) if o.due is None]
    assert no_due and df["due"].iloc[no_due].isna().all()
    assert df["fulfilled_at"].isna().sum() == sum(
        o.fulfilled_at is None for o in report.obligations
    )


def test_status_and_strength_are_categoricals_with_every_level(report: cr.Report) -> None:
    df = report.to_pandas()
    assert isinstance(df["status"].dtype, pd.CategoricalDtype)
    assert list(df["status"].cat.categories) == ["pending", "fulfilled", "violated", "excused"]
    assert isinstance(df["strength"].dtype, pd.CategoricalDtype)
    assert list(df["strength"].cat.categories) == ["binding", "best_effort"]
    counts = df["status"].value_counts()
    assert {s: int(counts[s]) for s in counts.index} == report.counts()


def test_all_levels_present_even_when_unused() -> None:
    ruleset = cr.load_ruleset(RULES)
    one = [{"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I"}]
    rep = cr.evaluate(ruleset, one, as_of="2025-03-03T10:30:00+08:00")
    df = rep.to_pandas()
    assert set(df["status"]) == {"pending"}
    assert list(df["status"].cat.categories) == ["pending", "fulfilled", "violated", "excused"]
    assert (df["status"].value_counts() == 0).sum() == 3


def test_text_columns_and_breach_flag(report: cr.Report) -> None:
    df = report.to_pandas()
    for col in ("rule", "kind", "clause", "party", "key", "tier", "reason", "title_en"):
        assert isinstance(df[col].dtype, pd.StringDtype), col
    assert df["breach"].dtype == bool
    assert int(df["breach"].sum()) == len(report.breaches)


def test_breaches_frame(report: cr.Report) -> None:
    b = breaches_frame(report)
    assert len(b) == len(report.breaches) == len(report.breaches_frame())
    pairs = [(r, None if pd.isna(k) else k) for r, k in zip(b["rule"], b["key"], strict=True)]
    assert pairs == [(o.rule, o.key) for o in report.breaches]
    assert (b["status"] == "violated").all() and (b["strength"] == "binding").all()
    assert list(b.index) == list(range(len(b)))
    assert_zoned(b["due"])


def test_liability_money_stays_decimal(report: cr.Report) -> None:
    lf = liability_frame(report)
    assert len(lf) == len(report.liability) == len(report.liability_frame())
    assert lf.attrs["money"] == "decimal"
    for col in ("claimed", "compensable", "cap", "payable"):
        assert lf[col].dtype == object
        # an uncapped remedy (8.1) has no cap: None, never a float
        assert all(isinstance(v, Decimal) or (col == "cap" and v is None) for v in lf[col]), col
    line = report.liability.lines[0]
    assert lf["payable"].iloc[0] == line.payable == Decimal("12000.00")
    assert lf["cap"].iloc[0] == Decimal("53600.00")
    assert_zoned(lf["period_start"])
    assert_zoned(lf["period_end"])
    assert lf["period_start"].iloc[0].isoformat() == "2024-11-18T00:00:00+08:00"


def test_money_as_float_is_explicit_and_leaves_the_frame(report: cr.Report) -> None:
    lf = report.liability_frame()
    fl = money_as_float(lf)
    assert fl["payable"].dtype == "float64" and fl["payable"].iloc[0] == 12000.0
    assert fl.attrs["money"] == "float (converted from Decimal)"
    assert isinstance(lf["payable"].iloc[0], Decimal)  # the original is unchanged


def test_accounting_frame(report: cr.Report) -> None:
    af = accounting_frame(report)
    acc = report.accounting
    assert len(af) == len(acc.ignored) + len(acc.rejected) == len(report.accounting_frame())
    assert list(af["disposition"].cat.categories) == ["used", "ignored", "rejected"]
    assert list(af["index"]) == sorted(af["index"])
    assert_zoned(af["at"])
    assert af.attrs["counts"] == acc.counts()
    assert af.attrs["counts"]["input"] == 249


def test_rejected_events_are_rows() -> None:
    ruleset = cr.load_ruleset(RULES)
    events = [
        {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I"},
        {"type": "no_such_type", "at": "2025-03-03T11:00:00+08:00"},
    ]
    rep = cr.evaluate(ruleset, events, as_of="2025-03-04T00:00:00+08:00", strict=False)
    af = rep.accounting_frame()
    assert list(af["disposition"].astype(str)) == ["rejected"]
    assert af["index"].iloc[0] == 1


def test_empty_report_keeps_dtypes() -> None:
    rep = cr.evaluate(cr.load_ruleset(RULES), [], as_of="2024-01-01T00:00:00+08:00")
    assert rep.obligations == ()
    df = rep.to_pandas()
    assert len(df) == 0
    assert_zoned(df["trigger_at"])
    assert list(df["status"].cat.categories) == ["pending", "fulfilled", "violated", "excused"]
    assert len(rep.liability_frame()) == len(rep.liability)
    assert len(rep.accounting_frame()) == 0
