"""Rule files are data: nothing in a rule file can import, evaluate or execute code.

Every payload below would run ``touch MARKER`` in a program that evaluated it (an unsafe YAML
loader, ``eval``, a template engine). Each one either gives a located finding or is carried as
an inert string; the marker file never appears. A static scan of the package's source checks
that no module calls the functions that could turn data into code.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import contract_rules
import contract_rules as cr
from contract_rules.cli import main
from contract_rules.engine import compile_ruleset, evaluate
from contract_rules.errors import RuleFileError
from contract_rules.loader import load_yaml
from contract_rules.rulefile import read_rule_text
from contract_rules.scenarios import run_scenarios

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = Path(contract_rules.__file__).resolve().parent
MINIMAL = (ROOT / "tests" / "rulefiles" / "valid" / "minimal.yaml").read_text(encoding="utf-8")
GOV = "  governing_law: PRC\n"


def in_minimal(old: str, new: str) -> str:
    assert old in MINIMAL, old
    return MINIMAL.replace(old, new, 1)


@pytest.fixture
def marker(tmp_path: Path) -> Iterator[Path]:
    """A file that only a successful payload would create; asserted absent after each test."""
    path = tmp_path / "pwned"
    yield path
    assert not path.exists(), "a payload in a rule file ran"


def python_expressions(marker: Path) -> list[str]:
    return [
        f"__import__('os').system('touch {marker}')",
        f"exec(\"open('{marker}', 'w')\")",
        f"eval(\"__import__('os').system('touch {marker}')\")",
        f"{{{{ ''.__class__.__mro__[1].__subclasses__() }}}} $(touch {marker}) `touch {marker}`",
        f"{{0.__class__.__init__.__globals__}} %(x)s ${{touch {marker}}}",
    ]


# =============================================================================== tags


def tags(marker: Path) -> list[tuple[str, str]]:
    cmd = f"touch {marker}"
    return [
        ("object/apply", f'!!python/object/apply:os.system ["{cmd}"]'),
        ("object/new", f'!!python/object/new:subprocess.Popen [["touch", "{marker}"]]'),
        ("object", "!!python/object:builtins.object {}"),
        ("name", "!!python/name:os.system"),
        ("module", "!!python/module:os"),
        ("verbatim", f'!<tag:yaml.org,2002:python/object/apply:os.system> ["{cmd}"]'),
        ("exec", f"!!python/object/apply:builtins.exec [\"open('{marker}', 'w')\"]"),
        ("custom", "!shell touch"),
    ]


@pytest.mark.parametrize("index", range(8))
def test_python_tags_are_located_findings_and_run_nothing(
    index: int, marker: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name, tag = tags(marker)[index]
    line = MINIMAL.splitlines().index(GOV.rstrip("\n")) + 1
    text = in_minimal(GOV, f"  governing_law: {tag}\n")
    result = read_rule_text(text, "evil.yaml")
    (finding,) = [f for f in result.findings if f.code == "CR005"]
    assert (finding.location.line, finding.location.column) == (line, 18), name
    assert result.ruleset is None
    with pytest.raises(RuleFileError):
        load_ruleset_text(text)
    path = tmp_path / "evil.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["check", str(path)]) == 1
    assert f"{line}:18" in capsys.readouterr().out


def load_ruleset_text(text: str) -> Any:
    return cr.load_ruleset(text)


def test_a_tag_through_an_anchor_and_a_merge_key(marker: Path) -> None:
    text = (
        f'x-cmd: &cmd ["touch {marker}"]\n'
        "x-run: !!python/object/apply:os.system [*cmd]\n"
        "x-base: &base\n  a: !!python/name:os.system\n"
        "x-merged:\n  <<: *base\n" + MINIMAL
    )
    result = read_rule_text(text)
    assert [f.code for f in result.findings].count("CR005") == 2
    assert result.ruleset is None


# =============================================================================== inert strings


RULES_WITH_STRINGS = """\
format: contract-rules/1
contract:
  id: data-only
  title: {{en: "{payload}"}}
  parties:
    A: {{name: "{payload}", role: "{payload}"}}
    B: {{name: B, role: vendor}}
  governing_law: "{payload}"
  timezone: Asia/Shanghai
  term: {{start: "2025-01-01", end: "2025-12-31", clause: "1"}}
  source: "{payload}"
calendar:
  layers: [cn-national]
events:
  request:
    description: "{payload}"
    fields:
      ticket: string
      note: {{type: string, required: false, description: "{payload}"}}
  response: {{fields: {{ticket: string}}}}
norms:
  - id: respond
    title: {{en: "{payload}"}}
    clause: "1"
    text: {{en: "{payload}"}}
    party: B
    trigger:
      event: request
      when: {{note: "{payload}"}}
    key: ticket
    deadline: {{hours: 2}}
    fulfilled_by: {{event: response}}
    notes: {{en: "{payload}"}}
