"""Exports open and hold what they promise: CSV/GeoJSON/GPKG/XLSX/manifest, HTML structure and
offline-ness, coverage simplification without gaps/overlaps, PNG/PDF/PPTX contents."""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from pathlib import Path

import _fixtures as fx
import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pyogrio
import pytest
import shapely
from PIL import Image
from pptx import Presentation

from ibm_geo.config import Scenario
from ibm_geo.export import (
    manifest,
    ranking_csv,
    results_geojson,
    results_gpkg,
    workbook_xlsx,
    write_bytes,
)
from ibm_geo.render.geometry import dissolve_overview, simplify_coverage
from ibm_geo.render.html_map import build_html_map, decode_ints, encode_ints, inline_external_assets


@pytest.fixture(scope="module")
def kel():
    return fx.make_kelurahan()


@pytest.fixture(scope="module")
def sc():
    return fx.scenario()


def _data(page: bytes) -> dict:
    m = re.search(rb'<script type="application/json" id="ibm-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


# -- tables -----------------------------------------------------------------------------------------
def test_ranking_csv_sorted_suppressed_and_formula_safe(kel, sc):
    k2 = kel.copy()
    k2.loc[5, "nama"] = '=HYPERLINK("http://x")'
    df = pd.read_csv(io.BytesIO(ranking_csv(k2, sc)), dtype=str, encoding="utf-8-sig")
    assert len(df) == 12
    assert df["rank"].astype(int).tolist() == list(range(1, 13))
    assert (df["nama"] == '\'=HYPERLINK("http://x")').sum() == 1
    assert "*" in set(df["clients"])
    assert "agent_spare" not in df.columns and "c_recency" not in df.columns


def test_geojson_features_and_manifest(kel, sc):
    doc = json.loads(results_geojson(kel, sc))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 12
    props = doc["features"][0]["properties"]
    assert "unserved" in props and "name" not in props and "c_unserved_count" not in props
    assert doc["ibm_geo_manifest"]["suppression_k"] == 5
    g = gpd.read_file(io.BytesIO(results_geojson(kel, sc)))
    assert g.to_crs(32750).area.sum() == pytest.approx(kel.to_crs(32750).area.sum())
    assert pd.api.types.is_integer_dtype(g["clients"]) or g["clients"].dtype == float
    assert (
        g["clients"].isna().sum() == 4
    )  # the 3- and 2-client units, and one complement in each kecamatan
    hidden = [f["properties"] for f in doc["features"] if f["properties"]["clients"] is None]
    assert all("clients" in p["suppressed"].split(";") for p in hidden)
    shown = [f["properties"] for f in doc["features"] if f["properties"]["clients"] is not None]
    assert all("clients" not in p["suppressed"].split(";") for p in shown)


def test_geojson_text_survives_json_specials(kel, sc):
    odd = kel.copy()
    odd.loc[odd.index[0], "nama"] = 'Renon\u2028"kutip"\nbaris, \\ {x}'
    doc = json.loads(results_geojson(odd, sc))
    names = [f["properties"]["nama"] for f in doc["features"]]
    assert 'Renon\u2028"kutip"\nbaris, \\ {x}' in names and len(names) == 12


def test_gpkg_layers(kel, sc, tmp_path):
    path = write_bytes(tmp_path / "sub" / "r.gpkg", results_gpkg(kel, sc))
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"kelurahan", "manifest"}
    g = gpd.read_file(path, layer="kelurahan")
    assert len(g) == 12 and g.crs.to_epsg() == 4326
    row = g.set_index("nama").loc["Panjer"]
    assert pd.isna(row["unserved"]) and pd.isna(row["in_reach"]) and row["served"] == 10
    assert row["suppressed"] == "in_reach;unserved"
    m = pyogrio.read_dataframe(path, layer="manifest")
    assert "scenario_toml" in set(m["key"])


