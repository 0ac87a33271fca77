"""What every command shares: exit codes, the :class:`Command` row, :class:`CliError`, output and
the small formatting helpers of the check and test reports."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2
PROG = "contract-rules"
EXIT_CODES_HELP = "exit codes: 0 ok, 1 findings or failures, 2 usage or I/O error"


@dataclass(frozen=True)
class Command:
    """A subcommand: ``configure`` adds its options, ``run`` does the work and returns the code."""

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _out() -> TextIO:
    return sys.stdout


def _err(message: str) -> None:
    """One diagnostic line on stderr, prefixed with the program name."""
    print(f"{PROG}: {message}", file=sys.stderr)


class CliError(Exception):
    """A run that cannot go on: ``message`` (located: ``file:line: …``) and ``details`` (such
    as a rule file's findings, one per line) go to stderr, and :func:`main` returns ``code``."""

    def __init__(self, code: int, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = tuple(details)


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else many or word + ('es' if word.endswith('ch') else 's')}"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _default_format() -> str:
    """``github`` inside GitHub Actions, else ``text``."""
    return "github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text"


def _marks() -> tuple[str, str]:
    """✓ and ✗, or ``ok`` and ``FAIL`` when stdout cannot encode them."""
    try:
        "✓✗".encode(getattr(_out(), "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "ok", "FAIL"
    return "✓", "✗"
