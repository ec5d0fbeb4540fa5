"""The CLI contract documented in the README: files written, aggregates only, exit codes."""

import subprocess
import sys

import pandas as pd
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


def test_analyze_writes_the_contract_files(tmp_path):
    r = runner.invoke(app, ["analyze", *demo_args(tmp_path)])
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
    assert sorted(rk["rank"].astype(int)) == list(range(1, 176))
    # counts 1..4 are never written as digits
    for col in ["clients", "unserved"]:
        assert not rk[col].isin(["1", "2", "3", "4"]).any()
    m = pd.read_csv(tmp_path / "matches.csv", dtype=str)
    assert {"written_name", "kode", "method", "confidence", "candidates"} <= set(m.columns)
    assert (
        m["written_name"].is_unique
        or m[["written_name", "written_kecamatan", "written_kab_kota"]].duplicated().sum() == 0
    )
    q = pd.read_csv(tmp_path / "data_quality.csv", dtype=str)
    assert list(q.columns)[:5] == ["file", "row", "column", "problem", "value"]
    # the lines for people are Indonesian by default, numbers in Indonesian format
    assert "600 baris klien dibaca" in r.output and "147 belum terlayani" in r.output
    rk1 = rk[rk["rank"] == "1"].iloc[0]
    assert f"1. {rk1['nama']} ({rk1['kab_kota']}) skor {rk1['score'].replace('.', ',')}" in r.output
    assert q["problem"].str.contains("swapped").sum() == 4


def test_no_client_data_in_any_output(tmp_path):
    r = runner.invoke(app, ["analyze", *demo_args(tmp_path)])
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
    p = subprocess.run(
        [sys.executable, "-m", "ibm_geo", "analyze", "--help"], capture_output=True, text=True
    )
    assert p.returncode == 0
    assert "--boundaries" in p.stdout and "hidden" in p.stdout


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
    # one pilot per BNNK (kab/kota) by default: Denpasar, Badung, Gianyar
    assert pilots["kab_kota"].nunique() == len(pilots) == 3
    curve = pd.read_csv(tmp_path / "curve.csv", dtype=str)
    assert curve["p"].astype(int).tolist()[:4] == [0, 1, 2, 3]
    # every line in the default language, Bahasa Indonesia (no HiGHS banner, no English)
    assert "Metode: optimasi lokasi (MCLP, solver HiGHS)" in r.output, r.output
    assert "selisih 0,00%" in r.output and "ditulis: " in r.output
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
    assert "600 client rows read" in r.output and "147 unserved" in r.output
    assert "wrote ranking.csv" in r.output
    assert " score 65.4" in r.output and "skor" not in r.output and "dibaca" not in r.output