def test_workbook_sheets(kel, sc):
    kel = kel.copy()
    kel.loc[5, "nama"] = '=HYPERLINK("http://x")'
    data = workbook_xlsx(
        kel, sc, fx.make_sites(), fx.make_pilots(), fx.make_quality(), fx.make_matches(), lang="en"
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [
        "ranking",
        "plan",
        "pilots",
        "data quality",
        "scenario settings",
        "unmatched names",
        "manifest",
    ]
    q = [[c.value for c in r] for r in wb["data quality"].iter_rows(min_row=2)]
    # what kind of value was typed, never the value (issue 9)
    assert ["klien.xlsx", 5, "kelurahan", "unmatched name", "teks, 6 karakter", "fuzzy"] in q
    assert not {"Sanurr", "AGEN-770", "-8.6712345"} & {r[4] for r in q}
    um = {r[0].value: r[1].value for r in wb["unmatched names"].iter_rows(min_row=2)}
    assert um == {"exact": 1, "fuzzy": 1, "unmatched": 1}
    settings = {r[0].value: r[1].value for r in wb["scenario settings"].iter_rows(min_row=2)}
    assert settings["radius_m"] == "3000.0" and settings["weights.unserved_count"] == "0.35"
    rk = wb["ranking"]
    assert rk.freeze_panes == "A2" and rk.cell(1, 1).font.b
    head = [c.value for c in rk[1]]
    rows = [dict(zip(head, (c.value for c in r), strict=True)) for r in rk.iter_rows(min_row=2)]
    assert len(rows) == 12
    assert '\'=HYPERLINK("http://x")' in [r["nama"] for r in rows]  # text, not a formula
    assert all(c.data_type != "f" for r in rk.iter_rows() for c in r)
    assert "reason_en" in head and "reason_id" not in head  # the workbook's language only
    clients = [r["clients"] for r in rows]
    assert "*" in clients and all(isinstance(v, int) for v in clients if v != "*")


def test_workbook_in_indonesian_for_people(kel, sc):
    data = workbook_xlsx(
        kel, sc, fx.make_sites(), fx.make_pilots(), fx.make_quality(), fx.make_matches(), lang="id"
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[:4] == ["peringkat", "rencana", "desa percontohan", "kualitas data"]
    assert "manifes" in wb.sheetnames
    head = [c.value for c in wb["peringkat"][1]]
    assert {"Kelurahan/Desa", "Kecamatan", "Skor", "Peringkat", "Belum terlayani"} <= set(head)
    q = [[c.value for c in r] for r in wb["kualitas data"].iter_rows()]
    assert q[0] == ["Berkas", "Baris", "Kolom", "Masalah", "Nilai", "Tindakan"]
    assert [
        "klien.xlsx",
        5,
        "kelurahan",
        "nama tidak cocok",
        "teks, 6 karakter",
        "cocok mirip",
    ] in q
    plan_head = [c.value for c in wb["rencana"][1]]
    assert "Agen direkrut" in plan_head and "agents_to_recruit" not in plan_head


def test_manifest_round_trips_the_scenario(sc):
    man = manifest("csv", sc, units=12)
    assert man["kind"] == "csv" and man["units"] == 12 and man["scenario_name"] == "Skenario uji"
    assert Scenario.from_text(man["scenario_toml"]) == sc
    assert "marked *" in man["suppression_rule"]
    assert json.loads(manifest("csv", sc, as_text=True))["suppression_k"] == 5


# -- HTML -------------------------------------------------------------------------------------------
def test_encoded_polyline_round_trip():
    v = np.array([3850000, -12020000, 0, -1, 1, 16, -17, 2**30])
    assert encode_ints(v[:2]) == "_p~iF~ps|U"  # Google's documented example
    assert decode_ints(encode_ints(v)).tolist() == v.tolist()


def test_html_self_contained_and_escaped(kel, sc):
    page = build_html_map(
        kel,
        scenario=sc,
        sites=fx.make_sites(),
        pilots=fx.make_pilots(),
        service_points=fx.make_service_points(),
    )
    text = page.decode("utf-8")
    assert not re.search(r"<script[^>]+src=[\"']?(https?:)?//", text, re.I)
    assert not re.search(r"<link[^>]+href=[\"']?(https?:)?//", text, re.I)
    assert "<img src=x" not in text and "<b>Pratama" not in text
    data = _data(page)
    names = [p[data["units"]["name_idx"]] for p in data["units"]["props"]]
    assert fx.INJECTION in names and fx.BACKTICKS in names
    assert len(data["units"]["geom"]) == 12 and len(data["sites"]) == 3 and len(data["pilots"]) == 2
    assert {s["name"] for s in data["service_points"]} == {"BNNK Denpasar", "Klinik <b>Pratama</b>"}
    # agents drawn per kelurahan at its rep point, never at agent homes
    n_act = int((kel["agents_active"] > 0).sum())
    assert len(data["agents"]) == n_act
    reps = {(round(a, 5), round(b, 5)) for a, b in zip(kel["rep_lon"], kel["rep_lat"], strict=True)}
    assert all((a["lon"], a["lat"]) in reps for a in data["agents"])
    # the decoded first ring is the first square (1e-5 degree precision)
    ring = decode_ints(data["units"]["geom"][0][0][0]).reshape(-1, 2).cumsum(axis=0) / 1e5
    assert shapely.Polygon(ring).area == pytest.approx(kel.geometry.iloc[0].area, rel=1e-3)
    # suppressed count travels as text, numeric twin is null
    i = names.index(fx.BACKTICKS)
    assert data["units"]["unserved_lab"][i] == 0 or data["units"]["unserved_n"][i] is None


def test_html_cdn_mode_and_inliner(kel, sc):
    page = build_html_map(kel, scenario=sc, self_contained=False).decode()
    assert 'src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"' in page
    inlined = inline_external_assets(page)
    assert "unpkg.com" not in inlined and "L.map" in inlined
    with pytest.raises(ValueError, match="no vendored copy"):
        inline_external_assets('<script src="https://cdn.example/jquery.js"></script>')


def test_overview_dissolves_and_recomputes_suppression(kel, sc):
    data = _data(build_html_map(kel, scenario=sc, overview="kab_kota"))
    assert len(data["units"]["props"]) == 2
    fields = [f[0] for f in data["units"]["fields"]]
    rows = {p[fields.index("nama")]: p for p in data["units"]["props"]}
    assert rows["Kota Denpasar"][fields.index("clients")] == 107
    assert rows["Kab. Badung"][fields.index("unserved")] == 9  # four hidden cells, total shown
    d = dissolve_overview(kel, "kecamatan")
    assert len(d) == 3 and d["clients"].sum() == sum(fx.CLIENTS)
    kec1 = d.set_index("kecamatan").loc["Kec 1"]
    assert kec1["clients"] == sum(fx.CLIENTS[:4]) == 55  # first grid row
    assert kec1.geometry.bounds == pytest.approx((115.18, -8.70, 115.26, -8.68))


def _wiggly_coverage(cells: int = 5, step: int = 200) -> gpd.GeoSeries:
    """A valid coverage of cells x cells (2 km) polygons whose shared edges wiggle every 10 m.

    Vertex (i, j) of a fine lattice is warped by one function, so neighbours share exactly the
    same coordinates, as in a clean boundary dataset.
    """

    def xy(i, j):
        x, y = 500000 + 10.0 * i, 9000000 + 10.0 * j
        dx = 40 * np.sin(y / 50.0) + 2 * np.sin(y / 7.0)
        return (x + dx, y + 40 * np.sin(x / 60.0) + 2 * np.sin(x / 9.0))

    polys = []
    for a in range(cells):
        for b in range(cells):
            i0, j0, i1, j1 = a * step, b * step, (a + 1) * step, (b + 1) * step
            ring = [(i, j0) for i in range(i0, i1)] + [(i1, j) for j in range(j0, j1)]
            ring += [(i, j1) for i in range(i1, i0, -1)] + [(i0, j) for j in range(j1, j0, -1)]
            polys.append(shapely.Polygon([xy(i, j) for i, j in ring]))
    arr = np.array(polys, dtype=object)
    assert shapely.coverage_is_valid(arr)
    return gpd.GeoSeries(arr, crs="EPSG:32750").to_crs(4326)


def _overlap(arr: np.ndarray) -> float:
    i, j = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = i < j
    return float(shapely.area(shapely.intersection(arr[i[keep]], arr[j[keep]])).sum())


def test_coverage_simplification_has_no_gaps_or_overlaps():
    g = _wiggly_coverage()
    s = simplify_coverage(g, 30.0, decimals=5)
    m0, m1 = g.to_crs(32750).to_numpy(), s.to_crs(32750).to_numpy()
    n0, n1 = shapely.get_num_coordinates(m0).sum(), shapely.get_num_coordinates(m1).sum()
    assert n1 < 0.2 * n0  # 20,000 -> ~2,000 vertices
    total = shapely.union_all(m0).area  # 100 km2
    assert _overlap(m1) < 1e-5 * total  # only 1e-5 degree rounding slivers remain
    assert shapely.union_all(m1).area == pytest.approx(total, rel=1e-4)
    # plain per-polygon simplification, by contrast, opens overlaps/gaps between neighbours
    plain = shapely.simplify(m0, 30.0)
    assert _overlap(plain) > 100 * max(_overlap(m1), 1.0)


@pytest.mark.shared
def test_bali_html_size_target():
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    path = Path(root or "/nonexistent", "boundaries", "bali.geojson")
    if not path.exists():
        pytest.skip("IBM_GEO_SHARED_DATA not set")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))
    from bench_maps import synthetic

    g = synthetic(gpd.read_file(path))
    page = build_html_map(g, scenario=Scenario())
    assert len(page) <= 0.8e6
    assert len(_data(page)["units"]["geom"]) == 716


