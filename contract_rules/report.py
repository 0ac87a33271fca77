"""The report of an evaluation: every duty's fate, the breaches, remedies and event accounting.

A :class:`Report` is an immutable value. ``to_json()`` is byte-identical for equal input in any
process; ``to_pandas()`` imports pandas only when called.
"""

from __future__ import annotations

import json
import sys
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from .model import Ruleset, Status, Strength
from .text import iso as iso  # public here, as before
from .text import money as money  # public here, as before

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .calendar import BusinessCalendar
    from .notebook import AttainmentBy

Disposition = Literal["used", "ignored", "rejected"]
STATUSES: tuple[Status, ...] = ("pending", "fulfilled", "violated", "excused")
#: every status an instance can report: ``discharged`` only where the contract was terminated
#: or a power released a duty, ``expired`` only where a right has a closing (each counted, and
#: shown, only where it occurs, so that reports of contracts without powers keep their layout)
LIFECYCLE_STATUSES: tuple[Status, ...] = ("discharged", "expired")
ALL_STATUSES: tuple[Status, ...] = (*STATUSES, *LIFECYCLE_STATUSES)


#: The name and revision of the report's JSON layout (the ``format`` key of :meth:`Report.to_dict`).
REPORT_FORMAT = "contract-rules-report/1"


def _package_version() -> str:
    """``contract_rules.__version__``. Read from the package object, which Python imports before
    any of its modules, rather than imported: the package's ``__init__`` imports the engine,
    which sits above the report in the layers."""
    version: str = sys.modules[__name__.rpartition(".")[0]].__version__
    return version


@dataclass(frozen=True, slots=True)
class StateChange:
    """One stretch of a state history: ``state`` from ``start`` until ``end`` (None: still so
    at ``as_of``), entered by the event ``event`` (None: by the passing of time or a contract
    date), with the reason where one is given."""

    state: str
    start: datetime
    end: datetime | None
    event: str | None = None
    reason: str | None = None
    #: a terminated contract: whether it ended successfully (None for every other state)
    successful: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        out: dict[str, Any] = {
            "state": self.state,
            "from": iso(self.start),
            "to": iso(self.end),
            "event": self.event,
            "reason": self.reason,
        }
        if self.successful is not None:
            out["successful"] = self.successful
        return out


@dataclass(frozen=True, slots=True)
class CauseLink:
    """The instance whose change of state created another (``trigger.on``): its norm, key and
    number, the change (violated, fulfilled, excused) and its instant."""

    rule: str
    key: str | None
    nth: int
    change: str
    at: datetime

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        return {
            "rule": self.rule,
            "key": self.key,
            "nth": self.nth,
            "change": self.change,
            "at": iso(self.at),
        }


@dataclass(frozen=True, slots=True)
class Life:
    """The lifecycle facts few instances have, beside what their obligation says: the clock's
    suspensions (start, end or None, the starting and ending events), the instant a state
    was entered that the obligation does not give (a prohibited act, a discharge) with its
    event, and the cause that created the instance."""

    suspended: tuple[tuple[datetime, datetime | None, str | None, str | None], ...] = ()
    ended_at: datetime | None = None
    ended_by: str | None = None
    cause: CauseLink | None = None
    #: a right's closing (``until``): it is open in [opening, closing), expired after
    closes: datetime | None = None


@dataclass(frozen=True, slots=True)
class NormInfo:
    """What every instance of one norm shares: its id, kind, clause, titles and strength."""

    rule: str
    kind: str
    clause: str
    title_zh: str
    title_en: str
    strength: Strength


