"""Build the gazetteer shipped in ``ibm_geo/assets/gazetteer/`` from the public code list.

Run: IBM_GEO_SHARED_DATA=/work/shared/data python scripts/build_gazetteer.py

Source: the kode/nama/kecamatan/kab_kota columns of ``boundaries/indonesia_simplified.parquet``
(cahyadsn/wilayah_boundaries, MIT, commit in ``boundaries/SOURCE_COMMIT.txt``). Only the public
code list is kept (no geometry): one row per village (kode, nama), per kecamatan and per
kab/kota; kelurahan/desa follows from the code's 5th digit and the province from its first two
digits (``ibm_geo.regions``), so neither is stored.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pandas as pd

OUT = Path(__file__).resolve().parents[1] / "ibm_geo" / "assets" / "gazetteer"


def main() -> int:
    base = Path(os.environ.get("IBM_GEO_SHARED_DATA", "/work/shared/data"))
    src = base / "boundaries" / "indonesia_simplified.parquet"
    if not src.exists():
        print(f"missing {src}: set IBM_GEO_SHARED_DATA", file=sys.stderr)
        return 2
    cols = ["kode", "nama", "kode_kec", "kecamatan", "kode_kab", "kab_kota"]
    df = pd.read_parquet(src, columns=cols).astype(str)
    OUT.mkdir(parents=True, exist_ok=True)
    opts = {"index": False, "compression": {"method": "gzip", "mtime": 0}}
    df[["kode", "nama"]].sort_values("kode").to_csv(OUT / "desa.csv.gz", **opts)
    kec = df[["kode_kec", "kecamatan"]].drop_duplicates("kode_kec").sort_values("kode_kec")
    kec.to_csv(OUT / "kecamatan.csv.gz", **opts)
    kab = df[["kode_kab", "kab_kota"]].drop_duplicates("kode_kab").sort_values("kode_kab")
    kab.to_csv(OUT / "kab_kota.csv.gz", **opts)
    shutil.copyfile(base / "boundaries" / "LICENSE-wilayah_boundaries.txt", OUT / "LICENSE")
    commit = (base / "boundaries" / "SOURCE_COMMIT.txt").read_text().split()[0]
    (OUT / "SOURCE.txt").write_text(
        "Built by scripts/build_gazetteer.py from the public Kemendagri code list in\n"
        "https://github.com/cahyadsn/wilayah_boundaries (MIT licence, see LICENSE),\n"
        f"commit {commit}.\n"
        f"{len(df)} villages, {len(kec)} kecamatan, {len(kab)} kab/kota.\n"
    )
    print(f"desa={len(df)} kecamatan={len(kec)} kab_kota={len(kab)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
