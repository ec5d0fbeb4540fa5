"""Hand-built result tables in the ARCHITECTURE.md contract, until the pipeline produces them.

The grid is 4 x 3 square "kelurahan" near Denpasar in 2 kab/kota; names include an HTML-injection
string, backticks and quotes so every renderer is tested against them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from ibm_geo.config import Scenario

INJECTION = "<img src=x onerror=alert(1)>"
BACKTICKS = "Desa `x` \"kutip\" 'tunggal'"

NAMES = [
    INJECTION,
    BACKTICKS,
    "Sanur",
    "Renon",
    "Panjer",
    "Sesetan",
    "Kesiman",
    "Penatih",
    "Ubung",
    "Peguyangan",
    "Pemecutan",
    "Dauh Puri",
]

# clients, status (belum, aktif, selesai, putus, unknown) -- chosen so suppression cases occur
CLIENTS = [40, 3, 12, 0, 25, 7, 18, 2, 9, 30, 15, 6]


def grid(n_cols: int = 4, n_rows: int = 3, size: float = 0.02) -> gpd.GeoDataFrame:
    """Unit squares (about 2.2 km) in EPSG:4326."""
    geoms, kodes = [], []
    for r in range(n_rows):
        for c in range(n_cols):
            x0, y0 = 115.18 + c * size, -8.70 + r * size
            geoms.append(box(x0, y0, x0 + size, y0 + size))
            kodes.append(f"51.71.0{r + 1}.{1001 + c}")
    n = len(geoms)
    return gpd.GeoDataFrame(
        {
            "kode": kodes,
            "nama": NAMES[:n],
            "jenis": ["Kelurahan" if i % 3 else "Desa" for i in range(n)],
            "kecamatan": [f"Kec {i // 4 + 1}" for i in range(n)],
            "kab_kota": ["Kota Denpasar" if i < 8 else "Kab. Badung" for i in range(n)],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def make_clients(seed: int = 7) -> pd.DataFrame:
    """Fake client records with distinctive personal data (for the leak test)."""
    rng = np.random.default_rng(seed)
    g = grid()
    rows = []
    statuses = ["belum", "aktif", "selesai", "putus", None]
    tingkat = ["ringan", "sedang", "berat"]
    for i, (kode, geom) in enumerate(zip(g["kode"], g.geometry, strict=True)):
        minx, miny, maxx, maxy = geom.bounds
        for j in range(CLIENTS[i]):
            rows.append(
                {
                    "client_id": f"KLIEN-{9931 + len(rows)}",
                    "name": "Zulkarnain Wibisono"
                    if len(rows) == 0
                    else f"Klien Rahasia {len(rows)}",
                    "kode": kode,
                    "lat": -8.6712345 if len(rows) == 0 else float(rng.uniform(miny, maxy)),
                    "lon": 115.2123456 if len(rows) == 0 else float(rng.uniform(minx, maxx)),
                    "status_pasca": statuses[(i + j) % 5],
                    "tingkat": tingkat[(i * 7 + j) % 3],
                    "jenis_layanan": "rawat_jalan" if (i + j) % 4 else "rawat_inap",
                    "tahun_rehab": 2019 + (j % 5),
                    "agen_id": f"AGEN-77{i}",
                }
            )
    return pd.DataFrame(rows)


def aggregate(
    clients: pd.DataFrame, boundaries: gpd.GeoDataFrame | None = None
) -> gpd.GeoDataFrame:
    """Per-kelurahan result table from client rows by plain groupby (test stand-in for pipeline)."""
    g = grid() if boundaries is None else boundaries.copy()
    by = clients.groupby("kode")
    out = g.copy()
    n = len(out)
    out["clients"] = out["kode"].map(by.size()).fillna(0).astype(int)
    for s in ["belum", "aktif", "selesai", "putus"]:
        cnt = clients[clients["status_pasca"] == s].groupby("kode").size()
        out[f"status_{s}"] = out["kode"].map(cnt).fillna(0).astype(int)
    unk = clients[clients["status_pasca"].isna()].groupby("kode").size()
    out["status_unknown"] = out["kode"].map(unk).fillna(0).astype(int)
    for t in ["ringan", "sedang", "berat"]:
        cnt = clients[clients["tingkat"] == t].groupby("kode").size()
        out[f"tingkat_{t}"] = out["kode"].map(cnt).fillna(0).astype(int)
    for t in ["rawat_jalan", "rawat_inap"]:
        cnt = clients[clients["jenis_layanan"] == t].groupby("kode").size()
        out[t] = out["kode"].map(cnt).fillna(0).astype(int)
    out["served"] = out["status_aktif"] + out["status_selesai"]
    rest = out["clients"] - out["served"]
    out["in_reach"] = (rest // 4).astype(int)
    out["referral_berat"] = np.minimum(out["tingkat_berat"], rest - out["in_reach"]).astype(int)
    out["unserved"] = (rest - out["in_reach"] - out["referral_berat"]).astype(int)
    out["agents_total"] = [i % 3 for i in range(n)]
    out["agents_active"] = [max(0, i % 3 - (i % 2)) for i in range(n)]
    out["agent_capacity"] = out["agents_total"] * 10
    out["agent_spare"] = np.maximum(out["agent_capacity"] - out["served"], 0)
    out["service_points"] = [1 if i in (2, 9) else 0 for i in range(n)]
    return add_scores(out)


def add_scores(out: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Representative points, distances and a simple score/rank/reasons."""
    out = out.copy()
    rp = out.geometry.representative_point()
    out["rep_lon"] = rp.x
    out["rep_lat"] = rp.y
    n = len(out)
    out["dist_nearest_m"] = [float(250 + 731 * i) if i % 5 else np.nan for i in range(n)]
    un = out["unserved"].astype(float)
    cl = out["clients"].astype(float)
    comps = {
        "unserved_count": un / max(un.max(), 1),
        "unserved_share": (un / cl.where(cl > 0)).fillna(0),
        "recency": pd.Series(np.linspace(0.1, 0.9, n), index=out.index),
        "distance": (out["dist_nearest_m"].fillna(10000) / 10000).clip(0, 1),
        "presence": (out["agents_active"] == 0).astype(float),
    }
    w = {
        "unserved_count": 35,
        "unserved_share": 20,
        "recency": 15,
        "distance": 20,
        "presence": 10,
    }
    score = pd.Series(0.0, index=out.index)
    for c, v in comps.items():
        out[f"c_{c}"] = v.astype(float)
        out[f"pts_{c}"] = v.astype(float) * w[c]
        score += out[f"pts_{c}"]
    out["score"] = score
    order = sorted(range(n), key=lambda i: (-score.iloc[i], out["kode"].iloc[i]))
    rank = np.empty(n, dtype=int)
    rank[order] = np.arange(1, n + 1)
    out["rank"] = rank
    out["priority_class"] = np.clip((score // 20).astype(int) + 1, 1, 5)
    labels = {1: "Sangat rendah", 2: "Rendah", 3: "Sedang", 4: "Tinggi", 5: "Sangat tinggi"}
    out["priority_label"] = out["priority_class"].map(labels)
    out["stability"] = np.linspace(1.0, 0.0, n).round(3)
    out["reason_id"] = [f"{u} klien belum terlayani; agen terdekat jauh" for u in out["unserved"]]
    out["reason_en"] = [f"{u} clients unserved; nearest agent far" for u in out["unserved"]]
    return out


def make_kelurahan() -> gpd.GeoDataFrame:
    return aggregate(make_clients())


def make_sites() -> pd.DataFrame:
    k = make_kelurahan().sort_values("rank").head(3)
    return pd.DataFrame(
        {
            "kode": k["kode"].to_numpy(),
            "nama": k["nama"].to_numpy(),
            "kecamatan": k["kecamatan"].to_numpy(),
            "kab_kota": k["kab_kota"].to_numpy(),
            "agents_to_recruit": [5, 5, 5],
            "newly_reached": [14, 9, 3],
            "mean_distance_m": [812.0, 1430.5, 2010.0],
            "contribution_rank": [1, 2, 3],
        }
    )


def make_pilots() -> pd.DataFrame:
    k = make_kelurahan().sort_values("rank")
    top = k.head(2)
    comp = k.tail(2)
    return pd.DataFrame(
        {
            "kode": top["kode"].to_numpy(),
            "nama": top["nama"].to_numpy(),
            "kab_kota": top["kab_kota"].to_numpy(),
            "kecamatan": top["kecamatan"].to_numpy(),
            "score": top["score"].to_numpy(),
            "unserved": top["unserved"].to_numpy(),
            "reason_id": top["reason_id"].to_numpy(),
            "reason_en": top["reason_en"].to_numpy(),
            "comparison_kode": comp["kode"].to_numpy(),
            "comparison_nama": comp["nama"].to_numpy(),
        }
    )


def make_curve() -> pd.DataFrame:
    cov = [0, 14, 23, 26, 28, 29]
    return pd.DataFrame({"p": range(6), "covered": cov, "marginal": [0] + list(np.diff(cov))})


def make_service_points() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": ["BNNK Denpasar", "Klinik <b>Pratama</b>"],
            "jenis": ["bnnk", "klinik"],
            "lat": [-8.665, -8.645],
            "lon": [115.215, 115.245],
        }
    )