@dataclass(slots=True, unsafe_hash=True)
class Obligation:
    """One instance of a norm: when it arose, when it falls due, and what became of it.

    ``rule`` is the norm id, ``key`` the correlating value (incident, ref) or None. ``events``
    lists the ids of the events that decided the status, in time order. ``explanation`` gives the
    steps that computed ``due`` and the status (built on demand), for :meth:`Report.explain`.

    The norm's own words (``rule``, ``kind``, ``clause``, ``title_zh``, ``title_en``,
    ``strength``) are read through :attr:`norm`, shared by all its instances. ``events`` is
    ``trigger_event`` followed by ``deciding``: the id (or ids) of the events after the trigger
    that decided the status, kept without a tuple of their own where one id is enough.

    A value: equal and hashing alike when its fields are equal. It is read-only by contract; it
    is not a frozen dataclass because a report builds one per instance and a frozen dataclass of
    this size costs ten times more to build (``docs/decisions.md``).
    """

    norm: NormInfo
    party: str
    key: str | None
    nth: int
    trigger_at: datetime
    trigger_event: str | None
    tier: str | None
    due: datetime | None
    status: Status
    fulfilled_at: datetime | None
    reason: str | None = None
    reason_zh: str | None = None
    deciding: str | tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()
    #: builds the steps on demand from this instance and the compiled rules, in a language
    explainer: Callable[[Obligation, str], tuple[str, ...]] | None = field(
        default=None, compare=False, repr=False
    )
    #: the fields of its trigger and fulfilling events (``trigger``, ``fulfilment``), kept only
    #: where a remedy computes an amount from them (``remedies[].amount``)
    data: Mapping[str, Mapping[str, Any] | None] | None = field(
        default=None, compare=False, repr=False
    )
    #: the lifecycle facts the fields above do not give (suspensions, discharge, cause)
    life: Life | None = None

    @property
    def cause(self) -> CauseLink | None:
        """The instance whose change of state created this one (``trigger.on``), if any."""
        return self.life.cause if self.life is not None else None

    @property
    def closes(self) -> datetime | None:
        """A right's closing (``until``): it is open in [opening, closing); None: no closing."""
        return self.life.closes if self.life is not None else None

    @property
    def history(self) -> tuple[StateChange, ...]:
        """The instance's states in time order: ``pending`` from its trigger, ``suspended``
        while its clock stood still, and the final state from the instant it was entered
        (``docs/engine.md``, "The lifecycle"). Derived on demand: it costs nothing until
        asked for."""
        return history_of(self)

    @property
    def events(self) -> tuple[str, ...]:
        """The ids of the events that decided the status, in time order: the trigger first."""
        head = (self.trigger_event,) if self.trigger_event else ()
        more = self.deciding
        if more is None:
            return head
        if isinstance(more, str):
            return (*head, more)
        return (*head, *more)

    @property
    def rule(self) -> str:
        """The norm's id."""
        return self.norm.rule

    @property
    def kind(self) -> str:
        """``obligation``, ``prohibition`` or ``permission``."""
        return self.norm.kind

    @property
    def clause(self) -> str:
        """The clause of the contract the norm encodes."""
        return self.norm.clause

    @property
    def title_zh(self) -> str:
        """The norm's title in Chinese (may be empty)."""
        return self.norm.title_zh

    @property
    def title_en(self) -> str:
        """The norm's title in English (may be empty)."""
        return self.norm.title_en

    @property
    def strength(self) -> Strength:
        """``binding`` or ``best_effort``."""
        return self.norm.strength

    @property
    def explanation(self) -> tuple[str, ...]:
        """The steps that computed ``due`` and the status, in English."""
        return self.steps("en")

    def steps(self, lang: str = "en") -> tuple[str, ...]:
        """The steps that computed ``due`` and the status, in ``lang`` (``zh`` or ``en``)."""
        return self.explainer(self, lang) if self.explainer is not None else ()

    @property
    def is_breach(self) -> bool:
        """A violated binding instance."""
        return self.status == "violated" and self.strength == "binding"

    def reason_in(self, lang: str = "en") -> str | None:
        """The reason for the status in ``lang`` (``zh`` falls back to English)."""
        return (self.reason_zh or self.reason) if lang == "zh" else self.reason

    def title(self, lang: str = "en") -> str:
        """The norm's title in ``lang``."""
        if lang == "en":
            return self.title_en or self.title_zh
        return self.title_zh or self.title_en

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys."""
        return {
            "rule": self.rule,
            "kind": self.kind,
            "clause": self.clause,
            "party": self.party,
            "key": self.key,
            "nth": self.nth,
            "tier": self.tier,
            "trigger_at": iso(self.trigger_at),
            "trigger_event": self.trigger_event,
            "due": iso(self.due),
            "status": self.status,
            "fulfilled_at": iso(self.fulfilled_at),
            "strength": self.strength,
            "reason": self.reason,
            "reason_zh": self.reason_zh,
            "events": list(self.events),
            "notes": list(self.notes),
            "history": [h.to_dict() for h in self.history],
            "cause": None if self.cause is None else self.cause.to_dict(),
            # a right's closing only where it has one (reports without one keep their bytes)
            **({} if self.closes is None else {"closes": iso(self.closes)}),
        }


@dataclass(frozen=True)
class RemedyItem:
    """One claim or breach that a remedy line counts, with whether and why it is compensable."""

    rule: str | None
    key: str | None
    event: str | None
    amount: Decimal
    compensable: bool
    reason: str
    #: the claim's currency when it is not the line's (such a claim is refused, and its amount
    #: is not added to the line's figures); None: the line's currency
    currency: str | None = None
    #: an amount computed by an expression: the arithmetic, line by line (the values read, each
    #: step, the whole computation)
    explanation: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (``currency`` only for a claim in another currency; an amount
        computed by an expression also as ``exact``, unrounded, with its ``explanation``)."""
        d: dict[str, Any] = {
            "rule": self.rule,
            "key": self.key,
            "event": self.event,
            "amount": money(self.amount),
            "compensable": self.compensable,
            "reason": self.reason,
        }
        if self.currency is not None:
            d["currency"] = self.currency
        if self.explanation:
            d["exact"] = f"{self.amount:f}"
            d["explanation"] = list(self.explanation)
        return d


