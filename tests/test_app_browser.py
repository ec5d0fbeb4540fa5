"""The app in a real browser (Debian chromium via Playwright): demo -> map -> ranking -> plan -> HTML.

Starts ``streamlit run app.py`` on a free 127.0.0.1 port; every request that is not to 127.0.0.1 is
blocked (no network), so the Leaflet map must render from the package's own assets.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _helpers import CHROMIUM, CHROMIUM_ARGS, free_port, goto_step, start_server, wait_idle

from ibm_geo.demo import demo_paths

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
ARGS = CHROMIUM_ARGS
#: still imported from here by branches in flight; new code imports them from _helpers
__all__ = ["ARGS", "free_port", "goto_step", "start_server", "wait_idle"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def server(app_server):
    """The session's app server (``conftest.app_server``), shared with the other browser
    modules: one Streamlit start instead of one per module."""
    pytest.importorskip("playwright")
    return app_server


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
        pg = ctx.new_page()
        blocked: list[str] = []

        def guard(route):
            url = route.request.url
            if url.startswith(("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")):
                return route.continue_()
            blocked.append(url)
            return route.abort()

        pg.route("**/*", guard)
        pg.blocked = blocked  # type: ignore[attr-defined]
        pg.goto(server, wait_until="domcontentloaded")
        yield pg
        browser.close()


def test_demo_map_ranking_plan_and_html_download(page, demo_analysis):
    page.get_by_text("Data contoh", exact=False).first.wait_for(timeout=60_000)
    # map step: Leaflet inside the st_folium iframe
    goto_step(page, "2. Peta")
    wait_idle(page)
    frame = page.frame_locator("iframe[title*='streamlit_folium']").first
    leaflet = frame.locator(".leaflet-container")
    leaflet.wait_for(state="visible", timeout=60_000)
    paths = frame.locator("path.leaflet-interactive")
    paths.nth(150).wait_for(state="attached", timeout=30_000)
    assert paths.count() > 175  # demo: 175 kelurahan polygons + clients, agents, radii
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "app_map.png"), full_page=True)
    # clicking a kelurahan (features are drawn in rank order) selects it beside the map
    kel = demo_analysis.kelurahan
    sixth = kel.iloc[5]
    paths.nth(5).dispatch_event("click", {"clientX": 10, "clientY": 10, "bubbles": True})
    page.get_by_text(f"{sixth['nama']} — ", exact=False).first.wait_for(timeout=30_000)
    assert page.get_by_text(f"({sixth['kode']})", exact=False).count() >= 1

    # score step: the ranking table
    goto_step(page, "3. Skor")
    wait_idle(page)
    table = page.locator("[data-testid='stDataFrame']").first
    table.wait_for(state="visible", timeout=30_000)
    # the map step's table may still be on screen: wait for the score step's own text
    page.get_by_text("kelurahan/desa prioritas").first.wait_for(timeout=30_000)
    page.screenshot(path=str(ARTIFACTS / "app_score.png"), full_page=True)

    # plan step
    goto_step(page, "4. Rencana")
    wait_idle(page)
    run = page.get_by_role("button", name="Jalankan rencana")
    run.wait_for(timeout=30_000)
    run.click()
    wait_idle(page)
    page.get_by_text("Kurva cakupan", exact=False).first.wait_for(timeout=120_000)
    sites = page.frame_locator("iframe[title*='streamlit_folium']").first
    sites.locator(".leaflet-container").wait_for(state="visible", timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "app_plan.png"), full_page=True)

    # export step: the HTML map downloads and is a Leaflet page
    goto_step(page, "5. Ekspor")
    wait_idle(page)
    button = page.get_by_role("button", name="Peta interaktif (HTML)")
    button.wait_for(timeout=30_000)
    with page.expect_download(timeout=120_000) as dl:
        button.click()
    path = dl.value.path()
    data = Path(path).read_bytes()
    assert data.lstrip().lower().startswith(b"<!doctype html")
    assert b"leaflet" in data.lower()
    page.screenshot(path=str(ARTIFACTS / "app_export.png"), full_page=True)
    # nothing left the machine
    assert all("127.0.0.1" not in u for u in page.blocked)


def test_bad_upload_explains_and_mapping_recovers(page):
    """Unknown headers: a message naming the file, the previous data still usable, then a retry
    with the column chosen on the mapping screen loads it."""
    goto_step(page, "1. Data")
    wait_idle(page)
    page.get_by_text("Unggah berkas sendiri", exact=True).click()
    wait_idle(page)
    inputs = page.locator("[data-testid='stFileUploader'] input[type=file]")
    inputs.first.wait_for(state="attached", timeout=30_000)
    bnd = demo_paths()["boundaries"]
    inputs.nth(0).set_input_files(str(bnd))
    bad = "Nomor;Wilayah Tinggal;Tahun\n1;Sanur;2023\n2;Renon;2024\n3;Kesiman;2025\n"
    inputs.nth(1).set_input_files(
        files=[{"name": "klien_aneh.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    # both uploads registered before processing
    for name in ("demo.geojson", "klien_aneh.csv"):  # long names are shortened with ...
        page.locator("[data-testid='stFileChipName']").filter(has_text=name).wait_for(
            timeout=30_000
        )
    wait_idle(page)
    page.get_by_role("button", name="Proses data").click()
    wait_idle(page)
    err = page.locator("[data-testid='stAlertContentError']").first
    err.wait_for(timeout=30_000)
    text = err.inner_text()
    assert "klien_aneh.csv" in text and "kolom" in text and "sebelumnya tetap dipakai" in text
    page.screenshot(path=str(ARTIFACTS / "app_bad_upload.png"), full_page=True)
    # previous (demo) data still in use: the quality table still counts 600 client rows
    assert page.get_by_text("klien_demo.csv").count() >= 1
    # mapping screen: choose the column holding the kelurahan name, retry
    page.get_by_text("kelurahan", exact=True).first.wait_for(timeout=30_000)
    box = page.get_by_role("combobox", name="kelurahan", exact=True)
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option", name="Wilayah Tinggal").first.click()
    wait_idle(page)
    page.get_by_role("button", name="Coba lagi dengan pemetaan kolom ini").click()
    wait_idle(page)
    loaded = page.get_by_text(re.compile(r"Data dimuat:.*klien_aneh\.csv"))
    loaded.first.wait_for(timeout=30_000)
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "app_mapped_upload.png"), full_page=True)


def test_loading_a_scenario_file_sets_the_widgets(page):
    from ibm_geo.config import Scenario

    sc = Scenario(name="Skenario Uji Rakor", top_n=3, weights={"distance": 0.9})
    goto_step(page, "5. Ekspor")
    wait_idle(page)
    zone = page.locator("[data-testid='stFileUploader']").filter(has_text="Muat berkas skenario")
    zone.wait_for(timeout=30_000)
    up = zone.locator("input[type=file]")
    up.set_input_files(
        files=[{"name": "uji.toml", "mimeType": "application/toml", "buffer": sc.to_bytes()}]
    )
    page.get_by_text("Skenario dimuat: Skenario Uji Rakor").first.wait_for(timeout=30_000)
    goto_step(page, "3. Skor")
    wait_idle(page)
    top = page.get_by_text("3 kelurahan/desa prioritas")
    top.first.wait_for(timeout=30_000)  # raises if the loaded top_n never reaches the widgets
    assert top.count() >= 1


def test_client_table_as_boundaries_and_sheets_that_differ(page):
    """A client CSV uploaded as boundaries is explained in the chosen language (no Streamlit
    error page); a workbook whose sheets hold different tables asks which sheet to read."""
    goto_step(page, "1. Data")
    wait_idle(page)
    page.get_by_text("Unggah berkas sendiri", exact=True).click()
    wait_idle(page)
    inputs = page.locator("[data-testid='stFileUploader'] input[type=file]")
    inputs.first.wait_for(state="attached", timeout=30_000)
    clients = demo_paths()["clients"]
    inputs.nth(0).set_input_files(str(clients))
    inputs.nth(1).set_input_files(str(clients))
    page.locator("[data-testid='stFileChipName']").nth(1).wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Proses data").click()
    wait_idle(page)
    err = page.locator("[data-testid='stAlertContentError']").first
    err.wait_for(timeout=30_000)
    assert "bukan batas wilayah" in err.inner_text() and "klien_demo.csv" in err.inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "app_clients_as_boundaries.png"), full_page=True)

    corpus = ROOT / "tests" / "corpus"
    inputs.nth(0).set_input_files(str(demo_paths()["boundaries"]))
    inputs.nth(1).set_input_files(str(corpus / "c_sheets_differ.xlsx"))
    page.locator("[data-testid='stFileChipName']").filter(has_text="c_sheets").wait_for(
        timeout=30_000
    )
    wait_idle(page)
    page.get_by_role("button", name="Proses data").click()
    wait_idle(page)
    # uploads sit in one form: the previous error stays on screen until the submitted run
    # replaces it, so wait for the new message rather than the first error box
    err = page.locator("[data-testid='stAlertContentError']").filter(has_text="Klien, Rekap")
    err.first.wait_for(timeout=60_000)
    box = page.get_by_role("combobox", name="Lembar yang dibaca", exact=True)
    box.wait_for(timeout=30_000)
    # typed, not clicked: a rerun may redraw the open list under the pointer
    box.click()
    page.keyboard.type("Klien")
    page.keyboard.press("Enter")
    wait_idle(page)
    page.get_by_role("button", name="Baca lembar ini").click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Data dimuat:.*c_sheets_differ\.xlsx")).first.wait_for(
        timeout=30_000
    )
    assert page.locator("[data-testid='stException']").count() == 0
    page.screenshot(path=str(ARTIFACTS / "app_sheet_chosen.png"), full_page=True)
