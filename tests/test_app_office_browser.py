"""Office mode in a real browser (Debian chromium via Playwright): sign in as a BNNK planner,
the map holds only their kab/kota, a ranking download holds only their kab/kota and appears in
the audit log with the downloaded file's hash."""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.error
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from _helpers import (
    CHROMIUM,
    CHROMIUM_ARGS,
    free_port,
    goto_step,
    start_server,
    stop_server,
    wait_idle,
)
from argon2 import PasswordHasher

from ibm_geo.office import Office, OfficeSettings

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
PW = "kata-sandi-panjang-1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium"),
]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    pytest.importorskip("playwright")
    data = tmp_path_factory.mktemp("office")
    office = Office(OfficeSettings.load(env={"IBM_GEO_DATA_DIR": str(data)}))
    office.accounts.hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)
    office.accounts.add_user("admin", "admin", password=PW)  # else: the first-admin page
    office.accounts.add_user(
        "dps", "perencana", password=PW, provinsi="Bali", kab_kota=["Kota Denpasar"]
    )
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IBM_GEO_OFFICE": "1",
           "IBM_GEO_DATA_DIR": str(data)}  # fmt: skip
    env.pop("IBM_GEO_DB_URL", None)
    log = (data / "streamlit.log").open("w+b")  # a file, never a pipe nobody drains
    proc = start_server(port, env=env, cwd=data, log=log, wait_s=90)
    yield f"http://127.0.0.1:{port}", office
    stop_server(proc)
    office.close()


def test_scoped_planner_in_the_browser(served):
    from playwright.sync_api import sync_playwright

    url, office = served
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        ctx = browser.new_context(viewport={"width": 1500, "height": 1000}, accept_downloads=True)
        page = ctx.new_page()
        page.route(
            "**/*",
            lambda r: (
                r.continue_()
                if r.request.url.startswith(
                    ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")
                )
                else r.abort()
            ),
        )
        page.goto(url, wait_until="domcontentloaded")
        page.get_by_text("Masuk ke ibm-geo").first.wait_for(timeout=90_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.get_by_label("Nama pengguna").fill("dps")
        page.get_by_label("Kata sandi").fill("salah-sekali")
        page.get_by_role("button", name="Masuk").click()
        page.get_by_text("Nama pengguna atau kata sandi salah.").wait_for(timeout=60_000)
        page.screenshot(path=str(ARTIFACTS / "office_login.png"), full_page=True)
        page.get_by_label("Kata sandi").fill(PW)
        page.get_by_role("button", name="Masuk").click()
        # the map: Leaflet with the 43 Denpasar kelurahan (of 175 in the demo) + points
        frame = page.frame_locator("iframe[title*='streamlit_folium']").first
        frame.locator(".leaflet-container").wait_for(state="visible", timeout=120_000)
        wait_idle(page)
        paths = frame.locator("path.leaflet-interactive")
        paths.nth(40).wait_for(state="attached", timeout=60_000)
        page.get_by_text("dps", exact=False).first.wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "office_map.png"), full_page=True)
        # a download from the Ekspor step
        goto_step(page, "5. Ekspor")
        wait_idle(page)
        button = page.get_by_role("button", name="Peringkat (CSV)")
        button.wait_for(timeout=60_000)
        with page.expect_download(timeout=120_000) as dl:
            button.click()
        data = Path(dl.value.path()).read_bytes()
        page.screenshot(path=str(ARTIFACTS / "office_export.png"), full_page=True)
        # docs/deploy.md "Downloads (/media)": Streamlit answers the file's URL to any client
        # (no session, no cookie) until the second clean-up after the click, then never again
        media = dl.value.url
        assert "/media/" in media and _fetch(media) == (200, data)
        goto_step(page, "3. Skor")  # two script runs of any session: marked, then deleted
        wait_idle(page)
        assert _fetch(media) == (200, data)
        goto_step(page, "5. Ekspor")
        wait_idle(page)
        assert _fetch(media)[0] == 404
        browser.close()
    table = pd.read_csv(io.BytesIO(data), dtype=str)
    assert len(table) == 43 and set(table["kab_kota"]) == {"Kota Denpasar"}
    log = office.audit.entries(actor="dps")
    assert log["action"].tolist()[:3] == ["sign_in_failed", "sign_in", "analysis"]
    exports = [json.loads(d) for d in log.loc[log["action"] == "export", "details"]]
    assert [e["export_sha256"] for e in exports] == [hashlib.sha256(data).hexdigest()]
    assert exports[0]["export_kind"] == "ranking.csv"


def _fetch(url: str) -> tuple[int, bytes]:
    """GET from outside the browser: no cookie, no session."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, b""
