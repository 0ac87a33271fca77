"""rules/tacheng_2024.yaml: the real agreement loads with no finding and encodes what it must."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_rules.model import Ruleset
from contract_rules.rulefile import read_rule_file

ROOT = Path(__file__).resolve().parents[1]
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"

NORM_IDS = {
    "onsite.response",
    "onsite.arrival",
    "onsite.fix",
    "service.confirmation",
    "payment.annual_fee",
    "renewal.inquiry",
    "force_majeure.notice",
    "confidentiality.return",
    "confidentiality.no_disclosure",
    "data.no_unauthorized_change",
    "dispute.negotiation_period",
}
REMEDY_IDS = {"liability.cap", "liability.actual_loss.A", "liability.actual_loss.B"}
EVENT_TYPES = {
    "onsite_request",
    "response",
    "onsite_arrival",
    "fixed",
    "cause_determined",
    "service_confirmed",
    "payment",
    "force_majeure_start",
    "force_majeure_end",
    "force_majeure_notice",
    "renewal_inquiry",
    "confidential_return_request",
    "confidential_returned",
    "confidential_disclosed",
    "data_change",
    "negotiation_requested",
    "arbitration_filed",
    "loss_claim",
    "actual_loss_claim",
}


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    result = read_rule_file(TACHENG)
    assert [str(f) for f in result.findings] == []  # no error and no warning either
    assert result.ruleset is not None
    return result.ruleset


def test_loads_with_zero_findings(ruleset: Ruleset) -> None:
    assert ruleset.contract.id == "tacheng-2024-om"


def test_norm_and_remedy_ids(ruleset: Ruleset) -> None:
    assert {n.id for n in ruleset.norms} == NORM_IDS
    assert len(ruleset.norms) == len(NORM_IDS)
    assert {r.id for r in ruleset.remedies} == REMEDY_IDS


def test_event_types(ruleset: Ruleset) -> None:
    assert set(ruleset.events) == EVENT_TYPES


def test_every_clause_is_accounted_for_exactly(ruleset: Ruleset) -> None:
    c = ruleset.contract
    cited = {n.clause for n in ruleset.norms} | {r.clause for r in ruleset.remedies}
    cited |= {ex.clause for n in ruleset.norms for ex in n.excuses}
    cited |= {s.clause for s in ruleset.spans.values() if s.clause}
    cited |= {e.clause for e in ruleset.events.values() if e.clause}
    cited |= {f.clause for f in c.fees.values() if f.clause}
    cited |= {c.term.clause} if c.term.clause else set()
    listed = {nc.clause for nc in ruleset.not_computable}
    assert len(c.clauses) == len(set(c.clauses)), "a clause is listed twice"
    assert set(c.clauses) == cited | listed, "clauses cited or listed but not declared"
    # a clause encoded by a norm or remedy is not also listed as not computable
    assert not ({n.clause for n in ruleset.norms} | {r.clause for r in ruleset.remedies}) & listed


def test_key_facts_of_the_agreement(ruleset: Ruleset) -> None:
    c = ruleset.contract
    assert (str(c.term.start), str(c.term.end)) == ("2024-11-18", "2025-11-17")
    assert c.timezone == "Asia/Shanghai"
    fee = c.fees["annual_fee"]
    assert (str(fee.amount), fee.currency) == ("53600.00", "CNY")
    assert ruleset.calendar.layers == ["cn-national", "cn-xinjiang"]
    response = ruleset.norm("onsite.response")
    assert response.strength == "binding"
    assert [(t.name, t.deadline.describe()) for t in response.tiers or []] == [
        ("working_hours", "2 hours"),
        ("off_hours", "6 hours"),
    ]
    assert ruleset.norm("onsite.arrival").strength == "best_effort"
    assert ruleset.norm("onsite.fix").strength == "best_effort"
    pay = ruleset.norm("payment.annual_fee")
    assert pay.deadline is not None
    assert pay.deadline.describe() == "5 working days from term.end"
    assert ruleset.norm("data.no_unauthorized_change").kind == "prohibition"
    assert ruleset.norm("dispute.negotiation_period").kind == "permission"


def test_scenarios_only_name_declared_norms_and_remedies(ruleset: Ruleset) -> None:
    assert ruleset.scenarios
    for sc in ruleset.scenarios:
        assert {e.rule for e in sc.expect} <= NORM_IDS, sc.name
        assert {r.remedy for r in sc.expect_remedies} <= REMEDY_IDS, sc.name
