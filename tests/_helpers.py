"""Helpers several test modules share, defined once (no test module imports another).

* roster builders: the five-square Makassar line of the planning tests, the small NTT province
  of the monitoring tests (boundaries and client register), a targets file;
* deck text: the text of every slide of a pptx, tables and notes joined;
* the browser and the app server: Debian's Chromium and its launch arguments, a free port on
  127.0.0.1, ``streamlit run app.py`` started and waited for, Streamlit's idle wait.

Fixtures over these (the shared app server) are in ``conftest.py``; ``app_page`` opens a
browser page on it, ``app_on_plan_step`` an AppTest on the Rencana step.
"""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
from shapely.geometry import box

from ibm_geo.config import PlanConfig, Scenario
from ibm_geo.demo import demo_paths

ROOT = Path(__file__).resolve().parents[1]

# -- roster builders ---------------------------------------------------------------------------

STEP = 0.009  # degrees of longitude, ~1 km at 5 S
LAT = -5.10


def line_kelurahan(unserved=(5, 1, 1, 1, 5), agents=(0, 0, 0, 0, 0), spare=(0, 0, 0, 0, 0)):
    """Five squares ~1 km apart on a line (Makassar); radius 1.2 km reaches direct neighbours."""
    n = len(unserved)
    lon = 119.40 + np.arange(n) * STEP
    geoms = [box(x - STEP / 2, LAT - STEP / 2, x + STEP / 2, LAT + STEP / 2) for x in lon]
    return gpd.GeoDataFrame(
        {
            "kode": [f"73.71.01.100{i}" for i in range(n)],
            "nama": [f"Kel {i}" for i in range(n)],
            "kecamatan": ["Kec A"] * 3 + ["Kec B"] * (n - 3),
            "kab_kota": ["Kota A"] * 3 + ["Kab B"] * (n - 3),
            "rep_lon": lon,
            "rep_lat": np.full(n, LAT),
            "unserved": list(unserved),
            "agents_active": list(agents),
            "agent_spare": list(spare),
            "score": np.linspace(90, 50, n),
        },
        geometry=geoms,
        crs="EPSG:4326",
    )


def scen(**plan) -> Scenario:
    """The radius model (1.2 km reaches direct neighbours): these tests' optima are the
    textbook MCLP's; the desa model (the default) has its own tests in test_plan_reach.py."""
    base = dict(radius_m=1200.0, curve_max_p=4, reach="radius")
    base.update(plan)
    return Scenario(group_size=4, plan=PlanConfig(**base))


def ntt_boundaries() -> gpd.GeoDataFrame:
    """A small NTT-like province: Kota Kupang (4 units) and Kabupaten Kupang (3 units)."""
    geoms, rows = [], []
    spec = [
        ("53.71.01.1001", "Oebobo", "Oebobo", "Kota Kupang"),
        ("53.71.01.1002", "Fatululi", "Oebobo", "Kota Kupang"),
        ("53.71.02.1001", "Kelapa Lima", "Kelapa Lima", "Kota Kupang"),
        ("53.71.02.1002", "Oesapa", "Kelapa Lima", "Kota Kupang"),
        ("53.01.01.2001", "Baumata", "Taebenu", "Kabupaten Kupang"),
        ("53.01.01.2002", "Oeltua", "Taebenu", "Kabupaten Kupang"),
        ("53.01.02.2001", "Noelbaki", "Kupang Tengah", "Kabupaten Kupang"),
    ]
    for i, (kode, nama, kec, kab) in enumerate(spec):
        x0, y0 = 123.50 + i * 0.05, -10.20
        geoms.append(box(x0, y0, x0 + 0.05, y0 + 0.05))
        rows.append(
            {
                "kode": kode,
                "nama": nama,
                "kecamatan": kec,
                "kab_kota": kab,
                "provinsi": "Nusa Tenggara Timur",
            }
        )
    return gpd.GeoDataFrame(rows, geometry=geoms, crs="EPSG:4326")


#: (kode, year, status, tingkat, n): 24 clients rehabilitated in 2024, 12 of them followed up
NTT_CLIENTS = [
    ("53.71.01.1001", 2024, "aktif", "ringan", 8),
    ("53.71.01.1001", 2024, "belum", "ringan", 6),
    ("53.71.01.1002", 2024, "selesai", "sedang", 4),
    ("53.71.02.1001", 2024, "belum", "sedang", 3),
    ("53.01.01.2001", 2024, "belum", "ringan", 3),
    ("53.71.02.1002", 2023, "belum", "ringan", 9),
    ("53.71.02.1002", 2023, "aktif", "ringan", 7),
    ("53.01.01.2002", 2023, "belum", "berat", 2),
    ("53.01.02.2001", 2023, "belum", "ringan", 11),
    ("53.01.02.2001", 2022, "aktif", "ringan", 6),
]


