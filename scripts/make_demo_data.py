"""Regenerate the bundled demo data (``data/boundaries``, ``data/clients``).

    python scripts/make_demo_data.py                  # from the shared Bali layer if available
    python scripts/make_demo_data.py --from-centroids # from the committed centroid CSV only

Only names, codes and centroids are taken from the official layer; see ``ibm_geo.demo``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ibm_geo import demo  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", type=Path, default=None, help="output data dir (default: repo data/)")
    ap.add_argument(
        "--from-centroids",
        action="store_true",
        help="use data/boundaries/bali_selatan_centroids.csv (default when shared data is missing)",
    )
    ap.add_argument("--shared", type=Path, default=None, help="path to the official bali.geojson")
    args = ap.parse_args(argv)

    centroids = None
    shared = args.shared or demo.shared_bali_path()
    if not args.from_centroids and shared is not None and Path(shared).exists():
        import geopandas as gpd

        centroids = demo.centroids_from_boundaries(gpd.read_file(shared))
        print(f"centroids from {shared} ({len(centroids)} units)")
    else:
        print("centroids from the committed CSV")
    paths = demo.write_demo_files(args.out, centroids)
    for key, path in paths.items():
        print(f"{key:15s} {path}  {path.stat().st_size / 1024:.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
