"""The HTML report (``--format html``, ``Report.to_html()``): one self-contained document, every
label in the chosen language, the same figures in zh and en, hostile text escaped; and the
Tacheng year rendered in headless Chromium, on screen at 1280 px and in print on A4."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from _browser import A4_PRINT_HEIGHT, A4_PRINT_WIDTH, Browser, find_chromium

import contract_rules as cr
from contract_rules.html_report import period_label, render_document, tier_label
from contract_rules.notebook import attainment_rows
from contract_rules.render import RENDERERS

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"
SECTIONS = [
    "cr-header", "cr-summary", "cr-breaches", "cr-liability", "cr-chart", "cr-ledger",
    "cr-accounting",
]  # fmt: skip
#: where the browser test writes its screenshots (shown in docs/cli.md)
SHOTS = Path(os.environ.get("CONTRACT_RULES_SCREENSHOTS", ROOT / "docs"))


@pytest.fixture(scope="module")
def ruleset() -> cr.Ruleset:
    return cr.load_ruleset(RULES)


@pytest.fixture(scope="module")
def report(ruleset: cr.Ruleset) -> cr.Report:
    return cr.evaluate(ruleset, EVENTS, as_of=AS_OF)


@pytest.fixture(scope="module")
def pages(report: cr.Report) -> dict[str, str]:
    return {lang: report.to_html(lang) for lang in ("zh", "en")}


class Page(HTMLParser):
    """A parsed document: every element as (tag, attributes, text inside it, its ancestors)."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._open: list[tuple[str, dict[str, str], list[str]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        el = (tag, {k: v or "" for k, v in attrs}, [])
        self.elements.append(el)
        if tag not in ("meta", "br", "col", "input"):
            self._open.append(el)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                return

    def handle_data(self, data: str) -> None:
        for _, _, text in self._open:
            text.append(data)

    def find(self, tag: str | None = None, **attrs: str) -> list[tuple[dict[str, str], str]]:
        """Elements by tag and attribute values (``cls`` matches one class), with their text."""
        out = []
        for t, a, text in self.elements:
            if tag is not None and t != tag:
                continue
            cls = attrs.get("cls")
            if cls is not None and cls not in a.get("class", "").split():
                continue
            if any(a.get(k) != v for k, v in attrs.items() if k != "cls"):
                continue
            out.append((a, "".join(text)))
        return out


def section(page: str, name: str) -> str:
    return page.split(f'<section id="{name}">')[1].split("</section>")[0]


# ------------------------------------------------------------------------------- the document


def test_eval_format_html_is_the_document(report: cr.Report) -> None:
    assert RENDERERS["html"](report, "zh") == report.to_html("zh") == render_document(report, "zh")
    assert report.to_html() == report.to_html(report.language)


def test_document_is_self_contained(pages: dict[str, str]) -> None:
    for page in pages.values():
        assert page.startswith("<!DOCTYPE html>\n<html lang=")
        assert '<meta charset="utf-8">' in page[:200]
        # nothing is fetched: no link, image, frame or source, no address but the SVG namespace
        assert not re.search(r"<(link|img|iframe|object|embed|source)\b", page)
        assert not re.search(r"\b(src|href)=", page)
        assert set(re.findall(r"https?://[^\s\"'<>]*", page)) == {"http://www.w3.org/2000/svg"}
        # the one script is the filter, and the policy lets no other script run
        (script,) = re.findall(r"<script>(.*?)</script>", page, re.S)
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
        assert csp is not None
        policy = html.unescape(csp.group(1))
        assert "default-src 'none'" in policy and f"script-src 'sha256-{digest}'" in policy
        # the print stylesheet: A4, page breaks before sections, the ledger's header repeated
        css = page.split('<style media="print">')[1].split("</style>")[0]
        assert "@page{size:A4" in css and "break-before:page" in css
        assert "thead{display:table-header-group}" in css


