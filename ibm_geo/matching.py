"""Place every client/agent/service-point row in one kelurahan/desa, and say how sure we are.

Order per row: (a) a Kemendagri code present in the boundaries; (b) coordinates inside a polygon
(vectorised STRtree query); (c) the written name, exact then normalised (:mod:`ibm_geo.names`),
narrowed by the written kecamatan / kab_kota; (d) fuzzy name (rapidfuzz ``fuzz.ratio`` on the
space-free normalised key) within the written parents, or within a first-letter + length block
nationally. Name work is done once per DISTINCT written (kelurahan, kecamatan, kab_kota) triple and
broadcast to rows, which keeps 100,000 rows against 83,402 official names within seconds.

Every fuzzy, ambiguous or unmatched row, every point that falls outside all polygons and every point
whose polygon disagrees with the written name lands in :class:`~ibm_geo.quality.DataQuality` with
its spreadsheet row. The candidate lists name places only, never client data.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from ibm_geo.names import compact_keys, expanded_keys, lower_spaced
from ibm_geo.quality import CODE_COLUMNS, QUALITY_COLUMNS, DataQuality, Msg, msgs_frame

from .crs import point_inside

METHODS = ("code", "exact", "normalised", "fuzzy", "point", "unmatched", "ambiguous", "chosen")
CONFIDENCE = {"code": 1.0, "point": 1.0, "exact": 1.0, "normalised": 0.95, "chosen": 1.0}
MATCH_COLUMNS = [
    "table",
    "written_name",
    "written_kecamatan",
    "written_kab_kota",
    "rows",
    "kode",
    "nama",
    "method",
    "confidence",
    "candidates",
]
MAX_CANDIDATES = 3


@dataclass
class LocationMatch:
    """Row-aligned result of :func:`match_locations`.

    ``kode``/``method``/``confidence`` are aligned to the input's index; ``unit`` gives the same
    answer as positions in the boundaries table (what the join needs, without a lookup by kode). ``matches`` has one row per
    distinct written place that needed the name (columns :data:`MATCH_COLUMNS`; ``rows`` = how many
    input rows wrote it); rows placed by code or point are not listed there.
    """

    kode: pd.Series
    method: pd.Series
    confidence: pd.Series
    matches: pd.DataFrame
    unit: np.ndarray | None = None  # row position in the boundaries table, -1 when unmatched

    @property
    def rows_unmatched(self) -> int:
        """Rows without a kelurahan (unmatched or ambiguous)."""
        return int(self.kode.isna().sum())

    def method_counts(self) -> dict[str, int]:
        counts = self.method.value_counts()
        return {m: int(counts.get(m, 0)) for m in METHODS}


def rep_points(boundaries: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Representative (lon, lat) inside each polygon (``shapely.point_on_surface``), EPSG:4326.

    Unlike the centroid, the point is guaranteed to lie inside, even for crescent-shaped villages.
    """
    return point_inside(boundaries.geometry)


# -- the official gazetteer -------------------------------------------------------------------


class _Groups(Mapping):
    """key -> positions holding it (missing keys skipped), kept as one sorted index.

    A dict of 80,000 small arrays took a quarter of a second to build nationally; this takes
    one factorize and one sort, and slices on lookup.
    """

    def __init__(self, keys: np.ndarray):
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object), use_na_sentinel=True)
        self.codes = codes.astype(np.int64)  # per position: key id, -1 when missing
        self.uniques = np.asarray(uniques, dtype=object)
        self.ids = {k: i for i, k in enumerate(self.uniques)}
        order = np.argsort(self.codes, kind="stable")
        self.order = order[np.count_nonzero(self.codes < 0) :]
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))
        self.offsets = np.concatenate([[0], np.cumsum(counts)])
        self.index = pd.Index(self.uniques, dtype=object)  # hash lookups of many keys at once

    def __getitem__(self, key: str) -> np.ndarray:
        i = self.ids[key]
        return self.order[self.offsets[i] : self.offsets[i + 1]]

    def __contains__(self, key: object) -> bool:
        return key in self.ids

    def __iter__(self):
        return iter(self.uniques)

    def __len__(self) -> int:
        return len(self.uniques)


