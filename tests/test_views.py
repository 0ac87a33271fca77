"""What the notebook views contain: the HTML of reports and rulesets, attainment, the timeline."""

from __future__ import annotations

import dataclasses
import html
import math
import re
import warnings
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import matplotlib
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.figure import Figure

import contract_rules as cr
from contract_rules import figures, notebook
from contract_rules.engine import build_calendar
from contract_rules.notebook import AttainmentRow, attainment_rows, ruleset_html
from contract_rules.render import render_html

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def ruleset(tacheng_ruleset: cr.Ruleset) -> cr.Ruleset:
    return tacheng_ruleset


@pytest.fixture(scope="module")
def report(tacheng_report: cr.Report) -> cr.Report:
    return tacheng_report


def section(page: str, start: str, stop: str) -> str:
    """The part of ``page`` from the heading containing ``start`` up to ``stop``."""
    i = page.index(html.escape(start))
    return page[i : page.index(stop, i)]


# ------------------------------------------------------------------ report HTML


def test_report_html_names_every_breach(report: cr.Report) -> None:
    assert len(report.breaches) == 7
    page = report._repr_html_()
    breaches = section(page, "违约 (具约束力的义务未履行)", "<h4>")
    rows = re.findall(r"<tr><td>([^<]*)</td><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>", breaches)
    assert rows == [(o.rule, o.key or "-") for o in report.breaches]
    # a fulfilled response is in the ledger but not among the breaches
    assert "INC-001" not in breaches and "INC-001" in page


def test_report_html_counts_liability_and_events(report: cr.Report) -> None:
    page = render_html(report, "en")
    for status, n in report.counts().items():
        assert f"{status} <b>{n}</b>" in page
    assert "Breaches (violated binding duties) (7)" in page
    liability = section(page, "Liability and remedies", "<h4>")
    assert "liability.cap" in liability and "12000.00" in liability and "53600.00" in liability
    c = report.accounting.counts()
    assert f"input {c['input']}, used {c['used']}, ignored {c['ignored']}, rejected 0" in page


