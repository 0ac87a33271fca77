"""Evaluation on a Dask cluster: the report of :func:`contract_rules.evaluate`, byte for byte,
from many processes or machines.

::

    from contract_rules import distributed
    report = distributed.evaluate(ruleset, "logs/*.jsonl", as_of="2025-12-31T00:00:00+08:00")

How it works (``docs/scaling.md`` has the figures):

1. **Plan** (:func:`plan_for`, once per ruleset). Every event type is routed by the field that
   names the instances it touches — the key of the norms it triggers, answers (when the
   response matches on the key) or gives causes for, the key of a clock-pause span — or
   *broadcast* to every partition when it touches what every key needs: a keyless norm (the
   payment, the renewal inquiry), a span that excuses (force majeure), a span without a key.
   Claims read no state: they are collected and the remedies computed once, after the merge. A
   ruleset that names one event type's instances by two fields (or matches responses on a field
   that is not the key) cannot be cut by key: it is evaluated as one partition (the plan says
   why), still on the cluster.
2. **Read and validate** (one task per chunk of input: a byte range of a JSONL file, a slice of
   a DataFrame or of records, a Parquet file). Each valid event goes to the partition of its
   routing value (crc32 of its text, modulo the partitions); a broadcast event to all, owned by
   one. Ids are checked across chunks: events that share an id (or, without one, a content
   digest) are looked at together, so that the later one in time is rejected as a duplicate and
   identical events are numbered ``~…-2`` in input order, as in one process.
3. **Evaluate** (one task per partition): the partition's events in time order (ties: input
   position), through the engine's own :class:`~contract_rules.evaluator.Evaluator`. A
   partition keeps the instances of its keys (keyless instances: partition 0) and the
   accounting, claims and out-of-term notes of the events it owns.
4. **Merge** (the caller's process): obligations in the report's order (trigger instant, norm,
   key, nth), accounting by input position, notes by event order, calendar assumptions over the
   years every partition used, and the remedies (caps per period across keys) over the merged
   obligations and all claims.

Each instance is computed by one partition only; every event is accounted for once. Tasks are
pure functions of their inputs: a worker that dies is replaced and its tasks run again by Dask,
with the same result. Dask and its dependencies are imported only here, on use (the
``distributed`` extra).

The package's modules, one per stage (``docs/architecture.md``): :mod:`.plan`, :mod:`.chunks`,
:mod:`.prepare` (step 2), :mod:`.partition` (step 3), :mod:`.merge` (step 4), :mod:`.run` (the
driver) and :mod:`.portfolio`.
"""

from __future__ import annotations

__all__ = [
    "Export",
    "Plan",
    "Portfolio",
    "evaluate",
    "evaluate_portfolio",
    "local_client",
    "plan_for",
]


from .chunks import Export
from .plan import Plan, plan_for
from .portfolio import Portfolio, evaluate_portfolio
from .run import _close as _close
from .run import evaluate, local_client
