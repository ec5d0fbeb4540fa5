"""Geometry preparation shared by the renderers: coverage simplification, overview dissolve, classes.

Why here: every map must simplify neighbours' shared edges the same way (no slivers between
kelurahan), and national maps must dissolve to kecamatan/kab_kota instead of drawing 83k polygons.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ibm_geo.crs import inside, local_utm_crs, point_inside
from ibm_geo.i18n import fmt_num, t
from ibm_geo.schema import OPEN_COUNTS, SUPPRESSED_COUNTS

OVERVIEW_THRESHOLD = 5000


def auto_tolerance_m(gdf: gpd.GeoDataFrame, overview: bool = False) -> float:
    """Simplification tolerance tied to the extent (about the size of a pixel at full view).

    A province (~150-900 km across) gets 30-50 m; a city ~10 m; dissolved overviews use
    extent/2000 (national: ~2.5 km, sub-pixel at the full view), up to 5 km.
    """
    if len(gdf) == 0:
        return 10.0
    b = gdf.to_crs(local_utm_crs(gdf)).total_bounds
    diag = float(np.hypot(b[2] - b[0], b[3] - b[1]))
    if overview:
        return float(np.clip(diag / 2000.0, 10.0, 5000.0))
    return float(np.clip(diag / 4000.0, 10.0, 50.0))


def simplify_coverage(
    geoms: gpd.GeoSeries, tolerance_m: float, decimals: int | None = 5
) -> gpd.GeoSeries:
    """Topology-preserving simplification of a polygon coverage, in a local metric CRS.

    Uses :func:`shapely.coverage_simplify` so an edge shared by two kelurahan is simplified once
    and stays shared (no gaps, no overlaps), then rounds coordinates to ``decimals`` (identical
    vertices round identically, so shared edges stay shared). Returns EPSG:4326.
    """
    g = gpd.GeoSeries(geoms).set_crs(geoms.crs or "EPSG:4326", allow_override=True)
    if len(g) == 0:
        return g.to_crs(4326)
    crs = local_utm_crs(g)
    m = g.to_crs(crs)
    arr = (
        shapely.make_valid(m.to_numpy())
        if not shapely.is_valid(m.to_numpy()).all()
        else m.to_numpy()
    )
    arr = _polygonal(arr)
    simp = shapely.coverage_simplify(arr, tolerance_m) if tolerance_m > 0 else arr
    out = gpd.GeoSeries(simp, index=g.index, crs=crs).to_crs(4326)
    if decimals is not None:
        out = gpd.GeoSeries(
            shapely.transform(out.to_numpy(), lambda c: np.round(c, decimals)),
            index=g.index,
            crs="EPSG:4326",
        )
    bad = ~shapely.is_valid(out.to_numpy())
    if bad.any():
        arr = out.to_numpy().copy()
        arr[bad] = [_repair(geom) for geom in arr[bad]]
        out = gpd.GeoSeries(arr, index=g.index, crs="EPSG:4326")
    return out


def _repair(geom):
    """Fix the rare part that collapsed during simplification/rounding (only that unit moves)."""
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    parts = [p for p in parts if len(p.exterior.coords) >= 4 and p.area > 0]
    if not parts:
        return shapely.Polygon()
    cand = shapely.MultiPolygon(parts) if len(parts) > 1 else parts[0]
    try:
        fixed = shapely.make_valid(cand)
    except shapely.errors.GEOSException:
        fixed = cand.buffer(0)
    return _polygonal(np.array([fixed], dtype=object))[0]


def _polygonal(arr: np.ndarray) -> np.ndarray:
    """Keep only polygon parts (make_valid can return collections with lines)."""
    out = arr.copy()
    for i, geom in enumerate(arr):
        if geom is None or geom.geom_type in ("Polygon", "MultiPolygon"):
            continue
        parts = [
            p for p in getattr(geom, "geoms", [geom]) if p.geom_type in ("Polygon", "MultiPolygon")
        ]
        out[i] = shapely.union_all(parts) if parts else shapely.Polygon()
    return out


def overview_level(kelurahan: pd.DataFrame, overview: str | None) -> str | None:
    """Which level to draw: None (units), 'kecamatan' or 'kab_kota'."""
    if overview in ("kecamatan", "kab_kota"):
        return overview
    if overview not in (None, "auto"):
        raise ValueError(f"overview must be None, 'kecamatan' or 'kab_kota', not {overview!r}")
    if len(kelurahan) <= OVERVIEW_THRESHOLD:
        return None
    n_kec = kelurahan.groupby(["kab_kota", "kecamatan"], dropna=False).ngroups
    return "kecamatan" if n_kec <= OVERVIEW_THRESHOLD else "kab_kota"


def dissolve_overview(
    kelurahan: gpd.GeoDataFrame,
    level: str,
    lang: str = "id",
    totals: pd.DataFrame | None = None,
) -> gpd.GeoDataFrame:
    """Dissolve units to kecamatan or kab_kota.

    ``totals`` (the published tier's level table, :attr:`ibm_geo.publish.Published.levels`)
    gives each area's client counts as published: an area's total is a cell of its own, not
    the sum of its units' published values. Without it (the working tier's own map) counts
    are summed. Open counts are summed; the score of a parent is the mean of its units'
    scores; rank is recomputed on it.
    """
    keys = ["kab_kota", "kecamatan"] if level == "kecamatan" else ["kab_kota"]
    df = kelurahan.copy()
    for key in keys:
        df[key] = df[key].astype(object).where(df[key].notna(), "?")
    client = [c for c in SUPPRESSED_COUNTS if c in df]
    counts = [c for c in OPEN_COUNTS if c in df] + ([] if totals is not None else client)
    agg: dict[str, tuple[str, str]] = {c: (c, "sum") for c in counts}
    for c in counts:
        df[c] = pd.to_numeric(df[c], errors="coerce")
    if "score" in df:
        df["score"] = pd.to_numeric(df["score"], errors="coerce")
        agg["score"] = ("score", "mean")
    agg["units"] = (keys[0], "size")
    if "dist_nearest_m" in df:
        agg["dist_nearest_m"] = ("dist_nearest_m", "median")
    table = df.groupby(keys, sort=True).agg(**agg).reset_index()
    if totals is not None:
        tot = totals.copy()
        for key in keys:
            tot[key] = tot[key].astype(object).where(tot[key].astype(str) != "", "?")
        tot = tot.drop_duplicates(keys)  # same-named areas of two provinces: first one
        table = table.merge(tot[keys + [c for c in client if c in tot]], on=keys, how="left")
    # snap to a grid a quarter of the drawing tolerance: unions of a layer that is not a clean
    # coverage stay robust (snap-rounding) and fast; the renderer simplifies afterwards
    grid = auto_tolerance_m(df, overview=True) / 4 / 111_000  # metres -> degrees
    geom = _dissolve_geoms(df.to_crs(4326), keys, grid)
    table = table.merge(geom, on=keys, how="left")
    out = gpd.GeoDataFrame(table, geometry="geometry", crs=4326)
    if kelurahan.crs is not None and not out.crs.equals(kelurahan.crs):
        out = out.to_crs(kelurahan.crs)
    out["nama"] = out[keys[-1]].astype(str)
    out["kode"] = out[keys].astype(str).agg(" / ".join, axis=1)
    out["jenis"] = level
    if level == "kab_kota":
        out["kecamatan"] = None
    out["rep_lon"], out["rep_lat"] = point_inside(out.geometry)
    if "score" in out:
        order = out.sort_values(["score", "kode"], ascending=[False, True]).index
        out.loc[order, "rank"] = np.arange(1, len(out) + 1)
        out["rank"] = out["rank"].astype(int)
    scores = out["score"] if "score" in out else pd.Series(np.nan, index=out.index)
    txt = [
        t("area.units", lang, n=fmt_num(int(n), lang))
        + ("" if pd.isna(s) else "; " + t("area.mean_score", lang, score=fmt_num(s, lang, 1)))
        for n, s in zip(out["units"], scores, strict=True)
    ]
    out["reason_id"] = txt
    out["reason_en"] = txt
    return out


def _union(arr: np.ndarray, grid: float):
    """Union of one group on a ``grid`` (degrees), without the sliver holes that gaps between
    neighbouring units leave inside it (holes smaller than 3 x 3 grid cells; an enclave such as
    a kota inside its kabupaten is far larger and stays)."""
    geom = shapely.union_all(shapely.make_valid(arr), grid_size=grid)
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
    if not parts:
        return shapely.Polygon()
    min_area = (3 * grid) ** 2
    kept = [
        shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= min_area])
        for p in parts
    ]
    return kept[0] if len(kept) == 1 else shapely.MultiPolygon(kept)


def _dissolve_geoms(df: gpd.GeoDataFrame, keys: list[str], grid: float) -> pd.DataFrame:
    """One unioned geometry per group of ``keys`` (rows: the keys and ``geometry``).

    Groups are unioned on two threads (GEOS releases the GIL; each group's geometries belong to
    one thread): the national layer dissolves to 514 kab/kota in about 15 s, where simplifying
    the 83k units first and a coverage union took about 100 s.
    """
    codes = df.groupby(keys, sort=True).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(codes[order]) != 0]) if len(order) else order
    arr = df.geometry.to_numpy()
    groups = np.split(order, starts[1:]) if len(order) else []
    out = df.iloc[order[starts]][keys].reset_index(drop=True)
    with ThreadPoolExecutor(max_workers=2) as ex:
        out["geometry"] = list(ex.map(lambda idx: _union(arr[idx], grid), groups))
    return out


# -- framing --------------------------------------------------------------------------------------
#: an outlying group of units is left to the locator when it is this far from the rest (share of
#: the span along one axis) and holds less than OUTLIER_SHARE of the clients
OUTLIER_GAP = 0.25
OUTLIER_SHARE = 0.1


def client_weight(kel: pd.DataFrame) -> np.ndarray:
    """Published clients per unit as a weight: a band (``<5``) counts 1, unknown 0."""
    if "clients" not in kel:
        return np.zeros(len(kel))
    num = pd.to_numeric(kel["clients"], errors="coerce")
    band = kel["clients"].map(lambda v: isinstance(v, str) and v.strip() != "")
    return num.fillna(band.astype(float)).clip(lower=0).to_numpy(dtype=float)


def _trim_axis(coord: np.ndarray, w: np.ndarray, keep: np.ndarray, must: np.ndarray) -> None:
    """Drop (in ``keep``) the side beyond the widest gap along one axis when it is far, light
    and holds no unit that must be shown (a few islands off a coastal city)."""
    for _ in range(3):
        idx = np.flatnonzero(keep)
        if len(idx) < 3:
            return
        order = idx[np.argsort(coord[idx], kind="stable")]
        c = coord[order]
        span = c[-1] - c[0]
        if span <= 0:
            return
        j = int(np.argmax(np.diff(c)))
        if c[j + 1] - c[j] < OUTLIER_GAP * span:
            return
        low, high = order[: j + 1], order[j + 1 :]
        side = low if w[low].sum() <= w[high].sum() else high
        if w[side].sum() >= OUTLIER_SHARE * w[idx].sum() or must[side].any():
            return
        keep[side] = False


def focus_mask(
    kel: pd.DataFrame, must: np.ndarray | None = None, chosen: bool = False
) -> np.ndarray:
    """Units that frame the map. A chosen area (a kab/kota or province filter: the table holds
    only it) is framed whole; otherwise the units with clients, less far outlying groups that
    hold few clients (:data:`OUTLIER_GAP`, :data:`OUTLIER_SHARE`), plus every unit in ``must``
    (top priorities, sites, pilots). The rest of the layer is drawn as context beyond the frame.
    """
    n = len(kel)
    must = np.zeros(n, dtype=bool) if must is None else np.asarray(must, dtype=bool)
    w = client_weight(kel)
    if chosen or n == 0 or not (w > 0).any():
        return np.ones(n, dtype=bool)
    keep = w > 0
    if {"rep_lon", "rep_lat"} <= set(kel.columns):
        x, y = kel["rep_lon"].to_numpy(float), kel["rep_lat"].to_numpy(float)
    else:
        x, y = point_inside(gpd.GeoSeries(kel.geometry, crs=getattr(kel, "crs", None)))
    for coord in (x, y):
        _trim_axis(coord, w, keep, must)
    return keep | must


def fit_box(
    bounds: tuple[float, float, float, float], ratio: float, pad: float = 0.05
) -> tuple[float, float, float, float]:
    """``bounds`` padded by ``pad`` of the longer side and widened on its short side to the
    frame's height/width ``ratio`` (the map fills its frame, centred on the area)."""
    x0, y0, x1, y1 = bounds
    p = max(x1 - x0, y1 - y0, 1e-9) * pad
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    hw, hh = (x1 - x0) / 2 + p, (y1 - y0) / 2 + p
    if hh / hw > ratio:
        hw = hh / ratio
    else:
        hh = hw * ratio
    return cx - hw, cy - hh, cx + hw, cy + hh


