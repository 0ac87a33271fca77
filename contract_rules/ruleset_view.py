"""A ruleset as HTML: :func:`ruleset_html`, the summary Jupyter shows for a
:class:`~contract_rules.model.Ruleset` (parties, term, fees, calendar, norms with clause numbers,
remedies, spans, clauses with no computable duty), in Chinese or English.

Each section is built by its own function from the model; the tables come from the package's one
HTML-table helper (:func:`contract_rules.tables.html_table`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from .model import Cap, Condition, FieldTest, Norm, Ruleset
from .report import money
from .tables import html_table as _html_table
from .view_labels import labels


def _e(s: object) -> str:
    return html.escape(str(s))


def _cond(cond: Condition) -> str:
    parts = []
    for name, test in cond.items():
        if isinstance(test, FieldTest):
            ops = test.model_dump(by_alias=True, exclude_unset=True)
            parts.append(f"{name} " + " ".join(f"{k} {v}" for k, v in ops.items()))
        else:
            parts.append(f"{name} = {test}")
    return ", ".join(parts)


def _trigger(n: Norm) -> str:
    t = n.trigger
    if t.at is not None:
        return f"at {t.at}"
    when = t.when if isinstance(t.when, str) else _cond(t.when)
    return f"{t.event}" + (f" ({when})" if when else "")


def _deadline(n: Norm, lb: dict[str, str]) -> str:
    if n.tiers is not None:
        return "; ".join(f"{t.name}: {t.deadline.describe()}" for t in n.tiers)
    if n.deadline is not None:
        return n.deadline.describe()
    return lb["none_deadline"]


def _party(ruleset: Ruleset, ref: str, lang: str, lb: dict[str, str]) -> str:
    parties = ruleset.contract.parties
    if ref in parties:
        return f"{ref} — {parties[ref].name.get(lang)}"
    if ref == "any":
        return lb["any"]
    return ref


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table of cells that are already escaped HTML, aligned left."""
    return _html_table(headers, rows, escaped=True, align="left")


def _both(lang: str, text_zh: str | None, text_en: str | None) -> str:
    """The text in ``lang`` first, the other language's below it when it differs (escaped)."""
    first, second = (text_zh, text_en) if lang == "zh" else (text_en, text_zh)
    main = first or second or ""
    alt = second if first and second and second != first else None
    return _e(main) + (f"<br><small>{_e(alt)}</small>" if alt else "")


