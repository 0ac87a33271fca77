"""A report read back from its JSON (:meth:`Report.to_json`), for :meth:`Report.from_json`.

The JSON names its layout (``format``, :data:`~contract_rules.report.REPORT_FORMAT`) and the
package version that wrote it. Everything the JSON holds comes back: the obligations with their
statuses, reasons and deciding events, the remedy lines, the accounting of ignored and rejected
events, assumptions, notes and the instances streaming mode settled. Instants come back in the
report's zone, amounts as exact decimals, so that ``from_json(text).to_json() == text`` (up to
the ``version`` key, which names the package that writes).

What the JSON does not hold is not invented: the input positions of used events (only their
number: :attr:`Accounting.used_indexes` is None), the explanations' steps (``steps()`` is empty),
and the contract's language, the norms' titles and the ruleset unless the caller passes the
ruleset. One deciding event
comes back as its id, not as a tuple of one (the JSON cannot tell them apart).

Bad input gets a :class:`~contract_rules.errors.ContractRulesError` that names the place in the
document (``$.obligations[3].due``) and what is wrong there; never a traceback of this module.
"""

from __future__ import annotations

import json
from array import array
from collections import Counter
from datetime import datetime, timedelta, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any, cast, get_args

from .errors import ContractRulesError
from .events import zone
from .model import Ruleset, Status, Strength
from .report import (
    ALL_STATUSES,
    LIFECYCLE_STATUSES,
    REPORT_FORMAT,
    STATUSES,
    Accounting,
    CauseLink,
    Disposition,
    EventEntry,
    Liability,
    Life,
    MeasurePeriod,
    NormInfo,
    Obligation,
    RemedyItem,
    RemedyLine,
    Report,
    StateChange,
)

__all__ = ["report_from_dict", "report_from_json"]


class _Doc:
    """One place in the document being read: its path (for messages) and its value."""

    __slots__ = ("path", "value")

    def __init__(self, value: Any, path: str = "$") -> None:
        self.value = value
        self.path = path

    def fail(self, what: str) -> ContractRulesError:
        return ContractRulesError(f"report JSON, at {self.path}: {what}")

    def obj(self) -> dict[str, Any]:
        if not isinstance(self.value, dict):
            raise self.fail(f"expected an object, got {_kind(self.value)}")
        return self.value

    def __getitem__(self, key: str) -> _Doc:
        d = self.obj()
        if key not in d:
            raise self.fail(f"missing key {key!r}")
        return _Doc(d[key], f"{self.path}.{key}")

    def get(self, key: str) -> _Doc | None:
        d = self.obj()
        return _Doc(d[key], f"{self.path}.{key}") if key in d else None

    def items(self) -> list[_Doc]:
        if not isinstance(self.value, list):
            raise self.fail(f"expected a list, got {_kind(self.value)}")
        return [_Doc(v, f"{self.path}[{i}]") for i, v in enumerate(self.value)]

    def text(self) -> str:
        if not isinstance(self.value, str):
            raise self.fail(f"expected text, got {_kind(self.value)}")
        return self.value

    def opt_text(self) -> str | None:
        return None if self.value is None else self.text()

    def integer(self) -> int:
        if isinstance(self.value, bool) or not isinstance(self.value, int):
            raise self.fail(f"expected an integer, got {_kind(self.value)}")
        return self.value

    def flag(self) -> bool:
        if not isinstance(self.value, bool):
            raise self.fail(f"expected true or false, got {_kind(self.value)}")
        return self.value

    def texts(self) -> tuple[str, ...]:
        return tuple(d.text() for d in self.items())

    def instant(self, tz: tzinfo) -> datetime:
        text = self.text()
        try:
            t = datetime.fromisoformat(text)
        except ValueError:
            raise self.fail(f"not an ISO 8601 instant: {text!r}") from None
        if t.tzinfo is None:
            raise self.fail(f"the instant {text!r} has no offset")
        try:
            return t.astimezone(tz)
        except OverflowError:
            raise self.fail(f"the instant {text!r} is out of range") from None

    def opt_instant(self, tz: tzinfo) -> datetime | None:
        return None if self.value is None else self.instant(tz)

    def amount(self) -> Decimal:
        text = self.text()
        try:
            d = Decimal(text)
        except InvalidOperation:
            raise self.fail(f"not an amount: {text!r}") from None
        if not d.is_finite():
            raise self.fail(f"not a finite amount: {text!r}")
        return d

    def choice(self, allowed: tuple[str, ...]) -> str:
        text = self.text()
        if text not in allowed:
            raise self.fail(f"{text!r} is not one of {', '.join(allowed)}")
        return text


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def report_from_json(text: str | bytes, *, ruleset: Ruleset | None = None) -> Report:
    """The report written as ``text`` by :meth:`Report.to_json` (any indent).

    ``ruleset``, when given, is the ruleset the report was evaluated with: it gives the report
    its language and :attr:`Report.ruleset` (ContractRulesError when its contract id is not the
    report's). Raises ContractRulesError for text that is not such a report, naming the place.
    """
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ContractRulesError(f"report JSON: not valid JSON ({exc})") from None
    return report_from_dict(data, ruleset=ruleset)


