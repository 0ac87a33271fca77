"""The evaluation report as one self-contained HTML document, for people to read, mail and print.

:func:`render_document` (``contract-rules eval --format html``, :meth:`Report.to_html`) writes a
single file: styles inline, no network (a Content-Security-Policy forbids it), readable without
JavaScript. Top to bottom: the contract, parties, term, evaluation instant and the verdict;
summary cards; the breaches; liability per period; the monthly attainment chart as inline SVG
drawn here; the ledger grouped by rule and key (a filter appears where JavaScript runs); the
event accounting, notes and assumptions. A print stylesheet lays it out on A4 with page breaks
before the major sections and the ledger's header repeated on every page.

Every label, tier and period is in the chosen language (``zh`` or ``en``); the figures are the
same in both. Everything that comes from a rule file or an events file is escaped.

This module holds the page (styles, script, the document around the sections); the rest lives in
modules named for what they hold: :mod:`~contract_rules.html_words` (labels, colours, phrases),
:mod:`~contract_rules.html_sections` (the sections) and :mod:`~contract_rules.html_chart` (the
SVG chart). Their public names are importable from here as before.
"""

from __future__ import annotations

import base64
import hashlib

from .html_chart import _chart
from .html_chart import attainment_svg as attainment_svg
from .html_sections import (
    _accounting,
    _breaches,
    _cards,
    _header,
    _ledger,
    _liability,
    _measures,
)
from .html_words import HTML_LABELS as HTML_LABELS
from .html_words import STATUS_COLOURS as STATUS_COLOURS
from .html_words import _e, _local_as_of
from .html_words import claim_reason as claim_reason
from .html_words import how_late as how_late
from .html_words import period_label as period_label
from .html_words import tier_label as tier_label
from .render import contract_title, labels
from .report import Report

# ------------------------------------------------------------------------------- the page

_CSS = """
:root{--ink:#1d2330;--muted:#5b6473;--line:#d7dce3;--soft:#f4f6f9;--ok:#2e7d32;--bad:#c62828;
--ex:#78909c;--run:#1565c0;font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",
"WenQuanYi Micro Hei","Microsoft YaHei","PingFang SC",sans-serif;color:var(--ink)}
*{box-sizing:border-box}
body{margin:0;background:#eef1f5;font-size:14px;line-height:1.45}
main{max-width:1200px;margin:0 auto;padding:24px 32px 48px;background:#fff}
h1{font-size:26px;margin:4px 0 12px;line-height:1.25}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:18px 0 6px}
h4{font-size:13px;margin:10px 0 4px;color:var(--muted)}
code{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:.9em;color:#37474f}
.cr-kicker{margin:0;color:var(--muted);letter-spacing:.08em;text-transform:uppercase;font-size:12px}
.cr-facts{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 16px;margin:0 0 14px}
.cr-facts dt{color:var(--muted)}.cr-facts dd{margin:0}
.cr-verdict{margin:0;padding:10px 14px;border-radius:6px;font-weight:600;border-left:6px solid}
.cr-verdict.cr-breach{background:#fdecea;border-color:var(--bad);color:#8e1c1c}
.cr-verdict.cr-clean{background:#e8f5e9;border-color:var(--ok);color:#1b5e20}
.cr-cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(160px,1fr));gap:12px}
.cr-card,.cr-fig{border:1px solid var(--line);border-top:5px solid var(--muted);border-radius:6px;
padding:10px 12px;background:var(--soft);min-width:0}
.cr-card.cr-fulfilled{border-top-color:var(--ok)}.cr-card.cr-violated{border-top-color:var(--bad)}
.cr-card.cr-excused{border-top-color:var(--ex)}.cr-card.cr-pending{border-top-color:var(--run)}
.cr-card.cr-money{border-top-color:#6a1b9a}
.cr-card-n{display:block;font-size:26px;font-weight:700;line-height:1.2;overflow-wrap:anywhere}
.cr-card-n small{font-size:13px;font-weight:600;color:var(--muted)}
.cr-card-l{display:block;color:var(--muted);font-size:12.5px}
.cr-cards-h{margin:0 0 6px;font-weight:600}
.cr-card.cr-violated .cr-card-n{color:var(--bad)}
.cr-bar{display:block;height:6px;background:#ddd;border-radius:3px;margin-top:6px;overflow:hidden}
.cr-bar span{display:block;height:100%;background:#6a1b9a}
.cr-figs{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:10px;margin-bottom:12px}
.cr-muted{color:var(--muted)}
.cr-count{display:inline-block;min-width:1.6em;padding:0 .4em;border-radius:9px;
background:var(--ink);color:#fff;font-size:13px;text-align:center;vertical-align:middle}
#cr-breaches .cr-count{background:var(--bad)}
table{width:100%;border-collapse:collapse;table-layout:auto;margin:4px 0 10px}
table.cr-breaches,table.cr-ledger{table-layout:fixed}
th,td{border-bottom:1px solid var(--line);padding:4px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}
th{background:#e9edf2;font-weight:600;font-size:12.5px;overflow-wrap:normal}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.nw,td.nw{white-space:nowrap}
td.k{min-width:5.5em}td.id{min-width:9em}
.cr-breaches td{background:#fff6f5}
.cr-breaches td.cr-late{color:var(--bad);font-weight:600}
.cr-breaches td.duty{min-width:10em}
.cr-ledger tbody+tbody{border-top:2px solid var(--line)}
.cr-status{display:inline-block;padding:0 .45em;border-radius:8px;font-size:.88em;color:#fff;
white-space:nowrap}
tr.cr-fulfilled .cr-status{background:var(--ok)}tr.cr-violated .cr-status{background:var(--bad)}
tr.cr-excused .cr-status{background:var(--ex)}tr.cr-pending .cr-status{background:var(--run)}
tr.cr-violated td{background:#fff6f5}
.cr-figure{margin:0}.cr-figure svg{width:100%;height:auto;display:block}
svg .grid{stroke:#e3e7ec;stroke-width:1}svg .tick{font-size:12px;fill:#5b6473}
svg .year{font-weight:600}svg .share{font-size:11px;fill:#1d2330;font-weight:600}
svg .legend{font-size:12.5px;fill:#1d2330}
svg text{font-family:system-ui,"Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif}
.cr-filter{position:sticky;top:0;z-index:1;background:#fff;padding:8px 0;display:flex;gap:10px;
flex-wrap:wrap;align-items:center;border-bottom:1px solid var(--line)}
.cr-filter[hidden]{display:none}
.cr-filter input{width:220px;max-width:100%}
.cr-remedy h3 code,.cr-rule h3 code{font-weight:400}
.cr-foot{margin-top:24px;font-size:12px}
"""

