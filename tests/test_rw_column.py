"""RW (rukun warga) columns in client rows are kept and reported, never silently ignored."""

from __future__ import annotations

from ibm_geo.io import read_points
from ibm_geo.quality import DataQuality


def test_rw_column_is_kept_normalised_and_reported():
    csv = (
        "nama;kelurahan;RW;status\n"
        "A;Renon;RW 3;aktif\n"
        "B;Renon;03;belum\n"
        "C;Panjer;002/005;belum\n"
        "D;Panjer;;belum\n"
        "E;Sanur;Dusun Kaja;belum\n"
    ).encode("cp1252")
    q = DataQuality()
    t = read_points(csv, "clients", q, name="klien.csv")
    assert t["rw"].tolist()[:3] == ["003", "003", "005"]
    assert t["rw"].isna().tolist() == [False, False, False, True, False]
    assert t["rw"].iat[4] == "Dusun Kaja"  # kept as written when it is not a number
    f = q.to_frame()
    row = f[f["column"] == "rw"]
    assert len(row) == 1 and "4 of 5" in row["problem"].iat[0]


def test_no_rw_column_no_report():
    q = DataQuality()
    t = read_points(b"kelurahan;status\nRenon;aktif\n", "clients", q, name="k.csv")
    assert t["rw"].isna().all()
    assert not (q.to_frame()["column"] == "rw").any() if len(q) else True
