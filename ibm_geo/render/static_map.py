"""Print/slide map (PNG or PDF) with legend, north arrow, scale bar, title block and source note.

matplotlib only, no basemap: planners paste it into rakor slides and print it, often offline.
Drawn in a local UTM CRS so the scale bar is true in metres.
"""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from ibm_geo.config import Scenario  # noqa: E402
from ibm_geo.i18n import t  # noqa: E402
from ibm_geo.privacy import public_pilots, public_sites, suppression_rule  # noqa: E402
from ibm_geo.render.geometry import (  # noqa: E402
    auto_tolerance_m,
    dissolve_overview,
    metric_crs,
    overview_level,
    simplify_coverage,
)
from ibm_geo.render.style import NODATA_COLOR, SYMBOLS, score_classes  # noqa: E402

#: figure sizes in inches: 16:9 slide and A4 landscape
SIZES = {"slide": (13.333, 7.5), "a4": (11.69, 8.27)}


def plain_text(s: object) -> str:
    """Text safe for matplotlib: '$' would start mathtext, so it is escaped."""
    return "" if s is None or (isinstance(s, float) and np.isnan(s)) else str(s).replace("$", r"\$")


def _nice_length(width_m: float) -> float:
    target = width_m / 5
    exp = 10 ** np.floor(np.log10(target))
    for m in (5, 2, 1):
        if m * exp <= target:
            return float(m * exp)
    return float(exp)


def _scale_bar(ax, lang: str) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length(x1 - x0)
    h = (y1 - y0) * 0.008
    bx, by = x0 + (x1 - x0) * 0.03, y0 + (y1 - y0) * 0.04
    for i in range(2):
        ax.add_patch(
            Rectangle(
                (bx + i * length / 2, by),
                length / 2,
                h,
                facecolor="black" if i == 0 else "white",
                edgecolor="black",
                lw=0.8,
                zorder=10,
            )
        )
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    ax.text(bx, by + 2.2 * h, "0", fontsize=8, ha="center", zorder=10)
    ax.text(bx + length, by + 2.2 * h, label, fontsize=8, ha="center", zorder=10)


def _north_arrow(ax, lang: str) -> None:
    ax.annotate(
        t("north", lang),
        xy=(0.965, 0.95),
        xytext=(0.965, 0.86),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=13,
        fontweight="bold",
        arrowprops={"facecolor": "black", "width": 4, "headwidth": 12, "headlength": 10},
        zorder=10,
    )


