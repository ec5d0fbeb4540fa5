"""The raw cube: true counts per office, year and measure, with the cell key of every cell
(internal, never published as such), and the RW table inside a kelurahan."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ibm_geo.ckm import N_KEYS, ptable
from ibm_geo.coverage import IN_REACH, REFERRAL, SERVED, UNSERVED
from ibm_geo.monitoring.common import (
    BASIS_SNAPSHOT,
    BASIS_YEAR,
    RW_COLUMNS,
    UNKNOWN_RW,
    area_names,
    first_value,
    offices,
)
from ibm_geo.pipeline import filter_mask
from ibm_geo.privacy import (
    band_label,
    register_of,
)


# -- the raw cube (internal: true counts, never published as such) -----------------------------
@dataclass
class Cube:
    """True client counts per office row and column (internal; see :func:`protect`).

    ``rows``: ``area, area_level, provinsi, kab_kota, kode`` per office; ``values``: int matrix
    with :attr:`columns`; ``years``: the rehab years of the year columns (None = unknown)."""

    rows: pd.DataFrame
    values: np.ndarray
    years: list[int | None]
    open: pd.DataFrame  # agents_active, capacity, ibm_villages per row (public things)
    keys: np.ndarray  # cell keys (:mod:`ibm_geo.ckm`) of ``values``
    register: np.ndarray  # clients of each office row in the unfiltered register
    columns: list[str] = field(default_factory=list)
    served: list[str] = field(default_factory=list)  # the scenario's follow-up statuses
    members: list = field(default_factory=list)  # per row: boolean mask over the kelurahan
    #: active, placed agents: ``pos`` (kelurahan row) and ``year`` recruited (NaN unknown)
    agents: pd.DataFrame = field(default_factory=lambda: pd.DataFrame({"pos": [], "year": []}))
    #: the rehab years (``years`` may add years that only a pascarehab year has)
    rehab_years: list = field(default_factory=list)

    @property
    def pasca_years(self) -> bool:
        """True when the register dates post-rehab services (``pasca_<year>`` columns): the
        ``pascarehab`` indicator is then counted per year, else it is today's snapshot."""
        return "pasca_total" in self.columns

    def agent_progress(self, i: int, indicator: str, year: int) -> tuple[int, str]:
        """``agen`` (active agents) or ``desa_ibm`` (units with one) of office row ``i`` in
        ``year`` and its basis: agents recruited by ``year`` when every active agent of the
        office has a recruitment year, else today's figure (a snapshot, said so)."""
        a = self.agents
        pos = a["pos"].to_numpy(dtype=np.int64)
        mine = self.members[i][pos] if len(pos) else np.zeros(0, dtype=bool)
        yrs = a["year"].to_numpy(dtype=float)[mine]
        col = "agents_active" if indicator == "agen" else "ibm_villages"
        if not self.agent_years or np.isnan(yrs).any():
            return int(self.open[col].iloc[i]), BASIS_SNAPSHOT
        by = yrs <= year
        if indicator == "agen":
            return int(by.sum()), BASIS_YEAR
        return len(np.unique(pos[mine][by])), BASIS_YEAR

    @property
    def agent_years(self) -> bool:
        """True when the agents table carries a recruitment year (any agent's)."""
        return bool(self.agents["year"].notna().any())

    @property
    def exists(self) -> np.ndarray:
        """False for the year cells of kecamatan rows (no trend below kab/kota)."""
        ex = np.ones(self.values.shape, dtype=bool)
        kec = (self.rows["area_level"] == "kecamatan").to_numpy()
        years = np.asarray([not c.endswith("_total") for c in self.columns])
        ex[np.ix_(kec, years)] = False
        return ex

    def col(self, measure: str, year: int | None | str = "total") -> int:
        name = f"{measure}_{'total' if year == 'total' else _year_key(year)}"
        return self.columns.index(name)


def _year_key(y: int | None) -> str:
    return "na" if y is None else str(int(y))


YEAR_MEASURES = ("clients", "followed_up", "unserved")
TOTAL_MEASURES = ("referral_berat", "need_agent")


#: clients receiving post-rehab services in a year (the register's ``tahun_pasca``): a year
#: measure of the cube only when some client has that year
PASCA = "pasca"


def _columns(years: list[int | None], pasca: bool = False) -> list[str]:
    cols = []
    for m in (*YEAR_MEASURES, PASCA) if pasca else YEAR_MEASURES:
        cols.append(f"{m}_total")
        cols.extend(f"{m}_{_year_key(y)}" for y in years)
    cols.extend(f"{m}_total" for m in TOTAL_MEASURES)
    return cols


