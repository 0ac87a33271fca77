"""Mapped exports that are broken: bad bytes, broken quotes, duplicate columns, bad mappings.

Every physical line of an export is accounted for (rows in = mapped + without event +
rejected), a bad row is rejected at its real line with the reason, and reading goes on; a
mapping that cannot work is refused by ``load_mapping``/``check`` with a located finding.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from contract_rules import MappingError
from contract_rules.events import RawEvent, _BadLine
from contract_rules.mapping import (
    ImportMapping,
    MappingStats,
    Reader,
    columnar_available,
    load_mapping,
    read_csv_mapped,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "servicenow"
HEADER = "number,incident_state,opened_at,sys_updated_at,priority,category"


@pytest.fixture(scope="module")
def mapping() -> ImportMapping:
    return load_mapping(EXAMPLE / "servicenow.mapping.yaml")


READERS = ["rows", "columnar"] if columnar_available() else ["rows"]


@pytest.fixture(params=READERS)
def reader(request: pytest.FixtureRequest) -> Reader:
    """Each test runs with both readers (the columnar one when pyarrow is installed)."""
    return request.param  # type: ignore[no-any-return]


def row(n: int) -> str:
    """Row of incident INC<n>: one state change each, all valid."""
    day = 1 + n % 28
    return f"INC{n:05d},New,{day}/3/2016 10:00,{day}/3/2016 10:05,3 - Moderate,Category 1"


def read(
    path: Path, mapping: ImportMapping, reader: Reader
) -> tuple[list[RawEvent], dict[str, str], MappingStats]:
    stats = MappingStats()
    items = list(read_csv_mapped(path, mapping, stats=stats, reader=reader))
    rejected = {
        r.where.rsplit(":", 1)[1]: r.data.reason for r in items if isinstance(r.data, _BadLine)
    }
    assert stats.rows == stats.rows_mapped + stats.rows_without_event + stats.rows_rejected
    assert len(items) == stats.events + stats.rows_rejected
    return items, rejected, stats


def test_one_byte_that_is_not_utf8_rejects_only_its_row(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    lines = [HEADER.encode()] + [row(n).encode() for n in range(1000)]
    lines[500] = lines[500].replace(b"Category 1", b"Category \xff1")  # line 501
    path = tmp_path / "export.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    _, rejected, stats = read(path, mapping, reader)
    assert stats.rows == 1000
    assert list(rejected) == ["501"]
    assert "not valid text in the declared encoding 'utf-8-sig' (byte 0xff" in rejected["501"]
    assert stats.rows_mapped == 999


def test_a_bad_byte_in_a_three_row_export_is_a_rejected_row(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    path = tmp_path / "export.csv"
    body = [row(1), row(2).replace("New", "N\xe9w"), row(3)]
    path.write_bytes((HEADER + "\n" + "\n".join(body) + "\n").encode("latin-1"))
    _, rejected, stats = read(path, mapping, reader)
    assert (stats.rows, stats.rows_mapped, list(rejected)) == (3, 2, ["3"])
    assert "byte 0xe9" in rejected["3"]


def test_a_bad_byte_in_the_header_is_a_located_error(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(HEADER.encode() + b",\xfe\n" + row(1).encode() + b",x\n")
    with pytest.raises(MappingError) as info:
        list(read_csv_mapped(path, mapping, reader=reader))
    (finding,) = info.value.findings
    assert (finding.location.file, finding.location.line) == (str(path), 1)
    assert "byte 0xfe" in finding.message


def test_an_unterminated_quote_rejects_its_line_and_reading_goes_on(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    body = [row(1), row(2).replace("Category 1", '"Category 1'), row(3), row(4)]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    items, rejected, stats = read(path, mapping, reader)
    assert stats.rows == 4
    assert list(rejected) == ["3"]
    assert "runs to line 5" in rejected["3"]
    assert "reading goes on from line 4" in rejected["3"]
    assert {r.where.rsplit(":", 1)[1] for r in items} == {"2", "3", "4", "5"}


def test_a_stray_quote_later_on_does_not_join_the_lines_between(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    body = [row(n) for n in range(6)]
    body[1] = body[1].replace("Category 1", '"Category 1')
    body[4] = body[4].replace("Category 1", 'Category" 1')
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    _, rejected, stats = read(path, mapping, reader)
    assert stats.rows >= 6
    assert "3" in rejected
    assert stats.rows_mapped >= 4  # lines 2, 4, 5 and 7 map


def test_a_quoted_newline_is_still_one_row(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    body = [row(1), row(2).replace("Category 1", '"Category\n1"'), row(3)]
    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(body) + "\n", encoding="utf-8")
    items, rejected, stats = read(path, mapping, reader)
    assert (stats.rows, rejected) == (3, {})
    assert [r.where.rsplit(":", 1)[1] for r in items][-1] == "5"


def test_a_duplicate_header_column_the_mapping_reads_is_refused(
    tmp_path: Path, mapping: ImportMapping, reader: Reader
) -> None:
    path = tmp_path / "export.csv"
    path.write_text(f"{HEADER},priority\n{row(1)},1 - Critical\n", encoding="utf-8")
    with pytest.raises(MappingError) as info:
        list(read_csv_mapped(path, mapping, reader=reader))
    assert any("column 'priority' appears 2 times" in f.message for f in info.value.findings)


BASE = "format: contract-rules-mapping/1\nincident: n\nevents: [{type: a, at: b}]\n"


@pytest.mark.parametrize("zone", ["Asia", "America", "Etc"])
def test_a_zone_directory_is_a_finding(zone: str) -> None:
    with pytest.raises(MappingError) as info:
        load_mapping(BASE + f"naive_zone: {zone}\n")
    (finding,) = info.value.findings
    assert f"unknown time zone {zone!r}" in finding.message
    assert finding.location.line == 4


@pytest.mark.parametrize("codec", ["zlib_codec", "rot13", "base64", "hex"])
def test_a_codec_that_is_not_a_text_encoding_is_a_finding(codec: str) -> None:
    with pytest.raises(MappingError) as info:
        load_mapping(BASE + f"csv: {{encoding: {codec}}}\n")
    (finding,) = info.value.findings
    assert "is a codec but not a text encoding" in finding.message


def test_the_columnar_reader_reads_in_bounded_chunks(
    tmp_path: Path, mapping: ImportMapping, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Memory: a chunk holds about CHUNK_CHARS characters of whole lines, whatever the file size
    (the row reader holds one record at a time)."""
    columnar = pytest.importorskip("contract_rules.mapping.columnar_input")
    from contract_rules.mapping import open_export

    path = tmp_path / "export.csv"
    path.write_text(HEADER + "\n" + "\n".join(row(n) for n in range(2000)) + "\n")
    monkeypatch.setattr(columnar, "CHUNK_CHARS", 4096)
    with open_export(str(path), mapping) as src:
        sizes = [len(c.rownos) for c in columnar.csv_chunks(src, ["number"], ",")]
    longest = max(len(row(n)) + 1 for n in range(2000))
    assert sum(sizes) == 2000
    assert max(sizes) <= 4096 // (longest - 10) + 1
