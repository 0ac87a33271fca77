"""Benchmark: the whole UCI ServiceNow incident log, CSV → report, against pyarrow and pandas.

Run from the repository root::

    .venv/bin/python -m benchmarks.bench_servicenow    # writes docs/benchmarks-servicenow.md
    .venv/bin/python -m benchmarks.bench_servicenow --repeat 1 --no-write

On the full log (141,712 rows, ../shared/data/uci-incident-log/incident_event_log.csv) with
examples/servicenow/sla.yaml and servicenow.mapping.yaml it times, in one process, best of
``--repeat`` runs, in CPU seconds of this process (``time.process_time``: the machine is shared,
and wall time swings by 2× with the other load) and in wall seconds:

- baselines: ``pyarrow.csv.read_csv`` of the file on one thread and with its thread pool, and
  ``polars.read_csv`` (when installed), each reading every column;
- the mapped reader alone, columnar and row by row (``read_csv_mapped`` consumed to the end),
  and the columnar one as ``evaluate_export`` runs it (typed events for the engine's validator);
- end to end: ``evaluate_export`` (read, map, validate, order, evaluate, report) with each reader;
- the analyst's pandas script (``benchmarks/pandas_servicenow.py``): the same resolution SLA.

Peak RSS of each stage comes from a fresh child process running that stage alone. The library's
and the pandas script's verdicts on the resolution duty are compared per incident, and each
disagreement is printed with its facts.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from contract_rules.mapping import Reader

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "servicenow"
#: the shared data directory (``CONTRACT_RULES_SHARED``, as the tests read it; else ``../shared``)
SHARED = Path(os.environ.get("CONTRACT_RULES_SHARED", ROOT.parent / "shared"))
DEFAULT_CSV = SHARED / "data" / "uci-incident-log" / "incident_event_log.csv"
AS_OF = "2017-03-01T00:00:00+00:00"
OUT = ROOT / "docs" / "benchmarks-servicenow.md"
STAGES = ("imports", "arrow", "columnar", "typed", "rows", "report", "report-rows", "pandas")


def peak_rss_mib() -> float:
    """This process's peak resident set size in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def vm_hwm_mib() -> float | None:
    """Linux's VmHWM (peak RSS of this process image, reset at exec) in MiB, else None."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def baseline(path: Path) -> int:
    """Read every row with csv.DictReader and parse one timestamp per row; return the rows."""
    n = 0
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            datetime.strptime(row["sys_updated_at"], "%d/%m/%Y %H:%M")
            n += 1
    return n


def arrow_read(path: Path, threads: bool = False) -> int:
    """pyarrow.csv.read_csv of the whole file (every column, types inferred)."""
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(path, read_options=pacsv.ReadOptions(use_threads=threads))
    return int(table.num_rows)


def polars_read(path: Path) -> int:
    """polars.read_csv of the whole file (every column, types inferred)."""
    import polars as pl

    return int(pl.read_csv(path).height)


def mapping_only(path: Path, reader: Reader = "columnar") -> int:
    """Consume read_csv_mapped to the end; return the rows read."""
    from contract_rules.mapping import MappingStats, load_mapping, read_csv_mapped

    stats = MappingStats()
    mp = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    for _ in read_csv_mapped(path, mp, stats=stats, reader=reader):
        pass
    return stats.rows


def typed_only(path: Path) -> int:
    """Consume the columnar reader as evaluate_export runs it (typed events for the engine's
    validator, built from the compiled ruleset as evaluate_export builds it); return the rows."""
    from contract_rules import load_ruleset
    from contract_rules.engine import Evaluator, compile_ruleset
    from contract_rules.mapping import MappingStats, load_mapping
    from contract_rules.mapping.readers import _read_csv

    stats = MappingStats()
    mp = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    validator = Evaluator(compile_ruleset(load_ruleset(EXAMPLE / "sla.yaml"))).validator
    for _ in _read_csv(path, mp, stats, "columnar", validator):
        pass
    return stats.rows


def full_report(path: Path, reader: Reader = "columnar") -> tuple[int, Any]:
    """evaluate_export on the whole log; return (rows, report)."""
    from contract_rules import load_ruleset
    from contract_rules.mapping import MappingStats, evaluate_export, load_mapping

    stats = MappingStats()
    ruleset = load_ruleset(EXAMPLE / "sla.yaml")
    mp = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    report = evaluate_export(
        ruleset,
        path,
        mp,
        AS_OF,
        stats=stats,
        reader=reader,
    )
    return stats.rows, report


def records_report(path: Path) -> tuple[int, Any]:
    """evaluate_export's steps with the typed events off: the columnar reader's records, each
    validated by the engine (what evaluate_export did before it handed over typed events)."""
    from contract_rules import load_ruleset
    from contract_rules.engine import compile_ruleset, evaluate
    from contract_rules.mapping import MappingStats, check_mapping, load_mapping
    from contract_rules.mapping.readers import _read_csv

    stats = MappingStats()
    compiled = compile_ruleset(load_ruleset(EXAMPLE / "sla.yaml"))
    mp = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    check_mapping(mp, compiled.ruleset)
    raws = _read_csv(path, mp, stats, "columnar", None)
    return stats.rows, evaluate(compiled, raws, AS_OF, strict=False)


def pandas_sla(path: Path) -> Any:
    """The analyst's pandas script: one row per incident with its status."""
    from benchmarks.pandas_servicenow import resolution_sla

    return resolution_sla(path)


