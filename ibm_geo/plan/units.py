"""Finding units: by name as people write them (the plan's required pilots, "why not X?") and
their representative points in metres. Below pilots and why-not, which both use them."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

from ibm_geo.crs import local_utm_crs, rep_lonlat, rep_xy
from ibm_geo.errors import UserError
from ibm_geo.names import compact_key


def find_unit(kelurahan: pd.DataFrame, name: str, kecamatan: str | None = None) -> int:
    """Row position of the unit written ``name`` (a kode or a name, as people write it);
    ``kecamatan`` narrows same-named units. A UserError names the choices otherwise."""
    kode = kelurahan["kode"].astype(str).to_numpy()
    hit = np.flatnonzero(kode == str(name).strip())
    if hit.size == 1:
        return int(hit[0])
    keys = np.array([compact_key(v) for v in kelurahan["nama"].astype(object)], dtype=object)
    hit = np.flatnonzero(keys == compact_key(name))
    if kecamatan and hit.size > 1:
        kk = np.array([compact_key(v) for v in kelurahan["kecamatan"].astype(object)])
        narrowed = hit[kk[hit] == compact_key(kecamatan)]
        hit = narrowed if narrowed.size else hit
    if hit.size == 1:
        return int(hit[0])
    if hit.size > 1:
        opts = [
            f"{kelurahan['nama'].iat[i]} ({kelurahan['kecamatan'].iat[i]}, kode {kode[i]})"
            for i in hit[:10]
        ]
        raise UserError("whynot.ambiguous", name=name, options=opts)
    found = process.extract(compact_key(name), list(keys), scorer=fuzz.ratio, limit=5)
    opts = [str(kelurahan["nama"].iat[f[2]]) for f in found]
    raise UserError("whynot.unknown", name=name, options=opts)


def unit_xy(kelurahan: pd.DataFrame, crs=None) -> np.ndarray | None:
    """Representative points (:func:`ibm_geo.crs.rep_lonlat`) in metres (``crs``, default the
    local metric CRS of the points), or None without locations."""
    ll = rep_lonlat(kelurahan)
    if ll is None:
        return None
    if len(ll[0]) == 0:
        return np.zeros((0, 2))
    if crs is None:
        crs = local_utm_crs(gpd.GeoSeries(gpd.points_from_xy(*ll), crs=4326))
    return rep_xy(kelurahan, crs)
