"""Planning engine benchmark on real boundaries (figures printed; not a test).

Run:  IBM_GEO_SHARED_DATA=/work/shared/data .venv/bin/python benchmarks/bench_planning.py

Demand and candidates are the representative points (point_on_surface) of every kelurahan/desa,
weights are seeded Poisson(3), radius 3 km straight line.
* sulsel (3,056 units), MCLP p=50: spopt (pulp CBC) and ibm_geo side by side; speedup, objectives.
* coverage curve p=0..200 on sulsel (greedy).
* national (83,402 units), MCLP p=1000: greedy time; HiGHS with mip_rel_gap 1 % and 120 s limit,
  proven gap and peak memory (maxrss).
The last line is machine-readable.
"""

from __future__ import annotations

import os
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

from ibm_geo.plan.coverage_matrix import build_coverage
from ibm_geo.plan.curve import coverage_curve
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.solvers import solve_mclp

RADIUS = 3000.0


def _points(path: Path, crs) -> np.ndarray:
    gdf = gpd.read_parquet(path)
    pts = gdf.geometry.representative_point()
    if crs is None:
        from ibm_geo.crs import local_utm_crs

        crs = local_utm_crs(gdf)
    pts = pts.to_crs(crs)
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_sulsel(base: Path) -> tuple[float, bool, float]:
    import pulp
    from scipy.spatial.distance import cdist
    from spopt.locate import MCLP

    xy = _points(base / "boundaries" / "sulsel.parquet", "EPSG:32750")
    rng = np.random.default_rng(0)
    w = rng.poisson(3, len(xy)).astype(float)
    print(f"sulsel: {len(xy)} units, total weight {w.sum():.0f}")

    t = time.perf_counter()
    cov = build_coverage(xy, xy, RADIUS)
    ours = solve_mclp(cov, w, 50, mip_gap=0.0, time_limit=300)
    ours_s = time.perf_counter() - t
    print(
        f"  ibm_geo MCLP p=50: {ours_s:.3f} s, objective {ours.objective:.0f}, "
        f"bound {ours.bound:.1f}, gap {ours.gap:.4f}, status {ours.status}, pairs {cov.nnz}"
    )

    cost = cdist(xy, xy)
    t = time.perf_counter()
    ref = MCLP.from_cost_matrix(cost, w, RADIUS, 50)
    ref.solve(pulp.PULP_CBC_CMD(msg=False))
    spopt_s = time.perf_counter() - t
    ref_obj = float(pulp.value(ref.problem.objective))
    print(f"  spopt MCLP (pulp CBC) p=50: {spopt_s:.3f} s, objective {ref_obj:.0f}")
    speedup = spopt_s / ours_s
    equal = abs(ref_obj - ours.objective) < 1e-6
    print(f"  speedup {speedup:.1f}x, objectives equal: {equal}")

    t = time.perf_counter()
    cov2 = build_coverage(xy, xy, RADIUS)
    curve = coverage_curve(cov2, w, 200)
    curve_s = time.perf_counter() - t
    print(
        f"  coverage curve p=0..200 (greedy): {curve_s:.3f} s, covered at p=50 "
        f"{curve['covered'].iloc[50]:.0f}, p=200 {curve['covered'].iloc[200]:.0f}"
    )
    return speedup, equal, curve_s


def bench_national(base: Path) -> tuple[float, float, float, float]:
    xy = _points(base / "boundaries" / "indonesia_simplified.parquet", None)
    rng = np.random.default_rng(0)
    w = rng.poisson(3, len(xy)).astype(float)
    print(f"national: {len(xy)} units, total weight {w.sum():.0f} (azimuthal equidistant)")
    t = time.perf_counter()
    cov = build_coverage(xy, xy, RADIUS)
    g = greedy_mclp(cov, w, 1000)
    greedy_s = time.perf_counter() - t
    print(
        f"  coverage ({cov.nnz} pairs) + greedy p=1000: {greedy_s:.2f} s, objective {g.objective:.0f}"
    )
    t = time.perf_counter()
    cov = build_coverage(xy, xy, RADIUS)
    res = solve_mclp(cov, w, 1000, mip_gap=0.01, time_limit=120)
    nat_s = time.perf_counter() - t
    print(
        f"  HiGHS MCLP p=1000: {nat_s:.1f} s, objective {res.objective:.0f}, bound {res.bound:.1f}, "
        f"gap {res.gap:.4f}, status {res.status}, method {res.method}"
    )
    return res.gap, nat_s, _peak_mb(), greedy_s


def main() -> int:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not Path(root, "boundaries").is_dir():
        print("set IBM_GEO_SHARED_DATA to the shared data folder", file=sys.stderr)
        return 2
    base = Path(root)
    speedup, equal, curve_s = bench_sulsel(base)
    gap, nat_s, peak, greedy_s = bench_national(base)
    print(
        f"sulsel_speedup_vs_spopt={speedup:.1f} objective_equal={str(equal).lower()} "
        f"national_gap={gap:.4f} national_s={nat_s:.1f} national_peak_mb={peak:.0f} "
        f"greedy_national_s={greedy_s:.2f} curve_s={curve_s:.3f}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
