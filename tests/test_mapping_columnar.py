"""The columnar mapped reader against the row reader: the same records, in the same order, with
the same statistics — on the UCI log, on the example export, and on generated exports with bad
rows (bad cells, bad bytes, broken quotes, blank lines, rows out of order, incidents that come
back), read in tiny chunks so that every chunk boundary case occurs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

import contract_rules.engine as engine
import contract_rules.mapping.columnar_input as columnar
from contract_rules import evaluate, load_ruleset
from contract_rules.events import Event, RawEvent, _BadLine
from contract_rules.mapping import (
    ImportMapping,
    MappingStats,
    evaluate_export,
    load_mapping,
    read_csv_mapped,
    read_dataframe_mapped,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "servicenow"
SHARED = Path(os.environ.get("CONTRACT_RULES_SHARED", ROOT.parent / "shared"))
UCI_LOG = SHARED / "data" / "uci-incident-log" / "incident_event_log.csv"

Item = tuple[int, str, Any]


def items(raws: Iterator[RawEvent]) -> list[Item]:
    return [
        (r.index, r.where, ("rejected", r.data.reason) if isinstance(r.data, _BadLine) else r.data)
        for r in raws
    ]


def both_csv(path: Path, mapping: ImportMapping) -> tuple[list[Item], dict[str, Any]]:
    """Read with both readers, assert they agree, return the row reader's result."""
    s_rows, s_cols = MappingStats(), MappingStats()
    by_rows = items(read_csv_mapped(path, mapping, stats=s_rows, reader="rows"))
    by_cols = items(read_csv_mapped(path, mapping, stats=s_cols, reader="columnar"))
    assert by_cols == by_rows
    assert s_cols.to_dict() == s_rows.to_dict()
    assert s_rows.rows == s_rows.rows_mapped + s_rows.rows_without_event + s_rows.rows_rejected
    return by_rows, s_rows.to_dict()


@pytest.mark.skipif(not UCI_LOG.exists(), reason=f"the UCI log is not at {UCI_LOG} (../shared)")
def test_the_uci_log_gives_the_same_events_and_accounting() -> None:
    mapping = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    got, stats = both_csv(UCI_LOG, mapping)
    assert stats["rows"] == 141_712
    assert len(got) == stats["events"] + stats["rows_rejected"]


def test_the_example_export_gives_the_same_events_and_accounting() -> None:
    mapping = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    got, stats = both_csv(EXAMPLE / "export.csv", mapping)
    assert len(got) == stats["events"] + stats["rows_rejected"]
    assert stats["rows_rejected"] >= 1
    assert stats["rows"] == stats["rows_mapped"] + stats["rows_without_event"] + 1


def test_small_chunks_of_the_example_export(monkeypatch: pytest.MonkeyPatch) -> None:
    mapping = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    for size in (1, 50, 200, 700):
        monkeypatch.setattr(columnar, "CHUNK_CHARS", size)
        both_csv(EXAMPLE / "export.csv", mapping)


# ----------------------------------------------------------------------------- generated

MAPPINGS = {
    "servicenow": (EXAMPLE / "servicenow.mapping.yaml").read_text(encoding="utf-8"),
    # a zone with daylight saving, ISO and strptime formats, conditions, emit: row, keep
    "berlin": """\
format: contract-rules-mapping/1
csv: {missing: ["?", ""]}
incident: number
order_by: sys_updated_at
timestamp_formats: ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S.%f", iso]
naive_zone: Europe/Berlin
values:
  state:
    map: {New: new, Active: active, Resolved: resolved}
    unmapped: keep
events:
  - type: opened
    at: opened_at
    emit: first
    when: {priority: {present: true}}
    fields: {incident: number, priority: priority}
  - type: state
    at: sys_updated_at
    emit: change
    watch: incident_state
    when: {incident_state: {not_in: [Closed]}}
    fields: {incident: number, state: {column: incident_state, values: state}}
  - type: touched
    at: sys_updated_at
    emit: row
    when: {priority: ["1 - Critical", "2 - High"]}
    fields: {incident: number, source: {value: export}}
""",
    # strptime formats only (parsed in bulk), a zone with daylight saving, fractions of seconds
    "berlin-strptime": """\
format: contract-rules-mapping/1
csv: {missing: ["?"]}
incident: number
order_by: sys_updated_at
timestamp_formats: ["%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S.%f", "%d/%m/%y %H:%M"]
naive_zone: Europe/Berlin
events:
  - type: opened
    at: opened_at
    emit: first
    fields: {incident: number, category: category}
  - type: state
    at: sys_updated_at
    emit: change
    watch: incident_state
    fields: {incident: number, state: incident_state}
""",
    # no order_by: the file order is the order
    "unordered": """\
format: contract-rules-mapping/1
incident: number
timestamp_formats: ["%d/%m/%Y %H:%M"]
naive_zone: UTC
events:
  - type: state
    at: sys_updated_at
    emit: change
    watch: incident_state
    fields: {incident: number, state: incident_state}
""",
}
HEADER = "number,incident_state,opened_at,sys_updated_at,priority,category"

