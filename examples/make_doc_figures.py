"""Write the figures of docs/notebook.md: the Tacheng year's dashboard and an incident window.

Run from the repository root: ``.venv/bin/python examples/make_doc_figures.py``.
"""

from __future__ import annotations

from pathlib import Path

import contract_rules as cr

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    """Evaluate the example year and save its dashboard and one timeline window under docs/."""
    ruleset = cr.load_ruleset(ROOT / "rules" / "tacheng_2024.yaml")
    report = cr.evaluate(
        ruleset,
        ROOT / "examples" / "tacheng_events_2025.jsonl",
        as_of="2025-12-31T00:00:00+08:00",
    )
    report.plot_dashboard().savefig(ROOT / "docs" / "dashboard_tacheng_2025.png", dpi=72)
    window = report.plot_timeline(start="2025-01-26", end="2025-02-10")
    window.savefig(ROOT / "docs" / "timeline_tacheng_2025_window.png", dpi=72)


if __name__ == "__main__":
    main()
