"""The analyze path, split where the app needs to cache: load -> join -> coverage/metrics -> score.

``load_inputs`` and ``join_inputs`` are the expensive steps (parsing, matching, point-in-polygon);
``analyze_joined`` redoes coverage and counts (radius, capacity, filters); ``rescore`` only redoes the
score (weights, classes), so a weight slider never re-runs the spatial join.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from . import metrics
from .ckm import N_KEYS
from .config import Scenario
from .coverage import assigned_spare, classify_clients
from .crs import local_utm_crs, metric_transformer, point_inside
from .distance import make_backend
from .errors import UserError
from .io import read_boundaries, read_points
from .io.boundaries import IDENTITY
from .io.tables import COLUMNS
from .join import Placed, place
from .matching import build_gazetteer
from .names import normalize_name
from .privacy import PUB_PREFIX, published_counts_table, score_labels
from .quality import DataQuality, Msg
from .record_keys import fingerprint, identities, installation_secret, record_keys
from .scoring import SCORE_COLUMNS, score_table

Source = str | Path | bytes


@dataclass
class Inputs:
    """Validated inputs in canonical columns, plus the problems found while reading them."""

    boundaries: gpd.GeoDataFrame
    clients: pd.DataFrame
    agents: pd.DataFrame
    service_points: pd.DataFrame
    quality: DataQuality
    sources: dict[str, str] = field(default_factory=dict)
    #: the boundary layer made ready for joining, prepared while the clients were parsed
    units: Units | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Units:
    """The boundary layer made ready for joining: representative points (lon/lat and metres),
    the metric CRS and the gazetteer of official names. It depends on the boundaries only, so
    :func:`load_inputs` builds it on the core that is idle while the client file is parsed."""

    source: gpd.GeoDataFrame
    table: gpd.GeoDataFrame
    crs: object
    transformer: object
    rep_xy: np.ndarray
    gazetteer: object
    fuzzy_threshold: float


def prepare_units(boundaries: gpd.GeoDataFrame, fuzzy_threshold: float = 85.0) -> Units:
    """:class:`Units` of a boundary layer (its table gets ``rep_lon``/``rep_lat``)."""
    units = boundaries.reset_index(drop=True).copy()
    units["rep_lon"], units["rep_lat"] = point_inside(units.geometry)
    crs = local_utm_crs(units)
    tr = metric_transformer(crs)
    rx, ry = tr.transform(units["rep_lon"].to_numpy(), units["rep_lat"].to_numpy())
    return Units(
        source=boundaries,
        table=units,
        crs=crs,
        transformer=tr,
        rep_xy=np.column_stack([rx, ry]),
        gazetteer=build_gazetteer(units, fuzzy_threshold),
        fuzzy_threshold=fuzzy_threshold,
    )


@dataclass
class Joined:
    """Inputs placed in kelurahan with metric coordinates: the expensive, cacheable step."""

    units: gpd.GeoDataFrame  # boundaries + rep_lon, rep_lat
    rep_xy: np.ndarray
    metric_crs: object
    clients: Placed
    agents: Placed
    service_points: Placed
    matches: pd.DataFrame
    quality: DataQuality
    sources: dict[str, str]
    #: record keys of the clients (:mod:`ibm_geo.record_keys`) per secret fingerprint: hashed
    #: once per upload, not once per analysis
    _record_keys: dict[tuple, np.ndarray] = field(default_factory=dict, repr=False)

    def record_keys(self, secret: bytes | None = None) -> np.ndarray:
        """Each client row's record key under ``secret`` (default: the installation's)."""
        secret = secret if secret is not None else installation_secret()
        t = self.clients.table
        # a scoped copy (office mode) shares this cache: key it by the table too
        fp = (fingerprint(secret), id(t), len(t))
        if fp not in self._record_keys:
            self._record_keys[fp] = record_keys(identities(t), secret)
        return self._record_keys[fp]


#: per-kelurahan columns of the cell keys (:mod:`ibm_geo.ckm`) of each client count, and of
#: the unit's client count in the unfiltered register (which units are too small to publish)
KEY_PREFIX = "_ck_"
REGISTER = "_register"


@dataclass
class AnalysisResult:
    """One row per kelurahan (``kelurahan``) plus what a planner needs to trust it."""

    kelurahan: gpd.GeoDataFrame
    matches: pd.DataFrame
    quality: pd.DataFrame
    scenario: Scenario
    reference_year: int
    joined: Joined
    clients: pd.DataFrame  # internal only (personal data): never exported
    counts: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: how distances were measured (ibm_geo.distance backend); the plan reuses it
    distance: object = None
    #: each client row's record key (:mod:`ibm_geo.record_keys`; internal): what every other
    #: table of this analysis (monitoring, RW) perturbs its cells with
    record_keys: np.ndarray | None = None

    @property
    def summary(self) -> dict[str, int]:
        k = self.kelurahan
        return {
            "kelurahan": len(k),
            "clients": int(k["clients"].sum()),
            "served": int(k["served"].sum()),
            "in_reach": int(k["in_reach"].sum()),
            "referral_berat": int(k["referral_berat"].sum()),
            "unserved": int(k["unserved"].sum()),
            "agents_active": int(k["agents_active"].sum()),
            "kelurahan_with_unserved": int((k["unserved"] > 0).sum()),
            "clients_unlocated": int((~self.clients["located"]).sum()),
        }


def _empty(kind: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in COLUMNS[kind]})


def load_inputs(
    boundaries: Source,
    clients: Source,
    agents: Source | None = None,
    service_points: Source | None = None,
    *,
    names: dict[str, str] | None = None,
    column_maps: dict[str, dict[str, str]] | None = None,
    read_options: dict | None = None,
) -> Inputs:
    """Read and validate all inputs; bad rows go to the data-quality report, bad files raise.

    ``read_options``: ``sheet`` (workbook sheet to read when sheets differ) and ``layer`` (the
    GeoPackage layer of the village polygons), as chosen by the planner after being asked."""
    opts = read_options or {}
    names = dict(names or {})
    column_maps = column_maps or {}
    q = DataQuality()

    def nm(key: str, src: Source | None) -> str | None:
        if key in names:
            return names[key]
        return Path(src).name if isinstance(src, str | Path) else None

    def read_b(qb: DataQuality) -> gpd.GeoDataFrame:
        return read_boundaries(
            boundaries,
            name=nm("boundaries", boundaries),
            column_map=column_maps.get("boundaries"),
            quality=qb,
            layer=opts.get("layer"),
        )

    def read_p(kind: str, src: Source | None, qp: DataQuality) -> pd.DataFrame:
        if src is None:
            return _empty(kind)
        return read_points(
            src,
            kind,
            qp,
            name=nm(kind, src),
            column_map=column_maps.get(kind),
            sheet=opts.get("sheet"),
        )

    # Boundaries and clients are read side by side: both spend their time in GEOS / Arrow code
    # that releases the GIL, so on two cores a national load takes the longer of the two.
    qs = [DataQuality() for _ in range(4)]

    def read_and_prepare(qb: DataQuality) -> tuple[gpd.GeoDataFrame, Units | None]:
        b = read_b(qb)
        try:  # a layer that cannot be prepared is reported by join_inputs, in its order
            return b, prepare_units(b)
        except Exception:  # noqa: BLE001
            return b, None

    with ThreadPoolExecutor(max_workers=2) as ex:
        fb = ex.submit(read_and_prepare, qs[0])
        c = read_p("clients", clients, qs[1])
        a = read_p("agents", agents, qs[2])
        s = read_p("service_points", service_points, qs[3])
        b, units = fb.result()
    for part in qs:
        q.extend(part)
    sources = {
        k: v
        for k, v in {
            "boundaries": nm("boundaries", boundaries),
            "clients": nm("clients", clients),
            "agents": nm("agents", agents),
            "service_points": nm("service_points", service_points),
        }.items()
        if v
    }
    return Inputs(b, c, a, s, q, sources, units)


def join_inputs(
    inputs: Inputs, fuzzy_threshold: float = 85.0, choices: dict[str, str] | None = None
) -> Joined:
    """Match every row to a kelurahan and project to a local metric CRS (straight-line distances).

    ``choices`` are the planner's resolutions of written place names
    (:attr:`~ibm_geo.config.Scenario.place_choices`)."""
    q = DataQuality()
    q.extend(inputs.quality)
    u = inputs.units
    if u is None or u.source is not inputs.boundaries or u.fuzzy_threshold != fuzzy_threshold:
        u = prepare_units(inputs.boundaries, fuzzy_threshold)
    units, crs, tr, rep_xy, gaz = u.table.copy(), u.crs, u.transformer, u.rep_xy, u.gazetteer
    src = inputs.sources
    _check_agent_refs(inputs, q)
    kw = {"quality": q, "fuzzy_threshold": fuzzy_threshold, "gazetteer": gaz, "choices": choices}
    pc = place(inputs.clients, units, rep_xy, tr, table=src.get("clients", "clients"), **kw)
    pa = place(inputs.agents, units, rep_xy, tr, table=src.get("agents", "agents"), **kw)
    ps = place(
        inputs.service_points,
        units,
        rep_xy,
        tr,
        table=src.get("service_points", "service_points"),
        **kw,
    )
    matches = (
        pd.concat(
            [p.match.matches for p in (pc, pa, ps) if p.match is not None and len(p.match.matches)],
            ignore_index=True,
        )
        if any(p.match is not None and len(p.match.matches) for p in (pc, pa, ps))
        else pd.DataFrame()
    )
    return Joined(units, rep_xy, crs, pc, pa, ps, matches, q, dict(src))


def _check_agent_refs(inputs: Inputs, q: DataQuality) -> None:
    """A client assigned to an agent id that the agents file does not know is not served by it."""
    ids = inputs.clients["agen_id"].astype("string")
    known = set(inputs.agents["agen_id"].dropna().astype(str)) if len(inputs.agents) else set()
    bad = ids.notna() & ~ids.isin(known).fillna(False)
    if bad.any():
        q.add_many(
            inputs.sources.get("clients", "clients"),
            inputs.clients.loc[bad, "row"],
            "agen_id",
            Msg("agent_unknown"),
            ids[bad],
            Msg("not_assigned"),
        )


def _norm_set(values: list[str]) -> set[str]:
    return {normalize_name(v) for v in values}


def filter_mask(clients: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    """Clients kept by the scenario's year and status filters (kab/kecamatan filter the units)."""
    f = scenario.filters
    keep = np.ones(len(clients), dtype=bool)
    year = clients["tahun_rehab"].to_numpy(dtype=float, na_value=np.nan)
    if f.year_min is not None:
        keep &= year >= f.year_min
    if f.year_max is not None:
        keep &= year <= f.year_max
    if f.statuses:
        keep &= (
            clients["status_pasca"]
            .astype("string")
            .isin(f.statuses)
            .to_numpy(dtype=bool, na_value=False)
        )
    return keep


