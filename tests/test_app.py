"""The Streamlit app on the demo data (AppTest: no browser; st_folium is not rendered) and its
UI-free helpers in the app package :mod:`ibm_geo_app`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ibm_geo.config import Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.errors import UserError
from ibm_geo.matching import place_choice_key
from ibm_geo.pipeline import join_inputs, load_inputs, rescore
from ibm_geo_app import downloads as app_downloads
from ibm_geo_app import inputs as app_inputs
from ibm_geo_app import map as appmap
from ibm_geo_app import state as app_state

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture(scope="module")
def demo_result(demo_analysis):
    return demo_analysis  # the session's demo analysis (conftest.py)


@pytest.fixture()
def at():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    assert not app.exception, app.exception
    return app


def _demo_inputs() -> dict:
    p = demo_paths()
    return {
        "boundaries": p["boundaries"],
        "clients": p["clients"],
        "agents": p["agents"],
        "service_points": p["service_points"],
    }


def frame_with(app, column: str) -> pd.DataFrame:
    """The shown table that has ``column`` (AppTest cannot look dataframes up by key)."""
    hits = [d.value for d in app.dataframe if column in d.value.columns]
    assert hits, f"no table with column {column!r}"
    return hits[0]


def apply_weights(app):
    """Click the weight form's "Terapkan bobot": slider moves reach the server only with it."""
    next(b for b in app.button if b.label == "Terapkan bobot").click().run()
    assert not app.exception, app.exception
    return app


def goto(app, step: str):
    app.sidebar.radio[0].set_value(step).run()
    assert not app.exception, app.exception
    return app


# ------------------------------------------------------------------------------------ the app
def test_every_step_runs_on_demo_with_banner(at, demo_result):
    assert any("sintetis" in i.value for i in at.info)  # demo banner, Indonesian by default
    assert at.session_state["_summary"] == demo_result.summary
    for step in ("data", "map", "score", "plan", "export"):
        goto(at, step)
        assert not at.error, [e.value for e in at.error]
    goto(at, "data")
    quality = at.dataframe[0].value
    assert quality["Baris dibaca"].tolist()[0] == len(demo_result.joined.clients.table)


def test_resolving_a_name_in_the_app_places_its_rows_and_saves_the_choice(at, demo_result):
    goto(at, "data")
    todo = app_inputs.to_resolve(demo_result.matches)
    assert len(todo)  # the demo's misspelt names
    box = next(b for b in at.selectbox if (b.key or "").startswith("res_"))  # the first question
    pick = box.options[1]  # the first candidate
    box.set_value(pick).run()
    at.button(key="apply_res").click().run()
    assert not at.exception, at.exception
    rec = todo.iloc[0]
    key = place_choice_key(rec["written_name"], rec["written_kecamatan"], rec["written_kab_kota"])
    chosen = at.session_state["place_choices"]
    assert list(chosen) == [key]
    sc = app_state.scenario_from_state({"place_choices": chosen})
    assert sc.place_choices == chosen  # what "save scenario" writes
    joined = join_inputs(load_inputs(**_demo_inputs()), 85, chosen)
    m = joined.matches
    row = m[(m["written_name"] == rec["written_name"]) & (m["method"] == "chosen")]
    assert len(row) == 1 and row["kode"].iloc[0] == chosen[key]


def test_big_area_map_shows_the_best_ranked_and_says_so(demo_result, monkeypatch):
    from streamlit.testing.v1 import AppTest

    top = appmap.map_units(demo_result.kelurahan, 20)
    assert len(top) == 20 and sorted(top["rank"]) == list(range(1, 21))
    assert len(appmap.map_units(demo_result.kelurahan)) == len(demo_result.kelurahan)
    monkeypatch.setattr(appmap, "APP_MAP_MAX_UNITS", 20)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    goto(app, "map")
    assert any("20 dari 175" in i.value for i in app.info)
    assert len(app.selectbox(key="map_pick").options) == 20


def test_names_to_resolve_most_rows_first_and_capped(demo_result, monkeypatch):
    from streamlit.testing.v1 import AppTest

    todo = app_inputs.to_resolve(demo_result.matches)
    assert len(todo) >= 2 and todo["rows"].is_monotonic_decreasing
    assert app_inputs.to_resolve(demo_result.matches, 1).equals(todo.head(1))
    monkeypatch.setattr(app_inputs, "RESOLVE_LIMIT", 1)
    app = AppTest.from_file(APP, default_timeout=60)
    app.run()
    goto(app, "data")
    keys = [s.key for s in app.selectbox if (s.key or "").startswith("res_")]
    assert len(keys) == 1  # one question shown, keyed by its written place
    assert any(f"1 dari {len(todo)}" in c.value for c in app.caption)


