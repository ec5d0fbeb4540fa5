"""The in-app Leaflet map (folium, rendered by streamlit-folium).

Colours, classes and the legend come from :func:`ibm_geo.render.style.score_classes`, the same
function the HTML export and the print map use, so a village has the same colour everywhere; the
basemap is :func:`ibm_geo.render.basemap.build_basemap` (land, kab/kota and kecamatan outlines
with names, roads when an extract was loaded) drawn with the export's symbols, so the app works
offline like the HTML map; OpenStreetMap tiles are an option, off by default.
Client points appear only here (never in an export); every user-supplied string is escaped.
"""

from __future__ import annotations

import base64
import functools
import html

import folium
import jinja2
import numpy as np
import pandas as pd

from ibm_geo.config import Scenario
from ibm_geo.i18n import fmt_num, t
from ibm_geo.render.basemap import Basemap, build_basemap
from ibm_geo.render.geometry import focus_mask
from ibm_geo.render.html_map import ASSETS as RENDER_ASSETS
from ibm_geo.render.style import (
    NODATA_COLOR,
    OUTLINE_COLOR,
    SYMBOL_PX,
    SYMBOLS,
    score_classes,
    symbol_svg,
)
from ibm_geo_app.inputs import _norm

# ------------------------------------------------------------------------------------- the map
ASSETS = RENDER_ASSETS / "leaflet"


@functools.lru_cache(maxsize=1)
def leaflet_data_uris() -> tuple[str, str]:
    """Leaflet JS/CSS as data: URIs so the in-app map works offline (no CDN)."""
    js = base64.b64encode((ASSETS / "leaflet.js").read_bytes()).decode("ascii")
    layers = base64.b64encode((ASSETS / "images" / "layers.png").read_bytes()).decode("ascii")
    extra = (
        ".leaflet-control-layers-toggle{background-image:url(data:image/png;base64,"
        + layers
        + ");background-size:26px 26px}"
    )
    css_text = (ASSETS / "leaflet.css").read_bytes() + extra.encode("ascii")
    css = base64.b64encode(css_text).decode("ascii")
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def cluster_points(lon: np.ndarray, lat: np.ndarray, max_points: int = 300) -> pd.DataFrame:
    """Client points as grid clusters (lon, lat = mean of members, n) when there are many.

    Server-side clustering keeps the map light and offline (no MarkerCluster plugin from a CDN);
    the grid is refined until there are at most ``max_points`` clusters or each point stands alone.
    """
    ok = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = np.asarray(lon, float)[ok], np.asarray(lat, float)[ok]
    if len(lon) == 0:
        return pd.DataFrame({"lon": [], "lat": [], "n": []})
    if len(lon) <= max_points:
        return pd.DataFrame({"lon": lon, "lat": lat, "n": np.ones(len(lon), dtype=int)})
    span = max(np.ptp(lon), np.ptp(lat), 1e-4)
    cell = span / np.sqrt(max_points)
    gx = np.floor((lon - lon.min()) / cell).astype(np.int64)
    gy = np.floor((lat - lat.min()) / cell).astype(np.int64)
    df = pd.DataFrame({"g": gx * 1_000_003 + gy, "lon": lon, "lat": lat})
    agg = df.groupby("g", sort=True).agg(
        lon=("lon", "mean"), lat=("lat", "mean"), n=("lon", "size")
    )
    return agg.reset_index(drop=True)


