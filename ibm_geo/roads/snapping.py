"""Exact nearest-segment snapping on a grid of segment pieces, compiled with numba.

Why a grid and not the KD-tree it replaces: a KD-tree query for the 16 nearest midpoints plus the
numpy projections on them cost ~12 us per point on a province's 2 million pieces, a third of a
whole travel matrix. Here each occupied cell of a ``cell`` m grid lists the pieces whose midpoint
falls in it (sorted keys, so a national extract costs memory per occupied cell, not per cell of
its bounding box), and a point looks at rings of cells around it until no unseen piece can hold a
nearer segment: ~1 us per point.

Exactness: every segment is cut into pieces no longer than ``2 * half``; the nearest point of the
nearest segment (distance ``d``) lies within ``half`` of a midpoint of one of its pieces, which
is therefore within ``d + half`` of the point. Once the best distance found plus ``half`` is below
the distance to the edge of the rings searched, that midpoint was inside them. Points not settled
within ``max_rings`` rings (far from every road, or outside the extract) are left to the caller.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit


@dataclass(frozen=True)
class PieceGrid:
    """Pieces of segments bucketed by cell: ``seg[ptr[k]:ptr[k + 1]]`` lie in cell ``keys[k]``."""

    x0: float
    y0: float
    cell: float
    ny: int
    keys: np.ndarray  # sorted cell keys ``cx * ny + cy`` of the occupied cells
    ptr: np.ndarray
    seg: np.ndarray  # segment of every piece, grouped by cell
    ends: np.ndarray  # (pieces, 4): its segment's ax, ay, bx, by, read in cell order (no gather)
    half: float  # no point of a segment is farther than this from one of its piece midpoints


def pieces(
    x: np.ndarray, y: np.ndarray, seg_a: np.ndarray, seg_b: np.ndarray, piece: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Segments cut into pieces of at most ``piece`` m: ``(segment, midpoint x, y, half)``."""
    seg_len = np.hypot(x[seg_b] - x[seg_a], y[seg_b] - y[seg_a])
    k = np.maximum(np.ceil(seg_len / piece), 1).astype(np.int64)
    piece_seg = np.repeat(np.arange(len(k), dtype=np.int64), k)
    j = np.arange(len(piece_seg)) - np.repeat(np.cumsum(k) - k, k)
    t = (j + 0.5) / k[piece_seg]
    a, b = seg_a[piece_seg], seg_b[piece_seg]
    mx = x[a] + t * (x[b] - x[a])
    my = y[a] + t * (y[b] - y[a])
    half = float(np.max(0.5 * seg_len / k, initial=0.0)) + 1e-6
    return piece_seg, mx, my, half


def build_grid(
    x: np.ndarray, y: np.ndarray, seg_a: np.ndarray, seg_b: np.ndarray, piece: float
) -> PieceGrid:
    """Bucket the midpoints of the segments' pieces by cells of ``piece`` m."""
    piece_seg, mx, my, half = pieces(x, y, seg_a, seg_b, piece)
    x0 = float(mx.min()) if len(mx) else 0.0
    y0 = float(my.min()) if len(my) else 0.0
    cx = np.floor((mx - x0) / piece).astype(np.int64)
    cy = np.floor((my - y0) / piece).astype(np.int64)
    ny = int(cy.max(initial=0)) + 1
    key = cx * ny + cy
    order = np.argsort(key, kind="stable")
    key = key[order]
    first = np.flatnonzero(np.diff(key, prepend=-1))
    ptr = np.append(first, len(key)).astype(np.int64)
    cseg = piece_seg[order]
    a, b = seg_a[cseg], seg_b[cseg]
    ends = np.column_stack([x[a], y[a], x[b], y[b]])
    return PieceGrid(x0, y0, float(piece), ny, key[first], ptr, cseg.astype(np.int32), ends, half)


@njit(cache=True, nogil=True, inline="always")
def _lower(keys, v):
    """First index of ``keys`` (sorted) not below ``v``."""
    lo, hi = 0, len(keys)
    while lo < hi:
        mid = (lo + hi) >> 1
        if keys[mid] < v:
            lo = mid + 1
        else:
            hi = mid
    return lo


@njit(cache=True, nogil=True)
def snap_points(px, py, x0, y0, cell, ny, keys, ptr, cseg, ends, half, max_rings):
    """Nearest segment, position along it and distance of every point (seg -1: not settled)."""
    n = len(px)
    out_s = np.full(n, -1, np.int64)
    out_t = np.zeros(n)
    out_d = np.full(n, np.inf)
    for p in range(n):
        qx, qy = px[p], py[p]
        ccx = np.int64(np.floor((qx - x0) / cell))
        ccy = np.int64(np.floor((qy - y0) / cell))
        best_d2, best_s, best_t = np.inf, np.int64(-1), 0.0
        for r in range(max_rings + 1):
            for cx in range(ccx - r, ccx + r + 1):
                if cx < 0:
                    continue
                full = cx == ccx - r or cx == ccx + r
                step = 1 if full else 2 * r
                for cy in range(ccy - r, ccy + r + 1, max(step, 1)):
                    if cy < 0 or cy >= ny:
                        continue
                    key = cx * ny + cy
                    k = _lower(keys, key)
                    if k >= len(keys) or keys[k] != key:
                        continue
                    for q in range(ptr[k], ptr[k + 1]):
                        s = cseg[q]
                        ax, ay = ends[q, 0], ends[q, 1]
                        dx, dy = ends[q, 2] - ax, ends[q, 3] - ay
                        ll = dx * dx + dy * dy
                        t = 0.0
                        if ll > 0:
                            t = min(max(((qx - ax) * dx + (qy - ay) * dy) / ll, 0.0), 1.0)
                        ex, ey = qx - (ax + t * dx), qy - (ay + t * dy)
                        d2 = ex * ex + ey * ey
                        if d2 < best_d2 or (d2 == best_d2 and s < best_s):
                            best_d2, best_s, best_t = d2, s, t
            # distance from the point to the outside of the (2r + 1)^2 cells searched
            edge = min(
                qx - (x0 + (ccx - r) * cell),
                x0 + (ccx + r + 1) * cell - qx,
                qy - (y0 + (ccy - r) * cell),
                y0 + (ccy + r + 1) * cell - qy,
            )
            if best_s >= 0 and np.sqrt(best_d2) + half < edge:
                out_s[p], out_t[p], out_d[p] = best_s, best_t, np.sqrt(best_d2)
                break
    return out_s, out_t, out_d
