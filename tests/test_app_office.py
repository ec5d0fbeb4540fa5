"""The app in office mode (AppTest, no browser): sign-in and throttling, a scoped planner sees
only their kab/kota, a viewer reaches published results only, analyses and uploads are logged,
the admin sees the audit log."""

from __future__ import annotations

import json
from pathlib import Path

from _helpers import PW, sign_in
from argon2 import PasswordHasher

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.office import Office, OfficeSettings
from ibm_geo.pipeline import join_inputs, load_inputs

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=90)
    at.run()
    assert not at.exception, at.exception
    return at


def test_nothing_without_sign_in_and_wrong_password_throttled(office):
    at = app()
    assert at.title[0].value == "Masuk ke ibm-geo"
    assert not at.sidebar.radio and "_summary" not in at.session_state
    for _ in range(5):
        sign_in(at, "dps", "salah-salah")
        assert at.error[0].value == "Nama pengguna atau kata sandi salah."
    sign_in(at, "dps", "salah-salah")
    sign_in(at, "dps", PW)  # even the right password waits now
    assert at.error[0].value.startswith("Terlalu banyak percobaan masuk yang gagal")
    assert "_summary" not in at.session_state
    log = office.audit.entries(actor="dps")
    assert log["action"].tolist() == ["sign_in_failed"] * 7
    assert [json.loads(d)["reason"] for d in log["details"]][-1] == "throttled"


def test_scoped_planner_sees_only_their_kab_kota(office):
    at = sign_in(app(), "dps")
    assert at.session_state["_summary"]["kelurahan"] == 43
    kab = next(m for m in at.sidebar.multiselect if m.label == "Kab/Kota (BNNK)")
    assert kab.options == ["Kota Denpasar"]
    # the counts are those of the library's scoped analysis, not of a widget filter
    d = demo_paths()
    joined = join_inputs(
        load_inputs(d["boundaries"], d["clients"], d["agents"], d["service_points"])
    )
    p = office.accounts.get("dps")
    lib = office.analyze(p, joined, Scenario(), log=False)
    assert at.session_state["_summary"]["clients"] == lib.summary["clients"]
    top = lib.kelurahan["kode"].head(10).tolist()
    assert at.session_state["_top"] == top
    log = office.audit.entries(actor="dps")
    assert log["action"].tolist() == ["sign_in", "analysis"]
    assert json.loads(log["details"].iloc[1])["units"] == 43
    # every step runs; the office step lists the workspace
    for step in ("data", "score", "plan", "export", "office"):
        at.sidebar.radio[0].set_value(step).run()
        assert not at.exception, (step, at.exception)
    at.button(key="ws_run").click().run()
    assert at.success and at.success[0].value.startswith("Tersimpan")
    assert office.workspace(p).items()["kind"].tolist() == ["run"]


def test_viewer_reaches_published_results_only(office):
    at = sign_in(app(), "lihat")
    assert at.title[0].value == "Hasil yang dipublikasikan"
    assert at.info[0].value.startswith("Belum ada hasil")
    assert not at.sidebar.radio  # no steps: no data, map, client views
    assert "_summary" not in at.session_state
    # a planner publishes; the viewer sees its published table and nothing else
    d = demo_paths()
    joined = join_inputs(
        load_inputs(d["boundaries"], d["clients"], d["agents"], d["service_points"])
    )
    dps = office.accounts.get("dps")
    office.workspace(dps).publish_plan("Rakor Desember", office.analyze(dps, joined, Scenario()))
    at.run()
    assert at.selectbox(key="pub_pick").options[0].startswith("#1 Rakor Desember")
    table = at.dataframe[0].value
    # headers as the reader reads them, one reason column: the reader's language (issue 23)
    assert len(table) == 43 and "Kelurahan/Desa" in table.columns
    assert "Alasan" in table.columns and "Alasan (bahasa Inggris)" not in table.columns
    assert not {"name", "client_id", "lat", "lon", "Nama klien"} & set(table.columns)


def test_admin_sees_audit_log_and_users(office):
    at = sign_in(app(), "admin")
    at.sidebar.radio[0].set_value("office").run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    users = next(f for f in frames if "Nama pengguna" in f.columns)  # headers in Indonesian
    assert sorted(users["Nama pengguna"]) == ["admin", "dps", "lihat"]
    assert set(users["Peran"]) == {"admin", "perencana", "pembaca"}
    log = next(f for f in frames if "Tindakan" in f.columns)
    assert "masuk" in set(log["Tindakan"]) and "akun dibuat" in set(log["Tindakan"])
    n = len(office.audit.entries())
    want = f"Rantai hash berkunci log utuh ({n} entri)."
    assert at.caption and any(c.value == want for c in at.caption), [c.value for c in at.caption]