def test_sections_and_counts(report: cr.Report, pages: dict[str, str]) -> None:
    binding = Counter(o.status for o in report.obligations if o.strength == "binding")
    for page in pages.values():
        doc = Page(page)
        assert [a["id"] for a, _ in doc.find("header") + doc.find("section")] == SECTIONS
        # breaches first after the summary, in the report's order, with clause and reason
        rows = doc.find("tr", **{"data-rule": report.breaches[0].rule})
        assert rows
        breaches = Page(section(page, "cr-breaches")).find("tr")[1:]
        assert [(a["data-rule"], a["data-key"] or None) for a, _ in breaches] == [
            (o.rule, o.key) for o in report.breaches
        ]
        assert len(breaches) == 7
        # the cards: binding instances per status, and the money payable against the cap
        cards = dict(re.findall(r'data-card="(\w+)"[^>]*><span class="cr-card-n">([^<]*)', page))
        assert cards == {
            **{s: str(binding[s]) for s in ("fulfilled", "violated", "excused", "pending")},
            "payable": f"{report.liability.payable:.2f} ",
        }
        # 12,000.00 under the 8.2 cap and 8,000.00 of uncapped actual loss under 8.1
        assert report.liability.payable == Decimal("20000.00")
        assert "12000.00 CNY of it under the 53600.00 CNY cap" in page or (
            "其中 12000.00 CNY 受上限 53600.00 CNY 约束" in page
        )
        assert "53600.00 CNY" in section(page, "cr-summary")
        # the ledger: every instance once, grouped by rule (in the rule file's order) and key
        ledger = Page(section(page, "cr-ledger"))
        statuses = Counter(a["data-status"] for a, _ in ledger.find("tr") if "data-status" in a)
        assert statuses == report.counts()
        groups = [a["data-rule"] for a, _ in ledger.find("div", cls="cr-rule")]
        assert groups == [n for n in (x.id for x in report.ruleset.norms) if n in groups]  # type: ignore[union-attr]
        assert set(groups) == {o.rule for o in report.obligations}
        # the chart: one stacked bar per month, adding up to the binding instances
        rects = [a for a, _ in doc.find("rect") if "data-month" in a]
        by_status = Counter()
        for a in rects:
            by_status[a["data-status"]] += int(a["data-n"])
        assert by_status == +binding
        months = [r.group for r in attainment_rows(report, "month")]
        assert sorted({a["data-month"] for a in rects}) == months
        # the accounting at the end: input = used + ignored + rejected
        c = report.accounting.counts()
        shown = re.findall(r'data-events="(\w+)"><span class="cr-card-n">(\d+)<', page)
        assert {k: int(v) for k, v in shown} == c


#: classes of the elements whose text is a figure (counts, money, instants, durations)
FIGURE_CLASSES = ("cr-card-n", "num", "nw", "cr-late", "cr-count", "share", "tick")


def figures(page: str) -> list[str]:
    """Every figure of the document in order: the digit runs of the elements that show figures
    and the language-neutral data attributes."""
    out: list[str] = []
    for tag, attrs, text in Page(page).elements:
        classes = attrs.get("class", "").split()
        # month names are words (1月 / Jan); the months themselves are in data-month
        if any(c in classes for c in FIGURE_CLASSES) and "month" not in classes:
            out += re.findall(r"\d+(?:[.:-]\d+)*", "".join(text))
        out += [
            f"{k}={v}"
            for k, v in sorted(attrs.items())
            if k.startswith("data-") and k != "data-lang"
        ]
        if tag == "rect" and "width" in attrs:
            out.append(f"{attrs.get('x')},{attrs.get('y')},{attrs['width']},{attrs['height']}")
    return out


def test_zh_and_en_carry_the_same_figures(pages: dict[str, str]) -> None:
    zh, en = figures(pages["zh"]), figures(pages["en"])
    assert len(zh) > 1500 and "12000.00" in zh and "data-status=violated" in zh
    assert zh == en


def test_zh_labels_tiers_and_periods(report: cr.Report, pages: dict[str, str]) -> None:
    zh, en = pages["zh"], pages["en"]
    assert "工作日的工作时间" in zh and "非工作时间及非工作日" in zh
    assert "working hours of a working day" in en
    assert "第 1 服务年度 (2024-11-18 至 2025-11-17)" in zh
    assert "service year 1 (2024-11-18 – 2025-11-17)" in en
    for word in ("working_hours", "off_hours", "service year", "Liability", "Breaches"):
        assert word not in zh
    # every heading, column header, card, legend and filter word is Chinese (ids and the
    # currency code aside)
    doc = Page(zh)
    texts = [t for tag in ("h1", "h2", "th", "dt", "option", "label") for _, t in doc.find(tag)]
    texts += [t for _, t in doc.find(cls="cr-card-l") + doc.find(cls="legend")]
    texts += [t for _, t in doc.find("title")]
    latin = [t for t in texts if re.search(r"[A-Za-z]", re.sub(r"CNY|[a-z_.]+\.[a-z_.]+", "", t))]
    assert latin == []
    assert len(texts) > 50


