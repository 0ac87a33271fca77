"""contract_rules.loader against hostile input: every answer is a located finding, in bounded time
and memory, and nothing in a rule file is ever executed or constructed."""

from __future__ import annotations

import random
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contract_rules.loader import LoadedDocument, LoaderLimits, load_yaml, load_yaml_file
from contract_rules.loader import base as loader_base
from contract_rules.loader import reader as loader_reader

LIBYAML = bool(getattr(yaml, "__with_libyaml__", False))


def codes(doc: LoadedDocument) -> list[tuple[str, int, int]]:
    """The findings of ``doc`` as (code, line, column)."""
    return [(f.code, f.location.line, f.location.column) for f in doc.findings]


def well_formed(doc: LoadedDocument) -> None:
    """Every finding is located (line and column >= 1) and none is an internal error."""
    for f in doc.findings:
        assert f.location.line >= 1 and f.location.column >= 1, f
        assert "internal loader error" not in f.message, f
    for line, column in [*doc.positions.values(), *doc.key_positions.values()]:
        assert line >= 1 and column >= 1


#: A bound that catches a loader that does not stop at its limits (an exponential expansion or
#: an unbounded walk takes minutes or never ends), not a speed goal: the speed of loading is
#: measured in benchmarks/bench_check.py. Generous, so that a busy machine never fails it.
HANG_GUARD = 20.0


def timed(text: str | bytes) -> tuple[LoadedDocument, float]:
    """Load ``text``; return the document and the seconds taken."""
    start = time.perf_counter()
    doc = load_yaml(text)
    elapsed = time.perf_counter() - start
    well_formed(doc)
    return doc, elapsed


def peak_memory(text: str | bytes) -> int:
    """The peak number of bytes allocated while loading ``text``."""
    tracemalloc.start()
    try:
        load_yaml(text)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --------------------------------------------------------------------------------------------
