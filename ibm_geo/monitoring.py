"""Programme monitoring: targets, progress, trend by rehab year, per-office summaries, change.

A BNNP head reviews the programme each quarter per office: the BNNP (province) and each BNNK
(kab/kota), on request per kecamatan. This module turns one analysis (:class:`AnalysisResult`)
into the four published tables of the issue, all through the same disclosure control as the
per-kelurahan ranking:

``summary``  one row per office: clients, unserved, BNNP referrals, active agents, their capacity,
             the capacity gap (clients who need an agent beyond that capacity), IBM villages;
``trend``    clients, followed up and unserved by rehab year per kab/kota and province;
``progress`` achieved against each target row (``rehab``, ``pascarehab``, ``agen``,
             ``desa_ibm``) with the percentage;
``change``   unserved per unit and per kab/kota now against an earlier run's published file.

Disclosure control: the cell key method of the ranking (:mod:`ibm_geo.ckm`). Every client count
of the summary, the trend, progress and the RW table is the count of a set of clients, and is
published as the ptable's perturbation at the cell key of that set (the sum of its clients'
record keys), so the same clients give the same figure in every table and run, and a
difference between tables or filtered runs says nothing exact. An office (kab/kota, kecamatan,
province) or an RW with 1..k-1 clients in the unfiltered register publishes the band ``<k`` in
every cell. Agents and IBM villages are public facts about places.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ibm_geo.ckm import N_KEYS, ptable
from ibm_geo.coverage import IN_REACH, REFERRAL, SERVED, UNSERVED
from ibm_geo.errors import UserError
from ibm_geo.i18n import register
from ibm_geo.i18n import t as _t
from ibm_geo.names import normalize_name
from ibm_geo.privacy import (
    HIDDEN,
    band_label,
    is_suppressed,
    public_table,
    register_of,
)
from ibm_geo.quality import DataQuality, Msg

#: True for a published cell that stands for a hidden count ("<5", "≥5")
is_hidden = is_suppressed

_INF = math.inf
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
#: abbreviations planners write for provinces ("BNNP NTT", "Sulsel")
PROVINCE_ALIASES = {
    "ntt": "Nusa Tenggara Timur",
    "ntb": "Nusa Tenggara Barat",
    "sulsel": "Sulawesi Selatan",
    "sulut": "Sulawesi Utara",
    "sulteng": "Sulawesi Tengah",
    "sultra": "Sulawesi Tenggara",
    "sulbar": "Sulawesi Barat",
    "sumsel": "Sumatera Selatan",
    "sumut": "Sumatera Utara",
    "sumbar": "Sumatera Barat",
    "kalbar": "Kalimantan Barat",
    "kalteng": "Kalimantan Tengah",
    "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur",
    "kaltara": "Kalimantan Utara",
    "jabar": "Jawa Barat",
    "jateng": "Jawa Tengah",
    "jatim": "Jawa Timur",
    "diy": "Daerah Istimewa Yogyakarta",
    "yogyakarta": "Daerah Istimewa Yogyakarta",
    "dki": "DKI Jakarta",
    "jakarta": "DKI Jakarta",
    "babel": "Kepulauan Bangka Belitung",
    "kepri": "Kepulauan Riau",
    "malut": "Maluku Utara",
}
_OFFICE_WORDS = {"bnnp", "bnnk", "bnn", "provinsi", "prov", "propinsi", "kabupaten", "kab", "kota"}


def offices(kelurahan: pd.DataFrame) -> pd.DataFrame:
    """The offices a result covers: one row per province (BNNP) and kab/kota (BNNK).

    Columns ``area, area_level, kode, provinsi`` (``kode``: ``PP`` or ``PP.KK`` from the village
    codes when they are Kemendagri codes, else None)."""
    kode = kelurahan["kode"].astype("string").fillna("")
    dotted = kode.str.match(r"^\d{2}\.\d{2}\.")
    prov_code = kode.str.slice(0, 2).where(dotted, None)
    kab_code = kode.str.slice(0, 5).where(dotted, None)
    prov = _names(kelurahan, "provinsi")
    kab = _names(kelurahan, "kab_kota")
    rows = []
    frame = pd.DataFrame({"prov": prov, "kab": kab, "pc": prov_code, "kc": kab_code})
    for p, g in frame.groupby("prov", sort=True):
        rows.append((p, "provinsi", _first(g["pc"]), p))
        for kb, gk in g.groupby("kab", sort=True):
            rows.append((kb, "kab_kota", _first(gk["kc"]), p))
    return pd.DataFrame(rows, columns=["area", "area_level", "kode", "provinsi"])


def _names(kelurahan: pd.DataFrame, col: str) -> pd.Series:
    fallback = "(provinsi tidak diketahui)" if col == "provinsi" else "(kab/kota tidak diketahui)"
    if col not in kelurahan:
        return pd.Series(fallback, index=kelurahan.index, dtype=object)
    s = kelurahan[col].astype(object)
    return s.where(s.notna() & (s.astype(str).str.strip() != ""), fallback).astype(str)


def _first(s: pd.Series) -> str | None:
    s = s.dropna()
    return str(s.iloc[0]) if len(s) else None


def _office_key(text: str) -> str:
    """Name comparison form without office words ("BNNK Kota Denpasar" -> "denpasar")."""
    tokens = normalize_name(text).split()
    while len(tokens) > 1 and tokens[0] in _OFFICE_WORDS:
        tokens = tokens[1:]
    return " ".join(tokens)


def match_area(written: str, table: pd.DataFrame) -> int | None | list[int]:
    """Row of ``table`` (from :func:`offices`) meant by a written office name or code.

    Order: a Kemendagri code (``53``, ``53.71``, ``5371``); the exact name; the name without
    office words ("BNNP Bali", "Kota Denpasar", "Kab. Badung"); a province abbreviation ("NTT").
    Returns the row, None when nothing fits, or the candidate rows when several fit."""
    w = str(written).strip()
    digits = re.sub(r"[.\s]", "", w)
    if digits.isdigit() and len(digits) in (2, 4):
        code = digits if len(digits) == 2 else f"{digits[:2]}.{digits[2:]}"
        hit = np.flatnonzero(table["kode"].astype(object).eq(code).to_numpy())
        return int(hit[0]) if len(hit) else None
    lower = " ".join(w.lower().split())
    exact = np.flatnonzero(table["area"].str.lower().eq(lower).to_numpy())
    if len(exact) == 1:
        return int(exact[0])
    key = _office_key(w)
    words = set(re.sub(r"[^a-z]+", " ", lower).split()[:3]) & _OFFICE_WORDS
    keys = table["area"].map(_office_key)
    hit = np.flatnonzero(keys.eq(key).to_numpy())
    if len(hit) > 1 and words:
        # "Kota Bandung" vs "Kabupaten Bandung", "BNNP Bali" vs "Kabupaten Bali": the written
        # office word decides
        if words & {"bnnp", "provinsi", "prov", "propinsi"}:
            want = lambda i: table["area_level"].iloc[i] == "provinsi"  # noqa: E731
        elif "kota" in words:
            want = lambda i: _lead(table["area"].iloc[i]) == "kota"  # noqa: E731
        elif words & {"kabupaten", "kab"}:
            want = lambda i: _lead(table["area"].iloc[i]) in ("kabupaten", "kab")  # noqa: E731
        else:
            want = lambda i: table["area_level"].iloc[i] == "kab_kota"  # noqa: E731
        hit = np.asarray([i for i in hit if want(i)] or hit)
    if len(hit) == 1:
        return int(hit[0])
    if len(hit) > 1:
        return [int(i) for i in hit]
    alias = PROVINCE_ALIASES.get(key.replace(" ", ""))
    if alias:
        hit = np.flatnonzero(
            (table["area"].map(normalize_name).eq(normalize_name(alias))).to_numpy()
        )
        if len(hit):
            return int(hit[0])
    return None


def _lead(name: str) -> str:
    words = re.sub(r"[^a-z]+", " ", str(name).lower()).split()
    return words[0] if words else ""


def _header_map(columns: list[str], fname: str) -> dict[str, str]:
    from ibm_geo.io.tables import header_key

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
    from ibm_geo.io.tables import _read_raw, parse_float

    # the header aliases as a column map: the loader then finds the header under title rows
    cmap = {n: canon for canon, names in _TARGET_HEADERS.items() for n in names}
    q = quality if quality is not None else DataQuality()
    if not isinstance(source, bytes | bytearray):
        from ibm_geo.io.guard import check_special

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
    out = []
    unknown: list[tuple[int, str]] = []
    ambiguous: list[tuple[int, str, list[str]]] = []
    cache: dict[str, object] = {}
    year = pd.to_numeric(raw[cols["tahun"]].astype("string").str.strip(), errors="coerce")
    target = parse_float(raw[cols["target"]].astype("string"))
    for i in raw.index:
        r = int(rows[i])
        w, ind_text = raw.at[i, cols["wilayah"]], raw.at[i, cols["indikator"]]
        if w is None or w is pd.NA or str(w).strip() == "":
            q.add(fname, r, cols["wilayah"], Msg("wilayah_empty"), None, Msg("row_ignored"))
            continue
        ind = _INDICATOR_WORDS.get(" ".join(str(ind_text).lower().replace("_", " ").split()))
        if ind is None and str(ind_text).strip().lower() in INDICATORS:
            ind = str(ind_text).strip().lower()
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


def _s(v: object) -> str | None:
    return None if v is None or v is pd.NA else str(v)


# -- the raw cube (internal: true counts, never published as such) -----------------------------
@dataclass
class Cube:
    """True client counts per office row and column (internal; see :func:`protect`).

    ``rows``: ``area, area_level, provinsi, kab_kota, kode`` per office; ``values``: int matrix
    with :attr:`columns`; ``years``: the rehab years of the year columns (None = unknown)."""

    rows: pd.DataFrame
    values: np.ndarray
    years: list[int | None]
    open: pd.DataFrame  # agents_active, capacity, ibm_villages per row (public things)
    keys: np.ndarray  # cell keys (:mod:`ibm_geo.ckm`) of ``values``
    register: np.ndarray  # clients of each office row in the unfiltered register
    columns: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)  # the scenario's follow-up statuses
    members: list = field(default_factory=list)  # per row: boolean mask over the kelurahan
    #: active, placed agents: ``pos`` (kelurahan row) and ``year`` recruited (NaN unknown)
    agents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"pos": [], "year": []}))
    #: the rehab years (``years`` may add years that only a pascarehab year has)
    rehab_years: list = field(default_factory=list)

    @property
    def pasca_years(self) -> bool:
        """True when the register dates post-rehab services (``pasca_<year>`` columns): the
        ``pascarehab`` indicator is then counted per year, else it is today's snapshot."""
        return "pasca_total" in self.columns

    def agent_progress(self, i: int, indicator: str, year: int) -> tuple[int, str]:
        """``agen`` (active agents) or ``desa_ibm`` (units with one) of office row ``i`` in
        ``year`` and its basis: agents recruited by ``year`` when every active agent of the
        office has a recruitment year, else today's figure (a snapshot, said so)."""
        a = self.agents
        pos = a["pos"].to_numpy(dtype=np.int64)
        mine = self.members[i][pos] if len(pos) else np.zeros(0, dtype=bool)
        yrs = a["year"].to_numpy(dtype=float)[mine]
        col = "agents_active" if indicator == "agen" else "ibm_villages"
        if not self.agent_years or np.isnan(yrs).any():
            return int(self.open[col].iloc[i]), BASIS_SNAPSHOT
        by = yrs <= year
        if indicator == "agen":
            return int(by.sum()), BASIS_YEAR
        return len(np.unique(pos[mine][by])), BASIS_YEAR

    @property
    def agent_years(self) -> bool:
        """True when the agents table carries a recruitment year (any agent's)."""
        return bool(self.agents["year"].notna().any())

    @property
    def exists(self) -> np.ndarray:
        """False for the year cells of kecamatan rows (no trend below kab/kota)."""
        ex = np.ones(self.values.shape, dtype=bool)
        kec = (self.rows["area_level"] == "kecamatan").to_numpy()
        years = np.asarray([not c.endswith("_total") for c in self.columns])
        ex[np.ix_(kec, years)] = False
        return ex

    def col(self, measure: str, year: int | None | str = "total") -> int:
        name = f"{measure}_{'total' if year == 'total' else _year_key(year)}"
        return self.columns.index(name)


