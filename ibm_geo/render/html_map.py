"""Interactive, offline-capable Leaflet map of the per-kelurahan results (one HTML file).

Why not folium: folium pulls jQuery, Bootstrap and Font Awesome from CDNs and embeds every column
of a GeoDataFrame. This renderer writes one small template around the vendored Leaflet
(``ibm_geo/assets``), embeds only the published tier's properties (:class:`ibm_geo.publish.Published`)
and delta-encoded, coverage-simplified coordinates, and sets every user string with ``textContent``.
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import date
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ibm_geo.config import Scenario
from ibm_geo.crs import (
    inside,
    local_utm_crs,
    lonlat_transformer,
    metric_transformer,
    rep_lonlat,
)
from ibm_geo.distance import distance_method
from ibm_geo.i18n import t, text_column
from ibm_geo.publish import Published, band_label
from ibm_geo.render.basemap import MapContext, build_basemap
from ibm_geo.render.geometry import (
    auto_tolerance_m,
    client_weight,
    detail_label,
    focus_mask,
    overview_level,
    simplify_coverage,
    split_far,
)
from ibm_geo.render.monitoring import direction
from ibm_geo.render.style import (
    CHANGE_COLORS,
    CONTEXT_COLOR,
    NO_NEED_COLOR,
    SYMBOLS,
    score_classes,
    symbol_svg,
)
from ibm_geo.render.text import area_name, fmt_num, map_title, source_credit

#: vendored JS/CSS (package data; see ibm_geo/assets/README.md)
ASSETS = Path(__file__).resolve().parent.parent / "assets"
LEAFLET_VERSION = "1.9.4"
LEAFLET_CDN = f"https://unpkg.com/leaflet@{LEAFLET_VERSION}/dist"
OSM_TILES = {
    "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
    "attribution": "© OpenStreetMap contributors",
}

#: (column, i18n key) shown in each kelurahan's popup, in this order
POPUP_FIELDS = [
    ("nama", "field.nama"),
    ("kode", "field.kode"),
    ("kecamatan", "field.kecamatan"),
    ("kab_kota", "field.kab_kota"),
    ("score", "field.score"),
    ("rank", "field.rank"),
    ("priority_label", "field.priority_label"),
    ("clients", "field.clients"),
    ("served", "field.served"),
    ("in_reach", "field.in_reach"),
    ("referral_berat", "field.referral_berat"),
    ("unserved", "field.unserved"),
    ("unserved_share", "field.unserved_share"),
    ("agents_active", "field.agents_active"),
    ("service_points", "field.service_points"),
    ("dist_nearest_m", "field.dist_nearest_m"),
    ("reason", "field.reason"),
]


# -- assets -------------------------------------------------------------------------------------
def asset_text(name: str) -> str:
    """Text of a vendored asset under ``ibm_geo/assets`` (e.g. ``leaflet/leaflet.js``)."""
    return (ASSETS / name).read_text(encoding="utf-8")


def asset_bytes(name: str) -> bytes:
    return (ASSETS / name).read_bytes()


def leaflet_css_inline() -> str:
    """Leaflet CSS with its images turned into data: URIs (works offline)."""
    css = asset_text("leaflet/leaflet.css")

    def repl(m: re.Match) -> str:
        name = m.group(1)
        data = base64.b64encode(asset_bytes(f"leaflet/images/{name}")).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return re.sub(r"url\(images/([\w.-]+\.png)\)", repl, css)


_VENDORED = {
    "leaflet.js": lambda: asset_text("leaflet/leaflet.js"),
    "leaflet.css": leaflet_css_inline,
}
_SCRIPT_SRC = re.compile(
    r"<script\b[^>]*\bsrc=[\"'](https?:)?//[^\"']+[\"'][^>]*>\s*</script>", re.I
)
_LINK_HREF = re.compile(r"<link\b[^>]*\bhref=[\"'](https?:)?//[^\"']+[\"'][^>]*/?>", re.I)


def inline_external_assets(page: str) -> str:
    """Replace remote ``<script src>``/``<link href>`` of vendored libraries by inline content.

    For HTML produced elsewhere (e.g. folium): a remote reference with no vendored copy raises
    ``ValueError`` instead of silently producing a map that needs the network.
    """

    def url_of(tag: str, attr: str) -> str:
        m = re.search(attr + r"=[\"']([^\"']+)[\"']", tag, re.I)
        return m.group(1) if m else ""

    def script(m: re.Match) -> str:
        url = url_of(m.group(0), "src")
        base = url.rsplit("/", 1)[-1].split("?")[0]
        if base not in _VENDORED or not base.endswith(".js"):
            raise ValueError(f"no vendored copy of {url}")
        return "<script>" + _safe_script(_VENDORED[base]()) + "</script>"

    def link(m: re.Match) -> str:
        tag = m.group(0)
        if "stylesheet" not in tag.lower():
            return ""
        url = url_of(tag, "href")
        base = url.rsplit("/", 1)[-1].split("?")[0]
        if base not in _VENDORED or not base.endswith(".css"):
            raise ValueError(f"no vendored copy of {url}")
        return "<style>" + _VENDORED[base]() + "</style>"

    return _LINK_HREF.sub(link, _SCRIPT_SRC.sub(script, page))


def _safe_script(js: str) -> str:
    return re.sub(r"</(script)", r"<\\/\1", js, flags=re.I)


def _json_for_html(obj: object) -> str:
    """JSON safe inside <script type=application/json>: no '<', '>', '&' or line separators."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (
        s.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


