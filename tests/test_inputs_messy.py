"""Registers as offices send them, boundaries as agencies export them, and the machine limits:
hand-checked row numbers, layers, CRSs and messages."""

from __future__ import annotations

import io
import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from shapely.geometry import LineString, Point

from ibm_geo.errors import UserError
from ibm_geo.io import read_boundaries, read_points
from ibm_geo.io.limits import ENV, limits
from ibm_geo.quality import DataQuality

CORPUS = Path(__file__).resolve().parent / "corpus"
HDR = ["No", "Nama", "Kelurahan", "Kecamatan", "Tahun Rehab"]


def _xlsx(sheets) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_two_sheets_are_both_read_with_their_own_row_numbers_and_labels():
    data = _xlsx(
        [
            ("Petunjuk", [["Isi satu baris per klien"]]),
            ("2023", [HDR, [1, "A", "Kuta", "Kuta", 2023], [2, "B", "Tuban", "Kuta", "x"]]),
            ("2024", [["REKAP 2024"], [], HDR, [3, "C", "Legian", "Kuta", 2024]]),
        ]
    )
    q = DataQuality()
    out = read_points(data, "clients", q, name="klien.xlsx")
    assert out["kelurahan"].tolist() == ["Kuta", "Tuban", "Legian"]
    assert out["row"].tolist() == [2, 3, 4]  # sheet 2024: title, blank, header on row 3
    f = q.to_frame()
    note = f[f["problem"].str.startswith("sheets read")]
    assert note["problem"].tolist() == ["sheets read: 2023, 2024; skipped (instructions): Petunjuk"]
    bad_year = f[f["column"] == "tahun_rehab"]
    assert bad_year[["file", "row"]].values.tolist() == [["klien.xlsx [2023]", 3]]


def test_sheets_that_differ_are_named_and_one_can_be_chosen():
    data = _xlsx(
        [("Klien", [HDR, [1, "A", "Kuta", "Kuta", 2023]]), ("Agen", [["agen_id", "desa"]])]
    )
    with pytest.raises(UserError) as err:
        read_points(data, "clients", DataQuality(), name="k.xlsx")
    assert err.value.code == "input.sheets_differ" and err.value.params["sheets"] == [
        "Klien",
        "Agen",
    ]
    assert "--sheet" in err.value.message("en") and "--sheet" in err.value.message("id")
    out = read_points(data, "clients", DataQuality(), name="k.xlsx", sheet="Klien")
    assert out["kelurahan"].tolist() == ["Kuta"]


def test_limits_come_from_the_environment_and_are_named(monkeypatch):
    assert limits().max_rows == 5_000_000
    monkeypatch.setenv(ENV["max_rows"], "3")
    data = ("kelurahan\n" + "Kuta\n" * 4).encode()
    with pytest.raises(UserError) as err:
        read_points(data, "clients", DataQuality(), name="k.csv")
    assert err.value.code == "input.too_many_rows" and "IBM_GEO_MAX_ROWS" in err.value.message("id")
    assert len(read_points(data[:-5], "clients", DataQuality(), name="k.csv")) == 3
    monkeypatch.setenv(ENV["max_file_mb"], "0.00001")
    with pytest.raises(UserError, match="IBM_GEO_MAX_FILE_MB"):
        read_points(data, "clients", DataQuality(), name="k.csv")
    monkeypatch.setenv(ENV["max_file_mb"], "nonsense")  # a bad value keeps the default check
    assert limits().max_file_mb == 1000.0


def test_declared_xlsx_size_is_refused_before_inflating(monkeypatch):
    data = _xlsx([("S", [["kelurahan"]] + [["Kuta"]] * 3000)])
    monkeypatch.setenv(ENV["max_uncompressed_mb"], "0.05")
    with pytest.raises(UserError) as err:
        read_points(data, "clients", DataQuality(), name="k.xlsx")
    assert err.value.code == "input.member_too_large" and "sheet1.xml" in err.value.params["member"]


def test_vertex_limit(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV["max_vertices"], "10")
    with pytest.raises(UserError, match="IBM_GEO_MAX_VERTICES"):
        read_boundaries(CORPUS / "b_small.geojson")


# -- boundaries ------------------------------------------------------------------------------


@pytest.fixture
def small():
    return gpd.read_file(CORPUS / "b_small.geojson")


