"""One class per location model, in the manner of PySAL spopt: a core on a cost matrix, a thin
constructor from two GeoDataFrames.

Every model holds one :class:`~ibm_geo.plan.problem.Problem` (coverage, demand weights, fixed
sites, capacities, costs, quotas) and answers :meth:`LocationModel.solve` with a
:class:`~ibm_geo.plan.result.SolveResult`. ``from_cost_matrix`` takes a plain demand x
candidate matrix of distances (straight line, road, travel time: any), so the maths never sees
a GeoDataFrame and is testable on a 3x3 matrix; ``from_geodataframe`` only checks the CRSs,
measures straight-line distances in a local metric CRS (:func:`ibm_geo.crs.local_utm_crs`) and
calls it. :func:`ibm_geo.plan.plan_recruitment` picks the class of ``scenario.plan.model``
through :data:`MODELS`, the one place the scenario's string names a model.
"""

from __future__ import annotations

from typing import ClassVar

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist

from ibm_geo.crs import local_utm_crs, point_inside
from ibm_geo.plan.coverage_matrix import coverage_from_cost_matrix
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.problem import Problem
from ibm_geo.plan.result import SolveResult
from ibm_geo.plan.solvers import solve_lscp, solve_mclp, solve_pmedian


class LocationModel:
    """A location model over one :class:`Problem`; subclasses say what :meth:`solve` optimises.

    ``counts_sites``: the model is asked for ``p`` new sites (MCLP, p-median), not for a share of
    demand (LSCP).
    """

    name: ClassVar[str] = ""
    counts_sites: ClassVar[bool] = True

    def __init__(self, problem: Problem, **options) -> None:
        self.problem = problem
        self.options = options

    @classmethod
    def from_cost_matrix(
        cls,
        cost,
        weights=None,
        radius: float = np.inf,
        p: int | None = None,
        **kwargs,
    ) -> LocationModel:
        """From a demand x candidate cost matrix (``weights``: one per demand row, default 1;
        ``radius``: a pair reaches when its cost is at most this). Other keywords: those of
        :meth:`Problem.build` (``fixed``, ``capacity``, ``cost``, ``budget``, ...) and the
        model's options (``target_share`` for LSCP)."""
        cost = np.asarray(cost, dtype=float)
        w = np.ones(cost.shape[0]) if weights is None else np.asarray(weights, dtype=float)
        options = {k: kwargs.pop(k) for k in list(kwargs) if k in cls._option_names()}
        if not np.isfinite(radius):
            radius = float(np.nanmax(cost)) if cost.size else 0.0
        problem = Problem.build(coverage_from_cost_matrix(cost, radius), w, p, **kwargs)
        return cls(problem, **options)

    @classmethod
    def from_geodataframe(
        cls,
        demand: gpd.GeoDataFrame,
        candidates: gpd.GeoDataFrame,
        radius: float,
        p: int | None = None,
        *,
        weights: str | None = None,
        **kwargs,
    ) -> LocationModel:
        """From demand and candidate GeoDataFrames (points, or polygons at a point inside),
        straight-line distances in metres; ``weights``: the demand column to weigh by (default 1
        each). Both frames need a CRS; they are measured in one local metric CRS."""
        if demand.crs is None or candidates.crs is None:
            raise ValueError("demand and candidates need a CRS")
        crs = local_utm_crs(
            pd.concat([demand.geometry.to_crs(4326), candidates.geometry.to_crs(4326)])
        )

        def xy(frame: gpd.GeoDataFrame) -> np.ndarray:
            lon, lat = point_inside(frame.geometry)
            pts = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(crs)
            return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])

        w = None if weights is None else pd.to_numeric(demand[weights], errors="coerce").fillna(0)
        cost = cdist(xy(demand), xy(candidates))
        return cls.from_cost_matrix(
            cost, None if w is None else w.to_numpy(float), radius, p, **kwargs
        )

    @classmethod
    def _option_names(cls) -> tuple[str, ...]:
        return ()

    def solve(self, *, mip_gap: float = 0.0, time_limit: float = 120.0) -> SolveResult:
        raise NotImplementedError

    def solve_for_plan(self, cfg) -> SolveResult:
        """Solve as :func:`~ibm_geo.plan.plan_recruitment` asks (``cfg``: ``scenario.plan``)."""
        return self.solve(mip_gap=cfg.mip_gap, time_limit=cfg.time_limit_s)


class MCLP(LocationModel):
    """Maximal covering location problem (Church & ReVelle 1974, "The maximal covering location
    problem", *Papers of the Regional Science Association* 32: 101-118): open at most ``p`` new
    sites to reach the most demand weight within the radius. With capacities it is capacitated
    coverage (each unit of demand assigned once, at most a site's capacity per site); budget and
    quotas bound the sites opened. Exact on HiGHS (:func:`~ibm_geo.plan.solvers.solve_mclp`).

    >>> cost = [[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [1.0, 9.0, 1.0]]
    >>> res = MCLP.from_cost_matrix(cost, [3.0, 2.0, 4.0], radius=2.0, p=1).solve()
    >>> res.selected.tolist(), res.objective
    ([0], 7.0)
    """

    name = "mclp"

    def solve(self, *, mip_gap: float = 0.0, time_limit: float = 120.0) -> SolveResult:
        return solve_mclp(self.problem, mip_gap=mip_gap, time_limit=time_limit)

    def solve_for_plan(self, cfg) -> SolveResult:
        """Greedy when it is provably optimal (every demand reached by one candidate at most) or
        chosen (``plan.exact`` off, or nested plans); else exact."""
        if _greedy_is_exact(self.problem):
            res = GreedyMCLP(self.problem).solve()
            res.status, res.gap, res.bound = "optimal (independent reach)", 0.0, res.objective
            return res
        if cfg.exact and not cfg.nested:
            return self.solve(mip_gap=cfg.mip_gap, time_limit=cfg.time_limit_s)
        res = GreedyMCLP(self.problem).solve()  # greedy by choice; method says "greedy"
        if cfg.nested:
            res.status = "nested"
        return res


