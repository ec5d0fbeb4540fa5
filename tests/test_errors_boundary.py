"""The exit-2 contract: every failure from user input is one catalog line, never a traceback, and
a failed run leaves ``--out`` as it was."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ibm_geo import errors
from ibm_geo.config import MAX_CURVE_P, MAX_DRAWS, MAX_RADIUS_M, Scenario, ScenarioError
from ibm_geo.demo import demo_paths
from ibm_geo.errors import MESSAGES, UserError

REPO = Path(__file__).resolve().parents[1]


def cli(*args: str, lang: str | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "ibm_geo", *(["--lang", lang] if lang else []), *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO)


def one_line(p: subprocess.CompletedProcess) -> str:
    lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, p.stderr
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout
    return lines[0]


def test_catalog_templates_name_the_same_parameters_in_both_languages():
    for code, msg in MESSAGES.items():
        assert set(msg) >= {"id", "en"}, code
        assert errors._fields(msg["id"]) == errors._fields(msg["en"]), code


def test_every_issue10_code_raised_exists_and_every_declared_one_is_raised():
    from ibm_geo.config import _TYPES

    src = "\n".join(p.read_text() for p in (REPO / "ibm_geo").rglob("*.py"))
    src += (REPO / "app.py").read_text()
    used = set(re.findall(r'(?:UserError|_rule)\(\s*"([a-z_]+\.[a-z_]+)"', src))
    used |= {f"scenario.not_{t}" for t in _TYPES.values()}  # built from pydantic's error type
    used |= {"scenario.invalid", "input.generic"}  # ScenarioError, legacy InputError
    assert used - set(MESSAGES) == set()
    ours = {c for c in MESSAGES if c.split(".")[0] in ("input", "boundaries", "scenario", "cli")}
    assert ours - used == set()


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('radius_m = "tiga km"', "radius_m", "is not a number"),
        ("radius_m = -1", "radius_m", "must be > 0"),
        ("radius_m = inf", "radius_m", "finite"),
        ("radius_m = nan", "radius_m", "finite"),
        (f"radius_m = {MAX_RADIUS_M + 1}", "radius_m", f"<= {MAX_RADIUS_M}"),
        ("stability_draws = 2e8", "stability_draws", f"<= {MAX_DRAWS}"),
        ("[plan]\ncurve_max_p = 100000000", "plan.curve_max_p", f"<= {MAX_CURVE_P}"),
        ("[plan]\np = 0.5", "plan.p", "whole number"),
        ("top_n = 0", "top_n", ">= 1"),
        ("radus_m = 3000", "radus_m", "unknown key"),
        ("[plan]\nbogus = 1", "plan.bogus", "unknown key"),
        ('classification = "fixed"\nfixed_breaks = []', "fixed_breaks", "increasing"),
        ("fixed_breaks = [40, 20]", "fixed_breaks", "increasing"),
        (
            "[weights]\nunserved_count=0\nunserved_share=0\nrecency=0\ndistance=0\npresence=0",
            "weights",
            "positive",
        ),
        ("[filters]\nyear_min = 2024\nyear_max = 2020", "filters", "greater than"),
        ('served_statuses = ["aktif", "sudah"]', "served_statuses", "unknown status"),
    ],
)
def test_invalid_scenarios_are_named_errors(text, key, fragment):
    with pytest.raises(ScenarioError) as err:
        Scenario.from_text(text, name="bad.toml")
    en, id_ = err.value.message("en"), err.value.message("id")
    assert en.startswith("bad.toml: ") and f"'{key}'" in en and fragment in en
    assert id_.startswith("bad.toml: ") and f"'{key}'" in id_ and id_ != en


def test_unknown_key_lists_the_valid_keys_of_its_section():
    with pytest.raises(ScenarioError) as err:
        Scenario.from_text("[pilots]\nper_kab_kota = 2\n", name="s.toml")
    assert "per_kab" in err.value.message("en") and "radius_m" not in err.value.message("en")


def test_several_problems_are_reported_at_once():
    with pytest.raises(ScenarioError) as err:
        Scenario.from_text("radius_m = -5\ntop_n = 0\n", name="s.toml")
    msg = err.value.message("en")
    assert "'radius_m'" in msg and "'top_n'" in msg and "\n" not in msg


@pytest.mark.parametrize(
    ("text", "line"),
    [("name = 'x'\nradius_m = \n", 2), ("a = 1\n\n[plan\np = 3\n", 3), ('{"radius_m": 1,\n}', 2)],
)
def test_syntax_errors_name_the_line(text, line):
    fmt = "json" if text.startswith("{") else "toml"
    with pytest.raises(UserError) as err:
        Scenario.from_text(text, fmt, name="s." + fmt)
    assert err.value.code == "scenario.syntax" and int(err.value.params["line"]) == line


def test_bounds_stated_are_the_bounds_enforced():
    """The stated maxima are accepted, one step over is refused (the limit is not decorative)."""
    ok = Scenario.from_text(
        f"radius_m = {MAX_RADIUS_M}\nstability_draws = {MAX_DRAWS}\n"
        f"[plan]\ncurve_max_p = {MAX_CURVE_P}\n"
    )
    assert ok.radius_m == MAX_RADIUS_M and ok.plan.curve_max_p == MAX_CURVE_P
    for text in (f"stability_draws = {MAX_DRAWS + 1}", f"[plan]\ncurve_max_p = {MAX_CURVE_P + 1}"):
        with pytest.raises(ScenarioError):
            Scenario.from_text(text)
    assert math.isfinite(Scenario().radius_m)


def test_default_scenario_round_trips():
    sc = Scenario()
    assert Scenario.from_text(sc.to_toml()) == sc
    assert Scenario.from_text(sc.to_json(), "json") == sc


# -- the real CLI ---------------------------------------------------------------------------


def _demo() -> dict[str, str]:
    return {k: str(v) for k, v in demo_paths().items()}


def test_hook_bad_scenario_exits_2_in_one_line(tmp_path):
    d = _demo()
    bad = tmp_path / "bad.toml"
    bad.write_text('radius_m = "tiga km"\n', encoding="utf-8")
    out = tmp_path / "out"
    p = cli("analyze", "--scenario", str(bad), "-b", d["boundaries"], "-c", d["clients"],
            "--out", str(out))  # fmt: skip
    assert p.returncode == 2
    line = one_line(p)
    assert "bad.toml" in line and "radius_m" in line and "bukan angka" in line
    assert not out.exists() and list(tmp_path.iterdir()) == [bad]


def test_hook_client_csv_as_boundaries(tmp_path):
    d = _demo()
    p = cli("analyze", "--boundaries", d["clients"], "--clients", d["clients"], "--out",
            str(tmp_path / "o"), lang="en")  # fmt: skip
    assert p.returncode == 2
    line = one_line(p)
    assert "klien_demo.csv" in line and "not boundaries" in line and "--clients" in line


def test_out_pointing_at_a_file_is_refused_before_any_work(tmp_path):
    d = _demo()
    f = tmp_path / "hasil.csv"
    f.write_text("keep me", encoding="utf-8")
    p = cli("analyze", "-b", d["boundaries"], "-c", d["clients"], "--out", str(f))
    assert p.returncode == 2 and "--out" in one_line(p)
    assert f.read_text(encoding="utf-8") == "keep me"


def test_failure_while_writing_leaves_out_untouched(tmp_path, monkeypatch):
    """A failure in the middle of writing (here: the map) leaves no partial set behind."""
    from typer.testing import CliRunner

    from ibm_geo import cli as cli_mod
    from ibm_geo.render import html_map

    def boom(*a, **k):
        raise UserError("input.empty", file="map")

    monkeypatch.setattr(html_map, "build_html_map", boom)
    import ibm_geo.render as render

    monkeypatch.setattr(render, "build_html_map", boom)
    d = _demo()
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("old", encoding="utf-8")
    r = CliRunner().invoke(
        cli_mod.app, ["analyze", "-b", d["boundaries"], "-c", d["clients"], "--out", str(out)]
    )
    assert r.exit_code == 2
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["analyze", "-b", "{b}"], "--clients"),
        (["analyze", "-b", "{b}", "-c", "{c}", "--bogus", "--out", "{o}"], "--bogus"),
        (["frob"], "frob"),
        (["plan", "-b", "{b}", "-c", "{c}", "--groups", "abc", "--out", "{o}"], "--groups"),
        (["plan", "-b", "{b}", "-c", "{c}", "--groups", "-3", "--out", "{o}"], "plan.p"),
        (["analyze", "-b", "{b}", "-c", "/nonexistent/klien.csv", "--out", "{o}"], "klien.csv"),
    ],
)
def test_usage_errors_are_one_line_exit_2(tmp_path, args, fragment):
    d = _demo()
    args = [a.format(b=d["boundaries"], c=d["clients"], o=str(tmp_path / "o")) for a in args]
    p = cli(*args)
    assert p.returncode == 2, p.stderr
    assert fragment in one_line(p)
    assert not (tmp_path / "o").exists()


def test_lang_en_and_id_give_the_same_error_in_two_languages(tmp_path):
    d = _demo()
    args = ["analyze", "-b", d["clients"], "-c", d["clients"], "--out", str(tmp_path / "o")]
    en, id_ = one_line(cli(*args, lang="en")), one_line(cli(*args))
    assert "table without geometry" in en and "tabel tanpa geometri" in id_
