"""Two scenarios side by side: which kelurahan change score/rank, which sites and coverage change."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _plan_sets(plan) -> tuple[set, set, pd.Series | None]:
    if plan is None:
        return set(), set(), None
    sites = set(plan.sites["kode"].dropna().astype(str)) if len(plan.sites) else set()
    asg = getattr(plan, "assignment", None)
    if asg is None or not len(asg):
        return sites, set(), None
    covered = set(asg.loc[asg["covered_after"].astype(bool), "kode"].astype(str))
    return sites, covered, asg.set_index(asg["kode"].astype(str))["site_kode"]


def compare_scenarios(
    result_a_table: pd.DataFrame,
    result_b_table: pd.DataFrame,
    plan_a=None,
    plan_b=None,
) -> pd.DataFrame:
    """Per-kelurahan difference between scenario A and B (outer join on ``kode``).

    Columns: ``kode, nama, kab_kota, score_a, score_b, score_change, rank_a, rank_b,
    rank_change`` (positive = moved up, i.e. higher need in B), ``unserved_a, unserved_b`` and,
    with plans, ``site_a, site_b, site_change`` ("added"/"removed"/"kept"/"") and
    ``covered_a, covered_b, coverage_change`` ("gained"/"lost"/""). A headline table
    (:func:`compare_plans`) is attached as ``.attrs["summary"]`` when both plans are given.
    """
    keep = ["kode", "nama", "kab_kota", "score", "rank", "unserved"]

    def pick(t: pd.DataFrame) -> pd.DataFrame:
        t = pd.DataFrame(t.drop(columns="geometry", errors="ignore"))
        cols = [c for c in keep if c in t.columns]
        out = t[cols].copy()
        out["kode"] = out["kode"].astype(str)
        return out

    a, b = pick(result_a_table), pick(result_b_table)
    df = a.merge(b, on="kode", how="outer", suffixes=("_a", "_b"))
    for c in ("nama", "kab_kota"):
        if f"{c}_a" in df.columns:
            df[c] = (
                df[f"{c}_a"].combine_first(df[f"{c}_b"]) if f"{c}_b" in df.columns else df[f"{c}_a"]
            )
            df = df.drop(columns=[x for x in (f"{c}_a", f"{c}_b") if x in df.columns])
    if "score_a" in df.columns and "score_b" in df.columns:
        df["score_change"] = df["score_b"] - df["score_a"]
    if "rank_a" in df.columns and "rank_b" in df.columns:
        df["rank_change"] = df["rank_a"] - df["rank_b"]
    if plan_a is not None or plan_b is not None:
        sa, ca, _ = _plan_sets(plan_a)
        sb, cb, _ = _plan_sets(plan_b)
        df["site_a"] = df["kode"].isin(sa)
        df["site_b"] = df["kode"].isin(sb)
        df["site_change"] = np.select(
            [
                df["site_a"] & df["site_b"],
                df["site_b"] & ~df["site_a"],
                df["site_a"] & ~df["site_b"],
            ],
            ["kept", "added", "removed"],
            "",
        )
        df["covered_a"] = df["kode"].isin(ca)
        df["covered_b"] = df["kode"].isin(cb)
        df["coverage_change"] = np.select(
            [df["covered_b"] & ~df["covered_a"], df["covered_a"] & ~df["covered_b"]],
            ["gained", "lost"],
            "",
        )
    front = ["kode", "nama", "kab_kota"]
    df = df[[c for c in front if c in df.columns] + [c for c in df.columns if c not in front]]
    sort_key = "rank_b" if "rank_b" in df.columns else "kode"
    df = df.sort_values([sort_key, "kode"], kind="stable", na_position="last").reset_index(
        drop=True
    )
    if plan_a is not None and plan_b is not None:
        df.attrs["summary"] = compare_plans(plan_a, plan_b)
    return df


def compare_plans(plan_a, plan_b) -> pd.DataFrame:
    """Headline figures of two recruitment plans: ``metric, a, b, difference``."""
    sa, sb = (
        plan_a.summary().set_index("metric")["value"],
        plan_b.summary().set_index("metric")["value"],
    )
    rows = []
    for m in sa.index:
        va, vb = sa[m], sb.get(m)
        diff = None
        if isinstance(va, int | float | np.number) and isinstance(vb, int | float | np.number):
            diff = float(vb) - float(va)
        rows.append({"metric": m, "a": va, "b": vb, "difference": diff})
    sites_a, _, _ = _plan_sets(plan_a)
    sites_b, _, _ = _plan_sets(plan_b)
    rows.append(
        {
            "metric": "sites_in_both",
            "a": len(sites_a & sites_b),
            "b": len(sites_a & sites_b),
            "difference": 0.0,
        }
    )
    return pd.DataFrame(rows, columns=["metric", "a", "b", "difference"])
