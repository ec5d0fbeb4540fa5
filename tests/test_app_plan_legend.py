"""The Rencana step's map has its legend (issue 23): score classes, the proposed sites and
their reach, in the app's language."""

from __future__ import annotations

from _helpers import app_on_plan_step

from ibm_geo.i18n import t


def test_plan_map_has_a_legend_with_sites_and_their_reach():
    at = app_on_plan_step()
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    sc = at.session_state["plan_run"]["plan"]
    assert len(sc.sites) >= 1
    legends = [m.value for m in at.markdown if t("legend.score", "id") in m.value]
    assert legends, "the plan map has no legend"
    ring = t("legend.site_ring", "id", radius="3,0")
    assert any(t("layer.sites", "id") in v and ring in v for v in legends), legends
