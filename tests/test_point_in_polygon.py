"""The grid-bucketed point-in-polygon agrees with shapely's own STRtree query."""

import numpy as np
import pytest
import shapely

from ibm_geo.matching import _points_in_polygons, _units_of_points


def _layout(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    cells = [
        shapely.box(i, j, i + 1, j + 1) for i in range(6) for j in range(4)
    ]  # a tiling: points on shared edges touch two polygons
    blobs = [
        shapely.Point(rng.uniform(0, 6), rng.uniform(0, 4)).buffer(rng.uniform(0.05, 2.5))
        for _ in range(10)
    ]  # overlapping, and of very different sizes (one cell can hold many boxes)
    return np.array([*cells, *blobs, None, shapely.Polygon()], dtype=object)


@pytest.mark.parametrize("seed", range(5))
def test_grid_pairs_equal_strtree_pairs(seed):
    geoms = _layout(seed)
    rng = np.random.default_rng(100 + seed)
    verts = shapely.get_coordinates(geoms[:5])  # exactly on vertices and edges
    x = np.concatenate([rng.uniform(-1, 7, 3000), verts[:, 0], [np.nan, 3.5]])
    y = np.concatenate([rng.uniform(-1, 5, 3000), verts[:, 1], [2.0, np.nan]])
    i, j = _points_in_polygons(geoms.copy(), x, y, chunk=700)  # several chunks and threads
    ok = np.isfinite(x) & np.isfinite(y)
    ti, tj = shapely.STRtree(geoms).query(shapely.points(x[ok], y[ok]), predicate="intersects")
    want = set(zip(np.flatnonzero(ok)[ti].tolist(), tj.tolist(), strict=True))
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == want
    assert len(want) > 3000  # overlaps and shared edges give extra pairs


def test_units_of_points_lowest_polygon_on_shared_edge_and_repeats():
    geoms = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)], dtype=object)
    x = np.array([0.5, 1.0, 1.5, 0.5, 5.0])
    y = np.array([0.5, 0.5, 0.5, 0.5, 5.0])
    assert _units_of_points(geoms, x, y).tolist() == [0, 0, 1, 0, -1]


def test_no_usable_polygon_or_no_point():
    empty = np.array([None, shapely.Polygon()], dtype=object)
    i, j = _points_in_polygons(empty, np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert len(i) == len(j) == 0
    box = np.array([shapely.box(0, 0, 1, 1)], dtype=object)
    i, j = _points_in_polygons(box, np.zeros(0), np.zeros(0))
    assert len(i) == 0
    assert _units_of_points(empty, np.array([0.5]), np.array([0.5])).tolist() == [-1]
