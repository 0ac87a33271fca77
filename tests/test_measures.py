"""Measures over periods: availability per calendar month from outage and maintenance spans,
the exclusion of announced maintenance, the schedule (around the clock or working hours), the
credit a remedy computes from it, the report's JSON, text and explain, and the property that a
measure is the same in batch, incremental and streaming evaluation and equals a count of
minutes done independently."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Context, Decimal
from pathlib import Path
from typing import Any

import pytest
from _cli import run
from _helpers import ROOT, in_every_mode, rule_data, yaml_text
from hypothesis import given, settings
from hypothesis import strategies as st

from contract_rules import evaluate, load_ruleset
from contract_rules.engine import compile_ruleset
from contract_rules.measures import clipped, merged, minus
from contract_rules.render import render_markdown, render_table
from contract_rules.report import MeasurePeriod, Report
from contract_rules.rulefile import read_rule_text
from contract_rules.scenarios import run_scenarios

HOSTING = ROOT / "examples" / "hosting_agreement.yaml"
TZ8 = "+08:00"


def hosting(**changes: Any) -> dict[str, Any]:
    """The hosting example's data without scenarios, with ``changes`` to its measure."""
    data = rule_data(HOSTING)
    data.pop("scenarios")
    data["measures"][0].update(changes)
    return data


def t(s: str) -> datetime:
    return datetime.fromisoformat(s + TZ8)


def outage(ev_id: str, at: str, incident: str, *, end: bool = False) -> dict[str, Any]:
    kind = "outage_end" if end else "outage_start"
    return {"id": ev_id, "type": kind, "at": at + TZ8, "incident": incident}


def maintenance(ev_id: str, at: str, window: str, announced: str | None = None) -> dict[str, Any]:
    if announced is None:
        return {"id": ev_id, "type": "maintenance_end", "at": at + TZ8, "window": window}
    return {
        "id": ev_id,
        "type": "maintenance_start",
        "at": at + TZ8,
        "window": window,
        "announced_at": announced + TZ8,
    }


def frac(a: int, b: int) -> Decimal:
    """a / b as the measures divide: to 40 digits."""
    return Context(prec=40).divide(Decimal(a), Decimal(b))


def the(rep: Report, period: int) -> MeasurePeriod:
    return next(m for m in rep.measures if m.period == period)


RS = load_ruleset(yaml_text(hosting()))
COMPILED = compile_ruleset(RS)


# --------------------------------------------------------------------------- the example


def test_the_hosting_agreement_checks_clean_and_its_scenarios_pass() -> None:
    result = read_rule_text(HOSTING.read_text(encoding="utf-8"), str(HOSTING))
    assert result.findings == []
    assert result.ruleset is not None
    results = run_scenarios(result.ruleset)
    assert len(results) >= 6
    assert all(r.passed for r in results), [(r.name, r.mismatches, r.error) for r in results]


def test_a_scenario_expecting_another_measure_fails_saying_both() -> None:
    text = HOSTING.read_text(encoding="utf-8").replace('value: "99.797"', 'value: "99.798"')
    ruleset = read_rule_text(text, "h.yaml").ruleset
    assert ruleset is not None
    failed = [r for r in run_scenarios(ruleset) if not r.passed]
    assert len(failed) == 1
    said = str(failed[0].mismatches[0])
    assert "expected 99.798 %, got 99.797 %" in said
    assert "scheduled 744 h − excluded 4 h = 740 h; down 1.5 h → 99.797 %" in said


# --------------------------------------------------------------------------- intervals


def test_intervals_merge_subtract_and_clip() -> None:
    a, b, c, d = (
        t("2025-03-01T00:00"),
        t("2025-03-01T02:00"),
        t("2025-03-01T03:00"),
        t("2025-03-01T05:00"),
    )
    assert merged([(c, d), (a, b), (b, c), (d, d)]) == [(a, d)]
    assert minus([(a, d)], [(b, c)]) == [(a, b), (c, d)]
    assert minus([(a, b)], [(a, d)]) == []
    assert clipped([(a, d)], b, c) == [(b, c)]


