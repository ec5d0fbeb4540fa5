"""Cost per agent is an app field (issue 23): the Rencana step sets ``plan.cost_per_agent_rp``,
0 means not set, and the deck states the plan's cost only when it is set."""

from __future__ import annotations

import io
import re

from _helpers import app_on_plan_step
from pptx import Presentation

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.pipeline import analyze
from ibm_geo.plan import choose_pilots, plan_recruitment
from ibm_geo.publish import publish
from ibm_geo.render.slides import build_slides
from ibm_geo_app import state as app_state


def _deck_text(sc: Scenario) -> str:
    p = demo_paths()
    r = analyze(p["boundaries"], p["clients"], p["agents"], p["service_points"], sc)
    plan = plan_recruitment(r.kelurahan, sc)
    pub = publish(r, plan, choose_pilots(r.kelurahan, sc, sites=plan.sites))
    prs = Presentation(io.BytesIO(build_slides(pub)))
    return "\n".join(sh.text_frame.text for s in prs.slides for sh in s.shapes if sh.has_text_frame)


def test_widget_state_round_trips_the_cost_and_zero_means_not_set():
    sc = Scenario(plan={"cost_per_agent_rp": 2_500_000})
    state = app_state.scenario_to_state(sc)
    assert state["p_cost_agent"] == 2_500_000
    assert app_state.scenario_from_state(state, Scenario()).plan.cost_per_agent_rp == 2_500_000
    state["p_cost_agent"] = 0.0
    assert app_state.scenario_from_state(state, sc).plan.cost_per_agent_rp is None
    assert app_state.scenario_to_state(Scenario())["p_cost_agent"] == 0.0


def test_the_plan_step_sets_the_cost_and_the_deck_states_it_or_leaves_it_out():
    at = app_on_plan_step()
    field = at.number_input(key="p_cost_agent")
    assert "Biaya per Agen Pemulihan" in field.label and field.value == 0.0
    field.set_value(2_500_000.0)
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    sc = at.session_state["plan_run"]["scenario"]
    assert sc.plan.cost_per_agent_rp == 2_500_000
    text = _deck_text(sc)
    m = re.search(r"Rekrut \d+ kelompok = (\d+) Agen Pemulihan", text)
    agents = int(m[1])
    assert agents == 15
    assert (
        f"Perkiraan biaya: Rp {agents * 2_500_000:,} (Rp 2.500.000 per agen)".replace(",", ".")
        in text
    )
    # empty (0): no cost line, and no configuration key on a slide
    no_cost = _deck_text(app_state.scenario_from_state({"p_cost_agent": 0.0}, sc))
    assert "biaya" not in no_cost.lower() and "cost_per_agent_rp" not in no_cost
