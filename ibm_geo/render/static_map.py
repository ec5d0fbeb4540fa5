"""Print/slide map (PNG or PDF) a meeting room can read: classes, names, symbols, context.

Drawn with matplotlib in a local UTM CRS (true scale bar), offline: the basemap is built from the
loaded units (:mod:`ibm_geo.render.basemap`): sea behind the land, kab/kota outlines and names,
kecamatan outlines, optional roads. The frame is the area that matters
(:func:`ibm_geo.render.geometry.focus_mask`: the chosen area, or the units with clients), the
rest of the layer is context around it; far-off units that must be shown (a top rank, a site or
a pilot on islands 40 km out) go into a detail box of their own when reaching them would leave
the frame mostly sea (:func:`ibm_geo.render.geometry.split_far`). On top, one function per layer, in this order: rank
numbers of the top N (above every symbol), site rings around them, pilot stars behind them,
agent triangles beside them, offices and service points; then names by priority through
:class:`LabelPlacer` (a deterministic collision solver with leader lines; what cannot be placed
is listed beside the map), a locator inset, a legend for every symbol, a subtitle naming the
area actually mapped and a footer that wraps and is measured before the map is laid out.
Colours and symbols come from :mod:`ibm_geo.render.style`; every figure from the published tier
(:class:`ibm_geo.publish.Published`).
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass, field, replace
from datetime import date

import geopandas as gpd
import matplotlib

matplotlib.use("Agg")
import matplotlib.patheffects as pe  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import shapely  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Circle, Patch, Rectangle  # noqa: E402

from ibm_geo.config import Scenario  # noqa: E402
from ibm_geo.crs import local_utm_crs, point_inside, rep_lonlat  # noqa: E402
from ibm_geo.distance import distance_method  # noqa: E402
from ibm_geo.i18n import t  # noqa: E402
from ibm_geo.publish import Published  # noqa: E402
from ibm_geo.render.basemap import Basemap, MapContext, build_basemap, province_outlines  # noqa: E402
from ibm_geo.render.geometry import (  # noqa: E402
    auto_tolerance_m,
    client_weight,
    detail_label,
    fit_box,
    focus_mask,
    land_share,
    overview_level,
    simplify_coverage,
    split_far,
)
from ibm_geo.render.style import (  # noqa: E402
    CONTEXT_COLOR,
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
#: candidate offsets (multiples of the gap) and alignments next to an anchor, in order of preference
_SLOTS = [
    ((1, 0.7), "left", "bottom"),
    ((1, -0.7), "left", "top"),
    ((-1, 0.7), "right", "bottom"),
    ((-1, -0.7), "right", "top"),
    ((1.25, 0), "left", "center"),
    ((-1.25, 0), "right", "center"),
    ((0, 1.3), "center", "bottom"),
    ((0, -1.3), "center", "top"),
]
#: farther rings (points from the anchor) tried next; a label placed there gets a leader line
_RINGS_PT = (22.0, 34.0, 50.0, 70.0)
_ANGLES = np.deg2rad(np.arange(0, 360, 30) + 15)

Box = tuple[float, float, float, float]


def _align(dx: float, dy: float) -> tuple[str, str]:
    """Alignment that keeps a label on the side of its offset (no label over its own anchor)."""
    ha = "left" if dx > 1e-6 else "right" if dx < -1e-6 else "center"
    va = "bottom" if dy > 1e-6 else "top" if dy < -1e-6 else "center"
    return ha, va


def _hit(a: Box, b: Box) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


class LabelPlacer:
    """Label placement in display space, by priority: each label takes the first candidate
    position (next to its anchor, then on rings farther out with a leader line) that stays in
    the axes and overlaps no placed label, rank badge, symbol or reserved corner; a leader must
    not cross a placed label. A label with no free position is left out (the side panel lists
    it). Deterministic and measured on the renderer's own text extents."""

    def __init__(self, fig, ax):
        self.fig, self.ax = fig, ax
        self.renderer = fig.canvas.get_renderer()
        self.boxes: list[Box] = []  # everything a label must not cover
        self.labels: list[Box] = []  # placed labels (a leader must not cross them)
        self.frame = ax.get_window_extent(self.renderer)
        self.placed: list[str] = []
        self.leaders = 0

    def px(self, pt: float) -> float:
        return pt / 72 * self.fig.dpi

    def reserve_points(self, xs, ys, size_pt: float, dx_pt: float = 0, dy_pt: float = 0) -> None:
        """Keep labels off symbols at data coordinates (``size_pt`` across, shifted by d*_pt)."""
        half = self.px(size_pt) / 2
        for x, y in zip(xs, ys, strict=True):
            px, py = self.ax.transData.transform((x, y))
            px, py = px + self.px(dx_pt), py + self.px(dy_pt)
            self.boxes.append((px - half, py - half, px + half, py + half))

    def reserve_axes(self, x0: float, y0: float, x1: float, y1: float) -> None:
        """Keep labels off a part of the axes given as axes fractions (north arrow, scale)."""
        f = self.frame
        self.boxes.append((f.x0 + x0 * f.width, f.y0 + y0 * f.height,
                           f.x0 + x1 * f.width, f.y0 + y1 * f.height))  # fmt: skip

    def _free(self, b: Box) -> bool:
        f = self.frame
        if b[0] < f.x0 or b[2] > f.x1 or b[1] < f.y0 or b[3] > f.y1:
            return False
        return not any(_hit(b, o) for o in self.boxes)

    def _line_free(self, p0, p1) -> bool:
        for s in np.linspace(0.1, 1.0, 10):
            x, y = p0[0] + s * (p1[0] - p0[0]), p0[1] + s * (p1[1] - p0[1])
            if any(o[0] < x < o[2] and o[1] < y < o[3] for o in self.labels):
                return False
        return True

    def candidates(self, gap: float):
        """(dx, dy) in points, ha, va, leader?: next to the anchor first, then the rings."""
        for (dx, dy), ha, va in _SLOTS:
            yield (dx * gap, dy * gap), ha, va, False
        for r in _RINGS_PT:
            for a in _ANGLES:
                dx, dy = (r + gap) * np.cos(a), (r + gap) * np.sin(a)
                yield (dx, dy), *_align(dx, dy), True

    def place(self, x, y, text: str, *, gap: float = 7.0, slots=None, leader: bool = True, **kw):
        """Put ``text`` near (x, y), ``gap`` points clear of the anchor's own symbol; returns
        the text artist (gid ``"label"``) or None."""
        pad = 2.0
        if slots:
            cands = [((dx, dy), ha, va, False) for (dx, dy), ha, va in slots]
        else:
            cands = list(self.candidates(gap))[: None if leader else len(_SLOTS)]
        anchor = self.ax.transData.transform((x, y))
        for (dx, dy), ha, va, far in cands:
            art = self.ax.annotate(plain_text(text), (x, y), xytext=(dx, dy),
                                   textcoords="offset points", ha=ha, va=va, **kw)  # fmt: skip
            bb = art.get_window_extent(self.renderer)
            box = (bb.x0 - pad, bb.y0 - pad, bb.x1 + pad, bb.y1 + pad)
            end = (min(max(anchor[0], box[0]), box[2]), min(max(anchor[1], box[1]), box[3]))
            if self._free(box) and (not far or self._line_free(anchor, end)):
                art.set_gid("label")
                self.boxes.append(box)
                self.labels.append(box)
                self.placed.append(text)
                if far:
                    self._leader(anchor, end, self.px(gap) * 0.6)
                return art
            art.remove()
        return None

    def _leader(self, anchor, end, clear: float) -> None:
        """A thin line from just outside the anchor's symbol to the label's nearest edge."""
        v = np.subtract(end, anchor)
        d = float(np.hypot(*v))
        if d <= clear:
            return
        start = np.asarray(anchor) + v / d * clear
        inv = self.ax.transData.inverted()
        (x0, y0), (x1, y1) = inv.transform([start, end])
        self.ax.plot([x0, x1], [y0, y1], color="#424242", lw=0.7, zorder=9.5, gid="leader")
        self.leaders += 1

    def badge(self, x, y, rank: int, size_pt: float = 13.0) -> None:
        """A rank number in a dark disc at the unit (or beside it, with a leader, where a
        better-ranked badge already sits): drawn above every symbol (gid ``"rank"``)."""
        anchor = self.ax.transData.transform((x, y))
        half = self.px(size_pt) / 2 + 1
        steps = [(0.0, 0.0)] + [
            (r * np.cos(a), r * np.sin(a)) for r in (1.15, 2.3) for a in _ANGLES
        ]  # fmt: skip
        for k, (ux, uy) in enumerate(steps):
            cx, cy = anchor[0] + ux * 2 * half, anchor[1] + uy * 2 * half
            box = (cx - half, cy - half, cx + half, cy + half)
            if self._free(box) or k == len(steps) - 1:
                break
        self.boxes.append(box)
        if k:
            self._leader(anchor, (cx, cy), 0)
        px, py = self.ax.transData.inverted().transform((cx, cy))
        self.ax.plot([px], [py], marker="o", ms=size_pt, mfc="#222222", mec="white", mew=0.8,
                     ls="", zorder=10, gid="rank_disc")  # fmt: skip
        self.ax.text(px, py, str(rank), ha="center", va="center_baseline", fontsize=8,
                     fontweight="bold", color="white", zorder=10.5, gid="rank")  # fmt: skip


