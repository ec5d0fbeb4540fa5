"""Road travel through the whole path: coverage, dist_nearest_m, data quality, plan and CLI.

Kota Denpasar's 43 real kelurahan with synthetic clients and agents inside the central-Denpasar
OSM extract (shared data; skipped without it).
"""

from __future__ import annotations

import json
import os
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ibm_geo.cli import app
from ibm_geo.config import RoadsConfig, Scenario
from ibm_geo.coverage import IN_REACH
from ibm_geo.pipeline import analyze
from ibm_geo.plan import plan_recruitment
from ibm_geo.plan.coverage_matrix import build_coverage

SHARED = Path(os.environ.get("IBM_GEO_SHARED_DATA", "/nonexistent"))
PBF = SHARED / "roads" / "denpasar_center.osm.pbf"
BND = SHARED / "boundaries" / "denpasar.geojson"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not (PBF.exists() and BND.exists()), reason="shared data not available"),
]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("roads_in")
    rng = np.random.default_rng(12)
    n = 150
    lat = rng.uniform(-8.675, -8.650, n)
    lon = rng.uniform(115.205, 115.230, n)
    clients = pd.DataFrame(
        {
            "client_id": [f"K{i:03d}" for i in range(n)],
            "nama": [f"Klien {i}" for i in range(n)],
            "lat": lat.round(6),
            "lon": lon.round(6),
            "tahun_rehab": rng.integers(2019, 2026, n),
            "jenis_layanan": "rawat_jalan",
            "tingkat": rng.choice(["ringan", "sedang"], n),
            "status_pasca": rng.choice(["belum", "belum", "belum", "aktif"], n),
        }
    )
    # one client on an islet far from any road in the extract
    clients.loc[n - 1, ["lat", "lon"]] = [-8.6895, 115.2600]
    agents = pd.DataFrame(
        {
            "agen_id": ["A1", "A2", "A3"],
            "nama": ["Agen 1", "Agen 2", "Agen 3"],
            "lat": [-8.6600, -8.6560, -8.6700],
            "lon": [115.2146, 115.2200, 115.2100],
            "kapasitas": [60, 60, 60],
            "aktif": [True, True, True],
        }
    )
    c, a = d / "klien.csv", d / "agen.csv"
    clients.to_csv(c, index=False)
    agents.to_csv(a, index=False)
    return c, a


def _scenario(**roads) -> Scenario:
    return Scenario(radius_m=1500.0, roads=RoadsConfig(**roads))


@pytest.fixture(scope="module")
def results(files):
    c, a = files
    straight = analyze(BND, c, a, scenario=_scenario())
    road = analyze(BND, c, a, scenario=_scenario(distance="road", extract=str(PBF)))
    return straight, road


def test_dist_nearest_is_road_distance_and_never_shorter(results):
    straight, road = results
    s = straight.kelurahan.set_index("kode")["dist_nearest_m"]
    r = road.kelurahan.set_index("kode")["dist_nearest_m"].reindex(s.index)
    both = s.notna() & r.notna()
    assert both.sum() >= 10
    assert (r[both] >= s[both] - 1e-6).all()
    assert (r[both] > s[both] * 1.05).sum() >= 5  # roads are not straight lines
    assert road.distance.kind == "road" and straight.distance.kind == "straight"


def test_in_reach_clients_have_an_agent_within_the_road_radius(results):
    _, road = results
    cl = road.clients
    j = road.joined
    reach = cl["coverage"].eq(IN_REACH).to_numpy()
    assert reach.sum() > 0
    agents_xy = j.agents.table[["x", "y"]].to_numpy(float)
    cxy = cl[["x", "y"]].to_numpy(float)
    ai, ci, d = road.distance.pairs(agents_xy, cxy, 1500.0)
    ok = set(zip(ai.tolist(), ci.tolist(), strict=True))
    for k in np.flatnonzero(reach):
        assert (int(cl["reach_agent"].iat[k]), int(k)) in ok
    # and the road decides: some client within 1.5 km in a straight line is not in reach
    straight_reach = results[0].clients["coverage"].eq(IN_REACH).sum()
    assert reach.sum() < straight_reach


def test_points_far_from_roads_are_reported_without_client_values(results):
    _, road = results
    q = road.quality
    far = q[q["problem"].astype(str).str.contains("from any road")]
    # kelurahan of Denpasar outside the central extract and the islet client
    assert (far["file"] == "denpasar.geojson").sum() >= 10
    cl = far[far["file"] == "klien.csv"]
    assert list(cl["row"].astype(int)) == [151]
    assert cl["value"].isna().all()


def test_plan_coverage_on_roads_is_a_subset_of_straight_lines(results):
    _, road = results
    sc = road.scenario.model_copy(update={"plan": road.scenario.plan.model_copy(update={"p": 2})})
    rp = plan_recruitment(road.kelurahan, sc, backend=road.distance)
    assert len(rp.sites) <= 2
    rep = road.joined.rep_xy
    cr = build_coverage(rep, rep, 1500.0, road.distance)
    cs = build_coverage(rep, rep, 1500.0)
    assert cr.nnz < cs.nnz
    dr = cr.distance.tocoo()
    ds = cs.distance.todok()
    for i, k, v in zip(dr.row, dr.col, dr.data, strict=True):
        assert (i, k) in ds or i == k
        assert v >= ds.get((i, k), 0.0) - 1e-6
    # a candidate at its own demand point covers it at distance 0 (explicit zero stored)
    on_diag = dr.row == dr.col
    assert on_diag.sum() >= 10 and (dr.data[on_diag] == 0).all()


