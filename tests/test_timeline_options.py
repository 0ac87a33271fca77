"""``plot_timeline`` takes ``timeline_data``'s options, typed once (``TimelineOptions``): the
typed dict names exactly the keyword options of the pure step, and an unknown option is a
TypeError as it was when the figure wrote the options out."""

from __future__ import annotations

import inspect

import pytest

import contract_rules as cr
from contract_rules.timeline import TimelineOptions, plot_timeline, timeline_data


def test_the_options_are_the_keyword_options_of_timeline_data() -> None:
    params = inspect.signature(timeline_data).parameters.values()
    keywords = {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert set(TimelineOptions.__annotations__) == keywords
    assert keywords == {"rules", "keys", "start", "end", "max_rows", "lang"}


def test_an_unknown_option_is_a_type_error(tacheng_report: cr.Report) -> None:
    pytest.importorskip("matplotlib")
    with pytest.raises(TypeError, match="rule"):
        plot_timeline(tacheng_report, rule="onsite.response")  # type: ignore[call-arg]
