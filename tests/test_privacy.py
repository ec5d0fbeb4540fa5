"""Privacy guard: the published tier's table-level rules by hand (opaque areas, structural
zeros, the whitelist, reasons), and a leak search of every export format for distinctive client
names, IDs and coordinates. The cell key method itself: tests/test_ckm.py; attacks with
published files on a city-sized register: tests/test_publish_attacks.py."""

from __future__ import annotations

import contextlib
import io
import re
import sqlite3
import zipfile
import zlib
from pathlib import Path

import _fixtures as fx
import numpy as np
import pandas as pd
import pytest

from ibm_geo.ckm import MAX_DEVIATION
from ibm_geo.plan.pilots import PILOT_COLUMNS, PILOT_EXTRA_COLUMNS
from ibm_geo.privacy import (
    SUPPRESSED_COUNTS,
    band_label,
    disclose,
    kab_totals,
    public_pilots,
    public_quality,
    public_table,
)
from ibm_geo.publish import publish_table


def test_opaque_rows_zeros_and_deviation_by_hand():
    """fx.CLIENTS per village: 3 and 2 (1..4 in the register) publish the band in every
    count; the empty village publishes zeros (structural); every other count is within the
    maximum deviation of the truth, never 1..4, and zero stays zero."""
    kel = fx.make_kelurahan()
    d = disclose(kel, 5)
    by = dict(zip(kel["kode"], range(len(kel)), strict=True))
    small = [i for i, n in enumerate(fx.CLIENTS) if 1 <= n <= 4]
    assert small == [1, 7]
    pub = public_table(kel, 5)
    for i in small:
        row = pub.iloc[by[kel["kode"].iloc[i]]]
        assert all(row[c] == band_label(5) for c in SUPPRESSED_COUNTS if c in pub)
    empty = fx.CLIENTS.index(0)
    assert all(pub.iloc[empty][c] == 0 for c in SUPPRESSED_COUNTS if c in pub)
    shown = ~d.opaque
    ex = d.counts[shown].to_numpy()
    pv = d.published[shown].to_numpy()
    assert (pv[ex == 0] == 0).all()
    big = ex >= 5
    assert (np.abs(pv[big] - ex[big]) <= MAX_DEVIATION).all()
    assert not ((pv >= 1) & (pv <= 4)).any()


def test_kab_totals_are_their_own_cells():
    """A kab/kota total is the count of its clients, perturbed at its own cell key (within
    the maximum deviation of the true sum; not the sum of published villages)."""
    kel = fx.make_kelurahan()
    tot = kab_totals(kel, 5).set_index("kab_kota")
    true = kel.groupby("kab_kota")["clients"].sum()
    for kab, n in true.items():
        v = tot.loc[kab, "clients"]
        assert (v == band_label(5)) if 1 <= n <= 4 else abs(int(v) - int(n)) <= MAX_DEVIATION


def test_whitelist_drops_personal_and_internal_columns():
    kel = fx.make_kelurahan()
    kel["name"] = "Zulkarnain Wibisono"
    kel["client_id"] = "KLIEN-9931"
    kel["lat"] = -8.6712345
    pub = public_table(kel, 5)
    for col in (
        "name",
        "client_id",
        "lat",
        "lon",
        "agent_spare",
        "agent_capacity",
        "c_unserved_count",
        "geometry",
        "_register",
    ):
        assert col not in pub.columns
    assert set(SUPPRESSED_COUNTS) - {"unserved_recent"} <= set(pub.columns)
    # a table that never had a published score publishes none (never the exact one)
    assert "score" not in pub and "rank" not in pub


def test_published_score_comes_from_published_counts_only():
    """publish_table scores a foreign table from its published counts: its own exact score
    and its reasons (written from exact counts) never reach the published table."""
    kel = fx.make_kelurahan()
    kel.loc[0, "reason_id"] = "3 klien belum terlayani; peringkat 2; agen terdekat 3 km"
    pub = publish_table(kel, fx.scenario()).ranking.set_index("kode")
    row = pub.loc[kel["kode"].iloc[0]]
    assert "3 klien belum terlayani" not in row["reason_id"]
    assert f"{row['unserved']} dari {row['clients']} klien" in row["reason_id"]
    opaque = pub[pub["clients"] == band_label(5)]
    assert opaque["rank"].isna().all() and opaque["score"].isna().all()
    ranked = pub["rank"].dropna().astype(int).sort_values()
    assert ranked.tolist() == list(range(1, len(ranked) + 1))  # no gaps


