"""Benchmark kelurahan matching: 100,000 name-only rows with realistic noise vs all 83,402 units.

Run: IBM_GEO_SHARED_DATA=/work/shared/data python benchmarks/bench_match.py [--points] [--read]
``--points`` also times 1,000,000 points in polygons; ``--read`` times read_points on a
1,000,000-row ';' CSV with decimal commas.
Prints method counts, accuracy against the true kode, seconds; ends with ``match_100k_s=<s>``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from ibm_geo.io import read_boundaries
from ibm_geo.matching import match_locations, rep_points
from ibm_geo.quality import DataQuality

N_ROWS = 100_000
TYPO_SHARE = 0.05  # share of distinct written names with one typo


def _typo(name: str, rng: np.random.Generator) -> str:
    """One substitution, deletion or transposition away from ``name`` (not the first letter)."""
    if len(name) < 5:
        return name
    i = int(rng.integers(1, len(name) - 1))
    kind = rng.integers(3)
    if kind == 0:
        return name[:i] + "aeiou"[int(rng.integers(5))] + name[i + 1 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


def noisy_rows(boundaries: pd.DataFrame, n: int, seed: int = 1) -> pd.DataFrame:
    """Rows written the way people write them: case, 'Kel.' prefixes, dropped spaces, typos."""
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(boundaries), n)
    b = boundaries.iloc[pick].reset_index(drop=True)
    names = b["nama"].astype(object).to_numpy().copy()
    distinct = pd.unique(names)
    typo_set = set(distinct[rng.random(len(distinct)) < TYPO_SHARE])
    typo_map = {nm: _typo(nm, rng) for nm in typo_set}
    r = rng.random(n)
    out = []
    for k, nm in enumerate(names):  # building test input only; the matcher itself is vectorised
        if nm in typo_map:
            nm = typo_map[nm]
        if r[k] < 0.2:
            nm = nm.upper()
        elif r[k] < 0.3:
            nm = ("Kel. " if b["jenis"].iat[k] == "Kelurahan" else "Desa ") + nm
        elif r[k] < 0.35:
            nm = nm.replace(" ", "")
        out.append(nm)
    kec = b["kecamatan"].where(rng.random(n) < 0.6, None)
    kab = b["kab_kota"].where(rng.random(n) < 0.8, None)
    return pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "kode": pd.Series([None] * n, dtype="string"),
            "kelurahan": out,
            "kecamatan": kec,
            "kab_kota": kab,
            "lat": np.nan,
            "lon": np.nan,
            "true_kode": b["kode"].to_numpy(),
        }
    )


def main() -> None:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not Path(root, "boundaries/indonesia_simplified.parquet").exists():
        sys.exit("set IBM_GEO_SHARED_DATA to the shared data folder")
    t = time.perf_counter()
    b = read_boundaries(Path(root, "boundaries/indonesia_simplified.parquet"))
    print(f"read_boundaries national ({len(b)} units): {time.perf_counter() - t:.2f} s")
    df = noisy_rows(b, N_ROWS)
    q = DataQuality()
    t = time.perf_counter()
    m = match_locations(df, b, table="bench.csv", quality=q)
    secs = time.perf_counter() - t
    placed = m.kode.notna()
    correct = (m.kode[placed] == df["true_kode"][placed]).mean()
    print("methods:", m.method_counts())
    print(f"placed {placed.mean():.1%} of rows; correct among placed {correct:.2%}")
    print(f"distinct places {len(m.matches)}, quality rows {len(q)}")
    if "--points" in sys.argv:
        lon, lat = rep_points(b)
        rng = np.random.default_rng(2)
        pick = rng.integers(0, len(b), 1_000_000)
        # distinct points (jitter of ~30 m around a point inside each unit), as real clients are
        jitter = rng.uniform(-3e-4, 3e-4, (2, len(pick)))
        pts = pd.DataFrame(
            {
                "row": np.arange(1_000_000) + 2,
                "lat": lat[pick] + jitter[0],
                "lon": lon[pick] + jitter[1],
            }
        )
        t = time.perf_counter()
        mp = match_locations(pts, b, table="bench.csv", quality=DataQuality())
        ps = time.perf_counter() - t
        ok = (mp.kode.fillna("").to_numpy(dtype=object) == b["kode"].to_numpy()[pick]).mean()
        print(f"1,000,000 distinct points: {ps:.2f} s, in the sampled unit {ok:.2%}")
        print(f"match_points_1m_s={ps:.2f}")
    if "--read" in sys.argv:
        _bench_read()
    print(f"match_100k_s={secs:.2f}")


def _bench_read(n: int = 1_000_000) -> None:
    import tempfile

    from ibm_geo.io import read_points

    rng = np.random.default_rng(3)
    df = pd.DataFrame(
        {
            "No Klien": np.arange(n),
            "Kelurahan": np.array(["Renon", "Kel. Sanur", "Pemogan", "PANJER"])[
                rng.integers(0, 4, n)
            ],
            "Kecamatan": "Denpasar Selatan",
            "Lintang": np.round(-8.7 + rng.random(n) * 0.05, 6),
            "Bujur": np.round(115.2 + rng.random(n) * 0.05, 6),
            "Tahun": rng.integers(2015, 2026, n),
            "Status": np.array(["aktif", "belum", "Selesai", "putus", "-"])[rng.integers(0, 5, n)],
            "Tingkat": np.array(["ringan", "sedang", "berat"])[rng.integers(0, 3, n)],
            "Layanan": np.array(["RJ", "RI"])[rng.integers(0, 2, n)],
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp, "klien.csv")
        df.to_csv(path, sep=";", decimal=",", index=False)
        t = time.perf_counter()
        out = read_points(path, "clients", DataQuality())
        secs = time.perf_counter() - t
    print(f"read_points {len(out):,} rows: {secs:.2f} s")
    print(f"read_1m_s={secs:.2f}")


if __name__ == "__main__":
    main()