times = st.one_of(
    st.builds(
        "{}/{}/{} {:02d}:{:02d}".format,
        st.integers(1, 31),
        st.integers(1, 12),
        st.sampled_from([2016, 2017, 2020]),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
    st.sampled_from(
        [
            "27/3/2016 02:30",  # in Berlin's spring gap
            "30/10/2016 02:30",  # in Berlin's autumn overlap
            "2016-03-07 10:00:00.5",
            "2016-10-30 02:30:00.000001",
            "27/3/16 02:30",
            "29/2/2017 10:00",
            "29/2/2016 10:00",
            "1/1/0001 00:00",
            "2016-03-07T10:00:00+02:00",
            "2016-03-07T10:00",
            "31/2/2016 10:00",
            "7/3/2016 24:00",
            "?",
            "",
            " 7/3/2016 10:00 ",
            "7/3/2016  10:00",
            "٧/3/2016 10:00",
        ]
    ),
)
cells = {
    "number": st.sampled_from(["INC1", "INC2", "INC3", "INC4", "?", ""]),
    "incident_state": st.sampled_from(
        ["New", "Active", "Resolved", "Closed", "Awaiting User Info", "-100", "?"]
    ),
    "opened_at": times,
    "sys_updated_at": times,
    "priority": st.sampled_from(["1 - Critical", "2 - High", "3 - Moderate", "5 - Planning", "?"]),
    "category": st.sampled_from(["Category 1", "", "Category, 2", "x"]),
}
good_row = st.fixed_dictionaries(cells).map(lambda r: ",".join(r.values()).encode("utf-8"))
bad_row = st.sampled_from(
    [
        b"",  # blank line
        b"INC1,New,7/3/2016 10:00",  # too few cells
        b"INC2,New,7/3/2016 10:00,7/3/2016 10:05,1 - Critical,c,extra",
        b'INC3,"Active",7/3/2016 10:00,7/3/2016 11:00,2 - High,"cat, 3"',
        b'INC1,New,7/3/2016 10:00,7/3/2016 12:00,2 - High,"open',  # unterminated quote
        b'INC4,New,7/3/2016 10:00,7/3/2016 12:00,2 - High,"a"b',  # stray text after a quote
        b'INC4,New,7/3/2016 10:00,7/3/2016 13:00,2 - High,"two\nlines"',
        b"INC2,N\xe9w,7/3/2016 10:00,7/3/2016 10:05,1 - Critical,c",  # not UTF-8
        b"INC2,New,7/3/2016 10:00,7/3/2016 10:05,1 - Critical,\xff",
        b"INC1,New,7/3/2016 10:00,7/3/2016 10:05,1 - Critical,c\x00",
        b"INC1,New,7/3/2016 10:00,7/3/2016 10:05,1 - Critical,c\r",  # a CR line break
    ]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.one_of(good_row, good_row, bad_row), max_size=30),
    which=st.sampled_from(sorted(MAPPINGS)),
    chunk=st.sampled_from([1, 40, 150, 1 << 20]),
    crlf=st.booleans(),
)
def test_generated_exports_give_the_same_records(
    tmp_path_factory: pytest.TempPathFactory,
    rows: list[bytes],
    which: str,
    chunk: int,
    crlf: bool,
) -> None:
    mapping = load_mapping(MAPPINGS[which])
    eol = b"\r\n" if crlf else b"\n"
    path = tmp_path_factory.mktemp("gen") / "export.csv"
    path.write_bytes(HEADER.encode() + eol + eol.join(rows) + (eol if rows else b""))
    old = columnar.CHUNK_CHARS
    columnar.CHUNK_CHARS = chunk
    try:
        both_csv(path, mapping)
    finally:
        columnar.CHUNK_CHARS = old


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.fixed_dictionaries(cells), max_size=25),
    which=st.sampled_from(sorted(MAPPINGS)),
    chunk=st.sampled_from([1, 7, 1 << 17]),
)
def test_generated_dataframes_give_the_same_records(
    rows: list[dict[str, str]], which: str, chunk: int
) -> None:
    pd = pytest.importorskip("pandas")
    mapping = load_mapping(MAPPINGS[which])
    df = pd.DataFrame(rows, columns=HEADER.split(","), dtype=object)
    if len(df):
        df.iloc[0, 5] = None  # a missing cell that is not text
    old = columnar.CHUNK_ROWS
    columnar.CHUNK_ROWS = chunk
    try:
        s_rows, s_cols = MappingStats(), MappingStats()
        by_rows = items(read_dataframe_mapped(df, mapping, stats=s_rows, reader="rows"))
        by_cols = items(read_dataframe_mapped(df, mapping, stats=s_cols, reader="columnar"))
    finally:
        columnar.CHUNK_ROWS = old
    assert by_cols == by_rows
    assert s_cols.to_dict() == s_rows.to_dict()


