"""Issue 23, app flow (AppTest): the data step shows what is loaded, Peta opens on the new
data's rank 1, steps are numbered once, two saved comparisons have two names, and the plan's
fields and "Jalankan rencana" reach the server together."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.i18n import t
from ibm_geo_app import compare as app_compare
from ibm_geo_app import state as app_state

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def denpasar_sources() -> tuple:
    """An upload: the demo layer cut to Kota Denpasar and the demo clients."""
    p = demo_paths()
    gj = json.loads(p["boundaries"].read_text(encoding="utf-8"))
    gj["features"] = [f for f in gj["features"] if f["properties"]["kab_kota"] == "Kota Denpasar"]
    return (
        ("boundaries", "dps.geojson", json.dumps(gj).encode()),
        ("clients", "klien.csv", p["clients"].read_bytes()),
    )


@pytest.fixture()
def at():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    assert not app.exception, app.exception
    return app


def goto(app, step: str):
    app.sidebar.radio[0].set_value(step).run()
    assert not app.exception, app.exception
    return app


def upload(app):
    """What a successful "Proses data" leaves in the session (app.try_sources)."""
    app.session_state["sources"] = denpasar_sources()
    app.session_state["is_demo"] = False
    app.session_state["maps"] = {}
    return app


def test_steps_are_numbered_once_in_sidebar_order(at):
    shown = at.sidebar.radio[0].options
    assert [s.split(". ", 1)[0] for s in shown] == [str(i) for i in range(1, len(shown) + 1)]
    assert shown[-1] == "6. Capaian"
    import ibm_geo_app.office  # noqa: F401 - registers the office step's text

    steps = ("data", "map", "score", "plan", "export", "progress", "office")  # app.STEPS + office
    labels = app_state.step_labels(steps, lambda s: t(f"step.{s}", "id"))
    assert labels["progress"] == "6. Capaian" and labels["office"] == "7. Kantor"
    assert len({v.split(".")[0] for v in labels.values()}) == len(steps)


def test_after_an_upload_the_data_step_shows_the_upload(at):
    upload(at)
    goto(at, "data")
    assert at.radio(key="data_mode_id").value == "upload"
    goto(at, "map")
    goto(at, "data")  # the radio was not drawn on Peta: still what is loaded
    assert at.radio(key="data_mode_id").value == "upload"
    at.sidebar.selectbox[0].set_value("en").run()  # another language: another radio
    assert at.radio(key="data_mode_en").value == "upload"


def test_peta_opens_on_rank_one_of_new_data(at):
    goto(at, "map")
    # the planner clicks a Denpasar village on the demo's map (what draw_map keeps)
    pick = "51.71.01.1005"  # Renon, also in the upload
    at.session_state["selected_kode"] = pick
    at.run()
    assert at.selectbox(key="map_pick").value == pick
    upload(at).run()
    assert not at.exception, at.exception
    goto(at, "map")
    top = at.session_state["_top"][0]
    assert top != pick
    assert at.selectbox(key="map_pick").value == top


def test_two_saved_comparisons_have_two_names(at):
    goto(at, "plan")
    at.button(key="save_A").click().run()
    at.sidebar.number_input(key="radius_m").set_value(2000).run()
    at.button(key="save_B").click().run()
    assert not at.exception, at.exception
    saved = [c.value for c in at.caption if c.value.startswith("Tersimpan")]
    assert len(saved) == 2 and saved[0] != saved[1], saved
    assert any("radius\\_m=2000" in s for s in saved), saved
    a, b = Scenario(), Scenario()
    assert app_compare.slot_names(a, b) == ("Skenario dasar (A)", "Skenario dasar (B)")


def test_plan_fields_and_run_button_are_one_form(at):
    goto(at, "plan")
    run = at.button(key="run_plan")
    assert run.form_id  # a form's submit button
    for key in ("p_p", "p_radius", "p_capacity", "pi_per_kab"):
        assert at.number_input(key=key).form_id == run.form_id, key
    at.number_input(key="p_p").set_value(2)  # typed, then the click: one message
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    plan = at.session_state["plan_run"]["plan"]
    assert 0 < len(plan.sites) <= 2
    assert at.session_state["plan_run"]["scenario"].plan.p == 2


def test_quota_submitted_with_the_click_is_the_plans_quota(at):
    goto(at, "plan")
    at.session_state["p_quota"] = {"Kota Denpasar": (0, 1)}
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    sc = at.session_state["plan_run"]["scenario"]
    assert sc.plan.max_per_kab == {"Kota Denpasar": 1}
    sites = at.session_state["plan_run"]["plan"].sites
    assert (sites["kab_kota"] == "Kota Denpasar").sum() <= 1


def test_an_upload_without_rehab_years_keeps_its_clients(at):
    assert at.session_state["f_years"] == (2019, 2025)  # the demo's years
    csv = b"kelurahan;kecamatan;kabupaten_kota;status_pasca\nRenon;;;belum\nSanur;;;belum\n"
    upload(at)
    at.session_state["sources"] = (denpasar_sources()[0], ("clients", "k.csv", csv))
    at.run()
    assert not at.exception, at.exception
    assert at.session_state["_summary"]["clients"] == 2  # was 0: filtered by the demo's years
