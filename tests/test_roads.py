"""Road-network travel on the real central-Denpasar OSM extract (shared data; skipped without it).

Expected distances are worked out here from the raw OSM XML with ElementTree and pyproj.Geod,
independently of the pyosmium reader and the routing code under test.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pyproj
import pytest

from ibm_geo.errors import UserError
from ibm_geo.roads import read_osm

SHARED = Path(os.environ.get("IBM_GEO_SHARED_DATA", "/nonexistent"))
PBF = SHARED / "roads" / "denpasar_center.osm.pbf"
XML = SHARED / "roads" / "denpasar_center.osm.xml"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not PBF.exists(), reason="shared road extract not available"),
]
UTM50S = "EPSG:32750"  # ibm_geo.crs.local_utm_crs of Denpasar
_TR = pyproj.Transformer.from_crs(4326, UTM50S, always_xy=True)
_GEOD = pyproj.Geod(ellps="WGS84")

# named junctions (OSM node ids)
GM_KARTINI = "273828104"  # Jl. Gajah Mada x Jl. Kartini x Jl. Pulau Sulawesi
GM_SUMATERA = "273828103"  # Jl. Gajah Mada x Jl. Sumatera x Jl. Werkudara
GM_UDAYANA = "273815523"  # Jl. Gajah Mada x Jl. Udayana


@pytest.fixture(scope="module")
def raw():
    root = ET.parse(XML).getroot()
    nodes = {n.get("id"): (float(n.get("lon")), float(n.get("lat"))) for n in root.iter("node")}
    ways = {}
    for w in root.iter("way"):
        tags = {t.get("k"): t.get("v") for t in w.iter("tag")}
        ways[w.get("id")] = (tags, [nd.get("ref") for nd in w.iter("nd")])
    return nodes, ways


@pytest.fixture(scope="module")
def motor():
    return read_osm(PBF, "motor").graph(UTM50S)


@pytest.fixture(scope="module")
def walk():
    return read_osm(PBF, "walk").graph(UTM50S)


def xy(*lonlat) -> np.ndarray:
    a = np.asarray(lonlat, dtype=float).reshape(-1, 2)
    return np.column_stack(_TR.transform(a[:, 0], a[:, 1]))


def polyline(raw, way_id: str, start: str, end: str) -> tuple[float, float]:
    """(UTM metres, geodesic metres) along a way from node ``start`` to node ``end``."""
    nodes, ways = raw
    refs = ways[way_id][1]
    i, j = refs.index(start), refs.index(end)
    seq = refs[min(i, j) : max(i, j) + 1]
    ll = np.array([nodes[r] for r in seq])
    p = xy(*ll)
    utm = float(np.hypot(*np.diff(p, axis=0).T).sum())
    geo = float(_GEOD.line_length(ll[:, 0], ll[:, 1]))
    return utm, geo


def route(g, a, b, limit=50_000.0, metric="length") -> float:
    """Travel cost from point a to point b (inf when unreachable within the limit)."""
    i, j, c, _ = g.pairs_within(xy(a), xy(b), limit, metric=metric)
    return float(c[0]) if len(c) else np.inf


def test_pbf_and_xml_give_the_same_network():
    a = read_osm(PBF, "motor")
    b = read_osm(XML, "motor")
    assert a.n_nodes == b.n_nodes == 7293
    assert a.n_ways == b.n_ways
    np.testing.assert_array_equal(a.node_osm_id, b.node_osm_id)
    np.testing.assert_allclose(a.lon, b.lon, atol=1e-7)
    # footways and paths are kept for motorbikes only when tagged motorcycle=yes etc.
    w = read_osm(PBF, "walk")
    assert w.n_ways > a.n_ways
    assert (w.highway == "footway").sum() > (a.highway == "footway").sum()
    assert "path" in set(w.highway) and "path" not in set(a.highway)


def test_two_way_street_between_named_junctions_is_its_polyline(raw, motor):
    """Jl. Gajah Mada from Jl. Sumatera to Jl. Udayana (way 316162719, two-way, 7 nodes)."""
    nodes, _ = raw
    utm, geo = polyline(raw, "316162719", GM_SUMATERA, GM_UDAYANA)
    assert geo == pytest.approx(205.36, abs=0.05)  # worked out once with pyproj.Geod
    assert utm == pytest.approx(geo, rel=2e-4)  # UTM 50S scale at 115.2 E: about 1.0001
    there = route(motor, nodes[GM_SUMATERA], nodes[GM_UDAYANA])
    back = route(motor, nodes[GM_UDAYANA], nodes[GM_SUMATERA])
    assert there == pytest.approx(utm, abs=0.01)
    assert back == pytest.approx(utm, abs=0.01)


def test_one_way_street(raw, motor, walk):
    """Jl. Gajah Mada is one-way eastbound from Jl. Kartini to Jl. Sumatera (way 159638715)."""
    nodes, ways = raw
    assert ways["159638715"][0]["oneway"] == "yes"
    utm, _ = polyline(raw, "159638715", GM_KARTINI, GM_SUMATERA)
    a, b = nodes[GM_KARTINI], nodes[GM_SUMATERA]
    assert route(motor, a, b) == pytest.approx(utm, abs=0.01)
    against = route(motor, b, a)
    assert against > utm + 100  # a motorbike must go round the block
    # on foot the one-way does not apply
    assert route(walk, b, a) == pytest.approx(utm, abs=0.01)


def test_across_the_badung_river(motor):
    """Two points 286 m apart on either side of Tukad Badung, between the Jl. Hasanudin and
    Jl. Pulau Buru bridges: every route crosses a bridge, so it is at least as long as the
    straight line through the nearest bridge, and several times the straight line."""
    west, east = (115.2120, -8.6600), (115.2146, -8.6600)
    straight = float(np.hypot(*(xy(west) - xy(east))[0]))
    assert straight == pytest.approx(286.2, abs=0.5)
    bridges = xy((115.2131, -8.6586), (115.21336, -8.66136), (115.21236, -8.65535))
    via = min(float(np.hypot(*(xy(west)[0] - b)) + np.hypot(*(b - xy(east)[0]))) for b in bridges)
    for a, b in ((west, east), (east, west)):
        d = route(motor, a, b)
        assert d >= via
        assert d > 2.5 * straight


def test_disconnected_piece_is_unreachable_not_a_neighbour(motor, walk):
    """A residential piece near Jl. Gunung Agung (10 nodes) whose link to the rest lies outside
    the extract: no route reaches it, however close it is in a straight line."""
    piece = (115.20630, -8.65201)
    snap = motor.snap(xy(piece))
    assert snap.dist[0] < 30
    # nearest point of the main network
    comp = motor.components()
    seg = snap.seg[0]
    assert comp[motor.seg_a[seg]] != np.bincount(comp).argmax()
    main = np.flatnonzero(comp == np.bincount(comp).argmax())
    d2 = np.hypot(motor.x[main] - xy(piece)[0, 0], motor.y[main] - xy(piece)[0, 1])
    k = main[d2.argmin()]
    net = motor.network  # graph node k is network node net_node[k]
    near_main = (float(net.lon[motor.net_node[k]]), float(net.lat[motor.net_node[k]]))
    assert d2.min() < 300
    assert route(motor, near_main, piece) == np.inf
    assert route(motor, piece, near_main) == np.inf
    assert np.isnan(motor.nearest(xy(near_main), xy(piece))[0])
    assert route(walk, near_main, piece) == np.inf
    # inside the piece, routing works as anywhere else
    inside = motor.seg_b[seg]
    there = (float(motor.x[inside]), float(motor.y[inside]))
    i, _, c, _ = motor.pairs_within(xy(piece), np.array([there]), 1000.0)
    assert len(i) == 1 and c[0] < 300
    # the service area of a point on the piece stays on the piece
    area_main, area_piece = motor.service_areas(np.vstack([xy(near_main), xy(piece)]), 1000.0)
    assert area_piece.area < 0.1 * area_main.area  # 10 nodes of road, not 1 km all round


def test_service_area_outline_stays_within_reach(motor):
    """Every point of the outline lies within limit + buffer of the source in a straight line
    (no route is shorter), the source is inside, and a travel-time area follows the speeds."""
    import shapely

    a = (115.2149769, -8.6556967)  # Gajah Mada x Sumatera
    p = xy(a)
    (area,) = motor.service_areas(p, 1000.0, buffer_m=100.0)
    assert area.contains(shapely.Point(p[0]))
    ring = shapely.get_coordinates(area)
    assert np.hypot(*(ring - p[0]).T).max() <= 1000.0 + 100.0 + 1e-6
    # 1000 m by road reaches less than the straight-line 1000 m disk (plus the buffer)
    assert area.area < np.pi * 1100.0**2
    # 90 s on a sepeda motor (<= 40 km/h here: 1,000 m at most) stays within the same bound
    (quick,) = motor.service_areas(p, 90.0, metric="time", buffer_m=100.0)
    assert np.hypot(*(shapely.get_coordinates(quick) - p[0]).T).max() <= 1000.0 + 100.0 + 1e-6


def test_road_distance_never_below_straight_line(motor):
    rng = np.random.default_rng(7)
    pts = xy(*np.column_stack([rng.uniform(115.205, 115.23, 200), rng.uniform(-8.675, -8.65, 200)]))
    i, j, c, length = motor.pairs_within(pts[:40], pts, 3000.0)
    assert len(i) > 2000
    straight = np.hypot(*(pts[i] - pts[j]).T)
    assert (c >= straight - 1e-6).all()
    np.testing.assert_allclose(c, length)
    # the bound on the search box loses nothing: a generous limit finds a superset
    i2, j2, c2, _ = motor.pairs_within(pts[:40], pts, 6000.0)
    within = c2 <= 3000.0
    assert set(zip(i2[within].tolist(), j2[within].tolist(), strict=True)) == set(
        zip(i.tolist(), j.tolist(), strict=True)
    )


def test_agrees_with_networkx_on_the_same_graph(motor):
    nx = pytest.importorskip("networkx")
    g = motor.csr("length").tocoo()
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(g.row.tolist(), g.col.tolist(), g.data.tolist(), strict=True))
    rng = np.random.default_rng(3)
    nodes = rng.choice(motor.n, 120, replace=False)
    pts = np.column_stack([motor.x[nodes], motor.y[nodes]])
    limit = 2500.0
    i, j, c, _ = motor.pairs_within(pts[:15], pts, limit)
    got = {(a, b): v for a, b, v in zip(i.tolist(), j.tolist(), c.tolist(), strict=True)}
    n_pairs = 0
    for a in range(15):
        ref = nx.single_source_dijkstra_path_length(G, int(nodes[a]), cutoff=limit)
        for b in range(len(nodes)):
            want = ref.get(int(nodes[b]))
            if want is None:
                assert (a, b) not in got
            else:
                n_pairs += 1
                assert got[(a, b)] == pytest.approx(want, abs=1e-6)
    assert n_pairs > 300
    # nearest of several sources = networkx multi-source Dijkstra
    near = motor.nearest(pts[:5], pts)
    ref = nx.multi_source_dijkstra_path_length(G, {int(n) for n in nodes[:5]})
    want = np.array([ref.get(int(n), np.nan) for n in nodes])
    np.testing.assert_allclose(near, want, atol=1e-6)


def test_time_threshold_and_walk_speed(motor, walk):
    a, b = (115.2149769, -8.6556967), (115.2168243, -8.6559563)  # Sumatera -> Udayana
    d = route(walk, a, b)
    t = route(walk, a, b, limit=3600, metric="time")
    assert t == pytest.approx(d / (4.5 / 3.6), rel=1e-9)
    # primary road at 40 km/h on a sepeda motor
    assert route(motor, a, b, limit=3600, metric="time") == pytest.approx(d / (40 / 3.6))


def test_errors_are_user_errors(tmp_path):
    bad = tmp_path / "roads.osm.pbf"
    bad.write_bytes(b"this is not a pbf")
    with pytest.raises(UserError) as e:
        read_osm(bad)
    assert e.value.code == "roads.unreadable" and "roads.osm.pbf" in str(e.value)
    with pytest.raises(UserError) as e:
        read_osm(tmp_path / "roads.csv")
    assert e.value.code == "roads.format"
    empty = tmp_path / "empty.osm"
    empty.write_text('<?xml version="1.0"?><osm version="0.6"></osm>')
    with pytest.raises(UserError) as e:
        read_osm(empty)
    assert e.value.code == "roads.no_ways"
    assert "empty.osm" in e.value.message("id") and "motor" in e.value.message("id")


def test_snapping_is_exact_against_shapely(motor):
    """The grid of segment pieces (and, for points kilometres from any road, the KD-tree behind
    it) finds the same nearest distance as shapely's STRtree."""
    import shapely

    rng = np.random.default_rng(5)
    pts = xy(*np.column_stack([rng.uniform(115.19, 115.245, 400), rng.uniform(-8.69, -8.63, 400)]))
    # out at sea and inland beyond the extract: 15-31 km from the nearest road
    far = xy((115.30, -8.80), (115.10, -8.50), (115.217, -8.95), (115.50, -8.66))
    pts = np.vstack([pts, far])
    snap = motor.snap(pts)
    np.testing.assert_allclose(snap.dist[-4:], [15_668, 19_186, 30_143, 28_803], atol=1)
    assert motor._snap_tree is not None  # the far points went to the KD-tree
    lines = shapely.linestrings(
        np.column_stack(
            [motor.x[motor.seg_a], motor.y[motor.seg_a], motor.x[motor.seg_b], motor.y[motor.seg_b]]
        ).reshape(-1, 2, 2)
    )
    _, d = shapely.STRtree(lines).query_nearest(
        shapely.points(pts), all_matches=False, return_distance=True
    )
    np.testing.assert_allclose(snap.dist, d, atol=1e-6)
    # the snapped position lies on the chosen segment at that distance
    px = motor.x[motor.seg_a[snap.seg]] + snap.frac * (
        motor.x[motor.seg_b[snap.seg]] - motor.x[motor.seg_a[snap.seg]]
    )
    py = motor.y[motor.seg_a[snap.seg]] + snap.frac * (
        motor.y[motor.seg_b[snap.seg]] - motor.y[motor.seg_a[snap.seg]]
    )
    np.testing.assert_allclose(np.hypot(px - pts[:, 0], py - pts[:, 1]), d, atol=1e-6)