# -- far-off units in a detail box ----------------------------------------------------------------
#: a frame whose land share falls below this when it must reach far-off units is split: the main
#: frame keeps the main cluster, the far-off units that must be shown go into a detail box
MIN_LAND_SHARE = 0.4
#: units closer than this share of the framed extent's diagonal (at least CLUSTER_MIN_GAP_M
#: metres) belong to one cluster (a city and the islet off its harbour)
CLUSTER_GAP = 0.08
CLUSTER_MIN_GAP_M = 1500.0
#: a cluster joins the main frame when the frame keeps this share of its land share (or
#: MIN_LAND_SHARE): the islet off the harbour joins, the islands 40 km out do not
KEEP_SHARE = 0.75
#: ... and a light cluster without units that must be shown, this share (else left out)
LIGHT_KEEP_SHARE = 0.9
#: at most this many detail boxes; beyond it the frame reaches every unit as before
MAX_DETAILS = 2


def land_share(geoms: np.ndarray, tree: shapely.STRtree, box: tuple) -> float:
    """Share of ``box`` (x0, y0, x1, y1) covered by ``geoms`` (a coverage: units do not
    overlap, so their clipped areas add up), in the geometries' own (metric) units."""
    frame = shapely.box(*box)
    hit = tree.query(frame, predicate="intersects")
    if not len(hit) or frame.area <= 0:
        return 0.0
    return float(shapely.area(shapely.intersection(geoms[hit], frame)).sum() / frame.area)