# --------------------------------------------------------------------------- arithmetic


def test_an_outage_inside_announced_maintenance_is_not_down_twice() -> None:
    """Maintenance 02:00-06:00 announced 3 days ahead (excluded); an outage 05:00-07:00 is down
    only from 06:00: (740 - 1) / 740."""
    events = [
        maintenance("M1", "2025-03-15T02:00:00", "MW-1", "2025-03-12T02:00:00"),
        outage("O1", "2025-03-15T05:00:00", "INC-1"),
        maintenance("M2", "2025-03-15T06:00:00", "MW-1"),
        outage("O2", "2025-03-15T07:00:00", "INC-1", end=True),
    ]
    rep = evaluate(COMPILED, events, "2025-04-01T00:00:00+08:00")
    march = the(rep, 3)
    assert (march.scheduled, march.excluded, march.down) == (
        timedelta(hours=744),
        timedelta(hours=4),
        timedelta(hours=1),
    )
    assert march.value == frac(739, 740)
    assert march.arithmetic().startswith("scheduled 744 h − excluded 4 h = 740 h; down 1 h →")
    line = next(ln for ln in rep.liability if ln.period == 3)
    assert line.payable == Decimal("400.00")


def test_working_hours_schedule_counts_only_working_time() -> None:
    """March 2025 has 21 working days of 09:00-18:00 (189 h). An outage from Monday 10 March
    17:00 to Tuesday 11 March 10:00 is down for 17-18 and 09-10, 2 h: 187 / 189."""
    rs = compile_ruleset(load_ruleset(yaml_text(hosting(schedule="working_hours"))))
    events = [
        outage("O1", "2025-03-10T17:00:00", "INC-1"),
        outage("O2", "2025-03-11T10:00:00", "INC-1", end=True),
    ]
    march = the(evaluate(rs, events, "2025-04-01T00:00:00+08:00"), 3)
    assert march.scheduled == timedelta(hours=189)
    assert march.down == timedelta(hours=2)
    assert march.value == frac(187, 189)
    assert march.percent == "98.941 %"


def test_an_exclusion_that_cannot_be_evaluated_excludes_nothing_and_says_why() -> None:
    data = hosting()
    data["events"]["maintenance_start"]["fields"]["announced_at"]["required"] = False
    rs = compile_ruleset(load_ruleset(yaml_text(data)))
    events = [
        {
            "id": "M1",
            "type": "maintenance_start",
            "at": "2025-03-15T02:00:00+08:00",
            "window": "MW-1",
        },
        maintenance("M2", "2025-03-15T06:00:00", "MW-1"),
    ]
    march = the(evaluate(rs, events, "2025-04-01T00:00:00+08:00"), 3)
    assert march.excluded == timedelta(0) and march.down == timedelta(hours=4)
    assert any("not excluded" in s and "announced_at" in s for s in march.spans), march.spans


def test_a_month_before_as_of_ends_is_measured_so_far_and_earns_nothing_yet() -> None:
    events = [outage("O1", "2025-03-10T00:00:00", "INC-1")]
    rep = evaluate(COMPILED, events, "2025-03-11T00:00:00+08:00")
    march = the(rep, 3)
    assert not march.complete and march.until == t("2025-03-11T00:00:00")
    assert march.scheduled == timedelta(days=10) and march.down == timedelta(days=1)
    assert "so far" in march.arithmetic()
    assert [ln.period for ln in rep.liability] == [1, 2]
    assert [m.period for m in rep.measures] == [1, 2, 3]


def test_no_measure_before_the_term() -> None:
    rep = evaluate(COMPILED, [], "2024-12-01T00:00:00+08:00")
    assert rep.measures == () and "measures" not in json.loads(rep.to_json())


# --------------------------------------------------------------------------- outputs


def _march_report() -> Report:
    rs = load_ruleset(HOSTING)
    sc = next(s for s in rs.scenarios if s.name.startswith("announced maintenance"))
    return evaluate(rs, sc.events, sc.as_of)


