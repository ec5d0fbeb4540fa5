"""Pilot villages and scenario comparison on hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibm_geo.config import PilotConfig, PlanConfig, Scenario
from ibm_geo.plan import PILOT_COLUMNS, choose_pilots, compare_scenarios, plan_recruitment
from ibm_geo.plan.pilots import PILOT_EXTRA_COLUMNS, REASON_PARTS, pilot_candidates


def table() -> pd.DataFrame:
    """8 units in 2 kab/kota; scores descending by position except where noted."""
    return pd.DataFrame(
        {
            "kode": [f"K{i}" for i in range(8)],
            "nama": [f"Desa {i}" for i in range(8)],
            "kab_kota": ["A", "A", "A", "A", "B", "B", "B", "B"],
            "kecamatan": ["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"],
            "score": [95.0, 90, 80, 40, 85, 70, 60, 30],
            "unserved": [20, 15, 9, 8, 3, 12, 11, 10],
            "clients": [30, 20, 12, 10, 5, 15, 14, 13],
            "agents_active": [2, 0, 0, 0, 0, 0, 0, 0],
            "c_unserved_count": [1.0, 0.75, 0.45, 0.4, 0.15, 0.6, 0.55, 0.5],
            "dist_nearest_m": [500.0, 4200, np.nan, 3000, 100, 2500, 2600, 9000],
        }
    )


def scen(**kw) -> Scenario:
    return Scenario(pilots=PilotConfig(**kw))


def test_one_per_kab_skips_existing_and_small():
    out = choose_pilots(table(), scen(per_kab=1, min_unserved=5))
    assert list(out.columns) == PILOT_COLUMNS + PILOT_EXTRA_COLUMNS + [REASON_PARTS]
    assert (out["source"] == "ranking").all()
    # K0 has agents, K4 too few unserved: next best per kab are K1 and K5
    assert list(out["kode"]) == ["K1", "K5"]
    r = out.iloc[0]
    assert "15 klien belum terlayani" in r["reason_id"] and "15 unserved clients" in r["reason_en"]
    assert "4.2 km" in r["reason_en"] and "rank 2 of 8" in r["reason_en"]


def test_totals_and_one_per_kecamatan():
    both = choose_pilots(table(), scen(per_kab=None, n_total=3, min_unserved=5))
    assert list(both["kode"]) == ["K1", "K2", "K5"]
    kec = choose_pilots(
        table(), scen(per_kab=None, n_total=4, min_unserved=5, one_per_kecamatan=True)
    )
    assert list(kec["kode"]) == ["K1", "K2", "K5", "K6"]
    assert kec.groupby(["kab_kota", "kecamatan"]).size().max() == 1
    with_existing = choose_pilots(table(), scen(per_kab=1, exclude_existing=False))
    assert list(with_existing["kode"]) == ["K0", "K5"]


def test_comparison_is_similar_same_kab_and_not_a_pilot():
    out = choose_pilots(table(), scen(per_kab=1, min_unserved=5))
    comp = dict(zip(out["kode"], out["comparison_kode"], strict=True))
    assert comp["K1"] == "K2"  # nearest profile in kab A without agents (K0 has agents)
    assert comp["K5"] == "K6"
    assert not set(comp.values()) & set(comp)
    none = choose_pilots(table(), scen(per_kab=1, comparison=False))
    assert none["comparison_kode"].isna().all()


def test_empty_when_nothing_qualifies():
    out = choose_pilots(table(), scen(min_unserved=100))
    assert out.empty and list(out.columns) == PILOT_COLUMNS + PILOT_EXTRA_COLUMNS + [REASON_PARTS]
    # every candidate's reason, in ranking order
    why = pilot_candidates(table(), scen(min_unserved=100))
    assert list(why["kode"]) == ["K0", "K1", "K4", "K2", "K5", "K6", "K3", "K7"]
    assert set(why["reason_code"]) == {"few_unserved"}
    assert why["reason_id"].iloc[0] == (
        "klien belum terlayani di bawah minimum 100 (pilots.min_unserved)"
    )


def test_compare_scores_ranks_sites_and_coverage():
    a = table().assign(rank=range(1, 9))
    b = a.copy()
    b.loc[b["kode"] == "K7", "score"] = 99.0
    b["rank"] = b["score"].rank(ascending=False, method="first").astype(int)
    diff = compare_scenarios(a, b).set_index("kode")
    assert diff.loc["K7", "score_change"] == pytest.approx(69.0)
    assert diff.loc["K7", "rank_change"] == 7  # from 8th to 1st
    assert diff.loc["K0", "rank_change"] == -1


def test_compare_plans_site_and_coverage_change():
    from _helpers import line_kelurahan

    kel = line_kelurahan()
    pa = plan_recruitment(kel, Scenario(plan=PlanConfig(p=1, reach="radius", radius_m=1200)))
    pb = plan_recruitment(
        kel,
        Scenario(
            plan=PlanConfig(p=1, reach="radius", radius_m=1200, forbidden=list(pa.sites["kode"]))
        ),
    )
    diff = compare_scenarios(kel, kel, pa, pb).set_index("kode")
    a_site, b_site = pa.sites["kode"].iloc[0], pb.sites["kode"].iloc[0]
    assert diff.loc[a_site, "site_change"] == "removed"
    assert diff.loc[b_site, "site_change"] == "added"
    gained = set(diff.index[diff["coverage_change"] == "gained"])
    lost = set(diff.index[diff["coverage_change"] == "lost"])
    ca = set(pa.assignment.loc[pa.assignment["covered_after"], "kode"])
    cb = set(pb.assignment.loc[pb.assignment["covered_after"], "kode"])
    assert gained == cb - ca and lost == ca - cb and gained | lost
    summary = diff.attrs["summary"].set_index("metric")
    assert summary.loc["sites", "difference"] == 0


def test_required_pilots_reach_and_comparisons_in_the_desa_model():
    from _helpers import line_kelurahan

    kel = line_kelurahan(unserved=(9, 8, 7, 6, 5))  # Kota A: 0-2, Kab B: 3-4
    req = ["Kel 0", "73.71.01.1003"]  # a name as written, or a kode
    own = Scenario(plan=PlanConfig(required_pilots=req))
    out = choose_pilots(kel, own).set_index("nama")
    assert list(out.index) == ["Kel 0", "Kel 3"] and (out["source"] == "required").all()
    assert list(out["reach_names"]) == ["Kel 0", "Kel 3"]  # a group serves its own village
    assert list(out["reach_clients"]) == [9, 6]
    # the most similar unreached village of the same kab/kota (by unserved: 8 for 9, 5 for 6)
    assert list(out["comparison_nama"]) == ["Kel 1", "Kel 4"]
    nb = Scenario(plan=PlanConfig(required_pilots=req, neighbours=True))
    out = choose_pilots(kel, nb).set_index("nama")
    assert list(out["reach_names"]) == ["Kel 0, Kel 1", "Kel 3, Kel 2, Kel 4"]
    assert list(out["reach_clients"]) == [17, 18]
    # with bordering villages in reach every other village is reached: no comparison, and why
    assert out["comparison_kode"].isna().all()
    assert out["comparison_reason_id"].iloc[0] == (
        "tidak ada desa pembanding: setiap desa lain dijangkau percontohan atau lokasi rencana"
    )


def test_pilots_start_where_the_plan_starts():
    from _helpers import line_kelurahan

    kel = line_kelurahan(unserved=(6, 8, 0, 9, 7))
    sc = Scenario(plan=PlanConfig(p=3), pilots=PilotConfig(per_kab=1, min_unserved=5))
    plan = plan_recruitment(kel, sc)
    # plan order: 3 (9), 1 (8), 4 (7); first per kab/kota: Kel 1 (Kota A), Kel 3 (Kab B)
    out = choose_pilots(kel, sc, sites=plan.sites)
    assert list(out["nama"]) == ["Kel 3", "Kel 1"] and (out["source"] == "plan").all()
    assert "lokasi kelompok pertama rencana di Kab B" in out["reason_id"].iloc[0]
    # comparisons are neither pilots nor sites (nor without clients: Kel 2): Kota A's only one,
    # Kel 0, goes to Kel 1 (own kab/kota first); none is left for Kel 3, and the row says why
    assert out["comparison_nama"].tolist() == [None, "Kel 0"]
    assert out["comparison_reason_en"].iloc[0] == (
        "no comparison village: every other village is already another pilot's comparison"
    )
    why = pilot_candidates(kel, sc, sites=plan.sites).set_index("nama")
    assert why.loc["Kel 4", "reason_code"] == "kab_full"
    assert why.loc["Kel 0", "reason_code"] == "not_in_plan"
