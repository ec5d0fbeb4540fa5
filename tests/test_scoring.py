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
            "unserved": [10, 5, 0, 3],
            "clients": [20, 5, 8, 10],
            "unserved_recent": [5, 5, 0, 0],
            "dist_nearest_m": [2000.0, np.nan, 500.0, 10_000.0],
            "agents_active": [0, 0, 5, 10],
        }
    )


def test_components_and_score_by_hand():
    # k=3: no count of this table is hidden, so the score reads the true counts
    sc = Scenario(
        distance_cap_m=10_000, group_size=5, stability_draws=0, share_prior=0, suppression_k=3
    )
    out = score_table(table(), sc, ref_year=2025)
    # A: need 10/10=1, share .5, recency .5, distance .2, presence 1
    assert out.loc[
        0, ["c_unserved_count", "c_unserved_share", "c_recency", "c_distance", "c_presence"]
    ].tolist() == pytest.approx([1, 0.5, 0.5, 0.2, 1])
    # need-led: 100 * need * (.35 + .2*.5 + .15*.5 + .2*.2 + .1*1) = 66.5
    assert out.loc[0, "score"] == pytest.approx(66.5)
    # B: need .5, every modifier 1 (distance: none anywhere) -> 100 * .5 * 1
    assert out.loc[1, "score"] == pytest.approx(50.0)
    # C has no unserved client: score 0 whatever its distance
    assert out.loc[2, "score"] == 0
    # D: need .3, share .3, recency 0, distance 1, presence 0 -> 30 * (.35 + .06 + .2) = 18.3
    assert out.loc[3, "score"] == pytest.approx(18.3)
    assert out["rank"].tolist() == [1, 2, 4, 3]
    # points add up to the score; the need's own points are need * its weight
    pts = out[[c for c in out if c.startswith("pts_")]].sum(axis=1)
    assert np.allclose(pts, out["score"])
    assert out.loc[3, "pts_unserved_count"] == pytest.approx(30 * 0.35)
    assert out.loc[3, "pts_distance"] == pytest.approx(30 * 0.2)


def test_remote_village_without_need_cannot_outrank_need():
    """Distance and a missing agent multiply need; they never add it (issue 11)."""
    t = pd.DataFrame(
        {
            "kode": ["remote", "near"],
            "unserved": [5, 20],
            "clients": [5, 60],
            "unserved_recent": [5, 0],
            "dist_nearest_m": [np.nan, 100.0],
            "agents_active": [0, 5],
        }
    )
    out = score_table(t, Scenario(stability_draws=0), 2025)
    # remote: need .25, shares 5/8 (prior 3), far, no agent -> 25 * (.35 + .35 * 5/8 + .3)
    assert out["rank"].tolist() == [2, 1]
    assert out.loc[0, "score"] == pytest.approx(25 * (0.35 + 0.35 * 5 / 8 + 0.3))
    assert out.loc[0, "score"] <= 25  # never more than its need


def test_share_prior_tames_tiny_villages():
    sc = Scenario(stability_draws=0, share_prior=3, suppression_k=3)
    out = score_table(table(), sc, ref_year=2025)
    # A: share 10/(20+3), recency 5/(10+3): 100 * (.35 + .2*10/23 + .15*5/13 + .04 + .1)
    assert out.loc[0, "score"] == pytest.approx(35 + 200 / 23 + 75 / 13 + 4 + 10)
    # B: 50 * (.35 + .2*5/8 + .15*5/8 + .2 + .1)
    assert out.loc[1, "score"] == pytest.approx(50 * (0.35 + 0.2 * 5 / 8 + 0.15 * 5 / 8 + 0.3))