_HALO = [pe.withStroke(linewidth=3, foreground="white")]


# -- drawing --------------------------------------------------------------------------------------
def _points_xy(lon, lat, crs) -> tuple[np.ndarray, np.ndarray]:
    g = gpd.GeoSeries(gpd.points_from_xy(lon, lat), crs=4326).to_crs(crs)
    return g.x.to_numpy(), g.y.to_numpy()


@dataclass
class _Map:
    """What the layer functions share: the figure, the map axes, the drawn units (EPSG:4326
    and their representative points in the map's metric CRS) and what the legend will list."""

    published: Published
    fig: object
    ax: object
    crs: object
    kel: gpd.GeoDataFrame
    full: gpd.GeoDataFrame
    plot: gpd.GeoDataFrame
    rx: np.ndarray
    ry: np.ndarray
    at: dict[str, int]
    lang: str
    body: bool
    top: list[int] = field(default_factory=list)
    sites: list[int] = field(default_factory=list)
    pilots: list[int] = field(default_factory=list)
    handles: list = field(default_factory=list)
    view4326: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)
    outside: list[str] = field(default_factory=list)
    placer: LabelPlacer | None = None
    #: far-off units drawn in detail boxes (not in the main frame): per box, the unit indices,
    #: its view (x0, y0, x1, y1 in the metric CRS) and, once placed, its rect in axes fractions
    details: list[np.ndarray] = field(default_factory=list)
    detail_views: list[tuple[float, float, float, float]] = field(default_factory=list)
    detail_rects: list[tuple[float, float, float, float]] = field(default_factory=list)
    detail_text: list[tuple[list, float]] = field(default_factory=list)
    away: frozenset[int] = frozenset()
    face: list = field(default_factory=list)

    @property
    def ctx(self) -> MapContext:
        return self.published.context or MapContext()

    def here(self, idx) -> list[int]:
        """The units of ``idx`` drawn on this map (not in a detail box of their own)."""
        return [i for i in idx if i not in self.away]

    def symbol(self, key: str, label: str, **kw) -> None:
        """A legend row for a point symbol of :data:`SYMBOLS` as drawn."""
        st = SYMBOLS[key]
        kw = {"marker": st["marker"], "mfc": st["fill"], "mec": st["color"], **kw}
        self.handles.append(Line2D([], [], ls="", label=label, **kw))