# -- geometry encoding ----------------------------------------------------------------------------
def encode_ints(values: np.ndarray) -> str:
    """Google "encoded polyline" text of signed integers (ASCII 63..126: JSON/HTML-safe, no '<').

    Deltas of ~100 units take 2 characters and no separator, against ~4-5 for a decimal
    GeoJSON coordinate, so the map carries 1 m precision at a third of the size.
    """
    v = np.asarray(values, dtype=np.int64)
    if v.size == 0:
        return ""
    z = np.where(v < 0, ~(v << 1), v << 1).astype(np.uint64)
    chunks = np.zeros((len(z), 13), dtype=np.uint8)
    n = np.ones(len(z), dtype=np.int64)
    rest = z.copy()
    for j in range(13):
        chunks[:, j] = (rest & np.uint64(0x1F)).astype(np.uint8)
        rest = rest >> np.uint64(5)
        more = rest > 0
        n = np.where(more, j + 2, n)
        if not more.any():
            break
    width = int(n.max())
    chunks = chunks[:, :width]
    cols = np.arange(width)[None, :]
    valid = cols < n[:, None]
    cont = cols < (n[:, None] - 1)
    codes = chunks + np.where(cont, 0x20, 0).astype(np.uint8) + 63
    return codes[valid].tobytes().decode("ascii")


