"""Unit tests of contract_rules.checks: each check on small variations of the minimal ruleset."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from _helpers import MINIMAL_FILE, ROOT, rule_data, yaml_text

from contract_rules import checks
from contract_rules.checks import meaning
from contract_rules.codes import CODES
from contract_rules.events import EventValidator, RawEvent
from contract_rules.findings import Finding, Severity
from contract_rules.loader import load_yaml
from contract_rules.model import Ruleset
from contract_rules.rulefile import read_rule_file, read_rule_text

MINIMAL: dict[str, Any] = rule_data(MINIMAL_FILE)
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"


def lint(change: Callable[[dict[str, Any]], None] | None = None) -> list[Finding]:
    """Every finding of the minimal ruleset after ``change`` edited its data."""
    data = copy.deepcopy(MINIMAL)
    if change is not None:
        change(data)
    return read_rule_text(yaml_text(data)).findings


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def norm(data: dict[str, Any]) -> dict[str, Any]:
    n: dict[str, Any] = data["norms"][0]
    return n


def add_priority(data: dict[str, Any]) -> None:
    data["events"]["request"]["fields"]["priority"] = {"type": "string", "values": ["P1", "P2"]}


# --------------------------------------------------------------------------- the registry


def test_every_check_is_registered_under_a_known_code_in_order() -> None:
    assert set(checks.CHECKS) <= set(CODES)
    assert list(checks.CHECKS) == sorted(checks.CHECKS)
    for key, fn in checks.CHECKS.items():
        assert fn.__doc__, f"{key}: the check has no docstring"
    # every reference and meaning code has a check (CR1xx are the schema's, except CR105)
    assert {c for c in CODES if c[:3] in ("CR2", "CR3")} <= set(checks.CHECKS)


def test_each_check_reports_only_its_own_code() -> None:
    doc = load_yaml(TACHENG.read_text(encoding="utf-8"), str(TACHENG))
    ruleset = Ruleset.model_validate(doc.data)
    cx = checks.CheckContext(ruleset, doc)
    for key, fn in checks.CHECKS.items():
        assert all(f.code == key for f in fn(cx))


def test_minimal_and_tacheng_are_clean() -> None:
    assert lint() == []
    result = read_rule_file(TACHENG)
    assert result.document is not None and result.ruleset is not None
    assert checks.run_checks(result.ruleset, result.document) == []


def test_run_checks_sorts_and_deduplicates() -> None:
    # the same unknown event type in three tiers' worth of aliases is reported once per place
    def change(d: dict[str, Any]) -> None:
        norm(d)["trigger"]["event"] = "requst"
        norm(d)["fulfilled_by"]["event"] = "requst"

    found = lint(change)
    assert found == sorted(found)
    assert codes(found) == ["CR201", "CR201"]
    assert len({(f.location.line, f.location.column) for f in found}) == 2


# --------------------------------------------------------------------------- CR2xx


def test_cr201_names_the_place_and_suggests() -> None:
    found = lint(lambda d: norm(d)["trigger"].update(event="requst"))
    assert codes(found) == ["CR201"]
    assert "did you mean 'request'?" in found[0].message
    assert found[0].location.path == ("norms", 0, "trigger", "event")


def test_cr202_fields_of_the_right_event_type() -> None:
    def change(d: dict[str, Any]) -> None:
        d["events"]["response"]["fields"] = {"incident": "string"}

    found = lint(change)
    # the response is matched by the norm's key by default, and has no 'ticket'
    assert codes(found) == ["CR202"]
    assert "'ticket'" in found[0].message and "match" in found[0].message

    found = lint(lambda d: norm(d)["fulfilled_by"].update(match=["tiket"]))
    assert codes(found) == ["CR202", "CR202"]  # neither the response nor the trigger has it
    assert all("did you mean 'ticket'?" in f.message for f in found)


def test_cr202_condition_keys_point_at_the_key() -> None:
    text = (ROOT / "tests" / "rulefiles" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
    text = text.replace("trigger: {event: request}", "trigger: {event: request, when: {tiket: 1}}")
    found = read_rule_text(text).findings
    assert codes(found) == ["CR202"]
    lines = text.splitlines()
    line = next(i for i, t in enumerate(lines, 1) if "tiket" in t)
    assert (found[0].location.line, found[0].location.column) == (
        line,
        lines[line - 1].index("tiket") + 1,
    )


def test_cr203_party_references() -> None:
    def trigger_party(d: dict[str, Any]) -> None:
        d["events"]["request"]["fields"]["by"] = "party"
        norm(d)["party"] = "$trigger.by"

    assert lint(trigger_party) == []
    assert lint(lambda d: norm(d).update(party="any")) == []

    def other_with_three_parties(d: dict[str, Any]) -> None:
        trigger_party(d)
        norm(d)["party"] = "$other.by"
        d["contract"]["parties"]["C"] = {"name": "丙方", "role": "auditor"}

    found = lint(other_with_three_parties)
    assert codes(found) == ["CR203"] and "two-party" in found[0].message

    found = lint(lambda d: norm(d).update(party="$trigger.ticket"))
    assert codes(found) == ["CR203"] and "is string, not party" in found[0].message

    found = lint(lambda d: norm(d).update(party="$self"))
    assert codes(found) == ["CR203"]


def test_cr203_party_values_in_conditions() -> None:
    def change(d: dict[str, Any]) -> None:
        d["events"]["response"]["fields"]["by"] = "party"
        norm(d)["fulfilled_by"]["when"] = {"by": {"in": ["B", "Z"]}}

    found = lint(change)
    assert codes(found) == ["CR203"]
    assert found[0].location.path == ("norms", 0, "fulfilled_by", "when", "by", "in", 1)


def test_cr204_and_cr306_use_the_shipped_layers() -> None:
    found = lint(lambda d: d["calendar"].update(layers=["cn-national", "cn-national"]))
    assert codes(found) == ["CR204"] and "twice" in found[0].message
    found = lint(lambda d: d["calendar"].update(layers=["weekdays"]))
    assert found == []


def test_cr205_cr206_cr207_cr208() -> None:
    def remedy(d: dict[str, Any]) -> None:
        d["remedies"] = [
            {
                "id": "respond",
                "kind": "credit",
                "title": "抵扣",
                "clause": "2",
                "text": "抵扣",
                "party": "B",
                "norms": ["respond", "repond"],
                "per_breach": {"fee": "anual_fee", "percent": "1"},
            }
        ]
        norm(d)["excuses"] = [{"clause": "2", "reason": "x", "span": "fm"}]

    found = lint(remedy)
    assert codes(found) == ["CR208", "CR207", "CR205", "CR206"]
    assert "line" in only(found, "CR207")[0].message


def test_cr209_types() -> None:
    def change(d: dict[str, Any]) -> None:
        d["events"]["response"]["fields"].update(ok="bool", cost="decimal", count="int")
        norm(d)["fulfilled_by"]["when"] = {
            "ok": "true",
            "cost": {"eq": "100.00", "gt": 5},
            "count": {"in": [1, "2"]},
            "ticket": {"lt": 3},
        }

    found = lint(change)
    assert codes(found) == ["CR209"] * 4
    messages = " | ".join(f.message for f in found)
    assert "write true or false" in messages
    assert "unquoted" in messages  # a quoted decimal never equals a number
    assert "'lt' compares numbers" in messages

    def fine(d: dict[str, Any]) -> None:
        d["events"]["response"]["fields"].update(ok="bool", cost="decimal")
        norm(d)["fulfilled_by"]["when"] = {"ok": False, "cost": {"ge": 0, "lt": "10.5"}}

    assert lint(fine) == []


def test_cr209_and_cr303_report_an_impossible_trigger_once() -> None:
    def trigger(value: Any) -> Callable[[dict[str, Any]], None]:
        def change(d: dict[str, Any]) -> None:
            add_priority(d)
            norm(d)["trigger"]["when"] = {"priority": value}

        return change

    assert codes(lint(trigger("P3"))) == ["CR303"]
    assert codes(lint(trigger({"ne": "P3"}))) == ["CR209"]  # possible, but a typo
    assert codes(lint(trigger({"in": ["P1", "P3"]}))) == ["CR209"]
    assert codes(lint(trigger({"in": ["P1"], "not_in": ["P1"]}))) == ["CR303"]
    assert lint(trigger({"not_in": ["P2"]})) == []

    def elsewhere(d: dict[str, Any]) -> None:
        d["events"]["response"]["fields"]["priority"] = {"type": "string", "values": ["P1"]}
        norm(d)["fulfilled_by"]["when"] = {"priority": "P3"}

    assert codes(lint(elsewhere)) == ["CR209"]


def test_cr209_cause_excuse_values() -> None:
    def change(d: dict[str, Any]) -> None:
        d["events"]["cause_found"] = {
            "fields": {"ticket": "string", "cause": {"values": ["power", "water"]}}
        }
        norm(d)["excuses"] = [
            {
                "clause": "2",
                "reason": "x",
                "cause": {"event": "cause_found", "field": "cause", "values": ["power", "fire"]},
            }
        ]

    found = lint(change)
    assert codes(found) == ["CR209"] and "'fire'" in found[0].message


# --------------------------------------------------------------------------- CR3xx


def tiers(*specs: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        add_priority(d)
        del norm(d)["deadline"]
        norm(d)["tiers"] = list(specs)

    return change


def test_cr301_and_cr302() -> None:
    office = {"name": "office", "at": ["working_hours"], "deadline": {"hours": 2}}
    other = {
        "name": "other",
        "at": ["outside_working_hours", "non_working_day"],
        "deadline": {"hours": 2},
    }
    anytime = {"name": "any", "deadline": {"hours": 2}}
    assert lint(tiers(office, other)) == []
    assert codes(lint(tiers(office, anytime))) == ["CR301"]
    gap = lint(tiers(office))
    assert codes(gap) == ["CR302"]
    assert "outside_working_hours, non_working_day" in gap[0].message
    # tiers with different conditions may share classes
    p1 = {"name": "p1", "when": {"priority": "P1"}, "deadline": {"hours": 2}}
    p2 = {"name": "p2", "when": {"priority": {"in": ["P2"]}}, "deadline": {"hours": 2}}
    assert lint(tiers(p1, p2)) == []  # together they cover the field's values
    assert codes(lint(tiers(p1))) == ["CR302"]


def test_cr302_counts_only_values_the_trigger_lets_through() -> None:
    p1 = {"name": "p1", "when": {"priority": "P1"}, "deadline": {"hours": 2}}

    def change(d: dict[str, Any]) -> None:
        tiers(p1)(d)
        norm(d)["trigger"]["when"] = {"priority": "P1"}

    assert lint(change) == []


def test_cr303_numeric_ranges() -> None:
    def change(lo: int, hi: int, kind: str = "decimal") -> Callable[[dict[str, Any]], None]:
        def f(d: dict[str, Any]) -> None:
            d["events"]["request"]["fields"]["count"] = kind
            norm(d)["trigger"]["when"] = {"count": {"gt": lo, "lt": hi}}

        return f

    assert codes(lint(change(5, 5))) == ["CR303"]
    assert lint(change(5, 6)) == []  # 5.5 fits a decimal
    assert codes(lint(change(5, 6, "int"))) == ["CR303"]  # no integer lies between
    assert lint(change(5, 7, "int")) == []


@pytest.mark.parametrize(
    ("text", "deadline", "warns"),
    [
        ("乙方应在 3 个工作日内答复。", {"days": 3}, True),
        ("乙方应在 3 个工作日内答复。", {"working_days": 3}, False),
        ("乙方应在三个工作日内答复。", {"days": 3}, True),
        ("在工作日的工作时间，乙方将在 2 小时内响应", {"hours": 2}, False),
        ("在披露方提出书面请求后的三十(30)日内归还", {"days": 30}, False),
        ("甲方应在 10 日内付款。", {"working_days": 10}, True),
        ("Party B replies within 5 business days.", {"days": 5}, True),
        ("Party B replies within 5 business days.", {"working_days": 5}, False),
        ("没有写明期限。", {"days": 5}, False),
    ],
)
def test_cr304_reads_periods_from_the_text(
    text: str, deadline: dict[str, int], warns: bool
) -> None:
    found = lint(lambda d: norm(d).update(text=text, deadline=deadline))
    assert codes(found) == (["CR304"] if warns else [])
    if warns:
        assert found[0].severity is Severity.WARNING
        assert found[0].location.path[-2:] == ("deadline", next(iter(deadline)))


def test_stated_periods() -> None:
    periods = meaning._stated_periods(
        "三十(30)日内; 5 个工作日; 二十四小时; within 2 hours; 8 个工作小时; 三个月"
    )
    assert periods == {
        ("days", Decimal(30)),
        ("working_days", Decimal(5)),
        ("hours", Decimal(24)),
        ("hours", Decimal(2)),
        ("working_hours", Decimal(8)),
        ("months", Decimal(3)),
    }


def test_cr305_currencies() -> None:
    def payments(values: list[str]) -> Callable[[dict[str, Any]], None]:
        def change(d: dict[str, Any]) -> None:
            d["events"]["paid"] = {"fields": {"amount": "decimal", "currency": {"values": values}}}
            d["norms"].append(
                {
                    "id": "pay",
                    "title": "付款",
                    "clause": "3",
                    "text": "付款",
                    "party": "A",
                    "trigger": {"at": "term.start"},
                    "deadline": {"at": "term.end"},
                    "fulfilled_by": {"event": "paid", "accumulate": {"target": "annual_fee"}},
                }
            )
            d["not_computable"] = []

        return change

    assert lint(payments(["CNY", "USD"])) == []
    found = lint(payments(["USD"]))
    assert codes(found) == ["CR305"] and "CNY" in found[0].message


def test_cr306_fallbacks() -> None:
    def layers(names: list[str], fallback: str | None, end: str) -> Callable[..., None]:
        def change(d: dict[str, Any]) -> None:
            d["calendar"]["layers"] = names
            if fallback:
                d["calendar"]["fallback"] = fallback
            d["contract"]["term"]["start"] = "2024-06-01"
            d["contract"]["term"]["end"] = end

        return change

    both = ["cn-national", "cn-xinjiang"]
    found = lint(layers(both, None, "2025-05-31"))
    assert codes(found) == ["CR306"] and "'cn-xinjiang' has no data for 2024" in found[0].message
    assert lint(layers(both, "national_only", "2025-05-31")) == []
    # national_only does not excuse the national layer itself
    found = lint(layers(both, "national_only", "2027-05-31"))
    assert codes(found) == ["CR306"] and "'cn-national' has no data for 2027" in found[0].message
    assert lint(layers(both, "weekdays", "2027-05-31")) == []
    # a term ending in December needs the next year too (payment deadlines)
    found = lint(layers(["cn-national"], None, "2026-12-15"))
    assert codes(found) == ["CR306"] and "2027" in found[0].message


def test_cr308_cr310_cr312_and_clause_lists() -> None:
    assert codes(lint(lambda d: d["contract"].update(clauses=["1", "2", "3", "4"]))) == ["CR308"]
    # an empty clause list means: coverage not counted
    assert lint(lambda d: d["contract"].update(clauses=[])) == []
    found = lint(lambda d: d["not_computable"].append({"clause": "2", "reason": "x"}))
    assert codes(found) == ["CR312"] and "norm 'respond'" in found[0].message


def test_cr312_ignores_excuses_and_spans_citing_a_non_computable_clause() -> None:
    def change(d: dict[str, Any]) -> None:
        norm(d)["excuses"] = [
            {
                "clause": "3",
                "reason": "x",
                "cause": {"event": "response", "field": "ticket", "values": ["X"]},
            }
        ]

    assert lint(change) == []


def test_cr309_pause_needs_a_clock_unit() -> None:
    def change(deadline: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        def f(d: dict[str, Any]) -> None:
            d["events"]["hold"] = {"fields": {"ticket": "string"}}
            d["events"]["resume"] = {"fields": {"ticket": "string"}}
            d["spans"] = {
                "wait": {"start": {"event": "hold"}, "end": {"event": "resume"}, "key": "ticket"}
            }
            norm(d)["deadline"] = deadline
            unit = {"working_hours": "个工作小时", "hours": "小时", "days": "日", "months": "个月"}
            stated = [f"{n} {unit[u]}" for u, n in deadline.items() if u in unit]
            norm(d)["text"] = f"乙方应在 {stated[0]}内响应。" if stated else "乙方应在期满前响应。"
            norm(d)["pause"] = ["wait"]

        return f

    assert lint(change({"hours": 2})) == []
    assert lint(change({"working_hours": 2})) == []
    for bad in ({"days": 2}, {"months": 1}, {"at": "term.end"}):
        assert codes(lint(change(bad))) == ["CR309"], bad


def test_cr311_one_day_term_is_fine() -> None:
    assert lint(lambda d: d["contract"]["term"].update(start="2025-05-05", end="2025-05-05")) == []


# --------------------------------------------------------------------------- scenarios


SCENARIO_EVENTS: list[dict[str, Any]] = [
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": 7},  # text from a number
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "ok": "true"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "ok": "maybe"},
    {"type": "request", "at": "2025-03-03T10:00:00", "ticket": "T-1"},
    {"type": "request", "at": "yesterday", "ticket": "T-1"},
    {"type": "request", "ticket": "T-1"},
    {"type": "reqest", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "extra": 1},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "by": "Z"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "cost": "1.5"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "cost": "cheap"},
    {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": True},
]


def _scenario_vocabulary(d: dict[str, Any]) -> None:
    d["events"]["request"]["fields"].update(
        ok={"type": "bool", "required": False},
        by={"type": "party", "required": False},
        cost={"type": "decimal", "required": False},
    )


@pytest.mark.parametrize("event", SCENARIO_EVENTS, ids=lambda e: repr(e)[:60])
def test_cr310_agrees_with_event_validation(event: dict[str, Any]) -> None:
    """A scenario event gets CR310 exactly when reading it for evaluation would reject it."""

    def change(d: dict[str, Any]) -> None:
        _scenario_vocabulary(d)
        d["scenarios"] = [{"name": "s", "as_of": "2025-03-04T00:00:00+08:00", "events": [event]}]

    found = lint(change)
    data = copy.deepcopy(MINIMAL)
    _scenario_vocabulary(data)
    from zoneinfo import ZoneInfo

    validator = EventValidator(Ruleset.model_validate(data), ZoneInfo("Asia/Shanghai"))
    try:
        validator.validate(RawEvent(0, "event #1", dict(event)))
        rejected = False
    except Exception:
        rejected = True
    assert set(codes(found)) <= {"CR310"}
    assert bool(found) == rejected, [str(f) for f in found]


def test_cr310_duplicate_ids_and_cr313_naive_instants() -> None:
    def change(d: dict[str, Any]) -> None:
        ev = {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T-1", "id": "e1"}
        d["scenarios"] = [
            {
                "name": "s",
                "as_of": "2025-03-04T00:00:00",
                "events": [ev, dict(ev)],
                "expect": [{"rule": "respond", "status": "violated", "due": "2025-03-03T12:00:00"}],
            }
        ]

    found = lint(change)
    assert codes(found) == ["CR313", "CR310", "CR313"]
    assert "duplicate event id" in only(found, "CR310")[0].message


def test_cr307_unknown_norm_and_remedy() -> None:
    def change(d: dict[str, Any]) -> None:
        d["scenarios"] = [
            {
                "name": "s",
                "as_of": "2025-03-04T00:00:00+08:00",
                "events": [],
                "expect": [{"rule": "respnd", "status": "pending"}],
                "expect_remedies": [{"remedy": "cap", "payable": "0.00"}],
            }
        ]

    found = lint(change)
    assert codes(found) == ["CR307", "CR307"]
    assert "did you mean 'respond'?" in found[0].message


def test_cr105_only_unquoted_money() -> None:
    text = yaml_text(MINIMAL)
    assert "amount: '1000.00'" in text
    found = read_rule_text(text.replace("amount: '1000.00'", "amount: 1000.00")).findings
    assert codes(found) == ["CR105"]
    assert read_rule_text(text.replace("amount: '1000.00'", "amount: 1000")).findings == []


def test_finding_severities_follow_the_code_table() -> None:
    found = lint(lambda d: d["contract"].update(clauses=["1", "2", "3", "9"]))
    assert [(f.code, f.severity) for f in found] == [("CR308", Severity.WARNING)]
    assert CODES["CR308"].severity is Severity.WARNING