def _clusters(geoms: np.ndarray, idx: np.ndarray) -> list[np.ndarray]:
    """The units ``idx`` grouped by proximity: two units closer than the gap (a share of the
    group's diagonal) share a cluster."""
    b = shapely.total_bounds(geoms[idx])
    gap = max(CLUSTER_GAP * float(np.hypot(b[2] - b[0], b[3] - b[1])), CLUSTER_MIN_GAP_M)
    grown = shapely.buffer(geoms[idx], gap / 2, quad_segs=2)
    parts = shapely.get_parts(shapely.union_all(grown))
    which = shapely.STRtree(parts).query(inside(geoms[idx]), predicate="within")
    label = np.full(len(idx), -1)
    label[which[0]] = which[1]
    return [idx[label == k] for k in range(len(parts)) if (label == k).any()]


@dataclass(frozen=True)
class Framing:
    """Where each unit that must be shown goes: ``main`` (bool per unit) frames the map;
    each of ``details`` (unit indices) is a far-off group drawn in a detail box of its own."""

    main: np.ndarray
    details: list[np.ndarray] = field(default_factory=list)


def split_far(
    geoms: np.ndarray, weight: np.ndarray, mask: np.ndarray, must: np.ndarray, ratio: float
) -> Framing:
    """The cartographer's frame: when framing every unit of ``mask`` (at the frame's
    height/width ``ratio``) would leave it mostly sea (land share below
    :data:`MIN_LAND_SHARE`), the main frame covers the main cluster (the most clients) and the
    clusters that keep most of its land share (:data:`KEEP_SHARE`); a far-off cluster holding units of ``must`` (top ranks,
    sites, pilots) becomes a detail box of those units; a far, light cluster without them is
    left out (named beside the map); a heavy one is kept in the frame. ``geoms``: the units in
    a metric CRS (all of the layer: the land measured)."""
    idx = np.flatnonzero(mask)
    whole = Framing(np.asarray(mask, dtype=bool))
    if len(idx) < 2:
        return whole
    tree = shapely.STRtree(geoms)

    def share(units: np.ndarray) -> float:
        return land_share(geoms, tree, fit_box(tuple(shapely.total_bounds(geoms[units])), ratio))

    if share(idx) >= MIN_LAND_SHARE:
        return whole
    groups = _clusters(geoms, idx)
    if len(groups) < 2:
        return whole
    groups.sort(key=lambda g: (-weight[g].sum(), -shapely.area(geoms[g]).sum()))
    main = groups[0]
    base = share(main)
    centre = shapely.centroid(shapely.union_all(geoms[main]))
    details: list[np.ndarray] = []
    for g in sorted(groups[1:], key=lambda g: shapely.distance(centre, geoms[g]).min()):
        joined = np.concatenate([main, g])
        far_must = g[must[g]]
        light = weight[g].sum() < OUTLIER_SHARE * weight[idx].sum()
        # a light cluster with nothing that must be shown joins only if it costs almost no land
        keep = KEEP_SHARE if len(far_must) or not light else LIGHT_KEEP_SHARE
        if share(joined) >= min(MIN_LAND_SHARE, keep * base):
            main = joined
        elif len(far_must) and len(details) < MAX_DETAILS:
            details.append(far_must)
        elif len(far_must) or not light:
            main = joined  # no box left for it, or too many clients to leave out: framed
    if not details:  # nothing far-off must be shown: the frame reaches every unit as before
        return whole
    return Framing(_mask_of(main, len(mask)), details)


