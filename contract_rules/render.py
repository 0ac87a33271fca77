"""Readable renderings of a :class:`~contract_rules.report.Report`, in Chinese or English.

Each renderer is a pure function ``(report, lang) -> str``; :data:`RENDERERS` maps the format
names of ``contract-rules eval --format`` to them. :func:`verdict` is the one-line answer.
Nothing here prints.

The other text views live in rooms of their own and are re-exported here under the names they
always had (``from contract_rules.render import render_explain`` keeps working):

- :mod:`~contract_rules.explain_view`: why one instance has its status (:func:`render_explain`,
  :func:`explain_dict`, :class:`DecidingEvent`; ``contract-rules explain``);
- :mod:`~contract_rules.upcoming_view`: what falls due soon (:class:`DueSoon`,
  :func:`render_upcoming`, :func:`upcoming_json`; ``contract-rules upcoming``);
- :mod:`~contract_rules.measures_view`: the measures per period (:func:`measures_text`,
  :func:`measures_markdown`, :func:`explain_measure`);
- :mod:`~contract_rules.report_words`: the labels per language, party names, the contract's
  title, instants and durations in words (:data:`LABELS`, :func:`labels`,
  :func:`duration_words`, ...);
- :mod:`~contract_rules.tables`: the plain-text, Markdown and HTML tables and text wrapping.

Text from rule files and events (keys, ids, titles, event types, reasons, places) is escaped in
every text output (:func:`~contract_rules.safe_text.visible`: no control or bidi-override
character reaches a terminal), for Markdown (HTML and Markdown syntax too), and neutralised in
CSV for people (:func:`~contract_rules.safe_text.spreadsheet_cell`); ``render_csv(raw=True)`` and
the JSON report keep the values as they are.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from .explain_view import DecidingEvent as DecidingEvent
from .explain_view import explain_dict as explain_dict
from .explain_view import render_explain as render_explain
from .measures_view import explain_measure as explain_measure
from .measures_view import measures_markdown as measures_markdown
from .measures_view import measures_text as measures_text
from .report import LIFECYCLE_STATUSES, STATUSES, Obligation, Report
from .report_words import LABELS as LABELS
from .report_words import contract_title as contract_title
from .report_words import duration_words as duration_words
from .report_words import instant_cell
from .report_words import labels as labels
from .report_words import party_label as party_label
from .report_words import party_name as party_name
from .report_words import payer_label as payer_label
from .safe_text import spreadsheet_cell, visible
from .tables import html_table, markdown_table, md_escape, text_table
from .text import iso, money
from .upcoming_view import DueSoon as DueSoon
from .upcoming_view import render_upcoming as render_upcoming
from .upcoming_view import upcoming_json as upcoming_json

if TYPE_CHECKING:
    from .model import Ruleset


def _row(o: Obligation, lang: str) -> list[str]:
    lb = labels(lang)
    return [
        o.rule,
        o.clause,
        o.party,
        o.key or "-",
        o.tier or "-",
        instant_cell(o.trigger_at),
        instant_cell(o.due),
        lb[o.status],
        instant_cell(o.fulfilled_at),
        lb[o.strength],
        o.reason_in(lang) or "",
    ]


def _headers(lang: str) -> list[str]:
    lb = labels(lang)
    keys = ("rule", "clause", "party", "key", "tier", "trigger", "due", "status", "done")
    return [lb[k] for k in (*keys, "strength", "reason")]


def _ruleset(report: Report) -> Ruleset | None:
    # the report carries the ruleset it was evaluated with (None when built by hand)
    rs: Ruleset | None = getattr(report, "ruleset", None)
    return rs


def verdict(report: Report, lang: str = "en") -> str:
    """The one-line answer to "was the contract met?": the breaches of binding duties per party,
    the money payable per paying party and currency (when a remedy applies;
    :meth:`Liability.payable_by`) and how many instances still run.

    ``Verdict: 7 breaches of binding duties (party B: 7); payable: party B 12000.00 CNY;
    4 pending``; ``payable: buyer 120.00 CNY, seller 600.00 CNY`` where both parties owe;
    ``; 3 events rejected`` when some input was rejected, and ``Verdict: none: no event could
    be used (49 read, 49 rejected)`` when events were read but none was used.
    """
    lb = labels(lang)
    ev = report.accounting.counts()
    zh = lang == "zh"
    if ev["input"] and not ev["used"]:  # no verdict without evidence
        return f"{lb['verdict']}: " + (
            f"无结论: 没有可用的事件 (读入 {ev['input']} 个, 拒收 {ev['rejected']} 个)"
            if zh
            else f"none: no event could be used ({ev['input']} read, {ev['rejected']} rejected)"
        )
    breaches = report.breaches
    if breaches:
        per_party: dict[str, int] = {}
        for o in breaches:
            per_party[o.party] = per_party.get(o.party, 0) + 1
        who = ", ".join(f"{party_label(p, lang)}: {n}" for p, n in sorted(per_party.items()))
        text = (lb["verdict_breach"] if len(breaches) == 1 else lb["verdict_breaches"]).format(
            n=len(breaches)
        ) + f" ({who})"
    else:
        text = lb["verdict_none"]
    # what each party owes, per currency: amounts owed in opposite directions are never added
    owed = report.liability.payable_by()
    if owed:
        text += f"; {lb['verdict_payable']}: " + ", ".join(
            f"{payer_label(p, lang)} {money(v)} {c}" for (p, c), v in owed.items()
        )
    pending = report.counts()["pending"]
    if pending:
        text += "; " + lb["verdict_pending"].format(n=pending)
    if ev["rejected"]:  # the verdict rests on part of the input only
        r = ev["rejected"]
        text += f"; 拒收事件 {r} 个" if zh else f"; {r} event{'s' if r != 1 else ''} rejected"
    return f"{lb['verdict']}: {text}"


def _by_rule(report: Report, lang: str) -> tuple[list[str], list[list[str]]]:
    """One row per norm: clause, party, strength, instances per status and the title.

    Every norm of the ruleset is listed (with zeros when it has no instance yet), in the order
    of the rule file; without the ruleset, the norms that have instances. The columns are the
    four statuses, and ``discharged`` and ``expired`` when some instance of the report has
    them, so that a row's counts add up to its instances."""
    lb = labels(lang)
    present = {o.status for o in report.obligations}
    columns = (*STATUSES, *(s for s in LIFECYCLE_STATUSES if s in present))
    counts: dict[str, dict[str, int]] = {}
    parties: dict[str, set[str]] = {}
    first: dict[str, Obligation] = {}
    for o in report.obligations:
        per_rule = counts.setdefault(o.rule, dict.fromkeys(columns, 0))
        per_rule[o.status] += 1
        parties.setdefault(o.rule, set()).add(o.party)
        first.setdefault(o.rule, o)

    def row(rule: str, clause: str, party: str, strength: str, title: str) -> list[str]:
        c = counts.get(rule, dict.fromkeys(columns, 0))
        # the parties of the instances; a norm's reference ($trigger.party) only when it has none
        who = ", ".join(sorted(parties.get(rule, ()))) or ("-" if "$" in party else party)
        return [rule, clause, who, lb[strength], *map(str, c.values()), title]

    rs = _ruleset(report)
    if rs is not None:
        rows = [row(n.id, n.clause, n.party, n.strength, n.title.get(lang)) for n in rs.norms]
    else:
        rows = [
            row(rule, o.clause, o.party, o.strength, o.title(lang)) for rule, o in first.items()
        ]
    headers = [lb[k] for k in ("rule", "clause", "party", "strength", *columns, "title")]
    return headers, rows


