"""What each party owes: remedy lines carry their payer, and the totals, the verdict and the HTML
report's money cards count per paying party and currency, never adding what the buyer owes to
what the seller owes (``docs/report.md``, "Liability").

The rule file is ``examples/sale_of_goods.yaml`` with three remedies added, one paid by the seller
and two by the buyer. The amounts are counted by hand in ``BOTH_OWE``'s comments.
"""

from __future__ import annotations

import pickle
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import contract_rules as cr
from contract_rules.render import verdict
from contract_rules.report import Liability, RemedyLine, Report

ROOT = Path(__file__).resolve().parents[1]
SALE = ROOT / "examples" / "sale_of_goods.yaml"
AS_OF = "2025-05-01T00:00:00+08:00"

REMEDIES = """
remedies:
  - id: penalty.late_delivery
    kind: credit
    title: {en: penalty for a late delivery}
    clause: "2.1"
    text: {en: "The Seller pays 300.00 CNY for each order delivered late."}
    party: seller
    norms: [delivery]
    per_breach: {money: {amount: "300.00", currency: CNY}}
    period: term
  - id: penalty.late_payment
    kind: credit
    title: {en: penalty for a late payment}
    clause: "3.1"
    text: {en: "The Buyer pays 120.00 CNY for each order paid late."}
    party: buyer
    norms: [payment]
    per_breach: {money: {amount: "120.00", currency: CNY}}
    period: term
  - id: fee.unpaid_interest
    kind: credit
    title: {en: fee for interest not paid}
    clause: "3.2"
    text: {en: "The Buyer pays 10.00 USD for each interest not paid in time."}
    party: buyer
    norms: [interest]
    per_breach: {money: {amount: "10.00", currency: USD}}
    period: term

"""

# Hand-counted (calendar days; a last day on a rest day moves to the next working day):
# - PO-1: delivery due at the end of 10 March (2025-03-11 00:00), delivered on the 14th: the
#   seller's delivery is violated (300.00 CNY). The payment arises with the delivery: day 30 is
#   13 April, a Sunday, so Monday the 14th, due 2025-04-15 00:00; never paid: the buyer's
#   payment is violated (120.00 CNY). The interest arises then, due 10 days later: day 10 is
#   25 April (Friday), due 2025-04-26 00:00; never paid: violated (10.00 USD).
# - PO-2: delivery due at the end of 20 March (2025-03-21 00:00), delivered on the 25th:
#   violated (300.00 CNY). Payment due: day 30 after 25 March is 24 April (Thursday), due
#   2025-04-25 00:00; paid on 18 April, on time. The invoice arises then and is issued on the
#   22nd (day 4 of 5): fulfilled.
# The seller owes 2 x 300.00 = 600.00 CNY; the buyer 1 x 120.00 = 120.00 CNY and 10.00 USD.
# Added regardless of direction, the old single figure: 600.00 + 120.00 + 10.00 = 730.00.
BOTH_OWE = [
    {"id": "E1", "type": "purchase_order", "at": "2025-03-01T09:00:00+08:00", "order": "PO-1",
     "delivery_date": "2025-03-10"},
    {"id": "E2", "type": "purchase_order", "at": "2025-03-02T09:00:00+08:00", "order": "PO-2",
     "delivery_date": "2025-03-20"},
    {"id": "E3", "type": "delivery", "at": "2025-03-14T10:00:00+08:00", "order": "PO-1"},
    {"id": "E4", "type": "delivery", "at": "2025-03-25T10:00:00+08:00", "order": "PO-2"},
    {"id": "E5", "type": "payment", "at": "2025-04-18T10:00:00+08:00", "order": "PO-2"},
    {"id": "E6", "type": "invoice", "at": "2025-04-22T10:00:00+08:00", "order": "PO-2"},
]  # fmt: skip


@pytest.fixture(scope="module")
def ruleset() -> cr.Ruleset:
    text = SALE.read_text(encoding="utf-8")
    head, scenarios = text.split("\nscenarios:", 1)
    return cr.load_ruleset(head + REMEDIES + "scenarios:" + scenarios)


@pytest.fixture(scope="module")
def report(ruleset: cr.Ruleset) -> Report:
    return cr.evaluate(ruleset, BOTH_OWE, AS_OF)


def test_the_statuses_the_amounts_rest_on(report: Report) -> None:
    assert report.find("delivery", "PO-1").status == "violated"
    assert report.find("delivery", "PO-2").status == "violated"
    pay = report.find("payment", "PO-1")
    assert (pay.status, str(pay.due)) == ("violated", "2025-04-15 00:00:00+08:00")
    interest = report.find("interest", "PO-1")
    assert (interest.status, str(interest.due)) == ("violated", "2025-04-26 00:00:00+08:00")
    assert report.find("payment", "PO-2").status == "fulfilled"
    assert report.find("invoice", "PO-2").status == "fulfilled"
    assert sorted((o.party, o.rule) for o in report.breaches) == [
        ("buyer", "interest"),
        ("buyer", "payment"),
        ("seller", "delivery"),
        ("seller", "delivery"),
    ]


def test_every_line_names_its_payer_from_the_remedy(report: Report) -> None:
    got = {(ln.remedy, ln.payer, ln.currency, ln.payable) for ln in report.liability}
    assert got == {
        ("penalty.late_delivery", "seller", "CNY", Decimal("600.00")),
        ("penalty.late_payment", "buyer", "CNY", Decimal("120.00")),
        ("fee.unpaid_interest", "buyer", "USD", Decimal("10.00")),
    }