def _mask_of(idx: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[idx] = True
    return out


#: the eight compass directions, clockwise from east (angle 0), as the map's note says them
COMPASS = {
    "id": ("timur", "timur laut", "utara", "barat laut", "barat", "barat daya", "selatan",
           "tenggara"),
    "en": ("east", "north-east", "north", "north-west", "west", "south-west", "south",
           "south-east"),
}  # fmt: skip


def where_from(frm: tuple[float, float], to: tuple[float, float], lang: str) -> str:
    """ "±30 km barat laut": the distance (metres in, whole km out; to 5 km beyond 20 km) and
    the compass direction from ``frm`` to ``to`` (metric x, y)."""
    dx, dy = to[0] - frm[0], to[1] - frm[1]
    km = float(np.hypot(dx, dy)) / 1000
    km_txt = fmt_num(round(km / 5) * 5 if km > 20 else max(round(km), 1), lang)
    octant = int(np.round(np.degrees(np.arctan2(dy, dx)) / 45)) % 8
    words = COMPASS.get(lang, COMPASS["en"])
    return f"±{km_txt} km {words[octant]}"


def detail_label(
    kel: pd.DataFrame, g: np.ndarray, frm: tuple[float, float], to: tuple[float, float], lang: str
) -> tuple[str, str]:
    """A detail box's two lines: the far-off units' names (up to three, else how many) and
    where they are: their kecamatan (when they share one) and :func:`where_from` the main
    frame's centre ``frm`` to the units' ``to`` (metric x, y)."""
    names = kel["nama"].astype(str).iloc[g].tolist() if "nama" in kel else []
    title = ", ".join(names) if 0 < len(names) <= 3 else t("area.units", lang, n=len(g))
    where = where_from(frm, to, lang)
    kec = kel["kecamatan"].iloc[g].dropna().astype(str).unique() if "kecamatan" in kel else []
    if len(kec) == 1 and kec[0] not in ("", "?"):
        where = f"{kec[0]}, {where}"
    return title, where