def test_multilayer_gpkg_picks_the_village_layer_or_asks(tmp_path, small):
    p = tmp_path / "rbi.gpkg"
    line = LineString([(115.16, -8.72), (115.18, -8.74)])
    gpd.GeoDataFrame({"namobj": ["Jl. A"]}, geometry=[line], crs=4326).to_file(p, layer="JALAN_LN")
    small.to_file(p, layer="ADMINISTRASIDESA_AR")
    pt = Point(115.17, -8.73)
    gpd.GeoDataFrame({"namobj": ["Pura"]}, geometry=[pt], crs=4326).to_file(p, layer="TOPONIMI_PT")
    q = DataQuality()
    out = read_boundaries(p, quality=q)
    assert sorted(out["nama"]) == sorted(small["nama"])
    assert "read layer 'ADMINISTRASIDESA_AR'" in q.to_frame()["action"].tolist()
    small.to_file(p, layer="DESA_LAMA_AR")
    with pytest.raises(UserError) as err:
        read_boundaries(p)
    assert err.value.code == "boundaries.layers_ask"
    assert err.value.params["layers"] == ["ADMINISTRASIDESA_AR", "DESA_LAMA_AR"]
    assert len(read_boundaries(p, layer="DESA_LAMA_AR")) == len(small)
    with pytest.raises(UserError, match="JALAN_LN"):
        read_boundaries(p, layer="nope")


@pytest.mark.parametrize(("epsg", "assumed"), [(32750, "EPSG:32750"), (3857, "EPSG:3857")])
def test_projected_without_crs_is_recognised_and_said(tmp_path, small, epsg, assumed):
    gj = json.loads(small.to_crs(epsg).to_json(drop_id=True))
    gj.pop("crs", None)  # GDAL then reads it as WGS 84 degrees, which it is not
    p = tmp_path / "m.geojson"
    p.write_text(json.dumps(gj), encoding="utf-8")
    q = DataQuality()
    out = read_boundaries(p, quality=q)
    assert out.total_bounds == pytest.approx(small.total_bounds, abs=1e-6)
    assert f"assumed {assumed}" in q.to_frame()["action"].tolist()


def test_utm_zone_comes_from_the_province_code(small):
    from ibm_geo.io.boundaries import _guess_crs

    b = small.to_crs(32750).total_bounds
    import pandas as pd

    assert _guess_crs(b, pd.Series(["51.03.01.1001"]), "x") == "EPSG:32750"  # Bali: 50S
    assert _guess_crs(b, pd.Series(["16.71.01.1001"]), "x") == "EPSG:32748"  # Palembang: 48S
    assert _guess_crs(b, pd.Series(["81.71.01.1001"]), "x") == "EPSG:32752"  # Ambon: 52S
    with pytest.raises(UserError) as err:
        _guess_crs(np.array([5e5, 5e5, 6e5, 6e5]), pd.Series([None]), "x")
    assert err.value.code == "boundaries.utm_zone_unknown"  # UTM north range, no codes
    with pytest.raises(UserError) as err:
        _guess_crs(np.array([2e6, 2e6, 3e6, 3e6]), pd.Series(["51.03.01.1001"]), "x")
    assert err.value.code == "boundaries.unknown_crs"


def test_repairs_are_quality_rows_and_points_are_refused(tmp_path, small):
    g = small.copy()
    x0, y0, x1, y1 = g.geometry.iloc[2].bounds
    g.loc[2, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    q = DataQuality()
    out = read_boundaries(g.to_json().encode(), name="b.geojson", quality=q)
    f = q.to_frame()
    rep = f[f["problem"].str.startswith("invalid polygon")]
    assert rep["row"].tolist() == [3] and rep["value"].tolist() == [g["nama"][2]]
    assert out.geometry.is_valid.all() and len(out) == len(g)
    pts = g.assign(geometry=g.geometry.representative_point())
    with pytest.raises(UserError) as err:
        read_boundaries(pts.to_json().encode(), name="p.geojson")
    assert err.value.code == "boundaries.no_polygons" and err.value.params["kinds"] == ["Point"]


def test_a_client_table_given_as_boundaries_names_both_options():
    with pytest.raises(UserError) as err:
        read_boundaries(CORPUS / "c_ok.csv")
    assert err.value.code == "boundaries.is_table"
    assert "--clients" in err.value.message("en") and "--boundaries" in err.value.message("id")


def test_a_headerless_client_table_as_boundaries_never_echoes_a_row():
    row = b"Budi Santoso;3171000011112222;Renon;-8.67;115.24\n"
    with pytest.raises(UserError) as err:
        read_boundaries(row * 3, name="klien_tanpa_judul.csv")
    assert err.value.code == "boundaries.is_table_no_header" and err.value.params["n"] == "5"
    for lang in ("id", "en"):
        assert "Budi" not in err.value.message(lang) and "3171" not in err.value.message(lang)
