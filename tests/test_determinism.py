"""Determinism: the JSON report is the same, byte for byte, in any process and for any order of
input events with distinct instants.

- The Tacheng example year (``examples/tacheng_events_2025.jsonl``) is evaluated in fresh
  processes with ``PYTHONHASHSEED`` 0, 1 and 12345 (and in this process): the bytes of
  ``Report.to_json()`` are identical.
- Reordering events whose instants are distinct changes nothing but the input positions that
  the event accounting reports (``index`` and ``where`` name where each event was given).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contract_rules as cr
from contract_rules.engine import CompiledRuleset, evaluate

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"
SEEDS = ("0", "1", "12345")

SCRIPT = """
import sys
import contract_rules as cr
rules, events, as_of = sys.argv[1:4]
report = cr.evaluate(cr.load_ruleset(rules), events, as_of=as_of)
sys.stdout.buffer.write(report.to_json().encode("utf-8"))
"""


def events() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines() if line]


def in_subprocess(seed: str, events_path: Path = EVENTS) -> bytes:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(RULES), str(events_path), AS_OF],
        capture_output=True,
        env=env,
        cwd=ROOT,
        timeout=120,
        check=True,
    )
    return done.stdout


def without_positions(report_json: str) -> dict[str, Any]:
    """The report with the input positions of accounted events left out (and those entries
    ordered by event id, since they are listed in input order)."""
    doc = json.loads(report_json)
    for kind in ("ignored", "rejected"):
        entries = doc["events"][kind]
        for e in entries:
            del e["index"], e["where"]
        entries.sort(key=lambda e: str(e["id"]))
    return dict(doc)


def test_the_example_year_has_distinct_instants_and_ids() -> None:
    evs = events()
    assert len(evs) > 200
    instants = [datetime.fromisoformat(e["at"]) for e in evs]
    assert len(set(instants)) == len(instants)
    assert len({e["id"] for e in evs}) == len(evs)


def test_json_is_byte_identical_across_hash_seeds(tacheng_compiled: CompiledRuleset) -> None:
    here = evaluate(tacheng_compiled, EVENTS, AS_OF).to_json().encode("utf-8")
    outputs = {seed: in_subprocess(seed) for seed in SEEDS}
    for seed, out in outputs.items():
        assert out == here, f"PYTHONHASHSEED={seed} gives other bytes"
    doc = json.loads(here)
    # the year is a real one: every status occurs, money is reported, nothing is rejected
    assert all(doc["counts"][s] > 0 for s in ("pending", "fulfilled", "violated", "excused"))
    assert doc["liability"]["lines"]
    assert doc["events"]["counts"]["rejected"] == 0


def test_a_shuffled_file_in_another_process_gives_the_same_report(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    shuffled = events()
    random.Random(20251231).shuffle(shuffled)
    path = tmp_path / "shuffled.jsonl"
    path.write_text("".join(json.dumps(e, ensure_ascii=False) + "\n" for e in shuffled), "utf-8")
    a = in_subprocess("7", path).decode("utf-8")
    b = evaluate(tacheng_compiled, EVENTS, AS_OF).to_json()
    assert without_positions(a) == without_positions(b)


def test_reversed_input_gives_the_same_report(tacheng_compiled: CompiledRuleset) -> None:
    evs = events()
    a = evaluate(tacheng_compiled, evs, AS_OF).to_json()
    b = evaluate(tacheng_compiled, list(reversed(evs)), AS_OF).to_json()
    assert without_positions(a) == without_positions(b)
    assert a != b  # the positions do differ: the accounting says where each event was given


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_any_reordering_gives_the_same_report(
    tacheng_compiled: CompiledRuleset, rnd: random.Random
) -> None:
    evs = events()
    base = without_positions(evaluate(tacheng_compiled, evs, AS_OF).to_json())
    rnd.shuffle(evs)
    assert without_positions(evaluate(tacheng_compiled, evs, AS_OF).to_json()) == base


def test_repeated_evaluation_in_one_process_is_identical(tacheng_compiled: CompiledRuleset) -> None:
    """No state leaks between evaluations of one compiled ruleset (the calendar's lazy tables,
    its assumptions)."""
    first = evaluate(tacheng_compiled, EVENTS, AS_OF).to_json()
    evaluate(tacheng_compiled, events()[:17], "2025-02-01T00:00:00+08:00")
    assert evaluate(tacheng_compiled, EVENTS, AS_OF).to_json() == first
    assert evaluate(cr.load_ruleset(RULES), EVENTS, AS_OF).to_json() == first
