"""Data step helpers: uploaded headers, column mapping, error texts, the quality overview and the
names a planner should resolve; plus the "why ranked here" table and markdown escaping.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ibm_geo.i18n import fmt_num, t
from ibm_geo.scoring import COMPONENTS


# ------------------------------------------------------------------------------------- uploads
def headers_of(data: bytes, name: str) -> list[str]:
    """Header row of an uploaded table (or property names of a boundary file) for column mapping."""
    ext = Path(name).suffix.lower()
    try:
        if ext in (".xlsx", ".xls", ".xlsm"):
            return [str(c) for c in pd.read_excel(io.BytesIO(data), nrows=0).columns]
        if ext in (".csv", ".txt", ".tsv"):
            text = data.decode("utf-8-sig", errors="replace")
            first = text.splitlines()[0] if text else ""
            sep = max([",", ";", "\t", "|"], key=first.count)
            return [h.strip().strip('"') for h in first.split(sep)]
        import geopandas as gpd

        gdf = gpd.read_file(io.BytesIO(data), rows=1)
        return [str(c) for c in gdf.columns if c != "geometry"]
    except Exception:  # noqa: BLE001 - any unreadable file simply offers no headers
        return []


_ERROR_ID = [
    (
        "no location column: need kode, kelurahan/desa, lat+lon or koordinat; found ",
        "tidak ada kolom lokasi (perlu kode, kelurahan/desa, lat+lon atau koordinat); kolom yang ada: ",
    ),
    (
        "cannot find the village name column (expected nama, WADMKD, NAME_4 or name); ",
        "kolom nama kelurahan/desa tidak ditemukan (nama, WADMKD, NAME_4 atau name); ",
    ),
    ("columns found: ", "kolom yang ada: "),
    (". Pass column_map.", ". Pilih kolomnya di bawah."),
    ("cannot read boundaries", "berkas batas wilayah tidak dapat dibaca"),
    ("cannot parse as CSV", "tidak dapat dibaca sebagai CSV"),
    ("cannot read spreadsheet", "lembar kerja tidak dapat dibaca"),
    ("save it as .xlsx or .csv", "simpan sebagai .xlsx atau .csv"),
    ("cannot read file", "berkas tidak dapat dibaca"),
    ("no features in the boundary file", "berkas batas wilayah tidak berisi poligon"),
    (
        "no CRS in the file and the coordinates are not degrees",
        "tanpa CRS dan koordinat bukan derajat",
    ),
    ("the file is empty", "berkas kosong"),
]


def error_message(e, lang: str = "id") -> str:
    """Plain message for an :class:`~ibm_geo.errors.IbmGeoError`: file, column, what is wrong."""
    if not hasattr(e, "table"):  # a catalog error: its own text in the chosen language
        return t("data.error_coded", lang, msg=md_escape(e.message(lang).rstrip(".")))
    col = t("data.error_col", lang, col=e.column) if getattr(e, "column", None) else ""
    msg = str(e)
    prefix = f"{e.table}" + (f", column '{e.column}'" if e.column else "") + ": "
    msg = msg[len(prefix) :] if msg.startswith(prefix) else msg
    if lang == "id":
        for en, id_ in _ERROR_ID:
            msg = msg.replace(en, id_)
    return t("data.error", lang, file=md_escape(e.table), col=md_escape(col), msg=md_escape(msg))


def mapping_from_choices(choices: dict[str, str | None]) -> dict[str, str]:
    """{canonical: header or None} from the selectboxes -> ``column_map`` {header: canonical}."""
    return {h: canon for canon, h in choices.items() if h}


def _norm(v: object) -> str:
    return "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v)


def candidate_lookup(units: pd.DataFrame) -> dict[str, str]:
    """{'Nama (Kec, Kab)': kode} for every unit: build once, then look up each match's list."""
    label = units["nama"].astype(str) + " (" + units["kecamatan"].astype(str)
    label = label + ", " + units["kab_kota"].astype(str) + ")"
    return dict(zip(label, units["kode"].astype(str), strict=False))


