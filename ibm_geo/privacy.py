"""Privacy guard applied by every export: aggregates only, small counts suppressed, no recovery.

Client records are personal data (UU PDP 27/2022). Exports only ever see the per-kelurahan result
table, and even that passes through :func:`public_table` first, which

1. keeps a whitelist of per-area columns (:data:`PUBLIC_IDENTITY`, :data:`SUPPRESSED_COUNTS`,
   :data:`OPEN_COUNTS`, :data:`PUBLIC_DERIVED`); anything else (names, IDs, coordinates of clients,
   agent capacity) is dropped, so an accidental extra column never leaks;
2. **primary suppression**: a client-derived count ``1 <= n <= k-1`` is shown as the string ``"<k"``;
3. **secondary (complementary) suppression**, repeated until nothing changes:

   * *row rule* -- each row has additive groups (:data:`ROW_GROUPS`: ``clients`` with the
     ``status_*`` cells, with the ``tingkat_*`` cells, with ``rawat_*``, and with
     ``served, in_reach, referral_berat, unserved``). If exactly one cell of a group (total
     included) is suppressed, the smallest non-zero unsuppressed *part* of that group is suppressed
     too (the total when no part qualifies). Groups are treated as additive whether or not the
     data sums exactly: that only ever suppresses more.
   * *margin rule* -- within each ``kab_kota`` and each count column, if exactly one kelurahan's
     cell is suppressed, the smallest non-zero unsuppressed cell of that column in the same
     kab_kota is suppressed too, so a published kab/kota total (see :func:`kab_totals`) or any
     official total from elsewhere cannot give the cell back by subtraction.

   Zeros stay visible (a true zero is not disclosive on its own), so after this step every
   group/margin holds either no suppressed cell or at least two. A complementary cell is always
   >= k (every smaller non-zero cell is already primary), so it is shown as ``"≥k"``: true, and
   only an interval (e.g. 20 = "<5" + "≥5" + 9 leaves 1..4 and 7..10).
4. derived values that could reveal a suppressed count are rounded or blanked: ``unserved_share``
   is rounded to 0.05 and blanked where ``unserved`` is suppressed; ``score``/``pts_*`` are
   rounded to 0.1 and the count-driven points (``pts_unserved_count``, ``pts_unserved_share``,
   ``pts_recency``) are blanked where ``unserved`` is suppressed; the raw ``c_*`` components are
   not published (their ``pts_*`` carry the same information); distances are rounded to 100 m.
   Reason texts (written by :mod:`ibm_geo.scoring`, which already writes small counts as ``<k``)
   are cleaned again: a number followed by a client word ("3 klien", "11 dari", "6
   direhabilitasi") is replaced by ``<k`` when below k and by ``≥k`` when it equals a
   complementary cell of that row; ranks ("peringkat 1 dari 175") are left alone; a percentage
   is dropped when the row's ``unserved`` or ``clients`` is hidden.

Agent and service-point counts are not client data and are published as they are.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ibm_geo.io.boundaries import IDENTITY
from ibm_geo.plan.pilots import PILOT_COLUMNS
from ibm_geo.plan.recruitment import SITE_COLUMNS
from ibm_geo.scoring import fill_reasons_many

PUBLIC_IDENTITY = [*IDENTITY, "rep_lon", "rep_lat"]

STATUS_COLS = ["status_belum", "status_aktif", "status_selesai", "status_putus", "status_unknown"]
TINGKAT_COLS = ["tingkat_ringan", "tingkat_sedang", "tingkat_berat"]
RAWAT_COLS = ["rawat_jalan", "rawat_inap"]
OUTCOME_COLS = ["served", "in_reach", "referral_berat", "unserved"]

#: client-derived counts: suppressed 1..k-1 and protected by secondary suppression
SUPPRESSED_COUNTS = ["clients", *STATUS_COLS, *TINGKAT_COLS, *RAWAT_COLS, *OUTCOME_COLS]
#: hidden by the row rule only as a last resort (the figure the ranking is about)
PROTECTED_COUNTS = ["unserved"]
#: counts of public things (agents, offices): shown as they are
OPEN_COUNTS = ["agents_total", "agents_active", "service_points"]
#: derived, non-count values that may be published after rounding (see module doc)
PUBLIC_DERIVED = [
    "dist_nearest_m",
    "unserved_share",
    "score",
    "pts_unserved_count",
    "pts_unserved_share",
    "pts_recency",
    "pts_distance",
    "pts_presence",
    "rank",
    "priority_class",
    "priority_label",
    "stability",
    "reason_id",
    "reason_en",
]
PUBLIC_COLUMNS = PUBLIC_IDENTITY + SUPPRESSED_COUNTS + OPEN_COUNTS + PUBLIC_DERIVED

#: (total, parts) groups used by the row rule
ROW_GROUPS: list[tuple[str, list[str]]] = [
    ("clients", STATUS_COLS),
    ("clients", TINGKAT_COLS),
    ("clients", RAWAT_COLS),
    ("clients", OUTCOME_COLS),
]
#: point columns blanked where `unserved` is suppressed (they are driven by the hidden counts)
COUNT_DRIVEN_POINTS = ["pts_unserved_count", "pts_unserved_share", "pts_recency"]

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

_CLIENT_WORDS = (
    r"(?:klien|client|orang|people|person|belum|unserved|tidak|dari|of|direhabilitasi"
    r"|rehabilitated|recent)"
)
_REASON_NUM = re.compile(r"(?<![\w.,<>=≥])(\d+)(?![\w.,]\d)(\s*)(?=" + _CLIENT_WORDS + ")", re.I)
_REASON_PCT = re.compile(r"\s*\(\d+\s*%\)")
_RANK_WORDS = ("peringkat", "rank", "ke-", "no.", "skor", "score", "pilihan", "choice")


def suppressed_label(k: int) -> str:
    """The text shown instead of a small count (primary suppression)."""
    return f"<{k}"


def complementary_label(k: int) -> str:
    """The text shown instead of a cell hidden only to protect a small one (always >= k)."""
    return f"≥{k}"


def suppression_rule(k: int, lang: str = "id", *, curve: bool = True) -> str:
    """One-sentence rule for manifests and footers (``curve``: mention the rounded coverage
    curve; a map has none, so its footer leaves that clause out)."""
    if lang == "en":
        rounded = f"; the coverage curve is rounded to multiples of {k}" if curve else ""
        return (
            f"Client counts from 1 to {k - 1} are shown as '<{k}'; cells hidden so that these "
            f"cannot be recovered from row or kab/kota totals are shown as '≥{k}'{rounded}. "
            "No client names, IDs or coordinates are included."
        )
    rounded = f"; kurva cakupan dibulatkan ke kelipatan {k}" if curve else ""
    return (
        f"Jumlah klien 1 sampai {k - 1} ditampilkan sebagai '<{k}'; sel yang ikut disembunyikan "
        f"agar angka itu tidak dapat dihitung ulang dari total baris atau kab/kota ditampilkan "
        f"'≥{k}'{rounded}. Tidak ada nama, ID, atau koordinat klien."
    )


# -- core on arrays -----------------------------------------------------------------------------
def suppression_mask(
    values: np.ndarray,
    k: int,
    row_groups: list[tuple[int, list[int]]],
    margin_codes: np.ndarray | None = None,
    protected: tuple[int, ...] = (),
) -> np.ndarray:
    """Boolean mask of cells to hide in an (n_rows, n_cols) non-negative integer count matrix.

    ``row_groups`` holds (total column index, part column indices); ``margin_codes`` (int per
    row, e.g. kab_kota codes) groups rows whose column sums may be published. See module doc.
    ``protected`` columns (the headline figure, ``unserved``) are hidden by the row rule only when
    no other part and not the group total can be hidden instead: a planner can live without a
    village's total but not without its unserved count.
    """
    v = np.asarray(values, dtype=np.int64)
    if k <= 1 or v.size == 0:
        return np.zeros(v.shape, dtype=bool)
    mask = (v >= 1) & (v <= k - 1)
    n = v.shape[0]
    rows = np.arange(n)
    big = np.iinfo(np.int64).max
    offset = 1 << 40  # larger than any count
    for _ in range(100):
        before = int(mask.sum())
        for tot, parts in row_groups:
            cells = [tot, *parts]
            single = mask[:, cells].sum(axis=1) == 1
            if not single.any():
                continue
            # cost of hiding each candidate: its value; protected parts come after the total
            pv = v[:, parts]
            prot = np.isin(parts, protected)
            cost = np.where(prot[None, :], pv + offset, pv)
            cand = np.where((pv > 0) & ~mask[:, parts], cost, big)
            tot_ok = (v[:, tot] > 0) & ~mask[:, tot]
            # the total is a candidate before protected parts, otherwise only as a fallback
            tot_cost = np.where(tot_ok, v[:, tot] + offset // 2 if prot.any() else big - 1, big)
            j = cand.argmin(axis=1)
            best = cand[rows, j]
            pick = single & (best < big) & (best <= tot_cost)
            mask[rows[pick], np.asarray(parts)[j[pick]]] = True
            fallback = single & ~pick & (tot_cost < big)
            mask[fallback, tot] = True
        if margin_codes is not None and n:
            codes = np.asarray(margin_codes)
            for c in range(v.shape[1]):
                _margin_step(v[:, c], mask[:, c], codes, big)
        if int(mask.sum()) == before:
            break
    return mask


def _margin_step(col: np.ndarray, m: np.ndarray, codes: np.ndarray, big: int) -> None:
    """In place: a margin (group of rows) with exactly one hidden cell hides one more."""
    ngroups = int(codes.max()) + 1 if codes.size else 0
    count = np.bincount(codes, weights=m.astype(float), minlength=ngroups)
    single = count[codes] == 1
    if not single.any():
        return
    cand = np.where(single & (col > 0) & ~m, col, big)
    order = np.lexsort((cand, codes))
    first = np.ones(len(order), dtype=bool)
    first[1:] = codes[order][1:] != codes[order][:-1]
    heads = order[first]
    heads = heads[cand[heads] < big]
    m[heads] = True


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


def _margin_codes(kelurahan: pd.DataFrame) -> np.ndarray:
    if "kab_kota" not in kelurahan:
        return np.zeros(len(kelurahan), dtype=np.int64)
    keys = kelurahan["kab_kota"].astype(object).where(kelurahan["kab_kota"].notna(), "\x00none")
    return pd.factorize(keys)[0].astype(np.int64)


def public_mask(kelurahan: pd.DataFrame, k: int) -> pd.DataFrame:
    """Per-cell boolean mask (columns = :data:`SUPPRESSED_COUNTS` present) of hidden counts."""
    cols = [c for c in SUPPRESSED_COUNTS if c in kelurahan]
    counts = _counts_frame(kelurahan, cols)
    idx = {c: i for i, c in enumerate(cols)}
    groups = [
        (idx[t], [idx[p] for p in parts if p in idx])
        for t, parts in ROW_GROUPS
        if t in idx and any(p in idx for p in parts)
    ]
    cols = list(counts.columns)
    prot = tuple(cols.index(c) for c in PROTECTED_COUNTS if c in cols)
    mask = suppression_mask(counts.to_numpy(), k, groups, _margin_codes(kelurahan), prot)
    return pd.DataFrame(mask, index=kelurahan.index, columns=cols)


def _round_to(s: pd.Series, step: float, ndigits: int) -> pd.Series:
    x = pd.to_numeric(s, errors="coerce").astype(float)
    return (np.round(x / step) * step).round(ndigits)


def public_table(kelurahan: pd.DataFrame, k: int, *, lang: str | None = None) -> pd.DataFrame:
    """Whitelisted, suppressed copy of the per-kelurahan table (plain DataFrame, no geometry).

    Suppressed count cells hold the string ``"<k"``; other count cells hold Python ints (so the
    count columns have object dtype). Row order and index are kept. ``lang`` keeps only that
    language's reason column (``reason_id`` or ``reason_en``) when given.
    """
    mask = public_mask(kelurahan, k)
    cols = [c for c in PUBLIC_COLUMNS if c in kelurahan or c == "unserved_share"]
    out = pd.DataFrame(index=kelurahan.index)
    counts = _counts_frame(kelurahan, list(mask.columns))
    hidden = None
    filled: dict[str, pd.Series] = {}
    for c in cols:
        if c in mask.columns:
            out[c] = _labelled(counts[c], mask[c].to_numpy(), k)
        elif c in OPEN_COUNTS:
            out[c] = _counts_frame(kelurahan, [c])[c].astype(object)
        elif c == "unserved_share":
            if "unserved_share" in kelurahan:
                share = pd.to_numeric(kelurahan["unserved_share"], errors="coerce")
            elif {"unserved", "clients"} <= set(kelurahan.columns):
                cl = pd.to_numeric(kelurahan["clients"], errors="coerce").astype(float)
                share = pd.to_numeric(kelurahan["unserved"], errors="coerce") / cl.where(cl > 0)
            else:
                continue
            share = _round_to(share, 0.05, 2)
            if "unserved" in mask:
                share = share.where(~mask["unserved"])
            out[c] = share
        elif c in ("score", "stability") or c.startswith("pts_"):
            v = _round_to(kelurahan[c], 0.1 if c != "stability" else 0.01, 2)
            if c in COUNT_DRIVEN_POINTS and "unserved" in mask:
                v = v.where(~mask["unserved"])
            out[c] = v
        elif c == "dist_nearest_m":
            out[c] = _round_to(kelurahan[c], 100.0, 0)
        elif c in ("rep_lon", "rep_lat"):
            out[c] = pd.to_numeric(kelurahan[c], errors="coerce").round(5)
        elif c in ("reason_id", "reason_en") and lang in ("id", "en") and c != f"reason_{lang}":
            continue  # the other language is not wanted: not filled, not kept
        elif c in ("reason_id", "reason_en") and f"{c}_tpl" in kelurahan:
            # our own texts: fill the placeholders with the public (suppressed) counts, which
            # come earlier in PUBLIC_COLUMNS and are already in `out`; languages at once
            if c not in filled:
                wanted = [f"reason_{lang}"] if lang in ("id", "en") else cols
                langs = [r for r in wanted if r in ("reason_id", "reason_en")]
                langs = [r for r in langs if r in cols and f"{r}_tpl" in kelurahan]
                tpls = [kelurahan[f"{r}_tpl"] for r in langs]
                texts = fill_reasons_many(tpls, out["unserved"], out["clients"])
                filled.update(zip(langs, texts, strict=True))
            out[c] = filled[c]
        elif c in ("reason_id", "reason_en"):
            if hidden is None:
                hidden = _hidden_info(counts, mask, k)
            out[c] = _clean_reasons(kelurahan[c], hidden, k)
        else:
            out[c] = kelurahan[c]
    if lang in ("id", "en"):
        drop = "reason_en" if lang == "id" else "reason_id"
        out = out.drop(columns=[drop], errors="ignore")
    return out


def _labelled(values: pd.Series, hidden: np.ndarray, k: int) -> pd.Series:
    """Ints, with hidden cells as "<k" (1..k-1) or "≥k" (complementary)."""
    v = values.to_numpy()
    out = v.astype(object)
    out[hidden & (v < k)] = suppressed_label(k)
    out[hidden & (v >= k)] = complementary_label(k)
    return pd.Series(out, index=values.index, dtype=object)


def _hidden_info(
    counts: pd.DataFrame, mask: pd.DataFrame, k: int
) -> dict[int, tuple[set[int], bool]]:
    """For rows with a complementarily hidden cell (value >= k) or a hidden unserved/clients
    only (by position): those values, and whether unserved/clients is hidden. Values 1..k-1 are
    caught by the generic small-number rule of :func:`_clean_reasons` anyway."""
    cols = list(mask.columns)
    m = mask.to_numpy()
    v = counts[cols].to_numpy()
    key = [i for i, c in enumerate(cols) if c in ("unserved", "clients")]
    big_hidden = m & (v >= k)
    key_hidden = m[:, key].any(axis=1) if key else np.zeros(len(m), dtype=bool)
    info = {}
    for r in np.flatnonzero(big_hidden.any(axis=1) | key_hidden):
        vals = {int(x) for x in v[r][big_hidden[r]]}
        info[int(r)] = (vals, bool(key_hidden[r]))
    return info


def _clean_reasons(
    reasons: pd.Series, info: dict[int, tuple[set[int], bool]] | None, k: int
) -> pd.Series:
    """Replace small or hidden client counts (and revealing shares) quoted in a reason text."""
    out = []
    none: tuple[set[int], bool] = (set(), False)

    def sub(m: re.Match, vals: set[int]) -> str:
        before = (
            m.string[max(0, m.start() - 16) : m.start()].rstrip().lower()
        )  # rank words are short
        if before.endswith(_RANK_WORDS):
            return m.group(0)
        n = int(m.group(1))
        if 1 <= n < k:
            return f"{suppressed_label(k)}{m.group(2)}"
        if n in vals:
            return f"{complementary_label(k)}{m.group(2)}"
        return m.group(0)

    for n_row, text in enumerate(reasons):
        if text is None or text is pd.NA or (isinstance(text, float) and np.isnan(text)):
            out.append(None)
            continue
        text = str(text)
        vals, drop_pct = info.get(n_row, none) if info is not None else none
        if (
            not vals
            and not drop_pct
            and not any(1 <= int(m.group(1)) < k for m in _REASON_NUM.finditer(text))
        ):
            out.append(text)  # nothing to hide: skip the substitution
            continue
        clean = _REASON_NUM.sub(lambda m, vals=vals: sub(m, vals), text)
        if drop_pct:
            clean = _REASON_PCT.sub("", clean)
        out.append(clean)
    return pd.Series(out, index=reasons.index, dtype=object)


def kab_totals(kelurahan: pd.DataFrame, k: int) -> pd.DataFrame:
    """One row per kab_kota: summed client counts (totals 1..k-1 shown as "<k") and open counts.

    Safe to publish next to :func:`public_table` because the margin rule already hides at least
    two cells of every column in a kab_kota whenever it hides one.
    """
    cols = [c for c in SUPPRESSED_COUNTS + OPEN_COUNTS if c in kelurahan]
    counts = _counts_frame(kelurahan, cols)
    counts["kab_kota"] = kelurahan["kab_kota"].astype(object) if "kab_kota" in kelurahan else None
    tot = counts.groupby("kab_kota", dropna=False, sort=True)[cols].sum()
    tot.insert(0, "units", counts.groupby("kab_kota", dropna=False, sort=True).size())
    label = suppressed_label(k)
    res = tot.astype(object)
    for c in cols:
        if c in SUPPRESSED_COUNTS:
            small = (tot[c] >= 1) & (tot[c] <= k - 1)
            res.loc[small, c] = label
    return res.reset_index()


def public_quality(quality: pd.DataFrame | None) -> pd.DataFrame:
    """Data-quality report fit for export: typed values of personal columns are dropped.

    A misspelt kelurahan name may stay (it is what the planner must fix), but a value from a
    client name, ID, coordinate or agent-ID column never leaves the process.
    """
    cols = ["file", "row", "column", "problem", "value", "action"]
    if quality is None or len(quality) == 0:
        return pd.DataFrame(columns=cols)
    q = quality.reindex(columns=cols).copy()
    colname = q["column"].astype(object).map(lambda c: str(c).strip().lower() if c else "")
    private = colname.map(lambda c: c in PRIVATE_QUALITY_COLUMNS or c.endswith("_id"))
    q["value"] = q["value"].astype(object).where(~private, None)
    return q.reset_index(drop=True)


def is_suppressed(value: object) -> bool:
    """True for a cell shown as "<k" or "≥k"."""
    return isinstance(value, str) and value.startswith(("<", "≥"))


# -- companion tables ---------------------------------------------------------------------------
# SITE_COLUMNS / PILOT_COLUMNS: the planning tables' own column lists, whitelisted as they are.
SERVICE_POINT_COLUMNS = ["name", "jenis", "lat", "lon"]


def _suppress_column(values: pd.Series, k: int) -> pd.Series:
    """Primary + margin suppression of one count column whose sum may be known."""
    v = pd.to_numeric(values, errors="coerce").fillna(0).round().astype(np.int64)
    m = suppression_mask(v.to_numpy().reshape(-1, 1), k, [], np.zeros(len(v), dtype=np.int64))[:, 0]
    return _labelled(v, m, k)


def public_sites(sites: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """Recruitment sites: whitelisted; `newly_reached` (a client count) suppressed."""
    if sites is None:
        return pd.DataFrame(columns=SITE_COLUMNS)
    out = sites.reindex(columns=[c for c in SITE_COLUMNS if c in sites]).copy()
    if "newly_reached" in out:
        out["newly_reached"] = _suppress_column(out["newly_reached"], k)
    if "mean_distance_m" in out:
        out["mean_distance_m"] = _round_to(out["mean_distance_m"], 10.0, 0)
    return out.reset_index(drop=True)


def public_pilots(
    pilots: pd.DataFrame | None, kelurahan: pd.DataFrame | None, k: int
) -> pd.DataFrame:
    """Pilot villages: whitelisted; `unserved` taken from the suppressed public table."""
    if pilots is None:
        return pd.DataFrame(columns=PILOT_COLUMNS)
    out = pilots.reindex(columns=[c for c in PILOT_COLUMNS if c in pilots]).copy()
    if "unserved" in out:
        if kelurahan is not None and {"kode", "unserved"} <= set(kelurahan.columns):
            pub = public_table(kelurahan, k)
            look = dict(zip(pub["kode"], pub["unserved"], strict=True))
            out["unserved"] = [
                look.get(kd, _suppress_column(pd.Series([u]), k).iloc[0])
                for kd, u in zip(out["kode"], out["unserved"], strict=True)
            ]
        else:
            out["unserved"] = _suppress_column(out["unserved"], k)
        out["unserved"] = out["unserved"].astype(object)
    if "score" in out:
        out["score"] = _round_to(out["score"], 0.1, 1)
    info = None
    if kelurahan is not None and "kode" in kelurahan and "kode" in out:
        mask = public_mask(kelurahan, k)
        hidden = _hidden_info(_counts_frame(kelurahan, list(mask.columns)), mask, k)
        kodes = kelurahan["kode"].astype(str).to_numpy()
        per_kode = {kodes[r]: v for r, v in hidden.items()}
        info = {i: per_kode[str(kd)] for i, kd in enumerate(out["kode"]) if str(kd) in per_kode}
    for c in ("reason_id", "reason_en"):
        if c in out:
            out[c] = _clean_reasons(out[c], info, k)
    return out.reset_index(drop=True)


def public_curve(curve: pd.DataFrame | None, k: int) -> pd.DataFrame:
    """Coverage curve for exports: client counts 1..k-1 as "<k", the rest rounded to the
    nearest multiple of k.

    Hiding a small `marginal` alone is not enough: it is the difference of two `covered` values
    and the sum of the other marginals. Rounding every published value to base k leaves each
    difference uncertain by about k, so a hidden 1..k-1 cannot be pinned down; the curve's shape,
    which is what a rakor reads from it, is unchanged.
    """
    if curve is None:
        return pd.DataFrame(columns=["p", "covered", "marginal"])
    out = curve.reindex(columns=["p", "covered", "marginal"]).copy()
    for c in ("covered", "marginal"):
        v = pd.to_numeric(out[c], errors="coerce").fillna(0).round().astype(np.int64)
        rounded = (np.floor(v / k + 0.5) * k).astype(np.int64)
        lab = pd.Series(rounded, index=out.index).astype(object)
        lab[(v >= 1) & (v <= k - 1)] = suppressed_label(k)
        out[c] = lab
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
