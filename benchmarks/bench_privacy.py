"""The attacker's audit of cell suppression at national scale (issue 9).

Input: the real hierarchy of ``indonesia_simplified.parquet`` (83,402 kelurahan/desa, their
kecamatan, kab/kota and province) with seeded synthetic counts per unit (clients drawn from a
negative binomial with ``--mean`` clients per unit, most villages empty, split over status,
severity, service and outcome as in the tests). Measures :func:`ibm_geo.privacy.disclose`
with the local rules only and with the audit, nationally.

Peer, on the same input in the same run: the textbook audit (tau-ARGUS style), every hidden
cell maximised and minimised in one integer program of the whole area, warm-started HiGHS, LP
first (its bound proves a pin, an integral optimum is a second table) and a MIP only when the
LP optimum is fractional. It is run on one province (the
whole country would take hours) on the local rules' suppression, next to ``find_pinned`` on
the same masks; both must name the same pinned cells.

Usage: IBM_GEO_SHARED_DATA=../shared/data python benchmarks/bench_privacy.py [--mean 2]
Last line: ``audit_national_s=<s> local_rules_s=<s> hidden_cells=<n> peer_province_s=<s>
ours_province_s=<s> same_pins=<bool> pinned_after_audit=<n>`` (the last: the textbook audit
run on the province's own audited export; it must be 0).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ibm_geo import privacy  # noqa: E402
from ibm_geo.privacy_audit import _Relations, find_pinned, to_check  # noqa: E402


def units() -> pd.DataFrame:
    import pyarrow.parquet as pq

    root = os.environ.get("IBM_GEO_SHARED_DATA", "../shared/data")
    src = Path(root, "boundaries", "indonesia_simplified.parquet")
    if not src.exists():
        sys.exit("set IBM_GEO_SHARED_DATA to the shared data folder (with boundaries/)")
    cols = ["kode", "kecamatan", "kab_kota"]
    df = pq.read_table(src, columns=cols).to_pandas()
    df["provinsi"] = df["kode"].str[:2]
    return df


def counts(df: pd.DataFrame, mean: float, seed: int = 0) -> pd.DataFrame:
    """Seeded counts per unit: clients ~ negative binomial (dispersion 0.3), parts multinomial."""
    rng = np.random.default_rng(seed)
    disp = 0.3
    size = rng.negative_binomial(disp, disp / (disp + mean), size=len(df))
    status = rng.multinomial(size, [0.5, 0.2, 0.15, 0.1, 0.05])
    ting = rng.multinomial(size, [0.6, 0.3, 0.1])
    rawat = rng.multinomial(size, [0.7, 0.3])
    served = status[:, 1] + status[:, 2]
    rest = size - served
    ref = np.minimum(ting[:, 2], rest)
    reach = rng.binomial(rest - ref, 0.3)
    uns = rest - ref - reach
    out = df[["kode", "provinsi", "kab_kota", "kecamatan"]].reset_index(drop=True).copy()
    out["clients"] = size
    for j, s in enumerate(["belum", "aktif", "selesai", "putus", "unknown"]):
        out[f"status_{s}"] = status[:, j]
    for j, s in enumerate(["ringan", "sedang", "berat"]):
        out[f"tingkat_{s}"] = ting[:, j]
    out["rawat_jalan"], out["rawat_inap"] = rawat[:, 0], rawat[:, 1]
    out["served"], out["in_reach"], out["referral_berat"] = served, reach, ref
    out["unserved"], out["unserved_recent"] = uns, rng.binomial(uns, 0.5)
    return out


def timed_disclose(kel: pd.DataFrame, limit: int) -> tuple[float, privacy.Disclosure]:
    os.environ["IBM_GEO_AUDIT_MAX_CELLS"] = str(limit)
    privacy._DISCLOSE_CACHE.clear()
    t = time.perf_counter()
    d = privacy.disclose(kel, 5)
    return time.perf_counter() - t, d


def local_masks(kel: pd.DataFrame) -> tuple:
    """The arrays ``suppress`` audits, with the local rules' masks (audit off)."""
    inp = privacy.suppression_inputs(kel)
    m0, tiers = inp.suppress(5, audit=False)
    vals = [inp.values.astype(np.int64)] + [t[0] for t in tiers]
    masks = [m0] + [t[1] for t in tiers]
    return vals, masks, [t[2] for t in tiers], inp.row_groups, inp.follows, inp.whole_row


