"""Snapping and bounded multi-source shortest paths on a sparse road graph.

Why it is fast without a dense matrix: the searches run in compiled code
(:func:`ibm_geo.roads.dijkstra.bounded_pairs`) that stops at the limit and resets only the nodes
it touched, so a 3 km search costs what it reaches, not the size of the province's graph.

Points join the network through virtual nodes: a point is snapped to the nearest segment, walks
straight to it (the snap distance, added to every route) and then follows the segment in the
directions its way allows. Two points on the same segment also get the direct route along it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pyproj
import scipy.sparse as sp

from ibm_geo.crs import metric_transformer

from .dijkstra import bounded_pairs
from .profiles import ACCESS_SPEED_KMH, FERRY_SPEED_KMH
from .snapping import PieceGrid, build_grid, pieces, snap_points

_EPS = 1e-6  # road segments between nodes at the same position still get a (tiny) length
_THREADS = 4  # searches in parallel at most (each holds distances for every road node)
_PER_THREAD = 64  # sources below which a second thread costs more than it saves
_PIECE = 250.0  # snapping index: segments cut into pieces of at most this many metres
_RINGS = 16  # grid cells (of _PIECE m) around a point searched before the far-point KD-tree


@dataclass(frozen=True)
class Snap:
    """Where points join the network: segment, position along it (0 = a, 1 = b), distance."""

    seg: np.ndarray
    frac: np.ndarray
    dist: np.ndarray


def _z_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Permutation sorting points along a Z-order (Morton) curve of 16 bits per axis."""
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)

    def spread(v: np.ndarray) -> np.ndarray:
        lo = v.min()
        q = ((v - lo) / max(float(v.max() - lo), 1e-9) * 65535).astype(np.uint64)
        for shift, mask in ((8, 0x00FF00FF), (4, 0x0F0F0F0F), (2, 0x33333333), (1, 0x55555555)):
            q = (q | (q << np.uint64(shift))) & np.uint64(mask)
        return q

    return np.argsort(spread(x) | (spread(y) << np.uint64(1)), kind="stable")