@dataclass(frozen=True)
class RemedyLine:
    """A remedy in one period (service year, month or the term): claimed, compensable, capped."""

    remedy: str
    kind: str
    clause: str
    period: int
    period_label: str
    period_start: datetime
    period_end: datetime
    currency: str
    claimed: Decimal
    compensable: Decimal
    cap: Decimal | None
    payable: Decimal
    items: tuple[RemedyItem, ...] = ()
    #: how a computed cap came about, or why it could not be computed
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping; amounts as strings with two places (``notes`` only when the
        line has some)."""
        d = {
            "remedy": self.remedy,
            "kind": self.kind,
            "clause": self.clause,
            "period": self.period,
            "period_label": self.period_label,
            "period_start": iso(self.period_start),
            "period_end": iso(self.period_end),
            "currency": self.currency,
            "claimed": money(self.claimed),
            "compensable": money(self.compensable),
            "cap": None if self.cap is None else money(self.cap),
            "payable": money(self.payable),
            "items": [i.to_dict() for i in self.items],
        }
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass(frozen=True)
class Liability:
    """Remedy lines per period, and totals per remedy."""

    lines: tuple[RemedyLine, ...] = ()

    def __iter__(self) -> Iterator[RemedyLine]:
        return iter(self.lines)

    def __len__(self) -> int:
        return len(self.lines)

    def total(self, remedy: str | None = None, what: str = "payable") -> Decimal:
        """The sum of ``what`` (claimed, compensable or payable) over periods of ``remedy``."""
        return sum(
            (getattr(ln, what) for ln in self.lines if remedy is None or ln.remedy == remedy),
            Decimal("0.00"),
        )

    @property
    def payable(self) -> Decimal:
        """Total payable over every remedy and period."""
        return self.total()

    def to_dict(self) -> dict[str, Any]:
        """Lines and totals per remedy."""
        remedies = sorted({ln.remedy for ln in self.lines})
        return {
            "lines": [ln.to_dict() for ln in self.lines],
            "totals": {
                r: {w: money(self.total(r, w)) for w in ("claimed", "compensable", "payable")}
                for r in remedies
            },
        }


@dataclass(frozen=True, slots=True)
class EventEntry:
    """What became of one input event: used, ignored or rejected, and why."""

    index: int
    where: str
    id: str | None
    type: str | None
    at: datetime | None
    disposition: Disposition
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "index": self.index,
            "where": self.where,
            "id": self.id,
            "type": self.type,
            "at": iso(self.at),
            "disposition": self.disposition,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Accounting:
    """Every input event, once: used + ignored + rejected = input.

    Ignored and rejected events are kept with their reasons. Used events are kept as their
    input positions only (``used_indexes``), so that a million events cost megabytes, not
    hundreds; a streaming evaluation keeps just their number (``used_indexes`` is None).
    """

    used_count: int = 0
    ignored: tuple[EventEntry, ...] = ()
    rejected: tuple[EventEntry, ...] = ()
    used_indexes: array[int] | None = field(default=None, compare=False)

    @property
    def total(self) -> int:
        """The number of input events."""
        return self.used_count + len(self.ignored) + len(self.rejected)

    def counts(self) -> dict[str, int]:
        """``{"input": n, "used": u, "ignored": i, "rejected": r}``."""
        return {
            "input": self.total,
            "used": self.used_count,
            "ignored": len(self.ignored),
            "rejected": len(self.rejected),
        }

    def disposition(self, index: int) -> str:
        """What became of the input event at position ``index`` (0-based)."""
        for e in (*self.ignored, *self.rejected):
            if e.index == index:
                return e.disposition
        if self.used_indexes is not None and index in self.used_indexes:
            return "used"
        if self.used_indexes is None and 0 <= index < self.total:
            return "used"
        raise IndexError(f"no input event at position {index}")


@dataclass(frozen=True)
class Report:
    """The result of :func:`contract_rules.evaluate`."""

    contract_id: str
    contract_title_zh: str
    contract_title_en: str
    language: str
    timezone: str
    as_of: datetime
    obligations: tuple[Obligation, ...]
    liability: Liability
    accounting: Accounting
    assumptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    #: streaming mode: instances per status already handed to ``on_settled`` and not listed
    settled: dict[str, int] = field(default_factory=dict)
    #: the contract's states over time: in effect, terminated (by a power or at the term's
    #: end, successfully or not, with the reason)
    contract_states: tuple[StateChange, ...] = ()
    #: the measures per period (availability per month), in the rule file's order
    measures: tuple[MeasurePeriod, ...] = ()
    _by_rule_key: dict[tuple[str, str | None], list[Obligation]] = field(
        default_factory=dict, repr=False, compare=False
    )
    #: the ruleset evaluated (for the calendar of :meth:`plot_timeline` and the norm order of
    #: :meth:`attainment`); not part of the report's value, JSON or equality
    ruleset: Ruleset | None = field(default=None, repr=False, compare=False)

    @property
    def breaches(self) -> tuple[Obligation, ...]:
        """The violated binding instances."""
        return tuple(o for o in self.obligations if o.is_breach)

    def counts(self) -> dict[str, int]:
        """Instances per status (the four statuses of every contract, zero included, and
        ``discharged`` and ``expired`` where any instance is so)."""
        c = Counter(o.status for o in self.obligations)
        out: dict[str, int] = {s: c[s] + self.settled.get(s, 0) for s in STATUSES}
        for s in LIFECYCLE_STATUSES:
            gone = c[s] + self.settled.get(s, 0)
            if gone:
                out[s] = gone
        return out

    def find(self, rule: str, key: str | None = None, nth: int = 1) -> Obligation:
        """The ``nth`` instance of ``rule`` with ``key`` (KeyError when there is none)."""
        if not self._by_rule_key:
            for o in self.obligations:
                self._by_rule_key.setdefault((o.rule, o.key), []).append(o)
        found = self._by_rule_key.get((rule, key), [])
        if len(found) < nth:
            raise KeyError(f"no instance {nth} of {rule} with key {key!r}")
        return found[nth - 1]

    def select(
        self, *, rule: str | None = None, status: str | None = None, key: str | None = None
    ) -> list[Obligation]:
        """Instances filtered by rule, status and key."""
        return [
            o
            for o in self.obligations
            if (rule is None or o.rule == rule)
            and (status is None or o.status == status)
            and (key is None or o.key == key)
        ]

    def explain(self, rule: str, key: str | None = None, nth: int = 1, lang: str = "en") -> str:
        """Why that instance has its status: the norm, the deadline's computation, the events."""
        ob = self.find(rule, key, nth)
        lines = [
            f"{ob.rule} [{ob.key if ob.key is not None else '-'}] — {ob.title(lang)} "
            f"(clause {ob.clause}, {ob.strength}, party {ob.party})",
            *self._chain(ob),
            *[f"  {step}" for step in ob.steps(lang)],
            f"  status: {ob.status}" + (f" — {ob.reason_in(lang)}" if ob.reason else ""),
        ]
        if ob.events:
            lines.append(f"  deciding events: {', '.join(ob.events)}")
        return "\n".join(lines)

    def rights_open(self) -> list[tuple[Obligation, datetime]]:
        """The permissions and powers open at ``as_of``, with the instant each opened: not
        yet exercised, arisen, and past their opening (a right's ``due``; a power without one
        is open from when it arose), in report order; each closes at ``o.closes`` (None: open
        until used). A right of a terminated contract is discharged, and one past its closing
        expired, so neither is open."""
        out: list[tuple[Obligation, datetime]] = []
        for o in self.obligations:
            if o.kind != "permission" or o.status != "pending":
                continue
            since = o.due if o.due is not None else o.trigger_at
            if since <= self.as_of:
                out.append((o, since))
        return out

    def _chain(self, ob: Obligation) -> list[str]:
        """The chain of causes of an instance created by another's change of state, nearest
        first, down to the instance an event created (``trigger.violated`` and its kin)."""
        lines: list[str] = []
        seen: set[tuple[str, str | None, int]] = set()
        cause = ob.cause
        while cause is not None and (cause.rule, cause.key, cause.nth) not in seen:
            seen.add((cause.rule, cause.key, cause.nth))
            said = "-" if cause.key is None else cause.key
            lines.append(
                f"  arose when {cause.rule} [{said}] was {cause.change} at "
                f"{cause.at.strftime('%Y-%m-%d %H:%M')}"
            )
            try:
                src = self.find(cause.rule, cause.key, cause.nth)
            except KeyError:  # settled and forgotten (streaming)
                break
            cause = src.cause
            if cause is None and src.trigger_event is not None:
                lines.append(
                    f"  which arose from event {src.trigger_event} at "
                    f"{src.trigger_at.strftime('%Y-%m-%d %H:%M')}"
                )
        return lines

    def verdict(self) -> dict[str, Any]:
        """The verdict as data, and what it rests on.

        ``status`` is ``no_evidence`` when no input event was used (nothing to base a verdict
        on: an empty input, or every event rejected or ignored), else ``breach`` when a binding
        duty was violated, else ``no_breach``; with the counts of breaches, pending instances
        and input, used and rejected events. A verdict with rejected events rests on part of
        the input only; ``eval --strict`` fails such a run.
        """
        c = self.accounting.counts()
        n_breaches = len(self.breaches)
        status = "no_evidence" if c["used"] == 0 else "breach" if n_breaches else "no_breach"
        return {
            "status": status,
            "breaches": n_breaches,
            "pending": self.counts()["pending"],
            "events_input": c["input"],
            "events_used": c["used"],
            "events_rejected": c["rejected"],
        }

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping with stable keys and order: ``format`` (:data:`REPORT_FORMAT`)
        and ``version`` (of the package that wrote it) first, then the report."""
        return {
            "format": REPORT_FORMAT,
            "version": _package_version(),
            "verdict": self.verdict(),
            "contract": {
                "id": self.contract_id,
                "title": {"zh": self.contract_title_zh, "en": self.contract_title_en},
                "timezone": self.timezone,
                "states": [h.to_dict() for h in self.contract_states],
            },
            "as_of": iso(self.as_of),
            "counts": self.counts(),
            "obligations": [o.to_dict() for o in self.obligations],
            "breaches": [
                {"rule": o.rule, "key": o.key, "nth": o.nth, "due": iso(o.due)}
                for o in self.breaches
            ],
            "liability": self.liability.to_dict(),
            "events": {
                "counts": self.accounting.counts(),
                "ignored": [e.to_dict() for e in self.accounting.ignored],
                "rejected": [e.to_dict() for e in self.accounting.rejected],
            },
            "assumptions": list(self.assumptions),
            "notes": list(self.notes),
            "rights_open": [
                {"rule": o.rule, "key": o.key, "nth": o.nth, "since": iso(since)}
                | ({} if o.closes is None else {"closes": iso(o.closes)})
                for o, since in self.rights_open()
            ],
        } | ({"measures": [m.to_dict() for m in self.measures]} if self.measures else {})

    def to_json(self, *, indent: int | None = 2) -> str:
        """The report as JSON: sorted keys, ASCII-safe off, stable across processes."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=True) + "\n"

    def to_pandas(self) -> pd.DataFrame:
        """One row per instance (pandas is imported here, on demand). See ``frames``."""
        from .frames import obligations_frame

        return obligations_frame(self)

    def histories_frame(self) -> pd.DataFrame:
        """One row per state of every instance's history (``frames.histories_frame``)."""
        from .frames import histories_frame

        return histories_frame(self)

    def breaches_frame(self) -> pd.DataFrame:
        """The violated binding instances, as :meth:`to_pandas` rows (``frames.breaches_frame``)."""
        from .frames import breaches_frame

        return breaches_frame(self)

    def liability_frame(self) -> pd.DataFrame:
        """One row per remedy and period, money as exact Decimals (``frames.liability_frame``)."""
        from .frames import liability_frame

        return liability_frame(self)

    def accounting_frame(self) -> pd.DataFrame:
        """What became of the input events (``frames.accounting_frame``)."""
        from .frames import accounting_frame

        return accounting_frame(self)

    def attainment(self, by: AttainmentBy = "rule") -> pd.DataFrame:
        """The share of binding instances met per month, tier or rule (``notebook.attainment``)."""
        from .notebook import attainment

        return attainment(self, by)

    def plot_timeline(
        self,
        calendar: BusinessCalendar | Ruleset | None = None,
        *,
        rules: str | Iterable[str] | None = None,
        keys: str | Iterable[str] | None = None,
        start: datetime | date | str | None = None,
        end: datetime | date | str | None = None,
        max_rows: int | None = 50,
        lang: str = "en",
        ax: Axes | None = None,
    ) -> Figure:
        """Duties on a time axis, one row per key, non-working days shaded
        (``notebook.plot_timeline``).

        ``calendar`` None uses the calendar of :attr:`ruleset`.
        """
        from .notebook import plot_timeline

        return plot_timeline(
            self,
            calendar,
            rules=rules,
            keys=keys,
            start=start,
            end=end,
            max_rows=max_rows,
            lang=lang,
            ax=ax,
        )

    def plot_dashboard(
        self, calendar: BusinessCalendar | Ruleset | None = None, *, lang: str = "en"
    ) -> Figure:
        """The SLA dashboard: attainment per month and norm, time to fulfil per tier against
        its target, breaches and liability per period (``dashboard.plot_dashboard``)."""
        from .dashboard import plot_dashboard

        return plot_dashboard(self, calendar, lang=lang)

    def to_html(self, lang: str | None = None) -> str:
        """The report as one self-contained, styled HTML document, for a browser, mail or print
        (``html_report.render_document``); ``lang`` ``zh`` or ``en``, by default the contract's
        language. The same as ``contract-rules eval --format html``."""
        from .html_report import render_document

        return render_document(self, self.language if lang is None else lang)

    def _repr_html_(self) -> str:
        """Jupyter's rich view: ``render.render_html`` in the contract's language."""
        from .render import render_html

        return render_html(self, self.language)

    @classmethod
    def from_json(cls, text: str | bytes, *, ruleset: Ruleset | None = None) -> Report:
        """The report that :meth:`to_json` wrote as ``text`` (``report_json.report_from_json``:
        with the ``ruleset`` evaluated, an equal report; ContractRulesError naming the place
        for text that is not a report)."""
        from .report_json import report_from_json

        return report_from_json(text, ruleset=ruleset)


