"""Kemendagri code list shipped with the package: kode -> nama, jenis, kecamatan, kab/kota,
provinsi.

Why: many boundary layers carry the village code but no parents (OSM exports, the SQL dump of
cahyadsn/wilayah_boundaries) or a useless type (GADM's ``ENGTYPE_4 = Village`` for every unit).
Without parents, pilots "per BNNK" collapse into one and same-named villages cannot be told
apart, although the code says where each one lies. The list (``assets/gazetteer/``, ~650 kB,
MIT, source and commit in ``SOURCE.txt``) is built by ``scripts/build_gazetteer.py`` from the
public code list; kelurahan/desa follows from the code's 5th digit (1 = kelurahan, 2 = desa)
and the province from its first two digits, so neither is stored.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd

from ibm_geo.names import compact_key, expanded_key, expanded_keys
from ibm_geo.regions import PROVINCES

COLUMNS = ["kode", "nama", "jenis", "kode_kec", "kecamatan", "kode_kab", "kab_kota", "provinsi"]


def jenis_of(kode) -> pd.Series:
    """Kelurahan / Desa from the 5th digit of a dotted code ``PP.KK.CC.XDDD`` (None otherwise)."""
    k = pd.Series(kode, dtype=object).astype("string[pyarrow]").reset_index(drop=True)
    dotted = k.str.fullmatch(r"\d{2}\.\d{2}\.\d{2}\.\d{4}").fillna(False).to_numpy(bool)
    digit = k.str[9].to_numpy(dtype=object, na_value=None)
    out = np.full(len(k), None, dtype=object)
    out[dotted & (digit == "1")] = "Kelurahan"
    out[dotted & (digit == "2")] = "Desa"
    return pd.Series(out, dtype=object)


@lru_cache(maxsize=1)
def _tables() -> tuple[pd.Series, pd.Series, pd.Series]:
    """(kode -> nama, kode_kec -> kecamatan, kode_kab -> kab_kota), read once per process."""
    base = resources.files("ibm_geo") / "assets" / "gazetteer"

    def read(name: str) -> pd.Series:
        with resources.as_file(base / name) as p:
            df = pd.read_csv(p, dtype=str, keep_default_na=False, compression="gzip")
        return df.set_index(df.columns[0])[df.columns[1]]

    return read("desa.csv.gz"), read("kecamatan.csv.gz"), read("kab_kota.csv.gz")


def lookup(kode) -> pd.DataFrame:
    """:data:`COLUMNS` for the given codes (NaN where a code is not in the list)."""
    desa, kec, kab = _tables()
    k = pd.Series(kode, dtype=object).reset_index(drop=True)
    ks = k.astype("string")
    out = pd.DataFrame({"kode": k})
    out["nama"] = k.map(desa)
    known = out["nama"].notna()
    out["jenis"] = jenis_of(k).where(known, None)
    out["kode_kec"] = ks.str[:8].astype(object).where(known, None)
    out["kecamatan"] = out["kode_kec"].map(kec)
    out["kode_kab"] = ks.str[:5].astype(object).where(known, None)
    out["kab_kota"] = out["kode_kab"].map(kab)
    out["provinsi"] = ks.str[:2].astype(object).map(PROVINCES).where(known, None)
    return out[COLUMNS]


def _blank(s: pd.Series) -> np.ndarray:
    v = s.to_numpy(dtype=object)
    return pd.isna(v) | (v == "")


def load_gazetteer() -> pd.DataFrame:
    """The whole list, one row per village, :data:`COLUMNS`."""
    return lookup(_tables()[0].index.to_numpy())


def fill_from_code(
    units: pd.DataFrame, *, copy: bool = True
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Fill missing ``nama``, ``kecamatan``, ``kab_kota``, ``provinsi`` and parent codes from
    the code list; ``jenis`` is set from the code wherever the code is a Kemendagri code (the
    code decides, not a layer's type column). Returns (copy, cells filled per column).

    Names the layer has are never overwritten: a local spelling stays what the planner sees.
    ``copy=False`` fills ``units`` itself (the loader's own table; saves a national copy).
    """
    out = units.copy() if copy else units
    cols = ("nama", "kecamatan", "kab_kota", "provinsi", "kode_kec", "kode_kab")
    for col in cols:
        if col not in out.columns:
            out[col] = None
    blanks = {c: _blank(out[c]) for c in cols}
    any_blank = np.logical_or.reduce(list(blanks.values()))
    filled: dict[str, int] = {}
    if any_blank.any():  # look up only the units that miss something (fast national reads)
        where = np.flatnonzero(any_blank)
        rows = lookup(out["kode"].to_numpy()[where])
        known = rows["nama"].notna().to_numpy()
        for col in cols:
            blank = blanks[col][where] & known
            if blank.any():
                cur = out[col].astype(object).to_numpy().copy()
                cur[where[blank]] = rows[col].to_numpy()[blank]
                out[col] = pd.Series(cur, index=out.index, dtype=object)
                filled[col] = int(blank.sum())
    if "jenis" in out.columns:
        by_code = jenis_of(out["kode"].to_numpy())
        has = by_code.notna().to_numpy()
        cur = out["jenis"].to_numpy(dtype=object)
        changed = has & (cur != by_code.to_numpy())
        if changed.any():
            filled["jenis"] = int(changed.sum())
            out["jenis"] = pd.Series(
                np.where(has, by_code.to_numpy(), cur), index=out.index, dtype=object
            )
    return out, filled


@lru_cache(maxsize=1)
def _by_expanded_name() -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The national codes and {expanded name key: their positions}, built once per process
    (~0.5 s; only the hits are looked up in full)."""
    desa = _tables()[0]
    codes, uniques = pd.factorize(pd.Series(expanded_keys(desa.to_numpy()), dtype=object))
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    parts = np.split(order, bounds[1:-1])
    return desa.index.to_numpy(), dict(zip(uniques.tolist(), parts, strict=True))


def places_elsewhere(
    name: object, kecamatan: object = None, kab_kota: object = None, *, loaded=()
) -> tuple[pd.DataFrame, bool]:
    """Villages of Indonesia named ``name`` (abbreviations written out) that are not among the
    ``loaded`` codes, and whether the written kecamatan or kab/kota points at one of them.

    Why: a client list often holds people registered in a neighbouring kab/kota ("Kuta,
    Badung" in a Denpasar upload); such a name must be said to lie outside the loaded area
    instead of being offered the nearest-looking village inside it. Returns (rows of
    :data:`COLUMNS`, sure): ``sure`` when a written parent names the parent of a hit."""
    kodes, index = _by_expanded_name()
    pos = index.get(expanded_key("" if name is None else str(name)))
    if pos is None:
        return lookup([]), False
    hits = lookup(kodes[pos])
    hits = hits[~hits["kode"].astype(str).isin(set(map(str, loaded)))]
    sure = False
    for col, written in (("kecamatan", kecamatan), ("kab_kota", kab_kota)):
        w = compact_key("" if written is None or written is pd.NA else str(written))
        if not w or w == "nan" or not len(hits):
            continue
        # "Badung" meets "Kabupaten Badung": the prefix words are dropped by compact_key
        same = np.array([compact_key(str(v)) == w for v in hits[col]], dtype=bool)
        if same.any():
            hits, sure = hits[same], True
    return hits.reset_index(drop=True), sure
