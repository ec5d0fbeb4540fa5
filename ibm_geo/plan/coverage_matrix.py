"""Sparse demand x candidate coverage within a radius, built with a KD-tree.

Why sparse: the national file has ~83k units; a dense 83k x 83k distance matrix would need
~55 GB, while the pairs within 3 km number a few million at most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.spatial import cKDTree


@dataclass(frozen=True)
class Coverage:
    """Which candidates reach which demand points, and how far (metres, projected CRS).

    ``matrix`` is a CSR boolean-like matrix (n_demand x n_candidates) with data 1.0;
    ``distance`` has the same sparsity pattern with the distances (explicit zeros kept, so a
    candidate at the very demand point still covers it).
    """

    matrix: sp.csr_matrix
    distance: sp.csr_matrix
    radius: float

    @property
    def n_demand(self) -> int:
        return self.matrix.shape[0]

    @property
    def n_candidates(self) -> int:
        return self.matrix.shape[1]

    @property
    def nnz(self) -> int:
        return int(self.matrix.indptr[-1])

    def csc(self) -> sp.csc_matrix:
        """Column view (candidate -> demand points it covers)."""
        return self.matrix.tocsc()


def _as_xy(a) -> np.ndarray:
    xy = np.asarray(a, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"expected an (n, 2) array of projected x/y, got shape {xy.shape}")
    if not np.isfinite(xy).all():
        raise ValueError("coordinates contain NaN or infinite values")
    return xy


def build_coverage(demand_xy, candidate_xy, radius: float, backend=None) -> Coverage:
    """Pairs (demand i, candidate j) with straight-line distance <= ``radius``.

    Coordinates must be in a metric CRS. Built with ``cKDTree.sparse_distance_matrix`` so memory
    grows with the number of pairs inside the radius, never with n x m. ``backend``
    (:mod:`ibm_geo.distance`, e.g. road travel from each candidate) replaces the straight line.
    """
    if not radius > 0:
        raise ValueError("radius must be positive")
    dxy = _as_xy(demand_xy)
    cxy = _as_xy(candidate_xy)
    n, m = len(dxy), len(cxy)
    if n == 0 or m == 0:
        empty = sp.csr_matrix((n, m), dtype=float)
        return Coverage(empty, empty.copy(), float(radius))
    if backend is None:
        rec = cKDTree(dxy).sparse_distance_matrix(cKDTree(cxy), radius, output_type="ndarray")
        i = rec["i"].astype(np.int64)
        j = rec["j"].astype(np.int64)
        v = rec["v"].astype(float)
    else:
        j, i, v = backend.pairs(cxy, dxy, radius)  # travel from the candidate to the demand
        i, j, v = np.asarray(i, np.int64), np.asarray(j, np.int64), np.asarray(v, float)
    order = np.lexsort((j, i))
    i, j, v = i[order], j[order], v[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    # Build CSR from arrays directly: constructing from COO could drop the explicit zeros
    # (a candidate at distance 0 of its own demand point).
    dist = sp.csr_matrix((v, j.astype(np.int32), indptr), shape=(n, m))
    cov = sp.csr_matrix((np.ones_like(v), j.astype(np.int32), indptr.copy()), shape=(n, m))
    return Coverage(cov, dist, float(radius))


def coverage_from_cost_matrix(cost: np.ndarray, radius: float) -> Coverage:
    """Coverage from a small dense cost matrix (tests, comparison with spopt)."""
    cost = np.asarray(cost, dtype=float)
    mask = cost <= radius
    i, j = np.nonzero(mask)
    n, m = cost.shape
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(i, minlength=n), out=indptr[1:])
    dist = sp.csr_matrix((cost[i, j], j.astype(np.int32), indptr), shape=(n, m))
    cov = sp.csr_matrix((np.ones(len(i)), j.astype(np.int32), indptr.copy()), shape=(n, m))
    return Coverage(cov, dist, float(radius))


def covered_by(cov: Coverage, open_sites) -> np.ndarray:
    """Boolean mask of demand points within the radius of any site in ``open_sites``."""
    sel = np.zeros(cov.n_candidates, dtype=bool)
    idx = np.asarray(open_sites, dtype=np.int64)
    if idx.size:
        sel[idx] = True
    if not sel.any():
        return np.zeros(cov.n_demand, dtype=bool)
    counts = cov.matrix @ sel.astype(float)
    return counts > 0


def nearest_open(cov: Coverage, open_sites) -> tuple[np.ndarray, np.ndarray]:
    """For each demand point, the nearest open site within the radius (-1 if none) and its distance."""
    n = cov.n_demand
    site = np.full(n, -1, dtype=np.int64)
    dist = np.full(n, np.nan)
    sel = np.zeros(cov.n_candidates, dtype=bool)
    idx = np.asarray(open_sites, dtype=np.int64)
    if idx.size == 0 or n == 0:
        return site, dist
    sel[idx] = True
    d = cov.distance
    rows = np.repeat(np.arange(n), np.diff(d.indptr))
    keep = sel[d.indices]
    r, c, v = rows[keep], d.indices[keep], d.data[keep]
    if r.size == 0:
        return site, dist
    order = np.lexsort((c, v, r))  # by row, then distance, then candidate index (stable ties)
    r, c, v = r[order], c[order], v[order]
    first = np.ones(r.size, dtype=bool)
    first[1:] = r[1:] != r[:-1]
    site[r[first]] = c[first]
    dist[r[first]] = v[first]
    return site, dist
