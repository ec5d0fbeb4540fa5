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

from ibm_geo.i18n import register, t  # noqa: E402
from ibm_geo.privacy import is_suppressed, suppression_rule  # noqa: E402

register(
    {
        "mon.trend_title": {
            "id": "Tren per tahun rehabilitasi – {area}",
            "en": "Trend by rehabilitation year – {area}",
        },
        "mon.clients": {"id": "Klien direhabilitasi", "en": "Clients rehabilitated"},
        "mon.followed_up": {"id": "Ikut pascarehabilitasi", "en": "In post-rehab follow-up"},
        "mon.unserved": {"id": "Belum terlayani", "en": "Unserved"},
        "mon.year": {"id": "Tahun rehabilitasi", "en": "Rehabilitation year"},
        "mon.people": {"id": "Orang", "en": "People"},
        "mon.hidden_note": {
            "id": "Titik yang disembunyikan (jumlah kecil) tidak digambar: {items}",
            "en": "Hidden points (small counts) are not drawn: {items}",
        },
        "mon.slide_title": {"id": "Capaian – {area}", "en": "Progress – {area}"},
        "mon.indicator": {"id": "Indikator", "en": "Indicator"},
        "mon.year_short": {"id": "Tahun", "en": "Year"},
        "mon.achieved": {"id": "Capaian", "en": "Achieved"},
        "mon.target": {"id": "Target", "en": "Target"},
        "mon.percent": {"id": "%", "en": "%"},
        "mon.no_target": {
            "id": "Belum ada target untuk kantor ini.",
            "en": "No target for this office yet.",
        },
        "ind.rehab": {"id": "Klien direhabilitasi", "en": "Clients rehabilitated"},
        "ind.pascarehab": {"id": "Ikut pascarehabilitasi", "en": "In post-rehab follow-up"},
        "ind.agen": {"id": "Agen Pemulihan aktif", "en": "Active recovery agents"},
        "ind.desa_ibm": {"id": "Desa/kelurahan IBM", "en": "IBM villages"},
        "mon.summary_line": {
            "id": "Klien {clients}; belum terlayani {unserved}; rujukan BNNP {referral}; agen "
            "aktif {agents} (kapasitas {capacity}, kekurangan {gap}); desa IBM {villages}",
            "en": "Clients {clients}; unserved {unserved}; BNNP referrals {referral}; active "
            "agents {agents} (capacity {capacity}, gap {gap}); IBM villages {villages}",
        },
    }
)

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
    province trend chart appended: targets with achieved and percent, the office summary."""
    from pptx import Presentation
    from pptx.util import Inches

    from ibm_geo.render.slides import SLIDE_W, _bullets, _table, _title_slide

    prs = Presentation(io.BytesIO(deck))
    s_tab = mon.summary[mon.summary["area_level"].isin(["provinsi", "kab_kota"])]
    for r in s_tab.itertuples(index=False):
        s = _title_slide(prs, t("mon.slide_title", lang, area=r.area))
        line = t(
            "mon.summary_line",
            lang,
            clients=r.clients,
            unserved=r.unserved,
            referral=r.referral_berat,
            agents=r.agents_active,
            capacity=r.capacity,
            gap=r.capacity_gap,
            villages=r.ibm_villages,
        )
        _bullets(s, [line], top=Inches(1.2), height=Inches(0.8), size=15)
        pr = mon.progress[
            (mon.progress["area"] == r.area) & (mon.progress["area_level"] == r.area_level)
        ]
        if len(pr):
            show = pd.DataFrame(
                {
                    "indicator": [t(f"ind.{i}", lang) for i in pr["indicator"]],
                    "year": pr["year"].to_numpy(),
                    "achieved": pr["achieved"].to_numpy(),
                    "target": pr["target"].to_numpy(),
                    "percent": [p if isinstance(p, str) else f"{p:.1f}%" for p in pr["percent"]],
                }
            )
            heads = [t(f"mon.{c}", lang) for c in ("indicator", "year_short", "achieved")]
            heads += [t("mon.target", lang), t("mon.percent", lang)]
            _table(s, show.head(12), heads, top=Inches(2.1), widths=[3, 1, 1.2, 1.2, 1.2], font=16)
        else:
            _bullets(s, [t("mon.no_target", lang)], top=Inches(2.1), size=14)
        if r.area_level == "provinsi":
            png = trend_chart_png(mon.trend, r.area, lang, mon.k)
            s = _title_slide(prs, t("mon.trend_title", lang, area=r.area))
            s.shapes.add_picture(
                io.BytesIO(png), Inches(1.2), Inches(1.2), width=SLIDE_W - Inches(2.4)
            )
    buf = io.BytesIO()
    prs.save(buf)
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
