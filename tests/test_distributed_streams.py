"""contract_rules.distributed on random streams (hypothesis): the report of cr.evaluate, byte
for byte, from three partitions on a LocalCluster of two worker processes.

The streams are drawn first and the cluster started afterwards. A Dask client runs a thread in
this process (heartbeats, retries) that calls the global ``random`` (jitter, back-off): drawn
while a client lives, the examples would see the global random state change under them, and
Hypothesis would warn that the strategy uses ``random``. So no cluster of this module exists
while Hypothesis draws, and the warning is an error here: it cannot come back unnoticed.
Drawing is derandomized (the same examples every run), so that a failure names a stream that
the next run draws again.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from _streams import AS_OF, cross_key_streams
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import HypothesisDeprecationWarning

import contract_rules as cr
from contract_rules import distributed
from contract_rules.engine import CompiledRuleset

pytest.importorskip("distributed")

EXAMPLES = 10


def _drawn() -> list[list[dict[str, Any]]]:
    """``EXAMPLES`` streams of :func:`cross_key_streams`, drawn with no cluster alive."""
    streams: list[list[dict[str, Any]]] = []

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cross_key_streams())
    def draw(events: list[dict[str, Any]]) -> None:
        streams.append(events)

    draw()
    return streams


@pytest.mark.filterwarnings(
    f"error::{HypothesisDeprecationWarning.__module__}.HypothesisDeprecationWarning"
)
def test_random_streams_across_keys(tacheng_compiled: CompiledRuleset) -> None:
    """Spans, claims past the annual cap, payments, duplicate and missing ids, identical events,
    bad records and events after as_of: the same report from three partitions."""
    streams = _drawn()
    assert len(streams) == EXAMPLES
    assert any(len(s) > 10 for s in streams)  # the draws reach beyond the smallest streams
    client = distributed.local_client(2)
    try:
        for events in streams:
            want = cr.evaluate(tacheng_compiled, events, as_of=AS_OF, strict=False)
            got = distributed.evaluate(
                tacheng_compiled, events, as_of=AS_OF, client=client, partitions=3, strict=False
            )
            assert got.to_json() == want.to_json(), json.dumps(events, indent=1)
            assert got.accounting.counts() == want.accounting.counts()
            assert list(got.accounting.used_indexes or ()) == list(
                want.accounting.used_indexes or ()
            )
            assert got == want
    finally:
        distributed._close(client)
