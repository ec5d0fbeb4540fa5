"""Row accounting as an invariant (issue 21): every record of a file is a row read or a row of
the data-quality report, whatever faults the file carries.

The property test writes client tables with the faults offices send (an unbalanced quote,
CR-only or CRLF line endings, a quoted address over two lines, blank lines, vertically merged
cells, several sheets, rows of spaces) and checks: records written == rows read + rows the
report says were not read; row numbers are unique per file/sheet; every quality row of a
several-sheet workbook names its sheet as ``file [sheet]``.
"""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibm_geo.io import read_points
from ibm_geo.pipeline import analyze
from ibm_geo.quality import DataQuality

REPO = Path(__file__).resolve().parents[1]

HDR = ["No", "Nama", "Kelurahan", "Kecamatan", "Tahun Rehab", "Status Pasca"]
VILLAGES = ["Tuban", "Kuta", "Kedonganan", "Legian"]
SETTINGS = settings(
    max_examples=30,
    deadline=10_000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


def _record(i: int) -> list:
    return [i, f"Klien {i}", VILLAGES[i % 4], "Kuta", 2019 + i % 6, ["aktif", "belum"][i % 2]]


def _not_read(q: pd.DataFrame) -> int:
    return int((q["action"] == "not read").sum())


@st.composite
def csv_files(draw):
    n = draw(st.integers(2, 60))
    sep = draw(st.sampled_from([";", ",", "\t"]))
    nl = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    fault = draw(st.sampled_from(["none", "quote", "multiline", "blank"]))
    at = draw(st.integers(0, n - 1))
    lines = [sep.join(HDR)]
    for i in range(n):
        r = [str(c) for c in _record(i + 1)]
        if fault == "quote" and i == at:
            r[1] = '"' + r[1] + " (catatan"  # opened, never closed
        if fault == "multiline" and i == at:
            r[1] = '"Klien' + nl + 'dua baris"'  # a legitimate quoted line break
        lines.append(sep.join(r))
        if fault == "blank" and i == at:
            lines.append("")
    return (nl.join(lines) + nl).encode("utf-8"), n


@given(csv_files())
@SETTINGS
def test_csv_records_are_rows_read_or_reported(case):
    data, n = case
    q = DataQuality()
    df = read_points(data, "clients", q, name="klien.csv")
    report = q.to_frame()
    assert len(df) + _not_read(report) == n, report.to_string()
    assert df["row"].is_unique


@st.composite
def workbooks(draw):
    n_sheets = draw(st.integers(1, 3))
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    total = 0
    blank_rows = 0
    start = 1
    for s in range(n_sheets):
        ws = wb.create_sheet(f"Bulan{s + 1}")
        ws.append(HDR)
        n = draw(st.integers(2, 30))
        for i in range(n):
            ws.append(_record(start + i))
        if draw(st.booleans()):  # a row of spaces: not a record, but reported
            ws.append(["   ", "  "])
            blank_rows += 1
        if draw(st.booleans()):  # kelurahan merged down a block of rows
            a = draw(st.integers(2, n))
            b = draw(st.integers(a, n + 1))
            if b > a:
                ws.merge_cells(f"C{a}:C{b}")
        if draw(st.booleans()):
            ws.merge_cells(f"D2:D{n + 1}")  # one kecamatan for the whole sheet
        total += n
        start += n
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), total, blank_rows, n_sheets


@given(workbooks())
@SETTINGS
def test_xlsx_records_are_rows_read_or_reported(case):
    data, n, blank_rows, n_sheets = case
    q = DataQuality()
    df = read_points(data, "clients", q, name="klien.xlsx")
    report = q.to_frame()
    # a row of spaces is the only kind of row not read, and each one is reported
    assert len(df) == n
    assert _not_read(report) == blank_rows
    # merged cells: every record keeps its kelurahan (Excel shows it on each merged row)
    assert df["kelurahan"].notna().all(), report.to_string()
    row_level = report[report["row"].notna()]
    if n_sheets > 1:
        assert row_level["file"].str.match(r"^klien\.xlsx \[Bulan\d\]$").all()