def test_payable_by_counts_per_payer_and_currency(report: Report) -> None:
    owed = report.liability.payable_by()
    assert owed == {
        ("buyer", "CNY"): Decimal("120.00"),
        ("buyer", "USD"): Decimal("10.00"),
        ("seller", "CNY"): Decimal("600.00"),
    }
    assert list(owed) == [("buyer", "CNY"), ("buyer", "USD"), ("seller", "CNY")]
    # ``payable`` stays what it was: the sum over every line, whoever pays
    assert report.liability.payable == Decimal("730.00")


def test_the_verdict_says_what_each_party_owes(report: Report) -> None:
    en = verdict(report, "en")
    assert en.startswith(
        "Verdict: 4 breaches of binding duties (buyer: 2, seller: 2); "
        "payable: buyer 120.00 CNY, buyer 10.00 USD, seller 600.00 CNY; "
    )
    assert "730.00" not in en and "720.00" not in en
    zh = verdict(report, "zh")
    assert "; 应付: buyer 120.00 CNY, buyer 10.00 USD, seller 600.00 CNY; " in zh


def test_the_liability_tables_name_each_lines_payer(report: Report) -> None:
    """With two paying parties, the text and Markdown liability tables say who pays each line."""
    from contract_rules.render import render_markdown, render_table

    text = render_table(report, "en")
    table = text[text.index("== Liability") :].splitlines()
    assert table[1].split()[:4] == ["remedy", "clause", "payer", "period"]
    payers = {row.split()[0]: row.split()[2] for row in table[3:6]}
    assert payers == {
        "penalty.late_delivery": "seller",
        "penalty.late_payment": "buyer",
        "fee.unpaid_interest": "buyer",
    }
    md = render_markdown(report, "zh")
    assert "| 付款方 |" in md


def test_one_paying_party_keeps_the_table_without_a_payer_column(
    tacheng_report: Report,
) -> None:
    from contract_rules.render import render_table

    text = render_table(tacheng_report, "en")
    header = text[text.index("== Liability") :].splitlines()[1].split()
    assert "payer" not in header and header[:3] == ["remedy", "clause", "period"]


def test_the_verdict_of_parties_a_and_b_uses_their_labels() -> None:
    lines = (_line("credit.a", "A", "120.00"), _line("credit.b", "B", "300.00"))
    rep = _report_with(Liability(lines))
    assert "; payable: party A 120.00 CNY, party B 300.00 CNY" in verdict(rep, "en")
    assert "; 应付: 甲方 120.00 CNY, 乙方 300.00 CNY" in verdict(rep, "zh")


def test_the_html_report_has_one_money_card_per_payer_and_currency(report: Report) -> None:
    page = report.to_html("en")
    cards = [c for c in page.split('<div class="cr-card cr-money"')[1:]]
    assert len(cards) == 3
    heads = [c[: c.index("</div>")] for c in cards]
    assert 'data-payer="buyer" data-currency="CNY"' in heads[0] and "120.00 <small>" in heads[0]
    assert 'data-payer="buyer" data-currency="USD"' in heads[1] and "10.00 <small>" in heads[1]
    assert 'data-payer="seller" data-currency="CNY"' in heads[2] and "600.00 <small>" in heads[2]
    assert all("buyer · payable" in h for h in heads[:2]) and "seller · payable" in heads[2]
    assert "730.00" not in page


def test_the_payer_survives_json_and_pickle(report: Report, ruleset: cr.Ruleset) -> None:
    import json

    doc = json.loads(report.to_json())
    assert [ln["payer"] for ln in doc["liability"]["lines"]] == [
        ln.payer for ln in report.liability
    ]
    back = Report.from_json(report.to_json())
    assert back.liability == report.liability
    assert back.liability.payable_by() == report.liability.payable_by()
    assert pickle.loads(pickle.dumps(report)).liability.payable_by() == (
        report.liability.payable_by()
    )


def test_a_json_without_payers_takes_them_from_the_rule_file(
    report: Report, ruleset: cr.Ruleset
) -> None:
    import json

    doc: dict[str, Any] = json.loads(report.to_json())
    for ln in doc["liability"]["lines"]:
        del ln["payer"]  # as written before payers were recorded
    old = json.dumps(doc)
    assert Report.from_json(old, ruleset=ruleset).liability == report.liability
    unknown = Report.from_json(old).liability
    assert {ln.payer for ln in unknown} == {None}
    assert unknown.payable_by() == {
        (None, "CNY"): Decimal("720.00"),
        (None, "USD"): Decimal("10.00"),
    }
    assert "payable: payer not recorded 720.00 CNY" in verdict(Report.from_json(old), "en")


def test_payable_by_puts_an_unrecorded_payer_last() -> None:
    lines = (
        _line("r3", None, "1.00"),
        _line("r2", "seller", "2.00"),
        _line("r1", "buyer", "3.00"),
        _line("r4", "buyer", "4.00"),
    )
    assert list(Liability(lines).payable_by().items()) == [
        (("buyer", "CNY"), Decimal("7.00")),
        (("seller", "CNY"), Decimal("2.00")),
        ((None, "CNY"), Decimal("1.00")),
    ]
    assert Liability().payable_by() == {}


def _line(remedy: str, payer: str | None, amount: str) -> RemedyLine:
    from datetime import datetime

    start = datetime(2025, 1, 1, tzinfo=UTC)
    end = datetime(2026, 1, 1, tzinfo=UTC)
    a = Decimal(amount)
    return RemedyLine(
        remedy, "credit", "1.1", 1, "term", start, end, "CNY", a, a, None, a, payer=payer
    )


def _report_with(liability: Liability) -> Report:
    from dataclasses import replace

    rs = cr.load_ruleset(SALE)
    base = cr.evaluate(rs, BOTH_OWE[:1], AS_OF)
    return replace(base, liability=liability)
