"""The dashboard's data and drawing, and the timeline's windows, rows and bounds."""

from __future__ import annotations

import dataclasses
import io
import warnings
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from matplotlib.figure import Figure

import contract_rules as cr
from contract_rules import dashboard, figures, notebook
from contract_rules.model import Ruleset

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def report(tacheng_report: cr.Report) -> cr.Report:
    return tacheng_report


def png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    return buf.getvalue()


# ------------------------------------------------------------------ timeline: keys and rows


def test_timeline_keys_select_rows_and_duties_share_a_row(report: cr.Report) -> None:
    fig = report.plot_timeline(keys=["INC-012", "INC-013"])
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["INC-012", "INC-013"]
    shown = [o for o in report.obligations if o.key in {"INC-012", "INC-013"}]
    requests = [c for c in ax.collections if c.get_gid() == notebook.GID_REQUEST]
    assert len(requests[0].get_offsets()) == len(shown)
    # the duties of one key lie in lanes inside its row (between -0.5 and 0.5 of it)
    ys = sorted({round(float(y), 6) for _, y in requests[0].get_offsets()})
    assert len(ys) == len(shown) and all(-0.5 < y < 1.5 for y in ys)


def test_timeline_unknown_key_and_bad_max_rows(report: cr.Report) -> None:
    with pytest.raises(ValueError, match=r"unknown key.*'INC-999'"):
        report.plot_timeline(keys="INC-999")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_rows"):
            report.plot_timeline(max_rows=bad)  # type: ignore[arg-type]


def test_timeline_max_rows_draws_the_first_rows_and_says_how_many(report: cr.Report) -> None:
    every = notebook.timeline_data(report, max_rows=None)
    assert every.hidden_rows == 0
    fig = report.plot_timeline(max_rows=5)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == every.row_labels[:5]
    assert f"5 of {len(every.row_labels)} rows shown" in ax.get_xlabel()
    drawn = next(c for c in ax.collections if c.get_gid() == notebook.GID_REQUEST)
    assert len(drawn.get_offsets()) == sum(r.row < 5 for r in every.rows)


def test_timeline_shades_nights_only_in_a_short_window(report: cr.Report) -> None:
    short = notebook.timeline_data(report, start="2025-03-03", end="2025-03-08")  # Mon..Fri
    # every working day: midnight to 09:00 and 18:00 to midnight
    assert [(a.hour, b.hour) for a, b in short.off_hours] == [(0, 9), (18, 0)] * 5
    assert short.non_working == []
    long = notebook.timeline_data(report, start="2025-03-01", end="2025-05-01")
    assert long.off_hours == [] and long.non_working


# ------------------------------------------------------------------ timeline: hostile data


def with_key(report: cr.Report, key: str) -> tuple[cr.Report, str, str]:
    """The report with its first on-site response keyed ``key``, and a day around it."""
    i, first = next((i, o) for i, o in enumerate(report.obligations) if o.rule == "onsite.response")
    obligations = list(report.obligations)
    obligations[i] = dataclasses.replace(first, key=key)
    day = first.trigger_at.astimezone(TZ).date()
    return (
        dataclasses.replace(report, obligations=tuple(obligations)),
        day.isoformat(),
        (day + timedelta(days=1)).isoformat(),
    )


def test_timeline_keys_are_plain_text_not_mathtext(report: cr.Report) -> None:
    bad, lo, hi = with_key(report, "$\\undefinedcmd$")
    fig = bad.plot_timeline(rules="onsite.response", start=lo, end=hi)
    assert png(fig)[:4] == b"\x89PNG"  # mathtext would raise while drawing
    dollars, lo, hi = with_key(report, "INC-$1$")
    fig = dollars.plot_timeline(rules="onsite.response", start=lo, end=hi)
    (label,) = fig.axes[0].get_yticklabels()
    assert label.get_text() == "INC-$1$" and not label.get_parse_math()


def test_timeline_bounds_what_is_shaded_for_a_far_due(report: cr.Report) -> None:
    pending = next(o for o in report.obligations if o.rule == "onsite.response")
    far = dataclasses.replace(
        pending,
        status="pending",
        fulfilled_at=None,
        due=pending.trigger_at + timedelta(days=365 * 100),
    )
    century = dataclasses.replace(report, obligations=(far,))
    tl = notebook.timeline_data(century)
    assert tl.non_working == [] and tl.uncovered == 0
    assert any("not shaded" in n for n in tl.notes)
    fig = century.plot_timeline()
    assert not [p for p in fig.axes[0].patches if p.get_gid() == notebook.GID_NON_WORKING]
    assert png(fig)[:4] == b"\x89PNG"


