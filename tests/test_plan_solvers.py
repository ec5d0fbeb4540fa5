"""Location models on hand-solvable instances, binding constraints, and agreement with spopt."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog
from scipy.spatial.distance import cdist

from ibm_geo.plan.coverage_matrix import build_coverage, coverage_from_cost_matrix, covered_by
from ibm_geo.plan.curve import coverage_curve
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.solvers import solve_lscp, solve_mclp, solve_pmedian

# Greedy trap: X reaches d2, d3, d5 (weight 5); Y reaches d1, d2 (4); Z reaches d3, d4 (4).
# Greedy with p=2 takes X then Y (7); the optimum is Y + Z (8).
W_TRAP = np.array([2.0, 2.0, 2.0, 2.0, 1.0])
REACH = {0: [1, 2, 4], 1: [0, 1], 2: [2, 3]}  # candidate -> demand indices; X=0, Y=1, Z=2


def trap_coverage():
    cost = np.full((5, 3), 9.0)
    for j, rows in REACH.items():
        cost[rows, j] = 0.0
    return coverage_from_cost_matrix(cost, 1.0)


def line_coverage():
    """Five points 1 km apart on a line, candidates at the same points, radius 1 km."""
    xy = np.column_stack([np.arange(5) * 1000.0, np.zeros(5)])
    return build_coverage(xy, xy, 1000.0), np.array([5.0, 1, 1, 1, 5])


def test_build_coverage_matches_brute_force_and_keeps_zero_distance():
    rng = np.random.default_rng(1)
    d = rng.uniform(0, 5000, (80, 2))
    c = np.vstack([d[:5], rng.uniform(0, 5000, (30, 2))])  # 5 candidates sit on demand points
    cov = build_coverage(d, c, 1200.0)
    brute = cdist(d, c) <= 1200.0
    assert np.array_equal(cov.matrix.toarray() > 0, brute)
    assert cov.nnz == brute.sum()
    for i in range(5):
        assert cov.matrix[i, i] == 1.0 and cov.distance[i, i] == 0.0
    dense = cdist(d, c)
    i, j = cov.distance.nonzero()
    assert np.allclose(cov.distance.toarray()[brute], dense[brute])


def test_mclp_line_known_optima():
    cov, w = line_coverage()
    one = solve_mclp(cov, w, 1)
    assert one.objective == 7.0 and set(one.selected) <= {1, 3}
    two = solve_mclp(cov, w, 2)
    assert two.objective == 13.0 and sorted(two.selected) == [1, 3]
    assert two.gap == 0.0 and two.bound == pytest.approx(13.0)
    assert two.method == "highs"


def test_exact_beats_greedy_on_trap():
    cov = trap_coverage()
    g = greedy_mclp(cov, W_TRAP, 2)
    assert g.objective == 7.0 and g.selected[0] == 0 and np.isnan(g.gap)
    ex = solve_mclp(cov, W_TRAP, 2)
    assert ex.objective == 8.0 and sorted(ex.selected) == [1, 2]
    assert ex.covered_after == 8.0 and ex.total_demand == 9.0


def test_fixed_sites_demand_not_counted_as_new():
    cov, w = line_coverage()
    res = solve_mclp(cov, w, 1, fixed=[1])
    assert res.covered_before == 7.0
    assert res.objective == 6.0 and res.covered_after == 13.0
    assert 1 not in res.selected and set(res.selected) <= {3, 4}
    g = greedy_mclp(cov, w, 1, fixed=[1])
    assert g.objective == 6.0


def test_quota_max_binds():
    cov = trap_coverage()
    groups = np.array(["K2", "K1", "K1"], dtype=object)
    res = solve_mclp(cov, W_TRAP, 2, groups=groups, max_per_group={"K1": 1})
    assert res.objective == 7.0 and 0 in res.selected


def test_quota_min_binds():
    cov = trap_coverage()
    groups = np.array(["K2", "K1", "K1"], dtype=object)
    res = solve_mclp(cov, W_TRAP, 2, groups=groups, min_per_group={"K2": 1})
    assert res.objective == 7.0 and 0 in res.selected
    g = greedy_mclp(cov, W_TRAP, 2, groups=groups, min_per_group={"K2": 1})
    assert 0 in g.selected


def test_budget_binds():
    cov = trap_coverage()
    cost = np.array([1.0, 2.0, 2.0])
    free = solve_mclp(cov, W_TRAP, None, cost=cost, budget=4.0)
    assert free.objective == 8.0
    tight = solve_mclp(cov, W_TRAP, None, cost=cost, budget=3.0)
    assert tight.objective == 7.0 and 0 in tight.selected
    assert cost[tight.selected].sum() <= 3.0
    g = greedy_mclp(cov, W_TRAP, None, cost=cost, budget=3.0)
    assert cost[g.selected].sum() <= 3.0


def test_required_and_forbidden():
    cov = trap_coverage()
    assert solve_mclp(cov, W_TRAP, 2, required=[0]).objective == 7.0
    res = solve_mclp(cov, W_TRAP, 2, forbidden=[1])
    assert res.objective == 7.0 and 1 not in res.selected
    with pytest.raises(ValueError):
        solve_mclp(cov, W_TRAP, 2, required=[1], forbidden=[1])


def test_capacity_binds_and_changes_sites():
    # d1 (w=10) reached by A and B, d2 (w=2) by B, d3 (w=1) by C.
    cost = np.array([[0.0, 0.0, 9.0], [9.0, 0.0, 9.0], [9.0, 9.0, 0.0]])
    cov = coverage_from_cost_matrix(cost, 1.0)
    w = np.array([10.0, 2.0, 1.0])
    unc = solve_mclp(cov, w, 2)
    assert unc.objective == 13.0 and sorted(unc.selected) == [1, 2]
    cap = solve_mclp(cov, w, 2, capacity=5)
    assert cap.objective == pytest.approx(10.0) and sorted(cap.selected) == [0, 1]
    fi, fj, fa = cap.flows
    assert np.bincount(fj, weights=fa, minlength=3).max() <= 5 + 1e-9
    assert np.all(np.bincount(fi, weights=fa, minlength=3) <= w + 1e-9)


def _flow_value(cov, w, open_sites, cap):
    """Max demand served by ``open_sites`` with capacities (brute-force check via linprog)."""
    m = cov.matrix.tocoo()
    keep = np.isin(m.col, open_sites)
    r, c = m.row[keep], m.col[keep]
    if r.size == 0:
        return 0.0
    a_ub = np.zeros((len(w) + len(open_sites), r.size))
    a_ub[r, np.arange(r.size)] = 1
    pos = {j: k for k, j in enumerate(open_sites)}
    for e, j in enumerate(c):
        a_ub[len(w) + pos[j], e] = 1
    b_ub = np.concatenate([w, [cap[j] for j in open_sites]])
    res = linprog(-np.ones(r.size), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    return -res.fun


@pytest.mark.parametrize("seed", [0, 1])
def test_capacitated_with_fixed_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 4000, (12, 2))
    c = rng.uniform(0, 4000, (7, 2))
    cov = build_coverage(d, c, 1500.0)
    w = rng.poisson(3, 12).astype(float)
    cap = np.full(7, 6.0)
    cap[0] = 2.0  # fixed site 0 with little spare capacity
    res = solve_mclp(cov, w, 2, fixed=[0], capacity=6.0, fixed_capacity=cap)
    best = max(
        _flow_value(cov, w, [0, *combo], cap) for combo in itertools.combinations(range(1, 7), 2)
    )
    before = _flow_value(cov, w, [0], cap)
    assert res.covered_before == pytest.approx(before)
    assert res.covered_after == pytest.approx(best)
    assert res.objective == pytest.approx(best - before)


def test_lscp_known_optima():
    cov = trap_coverage()
    full = solve_lscp(cov, W_TRAP, 1.0)
    assert full.objective == 3.0 and full.covered_after == 9.0
    part = solve_lscp(cov, W_TRAP, 0.8)  # 7.2 of 9: Y + Z reach 8
    assert part.objective == 2.0 and sorted(part.selected) == [1, 2]
    # unreachable target: aims at all reachable demand and says so
    w = np.append(W_TRAP, 0.0)
    cost = np.full((6, 3), 9.0)
    for j, rows in REACH.items():
        cost[rows, j] = 0.0
    cost[5] = 9.0
    w[5] = 3.0
    res = solve_lscp(coverage_from_cost_matrix(cost, 1.0), w, 1.0)
    assert res.objective == 3.0 and "unreachable" in res.status


def test_pmedian_known_optima():
    xy = np.array([[0.0, 0], [1, 0], [10, 0]])
    cov = coverage_from_cost_matrix(cdist(xy, xy), np.inf)
    one = solve_pmedian(cov, np.ones(3), 1)
    assert one.objective == pytest.approx(10.0) and list(one.selected) == [1]
    two = solve_pmedian(cov, np.ones(3), 2)
    assert two.objective == pytest.approx(1.0) and 2 in two.selected
    fixed = solve_pmedian(cov, np.ones(3), 1, fixed=[2])
    assert fixed.objective == pytest.approx(1.0) and 2 not in fixed.selected


def test_curve_monotone_and_matches_greedy():
    rng = np.random.default_rng(3)
    d = rng.uniform(0, 20000, (300, 2))
    cov = build_coverage(d, d, 2000.0)
    w = rng.poisson(3, 300).astype(float)
    curve = coverage_curve(cov, w, 15, fixed=[0, 1])
    assert list(curve["p"]) == list(range(16))
    assert curve["covered"].iloc[0] == pytest.approx(w[covered_by(cov, [0, 1])].sum())
    assert np.all(np.diff(curve["covered"]) >= -1e-9)
    assert np.all(np.diff(curve["marginal"].iloc[1:]) <= 1e-9)  # submodular: gains shrink
    g = greedy_mclp(cov, w, 15, fixed=[0, 1])
    assert curve["covered"].iloc[-1] == pytest.approx(g.covered_after)
    ex = coverage_curve(cov, w, 3, fixed=[0, 1], exact=True)
    assert np.all(ex["covered"].to_numpy() >= curve["covered"].iloc[:4].to_numpy() - 1e-9)


def test_zero_weight_and_empty_inputs():
    cov, _ = line_coverage()
    res = solve_mclp(cov, np.zeros(5), 2)
    assert res.objective == 0.0
    assert greedy_mclp(cov, np.zeros(5), 2).n_selected == 0


# -- agreement with spopt (pulp CBC) on seeded random instances --------------------------------
spopt_locate = pytest.importorskip("spopt.locate")
pulp = pytest.importorskip("pulp")


def _instance(seed, n=60, m=40):
    rng = np.random.default_rng(seed)
    d = rng.uniform(0, 10000, (n, 2))
    c = rng.uniform(0, 10000, (m, 2))
    return d, c, rng.poisson(3, n).astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mclp_agrees_with_spopt(seed):
    d, c, w = _instance(seed)
    ours = solve_mclp(build_coverage(d, c, 2000.0), w, 5)
    ref = spopt_locate.MCLP.from_cost_matrix(cdist(d, c), w, 2000.0, 5)
    ref.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))
    assert ours.gap == 0.0


@pytest.mark.parametrize("seed", [0, 1])
def test_lscp_agrees_with_spopt(seed):
    d, c, _ = _instance(seed)
    ours = solve_lscp(build_coverage(d, c, 3500.0), np.ones(len(d)), 1.0)
    ref = spopt_locate.LSCP.from_cost_matrix(cdist(d, c), 3500.0)
    ref.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective))


@pytest.mark.parametrize("seed", [0, 1])
def test_pmedian_agrees_with_spopt(seed):
    d, c, w = _instance(seed, n=30, m=15)
    cost = cdist(d, c)
    ours = solve_pmedian(coverage_from_cost_matrix(cost, np.inf), w, 4)
    ref = spopt_locate.PMedian.from_cost_matrix(cost, w, 4)
    ref.solve(pulp.PULP_CBC_CMD(msg=False))
    assert ours.objective == pytest.approx(pulp.value(ref.problem.objective), rel=1e-6)


def test_swaps_never_worsen_and_fix_the_trap():
    from ibm_geo.plan.greedy import improve_by_swaps

    cov = trap_coverage()
    better = improve_by_swaps(cov, W_TRAP, [0, 1])
    assert sorted(better) == [1, 2]
    rng = np.random.default_rng(5)
    d = rng.uniform(0, 20000, (400, 2))
    cov = build_coverage(d, d, 1800.0)
    w = rng.poisson(3, 400).astype(float)
    g = greedy_mclp(cov, w, 12)
    s = improve_by_swaps(cov, w, g.selected)
    assert len(s) == 12
    assert w[covered_by(cov, s)].sum() >= g.objective


def test_large_model_path_matches_direct_solve(monkeypatch):
    """The LP-rounding incumbent (used on big models) must not change the optimum."""
    import ibm_geo.plan.solvers as solvers

    rng = np.random.default_rng(11)
    d = rng.uniform(0, 30000, (500, 2))
    cov = build_coverage(d, d, 2000.0)
    w = rng.poisson(3, 500).astype(float)
    direct = solve_mclp(cov, w, 15)
    monkeypatch.setattr(solvers, "LARGE_MODEL", 10)
    big = solve_mclp(cov, w, 15)
    assert big.objective == pytest.approx(direct.objective) and big.gap == 0.0


def test_dominated_candidates_do_not_change_optimum():
    # candidate 1 reaches a subset of candidate 0's demand; 2 duplicates 0
    cost = np.array([[0.0, 0.0, 0.0, 9.0], [0.0, 9.0, 0.0, 9.0], [9.0, 9.0, 9.0, 0.0]])
    cov = coverage_from_cost_matrix(cost, 1.0)
    w = np.array([3.0, 2.0, 1.0])
    res = solve_mclp(cov, w, 2)
    assert res.objective == 6.0 and sorted(res.selected) in ([0, 3], [2, 3])
    groups = np.array(["A", "B", "B", "A"], dtype=object)
    # minimum quota in B keeps its (dominated) columns available
    q = solve_mclp(cov, w, 2, groups=groups, min_per_group={"B": 2})
    assert q.objective == 5.0 and sorted(q.selected) == [1, 2]
