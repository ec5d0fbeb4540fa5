"""Per-kelurahan figures. Each function takes the units table and returns named Series aligned to it,
leaving its inputs untouched (momepy style), so the pipeline can assemble one table per kelurahan."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from .config import SEVERITIES, STATUSES
from .coverage import IN_REACH, REFERRAL, SERVED, UNSERVED


def _count(
    unit: np.ndarray, n: int, mask: np.ndarray | None = None, weights: np.ndarray | None = None
) -> np.ndarray:
    """Counts per unit position; ``unit`` is -1 where a row belongs to no unit. With
    ``weights`` (the record keys of :mod:`ibm_geo.ckm`), sums of the weights instead."""
    ok = unit >= 0
    if mask is not None:
        ok &= mask
    w = None if weights is None else weights[ok].astype(np.float64)
    return np.round(np.bincount(unit[ok], weights=w, minlength=n)).astype(np.int64)


def category_codes(values: pd.Series, categories: tuple[str, ...] | list[str]) -> np.ndarray:
    """Position of each value in ``categories`` (-1 for missing or anything else).

    Factorising first means the string work is done once per distinct value, not per row."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    pos = pd.Index(list(categories)).get_indexer(pd.Index(uniques).astype(object))
    return np.where(codes >= 0, np.append(pos, -1)[codes], -1).astype(np.int64)


def _count_by(
    unit: np.ndarray, code: np.ndarray, n: int, k: int, weights: np.ndarray | None = None
) -> np.ndarray:
    """(n units x k categories) counts (or sums of ``weights``) in one bincount."""
    ok = (unit >= 0) & (code >= 0)
    w = None if weights is None else weights[ok].astype(np.float64)
    b = np.bincount(unit[ok] * k + code[ok], weights=w, minlength=n * k)
    return np.round(b).reshape(n, k).astype(np.int64)


def client_counts(
    units: pd.DataFrame, clients: pd.DataFrame, weights: np.ndarray | None = None
) -> pd.DataFrame:
    """Clients per unit by status, severity, service type and coverage class.

    ``clients`` carries ``unit`` (position in ``units``, -1 = unlocated) and ``coverage``. With
    ``weights`` every cell is the sum of its records' weights instead of their number: the one
    definition of each cell serves the counts and their cell keys (:mod:`ibm_geo.ckm`).
    """
    n = len(units)
    w = weights
    unit = clients["unit"].to_numpy(dtype=np.int64)
    out: dict[str, np.ndarray] = {"clients": _count(unit, n, weights=w)}
    status = _count_by(unit, category_codes(clients["status_pasca"], STATUSES), n, len(STATUSES), w)
    for i, s in enumerate(STATUSES):
        out[f"status_{s}"] = status[:, i]
    out["status_unknown"] = out["clients"] - status.sum(axis=1)
    tingkat = _count_by(unit, category_codes(clients["tingkat"], SEVERITIES), n, len(SEVERITIES), w)
    for i, s in enumerate(SEVERITIES):
        out[f"tingkat_{s}"] = tingkat[:, i]
    layanan = ("rawat_jalan", "rawat_inap")
    lay = _count_by(unit, category_codes(clients["jenis_layanan"], layanan), n, 2, w)
    out["rawat_jalan"], out["rawat_inap"] = lay[:, 0], lay[:, 1]
    classes = (SERVED, IN_REACH, REFERRAL, UNSERVED)
    cov = _count_by(unit, category_codes(clients["coverage"], classes), n, len(classes), w)
    for i, c in enumerate(classes):
        out[c] = cov[:, i]
    return pd.DataFrame(out, index=units.index)


def recent_unserved(
    units: pd.DataFrame,
    clients: pd.DataFrame,
    reference_year: int,
    recency_years: int,
    weights: np.ndarray | None = None,
) -> pd.Series:
    """Unserved clients rehabilitated within the last ``recency_years`` (the window is inclusive)."""
    unit = clients["unit"].to_numpy(dtype=np.int64)
    year = clients["tahun_rehab"].to_numpy(dtype=float, na_value=np.nan)
    recent = (year >= reference_year - recency_years + 1) & (year <= reference_year)
    mask = (clients["coverage"] == UNSERVED).to_numpy(dtype=bool) & recent
    return pd.Series(
        _count(unit, len(units), mask, weights), index=units.index, name="unserved_recent"
    )


def agent_counts(
    units: pd.DataFrame, agents: pd.DataFrame, spare: np.ndarray, default_capacity: int
) -> pd.DataFrame:
    """Agents per unit (all, active), their capacity and the capacity left after coverage."""
    n = len(units)
    if len(agents) == 0:
        z = np.zeros(n, dtype=np.int64)
        return pd.DataFrame(
            {"agents_total": z, "agents_active": z, "agent_capacity": z, "agent_spare": z},
            index=units.index,
        )
    unit = agents["unit"].to_numpy(dtype=np.int64)
    active = agents["aktif"].fillna(True).to_numpy(dtype=bool)
    cap = agents["kapasitas"].fillna(default_capacity).to_numpy(dtype=np.int64)
    ok = (unit >= 0) & active
    return pd.DataFrame(
        {
            "agents_total": _count(unit, n),
            "agents_active": _count(unit, n, active),
            "agent_capacity": np.bincount(unit[ok], weights=cap[ok], minlength=n).astype(np.int64),
            "agent_spare": np.bincount(unit[ok], weights=spare[ok], minlength=n).astype(np.int64),
        },
        index=units.index,
    )


def service_point_counts(units: pd.DataFrame, service_points: pd.DataFrame) -> pd.Series:
    unit = (
        service_points["unit"].to_numpy(dtype=np.int64)
        if len(service_points)
        else np.zeros(0, np.int64)
    )
    return pd.Series(_count(unit, len(units)), index=units.index, name="service_points")


def nearest_distance(
    rep_xy: np.ndarray, target_xy: np.ndarray, index: pd.Index, backend=None
) -> pd.Series:
    """Metres from each unit's representative point to the nearest target: straight line, or
    along the road from the target when ``backend`` (:mod:`ibm_geo.distance`) says so (NaN when
    no target can reach the unit)."""
    if len(target_xy) == 0:
        return pd.Series(np.nan, index=index, name="dist_nearest_m")
    if backend is not None:
        return pd.Series(backend.nearest(target_xy, rep_xy), index=index, name="dist_nearest_m")
    d, _ = cKDTree(target_xy).query(rep_xy, k=1)
    return pd.Series(d, index=index, name="dist_nearest_m")


def access_distance(
    rep_xy: np.ndarray,
    agent_xy: np.ndarray,
    agent_active: np.ndarray,
    agent_spare: np.ndarray,
    service_xy: np.ndarray,
    index: pd.Index,
    backend=None,
) -> pd.Series:
    """The one definition of access distance: metres from each unit to the nearest active agent
    who still has room (spare capacity after the clients assigned to them) or service point.

    An agent who is already full does not make a village "served": it counts as far. The
    distance (straight line or roads, ``backend``) is :func:`nearest_distance`.
    """
    ok = np.asarray(agent_active, dtype=bool) & (np.asarray(agent_spare) > 0)
    targets = np.vstack([np.asarray(agent_xy, dtype=float).reshape(-1, 2)[ok], service_xy])
    return nearest_distance(rep_xy, targets, index, backend)
