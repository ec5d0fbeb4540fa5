"""Reader for the ``wilayah_boundaries`` SQL dumps (cahyadsn/wilayah_boundaries, MIT).

Rows look like ``('51.71.01.1001','Serangan',-8.73,115.23,'[[[[lat,lng],...]]]')``: the path is a
JSON array of rings (Polygon) or of polygons (MultiPolygon) with **[lat, lng]** pairs, so every
pair is swapped to (lon, lat) here. Quotes inside names are doubled (``'La''Latang'``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from ibm_geo.errors import UserError

_ROW = re.compile(
    r"\(\s*'((?:[^'\\]|''|\\.)*)'\s*,\s*'((?:[^'\\]|''|\\.)*)'\s*,\s*([-+\d.eE]+|NULL)\s*,"
    r"\s*([-+\d.eE]+|NULL)\s*,\s*'([^']*)'\s*\)"
)


def _unquote(s: str) -> str:
    return s.replace("''", "'").replace("\\'", "'").replace('\\"', '"')


def _polygon(rings: list) -> shapely.Polygon:
    rings = [np.asarray(r, dtype="float64")[:, ::-1] for r in rings if len(r) >= 3]
    if not rings:
        return shapely.Polygon()
    return shapely.Polygon(rings[0], rings[1:])


def _geometry(path: list):
    """Depth 3 (rings of pairs) -> Polygon; depth 4 (polygons of rings) -> MultiPolygon."""
    if not path:
        return None
    if isinstance(path[0][0][0], list):
        polys = [_polygon(p) for p in path]
        return shapely.MultiPolygon([p for p in polys if not p.is_empty])
    return _polygon(path)


def read_sql_dump(source: str | Path | bytes, name: str | None = None) -> gpd.GeoDataFrame:
    """Parse a dump into a GeoDataFrame with columns ``kode, nama, geometry`` (EPSG:4326)."""
    if isinstance(source, bytes | bytearray):
        text = bytes(source).decode("utf-8", errors="replace")
        fname = name or "upload.sql"
    else:
        fname = name or Path(source).name
        text = Path(source).read_text(encoding="utf-8", errors="replace")
    kode, nama, geoms = [], [], []
    for m in _ROW.finditer(text):
        try:
            path = json.loads(m.group(5))
        except json.JSONDecodeError:
            path = None
        kode.append(_unquote(m.group(1)))
        nama.append(_unquote(m.group(2)))
        geoms.append(_geometry(path) if path else None)
    if not kode:
        raise UserError("boundaries.sql_empty", file=fname)
    return gpd.GeoDataFrame({"kode": kode, "nama": nama}, geometry=geoms, crs="EPSG:4326")
