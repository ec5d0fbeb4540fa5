"""Build ``ibm_geo/assets/provinces.geojson.gz``: simplified province outlines of Indonesia for
the print map's locator inset, so the inset shows the mapped area inside its province and its
neighbours even when only one kota was loaded.

Source: the village polygons of cahyadsn/wilayah_boundaries (MIT, the same source and commit as
the gazetteer), dissolved by the first two digits of the Kemendagri code. Run:
``IBM_GEO_SHARED_DATA=../shared/data .venv/bin/python scripts/build_provinces.py``.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import geopandas as gpd
import shapely

from ibm_geo.regions import PROVINCES

#: ~500 m snapping grid for the union, ~2 km simplification, islands under ~25 km2 dropped:
#: an inset of 1.5 inches shows a province at a few hundred metres per point at best
GRID_DEG, SIMPLIFY_DEG, MIN_AREA_DEG2 = 0.005, 0.02, 0.002

OUT = Path(__file__).resolve().parents[1] / "ibm_geo" / "assets" / "provinces.geojson.gz"


def main() -> int:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    if not root:
        print("set IBM_GEO_SHARED_DATA", file=sys.stderr)
        return 2
    g = gpd.read_parquet(Path(root, "boundaries", "indonesia_simplified.parquet"))
    g = g.to_crs(4326)
    g["prov"] = g["kode"].str[:2]
    feats = []
    for code, part in g.groupby("prov", sort=True):
        geom = shapely.union_all(shapely.make_valid(part.geometry.to_numpy()), grid_size=GRID_DEG)
        polys = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon"]
        polys = [shapely.Polygon(p.exterior) for p in polys if p.area >= MIN_AREA_DEG2]
        if not polys:
            continue
        simple = shapely.simplify(shapely.MultiPolygon(polys), SIMPLIFY_DEG)
        simple = shapely.set_precision(simple, 0.001)
        feats.append(
            {
                "type": "Feature",
                "properties": {"kode": code, "provinsi": PROVINCES.get(code, code)},
                "geometry": shapely.geometry.mapping(simple),
            }
        )
        print(code, PROVINCES.get(code, code), len(polys), file=sys.stderr)
    fc = {"type": "FeatureCollection", "features": feats}
    data = json.dumps(fc, separators=(",", ":")).encode()
    OUT.write_bytes(gzip.compress(data, 9, mtime=0))
    print(f"{len(feats)} provinces, {len(data) / 1e3:.0f} kB, gz {OUT.stat().st_size / 1e3:.0f} kB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