def _units(published: Published, overview: str | None, lang: str):
    """(drawn units in EPSG:4326, the published table, the overview level)."""
    kelurahan = published.geo
    kel = kelurahan.to_crs(4326) if kelurahan.crs is not None else kelurahan.set_crs(4326)
    full = kel
    level = overview_level(kel, overview)
    if level is not None:
        kel = published.overview(level, lang).to_crs(4326)
    return kel.reset_index(drop=True), full, level


def _prepare(published: Published, fig, ax, overview, lang: str, body: bool) -> _Map:
    """Units simplified in a local UTM CRS, their anchors, and which are top/site/pilot."""
    kel, full, level = _units(published, overview, lang)
    tol = auto_tolerance_m(kel, overview=level is not None)
    geoms = simplify_coverage(kel.geometry, tol, decimals=None)
    crs = local_utm_crs(kel)
    plot = gpd.GeoDataFrame(
        {"i": np.arange(len(kel))}, geometry=geoms.to_crs(crs).to_numpy(), crs=crs
    )
    rep_lon, rep_lat = rep_lonlat(kel)
    rx, ry = _points_xy(rep_lon, rep_lat, crs)
    at = {str(kd): i for i, kd in enumerate(kel["kode"].astype(str))} if "kode" in kel else {}
    m = _Map(published, fig, ax, crs, kel, full, plot, rx, ry, at, lang, body)
    m.sites = [at[str(x)] for x in published.sites.get("kode", []) if str(x) in at]
    m.pilots = [at[str(x)] for x in published.pilots.get("kode", []) if str(x) in at]
    return m


def _top_units(m: _Map, top_n: int | None) -> None:
    """The top N with unmet need, best rank first (numbered on the map)."""
    kel = m.kel
    n_top = min(top_n or m.published.scenario.top_n, 20, len(kel))
    order = kel.sort_values("rank").index[:n_top] if "rank" in kel else kel.index[:n_top]
    has_need = pd.to_numeric(kel.get("score", 0), errors="coerce").fillna(0) > 0
    m.top = [int(i) for i in order if bool(has_need.iloc[i])]


def _draw_context(m: _Map) -> None:
    """Loaded units beyond the mapped table (a filtered kab/kota's neighbours) as plain land."""
    cu = m.ctx.context_units
    if cu is None or not len(cu) or cu.crs is None or "kode" not in cu:
        return
    x0, y0, x1, y1 = m.view4326
    cu = cu.to_crs(4326).cx[x0:x1, y0:y1]
    cu = cu[~cu["kode"].astype(str).isin(m.at)]
    if not len(cu) or len(cu) > 5000:
        return
    cu.to_crs(m.crs).plot(ax=m.ax, color=CONTEXT_COLOR, edgecolor="#c9c4ba", linewidth=0.3,
                          zorder=1.5)  # fmt: skip
    m.handles.append(Patch(facecolor=CONTEXT_COLOR, edgecolor="#c9c4ba",
                           label=t("legend.context", m.lang)))  # fmt: skip


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


def _draw_units(m: _Map) -> list:
    """The choropleth of need classes; returns the score legend's handles."""
    cls, colors, legend = score_classes(m.kel, m.published.scenario, m.lang)
    face = [colors[c] if c >= 0 else NODATA_COLOR for c in cls]
    m.face = face
    m.plot.plot(ax=m.ax, color=face, edgecolor=OUTLINE_COLOR,
                linewidth=0.15 if len(m.plot) > 300 else 0.4, zorder=2)  # fmt: skip
    return [
        Patch(facecolor=c, edgecolor="#666666",
              label=plain_text(txt or t("legend.nodata", m.lang)))
        for c, txt in legend
    ]  # fmt: skip


#: where an agent triangle may sit (points from the unit's anchor), in order: at the anchor,
#: else beside the rank numbers, site rings and pilot stars already drawn, never under them
AGENT_SPOTS_PT = [(0.0, 0.0), (11.0, -10.0), (-11.0, -10.0), (11.0, 10.0), (-11.0, 10.0),
                  (0.0, -15.0), (16.0, 0.0), (-16.0, 0.0), (0.0, 15.0)]  # fmt: skip


def _layer_agents(m: _Map) -> None:
    """One triangle per kelurahan with active agents (agent homes are never drawn), at the
    first spot of :data:`AGENT_SPOTS_PT` clear of the symbols drawn before it."""
    if "agents_active" not in m.kel:
        return
    act = pd.to_numeric(m.kel["agents_active"], errors="coerce").fillna(0).to_numpy() > 0
    act[list(m.away)] = False
    if not act.any():
        return
    st = SYMBOLS["agent"]
    p = m.placer
    half = p.px(float(st["size"]) + 2) / 2
    xy = []
    for i in np.flatnonzero(act):
        ax_, ay_ = m.ax.transData.transform((m.rx[i], m.ry[i]))
        for dx, dy in AGENT_SPOTS_PT:
            cx, cy = ax_ + p.px(dx), ay_ + p.px(dy)
            box = (cx - half, cy - half, cx + half, cy + half)
            if not any(_hit(box, o) for o in p.boxes):
                break
        else:
            cx, cy = ax_ + p.px(AGENT_SPOTS_PT[1][0]), ay_ + p.px(AGENT_SPOTS_PT[1][1])
            box = (cx - half, cy - half, cx + half, cy + half)
        p.boxes.append(box)
        xy.append(m.ax.transData.inverted().transform((cx, cy)))
    xy = np.asarray(xy)
    m.ax.scatter(xy[:, 0], xy[:, 1], s=st["size"] ** 2, marker=st["marker"], color=st["fill"],
                 edgecolor=st["color"], linewidth=0.8, zorder=9, gid="agent")  # fmt: skip
    m.symbol("agent", t("legend.agents_kel", m.lang), ms=8)


