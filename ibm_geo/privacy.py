"""The protection of everything published: aggregates only, every client count perturbed by the
cell key method, areas too small to publish shown as a band.

Client records are personal data (UU PDP 27/2022). :func:`disclose` takes the per-kelurahan
table of an analysis (exact counts, and the cell key of every count cell that the pipeline
computed from the clients' record keys, :mod:`ibm_geo.record_keys`) and gives

1. a **whitelist** of per-area columns (:data:`PUBLIC_IDENTITY`, :data:`SUPPRESSED_COUNTS`,
   :data:`OPEN_COUNTS`, :data:`PUBLIC_DERIVED`); anything else (names, IDs, coordinates of
   clients, agent capacity) is never published, so an accidental extra column never leaks;
2. **published counts**: each client count, at unit level and for every total (kecamatan,
   kab/kota, province, the scope), is the ptable's perturbation of the true count at the cell
   key of its set of clients (:mod:`ibm_geo.ckm`): the same cell has the same value in every
   table and every run, a small count 1..k-1 is never published as such, a count >= k moves by
   at most :data:`~ibm_geo.ckm.MAX_DEVIATION`;
3. **opaque areas**: a kelurahan, kecamatan, kab/kota, province or scope with 1..k-1 clients in
   the unfiltered register publishes the band ``<k`` in every count, under every filter, so no
   filtered run tells its few clients' status or year.

Every figure derived from counts (score, points, rank, class, stability, reasons, the plan's
reach and curve, monitoring) is computed from the published counts by the same code that
computes the working tier from exact ones (:mod:`ibm_geo.pipeline`, :mod:`ibm_geo.publish`).
Agent and service-point counts are not client data and are published as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ibm_geo.ckm import MAX_DEVIATION, group_keys, ptable
from ibm_geo.components import REGISTRY
from ibm_geo.i18n import LANGS, REASON_PARTS, render_parts, t, text_column
from ibm_geo.io.boundaries import IDENTITY
from ibm_geo.quality_text import rendered
from ibm_geo.record_keys import installation_secret
from ibm_geo.schema import (  # noqa: F401  (the column kinds, re-exported with the whitelist)
    OPEN_COUNTS,
    OUTCOME_COLS,
    RAWAT_COLS,
    STATUS_COLS,
    SUPPRESSED_COUNTS,
    TINGKAT_COLS,
)

PUBLIC_IDENTITY = [*IDENTITY, "rep_lon", "rep_lat"]

#: derived, non-count values that may be published after rounding (see module doc)
PUBLIC_DERIVED = [
    "dist_nearest_m",
    "unserved_share",
    "score",
    *(c.points for c in REGISTRY),  # each score component's points, declared once
    "rank",
    "priority_class",
    "priority_label",
    "stability",
    "reason_id",
    "reason_en",
]
PUBLIC_COLUMNS = PUBLIC_IDENTITY + SUPPRESSED_COUNTS + OPEN_COUNTS + PUBLIC_DERIVED
#: the ranking's reason in each language (one column per reader)
_REASONS = {text_column("reason", x) for x in LANGS}

#: data-quality columns whose typed value may be personal data: the value is dropped
PRIVATE_QUALITY_COLUMNS = {
    "name",
    "nama_klien",
    "client_id",
    "lat",
    "lon",
    "lng",
    "latitude",
    "longitude",
    "koordinat",
    "coordinates",
    "agen_id",
    "nik",
    "phone",
    "telepon",
    "alamat",
    "address",
}


#: the one label of every hidden count, whatever its value (see :func:`suppress`)
HIDDEN = "*"


def suppression_rule(k: int, lang: str = "id", *, curve: bool = True) -> str:
    """One-sentence rule for manifests, footers and slides (``curve`` kept for callers; the
    curve is computed from published counts like every other figure). Kept short."""
    return t("privacy.rule", lang, d=MAX_DEVIATION, below=k - 1, k=k)


def disclosure_method(k: int, lang: str = "en") -> str:
    """What the manifest says of the protection (one line)."""
    pt = ptable(k)
    return t(
        "privacy.method", lang, k=k, d=pt.max_deviation, variance=f"{pt.variance:g}", keys=pt.n_keys
    )


# -- the one disclosure object per analysis (cell key method) ----------------------------------
#: hierarchy levels whose totals are published, finest first (columns that define them)
LEVELS: list[tuple[str, list[str]]] = [
    ("kecamatan", ["provinsi", "kab_kota", "kecamatan"]),
    ("kab_kota", ["provinsi", "kab_kota"]),
    ("provinsi", ["provinsi"]),
    ("total", []),
]
#: per-kelurahan columns written by the pipeline: the cell key of each count, and the unit's
#: clients in the unfiltered register (see :mod:`ibm_geo.pipeline`)
KEY_PREFIX = "_ck_"
REGISTER = "_register"


def band_label(k: int) -> str:
    """The one text of every count of an opaque area (fewer than k clients in the register)."""
    return f"<{k}"


@dataclass
class Disclosure:
    """Exact counts (internal) and their published values, at unit level and at every level of
    the hierarchy. Build once per analysis with :func:`disclose`; every published figure is
    derived from :meth:`labels` (text) or :meth:`numeric` (numbers).

    ``opaque`` marks rows of areas with 1..k-1 clients in the unfiltered register: they publish
    no count at all (the band :func:`band_label`), in every run and under every filter."""

    k: int
    index: pd.Index
    counts: pd.DataFrame
    published: pd.DataFrame
    opaque: np.ndarray
    #: name -> (keys, published totals, opaque mask, exact totals)
    levels: dict[str, tuple[pd.DataFrame, pd.DataFrame, np.ndarray, pd.DataFrame]] = field(
        default_factory=dict
    )

    def hidden(self, col: str) -> np.ndarray:
        """Cells that carry no number (the band)."""
        return self.opaque.copy()

    def labels(self, col: str) -> pd.Series:
        return _banded(self.published[col], self.opaque, self.k)

    def numeric(self, col: str) -> np.ndarray:
        """Published value as a number; NaN for an opaque row."""
        v = self.published[col].to_numpy(dtype=float)
        return np.where(self.opaque, np.nan, v)

    def level_table(self, name: str) -> pd.DataFrame:
        """Totals of one level (keys + published counts, the band where opaque)."""
        keys, pub, op, _ = self.levels[name]
        out = keys.copy()
        for c in pub.columns:
            out[c] = _banded(pub[c], op, self.k).to_numpy()
        return out


def _banded(values: pd.Series, opaque: np.ndarray, k: int) -> pd.Series:
    """Ints, with every cell of an opaque row as the band label."""
    v = np.asarray(values)
    out = v.astype(np.int64).astype(object)
    out[np.asarray(opaque, dtype=bool)] = band_label(k)
    idx = values.index if isinstance(values, pd.Series) else None
    return pd.Series(out, index=idx, dtype=object)


def _level_codes(kelurahan: pd.DataFrame) -> list[tuple[str, np.ndarray, pd.DataFrame]]:
    """Each level's area number per row and its table of areas (sorted by name, so numbering
    is independent of row order). Each column is factorised on its own and the codes combined
    in mixed radix: the sorted tuples without a national MultiIndex (0.05 s instead of 0.8 s)."""
    out = []
    n = len(kelurahan)
    for name, cols in LEVELS:
        cols = [c for c in cols if c in kelurahan]
        if name != "total" and name not in cols:
            continue
        if not cols:
            out.append((name, np.zeros(n, dtype=np.int64), pd.DataFrame(index=[0])))
            continue
        parts = [_text_codes(kelurahan[c]) for c in cols]
        combined = np.zeros(n, dtype=np.int64)
        for codes_c, uniq_c in parts:
            combined = combined * len(uniq_c) + codes_c
        codes, uniq = pd.factorize(combined, sort=True)
        frame = {}
        rest = np.asarray(uniq, dtype=np.int64)
        for c, (_, uniq_c) in reversed(list(zip(cols, parts, strict=True))):
            frame[c] = np.asarray(uniq_c, dtype=object)[rest % len(uniq_c)]
            rest = rest // len(uniq_c)
        out.append((name, codes.astype(np.int64), pd.DataFrame({c: frame[c] for c in cols})))
    return out


def _text_codes(col: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes of a column's values as text (missing = ``""``), numbered in sorted order:
    factorised in C first, only the distinct values go through ``str``."""
    codes, uniq = pd.factorize(col, use_na_sentinel=True)
    missing = codes < 0
    text = np.array([*(str(v) for v in uniq), *([""] if missing.any() else [])], dtype=object)
    codes = np.where(missing, len(uniq), codes)
    sorted_codes, sorted_text = pd.factorize(text, sort=True)
    return sorted_codes[codes], np.asarray(sorted_text, dtype=object)


