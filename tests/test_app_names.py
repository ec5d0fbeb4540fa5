"""App name resolution and plan answers: one question per written place, search over every
unit, the automatic match confirmable, blank statuses flagged, quota errors and 'why not'."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ibm_geo_app import names as app_names

APP = str(Path(__file__).resolve().parents[1] / "app.py")

LABELS = {
    "Pemogan (Denpasar Selatan, Kota Denpasar)": "51.71.01.2008",
    "Renon (Denpasar Selatan, Kota Denpasar)": "51.71.01.1005",
    "Sanur Kaja (Denpasar Selatan, Kota Denpasar)": "51.71.01.2009",
    "Sanur (Denpasar Selatan, Kota Denpasar)": "51.71.01.1006",
    "Sanur (Tabanan, Kabupaten Tabanan)": "51.02.01.2001",
    "Banua (Kintamani, Kabupaten Bangli)": "51.06.04.2012",
}


def _m(name, kec, kab, rows, method, kode=None, cands=""):
    return {
        "table": "klien.csv",
        "written_name": name,
        "written_kecamatan": kec,
        "written_kab_kota": kab,
        "rows": rows,
        "kode": kode,
        "nama": None,
        "method": method,
        "confidence": 0.0,
        "candidates": cands,
    }


def test_one_question_per_written_place_not_per_kecamatan_spelling():
    c = "Sanur (Denpasar Selatan, Kota Denpasar); Sanur Kaja (Denpasar Selatan, Kota Denpasar)"
    m = pd.DataFrame(
        [
            _m("Sanuur", "Denpasar Selatan", "Kota Denpasar", 5, "fuzzy", "51.71.01.1006", c),
            _m("Sanuur", "Dps Sel.", "Denpasar", 3, "fuzzy", "51.71.01.1006", c),
            _m("SANUUR", None, None, 2, "ambiguous", None, c),
            # same spelling, but the only place it can be is in Tabanan: its own question
            _m(
                "Sanuur",
                "Tabanan",
                "Tabanan",
                1,
                "ambiguous",
                None,
                "Sanur (Tabanan, Kabupaten Tabanan)",
            ),
            _m("Renon", "Denpasar Selatan", "Kota Denpasar", 9, "exact", "51.71.01.1005"),
        ]
    )
    q = app_names.questions(m, LABELS)
    assert len(q) == 2
    first = q.iloc[0]
    assert first["rows"] == 10 and len(first["keys"]) == 3 and len(set(first["keys"])) == 3
    assert first["written_name"] == "Sanuur"
    assert first["method"] == "ambiguous"  # the least certain of the spellings
    assert first["auto_kode"] == "51.71.01.1006"
    assert first["auto_label"] == "Sanur (Denpasar Selatan, Kota Denpasar)"
    assert "51.71.01.1006" not in first["candidates"].values()  # confirm, not a second option
    assert q.iloc[1]["rows"] == 1
    assert list(q.iloc[1]["candidates"].values()) == ["51.02.01.2001"]


def test_unmatched_names_without_suggestions_are_asked_too_and_searchable():
    m = pd.DataFrame([_m("Pmgn", "Denpasar Selatan", "Kota Denpasar", 4, "unmatched")])
    q = app_names.questions(m, LABELS)
    assert len(q) == 1 and q.iloc[0]["candidates"] == {}
    found = app_names.search_units("pemogn", LABELS)
    assert next(iter(found.values())) == "51.71.01.2008"
    assert app_names.search_units("bnaua", LABELS)
    assert app_names.search_units("", LABELS) == {}


def test_blank_status_rows_are_flagged():
    t = pd.DataFrame({"row": [2, 3, 4], "status_pasca": ["aktif", None, pd.NA]})
    assert app_names.blank_status_rows(t).tolist() == [3, 4]


@pytest.fixture()
def at():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=90)
    app.run()
    assert not app.exception, app.exception
    return app


def _goto(app, step):
    app.sidebar.radio[0].set_value(step).run()
    assert not app.exception, app.exception


def test_app_confirms_the_automatic_match_and_searches_every_unit(at):
    _goto(at, "data")
    box = next(b for b in at.selectbox if (b.key or "").startswith("res_"))  # keyed by name
    key = box.key
    assert box.options[1].startswith("Ya, benar:")
    at.text_input(key=key.replace("res_", "srch_")).set_value("Pemogan").run()
    opts = at.selectbox(key=key).options
    assert any(o.startswith("Pemogan (") for o in opts)
    at.selectbox(key=key).set_value(next(o for o in opts if o.startswith("Pemogan ("))).run()
    at.button(key="apply_res").click().run()
    assert not at.exception, at.exception
    assert "51.71.01.2008" in at.session_state["place_choices"].values()


def test_app_quota_error_is_a_clear_message_and_why_not_answers(at):
    _goto(at, "plan")
    at.session_state["p_quota"] = {"Kota Denpasar": (9, None)}
    at.number_input(key="p_p").set_value(2)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    shown = [e.value.replace("\\", "") for e in at.error]
    assert any("Kota Denpasar" in v and "plan.p = 2" in v for v in shown), shown
    at.session_state["p_quota"] = {}
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    box = at.selectbox(key="why_not_pick")
    box.set_value(box.options[1]).run()
    assert not at.exception, at.exception
    assert any("percontohan" in md.value or "kelompok" in md.value for md in at.markdown)
