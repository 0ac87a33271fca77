"""The example notebook runs top to bottom, and the core never loads the notebook extras.

``examples/tacheng_2025.ipynb`` is stored without outputs and executed here (through nbclient,
with the ``python3`` kernel of ipykernel installed in the same environment as the tests), from
its own directory, as Jupyter would run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "tacheng_2025.ipynb"


def test_notebook_is_stored_without_outputs() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code
    for cell in code:
        assert cell.outputs == [], cell.source[:60]
        assert cell.execution_count is None
    assert nb.metadata.kernelspec.name == "python3"


@pytest.fixture(scope="module")
def executed() -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(
        nb,
        kernel_name="python3",
        timeout=600,
        startup_timeout=120,
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    # Jupyter's own default backend, whatever MPLBACKEND the test run has (CI images set Agg,
    # which a kernel would inherit and then show figures as text only).
    env = {**os.environ, "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    client.execute(env=env)
    return nb


def outputs_of(nb: nbformat.NotebookNode, needle: str) -> list[nbformat.NotebookNode]:
    """The outputs of the one code cell whose source contains ``needle``."""
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    return list(cell.outputs)


def data(outputs: list[nbformat.NotebookNode], mime: str) -> list[str]:
    return [o["data"][mime] for o in outputs if mime in o.get("data", {})]


def test_notebook_runs_without_errors(executed: nbformat.NotebookNode) -> None:
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert all(o.output_type != "error" for o in cell.outputs)
            assert cell.execution_count is not None


def test_notebook_shows_the_ruleset_and_the_report(executed: nbformat.NotebookNode) -> None:
    (ruleset_view,) = data(outputs_of(executed, "ruleset = cr.load_ruleset"), "text/html")
    assert 'class="contract-rules-ruleset"' in ruleset_view and "onsite.response" in ruleset_view
    (report_view,) = data(outputs_of(executed, "report = cr.evaluate"), "text/html")
    assert 'class="contract-rules-report"' in report_view
    for key in ("INC-005", "INC-013", "INC-022", "INC-032", "INC-038", "INC-043"):
        assert key in report_view


def test_notebook_figures_are_shown_once(executed: nbformat.NotebookNode) -> None:
    timeline = outputs_of(executed, 'report.plot_timeline(rules="onsite.response"')
    assert len(data(timeline, "image/png")) == 1
    assert len(data(outputs_of(executed, "money_as_float(liability)"), "image/png")) == 1
    assert len(data(outputs_of(executed, "what_if.plot_timeline"), "image/png")) == 1
    assert len(data(outputs_of(executed, 'attainment(by="month")'), "image/png")) == 1


def test_notebook_what_if_changes_breaches(executed: nbformat.NotebookNode) -> None:
    (text,) = [
        o["text"]
        for o in outputs_of(executed, "what_if = cr.evaluate")
        if o.output_type == "stream"
    ]
    assert text.startswith("breaches: 7 under 2 h, ")
    assert int(text.split(", ")[1].split()[0]) > 7


# ------------------------------------------------------------------ optional extras stay optional

ISOLATION = textwrap.dedent(
    """
    import json, sys
    import contract_rules as cr
    ruleset = cr.load_ruleset(sys.argv[1])
    report = cr.evaluate(ruleset, sys.argv[2], as_of="2025-12-31T00:00:00+08:00")
    report.to_json(); report.counts(); report.explain("onsite.response", "INC-005")
    html = report._repr_html_() + ruleset._repr_html_()
    import contract_rules.notebook  # the module itself imports neither extra
    heavy = sorted(
        m for m in sys.modules if m.split(".")[0] in ("pandas", "matplotlib")
    )
    print(json.dumps({"heavy": heavy, "breaches": len(report.breaches), "html": len(html)}))
    """
)


def test_evaluate_imports_neither_pandas_nor_matplotlib() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            ISOLATION,
            str(ROOT / "rules" / "tacheng_2024.yaml"),
            str(ROOT / "examples" / "tacheng_events_2025.jsonl"),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    result = json.loads(done.stdout)
    assert result["heavy"] == []
    assert result["breaches"] == 7 and result["html"] > 0
