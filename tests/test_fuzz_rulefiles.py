"""Mutation fuzzing of rule files: every answer is a valid ruleset or located findings.

Valid rule files (the Tacheng rules, the IT-support example and ``tests/rulefiles/valid``) are
mutated in two ways:

- **as data**: the loaded document is changed (keys dropped, duplicated, renamed; values
  retyped or swapped between places; lists and mappings reordered; Unicode injected into
  strings and keys) and dumped back to YAML text;
- **as text**: lines are deleted, duplicated, moved and re-indented, characters (and, now and
  then, raw bytes) are inserted or removed, the file is truncated.

Each result must be either a valid :class:`~contract_rules.model.Ruleset` (which then compiles
and runs its own scenarios without an unexpected exception) or a
:class:`~contract_rules.errors.RuleFileError` whose every finding has line >= 1 and column >= 1
— never any other exception.

Profiles: by default each strategy runs ``FAST_EXAMPLES`` examples (part of ``make test``). The
long profile is selected with an environment variable giving the total number of examples,
shared equally by the two strategies::

    CR_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest tests/test_fuzz_rulefiles.py

The last long run is recorded in ``docs/hardening.md``.
"""

from __future__ import annotations

import copy
import difflib
import os
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_rules.engine import compile_ruleset
from contract_rules.errors import RuleFileError
from contract_rules.findings import Finding, Severity
from contract_rules.loader import load_yaml
from contract_rules.rulefile import load_ruleset, read_rule_text
from contract_rules.scenarios import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
SOURCES: tuple[Path, ...] = (
    ROOT / "rules" / "tacheng_2024.yaml",
    ROOT / "examples" / "it_support_sla.yaml",
    ROOT / "examples" / "supply_contract.yaml",
    ROOT / "examples" / "cold_chain.yaml",
    *sorted((ROOT / "tests" / "rulefiles" / "valid").glob("*.yaml")),
)
TEXTS: dict[str, str] = {p.name: p.read_text(encoding="utf-8") for p in SOURCES}
DATA: dict[str, Any] = {name: load_yaml(text).data for name, text in TEXTS.items()}
NAMES = sorted(TEXTS)

#: examples per strategy in the fast profile (``make test``)
FAST_EXAMPLES = 150
#: ``CR_FUZZ_EXAMPLES``: the total of the long profile, shared equally by the two strategies
EXAMPLES = (
    -(-int(os.environ["CR_FUZZ_EXAMPLES"]) // 2)
    if os.environ.get("CR_FUZZ_EXAMPLES")
    else FAST_EXAMPLES
)
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

DocPath = tuple[str | int, ...]
Draw = Callable[[st.SearchStrategy[Any]], Any]


# =============================================================================== the property


def located(findings: tuple[Finding, ...] | list[Finding]) -> None:
    """Every finding points into the file: line and column >= 1."""
    for f in findings:
        assert f.location.line >= 1 and f.location.column >= 1, str(f)
        assert "internal" not in f.message, str(f)


def exercise(ruleset: Any) -> None:
    """A valid ruleset compiles and runs its scenarios; only the package's own errors may occur
    while evaluating them (run_scenarios turns those into failed scenarios)."""
    compile_ruleset(ruleset)
    run_scenarios(ruleset)


def assert_sound(text: str | bytes) -> None:
    """``text`` gives a valid ruleset, or RuleFileError with located findings; nothing else."""
    result = read_rule_text(text, "<fuzz>")
    located(result.findings)
    assert all(f.location.file == "<fuzz>" for f in result.findings)
    # a ruleset exactly when the file has no error
    assert (result.ruleset is not None) == result.ok, [str(f) for f in result.findings]
    if isinstance(text, str):
        try:
            ruleset = load_ruleset(text if "\n" in text else text + "\n")
        except RuleFileError as exc:
            assert not result.ok
            assert exc.findings
            assert any(f.severity is Severity.ERROR for f in exc.findings)
            located(exc.findings)
            assert str(exc)
            return
        assert result.ok
    elif result.ruleset is None:
        return
    else:
        ruleset = result.ruleset
    exercise(ruleset)


class Mutant:
    """A mutated rule file; its repr is a diff against the file it came from (short reports)."""

    def __init__(self, base: str, text: str | bytes) -> None:
        self.base = base
        self.text = text

    def __repr__(self) -> str:
        new = self.text.decode("utf-8", "replace") if isinstance(self.text, bytes) else self.text
        diff = difflib.unified_diff(
            self.base.splitlines(),
            new.splitlines(),
            "original",
            "mutant" + (" (bytes)" if isinstance(self.text, bytes) else ""),
            n=1,
            lineterm="",
        )
        lines = list(diff)
        more = f"\n... {len(lines) - 60} more diff lines" if len(lines) > 60 else ""
        return "Mutant:\n" + "\n".join(lines[:60]) + more


# =============================================================================== data mutations


def walk(data: Any) -> list[tuple[DocPath, Any]]:
    """Every node of ``data`` with its path, root first (iterative, depth-first)."""
    out: list[tuple[DocPath, Any]] = []
    stack: list[tuple[DocPath, Any]] = [((), data)]
    while stack:
        path, node = stack.pop()
        out.append((path, node))
        if isinstance(node, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(node))))
    return out