# -- static map and slides --------------------------------------------------------------------------
def test_static_png_and_pdf(kel, sc):
    from ibm_geo.render import render_static_map

    png = render_static_map(
        kel, scenario=sc, sites=fx.make_sites(), pilots=fx.make_pilots(), dpi=100
    )
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and im.size == (1333, 750)  # 16:9
    colors = im.convert("RGB").getcolors(1_000_000)
    assert len(colors) > 20  # not blank: classes, legend, text
    a4 = render_static_map(kel, scenario=sc, size="a4", dpi=100)
    assert Image.open(io.BytesIO(a4)).size == (1169, 827)
    pdf = render_static_map(kel, scenario=sc, size="a4", fmt="pdf")
    assert pdf.startswith(b"%PDF") and b"/MediaBox [ 0 0 841.68 595.44 ]" in pdf
    with pytest.raises(ValueError):
        render_static_map(kel, scenario=sc, size="letter")


def test_slides_titles_and_tables(kel, sc):
    from ibm_geo.render import build_slides

    data = build_slides(
        kel,
        scenario=sc,
        sites=fx.make_sites(),
        pilots=fx.make_pilots(),
        curve=fx.make_curve(),
        quality=fx.make_quality(),
        matches=fx.make_matches(),
    )
    prs = Presentation(io.BytesIO(data))

    def title(slide) -> str:
        boxes = [s for s in slide.shapes if s.has_text_frame and s.text_frame.text.strip()]
        return boxes[0].text_frame.text if boxes else ""

    titles = [title(s) for s in prs.slides]
    base = [re.sub(r" \(lanjutan\)$", "", x) for x in titles]
    order = ["Situasi saat ini", "Peta kebutuhan Agen Pemulihan", "10 desa/kelurahan prioritas",
             "Usulan keputusan", "Lokasi rekrutmen", "Berapa kelompok", "Mengapa lokasi",
             "Desa percontohan", "Angka per kab/kota", "Metode"]  # fmt: skip
    pos = [next(i for i, x in enumerate(base) if x.startswith(o)) for o in order]
    assert pos == sorted(pos), titles
    tops = [s for s, x in zip(prs.slides, base, strict=True) if x.startswith("10 desa")]
    rows = [r for s in tops for sh in s.shapes if sh.has_table for r in list(sh.table.rows)[1:]]
    assert len(rows) == 10 and rows[0].cells[0].text == "1"
    map_slide = prs.slides[base.index("Peta kebutuhan Agen Pemulihan")]
    assert any(s.shape_type == 13 for s in map_slide.shapes)  # the map picture
    assert any(s.has_chart for s in prs.slides[pos[5]].shapes)
    method = " ".join(s.text_frame.text for s in prs.slides[pos[-1]].shapes if s.has_text_frame)
    assert "3,0 km" in method and "1 tidak cocok" in method and "4 catatan masalah" in method
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert b"Zulkarnain" not in b"".join(z.read(n) for n in z.namelist())