def test_a_frame_with_cells_that_are_not_text_is_read_by_the_row_reader() -> None:
    pd = pytest.importorskip("pandas")
    mapping = load_mapping(MAPPINGS["unordered"])
    df = pd.DataFrame(
        {
            "number": ["INC1", "INC1"],
            "incident_state": ["New", "Active"],
            "sys_updated_at": [pd.Timestamp("2016-03-07 10:00"), pd.Timestamp("2016-03-07 11:00")],
        }
    )
    by_rows = items(read_dataframe_mapped(df, mapping, reader="rows"))
    by_cols = items(read_dataframe_mapped(df, mapping, reader="columnar"))
    assert by_cols == by_rows
    assert [d["at"] for _, _, d in by_rows] == [
        "2016-03-07T10:00:00+00:00",
        "2016-03-07T11:00:00+00:00",
    ]


def test_timestamps_parsed_in_bulk_on_days_the_offset_changes(tmp_path: Path) -> None:
    """Europe/Berlin: the spring gap and the autumn overlap read as Python reads them (fold=0),
    fractions of seconds, two-digit years and impossible dates, all in the bulk parser."""
    mapping = load_mapping(MAPPINGS["berlin-strptime"])
    times = [
        ("27/3/2016 01:59", "2016-03-27T01:59:00+01:00"),
        ("27/3/2016 02:30", "2016-03-27T02:30:00+01:00"),  # in the gap
        ("27/3/2016 03:00", "2016-03-27T03:00:00+02:00"),
        ("30/10/2016 02:30", "2016-10-30T02:30:00+02:00"),  # in the overlap: the first
        ("30/10/2016 03:00", "2016-10-30T03:00:00+01:00"),
        ("2016-10-30 02:59:59.25", "2016-10-30T02:59:59.250000+02:00"),
        ("1/7/16 12:00", "2016-07-01T12:00:00+02:00"),
    ]
    rows = [
        f"INC{k},S{k},{t},{t},1 - Critical,c"
        for k, (t, _) in enumerate([*times, ("29/2/2017 10:00", "")])
    ]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    got, stats = both_csv(path, mapping)
    ats = [d["at"] for _, _, d in got if isinstance(d, dict) and d["type"] == "state"]
    assert ats == [iso for _, iso in times]
    assert stats["rows_rejected"] == 1  # 29 February 2017 does not exist


def test_one_incident_across_the_spring_gap_is_ordered_by_instant(tmp_path: Path) -> None:
    """Regression: the row reader ordered an incident's rows, and judged them out of order, by
    wall time; 02:30 in Berlin's spring gap reads as 02:30+01:00 (01:30 UTC), later than
    03:00+02:00 (01:00 UTC). Both readers order by instant, and reject nothing."""
    mapping = load_mapping(MAPPINGS["berlin-strptime"])
    rows = [  # the file in time order: 03:00 (01:00 UTC), then 02:30 in the gap (01:30 UTC)
        "INC1,S1,27/3/2016 00:10,27/3/2016 03:00,1 - Critical,c",
        "INC1,S2,27/3/2016 00:10,27/3/2016 02:30,1 - Critical,c",
    ]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    got, stats = both_csv(path, mapping)
    states = [(d["state"], d["at"]) for _, _, d in got if isinstance(d, dict) and "state" in d]
    assert states == [("S1", "2016-03-27T03:00:00+02:00"), ("S2", "2016-03-27T02:30:00+01:00")]
    assert stats["rows_rejected"] == 0


def test_the_first_hour_of_year_one_east_of_utc_is_read_without_an_overflow(
    tmp_path: Path,
) -> None:
    """Regression: the row reader ordered an incident's rows with ``astimezone(UTC)``, which
    overflows for 1 January of year 1 in Berlin (before UTC's year 1 starts): a traceback
    instead of the row's reason. Both readers order it first and read it."""
    mapping = load_mapping(MAPPINGS["berlin"])
    rows = [
        "INC1,New,1/1/0001 00:00,27/3/2016 02:30,1 - Critical,Category 1",
        "INC1,Active,1/1/0001 00:00,1/1/0001 00:00,1 - Critical,Category 1",
    ]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    got, stats = both_csv(path, mapping)
    states = [d["state"] for _, _, d in got if isinstance(d, dict) and "state" in d]
    assert states == ["active", "new"]  # ordered by instant: year 1 first
    assert stats["rows_rejected"] == 0


# ----------------------------------------------------------------------------- typed events