def _candidates(
    src: Snap, src_xy: np.ndarray, dst: Snap, dst_xy: np.ndarray, radius: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per source, the targets within ``radius`` in a straight line (the only ones a route
    within the limit can reach): ``(row pointer per source, their x, their y)``."""
    from scipy.spatial import cKDTree

    s_ok = np.flatnonzero(src.seg >= 0)
    t_ok = np.flatnonzero(dst.seg >= 0)
    rec = cKDTree(src_xy[s_ok]).sparse_distance_matrix(
        cKDTree(dst_xy[t_ok]), radius, output_type="ndarray"
    )
    i, j = s_ok[rec["i"]], t_ok[rec["j"]]
    order = np.argsort(i, kind="stable")
    ptr = np.zeros(len(src_xy) + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=len(src_xy)), out=ptr[1:])
    return ptr, dst_xy[j[order], 0].copy(), dst_xy[j[order], 1].copy()


class RoadGraph:
    """A :class:`~ibm_geo.roads.network.RoadNetwork` projected to metres, ready for routing.

    Two weights share one CSR structure: ``length`` (metres) and ``time`` (seconds, ferries with
    their duration and waiting time).
    """

    def __init__(self, net, crs, *, ferry_wait_s: float = 0.0) -> None:
        self.network = net
        self.crs = pyproj.CRS.from_user_input(crs)

        x, y = metric_transformer(self.crs).transform(net.lon, net.lat)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        # graph node k is network node net_node[k]; numbered along a Z-order curve so that a
        # search's nodes sit close together in memory (3x faster searches than OSM id order)
        self.net_node = _z_order(x, y)
        rank = np.empty(len(x), dtype=np.int64)
        rank[self.net_node] = np.arange(len(x))
        self.x, self.y = x[self.net_node], y[self.net_node]
        self.n = len(self.x)
        a, b, way = net.segments()
        a, b = rank[a], rank[b]
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
        self._snap_index: PieceGrid | None = None
        self._snap_tree = None  # KD-tree for points far from every road, built when needed
        # search state reused across calls (see _search): work arrays per thread, attachments
        self._lock = threading.Lock()
        self._busy = threading.Lock()
        self._free: list[tuple[np.ndarray, ...]] = []
        self._attach = (np.zeros(self.n, dtype=np.int64), np.zeros(self.n, dtype=np.int64))
        self._snap_grid()  # part of building: every use snaps points first

    # -- snapping ------------------------------------------------------------------------------
    def snap(self, xy: np.ndarray) -> Snap:
        """Nearest segment of every point (metric x/y); NaN rows get segment -1.

        Exact: a grid of segment pieces (:mod:`ibm_geo.roads.snapping`, compiled) settles points
        within ``_RINGS`` cells of a road; the rest (far from every road) go to a KD-tree of the
        same pieces' midpoints, built the first time such a point comes.
        """
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        seg = np.full(n, -1, dtype=np.int64)
        frac = np.zeros(n)
        dist = np.full(n, np.nan)
        ok = np.flatnonzero(np.isfinite(xy).all(axis=1))
        if len(ok) == 0 or len(self.seg_a) == 0:
            return Snap(seg, frac, dist)
        g = self._snap_grid()
        # in grid order: neighbouring points read the same cells while they are in the cache
        ok = ok[_z_order(xy[ok, 0], xy[ok, 1])]
        s, t, d = snap_points(
            xy[ok, 0].copy(), xy[ok, 1].copy(), g.x0, g.y0, g.cell, g.ny, g.keys, g.ptr, g.seg,
            g.ends, g.half, _RINGS,
        )  # fmt: skip
        seg[ok], frac[ok], dist[ok] = s, t, d
        far = ok[s < 0]
        if len(far):
            seg[far], frac[far], dist[far] = self._snap_far(xy[far])
        return Snap(seg, frac, dist)

    def _snap_far(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Points beyond the grid's rings: the k nearest midpoints of a KD-tree decide once the
        k-th lies beyond the ball that must hold the nearest piece (else k grows)."""
        if self._snap_tree is None:
            from scipy.spatial import cKDTree

            piece_seg, mx, my, half = pieces(self.x, self.y, self.seg_a, self.seg_b, _PIECE)
            tree = cKDTree(np.column_stack([mx, my]), balanced_tree=False, compact_nodes=False)
            self._snap_tree = (tree, piece_seg, half)
        tree, piece_seg, half = self._snap_tree
        m = len(piece_seg)
        best_s = np.zeros(len(p), dtype=np.int64)
        best_d, best_t = np.zeros(len(p)), np.zeros(len(p))
        rows, k = np.arange(len(p)), min(16, m)
        while len(rows):
            q = p[rows]
            dd, ii = tree.query(q, k=k)
            dd, ii = dd.reshape(len(q), k), ii.reshape(len(q), k)
            cand = piece_seg[ii]
            d, t = self._seg_dist(q[:, None, :], cand)
            j = np.argmin(d, axis=1)
            r = np.arange(len(q))
            best_s[rows], best_d[rows], best_t[rows] = cand[r, j], d[r, j], t[r, j]
            rows = rows[(dd[:, -1] <= d[r, j] + half) & (k < m)]
            k = min(4 * k, m)
        return best_s, best_t, best_d

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

    def _snap_grid(self) -> PieceGrid:
        if self._snap_index is None:
            self._snap_index = build_grid(self.x, self.y, self.seg_a, self.seg_b, _PIECE)
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

    def _entries(self, snap: Snap, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where points enter the graph: ``(point, road node, cost)``, leaving along the segment
        in each direction its way allows (a point on a node leaves it any way)."""
        _, segw = self._weights(metric)
        idx = np.flatnonzero(snap.seg >= 0)
        sg, f = snap.seg[idx], snap.frac[idx]
        acc = self._access(snap.dist[idx], metric)
        out = [
            (idx[m], end[m], acc[m] + segw[sg[m]] * part[m])
            for allowed, end, part in (
                (self.seg_bwd[sg], self.seg_a[sg], f),
                (self.seg_fwd[sg], self.seg_b[sg], 1 - f),
            )
            for m in [allowed | (part <= 0)]
        ]
        return tuple(np.concatenate(col) for col in zip(*out, strict=True))

    def _exits(self, snap: Snap, metric: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Where points are reached from: ``(point, road node, cost from the node)``."""
        _, segw = self._weights(metric)
        idx = np.flatnonzero(snap.seg >= 0)
        sg, g = snap.seg[idx], snap.frac[idx]
        acc = self._access(snap.dist[idx], metric)
        out = [
            (idx[m], end[m], acc[m] + segw[sg[m]] * part[m])
            for allowed, end, part in (
                (self.seg_fwd[sg], self.seg_a[sg], g),
                (self.seg_bwd[sg], self.seg_b[sg], 1 - g),
            )
            for m in [allowed | (part <= 0)]
        ]
        return tuple(np.concatenate(col) for col in zip(*out, strict=True))

    def _direct(
        self, src: Snap, src_xy: np.ndarray, dst: Snap, dst_xy: np.ndarray, metric: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Source and target on the same segment: the direct way along it (or no move at all)."""
        _, segw = self._weights(metric)
        s_idx = np.flatnonzero(src.seg >= 0)
        t_idx = np.flatnonzero(dst.seg >= 0)
        common = np.intersect1d(src.seg[s_idx], dst.seg[t_idx])
        ss = s_idx[np.isin(src.seg[s_idx], common)]
        tt = t_idx[np.isin(dst.seg[t_idx], common)]
        # few points share a segment: pair them through a sort, not a cross product
        order_t = tt[np.argsort(dst.seg[tt], kind="stable")]
        tseg = dst.seg[order_t]
        lo = np.searchsorted(tseg, src.seg[ss], side="left")
        hi = np.searchsorted(tseg, src.seg[ss], side="right")
        cnt = hi - lo
        ps = np.repeat(ss, cnt)
        pt = order_t[np.repeat(lo - np.cumsum(cnt) + cnt, cnt) + np.arange(int(cnt.sum()))]
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
        return ps[ok], pt[ok], w[ok]

    def _take(self) -> tuple[np.ndarray, ...]:
        """Work arrays of one search (see :func:`bounded_pairs`), reused across calls."""
        with self._lock:
            if self._free:
                return self._free.pop()
        n = self.n
        return (
            np.full(n, np.inf),
            np.full(n, -1, dtype=np.int64),
            np.empty(n, dtype=np.float64),
            np.empty(n, dtype=np.int64),
            np.empty(n, dtype=np.int64),
        )

    def _give(self, ws: tuple[np.ndarray, ...]) -> None:
        with self._lock:
            self._free.append(ws)

    def _search(
        self,
        src: Snap,
        src_xy: np.ndarray,
        dst: Snap,
        dst_xy: np.ndarray,
        metric: str,
        limit: float,
        *,
        merge_sources: bool = False,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(source, target, cost)`` within ``limit``; ``merge_sources``: one search from all
        sources together (source index 0), i.e. the cost from the nearest source.

        One search at a time per graph (the app's sessions share it): the target attachments
        live in arrays of the graph, reset before the lock is released.
        """
        with self._busy:
            return self._search_locked(src, src_xy, dst, dst_xy, metric, limit, merge_sources)

    def _search_locked(self, src, src_xy, dst, dst_xy, metric, limit, merge_sources):
        w, _ = self._weights(metric)
        ns, nt = len(src_xy), len(dst_xy)
        si, sn, sc = self._entries(src, metric)
        if merge_sources:
            si = np.zeros_like(si)
            ns = 1
        o = np.argsort(si, kind="stable")
        entry_ptr = np.zeros(ns + 1, dtype=np.int64)
        np.cumsum(np.bincount(si, minlength=ns), out=entry_ptr[1:])
        sn, sc = sn[o].astype(np.int64), sc[o].astype(np.float64)
        tj, tn, tc = self._exits(dst, metric)
        o2 = np.argsort(tn, kind="stable")
        tj, tn, tc = tj[o2].astype(np.int64), tn[o2], tc[o2].astype(np.float64)
        first = np.flatnonzero(np.diff(tn, prepend=-1))
        att_nodes = tn[first]
        att_lo, att_hi = self._attach
        att_lo[att_nodes] = first
        att_hi[att_nodes] = np.r_[first[1:], len(tn)]

        per_metre = 1.0 if metric == "length" else 1.0 / self.vmax
        if merge_sources:  # no pruning: every target may be the nearest's
            cand_ptr, cand_x, cand_y = np.zeros(0, np.int64), np.zeros(0), np.zeros(0)
        else:
            cand_ptr, cand_x, cand_y = _candidates(src, src_xy, dst, dst_xy, limit / per_metre)

        def run(s0: int, s1: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            ptr = entry_ptr[s0 : s1 + 1]
            cp = cand_ptr[s0 : s1 + 1] if len(cand_ptr) else cand_ptr
            ws = self._take()
            try:
                a, b, cost = bounded_pairs(
                    self.indptr, self.indices, w, ptr - ptr[0], sn[ptr[0] : ptr[-1]],
                    sc[ptr[0] : ptr[-1]], att_lo, att_hi, tj, tc, nt, float(limit), *ws,
                    self.x, self.y, cp, cand_x, cand_y, per_metre,
                )  # fmt: skip
            finally:
                self._give(ws)
            return a + s0, b, cost

        # the compiled search releases the GIL: sources split over the cores
        workers = max(1, min(_THREADS, os.cpu_count() or 1, ns // _PER_THREAD))
        # more chunks than threads: a thread slowed by another process does not hold the rest
        chunks = 1 if workers == 1 else min(4 * workers, ns // (_PER_THREAD // 4))
        cuts = np.linspace(0, ns, chunks + 1).astype(int)
        try:
            if workers == 1:
                parts = [run(0, ns)]
            else:
                with ThreadPoolExecutor(max_workers=workers) as ex:
                    parts = list(ex.map(run, cuts[:-1], cuts[1:]))
        finally:
            att_lo[att_nodes] = 0
            att_hi[att_nodes] = 0
        i, j, c = (np.concatenate(col) for col in zip(*parts, strict=True))
        di, dj, dc = self._direct(src, src_xy, dst, dst_xy, metric)
        if merge_sources:
            di = np.zeros_like(di)
        near = dc <= limit
        if near.any():  # the direct way may be shorter than the way through the network
            i, j, c = (np.concatenate(p) for p in ((i, di[near]), (j, dj[near]), (c, dc[near])))
        order = np.lexsort((c, j, i))
        i, j, c = i[order], j[order], c[order]
        first = np.ones(len(i), dtype=bool)
        first[1:] = (i[1:] != i[:-1]) | (j[1:] != j[:-1])
        return i[first], j[first], c[first]

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

        Returns ``(i, j, cost in metric units, shortest road length in metres)``, sorted by
        ``(i, j)``. With ``metric="time"`` the pairs are decided by travel time and the length is
        the shortest road distance between them (never more than ``limit * fastest speed``).
        """
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        src = src_snap or self.snap(src_xy)
        dst = dst_snap or self.snap(dst_xy)
        if not (src.seg >= 0).any() or not (dst.seg >= 0).any():
            e = np.zeros(0)
            return e.astype(np.int64), e.astype(np.int64), e, e
        self._weights(metric)  # unknown metric: ValueError before any work
        i, j, c = self._search(src, src_xy, dst, dst_xy, metric, limit)
        if metric == "length":
            return i, j, c, c.copy()
        radius = float(limit) * self.vmax * (1 + 1e-9) + 1e-6  # slack for rounding only
        li, lj, lc = self._search(src, src_xy, dst, dst_xy, "length", radius)
        nt = max(len(dst_xy), 1)
        pos = np.searchsorted(li * nt + lj, i * nt + j)  # both sorted by (i, j)
        return i, j, c, lc[pos]

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

        One unbounded search from all sources at once.
        """
        src_xy = np.asarray(src_xy, dtype=float).reshape(-1, 2)
        dst_xy = np.asarray(dst_xy, dtype=float).reshape(-1, 2)
        out = np.full(len(dst_xy), np.nan)
        src = src_snap or self.snap(src_xy)
        dst = dst_snap or self.snap(dst_xy)
        if not (src.seg >= 0).any() or not (dst.seg >= 0).any():
            return out
        _, j, c = self._search(src, src_xy, dst, dst_xy, metric, np.inf, merge_sources=True)
        out[j] = c
        return out

    def service_areas(
        self, xy: np.ndarray, limit: float, *, metric: str = "length", buffer_m: float = 100.0
    ) -> list:
        """Per point, the area it reaches within ``limit`` along the roads (shapely, metric CRS;
        None when it reaches no road): the reachable road pieces buffered by ``buffer_m``.

        Why pieces, not a hull: a hull would cover a river or a toll road's far side that the
        roads do not reach. A segment reached at one end only is cut where the limit runs out.
        """
        import shapely

        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        snap = self.snap(xy)
        w, segw = self._weights(metric)
        si, sn, sc = self._entries(snap, metric)
        o = np.argsort(si, kind="stable")
        entry_ptr = np.zeros(len(xy) + 1, dtype=np.int64)
        np.cumsum(np.bincount(si, minlength=len(xy)), out=entry_ptr[1:])
        every = np.arange(self.n, dtype=np.int64)  # every road node is a target, at no cost
        ws = self._take()
        try:
            src, node, cost = bounded_pairs(
                self.indptr, self.indices, w, entry_ptr, sn[o].astype(np.int64),
                sc[o].astype(np.float64), every, every + 1, every, np.zeros(self.n), self.n,
                float(limit), *ws, self.x, self.y, np.zeros(0, np.int64), np.zeros(0),
                np.zeros(0), 1.0,
            )  # fmt: skip
        finally:
            self._give(ws)
        out = []
        ends = np.column_stack([self.seg_a, self.seg_b])
        for k in range(len(xy)):
            sel = src == k
            if snap.seg[k] < 0 or not sel.any():
                out.append(None)
                continue
            d = np.full(self.n, np.inf)
            d[node[sel]] = cost[sel]
            da, db = d[self.seg_a], d[self.seg_b]
            seg = np.flatnonzero(np.isfinite(da) | np.isfinite(db))
            # the reached share of each segment from each end (travel either way: an outline)
            fa = np.clip((limit - da[seg]) / segw[seg], 0, 1)
            fb = np.clip((limit - db[seg]) / segw[seg], 0, 1)
            a, b = ends[seg, 0], ends[seg, 1]
            ax, ay, bx, by = self.x[a], self.y[a], self.x[b], self.y[b]
            lines = []
            for f, (x0, y0, x1, y1) in ((fa, (ax, ay, bx, by)), (fb, (bx, by, ax, ay))):
                m = f > 0
                coords = np.stack(
                    [
                        np.column_stack([x0[m], y0[m]]),
                        np.column_stack([x0[m] + f[m] * (x1[m] - x0[m]),
                                         y0[m] + f[m] * (y1[m] - y0[m])]),
                    ],
                    axis=1,
                )  # fmt: skip
                lines.append(shapely.linestrings(coords))
            pieces = np.concatenate(lines + [np.array([shapely.Point(xy[k])])])
            # buffer the pieces one by one, then merge: 100x faster than buffering their union
            out.append(shapely.union_all(shapely.buffer(pieces, buffer_m, quad_segs=2)))
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