def render_table(report: Report, lang: str = "en") -> str:
    """A plain-text report for a terminal, top to bottom: the verdict and counts; the duties
    norm by norm with their titles; the ledger; the breaches; liability; the event accounting;
    notes and assumptions; and the verdict again as the last line (what stays on screen)."""
    lb = labels(lang)
    title = contract_title(report, lang)
    counts = report.counts()
    line = verdict(report, lang)
    headers, rule_rows = _by_rule(report, lang)
    parts = [
        f"{lb['report']}: {title}",
        f"{lb['as_of']}: {iso(report.as_of)}",
        line,
        f"{lb['counts']}: "
        + ", ".join(f"{lb[s]} {n}" for s, n in counts.items())
        + f"; {lb['breaches'].split(' (')[0]} {len(report.breaches)}",
        "",
        f"== {lb['by_rule']} ({len(rule_rows)})",
        text_table(headers, rule_rows, max_last=50),
        "",
        f"== {lb['ledger']} ({len(report.obligations)})",
        text_table(_headers(lang), [_row(o, lang) for o in report.obligations]),
        "",
        f"== {lb['breaches']} ({len(report.breaches)})",
    ]
    if report.breaches:
        parts.append(text_table(_headers(lang), [_row(o, lang) for o in report.breaches]))
    else:
        parts.append(lb["none"])
    parts += ["", f"== {lb['liability']}", _liability_table(report, lang)]
    parts += measures_text(report, lang)
    c = report.accounting.counts()
    parts += [
        "",
        f"== {lb['events']}: "
        + ", ".join(f"{lb[k]} {c[k]}" for k in ("input", "used", "ignored", "rejected")),
    ]
    for e in (*report.accounting.rejected, *report.accounting.ignored):
        parts.append(f"  {lb[e.disposition]}: {e.where} {e.id or ''} {e.type or ''} — {e.reason}")
    if report.notes:
        parts += ["", f"== {lb['notes']}", *[f"  - {n}" for n in report.notes]]
    if report.assumptions:
        parts += ["", f"== {lb['assumptions']}", *[f"  - {a}" for a in report.assumptions]]
    parts += ["", line]
    return visible("\n".join(parts), keep="\n") + "\n"