def _year_key(y: int | None) -> str:
    return "na" if y is None else str(int(y))


YEAR_MEASURES = ("clients", "followed_up", "unserved")
TOTAL_MEASURES = ("referral_berat", "need_agent")


#: clients receiving post-rehab services in a year (the register's ``tahun_pasca``): a year
#: measure of the cube only when some client has that year
PASCA = "pasca"


def _columns(years: list[int | None], pasca: bool = False) -> list[str]:
    cols = []
    for m in (*YEAR_MEASURES, PASCA) if pasca else YEAR_MEASURES:
        cols.append(f"{m}_total")
        cols.extend(f"{m}_{_year_key(y)}" for y in years)
    cols.extend(f"{m}_total" for m in TOTAL_MEASURES)
    return cols


def _client_table(result) -> pd.DataFrame:
    """The clients the ranking counts (same filters), with their kelurahan position in the
    result table: only the columns monitoring needs; stays in the process."""
    from ibm_geo.pipeline import filter_mask

    sc = result.scenario
    cl = result.clients
    keep = filter_mask(cl, sc)
    unit = cl["unit"].to_numpy(dtype=np.int64)
    kel_pos = pd.Series(
        np.arange(len(result.kelurahan)), index=result.kelurahan["kode"].astype(str).to_numpy()
    )
    unit_kode = result.joined.units["kode"].astype(str).to_numpy()
    pos = np.full(len(cl), -1, dtype=np.int64)
    ok = keep & (unit >= 0)
    pos[ok] = kel_pos.reindex(unit_kode[unit[ok]]).fillna(-1).to_numpy(dtype=np.int64)
    cov = cl["coverage"].astype(object).to_numpy()
    followed = (
        cl["status_pasca"].isin(list(sc.served_statuses)).to_numpy(dtype=bool, na_value=False)
    )
    year = pd.to_numeric(cl["tahun_rehab"], errors="coerce").to_numpy(dtype=float)
    rk = result.record_keys
    if rk is None:  # a result made without the pipeline: keys from the installation's secret
        rk = result.joined.record_keys()
    t = pd.DataFrame(
        {
            "pos": pos,
            "rk": np.asarray(rk, dtype=np.int64),
            "year": year,
            "followed_up": followed,
            "unserved": cov == UNSERVED,
            "referral_berat": cov == REFERRAL,
            # needs an agent: not in follow-up, not a BNNP referral (served by an agent, in
            # reach of one, or unserved); clients = followed_up + referral_berat + need_agent
            "need_agent": ~followed & np.isin(cov, [SERVED, IN_REACH, UNSERVED]),
            "rw": cl["rw"].astype(object).to_numpy() if "rw" in cl else None,
            # the year of post-rehab services (the register's tahun_pasca / tanggal_pascarehab)
            "pasca_year": pd.to_numeric(cl["tahun_pasca"], errors="coerce").to_numpy(dtype=float)
            if "tahun_pasca" in cl
            else np.full(len(cl), np.nan),
        }
    )
    return t[t["pos"] >= 0].reset_index(drop=True)


