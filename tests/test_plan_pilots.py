"""Pilot villages and scenario comparison on hand-built tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ibm_geo.config import PilotConfig, PlanConfig, Scenario
from ibm_geo.plan import PILOT_COLUMNS, choose_pilots, compare_scenarios, plan_recruitment


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
    assert list(out.columns) == PILOT_COLUMNS
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
    assert out.empty and list(out.columns) == PILOT_COLUMNS


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
    from test_plan_recruitment import line_kelurahan

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
