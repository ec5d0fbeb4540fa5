"""Exports of the published tier (see :mod:`ibm_geo.export.tables`)."""

from ibm_geo.export.tables import (
    analysis_workbook,
    manifest,
    ranking_csv,
    ranking_table,
    results_geojson,
    results_gpkg,
    unmatched_summary,
    workbook_xlsx,
    write_bytes,
)

__all__ = [
    "analysis_workbook",
    "manifest",
    "ranking_csv",
    "ranking_table",
    "results_geojson",
    "results_gpkg",
    "unmatched_summary",
    "workbook_xlsx",
    "write_bytes",
]
