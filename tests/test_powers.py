"""Rights that close and expire, powers that release and create duties, and the suspension of
the whole contract (docs/engine.md, "The lifecycle"), on ``examples/sale_of_goods.yaml`` and
variants of it. Every instant is counted by hand in the comments: periods in days follow the
Civil Code (the start day is not counted, the last day ends at 24:00, a last day that is a rest
day moves to the next working day; cn-national 2025)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from _helpers import SALE, ev, fed, norm_of, path, po, refusals, rule_data, sale, t

from contract_rules import Ruleset, evaluate
from contract_rules.render import render_html, render_markdown, render_table
from contract_rules.report import Obligation, Report

AS_OF = "2025-06-01T00:00:00+08:00"

# PO-1 is missed at 2025-03-11 00:00: the power to terminate arises then, opens 15 days later
# (day 15 is 26 March: 2025-03-27 00:00) and closes 20 days after its opening (day 20 is 16
# April, a Wednesday: 2025-04-17 00:00).
LATE = [po("E1", "2025-03-01T09:00:00+08:00", "PO-1", "2025-03-10")]
OPENS = "2025-03-27T00:00:00+08:00"
CLOSES = "2025-04-17T00:00:00+08:00"
# PO-1 delivered on time; its payment (day 30 after 10 March is 9 April) is missed at
# 2025-04-10 00:00: the interest arises then, due 10 days later (day 10 is 20 April, a Sunday,
# so Monday the 21st: 2025-04-22 00:00), with the seller's power to waive it.
UNPAID = [
    po("E1", "2025-03-01T09:00:00+08:00", "PO-1", "2025-03-10"),
    ev("E2", "delivery", "2025-03-10T15:00:00+08:00", order="PO-1"),
]


# ------------------------------------------------------------------ rights that close


def test_a_right_not_used_by_its_closing_expires_then() -> None:
    rep = evaluate(sale(), LATE, AS_OF)
    right = rep.find("terminate.late_delivery", "PO-1")
    assert right.status == "expired"
    assert right.closes == t(CLOSES)
    assert right.reason == "expired at 2025-04-17 00:00: not exercised while it was open"
    # pending from its arising (the missed delivery) to its closing, then expired
    assert path(right) == [
        ("pending", "2025-03-11T00:00:00+08:00", CLOSES, None),
        ("expired", CLOSES, None, None),
    ]
    assert rep.counts()["expired"] == 1
    assert rep.rights_open() == []
    # one second before the closing it is still open
    before = evaluate(sale(), LATE, "2025-04-16T23:59:59+08:00")
    assert before.find("terminate.late_delivery", "PO-1").status == "pending"
    assert "expired" not in before.counts()
    ((ob, since),) = before.rights_open()
    assert (ob.rule, since, ob.closes) == ("terminate.late_delivery", t(OPENS), t(CLOSES))


def test_an_act_at_or_after_the_closing_is_ignored_and_changes_nothing() -> None:
    events = [
        *LATE,
        po("E2", "2025-03-02T09:00:00+08:00", "PO-2", "2025-04-30"),
        ev("N1", "termination_notice", CLOSES, order="PO-1"),
    ]
    rep = evaluate(sale(), events, AS_OF)
    (ignored,) = rep.accounting.ignored
    assert ignored.id == "N1"
    assert ignored.reason == (
        "terminate.late_delivery closed at 2025-04-17 00:00 (expired): exercising it changes "
        "nothing"
    )
    assert [s.state for s in rep.contract_states] == ["in_effect"]  # not terminated
    assert rep.find("delivery", "PO-2").status == "violated"  # missed at 2025-05-01 00:00
    assert rep.find("terminate.late_delivery", "PO-1").status == "expired"


def test_the_window_is_half_open_an_act_just_before_the_closing_counts() -> None:
    events = [*LATE, ev("N1", "termination_notice", "2025-04-16T23:59:59+08:00", order="PO-1")]
    rep = evaluate(sale(), events, AS_OF)
    assert rep.find("terminate.late_delivery", "PO-1").status == "fulfilled"
    assert rep.contract_states[-1].state == "terminated"
    assert rep.contract_states[-1].event == "N1"


def test_a_premature_act_of_a_right_that_closes_is_still_a_violation_where_it_was() -> None:
    """A plain permission (no effect) exercised before its opening is violated, as today; one
    exercised after its closing is ignored and the right expires: never violated."""

    def plain(data: dict[str, Any]) -> None:
        n = norm_of(data, "terminate.late_delivery")
        del n["effect"]

    early = [*LATE, ev("N1", "termination_notice", "2025-03-20T09:00:00+08:00", order="PO-1")]
    plain_rs = sale(plain)
    rep = evaluate(plain_rs, early, AS_OF)
    assert rep.find("terminate.late_delivery", "PO-1").status == "violated"
    late = [*LATE, ev("N1", "termination_notice", "2025-04-20T09:00:00+08:00", order="PO-1")]
    rep = evaluate(plain_rs, late, AS_OF)
    assert rep.find("terminate.late_delivery", "PO-1").status == "expired"
    assert "closed at 2025-04-17 00:00 (expired)" in rep.accounting.ignored[0].reason


@pytest.mark.parametrize(
    ("until", "closes"),
    [
        # a clock period from the opening (the defect notice, 12 March 10:00): 36 hours
        ({"hours": 36}, "2025-03-13T22:00:00+08:00"),
        # the term's end: 24:00 of 31 December 2025
        ({"at": "term.end"}, "2026-01-01T00:00:00+08:00"),
        # an expression over the trigger's fields: the end of the day the notice names
        ({"due": "end_of_day(trigger.answer_by)"}, "2025-03-19T00:00:00+08:00"),
        # days from the opening: day 10 is 22 March, a Saturday, so Monday the 24th
        ({"days": 10}, "2025-03-25T00:00:00+08:00"),
    ],
)
def test_every_form_of_closing(until: dict[str, Any], closes: str) -> None:
    def change(data: dict[str, Any]) -> None:
        data["events"]["defect_notice"]["fields"]["answer_by"] = {"type": "date", "required": False}
        norm_of(data, "demand.replacement")["until"] = until

    events = [
        *UNPAID,
        ev(
            "D1", "defect_notice", "2025-03-12T10:00:00+08:00", order="PO-1", answer_by="2025-03-18"
        ),
    ]
    rep = evaluate(sale(change), events, "2026-01-02T00:00:00+08:00")
    right = rep.find("demand.replacement", "PO-1")
    assert right.closes == t(closes)
    assert right.status == "expired"
    assert right.history[-1].start == t(closes)


def test_a_closing_that_the_data_cannot_give_leaves_the_right_open_with_a_note() -> None:
    def change(data: dict[str, Any]) -> None:
        data["events"]["defect_notice"]["fields"]["answer_by"] = {
            "type": "date",
            "required": False,
        }
        norm_of(data, "demand.replacement")["until"] = {"due": "end_of_day(trigger.answer_by)"}

    events = [*UNPAID, ev("D1", "defect_notice", "2025-03-12T10:00:00+08:00", order="PO-1")]
    right = evaluate(sale(change), events, AS_OF).find("demand.replacement", "PO-1")
    assert right.status == "pending" and right.closes is None
    assert any(n.startswith("closing: due") for n in right.notes), right.notes


def test_an_expired_right_reads_back_from_json_and_shows_in_every_view() -> None:
    rep = evaluate(sale(), LATE, AS_OF)
    doc = json.loads(rep.to_json())
    assert doc["counts"]["expired"] == 1
    right = next(o for o in doc["obligations"] if o["rule"] == "terminate.late_delivery")
    assert right["closes"] == CLOSES and right["status"] == "expired"
    back = Report.from_json(rep.to_json(), ruleset=sale())
    assert back.to_json() == rep.to_json()
    assert [o.history for o in back.obligations] == [o.history for o in rep.obligations]
    for text in (render_table(rep, "en"), render_markdown(rep, "en"), render_html(rep, "en")):
        assert "expired" in text
    assert "已失效" in render_markdown(rep, "zh")
    page = rep.to_html()
    assert 'data-card="expired"' in page and 'data-status="expired"' in page
    frame = rep.to_pandas()
    assert list(frame["status"].cat.categories) == [
        "pending",
        "fulfilled",
        "violated",
        "excused",
        "expired",
    ]
    hist = rep.histories_frame()
    rows = hist[hist["rule"] == "terminate.late_delivery"]
    assert list(rows["state"]) == ["pending", "expired"]
    assert str(rows["from"].iloc[1]) == "2025-04-17 00:00:00+08:00"


def test_an_expired_right_settles_in_streaming_like_batch() -> None:
    # a later event moves the event clock past the closing and a day more
    events = [*LATE, po("E9", "2025-05-10T09:00:00+08:00", "PO-9", "2025-05-30")]
    batch = evaluate(sale(), events, AS_OF)
    settled: list[Obligation] = []
    streamed = evaluate(
        sale(), events, AS_OF, settle_after=timedelta(days=1), on_settled=settled.append
    )
    assert streamed.settled["expired"] == 1
    assert streamed.counts() == batch.counts()
    assert [(o.rule, o.status) for o in settled if o.kind == "permission"] == [
        ("terminate.late_delivery", "expired")
    ]
    assert settled[-1].history == batch.find("terminate.late_delivery", "PO-1").history


# ------------------------------------------------------------------ release


def test_a_power_releases_the_open_duty_with_its_key() -> None:
    events = [*UNPAID, ev("W1", "interest_waiver", "2025-04-18T10:00:00+08:00", order="PO-1")]
    rep = evaluate(sale(), events, AS_OF)
    interest = rep.find("interest", "PO-1")
    assert interest.status == "discharged"
    assert interest.reason == "released by waive.interest (W1) at 2025-04-18 10:00"
    assert path(interest) == [
        ("pending", "2025-04-10T00:00:00+08:00", "2025-04-18T10:00:00+08:00", None),
        ("discharged", "2025-04-18T10:00:00+08:00", None, "W1"),
    ]
    assert rep.find("waive.interest", "PO-1").status == "fulfilled"
    # a release is no termination: the contract stays in effect
    assert [s.state for s in rep.contract_states] == ["in_effect"]
    # released, it is never violated later
    later = evaluate(sale(), events, "2026-03-01T00:00:00+08:00")
    assert later.find("interest", "PO-1").status == "discharged"


def test_a_release_leaves_other_keys_and_missed_duties_alone() -> None:
    events = [
        po("E1", "2025-03-01T09:00:00+08:00", "PO-1", "2025-03-10"),
        po("E3", "2025-03-01T10:00:00+08:00", "PO-2", "2025-03-10"),
        ev("E2", "delivery", "2025-03-10T15:00:00+08:00", order="PO-1"),
        ev("E4", "delivery", "2025-03-10T16:00:00+08:00", order="PO-2"),
        ev("W1", "interest_waiver", "2025-04-18T10:00:00+08:00", order="PO-1"),
        ev("W2", "interest_waiver", "2025-04-25T10:00:00+08:00", order="PO-2"),
    ]
    rep = evaluate(sale(), events, AS_OF)
    assert rep.find("interest", "PO-1").status == "discharged"
    # PO-2's interest (due 2025-04-22 00:00) was missed before W2: it stays violated
    assert rep.find("interest", "PO-2").status == "violated"
    assert rep.find("waive.interest", "PO-2").status == "fulfilled"


def test_a_released_duty_creates_nothing_at_its_due() -> None:
    """A power that releases the payment before its due: no interest arises from it, and no
    power to suspend (both arise from the payment's violation)."""

    def change(data: dict[str, Any]) -> None:
        n = norm_of(data, "waive.interest")
        n["trigger"] = {"fulfilled": "delivery"}
        n["target"] = "payment"

    events = [*UNPAID, ev("W1", "interest_waiver", "2025-04-01T10:00:00+08:00", order="PO-1")]
    for settle in (None, timedelta(days=2)):
        rep = evaluate(sale(change), events, AS_OF, settle_after=settle)
        if settle is None:
            assert rep.find("payment", "PO-1").status == "discharged"
        assert not rep.select(rule="interest") and not rep.select(rule="suspend.deliveries")
    assert not fed(sale(change), events).report(AS_OF).select(rule="interest")


# ------------------------------------------------------------------ create


def test_a_power_creates_a_duty_linked_to_it() -> None:
    events = [
        *UNPAID,
        ev("D1", "defect_notice", "2025-03-12T10:00:00+08:00", order="PO-1"),
        ev("RD1", "replacement_demand", "2025-03-14T09:00:00+08:00", order="PO-1"),
    ]
    rep = evaluate(sale(), events, AS_OF)
    rep_ = rep.find("replacement", "PO-1")
    # arises at the demand, keyed by the power's key; day 15 after 14 March is 29 March, a
    # Saturday, so Monday the 31st: due 2025-04-01 00:00, missed
    assert rep_.trigger_at == t("2025-03-14T09:00:00+08:00") and rep_.trigger_event == "RD1"
    assert rep_.due == t("2025-04-01T00:00:00+08:00") and rep_.status == "violated"
    assert rep_.cause is not None
    assert (rep_.cause.rule, rep_.cause.key, rep_.cause.change) == (
        "demand.replacement",
        "PO-1",
        "exercised",
    )
    text = rep.explain("replacement", "PO-1")
    assert "arose when demand.replacement [PO-1] was exercised at 2025-03-14 09:00" in text
    assert "which arose from event D1" in text
    # a second demand finds the right used: nothing more is created
    again = evaluate(
        sale(),
        [*events, ev("RD2", "replacement_demand", "2025-03-15T09:00:00+08:00", order="PO-1")],
        AS_OF,
    )
    assert len(again.select(rule="replacement")) == 1
    assert "no open demand.replacement instance" in again.accounting.ignored[0].reason


def test_nothing_is_created_without_the_exercise() -> None:
    events = [*UNPAID, ev("D1", "defect_notice", "2025-03-12T10:00:00+08:00", order="PO-1")]
    assert not evaluate(sale(), events, AS_OF).select(rule="replacement")


# ------------------------------------------------------------------ the whole contract

# PO-1 is due at the end of 20 March (2025-03-21 00:00); the contract is suspended on 6 March
# at 09:00 and resumed on 11 March at 09:00 (five days).
SUSPENDED = [
    po("E1", "2025-03-01T09:00:00+08:00", "PO-1", "2025-03-20"),
    ev("G1", "guarantee_withdrawn", "2025-03-05T09:00:00+08:00", guarantee="BG-1"),
    ev("C1", "contract_suspension", "2025-03-06T09:00:00+08:00", guarantee="BG-1"),
    ev("G2", "guarantee_restored", "2025-03-10T09:00:00+08:00", guarantee="BG-1"),
    ev("C2", "contract_resumption", "2025-03-11T09:00:00+08:00", guarantee="BG-1"),
]


def test_the_whole_contract_suspended_and_resumed() -> None:
    rep = evaluate(sale(), SUSPENDED, AS_OF)
    assert [(s.state, s.start.isoformat(), s.event) for s in rep.contract_states] == [
        ("in_effect", "2025-01-01T00:00:00+08:00", None),
        ("suspended", "2025-03-06T09:00:00+08:00", "C1"),
        ("in_effect", "2025-03-11T09:00:00+08:00", "C2"),
    ]
    delivery = rep.find("delivery", "PO-1")
    assert delivery.due == t("2025-03-26T00:00:00+08:00")  # 21 March + 5 days
    assert [h.state for h in delivery.history] == ["pending", "suspended", "pending", "violated"]
    # confidentiality survives termination: the contract's suspension does not stop it (its
    # window runs 18 months from the term's start: to 2026-07-01, at its end)
    assert rep.find("confidentiality").due == t("2026-07-02T00:00:00+08:00")
    # the power and the duty to resume run on
    assert rep.find("resume.contract", "BG-1").due == t("2025-03-13T00:00:00+08:00")


def test_a_contract_suspension_still_running_at_as_of() -> None:
    rep = evaluate(sale(), SUSPENDED[:3], "2025-04-01T00:00:00+08:00")
    assert rep.contract_states[-1].state == "suspended"
    assert rep.contract_states[-1].end is None
    delivery = rep.find("delivery", "PO-1")
    # 21 March + the 25 days 15 hours suspended by as_of: 2025-04-15 15:00, not missed
    assert delivery.status == "pending"
    assert delivery.due == t("2025-04-15T15:00:00+08:00")
    assert delivery.history[-1].state == "suspended" and delivery.history[-1].end is None
    back = Report.from_json(rep.to_json(), ruleset=sale())
    assert back.contract_states == rep.contract_states
    assert back.to_json() == rep.to_json()


def test_a_norm_suspended_twice_at_once_counts_the_time_once() -> None:
    """The deliveries' own suspension (4.1) and the contract's overlap: the due moves by the
    union of the two, not their sum. PO-1's payment is missed at 2025-04-10 00:00; PO-2 is due
    2025-04-21 00:00. The deliveries are suspended from 11 April 09:00 to 16 April 09:00 and the
    contract from 14 April 09:00 to 18 April 09:00: together 7 days, to 2025-04-28 00:00."""
    events = [
        *UNPAID,
        po("E3", "2025-03-20T09:00:00+08:00", "PO-2", "2025-04-20"),
        ev("S1", "suspension_notice", "2025-04-11T09:00:00+08:00", order="PO-1"),
        ev("G1", "guarantee_withdrawn", "2025-04-12T09:00:00+08:00", guarantee="BG-1"),
        ev("C1", "contract_suspension", "2025-04-14T09:00:00+08:00", guarantee="BG-1"),
        ev("E4", "payment", "2025-04-15T09:00:00+08:00", order="PO-1"),
        ev("R1", "resumption_notice", "2025-04-16T09:00:00+08:00", order="PO-1"),
        ev("G2", "guarantee_restored", "2025-04-17T09:00:00+08:00", guarantee="BG-1"),
        ev("C2", "contract_resumption", "2025-04-18T09:00:00+08:00", guarantee="BG-1"),
    ]
    rep = evaluate(sale(), events, AS_OF)
    delivery = rep.find("delivery", "PO-2")
    assert delivery.due == t("2025-04-28T00:00:00+08:00")
    assert path(delivery)[1:3] == [
        ("suspended", "2025-04-11T09:00:00+08:00", "2025-04-18T09:00:00+08:00", "S1"),
        ("pending", "2025-04-18T09:00:00+08:00", "2025-04-28T00:00:00+08:00", "C2"),
    ]


def test_streaming_and_incremental_give_the_contract_states_of_batch() -> None:
    batch = evaluate(sale(), SUSPENDED, AS_OF)
    streamed = evaluate(sale(), SUSPENDED, AS_OF, settle_after=timedelta(days=400))
    assert streamed.contract_states == batch.contract_states
    assert fed(sale(), SUSPENDED).report(AS_OF).contract_states == batch.contract_states


# ------------------------------------------------------------------ the rule file


def _set(nid: str, **keys: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        norm_of(data, nid).update(keys)

    return change


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (_set("delivery", until={"days": 3}), "only a permission (a right) has a closing"),
        (_set("waive.interest", target=None), "name a target"),
        (_set("waive.interest", target="contract"), "only suspend and resume act on the whole"),
        (_set("waive.interest", target="nowhere"), "unknown norm 'nowhere'"),
        (_set("interest", effect="release", target="payment"), "only a permission"),
        (_set("invoice", trigger={}), "its trigger names nothing"),
    ],
)
def test_a_bad_power_or_closing_is_a_located_error(change: Any, said: str) -> None:
    found = refusals(rule_data(SALE, change))
    assert any(said in m for m in found), found