def encode_geometry(geom, scale: float) -> list:
    """[[ring, ...] per polygon]; ring = encoded-polyline text of [x0, y0, dx1, dy1, ...] where
    x/y are lon/lat * ``scale`` rounded to integers.

    The closing vertex and repeated vertices are dropped (Leaflet closes rings itself).
    """
    if geom is None or geom.is_empty:
        return []
    polys = [geom] if geom.geom_type == "Polygon" else list(getattr(geom, "geoms", []))
    out = []
    for p in polys:
        if p.geom_type != "Polygon" or p.is_empty:
            continue
        rings = []
        for ring in [p.exterior, *p.interiors]:
            q = np.round(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            if len(q) > 1 and (q[0] == q[-1]).all():
                q = q[:-1]
            keep = np.ones(len(q), dtype=bool)
            keep[1:] = (np.diff(q, axis=0) != 0).any(axis=1)
            q = q[keep]
            if len(q) < 3:
                continue
            d = q.copy()
            d[1:] = np.diff(q, axis=0)
            rings.append(encode_ints(d.ravel()))
        if rings:
            out.append(rings)
    return out


def encode_lines(geom, scale: float) -> list[str]:
    """Encoded-polyline text per part of a (Multi)LineString (same format as polygon rings)."""
    if geom is None or geom.is_empty:
        return []
    parts = [geom] if geom.geom_type == "LineString" else list(getattr(geom, "geoms", []))
    out = []
    for ln in parts:
        if ln.geom_type != "LineString" or len(ln.coords) < 2:
            continue
        q = np.round(np.asarray(ln.coords)[:, :2] * scale).astype(np.int64)
        d = q.copy()
        d[1:] = np.diff(q, axis=0)
        out.append(encode_ints(d.ravel()))
    return out


def _basemap_data(kel4326: gpd.GeoDataFrame, roads, scale: float, tol_m: float) -> dict:
    """Land, kab/kota and kecamatan outlines with label points, and roads: encoded for the page."""
    bm = build_basemap(kel4326, roads)

    def simple(gs):
        return simplify_coverage(gpd.GeoSeries(gs, crs=4326), tol_m, decimals=5)

    land = simple([bm.land]).iloc[0] if not bm.land.is_empty else None
    out: dict = {
        "land": encode_geometry(land, scale) if land is not None else [],
        "kab": [],
        "kec": [],
    }
    for key, df, col in (("kab", bm.kab, "kab_kota"), ("kec", bm.kec, "kecamatan")):
        if df is None or not len(df):
            continue
        geoms = simple(df.geometry.to_numpy())
        for (_, r), g in zip(df.iterrows(), geoms.to_numpy(), strict=True):
            out[key].append(
                {
                    "name": str(r[col]),
                    "lat": round(float(r["lat"]), 5),
                    "lon": round(float(r["lon"]), 5),
                    "geom": encode_geometry(g, scale),
                }
            )
    out["roads"] = []
    if bm.roads is not None:
        for g in bm.roads.geometry.simplify(tol_m / 111_000).to_numpy():
            out["roads"] += encode_lines(g, scale)
    return out


#: context land is drawn this far (share of the mapped area's extent) around it
CONTEXT_MARGIN = 0.5


def _context_land(ctx: MapContext, kel4326: gpd.GeoDataFrame, scale: float, tol_m: float):
    """Loaded units beyond the mapped table (a chosen kab/kota's neighbours) near it, as one
    encoded land shape: the page shows them as context, not as sea."""
    cu = ctx.context_units
    if cu is None or not len(cu) or cu.crs is None or "kode" not in cu or not len(kel4326):
        return []
    x0, y0, x1, y1 = kel4326.total_bounds
    mx, my = (x1 - x0) * CONTEXT_MARGIN, (y1 - y0) * CONTEXT_MARGIN
    cu = cu.to_crs(4326).cx[x0 - mx : x1 + mx, y0 - my : y1 + my]
    cu = cu[~cu["kode"].astype(str).isin(set(kel4326["kode"].astype(str)))]
    if not len(cu) or len(cu) > 5000:
        return []
    import shapely

    grid = tol_m / 4 / 111_000
    land = shapely.union_all(shapely.make_valid(cu.geometry.to_numpy()), grid_size=grid)
    land = land.simplify(tol_m / 111_000)
    return (
        encode_geometry(land, scale)
        if land.geom_type != "GeometryCollection"
        else [ring for g in land.geoms for ring in encode_geometry(g, scale)]
    )


def decode_ints(text: str) -> np.ndarray:
    """Inverse of :func:`encode_ints` (used by tests)."""
    out, shift, acc = [], 0, 0
    for ch in text.encode("ascii"):
        b = ch - 63
        acc |= (b & 0x1F) << shift
        shift += 5
        if b < 0x20:
            out.append(~(acc >> 1) if acc & 1 else acc >> 1)
            shift, acc = 0, 0
    return np.asarray(out, dtype=np.int64)


def _jsonable(v: object) -> object:
    if v is None or v is pd.NA:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        if np.isnan(v):
            return None
        return int(v) if v.is_integer() and abs(v) < 1e15 else round(v, 2)
    return v


def _rep_points(kel: pd.DataFrame) -> np.ndarray:
    lon, lat = rep_lonlat(kel)
    return np.column_stack([lon, lat])


# -- layers -------------------------------------------------------------------------------------
def _drawn_units(published: Published, overview: str | None, lang: str):
    """(drawn units in EPSG:4326, the overview level or None)."""
    kelurahan = published.geo
    kel = kelurahan if kelurahan.crs is not None else kelurahan.set_crs(4326)
    kel = kel.to_crs(4326)
    level = overview_level(kel, overview)
    if level is not None:
        kel = published.overview(level, lang).to_crs(4326)
    return kel.reset_index(drop=True), level


def _units_layer(kel: gpd.GeoDataFrame, scenario: Scenario, lang: str, tol: float, scale: float):
    """The choropleth's data: popup fields and values, encoded polygons, anchors, classes,
    unserved counts; and the score legend rows."""
    decimals = int(round(np.log10(scale)))
    geoms = simplify_coverage(kel.geometry, tol, decimals=decimals)
    pub = pd.DataFrame(kel.drop(columns=kel.geometry.name)).reset_index(drop=True)
    # rank and score are popup rows of their own: the reason starts at its main factor
    pub["reason"] = pub.get(text_column("reason", lang)).map(_reason_body)
    if "unserved_share" in pub:
        pub["unserved_share"] = pub["unserved_share"].map(
            lambda v: None if pd.isna(v) else f"{round(float(v) * 100):d}%"
        )
    fields = [(c, t(key, lang)) for c, key in POPUP_FIELDS if c in pub]
    props = [
        [_jsonable(v) for v in row] for row in pub[[c for c, _ in fields]].itertuples(index=False)
    ]
    cls, colors, legend = score_classes(kel, scenario, lang)
    un_lab = pub["unserved"].tolist() if "unserved" in pub else [None] * len(pub)
    units = {
        "fields": fields,
        "name_idx": [c for c, _ in fields].index("nama") if "nama" in pub else 0,
        "props": props,
        "geom": [encode_geometry(g, scale) for g in geoms.to_numpy()],
        "rep": np.round(_rep_points(kel), 5).tolist(),
        "cls": [int(c) for c in cls],
        "unserved_n": [int(v) if isinstance(v, int | np.integer) else None for v in un_lab],
        "unserved_lab": [_jsonable(v) for v in un_lab],
    }
    legend = [[c, txt or t("legend.nodata", lang)] for c, txt in legend]
    return units, colors, legend


def _agents_layer(kel, rep: np.ndarray, published: Published, level, scale: float) -> list:
    """One symbol per kelurahan with active agents and its count (never an agent's home);
    with road travel, the outline each reaches along the roads."""
    if "agents_active" not in kel:
        return []
    n_act = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).astype(int)
    agents = [
        {"lat": rep[i, 1], "lon": rep[i, 0], "n": int(n_act.iloc[i]),
         "nama": str(kel["nama"].iloc[i])}
        for i in np.flatnonzero(n_act.to_numpy() > 0)
    ]  # fmt: skip
    distance = published.distance
    if agents and getattr(distance, "kind", None) == "road" and level is None:
        areas = _service_areas(agents, distance, published.scenario, scale)
        for a, area in zip(agents, areas, strict=True):
            a["area"] = area
    return agents