def test_raising_a_weight_changes_the_ranking_like_rescore(at, demo_result):
    goto(at, "score")
    before = list(at.session_state["_top"])
    for c in ("unserved_count", "unserved_share", "recency", "presence"):
        at.select_slider(key=f"w_{c}").set_value(0.0)
    used = next(c.value for c in at.caption if "Bobot yang dipakai" in c.value)
    assert "Jarak ke agen/layanan 0,20" in used  # the default weights, written as applied
    at.select_slider(key="w_distance").set_value(1.0)
    apply_weights(at)  # every move of the form reaches the server with this one click
    after = list(at.session_state["_top"])
    assert after != before
    used = next(c.value for c in at.caption if "Bobot yang dipakai" in c.value)
    assert "Jarak ke agen/layanan 1,00" in used  # Indonesian decimals
    assert used.count(" 0,00") == 4
    w = {"unserved_count": 0, "unserved_share": 0, "recency": 0, "presence": 0, "distance": 1}
    expected = rescore(demo_result, Scenario(weights=w)).kelurahan["kode"].head(10).tolist()
    assert after == expected
    table = frame_with(at, "Stabilitas (%)")
    assert len(table) == 10 and table["Peringkat"].tolist() == list(range(1, 11))


def test_top_n_and_kab_filter(at, demo_result):
    goto(at, "score")
    at.number_input(key="top_n").set_value(5).run()
    assert len(frame_with(at, "Stabilitas (%)")) == 5
    kab = "Kota Denpasar"
    at.sidebar.multiselect(key="f_kab").set_value([kab]).run()
    assert not at.exception
    table = frame_with(at, "Stabilitas (%)")
    assert set(table["Kab/Kota"]) == {kab}
    k = demo_result.kelurahan
    assert at.session_state["_summary"]["kelurahan"] == int((k["kab_kota"] == kab).sum())


def test_radius_and_status_filter_change_the_counts(at, demo_result):
    served_before = at.session_state["_summary"]["in_reach"]
    at.sidebar.number_input(key="radius_m").set_value(100).run()
    assert at.session_state["_summary"]["in_reach"] < served_before
    at.sidebar.multiselect(key="f_status").set_value(["belum"]).run()
    belum = demo_result.clients["status_pasca"].astype("string").eq("belum").sum()
    assert at.session_state["_summary"]["clients"] == int(belum) < demo_result.summary["clients"]


def test_plan_p0_proposes_nothing_and_p3_at_most_three(at):
    goto(at, "plan")
    if any("belum tersedia" in w.value for w in at.warning):
        pytest.skip("ibm_geo.plan.plan_recruitment not available")
    at.number_input(key="p_p").set_value(0)
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    plan = at.session_state["plan_run"]["plan"]
    assert len(plan.sites) == 0
    assert any("Tidak ada lokasi" in i.value for i in at.info)
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    plan = at.session_state["plan_run"]["plan"]
    assert 1 <= len(plan.sites) <= 3
    table = frame_with(at, "Agen direkrut")
    assert table["Kode"].tolist() == plan.sites["kode"].tolist()
    # whole clients are written whole ("12", never "12,00")
    reached = [c for c in table.columns if "terjangkau" in c.lower()]
    assert reached and all("," not in str(v) for c in reached for v in table[c])


def test_compare_two_saved_scenarios(at, demo_result):
    goto(at, "plan")
    at.button(key="save_A").click().run()
    for c in ("unserved_count", "unserved_share", "recency", "presence"):
        at.session_state[f"w_{c}"] = 0.0  # weights kept across steps in session state
    at.session_state["w_distance"] = 1.0
    at.run()
    at.button(key="save_B").click().run()
    assert not at.exception, at.exception
    change = "Perubahan peringkat (+ = naik)"
    cmp = frame_with(at, change)
    assert len(cmp) == len(demo_result.kelurahan)
    assert (cmp[change].astype(str) != "0").any()  # the distance-only weighting reorders
    top_b = at.session_state["_top"][0]
    assert int(cmp.loc[cmp["Kode"] == top_b, "Peringkat B"].iloc[0]) == 1


def test_english_labels(at):
    goto(at, "score")
    at.sidebar.selectbox(key="lang").set_value("en").run()
    assert any("synthetic" in i.value for i in at.info)
    table = frame_with(at, "Stability (%)")
    assert "Rank" in table.columns
    assert pd.api.types.is_float_dtype(table["Score"])  # English keeps numbers (sortable)
    assert set(table["Priority"]) <= {"Very low", "Low", "Medium", "High", "Very high"}


