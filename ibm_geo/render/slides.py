"""Rakor deck (PPTX, 16:9) a BNNP head can present: situation, map, priorities, the plan as a
decision, pilots, per-kab/kota figures, method and data quality.

Written for a meeting room: body text 16-20 pt and never below 14 pt, fonts named explicitly
(:data:`ibm_geo.render.pptx_layout.FONT`), tables measured and continued on the next slide
instead of overflowing, every slide marked "TERBATAS". Every client-derived number comes from
the published tier (:class:`ibm_geo.publish.Published`: its ranking, totals, kab/kota table,
sites, pilots, curve and data-quality report); this module formats, it never counts clients.

The deck is :data:`SLIDES`, a list of slide functions: each takes the :class:`Published` object
and a :class:`DeckContext` and adds its slide (a table continues on further slides; a plan
slide adds nothing without a plan); :func:`build_slides` runs them in order.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Pt

from ibm_geo.components import BY_NAME
from ibm_geo.config import Scenario
from ibm_geo.distance import distance_method
from ibm_geo.export.files import filename as export_filename
from ibm_geo.i18n import t, text_column
from ibm_geo.plan.result import solver_text
from ibm_geo.publish import TOP_FATES, Published, is_band
from ibm_geo.render.basemap import Basemap, MapContext
from ibm_geo.render.pptx_layout import (
    CELL_PAD_IN,
    FONT,
    Column,
    add_table,
    add_text,
    line_height_in,
    paginate,
    style_run,
    wrap,
)
from ibm_geo.render.static_map import render_static_map
from ibm_geo.render.text import area_name, fmt_num, fmt_rp, source_credit

SLIDE_W_IN, SLIDE_H_IN = 13.333, 7.5
MARGIN = 0.5
BODY_TOP = 1.3
BODY_BOTTOM = 6.85
#: a dense table (the top 10 on one slide) starts right under the one-line title
TOP_DENSE = 1.1
DENSE_PAD_IN = 0.02
TITLE_PT = 30
BODY_PT = 18
TABLE_PT = 14
MIN_PT = 14
_BLANK = 6

CLASS_METHOD = {
    "quantiles": {"id": "kuantil", "en": "quantiles"},
    "natural_breaks": {"id": "Jenks (natural breaks)", "en": "natural breaks"},
    "fixed": {"id": "batas tetap", "en": "fixed breaks"},
}


def _component_label(name: str, lang: str) -> str:
    """A score component's name as the registry declares it (lower-cased for mid-sentence)."""
    comp = BY_NAME.get(name)
    label = comp.label.get(lang, name) if comp else name
    return label[:1].lower() + label[1:]


class Deck:
    """A 16:9 presentation with the title, footer and "TERBATAS" mark on every slide."""

    def __init__(self, title: str, area: str, when: str, lang: str):
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = Inches(SLIDE_W_IN), Inches(SLIDE_H_IN)
        cp = self.prs.core_properties
        cp.author = "ibm-geo"
        cp.last_modified_by = "ibm-geo"
        cp.title = title
        cp.comments = ""
        cp.keywords = t("deck.restricted", lang)
        # the footer's area and data date travel with the file: slides appended later
        # (:func:`ibm_geo.render.monitoring.add_progress_slides`) keep the same footer
        cp.subject, cp.category = area, when
        self.area, self.when, self.lang = area, when, lang

    def slide(self, title: str | None):
        s = self.prs.slides.add_slide(self.prs.slide_layouts[_BLANK])
        n = len(self.prs.slides)
        if title:
            add_text(s, MARGIN, 0.35, SLIDE_W_IN - 2 * MARGIN - 2.0, title, TITLE_PT, bold=True,
                     color="1F3864")  # fmt: skip
        add_text(
            s, SLIDE_W_IN - MARGIN - 1.8, 0.35, 1.8, t("deck.restricted", self.lang), 16,
            bold=True, color="FFFFFF", align="center", fill="C00000",
        )  # fmt: skip
        foot = t("deck.footer", self.lang, area=self.area, date=self.when, n=n)
        add_text(s, MARGIN, 6.95, SLIDE_W_IN - 2 * MARGIN, foot, MIN_PT, color="595959")
        return s

    def table_slides(
        self,
        title: str,
        headers: list[Column],
        rows: list[list[str]],
        *,
        top: float = BODY_TOP,
        note: str | None = None,
        pad_in: float = CELL_PAD_IN,
    ) -> int:
        """The table on as many slides as it needs; returns the number of slides."""
        width = SLIDE_W_IN - 2 * MARGIN
        note_h = 0.0
        if note:
            note_h = len(wrap(note, width - 0.2, 16)) * line_height_in(16) + 0.3
        widths, pages, heights = paginate(
            headers, rows, width, BODY_BOTTOM - top - note_h - 0.1, TABLE_PT, pad_in
        )
        for i, (page, hs) in enumerate(zip(pages, heights, strict=True)):
            s = self.slide(title if i == 0 else f"{title} {t('deck.cont', self.lang)}")
            h = add_table(s, MARGIN, top, headers, page, widths, hs, TABLE_PT, pad_in)
            if note and i == len(pages) - 1:
                add_text(s, MARGIN, top + h + 0.15, width, note, 16, color="404040")
        return len(pages)


