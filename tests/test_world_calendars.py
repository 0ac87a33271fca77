"""Calendar layers computed by the ``holidays`` package (``holidays:<country>[-<subdivision>]``):
their days off, the years they vouch for, "did you mean" in ``check``, and the German example."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from pathlib import Path

import pytest
from _cli import run

from contract_rules.calendar import BusinessCalendar, layer_coverage, layer_problem
from contract_rules.cli import EXIT_FINDINGS, EXIT_OK
from contract_rules.errors import CalendarCoverageError, CalendarError
from contract_rules.rulefile import read_rule_text

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "examples" / "berlin_hosting_sla.yaml"


def test_berlin_knows_easter_and_its_own_womens_day() -> None:
    be = BusinessCalendar("Europe/Berlin", ("holidays:DE-BE",))
    by = BusinessCalendar("Europe/Berlin", ("holidays:DE-BY",))
    for d in (date(2025, 4, 18), date(2025, 4, 21), date(2024, 3, 29), date(2024, 4, 1)):
        assert not be.is_working_day(d)  # Good Friday, Easter Monday
        assert not by.is_working_day(d)
    assert not be.is_working_day(date(2024, 3, 8))  # Internationaler Frauentag: Berlin only
    assert by.is_working_day(date(2024, 3, 8))
    assert not by.is_working_day(date(2024, 1, 6))  # Heilige Drei Könige: Bavaria only
    assert be.is_working_day(date(2024, 1, 5))
    start = datetime.fromisoformat("2025-04-17T10:00+02:00")
    assert be.add_working_days(start, 2).isoformat() == "2025-04-24T00:00:00+02:00"


@pytest.mark.parametrize(
    ("layer", "holiday", "tz"),
    [
        ("holidays:GB-ENG", date(2025, 8, 25), "Europe/London"),  # late summer bank holiday
        ("holidays:US-NY", date(2025, 7, 4), "America/New_York"),
        ("holidays:DE", date(2025, 10, 3), "Europe/Berlin"),
    ],
)
def test_any_country_and_subdivision(layer: str, holiday: date, tz: str) -> None:
    cal = BusinessCalendar(tz, (layer,))
    assert not cal.is_working_day(holiday)
    assert cal.is_working_day(date(2025, 8, 26))
    assert pickle.loads(pickle.dumps(cal)).is_working_day(holiday) is False


def test_a_layer_vouches_for_the_years_the_package_declares() -> None:
    years = layer_coverage("holidays:DE-BE")
    assert years == tuple(range(years[0], years[-1] + 1))
    assert years[0] <= 2024 and years[-1] >= 2030
    after = date(years[-1] + 1, 1, 2)
    with pytest.raises(CalendarCoverageError, match="holidays:DE-BE"):
        BusinessCalendar("Europe/Berlin", ("holidays:DE-BE",)).is_working_day(after)
    cal = BusinessCalendar("Europe/Berlin", ("holidays:DE-BE",), fallback="weekdays")
    cal.is_working_day(after)
    assert cal.assumptions == [
        f"{after.year}: layer holidays:DE-BE has no data; weekday rule assumed"
    ]


@pytest.mark.parametrize(
    ("layer", "hint"),
    [
        ("holidays:DE-BX", "no subdivision 'BX'"),
        ("holidays:GB-EN", "did you mean 'holidays:GB-ENG'?"),
        ("holidays:de-by", "did you mean 'holidays:DE-BY'?"),
        ("holidays:ZZ", "knows no country 'ZZ'"),
        ("cn-natinal", "did you mean 'cn-national'?"),
    ],
)
def test_an_unknown_country_or_subdivision_is_told_with_a_hint(layer: str, hint: str) -> None:
    problem = layer_problem(layer)
    assert problem is not None and hint in problem
    with pytest.raises(CalendarError, match="unknown calendar layer"):
        BusinessCalendar("Europe/Berlin", (layer,))


def test_check_locates_an_unknown_subdivision_with_did_you_mean() -> None:
    text = BERLIN.read_text(encoding="utf-8").replace("[holidays:DE-BE]", "[holidays:US-NYC]")
    result = read_rule_text(text, "berlin.yaml")
    (f,) = [f for f in result.findings if f.code == "CR204"]
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "holidays:US-NYC" in ln)
    assert (f.location.line, f.location.column) == (line, 12)
    assert "did you mean 'holidays:US-NY'?" in f.message


def test_the_german_example_checks_clean_and_its_scenarios_pass(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "check", "--strict", BERLIN)[0] == EXIT_OK
    code, out, _ = run(capsys, "test", BERLIN)
    assert code == EXIT_OK, out
    assert "3 passed, 0 failed" in out
    assert "Easter" in out and "Frauentag" in out


def test_the_german_example_fails_with_the_bavarian_calendar(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The Frauentag scenario depends on the Berlin layer: in Bavaria 8 March is a working day."""
    text = BERLIN.read_text(encoding="utf-8").replace("[holidays:DE-BE]", "[holidays:DE-BY]")
    (tmp_path / "by.yaml").write_text(text, encoding="utf-8")
    code, out, _ = run(capsys, "test", tmp_path / "by.yaml")
    assert code == EXIT_FINDINGS
    assert "2 passed, 1 failed" in out
