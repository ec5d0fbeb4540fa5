"""The road network as arrays: nodes (lon/lat), ways as runs of node indices, per-way rules.

Kept in geographic coordinates so one read serves any metric CRS; :meth:`RoadNetwork.graph`
projects it into the analysis CRS (the same local UTM zone as every straight-line distance, so
road and straight-line metres are comparable) and builds the sparse routing graph.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .routing import RoadGraph

#: credit required by the ODbL wherever a map or export uses OSM roads
OSM_CREDIT = "(c) OpenStreetMap contributors"
MAIN_ROADS = (
    "motorway", "trunk", "primary", "secondary", "tertiary",
    "motorway_link", "trunk_link", "primary_link", "secondary_link", "ferry",
)  # fmt: skip


@dataclass
class RoadNetwork:
    node_osm_id: np.ndarray  # int64, sorted
    lon: np.ndarray
    lat: np.ndarray
    way_nodes: np.ndarray  # node indices of every kept way, concatenated
    way_ptr: np.ndarray  # way k = way_nodes[way_ptr[k]:way_ptr[k+1]]
    forward: np.ndarray  # per way: may travel in the way's direction
    backward: np.ndarray
    speed_kmh: np.ndarray
    ferry: np.ndarray
    ferry_duration_s: np.ndarray  # NaN when not a ferry or no duration tag
    highway: np.ndarray  # object: highway class ("ferry" for ferries)
    way_name: np.ndarray  # object
    profile: str
    source: str
    missing_nodes: int = 0

    @classmethod
    def from_ways(cls, **kw) -> RoadNetwork:
        return cls(**kw)

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_ways(self) -> int:
        return len(self.way_ptr) - 1

    @property
    def method(self) -> str:
        """How distances are measured, as written in manifests."""
        return f"road network ({self.profile}) from {self.source}, {OSM_CREDIT}"

    def segments(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Consecutive node pairs of every way: ``(a, b, way index)``, self-loops removed."""
        ptr = self.way_ptr
        n = len(self.way_nodes)
        starts = np.zeros(n, dtype=bool)
        starts[ptr[:-1]] = True
        # pair i = (i, i+1) unless i+1 starts a new way
        ok = ~starts[1:]
        a = self.way_nodes[:-1][ok]
        b = self.way_nodes[1:][ok]
        way = np.repeat(np.arange(self.n_ways), np.diff(ptr))[:-1][ok]
        keep = (a != b) & (a >= 0) & (b >= 0)  # -1: node without location (clipped extract)
        return a[keep], b[keep], way[keep]

    def bbox(self) -> tuple[float, float, float, float]:
        return (
            float(self.lon.min()),
            float(self.lat.min()),
            float(self.lon.max()),
            float(self.lat.max()),
        )

    def graph(self, crs, *, ferry_wait_s: float = 0.0):
        """Routing graph in the metric ``crs`` (see :class:`ibm_geo.roads.routing.RoadGraph`)."""
        return RoadGraph(self, crs, ferry_wait_s=ferry_wait_s)

    def lines(self, bbox: tuple[float, float, float, float] | None = None, max_ways: int = 30_000):
        """The ways as a GeoDataFrame (EPSG:4326: ``highway``, ``name``, ``geometry``) for maps.

        ``bbox`` (lon/lat) keeps the ways with a node inside it; beyond ``max_ways`` only the
        main roads are kept (a province's lanes would turn a slide map grey). Credit
        :data:`OSM_CREDIT`.
        """
        import geopandas as gpd
        import shapely

        keep = np.ones(self.n_ways, dtype=bool)
        if bbox is not None:
            x0, y0, x1, y1 = bbox
            inside = (self.lon >= x0) & (self.lon <= x1) & (self.lat >= y0) & (self.lat <= y1)
            hit = np.r_[inside, False][self.way_nodes]  # -1 (no location) -> False
            counts = np.add.reduceat(hit.astype(np.int64), self.way_ptr[:-1])
            keep = counts > 0
        if keep.sum() > max_ways:
            keep &= np.isin(self.highway, list(MAIN_ROADS))
        located = np.add.reduceat((self.way_nodes >= 0).astype(np.int64), self.way_ptr[:-1])
        keep &= located >= 2
        ways = np.flatnonzero(keep)
        lens = np.diff(self.way_ptr)[ways]
        idx = np.concatenate(
            [np.arange(self.way_ptr[k], self.way_ptr[k + 1]) for k in ways]
            or [np.zeros(0, np.int64)]
        )
        nodes = self.way_nodes[idx]
        owner = np.repeat(np.arange(len(ways)), lens)
        has = nodes >= 0
        geoms = shapely.linestrings(self.lon[nodes[has]], self.lat[nodes[has]], indices=owner[has])
        return gpd.GeoDataFrame(
            {"highway": self.highway[ways], "name": self.way_name[ways]},
            geometry=geoms,
            crs=4326,
        )
