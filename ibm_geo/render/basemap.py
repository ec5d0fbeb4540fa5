"""An offline basemap built from what is loaded, plus what a map needs besides the units.

Land is the union of the loaded units (so the sea and the coast show without any tile server),
kab/kota and kecamatan outlines come from dissolving the units, and their names are placed at a
point inside each. Roads are an optional GeoDataFrame of lines (the roads branch supplies an OSM
extract); an online tile layer stays an option of the HTML map only.
"""

from __future__ import annotations

import functools
import gzip
import io
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ibm_geo.crs import point_inside
from ibm_geo.render.geometry import OVERVIEW_THRESHOLD, _dissolve_geoms, auto_tolerance_m

#: kecamatan outlines and names are drawn up to this many kecamatan (a province has ~60-200)
MAX_KECAMATAN = 400

#: simplified province outlines of Indonesia (scripts/build_provinces.py, ~2 km detail)
PROVINCES_ASSET = Path(__file__).resolve().parent.parent / "assets" / "provinces.geojson.gz"


@functools.lru_cache(maxsize=1)
def province_outlines() -> gpd.GeoDataFrame | None:
    """Indonesia's provinces (``kode`` = 2 digits, ``provinsi``), EPSG:4326, or None when the
    asset is missing: the locator inset's context beyond what was loaded."""
    if not PROVINCES_ASSET.exists():
        return None
    data = gzip.decompress(PROVINCES_ASSET.read_bytes())
    return gpd.read_file(io.BytesIO(data)).set_crs(4326, allow_override=True)


@dataclass
class Basemap:
    """Layers in EPSG:4326: ``land`` (one geometry), ``kab`` and ``kec`` (outline + label point),
    ``roads`` (lines, or None)."""

    land: object
    kab: gpd.GeoDataFrame
    kec: gpd.GeoDataFrame | None
    roads: gpd.GeoDataFrame | None = None


def _parents(kel: gpd.GeoDataFrame, keys: list[str], grid: float) -> gpd.GeoDataFrame:
    df = kel[[*keys, "geometry"]].copy()
    for k in keys:
        df[k] = df[k].astype(object).where(df[k].notna(), "?")
    geoms = _dissolve_geoms(gpd.GeoDataFrame(df, geometry="geometry", crs=4326), keys, grid)
    out = gpd.GeoDataFrame(geoms, geometry="geometry", crs=4326)
    out["lon"], out["lat"] = point_inside(out.geometry)
    return out


def prepare_roads(roads: gpd.GeoDataFrame | None, land) -> gpd.GeoDataFrame | None:
    """Line parts of ``roads`` in EPSG:4326, clipped to the land's bounding box (or None)."""
    if roads is None or not len(roads):
        return None
    r = roads if roads.crs is not None else roads.set_crs(4326)
    r = r.to_crs(4326)
    lines = r[r.geom_type.isin(["LineString", "MultiLineString"])]
    if land is not None and not land.is_empty:
        lines = lines.clip(land.bounds)
    keep = [c for c in ("highway", "name", "geometry") if c in lines]
    return lines[keep].reset_index(drop=True) if len(lines) else None


def build_basemap(kelurahan: gpd.GeoDataFrame, roads: gpd.GeoDataFrame | None = None) -> Basemap:
    """Land, kab/kota and (when not too many) kecamatan of the mapped units, and the roads."""
    kel = kelurahan if kelurahan.crs is not None else kelurahan.set_crs(4326)
    kel = kel.to_crs(4326)
    if not len(kel):
        empty = gpd.GeoDataFrame({"kab_kota": []}, geometry=[], crs=4326)
        return Basemap(shapely.Polygon(), empty, None, None)
    grid = auto_tolerance_m(kel, overview=True) / 4 / 111_000
    n_kec = (
        kel.groupby(["kab_kota", "kecamatan"], dropna=False).ngroups if "kecamatan" in kel else 0
    )
    kec = None
    if 0 < n_kec <= MAX_KECAMATAN and len(kel) <= OVERVIEW_THRESHOLD:
        kec = _parents(kel, ["kab_kota", "kecamatan"], grid)
    # kab/kota from the kecamatan already dissolved (a few dozen shapes, not hundreds of units)
    base = kec if kec is not None else kel
    kab = _parents(base, ["kab_kota"], grid) if "kab_kota" in kel else None
    if kab is None:
        geom = shapely.union_all(kel.geometry.to_numpy(), grid_size=grid)
        kab = gpd.GeoDataFrame({"kab_kota": ["?"]}, geometry=[geom], crs=4326)
        kab["lon"], kab["lat"] = np.nan, np.nan
    land = shapely.union_all(kab.geometry.to_numpy(), grid_size=grid)
    return Basemap(land=land, kab=kab, kec=kec, roads=prepare_roads(roads, land))


def road_lines(result) -> gpd.GeoDataFrame | None:
    """Road lines over the mapped units when the analysis travelled along roads (else None):
    what every map draws on its basemap (CLI print map, app map)."""
    d = getattr(result, "distance", None)
    if getattr(d, "kind", "straight") != "road":
        return None
    return d.graph.network.lines(tuple(result.kelurahan.to_crs(4326).total_bounds))


@dataclass
class MapContext:
    """Everything a map shows besides the per-kelurahan table, gathered once for every renderer.

    ``service_points``: public offices (BNNP/BNNK, clinics; name, jenis, lat, lon).
    ``context_units``: all loaded units (before filters) for the locator inset.
    ``sources``: {kind: file name} of what was loaded (named in the source credit).
    ``demo``: the bundled demo (approximate borders, synthetic clients): marked on every output.
    ``roads``: optional road lines (e.g. an OSM extract), drawn on the basemap and credited.
    ``data_date``: the data's cut-off date as the planner states it (scenario ``data_date``).
    """

    service_points: pd.DataFrame | None = None
    context_units: gpd.GeoDataFrame | None = None
    sources: dict[str, str] = field(default_factory=dict)
    demo: bool = False
    roads: gpd.GeoDataFrame | None = None
    data_date: str | None = None
    reference_year: int | None = None

    @classmethod
    def from_result(cls, result, roads: gpd.GeoDataFrame | None = None) -> MapContext:
        """From an :class:`ibm_geo.pipeline.AnalysisResult` (what the CLI and the app hold)."""
        units = result.joined.units
        demo = bool(
            "approximate" in units and units["approximate"].fillna(False).astype(bool).any()
        )
        sc = result.scenario
        return cls(
            service_points=result.joined.service_points.table,
            context_units=units,
            sources=dict(result.joined.sources),
            demo=demo,
            roads=roads,
            data_date=getattr(sc, "data_date", None),
            reference_year=getattr(result, "reference_year", None),
        )
