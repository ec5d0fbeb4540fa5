""" "Why not village X?": the reason, in plain words, that a kelurahan is not a proposed site or a
pilot, so a planner can answer the question at a rakor.

Decisions use the real figures (the same the plan used). The figures quoted are the working
tier's (exact, for the planner's screen) or, given ``published``
(:class:`ibm_geo.publish.Published`, what the CLI prints), the published tier's, so a printed
answer discloses nothing the published ranking and plan do not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ibm_geo.config import Scenario
from ibm_geo.i18n import fmt_num, t
from ibm_geo.plan.reach import plan_backend, reach_text
from ibm_geo.plan.recruitment import RecruitmentPlan
from ibm_geo.plan.units import find_unit, unit_xy


@dataclass
class WhyNot:
    """The answer for one kelurahan: sentence keys with their figures, rendered per language."""

    kode: str
    nama: str
    site: list[tuple[str, dict]] = field(default_factory=list)
    pilot: list[tuple[str, dict]] = field(default_factory=list)

    def lines(self, lang: str = "id") -> list[str]:
        return [_say(k, lang, **v) for k, v in [*self.site, *self.pilot]]

    def text(self, lang: str = "id") -> str:
        return "\n".join(self.lines(lang))


def _say(key: str, lang: str, **values) -> str:
    """The sentence with its figures in the reader's number format (``8,0`` km, ``1.300``)."""
    return t(f"why.{key}", lang, **{k: _figure(v, lang) for k, v in values.items()})


def _figure(v: object, lang: str) -> object:
    """Counts and ranks (ints) grouped, scores and km (floats) with one decimal; text unchanged
    (an (id, en) pair: the reader's language)."""
    if isinstance(v, tuple) and len(v) == 2:
        return v[0] if lang == "id" else v[1]
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        return v
    return fmt_num(v, lang, 1 if isinstance(v, float | np.floating) else 0)


def why_not(
    kelurahan: pd.DataFrame,
    scenario: Scenario,
    name: str,
    *,
    kecamatan: str | None = None,
    plan: RecruitmentPlan | None = None,
    pilots: pd.DataFrame | None = None,
    backend=None,
    published=None,
) -> WhyNot:
    """Why ``name`` is (not) a proposed site and (not) a pilot under ``scenario``.

    ``backend`` (:mod:`ibm_geo.distance`, roads) measures reach as the plan did; default
    straight line. ``published``: quote the published tier's figures (see module doc)."""
    kel = kelurahan.reset_index(drop=True)
    backend = plan_backend(kel, scenario, backend)
    i = find_unit(kel, name, kecamatan)
    pub, pubs, shown_plan, kel_shown = _shown_tier(kel, plan, published)
    kode = str(kel["kode"].iat[i])
    nama = str(kel["nama"].iat[i])
    ans = WhyNot(kode=kode, nama=nama)
    unserved = float(pd.to_numeric(pd.Series([kel["unserved"].iat[i]])).fillna(0).iat[0])
    pub_unserved = pub["unserved"].iat[i] if "unserved" in pub else "?"
    if plan is None:
        ans.site.append(("site.no_plan", {}))
    else:
        ans.site.append(
            _site_reason(kel, scenario, plan, i, unserved, backend, pubs, shown_plan, kel_shown)
        )
    return _pilot_part(ans, kel, scenario, pilots, pub, i, unserved, pub_unserved, plan)


def _shown_tier(kel: pd.DataFrame, plan, published):
    """The tier whose figures are quoted: (units, sites, plan, units for a what-if reach). The
    published tier when given; decisions stay on the exact table."""
    if published is None:
        return kel, (plan.sites if plan is not None else None), plan, kel
    shown = published.ranking.set_index(published.ranking["kode"].astype(str))
    pub = shown.reindex(kel["kode"].astype(str)).reset_index(drop=True)
    num = pd.to_numeric(pub["unserved"], errors="coerce").fillna(0)
    return pub, published.sites, published.plan, kel.assign(unserved=num.to_numpy())