def _sites_layer(published: Published, name_at: dict, rep: np.ndarray, lang: str) -> list:
    """Proposed sites with their popup rows and, in a phased rollout, their budget year."""
    phase_of = {}
    if published.phases is not None:  # the layer by year: each site's budget year
        tahap = published.phases.tahap
        phase_of = dict(zip(tahap["kode"].astype(str), tahap["tahun"], strict=True))
    cols = ("kecamatan", "agents_to_recruit", "newly_reached", "mean_distance_m",
            "contribution_rank")  # fmt: skip
    out = []
    for _, s in published.sites.iterrows():
        i = name_at.get(str(s.get("kode")))
        if i is None:
            continue
        rows = [[t(f"field.{c}", lang), _jsonable(s[c])] for c in cols if c in s.index]
        year = phase_of.get(str(s.get("kode")))
        if year is not None:
            rows.insert(0, [t("field.phase_year", lang), int(year)])
        # one layer per budget year (issue 22): the map shows the rollout year by year
        out.append({"lat": rep[i, 1], "lon": rep[i, 0], "nama": str(s.get("nama", "")),
                    "rows": rows, "year": None if year is None else int(year), "i": int(i)})  # fmt: skip
    return out


def _pilots_layer(published: Published, name_at: dict, rep: np.ndarray, lang: str) -> list:
    """Pilot villages with their popup rows (score, unserved, comparison, reason)."""
    out = []
    for _, s in published.pilots.iterrows():
        i = name_at.get(str(s.get("kode")))
        if i is None:
            continue
        reason = s.get(text_column("reason", lang))
        rows = [
            [t("field.score", lang), _jsonable(s.get("score"))],
            [t("field.unserved", lang), _jsonable(s.get("unserved"))],
        ]
        if s.get("comparison_nama") is not None and not pd.isna(s.get("comparison_nama")):
            rows.append([t("field.comparison", lang), str(s["comparison_nama"])])
        if reason is not None and not pd.isna(reason):
            rows.append([t("field.reason", lang), str(reason)])
        out.append({"lat": rep[i, 1], "lon": rep[i, 0], "nama": str(s.get("nama", "")),
                    "rows": rows, "i": int(i)})  # fmt: skip
    return out


