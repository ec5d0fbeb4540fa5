"""Issue 23 in a real Chromium: after an upload the data step shows the upload, a resolved
name leaves and the next question keeps its own (empty) choice, and a plan field typed and
"Jalankan rencana" clicked at once run the plan with the typed value."""

from __future__ import annotations

from pathlib import Path

import pytest
from _helpers import CHROMIUM, CLIENTS, app_page, denpasar_boundaries, goto_step, wait_idle

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def page(app_server):
    pytest.importorskip("playwright")
    with app_page(app_server, height=1400) as pg:
        yield pg


def select_box(page, text: str):
    return page.locator("[data-testid='stSelectbox']").filter(has_text=text).first


def choose(page, box_text: str, option_start: str) -> None:
    box = select_box(page, box_text).get_by_role("combobox")
    box.scroll_into_view_if_needed()
    box.click()
    page.get_by_role("option").filter(has_text=option_start).first.click()


def test_upload_resolve_and_plan_in_the_browser(page, tmp_path):
    page.get_by_text("Data contoh", exact=False).first.wait_for(timeout=60_000)
    goto_step(page, "1. Data")
    wait_idle(page)
    page.get_by_text("Unggah berkas sendiri", exact=True).click()
    wait_idle(page)
    (tmp_path / "dps.geojson").write_bytes(denpasar_boundaries())
    (tmp_path / "klien.csv").write_bytes(CLIENTS)
    inputs = page.locator("[data-testid='stFileUploader'] input[type=file]")
    inputs.first.wait_for(state="attached", timeout=30_000)
    inputs.nth(0).set_input_files(str(tmp_path / "dps.geojson"))
    inputs.nth(1).set_input_files(str(tmp_path / "klien.csv"))
    page.locator("[data-testid='stFileChipName']").nth(1).wait_for(timeout=30_000)
    wait_idle(page)
    page.get_by_role("button", name="Proses data").click()
    page.get_by_text("Diterima dan diproses", exact=False).first.wait_for(timeout=90_000)
    wait_idle(page)
    # away and back: the source choice still says what is loaded
    goto_step(page, "2. Peta")
    wait_idle(page)
    goto_step(page, "1. Data")
    wait_idle(page)
    checked = page.locator("[data-testid='stRadio'] label:has(input:checked)")
    assert "Unggah berkas sendiri" in " ".join(checked.all_inner_texts())
    select_box(page, "Kampung Jawa").wait_for(timeout=60_000)
    assert "nan" not in page.locator("[data-testid='stSelectbox']").all_inner_texts()
    choose(page, "Penatih Dgn Puri", "Ya, benar: Penatih Dangin Puri")
    wait_idle(page)
    choose(page, "Kuta - ", "Ya, di luar wilayah")
    wait_idle(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "names_flow_questions.png"), full_page=True)
    page.get_by_role("button", name="Terapkan pilihan").click()
    page.get_by_text("Pilihan diterapkan: 2 nama", exact=False).wait_for(timeout=90_000)
    wait_idle(page)
    assert select_box(page, "Penatih Dgn Puri").count() == 0
    # the questions left (Kampung Jawa, Jimbaran, Sumerta Kaje, Sanuur, Xyzzy) all say
    # "(biarkan)": nothing moved onto the slot the answered ones left
    left = page.locator("[data-testid='stSelectbox']").filter(has_text=" x [")
    assert left.count() == 5
    shown = [
        cb.input_value() or cb.get_attribute("aria-label") or cb.inner_text()
        for cb in left.get_by_role("combobox").all()
    ]
    assert len(shown) == 5 and all("(biarkan)" in v for v in shown), shown
    page.screenshot(path=str(ARTIFACTS / "names_flow_after_apply.png"), full_page=True)
    # plan: the typed number and the click go together
    goto_step(page, "4. Rencana")
    wait_idle(page)
    field = page.get_by_label("Kelompok agen baru", exact=False).first
    field.fill("2")
    page.get_by_role("button", name="Jalankan rencana").click()  # no blur, no wait
    try:
        page.get_by_text("Metode", exact=False).first.wait_for(timeout=90_000)
    finally:
        page.screenshot(path=str(ARTIFACTS / "names_flow_plan.png"), full_page=True)
    wait_idle(page)
    assert field.input_value() == "2"
    assert page.get_by_role("heading", name="Usulan lokasi rekrutmen agen").count() == 1
    assert page.get_by_text("Sumerta Kaja", exact=True).count() >= 1  # the 2nd of 2 sites