def _agent_table(result) -> pd.DataFrame:
    """The agents ``agents_active`` counts (active and placed, in a unit of the result), with
    their kelurahan row in the result table and their recruitment year (NaN when unknown)."""
    a = result.joined.agents.table
    if len(a) == 0:
        return pd.DataFrame({"pos": np.zeros(0, dtype=np.int64), "year": np.zeros(0)})
    kel_pos = pd.Series(
        np.arange(len(result.kelurahan)), index=result.kelurahan["kode"].astype(str).to_numpy()
    )
    unit_kode = result.joined.units["kode"].astype(str).to_numpy()
    unit = a["unit"].to_numpy(dtype=np.int64)
    active = a["aktif"].fillna(True).to_numpy(dtype=bool) & a["located"].to_numpy(dtype=bool)
    ok = active & (unit >= 0)
    pos = np.full(len(a), -1, dtype=np.int64)
    pos[ok] = kel_pos.reindex(unit_kode[unit[ok]]).fillna(-1).to_numpy(dtype=np.int64)
    year = (
        pd.to_numeric(a["tahun_rekrut"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if "tahun_rekrut" in a
        else np.full(len(a), np.nan)
    )
    keep = pos >= 0
    return pd.DataFrame({"pos": pos[keep], "year": year[keep]})


def build_cube(result, *, by_kecamatan: bool = False) -> Cube:
    """Count every published client figure per office (provinces, kab/kota, kecamatan)."""
    kel = result.kelurahan
    prov = _names(kel, "provinsi").to_numpy()
    kab = _names(kel, "kab_kota").to_numpy()
    kec = _names(kel, "kecamatan").to_numpy() if by_kecamatan else None
    t = _client_table(result)
    yrs = t["year"].to_numpy()
    pyr = t["pasca_year"].to_numpy()
    has_pasca = bool((~np.isnan(pyr)).any())
    rehab_years: list[int | None] = sorted({int(y) for y in yrs[~np.isnan(yrs)]})
    years: list[int | None] = sorted(set(rehab_years) | {int(y) for y in pyr[~np.isnan(pyr)]})
    if np.isnan(yrs).any():
        years.append(None)
        rehab_years.append(None)
    cols = _columns(years, has_pasca)
    offs = offices(kel)
    # office rows: provinces and kab/kota; kecamatan after their kab/kota
    rows = []
    for r in offs.itertuples(index=False):
        rows.append(
            {
                "area": r.area,
                "area_level": r.area_level,
                "provinsi": r.provinsi,
                "kab_kota": r.area if r.area_level == "kab_kota" else None,
                "kecamatan": None,
                "kode": r.kode,
            }
        )
        if by_kecamatan and r.area_level == "kab_kota":
            sel = (prov == r.provinsi) & (kab == r.area)
            for kc in sorted(set(kec[sel])):
                kk = kel.get("kode_kec")
                code = None
                if kk is not None:
                    code = _first(kk[sel & (kec == kc)].astype(object))
                rows.append(
                    {
                        "area": kc,
                        "area_level": "kecamatan",
                        "provinsi": r.provinsi,
                        "kab_kota": r.area,
                        "kecamatan": kc,
                        "kode": code,
                    }
                )
    rt = pd.DataFrame(rows)
    n_rows, n_cols = len(rt), len(cols)
    values = np.zeros((n_rows, n_cols), dtype=np.int64)
    keys = np.zeros((n_rows, n_cols), dtype=np.int64)
    # membership of each kelurahan in each office row
    members = [_member_mask(rt.iloc[i], prov, kab, kec) for i in range(n_rows)]
    pos = t["pos"].to_numpy()
    rk = t["rk"].to_numpy()
    reg_unit = register_of(kel)
    register = np.array([int(reg_unit[m].sum()) for m in members], dtype=np.int64)
    year_idx = np.full(len(t), len(years) - 1 if None in years else -1, dtype=np.int64)
    known = ~np.isnan(yrs)
    ylist = [y for y in years if y is not None]
    year_idx[known] = np.searchsorted(ylist, yrs[known].astype(np.int64))
    for i, mem in enumerate(members):
        sel = mem[pos]
        yi = year_idx[sel]
        ks = rk[sel]
        for m in YEAR_MEASURES:
            flag = np.ones(sel.sum(), dtype=bool) if m == "clients" else t[m].to_numpy()[sel]
            values[i, cols.index(f"{m}_total")] = int(flag.sum())
            keys[i, cols.index(f"{m}_total")] = int(ks[flag].sum())
            per = np.bincount(yi[flag], minlength=len(years))
            kper = np.bincount(yi[flag], weights=ks[flag].astype(float), minlength=len(years))
            start = cols.index(f"{m}_total") + 1
            values[i, start : start + len(years)] = per
            keys[i, start : start + len(years)] = np.round(kper).astype(np.int64)
        if has_pasca:  # by the year of post-rehab services, whichever the rehab year
            py = pyr[sel]
            dated = ~np.isnan(py)
            kd = ks[dated]
            values[i, cols.index(f"{PASCA}_total")] = int(dated.sum())
            keys[i, cols.index(f"{PASCA}_total")] = int(kd.sum())
            pi = np.searchsorted(ylist, py[dated].astype(np.int64))
            start = cols.index(f"{PASCA}_total") + 1
            values[i, start : start + len(years)] = np.bincount(pi, minlength=len(years))
            kp = np.bincount(pi, weights=kd.astype(float), minlength=len(years))
            keys[i, start : start + len(years)] = np.round(kp).astype(np.int64)
        for m in TOTAL_MEASURES:
            f = t[m].to_numpy()[sel]
            values[i, cols.index(f"{m}_total")] = int(f.sum())
            keys[i, cols.index(f"{m}_total")] = int(ks[f].sum())
    if by_kecamatan:  # kecamatan rows publish totals only: no year cells
        kec_rows = (rt["area_level"] == "kecamatan").to_numpy()
        for j, c in enumerate(cols):
            if not c.endswith("_total"):
                values[kec_rows, j] = 0
    act = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy()
    cap = (
        pd.to_numeric(kel["agent_capacity"], errors="coerce").fillna(0).to_numpy()
        if "agent_capacity" in kel
        else np.zeros(len(kel))
    )
    open_ = pd.DataFrame(
        {
            "agents_active": [int(act[m].sum()) for m in members],
            "capacity": [int(cap[m].sum()) for m in members],
            "ibm_villages": [int((act[m] > 0).sum()) for m in members],
        }
    )
    served = list(result.scenario.served_statuses)
    agents = _agent_table(result)
    keys %= N_KEYS
    return Cube(
        rt, values, years, open_, keys, register, cols, served, members, agents, rehab_years
    )


def _member_mask(row, prov, kab, kec) -> np.ndarray:
    m = prov == row["provinsi"]
    if row["area_level"] in ("kab_kota", "kecamatan"):
        m = m & (kab == row["kab_kota"])
    if row["area_level"] == "kecamatan":
        m = m & (kec == row["kecamatan"])
    return m


def published_cube(cube: Cube, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(published values, opaque rows) of the cube: every cell perturbed at its cell key; the
    rows of offices with 1..k-1 clients in the register carry the band."""
    pub = ptable(k).perturb(cube.values, cube.keys)
    opaque = (cube.register >= 1) & (cube.register < k)
    return pub, opaque


def _label(value: int, opaque: bool, k: int) -> object:
    return band_label(k) if opaque else int(value)


# -- RW level inside a kelurahan ----------------------------------------------------------------
def rw_table(result, exact: bool = False) -> pd.DataFrame:
    """Clients and unserved per RW inside each kelurahan whose client rows carry RW (table only:
    no RW boundaries). Published: ``kode, nama, rw, clients, unserved``.

    Each count is the cell key method's perturbation of its set of clients (the same as any
    other table's cell of those clients). A kelurahan with 1..k-1 clients in the register
    (opaque in the ranking) gets no RW rows at all; an RW with 1..k-1 clients in the
    unfiltered register shows the band in both columns, in every run and under every filter.
    Only RW numbers are written: an RW cell that is not a number is text a person typed and is
    counted under "tidak diketahui"."""
    k = result.scenario.suppression_k
    t = _client_table(result)
    kel = result.kelurahan
    if t["rw"].isna().all():
        return pd.DataFrame(columns=RW_COLUMNS)
    pt = ptable(k)
    rw = t["rw"].astype(object)
    rw = rw.where(rw.map(lambda x: isinstance(x, str) and x.isdigit()), UNKNOWN_RW)
    reg_unit = register_of(kel)
    opaque_unit = (reg_unit >= 1) & (reg_unit < k)
    reg_rw = _rw_register(
        result, rw_of=lambda x: x if isinstance(x, str) and x.isdigit() else UNKNOWN_RW
    )
    out = []
    for pos, g in t.assign(rw=rw).groupby("pos", sort=True):
        if (g["rw"] == UNKNOWN_RW).all() or bool(opaque_unit[pos]):
            continue
        g = g.assign(rk_u=np.where(g["unserved"], g["rk"], 0))
        per = g.groupby("rw", sort=True).agg(
            clients=("rw", "size"),
            unserved=("unserved", "sum"),
            k_clients=("rk", "sum"),
            k_unserved=("rk_u", "sum"),
        )
        order = sorted(per.index, key=lambda x: (x == UNKNOWN_RW, x))
        per = per.loc[order]
        kode = str(kel["kode"].iloc[pos])
        for name, r in per.iterrows():
            n_reg = reg_rw.get((kode, name), int(r["clients"]))
            small = 1 <= n_reg < k and not exact
            vals = (
                [int(r[c]) for c in ("clients", "unserved")]
                if exact
                else [
                    band_label(k)
                    if small
                    else int(pt.perturb(np.array([int(r[c])]), np.array([int(r[f"k_{c}"])]))[0])
                    for c in ("clients", "unserved")
                ]
            )
            out.append([kode, kel["nama"].iloc[pos], name, *vals])
    return pd.DataFrame(out, columns=RW_COLUMNS)


def _rw_register(result, rw_of) -> dict[tuple[str, str], int]:
    """Clients per (kelurahan kode, RW) in the unfiltered register (which RWs are opaque)."""
    cl = result.clients
    if "rw" not in cl or not len(cl):
        return {}
    unit = cl["unit"].to_numpy(dtype=np.int64)
    ok = unit >= 0
    kode = result.joined.units["kode"].astype(str).to_numpy()[unit[ok]]
    rws = [rw_of(x) for x in cl["rw"].astype(object).to_numpy()[ok]]
    return (
        pd.Series(1, index=pd.MultiIndex.from_arrays([kode, rws]))
        .groupby(level=[0, 1])
        .sum()
        .to_dict()
    )


# -- published tables ---------------------------------------------------------------------------
register(
    {
        "ind.rehab": {"id": "Klien direhabilitasi", "en": "Clients rehabilitated"},
        "ind.pascarehab": {"id": "Ikut pascarehabilitasi", "en": "In post-rehab follow-up"},
        "ind.agen": {"id": "Agen Pemulihan aktif", "en": "Active recovery agents"},
        "ind.desa_ibm": {"id": "Desa/kelurahan IBM", "en": "IBM villages"},
        f"basis.{BASIS_YEAR}": {"id": "per tahun", "en": "per year"},
        f"basis.{BASIS_SNAPSHOT}": {"id": "keadaan saat ini", "en": "today's snapshot"},
        "mon.basis_year": {
            "id": "Agen dan desa IBM: agen aktif yang direkrut sampai tahun target.",
            "en": "Agents and IBM villages: active agents recruited by the target year.",
        },
        "mon.basis_snapshot": {
            "id": "Agen dan desa IBM: keadaan saat ini (ada agen aktif tanpa tahun rekrut), "
            "sama untuk setiap tahun target.",
            "en": "Agents and IBM villages: today's snapshot (some active agent has no "
            "recruitment year), the same for every target year.",
        },
        "mon.basis_mixed": {
            "id": "Agen dan desa IBM: agen aktif yang direkrut sampai tahun target untuk "
            "{years}; keadaan saat ini (ada agen aktif tanpa tahun rekrut) untuk {snapshot}.",
            "en": "Agents and IBM villages: active agents recruited by the target year for "
            "{years}; today's snapshot (some active agent has no recruitment year) for "
            "{snapshot}.",
        },
    }
)


register(
    {
        "def.rehab": {
            "id": "Rehab tahun Y: klien yang direhabilitasi pada tahun Y (tahun rehab di register).",
            "en": "Rehab in year Y: clients rehabilitated in Y (the register's rehab year).",
        },
        f"def.pascarehab.{BASIS_YEAR}": {
            "id": "Pascarehab tahun Y: klien yang menerima layanan pascarehabilitasi pada tahun Y "
            "(tahun/tanggal pascarehab di register), apa pun tahun rehabnya.",
            "en": "Pascarehab in year Y: clients receiving post-rehab services in Y (the "
            "register's pascarehab year or date), whichever year their rehab was.",
        },
        f"def.pascarehab.{BASIS_SNAPSHOT}": {
            "id": "Pascarehab: register tidak punya tahun/tanggal pascarehab, jadi angkanya klien "
            "yang kini tercatat mengikuti pascarehabilitasi (semua tahun rehab), sama untuk "
            "setiap tahun target.",
            "en": "Pascarehab: the register has no pascarehab year or date, so the figure is "
            "the clients recorded in follow-up now (every rehab year), the same for every "
            "target year.",
        },
        "def.agen": {
            "id": "Agen: Agen Pemulihan aktif.",
            "en": "Agents: active recovery agents.",
        },
        "def.desa_ibm": {
            "id": "Desa IBM: kelurahan/desa dengan Agen Pemulihan aktif.",
            "en": "IBM villages: kelurahan/desa with active recovery agents.",
        },
    }
)


def indicator_definitions(progress: pd.DataFrame, lang: str = "id") -> list[str]:
    """One sentence per indicator of ``progress`` saying what it counts (``pascarehab``: per
    year, or today's snapshot when the register has no pascarehab year), in indicator order."""
    out = []
    for ind in INDICATORS:
        rows = progress[progress["indicator"] == ind]
        if not len(rows):
            continue
        if ind == "pascarehab":
            for b in (BASIS_YEAR, BASIS_SNAPSHOT):
                if (rows["basis"] == b).any():
                    out.append(_t(f"def.pascarehab.{b}", lang))
        else:
            out.append(_t(f"def.{ind}", lang))
    return out


def basis_note(progress: pd.DataFrame, lang: str = "id") -> str | None:
    """What the rows of ``progress`` count (slides, app): each indicator's definition in one
    sentence, then how the agent rows were counted; None without rows."""
    parts = indicator_definitions(progress, lang)
    agents = agent_basis_note(progress, lang)
    if agents:
        parts.append(agents)
    return " ".join(parts) or None


def agent_basis_note(progress: pd.DataFrame, lang: str = "id") -> str | None:
    """What the ``agen`` / ``desa_ibm`` rows of ``progress`` count, in one sentence (slides,
    manifests): None when there are no such rows. Said because a snapshot repeated for every
    target year reads like yearly progress."""
    rows = progress[progress["indicator"].isin(["agen", "desa_ibm"])]
    if len(rows) == 0:
        return None
    snap = rows["basis"] == BASIS_SNAPSHOT
    if not snap.any():
        return _t("mon.basis_year", lang)
    if snap.all():
        return _t("mon.basis_snapshot", lang)
    return _t(
        "mon.basis_mixed",
        lang,
        years=", ".join(pd.unique(rows.loc[~snap, "area"])),
        snapshot=", ".join(pd.unique(rows.loc[snap, "area"])),
    )


@dataclass
class Monitoring:
    """The published monitoring tables (labels instead of hidden counts) of one result."""

    summary: pd.DataFrame
    trend: pd.DataFrame
    progress: pd.DataFrame
    change: pd.DataFrame | None
    change_units: pd.DataFrame | None  # per-unit change with kode, for the map layer
    k: int
    years: list[int | None]
    rw: pd.DataFrame | None = None  # per-RW table on request (:func:`rw_table`)

    def csv_files(self) -> dict[str, bytes]:
        """File name -> CSV bytes, the CLI's extra outputs."""
        from ibm_geo.export.tables import csv_text

        files = {
            "progress.csv": self.progress,
            "trend.csv": self.trend,
            "summary.csv": self.summary,
        }
        if self.change is not None:
            files["change.csv"] = self.change
        if self.rw is not None:
            files["rw.csv"] = self.rw
        return {n: csv_text(df).encode("utf-8") for n, df in files.items()}

    def manifest_notes(self) -> dict[str, str]:
        """Manifest lines of the workbook: how the agent figures of ``progress`` were counted
        (English and Indonesian, like the suppression rule); empty without such rows."""
        out = {}
        en, id_ = agent_basis_note(self.progress, "en"), agent_basis_note(self.progress, "id")
        if en is not None and id_ is not None:
            out.update(agent_progress_basis=en, agent_progress_basis_id=id_)
        if len(self.progress):  # what each indicator means, one sentence each
            out.update(
                indicator_definitions=self.indicator_notes("en"),
                indicator_definitions_id=self.indicator_notes("id"),
            )
        return out

    def indicator_notes(self, lang: str = "id") -> str:
        """Each progress indicator's definition, one sentence each (issue 22): for the progress
        sheet, the app's caption and the manifest line ``indicator_definitions`` once the
        publish step wires them; the slides get it through :func:`basis_note`."""
        return " ".join(indicator_definitions(self.progress, lang))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The published tables by machine name (the CSV files' stems)."""
        out = {"progress": self.progress, "trend": self.trend, "summary": self.summary}
        if self.change is not None:
            out["change"] = self.change
        if self.rw is not None:
            out["rw"] = self.rw
        return out

    def sheets(self, lang: str = "id") -> dict[str, pd.DataFrame]:
        """The tables as people read them (workbook sheets, app): indicator, level and basis
        values in ``lang``; sheet names and headers are the workbook's
        (:func:`ibm_geo.export.tables.workbook_xlsx`), counts and hidden labels untouched."""
        words = {
            "indicator": {i: _t(f"ind.{i}", lang) for i in INDICATORS},
            "area_level": {
                v: _t(f"level.{v}", lang) for v in ("provinsi", "kab_kota", "kecamatan")
            },
            "basis": {b: _t(f"basis.{b}", lang) for b in (BASIS_YEAR, BASIS_SNAPSHOT)},
        }
        out = {}
        for name, df in self.tables().items():
            df = df.copy()
            for col, names in words.items():
                if col in df:
                    df[col] = df[col].map(names).fillna(df[col])
            out[name] = df
        return out


def monitor(
    result,
    targets: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    *,
    by_kecamatan: bool = False,
    per_rw: bool = False,
    exact: bool = False,
) -> Monitoring:
    """Summary, trend, progress (and change when ``previous`` is given) of one analysis, every
    client count published by the cell key method (:func:`published_cube`), or exact with
    ``exact`` (the working tier: the planner's screen, never a file). ``targets`` from
    :func:`read_targets`, ``previous`` from :func:`read_previous`; ``per_rw`` adds
    :func:`rw_table`."""
    k = result.scenario.suppression_k
    cube = build_cube(result, by_kecamatan=by_kecamatan)
    if exact:  # the working tier: the planner's own screen, never a file
        v, opaque = cube.values, np.zeros(len(cube.rows), dtype=bool)
    else:
        v, opaque = published_cube(cube, k)
    hidden = np.repeat(opaque[:, None], v.shape[1], axis=1)
    rows = cube.rows
    lab = np.empty(v.shape, dtype=object)
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            lab[i, j] = _label(int(v[i, j]), bool(hidden[i, j]), k)

    # summary
    jc, ju, jr, jn = (cube.col(m) for m in ("clients", "unserved", "referral_berat", "need_agent"))
    cap = cube.open["capacity"].to_numpy()
    gap = []
    for i in range(len(rows)):
        need = int(v[i, jn])
        if hidden[i, jn]:  # an opaque office: no figure derived from its counts either
            gap.append(band_label(k))
        else:
            gap.append(max(0, need - int(cap[i])))
    summary = pd.DataFrame(
        {
            "area": rows["area"],
            "area_level": rows["area_level"],
            "clients": lab[:, jc],
            "unserved": lab[:, ju],
            "referral_berat": lab[:, jr],
            "agents_active": cube.open["agents_active"],
            "capacity": cube.open["capacity"],
            "capacity_gap": gap,
            "ibm_villages": cube.open["ibm_villages"],
        }
    )[SUMMARY_COLUMNS]

    # trend: provinces and kab/kota, one row per year
    trend_rows = []
    for i in np.flatnonzero(rows["area_level"].isin(["provinsi", "kab_kota"]).to_numpy()):
        for y in cube.rehab_years or cube.years:
            trend_rows.append(
                [
                    rows["area"].iloc[i],
                    rows["area_level"].iloc[i],
                    UNKNOWN_YEAR if y is None else int(y),
                    *(lab[i, cube.col(m, y)] for m in YEAR_MEASURES),
                ]
            )
    trend = pd.DataFrame(trend_rows, columns=TREND_COLUMNS)

    progress = _progress(targets, cube, v, hidden, k)
    change = change_units = None
    if previous is not None:
        change, change_units = _change(result, previous, summary, rows, k)
    rw = rw_table(result, exact=exact) if per_rw else None
    return Monitoring(summary, trend, progress, change, change_units, k, cube.years, rw)


def _progress(targets, cube: Cube, published: np.ndarray, hidden, k) -> pd.DataFrame:
    if targets is None or len(targets) == 0:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    rows = cube.rows
    where = {
        (a, lv): i for i, (a, lv) in enumerate(zip(rows["area"], rows["area_level"], strict=True))
    }
    out = []
    for t in targets.itertuples(index=False):
        i = where.get((t.area, t.area_level))
        basis = BASIS_YEAR
        target = float(t.target)
        tgt = int(target) if target.is_integer() else target
        if i is None:
            achieved, hid = 0, False
        elif t.indicator == "pascarehab" and not cube.pasca_years:
            # no year of post-rehab services in the register: today's clients in follow-up
            # (every rehab year), the same for every target year, and said so
            j = cube.col("followed_up")
            achieved, hid, basis = int(cube.values[i, j]), bool(hidden[i, j]), BASIS_SNAPSHOT
        elif t.indicator in ("rehab", "pascarehab"):
            # rehab in Y: rehabilitated in Y; pascarehab in Y: post-rehab services in Y
            m = "clients" if t.indicator == "rehab" else PASCA
            if t.year in cube.years:
                j = cube.col(m, t.year)
                achieved, hid = int(published[i, j]), bool(hidden[i, j])
            else:
                achieved, hid = 0, False
        else:  # agen, desa_ibm: public counts (agents are places, not clients)
            achieved, basis = cube.agent_progress(i, t.indicator, int(t.year))
            hid = False
        if hid:  # an opaque office: the band, and no percentage computed from it
            shown: object = _label(achieved, True, k)
            percent: object = band_label(k)
        else:
            shown, percent = achieved, round(100.0 * achieved / target, 1)
        out.append([t.area, t.area_level, int(t.year), t.indicator, shown, tgt, percent, basis])
    return pd.DataFrame(out, columns=PROGRESS_COLUMNS)


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
        return (0.0, _INF)
    m = re.fullmatch(r"<(\d+)", s)  # the band of an area with 1..k-1 clients: 0..k-1
    if m:
        return (0.0, float(int(m.group(1)) - 1))
    m = re.fullmatch(r"(?:≥|>=)(\d+)", s)
    if m:
        return (float(m.group(1)), _INF)
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
    from ibm_geo.io.tables import header_key

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
        from ibm_geo.io.guard import check_special

        check_special(source, fname)
        from ibm_geo.io import limits as _limits

        _limits.check_source_size(source, fname)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    text_head = data[:200].lstrip().lstrip(b"\xef\xbb\xbf")
    k_guess = 5
    if text_head.startswith((b"{", b"[")):
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
        from ibm_geo.io.tables import _read_raw

        cmap = {a: c for a, c in _PREVIOUS_HEADERS.items()}
        df = _read_raw(
            data, fname if fname.endswith(".csv") else f"{fname}.csv", column_map=cmap
        ).frame
    df = _canon_previous(df)
    if not {"kode", "unserved"} <= set(df.columns):
        raise UserError("monitoring.previous_columns", file=fname)
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
    out = out[~no_kode].drop_duplicates("kode").reset_index(drop=True)
    if kelurahan is not None and len(out) and len(kelurahan):
        now = set(kelurahan["kode"].astype(str))
        if not now & set(out["kode"]):
            raise UserError(
                "monitoring.previous_other_area",
                file=fname,
                previous=_area_names(out),
                current=_area_names(kelurahan),
            )
    return out


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


def _change(result, previous: pd.DataFrame, summary: pd.DataFrame, rows: pd.DataFrame, k: int):
    """Per-unit and per-kab/kota change of unserved, from published values on both sides."""
    pub = public_table(result.kelurahan, k)
    now = pd.DataFrame(
        {
            "kode": pub["kode"].astype(str),
            "nama": pub["nama"],
            "kab_kota": _names(result.kelurahan, "kab_kota").to_numpy(),
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
