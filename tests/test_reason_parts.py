"""Pilot reasons as (code, parameters) parts (issue 24): rendered in either language from the
catalogue, and re-rendered by the publish step from published figures only."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibm_geo.config import PilotConfig, Scenario
from ibm_geo.i18n import render_parts
from ibm_geo.plan.pilots import PILOT_COLUMNS, PILOT_EXTRA_COLUMNS, REASON_PARTS, choose_pilots
from ibm_geo.privacy import public_pilots


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "kode": [f"51.71.0{i}.100{i}" for i in range(4)],
            "nama": ["Sanur", "Renon", "Kesiman", "Panjer"],
            "kab_kota": ["Kota Denpasar"] * 2 + ["Kabupaten Badung"] * 2,
            "kecamatan": ["a", "b", "c", "d"],
            "score": [81.25, 64.0, 70.5, 20.0],
            "rank": [1, 3, 2, 4],
            "unserved": [1300, 12, 40, 6],
            "clients": [1500, 20, 55, 9],
            "agents_active": [0, 0, 1, 0],
            "dist_nearest_m": [8000.0, np.nan, 2500.0, 100.0],
        }
    )


def test_parts_render_in_both_languages_with_the_readers_numbers():
    out = choose_pilots(_table(), Scenario(pilots=PilotConfig(per_kab=1, min_unserved=5)))
    first = out.iloc[0]
    assert first["nama"] == "Sanur"
    codes = [c for c, _ in first[REASON_PARTS]]
    assert codes == [
        "pilot.why.source_ranking",
        "pilot.why.score",
        "pilot.why.unserved",
        "pilot.why.no_agents",
        "pilot.why.nearest",
        "pilot.why.choice",
    ]
    assert first["reason_id"] == (
        "teratas di peringkat Kota Denpasar; skor kebutuhan 81,2 (peringkat 1 dari 4); "
        "1.300 klien belum terlayani; belum ada Agen Pemulihan aktif; layanan terdekat 8,0 km; "
        "pilihan ke-1 di Kota Denpasar"
    )
    assert first["reason_en"] == render_parts(first[REASON_PARTS], "en")
    assert "1,300 unserved clients" in first["reason_en"]


def test_published_reasons_quote_published_figures_only():
    """The publish step swaps the exact score, rank and count for the published ones and
    keeps the source; the exact count (1.300) appears in neither language."""
    kel = _table()
    pilots = choose_pilots(kel, Scenario(pilots=PilotConfig(per_kab=1, min_unserved=5)))
    pub = pd.DataFrame(
        {"kode": kel["kode"], "unserved": [1297, 11, 42, 7], "score": [80.0, 63.5, 71.0, 19.5],
         "rank": [1, 3, 2, 4]}
    )  # fmt: skip
    out = public_pilots(
        pilots, kel, 5, pub=pub, columns=PILOT_COLUMNS, extra_columns=PILOT_EXTRA_COLUMNS
    )
    assert REASON_PARTS not in out.columns
    rid, ren = out.loc[0, "reason_id"], out.loc[0, "reason_en"]
    assert rid.startswith("teratas di peringkat Kota Denpasar; skor kebutuhan 80,0")
    assert "1.297 klien belum terlayani (angka publikasi)" in rid
    assert "1.300" not in rid and "1,300" not in ren and "81" not in rid + ren
    assert "1,297 unserved clients (published figure)" in ren
    assert rid.endswith("layanan terdekat 8,0 km; pilihan ke-1 di Kota Denpasar")


def test_an_opaque_pilot_says_its_band_only():
    kel = _table()
    pilots = choose_pilots(kel, Scenario(pilots=PilotConfig(per_kab=1, min_unserved=5)))
    pub = pd.DataFrame(
        {"kode": kel["kode"], "unserved": ["<5"] * 4, "score": [np.nan] * 4, "rank": [pd.NA] * 4}
    )
    out = public_pilots(
        pilots, kel, 5, pub=pub, columns=PILOT_COLUMNS, extra_columns=PILOT_EXTRA_COLUMNS
    )
    rid = out.loc[0, "reason_id"]
    assert rid.startswith("teratas di peringkat Kota Denpasar; <5 klien di register;")
    assert "skor" not in rid and "1.300" not in rid
