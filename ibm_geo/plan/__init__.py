"""Where to recruit Agen Pemulihan and which villages to pilot (see docs/ARCHITECTURE.md "Planning").

Core on arrays: one :class:`Problem` (coverage, demand, fixed sites with spare capacity,
capacities, costs, quotas) built once and passed to every solver (:func:`build_coverage`, :func:`solve_mclp`, :func:`solve_lscp`,
:func:`solve_pmedian`, :func:`greedy_mclp`, :func:`coverage_curve`); GeoDataFrame wrappers
(:func:`plan_recruitment`, :func:`choose_pilots`, :func:`compare_scenarios`).
"""

from ibm_geo.plan.compare import compare_plans, compare_scenarios
from ibm_geo.plan.coverage_matrix import (
    Coverage,
    build_coverage,
    coverage_from_cost_matrix,
    covered_by,
    nearest_open,
)
from ibm_geo.plan.curve import coverage_curve
from ibm_geo.plan.greedy import greedy_mclp, improve_by_swaps
from ibm_geo.plan.phases import PhasedPlan, plan_phases, unserved_by_year
from ibm_geo.plan.pilots import PILOT_COLUMNS, choose_pilots
from ibm_geo.plan.problem import Problem
from ibm_geo.plan.reach import plan_backend, reach_text
from ibm_geo.plan.recruitment import (
    SITE_COLUMNS,
    RecruitmentPlan,
    demand_weights,
    plan_recruitment,
    plan_to_frame,
)
from ibm_geo.plan.result import SolveResult
from ibm_geo.plan.solvers import solve_lscp, solve_mclp, solve_pmedian

__all__ = [
    "PILOT_COLUMNS",
    "PhasedPlan",
    "Problem",
    "SITE_COLUMNS",
    "Coverage",
    "RecruitmentPlan",
    "SolveResult",
    "build_coverage",
    "choose_pilots",
    "compare_plans",
    "compare_scenarios",
    "coverage_curve",
    "coverage_from_cost_matrix",
    "covered_by",
    "demand_weights",
    "greedy_mclp",
    "improve_by_swaps",
    "nearest_open",
    "plan_backend",
    "plan_phases",
    "plan_recruitment",
    "plan_to_frame",
    "solve_lscp",
    "solve_mclp",
    "reach_text",
    "solve_pmedian",
    "unserved_by_year",
]
