"""HTML map size and build time against GeoDataFrame.explore() of the same polygons and columns.

Run: IBM_GEO_SHARED_DATA=/work/shared/data .venv/bin/python benchmarks/bench_maps.py
Ends with one line: bali_html_mb=.. bali_vs_explore=.. sulsel_html_mb=.. sulsel_vs_explore=..
national_map_s=.. national_vs_dissolve=.. (the national kab/kota overview against geopandas'
``dissolve`` of the same layer).
Also reports the coverage check (pairwise overlap and union area before/after simplification).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ibm_geo.config import Scenario
from ibm_geo.publish import publish_table  # noqa: E402
from ibm_geo.render.geometry import auto_tolerance_m, simplify_coverage
from ibm_geo.render.html_map import build_html_map, html_size_report

COUNT_COLS = [
    "clients",
    "status_belum",
    "status_aktif",
    "status_selesai",
    "status_putus",
    "status_unknown",
    "tingkat_ringan",
    "tingkat_sedang",
    "tingkat_berat",
    "served",
    "in_reach",
    "referral_berat",
    "unserved",
    "agents_active",
    "agent_spare",
    "service_points",
]


def synthetic(g: gpd.GeoDataFrame, seed: int = 42) -> gpd.GeoDataFrame:
    """Seeded per-kelurahan result columns in the ARCHITECTURE.md contract."""
    rng = np.random.default_rng(seed)
    n = len(g)
    out = g[["kode", "nama", "jenis", "kecamatan", "kab_kota", "geometry"]].copy()
    rp = out.geometry.representative_point()
    out["rep_lon"], out["rep_lat"] = rp.x, rp.y
    clients = rng.poisson(8, n)
    st = rng.multinomial(1, [0.3, 0.3, 0.2, 0.1, 0.1], size=(n, 1)).sum(axis=1)
    out["clients"] = clients
    parts = np.stack([rng.binomial(clients, p) for p in (0.3, 0.3, 0.2, 0.1)], 1)
    parts = np.minimum(parts, clients[:, None])
    out["status_belum"], out["status_aktif"], out["status_selesai"], out["status_putus"] = parts.T
    out["status_unknown"] = np.maximum(clients - parts.sum(1), 0)
    del st
    out["tingkat_ringan"] = rng.binomial(clients, 0.5)
    out["tingkat_sedang"] = rng.binomial(clients - out["tingkat_ringan"], 0.6)
    out["tingkat_berat"] = clients - out["tingkat_ringan"] - out["tingkat_sedang"]
    out["served"] = rng.binomial(clients, 0.4)
    out["in_reach"] = rng.binomial(clients - out["served"], 0.3)
    out["referral_berat"] = rng.binomial(clients - out["served"] - out["in_reach"], 0.1)
    out["unserved"] = clients - out["served"] - out["in_reach"] - out["referral_berat"]
    out["agents_active"] = rng.poisson(0.5, n)
    out["agent_spare"] = out["agents_active"] * 3
    out["service_points"] = rng.binomial(1, 0.02, n)
    out["dist_nearest_m"] = rng.gamma(2, 2000, n).round(1)
    for c in ("unserved_count", "unserved_share", "recency", "distance", "presence"):
        out[f"c_{c}"] = rng.random(n)
        out[f"pts_{c}"] = out[f"c_{c}"] * 20
    out["score"] = out[[c for c in out if c.startswith("pts_")]].sum(axis=1)
    out["rank"] = out["score"].rank(ascending=False, method="first").astype(int)
    out["priority_class"] = pd.qcut(out["score"], 5, labels=False) + 1
    out["priority_label"] = out["priority_class"].map(
        {1: "Sangat rendah", 2: "Rendah", 3: "Sedang", 4: "Tinggi", 5: "Sangat tinggi"}
    )
    out["stability"] = rng.random(n).round(2)
    out["reason_id"] = [
        f"{u} klien belum terlayani; agen terdekat {d / 1000:.1f} km"
        for u, d in zip(out["unserved"], out["dist_nearest_m"], strict=True)
    ]
    out["reason_en"] = [
        f"{u} clients unserved; nearest agent {d / 1000:.1f} km"
        for u, d in zip(out["unserved"], out["dist_nearest_m"], strict=True)
    ]
    return out


def explore_bytes(g: gpd.GeoDataFrame) -> bytes:
    m = g.explore(column="score", tiles=None)
    return m.get_root().render().encode("utf-8")


def coverage_check(g: gpd.GeoDataFrame, tol: float) -> dict[str, float]:
    """Pairwise overlap area and union area, before and after simplification (km2)."""
    crs = g.estimate_utm_crs()
    before = g.geometry.to_crs(crs)
    after = simplify_coverage(g.geometry, tol, decimals=5).to_crs(crs)

    def overlap(s: gpd.GeoSeries) -> float:
        arr = shapely.make_valid(s.to_numpy())
        tree = shapely.STRtree(arr)
        i, j = tree.query(arr, predicate="intersects")
        keep = i < j
        inter = shapely.intersection(arr[i[keep]], arr[j[keep]])
        return float(shapely.area(inter).sum()) / 1e6

    return {
        "overlap_before_km2": overlap(before),
        "overlap_after_km2": overlap(after),
        "union_before_km2": float(shapely.union_all(shapely.make_valid(before.to_numpy())).area)
        / 1e6,
        "union_after_km2": float(shapely.union_all(shapely.make_valid(after.to_numpy())).area)
        / 1e6,
    }


def run(name: str, g: gpd.GeoDataFrame, scenario: Scenario) -> tuple[float, float]:
    data = synthetic(g)
    t0 = time.perf_counter()
    page = build_html_map(publish_table(data, scenario))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ex = explore_bytes(data)
    t_ex = time.perf_counter() - t0
    tol = auto_tolerance_m(data)
    cov = coverage_check(data, tol)
    parts = html_size_report(page)
    mb, ex_mb = len(page) / 1e6, len(ex) / 1e6
    print(
        f"{name}: units={len(data)} tol_m={tol:.0f} html={mb:.2f} MB (data {parts['data'] / 1e6:.2f}, "
        f"leaflet+js {parts['other'] / 1e6:.2f}) in {t_ours:.2f} s; explore={ex_mb:.2f} MB in "
        f"{t_ex:.2f} s; ratio={mb / ex_mb:.3f}"
    )
    print(
        f"{name}: overlap km2 before={cov['overlap_before_km2']:.4f} after={cov['overlap_after_km2']:.4f}; "
        f"union km2 before={cov['union_before_km2']:.2f} after={cov['union_after_km2']:.2f}"
    )
    return mb, mb / ex_mb


def national(g: gpd.GeoDataFrame, scenario: Scenario) -> tuple[float, float]:
    """83,402 units drawn as the kab/kota overview, against geopandas' own dissolve."""
    data = synthetic(g)
    t0 = time.perf_counter()
    page = build_html_map(publish_table(data, scenario))
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    data[["kab_kota", "geometry"]].dissolve("kab_kota")  # the peer's dissolve alone
    t_peer = time.perf_counter() - t0
    print(
        f"national: units={len(data)} overview html={len(page) / 1e6:.2f} MB in {t_ours:.1f} s "
        f"(dissolve, simplify, encode); geopandas dissolve by kab_kota alone {t_peer:.1f} s"
    )
    return t_ours, t_peer


def main() -> int:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not Path(root, "boundaries").is_dir():
        print("set IBM_GEO_SHARED_DATA to the shared data folder", file=sys.stderr)
        return 2
    b = Path(root, "boundaries")
    sc = Scenario(name="Benchmark")
    bali = gpd.read_file(b / "bali.geojson")
    sulsel = gpd.read_parquet(b / "sulsel.parquet")
    bali_mb, bali_r = run("bali", bali, sc)
    sul_mb, sul_r = run("sulsel", sulsel, sc)
    nat_s, peer_s = national(gpd.read_parquet(b / "indonesia_simplified.parquet"), sc)
    print(
        f"bali_html_mb={bali_mb:.3f} bali_vs_explore={bali_r:.3f} "
        f"sulsel_html_mb={sul_mb:.3f} sulsel_vs_explore={sul_r:.3f} "
        f"national_map_s={nat_s:.1f} national_vs_dissolve={nat_s / peer_s:.2f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
