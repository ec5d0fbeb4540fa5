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

from ibm_geo.errors import UserError
from ibm_geo.gazetteer import fill_from_code
from ibm_geo.io import cache as _cache
from ibm_geo.io import limits as _limits
from ibm_geo.io.guard import check_special, guarded
from ibm_geo.io.sqldump import read_sql_dump
from ibm_geo.io.tables import KINDS, _aliases, header_key
from ibm_geo.names import normalize_kodes
from ibm_geo.quality import DataQuality, Msg
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
#: files that are tables, not boundaries (a client list given to --boundaries)
TABLE_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xls")

# Indonesia in the projections a layer without a CRS is most often in (x/y ranges, metres).
_WEB_MERCATOR = ((10.3e6, 15.9e6), (-1.35e6, 0.75e6))
_UTM_X = (100e3, 900e3)
_UTM_SOUTH_Y = (8.6e6, 10.0e6)
_UTM_NORTH_Y = (0.0, 0.8e6)
#: approximate central longitude per province code: the UTM zone of a layer without a CRS
_PROVINCE_LON = {
    "11": 96.8, "12": 99.0, "13": 100.5, "14": 101.8, "15": 103.0, "16": 104.2, "17": 102.5,
    "18": 105.0, "19": 106.5, "21": 104.5, "31": 106.8, "32": 107.6, "33": 110.2, "34": 110.4,
    "35": 112.6, "36": 106.1, "51": 115.2, "52": 117.2, "53": 121.5, "61": 110.5, "62": 113.5,
    "63": 115.4, "64": 116.5, "65": 116.6, "71": 124.6, "72": 121.3, "73": 119.9, "74": 122.3,
    "75": 122.6, "76": 119.2, "81": 129.5, "82": 127.8, "91": 134.0, "92": 132.5, "93": 137.5,
    "94": 138.5, "95": 139.5, "96": 132.3,
}  # fmt: skip


def _layer(path: str, fname: str, layer: str | None, quality: DataQuality) -> str | None:
    """The polygon layer to read from a multi-layer source (GeoPackage from BIG: lines and
    points next to the villages): the one asked for, the only polygon layer, or the only one
    whose columns match a known schema; otherwise ask with the layer names."""
    import pyogrio

    try:
        layers = [(str(n), str(t)) for n, t in pyogrio.list_layers(path)]
    except Exception:  # noqa: BLE001 - not a multi-layer source: the reader reports it
        return layer
    names = [n for n, _ in layers]
    if layer is not None:
        if layer not in names:
            raise UserError("boundaries.layer_unknown", file=fname, layer=layer, layers=names)
        return layer
    if len(layers) <= 1:
        return None
    polys = [n for n, t in layers if "polygon" in t.lower()]
    if not polys:
        raise UserError(
            "boundaries.no_polygons", file=fname, kinds=[f"{n} ({t})" for n, t in layers]
        )
    if len(polys) > 1:
        known = []
        for n in polys:
            cols = {str(c).lower() for c in pyogrio.read_info(path, layer=n)["fields"]}
            if any(m in cols for m in _MARKER.values()):
                known.append(n)
        if len(known) != 1:
            raise UserError("boundaries.layers_ask", file=fname, layers=polys)
        polys = known
    quality.add(
        fname,
        None,
        "geometry",
        Msg("layers", n=len(layers), names=", ".join(names)),
        None,
        Msg("read_layer", layer=polys[0]),
    )
    return polys[0]


