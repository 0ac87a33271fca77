"""The sections of the HTML report, top to bottom: the header (contract, parties, term,
evaluation instant, verdict), the summary cards, the breaches, liability per period, the ledger
grouped by rule and key, and the event accounting with notes and assumptions. Each returns
escaped HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from .html_words import (
    _CARD_WORDS,
    _e,
    _hl,
    _local_as_of,
    _when,
    claim_reason,
    how_late,
    period_label,
    tier_label,
)
from .measures_view import MEASURE_COLUMNS, measure_rows
from .render import contract_title, labels, party_label, payer_label, verdict
from .report import (
    ALL_STATUSES,
    LIFECYCLE_STATUSES,
    STATUSES,
    Obligation,
    PayerCurrency,
    Report,
    money,
)
from .tables import html_table

#: Column widths (per cent) of the breaches and the ledger: the same on screen and on A4, so
#: that an instant keeps to one line and the reason takes what is left.
_BREACH_WIDTHS = (16, 6, 8, 9, 11, 11, 11, 10, 18)


_LEDGER_WIDTHS = (9, 3, 13, 15, 15, 9, 15, 21)


def _cols(widths: Sequence[int]) -> str:
    return "<colgroup>" + "".join(f'<col style="width:{w}%">' for w in widths) + "</colgroup>"


def _header(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    title = contract_title(report, lang)
    facts = [(hl["contract_id"], report.contract_id)]
    if rs is not None:
        for ref, party in rs.contract.parties.items():
            facts.append((party_label(ref, lang), party.name.get(lang)))
        term = rs.contract.term
        facts.append(
            (hl["term"], hl["term_span"].format(start=term.start, end=term.end, clause=term.clause))
        )
    facts.append((hl["evaluated"], f"{_local_as_of(report)} ({hl['timezone']} {report.timezone})"))
    dl = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
    state = "breach" if report.breaches else "clean"
    return (
        '<header id="cr-header">'
        f'<p class="cr-kicker">{_e(lb["report"])}</p>'
        f"<h1>{_e(title)}</h1>"
        f'<dl class="cr-facts">{dl}</dl>'
        f'<p id="cr-verdict" class="cr-verdict cr-{state}">{_e(verdict(report, lang))}</p>'
        "</header>"
    )


def _cards(report: Report, lang: str) -> str:
    hl = _hl(lang)
    binding = dict.fromkeys(STATUSES, 0)
    best_effort = 0
    for o in report.obligations:
        if o.strength == "binding":
            binding[o.status] = binding.get(o.status, 0) + 1
        else:
            best_effort += 1
    cards = []
    # a discharged duty (ended by a termination or a power) and an expired right have a card
    # only where there is one
    shown = (
        *_CARD_WORDS,
        *((s, f"card_{s}") for s in LIFECYCLE_STATUSES if s in binding),
    )
    for status, word in shown:
        cards.append(
            f'<div class="cr-card cr-{status}" data-card="{status}">'
            f'<span class="cr-card-n">{binding[status]}</span>'
            f'<span class="cr-card-l">{_e(hl[word])}</span></div>'
        )
    cards.extend(_payable_cards(report, lang))
    total = len(report.obligations)
    return (
        f'<section id="cr-summary"><h2>{_e(hl["summary"])}</h2>'
        f'<p class="cr-cards-h">{_e(hl["binding_duties"].format(n=sum(binding.values())))}</p>'
        f'<div class="cr-cards">{"".join(cards)}</div>'
        f'<p class="cr-muted">{_e(hl["all_instances"].format(n=total, b=best_effort))}</p>'
        "</section>"
    )


def _payable_cards(report: Report, lang: str) -> list[str]:
    """The money cards: one per paying party and currency (``Liability.payable_by``), never
    adding what one party owes to what the other owes; each set against the caps of the
    periods it was counted in (a remedy without a cap, such as an uncapped actual-loss remedy
    beside a capped one, is counted in the total but not set against a cap it is not under).
    One card "nothing payable" when no remedy line applies."""
    lb, hl = labels(lang), _hl(lang)
    owed = report.liability.payable_by()
    if not owed:
        return [
            '<div class="cr-card cr-money" data-card="payable">'
            f'<span class="cr-card-n">0.00</span>'
            f'<span class="cr-card-l">{_e(hl["card_nothing"])}</span></div>'
        ]
    capped: dict[PayerCurrency, Decimal] = {}
    caps: dict[PayerCurrency, Decimal] = {}
    for ln in report.liability:
        if ln.cap is not None:
            k = (ln.payer, ln.currency)
            caps[k] = caps.get(k, Decimal("0.00")) + ln.cap
            capped[k] = capped.get(k, Decimal("0.00")) + ln.payable
    cards = []
    for (payer, cur), amount in owed.items():
        cap = caps.get((payer, cur))
        if cap:
            part = capped.get((payer, cur), Decimal("0.00"))
            share = min(Decimal(1), part / cap)
            if part == amount:
                sub = hl["card_payable_of"].format(cap=money(cap), cur=cur)
            else:
                sub = hl["card_payable_part"].format(part=money(part), cap=money(cap), cur=cur)
            bar = (
                f'<span class="cr-bar"><span style="width:{float(share) * 100:.1f}%"></span></span>'
            )
        else:
            sub, bar = hl["card_no_cap"], ""
        who = payer_label(payer, lang)
        cards.append(
            f'<div class="cr-card cr-money" data-card="payable" data-payer="{_e(payer or "")}" '
            f'data-currency="{_e(cur)}">'
            f'<span class="cr-card-n">{money(amount)} <small>{_e(cur)}</small></span>'
            f'<span class="cr-card-l">{_e(who)} · {_e(lb["payable"])} ({_e(sub)})</span>{bar}'
            "</div>"
        )
    return cards


def _breaches(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    breaches = report.breaches
    head = f'<h2>{_e(hl["breaches_h"])} <span class="cr-count">{len(breaches)}</span></h2>'
    if not breaches:
        return f'<section id="cr-breaches">{head}<p>{_e(hl["no_breach"])}</p></section>'
    rows = []
    for o in breaches:
        cells = [
            f'<td class="duty"><strong>{_e(o.title(lang))}</strong><br>'
            f"<code>{_e(o.rule)}</code></td>",
            f"<td>{_e(o.clause)}</td>",
            f"<td>{_e(party_label(o.party, lang))}</td>",
            f'<td class="k"><code>{_e(o.key or "-")}</code></td>',
            f"<td>{_e(tier_label(rs, o.rule, o.tier, lang))}</td>",
            f"<td>{_when(o.due)}</td>",
            f"<td>{_when(o.fulfilled_at, hl['not_done'])}</td>",
            f'<td class="cr-late">{_e(how_late(o, report.as_of, lang))}</td>',
            f"<td>{_e(o.reason_in(lang) or '')}</td>",
        ]
        rows.append(
            f'<tr data-rule="{_e(o.rule)}" data-key="{_e(o.key or "")}">{"".join(cells)}</tr>'
        )
    headers = [
        hl["duty"], lb["clause"], lb["party"], lb["key"], lb["tier"], lb["due"], lb["done"],
        hl["late"], lb["reason"],
    ]  # fmt: skip
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    return (
        f'<section id="cr-breaches">{head}'
        f'<table class="cr-breaches">{_cols(_BREACH_WIDTHS)}<thead><tr>{th}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def _liability(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    head = f"<h2>{_e(lb['liability'])}</h2>"
    if not len(report.liability):
        return f'<section id="cr-liability">{head}<p>{_e(hl["no_liability"])}</p></section>'
    titles = {r.id: r.title.get(lang) for r in rs.remedies} if rs is not None else {}
    parts = [head]
    for ln in report.liability:
        name = titles.get(ln.remedy, ln.remedy)
        parts.append(
            f'<div class="cr-remedy" data-remedy="{_e(ln.remedy)}" data-period="{ln.period}">'
            f"<h3>{_e(name)} <code>{_e(ln.remedy)}</code> · "
            f"{_e(lb['clause_word'].format(c=ln.clause))} · {_e(period_label(rs, ln, lang))}</h3>"
        )
        parts.append(
            html_table(
                [lb["claimed"], lb["compensable"], lb["cap"], lb["payable"]],
                [
                    [
                        f"{money(ln.claimed)} {ln.currency}",
                        f"{money(ln.compensable)} {ln.currency}",
                        "-" if ln.cap is None else f"{money(ln.cap)} {ln.currency}",
                        f"{money(ln.payable)} {ln.currency}",
                    ]
                ],
                table_class="cr-money-table",
                scope=True,
                column_classes=("num", "num", "num", "num"),
            )
        )
        if ln.items:
            rows = [
                [
                    i.key or "-",
                    i.event or "-",
                    i.rule or "-",
                    f"{money(i.amount)} {ln.currency}",
                    hl["compensable_yes"] if i.compensable else hl["compensable_no"],
                    claim_reason(report, i, lang),
                ]
                for i in ln.items
            ]
            parts.append(
                f"<h4>{_e(hl['claims'])} ({len(ln.items)})</h4>"
                + html_table(
                    [lb["key"], hl["event"], lb["rule"], hl["amount"], lb["status"], lb["reason"]],
                    rows,
                    table_class="cr-items",
                    scope=True,
                    column_classes=("k", "nw", "id", "num", "nw", ""),
                )
            )
        parts.append("</div>")
    return f'<section id="cr-liability">{"".join(parts)}</section>'


def _ledger(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    rs = report.ruleset
    by_rule: dict[str, list[Obligation]] = {}
    for o in report.obligations:
        by_rule.setdefault(o.rule, []).append(o)
    order = [n.id for n in rs.norms if n.id in by_rule] if rs is not None else []
    order += [r for r in by_rule if r not in order]
    present = {o.status for o in report.obligations}
    statuses = (*STATUSES, *(s for s in ALL_STATUSES if s not in STATUSES and s in present))
    options = "".join(f'<option value="{s}">{_e(lb[s])}</option>' for s in statuses)
    # hidden without JavaScript: the filter only means something where the script runs
    controls = (
        '<div id="cr-filter" class="cr-filter" hidden>'
        f'<label>{_e(hl["filter"])} <input id="cr-filter-text" type="search" '
        f'placeholder="{_e(hl["filter_placeholder"])}"></label> '
        f'<select id="cr-filter-status"><option value="">{_e(hl["all_statuses"])}</option>'
        f"{options}</select> "
        f'<span class="cr-muted">{_e(hl["shown"])} <span id="cr-filter-count">'
        f"{len(report.obligations)}</span> {_e(hl['instances'])}</span></div>"
    )
    headers = [
        lb["key"], hl["nth"], lb["tier"], lb["trigger"], lb["due"], lb["status"], lb["done"],
        lb["reason"],
    ]  # fmt: skip
    th = "".join(f'<th scope="col">{_e(h)}</th>' for h in headers)
    groups = []
    for rule in order:
        obs = by_rule[rule]
        first = obs[0]
        counts = dict.fromkeys(STATUSES, 0)
        for o in obs:
            counts[o.status] = counts.get(o.status, 0) + 1
        summary = " · ".join(f"{lb[s]} {n}" for s, n in counts.items() if n)
        keys: dict[str, list[Obligation]] = {}
        for o in obs:
            keys.setdefault(o.key or "", []).append(o)
        bodies = []
        for key in sorted(keys):
            rows = []
            for o in sorted(keys[key], key=lambda o: o.nth):
                rows.append(
                    f'<tr class="cr-{o.status}" data-status="{o.status}">'
                    f'<td class="k"><code>{_e(o.key or "-")}</code></td>'
                    f'<td class="num">{o.nth}</td>'
                    f"<td>{_e(tier_label(rs, o.rule, o.tier, lang))}</td>"
                    f"<td>{_when(o.trigger_at)}</td>"
                    f"<td>{_when(o.due)}</td>"
                    f'<td><span class="cr-status">{_e(lb[o.status])}</span></td>'
                    f"<td>{_when(o.fulfilled_at)}</td>"
                    f"<td>{_e(o.reason_in(lang) or '')}</td></tr>"
                )
            bodies.append(f'<tbody data-key="{_e(key)}">{"".join(rows)}</tbody>')
        groups.append(
            f'<div class="cr-rule" data-rule="{_e(rule)}">'
            f"<h3>{_e(first.title(lang))} <code>{_e(rule)}</code> · "
            f"{_e(lb['clause_word'].format(c=first.clause))} · {_e(lb[first.strength])}"
            f' <span class="cr-muted">({len(obs)}: {_e(summary)})</span></h3>'
            f'<table class="cr-ledger">{_cols(_LEDGER_WIDTHS)}<thead><tr>{th}</tr></thead>'
            f"{''.join(bodies)}</table>"
            "</div>"
        )
    return (
        f'<section id="cr-ledger"><h2>{_e(hl["ledger_h"])} '
        f'<span class="cr-count">{len(report.obligations)}</span></h2>'
        f'<p class="cr-muted">{_e(hl["ledger_desc"].format(n=len(report.obligations)))}</p>'
        f"{controls}{''.join(groups)}</section>"
    )


def _measures(report: Report, lang: str) -> str:
    """The measures per period (``cr-measures``): value, target and the arithmetic, a row per
    measure and period, marked ``data-meets`` when it has a target; nothing for a report
    without measures."""
    if not report.measures:
        return ""
    lb = labels(lang)
    meets = [
        ""
        if mp.target is None or mp.value is None
        else f' data-meets="{str(mp.value >= mp.target).lower()}"'
        for mp in report.measures
    ]
    table = html_table(
        [lb[k] for k in MEASURE_COLUMNS],
        measure_rows(report),
        row_attrs=meets,
        table_class="cr-measures",
        scope=True,
        column_classes=("id", "nw", "num", "num", ""),
    )
    return f'<section id="cr-measures"><h2>{_e(lb["measures"])}</h2>{table}</section>'


def _accounting(report: Report, lang: str) -> str:
    lb, hl = labels(lang), _hl(lang)
    c = report.accounting.counts()
    figures = "".join(
        f'<div class="cr-fig" data-events="{k}"><span class="cr-card-n">{c[k]}</span>'
        f'<span class="cr-card-l">{_e(lb[k])}</span></div>'
        for k in ("input", "used", "ignored", "rejected")
    )
    parts = [
        f'<section id="cr-accounting"><h2>{_e(hl["accounting_h"])}</h2>',
        f'<div class="cr-figs">{figures}</div>',
    ]
    entries = (*report.accounting.rejected, *report.accounting.ignored)
    if entries:
        parts.append(
            html_table(
                [hl["where"], hl["event_id"], hl["type"], hl["disposition"], lb["reason"]],
                [
                    [e.where, e.id or "-", e.type or "-", lb[e.disposition], e.reason]
                    for e in entries
                ],
                table_class="cr-events",
                scope=True,
                column_classes=("", "k", "", "nw", ""),
            )
        )
    for key, items in (("notes", report.notes), ("assumptions", report.assumptions)):
        if items:
            lis = "".join(f"<li>{_e(x)}</li>" for x in items)
            parts.append(f'<h3 id="cr-{key}">{_e(lb[key])}</h3><ul>{lis}</ul>')
    parts.append(f'<p class="cr-muted cr-foot">{_e(hl["generated"])}</p></section>')
    return "".join(parts)
