"""The Ekspor step's list of downloads: one entry per file, built only when clicked.

The files are those of :data:`ibm_geo.export.catalog.CATALOG` offered in the ``app`` channel,
with the names the CLI writes and the slides name; every builder takes the published tier
(:class:`ibm_geo.publish.Published`) only; the app never formats a client count for a file.
"""

from __future__ import annotations

from ibm_geo.export.catalog import exports


def export_items(published, lang: str = "id", monitoring=None) -> list[tuple]:
    """(label key, file name, mime, zero-argument callable -> bytes) for every download of one
    published tier (:func:`ibm_geo.publish.publish`); ``monitoring`` (the Capaian step's
    tables) adds the progress sheets and slides. One basemap serves PNG, PDF and slides."""
    return [
        (e.label, e.filename, e.mime, make)
        for e, make in exports(published, "app", lang=lang, monitoring=monitoring)
    ]
