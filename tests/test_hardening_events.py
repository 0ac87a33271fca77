"""Messy event streams: every bad event is named in strict mode and accounted for otherwise.

- Strict mode (the default) raises :class:`EventError` whose message names the event (``event
  #2`` or ``file:line``) and the problem.
- Collecting mode (``strict=False``) rejects it with the same reason; nothing is lost:
  used + ignored + rejected = input, and every input position appears exactly once.
- The same instant written with different offsets gives the same report; input out of time order
  is ordered stably (by instant, then input position).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from _events import AS_OF, FIRST, LAST, assert_accounted, payment, request
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_rules.engine import CompiledRuleset, Evaluator, evaluate
from contract_rules.errors import ContractRulesError, EventError

ROOT = Path(__file__).resolve().parents[1]
TZ = ZoneInfo("Asia/Shanghai")


#: (name, a bad event, words its error must contain)
BAD: list[tuple[str, Any, str]] = [
    ("bad-timestamp", request(at="yesterday at noon"), "bad timestamp"),
    ("impossible-date", request(at="2025-02-30T10:00:00+08:00"), "bad timestamp"),
    ("hour-24", request(at="2025-03-03T24:00:00+08:00"), "bad timestamp"),
    ("leap-second", request(at="2025-06-30T23:59:60+00:00"), "bad timestamp"),
    ("nul-in-timestamp", request(at="2025-03-03T10:00:00+08:00\x00junk"), "bad timestamp"),
    ("naive-timestamp", request(at="2025-03-03T10:00:00"), "naive timestamp"),
    ("date-only", request(at="2025-03-03"), "naive timestamp"),
    ("naive-datetime", request(at=datetime(2025, 3, 3, 10)), "naive timestamp"),
    ("epoch-number", request(at=1741000000), "timestamp must be a string"),
    ("no-timestamp", {"type": "onsite_request", "incident": "INC-1"}, "missing timestamp"),
    ("year-9999", request(at="9999-12-31T23:59:59-12:00"), "out of range"),
    ("year-1", request(at="0001-01-01T00:00:00+14:00"), "out of range"),
    ("long-timestamp", request(at="2025-03-03T10:00:00" + "0" * 100), "too long"),
    ("nan-string", payment("NaN"), "not a finite number"),
    ("snan", payment("sNaN"), "not a finite number"),
    ("infinity", payment("Infinity"), "not a finite number"),
    ("decimal-nan", payment(Decimal("NaN")), "not a finite number"),
    ("float", payment(53600.0), "is a float"),
    ("float-nan", payment(float("nan")), "is a float"),
    ("negative", payment("-1.00"), "cannot be negative"),
    ("over-precise", payment("53600.001"), "more than 2 decimal places"),
    ("over-precise-decimal", payment(Decimal("0.005")), "more than 2 decimal places"),
    ("huge-amount", payment("1E+999999999"), "too large"),
    ("too-many-digits", payment("12345678901234567.00"), "too large"),
    ("not-a-number", payment("fifty"), "not a number"),
    ("long-number", payment("1" * 50), "number too long"),
    ("bool-amount", payment(True), "boolean"),
    ("wrong-currency", payment(currency="USD"), "'USD' is not one of CNY"),
    ("lower-currency", payment(currency="cny"), "'cny' is not one of CNY"),
    ("huge-id", request(id="x" * 201), "id must have 1 to 200 characters"),
    ("huge-int-id", request(id=10**300), "id must have 1 to 200 characters"),
    ("empty-id", request(id=""), "id must have 1 to 200 characters"),
    ("float-id", request(id=1.5), "id must be a string or integer"),
    ("unknown-type", {"type": "coffee_break", "at": "2025-03-03T10:00:00+08:00"}, "unknown"),
    ("type-not-text", request(type=["onsite_request"]), "event type must be a string"),
    ("no-type", {"at": "2025-03-03T10:00:00+08:00", "incident": "I"}, "missing event type"),
    ("missing-field", {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00"}, "missing"),
    ("unknown-field", request(priority="P1"), "unknown field(s) 'priority'"),
    ("list-field", request(incident=["INC-1"]), "expected text, got list"),
    ("bool-field", request(incident=True), "expected text, got bool"),
    ("huge-int-field", request(incident=10**5000), "an integer too long to be read as text"),
    ("long-text", request(incident="i" * 10_001), "longer than 10000 characters"),
    ("unknown-party", {**FIRST, "type": "renewal_inquiry", "party": "C", "id": "R"}, "party"),
    (
        "not-a-bool",
        {"type": "data_change", "at": "2025-03-03T10:00:00+08:00", "party": "B", "authorized": 2},
        "expected true or false",
    ),
    (
        "bad-enum",
        {**request(), "type": "cause_determined", "cause": "aliens"},
        "'aliens' is not one of",
    ),
    ("not-a-mapping", "onsite_request at 10:00", "an event is a mapping"),
    ("null-event", None, "an event is a mapping"),
    ("list-event", [request()], "an event is a mapping"),
]


@pytest.mark.parametrize("name, bad, words", BAD, ids=[b[0] for b in BAD])
def test_strict_mode_names_the_event_and_the_problem(
    tacheng_compiled: CompiledRuleset, name: str, bad: Any, words: str
) -> None:
    with pytest.raises(EventError) as info:
        evaluate(tacheng_compiled, [FIRST, bad, LAST], AS_OF)
    err = info.value
    assert err.where == "event #2"
    assert str(err).startswith("event #2: ")
    assert words in err.reason, err.reason


@pytest.mark.parametrize("name, bad, words", BAD, ids=[b[0] for b in BAD])
def test_collecting_mode_accounts_for_the_bad_event(
    tacheng_compiled: CompiledRuleset, name: str, bad: Any, words: str
) -> None:
    rep = evaluate(tacheng_compiled, [FIRST, bad, LAST], AS_OF, strict=False)
    assert_accounted(rep, 3)
    (rejected,) = rep.accounting.rejected
    assert (rejected.index, rejected.where, rejected.disposition) == (1, "event #2", "rejected")
    assert words in rejected.reason
    assert rep.accounting.disposition(0) == "ignored"  # a response with no open instance
    assert rep.accounting.disposition(2) != "rejected"


def test_duplicate_ids(tacheng_compiled: CompiledRuleset) -> None:
    events = [FIRST, request(id="A"), LAST]
    with pytest.raises(EventError, match=r"^event #2: duplicate event id 'A'$"):
        evaluate(tacheng_compiled, events, AS_OF)
    rep = evaluate(tacheng_compiled, events, AS_OF, strict=False)
    assert [(e.index, e.id, e.reason) for e in rep.accounting.rejected] == [
        (1, "A", "duplicate event id 'A'")
    ]
    assert_accounted(rep, 3)


def test_an_integer_id_equal_to_a_string_id_is_a_duplicate(
    tacheng_compiled: CompiledRuleset,
) -> None:
    rep = evaluate(tacheng_compiled, [request(id=7), request(id="7")], AS_OF, strict=False)
    assert [e.reason for e in rep.accounting.rejected] == ["duplicate event id '7'"]


def test_collecting_mode_survives_an_integer_id_too_long_for_str(
    tacheng_compiled: CompiledRuleset,
) -> None:
    rep = evaluate(tacheng_compiled, [FIRST, request(id=10**5000), LAST], AS_OF, strict=False)
    assert_accounted(rep, 3)


def test_strict_mode_survives_an_integer_id_too_long_for_str(
    tacheng_compiled: CompiledRuleset,
) -> None:
    with pytest.raises(EventError, match="id must have"):
        evaluate(tacheng_compiled, [FIRST, request(id=10**5000), LAST], AS_OF)


# =============================================================================== files


def write_jsonl(path: Path, lines: list[str | bytes], *, bom: bool = False) -> Path:
    body = b"".join((x if isinstance(x, bytes) else x.encode()) + b"\n" for x in lines)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + body)
    return path


def test_jsonl_errors_name_file_and_line(tacheng_compiled: CompiledRuleset, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "events.jsonl",
        [json.dumps(FIRST), "", json.dumps(request(at="2025-03-03T10:00:00")), json.dumps(LAST)],
    )
    with pytest.raises(EventError) as info:
        evaluate(tacheng_compiled, path, AS_OF)
    assert info.value.where == f"{path}:3"  # the blank line counts as a line
    assert "naive timestamp" in str(info.value)


def test_jsonl_garbage_lines_are_each_rejected_and_reading_goes_on(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    lines: list[str | bytes] = [
        json.dumps(FIRST),
        '{"type": "payment", "at": "2025-03-04T10:00:00+08:00", "amount": NaN}',
        '{"type": "onsite_request", "at": ',
        b'{"type": "onsite_request", "incident": "caf\xe9"}',  # Latin-1, not UTF-8
        "[" * 100_000,
        '{"id": ' + "9" * 5000 + "}",
        "\x00\x01\x02",
        json.dumps(request(id="after-the-garbage")),
        json.dumps(LAST),
    ]
    path = write_jsonl(tmp_path / "messy.jsonl", lines)
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, len(lines))
    reasons = {e.where: e.reason for e in rep.accounting.rejected}
    assert sorted(reasons) == sorted(f"{path}:{n}" for n in range(2, 8))
    assert "NaN is not allowed" in reasons[f"{path}:2"]
    assert reasons[f"{path}:4"] == "not UTF-8 text"
    assert all(r.startswith("not valid JSON") for w, r in reasons.items() if not w.endswith(":4"))
    assert rep.find("onsite.response", "INC-1").trigger_event == "after-the-garbage"


def test_a_bom_does_not_cost_the_first_event(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    """Regression: a UTF-8 byte order mark made the first JSONL line invalid JSON."""
    path = write_jsonl(tmp_path / "bom.jsonl", [json.dumps(FIRST), json.dumps(LAST)], bom=True)
    rep = evaluate(tacheng_compiled, path, AS_OF)
    assert rep.accounting.counts() == {"input": 2, "used": 0, "ignored": 2, "rejected": 0}
    json_path = tmp_path / "bom.json"
    json_path.write_bytes(b"\xef\xbb\xbf" + json.dumps([FIRST, LAST]).encode())
    assert evaluate(tacheng_compiled, json_path, AS_OF).accounting.counts()["input"] == 2


def test_invalid_utf8_does_not_stop_the_reading(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    """Regression: reading stopped at the first line that was not UTF-8; the events after it
    were neither used, ignored nor rejected."""
    path = write_jsonl(
        tmp_path / "latin1.jsonl",
        [json.dumps(FIRST), b'{"x": "\xff"}', json.dumps(request()), json.dumps(LAST)],
    )
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 4)
    assert [(e.where, e.reason) for e in rep.accounting.rejected] == [
        (f"{path}:2", "not UTF-8 text")
    ]
    with pytest.raises(EventError, match=r":2: not UTF-8 text$"):
        evaluate(tacheng_compiled, path, AS_OF)


def test_csv_messes(tacheng_compiled: CompiledRuleset, tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    rows = [
        b"type,at,incident",
        b"onsite_request,2025-03-03T10:00:00+08:00,INC-1",
        b"onsite_request,2025-03-03T11:00:00+08:00,caf\xe9",  # not UTF-8
        b"onsite_request,2025-03-03T12:00:00+08:00," + b"x" * 200_000,  # over the csv cell limit
        b"onsite_request,2025-03-03T13:00:00+08:00,INC-4,extra",
        b"onsite_request,2025-03-03T14:00:00,INC-5",  # naive
        b"onsite_request,2025-03-03T15:00:00+08:00,INC-6",
    ]
    path.write_bytes(b"\xef\xbb\xbf" + b"\r\n".join(rows) + b"\r\n")
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert_accounted(rep, 6)
    got = [(e.index, e.reason.split(" (")[0]) for e in rep.accounting.rejected]
    assert got == [
        (1, "not UTF-8 text"),
        (2, "not valid CSV"),
        (3, "more cells than header columns"),
        (4, "naive timestamp 2025-03-03T14:00:00 has no offset; write e.g. "
         "2025-03-03T14:00:00+08:00, or declare the zone of naive times"),
    ]  # fmt: skip
    assert {o.key for o in rep.obligations if o.rule == "onsite.response"} == {"INC-1", "INC-6"}
    with pytest.raises(EventError, match=rf"^{path}:3: not UTF-8 text$"):
        evaluate(tacheng_compiled, path, AS_OF)


def test_naive_times_are_accepted_only_when_their_zone_is_declared(
    tacheng_compiled: CompiledRuleset,
) -> None:
    naive = request(at="2025-03-03T10:00:00")
    rep = evaluate(tacheng_compiled, [naive], AS_OF, naive_tz="Asia/Shanghai")
    assert rep.find("onsite.response", "INC-1").trigger_at == datetime(2025, 3, 3, 10, tzinfo=TZ)
    rep = evaluate(tacheng_compiled, [naive], AS_OF, naive_tz="UTC")
    assert rep.find("onsite.response", "INC-1").trigger_at == datetime(2025, 3, 3, 18, tzinfo=TZ)


# =============================================================================== offsets, order


SAME_INSTANT = [
    "2025-03-03T10:00:00+08:00",
    "2025-03-03T02:00:00Z",
    "2025-03-03T02:00:00+00:00",
    "2025-03-02T21:00:00-05:00",
    "2025-03-03T07:45:00+05:45",
    "2025-03-03T10:00:00.000000+08:00",
    "2025-03-03T02:00:00+0000",
]


def test_mixed_offsets_for_the_same_instant_give_the_same_report(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """A request and its response at one instant each, written with every offset pair."""
    response_at = [
        "2025-03-03T12:00:00+08:00",
        "2025-03-03T04:00:00Z",
        "2025-03-03T13:00:00+09:00",
    ]
    reports = set()
    for req in SAME_INSTANT:
        for resp in response_at:
            events = [
                request(at=req, id="R"),
                {"type": "response", "at": resp, "incident": "INC-1", "id": "S"},
            ]
            reports.add(evaluate(tacheng_compiled, events, AS_OF).to_json())
    assert len(reports) == 1
    rep = json.loads(reports.pop())
    first = next(o for o in rep["obligations"] if o["rule"] == "onsite.response")
    assert (first["trigger_at"], first["status"], first["due"]) == (
        "2025-03-03T10:00:00+08:00",
        "fulfilled",
        "2025-03-03T12:00:00+08:00",  # due inclusive, shown in the contract's zone
    )


def test_a_datetime_with_any_tzinfo_is_the_same_instant(tacheng_compiled: CompiledRuleset) -> None:
    base = datetime(2025, 3, 3, 2, tzinfo=UTC)
    variants = [
        base,
        base.astimezone(TZ),
        base.astimezone(timezone(timedelta(hours=-3, minutes=-30))),
        base.astimezone(ZoneInfo("America/New_York")),
    ]
    results = {evaluate(tacheng_compiled, [request(at=v)], AS_OF).to_json() for v in variants}
    assert len(results) == 1


def test_out_of_order_input_is_ordered_stably(tacheng_compiled: CompiledRuleset) -> None:
    """Two payments at one instant count in input order; a later event given first does not
    change that (the input is sorted by instant, ties by input position)."""
    at = "2025-11-20T10:00:00+08:00"
    late = {"type": "renewal_inquiry", "at": "2025-11-21T10:00:00+08:00", "party": "B", "id": "L"}
    p1 = payment("26800.00", id="P1", at=at)
    p2 = payment("26800.00", id="P2", at=at)
    for events, order in (([late, p1, p2], ("P1", "P2")), ([late, p2, p1], ("P2", "P1"))):
        ob = evaluate(tacheng_compiled, events, AS_OF).find("payment.annual_fee")
        assert ob.status == "fulfilled"
        assert ob.events == order
        assert ob.fulfilled_at == datetime(2025, 11, 20, 10, tzinfo=TZ)


def test_the_incremental_evaluator_names_an_event_out_of_order(
    tacheng_compiled: CompiledRuleset,
) -> None:
    ev = Evaluator(tacheng_compiled)
    ev.feed(request(at="2025-03-03T10:00:00+08:00", id="first"))
    with pytest.raises(EventError, match=r"^event #2: out of time order"):
        ev.feed(request(at="2025-03-03T09:00:00+08:00", id="second"))
    lenient = Evaluator(tacheng_compiled, strict=False)
    lenient.feed(request(at="2025-03-03T10:00:00+08:00", id="first"))
    entry = lenient.feed(request(at="2025-03-03T09:00:00+08:00", id="second"))
    assert entry.disposition == "rejected" and "out of time order" in entry.reason
    assert_accounted(lenient.report(AS_OF), 2)


# =============================================================================== property


def instant(minute: int) -> str:
    return (datetime(2024, 11, 18, tzinfo=TZ) + timedelta(minutes=minute)).isoformat()


MINUTES = st.integers(0, 60 * 24 * 500)  # beyond as_of too: those events are ignored
INCIDENTS = st.sampled_from(["INC-1", "INC-2", "INC-3"])


@st.composite
def valid_events(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["onsite_request", "response", "onsite_arrival", "fixed", "payment", "loss_claim"]
        )
    )
    event: dict[str, Any] = {"type": kind, "at": instant(draw(MINUTES))}
    if kind == "payment":
        event |= {"amount": f"{draw(st.integers(0, 60000))}.00", "currency": "CNY"}
    elif kind == "loss_claim":
        event |= {"incident": draw(INCIDENTS), "amount": "100.00", "currency": "CNY"}
    else:
        event["incident"] = draw(INCIDENTS)
    if draw(st.booleans()):
        event["id"] = draw(st.sampled_from(["E1", "E2", "E3", 4, 5]))  # duplicates happen
    return event


JSONISH: st.SearchStrategy[Any] = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.decimals(),
        st.text(max_size=20),
        st.datetimes(),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=8,
)


@st.composite
def spoilt_events(draw: st.DrawFn) -> Any:
    """A valid event with a key dropped or a value replaced, or anything at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(JSONISH)
    event = draw(valid_events())
    key = draw(st.sampled_from(sorted(event, key=str)))
    if draw(st.booleans()):
        del event[key]
    else:
        event[key] = draw(st.one_of(JSONISH, st.sampled_from([b[1] for b in BAD])))
    return event


