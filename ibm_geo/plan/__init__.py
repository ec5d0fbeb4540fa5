"""Where to recruit Agen Pemulihan and which villages to pilot (see docs/ARCHITECTURE.md "Planning").

The public face: one class per location model (:class:`MCLP`, :class:`LSCP`, :class:`PMedian`,
:class:`GreedyMCLP`, each with ``from_cost_matrix`` and ``from_geodataframe``) over one
:class:`Problem`, and the GeoDataFrame wrappers that the pipeline, the CLI and the app call
(:func:`plan_recruitment`, :func:`plan_phases`, :func:`choose_pilots`,
:func:`compare_scenarios`) with the tables' column lists.

The array-level functions the models are made of are imported from their modules:
:mod:`~ibm_geo.plan.coverage_matrix` (``build_coverage``, ``coverage_from_cost_matrix``),
:mod:`~ibm_geo.plan.solvers` (``solve_mclp``, ``solve_lscp``, ``solve_pmedian``),
:mod:`~ibm_geo.plan.greedy` (``greedy_mclp``), :mod:`~ibm_geo.plan.curve` (``coverage_curve``).
"""

from ibm_geo.plan.compare import compare_scenarios
from ibm_geo.plan.models import LSCP, MCLP, MODELS, GreedyMCLP, LocationModel, PMedian
from ibm_geo.plan.phases import plan_phases
from ibm_geo.plan.pilots import PILOT_COLUMNS, PILOT_EXTRA_COLUMNS, choose_pilots
from ibm_geo.plan.problem import Problem
from ibm_geo.plan.recruitment import SITE_COLUMNS, RecruitmentPlan, plan_recruitment
from ibm_geo.plan.result import SolveResult

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
