"""Monitoring on one province: Sulawesi Selatan (3,056 units), 30,000 synthetic clients.

Prints the analyze time, the protected monitoring tables (summary, trend, exact linked check)
and, as the peer, the same per-office sums by an unprotected pandas groupby; ends with one
key=value line. Needs IBM_GEO_SHARED_DATA (skips otherwise).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from ibm_geo import demo  # noqa: E402
from ibm_geo import monitoring as mo  # noqa: E402
from ibm_geo.pipeline import analyze  # noqa: E402


def main() -> int:
    shared = Path(os.environ.get("IBM_GEO_SHARED_DATA", "../shared/data"))
    src = shared / "boundaries" / "sulsel.parquet"
    if not src.exists():
        print("skipped: no shared sulsel.parquet")
        return 0
    b = gpd.read_parquet(src)
    agents = demo.make_synthetic_agents(b, list(b["kode"].sample(60, random_state=1)), 7)
    clients = demo.make_synthetic_clients(b, 30000, 7, messy=False, agents=agents)
    d = Path(tempfile.mkdtemp())
    b.to_parquet(d / "b.parquet")
    clients.to_csv(d / "c.csv", index=False)
    agents.to_csv(d / "a.csv", index=False)
    t = time.perf_counter()
    r = analyze(d / "b.parquet", d / "c.csv", d / "a.csv")
    t_an = time.perf_counter() - t
    t = time.perf_counter()
    m = mo.monitor(r)
    t_mon = time.perf_counter() - t
    t = time.perf_counter()
    r.kelurahan.groupby("kab_kota")[["clients", "unserved", "referral_berat"]].sum()
    t_peer = time.perf_counter() - t
    hidden = sum(
        mo.is_hidden(v) for c in ("clients", "unserved", "referral_berat") for v in m.summary[c]
    )
    hidden_tr = sum(mo.is_hidden(v) for c in mo.YEAR_MEASURES for v in m.trend[c])
    print(f"units {len(r.kelurahan)}, clients {len(clients)}, offices {len(m.summary)}")
    print(f"analyze {t_an:.2f} s; monitor (protected) {t_mon:.2f} s; peer groupby {t_peer:.4f} s")
    print(f"hidden cells: summary {hidden}, trend {hidden_tr} of {len(m.trend) * 3}")
    print(f"monitor_sulsel_s={t_mon:.2f} analyze_s={t_an:.2f} peer_groupby_s={t_peer:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
