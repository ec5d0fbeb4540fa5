"""The targets file (rows ``wilayah, tahun, indikator, target``): read, validated, matched to
the offices of a result (:func:`ibm_geo.names.match_area`)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from ibm_geo.errors import UserError
from ibm_geo.io.guard import check_special
from ibm_geo.io.tables import _read_raw, header_key, parse_float
from ibm_geo.monitoring.common import INDICATORS, offices
from ibm_geo.names import match_area
from ibm_geo.quality import DataQuality, Msg

# -- targets ----------------------------------------------------------------------------------
_TARGET_HEADERS = {
    "wilayah": ["wilayah", "area", "daerah", "kantor", "satker", "office", "region", "kab_kota"]
    + ["kabupaten_kota", "provinsi", "nama_wilayah", "kode_wilayah"],
    "tahun": ["tahun", "year", "periode", "tahun_target"],
    "indikator": ["indikator", "indicator", "jenis_target", "sasaran_indikator"],
    "target": ["target", "sasaran", "jumlah_target", "nilai_target", "target_jumlah"],
}
_INDICATOR_WORDS = {
    "rehab": "rehab",
    "rehabilitasi": "rehab",
    "direhabilitasi": "rehab",
    "klien rehab": "rehab",
    "pascarehab": "pascarehab",
    "pasca rehab": "pascarehab",
    "pascarehabilitasi": "pascarehab",
    "pasca rehabilitasi": "pascarehab",
    "pasca": "pascarehab",
    "agen": "agen",
    "agen pemulihan": "agen",
    "agent": "agen",
    "agents": "agen",
    "desa ibm": "desa_ibm",
    "desa_ibm": "desa_ibm",
    "ibm": "desa_ibm",
    "kelurahan ibm": "desa_ibm",
    "desa": "desa_ibm",
}


def _header_map(columns: list[str], fname: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for col in columns:
        key = header_key(col)
        for canon, names in _TARGET_HEADERS.items():
            if canon not in found and key in {header_key(n) for n in names}:
                found[canon] = col
                break
    missing = [c for c in _TARGET_HEADERS if c not in found]
    if missing:
        raise UserError(
            "monitoring.targets_columns",
            file=fname,
            missing=missing,
            found=[str(c) for c in columns],
        )
    return found


def read_targets(
    source: str | Path | bytes,
    kelurahan: pd.DataFrame,
    *,
    name: str | None = None,
    quality: DataQuality | None = None,
) -> pd.DataFrame:
    """Read the planner's targets file (CSV or XLSX: ``wilayah, tahun, indikator, target``).

    ``wilayah`` is matched to the offices of ``kelurahan`` (:func:`match_area`); a name that fits
    none (or several) raises ``UserError("monitoring.unknown_area")`` listing the valid names,
    since a target silently dropped would show a BNNK as "no target". Other bad rows (unknown
    indikator, year or number) go to ``quality`` with their row number and are left out.
    Returns ``row, area, area_level, year, indicator, target``.
    """
    # the header aliases as a column map: the loader then finds the header under title rows
    cmap = {n: canon for canon, names in _TARGET_HEADERS.items() for n in names}
    q = quality if quality is not None else DataQuality()
    if not isinstance(source, bytes | bytearray):
        check_special(source, name or Path(source).name)  # a FIFO would block the read
    data = source if isinstance(source, bytes | bytearray) else Path(source).read_bytes()
    name = name or (Path(source).name if not isinstance(source, bytes | bytearray) else None)
    if data[:2] != b"PK":
        # a short CSV ending in a newline is read without title-row detection by the loader
        # (its line count then differs from the csv module's): drop the trailing newlines
        data = data.rstrip(b"\r\n")
    table_raw = _read_raw(data, name or "targets.csv", column_map=cmap, quality=q)
    fname = table_raw.fname
    raw = table_raw.frame.copy()
    raw.index = pd.RangeIndex(len(raw))
    rows = pd.Series(np.asarray(table_raw.rows), index=raw.index)
    raw = raw.dropna(how="all")
    cols = _header_map([str(c) for c in raw.columns], fname)
    table = offices(kelurahan)
    year = pd.to_numeric(raw[cols["tahun"]].astype("string").str.strip(), errors="coerce")
    target = parse_float(raw[cols["target"]].astype("string"))
    out, unknown, ambiguous = _target_rows(raw, rows, cols, year, target, table, q, fname)
    if unknown or ambiguous:
        bad = unknown + [(r, w) for r, w, _ in ambiguous]
        raise UserError(
            "monitoring.unknown_area",
            file=fname,
            column=cols["wilayah"],
            rows=[f"{r} ({w})" for r, w in bad[:10]] + (["..."] if len(bad) > 10 else []),
            valid=list(table["area"]),
        )
    res = pd.DataFrame(out, columns=["row", "area", "area_level", "year", "indicator", "target"])
    dup = res.duplicated(["area", "year", "indicator"], keep="first")
    for r in res.loc[dup, "row"]:
        q.add(fname, int(r), cols["wilayah"], Msg("second_target"))
    return res.loc[~dup].reset_index(drop=True)


def _indicator(text: object) -> str | None:
    """The indicator a written name means (words or the key itself), else None."""
    ind = _INDICATOR_WORDS.get(" ".join(str(text).lower().replace("_", " ").split()))
    if ind is None and str(text).strip().lower() in INDICATORS:
        ind = str(text).strip().lower()
    return ind


def _target_rows(raw, rows, cols, year, target, table, q: DataQuality, fname: str):
    """Each usable row as (row, area, area_level, year, indicator, target); bad rows go to
    ``q``; areas that match no office, or several, are listed apart: (out, unknown, ambiguous).
    """
    out = []
    unknown: list[tuple[int, str]] = []
    ambiguous: list[tuple[int, str, list[str]]] = []
    cache: dict[str, object] = {}
    for i in raw.index:
        r = int(rows[i])
        w, ind_text = raw.at[i, cols["wilayah"]], raw.at[i, cols["indikator"]]
        if w is None or w is pd.NA or str(w).strip() == "":
            q.add(fname, r, cols["wilayah"], Msg("wilayah_empty"), None, Msg("row_ignored"))
            continue
        ind = _indicator(ind_text)
        if ind is None:
            q.add(
                fname,
                r,
                cols["indikator"],
                Msg("unknown_indikator", allowed=", ".join(INDICATORS)),
                None if ind_text is pd.NA else str(ind_text),
                Msg("row_ignored"),
            )
            continue
        y = year[i]
        if pd.isna(y) or not float(y).is_integer() or not 2000 <= y <= 2100:
            q.add(fname, r, cols["tahun"], Msg("tahun_not_year"), _s(raw.at[i, cols["tahun"]]))
            continue
        t = target[i]
        if pd.isna(t) or t <= 0 or not math.isfinite(t):  # "inf" parses as a float
            q.add(
                fname,
                r,
                cols["target"],
                Msg("target_not_positive"),
                _s(raw.at[i, cols["target"]]),
                Msg("row_ignored"),
            )
            continue
        key = str(w)
        if key not in cache:
            cache[key] = match_area(key, table)
        hit = cache[key]
        if hit is None:
            unknown.append((r, key))
            continue
        if isinstance(hit, list):
            ambiguous.append((r, key, [table["area"].iloc[j] for j in hit]))
            continue
        out.append(
            (
                r,
                table["area"].iloc[hit],
                table["area_level"].iloc[hit],
                int(y),
                ind,
                float(t),
            )
        )
    return out, unknown, ambiguous


def _s(v: object) -> str | None:
    return None if v is None or v is pd.NA else str(v)
