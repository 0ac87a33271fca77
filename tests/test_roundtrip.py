"""A ruleset dumped to YAML (``model_dump(mode="json", by_alias=True, exclude_unset=True)``) reads
back as the same ruleset, through the real loader and checks.

The rulesets start from rules/tacheng_2024.yaml and tests/rulefiles/valid/*.yaml; hypothesis
varies money, dates, texts, flags, deadlines and scenario instants.
"""

from __future__ import annotations

import copy
import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from contract_rules.findings import Severity
from contract_rules.model import Ruleset
from contract_rules.rulefile import read_rule_file, read_rule_text

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [
    ROOT / "rules" / "tacheng_2024.yaml",
    *sorted((ROOT / "tests/rulefiles/valid").glob("*.yaml")),
]


def _load(path: Path) -> Ruleset:
    result = read_rule_file(path)
    assert result.ruleset is not None, [str(f) for f in result.findings]
    return result.ruleset


BASES: dict[str, Ruleset] = {p.name: _load(p) for p in SOURCES}


def dump(ruleset: Ruleset) -> dict[str, Any]:
    data: dict[str, Any] = ruleset.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return data


# PyYAML's dumper follows YAML 1.1: it leaves strings such as ``0E0``, ``1e5`` or ``0o17`` plain,
# which YAML 1.2 (the rule-file loader) reads as numbers. Quote every string that a YAML 1.2 core
# resolver would read as something else, so the dump means what the model holds.
_CORE_12_NON_STRING = re.compile(
    r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+"
    r"|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)"
    r"|null|Null|NULL|~|true|True|TRUE|false|False|FALSE"
)


class _Dumper(yaml.SafeDumper):
    pass


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if _CORE_12_NON_STRING.fullmatch(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def test_plain_pyyaml_dump_is_not_enough() -> None:
    """Why :func:`to_yaml` quotes: PyYAML leaves ``0E0`` plain; the loader reads a number."""
    data = dump(BASES["minimal.yaml"])
    data["norms"][0]["title"] = {"zh": "0E0"}
    plain = yaml.safe_dump(data, allow_unicode=True, sort_keys=False)
    assert "zh: 0E0\n" in plain
    assert read_rule_text(plain).ruleset is None
    assert read_rule_text(to_yaml(data)).ruleset is not None


def assert_round_trip(ruleset: Ruleset) -> None:
    data = dump(ruleset)
    result = read_rule_text(to_yaml(data), "<roundtrip>")
    errors = [str(f) for f in result.findings if f.severity is Severity.ERROR]
    assert errors == []
    loaded = result.ruleset
    assert loaded is not None
    assert loaded.model_dump() == ruleset.model_dump()  # exact: Decimal, date, datetime
    assert dump(loaded) == data  # and the same keys were given


@pytest.mark.parametrize("name", sorted(BASES))
def test_each_source_round_trips_unchanged(name: str) -> None:
    assert_round_trip(BASES[name])


# --------------------------------------------------------------------------- variations

# Printable text only: control characters are not allowed in YAML (CR009).
TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Co", "Cn")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")
MONEY = st.decimals(min_value=0, max_value=Decimal("9999999999.99"), places=2)
# Terms inside the years every shipped calendar layer covers (else CR306 is rightly reported).
STARTS = st.dates(min_value=date(2025, 1, 1), max_value=date(2025, 6, 30))
ZONES = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])


@st.composite
def variants(draw: st.DrawFn) -> Ruleset:
    """A base ruleset with some of its values replaced (the result is schema-valid)."""
    base = BASES[draw(st.sampled_from(sorted(BASES)))]
    data = copy.deepcopy(dump(base))
    contract = data["contract"]
    if draw(st.booleans()):
        contract["title"] = {"zh": draw(TEXT), "en": draw(TEXT)}
    for fee in contract.get("fees", {}).values():
        fee["amount"] = str(draw(MONEY))
    if draw(st.booleans()):
        start = draw(STARTS)
        end = start + timedelta(days=draw(st.integers(0, 150)))
        contract["term"]["start"], contract["term"]["end"] = start.isoformat(), end.isoformat()
    # a remedy lists only binding norms (CR314): their strength is left as it is
    listed = {nid for r in data.get("remedies", []) for nid in r["norms"]}
    for n in data["norms"]:
        if draw(st.booleans()):
            n["title"] = draw(TEXT)
        if draw(st.booleans()):
            n["survives_term"] = draw(st.booleans())
        if n["id"] not in listed and draw(st.booleans()):
            n["strength"] = draw(st.sampled_from(["binding", "best_effort"]))
        deadline = n.get("deadline")
        if deadline and "hours" in deadline and draw(st.booleans()):
            hours = draw(st.decimals(min_value=Decimal("0.5"), max_value=1000, places=1))
            deadline["hours"] = str(hours)
    for sc in data.get("scenarios", []):
        if draw(st.booleans()):
            moment = draw(
                st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31))
            )
            sc["as_of"] = moment.replace(tzinfo=draw(ZONES)).isoformat()
    try:
        return Ruleset.model_validate(data)
    except ValidationError:  # pragma: no cover - the variations above stay valid
        assume(False)
        raise


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variants())
def test_varied_rulesets_round_trip(ruleset: Ruleset) -> None:
    assert_round_trip(ruleset)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(BASES)), TEXT, MONEY)
def test_round_trip_is_a_fixed_point(name: str, title: str, amount: Decimal) -> None:
    """Dumping the loaded ruleset again gives the same YAML text."""
    data = dump(BASES[name])
    data["norms"][0]["title"] = {"zh": title}
    for fee in data["contract"].get("fees", {}).values():
        fee["amount"] = str(amount)
    text = to_yaml(data)
    loaded = read_rule_text(text).ruleset
    assert loaded is not None
    assert to_yaml(dump(loaded)) == text
