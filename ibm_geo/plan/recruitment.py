"""GeoDataFrame wrapper: from the per-kelurahan result table to a recruitment plan.

Demand is ``unserved`` per kelurahan at its representative point (optionally weighted up for
recent rehab / severity); candidates are the kelurahan themselves unless a list of sites
(kantor lurah, puskesmas, balai desa) is given; existing active agents are fixed open sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ibm_geo.config import Scenario
from ibm_geo.errors import InputError
from ibm_geo.plan.coverage_matrix import build_coverage, nearest_open
from ibm_geo.plan.greedy import coverage_curve, greedy_mclp
from ibm_geo.plan.result import SolveResult
from ibm_geo.plan.solvers import solve_lscp, solve_mclp, solve_pmedian

REQUIRED_COLUMNS = ("kode", "nama", "kecamatan", "kab_kota", "geometry", "unserved")
SITE_COLUMNS = [
    "kode",
    "nama",
    "kecamatan",
    "kab_kota",
    "agents_to_recruit",
    "newly_reached",
    "mean_distance_m",
    "contribution_rank",
]


@dataclass
class RecruitmentPlan:
    """Proposed new Agen Pemulihan groups and how much unserved demand they reach.

    ``objective``/``bound``/``gap`` are in the model's units (weighted demand for MCLP, sites
    or cost for LSCP, weighted metres for p-median); ``covered_*`` and ``curve`` are weighted
    demand (equal to unserved clients when no recency/severity weighting is set).
    """

    sites: pd.DataFrame
    curve: pd.DataFrame
    method: str
    status: str
    objective: float
    bound: float
    gap: float
    runtime_s: float
    total_demand: float
    covered_before: float
    covered_after: float
    model: str = "mclp"
    radius_m: float = 0.0
    assignment: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> pd.DataFrame:
        """One row per headline figure, for a report table."""
        rows = {
            "model": self.model,
            "method": self.method,
            "status": self.status,
            "sites": len(self.sites),
            "agents_to_recruit": int(self.sites["agents_to_recruit"].sum())
            if len(self.sites)
            else 0,
            "radius_m": self.radius_m,
            "total_demand": self.total_demand,
            "covered_before": self.covered_before,
            "covered_after": self.covered_after,
            "newly_reached": self.covered_after - self.covered_before,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "runtime_s": self.runtime_s,
        }
        return pd.DataFrame({"metric": list(rows), "value": list(rows.values())})


def _metric_crs(gdf: gpd.GeoDataFrame):
    """UTM zone of the data centroid (uses ibm_geo.crs.local_utm_crs when available)."""
    try:
        from ibm_geo.crs import local_utm_crs  # type: ignore[import-not-found]

        return local_utm_crs(gdf)
    except ImportError:
        pass
    b = gdf.to_crs(4326).total_bounds
    lon, lat = (b[0] + b[2]) / 2, (b[1] + b[3]) / 2
    zone = int((lon + 180) // 6) + 1
    return CRS.from_epsg((32700 if lat < 0 else 32600) + zone)


def _rep_points(kel: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Representative point per unit: rep_lon/rep_lat when present, else inside the polygon."""
    fallback = kel.geometry.to_crs(4326).representative_point()
    if "rep_lon" in kel.columns and "rep_lat" in kel.columns:
        lon = pd.to_numeric(kel["rep_lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(kel["rep_lat"], errors="coerce").to_numpy(dtype=float)
        ok = np.isfinite(lon) & np.isfinite(lat)
        pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326, index=kel.index)
        return pts.where(ok, fallback)
    return fallback


def _xy(points: gpd.GeoSeries, crs) -> np.ndarray:
    p = points.to_crs(crs)
    return np.column_stack([p.x.to_numpy(), p.y.to_numpy()])


def published_unserved(kelurahan: pd.DataFrame) -> np.ndarray:
    """Unserved clients per unit as published (``pub_unserved`` from :mod:`ibm_geo.scoring`:
    hidden counts = the privacy layer's fixed band value), so that no plan figure (sites,
    newly reached, curve, objective) depends on a hidden count; the raw ``unserved`` only for
    tables that were never scored (tests, notebooks)."""
    col = "pub_unserved" if "pub_unserved" in kelurahan.columns else "unserved"
    u = pd.to_numeric(kelurahan[col], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.maximum(u, 0.0)


def demand_weights(kelurahan: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Published unserved clients, weighted up by recency/severity when the scenario asks.

    weight = unserved * (1 + recency_weight * c_recency + severity_weight * share sedang/berat),
    every term from published values (``c_recency`` is computed from them; the severity share
    only where the privacy layer publishes both counts, else 0).
    """
    u = published_unserved(kelurahan)
    factor = np.ones(len(u))
    cfg = scenario.plan
    if cfg.recency_weight > 0 and "c_recency" in kelurahan.columns:
        rec = pd.to_numeric(kelurahan["c_recency"], errors="coerce").fillna(0).to_numpy(dtype=float)
        factor += cfg.recency_weight * rec
    sev_cols = {"tingkat_sedang", "tingkat_berat", "clients"}
    if cfg.severity_weight > 0 and sev_cols <= set(kelurahan.columns):
        from ibm_geo.privacy import disclose

        d = disclose(kelurahan, scenario.suppression_k)
        shown = ~(d.hidden("tingkat_sedang") | d.hidden("tingkat_berat") | d.hidden("clients"))
        sev = d.counts["tingkat_sedang"].to_numpy(float) + d.counts["tingkat_berat"].to_numpy(float)
        cl = d.counts["clients"].to_numpy(float)
        share = np.divide(sev, cl, out=np.zeros_like(sev), where=(cl > 0) & shown)
        factor += cfg.severity_weight * np.clip(share, 0, 1)
    return u * factor


def plan_recruitment(
    kelurahan: gpd.GeoDataFrame,
    scenario: Scenario,
    *,
    existing_agents: pd.DataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    metric_crs=None,
) -> RecruitmentPlan:
    """Where to recruit new Agen Pemulihan groups under ``scenario.plan``.

    ``existing_agents`` (agents table with lat/lon, aktif, kapasitas) gives fixed sites at the
    agents' own points; without it, kelurahan with ``agents_active > 0`` are fixed sites at their
    representative point with capacity ``agent_spare``. ``candidates`` (points, optional
    ``nama``) replaces the default candidate set (every kelurahan's representative point); each
    candidate is attributed to the kelurahan polygon it falls in.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in kelurahan.columns]
    if missing:
        raise InputError("kelurahan", f"missing columns {missing}", missing[0])
    if kelurahan.crs is None:
        raise InputError("kelurahan", "geometry has no CRS", "geometry")
    if len(kelurahan) == 0:
        raise InputError("kelurahan", "no rows to plan for")
    cfg = scenario.plan
    radius = float(cfg.radius_m or scenario.radius_m)
    crs = metric_crs or _metric_crs(kelurahan)
    kel = kelurahan.reset_index(drop=True)
    ident = kel[["kode", "nama", "kecamatan", "kab_kota"]].copy()
    d_xy = _xy(_rep_points(kel), crs)
    w = demand_weights(kel, scenario)
    unserved = published_unserved(kel)

    # -- candidates ---------------------------------------------------------------------------
    if candidates is None:
        c_ident = ident.copy()
        c_xy = d_xy
    else:
        if len(candidates) and candidates.crs is None:
            raise InputError("candidates", "geometry has no CRS", "geometry")
        cpts = candidates.geometry.to_crs(4326).representative_point()
        cgdf = gpd.GeoDataFrame(
            {"candidate_name": candidates.get("nama", pd.Series(None, index=candidates.index))},
            geometry=cpts.values,
            crs=4326,
        ).reset_index(drop=True)
        joined = gpd.sjoin(
            cgdf,
            kel[["kode", "nama", "kecamatan", "kab_kota", "geometry"]].to_crs(4326),
            how="left",
            predicate="within",
        )
        joined = joined[~joined.index.duplicated(keep="first")].sort_index()
        c_ident = joined[["kode", "nama", "kecamatan", "kab_kota"]].reset_index(drop=True)
        c_ident["candidate_name"] = joined["candidate_name"].to_numpy()
        c_xy = _xy(cgdf.geometry, crs)
    mc = len(c_xy)

    # -- fixed (existing) sites ---------------------------------------------------------------
    f_xy = np.zeros((0, 2))
    f_cap = np.zeros(0)
    if cfg.keep_existing:
        if existing_agents is not None and {"lat", "lon"} <= set(existing_agents.columns):
            ag = existing_agents
            if "aktif" in ag.columns:
                ag = ag[ag["aktif"].fillna(False).astype(bool)]
            lat = pd.to_numeric(ag["lat"], errors="coerce")
            lon = pd.to_numeric(ag["lon"], errors="coerce")
            ok = (lat.notna() & lon.notna()).to_numpy()
            pts = gpd.GeoSeries(gpd.points_from_xy(lon[ok], lat[ok]), crs=4326)
            f_xy = _xy(pts, crs) if len(pts) else f_xy
            kap = ag.get("kapasitas", pd.Series(np.nan, index=ag.index))
            f_cap = pd.to_numeric(kap, errors="coerce").fillna(scenario.default_capacity)
            f_cap = f_cap.to_numpy(float)[ok]
        elif "agents_active" in kel.columns:
            act = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy() > 0
            f_xy = d_xy[act]
            spare = kel.get("agent_spare", pd.Series(np.nan, index=kel.index))
            f_cap = pd.to_numeric(spare, errors="coerce").fillna(0).to_numpy(float)[act]
    nf = len(f_xy)
    all_xy = np.vstack([c_xy, f_xy]) if nf else c_xy
    fixed = np.arange(mc, mc + nf)
    codes = c_ident["kode"].astype(object).to_numpy()
    required = np.flatnonzero(np.isin(codes, list(cfg.required)))
    forbidden = np.flatnonzero(np.isin(codes, list(cfg.forbidden)))
    groups = np.concatenate([c_ident["kab_kota"].astype(object).to_numpy(), np.full(nf, None)])
    cost = np.concatenate([np.full(mc, cfg.cost_per_site), np.zeros(nf)])
    cap = None
    fcap = None
    if cfg.capacity is not None:
        cap = np.concatenate([np.full(mc, float(cfg.capacity)), f_cap])
        fcap = cap
    quotas = dict(
        groups=groups,
        min_per_group=dict(cfg.min_per_kab) or None,
        max_per_group=dict(cfg.max_per_kab) or None,
    )

    # -- solve ---------------------------------------------------------------------------------
    cov = build_coverage(d_xy, all_xy, radius)
    common = dict(fixed=fixed, required=required, forbidden=forbidden)
    if cfg.model == "lscp":
        res = solve_lscp(
            cov,
            w,
            cfg.target_share,
            cost=cost,
            mip_gap=cfg.mip_gap,
            time_limit=cfg.time_limit_s,
            **common,
            **quotas,
        )
    elif cfg.model == "pmedian":
        far = max(radius, scenario.distance_cap_m)
        pcov = build_coverage(d_xy, all_xy, far)
        res = solve_pmedian(
            pcov,
            w,
            cfg.p,
            unassigned_penalty=far,
            mip_gap=cfg.mip_gap,
            time_limit=cfg.time_limit_s,
            **common,
        )
        # report coverage within the service radius, like the other models
        res.flows = None
    else:
        kw = dict(
            capacity=cap, fixed_capacity=fcap, cost=cost, budget=cfg.budget, **common, **quotas
        )
        if cfg.exact:
            res = solve_mclp(cov, w, cfg.p, mip_gap=cfg.mip_gap, time_limit=cfg.time_limit_s, **kw)
        else:
            res = greedy_mclp(cov, w, cfg.p, **kw)

    sites, assignment = _describe(res, cov, w, unserved, ident, c_ident, fixed, cap, scenario)
    curve = coverage_curve(
        cov,
        w,
        cfg.curve_max_p,
        fixed=fixed,
        forbidden=forbidden,
        capacity=cap,
        fixed_capacity=fcap,
    )
    return RecruitmentPlan(
        sites=sites,
        curve=curve,
        method=res.method,
        status=res.status,
        objective=float(res.objective),
        bound=float(res.bound),
        gap=float(res.gap),
        runtime_s=float(res.runtime_s),
        total_demand=float(res.total_demand),
        covered_before=float(res.covered_before),
        covered_after=float(res.covered_after),
        model=cfg.model,
        radius_m=radius,
        assignment=assignment,
    )


def _describe(
    res: SolveResult, cov, w, unserved, ident, c_ident, fixed, cap, scenario
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-site and per-kelurahan tables from an array-level solution."""
    n = cov.n_demand
    sel = np.asarray(res.selected, dtype=np.int64)
    scale = np.divide(unserved, w, out=np.zeros_like(unserved), where=w > 0)
    site_of = np.full(n, -1, dtype=np.int64)
    dist_of = np.full(n, np.nan)
    before_site, _ = nearest_open(cov, fixed)
    if res.flows is not None and len(res.flows[0]):
        fi, fj, fa = res.flows
        new = np.isin(fj, sel)
        fi, fj, fa = fi[new], fj[new], fa[new]
        dmat = cov.distance.tocsr()
        fd = np.array([_pair_distance(dmat, i, j) for i, j in zip(fi, fj, strict=True)])
        clients = fa * scale[fi]
        per = pd.DataFrame({"site": fj, "reach": clients, "wd": clients * fd})
        agg = per.groupby("site").agg(reach=("reach", "sum"), wd=("wd", "sum"))
        # biggest flow decides the kelurahan's site in the per-kelurahan table
        order = np.argsort(-fa, kind="stable")
        for i, j, d in zip(fi[order][::-1], fj[order][::-1], fd[order][::-1], strict=True):
            site_of[i], dist_of[i] = j, d
    else:
        s_new, d_new = nearest_open(cov, sel)
        newly = (before_site < 0) & (s_new >= 0)
        site_of[newly], dist_of[newly] = s_new[newly], d_new[newly]
        per = pd.DataFrame(
            {"site": site_of[newly], "reach": unserved[newly], "wd": unserved[newly] * d_new[newly]}
        )
        agg = per.groupby("site").agg(reach=("reach", "sum"), wd=("wd", "sum"))
    # contribution rank: greedy order restricted to the chosen sites (1 = largest marginal gain)
    rank = {}
    if sel.size:
        others = np.setdiff1d(np.arange(cov.n_candidates), np.concatenate([sel, fixed]))
        g = greedy_mclp(
            cov,
            w,
            len(sel),
            fixed=fixed,
            forbidden=others,
            capacity=cap,
            fixed_capacity=cap,
            stop_at_zero=False,
        )
        rank = {int(j): k + 1 for k, j in enumerate(g.selected)}
    rows = []
    for j in sel:
        reach = float(agg["reach"].get(j, 0.0)) if len(agg) else 0.0
        wd = float(agg["wd"].get(j, 0.0)) if len(agg) else 0.0
        row = {c: c_ident.iloc[j][c] for c in ["kode", "nama", "kecamatan", "kab_kota"]}
        row.update(
            agents_to_recruit=scenario.group_size,
            newly_reached=round(reach, 6),
            mean_distance_m=wd / reach if reach > 0 else np.nan,
            contribution_rank=rank.get(int(j), len(sel)),
        )
        if "candidate_name" in c_ident.columns:
            row["candidate_name"] = c_ident.iloc[j]["candidate_name"]
        rows.append(row)
    cols = SITE_COLUMNS + (["candidate_name"] if "candidate_name" in c_ident.columns else [])
    sites = pd.DataFrame(rows, columns=cols)
    if len(sites):
        sites = sites.sort_values(["contribution_rank", "kode"], kind="stable").reset_index(
            drop=True
        )
        sites["contribution_rank"] = np.arange(1, len(sites) + 1)
    m_codes = np.concatenate([c_ident["kode"].astype(object).to_numpy(), np.full(len(fixed), None)])
    assignment = ident.copy()
    assignment["demand"] = unserved
    assignment["weight"] = w
    assignment["covered_before"] = before_site >= 0
    assignment["covered_after"] = (before_site >= 0) | (site_of >= 0)
    assignment["site_kode"] = pd.Series(
        np.where(site_of >= 0, m_codes[np.maximum(site_of, 0)], None), dtype=object
    )
    assignment["distance_m"] = dist_of
    return sites, assignment


def _pair_distance(dmat, i: int, j: int) -> float:
    lo, hi = dmat.indptr[i], dmat.indptr[i + 1]
    cols = dmat.indices[lo:hi]
    k = np.flatnonzero(cols == j)
    return float(dmat.data[lo + k[0]]) if k.size else np.nan


def plan_to_frame(plan: RecruitmentPlan) -> pd.DataFrame:
    """Sites table with the plan's headline figures as leading columns (for CSV/Excel export)."""
    out = plan.sites.copy()
    out.insert(0, "method", plan.method)
    out.insert(1, "model", plan.model)
    out["plan_gap"] = plan.gap
    return out