def _num(v, lang: str, decimals: int = 0) -> str:
    return fmt_num(v, lang, decimals)


def _total(value: object) -> int:
    """A published total as a number (a band counts as 0: it is never summed into a figure)."""
    if is_band(value) or value is None or (isinstance(value, float) and np.isnan(value)):
        return 0
    return int(value)


def _fmt_total(value: object, lang: str) -> str:
    """A published total as the tables show it: its number, or the band of an opaque area."""
    if is_band(value):
        return str(value)
    return _num(_total(value), lang)


def _fates_line(fates: pd.DataFrame, lang: str) -> str:
    """ "Of the top 10 villages: 5 become sites, 2 ..., 3 ...": every village counted once,
    the parts add up to the number stated (the published :attr:`Published.top_fates`)."""
    counts = fates["fate"].value_counts() if len(fates) else pd.Series(dtype=int)
    parts = [
        t(f"deck.why.{f}", lang, n=_num(int(counts[f]), lang)) for f in TOP_FATES if counts.get(f)
    ]
    return t("deck.why.of", lang, n=_num(len(fates), lang), parts=", ".join(parts))


@dataclass(frozen=True)
class DeckContext:
    """What every slide function shares besides :class:`Published`: the deck being built and
    the choices made once for the whole deck (language, title, basemap, solver label)."""

    deck: Deck
    lang: str
    title: str
    map_context: MapContext
    basemap: Basemap | None = None
    solver: str | None = None

    @property
    def reason_col(self) -> str:
        """The published reason sentence in the deck's language."""
        return text_column("reason", self.lang)

    def sources(self) -> str:
        """The data sources line (boundaries, demo, roads) the map and method slides cite."""
        c = self.map_context
        return source_credit(c.sources, demo=c.demo, roads=c.roads is not None, lang=self.lang)


#: a slide function adds its slide(s) to ``dc.deck`` (none when it has nothing to show)
SlideFn = Callable[[Published, DeckContext], None]


def _data_when(published: Published, data_date: str | None, lang: str) -> str:
    """The footer's "data as of": the given date, else the scenario's or the map context's,
    else the latest rehab year, else today."""
    ctx = published.context or MapContext()
    when_raw = data_date or published.scenario.data_date or ctx.data_date
    if when_raw:
        return t("deck.data_date", lang, date=when_raw)
    if ctx.reference_year:
        return t("deck.data_year", lang, year=ctx.reference_year)
    return f"{t('note.date', lang)}: {date.today().isoformat()}"