# ------------------------------------------------------------------ upcoming


def test_upcoming_lists_the_rights_about_to_expire() -> None:
    """At 10 April 00:00 the power to terminate (open since 27 March, closing 17 April 00:00)
    has 7 of its 21 days left: two thirds used; PO-2 (due 15 April 00:00) falls due too."""
    from contract_rules.cli.upcoming import due_soon
    from contract_rules.compiler import compile_ruleset
    from contract_rules.render import render_upcoming

    events = [*LATE, po("E2", "2025-03-02T09:00:00+08:00", "PO-2", "2025-04-14")]
    now = t("2025-04-10T00:00:00+08:00")
    rep = evaluate(sale(), events, now)
    items, open_count = due_soon(rep, compile_ruleset(sale()), now, timedelta(days=10))
    assert [(d.obligation.rule, d.right) for d in items] == [
        ("delivery", False),
        ("terminate.late_delivery", True),
    ]
    right = items[1]
    assert right.time_left == timedelta(days=7)
    assert abs(right.share_used - 14 / 21) < 1e-9 and right.warning == 50
    assert right.to_dict()["closes"] == CLOSES
    assert "closes" not in items[0].to_dict()
    assert open_count == 1  # the open duties; the rights are told apart in the items
    text = render_upcoming(items, now=now, within=timedelta(days=10), open_count=open_count)
    assert "1 of 1 open duties, and 1 open rights closing" in text
    assert "2025-04-17 00:00 (right closes)" in text
    # a window shorter than the time left leaves the right out
    items, _ = due_soon(rep, compile_ruleset(sale()), now, timedelta(days=6))
    assert [d.obligation.rule for d in items] == ["delivery"]


