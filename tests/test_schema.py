"""schema/ruleset.schema.json is the JSON Schema the models export, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

from contract_rules.cli import schema_text
from contract_rules.model import Ruleset

ROOT = Path(__file__).resolve().parents[1]
COMMITTED = ROOT / "schema" / "ruleset.schema.json"
REGENERATE = "contract-rules schema --output schema/ruleset.schema.json"


def test_committed_schema_is_up_to_date() -> None:
    assert COMMITTED.exists(), (
        f"schema/ruleset.schema.json is missing; generate it with: {REGENERATE}"
    )
    committed = COMMITTED.read_text(encoding="utf-8")
    assert committed == schema_text(), (
        "schema/ruleset.schema.json is out of date with contract_rules/model/; "
        f"regenerate it with: {REGENERATE}  (or: python -m contract_rules schema --output "
        "schema/ruleset.schema.json) and commit it"
    )


def test_schema_is_strict_and_describes_every_top_level_key() -> None:
    schema = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert set(schema["properties"]) == {f.alias or n for n, f in Ruleset.model_fields.items()}
    assert set(schema["required"]) == {"format", "contract", "calendar", "events", "norms"}
    # every object of the format forbids unknown keys, as the loader does (CR101)
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        if definition.get("type") == "object" and "properties" in definition:
            assert definition.get("additionalProperties") is False, name


def test_schema_text_is_canonical_json() -> None:
    text = schema_text()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