def _service_points_layer(ctx: MapContext) -> list:
    """Offices and other service points (public places, whitelisted by publish)."""
    sp = ctx.service_points
    sp = sp if sp is not None else pd.DataFrame(columns=["lat", "lon", "name", "jenis"])
    return [
        {"lat": float(r.lat), "lon": float(r.lon), "name": str(r.name), "jenis": str(r.jenis),
         "office": str(r.jenis).lower() in ("bnnp", "bnnk")}
        for r in sp.itertuples(index=False)
    ]  # fmt: skip


def _top_layer(kel: gpd.GeoDataFrame, top_n: int) -> list[int]:
    """Indices of the top N units with unmet need, best rank first: numbered on the map."""
    if "rank" not in kel:
        return []
    score = pd.to_numeric(kel.get("score", 0), errors="coerce").fillna(0)
    rank = pd.to_numeric(kel["rank"], errors="coerce")
    ok = rank.notna() & (score > 0)
    return [int(i) for i in rank[ok].sort_values(kind="stable").index[: min(top_n, 20)]]


#: the browser map's height/width the frame is judged at (a laptop page beside the legend)
PAGE_RATIO = 0.7
#: detail groups are looked for up to this many drawn units
DETAIL_MAX_UNITS = 5000


def _latlng(bounds) -> list:
    x0, y0, x1, y1 = bounds
    return [[round(y0, 5), round(x0, 5)], [round(y1, 5), round(x1, 5)]]


def _focus_bounds(kel, published: Published, top: list[int], sites, pilots, lang: str = "id"):
    """(``[[south, west], [north, east]]`` of the area that matters, the far-off groups): the
    page opens on the main frame (:func:`focus_mask`, then :func:`split_far` as the print map
    does), the rest of the layer around it; each far-off group of top ranks, sites or pilots
    is a button that flies there (its bounds, names, where it lies and its ranks)."""
    if not len(kel):
        return None, []
    f = published.scenario.filters
    must = np.zeros(len(kel), dtype=bool)
    must[[*top, *(s["i"] for s in sites), *(p["i"] for p in pilots)]] = True
    mask = focus_mask(kel, must, chosen=bool(f.provinsi or f.kab_kota or f.kecamatan))
    details = []
    if len(kel) <= DETAIL_MAX_UNITS:
        geoms = kel.geometry.to_crs(local_utm_crs(kel)).to_numpy()
        framing = split_far(geoms, client_weight(kel), mask, must, PAGE_RATIO)
        mask = framing.main
        c = shapely.centroid(shapely.box(*shapely.total_bounds(geoms[mask])))
        rank = pd.to_numeric(kel["rank"], errors="coerce") if "rank" in kel else None
        for g in framing.details:
            p = inside(geoms[g])
            to = (float(shapely.get_x(p).mean()), float(shapely.get_y(p).mean()))
            title, where = detail_label(kel, g, (c.x, c.y), to, lang)
            ranks = [int(rank.iloc[i]) for i in g if i in top] if rank is not None else []
            details.append({"bounds": _latlng(kel.geometry.iloc[g].total_bounds),
                            "title": title, "where": where, "ranks": sorted(ranks)})  # fmt: skip
    return _latlng(kel.geometry[mask].total_bounds), details


