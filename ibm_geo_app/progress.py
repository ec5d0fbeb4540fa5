"""The "Capaian" (progress) view: targets, per-office summary, trend and change since the last
rakor, all from :func:`ibm_geo.monitoring.monitor` (published, protected tables only).

UI-free helpers here (``monitoring_for``, ``view_tables``) are what the page calls and what the
tests check; the page itself (``step_progress`` in ``app.py``) only draws them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ibm_geo.i18n import column_label, fmt_num
from ibm_geo.monitoring import Monitoring, monitor, read_previous, read_targets
from ibm_geo.quality import DataQuality


def monitoring_for(
    result,
    targets: tuple[str, bytes] | None,
    previous: tuple[str, bytes] | None,
    *,
    by_kecamatan: bool = False,
    per_rw: bool = False,
    exact: bool = False,
) -> tuple[Monitoring, pd.DataFrame]:
    """Monitoring tables for uploaded (name, bytes) targets / previous results (and kecamatan
    rows in the summary on request); also the row-numbered problems of the targets file.
    ``exact``: the working tier (the planner's screen), else the published tables (files).
    Raises IbmGeoError for unusable files."""
    q = DataQuality()
    tg = read_targets(targets[1], result.kelurahan, name=targets[0], quality=q) if targets else None
    prev = (
        read_previous(previous[1], name=previous[0], kelurahan=result.kelurahan, quality=q)
        if previous
        else None
    )
    mon = monitor(result, tg, prev, by_kecamatan=by_kecamatan, per_rw=per_rw, exact=exact)
    return mon, q.to_frame()


#: columns shown as written (a year is not "2.024")
_AS_WRITTEN = ("year", "kode", "rw")


def view_tables(mon: Monitoring, lang: str) -> dict[str, pd.DataFrame]:
    """The tables the page shows: values as :meth:`Monitoring.sheets` words them, numbers in
    the reader's format (``41,7``, ``1.300``) and headers from
    :func:`ibm_geo.i18n.column_label`, the same as the workbook's (hidden labels stay)."""
    out = {}
    for name, df in mon.sheets(lang).items():
        df = df.astype(object)
        for c in df.columns:
            if c not in _AS_WRITTEN:
                df[c] = df[c].map(lambda v: _num(v, lang))
        out[name] = df.rename(columns=lambda c: column_label(c, lang)).astype(str)
    return out


def _num(v: object, lang: str) -> object:
    if isinstance(v, bool) or not isinstance(v, int | float | np.integer | np.floating):
        return v
    if v != v:  # NaN: an empty cell, as before
        return v
    return fmt_num(v, lang, 0 if float(v).is_integer() else 1)
