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
from ibm_geo.publish import publish_table
from ibm_geo.render.basemap import MapContext
from ibm_geo.render.geometry import dissolve_overview, simplify_coverage
from ibm_geo.render.html_map import build_html_map, decode_ints, encode_ints, inline_external_assets

#: the fixture's units with 1..4 clients in the register: opaque, the band in every count
OPAQUE = {fx.BACKTICKS: 3, "Penatih": 2}


@pytest.fixture(scope="module")
def kel():
    return fx.make_kelurahan()


@pytest.fixture(scope="module")
def sc():
    return fx.scenario()


def _pub(kel, sc, **kw):
    """The published tier of a hand table, with the fixture's decisions and reports."""
    kw.setdefault("sites", fx.make_sites())
    kw.setdefault("pilots", fx.make_pilots())
    kw.setdefault("quality", fx.make_quality())
    kw.setdefault("matches", fx.make_matches())
    return publish_table(kel, sc, **kw)


@pytest.fixture(scope="module")
def pub(kel, sc):
    ctx = MapContext(service_points=fx.make_service_points())
    return _pub(kel, sc, curve=fx.make_curve(), context=ctx)


def _assert_published_counts(published: dict, exact: dict, k: int = 5) -> None:
    """A published count next to its exact one: 0 stays 0, 1..k-1 become 0 or k, >= k move by
    at most 2 and stay >= k."""
    for col, true in exact.items():
        v = published[col]
        assert isinstance(v, int | np.integer), (col, v)
        if true == 0:
            assert v == 0, col
        elif true < k:
            assert v in (0, k), (col, true, v)
        else:
            assert abs(v - true) <= 2 and v >= k, (col, true, v)


def _data(page: bytes) -> dict:
    m = re.search(rb'<script type="application/json" id="ibm-data">(.*?)</script>', page, re.S)
    assert m
    return json.loads(m.group(1))


# -- tables -----------------------------------------------------------------------------------------
def test_ranking_csv_sorted_perturbed_and_formula_safe(kel, sc):
    k2 = kel.copy()
    k2.loc[5, "nama"] = '=HYPERLINK("http://x")'
    df = pd.read_csv(io.BytesIO(ranking_csv(_pub(k2, sc))), dtype=str, encoding="utf-8-sig")
    assert len(df) == 12
    # ten ranked areas in published rank order, the two opaque ones last without rank or score
    assert df["rank"].head(10).astype(int).tolist() == list(range(1, 11))
    tail = df.tail(2).set_index("nama")
    assert set(tail.index) == set(OPAQUE) and tail["rank"].isna().all()
    assert tail["score"].isna().all() and (tail["clients"] == "<5").all()
    assert (tail["unserved"] == "<5").all() and (tail["served"] == "<5").all()
    assert (df["nama"] == '\'=HYPERLINK("http://x")').sum() == 1
    assert "agent_spare" not in df.columns and "c_recency" not in df.columns
    # every other count is the exact one perturbed within the ptable's bounds
    exact = k2.set_index("kode")
    cols = ["clients", "served", "in_reach", "referral_berat", "unserved"]
    for _, row in df.head(10).iterrows():
        got = {c: int(row[c]) for c in cols}
        _assert_published_counts(got, {c: int(exact.loc[row["kode"], c]) for c in cols})
    assert "<5" not in set(df.head(10)["clients"]) and "*" not in set(df["clients"])
    # the published ranking follows the published counts: a unit published with 0 unserved
    # has no need and ranks below every need; a true 0 is always published 0
    scores = df.head(10)["score"].astype(float)
    assert scores.is_monotonic_decreasing
    no_need = df.head(10)["unserved"].astype(int) == 0
    assert (scores[no_need] == 0).all() and (scores[~no_need] > 0).all()
    true_zero = [kd for kd in df.head(10)["kode"] if int(exact.loc[kd, "unserved"]) == 0]
    assert set(true_zero) <= set(df.head(10)[no_need]["kode"]) and true_zero


