"""Place every client, agent and service point in a kelurahan and give it metric coordinates.

Matching (code, point-in-polygon, names) lives in :mod:`ibm_geo.matching`; this module turns its
answer into array positions the coverage and metrics code can use directly.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from .matching import Gazetteer, LocationMatch, match_locations
from .quality import DataQuality


@dataclass
class Placed:
    """Rows of one input table with their kelurahan position and metric coordinates."""

    table: pd.DataFrame  # input columns + unit, kode_match, method, confidence, located, x, y
    match: LocationMatch


def place(
    df: pd.DataFrame,
    units: gpd.GeoDataFrame,
    rep_xy: np.ndarray,
    transformer: pyproj.Transformer,
    *,
    table: str,
    quality: DataQuality,
    fuzzy_threshold: float,
    gazetteer: Gazetteer | None = None,
    choices: dict[str, str] | None = None,
) -> Placed:
    """Match rows to units; a row's position is its own point when the point decided the match,
    otherwise the unit's representative point (a client known only by kelurahan name is assumed to
    live at its centre, which is the best a straight-line radius can do)."""
    out = df.copy(deep=False)  # copy-on-write: the columns added below never touch ``df``
    n = len(out)
    lon, lat = (
        pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if c in out
        else np.full(n, np.nan)
        for c in ("lon", "lat")
    )
    has_xy = np.flatnonzero(np.isfinite(lon) & np.isfinite(lat))
    # metres for every row with coordinates, computed while the rows are matched (PROJ releases
    # the GIL); only rows the point placed keep them
    with ThreadPoolExecutor(max_workers=1) as ex:
        metres = ex.submit(transformer.transform, lon[has_xy], lat[has_xy])
        m = match_locations(
            out,
            units,
            table=table,
            quality=quality,
            fuzzy_threshold=fuzzy_threshold,
            gazetteer=gazetteer,
            choices=choices,
        )
        px, py = metres.result()
    unit = np.asarray(m.unit, dtype=np.int64)
    located = unit >= 0
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    x[located] = rep_xy[unit[located], 0]
    y[located] = rep_xy[unit[located], 1]
    by_point = (m.method == "point").to_numpy(dtype=bool) & located
    use = by_point[has_xy]  # a point-placed row always has coordinates
    x[has_xy[use]], y[has_xy[use]] = np.asarray(px)[use], np.asarray(py)[use]
    out["kode_match"] = m.kode.array
    out["method"] = m.method.array
    out["confidence"] = m.confidence.to_numpy()
    out["unit"] = unit
    out["located"] = located
    out["x"], out["y"] = x, y
    return Placed(out, m)