def child(stage: str, path: Path) -> None:
    """Run one stage in this (fresh) process and print its peak RSS as JSON."""
    if stage != "pandas":
        import contract_rules.mapping  # noqa: F401 - the package as every stage has it

    if stage == "arrow":
        arrow_read(path)
    elif stage == "columnar":
        mapping_only(path, "columnar")
    elif stage == "typed":
        typed_only(path)
    elif stage == "rows":
        mapping_only(path, "rows")
    elif stage == "report":
        full_report(path, "columnar")
    elif stage == "report-rows":
        full_report(path, "rows")
    elif stage == "pandas":
        pandas_sla(path)
    print(json.dumps({"stage": stage, "peak_rss_mib": peak_rss_mib(), "vm_hwm_mib": vm_hwm_mib()}))


def timed(repeat: int, fn: Any) -> tuple[float, float, Any]:
    """Best CPU seconds of this process, best wall seconds, and the last result."""
    cpu, wall, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        cpu = min(cpu, time.process_time() - c0)
        wall = min(wall, time.perf_counter() - w0)
    return cpu, wall, result


def waiting_starts(path: Path, numbers: set[str]) -> dict[str, set[datetime]]:
    """For the given incidents, the update times at which the incident awaits the user."""
    from benchmarks.pandas_servicenow import WAITING

    out: dict[str, set[datetime]] = {n: set() for n in numbers}
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            if row["number"] in numbers and row["incident_state"] in WAITING:
                at = datetime.strptime(row["sys_updated_at"], "%d/%m/%Y %H:%M")
                out[row["number"]].add(at)
    return out


def agreement(report: Any, frame: Any, path: Path) -> tuple[int, int, list[str]]:
    """(incidents compared, equal verdicts, one line per disagreement, with its explanation) on
    the resolution duty."""
    ours = {o.key: o for o in report.obligations if o.rule == "sla.resolution"}
    differ = [
        row
        for row in frame.itertuples(index=False)
        if row.number not in ours or ours[row.number].status != row.status
    ]
    waits = waiting_starts(path, {row.number for row in differ})
    lines: list[str] = []
    for row in differ:
        o = ours.get(row.number)
        due = o.due.replace(tzinfo=None) if o is not None and o.due is not None else None
        if due is not None and due in waits[row.number]:
            kind = (
                "the incident starts awaiting the user exactly at the due instant: by "
                "semantics 4b that pause stops the clock, so pandas is right (the library "
                "stops the clock there since its boundary fix: a regression if seen)"
            )
        elif o is not None and row.used == row.target and o.fulfilled_at is not None:
            kind = (
                "exactly the target used: the working time ran out at the due instant (the "
                "close of a working day) and the resolution, or a wait that lasted until it, "
                "began after the due instant but before the next working minute; pandas sees "
                "no minute over the target, but the due instant had passed: late, as the "
                "library says (semantics 4b: a pause that starts after the due instant "
                "changes nothing)"
            )
        else:
            kind = "not explained"
        lines.append(
            f"{row.number} ({row.priority}): opened {row.opened}, resolved {row.resolved}, "
            f"{row.used:.0f} of {row.target} business minutes (paused {row.paused:.0f}): "
            f"pandas {row.status}, library {o.status if o else 'no instance'} (due "
            f"{o.due if o else '—'}) — {kind}"
        )
    return len(frame), len(frame) - len(differ), lines


