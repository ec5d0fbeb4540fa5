"""Where to recruit Agen Pemulihan and which villages to pilot (see docs/ARCHITECTURE.md "Planning").

The public face (``__all__``): one class per location model (:class:`MCLP`, :class:`LSCP`,
:class:`PMedian`, :class:`GreedyMCLP`, each with ``from_cost_matrix`` and
``from_geodataframe``) over one :class:`Problem`, and the GeoDataFrame wrappers that the
pipeline, the CLI and the app call (:func:`plan_recruitment`, :func:`plan_phases`,
:func:`choose_pilots`, :func:`compare_scenarios`) with the tables' column lists.

The array-level functions the models are made of (``build_coverage``, ``solve_mclp``,
``greedy_mclp``, ``coverage_curve``, ...) stay importable from here and from their modules
(:mod:`~ibm_geo.plan.coverage_matrix`, :mod:`~ibm_geo.plan.solvers`,
:mod:`~ibm_geo.plan.greedy`, :mod:`~ibm_geo.plan.curve`) for tests, benchmarks and notebooks.
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
from ibm_geo.plan.models import LSCP, MCLP, MODELS, GreedyMCLP, LocationModel, PMedian
from ibm_geo.plan.phases import PhasedPlan, plan_phases, unserved_by_year
from ibm_geo.plan.pilots import PILOT_COLUMNS, PILOT_EXTRA_COLUMNS, choose_pilots
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
    "LSCP",
    "MCLP",
    "MODELS",
    "PILOT_COLUMNS",
    "PILOT_EXTRA_COLUMNS",
    "SITE_COLUMNS",
    "GreedyMCLP",
    "LocationModel",
    "PMedian",
    "Problem",
    "RecruitmentPlan",
    "SolveResult",
    "choose_pilots",
    "compare_scenarios",
    "plan_phases",
    "plan_recruitment",
]

# array-level building blocks, importable but not the public face (see the module docstring)
_CORE = (
    Coverage,
    PhasedPlan,
    build_coverage,
    compare_plans,
    coverage_curve,
    coverage_from_cost_matrix,
    covered_by,
    demand_weights,
    greedy_mclp,
    improve_by_swaps,
    nearest_open,
    plan_backend,
    plan_to_frame,
    reach_text,
    solve_lscp,
    solve_mclp,
    solve_pmedian,
    unserved_by_year,
)
