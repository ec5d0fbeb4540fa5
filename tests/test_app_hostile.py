"""The app path of issue 21: a bomb uploaded through the real upload form (AppTest runs the
script in this process, so this process is "the server"). The reader's child process hits the
memory limit; the planner sees the limit and the variable that raises it; the server's own
resident memory grows by far less than the bomb; the accepted data (the demo) stays in use and
the next run works.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
CORPUS = Path(__file__).resolve().parent / "corpus"


_BOMB = """
import sys, geopandas as gpd, shapely
gpd.GeoDataFrame(
    {"nama": ["a"] * 400, "pad": ["y" * 1_000_000] * 400},
    geometry=[shapely.box(115.1, -8.8, 115.2, -8.7)] * 400,
    crs=4326,
).to_parquet(sys.argv[1], compression="zstd")
"""


def _bomb(path: Path) -> bytes:
    """One 1 MB value 400 times: dictionary-encoded, the footer declares ~1 MB, reading
    materialises 400 MB. Written by another process, so this one's peak stays its own."""
    subprocess.run([sys.executable, "-c", _BOMB, str(path)], check=True, timeout=120)
    return path.read_bytes()


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def test_uploaded_bomb_stops_in_the_child_and_the_server_lives_on(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("IBM_GEO_MAX_PARSE_MB", "200")
    bomb = _bomb(tmp_path / "batas.parquet")
    assert len(bomb) < 100_000
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio[0].set_value("data").run()
    assert not at.exception, at.exception
    summary = dict(at.session_state["_summary"])
    next(r for r in at.radio if r.key and r.key.startswith("data_mode")).set_value("upload").run()
    before = _rss_mb()
    at.file_uploader(key="up_boundaries").set_value(
        ("batas.parquet", bomb, "application/octet-stream")
    )
    at.file_uploader(key="up_clients").set_value(
        ("klien.csv", (CORPUS / "c_ok.csv").read_bytes(), "text/csv")
    )
    _submit(at)
    at.run()
    assert not at.exception, ([e.value for e in at.error], at.session_state["is_demo"])
    errors = [e.value.replace("\\", "") for e in at.error]  # shown markdown-escaped
    assert any("IBM_GEO_MAX_PARSE_MB" in e and "batas.parquet" in e for e in errors), errors
    assert _rss_mb() - before < 150  # the 400 MB were the child's, not the server's
    assert at.session_state["is_demo"] is True  # the accepted data stays
    at.sidebar.radio[0].set_value("map").run()
    assert not at.exception, at.exception
    assert at.session_state["_summary"] == summary


def _submit(at) -> bool:
    """Click the upload form's submit button ("Proses data")."""
    for b in at.button:
        if getattr(b, "proto", None) is not None and b.proto.is_form_submitter:
            b.click()
            return True
    pytest.fail("no form submit button")


def test_upload_confirmation_says_in_red_which_rows_were_not_placed(tmp_path):
    """600 rows, 3 with no written kelurahan and a point outside every boundary: the
    confirmation counts all 600 and says in red that 3 were not placed."""
    from streamlit.testing.v1 import AppTest

    lines = ["No;Nama;Kelurahan;Kecamatan;Lat;Lon"]
    lines += [f"{i};K{i};;;-8.0;110.0" for i in range(1, 4)]
    lines += [f"{i};K{i};Kuta;Kuta;;" for i in range(4, 601)]
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.sidebar.radio[0].set_value("data").run()
    next(r for r in at.radio if r.key and r.key.startswith("data_mode")).set_value("upload").run()
    at.file_uploader(key="up_boundaries").set_value(
        ("batas.geojson", (CORPUS / "b_small.geojson").read_bytes(), "application/geo+json")
    )
    at.file_uploader(key="up_clients").set_value(
        ("klien.csv", ("\n".join(lines) + "\n").encode(), "text/csv")
    )
    _submit(at)
    at.run()
    assert not at.exception, at.exception
    ok = [s.value.replace("\\", "") for s in at.success]
    assert any("klien.csv (600 baris)" in s for s in ok), ok
    red = [e.value.replace("\\", "") for e in at.error]
    assert any("klien.csv: 3 dari 600 baris" in e for e in red), red
