"""Cold start of ``contract-rules check`` against a cold ``yamllint`` on the same file.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_check [--runs 15] [FILE]

Both tools run as fresh processes (``python -m contract_rules check FILE`` and
``python -m yamllint FILE``) with the same interpreter, alternately, and the median wall time of
each is reported with their ratio. The goal: contract-rules within 2× of yamllint. yamllint only
parses and lints YAML style; ``check`` also validates the models, the references and the meaning
of the rules, so equal time would already mean a lean start-up.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _time(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    """Time both tools; print medians and the ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", nargs="?", default="rules/tacheng_2024.yaml")
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args(argv)
    ours = [sys.executable, "-m", "contract_rules", "check", args.file]
    theirs = [sys.executable, "-m", "yamllint", "-d", "relaxed", args.file]
    probe = subprocess.run(theirs, cwd=ROOT, capture_output=True, text=True, check=False)
    if "No module named yamllint" in probe.stderr:
        print("yamllint is not installed (pip install yamllint); nothing to compare")
        return 1
    a: list[float] = []
    b: list[float] = []
    for _ in range(args.runs):
        a.append(_time(ours))
        b.append(_time(theirs))
    ma, mb = statistics.median(a), statistics.median(b)
    print(f"file: {args.file}, {args.runs} runs each, median wall time of a cold process")
    print(f"contract-rules check: {ma * 1000:.0f} ms")
    print(f"yamllint:             {mb * 1000:.0f} ms")
    print(f"ratio: {ma / mb:.2f}× (goal ≤ 2×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