def make_quality() -> pd.DataFrame:
    """Quality rows as the loaders record them: codes with parameters (``quality.Msg``)."""
    from ibm_geo.quality import DataQuality, Msg

    q = DataQuality()
    q.add(
        "klien.xlsx",
        5,
        "kelurahan",
        Msg("name_fuzzy", score=91),
        "Sanurr",
        Msg("placed_in", place="Sanur", kode="51.71.01.1003"),
    )
    q.add(
        "klien.xlsx",
        9,
        "name",
        Msg("duplicate_client_id"),
        "Zulkarnain Wibisono",
        Msg("kept_both_rows"),
    )
    q.add(
        "klien.xlsx", 12, "lat", Msg("outside_indonesia"), "-8.6712345", Msg("ignored_coordinates")
    )
    q.add("agen.csv", 3, "agen_id", Msg("agent_unknown"), "AGEN-770", Msg("not_assigned"))
    return q.to_frame().iloc[[1, 2, 3, 0]].reset_index(drop=True)  # in the order written


def make_matches() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "table": ["klien.csv"] * 3,
            "written_name": ["Sanurr", "Renon", "Kuta Utara X"],
            "kode": ["51.71.01.1003", "51.71.01.1004", None],
            "method": ["fuzzy", "exact", "unmatched"],
            "score": [91.0, 100.0, 40.0],
        }
    )


def scenario(**kw) -> Scenario:
    return Scenario(name="Skenario uji", **kw)