def _client_table(result) -> pd.DataFrame:
    """The clients the ranking counts (same filters), with their kelurahan position in the
    result table: only the columns monitoring needs; stays in the process."""
    sc = result.scenario
    cl = result.clients
    keep = filter_mask(cl, sc)
    unit = cl["unit"].to_numpy(dtype=np.int64)
    kel_pos = pd.Series(
        np.arange(len(result.kelurahan)), index=result.kelurahan["kode"].astype(str).to_numpy()
    )
    unit_kode = result.joined.units["kode"].astype(str).to_numpy()
    pos = np.full(len(cl), -1, dtype=np.int64)
    ok = keep & (unit >= 0)
    pos[ok] = kel_pos.reindex(unit_kode[unit[ok]]).fillna(-1).to_numpy(dtype=np.int64)
    cov = cl["coverage"].astype(object).to_numpy()
    followed = (
        cl["status_pasca"].isin(list(sc.served_statuses)).to_numpy(dtype=bool, na_value=False)
    )
    year = pd.to_numeric(cl["tahun_rehab"], errors="coerce").to_numpy(dtype=float)
    rk = result.record_keys
    if rk is None:  # a result made without the pipeline: keys from the installation's secret
        rk = result.joined.record_keys()
    t = pd.DataFrame(
        {
            "pos": pos,
            "rk": np.asarray(rk, dtype=np.int64),
            "year": year,
            "followed_up": followed,
            "unserved": cov == UNSERVED,
            "referral_berat": cov == REFERRAL,
            # needs an agent: not in follow-up, not a BNNP referral (served by an agent, in
            # reach of one, or unserved); clients = followed_up + referral_berat + need_agent
            "need_agent": ~followed & np.isin(cov, [SERVED, IN_REACH, UNSERVED]),
            "rw": cl["rw"].astype(object).to_numpy() if "rw" in cl else None,
            # the year of post-rehab services (the register's tahun_pasca / tanggal_pascarehab)
            "pasca_year": pd.to_numeric(cl["tahun_pasca"], errors="coerce").to_numpy(dtype=float)
            if "tahun_pasca" in cl
            else np.full(len(cl), np.nan),
        }
    )
    return t[t["pos"] >= 0].reset_index(drop=True)


