"""The publish step: everything that leaves the process, built once from one analysis.

Two tiers (docs/PRIVACY.md):

* the **working tier** is the analysis itself (:class:`~ibm_geo.pipeline.AnalysisResult`, the
  plan, the pilots): exact counts, exact score and rank, and every decision (sites, pilots,
  the working ranking's order) taken on them. It stays on the planner's screen.
* the **published tier** is :class:`Published`, made here by :func:`publish`: counts perturbed by
  the cell key method (:mod:`ibm_geo.ckm`), opaque areas as a band, the score, rank, classes and
  reasons of the published counts, the plan's decision with its reach and curve re-evaluated on
  the published counts. Every file, CLI line, workspace entry and the app's rakor mode read it;
  renderers and exporters take only this object and import no protection code.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd

from ibm_geo.ckm import N_KEYS, ptable
from ibm_geo.config import Scenario
from ibm_geo.coverage import UNSERVED
from ibm_geo.i18n import LANGS, text_column
from ibm_geo.pipeline import filter_mask, score_both_tiers
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.phases import PhasedPlan, phase_tables
from ibm_geo.plan.pilots import PILOT_COLUMNS, PILOT_EXTRA_COLUMNS
from ibm_geo.plan.problem import Problem
from ibm_geo.plan.recruitment import SITE_COLUMNS
from ibm_geo.privacy import (
    OPEN_COUNTS,
    SUPPRESSED_COUNTS,
    band_label,
    disclose,
    disclosure_method,
    kab_totals,
    public_curve,
    public_matches,
    public_pilots,
    public_quality,
    public_service_points,
    public_sites,
    public_table,
    register_of,
    same_tables,
    scope_totals,
    suppression_rule,
)
from ibm_geo.render.basemap import MapContext
from ibm_geo.render.geometry import dissolve_overview


def published_demand(kelurahan: pd.DataFrame, k: int) -> np.ndarray:
    """Unserved clients per unit as published (an opaque unit: 0, it publishes no count), in
    the table's row order: the demand the published plan figures are computed from."""
    d = disclose(kelurahan, k)
    if "unserved" not in d.published:
        return np.zeros(len(kelurahan))
    return np.nan_to_num(d.numeric("unserved"), nan=0.0)


def published_plan(plan, kelurahan: pd.DataFrame, k: int):
    """The plan's decision (its sites) with every figure computed from the published counts
    (:meth:`~ibm_geo.plan.RecruitmentPlan.with_demand`); ``kelurahan`` is the table the plan
    was made from, in the same order. The result's tables are flagged as published, which is
    what :func:`~ibm_geo.privacy.public_sites` and :func:`~ibm_geo.privacy.public_curve`
    require before they show a client count. Idempotent."""
    if plan is None:
        return None
    if getattr(plan, "_context", None) is None:
        return plan  # already published (or a plan without a context: its figures are blanked)
    pub = plan.with_demand(published_demand(kelurahan.reset_index(drop=True), k))
    pub.sites.attrs["published"] = True
    pub.curve.attrs["published"] = True
    return pub


#: the most new groups :func:`full_reach` counts before it says "more than"
FULL_REACH_MAX_P = 200


@dataclass(frozen=True)
class FullReach:
    """How many new groups the plan's own model needs to reach every unserved client it can
    reach (the published demand): ``groups`` (``complete`` False: more than that), the
    clients they reach beside those existing agents reach (``reached``), and the published
    unserved total (``demand``)."""

    groups: int
    reached: int
    demand: int
    complete: bool


