"""A plan with no candidate left says why, in the reader's language: the scenario's
``plan.forbidden`` covers every remaining candidate (``plan.all_forbidden``), or the filter left
no unserved client to plan for (``plan.no_unserved``): two errors, never one blaming
``plan.forbidden`` for an empty filter (the CLI and the app share the library's check)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from _english_words import english_words
from _fixtures import make_kelurahan
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.config import PlanConfig, Scenario
from ibm_geo.demo import demo_paths
from ibm_geo.errors import UserError, message
from ibm_geo.i18n import t
from ibm_geo.plan import plan_recruitment

APP = str(Path(__file__).resolve().parents[1] / "app.py")
#: the post-rehab statuses that count as served (Scenario.served_statuses): a filter keeping
#: only them leaves no unserved client anywhere
SERVED_ONLY = ["aktif", "selesai"]


def _demo_codes() -> list[str]:
    return gpd.read_file(demo_paths()["boundaries"])["kode"].astype(str).tolist()


# -- the library ----------------------------------------------------------------------------------
def test_no_unserved_client_is_its_own_error_not_the_forbidden_list():
    kel = make_kelurahan()
    kel["unserved"] = 0
    with pytest.raises(UserError) as e:
        plan_recruitment(kel, Scenario(plan=PlanConfig(p=2)))
    assert e.value.code == "plan.no_unserved"
    assert "forbidden" not in e.value.message("en")


def test_forbidden_list_covering_every_remaining_candidate_names_its_length():
    kel = make_kelurahan()
    assert (kel["unserved"] > 0).sum() >= 3
    # every kelurahan with unserved clients listed, the others left out for having none
    listed = kel.loc[kel["unserved"] > 0, "kode"].astype(str).tolist()
    with pytest.raises(UserError) as e:
        plan_recruitment(kel, Scenario(plan=PlanConfig(p=2, forbidden=listed)))
    assert e.value.code == "plan.all_forbidden"
    assert e.value.params == {"n": len(listed)}
    assert f"({len(listed)} kelurahan/desa tercantum)" in e.value.message("id")


# -- the CLI: exit 2, one line, the code's text in the run's language ------------------------------
def _cli(tmp_path: Path, lang: str, scenario_toml: str):
    d = demo_paths()
    sc = tmp_path / "sc.toml"
    sc.write_text(scenario_toml, encoding="utf-8")
    args = ["--lang", lang, "plan", "--boundaries", str(d["boundaries"])]
    args += ["--clients", str(d["clients"]), "--agents", str(d["agents"])]
    args += ["--scenario", str(sc), "--out", str(tmp_path / "out")]
    r = CliRunner().invoke(app, args)
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    return r.exit_code, lines


@pytest.mark.parametrize("lang", ["id", "en"])
def test_cli_says_the_filter_left_no_unserved_client(tmp_path, lang):
    code, lines = _cli(tmp_path, lang, f"[filters]\nstatuses = {SERVED_ONLY!r}\n")
    assert code == 2
    assert lines == [t("cli.error", lang, message=message("plan.no_unserved", lang))]
    if lang == "id":
        assert lines == [
            "kesalahan: tidak ada klien belum terlayani pada filter ini: tidak ada lokasi yang "
            "perlu diusulkan; ubah filter tahun/status"
        ]
        assert english_words(lines[0]) == set()


def test_cli_says_the_forbidden_list_covers_every_candidate(tmp_path):
    codes = _demo_codes()
    code, lines = _cli(tmp_path, "id", f"[plan]\nforbidden = {codes!r}\n")
    assert code == 2
    assert lines == [t("cli.error", "id", message=message("plan.all_forbidden", "id", n=175))]
    assert len(codes) == 175 and english_words(lines[0]) == set()


# -- the app: the plan step's error, Indonesian, no English ----------------------------------------
def test_app_plan_step_says_each_case_in_indonesian():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    assert not at.exception, at.exception
    at.sidebar.multiselect(key="f_status").set_value(SERVED_ONLY).run()
    at.sidebar.radio[0].set_value("plan").run()
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "tidak ada klien belum terlayani pada filter ini" in errors[0]
    assert "plan.forbidden" not in errors[0] and english_words(errors[0]) == set()
    assert "plan_run" not in at.session_state

    # every status again; the loaded scenario forbids every kelurahan
    at.sidebar.multiselect(key="f_status").set_value([]).run()
    at.session_state["base_scenario"] = Scenario(plan=PlanConfig(forbidden=_demo_codes()))
    at.button(key="run_plan").click().run()
    assert not at.exception, at.exception
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "mengecualikan semua lokasi calon" in errors[0], errors
    assert "175" in errors[0] and english_words(errors[0]) == set()