def _load(
    source: str | Path | bytes,
    fname: str,
    layer: str | None = None,
    quality: DataQuality | None = None,
) -> gpd.GeoDataFrame:
    quality = quality if quality is not None else DataQuality()
    ext = Path(fname).suffix.lower()
    if isinstance(source, bytes | bytearray):
        _limits.check_size(len(source), fname)
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "upload" + (ext or ".geojson"))
            Path(path).write_bytes(bytes(source))
            return _load(path, fname, layer, quality)
    path = str(source)
    _limits.check_source_size(path, fname)
    with open(path, "rb") as fh:
        head = fh.read(4096)
    if head.startswith(b"PK\x03\x04"):
        _limits.check_zip(path, fname)  # zipped Shapefile: declared sizes before unpacking
        path = _zip_member(path, fname, ext)
    if _is_osm(head, fname):
        raise UserError("boundaries.osm_given", file=fname)
    if head.startswith(b"PAR1"):
        _limits.check_parquet(path, fname)
    if ext in (".kml", ".kmz", ".topojson"):
        _need_driver(fname, ext)
    if ext in TABLE_EXTENSIONS or _looks_like_table(head):
        cols = _first_line(head)
        if cols.isdigit():
            raise UserError("boundaries.is_table_no_header", file=fname, n=cols)
        raise UserError("boundaries.is_table", file=fname, columns=cols)
    try:
        if ext == ".sql":
            return read_sql_dump(path, name=fname)
        if ext in (".parquet", ".geoparquet") or head.startswith(b"PAR1"):
            return gpd.read_parquet(path)
        chosen = _layer(path, fname, layer, quality)
        return gpd.read_file(path, layer=chosen) if chosen else gpd.read_file(path)
    except UserError:
        raise
    except MemoryError:
        raise
    except Exception as exc:
        raise UserError("boundaries.unreadable", file=fname, detail=_detail(exc)) from exc


def _detail(exc: BaseException, limit: int = 200) -> str:
    """A reader's message in one line, cut at a word boundary (GDAL's object-size message for
    a large polygon is longer than a line), never mid-word."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    return text[: cut if cut > limit // 2 else limit - 1].rstrip(" ,;:") + "…"


def _zip_member(path: str, fname: str, ext: str) -> str:
    """The GDAL path of the Shapefile in a ZIP: the ZIP itself when the .shp sits at its root,
    else ``/vsizip/`` to the one in a folder (offices zip the folder, not its files); a .shp
    without its .shx is refused by name rather than with GDAL's message."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = [n for n in zf.namelist() if not n.startswith("__MACOSX/")]
    except (zipfile.BadZipFile, OSError):
        return path
    if ext == ".kmz":
        return path
    low = {n.lower(): n for n in names}
    shps = [n for n in names if n.lower().endswith(".shp")]
    for shp in shps:
        if shp[:-4].lower() + ".shx" not in low:
            raise UserError("boundaries.no_shx", file=fname, shp=shp)
    if shps and not any("/" not in n for n in shps):
        shps.sort(key=lambda n: (n.count("/"), n))
        return f"/vsizip/{path}/{shps[0]}"
    return path


def _is_osm(head: bytes, fname: str) -> bool:
    """An OpenStreetMap extract (roads) given as boundaries: PBF's OSMHeader block or OSM XML."""
    low = fname.lower()
    if low.endswith((".osm.pbf", ".osm", ".osm.bz2", ".osm.gz")):
        return True
    return b"OSMHeader" in head[:64] or b"<osm" in head[:300]


def _need_driver(fname: str, ext: str) -> None:
    import pyogrio

    fmt, drivers = {
        ".kml": ("KML", ("LIBKML", "KML")),
        ".kmz": ("KMZ", ("LIBKML",)),
        ".topojson": ("TopoJSON", ("TopoJSON",)),
    }[ext]
    have = pyogrio.list_drivers()
    if not any(d in have for d in drivers):
        raise UserError("boundaries.no_driver", file=fname, fmt=fmt, driver=drivers[0])