def unit_mask(units: pd.DataFrame, scenario: Scenario) -> np.ndarray:
    f = scenario.filters
    keep = np.ones(len(units), dtype=bool)
    if f.provinsi:
        want = _norm_set(f.provinsi)
        keep &= (
            units["provinsi"].astype("string").fillna("").map(normalize_name).isin(want).to_numpy()
        )
    if f.kab_kota:
        want = _norm_set(f.kab_kota)
        keep &= (
            units["kab_kota"].astype("string").fillna("").map(normalize_name).isin(want).to_numpy()
        )
    if f.kecamatan:
        want = _norm_set(f.kecamatan)
        keep &= (
            units["kecamatan"].astype("string").fillna("").map(normalize_name).isin(want).to_numpy()
        )
    return keep


def reference_year(clients: pd.DataFrame, scenario: Scenario) -> int:
    if scenario.reference_year is not None:
        return scenario.reference_year
    y = pd.to_numeric(clients["tahun_rehab"], errors="coerce").max()
    return int(y) if pd.notna(y) else dt.date.today().year


def analyze_joined(
    joined: Joined, scenario: Scenario, roads=None, *, secret: bytes | None = None
) -> AnalysisResult:
    """Coverage, counts and score for one scenario over already-joined inputs.

    ``roads`` is a :class:`~ibm_geo.roads.RoadNetwork` for ``scenario.roads.distance = "road"``
    (read from ``scenario.roads.extract`` when not given). ``secret``: the record-key secret
    (:mod:`ibm_geo.record_keys`; default the installation's, the office passes its own)."""
    units = joined.units
    backend = make_backend(scenario, joined.metric_crs, roads)
    road_backend = backend if backend.kind == "road" else None
    quality = joined.quality
    if road_backend is not None:
        quality = _snap_quality(joined, road_backend, scenario)
    c = joined.clients.table
    a = joined.agents.table
    s = joined.service_points.table
    client_xy = c[["x", "y"]].to_numpy(dtype=float)
    agents_for_cov, agent_xy = _agents_for_coverage(a)
    spare_assigned = assigned_spare(
        c,
        agents_for_cov,
        served_statuses=scenario.served_statuses,
        default_capacity=scenario.default_capacity,
    )
    cov, reach, spare = classify_clients(
        c,
        client_xy,
        agents_for_cov,
        agent_xy,
        radius_m=scenario.radius_m,
        served_statuses=scenario.served_statuses,
        severe_as_referral=scenario.severe_as_referral,
        default_capacity=scenario.default_capacity,
        backend=road_backend,
    )
    clients = c.assign(coverage=cov.array, reach_agent=reach.to_numpy())
    keep_units = unit_mask(units, scenario)
    rk = joined.record_keys(secret)
    counted, rk_counted = _counted(clients, rk, keep_units, scenario)
    ref = reference_year(clients, scenario)

    table = units[IDENTITY + ["rep_lon", "rep_lat", "geometry"]].copy()
    counts = metrics.client_counts(units, counted)
    keys = _key_sums(units, counted, rk_counted, clients, ref, scenario)
    agents_n = metrics.agent_counts(
        units,
        a.assign(aktif=agents_for_cov["aktif"]) if len(a) else a,
        spare,
        scenario.default_capacity,
    )
    sp = metrics.service_point_counts(units, s)
    sp_xy = _located_xy(s)
    dist = metrics.access_distance(
        joined.rep_xy,
        agent_xy,
        agents_for_cov["aktif"].to_numpy(dtype=bool) if len(a) else np.zeros(0, dtype=bool),
        spare_assigned,
        sp_xy,
        units.index,
        road_backend,
    )
    recent = metrics.recent_unserved(units, counted, ref, scenario.recency_years)
    parts = [table, counts, agents_n, sp, dist, recent, keys]
    table = _ranked(parts, keep_units, scenario, ref, units.crs)
    return AnalysisResult(
        kelurahan=table,
        matches=joined.matches,
        quality=_quality_with_filters(quality, joined, clients, scenario),
        scenario=scenario,
        reference_year=ref,
        joined=joined,
        clients=clients,
        distance=backend,
        record_keys=rk,
    )


