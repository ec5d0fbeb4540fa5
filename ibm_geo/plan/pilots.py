"""Pilot villages from the unmet-need score, each with its reasons and a comparison village."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibm_geo.components import PILOT_PROFILE
from ibm_geo.config import Scenario
from ibm_geo.errors import InputError
from ibm_geo.i18n import fmt_km, fmt_num
from ibm_geo.plan.recruitment import exact_unserved

PILOT_COLUMNS = [
    "kode",
    "nama",
    "kab_kota",
    "kecamatan",
    "score",
    "unserved",
    "reason_id",
    "reason_en",
    "comparison_kode",
    "comparison_nama",
]
# the score components (ibm_geo.components registry) plus the published counts: a pilot's
# comparison village is chosen from published values only (privacy, issue 9)
_PROFILE = (*PILOT_PROFILE, "pub_clients", "pub_unserved")


def _eligible(kel: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(eligible mask, has-existing-agents mask)."""
    cfg = scenario.pilots
    unserved = exact_unserved(kel)
    ok = unserved >= cfg.min_unserved
    existing = np.zeros(len(kel), dtype=bool)
    if "agents_active" in kel.columns:
        existing = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy() > 0
    if cfg.exclude_existing:
        ok &= ~existing
    ok &= pd.to_numeric(kel["score"], errors="coerce").notna().to_numpy()
    return ok, existing


def choose_pilots(
    kelurahan: pd.DataFrame,
    scenario: Scenario,
    sites: pd.DataFrame | None = None,
    backend=None,
) -> pd.DataFrame:
    """Pick pilot villages by score under ``scenario.pilots``.

    ``per_kab`` caps pilots per kab/kota (BNNK), ``n_total`` caps the total (highest score
    first); with ``one_per_kecamatan`` no two pilots share a kecamatan. Only units with at least
    ``min_unserved`` unserved clients qualify, and (``exclude_existing``) none that already has
    active agents. Ties are broken by kode so the choice is reproducible.

    A comparison village lies beyond the service radius of every pilot and of every proposed
    recruitment site in ``sites`` (its ``kode``), so the programme would not reach it too;
    when no unit qualifies the pilot gets no comparison rather than a contaminated one.
    ``backend`` (:mod:`ibm_geo.distance`, roads) measures that reach; default straight line.
    """
    need = ["kode", "nama", "kab_kota", "kecamatan", "score", "unserved"]
    missing = [c for c in need if c not in kelurahan.columns]
    if missing:
        raise InputError("kelurahan", f"missing columns {missing}", missing[0])
    cfg = scenario.pilots
    kel = pd.DataFrame(kelurahan.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    ok, existing = _eligible(kel, scenario)
    score = pd.to_numeric(kel["score"], errors="coerce").to_numpy(dtype=float)
    order = np.lexsort((kel["kode"].astype(str).to_numpy(), -np.nan_to_num(score, nan=-np.inf)))
    rank_all = np.empty(len(kel), dtype=np.int64)
    rank_all[order] = np.arange(1, len(kel) + 1)
    if "rank" in kel.columns:
        r = pd.to_numeric(kel["rank"], errors="coerce")
        rank_all = np.where(r.notna(), r.fillna(0).to_numpy(dtype=np.int64), rank_all)

    picked: list[int] = []
    per_kab: dict = {}
    used_kec: set = set()
    limit = np.inf if cfg.n_total is None else cfg.n_total
    for i in order:
        if len(picked) >= limit:
            break
        if not ok[i]:
            continue
        kab = kel.at[i, "kab_kota"]
        if cfg.per_kab is not None and per_kab.get(kab, 0) >= cfg.per_kab:
            continue
        kec = (kab, kel.at[i, "kecamatan"])
        if cfg.one_per_kecamatan and kec in used_kec:
            continue
        picked.append(int(i))
        per_kab[kab] = per_kab.get(kab, 0) + 1
        used_kec.add(kec)

    pool = ok | ~existing
    if cfg.comparison and picked:
        pool = pool & _beyond_reach(kelurahan, picked, sites, scenario, backend)
    comp = _comparisons(kel, picked, pool, scenario) if cfg.comparison else {}
    rows = []
    n = len(kel)
    for i in picked:
        kab = kel.at[i, "kab_kota"]
        kab_rank = sum(
            1 for j in picked if kel.at[j, "kab_kota"] == kab and rank_all[j] <= rank_all[i]
        )
        rid, ren = _reasons(kel, i, int(rank_all[i]), n, kab, kab_rank, bool(existing[i]))
        ck = comp.get(i)
        rows.append(
            {
                "kode": kel.at[i, "kode"],
                "nama": kel.at[i, "nama"],
                "kab_kota": kab,
                "kecamatan": kel.at[i, "kecamatan"],
                "score": float(score[i]),
                "unserved": int(kel.at[i, "unserved"]),
                "reason_id": rid,
                "reason_en": ren,
                "comparison_kode": None if ck is None else kel.at[ck, "kode"],
                "comparison_nama": None if ck is None else kel.at[ck, "nama"],
            }
        )
    out = pd.DataFrame(rows, columns=PILOT_COLUMNS)
    for c in ("comparison_kode", "comparison_nama"):
        out[c] = out[c].astype(object)
    return out


def unit_xy(kelurahan: pd.DataFrame, crs=None) -> np.ndarray | None:
    """Representative points in metres (``crs``, default local UTM), or None without locations."""
    import geopandas as gpd

    from ibm_geo.crs import local_utm_crs

    if {"rep_lon", "rep_lat"} <= set(kelurahan.columns):
        lon = pd.to_numeric(kelurahan["rep_lon"], errors="coerce").to_numpy(float)
        lat = pd.to_numeric(kelurahan["rep_lat"], errors="coerce").to_numpy(float)
        pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326)
    elif isinstance(kelurahan, gpd.GeoDataFrame) and kelurahan.crs is not None:
        pts = kelurahan.geometry.to_crs(4326).representative_point().reset_index(drop=True)
    else:
        return None
    if len(pts) == 0:
        return np.zeros((0, 2))
    p = pts.to_crs(crs or local_utm_crs(gpd.GeoDataFrame(geometry=pts)))
    return np.column_stack([p.x.to_numpy(), p.y.to_numpy()])


