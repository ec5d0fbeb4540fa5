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
from .crs import rep_xy
from .errors import UserError
from .i18n import t

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


class VillageReach:
    """Reach by village (the programme's *desa/kelurahan IBM*): agents are recruited from, and
    work in, their own community, so a group reaches the clients of its own kelurahan and, with
    ``neighbours``, of the kelurahan sharing a border with it. Same seam as the distances above:
    ``pairs`` ignores the metre limit (the village decides) and returns straight-line metres for
    the reports. Points are attributed to units by their representative point (exact match) or
    the polygon they fall in; a point in no unit reaches nobody.
    """

    kind = "desa"

    def __init__(self, polygons, rep_xy, crs, neighbours: bool = False) -> None:
        """``polygons``: a GeoSeries in any CRS (projected to ``crs`` only when needed: a
        point that is not a unit's representative point, or the neighbours' borders);
        ``rep_xy``: representative points in ``crs``."""
        import geopandas as gpd
        import scipy.sparse as sp

        self.crs = crs
        self.neighbours = bool(neighbours)
        self._polygons = gpd.GeoSeries(polygons).reset_index(drop=True)
        self._metric = None
        self.rep_xy = np.asarray(rep_xy, dtype=float).reshape(-1, 2)
        n = len(self.rep_xy)
        ok = np.isfinite(self.rep_xy).all(axis=1)
        self._rep_ok = np.flatnonzero(ok)
        self._tree = cKDTree(self.rep_xy[ok]) if ok.any() else None
        adj = sp.identity(n, format="csr", dtype=float)
        if self.neighbours and n:
            adj = adj + border_adjacency(self.polygons)
        self.adjacency = adj.tocsr()
        self.adjacency.data[:] = 1.0

    @property
    def polygons(self):
        """The units' polygons in the metric CRS (projected once, on first use)."""
        if self._metric is None:
            p = self._polygons
            self._metric = p if p.crs is None else p.to_crs(self.crs)
        return self._metric

    @classmethod
    def from_units(cls, units, crs, neighbours: bool = False) -> VillageReach:
        """From a kelurahan table (``geometry``; ``rep_lon``/``rep_lat`` when present).
        Built once per table, CRS and setting (the plan, pilots and why-not share it)."""
        import pyproj

        g = units.geometry.reset_index(drop=True)
        key = (
            len(units),
            hash(tuple(units["kode"].astype(str))) if "kode" in units else id(units),
            tuple(np.round(g.total_bounds, 9)) if len(g) else (),
            pyproj.CRS.from_user_input(crs).to_string(),
            bool(neighbours),
        )
        hit = _VILLAGE_CACHE.get(key)
        if hit is not None:
            return hit
        xy = rep_xy(units, crs)
        out = cls(g, xy, crs, neighbours)
        if len(_VILLAGE_CACHE) >= 4:
            _VILLAGE_CACHE.clear()
        _VILLAGE_CACHE[key] = out
        return out

    def unit_of(self, xy) -> np.ndarray:
        """Row of the unit each point belongs to (-1: in none)."""
        import geopandas as gpd

        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        out = np.full(len(xy), -1, dtype=np.int64)
        fin = np.isfinite(xy).all(axis=1)
        if self._tree is not None and fin.any():
            d, k = self._tree.query(xy[fin], k=1)
            hit = d <= 1e-3
            out[np.flatnonzero(fin)[hit]] = self._rep_ok[k[hit]]
        rest = np.flatnonzero(fin & (out < 0))
        if rest.size and len(self.polygons):
            pts = gpd.GeoSeries(gpd.points_from_xy(xy[rest, 0], xy[rest, 1]), crs=self.crs)
            pi, ui = self.polygons.sindex.query(pts, predicate="within")
            first = np.unique(pi, return_index=True)[1]
            out[rest[pi[first]]] = ui[first]
        return out

    def pairs(self, src_xy, dst_xy, limit_m: float = 0.0):
        import scipy.sparse as sp

        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        n = self.adjacency.shape[0]
        us, ud = self.unit_of(src_xy), self.unit_of(dst_xy)
        if not len(src_xy) or not len(dst_xy) or not n:
            e = np.zeros(0, dtype=np.int64)
            return e, e.copy(), np.zeros(0)

        def onehot(u):
            ok = u >= 0
            return sp.csr_matrix(
                (np.ones(int(ok.sum())), (np.flatnonzero(ok), u[ok])), shape=(len(u), n)
            )

        m = (onehot(us) @ self.adjacency @ onehot(ud).T).tocoo()
        i, j = m.row.astype(np.int64), m.col.astype(np.int64)
        order = np.lexsort((j, i))
        i, j = i[order], j[order]
        v = np.hypot(*(src_xy[i] - dst_xy[j]).T)
        return i, j, np.nan_to_num(v)

    def nearest(self, src_xy, dst_xy) -> np.ndarray:
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        out = np.full(len(dst_xy), np.nan)
        i, j, v = self.pairs(src_xy, dst_xy)
        if len(j):
            np.fmin.at(out, j, v)
        return out


#: a few VillageReach objects by (units, CRS, neighbours): the plan, the pilots and why-not of
#: one run ask for the same one
_VILLAGE_CACHE: dict = {}


def border_adjacency(polygons, tolerance_m: float = 5.0, min_shared_m: float = 20.0):
    """Units sharing a border (sparse, symmetric, no diagonal), in a metric CRS.

    Real boundary files have slivers and gaps of a few metres, so borders within
    ``tolerance_m`` count as shared; a shared stretch shorter than ``min_shared_m`` (two units
    meeting at a corner) does not.
    """
    import scipy.sparse as sp
    import shapely

    g = np.asarray(polygons.values if hasattr(polygons, "values") else polygons, dtype=object)
    n = len(g)
    if n == 0:
        return sp.csr_matrix((0, 0))
    grown = shapely.buffer(g, tolerance_m)
    tree = shapely.STRtree(g)
    a, b = tree.query(grown, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if a.size:
        shared = shapely.length(shapely.intersection(shapely.boundary(g[b]), grown[a]))
        ok = shared >= min_shared_m
        a, b = a[ok], b[ok]
    m = sp.csr_matrix((np.ones(a.size), (a, b)), shape=(n, n))
    return (m + m.T).tocsr()


def distance_method(scenario: Scenario, lang: str = "en") -> str:
    """How distances were measured, as written in manifests and map notes."""
    r = scenario.roads
    if r.distance == "straight":
        return t("distance.straight", lang)
    src = f", {PurePath(r.extract).name}" if r.extract else ""  # the name only: no local paths
    if r.threshold == "time":
        lim = t("distance.minutes", lang, minutes=f"{r.max_minutes:g}")
    else:
        lim = f"{scenario.radius_m / 1000:g} km"
    mode = t(f"distance.{r.travel}", lang)
    return t("distance.road", lang, mode=mode, limit=lim, source=src, credit=OSM_CREDIT)


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
        from .roads import read_osm  # optional extra: osmium + numba, only with a road extract

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