_PRINT_CSS = """
@page{size:A4;margin:12mm 10mm 14mm}
:root{font-size:9pt}
body{background:#fff;font-size:9pt}
main{max-width:none;padding:0;margin:0}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
h1{font-size:17pt}h2{font-size:13pt;margin-top:14pt}h3{font-size:10.5pt}
h2,h3,h4{break-after:avoid}
#cr-liability,#cr-ledger,#cr-accounting{break-before:page}
.cr-remedy,#cr-chart{break-inside:avoid}
.cr-cards{grid-template-columns:repeat(4,minmax(0,1fr)) minmax(0,1.7fr);gap:6pt}
.cr-card-n{font-size:13pt}.cr-card-n small{font-size:8pt}.cr-card-l{font-size:8pt}
.cr-filter{display:none!important}
thead{display:table-header-group}
tr{break-inside:avoid}
th,td{padding:2pt 4pt;font-size:8pt}
.cr-rule{break-inside:auto}
.cr-figure svg{max-height:95mm}
"""

# Shows the filter and applies it: rows whose text contains the words and whose status matches.
_JS = """
(function () {
  var box = document.getElementById("cr-filter");
  if (!box) return;
  box.hidden = false;
  var text = document.getElementById("cr-filter-text");
  var status = document.getElementById("cr-filter-status");
  var count = document.getElementById("cr-filter-count");
  function apply() {
    var q = text.value.trim().toLowerCase(), s = status.value, shown = 0;
    document.querySelectorAll(".cr-rule").forEach(function (group) {
      var rule = (group.dataset.rule || "").toLowerCase(), anyInGroup = false;
      group.querySelectorAll("tbody").forEach(function (body) {
        var anyInBody = false;
        body.querySelectorAll("tr").forEach(function (row) {
          var ok = (!s || row.dataset.status === s) &&
            (!q || rule.indexOf(q) >= 0 || row.textContent.toLowerCase().indexOf(q) >= 0);
          row.hidden = !ok;
          if (ok) { anyInBody = true; shown++; }
        });
        body.hidden = !anyInBody;
        anyInGroup = anyInGroup || anyInBody;
      });
      group.hidden = !anyInGroup;
    });
    count.textContent = String(shown);
  }
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
})();
"""


def _csp_hash(script: str) -> str:
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "sha256-" + base64.b64encode(digest).decode("ascii")


def render_document(report: Report, lang: str = "en") -> str:
    """The report as one self-contained HTML5 document in ``lang`` (``zh`` or ``en``).

    No resource is fetched: styles and the one script are inline and the document's
    Content-Security-Policy allows nothing else (no network, no other script). The script only
    shows and applies the ledger filter; without it the page reads the same. Sections carry
    stable ids: ``cr-header``, ``cr-summary``, ``cr-breaches``, ``cr-liability``, ``cr-measures`` (a
    ruleset with measures), ``cr-chart``,
    ``cr-ledger``, ``cr-accounting``."""
    lang = "zh" if lang == "zh" else "en"
    lb = labels(lang)
    title = contract_title(report, lang)
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src '{_csp_hash(_JS)}'; base-uri 'none'; form-action 'none'"
    )
    body = "".join(
        (
            _header(report, lang),
            _cards(report, lang),
            _breaches(report, lang),
            _liability(report, lang),
            _measures(report, lang),
            _chart(report, lang),
            _ledger(report, lang),
            _accounting(report, lang),
        )
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(csp)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="contract-rules">\n'
        f"<title>{_e(lb['report'])}: {_e(title)} ({_e(_local_as_of(report))})</title>\n"
        f"<style>{_CSS}</style>\n"
        f'<style media="print">{_PRINT_CSS}</style>\n'
        f'</head>\n<body>\n<main class="cr-report" data-lang="{lang}">{body}</main>\n'
        f"<script>{_JS}</script>\n</body>\n</html>\n"
    )