def _two_payers(report: Report) -> bool:
    """Whether remedies of the report are paid by more than one party (then each line names
    its payer, so that amounts owed in opposite directions are not read as one sum)."""
    return len({ln.payer for ln in report.liability}) > 1


def _liability_rows(report: Report, lang: str = "en") -> list[list[str]]:
    payer = _two_payers(report)
    return [
        [
            ln.remedy,
            ln.clause,
            *([payer_label(ln.payer, lang)] if payer else []),
            ln.period_label,
            f"{money(ln.claimed)} {ln.currency}",
            money(ln.compensable),
            "-" if ln.cap is None else money(ln.cap),
            money(ln.payable),
        ]
        for ln in report.liability
    ]


def _liability_headers(lang: str, report: Report | None = None) -> list[str]:
    lb = labels(lang)
    payer = ("payer",) if report is not None and _two_payers(report) else ()
    keys = ("remedy", "clause", *payer, "period", "claimed", "compensable", "cap", "payable")
    return [lb[k] for k in keys]


def _liability_table(report: Report, lang: str) -> str:
    rows = _liability_rows(report, lang)
    if not rows:
        return labels(lang)["none"]
    return text_table(_liability_headers(lang, report), rows, max_last=30)


def render_markdown(report: Report, lang: str = "en") -> str:
    """The report as Markdown (for issues, wikis and pull requests)."""
    lb = labels(lang)
    title = contract_title(report, lang)
    counts = report.counts()
    c = report.accounting.counts()
    parts = [
        f"# {lb['report']}: {md_escape(title)}",
        "",
        f"{lb['as_of']}: `{iso(report.as_of)}` — "
        + ", ".join(f"{lb[s]} **{n}**" for s, n in counts.items()),
        "",
        f"**{md_escape(verdict(report, lang))}**",
        "",
        f"## {lb['breaches']}",
        "",
        markdown_table(_headers(lang), [_row(o, lang) for o in report.breaches])
        if report.breaches
        else lb["none"],
        "",
        f"## {lb['liability']}",
        "",
        markdown_table(_liability_headers(lang, report), _liability_rows(report, lang))
        if len(report.liability)
        else lb["none"],
        *measures_markdown(report, lang),
        "",
        f"## {lb['ledger']}",
        "",
        markdown_table(_headers(lang), [_row(o, lang) for o in report.obligations]),
        "",
        f"## {lb['events']}",
        "",
        ", ".join(f"{lb[k]} {c[k]}" for k in ("input", "used", "ignored", "rejected")),
    ]
    for e in (*report.accounting.rejected, *report.accounting.ignored):
        parts.append(
            f"- {lb[e.disposition]}: {md_escape(e.where)} {md_escape(e.type or '')} — "
            + md_escape(e.reason)
        )
    if report.notes:
        parts += ["", f"## {lb['notes']}", "", *[f"- {md_escape(n)}" for n in report.notes]]
    if report.assumptions:
        parts += [
            "",
            f"## {lb['assumptions']}",
            "",
            *[f"- {md_escape(a)}" for a in report.assumptions],
        ]
    return "\n".join(parts) + "\n"


_STATUS_COLOURS = {
    "pending": "#d9e8fb",
    "fulfilled": "#dcf2dc",
    "violated": "#f8d7d7",
    "excused": "#eeeeee",
    "discharged": "#f1ece1",
    "expired": "#ece7f4",
}


