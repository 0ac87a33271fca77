"""What the notebook's figures share: status colours, a new figure (pyplot inside IPython,
else plain Agg), the CJK font for Chinese labels and the calendar a report's figure shades.

matplotlib is imported inside the functions only.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING

from .calendar import BusinessCalendar, build_calendar
from .model import Ruleset
from .report import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure


#: Colours of the statuses in figures (bars and request marks).
STATUS_COLOURS: dict[str, str] = {
    "pending": "#4c78a8",
    "fulfilled": "#54a24b",
    "violated": "#e45756",
    "excused": "#9d9d9d",
    "discharged": "#c2b280",
    "expired": "#b39ddb",
}


NON_WORKING_COLOUR = "#e6e6e6"


#: Nights and the other hours outside the working windows of a working day (short windows only).
OFF_HOURS_COLOUR = "#f3f3f3"


def _plt_needed() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "matplotlib is needed for figures: pip install -e '.[notebook]' from a clone"
        ) from exc


def _in_ipython() -> bool:
    """True inside an IPython shell or Jupyter kernel (pyplot's inline backend is then used)."""
    ipython = sys.modules.get("IPython")
    get = getattr(ipython, "get_ipython", None)
    return get is not None and get() is not None


def _new_figure(width: float, height: float) -> Figure:
    """A new figure: through pyplot inside IPython (detached so that it is shown once, as the
    returned value); elsewhere a plain Agg figure, without pyplot or any global backend change."""
    if _in_ipython():
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(width, height), layout="constrained")
        plt.close(fig)
        return fig
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


_CJK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Hiragino Sans GB",
    "Arial Unicode MS",
    "Droid Sans Fallback",
    "AR PL UMing CN",
)


def _cjk_font() -> str | None:
    """The name of an installed font with Chinese glyphs, or None."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    return next((n for n in _CJK_FONTS if n in names), None)


def _calendar_for(report: Report, calendar: BusinessCalendar | Ruleset | None) -> BusinessCalendar:
    if calendar is None:
        if report.ruleset is None:
            raise ValueError(
                "this report carries no ruleset: pass calendar= (a BusinessCalendar or the Ruleset)"
            )
        return build_calendar(report.ruleset)
    if isinstance(calendar, Ruleset):
        return build_calendar(calendar)
    return calendar


def _figure_lang(lang: str, what: str) -> tuple[str, str | None]:
    """The labels' language and the CJK font for ``zh``; English, with a warning, when no
    installed font has Chinese glyphs."""
    if lang != "zh":
        return lang, None
    font = _cjk_font()
    if font is None:
        warnings.warn(
            f"no installed font has Chinese glyphs: the {what} uses English labels "
            "(install one, e.g. Debian's fonts-noto-cjk: see docs/notebook.md)",
            stacklevel=4,  # the caller of the plotting function (through its data step)
        )
        return "en", None
    return lang, font
