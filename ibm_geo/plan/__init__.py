"""Where to recruit Agen Pemulihan and which villages to pilot (see docs/ARCHITECTURE.md "Planning")."""

from ibm_geo.plan.coverage_matrix import (
    Coverage,
    build_coverage,
    coverage_from_cost_matrix,
    covered_by,
    nearest_open,
)
from ibm_geo.plan.greedy import coverage_curve, greedy_mclp
from ibm_geo.plan.result import SolveResult
from ibm_geo.plan.solvers import solve_lscp, solve_mclp, solve_pmedian

__all__ = [
    "Coverage",
    "SolveResult",
    "build_coverage",
    "coverage_curve",
    "coverage_from_cost_matrix",
    "covered_by",
    "greedy_mclp",
    "nearest_open",
    "solve_lscp",
    "solve_mclp",
    "solve_pmedian",
]