def test_the_measures_travel_in_json_and_come_back_equal() -> None:
    rep = _march_report()
    doc = json.loads(rep.to_json())
    march = doc["measures"][2]
    assert march["scheduled_seconds"] == "2678400" and march["excluded_seconds"] == "14400"
    assert march["down_seconds"] == "5400" and march["percent"] == "99.797 %"
    assert Decimal(march["value"]) == the(rep, 3).value
    back = Report.from_json(rep.to_json())
    assert back.measures == rep.measures
    assert json.loads(back.to_json())["measures"] == doc["measures"]


def test_a_damaged_measure_in_json_is_refused_with_its_path() -> None:
    doc = json.loads(_march_report().to_json())
    doc["measures"][0]["down_seconds"] = "-5"
    with pytest.raises(Exception, match=r"measures\[0\].down_seconds"):
        Report.from_json(json.dumps(doc))


def test_the_text_and_markdown_reports_show_the_measures_with_their_arithmetic() -> None:
    rep = _march_report()
    text = render_table(rep)
    assert "== Measures per period" in text
    assert "scheduled 744 h − excluded 4 h = 740 h; down 1.5 h → 99.797 %" in text
    assert "maintenance [MW-1] (M1) 2025-03-15 02:00 – 2025-03-15 06:00: excluded" in text
    assert "## Measures per period" in render_markdown(rep)


def test_explain_a_measure_shows_its_arithmetic_and_the_credit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    rs = load_ruleset(HOSTING)
    sc = next(s for s in rs.scenarios if s.name.startswith("announced maintenance"))
    path = tmp_path / "ev.jsonl"
    path.write_text("".join(json.dumps(e, default=str) + "\n" for e in sc.events), "utf-8")
    args = ("explain", HOSTING, path, "--as-of", "2025-04-01T00:00:00+08:00")
    code, out, _ = run(capsys, *args, "--rule", "availability", "--key", "2025-03")
    assert code == 0
    assert "scheduled 744 h − excluded 4 h = 740 h; down 1.5 h → 99.797 %" in out
    assert "10 % × 4,000.00 CNY = 400.00 CNY" in out
    code, out, err = run(capsys, *args, "--rule", "availability", "--key", "2025-3")
    assert code != 0 and "no period '2025-3'; did you mean '2025-03'" in out + err
    code, out, _ = run(capsys, *args, "--rule", "availability", "--format", "json")
    assert code == 0 and len(json.loads(out)["periods"]) == 3


# --------------------------------------------------------------------------- findings


def test_measure_findings_are_located() -> None:
    data = hosting(down=["outages"])
    data["remedies"][0]["period"] = "service_year"
    found = {(f.code, f.location.line) for f in read_rule_text(yaml_text(data), "m.yaml").findings}
    assert {code for code, _ in found} == {"CR501", "CR503"}


# --------------------------------------------------------------------------- the property

_START = datetime.fromisoformat("2025-01-01T00:00:00+08:00")
_MINUTES = 120 * 24 * 60  # January to April


@st.composite
def spans(draw: st.DrawFn) -> list[tuple[str, int, int | None, int | None]]:
    """Outages and maintenance windows in minutes from 2025-01-01: (kind, start, end or None
    while open, for maintenance the minutes it was announced ahead)."""
    out = []
    for _ in range(draw(st.integers(0, 6))):
        kind = draw(st.sampled_from(["outage", "maintenance"]))
        start = draw(st.integers(0, _MINUTES - 1))
        length = draw(st.integers(0, 4 * 24 * 60))
        end = None if draw(st.integers(0, 9)) == 0 else min(start + length, _MINUTES)
        ahead = draw(st.integers(0, 96 * 60)) if kind == "maintenance" else None
        out.append((kind, start, end, ahead))
    return out


