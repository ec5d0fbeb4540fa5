"""The cell key method (CKM): consistent, bounded noise on every published client count.

Core on arrays, as statistical offices run it for tables that users build themselves (ABS
TableBuilder, ONS Census 2021, Destatis Census 2022; Thompson, Broadfoot & Elazar 2013; Giessing &
Tent 2019):

* every client has a secret **record key** in ``0..N-1`` (:mod:`ibm_geo.record_keys`);
* a cell's **cell key** is the sum of its records' keys modulo ``N``;
* a fixed **perturbation table** (ptable) maps (true count, cell key) to a small noise.

The same set of people gives the same cell key, so the same cell gets the same noise in every
table and every run: subtracting two tables says nothing exact, and nothing cascades the way
cell suppression does. The ptable's rows are laid out as the ONS package
``cell-key-perturbation`` reads them (``pcv``, ``ckey``, ``pvalue``); a test runs that package
on the same microdata, keys and ptable and gets the same tables.

Design of the ptable (``k`` = the scenario's ``suppression_k``, ``D`` = :data:`MAX_DEVIATION`,
``V`` = :data:`VARIANCE`), written out in docs/PRIVACY.md:

* a true 0 stays 0 (a structural zero: nothing there);
* a small count ``i`` in ``1..k-1`` is never published as such: it becomes 0 with probability
  ``(k-i)/(2k)`` and ``k`` otherwise (a published 0 may hide 1..k-1 people, so a zero never
  states that nobody in a subgroup has an attribute; a published ``k`` may be anything from 1 to
  ``k+D``). Half the unbiased design's chance of 0 (``1 - i/k``): on city registers of 300
  clients the unbiased rule dropped too many needy villages to 0 and the published top 10 held
  7 of the exact top 10; this one holds 8-9 (benchmarks/bench_publish.py). Small counts are
  biased upwards, never down to a misleading 0 more often than not;
* a count ``i >= k`` becomes ``i + d`` with ``|d| <= D`` and ``i + d >= k``, by the maximum-entropy
  distribution with mean 0 and variance ``V`` on that support (Giessing's design criterion,
  the one sdcTools' ``ptable`` solves); right at ``k`` the support is one-sided and the only
  unbiased choice is no noise. Rows from ``k + D`` on are identical (shift-invariant), so the
  ONS convention of reusing rows 501-750 for larger counts changes nothing.

Probabilities are turned into shares of the ``N`` = 256 cell keys by largest remainder.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: number of record / cell keys (ONS: 256)
N_KEYS = 256
#: largest change of a count >= k
MAX_DEVIATION = 2
#: target variance of the noise on counts >= k + D
VARIANCE = 1.0
#: ONS layout: rows up to this count, larger counts reuse rows 501..750
ONS_ROWS = 750


def _maxent(dev: np.ndarray, variance: float) -> np.ndarray:
    """Maximum-entropy probabilities on the deviations ``dev`` with mean 0 and the given
    variance (``p ~ exp(a d + b d^2)``); mean 0 only where that variance cannot be reached;
    a one-sided support admits only ``d = 0``."""
    from scipy.optimize import brentq, root

    dev = dev.astype(float)
    if dev.min() >= 0 or dev.max() <= 0:
        return (dev == 0).astype(float)

    def probs(a: float, b: float) -> np.ndarray:
        z = a * dev + b * dev**2
        p = np.exp(z - z.max())
        return p / p.sum()

    if -dev.min() * dev.max() > variance + 1e-9:
        sol = root(
            lambda x: [probs(*x) @ dev, probs(*x) @ dev**2 - variance],
            x0=[0.0, -0.5],
            method="hybr",
        )
        if sol.success:
            p = probs(*sol.x)
            if abs(p @ dev) < 1e-9 and abs(p @ dev**2 - variance) < 1e-9:
                return p
    a = brentq(lambda a: probs(a, 0.0) @ dev, -50, 50)
    return probs(a, 0.0)


def _quantise(p: np.ndarray, n: int) -> np.ndarray:
    """Whole numbers of keys per outcome adding up to ``n`` (largest remainder)."""
    raw = p * n
    out = np.floor(raw).astype(np.int64)
    rest = n - int(out.sum())
    if rest:
        order = np.argsort(-(raw - out), kind="stable")
        out[order[:rest]] += 1
    return out


@dataclass(frozen=True)
class PTable:
    """The perturbation table for one threshold ``k``. ``rows[i, ckey]`` is the noise added to
    a true count ``i`` (``i`` capped at :attr:`last`, from where every row is the same)."""

    k: int
    max_deviation: int
    variance: float
    n_keys: int
    rows: np.ndarray  # (last + 1, n_keys) int64

    @property
    def last(self) -> int:
        return self.rows.shape[0] - 1

    def perturb(self, counts: np.ndarray, ckeys: np.ndarray) -> np.ndarray:
        """Published counts for true counts and their cell keys (same shapes)."""
        c = np.asarray(counts, dtype=np.int64)
        key = np.asarray(ckeys, dtype=np.int64) % self.n_keys
        return c + self.rows[np.minimum(c, self.last), key]

    def transition(self, i: int) -> dict[int, float]:
        """Published value -> probability, for a true count ``i`` (keys uniform)."""
        row = self.rows[min(i, self.last)]
        vals, n = np.unique(i + row, return_counts=True)
        return {int(v): c / self.n_keys for v, c in zip(vals, n, strict=True)}

    def possible_true(self, published: int, upto: int | None = None) -> list[int]:
        """Every true count that can be published as ``published`` (the attacker's view)."""
        hi = (published + self.max_deviation) if published else self.k - 1
        hi = max(hi, self.k) if upto is None else upto
        return [i for i in range(0, hi + 1) if published in self.transition(i)]

    @property
    def bias(self) -> float:
        """Largest mean noise over all rows (after rounding to whole keys)."""
        return float(np.abs(self.rows.mean(axis=1)).max())

    def frame(self, rows: int = ONS_ROWS) -> pd.DataFrame:
        """The ptable in the ONS package's layout (``pcv``, ``ckey``, ``pvalue``), counts 1..rows."""
        pcv = np.repeat(np.arange(1, rows + 1), self.n_keys)
        ckey = np.tile(np.arange(self.n_keys), rows)
        pvalue = self.rows[np.minimum(pcv, self.last), ckey]
        return pd.DataFrame({"pcv": pcv, "ckey": ckey, "pvalue": pvalue})


@functools.lru_cache(maxsize=16)
def ptable(
    k: int, max_deviation: int = MAX_DEVIATION, variance: float = VARIANCE, n_keys: int = N_KEYS
) -> PTable:
    """The ptable of the design above (cached: it depends on its four numbers only)."""
    d = max_deviation
    last = k + d
    rows = np.zeros((last + 1, n_keys), dtype=np.int64)
    for i in range(1, last + 1):
        if i < k:
            targets = np.array([0, k])
            p0 = (k - i) / (2 * k)
            p = np.array([p0, 1 - p0])
        else:
            targets = np.arange(max(k, i - d), i + d + 1)
            p = _maxent(targets - i, variance)
        n = _quantise(p, n_keys)
        rows[i] = np.repeat(targets - i, n)
    return PTable(k, d, variance, n_keys, rows)


def cell_keys(unit: np.ndarray, record_keys: np.ndarray, n: int, mask=None) -> np.ndarray:
    """Cell key per unit position: the sum of its records' keys modulo N (``unit`` = -1 for a
    record in no unit; ``mask`` picks the records of the cell)."""
    ok = unit >= 0
    if mask is not None:
        ok &= mask
    s = np.bincount(unit[ok], weights=record_keys[ok].astype(np.float64), minlength=n)
    return np.round(s).astype(np.int64) % N_KEYS


def group_keys(codes: np.ndarray, keys: np.ndarray, n_groups: int) -> np.ndarray:
    """Cell keys of totals: the sum of the member cells' keys modulo N (same as summing the
    records, since every record of a total sits in exactly one member). ``keys``: (n, cols)."""
    k = np.asarray(keys, dtype=np.int64)
    out = np.zeros((n_groups, k.shape[1]), dtype=np.int64)
    np.add.at(out, codes, k)
    return out % N_KEYS
