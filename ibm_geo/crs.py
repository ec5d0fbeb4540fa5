"""Metric projections for distances and buffers (degrees are not metres)."""

from __future__ import annotations

import math

import geopandas as gpd
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