def _beyond_reach(
    kelurahan: pd.DataFrame,
    picked: list[int],
    sites: pd.DataFrame | None,
    scenario: Scenario,
    backend=None,
) -> np.ndarray:
    """Units farther than the service radius from every pilot and proposed site."""
    from scipy.spatial import cKDTree

    xy = unit_xy(kelurahan, getattr(backend, "crs", None))
    n = len(kelurahan)
    if xy is None:
        return np.ones(n, dtype=bool)
    anchors = list(picked)
    if sites is not None and len(sites) and "kode" in sites:
        kode = kelurahan["kode"].astype(str).to_numpy()
        anchors += list(np.flatnonzero(np.isin(kode, sites["kode"].astype(str).to_numpy())))
    pts = xy[np.asarray(anchors, dtype=np.int64)]
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) == 0:
        return np.ones(n, dtype=bool)
    radius = float(scenario.plan.radius_m or scenario.radius_m)
    if backend is not None:  # reach along the roads: unreachable units are beyond reach
        ok = np.isfinite(xy).all(axis=1)
        _, j, _ = backend.pairs(pts, np.nan_to_num(xy), radius)
        reached = np.zeros(n, dtype=bool)
        reached[j] = True
        return ok & ~reached
    d, _ = cKDTree(pts).query(np.nan_to_num(xy, nan=np.inf), k=1)
    return np.isfinite(xy).all(axis=1) & (d > radius)


def _reasons(kel, i, rank, n, kab, kab_rank, has_agents) -> tuple[str, str]:
    """Plain-language reasons in Bahasa Indonesia and English."""
    u = int(kel.at[i, "unserved"])
    s = float(kel.at[i, "score"])
    rid = [
        f"skor kebutuhan {fmt_num(s, 'id', 1)} (peringkat {fmt_num(rank, 'id')} dari "
        f"{fmt_num(n, 'id')})",
        # the count stays plain digits: the privacy layer hides every count next to a client
        # word in these texts, and its pattern reads digits (it is always "*" when published)
        f"{u} klien belum terlayani",
    ]
    ren = [
        f"need score {fmt_num(s, 'en', 1)} (rank {fmt_num(rank, 'en')} of {fmt_num(n, 'en')})",
        f"{u} unserved clients",
    ]
    if not has_agents:
        rid.append("belum ada Agen Pemulihan aktif")
        ren.append("no active recovery agents yet")
    if "dist_nearest_m" in kel.columns:
        d = pd.to_numeric(pd.Series([kel.at[i, "dist_nearest_m"]]), errors="coerce").iloc[0]
        if pd.notna(d):
            rid.append(f"layanan terdekat {fmt_km(d, 'id')}")
            ren.append(f"nearest service {fmt_km(d, 'en')} away")
        else:
            rid.append("tidak ada layanan terdekat yang tercatat")
            ren.append("no recorded service nearby")
    rid.append(f"pilihan ke-{kab_rank} di {kab}")
    ren.append(f"choice no. {kab_rank} in {kab}")
    return "; ".join(rid), "; ".join(ren)


def _comparisons(
    kel: pd.DataFrame, picked: list[int], pool: np.ndarray, scenario: Scenario
) -> dict:
    """Nearest non-pilot unit in standardised profile space, same kab/kota preferred.

    Each comparison village is used at most once (pilots matched in score order).
    """
    cols = [c for c in _PROFILE if c in kel.columns]
    if not cols or not picked:
        return {}
    x = kel[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    mu = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0)
    sd[~(sd > 0)] = 1.0
    z = np.nan_to_num((x - mu) / sd)
    avail = pool.copy()
    avail[picked] = False
    if scenario.pilots.exclude_existing and "agents_active" in kel.columns:
        avail &= pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy() <= 0
    kab = kel["kab_kota"].astype(object).to_numpy()
    kode = kel["kode"].astype(str).to_numpy()
    out = {}
    for i in picked:
        cand = np.flatnonzero(avail)
        if cand.size == 0:
            break
        same = cand[kab[cand] == kab[i]]
        if same.size:
            cand = same
        d = np.sqrt(((z[cand] - z[i]) ** 2).sum(axis=1))
        best = cand[np.lexsort((kode[cand], d))[0]]
        out[i] = int(best)
        avail[best] = False
    return out
