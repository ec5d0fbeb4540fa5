"""ibm-geo: coverage planner for BNN's community-based recovery programme (IBM / Agen Pemulihan).

Data flows one way: ``io`` (load + validate) -> ``matching``/``join`` -> ``coverage``/``metrics``
-> ``scoring`` -> ``plan`` -> ``publish`` -> ``render``/``export``. One GeoDataFrame per
kelurahan carries the results through; see ``docs/ARCHITECTURE.md`` for its columns.

The entry points (``__all__``), loaded on first use so ``import ibm_geo`` stays light::

    from ibm_geo import Scenario, analyze, publish, plan_recruitment, MCLP
    result = analyze("batas.gpkg", "klien.xlsx", scenario=Scenario())
    plan = plan_recruitment(result.kelurahan, result.scenario)
    pub = publish(result, plan)            # the one protected release every output is cut from
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

#: public name -> the module that defines it
_ENTRY_POINTS = {
    "Scenario": "ibm_geo.config",
    "read_boundaries": "ibm_geo.io",
    "read_points": "ibm_geo.io",
    "analyze": "ibm_geo.pipeline",
    "plan_recruitment": "ibm_geo.plan",
    "plan_phases": "ibm_geo.plan",
    "choose_pilots": "ibm_geo.plan",
    "MCLP": "ibm_geo.plan",
    "LSCP": "ibm_geo.plan",
    "PMedian": "ibm_geo.plan",
    "GreedyMCLP": "ibm_geo.plan",
    "publish": "ibm_geo.publish",
    "Published": "ibm_geo.publish",
    "read_targets": "ibm_geo.monitoring",
    "read_previous": "ibm_geo.monitoring",
    "monitor": "ibm_geo.monitoring",
}

__all__ = sorted(_ENTRY_POINTS)


def __getattr__(name: str):
    """Import an entry point's module on first access (PEP 562)."""
    module = _ENTRY_POINTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ibm_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