def full_reach(plan, kelurahan: pd.DataFrame, k: int) -> FullReach | None:
    """The situation slide's "groups needed for everyone", in the plan's reach model (its
    coverage, measured with the plan's distance backend): the published coverage curve's
    greedy order (:meth:`~ibm_geo.plan.RecruitmentPlan.with_demand`, the same problem)
    continued on the published demand until no further group reaches anyone, at most
    :data:`FULL_REACH_MAX_P` groups -- so where the curve flattens within its range, this is
    the point where it does. None without a plan to evaluate."""
    ctx = getattr(plan, "_context", None)
    if ctx is None:
        return None

    u = np.maximum(published_demand(kelurahan.reset_index(drop=True), k), 0.0)
    limit = min(FULL_REACH_MAX_P, ctx["cov"].n_candidates)
    pb = Problem.build(ctx["cov"], u, limit, **ctx["build"]).uncapacitated()  # as the curve
    pb = pb.with_(budget=None, min_per_group={}, max_per_group={}, required=np.zeros(0, np.int64))
    res = greedy_mclp(pb, stop_at_zero=True)
    gains = np.asarray(res.gains if res.gains is not None else [], dtype=float)
    groups = int((gains > 1e-9).sum())
    more = groups >= limit and limit < ctx["cov"].n_candidates
    return FullReach(
        groups=groups,
        reached=int(round(float(gains.sum()))),
        demand=int(round(float(u.sum()))),
        complete=not more,
    )


def sort_published(pub: pd.DataFrame) -> pd.DataFrame:
    """Published rank order; opaque (unranked) areas last, by kode."""
    if "rank" not in pub:
        return pub.reset_index(drop=True)
    r = pd.to_numeric(pub["rank"], errors="coerce").astype(float).fillna(np.inf)
    key = pd.DataFrame({"r": r, "kode": pub.get("kode", pd.Series(index=pub.index))})
    order = key.sort_values(["r", "kode"], kind="stable").index
    return pub.loc[order].reset_index(drop=True)


