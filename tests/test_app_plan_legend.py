"""The Rencana step's map has its legend (issue 23): score classes, the proposed sites and
their reach, in the app's language."""

from __future__ import annotations

from pathlib import Path

import pytest

from ibm_geo.i18n import t

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_plan_map_has_a_legend_with_sites_and_their_reach():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    at.sidebar.radio[0].set_value("plan").run()
    assert not at.exception, at.exception
    if any("belum tersedia" in w.value for w in at.warning):
        pytest.skip("ibm_geo.plan.plan_recruitment not available")
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    sc = at.session_state["plan_run"]["plan"]
    assert len(sc.sites) >= 1
    legends = [m.value for m in at.markdown if t("legend.score", "id") in m.value]
    assert legends, "the plan map has no legend"
    ring = t("legend.site_ring", "id", radius="3,0")
    assert any(t("layer.sites", "id") in v and ring in v for v in legends), legends
