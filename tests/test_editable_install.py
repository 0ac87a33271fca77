"""A user's script outside the repository type-checks against the installed package.

The development install (``make install-dev``) is an editable install in setuptools' ``compat``
mode: a plain path in ``site-packages`` that mypy follows. The default mode installs an import
hook that only a running interpreter follows, and ``mypy --strict`` on a user's script then
reports ``contract_rules`` as missing.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """\
from __future__ import annotations

import contract_rules as cr
from contract_rules.report import Report


def breaches(rules: str, events: str) -> int:
    report: Report = cr.evaluate(cr.load_ruleset(rules), events, as_of="2025-12-31T00:00:00+08:00")
    return len(report.breaches)
"""


def test_mypy_strict_finds_the_package_from_a_script_elsewhere(tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    script = tmp_path / "user_script.py"
    script.write_text(SCRIPT, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(script)],
        cwd=tmp_path,  # outside the repository: the package is found only through the install
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert not (tmp_path / "contract_rules").exists()
