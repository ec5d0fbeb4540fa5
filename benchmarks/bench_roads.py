"""Road-network benchmark at province size (figures printed; not a test).

Run:  IBM_GEO_SHARED_DATA=/work/shared/data .venv/bin/python benchmarks/bench_roads.py

A synthetic road network over Bali's extent (1,000 x 1,000 junctions, 1,000,000 nodes, about
2,000,000 road segments, highway classes primary/secondary/residential, one-way streets, gaps) is
written as a real .osm.pbf with pyosmium in a child process (not timed, not in the peak). Then:
* read + graph build: ``read_osm`` (pyosmium) + ``RoadNetwork.graph`` (projection, CSR);
* matrix: the bounded (3 km road distance) travel matrix from all 716 candidate sites (Bali's
  kelurahan/desa representative points) to the 716 units, and from 100 agents to 5,000 clients,
  snapping included;
* peers on the same graph and sources: networkx bounded Dijkstra (``cutoff``) on a sample of
  sources, scaled up; pandana when it is installed.
The last line is machine-readable.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_SIDE = 1000
BBOX = (114.43, -8.85, 115.71, -8.06)  # Bali
RADIUS = 3000.0
SAMPLE = 24


def write_pbf(path: str) -> None:
    """The synthetic network as .osm.pbf (pyosmium SimpleWriter), nodes before ways."""
    import osmium
    from osmium.osm.mutable import Node, Way

    rng = np.random.default_rng(2026)
    x0, y0, x1, y1 = BBOX
    lon = np.linspace(x0, x1, N_SIDE)
    lat = np.linspace(y0, y1, N_SIDE)
    jit = 0.25 * (lon[1] - lon[0])
    w = osmium.SimpleWriter(path, overwrite=True)
    nid = lambda r, c: 1 + r * N_SIDE + c  # noqa: E731
    for r in range(N_SIDE):
        jx = rng.uniform(-jit, jit, N_SIDE)
        jy = rng.uniform(-jit, jit, N_SIDE)
        for c in range(N_SIDE):
            w.add_node(Node(id=nid(r, c), location=(lon[c] + jx[c], lat[r] + jy[c])))
    wid = 1
    chunk = 10
    for horizontal in (True, False):
        for line in range(N_SIDE):
            cls = "primary" if line % 50 == 0 else "secondary" if line % 10 == 0 else "residential"
            for s in range(0, N_SIDE - 1, chunk):
                if cls == "residential" and rng.random() < 0.03:
                    continue  # a missing street: the grid is not perfect
                ids = [
                    nid(line, c) if horizontal else nid(c, line)
                    for c in range(s, min(s + chunk, N_SIDE - 1) + 1)
                ]
                tags = {"highway": cls}
                if cls == "residential" and line % 7 == 3:
                    tags["oneway"] = "yes" if line % 2 else "-1"
                w.add_way(Way(id=wid, nodes=ids, tags=tags))
                wid += 1
    w.close()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--write":
        write_pbf(sys.argv[2])
        return
    import geopandas as gpd

    from ibm_geo.distance import RoadDistance
    from ibm_geo.plan import build_coverage
    from ibm_geo.roads import read_osm

    base = Path(os.environ.get("IBM_GEO_SHARED_DATA", "../shared/data"))
    tmp = tempfile.mkdtemp(prefix="bench_roads_")
    pbf = os.path.join(tmp, "synthetic_bali.osm.pbf")
    t = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--write", pbf], check=True)
    print(f"wrote {pbf}: {os.path.getsize(pbf) / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")

    units = gpd.read_file(base / "boundaries" / "bali.geojson")
    crs = "EPSG:32750"
    rep = units.geometry.representative_point().to_crs(crs)
    unit_xy = np.column_stack([rep.x.to_numpy(), rep.y.to_numpy()])
    rng = np.random.default_rng(1)
    pick = rng.integers(0, len(unit_xy), 5000)
    client_xy = unit_xy[pick] + rng.normal(0, 800, (5000, 2))
    agent_xy = unit_xy[rng.choice(len(unit_xy), 100, replace=False)] + rng.normal(0, 300, (100, 2))
    print(f"{len(unit_xy)} units, {len(client_xy)} clients, {len(agent_xy)} agents")

    t = time.perf_counter()
    net = read_osm(pbf, "motor")
    t_read = time.perf_counter() - t
    graph = net.graph(crs)
    load_s = time.perf_counter() - t
    print(
        f"read {t_read:.2f} s + build {load_s - t_read:.2f} s = {load_s:.2f} s: "
        f"{net.n_nodes:,} nodes, {net.n_ways:,} ways, {graph.n_edges:,} directed edges"
    )

    backend = RoadDistance(graph)
    t = time.perf_counter()
    cov = build_coverage(unit_xy, unit_xy, RADIUS, backend)
    t_cov = time.perf_counter() - t
    ai, ci, ad = backend.pairs(agent_xy, client_xy, RADIUS)
    matrix_s = time.perf_counter() - t
    peak = _peak_mb()
    print(
        f"matrix {matrix_s:.2f} s: candidates->units {t_cov:.2f} s ({cov.nnz:,} pairs within "
        f"{RADIUS / 1000:g} km by road), agents->clients {matrix_s - t_cov:.2f} s "
        f"({len(ai):,} pairs); peak RSS so far {peak:.0f} MB"
    )
    straight = build_coverage(unit_xy, unit_xy, RADIUS)
    print(f"  straight-line pairs within {RADIUS / 1000:g} km: {straight.nnz:,}")

    # -- networkx: same graph, same sources (their snapped road node), bounded by the radius ----
    import networkx as nx

    t = time.perf_counter()
    g = graph.csr("length").tocoo()
    G = nx.DiGraph()
    G.add_weighted_edges_from(zip(g.row.tolist(), g.col.tolist(), g.data.tolist(), strict=True))
    nx_build = time.perf_counter() - t
    snap = graph.snap(unit_xy)
    src_nodes = graph.seg_a[snap.seg]
    sample = rng.choice(len(unit_xy), SAMPLE, replace=False)
    t = time.perf_counter()
    reached = 0
    for s in sample:
        reached += len(nx.single_source_dijkstra_path_length(G, int(src_nodes[s]), cutoff=RADIUS))
    nx_per = (time.perf_counter() - t) / SAMPLE
    n_sources = len(unit_xy) + len(agent_xy)
    nx_s = nx_per * n_sources
    ratio = nx_s / matrix_s
    print(
        f"networkx: graph {nx_build:.1f} s; bounded Dijkstra {nx_per * 1000:.1f} ms/source "
        f"({reached / SAMPLE:,.0f} nodes reached each), scaled to {n_sources} sources: "
        f"{nx_s:.1f} s -> ibm_geo {ratio:.0f}x faster"
    )
    del G
    try:
        import pandana
        import pandas as pd
    except ImportError:
        pandana = None
        print("pandana: not installed (pip install pandana)")
    if pandana is not None:
        all_nodes = np.concatenate([src_nodes, graph.seg_a[graph.snap(agent_xy).seg]])
        t = time.perf_counter()
        pnet = pandana.Network(
            pd.Series(graph.x),
            pd.Series(graph.y),
            pd.Series(g.row),
            pd.Series(g.col),
            pd.DataFrame({"length": g.data}),
            twoway=False,
        )
        p_build = time.perf_counter() - t
        t = time.perf_counter()
        res = pnet.nodes_in_range(all_nodes.tolist(), RADIUS)
        p_query = time.perf_counter() - t
        print(
            f"pandana {pandana.__version__}: contraction hierarchy {p_build:.1f} s, "
            f"nodes_in_range from {len(all_nodes)} source nodes {p_query:.2f} s "
            f"({len(res):,} node pairs; road nodes only, no snapping)"
        )
    print(
        f"roads_load_s={load_s:.2f} roads_matrix_s={matrix_s:.2f} vs_networkx={ratio:.1f} "
        f"roads_peak_mb={peak:.0f}"
    )


if __name__ == "__main__":
    main()