def _looks_like_table(head: bytes) -> bool:
    """Delimited text (a client list) rather than GeoJSON/GPKG/Shapefile/SQL."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if not text or text[:1] in (b"{", b"[") or b"\x00" in text[:200]:
        return False
    if text[:6].upper() in (b"INSERT", b"CREATE") or text[:2] == b"--":
        return False
    first = text.split(b"\n", 1)[0]
    return any(first.count(sep) >= 1 for sep in (b";", b",", b"\t"))


def _first_line(head: bytes) -> str:
    """The header of a table given as boundaries, to show which file it is; only when it reads
    as column names (a file without a header starts with a client's row: never echo that)."""
    line = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    sep = max((";", ",", "\t", "|"), key=line.count)
    cells = [c.strip().strip('"') for c in line.split(sep)]
    known = set().union(*(_aliases(k) for k in KINDS))
    if not any(header_key(c) in known for c in cells):
        return f"{len(cells)}"
    text = ", ".join(cells)
    return text if len(text) <= 150 else text[:147] + "..."


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
        raise UserError(
            "boundaries.no_name_column", file=fname, columns=", ".join(map(str, lower.values()))
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


def _polygonal(geoms: np.ndarray, report=None) -> np.ndarray:
    """Repair invalid geometries and keep only their polygonal parts (None when nothing is left).

    ``report(mask, problem, action)`` is told about every repaired feature and every feature
    that lost non-polygon parts, so a repair that moves a border is never silent."""
    geoms = np.asarray(geoms, dtype=object)
    out = geoms.copy()
    present = ~shapely.is_missing(geoms)
    invalid = present & ~_is_valid(np.where(present, geoms, None))
    if invalid.any():
        out[invalid] = shapely.make_valid(geoms[invalid])
        if report is not None:
            report(invalid, Msg("invalid_polygon"), Msg("repaired"))
    types = shapely.get_type_id(out)
    mixed = ~np.isin(types, [3, 6]) & present
    if report is not None:
        had_poly = np.array(
            [
                o is not None
                and (
                    o.geom_type in ("Polygon", "MultiPolygon")
                    or any(
                        p.geom_type in ("Polygon", "MultiPolygon") for p in getattr(o, "geoms", [])
                    )
                )
                for o in out[mixed]
            ],
            dtype=bool,
        )
        part = np.zeros(len(out), dtype=bool)
        part[np.flatnonzero(mixed)[had_poly]] = True
        report(part, Msg("non_polygon_parts"), Msg("parts_dropped"))
    for i in np.flatnonzero(mixed):  # few: repaired collections
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
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """:func:`_read_boundaries` in a child process under the parse limits
    (:mod:`ibm_geo.io.guard`): a GeoParquet that inflates to gigabytes stops there."""
    quality = quality if quality is not None else DataQuality()
    if isinstance(source, bytes | bytearray):
        fname = name or "boundaries.geojson"
    else:
        fname = name or Path(source).name
        check_special(source, fname, allow_dir=str(source).lower().rstrip("/").endswith(".gdb"))
    key = _cache.key_of(source, {"name": name, "column_map": column_map, "layer": layer})
    hit = _cache.get(key)
    if hit is not None:  # these very bytes were read and validated before
        geo, q = hit
        quality.extend(q)
        return geo
    packed, q = guarded(_read_boundaries_child, source, name, column_map, layer, fname=fname)
    geo = _unpack(packed)
    _cache.put(key, geo, q)
    quality.extend(q)
    return geo


def _read_boundaries_child(source, name, column_map, layer):
    q = DataQuality()
    return _pack(_read_boundaries(source, name, column_map, q, layer)), q


def _pack(geo: gpd.GeoDataFrame) -> tuple:
    """Geometries as one WKB array for the trip back from the child: 83k national polygons
    cross in 0.4 s this way, 1.1 s pickled one by one."""
    table = pd.DataFrame(geo.drop(columns=geo.geometry.name))
    return table, shapely.to_wkb(geo.geometry.values), geo.crs, dict(geo.attrs), list(geo.columns)


def _unpack(packed: tuple) -> gpd.GeoDataFrame:
    table, wkb, crs, attrs, columns = packed
    geo = gpd.GeoDataFrame(table, geometry=shapely.from_wkb(wkb), crs=crs)[columns]
    geo.attrs.update(attrs)
    return geo


def _read_boundaries(
    source: str | Path | bytes,
    name: str | None = None,
    column_map: dict[str, str] | None = None,
    quality: DataQuality | None = None,
    layer: str | None = None,
) -> gpd.GeoDataFrame:
    """Read boundaries in any supported format into :data:`BOUNDARY_COLUMNS`, EPSG:4326.

    ``column_map`` maps source columns to canonical names (``{"DESA": "nama"}``) and wins over
    schema detection. Invalid polygons are repaired, empty ones dropped, duplicate codes
    kept, each reported; codes are synthesised as ``X-<n>`` when the source has none. ``layer``
    picks the layer of a multi-layer GeoPackage (asked for when several could be villages).
    A file without a CRS in projected metres (UTM, Web Mercator) is recognised from its range.
    Unusable files raise :class:`~ibm_geo.errors.UserError` naming the file.
    """
    quality = quality if quality is not None else DataQuality()
    if isinstance(source, bytes | bytearray):
        fname = name or "boundaries.geojson"
    else:
        fname = name or Path(source).name
    gdf = _load(source, fname, layer, quality)
    _check_polygon_layer(gdf, fname)
    found = _pick(gdf, column_map, fname)
    n = len(gdf)
    feature = np.arange(1, n + 1)
    gdf = _drop_nonfinite(gdf, feature, fname, quality)
    out, filled, anonymous = _identity(gdf, found, feature, fname)
    geo = gpd.GeoDataFrame(out, geometry=gdf.geometry.reset_index(drop=True).values, crs=gdf.crs)
    geo = _to_wgs84(geo, out["kode"], fname, quality)

    def report(mask: np.ndarray, problem: Msg, action: Msg) -> None:
        if mask.any():
            quality.add_many(fname, feature[mask], "geometry", problem, out["nama"][mask], action)

    geoms = _polygonal(geo.geometry.values, report)
    missing = shapely.is_missing(geoms)
    empty = missing | shapely.is_empty(np.where(missing, shapely.Polygon(), geoms))
    if empty.any():
        quality.add_many(
            fname,
            feature[empty],
            "geometry",
            Msg("empty_geometry"),
            out["nama"][empty],
            Msg("feature_dropped"),
        )
    geo = geo.set_geometry(gpd.GeoSeries(geoms, crs=4326).values)
    if anonymous.any():
        quality.add_many(
            fname,
            feature[anonymous & ~empty],
            "nama",
            Msg("anonymous_feature"),
            None,
            Msg("anonymous_dropped"),
        )
        empty = empty | anonymous
    geo = geo[~empty].reset_index(drop=True)
    if len(geo) == 0:  # e.g. only empty polygons: nothing to plan on
        raise UserError("boundaries.no_polygons", file=fname, kinds="empty")
    keep_feature = feature[~empty]
    dup = geo["kode"].duplicated(keep=False).to_numpy()
    if dup.any():
        quality.add_many(
            fname,
            keep_feature[dup],
            "kode",
            Msg("duplicate_kode"),
            geo["kode"][dup],
            Msg("kept_both"),
        )
    geo = geo[BOUNDARY_COLUMNS]
    geo.attrs["filled_from_code"] = filled  # cells taken from ibm_geo.gazetteer, per column
    return geo


def _check_polygon_layer(gdf, fname: str) -> None:
    """A layer of polygons with a geometry column and features, within the vertex limit."""
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf._geometry_column_name not in gdf.columns:
        cols = ", ".join(str(c) for c in list(gdf.columns)[:15]) or "-"
        raise UserError("boundaries.is_table", file=fname, columns=cols)
    if len(gdf) == 0:
        raise UserError("boundaries.no_features", file=fname)
    present = ~shapely.is_missing(gdf.geometry.values)
    kinds = pd.Series(shapely.get_type_id(gdf.geometry.values))
    if not np.isin(kinds[present], [3, 6, 7]).any():
        names = {-1: "null", 0: "Point", 1: "LineString", 2: "LinearRing", 4: "MultiPoint"}
        names |= {5: "MultiLineString"}
        found_kinds = sorted({names.get(int(k), str(k)) for k in kinds})
        raise UserError("boundaries.no_polygons", file=fname, kinds=found_kinds)
    _limits.check_vertices(int(shapely.get_num_coordinates(gdf.geometry.values).sum()), fname)


def _drop_nonfinite(gdf: gpd.GeoDataFrame, feature: np.ndarray, fname: str, quality):
    """Features with a NaN/inf coordinate lose their geometry (a quality row each)."""
    n = len(gdf)
    coords, idx = shapely.get_coordinates(gdf.geometry.values, return_index=True)
    nonfinite = np.zeros(n, dtype=bool)
    nonfinite[idx[~np.isfinite(coords).all(axis=1)]] = True
    if nonfinite.any():  # NaN in a ring: GEOS, the CRS guess and the extent all choke on it
        quality.add_many(
            fname, feature[nonfinite], "geometry", Msg("not_finite"), None,
            Msg("feature_dropped"),
        )  # fmt: skip
        geoms = np.asarray(gdf.geometry.values, dtype=object).copy()
        geoms[nonfinite] = None
        gdf = gdf.set_geometry(gpd.GeoSeries(geoms, crs=gdf.crs, index=gdf.index))
    return gdf


def _identity(gdf, found: dict[str, str], feature: np.ndarray, fname: str):
    """The canonical identity columns: codes (dotted Kemendagri form when possible, else the
    source's, else ``X-<n>``), parents and type filled from the code list. Returns (table,
    cells filled per column, features with neither name nor code)."""
    n = len(gdf)

    def col(canon: str) -> pd.Series:
        if canon not in found:
            return pd.Series([None] * n, dtype=object)
        s = gdf[found[canon]].reset_index(drop=True).astype("string").str.strip()
        return s.mask(s == "", pd.NA).astype(object).where(lambda v: v.notna(), None)

    out = pd.DataFrame({c: col(c) for c in BOUNDARY_COLUMNS[:-1]})
    # codes: dotted Kemendagri form when possible, else keep the source's, else synthesise
    raw_kode = out["kode"]
    # a feature with neither a name nor a code cannot be named in any table or message: it is
    # a quality row, not a unit ranked as "X-16" with a blank name
    anonymous = (out["nama"].isna() & raw_kode.isna()).to_numpy()
    if anonymous.all():
        raise UserError("boundaries.no_names", file=fname)
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
    return out, filled, anonymous


def _to_wgs84(geo: gpd.GeoDataFrame, kode: pd.Series, fname: str, quality) -> gpd.GeoDataFrame:
    """EPSG:4326: a missing CRS guessed from the extent, swapped lat/lon put back, an extent
    outside Indonesia reported."""
    # CRS: assume degrees when missing; swap lat/lon when the extent says so
    b = geo.total_bounds
    if geo.crs is not None and geo.crs.is_geographic and not _degrees(b):
        # GeoJSON without a "crs" member is read as WGS 84 whatever its numbers are
        geo = geo.set_crs(None, allow_override=True)
    if geo.crs is None:
        crs = _guess_crs(geo.total_bounds, kode, fname)
        quality.add(fname, None, "geometry", Msg("no_crs"), None, Msg("assumed_crs", crs=str(crs)))
        geo = geo.set_crs(crs)
    if not geo.crs.equals(CRS.from_epsg(4326)):
        geo = geo.to_crs(4326)
    if _looks_swapped(geo.total_bounds):
        quality.add(fname, None, "geometry", Msg("boundaries_swapped"), None, Msg("swapped"))
        geo = _swap_xy(geo)
    b = geo.total_bounds
    if not (np.isfinite(b).all() and b[2] >= 90 and b[0] <= 145 and b[3] >= -15 and b[1] <= 10):
        quality.add(
            fname,
            None,
            "geometry",
            Msg("extent_outside", extent=_fmt_bounds(b)),
            None,
            Msg("check_crs"),
        )
    return geo


def _fmt_bounds(b) -> str:
    return ", ".join(f"{v:,.4g}" for v in b)


def _degrees(b) -> bool:
    return b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90


def _within(b, xr, yr) -> bool:
    return xr[0] <= b[0] and b[2] <= xr[1] and yr[0] <= b[1] and b[3] <= yr[1]


def _guess_crs(b: np.ndarray, kode: pd.Series, fname: str) -> str:
    """The CRS of a layer saved without one, from its coordinate range: degrees (EPSG:4326,
    possibly lat/lon swapped), Web Mercator, or a WGS 84 UTM zone chosen from the province of
    the village codes. Anything else is asked for rather than guessed."""
    if not np.isfinite(b).all():
        raise UserError("boundaries.no_polygons", file=fname, kinds="empty")
    if _degrees(b) or _looks_swapped(b):
        return "EPSG:4326"
    if _within(b, *_WEB_MERCATOR):
        return "EPSG:3857"
    south, north = _within(b, _UTM_X, _UTM_SOUTH_Y), _within(b, _UTM_X, _UTM_NORTH_Y)
    if south or north:
        prov = kode.astype("string").str.extract(r"^(\d{2})")[0].dropna()
        lons = [_PROVINCE_LON[p] for p in prov if p in _PROVINCE_LON]
        if lons:
            zone = int((float(np.median(lons)) + 180) // 6) + 1
            return f"EPSG:{(32700 if south else 32600) + zone}"
        raise UserError("boundaries.utm_zone_unknown", file=fname, bounds=_fmt_bounds(b))
    raise UserError("boundaries.unknown_crs", file=fname, bounds=_fmt_bounds(b))