def test_public_quality_says_the_kind_never_the_value():
    q = public_quality(fx.make_quality())
    # the kind of value, never the value: not even a misspelt place name (the row number
    # leads the planner to it in their own file)
    assert q["value"].tolist() == [
        "teks, 6 karakter",
        "teks, 19 karakter",
        "angka, 8 digit",
        "teks, 8 karakter",
    ]
    assert len(q) == 4 and q["row"].tolist() == [5, 9, 12, 3]
    en = public_quality(
        pd.DataFrame(
            {
                "file": ["k.csv"],
                "row": [4],
                "column": ["lat"],
                "problem": ["bad"],
                "value": ["-8.6712, 115.2123"],
                "action": ["dropped"],
            }
        ),
        lang="en",
    )
    assert en["value"].tolist() == ["unreadable coordinates (17 characters)"]


def test_working_tier_plan_figures_never_leave():
    """A plan's exact figures (sites' reach, the curve) are blanked unless they come from the
    published evaluation (:func:`ibm_geo.publish.published_plan`)."""
    from ibm_geo.plan.recruitment import SITE_COLUMNS
    from ibm_geo.privacy import public_curve, public_sites

    sites = fx.make_sites()
    assert public_sites(sites, 5, columns=SITE_COLUMNS)["newly_reached"].isna().all()
    assert public_curve(fx.make_curve(), 5)["covered"].isna().all()
    sites.attrs["published"] = True
    assert public_sites(sites, 5, columns=SITE_COLUMNS)["newly_reached"].notna().all()


NEEDLES = [
    b"Zulkarnain",
    b"Wibisono",
    b"KLIEN-99",
    b"Klien Rahasia",
    b"AGEN-77",
    b"6712345",
    b"2123456",
    b"Sanurr",  # a place name as typed in a client row (matches.csv says only its kind)
    b"Kuta Utara X",
]


def _expand(blob: bytes) -> list[bytes]:
    """Raw bytes plus every inflated zip member / zlib stream (PPTX, XLSX, PDF, PNG)."""
    out = [blob]
    if blob[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            for name in z.namelist():
                out += _expand(z.read(name))
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", blob, re.S):
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompress(m.group(1)))
    return out  # PNG tEXt metadata is stored raw, so the blob itself covers it


def test_no_client_data_in_any_export(tmp_path: Path):
    from ibm_geo.export import results_geojson, results_gpkg, workbook_xlsx
    from ibm_geo.export.tables import matches_csv, ranking_csv
    from ibm_geo.render import build_html_map, build_slides, render_static_map

    clients = fx.make_clients()
    assert (clients["name"] == "Zulkarnain Wibisono").any()
    kel = fx.aggregate(clients)
    # an upstream bug could leave personal columns on the table: exports must drop them
    first = clients.groupby("kode").first()
    dirty = kel.copy()
    for c in ("name", "client_id", "lat", "lon", "agen_id"):
        dirty[c] = dirty["kode"].map(first[c])
    pilots = fx.make_pilots().assign(name="Zulkarnain Wibisono")
    matches = fx.make_matches().assign(client_id="KLIEN-9931", name="Zulkarnain Wibisono")
    quality = fx.make_quality()
    sc = fx.scenario()
    pub = publish_table(dirty, sc, pilots=pilots, quality=quality, matches=matches)
    outputs = {
        "html": build_html_map(pub),
        "png": render_static_map(pub),
        "pdf": render_static_map(pub, fmt="pdf", size="a4"),
        "pptx": build_slides(pub),
        "xlsx": workbook_xlsx(pub),
        "geojson": results_geojson(pub),
        "csv": ranking_csv(pub),
        "gpkg": results_gpkg(pub),
        "matches": matches_csv(pub),
    }
    for kind, blob in outputs.items():
        assert len(blob) > (100 if kind == "matches" else 1000), kind
        for part in _expand(blob):
            for needle in NEEDLES:
                assert needle not in part, (kind, needle)
    # the GeoPackage is SQLite: check its text cells too
    path = tmp_path / "r.gpkg"
    path.write_bytes(outputs["gpkg"])
    con = sqlite3.connect(path)
    rows = con.execute("select * from kelurahan").fetchall()
    con.close()
    text = repr(rows)
    assert "Zulkarnain" not in text and "KLIEN" not in text
    # a village with 1..k-1 clients publishes the band in the tabular exports
    csv = pd.read_csv(io.BytesIO(outputs["csv"]), dtype=str, encoding="utf-8-sig")
    row = csv.loc[csv["nama"] == fx.BACKTICKS].iloc[0]
    assert row["clients"] == band_label(5)


