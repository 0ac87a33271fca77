"""Engine and floor in instructions per event (callgrind): a count that machine noise does not move.

Run from the repository root (needs ``valgrind``)::

    .venv/bin/python -m benchmarks.bench_instructions            # 20,000 events
    .venv/bin/python -m benchmarks.bench_instructions --events 40000

Each side runs under callgrind twice, once doing everything but the measured loop (imports,
compiling the ruleset, an empty evaluation) and once doing it too; the difference divided by
the number of events is the cost per event. The engine side is ``evaluate(path)`` with the full
report, the floor the same loop as ``bench_engine``'s (read a line, parse JSON and timestamp,
one dict lookup). Hash randomisation is fixed (``PYTHONHASHSEED=0``) so that reruns agree.
Nothing here is a test: numbers go to stdout.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.bench_engine import OUT, ROOT, generate

_SIDE = """
import sys
from pathlib import Path
sys.path.insert(0, {root!r})
from benchmarks.bench_engine import RULES, floor
import contract_rules as cr
from contract_rules.engine import compile_ruleset, evaluate
compiled = compile_ruleset(cr.load_ruleset(RULES))
evaluate(compiled, [], "2026-06-01T00:00:00+08:00")
path = Path({path!r})
if sys.argv[1] == "engine":
    evaluate(compiled, path, "2026-06-01T00:00:00+08:00")
elif sys.argv[1] == "floor":
    floor(path)
"""


def instructions(script: Path, what: str) -> int:
    """Instructions callgrind counts for ``script what``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={tmp}/cg.out",
                sys.executable,
                str(script),
                what,
            ],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
        )
    found = re.search(r"Collected : (\d+)", out.stderr)
    if found is None:
        raise RuntimeError(f"callgrind printed no count: {out.stderr[-500:]}")
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    """Print instructions per event for the engine and the floor, and their ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=20_000)
    args = ap.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed; nothing measured")
        return 0
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"tacheng_{args.events}.jsonl"
    if not path.exists():
        generate(path, args.events // 5)
    script = OUT / "instructions_side.py"
    script.write_text(_SIDE.format(root=str(ROOT), path=str(path)), encoding="utf-8")
    base = instructions(script, "none")
    engine = (instructions(script, "engine") - base) / args.events
    floor = (instructions(script, "floor") - base) / args.events
    print(f"engine: {engine:,.0f} instructions per event")
    print(f"floor:  {floor:,.0f} instructions per event")
    print(f"engine ÷ floor (instructions): {engine / floor:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
