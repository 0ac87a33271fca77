"""The Tacheng agreement read again (``docs/semantics.md`` 4 and 5): each finding of the second
reading, pinned against ``rules/tacheng_2024.yaml`` and the engine.

- 9.1: force majeure excuses *every* duty of the affected party that falls due inside it;
- 8.1 is a remedy of its own (actual loss, uncapped, either party), 8.2 covers Party B's service
  failures only; every duty a remedy lists can be claimed (a keyless one by its trigger's id);
- a duty belongs to the service year of its trigger (one cap for the one service year);
- 7.2(d): only the receiving party's return fulfils it; 7.2 is counted per sub-clause;
- only 7.3 survives the term; a follow-up duty arises only from a service requested in the term;
- money is in the contract's currency, whatever it is.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, evaluate
from contract_rules.errors import ContractRulesError

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"


def ev(etype: str, at: str, **fields: Any) -> dict[str, Any]:
    return {"type": etype, "at": f"{at}+08:00", **fields}


def loss(at: str, incident: str, amount: str) -> dict[str, Any]:
    """An 8.2 loss claim of Party A in CNY."""
    return ev("loss_claim", at, incident=incident, amount=amount, currency="CNY")


def fm(party: str, ref: str, start: str, end: str) -> list[dict[str, Any]]:
    return [
        ev("force_majeure_start", start, party=party, ref=ref),
        ev("force_majeure_notice", start.replace("08:00", "09:00"), party=party, ref=ref),
        ev("force_majeure_end", end, party=party, ref=ref),
    ]


def lines(rep: cr.Report, remedy: str) -> list[tuple[int, Decimal, Decimal]]:
    return [(ln.period, ln.compensable, ln.payable) for ln in rep.liability if ln.remedy == remedy]


# ----------------------------------------------------------------------------- 9.1


@pytest.mark.parametrize(
    ("rule", "key", "party", "events", "as_of"),
    [
        # Party A's payment, due 2025-11-25 24:00
        ("payment.annual_fee", None, "A", [], "2025-12-01T00:00:00"),
        # Party B's renewal inquiry, due at the end of the term (2025-11-18 00:00)
        ("renewal.inquiry", None, "B", [], "2025-12-01T00:00:00"),
        # Party B returns Party A's information: due 30 days after 2025-10-20 (11-19 24:00)
        (
            "confidentiality.return",
            "C-9",
            "B",
            [ev("confidential_return_request", "2025-10-20T10:00:00", party="A", ref="C-9")],
            "2025-12-01T00:00:00",
        ),
    ],
)
def test_force_majeure_excuses_every_duty_of_the_affected_party(
    rule: str,
    key: str | None,
    party: str,
    events: list[dict[str, Any]],
    as_of: str,
    tacheng_compiled: CompiledRuleset,
) -> None:
    span = fm(party, "FM", "2025-11-15T08:00:00", "2025-11-28T18:00:00")
    ob = evaluate(tacheng_compiled, [*events, *span], f"{as_of}+08:00").find(rule, key)
    assert ob.status == "excused"
    assert ob.reason is not None and "clause 9.1" in ob.reason
    # the other party's force majeure excuses nothing of this one
    other = fm("B" if party == "A" else "A", "FM", "2025-11-15T08:00:00", "2025-11-28T18:00:00")
    assert evaluate(tacheng_compiled, [*events, *other], f"{as_of}+08:00").find(
        rule, key
    ).status == ("violated")


# ----------------------------------------------------------------------------- 8.1 and 8.2


def test_8_2_covers_only_party_bs_service_failures(tacheng_compiled: CompiledRuleset) -> None:
    rs = tacheng_compiled.ruleset
    cap = next(r for r in rs.remedies if r.clause == "8.2")
    assert set(cap.norms) == {"onsite.response", "service.confirmation"}
    uncapped = [r for r in rs.remedies if r.clause == "8.1"]
    assert {r.party for r in uncapped} == {"A", "B"}
    assert all(r.cap is None for r in uncapped)
    for needed in ("data.no_unauthorized_change", "confidentiality.return",
                   "force_majeure.notice"):  # fmt: skip
        assert any(needed in r.norms for r in uncapped if r.party == "B")
    assert any("payment.annual_fee" in r.norms for r in uncapped if r.party == "A")


def test_data_change_and_missed_notice_claims_are_paid_in_full_beyond_the_cap(
    tacheng_compiled: CompiledRuleset,
) -> None:
    events = [
        ev("onsite_request", "2025-05-12T10:00:00", incident="INC-1"),
        ev("response", "2025-05-12T15:00:00", incident="INC-1"),
        loss("2025-05-20T10:00:00", "INC-1", "80000.00"),
        {**ev("data_change", "2025-06-21T10:00:00", party="B", authorized=False), "id": "DC-1"},
        ev("force_majeure_start", "2025-07-01T08:00:00", party="B", ref="FM-2"),
        ev("force_majeure_end", "2025-07-02T08:00:00", party="B", ref="FM-2"),
        ev("actual_loss_claim", "2025-07-10T10:00:00", against="B", breach="DC-1",
           amount="60000.00", currency="CNY"),
        ev("actual_loss_claim", "2025-07-11T10:00:00", against="B", breach="FM-2",
           amount="30000.00", currency="CNY"),
        # a claim against Party A for Party B's breach is not Party A's to pay
        ev("actual_loss_claim", "2025-07-12T10:00:00", against="A", breach="DC-1",
           amount="5000.00", currency="CNY"),
    ]  # fmt: skip
    rep = evaluate(tacheng_compiled, events, "2025-08-01T00:00:00+08:00")
    assert lines(rep, "liability.cap") == [(1, Decimal("80000.00"), Decimal("53600.00"))]
    assert lines(rep, "liability.actual_loss.B") == [(1, Decimal("90000.00"), Decimal("90000.00"))]
    assert lines(rep, "liability.actual_loss.A") == [(1, Decimal("0.00"), Decimal("0.00"))]
    tied = [i.rule for ln in rep.liability for i in ln.items if ln.remedy.endswith(".B")]
    assert tied == ["data.no_unauthorized_change", "force_majeure.notice"]


def test_a_missed_payment_is_claimed_by_the_rule_id(tacheng_compiled: CompiledRuleset) -> None:
    claim = ev("actual_loss_claim", "2025-12-01T10:00:00", against="A",
               breach="payment.annual_fee", amount="1200.00", currency="CNY")  # fmt: skip
    rep = evaluate(tacheng_compiled, [claim], "2025-12-10T00:00:00+08:00")
    assert lines(rep, "liability.actual_loss.A") == [(1, Decimal("1200.00"), Decimal("1200.00"))]


def test_a_request_on_the_last_evening_is_capped_in_the_one_service_year(
    tacheng_compiled: CompiledRuleset,
) -> None:
    events = [
        ev("onsite_request", "2025-10-20T10:00:00", incident="INC-31"),
        ev("response", "2025-10-20T13:00:00", incident="INC-31"),
        ev("onsite_request", "2025-11-17T19:30:00", incident="INC-30"),
        ev("response", "2025-11-18T03:00:00", incident="INC-30"),
        loss("2025-11-20T10:00:00", "INC-31", "50000.00"),
        loss("2025-11-20T11:00:00", "INC-30", "40000.00"),
    ]  # fmt: skip
    rep = evaluate(tacheng_compiled, events, "2025-12-01T00:00:00+08:00")
    assert rep.find("onsite.response", "INC-30").due.isoformat() == "2025-11-18T01:30:00+08:00"
    assert lines(rep, "liability.cap") == [(1, Decimal("90000.00"), Decimal("53600.00"))]


# ----------------------------------------------------------------------------- 7.2, 7.3, 6.x


def test_only_the_receiving_party_returns_confidential_information(
    tacheng_compiled: CompiledRuleset,
) -> None:
    events = [
        ev("confidential_return_request", "2025-06-10T10:00:00", party="A", ref="C-1"),
        ev("confidential_returned", "2025-06-20T10:00:00", party="A", ref="C-1"),
    ]
    rep = evaluate(tacheng_compiled, events, "2025-07-15T00:00:00+08:00")
    ob = rep.find("confidentiality.return", "C-1")
    assert (ob.party, ob.status) == ("B", "violated")
    (ignored,) = rep.accounting.ignored
    assert "by party A, not B" in ignored.reason
    events.append(ev("confidential_returned", "2025-06-21T10:00:00", party="B", ref="C-1"))
    rep = evaluate(tacheng_compiled, events, "2025-07-15T00:00:00+08:00")
    assert rep.find("confidentiality.return", "C-1").status == "fulfilled"


def test_7_2_is_counted_per_sub_clause(tacheng_compiled: CompiledRuleset) -> None:
    rs = tacheng_compiled.ruleset
    subs = [f"7.2({x})" for x in "abcde"]
    assert "7.2" not in rs.contract.clauses
    assert set(subs) <= set(rs.contract.clauses)
    cited = {n.clause for n in rs.norms}
    listed = {nc.clause for nc in rs.not_computable}
    assert {"7.2(b)", "7.2(d)"} <= cited
    assert {"7.2(a)", "7.2(c)", "7.2(e)"} <= listed
    rep = evaluate(
        tacheng_compiled,
        [
            ev(
                "confidential_disclosed",
                "2025-08-01T10:00:00",
                party="B",
                ref="C-3",
                bound_in_writing=False,
            )
        ],
        "2025-09-01T00:00:00+08:00",
    )
    ob = rep.find("confidentiality.no_disclosure", "C-3")
    assert (ob.party, ob.status) == ("B", "violated")


def test_only_7_3_survives_and_follow_ups_need_a_request_in_the_term(
    tacheng_compiled: CompiledRuleset,
) -> None:
    events = [
        ev("onsite_request", "2024-11-17T22:00:00", incident="INC-40"),  # before the term
        ev("fixed", "2024-11-18T10:00:00", incident="INC-40"),
        ev("onsite_request", "2025-11-17T20:00:00", incident="INC-41"),  # its last evening
        ev("fixed", "2025-11-18T09:00:00", incident="INC-41"),
        ev("data_change", "2025-11-20T10:00:00", party="B", authorized=False),  # after it
    ]
    rep = evaluate(tacheng_compiled, events, "2025-11-21T00:00:00+08:00")
    rules = [(o.rule, o.key) for o in rep.obligations]
    assert ("service.confirmation", "INC-40") not in rules
    assert ("service.confirmation", "INC-41") in rules
    assert not any(r == "data.no_unauthorized_change" for r, _ in rules)
    assert any("data_change" in note and "outside the term" in note for note in rep.notes)


# ----------------------------------------------------------------------------- money


USD = """
format: contract-rules/1
contract:
  id: usd
  title: {en: a contract in US dollars}
  parties:
    A: {name: {en: customer}, role: customer}
    B: {name: {en: provider}, role: vendor}
  governing_law: New York
  timezone: America/New_York
  term: {start: "2025-01-01", end: "2025-12-31", clause: "1"}
  FEES
  clauses: ["1", "2", "3"]