def _counted(clients: pd.DataFrame, rk, keep_units: np.ndarray, scenario: Scenario):
    """The clients the counts read (the scenario's filters; a unit outside the scenario's area
    is -1) with their record keys; only the columns the counts read: a copy of every input
    column of a million rows costs seconds."""
    cols = ["unit", "status_pasca", "tingkat", "jenis_layanan", "tahun_rehab", "coverage"]
    keep = filter_mask(clients, scenario)
    counted = clients[cols] if keep.all() else clients.loc[keep, cols]
    rk_counted = rk if keep.all() else rk[keep]
    unit = counted["unit"].to_numpy()
    counted = counted.assign(unit=np.where((unit < 0) | ~keep_units[np.maximum(unit, 0)], -1, unit))
    return counted, rk_counted


def _ranked(parts: list, keep_units, scenario: Scenario, ref: int, crs) -> gpd.GeoDataFrame:
    """The per-unit columns side by side, the scenario's units only, scored and ranked."""
    table = pd.concat(parts, axis=1)
    table = table.loc[keep_units].reset_index(drop=True)
    scored = score_both_tiers(table, scenario, ref)
    table = pd.concat([table, scored], axis=1).sort_values("rank").reset_index(drop=True)
    return gpd.GeoDataFrame(table, geometry="geometry", crs=crs)


