"""The report of an evaluation: every duty's fate, the breaches, remedies and event accounting.

A :class:`Report` is an immutable value. ``to_json()`` is byte-identical for equal input in any
process; ``to_pandas()`` imports pandas only when called.

Every name is importable from here. The package's rooms, each importing only those below it
(the ``report`` contract in ``pyproject.toml``):

- :mod:`.core`: :class:`Report` itself, its verdict and JSON, the methods that hand it to views;
- :mod:`.liability`: the money (:class:`RemedyItem`, :class:`RemedyLine`, :class:`Liability`);
- :mod:`.accounting`: what became of every input event (:class:`EventEntry`,
  :class:`Accounting`);
- :mod:`.measure`: a measure in one period (:class:`MeasurePeriod`) and the text of durations;
- :mod:`.obligation`: one instance of a norm (:class:`Obligation`) and the report's order;
- :mod:`.history`: an instance's state history (:func:`history_of`);
- :mod:`.records`: the statuses and the small records (:class:`StateChange`,
  :class:`CauseLink`, :class:`Life`, :class:`NormInfo`).
"""

from __future__ import annotations

from ..text import iso as iso  # public here, as before
from ..text import money as money  # public here, as before
from .accounting import Accounting, Disposition, EventEntry
from .core import REPORT_FORMAT, Report
from .history import history_of
from .liability import Liability, PayerCurrency, RemedyItem, RemedyLine
from .measure import MeasurePeriod, hours, seconds
from .obligation import Obligation, order_key, sorted_obligations
from .records import (
    ALL_STATUSES,
    LIFECYCLE_STATUSES,
    STATUSES,
    CauseLink,
    Life,
    NormInfo,
    StateChange,
)

__all__ = [
    "ALL_STATUSES",
    "LIFECYCLE_STATUSES",
    "REPORT_FORMAT",
    "STATUSES",
    "Accounting",
    "CauseLink",
    "Disposition",
    "EventEntry",
    "Liability",
    "Life",
    "MeasurePeriod",
    "NormInfo",
    "Obligation",
    "PayerCurrency",
    "RemedyItem",
    "RemedyLine",
    "Report",
    "StateChange",
    "history_of",
    "hours",
    "iso",
    "money",
    "order_key",
    "seconds",
    "sorted_obligations",
]
