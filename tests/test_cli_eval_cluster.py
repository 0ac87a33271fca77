"""``contract-rules eval --workers N`` and ``--scheduler ADDRESS``: the same output as one
process, on local workers or an existing cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _cli import run

from contract_rules import distributed

pytest.importorskip("distributed")

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "tacheng_2024.yaml"
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"
SN = ROOT / "examples" / "servicenow"


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    c = distributed.local_client(2)
    try:
        yield c
    finally:
        distributed._close(c)


def test_scheduler_gives_the_report_of_one_process(
    capsys: pytest.CaptureFixture[str], client: Any, tmp_path: Path
) -> None:
    base = ("eval", RULES, EVENTS, "--as-of", AS_OF, "--format", "json")
    code, want, _ = run(capsys, *base)
    got_code, got, _ = run(capsys, *base, "--scheduler", client.scheduler.address)
    assert (got_code, got) == (code, want)
    # two files by a glob: read one after the other
    lines = EVENTS.read_text("utf-8").splitlines(keepends=True)
    (tmp_path / "a.jsonl").write_text("".join(lines[:100]), "utf-8")
    (tmp_path / "b.jsonl").write_text("".join(lines[100:]), "utf-8")
    code, out, _ = run(
        capsys, "eval", RULES, tmp_path / "*.jsonl", "--as-of", AS_OF, "--format", "json",
        "--scheduler", client.scheduler.address,
    )  # fmt: skip
    assert code == 0
    assert json.loads(out)["obligations"] == json.loads(want)["obligations"]


def test_workers_with_a_mapped_export(capsys: pytest.CaptureFixture[str]) -> None:
    base = ("eval", SN / "sla.yaml", SN / "export.csv", "--mapping", SN / "servicenow.mapping.yaml")
    base += ("--as-of", "2017-03-01T00:00:00+00:00", "--format", "json", "--collect")
    code, want, _ = run(capsys, *base)
    got_code, got, _ = run(capsys, *base, "--workers", "2")
    assert (got_code, got) == (code, want)
    assert '"import"' in got


def test_bad_cluster_options(capsys: pytest.CaptureFixture[str], client: Any) -> None:
    code, _, err = run(capsys, "eval", RULES, EVENTS, "--workers", "0")
    assert code == 2
    assert "at least 1 worker" in err
    code, _, err = run(capsys, "eval", RULES, "-", "--scheduler", client.scheduler.address)
    assert code == 2
    assert "not standard input" in err
    code, _, err = run(
        capsys, "eval", RULES, ROOT / "no-such-*.jsonl", "--scheduler", client.scheduler.address
    )
    assert code == 2
    assert "no file matches" in err
    code, _, err = run(capsys, "eval", RULES, EVENTS, "--scheduler", "tcp://127.0.0.1:9")
    assert code == 2
    assert "cannot reach the scheduler" in err