def test_tier_and_period_fall_back_without_titles(report: cr.Report) -> None:
    assert tier_label(report.ruleset, "onsite.response", "off_hours", "en") == (
        "outside working hours or a non-working day"
    )
    # a tier the rule file gives no title keeps its id; without the ruleset, ids and labels
    assert tier_label(report.ruleset, "no.such.rule", "night", "zh") == "night"
    assert tier_label(None, "onsite.response", "off_hours", "zh") == "off_hours"
    assert report.liability
    for line in report.liability:
        assert period_label(None, line, "zh") == line.period_label


def hostile(ruleset: cr.Ruleset) -> tuple[cr.Report, list[str]]:
    """The Tacheng rules with markup in the contract's and a tier's titles, evaluated on events
    with markup in a key and in an event type."""
    evil = [
        "<script>alert('title')</script>",
        '"><img src=x onerror=alert(1)>',
        "</style><b>tier</b>",
        "INC-<svg onload=alert(2)>&amp;",
        "</script><i>type</i>",
    ]
    contract = ruleset.contract.model_copy(
        update={"title": ruleset.contract.title.model_copy(update={"zh": evil[0], "en": evil[1]})}
    )
    norm = ruleset.norms[0]
    assert norm.tiers is not None
    tier = norm.tiers[1].model_copy(
        update={"title": norm.tiers[1].title.model_copy(update={"zh": evil[2], "en": evil[2]})}  # type: ignore[union-attr]
    )
    norms = [norm.model_copy(update={"tiers": [norm.tiers[0], tier]}), *ruleset.norms[1:]]
    rs = ruleset.model_copy(update={"contract": contract, "norms": norms})
    events = [
        {"type": "onsite_request", "at": "2025-03-01T20:00:00+08:00", "incident": evil[3]},
        {"type": evil[4], "at": "2025-03-01T21:00:00+08:00"},
    ]
    return cr.evaluate(rs, events, as_of="2025-03-04T00:00:00+08:00", strict=False), evil


def test_hostile_text_is_escaped(ruleset: cr.Ruleset) -> None:
    rep, evil = hostile(ruleset)
    assert rep.breaches and rep.accounting.rejected
    for lang in ("zh", "en"):
        page = rep.to_html(lang)
        assert page.count("<script") == 1 and "<img" not in page and "<svg onload" not in page
        assert "<b>" not in page and "<i>" not in page
        shown = evil[0] if lang == "zh" else evil[1]
        assert html.escape(shown) in page and html.escape(evil[2]) in page
        assert html.escape(evil[3]) in page and html.escape(evil[4]) in page
        # the hostile key is still the same text to a reader (and to the filter)
        keys = [a["data-key"] for a, _ in Page(section(page, "cr-breaches")).find("tr")[1:]]
        assert keys == [evil[3]]


# ------------------------------------------------------------------------------- in a browser

#: Runs in the page: the sections and counts, whether the script ran, and every element that
#: reaches past the page's width (its right edge beyond the viewport, or the page scrolling).
MEASURE = """
(() => {
  const width = document.documentElement.clientWidth;
  const over = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    if (r.right > width + 0.5 || r.left < -0.5)
      over.push(`${el.tagName}.${el.getAttribute('class')} ${r.left}..${r.right}`);
  }
  // a table cell whose content reaches past the cell (into its neighbour)
  for (const cell of document.querySelectorAll('td, th')) {
    if (cell.getClientRects().length && cell.scrollWidth > cell.clientWidth + 1)
      over.push(`${cell.tagName} ${cell.textContent.slice(0, 30)} ${cell.scrollWidth}`);
  }
  const count = (sel) => document.querySelectorAll(sel).length;
  const filter = document.getElementById('cr-filter');
  return {
    width, scrollWidth: document.documentElement.scrollWidth, overflowing: over.slice(0, 20),
    sections: [...document.querySelectorAll('main > header, main > section')].map(s => s.id),
    ledgerRows: count('#cr-ledger tbody tr'), breachRows: count('#cr-breaches tbody tr'),
    bars: count('#cr-chart-svg rect[data-month]'), scripts: document.scripts.length,
    filterShown: filter !== null && getComputedStyle(filter).display !== 'none',
    title: document.title,
  };
})()
"""

#: Types into the ledger filter as a reader would and returns how many rows stay visible.
FILTER = """
(() => {
  const box = document.getElementById('cr-filter-text');
  box.value = %s;
  box.dispatchEvent(new Event('input'));
  const visible = [...document.querySelectorAll('#cr-ledger tbody tr')].filter(
    r => r.getClientRects().length > 0);
  return {shown: visible.length, said: document.getElementById('cr-filter-count').textContent};
})()
"""


