"""Scoring on a hand-checked table of four kelurahan."""

import numpy as np
import pandas as pd
import pytest

from ibm_geo.config import Scenario, Weights
from ibm_geo.scoring import classify, score_table, stability


def table():
    return pd.DataFrame(
        {
            "kode": ["A", "B", "C", "D"],
            "unserved": [10, 5, 0, 2],
            "clients": [20, 5, 8, 10],
            "unserved_recent": [5, 5, 0, 0],
            "dist_nearest_m": [2000.0, np.nan, 500.0, 10_000.0],
            "agents_active": [0, 0, 5, 10],
        }
    )


def test_components_and_score_by_hand():
    sc = Scenario(distance_cap_m=10_000, group_size=5, stability_draws=0, share_prior=0)
    out = score_table(table(), sc, ref_year=2025)
    # A: count 10/10=1, share .5, recency .5, distance .2, presence 1
    assert out.loc[
        0, ["c_unserved_count", "c_unserved_share", "c_recency", "c_distance", "c_presence"]
    ].tolist() == pytest.approx([1, 0.5, 0.5, 0.2, 1])
    # default weights .35 .2 .15 .2 .1 (sum 1): 35 + 10 + 7.5 + 4 + 10 = 66.5
    assert out.loc[0, "score"] == pytest.approx(66.5)
    # B: count .5, share 1, recency 1, distance (none anywhere) 1, presence 1 -> 17.5+20+15+20+10
    assert out.loc[1, "score"] == pytest.approx(82.5)
    # C has no unserved client: score 0 whatever its distance
    assert out.loc[2, "score"] == 0
    # D: count .2, share .2, recency 0, distance 1, presence 0 -> 7 + 4 + 0 + 20 + 0
    assert out.loc[3, "score"] == pytest.approx(31.0)
    assert out["rank"].tolist() == [2, 1, 4, 3]
    # points add up to the score
    pts = out[[c for c in out if c.startswith("pts_")]].sum(axis=1)
    assert np.allclose(pts, out["score"])


def test_share_prior_tames_tiny_villages():
    sc = Scenario(stability_draws=0, share_prior=3)
    out = score_table(table(), sc, ref_year=2025)
    # A: share 10/(20+3), recency 5/(10+3): 35 + 20*10/23 + 15*5/13 + 4 + 10
    assert out.loc[0, "score"] == pytest.approx(35 + 200 / 23 + 75 / 13 + 4 + 10)
    # B: 17.5 + 20*5/8 + 15*5/8 + 20 + 10
    assert out.loc[1, "score"] == pytest.approx(17.5 + 12.5 + 9.375 + 30)
    t = pd.DataFrame(
        {
            "kode": ["big", "tiny"],
            "unserved": [20, 1],
            "clients": [25, 1],
            "unserved_recent": [10, 1],
            "dist_nearest_m": [1000.0, 1000.0],
            "agents_active": [0, 0],
        }
    )
    # without the prior the one-client village's 100 % share and recency outweigh 20 unserved
    raw = score_table(
        t,
        Scenario(
            stability_draws=0,
            share_prior=0,
            weights=Weights(
                unserved_count=0.2, unserved_share=0.4, recency=0.4, distance=0, presence=0
            ),
        ),
        2025,
    )
    assert raw["rank"].tolist() == [2, 1]
    smooth = score_table(
        t,
        Scenario(
            stability_draws=0,
            share_prior=3,
            weights=Weights(
                unserved_count=0.2, unserved_share=0.4, recency=0.4, distance=0, presence=0
            ),
        ),
        2025,
    )
    assert smooth["rank"].tolist() == [1, 2]


def test_raising_a_weight_changes_the_ranking():
    sc = Scenario(
        weights=Weights(unserved_count=1, unserved_share=0, recency=0, distance=0, presence=0),
        stability_draws=0,
    )
    out = score_table(table(), sc, ref_year=2025)
    assert out["rank"].tolist() == [1, 2, 4, 3]
    assert out.loc[0, "score"] == pytest.approx(100)


def test_reasons_suppress_small_counts():
    sc = Scenario(stability_draws=0, suppression_k=5)
    out = score_table(table(), sc, ref_year=2025)
    # D has 2 unserved: never written as "2 of 10"
    assert "<5 dari 10" in out.loc[3, "reason_id"]
    assert "2 of" not in out.loc[3, "reason_en"]
    assert "10 of 20 clients unserved (50%)" in out.loc[0, "reason_en"]
    assert "2023-2025" in out.loc[0, "reason_en"]


def test_stability_is_seeded_and_bounded():
    rng = np.random.default_rng(1)
    comp = rng.uniform(size=(50, 5))
    gate = np.ones(50)
    w = np.array([0.35, 0.2, 0.15, 0.2, 0.1])
    a = stability(comp, gate, w, top_n=10, draws=100, spread=0.25, seed=7)
    b = stability(comp, gate, w, top_n=10, draws=100, spread=0.25, seed=7)
    assert np.array_equal(a, b)
    assert a.min() >= 0 and a.max() <= 1
    # exactly 10 units are in the top 10 in each draw
    assert a.sum() == pytest.approx(10)
    # with no spread the unperturbed top 10 is always in, everything else never
    c = stability(comp, gate, w, top_n=10, draws=20, spread=0.0, seed=7)
    s = comp @ (w / w.sum())
    top = set(np.argsort(-s)[:10])
    assert {i for i in range(50) if c[i] == 1} == top and set(np.unique(c)) == {0.0, 1.0}


def test_classification_schemes():
    s = pd.Series([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100.0])
    q = classify(s, Scenario(classification="quantiles", n_classes=5))
    assert q.iloc[0] == 0 and q.iloc[-1] == 5 and q.iloc[1] == 1
    assert q.is_monotonic_increasing
    f = classify(s, Scenario(classification="fixed", fixed_breaks=[25, 50, 75, 100]))
    assert f.tolist() == [0, 1, 1, 2, 2, 2, 3, 3, 4, 4, 4]
    nb = classify(
        pd.Series([0, 1, 2, 3, 50, 51, 52, 99, 100.0]),
        Scenario(classification="natural_breaks", n_classes=3),
    )
    assert nb.tolist() == [0, 1, 1, 1, 2, 2, 2, 3, 3]


def test_quantiles_agree_with_mapclassify():
    import mapclassify

    from ibm_geo.scoring import quantile_classes

    rng = np.random.default_rng(3)
    for n, k in [(50, 5), (997, 5), (300, 4), (40, 3)]:
        v = np.round(rng.gamma(2, 10, n), 1)  # rounded: ties on the bounds
        assert np.array_equal(quantile_classes(v, k), mapclassify.Quantiles(v, k=k).yb)


def test_reason_hides_total_when_complement_is_small():
    t = pd.DataFrame(
        {
            "kode": ["A", "B"],
            "unserved": [7, 7],
            "clients": [9, 20],
            "unserved_recent": [0, 0],
            "dist_nearest_m": [1000.0, 1000.0],
            "agents_active": [0, 0],
        }
    )
    out = score_table(t, Scenario(stability_draws=0, suppression_k=5), 2025)
    a, b = out["reason_en"].tolist()
    # 9 - 7 = 2 clients not unserved: "7 of 9" would disclose them
    assert "7 clients unserved;" in a and "of 9" not in a and "%" not in a
    assert "7 of 20 clients unserved (35%)" in b
