"""Fixtures shared by the test modules."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import yaml

from contract_rules import loader

PARSERS = ["pure"] + (["libyaml"] if getattr(yaml, "__with_libyaml__", False) else [])


@pytest.fixture(params=PARSERS)
def parser(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test with each available YAML parser (pure Python, and libyaml when present)."""
    if request.param == "pure":
        monkeypatch.setattr(loader, "_PARSER", yaml.SafeLoader)
    else:
        monkeypatch.setattr(loader, "_PARSER", yaml.CSafeLoader)
    yield request.param


@pytest.fixture(autouse=True)
def _not_in_github_actions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI picks the github output format inside GitHub Actions; tests pin their own."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
