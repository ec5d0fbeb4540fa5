"""Rakor slide deck (PPTX, Bahasa Indonesia by default) built from the public tables only.

Slides: title, map, top-N kelurahan with reasons, recruitment plan with the coverage curve,
pilot villages, method and data quality. Every figure comes through :mod:`ibm_geo.privacy`.
"""

from __future__ import annotations

import io
from datetime import date

import geopandas as gpd
import pandas as pd
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Emu, Inches, Pt

from ibm_geo.config import Scenario
from ibm_geo.distance import distance_method
from ibm_geo.i18n import t
from ibm_geo.privacy import (
    public_curve,
    public_pilots,
    public_quality,
    public_sites,
    public_table,
    suppression_rule,
)
from ibm_geo.render.static_map import render_static_map

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
_TITLE_ONLY = 5
_TITLE = 0


def _cell(v: object) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return "–"
    if isinstance(v, float):
        return f"{v:.1f}" if not v.is_integer() else f"{int(v)}"
    return str(v)


def _title_slide(prs: Presentation, title: str):
    s = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    s.shapes.title.text = title
    s.shapes.title.text_frame.paragraphs[0].font.size = Pt(28)
    return s


def _table(
    slide, df: pd.DataFrame, headers: list[str], top=Inches(1.4), height=None, widths=None, font=11
) -> None:
    rows, cols = len(df) + 1, len(headers)
    height = height or Inches(0.35) * rows
    shape = slide.shapes.add_table(rows, cols, Inches(0.4), top, SLIDE_W - Inches(0.8), height)
    tab = shape.table
    if widths:
        total = sum(widths)
        for j, w in enumerate(widths):
            tab.columns[j].width = Emu(int((SLIDE_W - Inches(0.8)) * w / total))
    for j, h in enumerate(headers):
        tab.cell(0, j).text = h
    for i, row in enumerate(df.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            tab.cell(i, j).text = _cell(v)
    for r in range(rows):
        for j in range(cols):
            for p in tab.cell(r, j).text_frame.paragraphs:
                p.font.size = Pt(font)


def _bullets(
    slide, lines: list[str], left=Inches(0.5), top=Inches(1.4), width=None, height=None, size=16
) -> None:
    box = slide.shapes.add_textbox(left, top, width or SLIDE_W - Inches(1.0), height or Inches(5.5))
    tf = box.text_frame
    tf.word_wrap = True
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.text = line
        p.font.size = Pt(size)


def _solver_note(slide, sites: pd.DataFrame, lang: str) -> None:
    """Which solver answered, at the foot of the plan slide: a greedy fallback must be visible
    at the rakor, not only through the API."""
    if "solver" not in sites or not len(sites):
        return
    label = str(sites["solver"].iloc[0])
    _bullets(
        slide,
        [t("plan.solver", lang, solver=label)],
        top=Inches(6.7),
        width=Inches(12),
        height=Inches(0.5),
        size=11,
    )


def build_slides(
    kelurahan: gpd.GeoDataFrame,
    *,
    scenario: Scenario,
    sites: pd.DataFrame | None = None,
    pilots: pd.DataFrame | None = None,
    curve: pd.DataFrame | None = None,
    quality: pd.DataFrame | None = None,
    matches: pd.DataFrame | None = None,
    lang: str = "id",
    title: str | None = None,
    data_date: str | None = None,
) -> bytes:
    """PPTX bytes: 6 slides (title, map, top-N, plan + curve, pilots, method & data quality)."""
    from ibm_geo.export.tables import unmatched_summary

    k = scenario.suppression_k
    today = date.today().isoformat()
    pub = public_table(kelurahan, k)
    reason_col = "reason_id" if lang == "id" else "reason_en"
    area = (
        ", ".join(sorted(pub["kab_kota"].dropna().astype(str).unique())[:4])
        if "kab_kota" in pub
        else ""
    )

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    cp = prs.core_properties
    cp.author = "ibm-geo"
    cp.last_modified_by = "ibm-geo"
    cp.title = title or t("title.slides", lang)
    cp.comments = ""

    # 1. title
    s = prs.slides.add_slide(prs.slide_layouts[_TITLE])
    s.shapes.title.text = title or t("title.slides", lang)
    s.placeholders[1].text = f"{area}\n{t('note.scenario', lang)}: {scenario.name} · {today}"

    # 2. map
    s = _title_slide(prs, t("slide.map", lang))
    png = render_static_map(
        kelurahan,
        scenario=scenario,
        sites=sites,
        pilots=pilots,
        size="slide",
        fmt="png",
        lang=lang,
        dpi=110,
    )
    s.shapes.add_picture(io.BytesIO(png), Inches(0.4), Inches(1.25), height=SLIDE_H - Inches(1.4))

    # 3. top-N with reasons
    n = min(scenario.top_n, 12)
    s = _title_slide(prs, t("slide.top", lang, n=n))
    top = pub.sort_values("rank").head(n) if "rank" in pub else pub.head(n)
    cols = [
        c
        for c in ("rank", "nama", "kecamatan", "kab_kota", "score", "unserved", reason_col)
        if c in top
    ]
    heads = [t("field.reason" if c == reason_col else f"field.{c}", lang) for c in cols]
    w = {"rank": 0.7, "nama": 2, "kecamatan": 1.6, "kab_kota": 1.6, "score": 0.8, "unserved": 1.1}
    _table(s, top[cols], heads, widths=[w.get(c, 4.5) for c in cols], font=10)

    # 4. recruitment plan + coverage curve
    s = _title_slide(prs, t("slide.plan", lang))
    sp = public_sites(sites, k)
    pcols = [
        c
        for c in (
            "contribution_rank",
            "nama",
            "kecamatan",
            "agents_to_recruit",
            "newly_reached",
            "mean_distance_m",
        )
        if c in sp
    ]
    if len(sp):
        sub = sp[pcols].head(12)
        _table(
            s,
            sub,
            [t(f"field.{c}", lang) for c in pcols],
            height=Inches(0.3) * (len(sub) + 1),
            font=10,
        )
        s.shapes[-1].width = Inches(7.4)
    else:
        _bullets(s, [t("note.none", lang)], width=Inches(7))
    _solver_note(s, sp, lang)
    cv = public_curve(curve, k)
    if len(cv):
        cd = CategoryChartData()
        cd.categories = [str(p) for p in cv["p"]]
        cd.add_series(
            t("curve.y", lang), [v if isinstance(v, int) else None for v in cv["covered"]]
        )
        ch = s.shapes.add_chart(
            XL_CHART_TYPE.LINE_MARKERS, Inches(8.0), Inches(1.4), Inches(5.0), Inches(4.8), cd
        ).chart
        ch.has_title = True
        ch.chart_title.text_frame.text = t("slide.curve", lang)
        ch.has_legend = False
        ch.category_axis.has_title = True
        ch.category_axis.axis_title.text_frame.text = t("curve.x", lang)
        ch.value_axis.has_title = True
        ch.value_axis.axis_title.text_frame.text = t("curve.y", lang)

    # 5. pilots
    s = _title_slide(prs, t("slide.pilots", lang))
    pp = public_pilots(pilots, kelurahan, k)
    qcols = [
        c
        for c in (
            "nama",
            "kecamatan",
            "kab_kota",
            "score",
            "unserved",
            reason_col,
            "comparison_nama",
        )
        if c in pp
    ]
    if len(pp):
        heads = [
            t(
                "field.reason"
                if c == reason_col
                else "field.comparison"
                if c == "comparison_nama"
                else f"field.{c}",
                lang,
            )
            for c in qcols
        ]
        w = {
            "nama": 2,
            "kecamatan": 1.5,
            "kab_kota": 1.5,
            "score": 0.8,
            "unserved": 1.1,
            "comparison_nama": 2,
        }
        _table(s, pp[qcols].head(12), heads, widths=[w.get(c, 3.5) for c in qcols], font=10)
    else:
        _bullets(s, [t("note.none", lang)])

    # 6. method and data quality (counts only, never client rows)
    s = _title_slide(prs, t("slide.method", lang))
    wts = scenario.weights.as_dict()
    tot = sum(wts.values()) or 1.0
    lines = [
        f"{t('method.weights', lang)}: "
        + ", ".join(f"{key} {100 * v / tot:.0f}%" for key, v in wts.items()),
        f"{t('method.radius', lang)}: {scenario.radius_m / 1000:g} km; "
        f"{t('method.capacity', lang)}: {scenario.default_capacity}; group {scenario.group_size}",
        f"{'Jarak' if lang == 'id' else 'Distance'}: {distance_method(scenario, lang)}",
        f"{t('method.units', lang)}: {len(kelurahan)}; {t('note.date', lang)}: {data_date or today}",
        f"{t('method.suppression', lang)}: {suppression_rule(k, lang)}",
    ]
    q = public_quality(quality)
    if len(q):
        by = (
            q.groupby(["file", "problem"], dropna=False).size().sort_values(ascending=False).head(6)
        )
        lines.append(f"{t('method.quality', lang)}: {len(q)}")
        lines += [f"  • {f} – {p}: {c}" for (f, p), c in by.items()]
    um = unmatched_summary(matches)
    if len(um):
        lines.append(
            f"{t('method.unmatched', lang)}: "
            + ", ".join(f"{m} {c}" for m, c in zip(um["method"], um["names"], strict=True))
        )
    _bullets(s, lines, size=14)

    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