def _events(drawn: list[tuple[str, int, int | None, int | None]]) -> list[dict[str, Any]]:
    def at(m: int) -> str:
        return (_START + timedelta(minutes=m)).isoformat()

    events: list[tuple[int, int, dict[str, Any]]] = []
    for k, (kind, start, end, ahead) in enumerate(drawn):
        if kind == "outage":
            first = {"type": "outage_start", "incident": f"INC-{k}"}
            last = {"type": "outage_end", "incident": f"INC-{k}"}
        else:
            assert ahead is not None
            announced = at(start - ahead)
            first = {"type": "maintenance_start", "window": f"MW-{k}", "announced_at": announced}
            last = {"type": "maintenance_end", "window": f"MW-{k}"}
        events.append((start, 2 * k, {"id": f"S{k}", "at": at(start), **first}))
        if end is not None:
            events.append((end, 2 * k + 1, {"id": f"E{k}", "at": at(end), **last}))
    return [e for _, _, e in sorted(events, key=lambda x: (x[0], x[1]))]


def _minutes_down(
    drawn: list[tuple[str, int, int | None, int | None]], as_of: int
) -> tuple[set[int], set[int]]:
    """The oracle: the minutes down (outages, and maintenance announced late) and excluded
    (maintenance announced 48 h or more ahead), by plain sets of minutes."""
    down: set[int] = set()
    excluded: set[int] = set()
    for kind, start, end, ahead in drawn:
        stop = as_of if end is None else min(end, as_of)
        minutes = set(range(start, stop))
        if kind == "maintenance" and ahead is not None and ahead >= 48 * 60:
            excluded |= minutes
        else:
            down |= minutes
    return down - excluded, excluded


@settings(max_examples=40, deadline=None)
@given(drawn=spans(), as_of_day=st.integers(1, 125))
def test_measures_agree_in_every_mode_and_with_a_count_of_minutes(
    drawn: list[tuple[str, int, int | None, int | None]], as_of_day: int
) -> None:
    events = _events(drawn)
    as_of_min = as_of_day * 24 * 60
    as_of = _START + timedelta(minutes=as_of_min)
    events = [e for e in events if datetime.fromisoformat(e["at"]) <= as_of]
    batch, inc, streamed = in_every_mode(COMPILED, events, as_of, timedelta(days=1))

    def parts(r: Report) -> str:
        d = json.loads(r.to_json())
        return json.dumps([d.get("measures"), d["liability"]])

    assert parts(batch) == parts(inc) == parts(streamed)
    down, excluded = _minutes_down(drawn, as_of_min)
    for mp in batch.measures:
        a = int((mp.period_start - _START) / timedelta(minutes=1))
        b = int((mp.until - _START) / timedelta(minutes=1))
        months = set(range(a, b))
        assert mp.scheduled == timedelta(minutes=b - a)
        assert mp.excluded == timedelta(minutes=len(months & excluded))
        assert mp.down == timedelta(minutes=len(months & down))
        base = (b - a) - len(months & excluded)
        if base:
            assert mp.value == frac(base - len(months & down), base)
        assert type(mp.value) in (Decimal, type(None))
    for ln in batch.liability:
        assert type(ln.payable) is Decimal and ln.payable <= Decimal("4000.00")


def test_a_cluster_gives_the_measures_of_one_process(tmp_path: Path) -> None:
    """Every scenario of the hosting agreement in one stream, on two partitions: the spans a
    measure counts go to every partition, so the report (measures, credits) is the same."""
    distributed = pytest.importorskip("contract_rules.distributed")
    pytest.importorskip("distributed")
    rs = load_ruleset(HOSTING)
    events: list[dict[str, Any]] = []
    for k, sc in enumerate(rs.scenarios):
        events += [{**e, "id": f"{k}-{e['id']}"} for e in sc.events]
    events.sort(key=lambda e: str(e["at"]))
    path = tmp_path / "h.jsonl"
    path.write_text("".join(json.dumps(e, default=str) + "\n" for e in events), "utf-8")
    compiled = compile_ruleset(rs)
    want = evaluate(compiled, path, as_of="2025-08-01T00:00:00+08:00", strict=False)
    assert want.measures and any(ln.payable for ln in want.liability)
    client = distributed.local_client(2)
    try:
        got = distributed.evaluate(
            compiled,
            path,
            as_of="2025-08-01T00:00:00+08:00",
            client=client,
            partitions=2,
            strict=False,
        )
    finally:
        distributed._close(client)
    assert got.to_json() == want.to_json()


