"""Hostile rule files through every entry point: ``read_rule_text``, ``read_rule_file``,
``load_ruleset`` (path and text) and ``contract-rules check``.

Each is answered by located findings (``file:line:column``), in bounded time and memory, and the
loader's limits can be passed through ``load_ruleset(..., limits=)``. The loader itself is tested
in depth by ``test_loader_hostile.py``; this file checks that nothing between the loader and the
caller loses, hides or breaks those answers.
"""

from __future__ import annotations

import json
import random
import re
import time
import tracemalloc
from dataclasses import dataclass, fields
from pathlib import Path

import pytest

from contract_rules.cli import main
from contract_rules.engine import compile_ruleset
from contract_rules.errors import RuleFileError
from contract_rules.findings import Finding, Severity
from contract_rules.loader import DEFAULT_LIMITS, LoaderLimits
from contract_rules.rulefile import load_ruleset, read_rule_file, read_rule_text

ROOT = Path(__file__).resolve().parents[1]
MINIMAL = (ROOT / "tests" / "rulefiles" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
DOCS = ROOT / "docs"


def billion_laughs() -> str:
    lines = ['x-lol0: &lol0 "lol"']
    for i in range(1, 10):
        lines.append(f"x-lol{i}: &lol{i} [{', '.join([f'*lol{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def in_minimal(old: str, new: str) -> str:
    """The minimal valid rule file with one piece replaced (the piece must be there)."""
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


@dataclass(frozen=True)
class Hostile:
    """A hostile rule file, the finding it must give and where (None: not asserted)."""

    name: str
    content: bytes
    code: str
    at: tuple[int, int] | None


def _cases() -> list[Hostile]:
    rng = random.Random(20250101)
    gov = "  governing_law: PRC\n"
    line = MINIMAL.splitlines().index(gov.rstrip("\n")) + 1  # the line of governing_law

    def law(value: str) -> bytes:
        """The minimal file with ``governing_law: <value>`` (the value starts at column 18)."""
        return in_minimal(gov, f"  governing_law: {value}\n").encode()

    return [
        Hostile("alias-bomb", (MINIMAL + billion_laughs()).encode(), "CR006", None),
        Hostile("python-object-apply", law('!!python/object/apply:os.system ["true"]'), "CR005",
                (line, 18)),
        Hostile("python-name", law("!!python/name:os.system"), "CR005", (line, 18)),
        Hostile("custom-tag", law("!law PRC"), "CR005", (line, 18)),
        Hostile("binary-tag", law("!!binary AAAA"), "CR005", (line, 18)),
        Hostile("set-tag", law("!!set {a, b}"), "CR005", (line, 18)),
        Hostile("deep-nesting", (MINIMAL + "x: " + "[" * 10_000 + "]" * 10_000 + "\n").encode(),
                "CR007", None),
        Hostile("deep-unclosed", ("x: " + "{a: " * 50_000).encode(), "CR007", (1, 4 + 4 * 63)),
        Hostile("huge-scalar", law('"' + "法" * 150_000 + '"'), "CR008", (line, 18)),
        Hostile("binary-garbage", rng.randbytes(8192), "CR009", None),
        Hostile("invalid-utf8", law("PR*").replace(b"PR*", b"PR\xc3("), "CR009", (line, 20)),
        Hostile("utf16", MINIMAL.encode("utf-16"), "CR009", (1, 1)),
        Hostile("nul-byte", law("P\x00RC"), "CR009", (line, 19)),
        Hostile("bom-inside", in_minimal(gov, "\ufeff" + gov).encode(), "CR009", (line, 1)),
        Hostile("escape-sequence", law("\x1b[31mPRC"), "CR009", (line, 18)),
        Hostile("tabs", in_minimal(gov, "\tgoverning_law: PRC\n").encode(), "CR001", (line, 1)),
        Hostile("empty", b"", "CR010", (1, 1)),
        Hostile("only-comments", b"# nothing here\n\n# at all\n", "CR010", (1, 1)),
        Hostile("only-bom", b"\xef\xbb\xbf", "CR010", (1, 1)),
        Hostile("null-document", b"~\n", "CR103", (1, 1)),
        Hostile("list-document", b"- format: contract-rules/1\n", "CR103", (1, 1)),
        Hostile("scalar-document", b"contract-rules/1\n", "CR103", (1, 1)),
        Hostile("two-documents", (MINIMAL + "---\nformat: x\n").encode(), "CR013", None),
        Hostile("too-large", (MINIMAL + "#" * 2_000_000 + "\n").encode(), "CR008", (1, 1)),
        Hostile("duplicate-key", in_minimal(gov, gov + gov).encode(), "CR002", (line + 1, 3)),
        Hostile("nan-money", in_minimal('"1000.00"', ".nan").encode(), "CR012", None),
        Hostile("unclosed-quote", law('"PRC'), "CR001", None),
    ]  # fmt: skip


CASES = _cases()


def ids(case: Hostile) -> str:
    return case.name


def located(findings: tuple[Finding, ...] | list[Finding], file: str) -> None:
    assert findings
    for f in findings:
        assert f.location.line >= 1 and f.location.column >= 1, str(f)
        assert f.location.file == file, str(f)
        assert "internal" not in f.message, str(f)


def has(findings: tuple[Finding, ...] | list[Finding], case: Hostile) -> Finding:
    """The finding ``case`` expects, checked for its location."""
    found = [f for f in findings if f.code == case.code]
    assert found, [str(f) for f in findings]
    if case.at is not None:
        assert (found[0].location.line, found[0].location.column) == case.at, str(found[0])
    return found[0]


# =============================================================================== entry points


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_read_rule_text_answers_with_a_located_finding(case: Hostile) -> None:
    start = time.perf_counter()
    result = read_rule_text(case.content, "hostile.yaml")
    elapsed = time.perf_counter() - start
    has(result.findings, case)
    located(result.findings, "hostile.yaml")
    assert result.ruleset is None and not result.ok
    assert elapsed < 20.0  # a hang guard (no limit reached), not a speed goal


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_load_ruleset_from_a_path_raises_rule_file_error(case: Hostile, tmp_path: Path) -> None:
    path = tmp_path / f"{case.name}.yaml"
    path.write_bytes(case.content)
    with pytest.raises(RuleFileError) as info:
        load_ruleset(path)
    err = info.value
    assert err.source == str(path)
    finding = has(err.findings, case)
    located(err.findings, str(path))
    assert any(f.severity is Severity.ERROR for f in err.findings)
    assert f"{path}:{finding.location.line}:{finding.location.column}" in str(err)
    # read_rule_file gives the same findings
    assert read_rule_file(path).findings == list(err.findings)


@pytest.mark.parametrize(
    "case", [c for c in CASES if b"\n" in c.content and c.code != "CR009"], ids=ids
)
def test_load_ruleset_from_text_raises_rule_file_error(case: Hostile) -> None:
    text = case.content.decode("utf-8")
    with pytest.raises(RuleFileError) as info:
        load_ruleset(text)
    has(info.value.findings, case)
    located(info.value.findings, "<string>")


@pytest.mark.parametrize("case", CASES, ids=ids)
def test_cli_check_reports_the_finding_with_its_location(
    case: Hostile, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{case.name}.yaml"
    path.write_bytes(case.content)
    assert main(["check", "--format", "json", str(path)]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["summary"]["exit_code"] == 1
    assert doc["files"] == [
        {
            "file": str(path),
            "status": "errors",
            "errors": doc["files"][0]["errors"],
            "warnings": doc["files"][0]["warnings"],
            "passed": False,
        }
    ]
    got = [(f["code"], f["line"], f["column"]) for f in doc["findings"]]
    assert all(line >= 1 and col >= 1 for _, line, col in got)
    assert case.code in [c for c, _, _ in got]
    if case.at is not None:
        assert (case.code, *case.at) in got
    # the text format names file, line and column too
    assert main(["check", str(path)]) == 1
    out = capsys.readouterr().out
    assert re.search(rf"^  \d+:\d+ +error +{case.code} ", out, re.M), out


def test_cli_check_reads_the_other_files_after_a_hostile_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for case in CASES:
        (tmp_path / f"{case.name}.yaml").write_bytes(case.content)
    (tmp_path / "zz-valid.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "bom-valid.yaml").write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    start = time.perf_counter()
    assert main(["check", "--format", "json", str(tmp_path)]) == 1
    assert time.perf_counter() - start < 10
    doc = json.loads(capsys.readouterr().out)
    status = {Path(f["file"]).name: f["status"] for f in doc["files"]}
    assert status["zz-valid.yaml"] == "ok"
    assert status["bom-valid.yaml"] == "ok"
    assert all(status[f"{c.name}.yaml"] == "errors" for c in CASES)


def test_unreadable_paths_are_os_errors_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(FileNotFoundError):
        load_ruleset(tmp_path / "missing.yaml")
    with pytest.raises(IsADirectoryError):
        load_ruleset(tmp_path)
    assert main(["check", str(tmp_path / "missing.yaml")]) == 2
    assert "missing.yaml" in capsys.readouterr().err


@pytest.mark.parametrize(
    "name", ["alias-bomb", "deep-nesting", "deep-unclosed", "huge-scalar", "too-large"]
)
def test_memory_is_bounded(name: str) -> None:
    case = next(c for c in CASES if c.name == name)
    tracemalloc.start()
    try:
        read_rule_text(case.content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # a few copies of the input at most: the expansion of a bomb or a deep tree is never built
    assert peak < 3 * len(case.content) + 4_000_000, peak


def test_a_bom_at_the_start_is_harmless(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + MINIMAL.encode())
    ruleset = load_ruleset(path)
    assert ruleset.contract.id == "minimal"
    assert read_rule_text("\ufeff" + MINIMAL).findings == []
    assert main(["check", str(path)]) == 0


def test_nothing_runs_through_any_entry_point(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "pwned"
    payload = f'!!python/object/apply:os.system ["touch {marker}"]'
    path = tmp_path / "evil.yaml"
    path.write_text(in_minimal("  governing_law: PRC\n", f"  governing_law: {payload}\n"))
    with pytest.raises(RuleFileError):
        load_ruleset(path)
    with pytest.raises(RuleFileError):
        load_ruleset(path.read_text(encoding="utf-8"))
    assert not read_rule_text(path.read_bytes()).ok
    assert main(["check", str(path)]) == 1
    capsys.readouterr()
    assert not marker.exists()


# =============================================================================== limits


LIMITS_FAIL = [
    (LoaderLimits(max_bytes=1_000), "CR008", "max_bytes"),
    (LoaderLimits(max_depth=3), "CR007", "max_depth"),
    (LoaderLimits(max_alias_expansions=0), "CR006", "max_alias_expansions"),
    (LoaderLimits(max_scalar_chars=40), "CR008", "max_scalar_chars"),
    (LoaderLimits(max_nodes=100), "CR008", "max_nodes"),
]


@pytest.mark.parametrize("limits, code, name", LIMITS_FAIL, ids=[n for _, _, n in LIMITS_FAIL])
def test_limits_pass_through_load_ruleset(limits: LoaderLimits, code: str, name: str) -> None:
    """The Tacheng rules load under the default limits; a tighter limit is a located finding
    naming the limit, whether the file is given as a path or as text."""
    text = TACHENG.read_text(encoding="utf-8")
    for source in (TACHENG, str(TACHENG), text):
        with pytest.raises(RuleFileError) as info:
            load_ruleset(source, limits=limits)
        (finding,) = info.value.findings
        assert finding.code == code
        assert f"LoaderLimits.{name}" in finding.message
        assert finding.location.line >= 1 and finding.location.column >= 1
    assert [f.code for f in read_rule_file(TACHENG, limits=limits).findings] == [code]
    assert [f.code for f in read_rule_text(text, limits=limits).findings] == [code]


def test_defaults_load_the_shipped_rules() -> None:
    for path in (TACHENG, ROOT / "examples" / "it_support_sla.yaml"):
        assert load_ruleset(path, limits=DEFAULT_LIMITS) == load_ruleset(path)


def test_raising_a_limit_lets_a_large_file_through() -> None:
    long_source = "  source: " + "s" * 150_000 + "\n"
    text = in_minimal("  governing_law: PRC\n", "  governing_law: PRC\n" + long_source)
    with pytest.raises(RuleFileError) as info:
        load_ruleset(text)
    assert [f.code for f in info.value.findings] == ["CR008"]
    ruleset = load_ruleset(text, limits=LoaderLimits(max_scalar_chars=200_000))
    assert ruleset.contract.source == "s" * 150_000


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_bytes": 0},
        {"max_depth": 0},
        {"max_depth": -1},
        {"max_alias_expansions": -1},
        {"max_scalar_chars": 0},
        {"max_nodes": 0},
        {"max_depth": 2.5},
        {"max_nodes": True},
        {"max_bytes": "1000"},
    ],
)
def test_impossible_limits_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"LoaderLimits\.\w+ must be an integer"):
        LoaderLimits(**kwargs)  # type: ignore[arg-type]


def test_no_aliases_at_all_is_a_possible_limit() -> None:
    limits = LoaderLimits(max_alias_expansions=0)
    assert load_ruleset(MINIMAL, limits=limits).contract.id == "minimal"


def test_the_limits_are_stated_in_the_docs() -> None:
    """Each limit and its default is in the loader's page and in the hardening page."""
    loader_page = (DOCS / "loader-limits.md").read_text(encoding="utf-8")
    hardening = (DOCS / "hardening.md").read_text(encoding="utf-8")
    for f in fields(LoaderLimits):
        default = f"{getattr(DEFAULT_LIMITS, f.name):,}"
        row = re.compile(rf"^\| `{f.name}` \| {re.escape(default)} \|", re.M)
        assert row.search(loader_page), f.name
        assert row.search(hardening), f.name
    assert "limits=" in hardening


# =============================================================================== regressions


def test_a_null_document_is_a_finding_not_a_silent_nothing() -> None:
    """Regression: ``~`` read as a document gave no finding and no ruleset, so load_ruleset
    raised RuleFileError with no finding at all."""
    for text in ("~\n", "null\n", "--- ~\n", "---\nnull\n...\n"):
        result = read_rule_text(text)
        assert [f.code for f in result.findings] == ["CR103"], text
        assert "not null" in result.findings[0].message
        with pytest.raises(RuleFileError) as info:
            load_ruleset(text)
        assert len(info.value.findings) == 1


CALENDAR_SPECS = [
    ("working_hours: {default: ['13:00-18:00', '09:00-12:00']}", (18, 44), "starts before"),
    ("working_hours: {default: ['09:00-12:00', '11:30-18:00']}", (18, 44), "starts before"),
    ("working_hours: {weekdays: {fri: ['09:00-12:00', '09:00-12:00']}}", (18, 51), "starts"),
    ("working_hours: {dates: {'2025-03-03': ['09:00-18:00', '10:00-11:00']}}", (18, 57), "ends"),
    ("days_off: ['2025-03-03']\n  working_days: ['2025-03-03']", (19, 18), "both"),
]


@pytest.mark.parametrize("spec, at, words", CALENDAR_SPECS)
def test_a_calendar_the_engine_refuses_is_a_finding(
    spec: str, at: tuple[int, int], words: str
) -> None:
    """Regression (found by the fuzzer): these calendars passed every check, and then
    ``compile_ruleset`` raised CalendarError."""
    text = in_minimal("  layers: [cn-national]\n", f"  layers: [cn-national]\n  {spec}\n")
    result = read_rule_text(text)
    assert [(f.code, f.location.line, f.location.column) for f in result.findings] == [
        ("CR104", *at)
    ]
    assert words in result.findings[0].message
    assert result.ruleset is None


def test_national_only_without_the_national_layer_is_a_finding() -> None:
    text = in_minimal(
        "  layers: [cn-national]\n", "  layers: [cn-xinjiang]\n  fallback: national_only\n"
    )
    result = read_rule_text(text)
    assert [(f.code, f.location.line) for f in result.findings] == [("CR104", 18)]


def test_touching_windows_and_24_00_are_fine() -> None:
    text = in_minimal(
        "  layers: [cn-national]\n",
        "  layers: [cn-national]\n  working_hours: {default: ['00:00-12:00', '12:00-24:00']}\n",
    )
    ruleset = load_ruleset(text)
    compile_ruleset(ruleset)


def test_every_clean_shipped_rule_file_compiles() -> None:
    valid = sorted((ROOT / "tests" / "rulefiles" / "valid").glob("*.yaml"))
    for path in [TACHENG, ROOT / "examples" / "it_support_sla.yaml", *valid]:
        compile_ruleset(load_ruleset(path))


@pytest.mark.parametrize("zone", ["Asia", "America", "Etc", "Asia/Shanghai/x", "zone.tab", "Asia/"])
def test_a_directory_of_the_zone_database_is_not_a_zone(zone: str) -> None:
    """Regression (found by the fuzzer): ``timezone: Asia`` escaped as IsADirectoryError."""
    text = in_minimal("  timezone: Asia/Shanghai\n", f"  timezone: {zone}\n")
    result = read_rule_text(text)
    assert [(f.code, f.location.line, f.location.column) for f in result.findings] == [
        ("CR104", 11, 13)
    ]
    assert "unknown time zone" in result.findings[0].message or "TZif" in result.findings[0].message