def test_geojson_features_and_manifest(pub, kel):
    doc = json.loads(results_geojson(pub))
    assert doc["type"] == "FeatureCollection" and len(doc["features"]) == 12
    props = doc["features"][0]["properties"]
    assert "unserved" in props and "name" not in props and "c_unserved_count" not in props
    man = doc["ibm_geo_manifest"]
    assert man["suppression_k"] == 5 and man["disclosure_method"].startswith("cell key method")
    assert "disclosure_audit" not in man and "fewer than k" in man["null_counts"]
    g = gpd.read_file(io.BytesIO(results_geojson(pub)))
    assert g.to_crs(32750).area.sum() == pytest.approx(kel.to_crs(32750).area.sum())
    assert pd.api.types.is_integer_dtype(g["clients"]) or g["clients"].dtype == float
    assert g["clients"].isna().sum() == 2  # the 3- and 2-client units only
    hidden = [f["properties"] for f in doc["features"] if f["properties"]["clients"] is None]
    assert {p["nama"] for p in hidden} == set(OPAQUE)
    assert all(p["opaque"] and p["unserved"] is None and p["rank"] is None for p in hidden)
    shown = [f["properties"] for f in doc["features"] if f["properties"]["clients"] is not None]
    assert not any(p["opaque"] for p in shown) and all(p["unserved"] is not None for p in shown)


def test_geojson_text_survives_json_specials(kel, sc):
    odd = kel.copy()
    odd.loc[odd.index[0], "nama"] = 'Renon\u2028"kutip"\nbaris, \\ {x}'
    doc = json.loads(results_geojson(_pub(odd, sc)))
    names = [f["properties"]["nama"] for f in doc["features"]]
    assert 'Renon\u2028"kutip"\nbaris, \\ {x}' in names and len(names) == 12


def test_gpkg_layers(pub, tmp_path):
    path = write_bytes(tmp_path / "sub" / "r.gpkg", results_gpkg(pub))
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"kelurahan", "manifest"}
    g = gpd.read_file(path, layer="kelurahan")
    assert len(g) == 12 and g.crs.to_epsg() == 4326
    # Panjer: 25 clients, 10 served, 3 in reach, 4 unserved: numbers, perturbed
    row = g.set_index("nama").loc["Panjer"]
    exact = {"clients": 25, "served": 10, "in_reach": 3, "unserved": 4}
    _assert_published_counts({c: int(row[c]) for c in exact}, exact)
    assert not row["opaque"]
    # Penatih (2 clients): every count null, flagged opaque, unranked
    row = g.set_index("nama").loc["Penatih"]
    assert row["opaque"] and pd.isna(row["clients"]) and pd.isna(row["served"])
    assert pd.isna(row["rank"]) and pd.isna(row["score"])
    m = pyogrio.read_dataframe(path, layer="manifest")
    assert {"scenario_toml", "disclosure_method", "null_counts"} <= set(m["key"])


def test_workbook_sheets(kel, sc):
    kel = kel.copy()
    kel.loc[5, "nama"] = '=HYPERLINK("http://x")'
    data = workbook_xlsx(_pub(kel, sc, lang="en"), lang="en")
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
    assert [
        "klien.xlsx",
        5,
        "kelurahan",
        "kelurahan name matched approximately (score 91)",
        "text, 6 characters",
        "placed in Sanur [51.71.01.1003]",
    ] in q
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
    clients = {r["nama"]: r["clients"] for r in rows}
    assert {n: clients[n] for n in OPAQUE} == {n: "<5" for n in OPAQUE}
    assert all(isinstance(v, int) for n, v in clients.items() if n not in OPAQUE)
    # sites made without a plan publish their decision, not their unchecked reach
    plan = [[c.value for c in r] for r in wb["plan"].iter_rows()]
    at = plan[0].index("newly_reached")
    assert len(plan) == 4 and all(r[at] is None for r in plan[1:])
    man = {r[0].value: r[1].value for r in wb["manifest"].iter_rows(min_row=2)}
    assert man["disclosure_method"].startswith("cell key method")