def _site_reason(kel, scenario, plan, i, unserved, backend, pubs, shown_plan, kel_shown):
    """The recruitment-site half of the answer: one (text key, values)."""
    kode = str(kel["kode"].iat[i])
    nama = str(kel["nama"].iat[i])
    kab = kel["kab_kota"].iat[i]
    radius = scenario.site_radius_m
    sites = plan.sites
    codes = sites["kode"].astype(str).tolist()
    asg = plan.assignment
    row = asg[asg["kode"].astype(str) == kode]
    by_rank = sites["chosen_by"].astype(str).tolist() if "chosen_by" in sites else []
    if kode in codes and by_rank and by_rank[codes.index(kode)] == "ranking":
        return ("site.ranking", {"nama": nama})
    if kode in codes:
        j = codes.index(kode)
        rank = int(sites["contribution_rank"].iat[j])
        return ("site.chosen", {"nama": nama, "rank": rank, "reach": _shown_reach(pubs, kode)})
    if unserved <= 0:
        return ("site.no_unserved", {"nama": nama})
    if kode in set(map(str, scenario.plan.forbidden)):
        return ("site.forbidden", {"nama": nama})
    if len(row) and bool(row["covered_before"].iat[0]) and not _left(row):
        if scenario.plan.reach == "desa":
            reach = reach_text(scenario, "id"), reach_text(scenario, "en")
            return ("site.reached_existing_desa", {"nama": nama, "reach": reach})
        return ("site.reached_existing", {"nama": nama, "radius_km": _km(radius)})
    if len(row) and row["site_kode"].notna().iat[0] and not _left(row):
        sk = str(row["site_kode"].iat[0])
        sname = kel.loc[kel["kode"].astype(str) == sk, "nama"]
        site = sname.iat[0] if len(sname) else sk
        dist = _km(float(row["distance_m"].iat[0]))
        return ("site.reached_new", {"nama": nama, "site": site, "dist_km": dist})
    cap = _quota_full(sites, scenario, kab)
    if cap is not None:
        return ("site.quota", {"kab_kota": kab, "max": cap})
    reach = _reach_if_opened(kel, plan, i, radius, backend)  # the decision: exact
    if reach <= 1e-9:
        texts = reach_text(scenario, "id"), reach_text(scenario, "en")
        return ("site.no_new_clients", {"nama": nama, "reach": texts})
    # the figure quoted: the shown tier's (exact on screen, published in print)
    shown = int(round(_reach_if_opened(kel_shown, shown_plan, i, radius, backend)))
    last = pubs["newly_reached"].iat[-1] if len(pubs) else 0
    last = int(round(float(last))) if last is not None else 0
    return ("site.weaker", {"nama": nama, "reach": shown, "last": last, "p": len(sites)})


def _in_plan(plan, kode: str) -> bool:
    return plan is not None and kode in set(plan.sites["kode"].astype(str))


