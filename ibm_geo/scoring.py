"""Unmet-need score (0-100) from transparent weighted components, with a "why ranked here" breakdown,
a priority class and a stability figure under perturbed weights.

Every component is in [0, 1] and has a plain meaning (declared once in :mod:`ibm_geo.components`).
The score is led by need: 100 x need x (the need's weight + the weighted access modifiers) / the
weight sum, so distance or absence of agents only scales need that exists; a kelurahan with no
unserved client scores 0.

The same function scores both tiers: the working tier on exact counts (the planner's screen and
every decision), the published tier on the published counts (:mod:`ibm_geo.privacy`), so a
published score is a function of published numbers only and cannot be inverted into an exact one.
"""

from __future__ import annotations

import string
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import components as reg
from .config import Scenario
from .i18n import fmt_kms, fmt_num, fmt_nums, has, t

#: component names in registry order (weights, points, sliders)
COMPONENTS = reg.NAMES

#: the client counts the score reads
SCORE_COUNTS = ("unserved", "clients", "unserved_recent")
#: the score's output columns besides ``c_*`` and ``pts_*`` (the published tier keeps its own
#: copy of each under ``pub_``)
SCORE_COLUMNS = (
    "score",
    "rank",
    "priority_class",
    "priority_label",
    "stability",
    "reason_id",
    "reason_en",
)


def score_inputs(table: pd.DataFrame, labels: pd.DataFrame | None = None) -> pd.DataFrame:
    """The score's inputs: the table's client counts (exact in the working tier, published in
    the published one), their text as the reason quotes it (``labels``, default the numbers),
    the share as the tables show it, and the open figures (distance, agents)."""
    out = pd.DataFrame(index=table.index)
    for c in SCORE_COUNTS:
        v = pd.to_numeric(table[c], errors="coerce") if c in table else None
        out[c] = 0.0 if v is None else v.fillna(0).to_numpy(dtype=float)
        if labels is not None and c in labels:
            out[f"{c}_label"] = labels[c].to_numpy()
        else:
            out[f"{c}_label"] = out[c].round().astype(np.int64).to_numpy()
    u, c = out["unserved"].to_numpy(), out["clients"].to_numpy()
    share = np.where(c > 0, np.round(np.minimum(u, c) / np.where(c > 0, c, 1), 2), np.nan)
    if labels is not None and "share" in labels:
        share = labels["share"].to_numpy(dtype=float)
    out["share_public"] = share
    out["dist_nearest_m"] = pd.to_numeric(table["dist_nearest_m"], errors="coerce")
    out["agents_active"] = pd.to_numeric(table["agents_active"], errors="coerce").fillna(0)
    return out