# ------------------------------------------------------------------------------- ui helpers
def test_scenario_roundtrip_through_widget_state():
    sc = Scenario(
        name="Uji",
        radius_m=2500,
        weights={"unserved_count": 0.5, "distance": 0.1, "presence": 0.0},
        classification="natural_breaks",
        top_n=7,
        filters={
            "provinsi": ["Bali"],
            "kab_kota": ["Kota Denpasar"],
            "year_min": 2021,
            "statuses": ["belum"],
        },
        plan={"p": 4, "capacity": 30, "min_per_kab": {"Kota Denpasar": 1}, "budget": 3.0},
        place_choices={"dauh puri|denpasar barat|": "51.71.01.1001"},
    )
    state = app_state.scenario_to_state(sc, (2019, 2025))
    assert state["f_prov"] == ["Bali"]
    back = app_state.scenario_from_state(state, Scenario(), (2019, 2025))
    assert back.weights == sc.weights
    assert back.filters == sc.filters
    assert (back.plan.p, back.plan.capacity, back.plan.budget) == (4, 30, 3.0)
    assert back.plan.min_per_kab == {"Kota Denpasar": 1}
    assert (back.radius_m, back.top_n, back.name) == (2500, 7, "Uji")
    assert back.place_choices == sc.place_choices
    # full year range and all statuses mean "no filter"
    state.update(f_years=(2019, 2025), f_status=["belum", "aktif", "selesai", "putus"])
    back = app_state.scenario_from_state(state, Scenario(), (2019, 2025))
    assert back.filters.year_min is None and back.filters.statuses == []


def test_analysis_key_ignores_weights_but_not_radius():
    a = Scenario()
    assert app_state.analysis_key(a) == app_state.analysis_key(a.model_copy(update={"top_n": 3}))
    b = Scenario(weights={"distance": 0.9})
    assert app_state.analysis_key(a) == app_state.analysis_key(b)
    assert app_state.analysis_key(a) != app_state.analysis_key(Scenario(radius_m=1000))


def test_cluster_points_keep_every_client():
    rng = np.random.default_rng(1)
    lon, lat = 115.2 + rng.random(5000) * 0.3, -8.7 + rng.random(5000) * 0.3
    lon[:3] = np.nan
    cl = appmap.cluster_points(lon, lat, max_points=300)
    assert cl["n"].sum() == 4997 and len(cl) <= 400
    small = appmap.cluster_points(lon[3:53], lat[3:53])
    assert len(small) == 50 and (small["n"] == 1).all()


def test_map_escapes_user_strings(demo_result):
    k = demo_result.kelurahan.copy()
    k.loc[0, "nama"] = "<img src=x onerror=alert(1)>"
    agents = demo_result.joined.agents.table.copy()
    agents.loc[agents.index[0], "name"] = "<script>alert(2)</script>"
    m = appmap.build_app_map(k, agents=agents, units=demo_result.joined.units, tiles=False)
    page = m.get_root().render()
    assert "<img src=x" not in page and "<script>alert(2)" not in page
    assert "&lt;img src=x" in page or "\\u0026lt;img src=x" in page
    # offline: Leaflet comes from the package, not a CDN
    assert "data:text/javascript;base64" in page and "cdn.jsdelivr" not in page


def test_many_agents_drawn_as_one_escaped_layer(demo_result, monkeypatch):
    agents = demo_result.joined.agents.table.copy()
    agents.loc[agents.index[0], "name"] = "<script>alert(2)</script>"
    few = (
        appmap.build_app_map(
            demo_result.kelurahan, agents=agents, units=demo_result.joined.units, tiles=False
        )
        .get_root()
        .render()
    )
    monkeypatch.setattr(appmap, "MAX_AGENT_MARKERS", 5)  # the demo has more: one point layer
    many = (
        appmap.build_app_map(
            demo_result.kelurahan, agents=agents, units=demo_result.joined.units, tiles=False
        )
        .get_root()
        .render()
    )
    assert "<script>alert(2)" not in many
    assert "&lt;script&gt;alert(2)" in many or "\\u0026lt;script\\u0026gt;alert(2)" in many
    assert many.count("L.marker(") < few.count("L.marker(")  # one layer, not 36 markers
    assert few.count("L.circle(") > 0 and many.count("L.circle(") == 0  # no radius rings


def test_quality_overview_counts_demo(demo_result):
    q = app_inputs.quality_overview(demo_result, "id")
    row = q.iloc[0]
    clients = demo_result.joined.clients.table
    assert row["Baris dibaca"] == len(clients)
    assert row["Cocok"] == int(clients["located"].sum())
    swapped = demo_result.quality["problem"].str.contains("swapped").sum()
    assert row["Koordinat tertukar (diperbaiki)"] == swapped > 0