# -- main entry -----------------------------------------------------------------------------------
def build_html_map(
    published: Published,
    *,
    agents_by_kel: bool = True,
    title: str | None = None,
    subtitle: str | None = None,
    lang: str = "id",
    self_contained: bool = True,
    tiles: bool = False,
    overview: str | None = None,
    simplify_m: float | None = None,
    change: pd.DataFrame | None = None,
) -> bytes:
    """One HTML file (UTF-8 bytes) with the score map and its layers; see module doc.

    Everything drawn comes from ``published`` (:func:`ibm_geo.publish.publish`): the published
    table, sites, pilots, the map context (whitelisted service points, sources, roads) and the
    distance backend; with road travel each agent kelurahan's reach ring becomes the outline of
    the area its symbol's point reaches along the roads within the scenario's threshold
    (:func:`_service_areas`).

    ``change``: the per-unit change since the last rakor (``Monitoring.change_units``:
    published labels only) drawn as a layer that is off until chosen, coloured by direction
    (:data:`~ibm_geo.render.style.CHANGE_COLORS`).

    ``overview``: None (auto: dissolve when > 5,000 units), "kecamatan" or "kab_kota".
    ``simplify_m``: coverage-simplification tolerance in metres (default tied to the extent).
    ``agents_by_kel``: show existing agents as one symbol per kelurahan with its count and a
    ``scenario.radius_m`` circle outline (the only mode: agent homes are never drawn; False hides
    them). ``tiles``: add the online OpenStreetMap tile layer under the basemap (off by default).
    """
    scenario = published.scenario
    ctx = published.context or MapContext()
    kel, level = _drawn_units(published, overview, lang)
    tol = (
        simplify_m if simplify_m is not None else auto_tolerance_m(kel, overview=level is not None)
    )
    scale = 10.0 ** (5 if tol <= 60 else 4)
    units, colors, legend = _units_layer(kel, scenario, lang, tol, scale)
    rep = np.asarray(units["rep"], dtype=float).reshape(-1, 2)
    name_at = {str(kd): i for i, kd in enumerate(kel["kode"].astype(str))} if "kode" in kel else {}
    agents = _agents_layer(kel, rep, published, level, scale) if agents_by_kel else []
    sites = _sites_layer(published, name_at, rep, lang)
    pilots = _pilots_layer(published, name_at, rep, lang)
    top = _top_layer(kel, int(scenario.top_n))
    # the basemap from the drawn layer: a national overview is already dissolved (cheap to outline)
    base_kel = published.geo if level is None else kel
    base_kel = base_kel.to_crs(4326) if base_kel.crs is not None else base_kel.set_crs(4326)
    title = title or map_title(published.geo, lang)
    subtitle = subtitle if subtitle is not None else _subtitle(published, lang)
    meta = _meta(published, lang, title, subtitle, scale, tiles, level)
    basemap = _basemap_data(base_kel, ctx.roads, scale, max(tol, 20.0))
    basemap["context"] = _context_land(ctx, base_kel, scale, max(tol, 20.0))
    focus, details = _focus_bounds(kel, published, top, sites, pilots, lang)
    meta.update({"colors": colors, "legend": legend, "top": top, "focus": focus,
                 "detail": details})  # fmt: skip
    data = {
        "change": _change_layer(kel, change, lang) if level is None else None,
        "meta": meta,
        "basemap": basemap,
        "text": _texts(published, lang, tiles, len(top)),
        "units": units,
        "agents": agents,
        "sites": sites,
        "pilots": pilots,
        "service_points": _service_points_layer(ctx),
    }
    return _page(title, data, self_contained).encode("utf-8")


def _subtitle(published: Published, lang: str) -> str:
    ctx = published.context or MapContext()
    when = ctx.data_date and t("note.data_date", lang, date=ctx.data_date) or date.today()
    return (
        f"{area_name(published.geo, lang, long=True)} · {t('note.scenario', lang)}: "
        f"{published.scenario.name} · {when}"
    )