def test_workbook_in_indonesian_for_people(kel, sc):
    data = workbook_xlsx(_pub(kel, sc, lang="id"), lang="id")
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
        "nama kelurahan cocok mirip (skor 91)",
        "teks, 6 karakter",
        "ditempatkan di Sanur [51.71.01.1003]",
    ] in q
    plan_head = [c.value for c in wb["rencana"][1]]
    assert "Agen direkrut" in plan_head and "agents_to_recruit" not in plan_head


def test_manifest_round_trips_the_scenario(sc):
    man = manifest("csv", sc, units=12)
    assert man["kind"] == "csv" and man["units"] == 12 and man["scenario_name"] == "Skenario uji"
    assert Scenario.from_text(man["scenario_toml"]) == sc
    rule = man["suppression_rule"]
    assert "±2" in rule and "1 to 4 become 0 or 5" in rule and "show <5" in rule
    assert "marked *" not in rule and "disclosure_audit" not in man
    assert "k=5" in man["disclosure_method"] and "maximum deviation 2" in man["disclosure_method"]
    assert json.loads(manifest("csv", sc, as_text=True))["suppression_k"] == 5


# -- HTML -------------------------------------------------------------------------------------------
def test_encoded_polyline_round_trip():
    v = np.array([3850000, -12020000, 0, -1, 1, 16, -17, 2**30])
    assert encode_ints(v[:2]) == "_p~iF~ps|U"  # Google's documented example
    assert decode_ints(encode_ints(v)).tolist() == v.tolist()


def test_html_self_contained_and_escaped(pub, kel):
    page = build_html_map(pub)
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
    # units are drawn in published rank order: the first ring is the published first's polygon
    assert names[0] == pub.geo["nama"].iloc[0]
    ring = decode_ints(data["units"]["geom"][0][0][0]).reshape(-1, 2).cumsum(axis=0) / 1e5
    assert shapely.Polygon(ring).area == pytest.approx(pub.geo.geometry.iloc[0].area, rel=1e-3)
    # an opaque unit's count travels as the band, its numeric twin is null; others are numbers
    for name in OPAQUE:
        i = names.index(name)
        assert data["units"]["unserved_lab"][i] == "<5" and data["units"]["unserved_n"][i] is None
    i = names.index("Peguyangan")  # 4 unserved in the register: published 0 or 5
    assert data["units"]["unserved_n"][i] in (0, 5)
    assert data["units"]["unserved_n"][i] == data["units"]["unserved_lab"][i]
    # the legend explains the band, not the old hidden-count star
    assert data["text"]["hidden"] == "<5: kurang dari 5 klien terdaftar"


def test_html_cdn_mode_and_inliner(pub):
    page = build_html_map(pub, self_contained=False).decode()
    assert 'src="https://unpkg.com/leaflet@1.9.4/dist/leaflet.js"' in page
    inlined = inline_external_assets(page)
    assert "unpkg.com" not in inlined and "L.map" in inlined
    with pytest.raises(ValueError, match="no vendored copy"):
        inline_external_assets('<script src="https://cdn.example/jquery.js"></script>')