def order_key(o: Obligation, norm_order: dict[str, int]) -> tuple[Any, ...]:
    """The deterministic order of instances: by trigger instant, norm order, key, nth."""
    return (o.trigger_at.timestamp(), norm_order.get(o.rule, 0), o.key or "", o.nth)


def sorted_obligations(
    obs: Sequence[Obligation], norm_order: dict[str, int]
) -> tuple[Obligation, ...]:
    """``obs`` in the report's deterministic order."""
    return tuple(sorted(obs, key=lambda o: order_key(o, norm_order)))


def _last_id(ids: str | tuple[str, ...] | None) -> str | None:
    if ids is None or isinstance(ids, str):
        return ids
    return ids[-1] if ids else None


def history_of(ob: Obligation) -> tuple[StateChange, ...]:
    """The state history of ``ob`` (:attr:`Obligation.history`): a path through the machine of
    ``docs/engine.md`` from ``pending`` at the trigger to the reported status."""
    life = ob.life
    status = ob.status
    kind = ob.kind
    end: datetime | None
    event: str | None = _last_id(ob.deciding)
    if status == "pending":
        end = None
        event = None
    elif status == "discharged":
        end = life.ended_at if life is not None else None
        event = life.ended_by if life is not None else None
    elif status == "expired":  # a right not used by its closing
        end = life.closes if life is not None else None
        event = None
    elif status == "fulfilled":
        end = ob.due if kind == "prohibition" else ob.fulfilled_at
        if kind == "prohibition":
            event = None
    elif status == "violated":
        if kind == "prohibition":
            end = life.ended_at if life is not None and life.ended_at else ob.trigger_at
        elif kind == "permission" or ob.due is None:
            end = ob.fulfilled_at
        else:
            end = ob.due  # missed at its due; a late performance is recorded, not a state
            event = None
    else:  # excused: released at the instant it would have been missed
        end = ob.due if ob.due is not None else ob.fulfilled_at or ob.trigger_at
    if end is None or end < ob.trigger_at:
        end = ob.trigger_at if status != "pending" else None
    out: list[StateChange] = []
    start = ob.trigger_at
    start_by = ob.trigger_event
    for s_at, s_end, s_by, e_by in life.suspended if life is not None else ():
        if end is not None and s_at >= end:
            break
        if s_at > start:
            out.append(StateChange("pending", start, s_at, start_by))
        stop = s_end if end is None or (s_end is not None and s_end < end) else end
        out.append(StateChange("suspended", max(s_at, start), stop, s_by))
        if stop is None:
            return tuple(out)
        start, start_by = stop, e_by
    if status == "pending":
        out.append(StateChange("pending", start, None, start_by))
        return tuple(out)
    assert end is not None
    if end > start or not out:
        out.append(StateChange("pending", start, end, start_by))
    out.append(StateChange(status, end, None, event, ob.reason))
    return tuple(out)