def title_slide(published: Published, dc: DeckContext) -> None:
    """1. Title: the deck's name, area, data date, kab/kota list, scenario, TERBATAS note."""
    lang, deck = dc.lang, dc.deck
    s = deck.slide(None)
    add_text(s, MARGIN, 1.7, SLIDE_W_IN - 2 * MARGIN, dc.title, 40, bold=True, color="1F3864")
    add_text(s, MARGIN, 2.6, SLIDE_W_IN - 2 * MARGIN, deck.area, 30, color="1F3864")
    kabs = [str(v) for v in published.kab_totals["kab_kota"]]
    names = ", ".join(kabs[:6]) + (
        f" {t('deck.and_more', lang, n=len(kabs) - 6)}" if len(kabs) > 6 else ""
    )
    lines = [
        t("deck.subtitle", lang),
        deck.when,
        t("deck.area_list", lang, names=f"{len(kabs)} kab/kota – {names}"),
        f"{t('note.scenario', lang)}: {published.scenario.name}",
    ]
    if dc.map_context.demo:
        lines.append(t("credit.demo", lang))
    add_text(s, MARGIN, 3.5, SLIDE_W_IN - 2 * MARGIN, lines, 20, color="404040")
    add_text(s, MARGIN, 6.2, SLIDE_W_IN - 2 * MARGIN, t("deck.restricted_note", lang), 16,
             bold=True, color="C00000")  # fmt: skip


def situation_slide(published: Published, dc: DeckContext) -> None:
    """2. Situation summary (sums of the published kab/kota totals) and the full-reach gap."""
    lang, totals, kab = dc.lang, published.totals, published.kab_totals
    s = dc.deck.slide(t("deck.situation", lang))
    rows = [
        ("deck.s.clients", "clients"),
        ("deck.s.served", "served"),
        ("deck.s.in_reach", "in_reach"),
        ("deck.s.referral", "referral_berat"),
        ("deck.s.unserved", "unserved"),
        ("deck.s.agents", "agents_active"),
    ]
    table_rows = [
        [
            t(key, lang),
            _fmt_total(totals[col] if col in totals else int(pd.to_numeric(kab[col]).sum()), lang),
        ]
        for key, col in rows
        if col in totals or col in kab
    ]
    table_rows.append([t("deck.s.villages", lang), _num(published.units_with_unserved, lang)])
    heads = [Column(dc.deck.area), Column(t("deck.col.count", lang), align="right")]
    widths, pages, heights = paginate(heads, table_rows, 8.5, 4.6, 18)
    add_table(s, MARGIN, BODY_TOP, heads, pages[0], widths, heights[0], 18)
    everyone = published.full_reach  # in the plan's own reach model, on published counts
    if everyone is not None:
        groups = _num(everyone.groups, lang)
        if not everyone.complete:
            groups = t("deck.s.more_than", lang, n=groups)
        agents = everyone.groups * published.scenario.group_size
        gap = t("deck.s.gap", lang, groups=groups, agents=_num(agents, lang),
                p=_num(published.groups_proposed, lang))  # fmt: skip
        add_text(s, 9.3, BODY_TOP, SLIDE_W_IN - 9.3 - MARGIN, gap, 20, bold=True,
                 color="1F3864", fill="EEF2F7")  # fmt: skip


def map_slide(published: Published, dc: DeckContext) -> None:
    """3. The print map, rendered at the size it is shown so its legend and labels keep their
    points, with the sources and the small-count rule under it."""
    s = dc.deck.slide(t("deck.map", dc.lang))
    png = render_static_map(
        published, basemap=dc.basemap, size="slide_body", fmt="png", lang=dc.lang, dpi=200,
    )  # fmt: skip
    # drawn at 3/4 of the slide width and shown enlarged: its 10.5 pt legend reads as 14 pt
    s.shapes.add_picture(io.BytesIO(png), Inches(0.05), Inches(1.05), width=Inches(13.2))
    credit = f"{dc.sources()}. {published.rule_in(dc.lang, curve=False)}"
    add_text(s, MARGIN, 6.05, SLIDE_W_IN - 2 * MARGIN, credit, MIN_PT, color="404040")


