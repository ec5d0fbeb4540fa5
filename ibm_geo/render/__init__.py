"""Maps and slides for rakor: interactive HTML, static PNG/PDF, PPTX. All privacy-filtered.

Submodules are imported lazily so that building an HTML map does not load matplotlib/pptx.
"""

from __future__ import annotations

__all__ = ["build_html_map", "build_slides", "inline_external_assets", "render_static_map"]


def __getattr__(name: str):
    if name in ("build_html_map", "inline_external_assets"):
        from ibm_geo.render import html_map  # optional extra: folium, on first use

        return getattr(html_map, name)
    if name == "render_static_map":
        from ibm_geo.render.static_map import render_static_map  # optional extra: matplotlib

        return render_static_map
    if name == "build_slides":
        from ibm_geo.render.slides import build_slides  # optional extra: python-pptx

        return build_slides
    raise AttributeError(name)
