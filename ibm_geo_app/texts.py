"""The app's texts, one JSON file per language under ``locales/`` (``id`` default, ``en``).

Loaded once and registered with :func:`ibm_geo.i18n.register`, so app and exports translate with
the same :func:`ibm_geo.i18n.t`. A key missing in one language is a test failure, not a fallback.
"""

from __future__ import annotations

import json
from pathlib import Path

from ibm_geo.components import REGISTRY
from ibm_geo.i18n import LANGS, register

LOCALES = Path(__file__).resolve().parent / "locales"


def load_locales() -> dict[str, dict[str, str]]:
    """{lang: {key: text}} from ``locales/<lang>.json``."""
    return {
        lang: json.loads((LOCALES / f"{lang}.json").read_text(encoding="utf-8")) for lang in LANGS
    }


def app_texts() -> dict[str, dict[str, str]]:
    """{key: {lang: text}}, the shape :func:`ibm_geo.i18n.register` takes. The weight sliders'
    labels and help (``w.<component>``, ``w.<component>.help``) come from the score-component
    registry, so a component is declared in one place only."""
    out: dict[str, dict[str, str]] = {}
    for lang, table in load_locales().items():
        for key, text in table.items():
            out.setdefault(key, {})[lang] = text
    for c in REGISTRY:
        out[f"w.{c.name}"] = dict(c.label)
        out[f"w.{c.name}.help"] = dict(c.help)
    return out


register(app_texts())