def test_unknown_headers_error_message_and_mapping_retry():
    raw = "Nomor;Wilayah Tinggal;Tahun\n1;Sanur;2023\n2;Renon;2024\n"
    data = raw.encode("utf-8")
    p = demo_paths()
    with pytest.raises(UserError) as exc:
        load_inputs(p["boundaries"], data, names={"clients": "klien_aneh.csv"})
    msg = app_inputs.error_message(exc.value, "id").replace("\\", "")  # markdown-escaped
    assert "klien_aneh.csv" in msg and "kolom" in msg and "Wilayah Tinggal" in msg
    headers = app_inputs.headers_of(data, "klien_aneh.csv")
    assert headers == ["Nomor", "Wilayah Tinggal", "Tahun"]
    cmap = app_inputs.mapping_from_choices({"kelurahan": "Wilayah Tinggal", "kode": None})
    inputs = load_inputs(
        p["boundaries"], data, names={"clients": "klien_aneh.csv"}, column_maps={"clients": cmap}
    )
    assert inputs.clients["kelurahan"].tolist() == ["Sanur", "Renon"]


def test_place_choice_places_ambiguous_name_and_is_kept_in_the_scenario():
    p = demo_paths()
    data = b"kelurahan;kecamatan\nDauh Puri;Denpasar Barat\nSanur;\n"
    inputs = load_inputs(p["boundaries"], data, names={"clients": "k.csv"})
    units = inputs.boundaries
    target = units.loc[units["nama"] == "Dauh Puri Kelod", "kode"].iloc[0]
    before = join_inputs(inputs)
    assert before.clients.table["method"].tolist()[0] != "chosen"
    # the planner's pick goes into the scenario (what the app stores and saves)
    state = app_state.scenario_to_state(Scenario())
    state["place_choices"] = {place_choice_key(" DAUH  Puri", "Denpasar Barat", None): target}
    sc = app_state.scenario_from_state(state)
    assert Scenario.from_text(sc.to_toml()).place_choices == sc.place_choices  # round trip
    joined = join_inputs(inputs, sc.fuzzy_threshold, sc.place_choices)
    tab = joined.clients.table
    assert tab["kode_match"].tolist()[0] == target and tab["method"].tolist()[0] == "chosen"
    assert tab["method"].tolist()[1] != "chosen"  # other places untouched
    m = joined.matches.set_index("written_name")
    assert m.loc["Dauh Puri", "method"] == "chosen" and m.loc["Dauh Puri", "kode"] == target
    q = joined.quality.to_frame()
    assert q.loc[q["row"] == 2, "action"].str.contains(target, regex=False).any()
    opts = app_inputs.candidate_options(
        "Dauh Puri Kelod (Denpasar Barat, Kota Denpasar); Nowhere (X, Y)", units
    )
    assert opts == {"Dauh Puri Kelod (Denpasar Barat, Kota Denpasar)": target}
    lookup = app_inputs.candidate_lookup(units)  # built once for many names: the same answer
    assert (
        app_inputs.candidate_options("Dauh Puri Kelod (Denpasar Barat, Kota Denpasar)", lookup)
        == opts
    )


def test_place_choice_with_an_unknown_kode_is_reported_not_used():
    p = demo_paths()
    data = b"kelurahan;kecamatan\nDauh Puri;Denpasar Barat\n"
    inputs = load_inputs(p["boundaries"], data, names={"clients": "k.csv"})
    joined = join_inputs(
        inputs, 85, {place_choice_key("Dauh Puri", "Denpasar Barat"): "99.99.99.9999"}
    )
    assert joined.clients.table["method"].tolist()[0] != "chosen"
    q = joined.quality.to_frame()
    assert q["problem"].str.contains("99.99.99.9999", regex=False).any()


def test_public_table_one_language_matches_both(demo_result):
    from ibm_geo.privacy import public_table

    both = public_table(demo_result.kelurahan, 5)
    for lang in ("id", "en"):
        one = public_table(demo_result.kelurahan, 5, lang=lang)
        other = "reason_en" if lang == "id" else "reason_id"
        assert other not in one and one[f"reason_{lang}"].equals(both[f"reason_{lang}"])


def test_md_escape_defuses_markdown_links_images_and_html():
    raw = "![x](http://evil.example/p.png) <b>Sanur</b> [klik](javascript:alert(1))"
    out = app_inputs.md_escape(raw)
    for bad in ("![", "](", "<b>", "[klik]"):
        assert bad not in out
    assert out.replace("\\", "") == raw  # nothing lost, only escaped


