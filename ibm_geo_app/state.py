"""Widget state <-> :class:`ibm_geo.config.Scenario`, and the cache key of the analysis step.

Why here: the app's widgets hold flat session-state values; every Scenario field they show is
mapped in exactly one place, so a saved scenario reproduces the widgets and vice versa.
"""

from __future__ import annotations

import json
import re

from ibm_geo.config import STATUSES, Scenario
from ibm_geo.scoring import COMPONENTS

KINDS = ("boundaries", "clients", "agents", "service_points")
#: canonical columns offered on the column-mapping screen, per table
MAPPABLE: dict[str, list[str]] = {
    "boundaries": ["nama", "kode", "kecamatan", "kab_kota", "jenis"],
    "clients": ["kelurahan", "kode", "kecamatan", "kab_kota", "lat", "lon", "koordinat"]
    + ["tahun_rehab", "jenis_layanan", "tingkat", "status_pasca", "client_id", "name", "agen_id"],
    "agents": ["kelurahan", "kode", "kecamatan", "kab_kota", "lat", "lon", "koordinat"]
    + ["agen_id", "name", "kapasitas", "aktif", "tahun_rekrut"],
    "service_points": ["kelurahan", "kode", "kecamatan", "kab_kota", "lat", "lon", "koordinat"]
    + ["name", "jenis"],
}

# --------------------------------------------------------------------------- scenario <-> widgets
#: session-state keys of scenario widgets (persisted across steps by the app)
STATE_KEYS = (
    [f"w_{c}" for c in COMPONENTS]
    + ["radius_m", "default_capacity", "classification", "n_classes", "top_n"]
    + ["f_prov", "f_kab", "f_kec", "f_years", "f_status"]
    + ["p_model", "p_mode", "p_p", "p_budget", "p_cost", "p_radius", "p_capacity", "p_keep"]
    + ["p_cost_agent"]
    + ["p_quota", "pi_per_kab", "sc_name", "place_choices"]
)


def scenario_to_state(sc: Scenario, year_range: tuple[int, int] = (2015, 2025)) -> dict:
    """Widget values showing ``sc`` (used at start and when a scenario file is loaded)."""
    lo, hi = year_range
    f = sc.filters
    quota = {
        k: (sc.plan.min_per_kab.get(k, 0), sc.plan.max_per_kab.get(k))
        for k in sorted(set(sc.plan.min_per_kab) | set(sc.plan.max_per_kab))
    }
    out = {f"w_{c}": float(getattr(sc.weights, c)) for c in COMPONENTS}
    out.update(
        radius_m=int(sc.radius_m),
        default_capacity=int(sc.default_capacity),
        classification=sc.classification,
        n_classes=int(sc.n_classes),
        top_n=int(sc.top_n),
        f_prov=list(f.provinsi),
        f_kab=list(f.kab_kota),
        f_kec=list(f.kecamatan),
        f_years=(
            max(lo, f.year_min) if f.year_min is not None else lo,
            min(hi, f.year_max) if f.year_max is not None else hi,
        ),
        f_status=list(f.statuses) or list(STATUSES),
        p_model=sc.plan.model,
        p_mode="budget" if sc.plan.budget is not None else "p",
        p_p=int(sc.plan.p),
        p_budget=float(sc.plan.budget or 0.0),
        p_cost=float(sc.plan.cost_per_site),
        p_radius=int(sc.site_radius_m),
        p_capacity=int(sc.plan.capacity or 0),
        p_keep=bool(sc.plan.keep_existing),
        p_cost_agent=float(sc.plan.cost_per_agent_rp or 0.0),  # 0 = not set
        p_quota=quota,
        pi_per_kab=int(sc.pilots.per_kab if sc.pilots.per_kab is not None else 1),
        sc_name=sc.name,
        place_choices=dict(sc.place_choices),
    )
    return out