def test_overview_dissolves_and_publishes_each_areas_own_totals(pub, kel):
    data = _data(build_html_map(pub, overview="kab_kota"))
    assert len(data["units"]["props"]) == 2
    fields = [f[0] for f in data["units"]["fields"]]
    rows = {p[fields.index("nama")]: p for p in data["units"]["props"]}
    # a kab/kota total is its own cell, perturbed at its own key (exact: 107 and 9 + 4 + ...):
    # the value of the published level table, within 2 of the exact total
    levels = pub.levels["kab_kota"].set_index("kab_kota")
    for kab, col in (("Kota Denpasar", "clients"), ("Kab. Badung", "unserved")):
        got = rows[kab][fields.index(col)]
        assert got == levels.loc[kab, col]
        assert abs(got - int(kel.loc[kel["kab_kota"] == kab, col].sum())) <= 2
    # the working tier's own overview sums the exact counts
    d = dissolve_overview(kel, "kecamatan")
    assert len(d) == 3 and d["clients"].sum() == sum(fx.CLIENTS)
    kec1 = d.set_index("kecamatan").loc["Kec 1"]
    assert kec1["clients"] == sum(fx.CLIENTS[:4]) == 55  # first grid row
    assert kec1.geometry.bounds == pytest.approx((115.18, -8.70, 115.26, -8.68))
    # the published one carries the kecamatan's own published total instead
    ov = pub.overview("kecamatan").set_index("kecamatan")
    assert (
        ov.loc["Kec 1", "clients"]
        == pub.levels["kecamatan"].set_index("kecamatan").loc["Kec 1", "clients"]
    )
    assert abs(ov.loc["Kec 1", "clients"] - 55) <= 2


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
    page = build_html_map(publish_table(g, Scenario()))
    assert len(page) <= 0.8e6
    assert len(_data(page)["units"]["geom"]) == 716


# -- static map and slides --------------------------------------------------------------------------
def test_static_png_and_pdf(pub, kel, sc):
    from ibm_geo.render import render_static_map

    png = render_static_map(pub, dpi=100)
    im = Image.open(io.BytesIO(png))
    assert im.format == "PNG" and im.size == (1333, 750)  # 16:9
    colors = im.convert("RGB").getcolors(1_000_000)
    assert len(colors) > 20  # not blank: classes, legend, text
    bare = publish_table(kel, sc)  # no decisions, no context
    a4 = render_static_map(bare, size="a4", dpi=100)
    assert Image.open(io.BytesIO(a4)).size == (1169, 827)
    pdf = render_static_map(bare, size="a4", fmt="pdf")
    assert pdf.startswith(b"%PDF") and b"/MediaBox [ 0 0 841.68 595.44 ]" in pdf
    with pytest.raises(ValueError):
        render_static_map(bare, size="letter")


def test_slides_titles_and_tables(pub):
    from ibm_geo.render import build_slides

    data = build_slides(pub)
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
    # the ten published ranks, in the published order; no opaque unit among them
    assert [r.cells[1].text for r in rows] == pub.top(10)["nama"].tolist()
    assert not set(OPAQUE) & {r.cells[1].text for r in rows}
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
    evil = '<img src=x onerror="alert(1)">.csv'
    ctx = MapContext(sources={"boundaries": "batas.geojson", "clients": evil}, demo=True)
    page = build_html_map(publish_table(kel, sc, context=ctx))
    source = _data(page)["text"]["source"]
    # the attribution control inserts this line as HTML: the file name must arrive as text
    assert "<img" not in source and "&lt;img" in source
    assert "batas.geojson" in source and "batas perkiraan, data sintetis" in source


def test_overview_shows_each_areas_own_published_cell():
    """The kab/kota overview (national maps) publishes a kab/kota's own cell, the value every
    other table of that level shows (same cell, same value: nothing to difference), and the band
    for a kab/kota with fewer than k clients in the register; never a sum of unit values."""
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
    pub = publish_table(kel, Scenario())
    ov = pub.overview("kab_kota").set_index("kab_kota")
    levels = pub.levels["kab_kota"].set_index("kab_kota")
    totals = pub.kab_totals.set_index("kab_kota")
    assert ov.loc["A", "clients"] == levels.loc["A", "clients"] == totals.loc["A", "clients"]
    assert ov.loc["A", "clients"] == "<5"  # 2 clients: opaque at every level
    assert pub.geo.set_index("kode").loc["1", "clients"] == "<5"
    for kab, exact in (("B", 40), ("C", 30)):
        got = ov.loc[kab, "clients"]
        assert got == levels.loc[kab, "clients"] == totals.loc[kab, "clients"]
        assert isinstance(got, int | np.integer) and abs(got - exact) <= 2
    # the map's own dissolve with the published level table gives the same cells
    same = dissolve_overview(pub.geo, "kab_kota", totals=pub.levels["kab_kota"])
    assert same.set_index("kab_kota")["clients"].to_dict() == ov["clients"].to_dict()


