"""Shared work for many sessions: the Leaflet map of a result is built and serialised once and
re-used by every session that shows the same result (same inputs, area and scenario).

Building the folium map and turning it into the component's script costs about as much as the
whole rest of a map run (``st_folium`` renders the figure two to three times per run); with ten
planners on two cores that repeated work is what made the first map slow. The prepared component
arguments are kept on the (already shared, read-only) result object, a few per result, so they go
when the result leaves the cache.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

MAX_PER_RESULT = 6
_LOCK = threading.Lock()


def _prepare(m) -> dict:
    """The arguments ``st_folium`` would send to its component, computed once."""
    import branca
    import folium
    import streamlit_folium as sf

    m.get_root().render()
    m.render()
    html = sf._get_html(m)
    header = sf._get_header(m)
    script = sf._get_map_string(m)
    try:
        (s, w), (n, e) = m.get_bounds()
    except (AttributeError, TypeError, ValueError):
        s = w = n = e = None
    css: list[str] = []
    js: list[str] = []

    def walk(fig):
        if isinstance(fig, branca.colormap.ColorMap | folium.elements.JSCSSMixin):
            yield fig
        for child in getattr(fig, "_children", {}).values():
            yield from walk(child)

    for el in walk(m):
        css.extend(href for _, href in getattr(el, "default_css", []))
        js.extend(src for _, src in getattr(el, "default_js", []))
    return {
        "script": script,
        "header": header,
        "html": html,
        "id": sf.get_full_id(m),
        "bounds": {"_southWest": {"lat": s, "lng": w}, "_northEast": {"lat": n, "lng": e}},
        "zoom": m.options.get("zoom") if hasattr(m, "options") else {},
        "css_links": list(dict.fromkeys(css)),
        "js_links": list(dict.fromkeys(js)),
    }


def shared(result, parts: tuple, build: Callable[[], object], *, slot: str = "_map_cache"):
    """``build()`` once per ``parts`` for this result, then the same object for every session
    showing it (read-only); a few per slot, oldest dropped first."""
    cache = result.__dict__.get(slot)
    if cache is None:
        with _LOCK:
            cache = result.__dict__.setdefault(slot, OrderedDict())
    hit = cache.get(parts)
    if hit is not None:
        return hit
    value = build()
    with _LOCK:
        cache[parts] = value
        while len(cache) > MAX_PER_RESULT:
            cache.popitem(last=False)
    return value


def prepared_map(result, parts: tuple, build: Callable[[], object]) -> dict:
    """The prepared map for ``parts`` (what else shapes it: clients shown, selection, language,
    sites), built by ``build`` on the first call and shared afterwards."""
    return shared(result, parts, lambda: _prepare(build()))


def show_map(prep: dict, *, key: str, height: int, returned_objects: Iterable[str]):
    """Draw a prepared map with streamlit-folium's component; returns what it returns."""
    import streamlit as st
    import streamlit_folium as sf

    returned = list(returned_objects)
    hash_key = sf.generate_js_hash(prep["script"], key, False)
    defaults = {
        "last_clicked": None, "last_object_clicked": None, "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None, "last_object_clicked_popup": None,
        "all_drawings": None, "last_active_drawing": None, "bounds": prep["bounds"],
        "zoom": prep["zoom"], "last_circle_radius": None, "last_circle_polygon": None,
        "selected_layers": None, "selected_tags": None, "last_geocoder_result": None,
    }  # fmt: skip

    def _on_change():
        st.session_state[key] = st.session_state.get(hash_key, {})

    return sf._component_func(
        script=prep["script"], header=prep["header"], html=prep["html"], id=prep["id"],
        key=hash_key, height=height, width=None, returned_objects=returned,
        default={k: v for k, v in defaults.items() if k in returned}, zoom=None, center=None,
        feature_group=None, return_on_hover=False, layer_control=None, pixelated=False,
        css_links=prep["css_links"], js_links=prep["js_links"], on_change=_on_change,
        wrap_longitude=False,
    )  # fmt: skip


def available() -> bool:
    """streamlit-folium's internals this module uses are present (else plain st_folium)."""
    try:
        import streamlit_folium as sf
    except ImportError:
        return False
    names = ("_component_func", "_get_html", "_get_header", "_get_map_string", "get_full_id",
             "generate_js_hash")  # fmt: skip
    return all(hasattr(sf, n) for n in names)
