"""Plan answers a planner can defend: spare capacity only, caseloads of new groups, quotas
that cannot be met are errors, fallbacks are written, comparison villages out of reach."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from _helpers import line_kelurahan, scen
from typer.testing import CliRunner

from ibm_geo.config import PilotConfig, PlanConfig, Scenario
from ibm_geo.errors import UserError
from ibm_geo.i18n import fmt_num
from ibm_geo.plan import Problem, choose_pilots, plan_recruitment
from ibm_geo.plan.coverage_matrix import build_coverage
from ibm_geo.plan.greedy import greedy_mclp
from ibm_geo.plan.pilots import unit_xy


def test_full_agent_covers_nobody():
    # two active agents in unit 1, no spare capacity left: before any new group nobody is
    # reached, although units 0, 1, 2 (7 unserved) lie within their radius
    kel = line_kelurahan(agents=(0, 2, 0, 0, 0), spare=(0, 0, 0, 0, 0))
    plan = plan_recruitment(kel, scen(p=1))
    assert plan.covered_before == 0
    assert plan.curve["covered"].iloc[0] == 0
    assert not plan.assignment["covered_before"].any()
    assert plan.objective == pytest.approx(7)  # one new group at unit 1 reaches 5 + 1 + 1
    # the same agents with 4 places left reach 4 (nearest first: unit 1 itself, then 0)
    some = plan_recruitment(kel.assign(agent_spare=[0, 4, 0, 0, 0]), scen(p=0))
    assert some.covered_before == pytest.approx(4)
    # the same in the uncapacitated model: spare capacity still bounds the existing agents
    unl = plan_recruitment(kel, scen(p=1, unlimited_capacity=True))
    assert unl.covered_before == 0 and unl.objective == pytest.approx(7)
    unl4 = plan_recruitment(
        kel.assign(agent_spare=[0, 4, 0, 0, 0]), scen(p=0, unlimited_capacity=True)
    )
    assert unl4.covered_before == pytest.approx(4)


def test_one_group_of_five_with_capacity_ten_reaches_at_most_fifty():
    kel = line_kelurahan(unserved=(40, 62, 0, 0, 0))  # 102 unserved within reach of unit 0/1
    sc = Scenario(
        group_size=5, default_capacity=10, plan=PlanConfig(p=1, reach="radius", radius_m=1200)
    )
    plan = plan_recruitment(kel, sc)
    assert plan.new_group_capacity == 50
    assert plan.sites["newly_reached"].sum() == pytest.approx(50)
    assert plan.objective == pytest.approx(50)
    assert plan.curve["covered"].max() <= 50 * sc.plan.curve_max_p + 1e-9
    assert plan.curve["covered"].iloc[1] == pytest.approx(50)
    # greedy gives the same answer and says it is greedy by choice
    g = plan_recruitment(
        kel, sc.model_copy(update={"plan": sc.plan.model_copy(update={"exact": False})})
    )
    assert g.objective == pytest.approx(50) and g.fallback == ""
    # unlimited only when asked
    unl = plan_recruitment(
        kel, Scenario(plan=PlanConfig(p=1, reach="radius", radius_m=1200, unlimited_capacity=True))
    )
    assert unl.objective == pytest.approx(102)


@pytest.mark.parametrize(
    ("plan_kw", "code", "needle"),
    [
        ({"p": 2, "min_per_kab": {"Kab. B": 1}}, "plan.quota_unknown_kab", "Kab B, Kota A"),
        ({"p": 2, "max_per_kab": {"Kota Z": 1}}, "plan.quota_unknown_kab", "Kab B, Kota A"),
        ({"p": 2, "min_per_kab": {"Kab B": 2, "Kota A": 1}}, "plan.quota_min_above_p", "3"),
        ({"p": 5, "min_per_kab": {"Kab B": 3}}, "plan.quota_min_above_candidates", "Kab B"),
        (
            {"p": 5, "min_per_kab": {"Kab B": 2}, "max_per_kab": {"Kab B": 1}},
            "plan.quota_min_above_max",
            "1",
        ),
        ({"p": 5, "min_per_kab": {"Kab B": 2}, "budget": 1.0}, "plan.quota_min_above_budget", "2"),
    ],
)
def test_impossible_or_unknown_quota_is_an_error(plan_kw, code, needle):
    with pytest.raises(UserError) as ei:
        plan_recruitment(line_kelurahan(), scen(**plan_kw))
    assert ei.value.code == code
    assert needle in str(ei.value)
    assert needle in ei.value.message("id")


def test_quota_names_are_matched_case_and_space_insensitively():
    plan = plan_recruitment(line_kelurahan(), scen(p=2, min_per_kab={"  kab  b ": 2}))
    assert list(plan.sites["kab_kota"]) == ["Kab B", "Kab B"]


def test_cli_quota_error_exits_2_with_one_line(tmp_path):
    from ibm_geo.cli import app
    from ibm_geo.demo import demo_paths

    d = demo_paths()
    scenario = tmp_path / "s.toml"
    sc = Scenario(plan=PlanConfig(p=2, min_per_kab={"Kab. Buleleng": 3}))
    scenario.write_bytes(sc.to_bytes("toml"))
    args = ["plan", "--boundaries", str(d["boundaries"]), "--clients", str(d["clients"])]
    args += [
        "--agents",
        str(d["agents"]),
        "--out",
        str(tmp_path / "o"),
        "--scenario",
        str(scenario),
    ]
    r = CliRunner().invoke(app, args)
    assert r.exit_code == 2
    out = r.output.strip()
    assert "Kab. Buleleng" in out and "Kota Denpasar" in out
    assert "Traceback" not in out


def test_fallback_is_written_in_every_plan_output(tmp_path, monkeypatch):
    import ibm_geo.plan.solvers as solvers
    from ibm_geo.export import tables as ex

    monkeypatch.setattr(solvers, "MAX_CAPACITATED_PAIRS", 0)
    kel = line_kelurahan()
    plan = plan_recruitment(kel, scen(p=2))
    assert plan.method == "greedy" and "too large" in plan.fallback
    assert (plan.sites["solver"].str.contains("fallback")).all()
    sc = scen(p=2)
    from ibm_geo.publish import publish_table

    pub = publish_table(kel, sc, plan=plan)
    assert pub.plan.fallback == plan.fallback  # the published plan is the same decision
    csv = pd.read_csv(io.StringIO(ex.plan_csv(pub).decode("utf-8-sig")))
    assert csv["kode"].tolist() == plan.sites["kode"].tolist()
    assert csv["solver"].str.contains("fallback").all()
    summary = plan.summary().set_index("metric")["value"]
    assert "fallback" in summary["solver"]
    # ... and said in the reader's language: the reason is a catalog entry, not free English
    from ibm_geo.plan.result import fallback_text, solver_text

    pairs = int(plan.fallback.split("(")[1].split(" ")[0].replace(",", ""))
    assert pairs > 0
    assert fallback_text(plan.fallback, "id") == (
        f"model berkapasitas terlalu besar untuk solver eksak ({fmt_num(pairs)} pasangan)"
    )
    line = solver_text(plan.sites["solver"].iloc[0], "id")
    assert line.startswith("heuristik bertahap (greedy) karena solver eksak tidak selesai")
    assert "too large" not in line and f"({fmt_num(pairs)} pasangan))" in line
    assert fallback_text("HiGHS: Time limit reached", "id") == "HiGHS: batas waktu tercapai"
    assert fallback_text("HiGHS: Time limit reached", "en") == "HiGHS: Time limit reached"
    # the exact answer says so, too
    monkeypatch.setattr(solvers, "MAX_CAPACITATED_PAIRS", 10**6)
    ok = plan_recruitment(kel, sc)
    assert ok.fallback == "" and ok.sites["solver"].str.startswith("highs").all()


def test_problem_is_built_once_and_shared():
    xy = np.column_stack([np.arange(5) * 1000.0, np.zeros(5)])
    cov = build_coverage(xy, xy, 1000.0)
    pb = Problem.build(cov, [5.0, 1, 1, 1, 5], 1, capacity=4.0)
    g = greedy_mclp(pb)
    assert g.objective == pytest.approx(4.0)
    # a fixed site with 2 spare places pre-allocates nearest first in the uncapacitated model
    pb2 = Problem.build(cov, [5.0, 1, 1, 1, 5], 1, fixed=[0], fixed_capacity=2.0)
    assert pb2.pre_served == 2.0 and pb2.weights.tolist() == [3.0, 1, 1, 1, 5]
    assert len(pb2.fixed) == 0


def test_comparison_villages_lie_beyond_every_pilot_and_site():
    # 12 units 1 km apart; pilots and sites reach 1.2 km; comparisons must be farther
    n = 12
    kel = line_kelurahan(
        unserved=(9, 8, 1, 7, 8, 9, 2, 8, 1, 6, 9, 8), agents=(0,) * n, spare=(0,) * n
    )
    kel["kab_kota"] = "Kota A"
    kel["score"] = np.linspace(90, 40, n)
    kel["clients"] = kel["unserved"] + 2
    kel["c_unserved_count"] = kel["unserved"] / 9
    sc = Scenario(
        radius_m=1200,
        plan=PlanConfig(p=2, reach="radius", radius_m=1200),
        pilots=PilotConfig(per_kab=3, min_unserved=5),
    )
    sc = sc.model_copy(update={"pilots": PilotConfig(per_kab=2, min_unserved=5)})
    # pilots are the plan's first sites (0 and 5); site 7 is a third site, not a pilot
    sites = pd.DataFrame({"kode": kel["kode"].iloc[[0, 5, 7]].to_numpy()})
    pilots = choose_pilots(kel, sc, sites=sites)
    assert list(pilots["nama"]) == ["Kel 0", "Kel 5"] and (pilots["source"] == "plan").all()
    assert pilots["comparison_kode"].notna().all()
    # what each pilot reaches in the radius model: itself and the units within 1.2 km
    assert list(pilots["reach_names"]) == ["Kel 0, Kel 1", "Kel 5, Kel 4, Kel 6"]
    assert list(pilots["reach_clients"]) == [9 + 8, 9 + 8 + 2]
    xy = unit_xy(kel)
    pos = {k: i for i, k in enumerate(kel["kode"])}
    anchors = [pos[k] for k in pilots["kode"]] + [7]
    for ck in pilots["comparison_kode"]:
        d = np.hypot(*(xy[anchors] - xy[pos[ck]]).T)
        assert d.min() > 1200, (ck, d)
    # without the distance rule the nearest neighbour in profile would have been picked
    # (units 1, 4, 6 and 8 sit next to the pilots and site 7): the rule changes the answer
    assert not set(pilots["comparison_kode"]) & {kel["kode"].iloc[i] for i in (1, 4, 6, 8)}