STREAMS = st.lists(st.one_of(valid_events(), spoilt_events(), st.sampled_from([b[1] for b in BAD])))

PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(STREAMS)
def test_every_event_is_accounted_for_exactly_once(
    tacheng_compiled: CompiledRuleset, events: list[Any]
) -> None:
    rep = evaluate(tacheng_compiled, events, AS_OF, strict=False)
    assert_accounted(rep, len(events))
    for e in rep.accounting.rejected:
        assert e.where == f"event #{e.index + 1}" and e.reason


@PROPERTY
@given(STREAMS)
def test_strict_mode_raises_event_error_or_agrees_with_collecting_mode(
    tacheng_compiled: CompiledRuleset, events: list[Any]
) -> None:
    lenient = evaluate(tacheng_compiled, events, AS_OF, strict=False)
    try:
        strict = evaluate(tacheng_compiled, events, AS_OF)
    except EventError as err:
        first = lenient.accounting.rejected[0] if lenient.accounting.rejected else None
        assert first is not None, str(err)
        assert err.where.startswith("event #")
        return
    assert not lenient.accounting.rejected
    assert strict.to_json() == lenient.to_json()


@PROPERTY
@given(STREAMS)
def test_streaming_mode_counts_every_event_too(
    tacheng_compiled: CompiledRuleset, events: list[Any]
) -> None:
    rep = evaluate(tacheng_compiled, events, AS_OF, strict=False, settle_after=timedelta(days=3))
    c = rep.accounting.counts()
    assert c["used"] + c["ignored"] + c["rejected"] == c["input"] == len(events)