def top_slide(published: Published, dc: DeckContext) -> None:
    """4. The top N with their reasons, on one slide: kecamatan and kab/kota share a cell,
    every row may take a second line, the cells keep a narrow margin (20 lines of 14 pt text
    fit the body)."""
    lang = dc.lang
    top = published.top(published.scenario.top_n)  # ranked areas only: opaque ones have none
    heads = [
        Column("#", "right"),
        Column(t("field.nama", lang), one_line_header=True),
        Column(f"{t('field.kecamatan', lang)}, {t('field.kab_kota', lang)}", one_line_header=True),
        Column(t("field.score", lang), "right", one_line_header=True),
        Column(t("field.unserved", lang), "right", one_line_header=True),
        Column(t("field.reason", lang), max_share=0.5),
    ]
    rows_ = [
        [
            str(int(r["rank"])), str(r["nama"]), f"{r['kecamatan']}, {r['kab_kota']}",
            _num(r["score"], lang, 1), _num(r["unserved"], lang),
            _short_reason(r[dc.reason_col], limit=None),
        ]
        for _, r in top.iterrows()
    ]  # fmt: skip
    dc.deck.table_slides(
        t("deck.top", lang, n=len(top)), heads, rows_, top=TOP_DENSE, pad_in=DENSE_PAD_IN
    )


def decision_slide(published: Published, dc: DeckContext) -> None:
    """5. The plan as a decision: groups, agents, cost, clients reached, per kab/kota, method
    (or, without a plan, how to make one)."""
    lang, sp = dc.lang, published.sites
    s = dc.deck.slide(t("deck.decision", lang))
    if not len(sp):
        add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, t("deck.d.none", lang), 20)
        return
    agents, groups_n = published.agents_proposed, published.groups_proposed
    # the sum of the site table's column, so the slide and the table agree
    reached = _num(published.reached_new, lang)
    lines = [t("deck.d.groups", lang, groups=groups_n, agents=_num(agents, lang), sites=len(sp))]
    cost = published.scenario.plan.cost_per_agent_rp
    if cost is not None:  # without a cost per agent the line is left out (no config key)
        lines.append(t("deck.d.cost", lang, rp=fmt_rp(cost * agents, lang),
                       per=fmt_rp(cost, lang)))  # fmt: skip
    if reached is not None:
        total = _fmt_total(published.totals.get("unserved"), lang)
        lines.append(t("deck.d.reached", lang, n=reached, total=total))
    per = sp.groupby("kab_kota", sort=True)["agents_to_recruit"].sum()
    lines.append(t("deck.d.per_kab", lang, parts="; ".join(
        f"{kb} {_num(v, lang)} agen" for kb, v in per.items())))  # fmt: skip
    if dc.solver or (len(sp) and "solver" in sp):
        label = dc.solver or str(sp["solver"].iloc[0])
        lines.append(t("deck.d.solver", lang, solver=solver_text(label, lang)))
    plan = published.plan
    if plan is not None and getattr(plan, "reach_text", None):
        lines.append(plan.reach_text.get(lang, ""))  # how reach is decided (desa, radius)
    if plan is not None and hasattr(plan, "groups_line") and plan.groups_line(lang):
        lines.append(plan.groups_line(lang))  # every requested group accounted for
    add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, lines, 20, bullets=True)


def sites_slides(published: Published, dc: DeckContext) -> None:
    """6. The proposed recruitment sites in contribution order (when there is a plan)."""
    lang, sp = dc.lang, published.sites
    if not len(sp):
        return
    heads = [
        Column("#", "right"),
        Column(t("field.nama", lang)),
        Column(t("field.kecamatan", lang)),
        Column(t("field.kab_kota", lang)),
        Column(t("field.agents_to_recruit", lang), "right"),
        Column(t("field.newly_reached", lang), "right"),
    ]
    rows_ = [
        [str(int(r["contribution_rank"])) if pd.notna(r.get("contribution_rank")) else "–",
         str(r["nama"]), str(r.get("kecamatan", "")), str(r.get("kab_kota", "")),
         _num(r["agents_to_recruit"], lang), _num(r["newly_reached"], lang)]
        for _, r in sp.sort_values("contribution_rank").iterrows()
    ]  # fmt: skip
    dc.deck.table_slides(t("deck.sites", lang), heads, rows_)


