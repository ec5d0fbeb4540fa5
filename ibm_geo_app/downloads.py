"""The Ekspor step's list of downloads: one entry per file, built only when clicked.

Every function called here applies :mod:`ibm_geo.privacy` itself (aggregates only, small counts
suppressed); the app never formats a client count for a file.
"""

from __future__ import annotations

import functools

from ibm_geo.config import Scenario
from ibm_geo.render.basemap import MapContext, build_basemap

# ------------------------------------------------------------------------------------- exports
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def export_items(
    result, sc: Scenario, plan=None, pilots=None, lang: str = "id", monitoring=None
) -> list[tuple]:
    """(label key, file name, mime, zero-argument callable -> bytes) for every download;
    ``monitoring`` (the Capaian step's tables) adds the progress sheets and slides.

    Callables so that Streamlit builds a file only when its button is clicked. Every function
    called here applies :mod:`ibm_geo.privacy` itself (aggregates only, small counts suppressed).
    """
    from ibm_geo.export import tables as ex

    kel = result.kelurahan
    sites = plan.sites if plan is not None else None
    curve = plan.curve if plan is not None else None
    ctx = MapContext.from_result(result)
    basemap = functools.cache(lambda: build_basemap(kel))  # once for PNG, PDF and slides

    def html_map() -> bytes:
        from ibm_geo.render import build_html_map

        return build_html_map(
            kel, scenario=sc, sites=sites, pilots=pilots, lang=lang, context=ctx,
            distance=result.distance,
        )  # fmt: skip

    def png() -> bytes:
        from ibm_geo.render import render_static_map

        return render_static_map(
            kel, scenario=sc, sites=sites, pilots=pilots, lang=lang, context=ctx,
            basemap=basemap(),
        )  # fmt: skip

    def pdf_a4() -> bytes:
        from ibm_geo.render import render_static_map

        return render_static_map(
            kel, scenario=sc, sites=sites, pilots=pilots, lang=lang, size="a4", fmt="pdf",
            context=ctx, basemap=basemap(),
        )  # fmt: skip

    def slides() -> bytes:
        from ibm_geo.render import build_slides

        deck = build_slides(
            kel, scenario=sc, sites=sites, pilots=pilots, curve=curve,
            quality=result.quality, matches=result.matches, lang=lang, context=ctx,
            basemap=basemap(),
        )  # fmt: skip
        if monitoring is None:
            return deck
        from ibm_geo.render.monitoring import add_progress_slides

        return add_progress_slides(deck, monitoring, lang)

    def xlsx() -> bytes:  # the CLI's ranking.xlsx: same builder, same sheets
        return ex.analysis_workbook(
            result, sc, plan=plan, pilots=pilots, monitoring=monitoring, lang=lang
        )

    def quality_csv() -> bytes:
        return ex.quality_csv(result.quality)

    items = [
        ("e.ranking_csv", "peringkat.csv", "text/csv", lambda: ex.ranking_csv(kel, sc, lang)),
        ("e.ranking_xlsx", "peringkat.xlsx", XLSX, xlsx),
        ("e.geojson", "hasil.geojson", "application/geo+json", lambda: ex.results_geojson(kel, sc)),
        ("e.html", "peta.html", "text/html", html_map),
        ("e.png", "peta.png", "image/png", png),
        ("e.pdf", "peta_a4.pdf", "application/pdf", pdf_a4),
        ("e.slides", "bahan_rakor.pptx", PPTX, slides),
        (
            "e.gpkg",
            "hasil.gpkg",
            "application/geopackage+sqlite3",
            lambda: ex.results_gpkg(kel, sc),
        ),
        (
            "e.pilots_csv",
            "desa_percontohan.csv",
            "text/csv",
            lambda: ex.pilots_csv(pilots, kel, sc),
        ),
        ("q.download", "kualitas_data.csv", "text/csv", quality_csv),
        ("e.scenario", "skenario.toml", "application/toml", lambda: sc.to_bytes("toml")),
    ]
    if sites is not None:  # the plan only exists once the planner has run it
        plan_csv = (
            "e.plan_csv",
            "rencana_rekrutmen.csv",
            "text/csv",
            lambda: ex.plan_csv(sites, sc),
        )
        items.insert(3, plan_csv)
    return items
