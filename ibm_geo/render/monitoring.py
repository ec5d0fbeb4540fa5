"""Monitoring views for the rakor: the trend chart (PNG), a progress slide per office appended to
the deck, and the change-since-last-rakor map layer (GeoJSON).

Everything here reads the published tables of :class:`ibm_geo.monitoring.Monitoring` (labels
instead of hidden counts), never the client rows: a hidden point is left out of the chart's
line and written with its label under the axis.
"""

from __future__ import annotations

import io
import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ibm_geo.i18n import t  # noqa: E402
from ibm_geo.monitoring import basis_note  # noqa: E402
from ibm_geo.monitoring import is_hidden as is_suppressed  # noqa: E402
from ibm_geo.publish import suppression_rule  # noqa: E402

SERIES = (("clients", "#1f4e79"), ("followed_up", "#2e8b57"), ("unserved", "#c0392b"))


def trend_chart_png(trend: pd.DataFrame, area: str, lang: str = "id", k: int = 5) -> bytes:
    """Line chart of clients, followed up and unserved by rehab year for one office (PNG).

    Only published values are drawn; a hidden value ("<5", "≥5") breaks the line and is listed
    under the chart, so the picture shows nothing the tables do not."""
    rows = trend[
        (trend["area"] == area) & trend["year"].map(lambda y: isinstance(y, int | np.integer))
    ]
    years = [int(y) for y in rows["year"]]
    fig, ax = plt.subplots(figsize=(10, 5.2), dpi=110)
    hidden_items = []
    for col, color in SERIES:
        vals = [np.nan if is_suppressed(v) else float(v) for v in rows[col]]
        ax.plot(years, vals, marker="o", color=color, label=t(f"mon.{col}", lang), linewidth=2)
        for y, v in zip(years, rows[col], strict=True):
            if is_suppressed(v):
                hidden_items.append(f"{t(f'mon.{col}', lang)} {y}: {v}")
    ax.set_title(t("mon.trend_title", lang, area=area), fontsize=14)
    ax.set_xlabel(t("mon.year", lang))
    ax.set_ylabel(t("mon.people", lang))
    ax.set_xticks(years)
    ax.set_ylim(bottom=0)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    foot = suppression_rule(k, lang, curve=False)
    if hidden_items:
        foot = t("mon.hidden_note", lang, items="; ".join(hidden_items[:8])) + "\n" + foot
    fig.text(0.01, 0.01, foot, fontsize=7, va="bottom", wrap=True)
    fig.subplots_adjust(bottom=0.24 if hidden_items else 0.18, right=0.74)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