def curve_slide(published: Published, dc: DeckContext) -> None:
    """7. How many groups: the coverage curve with the chosen point, and what the start and the
    chosen point mean (when there is a plan and a curve)."""
    lang, cv, p = dc.lang, published.curve, len(published.sites)
    if not p or not len(cv):
        return
    s = dc.deck.slide(t("deck.curve", lang))
    _curve_chart(s, cv, p, lang)
    start = cv[cv["p"] == 0]["covered"]
    row = cv[cv["p"] == p]["covered"]
    nxt = cv[cv["p"] == p + 1]["marginal"]
    in_reach = _fmt_total(published.totals.get("in_reach"), lang)
    lines = []
    if len(start):
        lines.append(t("deck.c.start", lang, n=fmt_num(start.iloc[0], lang), in_reach=in_reach))
    if len(row):
        lines.append(t("deck.c.chosen", lang, p=p, n=fmt_num(row.iloc[0], lang),
                       next=fmt_num(nxt.iloc[0], lang) if len(nxt) else "–"))  # fmt: skip
    add_text(s, 8.6, BODY_TOP, SLIDE_W_IN - 8.6 - MARGIN, lines, 18, bullets=True)


def _curve_chart(s, cv: pd.DataFrame, p: int, lang: str) -> None:
    """The curve as a native PowerPoint line chart (editable), the chosen point in red."""
    vals = [v if not isinstance(v, str) else None for v in cv["covered"]]
    cd = CategoryChartData()
    cd.categories = [str(x) for x in cv["p"]]
    cd.add_series(t("deck.c.series", lang), vals)
    cd.add_series(
        t("deck.c.chosen_series", lang),
        [v if int(x) == p else None for x, v in zip(cv["p"], vals, strict=True)],
    )
    gf = s.shapes.add_chart(
        XL_CHART_TYPE.LINE_MARKERS, Inches(MARGIN), Inches(BODY_TOP), Inches(7.8), Inches(5.4), cd
    )
    ch = gf.chart
    ch.font.name = FONT
    ch.font.size = Pt(MIN_PT)
    ch.has_legend = True
    ch.legend.position = XL_LEGEND_POSITION.BOTTOM
    ch.legend.include_in_layout = False
    ch.category_axis.has_title = True
    ch.category_axis.axis_title.text_frame.text = t("curve.x", lang)
    ch.value_axis.has_title = True
    ch.value_axis.axis_title.text_frame.text = t("curve.y", lang)
    for ax in (ch.category_axis, ch.value_axis):
        for p_ in ax.axis_title.text_frame.paragraphs:
            for r in p_.runs:
                style_run(r, MIN_PT)
    chosen = ch.plots[0].series[1]
    chosen.marker.size = 14
    chosen.marker.format.fill.solid()
    chosen.marker.format.fill.fore_color.rgb = RGBColor(0xC0, 0x00, 0x00)


def phases_slides(published: Published, dc: DeckContext) -> None:
    """8. One row per budget year: groups placed, where, clients reached that year and in all,
    the target and whether it is met (published figures, issue 22; when the plan is phased)."""
    lang, phases = dc.lang, published.phases
    if not len(published.sites) or phases is None:
        return
    heads = [
        Column(t("deck.ph.year", lang), "right"),
        Column(t("deck.ph.sites", lang)),
        Column(t("deck.ph.reached", lang), "right"),
        Column(t("deck.ph.cumulative", lang), "right"),
        Column(t("deck.ph.target", lang), "right"),
    ]
    rows_ = []
    cum = 0
    for _, y in phases.years.iterrows():
        sites = phases.tahap[phases.tahap["tahun"] == y["tahun"]]
        if len(sites):
            cum = int(sites["cumulative_reached"].iat[-1])
        target = "–"
        if pd.notna(y["target"]):
            met = t("deck.ph.met" if bool(y["target_met"]) else "deck.ph.not_met", lang)
            target = f"{_num(int(y['target']), lang)} ({met})"
        rows_.append(
            [
                str(int(y["tahun"])),
                ", ".join(map(str, sites["nama"])) or "–",
                _num(int(y["reached_new"]), lang),
                _num(cum, lang),
                target,
            ]
        )
    dc.deck.table_slides(t("deck.phases", lang), heads, rows_)


