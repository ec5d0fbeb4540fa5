"""Planning on real boundaries (skipped unless IBM_GEO_SHARED_DATA is set)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from ibm_geo.plan.coverage_matrix import build_coverage
from ibm_geo.plan.curve import coverage_curve
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.solvers import solve_mclp

pytestmark = pytest.mark.shared


def _sulsel_points() -> np.ndarray:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    path = Path(root or "", "boundaries", "sulsel.parquet")
    if not root or not path.is_file():
        pytest.skip("IBM_GEO_SHARED_DATA not set or sulsel.parquet missing")
    import geopandas as gpd

    pts = gpd.read_parquet(path).geometry.representative_point().to_crs("EPSG:32750")
    return np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])


def test_sulsel_exact_at_least_greedy_and_curve_consistent():
    xy = _sulsel_points()
    w = np.random.default_rng(0).poisson(3, len(xy)).astype(float)
    cov = build_coverage(xy, xy, 3000.0)
    exact = solve_mclp(cov, w, 20)
    greedy = greedy_mclp(cov, w, 20)
    assert exact.gap == pytest.approx(0.0, abs=1e-9)
    assert exact.objective >= greedy.objective
    assert exact.bound >= exact.objective - 1e-6
    curve = coverage_curve(cov, w, 20)
    assert curve["covered"].iloc[20] == pytest.approx(greedy.covered_after)
    assert curve["covered"].iloc[20] <= exact.covered_after + 1e-9