def test_accepted_upload_is_logged_by_hash_and_roster_kept_only_when_on(tmp_path, monkeypatch):
    """The app's hook after 'Proses data' accepted the files: fingerprints in the log; the roster
    stored (encrypted) only once the admin turned it on."""
    import hashlib

    from ibm_geo.office.rosters import new_key
    from ibm_geo_app import office as app_office

    monkeypatch.setenv("IBM_GEO_OFFICE", "1")
    monkeypatch.setenv("IBM_GEO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IBM_GEO_ROSTER_KEY", new_key())
    monkeypatch.delenv("IBM_GEO_DB_URL", raising=False)
    office = app_office.get_office()
    office.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    admin = office.accounts.add_user("admin", "admin", password=PW)
    dps = office.accounts.add_user(
        "dps", "perencana", password=PW, provinsi="Bali", kab_kota=["Kota Denpasar"]
    )
    d = demo_paths()
    sources = tuple((k, d[k].name, d[k].read_bytes()) for k in ("boundaries", "clients"))
    joined = join_inputs(load_inputs(d["boundaries"], d["clients"]))
    app_office.log_inputs(dps, sources, joined)
    assert office.rosters().list(admin) == []
    office.set_setting(admin, "store_rosters", "true")
    app_office.log_inputs(dps, sources, joined)
    kept = office.rosters().list(admin)
    assert [(r["kind"], r["rows"]) for r in kept] == [("clients", len(joined.clients.table))]
    assert office.rosters().get(dps, kept[0]["id"]) == d["clients"].read_bytes()
    log = office.audit.entries(action="inputs_loaded")
    fps = json.loads(log["details"].iloc[0])["inputs"]
    assert {f["kind"]: f["sha256"] for f in fps} == {
        k: hashlib.sha256(data).hexdigest() for k, _, data in sources
    }
    assert fps[1]["rows"] == len(joined.clients.table)


def test_first_admin_setup_page_with_the_token(tmp_path, monkeypatch):
    """No admin yet: the app shows the setup page instead of a dead end; a wrong token is
    refused on the page, the token of `office init` creates the admin, who is then signed in;
    the page is gone afterwards and the creation is in the audit log."""
    from ibm_geo.office import setup

    monkeypatch.setenv("IBM_GEO_OFFICE", "1")
    monkeypatch.setenv("IBM_GEO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("IBM_GEO_DB_URL", raising=False)
    o = Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(tmp_path)}))
    token = setup.issue_token(o.accounts)
    at = app()
    assert at.title[0].value == "Siapkan admin pertama"
    assert "_summary" not in at.session_state and not at.sidebar.radio

    def submit(tok: str, pw: str, pw2: str | None = None):
        at.text_input(key="setup_token").input(tok)
        at.text_input(key="setup_user").input("kepala.it")
        at.text_input(key="setup_pw").input(pw)
        at.text_input(key="setup_pw2").input(pw if pw2 is None else pw2)
        next(b for b in at.button if b.label == "Buat admin").click().run()
        assert not at.exception, at.exception

    submit("bukan-token", "Kantor-BNNP-2026")
    assert at.error[0].value.startswith("Token penyiapan salah atau kedaluwarsa")
    submit(token, "Kantor-BNNP-2026", "Kantor-BNNP-2025")
    assert at.error[0].value == "Kedua kata sandi tidak sama."
    submit(token, "kantorbnnp2026")
    assert at.error[0].value.startswith("Kata sandi admin terlalu lemah")
    submit(token, "Kantor-BNNP-2026")
    assert at.session_state["principal"].role == "admin"
    assert "_summary" in at.session_state  # signed in: the demo analysis ran
    at2 = app()  # a new session: the setup page is gone, the sign-in page is back
    assert at2.title[0].value == "Masuk ke ibm-geo"
    log = o.audit.entries()
    assert "admin_setup" in log["action"].tolist()
    assert log.loc[log["action"] == "admin_setup", "actor"].tolist() == ["kepala.it"]
    o.close()
