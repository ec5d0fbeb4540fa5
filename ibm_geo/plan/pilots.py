"""Pilot villages: where IBM starts, each with its reasons, what it reaches and a comparison
village that the programme does not reach.

Pilots per kab/kota are the plan's first sites (contribution order) when a plan is given, else
the top of the ranking (exact counts); ``plan.required_pilots`` (a BNNP's decision, e.g. the
Bali act) replaces the choice. A comparison village has a similar need profile and lies beyond
the reach of every pilot and every proposed site, under the scenario's reach model (desa: not
the same or, with neighbours, a bordering kelurahan; radius: farther than the radius).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibm_geo.components import PILOT_PROFILE
from ibm_geo.config import Scenario
from ibm_geo.errors import InputError
from ibm_geo.i18n import REASON_PARTS, render_parts, t
from ibm_geo.plan.reach import plan_backend
from ibm_geo.plan.recruitment import unserved_of
from ibm_geo.plan.units import find_unit, unit_xy

#: the columns exports whitelist (privacy.public_pilots); see PILOT_EXTRA_COLUMNS for the rest
PILOT_COLUMNS = [
    "kode",
    "nama",
    "kab_kota",
    "kecamatan",
    "score",
    "unserved",
    "reason_id",
    "reason_en",
    "comparison_kode",
    "comparison_nama",
]
#: issue 22: where the pilot came from ("plan", "ranking", "required"), what a group there
#: reaches (kelurahan names and exact unserved clients: internal until the publish step), and
#: why a pilot has no comparison village
PILOT_EXTRA_COLUMNS = [
    "source",
    "reach_names",
    "reach_kodes",
    "reach_clients",
    "comparison_reason_id",
    "comparison_reason_en",
]
# the score components (ibm_geo.components registry) plus the counts: a pilot's
# comparison village is chosen on exact figures (a decision of the working tier)
_PROFILE = (*PILOT_PROFILE, "clients", "unserved")

_NO_COMP_WHY = ("reached", "agents", "used")


def _say(key: str, lang: str, **kw) -> str:
    """Why a unit is not a pilot / has no comparison (``pilot.not.<key>`` texts)."""
    return t(f"pilot.not.{key}", lang, **kw)


def _eligible(kel: pd.DataFrame, scenario: Scenario) -> tuple[np.ndarray, np.ndarray]:
    """(eligible mask, has-existing-agents mask)."""
    cfg = scenario.pilots
    unserved = unserved_of(kel)
    ok = unserved >= cfg.min_unserved
    existing = _agents(kel) > 0
    if cfg.exclude_existing:
        ok &= ~existing
    ok &= pd.to_numeric(kel["score"], errors="coerce").notna().to_numpy()
    return ok, existing


def _agents(kel: pd.DataFrame) -> np.ndarray:
    if "agents_active" not in kel.columns:
        return np.zeros(len(kel))
    return pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy(dtype=float)


def _why_not_eligible(score, unserved, i, scenario, existing) -> str | None:
    cfg = scenario.pilots
    if not np.isfinite(score[i]):
        return "no_score"
    if unserved[i] < cfg.min_unserved:
        return "few_unserved"
    if cfg.exclude_existing and existing[i]:
        return "has_agents"
    return None


def _ranking_order(kel: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(order, rank of each unit): the exact ranking's ``rank`` when present, else by score."""
    score = pd.to_numeric(kel["score"], errors="coerce").to_numpy(dtype=float)
    order = np.lexsort((kel["kode"].astype(str).to_numpy(), -np.nan_to_num(score, nan=-np.inf)))
    rank_all = np.empty(len(kel), dtype=np.int64)
    rank_all[order] = np.arange(1, len(kel) + 1)
    if "rank" in kel.columns:
        r = pd.to_numeric(kel["rank"], errors="coerce")
        rank_all = np.where(r.notna(), r.fillna(0).to_numpy(dtype=np.int64), rank_all)
        order = np.lexsort((kel["kode"].astype(str).to_numpy(), rank_all))
    return order, rank_all


def pilot_candidates(
    kelurahan: pd.DataFrame,
    scenario: Scenario,
    sites: pd.DataFrame | None = None,
    backend=None,
) -> pd.DataFrame:
    """Every unit considered as a pilot, in the order considered, with its outcome and reason
    (``kode, nama, kab_kota, pilot, reason_code, reason_id, reason_en``): the answer to "why
    is no pilot chosen in X?"."""
    return _select(kelurahan, scenario, sites)[1]


