"""The analyze path on real kelurahan polygons (shared data), with clients written the way people
write them. Skipped when IBM_GEO_SHARED_DATA is not set."""

import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest

from ibm_geo.config import Scenario
from ibm_geo.demo import make_synthetic_agents, make_synthetic_clients
from ibm_geo.pipeline import analyze

pytestmark = pytest.mark.shared


def shared(name: str) -> Path:
    root = os.environ.get("IBM_GEO_SHARED_DATA")
    p = Path(root or "/nonexistent") / "boundaries" / name
    if not p.exists():
        pytest.skip("IBM_GEO_SHARED_DATA not set or file missing")
    return p


@pytest.mark.parametrize("city", ["denpasar.geojson", "makassar.geojson", "palembang.geojson"])
def test_real_city(city, tmp_path):
    path = shared(city)
    units = gpd.read_file(path)
    agents = make_synthetic_agents(units, units["kode"].iloc[::15].tolist(), seed=3)
    clients = make_synthetic_clients(units, 1500, seed=3, messy=True, agents=agents)
    cpath = tmp_path / "klien.csv"
    clients.to_csv(cpath, sep=";", decimal=",", index=False, encoding="utf-8-sig")
    apath = tmp_path / "agen.csv"
    agents.to_csv(apath, index=False)
    res = analyze(path, cpath, apath, scenario=Scenario(stability_draws=50))
    k = res.kelurahan
    assert len(k) == len(units)
    # the generator writes ~2 unknown kelurahan per 1000 and misspells ~3 %: nearly all are placed
    located = res.clients["located"].mean()
    assert located > 0.985, located
    # every client counted once, in exactly one coverage class
    assert k["clients"].sum() == res.clients["located"].sum()
    parts = k[["served", "in_reach", "referral_berat", "unserved"]].sum(axis=1)
    assert (parts == k["clients"]).all()
    # peer check: where a client has coordinates, a plain geopandas sjoin says which kelurahan
    # it is in; the pipeline agrees (swapped pairs are fixed first, so allow those few)
    lat = clients["lintang"].astype(str).str.replace(",", ".").astype(float)
    lon = clients["bujur"].astype(str).str.replace(",", ".").astype(float)
    has = lat.notna() & lon.notna() & lat.between(-11, 6)
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon[has], lat[has]), crs=4326)
    truth = gpd.sjoin(pts, units[["kode", "geometry"]], predicate="within", how="left")
    truth = truth[~truth.index.duplicated()]["kode"].to_numpy()
    got = res.clients.loc[has.to_numpy(), "kode_match"].astype("string").fillna("").to_numpy()
    assert np.mean(got == truth) > 0.995
    # the same clients known only by their written names: name matching finds the same kelurahan
    names_only = clients.assign(lintang="", bujur="")
    npath = tmp_path / "nama.csv"
    names_only.to_csv(npath, sep=";", index=False, encoding="utf-8-sig")
    res_n = analyze(path, npath, scenario=Scenario(stability_draws=0))
    got_n = res_n.clients.loc[has.to_numpy(), "kode_match"].astype("string").fillna("").to_numpy()
    agree = np.mean(got_n == truth)
    assert agree > 0.95, agree
    # ranks are a permutation and scores are ordered by rank
    assert sorted(k["rank"]) == list(range(1, len(k) + 1))
    assert (np.diff(k.sort_values("rank")["score"].to_numpy()) <= 1e-9).all()
    # the data-quality report names every row the generator broke on purpose (swaps, years)
    q = res.quality
    assert (q["problem"].str.contains("swapped", case=False)).sum() >= 1
    assert q["row"].notna().all()