def peer_pinned(vals, masks, parent, groups, follows, whole_row) -> set[int]:
    """The textbook audit: one integer program of the whole area, every checked hidden cell
    maximised and minimised (warm-started LP; a MIP only where the LP bound passes the next
    integer). Checks the same cells as ``find_pinned`` (not a zero that published zeros
    state, not a zero of a row whose clients are published)."""
    import highspy

    from ibm_geo.plan.solvers import _new_highs

    rel = _Relations(vals, masks, parent, groups, follows)
    hid = np.flatnonzero(rel.hidden)
    todo = to_check(rel, whole_row)
    local = -np.ones(len(rel.value), dtype=np.int64)
    local[hid] = np.arange(len(hid))
    nv = len(hid)
    h = _new_highs()
    h.setOptionValue("simplex_strategy", 4)
    h.addVars(nv, np.zeros(nv), np.full(nv, float(rel.value.max())))
    for r in range(rel.n_rels):
        ids = rel.members(r)
        co = rel.coef[rel.ptr[r] : rel.ptr[r + 1]]
        j = local[ids]
        var = j >= 0
        const = float((co[~var] * rel.value[ids[~var]]).sum())
        lo = -const if rel.exact[r] else -highspy.kHighsInf
        h.addRow(lo, -const, int(var.sum()), j[var].astype(np.int32), co[var])
    allc = np.arange(nv, dtype=np.int32)
    ints = {"on": False}

    def solve(cost: np.ndarray, mip: bool) -> np.ndarray:
        if ints["on"] != mip:
            h.changeColsIntegrality(nv, allc, np.full(nv, int(mip), dtype=np.uint8))
            ints["on"] = mip
        h.changeColsCost(nv, allc, cost)
        h.run()
        return np.asarray(h.getSolution().col_value)

    pinned: set[int] = set()
    for cell in np.flatnonzero(todo):
        j, truth = local[cell], rel.value[cell]
        free = False
        for sign in (1.0, -1.0):
            cost = np.zeros(nv)
            cost[j] = -sign
            x = solve(cost, False)
            bound = -sign * h.getInfo().objective_function_value
            if (bound < truth + 1 - 1e-6) if sign > 0 else (bound > truth - 1 + 1e-6):
                continue  # the LP bound cannot reach another integer this way
            if np.abs(x - np.round(x)).max() < 1e-6:  # an integral LP optimum is a table
                free = True
                break
            x = solve(cost, True)
            if round(x[j]) != truth:
                free = True
                break
        if not free:
            pinned.add(int(cell))
    return pinned


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mean", type=float, default=2.0, help="clients per unit")
    ap.add_argument("--province", default="51", help="province code for the peer (51 = Bali)")
    a = ap.parse_args()
    u = units()
    kel = counts(u, a.mean)
    print(f"units {len(kel):,}, clients {int(kel['clients'].sum()):,} (mean {a.mean}/unit)")

    t_local, d0 = timed_disclose(kel, 0)
    n_local = int(d0.mask.to_numpy().sum())
    t_audit, d = timed_disclose(kel, 10**9)
    n_audit = int(d.mask.to_numpy().sum())
    tot = sum(int(m.to_numpy().sum()) for _, _, m in d.levels.values())
    print(f"national, local rules only: {t_local:.1f} s, {n_local:,} hidden unit cells")
    print(
        f"national, with the audit: {t_audit:.1f} s ({d.audit}), {n_audit:,} hidden unit "
        f"cells (+{n_audit - n_local:,}), {tot:,} hidden totals"
    )

    sub = kel[kel["provinsi"] == a.province].sort_values("kode").reset_index(drop=True)
    arrays = local_masks(sub)
    t = time.perf_counter()
    ours, _ = find_pinned(*arrays[:5], whole_row=arrays[5])
    t_ours = time.perf_counter() - t
    t = time.perf_counter()
    peer = peer_pinned(*arrays)
    t_peer = time.perf_counter() - t
    same = set(ours.tolist()) == peer
    # the province exported on its own, audit on: the textbook audit finds nothing pinned
    _, dp = timed_disclose(sub, 10**9)
    final = list(local_masks(sub))
    final[1] = [dp.mask.to_numpy()] + [dp.levels[n][2].to_numpy() for n, _ in privacy.LEVELS]
    t = time.perf_counter()
    left = peer_pinned(*final)
    t_final = time.perf_counter() - t
    n_hidden = sum(int(m.sum()) for m in arrays[1])
    print(
        f"province {a.province} ({len(sub):,} units, {n_hidden:,} hidden cells after the local "
        f"rules): find_pinned {t_ours:.2f} s, {len(ours)} pinned; textbook per-cell audit "
        f"{t_peer:.1f} s, {len(peer)} pinned; same cells: {same}"
    )
    print(
        f"province {a.province} exported with the audit ({dp.audit}): the textbook audit "
        f"finds {len(left)} pinned cells ({t_final:.1f} s)"
    )
    print(
        f"audit_national_s={t_audit:.1f} local_rules_s={t_local:.1f} hidden_cells={n_audit + tot} "
        f"peer_province_s={t_peer:.1f} ours_province_s={t_ours:.2f} same_pins={same} "
        f"pinned_after_audit={len(left)}"
    )
    return 0 if same and not left and d.audit == "complete" else 1


if __name__ == "__main__":
    raise SystemExit(main())