def add_progress_slides(deck: bytes, mon, lang: str = "id") -> bytes:
    """The deck with one progress slide per office (BNNP first, then each BNNK) and the
    province trend chart appended: targets with achieved and percent, the office summary.
    Slides come from the deck's own :class:`~ibm_geo.render.slides.Deck` (title, footer,
    TERBATAS mark, measured tables), so they look like the rest of the deck."""
    from datetime import date

    from pptx import Presentation
    from pptx.util import Inches

    from ibm_geo.render.pptx_layout import Column, add_text
    from ibm_geo.render.slides import BODY_TOP, MARGIN, SLIDE_W_IN, Deck
    from ibm_geo.render.text import fmt_num

    d = Deck.__new__(Deck)  # the loaded deck, with the Deck's slide frame
    d.prs = Presentation(io.BytesIO(deck))
    s_tab = mon.summary[mon.summary["area_level"].isin(["provinsi", "kab_kota"])]
    provs = s_tab.loc[s_tab["area_level"] == "provinsi", "area"].tolist()
    cp = d.prs.core_properties  # the deck's own footer (Deck), else the offices and today
    d.area = cp.subject or ", ".join(provs)
    d.when = cp.category or date.today().isoformat()
    d.lang = lang

    def num(v, decimals: int = 0) -> str:
        return v if isinstance(v, str) else fmt_num(v, lang, decimals)

    heads = [
        Column(t("mon.indicator", lang)),
        Column(t("mon.year_short", lang), "right"),
        Column(t("mon.achieved", lang), "right"),
        Column(t("mon.target", lang), "right"),
        Column(t("mon.percent", lang), "right"),
    ]
    for r in s_tab.itertuples(index=False):
        title = t("mon.slide_title", lang, area=r.area)
        line = t(
            "mon.summary_line",
            lang,
            clients=num(r.clients),
            unserved=num(r.unserved),
            referral=num(r.referral_berat),
            agents=num(r.agents_active),
            capacity=num(r.capacity),
            gap=num(r.capacity_gap),
            villages=num(r.ibm_villages),
        )
        pr = mon.progress[
            (mon.progress["area"] == r.area) & (mon.progress["area_level"] == r.area_level)
        ]
        if len(pr):
            rows = [
                [
                    t(f"ind.{i}", lang),
                    str(y),
                    num(a),
                    num(tg),
                    num(p, 1) + ("" if p == "*" else "%"),
                ]
                for i, y, a, tg, p in zip(
                    pr["indicator"],
                    pr["year"],
                    pr["achieved"],
                    pr["target"],
                    pr["percent"],
                    strict=True,
                )
            ]
            note = line + "."
            basis = basis_note(pr, lang)  # this office's agent figures: per year or snapshot
            if basis:
                note += " " + basis
            d.table_slides(title, heads, rows, note=note)
        else:
            s = d.slide(title)
            add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, [line, t("mon.no_target", lang)])
        if r.area_level == "provinsi":
            png = trend_chart_png(mon.trend, r.area, lang, mon.k)
            s = d.slide(t("mon.trend_title", lang, area=r.area))
            width = 10.4  # the chart is 10 x 5.2 in: 5.4 in high fits the body
            s.shapes.add_picture(
                io.BytesIO(png), Inches((SLIDE_W_IN - width) / 2), Inches(BODY_TOP), Inches(width)
            )
    buf = io.BytesIO()
    d.prs.save(buf)
    return buf.getvalue()


def change_geojson(kelurahan, change_units: pd.DataFrame) -> bytes:
    """Map layer of the change since the last rakor: per unit polygon, the published unserved
    before and now, the change (a number or an interval) and its direction."""
    import geopandas as gpd

    geo = gpd.GeoDataFrame(
        kelurahan[["kode", "geometry"]].copy(), geometry="geometry", crs=kelurahan.crs
    ).to_crs(4326)
    ch = change_units.drop_duplicates("kode").set_index("kode")
    feats = []
    for kode, geom in zip(geo["kode"].astype(str), geo.geometry, strict=True):
        if kode not in ch.index or geom is None:
            continue
        r = ch.loc[kode]
        props = {
            "kode": kode,
            "nama": r["nama"],
            "kab_kota": r.get("kab_kota"),
            "unserved_before": _plain(r["unserved_before"]),
            "unserved_now": _plain(r["unserved_now"]),
            "change": _plain(r["change"]),
            "direction": direction(r["change"]),
        }
        feats.append({"type": "Feature", "properties": props, "geometry": geom.__geo_interface__})
    doc = {"type": "FeatureCollection", "features": feats}
    return json.dumps(doc, ensure_ascii=False, default=str).encode("utf-8")


def _plain(v):
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, np.integer):
        return int(v)
    return v


def direction(change: object) -> str:
    """``naik`` (more unserved), ``turun``, ``tetap`` or ``tidak pasti`` (an interval that
    spans zero, or no value)."""
    if change is None or (isinstance(change, float) and np.isnan(change)):
        return "tidak pasti"
    if isinstance(change, int | float | np.integer):
        return "naik" if change > 0 else "turun" if change < 0 else "tetap"
    s = str(change)
    if s.startswith("≥"):
        return "naik" if int(s[1:]) > 0 else "tidak pasti"
    if s.startswith("≤"):
        return "turun" if int(s[1:]) < 0 else "tidak pasti"
    if ".." in s:
        lo, hi = (int(x) for x in s.split(".."))
        return "naik" if lo > 0 else "turun" if hi < 0 else "tidak pasti"
    return "tidak pasti"
