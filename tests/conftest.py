"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, compile_ruleset
from contract_rules.loader import reader as loader_reader

PARSERS = ["pure"] + (["libyaml"] if getattr(yaml, "__with_libyaml__", False) else [])


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test with each available YAML parser (pure Python, and libyaml when present)."""
    if request.param == "pure":
        monkeypatch.setattr(loader_reader, "_PARSER", yaml.SafeLoader)
    else:
        monkeypatch.setattr(loader_reader, "_PARSER", yaml.CSafeLoader)
    yield request.param


@pytest.fixture(autouse=True)
def _not_in_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI picks the github output format inside GitHub Actions; tests pin their own."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


# ------------------------------------------------------------------ the Tacheng ruleset, once
# Loading and compiling the Tacheng ruleset and evaluating its example year take a noticeable
# share of the suite; these session fixtures do each once for every test module that reads them.
# Tests must not mutate what they receive.

ROOT = Path(__file__).resolve().parents[1]
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
TACHENG_EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
TACHENG_AS_OF = "2025-12-31T00:00:00+08:00"


@pytest.fixture(scope="session")
def tacheng_ruleset() -> cr.Ruleset:
    """``rules/tacheng_2024.yaml``, loaded and checked."""
    return cr.load_ruleset(TACHENG)


@pytest.fixture(scope="session")
def tacheng_compiled(tacheng_ruleset: cr.Ruleset) -> CompiledRuleset:
    """The Tacheng ruleset, compiled."""
    return compile_ruleset(tacheng_ruleset)


@pytest.fixture(scope="session")
def tacheng_report(tacheng_compiled: CompiledRuleset) -> cr.Report:
    """The report of the example year (``examples/tacheng_events_2025.jsonl``) at year end."""
    return cr.evaluate(tacheng_compiled, TACHENG_EVENTS, as_of=TACHENG_AS_OF)
