"""The previous run's published file: read, checked against this run's area, and the change
of unserved clients per unit and per kab/kota since that rakor."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ibm_geo.errors import UserError
from ibm_geo.io import limits as _limits
from ibm_geo.io.guard import check_special
from ibm_geo.io.tables import _read_raw, header_key
from ibm_geo.monitoring.common import CHANGE_COLUMNS, area_names
from ibm_geo.privacy import (
    HIDDEN,
    band_label,
    public_table,
)
from ibm_geo.quality import DataQuality, Msg

# -- change since the last rakor ----------------------------------------------------------------


def parse_published(value: object, default_k: int = 5) -> tuple[float, float] | None:
    """The interval a published count stands for: ``12`` -> (12, 12), ``"*"`` -> (0, inf),
    and from older files ``"<5"`` -> (1, 4),
    ``"≥5"`` / ``">=5"`` -> (5, inf); None when empty (a suppressed null of the GeoJSON is read
    by :func:`read_previous` with the row's ``suppressed`` list)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    s = str(value).strip().replace(" ", "")
    if s == "":
        return None
    if s == HIDDEN:  # the one label of every hidden cell: any count, 0 included
        return (0.0, math.inf)
    m = re.fullmatch(r"<(\d+)", s)  # the band of an area with 1..k-1 clients: 0..k-1
    if m:
        return (0.0, float(int(m.group(1)) - 1))
    m = re.fullmatch(r"(?:≥|>=)(\d+)", s)
    if m:
        return (float(m.group(1)), math.inf)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):  # Indonesian thousands: 1.234
        s = s.replace(".", "")
    try:
        x = float(s.replace(",", "."))
    except ValueError:
        return None
    return (x, x)


#: headers of the published per-unit tables (English keys and the Indonesian/English workbook
#: headers) -> the columns change needs
_PREVIOUS_HEADERS = {
    "kode": "kode",
    "code": "kode",
    "nama": "nama",
    "kelurahan_desa": "nama",
    "village": "nama",
    "name": "nama",
    "kab_kota": "kab_kota",
    "regency_city": "kab_kota",
    "unserved": "unserved",
    "belum_terlayani": "unserved",
}


def _canon_previous(df: pd.DataFrame) -> pd.DataFrame:
    ren: dict = {}
    for c in df.columns:
        canon = _PREVIOUS_HEADERS.get(header_key(c))
        if canon and canon not in ren.values():
            ren[c] = canon
    return df.rename(columns=ren)


def read_previous(
    source: str | Path | bytes,
    *,
    name: str | None = None,
    kelurahan: pd.DataFrame | None = None,
    quality: DataQuality | None = None,
) -> pd.DataFrame:
    """An earlier run's published per-unit table: its ``results.geojson``, ``ranking.xlsx`` or
    ``ranking.csv``. Returns ``kode, nama, kab_kota, lo, hi, label`` (unserved as an interval:
    a suppressed label is never read as a number).

    The file comes back from a planner's folder, so it is read as untrusted: a value that is
    not a published count (text, negative, not finite, a list) or a row without a code is a
    row of ``quality`` and left out, never a crash. With ``kelurahan`` (this run's units), a
    file none of whose codes is one of them is refused naming both areas: the change table of
    two provinces would be all "new" and "gone"."""
    fname = name or (Path(source).name if not isinstance(source, bytes) else "previous")
    q = quality if quality is not None else DataQuality()
    if not isinstance(source, bytes):
        check_special(source, fname)

        _limits.check_source_size(source, fname)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text_head = data[:200].lstrip().lstrip(b"\xef\xbb\xbf")
    k_guess = 5
    if text_head.startswith((b"{", b"[")):
        df, k_guess = _read_geojson(data, fname, q)
    elif data[:4] == b"PK\x03\x04":
        import io

        try:
            book = pd.read_excel(io.BytesIO(data), sheet_name=None, dtype=object)
        except Exception as exc:
            raise UserError("monitoring.previous_unreadable", file=fname, detail=str(exc)) from exc
        book = {n: _canon_previous(s) for n, s in book.items()}
        sheet = next((s for s in book.values() if {"kode", "unserved"} <= set(s.columns)), None)
        if sheet is None:
            raise UserError("monitoring.previous_columns", file=fname)
        df = sheet
    else:
        cmap = {a: c for a, c in _PREVIOUS_HEADERS.items()}
        df = _read_raw(
            data, fname if fname.endswith(".csv") else f"{fname}.csv", column_map=cmap
        ).frame
    df = _canon_previous(df)
    if not {"kode", "unserved"} <= set(df.columns):
        raise UserError("monitoring.previous_columns", file=fname)
    out = _published_rows(df, fname, q, k_guess)
    if kelurahan is not None:
        _check_same_area(out, kelurahan, fname)
    return out