def test_an_as_of_beyond_the_supported_dates_is_a_clear_error(
    tacheng_compiled: CompiledRuleset,
) -> None:
    with pytest.raises(ContractRulesError, match="outside the supported dates"):
        evaluate(tacheng_compiled, [], "9999-12-31T23:59:59-12:00")


def test_crlf_line_ends_and_blank_lines_read_like_lf(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    """Lines end at LF; a CR before it (Windows tools) is JSON whitespace, and a line of only
    whitespace is skipped, but still counted for the line numbers that errors name."""
    body = (
        json.dumps(FIRST).encode()
        + b"\r\n   \r\n"
        + json.dumps(request(id="crlf")).encode()
        + b"\r\n"
        + json.dumps(request(id="naive", at="2025-03-03T10:00:00")).encode()
        + b"\r\n"
    )
    path = tmp_path / "crlf.jsonl"
    path.write_bytes(body)
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    assert rep.accounting.counts()["input"] == 3
    assert rep.find("onsite.response", "INC-1").trigger_event == "crlf"
    assert [e.where for e in rep.accounting.rejected] == [f"{path}:4"]


def test_report_order_breaks_ties_by_norm_then_key_not_input_order(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """Instances are listed by trigger instant, then norm order, then key and nth: two
    requests at the same instant are interleaved norm by norm, keys in order."""
    at = "2025-03-03T10:00:00+08:00"
    events = [
        request(id="b", incident="INC-B", at=at),
        request(id="a", incident="INC-A", at=at),
        request(id="a2", incident="INC-A", at=at),
    ]
    rep = evaluate(tacheng_compiled, events, AS_OF)
    onsite = [
        (o.rule, o.key, o.nth) for o in rep.obligations if o.trigger_event in {"a", "a2", "b"}
    ]
    assert onsite[:3] == [
        ("onsite.response", "INC-A", 1),
        ("onsite.response", "INC-A", 2),
        ("onsite.response", "INC-B", 1),
    ]
    assert [r for r, _, _ in onsite] == sorted(
        (r for r, _, _ in onsite), key=["onsite.response", "onsite.arrival", "onsite.fix"].index
    )
    dated = [o for o in rep.obligations if o.rule in {"payment.annual_fee", "renewal.inquiry"}]
    assert dated and all(o.trigger_event is None for o in dated)


def test_a_stray_bom_after_the_first_line_is_named(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "bom2.jsonl", [json.dumps(FIRST), "\ufeff" + json.dumps(LAST)])
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    [bad] = rep.accounting.rejected
    assert bad.where == f"{path}:2"
    assert bad.reason.startswith("not valid JSON (Unexpected UTF-8 BOM")


def test_an_event_type_may_be_a_str_subclass(tacheng_compiled: CompiledRuleset) -> None:
    """Mappings built by other tools may carry str subclasses (StrEnum members, numpy strings)."""
    import enum

    class Kind(enum.StrEnum):
        REQUEST = "onsite_request"

    rep = evaluate(tacheng_compiled, [request(type=Kind.REQUEST)], AS_OF)
    assert rep.find("onsite.response", "INC-1").trigger_event.startswith("~")  # named by content


def _json_loads_reading(line: str) -> Any:
    """What a JSONL line must read as: json.loads' value (floats as Decimal, no NaN), or the
    reason that names json.loads' own error; None for a blank line, which is skipped."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not allowed")

    try:
        return ("value", json.loads(line, parse_float=Decimal, parse_constant=refuse))
    except (ValueError, RecursionError) as exc:
        return None if not line.strip(" \t\n\r") else ("reason", f"not valid JSON ({exc})")


_JSON_BITS = st.sampled_from(
    [" ", "\t", "\r", "\x0b", "\x0c", "\u3000", "\ufeff", "x", ",", "}", "]", "1", "NaN", "[]"]
)
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda kids: (
        st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=3), kids, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(st.lists(_JSON_BITS, max_size=2), _VALUES, st.lists(_JSON_BITS, max_size=2))
        | st.text(st.characters(exclude_categories=["Cs"]), max_size=12).map(
            lambda t: ([], None, [t])
        ),
        min_size=1,
        max_size=8,
    )
)
def test_every_jsonl_line_reads_as_json_loads_reads_it(tmp_path_factory: Any, parts: Any) -> None:
    """Each line of a JSONL file reads as json.loads reads it, value or error message alike,
    whatever whitespace (JSON's or other) or extra text surrounds the value."""
    from contract_rules.events import read_events

    lines = [json.dumps(FIRST)]
    for before, value, after in parts:
        body = "" if value is None and not before else json.dumps(value)
        lines.append(("".join(before) + body + "".join(after)).replace("\n", " "))
    path = tmp_path_factory.mktemp("lines") / "e.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    expected = []
    for n, line in enumerate(lines, 1):
        want = _json_loads_reading(line + ("\n" if n < len(lines) else ""))
        if want is not None:
            expected.append((f"{path}:{n}", want))
    got = []
    for raw in read_events(path):
        data = raw.data
        kind = ("reason", data.reason) if hasattr(data, "reason") else ("value", data)
        got.append((raw.where, kind))
    assert got == expected


def test_an_event_at_a_term_date_is_ordered_with_the_term_date_instances_by_norm(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """Instances dated by the term (payment, renewal: created before any event) and those of a
    request at that very instant are reported in norm order, as any other tie."""
    request_at_start = request(at="2024-11-18T00:00:00+08:00", id="r0", incident="INC-0")
    rep = evaluate(tacheng_compiled, [request_at_start], AS_OF)
    at_start = [o.rule for o in rep.obligations if o.trigger_at == rep.obligations[0].trigger_at]
    assert at_start == [
        "onsite.response",
        "onsite.arrival",
        "onsite.fix",
        "payment.annual_fee",
        "renewal.inquiry",
    ]


def test_a_number_too_large_for_decimal_spoils_only_its_line(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    """Decimal refuses an exponent beyond its range (an ArithmeticError, not a ValueError): the
    line is rejected with its reason, and reading goes on."""
    huge = json.dumps(dict(FIRST, id="H")).replace("}", ', "x": 1e99999999999999999999}')
    path = write_jsonl(tmp_path / "huge.jsonl", [json.dumps(FIRST), huge, json.dumps(LAST)])
    rep = evaluate(tacheng_compiled, path, AS_OF, strict=False)
    [bad] = rep.accounting.rejected
    assert (bad.where, bad.reason) == (f"{path}:2", "not valid JSON (a number too large to read)")
    assert rep.accounting.counts()["input"] == 3
    one = tmp_path / "huge.json"
    one.write_text(f"[{huge}]", encoding="utf-8")
    [bad] = evaluate(tacheng_compiled, one, AS_OF, strict=False).accounting.rejected
    assert bad.reason == "not valid JSON (a number too large to read)"


def test_a_pre_validated_event_is_held_to_the_same_instants_as_a_record(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """An Event object whose instant is naive (or not a datetime) is refused as a record's
    would be: an EventError naming it in strict mode, a rejection otherwise."""
    from contract_rules.events import Event

    naive = Event(0, "N", "onsite_request", datetime(2025, 3, 3, 10), {"incident": "INC-1"}, "x:1")
    with pytest.raises(EventError, match="x:1: naive timestamp"):
        evaluate(tacheng_compiled, [naive], AS_OF)
    rep = evaluate(tacheng_compiled, [naive], AS_OF, strict=False)
    assert [(r.where, r.id) for r in rep.accounting.rejected] == [("x:1", "N")]
    utc_at = datetime(2025, 3, 3, 2, tzinfo=UTC)
    ok = Event(0, "U", "onsite_request", utc_at, {"incident": "INC-1"}, "x:1")
    ob = evaluate(tacheng_compiled, [ok], AS_OF).find("onsite.response", "INC-1")
    assert ob.trigger_at.tzinfo is TZ and ob.trigger_at == utc_at
