"""Running the command line inside a test: ``main(argv)`` with captured output."""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_rules.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """``main([...])`` on ``argv``; returns the exit code, stdout and stderr together."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err
