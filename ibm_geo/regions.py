"""Province names from the first two digits of a Kemendagri code.

The shared boundary files and many village layers carry the village code but no province name,
and a BNNP plans per province. The table follows Kemendagri's numbering, including the four
Papua provinces created in 2022 (93-96).
"""

from __future__ import annotations

import pandas as pd

PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "Daerah Istimewa Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}


def province_of(kode: pd.Series) -> pd.Series:
    """Province name per dotted village code (``PP.KK.CC.XDDD``); None when unknown."""
    text = kode.astype("string")
    # a match and a slice in Arrow kernels: str.extract builds a frame row by row (0.5 s
    # for the national layer)
    ok = text.str.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}").fillna(False).astype(bool)
    out = text.str.slice(0, 2).where(ok).map(PROVINCES).astype(object)
    return out.where(out.notna(), None)
