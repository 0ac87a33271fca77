"""The text report's table of duties: a row's counts add up to the norm's instances."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import sale

import contract_rules as cr
from contract_rules.render import render_table


def _scenario_reports() -> list[Any]:
    rs = sale()
    return [
        pytest.param(rs, sc, id=sc.name[:50])
        for sc in rs.scenarios
        if any(e.status in ("discharged", "expired") for e in sc.expect)
    ]


def _duties(text: str) -> tuple[list[str], list[list[str]]]:
    lines = text.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith("== Duties"))
    header = lines[start + 1].split()
    rows = []
    for ln in lines[start + 3 :]:
        if not ln.strip():
            break
        rows.append(ln.split())
    return header, rows


@pytest.mark.parametrize(("rs", "scenario"), _scenario_reports())
def test_discharged_and_expired_instances_have_columns(rs: cr.Ruleset, scenario: Any) -> None:
    """The scenarios of the sale that end instances discharged or expired: those statuses get
    a column, and every row's counts add up to that norm's instances."""
    events = [e.model_dump(mode="json") if hasattr(e, "model_dump") else e for e in scenario.events]
    rep = cr.evaluate(rs, events, scenario.as_of, strict=False)
    header, rows = _duties(render_table(rep, "en"))
    present = {o.status for o in rep.obligations}
    statuses = ["pending", "fulfilled", "violated", "excused", "discharged", "expired"]
    shown = [s for s in statuses if s in header]
    assert shown[:4] == statuses[:4]
    assert {"discharged", "expired"} & present == set(shown[4:])
    for row in rows:
        rule = row[0]
        at = header.index("pending")  # the counts follow the strength column
        counts = dict(zip(shown, map(int, row[at : at + len(shown)]), strict=True))
        instances = [o for o in rep.obligations if o.rule == rule]
        assert sum(counts.values()) == len(instances), (rule, counts)
        for s in shown:
            assert counts[s] == sum(o.status == s for o in instances)


def test_without_lifecycle_statuses_the_table_keeps_its_four_columns(
    tacheng_report: cr.Report,
) -> None:
    header, _ = _duties(render_table(tacheng_report, "en"))
    assert "discharged" not in header and "expired" not in header
    assert header[header.index("pending") : header.index("pending") + 4] == [
        "pending",
        "fulfilled",
        "violated",
        "excused",
    ]