class GreedyMCLP(LocationModel):
    """The MCLP by lazy greedy (Church & ReVelle 1974's greedy adding heuristic, with Minoux's
    1978 lazy evaluation): each step opens the site that adds the most uncovered weight, so the
    plans for p = 1, 2, ... are nested. Within 1 - 1/e of the optimum for coverage.

    >>> cost = [[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [1.0, 9.0, 1.0]]
    >>> res = GreedyMCLP.from_cost_matrix(cost, [3.0, 2.0, 4.0], radius=2.0, p=2).solve()
    >>> res.selected.tolist(), res.objective
    ([0, 1], 9.0)
    """

    name = "greedy"

    def solve(self, *, mip_gap: float = 0.0, time_limit: float = 120.0) -> SolveResult:
        res = greedy_mclp(self.problem)
        res.fallback = ""  # greedy by choice, not a fallback
        return res


class LSCP(LocationModel):
    """Location set covering problem (Toregas, Swain, ReVelle & Bergman 1971, "The location of
    emergency service facilities", *Operations Research* 19(6): 1363-1373): the fewest (or,
    with costs, cheapest) new sites so that covered demand reaches ``target_share`` of the total
    (1 = everyone). Exact on HiGHS (:func:`~ibm_geo.plan.solvers.solve_lscp`).

    >>> cost = [[1.0, 9.0, 9.0], [9.0, 1.0, 9.0], [1.0, 9.0, 1.0]]
    >>> res = LSCP.from_cost_matrix(cost, radius=2.0).solve()
    >>> res.selected.tolist(), res.objective
    ([0, 1], 2.0)
    """

    name = "lscp"
    counts_sites = False

    def __init__(self, problem: Problem, target_share: float = 1.0, **options) -> None:
        super().__init__(problem, **options)
        self.target_share = float(target_share)

    @classmethod
    def _option_names(cls) -> tuple[str, ...]:
        return ("target_share",)

    def solve(self, *, mip_gap: float = 0.0, time_limit: float = 120.0) -> SolveResult:
        return solve_lscp(
            self.problem, target_share=self.target_share, mip_gap=mip_gap, time_limit=time_limit
        )

    def solve_for_plan(self, cfg) -> SolveResult:
        self.target_share = float(cfg.target_share)
        return self.solve(mip_gap=cfg.mip_gap, time_limit=cfg.time_limit_s)


class PMedian(LocationModel):
    """p-median (Hakimi 1964, "Optimum locations of switching centers and the absolute centers
    and medians of a graph", *Operations Research* 12(3): 450-459; as a program, ReVelle & Swain
    1970): open ``p`` new sites minimising the demand-weighted distance to the nearest open
    site. Pairs beyond the radius cannot be assigned and cost ``unassigned_penalty`` per unit
    (default: the radius). Exact on HiGHS (:func:`~ibm_geo.plan.solvers.solve_pmedian`).

    >>> cost = [[1.0, 4.0, 6.0], [4.0, 1.0, 6.0], [6.0, 6.0, 1.0]]
    >>> res = PMedian.from_cost_matrix(cost, [1.0, 1.0, 5.0], radius=10.0, p=1).solve()
    >>> res.selected.tolist(), res.objective
    ([2], 17.0)
    """

    name = "pmedian"

    def __init__(
        self, problem: Problem, unassigned_penalty: float | None = None, **options
    ) -> None:
        super().__init__(problem, **options)
        self.unassigned_penalty = unassigned_penalty

    @classmethod
    def _option_names(cls) -> tuple[str, ...]:
        return ("unassigned_penalty",)

    def solve(self, *, mip_gap: float = 0.0, time_limit: float = 120.0) -> SolveResult:
        return solve_pmedian(
            self.problem,
            unassigned_penalty=self.unassigned_penalty,
            mip_gap=mip_gap,
            time_limit=time_limit,
        )


#: The scenario's ``plan.model`` string -> its class: the one place a string names a model.
MODELS: dict[str, type[LocationModel]] = {"mclp": MCLP, "lscp": LSCP, "pmedian": PMedian}


def model_class(name: str) -> type[LocationModel]:
    """The class of a scenario's ``plan.model`` (``mclp``, ``lscp``, ``pmedian``)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown location model {name!r}; one of {sorted(MODELS)}") from None


def _greedy_is_exact(pb: Problem) -> bool:
    """Greedy is optimal when no demand point is reachable from two openable candidates (the
    desa model without neighbours): each group's gain is then independent of the others', so
    the best p are the p largest gains -- and plans for p and p+1 are nested."""
    if pb.budget is not None or pb.min_per_group or pb.required.size:
        return False
    avail = pb.available()
    if not avail.any():
        return True
    per_row = np.asarray(pb.cov.matrix[:, np.flatnonzero(avail)].sum(axis=1)).ravel()
    return bool(per_row.max(initial=0) <= 1)