def why_slide(published: Published, dc: DeckContext) -> None:
    """9. Why the sites are not the top of the ranking, in the plan's reach model, with the
    fate of every top village counted once (when there is a plan)."""
    lang = dc.lang
    if not len(published.sites):
        return
    s = dc.deck.slide(t("deck.why", lang))
    scenario = published.scenario
    radius_txt = _num(scenario.site_radius_m / 1000, lang, 1)
    desa = getattr(published.plan, "reach", "") == "desa"  # the reach model of the plan
    key = "deck.why.lines_desa" if desa else "deck.why.lines"
    lines = t(key, lang, radius=radius_txt).split("|")
    lines.append(_fates_line(published.top_fates, lang))
    add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, lines, 20, bullets=True)


def pilots_slides(published: Published, dc: DeckContext) -> None:
    """10. Pilot villages with their comparison villages (or a line saying there are none)."""
    lang, pp = dc.lang, published.pilots
    if not len(pp):
        s = dc.deck.slide(t("deck.pilots", lang))
        add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, t("deck.pilots.none", lang), 20)
        return
    heads = [
        Column(t("field.nama", lang)),
        Column(t("field.kecamatan", lang)),
        Column(t("field.kab_kota", lang)),
        Column(t("field.score", lang), "right"),
        Column(t("field.unserved", lang), "right"),
        Column(t("field.comparison", lang)),
        Column(t("field.reason", lang), max_share=0.35),
    ]
    rows_ = [
        [str(r["nama"]), str(r.get("kecamatan", "")), str(r.get("kab_kota", "")),
         _num(r.get("score"), lang, 1), _num(r.get("unserved"), lang),
         str(r.get("comparison_nama") or "–"), _short_reason(r.get(dc.reason_col), None)]
        for _, r in pp.iterrows()
    ]  # fmt: skip
    dc.deck.table_slides(t("deck.pilots", lang), heads, rows_)


def kab_slides(published: Published, dc: DeckContext) -> None:
    """11. Published figures per kab/kota with the agents each would recruit under the plan."""
    lang, sites = dc.lang, published.sites
    site_by_kab = (
        sites.groupby("kab_kota")["agents_to_recruit"].sum()
        if len(sites)
        else pd.Series(dtype=float)
    )
    heads = [
        Column(t("field.kab_kota", lang)),
        Column(t("deck.col.units", lang), "right"),
        Column(t("field.clients", lang), "right"),
        Column(t("field.served", lang), "right"),
        Column(t("field.unserved", lang), "right"),
        Column(t("field.agents_active", lang), "right"),
        Column(t("field.agents_to_recruit", lang), "right"),
    ]
    rows_ = [
        [str(r["kab_kota"]), _num(r["units"], lang), _num(r["clients"], lang),
         _num(r["served"], lang), _num(r["unserved"], lang), _num(r["agents_active"], lang),
         _num(site_by_kab.get(r["kab_kota"], 0), lang)]
        for _, r in published.kab_totals.iterrows()
    ]  # fmt: skip
    dc.deck.table_slides(t("deck.kab", lang), heads, rows_, note=published.rule_in(lang))


def method_slide(published: Published, dc: DeckContext) -> None:
    """12. Method (score, service, classes, sources, small counts, roads) and data quality."""
    lang = dc.lang
    s = dc.deck.slide(f"{t('deck.method', lang)} · {t('deck.quality', lang)}")
    lines = _method_lines(published, dc)
    h = add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, lines, 16, bullets=True)
    qlines = _quality_lines(published, lang)
    add_text(s, MARGIN, BODY_TOP + h + 0.2, SLIDE_W_IN - 2 * MARGIN, qlines, 16, bullets=True)


