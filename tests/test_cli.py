"""The CLI contract documented in the README: files written, aggregates only, exit codes."""

import os
import re
import subprocess
import sys

import pandas as pd
import pytest
from _helpers import deck_texts
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.demo import demo_paths

runner = CliRunner()


def demo_args(out):
    d = demo_paths()
    return [
        "--boundaries",
        str(d["boundaries"]),
        "--clients",
        str(d["clients"]),
        "--agents",
        str(d["agents"]),
        "--service-points",
        str(d["service_points"]),
        "--out",
        str(out),
    ]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """``analyze`` on the demo data once for the tests that read its output folder."""
    out = tmp_path_factory.mktemp("analyze")
    return runner.invoke(app, ["analyze", *demo_args(out)]), out


def test_analyze_writes_the_contract_files(demo_run):
    r, tmp_path = demo_run  # the shared run and its --out folder
    assert r.exit_code == 0, r.output
    for f in [
        "ranking.csv",
        "matches.csv",
        "data_quality.csv",
        "results.geojson",
        "map.html",
        "ranking.xlsx",
        "scenario.toml",
    ]:
        assert (tmp_path / f).stat().st_size > 0, f
    rk = pd.read_csv(tmp_path / "ranking.csv", dtype=str)
    for col in ["kode", "nama", "kecamatan", "kab_kota", "clients", "unserved", "score", "rank"]:
        assert col in rk.columns
    assert len(rk) == 175
    # ranked: every kelurahan with k or more clients in the register, 1..n without gaps;
    # the others show the band and no rank
    ranked = rk["rank"].dropna().astype(int)
    assert sorted(ranked) == list(range(1, len(ranked) + 1)) and len(ranked) >= 90
    assert (rk.loc[rk["rank"].isna(), "clients"] == "<5").all()
    # counts 1..4 are never written as digits
    for col in ["clients", "unserved"]:
        assert not rk[col].isin(["1", "2", "3", "4"]).any()
    m = pd.read_csv(tmp_path / "matches.csv", dtype=str)
    assert list(m.columns) == [
        "table", "kode", "nama", "method", "confidence", "spellings", "rows", "written_kind",
        "candidates",
    ]  # fmt: skip
    # one row per table, kelurahan and method; no name as typed in the register ("Kel. ...",
    # the fuzzy "Sanuur") leaves the process, only the kelurahan it was placed in
    assert not m.duplicated(["table", "kode", "method"]).any()
    raw = (tmp_path / "matches.csv").read_text()
    assert "Sanuur" not in raw and "Kel. " not in raw and "Desa " not in raw
    assert ((m["nama"] == "Sanur") & (m["method"] == "fuzzy")).any()
    q = pd.read_csv(tmp_path / "data_quality.csv", dtype=str)
    assert list(q.columns)[:5] == ["file", "row", "column", "problem", "value"]
    # the lines for people are Indonesian by default, numbers in Indonesian format
    # the totals printed are the published ones: 147 unserved, published within ±2
    assert "600 baris klien dibaca" in r.output
    assert abs(int(re.search(r"(\d+) belum terlayani", r.output).group(1)) - 147) <= 2
    rk1 = rk[rk["rank"] == "1"].iloc[0]
    assert f"1. {rk1['nama']} ({rk1['kab_kota']}) skor {rk1['score'].replace('.', ',')}" in r.output
    # the quality rows are in the run's language (issue 23): "lat/lon look swapped"
    assert q["problem"].str.contains("lintang/bujur tampak tertukar").sum() == 4