def test_every_download_builds_and_holds_no_client_data(demo_result):
    import io
    import zipfile

    from ibm_geo.plan.pilots import choose_pilots
    from ibm_geo.plan.recruitment import plan_recruitment

    sc = Scenario(plan={"p": 3})
    plan = plan_recruitment(demo_result.kelurahan, sc)
    pilots = choose_pilots(demo_result.kelurahan, sc)
    from ibm_geo.publish import publish

    items = app_downloads.export_items(publish(demo_result, plan, pilots), "id")
    # the catalogue's names: the same file is called the same in the app, the CLI and the deck
    assert [i[1] for i in items] == [
        "ranking.csv",
        "data_quality.csv",
        "results.geojson",
        "scenario.toml",
        "ranking.xlsx",
        "map.html",
        "plan.csv",
        "pilots.csv",
        "map.png",
        "map_a4.pdf",
        "rakor.pptx",
        "results.gpkg",
    ]
    # without a plan there is no plan file to offer
    no_plan = [i[1] for i in app_downloads.export_items(publish(demo_result, None, pilots), "id")]
    assert "plan.csv" not in no_plan and len(no_plan) == 11
    secrets = demo_result.clients["name"].dropna().astype(str).tolist()
    secrets += demo_result.clients["client_id"].dropna().astype(str).tolist()
    assert len(secrets) > 1000
    for _, fname, _, fn in items:
        data = fn()
        assert isinstance(data, bytes) and len(data) > 100, fname
        if data[:2] == b"PK":  # xlsx / pptx: look inside every part
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                text = "".join(z.read(n).decode("utf-8", "ignore") for n in z.namelist())
        else:
            text = data.decode("utf-8", "ignore")
        leaked = [s for s in secrets if s in text]
        assert not leaked, (fname, leaked[:3])
    toml = next(fn for _, fname, _, fn in items if fname == "scenario.toml")
    assert Scenario.from_text(toml().decode()) == demo_result.scenario


def test_app_password_gates_everything():
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(APP, default_timeout=60)
    app.secrets["app_password"] = "rahasia-kantor"
    app.run()
    assert not app.exception
    assert not app.title and not app.dataframe and "_summary" not in app.session_state
    app.text_input[0].input("salah")
    app.button[0].click().run()
    assert any("salah" in e.value for e in app.error) and not app.title
    # right after a wrong password even the right one is not checked: the server backs off
    app.text_input[0].input("rahasia-kantor")
    app.button[0].click().run()
    assert any("Coba lagi" in e.value for e in app.error) and not app.title
    import time

    time.sleep(1.1)
    app.text_input[0].input("rahasia-kantor")
    app.button[0].click().run()
    assert not app.exception
    assert app.title[0].value == "Perencana Agen Pemulihan (IBM)"
    assert app.session_state["_summary"]["clients"] == 600


def test_locales_have_the_same_keys_and_every_app_text_is_used():
    from ibm_geo_app.texts import load_locales

    loc = load_locales()
    assert set(loc["id"]) == set(loc["en"])
    assert all(v.strip() for lang in loc.values() for v in lang.values())
    root = Path(APP).parent
    code = (root / "app.py").read_text() + "".join(
        p.read_text() for p in (root / "ibm_geo_app").glob("*.py")
    )
    prefixes = ("w.", "s.", "p.by_", "p.mclp", "p.lscp", "p.pmedian", "p.save_", "step.", "data.")
    prefixes += ("e.", "q.download", "cmp.", "o.act.", "o.col.", "o.kind.", "o.login.", "o.role.")
    prefixes += ("up.",)
    used = [k for k in loc["id"] if f'"{k}"' in code or f"'{k}'" in code or k.startswith(prefixes)]
    unused = sorted(set(loc["id"]) - set(used))
    assert not unused, unused


def test_plan_persists_and_says_when_it_needs_a_rerun(at):
    goto(at, "plan")
    at.number_input(key="p_p").set_value(3)
    at.button(key="run_plan").click().run()
    plan = at.session_state["plan_run"]["plan"]
    assert 1 <= len(plan.sites) <= 3 and not at.warning
    # an input changes (outside the plan's form, whose fields apply with its button): the
    # plan stays (same sites shown), marked as needing a re-run
    at.radio(key="p_mode").set_value("budget").run()
    assert at.session_state["plan_run"]["plan"] is plan
    assert any("perlu dihitung ulang" in w.value for w in at.warning)
    assert frame_with(at, "Agen direkrut")["Kode"].tolist() == plan.sites["kode"].tolist()
    goto(at, "export")
    assert any("perlu dihitung ulang" in w.value for w in at.warning)
    # every download says what it holds
    assert sum("kelurahan/desa" in c.value for c in at.caption) >= 2
    goto(at, "plan")
    at.button(key="run_plan").click().run()
    assert not any("perlu dihitung ulang" in w.value for w in at.warning)
    assert at.session_state["plan_run"]["plan"] is not plan


def test_export_without_a_plan_says_so(at):
    goto(at, "export")
    assert any("Rencana belum dihitung" in w.value for w in at.warning)


def test_every_download_is_described_in_both_languages(demo_result):
    from ibm_geo.i18n import t
    from ibm_geo.publish import publish

    for label, *_ in app_downloads.export_items(publish(demo_result), "id"):
        for lang in ("id", "en"):
            assert t(f"{label}.desc", lang) != f"{label}.desc", (label, lang)