def _meta(published: Published, lang, title, subtitle, scale, tiles, level) -> dict:
    """What the page's script needs besides the layers: scale, radii, symbols as SVG."""
    sc = published.scenario
    return {
        "lang": lang,
        "title": title,
        "subtitle": subtitle,
        "scale": scale,
        "radius_m": float(sc.radius_m),
        "label_zoom": 12 if level is None else 9,
        "overview": level,
        "tiles": OSM_TILES if tiles else None,
        "k": published.k,
        "top_n": int(sc.top_n),
        "site_radius_m": sc.site_radius_m,
        # the village model reaches the site's own village: no radius ring
        "site_ring": getattr(published.plan, "reach", "") != "desa",
        "symbols": SYMBOLS,
        # the print map's shapes as inline SVG (no icon files): agents per kelurahan with
        # their count ({n}), offices, service points, and the same at legend size
        "svg": {
            "agent_n": symbol_svg("agent", 24, count="{n}"),
            "office": symbol_svg("office"),
            "service_point": symbol_svg("service_point"),
            "legend": {s: symbol_svg(s, 14) for s in ("agent", "office", "service_point")},
        },
        "no_need": NO_NEED_COLOR,
        "context_color": CONTEXT_COLOR,
    }


def _texts(published: Published, lang: str, tiles: bool, n_top: int) -> dict:
    """Every text of the page in ``lang`` (set with textContent by the script)."""
    sc, ctx, k = published.scenario, published.context or MapContext(), published.k
    radius_km = fmt_num(sc.radius_m / 1000, lang, 1)
    site_km = fmt_num(sc.site_radius_m / 1000, lang, 1)
    credit = source_credit(
        ctx.sources, demo=ctx.demo, roads=ctx.roads is not None, tiles=tiles, lang=lang
    )
    keys = {
        "score": "field.score", "unserved": "field.unserved", "reason": "field.reason",
        "site": "layer.sites", "layer_score": "layer.score", "layer_unserved": "layer.unserved",
        "layer_agents": "layer.agents", "layer_sites": "layer.sites",
        "layer_pilots": "layer.pilots", "layer_sp": "layer.service_points",
        "legend_score": "legend.score", "legend_unserved": "legend.unserved",
        "circle_note": "legend.circle_note", "nodata": "legend.nodata",
        "legend_layers": "legend.symbols", "agents_kel": "legend.agents_kel",
        "office": "legend.office", "service": "legend.service", "kab": "legend.kab",
        "kec": "legend.kec", "road": "legend.road", "land": "legend.land",
        "tiles": "legend.tiles", "layer_change": "layer.change", "legend_change": "layer.change",
        "context": "legend.context", "detail_note": "detail.note", "detail_back": "detail.back",
    }  # fmt: skip
    text = {name: t(key, lang) for name, key in keys.items()}
    text.update({
        "agents": t("field.agents_active", lang).lower(),
        "legend_radius": t("legend.radius", lang, radius=radius_km),
        "legend_area": t("legend.service_area", lang, limit=_reach_limit(sc, lang)),
        "hidden": t("legend.hidden", lang, band=band_label(k), k=k),
        "suppression": published.rule_in(lang, curve=False),
        # Leaflet's attribution control inserts this as HTML and file names are user-supplied
        "source": html.escape(credit) + _roads_source(sc, lang),
        "top": t("legend.top", lang, n=n_top),
        "site_ring": t("legend.site_ring", lang, radius=site_km),
    })  # fmt: skip
    return text


_REASON_HEAD = re.compile(r"^\S+ [\d.,]+ \((?:skor|score) [\d.,]+; ([^)]*)\)\.")


def _reason_body(text: object) -> object:
    """The reason without its "Peringkat 3 (skor 61,1; ...)" opening (the popup shows both)."""
    if not isinstance(text, str):
        return text
    body = _REASON_HEAD.sub(r"\1.", text)
    return body[:1].upper() + body[1:]


def _change_layer(kel: pd.DataFrame, change: pd.DataFrame | None, lang: str) -> dict | None:
    """Per drawn unit: its direction (index into the legend) and tooltip text, from published
    labels only; units the change table does not hold are left out (-1)."""
    if change is None or not len(change) or "kode" not in kel:
        return None

    keys = list(CHANGE_COLORS)
    ch = change.drop_duplicates("kode").set_index("kode")
    dirs, tips = [], []
    for kode in kel["kode"].astype(str):
        if kode not in ch.index:
            dirs.append(-1)
            tips.append("")
            continue
        r = ch.loc[kode]
        d = direction(r["change"])
        dirs.append(keys.index(d))
        tips.append(
            t(
                "change.tip",
                lang,
                before=_label_text(r["unserved_before"]),
                now=_label_text(r["unserved_now"]),
                change=_label_text(r["change"], signed=True),
            )
        )
    legend = [[CHANGE_COLORS[d], t(f"change.{d}", lang)] for d in keys]
    return {"dir": dirs, "tip": tips, "legend": legend}


