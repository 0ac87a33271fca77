"""contract_rules.distributed: the report of cr.evaluate, byte for byte, from a LocalCluster of
two worker processes (one cluster for the module); the plan that cuts events by key; a worker
killed mid-run; many contracts at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import contract_rules as cr
from contract_rules import distributed
from contract_rules.distributed import chunks
from contract_rules.engine import CompiledRuleset, compile_ruleset
from contract_rules.errors import EventError
from contract_rules.events import read_records
from contract_rules.report import Report

ROOT = Path(__file__).resolve().parents[1]
TACHENG_EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
YEAR_END = "2025-12-31T00:00:00+08:00"
SERVICENOW = ROOT / "examples" / "servicenow"
UCI_LOG = ROOT.parents[1] / "shared" / "data" / "uci-incident-log" / "incident_event_log.csv"

distributed_pkg = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """A LocalCluster of two worker processes, one thread each, shared by the module."""
    c = distributed.local_client(2)
    try:
        yield c
    finally:
        distributed._close(c)


def _same(want: Report, got: Report) -> None:
    assert got.to_json() == want.to_json()
    assert got.accounting.counts() == want.accounting.counts()
    assert list(got.accounting.used_indexes or ()) == list(want.accounting.used_indexes or ())
    assert got == want


@pytest.mark.parametrize("partitions", [2, 3])
def test_the_tacheng_year_byte_identical(
    client: Any, tacheng_compiled: CompiledRuleset, tacheng_report: Report, partitions: int
) -> None:
    got = distributed.evaluate(
        tacheng_compiled, TACHENG_EVENTS, as_of=YEAR_END, client=client, partitions=partitions
    )
    _same(tacheng_report, got)


def test_the_tacheng_year_from_a_dataframe_and_a_parquet_file(
    client: Any, tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    records = [json.loads(line) for line in TACHENG_EVENTS.read_text("utf-8").splitlines()]
    frame = pd.DataFrame(records)
    want = cr.evaluate(tacheng_compiled, frame, as_of=YEAR_END)
    _same(want, distributed.evaluate(tacheng_compiled, frame, as_of=YEAR_END, client=client))
    dd = pytest.importorskip("dask.dataframe")
    lazy = dd.from_pandas(frame, npartitions=3)
    _same(want, distributed.evaluate(tacheng_compiled, lazy, as_of=YEAR_END, client=client))
    path = tmp_path / "events.parquet"
    frame.to_parquet(path)
    want = cr.evaluate(tacheng_compiled, path, as_of=YEAR_END)
    _same(want, distributed.evaluate(tacheng_compiled, path, as_of=YEAR_END, client=client))


def test_it_support_sla_scenarios_as_one_stream(client: Any, tmp_path: Path) -> None:
    """Every scenario of the IT support SLA in one stream (pauses per ticket, force majeure,
    credits capped per month across tickets); duplicate ids across scenarios are rejected."""
    rs = cr.load_ruleset(ROOT / "examples" / "it_support_sla.yaml")
    events = [dict(e) for sc in rs.scenarios for e in sc.events]
    as_of = max(sc.as_of for sc in rs.scenarios)
    path = tmp_path / "it.jsonl"
    path.write_text("".join(json.dumps(e, default=str) + "\n" for e in events), "utf-8")
    compiled = compile_ruleset(rs)
    assert distributed.plan_for(compiled).partitionable
    want = cr.evaluate(compiled, path, as_of=as_of, strict=False)
    assert want.liability.lines and want.accounting.counts()["used"] > 20
    got = distributed.evaluate(compiled, path, as_of=as_of, client=client, strict=False)
    _same(want, got)


@pytest.mark.parametrize("kept", [True, False])
def test_the_sale_of_goods_scenarios_with_powers(client: Any, tmp_path: Path, kept: bool) -> None:
    """Each scenario of the sale of goods (duties arising from others, suspension, termination
    by a power): the histories, the discharges and the contract's states of one process. A
    terminating power ends the contract for every key, so such a ruleset runs as one partition;
    without it the ruleset is cut by order."""
    rs = cr.load_ruleset(ROOT / "examples" / "sale_of_goods.yaml")
    if not kept:
        # (a power that suspends, and a duty that resumes, act on every key too)
        kept_norms = [n for n in rs.norms if n.effect not in ("terminate", "suspend", "resume")]
        rs = rs.model_copy(update={"norms": kept_norms})
    compiled = compile_ruleset(rs)
    plan = distributed.plan_for(compiled)
    assert plan.partitionable is not kept
    terminated = 0
    for k, sc in enumerate(rs.scenarios):
        path = tmp_path / f"sale{k}.jsonl"
        path.write_text("".join(json.dumps(e, default=str) + "\n" for e in sc.events), "utf-8")
        want = cr.evaluate(compiled, path, as_of=sc.as_of, strict=False)
        got = distributed.evaluate(
            compiled, path, as_of=sc.as_of, client=client, strict=False, partitions=2
        )
        _same(want, got)
        assert [o.history for o in got.obligations] == [o.history for o in want.obligations]
        terminated += any(s.event is not None for s in want.contract_states)
    assert (terminated > 0) is kept  # a termination by a power was among the scenarios


def test_ids_are_checked_across_chunks(
    client: Any, tacheng_compiled: CompiledRuleset, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of one event: duplicates and identical events without an id meet only in the
    check across chunks (the later in time is the duplicate; digests numbered in input order)."""
    monkeypatch.setattr(chunks, "CHUNK_EVENTS", 1)
    events = [
        {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I-1", "id": "X"},
        {"type": "onsite_request", "at": "2025-03-02T10:00:00+08:00", "incident": "I-2", "id": "X"},
        {"type": "payment", "at": "2025-03-04T10:00:00+08:00", "amount": "10", "currency": "CNY"},
        {"type": "payment", "at": "2025-03-04T10:00:00+08:00", "amount": "10", "currency": "CNY"},
        {"type": "response", "at": "2025-03-03T10:30:00+08:00", "incident": "I-1"},
        {"type": "response", "at": "2025-03-03T10:30:00+08:00", "incident": "I-1"},
    ]  # fmt: skip
    want = cr.evaluate(tacheng_compiled, events, as_of=YEAR_END, strict=False)
    assert len(want.accounting.rejected) == 1
    got = distributed.evaluate(
        tacheng_compiled, events, as_of=YEAR_END, client=client, partitions=2, strict=False
    )
    _same(want, got)
    with pytest.raises(EventError, match="event #1: duplicate event id 'X'"):
        distributed.evaluate(tacheng_compiled, events, as_of=YEAR_END, client=client)


def test_strict_names_the_first_invalid_event(
    client: Any, tacheng_compiled: CompiledRuleset
) -> None:
    events = [
        {"type": "onsite_request", "at": "2025-03-03T10:00:00+08:00", "incident": "I-1"},
        {"type": "onsite_request", "at": "2025-03-03T10:00:00", "incident": "I-2"},
        {"type": "onsite_request", "at": "2025-03-03T11:00:00+08:00"},
    ]
    with pytest.raises(EventError, match="event #2: naive timestamp") as caught:
        distributed.evaluate(tacheng_compiled, events, as_of=YEAR_END, client=client)
    with pytest.raises(EventError) as single:
        cr.evaluate(tacheng_compiled, events, as_of=YEAR_END)
    assert str(caught.value) == str(single.value)


@pytest.mark.skipif(not UCI_LOG.is_file(), reason="the UCI incident log is not on this machine")
def test_the_servicenow_log_through_its_mapping(client: Any, tmp_path: Path) -> None:
    """The first 25,000 updates of the UCI ServiceNow log (the whole log: the benchmark)."""
    from contract_rules.mapping import evaluate_export

    log = tmp_path / "incident_event_log.csv"
    with UCI_LOG.open(encoding="utf-8") as src, log.open("w", encoding="utf-8") as dst:
        dst.writelines(line for _, line in zip(range(25_001), src, strict=False))
    rs = compile_ruleset(cr.load_ruleset(SERVICENOW / "sla.yaml"))
    mapping = SERVICENOW / "servicenow.mapping.yaml"
    as_of = "2017-03-01T00:00:00+00:00"
    want = evaluate_export(rs, log, mapping, as_of)
    got = distributed.evaluate(
        rs, distributed.Export(log, mapping), as_of=as_of, client=client, strict=False
    )
    assert len(want.obligations) > 5_000
    _same(want, got)


def test_a_worker_killed_mid_run_changes_nothing(
    client: Any, tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    """One worker process is killed while the evaluation runs: Dask runs its tasks again on the
    worker that replaces it, and the report is the one of a single process."""
    path = tmp_path / "many.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for k in range(10_000):
            at = f"2025-0{1 + k % 9}-{1 + k % 27:02d}T{k % 24:02d}:{k % 60:02d}:00+08:00"
            fh.write(json.dumps({"type": "onsite_request", "at": at, "incident": f"I-{k}"}) + "\n")
            fh.write(json.dumps({"type": "response", "at": at, "incident": f"I-{k}"}) + "\n")
    want = cr.evaluate(tacheng_compiled, path, as_of=YEAR_END)
    pids = list(client.run(os.getpid).values())
    result: dict[str, Any] = {}

    def run() -> None:
        result["report"] = distributed.evaluate(
            tacheng_compiled, path, as_of=YEAR_END, client=client, partitions=2
        )

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not any(client.processing().values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert thread.is_alive(), "the evaluation ended before a worker could be killed"
    os.kill(pids[0], signal.SIGKILL)
    thread.join(300)
    client.wait_for_workers(2, timeout=120)
    _same(want, result["report"])


def test_a_ruleset_that_cannot_be_cut_by_key_runs_as_one_partition(
    client: Any, tacheng_ruleset: cr.Ruleset
) -> None:
    data = tacheng_ruleset.model_dump(by_alias=True, exclude_unset=True)
    norm = next(n for n in data["norms"] if n["id"] == "confidentiality.return")
    norm["key"] = "party"  # keyed by party, while its request is routed by ref elsewhere
    rs = cr.Ruleset.model_validate(data)
    compiled = compile_ruleset(rs)
    plan = distributed.plan_for(compiled)
    assert not plan.partitionable
    assert "confidentiality.return" in (plan.reason or "")
    events = [json.loads(line) for line in TACHENG_EVENTS.read_text("utf-8").splitlines()]
    want = cr.evaluate(compiled, events, as_of=YEAR_END)
    _same(want, distributed.evaluate(compiled, events, as_of=YEAR_END, client=client))


def test_a_portfolio_of_contracts(client: Any, tacheng_compiled: CompiledRuleset) -> None:
    events = [json.loads(line) for line in TACHENG_EVENTS.read_text("utf-8").splitlines()]
    contracts = {f"C{k}": (tacheng_compiled, events[: 40 * (k + 1)]) for k in range(5)}
    got = distributed.evaluate_portfolio(contracts, as_of=YEAR_END, client=client, batch=2)
    assert list(got.reports) == list(contracts)
    for name, (rs, evs) in contracts.items():
        assert got.reports[name].to_json() == cr.evaluate(rs, evs, YEAR_END).to_json()
    row = got.summary.set_index("contract").loc["C4"]
    rep = got.reports["C4"]
    assert row["events"] == 200
    assert row["violated"] == rep.counts()["violated"]
    assert row["breaches"] == len(rep.breaches)
    assert row["liability"] == rep.liability.payable


def test_jsonl_chunks_read_what_one_reader_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Byte ranges cut at line starts give the records, positions and lines of the whole file:
    a byte order mark, blank lines, bad JSON and bytes that are not UTF-8 included."""
    path = tmp_path / "odd.jsonl"
    lines = [b'\xef\xbb\xbf{"type": "a"}', b"", b"  ", b"{bad", b'{"x": "\xff"}', b"[1, 2]"]
    lines += [b'{"k": %d}' % k for k in range(300)] + [b"", b'{"last": true}']
    path.write_bytes(b"\n".join(lines) + b"\n")
    whole = [(i, w, getattr(d, "reason", d)) for i, w, d in read_records(path)]
    assert sum(1 for *_, d in whole if isinstance(d, str)) == 2  # the bad lines are there
    monkeypatch.setattr(chunks, "MIN_CHUNK_BYTES", 16)
    for target in (1, 3, 7, 50):
        cut = chunks._jsonl_chunks(path, target)
        assert len(cut) == target
        got: list[tuple[int, str, Any]] = []
        for ch in cut:
            records = list(chunks._read_chunk(ch))
            got += [(len(got) + i, w, getattr(d, "reason", d)) for i, w, d in records]
        assert got == whole


def test_importing_the_package_and_check_do_not_import_dask() -> None:
    code = (
        "import sys, contract_rules\n"
        "from contract_rules.cli import main\n"
        f"main(['check', {str(ROOT / 'rules' / 'tacheng_2024.yaml')!r}])\n"
        "bad = [m for m in ('dask', 'distributed', 'pyarrow') if m in sys.modules]\n"
        "print('imported:', bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_merge_takes_every_other_part_of_the_report_from_partition_0(
    tacheng_compiled: CompiledRuleset,
) -> None:
    """The partitions run in this process (no cluster): whatever the merge does not put together
    comes from partition 0's report as it is, so that a new part of the report computed from
    broadcast events (which every partition sees whole) needs no change in the merge."""
    from dataclasses import replace

    from contract_rules.distributed import merge, partition, plan, prepare
    from contract_rules.evaluator import _as_of_instant

    c = tacheng_compiled
    t = _as_of_instant(YEAR_END, c.tz)
    cuts = chunks._chunks(TACHENG_EVENTS, 2)
    preps = [prepare._prepare(c, plan.plan_for(c), ch, 2, None) for ch in cuts]
    offsets = [0]
    for prep in preps[:-1]:
        offsets.append(offsets[-1] + prep.count)
    partials = [
        partition._partition_result(
            c,
            p,
            2,
            t,
            True,
            None,
            offsets,
            prepare._Fixes(),
            *[prepare._Batch(prep.pieces[p]) for prep in preps],
            *[prepare._Batch(prep.everywhere) for prep in preps],
        )
        for p in range(2)
    ]
    assert partials[0].base is not None and partials[1].base is None
    decoder = merge._Decoder(c)
    runs = [decoder.decode(part) for part in partials]
    want = cr.evaluate(c, TACHENG_EVENTS, as_of=YEAR_END)
    assert merge._merge(c, t, partials, runs, []).to_json() == want.to_json()
    partials[0].base = replace(partials[0].base, contract_title_en="from partition 0")
    got = merge._merge(c, t, partials, runs, [])
    assert got.contract_title_en == "from partition 0"
    assert got.obligations == want.obligations