def _layer_service_points(m: _Map) -> None:
    """Offices and other service points (public places, never people)."""
    sp = m.ctx.service_points
    if sp is None or not len(sp):
        return
    sx, sy = _points_xy(sp["lon"].to_numpy(float), sp["lat"].to_numpy(float), m.crs)
    office = sp["jenis"].astype(str).str.lower().isin(OFFICE_TYPES).to_numpy()
    for mask, key, lab in ((office, "office", "legend.office"),
                           (~office, "service_point", "legend.service")):  # fmt: skip
        if not mask.any():
            continue
        st = SYMBOLS[key]
        m.ax.scatter(sx[mask], sy[mask], s=st["size"] ** 2, marker=st["marker"],
                     color=st["fill"], edgecolor=st["color"], linewidth=1.2, zorder=7)  # fmt: skip
        m.placer.reserve_points(sx[mask], sy[mask], st["size"])
        m.symbol(key, t(lab, m.lang), ms=9)


#: a site's ring is drawn around the rank number (hollow, so the number shows through)
SITE_RING_PT = 20.0


def _layer_sites(m: _Map) -> None:
    """Proposed sites: a ring around the unit's anchor, and their reach as a dashed circle."""
    if not m.sites:
        return
    sites = m.here(m.sites)  # those in a detail box are drawn there
    sc = m.published.scenario
    st, ring = SYMBOLS["site"], SYMBOLS["ring_site"]
    radius = sc.site_radius_m
    # the village model reaches the site's own village (its polygon), not a radius
    desa = getattr(m.published.plan, "reach", "") == "desa"
    for i in [] if desa else sites:
        m.ax.add_patch(Circle((m.rx[i], m.ry[i]), radius, fill=False, edgecolor=ring["color"],
                              linewidth=1.0, linestyle=(0, (5, 4)), zorder=5))  # fmt: skip
    m.ax.scatter(m.rx[sites], m.ry[sites], s=SITE_RING_PT**2, facecolor="none",
                 edgecolor=st["color"], linewidth=2.6, zorder=8, gid="site")  # fmt: skip
    m.placer.reserve_points(m.rx[sites], m.ry[sites], SITE_RING_PT)
    m.symbol("site", t("layer.sites", m.lang), ms=11, mfc="none", mew=2.4)
    if not desa:
        m.handles.append(Line2D([], [], color=ring["color"], lw=1, ls=(0, (5, 4)),
                                label=t("legend.site_ring", m.lang,
                                        radius=fmt_num(radius / 1000, m.lang, 1))))  # fmt: skip


def _layer_pilots(m: _Map) -> None:
    """Pilot villages: a star behind the rank number."""
    if not m.pilots:
        return
    pilots = m.here(m.pilots)
    st = SYMBOLS["pilot"]
    m.ax.scatter(m.rx[pilots], m.ry[pilots], s=(st["size"] * 2.3) ** 2, marker=st["marker"],
                 color=st["fill"], edgecolor=st["color"], linewidth=1.0, zorder=8.5)  # fmt: skip
    m.placer.reserve_points(m.rx[pilots], m.ry[pilots], st["size"] * 2.0)
    m.symbol("pilot", t("layer.pilots", m.lang), ms=15)


def _layer_ranks(m: _Map) -> None:
    """Rank numbers of the top N, on top of every symbol (moved aside with a leader only where
    a better rank already sits)."""
    for i in m.here(m.top):
        m.placer.badge(m.rx[i], m.ry[i], int(m.kel["rank"].iloc[i]))
    if m.top:
        m.handles.insert(0, Line2D([], [], ls="", marker="o", ms=12, mfc="#222222", mec="white",
                                   label=t("legend.top", m.lang, n=len(m.top))))  # fmt: skip


def _layer_labels(m: _Map, bm: Basemap) -> dict[str, list[str]]:
    """Names by priority: pilots, sites, the top N, then kab/kota names inside the frame;
    returns the names that found no place (listed beside the map)."""
    p = m.placer
    lab_kw = {"fontsize": 9.5, "zorder": 11, "path_effects": _HALO}
    names = m.kel["nama"].astype(str).to_numpy() if "nama" in m.kel else np.array([""] * len(m.kel))
    unplaced: dict[str, list[str]] = {"pilots": [], "sites": [], "top": []}
    groups = (
        ("pilots", m.pilots, {"gap": 14, "fontweight": "bold"}),
        ("sites", m.sites, {"gap": 12, "color": "#3f007d", "fontweight": "bold"}),
        ("top", m.top, {"gap": 9}),
    )
    done: set[int] = set()
    for key, idx, kw in groups:
        for i in m.here(idx):
            if i in done:
                continue
            done.add(i)
            if p.place(m.rx[i], m.ry[i], names[i], **kw, **lab_kw) is None:
                unplaced[key].append(names[i])
    if bm.kab is not None and len(bm.kab) > 0 and "lon" in bm.kab:
        kx, ky = _points_xy(bm.kab["lon"].to_numpy(float), bm.kab["lat"].to_numpy(float), m.crs)
        slots = [((0, 0), "center", "center")] + [
            ((dx, dy), "center", "center") for dy in (18, -18, 36, -36) for dx in (0, -30, 30)
        ]
        (x0, x1), (y0, y1) = m.ax.get_xlim(), m.ax.get_ylim()
        for x, y, nm in zip(kx, ky, bm.kab["kab_kota"].astype(str), strict=True):
            if np.isfinite(x) and nm != "?" and x0 <= x <= x1 and y0 <= y <= y1:
                p.place(x, y, nm.upper(), slots=slots, fontsize=11, color="#424242",
                        fontweight="bold", zorder=10,
                        path_effects=[pe.withStroke(linewidth=3.5, foreground="white")])  # fmt: skip
    return unplaced


