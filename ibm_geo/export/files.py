"""Every file that leaves the process, declared once (issue 24): its name, MIME type, the app's
label key, what it needs to exist and where it is offered. Below the renderers and builders, so
a slide or a help text can name a file (:func:`filename`) without importing what builds it;
:mod:`ibm_geo.export.catalog` pairs each declaration with its builder."""

from __future__ import annotations

from dataclasses import dataclass

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: the places that offer files
CHANNELS = ("cli", "cli_plan", "app", "workspace")


@dataclass(frozen=True)
class ExportFile:
    """One file: ``filename`` is the same in every channel, so a slide or a help text can name
    it; ``label`` is the app's text key (``<label>.desc`` its caption); ``needs`` are keys of
    :data:`ibm_geo.export.catalog.NEEDS`."""

    key: str
    filename: str
    mime: str
    label: str
    needs: tuple[str, ...] = ()
    channels: tuple[str, ...] = ("cli", "app")


CLI, APP, WORK, PLAN_ONLY = ("cli",), ("app",), ("workspace",), ("cli_plan",)
#: in the order the CLI writes them and the app lists them
FILES: tuple[ExportFile, ...] = (
    ExportFile("ranking_csv", "ranking.csv", "text/csv", "e.ranking_csv", channels=(*CLI, *APP, *WORK)),
    ExportFile("matches_csv", "matches.csv", "text/csv", "e.matches_csv", channels=CLI),
    ExportFile("quality_csv", "data_quality.csv", "text/csv", "q.download"),
    ExportFile("results_geojson", "results.geojson", "application/geo+json", "e.geojson"),
    ExportFile("scenario_toml", "scenario.toml", "application/toml", "e.scenario", channels=(*CLI, *APP, *WORK)),
    ExportFile("workbook_xlsx", "ranking.xlsx", XLSX, "e.ranking_xlsx"),
    ExportFile("kab_totals_csv", "kab_totals.csv", "text/csv", "e.kab_totals_csv", channels=WORK),
    ExportFile("progress_csv", "progress.csv", "text/csv", "e.progress_csv", ("monitoring",), CLI),
    ExportFile("trend_csv", "trend.csv", "text/csv", "e.trend_csv", ("monitoring",), CLI),
    ExportFile("summary_csv", "summary.csv", "text/csv", "e.summary_csv", ("monitoring",), CLI),
    ExportFile("change_csv", "change.csv", "text/csv", "e.change_csv", ("change",), CLI),
    ExportFile("rw_csv", "rw.csv", "text/csv", "e.rw_csv", ("rw",), CLI),
    ExportFile("trend_png", "trend.png", "image/png", "e.trend_png", ("trend",), CLI),
    ExportFile("change_geojson", "change.geojson", "application/geo+json", "e.change_geojson", ("change",), CLI),
    ExportFile("map_html", "map.html", "text/html", "e.html"),
    ExportFile("plan_csv", "plan.csv", "text/csv", "e.plan_csv", ("plan",), (*PLAN_ONLY, *APP, *WORK)),
    ExportFile("pilots_csv", "pilots.csv", "text/csv", "e.pilots_csv", channels=(*PLAN_ONLY, *APP, *WORK)),
    ExportFile("curve_csv", "curve.csv", "text/csv", "e.curve_csv", ("plan",), (*PLAN_ONLY, *WORK)),
    ExportFile("map_png", "map.png", "image/png", "e.png", channels=(*PLAN_ONLY, *APP)),
    ExportFile("map_pdf", "map_a4.pdf", "application/pdf", "e.pdf", channels=(*PLAN_ONLY, *APP)),
    ExportFile("slides", "rakor.pptx", PPTX, "e.slides", channels=(*PLAN_ONLY, *APP)),
    ExportFile("results_gpkg", "results.gpkg", "application/geopackage+sqlite3", "e.gpkg", channels=APP),
    ExportFile("tahap_csv", "tahap.csv", "text/csv", "e.tahap_csv", ("phases",), PLAN_ONLY),
    ExportFile("tahap_tahun_csv", "tahap_tahun.csv", "text/csv", "e.tahap_tahun_csv", ("phases",), PLAN_ONLY),
    ExportFile("kurva_tahap_csv", "kurva_tahap.csv", "text/csv", "e.kurva_tahap_csv", ("phases",), PLAN_ONLY),
    ExportFile("tahap_xlsx", "tahap.xlsx", XLSX, "e.tahap_xlsx", ("phases",), PLAN_ONLY),
)  # fmt: skip

FILE_BY_KEY: dict[str, ExportFile] = {f.key: f for f in FILES}


def filename(key: str) -> str:
    """The file name of export ``key`` (what a slide or a help text names)."""
    return FILE_BY_KEY[key].filename