def _method_lines(published: Published, dc: DeckContext) -> list[str]:
    """The method slide's bullets: weights, what "served" means, classes, units and sources."""
    lang, scenario = dc.lang, published.scenario
    wts = scenario.weights.as_dict()
    tot = sum(wts.values()) or 1.0
    parts = ", ".join(
        f"{_component_label(c, lang)} {_num(100 * v / tot, lang)}%" for c, v in wts.items()
    )
    return [
        t("deck.m.score", lang, parts=parts),
        t(
            "deck.m.served",
            lang,
            radius=_num(scenario.radius_m / 1000, lang, 1),
            cap=scenario.default_capacity,
        ),  # fmt: skip
        t(
            "deck.m.classes",
            lang,
            method=CLASS_METHOD[scenario.classification][lang],
            n=scenario.n_classes,
        ),  # fmt: skip
        t("deck.m.units", lang, n=_num(len(published.geo), lang), src=dc.sources()),
        published.rule_in(lang),
        *_roads_line(scenario, lang),
    ]


def _quality_lines(published: Published, lang: str) -> list[str]:
    """The data-quality bullets: problems recorded (by file) and how place names matched."""
    q = published.quality
    qfile = export_filename("quality_csv")  # the name the CLI writes and the app offers
    qlines = [
        t("deck.q.rows", lang, n=_num(len(q), lang), file=qfile)
        if len(q)
        else t("deck.q.none", lang)
    ]
    if len(q):
        by = q.groupby("file", dropna=False).size().sort_values(ascending=False).head(4)
        qlines += [f"{f}: {_num(c, lang)}" for f, c in by.items()]
    matches = published.matches
    if matches is not None and len(matches) and "method" in matches:
        if "spellings" in matches:  # published matches: one row per kelurahan and method
            sp_n = pd.to_numeric(matches["spellings"], errors="coerce").fillna(1)
            m = sp_n.groupby(matches["method"].astype(str)).sum()
        else:
            m = matches["method"].astype(str).value_counts()
        exact = int(sum(m.get(x, 0) for x in ("exact", "code", "normalised", "point", "chosen")))
        qlines.append(t("deck.q.names", lang, exact=_num(exact, lang),
                        fuzzy=_num(int(m.get("fuzzy", 0)), lang),
                        amb=_num(int(m.get("ambiguous", 0)), lang),
                        un=_num(int(m.get("unmatched", 0)), lang)))  # fmt: skip
    return qlines


#: the deck, in order: each function adds its slide(s) (tables continue on further slides)
SLIDES: tuple[SlideFn, ...] = (
    title_slide,
    situation_slide,
    map_slide,
    top_slide,
    decision_slide,
    sites_slides,
    curve_slide,
    phases_slides,
    why_slide,
    pilots_slides,
    kab_slides,
    method_slide,
)


def build_slides(
    published: Published,
    *,
    lang: str = "id",
    title: str | None = None,
    data_date: str | None = None,
    basemap: Basemap | None = None,
    solver: str | None = None,
    slides: tuple[SlideFn, ...] = SLIDES,
) -> bytes:
    """PPTX bytes: each of ``slides`` in turn adds its slide(s); see the module doc for the
    rules they follow."""
    title = title or t("deck.title", lang)
    area = area_name(published.geo, lang)
    deck = Deck(title, area, _data_when(published, data_date, lang), lang)
    ctx = published.context or MapContext()
    dc = DeckContext(deck, lang, title, ctx, basemap=basemap, solver=solver)
    for add in slides:
        add(published, dc)
    buf = io.BytesIO()
    deck.prs.save(buf)
    return buf.getvalue()


def _short_reason(text: object, limit: int | None = 115) -> str:
    """The reason sentence without its repeated rank/score opening, cut at a word (``limit``
    None: whole)."""
    s = "" if text is None or (isinstance(text, float) and np.isnan(text)) else str(text)
    if ")." in s[:80]:
        s = s.split(").", 1)[1].strip()
    if limit is not None and len(s) > limit:
        s = s[:limit].rsplit(" ", 1)[0] + " …"
    return s


def _roads_line(scenario: Scenario, lang: str) -> list[str]:
    """With road travel, the method slide says so (reach is not a straight line; issue 12)."""
    if scenario.roads.distance != "road":
        return []
    return [f"{'Jarak' if lang == 'id' else 'Distance'}: {distance_method(scenario, lang)}"]
