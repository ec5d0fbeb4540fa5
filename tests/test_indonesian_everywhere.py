"""Indonesian everywhere in ``id`` (issue 23): every text of the catalogues, the quality rows of
messy inputs, the CLI's outputs and lines, the map page and every app screen (the steps and
the office pages) is scanned for English words (:mod:`_english_words`)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from _english_words import english_words
from _helpers import sign_in

from ibm_geo.demo import demo_paths

ROOT = Path(__file__).resolve().parents[1]


def _hits(texts: dict[str, object]) -> dict[str, list[str]]:
    """{where: English words} for every text that has some."""
    out = {}
    for where, text in texts.items():
        w = english_words(text)
        if w:
            out[where] = sorted(w) + [str(text)[:120]]
    return out


def _no_english(texts: dict[str, object]) -> None:
    hits = _hits(texts)
    assert hits == {}, json.dumps(hits, indent=1, ensure_ascii=False)


def test_every_indonesian_text_of_the_catalogues():
    texts = {}
    for folder in (ROOT / "ibm_geo" / "locales", ROOT / "ibm_geo_app" / "locales"):
        for key, text in json.loads((folder / "id.json").read_text("utf-8")).items():
            texts[f"{folder.parent.name}:{key}"] = text
    assert len(texts) > 700
    _no_english(texts)
    # the scan finds what it is for: the English side says them
    en = json.loads((ROOT / "ibm_geo" / "locales" / "en.json").read_text("utf-8"))
    assert english_words(en["quality.latlon_swapped"]) == {"swapped"}
    assert english_words(en["quality.name_fuzzy"]) >= {"matched", "approximately", "score"}


def test_quality_rows_of_messy_inputs_are_codes_and_read_in_indonesian():
    """Every row the loaders and the matcher write has a code (nothing left in English only),
    and the rows read in Indonesian say no English word."""
    from ibm_geo.config import Scenario
    from ibm_geo.pipeline import analyze_joined, join_inputs, load_inputs
    from ibm_geo.quality_text import localize_quality

    p = demo_paths()
    clients = (
        b"client_id;kelurahan;lat;lon;status_pasca;tingkat;jenis_layanan;tahun_rehab;kapasitas\n"
        b"K1;Sanuur;;;belum;ringan;rawat jalan;2023;\n"  # fuzzy name
        b"K1;Renon;115.2;-8.7;aktif;sedang;rawat inap;2022;\n"  # duplicate id, swapped lat/lon
        b"K3;Nowhere Town;;;zzz;parah;rumah;abc;\n"  # unmatched, unknown values, bad year
        b"K4;;1.5;;belum;berat;rawat jalan;1800;\n"  # half coordinates, year out of range
        b"K5;Kesiman;-60;10;selesai;ringan;rawat jalan;2024;\n"  # outside Indonesia
    )
    inputs = load_inputs(p["boundaries"], clients, p["agents"], p["service_points"])
    result = analyze_joined(join_inputs(inputs), Scenario())
    q = result.quality
    assert len(q) >= 10
    assert q["_problem"].notna().all(), q.loc[q["_problem"].isna(), "problem"].tolist()
    people = localize_quality(q, "id")
    assert list(people.columns) == ["Berkas", "Baris", "Kolom", "Masalah", "Nilai", "Tindakan"]
    assert "nama kelurahan cocok mirip (skor" in " ".join(people["Masalah"])
    assert "lintang/bujur tampak tertukar" in people["Masalah"].tolist()
    texts = {f"{i}:{c}": v for c in ("Masalah", "Tindakan") for i, v in people[c].items()}
    _no_english(texts)
    # the same rows in English say what the scan looks for
    en = localize_quality(q, "en")
    assert english_words(" ".join(en["Problem"])) >= {"matched", "approximately", "duplicate"}


@pytest.fixture(scope="module")
def id_run(tmp_path_factory):
    """One ``ibm-geo plan`` on the demo in the default language (id)."""
    from typer.testing import CliRunner

    from ibm_geo.cli import app

    out = tmp_path_factory.mktemp("id_run")
    p = demo_paths()
    args = ["plan", "--boundaries", str(p["boundaries"]), "--clients", str(p["clients"])]
    args += ["--agents", str(p["agents"]), "--service-points", str(p["service_points"])]
    r = CliRunner().invoke(app, [*args, "--out", str(out), "--groups", "3"])
    assert r.exit_code == 0, r.output
    return out, r.output


#: the settings sheet and the manifest's scenario quote the TOML a planner edits (keys and
#: values such as ``plan.method = "exact"``): identifiers, not sentences
_TOML_CELLS = {("pengaturan skenario", "Pengaturan"), ("pengaturan skenario", "Nilai")}


def test_cli_lines_workbook_slides_print_map_and_quality_csv_in_indonesian(id_run):
    from pptx import Presentation

    out, output = id_run
    texts: dict[str, object] = {"cli": output}
    book = pd.read_excel(out / "ranking.xlsx", sheet_name=None, dtype=str)
    assert "peringkat" in book and "kualitas data" in book
    for sheet, df in book.items():
        texts[f"sheet {sheet}"] = sheet
        texts[f"{sheet} headers"] = " ".join(map(str, df.columns))
        for col in df.columns:
            if (sheet, col) in _TOML_CELLS or (sheet == "manifes" and col == "Nilai"):
                continue
            for i, v in df[col].dropna().items():
                texts[f"{sheet}[{col}] {i}"] = v
    man = book["manifes"].set_index(book["manifes"].columns[0])[book["manifes"].columns[1]]
    for key, v in man.items():
        if key != "Skenario (TOML)":
            texts[f"manifes {key}"] = v
    for n, slide in enumerate(Presentation(out / "rakor.pptx").slides):
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts[f"slide {n} {shape.shape_id}"] = shape.text_frame.text
            if shape.has_table:
                cells = " ".join(c.text for row in shape.table.rows for c in row.cells)
                texts[f"slide {n} table {shape.shape_id}"] = cells
    pdftotext = shutil.which("pdftotext")  # scripts/test.sh installs poppler-utils
    assert pdftotext, "pdftotext missing"
    printed = subprocess.run([pdftotext, str(out / "map_a4.pdf"), "-"], capture_output=True)
    texts["map_a4.pdf"] = printed.stdout.decode()
    assert "Peta kebutuhan Agen Pemulihan" in texts["map_a4.pdf"]
    q = pd.read_csv(out / "data_quality.csv", dtype=str)
    assert len(q) > 0
    for c in ("problem", "action"):
        for i, v in q[c].dropna().items():
            texts[f"data_quality.csv {c} {i}"] = v
    _no_english(texts)


def test_map_page_in_indonesian(id_run):
    from playwright.sync_api import sync_playwright

    out, _ = id_run
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium")
        try:
            page = browser.new_page()
            page.route(
                "**/*", lambda r: r.abort() if r.request.url.startswith("http") else r.continue_()
            )
            page.goto((out / "map.html").as_uri())
            page.wait_for_timeout(1500)
            text = page.inner_text("body")
        finally:
            browser.close()
    assert "Skor kebutuhan" in text
    _no_english({"map.html": text})


# ------------------------------------------------------------------------------- app screens
_SKIP_FIELDS = {"id", "form_id", "key", "arrow_data", "data"}


def _strings(msg, out: list[str]) -> None:
    """Every text a widget or element carries (label, help, placeholder, options, body...)."""
    from google.protobuf.message import Message

    for field, value in msg.ListFields():
        if field.name in _SKIP_FIELDS:
            continue
        values = [value] if isinstance(value, str | bytes | Message | bool | int | float) else value
        for v in values:
            if isinstance(v, Message):
                _strings(v, out)
            elif isinstance(v, str):
                out.append(v)


def _screen_texts(at, where: str) -> dict[str, object]:
    """Every text on the screen (main and sidebar), tables' headers and cells included; an
    empty table fails (Streamlit writes "empty" in it)."""
    texts: dict[str, object] = {}
    for n, el in enumerate(_elements(at)):
        kind = getattr(el, "type", "")
        if kind in ("html", "component_instance"):  # our style sheet (widget_words); the
            continue  # Leaflet map's script (its visible words: test_map_page_in_indonesian)
        if kind in ("arrow_data_frame", "dataframe"):
            df = el.value
            assert len(df), f"{where}: an empty table on screen"
            texts[f"{where} table {n} headers"] = " ".join(map(str, df.columns))
            for col in df.columns:
                if df[col].dtype == object or str(df[col].dtype).startswith(("str", "string")):
                    for v in pd.unique(df[col].dropna().astype(str))[:300]:
                        texts[f"{where} table {n} [{col}] {v[:20]}"] = v
            continue
        proto = getattr(el, "proto", None)
        if proto is None:
            continue
        if kind == "multiselect":  # else the browser writes Streamlit's "Choose options"
            assert proto.placeholder, f"{where}: multiselect {proto.label!r} has no placeholder"
        if kind == "file_uploader":  # Streamlit's own words are hidden: ours must be there
            assert proto.help, f"{where}: uploader {proto.label!r} has no help"
        found: list[str] = []
        _strings(proto, found)
        for i, s in enumerate(found):
            texts[f"{where} {kind} {n}.{i}"] = s
    return texts


def _elements(at):
    stack = [at._tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if isinstance(children, dict) and children:
            stack.extend(children.values())
            if getattr(node, "type", None) in ("expandable", "tab"):
                yield node
        else:
            yield node


def _run_app():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    return at


def test_every_app_step_in_indonesian():
    at = _run_app()
    texts: dict[str, object] = {}
    for step in ("data", "map", "score", "plan", "export", "progress"):
        at.sidebar.radio[0].set_value(step).run()
        assert not at.exception, at.exception
        texts.update(_screen_texts(at, step))
    assert len(texts) > 200
    # the uploader's own words are ours: a help line in Indonesian, Streamlit's hidden by CSS
    assert any("Seret berkas ke kotak ini" in str(v) for v in texts.values())
    _no_english(texts)


@pytest.mark.usefixtures("office")
def test_office_pages_in_indonesian():
    texts: dict[str, object] = {}
    at = _run_app()
    texts.update(_screen_texts(at, "sign-in"))
    sign_in(at, "admin")
    at.sidebar.radio[0].set_value("office").run()
    assert not at.exception, at.exception
    admin = _screen_texts(at, "admin")
    assert any("Nama pengguna" in str(v) for v in admin.values())  # the users table's header
    texts.update(admin)
    viewer = _run_app()
    sign_in(viewer, "lihat")
    texts.update(_screen_texts(viewer, "pembaca"))
    _no_english(texts)