def _legend(m: _Map, handles: list, anchor, title: str, pt: float):
    """A figure legend whose long rows wrap until it ends inside the page (its points stay:
    a slide needs them)."""
    renderer = m.fig.canvas.get_renderer()
    kw = {"loc": "upper left", "frameon": False, "fontsize": pt, "labelspacing": 0.2,
          "title_fontsize": 11, "alignment": "left", "bbox_to_anchor": anchor}  # fmt: skip
    for width in range(60, 14, -4):
        labels = [textwrap.fill(h.get_label(), width) for h in handles]
        leg = m.fig.legend(handles=handles, labels=labels, title=title, **kw)
        if leg.get_window_extent(renderer).x1 <= m.fig.bbox.x1 - 2:
            break
        leg.remove()
    return leg


def _panel_legends(m: _Map, score_handles: list, base_handles: list, right: float, top: float):
    """Score classes, then every symbol drawn; returns the y (figure fraction) under them."""
    pt = 10.5 if m.body else 10
    renderer = m.fig.canvas.get_renderer()
    leg = _legend(m, score_handles, (right, top), t("legend.score", m.lang), pt)
    y_after = leg.get_window_extent(renderer).y0 / m.fig.bbox.height
    leg2 = _legend(m, m.handles + base_handles, (right, y_after - 0.01),
                   t("legend.symbols", m.lang), pt)  # fmt: skip
    return leg2.get_window_extent(renderer).y0 / m.fig.bbox.height


def _panel_list(m: _Map, unplaced: dict, right: float, top: float, bottom: float) -> float:
    """The top list (rank, name, score) and the names not labelled on the map, as room
    allows; returns the y (figure fraction) where the text block starts."""
    h_in = m.fig.get_size_inches()[1]
    names = m.kel["nama"].astype(str).to_numpy() if "nama" in m.kel else np.array([""] * len(m.kel))
    score_of = (
        dict(zip(m.kel["kode"].astype(str), m.kel["score"], strict=False)) if len(m.kel) else {}
    )
    extra: list[str] = []
    for key in ("pilots", "sites"):
        if unplaced[key]:  # named on the map where they fit; the rest listed here
            extra += ["", t(f"panel.{key}", m.lang) + ":",
                      *textwrap.wrap(", ".join(unplaced[key]), 40)]  # fmt: skip
    text_top = top - 0.015
    room = int((text_top - bottom) * h_in * 72 / (9.5 * 1.25)) - 1 - len(extra)
    order = m.top
    shown = order[: max(min(10, room - (1 if len(order) > room else 0)), 0)] if not m.body else []
    lines = [t("panel.top", m.lang)] if shown else []
    for i in shown:
        sc_txt = fmt_num(score_of.get(str(m.kel["kode"].iloc[i])), m.lang, 1)
        lines.append(f"{int(m.kel['rank'].iloc[i])}. {names[i]} ({sc_txt})")
    if shown and len(order) > len(shown):
        lines.append(t("panel.more", m.lang, n=len(order) - len(shown)))
    lines += extra
    m.fig.text(right + 0.005, text_top, plain_text("\n".join(lines)), fontsize=9.5, va="top",
               linespacing=1.25)  # fmt: skip
    return text_top


def _note(published: Published, subtitle: str, lang: str, body: bool, outside: list[str]) -> str:
    """The footer: sources, radius, the publication rule, roads, units beyond the frame."""
    ctx = published.context or MapContext()
    sc = published.scenario
    note = (
        f"{source_credit(ctx.sources, demo=ctx.demo, roads=ctx.roads is not None, lang=lang)}. "
        f"{t('method.radius', lang)}: {fmt_num(sc.radius_m / 1000, lang, 1)} km. "
        f"{published.rule_in(lang, curve=False)}"
        + (f" {subtitle}." if body else "")
        + _roads_note(sc, lang)
    )
    if outside:
        names = ", ".join(outside[:6]) + ("…" if len(outside) > 6 else "")
        note += " " + t("note.outside", lang, names=names) + "."
    return note


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


def _inset(
    fig,
    rect,
    kel4326: gpd.GeoDataFrame,
    ctx: MapContext | None,
    lang: str,
    frame=None,
    details=(),
) -> None:
    """Locator: Indonesia's provinces around the mapped area (its own province darker), every
    loaded unit beyond the map (grey), the mapped area (red) and the map's frame (``frame``,
    x0, y0, x1, y1 in degrees; else the area's extent) as a box, each detail box's view
    (``details``) as a dashed one."""
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
            ax.scatter(*point_inside(cu.geometry), s=0.2, color="#bdbdbd", linewidths=0)
    kel4326.plot(ax=ax, color="#c62828", edgecolor="none")
    pad_x, pad_y = (x1 - x0) * 0.02, (y1 - y0) * 0.02
    fx0, fy0, fx1, fy1 = frame if frame is not None else area
    if frame is None:
        fx0, fy0, fx1, fy1 = fx0 - pad_x, fy0 - pad_y, fx1 + pad_x, fy1 + pad_y
    box = Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, fill=False, edgecolor="#c62828", lw=1.2,
                    zorder=5)  # fmt: skip
    ax.add_patch(box)
    for dx0, dy0, dx1, dy1 in details:
        ax.add_patch(Rectangle((dx0, dy0), dx1 - dx0, dy1 - dy0, fill=False, edgecolor="#c62828",
                               lw=0.9, ls=(0, (2, 1.5)), zorder=5))  # fmt: skip
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