def test_a_power_that_arises_at_a_time() -> None:
    """Written with the existing triggers: arisen at the term's start, open from 6 months after
    it (the period ends on 1 July at 24:00: 2025-07-02 00:00) and closing a month after its
    opening (2 August is a Saturday, so Monday the 4th, at its end: 2025-08-05 00:00)."""

    def change(data: dict[str, Any]) -> None:
        data["events"]["convenience_notice"] = {"clause": "6.1", "fields": {"party": "party"}}
        data["norms"].append(
            {
                "id": "terminate.convenience",
                "kind": "permission",
                "title": {"en": "the buyer may terminate for convenience in July"},
                "clause": "6.1",
                "text": {"en": "The Buyer may terminate this Contract by notice in July."},
                "party": "buyer",
                "trigger": {"at": "term.start"},
                "deadline": {"months": 6, "from": "term.start"},
                "until": {"months": 1},
                "exercised_by": {"event": "convenience_notice"},
                "effect": "terminate",
            }
        )

    rs = sale(change)
    assert not evaluate(rs, [], "2025-07-01T00:00:00+08:00").rights_open()
    ((ob, since),) = evaluate(rs, [], "2025-07-15T00:00:00+08:00").rights_open()
    assert (ob.rule, since, ob.closes) == (
        "terminate.convenience",
        t("2025-07-02T00:00:00+08:00"),
        t("2025-08-05T00:00:00+08:00"),
    )
    later = "2025-09-01T00:00:00+08:00"
    assert evaluate(rs, [], later).find("terminate.convenience").status == "expired"
    notice = [ev("N1", "convenience_notice", "2025-07-20T10:00:00+08:00", party="buyer")]
    rep = evaluate(rs, notice, later)
    assert rep.contract_states[-1].state == "terminated"
    assert rep.contract_states[-1].start == t("2025-07-20T10:00:00+08:00")


