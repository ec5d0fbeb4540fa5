"""The bundled demo data: present, parseable, approximate-but-sane, reproducible and seeded."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from ibm_geo import demo

# Real Kemendagri codes (looked up in the shared bali.geojson).
KNOWN_CODES = {
    "51.71.01.1005": "Renon",
    "51.71.01.2008": "Pemogan",
    "51.03.01.1003": "Kedonganan",
    "51.04.02.2005": "Blahbatuh",
}


@pytest.fixture(scope="module")
def paths() -> dict[str, Path]:
    return demo.demo_paths()


@pytest.fixture(scope="module")
def bnd(paths) -> gpd.GeoDataFrame:
    return gpd.read_file(paths["boundaries"])


def read_clients(path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig", dtype={"agen_id": str})


def test_committed_files_exist_and_are_small(paths):
    for key in ("boundaries", "centroids", "clients", "agents", "service_points"):
        assert paths[key].exists(), key
    assert paths["boundaries"].stat().st_size < 400_000


def test_boundaries_content(bnd):
    assert bnd.crs.to_epsg() == 4326
    assert list(bnd.columns) == [*demo.BOUNDARY_COLUMNS, "geometry"]
    counts = bnd["kode_kab"].value_counts().to_dict()
    assert counts == {"51.71": 43, "51.03": 62, "51.04": 70}
    assert bnd["kode"].is_unique
    named = bnd.set_index("kode")["nama"]
    for kode, nama in KNOWN_CODES.items():
        assert named[kode] == nama
    assert bnd["approximate"].astype(bool).all()
    assert bnd.is_valid.all()
    assert set(bnd.geom_type) <= {"Polygon", "MultiPolygon"}
    # coordinates rounded to 5 decimals
    xy = shapely.get_coordinates(bnd.geometry.to_numpy())
    assert np.allclose(xy, np.round(xy, 5), atol=1e-9, rtol=0)


def test_boundaries_do_not_overlap(bnd):
    g = bnd.to_crs(demo.METRIC_CRS).geometry.reset_index(drop=True)
    total = g.area.sum()
    left, right = g.sindex.query(g, predicate="intersects")
    mask = left < right
    inter = shapely.intersection(g.to_numpy()[left[mask]], g.to_numpy()[right[mask]])
    assert mask.sum() > 300  # neighbours do touch (a partition, not islands)
    assert shapely.area(inter).sum() < 1e-6 * total


def test_each_centroid_lies_in_its_own_cell(bnd, paths):
    cen = demo.read_centroids(paths["centroids"]).set_index("kode").loc[bnd["kode"]]
    inside = shapely.contains_xy(
        bnd.geometry.to_numpy(), cen["lon"].to_numpy(), cen["lat"].to_numpy()
    )
    assert inside.all()


def test_regeneration_from_centroids_is_byte_identical(paths, tmp_path):
    out = demo.write_demo_files(tmp_path)
    assert out["boundaries"].read_bytes() == paths["boundaries"].read_bytes()
    assert out["clients"].read_bytes() == paths["clients"].read_bytes()
    assert out["agents"].read_bytes() == paths["agents"].read_bytes()
    assert out["centroids"].read_bytes() == paths["centroids"].read_bytes()
    assert out["service_points"].read_bytes() == paths["service_points"].read_bytes()


@pytest.mark.shared
def test_centroids_match_shared_layer(paths):
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not (Path(root) / "boundaries" / "bali.geojson").exists():
        pytest.skip("IBM_GEO_SHARED_DATA not set")
    real = gpd.read_file(Path(root) / "boundaries" / "bali.geojson")
    fresh = demo.centroids_from_boundaries(real)
    committed = demo.read_centroids(paths["centroids"])
    pd.testing.assert_frame_equal(fresh, committed, check_dtype=False)
    # Demo cells are not the real polygons: same code, clearly different shape.
    demo_bnd = demo.make_demo_boundaries(committed).set_index("kode")
    real = real.set_index("kode").loc[demo_bnd.index]
    a, b = demo_bnd.to_crs(demo.METRIC_CRS).geometry, real.to_crs(demo.METRIC_CRS).geometry
    iou = a.intersection(b, align=True).area / a.union(b, align=True).area
    assert iou.median() < 0.9
    assert iou.median() > 0.2  # but roughly in the right place


def test_clients_file_is_messy_like_real_files(paths):
    raw = paths["clients"].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    c = read_clients(paths["clients"])
    assert list(c.columns) == demo.CLIENT_COLUMNS
    assert len(c) == demo.DEMO_N_CLIENTS
    assert c["nik"].str.fullmatch(r"DEMO-\d{4}").all()
    assert c["lintang"].dtype == float and c["bujur"].dtype == float
    missing = c["lintang"].isna()
    assert 0.10 < missing.mean() < 0.20
    swapped = (c["lintang"] > 90).sum()
    assert 3 <= swapped <= 5
    years = pd.to_numeric(c["tahun_rehab"], errors="coerce")
    assert 2 <= years.isna().sum() <= 3
    assert years.dropna().between(2019, 2025).all()
    assert {"Kel. Antah Berantah", "Desa Sukamaju Demo"} & set(c["kelurahan"])
    status = c["status_pasca"].str.lower().value_counts(normalize=True)
    assert 0.4 < status["belum"] < 0.6 and 0.05 < status["putus"] < 0.15
    tingkat = c["tingkat"].str.lower().value_counts(normalize=True)
    assert 0.45 < tingkat["ringan"] < 0.65 and 0.08 < tingkat["berat"] < 0.22
    jalan = (c["jenis_layanan"].str.lower() == "rawat jalan").mean()
    assert 0.65 < jalan < 0.85
    # name spellings vary: upper case and prefixed forms are present
    assert c["kelurahan"].str.startswith(("Kel. ", "Desa ")).sum() > 30
    assert (c["kelurahan"] == c["kelurahan"].str.upper()).sum() > 30
    # clustered: Denpasar holds more clients than its share of units (43/175)
    dps = c["kabupaten_kota"].str.contains("denpasar", case=False).mean()
    assert dps > 43 / 175


def test_agents_and_assignments(paths):
    a = pd.read_csv(paths["agents"])
    assert list(a.columns) == demo.AGENT_COLUMNS
    assert a["agen_id"].is_unique
    assert 6 <= a["kelurahan"].nunique() <= 8
    assert 1 <= (~a["aktif"]).sum() <= 3
    # a recruitment year on every agent (progress per year), groups trained together
    assert a["tahun_rekrut"].between(2017, 2025).all()
    assert (a.groupby("kelurahan")["tahun_rekrut"].min().nunique()) >= 3
    c = read_clients(paths["clients"])
    assigned = c[c["agen_id"].notna()]
    assert len(assigned) > 5
    assert set(assigned["agen_id"]) <= set(a.loc[a["aktif"], "agen_id"])
    assert assigned["status_pasca"].str.lower().isin(["belum", "aktif"]).all()
    load = assigned["agen_id"].value_counts()
    cap = a.set_index("agen_id")["kapasitas"]
    assert (load <= cap.loc[load.index]).all()


def test_service_points(paths, bnd):
    s = pd.read_excel(paths["service_points"], engine="openpyxl")
    assert list(s.columns) == demo.SERVICE_COLUMNS
    assert {"BNNP Bali", "BNNK Denpasar", "BNNK Badung", "BNNK Gianyar"} <= set(s["nama"])
    # every point lies in the demo cell of the kelurahan it names
    cells = bnd.set_index(["nama", "kecamatan"]).geometry
    geoms = cells.loc[list(zip(s["kelurahan"], s["kecamatan"], strict=True))].to_numpy()
    assert shapely.contains_xy(geoms, s["lon"].to_numpy(), s["lat"].to_numpy()).all()


def test_synthetic_clients_seeded_and_inside(bnd):
    a = demo.make_synthetic_clients(bnd, 2000, seed=7, messy=False)
    b = demo.make_synthetic_clients(bnd, 2000, seed=7, messy=False)
    c = demo.make_synthetic_clients(bnd, 2000, seed=8, messy=False)
    pd.testing.assert_frame_equal(a, b)
    assert not a["lintang"].equals(c["lintang"])
    assert a["lintang"].notna().all()
    cells = bnd.set_index(["nama", "kecamatan", "kab_kota"]).geometry
    keys = list(zip(a["kelurahan"], a["kecamatan"], a["kabupaten_kota"], strict=True))
    geoms = cells.loc[keys].to_numpy()
    assert shapely.contains_xy(geoms, a["bujur"].to_numpy(), a["lintang"].to_numpy()).all()
    # points are spread out, not all stacked on the representative point
    assert a.groupby("kelurahan")["lintang"].nunique().max() > 5


def test_messy_clients_seeded_and_scaled(bnd):
    a = demo.make_synthetic_clients(bnd, 3000, seed=3)
    pd.testing.assert_frame_equal(a, demo.make_synthetic_clients(bnd, 3000, seed=3))
    assert len(a) == 3000 and a["no"].tolist() == list(range(1, 3001))
    assert a["nik"].str.fullmatch(r"DEMO-\d{4}").all()
    assert (a["lintang"] > 90).sum() == 20  # swaps scale with n (4 per 600)
    typo_or_known = a["kelurahan"].str.lower().str.removeprefix("kel. ").str.removeprefix("desa ")
    assert 0.9 < typo_or_known.isin(bnd["nama"].str.lower()).mean() < 0.99


def test_points_inside_multipolygons_and_slivers():
    rng = np.random.default_rng(0)
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(1, 1), (9, 1), (9, 9), (1, 9)]])
    multi = shapely.MultiPolygon([shapely.box(0, 0, 1, 1), shapely.box(50, 50, 51, 51)])
    polys = np.array([ring, multi, shapely.box(0, 0, 1e-4, 1)], dtype=object)
    idx = np.repeat(np.arange(3), 500)
    x, y = demo.random_points_in(polys, idx, rng)
    assert shapely.contains_xy(polys[idx], x, y).all()