def test_no_client_data_in_any_output(demo_run):
    r, tmp_path = demo_run  # the shared run and its --out folder
    assert r.exit_code == 0, r.output
    clients = pd.read_csv(demo_paths()["clients"], sep=";", dtype=str, encoding="utf-8-sig")
    needles = list(clients["nama_klien"].dropna().unique()) + list(clients["nik"].dropna().unique())
    # client coordinates, except those the generator had to put exactly on a kelurahan's public
    # representative point (published on purpose as the kelurahan's label position)
    import geopandas as gpd
    import shapely

    b = gpd.read_file(demo_paths()["boundaries"])
    rep = {
        f"{v:.5f}".rstrip("0") for v in shapely.get_y(shapely.point_on_surface(b.geometry.values))
    }
    coords = [
        c for c in clients["lintang"].dropna().str.replace(",", ".") if c.rstrip("0") not in rep
    ]
    assert len(coords) > 300
    for f in tmp_path.iterdir():
        blob = f.read_bytes()
        if f.suffix == ".xlsx":
            import io
            import zipfile

            z = zipfile.ZipFile(io.BytesIO(blob))
            blob = b"".join(z.read(n) for n in z.namelist())
        text = blob.decode("utf-8", errors="ignore")
        for s in needles + coords:
            assert s not in text, (f.name, s)