def candidate_options(candidates: str, units: pd.DataFrame | dict[str, str]) -> dict[str, str]:
    """'Nama (Kec, Kab); ...' from ``matches.candidates`` -> {label: kode} looked up in the units
    (or in a :func:`candidate_lookup` built once for many calls)."""
    out: dict[str, str] = {}
    if not candidates:
        return out
    lookup = units if isinstance(units, dict) else candidate_lookup(units)
    for part in str(candidates).split(";"):
        part = part.strip()
        if part in lookup:
            out[part] = lookup[part]
    return out


# ------------------------------------------------------------------------------------- quality
def quality_overview(result, lang: str = "id") -> pd.DataFrame:
    """Rows read / matched / ambiguous / unmatched / outside / swapped per input table."""
    j = result.joined
    q = result.quality
    rows = []
    for kind, placed in (
        ("clients", j.clients),
        ("agents", j.agents),
        ("service_points", j.service_points),
    ):
        tab = placed.table
        fname = j.sources.get(kind, kind)
        method = tab["method"].astype("string") if "method" in tab else pd.Series(dtype="string")
        qf = q[q["file"] == fname] if len(q) else q
        prob = qf["problem"].astype("string").str.lower() if len(qf) else pd.Series(dtype="string")
        rows.append(
            {
                t("q.table", lang): fname,
                t("q.read", lang): len(tab),
                t("q.matched", lang): int(tab["located"].sum()) if len(tab) else 0,
                t("q.ambiguous", lang): int((method == "ambiguous").sum()),
                t("q.unmatched", lang): int((method == "unmatched").sum())
                + int(method.isna().sum() if len(tab) else 0),
                t("q.outside", lang): int(prob.str.contains("outside").sum()),
                t("q.swapped", lang): int(prob.str.contains("swapped").sum()),
                t("q.fuzzy", lang): int((method == "fuzzy").sum()),
            }
        )
    return pd.DataFrame(rows)


#: place names offered for a choice at once (a national file can have thousands; one select box
#: each would make the page unusable); the rest stay in matches.csv and come up as these are done
RESOLVE_LIMIT = 40


def to_resolve(matches: pd.DataFrame, limit: int | None = None) -> pd.DataFrame:
    """Match rows a planner should look at: ambiguous, unmatched with candidates, or fuzzy;
    those written on the most rows first (the most clients placed per choice)."""
    if matches is None or not len(matches):
        return pd.DataFrame()
    m = matches
    need = m["method"].isin(["ambiguous", "fuzzy"]) | (
        (m["method"] == "unmatched") & m["candidates"].fillna("").ne("")
    )
    out = m.loc[need].sort_values("rows", ascending=False, kind="stable")
    return (out if limit is None else out.head(limit)).reset_index(drop=True)


# ------------------------------------------------------------------------------- why ranked here
def why_table(row: pd.Series, lang: str = "id") -> pd.DataFrame:
    """Component value and points of one kelurahan: the score is the sum of the points."""
    recs = []
    for c in COMPONENTS:
        recs.append(
            {
                t("m.component", lang): t(f"w.{c}", lang),
                # as text in the reader's number format (0,367 and 7,3 in Indonesian)
                t("m.value", lang): fmt_num(float(row.get(f"c_{c}", np.nan)), lang, 3),
                t("m.points", lang): fmt_num(float(row.get(f"pts_{c}", np.nan)), lang, 1),
            }
        )
    return pd.DataFrame(recs)


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~$:])")


def md_escape(text: object) -> str:
    """User text inside Streamlit markdown (labels, captions, messages): no links, images, HTML."""
    return _MD_SPECIAL.sub(r"\\\1", _norm(text))


def unit_label(row: pd.Series) -> str:
    return f"{row['rank']}. {row['nama']} ({row['kecamatan']}, {row['kab_kota']})"


def decimals_as_text(df: pd.DataFrame, lang: str, decimals: dict[str, int]) -> pd.DataFrame:
    """Float columns written as an Indonesian reader writes them (``65,4``) when ``lang`` is
    ``id``: Streamlit draws floats with a decimal point whatever the language. Shown tables
    are already in rank order, so text columns lose no sorting anyone relies on; ``en`` keeps
    numbers (sortable, already in the reader's notation)."""
    if lang != "id":
        return df
    out = df.copy()
    for c, d in decimals.items():
        if c in out and pd.api.types.is_float_dtype(out[c]):
            out[c] = [fmt_num(v, lang, d) for v in out[c]]
    return out