def legend_html(
    kelurahan: pd.DataFrame,
    scenario: Scenario,
    lang: str = "id",
    *,
    sites: bool = False,
    roads: bool = False,
    tiles: bool = False,
    clients: bool = False,
) -> str:
    """The legend under the app map: the very classes, colours and ranges of the exports
    (:func:`ibm_geo.render.style.score_classes`) and a row for every other layer drawn, with
    the export's symbols; no user text inside."""
    _, _, legend = score_classes(kelurahan, scenario, lang)
    box = "display:inline-block;width:1.6em;height:0.9em;margin-left:0.6em;vertical-align:middle"
    cells = "".join(
        f'<span style="white-space:nowrap"><span style="background:{c};{box};'
        f'border:1px solid #999"></span> {html.escape(txt or t("legend.nodata", lang))}</span>'
        for c, txt in legend
    )

    def line(key: str, css: str, **fmt: object) -> str:
        return (
            f'<span style="white-space:nowrap"><span style="{box};height:0;{css}"></span> '
            f"{html.escape(t(key, lang, **fmt))}</span>"
        )

    def dot(sym: str, key: str) -> str:  # the map's own symbol (triangle, plus, square...)
        svg = symbol_svg(sym, 14).replace("display:block", "display:inline-block")
        return (
            f'<span style="white-space:nowrap;margin-left:0.6em">'
            f'<span style="vertical-align:middle">{svg}</span> '
            f"{html.escape(t(key, lang))}</span>"
        )

    radius = fmt_num(scenario.radius_m / 1000, lang, 1)
    rows = [
        f'<span style="white-space:nowrap"><span style="{box};background:'
        f'{SYMBOLS["land"]["color"]};border:1px solid {SYMBOLS["land"]["stroke"]}"></span> '
        f"{html.escape(t('legend.land', lang))}</span>",
        line("legend.kab", f"border-top:3px solid {SYMBOLS['kab_outline']['color']}"),
        line("legend.kec", f"border-top:2px dashed {SYMBOLS['kec_outline']['color']}"),
        dot("agent", "layer.agents"),
        line(
            "legend.radius",
            f"border-top:2px dashed {SYMBOLS['ring_agent']['color']}",
            radius=radius,
        ),
        dot("office", "legend.office"),
        dot("service_point", "legend.service"),
    ]
    if clients:  # the app-only client clusters (purple, size ~ count)
        rows += [
            '<span style="white-space:nowrap"><span style="' + box + ";width:0.8em;height:0.8em;"
            'border-radius:50%;background:#807dba;border:1px solid #3f007d"></span> '
            + html.escape(t("m.clients_layer", lang))
            + "</span>"
        ]
    if sites:
        rows += [
            dot("site", "layer.sites"),
            line("legend.site_ring", f"border-top:2px dashed {SYMBOLS['ring_site']['color']}",
                 radius=fmt_num(scenario.site_radius_m / 1000, lang, 1)),
        ]  # fmt: skip
    if roads:
        rows += [line("legend.road", f"border-top:2px solid {SYMBOLS['road']['color']}")]
    if tiles:
        rows += [html.escape(t("legend.tiles", lang))]
    return (
        f"<small>{html.escape(t('legend.score', lang))}:{cells}<br>"
        f"{html.escape(t('legend.symbols', lang))}:{''.join(rows)}</small>"
    )


#: basemaps built so far, by the drawn units (a few: one per area a session looks at)
_BASEMAPS: dict[str, Basemap] = {}


def app_basemap(kelurahan: pd.DataFrame, roads=None) -> Basemap:
    """The offline basemap of the drawn units, built once per set of units (a rerun that only
    moves the selection or a slider reuses it)."""
    kode = kelurahan["kode"].astype(str) if "kode" in kelurahan else pd.Series([], dtype=str)
    key = f"{len(kelurahan)}:{int(pd.util.hash_pandas_object(kode, index=False).sum())}"
    key += f":{0 if roads is None else len(roads)}"
    if key not in _BASEMAPS:
        while len(_BASEMAPS) >= 4:
            _BASEMAPS.pop(next(iter(_BASEMAPS)))
        _BASEMAPS[key] = build_basemap(kelurahan, roads)
    return _BASEMAPS[key]


#: labels of kecamatan appear from this zoom on (kab/kota names always), as in the HTML map
KEC_LABEL_ZOOM = 12


