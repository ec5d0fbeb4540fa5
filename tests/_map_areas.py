"""Three areas of different shape for the map-framing tests, from the real boundaries (shared
data): a coastal city with offshore islands (Kota Makassar), an island city (Kota Ternate, cut
from the national layer) and a province with a register from one city only (Bali layer,
Denpasar clients). Registers come from the project's own synthetic generators."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd

from ibm_geo.config import Scenario
from ibm_geo.demo import make_synthetic_agents, make_synthetic_clients
from ibm_geo.pipeline import analyze
from ibm_geo.plan import choose_pilots, plan_recruitment
from ibm_geo.publish import publish

AREAS = ("makassar", "ternate", "bali_denpasar")


def shared_boundaries() -> Path | None:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    p = Path(root or "/nonexistent") / "boundaries"
    return p if (p / "makassar.geojson").exists() else None


def _layers(area: str, root: Path, tmp: Path) -> tuple[Path, gpd.GeoDataFrame]:
    """(boundary file analysed, units the register is drawn from)."""
    if area == "makassar":
        path = root / "makassar.geojson"
        return path, gpd.read_file(path)
    if area == "ternate":
        nat = gpd.read_parquet(root / "indonesia_simplified.parquet")
        units = nat[nat["kab_kota"] == "Kota Ternate"].reset_index(drop=True)
        path = tmp / "ternate.geojson"
        units.to_file(path, driver="GeoJSON")
        return path, units
    path = root / "bali.geojson"
    return path, gpd.read_file(root / "denpasar.geojson")


def build(area: str, tmp: Path, n_clients: int = 1500, **filters):
    """The published tier of ``area`` with a plan of 5 sites and pilots; ``filters``: the
    scenario's area filters (``kab_kota=[...]``)."""
    root = shared_boundaries()
    assert root is not None
    path, units = _layers(area, root, tmp)
    agents = make_synthetic_agents(units, units["kode"].iloc[::9].tolist(), seed=5)
    clients = make_synthetic_clients(units, n_clients, seed=5, messy=True, agents=agents)
    cpath, apath = tmp / f"{area}_klien.csv", tmp / f"{area}_agen.csv"
    clients.to_csv(cpath, index=False)
    agents.to_csv(apath, index=False)
    sc = Scenario(stability_draws=0, plan={"p": 5}, filters=filters)
    res = analyze(path, cpath, apath, scenario=sc)
    plan = plan_recruitment(res.kelurahan, sc)
    pilots = choose_pilots(res.kelurahan, sc, sites=plan.sites)
    return publish(res, plan, pilots)