def _facts(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column table of label (escaped here) and value (already HTML)."""
    cells = "".join(
        f"<tr><th style='text-align:left'>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows
    )
    return f"<table>{cells}</table>"


def _contract_facts(ruleset: Ruleset, lb: dict[str, str]) -> str:
    c = ruleset.contract
    term_clause = f" ({_e(lb['clause'])} {_e(c.term.clause)})" if c.term.clause else ""
    return _facts(
        [
            (lb["contract"], f"<code>{_e(c.id)}</code>"),
            (
                lb["term"],
                f"{_e(c.term.start.isoformat())} – {_e(c.term.end.isoformat())}{term_clause}",
            ),
            (lb["timezone"], _e(c.timezone)),
            (lb["law"], _e(c.governing_law)),
        ]
    )


def _parties_table(ruleset: Ruleset, lang: str, lb: dict[str, str]) -> str:
    return _table(
        [_e(lb["id"]), _e(lb["role"]), _e(lb["name"])],
        [
            [f"<b>{_e(pid)}</b>", _e(p.role), _both(lang, p.name.zh, p.name.en)]
            for pid, p in ruleset.contract.parties.items()
        ],
    )


def _fees_table(ruleset: Ruleset, lang: str, lb: dict[str, str]) -> str:
    fees = ruleset.contract.fees
    if not fees:
        return f"<p>{_e(lb['none'])}</p>"
    return _table(
        [_e(lb["id"]), _e(lb["amount"]), _e(lb["per"]), _e(lb["clause"]), _e(lb["title"])],
        [
            [
                f"<code>{_e(fid)}</code>",
                f"{_e(money(f.amount))} {_e(f.currency)}",
                _e(f.per),
                _e(f.clause or "-"),
                _both(lang, f.title.zh, f.title.en) if f.title else "",
            ]
            for fid, f in fees.items()
        ],
    )


def _calendar_facts(ruleset: Ruleset, lb: dict[str, str]) -> str:
    cal = ruleset.calendar
    wh = cal.working_hours
    hours = ", ".join(wh.default)
    if wh.weekdays:
        hours += "; " + "; ".join(f"{d}: {', '.join(ws)}" for d, ws in wh.weekdays.items())
    if wh.dates:
        hours += "; " + "; ".join(f"{d.isoformat()}: {', '.join(ws)}" for d, ws in wh.dates.items())
    rows = [
        (lb["layers"], ", ".join(cal.layers)),
        (lb["working_hours"], hours),
        (lb["days_off"], ", ".join(d.isoformat() for d in cal.days_off) or "-"),
        (lb["working_days"], ", ".join(d.isoformat() for d in cal.working_days) or "-"),
        (lb["fallback"], cal.fallback or "-"),
    ]
    return _facts((k, _e(v)) for k, v in rows)


def _norms_table(ruleset: Ruleset, lang: str, lb: dict[str, str]) -> str:
    return _table(
        [
            _e(lb[k])
            for k in ("id", "clause", "kind", "strength", "party", "title", "trigger", "deadline")
        ],
        [
            [
                f"<code>{_e(n.id)}</code>",
                _e(n.clause),
                _e(lb[n.kind]),
                _e(lb[n.strength]),
                _e(_party(ruleset, n.party, lang, lb)),
                _both(lang, n.title.zh, n.title.en),
                _e(_trigger(n)),
                _e(_deadline(n, lb)),
            ]
            for n in ruleset.norms
        ],
    )


def _remedies_table(ruleset: Ruleset, lang: str, lb: dict[str, str]) -> str:
    return _table(
        [_e(lb[k]) for k in ("id", "clause", "kind", "party", "title", "norms", "cap")],
        [
            [
                f"<code>{_e(r.id)}</code>",
                _e(r.clause),
                _e(lb[r.kind]),
                _e(_party(ruleset, r.party, lang, lb)),
                _both(lang, r.title.zh, r.title.en),
                _e(", ".join(r.norms)),
                _e(r.cap if isinstance(r.cap, str) else _cap(r.cap, ruleset)),
            ]
            for r in ruleset.remedies
        ],
    )


def _spans_table(ruleset: Ruleset, lang: str, lb: dict[str, str]) -> str:
    return _table(
        [_e(lb["id"]), _e(lb["clause"]), _e(lb["title"])],
        [
            [
                f"<code>{_e(sid)}</code>",
                _e(s.clause or "-"),
                _both(lang, s.title.zh, s.title.en) if s.title else "",
            ]
            for sid, s in ruleset.spans.items()
        ],
    )


def _not_computable(ruleset: Ruleset, lang: str, lb: dict[str, str]) -> str:
    nc = _table(
        [_e(lb["clause"]), _e(lb["reason"])],
        [[_e(x.clause), _both(lang, x.reason.zh, x.reason.en)] for x in ruleset.not_computable],
    )
    return (
        f"<details><summary>{_e(lb['not_computable'])} ({len(ruleset.not_computable)})"
        f"</summary>{nc}</details>"
    )


def ruleset_html(ruleset: Ruleset, lang: str = "en") -> str:
    """A self-contained HTML summary of ``ruleset`` with labels in ``lang`` (``zh`` or ``en``).

    It shows the contract (id, title in both languages, time zone, governing law), each party
    with its id, role and name in both languages, the term with its clause, the fees (exact
    amounts), the calendar (layers, working hours, extra days off and working days, fallback),
    every norm (id, clause, kind, strength, party, title, trigger, deadline or tiers), the
    remedies, spans, and the clauses with no computable duty. Every text is HTML-escaped.
    """
    lb = labels(lang)
    c = ruleset.contract
    parts = [
        '<div class="contract-rules-ruleset">',
        f"<h3>{_e(lb['ruleset'])}: {_both(lang, c.title.zh, c.title.en)}</h3>",
        _contract_facts(ruleset, lb),
        f"<h4>{_e(lb['parties'])}</h4>{_parties_table(ruleset, lang, lb)}",
        f"<h4>{_e(lb['fees'])}</h4>{_fees_table(ruleset, lang, lb)}",
        f"<h4>{_e(lb['calendar'])}</h4>{_calendar_facts(ruleset, lb)}",
        f"<h4>{_e(lb['norms'])} ({len(ruleset.norms)})</h4>{_norms_table(ruleset, lang, lb)}",
    ]
    if ruleset.remedies:
        parts.append(f"<h4>{_e(lb['remedies'])}</h4>{_remedies_table(ruleset, lang, lb)}")
    if ruleset.spans:
        parts.append(f"<h4>{_e(lb['spans'])}</h4>{_spans_table(ruleset, lang, lb)}")
    if ruleset.not_computable:
        parts.append(_not_computable(ruleset, lang, lb))
    if ruleset.scenarios:
        parts.append(f"<p>{_e(lb['scenarios'])}: {len(ruleset.scenarios)}</p>")
    parts.append("</div>")
    return "".join(parts)


def _cap(cap: Cap | None, ruleset: Ruleset) -> str:
    if cap is None:
        return "-"
    a = cap.amount
    if a.money is not None:
        what = f"{money(a.money.amount)} {a.money.currency}"
    else:
        fee = ruleset.contract.fees.get(a.fee or "")
        pct = f"{a.percent:f}% of " if a.percent is not None else ""
        what = f"{pct}{a.fee}" + (f" ({money(fee.amount)} {fee.currency})" if fee else "")
    return f"{what} per {cap.per}"