def test_unusable_input_exits_nonzero_with_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("foo;bar\n1;2\n", encoding="utf-8")
    d = demo_paths()
    r = runner.invoke(
        app,
        [
            "analyze",
            "--boundaries",
            str(d["boundaries"]),
            "--clients",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert r.exit_code == 2
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "bad.csv" in lines[0]


def test_module_entry_point_help():
    env = {k: v for k, v in os.environ.items() if k != "IBM_GEO_LANG"}
    p = subprocess.run(
        [sys.executable, "-m", "ibm_geo", "analyze", "--help"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0
    assert "--boundaries" in p.stdout and "metode kunci sel" in " ".join(p.stdout.split())
    # English first in a fresh process: the code's English help, not the Indonesian fallback
    p = subprocess.run(
        [sys.executable, "-m", "ibm_geo", "--lang", "en", "analyze", "--help"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert p.returncode == 0 and "Client list" in p.stdout and "Daftar klien" not in p.stdout


def test_plan_writes_plan_pilots_and_rakor_files(tmp_path):
    r = runner.invoke(app, ["plan", *demo_args(tmp_path), "--groups", "3"])
    assert r.exit_code == 0, r.output
    for f in [
        "plan.csv",
        "pilots.csv",
        "curve.csv",
        "map.png",
        "map_a4.pdf",
        "rakor.pptx",
        "map.html",
    ]:
        assert (tmp_path / f).stat().st_size > 0, f
    plan = pd.read_csv(tmp_path / "plan.csv", dtype=str)
    assert len(plan) == 3 and sorted(plan["contribution_rank"].astype(int)) == [1, 2, 3]
    assert (plan["agents_to_recruit"].astype(int) == 5).all()  # one group = scenario group_size
    pilots = pd.read_csv(tmp_path / "pilots.csv", dtype=str)
    # pilots are where IBM starts (issue 22): per BNNK (kab/kota), the plan's first site there
    first = plan.sort_values("contribution_rank").drop_duplicates("kab_kota")
    assert sorted(pilots["kode"]) == sorted(first["kode"])
    assert pilots["kab_kota"].nunique() == len(pilots) == plan["kab_kota"].nunique()
    curve = pd.read_csv(tmp_path / "curve.csv", dtype=str)
    assert curve["p"].astype(int).tolist()[:4] == [0, 1, 2, 3]
    # every line in the default language, Bahasa Indonesia (no HiGHS banner, no English)
    # the desa model (default): every group's reach is its own village, so the step-by-step
    # choice is proven best, and the line says how reach was decided
    assert "Metode: pilihan bertahap (greedy), terbukti terbaik" in r.output, r.output
    assert "selisih 0,00%" in r.output and "ditulis: " in r.output
    assert "model desa: kelompok melayani kelurahan/desanya sendiri" in r.output
    for english in ("Running HiGHS", "wrote", "sites", "objective", "gap"):
        assert english not in r.output, english
    # the proposed sites and pilots are on the HTML map
    html = (tmp_path / "map.html").read_text(encoding="utf-8")
    for name in plan["nama"].tolist() + pilots["nama"].tolist():
        assert name in html


def test_plan_with_zero_groups_proposes_nothing(tmp_path):
    r = runner.invoke(app, ["plan", *demo_args(tmp_path), "--groups", "0"])
    assert r.exit_code == 0, r.output
    plan = pd.read_csv(tmp_path / "plan.csv", dtype=str)
    assert len(plan) == 0


def test_lang_en_prints_english_lines_with_english_numbers(tmp_path):
    r = runner.invoke(app, ["--lang", "en", "analyze", *demo_args(tmp_path), "--no-map"])
    assert r.exit_code == 0, r.output
    assert "600 client rows read" in r.output
    assert abs(int(re.search(r"(\d+) unserved", r.output).group(1)) - 147) <= 2
    assert "wrote ranking.csv" in r.output
    rk = pd.read_csv(tmp_path / "ranking.csv", dtype=str, encoding="utf-8-sig")
    top = rk[rk["rank"] == "1"].iloc[0]
    assert f" score {top['score']}" in r.output and "skor" not in r.output
    assert "dibaca" not in r.output


def _readme_row(readme: str, name: str) -> str:
    """The README table row documenting ``name`` (``| `name` | ... |``)."""
    rows = [ln for ln in readme.splitlines() if ln.startswith(f"| `{name}`")]
    assert len(rows) == 1, name
    return rows[0]


def test_plan_with_targets_previous_per_kecamatan_per_rw_end_to_end(tmp_path):
    """``plan --targets --previous results.geojson --per-kecamatan --per-rw`` on the demo, as a
    BNNP runs it before a rakor: exit 0, every documented file with its documented columns, a
    progress slide per office in the deck, and a change that stays hidden ('*') wherever
    either run hid the unit's unserved count."""
    import json
    from pathlib import Path

    from ibm_geo import monitoring as mo

    d = demo_paths()
    prev_sc = tmp_path / "prev.toml"  # the last rakor: clients up to 2023
    prev_sc.write_text("[filters]\nyear_max = 2023\n", encoding="utf-8")
    prev = tmp_path / "prev"
    r = runner.invoke(app, ["analyze", *demo_args(prev), "--scenario", str(prev_sc), "--no-map"])
    assert r.exit_code == 0, r.output
    out = tmp_path / "now"
    monitoring = ["--targets", str(d["targets"]), "--previous", str(prev / "results.geojson")]
    r = runner.invoke(
        app, ["plan", *demo_args(out), *monitoring, "--per-kecamatan", "--per-rw", "--groups", "5"]
    )
    assert r.exit_code == 0, r.output

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    analysis = ["ranking.csv", "ranking.xlsx", "matches.csv", "data_quality.csv"]
    analysis += ["results.geojson", "map.html", "scenario.toml"]
    plan_files = ["plan.csv", "pilots.csv", "curve.csv", "map.png", "map_a4.pdf", "rakor.pptx"]
    tables = {
        "summary.csv": mo.SUMMARY_COLUMNS,
        "trend.csv": mo.TREND_COLUMNS,
        "progress.csv": mo.PROGRESS_COLUMNS,
        "change.csv": mo.CHANGE_COLUMNS,
        "rw.csv": mo.RW_COLUMNS,
    }
    for name in analysis:
        _readme_row(readme, name)  # documented in the analyze contract
    for name, cols in tables.items():  # documented with exactly these columns
        assert f"`{', '.join(cols)}`" in _readme_row(readme, name), name
    assert "| `trend.png`, `change.geojson` |" in readme
    extra = ["trend.png", "change.geojson"]
    assert sorted(p.name for p in out.iterdir()) == sorted(
        analysis + plan_files + list(tables) + extra
    )
    for name in analysis + plan_files + list(tables) + extra:
        assert (out / name).stat().st_size > 0, name

    def csv(name: str) -> pd.DataFrame:
        return pd.read_csv(out / name, dtype=str, encoding="utf-8-sig", keep_default_na=False)

    for name, cols in tables.items():
        assert list(csv(name).columns) == cols, name
    # plan files with the columns of docs/ARCHITECTURE.md
    assert list(csv("plan.csv").columns) == [
        "kode", "nama", "kecamatan", "kab_kota", "agents_to_recruit", "newly_reached",
        "mean_distance_m", "contribution_rank", "solver",
    ]  # fmt: skip
    assert list(csv("pilots.csv").columns) == [
        "kode", "nama", "kab_kota", "kecamatan", "score", "unserved", "reason_id", "reason_en",
        "comparison_kode", "comparison_nama", "source", "reach_names", "reach_kodes",
        "reach_clients", "comparison_reason_id", "comparison_reason_en",
    ]  # fmt: skip
    # what a pilot reaches: the sum of its villages' published unserved counts
    pil, rk_ = csv("pilots.csv"), csv("ranking.csv").set_index("kode")
    for _, r in pil.iterrows():
        parts = [rk_.loc[kd, "unserved"] for kd in r["reach_kodes"].split(";")]
        assert int(r["reach_clients"]) == sum(int(v) for v in parts if v != "<5")
    assert list(csv("curve.csv").columns) == ["p", "covered", "marginal"]
    assert len(csv("plan.csv")) == 5

    # progress: one row per demo target; the demo agents carry a year, so counted per year;
    # the demo register has no pascarehab year, so pascarehab is today's snapshot (issue 22)
    pr = csv("progress.csv")
    pasca = pr["indicator"] == "pascarehab"
    assert len(pr) == 13 and set(pr.loc[~pasca, "basis"]) == {"tahunan"}
    assert pasca.any() and set(pr.loc[pasca, "basis"]) == {"snapshot"}
    bali = pr[(pr["area"] == "Bali") & (pr["year"] == "2024") & (pr["indicator"] == "rehab")]
    assert bali[["achieved", "target", "percent"]].values.tolist() == [["100", "240", "41.7"]]
    man = pd.read_excel(out / "ranking.xlsx", sheet_name="manifes").set_index("Kunci")["Nilai"]
    assert man["Dasar hitung agen dan desa IBM"].startswith("Agen dan desa IBM: agen aktif yang")

    # the deck: a progress slide per office of summary.csv, the BNNP first
    texts = deck_texts((out / "rakor.pptx").read_bytes(), sep=" ", picture="")
    sm = csv("summary.csv")
    offices = sm.loc[sm["area_level"].isin(["provinsi", "kab_kota"]), "area"].tolist()
    assert offices == ["Bali", "Kabupaten Badung", "Kabupaten Gianyar", "Kota Denpasar"]
    progress_slides = [x for x in texts if x.startswith("Capaian – ")]
    assert [x.split(" ", 3)[2] for x in progress_slides[:1]] == ["Bali"]
    for area in offices:
        assert sum(x.startswith(f"Capaian – {area} ") for x in progress_slides) >= 1, area
    first = progress_slides[0]
    assert "Klien direhabilitasi 2024 100 240 41,7%" in first
    assert "direkrut sampai tahun target" in first
    assert "Rehab tahun Y: klien yang direhabilitasi pada tahun Y" in first
    assert any(x.startswith("Tren per tahun rehabilitasi – Bali") for x in texts)

    # change: an opaque unit (fewer than k clients in the register) is the band in both runs,
    # whatever the filter, and its change is uncertain; every other change is the difference
    # of the two published numbers
    g = json.loads((prev / "results.geojson").read_text(encoding="utf-8"))
    before_opaque = {f["properties"]["kode"] for f in g["features"] if f["properties"]["opaque"]}
    rk = csv("ranking.csv")
    now_opaque = set(rk.loc[rk["unserved"] == "<5", "kode"])
    assert before_opaque == now_opaque and len(now_opaque) >= 10
    ch = csv("change.csv").set_index("kode")
    units = ch[ch.index.str.len() > 5]
    for kode, row in units.iterrows():
        if kode in now_opaque:
            assert row["unserved_before"] == row["unserved_now"] == "<5", kode
            assert row["change"] == "*", kode
        else:
            assert int(row["change"]) == int(row["unserved_now"]) - int(row["unserved_before"])
    kab = ch[ch.index.str.len() == 5]
    assert list(kab.index) == ["51.03", "51.04", "51.71"]


def test_main_help_in_indonesian_by_default_and_english_with_lang_en(monkeypatch):
    """`ibm-geo --help` and `ibm-geo plan --help`: click's frame words and the texts follow
    the language (issue 14)."""
    monkeypatch.delenv("IBM_GEO_LANG", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    english = ("Usage:", "Options", "Show this message", "Commands")
    for args, words in (
        (["--help"], ["Penggunaan:", "Opsi", "Perintah", "Tampilkan pesan ini lalu keluar."]),
        (["plan", "--help"], ["Penggunaan:", "Opsi", "Daftar klien (CSV atau XLSX).", "[wajib]"]),
    ):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, res.output
        assert all(w in res.output for w in words), res.output
        assert not any(w in res.output for w in english), res.output
        res = runner.invoke(app, ["--lang", "en", *args])
        assert res.exit_code == 0, res.output
        assert all(w in res.output for w in ("Usage:", "Options", "Show this message")), res.output
        assert "Penggunaan" not in res.output and "Opsi" not in res.output
    res = runner.invoke(app, ["--lang", "en", "plan", "--help"])
    assert "Client list (CSV or XLSX)." in res.output and "[required]" in res.output


def test_plan_accounts_for_every_group_and_writes_phases(tmp_path):
    """Issue 22: more groups than the desa model can use are accounted for in one line; the
    phases of the scenario give the tahap files (small counts hidden)."""
    sc = tmp_path / "s.toml"
    sc.write_text(
        "[plan]\n"
        "[[plan.phases]]\nyear = 2024\ngroups = 2\n"
        "[[plan.phases]]\nyear = 2025\ngroups = 3\ntarget = 100\n",
        encoding="utf-8",
    )
    out = tmp_path / "o"
    r = runner.invoke(app, ["plan", *demo_args(out), "--groups", "10000", "--scenario", str(sc)])
    assert r.exit_code == 0, r.output
    plan = pd.read_csv(out / "plan.csv", dtype=str)
    n = len(plan)
    assert 0 < n < 10000
    line = f"{n} dari 10.000 kelompok ditempatkan; kelompok ke-{n + 1} sampai ke-10.000"
    assert line in r.output
    assert "tidak menjangkau klien baru dalam model desa" in r.output
    tahap = pd.read_csv(out / "tahap.csv", dtype=str)
    assert list(tahap["tahun"].unique()) == ["2024", "2025"]
    assert (tahap["tahun"] == "2024").sum() == 2 and (tahap["tahun"] == "2025").sum() == 3
    years = pd.read_csv(out / "tahap_tahun.csv", dtype=str)
    assert years["target"].tolist()[1] == "100"
    assert (out / "tahap.xlsx").stat().st_size > 0 and (out / "kurva_tahap.csv").exists()
    assert "Tahap 2024: 2 kelompok baru di " in r.output
    # published figures: the running total is the sum of the published reach per group
    reached = tahap["clients_reached"].astype(int)
    assert tahap["cumulative_reached"].astype(int).tolist() == reached.cumsum().tolist()
    # the map: one layer per budget year (each phase site carries its year), no radius ring
    # in the village model
    import json
    import re as _re

    page = (out / "map.html").read_text(encoding="utf-8")
    data = json.loads(_re.search(r'id="ibm-data">(.*?)</script>', page, _re.S).group(1))
    years = {s["nama"]: s["year"] for s in data["sites"] if s["year"] is not None}
    want = dict(zip(tahap["nama"], tahap["tahun"].astype(int), strict=True))
    assert years and all(want[n] == y for n, y in years.items())
    assert data["meta"]["site_ring"] is False


def test_scenario_prints_filter_meanings_and_the_2019_cohort():
    import tomllib

    r = runner.invoke(app, ["scenario", "--preset", "kohort-2019"])
    assert r.exit_code == 0, r.output
    for key in ("provinsi", "kab_kota", "kecamatan", "year_min", "year_max", "statuses"):
        assert f"# filters.{key}: " in r.output, key
    data = tomllib.loads(r.output)
    assert data["filters"] == {"year_min": 2019, "year_max": 2019, "statuses": ["belum"]} | {
        k: [] for k in ("provinsi", "kab_kota", "kecamatan")
    }
    assert data["plan"]["reach"] == "desa"