def _select(kelurahan, scenario, sites):
    cfg = scenario.pilots
    kel = pd.DataFrame(kelurahan.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    ok, existing = _eligible(kel, scenario)
    order, rank_all = _ranking_order(kel)
    kode = kel["kode"].astype(str).to_numpy()
    source = "ranking"
    if scenario.plan.required_pilots:
        order = np.array([find_unit(kel, str(n)) for n in scenario.plan.required_pilots])
        source = "required"
    elif sites is not None and len(sites) and "kode" in sites:
        s = sites
        if "chosen_by" in s:
            s = s[s["chosen_by"].astype(str) == "model"]
        if "contribution_rank" in s:
            s = s.sort_values("contribution_rank", kind="stable")
        pos = {k: i for i, k in enumerate(kode)}
        order = np.array([pos[str(k)] for k in s["kode"] if str(k) in pos], dtype=np.int64)
        source = "plan"
    picked: list[int] = []
    per_kab: dict = {}
    used_kec: set = set()
    limit = np.inf if cfg.n_total is None else cfg.n_total
    rows = []
    score = pd.to_numeric(kel["score"], errors="coerce").to_numpy(dtype=float)
    unserved = unserved_of(kel)
    kabs = kel["kab_kota"].to_numpy(dtype=object)
    kecs = kel["kecamatan"].to_numpy(dtype=object)
    names = kel["nama"].to_numpy(dtype=object)
    for i in order:
        i = int(i)
        kab = kabs[i]
        code = None
        kw: dict = {}
        if source != "required":
            code = _why_not_eligible(score, unserved, i, scenario, existing)
            if code == "few_unserved":
                kw = {"min": cfg.min_unserved}
            if code is None and len(picked) >= limit:
                code, kw = "total_full", {"n": len(picked)}
            if code is None and cfg.per_kab is not None and per_kab.get(kab, 0) >= cfg.per_kab:
                code, kw = "kab_full", {"kab": kab, "n": per_kab.get(kab, 0)}
            kec = (kab, kecs[i])
            if code is None and cfg.one_per_kecamatan and kec in used_kec:
                code = "same_kecamatan"
        if code is None:
            picked.append(i)
            per_kab[kab] = per_kab.get(kab, 0) + 1
            used_kec.add((kab, kecs[i]))
        rows.append(
            (
                i,
                code is None,
                code or "",
                "" if code is None else _say(code, "id", **kw),
                "" if code is None else _say(code, "en", **kw),
            )
        )
    if source == "plan":  # units outside the plan: said once, not silently dropped
        rest = np.setdiff1d(np.flatnonzero(ok), order)
        rid, ren = _say("not_in_plan", "id"), _say("not_in_plan", "en")
        rows += [
            (int(i), False, "not_in_plan", rid, ren)
            for i in rest[np.argsort(rank_all[rest], kind="stable")]
        ]
    pos = np.asarray([r[0] for r in rows], dtype=np.int64)
    table = pd.DataFrame(
        {
            "kode": kel["kode"].to_numpy(dtype=object)[pos],
            "nama": names[pos],
            "kab_kota": kabs[pos],
            "pilot": np.asarray([r[1] for r in rows], dtype=bool),
            "reason_code": [r[2] for r in rows],
            "reason_id": [r[3] for r in rows],
            "reason_en": [r[4] for r in rows],
        }
    )
    return (kel, ok, existing, picked, rank_all, source), table


def choose_pilots(
    kelurahan: pd.DataFrame,
    scenario: Scenario,
    sites: pd.DataFrame | None = None,
    backend=None,
) -> pd.DataFrame:
    """Pilot villages under ``scenario.pilots`` (see the module docstring).

    ``per_kab`` caps pilots per kab/kota (BNNK), ``n_total`` the total; with
    ``one_per_kecamatan`` no two pilots share a kecamatan. Only units with at least
    ``min_unserved`` unserved clients qualify, and (``exclude_existing``) none that already has
    active agents; required pilots are taken as given. Ties are broken by kode. A pilot that a
    plan site reaches is not excluded: the pilot *is* where the programme starts.

    Columns: :data:`PILOT_COLUMNS` then :data:`PILOT_EXTRA_COLUMNS`. ``backend`` is the
    analysis's distance (roads); the reach model comes from ``scenario.plan.reach``.
    """
    need = ["kode", "nama", "kab_kota", "kecamatan", "score", "unserved"]
    missing = [c for c in need if c not in kelurahan.columns]
    if missing:
        raise InputError("kelurahan", f"missing columns {missing}", missing[0])
    cfg = scenario.pilots
    backend = plan_backend(kelurahan, scenario, backend)
    (kel, ok, existing, picked, rank_all, source), _ = _select(kelurahan, scenario, sites)
    score = pd.to_numeric(kel["score"], errors="coerce").to_numpy(dtype=float)
    reached = _reached(kelurahan, picked, scenario, backend)
    site_idx = _site_rows(kel, sites)
    comp: dict = {}
    comp_why: dict = {}
    if cfg.comparison and picked:
        anchors = list(picked) + list(site_idx)
        beyond = _beyond_reach(kelurahan, anchors, scenario, backend)
        pool = ~existing & (unserved_of(kel) > 0)
        comp, comp_why = _comparisons(kel, picked, pool & beyond, pool, scenario)
    unserved = unserved_of(kel)
    rows = []
    n = len(kel)
    for i in picked:
        kab = kel.at[i, "kab_kota"]
        kab_rank = 1 + sum(
            1 for j in picked if kel.at[j, "kab_kota"] == kab and picked.index(j) < picked.index(i)
        )
        parts = _reason_parts(kel, i, int(rank_all[i]), n, kab, kab_rank, bool(existing[i]), source)
        ck = comp.get(i)
        r_units = reached.get(i, [i])
        why = comp_why.get(i)
        rows.append(
            {
                "kode": kel.at[i, "kode"],
                "nama": kel.at[i, "nama"],
                "kab_kota": kab,
                "kecamatan": kel.at[i, "kecamatan"],
                "score": float(score[i]),
                "unserved": int(unserved[i]),
                "reason_id": render_parts(parts, "id"),
                "reason_en": render_parts(parts, "en"),
                "comparison_kode": None if ck is None else kel.at[ck, "kode"],
                "comparison_nama": None if ck is None else kel.at[ck, "nama"],
                "source": source,
                "reach_names": ", ".join(str(kel.at[j, "nama"]) for j in r_units),
                "reach_clients": int(unserved[r_units].sum()),
                # by code: the publish step sums their published counts
                "reach_kodes": ";".join(str(kel.at[j, "kode"]) for j in r_units),
                "comparison_reason_id": None if why is None else _no_comp(why, "id"),
                "comparison_reason_en": None if why is None else _no_comp(why, "en"),
                REASON_PARTS: parts,
            }
        )
    out = pd.DataFrame(rows, columns=PILOT_COLUMNS + PILOT_EXTRA_COLUMNS + [REASON_PARTS])
    for c in ("comparison_kode", "comparison_nama", "comparison_reason_id", "comparison_reason_en"):
        col = out[c].astype(object)
        out[c] = col.where(col.notna(), None)
    return out


def _no_comp(why: str, lang: str) -> str:
    return _say("no_comparison", lang, why=t(f"pilot.not.no_comparison.{why}", lang))


def _site_rows(kel: pd.DataFrame, sites: pd.DataFrame | None) -> np.ndarray:
    if sites is None or not len(sites) or "kode" not in sites:
        return np.zeros(0, dtype=np.int64)
    kode = kel["kode"].astype(str).to_numpy()
    return np.flatnonzero(np.isin(kode, sites["kode"].astype(str).to_numpy()))


def _reach_pairs(kelurahan, anchors: list[int], scenario: Scenario, backend):
    """(anchor position, unit row) pairs within reach under the scenario's reach model, or None
    when units have no location."""
    from scipy.spatial import cKDTree

    xy = unit_xy(kelurahan, getattr(backend, "crs", None))
    if xy is None or not anchors:
        return None, xy
    pts = xy[np.asarray(anchors, dtype=np.int64)]
    radius = scenario.site_radius_m
    if backend is not None:  # desa model or road travel: the same seam as the plan
        i, j, _ = backend.pairs(np.nan_to_num(pts), np.nan_to_num(xy), radius)
        okp = np.isfinite(pts).all(axis=1)
        keep = okp[i] & np.isfinite(xy).all(axis=1)[j]
        return (i[keep], j[keep]), xy
    fin = np.isfinite(pts).all(axis=1)
    tree = cKDTree(np.nan_to_num(xy, nan=1e12))
    ii, jj = [], []
    for a in np.flatnonzero(fin):
        hit = tree.query_ball_point(pts[a], radius)
        ii += [a] * len(hit)
        jj += list(hit)
    return (np.asarray(ii, dtype=np.int64), np.asarray(jj, dtype=np.int64)), xy


def _reached(kelurahan, picked: list[int], scenario: Scenario, backend) -> dict[int, list[int]]:
    """Units a group at each pilot reaches (the pilot first, then by kode)."""
    pairs, _ = _reach_pairs(kelurahan, picked, scenario, backend)
    if pairs is None:
        return {i: [i] for i in picked}
    a, j = pairs
    kode = kelurahan["kode"].astype(str).to_numpy()
    out = {}
    for k, i in enumerate(picked):
        others = sorted({int(x) for x in j[a == k]} - {i}, key=lambda u: kode[u])
        out[i] = [i, *others]
    return out


def _beyond_reach(kelurahan, anchors: list[int], scenario: Scenario, backend=None) -> np.ndarray:
    """Units beyond the reach of every pilot and proposed site (units without a location are
    taken as beyond reach only when no unit has one)."""
    n = len(kelurahan)
    pairs, xy = _reach_pairs(kelurahan, anchors, scenario, backend)
    if pairs is None:
        return np.ones(n, dtype=bool)
    reached = np.zeros(n, dtype=bool)
    reached[pairs[1]] = True
    reached[np.asarray(anchors, dtype=np.int64)] = True
    return np.isfinite(xy).all(axis=1) & ~reached


#: each pilot's reasons as (code, parameters) parts (``pilot.why.*`` texts) live in the
#: internal column ``REASON_PARTS``: the publish step re-renders them from published figures


def _reason_parts(kel, i, rank, n, kab, kab_rank, has_agents, source="ranking") -> list:
    """A pilot's reasons as (code, parameters) parts, exact figures (the working tier)."""
    parts: list[tuple[str, dict]] = [
        (f"pilot.why.source_{source}", {"kab": str(kab)}),
        ("pilot.why.score", {"score": float(kel.at[i, "score"]), "rank": int(rank), "n": int(n)}),
        ("pilot.why.unserved", {"unserved": int(unserved_of(kel.iloc[[i]])[0])}),
    ]
    if not has_agents:
        parts.append(("pilot.why.no_agents", {}))
    if "dist_nearest_m" in kel.columns:
        d = pd.to_numeric(pd.Series([kel.at[i, "dist_nearest_m"]]), errors="coerce").iloc[0]
        if pd.notna(d):
            parts.append(("pilot.why.nearest", {"km": round(float(d) / 1000, 1)}))
        else:
            parts.append(("pilot.why.no_service", {}))
    parts.append(("pilot.why.choice", {"k": int(kab_rank), "kab": str(kab)}))
    return parts


def _comparisons(
    kel: pd.DataFrame, picked: list[int], pool: np.ndarray, base: np.ndarray, scenario: Scenario
) -> tuple[dict, dict]:
    """Nearest unit in standardised need-profile space among ``pool`` (beyond every reach, no
    agents, some unserved clients), same kab/kota preferred; each used at most once (pilots in
    order). Returns ({pilot: comparison}, {pilot: why none}) -- why: "reached" when the units
    without agents are all within reach, "agents" when none is left without agents, "used"
    when the others are taken by earlier pilots."""
    cols = [c for c in _PROFILE if c in kel.columns]
    if not picked:
        return {}, {}
    x = kel[cols].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    if not cols:
        x = np.zeros((len(kel), 1))
    mu = np.nanmean(x, axis=0)
    sd = np.nanstd(x, axis=0)
    sd[~(sd > 0)] = 1.0
    z = np.nan_to_num((x - mu) / sd)
    avail = pool.copy()
    avail[picked] = False
    kab = kel["kab_kota"].astype(object).to_numpy()
    kode = kel["kode"].astype(str).to_numpy()
    out, why = {}, {}
    # two passes: every pilot first looks in its own kab/kota, then the rest anywhere, so an
    # early pilot does not take the only comparison another kab/kota has
    for same_kab in (True, False):
        for i in picked:
            if i in out:
                continue
            cand = np.flatnonzero(avail)
            if same_kab:
                cand = cand[kab[cand] == kab[i]]
                if cand.size == 0:
                    continue
            if cand.size == 0:
                beyond = pool.copy()
                beyond[picked] = False
                others = base.copy()
                others[picked] = False
                why[i] = "used" if beyond.any() else ("reached" if others.any() else "agents")
                continue
            d = np.sqrt(((z[cand] - z[i]) ** 2).sum(axis=1))
            best = cand[np.lexsort((kode[cand], d))[0]]
            out[i] = int(best)
            avail[best] = False
    return out, why
