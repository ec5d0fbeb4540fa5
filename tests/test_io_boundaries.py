"""Boundary readers: schemas (shared, BIG, GADM, OSM), formats, repairs, CRS, SQL dump."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import Polygon, box

from ibm_geo.crs import local_utm_crs, to_metric
from ibm_geo.errors import UserError
from ibm_geo.io import BOUNDARY_COLUMNS, read_boundaries, read_sql_dump
from ibm_geo.quality import DataQuality

SQUARE_A = box(115.20, -8.70, 115.21, -8.69)
SQUARE_B = box(115.21, -8.70, 115.22, -8.69)


def _write(gdf: gpd.GeoDataFrame, path: Path, driver: str | None = None) -> Path:
    gdf.to_file(path, driver=driver) if driver else gdf.to_file(path)
    return path


def test_big_schema_digit_codes(tmp_path):
    g = gpd.GeoDataFrame(
        {
            "WADMKD": ["Renon", "Panjer"],
            "WADMKC": ["Denpasar Selatan"] * 2,
            "WADMKK": ["Kota Denpasar"] * 2,
            "WADMPR": ["Bali"] * 2,
            "KDEPUM": ["5171011005", "5171012004"],
        },
        geometry=[SQUARE_A, SQUARE_B],
        crs=4326,
    )
    out = read_boundaries(_write(g, tmp_path / "desa.geojson"))
    assert list(out.columns) == BOUNDARY_COLUMNS
    assert out["kode"].tolist() == ["51.71.01.1005", "51.71.01.2004"]
    assert out["jenis"].tolist() == ["Kelurahan", "Desa"]  # from the X digit
    assert out["kode_kec"].tolist() == ["51.71.01"] * 2
    assert out["kode_kab"].tolist() == ["51.71"] * 2
    assert out["provinsi"].tolist() == ["Bali"] * 2
    assert out["approximate"].tolist() == [False, False]
    assert out.crs.to_epsg() == 4326


def test_gadm_schema_gets_synthetic_codes_from_bytes(tmp_path):
    g = gpd.GeoDataFrame(
        {
            "NAME_4": ["Renon", "Panjer"],
            "NAME_3": ["Denpasar Selatan"] * 2,
            "NAME_2": ["Denpasar"] * 2,
            "NAME_1": ["Bali"] * 2,
            "GID_4": ["IDN.2.7.3.1_1", "IDN.2.7.3.2_1"],
        },
        geometry=[SQUARE_A, SQUARE_B],
        crs=4326,
    )
    data = _write(g, tmp_path / "gadm.gpkg", "GPKG").read_bytes()
    out = read_boundaries(data, name="gadm.gpkg")
    assert out["kode"].tolist() == ["X-1", "X-2"]
    assert out["nama"].tolist() == ["Renon", "Panjer"]
    assert out["kecamatan"].tolist() == ["Denpasar Selatan"] * 2
    assert out["kab_kota"].tolist() == ["Denpasar"] * 2
    assert out["jenis"].isna().all() and out["kode_kec"].isna().all()


def test_osm_schema_zipped_shapefile_reprojected(tmp_path):
    g = gpd.GeoDataFrame(
        {"name": ["Renon", "Panjer"], "ref_id_cod": ["51.71.01.1005", "5171011004"]},
        geometry=[SQUARE_A, SQUARE_B],
        crs=4326,
    ).to_crs(32750)
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _write(g, shp_dir / "osm.shp")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for f in shp_dir.iterdir():
            z.write(f, f.name)
    out = read_boundaries(buf.getvalue(), name="osm.zip", column_map={"ref_id_cod": "kode"})
    assert out["kode"].tolist() == ["51.71.01.1005", "51.71.01.1004"]
    assert out.crs.to_epsg() == 4326
    # back in degrees: the reprojected square matches the original within 1e-6 degree
    assert out.geometry.iat[0].equals_exact(SQUARE_A.normalize(), 1e-6) or (
        out.geometry.iat[0].symmetric_difference(SQUARE_A).area < 1e-10
    )


def test_repair_drop_duplicates_and_swapped_without_crs(tmp_path):
    bowtie = Polygon([(115.20, -8.70), (115.21, -8.69), (115.21, -8.70), (115.20, -8.69)])
    geoms = [bowtie, SQUARE_B, Polygon(), SQUARE_A]
    g = gpd.GeoDataFrame(
        {
            "kode": ["51.71.01.1001", "51.71.01.1002", "51.71.01.1003", "51.71.01.1002"],
            "nama": ["A", "B", "C", "D"],
        },
        geometry=geoms,
        crs=None,
    )
    # lat/lon swapped and no CRS, as some hand-made files are
    g = g.set_geometry(shapely.transform(g.geometry.values, lambda c: c[:, ::-1]))
    path = tmp_path / "x.parquet"
    g.to_parquet(path)
    q = DataQuality()
    out = read_boundaries(path, quality=q)
    assert out["nama"].tolist() == ["A", "B", "D"]
    assert out.geometry.is_valid.all()
    assert out.geometry.iat[0].area == pytest.approx(0.5 * 0.01 * 0.01, rel=1e-6)  # two triangles
    assert out.total_bounds.tolist() == pytest.approx([115.20, -8.70, 115.22, -8.69])
    f = q.to_frame()
    assert f["problem"].tolist() == [
        "no CRS in the file",
        "coordinates are lat/lon swapped",
        "invalid polygon (e.g. self-intersection)",  # feature 1, repaired: said, not silent
        "duplicate kode",  # feature 2
        "empty or non-polygon geometry",  # feature 3, dropped
        "duplicate kode",  # feature 4
    ]
    assert f["row"].tolist()[2:] == [1, 2, 3, 4]
    assert f["action"].iat[2] == "repaired (make_valid)" and f["value"].iat[2] == "A"


def test_unknown_schema_lists_columns(tmp_path):
    g = gpd.GeoDataFrame({"foo": [1], "bar": ["x"]}, geometry=[SQUARE_A], crs=4326)
    with pytest.raises(UserError) as err:
        read_boundaries(_write(g, tmp_path / "u.geojson"))
    assert "foo" in str(err.value) and "bar" in str(err.value)
    out = read_boundaries(tmp_path / "u.geojson", column_map={"bar": "nama"})
    assert out["nama"].tolist() == ["x"] and out["kode"].tolist() == ["X-1"]


SQL = """
INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES
 ('73.71.07.1008','La''Latang',-5.1,119.4,'[[[-5.10,119.40],[-5.10,119.41],[-5.11,119.41],[-5.10,119.40]]]'),
 ('73.71.07.1009','Dua',-5.1,119.4,'[[[[-5.20,119.40],[-5.20,119.41],[-5.21,119.41],[-5.20,119.40]]],[[[-5.30,119.40],[-5.30,119.41],[-5.31,119.41],[-5.30,119.40]]]]');
