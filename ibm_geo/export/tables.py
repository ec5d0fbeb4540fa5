"""Table exports (CSV, GeoJSON, GeoPackage, XLSX) and the manifest that goes with each.

Every function takes the published tier of an analysis (:class:`ibm_geo.publish.Published`,
built once by :func:`ibm_geo.publish.publish`) and only formats it: nothing here decides what is
shown or recomputes protection.
"""

from __future__ import annotations

import io
import json
import tempfile
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ibm_geo.config import Scenario
from ibm_geo.distance import distance_method
from ibm_geo.i18n import LANGS, column_label, text_column, value_label
from ibm_geo.plan.result import solver_text
from ibm_geo.publish import (
    COUNT_COLUMNS,
    Published,
    disclosure_method,
    is_band,
    suppression_rule,
)
from ibm_geo.quality_text import localize_quality


def _version() -> str:
    """Package version (robust to a namespace-style editable install, where __init__ is skipped)."""
    try:
        from importlib.metadata import version

        return version("ibm-geo")
    except Exception:
        return "0.0.0"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _defuse(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _defuse_frame(df: pd.DataFrame) -> pd.DataFrame:
    """:func:`_defuse` on every text cell, column-wise (a national table has 2M cells)."""
    out = df.copy()
    for c in out.columns:
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            col = out[c].astype(object)
            is_text = col.map(type).eq(str) if col.dtype == object else col.notna()
            risky = col[is_text].astype(str).str.startswith(_FORMULA_START)
            if risky.any():
                idx = risky[risky].index
                col.loc[idx] = "'" + col.loc[idx].astype(str)
            out[c] = col
    return out


def ranking_table(
    published: Published, lang: str = "id", *, one_language: bool = False
) -> pd.DataFrame:
    """The published ranking in published rank order (opaque areas last), the row order every
    export uses; ``one_language`` keeps only ``lang``'s reason column (a workbook for a rakor),
    the CSV keeps both."""
    return published.ranking_for(lang if one_language else None).reset_index(drop=True)


def _plain(dtype) -> bool:
    return not isinstance(dtype, pd.api.extensions.ExtensionDtype)


def _text_array(s: pd.Series):
    """The column's cells as one Arrow string array, missing as "": a column of text goes
    to Arrow as it is; any other (numbers beside a band ``<5``) through ``str`` per cell."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = s.to_numpy(dtype=object)
    try:
        return pc.fill_null(pa.array(values, type=pa.string(), from_pandas=True), "")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        text = list(map(str, values.tolist()))  # str() per cell, as to_csv writes them
        missing = np.flatnonzero(pd.isna(values))
        for i in missing.tolist():
            text[i] = ""
        return pa.array(text, type=pa.string())


#: floats whose magnitude lies in this range (or zero) are written by Arrow's shortest
#: round-trip cast, which gives ``repr``'s digits there (tested); ``repr`` writes the rest
_ARROW_FLOATS = (1e-4, 1e9)


def _float_cells(values: np.ndarray):
    """Float cells as ``repr`` writes them (``12200.0``, ``0.54``), missing as ""."""
    import pyarrow as pa
    import pyarrow.compute as pc

    finite = values[np.isfinite(values)]
    mag = np.abs(finite)
    lo, hi = _ARROW_FLOATS
    if not (((mag >= lo) & (mag < hi)) | (mag == 0)).all():
        return pa.array(["" if v != v else repr(v) for v in values.tolist()], type=pa.string())
    a = pc.cast(pa.array(values, from_pandas=True), pa.string())
    # Arrow writes an integral float without ".0" ("12200", "-0")
    whole = pc.invert(pc.match_substring_regex(a, "[.eni]"))
    a = pc.if_else(whole, pc.binary_join_element_wise(a, ".0", ""), a)
    return pc.fill_null(a, "")


def _csv_cells(s: pd.Series):
    """One column as an Arrow array of CSV cells, exactly as ``DataFrame.to_csv`` writes them
    (minimal quoting, empty for missing, ``repr`` of floats), formula-like text defused.

    Numbers never need quoting; text is escaped in Arrow kernels. A national ranking (83k rows,
    41 columns) is written in a fifth of the time of ``to_csv`` plus a per-cell defuse pass.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if _plain(s.dtype) and s.dtype == bool:
        return pa.array(list(map(str, s.to_numpy().tolist())), type=pa.string())
    if _plain(s.dtype) and pd.api.types.is_integer_dtype(s.dtype):
        return pc.cast(pa.array(s.to_numpy()), pa.string())
    if _plain(s.dtype) and pd.api.types.is_float_dtype(s.dtype):
        return _float_cells(s.to_numpy(dtype=float))
    a = _text_array(s)
    risky = pc.match_substring_regex(a, "^[=+\\-@\t\r]")  # see _FORMULA_START
    # a negative number ("-5", a change since the last rakor) is a number, not a formula
    risky = pc.and_(risky, pc.invert(pc.match_substring_regex(a, "^-[0-9]+([.][0-9]+)?$")))
    if pc.any(risky).as_py():
        a = pc.if_else(risky, pc.binary_join_element_wise("'", a, ""), a)
    quote = pc.match_substring_regex(a, '[",\n\r]')
    if pc.any(quote).as_py():
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(a, '"', '""'), '"', "")
        a = pc.if_else(quote, quoted, a)
    return a