def _read_geojson(data: bytes, fname: str, q: DataQuality) -> tuple[pd.DataFrame, int]:
    """A GIS layer's feature properties and the suppression k its manifest states (else 5);
    hidden counts (null, flagged ``opaque`` or named in ``suppressed``) become their labels."""
    k_guess = 5
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        feats = doc["features"]
        if not isinstance(feats, list):
            raise TypeError("'features' is not a list")
    except RecursionError:
        raise UserError(
            "monitoring.previous_unreadable", file=fname, detail="nested too deeply"
        ) from None
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise UserError(
            "monitoring.previous_unreadable", file=fname, detail=str(exc)[:120]
        ) from exc
    props = [f.get("properties") if isinstance(f, dict) else None for f in feats]
    bad = [i + 1 for i, p in enumerate(props) if not isinstance(p, dict)]
    if feats and len(bad) == len(feats):
        raise UserError(
            "monitoring.previous_unreadable", file=fname, detail="no feature has properties"
        )
    if bad:
        q.add_many(fname, bad, None, Msg("prev_no_properties"), None,
                   Msg("left_out_change"))  # fmt: skip
    props = [p for p in props if isinstance(p, dict)]
    manifest = doc.get("ibm_geo_manifest") if isinstance(doc, dict) else None
    try:
        k_guess = int((manifest or {}).get("suppression_k", 5) or 5)
        if not 1 <= k_guess <= 1000:
            raise ValueError
    except (ValueError, TypeError, AttributeError, OverflowError):
        k_guess = 5
        q.add(fname, None, "suppression_k", Msg("prev_k_not_number"),
              None, Msg("k5_assumed"))  # fmt: skip
    df = pd.DataFrame(props)
    if "unserved" in df and "opaque" in df:
        # GIS layer: an opaque area's count is null, flagged in `opaque` (its band)
        op = df["opaque"].fillna(False).astype(bool)
        df["unserved"] = [
            band_label(k_guess) if (o and pd.isna(u)) else u
            for u, o in zip(df["unserved"], op, strict=True)
        ]
    elif "unserved" in df and "suppressed" in df:
        # GIS layer: a hidden count is null and named in `suppressed`
        hid = df["suppressed"].map(lambda v: set(v.split(";")) if isinstance(v, str) else set())
        # any count, 0 included: a hidden cell may be a complementary cell or a small
        # village's hidden zero, so it is never read as ">= 1"
        df["unserved"] = [
            HIDDEN if ("unserved" in h and _missing(u)) else u
            for u, h in zip(df["unserved"], hid, strict=True)
        ]
    return df, k_guess


def _published_rows(df: pd.DataFrame, fname: str, q: DataQuality, k_guess: int) -> pd.DataFrame:
    """``kode, nama, kab_kota, lo, hi, label`` of the rows with a code; rows without one, or
    whose count is not a published figure, go to ``q``."""
    df = df.reset_index(drop=True)
    row = pd.Series(np.arange(1, len(df) + 1), index=df.index)
    kode = df["kode"].map(lambda v: None if _missing(v) or not isinstance(v, str | int) else v)
    kode = kode.map(lambda v: None if v is None or str(v).strip() == "" else str(v).strip())
    no_kode = kode.isna()
    if no_kode.any():
        q.add_many(fname, row[no_kode], "kode", Msg("prev_no_kode"), None,
                   Msg("left_out_change"))  # fmt: skip
    iv = [_published_interval(u, k_guess) for u in df["unserved"]]
    odd = pd.Series([x is False for x in iv], index=df.index) & ~no_kode
    if odd.any():
        q.add_many(fname, row[odd], "unserved", Msg("prev_not_published"), None,
                   Msg("left_out_change"))  # fmt: skip
    iv = [None if x is False else x for x in iv]

    def text(col: str) -> list:
        if col not in df:
            return [None] * len(df)
        return [v if isinstance(v, str) else None for v in df[col]]

    out = pd.DataFrame(
        {
            "kode": kode.astype(object),
            "nama": text("nama"),
            "kab_kota": text("kab_kota"),
            "lo": [np.nan if x is None else x[0] for x in iv],
            "hi": [np.nan if x is None else x[1] for x in iv],
            # the band as written; "*" for what older files hid ("*", "≥5")
            "label": [
                None
                if x is None
                else _published_text(u)
                if x[0] == x[1] or str(u).strip().startswith("<")
                else HIDDEN
                for u, x in zip(df["unserved"], iv, strict=True)
            ],
        }
    )
    return out[~no_kode].drop_duplicates("kode").reset_index(drop=True)


def _check_same_area(out: pd.DataFrame, kelurahan: pd.DataFrame, fname: str) -> None:
    """Refuse a file none of whose codes is one of this run's units, naming both areas."""
    if len(out) and len(kelurahan):
        now = set(kelurahan["kode"].astype(str))
        if not now & set(out["kode"]):
            raise UserError(
                "monitoring.previous_other_area",
                file=fname,
                previous=_area_names(out),
                current=_area_names(kelurahan),
            )