scenarios:
  - name: "{payload}"
    description: "{payload}"
    as_of: "2025-03-04T00:00:00+08:00"
    events:
      - {{type: request, at: "2025-03-03T10:00:00+08:00", ticket: "{payload}", note: "{payload}"}}
      - {{type: response, at: "2025-03-03T11:00:00+08:00", ticket: "{payload}"}}
    expect:
      - {{rule: respond, key: "{payload}", status: fulfilled}}
"""


@pytest.mark.parametrize("index", range(5))
def test_code_in_strings_is_carried_as_data(index: int, marker: Path) -> None:
    payload = python_expressions(marker)[index]
    yaml_payload = payload.replace("\\", "\\\\").replace('"', '\\"')
    text = RULES_WITH_STRINGS.format(payload=yaml_payload)
    ruleset = cr.load_ruleset(text)
    # the strings are kept exactly, as strings
    assert ruleset.contract.governing_law == payload
    assert ruleset.norms[0].trigger.when["note"] == payload
    assert ruleset.scenarios[0].events[0]["ticket"] == payload
    # the scenario runs: the condition compares strings, nothing more
    (result,) = run_scenarios(ruleset)
    assert result.passed, result.mismatches or result.error
    c = compile_ruleset(ruleset)
    events: list[dict[str, Any]] = [
        {"type": "request", "at": "2025-03-03T10:00:00+08:00", "ticket": "T1", "note": payload},
        {"type": "request", "at": "2025-03-03T10:30:00+08:00", "ticket": "T2", "note": "other"},
        {"type": "request", "at": "2025-03-03T10:40:00+08:00", "ticket": payload, "note": payload},
    ]
    rep = evaluate(c, events, "2025-03-04T00:00:00+08:00")
    assert sorted(str(o.key) for o in rep.obligations) == sorted(["T1", payload])
    assert payload in rep.to_json() or payload.replace('"', '\\"') in rep.to_json()
    assert payload in rep.explain("respond", payload)


FIELDS = "    fields: {ticket: string}\n  response:"
TRIGGER = "    trigger: {event: request}\n"
PARTY = "    A: {name: 甲方, role: customer}\n"
LAYERS = "  layers: [cn-national]\n"
ZONE = "  timezone: Asia/Shanghai\n"
FORMAT = "format: contract-rules/1\n"

#: (id, text replaced, replacement, expected code): names that would reach Python internals in a
#: careless implementation, and names that look like paths
NAMES = [
    ("field", FIELDS, "    fields: {__class__: string}\n  response:", "CR104"),
    ("event-type", "  request:\n", "  __class__:\n", "CR104"),
    ("key", "    key: ticket\n", "    key: __dict__\n", "CR104"),
    (
        "condition-field",
        TRIGGER,
        "    trigger: {event: request, when: {__globals__: x}}\n",
        "CR104",
    ),
    ("contract-key", "  id: minimal\n", "  id: minimal\n  __init__: {}\n", "CR101"),
    ("top-key", FORMAT, FORMAT + "__class__: x\n", "CR101"),
    ("party", PARTY, "    __builtins__: {name: 甲方, role: customer}\n", "CR104"),
    (
        "deadline-key",
        "    deadline: {hours: 2}\n",
        "    deadline: {hours: 2, __code__: 1}\n",
        "CR101",
    ),
    ("layer-path", LAYERS, "  layers: [../../../../etc/passwd]\n", "CR204"),
    ("layer-name", LAYERS, "  layers: [os.system]\n", "CR204"),
    ("zone-path", ZONE, "  timezone: ../../../../etc/passwd\n", "CR104"),
    ("zone-absolute", ZONE, "  timezone: /etc/localtime\n", "CR104"),
    ("format", FORMAT, "format: '__import__(\"os\")'\n", "CR104"),
]


@pytest.mark.parametrize("old, new, code", [n[1:] for n in NAMES], ids=[n[0] for n in NAMES])
def test_dunder_names_and_paths_are_findings(old: str, new: str, code: str, marker: Path) -> None:
    result = read_rule_text(in_minimal(old, new))
    assert code in [f.code for f in result.findings], [str(f) for f in result.findings]
    assert all(f.location.line >= 1 and f.location.column >= 1 for f in result.findings)
    assert result.ruleset is None


def test_a_scenario_event_named_like_an_attribute_is_a_finding() -> None:
    text = MINIMAL + (
        "scenarios:\n"
        "  - name: s\n"
        '    as_of: "2025-03-04T00:00:00+08:00"\n'
        "    events:\n"
        '      - {type: __class__, at: "2025-03-03T10:00:00+08:00"}\n'
        '      - {type: request, at: "2025-03-03T10:00:00+08:00", ticket: T, __dict__: x}\n'
    )
    result = read_rule_text(text)
    assert sorted((f.code, f.location.line) for f in result.findings) == [
        ("CR310", 40),
        ("CR310", 41),
    ]


def test_loaded_data_holds_plain_values_only() -> None:
    allowed = (dict, list, str, int, bool, type(None), Decimal)
    for path in [ROOT / "rules" / "tacheng_2024.yaml", ROOT / "examples" / "it_support_sla.yaml"]:
        stack = [load_yaml(path.read_text(encoding="utf-8")).data]
        while stack:
            value = stack.pop()
            assert type(value) in allowed, type(value)
            if isinstance(value, dict):
                assert all(type(k) is str for k in value)
                stack.extend(value.values())
            elif isinstance(value, list):
                stack.extend(value)


# =============================================================================== static scan

#: Calls that turn data into code (or load objects from bytes), by name or dotted name.
FORBIDDEN_CALLS = {
    "eval", "exec", "compile", "__import__", "breakpoint", "execfile",
    "pickle.load", "pickle.loads", "marshal.load", "marshal.loads", "shelve.open",
    "yaml.load", "yaml.load_all", "yaml.unsafe_load", "yaml.unsafe_load_all", "yaml.full_load",
    "yaml.full_load_all", "os.system", "os.popen", "os.exec", "os.spawn",
    "subprocess.run", "subprocess.call", "subprocess.check_call", "subprocess.check_output",
    "subprocess.Popen", "runpy.run_path", "runpy.run_module", "code.interact",
}  # fmt: skip
#: Modules whose very import would be a red flag in this package.
FORBIDDEN_IMPORTS = {"pickle", "marshal", "shelve", "subprocess", "runpy", "code", "ctypes", "dill"}
#: yaml names that construct arbitrary objects.
FORBIDDEN_YAML = {"Loader", "UnsafeLoader", "FullLoader", "CLoader", "CUnsafeLoader", "CFullLoader"}


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def scan(path: Path) -> list[str]:
    """The forbidden calls, imports and names in one module, as ``file:line: what``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    problems = []
    for node in ast.walk(tree):
        where = f"{path.name}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            name = dotted(node.func)
            if name in FORBIDDEN_CALLS or (
                name is not None and name.startswith(("os.exec", "os.spawn"))
            ):
                problems.append(f"{where}: calls {name}")
            if name in ("getattr", "setattr") and len(node.args) >= 1:
                first = dotted(node.args[0])
                if first in ("builtins", "__builtins__", "os", "sys", "importlib"):
                    problems.append(f"{where}: {name} on {first}")
            if name == "importlib.import_module" and path.name != "__init__.py":
                problems.append(f"{where}: imports a module by name")
        elif isinstance(node, ast.Import):
            problems += [
                f"{where}: imports {a.name}"
                for a in node.names
                if a.name.split(".")[0] in FORBIDDEN_IMPORTS
            ]
        elif isinstance(node, ast.ImportFrom):
            if (node.module or "").split(".")[0] in FORBIDDEN_IMPORTS:
                problems.append(f"{where}: imports from {node.module}")
            if node.module == "yaml":
                problems += [
                    f"{where}: imports yaml.{a.name}"
                    for a in node.names
                    if a.name in FORBIDDEN_YAML or a.name.startswith(("load", "unsafe", "full"))
                ]
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "yaml"
            and node.attr in FORBIDDEN_YAML
        ):
            problems.append(f"{where}: uses yaml.{node.attr}")
    return problems


def test_no_module_of_the_package_can_run_data_as_code() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))  # the subpackages' modules too (report, loader, ...)
    assert len(modules) >= 15
    problems = [p for m in modules for p in scan(m)]
    assert problems == []


def test_the_lazy_imports_of_the_package_come_from_a_fixed_table() -> None:
    """``contract_rules.__getattr__`` imports submodules by name, only those of ``_LAZY``."""
    modules = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.parent.name for p in PACKAGE.glob("*/__init__.py")
    }  # a module, or a package (``report``)
    assert set(contract_rules._LAZY.values()) <= modules
    with pytest.raises(AttributeError):
        contract_rules.__getattr__("os")


def test_the_scan_finds_what_it_looks_for(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import pickle\nimport yaml\nfrom yaml import Loader\n"
        "eval('1')\nyaml.load('a', Loader=yaml.UnsafeLoader)\n__import__('os')\n"
        "getattr(__builtins__, 'exec')('1')\nimport os\nos.system('true')\nos.execv('a', [])\n"
    )
    found = scan(bad)
    assert len(found) == 9, found