def csv_text(df: pd.DataFrame) -> str:
    """``df`` as CSV text (no index), formula-like text defused (CSV injection)."""
    import pyarrow.compute as pc

    if len(df.columns) == 0:
        return _defuse_frame(df).to_csv(index=False)
    header = _csv_cells(pd.Series([str(c) for c in df.columns], dtype=object)).to_pylist()
    cols = [_csv_cells(df.iloc[:, i]) for i in range(df.shape[1])]
    # each row's cells joined in Arrow, then one join over header, rows and a final ""
    # (the closing newline): no per-cell Python work, no 40 MB re-copies
    rows = pc.binary_join_element_wise(*cols, ",").to_pylist() if len(df) else []
    return "\n".join(chain([",".join(header)], rows, [""]))


def ranking_csv(published: Published, lang: str = "id") -> bytes:
    """UTF-8 CSV with BOM (opens correctly in Excel): published counts, the band ``<k``."""
    return _csv(ranking_table(published, lang))


def _csv(df: pd.DataFrame) -> bytes:
    return csv_text(df).encode("utf-8-sig")


def matches_csv(published: Published) -> bytes:
    """``matches.csv``: how written place names were placed (:func:`ibm_geo.privacy.public_matches`)."""
    return csv_text(published.matches).encode("utf-8")


def quality_csv(published: Published) -> bytes:
    """``data_quality.csv``: the report without values typed in personal columns."""
    return csv_text(published.quality).encode("utf-8")


def plan_csv(published: Published) -> bytes:
    """Proposed recruitment sites; clients reached as computed from published counts."""
    return _csv(published.sites)


def pilots_csv(published: Published) -> bytes:
    """Pilot villages with reasons and comparison villages, figures as in the ranking."""
    return _csv(published.pilots)


def curve_csv(published: Published) -> bytes:
    """Coverage curve (clients reached for p = 0..P new groups) from published counts."""
    return _csv(published.curve)


def _public_geo(published: Published) -> gpd.GeoDataFrame:
    """Public table for GIS formats: counts stay numeric (GIS tools need one type per field),
    an opaque area's count is null, and ``opaque`` says which rows carry the band."""
    g = published.geo
    pub = pd.DataFrame(g.drop(columns=g.geometry.name))
    cols = [c for c in COUNT_COLUMNS if c in pub]
    band = np.zeros(len(pub), dtype=bool)
    for c in cols:
        band |= pub[c].map(is_band).to_numpy(dtype=bool)
        pub[c] = pd.array(pd.to_numeric(pub[c], errors="coerce").round(), dtype="Int64")
    pub["opaque"] = band
    geom = gpd.GeoSeries(g.geometry, crs=g.crs).to_crs(4326)
    return gpd.GeoDataFrame(pub, geometry=geom.to_numpy(), crs="EPSG:4326")


