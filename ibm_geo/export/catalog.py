"""Every file that leaves the process, declared once (issue 24).

One :class:`Export` per file: its declaration (:data:`ibm_geo.export.files.FILES`: name, MIME
type, the app's label key, what it needs to exist (a plan, the Capaian tables, ...), where it is
offered (``cli`` for ``ibm-geo analyze`` and ``plan``, ``cli_plan`` for ``ibm-geo plan`` only,
``app`` for the Ekspor step, ``workspace`` for the office's saved plans and runs)) and its
builder (:data:`BUILDERS`), which takes the published tier (:class:`ibm_geo.publish.Published`)
and returns bytes. The CLI, the app's downloads, the office
workspace and the slides' file names all read :data:`CATALOG`; ``tests/test_export_catalog.py``
fails when a consumer offers a file that is not declared here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from ibm_geo.export import tables
from ibm_geo.export.files import CHANNELS, FILES, filename
from ibm_geo.publish import Published
from ibm_geo.render.basemap import build_basemap


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
    """One declared file (:class:`ibm_geo.export.files.ExportFile`) with its builder."""

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
def _csv_of(frame: Callable[[Build], object]) -> Callable[[Build], bytes]:
    return lambda b: tables.csv_text(frame(b)).encode("utf-8")


def _html(b: Build) -> bytes:
    from ibm_geo.render import html_map  # optional extra: folium, loaded when a map is built

    change = b.monitoring.change_units if b.monitoring is not None else None
    return html_map.build_html_map(b.published, lang=b.lang, change=change)


def _png(b: Build) -> bytes:
    from ibm_geo.render import static_map  # optional extra: matplotlib, when a map is drawn

    return static_map.render_static_map(b.published, lang=b.lang, basemap=b.basemap())


def _pdf(b: Build) -> bytes:
    from ibm_geo.render import static_map  # optional extra: matplotlib, when a map is drawn

    return static_map.render_static_map(
        b.published, lang=b.lang, size="a4", fmt="pdf", basemap=b.basemap()
    )


def _slides(b: Build) -> bytes:
    from ibm_geo.render import monitoring as render_monitoring  # optional extra: matplotlib
    from ibm_geo.render import slides  # optional extra: python-pptx, when a deck is built

    deck = slides.build_slides(b.published, lang=b.lang, basemap=b.basemap())
    if b.monitoring is None:
        return deck
    return render_monitoring.add_progress_slides(deck, b.monitoring, b.lang)


def _trend_png(b: Build) -> bytes:
    from ibm_geo.render import monitoring as render_monitoring  # optional extra: matplotlib

    return render_monitoring.trend_chart_png(b.monitoring.trend, _trend_area(b), k=b.monitoring.k)


def _change_geojson(b: Build) -> bytes:
    from ibm_geo.render import monitoring as render_monitoring  # optional extra: matplotlib

    return render_monitoring.change_geojson(b.published.geo, b.monitoring.change_units)


def _phase_sheet(name: str) -> Callable[[Build], object]:
    return lambda b: b.published.phases.sheets()[name]


#: the builder of each declared file
BUILDERS: dict[str, Callable[[Build], bytes]] = {
    "ranking_csv": lambda b: tables.ranking_csv(b.published, b.lang),
    "matches_csv": lambda b: tables.matches_csv(b.published),
    "quality_csv": lambda b: tables.quality_csv(b.published),
    "results_geojson": lambda b: tables.results_geojson(b.published),
    "scenario_toml": lambda b: b.published.scenario.to_bytes("toml"),
    "workbook_xlsx": lambda b: tables.workbook_xlsx(
        b.published, lang=b.lang, monitoring=b.monitoring
    ),
    "kab_totals_csv": _csv_of(lambda b: b.published.kab_totals),
    "progress_csv": _csv_of(lambda b: b.monitoring.progress),
    "trend_csv": _csv_of(lambda b: b.monitoring.trend),
    "summary_csv": _csv_of(lambda b: b.monitoring.summary),
    "change_csv": _csv_of(lambda b: b.monitoring.change),
    "rw_csv": _csv_of(lambda b: b.monitoring.rw),
    "trend_png": _trend_png,
    "change_geojson": _change_geojson,
    "map_html": _html,
    "plan_csv": lambda b: tables.plan_csv(b.published),
    "pilots_csv": lambda b: tables.pilots_csv(b.published),
    "curve_csv": lambda b: tables.curve_csv(b.published),
    "map_png": _png,
    "map_pdf": _pdf,
    "slides": _slides,
    "results_gpkg": lambda b: tables.results_gpkg(b.published),
    "tahap_csv": _csv_of(_phase_sheet("tahap")),
    "tahap_tahun_csv": _csv_of(_phase_sheet("tahap_tahun")),
    "kurva_tahap_csv": _csv_of(_phase_sheet("kurva_tahap")),
    "tahap_xlsx": lambda b: tables.phases_xlsx(b.published, lang=b.lang),
}

#: the declared files with their builders, in the order the CLI writes them and the app lists them
CATALOG: tuple[Export, ...] = tuple(Export(**asdict(f), build=BUILDERS[f.key]) for f in FILES)

BY_KEY: dict[str, Export] = {e.key: e for e in CATALOG}
BY_FILENAME: dict[str, Export] = {e.filename: e for e in CATALOG}


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


__all__ = [
    "BUILDERS",
    "BY_FILENAME",
    "BY_KEY",
    "CATALOG",
    "CHANNELS",
    "Build",
    "Export",
    "exports",
    "filename",
]
