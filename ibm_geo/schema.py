"""The kinds of count columns of the per-kelurahan table, declared once below everything that
treats them differently: privacy protects the client counts, the renderers sum the open ones
when they dissolve units to an overview (and take the protected totals from the published
tier), so neither has to import the other."""

from __future__ import annotations

STATUS_COLS = ["status_belum", "status_aktif", "status_selesai", "status_putus", "status_unknown"]
TINGKAT_COLS = ["tingkat_ringan", "tingkat_sedang", "tingkat_berat"]
RAWAT_COLS = ["rawat_jalan", "rawat_inap"]
OUTCOME_COLS = ["served", "in_reach", "referral_berat", "unserved"]

#: client-derived counts: suppressed 1..k-1 and protected by secondary suppression
SUPPRESSED_COUNTS = [
    "clients",
    *STATUS_COLS,
    *TINGKAT_COLS,
    *RAWAT_COLS,
    *OUTCOME_COLS,
    "unserved_recent",
]
#: counts of public things (agents, offices): shown as they are
OPEN_COUNTS = ["agents_total", "agents_active", "service_points"]
