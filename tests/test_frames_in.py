"""A pandas DataFrame or a Parquet file of events in: missing cells (NaN, NaT, None) are
missing fields, tz-naive timestamps follow naive_tz, and the report equals that of the records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import contract_rules as cr
from contract_rules.engine import CompiledRuleset
from contract_rules.errors import EventError

ROOT = Path(__file__).resolve().parents[1]
EVENTS = ROOT / "examples" / "tacheng_events_2025.jsonl"
AS_OF = "2025-12-31T00:00:00+08:00"


def _records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in EVENTS.read_text(encoding="utf-8").splitlines()]


def test_a_dataframe_gives_the_report_of_its_records(tacheng_compiled: CompiledRuleset) -> None:
    records = _records()
    frame = pd.DataFrame(records)  # the columns one event type lacks are NaN in its rows
    assert frame.isna().any().any()
    want = cr.evaluate(tacheng_compiled, records, as_of=AS_OF)
    got = cr.evaluate(tacheng_compiled, frame, as_of=AS_OF)
    assert got.to_json() == want.to_json()
    assert got.accounting.rejected == ()


def test_missing_cells_are_missing_fields_not_values(tacheng_compiled: CompiledRuleset) -> None:
    frame = pd.DataFrame(
        {
            "type": ["onsite_request", "onsite_request", "onsite_request"],
            "at": ["2025-03-03T10:00:00+08:00"] * 3,
            "incident": ["INC-1", float("nan"), None],
            "id": ["A", "B", pd.NA],
        }
    )
    rep = cr.evaluate(tacheng_compiled, frame, as_of=AS_OF, strict=False)
    assert [o.key for o in rep.obligations if o.rule.startswith("onsite")] == ["INC-1"] * 3
    reasons = [(e.where, e.reason) for e in rep.accounting.rejected]
    assert reasons == [
        ("event #2", "onsite_request: missing field 'incident'"),
        ("event #3", "onsite_request: missing field 'incident'"),
    ]
    with pytest.raises(EventError, match="event #2: onsite_request: missing field 'incident'"):
        cr.evaluate(tacheng_compiled, frame, as_of=AS_OF)


def test_timestamp_columns_aware_and_naive(tacheng_compiled: CompiledRuleset) -> None:
    text = ["2025-03-03T10:00:00+08:00", "2025-03-03T11:00:00+08:00"]
    base = {"type": ["onsite_request", "response"], "incident": ["INC-1", "INC-1"]}
    want = cr.evaluate(tacheng_compiled, pd.DataFrame({**base, "at": text}), as_of=AS_OF)
    aware = pd.DataFrame({**base, "at": pd.to_datetime(text).tz_convert("UTC")})
    assert cr.evaluate(tacheng_compiled, aware, as_of=AS_OF).to_json() == want.to_json()
    naive = pd.DataFrame({**base, "at": pd.to_datetime(text).tz_localize(None)})
    got = cr.evaluate(tacheng_compiled, naive, as_of=AS_OF, naive_tz="Asia/Shanghai")
    assert got.to_json() == want.to_json()
    with pytest.raises(EventError, match="event #1: naive timestamp"):
        cr.evaluate(tacheng_compiled, naive, as_of=AS_OF)
    gap = naive.copy()
    gap.loc[1, "at"] = pd.NaT
    rep = cr.evaluate(tacheng_compiled, gap, as_of=AS_OF, naive_tz="Asia/Shanghai", strict=False)
    assert [(e.where, e.reason) for e in rep.accounting.rejected] == [
        ("event #2", "missing timestamp ('at')")
    ]


def test_numpy_scalars_become_python_values(tacheng_compiled: CompiledRuleset) -> None:
    frame = pd.DataFrame(
        {
            "type": ["onsite_request", "data_change", "data_change"],
            "at": [f"2025-03-0{d}T10:00:00+08:00" for d in (3, 4, 5)],
            "incident": pd.array([7, None, None], dtype="Int64"),
            "party": [None, "B", "B"],
            "authorized": pd.array([None, False, True], dtype="boolean"),
        }
    )  # fmt: skip
    rep = cr.evaluate(tacheng_compiled, frame, as_of=AS_OF)
    assert rep.accounting.rejected == ()
    assert "7" in {o.key for o in rep.obligations}
    assert len(rep.select(rule="data.no_unauthorized_change")) == 1


def test_a_float_amount_is_refused_as_anywhere_else(tacheng_compiled: CompiledRuleset) -> None:
    frame = pd.DataFrame(
        {"type": ["payment"], "at": ["2025-03-04T10:00:00+08:00"], "amount": [100.5],
         "currency": ["CNY"]}
    )  # fmt: skip
    rep = cr.evaluate(tacheng_compiled, frame, as_of=AS_OF, strict=False)
    assert "is a float" in rep.accounting.rejected[0].reason


def test_a_column_named_twice_is_an_error(tacheng_compiled: CompiledRuleset) -> None:
    frame = pd.DataFrame([["onsite_request", "2025-03-03T10:00:00+08:00", "a", "b"]])
    frame.columns = ["type", "at", "incident", "incident"]
    with pytest.raises(ValueError, match="incident twice"):
        cr.evaluate(tacheng_compiled, frame, as_of=AS_OF)


def test_a_parquet_file_gives_the_report_of_its_rows(
    tacheng_compiled: CompiledRuleset, tmp_path: Path
) -> None:
    records = _records()
    path = tmp_path / "events.parquet"
    pq.write_table(pa.Table.from_pandas(pd.DataFrame(records)), path, row_group_size=50)
    want = cr.evaluate(tacheng_compiled, records, as_of=AS_OF).to_json()
    got = cr.evaluate(tacheng_compiled, path, as_of=AS_OF)
    # the same report, but for where the ignored events stand: the file and row
    assert got.to_json().replace(f'"{path}:', '"event #') == want
    assert got.accounting.ignored[0].where.startswith(f"{path}:")
    bad = tmp_path / "bad.parquet"
    pq.write_table(
        pa.table({"type": ["onsite_request"] * 2, "at": ["2025-03-03T10:00:00+08:00", None]}), bad
    )
    rep = cr.evaluate(tacheng_compiled, str(bad), as_of=AS_OF, strict=False)
    assert [(e.where, e.reason) for e in rep.accounting.rejected] == [
        (f"{bad}:1", "onsite_request: missing field 'incident'"),
        (f"{bad}:2", "missing timestamp ('at')"),
    ]
    broken = tmp_path / "broken.parquet"
    broken.write_text("not parquet")
    with pytest.raises(OSError, match=r"broken\.parquet: cannot read as Parquet"):
        cr.evaluate(tacheng_compiled, broken, as_of=AS_OF)