@dataclass(frozen=True)
class MeasurePeriod:
    """A measure in one period (``docs/rule-format.md``, "Measures"): the time scheduled, the
    time excluded from it, the time down, and the value they give, with the spans counted.

    ``value`` is the exact fraction ``(scheduled − excluded − down) / (scheduled − excluded)``
    (0.997972... for 99.797 %), None when nothing is left scheduled. A period not over at the
    report's ``as_of`` is measured up to it (``complete`` false)."""

    measure: str
    clause: str | None
    period: int
    period_label: str
    period_start: datetime
    period_end: datetime
    until: datetime
    complete: bool
    scheduled: timedelta
    excluded: timedelta
    down: timedelta
    value: Decimal | None
    target: Decimal | None = None
    #: the spans counted, one line each (down, excluded, or not excluded and why)
    spans: tuple[str, ...] = ()

    @property
    def percent(self) -> str:
        """The value as a percentage to three decimals, never rounded up (99.797 %), or
        ``n/a`` when nothing is scheduled."""
        if self.value is None:
            return "n/a"
        return f"{(self.value * 100).quantize(Decimal('0.001'), rounding='ROUND_FLOOR')} %"

    def arithmetic(self) -> str:
        """How the value was computed: ``scheduled 744 h − excluded 4 h = 740 h; down 1.5 h →
        99.797 %``."""
        base = self.scheduled - self.excluded
        head = f"scheduled {hours(self.scheduled)} − excluded {hours(self.excluded)} = "
        head += f"{hours(base)}; down {hours(self.down)} → {self.percent}"
        if self.target is not None and self.value is not None:
            met = self.value * 100 >= self.target
            head += f" ({'meets' if met else 'below'} the target {self.target} %)"
        if not self.complete:
            head += f" (so far: measured to {iso(self.until)})"
        return head

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping: durations in exact seconds, the value as its exact decimal."""
        return {
            "measure": self.measure,
            "clause": self.clause,
            "period": self.period,
            "period_label": self.period_label,
            "period_start": iso(self.period_start),
            "period_end": iso(self.period_end),
            "until": iso(self.until),
            "complete": self.complete,
            "scheduled_seconds": seconds(self.scheduled),
            "excluded_seconds": seconds(self.excluded),
            "down_seconds": seconds(self.down),
            "value": None if self.value is None else str(self.value),
            "percent": self.percent,
            "target": None if self.target is None else str(self.target),
            "arithmetic": self.arithmetic(),
            "spans": list(self.spans),
        }


def seconds(d: timedelta) -> str:
    """A duration as its exact number of seconds (``5400``, ``0.5``)."""
    us = Decimal(d // timedelta(microseconds=1))
    return format((us / Decimal(1_000_000)).normalize(), "f")


def hours(d: timedelta) -> str:
    """A duration in hours, to three decimals at most (``744 h``, ``1.5 h``)."""
    us = Decimal(d // timedelta(microseconds=1))
    h = (us / Decimal(3_600_000_000)).quantize(Decimal("0.001"))
    return f"{format(h.normalize(), 'f')} h"