def test_unplaceable_rows_are_counted(tmp_path):
    """Rows with no written kelurahan and a point outside every boundary: read, and each one a
    quality row saying it was not placed (before: 'used the written name', then nowhere)."""
    rows = ["No;Nama;Kelurahan;Kecamatan;Lat;Lon"]
    rows += [f"{i};K{i};;;-8.0;110.0" for i in range(1, 4)]  # Java: outside the Bali layer
    rows += [f"{i};K{i};Kuta;Kuta;;" for i in range(4, 9)]
    p = tmp_path / "klien.csv"
    p.write_text("\n".join(rows) + "\n")
    res = analyze(REPO / "tests/corpus/b_small.geojson", p)
    q = res.quality
    assert len(res.clients) == 8
    not_placed = q[q["action"] == "row not placed (no kelurahan written)"]
    assert sorted(not_placed["row"].astype(int)) == [2, 3, 4]
    assert int(res.kelurahan["clients"].sum()) == 5


def test_two_sheets_rows_named_by_sheet_in_every_quality_row(tmp_path):
    """Row 3 of two sheets, both with a name not in the boundaries: two quality rows, one per
    sheet (``file [sheet]``), from the matcher as well as the reader."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for s, bad in (("Jan", "Desa Xyz"), ("Feb", "Desa Abc")):
        ws = wb.create_sheet(s)
        ws.append(HDR)
        ws.append(_record(1))
        ws.append([2, "K2", bad, "Kuta", 2020, "belum"])
    p = tmp_path / "klien.xlsx"
    wb.save(p)
    res = analyze(REPO / "tests/corpus/b_small.geojson", p)
    q = res.quality
    nf = q[q["problem"] == "kelurahan name not found in the boundaries"]
    assert sorted(zip(nf["file"], nf["row"].astype(int), strict=True)) == [
        ("klien.xlsx [Feb]", 3),
        ("klien.xlsx [Jan]", 3),
    ]


@st.composite
def placements(draw):
    """Client rows mixing what offices write: a known, unknown or empty kelurahan; a point
    inside the layer, outside it (Java), outside Indonesia, or none."""
    kel = st.sampled_from(["Kuta", "Tuban", "Desa Entah", "", "Legian"])
    pt = st.sampled_from(["in", "java", "abroad", "none"])
    rows = draw(st.lists(st.tuples(kel, pt), min_size=1, max_size=25))
    where = {"in": ("-8.72", "115.17"), "java": ("-7.0", "110.0"), "abroad": ("1.3", "103.8")}
    lines = ["No;Nama;Kelurahan;Kecamatan;Lat;Lon"]
    for i, (k, p) in enumerate(rows, start=1):
        lat, lon = where.get(p, ("", ""))
        lines.append(f"{i};K{i};{k};{'Kuta' if k else ''};{lat};{lon}")
    return ("\n".join(lines) + "\n").encode(), len(rows)


@given(placements())
@settings(max_examples=15, deadline=20_000, derandomize=True)
def test_every_row_not_placed_has_a_quality_row(case):
    from ibm_geo.pipeline import join_inputs, load_inputs

    data, n = case
    joined = join_inputs(load_inputs(_B_SMALL, data, names={"clients": "klien.csv"}))
    t = joined.clients.table
    assert len(t) == n  # every record read
    q = joined.quality.to_frame()
    q = q[q["file"] == "klien.csv"]
    not_placed = set(t.loc[~t["located"].astype(bool), "row"].astype(int))
    # the report must say so, not only "point outside ... used the written name"
    says = q["action"].str.contains("not placed|cannot be placed", regex=True, na=False)
    reported = set(q.loc[says, "row"].dropna().astype(int))
    assert not_placed <= reported, (sorted(not_placed - reported), q.to_string())


_B_SMALL = REPO / "tests/corpus/b_small.geojson"
