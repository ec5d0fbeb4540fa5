"""The Ekspor step's list of downloads: one entry per file, built only when clicked.

Every builder takes the published tier (:class:`ibm_geo.publish.Published`) only; the app never
formats a client count for a file.
"""

from __future__ import annotations

import functools

from ibm_geo.render.basemap import build_basemap

# ------------------------------------------------------------------------------------- exports
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def export_items(published, lang: str = "id", monitoring=None) -> list[tuple]:
    """(label key, file name, mime, zero-argument callable -> bytes) for every download of one
    published tier (:func:`ibm_geo.publish.publish`); ``monitoring`` (the Capaian step's
    tables) adds the progress sheets and slides.

    Callables so that Streamlit builds a file only when its button is clicked. Every builder
    takes the published object only; the app never formats a client count for a file.
    """
    from ibm_geo.export import tables as ex

    pub = published
    sc = pub.scenario
    basemap = functools.cache(lambda: build_basemap(pub.geo))  # once for PNG, PDF and slides

    def html_map() -> bytes:
        from ibm_geo.render import build_html_map

        return build_html_map(pub, lang=lang)

    def png() -> bytes:
        from ibm_geo.render import render_static_map

        return render_static_map(pub, lang=lang, basemap=basemap())

    def pdf_a4() -> bytes:
        from ibm_geo.render import render_static_map

        return render_static_map(pub, lang=lang, size="a4", fmt="pdf", basemap=basemap())

    def slides() -> bytes:
        from ibm_geo.render import build_slides

        deck = build_slides(pub, lang=lang, basemap=basemap())
        if monitoring is None:
            return deck
        from ibm_geo.render.monitoring import add_progress_slides

        return add_progress_slides(deck, monitoring, lang)

    def xlsx() -> bytes:  # the CLI's ranking.xlsx: same builder, same sheets
        return ex.workbook_xlsx(pub, lang=lang, monitoring=monitoring)

    items = [
        ("e.ranking_csv", "peringkat.csv", "text/csv", lambda: ex.ranking_csv(pub, lang)),
        ("e.ranking_xlsx", "peringkat.xlsx", XLSX, xlsx),
        ("e.geojson", "hasil.geojson", "application/geo+json", lambda: ex.results_geojson(pub)),
        ("e.html", "peta.html", "text/html", html_map),
        ("e.png", "peta.png", "image/png", png),
        ("e.pdf", "peta_a4.pdf", "application/pdf", pdf_a4),
        ("e.slides", "bahan_rakor.pptx", PPTX, slides),
        ("e.gpkg", "hasil.gpkg", "application/geopackage+sqlite3", lambda: ex.results_gpkg(pub)),
        ("e.pilots_csv", "desa_percontohan.csv", "text/csv", lambda: ex.pilots_csv(pub)),
        ("q.download", "kualitas_data.csv", "text/csv", lambda: ex.quality_csv(pub)),
        ("e.scenario", "skenario.toml", "application/toml", lambda: sc.to_bytes("toml")),
    ]
    if pub.plan is not None:  # the plan only exists once the planner has run it
        items.insert(
            3, ("e.plan_csv", "rencana_rekrutmen.csv", "text/csv", lambda: ex.plan_csv(pub))
        )
    return items
