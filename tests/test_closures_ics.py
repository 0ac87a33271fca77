"""Company closures from an iCalendar file (``calendar.ics``): read with the rule file, relative
to it; all-day events are days off; anything else is a located finding, never ignored."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from contract_rules import load_ruleset
from contract_rules.calendar import build_calendar
from contract_rules.calendar.closures import parse_closures
from contract_rules.errors import CalendarError
from contract_rules.model import Ruleset
from contract_rules.rulefile import read_rule_file

ROOT = Path(__file__).resolve().parents[1]
BERLIN = ROOT / "examples" / "berlin_hosting_sla.yaml"


def ics(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\r\n{e}END:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n{body}END:VCALENDAR\r\n"


WINTER = (
    "UID:w\r\nSUMMARY:Betriebsferien\r\nDTSTART;VALUE=DATE:20251224\r\n"
    "DTEND;VALUE=DATE:20260101\r\n"
)


def rule_file(tmp_path: Path, ics_text: str | None, entry: str = "closures.ics") -> Path:
    text = BERLIN.read_text(encoding="utf-8").replace(
        "  layers: [holidays:DE-BE]\n", f"  layers: [holidays:DE-BE]\n  ics: {entry}\n"
    )
    sub = tmp_path / "rules"
    sub.mkdir(exist_ok=True)
    (sub / "sla.yaml").write_text(text, encoding="utf-8")
    if ics_text is not None:
        (sub / "closures.ics").write_text(ics_text, encoding="utf-8")
    return sub / "sla.yaml"


def test_closures_are_days_off_read_relative_to_the_rule_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = rule_file(tmp_path, ics(WINTER))
    monkeypatch.chdir(tmp_path)  # not the rule file's directory
    ruleset = load_ruleset(path)
    assert ruleset.calendar.closures == tuple(date(2025, 12, d) for d in range(24, 32))
    cal = build_calendar(ruleset)
    assert not cal.is_working_day(date(2025, 12, 29))
    assert cal.is_working_day(date(2025, 12, 23))
    assert cal.is_working_day(date(2026, 1, 2))


@pytest.mark.parametrize(
    ("event", "says"),
    [
        ("UID:t\r\nSUMMARY:Offsite\r\nDTSTART:20251224T120000Z\r\n", "has a time"),
        (
            "UID:r\r\nSUMMARY:Weekly\r\nDTSTART;VALUE=DATE:20251224\r\nRRULE:FREQ=WEEKLY\r\n",
            "recurs",
        ),
        ("UID:n\r\nSUMMARY:Nothing\r\n", "no DTSTART"),
        (
            "UID:l\r\nSUMMARY:Long\r\nDTSTART;VALUE=DATE:20250101\r\nDTEND;VALUE=DATE:20300101\r\n",
            "at most 366 days",
        ),
    ],
)
def test_what_is_not_a_closure_of_whole_days_is_a_located_finding(
    tmp_path: Path, event: str, says: str
) -> None:
    path = rule_file(tmp_path, ics(event))
    result = read_rule_file(path)
    (f,) = [f for f in result.findings if f.code == "CR204"]
    assert says in f.message and "closures.ics" in f.message
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "ics:" in ln)
    assert (f.location.line, f.location.column) == (line, 8)
    assert result.ruleset is None


def test_a_missing_or_broken_file_is_a_finding(tmp_path: Path) -> None:
    missing = read_rule_file(rule_file(tmp_path, None))
    assert any("cannot read closures.ics" in f.message for f in missing.errors)
    broken = read_rule_file(rule_file(tmp_path, "not a calendar"))
    assert any("not iCalendar text" in f.message for f in broken.errors)


def test_cancelled_events_and_durations() -> None:
    days = parse_closures(
        ics(
            "UID:a\r\nDTSTART;VALUE=DATE:20250502\r\nDURATION:P2D\r\n",
            "UID:b\r\nSTATUS:CANCELLED\r\nDTSTART;VALUE=DATE:20250601\r\n",
            "UID:c\r\nDTSTART;VALUE=DATE:20250815\r\n",
        )
    )
    assert days == (date(2025, 5, 2), date(2025, 5, 3), date(2025, 8, 15))
    with pytest.raises(CalendarError, match="whole number of days"):
        parse_closures(ics("UID:d\r\nDTSTART;VALUE=DATE:20250502\r\nDURATION:PT5H\r\n"))


def test_a_ruleset_built_from_data_does_not_drop_its_closures(tmp_path: Path) -> None:
    ruleset = load_ruleset(rule_file(tmp_path, ics(WINTER)))
    rebuilt = Ruleset.model_validate_json(ruleset.model_dump_json(by_alias=True))
    with pytest.raises(CalendarError, match="were not read"):
        build_calendar(rebuilt)