def _pilot_part(ans, kel, scenario, pilots, pub, i, unserved, pub_unserved, plan=None) -> WhyNot:
    """The pilot half of the answer."""
    nama = ans.nama
    kode = ans.kode
    kab = kel["kab_kota"].iat[i]
    if pilots is None or not len(pilots):
        ans.pilot.append(("pilot.none", {}))
        return ans
    pcodes = pilots["kode"].astype(str).tolist()
    comp = pilots["comparison_kode"].astype(str).tolist() if "comparison_kode" in pilots else []
    score = pub["score"].iat[i] if "score" in pub else kel["score"].iat[i]
    rank = kel["rank"].iat[i] if "rank" in kel else "?"
    if kode in pcodes:
        ans.pilot.append(("pilot.chosen", {"nama": nama}))
    elif kode in comp:
        p = pilots["nama"].iat[comp.index(kode)]
        ans.pilot.append(("pilot.comparison", {"nama": nama, "pilot": p}))
    elif "source" in pilots and (pilots["source"] == "required").all():
        names = ", ".join(map(str, pilots["nama"]))
        ans.pilot.append(("pilot.required", {"names": names}))
    elif unserved < scenario.pilots.min_unserved:
        ans.pilot.append(
            (
                "pilot.few_unserved",
                {"unserved": pub_unserved, "min": scenario.pilots.min_unserved},
            )
        )
    elif scenario.pilots.exclude_existing and _agents(kel, i) > 0:
        ans.pilot.append(("pilot.has_agents", {"agents": _agents(kel, i)}))
    elif "source" in pilots and (pilots["source"] == "plan").all() and not _in_plan(plan, kode):
        ans.pilot.append(("pilot.not_in_plan", {"nama": nama}))
    else:
        same = pilots[pilots["kab_kota"] == kab]
        per = scenario.pilots.per_kab
        if per is not None and len(same) >= per:
            ans.pilot.append(
                (
                    "pilot.kab_full",
                    {
                        "kab_kota": kab,
                        "n": len(same),
                        "names": ", ".join(map(str, same["nama"])),
                        "nama": nama,
                        "score": score,
                        "rank": rank,
                    },
                )
            )
        else:
            ans.pilot.append(("pilot.outranked", {"score": score, "rank": rank}))
    return ans


def _left(row: pd.DataFrame) -> bool:
    """Unserved demand of the unit still unreached after the plan (capacity may leave some)."""
    return (
        float(row["demand"].iat[0])
        - float(row["reached_before"].iat[0])
        - float(row["reached_new"].iat[0])
        > 1e-6
    )


def _km(m: float) -> float | str:
    """Kilometres (formatted per language by :func:`_say`), ``?`` when unknown."""
    return "?" if not np.isfinite(m) else float(m) / 1000


def _agents(kel: pd.DataFrame, i: int) -> int:
    if "agents_active" not in kel:
        return 0
    return int(pd.to_numeric(pd.Series([kel["agents_active"].iat[i]])).fillna(0).iat[0])


def _quota_full(sites: pd.DataFrame, scenario: Scenario, kab) -> int | None:
    same = " ".join(str(kab).split()).casefold()
    for key, cap in scenario.plan.max_per_kab.items():
        named = " ".join(str(key).split()).casefold() == same
        if named and int((sites["kab_kota"] == kab).sum()) >= cap:
            return int(cap)
    return None


def _shown_reach(sites: pd.DataFrame | None, kode: str) -> object:
    """A site's clients reached as the shown tier has it (whole clients)."""
    if sites is None or not len(sites):
        return 0
    v = sites.loc[sites["kode"].astype(str) == kode, "newly_reached"]
    if not len(v) or v.iat[0] is None:
        return "–"
    return int(round(float(v.iat[0])))


def _reach_if_opened(
    kel: pd.DataFrame, plan: RecruitmentPlan, i: int, radius: float, backend=None
) -> float:
    """Unserved clients a group at unit ``i`` would add to the plan: what is still unreached
    within the radius, up to one group's caseload."""
    xy = unit_xy(kel, getattr(backend, "crs", None))
    asg = plan.assignment.reset_index(drop=True)
    left = (asg["demand"] - asg["reached_before"] - asg["reached_new"]).clip(lower=0)
    if xy is None or len(asg) != len(kel):
        return float(left.iat[i])
    if backend is not None:
        _, j, _ = backend.pairs(xy[i : i + 1], np.nan_to_num(xy), radius)
        near = np.zeros(len(kel), dtype=bool)
        near[j] = True
    else:
        near = np.hypot(*(xy - xy[i]).T) <= radius
    got = float(left.to_numpy()[near].sum())
    if plan.new_group_capacity is not None:
        got = min(got, plan.new_group_capacity)
    return got
