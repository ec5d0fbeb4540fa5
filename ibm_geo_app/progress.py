"""The "Capaian" (progress) view: targets, per-office summary, trend and change since the last
rakor, all from :func:`ibm_geo.monitoring.monitor` (published, protected tables only).

UI-free helpers here (``monitoring_for``, ``view_tables``) are what the page calls and what the
tests check; the page itself (``step_progress`` in ``app.py``) only draws them.
"""

from __future__ import annotations

import pandas as pd

from ibm_geo.i18n import t
from ibm_geo.monitoring import (
    BASIS_SNAPSHOT,
    BASIS_YEAR,
    Monitoring,
    monitor,
    read_previous,
    read_targets,
)
from ibm_geo.quality import DataQuality


def monitoring_for(
    result,
    targets: tuple[str, bytes] | None,
    previous: tuple[str, bytes] | None,
    *,
    by_kecamatan: bool = False,
    per_rw: bool = False,
) -> tuple[Monitoring, pd.DataFrame]:
    """Monitoring tables for uploaded (name, bytes) targets / previous results (and kecamatan
    rows in the summary on request); also the row-numbered problems of the targets file.
    Raises IbmGeoError for unusable files."""
    q = DataQuality()
    tg = read_targets(targets[1], result.kelurahan, name=targets[0], quality=q) if targets else None
    prev = read_previous(previous[1], name=previous[0]) if previous else None
    mon = monitor(result, tg, prev, by_kecamatan=by_kecamatan, per_rw=per_rw)
    return mon, q.to_frame()


#: column -> text key of its header (one per column of the four monitoring tables)
HEADERS = {
    "area": "cap.col.area",
    "area_level": "cap.col.area_level",
    "year": "cap.col.year",
    "indicator": "cap.col.indicator",
    "achieved": "cap.col.achieved",
    "target": "cap.col.target",
    "percent": "cap.col.percent",
    "clients": "cap.col.clients",
    "followed_up": "cap.col.followed_up",
    "unserved": "cap.col.unserved",
    "referral_berat": "cap.col.referral_berat",
    "agents_active": "cap.col.agents_active",
    "capacity": "cap.col.capacity",
    "capacity_gap": "cap.col.capacity_gap",
    "ibm_villages": "cap.col.ibm_villages",
    "kode": "cap.col.kode",
    "nama": "cap.col.nama",
    "unserved_before": "cap.col.unserved_before",
    "unserved_now": "cap.col.unserved_now",
    "change": "cap.col.change",
    "rw": "cap.col.rw",
    "basis": "cap.col.basis",
}


def view_tables(mon: Monitoring, lang: str) -> dict[str, pd.DataFrame]:
    """The tables the page shows, with translated headers (values untouched: labels stay)."""
    ind = {i: t(f"ind.{i}", lang) for i in ("rehab", "pascarehab", "agen", "desa_ibm")}
    pr = mon.progress.copy()
    pr["indicator"] = pr["indicator"].map(ind).fillna(pr["indicator"])
    basis = {
        BASIS_YEAR: t("cap.basis.tahunan", lang),
        BASIS_SNAPSHOT: t("cap.basis.snapshot", lang),
    }
    pr["basis"] = pr["basis"].map(basis).fillna(pr["basis"])

    def head(c: str) -> str:
        return t(HEADERS[c], lang)

    out = {
        "summary": mon.summary.rename(columns=head),
        "progress": pr.rename(columns=head),
        "trend": mon.trend.rename(columns=head),
    }
    if mon.change is not None:
        out["change"] = mon.change.rename(columns=head)
    if mon.rw is not None:
        out["rw"] = mon.rw.rename(columns=head)
    return {k: v.astype(str) for k, v in out.items()}
