"""Compiled rulesets and reports pickle (to ship them between processes); a report's JSON
reads back into an equal report (Report.from_json)."""

from __future__ import annotations

import dataclasses
import json
import pickle
import re
from typing import Any

import pytest
from _streams import AS_OF, cross_key_streams
from hypothesis import HealthCheck, given, settings

import contract_rules as cr
from contract_rules.compiler import ruleset_digest
from contract_rules.engine import CompiledRuleset, compile_ruleset
from contract_rules.errors import ContractRulesError
from contract_rules.report import Obligation, Report


def _one_id_as_text(ob: Obligation) -> Obligation:
    """``ob`` with a deciding tuple of one id written as the id (as the JSON reads back)."""
    d = ob.deciding
    return dataclasses.replace(ob, deciding=d[0]) if isinstance(d, tuple) and len(d) == 1 else ob


def _as_read_back(rep: Report) -> Report:
    return dataclasses.replace(rep, obligations=tuple(map(_one_id_as_text, rep.obligations)))


def _renamed(rs: cr.Ruleset, cid: str) -> cr.Ruleset:
    return rs.model_copy(update={"contract": rs.contract.model_copy(update={"id": cid})})


def test_compiled_ruleset_pickles_with_its_digest(tacheng_compiled: CompiledRuleset) -> None:
    c = tacheng_compiled
    back = pickle.loads(pickle.dumps(c))
    assert isinstance(back, CompiledRuleset)
    assert back.digest == c.digest == ruleset_digest(c.ruleset)
    assert len(c.digest) == 64
    assert [n.info for n in back.norms] == [n.info for n in c.norms]


def test_the_digest_names_the_content(tacheng_ruleset: cr.Ruleset) -> None:
    again = cr.Ruleset.model_validate(tacheng_ruleset.model_dump())
    assert compile_ruleset(again).digest == compile_ruleset(tacheng_ruleset).digest
    other = _renamed(tacheng_ruleset, "another-contract")
    assert compile_ruleset(other).digest != compile_ruleset(tacheng_ruleset).digest


def test_a_ruleset_changed_in_transit_is_refused(tacheng_compiled: CompiledRuleset) -> None:
    func, (ruleset, digest) = tacheng_compiled.__reduce__()
    other = _renamed(ruleset, "tampered")
    with pytest.raises(ValueError, match="digest"):
        func(other, digest)


def test_report_pickles_equal_with_its_explanations(
    tacheng_report: Report, tacheng_compiled: CompiledRuleset
) -> None:
    back = pickle.loads(pickle.dumps(tacheng_report))
    assert back == tacheng_report
    assert back.to_json() == tacheng_report.to_json()
    for ob in tacheng_report.obligations[:50]:
        assert back.explain(ob.rule, ob.key, ob.nth, "zh") == tacheng_report.explain(
            ob.rule, ob.key, ob.nth, "zh"
        )


def test_from_json_reads_the_example_year_back(
    tacheng_report: Report, tacheng_ruleset: cr.Ruleset
) -> None:
    text = tacheng_report.to_json()
    back = Report.from_json(text, ruleset=tacheng_ruleset)
    assert back.to_json() == text
    assert back == _as_read_back(tacheng_report)
    assert back.counts() == tacheng_report.counts()
    assert back.liability.payable == tacheng_report.liability.payable
    assert back.language == tacheng_report.language
    # without the ruleset: the same JSON, the titles and language not invented
    assert Report.from_json(text.encode()).to_json() == text


COMMON = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@COMMON
@given(cross_key_streams())
def test_from_json_round_trip_property(
    tacheng_compiled: CompiledRuleset, events: list[dict[str, Any]]
) -> None:
    rep = cr.evaluate(tacheng_compiled, events, as_of=AS_OF, strict=False)
    text = rep.to_json()
    back = Report.from_json(text, ruleset=tacheng_compiled.ruleset)
    assert back == _as_read_back(rep)
    assert back.to_json() == text
    assert back.accounting.counts() == rep.accounting.counts()
    assert pickle.loads(pickle.dumps(rep)) == rep


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(format="something-else/9"), "$.format"),
        (lambda d: d["obligations"][0].update(due="tomorrow"), "$.obligations[0].due"),
        (lambda d: d["obligations"][0].update(status="lost"), "$.obligations[0].status"),
        (lambda d: d["obligations"][0].pop("nth"), "$.obligations[0]"),
        (lambda d: d["liability"]["lines"][0].update(payable="lots"), "$.liability.lines[0]"),
        (lambda d: d["events"]["rejected"].append(5), "$.events.rejected[0]"),
        (lambda d: d["contract"].update(timezone="Mars/Base"), "$.contract.timezone"),
        (lambda d: d["counts"].update(pending=-1), "$.counts.pending"),
    ],
)
def test_from_json_names_the_place_of_bad_input(
    tacheng_report: Report, change: Any, where: str
) -> None:
    data = json.loads(tacheng_report.to_json())
    change(data)
    with pytest.raises(ContractRulesError, match=f"at {re.escape(where)}"):
        Report.from_json(json.dumps(data))


def test_from_json_of_text_that_is_not_json() -> None:
    with pytest.raises(ContractRulesError, match="not valid JSON"):
        Report.from_json("{")
    with pytest.raises(ContractRulesError, match="expected an object"):
        Report.from_json("[]")


def _example_scenarios() -> list[Any]:
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    out = []
    for path in sorted((root / "examples").glob("*.yaml")):
        rs = cr.load_ruleset(path)
        out += [pytest.param(rs, sc, id=f"{path.stem}:{sc.name[:40]}") for sc in rs.scenarios]
    return out


@pytest.mark.parametrize(("rs", "scenario"), _example_scenarios())
def test_from_json_keeps_every_remedy_line_of_the_examples(rs: cr.Ruleset, scenario: Any) -> None:
    """The liability reads back whole: a line's notes (a shared cap's arithmetic), an item's
    exact amount and its explanation, as the JSON wrote them — nothing dropped."""
    events = [e.model_dump(mode="json") if hasattr(e, "model_dump") else e for e in scenario.events]
    rep = cr.evaluate(rs, events, scenario.as_of, strict=False)
    back = Report.from_json(rep.to_json(), ruleset=rs)
    assert back.liability == rep.liability
    assert back.to_json() == rep.to_json()