def test_overview_dissolve_closes_slivers_and_keeps_an_enclave():
    x0, y0, s = 115.20, -8.70, 0.01
    cells, kabs = [], []
    for i in range(3):
        for j in range(3):
            gap = 5e-6 if (i, j) == (0, 1) else 0.0  # a hairline gap, as real layers have
            cells.append(
                shapely.box(x0 + i * s + gap, y0 + j * s, x0 + (i + 1) * s, y0 + (j + 1) * s)
            )
            kabs.append("Kota Enklave" if (i, j) == (1, 1) else "Kab. Sekitar")
    kel = gpd.GeoDataFrame(
        {"kab_kota": kabs, "kecamatan": "K", "clients": 1}, geometry=cells, crs=4326
    )
    d = dissolve_overview(kel, "kab_kota").set_index("kab_kota")
    ring = d.loc["Kab. Sekitar"].geometry
    assert ring.geom_type == "Polygon" and shapely.is_valid(ring)
    assert len(ring.interiors) == 1  # the enclave stays a hole; the hairline gap is gone
    assert shapely.Polygon(ring.interiors[0]).area == pytest.approx(s * s, rel=0.01)
    assert d.loc["Kota Enklave"].geometry.area == pytest.approx(s * s, rel=0.01)
    assert d.loc["Kab. Sekitar", "clients"] == 8


