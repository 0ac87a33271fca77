"""Notebook views of rulesets and reports: attainment, a timeline figure, a ruleset summary.

pandas and matplotlib are optional extras (from a clone: ``pip install -e '.[notebook]'``): this
module imports neither at import time, only inside the function that needs it, so ``import
contract_rules`` and :func:`contract_rules.evaluate` never load them.

- :func:`attainment` — per month, tier or rule: how many binding instances were met, violated,
  excused or pending, and the share met (a pandas DataFrame). :func:`attainment_rows` gives the
  same numbers without pandas.
- :func:`plot_timeline` — instances along a time axis, one row each, with request, due and
  fulfilment marks, coloured by status, the calendar's non-working days shaded (a matplotlib
  Figure).
- :func:`ruleset_html` — a readable HTML summary of a ruleset (parties, term, calendar, norms
  with clause numbers, remedies), used by ``Ruleset._repr_html_``.

Every view has Chinese and English labels (``lang="zh"`` or ``"en"``).

The public entry of the notebook views; each lives in a module named for what it holds:
:mod:`~contract_rules.attainment`, :mod:`~contract_rules.timeline` (with
:mod:`~contract_rules.figures`, what the figures share), :mod:`~contract_rules.ruleset_view`
and :mod:`~contract_rules.view_labels`. Every name is importable from here as before.
"""

from __future__ import annotations

from .attainment import ATTAINMENT_COLUMNS as ATTAINMENT_COLUMNS
from .attainment import NO_TIER as NO_TIER
from .attainment import AttainmentBy as AttainmentBy
from .attainment import AttainmentRow as AttainmentRow
from .attainment import attainment as attainment
from .attainment import attainment_rows as attainment_rows
from .figures import NON_WORKING_COLOUR as NON_WORKING_COLOUR
from .figures import OFF_HOURS_COLOUR as OFF_HOURS_COLOUR
from .figures import STATUS_COLOURS as STATUS_COLOURS
from .ruleset_view import ruleset_html as ruleset_html
from .timeline import DEFAULT_MAX_ROWS as DEFAULT_MAX_ROWS
from .timeline import GID_DUE as GID_DUE
from .timeline import GID_FULFILMENT as GID_FULFILMENT
from .timeline import GID_NON_WORKING as GID_NON_WORKING
from .timeline import GID_OFF_HOURS as GID_OFF_HOURS
from .timeline import GID_REQUEST as GID_REQUEST
from .timeline import MAX_NIGHT_DAYS as MAX_NIGHT_DAYS
from .timeline import MAX_SHADED_DAYS as MAX_SHADED_DAYS
from .timeline import Timeline as Timeline
from .timeline import TimelineRow as TimelineRow
from .timeline import plot_timeline as plot_timeline
from .timeline import timeline_data as timeline_data
from .view_labels import LABELS as LABELS
