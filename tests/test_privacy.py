"""Privacy guard: hand-checked suppression cases, no-recovery properties, and a leak search of
every export format for distinctive client names, IDs and coordinates."""

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
from hypothesis import given, settings
from hypothesis import strategies as st

from ibm_geo.privacy import (
    ROW_GROUPS,
    SUPPRESSED_COUNTS,
    is_suppressed,
    kab_totals,
    public_curve,
    public_mask,
    public_pilots,
    public_quality,
    public_sites,
    public_table,
    suppression_mask,
)

# columns: 0 = total, 1..3 = parts
GROUP = [(0, [1, 2, 3])]


def test_primary_only_when_two_small_cells_in_group():
    v = np.array([[12, 2, 3, 7]])
    m = suppression_mask(v, 5, GROUP)
    assert m.tolist() == [[False, True, True, False]]


def test_single_small_cell_hides_next_smallest_nonzero_part():
    # 20 = 3 + 8 + 9: the 3 alone could be recovered as 20-8-9, so 8 (smallest other) goes too
    v = np.array([[20, 3, 8, 9]])
    m = suppression_mask(v, 5, GROUP)
    assert m.tolist() == [[False, True, True, False]]


def test_zeros_are_skipped_when_choosing_the_complementary_cell():
    # 15 = 4 + 0 + 11: the zero cannot protect; 11 is hidden
    v = np.array([[15, 4, 0, 11]])
    assert suppression_mask(v, 5, GROUP).tolist() == [[False, True, False, True]]


def test_small_total_hides_its_parts():
    v = np.array([[3, 3, 0, 0]])
    assert suppression_mask(v, 5, GROUP).tolist() == [[True, True, False, False]]


def test_non_additive_group_hides_a_zero_before_the_total():
    # no non-zero part left: a zero part goes (every hidden cell wears the same label, so
    # 2 = x + y leaves (2, 0), (1, 1), (0, 2)); the total stays published
    v = np.array([[10, 2, 0, 0]])
    assert suppression_mask(v, 5, GROUP).tolist() == [[False, True, True, False]]


def test_margin_rule_protects_kab_total():
    # one column, kab A rows 0-2, kab B rows 3-4: in A only 3 is small -> 10 hidden too;
    # in B nothing is small -> nothing hidden
    v = np.array([[3], [10], [25], [7], [30]])
    codes = np.array([0, 0, 0, 1, 1])
    m = suppression_mask(v, 5, [], codes)
    assert m[:, 0].tolist() == [True, True, False, False, False]


def test_k1_disables_suppression():
    v = np.array([[1, 1, 0, 0]])
    assert not suppression_mask(v, 1, GROUP).any()


@settings(max_examples=60, deadline=None)
@given(
    data=st.lists(st.lists(st.integers(0, 12), min_size=4, max_size=4), min_size=1, max_size=12),
    k=st.integers(2, 6),
    n_kab=st.integers(1, 3),
)
def test_no_group_or_margin_has_exactly_one_hidden_cell(data, k, n_kab):
    parts = np.array(data)[:, 1:]
    v = np.column_stack([parts.sum(axis=1), parts])  # additive rows
    codes = np.arange(len(v)) % n_kab
    from ibm_geo.privacy import suppress

    m, tiers = suppress(v, k, GROUP, [codes, np.zeros(len(v), dtype=np.int64)])
    small = (v >= 1) & (v < k)
    assert (m | ~small).all()  # every small cell is hidden
    tot, tm, parent = tiers[0]
    grand, gm, _ = tiers[1]
    # a 0 that published zeros already state (under a published zero kab/kota or grand total,
    # or a kab/kota total whose villages are all published) hides nothing and needs no
    # companion: the one exemption (docs/PRIVACY.md)
    stated = (v == 0) & (((tot == 0) & ~tm)[parent] | ((grand == 0) & ~gm)[[0] * len(v)])
    n_kids_hidden = np.array([m[parent == g].sum(axis=0) for g in range(len(tot))])
    tot_stated = (tot == 0) & ((n_kids_hidden == 0) | ((grand == 0) & ~gm)[[0] * len(tot)])
    # no row group holds exactly one hidden cell (other than a stated 0), nor hidden cells
    # adding up to 0
    n_hidden = (m & ~stated).sum(axis=1)
    assert (n_hidden != 1).all()
    assert ((m.sum(axis=1) == 0) | ((v * m).sum(axis=1) > 0) | (m <= stated).all(axis=1)).all()
    # nor does any kab/kota margin (children + their published or hidden total)
    for c in range(v.shape[1]):
        for g in range(len(tot)):
            kids = parent == g
            hidden = int((m & ~stated)[kids, c].sum()) + int(tm[g, c] & ~tot_stated[g, c])
            assert hidden != 1, (c, g)


