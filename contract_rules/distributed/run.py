"""The driver: the cluster, the stages submitted to it, the report."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from ..collector import collector_paused
from ..engine import CompiledRuleset, compile_ruleset
from ..errors import EventError
from ..evaluator import _as_of_instant
from ..model import Ruleset
from ..report import EventEntry, Report
from .chunks import _Chunk, _chunks
from .merge import _Decoder, _merge, _Run
from .partition import _evaluate_partition, _Partial
from .plan import Plan, plan_for
from .prepare import (
    _details,
    _everywhere,
    _Fixes,
    _piece,
    _prepare,
    _Prepared,
    _resolve,
    _Summary,
    _summary,
    _Twin,
)

if TYPE_CHECKING:
    from distributed import Client, Future


# =============================================================================== the driver


def local_client(workers: int | None = None) -> Client:
    """A client of a new local cluster of ``workers`` processes (default: one per core), one
    thread each; close it (and its cluster) with ``client.close()``."""
    from distributed import Client, LocalCluster

    cluster = LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=40,
    )
    client = Client(cluster)
    client._contract_rules_cluster = cluster
    return client


def _close(client: Client) -> None:
    cluster = getattr(client, "_contract_rules_cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


def evaluate(
    ruleset: Ruleset | CompiledRuleset,
    sources: Any,
    *,
    as_of: datetime | str | None,
    client: Client | None = None,
    partitions: int | None = None,
    strict: bool = True,
    naive_tz: str | tzinfo | None = None,
    on_progress: Callable[[int], None] | None = None,
    retries: int = 2,
) -> Report:
    """The report of :func:`contract_rules.evaluate` on ``sources``, computed on a Dask cluster.

    ``sources``: a path or glob (``.jsonl``, ``.json``, ``.csv``, ``.parquet``), a list of them
    (read one after another, positions counting on), a pandas or dask DataFrame, an
    :class:`Export` (a ticket export through its mapping), or an iterable of mappings.
    ``client``: a ``distributed.Client`` of any cluster; None starts a local cluster of
    processes for the call (:func:`local_client`). ``partitions``: how many ways events are cut
    by key (default: the cluster's threads). ``strict``, ``naive_tz`` as in
    :func:`contract_rules.evaluate`; ``on_progress(n)`` is called as chunks of input are read
    (n: events read so far). ``retries``: how often a task that failed is run again.

    ``to_json()`` of the result is byte-identical to that of ``contract_rules.evaluate`` on the
    same input (``used_indexes`` and every other part are equal too). In strict mode the
    EventError raised names the invalid record of lowest position (before any duplicate id).
    Streaming mode (``settle_after``, ``on_settled``) is not offered: settled instances would be
    handed on from many processes in no order.
    """
    compiled = ruleset if isinstance(ruleset, CompiledRuleset) else compile_ruleset(ruleset)
    t = _as_of_instant(as_of, compiled.tz)
    if partitions is not None and partitions < 1:
        raise ValueError(f"partitions must be 1 or more, got {partitions}")
    own = client is None
    active = local_client() if client is None else client
    try:
        return _run(
            active, compiled, sources, t, partitions, strict, naive_tz, on_progress, retries
        )
    finally:
        if own:
            _close(active)


@dataclass(frozen=True)
class _Call:
    """One evaluation on a cluster: the client, the ruleset (and its copy on the workers), the
    plan and the options every stage uses."""

    client: Client
    c: CompiledRuleset
    shared: Future[CompiledRuleset]
    plan: Plan
    parts_n: int
    t: datetime
    strict: bool
    naive_tz: str | tzinfo | None
    retries: int


def _run(
    client: Client,
    c: CompiledRuleset,
    sources: Any,
    t: datetime,
    partitions: int | None,
    strict: bool,
    naive_tz: str | tzinfo | None,
    on_progress: Callable[[int], None] | None,
    retries: int,
) -> Report:
    """The stages on ``client``: read the chunks, check ids across them, evaluate the
    partitions, merge (the package's text)."""
    plan = plan_for(c)
    threads = max(1, sum(client.nthreads().values()))
    parts_n = (partitions or threads) if plan.partitionable else 1
    chunks = _chunks(sources, 2 * max(parts_n, threads))
    # a key of its own (not the data's hash): another call's copy may be released meanwhile
    shared = client.scatter(c, broadcast=True, hash=False)
    call = _Call(client, c, shared, plan, parts_n, t, strict, naive_tz, retries)
    preps, done = _read(call, chunks, on_progress)
    offsets, rejected = _positions(call, done)
    fixes = _id_fixes(client, preps, done, offsets, parts_n)
    jobs, helpers = _submit_partitions(call, preps, offsets, fixes)
    with collector_paused():  # the results are unpickled as they arrive: millions of objects
        partials, runs = _collect(call, jobs)
        client.cancel([*preps, *jobs, *helpers])
        for part in partials:
            if part.error is not None:
                at, reason, event_id = part.error
                raise EventError(at, reason, event_id=event_id)
        return _merge(c, t, partials, runs, rejected)


def _read(
    call: _Call, chunks: list[_Chunk], on_progress: Callable[[int], None] | None
) -> tuple[list[Future[_Prepared]], list[_Summary]]:
    """Stage 1: one task per chunk reads, validates and cuts it (its events stay on its
    worker); the caller gets each chunk's summary, in input order, reporting progress as
    they come."""
    from distributed import as_completed

    client = call.client
    preps = [
        client.submit(
            _prepare,
            call.shared,
            call.plan,
            ch,
            call.parts_n,
            call.naive_tz,
            retries=call.retries,
            pure=False,
        )
        for ch in chunks
    ]
    summaries: list[_Summary | None] = [None] * len(preps)
    futures = [client.submit(_summary, f, pure=False) for f in preps]
    where = {f.key: k for k, f in enumerate(futures)}
    read = 0
    for fut in as_completed(futures):
        s: _Summary = fut.result()
        summaries[where[fut.key]] = s
        read += s.count
        if on_progress is not None:
            on_progress(read)
    client.cancel(futures)
    return preps, [s for s in summaries if s is not None]


def _positions(call: _Call, done: list[_Summary]) -> tuple[list[int], list[EventEntry]]:
    """Each chunk's first global position, and the records reading rejected at their global
    positions; in strict mode the EventError of the invalid record of lowest position."""
    offsets = [0]
    for s in done[:-1]:
        offsets.append(offsets[-1] + s.count)
    rejected = [
        replace(x, index=x.index + off)
        for off, s in zip(offsets, done, strict=True)
        for x in s.rejected
    ]
    if call.strict:
        errors = [
            (s.first_error[0] + off, s.first_error)
            for off, s in zip(offsets, done, strict=True)
            if s.first_error is not None
        ]
        if errors:
            _, (_, at, reason, event_id) = min(errors, key=lambda x: x[0])
            raise EventError(at, reason, event_id=event_id)
    return offsets, rejected


def _submit_partitions(
    call: _Call, preps: list[Future[_Prepared]], offsets: list[int], fixes: _Fixes
) -> tuple[list[Future[_Partial]], list[Future[Any]]]:
    """Stage 2: one task per partition, pulling its piece of every chunk and every chunk's
    broadcast events to its worker; the tasks, and the helper tasks that cut the pieces."""
    client = call.client
    parts_n = call.parts_n
    pieces = [[client.submit(_piece, f, p, pure=False) for p in range(parts_n)] for f in preps]
    every = [client.submit(_everywhere, f, pure=False) for f in preps]
    jobs = [
        client.submit(
            _evaluate_partition,
            call.shared,
            p,
            parts_n,
            call.t,
            call.strict,
            call.naive_tz,
            offsets,
            fixes,
            *[piece[p] for piece in pieces],
            *every,
            retries=call.retries,
            pure=False,
        )
        for p in range(parts_n)
    ]
    return jobs, [*every, *(f for piece in pieces for f in piece)]


def _collect(call: _Call, jobs: list[Future[_Partial]]) -> tuple[list[_Partial], list[_Run]]:
    """The partitions' results in partition order, each one's instances decoded into
    obligations as soon as it arrives (while the others still run)."""
    from distributed import as_completed

    decoder = _Decoder(call.c)
    where = {f.key: p for p, f in enumerate(jobs)}
    partials: list[_Partial | None] = [None] * len(jobs)
    runs: list[_Run] = [([], [])] * len(jobs)
    for fut in as_completed(jobs):
        part: _Partial = fut.result()
        p = where[fut.key]
        partials[p] = part
        runs[p] = decoder.decode(part)
        fut.release()
    return [part for part in partials if part is not None], runs


def _id_fixes(
    client: Client,
    preps: list[Future[_Prepared]],
    done: list[_Summary],
    offsets: list[int],
    parts_n: int,
) -> _Fixes:
    """The ids that occur more than once in the whole input, looked at together (``_resolve``)."""
    import numpy as np

    arrays = [np.frombuffer(s.id_hashes, dtype=np.int64) for s in done if s.id_hashes]
    if not arrays:
        return _Fixes()
    hashes = np.concatenate(arrays)
    values, counts = np.unique(hashes, return_counts=True)
    wanted = frozenset(int(v) for v in values[counts > 1])
    if not wanted:
        return _Fixes()
    found = client.gather([client.submit(_details, f, wanted, pure=False) for f in preps])
    twins: list[_Twin] = []
    for k, lst in enumerate(found):
        for twin in lst:
            twin.chunk = k
            twins.append(twin)
    return _resolve(twins, offsets, parts_n)
