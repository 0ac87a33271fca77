"""The rule-file model's rooms (``contract_rules/model/``): every public name a room defines is
importable from ``contract_rules.model`` as the same object, so that code and pickles written
against the one module keep working whichever room a name lives in."""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import pytest

import contract_rules.model as model
from contract_rules.rulefile import load_ruleset

ROOT = Path(__file__).resolve().parents[1]
ROOMS = sorted(p for p in (ROOT / "contract_rules" / "model").glob("*.py") if p.stem != "__init__")


def _defined(path: Path) -> set[str]:
    """The public names a module defines at its top level (classes, functions, assignments)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return {n for n in names if not n.startswith("_")}


def test_the_rooms_are_the_expected_ones() -> None:
    assert [p.stem for p in ROOMS] == [
        "base",
        "calendar_spec",
        "contract",
        "deadlines",
        "events",
        "norms",
        "remedies",
        "ruleset",
    ]


@pytest.mark.parametrize("room", ROOMS, ids=lambda p: p.stem)
def test_every_public_name_of_a_room_is_reexported(room: Path) -> None:
    module = __import__(f"contract_rules.model.{room.stem}", fromlist=["_"])
    names = _defined(room)
    assert names, room
    missing = sorted(names - set(model.__all__))
    assert not missing, f"{room.name}: add {missing} to contract_rules/model/__init__.py"
    for name in names:
        assert getattr(model, name) is getattr(module, name), name


def test_every_listed_name_resolves_and_is_listed_once() -> None:
    assert len(set(model.__all__)) == len(model.__all__)
    for name in model.__all__:
        assert hasattr(model, name), name


def test_each_class_lives_in_its_room() -> None:
    rooms = {
        model.Text: "base",
        model.Contract: "contract",
        model.CalendarSpec: "calendar_spec",
        model.FieldSpec: "events",
        model.Deadline: "deadlines",
        model.Norm: "norms",
        model.Remedy: "remedies",
        model.Ruleset: "ruleset",
    }
    for cls, room in rooms.items():
        assert cls.__module__ == f"contract_rules.model.{room}", cls


def test_a_ruleset_pickles_by_its_room_and_keeps_its_private_state() -> None:
    ruleset = load_ruleset(ROOT / "rules" / "tacheng_2024.yaml")
    back = pickle.loads(pickle.dumps(ruleset))
    assert back == ruleset
    assert type(back) is model.Ruleset
    assert back.source is not None  # the loader document travels with it
    assert back.calendar.closures == ruleset.calendar.closures
