"""GeoDataFrame wrapper: from the per-kelurahan result table to a recruitment plan.

Demand is ``unserved`` per kelurahan at its representative point (optionally weighted up for
recent rehab / severity); candidates are the kelurahan themselves unless a list of sites
(kantor lurah, puskesmas, balai desa) is given; existing active agents are fixed open sites.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from ibm_geo.config import Scenario
from ibm_geo.crs import local_utm_crs, point_inside, rep_xy
from ibm_geo.errors import InputError, UserError
from ibm_geo.i18n import fmt_num, t
from ibm_geo.plan.coverage_matrix import build_coverage, covered_by, nearest_open
from ibm_geo.plan.curve import coverage_curve
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.models import MCLP, PMedian, model_class
from ibm_geo.plan.problem import Problem
from ibm_geo.plan.reach import plan_backend, reach_text
from ibm_geo.plan.result import SolveResult

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
    "solver",
]
#: issue 22, after SITE_COLUMNS (exports whitelist SITE_COLUMNS until the publish step shows
#: it): "model" (placed where it reaches new clients) or "ranking" (``plan.place_all``)
SITE_EXTRA_COLUMNS = ["chosen_by"]


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
    #: why the exact solver did not answer ("" when it did); also in ``sites["solver"]``
    fallback: str = ""
    #: one line naming the solver and, for a fallback, the reason (written in every output)
    solver: str = ""
    #: clients one new group can take (None = unlimited)
    new_group_capacity: float | None = None
    #: reach model: "desa", "straight" (radius, straight line) or "road" (radius, road travel)
    reach: str = "straight"
    #: how reach is decided, one clause per language
    reach_text: dict = field(default_factory=dict)
    #: groups asked for (``plan.p``; None for LSCP, which decides the number itself)
    requested: int | None = None
    #: groups the model placed where they reach new clients
    placed: int = 0
    #: groups placed by the ranking (``plan.place_all``) because the model had no use for them
    by_ranking: int = 0
    #: why fewer than ``requested`` were placed by the model: "", "no_new_clients", "budget",
    #: "no_candidates"
    unplaced_reason: str = ""
    #: which advice :meth:`groups_line` gives ("desa", "desa+", "radius", "budget", "")
    remedy: str = ""

    #: what :meth:`with_demand` needs to evaluate the same decision for another demand
    _context: dict | None = field(default=None, repr=False)

    def with_demand(self, unserved: np.ndarray) -> RecruitmentPlan:
        """The same sites (the decision, taken on exact counts) with the clients they reach,
        the coverage before/after and the curve computed for another demand per kelurahan
        (the published tier's counts, in the order of the planned table), so every published
        plan figure is a function of published numbers and public geometry only. Reach is
        capped by a new group's capacity; the curve is the greedy curve of that demand."""
        ctx = self._context
        if ctx is None:
            raise ValueError("this plan keeps no context to re-evaluate")
        u = np.maximum(np.nan_to_num(np.asarray(unserved, dtype=float)), 0.0)
        # no flows to re-use: existing and earlier groups take their spare capacity up front,
        # a new group is capped by its own capacity below
        pb = Problem.build(ctx["cov"], u, ctx["p"], **ctx["build"]).uncapacitated()
        # the decision as it stands: the final sites (a site that reached nobody was dropped,
        # plan.place_all may have added some from the ranking)
        c_kode = ctx["c_ident"]["kode"].astype(str)
        sel = np.flatnonzero(c_kode.isin(self.sites["kode"].astype(str)).to_numpy())
        res = replace(ctx["result"], selected=sel, flows=None)
        sites, assignment = _describe(
            res, pb, u, u, ctx["ident"], ctx["c_ident"], ctx["scenario"], greedy_rank=False
        )
        if len(sites):
            order = {
                kd: r
                for kd, r in zip(self.sites["kode"], self.sites["contribution_rank"], strict=True)
            }
            sites["contribution_rank"] = [
                order.get(kd, r)
                for kd, r in zip(sites["kode"], sites["contribution_rank"], strict=True)
            ]
            sites = sites.sort_values("contribution_rank", kind="stable").reset_index(drop=True)
            if self.new_group_capacity is not None:
                sites["newly_reached"] = np.minimum(sites["newly_reached"], self.new_group_capacity)
            by = dict(zip(self.sites["kode"], self.sites["solver"], strict=True))
            sites["solver"] = [by.get(kd, self.solver) for kd in sites["kode"]]
            if "chosen_by" in self.sites:
                ch = dict(zip(self.sites["kode"], self.sites["chosen_by"], strict=True))
                sites["chosen_by"] = [ch.get(kd, "model") for kd in sites["kode"]]
        before = float(assignment["reached_before"].sum())
        curve = coverage_curve(pb, max_p=ctx["max_p"])
        return replace(
            self,
            sites=sites,
            curve=curve,
            assignment=assignment,
            total_demand=float(u.sum()),
            covered_before=before,
            covered_after=before + float(sites["newly_reached"].sum()) if len(sites) else before,
            objective=float("nan"),
            bound=float("nan"),
            gap=float("nan"),
            _context=None,
        )

    def groups_line(self, lang: str = "id") -> str:
        """Every requested group accounted for, in one sentence: how many were placed, why the
        rest were not, and what would place them ("" when nothing needs saying)."""
        return groups_sentence(self, lang)

    def summary(self) -> pd.DataFrame:
        """One row per headline figure, for a report table."""
        rows = {
            "model": self.model,
            "method": self.method,
            "status": self.status,
            "solver": self.solver,
            "fallback": self.fallback,
            "new_group_capacity": self.new_group_capacity,
            "reach": self.reach,
            "groups_requested": self.requested,
            "groups_placed": self.placed,
            "groups_by_ranking": self.by_ranking,
            "groups_unplaced_reason": self.unplaced_reason,
            "groups_note": self.groups_line("en"),
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


def ordinals(first: int, last: int, lang: str = "id") -> str:
    """ "kelompok ke-3 dan ke-4" / "groups 3 and 4" (a range beyond two)."""
    form = "one" if first == last else "two" if last == first + 1 else "range"
    return t(f"groups.{form}", lang, first=fmt_num(first, lang), last=fmt_num(last, lang))


def groups_sentence(plan, lang: str = "id") -> str:
    """See :meth:`RecruitmentPlan.groups_line`."""
    req = plan.requested
    if req is None or (plan.placed >= req):
        return ""

    parts = [
        t("groups.placed", lang, placed=fmt_num(plan.placed, lang), requested=fmt_num(req, lang))
    ]
    first, last = plan.placed + 1, req
    reach = plan.reach if plan.reach in ("desa", "straight", "road") else "straight"
    model = t(f"groups.model.{reach}", lang)
    if plan.unplaced_reason:
        parts.append(
            t(
                f"groups.{plan.unplaced_reason}",
                lang,
                which=ordinals(first, last, lang),
                model=model,
            )
        )
    if plan.by_ranking:
        names = ", ".join(map(str, plan.sites.loc[plan.sites["chosen_by"] == "ranking", "nama"]))
        parts.append(
            t(
                "groups.by_ranking",
                lang,
                which=ordinals(first, first + plan.by_ranking - 1, lang),
                names=names,
            )
        )
    if plan.placed + plan.by_ranking < req and plan.remedy:
        parts.append(t("groups.remedy." + plan.remedy, lang))
    return "; ".join(parts) + "."


def _xy(points: gpd.GeoSeries, crs) -> np.ndarray:
    p = points.to_crs(crs)
    return np.column_stack([p.x.to_numpy(), p.y.to_numpy()])


def unserved_of(kelurahan: pd.DataFrame) -> np.ndarray:
    """Unserved clients per unit, exact: decisions are taken on the working tier's figures;
    what the plan publishes is re-evaluated on published counts (:meth:`RecruitmentPlan.with_demand`)."""
    u = pd.to_numeric(kelurahan["unserved"], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.maximum(u, 0.0)


def demand_weights(kelurahan: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Unserved clients, weighted up by recency/severity when the scenario asks.

    weight = unserved * (1 + recency_weight * c_recency + severity_weight * share sedang/berat),
    on exact counts (the share of sedang/berat among the unit's clients).
    """
    u = unserved_of(kelurahan)
    factor = np.ones(len(u))
    cfg = scenario.plan
    if cfg.recency_weight > 0 and "c_recency" in kelurahan.columns:
        rec = pd.to_numeric(kelurahan["c_recency"], errors="coerce").fillna(0).to_numpy(dtype=float)
        factor += cfg.recency_weight * rec
    sev_cols = {"tingkat_sedang", "tingkat_berat", "clients"}
    if cfg.severity_weight > 0 and sev_cols <= set(kelurahan.columns):
        num = {
            c: pd.to_numeric(kelurahan[c], errors="coerce").fillna(0).to_numpy(dtype=float)
            for c in sev_cols
        }
        sev = num["tingkat_sedang"] + num["tingkat_berat"]
        cl = num["clients"]
        share = np.divide(sev, cl, out=np.zeros_like(sev), where=cl > 0)
        factor += cfg.severity_weight * np.clip(share, 0, 1)
    return u * factor


def new_group_capacity(scenario: Scenario) -> float | None:
    """Clients one new group can take: ``plan.capacity`` when set, else group size x clients
    per agent (what the sidebar promises); None only when the scenario asks for unlimited."""
    cfg = scenario.plan
    if cfg.unlimited_capacity:
        return None
    if cfg.capacity is not None:
        return float(cfg.capacity)
    return float(scenario.group_size * scenario.default_capacity)


def _norm_kab(name) -> str:
    return " ".join(str(name).split()).casefold()


def check_quotas(
    kab_of_candidate: np.ndarray, scenario: Scenario, available: np.ndarray | None = None
) -> tuple[dict[str, int], dict[str, int]]:
    """Quotas per kab/kota mapped onto the candidates' own spelling, or a :class:`UserError`.

    A quota naming a kab/kota that no candidate lies in, a minimum above its maximum or above
    the number of candidates there, or minimums adding up to more than ``p`` groups would
    otherwise be dropped silently by a solver (infeasible model -> fallback).
    """
    cfg = scenario.plan
    labels = [x for x in pd.unique(pd.Series(kab_of_candidate, dtype=object)) if pd.notna(x)]
    canon = {_norm_kab(x): str(x) for x in labels}
    valid = sorted(canon.values())
    out: list[dict[str, int]] = []
    for option, quotas in (("min_per_kab", cfg.min_per_kab), ("max_per_kab", cfg.max_per_kab)):
        mapped: dict[str, int] = {}
        for key, value in quotas.items():
            name = canon.get(_norm_kab(key))
            if name is None:
                shown = valid if len(valid) <= 40 else [*valid[:40], "..."]
                raise UserError("plan.quota_unknown_kab", option=option, kab=key, valid=shown)
            mapped[name] = mapped.get(name, 0) + int(value)
        out.append(mapped)
    mins, maxs = out
    kab = np.asarray(kab_of_candidate, dtype=object)
    ok = np.ones(len(kab), bool) if available is None else np.asarray(available, bool)
    for name, lo in mins.items():
        hi = maxs.get(name)
        if hi is not None and lo > hi:
            raise UserError("plan.quota_min_above_max", kab=name, min=lo, max=hi)
        n = int(((kab == name) & ok).sum())
        if lo > n:
            raise UserError("plan.quota_min_above_candidates", kab=name, min=lo, n=n)
    need = sum(mins.values())
    if model_class(cfg.model) is MCLP and need > cfg.p:
        raise UserError("plan.quota_min_above_p", total=need, p=cfg.p, mins=_pairs(mins))
    if cfg.budget is not None and need * cfg.cost_per_site > cfg.budget + 1e-9:
        raise UserError(
            "plan.quota_min_above_budget",
            total=need,
            cost=need * cfg.cost_per_site,
            budget=cfg.budget,
        )
    return mins, maxs


def _pairs(d: dict) -> list[str]:
    return [f"{k} >= {v}" for k, v in d.items()]


def _fixed_sites(
    kel: pd.DataFrame, d_xy: np.ndarray, scenario: Scenario, existing_agents, crs
) -> tuple[np.ndarray, np.ndarray]:
    """Existing agents as fixed sites with their *spare* capacity (a full agent reaches nobody).

    Without an agents table, each unit with active agents is one fixed site at its
    representative point with the unit's ``agent_spare`` (capacity left after the analysis
    assigned clients in reach). An agents table uses its ``spare`` column when present, else
    ``kapasitas`` (or the scenario default) as if the agent had no clients yet.
    """
    empty = np.zeros((0, 2)), np.zeros(0)
    if not scenario.plan.keep_existing:
        return empty
    if existing_agents is not None and {"lat", "lon"} <= set(existing_agents.columns):
        ag = existing_agents
        if "aktif" in ag.columns:
            ag = ag[ag["aktif"].fillna(False).astype(bool)]
        lat = pd.to_numeric(ag["lat"], errors="coerce")
        lon = pd.to_numeric(ag["lon"], errors="coerce")
        ok = (lat.notna() & lon.notna()).to_numpy()
        if not ok.any():
            return empty
        pts = gpd.GeoSeries(gpd.points_from_xy(lon[ok], lat[ok]), crs=4326)
        col = "spare" if "spare" in ag.columns else "kapasitas"
        kap = ag.get(col, pd.Series(np.nan, index=ag.index))
        cap = pd.to_numeric(kap, errors="coerce").fillna(scenario.default_capacity)
        return _xy(pts, crs), np.maximum(cap.to_numpy(float)[ok], 0.0)
    if "agents_active" in kel.columns:
        act = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy() > 0
        spare = kel.get("agent_spare", pd.Series(np.nan, index=kel.index))
        cap = pd.to_numeric(spare, errors="coerce").fillna(0).to_numpy(float)[act]
        return d_xy[act], np.maximum(cap, 0.0)
    return empty


def plan_recruitment(
    kelurahan: gpd.GeoDataFrame,
    scenario: Scenario,
    *,
    existing_agents: pd.DataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    metric_crs=None,
    backend=None,
    prior_sites: pd.DataFrame | None = None,
) -> RecruitmentPlan:
    """Where to recruit new Agen Pemulihan groups under ``scenario.plan``.

    Reach follows ``plan.reach`` (:func:`ibm_geo.plan.reach.plan_backend`: the desa model by
    default; ``backend`` is the analysis's straight-line or road backend for the radius model).
    Existing agents are fixed sites that reach only up to their spare capacity (see
    :func:`_fixed_sites`); ``prior_sites`` (``kode``, optional ``capacity``) are groups placed in
    earlier phases, fixed at their kelurahan with one group's capacity. New groups take
    :func:`new_group_capacity` clients each and open only where the kelurahan has unserved
    clients of its own (unless ``plan.sites_without_clients``). ``candidates`` (points, optional
    ``nama``) replaces the default candidate set (every kelurahan's representative point); each
    candidate is attributed to the kelurahan polygon it falls in. Quotas are checked first
    (:func:`check_quotas`). Every requested group is accounted for (``requested``, ``placed``,
    :meth:`RecruitmentPlan.groups_line`).
    """
    _check_kelurahan(kelurahan)
    cfg = scenario.plan
    radius = scenario.site_radius_m
    crs = metric_crs or getattr(backend, "crs", None) or local_utm_crs(kelurahan)
    kel = kelurahan.reset_index(drop=True)
    backend = plan_backend(kel, scenario, backend, crs)
    ident = kel[["kode", "nama", "kecamatan", "kab_kota"]].copy()
    d_xy = rep_xy(kel, crs)
    w = demand_weights(kel, scenario)
    unserved = unserved_of(kel)

    c_ident, all_xy, new_cap, build = _all_sites(
        kel, ident, d_xy, unserved, scenario, candidates, existing_agents, prior_sites, crs
    )

    model, problem, res = _solve_model(scenario, d_xy, all_xy, w, build, backend)
    sites, assignment = _describe(res, problem, w, unserved, ident, c_ident, scenario)
    sites = _drop_useless(sites, model, cfg)
    requested = int(cfg.p) if model.counts_sites else None
    reason = _unplaced_reason(problem, sites, requested, cfg)
    if cfg.place_all and requested is not None and reason == "no_new_clients":
        sites = _place_by_ranking(kel, sites, requested, c_ident, scenario)
    curve = coverage_curve(problem, max_p=cfg.curve_max_p)
    solver = _solver_label(res)
    sites = _with_solver(sites, solver)
    return RecruitmentPlan(
        sites=sites,
        curve=curve,
        **_result_figures(res),
        model=cfg.model,
        radius_m=radius,
        assignment=assignment,
        fallback=res.fallback,
        solver=solver,
        new_group_capacity=new_cap,
        reach="desa" if cfg.reach == "desa" else getattr(backend, "kind", "straight"),
        reach_text={lang: reach_text(scenario, lang) for lang in ("id", "en")},
        requested=requested,
        placed=int((sites["chosen_by"] == "model").sum()),
        by_ranking=int((sites["chosen_by"] == "ranking").sum()),
        unplaced_reason=reason,
        remedy=_remedy_key(reason, scenario),
        _context={
            "cov": problem.cov,
            "p": cfg.p,
            "build": build,
            "result": res,
            "ident": ident,
            "c_ident": c_ident,
            "scenario": scenario,
            "max_p": cfg.curve_max_p,
        },
    )


def _all_sites(kel, ident, d_xy, unserved, scenario, candidates, existing_agents, prior_sites, crs):
    """Candidates then fixed sites (existing agents, prior phases): (candidate identity, metric
    xy of every site, a new group's capacity, the problem's site rules)."""
    c_ident, c_xy = _candidate_sites(kel, candidates, ident, d_xy, crs)
    f_xy, f_cap = _fixed_sites(kel, d_xy, scenario, existing_agents, crs)
    new_cap = new_group_capacity(scenario)
    p_xy, p_cap = _prior_sites(kel, prior_sites, d_xy, new_cap)
    f_xy, f_cap = np.vstack([f_xy.reshape(-1, 2), p_xy]), np.concatenate([f_cap, p_cap])
    all_xy = np.vstack([c_xy, f_xy]) if len(f_xy) else c_xy
    build = _site_rules(kel, c_ident, f_cap, unserved, new_cap, scenario)
    return c_ident, all_xy, new_cap, build


def _with_solver(sites: pd.DataFrame, solver: str) -> pd.DataFrame:
    """Each site says which solver chose it (or the ranking); the site columns lead."""
    sites["solver"] = np.where(
        sites["chosen_by"] == "model", solver, "ranking (plan.place_all)"
    ).astype(object)
    return sites[[*SITE_COLUMNS, *[c for c in sites.columns if c not in SITE_COLUMNS]]]


def _result_figures(res: SolveResult) -> dict:
    """The solver's headline figures, as plain floats."""
    return {
        "method": res.method,
        "status": res.status,
        "objective": float(res.objective),
        "bound": float(res.bound),
        "gap": float(res.gap),
        "runtime_s": float(res.runtime_s),
        "total_demand": float(res.total_demand),
        "covered_before": float(res.covered_before),
        "covered_after": float(res.covered_after),
    }


def _check_kelurahan(kelurahan: gpd.GeoDataFrame) -> None:
    """The kelurahan table has the columns, a CRS and rows to plan for, or a typed error."""
    missing = [c for c in REQUIRED_COLUMNS if c not in kelurahan.columns]
    if missing:
        raise InputError("kelurahan", f"missing columns {missing}", missing[0])
    if kelurahan.crs is None:
        raise InputError("kelurahan", "geometry has no CRS", "geometry")
    if len(kelurahan) == 0:
        raise InputError("kelurahan", "no rows to plan for")


def _solve_model(scenario: Scenario, d_xy, all_xy, w, build: dict, backend):
    """One problem, the scenario's model: (model, problem, result). The problem's coverage is
    within the service radius (p-median solves with a wider reach, then reports within it)."""
    cfg = scenario.plan
    radius = scenario.site_radius_m
    model_cls = model_class(cfg.model)
    # p-median assigns demand beyond the service radius too (up to the distance cap)
    far = max(radius, scenario.distance_cap_m) if model_cls is PMedian else radius
    cov = build_coverage(d_xy, all_xy, far, backend)  # backend: ibm_geo.distance (roads)
    problem = Problem.build(cov, w, cfg.p, **build)
    model = model_cls(problem)  # p-median's penalty: `far`, or the longest distance in reach
    res = model.solve_for_plan(cfg)
    if isinstance(model, PMedian):  # report coverage within the service radius, like the others
        cov = build_coverage(d_xy, all_xy, radius, backend)
        problem = problem.with_(cov=cov)
        res.flows = None
    return model, problem, res


def _drop_useless(sites: pd.DataFrame, model, cfg) -> pd.DataFrame:
    """The model's sites, marked ``chosen_by`` model; under MCLP a group that reaches nobody
    new (and is not required) is not placed."""
    sites["chosen_by"] = "model"
    if len(sites) and isinstance(model, MCLP):
        useless = (sites["newly_reached"] <= 1e-9) & ~sites["kode"].isin(list(cfg.required))
        sites = sites[~useless].reset_index(drop=True)
        sites["contribution_rank"] = np.arange(1, len(sites) + 1)
    return sites


def _candidate_sites(
    kel: gpd.GeoDataFrame, candidates, ident: pd.DataFrame, d_xy: np.ndarray, crs
) -> tuple[pd.DataFrame, np.ndarray]:
    """Candidate sites (identity, metric xy): every kelurahan's representative point, or the
    given ``candidates`` (points, optional ``nama``), each attributed to the polygon it is in."""
    if candidates is None:
        return ident.copy(), d_xy
    if len(candidates) and candidates.crs is None:
        raise InputError("candidates", "geometry has no CRS", "geometry")
    cgdf = gpd.GeoDataFrame(
        {"candidate_name": candidates.get("nama", pd.Series(None, index=candidates.index))},
        geometry=gpd.points_from_xy(*point_inside(candidates.geometry)),
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
    return c_ident, _xy(cgdf.geometry, crs)


def _prior_sites(
    kel: pd.DataFrame, prior_sites: pd.DataFrame | None, d_xy: np.ndarray, new_cap: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Groups placed in earlier phases (``kode``, optional ``capacity``): fixed at their
    kelurahan's point with their capacity (default one new group's)."""
    if prior_sites is None or not len(prior_sites):
        return np.zeros((0, 2)), np.zeros(0)
    pos = {str(k): i for i, k in enumerate(kel["kode"].astype(str))}
    at = [pos[str(k)] for k in prior_sites["kode"] if str(k) in pos]
    pcap = prior_sites.get("capacity", pd.Series(np.nan, index=prior_sites.index))
    pcap = pd.to_numeric(pcap, errors="coerce").to_numpy(float)
    pcap = pcap[[str(k) in pos for k in prior_sites["kode"]]]
    pcap = np.where(np.isfinite(pcap), pcap, np.inf if new_cap is None else new_cap)
    return d_xy[at].reshape(-1, 2), pcap


def _site_rules(
    kel: pd.DataFrame,
    c_ident: pd.DataFrame,
    f_cap: np.ndarray,
    unserved: np.ndarray,
    new_cap: float | None,
    scenario: Scenario,
) -> dict:
    """The keywords of :meth:`Problem.build` for the candidates (first) and the fixed sites
    (after them): required and forbidden sites, quotas per kab/kota, costs and capacities."""
    cfg = scenario.plan
    mc, nf = len(c_ident), len(f_cap)
    codes = c_ident["kode"].astype(object).to_numpy()
    required = np.flatnonzero(np.isin(codes, list(cfg.required)))
    listed = np.isin(codes, list(cfg.forbidden))
    forbidden = np.flatnonzero(listed)
    if not cfg.sites_without_clients:  # groups are recruited where the clients live
        own = dict(zip(kel["kode"].astype(str), unserved, strict=True))
        empty = np.array([own.get(str(k), 0.0) <= 0 for k in codes], dtype=bool)
        empty[required] = False
        forbidden = np.union1d(forbidden, np.flatnonzero(empty))
    c_kab = c_ident["kab_kota"].astype(object).to_numpy()
    avail = ~np.isin(np.arange(mc), forbidden)
    if mc and not avail.any():  # one place for the CLI, the app and notebooks
        if not (unserved > 0).any():  # the filter left nobody to plan for, not the scenario
            raise UserError("plan.no_unserved")
        raise UserError("plan.all_forbidden", n=int(listed.sum()))
    mins, maxs = check_quotas(c_kab, scenario, avail)
    return dict(
        fixed=np.arange(mc, mc + nf),
        required=required,
        forbidden=forbidden,
        capacity=None if new_cap is None else np.concatenate([np.full(mc, new_cap), f_cap]),
        fixed_capacity=np.concatenate([np.zeros(mc), f_cap]),
        cost=np.concatenate([np.full(mc, cfg.cost_per_site), np.zeros(nf)]),
        budget=cfg.budget,
        groups=np.concatenate([c_kab, np.full(nf, None)]),
        min_per_group=mins or None,
        max_per_group=maxs or None,
    )


def _unplaced_reason(pb: Problem, sites: pd.DataFrame, requested: int | None, cfg) -> str:
    """Why fewer groups than requested were placed ('' when all were)."""
    if requested is None or len(sites) >= requested:
        return ""
    if pb.budget is not None and (len(sites) + 1) * cfg.cost_per_site > pb.budget + 1e-9:
        return "budget"
    if not pb.available().any():
        return "no_candidates"
    return "no_new_clients"


def _remedy_key(reason: str, scenario: Scenario) -> str:
    if reason == "budget":
        return "budget"
    if reason == "":
        return ""
    if scenario.plan.reach == "desa":
        return "desa+" if scenario.plan.neighbours else "desa"
    return "radius"


def _place_by_ranking(kel, sites, requested, c_ident, scenario) -> pd.DataFrame:
    """The groups the model cannot use, at the highest-ranked kelurahan not yet chosen (no
    explicit exclusion, no active agents), in ranking order (``rank``, else score)."""
    if "rank" in kel.columns:
        key = pd.to_numeric(kel["rank"], errors="coerce").fillna(np.inf).to_numpy(float)
    elif "score" in kel.columns:
        key = -pd.to_numeric(kel["score"], errors="coerce").fillna(-np.inf).to_numpy(float)
    else:
        key = -unserved_of(kel)
    order = np.lexsort((kel["kode"].astype(str).to_numpy(), key))
    taken = set(sites["kode"].astype(str))
    banned = set(map(str, scenario.plan.forbidden))
    agents = pd.to_numeric(kel.get("agents_active", 0), errors="coerce")
    agents = np.broadcast_to(np.nan_to_num(np.asarray(agents, dtype=float)), (len(kel),))
    cand_codes = set(c_ident["kode"].astype(str))
    rows = []
    for i in order:
        if len(sites) + len(rows) >= requested:
            break
        k = str(kel["kode"].iat[i])
        if k in taken or k in banned or agents[i] > 0 or k not in cand_codes:
            continue
        rows.append(
            {
                "kode": kel["kode"].iat[i],
                "nama": kel["nama"].iat[i],
                "kecamatan": kel["kecamatan"].iat[i],
                "kab_kota": kel["kab_kota"].iat[i],
                "agents_to_recruit": scenario.group_size,
                "newly_reached": 0.0,
                "mean_distance_m": np.nan,
                "contribution_rank": len(sites) + len(rows) + 1,
                "chosen_by": "ranking",
            }
        )
        taken.add(k)
    if not rows:
        return sites
    return pd.concat([sites, pd.DataFrame(rows)], ignore_index=True)


def _solver_label(res: SolveResult) -> str:
    """One line saying which solver answered and, when the exact one did not, why."""
    if res.fallback:
        return f"greedy (fallback: {res.fallback})"
    if res.method == "greedy" and res.status.startswith("optimal"):
        return "greedy (exact: independent reach of each group, gap 0.00%)"
    if res.method == "greedy" and res.status == "nested":
        return "greedy (nested: plans for p and p+1 share their sites)"
    if res.method == "greedy":
        return "greedy (heuristic, chosen in the scenario)"
    gap = "" if not np.isfinite(res.gap) else f", gap {res.gap:.2%}"
    return f"{res.method} ({res.status}{gap})"


def _describe(
    res: SolveResult, pb: Problem, w, unserved, ident, c_ident, scenario, greedy_rank: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-site and per-kelurahan tables from an array-level solution."""
    cov = pb.cov
    fixed = pb.fixed
    n = cov.n_demand
    sel = np.asarray(res.selected, dtype=np.int64)
    scale = np.divide(unserved, w, out=np.zeros_like(unserved), where=w > 0)
    site_of = np.full(n, -1, dtype=np.int64)
    dist_of = np.full(n, np.nan)
    # demand weight reached before any new group: pre-allocated spare capacity, or flows to
    # fixed sites, or (uncapacitated fixed sites) everything within their radius
    before_amt = w - pb.weights
    if res.flows is not None and len(res.flows[0]):
        fi, fj, fa = res.flows
        isf = np.isin(fj, fixed)
        before_amt = before_amt + np.bincount(fi[isf], weights=fa[isf], minlength=n)
        new = np.isin(fj, sel)
        fi, fj, fa = fi[new], fj[new], fa[new]
        dmat = cov.distance.tocsr()
        fd = np.array([_pair_distance(dmat, i, j) for i, j in zip(fi, fj, strict=True)])
        clients = fa * scale[fi]
        per = pd.DataFrame({"site": fj, "reach": clients, "wd": clients * fd})
        agg = per.groupby("site").agg(reach=("reach", "sum"), wd=("wd", "sum"))
        new_amt = np.bincount(fi, weights=fa, minlength=n)
        # biggest flow decides the kelurahan's site in the per-kelurahan table
        order = np.argsort(-fa, kind="stable")
        for i, j, d in zip(fi[order][::-1], fj[order][::-1], fd[order][::-1], strict=True):
            site_of[i], dist_of[i] = j, d
    else:
        if fixed.size and not pb.capacitated:
            before_amt = before_amt + np.where(covered_by(cov, fixed), pb.weights, 0.0)
        rest = pb.weights - np.where(covered_by(cov, fixed), pb.weights, 0.0)
        s_new, d_new = nearest_open(cov, sel)
        newly = (rest > 0) & (s_new >= 0)
        site_of[newly], dist_of[newly] = s_new[newly], d_new[newly]
        new_amt = np.where(newly, rest, 0.0)
        reach_c = new_amt * scale
        per = pd.DataFrame(
            {"site": site_of[newly], "reach": reach_c[newly], "wd": reach_c[newly] * d_new[newly]}
        )
        agg = per.groupby("site").agg(reach=("reach", "sum"), wd=("wd", "sum"))
    rank = _contribution_rank(pb, sel) if sel.size and greedy_rank else {}
    sites = _site_table(sel, agg, rank, c_ident, scenario)
    m_codes = np.concatenate([c_ident["kode"].astype(object).to_numpy(), np.full(len(fixed), None)])
    assignment = ident.copy()
    assignment["demand"] = unserved
    assignment["weight"] = w
    assignment["reached_before"] = before_amt * scale
    assignment["reached_new"] = new_amt * scale
    assignment["covered_before"] = before_amt > 1e-9
    assignment["covered_after"] = (before_amt + new_amt) > 1e-9
    assignment["site_kode"] = pd.Series(
        np.where(site_of >= 0, m_codes[np.maximum(site_of, 0)], None), dtype=object
    )
    assignment["distance_m"] = dist_of
    return sites, assignment


def _contribution_rank(pb: Problem, sel: np.ndarray) -> dict[int, int]:
    """Contribution rank: greedy order restricted to the chosen sites (1 = largest marginal
    gain), with the side constraints lifted (they shaped the choice, not the order)."""
    others = np.setdiff1d(np.arange(pb.cov.n_candidates), np.concatenate([sel, pb.fixed]))
    g = greedy_mclp(
        pb.with_(
            p=len(sel),
            forbidden=others,
            required=np.zeros(0, np.int64),
            budget=None,
            min_per_group={},
            max_per_group={},
        ),
        stop_at_zero=False,
    )
    return {int(j): k + 1 for k, j in enumerate(g.selected)}


def _site_table(sel, agg: pd.DataFrame, rank: dict, c_ident, scenario) -> pd.DataFrame:
    """One row per chosen site: identity, agents to recruit, clients newly reached, mean
    distance, in contribution order."""
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
    cols = [c for c in SITE_COLUMNS if c != "solver"]
    cols += ["candidate_name"] if "candidate_name" in c_ident.columns else []
    sites = pd.DataFrame(rows, columns=cols)
    if len(sites):
        sites = sites.sort_values(["contribution_rank", "kode"], kind="stable").reset_index(
            drop=True
        )
        sites["contribution_rank"] = np.arange(1, len(sites) + 1)
    return sites


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
