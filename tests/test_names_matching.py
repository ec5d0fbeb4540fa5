"""Name normalisation and kelurahan matching on a hand-made boundary set and on real shared data."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from shapely.geometry import box

from ibm_geo.io import read_boundaries
from ibm_geo.matching import match_locations, rep_points
from ibm_geo.names import (
    compact_key,
    normalize_array,
    normalize_kode,
    normalize_name,
    normalize_names,
)
from ibm_geo.quality import DataQuality

# -- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Kel. La'latang", "lalatang"),
        ("KELURAHAN  La\u2019Latang", "lalatang"),
        ("Tamalanrea Satu", "tamalanrea 1"),
        ("tamalanrea I", "tamalanrea 1"),
        ("Tamalanrea 1", "tamalanrea 1"),
        ("Desa Sukamaju-Baru", "sukamaju baru"),
        ("Ds. Cipete", "cipete"),
        ("Kota Makassar", "makassar"),
        ("Kabupaten Gowa", "gowa"),
        ("Kec. Rappocini", "rappocini"),
        ("Lima Puluh", "lima puluh"),  # a leading number word is part of the name
        ("Kampung III", "kampung 3"),
        ("Pémogan", "pemogan"),
        ("Desa", "desa"),  # a lone prefix is kept rather than emptied
        ("", ""),
    ],
)
def test_normalize_name(written, expected):
    assert normalize_name(written) == expected


def test_compact_key_joins_split_names():
    assert compact_key("Parang tambung") == compact_key("Parangtambung") == "parangtambung"
    assert compact_key("Kel. Pa'Baeng-Baeng") == "pabaengbaeng"


def test_normalize_names_vectorised_keeps_missing():
    s = pd.Series(["Kel. Renon", None, "Kel. Renon", "  "], index=[10, 11, 12, 13])
    out = normalize_names(s)
    assert list(out.index) == [10, 11, 12, 13]
    assert out.tolist() == ["renon", None, "renon", None]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("51.71.01.1001", "51.71.01.1001"),
        ("5171011001", "51.71.01.1001"),
        ("5171011001.0", "51.71.01.1001"),
        (" 51 71 01 1001 ", "51.71.01.1001"),
        ("51.71.01", None),
        ("abc", None),
        (None, None),
    ],
)
def test_normalize_kode(value, expected):
    assert normalize_kode(value) == expected


@given(st.text(max_size=40))
def test_normalize_name_idempotent(s):
    once = normalize_name(s)
    assert normalize_name(once) == once
    assert compact_key(once) == compact_key(s)


@given(st.from_regex(r"[A-Za-z][a-z]{2,12}", fullmatch=True))
def test_normalize_name_plain_word_is_lowercase(s):
    out = normalize_name(s)
    if s.lower() not in {"kel", "desa", "ds", "dsn", "kec", "kab", "kota"}:
        assert out == s.lower()


# -- matching on a hand-made set --------------------------------------------------------------


@pytest.fixture
def squares() -> gpd.GeoDataFrame:
    rows = [
        ("73.71.01.1001", "Sukamaju", "Alpha", 0),
        ("73.71.02.1001", "Sukamaju", "Beta", 1),
        ("73.71.01.1002", "La'Latang", "Alpha", 2),
        ("73.71.02.1002", "Parangtambung", "Beta", 3),
        ("73.71.03.1001", "Tamalanrea Satu", "Gamma", 4),
    ]
    return gpd.GeoDataFrame(
        {
            "kode": [r[0] for r in rows],
            "nama": [r[1] for r in rows],
            "kecamatan": [r[2] for r in rows],
            "kab_kota": "Kota Uji",
        },
        geometry=[box(119.40 + 0.01 * r[3], -5.20, 119.41 + 0.01 * r[3], -5.19) for r in rows],
        crs=4326,
    )


def _table(**cols) -> pd.DataFrame:
    n = len(next(iter(cols.values())))
    base = {
        "row": np.arange(2, n + 2),
        "kode": [None] * n,
        "kelurahan": [None] * n,
        "kecamatan": [None] * n,
        "kab_kota": [None] * n,
        "lat": [np.nan] * n,
        "lon": [np.nan] * n,
    }
    base.update(cols)
    return pd.DataFrame(base)


def test_match_code_exact_normalised(squares):
    df = _table(
        kode=["73.71.02.1002", None, None, None, None, None, "99.99.99.9999"],
        kelurahan=[
            None,
            "Parangtambung",
            "Parang tambung",
            "Kel. La'latang",
            "Tamalanrea 1",
            "TAMALANREA I",
            "La'Latang",
        ],
    )
    q = DataQuality()
    m = match_locations(df, squares, table="c.csv", quality=q)
    assert m.kode.tolist() == [
        "73.71.02.1002",
        "73.71.02.1002",
        "73.71.02.1002",
        "73.71.01.1002",
        "73.71.03.1001",
        "73.71.03.1001",
        "73.71.01.1002",
    ]
    assert m.method.tolist() == [
        "code",
        "exact",
        "normalised",
        "normalised",
        "normalised",
        "normalised",
        "exact",
    ]
    assert m.confidence.tolist() == [1.0, 1.0, 0.95, 0.95, 0.95, 0.95, 1.0]
    qf = q.to_frame()
    # the unknown code is reported on its row (8) and the row still placed by name
    assert qf[["row", "column"]].values.tolist() == [[8, "kode"]]
    assert m.rows_unmatched == 0


def test_match_ambiguous_resolved_by_kecamatan(squares):
    df = _table(
        kelurahan=["Sukamaju", "Sukamaju", "sukamaju", "Sukamaju"],
        kecamatan=[None, "Beta", "Kecamatan Alpha", "Alpa"],
    )
    q = DataQuality()
    m = match_locations(df, squares, table="c.csv", quality=q)
    assert m.kode.isna().tolist() == [True, False, False, False]
    assert m.kode.tolist()[1:] == ["73.71.02.1001", "73.71.01.1001", "73.71.01.1001"]
    assert m.method.tolist() == ["ambiguous", "exact", "exact", "exact"]
    amb = m.matches[m.matches["method"] == "ambiguous"].iloc[0]
    assert amb["candidates"] == "Sukamaju (Alpha, Kota Uji); Sukamaju (Beta, Kota Uji)"
    qf = q.to_frame()
    assert qf["row"].tolist() == [2]
    assert "several places" in qf["problem"].iat[0]


def test_match_fuzzy_and_unmatched(squares):
    df = _table(kelurahan=["Parangtambong", "Parangtambong", "Sukamakmur", "Qqqq"])
    q = DataQuality()
    m = match_locations(df, squares, table="c.csv", quality=q, fuzzy_threshold=85)
    assert m.method.tolist() == ["fuzzy", "fuzzy", "unmatched", "unmatched"]
    assert m.kode.tolist()[:2] == ["73.71.02.1002"] * 2
    # 12 of 13 letters agree: ratio = 2*12/26
    assert m.confidence.iat[0] == pytest.approx(24 / 26, abs=1e-9)
    assert fuzz.ratio("sukamakmur", "sukamaju") < 85
    un = m.matches.set_index("written_name").loc["Sukamakmur"]
    assert "Sukamaju (Alpha, Kota Uji)" in un["candidates"]
    assert m.matches.set_index("written_name").loc["Parangtambong", "rows"] == 2
    qf = q.to_frame()
    assert qf["row"].tolist() == [2, 3, 4, 5]  # every affected row, not just each place
    assert m.rows_unmatched == 2


def test_match_point_in_polygon_with_name_warning(squares):
    # row 2: inside La'Latang square but written "Sukamaju" -> point trusted, warning
    # row 3: inside Parangtambung, written the same (normalised) -> no warning
    # row 4: outside every square -> reported, falls back to the written name
    df = _table(
        kelurahan=["Sukamaju", "Parang Tambung", "Tamalanrea Satu"],
        lat=[-5.195, -5.195, -6.0],
        lon=[119.425, 119.435, 119.425],
    )
    q = DataQuality()
    m = match_locations(df, squares, table="c.csv", quality=q)
    assert m.kode.tolist() == ["73.71.01.1002", "73.71.02.1002", "73.71.03.1001"]
    assert m.method.tolist() == ["point", "point", "exact"]
    qf = q.to_frame()
    assert qf["row"].tolist() == [2, 4]
    assert "La'Latang" in qf["problem"].iat[0]
    assert "outside the boundaries" in qf["problem"].iat[1]


def test_rep_points_inside(squares):
    lon, lat = rep_points(squares)
    assert np.all((lat > -5.20) & (lat < -5.19))
    assert np.all(lon > 119.40) and np.all(lon < 119.45)


# -- real shared data -------------------------------------------------------------------------


def _shared() -> Path:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not Path(root, "boundaries").is_dir():
        pytest.skip("IBM_GEO_SHARED_DATA not set")
    return Path(root)


@pytest.mark.shared
@pytest.mark.parametrize(
    ("city", "pairs"),
    [
        (
            "makassar",
            [
                ("KEL. LA'LATANG", "La'Latang"),
                ("Parang tambung", "Parang Tambung"),
                ("tamalanrea indha", "Tamalanrea Indah"),
                ("BANTA BANTAENG", "Banta-Bantaeng"),
                ("Kel. Karang Anyar", "Karang Anyar"),
            ],
        ),
        (
            "denpasar",
            [
                ("RENON", "Renon"),
                ("Kel. Sanur Kaja", "Sanur Kaja"),
                ("Padang Sambian", "Padangsambian"),
                ("pemogn", "Pemogan"),
            ],
        ),
        (
            "palembang",
            [
                ("KARANG ANYAR", "Karanganyar"),
                ("Kel. Bukit Lama", "Bukitlama"),
                ("Dua Puluh Ilir 1", "Dua-puluh Ilir Satu"),
                ("Kalidonni", "Kalidoni"),
            ],
        ),
    ],
)
def test_shared_names_as_people_write_them(city, pairs):
    b = read_boundaries(_shared() / "boundaries" / f"{city}.geojson")
    for _, official in pairs:
        assert (b["nama"] == official).sum() == 1, official
    df = _table(kelurahan=[w for w, _ in pairs])
    q = DataQuality()
    m = match_locations(df, b, table="c.csv", quality=q)
    expected = [b.loc[b["nama"] == official, "kode"].iat[0] for _, official in pairs]
    assert m.kode.tolist() == expected
    # exactly one typo per city -> exactly one fuzzy row in the report
    assert (m.method == "fuzzy").sum() == 1
    assert len(q) == 1


# -- the vectorised normaliser agrees with the scalar one ---------------------------------------

_ALPHABET = "abcdeiklmnoprstuvxyzAEIKLSUVX0123456789 .,-'`’()/éèüñÉ"
_WORDS = ["kel.", "Kel", "desa", "Ds", "kota", "satu", "dua", "sepuluh", "ii", "IV", "x", "lima"]


_NAMES = st.lists(
    st.one_of(st.text(alphabet=_ALPHABET, max_size=12), st.sampled_from(_WORDS)),
    min_size=0,
    max_size=5,
).map(" ".join)


@settings(max_examples=300, deadline=None)
@given(st.lists(_NAMES, min_size=1, max_size=8))
def test_normalize_array_matches_scalar_on_generated_names(names):
    # several at once: accents and number words are rewritten on subsets that must go back in place
    assert normalize_array(names).tolist() == [normalize_name(s) for s in names]


def test_normalize_array_matches_scalar_on_all_official_names():
    import os
    from pathlib import Path

    p = Path(
        os.environ.get("IBM_GEO_SHARED_DATA", "/nonexistent"),
        "boundaries",
        "indonesia_simplified.parquet",
    )
    if not p.exists():
        pytest.skip("IBM_GEO_SHARED_DATA not set")
    names = pd.read_parquet(p, columns=["nama", "kecamatan", "kab_kota"])
    values = pd.unique(names.to_numpy().ravel())
    got = normalize_array(values)
    want = np.array([normalize_name(v) for v in values], dtype=object)
    assert (got == want).all(), [
        (v, g, w) for v, g, w in zip(values, got, want, strict=True) if g != w
    ][:5]