def test_public_table_on_hand_checked_rows():
    kel = fx.make_kelurahan()
    pub = public_table(kel, 5).set_index("nama")
    # Panjer: 25 clients, status 5/5/5/5/5, served 10, in_reach 3, referral 8, unserved 4
    p = pub.loc["Panjer"]
    assert p["clients"] == 25 and p["status_belum"] == 5 and p["served"] == 10
    assert p["in_reach"] == "*" and p["unserved"] == "*"  # two small cells: no extra needed
    assert p["referral_berat"] == 8
    assert pd.isna(p["unserved_share"])  # share would reveal the hidden count
    # 'Desa `x`': 3 clients -> total and every non-zero part hidden, zeros stay
    b = pub.loc[fx.BACKTICKS]
    assert all(b[c] == "*" for c in SUPPRESSED_COUNTS if c in b)  # no breakdown, zeros too
    # first unit (40 clients, 8 per status, unserved 5): nothing small in the status group
    first = pub.loc[fx.INJECTION]
    assert [first[c] for c in ("clients", "status_belum", "unserved")] == [40, 8, 5]
    assert first["unserved_share"] == pytest.approx(0.12)  # 5/40, to 0.01 as the reason says


def test_public_table_hides_every_group_and_margin_consistently():
    kel = fx.make_kelurahan()
    mask = public_mask(kel, 5)
    for total, parts in ROW_GROUPS:
        n_hidden = mask[[total, *parts]].sum(axis=1)
        assert (n_hidden != 1).all(), (total, parts)
    codes = kel["kab_kota"]
    for c in mask.columns:
        per_kab = mask[c].groupby(codes).sum()
        assert (per_kab != 1).all(), c


def test_kab_totals_are_true_sums_and_not_disclosive():
    kel = fx.make_kelurahan()
    tot = kab_totals(kel, 5).set_index("kab_kota")
    assert tot.loc["Kota Denpasar", "clients"] == sum(fx.CLIENTS[:8]) == 107
    assert tot.loc["Kab. Badung", "unserved"] == int(kel.loc[8:, "unserved"].sum()) == 9
    assert tot.loc["Kota Denpasar", "units"] == 8
    # the Badung 'unserved' column: 2, 4, 2, 1 -> all hidden, none recoverable from the 9
    pub = public_table(kel, 5)
    assert pub.loc[8:, "unserved"].tolist() == ["*"] * 4


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
    ):
        assert col not in pub.columns
    assert set(SUPPRESSED_COUNTS) - {"unserved_recent"} <= set(pub.columns)


def test_reason_texts_lose_small_counts_only():
    kel = fx.make_kelurahan()
    kel.loc[0, "reason_id"] = "3 klien belum terlayani; peringkat 2; agen terdekat 3 km"
    pub = public_table(kel, 5)
    # a text not written from published values: every count next to a client word goes
    assert pub.loc[0, "reason_id"] == "* klien belum terlayani; peringkat 2; agen terdekat 3 km"
    assert pub.loc[3, "reason_en"].startswith("* clients")


def _one_row(**counts) -> pd.DataFrame:
    base = dict.fromkeys(SUPPRESSED_COUNTS, 0)
    base.update(counts)
    return pd.DataFrame([{"kode": "51.71.01.1001", "nama": "Uji", "kab_kota": "Kota Uji", **base}])


def test_one_label_for_every_hidden_cell_and_reasons_scrubbed():
    # 20 clients = served 12 + in_reach 3 + unserved 5: the 3 alone gives itself away
    # (20 - 12 - 5), so a second cell of the group is hidden, with the same label: a reader
    # cannot tell the small cell from its complement
    row = _one_row(
        clients=20,
        status_aktif=12,
        status_belum=8,
        served=12,
        in_reach=3,
        unserved=5,
        tingkat_ringan=20,
        rawat_jalan=20,
    )
    row["reason_id"] = "Peringkat 2 (skor 61). 5 dari 20 klien belum terlayani (25%); 3 klien."
    pub = public_table(row, 5).iloc[0]
    group = [pub[c] for c in ("served", "in_reach", "referral_berat", "unserved")]
    assert pub["in_reach"] == "*" and group.count("*") >= 2
    hidden = {pub[c] for c in SUPPRESSED_COUNTS if c in pub and isinstance(pub[c], str)}
    assert hidden == {"*"}
    assert pub["reason_id"] == "Peringkat 2 (skor 61). * dari * klien belum terlayani; * klien."


