"""The linked published tables (summary, trend, progress, RW) cut from one cube through
the disclosure control of the ranking, and :func:`monitor`, which builds them all."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ibm_geo.export.tables import csv_text
from ibm_geo.i18n import t as _t
from ibm_geo.monitoring.common import (
    BASIS_SNAPSHOT,
    BASIS_YEAR,
    INDICATORS,
    PROGRESS_COLUMNS,
    SUMMARY_COLUMNS,
    TREND_COLUMNS,
    UNKNOWN_YEAR,
)
from ibm_geo.monitoring.cube import (
    PASCA,
    YEAR_MEASURES,
    Cube,
    build_cube,
    cell_label,
    published_cube,
    rw_table,
)
from ibm_geo.monitoring.previous import change_tables
from ibm_geo.privacy import (
    band_label,
)

# -- published tables ---------------------------------------------------------------------------


def indicator_definitions(progress: pd.DataFrame, lang: str = "id") -> list[str]:
    """One sentence per indicator of ``progress`` saying what it counts (``pascarehab``: per
    year, or today's snapshot when the register has no pascarehab year), in indicator order."""
    out = []
    for ind in INDICATORS:
        rows = progress[progress["indicator"] == ind]
        if not len(rows):
            continue
        if ind == "pascarehab":
            for b in (BASIS_YEAR, BASIS_SNAPSHOT):
                if (rows["basis"] == b).any():
                    out.append(_t(f"def.pascarehab.{b}", lang))
        else:
            out.append(_t(f"def.{ind}", lang))
    return out


def basis_note(progress: pd.DataFrame, lang: str = "id") -> str | None:
    """What the rows of ``progress`` count (slides, app): each indicator's definition in one
    sentence, then how the agent rows were counted; None without rows."""
    parts = indicator_definitions(progress, lang)
    agents = agent_basis_note(progress, lang)
    if agents:
        parts.append(agents)
    return " ".join(parts) or None


def agent_basis_note(progress: pd.DataFrame, lang: str = "id") -> str | None:
    """What the ``agen`` / ``desa_ibm`` rows of ``progress`` count, in one sentence (slides,
    manifests): None when there are no such rows. Said because a snapshot repeated for every
    target year reads like yearly progress."""
    rows = progress[progress["indicator"].isin(["agen", "desa_ibm"])]
    if len(rows) == 0:
        return None
    snap = rows["basis"] == BASIS_SNAPSHOT
    if not snap.any():
        return _t("mon.basis_year", lang)
    if snap.all():
        return _t("mon.basis_snapshot", lang)
    return _t(
        "mon.basis_mixed",
        lang,
        years=", ".join(pd.unique(rows.loc[~snap, "area"])),
        snapshot=", ".join(pd.unique(rows.loc[snap, "area"])),
    )


@dataclass
class Monitoring:
    """The published monitoring tables (labels instead of hidden counts) of one result."""

    summary: pd.DataFrame
    trend: pd.DataFrame
    progress: pd.DataFrame
    change: pd.DataFrame | None
    change_units: pd.DataFrame | None  # per-unit change with kode, for the map layer
    k: int
    years: list[int | None]
    rw: pd.DataFrame | None = None  # per-RW table on request (:func:`rw_table`)

    def csv_files(self) -> dict[str, bytes]:
        """File name -> CSV bytes, the CLI's extra outputs."""
        files = {
            "progress.csv": self.progress,
            "trend.csv": self.trend,
            "summary.csv": self.summary,
        }
        if self.change is not None:
            files["change.csv"] = self.change
        if self.rw is not None:
            files["rw.csv"] = self.rw
        return {n: csv_text(df).encode("utf-8") for n, df in files.items()}

    def manifest_notes(self) -> dict[str, str]:
        """Manifest lines of the workbook: how the agent figures of ``progress`` were counted
        (English and Indonesian, like the suppression rule); empty without such rows."""
        out = {}
        en, id_ = agent_basis_note(self.progress, "en"), agent_basis_note(self.progress, "id")
        if en is not None and id_ is not None:
            out.update(agent_progress_basis=en, agent_progress_basis_id=id_)
        if len(self.progress):  # what each indicator means, one sentence each
            out.update(
                indicator_definitions=self.indicator_notes("en"),
                indicator_definitions_id=self.indicator_notes("id"),
            )
        return out

    def indicator_notes(self, lang: str = "id") -> str:
        """Each progress indicator's definition, one sentence each (issue 22): for the progress
        sheet, the app's caption and the manifest line ``indicator_definitions`` once the
        publish step wires them; the slides get it through :func:`basis_note`."""
        return " ".join(indicator_definitions(self.progress, lang))

    def tables(self) -> dict[str, pd.DataFrame]:
        """The published tables by machine name (the CSV files' stems)."""
        out = {"progress": self.progress, "trend": self.trend, "summary": self.summary}
        if self.change is not None:
            out["change"] = self.change
        if self.rw is not None:
            out["rw"] = self.rw
        return out

    def sheets(self, lang: str = "id") -> dict[str, pd.DataFrame]:
        """The tables as people read them (workbook sheets, app): indicator, level and basis
        values in ``lang``; sheet names and headers are the workbook's
        (:func:`ibm_geo.export.tables.workbook_xlsx`), counts and hidden labels untouched."""
        words = {
            "indicator": {i: _t(f"ind.{i}", lang) for i in INDICATORS},
            "area_level": {
                v: _t(f"field.{v}", lang) for v in ("provinsi", "kab_kota", "kecamatan")
            },
            "basis": {b: _t(f"basis.{b}", lang) for b in (BASIS_YEAR, BASIS_SNAPSHOT)},
        }
        out = {}
        for name, df in self.tables().items():
            df = df.copy()
            for col, names in words.items():
                if col in df:
                    df[col] = df[col].map(names).fillna(df[col])
            out[name] = df
        return out


def monitor(
    result,
    targets: pd.DataFrame | None = None,
    previous: pd.DataFrame | None = None,
    *,
    by_kecamatan: bool = False,
    per_rw: bool = False,
    exact: bool = False,
) -> Monitoring:
    """Summary, trend, progress (and change when ``previous`` is given) of one analysis, every
    client count published by the cell key method (:func:`published_cube`), or exact with
    ``exact`` (the working tier: the planner's screen, never a file). ``targets`` from
    :func:`read_targets`, ``previous`` from :func:`read_previous`; ``per_rw`` adds
    :func:`rw_table`."""
    k = result.scenario.suppression_k
    cube = build_cube(result, by_kecamatan=by_kecamatan)
    if exact:  # the working tier: the planner's own screen, never a file
        v, opaque = cube.values, np.zeros(len(cube.rows), dtype=bool)
    else:
        v, opaque = published_cube(cube, k)
    hidden = np.repeat(opaque[:, None], v.shape[1], axis=1)
    rows = cube.rows
    lab = np.empty(v.shape, dtype=object)
    for i in range(v.shape[0]):
        for j in range(v.shape[1]):
            lab[i, j] = cell_label(int(v[i, j]), bool(hidden[i, j]), k)

    # summary
    jc, ju, jr, jn = (cube.col(m) for m in ("clients", "unserved", "referral_berat", "need_agent"))
    cap = cube.open["capacity"].to_numpy()
    gap = []
    for i in range(len(rows)):
        need = int(v[i, jn])
        if hidden[i, jn]:  # an opaque office: no figure derived from its counts either
            gap.append(band_label(k))
        else:
            gap.append(max(0, need - int(cap[i])))
    summary = pd.DataFrame(
        {
            "area": rows["area"],
            "area_level": rows["area_level"],
            "clients": lab[:, jc],
            "unserved": lab[:, ju],
            "referral_berat": lab[:, jr],
            "agents_active": cube.open["agents_active"],
            "capacity": cube.open["capacity"],
            "capacity_gap": gap,
            "ibm_villages": cube.open["ibm_villages"],
        }
    )[SUMMARY_COLUMNS]

    # trend: provinces and kab/kota, one row per year
    trend_rows = []
    for i in np.flatnonzero(rows["area_level"].isin(["provinsi", "kab_kota"]).to_numpy()):
        for y in cube.rehab_years or cube.years:
            trend_rows.append(
                [
                    rows["area"].iloc[i],
                    rows["area_level"].iloc[i],
                    UNKNOWN_YEAR if y is None else int(y),
                    *(lab[i, cube.col(m, y)] for m in YEAR_MEASURES),
                ]
            )
    trend = pd.DataFrame(trend_rows, columns=TREND_COLUMNS)

    progress = _progress(targets, cube, v, hidden, k)
    change = change_units = None
    if previous is not None:
        change, change_units = change_tables(result, previous, summary, rows, k)
    rw = rw_table(result, exact=exact) if per_rw else None
    return Monitoring(summary, trend, progress, change, change_units, k, cube.years, rw)


def _progress(targets, cube: Cube, published: np.ndarray, hidden, k) -> pd.DataFrame:
    if targets is None or len(targets) == 0:
        return pd.DataFrame(columns=PROGRESS_COLUMNS)
    rows = cube.rows
    where = {
        (a, lv): i for i, (a, lv) in enumerate(zip(rows["area"], rows["area_level"], strict=True))
    }
    out = []
    for t in targets.itertuples(index=False):
        i = where.get((t.area, t.area_level))
        basis = BASIS_YEAR
        target = float(t.target)
        tgt = int(target) if target.is_integer() else target
        if i is None:
            achieved, hid = 0, False
        elif t.indicator == "pascarehab" and not cube.pasca_years:
            # no year of post-rehab services in the register: today's clients in follow-up
            # (every rehab year), the same for every target year, and said so
            j = cube.col("followed_up")
            achieved, hid, basis = int(cube.values[i, j]), bool(hidden[i, j]), BASIS_SNAPSHOT
        elif t.indicator in ("rehab", "pascarehab"):
            # rehab in Y: rehabilitated in Y; pascarehab in Y: post-rehab services in Y
            m = "clients" if t.indicator == "rehab" else PASCA
            if t.year in cube.years:
                j = cube.col(m, t.year)
                achieved, hid = int(published[i, j]), bool(hidden[i, j])
            else:
                achieved, hid = 0, False
        else:  # agen, desa_ibm: public counts (agents are places, not clients)
            achieved, basis = cube.agent_progress(i, t.indicator, int(t.year))
            hid = False
        if hid:  # an opaque office: the band, and no percentage computed from it
            shown: object = cell_label(achieved, True, k)
            percent: object = band_label(k)
        else:
            shown, percent = achieved, round(100.0 * achieved / target, 1)
        out.append([t.area, t.area_level, int(t.year), t.indicator, shown, tgt, percent, basis])
    return pd.DataFrame(out, columns=PROGRESS_COLUMNS)
