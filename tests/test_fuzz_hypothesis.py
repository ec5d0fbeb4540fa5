"""Generated variants of real inputs: CSV in any dialect and encoding with title rows and header
noise, truncated or corrupted CSV/XLSX/GeoJSON, random geometries. Two properties hold for all:

* the loader either returns or raises :class:`~ibm_geo.errors.IbmGeoError` (a catalog line),
  never another exception;
* a table it returns keeps every data record (no silent loss), with its spreadsheet row.

Each example is small and has a deadline, so the whole module stays within seconds.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ibm_geo.errors import IbmGeoError
from ibm_geo.io import read_boundaries, read_points
from ibm_geo.quality import DataQuality

CORPUS = Path(__file__).resolve().parent / "corpus"
FAST = settings(
    max_examples=40,
    deadline=3000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
VILLAGES = ["Tuban", "Kuta", "Kedonganan", "Legian", "Renon", "Sanur Kaja"]
cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=0, max_size=12
)


def _loads_or_user_error(fn, *args, **kw):
    try:
        return fn(*args, **kw)
    except IbmGeoError as e:
        assert e.message("en") and e.message("id")  # formats in both languages
        assert "\n" not in e.message("en")
        return None


@st.composite
def dialect_tables(draw):
    """A client table as an office might save it: separator, quoting, encoding, BOM, line
    endings, title rows above, header spelled in any case/spacing, extra unknown columns."""
    sep = draw(st.sampled_from([";", ",", "\t", "|"]))
    enc = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]))
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    kel = draw(st.sampled_from(["kelurahan", "Kelurahan", " KELURAHAN ", "Desa", "Kel/Desa"]))
    year = draw(st.sampled_from(["tahun_rehab", "Tahun Rehab", "TAHUN"]))
    extra = draw(st.lists(st.sampled_from(["Catatan", "Keterangan", "No HP"]), max_size=2))
    header = ["No", kel, year, *extra]
    n = draw(st.integers(1, 25))
    rows = []
    for i in range(n):
        v = draw(st.sampled_from(VILLAGES))
        y = draw(st.sampled_from(["2019", "2021", "2023", "", "dua", "12/03/2022"]))
        rows.append([str(i + 1), v, y] + [draw(cell_text) for _ in extra])
    titles = draw(st.integers(0, 3))
    buf = io.StringIO()
    for t in range(titles):
        buf.write(f"LAPORAN KLIEN BNNK {t}" + eol)
    w = csv.writer(buf, delimiter=sep, lineterminator=eol, quoting=csv.QUOTE_MINIMAL)
    w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue()
    try:
        data = text.encode(enc)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    return data, rows, titles


@FAST
@given(dialect_tables())
def test_any_dialect_keeps_every_row_with_its_spreadsheet_row(table):
    data, rows, titles = table
    q = DataQuality()
    out = _loads_or_user_error(read_points, data, "clients", q, name="klien.csv")
    assert out is not None, "a well-formed table must load"
    assert len(out) == len(rows)
    assert out["kelurahan"].tolist() == [r[1] for r in rows]
    assert out["row"].tolist() == list(range(titles + 2, titles + 2 + len(rows)))


def _valid_csv() -> bytes:
    return (CORPUS / "c_ok.csv").read_bytes()


def _valid_xlsx() -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["kelurahan", "tahun_rehab", "status_pasca"])
    for i in range(40):
        ws.append([VILLAGES[i % 6], 2018 + i % 7, "aktif"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


XLSX = _valid_xlsx()
GEOJSON = (CORPUS / "b_small.geojson").read_bytes()


@st.composite
def damaged(draw, data: bytes):
    """Truncated, with random bytes written over it, or with random bytes inserted."""
    how = draw(st.sampled_from(["truncate", "overwrite", "insert", "random"]))
    if how == "random":
        return draw(st.binary(min_size=0, max_size=2000))
    pos = draw(st.integers(0, max(len(data) - 1, 0)))
    if how == "truncate":
        return data[:pos]
    blob = draw(st.binary(min_size=1, max_size=64))
    if how == "overwrite":
        return data[:pos] + blob + data[pos + len(blob) :]
    return data[:pos] + blob + data[pos:]


@FAST
@given(damaged(_valid_csv()))
def test_damaged_csv_loads_or_says_why(data):
    out = _loads_or_user_error(read_points, data, "clients", DataQuality(), name="k.csv")
    if out is not None:
        assert out["row"].is_unique and (out["row"] >= 2).all()


@FAST
@given(damaged(XLSX))
def test_damaged_xlsx_loads_or_says_why(data):
    out = _loads_or_user_error(read_points, data, "clients", DataQuality(), name="k.xlsx")
    if out is not None:
        assert out["row"].is_unique and len(out) <= 40


@FAST
@given(damaged(GEOJSON))
def test_damaged_geojson_loads_or_says_why(data):
    out = _loads_or_user_error(read_boundaries, data, name="b.geojson")
    if out is not None:
        assert len(out) >= 1 and out.crs.to_epsg() == 4326


_geoms = st.sampled_from(["Polygon", "Point", "LineString", None, "Empty", "Bowtie"])


def _geometry(kind: str | None, i: int) -> dict | None:
    x, y = 115.1 + i * 0.01, -8.7
    if kind is None:
        return None
    if kind == "Point":
        return {"type": "Point", "coordinates": [x, y]}
    if kind == "LineString":
        return {"type": "LineString", "coordinates": [[x, y], [x + 0.01, y + 0.01]]}
    if kind == "Empty":
        return {"type": "Polygon", "coordinates": []}
    if kind == "Bowtie":
        ring = [[x, y], [x + 0.01, y + 0.01], [x + 0.01, y], [x, y + 0.01], [x, y]]
        return {"type": "Polygon", "coordinates": [ring]}
    ring = [[x, y], [x + 0.01, y], [x + 0.01, y + 0.01], [x, y + 0.01], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


@FAST
@given(st.lists(_geoms, min_size=1, max_size=12))
def test_mixed_geometries_keep_polygons_and_report_the_rest(kinds):
    feats = [
        {"type": "Feature", "properties": {"nama": f"Desa {i}"}, "geometry": _geometry(k, i)}
        for i, k in enumerate(kinds)
    ]
    data = json.dumps({"type": "FeatureCollection", "features": feats}).encode()
    q = DataQuality()
    out = _loads_or_user_error(read_boundaries, data, name="b.geojson", quality=q)
    polygonal = sum(k in ("Polygon", "Bowtie") for k in kinds)
    if polygonal == 0:
        assert out is None  # points/lines/nulls only: refused with a reason
        return
    assert out is not None and len(out) == polygonal
    f = q.to_frame()
    dropped = f[f["problem"] == "empty or non-polygon geometry"]
    assert len(dropped) == len(kinds) - polygonal  # every dropped feature is said
    repaired = f[f["problem"].str.startswith("invalid polygon")]
    assert len(repaired) == sum(k == "Bowtie" for k in kinds)


@st.composite
def office_workbooks(draw):
    """A register split over sheets, each with its own title rows, maybe after a "Petunjuk"
    sheet, header words in any case: every record must come back with its sheet row."""
    n_sheets = draw(st.integers(1, 3))
    petunjuk = draw(st.booleans())
    header = ["No", draw(st.sampled_from(["Kelurahan", "DESA", "Kel/Desa"])), "Tahun Rehab"]
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if petunjuk:
        wb.create_sheet("Petunjuk").append(["Isi satu baris per klien"])
    expected = []
    for s in range(n_sheets):
        ws = wb.create_sheet(f"Data {s + 1}")
        titles = draw(st.integers(0, 4))
        for t in range(titles):
            ws.append([f"REKAP KLIEN BNNK {t}"] if t % 2 == 0 else [])
        ws.append(header)
        for i in range(draw(st.integers(1, 8))):
            v = draw(st.sampled_from(VILLAGES))
            ws.append([i + 1, v, draw(st.sampled_from([2020, 2023, "?", None]))])
            expected.append((v, titles + 2 + i))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue(), expected


@FAST
@given(office_workbooks())
def test_workbooks_with_titles_and_sheets_keep_every_row(book):
    data, expected = book
    out = read_points(data, "clients", DataQuality(), name="klien.xlsx")
    assert list(zip(out["kelurahan"], out["row"], strict=True)) == expected
