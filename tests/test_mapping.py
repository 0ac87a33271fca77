"""Import mappings: validation with located findings, the row mapper, the readers, evaluation."""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contract_rules import EventError, MappingError, load_ruleset
from contract_rules.events import RawEvent
from contract_rules.findings import Finding
from contract_rules.mapping import (
    ImportMapping,
    MappedReject,
    MappingStats,
    check_mapping,
    evaluate_export,
    load_mapping,
    map_rows,
    read_csv_mapped,
    read_dataframe_mapped,
)
from contract_rules.model import Ruleset

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "servicenow"
SHARED = Path(os.environ.get("CONTRACT_RULES_SHARED", ROOT.parent / "shared"))
UCI_LOG = SHARED / "data" / "uci-incident-log" / "incident_event_log.csv"
AS_OF = "2016-04-01T00:00:00+00:00"

# A trimmed version of examples/servicenow/servicenow.mapping.yaml; line numbers matter below.
MAPPING = """\
format: contract-rules-mapping/1
csv:
  missing: ["?", ""]
incident: number
order_by: sys_updated_at
timestamp_formats: ["%d/%m/%Y %H:%M"]
naive_zone: UTC
values:
  priority:
    map: {"1 - Critical": P1, "2 - High": P2, "3 - Moderate": P3, "4 - Low": P4}
  state:
    map:
      New: new
      Active: active
      Awaiting User Info: awaiting_customer
      Resolved: resolved
      Closed: closed
events:
  - type: incident_opened
    at: opened_at
    emit: first
    fields:
      incident: number
      priority: {column: priority, values: priority}
  - type: incident_state
    at: sys_updated_at
    emit: change
    watch: incident_state
    fields:
      incident: number
      state: {column: incident_state, values: state}
"""

HEADER = ["number", "incident_state", "opened_at", "sys_updated_at", "priority", "made_sla"]
# Rows of INC2 are out of time order inside the incident (the mapper sorts them).
ROWS = [
    ["INC1", "New", "7/3/2016 10:00", "7/3/2016 10:05", "3 - Moderate", "true"],
    ["INC1", "Active", "7/3/2016 10:00", "7/3/2016 11:30", "3 - Moderate", "true"],
    ["INC1", "Active", "7/3/2016 10:00", "8/3/2016 09:00", "3 - Moderate", "true"],
    ["INC1", "Resolved", "7/3/2016 10:00", "9/3/2016 16:00", "3 - Moderate", "true"],
    ["INC2", "Awaiting User Info", "11/3/2016 15:00", "11/3/2016 16:00", "2 - High", "true"],
    ["INC2", "New", "11/3/2016 15:00", "11/3/2016 15:00", "2 - High", "true"],
    ["INC2", "Resolved", "11/3/2016 15:00", "14/3/2016 16:30", "2 - High", "true"],
    ["INC2", "Active", "11/3/2016 15:00", "14/3/2016 10:00", "2 - High", "true"],
]


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset(EXAMPLE / "sla.yaml")


@pytest.fixture(scope="module")
def mapping() -> ImportMapping:
    return load_mapping(MAPPING)


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def errors_of(text: str) -> list[Finding]:
    with pytest.raises(MappingError) as info:
        load_mapping(text)
    return list(info.value.findings)


def only(findings: list[Finding], code: str) -> Finding:
    hits = [f for f in findings if f.code == code]
    assert len(hits) == 1, findings
    return hits[0]


# ----------------------------------------------------------------------------- validation


def test_the_example_mapping_loads_and_fits_the_example_sla(ruleset: Ruleset) -> None:
    mp = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    assert mp.naive_zone == "UTC"
    assert check_mapping(mp, ruleset) == []


def test_unknown_key_is_located_with_did_you_mean() -> None:
    text = MAPPING.replace("    emit: change\n", "    emitt: change\n")
    findings = errors_of(text)
    f = only(findings, "CR101")
    assert (f.location.line, f.location.column) == (27, 5)
    assert "unknown key 'emitt'" in f.message
    assert "did you mean 'emit'?" in f.message
    assert f.location.file == "<string>"


def test_unknown_key_in_a_nested_form_suggests_its_keys() -> None:
    text = MAPPING.replace("{column: priority, values: priority}", "{colum: priority}")
    f = only(errors_of(text), "CR101")
    assert (f.location.line, f.location.column) == (24, 18)
    assert "did you mean 'column'?" in f.message


