"""The Capaian tables of ``analyze`` and ``plan`` (--targets, --previous, --per-kecamatan,
--per-rw)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..monitoring import Monitoring, monitor, read_previous, read_targets
from ..quality import DataQuality


def run_monitoring(
    result,
    targets: Path | None,
    previous: Path | None,
    per_kecamatan: bool = False,
    per_rw: bool = False,
) -> Monitoring | None:
    """The monitoring tables when --targets, --previous, --per-kecamatan or --per-rw is given
    (else None); bad target rows join the data-quality report."""
    if targets is None and previous is None and not per_kecamatan and not per_rw:
        return None
    q = DataQuality()
    tg = read_targets(targets, result.kelurahan, quality=q) if targets else None
    prev = read_previous(previous, kelurahan=result.kelurahan, quality=q) if previous else None
    if len(q):
        result.quality = pd.concat([result.quality, q.to_frame()], ignore_index=True)
    return monitor(result, tg, prev, by_kecamatan=per_kecamatan, per_rw=per_rw)