def targets_csv(text: str, tmp_path: Path, name: str = "target.csv") -> Path:
    """A targets file with ``text`` (header included) in ``tmp_path``."""
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# -- deck text ---------------------------------------------------------------------------------


def deck_texts(data: bytes, sep: str = " | ", picture: str = "[picture]") -> list[str]:
    """The text of each slide of a pptx: its shapes' texts joined by ``sep``, a table as its
    cells' texts, a picture (or any shape without text) as ``picture``."""
    from pptx import Presentation

    deck = Presentation(io.BytesIO(data))
    return [
        sep.join(
            sh.text_frame.text
            if sh.has_text_frame
            else " ".join(c.text for row in sh.table.rows for c in row.cells)
            if sh.has_table
            else picture
            for sh in slide.shapes
        )
        for slide in deck.slides
    ]


def progress_slide_texts(m) -> list[str]:
    """Text of each progress slide of monitoring ``m`` appended to an empty deck."""
    from pptx import Presentation

    from ibm_geo.render.monitoring import add_progress_slides

    empty = io.BytesIO()
    Presentation().save(empty)
    return deck_texts(add_progress_slides(empty.getvalue(), m))


# -- the browser and the app server ------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
#: Debian's Chromium as root in a container, with nothing fetched in the background
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: the URL prefixes a page may load: the server on 127.0.0.1 and inline data, nothing else
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    port: int, env: dict[str, str] | None = None, cwd: Path = ROOT, log=None, wait_s: float = 60
) -> subprocess.Popen:
    """``streamlit run app.py`` on 127.0.0.1:``port``, returned once its health check answers.

    The server's log goes to a file (``log``, or an anonymous one): a pipe nobody reads fills up
    (64 KB of Streamlit's warnings over a module of runs) and then blocks the server mid-test."""
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py")]
    cmd += ["--server.port", str(port), "--server.address", "127.0.0.1"]
    cmd += ["--server.headless", "true", "--browser.gatherUsageStats", "false"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)} if env is None else env
    log = tempfile.TemporaryFile() if log is None else log  # noqa: SIM115 - lives with the server
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=log)
    proc.log = log  # type: ignore[attr-defined]
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    log.flush()
    log.seek(0)
    raise RuntimeError(
        f"streamlit did not start within {wait_s:g} s:\n"
        + log.read().decode(errors="replace")[-2000:]
    )


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def app_page(url: str, height: int = 1000):
    """A page of Debian's Chromium (1500 x ``height``) opened on ``url``, closed afterwards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": height})
            page.goto(url, wait_until="domcontentloaded")
            yield page
        finally:
            browser.close()


def app_on_plan_step(timeout: float = 90):
    """The app (AppTest, demo data) on its Rencana step; skips where planning is not there."""
    import pytest
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.run()
    at.sidebar.radio[0].set_value("plan").run()
    assert not at.exception, at.exception
    if any("belum tersedia" in w.value for w in at.warning):
        pytest.skip("ibm_geo.plan.plan_recruitment not available")
    return at


def goto_step(page, label: str) -> None:
    page.get_by_text(label, exact=True).first.click()


def wait_idle(page) -> None:
    """Streamlit shows a 'running' status widget while the script runs."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60_000
    )


# -- office mode in AppTest ---------------------------------------------------------------------

#: the password of the office fixture's accounts
PW = "kata-sandi-panjang-1"


def sign_in(at, user: str, pw: str = PW):
    at.text_input(key="login_user").input(user)
    at.text_input(key="login_pw").input(pw)
    next(b for b in at.button if b.label == "Masuk").click().run()
    assert not at.exception, at.exception
    return at


# -- a Denpasar upload written as people write names (issue 23) -----------------------------------


def denpasar_boundaries() -> bytes:
    """The demo layer cut to Kota Denpasar: Kuta and Jimbaran (Badung) lie outside it."""
    gj = json.loads(demo_paths()["boundaries"].read_text(encoding="utf-8"))
    gj["features"] = [f for f in gj["features"] if f["properties"]["kab_kota"] == "Kota Denpasar"]
    return json.dumps(gj).encode()


#: written as the issue's file: an abbreviation, a Balinese spelling, two Badung villages, a
#: banjar that is no village, a misspelling, and nonsense
CLIENTS = (
    b"kelurahan;kecamatan;kabupaten_kota;tahun_rehab;status_pasca\n"
    b"Kampung Jawa;;;2022;belum\nKampung Jawa;;;2022;belum\n"
    b"Penatih Dgn Puri;;;2022;belum\n"
    b"Kuta;Kuta;Badung;2022;belum\n"
    b"Jimbaran;Kuta Selatan;Badung;2022;belum\n"
    b"Sumerta Kaje;;;2022;belum\n"
    b"Sanuur;;;2022;belum\n"
    b"Xyzzy;;;2022;belum\n"
)