class _Gazetteer:
    """Official names with their normalised keys and lookup tables (built once per call)."""

    def __init__(self, boundaries: gpd.GeoDataFrame, threshold: float):
        self.threshold = threshold
        b = boundaries.reset_index(drop=True)
        self.kode = b["kode"].astype(object).to_numpy()
        self.nama = b["nama"].astype(object).to_numpy()
        self.kec = _col(b, "kecamatan")
        self.kab = _col(b, "kab_kota")
        self.key = compact_keys(pd.Series(self.nama)).to_numpy()
        self.kec_key = compact_keys(pd.Series(self.kec)).to_numpy()
        self.kab_key = compact_keys(pd.Series(self.kab)).to_numpy()
        self.lower = lower_spaced(self.nama)
        self.by_key = _Groups(self.key)
        self.by_kec = _Groups(self.kec_key)
        self.by_kab = _Groups(self.kab_key)
        self.kode_index = pd.Index(self.kode)
        # distinct name keys for national fuzzy search, blocked by first letter + length
        uk = np.array(sorted(self.by_key.uniques), dtype=object)
        self.uk = uk
        self.uk_first = np.array([k[0] for k in uk], dtype=object)
        self.uk_len = np.array([len(k) for k in uk])
        self._parent_cache: dict[tuple[str, str], set | None] = {}
        self._pool_cache: dict[tuple, np.ndarray | None] = {}
        self._by_xkey: _Groups | None = None

    @property
    def by_xkey(self) -> _Groups:
        """Official names by :func:`~ibm_geo.names.expanded_key`, built on first use (only
        when a written name has no exact or normalised match: ~0.3 s nationally)."""
        if self._by_xkey is None:
            self._by_xkey = _Groups(expanded_keys(self.nama))
        return self._by_xkey

    def label(self, i: int) -> str:
        parents = ", ".join(str(p) for p in (self.kec[i], self.kab[i]) if p)
        return f"{self.nama[i]} ({parents})" if parents else str(self.nama[i])

    def labels(self, idx) -> str:
        return "; ".join(self.label(i) for i in list(idx)[:MAX_CANDIDATES])

    def parent_keys(self, level: str, written: str | None) -> set | None:
        """Official parent keys matching a written parent (exact or fuzzy); None = no filter."""
        if not written:
            return None
        cache_key = (level, written)
        if cache_key not in self._parent_cache:
            table = self.by_kec if level == "kec" else self.by_kab
            if written in table:
                hit = {written}
            else:
                found = process.extract(
                    written, list(table), scorer=fuzz.ratio, limit=3, score_cutoff=self.threshold
                )
                hit = {f[0] for f in found} or None
            self._parent_cache[cache_key] = hit
        return self._parent_cache[cache_key]

    def within(self, hits: np.ndarray, kec: set | None, kab: set | None) -> np.ndarray:
        """The candidate units lying in the written parents (few: same-name units)."""
        if kec is None and kab is None:
            return hits
        in_kec = [i for i in hits if kec is None or self.kec_key[i] in kec]
        both = [i for i in in_kec if kab is None or self.kab_key[i] in kab]
        return np.asarray(both if both or kec is None else in_kec, dtype=np.int64)

    def pool(self, kec: set | None, kab: set | None) -> np.ndarray | None:
        """Indices inside the written parents (None = no usable parent); cached, as many
        written places share their kecamatan and kab/kota."""
        ck = (frozenset(kec) if kec else None, frozenset(kab) if kab else None)
        if ck not in self._pool_cache:
            self._pool_cache[ck] = self._pool(kec, kab)
        return self._pool_cache[ck]

    def _pool(self, kec: set | None, kab: set | None) -> np.ndarray | None:
        if kec and len(kec) == 1:
            in_kec = self.by_kec[next(iter(kec))]  # one group: already sorted and unique
        else:
            in_kec = np.unique(np.concatenate([self.by_kec[k] for k in kec])) if kec else None
        if not kab:
            return in_kec
        if in_kec is None:
            return np.unique(np.concatenate([self.by_kab[k] for k in kab]))
        ids = [self.by_kab.ids[k] for k in kab]
        codes = self.by_kab.codes[in_kec]
        both = in_kec[codes == ids[0] if len(ids) == 1 else np.isin(codes, ids)]
        return both if len(both) else in_kec  # a kab/kec mismatch: trust the finer level


Gazetteer = _Gazetteer


def build_gazetteer(boundaries: gpd.GeoDataFrame, fuzzy_threshold: float = 85) -> Gazetteer:
    """Official names, normalised keys and lookups of ``boundaries``, reusable across tables."""
    return _Gazetteer(boundaries, fuzzy_threshold)


def _col(b: pd.DataFrame, name: str) -> np.ndarray:
    if name not in b:
        return np.array([None] * len(b), dtype=object)
    s = b[name].astype(object)
    return s.where(s.notna(), None).to_numpy()


# -- name matching per distinct written place -------------------------------------------------


def _resolve_names(gaz: _Gazetteer, places: pd.DataFrame) -> pd.DataFrame:
    """For each distinct (name, kec, kab) place: kode index, method, confidence, candidates."""
    n = len(places)
    idx = np.full(n, -1, dtype=np.int64)
    method = np.array(["unmatched"] * n, dtype=object)
    conf = np.zeros(n)
    cands = np.array([""] * n, dtype=object)
    fuzzy_global: list[int] = []
    fuzzy_pool: list[tuple[int, np.ndarray]] = []

    keys = places["key"].to_numpy()
    lowers = places["lower"].to_numpy()
    kecs = places["kec_key"].to_numpy()
    kabs = places["kab_key"].to_numpy()
    done = _resolve_unique_fast(gaz, keys, kecs, kabs, lowers, idx, method, conf)
    left = np.flatnonzero(~done)
    # abbreviations written out, for the places the exact keys leave (Arrow, once)
    xkeys = dict(
        zip(left.tolist(), expanded_keys(places["written_name"].to_numpy()[left]), strict=True)
    )
    for j in left:
        key = keys[j]
        if not key:
            continue
        kec = gaz.parent_keys("kec", kecs[j])
        kab = gaz.parent_keys("kab", kabs[j])
        hits = gaz.by_key.get(key)
        if hits is not None:
            inside = gaz.within(hits, kec, kab)
            if len(inside) == 1:
                i = int(inside[0])
                idx[j] = i
                method[j] = "exact" if gaz.lower[i] == lowers[j] else "normalised"
                conf[j] = CONFIDENCE[method[j]]
                continue
            if len(inside) > 1:
                method[j] = "ambiguous"
                cands[j] = gaz.labels(inside)
                continue
            # the name exists, but not in the written kecamatan/kab: maybe a misspelling there
            cands[j] = gaz.labels(hits)
        elif _abbreviated(gaz, j, xkeys[j], kec, kab, idx, method, conf, cands):
            continue
        pool = gaz.pool(kec, kab)
        if pool is not None:
            fuzzy_pool.append((j, pool))
        else:
            fuzzy_global.append(j)

    for j, pool in fuzzy_pool:
        _fuzzy_one(gaz, j, keys[j], pool, idx, method, conf, cands)
    if fuzzy_global:
        _fuzzy_national(gaz, np.array(fuzzy_global), keys, idx, method, conf, cands)
    return pd.DataFrame({"idx": idx, "method": method, "confidence": conf, "candidates": cands})