def test_snap_grid_settles_within_its_rings_or_leaves_the_point():
    """The compiled grid search against brute force over every segment: a point whose nearest
    segment can lie beyond the rings searched is left unsettled (-1), never snapped wrongly."""
    from ibm_geo.roads.snapping import build_grid, snap_points

    rng = np.random.default_rng(12)
    # 300 segments of 5-600 m in a 4 x 4 km square, some of them points (a = b)
    x = rng.uniform(0, 4000, 600)
    y = rng.uniform(0, 4000, 600)
    a = np.arange(0, 600, 2)
    b = a + 1
    ang = rng.uniform(0, 2 * np.pi, 300)
    ln = np.where(rng.random(300) < 0.05, 0.0, rng.uniform(5, 600, 300))
    x[b], y[b] = x[a] + ln * np.cos(ang), y[a] + ln * np.sin(ang)
    g = build_grid(x, y, a, b, 100.0)
    assert g.half <= 50.0 + 1e-5
    px = rng.uniform(-3000, 7000, 2000)
    py = rng.uniform(-3000, 7000, 2000)
    ax, ay, dx, dy = x[a], y[a], x[b] - x[a], y[b] - y[a]
    ll = dx * dx + dy * dy
    t = np.clip(((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / np.where(ll > 0, ll, 1), 0, 1)
    d = np.hypot(px[:, None] - (ax + t * dx), py[:, None] - (ay + t * dy))
    best = d.min(axis=1)
    for rings in (2, 80):
        s, f, dist = snap_points(
            px, py, g.x0, g.y0, g.cell, g.ny, g.keys, g.ptr, g.seg, g.ends, g.half, rings
        )
        done = s >= 0
        np.testing.assert_allclose(dist[done], best[done], atol=1e-9)
        np.testing.assert_allclose(d[np.flatnonzero(done), s[done]], best[done], atol=1e-9)
        np.testing.assert_allclose(f[done], t[np.flatnonzero(done), s[done]], atol=1e-12)
        # a point settles once its nearest road plus half a piece lies inside the rings
        assert (best[~done] + g.half > rings * 100.0 - 1e-9).all()
        if rings == 2:
            assert 0 < done.sum() < 2000
        else:
            assert done.all()


def test_way_cut_where_a_node_is_missing_from_a_clipped_extract(tmp_path):
    """A way whose middle node lies outside the extract becomes two pieces, not a shortcut."""
    osm = tmp_path / "clipped.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="-8.6500" lon="115.2100"/><node id="2" lat="-8.6500" lon="115.2110"/>'
        '<node id="4" lat="-8.6500" lon="115.2130"/><node id="5" lat="-8.6500" lon="115.2140"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
        '<tag k="highway" v="residential"/></way></osm>'
    )
    net = read_osm(osm, "walk")
    assert net.n_nodes == 4 and net.missing_nodes == 1
    a, b, _ = net.segments()
    assert len(a) == 2  # 1-2 and 4-5; nothing across the gap
    g = net.graph(UTM50S)
    assert route(g, (115.2100, -8.65), (115.2140, -8.65)) == np.inf
    assert len(net.lines()) == 1  # the map draws the way without the missing node


def test_plan_solvers_with_a_travel_time_threshold(tmp_path):
    """MCLP, LSCP and p-median on a 5-minute threshold, worked out by hand.

    One straight road of 6 km: 0-3 km primary (40 km/h: 1.5 km in 135 s), 3-6 km residential
    (20 km/h: 1.5 km in 270 s). Villages (and candidate sites) at 0, 1.5, 3, 4.5 and 6 km. In
    5 min (300 s): from 3 km reach 0 (270 s), 1.5, 3 and 4.5 km (270 s), not 6 km (540 s); from
    6 km only 4.5 and 6 km. By road distance alone (3 km) the site at 3 km would reach all five.
    """
    from ibm_geo.distance import RoadDistance
    from ibm_geo.plan.coverage_matrix import build_coverage
    from ibm_geo.plan.solvers import solve_lscp, solve_mclp, solve_pmedian

    x0, y0 = _TR.transform(115.20, -8.66)
    km = np.array([0.0, 1.5, 3.0, 4.5, 6.0])
    pts = np.column_stack([x0 + 1000 * km, np.full(5, y0)])
    lon, lat = pyproj.Transformer.from_crs(UTM50S, 4326, always_xy=True).transform(*pts.T)
    nodes = "".join(
        f'<node id="{k + 1}" lat="{la:.7f}" lon="{lo:.7f}"/>'
        for k, (lo, la) in enumerate(zip(lon, lat, strict=True))
    )
    osm = tmp_path / "line.osm"
    osm.write_text(
        f'<?xml version="1.0"?><osm version="0.6">{nodes}'
        '<way id="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><tag k="highway" v="primary"/></way>'
        '<way id="2"><nd ref="3"/><nd ref="4"/><nd ref="5"/>'
        '<tag k="highway" v="residential"/></way></osm>'
    )
    graph = read_osm(osm, "motor").graph(UTM50S)
    pts = np.column_stack(_TR.transform(lon, lat))  # the points as the extract stores them
    by_time = RoadDistance(graph, max_s=300.0)
    cov = build_coverage(pts, pts, 3000.0, by_time)
    reach = cov.matrix.toarray().astype(bool).T  # candidate x village
    assert reach.tolist() == [
        [True, True, True, False, False],
        [True, True, True, False, False],
        [True, True, True, True, False],
        [False, False, True, True, True],
        [False, False, False, True, True],
    ]
    # distances stay metres along the road: site at 3 km to the village at 0 km is 3,000 m
    assert cov.distance[0, 2] == pytest.approx(3000.0, abs=0.5)
    # by road distance (3 km, + 10 m for the extract's 7-decimal coordinates) it reaches all 5
    assert build_coverage(pts, pts, 3010.0, RoadDistance(graph)).matrix[:, 2].sum() == 5

    w = np.array([1.0, 1.0, 1.0, 1.0, 3.0])  # three unserved clients in the village at 6 km
    # MCLP, p = 1: site 3 km covers 1+1+1+1 = 4, site 4.5 km 1+1+3 = 5, site 6 km 1+3 = 4
    mclp = solve_mclp(cov, w, 1)
    assert mclp.selected.tolist() == [3] and mclp.covered_after == pytest.approx(5.0)
    assert len(solve_lscp(cov, w).selected) == 2  # e.g. 3 km + 4.5 km; one site cannot
    # p-median, p = 1: unreachable demand costs the longest assignable distance (3,000 m), not
    # the 3 km radius only by chance: site 6 km = 3000 + 3000 + 3000 (unreachable) + 1500 + 0
    # = 10,500 m; site 4.5 km = 3000 + 3000 + 1500 + 0 + 3 x 1500 = 12,000; site 3 km = 3000 +
    # 1500 + 0 + 1500 + 3 x 3000 = 15,000
    pmed = solve_pmedian(build_coverage(pts, pts, 1000.0, by_time), w, 1)
    assert pmed.selected.tolist() == [4]
    assert pmed.objective == pytest.approx(10_500.0, abs=2.0)