def render_html(report: Report, lang: str = "en") -> str:
    """A self-contained HTML fragment (also used by Jupyter's ``_repr_html_``)."""
    lb = labels(lang)
    title = contract_title(report, lang)
    counts = report.counts()
    ledger = html_table(
        _headers(lang),
        [_row(o, lang) for o in report.obligations],
        row_attrs=[
            f' style="background:{_STATUS_COLOURS[o.status]}" data-status="{o.status}"'
            for o in report.obligations
        ],
    )
    breaches = (
        html_table(_headers(lang), [_row(o, lang) for o in report.breaches])
        if report.breaches
        else f"<p>{lb['none']}</p>"
    )
    liability = (
        html_table(_liability_headers(lang, report), _liability_rows(report, lang))
        if len(report.liability)
        else f"<p>{lb['none']}</p>"
    )
    c = report.accounting.counts()
    rejected = "".join(
        f"<li>{html.escape(e.where)}: {html.escape(e.reason)}</li>"
        for e in report.accounting.rejected
    )
    summary = ", ".join(f"{html.escape(lb[s])} <b>{n}</b>" for s, n in counts.items())
    return (
        '<div class="contract-rules-report">'
        f"<h3>{html.escape(lb['report'])}: {html.escape(title)}</h3>"
        f"<p>{html.escape(lb['as_of'])}: {html.escape(str(iso(report.as_of)))} — {summary}</p>"
        f"<h4>{html.escape(lb['breaches'])} ({len(report.breaches)})</h4>{breaches}"
        f"<h4>{html.escape(lb['liability'])}</h4>{liability}"
        f"<h4>{html.escape(lb['events'])}</h4><p>"
        + ", ".join(f"{lb[k]} {c[k]}" for k in ("input", "used", "ignored", "rejected"))
        + "</p>"
        + (f"<ul>{rejected}</ul>" if rejected else "")
        + f"<details><summary>{html.escape(lb['ledger'])} ({len(report.obligations)})</summary>"
        f"{ledger}</details></div>"
    )


def render_html_document(report: Report, lang: str = "en") -> str:
    """The report as one self-contained, styled HTML document for people to read, mail and print
    (``contract-rules eval --format html``; :func:`contract_rules.html_report.render_document`).

    :func:`render_html` stays the light fragment that Jupyter shows."""
    # imported here: the document builds on this module's labels and on the notebook's monthly
    # attainment, which itself reads this module's labels
    from .html_report import render_document

    return render_document(report, lang)


def render_csv(report: Report, lang: str = "en", *, raw: bool = False) -> str:
    """One CSV row per instance, with ISO instants (headers in English).

    Written for people (``contract-rules eval --format csv``): every cell passes through
    :func:`~contract_rules.safe_text.spreadsheet_cell`, so a cell that starts with ``=``, ``+``,
    ``-``, ``@``, a tab or a CR gets a leading apostrophe (a spreadsheet shows it, runs
    nothing) and control characters are escaped (``\\x1b``). ``raw=True``: the values as they
    are, quoted so that each instance is one record whatever its text (a CR included).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    # the csv module quotes a cell holding LF but not one holding a lone CR, which a reader
    # would take for a line end: rows with a CR are written with every cell quoted
    quoted = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    cols = ["rule", "clause", "party", "key", "nth", "tier", "trigger_at", "due", "status"]
    w.writerow([*cols, "fulfilled_at", "strength", "reason", "events"])
    for o in report.obligations:
        cells = [
            "" if c is None else str(c)
            for c in [
                o.rule,
                o.clause,
                o.party,
                o.key or "",
                o.nth,
                o.tier or "",
                iso(o.trigger_at),
                iso(o.due) or "",
                o.status,
                iso(o.fulfilled_at) or "",
                o.strength,
                o.reason or "",
                " ".join(o.events),
            ]
        ]
        if not raw:
            w.writerow([spreadsheet_cell(c) for c in cells])
        elif any("\r" in c for c in cells):
            quoted.writerow(cells)
        else:
            w.writerow(cells)
    return buf.getvalue()


def render_json(report: Report, lang: str = "en") -> str:
    """The stable JSON report (language-independent)."""
    return report.to_json()


RENDERERS: dict[str, Callable[[Report, str], str]] = {
    "table": render_table,
    "markdown": render_markdown,
    "html": render_html_document,
    "csv": render_csv,
    "json": render_json,
}