def test_text_cells_go_to_arrow_as_str_writes_them():
    """The CSV writer's text path (a text column straight to Arrow, anything else through
    ``str``) writes each cell as ``str`` would: text, missing (None, NaN, NA) as "", numbers
    beside a band, booleans, formula-like and quoted text."""
    import pyarrow as pa

    from ibm_geo.export.tables import _text_array

    columns = [
        pd.Series(["Sanur", None, "=1+1", 'a "b", c', "-5", "", "Kel. La'latang"], dtype=object),
        pd.Series(["a", np.nan, pd.NA, "b", None, "c", "d"], dtype=object),
        pd.Series([12, "<5", 0, None, 7, "<5", 3], dtype=object),
        pd.Series([True, False, None, True, True, False, True], dtype=object),
        pd.Series([1.5, None, "x", 2, np.nan, "y", 0.1], dtype=object),
        pd.Series(["a", "b", None, "c", "d", "e", "f"], dtype="string"),
        pd.Series([None] * 7, dtype=object),
    ]
    for s in columns:
        old = pa.array(s.astype(object).where(s.notna(), "").astype(str), type=pa.string())
        assert _text_array(s).to_pylist() == old.to_pylist(), s.tolist()


def test_csv_text_writes_what_to_csv_writes():
    """The column-wise CSV writer (Arrow kernels, Arrow's float cast in its tested range) gives
    byte for byte what ``DataFrame.to_csv`` gives after the per-cell defuse, on every kind of
    column an export holds: integers, floats of every magnitude with NaN, nullable integers,
    counts beside bands, text that needs quoting or defusing, negative changes, booleans."""
    from ibm_geo.export.tables import _defuse_frame, csv_text

    rng = np.random.default_rng(5)
    n = 4000
    mags = 10.0 ** rng.integers(-7, 17, n)

    def rounded(values, digits):  # each value to its own number of decimals
        return np.array([round(v, int(d)) for v, d in zip(values.tolist(), digits, strict=True)])

    floats = rounded(rng.random(n) * mags * rng.choice([-1, 1], n), rng.integers(0, 9, n))
    floats[rng.random(n) < 0.1] = np.nan
    floats[:6] = [0.0, -0.0, 12200.0, 1e9, 1e-4, np.inf]
    in_range = rounded(rng.random(n) * 1000, rng.integers(0, 6, n))
    # columns just outside the range Arrow's cast writes as repr does: repr must write them
    big = rounded(10.0 ** rng.uniform(9, 14, n), rng.integers(0, 5, n))
    tiny = 10.0 ** rng.uniform(-6, -4, n)
    counts = np.array([int(v) if v > 4 else "<5" for v in rng.integers(0, 60, n)], dtype=object)
    counts[::97] = None
    words = ["Kel. La'latang", "a,b", 'say "hi"', "two\nlines", "=SUM(A1)", "+62", "-x", "@me"]
    words += ["", None, "29 Ilir", "Sesetan", "\tx"]
    df = pd.DataFrame(
        {
            "kode": rng.choice(["51.71.01.1001", "73.71.11.1004"], n),
            "i": rng.integers(-(10**12), 10**12, n),
            "f": floats,
            "share": in_range,
            "big": big,
            "tiny": tiny,
            "rank": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(1, 99, n)), "Int64"),
            "clients": counts,
            "text": rng.choice(np.array(words, dtype=object), n),
            "flag": rng.random(n) < 0.5,
        }
    )
    assert csv_text(df) == _defuse_frame(df).to_csv(index=False)
    assert csv_text(df.iloc[:0]) == _defuse_frame(df.iloc[:0]).to_csv(index=False)
    # one rule of its own: a negative number (a change since the last rakor) stays a number
    change = pd.DataFrame({"change": ["-5", "-2.5", "-x"], "n": [1, 2, 3]})
    assert csv_text(change) == "change,n\n-5,1\n-2.5,2\n'-x,3\n"