def test_large_unserved_is_rarely_hidden_on_the_demo():
    """`unserved` is protected: a kecamatan total or a zero goes first. On the demo no village
    with 2k or more unserved is hidden, and the ranking acceptance of issue 11 holds."""
    from ibm_geo.demo import demo_paths
    from ibm_geo.pipeline import analyze

    d = demo_paths()
    kel = analyze(d["boundaries"], d["clients"], d["agents"], d["service_points"]).kelurahan
    pub = public_table(kel, 5)
    hidden = pub["unserved"] == "*"
    assert hidden.any()
    assert not (hidden & (kel["unserved"] >= 10)).any()


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


def test_companion_tables_suppress_client_counts():
    kel = fx.make_kelurahan()
    sites = public_sites(fx.make_sites(), 5)
    # 14, 9, 3: the 3 alone would be recoverable from the plan total (26) -> 9 hidden too
    assert sites["newly_reached"].tolist() == [14, "*", "*"]
    pil = public_pilots(fx.make_pilots(), kel, 5)
    pub = public_table(kel, 5).set_index("kode")
    assert pil["unserved"].tolist() == [pub.loc[kd, "unserved"] for kd in pil["kode"]]
    cur = public_curve(
        pd.DataFrame({"p": [0, 1, 2], "covered": [0, 3, 12], "marginal": [0, 3, 9]}), 5
    )
    assert cur["covered"].tolist() == [0, "*", 10]  # rounded to base 5
    assert cur["marginal"].tolist() == [0, "*", 10]


def test_rule_mentions_the_curve_only_where_there_is_one():
    from ibm_geo.privacy import suppression_rule

    assert "kurva" in suppression_rule(5, "id") and "curve" in suppression_rule(5, "en")
    assert "kurva" not in suppression_rule(5, "id", curve=False)
    assert "curve" not in suppression_rule(5, "en", curve=False)
    assert "ditandai *" in suppression_rule(5, "id", curve=False)


def test_curve_differences_do_not_reveal_a_hidden_marginal():
    # covered 20 -> 23 -> 41: the hidden 3 was 23 - 20 before rounding
    raw = pd.DataFrame({"p": [0, 1, 2], "covered": [20, 23, 41], "marginal": [20, 3, 18]})
    cur = public_curve(raw, 5)
    assert cur["marginal"].tolist()[1] == "*"
    cov = cur["covered"].tolist()
    assert cov == [20, 25, 40] and all(v % 5 == 0 for v in cov)

    # from the published values alone, every hidden value 1..4 remains possible
    def published(c: int) -> int:
        return int(np.floor(c / 5 + 0.5) * 5)

    possible = {
        c1 - c0
        for c0 in range(0, 60)
        for c1 in range(c0, 60)
        if published(c0) == cov[0] and published(c1) == cov[1]
    }
    assert {1, 2, 3, 4} <= possible