def test_a_weight_change_rescores_without_rerunning_the_analysis(at, monkeypatch):
    import ibm_geo.pipeline as pipeline

    calls = {"analyze": 0, "score": 0}
    real_analyze, real_score = pipeline.analyze_joined, pipeline.score_table

    def analyze(*a, **kw):
        calls["analyze"] += 1
        return real_analyze(*a, **kw)

    def score(table, scenario, ref, *a, **kw):
        calls["score"] += 1 if scenario.stability_draws else 0  # full scorings only
        return real_score(table, scenario, ref, *a, **kw)

    monkeypatch.setattr(pipeline, "analyze_joined", analyze)
    monkeypatch.setattr(pipeline, "score_table", score)
    goto(at, "score")
    at.select_slider(key="w_distance").set_value(0.9)
    apply_weights(at)
    assert calls == {"analyze": 0, "score": 2}  # the working tier and the published tier
    at.sidebar.number_input(key="radius_m").set_value(2500).run()
    assert calls["analyze"] == 1


def test_app_road_extract_drives_reach_and_plan():
    """An uploaded OSM extract (here put in the session as the uploader would) switches the
    analysis and the plan to road travel; unticking it goes back to straight lines."""
    import os

    from streamlit.testing.v1 import AppTest

    pbf = Path(os.environ.get("IBM_GEO_SHARED_DATA", "/nonexistent")) / "roads"
    pbf = pbf / "denpasar_center.osm.pbf"
    if not pbf.exists():
        pytest.skip("shared road extract not available")
    app = AppTest.from_file(APP, default_timeout=120)
    app.run()
    straight = dict(app.session_state["_summary"])
    assert app.session_state["_distance"] == "straight"
    app.session_state["roads_src"] = (pbf.name, pbf.read_bytes())
    app.run()
    assert not app.exception, app.exception
    assert app.session_state["_distance"] == "road"
    road = app.session_state["_summary"]
    assert road["clients"] == straight["clients"]
    assert road["in_reach"] < straight["in_reach"]  # most demo units lie outside the extract
    goto(app, "plan")
    app.button(key="run_plan").click().run()
    assert not app.exception, app.exception
    run = app.session_state["plan_run"]
    assert run["scenario"].roads.distance == "road"
    assert run["scenario"].roads.extract == "denpasar_center.osm.pbf"
    goto(app, "data")
    assert not app.exception, app.exception
    box = app.checkbox(key="roads_on")
    assert box.value is True
    box.uncheck().run()
    assert app.session_state["_distance"] == "straight"
    assert app.session_state["_summary"] == straight


def test_progress_step_shows_targets_summary_and_trend(at):
    """The "Capaian" view on the demo: the demo targets, the working tier's exact tables on the
    planner's screen (Mode rakor: the published ones, below)."""
    goto(at, "progress")
    assert not at.error, [e.value for e in at.error]
    pr = frame_with(at, "Target")
    row = pr[(pr["Wilayah"] == "Bali") & (pr["Tahun"] == "2024")]
    row = row[row["Indikator"] == "Klien direhabilitasi"]
    # 100 of the 600 demo clients were rehabilitated in 2024: 100 of 240 = 41,7 % (Indonesian
    # numbers, the year as written)
    assert row["Capaian"].tolist() == ["100"] and row["Persen"].tolist() == ["41,7"]
    # the demo agents carry a recruitment year: agent rows counted per year, and said so
    agen = pr[(pr["Wilayah"] == "Kota Denpasar") & (pr["Indikator"] == "Agen Pemulihan aktif")]
    assert agen[["Tahun", "Capaian", "Target", "Dasar hitung"]].values.tolist() == [
        ["2025", "20", "30", "per tahun"]
    ]
    # pascarehab (issue 22): the demo register has no pascarehab year, so today's snapshot
    pasca = pr["Indikator"] == "Ikut pascarehabilitasi"
    assert set(pr.loc[~pasca, "Dasar hitung"]) == {"per tahun"}
    assert set(pr.loc[pasca, "Dasar hitung"]) <= {"keadaan saat ini"}
    assert any("direkrut sampai tahun target" in c.value for c in at.caption)
    s = frame_with(at, "Kekurangan kapasitas")
    assert {"Bali", "Kota Denpasar", "Kabupaten Badung", "Kabupaten Gianyar"} <= set(s["Wilayah"])
    # no client count 1..4 is shown as a number in the summary
    for c in ("Klien", "Belum terlayani", "Rujukan BNNP (berat)"):
        assert not s[c].isin(["1", "2", "3", "4"]).any()
    tr_ = frame_with(at, "Ikut pascarehab")
    assert set(tr_["Wilayah"]) == {"Bali"}  # the chosen office (the province first)
    assert "Kuta Selatan" not in set(s["Wilayah"])
    # on request, one row per kecamatan below each kab/kota (Kuta Selatan: its 12 clients)
    at.checkbox(key="cap_per_kec").check().run()
    assert not at.error, [e.value for e in at.error]
    s = frame_with(at, "Kekurangan kapasitas")
    kec = s[s["Tingkat"] == "Kecamatan"]
    assert len(kec) == 17
    assert kec.loc[kec["Wilayah"] == "Kuta Selatan", "Klien"].tolist() == ["12"]
    # the RW table on request: the demo rows carry no RW, and the view says so
    at.checkbox(key="cap_per_rw").check().run()
    assert not at.error, [e.value for e in at.error]
    assert any("RW" in i.value for i in at.info)
    # Mode rakor: the summary as the files publish it (the cell key method: never 1..4)
    at.sidebar.toggle[0].set_value(True).run()
    assert not at.error, [e.value for e in at.error]
    s = frame_with(at, "Kekurangan kapasitas")
    for c in ("Klien", "Belum terlayani", "Rujukan BNNP (berat)"):
        assert not s[c].isin(["1", "2", "3", "4"]).any()
    bali = s.loc[s["Wilayah"] == "Bali", "Klien"].iloc[0]
    assert abs(int(bali.replace(".", "")) - 600) <= 2