def test_html_source_credit_names_files_escaped(kel, sc):
    from ibm_geo.render.basemap import MapContext

    evil = '<img src=x onerror="alert(1)">.csv'
    ctx = MapContext(sources={"boundaries": "batas.geojson", "clients": evil}, demo=True)
    page = build_html_map(kel, scenario=sc, context=ctx)
    source = _data(page)["text"]["source"]
    # the attribution control inserts this line as HTML: the file name must arrive as text
    assert "<img" not in source and "&lt;img" in source
    assert "batas.geojson" in source and "batas perkiraan, data sintetis" in source


def test_overview_hides_every_total_the_hierarchy_hides():
    """The kab/kota overview (national maps) must not publish a kab/kota total that the units'
    own disclosure hides (e.g. hidden to protect a village through the province total): the
    overview's cells are the hierarchy's, not a fresh suppression of the dissolved table."""
    from ibm_geo.privacy import disclose, public_table

    # province P1: kab A (2 clients, primary) and kab B (40): B's total must hide too, or
    # A = P1 - B. A fresh suppression of the dissolved rows (no province column left) hides
    # the cheaper C of province P2 instead and publishes B
    boxes = [shapely.box(i, 0, i + 1, 1) for i in range(4)]
    kel = gpd.GeoDataFrame(
        {
            "kode": ["1", "2", "3", "4"],
            "provinsi": ["P1", "P1", "P1", "P2"],
            "kab_kota": ["A", "B", "B", "C"],
            "kecamatan": ["a", "b1", "b2", "c"],
            "clients": [2, 20, 20, 30],
        },
        geometry=boxes,
        crs=4326,
    )
    tm = disclose(kel, 5).level_table("kab_kota").set_index("kab_kota")
    assert tm.loc["A", "clients"] == "*" and tm.loc["B", "clients"] == "*"
    fresh = public_table(dissolve_overview(kel, "kab_kota").reset_index(drop=True), 5)
    assert fresh["clients"].tolist() == ["*", 40, "*"]  # the old, separate suppression
    ov = dissolve_overview(kel, "kab_kota", k=5).reset_index(drop=True)
    assert public_table(ov, 5)["clients"].tolist()[:2] == ["*", "*"]