def _focus(m: _Map) -> np.ndarray:
    """Which units frame the map (:func:`focus_mask`, then :func:`split_far`: far-off units
    that must be shown go into detail boxes); names those with clients left outside both."""
    f = m.published.scenario.filters
    must = np.zeros(len(m.kel), dtype=bool)
    must[[*m.top, *m.sites, *m.pilots]] = True
    mask = focus_mask(m.kel, must, chosen=bool(f.provinsi or f.kab_kota or f.kecamatan))
    weight = client_weight(m.kel)
    if len(m.kel) <= DETAIL_MAX_UNITS:
        framing = split_far(m.plot.geometry.to_numpy(), weight, mask, must, _frame_ratio(m))
        mask = framing.main
        m.details = framing.details
        m.detail_views = [_detail_view(m, g) for g in m.details]
        m.away = frozenset(int(i) for g in m.details for i in g)
    out = ~mask & (weight > 0)
    for x0, y0, x1, y1 in m.detail_views:  # drawn in a detail box: not outside
        out &= ~((m.rx >= x0) & (m.rx <= x1) & (m.ry >= y0) & (m.ry <= y1))
    if out.any() and "nama" in m.kel:
        m.outside = m.kel.loc[out, "nama"].astype(str).tolist()
    return mask


#: detail boxes are considered for layers up to this many drawn units (a national overview's
#: far-off kab/kota stay in the frame); a box's height/width; its view's padding
DETAIL_MAX_UNITS = 5000
DETAIL_RATIO = 0.72
DETAIL_PAD = 0.2
#: a detail box spans at least this many metres (an islet keeps its sea around it)
DETAIL_MIN_SPAN_M = 3000.0


def _frame_ratio(m: _Map) -> float:
    """The map axes' height/width as :func:`_layout` will make them (the footer's height
    estimated: the frame is split before the footer naming what it leaves out is measured)."""
    w_in, h_in = m.fig.get_size_inches()
    if m.body:
        return (h_in - 0.11) / (0.60 * w_in)
    return (h_in - 1.06 - 0.55) / (0.64 * w_in)


def _detail_view(m: _Map, g: np.ndarray) -> tuple[float, float, float, float]:
    """A detail box's view: the far-off units' extent, padded, at :data:`DETAIL_RATIO`."""
    x0, y0, x1, y1 = m.plot.geometry.iloc[g].total_bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half = DETAIL_MIN_SPAN_M / 2
    x0, x1 = min(x0, cx - half), max(x1, cx + half)
    y0, y1 = min(y0, cy - half), max(y1, cy + half)
    return fit_box((x0, y0, x1, y1), DETAIL_RATIO, DETAIL_PAD)


def _place_details(m: _Map) -> None:
    """Each detail box (with its lines above it) where it covers none of the main map's
    symbols and the least land, towards where its units lie; smaller where that frees a spot.
    The space is reserved, so no rank, label or agent of the main map goes under it."""
    if not m.details:
        return
    pos, (w_in, h_in) = m.ax.get_position(), m.fig.get_size_inches()
    ax_w, ax_h = pos.width * w_in, pos.height * h_in
    (x0, x1), (y0, y1) = m.ax.get_xlim(), m.ax.get_ylim()
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    tree = shapely.STRtree(m.plot.geometry.to_numpy())
    for g in m.details:
        to = (float(m.rx[g].mean()), float(m.ry[g].mean()))
        title, where = detail_label(m.kel, g, centre, to, m.lang)
        best = None
        for step, scale in enumerate((1.0, 0.85)):
            bw = min(max(0.24 * ax_w, 1.6), 2.2) * scale
            lines = _detail_lines(m.fig, title, where, bw)
            title_in = DETAIL_LINE_IN * len(lines) + 0.06
            bh = min(bw * DETAIL_RATIO, 0.46 * ax_h - title_in)
            spot = _detail_spot(m, g, bw / ax_w, (bh + title_in) / ax_h, tree)
            cost = None if spot is None else spot[0] + 0.25 * step  # a smaller box costs a bit
            if cost is not None and (best is None or cost < best[0]):
                best = (cost, spot[1], lines, title_in)
        if best is None:  # no spot left
            continue
        m.detail_rects.append(best[1])
        m.detail_text.append((best[2], best[3]))
        m.placer.reserve_axes(*best[1])


#: a line of the detail box's heading, in inches
DETAIL_LINE_IN = 0.18
#: the heading's fonts: the names, where they are
_DETAIL_FONTS = ({"fontweight": "bold", "fontsize": 9.5}, {"fontsize": 8.5, "color": "#333333"})


def _detail_lines(fig, title: str, where: str, width_in: float) -> list[tuple[str, dict]]:
    """The heading's lines: the names, then where they are (on two lines, split after the
    kecamatan, when one line would not fit ``width_in``)."""
    bold, plain = _DETAIL_FONTS
    art = fig.text(0, 0, plain_text(where), **plain)
    wide = art.get_window_extent(fig.canvas.get_renderer()).width / fig.dpi > width_in - 0.1
    art.remove()
    parts = where.split(", ", 1) if wide and ", " in where else [where]
    if len(parts) == 2:
        parts[0] += ","
    return [(title, bold), *((p, plain) for p in parts)]