def _agent_table(result) -> pd.DataFrame:
    """The agents ``agents_active`` counts (active and placed, in a unit of the result), with
    their kelurahan row in the result table and their recruitment year (NaN when unknown)."""
    a = result.joined.agents.table
    if len(a) == 0:
        return pd.DataFrame({"pos": np.zeros(0, dtype=np.int64), "year": np.zeros(0)})
    kel_pos = pd.Series(
        np.arange(len(result.kelurahan)), index=result.kelurahan["kode"].astype(str).to_numpy()
    )
    unit_kode = result.joined.units["kode"].astype(str).to_numpy()
    unit = a["unit"].to_numpy(dtype=np.int64)
    active = a["aktif"].fillna(True).to_numpy(dtype=bool) & a["located"].to_numpy(dtype=bool)
    ok = active & (unit >= 0)
    pos = np.full(len(a), -1, dtype=np.int64)
    pos[ok] = kel_pos.reindex(unit_kode[unit[ok]]).fillna(-1).to_numpy(dtype=np.int64)
    year = (
        pd.to_numeric(a["tahun_rekrut"], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        if "tahun_rekrut" in a
        else np.full(len(a), np.nan)
    )
    keep = pos >= 0
    return pd.DataFrame({"pos": pos[keep], "year": year[keep]})


def build_cube(result, *, by_kecamatan: bool = False) -> Cube:
    """Count every published client figure per office (provinces, kab/kota, kecamatan)."""
    kel = result.kelurahan
    prov = area_names(kel, "provinsi").to_numpy()
    kab = area_names(kel, "kab_kota").to_numpy()
    kec = area_names(kel, "kecamatan").to_numpy() if by_kecamatan else None
    t = _client_table(result)
    yrs = t["year"].to_numpy()
    pyr = t["pasca_year"].to_numpy()
    years, rehab_years, has_pasca = _cube_years(yrs, pyr)
    cols = _columns(years, has_pasca)
    rt = _office_rows(kel, prov, kab, kec, by_kecamatan)
    n_rows, n_cols = len(rt), len(cols)
    values = np.zeros((n_rows, n_cols), dtype=np.int64)
    keys = np.zeros((n_rows, n_cols), dtype=np.int64)
    # membership of each kelurahan in each office row
    members = [_member_mask(rt.iloc[i], prov, kab, kec) for i in range(n_rows)]
    reg_unit = register_of(kel)
    register = np.array([int(reg_unit[m].sum()) for m in members], dtype=np.int64)
    _count(values, keys, members, t, cols, years, has_pasca)
    if by_kecamatan:  # kecamatan rows publish totals only: no year cells
        kec_rows = (rt["area_level"] == "kecamatan").to_numpy()
        for j, c in enumerate(cols):
            if not c.endswith("_total"):
                values[kec_rows, j] = 0
    open_ = _open_groups(kel, members)
    served = list(result.scenario.served_statuses)
    agents = _agent_table(result)
    keys %= N_KEYS
    return Cube(
        rt, values, years, open_, keys, register, cols, served, members, agents, rehab_years
    )


def _cube_years(yrs: np.ndarray, pyr: np.ndarray):
    """(every year column, the rehab years, whether post-rehab years are written); an unknown
    rehab year is the last column (None)."""
    has_pasca = bool((~np.isnan(pyr)).any())
    rehab_years: list[int | None] = sorted({int(y) for y in yrs[~np.isnan(yrs)]})
    years: list[int | None] = sorted(set(rehab_years) | {int(y) for y in pyr[~np.isnan(pyr)]})
    if np.isnan(yrs).any():
        years.append(None)
        rehab_years.append(None)
    return years, rehab_years, has_pasca


def _office_rows(kel, prov, kab, kec, by_kecamatan: bool) -> pd.DataFrame:
    """Office rows: provinces and kab/kota; kecamatan after their kab/kota."""
    rows = []
    for r in offices(kel).itertuples(index=False):
        rows.append(
            {
                "area": r.area,
                "area_level": r.area_level,
                "provinsi": r.provinsi,
                "kab_kota": r.area if r.area_level == "kab_kota" else None,
                "kecamatan": None,
                "kode": r.kode,
            }
        )
        if by_kecamatan and r.area_level == "kab_kota":
            sel = (prov == r.provinsi) & (kab == r.area)
            for kc in sorted(set(kec[sel])):
                kk = kel.get("kode_kec")
                code = None
                if kk is not None:
                    code = first_value(kk[sel & (kec == kc)].astype(object))
                rows.append(
                    {
                        "area": kc,
                        "area_level": "kecamatan",
                        "provinsi": r.provinsi,
                        "kab_kota": r.area,
                        "kecamatan": kc,
                        "kode": code,
                    }
                )
    return pd.DataFrame(rows)


def _count(values, keys, members, t: pd.DataFrame, cols, years, has_pasca: bool) -> None:
    """Fill each office row's counts and record-key sums, per measure: total, then per year."""
    yrs = t["year"].to_numpy()
    pyr = t["pasca_year"].to_numpy()
    pos = t["pos"].to_numpy()
    rk = t["rk"].to_numpy()
    year_idx = np.full(len(t), len(years) - 1 if None in years else -1, dtype=np.int64)
    known = ~np.isnan(yrs)
    ylist = [y for y in years if y is not None]
    year_idx[known] = np.searchsorted(ylist, yrs[known].astype(np.int64))
    for i, mem in enumerate(members):
        sel = mem[pos]
        yi = year_idx[sel]
        ks = rk[sel]
        for m in YEAR_MEASURES:
            flag = np.ones(sel.sum(), dtype=bool) if m == "clients" else t[m].to_numpy()[sel]
            values[i, cols.index(f"{m}_total")] = int(flag.sum())
            keys[i, cols.index(f"{m}_total")] = int(ks[flag].sum())
            per = np.bincount(yi[flag], minlength=len(years))
            kper = np.bincount(yi[flag], weights=ks[flag].astype(float), minlength=len(years))
            start = cols.index(f"{m}_total") + 1
            values[i, start : start + len(years)] = per
            keys[i, start : start + len(years)] = np.round(kper).astype(np.int64)
        if has_pasca:  # by the year of post-rehab services, whichever the rehab year
            py = pyr[sel]
            dated = ~np.isnan(py)
            kd = ks[dated]
            values[i, cols.index(f"{PASCA}_total")] = int(dated.sum())
            keys[i, cols.index(f"{PASCA}_total")] = int(kd.sum())
            pi = np.searchsorted(ylist, py[dated].astype(np.int64))
            start = cols.index(f"{PASCA}_total") + 1
            values[i, start : start + len(years)] = np.bincount(pi, minlength=len(years))
            kp = np.bincount(pi, weights=kd.astype(float), minlength=len(years))
            keys[i, start : start + len(years)] = np.round(kp).astype(np.int64)
        for m in TOTAL_MEASURES:
            f = t[m].to_numpy()[sel]
            values[i, cols.index(f"{m}_total")] = int(f.sum())
            keys[i, cols.index(f"{m}_total")] = int(ks[f].sum())


def _open_groups(kel, members) -> pd.DataFrame:
    """Active agents, their capacity and IBM villages per office row."""
    act = pd.to_numeric(kel["agents_active"], errors="coerce").fillna(0).to_numpy()
    cap = (
        pd.to_numeric(kel["agent_capacity"], errors="coerce").fillna(0).to_numpy()
        if "agent_capacity" in kel
        else np.zeros(len(kel))
    )
    return pd.DataFrame(
        {
            "agents_active": [int(act[m].sum()) for m in members],
            "capacity": [int(cap[m].sum()) for m in members],
            "ibm_villages": [int((act[m] > 0).sum()) for m in members],
        }
    )


def _member_mask(row, prov, kab, kec) -> np.ndarray:
    m = prov == row["provinsi"]
    if row["area_level"] in ("kab_kota", "kecamatan"):
        m = m & (kab == row["kab_kota"])
    if row["area_level"] == "kecamatan":
        m = m & (kec == row["kecamatan"])
    return m


def published_cube(cube: Cube, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(published values, opaque rows) of the cube: every cell perturbed at its cell key; the
    rows of offices with 1..k-1 clients in the register carry the band."""
    pub = ptable(k).perturb(cube.values, cube.keys)
    opaque = (cube.register >= 1) & (cube.register < k)
    return pub, opaque


def cell_label(value: int, opaque: bool, k: int) -> object:
    return band_label(k) if opaque else int(value)


# -- RW level inside a kelurahan ----------------------------------------------------------------
def rw_table(result, exact: bool = False) -> pd.DataFrame:
    """Clients and unserved per RW inside each kelurahan whose client rows carry RW (table only:
    no RW boundaries). Published: ``kode, nama, rw, clients, unserved``.

    Each count is the cell key method's perturbation of its set of clients (the same as any
    other table's cell of those clients). A kelurahan with 1..k-1 clients in the register
    (opaque in the ranking) gets no RW rows at all; an RW with 1..k-1 clients in the
    unfiltered register shows the band in both columns, in every run and under every filter.
    Only RW numbers are written: an RW cell that is not a number is text a person typed and is
    counted under "tidak diketahui"."""
    k = result.scenario.suppression_k
    t = _client_table(result)
    kel = result.kelurahan
    if t["rw"].isna().all():
        return pd.DataFrame(columns=RW_COLUMNS)
    pt = ptable(k)
    rw = t["rw"].astype(object)
    rw = rw.where(rw.map(lambda x: isinstance(x, str) and x.isdigit()), UNKNOWN_RW)
    reg_unit = register_of(kel)
    opaque_unit = (reg_unit >= 1) & (reg_unit < k)
    reg_rw = _rw_register(
        result, rw_of=lambda x: x if isinstance(x, str) and x.isdigit() else UNKNOWN_RW
    )
    out = []
    for pos, g in t.assign(rw=rw).groupby("pos", sort=True):
        if (g["rw"] == UNKNOWN_RW).all() or bool(opaque_unit[pos]):
            continue
        g = g.assign(rk_u=np.where(g["unserved"], g["rk"], 0))
        per = g.groupby("rw", sort=True).agg(
            clients=("rw", "size"),
            unserved=("unserved", "sum"),
            k_clients=("rk", "sum"),
            k_unserved=("rk_u", "sum"),
        )
        order = sorted(per.index, key=lambda x: (x == UNKNOWN_RW, x))
        per = per.loc[order]
        kode = str(kel["kode"].iloc[pos])
        for name, r in per.iterrows():
            n_reg = reg_rw.get((kode, name), int(r["clients"]))
            small = 1 <= n_reg < k and not exact
            vals = (
                [int(r[c]) for c in ("clients", "unserved")]
                if exact
                else [
                    band_label(k)
                    if small
                    else int(pt.perturb(np.array([int(r[c])]), np.array([int(r[f"k_{c}"])]))[0])
                    for c in ("clients", "unserved")
                ]
            )
            out.append([kode, kel["nama"].iloc[pos], name, *vals])
    return pd.DataFrame(out, columns=RW_COLUMNS)


def _rw_register(result, rw_of) -> dict[tuple[str, str], int]:
    """Clients per (kelurahan kode, RW) in the unfiltered register (which RWs are opaque)."""
    cl = result.clients
    if "rw" not in cl or not len(cl):
        return {}
    unit = cl["unit"].to_numpy(dtype=np.int64)
    ok = unit >= 0
    kode = result.joined.units["kode"].astype(str).to_numpy()[unit[ok]]
    rws = [rw_of(x) for x in cl["rw"].astype(object).to_numpy()[ok]]
    return (
        pd.Series(1, index=pd.MultiIndex.from_arrays([kode, rws]))
        .groupby(level=[0, 1])
        .sum()
        .to_dict()
    )
