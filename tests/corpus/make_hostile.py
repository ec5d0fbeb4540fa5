"""The hostile half of the corpus (issue 21), generated at test time into a temporary folder:
bombs, special files, broken quoting, merged cells, tampered previous runs, hostile scenarios.

Nothing big is committed: a bomb is a few KB here and is made to trip a limit the case lowers
through its ``env`` (``IBM_GEO_MAX_*``), so every case runs in seconds. :func:`build` writes the
files and returns the cases, in the columns of ``expected.csv`` plus ``command``, ``env`` and
the other inputs (``agents``, ``previous``, ``roads``, ``targets``, ``service_points``).
"""

from __future__ import annotations

import bz2
import gzip
import io
import json
import os
import socket
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
VILLAGES = ["Tuban", "Kuta", "Kedonganan", "Legian"]
HDR = ["No", "Nama", "Kelurahan", "Kecamatan", "Tahun Rehab", "Status Pasca"]
SLOTS = {
    "boundaries": "b",
    "clients": "c",
    "agents": "a",
    "service_points": "s",
    "scenario": "scenario",
    "targets": "targets",
    "previous": "previous",
    "roads": "roads",
}


def rows(n: int, start: int = 1) -> list[list]:
    return [
        [i, f"Klien {i}", VILLAGES[i % 4], "Kuta", 2019 + i % 6, ["aktif", "belum", "putus"][i % 3]]
        for i in range(start, start + n)
    ]


def csv_text(body: list[list], header: list = HDR, sep: str = ";", nl: str = "\n") -> str:
    return nl.join(sep.join(str(c) for c in r) for r in [header, *body]) + nl


def case(cid: str, exit: int, fragment: str = "", rows: int | str = "", note: str = "", **kw):
    c = {"case": cid, "exit": str(exit), "fragment": fragment, "rows": str(rows), "note": note}
    c.setdefault("boundaries", "b_small.geojson")
    c.setdefault("clients", "c_ok.csv")
    c.update({k: v for k, v in kw.items()})
    return c


# -- small writers -------------------------------------------------------------------------------


