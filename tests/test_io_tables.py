"""Reading client/agent/service-point tables: encodings, separators, headers, bad values."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import Workbook

from ibm_geo.errors import UserError
from ibm_geo.io import COLUMNS, read_points
from ibm_geo.io.tables import parse_coordinates, parse_float
from ibm_geo.quality import DataQuality


def _quality(q: DataQuality) -> list[tuple]:
    f = q.to_frame()
    return list(zip(f["row"].tolist(), f["column"].tolist(), f["action"].tolist(), strict=True))


def test_semicolon_decimal_comma_bom():
    text = (
        "\ufeffNo Klien;Nama;Kelurahan/Desa;KEC.;Kab/Kota;Lintang;Bujur;Tahun Rehab;"
        "Status Pasca;Tingkat Keparahan;Layanan;\n"
        "K1;Ani;Renon;Denpasar Selatan;Kota Denpasar;-8,6845;115,2398;2021;Aktif;Berat;RJ;\n"
        "K2;Budi;Kel. Sanur;;;115,2600;-8,6932;2019;-;ringan;Rawat Inap;\n"
        ";;;;;;;;;;;\n"
        "K3;Citra;Pemogan;;;;;2035;selesai;sedang;outpatient;\n"
    )
    q = DataQuality()
    out = read_points(text.encode("utf-8"), "clients", q, name="klien.csv")
    assert list(out.columns) == COLUMNS["clients"]
    assert out["row"].tolist() == [2, 3, 5]  # the empty record (row 4) is not a record
    assert out["client_id"].tolist() == ["K1", "K2", "K3"]
    assert out["lat"].tolist()[:2] == [-8.6845, -8.6932]  # row 3 swapped back
    assert out["lon"].tolist()[:2] == [115.2398, 115.26]
    assert np.isnan(out["lat"].iat[2])
    assert out["tahun_rehab"].tolist()[:2] == [2021, 2019]
    assert out["tahun_rehab"].isna().iat[2]  # 2035 is in the future
    assert out["status_pasca"].tolist() == ["aktif", "belum", "selesai"]
    assert out["tingkat"].tolist() == ["berat", "ringan", "sedang"]
    assert out["jenis_layanan"].tolist() == ["rawat_jalan", "rawat_inap", "rawat_jalan"]
    assert out["kecamatan"].isna().tolist() == [False, True, True]
    assert _quality(q) == [
        (3, "lat", "swapped lat/lon"),
        (5, "tahun_rehab", "ignored value"),
    ]
    assert q.to_frame()["file"].unique().tolist() == ["klien.csv"]


def test_cp1252_file(tmp_path):
    text = (
        "id,desa,kecamatan,tahun,status\n7,Kel. La'latang,Tallo,2022,Selesai\n8,Pémogan,,2020,ya\n"
    )
    path = tmp_path / "klien_cp1252.csv"
    path.write_bytes(text.encode("cp1252"))
    q = DataQuality()
    out = read_points(path, "clients", q)
    assert out["kelurahan"].tolist() == ["Kel. La'latang", "Pémogan"]
    assert out["client_id"].tolist() == ["7", "8"]
    assert out["status_pasca"].tolist() == ["selesai", "aktif"]
    assert len(q) == 0


def test_xlsx_with_combined_coordinates_and_tabs():
    wb = Workbook()
    ws = wb.active
    ws.append(["ID Agen", "Nama", "Desa", "Koordinat", "Kapasitas", "Aktif"])
    ws.append(["A1", "Wayan", "Renon", "-8.6845, 115.2398", 8, "ya"])
    ws.append(["A2", "Made", "Sanur", "115.26; -8.69", None, "tidak"])
    ws.append(["A3", "Komang", "Sesetan", "di dekat pasar", -2, "mungkin"])
    ws.append(["A1", "Ketut", None, None, 10, None])
    buf = io.BytesIO()
    wb.save(buf)
    q = DataQuality()
    out = read_points(buf.getvalue(), "agents", q, name="agen.xlsx")
    assert list(out.columns) == COLUMNS["agents"]
    assert out["row"].tolist() == [2, 3, 4, 5]
    assert out["lat"].tolist()[:2] == [-8.6845, -8.69]
    assert out["lon"].tolist()[:2] == [115.2398, 115.26]
    assert out["kapasitas"].tolist()[0] == 8 and out["kapasitas"].isna().tolist()[1:3] == [True] * 2
    assert out["aktif"].tolist() == [True, False, True, True]
    assert _quality(q) == [
        (2, "agen_id", "kept both rows"),
        (3, "lat", "swapped lat/lon"),
        (4, "Koordinat", "ignored coordinates"),
        (4, "kapasitas", "default capacity"),
        (4, "aktif", "assumed active"),
        (5, "agen_id", "kept both rows"),
        (5, None, "row kept, cannot be placed"),
    ]


def test_service_points_tab_separated_and_column_map():
    text = "Fasilitas\tJenis\tLokasi desa\tlat\tlon\nBNNK Denpasar\tBNNK\tRenon\t-8.68\t115.24\n"
    text += "Klinik Sehat\tKlinik Pratama\tSanur\t1.0\t1.0\nPuskesmas X\tApotek\tTonja\t\t\n"
    q = DataQuality()
    out = read_points(
        text.encode(),
        "service_points",
        q,
        name="layanan.tsv",
        column_map={"Fasilitas": "name", "Lokasi desa": "kelurahan"},
    )
    assert out["name"].tolist() == ["BNNK Denpasar", "Klinik Sehat", "Puskesmas X"]
    assert out["jenis"].tolist() == ["bnnk", "klinik", "lainnya"]
    assert out["kelurahan"].tolist() == ["Renon", "Sanur", "Tonja"]
    assert np.isnan(out["lat"].iat[1])  # (1, 1) is outside Indonesia either way round
    assert _quality(q) == [(3, "lat", "ignored coordinates"), (4, "jenis", "used 'lainnya'")]


def test_header_variants_english():
    text = "Client ID,Village,District,City,Latitude,Longitude,Year,Severity,Status\n"
    text += "1,Renon,Denpasar Selatan,Denpasar,-8.68,115.24,2020,severe,drop out\n"
    text += "1,Renon,,,-8.68,abc,20x1,,completed\n"
    q = DataQuality()
    out = read_points(text.encode(), "clients", q, name="c.csv")
    assert out[["kelurahan", "kecamatan", "kab_kota"]].iloc[0].tolist() == [
        "Renon",
        "Denpasar Selatan",
        "Denpasar",
    ]
    assert out["tingkat"].iat[0] == "berat"
    assert out["status_pasca"].tolist() == ["putus", "selesai"]
    assert np.isnan(out["lat"].iat[1]) and np.isnan(out["lon"].iat[1])
    assert sorted(_quality(q), key=str) == [
        (2, "client_id", "kept both rows"),
        (3, "client_id", "kept both rows"),
        (3, "lon", "ignored coordinates"),  # lat alone is then not used either
        (3, "tahun_rehab", "ignored value"),
    ]


def test_missing_location_column_names_the_file():
    with pytest.raises(UserError) as err:
        read_points(b"id,nama,tahun\n1,A,2020\n", "clients", DataQuality(), name="klien.csv")
    assert "klien.csv" in str(err.value) and "kelurahan" in str(err.value)
    with pytest.raises(ValueError):
        read_points(b"desa\nRenon\n", "patients", DataQuality())


def test_nothing_dropped_with_many_bad_rows():
    rng = np.random.default_rng(0)
    n = 500
    lat = np.where(rng.random(n) < 0.1, "x", np.round(-8.7 + rng.random(n) * 0.1, 4).astype(str))
    df = pd.DataFrame({"desa": "Renon", "lat": lat, "lon": "115,2", "tahun": "2020"})
    data = df.to_csv(sep=";", index=False).encode()
    q = DataQuality()
    out = read_points(data, "clients", q, name="c.csv")
    assert len(out) == n
    bad = (lat == "x").sum()
    f = q.to_frame()
    assert (f["column"] == "lat").sum() == bad
    assert sorted(f.loc[f["column"] == "lat", "row"].tolist()) == list(
        np.flatnonzero(lat == "x") + 2
    )


@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).map(lambda v: round(v, 6)))
def test_float_parsing_round_trips(v):
    dot = repr(v)
    comma = dot.replace(".", ",")
    out = parse_float(pd.Series([dot, comma, f" {dot} "]))
    assert out.tolist() == [v, v, v]


@given(
    st.floats(min_value=-11, max_value=6, allow_nan=False).map(lambda v: round(v, 5)),
    st.floats(min_value=95, max_value=141, allow_nan=False).map(lambda v: round(v, 5)),
    st.sampled_from([", ", ",", ";", "; ", " "]),
)
def test_coordinate_string_parsing(lat, lon, sep):
    lat_s, lon_s = f"{lat:.5f}", f"{lon:.5f}"
    if sep.strip() == ";":  # decimal commas are allowed when the pair uses ';'
        lat_s, lon_s = lat_s.replace(".", ","), lon_s.replace(".", ",")
    text = [f"{lat_s}{sep}{lon_s}", f"({lat:.5f}, {lon:.5f})"]
    la, lo = parse_coordinates(pd.Series(text))
    assert la.tolist() == [lat, lat] and lo.tolist() == [lon, lon]


def test_duplicate_ids_reported_on_every_copy_and_kept():
    text = (
        "id;kelurahan\n"
        "K1;Renon\n"
        "K2;Sanur\n"
        ";Pemogan\n"
        "K1;Renon\n"
        " K2 ;Sesetan\n"  # the same id once stripped
        ";Kesiman\n"  # missing ids are not duplicates of each other
        "K3;Panjer\n"
    )
    q = DataQuality()
    out = read_points(text.encode(), "clients", q, name="c.csv")
    assert len(out) == 7
    f = q.to_frame()
    dup = f[f["problem"] == "duplicate client_id"]
    assert sorted(dup["row"].tolist()) == [2, 3, 5, 6]
    assert set(dup["action"]) == {"kept both rows"}


def test_cp1252_file_with_nbsp_and_blank_cells():
    text = "kelurahan;lat;lon;tahun_rehab\nRenon\xa0;-8,68;115,24;2021\nSanur; ; ;\n"
    q = DataQuality()
    out = read_points(text.encode("cp1252"), "clients", q, name="c.csv")
    assert out["kelurahan"].tolist() == ["Renon", "Sanur"]
    assert out["lat"].tolist()[0] == -8.68 and np.isnan(out["lat"].tolist()[1])
    assert out["tahun_rehab"].tolist() == [2021, pd.NA]
    assert len(q.to_frame()) == 0  # blank cells are missing values, not errors


_VARIANTS = {
    "quoted newline and separator": (
        'id;kelurahan;catatan\nK1;"Renon";"baris\nkedua; dengan titik koma"\nK2;Sanur;\n'
    ),
    "repeated header": "kelurahan;kelurahan;tahun_rehab\nRenon;Sanur;2021\nPemogan;;2020\n",
    "ragged rows (tolerant parser)": "kelurahan;tahun_rehab\nRenon;2021;extra\nSanur\n",
    "header only": "kelurahan;tahun_rehab\n",
    "spaces around everything": "  kelurahan ; tahun_rehab \n  Renon  ;  2021  \n\t Sanur\t;\t\n",
    "cp1252 with BOM-less accents": "kelurahan;catatan\nRenon;caf\u00e9 \u00b7 \u00e0\n",
}


@pytest.mark.parametrize("variant", list(_VARIANTS))
def test_file_and_bytes_read_the_same(tmp_path, variant):
    """The memory-mapped file path and the upload bytes path give the same rows and reports."""
    data = _VARIANTS[variant].encode("cp1252" if variant.startswith("cp1252") else "utf-8")
    f = tmp_path / "klien.csv"
    f.write_bytes(data)
    q1, q2 = DataQuality(), DataQuality()
    if variant == "header only":  # a client list without clients is unusable, said once
        for src in (f, data):
            with pytest.raises(UserError) as err:
                read_points(src, "clients", DataQuality(), name="klien.csv")
            assert err.value.code == "input.header_only" and err.value.params["row"] == 1
        return
    a = read_points(f, "clients", q1)
    b = read_points(data, "clients", q2, name="klien.csv")
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(q1.to_frame(), q2.to_frame())
    if variant == "repeated header":
        assert a["kelurahan"].tolist() == ["Renon", "Pemogan"]
        assert (q1.to_frame()["problem"] == "second column for 'kelurahan'").sum() == 1
    if variant == "spaces around everything":
        assert a["kelurahan"].tolist() == ["Renon", "Sanur"]
        assert a["tahun_rehab"].tolist() == [2021, pd.NA]
    if variant == "quoted newline and separator":
        assert a["kelurahan"].tolist() == ["Renon", "Sanur"] and a["row"].tolist() == [2, 3]


def test_repeated_header_in_excel_is_reported_not_ignored_silently():
    wb = Workbook()
    ws = wb.active
    ws.append(["kelurahan", "kelurahan", "tahun_rehab"])
    ws.append(["Renon", "Sanur", 2021])
    buf = io.BytesIO()
    wb.save(buf)
    q = DataQuality()
    out = read_points(buf.getvalue(), "clients", q, name="k.xlsx")
    assert out["kelurahan"].tolist() == ["Renon"]
    f = q.to_frame()
    assert f.loc[f["problem"] == "second column for 'kelurahan'", "column"].tolist() == [
        "kelurahan.1"
    ]


def test_agent_recruitment_year_aliases_and_bad_values():
    """The agents' year column under the names people give it; every bad value a row-numbered
    quality row, every row kept; an active agent without a year is said to make a snapshot."""
    for header in ("Tahun", "Tahun Rekrut", "tahun_pelatihan", "Angkatan", "Tahun Angkatan"):
        text = f"agen_id;kelurahan;aktif;{header}\nA1;Renon;ya;2021\n"
        out = read_points(text.encode(), "agents", DataQuality(), name="agen.csv")
        assert out["tahun_rekrut"].tolist() == [2021], header
    text = (
        "agen_id;kelurahan;aktif;angkatan\n"
        "A1;Renon;ya;2019\n"
        "A2;Renon;ya;Angkatan 2020\n"  # the year inside the text
        "A3;Sanur;ya;12/03/2022\n"  # a date: its year
        "A4;Sanur;ya;lama\n"  # not a year
        "A5;Sesetan;ya;1995\n"  # before the programme's data
        "A6;Sesetan;ya;2099\n"  # in the future
        "A7;Sesetan;ya;\n"  # active, no year
        "A8;Sesetan;tidak;\n"  # inactive, no year: counts nowhere, nothing to say
    )
    q = DataQuality()
    out = read_points(text.encode(), "agents", q, name="agen.csv")
    assert list(out.columns) == COLUMNS["agents"]
    assert out["row"].tolist() == [2, 3, 4, 5, 6, 7, 8, 9]  # nothing dropped
    assert out["tahun_rekrut"].tolist()[:3] == [2019, 2020, 2022]
    assert out["tahun_rekrut"].isna().tolist()[3:] == [True] * 5
    f = q.to_frame()
    f = f[f["column"] == "tahun_rekrut"]
    assert f["row"].astype(int).tolist() == [5, 6, 7, 8]
    assert f["problem"].tolist()[0] == "year is not a number"
    assert f["problem"].tolist()[1].startswith("year outside 2000..")
    assert f["problem"].tolist()[3] == "recruitment year missing"
    from ibm_geo.quality_text import localize_quality

    people = localize_quality(f, "id")
    assert people["Masalah"].tolist()[3] == "tahun rekrut kosong"
    assert people["Masalah"].tolist()[1].startswith("tahun di luar 2000..")
    assert "keadaan saat ini" in people["Tindakan"].tolist()[3]


def test_agents_without_a_year_column_have_no_year_and_no_report():
    q = DataQuality()
    out = read_points(b"agen_id;kelurahan;aktif\nA1;Renon;ya\n", "agents", q, name="a.csv")
    assert out["tahun_rekrut"].isna().all() and len(q) == 0