def scenario_from_state(
    state: dict, base: Scenario | None = None, year_range: tuple[int, int] = (2015, 2025)
) -> Scenario:
    """The Scenario the widgets describe; keys missing from ``state`` keep ``base``'s values.

    A year slider at the data's full range means "no year filter", and all statuses ticked means
    "no status filter", so a saved scenario does not pin the years of one data set.
    """
    sc = (base or Scenario()).model_copy(deep=True)
    data = sc.model_dump()
    g = state.get
    if all(f"w_{c}" in state for c in COMPONENTS):
        w = {c: float(state[f"w_{c}"]) for c in COMPONENTS}
        if sum(w.values()) <= 0:  # all sliders at zero: keep the previous weights
            w = data["weights"]
        data["weights"] = w
    for key in ("radius_m", "default_capacity", "classification", "n_classes", "top_n"):
        if key in state:
            data[key] = state[key]
    if "place_choices" in state:
        data["place_choices"] = {str(k): str(v) for k, v in (state["place_choices"] or {}).items()}
    if "sc_name" in state and str(state["sc_name"]).strip():
        data["name"] = str(state["sc_name"]).strip()
    f = data["filters"]
    f["provinsi"] = list(g("f_prov", f["provinsi"]))
    f["kab_kota"] = list(g("f_kab", f["kab_kota"]))
    f["kecamatan"] = list(g("f_kec", f["kecamatan"]))
    if "f_years" in state:
        lo, hi = state["f_years"]
        f["year_min"] = None if lo <= year_range[0] else int(lo)
        f["year_max"] = None if hi >= year_range[1] else int(hi)
    if "f_status" in state:
        st_ = [s for s in STATUSES if s in state["f_status"]]
        f["statuses"] = [] if len(st_) == len(STATUSES) else st_
    p = data["plan"]
    p["model"] = g("p_model", p["model"])
    p["p"] = int(g("p_p", p["p"]))
    if g("p_mode") == "budget":
        p["budget"] = float(g("p_budget", 0.0))
    elif "p_mode" in state:
        p["budget"] = None
    p["cost_per_site"] = float(g("p_cost", p["cost_per_site"]))
    if "p_radius" in state:
        p["radius_m"] = float(state["p_radius"]) or None
    if "p_capacity" in state:
        p["capacity"] = int(state["p_capacity"]) or None
    p["keep_existing"] = bool(g("p_keep", p["keep_existing"]))
    if "p_cost_agent" in state:  # 0 = not set: the deck then leaves the cost line out
        p["cost_per_agent_rp"] = float(state["p_cost_agent"] or 0.0) or None
    if "p_quota" in state:
        q = state["p_quota"] or {}
        p["min_per_kab"] = {k: int(v[0]) for k, v in q.items() if v[0]}
        p["max_per_kab"] = {k: int(v[1]) for k, v in q.items() if v[1] is not None}
    if "pi_per_kab" in state:
        data["pilots"]["per_kab"] = int(state["pi_per_kab"])
    return Scenario.model_validate(data)


#: scenario fields that only re-scoring, planning or labels read: the analysis ignores them
SCORE_ONLY = ("name", "description", "weights", "classification", "n_classes", "fixed_breaks")
SCORE_ONLY += ("top_n", "stability_draws", "stability_spread", "plan", "pilots")


def analysis_scenario(sc: Scenario) -> Scenario:
    """The scenario ``analyze_joined`` runs with: ``sc`` with every score-only field at its
    default and no stability draws, so a weight change hits the cached analysis and only
    ``rescore`` runs (with the real weights, once)."""
    base = Scenario()
    update = {k: getattr(base, k) for k in SCORE_ONLY if k in Scenario.model_fields}
    update["stability_draws"] = 0
    return sc.model_copy(update=update)


def analysis_key(sc: Scenario) -> str:
    """Cache key of ``analyze_joined``: the scenario without what only ``rescore``/plan use."""
    d = sc.model_dump(mode="json")
    for k in SCORE_ONLY:
        d.pop(k, None)
    return json.dumps(d, sort_keys=True)


def plan_key(sc: Scenario, data_key: str) -> str:
    """What a plan and its pilots were computed from: the data and every scenario field but the
    name; when it changes, the kept plan is shown as "perlu dihitung ulang" until re-run."""
    d = sc.model_dump(mode="json")
    d.pop("name", None)
    d.pop("description", None)
    return data_key + json.dumps(d, sort_keys=True)


# ------------------------------------------------------------------------------------- app flow
_NUMBER = re.compile(r"^\s*\d+\s*[.)]\s*")


def step_labels(steps: tuple[str, ...], text) -> dict[str, str]:
    """{step: "N. Name"} numbered by position in the sidebar: the number is not part of any
    text, so a step added by a mode (the office's Kantor) can never repeat another's number.
    ``text(step)`` gives the step's name (a leading number in it is dropped)."""
    return {s: f"{i}. {_NUMBER.sub('', text(s))}" for i, s in enumerate(steps, start=1)}


#: session keys that belong to one data set and are dropped when another one is loaded: the
#: chosen village (the map opens on the new data's rank 1) and the rehab-year range (the
#: demo's 2019-2025 kept on an upload without years filtered every client out)
SELECTION_KEYS = ("selected_kode", "map_pick", "plan_map_pick", "map_last_click")
SELECTION_KEYS += ("plan_map_last_click", "why_not_pick", "f_years")


def data_mode(is_demo: bool) -> str:
    """The data step's source choice that shows what is loaded: "upload" after an upload."""
    return "demo" if is_demo else "upload"


def scenario_diff(a: Scenario, b: Scenario, limit: int = 3) -> list[str]:
    """Settings where ``b`` differs from ``a``, as ``field=value`` (at most ``limit``): what
    tells two scenarios of the same name apart."""

    def flat(d: dict, prefix: str = "") -> dict:
        out = {}
        for k, v in d.items():
            if k in ("name", "place_choices"):
                continue
            if isinstance(v, dict):
                out.update(flat(v, f"{prefix}{k}."))
            else:
                out[f"{prefix}{k}"] = v
        return out

    fa, fb = flat(a.model_dump(mode="json")), flat(b.model_dump(mode="json"))
    diff = [f"{k}={fb.get(k)}" for k in sorted(set(fa) | set(fb)) if fa.get(k) != fb.get(k)]
    return diff[:limit] + (["..."] if len(diff) > limit else [])