# -- leak search across every export -------------------------------------------------------------
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
    sites = fx.make_sites().assign(client_names="Zulkarnain Wibisono", client_id="KLIEN-9931")
    pilots = fx.make_pilots().assign(name="Zulkarnain Wibisono")
    matches = fx.make_matches().assign(client_id="KLIEN-9931", name="Zulkarnain Wibisono")
    quality = fx.make_quality()
    sc = fx.scenario()
    outputs = {
        "html": build_html_map(dirty, scenario=sc, sites=sites, pilots=pilots),
        "png": render_static_map(dirty, scenario=sc, sites=sites, pilots=pilots),
        "pdf": render_static_map(
            dirty, scenario=sc, sites=sites, pilots=pilots, fmt="pdf", size="a4"
        ),
        "pptx": build_slides(
            dirty,
            scenario=sc,
            sites=sites,
            pilots=pilots,
            curve=fx.make_curve(),
            quality=quality,
            matches=matches,
        ),
        "xlsx": workbook_xlsx(dirty, sc, sites, pilots, quality, matches, curve=fx.make_curve()),
        "geojson": results_geojson(dirty, sc),
        "csv": ranking_csv(dirty, sc),
        "gpkg": results_gpkg(dirty, sc),
        "matches": matches_csv(matches, 5),
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
    # small counts are suppressed in the tabular exports
    csv = pd.read_csv(io.BytesIO(outputs["csv"]), dtype=str, encoding="utf-8-sig")
    row = csv.loc[csv["nama"] == fx.BACKTICKS].iloc[0]
    assert row["clients"] == "*"


def test_reason_templates_are_filled_with_public_counts():
    from ibm_geo.demo import demo_paths
    from ibm_geo.pipeline import analyze

    d = demo_paths()
    res = analyze(d["boundaries"], d["clients"], d["agents"], d["service_points"])
    kel = res.kelurahan
    pub = public_table(kel, 5)
    plain = pub["unserved"].map(lambda v: not is_suppressed(v)) & pub["clients"].map(
        lambda v: not is_suppressed(v)
    )
    # nothing hidden: the export says exactly what the app says
    assert (pub.loc[plain, "reason_id"] == kel.loc[plain, "reason_id"]).all()
    hidden_total = pub["clients"] == "*"
    assert hidden_total.any()
    for i in np.flatnonzero(hidden_total.to_numpy()):
        text = pub["reason_id"].iloc[i]
        assert f"dari {kel['clients'].iloc[i]} " not in text and "%" not in text
        assert "\x01" not in text
    hidden_unserved = pub["unserved"] == "*"
    for i in np.flatnonzero(hidden_unserved.to_numpy()):
        assert pub["reason_en"].iloc[i].split(")")[1].lstrip(". ").startswith("*")


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


@pytest.mark.parametrize(
    "written_id, written_en",
    [("1300", "1300"), ("1.300", "1,300")],  # plain, and with thousand separators
)
def test_pilot_reasons_keep_ranks_and_lose_every_count_in_both_languages(written_id, written_en):
    # reasons as ibm_geo.plan.pilots writes them: score and rank in the reader's number
    # format, the unserved count as digits; the count goes, whatever its size, the rank stays
    from ibm_geo.privacy import public_pilots

    pilots = pd.DataFrame(
        {
            "kode": ["51.71.01.1001", "51.71.01.1002"],
            "nama": ["Uji", "Dua"],
            "kab_kota": ["Kota Uji", "Kota Uji"],
            "reason_id": [
                f"skor kebutuhan 61,1 (peringkat 1.234 dari 83.402); {written_id} klien belum terlayani; "
                "layanan terdekat 8,0 km; pilihan ke-1 di Kota Uji",
                "skor kebutuhan 9,5 (peringkat 2 dari 3); 3 klien belum terlayani",
            ],
            "reason_en": [
                f"need score 61.1 (rank 1,234 of 83,402); {written_en} unserved clients; nearest "
                "service 8.0 km away; choice no. 1 in Kota Uji",
                "need score 9.5 (rank 2 of 3); 3 unserved clients",
            ],
        }
    )
    pub = public_pilots(pilots, None, 5)
    assert pub.loc[0, "reason_id"] == (
        "skor kebutuhan 61,1 (peringkat 1.234 dari 83.402); * klien belum terlayani; "
        "layanan terdekat 8,0 km; pilihan ke-1 di Kota Uji"
    )
    assert pub.loc[0, "reason_en"] == (
        "need score 61.1 (rank 1,234 of 83,402); * unserved clients; nearest service 8.0 km "
        "away; choice no. 1 in Kota Uji"
    )
    assert pub.loc[1, "reason_id"].endswith("; * klien belum terlayani")
    assert pub.loc[1, "reason_en"].endswith("; * unserved clients")


def test_hidden_cells_do_not_depend_on_row_order():
    """Each weighting sorts the table by its own score: the same analysis exported under two
    weightings must hide the same cells, or comparing the two files gives hidden cells away."""
    from ibm_geo.privacy import disclose

    kel = fx.make_kelurahan()
    a = disclose(kel, 5).mask
    shuffled = kel.sample(frac=1.0, random_state=7)
    b = disclose(shuffled, 5).mask.loc[a.index]
    assert a.any().any() and (a == b).all().all()
    for name in ("kab_kota", "total"):
        ta = disclose(kel, 5).level_table(name)
        tb = disclose(shuffled, 5).level_table(name)
        pd.testing.assert_frame_equal(ta, tb)