calendar:
  layers: [weekdays]
events:
  request: {fields: {ticket: string}}
  response: {fields: {ticket: string}}
  loss_claim: {fields: {ticket: string, amount: decimal, currency: {type: string, values: [USD]}}}
norms:
  - id: respond
    title: {en: respond}
    clause: "2"
    text: {en: The provider responds within 2 hours.}
    party: B
    trigger: {event: request}
    key: ticket
    deadline: {hours: 2}
    fulfilled_by: {event: response}
remedies:
  REMEDIES
"""
CAPPED = """- id: capped
    kind: liability
    title: {en: "losses, capped"}
    clause: "3"
    text: {en: losses up to the annual fee}
    party: B
    norms: [respond]
    claims: {event: loss_claim, key: ticket}
    cap: {amount: {fee: annual_fee}}
  - id: credit
    kind: credit
    title: {en: service credits}
    clause: "3"
    text: {en: USD 100 per missed response}
    party: B
    norms: [respond]
    per_breach: {money: {amount: "100.00", currency: USD}}
  """
UNCAPPED = """- id: uncapped
    kind: liability
    title: {en: actual loss}
    clause: "3"
    text: {en: "actual loss, uncapped"}
    party: B
    norms: [respond]
    claims: {event: loss_claim, key: ticket}
