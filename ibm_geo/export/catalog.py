"""Every file that leaves the process, declared once (issue 24).

One :class:`Export` per file: its name, MIME type, the app's label key, what it needs to exist
(a plan, the Capaian tables, ...), where it is offered (``cli`` for ``ibm-geo analyze`` and
``plan``, ``cli_plan`` for ``ibm-geo plan`` only, ``app`` for the Ekspor step, ``workspace`` for
the office's saved plans and runs) and a builder that takes the published tier
(:class:`ibm_geo.publish.Published`) and returns bytes. The CLI, the app's downloads, the office
workspace and the slides' file names all read :data:`CATALOG`; ``tests/test_export_catalog.py``
fails when a consumer offers a file that is not declared here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from ibm_geo.publish import Published

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

#: the places that offer files
CHANNELS = ("cli", "cli_plan", "app", "workspace")


@dataclass
class Build:
    """What a builder may use besides the published tier: the reader's language, the Capaian
    tables (``ibm_geo.monitoring.Monitoring``) and one basemap shared by the print map, the A4
    PDF and the slides (built on first use, from the published polygons and road lines)."""

    published: Published
    lang: str = "id"
    monitoring: object = None
    _basemap: object = field(default=None, repr=False)

    def basemap(self):
        if self._basemap is None:
            from ibm_geo.render.basemap import build_basemap

            ctx = self.published.context
            self._basemap = build_basemap(self.published.geo, getattr(ctx, "roads", None))
        return self._basemap


def _has_plan(b: Build) -> bool:
    return b.published.plan is not None


def _mon(b: Build, attr: str) -> bool:
    return b.monitoring is not None and getattr(b.monitoring, attr, None) is not None


def _trend_area(b: Build) -> str | None:
    """The province the trend chart is drawn for (the first one in the summary), or None."""
    if b.monitoring is None:
        return None
    s = b.monitoring.summary
    prov = s.loc[s["area_level"] == "provinsi", "area"]
    return str(prov.iloc[0]) if len(prov) else None


#: what an export needs before it can be built
NEEDS: dict[str, Callable[[Build], bool]] = {
    "plan": _has_plan,
    "monitoring": lambda b: b.monitoring is not None,
    "change": lambda b: _mon(b, "change"),
    "rw": lambda b: _mon(b, "rw"),
    "trend": lambda b: _trend_area(b) is not None,
    "phases": lambda b: b.published.phases is not None,
}


@dataclass(frozen=True)
class Export:
    """One file: ``filename`` is the same in every channel, so a slide or a help text can name
    it; ``label`` is the app's text key (``<label>.desc`` its caption)."""

    key: str
    filename: str
    mime: str
    label: str
    build: Callable[[Build], bytes]
    needs: tuple[str, ...] = ()
    channels: tuple[str, ...] = ("cli", "app")

    def available(self, b: Build) -> bool:
        return all(NEEDS[n](b) for n in self.needs)


# ------------------------------------------------------------------------------------ builders
def _tables():
    from ibm_geo.export import tables

    return tables


def _csv_of(frame: Callable[[Build], object]) -> Callable[[Build], bytes]:
    return lambda b: _tables().csv_text(frame(b)).encode("utf-8")


def _html(b: Build) -> bytes:
    from ibm_geo.render import build_html_map

    change = b.monitoring.change_units if b.monitoring is not None else None
    return build_html_map(b.published, lang=b.lang, change=change)


def _png(b: Build) -> bytes:
    from ibm_geo.render import render_static_map

    return render_static_map(b.published, lang=b.lang, basemap=b.basemap())


def _pdf(b: Build) -> bytes:
    from ibm_geo.render import render_static_map

    return render_static_map(b.published, lang=b.lang, size="a4", fmt="pdf", basemap=b.basemap())


def _slides(b: Build) -> bytes:
    from ibm_geo.render import build_slides

    deck = build_slides(b.published, lang=b.lang, basemap=b.basemap())
    if b.monitoring is None:
        return deck
    from ibm_geo.render.monitoring import add_progress_slides

    return add_progress_slides(deck, b.monitoring, b.lang)


def _trend_png(b: Build) -> bytes:
    from ibm_geo.render.monitoring import trend_chart_png

    return trend_chart_png(b.monitoring.trend, _trend_area(b), k=b.monitoring.k)


def _change_geojson(b: Build) -> bytes:
    from ibm_geo.render.monitoring import change_geojson

    return change_geojson(b.published.geo, b.monitoring.change_units)


def _phase_sheet(name: str) -> Callable[[Build], object]:
    return lambda b: b.published.phases.sheets()[name]