def test_cli_roads_option_writes_the_same_files_and_names_the_method(files, tmp_path):
    c, a = files
    out = tmp_path / "out"
    r = CliRunner().invoke(
        app,
        ["plan", "-b", str(BND), "-c", str(c), "-a", str(a), "--out", str(out), "-p", "2",
         "--roads", str(PBF), "--travel", "walk"],
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    for f in ("ranking.csv", "data_quality.csv", "results.geojson", "plan.csv", "map.html"):
        assert (out / f).stat().st_size > 0
    sc = tomllib.loads((out / "scenario.toml").read_text())
    assert sc["roads"]["distance"] == "road" and sc["roads"]["travel"] == "walk"
    assert sc["roads"]["extract"].endswith("denpasar_center.osm.pbf")
    man = json.loads((out / "results.geojson").read_text())["ibm_geo_manifest"]
    assert "road network" in man["distance_method"]
    assert "(c) OpenStreetMap contributors" in man["distance_method"]
    # the scenario file alone reproduces the road run
    again = CliRunner().invoke(
        app, ["analyze", "-b", str(BND), "-c", str(c), "-a", str(a),
              "--scenario", str(out / "scenario.toml"), "--out", str(tmp_path / "o2"), "--no-map"],
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    r1 = pd.read_csv(out / "ranking.csv", dtype=str).set_index("kode")
    r2 = pd.read_csv(tmp_path / "o2" / "ranking.csv", dtype=str).set_index("kode")
    pd.testing.assert_series_equal(r1["score"], r2["score"].reindex(r1.index))


def test_cli_bad_extract_is_one_line_exit_2(files, tmp_path):
    c, a = files
    bad = tmp_path / "broken.osm.pbf"
    bad.write_bytes(b"\x00\x01not osm")
    r = CliRunner().invoke(
        app, ["analyze", "-b", str(BND), "-c", str(c), "--roads", str(bad), "--out", str(tmp_path)]
    )
    assert r.exit_code == 2
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and "broken.osm.pbf" in lines[0]


def test_pilot_comparison_spacing_uses_road_reach(results):
    """Comparison villages must lie beyond the pilots' reach; along the roads fewer units are
    within reach, so at least every straight-line candidate stays available."""
    from ibm_geo.plan.pilots import _beyond_reach

    _, road = results
    kel = road.kelurahan
    central = np.flatnonzero(kel["dist_nearest_m"].notna().to_numpy())[:3].tolist()
    sc = road.scenario
    b_s = _beyond_reach(kel, central, sc)
    b_r = _beyond_reach(kel, central, sc, road.distance)
    assert (b_r >= b_s).all()
    assert b_r.sum() > b_s.sum()


def test_maps_credit_osm_and_escape_the_extract_name(results, tmp_path):
    """Print map draws the roads; every map names the method with the ODbL credit; the
    extract's file name (user-supplied) reaches the HTML map escaped."""
    from dataclasses import replace

    from ibm_geo.publish import publish
    from ibm_geo.render import build_html_map, render_static_map
    from ibm_geo.render.basemap import build_basemap
    from ibm_geo.render.static_map import _roads_note

    _, road = results
    net = road.distance.graph.network
    lines = net.lines(net.bbox())
    assert len(lines) == net.n_ways and lines.crs.to_epsg() == 4326
    assert len(net.lines(net.bbox(), max_ways=100)) < 200  # main roads only
    bm = build_basemap(road.kelurahan, lines)
    assert bm.roads is not None and len(bm.roads) > 1000
    pub = publish(road, roads=lines)
    assert pub.context.roads is lines
    png = render_static_map(pub, basemap=bm)
    assert png[:4] == b"\x89PNG" and len(png) > 20_000
    (tmp_path / "roads_map.png").write_bytes(png)
    assert "(c) OpenStreetMap contributors" in _roads_note(road.scenario, "id")
    assert _roads_note(Scenario(), "id") == ""
    evil = road.scenario.model_copy(
        update={
            "roads": road.scenario.roads.model_copy(
                update={"extract": "<img src=x onerror=alert(1)>.osm.pbf"}
            )
        }
    )
    page = build_html_map(publish(replace(road, scenario=evil))).decode()
    assert "OpenStreetMap contributors" in page
    # the source line is inserted by Leaflet as HTML: it must arrive as text (&lt;img ...)
    assert "\\u0026lt;img src=x onerror" in page
    assert "\\u003cimg src=x onerror" not in page


def test_html_map_draws_each_agent_kelurahan_service_area(results):
    """With road travel the agent layer outlines the area reached along the roads (no fill,
    its own legend row, OSM credit); with straight lines it keeps the radius circle."""
    from ibm_geo.publish import publish
    from ibm_geo.render import build_html_map

    straight, road = results
    pub = publish(road)
    assert pub.distance is road.distance  # the reach outlines need the analysis' road graph
    page = build_html_map(pub).decode()
    data = json.loads(page.split('id="ibm-data">')[1].split("</script>")[0])
    areas = [a.get("area") for a in data["agents"]]
    assert areas and all(a for a in areas)  # every agent kelurahan got an outline
    assert "Garis = terjangkau lewat jalan dalam 1,5 km" in data["text"]["legend_area"]
    assert "OpenStreetMap contributors" in data["text"]["source"]
    plain = build_html_map(publish(straight)).decode()
    assert '"area"' not in plain
