"""The boundary cache (ibm_geo.io.cache): a layer read once comes back identical, with its
quality rows, and only for the very same bytes and options."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from ibm_geo.io import cache, read_boundaries
from ibm_geo.quality import DataQuality


@pytest.fixture
def layer(tmp_path, monkeypatch) -> Path:
    """A small layer with one self-intersecting polygon (repaired, with a quality row) and a
    missing kecamatan, in its own cache folder."""
    monkeypatch.setenv("IBM_GEO_CACHE_DIR", str(tmp_path / "cache"))
    bowtie = shapely.Polygon([(115.20, -8.60), (115.22, -8.62), (115.22, -8.60), (115.20, -8.62)])
    geo = gpd.GeoDataFrame(
        {
            "kode": ["51.71.01.1001", "51.71.01.1002"],
            "nama": ["Sanur Kaja", "Renon"],
            "kecamatan": ["Denpasar Selatan", None],
            "kab_kota": ["Kota Denpasar", "Kota Denpasar"],
        },
        geometry=[shapely.box(115.23, -8.70, 115.25, -8.68), bowtie],
        crs=4326,
    )
    path = tmp_path / "layer.geojson"
    geo.to_file(path, driver="GeoJSON")
    return path


def _read(path):
    q = DataQuality()
    return read_boundaries(path, quality=q), q.to_frame()


def test_second_read_is_the_first_read(layer, tmp_path):
    first, q1 = _read(layer)
    assert len(q1) >= 1  # the repaired bow-tie is reported
    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 1
    second, q2 = _read(layer)
    assert_geodataframe_equal(first, second)
    assert list(first.dtypes) == list(second.dtypes) and first.attrs == second.attrs
    for col in ("jenis", "kode_kab", "kecamatan"):  # missing stays None, not NaN
        assert [v is None for v in first[col]] == [v is None for v in second[col]]
    assert q1.equals(q2)
    # the cache folder is private
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0


def test_other_bytes_or_options_read_again(layer, tmp_path):
    _read(layer)
    edited = layer.read_text().replace("Renon", "Renon Baru")
    layer.write_text(edited)
    geo, _ = _read(layer)
    assert "Renon Baru" in geo["nama"].tolist()
    read_boundaries(layer, name="other.geojson", quality=DataQuality())
    assert len(list((tmp_path / "cache").glob("*.arrow"))) == 3


def test_a_damaged_or_foreign_entry_is_read_again(layer, tmp_path):
    first, _ = _read(layer)
    (entry,) = (tmp_path / "cache").glob("*.arrow")
    entry.write_bytes(b"not arrow")
    again, _ = _read(layer)
    assert_geodataframe_equal(first, again)
    (entry,) = (tmp_path / "cache").glob("*.arrow")
    os.chmod(entry, 0o666)  # writable by others: not trusted, read from the source again
    assert cache.get(entry.stem) is None


def test_cache_off_writes_nothing(layer, tmp_path, monkeypatch):
    monkeypatch.setenv("IBM_GEO_CACHE", "0")
    _read(layer)
    assert not (tmp_path / "cache").exists()