def test_compare_tables_are_indonesian_and_arrow_safe(demo_result):
    import pyarrow as pa

    from ibm_geo.plan import compare_scenarios, plan_recruitment
    from ibm_geo_app import compare as app_compare

    a = plan_recruitment(demo_result.kelurahan, Scenario(plan={"p": 2}))
    b = plan_recruitment(demo_result.kelurahan, Scenario(plan={"p": 4}))
    cmp = compare_scenarios(demo_result.kelurahan, demo_result.kelurahan, plan_a=a, plan_b=b)
    summary = app_compare.summary_table(cmp.attrs["summary"], "id")
    pa.Table.from_pandas(summary)  # one type per column: no ArrowTypeError when drawn
    assert list(summary.columns) == ["Ukuran", "Skenario A", "Skenario B", "Selisih (B - A)"]
    row = summary.set_index("Ukuran").loc["Lokasi rekrutmen"]
    assert (row["Skenario A"], row["Skenario B"], row["Selisih (B - A)"]) == ("2", "4", "2")
    text = summary.to_string()
    for english in ("metric", "objective", "agents_to_recruit", "gap", "Optimal"):
        assert english not in text, english
    assert "selisih 0,00%" in text  # the solver line in Indonesian with a decimal comma
    units = app_compare.unit_table(cmp, "id")
    pa.Table.from_pandas(units)
    assert {"Peringkat A", "Peringkat B", "Perubahan lokasi"} <= set(units.columns)
    assert set(units["Perubahan lokasi"]) <= {"tetap", "baru", "dihapus", "–", ""}


def test_unit_figures_in_indonesian_number_format(at, demo_result):
    goto(at, "map")
    top = demo_result.kelurahan.iloc[0]
    score = next(m.value for m in at.metric if m.label == "Skor")
    assert score == f"{top['score']:.1f}".replace(".", ",")


def test_score_table_writes_decimals_with_a_comma_in_indonesian(at, demo_result):
    """Issue 14: Streamlit draws floats as 65.4; an Indonesian reader reads 65,4."""
    goto(at, "score")
    table = frame_with(at, "Stabilitas (%)")
    top = demo_result.kelurahan.head(10)
    want = [f"{round(v, 1):.1f}".replace(".", ",") for v in top["score"]]
    assert table["Skor"].tolist() == want and all("," in v for v in want)
    stability = table["Stabilitas (%)"].tolist()  # whole percents, no "83.0"
    assert all(v.isdigit() and 0 <= int(v) <= 100 for v in stability), stability


def test_on_screen_tables_are_working_figures_until_rakor_mode(at, demo_result):
    """The planner's screen shows the exact working figures, marked as not to be shared; the
    Mode rakor switch shows exactly the published ranking (what the files hold): the band for
    villages with fewer than 5 clients in the register, never a 1..4."""
    from ibm_geo.publish import publish

    goto(at, "score")
    at.number_input(key="top_n").set_value(60).run()
    assert any("jangan dibagikan" in c.value for c in at.caption)
    table = frame_with(at, "Stabilitas (%)")
    exact = demo_result.kelurahan.head(60)
    assert table["Belum terlayani"].astype(str).tolist() == [str(v) for v in exact["unserved"]]
    at.sidebar.toggle[0].set_value(True).run()
    assert not at.exception, at.exception
    assert any("Mode rakor" in i.value for i in at.info)
    table = frame_with(at, "Stabilitas (%)")
    pub = publish(demo_result).top(60)
    for col, field in (("unserved", "Belum terlayani"), ("clients", "Klien")):
        shown = table[field].astype(str).tolist()
        assert shown == [str(v) for v in pub[col]], col
        assert not set(shown) & {"1", "2", "3", "4"}, col
    assert table["Peringkat"].tolist() == pub["rank"].astype(int).tolist()


