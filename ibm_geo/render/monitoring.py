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
from ibm_geo.render.pptx_layout import Column, add_text
from ibm_geo.render.slides import BODY_TOP, MARGIN, SLIDE_W_IN, Deck
from ibm_geo.render.text import fmt_num

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
    TERBATAS mark, measured tables), so they look like the rest of the deck; each office gets
    the slides of :data:`PROGRESS_SLIDES` in turn."""
    offices = mon.summary[mon.summary["area_level"].isin(["provinsi", "kab_kota"])]
    d = _reopen_deck(deck, offices, lang)
    for office in offices.itertuples(index=False):
        for add in PROGRESS_SLIDES:
            add(office, mon, d)
    buf = io.BytesIO()
    d.prs.save(buf)
    return buf.getvalue()


def _reopen_deck(deck: bytes, offices: pd.DataFrame, lang: str):
    """The saved deck loaded into a :class:`~ibm_geo.render.slides.Deck`, with its own footer
    (area and data date kept in the file's properties), else the offices and today."""
    from datetime import date

    from pptx import Presentation

    d = Deck.__new__(Deck)  # the loaded deck, with the Deck's slide frame
    d.prs = Presentation(io.BytesIO(deck))
    provs = offices.loc[offices["area_level"] == "provinsi", "area"].tolist()
    cp = d.prs.core_properties
    d.area = cp.subject or ", ".join(provs)
    d.when = cp.category or date.today().isoformat()
    d.lang = lang
    return d


def _fmt(v, lang: str, decimals: int = 0) -> str:
    """A published figure as the tables show it: a hidden label ("*", "<5") as it is."""
    return v if isinstance(v, str) else fmt_num(v, lang, decimals)


def office_progress_slide(office, mon, d) -> None:
    """The office's targets with achieved and percent (continued when long) and its summary
    line, or the summary and "no target yet"."""
    lang = d.lang
    title = t("mon.slide_title", lang, area=office.area)
    line = _summary_line(office, lang)
    pr = mon.progress[
        (mon.progress["area"] == office.area) & (mon.progress["area_level"] == office.area_level)
    ]
    if not len(pr):
        s = d.slide(title)
        add_text(s, MARGIN, BODY_TOP, SLIDE_W_IN - 2 * MARGIN, [line, t("mon.no_target", lang)])
        return
    heads = [
        Column(t("mon.indicator", lang)),
        Column(t("mon.year_short", lang), "right"),
        Column(t("mon.achieved", lang), "right"),
        Column(t("mon.target", lang), "right"),
        Column(t("mon.percent", lang), "right"),
    ]
    rows = [
        [
            t(f"ind.{i}", lang),
            str(y),
            _fmt(a, lang),
            _fmt(tg, lang),
            _fmt(p, lang, 1) + ("" if p == "*" else "%"),
        ]
        for i, y, a, tg, p in zip(
            pr["indicator"], pr["year"], pr["achieved"], pr["target"], pr["percent"], strict=True
        )
    ]
    note = line + "."
    basis = basis_note(pr, lang)  # this office's agent figures: per year or snapshot
    if basis:
        note += " " + basis
    d.table_slides(title, heads, rows, note=note)


def _summary_line(office, lang: str) -> str:
    """One office's published summary: clients, unserved, referrals, agents, IBM villages."""
    return t(
        "mon.summary_line",
        lang,
        clients=_fmt(office.clients, lang),
        unserved=_fmt(office.unserved, lang),
        referral=_fmt(office.referral_berat, lang),
        agents=_fmt(office.agents_active, lang),
        capacity=_fmt(office.capacity, lang),
        gap=_fmt(office.capacity_gap, lang),
        villages=_fmt(office.ibm_villages, lang),
    )


def province_trend_slide(office, mon, d) -> None:
    """The province's trend chart (a BNNK office gets none)."""
    from pptx.util import Inches

    if office.area_level != "provinsi":
        return
    png = trend_chart_png(mon.trend, office.area, d.lang, mon.k)
    s = d.slide(t("mon.trend_title", d.lang, area=office.area))
    width = 10.4  # the chart is 10 x 5.2 in: 5.4 in high fits the body
    s.shapes.add_picture(
        io.BytesIO(png), Inches((SLIDE_W_IN - width) / 2), Inches(BODY_TOP), Inches(width)
    )


#: the slides each office gets, in order: (office summary row, Monitoring, Deck) -> None
PROGRESS_SLIDES = (office_progress_slide, province_trend_slide)


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