def _add_basemap(m: folium.Map, bm: Basemap, lang: str) -> None:
    """Land under the villages; roads, kecamatan and kab/kota outlines with their names above
    them, none of them clickable (a click still picks the village underneath)."""
    import geopandas as gpd

    sea = SYMBOLS["sea"]["color"]
    m.get_root().header.add_child(
        folium.Element(
            f"<style>.leaflet-container{{background:{sea}!important}}"
            ".ibm-kab-label{font:bold 13px sans-serif;color:#252525;white-space:nowrap;"
            "text-shadow:0 0 3px #fff,0 0 3px #fff}"
            ".ibm-kec-label{font:11px sans-serif;color:#525252;white-space:nowrap;"
            "text-shadow:0 0 3px #fff}"
            f".ibm-z-low .ibm-kec-label{{display:none}}</style>"
        )
    )
    if bm.land is not None and not bm.land.is_empty:
        folium.GeoJson(
            gpd.GeoSeries([bm.land], crs=4326).simplify(0.0002).to_json(),
            name=t("legend.land", lang),
            style_function=lambda f: {
                "fillColor": SYMBOLS["land"]["color"],
                "fillOpacity": 1.0,
                "color": SYMBOLS["land"]["stroke"],
                "weight": 1,
            },
            interactive=False,
            control=False,
        ).add_to(m)


def _add_outlines(m: folium.Map, bm: Basemap, lang: str) -> None:
    """Roads, kecamatan and kab/kota outlines and names, drawn over the score polygons."""
    if bm.roads is not None and len(bm.roads):
        folium.GeoJson(
            bm.roads[["geometry"]].to_json(),
            name=t("legend.road", lang),
            style_function=lambda f: {
                "color": SYMBOLS["road"]["color"],
                "weight": 1.2,
            },
            interactive=False,
        ).add_to(m)
    layers = (
        ("kec", bm.kec, "kecamatan", "legend.kec", "kec_outline", "ibm-kec-label"),
        ("kab", bm.kab, "kab_kota", "legend.kab", "kab_outline", "ibm-kab-label"),
    )
    for _, df, col, key, sym, css in layers:
        if df is None or not len(df):
            continue
        st = SYMBOLS[sym]
        fg = folium.FeatureGroup(name=t(key, lang))
        folium.GeoJson(
            df[["geometry"]].to_json(),
            style_function=lambda f, st=st: {
                "fill": False,
                "color": st["color"],
                "weight": st["weight"],
                "dashArray": st.get("dash"),
            },
            interactive=False,
        ).add_to(fg)
        for name, lat, lon in zip(df[col], df["lat"], df["lon"], strict=True):
            if name in (None, "?") or not (np.isfinite(lat) and np.isfinite(lon)):
                continue
            text = html.escape(str(name).upper() if col == "kab_kota" else str(name))
            folium.Marker(
                [lat, lon],
                icon=folium.DivIcon(
                    html=f'<div class="{css}" style="position:absolute;transform:translate(-50%,-50%)">'
                    f"{text}</div>",
                    icon_size=(0, 0),
                ),
                interactive=False,
            ).add_to(fg)
        fg.add_to(m)
    # kecamatan names only when zoomed in (the same rule as the HTML export's labels)
    _ZoomClass().add_to(m)


class _ZoomClass(folium.MacroElement):
    """Marks the map container ``ibm-z-low`` below :data:`KEC_LABEL_ZOOM` (CSS hides the
    kecamatan names then); rendered after the map it belongs to."""

    _template = jinja2.Template(
        "{% macro script(this, kwargs) %}"
        "(function(){var m={{ this._parent.get_name() }},c=m.getContainer();"
        "function z(){c.classList.toggle('ibm-z-low',m.getZoom()<"
        + str(KEC_LABEL_ZOOM)
        + ");}m.on('zoomend',z);m.whenReady(z);})();"
        "{% endmacro %}"
    )


#: polygons the in-app map draws at most; a national file shows its highest-ranked units and
#: asks for a province or kab/kota filter (the browser cannot hold 83k interactive polygons)
APP_MAP_MAX_UNITS = 6000


def _shown(v: object, lang: str, decimals: int = 0) -> str:
    """A tooltip figure: a number in the reader's format, a band (``<5``) as it is, NA as –."""
    if isinstance(v, str):
        return html.escape(v)
    if v is None or pd.isna(v):
        return "–"
    return fmt_num(round(float(v), decimals) if decimals else int(v), lang, decimals)


