"""Print/slide map (PNG or PDF) a meeting room can read: classes, names, symbols, context.

Drawn with matplotlib in a local UTM CRS (true scale bar), offline: the basemap is built from the
loaded units (:mod:`ibm_geo.render.basemap`): sea behind the land, kab/kota outlines and names,
kecamatan outlines, optional roads. On top: the top-N villages numbered by rank and named,
proposed recruitment sites and pilots named (labels placed without overlaps; what cannot be
placed is still listed beside the map), kelurahan with active Agen Pemulihan, BNNP/BNNK offices
and other service points, a locator inset, a legend for every symbol, a subtitle naming the area
actually mapped and a footer that wraps. Colours and symbols come from
:mod:`ibm_geo.render.style`; every figure from the published tier (:class:`ibm_geo.publish.Published`).
"""

from __future__ import annotations

import io
import textwrap
from datetime import date

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as pe  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch, Rectangle  # noqa: E402

from ibm_geo.config import Scenario  # noqa: E402
from ibm_geo.i18n import t  # noqa: E402
from ibm_geo.publish import Published  # noqa: E402
from ibm_geo.render.basemap import Basemap, MapContext, build_basemap  # noqa: E402
from ibm_geo.render.geometry import (  # noqa: E402
    auto_tolerance_m,
    metric_crs,
    overview_level,
    simplify_coverage,
)
from ibm_geo.render.style import (  # noqa: E402
    NODATA_COLOR,
    OUTLINE_COLOR,
    SYMBOLS,
    score_classes,
)
from ibm_geo.render.text import area_name, fmt_num, map_title, source_credit  # noqa: E402

#: figure sizes in inches: 16:9 slide, the body of a 16:9 slide under its title, A4 landscape
SIZES = {"slide": (13.333, 7.5), "slide_body": (10.0, 3.75), "a4": (11.69, 8.27)}
FONT = "DejaVu Sans"
OFFICE_TYPES = ("bnnp", "bnnk")


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
    label = f"{fmt_num(length / 1000, lang, 0 if length >= 1000 else 1)} km"
    if length < 1000:
        label = f"{fmt_num(length, lang)} m"
    ax.text(bx, by + 2.2 * h, "0", fontsize=9, ha="center", zorder=10)
    ax.text(bx + length, by + 2.2 * h, label, fontsize=9, ha="center", zorder=10)


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


# -- label placement ------------------------------------------------------------------------------
#: candidate offsets (points) and alignments around an anchor, in order of preference
_SLOTS = [
    ((1, 0.7), "left", "bottom"),
    ((1, -0.7), "left", "top"),
    ((-1, 0.7), "right", "bottom"),
    ((-1, -0.7), "right", "top"),
    ((1.25, 0), "left", "center"),
    ((-1.25, 0), "right", "center"),
    ((0, 1.3), "center", "bottom"),
    ((0, -1.3), "center", "top"),
    ((2, 1.6), "left", "bottom"),
    ((-2, -1.6), "right", "top"),
]


