"""The one seam for "how far": straight line (default) or road travel from an OSM extract.

Coverage (who is in reach), the score's distance (``dist_nearest_m``) and the plan's sparse
coverage all ask a backend for the same two things, on metric x/y arrays:

- ``pairs(src_xy, dst_xy, limit_m)``: every (source, target) within the threshold, with distance;
- ``nearest(src_xy, dst_xy)``: distance from the nearest source to each target (NaN: none).

With roads, the threshold is the road distance ``limit_m`` or, when the scenario says so, a travel
time; distances returned are always metres along the road (snap legs included).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath

import numpy as np
from scipy.spatial import cKDTree

from .config import Scenario
from .errors import UserError

OSM_CREDIT = "(c) OpenStreetMap contributors"


class StraightLine:
    """Straight-line metres in the analysis CRS (KD-tree; memory grows with the pairs found)."""

    kind = "straight"
    crs = None

    def pairs(self, src_xy, dst_xy, limit_m: float):
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        if len(src_xy) == 0 or len(dst_xy) == 0:
            e = np.zeros(0, dtype=np.int64)
            return e, e.copy(), np.zeros(0)
        rec = cKDTree(src_xy).sparse_distance_matrix(
            cKDTree(dst_xy), limit_m, output_type="ndarray"
        )
        return rec["i"].astype(np.int64), rec["j"].astype(np.int64), rec["v"].astype(float)

    def nearest(self, src_xy, dst_xy) -> np.ndarray:
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        if len(src_xy) == 0:
            return np.full(len(dst_xy), np.nan)
        d, _ = cKDTree(src_xy).query(dst_xy, k=1)
        return np.asarray(d, dtype=float)


@dataclass
class RoadDistance:
    """Road travel on a :class:`~ibm_geo.roads.RoadGraph` (same CRS as the analysis).

    ``max_s`` set: pairs are decided by travel time (seconds) instead of road distance.
    """

    graph: object
    max_s: float | None = None
    snap_limit_m: float = 500.0
    kind: str = "road"
    _snaps: dict = field(default_factory=dict, repr=False)

    @property
    def crs(self):
        return self.graph.crs

    def _snap(self, xy: np.ndarray):
        key = (xy.shape, hash(xy.tobytes()))
        s = self._snaps.get(key)
        if s is None:
            if len(self._snaps) > 16:
                self._snaps.clear()
            s = self._snaps[key] = self.graph.snap(xy)
        return s

    def snap_distance(self, xy) -> np.ndarray:
        """Metres from each point to the nearest road (NaN for points without coordinates)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return self._snap(xy).dist

    def pairs(self, src_xy, dst_xy, limit_m: float):
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        metric, limit = ("length", limit_m) if self.max_s is None else ("time", self.max_s)
        i, j, _, length = self.graph.pairs_within(
            src_xy,
            dst_xy,
            limit,
            metric=metric,
            src_snap=self._snap(src_xy),
            dst_snap=self._snap(dst_xy),
        )
        return i, j, length

    def service_areas(self, xy, limit_m: float) -> list:
        """Per point, its reachable area within the threshold (shapely polygons in the
        analysis CRS, None when off the network), for map outlines."""
        metric, limit = ("length", limit_m) if self.max_s is None else ("time", self.max_s)
        return self.graph.service_areas(xy, limit, metric=metric)

    def nearest(self, src_xy, dst_xy) -> np.ndarray:
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        return self.graph.nearest(
            src_xy, dst_xy, src_snap=self._snap(src_xy), dst_snap=self._snap(dst_xy)
        )


def distance_method(scenario: Scenario, lang: str = "en") -> str:
    """How distances were measured, as written in manifests and map notes."""
    r = scenario.roads
    if r.distance == "straight":
        return "garis lurus" if lang == "id" else "straight line"
    mode = {"motor": ("sepeda motor", "motorcycle"), "walk": ("jalan kaki", "walking")}[r.travel]
    m = mode[0] if lang == "id" else mode[1]
    src = f", {PurePath(r.extract).name}" if r.extract else ""  # the name only: no local paths
    if r.threshold == "time":
        lim = f"{r.max_minutes:g} menit" if lang == "id" else f"{r.max_minutes:g} min"
    else:
        lim = f"{scenario.radius_m / 1000:g} km"
    word = "jaringan jalan" if lang == "id" else "road network"
    return f"{word} ({m}, {lim}{src}); {OSM_CREDIT}"


def make_backend(scenario: Scenario, crs, network=None):
    """The distance backend a scenario asks for, in the analysis CRS.

    ``network`` is a :class:`~ibm_geo.roads.RoadNetwork` already read (CLI ``--roads``, app
    upload); without it a road scenario reads ``roads.extract`` from disk.
    """
    r = scenario.roads
    if r.distance == "straight":
        return StraightLine()
    if network is None:
        if not r.extract:
            raise UserError("roads.missing")
        from .roads import read_osm

        network = read_osm(r.extract, r.travel)
    if network.profile != r.travel:
        raise ValueError(f"road network read for {network.profile!r}, scenario asks {r.travel!r}")
    graph = _graph(network, crs, r.ferry_wait_min * 60.0)
    max_s = r.max_minutes * 60.0 if r.threshold == "time" else None
    return RoadDistance(graph, max_s=max_s, snap_limit_m=r.snap_limit_m)


def _graph(network, crs, ferry_wait_s: float):
    """Graphs are cached on the network: the app re-runs coverage on every widget change."""
    import pyproj

    cache = network.__dict__.setdefault("_graphs", {})
    key = (pyproj.CRS.from_user_input(crs).to_string(), float(ferry_wait_s))
    if key not in cache:
        cache.clear()
        cache[key] = network.graph(crs, ferry_wait_s=ferry_wait_s)
    return cache[key]
