"""Phased rollout over budget years (``scenario.plan.phases``): "1 group in 2021, 3 more in 2022".

The plan is built year by year. Year Y plans for the clients known by then (rehab year <= Y,
when the register's years are given; clients without a year count from the first phase, since
they are in the register now) and every group placed in an earlier year is an existing agent
with one group's capacity (``plan_recruitment(prior_sites=...)``), so a later year only adds
what the earlier groups cannot reach. Outputs: the ``tahap`` table (one row per new group: year,
site, clients reached, cumulative), one row per year (groups asked and placed, demand, reached,
target) and the coverage curve of each year.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from ibm_geo.config import Scenario, updated
from ibm_geo.coverage import UNSERVED
from ibm_geo.i18n import t, text_column
from ibm_geo.pipeline import filter_mask
from ibm_geo.plan.recruitment import RecruitmentPlan, plan_recruitment

TAHAP_COLUMNS = [
    "tahun",
    "urutan",
    "kode",
    "nama",
    "kecamatan",
    "kab_kota",
    "agents_to_recruit",
    "clients_reached",
    "cumulative_reached",
    "chosen_by",
    "reason_id",
    "reason_en",
]
YEAR_COLUMNS = [
    "tahun",
    "groups_requested",
    "groups_placed",
    "groups_by_ranking",
    "demand",
    "reached_new",
    "covered_after",
    "target",
    "target_met",
    "note_id",
    "note_en",
]


@dataclass
class PhasedPlan:
    """Year-by-year plans and the tables built from them."""

    plans: dict[int, RecruitmentPlan]
    tahap: pd.DataFrame
    years: pd.DataFrame
    curves: pd.DataFrame
    notes: dict = field(default_factory=dict)

    def lines(self, lang: str = "id") -> list[str]:
        """One line per year (placed groups, reach, target) plus the year's group accounting."""
        out = []
        for _, y in self.years.iterrows():
            rows = self.tahap[self.tahap["tahun"] == y["tahun"]]
            names = ", ".join(map(str, rows["nama"])) or t("phase.none", lang)
            cum = rows["cumulative_reached"].iat[-1] if len(rows) else self._cum_before(y["tahun"])
            line = t(
                "phase.year",
                lang,
                tahun=int(y["tahun"]),
                placed=int(y["groups_placed"] + y["groups_by_ranking"]),
                names=names,
                reached=_n(y["reached_new"]),
                cumulative=_n(cum),
            )
            if pd.notna(y["target"]):
                met = bool(y["target_met"])
                status = (
                    t("phase.met", lang)
                    if met
                    else t("phase.not_met", lang, covered=_n(y["covered_after"]))
                )
                line += "; " + t("phase.target", lang, target=_n(y["target"]), status=status)
            note = y[text_column("note", lang)]
            out.append(line + (f". {note}" if note else "."))
        return out

    def _cum_before(self, year) -> float:
        prev = self.tahap[self.tahap["tahun"] < year]
        return float(prev["cumulative_reached"].iat[-1]) if len(prev) else 0.0

    def sheets(self) -> dict[str, pd.DataFrame]:
        """XLSX/CSV sheets: ``tahap`` (per group), ``tahap_tahun`` (per year), ``kurva_tahap``
        (coverage curve per year)."""
        return {"tahap": self.tahap, "tahap_tahun": self.years, "kurva_tahap": self.curves}


def _n(v) -> str:
    v = float(v)
    return f"{v:.0f}" if v.is_integer() else f"{v:.1f}"


def unserved_by_year(result) -> pd.DataFrame:
    """Unserved clients per kelurahan and rehab year (``kode, tahun, unserved``; ``tahun`` NaN
    for clients without a readable year), from an :class:`~ibm_geo.pipeline.AnalysisResult`.
    Internal (exact counts), read by :func:`plan_phases`; never exported."""
    cl = result.clients
    units = result.joined.units
    keep = filter_mask(cl, result.scenario) & (cl["unit"].to_numpy() >= 0)
    keep &= (cl["coverage"] == UNSERVED).to_numpy(dtype=bool)
    sub = cl.loc[keep, ["unit", "tahun_rehab"]]
    kode = units["kode"].astype(str).to_numpy()[sub["unit"].to_numpy(dtype=np.int64)]
    df = pd.DataFrame(
        {"kode": kode, "tahun": pd.to_numeric(sub["tahun_rehab"], errors="coerce").to_numpy()}
    )
    return (
        df.groupby(["kode", "tahun"], dropna=False).size().rename("unserved").reset_index()
        if len(df)
        else pd.DataFrame({"kode": [], "tahun": [], "unserved": []})
    )


def _demand_in(kel: pd.DataFrame, yearly: pd.DataFrame, year: int) -> np.ndarray:
    """Unserved clients of each unit known by ``year`` (rehab year <= year, or no year)."""
    y = pd.to_numeric(yearly["tahun"], errors="coerce")
    known = yearly[(y <= year) | y.isna()]
    per = known.groupby(known["kode"].astype(str))["unserved"].sum()
    return kel["kode"].astype(str).map(per).fillna(0).to_numpy(dtype=float)