def components(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Component values in [0, 1] per kelurahan (columns ``c_<name>``): see
    :mod:`ibm_geo.components` for each definition."""
    return reg.compute_all(score_inputs(table), scenario)


def _weight_vector(scenario: Scenario) -> np.ndarray:
    w = scenario.weights.as_dict()
    return np.array([w[c] for c in COMPONENTS], dtype=float)


def _multiplier_matrix(comp: np.ndarray) -> np.ndarray:
    """Components with the need column set to 1: the need's own weight is the multiplier's
    floor, each modifier adds its weight times its value."""
    m = np.array(comp, dtype=float, copy=True)
    m[:, COMPONENTS.index(reg.NEED)] = 1.0
    return m


def score_matrix(comp: np.ndarray, gate: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores for one weight vector (1-D) or many (2-D, one row per draw): ``n x draws``.

    ``comp`` = multiplier matrix (:func:`_multiplier_matrix`), ``gate`` = the need in [0, 1]:
    score = 100 * need * weighted mean of the multiplier terms."""
    w = np.atleast_2d(weights)
    s = comp @ (w / w.sum(axis=1, keepdims=True)).T * 100.0
    return s * gate[:, None]


def rank_order(score: np.ndarray, unserved: np.ndarray, kode: np.ndarray) -> np.ndarray:
    """Rank 1 = highest need; ties broken by more (published) unserved, then by kode."""
    order = np.lexsort((kode.astype(str), -unserved, -np.round(np.nan_to_num(score), 9)))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(1, len(score) + 1)
    return rank


#: stability draws scored at once (see :func:`stability`)
_DRAW_BATCH = 20


def stability(
    comp: np.ndarray,
    gate: np.ndarray,
    weights: np.ndarray,
    top_n: int,
    draws: int,
    spread: float,
    seed: int,
) -> np.ndarray:
    """Share of seeded weight perturbations in which each unit stays in the top N.

    Each draw multiplies every weight by ``exp(N(0, spread))`` (so a 0.25 spread moves weights by
    roughly +-25 %), recomputes all scores at once and counts top-N membership. Units with no
    unmet need get 0.
    """
    n = comp.shape[0]
    if draws == 0 or n == 0:
        return np.full(n, np.nan)
    rng = np.random.default_rng(seed)
    w = weights[None, :] * np.exp(rng.normal(0.0, spread, size=(draws, len(weights))))
    # float32 halves the memory traffic of the n x draws matrix (83k x 200 nationally), and the
    # draws go 20 at a time: the whole matrix, its negation and argpartition's int64 indices
    # peaked at 260 MB of fresh memory nationally, a batch at 30 MB (the same draws, counts)
    c32, g32, w32 = comp.astype(np.float32), gate.astype(np.float32), w.astype(np.float32)
    k = min(top_n, n)
    hits = np.zeros(n, dtype=np.int64)
    for b in range(0, draws, _DRAW_BATCH):
        s = score_matrix(c32, g32, w32[b : b + _DRAW_BATCH])
        if k < n:
            top = np.argpartition(-s, k - 1, axis=0)[:k]
            hits += np.bincount(top.ravel(), minlength=n)
        else:
            hits += s.shape[1]
    out = hits / draws
    out[gate == 0] = 0.0
    return out


def quantile_classes(vals: np.ndarray, k: int) -> np.ndarray:
    """Quantile classes 0..k-1 with mapclassify.Quantiles' rule (upper bounds at the k quantiles,
    a value equal to a bound falls in that class), without importing mapclassify."""
    bins = np.quantile(vals, np.linspace(0, 1, k + 1)[1:])
    bins = np.unique(bins)
    return np.minimum(np.searchsorted(bins, vals, side="left"), len(bins) - 1)


def classify(score: pd.Series, scenario: Scenario) -> pd.Series:
    """Priority class 1..n (n = highest need) of units with need; 0 = no unmet need."""
    out = pd.Series(0, index=score.index, name="priority_class", dtype=np.int64)
    pos = score[score > 0]
    if pos.empty:
        return out
    k = scenario.n_classes
    vals = pos.to_numpy(dtype=float)
    if scenario.classification == "fixed":
        bins = np.array(sorted(scenario.fixed_breaks), dtype=float)
        cls = np.searchsorted(bins, vals, side="left")
        cls = np.minimum(cls, len(bins) - 1)
        k_eff = len(bins)
    else:
        uniq = np.unique(vals)
        k_eff = min(k, len(uniq))
        if k_eff < 2:
            out.loc[pos.index] = 1
            return out
        if scenario.classification == "quantiles":
            cl = None
        else:
            # Fisher-Jenks is exact but O(k n^2) in pure Python without numba: on more than 150
            # values, find the breaks on 150 evenly spaced quantiles (deterministic, unlike
            # FisherJenksSampled) and apply them to all values.
            import mapclassify  # slow to import (~2 s): only when natural breaks are asked for

            sample = vals if len(vals) <= 150 else np.quantile(vals, np.linspace(0, 1, 150))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "numba not installed": expected, sample is small
                cl = mapclassify.FisherJenks(sample, k=k_eff)
        if scenario.classification == "quantiles":
            cls = quantile_classes(vals, k_eff)
        else:
            bins = np.asarray(cl.bins, dtype=float)
            bins[-1] = max(bins[-1], vals.max())
            cls = np.minimum(np.searchsorted(bins, vals, side="left"), len(bins) - 1)
    out.loc[pos.index] = cls + 1
    return out


def class_breaks(score: pd.Series, cls: pd.Series) -> list[float]:
    """Upper bound of each class as actually assigned (for legends)."""
    return [float(score[cls == c].max()) for c in sorted(cls[cls > 0].unique())]


def class_labels(cls: pd.Series, n_classes: int, lang: str = "id") -> pd.Series:
    """Each class's name (``priority.<n classes>``: 3 to 5 named classes, else numbered)."""
    top = int(cls.max()) if len(cls) else 0
    n = next((m for m in (max(top, n_classes), top) if has(f"priority.{m}")), None)
    names = t(f"priority.{n}", lang).split("|") if n is not None else []
    none_label = t("priority.none", lang)

    def lab(c: int) -> str:
        if c == 0:
            return none_label
        if names and len(names) >= c:
            return names[c - 1]
        return t("priority.class", lang, c=c)

    return cls.map(lab).rename("priority_label")


def reason_texts(
    table: pd.DataFrame, pub: pd.DataFrame, scenario: Scenario, ref_year: int
) -> tuple[pd.Series, pd.Series]:
    """Plain-language 'why ranked here' (Indonesian, English), written only from published
    values: count labels exactly as the tables show them (hidden = ``*``), the share exactly as
    the ``unserved_share`` column (``0.75`` -> ``75%``), the score as rounded in the tables.
    Parts are computed column-wise; only the final formatting runs per row, and only for
    rows with something to say (a national table: a third of the units have no unserved)."""
    none = (pub["unserved_label"].to_numpy(dtype=object) == 0) & (table["score"].to_numpy() == 0)
    rid = np.full(len(table), t("reason.no_unserved", "id"), dtype=object)
    ren = np.full(len(table), t("reason.no_unserved", "en"), dtype=object)
    keep = np.flatnonzero(~none)
    if len(keep):
        rid[keep], ren[keep] = _reasons(table.iloc[keep], pub.iloc[keep], scenario, ref_year)
    return (
        pd.Series(rid, index=table.index, name="reason_id", dtype=object),
        pd.Series(ren, index=table.index, name="reason_en", dtype=object),
    )


def _reasons(
    table: pd.DataFrame, pub: pd.DataFrame, scenario: Scenario, ref_year: int
) -> tuple[list[str], list[str]]:
    """The reason of each row in both languages (see :func:`reason_texts`)."""
    n = len(table)
    pts = table[[f"pts_{c}" for c in COMPONENTS]].to_numpy(dtype=float)
    top = np.array(COMPONENTS, dtype=object)[pts.argmax(axis=1)] if n else []
    agents = pub["agents_active"].to_numpy()
    dist = pub["dist_nearest_m"].to_numpy(dtype=float)
    share = pub["share_public"].to_numpy(dtype=float)
    pct = np.round(np.nan_to_num(share) * 100).astype(np.int64).astype(str)
    years = f"{ref_year - scenario.recency_years + 1}-{ref_year}"
    scores = np.round(table["score"].to_numpy(dtype=float), 1).tolist()
    ranks = table["rank"].tolist()
    labels = {c: pub[f"{c}_label"].tolist() for c in ("unserved", "clients", "unserved_recent")}
    cols: dict[str, list] = {
        "share": np.where(np.isnan(share), "", np.char.add(np.char.add(" (", pct), "%)")).tolist(),
        "years": [years] * n,
    }
    # numbers in the reader's format (``8,0 km``, ``1.300`` in Indonesian); a hidden count is
    # the string ``*`` and passes through unchanged
    by_lang = {}
    for lang in ("id", "en"):
        none = t("reason.no_agents", lang)
        by_lang[lang] = {
            **cols,
            "main": [reg.BY_NAME[c].factor[lang] for c in top],
            "agent": [
                none if a == 0 else t("reason.agents", lang, n=fmt_num(a, lang)) for a in agents
            ],
            "rank": fmt_nums(ranks, lang),
            "score": fmt_nums(scores, lang, 1),
            "u": fmt_nums(labels["unserved"], lang),
            "c": fmt_nums(labels["clients"], lang),
            "r": fmt_nums(labels["unserved_recent"], lang),
            "km": fmt_kms(dist.tolist(), lang),
        }
    return (
        _format_rows(t("reason.ranked", "id"), by_lang["id"]),
        _format_rows(t("reason.ranked", "en"), by_lang["en"]),
    )


def _format_rows(template: str, cols: dict[str, list]) -> list[str]:
    """``template.format(**row)`` for every row, without building a dict per row: literal text
    and the fields' columns are joined in Arrow (83k rows: 0.02 s instead of 0.4 s through
    dicts); a template with a format spec or conversion, or a field that is not text, goes
    through ``str.format`` with the named fields made positional."""
    import pyarrow as pa
    import pyarrow.compute as pc

    parsed = list(string.Formatter().parse(template))
    fields = [f for _, f, _, _ in parsed if f is not None]
    if not any(spec or conv for _, f, spec, conv in parsed if f is not None) and fields:
        try:
            args: list = []
            for literal, fld, _, _ in parsed:
                if literal:
                    args.append(literal)
                if fld is not None:
                    args.append(pa.array(cols[fld], type=pa.string()))
            return pc.binary_join_element_wise(*args, "").to_pylist()
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            pass  # a field that is not text: str.format writes it
    positional = ""
    order: list[str] = []
    for literal, fld, spec, conv in parsed:
        positional += literal.replace("{", "{{").replace("}", "}}")
        if fld is not None:
            order.append(fld)
            positional += "{" + str(len(order) - 1) + ("!" + conv if conv else "")
            positional += (":" + spec if spec else "") + "}"
    return [positional.format(*row) for row in zip(*(cols[f] for f in order), strict=True)]


def score_table(
    table: pd.DataFrame,
    scenario: Scenario,
    ref_year: int,
    labels: pd.DataFrame | None = None,
    unranked: np.ndarray | None = None,
) -> pd.DataFrame:
    """All score columns for the per-kelurahan table (components, points, score, rank, class,
    stability, reasons) from the table's own counts. ``labels``: how the reasons write each
    count (the published tier's text, e.g. a band). ``unranked``: rows that get no score and
    no rank (the published tier's opaque areas: a band instead), ranked after all others in
    no particular meaning and then blanked. Cheap: never touches geometry (weight sliders
    call it)."""
    pub = score_inputs(table, labels)
    if unranked is not None and unranked.any():
        pub.loc[unranked, ["unserved", "clients", "unserved_recent"]] = 0.0
    comp = reg.compute_all(pub, scenario)
    need = comp[reg.BY_NAME[reg.NEED].column].to_numpy()
    mult = _multiplier_matrix(comp.to_numpy())
    w = _weight_vector(scenario)
    wn = w / w.sum()
    pts = mult * wn[None, :] * 100.0 * need[:, None]
    out = comp.copy()
    for i, c in enumerate(COMPONENTS):
        out[f"pts_{c}"] = pts[:, i]
    out["score"] = pts.sum(axis=1)
    sc = out["score"].to_numpy()
    if unranked is not None:
        sc = np.where(unranked, -1.0, sc)  # after every ranked row: no gap in the numbering
    out["rank"] = rank_order(sc, pub["unserved"].to_numpy(), table["kode"].to_numpy())
    # classes of the score as published (0.1): two villages shown with the same score share a class
    out["priority_class"] = classify(out["score"].round(1), scenario)
    out["priority_label"] = class_labels(out["priority_class"], scenario.n_classes)
    # the stability draws are numpy work that releases the GIL: run them beside the reason texts
    with ThreadPoolExecutor(max_workers=1) as ex:
        stab = ex.submit(
            stability,
            mult,
            need,
            w,
            scenario.top_n,
            scenario.stability_draws,
            scenario.stability_spread,
            scenario.seed,
        )
        out["reason_id"], out["reason_en"] = reason_texts(
            pd.concat([table[["kode"]], out], axis=1), pub, scenario, ref_year
        )
        out["stability"] = stab.result()
    if unranked is not None and unranked.any():
        blank = [c for c in out.columns if c.startswith(("c_", "pts_"))] + ["score", "stability"]
        out.loc[unranked, blank] = np.nan
        out["rank"] = pd.array(np.where(unranked, -1, out["rank"]), dtype="Int64")
        out.loc[unranked, "rank"] = pd.NA
        out.loc[unranked, "priority_class"] = 0
        band = labels["clients"][unranked] if labels is not None and "clients" in labels else ""
        out.loc[unranked, "priority_label"] = [t("priority.band", "id", band=b) for b in band]
        out.loc[unranked, "reason_id"] = t("reason.band", "id")
        out.loc[unranked, "reason_en"] = t("reason.band", "en")
    return out
