"""Distributed evaluation (contract_rules.distributed) against one process, in one run.

Run from the repository root (the ``distributed`` extra installed; ``make install-dev`` has it)::

    .venv/bin/python -m benchmarks.bench_distributed                      # 1,000,000 events
    .venv/bin/python -m benchmarks.bench_distributed --events 10000000   # the issue's size
    .venv/bin/python -m benchmarks.bench_distributed --contracts 1000     # the full portfolio

Events: the Tacheng vocabulary with per-key shapes of a maintenance year (an on-site request,
each follow-up with a probability, causes for one incident in ten, loss claims for one in twenty,
a force majeure span every 50,000 incidents with its notice, a payment in parts), written in time
order to a JSONL file under ``benchmarks/.out/``.

1. One process: ``cr.evaluate(path)`` in a child process (its own peak RSS), timed, and the
   sha256 of ``to_json()``.
2. The cluster: a LocalCluster of ``--workers`` processes (one thread each), started before the
   clock starts; ``distributed.evaluate(path)`` timed, the sha256 of its ``to_json()``, the peak
   RSS of every worker and of the caller's process, and the CPU seconds every process spent
   (their sum against one process's CPU: the work the cluster adds, whatever else loads the
   machine). ``--repeat N`` runs steps 1 and 2 N times in turn; each line shows the load
   averages, since other work on the machine takes cores from both.
3. A portfolio of ``--contracts`` contracts × ``--contract-events`` events: a loop of
   ``cr.evaluate`` in one process against ``distributed.evaluate_portfolio`` on the same cluster.

The speed-up is the ratio of the two times measured in this run. Nothing here is a test: the
figures go to stdout (``docs/benchmarks.md`` records them).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / ".out"
RULES = ROOT / "rules" / "tacheng_2024.yaml"
TZ = ZoneInfo("Asia/Shanghai")
AS_OF = "2025-12-31T00:00:00+08:00"
FOLLOW_UPS = ("response", "onsite_arrival", "fixed", "service_confirmed")
CAUSES = ("power_failure", "other", "party_a_fault", "human_misoperation")


def events_of(incidents: int, seed: int, prefix: str = "INC") -> list[dict[str, Any]]:
    """About 4.4 events per incident of a maintenance year, in time order."""
    rnd = random.Random(seed)
    t0 = datetime(2024, 11, 18, tzinfo=TZ)
    span = 364 * 86400
    out: list[tuple[datetime, dict[str, Any]]] = []
    for i in range(incidents):
        start = t0 + timedelta(seconds=rnd.randrange(span))
        inc = f"{prefix}-{i:08d}"
        out.append((start, {"type": "onsite_request", "incident": inc}))
        for k, kind in enumerate(FOLLOW_UPS):
            if rnd.random() < 0.85:
                delay = rnd.randrange(60, 3600 * (3 + 6 * k)) * (k + 1)
                out.append((start + timedelta(seconds=delay), {"type": kind, "incident": inc}))
        if rnd.random() < 0.1:
            at = start + timedelta(hours=rnd.randrange(1, 72))
            cause = rnd.choice(CAUSES)
            out.append((at, {"type": "cause_determined", "incident": inc, "cause": cause}))
        if rnd.random() < 0.05:
            at = start + timedelta(days=rnd.randrange(1, 20))
            claim = {"type": "loss_claim", "incident": inc, "currency": "CNY"}
            out.append((at, {**claim, "amount": f"{rnd.randrange(100, 5000)}.00"}))
        if i % 50_000 == 0:
            ref = f"FM-{prefix}-{i}"
            fm = {"party": "B", "ref": ref}
            out.append((start, {"type": "force_majeure_start", **fm}))
            out.append((start + timedelta(days=2), {"type": "force_majeure_notice", **fm}))
            out.append((start + timedelta(days=3), {"type": "force_majeure_end", **fm}))
    for k in range(2):
        at = t0 + timedelta(days=200 + k)
        out.append((at, {"type": "payment", "amount": "26800.00", "currency": "CNY"}))
    out.sort(key=lambda x: x[0])
    return [{"id": f"{prefix}E{n:09d}", "at": at.isoformat(), **e} for n, (at, e) in enumerate(out)]


def write_events(path: Path, events: int, seed: int = 20241118) -> int:
    """Write about ``events`` events to ``path`` (in blocks of incidents); their number."""
    written = 0
    block = 200_000
    with path.open("w", encoding="utf-8") as fh:
        k = 0
        while written < events:
            incidents = max(1, min(block, (events - written) * 10 // 44))
            for e in events_of(incidents, seed + k, prefix=f"B{k:03d}"):
                fh.write(json.dumps(e, ensure_ascii=False) + "\n")
                written += 1
            k += 1
    return written


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB: VmHWM where Linux gives it (ru_maxrss would
    carry a parent's peak over into a child started from it), else ru_maxrss (KiB)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    """The CPU time this process has used (user and system, every thread)."""
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes): other work sharing the cores."""
    return "load " + "/".join(f"{x:.1f}" for x in os.getloadavg())


_SINGLE = """
import hashlib, json, sys, time
import contract_rules as cr
from benchmarks.bench_distributed import cpu_seconds, peak_rss_mb
compiled = cr.compile_ruleset(cr.load_ruleset(sys.argv[1]))
cpu = cpu_seconds()
t0 = time.perf_counter()
rep = cr.evaluate(compiled, sys.argv[2], sys.argv[3])
seconds = time.perf_counter() - t0
cpu = cpu_seconds() - cpu
digest = hashlib.sha256(rep.to_json().encode()).hexdigest()
print(json.dumps({"seconds": seconds, "cpu": cpu, "sha256": digest, "peak_mb": peak_rss_mb(),
                  "obligations": len(rep.obligations)}))
"""


