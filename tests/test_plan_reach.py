"""The desa reach model (the default) and the accounting of every requested group, on the
five-square line of test_plan_recruitment (squares ~1 km wide sharing borders, left to right)."""

from __future__ import annotations

import numpy as np
import pytest
from _helpers import line_kelurahan
from shapely.geometry import box

from ibm_geo.config import PlanConfig, Scenario
from ibm_geo.distance import VillageReach, border_adjacency
from ibm_geo.plan import plan_recruitment
from ibm_geo.plan.coverage_matrix import build_coverage
from ibm_geo.plan.reach import plan_backend


def desa(**plan) -> Scenario:
    base = dict(curve_max_p=5)
    base.update(plan)
    return Scenario(group_size=5, default_capacity=10, plan=PlanConfig(**base))


def test_desa_is_the_default_and_a_group_serves_its_own_village():
    kel = line_kelurahan(unserved=(5, 1, 1, 1, 5))
    plan = plan_recruitment(kel, desa(p=2))
    assert Scenario().plan.reach == "desa" and plan.reach == "desa"
    # each group reaches only its own kelurahan: the two fives, 10 clients (radius: 13)
    assert sorted(plan.sites["kode"]) == ["73.71.01.1000", "73.71.01.1004"]
    assert plan.objective == pytest.approx(10)
    assert list(plan.sites["newly_reached"]) == [5, 5]
    assert (plan.sites["mean_distance_m"] == 0).all()  # clients at the group's own point
    assert plan.status.startswith("optimal") and plan.gap == 0.0
    assert list(plan.curve["covered"]) == pytest.approx([0, 5, 10, 11, 12, 13])
    assert plan.placed == 2 and plan.requested == 2 and plan.groups_line("id") == ""


def test_neighbours_setting_reaches_bordering_villages():
    kel = line_kelurahan(unserved=(5, 1, 1, 1, 5))
    plan = plan_recruitment(kel, desa(p=2, neighbours=True))
    # a group at 1 reaches 0, 1, 2 (7); at 3: 2, 3, 4 (7); two groups reach all 13
    assert plan.objective == pytest.approx(13)
    one = plan_recruitment(kel, desa(p=1, neighbours=True))
    assert one.objective == pytest.approx(7)
    assert one.sites["kode"].iloc[0] in {"73.71.01.1001", "73.71.01.1003"}


def test_existing_agents_serve_their_own_village_only():
    kel = line_kelurahan(unserved=(5, 1, 1, 1, 6), agents=(2, 0, 0, 0, 0), spare=(10, 0, 0, 0, 0))
    plan = plan_recruitment(kel, desa(p=1))
    assert plan.covered_before == pytest.approx(5)  # unit 0's five, not its neighbour's one
    assert list(plan.sites["kode"]) == ["73.71.01.1004"]
    assert plan.covered_after == pytest.approx(11)


def test_capacity_of_a_group_in_its_village():
    kel = line_kelurahan(unserved=(120, 0, 0, 0, 30))
    plan = plan_recruitment(kel, desa(p=2))
    # a group of 5 agents x 10 clients takes 50 of unit 0's 120, and unit 4's 30
    assert dict(zip(plan.sites["kode"], plan.sites["newly_reached"], strict=True)) == {
        "73.71.01.1000": 50,
        "73.71.01.1004": 30,
    }


