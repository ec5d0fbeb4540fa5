"""The one place that decides how a small count is written, shared by reasons, tables and maps."""

from __future__ import annotations

import math

import numpy as np


def fmt_count(n: float | int | None, k: int) -> str:
    """``0`` and counts >= k as digits, 1..k-1 as ``<k`` (UU PDP: small cells identify people)."""
    if n is None or (isinstance(n, float) and math.isnan(n)):
        return "-"
    n = int(n)
    if 0 < n < k:
        return f"<{k}"
    return str(n)


def fmt_counts(values, k: int) -> np.ndarray:
    """Vectorised :func:`fmt_count` (object array of strings)."""
    v = np.asarray(values, dtype=float)
    out = np.where(np.isnan(v), "-", np.nan_to_num(v).astype(np.int64).astype(str)).astype(object)
    out[(v > 0) & (v < k)] = f"<{k}"
    return out