def results_geojson(published: Published) -> bytes:
    """GeoJSON FeatureCollection of the public table (EPSG:4326, 6-decimal coordinates)."""
    g = _public_geo(published)
    man = manifest(
        "geojson",
        published.scenario,
        units=len(g),
        null_counts=NULL_COUNTS,
    )
    # assembled from column-wise pieces: GEOS writes the geometries, pandas' C encoder the
    # properties (one JSON object per line); the national layer takes seconds, not half a minute
    geoms = shapely.transform(g.geometry.to_numpy(), lambda c: np.round(c, 6))
    geo_json = shapely.to_geojson(geoms)
    props = pd.DataFrame(g.drop(columns=g.geometry.name))
    # records are separated by "\n" (escaped inside strings); not splitlines(): names may hold
    # U+2028 and the like, which JSON leaves raw
    lines = props.to_json(orient="records", lines=True, force_ascii=False).split("\n")
    lines = lines[: len(props)]
    features = ",".join(
        f'{{"type":"Feature","properties":{p},"geometry":{"null" if gj is None else gj}}}'
        for p, gj in zip(lines, geo_json, strict=True)
    )
    tail = json.dumps(man, ensure_ascii=False, separators=(",", ":"))
    text = f'{{"type":"FeatureCollection","features":[{features}],"ibm_geo_manifest":{tail}}}'
    return text.encode("utf-8")


def results_gpkg(published: Published, layer: str = "kelurahan") -> bytes:
    """GeoPackage with the public layer plus a `manifest` attribute table (key, value)."""
    g = _public_geo(published)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "results.gpkg"
        g.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        man = manifest("gpkg", published.scenario, units=len(g), null_counts=NULL_COUNTS)
        mdf = pd.DataFrame(
            {"key": list(man), "value": [json.dumps(v, ensure_ascii=False) for v in man.values()]}
        )
        import pyogrio

        pyogrio.write_dataframe(mdf, path, layer="manifest", driver="GPKG", append=False)
        return path.read_bytes()


#: what a null count means in the GIS exports
NULL_COUNTS = "a null count belongs to an area with fewer than k clients in the register"


def workbook_xlsx(published: Published, lang: str = "id", monitoring=None) -> bytes:
    """Workbook with sheets ranking, plan, pilots, data quality, scenario settings, coverage
    curve, unmatched names and manifest; ``monitoring`` (a
    :class:`~ibm_geo.monitoring.Monitoring`, already protected) adds its tables and the
    manifest lines saying how its agent figures were counted. The one workbook definition the
    CLI writes as ``ranking.xlsx`` and the app's Ekspor offers."""
    scenario = published.scenario
    # one language for a rakor workbook: the pilots' reasons in the reader's language only
    other = [
        text_column(base, x) for base in ("reason", "comparison_reason") for x in LANGS if x != lang
    ]
    sheets: dict[str, pd.DataFrame] = {
        "ranking": ranking_table(published, lang, one_language=True),
        "plan": published.sites,
        "pilots": published.pilots.drop(columns=other, errors="ignore"),
        "data quality": published.quality,
        "scenario settings": _scenario_rows(scenario),
    }
    if published.plan is not None or len(published.curve):
        sheets["coverage curve"] = published.curve
    if published.phases is not None:  # the phased rollout (issue 22), published figures
        sheets.update(published.phases.sheets())
    um = unmatched_summary(published.matches)
    if len(um):
        sheets["unmatched names"] = um
    notes: dict[str, object] = {}
    if monitoring is not None:
        sheets.update(monitoring.sheets(lang))
        notes.update(monitoring.manifest_notes())
    plan = published.plan
    if plan is not None and hasattr(plan, "groups_line"):  # the plan as decided (issue 22)
        notes.update(plan_reach=plan.reach_text.get("en", ""), plan_groups=plan.groups_line("en"))
        if lang == "id":
            notes.update(
                plan_reach_id=plan.reach_text.get("id", ""), plan_groups_id=plan.groups_line("id")
            )
    names = [*sheets, "manifest"]
    if lang == "id":
        notes["distance_method_id"] = distance_method(scenario, "id")
        notes["disclosure_method_id"] = published.method_in("id")
        names = [SHEET_NAMES_ID.get(n, n) for n in names]
    man = manifest("xlsx", scenario, units=len(published.geo), sheets=names, **notes)
    sheets["manifest"] = pd.DataFrame({"key": list(man), "value": [_flat(v) for v in man.values()]})
    return _xlsx(_for_readers(sheets, lang))