# ------------------------------------------------------------------ dashboard


def test_dashboard_data_counts_every_decided_instance(report: cr.Report) -> None:
    data = dashboard.dashboard_data(report)
    assert sum(data.breaches) == len(report.breaches)
    drawn = {nm.norm: nm for nm in data.attainment}
    for norm in {o.rule for o in report.obligations}:
        decided = [
            o
            for o in report.obligations
            if o.rule == norm and o.status in ("fulfilled", "violated")
        ]
        if norm in drawn:
            assert sum(drawn[norm].decided) == len(decided)
        elif decided:
            assert norm in data.single_month
    times = {(t.norm, t.tier): t for t in data.times}
    kinds = {n.id: n.kind for n in report.ruleset.norms}  # type: ignore[union-attr]
    assert {kinds[t.norm] for t in data.times} == {"obligation"}  # a permission has no target
    response = [o for o in report.obligations if o.rule == "onsite.response"]
    for tier in ("working_hours", "off_hours"):
        t = times[("onsite.response", tier)]
        fulfilled = [o for o in response if o.tier == tier and o.fulfilled_at is not None]
        assert len(t.values) == len(fulfilled) and t.unit == "hours"
        assert t.values == tuple(
            (o.fulfilled_at - o.trigger_at) / timedelta(hours=1) for o in fulfilled
        )  # type: ignore[operator]


def test_dashboard_measures_working_hours_in_working_hours(
    report: cr.Report, tacheng_ruleset: Ruleset
) -> None:
    data = tacheng_ruleset.model_dump(by_alias=True, exclude_unset=True)
    norm = next(n for n in data["norms"] if n["id"] == "onsite.response")
    norm["tiers"][0]["deadline"] = {"working_hours": 2}
    variant = Ruleset.model_validate(data)
    again = cr.evaluate(variant, "examples/tacheng_events_2025.jsonl", as_of=report.as_of)
    t = next(t for t in dashboard.dashboard_data(again).times if t.tier == "working_hours")
    assert t.unit == "working_hours" and t.target == 2.0
    from contract_rules.calendar import build_calendar

    cal = build_calendar(variant)
    fulfilled = [
        o
        for o in again.obligations
        if o.rule == "onsite.response" and o.tier == "working_hours" and o.fulfilled_at
    ]
    assert t.values == tuple(
        cal.working_time_between(o.trigger_at, o.fulfilled_at) / timedelta(hours=1)  # type: ignore[arg-type]
        for o in fulfilled
    )
    fig = again.plot_dashboard()
    ax = next(
        a for a in fig.axes if a.get_label() == "time-to-fulfil:onsite.response:working_hours"
    )
    assert ax.get_ylabel() == "working hours"


def test_dashboard_in_chinese_falls_back_with_a_warning(
    report: cr.Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(figures, "_cjk_font", lambda: None)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig = report.plot_dashboard(lang="zh")
    assert any("Chinese glyphs" in str(w.message) for w in caught)
    att = next(a for a in fig.axes if a.get_label() == dashboard.AXES_ATTAINMENT)
    assert att.get_title(loc="left").startswith("Share met")
    monkeypatch.setattr(figures, "_cjk_font", lambda: "DejaVu Sans")
    fig = report.plot_dashboard(lang="zh")
    att = next(a for a in fig.axes if a.get_label() == dashboard.AXES_ATTAINMENT)
    assert att.get_title(loc="left").startswith("各月各义务达标率")


def test_dashboard_needs_a_ruleset(report: cr.Report) -> None:
    bare = dataclasses.replace(report, ruleset=None)
    with pytest.raises(ValueError, match="ruleset"):
        bare.plot_dashboard()
    assert isinstance(bare.plot_dashboard(report.ruleset), Figure)


def test_ruleset_equals_its_json_round_trip(tacheng_ruleset: Ruleset) -> None:
    again = Ruleset.model_validate_json(tacheng_ruleset.model_dump_json(by_alias=True))
    assert again == tacheng_ruleset
    assert again.__ne__(tacheng_ruleset) is False
    data = tacheng_ruleset.model_dump(by_alias=True)
    data["contract"]["id"] = "other"
    assert Ruleset.model_validate(data) != tacheng_ruleset
    assert tacheng_ruleset != "not a ruleset"