def _fallback_keys(kelurahan: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Cell keys for a table that was not built by the pipeline (a notebook's own table): a
    keyed hash of (kode, column) under the installation's secret. Consistent between runs of
    the same table, but not tied to the people in the cell, so the pipeline's record-based
    keys are what every export of an analysis uses."""
    import hashlib

    secret = installation_secret()
    kode = (
        kelurahan["kode"].astype(str).tolist()
        if "kode" in kelurahan
        else [str(i) for i in range(len(kelurahan))]
    )
    out = {}
    for c in cols:
        out[c] = [
            hashlib.blake2b(f"{kd}|{c}".encode(), key=secret, digest_size=1).digest()[0]
            for kd in kode
        ]
    return pd.DataFrame(out, index=kelurahan.index, dtype=np.int64)


def cell_keys_of(kelurahan: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """The cell key of each count cell (the pipeline's ``_ck_<col>`` columns)."""
    have = [c for c in cols if f"{KEY_PREFIX}{c}" in kelurahan]
    out = pd.DataFrame(index=kelurahan.index)
    for c in have:
        out[c] = pd.to_numeric(kelurahan[f"{KEY_PREFIX}{c}"], errors="coerce").fillna(0)
        out[c] = out[c].astype(np.int64)
    missing = [c for c in cols if c not in have]
    if missing:
        fb = _fallback_keys(kelurahan, missing)
        for c in missing:
            out[c] = fb[c]
    return out[cols]


def register_of(kelurahan: pd.DataFrame) -> np.ndarray:
    """Clients of each unit in the unfiltered register (``clients`` for a foreign table)."""
    col = REGISTER if REGISTER in kelurahan else "clients"
    if col not in kelurahan:
        return np.zeros(len(kelurahan), dtype=np.int64)
    return pd.to_numeric(kelurahan[col], errors="coerce").fillna(0).to_numpy(dtype=np.int64)


#: disclosures by content: one publish step asks for the same table's cells from several
#: places (ranking, totals, levels, pilots); a national table costs about 0.3 s each time
_DISCLOSE_CACHE: dict[bytes, Disclosure] = {}


#: inside :func:`same_tables`: the disclosures already made, by table object
_HELD: ContextVar[dict | None] = ContextVar("ibm_geo_disclosures", default=None)


@contextmanager
def same_tables() -> Iterator[None]:
    """Within the block (or the decorated function), a table object asked for again is
    disclosed once: one publish step asks for the same table's cells from seven places
    (ranking, totals, levels, plan, pilots), and even a cache hit by content costs a national
    table 0.1 s. The caller promises not to change the tables inside the block (publish builds
    new frames, it never edits one)."""
    token = _HELD.set({})
    try:
        yield
    finally:
        _HELD.reset(token)


def disclose(kelurahan: pd.DataFrame, k: int) -> Disclosure:
    """The published counts of the per-kelurahan table and of every total (see module doc):
    each count cell perturbed by the ptable at its own cell key; rows and totals of areas
    with 1..k-1 clients in the register opaque. Cached by content in kode order (counts, keys,
    register, hierarchy names, k), so every weighting's sort of one analysis is one entry."""
    held = _HELD.get()
    if held is None:
        return _disclose_cached(kelurahan, k)
    slot = (id(kelurahan), k)
    if slot not in held:  # the table is kept beside its disclosure: its id stays its own
        held[slot] = (kelurahan, _disclose_cached(kelurahan, k))
    return held[slot][1]


def _disclose_cached(kelurahan: pd.DataFrame, k: int) -> Disclosure:
    import hashlib

    cols = [c for c in SUPPRESSED_COUNTS if c in kelurahan]
    counts = _counts_frame(kelurahan, cols)
    keys = cell_keys_of(kelurahan, cols)
    reg = register_of(kelurahan)
    names = [c for c in ("kode", "provinsi", "kab_kota", "kecamatan") if c in kelurahan]
    order = np.arange(len(kelurahan))
    if "kode" in kelurahan:
        order = np.argsort(kelurahan["kode"].astype(str).to_numpy(), kind="stable")
    h = hashlib.sha256(repr((k, cols, names, len(kelurahan))).encode())
    for a in (counts.to_numpy()[order], keys.to_numpy()[order], reg[order]):
        h.update(np.ascontiguousarray(a).tobytes())
    canon = kelurahan[names].iloc[order].astype(str).reset_index(drop=True)
    h.update(pd.util.hash_pandas_object(canon, index=False).to_numpy().tobytes())
    d = _DISCLOSE_CACHE.get(h.digest())
    if d is None:
        tab = kelurahan.iloc[order].reset_index(drop=True)
        d = _disclose(
            tab,
            k,
            cols,
            counts.iloc[order].reset_index(drop=True),
            keys.iloc[order].reset_index(drop=True),
            reg[order],
        )
        _DISCLOSE_CACHE[h.digest()] = d
        while len(_DISCLOSE_CACHE) > 8:
            _DISCLOSE_CACHE.pop(next(iter(_DISCLOSE_CACHE)))
    inv = np.empty_like(order)
    inv[order] = np.arange(len(order))
    return Disclosure(
        d.k,
        kelurahan.index,
        counts,
        d.published.iloc[inv].set_axis(kelurahan.index),
        d.opaque[inv],
        d.levels,
    )


def _disclose(kelurahan, k, cols, counts, keys, reg) -> Disclosure:
    pt = ptable(k)
    c_arr = counts.to_numpy(dtype=np.int64)
    k_arr = keys.to_numpy(dtype=np.int64)
    pub = pd.DataFrame(_nested(pt.perturb(c_arr, k_arr), cols), index=kelurahan.index, columns=cols)
    opaque = (reg >= 1) & (reg < k)
    levels = {}
    for name, codes, frame in _level_codes(kelurahan):
        ng = len(frame)
        tot = np.zeros((ng, len(cols)), dtype=np.int64)
        np.add.at(tot, codes, c_arr)
        tkeys = group_keys(codes, k_arr, ng)
        treg = np.bincount(codes, weights=reg, minlength=ng)
        levels[name] = (
            frame.reset_index(drop=True),
            pd.DataFrame(_nested(pt.perturb(tot, tkeys), cols), columns=cols),
            (treg >= 1) & (treg < k),
            pd.DataFrame(tot, columns=cols),
        )
    return Disclosure(k, kelurahan.index, counts, pub, opaque, levels)


#: (part, whole) pairs of counts: every breakdown is a part of the unit's clients, and the
#: recent unserved a part of the unserved
NESTED = [*((c, "clients") for c in SUPPRESSED_COUNTS if c != "clients"),
          ("unserved_recent", "unserved")]  # fmt: skip


def _nested(pub: np.ndarray, cols: list[str]) -> np.ndarray:
    """Published parts never exceed their published whole ("9 of 8 clients unserved"): each
    part is capped at its whole, wholes first. A function of published cells only (nothing
    more is revealed); it keeps the ptable's values (the minimum of two values in {0} or
    >= k is one of them) and the maximum deviation (a true part is at most its true whole)."""
    out = pub.copy()
    pos = {c: i for i, c in enumerate(cols)}
    for part, whole in NESTED:
        if part in pos and whole in pos:
            out[:, pos[part]] = np.minimum(out[:, pos[part]], out[:, pos[whole]])
    return out


# -- table wrappers -----------------------------------------------------------------------------
def _counts_frame(kelurahan: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = {}
    for c in cols:
        s = pd.to_numeric(kelurahan[c], errors="coerce") if c in kelurahan else None
        out[c] = (
            np.zeros(len(kelurahan), dtype=np.int64)
            if s is None
            else s.fillna(0).round().astype(np.int64).to_numpy()
        )
    return pd.DataFrame(out, index=kelurahan.index)


def _round_to(s: pd.Series, step: float, ndigits: int) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce").astype(float)
    return (np.round(x / step) * step).round(ndigits)


def public_share(d: Disclosure) -> np.ndarray:
    """Published unserved / published clients (rounded to 0.01, as the reason says it), NaN
    for an opaque row or no clients: a function of published values only."""
    if "unserved" not in d.published or "clients" not in d.published:
        return np.full(len(d.index), np.nan)
    u = d.numeric("unserved")
    c = d.numeric("clients")
    ok = np.isfinite(u) & np.isfinite(c) & (c > 0)
    return np.where(ok, np.round(np.minimum(u, np.where(ok, c, 1)) / np.where(ok, c, 1), 2), np.nan)


#: the published tier's score columns, as the pipeline stores them (``pub_<column>``)
PUB_PREFIX = "pub_"


def published_counts_table(kelurahan: pd.DataFrame, k: int) -> tuple[pd.DataFrame, Disclosure]:
    """The per-kelurahan table with every client count replaced by its published number
    (opaque rows: 0, and flagged): what the published tier's score is computed from."""
    d = disclose(kelurahan, k)
    out = kelurahan.copy()
    for c in d.published.columns:
        out[c] = np.where(d.opaque, 0, d.published[c].to_numpy())
    return out, d


def score_labels(d: Disclosure) -> pd.DataFrame:
    """How the published reasons write each count (the band in an opaque row)."""
    lab = pd.DataFrame(index=d.index)
    for c in ("unserved", "clients", "unserved_recent"):
        if c in d.published:
            lab[c] = d.labels(c)
    lab["share"] = public_share(d)
    return lab


def public_table(kelurahan: pd.DataFrame, k: int, *, lang: str | None = None) -> pd.DataFrame:
    """Whitelisted, published copy of the per-kelurahan table (plain DataFrame, no geometry).

    Counts are the published (perturbed) ints, the band ``<k`` in an opaque row (so the count
    columns have object dtype). Score, points, rank, class, stability and reasons are the
    published tier's (``pub_*`` columns the pipeline computes from the published counts); a
    table without them publishes no score. Row order and index are kept; ``lang`` keeps only
    that language's reason column.
    """
    d = disclose(kelurahan, k)
    cols = [c for c in PUBLIC_COLUMNS if c in kelurahan or c == "unserved_share"]
    out = pd.DataFrame(index=kelurahan.index)
    for c in cols:
        src = f"{PUB_PREFIX}{c}"
        if c in d.published.columns:
            out[c] = d.labels(c)
        elif c in OPEN_COUNTS:
            out[c] = _counts_frame(kelurahan, [c])[c].astype(object)
        elif c == "unserved_share":
            if {"unserved", "clients"} <= set(kelurahan.columns):
                out[c] = public_share(d)
        elif c == "dist_nearest_m":
            out[c] = _round_to(kelurahan[c], 100.0, 0)
        elif c in ("rep_lon", "rep_lat"):
            out[c] = pd.to_numeric(kelurahan[c], errors="coerce").round(5)
        elif c in PUBLIC_IDENTITY:
            out[c] = kelurahan[c]
        elif c in _REASONS and lang in LANGS and c != text_column("reason", lang):
            continue  # the other language is not wanted
        elif src not in kelurahan:
            continue  # never an exact (working-tier) score
        elif c in ("score", "stability") or c.startswith("pts_"):
            out[c] = _round_to(kelurahan[src], 0.1 if c != "stability" else 0.01, 2)
        elif c == "rank":
            out[c] = pd.array(pd.to_numeric(kelurahan[src], errors="coerce"), dtype="Int64")
        else:
            out[c] = kelurahan[src]
    return out


def kab_totals(kelurahan: pd.DataFrame, k: int) -> pd.DataFrame:
    """One row per kab_kota: its published client counts (its own cells, perturbed at their
    own cell keys; the band for a kab/kota with 1..k-1 clients in the register), and open
    counts."""
    d = disclose(kelurahan, k)
    if "kab_kota" not in d.levels:
        return pd.DataFrame(columns=["kab_kota", "units"])
    keys = d.levels["kab_kota"][0]
    lab = d.level_table("kab_kota")
    codes = _level_codes(kelurahan)
    kcode = next(c for name, c, _ in codes if name == "kab_kota")
    lab.insert(len(keys.columns), "units", np.bincount(kcode, minlength=len(keys)))
    for c in OPEN_COUNTS:
        if c in kelurahan:
            v = _counts_frame(kelurahan, [c])[c].to_numpy()
            lab[c] = np.bincount(kcode, weights=v, minlength=len(keys)).astype(np.int64)
    lab = lab.drop(
        columns=[c for c in ("provinsi",) if c in lab and "provinsi" in keys], errors="ignore"
    )
    return lab.sort_values("kab_kota", kind="stable").reset_index(drop=True)


def scope_totals(kelurahan: pd.DataFrame, k: int) -> dict[str, object]:
    """Grand totals of the analysed scope as published (ints, or the band): what the CLI
    prints and manifests quote."""
    d = disclose(kelurahan, k)
    tab = d.level_table("total")
    return {c: (v.item() if hasattr(v, "item") else v) for c, v in tab.iloc[0].items()}


_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_COORDS = re.compile(r"\d.*[,;/ ].*\d")


def value_kind(value: object, lang: str = "id") -> str | None:
    """What kind of value was typed ("teks, 14 karakter", "koordinat tidak terbaca"), never the
    value itself: the data-quality report says what is wrong without echoing personal data."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    s = str(value).strip()
    if not s:
        return t("typed.empty", lang)
    if _NUMBER.match(s):
        return t("typed.number", lang, n=sum(ch.isdigit() for ch in s))
    if _COORDS.search(s) and sum(ch.isdigit() for ch in s) >= 4:
        return t("typed.coords", lang, n=len(s))
    return t("typed.text", lang, n=len(s))


def public_quality(quality: pd.DataFrame | None, lang: str = "id") -> pd.DataFrame:
    """Data-quality report fit for export: file, row, column, problem and action in the
    reader's language (``lang``); the typed value replaced by its kind (:func:`value_kind`).

    Every column of a client file is personal data (name, ID, any coordinate alias such as
    ``Titik Koordinat`` or ``latlon``, status, year, severity, even a place name with one
    client), and the loaders name columns by their canonical name, not by the header the user
    wrote, so no list of "personal" headers can be complete: no value is echoed at all. The row
    number leads the planner to the cell in their own file.
    """
    cols = ["file", "row", "column", "problem", "value", "action"]
    if quality is None or len(quality) == 0:
        return pd.DataFrame(columns=cols)
    q = rendered(quality, lang).reindex(columns=cols)
    vals = q["value"].astype(object)
    kinds = {v: value_kind(v, lang) for v in pd.unique(vals.dropna())}
    q["value"] = vals.map(lambda v: kinds.get(v) if v is not None and v == v else None)
    return q.reset_index(drop=True)


#: matches.csv as exported: no column holds text typed into a client row
PUBLIC_MATCH_COLUMNS = [
    "table",
    "kode",
    "nama",
    "method",
    "confidence",
    "spellings",
    "rows",
    "written_kind",
    "candidates",
]


def public_matches(matches: pd.DataFrame | None, k: int, lang: str = "id") -> pd.DataFrame:
    """matches.csv: how the written place names were placed, without any name as written.

    A place name typed in a client row is a value of that row (a misspelling used by one
    client can single them out), so the export never echoes it: matched names are grouped per
    input table, kelurahan and method (``spellings`` = how many distinct ways it was written,
    ``rows`` = how many rows, hidden like any count); an unmatched or ambiguous name is one row
    with its kind (``written_kind``: "teks, 12 karakter") and the candidate kelurahan (public
    unit names). The names as written stay on the planner's screen (the app's name review);
    the row numbers in data_quality.csv lead to them in the planner's own file."""
    if matches is None or len(matches) == 0:
        return pd.DataFrame(columns=PUBLIC_MATCH_COLUMNS)
    m = matches.copy()
    for c in ("table", "kode", "nama", "method", "candidates"):
        if c not in m:
            m[c] = None
    rows = m["rows"] if "rows" in m else pd.Series(1, index=m.index)
    m["rows"] = pd.to_numeric(rows, errors="coerce").fillna(0).round()
    conf = m["confidence"] if "confidence" in m else pd.Series(np.nan, index=m.index)
    m["confidence"] = pd.to_numeric(conf, errors="coerce")
    placed = m["kode"].notna() & (m["kode"].astype(str).str.strip() != "")
    key = ["table", "kode", "nama", "method"]
    g = (
        m[placed]
        .assign(**{c: m.loc[placed, c].astype(object).fillna("") for c in key})
        .groupby(key, sort=True, dropna=False)
        .agg(confidence=("confidence", "min"), spellings=("rows", "size"), rows=("rows", "sum"))
        .reset_index()
    )
    g["written_kind"] = None
    g["candidates"] = None
    un = m[~placed].copy()
    un["spellings"] = 1
    written = un["written_name"] if "written_name" in un else pd.Series(None, index=un.index)
    un["written_kind"] = [value_kind(v, lang) for v in written]
    un["kode"], un["nama"] = None, None
    out = pd.concat([g, un.reindex(columns=g.columns)], ignore_index=True).reindex(
        columns=PUBLIC_MATCH_COLUMNS
    )
    out["confidence"] = pd.to_numeric(out["confidence"], errors="coerce").round(2)
    out["rows"] = rounded_counts(out["rows"], k).to_numpy()
    return out.reset_index(drop=True)


def rounded_counts(values: pd.Series, k: int) -> pd.Series:
    """Counts that belong to an upload, not to an analysis (rows per written name): the band
    ``<k`` for 1..k-1, else rounded to a multiple of k. Filters never change them, so there is
    no pair of runs to subtract; rounding keeps one file from pinning a small count."""
    v = pd.to_numeric(values, errors="coerce").fillna(0).round().astype(np.int64).to_numpy()
    out = (np.floor(v / k + 0.5) * k).astype(np.int64).astype(object)
    out[(v >= 1) & (v < k)] = band_label(k)
    return pd.Series(out, index=values.index, dtype=object)


def is_suppressed(value: object) -> bool:
    """True for a hidden cell (the :data:`HIDDEN` label; "<k" in a rounded curve)."""
    return isinstance(value, str) and (value == HIDDEN or value.startswith(("<", "≥")))


# -- companion tables ---------------------------------------------------------------------------
# The planning tables' whitelists are the plan's own column lists (``ibm_geo.plan.SITE_COLUMNS``,
# ``PILOT_COLUMNS``, ``PILOT_EXTRA_COLUMNS``), passed in by the caller: protection sits
# downstream of the plan and imports none of it.
SERVICE_POINT_COLUMNS = ["name", "jenis", "lat", "lon"]


def public_sites(sites: pd.DataFrame | None, k: int, *, columns: Sequence[str]) -> pd.DataFrame:
    """Recruitment sites as a decision (which kelurahan, how many agents) with the clients they
    reach as the plan computes them from the published counts
    (:meth:`ibm_geo.plan.RecruitmentPlan.with_demand`); whitelisted to ``columns`` (the plan's
    ``SITE_COLUMNS``), distances rounded."""
    if sites is None:
        return pd.DataFrame(columns=list(columns))
    out = sites.reindex(columns=[c for c in columns if c in sites]).copy()
    if "newly_reached" in out:
        v = pd.to_numeric(out["newly_reached"], errors="coerce").fillna(0)
        out["newly_reached"] = v.round().astype(np.int64).astype(object)
        if not sites.attrs.get("published"):  # the working tier's exact reach never leaves
            out["newly_reached"] = None
    if "mean_distance_m" in out:
        out["mean_distance_m"] = _round_to(out["mean_distance_m"], 10.0, 0)
    return out.reset_index(drop=True)


def public_pilots(
    pilots: pd.DataFrame | None,
    kelurahan: pd.DataFrame | None,
    k: int,
    *,
    columns: Sequence[str],
    extra_columns: Sequence[str] = (),
    pub: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Pilot villages as a decision: whitelisted to ``columns`` then ``extra_columns`` (the
    plan's ``PILOT_COLUMNS`` and ``PILOT_EXTRA_COLUMNS``); ``unserved`` and ``score`` as the
    published ranking shows them; reasons written from published values (see
    :mod:`ibm_geo.plan.pilots`, which names no count). ``pub``: ``public_table(kelurahan, k)``
    when the caller has it already (a national table takes about 0.3 s to build)."""
    columns, extra_columns = list(columns), list(extra_columns)
    if pilots is None:
        return pd.DataFrame(columns=columns)
    extra = [c for c in extra_columns if c in pilots and c != "reach_clients"]
    out = pilots.reindex(columns=[c for c in columns if c in pilots] + extra).copy()
    look: dict = {}
    score: dict = {}
    if pub is None and kelurahan is not None and "kode" in kelurahan:
        pub = public_table(kelurahan, k)
    if pub is not None:
        kd = kelurahan["kode"].astype(str)
        if "unserved" in pub:
            look = dict(zip(kd, pub["unserved"], strict=True))
        if "score" in pub:
            score = dict(zip(kd, pub["score"], strict=True))
    if "unserved" in out:
        out["unserved"] = pd.Series(
            [look.get(str(x), band_label(k)) for x in out["kode"]], index=out.index, dtype=object
        )
    rank: dict = {}
    n_ranked = 0
    if pub is not None and "rank" in pub:
        rank = dict(zip(kelurahan["kode"].astype(str), pub["rank"], strict=True))
        n_ranked = int(pub["rank"].notna().sum())
    if "score" in out:
        out["score"] = [score.get(str(x), np.nan) for x in out["kode"]]
    if "reach_kodes" in pilots:  # what each pilot reaches: the sum of published counts
        out["reach_clients"] = [
            sum(int(v) for v in (look.get(kd) for kd in str(ks).split(";")) if _is_count(v))
            for ks in pilots["reach_kodes"].fillna("")
        ]
    out = out.reindex(columns=[c for c in columns + extra_columns if c in out])
    if REASON_PARTS in pilots:  # re-rendered from published figures (plan.pilots' parts)
        parts = [
            _published_parts(
                ps, rank.get(str(kd)), n_ranked, score.get(str(kd)), look.get(str(kd)), k
            )
            for ps, kd in zip(pilots[REASON_PARTS], pilots["kode"], strict=True)
        ]
        for lang in LANGS:
            c = text_column("reason", lang)
            if c in out:
                out[c] = [None if p is None else render_parts(p, lang) for p in parts]
        return out.reset_index(drop=True)
    for lang in LANGS:  # a table written by hand
        c = text_column("reason", lang)
        if c in out:
            out[c] = [
                _pilot_reason(
                    t, lang, rank.get(str(kd)), n_ranked, score.get(str(kd)), look.get(str(kd)), k
                )
                for t, kd in zip(out[c], out["kode"], strict=True)
            ]
    return out.reset_index(drop=True)


def _published_parts(parts, rank, n: int, score, unserved, k: int) -> list | None:
    """A pilot's reason parts with the exact score, rank and unserved count replaced by the
    published ranking's (an opaque area: its band only); the other parts (source, distance,
    choice in the kab/kota) name no count."""
    if not isinstance(parts, list):
        return None
    ranked = not (rank is None or rank is pd.NA or score is None or pd.isna(score))
    out = []
    for code, params in parts:
        if code == "pilot.why.score":
            if ranked:
                out.append((code, {"score": float(score), "rank": int(rank), "n": int(n)}))
            else:
                out.append(("pilot.why.band", {"band": band_label(k)}))
        elif code == "pilot.why.unserved":
            if ranked and _is_count(unserved):
                out.append(("pilot.why.unserved_published", {"unserved": int(unserved)}))
        else:
            out.append((code, params))
    return out


def _is_count(v: object) -> bool:
    return v is not None and not isinstance(v, str) and not (isinstance(v, float) and v != v)


def _pilot_reason(text, lang: str, rank, n: int, score, unserved, k: int) -> str | None:
    """A pilot's reason written by hand as "score; unserved; rest" (a table built outside
    :mod:`ibm_geo.plan.pilots`, which stores parts): its first two parts rewritten from the
    published ranking, the rest kept."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return None
    rest = str(text).split("; ")[2:]
    parts = [("pilot.why.score", {}), ("pilot.why.unserved", {})]
    head = _published_parts(parts, rank, n, score, unserved, k) or []
    return "; ".join([render_parts(head, lang)] * bool(head) + rest)


def public_curve(curve: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """Coverage curve as the plan computes it from the published counts (whole clients;
    ``marginal`` = the step between two published ``covered`` values, so the table adds up)."""
    if curve is None:
        return pd.DataFrame(columns=["p", "covered", "marginal"])
    out = curve.reindex(columns=["p", "covered", "marginal"]).copy()
    if not curve.attrs.get("published"):  # the working tier's exact curve never leaves
        out["covered"] = out["marginal"] = None
        return out.reset_index(drop=True)
    cov = pd.to_numeric(out["covered"], errors="coerce").fillna(0).round().astype(np.int64)
    out["covered"] = cov.astype(object)
    out["marginal"] = cov.diff().fillna(0).astype(np.int64).astype(object)
    return out.reset_index(drop=True)


def public_service_points(points: pd.DataFrame | None) -> pd.DataFrame:
    """Public offices only: name, type and location (never client or agent columns).

    Accepts the service-point DataFrame or an object holding it as ``.table`` (``join.Placed``).
    """
    if points is not None and not isinstance(points, pd.DataFrame):
        points = getattr(points, "table", None)
    if points is None:
        return pd.DataFrame(columns=SERVICE_POINT_COLUMNS)
    out = points.reindex(columns=SERVICE_POINT_COLUMNS).copy()
    out["lat"] = pd.to_numeric(out["lat"], errors="coerce").round(5)
    out["lon"] = pd.to_numeric(out["lon"], errors="coerce").round(5)
    return out.dropna(subset=["lat", "lon"]).reset_index(drop=True)
