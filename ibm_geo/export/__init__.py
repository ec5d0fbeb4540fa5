"""Privacy-safe exports of the per-kelurahan result table (see :mod:`ibm_geo.export.tables`)."""

from ibm_geo.export.tables import (
    manifest,
    ranking_csv,
    ranking_table,
    results_geojson,
    results_gpkg,
    unmatched_summary,
    workbook_xlsx,
    write_bytes,
)
from ibm_geo.privacy import public_quality

__all__ = [
    "manifest",
    "public_quality",
    "ranking_csv",
    "ranking_table",
    "results_geojson",
    "results_gpkg",
    "unmatched_summary",
    "workbook_xlsx",
    "write_bytes",
]
