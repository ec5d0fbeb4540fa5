"""One location problem, built once and handed to every solver (greedy, MCLP, capacitated
MCLP, LSCP, p-median).

Why one object: the solvers used to repeat the same fifteen keyword arguments and each
normalised them its own way (an index list here, a broadcast cost there). Here demand, candidate
coverage, fixed sites and their spare capacity, capacities, costs, budget and quotas are checked
and turned into arrays in one place; a solver only reads them.

Existing sites have *spare* capacity: an agent already at capacity reaches nobody new. When new
sites are uncapacitated but fixed sites have a capacity, the fixed sites' spare capacity is
allocated up front (nearest demand first, sites in index order) and the problem keeps only the
residual demand, so every model sees the same "before" picture.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from ibm_geo.plan.coverage_matrix import Coverage, covered_by


def site_index(a) -> np.ndarray:
    """Site positions as a sorted, duplicate-free int64 array (None: none). Every list of
    sites a caller passes (fixed, required, forbidden, selected) goes through this."""
    if a is None:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.asarray(a, dtype=np.int64).ravel())


@dataclass(frozen=True)
class Problem:
    """Demand x candidate coverage plus every side condition, as arrays.

    ``weights`` is the demand still to reach (after fixed capacity pre-allocation, see the
    module docstring); ``pre_served`` is the demand that pre-allocation took and ``total`` the
    original total. ``capacity`` is one value per candidate column (fixed columns hold their
    spare capacity) or None for uncapacitated new sites. ``cost`` is per column. Quotas bound
    the number of *new* sites per ``groups`` label.
    """

    cov: Coverage
    weights: np.ndarray
    p: int | None = None
    fixed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    required: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    forbidden: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    capacity: np.ndarray | None = None
    cost: np.ndarray | None = None
    budget: float | None = None
    groups: np.ndarray | None = None
    min_per_group: dict = field(default_factory=dict)
    max_per_group: dict = field(default_factory=dict)
    total: float = 0.0
    pre_served: float = 0.0

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        cov: Coverage,
        weights,
        p: int | None = None,
        *,
        fixed=None,
        required=None,
        forbidden=None,
        capacity: float | np.ndarray | None = None,
        fixed_capacity: float | np.ndarray | None = None,
        cost: float | np.ndarray | None = None,
        budget: float | None = None,
        groups=None,
        min_per_group: dict | None = None,
        max_per_group: dict | None = None,
    ) -> Problem:
        """Check and normalise the inputs once (the array-level entry point of every solver)."""
        w = np.asarray(weights, dtype=float).copy()
        if len(w) != cov.n_demand:
            raise ValueError("weights must have one value per demand point")
        m = cov.n_candidates
        fixed_i = site_index(fixed)
        forb = site_index(forbidden)
        req = np.setdiff1d(site_index(required), fixed_i)
        if np.intersect1d(req, forb).size:
            raise ValueError("a candidate is both required and forbidden")
        costs = np.broadcast_to(np.asarray(1.0 if cost is None else cost, dtype=float), (m,))
        g = None if groups is None else np.asarray(groups, dtype=object)
        if g is not None and len(g) != m:
            raise ValueError("groups must have one label per candidate column")
        total = float(w.sum())
        pre = 0.0
        cap = None
        if capacity is not None:
            cap = np.broadcast_to(np.asarray(capacity, dtype=float), (m,)).copy()
            if fixed_i.size and fixed_capacity is not None:
                fc = np.broadcast_to(np.asarray(fixed_capacity, dtype=float), (m,))
                cap[fixed_i] = fc[fixed_i]
        elif fixed_i.size and fixed_capacity is not None:
            fc = np.broadcast_to(np.asarray(fixed_capacity, dtype=float), (m,))
            w, pre = allocate_capacity(cov, w, fixed_i, fc[fixed_i])
            fixed_i = np.zeros(0, dtype=np.int64)
        return cls(
            cov=cov,
            weights=w,
            p=None if p is None else int(p),
            fixed=fixed_i,
            required=req,
            forbidden=forb,
            capacity=cap,
            cost=costs.copy(),
            budget=None if budget is None else float(budget),
            groups=g,
            min_per_group=dict(min_per_group or {}),
            max_per_group=dict(max_per_group or {}),
            total=total,
            pre_served=float(pre),
        )

    def with_(self, **changes) -> Problem:
        """A copy with some fields changed (e.g. another p, more forbidden columns)."""
        if "forbidden" in changes:
            changes["forbidden"] = site_index(changes["forbidden"])
        return replace(self, **changes)

    def uncapacitated(self) -> Problem:
        """The same problem for models without caseloads (LSCP, p-median): new sites reach
        everyone in range, fixed sites only their spare capacity (allocated up front)."""
        if self.capacity is None:
            return self
        if not self.fixed.size:
            return replace(self, capacity=None)
        w, pre = allocate_capacity(self.cov, self.weights, self.fixed, self.capacity[self.fixed])
        return replace(
            self,
            weights=w,
            pre_served=self.pre_served + pre,
            fixed=np.zeros(0, dtype=np.int64),
            # an existing site is spent once its spare capacity is allocated: never a new site
            # (its column costs nothing, so a model would otherwise "open" it for free)
            forbidden=np.union1d(self.forbidden, self.fixed),
            capacity=None,
        )

    # -- derived views --------------------------------------------------------------------------
    @property
    def n_candidates(self) -> int:
        return self.cov.n_candidates

    @property
    def capacitated(self) -> bool:
        return self.capacity is not None

    @property
    def has_side_constraints(self) -> bool:
        return self.budget is not None or bool(self.min_per_group) or bool(self.max_per_group)

    def available(self) -> np.ndarray:
        """Boolean mask of columns that may open as new sites."""
        avail = np.ones(self.n_candidates, dtype=bool)
        avail[self.fixed] = False
        avail[self.forbidden] = False
        return avail


def allocate_capacity(
    cov: Coverage, weights: np.ndarray, sites: np.ndarray, capacity: np.ndarray
) -> tuple[np.ndarray, float]:
    """Residual demand after ``sites`` serve up to ``capacity`` each, nearest demand first.

    Sites are filled in index order; returns (residual weights, demand served). A site with no
    spare capacity serves nobody: that is the point.
    """
    r = np.asarray(weights, dtype=float).copy()
    served = 0.0
    dcsc = cov.distance.tocsc()
    for j, c in zip(
        np.asarray(sites, dtype=np.int64), np.asarray(capacity, dtype=float), strict=True
    ):
        if not c > 0:
            continue
        lo, hi = dcsc.indptr[j], dcsc.indptr[j + 1]
        rows, d = dcsc.indices[lo:hi], dcsc.data[lo:hi]
        order = np.lexsort((rows, d))
        rows = rows[order]
        avail = r[rows]
        take = np.minimum(avail, np.maximum(c - (np.cumsum(avail) - avail), 0.0))
        r[rows] -= take
        served += float(take.sum())
    return r, served


def covered_weight(problem: Problem, sites) -> float:
    """Demand weight within reach of ``sites`` plus fixed sites (uncapacitated reading)."""
    open_ = np.concatenate([problem.fixed, np.asarray(sites, dtype=np.int64)])
    return float(problem.weights[covered_by(problem.cov, open_)].sum())


def as_problem(cov_or_problem, weights=None, p=None, **kwargs) -> Problem:
    """Accept either a built :class:`Problem` or the array-level arguments (kept for callers
    that pass coverage, weights and keywords directly)."""
    if isinstance(cov_or_problem, Problem):
        if weights is not None or kwargs:
            raise TypeError("pass either a Problem or coverage + weights + keywords, not both")
        return cov_or_problem if p is None else cov_or_problem.with_(p=int(p))
    return Problem.build(cov_or_problem, weights, p, **kwargs)
