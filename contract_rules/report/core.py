"""The report itself (:class:`Report`): the instances, liability, accounting and measures of one
evaluation, its verdict and JSON, and the convenience methods that hand it to the views.

The views (``render``, ``frames``, ``notebook``, ``dashboard``, ``html_report``) and the JSON
reader sit above the report; the methods import them on use (the listed exceptions of the
layers contract in ``pyproject.toml``).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from ..model import Ruleset
from ..text import iso
from .accounting import Accounting
from .liability import Liability
from .measure import MeasurePeriod
from .obligation import Obligation
from .records import LIFECYCLE_STATUSES, STATUSES, StateChange

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ..calendar import BusinessCalendar
    from ..notebook import AttainmentBy


#: The name and revision of the report's JSON layout (the ``format`` key of :meth:`Report.to_dict`).
REPORT_FORMAT = "contract-rules-report/1"


def _package_version() -> str:
    """``contract_rules.__version__``. Read from the package object, which Python imports before
    any of its modules, rather than imported: the package's ``__init__`` imports the engine,
    which sits above the report in the layers."""
    version: str = sys.modules[__name__.partition(".")[0]].__version__
    return version


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
        from ..frames import obligations_frame

        return obligations_frame(self)

    def histories_frame(self) -> pd.DataFrame:
        """One row per state of every instance's history (``frames.histories_frame``)."""
        from ..frames import histories_frame

        return histories_frame(self)

    def breaches_frame(self) -> pd.DataFrame:
        """The violated binding instances, as :meth:`to_pandas` rows (``frames.breaches_frame``)."""
        from ..frames import breaches_frame

        return breaches_frame(self)

    def liability_frame(self) -> pd.DataFrame:
        """One row per remedy and period, money as exact Decimals (``frames.liability_frame``)."""
        from ..frames import liability_frame

        return liability_frame(self)

    def accounting_frame(self) -> pd.DataFrame:
        """What became of the input events (``frames.accounting_frame``)."""
        from ..frames import accounting_frame

        return accounting_frame(self)

    def attainment(self, by: AttainmentBy = "rule") -> pd.DataFrame:
        """The share of binding instances met per month, tier or rule (``notebook.attainment``)."""
        from ..notebook import attainment

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
        from ..notebook import plot_timeline

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
        from ..dashboard import plot_dashboard

        return plot_dashboard(self, calendar, lang=lang)

    def to_html(self, lang: str | None = None) -> str:
        """The report as one self-contained, styled HTML document, for a browser, mail or print
        (``html_report.render_document``); ``lang`` ``zh`` or ``en``, by default the contract's
        language. The same as ``contract-rules eval --format html``."""
        from ..html_report import render_document

        return render_document(self, self.language if lang is None else lang)

    def _repr_html_(self) -> str:
        """Jupyter's rich view: ``render.render_html`` in the contract's language."""
        from ..render import render_html

        return render_html(self, self.language)

    @classmethod
    def from_json(cls, text: str | bytes, *, ruleset: Ruleset | None = None) -> Report:
        """The report that :meth:`to_json` wrote as ``text`` (``report_json.report_from_json``:
        with the ``ruleset`` evaluated, an equal report; ContractRulesError naming the place
        for text that is not a report)."""
        from ..report_json import report_from_json

        return report_from_json(text, ruleset=ruleset)
