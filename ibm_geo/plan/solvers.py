"""Exact location models (MCLP, LSCP, p-median) as one MIP engine on HiGHS.

The constraint matrix is assembled directly as CSR arrays and handed to HiGHS in one
``passModel`` call; a lazy-greedy solution is passed as the incumbent (``setSolution``) so
HiGHS starts from a good plan and only has to prove (or improve) it. Every result reports the
objective, the proven bound and the relative gap.

Reductions that keep the optimum (uncapacitated MCLP/LSCP):
* demand with zero weight, or already within reach of a fixed (existing) site, is dropped;
* demand points with the same set of candidates collapse into one row with summed weight;
* a candidate whose demand set is contained in another's (same quota group, no dearer) is
  dropped: swapping it for the other never loses (identical candidates keep the first);
  candidates in a group with a minimum quota, and required ones, are kept;
* demand reached by a single candidate is folded into that candidate's objective.

Large models (the national file) first get an incumbent from LP rounding + 1-swap local
search, and skip HiGHS' MIP presolve (it stalls there for minutes); HiGHS then only has to
certify the gap at the root.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ibm_geo import highs
from ibm_geo.highs import INF, Program, run_highs
from ibm_geo.plan.coverage_matrix import Coverage, covered_by
from ibm_geo.plan.greedy import greedy_mclp, improve_by_swaps
from ibm_geo.plan.problem import Problem, as_problem, site_index
from ibm_geo.plan.result import SolveResult, fallback_reason

#: Models with more rows + columns than this get an LP-rounding incumbent first.
LARGE_MODEL = 50_000
#: Capacitated models with more demand-site pairs than this are not sent to HiGHS (the
#: assignment variables alone would take minutes and gigabytes); greedy answers instead and the
#: result's ``status`` says so.
MAX_CAPACITATED_PAIRS = 400_000


def _side_rows(
    pb: Problem,
    cols: np.ndarray,
    *,
    p: int | None,
    budget: float | None,
    offset: int,
    ncol: int,
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Count, budget and quota rows over the site columns ``offset .. offset+len(cols)``.

    ``cols`` maps each site column to its original candidate index (for costs and groups).
    """
    rows: list[np.ndarray] = []
    lo: list[float] = []
    hi: list[float] = []
    k = len(cols)
    if p is not None:
        rows.append(np.ones(k))
        lo.append(-INF)
        hi.append(float(p))
    if budget is not None:
        rows.append(pb.cost[cols].astype(float))
        lo.append(-INF)
        hi.append(float(budget))
    mins, maxs = pb.min_per_group, pb.max_per_group
    if pb.groups is not None and (mins or maxs):
        g = pb.groups[cols]
        for name in sorted(set(mins) | set(maxs), key=str):
            rows.append((g == name).astype(float))
            lo.append(float(mins.get(name, 0)))
            hi.append(float(maxs.get(name, INF)))
    if not rows:
        return sp.csr_matrix((0, ncol)), np.zeros(0), np.zeros(0)
    dense = np.vstack(rows)
    block = sp.csr_matrix(dense)
    full = sp.hstack(
        [sp.csr_matrix((len(rows), offset)), block, sp.csr_matrix((len(rows), ncol - offset - k))]
    ).tocsr()
    return full, np.asarray(lo), np.asarray(hi)


