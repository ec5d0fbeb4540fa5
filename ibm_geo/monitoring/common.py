"""What the monitoring modules share: the indicators, the office levels, the published
tables' column lists, and the offices (BNNP, BNNK) a result covers."""

from __future__ import annotations

import pandas as pd

from ibm_geo.privacy import (
    is_suppressed,
)

#: True for a published cell that stands for a hidden count ("<5", "≥5")
is_hidden = is_suppressed

INDICATORS = ("rehab", "pascarehab", "agen", "desa_ibm")
LEVELS = ("provinsi", "kab_kota", "kecamatan")
UNKNOWN_YEAR = "tidak diketahui"

PROGRESS_COLUMNS = [
    "area",
    "area_level",
    "year",
    "indicator",
    "achieved",
    "target",
    "percent",
    "basis",
]
#: ``basis`` of a progress row: counted for the target year (clients by rehab year; agents
#: active and recruited by that year, ``tahun_rekrut`` of the agents table) ...
BASIS_YEAR = "tahunan"
#: ... or today's active agents for every target year: some active agent of the office has no
#: recruitment year (or the agents table has no year column)
BASIS_SNAPSHOT = "snapshot"
TREND_COLUMNS = ["area", "area_level", "year", "clients", "followed_up", "unserved"]
SUMMARY_COLUMNS = [
    "area",
    "area_level",
    "clients",
    "unserved",
    "referral_berat",
    "agents_active",
    "capacity",
    "capacity_gap",
    "ibm_villages",
]
CHANGE_COLUMNS = ["kode", "nama", "unserved_before", "unserved_now", "change"]
RW_COLUMNS = ["kode", "nama", "rw", "clients", "unserved"]
#: the RW row of clients without a usable RW (none, or not an RW number as written)
UNKNOWN_RW = "tidak diketahui"


def offices(kelurahan: pd.DataFrame) -> pd.DataFrame:
    """The offices a result covers: one row per province (BNNP) and kab/kota (BNNK).

    Columns ``area, area_level, kode, provinsi`` (``kode``: ``PP`` or ``PP.KK`` from the village
    codes when they are Kemendagri codes, else None)."""
    kode = kelurahan["kode"].astype("string").fillna("")
    dotted = kode.str.match(r"^\d{2}\.\d{2}\.")
    prov_code = kode.str.slice(0, 2).where(dotted, None)
    kab_code = kode.str.slice(0, 5).where(dotted, None)
    prov = area_names(kelurahan, "provinsi")
    kab = area_names(kelurahan, "kab_kota")
    rows = []
    frame = pd.DataFrame({"prov": prov, "kab": kab, "pc": prov_code, "kc": kab_code})
    for p, g in frame.groupby("prov", sort=True):
        rows.append((p, "provinsi", first_value(g["pc"]), p))
        for kb, gk in g.groupby("kab", sort=True):
            rows.append((kb, "kab_kota", first_value(gk["kc"]), p))
    return pd.DataFrame(rows, columns=["area", "area_level", "kode", "provinsi"])


def area_names(kelurahan: pd.DataFrame, col: str) -> pd.Series:
    fallback = "(provinsi tidak diketahui)" if col == "provinsi" else "(kab/kota tidak diketahui)"
    if col not in kelurahan:
        return pd.Series(fallback, index=kelurahan.index, dtype=object)
    s = kelurahan[col].astype(object)
    return s.where(s.notna() & (s.astype(str).str.strip() != ""), fallback).astype(str)


def first_value(s: pd.Series) -> str | None:
    s = s.dropna()
    return str(s.iloc[0]) if len(s) else None