CLI, APP, WORK, PLAN_ONLY = ("cli",), ("app",), ("workspace",), ("cli_plan",)
#: in the order the CLI writes them and the app lists them
CATALOG: tuple[Export, ...] = (
    Export("ranking_csv", "ranking.csv", "text/csv", "e.ranking_csv",
           lambda b: _tables().ranking_csv(b.published, b.lang),
           channels=(*CLI, *APP, *WORK)),
    Export("matches_csv", "matches.csv", "text/csv", "e.matches_csv",
           lambda b: _tables().matches_csv(b.published), channels=CLI),
    Export("quality_csv", "data_quality.csv", "text/csv", "q.download",
           lambda b: _tables().quality_csv(b.published)),
    Export("results_geojson", "results.geojson", "application/geo+json", "e.geojson",
           lambda b: _tables().results_geojson(b.published)),
    Export("scenario_toml", "scenario.toml", "application/toml", "e.scenario",
           lambda b: b.published.scenario.to_bytes("toml"), channels=(*CLI, *APP, *WORK)),
    Export("workbook_xlsx", "ranking.xlsx", XLSX, "e.ranking_xlsx",
           lambda b: _tables().workbook_xlsx(b.published, lang=b.lang, monitoring=b.monitoring)),
    Export("kab_totals_csv", "kab_totals.csv", "text/csv", "e.kab_totals_csv",
           _csv_of(lambda b: b.published.kab_totals), channels=WORK),
    Export("progress_csv", "progress.csv", "text/csv", "e.progress_csv",
           _csv_of(lambda b: b.monitoring.progress), ("monitoring",), CLI),
    Export("trend_csv", "trend.csv", "text/csv", "e.trend_csv",
           _csv_of(lambda b: b.monitoring.trend), ("monitoring",), CLI),
    Export("summary_csv", "summary.csv", "text/csv", "e.summary_csv",
           _csv_of(lambda b: b.monitoring.summary), ("monitoring",), CLI),
    Export("change_csv", "change.csv", "text/csv", "e.change_csv",
           _csv_of(lambda b: b.monitoring.change), ("change",), CLI),
    Export("rw_csv", "rw.csv", "text/csv", "e.rw_csv",
           _csv_of(lambda b: b.monitoring.rw), ("rw",), CLI),
    Export("trend_png", "trend.png", "image/png", "e.trend_png", _trend_png, ("trend",), CLI),
    Export("change_geojson", "change.geojson", "application/geo+json", "e.change_geojson",
           _change_geojson, ("change",), CLI),
    Export("map_html", "map.html", "text/html", "e.html", _html),
    Export("plan_csv", "plan.csv", "text/csv", "e.plan_csv",
           lambda b: _tables().plan_csv(b.published), ("plan",), (*PLAN_ONLY, *APP, *WORK)),
    Export("pilots_csv", "pilots.csv", "text/csv", "e.pilots_csv",
           lambda b: _tables().pilots_csv(b.published), channels=(*PLAN_ONLY, *APP, *WORK)),
    Export("curve_csv", "curve.csv", "text/csv", "e.curve_csv",
           lambda b: _tables().curve_csv(b.published), ("plan",), (*PLAN_ONLY, *WORK)),
    Export("map_png", "map.png", "image/png", "e.png", _png, channels=(*PLAN_ONLY, *APP)),
    Export("map_pdf", "map_a4.pdf", "application/pdf", "e.pdf", _pdf,
           channels=(*PLAN_ONLY, *APP)),
    Export("slides", "rakor.pptx", PPTX, "e.slides", _slides, channels=(*PLAN_ONLY, *APP)),
    Export("results_gpkg", "results.gpkg", "application/geopackage+sqlite3", "e.gpkg",
           lambda b: _tables().results_gpkg(b.published), channels=APP),
    Export("tahap_csv", "tahap.csv", "text/csv", "e.tahap_csv",
           _csv_of(_phase_sheet("tahap")), ("phases",), PLAN_ONLY),
    Export("tahap_tahun_csv", "tahap_tahun.csv", "text/csv", "e.tahap_tahun_csv",
           _csv_of(_phase_sheet("tahap_tahun")), ("phases",), PLAN_ONLY),
    Export("kurva_tahap_csv", "kurva_tahap.csv", "text/csv", "e.kurva_tahap_csv",
           _csv_of(_phase_sheet("kurva_tahap")), ("phases",), PLAN_ONLY),
    Export("tahap_xlsx", "tahap.xlsx", XLSX, "e.tahap_xlsx",
           lambda b: _tables().phases_xlsx(b.published, lang=b.lang), ("phases",), PLAN_ONLY),
)  # fmt: skip

BY_KEY: dict[str, Export] = {e.key: e for e in CATALOG}
BY_FILENAME: dict[str, Export] = {e.filename: e for e in CATALOG}


def filename(key: str) -> str:
    """The file name of export ``key`` (what a slide or a help text names)."""
    return BY_KEY[key].filename


def exports(
    published: Published,
    channel: str,
    *,
    lang: str = "id",
    monitoring=None,
    skip: tuple[str, ...] = (),
    build: Build | None = None,
) -> list[tuple[Export, Callable[[], bytes]]]:
    """The exports ``channel`` offers for one published tier, in catalogue order, each with a
    zero-argument builder (so the app builds a file only when its button is clicked).
    ``skip``: export keys left out (``--no-map``)."""
    if channel not in CHANNELS:
        raise ValueError(channel)
    b = build or Build(published, lang=lang, monitoring=monitoring)
    return [
        (e, functools.partial(e.build, b))
        for e in CATALOG
        if channel in e.channels and e.key not in skip and e.available(b)
    ]


__all__ = ["BY_FILENAME", "BY_KEY", "CATALOG", "CHANNELS", "Build", "Export", "exports", "filename"]