def _xlsx_raw(sheets: dict[str, str], merges: dict[str, list[str]] | None = None) -> bytes:
    """A minimal XLSX from sheet XML bodies (inline strings), so far cells cost nothing."""
    merges = merges or {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        ct = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{ct}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        sh = "".join(
            f'<sheet name="{n}" sheetId="{i}" r:id="rId{i}"/>'
            for i, n in enumerate(sheets, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.'
            'openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.'
            f'org/officeDocument/2006/relationships"><sheets>{sh}</sheets></workbook>',
        )
        rel = "".join(
            f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/'
            f'2006/relationships/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rel}</Relationships>',
        )
        for i, (name, body) in enumerate(sheets.items(), start=1):
            m = "".join(f'<mergeCell ref="{r}"/>' for r in merges.get(name, []))
            m = f'<mergeCells count="{len(merges.get(name, []))}">{m}</mergeCells>' if m else ""
            z.writestr(
                f"xl/worksheets/sheet{i}.xml",
                '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                f'openxmlformats.org/spreadsheetml/2006/main"><sheetData>{body}</sheetData>{m}'
                "</worksheet>",
            )
    return buf.getvalue()


def _col(c: int) -> str:
    out = ""
    while c:
        c, rem = divmod(c - 1, 26)
        out = chr(65 + rem) + out
    return out


def _sheet_rows(table: list[list], first_row: int = 1, skip: set | None = None) -> str:
    """Sheet XML rows; cells listed in ``skip`` (row, col) are left out (merged)."""
    out = []
    for i, r in enumerate(table):
        rn = first_row + i
        cells = []
        for j, v in enumerate(r, start=1):
            if v is None or v == "" or (skip and (rn, j) in skip):
                continue
            ref = f"{_col(j)}{rn}"
            if isinstance(v, int | float):
                cells.append(f'<c r="{ref}"><v>{v}</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{v}</t></is></c>')
        out.append(f'<row r="{rn}">{"".join(cells)}</row>')
    return "".join(out)


def _features(props: list[dict], rings: list | None = None) -> dict:
    base = json.loads((HERE / "b_small.geojson").read_text())
    feats = base["features"]
    out = []
    for i, p in enumerate(props):
        f = {"type": "Feature", "properties": p, "geometry": feats[i % len(feats)]["geometry"]}
        if rings is not None and rings[i] is not None:
            f["geometry"] = {"type": "Polygon", "coordinates": rings[i]}
        out.append(f)
    return {"type": "FeatureCollection", "features": out}


def _osm_xml(with_nodes: bool = True) -> str:
    nodes = ""
    if with_nodes:
        nodes = "".join(
            f'<node id="{i}" version="1" lat="{-8.74 + i * 0.001}" lon="{115.16 + i * 0.002}"/>'
            for i in range(1, 6)
        )
    ways = (
        '<way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/>'
        '<tag k="highway" v="residential"/></way>'
        '<way id="11" version="1"><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
        '<tag k="highway" v="residential"/></way>'
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{nodes}{ways}</osm>'


def _previous(props: list[dict]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "ibm_geo_manifest": {"suppression_k": 5},
            "features": [{"type": "Feature", "properties": p, "geometry": None} for p in props],
        }
    )


# -- the cases -----------------------------------------------------------------------------------


def build(d: Path) -> list[dict]:
    """Write every generated file into ``d`` and return its cases."""
    d.mkdir(parents=True, exist_ok=True)
    cases: list[dict] = []

    def put(name: str, data: bytes | str) -> str:
        (d / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        return name

    # 1. special files in every input slot: refused before they are opened (a FIFO blocks)
    os.mkfifo(d / "fifo.csv")
    (d / "folder.csv").mkdir()
    os.symlink(d / "loop_b.csv", d / "loop_a.csv")
    os.symlink(d / "loop_a.csv", d / "loop_b.csv")
    os.symlink("/dev/zero", d / "device.csv")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(d / "socket.csv"))
    sock.close()
    for kind, fname in (
        ("fifo", "fifo.csv"),
        ("folder", "folder.csv"),
        ("loop", "loop_a.csv"),
        ("device", "device.csv"),
        ("socket", "socket.csv"),
    ):
        for slot in SLOTS:
            cases.append(case(f"special_{kind}_{slot}", 2, "not a regular file", **{slot: fname}))

    # 2. bombs and limits
    import geopandas as gpd

    small = gpd.read_file(HERE / "b_small.geojson")
    small["pad"] = "x" * 2_000_000  # 4 features x 2 MB of one letter: zstd makes it tiny
    small.to_parquet(d / "b_bomb.parquet", compression="zstd")
    cases.append(
        case(
            "parquet_bomb_metadata", 2, "inflates to", boundaries="b_bomb.parquet",
            env="IBM_GEO_MAX_UNCOMPRESSED_MB=1 IBM_GEO_MAX_COMPRESSION_RATIO=1000000",
        )
    )  # fmt: skip
    cases.append(
        case(
            "parquet_bomb_ratio", 2, "(zip bomb?)", boundaries="b_bomb.parquet",
            env="IBM_GEO_MAX_COMPRESSION_RATIO=50",
        )
    )  # fmt: skip
    # metadata allowed, memory not: the child process stops, the CLI says which limit
    # one 1 MB value 400 times: dictionary-encoded, so the metadata declares ~1 MB, but
    # reading materialises 400 MB
    import shapely

    mem = gpd.GeoDataFrame(
        {"nama": ["a"] * 400, "pad": ["y" * 1_000_000] * 400},
        geometry=[shapely.box(115.1, -8.8, 115.2, -8.7)] * 400,
        crs=4326,
    )
    mem.to_parquet(d / "b_mem.parquet", compression="zstd")
    cases.append(
        case(
            "parquet_memory_limit", 2, "IBM_GEO_MAX_PARSE_MB", boundaries="b_mem.parquet",
            env="IBM_GEO_MAX_PARSE_MB=150 IBM_GEO_MAX_COMPRESSION_RATIO=1000000 "
            "IBM_GEO_MAX_UNCOMPRESSED_MB=100000",
        )
    )  # fmt: skip
    table = [HDR, *rows(5)]
    put("c_far_cells.xlsx", _xlsx_raw({"Data": _sheet_rows(table) + _far("XFD5", "A200000")}))
    cases.append(case("xlsx_far_cells", 2, "IBM_GEO_MAX_C", clients="c_far_cells.xlsx"))
    put("c_far_col.xlsx", _xlsx_raw({"Data": _sheet_rows(table) + _far("XFD7")}))
    cases.append(case("xlsx_far_column", 2, "IBM_GEO_MAX_COLUMNS", clients="c_far_col.xlsx"))
    put("c_far_row.xlsx", _xlsx_raw({"Data": _sheet_rows(table) + _far("A200000")}))
    cases.append(
        case("xlsx_far_row", 0, rows=6, note="", clients="c_far_row.xlsx")
    )  # a stray cell far below is one more (location-less) row, reported
    cases.append(
        case(
            "xlsx_far_row_cells_limit", 2, "IBM_GEO_MAX_CELLS", clients="c_far_row.xlsx",
            env="IBM_GEO_MAX_CELLS=100000",
        )
    )  # fmt: skip
    osm_line = b'<node id="1" version="1" lat="-8.7" lon="115.2"/>\n'
    head = b'<?xml version="1.0"?><osm version="0.6">\n'
    block = bz2.compress(osm_line * 20_000)  # 1 MB of XML in ~100 bytes
    put("r_bomb.osm.bz2", bz2.compress(head) + block * 200)
    cases.append(case("osm_bz2_bomb", 2, "inflates", roads="r_bomb.osm.bz2"))
    gblock = gzip.compress(osm_line * 20_000)
    put("r_bomb.osm.gz", gzip.compress(head) + gblock * 200)
    cases.append(case("osm_gz_bomb", 2, "inflates", roads="r_bomb.osm.gz"))
    put("r_slow.osm", _osm_xml())
    cases.append(
        case(
            "parse_time_limit", 2, "IBM_GEO_MAX_PARSE_SECONDS", clients="c_slow.csv",
            env="IBM_GEO_MAX_PARSE_SECONDS=0.001",
        )
    )  # fmt: skip
    put("c_slow.csv", csv_text(rows(2000)))
    big = "A" * 10_000_000
    put("c_10mb_cell.csv", csv_text([*rows(3), [4, big, "Kuta", "Kuta", 2020, "belum"]]))
    cases.append(
        case("cell_10mb", 0, rows=4, note="characters", clients="c_10mb_cell.csv")
    )  # fmt: skip
    cases.append(
        case(
            "file_size_limit", 2, "IBM_GEO_MAX_FILE_MB", clients="c_10mb_cell.csv",
            env="IBM_GEO_MAX_FILE_MB=1",
        )
    )  # fmt: skip
    cases.append(
        case(
            "row_limit", 2, "IBM_GEO_MAX_ROWS", clients="c_slow.csv", env="IBM_GEO_MAX_ROWS=100",
        )
    )  # fmt: skip

    # 3. rows: every record read or reported
    body = rows(600)
    body[10][1] = '"Klien 11 (catatan'
    put("c_unbalanced_quote.csv", csv_text(body))
    cases.append(
        case("unbalanced_quote", 0, rows=600, note="unbalanced quote", clients=put(
            "c_unbalanced_quote2.csv", csv_text(body)))
    )  # fmt: skip
    cases.append(
        case("unbalanced_quote_first", 0, rows=600, note="unbalanced quote",
             clients="c_unbalanced_quote.csv")
    )  # fmt: skip
    b2 = rows(50)
    b2[-1][2] = '"Kuta'
    put("c_quote_last.csv", csv_text(b2))
    cases.append(case("unbalanced_quote_last", 0, rows=50, clients="c_quote_last.csv"))
    put("c_cr_only.csv", csv_text(rows(20), nl="\r"))
    cases.append(case("cr_only", 0, rows=20, note="line endings", clients="c_cr_only.csv"))
    put("c_crlf.csv", csv_text(rows(20), nl="\r\n"))
    cases.append(case("crlf", 0, rows=20, clients="c_crlf.csv"))
    put("c_cr_only_bom.csv", b"\xef\xbb\xbf" + csv_text(rows(9), nl="\r").encode())
    cases.append(case("cr_only_bom", 0, rows=9, clients="c_cr_only_bom.csv"))
    put("c_cr_only_comma.csv", csv_text(rows(7), sep=",", nl="\r"))
    cases.append(case("cr_only_comma", 0, rows=7, clients="c_cr_only_comma.csv"))
    put(
        "c_mixed_endings.csv",
        csv_text(rows(6), nl="\r\n") + csv_text(rows(6, 7))[len(";".join(HDR)) + 1 :],
    )
    cases.append(case("mixed_endings", 0, rows=12, clients="c_mixed_endings.csv"))
    put(
        "c_quoted_newline.csv",
        csv_text([[1, '"Klien\nsatu"', "Kuta", "Kuta", 2020, "belum"], *rows(4, 2)]),
    )
    cases.append(case("legit_quoted_newline", 0, rows=5, clients="c_quoted_newline.csv"))
    # vertically merged cells: Kelurahan merged over rows 3-8 (top cell only holds the value)
    table = [HDR, *rows(60)]
    skip = {(r, 3) for r in range(3, 9)} | {(r, 4) for r in range(3, 62)}
    merges = ["C2:C8", "D2:D61"]
    put("c_merged_rows.xlsx", _xlsx_raw({"Data": _sheet_rows(table, skip=skip)}, {"Data": merges}))
    cases.append(
        case("merged_vertical", 0, rows=60, note="merged cells", clients="c_merged_rows.xlsx")
    )  # fmt: skip
    s1, s2 = [HDR, *rows(5)], [HDR, *rows(7, 6)]
    s2[3][2] = ""
    s2[3][6 - 3] = ""
    put(
        "c_two_sheets.xlsx",
        _xlsx_raw({"Bulan1": _sheet_rows(s1), "Bulan2": _sheet_rows(s2)}),
    )
    cases.append(
        case("two_sheets_labels", 0, rows=12, note="[Bulan2]", clients="c_two_sheets.xlsx")
    )  # fmt: skip
    put(
        "c_blank_text_row.xlsx",
        _xlsx_raw({"D": _sheet_rows([HDR, *rows(4), ["   "], *rows(2, 5)])}),
    )
    cases.append(case("xlsx_blank_text_row", 0, rows=6, clients="c_blank_text_row.xlsx"))
    put(
        "c_unplaceable.csv",
        csv_text(
            [[1, "A", "", "", 2020, "belum", "-8.0", "110.0"]] * 3
            + [[2, "B", "Kuta", "Kuta", 2020, "belum", "", ""]] * 5,
            header=[*HDR, "Lat", "Lon"],
        ),
    )
    cases.append(
        case("unplaceable_rows", 0, rows=8, note="row not placed (no kelurahan written)", clients="c_unplaceable.csv")
    )  # fmt: skip
    put("c_only_separators.csv", csv_text([*rows(3), [""] * 6, *rows(2, 4)]))
    cases.append(case("separator_only_row", 0, rows=5, clients="c_only_separators.csv"))
    put("c_nul_inside.csv", csv_text(rows(3)).replace("Klien 2", "Klien\x002"))
    cases.append(case("nul_byte", 2, "binary", clients="c_nul_inside.csv"))

    # 4. exit 2 with one line, or a quality row
    put("a_cap_huge.csv", "agen_id;nama;kelurahan;kapasitas\nA1;Agen;Kuta;1e19\nA2;B;Tuban;5\n")
    cases.append(
        case("agent_capacity_1e19", 0, rows=12, note="capacity", agents="a_cap_huge.csv")
    )  # fmt: skip
    put("a_cap_inf.csv", "agen_id;nama;kelurahan;kapasitas\nA1;Agen;Kuta;inf\nA2;B;Tuban;nan\n")
    cases.append(case("agent_capacity_inf", 0, rows=12, note="capacity", agents="a_cap_inf.csv"))
    put("s_capacity_huge.toml", "default_capacity = 1e19\n")
    cases.append(
        case("scenario_capacity_1e19", 2, "default_capacity", scenario="s_capacity_huge.toml")
    )
    put("s_capacity_int_huge.toml", "default_capacity = 10000000000000000000\n")
    cases.append(
        case(
            "scenario_capacity_int_huge", 2, "default_capacity", scenario="s_capacity_int_huge.toml"
        )
    )
    ring = [[[115.16, -8.74], [float("nan"), -8.73], [115.2, -8.74], [115.16, -8.74]]]
    fc = _features(
        [{"kode": "51.03.01.1001", "nama": "Tuban"}, {"kode": "51.03.01.1002", "nama": "Kuta"}],
        [ring, None],
    )
    put("b_nan.geojson", json.dumps(fc))
    cases.append(case("boundary_nan", 0, rows=12, note="coordinates", boundaries="b_nan.geojson"))
    fc = _features([{"kode": "51.03.01.1001", "nama": "Tuban"}], [ring])
    put("b_all_nan.geojson", json.dumps(fc))
    cases.append(case("boundary_all_nan", 2, "b_all_nan.geojson", boundaries="b_all_nan.geojson"))
    put(
        "b_anonymous.geojson",
        json.dumps(
            _features(
                [
                    {"kode": "51.03.01.1001", "nama": "Tuban"},
                    {"kode": "51.03.01.1002", "nama": "Kuta"},
                    {"kode": None, "nama": None},
                    {"kode": "", "nama": " "},
                ]
            )
        ),
    )
    cases.append(
        case("boundary_no_name_no_code", 0, rows=12, note="neither a name nor a code",
             boundaries="b_anonymous.geojson")
    )  # fmt: skip
    put("b_all_anonymous.geojson", json.dumps(_features([{"kode": None, "nama": None}] * 3)))
    cases.append(
        case("boundary_all_anonymous", 2, "neither a name nor a code",
             boundaries="b_all_anonymous.geojson")
    )  # fmt: skip
    # scenarios
    put("s_dup.json", '{"radius_m": 3000, "radius_m": 5000}')
    cases.append(
        case("scenario_duplicate_json", 2, "'radius_m' is written twice", scenario="s_dup.json")
    )
    put("s_dup_nested.json", '{"plan": {"p": 3, "p": 4}}')
    cases.append(
        case(
            "scenario_duplicate_nested",
            2,
            "'plan.p' is written twice",
            scenario="s_dup_nested.json",
        )
    )
    put("s_dup.toml", "radius_m = 3000\nradius_m = 5000\n")
    cases.append(case("scenario_duplicate_toml", 2, "radius_m", scenario="s_dup.toml"))
    put("s_deep.json", "[" * 100_000 + "]" * 100_000)
    cases.append(case("scenario_deep_json", 2, "nested too deeply", scenario="s_deep.json"))
    put("s_deep_obj.json", '{"a":' * 5000 + "1" + "}" * 5000)
    cases.append(case("scenario_deep_object", 2, "nested too deeply", scenario="s_deep_obj.json"))
    put("s_deep.toml", "x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    cases.append(case("scenario_deep_toml", 2, "nested too deeply", scenario="s_deep.toml"))
    put("s_ctrl.toml", 'name = "Skenario\\u0007 bel"\n')
    cases.append(case("scenario_control_char", 2, "control character", scenario="s_ctrl.toml"))
    put("s_ctrl.json", '{"description": "a\\u001b[31mred"}')
    cases.append(case("scenario_control_char_json", 2, "control character", scenario="s_ctrl.json"))
    put("s_ctrl_key.json", '{"radius_m\\u0000": 3000}')
    cases.append(
        case("scenario_control_char_key", 2, "control character", scenario="s_ctrl_key.json")
    )
    put("s_target_inf.toml", "[plan]\ntarget_share = inf\n")
    cases.append(case("scenario_target_inf", 2, "target_share", scenario="s_target_inf.toml"))
    put("s_target_nan.toml", "[plan]\ntarget_share = nan\n")
    cases.append(case("scenario_target_nan", 2, "target_share", scenario="s_target_nan.toml"))
    put("s_target_nan.json", '{"plan": {"target_share": NaN}}')
    cases.append(case("scenario_target_nan_json", 2, "target_share", scenario="s_target_nan.json"))
    put("s_target_inf.json", '{"plan": {"budget": Infinity}}')
    cases.append(case("scenario_budget_inf_json", 2, "budget", scenario="s_target_inf.json"))
    put("s_filter_empty.toml", "[filters]\nyear_min = 2099\n")
    cases.append(
        case("filter_leaves_nothing", 2, "leave no client", scenario="s_filter_empty.toml")
    )  # fmt: skip
    cases.append(
        case("filter_leaves_nothing_plan", 2, "leave no client", scenario="s_filter_empty.toml",
             command="plan")
    )  # fmt: skip
    codes = [f"51.03.01.100{i}" for i in range(1, 5)]
    put("s_forbid_all.toml", f"[plan]\nforbidden = {json.dumps(codes)}\n")
    cases.append(
        case("plan_forbids_all", 2, "excludes every remaining candidate", scenario="s_forbid_all.toml",
             command="plan")
    )  # fmt: skip
    put("s_empty.toml", "")
    cases.append(case("scenario_empty", 0, rows=12, scenario="s_empty.toml"))
    put("s_binary.toml", bytes(range(256)) * 4)
    cases.append(case("scenario_binary", 2, "s_binary.toml", scenario="s_binary.toml"))
    put("s_utf16.toml", "radius_m = 3000\n".encode("utf-16"))
    cases.append(case("scenario_utf16", 2, "s_utf16.toml", scenario="s_utf16.toml"))
    put("s_huge.toml", "# " + "x" * 2_000_000 + "\n")
    cases.append(case("scenario_huge", 2, "larger than", scenario="s_huge.toml"))
    put("s_list_top.json", "[1, 2, 3]")
    cases.append(case("scenario_list_top", 2, "s_list_top.json", scenario="s_list_top.json"))
    put("s_weights_str.toml", '[weights]\nunserved = "banyak"\n')
    cases.append(case("scenario_weight_text", 2, "weights.unserved", scenario="s_weights_str.toml"))
    put("s_big_float.json", '{"radius_m": 1e400}')
    cases.append(case("scenario_float_overflow", 2, "radius_m", scenario="s_big_float.json"))
    put("s_big_int.json", '{"seed": ' + "9" * 5000 + "}")
    cases.append(case("scenario_int_5000_digits", 2, "s_big_int.json", scenario="s_big_int.json"))
    put("s_bom.json", "\ufeff" + '{"radius_m": 3000}')
    cases.append(case("scenario_json_bom", 0, rows=12, scenario="s_bom.json"))
    put("s_lone_surrogate.json", '{"name": "\\ud800"}')
    cases.append(
        case("scenario_lone_surrogate", 2, "control character", scenario="s_lone_surrogate.json")
    )
    # boundaries in other forms
    shp = gpd.read_file(HERE / "b_small.geojson")
    tmp = d / "_shp"
    tmp.mkdir()
    shp.to_file(tmp / "desa.shp")
    with zipfile.ZipFile(d / "b_shp_folder.zip", "w") as z:
        for f in tmp.iterdir():
            z.write(f, f"batas_desa/{f.name}")
    with zipfile.ZipFile(d / "b_shp_root.zip", "w") as z:
        for f in tmp.iterdir():
            z.write(f, f.name)
    with zipfile.ZipFile(d / "b_shp_no_shx.zip", "w") as z:
        for f in tmp.iterdir():
            if f.suffix != ".shx":
                z.write(f, f"batas/{f.name}")
    with zipfile.ZipFile(d / "b_no_shp.zip", "w") as z:
        z.writestr("catatan.txt", "tidak ada peta")
    cases.append(case("shapefile_zip_folder", 0, rows=12, boundaries="b_shp_folder.zip"))
    cases.append(case("shapefile_zip_root", 0, rows=12, boundaries="b_shp_root.zip"))
    cases.append(case("shapefile_no_shx", 2, "no .shx", boundaries="b_shp_no_shx.zip"))
    cases.append(case("zip_without_shapefile", 2, "b_no_shp.zip", boundaries="b_no_shp.zip"))
    kml = shp.rename(columns={"nama": "Name"})[["Name", "geometry"]]
    kml.to_file(d / "b_desa.kml", driver="KML")
    cases.append(case("kml_boundaries", 0, rows=12, boundaries="b_desa.kml"))
    with zipfile.ZipFile(d / "b_desa.kmz", "w") as z:
        z.write(d / "b_desa.kml", "doc.kml")
    cases.append(case("kmz_boundaries", 0, rows=12, boundaries="b_desa.kmz"))
    put("b_desa.topojson", _topojson(shp))
    cases.append(case("topojson_boundaries", 0, rows=12, boundaries="b_desa.topojson"))
    cases.append(
        case("gdal_long_message", 2, "cannot read the boundaries", boundaries="b_big_poly.geojson",
             env="OGR_GEOJSON_MAX_OBJ_SIZE=1")
    )  # fmt: skip
    put("b_big_poly.geojson", json.dumps(_features([{"nama": "Besar"}], [_big_ring(60_000)])))
    import osmium

    w = osmium.SimpleWriter(str(d / "r_roads.osm.pbf"))
    for i in range(1, 6):
        w.add_node(osmium.osm.mutable.Node(id=i, location=(115.16 + i * 0.002, -8.74), version=1))
    w.add_way(osmium.osm.mutable.Way(id=10, nodes=[1, 2, 3, 4, 5], tags={"highway": "residential"}))
    w.close()
    cases.append(
        case("pbf_as_boundaries", 2, "OpenStreetMap extract", boundaries="r_roads.osm.pbf")
    )
    put("r_roads.osm", _osm_xml())
    cases.append(
        case("osm_xml_as_boundaries", 2, "OpenStreetMap extract", boundaries="r_roads.osm")
    )
    os.symlink(d / "r_roads.osm.pbf", d / "peta.geojson")
    cases.append(case("pbf_renamed_geojson", 2, "OpenStreetMap extract", boundaries="peta.geojson"))
    put("r_no_nodes.osm", _osm_xml(with_nodes=False))
    cases.append(case("roads_without_nodes", 2, "no node locations", roads="r_no_nodes.osm"))
    cases.append(case("roads_elsewhere", 2, "does not cover", roads="r_roads.osm"))
    put("r_not_osm.osm.pbf", b"\x00\x00\x00\x0dnot a pbf at all" * 10)
    cases.append(case("roads_not_pbf", 2, "r_not_osm.osm.pbf", roads="r_not_osm.osm.pbf"))
    # encrypted workbook (an OLE container holding EncryptionInfo / EncryptedPackage)
    put("c_encrypted.xlsx", _fake_encrypted())
    cases.append(case("xlsx_encrypted", 2, "password-protected", clients="c_encrypted.xlsx"))
    cases.append(case("xlsx_encrypted_agents", 2, "password-protected", agents="c_encrypted.xlsx"))
    # previous runs: tampered (quality rows), another area (refused naming both)
    bali = [
        {"kode": f"51.03.01.100{i}", "nama": v, "kab_kota": "Kabupaten Badung", "unserved": 3}
        for i, v in enumerate(VILLAGES, start=1)
    ]
    put("p_ok.geojson", _previous(bali))
    cases.append(case("previous_ok", 0, rows=12, previous="p_ok.geojson"))
    bandung = [
        {"kode": f"32.73.01.100{i}", "nama": f"Desa {i}", "kab_kota": "Kota Bandung", "unserved": 9}
        for i in range(1, 5)
    ]
    put("p_other.geojson", _previous(bandung))
    cases.append(
        case("previous_other_area", 2, "another area (Kota Bandung)", previous="p_other.geojson")
    )  # fmt: skip
    tampered = [dict(p) for p in bali]
    tampered[0]["unserved"] = "banyak"
    tampered[1]["unserved"] = -7
    tampered[2]["unserved"] = 1e308
    tampered[3]["kode"] = None
    put("p_tampered.geojson", _previous(tampered))
    cases.append(
        case("previous_tampered", 0, rows=12, note="previous", previous="p_tampered.geojson")
    )
    t2 = [dict(p) for p in bali]
    t2[0]["unserved"] = {"nested": [1, 2]}
    t2[1]["unserved"] = [5]
    t2[2]["unserved"] = True
    t2[3]["unserved"] = "NaN"
    put("p_tampered_types.geojson", _previous(t2))
    cases.append(
        case(
            "previous_tampered_types",
            0,
            rows=12,
            note="previous",
            previous="p_tampered_types.geojson",
        )
    )
    put("p_features_not_list.geojson", '{"type":"FeatureCollection","features":{"a":1}}')
    cases.append(
        case(
            "previous_features_dict",
            2,
            "p_features_not_list",
            previous="p_features_not_list.geojson",
        )
    )
    put(
        "p_props_null.geojson",
        json.dumps({"type": "FeatureCollection", "features": [None, 5, "x"]}),
    )
    cases.append(case("previous_features_junk", 2, "p_props_null", previous="p_props_null.geojson"))
    put(
        "p_k_text.geojson", _previous(bali).replace('"suppression_k": 5', '"suppression_k": "lima"')
    )
    cases.append(case("previous_k_text", 0, rows=12, note="previous", previous="p_k_text.geojson"))
    put("p_bad.csv", "kode;unserved\n51.03.01.1001;x\n51.03.01.1002;1e400\n;3\n")
    cases.append(case("previous_csv_tampered", 0, rows=12, note="previous", previous="p_bad.csv"))
    put("p_deep.geojson", "[" * 100_000 + "]" * 100_000)
    cases.append(case("previous_deep_json", 2, "p_deep.geojson", previous="p_deep.geojson"))
    # 5. more values no office means: every row still read or reported
    hdr = [*HDR, "Lat", "Lon"]
    for cid, lat, lon in (
        ("coord_inf", "inf", "115.2"),
        ("coord_nan", "NaN", "nan"),
        ("coord_overflow", "1e400", "-1e400"),
        ("coord_hex", "0x10", "115.2"),
        ("coord_comma_pair", "-8,7", "115,2"),
    ):
        put(f"c_{cid}.csv", csv_text([[1, "A", "Kuta", "Kuta", 2020, "belum", lat, lon], *[
            [*r, "", ""] for r in rows(4, 2)]], header=hdr))  # fmt: skip
        cases.append(case(cid, 0, rows=5, clients=f"c_{cid}.csv"))
    put("c_year_huge.csv", csv_text([[1, "A", "Kuta", "Kuta", "1e10", "belum"], *rows(3, 2)]))
    cases.append(case("year_1e10", 0, rows=4, note="year outside", clients="c_year_huge.csv"))
    put("c_header_repeated.csv", csv_text([*rows(3), HDR, *rows(3, 4)]))
    cases.append(case("header_repeated_midfile", 0, rows=7, clients="c_header_repeated.csv"))
    put("c_zero_width.csv", csv_text([[1, "A\u200b", "Ku\u200bta", "Kuta", 2020, "belum"],
                                      *rows(3, 2)]).encode("utf-8").decode("unicode_escape"))  # fmt: skip
    cases.append(case("zero_width_chars", 0, rows=4, clients="c_zero_width.csv"))
    put("c_only_quotes.csv", '"""""""""\n"""\n')
    cases.append(case("only_quotes", 2, "c_only_quotes.csv", clients="c_only_quotes.csv"))
    put("c_one_long_line.csv", "x;" * 500_000)
    cases.append(case("one_long_line", 2, "IBM_GEO_MAX_COLUMNS", clients="c_one_long_line.csv"))
    put("c_utf16_cr.txt", csv_text(rows(6), sep="\t", nl="\r").encode("utf-16"))
    cases.append(case("utf16_cr_only", 0, rows=6, clients="c_utf16_cr.txt"))
    for cid, val in (("inf", "inf"), ("nan", "NaN"), ("overflow", "1e400"), ("negative", "-5")):
        put(f"t_{cid}.csv", f"wilayah;tahun;indikator;target\nBali;2024;rehab;{val}\n"
            "Kabupaten Badung;2024;agen;10\n")  # fmt: skip
        cases.append(
            case(f"target_{cid}", 0, rows=12, note="target is not a positive number",
                 targets=f"t_{cid}.csv")
        )  # fmt: skip
    for cid, text in (
        ("weight_negative", "[weights]\nunserved = -1\n"),
        ("k_one", "suppression_k = 1\n"),
        ("radius_list", "radius_m = [1, 2]\n"),
        ("p_negative", "[plan]\np = -1\n"),
        ("plan_string", 'plan = "banyak"\n'),
        ("status_unknown", '[filters]\nstatuses = ["hilang"]\n'),
        ("years_reversed", "[filters]\nyear_min = 2024\nyear_max = 2020\n"),
        ("choices_type", "place_choices = 5\n"),
        ("travel_unknown", '[roads]\ntravel = "pesawat"\n'),
        ("unknown_table", "[rencana]\np = 3\n"),
        ("nul_byte", "radius_m = 3000\x00\n"),
        ("json_trailing", '{"radius_m": 3000} {"x": 1}'),
    ):
        ext = "json" if text.startswith("{") else "toml"
        put(f"s_{cid}.{ext}", text)
        cases.append(case(f"scenario_{cid}", 2, f"s_{cid}.{ext}", scenario=f"s_{cid}.{ext}"))
    put("t_huge_year.csv", "wilayah;tahun;indikator;target\nBali;99999999999;rehab;10\n")
    cases.append(case("target_year_huge", 0, rows=12, note="not a year", targets="t_huge_year.csv"))
    return cases


def _far(*refs: str) -> str:
    import re

    out = []
    for ref in refs:
        m = re.fullmatch(r"([A-Z]+)(\d+)", ref)
        out.append(f'<row r="{m.group(2)}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>')
    return "".join(out)


def _big_ring(n: int) -> list:
    import math

    pts = [
        [
            115.17 + 0.02 * math.cos(2 * math.pi * i / n),
            -8.74 + 0.02 * math.sin(2 * math.pi * i / n),
        ]
        for i in range(n)
    ]
    return [[*pts, pts[0]]]


def _topojson(gdf) -> str:
    """A TopoJSON without shared arcs (each ring its own arc, absolute coordinates)."""
    arcs, geoms = [], []
    for _, r in gdf.iterrows():
        ring = [list(c) for c in r.geometry.exterior.coords]
        arcs.append(ring)
        geoms.append(
            {"type": "Polygon", "arcs": [[len(arcs) - 1]], "properties": {"nama": r["nama"],
             "kode": r["kode"]}}
        )  # fmt: skip
    return json.dumps(
        {"type": "Topology", "objects": {"desa": {"type": "GeometryCollection", "geometries": geoms}},
         "arcs": arcs}
    )  # fmt: skip


def _fake_encrypted() -> bytes:
    """The shape Excel gives a password-protected .xlsx: an OLE2 compound file (not a ZIP)
    whose directory names the streams EncryptionInfo and EncryptedPackage."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    names = b"".join(
        n.encode("utf-16-le") + b"\x00" * 8 for n in ("EncryptionInfo", "EncryptedPackage")
    )
    return head + names + os.urandom(2048)
