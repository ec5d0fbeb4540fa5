"""One class per location model (issue 24): constructors, doctests, choice by type, and the
public API of ``ibm_geo`` and ``ibm_geo.plan``."""

from __future__ import annotations

import doctest

import geopandas as gpd
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from shapely.geometry import Point

import ibm_geo
import ibm_geo.plan.models as models
from ibm_geo.plan import LSCP, MCLP, MODELS, GreedyMCLP, PMedian
from ibm_geo.plan.coverage_matrix import build_coverage
from ibm_geo.plan.solvers import solve_mclp


def test_model_doctests_run():
    res = doctest.testmod(models)
    assert res.attempted >= 8 and res.failed == 0


def test_from_geodataframe_measures_metres_and_matches_the_cost_matrix():
    # three villages on a line near Kupang, 1.1 km apart; candidates at the two ends
    lon0, lat0 = 123.6, -10.17
    step = 0.01  # degrees of longitude, ~1.1 km at this latitude
    demand = gpd.GeoDataFrame(
        {"unserved": [4.0, 1.0, 2.0]},
        geometry=[Point(lon0 + i * step, lat0) for i in range(3)],
        crs=4326,
    )
    cand = demand.iloc[[0, 2]][["geometry"]].copy()
    m = MCLP.from_geodataframe(demand, cand, radius=1500.0, p=1, weights="unserved")
    res = m.solve()
    # the west site reaches villages 0 and 1 (4 + 1), the east one 1 and 2 (1 + 2)
    assert res.selected.tolist() == [0] and res.objective == pytest.approx(5.0)
    d = m.problem.cov.distance.toarray()
    assert d[0, 0] == 0.0 and 1090 < d[1, 0] < 1110  # metres, not degrees
    with pytest.raises(ValueError, match="CRS"):
        MCLP.from_geodataframe(demand.set_crs(None, allow_override=True), cand, 1500.0, 1)


def test_models_agree_with_the_array_functions():
    rng = np.random.default_rng(7)
    d, c = rng.uniform(0, 5000, (40, 2)), rng.uniform(0, 5000, (15, 2))
    w = rng.poisson(3, 40).astype(float)
    via_class = MCLP.from_cost_matrix(cdist(d, c), w, 1200.0, 4).solve()
    via_func = solve_mclp(build_coverage(d, c, 1200.0), w, 4)
    assert via_class.objective == pytest.approx(via_func.objective)
    greedy = GreedyMCLP.from_cost_matrix(cdist(d, c), w, 1200.0, 4).solve()
    assert greedy.objective <= via_class.objective + 1e-9
    assert greedy.objective >= (1 - 1 / np.e) * via_class.objective


def test_the_scenario_string_maps_to_a_class_in_one_place():
    assert {"mclp": MCLP, "lscp": LSCP, "pmedian": PMedian} == MODELS
    from ibm_geo.config import PlanConfig

    assert set(MODELS) == set(PlanConfig.model_fields["model"].annotation.__args__)
    with pytest.raises(ValueError, match="unknown location model"):
        models.model_class("center")


def test_public_api_is_short_and_resolves():
    assert len(ibm_geo.__all__) <= 20
    for name in ibm_geo.__all__:
        assert getattr(ibm_geo, name) is not None, name
    assert ibm_geo.MCLP is MCLP and ibm_geo.analyze.__module__ == "ibm_geo.pipeline"
    with pytest.raises(AttributeError):
        ibm_geo.no_such_thing  # noqa: B018
    import ibm_geo.plan as plan

    assert len(plan.__all__) <= 16
    assert all(hasattr(plan, n) for n in plan.__all__)


@pytest.mark.parametrize("model", [LSCP, PMedian])
def test_an_existing_site_is_never_opened_again_as_a_new_one(model):
    """LSCP and p-median take fixed sites' spare capacity up front; the fixed column (cost 0)
    used to stay open to the model, which then 'recruited' a free group at an existing agent
    (the demo's LSCP with the radius reach crashed on it)."""
    cost = [[1.0, 9.0, 1.0], [1.0, 9.0, 1.0], [9.0, 1.0, 1.0]]  # column 2: an existing agent
    kw = {"fixed": [2], "capacity": np.array([10.0, 10.0, 1.0])}
    kw["fixed_capacity"] = np.array([0.0, 0.0, 1.0])  # its spare: one client
    p = None if model is LSCP else 1
    res = model.from_cost_matrix(cost, [1.0, 1.0, 1.0], 2.0, p, **kw).solve()
    assert 2 not in res.selected.tolist()
    if model is LSCP:  # the agent serves one client; the other two need both new sites
        assert res.selected.tolist() == [0, 1] and res.covered_after == pytest.approx(3.0)
    else:  # one new site: the one reaching a client the agent has no room for
        assert res.selected.tolist() in ([0], [1])