def report_from_dict(data: Any, *, ruleset: Ruleset | None = None) -> Report:
    """:func:`report_from_json` of the parsed document (:meth:`Report.to_dict`'s mapping)."""
    doc = _Doc(data)
    fmt = doc["format"].text()
    if fmt != REPORT_FORMAT:
        raise doc["format"].fail(
            f"unknown report format {fmt!r}; this reader reads {REPORT_FORMAT}"
        )
    doc["version"].text()
    contract = doc["contract"]
    cid = contract["id"].text()
    tz_doc = contract["timezone"]
    try:
        tz = zone(tz_doc.text())
    except ValueError as exc:
        raise tz_doc.fail(str(exc)) from None
    if ruleset is not None and ruleset.contract.id != cid:
        raise contract["id"].fail(
            f"the report is of contract {cid!r}, the ruleset given of {ruleset.contract.id!r}"
        )
    infos: dict[tuple[str, ...], NormInfo] = {}
    titles = {
        n.id: (n.title.zh or "", n.title.en or "") for n in (ruleset.norms if ruleset else ())
    }
    obligations = tuple(_obligation(o, tz, infos, titles) for o in doc["obligations"].items())
    counted = Counter(o.status for o in obligations)
    settled: dict[str, int] = {}
    counts = doc["counts"]
    gone = tuple(s for s in LIFECYCLE_STATUSES if counts.get(s) is not None)
    present: tuple[Status, ...] = (*STATUSES, *gone)
    for status in present:
        extra = counts[status].integer() - counted[status]
        if extra < 0:
            raise counts[status].fail(
                f"{counts[status].value} {status}, fewer than the {counted[status]} listed"
            )
        if extra:
            settled[status] = extra
    payers = _payers(ruleset)
    states = contract.get("states")
    measures = doc.get("measures")  # written only by a ruleset with measures
    events = doc["events"]
    ev_counts = events["counts"]
    return Report(
        contract_id=cid,
        contract_title_zh=contract["title"]["zh"].text(),
        contract_title_en=contract["title"]["en"].text(),
        language=ruleset.contract.language if ruleset is not None else "zh",
        timezone=tz_doc.text(),
        as_of=doc["as_of"].instant(tz),
        obligations=obligations,
        liability=Liability(tuple(_line(d, tz, payers) for d in doc["liability"]["lines"].items())),
        accounting=Accounting(
            used_count=ev_counts["used"].integer(),
            ignored=tuple(_entry(d, tz, "ignored") for d in events["ignored"].items()),
            rejected=tuple(_entry(d, tz, "rejected") for d in events["rejected"].items()),
            used_indexes=cast("array[int] | None", None),
        ),
        assumptions=doc["assumptions"].texts(),
        notes=doc["notes"].texts(),
        settled=settled,
        ruleset=ruleset,
        contract_states=tuple(_stretch(h, tz) for h in states.items()) if states else (),
        measures=tuple(_measure(m, tz) for m in measures.items()) if measures else (),
    )


def _obligation(
    d: _Doc,
    tz: tzinfo,
    infos: dict[tuple[str, ...], NormInfo],
    titles: dict[str, tuple[str, str]],
) -> Obligation:
    words = (
        d["rule"].text(),
        d["kind"].choice(("obligation", "prohibition", "permission")),
        d["clause"].text(),
        d["strength"].choice(get_args(Strength)),
    )
    # one shared record per norm, as an evaluation makes (the titles are the ruleset's: the
    # JSON does not hold them)
    info = infos.get(words)
    if info is None:
        zh, en = titles.get(words[0], ("", ""))
        info = infos[words] = NormInfo(
            words[0], words[1], words[2], zh, en, cast(Strength, words[3])
        )
    trigger_event = d["trigger_event"].opt_text()
    events = d["events"].texts()
    if trigger_event is not None:
        if not events or events[0] != trigger_event:
            raise d["events"].fail(f"the trigger event {trigger_event!r} must come first")
        events = events[1:]
    deciding: str | tuple[str, ...] | None = (
        None if not events else events[0] if len(events) == 1 else events
    )
    nth = d["nth"].integer()
    if nth < 1:
        raise d["nth"].fail(f"nth must be 1 or more, got {nth}")
    return Obligation(
        info,
        d["party"].text(),
        d["key"].opt_text(),
        nth,
        d["trigger_at"].instant(tz),
        trigger_event,
        d["tier"].opt_text(),
        d["due"].opt_instant(tz),
        cast(Status, d["status"].choice(ALL_STATUSES)),
        d["fulfilled_at"].opt_instant(tz),
        d["reason"].opt_text(),
        d["reason_zh"].opt_text(),
        deciding,
        d["notes"].texts(),
        life=_life(d, tz),
    )


def _stretch(d: _Doc, tz: tzinfo) -> StateChange:
    ok = d.get("successful")
    return StateChange(
        d["state"].text(),
        d["from"].instant(tz),
        d["to"].opt_instant(tz),
        d["event"].opt_text(),
        d["reason"].opt_text(),
        None if ok is None else ok.flag(),
    )


