"""Which reach model a plan uses (``scenario.plan.reach``), as one distance backend.

``desa`` (default): a group reaches its own kelurahan (and, with ``plan.neighbours``, those
sharing a border) -- :class:`ibm_geo.distance.VillageReach`. ``radius``: everyone within the
service radius, by the analysis's backend (straight line, or road travel when the scenario's
``roads.distance`` is ``road``). Every planning function (solvers through ``build_coverage``,
the curve, pilots, why-not) asks this one function, so they cannot disagree on who is reached.
"""

from __future__ import annotations

import pandas as pd

from ibm_geo.config import Scenario
from ibm_geo.crs import local_utm_crs
from ibm_geo.distance import VillageReach
from ibm_geo.i18n import t


def reach_text(scenario: Scenario, lang: str = "id") -> str:
    """How reach is decided, in one clause (``model desa: ...``)."""
    cfg = scenario.plan
    if cfg.reach == "desa":
        return t("reach.desa+" if cfg.neighbours else "reach.desa", lang)
    km = f"{float(cfg.radius_m or scenario.radius_m) / 1000:g}"
    return t("reach.radius", lang, km=km)


def plan_backend(kelurahan: pd.DataFrame, scenario: Scenario, backend=None, crs=None):
    """The backend every planning step measures reach with.

    ``backend`` is the analysis's (None = straight line, or road travel); under the desa model
    it is replaced by a :class:`VillageReach` over ``kelurahan`` (a GeoDataFrame), in ``crs``
    (default: the backend's, else the local UTM zone). A VillageReach passed in is kept.
    """
    if scenario.plan.reach != "desa" or isinstance(backend, VillageReach):
        return backend
    import geopandas as gpd

    if not isinstance(kelurahan, gpd.GeoDataFrame) or kelurahan.crs is None:
        return backend
    if crs is None:
        crs = getattr(backend, "crs", None)
    if crs is None:
        crs = local_utm_crs(kelurahan)
    return VillageReach.from_units(kelurahan.reset_index(drop=True), crs, scenario.plan.neighbours)
