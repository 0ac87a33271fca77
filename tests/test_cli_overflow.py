"""Option values beyond what dates and reads can hold are usage errors (exit 2), never
tracebacks: ``upcoming --within``, ``--now``/``--as-of``, ``check --max-bytes`` and its siblings."""

from __future__ import annotations

from pathlib import Path

import pytest
from _cli import run

from contract_rules.cli import EXIT_ERROR

ROOT = Path(__file__).resolve().parents[1]
TACHENG = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("upcoming", TACHENG, EVENTS, "--within", "999999999d"), "reaches past the year 9999"),
        (("upcoming", TACHENG, EVENTS, "--within", "9999999999d"), "too long"),
        (("upcoming", TACHENG, EVENTS, "--within", "9" * 5000 + "h"), "too long"),
        (
            ("upcoming", TACHENG, EVENTS, "--now", "9999-12-31T23:59:59-12:00"),
            "outside the years",
        ),
        (("eval", TACHENG, EVENTS, "--as-of", "0001-01-01T00:00:00+14:00"), "outside the years"),
        (("check", TACHENG, "--max-bytes", "9" * 30), "at most"),
    ],
)
def test_values_beyond_the_representable_are_usage_errors(
    capsys: pytest.CaptureFixture[str], argv: tuple[object, ...], says: str
) -> None:
    code, out, err = run(capsys, *argv)  # type: ignore[arg-type]
    assert code == EXIT_ERROR
    assert says in err
    assert "Traceback" not in err + out
