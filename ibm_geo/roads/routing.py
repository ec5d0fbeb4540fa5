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
_BOX_NODES = 30_000  # road nodes in one search box (sets how many sources share it)
_DENSE = 4_000_000  # entries of one dense Dijkstra result (32 MB)
_PIECE = 250.0  # snapping index: segments cut into pieces of at most this many metres


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
        order = np.argsort(key, kind="stable")
        key, u, v, ln, tm = key[order], u[order], v[order], ln[order], tm[order]
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        self.length_w, self.time_w = ln[first], tm[first]
        if not first.all():  # parallel ways (rare): keep the minimum of each weight
            gid = np.cumsum(first) - 1
            dup = np.flatnonzero(~first)
            np.minimum.at(self.length_w, gid[dup], ln[dup])
            np.minimum.at(self.time_w, gid[dup], tm[dup])
        u, v = u[first], v[first]
        self.indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(np.bincount(u, minlength=self.n), out=self.indptr[1:])
        self.indices = v.astype(np.int32)
        self.n_edges = len(v)
        self._snap_index = None
        self._snap_tree()  # part of building: every use snaps points first
        self._scratch = np.full(self.n, -1, dtype=np.int64)  # road index -> local, per search
        # nodes bucketed on a grid: a box query is a few contiguous ranges, not a scan
        self._cell = 1000.0
        self._gx0 = float(self.x.min()) if self.n else 0.0
        self._gy0 = float(self.y.min()) if self.n else 0.0
        cx = ((self.x - self._gx0) // self._cell).astype(np.int64)
        cy = ((self.y - self._gy0) // self._cell).astype(np.int64)
        self._ncx = int(cx.max(initial=0)) + 1
        self._ncy = int(cy.max(initial=0)) + 1
        cid = cy * self._ncx + cx
        self._by_cell = np.argsort(cid, kind="stable")
        self._cell_ptr = np.zeros(self._ncx * self._ncy + 1, dtype=np.int64)
        np.cumsum(np.bincount(cid, minlength=self._ncx * self._ncy), out=self._cell_ptr[1:])

    # -- snapping ------------------------------------------------------------------------------
    def snap(self, xy: np.ndarray) -> Snap:
        """Nearest segment of every point (metric x/y); NaN rows get segment -1.

        Exact, on a KD-tree of the midpoints of segment pieces no longer than ``_PIECE`` m: the
        nearest segment has a piece whose midpoint lies within (best distance found + half a
        piece), so the K nearest midpoints decide unless that ball holds more (then the ball).
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        seg = np.full(n, -1, dtype=np.int64)
        frac = np.zeros(n)
        dist = np.full(n, np.nan)
        ok = np.flatnonzero(np.isfinite(xy).all(axis=1))
        if len(ok) == 0 or len(self.seg_a) == 0:
            return Snap(seg, frac, dist)
        tree, piece_seg, half = self._snap_tree()
        p = xy[ok]
        k = int(min(16, len(piece_seg)))
        dd, ii = tree.query(p, k=k)
        dd, ii = dd.reshape(len(p), k), ii.reshape(len(p), k)
        cand = piece_seg[ii]
        d, t = self._seg_dist(p[:, None, :], cand)
        j = np.argmin(d, axis=1)
        rows = np.arange(len(p))
        best_s, best_d, best_t = cand[rows, j], d[rows, j], t[rows, j]
        unsure = np.flatnonzero((dd[:, -1] <= best_d + half) & (k < len(piece_seg)))
        if len(unsure):
            balls = tree.query_ball_point(p[unsure], best_d[unsure] + half)
            lens = np.array([len(b) for b in balls])
            who = np.repeat(unsure, lens)
            cs = piece_seg[np.concatenate([np.asarray(b, dtype=np.int64) for b in balls])]
            d2, t2 = self._seg_dist(p[who], cs)
            order = np.lexsort((d2, who))
            firsts = order[np.r_[True, who[order][1:] != who[order][:-1]]]
            better = d2[firsts] < best_d[who[firsts]]
            w = who[firsts][better]
            best_s[w], best_d[w], best_t[w] = (
                cs[firsts][better],
                d2[firsts][better],
                t2[firsts][better],
            )
        seg[ok], dist[ok], frac[ok] = best_s, best_d, best_t
        return Snap(seg, frac, dist)

    def _seg_dist(self, p: np.ndarray, s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distance from points ``p`` to segments ``s`` (broadcast) and the position along them."""
        ax, ay = self.x[self.seg_a[s]], self.y[self.seg_a[s]]
        dx, dy = self.x[self.seg_b[s]] - ax, self.y[self.seg_b[s]] - ay
        px, py = p[..., 0], p[..., 1]
        ll = dx * dx + dy * dy
        t = np.clip(
            np.divide((px - ax) * dx + (py - ay) * dy, ll, out=np.zeros_like(ll), where=ll > 0),
            0,
            1,
        )
        return np.hypot(px - (ax + t * dx), py - (ay + t * dy)), t

    def _snap_tree(self):
        if self._snap_index is None:
            from scipy.spatial import cKDTree

            k = np.maximum(np.ceil(self.seg_len / _PIECE), 1).astype(np.int64)
            piece_seg = np.repeat(np.arange(len(k)), k)
            j = np.arange(len(piece_seg)) - np.repeat(np.cumsum(k) - k, k)
            tm = (j + 0.5) / k[piece_seg]
            a, b = self.seg_a[piece_seg], self.seg_b[piece_seg]
            mx = self.x[a] + tm * (self.x[b] - self.x[a])
            my = self.y[a] + tm * (self.y[b] - self.y[a])
            half = float(np.max(0.5 * self.seg_len / k)) + 1e-6
            tree = cKDTree(np.column_stack([mx, my]), balanced_tree=False, compact_nodes=False)
            self._snap_index = (tree, piece_seg, half)
        return self._snap_index

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
        local = self._scratch  # reset by the caller (_search_batch) when done
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
        """Road nodes in the grid cells touching the box (a superset of the box), sorted."""
        c = self._cell
        cx0 = max(int((x0 - self._gx0) // c), 0)
        cx1 = min(int((x1 - self._gx0) // c), self._ncx - 1)
        cy0 = max(int((y0 - self._gy0) // c), 0)
        cy1 = min(int((y1 - self._gy0) // c), self._ncy - 1)
        if cx0 > cx1 or cy0 > cy1:
            return np.zeros(0, dtype=np.int64)
        rows = np.arange(cy0, cy1 + 1) * self._ncx
        lo = self._cell_ptr[rows + cx0]
        hi = self._cell_ptr[rows + cx1 + 1]
        cnt = hi - lo
        idx = np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))
        return np.sort(self._by_cell[idx])

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
        # sources sharing one search box: as many as keep the box near _BOX_NODES road nodes
        density = self.n / max(self._ncx * self._ncy * self._cell**2, 1.0)
        side = float(np.sqrt(_BOX_NODES / max(density, 1e-12)))
        cell = max(side - 2 * radius, radius, 1000.0)
        gx = np.floor(src_xy[ok_src, 0] / cell).astype(np.int64)
        gy = np.floor(src_xy[ok_src, 1] / cell).astype(np.int64)
        order = np.lexsort((gy, gx))
        key = (gx * 1_000_003 + gy)[order]
        bounds = np.flatnonzero(np.r_[True, key[1:] != key[:-1], True])
        dst_ok = dst.seg >= 0
        for b0, b1 in zip(bounds[:-1], bounds[1:], strict=True):
            self._search_batch(
                ok_src[order[b0:b1]], src, src_xy, dst, dst_xy, dst_ok, limit, radius, metric,
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
        metrics = ["length"] if metric == "length" else ["time", "length"]
        r, c, ws, local = self._road_sub(nodes, [self._weights(m)[0] for m in metrics])
        try:
            self._batch_dijkstra(
                batch, nodes, tsel, r, c, ws, local, src, src_xy, dst, dst_xy, limit, radius,
                metric, metrics, oi, oj, oc, ol,
            )  # fmt: skip
        finally:
            local[nodes] = -1

    def _batch_dijkstra(
        self, batch, nodes, tsel, r, c, ws, local, src, src_xy, dst, dst_xy, limit, radius,
        metric, metrics, oi, oj, oc, ol,
    ) -> None:  # fmt: skip
        nb, nr, nt = len(batch), len(nodes), len(tsel)
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
            # the result is dense (sources x subgraph): cap its size, keep only target columns
            step = max(1, min(nb, _DENSE // size))
            results.append(
                np.vstack(
                    [
                        dijkstra(g, directed=True, indices=np.arange(k, min(k + step, nb)) + nr,
                                 limit=lim)[:, nr + nb :]
                        for k in range(0, nb, step)
                    ]
                )
            )  # fmt: skip
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