def _label_text(v: object, signed: bool = False) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    if isinstance(v, int | np.integer) and signed:
        return f"{int(v):+d}"
    return str(v)


def _page(title: str, data: dict, self_contained: bool) -> str:
    # the far-off groups' buttons only on a page that has some (every page carries the rest)
    far_css, far_js = "", ""
    if data["meta"].get("detail"):
        far_css = asset_text("ibm_map_detail.css")
        far_js = "<script>" + _safe_script(asset_text("ibm_map_detail.js")) + "</script>\n"
    if self_contained:
        head = (
            "<style>" + leaflet_css_inline() + "</style>\n"
            "<script>" + _safe_script(asset_text("leaflet/leaflet.js")) + "</script>"
        )
    else:
        head = (
            f'<link rel="stylesheet" href="{LEAFLET_CDN}/leaflet.css">\n'
            f'<script src="{LEAFLET_CDN}/leaflet.js"></script>'
        )
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n{head}\n"
        "<style>" + asset_text("ibm_map.css") + far_css + "</style>\n"
        '</head><body><div id="ibm-map"></div>\n'
        '<script type="application/json" id="ibm-data">'
        + _json_for_html(data)
        + "</script>\n"
        + far_js
        + "<script>"
        + _safe_script(asset_text("ibm_map.js"))
        + "</script>\n"
        "</body></html>\n"
    )


def html_size_report(page: bytes) -> dict[str, int]:
    """Bytes by part (for the benchmark): total, data JSON, library code."""
    text = page.decode("utf-8")
    m = re.search(r'id="ibm-data">(.*?)</script>', text, re.S)
    data = len(m.group(1).encode("utf-8")) if m else 0
    return {"total": len(page), "data": data, "other": len(page) - data}


__all__ = [
    "build_html_map",
    "decode_ints",
    "encode_geometry",
    "encode_ints",
    "inline_external_assets",
    "leaflet_css_inline",
]


def _service_areas(agents: list[dict], distance, scenario: Scenario, scale: float) -> list:
    """Encoded outlines (rings as line strings) of the area each agent symbol's point reaches
    along the roads; the points are kelurahan representative points, never an agent's home."""
    import shapely

    to_m, to_deg = metric_transformer(distance.crs), lonlat_transformer(distance.crs)
    xy = np.column_stack(to_m.transform([a["lon"] for a in agents], [a["lat"] for a in agents]))
    out = []
    for area in distance.service_areas(xy, float(scenario.radius_m)):
        if area is None:
            out.append(None)
            continue
        outline = shapely.transform(
            shapely.simplify(area.boundary, 20.0),
            lambda c: np.column_stack(to_deg.transform(c[:, 0], c[:, 1])),
        )
        out.append(encode_lines(outline, scale))
    return out


def _reach_limit(scenario: Scenario, lang: str) -> str:
    """The threshold as the legend states it: "15 menit" or "3 km"."""
    r = scenario.roads
    if r.distance == "road" and r.threshold == "time":
        return f"{fmt_num(r.max_minutes, lang, 0)} {'menit' if lang == 'id' else 'min'}"
    return f"{fmt_num(scenario.radius_m / 1000, lang, 1)} km"


def _roads_source(scenario: Scenario, lang: str) -> str:
    """Road travel named in the map's source line, with the ODbL credit (issue 12).

    Escaped here: Leaflet's attribution control inserts this line as HTML, and the extract's
    file name is user-supplied."""
    import html

    if scenario.roads.distance != "road":
        return ""
    text = f"{'Jarak' if lang == 'id' else 'Distance'}: {distance_method(scenario, lang)}"
    return " · " + html.escape(text)