def _agents_for_coverage(a: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Agents as coverage reads them (one that cannot be placed is not active: it reaches
    nobody) and their metric xy (0 where unplaced)."""
    agent_xy = a[["x", "y"]].to_numpy(dtype=float) if len(a) else np.zeros((0, 2))
    agents_for_cov = a.copy()
    if len(a):
        agents_for_cov["aktif"] = a["aktif"].fillna(True).astype(bool) & a["located"].astype(bool)
        agent_xy = np.where(np.isnan(agent_xy), 0.0, agent_xy)
    return agents_for_cov, agent_xy


def _key_sums(units, counted, rk_counted, clients, ref: int, scenario: Scenario) -> pd.DataFrame:
    """Record-key sums of each count per unit (mod N_KEYS, prefixed) and each unit's register
    size (every located client, filters aside): the perturbation's inputs."""
    keys = metrics.client_counts(units, counted, weights=rk_counted)
    keys["unserved_recent"] = metrics.recent_unserved(
        units, counted, ref, scenario.recency_years, weights=rk_counted
    )
    keys = (keys % N_KEYS).add_prefix(KEY_PREFIX)
    all_unit = clients["unit"].to_numpy(dtype=np.int64) if len(clients) else np.zeros(0, np.int64)
    keys[REGISTER] = np.bincount(all_unit[all_unit >= 0], minlength=len(units)).astype(np.int64)
    return keys


def _located_xy(s: pd.DataFrame) -> np.ndarray:
    """Metric xy of the located rows of a points table."""
    if not len(s):
        return np.zeros((0, 2))
    return s.loc[s["located"].astype(bool), ["x", "y"]].to_numpy(dtype=float)


def score_both_tiers(table: pd.DataFrame, scenario: Scenario, ref_year: int) -> pd.DataFrame:
    """The working tier's score on exact counts (``score``, ``rank``, ... : the planner's screen
    and every decision) beside the published tier's on published counts (``pub_score``,
    ``pub_rank``, ...: every export), by the same function, so the two can differ only by the
    published noise."""
    exact = score_table(table, scenario, ref_year)
    pubtab, d = published_counts_table(table, scenario.suppression_k)
    pub = score_table(pubtab, scenario, ref_year, labels=score_labels(d), unranked=d.opaque)
    keep = [c for c in pub.columns if c.startswith("pts_")] + list(SCORE_COLUMNS)
    return pd.concat([exact, pub[keep].add_prefix(PUB_PREFIX)], axis=1)


def _quality_with_filters(
    quality: DataQuality, joined: Joined, clients: pd.DataFrame, scenario: Scenario
) -> pd.DataFrame:
    """The load/join report plus the rows a year filter leaves out only because their year is
    unreadable or missing: the filter cannot say whether they belong, so the planner is told."""
    f = scenario.filters
    if f.year_min is None and f.year_max is None:
        return quality.to_frame()
    unknown = clients["tahun_rehab"].isna().to_numpy()
    if not unknown.any():
        return quality.to_frame()
    q = DataQuality()
    q.extend(quality)
    q.add_many(
        joined.sources.get("clients", "clients"),
        clients.loc[unknown, "row"],
        "tahun_rehab",
        Msg("year_missing"),
        None,
        Msg("left_out_year"),
    )
    return q.to_frame()


def _snap_quality(joined: Joined, backend, scenario: Scenario) -> DataQuality:
    """Every point farther than the snap limit from any road, as a data-quality row.

    The snap distance is still walked (added to every route); the row says so. Client rows carry
    no value (a distance to a road, with the map, narrows down where someone lives).
    """
    q = DataQuality()
    q.extend(joined.quality)
    lim = scenario.roads.snap_limit_m
    problem = Msg("far_from_road", limit=f"{lim:g}")
    action = Msg("snap_walked")
    d_units = backend.snap_distance(joined.rep_xy)
    far = d_units > lim
    if len(d_units) and far.all():
        raise UserError(
            "roads.outside",
            file=scenario.roads.extract or "roads",
            limit=f"{lim:g}",
            boundaries=joined.sources.get("boundaries", "boundaries"),
        )
    if far.any():
        q.add_many(
            joined.sources.get("boundaries", "boundaries"),
            [None] * int(far.sum()),
            "geometry",
            Msg("far_from_road_unit", limit=f"{lim:g}"),
            joined.units.loc[far, "kode"].astype(str),
            action,
        )
    for kind, placed in (
        ("clients", joined.clients),
        ("agents", joined.agents),
        ("service_points", joined.service_points),
    ):
        t = placed.table
        if not len(t) or "x" not in t.columns:
            continue
        xy = t[["x", "y"]].to_numpy(dtype=float)
        d = backend.snap_distance(xy)
        bad = np.isfinite(d) & (d > lim)
        if not bad.any():
            continue
        values = None if kind == "clients" else [f"{v:.0f} m" for v in d[bad]]
        q.add_many(
            joined.sources.get(kind, kind), t.loc[bad, "row"], "lat/lon", problem, values, action
        )
    return q


def rescore(result: AnalysisResult, scenario: Scenario) -> AnalysisResult:
    """New weights/classes on the same counts: no join, no coverage, no geometry work."""
    base = result.kelurahan.drop(
        columns=[
            c for c in result.kelurahan.columns if c.startswith(("c_", "pts_", "reason_", "pub_"))
        ]
        + ["score", "rank", "priority_class", "priority_label", "stability"]
    )
    scored = score_both_tiers(base, scenario, result.reference_year)
    table = pd.concat([base, scored], axis=1).sort_values("rank").reset_index(drop=True)
    return replace(
        result,
        kelurahan=gpd.GeoDataFrame(table, geometry="geometry", crs=base.crs),
        scenario=scenario,
    )


def analyze(
    boundaries: Source,
    clients: Source,
    agents: Source | None = None,
    service_points: Source | None = None,
    scenario: Scenario | None = None,
    roads=None,
    secret: bytes | None = None,
    **load_kw,
) -> AnalysisResult:
    """The whole path in one call (CLI, tests, notebooks). ``roads``: see :func:`analyze_joined`."""
    scenario = scenario or Scenario()
    inputs = load_inputs(boundaries, clients, agents, service_points, **load_kw)
    joined = join_inputs(inputs, scenario.fuzzy_threshold, scenario.place_choices)
    return analyze_joined(joined, scenario, roads, secret=secret)