analysis_workbook = workbook_xlsx


def phases_xlsx(published: Published, lang: str = "id") -> bytes:
    """``tahap.xlsx``: the phased rollout's three sheets alone (also in ``ranking.xlsx``)."""
    if published.phases is None:
        return _xlsx({"tahap": pd.DataFrame()})
    return _xlsx(_for_readers(dict(published.phases.sheets()), lang))


# -- the workbook for people: sheet names and headers in the reader's language (issue 14) --------
#: sheet -> its Indonesian name (headers come from :func:`ibm_geo.i18n.column_label`)
SHEET_NAMES_ID = {
    "ranking": "peringkat",
    "plan": "rencana",
    "pilots": "desa percontohan",
    "data quality": "kualitas data",
    "scenario settings": "pengaturan skenario",
    "coverage curve": "kurva cakupan",
    "unmatched names": "nama wilayah",
    "progress": "capaian",
    "trend": "tren",
    "summary": "ringkasan kantor",
    "change": "perubahan",
    "rw": "per RW",
    "tahap": "tahap",
    "tahap_tahun": "tahap per tahun",
    "kurva_tahap": "kurva per tahap",
    "manifest": "manifes",
}
#: manifest lines that exist in both languages: the Indonesian workbook keeps the ``_id`` one
_MANIFEST_TWINS = (
    "suppression_rule",
    "agent_progress_basis",
    "distance_method",
    "disclosure_method",
    "indicator_definitions",
    "plan_reach",
    "plan_groups",
)
_MANIFEST_ID = {
    "contains": "hanya agregat per kelurahan/desa; tanpa nama, ID, atau koordinat klien",
}


def _for_readers(sheets: dict[str, pd.DataFrame], lang: str) -> dict[str, pd.DataFrame]:
    """Indonesian sheet names, column headers and words when ``lang`` is ``id`` (English
    otherwise); the CSV files keep their documented machine headers and values."""
    if lang != "id":
        return sheets

    out = {}
    for name, df in sheets.items():
        if name == "data quality":
            df = localize_quality(df, lang)
        else:
            df = df.copy()
            if name == "plan" and "solver" in df:
                df["solver"] = df["solver"].map(lambda v: solver_text(str(v), lang))
            for col, kind in (("method", "match"), ("source", "source")):  # coded values
                if col in df:
                    df[col] = df[col].map(lambda v, k=kind: value_label(k, v, lang))
            if name == "manifest":
                df = _manifest_id(df)
            if name == "scenario settings":
                df["value"] = df["value"].map(_id_bool)
            df = df.rename(columns=lambda c: column_label(c, lang))
        out[SHEET_NAMES_ID.get(name, name)] = df
    return out


def _id_bool(v: object) -> object:
    """``true``/``false`` of a scenario setting as an Indonesian reader writes them."""
    return {"true": "ya", "false": "tidak"}.get(v, v) if isinstance(v, str) else v


def _manifest_label(key: str) -> str:
    """A manifest key as an Indonesian reader reads it (the key itself when it has no label)."""
    label = column_label(f"manifest_{key}", "id")
    return key if label == f"manifest_{key}" else label


def _manifest_id(df: pd.DataFrame) -> pd.DataFrame:
    """The manifest for an Indonesian reader: Indonesian twins replace English lines, keys
    labelled (``field.manifest_<key>``; a key without a label is kept as it is)."""

    vals = dict(zip(df["key"], df["value"], strict=True))
    for twin in _MANIFEST_TWINS:
        if f"{twin}_id" in vals:
            vals[twin] = vals.pop(f"{twin}_id")
    vals.update({k: v for k, v in _MANIFEST_ID.items() if k in vals})
    return pd.DataFrame(
        {
            "key": [_manifest_label(k) for k in vals],
            "value": list(vals.values()),
        }
    )


