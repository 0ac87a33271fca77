"""What several test modules build on: rule files read as data, edited and read back as rule
files; the sale example and its events; evaluating one stream batch, incremental and streaming
side by side.

Each helper promises what its docstring says and nothing more; a test asserts on what it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from contract_rules import evaluate
from contract_rules.engine import CompiledRuleset
from contract_rules.evaluator import Evaluator
from contract_rules.model import Ruleset
from contract_rules.report import Obligation, Report
from contract_rules.rulefile import RuleFileResult, read_rule_text

ROOT = Path(__file__).resolve().parents[1]
SALE = ROOT / "examples" / "sale_of_goods.yaml"
SUPPLY = ROOT / "examples" / "supply_contract.yaml"
MINIMAL_FILE = ROOT / "tests" / "rulefiles" / "valid" / "minimal.yaml"

#: an edit of a rule file's data, in place
Change = Callable[[dict[str, Any]], None]

# ------------------------------------------------------------------ rule files as data


def rule_data(path: Path, change: Change | None = None) -> dict[str, Any]:
    """The YAML of the rule file at ``path`` as plain data (a new dict each call), with
    ``change`` applied to it when given."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), path
    if change is not None:
        change(data)
    return data


def yaml_text(data: Mapping[str, Any]) -> str:
    """``data`` as rule-file text: YAML with the keys in their order and non-ASCII text as it
    is."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def read_data(data: Mapping[str, Any], source: str = "<test>") -> RuleFileResult:
    """``data`` read as the rule file ``source``: the ruleset (None if it failed) and every
    finding."""
    return read_rule_text(yaml_text(data), source)


def ruleset_of(data: Mapping[str, Any], source: str = "<test>") -> Ruleset:
    """The ruleset ``data`` gives; fails the test, listing the findings, when it gives none."""
    result = read_data(data, source)
    assert result.ruleset is not None, [str(f) for f in result.findings]
    return result.ruleset


def refusals(data: Mapping[str, Any], source: str = "<bad>") -> list[str]:
    """The messages of the findings of ``data``; fails the test when it gives a ruleset."""
    result = read_data(data, source)
    assert result.ruleset is None
    return [f.message for f in result.findings]


def norm_of(data: dict[str, Any], nid: str) -> dict[str, Any]:
    """The norm ``nid`` in a rule file's data (to edit it in place)."""
    return next(n for n in data["norms"] if n["id"] == nid)


# ------------------------------------------------------------------ the sale example


def sale(change: Change | None = None) -> Ruleset:
    """``examples/sale_of_goods.yaml``, with ``change`` applied to its data when given."""
    # YAML 1.1 (PyYAML) reads no key here as a boolean: the file avoids 'on', 'yes', 'no'
    return ruleset_of(rule_data(SALE, change), "<sale>")


def t(text: str) -> datetime:
    """The instant an ISO text names."""
    return datetime.fromisoformat(text)


def ev(eid: str, etype: str, at: str, **fields: Any) -> dict[str, Any]:
    """An event record: id, type, instant and ``fields``."""
    return {"id": eid, "type": etype, "at": at, **fields}


def po(eid: str, at: str, order: str, day: str) -> dict[str, Any]:
    """A purchase order of the sale example: ``order``, to be delivered on ``day``."""
    return ev(eid, "purchase_order", at, order=order, delivery_date=day)


def path(ob: Obligation) -> list[tuple[str, str, str | None, str | None]]:
    """A history as (state, from, to, event)."""
    return [
        (h.state, h.start.isoformat(), h.end.isoformat() if h.end else None, h.event)
        for h in ob.history
    ]


# ------------------------------------------------------------------ evaluating


def fed(rules: Ruleset | CompiledRuleset, events: Iterable[Mapping[str, Any]]) -> Evaluator:
    """An incremental evaluator of ``rules`` that was fed ``events``, one at a time, in order."""
    inc = Evaluator(rules)
    for e in events:
        inc.feed(e)
    return inc


def in_every_mode(
    rules: Ruleset | CompiledRuleset,
    events: list[dict[str, Any]],
    as_of: datetime | str,
    settle_after: timedelta,
) -> tuple[Report, Report, Report]:
    """The reports of ``events`` at ``as_of``: batch, incremental (every event fed) and
    streaming (``settle_after``), in that order."""
    batch = evaluate(rules, events, as_of)
    incremental = fed(rules, events).report(as_of)
    streamed = evaluate(rules, events, as_of, settle_after=settle_after)
    return batch, incremental, streamed


def liability_lines(report: Report) -> list[dict[str, Any]]:
    """The report's liability lines as data."""
    return [ln.to_dict() for ln in report.liability]
