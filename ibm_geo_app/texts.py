"""The app's texts: its catalogue ``locales/<lang>.json`` (``id`` default, ``en``).

Added to :func:`ibm_geo.i18n.t` beside the library's own catalogue (``ibm_geo/locales``), so app
and exports translate with the same function. A key missing in one language is a test failure,
not a fallback.
"""

from __future__ import annotations

from pathlib import Path

from ibm_geo.components import REGISTRY
from ibm_geo.i18n import LANGS, add_catalogue, load_catalogue, register

LOCALES = Path(__file__).resolve().parent / "locales"


def load_locales() -> dict[str, dict[str, str]]:
    """{lang: {key: text}} from ``locales/<lang>.json``."""
    out: dict[str, dict[str, str]] = {lang: {} for lang in LANGS}
    for key, langs in load_catalogue(LOCALES).items():
        for lang, text in langs.items():
            out[lang][key] = text
    return out


def component_texts() -> dict[str, dict[str, str]]:
    """The weight sliders' labels and help (``w.<component>``, ``w.<component>.help``), derived
    from the score-component registry so a component is declared in one place only."""
    out: dict[str, dict[str, str]] = {}
    for c in REGISTRY:
        out[f"w.{c.name}"] = dict(c.label)
        out[f"w.{c.name}.help"] = dict(c.help)
    return out


def app_texts() -> dict[str, dict[str, str]]:
    """{key: {lang: text}}: the app's catalogue and the component texts."""
    return {**load_catalogue(LOCALES), **component_texts()}


add_catalogue(LOCALES)
register(component_texts())
