"""docs/findings.md documents every finding code, and its examples really behave as documented.

The page's format (see its "How to read the examples"): one ``## CRnnn name`` section per code
with a ``Severity:`` line, then ``Failing:`` and ``Passing:`` each followed by a fenced block.
``yaml`` blocks are fragments merged into the base ruleset (the ``yaml base`` block); ``yaml
file`` blocks are whole texts; ``text`` blocks only illustrate.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from contract_rules.codes import CODES
from contract_rules.rulefile import read_rule_text

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "findings.md"
MINIMAL = ROOT / "tests" / "rulefiles" / "valid" / "minimal.yaml"

_SECTION = re.compile(r"^## (CR\d{3}) (\S+)\s*$", re.MULTILINE)
_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)


@dataclass(frozen=True)
class Example:
    kind: str  # "yaml" (fragment), "yaml file" (whole text) or "text" (illustration)
    body: str


@dataclass(frozen=True)
class Section:
    code: str
    name: str
    text: str

    def severity(self) -> str | None:
        m = re.search(r"^Severity: (\w+)\s*$", self.text, re.MULTILINE)
        return m.group(1) if m else None

    def example(self, label: str) -> Example | None:
        """The first fenced block after the line ``label:`` (``Failing`` or ``Passing``)."""
        m = re.search(rf"^{label}:\s*$", self.text, re.MULTILINE)
        if m is None:
            return None
        fence = _FENCE.search(self.text, m.end())
        if fence is None:
            return None
        return Example(fence.group(1).strip(), fence.group(2))


def _sections() -> dict[str, Section]:
    text = DOC.read_text(encoding="utf-8")
    heads = list(_SECTION.finditer(text))
    out: dict[str, Section] = {}
    for i, m in enumerate(heads):
        end = heads[i + 1].start() if i + 1 < len(heads) else len(text)
        assert m.group(1) not in out, f"{m.group(1)} is documented twice"
        out[m.group(1)] = Section(m.group(1), m.group(2), text[m.end() : end])
    return out


SECTIONS = _sections()


def _base() -> dict[str, Any]:
    text = DOC.read_text(encoding="utf-8")
    blocks = [m.group(2) for m in _FENCE.finditer(text) if m.group(1).strip() == "yaml base"]
    assert len(blocks) == 1, "docs/findings.md needs exactly one ```yaml base block"
    base = yaml.safe_load(blocks[0])
    assert isinstance(base, dict)
    return base


BASE = _base()


def merge(base: Any, fragment: Any) -> Any:
    """The documented merge: mappings key by key (null removes), lists of mappings item by
    item (``{}`` keeps an item, extra items are appended), anything else replaces."""
    if isinstance(base, dict) and isinstance(fragment, dict):
        out = dict(base)
        for key, value in fragment.items():
            if value is None:
                out.pop(key, None)
            elif key in out:
                out[key] = merge(out[key], value)
            else:
                out[key] = copy.deepcopy(value)
        return out
    if (
        isinstance(base, list)
        and isinstance(fragment, list)
        and all(isinstance(x, dict) for x in base + fragment)
    ):
        merged = [merge(b, f) for b, f in zip(base, fragment, strict=False)]
        return merged + base[len(fragment) :] + copy.deepcopy(fragment[len(base) :])
    return copy.deepcopy(fragment)


def findings_of(example: Example) -> list[Any]:
    """The findings of an example, read the way the page says."""
    if example.kind == "yaml file":
        return read_rule_text(example.body, "<example>").findings
    assert example.kind == "yaml", f"unexpected example kind {example.kind!r}"
    fragment = yaml.safe_load(example.body)
    assert isinstance(fragment, dict), "a fragment is a mapping of top-level keys"
    text = yaml.safe_dump(merge(BASE, fragment), allow_unicode=True, sort_keys=False)
    return read_rule_text(text, "<example>").findings


# --------------------------------------------------------------------------- the page


def test_every_code_is_documented_once_with_its_name_and_severity() -> None:
    assert set(SECTIONS) == set(CODES), (
        f"undocumented: {sorted(set(CODES) - set(SECTIONS))}; "
        f"documented but unknown: {sorted(set(SECTIONS) - set(CODES))}"
    )
    for key, section in SECTIONS.items():
        assert section.name == CODES[key].name, key
        assert section.severity() == CODES[key].severity.value, key


def test_sections_are_in_code_order_and_the_index_lists_every_code() -> None:
    assert list(SECTIONS) == sorted(SECTIONS)
    text = DOC.read_text(encoding="utf-8")
    for key, c in CODES.items():
        assert f"| {key} | {c.name} | {c.severity.value} |" in text, key


def test_the_base_ruleset_is_the_minimal_valid_file() -> None:
    assert yaml.safe_load(MINIMAL.read_text(encoding="utf-8")) == BASE
    assert read_rule_text(yaml.safe_dump(BASE, allow_unicode=True)).findings == []


@pytest.mark.parametrize("key", sorted(CODES))
def test_every_code_has_a_failing_and_a_passing_example(key: str) -> None:
    section = SECTIONS[key]
    for label in ("Failing", "Passing"):
        example = section.example(label)
        assert example is not None, f"{key}: no {label} example"
        assert example.kind in {"yaml", "yaml file", "text"}, (key, example.kind)
        if not key.startswith("CR0"):
            assert example.kind == "yaml", f"{key}: {label} must be a checked yaml fragment"


# --------------------------------------------------------------------------- the examples


CHECKED = [
    key
    for key in sorted(CODES)
    if (ex := SECTIONS[key].example("Failing")) is not None and ex.kind != "text"
]


def test_only_two_loader_codes_are_illustrated_instead_of_checked() -> None:
    assert set(CODES) - set(CHECKED) == {"CR008", "CR009"}


@pytest.mark.parametrize("key", CHECKED)
def test_the_failing_example_produces_its_code(key: str) -> None:
    example = SECTIONS[key].example("Failing")
    assert example is not None
    codes = [f.code for f in findings_of(example)]
    assert key in codes, f"{key}: the failing example gave {codes}"


@pytest.mark.parametrize("key", CHECKED)
def test_the_passing_example_is_clean(key: str) -> None:
    example = SECTIONS[key].example("Passing")
    assert example is not None
    found = findings_of(example)
    if example.kind == "yaml file":
        # a whole-file example of a loader code is a snippet, not a ruleset: only the loader's
        # own codes must be absent
        assert [str(f) for f in found if f.code.startswith("CR0")] == []
    else:
        assert [str(f) for f in found] == []


def test_merge_follows_the_documented_rules() -> None:
    base = {"a": {"x": 1, "y": 2}, "l": [{"k": 1}, {"k": 2}], "s": [1, 2]}
    frag = {"a": {"y": None, "z": 3}, "l": [{}, {"k": 5}, {"k": 6}], "s": [9]}
    assert merge(base, frag) == {
        "a": {"x": 1, "z": 3},
        "l": [{"k": 1}, {"k": 5}, {"k": 6}],
        "s": [9],
    }
