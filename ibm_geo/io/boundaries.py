"""Read kelurahan/desa boundaries from the formats planners actually get, into one schema.

Supported: GeoJSON, GeoPackage, zipped Shapefile, GeoParquet and the ``wilayah_boundaries`` SQL
dump; schemas of the shared files (``kode, nama, ...``), BIG's village layer (``WADMKD``, ...),
GADM level 4 (``NAME_4``, ...) and OSM admin_level 7 (``name``, ``ref:id:codegeo``). Quality rows
for boundaries use ``row`` = feature number (1 = first feature).
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ibm_geo.errors import InputError
from ibm_geo.gazetteer import fill_from_code
from ibm_geo.io.sqldump import read_sql_dump
from ibm_geo.names import normalize_kodes
from ibm_geo.quality import DataQuality
from ibm_geo.regions import province_of

#: what names a unit in every table downstream (the per-kelurahan result, every export)
IDENTITY = ["kode", "nama", "jenis", "kecamatan", "kab_kota", "provinsi"]
BOUNDARY_COLUMNS = [*IDENTITY, "kode_kec", "kode_kab", "approximate", "geometry"]
TABLE = "boundaries"

# canonical column -> accepted source columns (lower-case), per known schema
SCHEMAS: dict[str, dict[str, list[str]]] = {
    "shared": {
        "kode": ["kode"],
        "nama": ["nama"],
        "jenis": ["jenis"],
        "kecamatan": ["kecamatan"],
        "kab_kota": ["kab_kota"],
        "provinsi": ["provinsi"],
        "kode_kec": ["kode_kec"],
        "kode_kab": ["kode_kab"],
        "approximate": ["approximate"],
    },
    "big": {
        "nama": ["wadmkd", "namobj"],
        "kecamatan": ["wadmkc"],
        "kab_kota": ["wadmkk"],
        "provinsi": ["wadmpr"],
        "kode": ["kdepum", "kdcpum"],
        "jenis": ["tipadm_kd", "jenis"],
    },
    "gadm": {
        "nama": ["name_4"],
        "kecamatan": ["name_3"],
        "kab_kota": ["name_2"],
        "provinsi": ["name_1"],
        "jenis": ["engtype_4", "type_4"],
        "kode": ["cc_4"],  # GADM 4.1 carries the Kemendagri code as 10 digits
    },
    "osm": {"nama": ["name"], "kode": ["ref:id:codegeo", "ref_id_codegeo", "ref"]},
}
_MARKER = {"shared": "nama", "big": "wadmkd", "gadm": "name_4", "osm": "name"}


def _load(source: str | Path | bytes, fname: str) -> gpd.GeoDataFrame:
    ext = Path(fname).suffix.lower()
    if isinstance(source, bytes | bytearray):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "upload" + (ext or ".geojson"))
            Path(path).write_bytes(bytes(source))
            return _load(path, fname)
    path = str(source)
    try:
        if ext == ".sql":
            return read_sql_dump(path, name=fname)
        if ext in (".parquet", ".geoparquet"):
            return gpd.read_parquet(path)
        return gpd.read_file(path)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(fname, f"cannot read boundaries ({exc})") from exc


def _pick(gdf: gpd.GeoDataFrame, column_map: dict[str, str] | None, fname: str) -> dict[str, str]:
    """Map canonical names to source columns: ``column_map`` first, then a known schema."""
    lower = {str(c).lower(): c for c in gdf.columns if c != gdf.geometry.name}
    found: dict[str, str] = {}
    for src, canon in (column_map or {}).items():
        if src in gdf.columns:
            found[canon] = src
        elif src.lower() in lower:
            found[canon] = lower[src.lower()]
    for schema, marker in _MARKER.items():
        if marker in lower or (schema == "shared" and "nama" in found):
            for canon, options in SCHEMAS[schema].items():
                if canon in found:
                    continue
                hit = next((lower[o] for o in options if o in lower), None)
                if hit is not None:
                    found[canon] = hit
            break
    if "nama" not in found:
        raise InputError(
            fname,
            "cannot find the village name column (expected nama, WADMKD, NAME_4 or name); "
            "columns found: " + ", ".join(map(str, lower.values())) + ". Pass column_map.",
            "nama",
        )
    return found


def _is_valid(geoms: np.ndarray, parts: int = 2) -> np.ndarray:
    """``shapely.is_valid`` in two threads (GEOS releases the GIL; each geometry is checked by
    one thread only). The check is the costliest step of reading a clean national layer."""
    if len(geoms) < 10_000:
        return shapely.is_valid(geoms)
    bounds = np.linspace(0, len(geoms), parts + 1).astype(int)
    with ThreadPoolExecutor(max_workers=parts) as ex:
        out = ex.map(lambda a, b: shapely.is_valid(geoms[a:b]), bounds[:-1], bounds[1:])
        return np.concatenate(list(out))


def _polygonal(geoms: np.ndarray) -> np.ndarray:
    """Repair invalid geometries and keep only their polygonal parts (None when nothing is left)."""
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    present = ~shapely.is_missing(geoms)
    invalid = present & ~_is_valid(np.where(present, geoms, None))
    if invalid.any():
        out[invalid] = shapely.make_valid(geoms[invalid])
    types = shapely.get_type_id(out)
    for i in np.flatnonzero(~np.isin(types, [3, 6]) & present):  # few: repaired collections
        g = out[i]
        parts = [p for p in getattr(g, "geoms", [g]) if p.geom_type in ("Polygon", "MultiPolygon")]
        polys = []
        for p in parts:
            polys.extend(getattr(p, "geoms", [p]))
        out[i] = (
            None if not polys else (polys[0] if len(polys) == 1 else shapely.MultiPolygon(polys))
        )
    return out


def _swap_xy(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gdf.set_geometry(
        shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1]), crs=gdf.crs
    )


def _looks_swapped(bounds: np.ndarray) -> bool:
    minx, miny, maxx, maxy = bounds
    return minx >= -15 and maxx <= 10 and miny >= 90 and maxy <= 145


def read_boundaries(
    source: str | Path | bytes,
    name: str | None = None,
    column_map: dict[str, str] | None = None,
    quality: DataQuality | None = None,
) -> gpd.GeoDataFrame:
    """Read boundaries in any supported format into :data:`BOUNDARY_COLUMNS`, EPSG:4326.

    ``column_map`` maps source columns to canonical names (``{"DESA": "nama"}``) and wins over
    schema detection. Invalid polygons are repaired, empty ones dropped and reported, duplicate
    codes reported; codes are synthesised as ``X-<n>`` when the source has none.
    """
    quality = quality if quality is not None else DataQuality()
    if isinstance(source, bytes | bytearray):
        fname = name or "boundaries.geojson"
    else:
        fname = name or Path(source).name
    gdf = _load(source, fname)
    if gdf.geometry is None or len(gdf) == 0:
        raise InputError(fname, "no features in the boundary file")
    found = _pick(gdf, column_map, fname)
    n = len(gdf)
    feature = np.arange(1, n + 1)

    def col(canon: str) -> pd.Series:
        if canon not in found:
            return pd.Series([None] * n, dtype=object)
        s = gdf[found[canon]].reset_index(drop=True).astype("string").str.strip()
        return s.mask(s == "", pd.NA).astype(object).where(lambda v: v.notna(), None)

    out = pd.DataFrame({c: col(c) for c in BOUNDARY_COLUMNS[:-1]})
    # codes: dotted Kemendagri form when possible, else keep the source's, else synthesise
    raw_kode = out["kode"]
    kode = normalize_kodes(raw_kode) if raw_kode.notna().any() else raw_kode
    kode = kode.where(kode.notna(), raw_kode)
    synth = pd.Series([f"X-{i}" for i in feature], dtype=object)
    out["kode"] = kode.where(kode.notna(), synth)
    dotted = out["kode"].str.match(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$").fillna(False).astype(bool)
    if out["kode_kec"].isna().all():
        out["kode_kec"] = out["kode"].str[:8].where(dotted, None)
    if out["kode_kab"].isna().all():
        out["kode_kab"] = out["kode"].str[:5].where(dotted, None)
    if out["provinsi"].isna().all():  # the shared files and many layers carry codes only
        out["provinsi"] = province_of(out["kode"])
    # kelurahan/desa: the code's 5th digit decides (GADM writes "Village" for both); a type
    # column only where there is no code, and "village" then says nothing
    jenis = out["jenis"].astype(object)
    jl = jenis.astype("string").str.lower()
    jenis = jenis.mask(jl.str.contains("kelurahan", na=False), "Kelurahan")
    jenis = jenis.mask(jl.str.fullmatch(r"\s*desa\s*", na=False), "Desa")
    out["jenis"] = jenis.where(jenis.isin(["Kelurahan", "Desa"]), None)
    # parents (and the type) from the Kemendagri code list when the layer lacks them
    out, filled = fill_from_code(out, copy=False)
    out["jenis"] = out["jenis"].astype(object).where(pd.notna(out["jenis"]), None)
    appr = out["approximate"].astype("string").str.lower()
    out["approximate"] = appr.isin(["true", "1", "ya", "yes"]).to_numpy()

    geo = gpd.GeoDataFrame(out, geometry=gdf.geometry.reset_index(drop=True).values, crs=gdf.crs)
    # CRS: assume degrees when missing; swap lat/lon when the extent says so
    if geo.crs is None:
        b = geo.total_bounds
        degrees = b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90
        if not (degrees or _looks_swapped(b)):
            raise InputError(fname, "no CRS in the file and the coordinates are not degrees")
        quality.add(fname, None, "geometry", "no CRS in the file", None, "assumed EPSG:4326")
        geo = geo.set_crs(4326)
    elif not geo.crs.equals(CRS.from_epsg(4326)):
        geo = geo.to_crs(4326)
    if _looks_swapped(geo.total_bounds):
        quality.add(fname, None, "geometry", "coordinates are lat/lon swapped", None, "swapped")
        geo = _swap_xy(geo)

    geoms = _polygonal(geo.geometry.values)
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(np.where(missing, shapely.Polygon(), geoms))
    if empty.any():
        quality.add_many(
            fname,
            feature[empty],
            "geometry",
            "empty or non-polygon geometry",
            out["nama"][empty],
            "feature dropped",
        )
    geo = geo.set_geometry(gpd.GeoSeries(geoms, crs=4326).values)
    geo = geo[~empty].reset_index(drop=True)
    keep_feature = feature[~empty]
    dup = geo["kode"].duplicated(keep=False).to_numpy()
    if dup.any():
        quality.add_many(
            fname, keep_feature[dup], "kode", "duplicate kode", geo["kode"][dup], "kept both"
        )
    geo = geo[BOUNDARY_COLUMNS]
    geo.attrs["filled_from_code"] = filled  # cells taken from ibm_geo.gazetteer, per column
    return geo