"""


def test_sql_dump_swaps_lat_lng():
    out = read_boundaries(SQL.encode(), name="dump.sql")
    assert out["kode"].tolist() == ["73.71.07.1008", "73.71.07.1009"]
    assert out["nama"].tolist() == ["La'Latang", "Dua"]
    assert out["jenis"].tolist() == ["Kelurahan", "Kelurahan"]
    assert out.geometry.iat[0].bounds == pytest.approx((119.40, -5.11, 119.41, -5.10))
    assert out.geometry.iat[1].geom_type == "MultiPolygon"
    assert len(out.geometry.iat[1].geoms) == 2
    with pytest.raises(UserError):
        read_sql_dump(b"-- nothing here", name="empty.sql")


def test_local_utm_and_national_projection():
    makassar = gpd.GeoSeries([box(119.4, -5.2, 119.5, -5.1)], crs=4326)
    assert local_utm_crs(makassar).to_epsg() == 32750
    medan = gpd.GeoSeries([box(98.6, 3.5, 98.7, 3.6)], crs=4326)
    assert local_utm_crs(medan).to_epsg() == 32647
    national = gpd.GeoSeries([box(95.0, -11.0, 141.0, 6.0)], crs=4326)
    crs = local_utm_crs(national)
    assert crs.coordinate_operation.method_name == "Azimuthal Equidistant"
    # a 0.1-degree square near Makassar is ~11.1 km wide in the metric CRS
    m = to_metric(makassar)
    width = m.total_bounds[2] - m.total_bounds[0]
    assert width == pytest.approx(11_070, rel=0.01)
    assert CRS(makassar.crs).to_epsg() == 4326  # input untouched


def _shared() -> Path:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root or not Path(root, "raw").is_dir():
        pytest.skip("IBM_GEO_SHARED_DATA not set")
    return Path(root)


@pytest.mark.shared
def test_sql_dump_matches_denpasar_geojson():
    root = _shared()
    sql = read_boundaries(root / "raw" / "wilayah_boundaries_kel_51.71.sql")
    gj = read_boundaries(root / "boundaries" / "denpasar.geojson")
    assert len(sql) == len(gj) == 43
    merged = sql.merge(gj, on="kode", suffixes=("_sql", "_gj"))
    assert len(merged) == 43
    assert (merged["nama_sql"] == merged["nama_gj"]).all()
    assert (merged["jenis_sql"] == merged["jenis_gj"]).all()
    a = gpd.GeoSeries(merged["geometry_sql"], crs=4326).to_crs(32750).centroid
    b = gpd.GeoSeries(merged["geometry_gj"], crs=4326).to_crs(32750).centroid
    assert a.distance(b).max() < 200
    assert np.all(sql.geometry.is_valid)


def test_threaded_validity_check_matches_shapely():
    from ibm_geo.io.boundaries import _is_valid

    ok = shapely.box(0, 0, 1, 1)
    bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    geoms = np.array([ok, bowtie, None] * 7000, dtype=object)  # above the threading threshold
    got = _is_valid(geoms)
    assert got.tolist() == shapely.is_valid(geoms).tolist()
    assert got.sum() == 7000


def test_province_filled_from_the_code_when_the_file_has_none():
    gdf = gpd.GeoDataFrame(
        {
            "kode": ["51.71.01.1001", "73.71.01.1001", "95.01.01.2001", "X1", "99.01.01.1001"],
            "nama": ["Renon", "Bontoala", "Wamena", "Tanpa kode", "Bukan provinsi"],
        },
        geometry=[box(i, 0, i + 1, 1) for i in range(5)],
        crs=4326,
    )
    out = read_boundaries(gdf.to_json().encode(), name="b.geojson")
    assert out["provinsi"].tolist() == ["Bali", "Sulawesi Selatan", "Papua Pegunungan", None, None]
    gdf["provinsi"] = "Tertulis"
    kept = read_boundaries(gdf.to_json().encode(), name="b.geojson")
    assert set(kept["provinsi"]) == {"Tertulis"}  # a written province is never overwritten


def test_province_from_the_code_prefix_only_for_whole_codes():
    """The province is read from a whole dotted code's first two digits; anything else
    (a short code, an unknown prefix, a bare number, missing) gives None."""
    from ibm_geo.regions import province_of

    codes = pd.Series(
        ["51.71.01.1001", "73.71.11.1002", "51.71.01.100", "99.01.01.1001", 5171011001, None],
        dtype=object,
    )
    assert province_of(codes).tolist() == ["Bali", "Sulawesi Selatan", None, None, None, None]
