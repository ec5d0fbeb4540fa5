"""Issue 23, name resolution: answers keyed by the written place (never a slot), no empty or
"nan" option, abbreviations written out once (ibm_geo.names) for matching and search alike,
places outside the loaded area said to be so and confirmable."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import CLIENTS, denpasar_boundaries

from ibm_geo.matching import OUTSIDE, place_choice_key
from ibm_geo.names import compact_key, expand_name, expanded_key
from ibm_geo.pipeline import join_inputs, load_inputs
from ibm_geo_app import inputs as app_inputs
from ibm_geo_app import names as app_names

APP = str(Path(__file__).resolve().parents[1] / "app.py")
KEEP = "(biarkan)"


@pytest.fixture(scope="module")
def joined():
    inputs = load_inputs(
        denpasar_boundaries(), CLIENTS, names={"boundaries": "dps.geojson", "clients": "k.csv"}
    )
    return join_inputs(inputs)


def test_abbreviations_written_out_on_both_sides():
    assert expand_name("Penatih Dgn Puri") == "penatih dangin puri"
    assert expanded_key("Sumerta Kaje") == expanded_key("Sumerta Kaja") == "sumertakaja"
    assert expanded_key("Kel. Dauh Puri Klod") == "dauhpurikelod"
    assert expanded_key("Kp. Jawa") == expanded_key("Kampung Jawa")
    assert expanded_key("Tj. Priok") == "tanjungpriok"
    assert expanded_key("Tjempaka") == expanded_key("Cempaka")  # old spelling
    assert expanded_key("Maccini") == expanded_key("Macini")  # Bugis doubled consonant
    assert expanded_key("Sei Rampah") == "sungairampah"
    assert expanded_key("Bt. Lempangang") == expanded_key("Bontolempangang")  # Bugis/Makassar
    assert expanded_key("Pa'baeng-baeng") == expanded_key("Pabbaeng Baeng")
    # the comparison form of exact names is untouched
    assert compact_key("Penatih Dgn Puri") == "penatihdgnpuri"


def test_matching_writes_out_abbreviations_and_asks_to_confirm(joined):
    m = joined.matches.set_index("written_name")
    # without any parent, the national fuzzy pass never saw "Penatih Dangin Puri" (3 letters
    # longer than the written key): now one unit has the expanded name
    assert m.loc["Penatih Dgn Puri", "nama"] == "Penatih Dangin Puri"
    assert m.loc["Penatih Dgn Puri", "method"] == "fuzzy"  # still confirmed by the planner
    assert m.loc["Sumerta Kaje", "nama"] == "Sumerta Kaja"
    assert m.loc["Xyzzy", "method"] == "unmatched"


def test_search_finds_abbreviated_names_first(joined):
    lookup = app_inputs.candidate_lookup(joined.units)
    found = list(app_names.search_units("Penatih Dgn Puri", lookup))
    assert found[0] == "Penatih Dangin Puri (Denpasar Timur, Kota Denpasar)"
    assert list(app_names.search_units("dgn puri kaje", lookup))[0].startswith("Dangin Puri Kaja")


def test_questions_have_no_empty_or_nan_option_and_mark_outside(joined):
    lookup = app_inputs.candidate_lookup(joined.units)
    q = app_names.questions(joined.matches, lookup).set_index("written_name")
    for rec in q.reset_index().to_dict("records"):
        assert rec["auto_kode"] is None or rec["auto_kode"] in lookup.values()
        assert rec["auto_label"] is None or rec["auto_label"] in lookup
        assert all(k and v and k != "nan" for k, v in rec["candidates"].items())
    assert q.loc["Xyzzy", "auto_kode"] is None and q.loc["Xyzzy", "auto_label"] is None
    # Kuta, Badung: a village outside the loaded area, not the nearest-looking Denpasar one
    assert q.loc["Kuta", "outside_sure"] and "Kabupaten Badung" in q.loc["Kuta", "outside"]
    assert q.loc["Kuta", "candidates"] == {}
    assert q.loc["Jimbaran", "outside_sure"] and q.loc["Jimbaran", "candidates"] == {}
    assert not q.loc["Sumerta Kaje", "outside"]  # in the area: no such mark
    # confirmed outside: not asked again, counted
    key = place_choice_key("Kuta", "Kuta", "Badung")
    q2 = app_names.questions(joined.matches, lookup, {key: OUTSIDE})
    assert "Kuta" not in set(q2["written_name"])
    assert app_names.confirmed_outside(joined.matches, {key: OUTSIDE}) == (1, 1)
    assert len(q2) == len(q) - 1


def test_outside_choice_leaves_rows_unplaced_and_reports_nothing_wrong():
    inputs = load_inputs(
        denpasar_boundaries(), CLIENTS, names={"boundaries": "dps.geojson", "clients": "k.csv"}
    )
    j = join_inputs(inputs, 85, {place_choice_key("Kuta", "Kuta", "Badung"): OUTSIDE})
    t = j.clients.table
    assert t["kode_match"].isna().sum() >= 1
    q = j.quality.to_frame()
    assert not q["problem"].astype(str).str.contains("choice").any()


# ------------------------------------------------------------------------------------ the app
@pytest.fixture()
def uploaded():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["sources"] = (
        ("boundaries", "dps.geojson", denpasar_boundaries()),
        ("clients", "k.csv", CLIENTS),
    )
    at.session_state["is_demo"] = False
    at.session_state["maps"] = {}
    at.session_state["current_step"] = "data"
    at.run()
    assert not at.exception, at.exception
    return at


def _boxes(at) -> dict[str, object]:
    """Question select boxes by written name (the label starts with it)."""
    return {
        b.label.split(" - ", 1)[0].replace("\\", ""): b
        for b in at.selectbox
        if b.key and b.key.startswith("res_")
    }


def test_app_answers_stay_with_their_written_name(uploaded):
    at = uploaded
    boxes = _boxes(at)
    assert {"Kampung Jawa", "Penatih Dgn Puri", "Kuta", "Jimbaran"} <= set(boxes)
    for b in boxes.values():  # never an empty or "nan" option
        assert not any(o.strip() in ("", "Ya, benar: nan") or "nan" in o.split() for o in b.options)
    # a search typed for Kampung Jawa, then four other names resolved
    kj = boxes["Kampung Jawa"]
    at.text_input(key=kj.key.replace("res_", "srch_")).set_value("Dangin Puri Kaja").run()
    boxes = _boxes(at)
    for name in ("Penatih Dgn Puri", "Sumerta Kaje", "Sanuur"):
        b = boxes[name]
        b.set_value(next(o for o in b.options if o.startswith("Ya, benar:"))).run()
    b = _boxes(at)["Kuta"]
    b.set_value("Ya, di luar wilayah (baris tidak ditempatkan)").run()
    at.button(key="apply_res").click().run()
    assert not at.exception, at.exception
    chosen = at.session_state["place_choices"]
    assert chosen[place_choice_key("Kuta", "Kuta", "Badung")] == OUTSIDE
    assert chosen[place_choice_key("Penatih Dgn Puri")] == "51.71.02.2015"
    assert not any(k.startswith("kampung jawa") for k in chosen)  # nothing picked for it
    left = _boxes(at)
    assert set(left) == {"Kampung Jawa", "Jimbaran", "Xyzzy"}
    # the questions that moved up keep their own state: nothing pre-selected, own search text
    assert all(b.value == KEEP for b in left.values())
    assert at.text_input(key=left["Kampung Jawa"].key.replace("res_", "srch_")).value == (
        "Dangin Puri Kaja"
    )
    assert at.text_input(key=left["Jimbaran"].key.replace("res_", "srch_")).value == ""
    # a second click on "Terapkan pilihan" places nobody: the button is gone without picks
    assert not [b for b in at.button if b.key == "apply_res"]
    assert any("di luar wilayah" in c.value for c in at.caption)
    assert any("4 nama" in s.value for s in at.success)