def _life(d: _Doc, tz: tzinfo) -> Life | None:
    """The lifecycle facts an obligation's ``history`` and ``cause`` were derived from: the
    suspensions (each with the event that ended it, the next stretch's), and the instant and
    event of a discharge or of a prohibited act where the history shows one. A suspension that
    the final state cut short comes back ending where it was cut (the JSON shows no more)."""
    hist = d.get("history")
    stretches = [_stretch(h, tz) for h in hist.items()] if hist is not None else []
    suspended = tuple(
        (h.start, h.end, h.event, nxt.event if nxt is not None else None)
        for h, nxt in zip(stretches, [*stretches[1:], None], strict=True)
        if h.state == "suspended"
    )
    ended_at = ended_by = None
    if stretches:
        last = stretches[-1]
        prohibition = d["kind"].value == "prohibition"
        if last.state == "discharged" or (
            last.state == "violated" and prohibition and last.start != stretches[0].start
        ):
            # a prohibited act's event is the obligation's deciding event, not a fact of life
            ended_at, ended_by = last.start, last.event if last.state == "discharged" else None
    cause_doc = d.get("cause")
    cause = None
    if cause_doc is not None and cause_doc.value is not None:
        cause = CauseLink(
            cause_doc["rule"].text(),
            cause_doc["key"].opt_text(),
            cause_doc["nth"].integer(),
            cause_doc["change"].text(),
            cause_doc["at"].instant(tz),
        )
    closes_doc = d.get("closes")
    closes = None if closes_doc is None else closes_doc.instant(tz)
    if not suspended and ended_at is None and cause is None and closes is None:
        return None
    return Life(suspended, ended_at, ended_by, cause, closes)


def _payers(ruleset: Ruleset | None) -> dict[str, str]:
    """Who pays each remedy (its ``party``): the ruleset's word for the lines of a JSON written
    before payers were recorded; empty without a ruleset."""
    return {} if ruleset is None else {r.id: r.party for r in ruleset.remedies}


def _line(d: _Doc, tz: tzinfo, payers: dict[str, str]) -> RemedyLine:
    cap, payer, notes = d["cap"], d.get("payer"), d.get("notes")
    remedy = d["remedy"].text()
    return RemedyLine(
        remedy=remedy,
        kind=d["kind"].text(),
        clause=d["clause"].text(),
        period=d["period"].integer(),
        period_label=d["period_label"].text(),
        period_start=d["period_start"].instant(tz),
        period_end=d["period_end"].instant(tz),
        currency=d["currency"].text(),
        claimed=d["claimed"].amount(),
        compensable=d["compensable"].amount(),
        cap=None if cap.value is None else cap.amount(),
        payable=d["payable"].amount(),
        items=tuple(_item(i) for i in d["items"].items()),
        payer=payers.get(remedy) if payer is None else payer.opt_text(),
        notes=() if notes is None else notes.texts(),
    )


def _measure(d: _Doc, tz: tzinfo) -> MeasurePeriod:
    value, target = d["value"], d["target"]
    return MeasurePeriod(
        measure=d["measure"].text(),
        clause=d["clause"].opt_text(),
        period=d["period"].integer(),
        period_label=d["period_label"].text(),
        period_start=d["period_start"].instant(tz),
        period_end=d["period_end"].instant(tz),
        until=d["until"].instant(tz),
        complete=d["complete"].flag(),
        scheduled=_seconds(d["scheduled_seconds"]),
        excluded=_seconds(d["excluded_seconds"]),
        down=_seconds(d["down_seconds"]),
        value=None if value.value is None else value.amount(),
        target=None if target.value is None else target.amount(),
        spans=d["spans"].texts(),
    )


def _seconds(d: _Doc) -> timedelta:
    """A duration written as its exact seconds (``MeasurePeriod.to_dict``)."""
    s = d.amount()
    if not (Decimal(0) <= s <= Decimal(10) ** 11):
        raise d.fail(f"not a duration in seconds: {s}")
    return timedelta(microseconds=int(s * 1_000_000))


def _item(d: _Doc) -> RemedyItem:
    """One remedy item; an amount computed by an expression is read back exactly (``exact``,
    not the amount shown to the fen) with its ``explanation``."""
    currency, exact, explanation = d.get("currency"), d.get("exact"), d.get("explanation")
    return RemedyItem(
        rule=d["rule"].opt_text(),
        key=d["key"].opt_text(),
        event=d["event"].opt_text(),
        amount=(d["amount"] if exact is None else exact).amount(),
        compensable=d["compensable"].flag(),
        reason=d["reason"].text(),
        currency=None if currency is None else currency.text(),
        explanation=() if explanation is None else explanation.texts(),
    )


def _entry(d: _Doc, tz: tzinfo, disposition: Disposition) -> EventEntry:
    d["disposition"].choice((disposition,))
    return EventEntry(
        d["index"].integer(),
        d["where"].text(),
        d["id"].opt_text(),
        d["type"].opt_text(),
        d["at"].opt_instant(tz),
        disposition,
        d["reason"].text(),
    )