def _xlsx_cells(s: pd.Series) -> list:
    """Column values xlsxwriter can write: Python numbers and text, None for missing."""
    values = s.astype(object).where(s.notna(), None).tolist()
    return [v.item() if isinstance(v, np.generic) else v for v in values]


def _xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """Write the sheets with xlsxwriter directly, a column at a time.

    Through ``DataFrame.to_excel`` a national ranking (3M cells) took 30-40 s, most of it in
    pandas' per-cell styling; this takes a third of that. Text is written as text, never turned
    into formulas, links or numbers (formula-like text is also defused).
    """
    import xlsxwriter

    buf = io.BytesIO()
    opts = {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
    }
    wb = xlsxwriter.Workbook(buf, opts)
    bold = wb.add_format({"bold": True})
    for name, df in sheets.items():
        ws = wb.add_worksheet(name[:31])
        d = _defuse_frame(df)
        ws.write_row(0, 0, [str(c) for c in d.columns], bold)
        for j in range(d.shape[1]):
            ws.write_column(1, j, _xlsx_cells(d.iloc[:, j]))
            ws.set_column(j, j, min(60, max(10, len(str(d.columns[j])) + 2)))
        ws.freeze_panes(1, 0)
    wb.set_properties({"author": "ibm-geo", "comments": "ibm-geo export"})
    wb.close()
    return buf.getvalue()


def unmatched_summary(matches: pd.DataFrame | None) -> pd.DataFrame:
    """Counts of unmatched/fuzzy area names by method (names typed by staff, never client rows)."""
    if matches is None or len(matches) == 0:
        return pd.DataFrame(columns=["method", "names"])
    col = next((c for c in ("method", "status", "match") if c in matches), None)
    if col is None:
        return pd.DataFrame({"method": ["all"], "names": [len(matches)]})
    if "spellings" in matches:  # published matches: one row per kelurahan and method
        n = pd.to_numeric(matches["spellings"], errors="coerce").fillna(1).astype(np.int64)
        s = n.groupby(matches[col].astype(object).fillna("unknown").astype(str)).sum()
        return pd.DataFrame({"method": s.index.to_numpy(), "names": s.to_numpy()})
    s = matches[col].astype(object).fillna("unknown").astype(str).value_counts().sort_index()
    return pd.DataFrame({"method": s.index.to_numpy(), "names": s.to_numpy()})


def _flat(v: object) -> str:
    if isinstance(v, np.generic):
        v = v.item()
    return v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)


def _scenario_rows(scenario: Scenario) -> pd.DataFrame:
    rows: list[tuple[str, str]] = []

    def walk(prefix: str, obj: object) -> None:
        if isinstance(obj, dict) and obj:
            for key, v in obj.items():
                walk(f"{prefix}.{key}" if prefix else key, v)
        else:
            rows.append((prefix, _flat(obj)))

    walk("", scenario.model_dump(mode="json"))
    return pd.DataFrame(rows, columns=["setting", "value"])


def manifest(
    kind: str,
    scenario: Scenario,
    *,
    units: int | None = None,
    as_text: bool = False,
    **extra: object,
) -> dict | str:
    """What an export contains: kind, scenario name + TOML, date, suppression rule, version.

    ``as_text=True`` returns indented JSON (written next to files as ``manifest.json``).
    """
    k = scenario.suppression_k
    man: dict[str, object] = {
        "kind": kind,
        "generator": f"ibm-geo {_version()}",
        "created_utc": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenario_name": scenario.name,
        "scenario_toml": scenario.to_toml(),
        "suppression_k": k,
        "suppression_rule": suppression_rule(k, "en"),
        "suppression_rule_id": suppression_rule(k, "id"),
        "contains": "per-kelurahan aggregates only; no client names, IDs or coordinates",
        "distance_method": distance_method(scenario),  # straight line or roads (OSM credit)
    }
    if units is not None:
        man["units"] = int(units)
    man["disclosure_method"] = disclosure_method(k, "en")
    for key, v in extra.items():
        man[key] = v.item() if isinstance(v, np.generic) else v
    return json.dumps(man, indent=2, ensure_ascii=False) if as_text else man


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write an export to disk (parents created), returning the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