def single(path: Path) -> dict[str, Any]:
    """``cr.evaluate(path)`` in a child process: seconds, report hash, peak RSS."""
    done = subprocess.run(
        [sys.executable, "-c", _SINGLE, str(RULES), str(path), AS_OF],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def clustered(client: Any, path: Path) -> dict[str, Any]:
    """``distributed.evaluate(path)`` on ``client``: seconds, hash, peak RSS per worker."""
    import contract_rules as cr
    from contract_rules import distributed

    compiled = cr.compile_ruleset(cr.load_ruleset(RULES))
    before = client.run(cpu_seconds)
    caller = cpu_seconds()
    t0 = time.perf_counter()
    rep = distributed.evaluate(compiled, path, as_of=AS_OF, client=client)
    seconds = time.perf_counter() - t0
    caller = cpu_seconds() - caller
    after = client.run(cpu_seconds)
    digest = hashlib.sha256(rep.to_json().encode()).hexdigest()
    workers = sorted(client.run(peak_rss_mb).values())
    return {
        "seconds": seconds,
        "sha256": digest,
        "worker_peak_mb": workers,  # ru_maxrss: each worker's lifetime peak, runs before included
        "caller_peak_mb": peak_rss_mb(),
        "worker_cpu": [after[w] - before[w] for w in sorted(after) if w in before],
        "caller_cpu": caller,
        "obligations": len(rep.obligations),
    }


def portfolio(client: Any, contracts: int, per_contract: int) -> dict[str, Any]:
    """A loop of ``cr.evaluate`` against ``evaluate_portfolio`` on the same contracts."""
    import contract_rules as cr
    from contract_rules import distributed

    compiled = cr.compile_ruleset(cr.load_ruleset(RULES))
    incidents = max(1, per_contract * 10 // 44)
    book = {
        f"C{k:05d}": (compiled, events_of(incidents, 7 + k, prefix=f"C{k}"))
        for k in range(contracts)
    }
    n = sum(len(evs) for _, evs in book.values())
    t0 = time.perf_counter()
    alone = {name: cr.evaluate(rs, evs, AS_OF) for name, (rs, evs) in book.items()}
    one = time.perf_counter() - t0
    t0 = time.perf_counter()
    got = distributed.evaluate_portfolio(book, as_of=AS_OF, client=client)
    many = time.perf_counter() - t0
    same = all(got.reports[k].to_json() == alone[k].to_json() for k in book)
    return {
        "contracts": contracts,
        "events": n,
        "one_process_s": one,
        "portfolio_s": many,
        "speedup": one / many,
        "events_per_s": n / many,
        "ms_per_contract_one": 1000 * one / contracts,
        "ms_per_contract_portfolio": 1000 * many / contracts,
        "reports_equal": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--contracts", type=int, default=200)
    parser.add_argument("--contract-events", type=int, default=1_000)
    parser.add_argument("--skip-portfolio", action="store_true")
    parser.add_argument(
        "--repeat", type=int, default=1, help="one process, then the cluster, N times"
    )
    args = parser.parse_args()
    from contract_rules import distributed

    OUT.mkdir(exist_ok=True)
    path = OUT / f"distributed_{args.events}.jsonl"
    if not path.exists():
        t0 = time.perf_counter()
        n = write_events(path, args.events)
        print(f"wrote {n:,} events to {path} in {time.perf_counter() - t0:.1f} s")
    n = sum(1 for _ in path.open("rb"))
    t0 = time.perf_counter()
    client = distributed.local_client(args.workers)
    print(f"cluster of {args.workers} workers started in {time.perf_counter() - t0:.1f} s")
    try:
        for k in range(1, args.repeat + 1):
            compare(client, path, n, args.workers, k)
        if not args.skip_portfolio:
            print(json.dumps(portfolio(client, args.contracts, args.contract_events), indent=1))
    finally:
        distributed._close(client)


def compare(client: Any, path: Path, n: int, workers: int, run: int) -> None:
    """One process, then the cluster, on ``path``: rates, the ratio, CPU and memory."""
    one = single(path)
    print(f"[{run}] one process: {n / one['seconds']:,.0f} events/s ({one['seconds']:.2f} s, "
          f"{one['cpu']:.2f} s CPU), peak {one['peak_mb']:.0f} MB, "
          f"{one['obligations']:,} instances; {load()}")  # fmt: skip
    many = clustered(client, path)
    cpu = sum(many["worker_cpu"]) + many["caller_cpu"]
    print(
        f"[{run}] {workers} workers: {n / many['seconds']:,.0f} events/s "
        f"({many['seconds']:.2f} s; CPU: workers "
        f"{', '.join(f'{c:.2f}' for c in many['worker_cpu'])} s, caller "
        f"{many['caller_cpu']:.2f} s, total {cpu:.2f} s = {cpu / one['cpu']:.2f}× one process's), "
        f"peak per worker {', '.join(f'{m:.0f}' for m in many['worker_peak_mb'])} MB, "
        f"caller {many['caller_peak_mb']:.0f} MB; {load()}"
    )
    print(f"[{run}] speed-up {one['seconds'] / many['seconds']:.2f}×; report sha256 equal: "
          f"{one['sha256'] == many['sha256']} ({many['sha256'][:16]}…)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
