"""The shared pydantic → findings policy (contract_rules.validation), on small models of its own.

Rule files and import mappings pin the policy on their real models (test_rulefiles.py,
test_mapping.py); these tests pin what it promises for any root model.
"""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from contract_rules.loader import load_yaml
from contract_rules.mapping import ImportMapping
from contract_rules.model import Ruleset
from contract_rules.validation import allowed_keys, did_you_mean, pydantic_findings

Name = Annotated[str, StringConstraints(min_length=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Money(_Strict):
    amount: int
    currency: str


class Cell(_Strict):
    in_: list[str] | None = Field(None, alias="in")
    eq: str | None = None


class Item(_Strict):
    name: str
    price: Money | None = None
    from_: str = Field("start", alias="from")


class Root(_Strict):
    title: str
    items: list[Item] = Field(default_factory=list)
    when: dict[str, Cell | str | list[str]] = Field(default_factory=dict)
    fields: dict[str, Item | Name] = Field(default_factory=dict)


def findings(text: str) -> list[tuple[str, int, int, str, str]]:
    """(code, line, column, dotted path, message) of every finding for ``text`` as a Root."""
    doc = load_yaml(text, "<t>")
    with pytest.raises(ValidationError) as info:
        Root.model_validate(doc.data)
    return [
        (f.code, f.location.line, f.location.column, f.location.dotted_path(), f.message)
        for f in pydantic_findings(info.value, doc, Root)
    ]


def test_did_you_mean_names_the_closest_candidate_or_nothing() -> None:
    assert did_you_mean("currncy", ["amount", "currency"]) == "; did you mean 'currency'?"
    assert did_you_mean("zzz", ["amount", "currency"]) == ""
    assert did_you_mean("x", []) == ""
    assert did_you_mean("eqq", iter(["ne", "eq", "eq"])) == "; did you mean 'eq'?"


def test_allowed_keys_follows_lists_dicts_optionals_unions_and_aliases() -> None:
    assert allowed_keys(Root, ()) == {"title", "items", "when", "fields"}
    assert allowed_keys(Root, ("items", 0)) == {"name", "price", "from"}
    assert allowed_keys(Root, ("items", 0, "price")) == {"amount", "currency"}  # optional
    assert allowed_keys(Root, ("when", "x")) == {"in", "eq"}  # a union's mapping form
    assert allowed_keys(Root, ("fields", "x")) == {"name", "price", "from"}  # through Annotated
    assert allowed_keys(Root, ("title",)) == set()
    assert allowed_keys(Root, ("nope", "x")) == set()


def test_allowed_keys_of_the_real_roots() -> None:
    assert {"format", "contract", "norms"} <= allowed_keys(Ruleset, ())
    assert {"format", "incident", "events"} <= allowed_keys(ImportMapping, ())
    assert "in" in allowed_keys(ImportMapping, ("events", 0, "when", "col"))


def test_unknown_missing_and_wrong_type_are_located() -> None:
    text = "title: t\nitems:\n  - name: a\n    price: {amont: 1}\n  - nam: b\n"
    assert findings(text) == [
        ("CR102", 4, 5, "items[0].price", "missing required key 'amount'"),
        ("CR102", 4, 5, "items[0].price", "missing required key 'currency'"),
        ("CR101", 4, 13, "items[0].price.amont", "unknown key 'amont'; did you mean 'amount'?"),
        ("CR102", 5, 5, "items[1]", "missing required key 'name'"),
        ("CR101", 5, 5, "items[1].nam", "unknown key 'nam'; did you mean 'name'?"),
    ]
    assert findings("title: [1]\nzzz: 1\n") == [
        ("CR103", 1, 8, "title", "Input should be a valid string"),
        ("CR101", 2, 1, "zzz", "unknown key 'zzz'; allowed here: fields, items, title, when"),
    ]


def test_a_value_of_no_accepted_form_is_one_finding_listing_the_forms() -> None:
    assert findings("title: t\nwhen: {x: 5}\nfields: {y: 5}\n") == [
        (
            "CR103",
            2,
            11,
            "when.x",
            "the value fits none of the accepted forms: a mapping; a string; a list (got 5)",
        ),
        (
            "CR103",
            3,
            13,
            "fields.y",
            "the value fits none of the accepted forms: a mapping; a string (got 5)",
        ),
    ]


def test_a_mapping_reports_only_the_errors_of_its_mapping_form() -> None:
    assert findings("title: t\nwhen: {x: {eqq: a}}\n") == [
        ("CR101", 2, 12, "when.x.eqq", "unknown key 'eqq'; did you mean 'eq'?")
    ]


def test_keys_spelled_by_field_name_are_located_as_written() -> None:
    text = "title: t\nitems:\n  - name: a\n    from_: 1\n    in_: 2\n"
    assert findings(text) == [
        ("CR103", 4, 12, "items[0].from_", "Input should be a valid string (got 1)"),
        ("CR101", 5, 5, "items[0].in_", "unknown key 'in_'; allowed here: from, name, price"),
    ]
