"""Snapping and bounded multi-source shortest paths on a sparse road graph (scipy.sparse.csgraph).

Why it is fast without a dense matrix: a road route is never shorter than the straight line, so
everything a source can reach within a limit lies inside a box of that radius around it. Sources
are grouped by grid cell and each group searches only the subgraph inside its box; a province of
a million nodes is never searched as a whole for a 3 km service radius.

Points join the network through virtual nodes: a point is snapped to the nearest segment, walks
straight to it (the snap distance, added to every route) and then follows the segment in the
directions its way allows. Two points on the same segment also get the direct route along it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyproj
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from .profiles import ACCESS_SPEED_KMH, FERRY_SPEED_KMH

_EPS = 1e-6  # road segments between nodes at the same position still get a (tiny) length
_BATCH = 64


@dataclass(frozen=True)
class Snap:
    """Where points join the network: segment, position along it (0 = a, 1 = b), distance."""

    seg: np.ndarray
    frac: np.ndarray
    dist: np.ndarray


class RoadGraph:
    """A :class:`~ibm_geo.roads.network.RoadNetwork` projected to metres, ready for routing.

    Two weights share one CSR structure: ``length`` (metres) and ``time`` (seconds, ferries with
    their duration and waiting time).
    """

    def __init__(self, net, crs, *, ferry_wait_s: float = 0.0) -> None:
        self.network = net
        self.crs = pyproj.CRS.from_user_input(crs)
        tr = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = tr.transform(net.lon, net.lat)
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.n = len(self.x)
        a, b, way = net.segments()
        seg_len = np.hypot(self.x[b] - self.x[a], self.y[b] - self.y[a])
        seg_time = seg_len / (net.speed_kmh[way] / 3.6)
        fer = net.ferry[way]
        if fer.any():
            way_len = np.bincount(way, weights=seg_len, minlength=net.n_ways)
            dur = net.ferry_duration_s[way[fer]]
            wl = way_len[way[fer]]
            dur = np.where(np.isfinite(dur), dur, wl / (FERRY_SPEED_KMH / 3.6))
            share = np.divide(seg_len[fer], wl, out=np.ones_like(wl), where=wl > 0)
            seg_time[fer] = (dur + ferry_wait_s) * share
        self.seg_a, self.seg_b = a, b
        self.seg_fwd = net.forward[way]
        self.seg_bwd = net.backward[way]
        self.seg_len = np.maximum(seg_len, _EPS)
        self.seg_time = np.maximum(seg_time, _EPS)
        # fastest speed anywhere (m/s): bounds the box a time-limited search can reach
        self.vmax = float(
            max(np.max(self.seg_len / self.seg_time, initial=0.0), ACCESS_SPEED_KMH / 3.6)
        )
        # directed edges, duplicates (parallel ways) reduced to their minimum
        u = np.concatenate([a[self.seg_fwd], b[self.seg_bwd]])
        v = np.concatenate([b[self.seg_fwd], a[self.seg_bwd]])
        ln = np.concatenate([self.seg_len[self.seg_fwd], self.seg_len[self.seg_bwd]])
        tm = np.concatenate([self.seg_time[self.seg_fwd], self.seg_time[self.seg_bwd]])
        key = u * self.n + v
        order = np.lexsort((ln, key))
        key, u, v = key[order], u[order], v[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        starts = np.flatnonzero(first)
        self.length_w = np.minimum.reduceat(ln[order], starts) if len(starts) else ln
        self.time_w = np.minimum.reduceat(tm[order], starts) if len(starts) else tm
        u, v = u[first], v[first]
        self.indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=self.n), out=self.indptr[1:])
        self.indices = v.astype(np.int32)
        self.n_edges = len(v)
        self._tree = None
        self._xorder = np.argsort(self.x, kind="stable")
        self._xsorted = self.x[self._xorder]

    # -- snapping ------------------------------------------------------------------------------
    def snap(self, xy: np.ndarray) -> Snap:
        """Nearest segment of every point (metric x/y); NaN rows get segment -1."""
        import shapely

        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        seg = np.full(n, -1, dtype=np.int64)
        frac = np.zeros(n)
        dist = np.full(n, np.nan)
        ok = np.isfinite(xy).all(axis=1)
        if not ok.any() or len(self.seg_a) == 0:
            return Snap(seg, frac, dist)
        if self._tree is None:
            lines = shapely.linestrings(
                np.column_stack(
                    [self.x[self.seg_a], self.y[self.seg_a], self.x[self.seg_b], self.y[self.seg_b]]
                ).reshape(-1, 2, 2)
            )
            self._tree = shapely.STRtree(lines)
        pts = shapely.points(xy[ok])
        hit = self._tree.query_nearest(pts, all_matches=False)
        s = np.empty(ok.sum(), dtype=np.int64)
        s[hit[0]] = hit[1]
        ax, ay = self.x[self.seg_a[s]], self.y[self.seg_a[s]]
        dx, dy = self.x[self.seg_b[s]] - ax, self.y[self.seg_b[s]] - ay
        px, py = xy[ok, 0], xy[ok, 1]
        ll = dx * dx + dy * dy
        t = np.clip(
            np.divide((px - ax) * dx + (py - ay) * dy, ll, out=np.zeros_like(ll), where=ll > 0),
            0,
            1,
        )
        seg[ok] = s
        frac[ok] = t
        dist[ok] = np.hypot(px - (ax + t * dx), py - (ay + t * dy))
        return Snap(seg, frac, dist)

    # -- augmented graphs ----------------------------------------------------------------------
    def _weights(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        if metric == "length":
            return self.length_w, self.seg_len
        if metric == "time":
            return self.time_w, self.seg_time
        raise ValueError(f"unknown metric {metric!r}")

    def _access(self, d: np.ndarray, metric: str) -> np.ndarray:
        return d if metric == "length" else d / (ACCESS_SPEED_KMH / 3.6)

    def _virtual_edges(
        self,
        src: Snap,
        src_xy: np.ndarray,
        dst: Snap,
        dst_xy: np.ndarray,
        metric: str,
        node_id,
        s_base: int,
        t_base: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Edges source -> segment ends, segment ends -> target, source -> target on one segment.

        ``node_id`` maps road node indices to the local numbering (-1 when outside the subgraph).
        """
        _, segw = self._weights(metric)
        rows, cols, data = [], [], []
        # sources: leave along the segment in each allowed direction
        s_idx = np.flatnonzero(src.seg >= 0)
        sg = src.seg[s_idx]
        acc = self._access(src.dist[s_idx], metric)
        f = src.frac[s_idx]
        for allowed, end, part in (
            (self.seg_bwd[sg], self.seg_a[sg], f),
            (self.seg_fwd[sg], self.seg_b[sg], 1 - f),
        ):
            loc = node_id(end)
            m = (allowed | (part <= 0)) & (loc >= 0)  # a point on a node leaves it any way
            rows.append(s_base + s_idx[m])
            cols.append(loc[m])
            data.append(acc[m] + segw[sg[m]] * part[m])
        # targets: arrive along the segment from each allowed direction
        t_idx = np.flatnonzero(dst.seg >= 0)
        tg = dst.seg[t_idx]
        acc_t = self._access(dst.dist[t_idx], metric)
        g = dst.frac[t_idx]
        for allowed, end, part in (
            (self.seg_fwd[tg], self.seg_a[tg], g),
            (self.seg_bwd[tg], self.seg_b[tg], 1 - g),
        ):
            loc = node_id(end)
            m = (allowed | (part <= 0)) & (loc >= 0)
            rows.append(loc[m])
            cols.append(t_base + t_idx[m])
            data.append(acc_t[m] + segw[tg[m]] * part[m])
        # source and target on the same segment: the direct way along it (or no move at all)
        if len(s_idx) and len(t_idx):
            common = np.intersect1d(sg, tg)
            if len(common):
                ss = s_idx[np.isin(sg, common)]
                tt = t_idx[np.isin(tg, common)]
                ps = np.repeat(ss, len(tt))
                pt = np.tile(tt, len(ss))
                same = src.seg[ps] == dst.seg[pt]
                ps, pt = ps[same], pt[same]
                seg = src.seg[ps]
                delta = dst.frac[pt] - src.frac[ps]
                ok = np.where(delta >= 0, self.seg_fwd[seg], self.seg_bwd[seg])
                w = (
                    self._access(src.dist[ps], metric)
                    + segw[seg] * np.abs(delta)
                    + self._access(dst.dist[pt], metric)
                )
                here = np.hypot(*(src_xy[ps] - dst_xy[pt]).T) < 0.5
                w = np.where(here, 0.0, w)
                ok |= here
                rows.append(s_base + ps[ok])
                cols.append(t_base + pt[ok])
                data.append(w[ok])
        return (
            np.concatenate(rows).astype(np.int64),
            np.concatenate(cols).astype(np.int64),
            np.concatenate(data),  # explicit zeros are edges in csgraph (coincident points)
        )

    def _road_sub(self, nodes: np.ndarray, weights: list[np.ndarray]):
        """Road edges among ``nodes`` (sorted road indices), renumbered 0..len(nodes)-1."""
        local = np.full(self.n, -1, dtype=np.int64)
        local[nodes] = np.arange(len(nodes))
        starts = self.indptr[nodes]
        cnt = self.indptr[nodes + 1] - starts
        tot = int(cnt.sum())
        pos = np.repeat(starts - np.cumsum(cnt) + cnt, cnt) + np.arange(tot)
        r = np.repeat(np.arange(len(nodes)), cnt)
        c = local[self.indices[pos]]
        keep = c >= 0
        return r[keep], c[keep], [w[pos[keep]] for w in weights], local

    def _box_nodes(self, x0: float, x1: float, y0: float, y1: float) -> np.ndarray:
        lo, hi = np.searchsorted(self._xsorted, [x0, x1], side="left")
        cand = self._xorder[lo : np.searchsorted(self._xsorted, x1, side="right")]
        yy = self.y[cand]
        return np.sort(cand[(yy >= y0) & (yy <= y1)])

    # -- searches ------------------------------------------------------------------------------
    def pairs_within(
        self,
        src_xy: np.ndarray,
        dst_xy: np.ndarray,
        limit: float,
        *,
        metric: str = "length",
        src_snap: Snap | None = None,
        dst_snap: Snap | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """All (source i, target j) with travel cost <= ``limit`` from source to target.

        Returns ``(i, j, cost in metric units, shortest road length in metres)``. With
        ``metric="time"`` the pairs are decided by travel time and the length is the shortest
        road distance between them (never more than ``limit * fastest speed``).
        """
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        src = src_snap or self.snap(src_xy)
        dst = dst_snap or self.snap(dst_xy)
        radius = float(limit) if metric == "length" else float(limit) * self.vmax
        out_i, out_j, out_c, out_l = [], [], [], []
        ok_src = np.flatnonzero(src.seg >= 0)
        if len(ok_src) == 0 or not (dst.seg >= 0).any():
            e = np.zeros(0)
            return e.astype(np.int64), e.astype(np.int64), e, e
        cell = max(radius, 500.0)
        gx = np.floor(src_xy[ok_src, 0] / cell).astype(np.int64)
        gy = np.floor(src_xy[ok_src, 1] / cell).astype(np.int64)
        order = np.lexsort((gy, gx))
        key = (gx * 1_000_003 + gy)[order]
        bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
        dst_ok = dst.seg >= 0
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
            group = ok_src[order[b0:b1]]
            for k in range(0, len(group), _BATCH):
                batch = group[k : k + _BATCH]
                self._search_batch(
                    batch, src, src_xy, dst, dst_xy, dst_ok, limit, radius, metric,
                    out_i, out_j, out_c, out_l,
                )  # fmt: skip
        if not out_i:
            e = np.zeros(0)
            return e.astype(np.int64), e.astype(np.int64), e, e
        return (
            np.concatenate(out_i),
            np.concatenate(out_j),
            np.concatenate(out_c),
            np.concatenate(out_l),
        )

    def _search_batch(
        self, batch, src, src_xy, dst, dst_xy, dst_ok, limit, radius, metric, oi, oj, oc, ol
    ) -> None:
        bx, by = src_xy[batch, 0], src_xy[batch, 1]
        x0, x1 = bx.min() - radius, bx.max() + radius
        y0, y1 = by.min() - radius, by.max() + radius
        nodes = self._box_nodes(x0, x1, y0, y1)
        tsel = np.flatnonzero(
            dst_ok
            & (dst_xy[:, 0] >= x0)
            & (dst_xy[:, 0] <= x1)
            & (dst_xy[:, 1] >= y0)
            & (dst_xy[:, 1] <= y1)
        )
        if len(tsel) == 0:
            return
        nb, nr, nt = len(batch), len(nodes), len(tsel)
        metrics = ["length"] if metric == "length" else ["time", "length"]
        r, c, ws, local = self._road_sub(nodes, [self._weights(m)[0] for m in metrics])
        sub_src = Snap(src.seg[batch], src.frac[batch], src.dist[batch])
        sub_dst = Snap(dst.seg[tsel], dst.frac[tsel], dst.dist[tsel])
        size = nr + nb + nt
        results = []
        for m, w in zip(metrics, ws, strict=True):
            vr, vc, vw = self._virtual_edges(
                sub_src, src_xy[batch], sub_dst, dst_xy[tsel], m, lambda e: local[e], nr, nr + nb
            )
            g = sp.csr_matrix(
                (np.concatenate([w, vw]), (np.concatenate([r, vr]), np.concatenate([c, vc]))),
                shape=(size, size),
            )
            lim = limit if m == metric else radius
            d = dijkstra(g, directed=True, indices=np.arange(nr, nr + nb), limit=lim)
            results.append(d[:, nr + nb :])
        cost = results[0]
        ii, jj = np.nonzero(np.isfinite(cost) & (cost <= limit))
        if len(ii) == 0:
            return
        cv = cost[ii, jj]
        lv = results[-1][ii, jj]
        oi.append(batch[ii])
        oj.append(tsel[jj])
        oc.append(cv)
        ol.append(lv)

    def nearest(
        self,
        src_xy: np.ndarray,
        dst_xy: np.ndarray,
        *,
        metric: str = "length",
        src_snap: Snap | None = None,
        dst_snap: Snap | None = None,
    ) -> np.ndarray:
        """Travel cost from the nearest source to every target (NaN when none can reach it).

        One search over the whole graph from a virtual super-source joined to every source.
        """
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        out = np.full(len(dst_xy), np.nan)
        src = src_snap or self.snap(src_xy)
        dst = dst_snap or self.snap(dst_xy)
        if not (src.seg >= 0).any() or not (dst.seg >= 0).any():
            return out
        ns, nt = len(src_xy), len(dst_xy)
        ident = np.arange(self.n)
        vr, vc, vw = self._virtual_edges(
            src, src_xy, dst, dst_xy, metric, lambda e: ident[e], self.n, self.n + ns
        )
        sup = self.n + ns + nt
        ok = np.flatnonzero(src.seg >= 0)
        road_rows = np.repeat(np.arange(self.n), np.diff(self.indptr))
        rows = np.concatenate([road_rows, vr, np.full(len(ok), sup)])
        cols = np.concatenate([self.indices, vc, self.n + ok])
        data = np.concatenate([self._weights(metric)[0], vw, np.zeros(len(ok))])
        g = sp.csr_matrix((data, (rows, cols)), shape=(sup + 1, sup + 1))
        d = dijkstra(g, directed=True, indices=sup)
        res = d[self.n + ns : self.n + ns + nt]
        out[np.isfinite(res)] = res[np.isfinite(res)]
        return out

    def components(self) -> np.ndarray:
        """Strongly connected component label per road node."""
        from scipy.sparse.csgraph import connected_components

        g = sp.csr_matrix((self.length_w, self.indices, self.indptr), shape=(self.n, self.n))
        return connected_components(g, directed=True, connection="strong")[1]

    def csr(self, metric: str = "length") -> sp.csr_matrix:
        """The road graph as a CSR matrix (tests, comparisons with other libraries)."""
        w, _ = self._weights(metric)
        return sp.csr_matrix((w, self.indices, self.indptr), shape=(self.n, self.n))
