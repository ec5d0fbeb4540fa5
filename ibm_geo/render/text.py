"""Texts every rendered artefact shares: numbers in the reader's format, the name of the area
actually mapped, the map title and the source credit.

Indonesian outputs write ``1.300`` and ``61,1``; English ``1,300`` and ``61.1``. A client-derived
count arrives here already as a string from :mod:`ibm_geo.privacy` (``"<5"``, ``"≥5"``) or as an
int the privacy layer let through; this module only formats, it never decides what is shown.
"""

from __future__ import annotations

import pandas as pd

from ibm_geo.i18n import fmt_num, register, t

register(
    {
        "area.units": {"id": "{n} kelurahan/desa", "en": "{n} villages"},
        "area.kab": {"id": "{n} kab/kota", "en": "{n} regencies/cities"},
        "area.kec": {"id": "{n} kecamatan", "en": "{n} districts"},
        "area.prov": {"id": "Provinsi {name}", "en": "{name} Province"},
        "credit.boundaries": {"id": "Batas wilayah: {src}", "en": "Boundaries: {src}"},
        "credit.clients": {
            "id": "data klien & Agen Pemulihan: {src} (agregat per kelurahan/desa)",
            "en": "client & agent data: {src} (aggregated per village)",
        },
        "credit.demo": {
            "id": "DATA CONTOH: batas perkiraan, data sintetis (bukan data resmi)",
            "en": "DEMO DATA: approximate boundaries, synthetic data (not official)",
        },
        "credit.roads": {
            "id": "jalan: (c) OpenStreetMap contributors (ODbL)",
            "en": "roads: (c) OpenStreetMap contributors (ODbL)",
        },
        "credit.tiles": {
            "id": "peta dasar: (c) OpenStreetMap contributors",
            "en": "basemap: (c) OpenStreetMap contributors",
        },
        "credit.tool": {"id": "dibuat dengan ibm-geo", "en": "made with ibm-geo"},
    }
)


#: legend and panel texts of every map (print, HTML, app)
register(
    {
        "legend.symbols": {"id": "Simbol", "en": "Symbols"},
        "legend.top": {
            "id": "{n} prioritas teratas (nomor = peringkat)",
            "en": "Top {n} priorities (number = rank)",
        },
        "legend.agents_kel": {
            "id": "Kelurahan/desa dengan Agen Pemulihan aktif",
            "en": "Village with active recovery agents",
        },
        "legend.office": {"id": "Kantor BNNP/BNNK", "en": "BNNP/BNNK office"},
        "legend.service": {
            "id": "Layanan lain (klinik, IPWL, puskesmas)",
            "en": "Other services (clinic, IPWL, puskesmas)",
        },
        "legend.kab": {"id": "Batas kab/kota", "en": "Regency/city boundary"},
        "legend.kec": {"id": "Batas kecamatan", "en": "District boundary"},
        "legend.road": {"id": "Jalan", "en": "Road"},
        "legend.land": {
            "id": "Daratan (gabungan batas yang dimuat)",
            "en": "Land (union of the loaded boundaries)",
        },
        "legend.tiles": {
            "id": "Peta dasar OpenStreetMap (daring)",
            "en": "OpenStreetMap basemap (online)",
        },
        "legend.site_ring": {
            "id": "Jangkauan lokasi usulan ({radius} km)",
            "en": "Reach of a proposed site ({radius} km)",
        },
        "panel.top": {"id": "Prioritas teratas", "en": "Top priorities"},
        "panel.sites": {
            "id": "Lokasi rekrutmen usulan tanpa label di peta",
            "en": "Proposed sites not labelled on the map",
        },
        "panel.pilots": {
            "id": "Desa percontohan tanpa label di peta",
            "en": "Pilot villages not labelled on the map",
        },
        "panel.more": {"id": "… dan {n} lainnya", "en": "… and {n} more"},
        "inset.title": {"id": "Lokasi area", "en": "Location"},
        "legend.hidden": {
            "id": "{band}: kurang dari {k} klien terdaftar",
            "en": "{band}: fewer than {k} clients registered",
        },
        "note.data_date": {"id": "Data per {date}", "en": "Data as of {date}"},
    }
)


def fmt_pct(v: float, lang: str = "id", decimals: int = 0) -> str:
    return fmt_num(100 * float(v), lang, decimals) + "%"


def fmt_rp(v: float, lang: str = "id") -> str:
    """Rupiah: ``Rp 12.500.000``."""
    return "Rp " + fmt_num(round(float(v)), lang)


def _values(kel: pd.DataFrame, col: str) -> list[str]:
    if col not in kel:
        return []
    return sorted(kel[col].dropna().astype(str).unique())


def area_name(kel: pd.DataFrame, lang: str = "id", *, long: bool = False) -> str:
    """The area actually mapped, from the data: "Kota Denpasar", "Kota Denpasar, Kab. Badung",
    "Provinsi Bali" (every kab/kota of one province), else counts. ``long`` adds unit counts."""
    kabs = _values(kel, "kab_kota")
    provs = _values(kel, "provinsi")
    n = len(kel)
    if 1 <= len(kabs) <= 3:
        name = ", ".join(kabs)
        if len(provs) == 1:
            name += f" ({provs[0]})" if long else ""
    elif len(provs) == 1:
        name = t("area.prov", lang, name=provs[0]) + (
            f": {t('area.kab', lang, n=len(kabs))}" if long and kabs else ""
        )
    elif provs:
        name = ", ".join(provs[:3]) + ("…" if len(provs) > 3 else "")
    else:
        name = t("area.units", lang, n=fmt_num(n, lang))
    if long:
        name += " · " + t("area.units", lang, n=fmt_num(n, lang))
    return name


def map_title(kel: pd.DataFrame, lang: str = "id") -> str:
    """ "Peta kebutuhan Agen Pemulihan – Kota Denpasar": the title names the data's area."""
    return f"{t('title.map', lang)} – {area_name(kel, lang)}"


def source_credit(
    sources: dict[str, str] | None = None,
    *,
    demo: bool = False,
    roads: bool = False,
    tiles: bool = False,
    lang: str = "id",
) -> str:
    """What was loaded, named: boundary file, client/agent files, OSM roads/tiles, demo marking."""
    sources = sources or {}
    parts = []
    if demo:
        parts.append(t("credit.demo", lang))
    if sources.get("boundaries"):
        parts.append(t("credit.boundaries", lang, src=sources["boundaries"]))
    people = [sources[k] for k in ("clients", "agents") if sources.get(k)]
    if people:
        parts.append(t("credit.clients", lang, src=", ".join(people)))
    if roads:
        parts.append(t("credit.roads", lang))
    if tiles:
        parts.append(t("credit.tiles", lang))
    parts.append(t("credit.tool", lang))
    return "; ".join(parts)


#: framing texts of the maps (print and HTML)
register(
    {
        "legend.context": {
            "id": "Wilayah sekitar (konteks)",
            "en": "Surrounding area (context)",
        },
        "note.outside": {
            "id": "Di luar bingkai peta (lihat peta lokasi): {names}",
            "en": "Outside the map frame (see the locator): {names}",
        },
    }
)
