"""Unmet-need score (0-100) from transparent weighted components, with a "why ranked here" breakdown,
a priority class and a stability figure under perturbed weights.

Every component is in [0, 1] and has a plain meaning; the score is their weighted mean times 100, and
a kelurahan with no unserved client scores 0 (distance or absence of agents alone is not need).
"""

from __future__ import annotations

import string
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from .config import Scenario
from .privacy_format import fmt_counts

COMPONENTS = ("unserved_count", "unserved_share", "recency", "distance", "presence")

LABELS_ID = {
    5: ["Sangat rendah", "Rendah", "Sedang", "Tinggi", "Sangat tinggi"],
    4: ["Rendah", "Sedang", "Tinggi", "Sangat tinggi"],
    3: ["Rendah", "Sedang", "Tinggi"],
}
LABELS_EN = {
    5: ["Very low", "Low", "Medium", "High", "Very high"],
    4: ["Low", "Medium", "High", "Very high"],
    3: ["Low", "Medium", "High"],
}
NO_NEED_ID = "Tidak ada kebutuhan"
NO_NEED_EN = "No unmet need"


def components(table: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """Component values in [0, 1] per kelurahan (columns ``c_<name>``).

    - unserved_count: unserved / the largest unserved count in the area (linear, so a planner can
      check it with a calculator);
    - unserved_share: unserved / (clients + m), m = ``share_prior`` pseudo-clients, so that one
      unserved client out of one is not "100 %" and does not outrank a village with twenty;
    - recency: recently rehabilitated unserved / (unserved + m), likewise smoothed;
    - distance: distance to the nearest active agent or service point, capped at ``distance_cap_m``
      (no agent or service point anywhere = 1);
    - presence: 1 - active agents / group size (a full group of agents = 0).
    """
    unserved = table["unserved"].to_numpy(dtype=float)
    clients = table["clients"].to_numpy(dtype=float)
    mx = unserved.max() if len(unserved) else 0.0
    c_count = unserved / mx if mx > 0 else np.zeros_like(unserved)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = float(scenario.share_prior)
        c_share = np.where(clients > 0, unserved / (clients + m), 0.0)
        c_recent = np.where(
            unserved > 0, table["unserved_recent"].to_numpy(dtype=float) / (unserved + m), 0.0
        )
    dist = table["dist_nearest_m"].to_numpy(dtype=float)
    c_dist = np.where(
        np.isnan(dist), 1.0, np.minimum(dist, scenario.distance_cap_m) / scenario.distance_cap_m
    )
    agents = table["agents_active"].to_numpy(dtype=float)
    c_pres = 1.0 - np.minimum(agents / scenario.group_size, 1.0)
    return pd.DataFrame(
        {
            "c_unserved_count": c_count,
            "c_unserved_share": c_share,
            "c_recency": c_recent,
            "c_distance": c_dist,
            "c_presence": c_pres,
        },
        index=table.index,
    )


def _weight_vector(scenario: Scenario) -> np.ndarray:
    w = scenario.weights.as_dict()
    return np.array([w[c] for c in COMPONENTS], dtype=float)


def score_matrix(comp: np.ndarray, gate: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores for one weight vector (1-D) or many (2-D, one row per draw): ``n x draws``."""
    w = np.atleast_2d(weights)
    s = comp @ (w / w.sum(axis=1, keepdims=True)).T * 100.0
    return s * gate[:, None]


def rank_order(score: np.ndarray, unserved: np.ndarray, kode: np.ndarray) -> np.ndarray:
    """Rank 1 = highest need; ties broken by more unserved, then by kode (stable, reproducible)."""
    order = np.lexsort((kode.astype(str), -unserved, -np.round(score, 9)))
    rank = np.empty(len(score), dtype=np.int64)
    rank[order] = np.arange(1, len(score) + 1)
    return rank


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
    # float32 halves the memory traffic of the n x draws matrix (83k x 200 nationally)
    s = score_matrix(comp.astype(np.float32), gate.astype(np.float32), w.astype(np.float32))
    k = min(top_n, n)
    hits = np.zeros(n, dtype=np.int64)
    # -score with a tiny deterministic tie-break so equal scores don't all count as top-N
    top = np.argpartition(-s, k - 1, axis=0)[:k] if k < n else np.tile(np.arange(n)[:, None], draws)
    np.add.at(hits, top.ravel(), 1)
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
    table = LABELS_ID if lang == "id" else LABELS_EN
    top = int(cls.max()) if len(cls) else 0
    names = table.get(max(top, n_classes)) or table.get(top)
    none_label = NO_NEED_ID if lang == "id" else NO_NEED_EN

    def lab(c: int) -> str:
        if c == 0:
            return none_label
        if names and len(names) >= c:
            return names[c - 1]
        return f"Kelas {c}" if lang == "id" else f"Class {c}"

    return cls.map(lab).rename("priority_label")


MAIN_FACTOR_ID = {
    "unserved_count": "jumlah klien belum terlayani",
    "unserved_share": "proporsi klien belum terlayani",
    "recency": "klien baru selesai rehabilitasi",
    "distance": "jauh dari agen/layanan",
    "presence": "belum ada agen",
}
MAIN_FACTOR_EN = {
    "unserved_count": "number of unserved clients",
    "unserved_share": "share of clients unserved",
    "recency": "recently rehabilitated clients",
    "distance": "far from agents/services",
    "presence": "no agents yet",
}


REASON_ID = (
    "Peringkat {rank} (skor {score}; faktor utama: {main_id}). {u}{of_id} klien belum terlayani"
    "{share}; {r} direhabilitasi {years}; agen/layanan terdekat {km}; {agent_id}."
)
REASON_EN = (
    "Rank {rank} (score {score}; main factor: {main_en}). {u}{of_en} clients unserved{share}; "
    "{r} rehabilitated {years}; nearest agent/service {km}; {agent_en}."
)


TOKEN_UNSERVED = "\x01U\x01"
TOKEN_CLIENTS = "\x01C\x01"
TOKEN_SHARE = "\x01S\x01"


def reason_templates(
    table: pd.DataFrame, scenario: Scenario, ref_year: int
) -> tuple[pd.Series, pd.Series]:
    """Plain-language 'why ranked here' (Indonesian, English) with the unserved count, the
    client total and the share left as placeholders (``TOKEN_*``): the app fills them with the
    counts (:func:`fill_reasons`), exports with their own, further suppressed, values.

    "7 of 9 unserved" would publish the complement 2 by subtraction, so when the clients not
    unserved number 1..k-1 the total and the share are left out. Parts are computed column-wise;
    only the final string formatting runs per row (83k kelurahan in well under a second)."""
    k = scenario.suppression_k
    uns = table["unserved"].to_numpy()
    cli = table["clients"].to_numpy()
    agents = table["agents_active"].to_numpy()
    pts = table[[f"pts_{c}" for c in COMPONENTS]].to_numpy(dtype=float)
    top = np.array(COMPONENTS, dtype=object)[pts.argmax(axis=1)] if len(table) else []
    rest = cli - uns
    hide_total = (uns < k) | ((rest > 0) & (rest < k))
    keep_of = ~(hide_total & (uns >= k))  # "<5 of 20" is fine; "7" alone when 9 - 7 < k
    dist = table["dist_nearest_m"].to_numpy(dtype=float)
    a = fmt_counts(agents, k)
    parts = dict(
        {
            "rank": table["rank"].to_numpy(),
            "score": np.round(table["score"].to_numpy(dtype=float)).astype(np.int64),
            "main_id": [MAIN_FACTOR_ID[t] for t in top],
            "main_en": [MAIN_FACTOR_EN[t] for t in top],
            "u": np.full(len(table), TOKEN_UNSERVED, dtype=object),
            "of_id": np.where(keep_of, " dari " + TOKEN_CLIENTS, ""),
            "of_en": np.where(keep_of, " of " + TOKEN_CLIENTS, ""),
            "share": np.where(hide_total, "", TOKEN_SHARE),
            "r": fmt_counts(table["unserved_recent"], k),
            "km": [("-" if d != d else f"{d / 1000:.1f} km") for d in dist.tolist()],
            "agent_id": np.where(agents == 0, "belum ada Agen Pemulihan aktif", a + " agen aktif"),
            "agent_en": np.where(agents == 0, "no active Agen Pemulihan", a + " active agents"),
        }
    )
    years = f"{ref_year - scenario.recency_years + 1}-{ref_year}"
    cols = {name: np.asarray(v, dtype=object).tolist() for name, v in parts.items()}
    cols["years"] = [years] * len(table)
    rid = _format_rows(REASON_ID, cols)
    ren = _format_rows(REASON_EN, cols)
    none = uns == 0
    rid = np.where(none, "Tidak ada klien yang belum terlayani.", np.array(rid, dtype=object))
    ren = np.where(none, "No unserved clients.", np.array(ren, dtype=object))
    return (
        pd.Series(rid, index=table.index, name="reason_id_tpl", dtype=object),
        pd.Series(ren, index=table.index, name="reason_en_tpl", dtype=object),
    )


def _format_rows(template: str, cols: dict[str, list]) -> list[str]:
    """``template.format(**row)`` for every row, without building a dict per row: the named
    fields become positional ones (83k rows: 0.05 s instead of 0.4 s)."""
    fields: list[str] = []
    positional = ""
    for literal, field, spec, conv in string.Formatter().parse(template):
        positional += literal.replace("{", "{{").replace("}", "}}")
        if field is not None:
            fields.append(field)
            positional += "{" + str(len(fields) - 1) + ("!" + conv if conv else "")
            positional += (":" + spec if spec else "") + "}"
    return [positional.format(*row) for row in zip(*(cols[f] for f in fields), strict=True)]


def fill_reasons(templates: pd.Series, unserved: pd.Series, clients: pd.Series) -> pd.Series:
    """Fill :func:`reason_templates` with count labels (numbers, "<k" or "≥k"); the share is
    written only where the template asks for it and both counts are shown as numbers."""
    return fill_reasons_many([templates], unserved, clients)[0]


def fill_reasons_many(
    templates: list[pd.Series], unserved: pd.Series, clients: pd.Series
) -> list[pd.Series]:
    """:func:`fill_reasons` for several languages at once: the labels and shares are worked out
    once, and each template column costs one pass of string replaces."""
    u = pd.Series(unserved.to_numpy(dtype=object)).astype(str)
    c = pd.Series(clients.to_numpy(dtype=object)).astype(str)
    # the share only where both labels are plain numbers (not "<5"): column-wise
    nu = pd.to_numeric(u.where(u.str.isdigit()), errors="coerce").to_numpy(dtype=float)
    nc = pd.to_numeric(c.where(c.str.isdigit()), errors="coerce").to_numpy(dtype=float)
    ok = ~np.isnan(nu) & (nc > 0)
    pct = np.round(100 * np.where(ok, nu, 0) / np.where(ok, nc, 1)).astype(np.int64)
    share = np.where(ok, np.char.add(np.char.add(" (", pct.astype(str)), "%)"), "").tolist()
    us, cs = u.tolist(), c.tolist()
    out = []
    for tpl in templates:
        filled = [
            t.replace(TOKEN_SHARE, s).replace(TOKEN_UNSERVED, a).replace(TOKEN_CLIENTS, b)
            if isinstance(t, str)
            else None
            for t, a, b, s in zip(tpl.to_numpy(dtype=object), us, cs, share, strict=True)
        ]
        out.append(pd.Series(filled, index=tpl.index, dtype=object))
    return out


def score_table(table: pd.DataFrame, scenario: Scenario, ref_year: int) -> pd.DataFrame:
    """All score columns for the per-kelurahan table (components, points, score, rank, class,
    stability, reasons). Cheap: it never touches geometry, so weight sliders can call it live."""
    comp = components(table, scenario)
    cm = comp.to_numpy()
    gate = (table["unserved"].to_numpy() > 0).astype(float)
    w = _weight_vector(scenario)
    wn = w / w.sum()
    pts = cm * wn[None, :] * 100.0 * gate[:, None]
    out = comp.copy()
    for i, c in enumerate(COMPONENTS):
        out[f"pts_{c}"] = pts[:, i]
    out["score"] = pts.sum(axis=1)
    out["rank"] = rank_order(
        out["score"].to_numpy(), table["unserved"].to_numpy(), table["kode"].to_numpy()
    )
    out["priority_class"] = classify(out["score"], scenario)
    out["priority_label"] = class_labels(out["priority_class"], scenario.n_classes)
    # the stability draws are numpy work that releases the GIL: run them beside the reason texts
    with ThreadPoolExecutor(max_workers=1) as ex:
        stab = ex.submit(
            stability,
            cm,
            gate,
            w,
            scenario.top_n,
            scenario.stability_draws,
            scenario.stability_spread,
            scenario.seed,
        )
        tmp = pd.concat(
            [
                table[
                    ["unserved", "clients", "unserved_recent", "dist_nearest_m", "agents_active"]
                ],
                out,
            ],
            axis=1,
        )
        tpl_id, tpl_en = reason_templates(tmp, scenario, ref_year)
        k = scenario.suppression_k
        u = pd.Series(fmt_counts(table["unserved"], k), index=table.index)
        c = pd.Series(fmt_counts(table["clients"], k), index=table.index)
        out["reason_id"], out["reason_en"] = fill_reasons_many([tpl_id, tpl_en], u, c)
        out["reason_id_tpl"], out["reason_en_tpl"] = tpl_id, tpl_en
        out["stability"] = stab.result()
    return out