def test_fewer_useful_sites_than_groups_are_accounted_for():
    kel = line_kelurahan(unserved=(5, 0, 0, 1, 5))
    plan = plan_recruitment(kel, desa(p=5))
    assert sorted(plan.sites["kode"]) == ["73.71.01.1000", "73.71.01.1003", "73.71.01.1004"]
    assert (plan.requested, plan.placed, plan.unplaced_reason) == (5, 3, "no_new_clients")
    line = plan.groups_line("id")
    assert line.startswith("3 dari 5 kelompok ditempatkan; kelompok ke-4 dan ke-5 tidak ")
    assert "tidak menjangkau klien baru dalam model desa" in line
    assert "plan.neighbours = true" in line and "plan.place_all = true" in line
    assert "groups 4 and 5 would reach no new clients in the village model" in plan.groups_line(
        "en"
    )
    summary = dict(zip(plan.summary()["metric"], plan.summary()["value"], strict=True))
    assert summary["groups_requested"] == 5 and summary["groups_placed"] == 3
    four = plan_recruitment(kel, desa(p=4))
    assert "kelompok ke-4 tidak menjangkau" in four.groups_line("id")


def test_place_all_uses_the_ranking():
    kel = line_kelurahan(unserved=(5, 0, 0, 1, 5))  # score falls left to right
    plan = plan_recruitment(kel, desa(p=5, place_all=True))
    assert len(plan.sites) == 5 and plan.by_ranking == 2
    extra = plan.sites[plan.sites["chosen_by"] == "ranking"]
    assert list(extra["nama"]) == ["Kel 1", "Kel 2"] and (extra["newly_reached"] == 0).all()
    assert list(extra["contribution_rank"]) == [4, 5]
    assert (extra["solver"] == "ranking (plan.place_all)").all()
    line = plan.groups_line("id")
    assert "kelompok ke-4 dan ke-5 ditempatkan menurut peringkat" in line
    assert "Kel 1, Kel 2" in line and "agar ditempatkan" not in line


def test_budget_is_the_reason_when_it_binds():
    kel = line_kelurahan(unserved=(5, 3, 4, 1, 5))
    plan = plan_recruitment(kel, desa(p=3, budget=2.0, place_all=True))
    assert plan.placed == 2 and plan.unplaced_reason == "budget" and plan.by_ranking == 0
    assert "kelompok ke-3 tidak muat dalam anggaran" in plan.groups_line("id")


def test_sites_only_where_clients_live_unless_allowed():
    # the Karampuang case: a unit without clients between two with nine each
    kel = line_kelurahan(unserved=(0, 9, 0, 9, 0))
    radius = dict(reach="radius", radius_m=2200.0)
    plan = plan_recruitment(kel, desa(p=1, **radius))
    assert plan.sites["kode"].iloc[0] in {"73.71.01.1001", "73.71.01.1003"}
    assert plan.objective == pytest.approx(9 + 9)  # 2.2 km from unit 1 reaches unit 3 too
    near = dict(reach="radius", radius_m=1200.0)
    assert plan_recruitment(kel, desa(p=1, **near)).objective == pytest.approx(9)
    anywhere = plan_recruitment(kel, desa(p=1, sites_without_clients=True, **near))
    assert list(anywhere.sites["kode"]) == ["73.71.01.1002"]
    assert anywhere.objective == pytest.approx(18)


def test_desa_plans_are_nested_and_radius_plans_when_asked():
    rng = np.random.default_rng(5)
    u = tuple(int(x) for x in rng.integers(0, 30, 12))
    kel = line_kelurahan(unserved=u, agents=(0,) * 12, spare=(0,) * 12)
    sets = [set(plan_recruitment(kel, desa(p=p)).sites["kode"]) for p in range(1, 8)]
    assert all(a < b for a, b in zip(sets, sets[1:], strict=False))
    rad = dict(reach="radius", radius_m=2200.0, nested=True)
    sets = [set(plan_recruitment(kel, desa(p=p, **rad)).sites["kode"]) for p in range(1, 6)]
    assert all(a <= b for a, b in zip(sets, sets[1:], strict=False))