def test_report_html_lists_rejected_events(ruleset: cr.Ruleset) -> None:
    events = [
        {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I-1"},
        {"type": "response", "at": "2025-03-03T13:00:00+08:00", "incident": "I-1"},
        {"type": "no_such_type", "at": "2025-03-03T11:00:00+08:00"},
    ]
    rep = cr.evaluate(ruleset, events, as_of="2025-03-04T00:00:00+08:00", strict=False)
    page = render_html(rep, "en")
    assert "rejected 1" in page
    (entry,) = rep.accounting.rejected
    assert f"<li>{html.escape(entry.where)}: {html.escape(entry.reason)}</li>" in page
    assert "onsite.response" in section(page, "Breaches", "<h4>")


def test_report_html_labels_in_both_languages(report: cr.Report) -> None:
    zh, en = render_html(report, "zh"), render_html(report, "en")
    for word in ("履约评估报告", "违约", "违约责任与补偿", "事件", "已履行", "未履行"):
        assert word in zh
    for word in ("Evaluation report", "Breaches", "Liability and remedies", "Events", "fulfilled"):
        assert word in en
    assert report.language == "zh" and report._repr_html_() == zh
    english = dataclasses.replace(report, language="en")
    assert english._repr_html_() == en


# ------------------------------------------------------------------ ruleset HTML


def test_ruleset_html_lists_every_norm_with_its_clause(ruleset: cr.Ruleset) -> None:
    for lang in ("zh", "en"):
        page = ruleset_html(ruleset, lang)
        for norm in ruleset.norms:
            row = re.search(
                rf"<td[^>]*><code>{re.escape(norm.id)}</code></td><td[^>]*>([^<]*)</td>", page
            )
            assert row is not None, norm.id
            assert row.group(1) == norm.clause
        for remedy in ruleset.remedies:
            assert f"<code>{remedy.id}</code>" in page


def test_ruleset_html_names_both_parties_term_and_calendar(ruleset: cr.Ruleset) -> None:
    page = ruleset._repr_html_()
    for party in ruleset.contract.parties.values():
        assert party.name.zh and html.escape(party.name.zh) in page
        assert party.name.en and html.escape(party.name.en) in page
    assert "2024-11-18 – 2025-11-17" in page
    assert "cn-national, cn-xinjiang" in page and "09:00-18:00" in page
    assert "53600.00 CNY" in page
    assert "working_hours: 2 hours; off_hours: 6 hours" in page


def test_ruleset_html_labels_in_both_languages(ruleset: cr.Ruleset) -> None:
    zh, en = ruleset_html(ruleset, "zh"), ruleset_html(ruleset, "en")
    for word in (
        "规则集",
        "当事方",
        "服务期限",
        "工作日历",
        "义务规则",
        "条款",
        "约束性",
        "尽力而为",
    ):
        assert word in zh
    for word in ("Ruleset", "Parties", "term", "Calendar", "Norms", "clause", "best effort"):
        assert word in en
    assert ruleset.contract.language == "zh" and ruleset._repr_html_() == zh


def test_ruleset_html_escapes_text(ruleset: cr.Ruleset) -> None:
    party = ruleset.contract.parties["A"]
    evil = party.model_copy(update={"name": party.name.model_copy(update={"en": "<b>x</b>"})})
    contract = ruleset.contract.model_copy(
        update={"parties": {**ruleset.contract.parties, "A": evil}}
    )
    page = ruleset_html(ruleset.model_copy(update={"contract": contract}), "en")
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


# ------------------------------------------------------------------ attainment


def ev(kind: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "at": at + "+08:00", **fields}


SMALL = [
    # Mon 10 Feb, working hours: response due 12:00, on time; repaired -> a confirmation duty
    ev("onsite_request", "2025-02-10T10:00:00", incident="E"),
    ev("response", "2025-02-10T11:30:00", incident="E"),
    ev("fixed", "2025-02-10T15:00:00", incident="E"),
    # Mon 3 Mar 10:00, working hours: due 12:00, answered 11:00 -> met
    ev("onsite_request", "2025-03-03T10:00:00", incident="A"),
    ev("response", "2025-03-03T11:00:00", incident="A"),
    # Mon 3 Mar 14:00, working hours: due 16:00, answered 17:00 -> violated
    ev("onsite_request", "2025-03-03T14:00:00", incident="B"),
    ev("response", "2025-03-03T17:00:00", incident="B"),
    # Tue 4 Mar 22:00, off hours: due 04:00, answered 08:00, power failure -> excused (3.2 d)
    ev("onsite_request", "2025-03-04T22:00:00", incident="D"),
    ev("response", "2025-03-05T08:00:00", incident="D"),
    ev("cause_determined", "2025-03-06T10:00:00", incident="D", cause="power_failure"),
    # Sat 8 Mar, off hours: due 16:00, answered 12:00 -> met
    ev("onsite_request", "2025-03-08T10:00:00", incident="C"),
    ev("response", "2025-03-08T12:00:00", incident="C"),
    # Wed 19 Mar 23:00, off hours: due 20 Mar 05:00, after as_of -> pending
    ev("onsite_request", "2025-03-19T23:00:00", incident="F"),
]
SMALL_AS_OF = "2025-03-20T00:00:00+08:00"


@pytest.fixture(scope="module")
def small(ruleset: cr.Ruleset) -> cr.Report:
    return cr.evaluate(ruleset, SMALL, as_of=SMALL_AS_OF)


def test_small_report_is_what_the_attainment_counts_assume(small: cr.Report) -> None:
    status = {o.key: o.status for o in small.select(rule="onsite.response")}
    assert status == {
        "E": "fulfilled",
        "A": "fulfilled",
        "B": "violated",
        "D": "excused",
        "C": "fulfilled",
        "F": "pending",
    }
    # binding besides the responses: E's confirmation, the fee and the renewal inquiry (pending)
    binding = [o for o in small.obligations if o.strength == "binding"]
    assert sorted({o.rule for o in binding}) == [
        "onsite.response",
        "payment.annual_fee",
        "renewal.inquiry",
        "service.confirmation",
    ]
    # best-effort arrival and fix instances exist but are not counted
    assert any(o.strength == "best_effort" for o in small.obligations)


def test_attainment_by_rule_hand_checked(small: cr.Report) -> None:
    rows = attainment_rows(small, "rule")
    assert rows == [
        AttainmentRow("onsite.response", binding=6, met=3, violated=1, excused=1, pending=1),
        AttainmentRow("service.confirmation", binding=1, met=0, violated=0, excused=0, pending=1),
        AttainmentRow("payment.annual_fee", binding=1, met=0, violated=0, excused=0, pending=1),
        AttainmentRow("renewal.inquiry", binding=1, met=0, violated=0, excused=0, pending=1),
    ]
    assert rows[0].share_met == 0.75  # 3 met / (3 met + 1 violated); excused, pending left out
    assert rows[1].share_met is None


def test_attainment_by_tier_hand_checked(small: cr.Report) -> None:
    df = small.attainment(by="tier")
    assert list(df.columns) == list(notebook.ATTAINMENT_COLUMNS)
    assert df.attrs["by"] == "tier"
    got = {r.group: (r.binding, r.met, r.violated, r.excused, r.pending) for r in df.itertuples()}
    assert got == {
        "working_hours": (3, 2, 1, 0, 0),  # E, A met; B violated
        "off_hours": (3, 1, 0, 1, 1),  # C met; D excused; F pending
        "(none)": (3, 0, 0, 0, 3),  # confirmation, fee, renewal
    }
    share = dict(zip(df["group"], df["share_met"], strict=True))
    assert share["working_hours"] == pytest.approx(2 / 3)
    assert share["off_hours"] == 1.0
    assert math.isnan(share["(none)"])
    assert str(df["binding"].dtype) == "int64" and str(df["share_met"].dtype) == "float64"


def test_attainment_by_month_hand_checked(small: cr.Report) -> None:
    df = small.attainment(by="month")
    got = {r.group: (r.binding, r.met, r.violated, r.excused, r.pending) for r in df.itertuples()}
    assert got == {
        "2024-11": (2, 0, 0, 0, 2),  # fee and renewal arise at the term's start
        "2024-12": (0, 0, 0, 0, 0),  # months without binding instances are listed
        "2025-01": (0, 0, 0, 0, 0),
        "2025-02": (2, 1, 0, 0, 1),  # E's response met, its confirmation pending
        "2025-03": (5, 2, 1, 1, 1),
    }
    assert list(df["group"]) == sorted(got)
    share = dict(zip(df["group"], df["share_met"], strict=True))
    assert share["2025-03"] == pytest.approx(2 / 3) and share["2025-02"] == 1.0
    assert math.isnan(share["2024-12"])


def test_attainment_rejects_unknown_grouping(small: cr.Report) -> None:
    with pytest.raises(ValueError, match="month"):
        small.attainment(by="week")  # type: ignore[arg-type]


def test_attainment_of_the_year_adds_up(report: cr.Report) -> None:
    df = report.attainment(by="rule")
    binding = [o for o in report.obligations if o.strength == "binding"]
    assert int(df["binding"].sum()) == len(binding)
    assert int(df["violated"].sum()) == len(report.breaches)
    assert "onsite.arrival" not in set(df["group"])  # best effort only
    resp = df.set_index("group").loc["onsite.response"]
    assert (resp["met"], resp["violated"], resp["excused"]) == (37, 6, 3)
    for by in ("month", "tier"):
        assert int(report.attainment(by=by)["binding"].sum()) == len(binding)


# ------------------------------------------------------------------ timeline


def artist(ax: Axes, gid: str) -> PathCollection:
    (found,) = [c for c in ax.collections if c.get_gid() == gid]
    assert isinstance(found, PathCollection)
    return found


def shaded_days(ax: Axes) -> list[date]:
    days = []
    for p in ax.patches:
        if p.get_gid() != notebook.GID_NON_WORKING:
            continue
        x0, x1 = p.get_bbox().x0, p.get_bbox().x1
        start = matplotlib.dates.num2date(x0, tz=TZ)
        assert matplotlib.dates.num2date(x1, tz=TZ) - start <= timedelta(days=1)
        days.append(start.date())
    return days


JAN_FEB_2025_OFF = [
    # New Year; weekends (Sun 26 Jan and Sat 8 Feb are adjusted working days); Spring Festival
    date(2025, 1, d)
    for d in (1, 4, 5, 11, 12, 18, 19, 25, 28, 29, 30, 31)
] + [date(2025, 2, d) for d in (1, 2, 3, 4, 9, 15, 16, 22, 23)]


def test_timeline_one_request_mark_per_instance_and_one_span_per_rest_day(
    report: cr.Report,
) -> None:
    fig = report.plot_timeline(rules="onsite.response", start="2025-01-01", end="2025-03-01")
    assert isinstance(fig, Figure)
    (ax,) = fig.axes
    shown = [
        o
        for o in report.select(rule="onsite.response")
        if datetime(2025, 1, 1, tzinfo=TZ) <= o.trigger_at < datetime(2025, 3, 1, tzinfo=TZ)
    ]
    assert [o.key for o in shown] == [f"INC-{n:03d}" for n in range(8, 16)]
    requests = artist(ax, notebook.GID_REQUEST)
    assert len(requests.get_offsets()) == len(shown)
    xs = [float(x) for x, _ in requests.get_offsets()]
    assert xs == [float(matplotlib.dates.date2num(o.trigger_at)) for o in shown]
    # coloured by status: INC-013's late response is red, the others are not
    colours = [matplotlib.colors.to_hex(c) for c in requests.get_facecolors()]
    assert colours == [notebook.STATUS_COLOURS[o.status] for o in shown]
    assert colours[[o.key for o in shown].index("INC-013")] == notebook.STATUS_COLOURS["violated"]
    assert len(artist(ax, notebook.GID_DUE).get_offsets()) == sum(o.due is not None for o in shown)
    assert len(artist(ax, notebook.GID_FULFILMENT).get_offsets()) == sum(
        o.fulfilled_at is not None for o in shown
    )
    assert [t.get_text() for t in ax.get_yticklabels()] == [o.key for o in shown]
    # exactly the non-working days of the range, each shaded once
    assert shaded_days(ax) == JAN_FEB_2025_OFF
    cal = build_calendar(report.ruleset)  # type: ignore[arg-type]
    expected = [
        date(2025, 1, 1) + timedelta(days=i)
        for i in range(59)
        if not cal.is_working_day(date(2025, 1, 1) + timedelta(days=i))
    ]
    assert shaded_days(ax) == expected
    # the x axis is the range
    lo, hi = ax.get_xlim()
    assert matplotlib.dates.num2date(lo, tz=TZ) == datetime(2025, 1, 1, tzinfo=TZ)
    assert matplotlib.dates.num2date(hi, tz=TZ) == datetime(2025, 3, 1, tzinfo=TZ)


def test_timeline_bars_are_coloured_by_status(report: cr.Report) -> None:
    fig = report.plot_timeline(start="2025-01-26", end="2025-02-10")
    ax = fig.axes[0]
    shown = [
        o for o in report.obligations if o.trigger_at.astimezone(TZ).date() >= date(2025, 1, 26)
    ]
    shown = [o for o in shown if o.trigger_at < datetime(2025, 2, 10, tzinfo=TZ)]
    bars = [c for c in ax.collections if isinstance(c, LineCollection)]
    by_label = {c.get_label(): len(c.get_segments()) for c in bars}
    expected: dict[str, int] = {}
    for o in shown:
        expected[o.status] = expected.get(o.status, 0) + 1
    assert by_label == expected
    assert len(artist(ax, notebook.GID_REQUEST).get_offsets()) == len(shown)


def test_timeline_default_range_and_calendar_arguments(
    report: cr.Report, ruleset: cr.Ruleset
) -> None:
    fig = notebook.plot_timeline(report, ruleset, rules=["renewal.inquiry", "payment.annual_fee"])
    ax = fig.axes[0]
    assert len(artist(ax, notebook.GID_REQUEST).get_offsets()) == 2
    lo, hi = (matplotlib.dates.num2date(x, tz=TZ) for x in ax.get_xlim())
    assert lo == datetime(2024, 11, 18, tzinfo=TZ)  # midnight of the first trigger
    payment = report.find("payment.annual_fee")
    assert payment.fulfilled_at is not None
    last = max(payment.due or payment.trigger_at, payment.fulfilled_at)
    assert hi == datetime.combine(
        last.astimezone(TZ).date() + timedelta(days=1), datetime.min.time(), TZ
    )
    n_days = (hi - lo).days
    cal = build_calendar(ruleset)
    assert len(shaded_days(ax)) == sum(
        not cal.is_working_day(lo.date() + timedelta(days=i)) for i in range(n_days)
    )


def test_timeline_needs_a_calendar(report: cr.Report) -> None:
    bare = dataclasses.replace(report, ruleset=None)
    with pytest.raises(ValueError, match="calendar"):
        bare.plot_timeline(rules="onsite.response")
    fig = bare.plot_timeline(build_calendar(report.ruleset), rules="onsite.response")  # type: ignore[arg-type]
    assert len(artist(fig.axes[0], notebook.GID_REQUEST).get_offsets()) == 46


def test_timeline_rejects_unknown_rules_and_empty_ranges(report: cr.Report) -> None:
    with pytest.raises(ValueError, match="unknown norm"):
        report.plot_timeline(rules="no.such.rule")
    with pytest.raises(ValueError, match="empty"):
        report.plot_timeline(start="2025-03-01", end="2025-03-01")


def test_timeline_into_given_axes_and_empty_range(report: cr.Report) -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert (
        report.plot_timeline(rules="onsite.response", start="2027-01-01", end="2027-01-08", ax=ax)
        is fig
    )
    assert not [c for c in ax.collections if c.get_gid() == notebook.GID_REQUEST]
    assert any("no instances" in t.get_text() for t in ax.texts)
    # 2027 lies outside the calendar's data: nothing shaded, and the figure says so
    assert shaded_days(ax) == []
    assert "no calendar data for 7 day(s)" in ax.get_xlabel()


def test_timeline_labels_in_chinese(report: cr.Report, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(figures, "_cjk_font", lambda: "DejaVu Sans")
    fig = report.plot_timeline(
        rules="onsite.response", start="2025-01-01", end="2025-03-01", lang="zh"
    )
    ax = fig.axes[0]
    legend = ax.get_legend()
    assert legend is not None
    texts = [t.get_text() for t in legend.get_texts()]
    assert {"非工作日", "已履行", "未履行", "请求", "期限", "履行"} <= set(texts)
    assert ax.get_title(loc="left").startswith("时间线: 医院综合运营管理系统运维服务协议")


def test_timeline_falls_back_to_english_without_a_chinese_font(
    report: cr.Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "_cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = report.plot_timeline(rules="onsite.response", start="2025-01-01", lang="zh")
    assert any("Chinese glyphs" in str(w.message) for w in caught)
    legend = fig.axes[0].get_legend()
    assert legend is not None
    assert "non-working day" in [t.get_text() for t in legend.get_texts()]


def test_timeline_figure_outside_ipython_uses_agg_without_pyplot(report: cr.Report) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    fig = report.plot_timeline(rules="onsite.response", start="2025-01-01", end="2025-02-01")
    assert isinstance(fig.canvas, FigureCanvasAgg)
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    assert buf.getvalue()[:4] == b"\x89PNG"