"""
USD_EVENTS = [
    {"type": "request", "at": "2025-03-03T10:00:00-05:00", "ticket": "T-1"},
    {"type": "loss_claim", "at": "2025-03-10T10:00:00-04:00", "ticket": "T-1",
     "amount": "1500.00", "currency": "USD"},
]  # fmt: skip


def usd(fees: str, remedies: str) -> cr.Ruleset:
    return cr.load_ruleset(USD.replace("FEES", fees).replace("REMEDIES", remedies))


def test_money_is_in_the_contracts_currency_through_every_remedy_kind() -> None:
    rs = usd('fees: {annual_fee: {amount: "1000.00", currency: USD, clause: "1"}}',
             CAPPED + UNCAPPED)  # fmt: skip
    rep = evaluate(rs, USD_EVENTS, "2025-04-01T00:00:00-04:00")
    got = {ln.remedy: (ln.currency, ln.compensable, ln.payable) for ln in rep.liability}
    assert got == {
        "capped": ("USD", Decimal("1500.00"), Decimal("1000.00")),
        "credit": ("USD", Decimal("100.00"), Decimal("100.00")),
        "uncapped": ("USD", Decimal("1500.00"), Decimal("1500.00")),
    }


def test_a_contract_without_fees_takes_no_currency_for_granted() -> None:
    rep = evaluate(usd("fees: {}", UNCAPPED), USD_EVENTS, "2025-04-01T00:00:00-04:00")
    (line,) = rep.liability
    assert (line.currency, line.payable) == ("USD", Decimal("1500.00"))


def test_a_claim_in_another_currency_is_listed_but_never_added() -> None:
    """Regression (review): a CNY claim under a USD remedy was refused but still summed into
    the line's `claimed` (60,000.00 CNY + 10.00 USD shown as 60,010.00 USD)."""
    yaml = USD.replace("values: [USD]", "values: [USD, CNY]")
    rs = cr.load_ruleset(
        yaml.replace(
            "FEES", 'fees: {annual_fee: {amount: "1000.00", currency: USD, clause: "1"}}'
        ).replace("REMEDIES", UNCAPPED)
    )
    events = [
        *USD_EVENTS,
        {"type": "loss_claim", "at": "2025-03-11T10:00:00-04:00", "ticket": "T-1",
         "amount": "60000.00", "currency": "CNY"},
    ]  # fmt: skip
    (line,) = evaluate(rs, events, "2025-04-01T00:00:00-04:00").liability
    assert (line.currency, line.claimed, line.payable) == (
        "USD",
        Decimal("1500.00"),
        Decimal("1500.00"),
    )
    foreign = [i for i in line.items if i.currency is not None]
    assert [(i.currency, i.amount, i.compensable) for i in foreign] == [
        ("CNY", Decimal("60000.00"), False)
    ]
    assert foreign[0].to_dict()["currency"] == "CNY"


# ----------------------------------------------------------------------------- the format


def test_a_fulfilment_by_a_field_that_names_no_party_is_refused() -> None:
    text = RULES.read_text(encoding="utf-8").replace(
        "match: [ref], by: party}", "match: [ref], by: ref}"
    )
    with pytest.raises(ContractRulesError, match="by must name a party field"):
        cr.load_ruleset(text)


def test_a_trigger_that_follows_an_unknown_norm_is_refused() -> None:
    text = RULES.read_text(encoding="utf-8").replace(
        "follows: onsite.response}", "follows: onsite.respond}"
    )
    with pytest.raises(ContractRulesError, match=r"follows unknown norm 'onsite\.respond'"):
        cr.load_ruleset(text)