def render_static_map(
    kelurahan: gpd.GeoDataFrame,
    *,
    scenario: Scenario,
    sites: pd.DataFrame | None = None,
    pilots: pd.DataFrame | None = None,
    size: str = "slide",
    fmt: str = "png",
    lang: str = "id",
    title: str | None = None,
    subtitle: str | None = None,
    dpi: int = 150,
    overview: str | None = None,
    basemap: bool = False,
    roads: gpd.GeoDataFrame | None = None,
) -> bytes:
    """PNG or PDF bytes of the score map (16:9 ``"slide"`` or A4 landscape ``"a4"``).

    ``roads``: OSM road lines (:meth:`ibm_geo.roads.RoadNetwork.lines`) drawn over the
    polygons, credited "(c) OpenStreetMap contributors" in the note.

    ``basemap=True`` adds contextily tiles when that package is installed and online (optional;
    silently skipped otherwise).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {list(SIZES)}")
    if fmt not in ("png", "pdf"):
        raise ValueError("fmt must be 'png' or 'pdf'")
    kel = kelurahan.to_crs(4326) if kelurahan.crs is not None else kelurahan.set_crs(4326)
    level = overview_level(kel, overview)
    if level is not None:
        kel = dissolve_overview(kel, level, lang)
    kel = kel.reset_index(drop=True)
    tol = auto_tolerance_m(kel, overview=level is not None)
    geoms = simplify_coverage(kel.geometry, tol, decimals=None)
    crs = metric_crs(kel)
    plot = gpd.GeoDataFrame(
        {"i": np.arange(len(kel))}, geometry=geoms.to_crs(crs).to_numpy(), crs=crs
    )

    cls, colors, legend = score_classes(kel, scenario, lang)
    face = [colors[c] if c >= 0 else NODATA_COLOR for c in cls]

    fig = plt.figure(figsize=SIZES[size], dpi=dpi)
    ax = fig.add_axes((0.02, 0.09, 0.72, 0.78))
    plot.plot(ax=ax, color=face, edgecolor="#666666", linewidth=0.2 if len(plot) > 300 else 0.5)
    ax.set_axis_off()
    ax.set_aspect("equal")
    x0, y0, x1, y1 = plot.total_bounds if len(plot) else (0, 0, 1, 1)
    pad = max(x1 - x0, y1 - y0) * 0.03
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    if basemap:
        _try_basemap(ax, crs)
    if roads is not None and len(roads):
        st = SYMBOLS["road"]
        roads.to_crs(crs).plot(ax=ax, color=st["color"], linewidth=st["weight"], zorder=2)

    rep = kel.set_geometry(
        gpd.points_from_xy(kel["rep_lon"], kel["rep_lat"])
        if {"rep_lon", "rep_lat"} <= set(kel.columns)
        else kel.geometry.representative_point(),
        crs=4326,
    ).to_crs(crs)
    at = {str(kd): i for i, kd in enumerate(kel["kode"].astype(str))} if "kode" in kel else {}
    handles = [
        Patch(facecolor=c, edgecolor="#666666", label=plain_text(txt or t("legend.nodata", lang)))
        for c, txt in legend
    ]

    k = scenario.suppression_k
    sp = public_sites(sites, k)
    pts = [at[str(x)] for x in sp.get("kode", []) if str(x) in at]
    if pts:
        g = rep.geometry.iloc[pts]
        h = ax.scatter(
            g.x,
            g.y,
            s=90,
            facecolor="white",
            edgecolor="#54278f",
            linewidth=2.2,
            zorder=6,
            label=t("layer.sites", lang),
        )
        handles.append(h)
    pp = public_pilots(pilots, None, k)
    pts = [
        (at[str(x)], n)
        for x, n in zip(pp.get("kode", []), pp.get("nama", []), strict=False)
        if str(x) in at
    ]
    if pts:
        g = rep.geometry.iloc[[i for i, _ in pts]]
        h = ax.scatter(
            g.x,
            g.y,
            s=70,
            marker="*",
            color="#fdd835",
            edgecolor="black",
            linewidth=0.8,
            zorder=7,
            label=t("layer.pilots", lang),
        )
        handles.append(h)
        for (_, name), x, y in zip(pts, g.x, g.y, strict=True):
            ax.annotate(
                plain_text(name),
                (x, y),
                xytext=(5, 4),
                textcoords="offset points",
                fontsize=7,
                zorder=8,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
            )

    fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(0.75, 0.86),
        frameon=False,
        fontsize=9,
        title=t("legend.score", lang),
        title_fontsize=10,
        alignment="left",
    )
    _north_arrow(ax, lang)
    _scale_bar(ax, lang)

    today = date.today().isoformat()
    title = title or t("title.map", lang)
    if subtitle is None:
        area = (
            ", ".join(sorted(kel["kab_kota"].dropna().astype(str).unique())[:3])
            if "kab_kota" in kel
            else ""
        )
        subtitle = f"{area} · {t('note.scenario', lang)}: {scenario.name} · {today}"
    fig.text(0.02, 0.955, plain_text(title), fontsize=18, fontweight="bold", va="top")
    fig.text(0.02, 0.905, plain_text(subtitle), fontsize=11, color="#333333", va="top")
    note = (
        f"{t('note.source', lang)}. {t('method.radius', lang)}: {scenario.radius_m / 1000:g} km. "
        f"{suppression_rule(k, lang, curve=False)}"
    )
    note += _roads_note(scenario, lang, roads is not None and len(roads) > 0)
    fig.text(0.02, 0.025, plain_text(note), fontsize=7, color="#444444", va="bottom", wrap=True)

    buf = io.BytesIO()
    meta = {"Title": plain_text(title), "Creator": "ibm-geo"}
    if fmt == "pdf":
        meta.update({"Producer": "ibm-geo", "CreationDate": None, "ModDate": None})
    else:
        meta = {"Title": plain_text(title), "Software": "ibm-geo"}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    plt.close(fig)
    return buf.getvalue()


def _try_basemap(ax, crs) -> None:
    try:
        import contextily  # type: ignore[import-not-found]

        contextily.add_basemap(ax, crs=crs, attribution_size=6)
    except Exception:  # optional: not installed or offline
        return


def _roads_note(scenario: Scenario, lang: str, drawn: bool) -> str:
    """How distances were measured when roads are used, with the ODbL credit (issue 12)."""
    from ibm_geo.distance import OSM_CREDIT, distance_method

    if scenario.roads.distance == "road":
        return f" {'Jarak' if lang == 'id' else 'Distance'}: {distance_method(scenario, lang)}."
    return f" {'Jalan' if lang == 'id' else 'Roads'}: {OSM_CREDIT}." if drawn else ""
