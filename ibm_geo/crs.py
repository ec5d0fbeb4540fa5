"""Metric projections for distances and buffers (degrees are not metres), and the one
representative point of a kelurahan that every distance starts from."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from pyproj import CRS

# Beyond this longitude span (two 6-degree UTM zones) a single UTM zone distorts too much.
MAX_UTM_SPAN_DEG = 12.0


def local_utm_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> CRS:
    """A metric CRS for the data's extent.

    Regional data (longitude span <= 12 degrees, e.g. a province): the WGS 84 UTM zone of the centre
    of the bounds (EPSG:327xx south of the equator, 326xx north). National data (Sumatra to Papua
    spans ~46 degrees): an azimuthal equidistant projection centred on the bounds, which keeps
    distances from the centre exact and straight-line distances within a few percent across
    Indonesia, unlike one UTM zone or Web Mercator.
    """
    g = gdf.to_crs(4326) if gdf.crs is not None and not gdf.crs.equals(CRS(4326)) else gdf
    minx, miny, maxx, maxy = g.total_bounds
    if not all(math.isfinite(v) for v in (minx, miny, maxx, maxy)):
        raise ValueError("cannot choose a projection for empty geometries")
    lon, lat = (minx + maxx) / 2, (miny + maxy) / 2
    if maxx - minx > MAX_UTM_SPAN_DEG:
        return CRS.from_proj4(
            f"+proj=aeqd +lat_0={lat:.4f} +lon_0={lon:.4f} +datum=WGS84 +units=m +no_defs"
        )
    zone = int((lon + 180) // 6) + 1
    zone = min(max(zone, 1), 60)
    return CRS.from_epsg((32700 if lat < 0 else 32600) + zone)


def to_metric(gdf: gpd.GeoDataFrame | gpd.GeoSeries) -> gpd.GeoDataFrame | gpd.GeoSeries:
    """Reproject to :func:`local_utm_crs` (returns a new object; input untouched)."""
    return gdf.to_crs(local_utm_crs(gdf))


def metric_transformer(crs: CRS) -> pyproj.Transformer:
    """lon/lat (EPSG:4326) -> ``crs``, x before y."""
    return _transformer(CRS.from_epsg(4326), CRS.from_user_input(crs))


def lonlat_transformer(crs: CRS) -> pyproj.Transformer:
    """``crs`` -> lon/lat (EPSG:4326), x before y: :func:`metric_transformer` back."""
    return _transformer(CRS.from_user_input(crs), CRS.from_epsg(4326))


def _transformer(src: CRS, dst: CRS) -> pyproj.Transformer:
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def inside(geoms: np.ndarray) -> np.ndarray:
    """A point inside each geometry of an array, in the array's own CRS: the one rule for a
    unit's representative point (``shapely.point_on_surface``)."""
    return shapely.point_on_surface(geoms)


def point_inside(geoms: gpd.GeoSeries) -> tuple[np.ndarray, np.ndarray]:
    """A point inside each polygon (``shapely.point_on_surface``) as (lon, lat), EPSG:4326.

    Unlike the centroid, the point lies inside even a crescent-shaped village. A series
    without a CRS is taken as lon/lat.
    """
    if geoms.crs is not None and not geoms.crs.equals(CRS(4326)):
        geoms = geoms.to_crs(4326)
    pts = inside(np.asarray(geoms.values))
    return shapely.get_x(pts), shapely.get_y(pts)


def rep_lonlat(units: pd.DataFrame) -> tuple[np.ndarray, np.ndarray] | None:
    """The representative point of each unit as (lon, lat), EPSG:4326, in row order.

    ``rep_lon``/``rep_lat`` where both are finite (the pipeline writes them once, from
    :func:`point_inside`), else a point inside the unit's polygon; None for a table with
    neither the columns nor a geometry. The one definition that the plan, the pilots, the
    why-not answer and the reach backends share.
    """
    lon = lat = have = None
    if {"rep_lon", "rep_lat"} <= set(units.columns):
        lon = pd.to_numeric(units["rep_lon"], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(units["rep_lat"], errors="coerce").to_numpy(dtype=float)
        have = np.isfinite(lon) & np.isfinite(lat)
        if have.all():
            return lon, lat
    if isinstance(units, gpd.GeoDataFrame) and units.geometry.name in units.columns:
        in_lon, in_lat = point_inside(units.geometry)
        if have is None:
            return in_lon, in_lat
        return np.where(have, lon, in_lon), np.where(have, lat, in_lat)
    return None if lon is None else (lon, lat)


def rep_xy(units: pd.DataFrame, crs: CRS) -> np.ndarray | None:
    """:func:`rep_lonlat` in metres of ``crs``, an (n, 2) array (None without locations)."""
    ll = rep_lonlat(units)
    if ll is None:
        return None
    x, y = metric_transformer(CRS.from_user_input(crs)).transform(ll[0], ll[1])
    return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])
