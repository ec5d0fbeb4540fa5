"""Reading an OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2) into a compact road network.

pyosmium (libosmium) parses the file and resolves node locations in C++; only ways that the travel
profile can use reach Python, and of those only the tags routing needs. Nothing is downloaded.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from pathlib import Path

import numpy as np

from ..errors import UserError
from ..io import limits
from ..io.guard import check_special, guarded
from .network import RoadNetwork
from .profiles import get_profile

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")
_KEEP_TAGS = (
    "highway",
    "route",
    "oneway",
    "oneway:motorcycle",
    "junction",
    "access",
    "motorcycle",
    "motor_vehicle",
    "vehicle",
    "foot",
    "duration",
    "name",
)


def _duration_s(text: str | None) -> float:
    """OSM ``duration`` ("HH:MM", "HH:MM:SS" or minutes) in seconds; NaN when unusable."""
    if not text:
        return float("nan")
    try:
        parts = [float(p) for p in text.strip().split(":")]
    except ValueError:
        return float("nan")
    if len(parts) == 1:
        return parts[0] * 60.0
    if len(parts) == 2:
        return parts[0] * 3600.0 + parts[1] * 60.0
    if len(parts) == 3:
        return parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]
    return float("nan")


def _hex_lonlat(nodes) -> str:
    """A way's lon/lat as hex doubles (native order, like libosmium's WKB), NaN where a node has
    no location."""
    out = array("d")
    for nd in nodes:
        loc = nd.location
        out.extend((loc.lon, loc.lat) if loc.valid() else (float("nan"), float("nan")))
    return out.tobytes().hex()


def _suffix_ok(name: str) -> bool:
    low = name.lower()
    return any(low.endswith(s) for s in SUFFIXES)


def read_osm(
    source: str | Path | bytes, profile: str = "motor", *, name: str | None = None
) -> RoadNetwork:
    """The routable road network of ``profile`` in an OSM extract (path or uploaded bytes).

    Raises ``UserError`` (``roads.*``) when the file is not an OSM extract or has no way the
    profile can use.
    """
    if isinstance(source, bytes):
        fname = name or "roads.osm.pbf"
        suffix = next((s for s in SUFFIXES if fname.lower().endswith(s)), ".osm.pbf")
        fd, tmp = tempfile.mkstemp(suffix=suffix)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(source)
            return read_osm(tmp, profile, name=fname)
        finally:
            os.unlink(tmp)
    path = Path(source)
    fname = name or path.name
    if not _suffix_ok(path.name):
        raise UserError("roads.format", file=fname, suffixes=", ".join(SUFFIXES))
    if not os.path.lexists(path):
        raise UserError("roads.unreadable", file=fname, detail="file not found")

    check_special(path, fname)  # a FIFO would block libosmium forever
    limits.check_source_size(path, fname)
    limits.check_stream(path, fname)  # a .bz2/.gz bomb, before libosmium inflates it
    return guarded(_read, path, get_profile(profile), fname, fname=fname)


def _read(path: Path, prof, fname: str) -> RoadNetwork:
    import osmium

    refs = array("q")
    coords: list[str] = []  # per way: its coordinates as hex doubles (lon, lat, lon, ...)
    way_ptr = array("q", [0])
    fwd = array("b")
    bwd = array("b")
    speed = array("d")
    ferry = array("b")
    ferry_s = array("d")
    hclass: list[str] = []
    wnames: list[str | None] = []
    seen_highway = 0
    wkb = osmium.geom.WKBFactory().create_linestring
    every_node = osmium.geom.ALL
    try:
        store = osmium.index.create_map("flex_mem")
        if not path.name.lower().endswith(".pbf"):
            # OSM XML (e.g. from Overpass) may list ways before their nodes: locate nodes first
            for _ in (
                osmium.FileProcessor(str(path), osmium.osm.NODE)
                .with_locations(store)
                .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            ):
                pass
        fp = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations(store)
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway", "route"))
        )
        # the hot loop: node ids in one comprehension, coordinates in one C++ call per way
        # (a WKB linestring without its 9-byte header is the way's lon/lat doubles), tags read
        # in place (no dict per way)
        for w in fp:
            tg = w.tags
            hw = tg.get("highway")
            if hw is not None:
                seen_highway += 1
            rule = prof.rule(tg)
            nodes = w.nodes
            if rule is None or len(nodes) < 2:
                continue
            refs.extend([nd.ref for nd in nodes])
            try:
                coords.append(wkb(nodes, every_node)[18:])
            except osmium.InvalidLocationError:  # a clipped extract: some nodes not in it
                coords.append(_hex_lonlat(nodes))
            way_ptr.append(len(refs))
            fwd.append(rule.forward)
            bwd.append(rule.backward)
            speed.append(rule.speed_kmh)
            ferry.append(rule.ferry)
            ferry_s.append(_duration_s(tg.get("duration")) if rule.ferry else float("nan"))
            hclass.append("ferry" if rule.ferry else (hw or ""))
            wnames.append(tg.get("name"))
    except RuntimeError as e:  # libosmium: format or decompression errors
        raise UserError("roads.unreadable", file=fname, detail=str(e).splitlines()[0][:200]) from e
    if len(way_ptr) == 1:
        raise UserError("roads.no_ways", file=fname, travel=prof.name, n_highway=seen_highway)
    ways = (way_ptr, fwd, bwd, speed, ferry, ferry_s, hclass, wnames)
    return _network(refs, coords, ways, prof, fname)


def _network(refs: array, coords: list[str], ways: tuple, prof, fname: str) -> RoadNetwork:
    """The ways read (node ids, hex coordinates, per-way attributes) as a network: nodes
    without a location (a clipped extract) cut their way there."""
    way_ptr, fwd, bwd, speed, ferry, ferry_s, hclass, wnames = ways
    ref_arr = np.frombuffer(refs, dtype=np.int64)
    lonlat = np.frombuffer(bytes.fromhex("".join(coords)), dtype=np.float64).reshape(-1, 2)
    # nodes missing from a clipped extract have no location: their way is cut there
    valid = np.isfinite(lonlat).all(axis=1)
    ptr = np.frombuffer(way_ptr, dtype=np.int64)
    located = np.add.reduceat(valid.astype(np.int64), ptr[:-1]) if len(valid) else ptr[:0]
    if not (located >= 2).any():
        # ways without their nodes (an export of ways only): every distance would be null
        # while the manifest said "road"
        raise UserError("roads.no_locations", file=fname, n_ways=f"{len(ptr) - 1:,}")
    broken = int((~valid).sum())
    node_ids, first, inverse = np.unique(ref_arr[valid], return_index=True, return_inverse=True)
    way_nodes = np.full(len(ref_arr), -1, dtype=np.int64)
    way_nodes[valid] = inverse
    return RoadNetwork.from_ways(
        node_osm_id=node_ids,
        lon=lonlat[valid, 0][first],
        lat=lonlat[valid, 1][first],
        way_nodes=way_nodes,
        way_ptr=np.frombuffer(way_ptr, dtype=np.int64),
        forward=np.frombuffer(fwd, dtype=np.int8).astype(bool),
        backward=np.frombuffer(bwd, dtype=np.int8).astype(bool),
        speed_kmh=np.frombuffer(speed, dtype=np.float64),
        ferry=np.frombuffer(ferry, dtype=np.int8).astype(bool),
        ferry_duration_s=np.frombuffer(ferry_s, dtype=np.float64),
        highway=np.asarray(hclass, dtype=object),
        way_name=np.asarray(wnames, dtype=object),
        profile=prof.name,
        source=fname,
        missing_nodes=broken,
    )