def _detail_spot(m: _Map, g: np.ndarray, fw: float, fh: float, tree):
    """(cost, rect in axes fractions) of the best free spot along the map's edges for a box
    ``fw`` x ``fh`` (axes fractions), or None: 10 per symbol of the main map it would cover
    (a ring beside it counts), four times the land share it covers, a little for pointing away from
    the far-off units ``g``; clear of the scale bar, the north arrow and the boxes placed."""
    (x0, x1), (y0, y1) = m.ax.get_xlim(), m.ax.get_ylim()
    pos, (w_in, h_in) = m.ax.get_position(), m.fig.get_size_inches()
    mx = SITE_RING_PT / 72 / (pos.width * w_in) * (x1 - x0)
    my = SITE_RING_PT / 72 / (pos.height * h_in) * (y1 - y0)
    sym = sorted(set(m.here([*m.top, *m.sites, *m.pilots])))
    gx, gy = m.rx[g].mean() - (x0 + x1) / 2, m.ry[g].mean() - (y0 + y1) / 2
    geoms = m.plot.geometry.to_numpy()
    best = None
    for fx in (0.012, 0.25, 0.5 - fw / 2, 0.75 - fw, 0.988 - fw):
        for fy in (0.988 - fh, 0.5 - fh / 2, 0.12, 0.012):
            rect = (fx, fy, fx + fw, fy + fh)
            reserved = [(0.0, 0.0, 0.32, 0.11), (0.92, 0.8, 1.0, 1.0), *m.detail_rects]
            if any(_hit(rect, o) for o in reserved):
                continue
            box = (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0),
                   x0 + (fx + fw) * (x1 - x0), y0 + (fy + fh) * (y1 - y0))  # fmt: skip
            covered = sum(box[0] - mx <= m.rx[i] <= box[2] + mx
                          and box[1] - my <= m.ry[i] <= box[3] + my for i in sym)  # fmt: skip
            dx, dy = fx + fw / 2 - 0.5, fy + fh / 2 - 0.5
            cos = (gx * dx + gy * dy) / (np.hypot(gx, gy) * np.hypot(dx, dy) + 1e-9)
            cost = 10 * covered + 4 * land_share(geoms, tree, box) + 0.2 * (1 - cos)
            if best is None or cost < best[0]:
                best = (cost, rect)
    return best


def _draw_details(m: _Map, bm: Basemap) -> None:
    """Each far-off group in its detail box: the units in its view coloured as on the map,
    their rank numbers, site rings, pilot stars, agents and names (the map's own layer
    functions, drawn on the box), under its heading: the names and where they are
    ("Kepulauan Sangkarrang, ±35 km barat")."""
    pos, h_in = m.ax.get_position(), m.fig.get_size_inches()[1]
    everyone = frozenset(range(len(m.kel)))
    boxes = zip(m.details, m.detail_views, m.detail_rects, m.detail_text, strict=False)
    for g, view, rect, (lines, title_in) in boxes:
        fx0, fy0, fx1, fy1 = rect
        title_f = title_in / (pos.height * h_in)
        m.ax.add_patch(Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, transform=m.ax.transAxes,
                                 facecolor="white", edgecolor="#424242", lw=1.0, zorder=12,
                                 gid="detail_frame"))  # fmt: skip
        iax = m.fig.add_axes((pos.x0 + fx0 * pos.width, pos.y0 + fy0 * pos.height,
                              (fx1 - fx0) * pos.width, (fy1 - fy0 - title_f) * pos.height))  # fmt: skip
        iax.set_gid("detail")
        iax.set_facecolor(SYMBOLS["sea"]["color"])
        iax.set_xticks([])
        iax.set_yticks([])
        box = iax.get_window_extent()
        vx0, vy0, vx1, vy1 = fit_box(view, box.height / box.width, 0.0)  # the box's own shape
        sub = m.plot.cx[vx0:vx1, vy0:vy1]
        sub.plot(ax=iax, color=[m.face[i] for i in sub["i"]], edgecolor=OUTLINE_COLOR,
                 linewidth=0.4, zorder=2)  # fmt: skip
        iax.set_aspect("equal", adjustable="box")
        iax.set_xlim(vx0, vx1)
        iax.set_ylim(vy0, vy1)
        iax.set_autoscale_on(False)
        iax.set_xlabel("")
        iax.set_ylabel("")
        away = everyone - frozenset(int(i) for i in g)
        dm = replace(m, ax=iax, placer=LabelPlacer(m.fig, iax), handles=[], away=away)
        for layer in (_layer_ranks, _layer_sites, _layer_pilots, _layer_agents):
            layer(dm)
        _layer_labels(dm, bm)
        for k, (text, kw) in enumerate(lines):  # top down
            dy = 3 + 72 * DETAIL_LINE_IN * (len(lines) - 1 - k)
            art = iax.annotate(plain_text(text), (0, 1), xycoords="axes fraction",
                               xytext=(3, dy), textcoords="offset points", va="bottom",
                               zorder=13, gid="detail_title", **kw)  # fmt: skip
            _shrink_to(art, iax.get_window_extent().width - 6)


def _shrink_to(art, max_px: float) -> None:
    """A text's font shrunk (down to 60 %) until it is at most ``max_px`` wide."""
    renderer = art.figure.canvas.get_renderer()
    size = art.get_fontsize()
    for f in np.arange(size, size * 0.6, -0.5):
        art.set_fontsize(f)
        if art.get_window_extent(renderer).width <= max_px:
            break


def _frame(m: _Map, mask: np.ndarray) -> None:
    """Fit the axes to the focus units at the frame's aspect; the rest of the layer stays
    drawn as context, clipped by the frame."""
    w_in, h_in = m.fig.get_size_inches()
    bounds = m.plot[mask].total_bounds if mask.any() else m.plot.total_bounds
    if not len(m.plot):
        bounds = (0, 0, 1, 1)
    bx = m.ax.get_position(original=True)
    x0, y0, x1, y1 = fit_box(tuple(bounds), (bx.height * h_in) / (bx.width * w_in), 0.04)
    m.ax.set_aspect("equal", adjustable="datalim")
    m.ax.set_xlim(x0, x1)
    m.ax.set_ylim(y0, y1)
    m.ax.set_autoscale_on(False)
    m.ax.set_xlabel("")
    m.ax.set_ylabel("")
    corners = gpd.GeoSeries(gpd.points_from_xy([x0, x1], [y0, y1]), crs=m.crs).to_crs(4326)
    m.view4326 = (corners.x.min(), corners.y.min(), corners.x.max(), corners.y.max())