def test_bad_strptime_format_is_located_on_the_format() -> None:
    text = MAPPING.replace('["%d/%m/%Y %H:%M"]', '["%d/%m/%Y %H:%M", "%d/%m/%Q"]')
    f = only(errors_of(text), "CR104")
    assert (f.location.line, f.location.column) == (6, 39)
    assert "bad strptime format '%d/%m/%Q'" in f.message
    assert "'Q' is a bad directive" in f.message


def test_a_format_without_a_date_is_refused() -> None:
    text = MAPPING.replace('["%d/%m/%Y %H:%M"]', '["%H:%M"]')
    f = only(errors_of(text), "CR104")
    assert "must name a year" in f.message


def test_unknown_zone_missing_key_and_bad_watch() -> None:
    text = (
        MAPPING.replace("naive_zone: UTC", "naive_zone: Mars/Olympus")
        .replace("incident: number\n", "", 1)
        .replace("    watch: incident_state\n", "")
    )
    findings = errors_of(text)
    codes = sorted(f.code for f in findings)
    assert codes == ["CR102", "CR104", "CR104"], findings
    messages = " | ".join(f.message for f in findings)
    assert "missing required key 'incident'" in messages
    assert "unknown time zone 'Mars/Olympus'" in messages
    assert "emit: change needs watch" in messages


def test_unknown_value_map_reference_is_located() -> None:
    text = MAPPING.replace("values: priority}", "values: priorty}")
    f = only(errors_of(text), "CR104")
    assert (f.location.line, f.location.column) == (24, 44)
    assert "unknown value map 'priorty'; did you mean 'priority'?" in f.message


def test_reserved_field_names_are_refused() -> None:
    text = MAPPING.replace(
        "      incident: number\n      priority", "      at: number\n      priority"
    )
    f = only(errors_of(text), "CR104")
    assert "reserved" in f.message


def test_wrong_format_version_and_yaml_syntax() -> None:
    f = only(errors_of(MAPPING.replace("mapping/1", "mapping/9")), "CR104")
    assert "this version reads 'contract-rules-mapping/1'" in f.message
    assert errors_of(MAPPING + "  - [unclosed\n")[0].code == "CR001"


def test_check_mapping_against_the_ruleset_vocabulary(ruleset: Ruleset) -> None:
    text = (
        MAPPING.replace("type: incident_state", "type: incident_stat")
        .replace("      priority: {column", "      prio: {column")
        .replace("Resolved: resolved", "Resolved: done")
    )
    findings = check_mapping(load_mapping(text), ruleset)
    by_code = {f.code: f for f in findings}
    assert sorted(by_code) == ["CR102", "CR201", "CR202"]
    unknown = by_code["CR201"]
    assert (unknown.location.line, unknown.location.column) == (25, 11)
    assert "did you mean 'incident_state'?" in unknown.message
    assert by_code["CR202"].location.line == 24
    assert "has no field 'prio'; did you mean 'priority'?" in by_code["CR202"].message
    assert "requires field 'priority'" in by_code["CR102"].message
    # A norm whose trigger the mapping never produces is a warning.
    text = MAPPING.replace("type: incident_opened", "type: incident_state")
    f = only(check_mapping(load_mapping(text), ruleset), "CR303")
    assert f.severity.value == "warning"
    assert "norm sla.response is triggered by 'incident_opened'" in f.message
    # The value map outputs are checked against the field's closed values.
    text = MAPPING.replace("Resolved: resolved", "Resolved: done")
    f = only(check_mapping(load_mapping(text), ruleset), "CR104")
    assert (f.location.line, f.location.column) == (16, 17)
    assert "'Resolved' maps to 'done', which is not one of" in f.message


# ----------------------------------------------------------------------------- mapping rows


def rows_as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    return [dict(zip(HEADER, r, strict=True)) for r in rows]