def get(data: Any, path: DocPath) -> Any:
    for part in path:
        data = data[part]
    return data


def put(data: Any, path: DocPath, value: Any) -> Any:
    """Set the value at ``path`` (the root when empty); returns the (new) root."""
    if not path:
        return value
    get(data, path[:-1])[path[-1]] = value
    return data


def pick(draw: Draw, data: Any, want: Callable[[DocPath, Any], bool]) -> tuple[DocPath, Any] | None:
    nodes = [(p, n) for p, n in walk(data) if want(p, n)]
    if not nodes:
        return None
    return nodes[draw(st.integers(0, len(nodes) - 1))]


FUNNY_STRINGS = [
    "", " ", "yes", "No", "on", "~", "null", "true", "0", "-0", "1e5", "0x1F", "0o17", "007",
    "1:30", ".inf", ".nan", "NaN", "2024-02-29", "2024-02-30", "2025-13-01", "24:00",
    "09:00-18:00", "18:00-09:00", "09:00-24:00", "2025-03-03T10:00:00", "2025-03-03T10:00:00Z",
    "2025-03-03T10:00:00+14:00", "9999-12-31T23:59:59+08:00", "0001-01-01T00:00:00+00:00",
    "Asia/Shanghai", "Asia/Urumqi", "Mars/Olympus", "UTC", "CNY", "USD", "cny", "term.start",
    "term.end", "trigger", "any", "$trigger.party", "$other.party", "$trigger.", "$other.x",
    "cn-national", "cn-xinjiang", "working_hours", "non_working_day", "__class__", "__init__",
    "__import__('os').system('true')", "{{ 7*7 }}", "${HOME}", "%(x)s", "A", "B", "incident",
    "amount", "currency", "\u202e", "\u200b", "é", "塔城", "𝔘𝔫𝔦", "\U0001f600", "a" * 90,
]  # fmt: skip
FUNNY_DECIMALS = [
    Decimal("0"), Decimal("-1"), Decimal("0.001"), Decimal("1.5"), Decimal("53600.00"),
    Decimal("53600.005"), Decimal("1E+30"), Decimal("-1E-30"), Decimal("1E+400"), Decimal("NaN"),
]  # fmt: skip
SCALARS: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, 1, -1, 2, 3, 5, 30, 48, 10**6, 2**31, 10**30]),
    st.sampled_from(FUNNY_DECIMALS),
    st.sampled_from(FUNNY_STRINGS),
    st.text(max_size=12),
)
KEYS: st.SearchStrategy[str] = st.one_of(
    st.sampled_from(
        [
            "id", "type", "at", "from", "from_", "in", "in_", "eq", "hours", "days", "working_days",
            "months", "years", "minutes", "deadline", "tiers", "when", "event", "key", "party",
            "fields", "values", "amount", "currency", "fee", "percent", "per", "cap", "span",
            "cause", "clause", "title", "text", "zh", "en", "__class__", "__dict__", "<<",
            "Format", "norms ", "", "1", "é", "键",
        ]
    ),
    st.text(min_size=1, max_size=10),
)  # fmt: skip
VALUES: st.SearchStrategy[Any] = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=3),
    st.dictionaries(KEYS, SCALARS, max_size=3),
)