class LabelPlacer:
    """Greedy label placement in display space: each label takes the first slot around its anchor
    that stays inside the axes and overlaps neither a placed label nor a reserved symbol; a label
    with no free slot is left out (the side panel still lists it)."""

    def __init__(self, fig, ax):
        self.fig, self.ax = fig, ax
        self.renderer = fig.canvas.get_renderer()
        self.boxes: list[tuple[float, float, float, float]] = []
        self.frame = ax.get_window_extent(self.renderer)
        self.placed: list[str] = []

    def reserve_points(self, xs, ys, size_pt: float) -> None:
        """Keep labels off symbols at data coordinates (``size_pt`` across)."""
        half = size_pt / 72 * self.fig.dpi / 2
        for x, y in zip(xs, ys, strict=True):
            px, py = self.ax.transData.transform((x, y))
            self.boxes.append((px - half, py - half, px + half, py + half))

    def _free(self, b) -> bool:
        f = self.frame
        if b[0] < f.x0 or b[2] > f.x1 or b[1] < f.y0 or b[3] > f.y1:
            return False
        return all(b[2] <= o[0] or b[0] >= o[2] or b[3] <= o[1] or b[1] >= o[3] for o in self.boxes)

    def place(self, x, y, text: str, *, gap: float = 7.0, slots=None, **kw) -> bool:
        """Put ``text`` next to (x, y), ``gap`` points clear of the anchor's own symbol."""
        pad = 2.0
        cand = slots or [((dx * gap, dy * gap), ha, va) for (dx, dy), ha, va in _SLOTS]
        for (dx, dy), ha, va in cand:
            art = self.ax.annotate(
                plain_text(text),
                (x, y),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                **kw,
            )
            bb = art.get_window_extent(self.renderer)
            box = (bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
            if self._free(box):
                self.boxes.append(box)
                self.placed.append(text)
                return True
            art.remove()
        return False


_HALO = [pe.withStroke(linewidth=3, foreground="white")]


# -- drawing --------------------------------------------------------------------------------------
def _points_xy(lon, lat, crs) -> tuple[np.ndarray, np.ndarray]:
    g = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(crs)
    return g.x.to_numpy(), g.y.to_numpy()


def _draw_basemap(ax, bm: Basemap, crs, lang: str) -> list:
    """Land, roads, kecamatan and kab/kota outlines; returns legend handles for what was drawn."""
    handles = []
    land = gpd.GeoSeries([bm.land], crs=4326).to_crs(crs)
    land.plot(ax=ax, color=SYMBOLS["land"]["color"], edgecolor="none", zorder=1)
    if bm.roads is not None and len(bm.roads):
        bm.roads.to_crs(crs).plot(
            ax=ax, color=SYMBOLS["road"]["color"], linewidth=SYMBOLS["road"]["weight"], zorder=3
        )
        handles.append(
            Line2D([], [], color=SYMBOLS["road"]["color"], lw=1.2, label=t("legend.road", lang))
        )
    if bm.kec is not None and len(bm.kec) > len(bm.kab):
        st = SYMBOLS["kec_outline"]
        bm.kec.to_crs(crs).boundary.plot(
            ax=ax, color=st["color"], linewidth=st["weight"], linestyle=(0, (3, 3)), zorder=4
        )
        handles.append(
            Line2D([], [], color=st["color"], lw=1, ls=(0, (3, 3)), label=t("legend.kec", lang))
        )
    st = SYMBOLS["kab_outline"]
    bm.kab.to_crs(crs).boundary.plot(ax=ax, color=st["color"], linewidth=st["weight"], zorder=4)
    handles.append(Line2D([], [], color=st["color"], lw=2, label=t("legend.kab", lang)))
    return handles


#: the mapped area fills at most this share of the locator inset's width or height
INSET_AREA_SHARE = 0.3
#: the inset spans at least this many degrees (a kota alone still shows its island)
INSET_MIN_SPAN_DEG = 2.5


def inset_extent(
    area_bounds: tuple[float, float, float, float], context_bounds, aspect: float
) -> tuple[float, float, float, float]:
    """The inset's view (x0, y0, x1, y1): the context (the mapped area's provinces and the
    loaded units), grown until the mapped area is at most :data:`INSET_AREA_SHARE` of it and it
    spans :data:`INSET_MIN_SPAN_DEG`, centred on the area, at the inset's width/height
    ``aspect``; so the inset always shows where the area lies, never the area alone."""
    ax0, ay0, ax1, ay1 = area_bounds
    cx0, cy0, cx1, cy1 = context_bounds if context_bounds is not None else area_bounds
    w = max(cx1 - cx0, (ax1 - ax0) / INSET_AREA_SHARE, INSET_MIN_SPAN_DEG)
    h = max(cy1 - cy0, (ay1 - ay0) / INSET_AREA_SHARE, INSET_MIN_SPAN_DEG / aspect)
    w, h = max(w, h * aspect), max(h, w / aspect)
    mx, my = (ax0 + ax1) / 2, (ay0 + ay1) / 2
    return mx - w / 2, my - h / 2, mx + w / 2, my + h / 2


def _inset(fig, rect, kel4326: gpd.GeoDataFrame, ctx: MapContext | None, lang: str) -> None:
    """Locator: Indonesia's provinces around the mapped area (its own province darker), every
    loaded unit beyond the map (grey), and the mapped area (red) with its extent box."""
    from ibm_geo.render.basemap import province_outlines

    ax = fig.add_axes(rect)
    ax.set_facecolor(SYMBOLS["sea"]["color"])
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_aspect("equal")
    area = tuple(kel4326.total_bounds)
    prov = province_outlines()
    codes = set(kel4326["kode"].astype(str).str[:2]) if "kode" in kel4326 else set()
    own = prov[prov["kode"].isin(codes)] if prov is not None else None
    ctx_units = ctx.context_units if ctx is not None else None
    bounds = [area]
    if own is not None and len(own):
        bounds.append(tuple(own.total_bounds))
    if ctx_units is not None and len(ctx_units) and ctx_units.crs is not None:
        cu = ctx_units.to_crs(4326)
        bounds.append(tuple(cu.total_bounds))
    else:
        cu = None
    b = np.array(bounds)
    context = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    fw, fh = fig.get_size_inches()
    x0, y0, x1, y1 = inset_extent(area, context, (rect[2] * fw) / (rect[3] * fh))
    land = SYMBOLS["land"]
    if prov is not None:
        view = prov.cx[x0:x1, y0:y1]
        view.plot(ax=ax, color=land["color"], edgecolor="#b0b0b0", linewidth=0.4)
        if own is not None and len(own):
            own.plot(ax=ax, color="#d9d4cc", edgecolor="#8c8c8c", linewidth=0.6)
    if cu is not None:
        if len(cu) <= 5000:
            cu.plot(ax=ax, color="#bdbdbd", edgecolor="none")
        else:
            rp = cu.geometry.representative_point()
            ax.scatter(rp.x, rp.y, s=0.2, color="#bdbdbd", linewidths=0)
    kel4326.plot(ax=ax, color="#c62828", edgecolor="none")
    pad_x, pad_y = (x1 - x0) * 0.02, (y1 - y0) * 0.02
    ax.add_patch(
        Rectangle(
            (area[0] - pad_x, area[1] - pad_y),
            area[2] - area[0] + 2 * pad_x,
            area[3] - area[1] + 2 * pad_y,
            fill=False,
            edgecolor="#c62828",
            lw=1.2,
            zorder=5,
        )
    )
    if own is not None and len(own) == 1:
        ax.text(
            0.03, 0.03, str(own["provinsi"].iloc[0]), transform=ax.transAxes, fontsize=7,
            color="#424242", path_effects=[pe.withStroke(linewidth=2, foreground="white")],
        )  # fmt: skip
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_xlabel("")  # geopandas names the CRS axes; a locator needs no coordinates
    ax.set_ylabel("")
    ax.set_title(t("inset.title", lang), fontsize=9, loc="left", pad=2)
    for sp in ax.spines.values():
        sp.set_visible(True)
        sp.set_edgecolor("#666666")


def _fit_line(fig, x, y, text, max_w: float, size: float, **kw):
    """One line of text, its font shrunk (down to 60 %) until it fits ``max_w`` of the figure."""
    renderer = fig.canvas.get_renderer()
    art = fig.text(x, y, plain_text(text), fontsize=size, **kw)
    for f in np.arange(size, size * 0.6, -0.5):
        art.set_fontsize(f)
        if art.get_window_extent(renderer).width <= max_w * fig.bbox.width:
            break
    return art


def _wrapped(fig, x, y, text, max_w: float, **kw):
    """Text wrapped at the widest line that fits ``max_w`` of the figure (measured, not guessed)."""
    renderer = fig.canvas.get_renderer()
    art = fig.text(x, y, "", linespacing=1.2, **kw)
    for width in range(220, 30, -6):
        art.set_text(plain_text(textwrap.fill(text, width)))
        if art.get_window_extent(renderer).width <= max_w * fig.bbox.width:
            break
    return art


def render_static_map(
    published: Published,
    *,
    size: str = "slide",
    fmt: str = "png",
    lang: str = "id",
    title: str | None = None,
    subtitle: str | None = None,
    dpi: int = 150,
    overview: str | None = None,
    basemap: Basemap | None = None,
    top_n: int | None = None,
) -> bytes:
    """PNG or PDF bytes of the score map (``"slide"`` 16:9, ``"slide_body"`` the part of a 16:9
    slide under its title, or ``"a4"`` landscape).

    Everything drawn comes from ``published`` (:func:`ibm_geo.publish.publish`): the table,
    sites, pilots and the map context (whitelisted service points, loaded units for the inset,
    sources, demo flag, roads). ``basemap``: a prebuilt :class:`Basemap` (else built here).
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {list(SIZES)}")
    if fmt not in ("png", "pdf"):
        raise ValueError("fmt must be 'png' or 'pdf'")
    scenario = published.scenario
    ctx = published.context or MapContext()
    kelurahan = published.geo
    kel = kelurahan.to_crs(4326) if kelurahan.crs is not None else kelurahan.set_crs(4326)
    full = kel
    level = overview_level(kel, overview)
    if level is not None:
        kel = published.overview(level, lang).to_crs(4326)
    kel = kel.reset_index(drop=True)
    tol = auto_tolerance_m(kel, overview=level is not None)
    geoms = simplify_coverage(kel.geometry, tol, decimals=None)
    crs = metric_crs(kel)
    plot = gpd.GeoDataFrame(
        {"i": np.arange(len(kel))}, geometry=geoms.to_crs(crs).to_numpy(), crs=crs
    )
    bm = basemap or build_basemap(full, ctx.roads)

    cls, colors, legend = score_classes(kel, scenario, lang)
    face = [colors[c] if c >= 0 else NODATA_COLOR for c in cls]

    w_in, h_in = SIZES[size]
    fig = plt.figure(figsize=(w_in, h_in), dpi=dpi)
    plt.rcParams["font.family"] = FONT
    # a slide body has its title and credit on the slide itself (as slide text, >= 14 pt)
    body = size == "slide_body"
    head = 0.0 if body else 1.0  # inches of title block
    foot = 0.05 if body else 0.62
    ax = fig.add_axes((0.005, foot / h_in, 0.60 if body else 0.64, 1 - (foot + head + 0.06) / h_in))
    ax.set_facecolor(SYMBOLS["sea"]["color"])
    ax.set_xticks([])
    ax.set_yticks([])
    for sp in ax.spines.values():
        sp.set_edgecolor("#9e9e9e")
    base_handles = _draw_basemap(ax, bm, crs, lang)
    plot.plot(
        ax=ax,
        color=face,
        edgecolor=OUTLINE_COLOR,
        linewidth=0.15 if len(plot) > 300 else 0.4,
        zorder=2,
    )
    ax.set_aspect("equal", adjustable="datalim")
    x0, y0, x1, y1 = plot.total_bounds if len(plot) else (0, 0, 1, 1)
    pad = max(x1 - x0, y1 - y0) * 0.04
    # fill the axes box: widen the short side so the map uses the frame
    bx = ax.get_position(original=True)
    box_ratio = (bx.height * h_in) / (bx.width * w_in)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = (x1 - x0) / 2 + pad, (y1 - y0) / 2 + pad
    if half_h / half_w > box_ratio:
        half_w = half_h / box_ratio
    else:
        half_h = half_w * box_ratio
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_autoscale_on(False)
    ax.set_xlabel("")
    ax.set_ylabel("")

    rep_lon = kel["rep_lon"] if "rep_lon" in kel else kel.geometry.representative_point().x
    rep_lat = kel["rep_lat"] if "rep_lat" in kel else kel.geometry.representative_point().y
    rx, ry = _points_xy(rep_lon.to_numpy(float), rep_lat.to_numpy(float), crs)
    at = {str(kd): i for i, kd in enumerate(kel["kode"].astype(str))} if "kode" in kel else {}
    placer = LabelPlacer(fig, ax)

    handles = [
        Patch(facecolor=c, edgecolor="#666666", label=plain_text(txt or t("legend.nodata", lang)))
        for c, txt in legend
    ]
    sym_handles: list = []

    # existing agents: one symbol per kelurahan with active agents (agent homes are never drawn)
    if "agents_active" in kel:
        act = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy() > 0
        if act.any():
            st = SYMBOLS["agent"]
            ax.scatter(
                rx[act], ry[act], s=st["size"] ** 2, marker=st["marker"], color=st["fill"],
                edgecolor=st["color"], linewidth=0.8, zorder=6,
            )  # fmt: skip
            placer.reserve_points(rx[act], ry[act], st["size"])
            sym_handles.append(
                Line2D([], [], ls="", marker=st["marker"], ms=8, mfc=st["fill"], mec=st["color"],
                       label=t("legend.agents_kel", lang))
            )  # fmt: skip

    # offices and other service points (public places, never people)
    sp = (
        ctx.service_points
        if ctx.service_points is not None
        else pd.DataFrame(columns=["lat", "lon", "jenis", "name"])
    )
    if len(sp):
        sx, sy = _points_xy(sp["lon"].to_numpy(float), sp["lat"].to_numpy(float), crs)
        office = sp["jenis"].astype(str).str.lower().isin(OFFICE_TYPES).to_numpy()
        for mask, key, lab in ((office, "office", "legend.office"), (~office, "service_point",
                                                                     "legend.service")):  # fmt: skip
            if not mask.any():
                continue
            st = SYMBOLS[key]
            ax.scatter(
                sx[mask], sy[mask], s=st["size"] ** 2, marker=st["marker"], color=st["fill"],
                edgecolor=st["color"], linewidth=1.2, zorder=7,
            )  # fmt: skip
            placer.reserve_points(sx[mask], sy[mask], st["size"])
            sym_handles.append(
                Line2D([], [], ls="", marker=st["marker"], ms=9, mfc=st["fill"], mec=st["color"],
                       label=t(lab, lang))
            )  # fmt: skip

    # proposed sites with their reach as an outline, and pilots
    site_pub = published.sites
    site_idx = [at[str(x)] for x in site_pub.get("kode", []) if str(x) in at]
    radius = float(scenario.plan.radius_m or scenario.radius_m)
    if site_idx:
        st = SYMBOLS["site"]
        ring = SYMBOLS["ring_site"]
        # the village model reaches the site's own village (its polygon), not a radius
        desa = getattr(published.plan, "reach", "") == "desa"
        for i in [] if desa else site_idx:
            ax.add_patch(
                matplotlib.patches.Circle(
                    (rx[i], ry[i]), radius, fill=False, edgecolor=ring["color"],
                    linewidth=1.0, linestyle=(0, (5, 4)), zorder=5,
                )
            )  # fmt: skip
        ax.scatter(
            rx[site_idx], ry[site_idx], s=(st["size"] * 1.6) ** 2, facecolor=st["fill"],
            edgecolor=st["color"], linewidth=2.4, zorder=8,
        )  # fmt: skip
        placer.reserve_points(rx[site_idx], ry[site_idx], st["size"] * 1.6)
        sym_handles.append(
            Line2D([], [], ls="", marker="o", ms=11, mfc=st["fill"], mec=st["color"], mew=2.4,
                   label=t("layer.sites", lang))
        )  # fmt: skip
        if not desa:
            sym_handles.append(
                Line2D([], [], color=ring["color"], lw=1, ls=(0, (5, 4)),
                       label=t("legend.site_ring", lang, radius=fmt_num(radius / 1000, lang, 1)))
            )  # fmt: skip
    pil_pub = published.pilots
    pil_idx = [at[str(x)] for x in pil_pub.get("kode", []) if str(x) in at]
    if pil_idx:
        st = SYMBOLS["pilot"]
        ax.scatter(
            rx[pil_idx], ry[pil_idx], s=(st["size"] * 2.3) ** 2, marker=st["marker"],
            color=st["fill"], edgecolor=st["color"], linewidth=1.0, zorder=9,
        )  # fmt: skip
        placer.reserve_points(rx[pil_idx], ry[pil_idx], st["size"] * 2.0)
        sym_handles.append(
            Line2D([], [], ls="", marker="*", ms=15, mfc=st["fill"], mec=st["color"],
                   label=t("layer.pilots", lang))
        )  # fmt: skip

    # top N: rank numbers at the village, names placed where they fit
    n_top = min(top_n or scenario.top_n, 20, len(kel))
    order = kel.sort_values("rank").index[:n_top] if "rank" in kel else kel.index[:n_top]
    has_need = pd.to_numeric(kel.get("score", 0), errors="coerce").fillna(0) > 0
    order = [i for i in order if bool(has_need.iloc[i])]
    for i in order:
        ax.text(
            rx[i], ry[i], str(int(kel["rank"].iloc[i])), ha="center", va="center", fontsize=8,
            fontweight="bold", color="white", zorder=10,
            bbox={"boxstyle": "circle,pad=0.25", "fc": "#222222", "ec": "white", "lw": 0.8},
        )  # fmt: skip
    placer.reserve_points(rx[order], ry[order], 13)
    if order:
        sym_handles.insert(
            0,
            Line2D([], [], ls="", marker="o", ms=12, mfc="#222222", mec="white",
                   label=t("legend.top", lang, n=len(order))),
        )  # fmt: skip

    # labels by priority: pilots, sites, top N, then kab/kota names
    lab_kw = {"fontsize": 9.5, "zorder": 11, "path_effects": _HALO}
    if bm.kab is not None and len(bm.kab) > 0 and "lon" in bm.kab:
        kx, ky = _points_xy(bm.kab["lon"].to_numpy(float), bm.kab["lat"].to_numpy(float), crs)
        kab_slots = [((0, 0), "center", "center")] + [
            ((dx, dy), "center", "center") for dy in (18, -18, 36, -36) for dx in (0, -30, 30)
        ]
        for x, y, nm in zip(kx, ky, bm.kab["kab_kota"].astype(str), strict=True):
            if np.isfinite(x) and nm != "?":
                placer.place(
                    x, y, nm.upper(), slots=kab_slots, fontsize=11, color="#424242",
                    fontweight="bold", zorder=10,
                    path_effects=[pe.withStroke(linewidth=3.5, foreground="white")],
                )  # fmt: skip

    names = kel["nama"].astype(str).to_numpy() if "nama" in kel else np.array([""] * len(kel))
    unplaced: dict[str, list[str]] = {"pilots": [], "sites": [], "top": []}
    for i in pil_idx:
        if not placer.place(rx[i], ry[i], names[i], gap=13, fontweight="bold", **lab_kw):
            unplaced["pilots"].append(names[i])
    for i in site_idx:
        if not placer.place(
            rx[i], ry[i], names[i], gap=11, color="#3f007d", fontweight="bold", **lab_kw
        ):
            unplaced["sites"].append(names[i])
    labelled = set(pil_idx) | set(site_idx)
    for i in order:
        if i in labelled:
            continue
        if not placer.place(rx[i], ry[i], names[i], gap=8, **lab_kw):
            unplaced["top"].append(names[i])
    _north_arrow(ax, lang)
    _scale_bar(ax, lang)

    # right panel: legend, then the top list, then the inset
    right = 0.615 if body else 0.67
    leg_pt = 10.5 if body else 10
    leg = fig.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(right, 1 - (head + 0.12) / h_in),
        frameon=False,
        fontsize=leg_pt,
        labelspacing=0.2,
        title=t("legend.score", lang),
        title_fontsize=11,
        alignment="left",
    )
    fig.add_artist(leg)
    sym_handles += base_handles
    renderer = fig.canvas.get_renderer()
    y_after = leg.get_window_extent(renderer).y0 / fig.bbox.height
    leg2 = fig.legend(
        handles=sym_handles,
        loc="upper left",
        bbox_to_anchor=(right, y_after - 0.01),
        frameon=False,
        fontsize=leg_pt,
        labelspacing=0.2,
        title=t("legend.symbols", lang),
        title_fontsize=11,
        alignment="left",
    )
    y_after = leg2.get_window_extent(renderer).y0 / fig.bbox.height
    pub = kel
    score_of = dict(zip(pub["kode"].astype(str), pub["score"], strict=False)) if len(pub) else {}
    extra: list[str] = []
    for key in ("pilots", "sites"):
        if unplaced[key]:  # named on the map where they fit; the rest listed here
            extra += [
                "",
                t(f"panel.{key}", lang) + ":",
                *textwrap.wrap(", ".join(unplaced[key]), 40),
            ]
    text_top = y_after - 0.015
    room = int((text_top - foot / h_in) * h_in * 72 / (9.5 * 1.25)) - 1 - len(extra)
    shown = order[: max(min(10, room - (1 if len(order) > room else 0)), 0)] if not body else []
    lines = [t("panel.top", lang)] if shown else []
    for i in shown:
        sc_txt = fmt_num(score_of.get(str(kel["kode"].iloc[i])), lang, 1)
        lines.append(f"{int(kel['rank'].iloc[i])}. {names[i]} ({sc_txt})")
    if shown and len(order) > len(shown):
        lines.append(t("panel.more", lang, n=len(order) - len(shown)))
    lines += extra
    inset_w = 0.12
    fig.text(
        right + 0.005, text_top, plain_text("\n".join(lines)), fontsize=9.5, va="top",
        linespacing=1.25,
    )  # fmt: skip
    inset_h = min(1.5 / h_in, max(text_top - foot / h_in - 0.04, 0.12))
    if inset_h * h_in >= 0.8:
        _inset(fig, (0.995 - inset_w, foot / h_in + 0.01, inset_w, inset_h), full, ctx, lang)

    # title block and footer
    today = date.today().isoformat()
    title = title or map_title(full, lang)
    if subtitle is None:
        when = t("note.data_date", lang, date=ctx.data_date) if ctx.data_date else today
        subtitle = (
            f"{area_name(full, lang, long=True)} · {t('note.scenario', lang)}: {scenario.name} "
            f"· {when}"
        )
    if size != "slide_body":
        _fit_line(fig, 0.01, 1 - 0.18 / h_in, title, 0.98, 20, fontweight="bold", va="top")
        _fit_line(fig, 0.01, 1 - 0.62 / h_in, subtitle, 0.98, 12, color="#333333", va="top")
    note = (
        f"{source_credit(ctx.sources, demo=ctx.demo, roads=ctx.roads is not None, lang=lang)}. "
        f"{t('method.radius', lang)}: {fmt_num(scenario.radius_m / 1000, lang, 1)} km. "
        f"{published.rule_in(lang, curve=False)}"
        + (f" {subtitle}." if size == "slide_body" else "")
        + _roads_note(scenario, lang)
    )
    if not body:
        _wrapped(fig, 0.01, 0.08 / h_in, note, 0.98, fontsize=8.5, color="#333333", va="bottom")

    buf = io.BytesIO()
    if fmt == "pdf":
        meta = {"Title": plain_text(title), "Creator": "ibm-geo", "Producer": "ibm-geo"}
        meta.update({"CreationDate": None, "ModDate": None})
    else:
        meta = {"Title": plain_text(title), "Software": "ibm-geo"}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=meta)
    plt.close(fig)
    return buf.getvalue()


def _roads_note(scenario: Scenario, lang: str) -> str:
    """With road travel, how distances were measured, with the ODbL credit (issue 12)."""
    from ibm_geo.distance import distance_method

    if scenario.roads.distance != "road":
        return ""
    return f" {'Jarak' if lang == 'id' else 'Distance'}: {distance_method(scenario, lang)}."