def test_transitions_first_events_and_per_incident_order(mapping: ImportMapping) -> None:
    stats = MappingStats()
    items = list(map_rows(mapping, rows_as_dicts(ROWS), source="t.csv", start=2, stats=stats))
    assert all(isinstance(i, RawEvent) for i in items)
    data = [i.data for i in items if isinstance(i, RawEvent)]
    summary = [(d["type"], d["at"], d.get("state") or d.get("priority")) for d in data]
    assert summary == [
        ("incident_opened", "2016-03-07T10:00:00+00:00", "P3"),
        ("incident_state", "2016-03-07T10:05:00+00:00", "new"),
        ("incident_state", "2016-03-07T11:30:00+00:00", "active"),
        # the third row (Active again) is no change
        ("incident_state", "2016-03-09T16:00:00+00:00", "resolved"),
        # INC2 rows sorted by sys_updated_at: New 15:00, Awaiting 16:00, Active, Resolved
        ("incident_opened", "2016-03-11T15:00:00+00:00", "P2"),
        ("incident_state", "2016-03-11T15:00:00+00:00", "new"),
        ("incident_state", "2016-03-11T16:00:00+00:00", "awaiting_customer"),
        ("incident_state", "2016-03-14T10:00:00+00:00", "active"),
        ("incident_state", "2016-03-14T16:30:00+00:00", "resolved"),
    ]
    ids = [d["id"] for d in data]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "INC1:2:incident_opened"
    assert items[5].where == "t.csv:7"  # the New row of INC2 is on line 7
    assert [i.index for i in items] == list(range(len(items)))
    assert stats.rows == 8
    assert (stats.rows_mapped, stats.rows_without_event, stats.rows_rejected) == (7, 1, 0)
    assert stats.events_by_type == {"incident_opened": 2, "incident_state": 7}
    assert stats.incidents == 2


def test_an_incident_coming_back_continues_or_is_rejected_when_earlier(
    mapping: ImportMapping,
) -> None:
    rows = [
        ["INC1", "New", "7/3/2016 10:00", "7/3/2016 10:05", "3 - Moderate", "true"],  # line 2
        ["INC2", "New", "7/3/2016 10:00", "7/3/2016 10:10", "3 - Moderate", "true"],
        ["INC1", "Active", "7/3/2016 10:00", "7/3/2016 11:00", "3 - Moderate", "true"],  # 4
        ["INC2", "Active", "7/3/2016 10:00", "7/3/2016 10:20", "3 - Moderate", "true"],
        ["INC1", "Resolved", "7/3/2016 10:00", "7/3/2016 10:30", "3 - Moderate", "true"],  # 6
    ]
    items = list(map_rows(mapping, rows_as_dicts(rows), source="x.csv", start=2))
    rejects = [i for i in items if isinstance(i, MappedReject)]
    assert [(r.where, r.incident) for r in rejects] == [("x.csv:6", "INC1")]
    assert "out of order" in rejects[0].reason
    assert "x.csv:4, already mapped for incident INC1" in rejects[0].reason
    events = [(i.data["id"], i.data.get("state")) for i in items if isinstance(i, RawEvent)]
    assert events == [
        ("INC1:2:incident_opened", None),
        ("INC1:2:incident_state", "new"),
        ("INC2:3:incident_opened", None),
        ("INC2:3:incident_state", "new"),
        ("INC1:4:incident_state", "active"),  # INC1 continues from its record: New -> Active
        ("INC2:5:incident_state", "active"),
    ]


def test_map_rows_is_lazy(mapping: ImportMapping) -> None:
    def endless() -> Iterator[dict[str, str]]:
        for n in itertools.count():
            yield dict(
                zip(
                    HEADER,
                    [f"INC{n}", "New", "7/3/2016 10:00", "7/3/2016 10:05", "4 - Low", "true"],
                    strict=True,
                )
            )

    first = list(itertools.islice(map_rows(mapping, endless()), 6))
    assert len(first) == 6


def test_naive_timestamps_need_a_zone_and_iso_offsets_are_kept() -> None:
    text = MAPPING.replace("naive_zone: UTC\n", "").replace(
        '["%d/%m/%Y %H:%M"]', '[iso, "%d/%m/%Y %H:%M"]'
    )
    mp = load_mapping(text)
    rows = [
        ["INC1", "New", "2016-03-07T10:00:00+01:00", "2016-03-07T10:05:00+01:00", "4 - Low", ""],
        ["INC2", "New", "7/3/2016 10:00", "7/3/2016 10:05", "4 - Low", ""],
    ]
    items = list(map_rows(mp, rows_as_dicts(rows)))
    events = [i for i in items if isinstance(i, RawEvent)]
    assert [e.data["at"] for e in events] == [
        "2016-03-07T10:00:00+01:00",
        "2016-03-07T10:05:00+01:00",
    ]
    rejects = [i for i in items if isinstance(i, MappedReject)]
    assert [r.where for r in rejects] == ["<rows>:2"]
    assert "has no offset and the mapping declares no naive_zone" in rejects[0].reason


