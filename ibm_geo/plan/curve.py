"""Coverage curve: demand reached for p = 0..P new groups.

It sits above both the greedy heuristic and the exact solvers (it can use either), so neither
of those needs to import the other for it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibm_geo.plan.coverage_matrix import Coverage
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.problem import Problem, as_problem
from ibm_geo.plan.solvers import solve_mclp


def coverage_curve(
    problem: Problem | Coverage,
    weights=None,
    max_p: int | None = None,
    *,
    exact: bool = False,
    **kwargs,
) -> pd.DataFrame:
    """Covered demand for p = 0..max_p new groups and the marginal gain of each extra group.

    Default is the greedy curve (one lazy-greedy run; column ``method`` says "greedy"): a lower
    bound on what p groups can reach. ``exact=True`` solves an MCLP per p with HiGHS (small P
    only). ``covered`` includes demand already reached by fixed sites (within their spare
    capacity). Budget and quotas of the problem are ignored: the curve answers "what would
    one more group add".
    """
    if max_p is None:
        raise TypeError("coverage_curve needs max_p")
    pb = as_problem(problem, weights, None, **kwargs)
    pb = pb.with_(budget=None, min_per_group={}, max_per_group={}, required=np.zeros(0, np.int64))
    if exact:
        covered = [solve_mclp(pb.with_(p=k)).covered_after for k in range(max_p + 1)]
        method = "highs"
    else:
        res = greedy_mclp(pb.with_(p=max_p), stop_at_zero=False)
        gains = np.zeros(max_p)
        gains[: len(res.gains)] = res.gains[:max_p]
        covered = list(res.covered_before + np.concatenate([[0.0], np.cumsum(gains)]))
        method = "greedy"
    covered_arr = np.asarray(covered, dtype=float)
    marginal = np.concatenate([[0.0], np.diff(covered_arr)])
    return pd.DataFrame(
        {"p": np.arange(max_p + 1), "covered": covered_arr, "marginal": marginal, "method": method}
    )
