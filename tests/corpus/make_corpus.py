"""Regenerate the malformed-input corpus (deterministic). Run from the repository root:

    python tests/corpus/make_corpus.py

Every file is small; what each must produce is in ``expected.csv`` next to it. Boundaries are
four villages of the bundled demo layer (``data/boundaries``), never shared data.
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import shapely

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VILLAGES = ["Tuban", "Kuta", "Kedonganan", "Legian"]
HDR = ["No", "Nama", "Kelurahan", "Kecamatan", "Tahun Rehab", "Status Pasca"]


def rows(n: int, start: int = 1) -> list[list]:
    return [
        [i, f"Klien {i}", VILLAGES[i % 4], "Kuta", 2019 + i % 6, ["aktif", "belum", "putus"][i % 3]]
        for i in range(start, start + n)
    ]


def csv_text(header: list, body: list[list], sep: str = ";") -> str:
    return "\n".join(sep.join(str(c) for c in r) for r in [header, *body]) + "\n"


def workbook(sheets: list[tuple[str, list[list], list[str]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, data, merges in sheets:
        ws = wb.create_sheet(name)
        for r in data:
            ws.append(r)
        for m in merges:
            ws.merge_cells(m)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(name: str, data: bytes | str) -> None:
    (HERE / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def main() -> None:
    demo = gpd.read_file(ROOT / "data/boundaries/bali_selatan_demo.geojson")
    small = demo[demo["nama"].isin(VILLAGES)].reset_index(drop=True)
    write("b_small.geojson", small.to_json(drop_id=True))
    # projected (UTM 50S) GeoJSON without a "crs" member: read as WGS 84 by GDAL unless detected
    utm = json.loads(small.to_crs(32750).to_json(drop_id=True))
    utm.pop("crs", None)
    write("b_utm_no_crs.geojson", json.dumps(utm))
    utm_nokode = json.loads(small.drop(columns=["kode"]).to_crs(32750).to_json(drop_id=True))
    utm_nokode.pop("crs", None)
    write("b_utm_no_crs_no_kode.geojson", json.dumps(utm_nokode))
    pts = small.copy()
    pts["geometry"] = pts.geometry.representative_point()
    write("b_points.geojson", pts.to_json(drop_id=True))
    nulls = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"nama": v}, "geometry": None} for v in VILLAGES
        ],
    }
    write("b_null_geometries.geojson", json.dumps(nulls))
    bow = small.copy()
    x0, y0, x1, y1 = bow.geometry.iloc[0].bounds
    bow.loc[0, "geometry"] = shapely.Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    write("b_self_intersecting.geojson", bow.to_json(drop_id=True))
    write("b_truncated.geojson", small.to_json(drop_id=True)[:700])
    write("b_not_json.geojson", "this is not geojson {{{\n")

    write("c_ok.csv", csv_text(HDR, rows(12)))
    write(
        "c_title_rows.csv",
        "DATA KLIEN PASCAREHABILITASI\nBNNK Badung 2024;;;;;\n;;;;;\n" + csv_text(HDR, rows(10)),
    )
    write("c_utf16.txt", csv_text(HDR, rows(9), "\t").encode("utf-16"))
    write("c_utf16le_nobom.txt", csv_text(HDR, rows(7), "\t").encode("utf-16-le"))
    write("c_header_only.csv", csv_text(HDR, []))
    write("c_empty.csv", "")
    write("c_no_location.csv", csv_text(["No", "Nama", "Tahun"], [[1, "A", 2020]]))
    write(
        "c_cp1252_decimal_comma.csv",
        "kelurahan;lintang;bujur;tahun\nTuban;-8,74;115,17;2020\nKuta;-8,72;115,17;2021\nLégian;x;115,17;2022\n".encode(
            "cp1252"
        ),
    )
    ragged = (
        csv_text(HDR, rows(5)).rstrip("\n")
        + '\n6;"Klien; 6";Kuta;Kuta;2021;aktif;extra;cells\n7;Klien 7;Tuban\n'
    )
    write("c_ragged.csv", ragged)
    rnd = random.Random(10)
    write("c_random_bytes.csv", bytes(rnd.randrange(256) for _ in range(3000)))
    write("c_old_binary.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    title = [["DATA KLIEN PASCAREHABILITASI BNNK BADUNG"], ["Per 31 Desember 2024"], []]
    write("c_title_rows.xlsx", workbook([("Data", title + [HDR] + rows(11), [])]))
    write(
        "c_petunjuk_two_sheets.xlsx",
        workbook(
            [
                ("Petunjuk", [["Cara pengisian"], ["Isi satu baris per klien"]], []),
                ("2023", [HDR] + rows(8), []),
                ("2024", title + [HDR] + rows(6, start=9), []),
            ]
        ),
    )
    two_row = [["No", "Nama", "Lokasi", None, "Tahun Rehab", "Status Pasca"],
               [None, None, "Kelurahan", "Kecamatan", None, None]]  # fmt: skip
    write(
        "c_merged_header.xlsx",
        workbook([("Klien", title + two_row + rows(13), ["C4:D4", "A4:A5", "B4:B5", "E4:E5"])]),
    )
    write(
        "c_sheets_differ.xlsx",
        workbook(
            [("Klien", [HDR] + rows(5), []), ("Rekap", [["Kab/Kota", "Jumlah"], ["Badung", 5]], [])]
        ),
    )
    write("c_header_only.xlsx", workbook([("Klien", [HDR], [])]))
    f = [HDR] + rows(4) + [[5, "Klien 5", "Kuta", "Kuta", "=2019+1", "aktif"]]
    write("c_formula_no_value.xlsx", workbook([("Klien", f, [])]))
    good = workbook([("Klien", [HDR] + rows(30), [])])
    write("c_truncated.xlsx", good[: len(good) // 2])
    # a zip bomb in miniature: a 5 MB sheet that compresses ~1000:1 (limit: 200:1)
    buf = io.BytesIO()
    with zipfile.ZipFile(good and io.BytesIO(good)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("sheet1.xml"):
                data = data.replace(
                    b"</sheetData>", b"<!--" + b" " * 5_000_000 + b"--></sheetData>"
                )
            dst.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    write("c_bomb.xlsx", buf.getvalue())

    years = [[1, "Klien 1", "Tuban", "Kuta", 2021, "belum"], [2, "Klien 2", "Kuta", "Kuta", "dua ribu", "belum"],
             [3, "Klien 3", "Legian", "Kuta", "", "belum"], [4, "Klien 4", "Kuta", "Kuta", 2018, "belum"]]  # fmt: skip
    write("c_year_unknown.csv", csv_text(HDR, years))
    write("s_tiga_km.toml", 'radius_m = "tiga km"\n')
    write("s_radius_inf.toml", "radius_m = inf\n")
    write("s_radius_nan.toml", "radius_m = nan\n")
    write("s_radius_negative.toml", "radius_m = -3000\n")
    write("s_k_zero.toml", "suppression_k = 0\n")
    write(
        "s_weights_zero.toml",
        "[weights]\nunserved_count = 0\nunserved_share = 0\nrecency = 0\ndistance = 0\npresence = 0\n",
    )
    write("s_unknown_key.toml", "radius_meter = 3000\n")
    write("s_bad_syntax.toml", 'name = "x"\n\n[plan\np = 3\n')
    write("s_draws_huge.toml", "stability_draws = 2e8\n")
    write("s_curve_huge.toml", "[plan]\ncurve_max_p = 100000000\n")
    write("s_fixed_no_breaks.toml", 'classification = "fixed"\nfixed_breaks = []\n')
    write("s_trailing_comma.json", '{\n  "radius_m": 3000,\n}\n')
    write("s_year_filter.toml", "[filters]\nyear_min = 2020\n")


if __name__ == "__main__":
    main()
