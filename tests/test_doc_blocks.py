"""Every code block of README.md and docs/ runs, as a reader would paste it.

A fenced block is code when its info string is ``python``, ``sh``, ``bash`` or ``console``:

- ``python`` blocks of one page run in order in one namespace (a page builds on its own earlier
  blocks), in a scratch directory that sees the repository's ``rules/``, ``examples/`` and
  ``tests/`` (read only) and a copy of ``schema/``; figures are drawn on Agg;
- shell blocks run line by line (in a ``console`` block, the lines after a ``$`` prompt); every
  command must be a ``contract-rules`` command, alone or in a pipeline with ``cat``, ``echo`` or
  ``printf`` (it runs against the installed package and must exit 0 or 1 without a traceback).

A block that cannot run as it stands is marked, with its reason: in the page, by the line
``<!-- not runnable: reason -->`` right before the block, or, for pages whose block stands for
something a reader supplies, in :data:`NOT_RUNNABLE` below; names a page's prose defines
(``events``, ``uploaded_bytes``) are given in :data:`GIVEN`. ``docs/findings.md`` is checked
block by block by ``tests/test_findings_docs.py``; ``json`` blocks must parse; ``yaml``,
``text`` and unlabelled blocks are illustrations or rule-file fragments.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SKIPPED_PAGES = {"docs/findings.md"}  # tests/test_findings_docs.py runs its examples
CODE = {"python", "sh", "bash", "console"}

_FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_MARK = re.compile(r"<!--\s*not runnable:\s*(.+?)\s*-->\s*$")

#: (page, a line of the block) -> why it cannot run as it stands.
NOT_RUNNABLE: dict[tuple[str, str], str] = {
    ("README.md", "make demo"): "creates a virtual environment and runs the whole test suite",
    ("docs/benchmarks.md", "make bench"): "benchmarks take minutes and need extra packages",
    ("docs/benchmarks.md", "import random, sys"): "the benchmark's own floor, run by it with argv",
    ("docs/examples.md", "make demo"): "creates a virtual environment (make)",
    ("docs/expressions.md", 'doc = load_yaml(open("contract.yaml").read()'): (
        "reads the reader's own contract.yaml"
    ),
    ("docs/expressions.md", "compiled = compile_expression("): (
        "place= and data stand for the reader's YAML scalar and data"
    ),
    ("docs/expressions.md", "is_working_day(day) -> bool"): "a protocol's signatures, not code",
    ("docs/import.md", "report = evaluate_export(ruleset"): (
        "reads the UCI incident log (141,712 rows, CC BY), which is not shipped: "
        "examples/servicenow/README.md says where to put it"
    ),
}

#: Names a page's prose defines before its blocks use them.
GIVEN: dict[str, str] = {
    "docs/engine.md": 'events = "examples/tacheng_events_2025.jsonl"\n',
    "docs/hardening.md": (
        'uploaded_bytes = open("rules/tacheng_2024.yaml", "rb").read()\n'
        'path = "rules/tacheng_2024.yaml"\n'
    ),
}


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    body: str
    reason: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_of(path: Path) -> list[Block]:
    page = path.relative_to(ROOT).as_posix()
    text = path.read_text(encoding="utf-8")
    out = []
    for m in _FENCE.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = _MARK.search(before)
        reason = mark.group(1) if mark else None
        if reason is None:
            reason = next(
                (why for (p, needle), why in NOT_RUNNABLE.items() if p == page and needle in m[2]),
                None,
            )
        out.append(Block(page, text.count("\n", 0, m.start()) + 1, m[1].strip(), m[2], reason))
    return out


ALL = [
    b for p in PAGES if p.relative_to(ROOT).as_posix() not in SKIPPED_PAGES for b in blocks_of(p)
]


def test_every_exception_names_a_block_that_exists() -> None:
    for (page, needle), _why in NOT_RUNNABLE.items():
        assert any(b.page == page and needle in b.body for b in ALL), (page, needle)


def test_json_blocks_parse() -> None:
    for b in ALL:
        if b.lang == "json" and b.reason is None and "..." not in b.body:
            json.loads(b.body)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory where the repository's paths resolve; what a block writes stays here."""
    for name in ("rules", "examples", "tests", "docs"):
        (tmp_path / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "schema", tmp_path / "schema")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def python_pages() -> list[str]:
    return sorted({b.page for b in ALL if b.lang == "python" and b.reason is None})


@pytest.mark.parametrize("page", python_pages())
def test_python_blocks_run(page: str, scratch: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import matplotlib.pyplot as plt

    plt.switch_backend("Agg")
    namespace: dict[str, object] = {"__name__": "__doc_block__"}
    exec(GIVEN.get(page, ""), namespace)
    try:
        for b in ALL:
            if b.page == page and b.lang == "python" and b.reason is None:
                # our own documentation, run as a reader would paste it
                exec(compile(b.body, b.id, "exec"), namespace)
    finally:
        plt.close("all")
    capsys.readouterr()


#: What a shell block may run besides ``contract-rules``: readers feeding it standard input.
HELPERS = {"cat", "echo", "printf"}


def shell_commands(body: str, lang: str) -> list[str]:
    """The commands of a shell block: continuation lines joined, comments dropped; in a
    ``console`` block only the lines after a ``$`` prompt (the others are output)."""
    joined = re.sub(r"\\\n", " ", body)
    out = []
    for raw in joined.splitlines():
        line = raw.strip()
        if lang == "console":
            if not line.startswith("$ "):
                continue
            line = line[2:]
        if line and not line.startswith("#"):
            line = line.split(" #", 1)[0].strip()
            out.append(re.sub(r"(^|\|\s*)\.venv/bin/contract-rules\b", r"\1contract-rules", line))
    return out


def programs(command: str) -> list[str]:
    """The program of each stage of a pipeline (``a | b``), redirections aside."""
    return [shlex.split(stage)[0] for stage in command.split("|") if stage.strip()]


SHELL = [b for b in ALL if b.lang in {"sh", "bash", "console"} and b.reason is None]


@pytest.mark.parametrize("block", SHELL, ids=[b.id for b in SHELL])
def test_shell_blocks_run(block: Block, scratch: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    for command in shell_commands(block.body, block.lang):
        progs = programs(command)
        assert "contract-rules" in progs and set(progs) <= HELPERS | {"contract-rules"}, (
            f"{block.id}: {command!r} is not a contract-rules command: run it here or mark the "
            "block <!-- not runnable: reason -->"
        )
        done = subprocess.run(
            command, shell=True, cwd=scratch, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode in (0, 1), (block.id, command, done.stderr[-2000:])
        assert "Traceback" not in done.stderr, (block.id, command, done.stderr[-2000:])


def test_every_code_block_runs_or_says_why_not() -> None:
    code = [b for b in ALL if b.lang in CODE]
    assert len(code) >= 20
    for b in code:
        assert b.reason is None or len(b.reason) > 10, b.id
    ran = {b.id for b in code if b.reason is None}
    assert len(ran) > len(code) // 2  # the exceptions stay exceptions
