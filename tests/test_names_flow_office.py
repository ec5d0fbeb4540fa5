"""Issue 23, office mode: a planner scoped to Kota Denpasar sees what their area cut away from
their own upload and places it or confirms it lies outside (not "0 unmatched" while rows
are gone)."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ibm_geo.demo import demo_paths
from ibm_geo.matching import OUTSIDE, place_choice_key
from ibm_geo.office import Office, OfficeSettings
from ibm_geo.office.scope import Scope, cut_away, scope_joined
from ibm_geo.pipeline import join_inputs, load_inputs

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PW = "kata-sandi-panjang-1"
#: 9 client rows the Denpasar scope used to drop without a word, 1 it keeps
CLIENTS = (
    b"kelurahan;kecamatan;kabupaten_kota;tahun_rehab;status_pasca\n"
    b"Kampung Jawa;;;2022;belum\nKampung Jawa;;;2022;belum\nKampung Jawa;;;2022;belum\n"
    b"Kuta;Kuta;Badung;2022;belum\nKuta;Kuta;Badung;2022;belum\n"
    b"Jimbaran;;;2022;belum\n"
    b"Ubud;;;2022;belum\n"
    b";;;2022;belum\n"
    b"Xyzzy;;;2022;belum\n"
    b"Renon;;Denpasar;2022;belum\n"
)
SCOPE = Scope.of("Bali", ["Kota Denpasar"])


def joined(choices=None):
    inputs = load_inputs(demo_paths()["boundaries"], CLIENTS, names={"clients": "k.csv"})
    return join_inputs(inputs, 85, choices)


def test_cut_away_lists_every_row_the_scope_drops():
    j = joined()
    cut = cut_away(j, SCOPE)
    kept = scope_joined(j, SCOPE)
    assert int(cut["rows"].sum()) == len(j.clients.table) - len(kept.clients.table) == 9
    by = cut.set_index("written_name", drop=False)
    assert by.loc["Kuta", "placed_in"] == "Kuta (Kuta, Kabupaten Badung)"
    assert by.loc["Kampung Jawa", "rows"] == 3 and by.loc["Kampung Jawa", "placed_in"] is None
    assert cut["written_name"].isna().sum() == 1  # the row without a name, counted
    # placed by the planner in their area: the scope keeps those rows
    dk = "51.71.04.2006"  # Dauh Puri Kaja
    j2 = joined({place_choice_key("Kampung Jawa"): dk})
    assert (scope_joined(j2, SCOPE).clients.table["kode_match"] == dk).sum() == 3
    assert int(cut_away(j2, SCOPE)["rows"].sum()) == 6
    assert cut_away(j, Scope.everything()).empty


@pytest.fixture()
def office(tmp_path, monkeypatch):
    monkeypatch.setenv("IBM_GEO_OFFICE", "1")
    monkeypatch.setenv("IBM_GEO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IBM_GEO_DB_URL", raising=False)
    o = Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(tmp_path)}))
    o.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    o.accounts.add_user(
        "dps", "perencana", password=PW, provinsi="Bali", kab_kota=["Kota Denpasar"]
    )
    yield o
    o.close()


def test_scoped_planner_places_or_confirms_what_the_area_cut(office):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.text_input(key="login_user").input("dps")
    at.text_input(key="login_pw").input(PW)
    next(b for b in at.button if b.label == "Masuk").click().run()
    assert not at.exception, at.exception
    at.session_state["sources"] = (
        ("boundaries", "batas.geojson", demo_paths()["boundaries"].read_bytes()),
        ("clients", "k.csv", CLIENTS),
    )
    at.session_state["is_demo"] = False
    at.session_state["maps"] = {}
    at.sidebar.radio[0].set_value("data").run()
    assert not at.exception, at.exception
    assert at.session_state["_summary"]["clients"] == 1
    warn = [w.value for w in at.warning if "Di luar wilayah Anda" in w.value]
    assert warn and "9 baris" in warn[0], [w.value for w in at.warning]
    boxes = {
        b.label.split(" / ", 1)[0]: b for b in at.selectbox if (b.key or "").startswith("cut_")
    }
    assert {"Kampung Jawa", "Kuta", "Jimbaran", "Ubud", "Xyzzy"} <= set(boxes)
    assert "Kabupaten Badung" in boxes["Kuta"].label.replace("\\", "")
    # Kampung Jawa: searched and placed in the area; Kuta: confirmed outside
    kj = boxes["Kampung Jawa"]
    at.text_input(key=kj.key.replace("cut_", "cutsrch_")).set_value("Dauh Puri Kaja").run()
    kj = at.selectbox(key=kj.key)
    kj.set_value(next(o for o in kj.options if o.startswith("Dauh Puri Kaja ("))).run()
    at.selectbox(key=boxes["Kuta"].key).set_value(
        "Ya, di luar wilayah (baris tidak ditempatkan)"
    ).run()
    at.button(key="cut_apply").click().run()
    assert not at.exception, at.exception
    chosen = at.session_state["place_choices"]
    assert chosen[place_choice_key("Kuta", "Kuta", "Badung")] == OUTSIDE
    assert chosen[place_choice_key("Kampung Jawa")] == "51.71.04.2006"
    assert at.session_state["_summary"]["clients"] == 4  # Kampung Jawa's 3 rows now count
    left = {b.label.split(" / ", 1)[0] for b in at.selectbox if (b.key or "").startswith("cut_")}
    assert "Kuta" not in left and "Kampung Jawa" not in left and "Jimbaran" in left
    warn = [w.value for w in at.warning if "Di luar wilayah Anda" in w.value]
    assert "6 baris" in warn[0]