@dataclass(frozen=True)
class Published:
    """One analysis as it may leave the process. Immutable: exports and renderers read it.

    ``geo`` is the published per-kelurahan table with its polygons, in published rank order
    (opaque areas last): counts are the published ints or the band ``<k``, score, rank,
    classes and reasons are the published tier's. ``levels`` holds the published totals of
    each hierarchy level (kecamatan, kab_kota, provinsi, total)."""

    scenario: Scenario
    k: int
    lang: str
    geo: gpd.GeoDataFrame
    levels: dict[str, pd.DataFrame]
    kab_totals: pd.DataFrame
    totals: dict
    quality: pd.DataFrame
    matches: pd.DataFrame
    context: object = None  # render.basemap.MapContext, service points whitelisted
    plan: object = None  # RecruitmentPlan re-evaluated on published counts
    sites: pd.DataFrame = field(default_factory=pd.DataFrame)
    curve: pd.DataFrame = field(default_factory=pd.DataFrame)
    pilots: pd.DataFrame = field(default_factory=pd.DataFrame)
    reference_year: int | None = None
    #: the phased rollout re-evaluated on published counts (:func:`published_phases`)
    phases: object = None
    distance: object = None  # the analysis' distance backend (reach outlines on maps)
    n_rows_read: int = 0  # rows of the planner's own client file (not a count per area)
    #: what became of each of the top ``scenario.top_n`` villages (:func:`top_fates`)
    top_fates: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: new groups needed to reach every reachable unserved client (:func:`full_reach`)
    full_reach: FullReach | None = None
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def ranking(self) -> pd.DataFrame:
        """The published table without geometry (ranking.csv's rows)."""
        return pd.DataFrame(self.geo.drop(columns=self.geo.geometry.name))

    def ranking_for(self, lang: str | None) -> pd.DataFrame:
        """The ranking with only ``lang``'s reason column (None: both)."""
        r = self.ranking
        if lang in LANGS:
            other = [text_column("reason", x) for x in LANGS if x != lang]
            r = r.drop(columns=[c for c in other if c in r])
        return r

    def top(self, n: int) -> pd.DataFrame:
        """The first ``n`` ranked areas as published."""
        r = self.ranking
        return r[r["rank"].notna()].head(n) if "rank" in r else r.head(n)

    @property
    def reached_new(self) -> int:
        """Clients the proposed sites reach that no agent reaches now: the sum of the published
        site table's column, the one figure the deck, the CLI and plan.csv state."""
        if not len(self.sites) or "newly_reached" not in self.sites:
            return 0
        return int(pd.to_numeric(self.sites["newly_reached"], errors="coerce").fillna(0).sum())

    @property
    def agents_proposed(self) -> int:
        """New agents the proposed sites recruit (the site table's sum)."""
        if not len(self.sites) or "agents_to_recruit" not in self.sites:
            return 0
        return int(pd.to_numeric(self.sites["agents_to_recruit"], errors="coerce").fillna(0).sum())

    @property
    def groups_proposed(self) -> int:
        """New groups the proposed agents make (whole groups of ``scenario.group_size``)."""
        size = int(self.scenario.group_size) or 1
        return -(-self.agents_proposed // size)

    @property
    def units_with_unserved(self) -> int:
        """Villages whose published unserved count is above zero (a band is not counted)."""
        if "unserved" not in self.geo:
            return 0
        return int((pd.to_numeric(self.geo["unserved"], errors="coerce") > 0).sum())

    @property
    def rule(self) -> str:
        return suppression_rule(self.k, self.lang)

    def rule_in(self, lang: str, *, curve: bool = True) -> str:
        return suppression_rule(self.k, lang, curve=curve)

    def method_in(self, lang: str) -> str:
        return disclosure_method(self.k, lang)

    def overview(self, level: str, lang: str = "id") -> gpd.GeoDataFrame:
        """The map drawn at kecamatan or kab/kota level: dissolved polygons with each area's
        own published totals (their cells, perturbed at their own keys; the band where the
        area has 1..k-1 clients in the register), score = mean published unit score."""
        key = (level, lang)
        if key not in self._cache:
            self._cache[key] = dissolve_overview(self.geo, level, lang, self.levels.get(level))
        return self._cache[key]


def _level_tables(kelurahan: pd.DataFrame, k: int) -> dict[str, pd.DataFrame]:
    d = disclose(kelurahan, k)
    return {name: d.level_table(name) for name in d.levels}


def publish(
    result,
    plan=None,
    pilots: pd.DataFrame | None = None,
    lang: str = "id",
    *,
    roads: gpd.GeoDataFrame | None = None,
    phased=None,
) -> Published:
    """Build the published tier of one analysis (see module doc). ``plan``, ``pilots`` and
    ``phased`` (:func:`ibm_geo.plan.plan_phases`) are the working tier's decisions; ``roads``:
    road lines drawn on the maps' basemap."""
    ctx = MapContext.from_result(result, roads=roads)
    pub = publish_table(
        result.kelurahan,
        result.scenario,
        plan=plan,
        pilots=pilots,
        quality=result.quality,
        matches=result.matches,
        context=ctx,
        lang=lang,
        reference_year=getattr(result, "reference_year", None),
        distance=getattr(result, "distance", None),
        n_rows_read=len(result.clients) if getattr(result, "clients", None) is not None else 0,
    )
    if phased is not None:
        pub = replace(pub, phases=published_phases(phased, result))
    return pub


@same_tables()
def publish_table(
    kelurahan: gpd.GeoDataFrame,
    scenario: Scenario,
    *,
    plan=None,
    pilots: pd.DataFrame | None = None,
    quality: pd.DataFrame | None = None,
    matches: pd.DataFrame | None = None,
    context=None,
    lang: str = "id",
    reference_year: int | None = None,
    distance=None,
    n_rows_read: int = 0,
    sites: pd.DataFrame | None = None,
    curve: pd.DataFrame | None = None,
) -> Published:
    """The published tier of a per-kelurahan table (what :func:`publish` does for an analysis;
    also for a table built elsewhere, e.g. a notebook's or a test's). A table without the
    published tier's score (``pub_score``) is scored here from its published counts.

    ``sites``/``curve``: a sites table and curve made without a plan object (a notebook's):
    published as decisions, their client figures blank unless flagged as computed from
    published counts (``attrs["published"]``)."""
    k = scenario.suppression_k
    kel = kelurahan
    if "pub_score" not in kel and {"unserved", "clients", "dist_nearest_m", "kode"} <= set(kel):
        ref = reference_year or scenario.reference_year or 2025
        scored = score_both_tiers(_without_scores(kel), scenario, ref)
        kel = kel.drop(columns=[c for c in scored.columns if c in kel]).join(scored)
    pplan = published_plan(plan, kel, k)
    everyone = full_reach(plan, kel, k)
    table = public_table(kel, k)
    geo = gpd.GeoDataFrame(table, geometry=kel.geometry.to_numpy(), crs=kel.crs)
    geo = gpd.GeoDataFrame(sort_published(geo), geometry="geometry", crs=kel.crs)
    ctx = context or MapContext()
    ctx = replace(ctx, service_points=public_service_points(ctx.service_points))
    pub_sites = public_sites(pplan.sites if pplan is not None else sites, k, columns=SITE_COLUMNS)
    pub_pilots = public_pilots(
        pilots, kel, k, columns=PILOT_COLUMNS, extra_columns=PILOT_EXTRA_COLUMNS, pub=table
    )
    ranked = geo[pd.to_numeric(geo["rank"], errors="coerce").notna()] if "rank" in geo else geo
    fates = top_fates(
        ranked["kode"].head(scenario.top_n),
        pub_sites,
        pub_pilots,
        getattr(pplan, "assignment", None),
    )
    return Published(
        scenario=scenario,
        k=k,
        lang=lang,
        geo=geo,
        levels=_level_tables(kel, k),
        kab_totals=kab_totals(kel, k),
        totals=scope_totals(kel, k),
        quality=public_quality(quality, lang),
        matches=public_matches(matches, k, lang),
        context=ctx,
        plan=pplan,
        sites=pub_sites,
        curve=public_curve(pplan.curve if pplan is not None else curve, k),
        pilots=pub_pilots,
        reference_year=reference_year,
        distance=distance,
        n_rows_read=n_rows_read,
        top_fates=fates,
        full_reach=everyone,
    )


#: what became of a top-ranked village, in order of precedence: it is a proposed site; a
#: proposed site elsewhere reaches it; an existing agent with spare capacity reaches it; it is
#: a pilot; none of these (it waits for more groups or a later phase)
TOP_FATES = ("site", "reached", "served", "pilot", "other")


def top_fates(
    top_kode: pd.Series,
    sites: pd.DataFrame,
    pilots: pd.DataFrame,
    assignment: pd.DataFrame | None,
) -> pd.DataFrame:
    """One fate (:data:`TOP_FATES`) per top village (``kode, fate``), so "why the sites differ
    from the ranking" accounts for each of them exactly once. Reach is the plan's own
    (``assignment``: the published plan's per-kelurahan table, measured with the plan's
    distance backend under its reach model), never re-measured by a renderer."""
    kode = [str(x) for x in top_kode]
    site_k = set(sites["kode"].astype(str)) if "kode" in sites else set()
    pilot_k = set(pilots["kode"].astype(str)) if "kode" in pilots else set()
    reached_by: dict[str, object] = {}
    before: dict[str, bool] = {}
    if assignment is not None and len(assignment):
        a = assignment.assign(kode=assignment["kode"].astype(str))
        reached_by = dict(zip(a["kode"], a["site_kode"], strict=True))
        before = dict(zip(a["kode"], a["covered_before"].astype(bool), strict=True))
    fate = []
    for kd in kode:
        by = reached_by.get(kd)
        if kd in site_k:
            fate.append("site")
        elif by is not None and not pd.isna(by) and str(by) in site_k and str(by) != kd:
            fate.append("reached")
        elif before.get(kd, False):
            fate.append("served")
        elif kd in pilot_k:
            fate.append("pilot")
        else:
            fate.append("other")
    return pd.DataFrame({"kode": kode, "fate": fate})


def _without_scores(kel: pd.DataFrame) -> pd.DataFrame:
    drop = [c for c in kel.columns if c.startswith(("c_", "pts_", "reason_", "pub_"))]
    drop += [
        c for c in ("score", "rank", "priority_class", "priority_label", "stability") if c in kel
    ]
    return kel.drop(columns=drop)


def published_demand_by_year(result, years: list[int]) -> dict[int, np.ndarray]:
    """Unserved clients known by each year (rehab year up to it, or unknown) per kelurahan, in
    the result table's row order, as published: each (kelurahan, year) cell perturbed at the
    cell key of its clients; an opaque kelurahan counts 0 (it publishes no count)."""
    k = result.scenario.suppression_k
    kel = result.kelurahan
    cl = result.clients
    rk = result.record_keys if result.record_keys is not None else result.joined.record_keys()
    unit = cl["unit"].to_numpy(dtype=np.int64)
    ukode = result.joined.units["kode"].astype(str).to_numpy()
    row_of = pd.Series(np.arange(len(kel)), index=kel["kode"].astype(str).to_numpy())
    pos = np.full(len(cl), -1, dtype=np.int64)
    ok = unit >= 0
    pos[ok] = row_of.reindex(ukode[unit[ok]]).fillna(-1).to_numpy(dtype=np.int64)
    keep = filter_mask(cl, result.scenario) & (pos >= 0)
    keep &= (cl["coverage"] == UNSERVED).to_numpy(dtype=bool)
    year = pd.to_numeric(cl["tahun_rehab"], errors="coerce").to_numpy(dtype=float)
    reg = register_of(kel)
    opaque = (reg >= 1) & (reg < k)
    pt = ptable(k)
    out = {}
    for y in years:
        m = keep & ((year <= y) | np.isnan(year))
        n = np.bincount(pos[m], minlength=len(kel))
        key = np.round(np.bincount(pos[m], weights=rk[m].astype(float), minlength=len(kel)))
        pub = pt.perturb(n, key.astype(np.int64) % N_KEYS).astype(float)
        out[y] = np.where(opaque, 0.0, pub)
    return out


def published_phases(phased, result):
    """The phase tables (``tahap``, ``tahap_tahun``, ``kurva_tahap``) as they may leave: each
    year's decision (its sites) with its reach, the running totals and the curve computed from
    that year's published demand (:func:`published_demand_by_year`), by the same table
    builder as the working tier (:func:`ibm_geo.plan.phases.phase_tables`)."""
    dem = published_demand_by_year(result, list(phased.plans))
    return phases_for_demand(phased, result.scenario, dem)


def phases_for_demand(phased, scenario: Scenario, demand: dict):
    """``phased``'s decisions re-evaluated for the given demand per year (per kelurahan, the
    planned table's order): a :class:`~ibm_geo.plan.phases.PhasedPlan` in whole clients."""
    plans = {
        y: p.with_demand(demand[y]) if getattr(p, "_context", None) is not None else p
        for y, p in phased.plans.items()
    }
    requested = dict(zip(phased.years["tahun"], phased.years["groups_requested"], strict=True))
    tahap, years, curve = phase_tables(plans, scenario, requested)
    for c in ("clients_reached", "cumulative_reached"):
        tahap[c] = tahap[c].round().astype(np.int64)
    for c in ("demand", "reached_new", "covered_after"):
        years[c] = years[c].round().astype(np.int64)
    for c in ("covered", "marginal"):
        if c in curve:
            curve[c] = curve[c].round().astype(np.int64)
    return PhasedPlan(plans=plans, tahap=tahap, years=years, curves=curve)


#: the client counts a published table carries (ints, or the band)
COUNT_COLUMNS = SUPPRESSED_COUNTS
#: counts of public things (agents, offices)
PUBLIC_COUNT_COLUMNS = OPEN_COUNTS


def is_band(value: object) -> bool:
    """True for the band text of an opaque area's count (``<5``)."""
    return isinstance(value, str) and value.startswith("<")


__all__ = [
    "Published",
    "publish_table",
    "band_label",
    "disclosure_method",
    "is_band",
    "publish",
    "published_plan",
    "suppression_rule",
]