def child_rss(stage: str, path: Path) -> tuple[float, float | None]:
    """The peak RSS (MiB) of ``stage`` run alone in a child process: (ru_maxrss, VmHWM)."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_servicenow", "--child", stage, "--csv", str(path)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    got = json.loads(out.strip().splitlines()[-1])
    hwm = got["vm_hwm_mib"]
    return float(got["peak_rss_mib"]), None if hwm is None else float(hwm)


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo, or platform.processor()."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print the table and (unless --no-write) write the markdown page."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-write", action="store_true", help="print only")
    ap.add_argument("--child", choices=STAGES, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.csv.exists():
        print(f"{args.csv}: not found (the UCI incident log; see --csv)", file=sys.stderr)
        return 2
    if args.child:
        child(args.child, args.csv)
        return 0

    size = args.csv.stat().st_size
    # Children first: on Linux a child starts with its parent's ru_maxrss (it survives fork and
    # exec), so they are run while this process is still small.
    rss = {stage: child_rss(stage, args.csv) for stage in STAGES}
    r = args.repeat
    t_arrow = timed(r, lambda: arrow_read(args.csv))
    t_arrow_mt = timed(r, lambda: arrow_read(args.csv, threads=True))
    try:
        t_polars: tuple[float, float, Any] | None = timed(r, lambda: polars_read(args.csv))
    except ImportError:
        t_polars = None
    t_col = timed(r, lambda: mapping_only(args.csv, "columnar"))
    t_typed = timed(r, lambda: typed_only(args.csv))
    t_rows = timed(r, lambda: mapping_only(args.csv, "rows"))
    t_rep = timed(r, lambda: full_report(args.csv, "columnar"))
    t_rep_records = timed(r, lambda: records_report(args.csv))
    t_rep_rows = timed(1, lambda: full_report(args.csv, "rows"))
    t_pd = timed(r, lambda: pandas_sla(args.csv))
    rows, report = t_rep[2]
    assert rows == t_col[2] == t_typed[2] == t_rows[2] == t_rep_rows[2][0] == t_arrow[2]
    assert t_rep_records[2][1].to_json() == report.to_json()  # the same report either way
    n_inc, same, lines = agreement(report, t_pd[2], args.csv)
    counts = report.counts()
    acc = report.accounting.counts()

    def mib(pair: tuple[float, float | None]) -> str:
        return f"{pair[0]:.0f}" + (f" ({pair[1]:.0f})" if pair[1] is not None else "")

    def line(name: str, t: tuple[float, float, Any], base: float, stage: str | None) -> str:
        return (
            f"| {name} | {t[0]:.2f} | {t[1]:.2f} | {t[0] / base:.2f}× | "
            + (mib(rss[stage]) if stage else "—")
            + " |"
        )

    a1 = t_arrow[0]
    table = [
        "| stage | CPU s | wall s | ratio (CPU) | peak RSS alone (MiB) |",
        "|---|---:|---:|---:|---:|",
        f"| interpreter + `contract_rules.mapping` imported | — | — | — | {mib(rss['imports'])} |",
        line("`pyarrow.csv.read_csv`, one thread (**reader baseline**)", t_arrow, a1, "arrow"),
        line("`pyarrow.csv.read_csv`, its thread pool", t_arrow_mt, a1, None),
        *([line("`polars.read_csv`", t_polars, a1, None)] if t_polars else []),
        line("mapped reader, columnar (`read_csv_mapped`: records)", t_col, a1, "columnar"),
        line(
            "mapped reader, columnar, typed events (as `evaluate_export` reads)",
            t_typed,
            a1,
            "typed",
        ),
        line("mapped reader, row by row (`reader='rows'`)", t_rows, a1, "rows"),
    ]
    p = t_pd[0]
    table2 = [
        "| stage | CPU s | wall s | ratio to pandas (CPU) | peak RSS alone (MiB) |",
        "|---|---:|---:|---:|---:|",
        line("pandas script (**end-to-end baseline**)", t_pd, p, "pandas"),
        line("`evaluate_export`, columnar reader", t_rep, p, "report"),
        line(
            "the same with records validated one by one (typed events off)", t_rep_records, p, None
        ),
        line("`evaluate_export`, row reader (one run)", t_rep_rows, p, "report-rows"),
        line("of which the columnar reader alone (typed events)", t_typed, p, None),
    ]
    env = (
        f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, "
        f"{cpu_name()}, {os.cpu_count()} CPUs"
    )
    page = "\n".join(
        [
            "## ServiceNow incident log, CSV → report (`benchmarks/bench_servicenow.py`)",
            "",
            "Reproduce from the repository root (needs the UCI log in "
            "`../shared/data/uci-incident-log/`, and `pip install -e '.[dev,bench]'` for polars;"
            " a few minutes):",
            "",
            "```",
            ".venv/bin/python -m benchmarks.bench_servicenow   # --csv, --repeat, --no-write",
            "```",
            "",
            f"Input: `incident_event_log.csv`, {rows:,} rows, {size / 1e6:.1f} MB; ruleset "
            "`examples/servicenow/sla.yaml`, mapping `examples/servicenow/servicenow.mapping.yaml`"
            f", as of {AS_OF}. Output: {len(report.obligations):,} instances "
            f"({counts['fulfilled']:,} fulfilled, {counts['violated']:,} violated, "
            f"{counts['pending']:,} pending); "
            f"{acc['input']:,} events accounted ({acc['used']:,} used, {acc['ignored']:,} "
            f"ignored, {acc['rejected']:,} rejected rows).",
            "",
            f"Observed ({env}); best of {r} runs in one process (the row reader end to end: one "
            "run). CPU seconds are this process's (`time.process_time`): the machine is shared "
            "and its wall time swings by 2× with the other load. Each peak RSS is `ru_maxrss` "
            "of a fresh child process running that stage alone; in brackets its `VmHWM`.",
            "",
            "The mapped reader against reading the file:",
            "",
            *table,
            "",
            "End to end (read, map, validate, evaluate, report) against the analyst's pandas "
            "script (`benchmarks/pandas_servicenow.py`, the resolution SLA only):",
            "",
            *table2,
            "",
            f"Agreement on the resolution duty: {same:,} of {n_inc:,} incidents "
            f"({100 * same / n_inc:.2f} %); {len(lines)} disagreements:",
            "",
            *[f"- {x}" for x in lines],
            "",
        ]
    )
    print(page)
    if not args.no_write:
        OUT.write_text(page, encoding="utf-8")
        print(f"written to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
