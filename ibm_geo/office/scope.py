"""Area scope of a user: the whole office, a province, or some kab/kota of one province.

Enforced in the library, before anything is computed: :func:`scope_joined` cuts the joined
inputs down to the units (and the clients, agents, service points, matches and data-quality rows)
of the scope, so coverage, score, plan and every export of a scoped planner are built from their
area only; :func:`scope_scenario` makes the scenario's filters say the same and refuses a filter
outside the scope.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from ..errors import UserError
from ..names import area_key, normalize_name
from ..pipeline import Joined
from ..quality import DataQuality


def _norm(values) -> frozenset[str]:
    return frozenset(normalize_name(str(v)) for v in values if str(v).strip())


def _kab_in(value: object, allowed: tuple[str, ...]) -> bool:
    vk, vb = area_key(value)
    if not vb:
        return False
    return any(vb == b and (vk is None or k is None or vk == k) for k, b in map(area_key, allowed))


def _kab_subset(items, allowed) -> bool:
    """Every kab/kota in ``items`` names one of ``allowed`` exactly (prefix included when both
    give one)."""
    return all(_kab_in(i, tuple(allowed)) for i in items)


@dataclass(frozen=True)
class Scope:
    """``provinsi`` empty = every province (admins only); ``kab_kota`` empty = the whole province."""

    provinsi: tuple[str, ...] = ()
    kab_kota: tuple[str, ...] = ()

    @classmethod
    def everything(cls) -> Scope:
        return cls()

    @classmethod
    def of(cls, provinsi=(), kab_kota=()) -> Scope:
        if isinstance(provinsi, str):
            provinsi = [provinsi]
        if isinstance(kab_kota, str):
            kab_kota = [kab_kota]
        clean = lambda xs: tuple(sorted({str(x).strip() for x in xs if str(x).strip()}))  # noqa: E731
        return cls(clean(provinsi), clean(kab_kota))

    @property
    def is_everything(self) -> bool:
        return not self.provinsi and not self.kab_kota

    def key(self) -> str:
        """Stable text key (cache keys, audit log): normalised and sorted."""
        return json.dumps([sorted(_norm(self.provinsi)), sorted(_norm(self.kab_kota))])

    def label(self) -> str:
        if self.is_everything:
            return "*"
        return "; ".join(filter(None, [", ".join(self.provinsi), ", ".join(self.kab_kota)]))

    def contains(self, other: Scope) -> bool:
        """True when everything in ``other`` lies inside this scope (shared workspace items)."""
        if self.is_everything:
            return True
        if other.is_everything:
            return False
        if self.provinsi and not (other.provinsi and _norm(other.provinsi) <= _norm(self.provinsi)):
            return False
        if self.kab_kota:
            return bool(other.kab_kota) and _kab_subset(other.kab_kota, self.kab_kota)
        return True

    def unit_mask(self, units: pd.DataFrame) -> np.ndarray:
        """Units inside the scope; a unit whose province or kab/kota is unknown is outside
        (fail closed)."""
        keep = np.ones(len(units), dtype=bool)
        for col, want in (("provinsi", self.provinsi), ("kab_kota", self.kab_kota)):
            if want:
                vals = (
                    units[col].astype("string").fillna("")
                    if col in units
                    else pd.Series("", index=units.index, dtype="string")
                )
                keep &= self._col_mask(col, vals)
        return keep

    def _col_mask(self, col: str, vals: pd.Series) -> np.ndarray:
        """Decided once per distinct name (a national table has 514 kab/kota, not 83k)."""
        if col == "provinsi":
            want = _norm(self.provinsi)
            hit = {v: normalize_name(v) in want for v in vals.unique()}
        else:
            hit = {v: _kab_in(v, self.kab_kota) for v in vals.unique()}
        return vals.map(hit).to_numpy(dtype=bool)


def scope_scenario(scenario, scope: Scope):
    """The scenario with its area filters inside ``scope``; a filter naming an area outside it is
    refused (a scoped planner cannot ask for another kab/kota, not even by a scenario file)."""
    if scope.is_everything:
        return scenario
    f = scenario.filters
    upd: dict[str, list[str]] = {}
    for field_name, allowed in (("provinsi", scope.provinsi), ("kab_kota", scope.kab_kota)):
        asked = list(getattr(f, field_name))
        if not allowed:
            continue
        if field_name == "kab_kota":
            outside = [a for a in asked if not _kab_in(a, allowed)]
        else:
            outside = [a for a in asked if normalize_name(a) not in _norm(allowed)]
        if outside:
            raise UserError(
                "office.scope_denied", field=field_name, areas=outside, scope=scope.label()
            )
        upd[field_name] = asked or list(allowed)
    return scenario.model_copy(update={"filters": f.model_copy(update=upd)})


def _inside(placed, mask: np.ndarray, kabs) -> np.ndarray:
    """Rows of ``placed`` that a scope keeps: placed in one of its units, or unplaced with a
    written kab/kota of the scope (one rule for :func:`scope_joined` and :func:`cut_away`)."""
    t = placed.table
    unit = t["unit"].to_numpy(dtype=np.int64)
    inside = np.zeros(len(t), dtype=bool)
    ok = unit >= 0
    inside[ok] = mask[unit[ok]]
    if kabs is not None and "kab_kota" in t:
        v = t["kab_kota"].astype("string").fillna("")
        hit = {x: _kab_in(x, kabs) for x in v.unique()}
        inside |= ~ok & v.map(hit).to_numpy(dtype=bool)
    return inside


#: columns of :func:`cut_away`
CUT_COLUMNS = [
    "table", "kind", "written_name", "written_kecamatan", "written_kab_kota", "rows",
    "method", "placed_kode", "placed_in", "placed_kab",
]  # fmt: skip


def _written(t: pd.DataFrame, name: str) -> np.ndarray:
    """A written column as text ("" when missing), so groups of blanks stay together."""
    if name not in t:
        return np.full(len(t), "", dtype=object)
    return np.array(["" if pd.isna(v) else str(v) for v in t[name]], dtype=object)


def cut_away(joined: Joined, scope: Scope) -> pd.DataFrame:
    """What :func:`scope_joined` drops from the planner's own upload, one row per written place
    (name, kecamatan, kab/kota) and where it was placed: ``placed_in`` names the unit outside
    the scope ("Kuta (Kuta, Kabupaten Badung)"), None when the row matched nothing and names no
    kab/kota of the scope. Why: a scoped planner must see that rows left their analysis (and
    either place them in their area or confirm they lie outside) instead of "0 unmatched"
    while clients are gone. Most rows first; rows without any written name are counted too."""
    if scope.is_everything:
        return pd.DataFrame(columns=CUT_COLUMNS)
    mask = scope.unit_mask(joined.units)
    kabs = scope.kab_kota or None
    units = joined.units
    frames = []
    for kind in ("clients", "agents", "service_points"):
        placed = getattr(joined, kind)
        t = placed.table
        if not len(t):
            continue
        out = t.loc[~_inside(placed, mask, kabs)]
        if not len(out):
            continue
        unit = out["unit"].to_numpy(dtype=np.int64)
        safe = np.maximum(unit, 0)
        label = (
            units["nama"].astype(str).to_numpy()[safe]
            + " ("
            + units["kecamatan"].astype(str).to_numpy()[safe]
            + ", "
            + units["kab_kota"].astype(str).to_numpy()[safe]
            + ")"
        )
        f = pd.DataFrame(
            {
                "table": joined.sources.get(kind, kind),
                "kind": kind,
                "written_name": _written(out, "kelurahan"),
                "written_kecamatan": _written(out, "kecamatan"),
                "written_kab_kota": _written(out, "kab_kota"),
                "method": out["method"].astype(str).to_numpy(),
                "placed_kode": np.where(unit >= 0, units["kode"].astype(str).to_numpy()[safe], ""),
                "placed_in": np.where(unit >= 0, label, ""),
                "placed_kab": np.where(
                    unit >= 0, units["kab_kota"].astype(str).to_numpy()[safe], ""
                ),
            }
        )
        keys = [c for c in CUT_COLUMNS if c not in ("rows",)]
        g = f.groupby(keys, dropna=False, sort=False).size().rename("rows").reset_index()
        frames.append(g)
    if not frames:
        return pd.DataFrame(columns=CUT_COLUMNS)
    df = pd.concat(frames, ignore_index=True)[CUT_COLUMNS]
    texts = ("written_name", "written_kecamatan", "written_kab_kota")
    for c in (*texts, "placed_kode", "placed_in", "placed_kab"):
        df[c] = pd.Series(
            [v if isinstance(v, str) and v else None for v in df[c]], index=df.index, dtype=object
        )
    return df.sort_values("rows", ascending=False, kind="stable").reset_index(drop=True)


def scope_joined(joined: Joined, scope: Scope) -> Joined:
    """The joined inputs restricted to ``scope`` (units renumbered; rows outside dropped).

    A row that no unit matched is kept only when the kab/kota it names is one of the scope's
    (so a scoped planner still sees their own unmatched rows, and nobody else's)."""
    if scope.is_everything:
        return joined
    mask = scope.unit_mask(joined.units)
    if not mask.any():
        raise UserError("office.scope_empty", scope=scope.label())
    new_pos = np.full(len(mask), -1, dtype=np.int64)
    new_pos[mask] = np.arange(int(mask.sum()))
    units = joined.units.loc[mask].reset_index(drop=True)
    kabs = scope.kab_kota or None

    def written_in_scope(values: pd.Series) -> np.ndarray:
        v = values.astype("string").fillna("")
        hit = {x: _kab_in(x, kabs) for x in v.unique()}
        return v.map(hit).to_numpy(dtype=bool)

    kept_rows: dict[str, set] = {}
    sources = joined.sources

    def cut(placed, kind: str):
        t = placed.table
        t2 = t.loc[_inside(placed, mask, kabs)].copy()
        u = t2["unit"].to_numpy(dtype=np.int64)
        t2["unit"] = np.where(u >= 0, new_pos[np.maximum(u, 0)], -1)
        kept_rows[sources.get(kind, kind)] = set(t2["row"].dropna().astype(int).tolist())
        return replace(placed, table=t2.reset_index(drop=True))

    clients = cut(joined.clients, "clients")
    agents = cut(joined.agents, "agents")
    service = cut(joined.service_points, "service_points")

    matches = joined.matches
    if len(matches):
        kode_in = set(units["kode"].astype(str))
        has = matches["kode"].notna()
        in_scope = has & matches["kode"].astype(str).isin(kode_in)
        if kabs is not None:
            in_scope |= ~has & written_in_scope(matches["written_kab_kota"])
        matches = matches.loc[in_scope.to_numpy(dtype=bool)].reset_index(drop=True)

    qf = joined.quality.to_frame()
    if len(qf):
        bname = sources.get("boundaries", "boundaries")
        keep = np.zeros(len(qf), dtype=bool)
        for i, (file, row) in enumerate(zip(qf["file"], qf["row"], strict=True)):
            if file in kept_rows:
                keep[i] = pd.notna(row) and int(row) in kept_rows[file]
            else:
                keep[i] = file == bname and pd.isna(row)
        qf = qf.loc[keep]
    q = DataQuality()
    if len(qf):
        q.frames.append(qf.reset_index(drop=True))
    return replace(
        joined,
        units=units,
        rep_xy=joined.rep_xy[mask],
        clients=clients,
        agents=agents,
        service_points=service,
        matches=matches,
        quality=q,
    )