def test_login_throttle_backs_off_for_the_whole_server():
    from ibm_geo_app.throttle import LoginThrottle

    now = [100.0]
    th = LoginThrottle(base_s=1.0, max_s=8.0, clock=lambda: now[0])
    assert th.wait() == 0
    waits = []
    for _ in range(5):
        th.failed()
        waits.append(th.wait())
    assert waits == [1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, capped
    now[0] += 8.0
    assert th.wait() == 0
    th.succeeded()
    th.failed()
    assert th.wait() == 1.0  # a success resets the back-off


def test_k_floor_is_a_user_error_in_both_languages():
    from ibm_geo.config import Scenario, validate_scenario
    from ibm_geo.errors import IbmGeoError

    with pytest.raises(IbmGeoError) as e:
        validate_scenario({"suppression_k": 2})
    assert "suppression_k" in str(e.value) and "3" in str(e.value)
    with pytest.raises(Exception):  # noqa: B017 - pydantic wraps it when built directly
        Scenario(suppression_k=1)
    assert Scenario(suppression_k=3).suppression_k == 3


def test_pilot_reasons_are_rewritten_from_the_published_ranking():
    """Reasons as ibm_geo.plan.pilots writes them carry the exact score, rank and count; the
    published pilot table rewrites those parts from the published ranking, in both
    languages, and keeps the rest (distance, choice in the kab/kota)."""
    kel = publish_table(fx.make_kelurahan(), fx.scenario()).ranking
    scored = fx.make_kelurahan()
    from ibm_geo.pipeline import score_both_tiers

    base = scored.drop(columns=[c for c in scored if c.startswith(("c_", "pts_", "reason_"))])
    base = base.drop(columns=["score", "rank", "priority_class", "priority_label", "stability"])
    table = base.join(score_both_tiers(base, fx.scenario(), 2023))
    top = kel.iloc[0]
    pilots = pd.DataFrame(
        {
            "kode": [top["kode"]],
            "nama": [top["nama"]],
            "kab_kota": [top["kab_kota"]],
            "reason_id": [
                "skor kebutuhan 61,1 (peringkat 1.234 dari 83.402); 1300 klien belum terlayani; "
                "layanan terdekat 8,0 km; pilihan ke-1 di Kota Uji"
            ],
            "reason_en": [
                "need score 61.1 (rank 1,234 of 83,402); 1,300 unserved clients; nearest "
                "service 8.0 km away; choice no. 1 in Kota Uji"
            ],
        }
    )
    pub = public_pilots(pilots, table, 5, columns=PILOT_COLUMNS, extra_columns=PILOT_EXTRA_COLUMNS)
    n = int(kel["rank"].notna().sum())
    rid, ren = pub.loc[0, "reason_id"], pub.loc[0, "reason_en"]
    assert "61,1" not in rid and "1.234" not in rid and "1300" not in rid
    assert f"(peringkat 1 dari {n})" in rid and f"{top['unserved']} klien belum terlayani" in rid
    assert rid.endswith("layanan terdekat 8,0 km; pilihan ke-1 di Kota Uji")
    assert f"(rank 1 of {n})" in ren and "1,300" not in ren


def test_published_cells_do_not_depend_on_row_order():
    """Each weighting sorts the table by its own score: the same analysis exported under two
    weightings publishes the same cells (the noise belongs to the cell, not to a position)."""
    kel = fx.make_kelurahan()
    a = disclose(kel, 5).published
    shuffled = kel.sample(frac=1.0, random_state=7)
    b = disclose(shuffled, 5).published.loc[a.index]
    assert (a == b).all().all()
    for name in ("kab_kota", "total"):
        ta = disclose(kel, 5).level_table(name)
        tb = disclose(shuffled, 5).level_table(name)
        pd.testing.assert_frame_equal(ta, tb)


def test_level_numbering_is_the_sorted_text_tuples():
    """Areas are numbered by their (provinsi, kab_kota, kecamatan) names as text, sorted, with
    a missing name as "": the numbering every cell key sum and level table relies on."""

    from ibm_geo.privacy import _level_codes

    df = pd.DataFrame(
        {
            "provinsi": ["Bali", "Bali", "Bali", None, "Aceh", "Bali"],
            "kab_kota": ["Kota Denpasar", "Badung", "Badung", "X", np.nan, "Kota Denpasar"],
            "kecamatan": ["Denpasar Barat", "Kuta", "Kuta", "Y", "Z", pd.NA],
        }
    )
    levels = {name: (codes, frame) for name, codes, frame in _level_codes(df)}
    for name, cols in (("kecamatan", ["provinsi", "kab_kota", "kecamatan"]),
                       ("kab_kota", ["provinsi", "kab_kota"]), ("provinsi", ["provinsi"])):  # fmt: skip
        rows = [tuple("" if pd.isna(v) else str(v) for v in r) for r in df[cols].itertuples(False)]
        areas = sorted(set(rows))
        codes, frame = levels[name]
        assert [tuple(r) for r in frame[cols].itertuples(False)] == areas
        assert codes.tolist() == [areas.index(r) for r in rows]
    assert levels["total"][0].tolist() == [0] * 6


def test_published_parts_never_exceed_their_whole():
    """A published breakdown is never larger than the published clients of its unit or area,
    and the recent unserved never more than the unserved, while every cell stays within the
    ptable's deviation and off 1..k-1 (a reader once saw "9 dari 8 klien belum terlayani")."""
    from ibm_geo.privacy import KEY_PREFIX, NESTED, REGISTER, disclose

    rng = np.random.default_rng(3)
    n, k = 3000, 5
    clients = rng.integers(0, 12, n)
    unserved = rng.binomial(clients, 0.8)
    recent = rng.binomial(unserved, 0.7)
    df = pd.DataFrame(
        {
            "kode": [f"51.71.{i // 100:02d}.{1000 + i}" for i in range(n)],
            "provinsi": "Bali",
            "kab_kota": [f"Kab {i % 7}" for i in range(n)],
            "kecamatan": [f"Kec {i % 61}" for i in range(n)],
            "clients": clients,
            "unserved": unserved,
            "unserved_recent": recent,
            "served": clients - unserved,
            REGISTER: clients,
        }
    )
    for c in ("clients", "unserved", "unserved_recent", "served"):
        df[KEY_PREFIX + c] = rng.integers(0, 256, n)
    d = disclose(df, k)
    tables = [(d.published, d.counts)] + [(lv[1], lv[3]) for lv in d.levels.values()]
    for pub, true in tables:
        for part, whole in NESTED:
            if part in pub and whole in pub:
                assert (pub[part].to_numpy() <= pub[whole].to_numpy()).all(), (part, whole)
        for c in pub.columns:
            p, t = pub[c].to_numpy(), true[c].to_numpy()
            assert not ((p >= 1) & (p < k)).any()
            big = t >= k
            assert (np.abs(p[big] - t[big]) <= 2).all()
    # the cap is needed: independent perturbation alone breaks it in this table
    from ibm_geo.ckm import ptable

    raw = ptable(k).perturb(
        df[["unserved", "clients"]].to_numpy(),
        df[[KEY_PREFIX + "unserved", KEY_PREFIX + "clients"]].to_numpy(),
    )
    violated_before = int((raw[:, 0] > raw[:, 1]).sum())
    assert violated_before > 0