def plan_phases(
    kelurahan: gpd.GeoDataFrame,
    scenario: Scenario,
    *,
    yearly_unserved: pd.DataFrame | None = None,
    existing_agents: pd.DataFrame | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    backend=None,
) -> PhasedPlan:
    """The rollout of ``scenario.plan.phases``, year by year (see the module docstring).

    Each year is an MCLP with that year's ``groups`` (and ``budget``); every other plan setting
    (reach model, capacity, quotas, place_all) applies to each year. ``yearly_unserved``
    (:func:`unserved_by_year`) dates the demand; without it every year plans for today's
    unserved clients. A year's ``target`` is compared with the clients reached by all groups
    (existing, earlier phases, this year) among the clients known that year.
    """
    phases = scenario.plan.phases
    if not phases:
        raise ValueError("scenario.plan.phases is empty")
    kel = kelurahan.reset_index(drop=True)
    plans: dict[int, RecruitmentPlan] = {}
    prior = pd.DataFrame({"kode": pd.Series(dtype=object)})
    requested: dict[int, int] = {}
    for ph in phases:
        kel_y = kel
        if yearly_unserved is not None:
            kel_y = kel.copy()
            kel_y["unserved"] = _demand_in(kel, yearly_unserved, ph.year)
        if ph.groups is not None:
            p = ph.groups
        else:
            per = scenario.plan.cost_per_site or 1.0
            p = int(np.floor((ph.budget or 0.0) / per + 1e-9))
        sc = updated(scenario, f"plan.phases[{ph.year}]", plan={"p": p, "budget": ph.budget})
        requested[ph.year] = p
        plan = plan_recruitment(
            kel_y,
            sc,
            existing_agents=existing_agents,
            candidates=candidates,
            backend=backend,
            prior_sites=prior,
        )
        plans[ph.year] = plan
        prior = pd.concat([prior, plan.sites[["kode"]]], ignore_index=True)
    tahap, years, curve = phase_tables(plans, scenario, requested)
    return PhasedPlan(plans=plans, tahap=tahap, years=years, curves=curve)


def phase_tables(
    plans: dict[int, RecruitmentPlan], scenario: Scenario, requested: dict[int, int]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ``tahap`` (per group), ``tahap_tahun`` (per year) and curve tables of year-by-year
    plans: one definition for the working tier's exact plans and the published tier's
    re-evaluated ones (:func:`ibm_geo.publish.published_phases`)."""
    targets = {ph.year: ph.target for ph in scenario.plan.phases}
    tahap_rows: list[dict] = []
    year_rows: list[dict] = []
    curves = []
    cumulative = 0.0
    for year, plan in plans.items():
        ph_target = targets.get(year)
        p = requested.get(year)
        for _, s in plan.sites.iterrows():
            cumulative += float(s["newly_reached"])
            tahap_rows.append(
                {
                    "tahun": year,
                    "urutan": int(s["contribution_rank"]),
                    "kode": s["kode"],
                    "nama": s["nama"],
                    "kecamatan": s["kecamatan"],
                    "kab_kota": s["kab_kota"],
                    "agents_to_recruit": int(s["agents_to_recruit"]),
                    "clients_reached": float(s["newly_reached"]),
                    "cumulative_reached": cumulative,
                    "chosen_by": s["chosen_by"],
                    **{
                        text_column("reason", lang): t(
                            f"phase.why.{s['chosen_by']}",
                            lang,
                            rank=int(s["contribution_rank"]),
                            tahun=year,
                            reach=plan.reach_text.get(lang, ""),
                        )
                        for lang in ("id", "en")
                    },
                }
            )
        met = None if ph_target is None else bool(plan.covered_after >= ph_target - 1e-9)
        year_rows.append(
            {
                "tahun": year,
                "groups_requested": p,
                "groups_placed": plan.placed,
                "groups_by_ranking": plan.by_ranking,
                "demand": plan.total_demand,
                "reached_new": plan.covered_after - plan.covered_before,
                "covered_after": plan.covered_after,
                "target": ph_target,
                "target_met": met,
                "note_id": plan.groups_line("id"),
                "note_en": plan.groups_line("en"),
            }
        )
        curves.append(plan.curve.assign(tahun=year))
    tahap = pd.DataFrame(tahap_rows, columns=TAHAP_COLUMNS)
    years = pd.DataFrame(year_rows, columns=YEAR_COLUMNS)
    years["target"] = years["target"].astype("Int64")
    years["target_met"] = years["target_met"].astype("boolean")
    curve = pd.concat(curves, ignore_index=True)
    curve = curve[["tahun", *[c for c in curve.columns if c != "tahun"]]]
    return tahap, years, curve


def _num(v) -> object:
    v = float(v)
    return int(v) if v.is_integer() else round(v, 1)