# ----------------------------------------------------------------------------- readers, evaluation

BAD_ROWS = [
    ["INC3", "New", "31/2/2016 10:00", "1/3/2016 10:05", "3 - Moderate", "true"],  # line 2
    ["INC3", "Active", "1/3/2016 10:00", "1/3/2016 11:00", "3 - Moderate", "true"],  # line 3
    ["INC4", "New", "2/3/2016 09:00", "2/3/2016 09:00", "5 - Planning", "true"],  # line 4
    ["INC4", "Active", "2/3/2016 09:00", "2/3/2016 09:30", "5 - Planning", "true"],  # line 5
    ["INC5", "New", "2/3/2016 09:00", "?", "4 - Low", "true"],  # line 6
    ["INC6", "-100", "2/3/2016 09:00", "2/3/2016 10:00", "4 - Low", "true"],  # line 7
    ["", "New", "2/3/2016 09:00", "2/3/2016 10:00", "4 - Low", "true"],  # line 8
]


def test_bad_rows_are_reported_with_their_line_and_reason(
    tmp_path: Path, ruleset: Ruleset, mapping: ImportMapping
) -> None:
    path = write_csv(tmp_path / "export.csv", ROWS + BAD_ROWS)
    with path.open("a", encoding="utf-8", newline="") as fh:
        fh.write("INC7,New,2/3/2016 09:00\n")  # line 17: too few cells
    stats = MappingStats()
    report = evaluate_export(ruleset, path, mapping, AS_OF, stats=stats)
    rejected = {e.where.rsplit(":", 1)[1]: e.reason for e in report.accounting.rejected}
    assert sorted(rejected, key=int) == ["10", "12", "13", "14", "15", "16", "17"]
    assert "'31/2/2016 10:00' matches none of the timestamp formats" in rejected["10"]
    assert "column 'opened_at'" in rejected["10"]
    assert "'5 - Planning' is not in value map 'priority'" in rejected["12"]
    # the first row of INC4 was rejected, so the second is the first of the incident: rejected too
    assert "'5 - Planning' is not in value map 'priority'" in rejected["13"]
    assert "the order_by column 'sys_updated_at' is empty" in rejected["14"]
    assert "'-100' is not in value map 'state'" in rejected["15"]
    assert "the incident id column 'number' is empty" in rejected["16"]
    assert "3 cells, the header has 6" in rejected["17"]
    assert all(r.startswith("row not mapped: ") for r in rejected.values())
    # INC3's second row maps (its opened_at is fine): the incident is opened from it
    assert (
        report.find("sla.resolution", "INC3").trigger_at.isoformat() == "2016-03-01T10:00:00+00:00"
    )
    # accounting adds up
    acc = report.accounting.counts()
    assert acc["used"] + acc["ignored"] + acc["rejected"] == acc["input"]
    assert acc["input"] == stats.events + stats.rows_rejected
    assert acc["rejected"] == stats.rows_rejected == 7
    assert stats.rows == stats.rows_mapped + stats.rows_without_event + stats.rows_rejected == 16


def test_strict_mode_raises_naming_the_row(
    tmp_path: Path, ruleset: Ruleset, mapping: ImportMapping
) -> None:
    path = write_csv(tmp_path / "export.csv", ROWS + BAD_ROWS[:1])
    with pytest.raises(EventError) as info:
        evaluate_export(ruleset, path, mapping, AS_OF, strict=True)
    assert info.value.where == f"{path}:10"


