"""The Streamlit app's package: texts (locale files), widget <-> scenario mapping, map drawing.

``app.py`` stays the thin Streamlit entry point; nothing here imports streamlit either, so every
helper is unit-tested without a server. Modules: :mod:`.texts` (locales ``id``/``en``),
:mod:`.state` (widgets <-> Scenario), :mod:`.inputs` (data step), :mod:`.downloads` (Ekspor),
:mod:`.map` (the in-app map, sharing ``ibm_geo.render``'s classes and palette).
"""

from ibm_geo_app import texts as _texts  # noqa: F401  (registers the app's texts on import)