def test_raising_a_weight_changes_the_ranking():
    sc = Scenario(
        weights=Weights(unserved_count=1, unserved_share=0, recency=0, distance=0, presence=0),
        stability_draws=0,
        suppression_k=3,
    )
    out = score_table(table(), sc, ref_year=2025)
    assert out["rank"].tolist() == [1, 2, 4, 3]
    assert out.loc[0, "score"] == pytest.approx(100)
    far = score_table(
        table(),
        Scenario(
            weights=Weights(
                unserved_count=0.1, unserved_share=0, recency=0, distance=1, presence=0
            ),
            stability_draws=0,
            suppression_k=3,
        ),
        2025,
    )
    # D (need .3, 10 km) now beats nothing it did not beat before, but A (2 km) loses points
    assert far.loc[0, "score"] == pytest.approx(100 * (0.1 + 0.2) / 1.1)
    assert far.loc[3, "score"] == pytest.approx(30 * (0.1 + 1) / 1.1)


def test_reasons_quote_the_counts_or_the_labels_they_are_given():
    """The working tier quotes exact counts; the published tier passes its own labels (the
    band of an opaque area) and its share, and the reason quotes exactly those."""
    sc = Scenario(stability_draws=0, suppression_k=5)
    t = table().assign(unserved=[10, 5, 0, 2])
    out = score_table(t, sc, ref_year=2025)
    assert "2 of 10 clients unserved (20%)" in out.loc[3, "reason_en"]
    assert "2023-2025" in out.loc[0, "reason_en"]
    # the score quoted in the text is the score of the row, rounded as the tables round it
    assert f"score {out.loc[0, 'score']:.1f}" in out.loc[0, "reason_en"]
    labels = pd.DataFrame(
        {
            "unserved": [10, 5, 0, "<5"],
            "clients": [20, 5, 8, "<5"],
            "unserved_recent": [5, 5, 0, "<5"],
            "share": [0.5, 1.0, 0.0, np.nan],
        }
    )
    pub = score_table(t, sc, ref_year=2025, labels=labels, unranked=np.array([0, 0, 0, 1], bool))
    assert "10 dari 20 klien belum terlayani (50%)" in pub.loc[0, "reason_id"]
    assert pd.isna(pub.loc[3, "rank"]) and np.isnan(pub.loc[3, "score"])
    assert pub.loc[3, "reason_en"].startswith("Not ranked")
    assert sorted(pub["rank"].dropna().astype(int)) == [1, 2, 3]


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


def test_reason_share_agrees_with_the_row():
    t = pd.DataFrame(
        {
            "kode": ["A", "B"],
            "unserved": [15, 7],
            "clients": [20, 20],
            "unserved_recent": [0, 0],
            "dist_nearest_m": [1000.0, 1000.0],
            "agents_active": [0, 0],
        }
    )
    out = score_table(t, Scenario(stability_draws=0, suppression_k=5), 2025)
    a, b = out["reason_en"].tolist()
    assert "15 of 20 clients unserved (75%)" in a
    assert "7 of 20 clients unserved (35%)" in b


def _big_table() -> pd.DataFrame:
    """A town with four-digit counts, a remote village, and one with 2 unserved (hidden at k=5)."""
    return pd.DataFrame(
        {
            "kode": ["A", "B", "C"],
            "kab_kota": ["Kota X", "Kota X", "Kota X"],
            "unserved": [1300, 900, 2],
            "clients": [2000, 1000, 40],
            "unserved_recent": [700, 0, 0],
            "dist_nearest_m": [8000.0, 12_345.0, 500.0],
            "agents_active": [0, 1234, 0],
        }
    )


def test_reasons_write_numbers_in_the_readers_format():
    out = score_table(_big_table(), Scenario(stability_draws=0, suppression_k=5), 2025)
    a_id, a_en = out.loc[0, "reason_id"], out.loc[0, "reason_en"]
    assert "1.300 dari 2.000 klien belum terlayani (65%)" in a_id
    assert "1,300 of 2,000 clients unserved (65%)" in a_en
    assert "agen/layanan terdekat 8,0 km" in a_id and "nearest agent/service 8.0 km" in a_en
    assert "2023-2025" in a_id  # years are not numbers to group
    score = f"{out.loc[0, 'score']:.1f}"
    assert f"skor {score.replace('.', ',')};" in a_id and f"score {score};" in a_en
    b_id, b_en = out.loc[1, "reason_id"], out.loc[1, "reason_en"]
    assert "12,3 km" in b_id and "1.234 agen aktif" in b_id
    assert "12.3 km" in b_en and "1,234 active agents" in b_en
    assert "8.0 km" not in a_id and "1300" not in a_id + a_en