def _collapse_rows(
    sub: sp.csr_matrix, w: np.ndarray
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """Merge demand rows with the same candidate set; returns (matrix, weights, row of each)."""
    sub = sub.tocsr()
    sub.sort_indices()
    keys: dict[bytes, int] = {}
    owner = np.empty(sub.shape[0], dtype=np.int64)
    ip, ind = sub.indptr, sub.indices
    for r in range(sub.shape[0]):
        key = ind[ip[r] : ip[r + 1]].tobytes()
        owner[r] = keys.setdefault(key, len(keys))
    nk = len(keys)
    weights = np.bincount(owner, weights=w, minlength=nk)
    # keys are numbered in order of first occurrence, so the first rows are sorted
    _, first = np.unique(owner, return_index=True)
    return sub[first], weights, owner


def _dominated(
    rows_m: sp.csr_matrix, costs: np.ndarray, groups: np.ndarray | None, removable: np.ndarray
) -> np.ndarray:
    """Columns another column dominates: it reaches a superset of rows, costs no more and
    belongs to the same quota group, so swapping never loses. Identical columns keep the
    first. Columns in groups with a minimum quota and required columns are never dropped
    (the quota could need the extra site). Returns a boolean drop mask.
    """
    a = rows_m.tocsc().astype(np.float64)
    a.data[:] = 1.0
    size = np.diff(a.indptr)
    n = a.shape[1]
    drop = np.zeros(n, dtype=bool)
    empty = size == 0
    if n == 0:
        return drop
    over = (a.T @ a).tocoo()
    j, k, v = over.row, over.col, over.data
    ok = (j != k) & (v == size[j]) & (costs[k] <= costs[j])
    ok &= (size[k] > size[j]) | (costs[k] < costs[j]) | (k < j)
    if groups is not None:
        ok &= groups[j] == groups[k]
    drop[np.unique(j[ok])] = True
    # empty columns share no row with anyone: dominated by any same-group column as cheap
    if empty.any() and (~empty).any():
        keys = np.zeros(n, dtype=object) if groups is None else groups
        cheapest: dict = {}
        for key, c in zip(keys[~empty], costs[~empty], strict=True):
            cheapest[key] = min(c, cheapest.get(key, np.inf))
        for jj in np.flatnonzero(empty):
            if cheapest.get(keys[jj], np.inf) <= costs[jj]:
                drop[jj] = True
    return drop & removable


def solve_mclp(
    problem: Problem | Coverage,
    weights=None,
    p: int | None = None,
    *,
    mip_gap: float = 0.0,
    time_limit: float = 120.0,
    warm_start: bool = True,
    **kwargs,
) -> SolveResult:
    """Maximal covering: open at most ``p`` new sites to reach the most new demand weight.

    ``problem`` is a :class:`~ibm_geo.plan.problem.Problem` (or coverage + weights + the
    keywords of :meth:`Problem.build`). Fixed sites are open already and do not count toward
    ``p``. With capacities it becomes capacitated coverage (each unit of demand assigned once, to
    a site within the radius, at most its capacity per site; fixed sites their spare capacity).
    The budget limits ``sum cost_j x_j``; quotas bound the number of new sites per group.
    """
    t0 = time.perf_counter()
    pb = as_problem(problem, weights, p, **kwargs)
    greedy = greedy_mclp(pb) if warm_start else None
    if pb.capacitated:
        res = _solve_capacitated(pb, greedy, mip_gap, time_limit)
    else:
        res = _solve_uncapacitated(pb, greedy, mip_gap, time_limit)
    res.runtime_s = time.perf_counter() - t0
    return res


@dataclass
class _McLpModel:
    """The reduced uncapacitated MCLP and how its columns map back to candidates."""

    mip: Program
    cand: np.ndarray  # candidate index of each x column
    rows_m: sp.csr_matrix  # kept (collapsed, non-singleton) rows x cand
    before: float
    total: float
    fixed: np.ndarray

    @property
    def nx(self) -> int:
        return len(self.cand)

    def start_from(self, sites) -> np.ndarray:
        """Full column vector (x, y) for a set of candidate indices."""
        xs = np.isin(self.cand, np.asarray(sites, dtype=np.int64)).astype(float)
        ys = np.minimum(1.0, np.asarray(self.rows_m @ xs).ravel())
        return np.concatenate([xs, ys])


def _mclp_model(pb: Problem) -> _McLpModel:
    cov, w, g, costs = pb.cov, pb.weights, pb.groups, pb.cost
    pre = covered_by(cov, pb.fixed)
    before = float(w[pre].sum())
    live = (w > 0) & ~pre
    cand = np.flatnonzero(pb.available())
    sub = cov.matrix[live][:, cand]
    sub.data[:] = 1.0
    rows_m, wk, _ = _collapse_rows(sub, w[live])
    removable = ~np.isin(cand, pb.required)
    if g is not None and pb.min_per_group:
        short = [k for k, v in pb.min_per_group.items() if v > 0]
        removable &= ~np.isin(g[cand], short)
    drop = _dominated(rows_m, costs[cand], None if g is None else g[cand], removable)
    cand = cand[~drop]
    rows_m = rows_m[:, np.flatnonzero(~drop)].tocsr()
    # A row reached by one candidate only has y_k = x_j at the optimum: fold its weight into
    # x_j's objective and drop the row (a third of the national rows); unreachable rows go too.
    deg = np.diff(rows_m.indptr)
    single = deg == 1
    cx = np.bincount(
        rows_m.indices[rows_m.indptr[:-1][single]], weights=wk[single], minlength=len(cand)
    )
    rows_m = rows_m[deg >= 2]
    wk = wk[deg >= 2]
    nx, ny = len(cand), rows_m.shape[0]
    ncol = nx + ny
    # y_k - sum_{j in N_k} x_j <= 0
    cover = sp.hstack([-rows_m, sp.identity(ny, format="csr")]).tocsr()
    side, slo, shi = _side_rows(pb, cand, p=pb.p, budget=pb.budget, offset=0, ncol=ncol)
    a = sp.vstack([cover, side]).tocsr()
    col_lo = np.zeros(ncol)
    col_lo[:nx][np.isin(cand, pb.required)] = 1.0
    mip = Program(
        c=np.concatenate([cx, wk]),
        a=a,
        row_lo=np.concatenate([np.full(ny, -INF), slo]),
        row_hi=np.concatenate([np.zeros(ny), shi]),
        col_lo=col_lo,
        col_hi=np.ones(ncol),
        integer=np.concatenate([np.ones(nx, bool), np.zeros(ny, bool)]),
        maximize=True,
    )
    return _McLpModel(mip, cand, rows_m, before, pb.total, pb.fixed)


def _solve_uncapacitated(pb: Problem, greedy, mip_gap, time_limit) -> SolveResult:
    t0 = time.perf_counter()
    model = _mclp_model(pb)
    cov, w, p = pb.cov, pb.weights, pb.p
    start = None
    if greedy is not None:
        # Greedy again over the reduced candidates (dominated columns are gone), then polish
        # with 1-swaps when no side constraint could break.
        others = np.setdiff1d(np.arange(cov.n_candidates), model.cand)
        g2 = greedy_mclp(pb.with_(forbidden=np.union1d(pb.forbidden, others)))
        best = g2 if g2.objective >= greedy.objective else greedy
        sites = best.selected
        if not pb.has_side_constraints and p is not None:
            limit = min(10.0, 0.1 * time_limit)
            sites = improve_by_swaps(
                cov,
                w,
                sites,
                fixed=model.fixed,
                required=pb.required,
                forbidden=others,
                time_limit=limit,
            )
            if model.mip.a.shape[0] + model.nx > LARGE_MODEL:
                lp_sites = _lp_rounding(model, cov, w, p, others, pb.required, t0, time_limit)
                if lp_sites is not None and _reach(cov, w, lp_sites, model.fixed) > _reach(
                    cov, w, sites, model.fixed
                ):
                    sites = lp_sites
        start = model.start_from(sites)
    remaining = max(time_limit - (time.perf_counter() - t0), 1.0)
    # HiGHS' MIP presolve stalls for minutes on the national model; our reductions already
    # did the useful part, so large models go straight to the root LP.
    large = model.mip.a.shape[0] + model.nx > LARGE_MODEL
    x, obj, bound, gap, status = run_highs(
        model.mip,
        mip_gap=mip_gap,
        time_limit=remaining,
        start=start,
        options={**highs.OPTIONS, "presolve": "off"} if large else None,
    )
    before = model.before + pb.pre_served
    if not np.isfinite(obj):
        return _fallback(greedy, status, pb, before)
    chosen = model.cand[np.flatnonzero(x[: model.nx] > 0.5)]
    got = _reach(cov, w, chosen, model.fixed) - model.before
    return SolveResult(
        selected=chosen.astype(np.int64),
        objective=got,
        bound=bound,
        gap=gap,
        method="highs",
        status=status,
        runtime_s=0.0,
        total_demand=pb.total,
        covered_before=before,
        covered_after=before + got,
        fixed=model.fixed,
    )


def _reach(cov, w, sites, fixed) -> float:
    return float(w[covered_by(cov, np.concatenate([np.asarray(fixed), np.asarray(sites)]))].sum())


def _lp_rounding(model, cov, w, p, others, required, t0, time_limit) -> np.ndarray | None:
    """Incumbent for large instances: the p largest LP values, polished by 1-swaps.

    On the national file greedy stops ~2 % below the LP bound and HiGHS' own heuristics do not
    close that within minutes; LP rounding + swaps lands within 1 %, so HiGHS can certify the
    gap at the root. The LP is solved by interior point without crossover (only a guide here;
    the certificate comes from the MIP solve).
    """
    mip = model.mip
    lp = Program(
        mip.c,
        mip.a,
        mip.row_lo,
        mip.row_hi,
        mip.col_lo,
        mip.col_hi,
        np.zeros(len(mip.c), bool),
        True,
    )
    budget = max(0.3 * time_limit - (time.perf_counter() - t0), 1.0)
    x, obj, _, _, _ = run_highs(
        lp, mip_gap=0.0, time_limit=budget, options={"solver": "ipm", "run_crossover": "off"}
    )
    if not np.all(np.isfinite(x[: model.nx])):
        return None
    xv = x[: model.nx]
    req = np.intersect1d(model.cand, site_index(required))
    order = np.argsort(-xv, kind="stable")
    picks = [j for j in model.cand[order] if j not in set(req)][: max(int(p) - len(req), 0)]
    sites = np.concatenate([req, np.asarray(picks, dtype=np.int64)])
    limit = max(min(15.0, 0.5 * time_limit - (time.perf_counter() - t0)), 0.5)
    return improve_by_swaps(
        cov,
        w,
        sites,
        fixed=model.fixed,
        required=required,
        forbidden=others,
        time_limit=limit,
        top_k=256,
    )


def _fallback(greedy, status, pb: Problem, before: float) -> SolveResult:
    if greedy is None:
        return SolveResult(
            selected=np.zeros(0, dtype=np.int64),
            objective=np.nan,
            bound=np.nan,
            gap=np.nan,
            method="highs",
            status=status,
            runtime_s=0.0,
            total_demand=pb.total,
            covered_before=before,
            covered_after=np.nan,
            fixed=pb.fixed,
        )
    greedy.fallback = fallback_reason("highs", status=status)
    greedy.status = f"greedy ({greedy.fallback})"
    return greedy


def _solve_capacitated(pb: Problem, greedy, mip_gap, time_limit) -> SolveResult:
    cov, w = pb.cov, pb.weights
    fixed_i = pb.fixed
    live = np.flatnonzero(w > 0)
    sites = np.concatenate([fixed_i, np.flatnonzero(pb.available())])
    nf = len(fixed_i)
    sub = cov.matrix[live][:, sites].tocsr()
    sub.sort_indices()
    ne = sub.nnz
    if ne > MAX_CAPACITATED_PAIRS and greedy is not None:
        greedy.fallback = fallback_reason("too_large", pairs=ne)
        greedy.status = f"greedy ({greedy.fallback})"
        return greedy
    e_row = np.repeat(np.arange(len(live)), np.diff(sub.indptr))
    e_col = sub.indices.astype(np.int64)
    ns = len(sites)
    mip = _capacitated_program(pb, live, sites, nf, e_row, e_col)
    before = _capacitated_before(mip, nf, ns, len(live), time_limit)
    start = None
    if greedy is not None and greedy.flows is not None:
        start = _capacitated_start(greedy, sites, nf, live, e_row, e_col, cov.n_demand)
    x, obj, bound, gap, status = run_highs(mip, mip_gap=mip_gap, time_limit=time_limit, start=start)
    if not np.isfinite(obj):
        return _fallback(greedy, status, pb, before + pb.pre_served)
    xo = x[:ns] > 0.5
    chosen = sites[nf:][xo[nf:]]
    z = x[ns:]
    nzf = z > 1e-9
    flows = (live[e_row[nzf]], sites[e_col[nzf]], z[nzf])
    return SolveResult(
        selected=chosen.astype(np.int64),
        objective=obj - before,
        bound=bound - before,
        gap=_rel_gap(obj - before, bound - before),
        method="highs",
        status=status,
        runtime_s=0.0,
        total_demand=pb.total,
        covered_before=before + pb.pre_served,
        covered_after=obj + pb.pre_served,
        fixed=fixed_i,
        flows=flows,
    )


def _capacitated_program(pb: Problem, live, sites, nf: int, e_row, e_col) -> Program:
    """Capacitated MCLP: open x per site, flow z per (demand, site) pair within reach; each
    demand's flows stay within its weight and each site's within its capacity if open."""
    w, cap = pb.weights, pb.capacity
    ns, ne = len(sites), len(e_row)
    # columns: [x (ns) | z (ne)]
    ncol = ns + ne
    eidx = np.arange(ne)
    demand_rows = sp.csr_matrix((np.ones(ne), (e_row, ns + eidx)), shape=(len(live), ncol))
    cap_rows = sp.csr_matrix(
        (
            np.concatenate([np.ones(ne), -cap[sites]]),
            (np.concatenate([e_col, np.arange(ns)]), np.concatenate([ns + eidx, np.arange(ns)])),
        ),
        shape=(ns, ncol),
    )
    side, slo, shi = _side_rows(pb, sites[nf:], p=pb.p, budget=pb.budget, offset=nf, ncol=ncol)
    a = sp.vstack([demand_rows, cap_rows, side]).tocsr()
    col_lo = np.zeros(ncol)
    col_lo[:nf] = 1.0
    col_lo[:ns][np.isin(sites, pb.required)] = 1.0
    col_hi = np.concatenate([np.ones(ns), w[live][e_row]])
    return Program(
        c=np.concatenate([np.zeros(ns), np.ones(ne)]),
        a=a,
        row_lo=np.concatenate([np.full(len(live) + ns, -INF), slo]),
        row_hi=np.concatenate([w[live], np.zeros(ns), shi]),
        col_lo=col_lo,
        col_hi=col_hi,
        integer=np.concatenate([np.ones(ns, bool), np.zeros(ne, bool)]),
        maximize=True,
    )


def _capacitated_before(mip: Program, nf: int, ns: int, n_live: int, time_limit) -> float:
    """Demand the existing sites can serve alone: a small LP with the new sites closed."""
    ncol = len(mip.c)
    lp = Program(
        mip.c,
        mip.a,
        mip.row_lo,
        mip.row_hi,
        mip.col_lo,
        mip.col_hi.copy(),
        np.zeros(ncol, bool),
        True,
    )
    lp.col_hi[nf:ns] = 0.0
    lp.row_lo = lp.row_lo.copy()
    lp.row_lo[n_live + ns :] = -INF  # quotas do not bind the "before" picture
    _, before, _, _, _ = run_highs(lp, mip_gap=0.0, time_limit=time_limit)
    return float(before) if np.isfinite(before) else 0.0


def _capacitated_start(greedy, sites, nf: int, live, e_row, e_col, n_demand: int) -> np.ndarray:
    """The greedy's sites and flows as a full (x, z) column vector: HiGHS' incumbent."""
    ns, ne = len(sites), len(e_row)
    xs = np.zeros(ns)
    pos = {int(j): k for k, j in enumerate(sites)}
    xs[:nf] = 1.0
    for j in greedy.selected:
        xs[pos[int(j)]] = 1.0
    zs = np.zeros(ne)
    live_pos = np.full(n_demand, -1)
    live_pos[live] = np.arange(len(live))
    edge_of = {(int(r), int(c)): k for k, (r, c) in enumerate(zip(e_row, e_col, strict=True))}
    fi, fj, fa = greedy.flows
    for i, j, amt in zip(fi, fj, fa, strict=True):
        k = edge_of.get((int(live_pos[i]), pos[int(j)]))
        if k is not None:
            zs[k] += amt
    return np.concatenate([xs, zs])


def _rel_gap(obj: float, bound: float) -> float:
    if not (np.isfinite(obj) and np.isfinite(bound)):
        return np.nan
    return abs(bound - obj) / max(abs(obj), 1e-9) if abs(bound - obj) > 1e-9 else 0.0


def solve_lscp(
    problem: Problem | Coverage,
    weights=None,
    target_share: float = 1.0,
    *,
    mip_gap: float = 0.0,
    time_limit: float = 120.0,
    warm_start: bool = True,
    **kwargs,
) -> SolveResult:
    """Set covering: the fewest (or cheapest, with costs) new sites so that covered demand
    (existing + new) reaches ``target_share`` of total demand.

    Capacities are not modelled here (new sites reach everyone in range; fixed sites only
    their spare capacity, allocated up front). When the target cannot be reached within the
    radius, the model aims at everything reachable and ``status`` says so.
    """
    t0 = time.perf_counter()
    pb = as_problem(problem, weights, None, **kwargs).uncapacitated()
    cov, w, costs, fixed_i = pb.cov, pb.weights, pb.cost, pb.fixed
    total = pb.total
    pre = covered_by(cov, fixed_i)
    before = float(w[pre].sum()) + pb.pre_served
    cand = np.flatnonzero(pb.available())
    reachable = _reach(cov, w, cand, fixed_i) + pb.pre_served
    want = target_share * total
    note = ""
    if want > reachable + 1e-9:
        note = f"target unreachable: at most {reachable / max(total, 1e-12):.1%} within the radius"
        want = reachable
    need = max(want - before, 0.0)
    mip, rows_m, tol = _lscp_program(pb, cand, (w > 0) & ~pre, need)
    nx = len(cand)
    start = None
    greedy = None
    if warm_start:
        greedy = greedy_mclp(pb.with_(p=None, budget=None), target=need)
        if greedy.objective >= need - tol:
            xs = np.isin(cand, greedy.selected).astype(float)
            ys = np.minimum(1.0, np.asarray(rows_m @ xs).ravel())
            start = np.concatenate([xs, ys])
    x, obj, bound, gap, status = run_highs(mip, mip_gap=mip_gap, time_limit=time_limit, start=start)
    if not np.isfinite(obj):
        res = _fallback(greedy, status, pb, before)
        res.runtime_s = time.perf_counter() - t0
        return res
    chosen = cand[np.flatnonzero(x[:nx] > 0.5)]
    after = _reach(cov, w, chosen, fixed_i) + pb.pre_served
    return SolveResult(
        selected=chosen.astype(np.int64),
        objective=float(costs[chosen].sum()),
        bound=bound,
        gap=gap,
        method="highs",
        status=status + (f"; {note}" if note else ""),
        runtime_s=time.perf_counter() - t0,
        total_demand=total,
        covered_before=before,
        covered_after=after,
        fixed=fixed_i,
    )


def _lscp_program(pb: Problem, cand, live, need: float):
    """Set covering (Toregas et al. 1971) on collapsed rows: y_k <= sum x_j over its candidates,
    reached weight >= ``need``; minimise the cost of the opened x. Returns (program, the
    collapsed rows x candidates, the tolerance on ``need``)."""
    w, costs = pb.weights, pb.cost
    sub = pb.cov.matrix[live][:, cand]
    sub.data[:] = 1.0
    rows_m, wk, _ = _collapse_rows(sub, w[live])
    nx, ny = len(cand), rows_m.shape[0]
    ncol = nx + ny
    cover = sp.hstack([-rows_m, sp.identity(ny, format="csr")]).tocsr()
    reach = sp.csr_matrix(np.concatenate([np.zeros(nx), wk])[None, :])
    side, slo, shi = _side_rows(pb, cand, p=None, budget=None, offset=0, ncol=ncol)
    a = sp.vstack([cover, reach, side]).tocsr()
    col_lo = np.zeros(ncol)
    col_lo[:nx][np.isin(cand, pb.required)] = 1.0
    tol = 1e-7 * max(need, 1.0)
    mip = Program(
        c=np.concatenate([costs[cand], np.zeros(ny)]),
        a=a,
        row_lo=np.concatenate([np.full(ny, -INF), [need - tol], slo]),
        row_hi=np.concatenate([np.zeros(ny), [INF], shi]),
        col_lo=col_lo,
        col_hi=np.ones(ncol),
        integer=np.concatenate([np.ones(nx, bool), np.zeros(ny, bool)]),
        maximize=False,
    )
    return mip, rows_m, tol


def solve_pmedian(
    problem: Problem | Coverage,
    weights=None,
    p: int | None = None,
    *,
    unassigned_penalty: float | None = None,
    mip_gap: float = 0.0,
    time_limit: float = 120.0,
    **kwargs,
) -> SolveResult:
    """p-median: open ``p`` new sites minimising demand-weighted distance to the assigned site.

    Only pairs in the coverage (within its radius) can be assigned; build it with a generous
    radius. Demand with no open site in range costs ``unassigned_penalty`` per unit weight
    (default: the coverage radius, or the longest distance in the coverage when that is more:
    with a travel-time threshold the pairs are decided by time, so a pair's road distance may
    exceed the radius, and a smaller penalty would leave reachable demand unassigned), so the
    model stays feasible. Fixed sites are open and do not count toward ``p``; capacities,
    budget and quotas are not part of this model.
    """
    t0 = time.perf_counter()
    pb = as_problem(problem, weights, p, **kwargs).uncapacitated()
    if pb.p is None:
        raise ValueError("p-median needs p")
    cov, w, fixed_i = pb.cov, pb.weights, pb.fixed
    total = pb.total
    longest = float(cov.distance.data.max()) if cov.distance.nnz else 0.0
    pen = float(max(cov.radius, longest) if unassigned_penalty is None else unassigned_penalty)
    live = np.flatnonzero(w > 0)
    sites = np.concatenate([fixed_i, np.flatnonzero(pb.available())])
    nf, ns = len(fixed_i), len(sites)
    d = cov.distance[live][:, sites].tocsr()
    d.sort_indices()
    ne = d.nnz
    nl = len(live)
    e_row = np.repeat(np.arange(nl), np.diff(d.indptr))
    e_col = d.indices.astype(np.int64)
    wl = w[live]
    mip = _pmedian_program(pb, sites, nf, wl, d.data, e_row, e_col, pen)
    x, obj, bound, gap, status = run_highs(mip, mip_gap=mip_gap, time_limit=time_limit)
    chosen = sites[nf:][x[nf:ns] > 0.5] if np.isfinite(obj) else np.zeros(0, dtype=np.int64)
    z = x[ns : ns + ne] if np.isfinite(obj) else np.zeros(ne)
    nz = z > 1e-9
    flows = (live[e_row[nz]], sites[e_col[nz]], wl[e_row[nz]] * z[nz])
    before = _reach(cov, w, [], fixed_i) + pb.pre_served
    after = _reach(cov, w, chosen, fixed_i) + pb.pre_served
    return SolveResult(
        selected=np.asarray(chosen, dtype=np.int64),
        objective=obj,
        bound=bound,
        gap=gap,
        method="highs",
        status=status,
        runtime_s=time.perf_counter() - t0,
        total_demand=total,
        covered_before=before,
        covered_after=after,
        fixed=fixed_i,
        flows=flows,
    )


def _pmedian_program(pb: Problem, sites, nf: int, wl, dist, e_row, e_col, pen: float) -> Program:
    """p-median (Hakimi 1964): each live demand is assigned (z) to an open site in reach or left
    unassigned (u, at ``pen`` per unit weight); z <= x; at most p new sites; minimise the
    weighted distance. ``dist`` is the distance of each (demand, site) pair, in pair order."""
    ns, ne, nl = len(sites), len(e_row), len(wl)
    eidx = np.arange(ne)
    # columns: [x (ns) | z (ne) | u (nl)]
    ncol = ns + ne + nl
    assign = sp.csr_matrix(
        (
            np.ones(ne + nl),
            (
                np.concatenate([e_row, np.arange(nl)]),
                np.concatenate([ns + eidx, ns + ne + np.arange(nl)]),
            ),
        ),
        shape=(nl, ncol),
    )
    link = sp.csr_matrix(
        (
            np.concatenate([np.ones(ne), -np.ones(ne)]),
            (np.concatenate([eidx, eidx]), np.concatenate([ns + eidx, e_col])),
        ),
        shape=(ne, ncol),
    )
    count = np.zeros(ncol)
    count[nf:ns] = 1.0
    a = sp.vstack([assign, link, sp.csr_matrix(count[None, :])]).tocsr()
    col_lo = np.zeros(ncol)
    col_lo[:nf] = 1.0
    col_lo[:ns][np.isin(sites, pb.required)] = 1.0
    return Program(
        c=np.concatenate([np.zeros(ns), wl[e_row] * dist, wl * pen]),
        a=a,
        row_lo=np.concatenate([np.ones(nl), np.full(ne, -INF), [-INF]]),
        row_hi=np.concatenate([np.ones(nl), np.zeros(ne), [float(pb.p)]]),
        col_lo=col_lo,
        col_hi=np.ones(ncol),
        integer=np.concatenate([np.ones(ns, bool), np.zeros(ne + nl, bool)]),
        maximize=False,
    )