def map_units(kelurahan: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """The units the in-app map and its picker show: all of them, or the ``limit`` best-ranked
    (default :data:`APP_MAP_MAX_UNITS`)."""
    limit = APP_MAP_MAX_UNITS if limit is None else limit
    if len(kelurahan) <= limit:
        return kelurahan
    return kelurahan.nsmallest(limit, "rank") if "rank" in kelurahan else kelurahan.head(limit)


#: above this many agents they are drawn as one point layer without radius circles: a national
#: list (10,000 agents) as separate markers made a 24 MB page that took 15 s to render
MAX_AGENT_MARKERS = 500


def _agent_layer(m, agents: pd.DataFrame, units, lang: str) -> None:
    """All agents as one GeoJSON point layer (names escaped: folium does not escape tooltips)."""
    import geopandas as gpd

    a = agents[agents["located"].astype(bool)]
    lat, lon = _latlon(a, units)
    ok = np.isfinite(lat) & np.isfinite(lon)
    pts = gpd.GeoDataFrame(
        {
            "agen": [html.escape(_norm(nm) or "Agen") for nm in a["name"].to_numpy()[ok]],
            "aktif": a["aktif"].fillna(True).astype(bool).to_numpy()[ok],
        },
        geometry=gpd.points_from_xy(lon[ok], lat[ok]),
        crs=4326,
    )
    fg = folium.FeatureGroup(name=t("layer.agents", lang))
    for sym, part in (("agent", pts[pts["aktif"]]), ("agent_inactive", pts[~pts["aktif"]])):
        if len(part):  # one layer per symbol: a GeoJSON marker has one icon
            folium.GeoJson(
                part.to_json(),
                marker=folium.Marker(icon=symbol_icon(sym)),
                tooltip=folium.GeoJsonTooltip(fields=["agen"], labels=False),
            ).add_to(fg)
    fg.add_to(m)


def symbol_icon(sym: str) -> folium.DivIcon:
    """A map symbol as a Leaflet DivIcon holding its inline SVG (:func:`symbol_svg`): the print
    map's triangle, plus or square, centred on the point, with nothing fetched."""
    px = SYMBOL_PX.get(sym, 14)
    return folium.DivIcon(
        html=symbol_svg(sym, px), icon_size=(px, px), icon_anchor=(px // 2, px // 2),
        class_name="ibm-sym-icon",
    )  # fmt: skip


def _focus_bounds(k, scenario: Scenario | None, sites: pd.DataFrame | None) -> tuple:
    """Where the map opens: the area that matters (:func:`ibm_geo.render.geometry.focus_mask`:
    the chosen area, or the units with clients and the proposed sites), as the exports do."""
    if not len(k):
        return (115.0, -9.0, 116.0, -8.0)
    f = (scenario or Scenario()).filters
    must = np.zeros(len(k), dtype=bool)
    if sites is not None and len(sites) and "kode" in k:
        must = k["kode"].astype(str).isin(sites["kode"].astype(str)).to_numpy()
    mask = focus_mask(k, must, chosen=bool(f.provinsi or f.kab_kota or f.kecamatan))
    return tuple(k.geometry[mask].total_bounds)


def build_app_map(
    kelurahan,
    *,
    scenario: Scenario | None = None,
    clients: pd.DataFrame | None = None,
    agents: pd.DataFrame | None = None,
    service_points: pd.DataFrame | None = None,
    sites: pd.DataFrame | None = None,
    radius_m: float = 3000.0,
    lang: str = "id",
    selected: str | None = None,
    tiles: bool = False,
    units: pd.DataFrame | None = None,
    roads=None,
) -> folium.Map:
    """The in-app Leaflet map: offline basemap, score choropleth, clustered clients, agents with
    radius, offices and service points, sites.

    ``tiles``: OpenStreetMap tiles under the basemap (needs the internet; off by default).
    ``roads``: road lines of a loaded extract, drawn on the basemap.
    Client points appear only here (never in an export). Every user-supplied string is escaped.
    """
    k = kelurahan
    minx, miny, maxx, maxy = _focus_bounds(k, scenario, sites)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles=None,
        prefer_canvas=len(k) > 1500,  # SVG is clickable and testable; canvas for big areas
    )
    if tiles:
        folium.TileLayer(
            "OpenStreetMap", name=t("legend.tiles", lang), attr="(c) OpenStreetMap contributors"
        ).add_to(m)
    bm = app_basemap(k, roads) if len(k) else None
    if bm is not None:
        _add_basemap(m, bm, lang)
    js, css = leaflet_data_uris()
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    if len(k):
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    _score_layer(m, k, scenario or Scenario(), lang, selected)
    if bm is not None:
        _add_outlines(m, bm, lang)
    if clients is not None and len(clients):
        _client_layer(m, clients, lang)
    if agents is not None and len(agents) > MAX_AGENT_MARKERS:
        _agent_layer(m, agents, units, lang)
    elif agents is not None and len(agents):
        _agent_markers(m, agents, units, radius_m, lang)
    if service_points is not None and len(service_points):
        _service_point_layer(m, service_points, units, lang)
    if sites is not None and len(sites):
        _site_layer(m, k, sites, radius_m, lang)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def _score_layer(m, k, scenario: Scenario, lang: str, selected: str | None) -> None:
    """The score choropleth with its tooltip; the selected unit outlined in blue."""
    cls, colors, _ = score_classes(k, scenario or Scenario(), lang)
    fills = [colors[c] if c >= 0 else NODATA_COLOR for c in cls]
    props = pd.DataFrame(
        {
            "kode": k["kode"].astype(str).map(html.escape),
            "nama": k["nama"].astype(str).map(html.escape),
            "kec": k["kecamatan"].astype(str).map(html.escape),
            "kab": k["kab_kota"].astype(str).map(html.escape),
            # numbers as the reader writes them (61,1 and 1.300 in Indonesian)
            "score": [_shown(v, lang, 1) for v in k["score"]],
            "rank": [_shown(v, lang) for v in k["rank"]],
            "unserved": [_shown(v, lang) for v in k["unserved"]],
            "clients": [_shown(v, lang) for v in k["clients"]],
            "fill": fills,
        }
    )
    gj = props.assign(geometry=k.geometry.simplify(0.0002).to_numpy())
    import geopandas as gpd

    gdf = gpd.GeoDataFrame(gj, geometry="geometry", crs=k.crs)
    sel = html.escape(selected) if selected else None

    def style(feat):
        p = feat["properties"]
        hit = sel is not None and p["kode"] == sel
        return {
            "fillColor": p["fill"],
            "color": "#0000ff" if hit else OUTLINE_COLOR,
            "weight": 3 if hit else 0.6,
            "fillOpacity": 0.8,
        }

    score_layer = folium.GeoJson(
        gdf.to_json(),
        name=t("layer.score", lang),
        style_function=style,
        highlight_function=lambda f: {"weight": 2, "color": "#000000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["rank", "nama", "kec", "score", "unserved", "clients"],
            aliases=[
                t("field.rank", lang),
                t("field.nama", lang),
                t("field.kecamatan", lang),
                t("field.score", lang),
                t("field.unserved", lang),
                t("field.clients", lang),
            ],
        ),
    )
    score_layer.add_to(m)


def _client_layer(m, clients: pd.DataFrame, lang: str) -> None:
    """Client points, grid-clustered (app only: never in an export)."""
    fg = folium.FeatureGroup(name=t("m.clients_layer", lang), show=True)
    cl = cluster_points(
        clients["lon"].to_numpy(dtype=float, na_value=np.nan),
        clients["lat"].to_numpy(dtype=float, na_value=np.nan),
    )
    for lo, la, n in cl.itertuples(index=False):
        folium.CircleMarker(
            [la, lo],
            radius=2.5 if n == 1 else min(3 + 1.2 * np.sqrt(n), 12),
            color="#3f007d",
            weight=1,
            fill=True,
            fill_color="#807dba",
            fill_opacity=0.6,
            tooltip=f"{int(n)} {html.escape(t('field.clients', lang).lower())}",
        ).add_to(fg)
    fg.add_to(m)


def _agent_markers(m, agents: pd.DataFrame, units, radius_m: float, lang: str) -> None:
    """Each agent as a triangle, an active one with its reach as an outline."""
    fg = folium.FeatureGroup(name=t("layer.agents", lang))
    a = agents[agents["located"].astype(bool)]
    lat, lon = _latlon(a, units)
    ring = SYMBOLS["ring_agent"]
    for la, lo, nm, act in zip(lat, lon, a["name"], a["aktif"].fillna(True), strict=True):
        if not (np.isfinite(la) and np.isfinite(lo)):
            continue
        if bool(act):  # the reach of an active agent, an outline that does not tint classes
            folium.Circle(
                [la, lo], radius=radius_m, color=ring["color"], weight=ring["weight"],
                dash_array=ring["dash"], fill=False, interactive=False,
            ).add_to(fg)  # fmt: skip
        folium.Marker(
            [la, lo], icon=symbol_icon("agent" if bool(act) else "agent_inactive"),
            tooltip=html.escape(_norm(nm) or "Agen"),
        ).add_to(fg)  # fmt: skip
    fg.add_to(m)


def _service_point_layer(m, service_points: pd.DataFrame, units, lang: str) -> None:
    """Offices (plus) and other service points (square)."""
    fg = folium.FeatureGroup(name=t("layer.service_points", lang))
    s = service_points[service_points["located"].astype(bool)]
    lat, lon = _latlon(s, units)
    for la, lo, nm, jn in zip(lat, lon, s["name"], s["jenis"], strict=True):
        if not (np.isfinite(la) and np.isfinite(lo)):
            continue
        office = str(jn).lower() in ("bnnp", "bnnk")
        folium.Marker(
            [la, lo], icon=symbol_icon("office" if office else "service_point"),
            tooltip=html.escape(f"{_norm(nm)} ({_norm(jn)})"),
        ).add_to(fg)  # fmt: skip
    fg.add_to(m)


def _site_layer(m, k, sites: pd.DataFrame, radius_m: float, lang: str) -> None:
    """Proposed sites: their reach as a dashed outline and a ring at the unit."""
    fg = folium.FeatureGroup(name=t("layer.sites", lang))
    pos = k.set_index(k["kode"].astype(str))[["rep_lat", "rep_lon"]]
    for rec in sites.to_dict("records"):
        kode = str(rec.get("kode"))
        if kode not in pos.index:
            continue
        la, lo = pos.loc[kode]
        ring, sym = SYMBOLS["ring_site"], SYMBOLS["site"]
        folium.Circle(
            [la, lo], radius=radius_m, color=ring["color"], weight=ring["weight"],
            dash_array=ring["dash"], fill=False, interactive=False,
        ).add_to(fg)  # fmt: skip
        folium.CircleMarker(
            [la, lo], radius=8, color=sym["color"], weight=sym["weight"], fill=True,
            fill_color=sym["fill"], fill_opacity=1.0,
            tooltip=html.escape(f"{t('layer.sites', lang)}: {_norm(rec.get('nama'))}"),
        ).add_to(fg)  # fmt: skip
    fg.add_to(m)


def _latlon(df: pd.DataFrame, units: pd.DataFrame | None) -> tuple[np.ndarray, np.ndarray]:
    """Own coordinates when given, else the representative point of the matched kelurahan."""
    lat = df["lat"].to_numpy(dtype=float, na_value=np.nan).copy()
    lon = df["lon"].to_numpy(dtype=float, na_value=np.nan).copy()
    if units is not None and "unit" in df and len(df):
        u = df["unit"].to_numpy(dtype=np.int64)
        miss = ~np.isfinite(lat) & (u >= 0)
        lat[miss] = units["rep_lat"].to_numpy(dtype=float)[u[miss]]
        lon[miss] = units["rep_lon"].to_numpy(dtype=float)[u[miss]]
    return lat, lon


def clicked_kode(state: dict | None) -> str | None:
    """kode of the kelurahan clicked on the map (``st_folium`` last_active_drawing), escaped form."""
    if not state:
        return None
    feat = state.get("last_active_drawing") or {}
    kode = (feat.get("properties") or {}).get("kode")
    return html.unescape(kode) if kode else None
