"""One source for every number the room sees (issue 23): the deck, the workbook and the CLI's
plan line of one real ``ibm-geo plan`` run are parsed back and every figure is compared with
the published tables the same run wrote (plan.csv, curve.csv, pilots.csv, ranking.csv,
data_quality.csv); every breakdown must add up to the figure it claims to break down.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.demo import demo_paths

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
COST = 2_500_000


def _int(text: str) -> int:
    """An Indonesian-formatted whole number ("1.300") as int."""
    return int(text.replace(".", ""))


def _slides(path) -> list[dict]:
    """Per slide: its title, its text boxes and its tables (rows of cell texts)."""
    out = []
    for s in Presentation(str(path)).slides:
        texts = [sh.text_frame.text for sh in s.shapes if sh.has_text_frame]
        tables = [
            [[c.text for c in row.cells] for row in sh.table.rows]
            for sh in s.shapes
            if sh.has_table
        ]
        out.append({"title": texts[0] if texts else "", "texts": texts, "tables": tables})
    return out


def _slide(slides: list[dict], title: str) -> dict:
    hits = [s for s in slides if s["title"].startswith(title)]
    assert len(hits) == 1, (title, [s["title"] for s in slides])
    return hits[0]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("figures")
    (out / "sc.toml").write_text(
        f'data_date = "30 Juni 2025"\n[plan]\np = 5\ncurve_max_p = 30\ncost_per_agent_rp = {COST}\n'
    )
    d = demo_paths()
    res = CliRunner().invoke(
        app,
        ["plan", "--boundaries", str(d["boundaries"]), "--clients", str(d["clients"]),
         "--agents", str(d["agents"]), "--service-points", str(d["service_points"]),
         "--scenario", str(out / "sc.toml"), "--out", str(out / "o")],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    # the same data through `ibm-geo analyze`: its printed summary
    summary = CliRunner().invoke(
        app,
        ["analyze", "--boundaries", str(d["boundaries"]), "--clients", str(d["clients"]),
         "--agents", str(d["agents"]), "--service-points", str(d["service_points"]),
         "--scenario", str(out / "sc.toml"), "--out", str(out / "a"), "--no-map"],
    )  # fmt: skip
    assert summary.exit_code == 0, summary.output
    o = out / "o"

    def csv(name: str) -> pd.DataFrame:
        return pd.read_csv(o / name, dtype={"kode": str})

    return {
        "out": o,
        "cli": res.output,
        "summary": summary.output,
        "slides": _slides(o / "rakor.pptx"),
        "plan": csv("plan.csv"),
        "curve": csv("curve.csv"),
        "pilots": csv("pilots.csv"),
        "ranking": csv("ranking.csv"),
        "quality": csv("data_quality.csv"),
        "xlsx": openpyxl.load_workbook(o / "ranking.xlsx"),
    }


def test_decision_slide_cli_line_and_workbook_state_the_site_table(run):
    plan, slides = run["plan"], run["slides"]
    agents = int(plan["agents_to_recruit"].sum())
    reached = int(plan["newly_reached"].sum())
    assert len(plan) == 5 and agents == 25 and reached > 0
    text = "\n".join(_slide(slides, "Usulan keputusan")["texts"])
    m = re.search(r"Rekrut (\d+) kelompok = ([\d.]+) Agen Pemulihan di (\d+) desa", text)
    assert m and (int(m[1]), _int(m[2]), int(m[3])) == (5, agents, len(plan))
    assert f"Perkiraan biaya: Rp {agents * COST:,} (Rp {COST:,} per agen)".replace(",", ".") in text
    m = re.search(
        r"Menjangkau sekitar ([\d.]+) klien yang kini belum terlayani \(dari ([\d.]+)\)", text
    )
    assert m and _int(m[1]) == reached
    # the per-kab/kota parts add up to the agents recruited, each equal to the site table's
    parts = re.search(r"Per kab/kota: (.*)", text)[1].split("; ")
    by_kab = plan.groupby("kab_kota")["agents_to_recruit"].sum()
    got = {p.rsplit(" ", 2)[0]: _int(p.rsplit(" ", 2)[1]) for p in parts}
    assert got == by_kab.to_dict() and sum(got.values()) == agents
    # the sites slide is plan.csv, row by row
    rows = _slide(slides, "Lokasi rekrutmen yang diusulkan")["tables"][0][1:]
    assert [(r[1], _int(r[4]), _int(r[5])) for r in rows] == list(
        zip(plan["nama"], plan["agents_to_recruit"], plan["newly_reached"], strict=True)
    )
    # the CLI's plan line: the same sites, reach and pilots
    m = re.search(
        r"Rencana: (\d+) lokasi .* menjangkau ([\d.]+) klien .*; (\d+) desa percontohan", run["cli"]
    )
    assert m and (int(m[1]), _int(m[2]), int(m[3])) == (len(plan), reached, len(run["pilots"]))
    # the workbook's plan sheet
    ws = run["xlsx"]["rencana"]
    head = [c.value for c in ws[1]]
    col = head.index("Klien baru terjangkau")
    assert sum(r[col] for r in ws.iter_rows(min_row=2, values_only=True)) == reached


def test_curve_slide_and_workbook_curve_read_curve_csv_and_steps_add_up(run):
    cv = run["curve"]
    assert (cv["marginal"].iloc[1:].to_numpy() == cv["covered"].diff().iloc[1:].to_numpy()).all()
    ws = run["xlsx"]["kurva cakupan"]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    assert [c.value for c in ws[1]] == ["Kelompok agen baru", "Klien terjangkau", "Tambahan klien"]
    assert [tuple(r) for r in rows] == list(
        cv[["p", "covered", "marginal"]].itertuples(index=False, name=None)
    )
    for (_, c0, _), (_, c1, step) in zip(rows, rows[1:], strict=False):
        assert step == c1 - c0  # "Tambahan klien" is the step between two rows
    text = " ".join(_slide(run["slides"], "Berapa kelompok?")["texts"])
    m = re.search(
        r"Dipilih: 5 kelompok, sekitar ([\d.]+) klien terjangkau\. Kelompok berikutnya hanya menambah sekitar ([\d.]+)",
        text,
    )
    assert m
    assert _int(m[1]) == cv.loc[cv["p"] == 5, "covered"].item()
    assert _int(m[2]) == cv.loc[cv["p"] == 6, "marginal"].item()
    m = re.search(
        r"Titik awal \(0 kelompok baru\): ([\d.]+) klien .* \(di luar ([\d.]+) klien", text
    )
    assert m and _int(m[1]) == cv.loc[cv["p"] == 0, "covered"].item()
    situation = _slide(run["slides"], "Situasi saat ini")["tables"][0]
    in_reach = next(r[1] for r in situation if r[0].startswith("Belum didampingi, tetapi"))
    assert m[2] == in_reach


def test_situation_slide_and_gap_agree_with_the_published_tables(run):
    slide = _slide(run["slides"], "Situasi saat ini")
    rows = {r[0]: r[1] for r in slide["tables"][0][1:]}
    rk = run["ranking"]
    unserved = pd.to_numeric(rk["unserved"], errors="coerce")
    assert _int(rows["Desa/kelurahan IBM dengan klien belum terlayani"]) == int(
        (unserved > 0).sum()
    )
    gap = next(t for t in slide["texts"] if t.startswith("Agar semua"))
    m = re.search(
        r"([\d.]+) kelompok agen baru \(([\d.]+) Agen Pemulihan\)\. Rencana ini mengusulkan (\d+) kelompok",
        gap,
    )
    assert m, gap
    groups = _int(m[1])
    assert _int(m[2]) == 5 * groups and int(m[3]) == 5
    # the CLI's summary line of `ibm-geo analyze` states the same published totals
    m = re.search(
        r"([\d.]+) kelurahan/desa, ([\d.]+) klien: ([\d.]+) terlayani, ([\d.]+) dalam jangkauan "
        r"agen, ([\d.]+) berat \(rujukan BNNP\), ([\d.]+) belum terlayani .*; ([\d.]+) catatan",
        run["summary"],
    )
    assert m, run["summary"]
    deck = [
        rows["Klien pascarehabilitasi tercatat"],
        rows["Sudah dalam pendampingan (pascarehabilitasi atau Agen Pemulihan)"],
        rows["Belum didampingi, tetapi dalam jangkauan agen yang masih punya kapasitas"],
        rows["Tingkat berat belum terlayani: dirujuk ke BNNP"],
        rows["Belum terlayani sama sekali"],
    ]
    assert [_int(x) for x in m.groups()[1:6]] == [_int(x) for x in deck]
    assert _int(m[1]) == len(rk) and _int(m[7]) == len(run["quality"])
    # the CLI's top five are the deck's first five rows
    top5 = re.findall(r"^\s+(\d+)\. (.+) \((.+)\) skor ([\d,]+)$", run["summary"], re.M)
    deck_top = _slide(run["slides"], "10 desa/kelurahan")["tables"][0][1:6]
    assert [(a, b, d) for a, b, _, d in top5] == [(r[0], r[1], r[3]) for r in deck_top]
    # the decision slide's "(of N)" is this unserved total
    dec = "\n".join(_slide(run["slides"], "Usulan keputusan")["texts"])
    assert f"(dari {m[6]})" in dec
    # the same model as the coverage curve: where the curve flattens within its range, the
    # gap is the point where it does; else it lies beyond the curve's last point
    cv = run["curve"]
    flat = cv[cv["covered"] == cv["covered"].max()]["p"]
    if cv["marginal"].iloc[-1] == 0:
        assert groups == int(flat.min())
    else:
        assert groups > int(cv["p"].max())
    # village model without neighbours: one group per village with unserved clients that no
    # existing agent reaches -- at least the plan's five, at most every such village
    assert 5 <= groups <= int((unserved > 0).sum())


def test_why_slide_accounts_for_each_top_village_once(run):
    text = " ".join(_slide(run["slides"], "Mengapa lokasi")["texts"])
    m = re.search(r"Dari (\d+) desa prioritas teratas: ([^.]*)\.", text)
    assert m, text
    n = int(m[1])
    parts = [int(re.match(r"(\d+) ", p)[1]) for p in m[2].split(", ")]
    assert n == 10 and sum(parts) == n
    top = run["ranking"].dropna(subset=["rank"]).head(n)
    sites = set(run["plan"]["kode"])
    assert f"{len(set(top['kode']) & sites)} menjadi lokasi rekrutmen" in m[2]


def test_top_ten_on_one_slide_with_whole_reasons_matching_the_ranking(run):
    slides = run["slides"]
    top_slides = [s for s in slides if "prioritas dan alasannya" in s["title"]]
    assert len(top_slides) == 1 and "(lanjutan)" not in top_slides[0]["title"]
    rows = top_slides[0]["tables"][0][1:]
    top = run["ranking"].dropna(subset=["rank"]).head(10)
    assert len(rows) == 10
    for row, (_, r) in zip(rows, top.iterrows(), strict=True):
        assert int(row[0]) == int(r["rank"]) and row[1] == r["nama"]
        assert row[3] == f"{r['score']:.1f}".replace(".", ",")
        assert _int(row[4]) == int(r["unserved"])
        assert "…" not in row[5] and r["reason_id"].endswith(row[5]), (row[5], r["reason_id"])
    # the workbook's ranking sheet: the same ten, in the same order, with the same figures
    ws = run["xlsx"]["peringkat"]
    head = [c.value for c in ws[1]]
    got = [
        (r[head.index("Kelurahan/Desa")], r[head.index("Skor")], r[head.index("Belum terlayani")])
        for r in ws.iter_rows(min_row=2, max_row=11, values_only=True)
    ]
    assert got == [(r[1], float(r[3].replace(",", ".")), _int(r[4])) for r in rows]


def test_kab_slide_recruits_add_up_to_the_site_table(run):
    plan = run["plan"]
    rows = _slide(run["slides"], "Angka per kab/kota")["tables"][0]
    col = rows[0].index("Agen direkrut")
    got = {r[0]: _int(r[col]) for r in rows[1:]}
    want = plan.groupby("kab_kota")["agents_to_recruit"].sum().to_dict()
    assert {k: v for k, v in got.items() if v} == want
    assert sum(got.values()) == int(plan["agents_to_recruit"].sum())


def test_quality_slide_names_the_file_written_with_its_row_count(run):
    text = " ".join(_slide(run["slides"], "Metode")["texts"])
    m = re.search(r"([\d.]+) catatan masalah data \(semua ada di ([\w.]+) ", text)
    assert m and m[2] == "data_quality.csv" and (run["out"] / m[2]).exists()
    assert _int(m[1]) == len(run["quality"])


@pytest.mark.skipif(not (SOFFICE and PDFTOTEXT), reason="needs libreoffice-impress + pdftotext")
def test_top_ten_renders_on_one_page_in_impress(run, tmp_path):
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(run["out"] / "rakor.pptx")],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = tmp_path / "rakor.pdf"
    n = len(run["slides"])
    pages = [
        subprocess.run(
            [PDFTOTEXT, "-f", str(i), "-l", str(i), "-layout", str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout  # fmt: skip
        for i in range(1, n + 1)
    ]
    page = next(p for p in pages if "prioritas dan alasannya" in p)
    flat = re.sub(r"\s+", " ", page)
    top = run["ranking"].dropna(subset=["rank"]).head(10)
    for name in top["nama"]:
        assert name in flat, name
    # the last words of each reason are on the page (nothing cut, nothing run off the slide)
    for reason in top["reason_id"]:
        assert " ".join(reason.split()[-3:]) in flat, reason
    assert "…" not in page and "(lanjutan)" not in "".join(pages)
