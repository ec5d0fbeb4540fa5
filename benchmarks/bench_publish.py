"""Utility, privacy and speed of the published tier (cell key method, issue 20).

Utility and privacy on synthetic city-sized registers over Kota Denpasar's 43 real kelurahan
(300-1,000 clients, several seeds, agents in some villages), each run as the app invites:
rehab years one apart, a status filter, two weightings. Speed on the national table (83,402
units, 1,000,000 clients). The peer is the ONS package ``cell-key-perturbation`` on the same
microdata, record keys and ptable: same published cells, and its time beside ours.

Targets printed beside each figure (issue 20):
  utility: >= 90 % of kelurahan with >= 5 unserved show a number within the maximum deviation;
           published top 10 holds >= 8 of the exact top 10; kab/kota and province totals within
           the maximum deviation; the deck never reads "0+";
  privacy: 0 small cells (1..k-1) pinned across the runs; no single-client unit's status or
           year determined;
  speed:   protection <= 2 s nationally (national analyze: benchmarks/bench_analyze.py).

Usage: IBM_GEO_SHARED_DATA=../shared/data python benchmarks/bench_publish.py [--seeds 5]
Last line: key=value summary.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from itertools import product
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ibm_geo.ckm import MAX_DEVIATION, N_KEYS, cell_keys, ptable  # noqa: E402
from ibm_geo.config import Scenario  # noqa: E402
from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs, rescore  # noqa: E402
from ibm_geo.privacy import SUPPRESSED_COUNTS, disclose  # noqa: E402
from ibm_geo.publish import publish  # noqa: E402

K = 5


def shared(name: str) -> Path:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    p = Path(root or "/nonexistent") / "boundaries" / name
    if not p.exists():
        sys.exit("set IBM_GEO_SHARED_DATA to the shared data folder (with boundaries/)")
    return p


def city_register(tmp: Path, n: int, seed: int):
    import geopandas as gpd

    from ibm_geo.demo import make_synthetic_agents, make_synthetic_clients

    b = gpd.read_file(shared("denpasar.geojson"))
    villages = b["kode"].astype(str).sample(2 + seed % 3, random_state=seed).tolist()
    agents = make_synthetic_agents(b, villages, seed=seed)
    clients = make_synthetic_clients(b, n, seed=seed, messy=False, agents=agents)
    clients.to_csv(tmp / f"k{seed}_{n}.csv", index=False)
    agents.to_csv(tmp / f"a{seed}_{n}.csv", index=False)
    return join_inputs(
        load_inputs(shared("denpasar.geojson"), tmp / f"k{seed}_{n}.csv", tmp / f"a{seed}_{n}.csv")
    )


def utility(joined) -> dict:
    r = analyze_joined(joined, Scenario())
    kel = r.kelurahan
    pub = publish(r)
    shown = pub.ranking.set_index("kode")
    need = kel[kel["unserved"] >= 5]
    ok = sum(
        isinstance(shown.at[kd, "unserved"], int | np.integer)
        and abs(int(shown.at[kd, "unserved"]) - int(u)) <= MAX_DEVIATION
        for kd, u in zip(need["kode"].astype(str), need["unserved"], strict=True)
    )
    top_exact = set(kel.sort_values("rank")["kode"].astype(str).head(10))
    top_pub = set(pub.top(10)["kode"].astype(str))
    dev = []
    d = disclose(kel, K)
    for lvl in ("kab_kota", "provinsi", "total"):
        _, p, op, ex = d.levels[lvl]
        for c in ("clients", "unserved", "served"):
            dev += list(np.abs(p[c].to_numpy() - ex[c].to_numpy())[~op])
    band = any(isinstance(v, str) for v in pub.totals.values())
    return {
        "need": len(need),
        "need_shown_ok": ok,
        "top10": len(top_exact & top_pub),
        "max_total_dev": int(max(dev) if dev else 0),
        "totals_band": band,
        "opaque": int(d.opaque.sum()),
    }


def _pub(result) -> pd.DataFrame:
    d = disclose(result.kelurahan, K)
    p = d.published.copy()
    p[d.opaque] = -1
    p.index = result.kelurahan["kode"].astype(str).to_numpy()
    return p.sort_index()


def attack(joined) -> dict:
    """Differencing of runs the app invites; see tests/test_publish_attacks.py."""
    pt = ptable(K)

    def feas(v: int) -> set[int]:
        return set(pt.possible_true(v, upto=v + MAX_DEVIATION + K))

    pinned = checked = 0
    for statuses in (None, ["belum"], ["aktif"]):
        f = {"statuses": statuses} if statuses else {}
        ra = analyze_joined(joined, Scenario(filters={**f, "year_max": 2024}))
        rb = analyze_joined(joined, Scenario(filters=f))
        rc = analyze_joined(joined, Scenario(filters={**f, "year_min": 2025}))
        pa, pb, pc = _pub(ra), _pub(rb), _pub(rc)
        cols = [c for c in SUPPRESSED_COUNTS if c in ra.kelurahan]
        ea = ra.kelurahan.set_index(ra.kelurahan["kode"].astype(str))[cols].sort_index()
        for c in pa.columns:
            for kd in pa.index:
                a, b, cc = int(pa.at[kd, c]), int(pb.at[kd, c]), int(pc.at[kd, c])
                if -1 in (a, b, cc):
                    continue
                left = {x for x, y in product(feas(a), feas(cc)) if x + y in feas(b)}
                checked += 1
                t = int(ea.at[kd, c])
                if 1 <= t < K and len(left) == 1:
                    pinned += 1
    # single-client units: any number published about them in any run?
    base = analyze_joined(joined, Scenario())
    reg = base.kelurahan.set_index(base.kelurahan["kode"].astype(str))["_register"]
    single = reg[reg == 1].index
    leaked = 0
    for f in ({}, {"statuses": ["belum"]}, {"statuses": ["aktif"]}, {"year_max": 2022}):
        p = _pub(analyze_joined(joined, Scenario(filters=f)))
        leaked += int((p.loc[single] != -1).any(axis=1).sum())
    w2 = rescore(base, Scenario(weights={"unserved_count": 0.1, "distance": 0.6}))
    same_weights = _pub(base).equals(_pub(w2))
    return {
        "cells_checked": checked,
        "small_pinned": pinned,
        "single_units": len(single),
        "single_leaked": leaked,
        "weightings_same": same_weights,
    }


def national(n_clients: int) -> dict:
    """Protection and publish time on the national table; the ONS package as peer."""
    import geopandas as gpd

    units = gpd.read_parquet(shared("indonesia_simplified.parquet"))
    rng = np.random.default_rng(7)
    n = len(units)
    # clients cluster: a skewed intensity per unit, as in the national analyze benchmark
    w = rng.gamma(0.6, 1.0, n)
    unit = rng.choice(n, size=n_clients, p=w / w.sum())
    out: dict[str, float] = {}
    # record keys: once per upload (the join keeps them), keyed BLAKE2b of each identity
    from ibm_geo.record_keys import identities, installation_secret, record_keys

    secret = installation_secret()
    ids = pd.DataFrame({"client_id": [f"51710{i:011d}" for i in range(n_clients)]})
    t = time.perf_counter()
    rk = record_keys(identities(ids), secret)
    out["record_keys_s"] = time.perf_counter() - t
    status = rng.choice(5, n_clients, p=[0.45, 0.25, 0.15, 0.1, 0.05])
    t = time.perf_counter()
    table = units.drop(columns="geometry").copy()
    for j, c in enumerate(SUPPRESSED_COUNTS):
        m = status == (j % 5) if c != "clients" else np.ones(n_clients, dtype=bool)
        ok = (unit >= 0) & m
        table[c] = np.bincount(unit[ok], minlength=n)
        table[f"_ck_{c}"] = cell_keys(unit, rk, n, mask=m)
    table["_register"] = table["clients"]
    out["cell_keys_s"] = time.perf_counter() - t
    t = time.perf_counter()
    d = disclose(table, K)
    out["protect_s"] = time.perf_counter() - t
    out["opaque_units"] = int(d.opaque.sum())
    # the peer: ONS cell-key-perturbation on the same microdata, keys and ptable (one column)
    try:
        from cell_key_perturbation.create_perturbed_table import create_perturbed_table
    except ImportError:
        out["ons_s"] = float("nan")
        return out
    micro = pd.DataFrame({"unit": unit, "rk": rk})
    micro = micro[micro["unit"] >= 0]
    t = time.perf_counter()
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        ons = create_perturbed_table(
            data=micro, ptable=ptable(K).frame(), geog=["unit"], tab_vars=[], record_key="rk",
            threshold=0,
        )  # fmt: skip
    out["ons_one_column_s"] = time.perf_counter() - t
    theirs = ons.set_index("unit")["count"].reindex(range(n)).fillna(0).astype(int).to_numpy()
    ours = d.published["clients"].to_numpy()
    occupied = table["clients"].to_numpy() > 0
    out["ons_same_cells"] = bool(np.array_equal(theirs[occupied], ours[occupied]))
    out["n_keys"] = N_KEYS
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--sizes", default="300,600,1000")
    ap.add_argument("--national", type=int, default=1_000_000)
    a = ap.parse_args()
    sizes = [int(x) for x in a.sizes.split(",")]
    rows = []
    with tempfile.TemporaryDirectory() as d:
        for seed, n in product(range(1, a.seeds + 1), sizes):
            j = city_register(Path(d), n, seed)
            u = utility(j)
            at = attack(j)
            rows.append({"seed": seed, "clients": n, **u, **at})
            print(
                f"Denpasar seed {seed} n={n}: need>=5 {u['need']}, shown within ±{MAX_DEVIATION} "
                f"{u['need_shown_ok']}; top10 overlap {u['top10']}/10; totals max dev "
                f"{u['max_total_dev']}; opaque units {u['opaque']}; attack: {at['cells_checked']} "
                f"cells, small pinned {at['small_pinned']}, single-client units {at['single_units']}"
                f" leaked {at['single_leaked']}, weightings same {at['weightings_same']}"
            )
    df = pd.DataFrame(rows)
    need_share = df["need_shown_ok"].sum() / max(df["need"].sum(), 1)
    print(
        f"utility: {100 * need_share:.1f} % of kelurahan with >= 5 unserved shown within "
        f"±{MAX_DEVIATION} (target >= 90 %); top-10 overlap min {df['top10'].min()}, median "
        f"{df['top10'].median():.0f} (target >= 8); totals max deviation "
        f"{df['max_total_dev'].max()} (target <= {MAX_DEVIATION}); band in totals "
        f"{int(df['totals_band'].sum())} runs (deck '0+': never, totals are cells of their own)"
    )
    print(
        f"privacy: {int(df['small_pinned'].sum())} small cells pinned of "
        f"{int(df['cells_checked'].sum())} checked (target 0); single-client units leaked "
        f"{int(df['single_leaked'].sum())} (target 0)"
    )
    nat = national(a.national)
    print(
        f"national {a.national:,} clients: record keys {nat['record_keys_s']:.2f} s (once per "
        f"upload), cell keys {nat['cell_keys_s']:.2f} s, protection (disclose) "
        f"{nat['protect_s']:.2f} s (target <= 2 s); peer ONS cell-key-perturbation, one column: "
        f"{nat.get('ons_one_column_s', float('nan')):.2f} s, same cells: "
        f"{nat.get('ons_same_cells')}"
    )
    print(
        f"need_shown_pct={100 * need_share:.1f} top10_min={df['top10'].min()} "
        f"totals_max_dev={df['max_total_dev'].max()} small_pinned={int(df['small_pinned'].sum())} "
        f"single_leaked={int(df['single_leaked'].sum())} protect_national_s={nat['protect_s']:.2f} "
        f"ons_one_column_s={nat.get('ons_one_column_s', float('nan')):.2f}"
    )


if __name__ == "__main__":
    main()
