"""``contract-rules schema``: print the JSON Schema of rule files."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import EXIT_ERROR, EXIT_OK, _err, _out


def schema_text() -> str:
    """The JSON Schema of rule files as committed: indent 2, sorted keys, trailing newline."""
    from ..model import json_schema

    return json.dumps(json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _configure_schema(p: argparse.ArgumentParser) -> None:
    p.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")


def _run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.output is None:
        _out().write(text)
        return EXIT_OK
    try:
        Path(args.output).write_text(text, encoding="utf-8")
    except OSError as exc:
        _err(f"{args.output}: {exc.strerror or exc}")
        return EXIT_ERROR
    return EXIT_OK
