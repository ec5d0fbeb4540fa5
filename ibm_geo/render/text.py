"""Texts every rendered artefact shares: numbers in the reader's format, the name of the area
actually mapped, the map title and the source credit.

Indonesian outputs write ``1.300`` and ``61,1``; English ``1,300`` and ``61.1``. A client-derived
count arrives here already as a string from :mod:`ibm_geo.privacy` (``"<5"``, ``"≥5"``) or as an
int the privacy layer let through; this module only formats, it never decides what is shown.
"""

from __future__ import annotations

import pandas as pd

from ibm_geo.i18n import fmt_num, t


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