def m_drop(draw: Draw, data: Any) -> Any:
    """Drop a key of a mapping or an item of a list."""
    found = pick(draw, data, lambda p, n: isinstance(n, dict | list) and len(n) > 0)
    if found is None:
        return data
    _, node = found
    if isinstance(node, dict):
        del node[draw(st.sampled_from(list(node)))]
    else:
        del node[draw(st.integers(0, len(node) - 1))]
    return data


def m_duplicate(draw: Draw, data: Any) -> Any:
    """Duplicate a list item, or a mapping entry under a near-identical key."""
    found = pick(draw, data, lambda p, n: isinstance(n, dict | list) and len(n) > 0)
    if found is None:
        return data
    _, node = found
    if isinstance(node, list):
        i = draw(st.integers(0, len(node) - 1))
        node.insert(draw(st.integers(0, len(node))), copy.deepcopy(node[i]))
    else:
        key = draw(st.sampled_from(list(node)))
        variant = draw(st.sampled_from([key.upper(), key + "_", key + " ", " " + key, key[:-1]]))
        node[variant] = copy.deepcopy(node[key])
    return data


def m_retype(draw: Draw, data: Any) -> Any:
    """Replace any value (the root included) with a value of another type."""
    found = pick(draw, data, lambda p, n: True)
    assert found is not None
    return put(data, found[0], draw(VALUES))


def m_rename(draw: Draw, data: Any) -> Any:
    """Rename a key of a mapping, keeping its place."""
    found = pick(draw, data, lambda p, n: isinstance(n, dict) and len(n) > 0)
    if found is None:
        return data
    path, node = found
    old = draw(st.sampled_from(list(node)))
    new = draw(KEYS)
    renamed = {(new if k == old else k): v for k, v in node.items()}
    return put(data, path, renamed)


def m_reorder(draw: Draw, data: Any) -> Any:
    """Reorder the items of a list or the entries of a mapping."""
    found = pick(draw, data, lambda p, n: isinstance(n, dict | list) and len(n) > 1)
    if found is None:
        return data
    path, node = found
    order = draw(st.permutations(range(len(node))))
    if isinstance(node, list):
        return put(data, path, [node[i] for i in order])
    items = list(node.items())
    return put(data, path, dict(items[i] for i in order))


def m_unicode(draw: Draw, data: Any) -> Any:
    """Inject Unicode into a string value or a key."""
    found = pick(
        draw,
        data,
        lambda p, n: isinstance(n, str) or (isinstance(n, dict) and len(n) > 0),
    )
    if found is None:
        return data
    path, node = found
    junk = draw(st.one_of(st.text(min_size=1, max_size=6), st.sampled_from(FUNNY_STRINGS)))
    if isinstance(node, str):
        at = draw(st.integers(0, len(node)))
        return put(data, path, node[:at] + junk + node[at:])
    old = draw(st.sampled_from(list(node)))
    at = draw(st.integers(0, len(old)))
    new = old[:at] + junk + old[at:]
    return put(data, path, {(new if k == old else k): v for k, v in node.items()})