def test_a_measure_over_the_term_is_one_period_to_as_of() -> None:
    """per: term, the credit grouped by term: from 2025-01-01 to as_of 2025-01-11 (240 h), an
    outage of 24 h: 216 / 240 = 90 %; the period is not over, so it earns nothing yet."""
    data = hosting(per="term")
    data["remedies"][0]["period"] = "term"
    data["remedies"][0]["cap"] = "12 * monthly_charge"
    rs = compile_ruleset(load_ruleset(yaml_text(data)))
    events = [
        outage("O1", "2025-01-05T00:00:00", "INC-1"),
        outage("O2", "2025-01-06T00:00:00", "INC-1", end=True),
    ]
    rep = evaluate(rs, events, "2025-01-11T00:00:00+08:00")
    (only,) = rep.measures
    assert only.period_label == "term 2025-01-01 – 2025-12-31"
    assert (only.scheduled, only.down, only.value) == (
        timedelta(hours=240),
        timedelta(hours=24),
        Decimal("0.9"),
    )
    assert not only.complete and rep.liability.lines == ()


def test_the_html_report_shows_the_measures_per_period() -> None:
    """The HTML report has a measures section: a row per measure and period with its value,
    target and arithmetic, marked whether it meets the target (the hosting agreement's
    scenarios); a report without measures has no such section."""
    import re
    from pathlib import Path

    import contract_rules as cr

    root = Path(__file__).resolve().parents[1]
    rs = cr.load_ruleset(root / "examples" / "hosting_agreement.yaml")
    seen_below = False
    for sc in rs.scenarios:
        events = [e.model_dump(mode="json") if hasattr(e, "model_dump") else e for e in sc.events]
        rep = cr.evaluate(rs, events, sc.as_of, strict=False)
        page = rep.to_html(lang="en")
        section = re.search(r'<section id="cr-measures">(.*?)</section>', page, re.S)
        assert section is not None, sc.name
        rows = re.findall(r"<tr( data-meets=\"(true|false)\")?>(.*?)</tr>", section.group(1))
        body_rows = rows[1:]  # the header row first
        assert len(body_rows) == len(rep.measures)
        for mp, (_, meets, cells) in zip(rep.measures, body_rows, strict=True):
            assert f">{mp.period_label}<" in cells and f">{mp.percent}<" in cells
            if mp.target is not None and mp.value is not None:
                assert meets == str(mp.value >= mp.target).lower()
                seen_below |= meets == "false"
        assert "各期计量" in rep.to_html(lang="zh")
    assert seen_below  # some scenario has a month below 99.9 %
    tacheng = cr.load_ruleset(root / "rules" / "tacheng_2024.yaml")
    assert 'id="cr-measures"' not in cr.evaluate(tacheng, [], "2025-01-01").to_html()


def test_a_scenario_expecting_an_unknown_measure_is_cr307_at_check() -> None:
    """`check` names an unknown measure in `expect_measures` with its place and a suggestion,
    before any scenario runs."""
    from _helpers import read_data

    def misspell(data: dict[str, Any]) -> None:
        data["scenarios"][0]["expect_measures"][0]["measure"] = "availabilty"

    path = ROOT / "examples" / "hosting_agreement.yaml"
    result = read_data(rule_data(path, misspell), "hosting.yaml")
    found = [f for f in result.findings if f.code == "CR307"]
    assert len(found) == 1
    assert "expects unknown measure 'availabilty'" in found[0].message
    assert "did you mean 'availability'" in found[0].message
    assert found[0].location.path == ("scenarios", 0, "expect_measures", 0, "measure")