def test_village_reach_backend_attributes_points_to_units():
    kel = line_kelurahan()
    sc = desa()
    be = plan_backend(kel, sc)
    assert isinstance(be, VillageReach) and be.kind == "desa"
    xy = be.rep_xy
    # an agent's point inside unit 2 (not its representative point) reaches unit 2 only
    agent = xy[2] + [200.0, 150.0]
    i, j, d = be.pairs(agent[None, :], xy)
    assert list(j) == [2] and d[0] == pytest.approx(250.0)
    cov = build_coverage(xy, xy, 1.0, be)  # the same seam every solver reads
    assert cov.nnz == 5 and (cov.matrix.diagonal() == 1).all()
    outside = be.pairs(np.array([[xy[0, 0] - 5000.0, xy[0, 1]]]), xy)[1]
    assert outside.size == 0
    # radius model: the analysis backend (None = straight line) goes through unchanged
    assert plan_backend(kel, desa(reach="radius")) is None


def test_border_adjacency_ignores_corners_and_small_gaps():
    s = 1000.0
    squares = [box(0, 0, s, s), box(s + 2, 0, 2 * s, s), box(s, s, 2 * s, 2 * s)]
    adj = border_adjacency(np.array(squares, dtype=object)).toarray()
    # 0-1: a 2 m gap counts as a shared border; 0-2 touch at a corner only; 1-2 share a side
    assert adj.tolist() == [[0, 1, 0], [1, 0, 1], [0, 1, 0]]


def test_why_not_speaks_the_desa_model():
    from ibm_geo.plan.why_not import why_not

    kel = line_kelurahan(unserved=(5, 0, 0, 1, 5), agents=(0, 0, 0, 0, 0))
    kel["clients"] = kel["unserved"] + 1
    sc = desa(p=5, place_all=True)
    plan = plan_recruitment(kel, sc)
    assert why_not(kel, sc, "Kel 1", plan=plan).site[0][0] == "site.ranking"
    two = desa(p=2)
    plan2 = plan_recruitment(kel, two)
    ans = why_not(kel, two, "Kel 3", plan=plan2)
    assert ans.site[0][0] == "site.weaker" and ans.site[0][1]["reach"] == 1  # working tier: exact
    empty = why_not(kel, two, "Kel 2", plan=plan2)
    assert empty.site[0][0] == "site.no_unserved"
    served = line_kelurahan(unserved=(5, 0, 0, 1, 5), agents=(0, 0, 0, 1, 0), spare=(0, 0, 0, 9, 0))
    plan3 = plan_recruitment(served, two)
    ans = why_not(served, two, "Kel 3", plan=plan3)
    assert ans.site[0][0] == "site.reached_existing_desa"
    assert "model desa: kelompok melayani kelurahan/desanya sendiri" in ans.text("id")


def test_why_not_a_pilot_follows_where_pilots_come_from():
    from ibm_geo.plan import choose_pilots
    from ibm_geo.plan.why_not import why_not

    kel = line_kelurahan(unserved=(6, 8, 0, 9, 7, 5), agents=(0,) * 6, spare=(0,) * 6)
    kel["clients"] = kel["unserved"] + 1
    sc = desa(p=2)  # plan: Kel 3 (9) and Kel 1 (8); the first site per kab/kota is its pilot
    plan = plan_recruitment(kel, sc)
    pilots = choose_pilots(kel, sc, sites=plan.sites)
    # comparisons: Kel 4 (7) for Kel 3 (9), Kel 0 (6) for Kel 1 (8); Kel 5 is neither
    assert list(pilots["comparison_nama"]) == ["Kel 4", "Kel 0"]
    ans = why_not(kel, sc, "Kel 5", plan=plan, pilots=pilots)
    assert ans.pilot[0][0] == "pilot.not_in_plan"
    assert "tempat IBM dimulai" in ans.text("id")
    req = desa(p=2, required_pilots=["Kel 0"])
    pilots = choose_pilots(kel, req, sites=plan.sites)
    ans = why_not(kel, req, "Kel 3", plan=plan, pilots=pilots)
    assert ans.pilot[0][0] == "pilot.required" and "Kel 0" in ans.text("en")
