"""Seeds' own spellings: compound numbers, swapped letters, parents from the code list."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from ibm_geo.gazetteer import fill_from_code, jenis_of, load_gazetteer
from ibm_geo.io import read_boundaries
from ibm_geo.matching import match_locations, transpositions
from ibm_geo.names import compact_key, normalize_array, normalize_name
from ibm_geo.quality import DataQuality


@pytest.mark.parametrize(
    ("a", "b", "key"),
    [
        ("29 Ilir", "Dua-puluh-sembilan Ilir", "29 ilir"),
        ("36 Ilir", "Tiga-puluh-enam Ilir", "36 ilir"),
        ("Duapuluh Sembilan Ilir", "dua puluh sembilan ilir", "29 ilir"),
        ("11 Ulu", "Sebelas Ulu", "11 ulu"),
        ("12 Ulu", "Dua-belas Ulu", "12 ulu"),
        ("10 Ilir", "Sepuluh Ilir", "10 ilir"),
        ("3-4 Ulu", "Tiga Empat Ulu", "3 4 ulu"),
        ("9/10 Ulu", "Sembilan Sepuluh Ulu", "9 10 ulu"),
        ("20 Ilir III", "Dua-puluh Ilir Tiga", "20 ilir 3"),
        ("Kampung 125", "Kampung Seratus Dua Puluh Lima", "kampung 125"),
        ("Lorong XIV", "Lorong Empat Belas", "lorong 14"),
        ("Limapuluh", "Lima Puluh", "lima puluh"),  # a name that is only a number stays words
    ],
)
def test_compound_numbers_both_ways(a, b, key):
    assert normalize_name(a) == normalize_name(b) == key
    assert normalize_array([a, b]).tolist() == [key, key]
    assert compact_key(a) == compact_key(b)


def test_words_that_only_look_like_numbers_are_kept():
    for name in ("Seberang Ulu", "Sekar Jaya", "Duaji", "Puluh Raya", "Belas"):
        assert not any(ch.isdigit() for ch in normalize_name(name)), name


def test_transpositions_are_adjacent_swaps():
    assert "renon" in transpositions("reonn")
    assert "banua" in transpositions("bnaua")
    assert transpositions("aa") == []
    assert len(transpositions("abcd")) == 3


def _shared() -> Path:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not Path(root, "boundaries").is_dir():
        pytest.skip("IBM_GEO_SHARED_DATA not set")
    return Path(root)


def _rows(names, kec=None, kab=None) -> pd.DataFrame:
    n = len(names)
    return pd.DataFrame(
        {
            "row": np.arange(2, n + 2),
            "kode": [None] * n,
            "kelurahan": names,
            "kecamatan": kec or [None] * n,
            "kab_kota": kab or [None] * n,
            "lat": [np.nan] * n,
            "lon": [np.nan] * n,
        }
    )


@pytest.mark.shared
def test_29_and_36_ilir_on_the_real_palembang_layer():
    b = read_boundaries(_shared() / "boundaries" / "palembang.geojson")
    want = {
        "29 Ilir": "Dua-puluh-sembilan Ilir",
        "36 Ilir": "Tiga-puluh-enam Ilir",
        "Kel. 26 Ilir I": "Dua-puluh-enam Ilir Satu",
        "11 Ulu": "Sebelas Ulu",
        "3-4 Ulu": "Tiga Empat Ulu",
    }
    m = match_locations(_rows(list(want)), b, table="klien.csv", quality=DataQuality())
    got = b.set_index("kode").loc[m.kode.tolist(), "nama"].tolist()
    assert got == list(want.values())
    assert set(m.method) <= {"exact", "normalised"}


@pytest.mark.shared
def test_swapped_letters_in_short_names_on_real_layers():
    bali = read_boundaries(_shared() / "boundaries" / "bali.geojson")
    den = read_boundaries(_shared() / "boundaries" / "denpasar.geojson")
    m = match_locations(_rows(["Reonn", "Pnajer"]), den, table="c.csv", quality=DataQuality())
    assert den.set_index("kode").loc[m.kode.tolist(), "nama"].tolist() == ["Renon", "Panjer"]
    assert m.method.tolist() == ["fuzzy", "fuzzy"]
    # Banua (Bangli) without and with its kab/kota written
    rows = _rows(["Bnaua", "Bnaua"], kab=[None, "Bangli"])
    m = match_locations(rows, bali, table="c.csv", quality=DataQuality())
    assert m.kode.tolist() == ["51.06.04.2012"] * 2
    # a swap that makes no real name stays unmatched (no guessing)
    m = match_locations(_rows(["Xqzvw"]), den, table="c.csv", quality=DataQuality())
    assert m.kode.isna().all()


def test_gazetteer_is_the_public_code_list():
    g = load_gazetteer()
    assert len(g) == 83_402
    assert g["kode"].is_unique
    renon = g.set_index("kode").loc["51.71.01.1005"]
    assert (renon["nama"], renon["kecamatan"], renon["kab_kota"], renon["provinsi"]) == (
        "Renon",
        "Denpasar Selatan",
        "Kota Denpasar",
        "Bali",
    )
    assert renon["jenis"] == "Kelurahan"
    assert g.set_index("kode").loc["51.06.04.2012", "jenis"] == "Desa"
    assert (g["jenis"] == "Kelurahan").sum() > 8000  # not every unit a desa
    assert jenis_of(pd.Series(["51.71.01.1005", "51.06.04.2012", "X-1", None])).tolist() == [
        "Kelurahan",
        "Desa",
        None,
        None,
    ]


@pytest.mark.shared
def test_gazetteer_fills_bali_parents_in_the_sql_dump():
    base = _shared()
    dump = read_boundaries(base / "raw" / "wilayah_boundaries_kel_51.71.sql")
    ref = read_boundaries(base / "boundaries" / "denpasar.geojson").set_index("kode")
    assert len(dump) == 43
    assert dump["kecamatan"].notna().all() and dump["kab_kota"].notna().all()
    d = dump.set_index("kode")
    assert (d["kecamatan"] == ref.loc[d.index, "kecamatan"]).all()
    assert set(d["kab_kota"]) == {"Kota Denpasar"}
    assert d["kecamatan"].nunique() == 4
    assert (d["jenis"] == ref.loc[d.index, "jenis"]).all()
    assert dump.attrs["filled_from_code"]["kecamatan"] == 43


def test_gadm_village_type_follows_the_code(tmp_path):
    g = gpd.GeoDataFrame(
        {
            "NAME_4": ["Renon", "Banua"],
            "NAME_3": [None, None],
            "NAME_2": [None, None],
            "NAME_1": ["Bali", "Bali"],
            "ENGTYPE_4": ["Village", "Village"],
            "CC_4": ["5171011005", "5106042012"],
        },
        geometry=[box(115.20, -8.70, 115.21, -8.69), box(115.21, -8.70, 115.22, -8.69)],
        crs=4326,
    )
    path = tmp_path / "gadm.gpkg"
    g.to_file(path, driver="GPKG")
    out = read_boundaries(path)
    assert out["kode"].tolist() == ["51.71.01.1005", "51.06.04.2012"]
    assert out["jenis"].tolist() == ["Kelurahan", "Desa"]
    assert out["kecamatan"].tolist() == ["Denpasar Selatan", "Kintamani"]
    assert out["kab_kota"].tolist() == ["Kota Denpasar", "Kabupaten Bangli"]


def test_fill_keeps_the_layers_own_names():
    df = pd.DataFrame(
        {
            "kode": ["51.71.01.1005", "X-1"],
            "nama": ["RENON", "Somewhere"],
            "jenis": ["Desa", "Desa"],
        }
    )
    out, filled = fill_from_code(df)
    assert out["nama"].tolist() == ["RENON", "Somewhere"]  # never overwritten
    assert out["jenis"].tolist() == ["Kelurahan", "Desa"]  # the code decides where there is one
    assert out["kecamatan"].tolist() == ["Denpasar Selatan", None]
    assert filled["kecamatan"] == 1 and filled["jenis"] == 1
    assert df["jenis"].tolist() == ["Desa", "Desa"]  # input untouched