def test_published_reasons_quote_published_counts_in_both_languages():
    """The published tier's reasons (``pub_reason_*``) quote the published counts as the
    published table shows them, in the reader's number format; the 2 unserved of the small
    village never appear (a count 1..4 is published as 0 or 5)."""
    from ibm_geo.pipeline import score_both_tiers
    from ibm_geo.privacy import public_table

    t = _big_table()
    kel = pd.concat([t, score_both_tiers(t, Scenario(stability_draws=0), 2025)], axis=1)
    pub = public_table(kel, 5)
    assert pub.loc[2, "unserved"] in (0, 5)
    u, c = pub.loc[0, "unserved"], pub.loc[0, "clients"]
    assert abs(u - 1300) <= 2 and abs(c - 2000) <= 2
    assert f"{u:,} dari {c:,} klien".replace(",", ".") in pub.loc[0, "reason_id"]
    assert f"{u:,} of {c:,} clients" in pub.loc[0, "reason_en"]
    assert " 2 dari" not in pub.loc[2, "reason_id"] and " 2 of" not in pub.loc[2, "reason_en"]
    # the working tier keeps the exact figures
    assert "1.300 dari 2.000 klien" in kel.loc[0, "reason_id"]


def test_column_formatters_write_exactly_what_the_one_formatter_writes():
    """fmt_nums / fmt_kms (the reasons' fast path) equal fmt_num / fmt_km value by value:
    ints, numpy numbers, halves (rounding), thousands, bands, missing values, both languages."""
    from ibm_geo.i18n import fmt_km, fmt_kms, fmt_num, fmt_nums

    rng = np.random.default_rng(5)
    vals = [0, 5, 1300, 1234567, "<5", None, float("nan"), pd.NA, 2.5, 3.5, 61.149]
    vals += list(rng.integers(0, 10**7, 50)) + list(rng.uniform(0, 1e5, 50))
    ints = [int(v) for v in rng.integers(-(10**12), 10**12, 200)] + [-1000, -999, 999, 1000]
    floats = [*rng.uniform(-1e6, 1e6, 200), 0.25, 0.35, 2.5, -0.5, 1e20, float("nan")]
    for lang in ("id", "en"):
        for d in (0, 1):
            for column in (vals, ints, floats, [None, float("nan")], []):
                assert fmt_nums(column, lang, d) == [fmt_num(v, lang, d) for v in column]
        metres = [8000.0, float("nan"), None, *rng.uniform(0, 5e4, 30)]
        assert fmt_kms(metres, lang) == [fmt_km(m, lang) for m in metres]


def test_stability_in_batches_of_draws_is_the_whole_matrix_at_once(monkeypatch):
    """The draws are scored 20 at a time (memory); the shares are those of all draws scored at
    once, exactly, for top-N below and above the number of units and draws not a multiple of
    the batch."""
    import ibm_geo.scoring as sc

    rng = np.random.default_rng(3)
    w = np.array([1.0, 2.0, 0.5, 1.0, 1.0])
    for n, top, draws in [(2000, 10, 200), (50, 10, 37), (5, 10, 20), (300, 300, 45)]:
        comp = np.round(rng.random((n, 5)), 2)
        gate = np.where(rng.random(n) < 0.3, 0.0, rng.random(n))
        monkeypatch.setattr(sc, "_DRAW_BATCH", 10**9)
        whole = sc.stability(comp, gate, w, top, draws, 0.25, 7)
        monkeypatch.setattr(sc, "_DRAW_BATCH", 20)
        batched = sc.stability(comp, gate, w, top, draws, 0.25, 7)
        assert np.array_equal(whole, batched)
        assert (whole > 0).sum() > 0 and (whole[gate == 0] == 0).all()