def test_app_workbook_is_the_cli_workbook_with_the_progress_sheets_in_indonesian(demo_result):
    """Issue 13/14 leftovers: the app's XLSX comes from the CLI's builder (same sheets, the
    Capaian tables included) and an Indonesian reader finds no machine column name in it."""
    import io

    import openpyxl

    from ibm_geo.export import tables as ex
    from ibm_geo.monitoring import (
        CHANGE_COLUMNS,
        PROGRESS_COLUMNS,
        RW_COLUMNS,
        SUMMARY_COLUMNS,
        TREND_COLUMNS,
        monitor,
        read_targets,
    )
    from ibm_geo.plan.pilots import choose_pilots
    from ibm_geo.plan.recruitment import plan_recruitment
    from ibm_geo.privacy import public_table

    sc = Scenario(plan={"p": 3})
    plan = plan_recruitment(demo_result.kelurahan, sc)
    pilots = choose_pilots(demo_result.kelurahan, sc)
    mon = monitor(demo_result, read_targets(demo_paths()["targets"], demo_result.kelurahan))
    from ibm_geo.publish import publish

    pub = publish(demo_result, plan, pilots)
    items = app_downloads.export_items(pub, "id", monitoring=mon)
    app_xlsx = next(fn for key, _, _, fn in items if key == "e.ranking_xlsx")()
    cli_xlsx = ex.analysis_workbook(pub, monitoring=mon)
    books = [openpyxl.load_workbook(io.BytesIO(b)) for b in (app_xlsx, cli_xlsx)]
    assert books[0].sheetnames == books[1].sheetnames == [
        "peringkat", "rencana", "desa percontohan", "kualitas data", "pengaturan skenario",
        "kurva cakupan", "nama wilayah", "capaian", "tren", "ringkasan kantor", "manifes",
    ]  # fmt: skip
    wb = books[0]
    machine = set(public_table(demo_result.kelurahan, 5).columns)
    machine |= {*PROGRESS_COLUMNS, *TREND_COLUMNS, *SUMMARY_COLUMNS, *CHANGE_COLUMNS, *RW_COLUMNS}
    machine |= {"solver", "p", "covered", "marginal", "method", "names", "key", "value"}
    for ws in wb:
        head = [c.value for c in ws[1]]
        assert not machine & set(head), (ws.title, machine & set(head))
    # the province's 2024 rehab target of the demo file: 100 of 240, as progress.csv says
    rows = list(wb["capaian"].iter_rows(values_only=True))
    assert rows[0] == (
        "Wilayah", "Tingkat", "Tahun", "Indikator", "Capaian", "Target", "Persen", "Dasar hitung"
    )  # fmt: skip
    bali = [r for r in rows if r[:4] == ("Bali", "Provinsi", 2024, "Klien direhabilitasi")]
    assert [r[4:7] for r in bali] == [(100, 240, 41.7)]
    pr = mon.progress
    want = pr[(pr["area_level"] == "provinsi") & (pr["indicator"] == "rehab")]
    assert int(want.loc[want["year"] == 2024, "achieved"].iloc[0]) == 100
    manifest = dict(wb["manifes"].iter_rows(min_row=2, values_only=True))
    assert manifest["Cara mengukur jarak"] == "garis lurus"
    assert manifest["Aturan perlindungan data"].startswith("Angka publikasi diberi derau kecil")
    assert "Dasar hitung agen dan desa IBM" in manifest
    assert manifest["Metode perlindungan angka"].startswith("metode kunci sel")
    assert not any(k.startswith("manifest_") or k.endswith("_id") for k in manifest)
    solver = {r[-1] for r in wb["rencana"].iter_rows(min_row=2, values_only=True)}
    assert solver == {
        # the desa model (issue 22): reaches do not overlap, so the greedy choice is proven best
        "pilihan bertahap (greedy), terbukti terbaik karena jangkauan kelompok tidak tumpang "
        "tindih (seperti model desa), selisih 0,00%"
    }
    # the deck gets a progress slide per office too (BNNP + the four BNNK of the demo)
    from pptx import Presentation

    deck = next(fn for key, _, _, fn in items if key == "e.slides")()
    firsts = [
        next((sh.text_frame.text for sh in s.shapes if sh.has_text_frame), "")
        for s in Presentation(io.BytesIO(deck)).slides
    ]
    offices = mon.summary["area_level"].isin(["provinsi", "kab_kota"]).sum()
    assert offices == 4  # Bali and the three kab/kota of the demo
    assert sum(t.startswith("Capaian – ") for t in firsts) == offices
    # ... under the deck's own footer (area and data date), not today's date
    footers = [
        next(
            sh.text_frame.text
            for sh in s.shapes
            if sh.has_text_frame and "hlm." in sh.text_frame.text
        )
        for s in Presentation(io.BytesIO(deck)).slides
    ]
    assert {f.rsplit("hlm.", 1)[0] for f in footers} == {footers[0].rsplit("hlm.", 1)[0]}
    assert footers[-1].endswith(f"hlm. {len(footers)}")
