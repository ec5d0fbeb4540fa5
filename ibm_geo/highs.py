"""One way to hand a (mixed-integer) linear program to HiGHS, for every module that solves one.

The plan's location models (:mod:`ibm_geo.plan.solvers`) build their programs as arrays and
call :func:`run_highs`; anything else that needs an LP or MIP (an audit, a bound) uses the same
silent instance and the same result tuple, so HiGHS' banner, options and status strings are
handled in one place.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

INF = highspy.kHighsInf
#: Extra HiGHS options for every solve (e.g. {"output_flag": True} to watch a long solve).
OPTIONS: dict = {}


@dataclass
class Program:
    """A (MI)LP in arrays: max/min c.x, row_lo <= A x <= row_hi, col_lo <= x <= col_hi."""

    c: np.ndarray
    a: sp.csr_matrix
    row_lo: np.ndarray
    row_hi: np.ndarray
    col_lo: np.ndarray
    col_hi: np.ndarray
    integer: np.ndarray  # bool per column
    maximize: bool


_BANNER = {"shown": False}
_BANNER_LOCK = threading.Lock()


def new_highs() -> highspy.Highs:
    """A silent HiGHS instance. The first one of a process prints an English banner on the C
    stdout before any option can be set; it is sent to /dev/null so the CLI prints only its own
    lines, in the chosen language."""
    with _BANNER_LOCK:
        if _BANNER["shown"]:
            h = highspy.Highs()
        else:
            sys.stdout.flush()
            saved, null = os.dup(1), os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(null, 1)
                h = highspy.Highs()
            finally:
                os.dup2(saved, 1)
                os.close(saved)
                os.close(null)
            _BANNER["shown"] = True
    h.setOptionValue("output_flag", False)
    return h


def run_highs(
    prog: Program,
    *,
    mip_gap: float,
    time_limit: float,
    start: np.ndarray | None = None,
    options: dict | None = None,
) -> tuple[np.ndarray, float, float, float, str]:
    """Solve with HiGHS; returns (x, objective, bound, gap, status). ``options`` replace
    :data:`OPTIONS` for this solve; x is all NaN when HiGHS found no solution.

    >>> p = Program(c=np.array([1.0, 2.0]), a=sp.csr_matrix(np.ones((1, 2))),
    ...             row_lo=np.array([-INF]), row_hi=np.array([1.0]), col_lo=np.zeros(2),
    ...             col_hi=np.ones(2), integer=np.array([True, True]), maximize=True)
    >>> x, obj, bound, gap, status = run_highs(p, mip_gap=0.0, time_limit=10.0)
    >>> x.round().tolist(), obj, status
    ([0.0, 1.0], 2.0, 'Optimal')
    """
    h = new_highs()
    for key, value in (OPTIONS if options is None else options).items():
        h.setOptionValue(key, value)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    h.setOptionValue("time_limit", float(time_limit))
    a = prog.a.tocsr()
    a.sort_indices()
    ncol, nrow = len(prog.c), a.shape[0]
    h.passModel(
        ncol,
        nrow,
        int(a.nnz),
        int(highspy.MatrixFormat.kRowwise),
        int(highspy.ObjSense.kMaximize if prog.maximize else highspy.ObjSense.kMinimize),
        0.0,
        np.ascontiguousarray(prog.c, dtype=np.float64),
        np.ascontiguousarray(prog.col_lo, dtype=np.float64),
        np.ascontiguousarray(prog.col_hi, dtype=np.float64),
        np.ascontiguousarray(prog.row_lo, dtype=np.float64),
        np.ascontiguousarray(prog.row_hi, dtype=np.float64),
        a.indptr.astype(np.int32),
        a.indices.astype(np.int32),
        a.data.astype(np.float64),
        prog.integer.astype(np.int32),
    )
    if start is not None:
        h.setSolution(ncol, np.arange(ncol, dtype=np.int32), np.asarray(start, dtype=np.float64))
    h.run()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=float)
    if len(x) != ncol or not sol.value_valid:
        return np.full(ncol, np.nan), np.nan, np.nan, np.nan, status
    obj = float(info.objective_function_value)
    if prog.integer.any():
        bound = float(info.mip_dual_bound)
        gap = float(info.mip_gap)
    else:
        bound, gap = obj, 0.0
    if not np.isfinite(gap) or gap > 1e20:
        gap = np.nan
    return x, obj, bound, max(gap, 0.0) if np.isfinite(gap) else gap, status