# Alias bombs


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """The classic: ``levels`` anchors, each a list of ``width`` aliases to the one before."""
    lines = ['lol0: &lol0 "lol"']
    for i in range(1, levels + 1):
        refs = ", ".join([f"*lol{i - 1}"] * width)
        lines.append(f"lol{i}: &lol{i} [{refs}]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_rejected_fast(parser: str) -> None:
    doc, elapsed = timed(billion_laughs())
    assert [c for c, _, _ in codes(doc)] == ["CR006"]
    assert doc.data is None and not doc.ok
    assert elapsed < HANG_GUARD
    assert peak_memory(billion_laughs()) < 2_000_000  # the expansion (9**9 nodes) is never built
    line = doc.findings[0].location.line
    assert 2 <= line <= 10  # at the alias that crosses the budget


def test_alias_bomb_through_merge_keys(parser: str) -> None:
    lines = ["m0: &m0 {a: 1, b: 2, c: 3}"]
    for i in range(1, 12):
        lines.append(f"m{i}: &m{i} {{<<: *m{i - 1}, x{i}: [*m{i - 1}, *m{i - 1}, *m{i - 1}]}}")
    doc, elapsed = timed("\n".join(lines) + "\n")
    assert [c for c, _, _ in codes(doc)] == ["CR006"]
    assert elapsed < HANG_GUARD


def test_wide_alias_use_is_bounded_too(parser: str) -> None:
    text = "a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9]\nb: [" + ", ".join(["*a"] * 10_000) + "]\n"
    doc, elapsed = timed(text)
    # each alias brings 10 nodes: the 101st crosses the budget of 1000
    assert codes(doc) == [("CR006", 2, 5 + 4 * 100)]
    assert elapsed < HANG_GUARD


# --------------------------------------------------------------------------------------------
# Code execution: nothing runs, nothing is constructed


def python_tags(marker: Path) -> list[str]:
    """Documents that run ``touch marker`` when loaded by an unsafe YAML loader."""
    cmd = f"touch {marker}"
    return [
        f'x: !!python/object/apply:os.system ["{cmd}"]\n',
        f"x: !!python/object/apply:os.system\n  args: ['{cmd}']\n",
        f'x: !!python/object/new:os.system ["{cmd}"]\n',
        f"x: !!python/object/apply:subprocess.check_call [[touch, '{marker}']]\n",
        f"x: !!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]\n",
        "x: !!python/name:os.system\n",
        "x: !!python/module:os\n",
        f'x: !<tag:yaml.org,2002:python/object/apply:os.system> ["{cmd}"]\n',
        f'%TAG !p! tag:yaml.org,2002:python/\n---\nx: !p!object/apply:os.system ["{cmd}"]\n',
        f'- &cmd ["{cmd}"]\n- !!python/object/apply:os.system *cmd\n',
    ]


def test_python_tags_are_cr005_and_nothing_executes(parser: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    for text in python_tags(marker):
        doc = load_yaml(text)
        well_formed(doc)
        assert "CR005" in [f.code for f in doc.findings], text
        assert not doc.ok
        assert not marker.exists(), text


def test_python_tags_from_a_file(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(python_tags(marker)[0], encoding="utf-8")
    doc = load_yaml_file(path)
    assert codes(doc) == [("CR005", 1, 4)]
    assert doc.data == {"x": None}
    assert not marker.exists()


# --------------------------------------------------------------------------------------------
# Nesting


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        "[" * 10_000,
        "{a: " * 10_000 + "}" * 10_000,
        "- " * 10_000 + "x\n",
        "".join(" " * i + "k:\n" for i in range(0, 400, 2)) + " " * 400 + "v\n",
        "[" * 1_000_000,  # 1 MB of '[', within the size limit
    ],
    ids=["flow-seq-10k", "unclosed-10k", "flow-map-10k", "block-seq-10k", "block-map-200", "1M"],
)
def test_deep_nesting_is_cr007_without_recursion(text: str, parser: str) -> None:
    doc, elapsed = timed(text)
    assert [c for c, _, _ in codes(doc)] == ["CR007"]
    assert doc.data is None
    assert elapsed < HANG_GUARD


def test_deep_nesting_error_position(parser: str) -> None:
    doc = load_yaml("[" * 100)
    assert codes(doc) == [("CR007", 1, 65)]  # the 65th '[' is one level too many


# --------------------------------------------------------------------------------------------
# Size


def test_huge_scalar(parser: str) -> None:
    doc, elapsed = timed("a: 1\nb: " + "x" * 150_000 + "\n")
    assert codes(doc) == [("CR008", 2, 4)]
    assert doc.data is None
    assert elapsed < HANG_GUARD


def test_huge_key(parser: str) -> None:
    doc = load_yaml("? " + "k" * 100_001 + "\n: v\n")
    assert codes(doc) == [("CR008", 1, 3)]


def test_file_over_the_size_limit_is_not_parsed(parser: str) -> None:
    text = "- " + "[" * 2_000_000  # would be CR007 if it were parsed
    doc, elapsed = timed(text)
    assert codes(doc) == [("CR008", 1, 1)]
    assert elapsed < HANG_GUARD
    doc, elapsed = timed(text.encode())
    assert codes(doc) == [("CR008", 1, 1)]


def test_too_many_nodes(parser: str) -> None:
    doc = load_yaml("- a\n" * 1_500, limits=LoaderLimits(max_nodes=1_000))
    assert codes(doc) == [("CR008", 1_000, 3)]  # the sequence is node 1


@pytest.mark.skipif(not LIBYAML, reason="the pure-Python parser is slower")
def test_too_many_nodes_at_the_default_limit() -> None:
    start = time.perf_counter()
    doc = load_yaml("- a\n" * 400_000)  # 1.6 MB
    assert codes(doc) == [("CR008", 200_000, 3)]
    assert time.perf_counter() - start < HANG_GUARD


def test_too_many_findings_are_capped(parser: str) -> None:
    doc, _ = timed("- yes\n" * 100_000)
    assert len(doc.findings) == loader_base._MAX_FINDINGS + 1
    assert doc.findings[-1].code == "CR008"
    assert doc.data is None


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_device_file() -> None:
    doc = load_yaml_file("/dev/zero", limits=LoaderLimits(max_bytes=1_000))
    assert codes(doc) == [("CR008", 1, 1)]
    assert "more than 1,000 bytes" in doc.findings[0].message


# --------------------------------------------------------------------------------------------
# Encoding and other garbage


def test_random_bytes(parser: str) -> None:
    rng = random.Random(20241118)
    for _ in range(20):
        blob = rng.randbytes(4096)
        doc, elapsed = timed(blob)
        assert doc.data is None
        assert [f.code for f in doc.findings] == ["CR009"]
        assert elapsed < HANG_GUARD


def test_invalid_utf8_position(parser: str) -> None:
    doc = load_yaml(b"a: ok\nb: caf\xc3\n")  # a truncated two-byte sequence
    assert codes(doc) == [("CR009", 2, 7)]


def test_overlong_and_surrogate_utf8(parser: str) -> None:
    assert codes(load_yaml(b"a: \xc0\xaf\n")) == [("CR009", 1, 4)]  # overlong '/'
    assert codes(load_yaml(b"a: \xed\xa0\x80\n")) == [("CR009", 1, 4)]  # encoded surrogate


def test_nul_bytes(parser: str) -> None:
    assert codes(load_yaml(b"a: 1\n\x00\x00\x00")) == [("CR009", 2, 1)]
    assert codes(load_yaml("a: '\x00'")) == [("CR009", 1, 5)]


def test_bom_is_stripped(parser: str) -> None:
    for text in ("\ufeffa: [1]\n", b"\xef\xbb\xbfa: [1]\n"):
        doc = load_yaml(text)
        assert doc.findings == []
        assert doc.data == {"a": [1]}
        assert doc.key_positions[("a",)] == (1, 1)
        assert doc.positions[("a", 0)] == (1, 5)
    assert codes(load_yaml(b"\xef\xbb\xbf")) == [("CR010", 1, 1)]
    # a second BOM (two files joined): refused, as the two parsers disagree on it
    assert codes(load_yaml("\ufeffa: 1\n\ufeffb: 2\n")) == [("CR009", 2, 1)]


def test_tabs(parser: str) -> None:
    doc = load_yaml("rules:\n\t- a\n")
    assert codes(doc) == [("CR001", 2, 1)]
    assert "tab" in doc.findings[0].message


def test_empty_and_multi_document(parser: str) -> None:
    assert codes(load_yaml("")) == [("CR010", 1, 1)]
    assert codes(load_yaml(b"")) == [("CR010", 1, 1)]
    assert codes(load_yaml("a: 1\n---\nb: !!python/object/apply:os.system [x]\n")) == [
        ("CR013", 2, 1)
    ]
    doc = load_yaml("---\na: 1\n---\n" + "[" * 10_000)  # the second document is never read
    assert codes(doc) == [("CR013", 3, 1)]
    assert doc.data == {"a": 1}


def test_unclosed_everything(parser: str) -> None:
    for text in ['a: "open', "a: 'open", "a: [1, {b: ", "? ", "a: |\n  x\n y", "&", "*", "!"]:
        doc = load_yaml(text)
        well_formed(doc)


# --------------------------------------------------------------------------------------------
# Fuzz: load_yaml never raises, and every finding is located

_YAMLISH = st.lists(
    st.sampled_from(
        [
            *"ab:- \n[]{},&*!<>'\"#?|~\t019yn.e%@`",
            *["<<", "&a ", "*a", "\u2028", "\x85", "é", "---\n", "...\n", "!!str ", "!!int "],
            *["!!python/object:os.system ", "!x ", "- ", ": ", "  ", "\r\n", "\ufeff", "\x00"],
        ]
    ),
    max_size=80,
).map("".join)

_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(st.text())
def test_fuzz_text(text: str) -> None:
    well_formed(load_yaml(text))


@_SETTINGS
@given(st.binary())
def test_fuzz_bytes(blob: bytes) -> None:
    well_formed(load_yaml(blob))


@_SETTINGS
@given(_YAMLISH)
def test_fuzz_yaml_like_text(text: str) -> None:
    doc = load_yaml(text, limits=LoaderLimits(max_depth=8, max_alias_expansions=50))
    well_formed(doc)
    well_formed(load_yaml(text.encode("utf-8", "surrogatepass")))


@pytest.mark.skipif(not LIBYAML, reason="needs PyYAML built with libyaml")
@_SETTINGS
@given(_YAMLISH)
def test_fuzz_both_parsers_agree(text: str) -> None:
    """Where the text is well-formed, libyaml and pure Python give the same data and findings."""
    original = loader_reader._PARSER
    try:
        loader_reader._PARSER = yaml.CSafeLoader
        a = load_yaml(text)
        loader_reader._PARSER = yaml.SafeLoader
        b = load_yaml(text)
    finally:
        loader_reader._PARSER = original
    well_formed(a)
    well_formed(b)
    if "CR001" in {f.code for f in [*a.findings, *b.findings]}:
        return  # the two parsers word (and sometimes place) syntax errors differently
    assert [f.code for f in a.findings] == [f.code for f in b.findings]
    assert a.data == b.data