def m_swap(draw: Draw, data: Any) -> Any:
    """Swap the values of two places (neither inside the other)."""
    a = pick(draw, data, lambda p, n: bool(p))
    if a is None:
        return data
    b = pick(draw, data, lambda p, n: bool(p) and p[: len(a[0])] != a[0] and a[0][: len(p)] != p)
    if b is None:
        return data
    va, vb = copy.deepcopy(a[1]), copy.deepcopy(b[1])
    put(data, a[0], vb)
    put(data, b[0], va)
    return data


DATA_MUTATIONS = [m_drop, m_duplicate, m_retype, m_rename, m_reorder, m_unicode, m_swap]


class _Dumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """A safe dumper that writes Decimal as the plain number it is (``1.50``)."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(Decimal, _represent_decimal)


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


@st.composite
def mutated_documents(draw: Draw) -> Mutant:
    """A valid rule file, changed as data 1 to 4 times, dumped back to YAML."""
    name = draw(st.sampled_from(NAMES))
    data = copy.deepcopy(DATA[name])
    for _ in range(draw(st.integers(1, 4))):
        data = draw(st.sampled_from(DATA_MUTATIONS))(draw, data)
    return Mutant(dump(DATA[name]), dump(data))


# =============================================================================== text mutations

YAML_BITS = [
    *":-[]{},&*!|>'\"#?%@`~ \t\n\r", "\ufeff", "\x00", "\x85", "\u2028", "\x1b", "\ud800",
    ": ", "- ", "&a ", "*a", "<<: *a", "!!python/object/apply:os.system [true]", "!!str ",
    "!!binary ", "!x ", "---\n", "...\n", "? ", "yes", "1:30", ".inf", "0x", "1e9999", "é", "塔",
]  # fmt: skip
JUNK = st.one_of(
    st.lists(st.sampled_from(YAML_BITS), min_size=1, max_size=4).map("".join),
    st.text(min_size=1, max_size=6),
)


def t_delete(draw: Draw, lines: list[str]) -> list[str]:
    if lines:
        del lines[draw(st.integers(0, len(lines) - 1))]
    return lines


def t_duplicate(draw: Draw, lines: list[str]) -> list[str]:
    if lines:
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.one_of(st.just(i + 1), st.integers(0, len(lines))))
        lines.insert(j, lines[i])
    return lines


def t_move(draw: Draw, lines: list[str]) -> list[str]:
    if len(lines) > 1:
        i = draw(st.integers(0, len(lines) - 1))
        j = draw(st.integers(0, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
    return lines


def t_insert(draw: Draw, lines: list[str]) -> list[str]:
    if not lines:
        return [draw(JUNK)]
    i = draw(st.integers(0, len(lines) - 1))
    line = lines[i]
    at = draw(st.integers(0, len(line)))
    lines[i] = line[:at] + draw(JUNK) + line[at:]
    return lines


def t_erase(draw: Draw, lines: list[str]) -> list[str]:
    if lines:
        i = draw(st.integers(0, len(lines) - 1))
        line = lines[i]
        a = draw(st.integers(0, len(line)))
        b = draw(st.integers(a, min(len(line), a + 8)))
        lines[i] = line[:a] + line[b:]
    return lines


def t_indent(draw: Draw, lines: list[str]) -> list[str]:
    if lines:
        i = draw(st.integers(0, len(lines) - 1))
        body = lines[i].lstrip(" ")
        depth = len(lines[i]) - len(body)
        new = draw(
            st.one_of(
                st.integers(0, 12).map(lambda n: " " * n),
                st.just(" " * depth + "\t"),
                st.just("\t" * (depth // 2)),
            )
        )
        lines[i] = new + body
    return lines


def t_truncate(draw: Draw, lines: list[str]) -> list[str]:
    text = "".join(lines)
    cut = draw(st.integers(0, len(text)))
    return text[:cut].splitlines(keepends=True)


TEXT_MUTATIONS = [t_delete, t_duplicate, t_move, t_insert, t_erase, t_indent, t_truncate]


@st.composite
def mutated_texts(draw: Draw) -> Mutant:
    """A valid rule file, changed as text 1 to 4 times; one in ten also gets raw bytes."""
    name = draw(st.sampled_from(NAMES))
    lines = TEXTS[name].splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 4))):
        lines = draw(st.sampled_from(TEXT_MUTATIONS))(draw, lines)
    text = "".join(lines)
    if draw(st.integers(0, 9)) > 0:
        return Mutant(TEXTS[name], text)
    blob = text.encode("utf-8", "surrogatepass")
    at = draw(st.integers(0, len(blob)))
    return Mutant(TEXTS[name], blob[:at] + draw(st.binary(min_size=1, max_size=4)) + blob[at:])


# =============================================================================== the tests


def test_sources_are_valid() -> None:
    """The seeds of the fuzzing are themselves valid rule files."""
    for text in TEXTS.values():
        assert load_ruleset(text) is not None
    assert len(NAMES) >= 5


@FUZZ
@given(mutated_documents())
def test_fuzz_mutated_documents(mutant: Mutant) -> None:
    assert_sound(mutant.text)


@FUZZ
@given(mutated_texts())
def test_fuzz_mutated_texts(mutant: Mutant) -> None:
    assert_sound(mutant.text)


#: pieces of expressions, hostile and ordinary, that the expression fuzzing strings together
_PIECES = [
    "trigger.order_value", "trigger.delivery_date", "lateness", "penalty_rate", "due", "1",
    "0.5%", "9" * 30, "10**10**10", "(", ")", " + ", " * ", " / ", " - ", " and ", " if ",
    " then ", " else ", "round(", "ceil(", "tier(", ", at least ", " -> ", "otherwise", "'P1'",
    " == ", " working days", " days", "__class__", "__import__('os')", "eval(", ".", ",",
    "sum(x for x in readings)", "money(1, 'USD')", "\\", '"', "'", "\n", "\u202e", "∞",
]  # fmt: skip
_PLACES: list[DocPath] = [
    ("norms", 0, "trigger", "when"),
    ("norms", 0, "deadline", "due"),
    ("norms", 1, "fulfilled_by", "when"),
    ("remedies", 0, "amount"),
    ("remedies", 0, "when"),
    ("remedies", 0, "cap"),
]


@st.composite
def hostile_expressions(draw: Draw) -> str:
    """The goods supply example with one expression replaced: pieces strung together, deep
    nesting, long sums or a very long text."""
    kind = draw(st.integers(0, 3))
    if kind == 0:
        text = "".join(draw(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=40)))
    elif kind == 1:
        n = draw(st.integers(1, 3000))
        text = "(" * n + "1" + ")" * draw(st.integers(0, n))
    elif kind == 2:
        text = "1" + " + 1" * draw(st.integers(1, 30000))
    else:
        text = draw(st.sampled_from(_PIECES)) * draw(st.integers(1, 100_000 // 10))
    data = copy.deepcopy(DATA["supply_contract.yaml"])
    path = draw(st.sampled_from(_PLACES))
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = text
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)


#: A bound against a hang (an unbounded walk takes minutes or never ends), generous enough that a
#: busy machine never fails it.
HANG_GUARD = 20.0


@settings(
    max_examples=max(EXAMPLES // 5, 30),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(hostile_expressions())
def test_fuzz_hostile_expressions(text: str) -> None:
    """Hostile expressions are answered by a valid ruleset or located findings, and reading them
    ends (the bound catches a parser that does not stop at its limits, not a speed goal: the
    speed of hostile expressions is measured in benchmarks/bench_expressions.py)."""
    start = time.perf_counter()
    result = read_rule_text(text, "<fuzz>")
    assert time.perf_counter() - start < HANG_GUARD
    located(result.findings)
    if result.ruleset is not None:
        exercise(result.ruleset)
