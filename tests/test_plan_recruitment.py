"""plan_recruitment on hand-built kelurahan tables (exact optima known by hand)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _helpers import LAT, STEP, line_kelurahan, scen
from shapely.geometry import Point

from ibm_geo.config import PlanConfig, Scenario
from ibm_geo.errors import InputError
from ibm_geo.plan import SITE_COLUMNS, plan_recruitment
from ibm_geo.plan.recruitment import demand_weights, plan_to_frame


def test_two_groups_cover_everything():
    kel = line_kelurahan()
    before = kel.copy()
    plan = plan_recruitment(kel, scen(p=2))
    pd.testing.assert_frame_equal(kel, before)  # input not mutated
    assert list(plan.sites.columns) == SITE_COLUMNS + ["chosen_by"]
    assert sorted(plan.sites["kode"]) == ["73.71.01.1001", "73.71.01.1003"]
    assert plan.sites["newly_reached"].sum() == pytest.approx(13)
    assert list(plan.sites["agents_to_recruit"]) == [4, 4]
    assert sorted(plan.sites["contribution_rank"]) == [1, 2]
    assert plan.method == "highs" and plan.gap == 0.0
    assert plan.objective == pytest.approx(13) and plan.covered_after == pytest.approx(13)
    assert plan.total_demand == pytest.approx(13) and plan.covered_before == 0
    # kelurahan 1 serves 0 (5 clients, ~1 km), itself (1, 0 km) and 2 (1, ~1 km; the tie with
    # site 3 goes to the lower index): mean 6/7 of ~1 km
    s1 = plan.sites.set_index("kode").loc["73.71.01.1001"]
    assert s1["newly_reached"] == pytest.approx(7)
    assert 6 / 7 * 990 < s1["mean_distance_m"] < 6 / 7 * 1000
    assert list(plan.curve["p"]) == [0, 1, 2, 3, 4]
    assert list(plan.curve["covered"])[:3] == pytest.approx([0, 7, 13])
    assert plan.assignment["covered_after"].all()
    assert len(plan_to_frame(plan)) == 2


def test_existing_agents_are_fixed_and_not_new():
    kel = line_kelurahan(agents=(0, 2, 0, 0, 0), spare=(0, 10, 0, 0, 0))
    plan = plan_recruitment(kel, scen(p=1))
    assert plan.covered_before == pytest.approx(7)
    assert plan.objective == pytest.approx(6)
    assert plan.sites["kode"].iloc[0] in {"73.71.01.1003", "73.71.01.1004"}
    assert plan.sites["newly_reached"].iloc[0] == pytest.approx(6)
    assert plan.curve["covered"].iloc[0] == pytest.approx(7)
    off = plan_recruitment(kel, scen(p=1, keep_existing=False))
    assert off.covered_before == 0 and off.objective == pytest.approx(7)


def test_existing_capacity_limits_what_they_cover():
    kel = line_kelurahan(agents=(0, 2, 0, 0, 0), spare=(0, 3, 0, 0, 0))
    plan = plan_recruitment(kel, scen(p=1, capacity=6))
    assert plan.covered_before == pytest.approx(3)
    # new group of 6 at 3 or 4 (demand 6 there) or at 0 (5 + what the agent left): best is 6
    assert plan.covered_after == pytest.approx(9)


def test_required_forbidden_and_quota_by_kode():
    kel = line_kelurahan()
    req = plan_recruitment(kel, scen(p=1, required=["73.71.01.1002"]))
    assert list(req.sites["kode"]) == ["73.71.01.1002"]
    assert req.objective == pytest.approx(3)  # the weak middle site instead of 7
    forb = plan_recruitment(kel, scen(p=1, forbidden=["73.71.01.1001", "73.71.01.1003"]))
    assert forb.objective == pytest.approx(6)
    quota = plan_recruitment(kel, scen(p=2, max_per_kab={"Kab B": 0}))
    assert set(quota.sites["kab_kota"]) == {"Kota A"}
    assert quota.objective == pytest.approx(8)
    mins = plan_recruitment(kel, scen(p=2, min_per_kab={"Kab B": 2}))
    assert list(mins.sites["kab_kota"]) == ["Kab B", "Kab B"]


def test_budget_binds():
    kel = line_kelurahan()
    plan = plan_recruitment(kel, scen(p=5, budget=1.0, cost_per_site=1.0))
    assert len(plan.sites) == 1 and plan.objective == pytest.approx(7)


def test_greedy_mode_and_other_models():
    kel = line_kelurahan()
    g = plan_recruitment(kel, scen(p=2, exact=False))
    assert g.method == "greedy" and np.isnan(g.gap) and g.objective == pytest.approx(13)
    ls = plan_recruitment(kel, scen(model="lscp", target_share=1.0))
    assert ls.objective == pytest.approx(2) and ls.covered_after == pytest.approx(13)
    pm = plan_recruitment(kel, scen(model="pmedian", p=2))
    assert len(pm.sites) == 2 and pm.method == "highs"


def test_candidate_list_maps_to_kelurahan():
    kel = line_kelurahan()
    cands = gpd.GeoDataFrame(
        {"nama": ["Puskesmas X", "Kantor Lurah Y"]},
        geometry=[Point(119.40 + 3 * STEP, LAT + 0.001), Point(119.40, LAT)],
        crs="EPSG:4326",
    )
    plan = plan_recruitment(kel, scen(p=1), candidates=cands)
    assert plan.sites["kode"].iloc[0] == "73.71.01.1003"
    assert plan.sites["candidate_name"].iloc[0] == "Puskesmas X"


def test_recency_weight_uses_column_only_when_present():
    kel = line_kelurahan()
    s = Scenario(plan=PlanConfig(recency_weight=1.0))
    assert np.allclose(demand_weights(kel, s), kel["unserved"])
    kel["c_recency"] = [0, 0, 0, 0, 1.0]
    assert demand_weights(kel, s)[-1] == pytest.approx(10)
    # recency makes kel 4 worth more than kel 0: one site now goes to the right end
    sc = Scenario(plan=PlanConfig(p=1, radius_m=1200, recency_weight=1.0, reach="radius"))
    plan = plan_recruitment(kel, sc)
    assert plan.sites["kode"].iloc[0] == "73.71.01.1003"


def test_missing_column_is_input_error():
    kel = line_kelurahan().drop(columns="unserved")
    with pytest.raises(InputError) as e:
        plan_recruitment(kel, scen())
    assert e.value.code == "input.generic"
    assert (e.value.table, e.value.column) == ("kelurahan", "unserved")


def test_shared_fixture_runs():
    from _fixtures import make_kelurahan

    kel = make_kelurahan()
    plan = plan_recruitment(kel, Scenario(plan=PlanConfig(p=3)))
    assert len(plan.sites) <= 3
    assert plan.covered_after <= plan.total_demand + 1e-9
    assert plan.covered_after >= plan.covered_before


def test_a_plan_that_forbids_every_candidate_is_a_user_error():
    """The library says it (the CLI, the app's plan step and notebooks share the check)."""
    from ibm_geo.errors import UserError

    kel = line_kelurahan(unserved=(5, 1, 1, 1, 5))
    sc = scen(p=1, forbidden=[f"73.71.01.100{i}" for i in range(5)])
    with pytest.raises(UserError) as e:
        plan_recruitment(kel, sc)
    assert e.value.code == "plan.all_forbidden"