def _missing(v: object) -> bool:
    return v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v))


def _published_interval(u: object, k: int) -> tuple[float, float] | None | bool:
    """:func:`parse_published` for an untrusted cell: None when empty, False when it is not a
    count anyone published (text, negative, not finite or not whole, a list or a table)."""
    if isinstance(u, dict | list | tuple | set | bool):
        return False
    if _missing(u):
        return None
    if isinstance(u, str) and u.strip().lower() in ("nan", "inf", "-inf", "infinity"):
        return False
    iv = parse_published(u, k)
    if iv is None:
        return None if str(u).strip() == "" else False
    lo, hi = iv
    if not math.isfinite(lo) or lo < 0 or lo != int(lo) or lo > 1e9:
        return False
    if math.isfinite(hi) and (hi < lo or hi != int(hi)):
        return False
    return iv


def _area_names(units: pd.DataFrame, most: int = 3) -> str:
    """A few kab/kota names of a table (else its province codes), to name an area."""
    names = []
    if "kab_kota" in units:
        names = [str(v) for v in pd.unique(units["kab_kota"].dropna()) if str(v).strip()]
    if not names:
        names = sorted({str(k)[:2] for k in units["kode"].astype(str)})
        names = [f"province {n}" for n in names]
    more = f" +{len(names) - most}" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _published_text(u: object) -> object:
    if u is None or u is pd.NA or (isinstance(u, float) and math.isnan(u)):
        return None
    if isinstance(u, float) and u.is_integer():
        return int(u)
    if isinstance(u, str) and re.fullmatch(r"\d+(\.0+)?", u.strip()):
        return int(float(u))
    return u


def _diff(now: tuple[float, float] | None, before: tuple[float, float] | None) -> object:
    """The change when both sides are published numbers; hidden (``*``) when either side is
    hidden: a bound such as "≥-3" would be computed from a guess of the hidden side and, next
    to the other run's number, narrow it; None when a side is missing."""
    if now is None or before is None:
        return None
    if now[0] != now[1] or before[0] != before[1]:
        return HIDDEN
    return int(now[0] - before[0])


def change_tables(
    result, previous: pd.DataFrame, summary: pd.DataFrame, rows: pd.DataFrame, k: int
):
    """Per-unit and per-kab/kota change of unserved, from published values on both sides."""
    pub = public_table(result.kelurahan, k)
    now = pd.DataFrame(
        {
            "kode": pub["kode"].astype(str),
            "nama": pub["nama"],
            "kab_kota": area_names(result.kelurahan, "kab_kota").to_numpy(),
            "now": pub["unserved"],
        }
    )
    prev = previous.set_index("kode")
    units = []
    for r in now.itertuples(index=False):
        iv_now = parse_published(r.now, k)
        if r.kode in prev.index:
            p = prev.loc[r.kode]
            before = None if pd.isna(p["lo"]) else (float(p["lo"]), float(p["hi"]))
            label = p["label"]
        else:
            before, label = None, None
        units.append([r.kode, r.nama, label, r.now, _diff(iv_now, before), r.kab_kota])
    unit_df = pd.DataFrame(units, columns=[*CHANGE_COLUMNS, "kab_kota"], dtype=object)
    # units of the earlier run that are not in this one (other filters, other boundaries)
    gone = previous[~previous["kode"].isin(now["kode"])]
    for r in gone.itertuples(index=False):
        unit_df.loc[len(unit_df)] = [r.kode, r.nama, r.label, None, None, r.kab_kota]
    # kab/kota: before = sum of the earlier unit intervals, now = the protected summary
    kab_rows = []
    kab_now = {
        a: u
        for a, lv, u in zip(
            summary["area"], summary["area_level"], summary["unserved"], strict=True
        )
        if lv == "kab_kota"
    }
    kab_code = dict(zip(rows["area"], rows["kode"], strict=False))
    prev_kab = previous.assign(
        kab=previous["kode"].map(dict(zip(now["kode"], now["kab_kota"], strict=True)))
    )
    prev_kab["kab"] = prev_kab["kab"].fillna(prev_kab["kab_kota"])
    for kab, u_now in kab_now.items():
        part = prev_kab[prev_kab["kab"] == kab]
        if len(part) and part["lo"].notna().all():
            before = (float(part["lo"].sum()), float(part["hi"].sum()))
            # a sum holding a hidden unit is unknown, not the bound "≥ visible part"
            b_text = int(before[0]) if before[0] == before[1] else HIDDEN
        else:
            before, b_text = None, None
        kab_rows.append(
            [kab_code.get(kab) or kab, kab, b_text, u_now, _diff(parse_published(u_now, k), before)]
        )
    kab_df = pd.DataFrame(kab_rows, columns=CHANGE_COLUMNS, dtype=object)
    table = pd.concat([kab_df, unit_df[CHANGE_COLUMNS]], ignore_index=True)
    return table, unit_df
