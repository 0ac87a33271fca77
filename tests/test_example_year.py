"""The main job: the example year of events against the Tacheng rules, checked against the
hand-computed table in examples/tacheng_events_2025.expected.md."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

import contract_rules as cr

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def report() -> cr.Report:
    ruleset = cr.load_ruleset(ROOT / "rules" / "tacheng_2024.yaml")
    return cr.evaluate(
        ruleset, ROOT / "examples" / "tacheng_events_2025.jsonl", "2025-12-31T00:00:00+08:00"
    )


def test_counts(report: cr.Report) -> None:
    assert report.counts() == {"pending": 4, "fulfilled": 153, "violated": 26, "excused": 8}
    assert report.accounting.counts() == {"input": 249, "used": 245, "ignored": 4, "rejected": 0}


def test_per_norm_table(report: cr.Report) -> None:
    table = Counter((o.rule, o.status) for o in report.obligations)
    assert table[("onsite.response", "fulfilled")] == 37
    assert table[("onsite.response", "violated")] == 6
    assert table[("onsite.response", "excused")] == 3
    assert table[("onsite.arrival", "violated")] == 12
    assert table[("onsite.fix", "violated")] == 7
    assert table[("service.confirmation", "pending")] == 3
    assert table[("data.no_unauthorized_change", "violated")] == 1


def test_breaches_are_the_late_responses_and_the_data_change(report: cr.Report) -> None:
    breaches = sorted((o.rule, o.key or "") for o in report.breaches)
    late = ["INC-005", "INC-013", "INC-022", "INC-032", "INC-038", "INC-043"]
    assert breaches == sorted(
        [("data.no_unauthorized_change", "")] + [("onsite.response", k) for k in late]
    )


def test_liability_only_for_the_claim_tied_to_a_breach(report: cr.Report) -> None:
    line, actual_loss = report.liability.lines
    assert (line.remedy, line.claimed, line.compensable, line.payable) == (
        "liability.cap",
        Decimal("17000.00"),
        Decimal("12000.00"),
        Decimal("12000.00"),
    )
    assert line.cap == Decimal("53600.00")
    # 8.1: the data change of 04-22 (E0118), claimed by its id, is paid in full, uncapped
    assert (actual_loss.remedy, actual_loss.payable, actual_loss.cap) == (
        "liability.actual_loss.B",
        Decimal("8000.00"),
        None,
    )


def test_out_of_term_request_and_assumption_are_reported(report: cr.Report) -> None:
    assert any(
        "INC-047" in e.reason or e.type == "onsite_request" for e in report.accounting.ignored
    )
    assert len(report.notes) == 1 and "outside the term" in report.notes[0]
    assert report.assumptions == ("2024: layer cn-xinjiang has no data; national schedule only",)


def test_streaming_mode_gives_the_same_counts(report: cr.Report) -> None:
    from datetime import timedelta

    ruleset = cr.load_ruleset(ROOT / "rules" / "tacheng_2024.yaml")
    stream = cr.evaluate(
        ruleset,
        ROOT / "examples" / "tacheng_events_2025.jsonl",
        "2025-12-31T00:00:00+08:00",
        settle_after=timedelta(days=7),
        on_settled=lambda _: None,
    )
    assert stream.counts() == report.counts()
    assert stream.liability == report.liability