def _titles(m: _Map, title: str | None, subtitle: str | None) -> tuple[str, str]:
    title = title or map_title(m.full, m.lang)
    if subtitle is None:
        ctx, lang = m.ctx, m.lang
        when = t("note.data_date", lang, date=ctx.data_date) if ctx.data_date else str(date.today())
        subtitle = (
            f"{area_name(m.full, lang, long=True)} · {t('note.scenario', lang)}: "
            f"{m.published.scenario.name} · {when}"
        )
    return title, subtitle


def _layout(m: _Map, title: str, subtitle: str, note: str) -> float:
    """Title block and footer first (the footer wraps and is measured), then the map axes in
    the space left; returns the footer's top (figure fraction), which nothing crosses."""
    fig = m.fig
    w_in, h_in = fig.get_size_inches()
    head = 0.0 if m.body else 1.0  # inches of title block
    foot = 0.05 / h_in
    if not m.body:
        _fit_line(fig, 0.01, 1 - 0.18 / h_in, title, 0.98, 20, fontweight="bold", va="top")
        _fit_line(fig, 0.01, 1 - 0.62 / h_in, subtitle, 0.98, 12, color="#333333", va="top")
        art = _wrapped(fig, 0.01, 0.08 / h_in, note, 0.98, fontsize=8.5, color="#333333",
                       va="bottom")  # fmt: skip
        top = art.get_window_extent(fig.canvas.get_renderer()).y1 / fig.bbox.height
        foot = top + 0.1 / h_in
    m.ax = fig.add_axes((0.005, foot, 0.60 if m.body else 0.64, 1 - foot - (head + 0.06) / h_in))
    m.ax.set_facecolor(SYMBOLS["sea"]["color"])
    m.ax.set_xticks([])
    m.ax.set_yticks([])
    for sp in m.ax.spines.values():
        sp.set_edgecolor("#9e9e9e")
    return foot


def _panel(m: _Map, score_handles, base_handles, unplaced, foot: float) -> None:
    """Right of the map: legends, the top list, and the locator inset at the bottom."""
    h_in = m.fig.get_size_inches()[1]
    head = 0.0 if m.body else 1.0
    right = 0.615 if m.body else 0.67
    y = _panel_legends(m, score_handles, base_handles, right, 1 - (head + 0.12) / h_in)
    text_top = _panel_list(m, unplaced, right, y, foot)
    inset_w = 0.12
    inset_h = min(1.5 / h_in, max(text_top - foot - 0.04, 0.12))
    if inset_h * h_in >= 0.8:
        rect = (0.995 - inset_w, foot + 0.01, inset_w, inset_h)
        details = [_to4326(v, m.crs) for v in m.detail_views[: len(m.detail_rects)]]
        _inset(m.fig, rect, m.full, m.ctx, m.lang, frame=m.view4326, details=details)


def _to4326(box, crs) -> tuple[float, float, float, float]:
    """A box (x0, y0, x1, y1) of the map's metric CRS in degrees."""
    c = gpd.GeoSeries(gpd.points_from_xy([box[0], box[2]], [box[1], box[3]]), crs=crs).to_crs(4326)
    return c.x.min(), c.y.min(), c.x.max(), c.y.max()


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
    The frame is the area that matters (:func:`_frame`); each layer is a function of its own.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {list(SIZES)}")
    if fmt not in ("png", "pdf"):
        raise ValueError("fmt must be 'png' or 'pdf'")
    plt.rcParams["font.family"] = FONT
    fig = plt.figure(figsize=SIZES[size], dpi=dpi)
    m = _prepare(published, fig, None, overview, lang, size == "slide_body")
    _top_units(m, top_n)
    mask = _focus(m)
    title, subtitle = _titles(m, title, subtitle)
    foot = _layout(m, title, subtitle, _note(published, subtitle, lang, m.body, m.outside))
    _frame(m, mask)
    bm = basemap or build_basemap(m.full, m.ctx.roads)
    base_handles = _draw_basemap(m.ax, bm, m.crs, lang)
    _draw_context(m)
    score_handles = _draw_units(m)
    m.placer = LabelPlacer(fig, m.ax)
    _north_arrow(m.ax, lang)
    _scale_bar(m.ax, lang)
    m.placer.reserve_axes(0.92, 0.80, 1.0, 1.0)
    m.placer.reserve_axes(0.0, 0.0, 0.32, 0.11)
    _place_details(m)
    # rank numbers first (they may only avoid each other), then the symbols around them
    for layer in (_layer_ranks, _layer_sites, _layer_pilots, _layer_agents, _layer_service_points):
        layer(m)
    unplaced = _layer_labels(m, bm)
    _draw_details(m, bm)
    m.ax.set_xlabel("")  # geopandas names the CRS axes after each layer; a map needs none
    m.ax.set_ylabel("")
    _panel(m, score_handles, base_handles, unplaced, foot)
    return _save(fig, fmt, dpi, title)


def _save(fig, fmt: str, dpi: int, title: str) -> bytes:
    """The figure's bytes with reproducible metadata (no creation date in a PDF)."""
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
    if scenario.roads.distance != "road":
        return ""
    return f" {'Jarak' if lang == 'id' else 'Distance'}: {distance_method(scenario, lang)}."
