"""Programme monitoring: targets, progress, trend, per-office summaries, change since the last
rakor -- hand-checked numbers on the working tier, and the published tier's cells (the cell key
method: the ranking's cells, opaque offices, differencing of year cells)."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from _helpers import NTT_CLIENTS, ntt_boundaries, progress_slide_texts, targets_csv
from shapely.geometry import box

from ibm_geo import monitoring as mo
from ibm_geo.config import Scenario
from ibm_geo.errors import UserError
from ibm_geo.names import match_area
from ibm_geo.pipeline import analyze
from ibm_geo.quality import DataQuality

K = 5


# -- a small NTT-like province (``_helpers.ntt_boundaries``, ``NTT_CLIENTS``) ---------------
def ntt_files(tmp_path):
    b = tmp_path / "ntt.geojson"
    ntt_boundaries().to_file(b, driver="GeoJSON")
    lines = ["kode;tahun_rehab;status_pasca;tingkat;jenis_layanan"]
    for kode, year, status, tingkat, n in NTT_CLIENTS:
        lines += [f"{kode};{year};{status};{tingkat};rawat jalan"] * n
    c = tmp_path / "klien.csv"
    c.write_text("\n".join(lines) + "\n", encoding="utf-8")
    a = tmp_path / "agen.csv"
    a.write_text(
        "agen_id;kode;kapasitas;aktif\nA1;53.71.01.1001;10;ya\nA2;53.71.01.1001;10;ya\n"
        "A3;53.01.02.2001;5;ya\nA4;53.71.02.1002;10;tidak\n",
        encoding="utf-8",
    )
    return b, c, a


@pytest.fixture
def ntt(tmp_path):
    b, c, a = ntt_files(tmp_path)
    # a radius smaller than the units: nobody is "in reach" by accident
    sc = Scenario(radius_m=10.0)
    return analyze(b, c, a, None, sc)


_targets_csv = targets_csv


# -- targets and progress: hand-checked ----------------------------------------------------------
def test_ntt_progress_is_24_of_240(ntt, tmp_path):
    p = _targets_csv(
        "wilayah;tahun;indikator;target\n"
        "BNNP NTT;2024;rehab;240\n"
        "Nusa Tenggara Timur;2024;pascarehab;80\n"
        "53;2024;agen;20\n"
        "Kota Kupang;2024;desa_ibm;4\n"
        "BNNK Kabupaten Kupang;2024;Rehabilitasi;30\n",
        tmp_path,
    )
    t = mo.read_targets(p, ntt.kelurahan)
    assert list(t["area"]) == [
        "Nusa Tenggara Timur",
        "Nusa Tenggara Timur",
        "Nusa Tenggara Timur",
        "Kota Kupang",
        "Kabupaten Kupang",
    ]
    m = mo.monitor(ntt, t, exact=True)  # the working tier: the planner's screen
    pr = m.progress.set_index(["area", "indicator"])
    assert list(m.progress.columns) == mo.PROGRESS_COLUMNS
    # 24 clients rehabilitated in 2024 across the province: 10 % of 240
    assert pr.loc[("Nusa Tenggara Timur", "rehab"), "achieved"] == 24
    assert pr.loc[("Nusa Tenggara Timur", "rehab"), "percent"] == 10.0
    # pascarehab (issue 22): clients in post-rehab services, whichever their rehab year. This
    # register has no pascarehab year, so the figure is today's follow-up of every cohort:
    # 8 aktif + 4 selesai (2024) + 7 aktif (2023) + 6 aktif (2022) = 25 of 80, a snapshot, said so
    cube = mo.build_cube(ntt)
    prov = list(cube.rows["area"]).index("Nusa Tenggara Timur")
    assert cube.values[prov, cube.col("followed_up", 2024)] == 12
    assert cube.values[prov, cube.col("followed_up")] == 25
    assert not cube.pasca_years
    assert pr.loc[("Nusa Tenggara Timur", "pascarehab"), "basis"] == mo.BASIS_SNAPSHOT
    assert pr.loc[("Nusa Tenggara Timur", "pascarehab"), "achieved"] == 25
    assert pr.loc[("Nusa Tenggara Timur", "pascarehab"), "percent"] == 31.2
    # 3 active agents (A4 is not active): 15 % of 20
    assert pr.loc[("Nusa Tenggara Timur", "agen"), "achieved"] == 3
    assert pr.loc[("Nusa Tenggara Timur", "agen"), "percent"] == 15.0
    # Kota Kupang: one village with active agents (Oebobo) of 4
    assert pr.loc[("Kota Kupang", "desa_ibm"), "achieved"] == 1
    assert pr.loc[("Kota Kupang", "desa_ibm"), "percent"] == 25.0
    assert pr.loc[("Kabupaten Kupang", "rehab"), "achieved"] == 3
    # the published tier: each count is its cell's published value (within ±2 of 24 and 12),
    # the percentage is computed from it; Kabupaten Kupang's 3 is never published as 3
    pub = mo.monitor(ntt, t).progress.set_index(["area", "indicator"])
    a = pub.loc[("Nusa Tenggara Timur", "rehab"), "achieved"]
    assert abs(a - 24) <= 2 and pub.loc[("Nusa Tenggara Timur", "rehab"), "percent"] == round(
        100 * a / 240, 1
    )
    assert abs(pub.loc[("Nusa Tenggara Timur", "pascarehab"), "achieved"] - 25) <= 2
    assert pub.loc[("Kabupaten Kupang", "rehab"), "achieved"] in (0, 5)
    assert pub.loc[("Nusa Tenggara Timur", "agen"), "achieved"] == 3  # agents are public


def _ntt_with_agent_years(tmp_path, years: dict[str, str]):
    """The NTT fixture with a recruitment year column on the agents (``years``: id -> cell)."""
    b, c, _ = ntt_files(tmp_path)
    a = tmp_path / "agen_tahun.csv"
    rows = [
        ("A1", "53.71.01.1001", 10, "ya"),  # Oebobo, Kota Kupang
        ("A2", "53.71.01.1001", 10, "ya"),  # Oebobo
        ("A3", "53.01.02.2001", 5, "ya"),  # Noelbaki, Kabupaten Kupang
        ("A4", "53.71.02.1002", 10, "tidak"),  # inactive: counted in no year
    ]
    lines = ["agen_id;kode;kapasitas;aktif;tahun pelatihan"]
    lines += [f"{i};{k};{cap};{act};{years.get(i, '')}" for i, k, cap, act in rows]
    a.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return analyze(b, c, a, None, Scenario(radius_m=10.0))


_AGENT_TARGETS = (
    "wilayah;tahun;indikator;target\n"
    "BNNP NTT;2022;agen;10\nBNNP NTT;2024;agen;10\nBNNP NTT;2025;agen;10\n"
    "Kota Kupang;2023;desa_ibm;4\nKabupaten Kupang;2024;desa_ibm;2\n"
    "Kabupaten Kupang;2025;desa_ibm;2\nKabupaten Kupang;2024;rehab;30\n"
)


def test_agent_progress_per_recruitment_year(tmp_path):
    """With a recruitment year, ``agen`` in year Y counts the active agents recruited by Y and
    ``desa_ibm`` the units with one of them; the inactive agent counts in no year."""
    res = _ntt_with_agent_years(tmp_path, {"A1": "2022", "A2": "2024", "A3": "2025", "A4": "2020"})
    targets = mo.read_targets(_targets_csv(_AGENT_TARGETS, tmp_path), res.kelurahan)
    m = mo.monitor(res, targets, exact=True)
    assert list(m.progress.columns) == mo.PROGRESS_COLUMNS
    got = [
        (r.area, r.year, r.indicator, r.achieved, r.percent, r.basis)
        for r in m.progress.itertuples(index=False)
    ]
    assert got == [
        ("Nusa Tenggara Timur", 2022, "agen", 1, 10.0, "tahunan"),  # A1
        ("Nusa Tenggara Timur", 2024, "agen", 2, 20.0, "tahunan"),  # A1, A2
        ("Nusa Tenggara Timur", 2025, "agen", 3, 30.0, "tahunan"),  # A1, A2, A3 (A4 inactive)
        ("Kota Kupang", 2023, "desa_ibm", 1, 25.0, "tahunan"),  # Oebobo (A1)
        ("Kabupaten Kupang", 2024, "desa_ibm", 0, 0.0, "tahunan"),  # A3 came in 2025
        ("Kabupaten Kupang", 2025, "desa_ibm", 1, 50.0, "tahunan"),
        ("Kabupaten Kupang", 2024, "rehab", 3, 10.0, "tahunan"),
    ]
    # by the latest year the yearly count is today's count of the summary
    prov = m.summary.set_index("area").loc["Nusa Tenggara Timur"]
    assert prov["agents_active"] == 3 and prov["ibm_villages"] == 2
    notes = m.manifest_notes()
    assert notes["agent_progress_basis"].startswith("Agents and IBM villages: active agents")
    assert "direkrut sampai tahun target" in notes["agent_progress_basis_id"]


def test_agent_progress_is_a_snapshot_where_an_active_agent_has_no_year(tmp_path):
    """An active agent without a year (A3, Kabupaten Kupang) makes its offices a snapshot
    (today's count in every year), said per row and in the manifest; Kota Kupang, whose agents
    all have a year, stays yearly. Without the column everything is a snapshot."""
    res = _ntt_with_agent_years(tmp_path, {"A1": "2024", "A2": "2024"})
    m = mo.monitor(res, mo.read_targets(_targets_csv(_AGENT_TARGETS, tmp_path), res.kelurahan))
    pr = m.progress.set_index(["area", "year", "indicator"])
    basis, achieved = pr["basis"].to_dict(), pr["achieved"].to_dict()
    assert basis[("Nusa Tenggara Timur", 2022, "agen")] == "snapshot"
    assert achieved[("Nusa Tenggara Timur", 2022, "agen")] == 3  # today's, not 0 for 2022
    assert basis[("Kota Kupang", 2023, "desa_ibm")] == "tahunan"
    assert achieved[("Kota Kupang", 2023, "desa_ibm")] == 0  # A1, A2 came in 2024
    assert basis[("Kabupaten Kupang", 2024, "desa_ibm")] == "snapshot"
    assert achieved[("Kabupaten Kupang", 2024, "desa_ibm")] == 1
    note = m.manifest_notes()["agent_progress_basis_id"]
    assert "untuk Kota Kupang;" in note
    assert note.endswith("untuk Nusa Tenggara Timur, Kabupaten Kupang.")
    # the quality report names the row that makes the snapshot (spreadsheet row 4: A3)
    q = res.quality
    miss = q[(q["column"] == "tahun_rekrut") & (q["problem"] == "recruitment year missing")]
    assert miss["row"].astype(int).tolist() == [4]
    # each office's slide says how its own agent rows were counted
    slides = _slide_texts(m)
    kota = next(x for x in slides if x.startswith("Capaian – Kota Kupang"))
    kab = next(x for x in slides if x.startswith("Capaian – Kabupaten Kupang"))
    assert "direkrut sampai tahun target" in kota and "keadaan saat ini" not in kota
    assert "keadaan saat ini" in kab

    plain = mo.monitor(_ntt_res_without_years(tmp_path), None)
    assert plain.manifest_notes() == {}  # no agent targets: nothing to say
    t = mo.read_targets(_targets_csv(_AGENT_TARGETS, tmp_path), res.kelurahan)
    snap = mo.monitor(_ntt_res_without_years(tmp_path), t).progress
    agent_rows = snap[snap["indicator"].isin(["agen", "desa_ibm"])]
    assert set(agent_rows["basis"]) == {"snapshot"}
    assert agent_rows["achieved"].tolist() == [3, 3, 3, 1, 1, 1]


_slide_texts = progress_slide_texts


def _ntt_res_without_years(tmp_path):
    b, c, a = ntt_files(tmp_path)
    return analyze(b, c, a, None, Scenario(radius_m=10.0))


def test_summary_counts_and_capacity_gap(ntt):
    m = mo.monitor(ntt, exact=True)
    s = m.summary.set_index("area")
    assert list(m.summary.columns) == mo.SUMMARY_COLUMNS
    prov = s.loc["Nusa Tenggara Timur"]
    assert prov["clients"] == 59
    # belum (32) minus those in reach of an agent with room (placed by code, clients and agents
    # sit on the same point): Oebobo 6 (A1, A2), Noelbaki 5 of 11 (A3 takes 5); A4 is inactive
    assert prov["unserved"] == 21
    assert prov["agents_active"] == 3 and prov["capacity"] == 25
    # clients needing an agent: not in follow-up and not referred = 59 - 25 - 2 = 32; 32 - 25
    assert prov["capacity_gap"] == 7
    assert prov["ibm_villages"] == 2
    kota = s.loc["Kota Kupang"]
    assert kota["clients"] == 37 and kota["capacity"] == 20 and kota["ibm_villages"] == 1
    # Kota needs 6+3+9 = 18 agent places and has 20: no gap
    assert kota["capacity_gap"] == 0


def test_monitoring_cells_are_the_rankings_cells(ntt):
    """The same people give the same published figure in every table: the province's clients
    and unserved in summary.csv are the scope totals of ranking's publication, each kab/kota's
    its kab/kota total; a published count is within ±2 of the truth and never 1..4."""
    from ibm_geo.publish import publish

    pub = publish(ntt)
    s = mo.monitor(ntt).summary.set_index("area")
    kab = pub.kab_totals.set_index("kab_kota")
    for c in ("clients", "unserved", "referral_berat"):
        assert s.loc["Nusa Tenggara Timur", c] == pub.totals[c]
        for area in ("Kota Kupang", "Kabupaten Kupang"):
            assert s.loc[area, c] == kab.loc[area, c]
    exact = mo.monitor(ntt, exact=True).summary.set_index("area")
    for c in ("clients", "unserved"):
        for area in s.index:
            v, t = s.loc[area, c], exact.loc[area, c]
            assert abs(v - t) <= 2 and not (1 <= v <= 4)


def test_unknown_area_names_the_valid_ones(ntt, tmp_path):
    p = _targets_csv("wilayah,tahun,indikator,target\nKota Atambua,2024,rehab,10\n", tmp_path)
    with pytest.raises(UserError) as e:
        mo.read_targets(p, ntt.kelurahan)
    msg = e.value.message("id")
    assert "Kota Atambua" in msg and "baris 2" in msg
    assert "Kota Kupang" in msg and "Nusa Tenggara Timur" in msg
    assert e.value.code == "monitoring.unknown_area"
    assert "Kota Kupang" in e.value.message("en")


def test_bad_target_rows_are_reported_with_row_numbers(ntt, tmp_path):
    p = _targets_csv(
        "Wilayah;Tahun;Indikator;Target\n"
        "Kota Kupang;2024;rehab;12,0\n"
        "Kota Kupang;20x4;rehab;10\n"
        "Kota Kupang;2024;relawan;10\n"
        "Kota Kupang;2024;agen;-3\n"
        "Kota Kupang;2024;rehab;15\n",
        tmp_path,
    )
    q = DataQuality()
    t = mo.read_targets(p, ntt.kelurahan, quality=q)
    assert len(t) == 1 and t["target"].iloc[0] == 12.0
    rows = sorted(int(r) for r in q.to_frame()["row"])
    assert rows == [3, 4, 5, 6]


def test_missing_columns_is_one_clear_error(ntt, tmp_path):
    p = _targets_csv("kab;jumlah\nKota Kupang;3\n", tmp_path)
    with pytest.raises(UserError) as e:
        mo.read_targets(p, ntt.kelurahan)
    assert "tahun" in str(e.value) and "indikator" in str(e.value)


def test_targets_from_xlsx_and_codes(ntt, tmp_path):
    df = pd.DataFrame(
        {
            "Wilayah": ["53.71", "5301", "sulsel"],
            "Tahun": [2024, 2024, 2024],
            "Indikator": ["Pasca Rehab", "agen", "rehab"],
            "Target": [10, 2, 5],
        }
    )
    p = tmp_path / "target.xlsx"
    df.iloc[:2].to_excel(p, index=False)
    t = mo.read_targets(p, ntt.kelurahan)
    assert list(t["area"]) == ["Kota Kupang", "Kabupaten Kupang"]
    assert list(t["indicator"]) == ["pascarehab", "agen"]


def test_match_area_kota_vs_kabupaten():
    table = pd.DataFrame(
        {
            "area": ["Jawa Barat", "Kota Bandung", "Kabupaten Bandung"],
            "area_level": ["provinsi", "kab_kota", "kab_kota"],
            "kode": ["32", "32.73", "32.04"],
            "provinsi": ["Jawa Barat"] * 3,
        }
    )
    assert match_area("Kota Bandung", table) == 1
    assert match_area("Kab. Bandung", table) == 2
    assert match_area("BNNK Kota Bandung", table) == 1
    assert match_area("Bandung", table) == [1, 2]  # ambiguous: the caller reports it
    assert match_area("jabar", table) == 0
    assert match_area("32.73", table) == 1
    assert match_area("Kota Cimahi", table) is None


# -- trend -----------------------------------------------------------------------------------------
def test_trend_by_year(ntt):
    m = mo.monitor(ntt, exact=True)
    tr = m.trend.set_index(["area", "year"])
    assert list(m.trend.columns) == mo.TREND_COLUMNS
    assert tr.loc[("Nusa Tenggara Timur", 2024), "clients"] == 24
    assert tr.loc[("Nusa Tenggara Timur", 2024), "followed_up"] == 12
    assert tr.loc[("Nusa Tenggara Timur", 2024), "unserved"] == 6
    assert tr.loc[("Kota Kupang", 2024), "clients"] == 21
    assert tr.loc[("Kota Kupang", 2023), "clients"] == 16
    assert tr.loc[("Kabupaten Kupang", 2024), "clients"] == 3
    # published: Kabupaten Kupang's 3 of 2024 is 0 or 5, never 3
    pub = mo.monitor(ntt).trend.set_index(["area", "year"])
    assert pub.loc[("Kabupaten Kupang", 2024), "clients"] in (0, 5)
    assert abs(pub.loc[("Kota Kupang", 2023), "clients"] - 16) <= 2


# -- attacks on the published tables ---------------------------------------------------------------
def _small_pinned(parts: list[tuple[int, int]], total: tuple[int, int], k: int = K) -> list[int]:
    """Indices of parts whose true value is 1..k-1 and which the relation total = sum(parts),
    with every published value read through the ptable (what each can stand for), leaves with
    one possible value. ``parts``/``total``: (published, true)."""
    from ibm_geo.ckm import ptable

    pt = ptable(k)

    def feas(v: int) -> set[int]:
        return set(pt.possible_true(int(v), upto=int(v) + 2 + k))

    sets = [feas(p) for p, _ in parts]
    tot = feas(total[0])
    out = []
    for i, (_, true) in enumerate(parts):
        if not 1 <= true < k:
            continue
        # sums the other parts can reach
        reach = {0}
        for j, st in enumerate(sets):
            if j != i:
                reach = {a + b for a in reach for b in st}
        left = {x for x in sets[i] if any(x + r in tot for r in reach)}
        assert true in left  # the attack is sound
        if len(left) == 1:
            out.append(i)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_year_cells_and_offices_pin_no_small_count(seed, tmp_path):
    """On random provinces (kecamatan rows, RW table): every additive relation a reader can
    write between published cells -- an office's total = the sum of its years, the province =
    the sum of its kab/kota per year -- read through the ptable leaves every small cell (true
    1..4) with at least two possible values; opaque offices publish the band in every cell."""
    b, c, a = _random_files(tmp_path, seed)
    result = analyze(b, c, a, None, Scenario(radius_m=10.0))
    mon = mo.monitor(result, by_kecamatan=True, per_rw=True)
    ex = mo.monitor(result, by_kecamatan=True, per_rw=True, exact=True)
    assert (mon.summary["area_level"] == "kecamatan").sum() == 6 and len(mon.rw)
    checked = 0
    for measure in ("clients", "followed_up", "unserved"):
        pub_t = mon.trend.pivot_table(index="area", columns="year", values=measure, aggfunc="first")
        ex_t = ex.trend.pivot_table(index="area", columns="year", values=measure, aggfunc="first")
        tot_p = mon.summary.set_index("area")
        for area in pub_t.index:
            row = pub_t.loc[area]
            if any(mo.is_hidden(v) for v in row):
                assert all(mo.is_hidden(v) for v in row)  # opaque: the whole row
                continue
            if measure not in tot_p:
                continue
            parts = [(int(row[y]), int(ex_t.loc[area, y])) for y in pub_t.columns]
            tp = tot_p.loc[area, measure]
            te = ex.summary.set_index("area").loc[area, measure]
            assert not _small_pinned(parts, (int(tp), int(te)))
            checked += 1
    assert checked >= 3
    # RW: an RW with 1..4 clients in the register shows the band in both columns
    for r in mon.rw.itertuples():
        assert mo.is_hidden(r.clients) == mo.is_hidden(r.unserved)
        if not mo.is_hidden(r.clients):
            assert not 1 <= int(r.clients) <= 4


def _random_files(tmp_path, seed: int):
    """A random province: 2 kab/kota x 3 kecamatan x 3 kelurahan, many small villages, three
    rehab years, random statuses and severities, a few agents (some inactive), RW on most rows."""
    rng = np.random.default_rng(seed)
    geoms, rows, lines = [], [], ["kode;tahun_rehab;status_pasca;tingkat;jenis_layanan;rw"]
    agents = ["agen_id;kode;kapasitas;aktif"]
    n = 0
    for kb in range(2):
        for kc in range(3):
            for kl in range(3):
                kode = f"73.{71 + kb:02d}.{kc + 1:02d}.{1001 + kl}"
                x0, y0 = 119.0 + n * 0.05, -5.0
                n += 1
                geoms.append(box(x0, y0, x0 + 0.05, y0 + 0.05))
                rows.append(
                    {
                        "kode": kode,
                        "nama": f"Kel {kb}{kc}{kl}",
                        "kecamatan": f"Kec {kb}{kc}",
                        "kab_kota": f"Kota {kb}",
                        "provinsi": "Sulawesi Selatan",
                    }
                )
                size = int(rng.choice([0, 1, 2, 3, 4, 6, 9, 15]))
                for _ in range(size):
                    year = int(rng.choice([2022, 2023, 2024]))
                    status = rng.choice(["belum", "belum", "aktif", "selesai", "putus"])
                    tingkat = rng.choice(["ringan", "ringan", "sedang", "berat"])
                    rw = "" if rng.random() < 0.2 else f"RW {int(rng.integers(1, 4))}"
                    lines.append(f"{kode};{year};{status};{tingkat};rawat jalan;{rw}")
                if rng.random() < 0.3:
                    act = "ya" if rng.random() < 0.8 else "tidak"
                    agents.append(f"A{n};{kode};{int(rng.integers(2, 8))};{act}")
    b = tmp_path / "b.geojson"
    gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326").to_file(b, driver="GeoJSON")
    c = tmp_path / "c.csv"
    c.write_text("\n".join(lines) + "\n", encoding="utf-8")
    a = tmp_path / "a.csv"
    a.write_text("\n".join(agents) + "\n", encoding="utf-8")
    return b, c, a


def _rw_files(tmp_path):
    """One kecamatan: A (30 clients in RW 001/002/003 + 2 whose RW is typed text), B (4 clients,
    RW 001), C (6 clients, no RW); no agents, so every client is unserved."""
    spec = [("73.71.01.1001", "A"), ("73.71.01.1002", "B"), ("73.71.01.1003", "C")]
    rows, geoms = [], []
    for i, (kode, nama) in enumerate(spec):
        rows.append(
            {
                "kode": kode,
                "nama": nama,
                "kecamatan": "Kec",
                "kab_kota": "Kota Makassar",
                "provinsi": "Sulawesi Selatan",
            }
        )
        geoms.append(box(119.4 + i * 0.05, -5.2, 119.45 + i * 0.05, -5.15))
    b = tmp_path / "b.geojson"
    gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326").to_file(b, driver="GeoJSON")
    lines = ["kode;tahun_rehab;status_pasca;tingkat;jenis_layanan;rw"]
    for kode, rw, n in [
        ("73.71.01.1001", "RW 1", 20),
        ("73.71.01.1001", "2", 7),
        ("73.71.01.1001", "003", 3),
        ("73.71.01.1001", "Pak Budi", 2),
        ("73.71.01.1002", "1", 4),
        ("73.71.01.1003", "", 6),
    ]:
        lines += [f"{kode};2024;belum;ringan;rawat jalan;{rw}"] * n
    c = tmp_path / "c.csv"
    c.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return b, c


def test_rw_table_by_hand(tmp_path):
    b, c = _rw_files(tmp_path)
    result = analyze(b, c, None, None, Scenario())
    ex = mo.monitor(result, per_rw=True, exact=True).rw
    assert list(ex.columns) == mo.RW_COLUMNS
    # B has 4 clients in the register (the band in ranking.csv): no RW row at all; C no RW
    assert set(ex["nama"]) == {"A"}
    # A: 20 + 7 + 3 in RW 001..003, and 2 whose RW cell is typed text (never written: counted
    # as "tidak diketahui")
    assert ex["rw"].tolist() == ["001", "002", "003", mo.UNKNOWN_RW]
    assert ex["clients"].tolist() == [20, 7, 3, 2]
    mon = mo.monitor(result, per_rw=True)
    rw = mon.rw
    # published: RW 003 (3) and the unknown RW (2) have 1..4 clients in the register: the band
    assert rw["clients"].tolist()[2:] == ["<5", "<5"] and rw["unserved"].tolist()[2:] == ["<5"] * 2
    assert abs(rw["clients"].iloc[0] - 20) <= 2 and abs(rw["clients"].iloc[1] - 7) <= 2
    assert "Pak Budi" not in mon.csv_files()["rw.csv"].decode("utf-8")
    assert "rw" in mon.sheets()  # the workbook names it "per RW"
    # the RW cell of everyone is the same set as the kelurahan's own unserved: one value
    a_unserved = mo.monitor(result).summary  # noqa: F841 - built from the same keys


def test_rw_cells_are_the_same_under_every_filter(tmp_path):
    """An RW is opaque by its register, not by the run: a status filter that leaves RW 001 with
    0 and RW 002 with 7 still shows the band for RW 003 (3 in the register) and B no rows."""
    b, c = _rw_files(tmp_path)
    result = analyze(b, c, None, None, Scenario(filters={"statuses": ["belum"]}))
    rw = mo.monitor(result, per_rw=True).rw
    assert set(rw["nama"]) == {"A"}
    assert rw.set_index("rw").loc["003", "clients"] == "<5"


def test_percent_never_reveals_an_opaque_count(ntt, tmp_path):
    """A target of an opaque office (fewer than k clients in the register) shows the band for
    the achieved count and for its percentage; elsewhere the percentage is the published
    count over the target."""
    p = _targets_csv(
        "wilayah,tahun,indikator,target\nKabupaten Kupang,2024,rehab,7\n"
        "Kabupaten Kupang,2022,pascarehab,12\n",
        tmp_path,
    )
    m = mo.monitor(ntt, mo.read_targets(p, ntt.kelurahan))
    for r in m.progress.itertuples():
        if mo.is_hidden(r.achieved):
            assert r.percent == r.achieved
        else:
            assert r.percent == round(100.0 * r.achieved / r.target, 1)
            assert not 1 <= r.achieved <= 4


# -- change since the last rakor -------------------------------------------------------------------
def test_change_reads_published_labels(ntt, tmp_path):
    """Change since the last rakor from the two published files: a band (an opaque area) on
    either side makes the change uncertain ("*"); otherwise it is the difference of the two
    published numbers, and the kab/kota rows use the published summary."""
    from ibm_geo.export import tables as ex
    from ibm_geo.pipeline import analyze_joined
    from ibm_geo.publish import publish

    # the earlier rakor: same data minus the 2024 clients (published through the same exports)
    sc = ntt.scenario.model_copy(
        update={"filters": ntt.scenario.filters.model_copy(update={"year_max": 2023})}
    )
    earlier = analyze_joined(ntt.joined, sc)
    pe = publish(earlier)
    gj = tmp_path / "results.geojson"
    gj.write_bytes(ex.results_geojson(pe))
    xl = tmp_path / "ranking.xlsx"
    xl.write_bytes(ex.workbook_xlsx(pe))
    before = pe.ranking.set_index("kode")["unserved"]
    now = publish(ntt).ranking.set_index("kode")["unserved"]
    for src in (gj, xl):
        prev = mo.read_previous(src)
        m = mo.monitor(ntt, previous=prev)
        ch = m.change.set_index("kode")
        assert list(m.change.columns) == mo.CHANGE_COLUMNS
        # Kelapa Lima has 3 clients in the register: the band now and before, never 3
        assert ch.loc["53.71.02.1001", "unserved_now"] == "<5"
        assert ch.loc["53.71.02.1001", "change"] == "*"
        # Oebobo (14 clients, 0 unserved before and now): zeros stay zeros, change 0
        assert ch.loc["53.71.01.1001", "change"] == 0
        # Oesapa and Noelbaki: published now minus published before
        for kd in ("53.71.02.1002", "53.01.02.2001"):
            assert ch.loc[kd, "change"] == int(now[kd]) - int(before[kd])
        kota = ch.loc["53.71"]
        assert kota["nama"] == "Kota Kupang"


def test_change_is_a_layer_of_the_html_map(ntt, tmp_path):
    """The change since the last rakor as a layer of the one HTML map: direction per unit from
    published labels only (a hidden side gives "tidak pasti", never a guessed direction)."""
    import re

    from ibm_geo.export import tables as ex
    from ibm_geo.pipeline import analyze_joined
    from ibm_geo.render import build_html_map
    from ibm_geo.render.style import CHANGE_COLORS

    sc = ntt.scenario.model_copy(
        update={"filters": ntt.scenario.filters.model_copy(update={"year_max": 2023})}
    )
    earlier = analyze_joined(ntt.joined, sc)
    gj = tmp_path / "results.geojson"
    from ibm_geo.publish import publish

    gj.write_bytes(ex.results_geojson(publish(earlier)))
    m = mo.monitor(ntt, previous=mo.read_previous(gj))
    page = build_html_map(publish(ntt), change=m.change_units)
    text = page.decode("utf-8")
    data = json.loads(re.search(r'id="ibm-data">(.*?)</script>', text, re.S).group(1))
    ch = data["change"]
    keys = list(CHANGE_COLORS)
    at = {kd: i for i, kd in enumerate(publish(ntt).geo["kode"].astype(str))}
    assert keys[ch["dir"][at["53.71.01.1001"]]] == "tetap"  # Oebobo 0 -> 0
    assert ch["tip"][at["53.71.01.1001"]] == "0 → 0 (perubahan +0)"
    assert keys[ch["dir"][at["53.71.02.1001"]]] == "tidak pasti"  # Kelapa Lima: the band
    assert ch["tip"][at["53.71.02.1001"]] == "<5 → <5 (perubahan *)"
    assert [row[1] for row in ch["legend"]][0] == "Naik"
    assert data["text"]["layer_change"] == "Perubahan belum terlayani sejak rakor lalu"
    # without a previous run the map has no change layer
    plain = build_html_map(publish(ntt)).decode("utf-8")
    assert '"change": null' in plain or '"change":null' in plain


def test_progress_slide_per_office(ntt, tmp_path):
    """One progress slide per office (BNNP, then each BNNK) and the trend chart, in the deck's
    frame; hidden figures stay '*', percentages in Indonesian format; the agent basis said."""

    p = _targets_csv(
        "wilayah;tahun;indikator;target\nBNNP NTT;2024;rehab;240\nKota Kupang;2024;agen;4\n"
        "Kabupaten Kupang;2024;rehab;30\n",
        tmp_path,
    )
    m = mo.monitor(ntt, mo.read_targets(p, ntt.kelurahan))
    texts = progress_slide_texts(m)
    titles = [x.split(" | ")[0] for x in texts]
    assert titles == [
        "Capaian – Nusa Tenggara Timur",
        "Tren per tahun rehabilitasi – Nusa Tenggara Timur",
        "Capaian – Kabupaten Kupang",
        "Capaian – Kota Kupang",
    ]
    pr = m.progress.set_index(["area", "indicator"])
    a = pr.loc[("Nusa Tenggara Timur", "rehab"), "achieved"]
    pct = f"{100 * a / 240:.1f}".replace(".", ",")
    assert f"Klien direhabilitasi 2024 {a} 240 {pct}%" in texts[0] and abs(a - 24) <= 2
    assert "[picture]" in texts[1]
    kab = pr.loc[("Kabupaten Kupang", "rehab"), "achieved"]  # 3 clients: 0 or 5, never 3
    assert kab in (0, 5) and f"Klien direhabilitasi 2024 {kab} 30" in texts[2]
    assert "Agen Pemulihan aktif 2024 2 4 50,0%" in texts[3]
    assert "keadaan saat ini" in texts[3]  # the agent list has no year: a snapshot, said so


def test_parse_published():
    assert mo.parse_published("*") == (0.0, math.inf)  # older files: any count, 0 included
    # the band of an area with fewer than 5 clients in the register: 0..4 unserved
    assert mo.parse_published("<5") == (0.0, 4.0)
    assert mo.parse_published("≥5") == (5.0, math.inf)
    assert mo.parse_published(">=10") == (10.0, math.inf)
    assert mo.parse_published(12) == (12.0, 12.0)
    assert mo.parse_published("") is None
    assert mo.parse_published("1.234") == (1234.0, 1234.0)  # Indonesian thousands


def test_previous_unreadable_is_a_user_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(UserError) as e:
        mo.read_previous(p)
    assert e.value.code == "monitoring.previous_columns"


# -- CLI ---------------------------------------------------------------------------------------------
def test_cli_analyze_with_targets_and_previous(tmp_path):
    from typer.testing import CliRunner

    from ibm_geo.cli import app
    from ibm_geo.demo import demo_paths

    d = demo_paths()
    base = ["--boundaries", str(d["boundaries"]), "--clients", str(d["clients"])]
    base += ["--agents", str(d["agents"]), "--no-map"]
    runner = CliRunner()
    prev_sc = tmp_path / "prev.toml"
    prev_sc.write_text("[filters]\nyear_max = 2024\n", encoding="utf-8")
    r = runner.invoke(
        app, ["analyze", *base, "--scenario", str(prev_sc), "--out", str(tmp_path / "prev")]
    )
    assert r.exit_code == 0, r.output
    out = tmp_path / "now"
    args = ["analyze", *base, "--targets", str(d["targets"]), "--out", str(out)]
    r = runner.invoke(
        app,
        [
            *args,
            "--previous",
            str(tmp_path / "prev" / "ranking.xlsx"),
            "--per-kecamatan",
            "--per-rw",
        ],
    )
    assert r.exit_code == 0, r.output
    cols = {
        "progress.csv": mo.PROGRESS_COLUMNS,
        "trend.csv": mo.TREND_COLUMNS,
        "summary.csv": mo.SUMMARY_COLUMNS,
        "change.csv": mo.CHANGE_COLUMNS,
    }
    for name, want in cols.items():
        df = pd.read_csv(out / name, dtype=str)
        assert list(df.columns) == want, name
        if name == "progress.csv":  # agents and villages are public counts
            df = df[df["indicator"].isin(["rehab", "pascarehab"])]
        for c in df.columns:  # no client count 1..4 written as digits
            if c in ("clients", "unserved", "referral_berat", "followed_up", "achieved"):
                assert not df[c].isin(["1", "2", "3", "4"]).any(), (name, c)
    pr = pd.read_csv(out / "progress.csv", dtype=str)
    assert len(pr) == len(mo.read_targets(d["targets"], _demo_kel()))
    assert (out / "trend.png").read_bytes()[:4] == b"\x89PNG"
    gj = json.loads((out / "change.geojson").read_text(encoding="utf-8"))
    assert {"kode", "change", "direction"} <= set(gj["features"][0]["properties"])
    book = pd.read_excel(out / "ranking.xlsx", sheet_name=None)
    assert {"capaian", "tren", "ringkasan kantor", "perubahan"} <= set(book)
    # the change of every unit: before from the earlier file, now from this ranking
    ch = pd.read_csv(out / "change.csv", dtype=str).set_index("kode")
    rk = pd.read_csv(out / "ranking.csv", dtype=str).set_index("kode")
    shared = rk.index.intersection(ch.index)
    assert (ch.loc[shared, "unserved_now"] == rk.loc[shared, "unserved"]).all()
    # --per-rw: the demo client rows carry no RW, so rw.csv has its header and no row
    rwf = pd.read_csv(out / "rw.csv", dtype=str)
    assert list(rwf.columns) == mo.RW_COLUMNS and len(rwf) == 0
    # --per-kecamatan: one summary row per kecamatan of the ranking; a kecamatan total is a
    # cell of its own (never 1..4), and one of a single unit is that unit's published cell
    sm = pd.read_csv(out / "summary.csv", dtype=str)
    kec = sm[sm["area_level"] == "kecamatan"]
    assert len(kec) == rk.groupby(["kab_kota", "kecamatan"]).ngroups
    checked = 0
    for r_ in kec.itertuples(index=False):
        assert r_.clients == "<5" or not 1 <= int(r_.clients) <= 4, r_.area
        units = rk[rk["kecamatan"] == r_.area]["clients"]
        if len(units) == 1:
            assert r_.clients == units.iloc[0], r_.area
            checked += 1
    assert len(kec) >= 5
    # no personal data of the demo client file reaches the new files
    clients = pd.read_csv(d["clients"], sep=";", dtype=str, encoding="utf-8-sig")
    text = "".join((out / n).read_text(encoding="utf-8") for n in cols)
    assert not any(n in text for n in clients["nama_klien"].dropna().head(50))


def _demo_kel():
    from ibm_geo.demo import demo_paths

    d = demo_paths()
    return analyze(d["boundaries"], d["clients"]).kelurahan


def test_cli_unknown_target_area_is_one_line_exit_2(tmp_path):
    from typer.testing import CliRunner

    from ibm_geo.cli import app
    from ibm_geo.demo import demo_paths

    d = demo_paths()
    bad = _targets_csv("wilayah;tahun;indikator;target\nKota Kupang;2025;rehab;10\n", tmp_path)
    r = CliRunner().invoke(
        app,
        [
            "analyze",
            "--boundaries",
            str(d["boundaries"]),
            "--clients",
            str(d["clients"]),
            "--no-map",
            "--targets",
            str(bad),
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert r.exit_code == 2
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "Kota Kupang" in lines[0] and "Kota Denpasar" in lines[0]


def test_targets_under_a_title_row_keep_spreadsheet_row_numbers(ntt, tmp_path):
    p = _targets_csv(
        "TARGET BNNP NTT TAHUN 2024;;;\n;;;\nWilayah;Tahun;Indikator;Target\n"
        "Kota Kupang;2024;rehab;50\nKota Kupang;2024;relawan;5\n",
        tmp_path,
    )
    q = DataQuality()
    t = mo.read_targets(p, ntt.kelurahan, quality=q)
    assert list(t["row"]) == [4] and list(t["target"]) == [50.0]
    rep = q.to_frame()
    assert list(rep["row"].astype(int)) == [3, 5]  # the loader notes the header row
    assert "indikator" in rep["problem"].iloc[1]