# ------------------------------------------------------------------ force majeure (Tacheng 9.1)


def test_a_second_force_majeure_notice_is_excused_by_the_first_still_running(
    tacheng_ruleset: Ruleset,
) -> None:
    """semantics.md 4 (9.1): every duty of the affected party falling due while a force majeure
    lasts is excused, the notice of another force majeure too; never by its own. FM-1 of B runs
    7 to 20 July; FM-2 of B begins on 8 July and ends on 9 July at 12:00; no notice is given.
    FM-1's notice: 3 days after 7 July (Art. 201), the last day 10 July (a Thursday) ends at
    24:00: due 2025-07-11 00:00, inside FM-1 only (FM-2 had ended): violated. FM-2's notice:
    the last day 11 July (a Friday): due 2025-07-12 00:00, inside FM-1: excused."""
    rs = tacheng_ruleset

    def fm(kind: str, at: str, ref: str) -> dict[str, Any]:
        return {"type": f"force_majeure_{kind}", "at": at, "party": "B", "ref": ref}

    events = [
        fm("start", "2025-07-07T08:00:00+08:00", "FM-1"),
        fm("start", "2025-07-08T08:00:00+08:00", "FM-2"),
        fm("end", "2025-07-09T12:00:00+08:00", "FM-2"),
        fm("end", "2025-07-20T08:00:00+08:00", "FM-1"),
    ]
    rep = evaluate(rs, events, "2025-08-01T00:00:00+08:00")
    first = rep.find("force_majeure.notice", "FM-1")
    second = rep.find("force_majeure.notice", "FM-2")
    assert (first.status, first.due) == ("violated", t("2025-07-11T00:00:00+08:00"))
    assert (second.status, second.due) == ("excused", t("2025-07-12T00:00:00+08:00"))
    assert second.reason is not None and "FM-1" in second.reason