@pytest.fixture(scope="module")
def browser() -> Any:
    exe = find_chromium()
    if exe is None:
        pytest.skip(
            "no chromium here (or $CHROMIUM is not a browser): `make browser` installs Debian's "
            "chromium with apt-get"
        )
    try:
        import websocket  # noqa: F401
    except ImportError:
        pytest.skip("websocket-client is missing: install the dev extra (make install-dev)")
    with Browser(exe) as b:
        yield b


def test_tacheng_year_in_chromium(
    browser: Browser, report: cr.Report, pages: dict[str, str], tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for lang, page in pages.items():
        path = tmp_path / f"report-{lang}.html"
        path.write_text(page, encoding="utf-8")
        browser.open(path, 1280, 900, "screen")
        screen = browser.evaluate(MEASURE)
        assert screen["width"] == 1280 and screen["scrollWidth"] == 1280
        assert screen["overflowing"] == [], screen["overflowing"]
        assert screen["sections"] == SECTIONS
        assert (screen["ledgerRows"], screen["breachRows"]) == (len(report.obligations), 7)
        assert screen["bars"] > 12 and screen["scripts"] == 1 and screen["filterShown"]
        assert screen["title"].startswith("履约评估报告" if lang == "zh" else "Evaluation report")
        browser.screenshot(SHOTS / f"report-screen-{lang}.png", 1280, 2300)
        # the filter narrows the ledger to one incident's instances, and says how many
        shown = browser.evaluate(FILTER % json.dumps("INC-013"))
        expected = sum(1 for o in report.obligations if o.key == "INC-013")
        assert shown == {"shown": expected, "said": str(expected)} and expected >= 3

        # print: the A4 page's printable width, the print stylesheet applied by the browser
        browser.open(path, A4_PRINT_WIDTH, A4_PRINT_HEIGHT, "print")
        printed = browser.evaluate(MEASURE)
        assert printed["width"] == A4_PRINT_WIDTH == 718
        assert printed["scrollWidth"] == A4_PRINT_WIDTH
        assert printed["overflowing"] == [], printed["overflowing"]
        assert printed["sections"] == SECTIONS and not printed["filterShown"]
        # the first page: up to the page break before the liability, at most an A4 page
        first = browser.evaluate("document.getElementById('cr-liability').offsetTop")
        height = min(A4_PRINT_HEIGHT, int(first))
        browser.screenshot(SHOTS / f"report-print-{lang}.png", A4_PRINT_WIDTH, height)
        pdf = browser.pdf()
        assert pdf.startswith(b"%PDF")
        sizes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
        assert {(round(float(w)), round(float(h))) for w, h in sizes} == {(595, 842)}  # A4
        assert len(re.findall(rb"/Type /Page\b", pdf)) >= 5


def test_hostile_text_stays_text_in_chromium(
    browser: Browser, ruleset: cr.Ruleset, tmp_path: Path
) -> None:
    rep, evil = hostile(ruleset)
    path = tmp_path / "hostile.html"
    path.write_text(rep.to_html("en"), encoding="utf-8")
    browser.open(path, 1280)
    seen = browser.evaluate(
        """(() => ({
          scripts: document.scripts.length,
          injected: document.querySelectorAll('main img, main b, main i, main [onload]').length,
          title: document.querySelector('h1').textContent,
          key: document.querySelector('#cr-breaches tbody tr').dataset.key,
          overflowing: [...document.querySelectorAll('body *')].filter(
            e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5
          ).length,
        }))()"""
    )
    assert seen == {"scripts": 1, "injected": 0, "title": evil[1], "key": evil[3], "overflowing": 0}


def test_monthly_credits_name_their_months() -> None:
    rs = cr.load_ruleset(ROOT / "examples" / "it_support_sla.yaml")
    scenario = next(s for s in rs.scenarios if s.name.startswith("Friday closes at 17:00"))
    rep = cr.evaluate(rs, [dict(e) for e in scenario.events], as_of=scenario.as_of)
    (line,) = rep.liability
    assert (line.remedy, line.period, str(line.payable)) == ("credit.resolution.p2", 3, "1000.00")
    assert (
        period_label(rs, line, "zh") == "2025 年 3 月" and period_label(rs, line, "en") == "2025-03"
    )
    for lang in ("zh", "en"):
        liability = section(rep.to_html(lang), "cr-liability")
        assert period_label(rs, line, lang) in liability and "1000.00 CNY" in liability