def test_evaluation_of_the_small_export(
    tmp_path: Path, ruleset: Ruleset, mapping: ImportMapping
) -> None:
    path = write_csv(tmp_path / "export.csv", ROWS)
    report = evaluate_export(ruleset, path, mapping, AS_OF)
    # The same incidents as the first two scenarios of sla.yaml, read from CSV rows.
    r1 = report.find("sla.resolution", "INC1")
    assert (r1.status, r1.due and r1.due.isoformat()) == ("fulfilled", "2016-03-10T10:00:00+00:00")
    r2 = report.find("sla.resolution", "INC2")
    assert (r2.status, r2.due and r2.due.isoformat()) == ("fulfilled", "2016-03-15T09:00:00+00:00")
    assert report.find("sla.response", "INC2").fulfilled_at is not None
    assert report.accounting.counts()["rejected"] == 0


def test_a_column_missing_from_the_header_stops_before_reading(
    tmp_path: Path, mapping: ImportMapping
) -> None:
    header = [("num" if h == "number" else h) for h in HEADER]
    path = write_csv(tmp_path / "export.csv", ROWS, header)
    with pytest.raises(MappingError) as info:
        next(read_csv_mapped(path, mapping))
    f = info.value.findings[0]
    assert f.location.line == 4
    assert "column 'number' is not in the header" in f.message
    assert "did you mean 'num'?" in f.message


def test_a_mapping_that_does_not_fit_the_ruleset_is_refused(
    tmp_path: Path, ruleset: Ruleset
) -> None:
    mp = load_mapping(MAPPING.replace("type: incident_state", "type: state_change"))
    path = write_csv(tmp_path / "export.csv", ROWS)
    with pytest.raises(MappingError) as info:
        evaluate_export(ruleset, path, mp, AS_OF)
    assert {f.code for f in info.value.findings} == {"CR201"}


def test_dataframe_reader_equals_csv_reader(tmp_path: Path, mapping: ImportMapping) -> None:
    pd = pytest.importorskip("pandas")
    path = write_csv(tmp_path / "export.csv", ROWS + BAD_ROWS)
    from_csv = list(read_csv_mapped(path, mapping))
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    from_df = list(read_dataframe_mapped(df, mapping, source=str(path)))
    assert len(from_csv) == 17

    def plain(items: list[RawEvent]) -> list[Any]:
        return [
            (r.index, r.where, r.data if isinstance(r.data, dict) else r.data.reason) for r in items
        ]

    assert plain(from_df) == plain(from_csv)
    # NaN cells and parsed datetimes are read as missing cells and instants
    df2 = pd.read_csv(path, dtype=str, keep_default_na=False).replace({"?": None})
    df2["opened_at"] = pd.to_datetime(df2["opened_at"], format="%d/%m/%Y %H:%M", errors="coerce")
    items = list(read_dataframe_mapped(df2, mapping, source=str(path)))
    assert plain(items)[:3] == plain(from_csv)[:3]


# ----------------------------------------------------------------------------- the real log


@pytest.mark.skipif(not UCI_LOG.exists(), reason=f"the UCI incident log is not at {UCI_LOG}")
def test_a_slice_of_the_real_log(tmp_path: Path, ruleset: Ruleset) -> None:
    mp = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    rows = 3000
    with UCI_LOG.open(encoding="utf-8", newline="") as src:
        head = list(itertools.islice(src, rows + 1))
    path = tmp_path / "slice.csv"
    path.write_text("".join(head), encoding="utf-8")
    incidents = {line.split(",", 1)[0] for line in head[1:]}

    stats = MappingStats()
    report = evaluate_export(ruleset, path, mp, "2017-03-01T00:00:00+00:00", stats=stats)
    assert stats.rows == rows
    assert stats.incidents == len(incidents)
    assert stats.events_by_type["incident_opened"] == len(incidents)
    acc = report.accounting.counts()
    assert acc["input"] == stats.events + stats.rows_rejected
    assert acc["used"] + acc["ignored"] + acc["rejected"] == acc["input"]
    assert stats.rows_rejected == 0
    # one response and one resolution duty per incident, all decided by the end of the log
    assert len(report.select(rule="sla.resolution")) == len(incidents)
    assert len(report.select(rule="sla.response")) == len(incidents)
    assert report.counts()["pending"] == 0
    # The DataFrame path gives the same report.
    pd = pytest.importorskip("pandas")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    again = evaluate_export(ruleset, df, mp, "2017-03-01T00:00:00+00:00")
    assert [o.to_dict() for o in again.obligations] == [o.to_dict() for o in report.obligations]