AS_OF = "2017-03-01T00:00:00+00:00"
# the example mapping, with priorities the ruleset does not know kept (the validator refuses
# them, with its reason), so that some rows cannot be typed
KEEP = MAPPINGS["servicenow"].replace(
    '      "4 - Low": P4\n', '      "4 - Low": P4\n    unmapped: keep\n'
)


def by_records(ruleset: Any, path: Path, mapping: ImportMapping) -> str:
    """The report of the row reader's records, validated one by one by the engine."""
    raws = list(read_csv_mapped(path, mapping, reader="rows"))
    return evaluate(ruleset, raws, AS_OF, strict=False).to_json()


def test_evaluate_export_hands_the_engine_typed_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The columnar reader builds the events the engine's validator accepts as its Events (the
    engine admits them without validating a record per row); the rows it would refuse stay
    records, refused with the validator's own reasons; the report is the records' report."""
    ruleset = load_ruleset(EXAMPLE / "sla.yaml")
    mapping = load_mapping(KEEP)
    rows = [
        "INC1,New,7/3/2016 10:00,7/3/2016 10:00,1 - Critical,c",
        "INC1,Resolved,7/3/2016 10:00,7/3/2016 12:00,1 - Critical,c",
        "INC2,New,7/3/2016 11:00,7/3/2016 11:00,5 - Planning,?",  # P5: refused
        "INC2,Active,7/3/2016 11:00,7/3/2016 11:30,5 - Planning,?",
    ]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    seen: list[Any] = []
    real = engine.evaluate

    def spy(rs: Any, events: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(events)
        return real(rs, seen, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", spy)
    report = evaluate_export(ruleset, path, mapping, AS_OF)
    kinds = ["Event", "Event", "Event", "RawEvent", "Event", "Event"]
    assert [type(x).__name__ for x in seen] == kinds
    assert [x.index for x in seen] == [0, 1, 2, 3, 4, 5]
    assert report.to_json() == by_records(ruleset, path, mapping)
    (refused,) = report.accounting.rejected
    assert refused.where == f"{path}:4"
    assert "'5 - Planning' is not one of P1, P2, P3, P4" in refused.reason


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    rows=st.lists(st.one_of(good_row, good_row, bad_row), max_size=30),
    keep=st.booleans(),
    chunk=st.sampled_from([1, 150, 1 << 20]),
)
def test_generated_exports_give_the_records_report(
    tmp_path_factory: pytest.TempPathFactory, rows: list[bytes], keep: bool, chunk: int
) -> None:
    """evaluate_export (typed events where the validator accepts them) gives the report of the
    row reader's records validated one by one, byte for byte."""
    ruleset = load_ruleset(EXAMPLE / "sla.yaml")
    mapping = load_mapping(KEEP if keep else MAPPINGS["servicenow"])
    path = tmp_path_factory.mktemp("gen") / "export.csv"
    path.write_bytes(HEADER.encode() + b"\n" + b"\n".join(rows) + (b"\n" if rows else b""))
    old, real = columnar.CHUNK_CHARS, engine.evaluate
    seen: list[Any] = []

    def spy(rs: Any, events: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(events)
        return real(rs, seen, *args, **kwargs)

    columnar.CHUNK_CHARS, engine.evaluate = chunk, spy
    try:
        report = evaluate_export(ruleset, path, mapping, AS_OF)
    finally:
        columnar.CHUNK_CHARS, engine.evaluate = old, real
    assert report.to_json() == by_records(ruleset, path, mapping)
    # every event the validator accepts was handed over typed; only refused rows are records
    acc = report.accounting.counts()
    assert sum(type(x) is Event for x in seen) == acc["used"] + acc["ignored"]


@pytest.mark.skipif(not UCI_LOG.exists(), reason=f"the UCI log is not at {UCI_LOG} (../shared)")
def test_the_uci_log_gives_the_records_report_from_typed_events(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On the whole UCI log, evaluate_export hands over typed events and its report is, byte for
    byte, the report of the same export's records validated one by one."""
    ruleset = load_ruleset(EXAMPLE / "sla.yaml")
    mapping = load_mapping(EXAMPLE / "servicenow.mapping.yaml")
    seen: list[Any] = []
    real = engine.evaluate

    def spy(rs: Any, events: Any, *args: Any, **kwargs: Any) -> Any:
        seen.extend(events)
        return real(rs, seen, *args, **kwargs)

    monkeypatch.setattr(engine, "evaluate", spy)
    report = evaluate_export(ruleset, UCI_LOG, mapping, AS_OF)
    monkeypatch.setattr(engine, "evaluate", real)
    acc = report.accounting.counts()
    assert sum(type(x) is Event for x in seen) == acc["used"] + acc["ignored"] == 113_868
    records = list(read_csv_mapped(UCI_LOG, mapping))
    assert report.to_json() == evaluate(ruleset, records, AS_OF, strict=False).to_json()
