"""Every input a planner gives is applied or visibly refused (issue 15), in a real Chromium:
"Proses data" without the boundaries says so, with both files it names what the server received
and how many rows it read; weight moves are applied together by "Terapkan bobot" and the weights
the ranking used are written under the sliders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _helpers import CHROMIUM, app_page, goto_step, wait_idle

from ibm_geo.demo import demo_paths
from ibm_geo.io import read_boundaries

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def page(app_server):
    pytest.importorskip("playwright")
    with app_page(app_server) as pg:
        yield pg


def test_upload_refused_then_received_with_row_counts(page):
    page.get_by_text("Data contoh", exact=False).first.wait_for(timeout=60_000)
    goto_step(page, "1. Data")
    wait_idle(page)
    page.get_by_text("Unggah berkas sendiri", exact=True).click()
    wait_idle(page)
    inputs = page.locator("[data-testid='stFileUploader'] input[type=file]")
    inputs.first.wait_for(state="attached", timeout=30_000)
    d = demo_paths()
    # only the client list: the click is refused on the page, naming what is missing
    inputs.nth(1).set_input_files(str(d["clients"]))
    page.locator("[data-testid='stFileChipName']").first.wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Proses data").click()
    wait_idle(page)
    warn = page.locator("[data-testid='stAlertContentWarning']").filter(has_text="Tidak diproses")
    warn.first.wait_for(timeout=30_000)
    assert "batas wilayah belum diterima server" in warn.first.inner_text()
    # both files: the confirmation names each file with the rows the server read
    inputs.nth(0).set_input_files(str(d["boundaries"]))
    page.locator("[data-testid='stFileChipName']").nth(1).wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Proses data").click()
    wait_idle(page)
    ok = page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Diterima")
    ok.first.wait_for(timeout=60_000)
    text = ok.first.inner_text()
    n_units = len(read_boundaries(d["boundaries"]))
    assert f"{d['boundaries'].name} ({n_units} baris)" in text
    assert f"{d['clients'].name} (600 baris)" in text
    page.screenshot(path=str(ARTIFACTS / "app_upload_received.png"), full_page=True)


def test_weight_moves_are_applied_together_and_shown(page):
    goto_step(page, "3. Skor")
    wait_idle(page)
    used = page.get_by_text(re.compile("Bobot yang dipakai peringkat ini"))
    used.first.wait_for(timeout=30_000)
    assert "Jarak ke agen/layanan 0,20" in used.first.inner_text()
    sliders = page.get_by_role("slider")
    labels = [sliders.nth(i).get_attribute("aria-label") for i in range(sliders.count())]
    distance = sliders.nth(labels.index("Jarak ke agen/layanan"))
    distance.focus()  # a visually hidden range input: keys, not the pointer
    for _ in range(4):  # four steps of 0.05, none of them reaches the server yet
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(500)
    assert "Jarak ke agen/layanan 0,20" in used.first.inner_text()
    page.get_by_role("button", name="Terapkan bobot").click()
    wait_idle(page)
    page.get_by_text(re.compile(r"Jarak ke agen/layanan 0,40")).first.wait_for(timeout=30_000)