#: Confidence of a match found by writing out abbreviations and old spellings ("Dgn" ->
#: Dangin): listed as fuzzy, so the planner confirms it like any approximate match.
ABBREVIATION_CONFIDENCE = 0.9


def _abbreviated(gaz, j, xkey, kec, kab, idx, method, conf, cands) -> bool:
    """Place ``j`` by its expanded name ``xkey`` (:func:`~ibm_geo.names.expanded_key`) when
    exactly one unit inside the written parents has it (several: ambiguous). True when
    decided here."""
    if not xkey or xkey not in gaz.by_xkey:
        return False
    inside = gaz.within(gaz.by_xkey[xkey], kec, kab)
    if len(inside) == 1:
        idx[j], method[j], conf[j] = int(inside[0]), "fuzzy", ABBREVIATION_CONFIDENCE
        return True
    if len(inside) > 1:
        method[j] = "ambiguous"
        cands[j] = gaz.labels(inside)
        return True
    return False


def _expand(count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``count[i]`` entries owned by each ``i``: (owner, position within the owner) per entry,
    in order. The vectorised form of ``for i: for w in range(count[i])``."""
    owner = np.repeat(np.arange(len(count)), count)
    return owner, np.arange(len(owner)) - np.repeat(np.cumsum(count) - count, count)


def _ids(groups: _Groups, keys: np.ndarray, unknown: int) -> np.ndarray:
    """Group id per key: -1 when the key is missing or empty, ``unknown`` when not a group."""
    keys = np.asarray(keys, dtype=object)
    found = groups.index.get_indexer(keys)
    empty = pd.isna(keys) | (keys == "")
    return np.where(empty, -1, np.where(found < 0, unknown, found)).astype(np.int64)


def _resolve_unique_fast(gaz, keys, kecs, kabs, lowers, idx, method, conf) -> np.ndarray:
    """Vectorised common case of the loop in :func:`_resolve_names`: the written name's key
    exists, every written parent is spelt exactly as an official one, and exactly one unit
    remains. Same answer as the loop (which then skips these places); a national list has
    ~100,000 such places. Works on group ids: each place is expanded to the units sharing its
    name key (a CSR slice), filtered by parent ids and counted. Returns the mask resolved here."""
    n = len(keys)
    done = np.zeros(n, dtype=bool)
    if n == 0:
        return done
    kid = _ids(gaz.by_key, keys, -2)
    ecid = _ids(gaz.by_kec, kecs, -2)
    bcid = _ids(gaz.by_kab, kabs, -2)
    j = np.flatnonzero((kid >= 0) & (ecid != -2) & (bcid != -2))
    start = gaz.by_key.offsets[kid[j]]
    count = gaz.by_key.offsets[kid[j] + 1] - start
    rep, within = _expand(count)  # one entry per (place, unit with that key)
    unit = gaz.by_key.order[np.repeat(start, count) + within]
    pj = j[rep]
    ok = ((ecid[pj] < 0) | (gaz.by_kec.codes[unit] == ecid[pj])) & (
        (bcid[pj] < 0) | (gaz.by_kab.codes[unit] == bcid[pj])
    )
    left = np.bincount(rep[ok], minlength=len(j))
    one = ok & (left[rep] == 1)
    jj, ii = pj[one], unit[one]
    idx[jj] = ii
    exact = gaz.lower[ii] == lowers[jj]
    method[jj] = np.where(exact, "exact", "normalised")
    conf[jj] = np.where(exact, CONFIDENCE["exact"], CONFIDENCE["normalised"])
    done[jj] = True
    return done


def transpositions(key: str) -> list[str]:
    """Every string one swap of adjacent letters away from ``key`` ("reonn" -> "renon", ...)."""
    return [
        key[:i] + key[i + 1] + key[i] + key[i + 2 :]
        for i in range(len(key) - 1)
        if key[i] != key[i + 1]
    ]


#: Confidence of a match found by one swap of adjacent letters (below every ratio match).
SWAP_CONFIDENCE = 0.8
#: Shortest key the swap rule applies to: in shorter keys a swap makes another name too often.
SWAP_MIN_LEN = 4


def _swap_units(gaz, key: str, pool: np.ndarray | None) -> np.ndarray:
    """Units whose name is one adjacent swap from ``key`` (inside ``pool`` when given).

    Why: ``fuzz.ratio`` counts a swap as two edits, so in a 5-letter name ("Reonn" for Renon,
    "Bnaua" for Banua) it scores 80, below the threshold, while a swap is the most common typing
    slip. Looking the swapped variants up costs a few dict probes per name.
    """
    if len(key) < SWAP_MIN_LEN:
        return np.zeros(0, dtype=np.int64)
    hits = [gaz.by_key[v] for v in transpositions(key) if v in gaz.by_key]
    if not hits:
        return np.zeros(0, dtype=np.int64)
    units = np.unique(np.concatenate(hits))
    if pool is not None:
        units = units[np.isin(units, pool)]
    return units


def _fuzzy_one(gaz, j, key, pool, idx, method, conf, cands) -> None:
    """Fuzzy match inside a kecamatan/kab pool (small: tens to hundreds of names)."""
    pool_keys = gaz.key[pool]
    found = process.extract(key, list(pool_keys), scorer=fuzz.ratio, limit=10)
    if not found:
        return
    best = found[0][1]
    if best < gaz.threshold:
        swap = _swap_units(gaz, key, pool)
        if len(swap) == 1:
            idx[j], method[j], conf[j] = int(swap[0]), "fuzzy", SWAP_CONFIDENCE
            cands[j] = gaz.labels([pool[f[2]] for f in found if pool[f[2]] != swap[0]])
            return
        if len(swap) > 1:
            method[j] = "ambiguous"
            cands[j] = gaz.labels(swap)
            return
    top = [pool[f[2]] for f in found if f[1] == best]
    if best >= gaz.threshold and len(top) == 1:
        idx[j], method[j], conf[j] = int(top[0]), "fuzzy", best / 100.0
    elif best >= gaz.threshold:
        method[j] = "ambiguous"
    if method[j] != "fuzzy":
        listed = [pool[f[2]] for f in found[:MAX_CANDIDATES]]
        cands[j] = cands[j] or gaz.labels(listed)
        if method[j] == "ambiguous":
            cands[j] = gaz.labels(top)
    else:
        cands[j] = gaz.labels([pool[f[2]] for f in found[1:MAX_CANDIDATES]])


def _fuzzy_national(gaz, js, keys, idx, method, conf, cands, chunk: int = 256) -> None:
    """Fuzzy match without parents: pass 1 within the same first letter and a length window;
    pass 2 (still below threshold) the length window only, to forgive a typo in the first letter."""
    qkeys = np.array([keys[j] for j in js], dtype=object)
    best_score = np.zeros(len(js))
    best_choice: list[np.ndarray] = [np.array([], dtype=np.int64)] * len(js)
    qlen = np.array([len(k) for k in qkeys])
    qfirst = np.array([k[0] for k in qkeys], dtype=object)
    for first_letter_block in (True, False):
        todo = np.flatnonzero(best_score < gaz.threshold)
        if not len(todo):
            break
        groups = (
            pd.DataFrame({"f": qfirst[todo], "l": qlen[todo], "t": todo}).groupby(["f", "l"])
            if first_letter_block
            else pd.DataFrame({"l": qlen[todo], "t": todo}).groupby(["l"])
        )
        for gk, g in groups:
            length = gk[-1]
            window = max(2, int(0.2 * length))
            mask = np.abs(gaz.uk_len - length) <= window
            if first_letter_block:
                mask &= gaz.uk_first == gk[0]
            choice_idx = np.flatnonzero(mask)
            if not len(choice_idx):
                continue
            choices = list(gaz.uk[choice_idx])
            rows = g["t"].to_numpy()
            for s in range(0, len(rows), chunk):
                part = rows[s : s + chunk]
                scores = process.cdist(
                    list(qkeys[part]), choices, scorer=fuzz.ratio, dtype=np.float64, workers=-1
                )
                k = min(MAX_CANDIDATES, scores.shape[1])
                top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
                for r, q in enumerate(part):
                    order = top[r][np.argsort(-scores[r, top[r]], kind="stable")]
                    if scores[r, order[0]] > best_score[q]:
                        best_score[q] = scores[r, order[0]]
                        best_choice[q] = choice_idx[order]
                        best_choice[q] = best_choice[q][scores[r, order] > 0]
    for q, j in enumerate(js):
        chosen = [gaz.uk[c] for c in best_choice[q]]
        units = [u for c in chosen for u in gaz.by_key[c]]
        if best_score[q] < gaz.threshold:
            swap = _swap_units(gaz, qkeys[q], None)
            if len(swap) == 1:
                idx[j], method[j], conf[j] = int(swap[0]), "fuzzy", SWAP_CONFIDENCE
                cands[j] = gaz.labels([u for u in units if u != swap[0]])
                continue
            if len(swap) > 1:
                method[j] = "ambiguous"
                cands[j] = gaz.labels(swap)
                continue
        if best_score[q] >= gaz.threshold and chosen:
            top_units = gaz.by_key[chosen[0]]
            if len(top_units) == 1:
                idx[j], method[j], conf[j] = int(top_units[0]), "fuzzy", best_score[q] / 100.0
                cands[j] = gaz.labels(units[1:])
                continue
            method[j] = "ambiguous"
            cands[j] = gaz.labels(top_units)
            continue
        cands[j] = gaz.labels(units)


# -- the public entry point -------------------------------------------------------------------


def _sub(table, sel):
    """The file label of the selected rows: the file name, or per row ``file [sheet]``."""
    return table if isinstance(table, str) else table[sel]


_USED_NAME = Msg("used_written_name")
_NOT_PLACED_NO_NAME = Msg("not_placed_no_name")


def _quality_frame(file, rows, column, problems, values, actions) -> pd.DataFrame:
    """Quality rows of per-row messages (:class:`ibm_geo.quality.Msg`)."""
    texts = msgs_frame(problems, actions)
    return pd.DataFrame(
        {
            "file": file,
            "row": pd.array(np.asarray(rows), dtype="Int64"),
            "column": column,
            "problem": texts["problem"],
            "value": np.asarray(values, dtype=object),
            "action": texts["action"],
            "_problem": texts["_problem"],
            "_action": texts["_action"],
        },
        columns=QUALITY_COLUMNS + CODE_COLUMNS,
    )


def _factorize(df: pd.DataFrame, col: str) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a text column; code -1 where missing (or no such column).

    Everything about written names is worked out once per distinct value and broadcast through
    the codes; pandas factorizes Arrow-backed text in C, without a million Python strings.
    """
    if col not in df:
        return np.full(len(df), -1, dtype=np.int64), np.array([], dtype=object)
    codes, uniques = pd.factorize(df[col], use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def _at(values: np.ndarray, codes: np.ndarray, missing=None) -> np.ndarray:
    """``values[codes]`` with ``missing`` where the code is -1."""
    out = np.append(np.asarray(values, dtype=object), missing)
    return out[np.where(codes < 0, len(values), codes)]


#: The planner's answer "this written place lies outside the loaded area" in
#: :attr:`Scenario.place_choices`: the rows stay unplaced (and are not asked about again).
OUTSIDE = "luar-wilayah"


def place_choice_key(name: object, kecamatan: object = None, kab_kota: object = None) -> str:
    """Key of a written place in :attr:`Scenario.place_choices`: ``"name|kecamatan|kab_kota"``,
    lower-case with single spaces (readable in a scenario file, the same in every table)."""

    def part(v: object) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        # control characters dropped: the key is written into the scenario file, which refuses
        # them (a cell pasted from another program may carry a \x07)
        text = "".join(c for c in str(v) if c.isprintable() or c.isspace())
        return " ".join(text.lower().split())

    return "|".join(part(v) for v in (name, kecamatan, kab_kota))


def match_locations(
    df: pd.DataFrame,
    boundaries: gpd.GeoDataFrame,
    *,
    table: str,
    quality: DataQuality,
    fuzzy_threshold: float = 85,
    gazetteer: Gazetteer | None = None,
    choices: dict[str, str] | None = None,
) -> LocationMatch:
    """Assign a boundary ``kode`` to each row of a points table from :func:`read_points`.

    ``table`` is the name used in quality rows (the input file name). Returns a
    :class:`LocationMatch`; ``quality`` receives one row per affected input row. Pass a
    ``gazetteer`` from :func:`build_gazetteer` to match several tables against the same
    boundaries without normalising 83k official names again. ``choices`` (see
    :func:`place_choice_key`) places the rows of a written place the planner resolved by hand;
    they are listed with method ``chosen``, never silently.
    """
    n = len(df)
    index = df.index
    rows = df["row"].to_numpy() if "row" in df else np.arange(2, n + 2)  # spreadsheet row numbers
    # several sheets read: row 4 of two sheets are two rows, so quality rows name "file [sheet]"
    labels = df.attrs.get("row_files")
    tab = np.asarray(labels, dtype=object) if labels is not None and len(labels) == n else table
    gaz = gazetteer if gazetteer is not None else _Gazetteer(boundaries, fuzzy_threshold)
    unit = np.full(n, -1, dtype=np.int64)
    method = np.full(n, METHODS.index("unmatched"), dtype=np.int8)
    conf = np.zeros(n)
    frames: list[pd.DataFrame] = []

    # (a) codes
    frames.append(_match_codes(df, gaz, unit, method, conf, tab, rows))

    # (b) coordinates
    lat, lon, need = _unplaced_points(df, unit)
    pip = None
    if len(need):
        # point-in-polygon runs in GEOS without the GIL: overlap it with the name keys below
        pool = ThreadPoolExecutor(max_workers=1)
        pip = pool.submit(
            _units_of_points, np.asarray(boundaries.geometry.values), lon[need], lat[need]
        )
        pool.shutdown(wait=False)
    kel_codes, kel_values = _factorize(df, "kelurahan")
    kel_keys = compact_keys(pd.Series(kel_values, dtype=object)).to_numpy()
    if pip is not None:
        got, outside_frame = _place_points(
            pip.result(), need, unit, method, conf, tab, rows, lat, lon, kel_codes
        )
        frames.append(outside_frame)
        frames.append(_name_mismatch(gaz, tab, rows, got, unit, kel_codes, kel_keys))

    # (c, d) names, once per distinct written place (name, kecamatan, kab/kota)
    todo = np.flatnonzero((unit < 0) & (kel_codes >= 0))
    matches = pd.DataFrame(columns=MATCH_COLUMNS)
    if len(todo):
        codes, distinct = _distinct_places(df, todo, kel_codes, kel_values, kel_keys)
        res = _resolve_names(gaz, distinct)
        if choices:
            frames.append(_apply_choices(gaz, table, distinct, res, choices))
        unit[todo] = res["idx"].to_numpy()[codes]
        method[todo] = np.array([METHODS.index(m) for m in res["method"]], dtype=np.int8)[codes]
        conf[todo] = res["confidence"].to_numpy()[codes]
        matches = _matches_table(gaz, table, distinct, res, np.bincount(codes, minlength=len(res)))
        frames.append(_name_quality(gaz, _sub(tab, todo), rows[todo], codes, distinct, res))

    frames = [f for f in frames if f is not None and len(f)]
    if frames:
        quality.frames.append(pd.concat(frames, ignore_index=True))
    return LocationMatch(
        kode=_kode_series(gaz, unit, index),
        method=pd.Series(pd.Categorical.from_codes(method, categories=METHODS), index=index),
        confidence=pd.Series(conf, index=index, dtype="float64"),
        matches=matches,
        unit=unit,
    )


def _match_codes(df, gaz, unit, method, conf, tab, rows) -> pd.DataFrame | None:
    """(a) Rows whose written code is an official one take its unit (in place); returns the
    quality rows of codes that are not."""
    kode_codes, kode_values = _factorize(df, "kode")
    if not len(kode_values):
        return None
    pos_of = gaz.kode_index.get_indexer(kode_values)
    has_code = kode_codes >= 0
    pos = np.where(has_code, pos_of[np.maximum(kode_codes, 0)], -1)
    ok = pos >= 0
    unit[ok] = pos[ok]
    method[ok] = METHODS.index("code")
    conf[ok] = CONFIDENCE["code"]
    bad = np.flatnonzero(has_code & ~ok)
    if not len(bad):
        return None
    return _quality_frame(
        _sub(tab, bad),
        rows[bad],
        "kode",
        [Msg("kode_not_found")] * len(bad),
        kode_values[kode_codes[bad]],
        [Msg("used_xy_or_name")] * len(bad),
    )


def _unplaced_points(df: pd.DataFrame, unit: np.ndarray):
    """(b) lat, lon (float arrays or None) and the rows not placed yet with both written."""
    lat = pd.to_numeric(df["lat"], errors="coerce").to_numpy(float) if "lat" in df else None
    lon = pd.to_numeric(df["lon"], errors="coerce").to_numpy(float) if "lon" in df else None
    need = (
        np.flatnonzero((unit < 0) & np.isfinite(lat) & np.isfinite(lon))
        if lat is not None and lon is not None
        else np.zeros(0, dtype=np.int64)
    )
    return lat, lon, need


def _place_points(poly, need, unit, method, conf, tab, rows, lat, lon, kel_codes):
    """(b) The rows ``need`` whose point lies in unit ``poly`` (-1: none) take it (in place).
    Returns (rows placed, quality rows of points outside every unit)."""
    got = need[poly >= 0]
    unit[got] = poly[poly >= 0]
    method[got] = METHODS.index("point")
    conf[got] = CONFIDENCE["point"]
    outside = need[poly < 0]  # `need` is sorted and unique: no set operation needed
    if not len(outside):
        return got, None
    return got, _quality_frame(
        _sub(tab, outside),
        rows[outside],
        "lat",
        [Msg("point_outside")] * len(outside),
        [f"{a}, {b}" for a, b in zip(lat[outside], lon[outside], strict=True)],
        # without a written name the row cannot be placed at all: say so (it is
        # counted here, not left to vanish from every total)
        [_USED_NAME if k >= 0 else _NOT_PLACED_NO_NAME for k in kel_codes[outside]],
    )


def _distinct_places(df, todo, kel_codes, kel_values, kel_keys) -> tuple[np.ndarray, pd.DataFrame]:
    """(c, d) The distinct written places (name, kecamatan, kab/kota) of rows ``todo``, in order
    of first appearance, with their keys; and each row's place."""
    kec_codes, kec_values = _factorize(df, "kecamatan")
    kab_codes, kab_values = _factorize(df, "kab_kota")
    ne, nb = len(kec_values) + 1, len(kab_values) + 1
    triple = (kel_codes[todo] * ne + (kec_codes[todo] + 1)) * nb + (kab_codes[todo] + 1)
    codes, uniq = pd.factorize(triple)  # in order of first appearance
    kel_u, rest = np.divmod(uniq, ne * nb)
    kec_u, kab_u = np.divmod(rest, nb)
    kec_u, kab_u = kec_u - 1, kab_u - 1
    kec_keys = compact_keys(pd.Series(kec_values, dtype=object)).to_numpy()
    kab_keys = compact_keys(pd.Series(kab_values, dtype=object)).to_numpy()
    distinct = pd.DataFrame(
        {
            "written_name": kel_values[kel_u],
            "written_kecamatan": _at(kec_values, kec_u),
            "written_kab_kota": _at(kab_values, kab_u),
            "key": _at(kel_keys, kel_u),
            "kec_key": _at(kec_keys, kec_u),
            "kab_key": _at(kab_keys, kab_u),
        }
    )
    distinct["key"] = distinct["key"].fillna("")
    distinct["lower"] = lower_spaced(distinct["written_name"].to_numpy())
    return codes, distinct


def _apply_choices(gaz, table, distinct, res, choices) -> pd.DataFrame | None:
    """Planner's choices win over the name matcher for the places they name (``res`` in place).

    A choice naming a kode that is not in the boundaries is ignored and reported."""
    keys = [
        place_choice_key(a, b, c)
        for a, b, c in zip(
            distinct["written_name"],
            distinct["written_kecamatan"],
            distinct["written_kab_kota"],
            strict=True,
        )
    ]
    wanted = np.array([choices.get(k) for k in keys], dtype=object)
    has = np.flatnonzero(pd.notna(wanted) & (wanted != OUTSIDE))
    if not len(has):
        return None
    pos = gaz.kode_index.get_indexer(wanted[has].astype(str))
    ok = pos >= 0
    res.loc[has[ok], "idx"] = pos[ok]
    res.loc[has[ok], "method"] = "chosen"
    res.loc[has[ok], "confidence"] = CONFIDENCE["chosen"]
    bad = has[~ok]
    if not len(bad):
        return None
    return _quality_frame(
        table,
        [None] * len(bad),
        "kelurahan",
        [f"the scenario's choice {wanted[j]} is not a kode in the boundaries" for j in bad],
        distinct["written_name"].to_numpy()[bad],
        ["choice ignored; name matched as usual"] * len(bad),
    )


def _kode_series(gaz: _Gazetteer, unit: np.ndarray, index: pd.Index) -> pd.Series:
    """The matched kode per row as Arrow-backed text (a take, not a million Python strings)."""
    import pyarrow as pa

    kodes = pa.array(gaz.kode.tolist(), type=pa.large_string())
    taken = kodes.take(pa.array(np.maximum(unit, 0), mask=unit < 0))
    return pd.Series(pd.arrays.ArrowStringArray(taken), index=index)


def _units_of_points(geoms: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Polygon position per point (-1 when outside all). Identical points (geocoded to the same
    spot) are tested once; a point on a shared border goes to the lowest polygon position."""
    # hash-based factorize: 3x faster than np.unique's sort of complex numbers
    inverse, xy = pd.factorize(x + 1j * y)
    hit_pt, hit_poly = _points_in_polygons(geoms, xy.real, xy.imag)
    order = np.lexsort((hit_poly, hit_pt))
    hit_pt, hit_poly = hit_pt[order], hit_poly[order]
    first_pt, first = np.unique(hit_pt, return_index=True)
    poly_of_xy = np.full(len(xy), -1, dtype=np.int64)
    poly_of_xy[first_pt] = hit_poly[first]
    return poly_of_xy[inverse.ravel()]


class _Grid:
    """Polygon bounding boxes bucketed in a regular lon/lat grid (cell ~ a median village).

    Finding candidate polygons for a million points this way needs no point geometries: making
    them (``shapely.points``) cost more than the STRtree query and the exact test together.
    """

    MAX_CELLS = 4_000_000

    def __init__(self, geoms: np.ndarray):
        bounds = shapely.bounds(geoms)
        self.poly = np.flatnonzero(np.isfinite(bounds).all(axis=1))
        b = bounds[self.poly]
        self.b = b
        self.empty = len(b) == 0
        if self.empty:
            return
        size = max(float(np.median(np.maximum(b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]))), 1e-4)
        self.x0, self.y0 = float(b[:, 0].min()), float(b[:, 1].min())
        while True:
            self.w = int((b[:, 2].max() - self.x0) // size) + 1
            self.h = int((b[:, 3].max() - self.y0) // size) + 1
            if self.w * self.h <= self.MAX_CELLS:
                break
            size *= 2
        self.size = size
        ix0, iy0 = self._cell(b[:, 0], b[:, 1])
        ix1, iy1 = self._cell(b[:, 2], b[:, 3])
        nx = ix1 - ix0 + 1
        count = nx * (iy1 - iy0 + 1)
        k, within = _expand(count)  # one entry per (polygon, cell it overlaps)
        cell = (iy0[k] + within // nx[k]) * self.w + ix0[k] + within % nx[k]
        order = np.argsort(cell, kind="stable")
        self.entries = k[order]  # positions in self.b / self.poly
        self.offsets = np.concatenate(
            [[0], np.cumsum(np.bincount(cell, minlength=self.w * self.h))]
        )

    def _cell(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.floor((x - self.x0) / self.size).astype(np.int64),
            np.floor((y - self.y0) / self.size).astype(np.int64),
        )

    def key(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cell number per point, -1 outside the grid (or not a number)."""
        if self.empty:
            return np.full(len(x), -1, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            ix, iy = self._cell(np.nan_to_num(x, nan=-1e9), np.nan_to_num(y, nan=-1e9))
        inside = (ix >= 0) & (ix < self.w) & (iy >= 0) & (iy < self.h)
        return np.where(inside, iy * self.w + ix, -1)

    def candidates(self, key: np.ndarray, x: np.ndarray, y: np.ndarray):
        """(point, polygon) pairs whose bounding box holds the point."""
        if self.empty:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        k = np.where(key >= 0, key, 0)
        start = self.offsets[k]
        count = np.where(key >= 0, self.offsets[k + 1] - start, 0)
        pt, within = _expand(count)
        e = self.entries[np.repeat(start, count) + within]
        b = self.b[e]
        px, py = x[pt], y[pt]
        ok = (px >= b[:, 0]) & (px <= b[:, 2]) & (py >= b[:, 1]) & (py <= b[:, 3])
        return pt[ok], self.poly[e[ok]]


def _points_in_polygons(
    geoms: np.ndarray, x: np.ndarray, y: np.ndarray, chunk: int = 25_000
) -> tuple[np.ndarray, np.ndarray]:
    """(point index, polygon index) pairs where the point touches the polygon.

    Bounding-box candidates from :class:`_Grid`, then ``intersects_xy`` in threads (shapely
    releases the GIL); each thread tests its own share of the *polygons*, so no geometry is
    touched by two threads. Polygons are not prepared: on the simplified national layer a
    prepared test is 25 % faster but its edge indexes take ~240 MB, and fresh memory is what
    costs most on this project's VM. Points are visited cell by cell, so neighbouring points
    test the same polygons while they are hot in cache, in chunks of ``chunk`` points: a chunk's
    candidate pairs before the bounding-box test take ~90 bytes each, so 200,000-point chunks
    on two threads peaked at 440 MB for a million clients, 25,000-point ones at 170 MB, in the
    same time.
    """
    grid = _Grid(geoms)
    key = grid.key(x, y)
    order = np.argsort(key, kind="stable")
    xs, ys, ks = x[order], y[order], key[order]
    workers = max(1, min(4, os.cpu_count() or 1))
    starts = range(0, len(x), chunk)

    def cands(s: int) -> tuple[np.ndarray, np.ndarray]:
        i, j = grid.candidates(ks[s : s + chunk], xs[s : s + chunk], ys[s : s + chunk])
        return i.astype(np.int64) + s, j

    def test(share: np.ndarray) -> np.ndarray:
        return shapely.intersects_xy(geoms[j[share]], xs[i[share]], ys[i[share]])

    with ThreadPoolExecutor(max_workers=workers) as ex:
        parts = list(ex.map(cands, starts))  # numpy only: chunks of points in parallel
        i = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        j = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, dtype=np.int64)
        shares = [np.flatnonzero(j % workers == w) for w in range(workers)]
        ok = np.zeros(len(i), dtype=bool)
        for share, hit in zip(shares, ex.map(test, shares), strict=True):
            ok[share] = hit
    return order[i[ok]], j[ok]


def _name_mismatch(gaz, table, rows, got, unit, kel_codes, kel_keys) -> pd.DataFrame | None:
    """Warn when a point lands in a unit whose name differs from the written one (point trusted).

    Compared as key ids (written key -> gazetteer key id once per distinct written name), so a
    million points cost a few array operations; only the differing (written, unit) pairs are
    compared as text.
    """
    code = kel_codes[got]
    written_id = np.append(_ids(gaz.by_key, kel_keys, -3), -2)[np.where(code < 0, -1, code)]
    written_id[written_id == -1] = -2  # no written name key: nothing to compare
    unit_id = gaz.by_key.codes[unit[got]]
    differs = (written_id != -2) & (written_id != unit_id)
    if not differs.any():
        return None
    w, u = code[differs], unit_id[differs] + 1  # u = 0: the unit has no name key
    pair_codes, distinct = pd.factorize(w * (len(gaz.by_key) + 1) + u)
    ukeys = np.append("", gaz.by_key.uniques)
    close = np.array(
        [
            fuzz.ratio(kel_keys[p // (len(gaz.by_key) + 1)], ukeys[p % (len(gaz.by_key) + 1)])
            >= gaz.threshold
            for p in distinct
        ],
        dtype=bool,
    )
    sel = got[differs][~close[pair_codes]]
    if not len(sel):
        return None
    names = [gaz.label(i) for i in unit[sel]]
    return _quality_frame(
        _sub(table, sel),
        rows[sel],
        "kelurahan",
        [Msg("coordinates_elsewhere", place=nm) for nm in names],
        [None] * len(sel),
        [Msg("used_coordinates")] * len(sel),
    )


def _matches_table(gaz, table, distinct, res, counts) -> pd.DataFrame:
    idx = res["idx"].to_numpy()
    ok = idx >= 0
    safe = np.where(ok, idx, 0)
    return pd.DataFrame(
        {
            "table": table,
            "written_name": distinct["written_name"].to_numpy(),
            "written_kecamatan": distinct["written_kecamatan"].to_numpy(),
            "written_kab_kota": distinct["written_kab_kota"].to_numpy(),
            "rows": counts,
            "kode": np.where(ok, gaz.kode[safe], None),
            "nama": np.where(ok, gaz.nama[safe], None),
            "method": res["method"].to_numpy(),
            "confidence": res["confidence"].to_numpy(),
            "candidates": res["candidates"].to_numpy(),
        },
        columns=MATCH_COLUMNS,
    )


def _name_quality(gaz, table, rows, codes, distinct, res) -> pd.DataFrame | None:
    """One quality row per input row whose place was fuzzy, ambiguous or unmatched."""
    m = res["method"].to_numpy()
    idx = res["idx"].to_numpy()
    cands = res["candidates"].to_numpy()
    confs = res["confidence"].to_numpy()
    problems = np.array([None] * len(res), dtype=object)
    actions = np.array([None] * len(res), dtype=object)
    for j in np.flatnonzero(np.isin(m, ["fuzzy", "ambiguous", "unmatched", "chosen"])):
        cand = cands[j]
        if m[j] == "chosen":
            problems[j] = Msg("name_chosen")
            actions[j] = Msg("placed_in", place=gaz.label(idx[j]), kode=gaz.kode[idx[j]])
        elif m[j] == "fuzzy":
            score = round(confs[j] * 100)
            problems[j] = Msg("name_fuzzy", score=score)
            actions[j] = Msg("placed_in", place=gaz.label(idx[j]), kode=gaz.kode[idx[j]])
        elif m[j] == "ambiguous":
            problems[j] = Msg("name_ambiguous")
            actions[j] = Msg("not_placed_candidates", candidates=cand)
        else:
            problems[j] = Msg("name_not_found")
            actions[j] = Msg("not_placed_closest", closest=cand) if cand else Msg("not_placed")
    per_row = problems[codes]
    sel = np.flatnonzero(per_row != None)  # noqa: E711  (object array comparison)
    if not len(sel):
        return None
    return _quality_frame(
        _sub(table, sel),
        rows[sel],
        "kelurahan",
        per_row[sel],
        distinct["written_name"].to_numpy()[codes[sel]],
        actions[codes][sel],
    )
