"""Programme monitoring: targets, progress, trend by rehab year, per-office summaries, change.

A BNNP head reviews the programme each quarter per office: the BNNP (province) and each BNNK
(kab/kota), on request per kecamatan. This package turns one analysis (:class:`AnalysisResult`)
into the four published tables of the issue, all through the same disclosure control as the
per-kelurahan ranking:

``summary``  one row per office: clients, unserved, BNNP referrals, active agents, their capacity,
             the capacity gap (clients who need an agent beyond that capacity), IBM villages;
``trend``    clients, followed up and unserved by rehab year per kab/kota and province;
``progress`` achieved against each target row (``rehab``, ``pascarehab``, ``agen``,
             ``desa_ibm``) with the percentage;
``change``   unserved per unit and per kab/kota now against an earlier run's published file.

Disclosure control: the cell key method of the ranking (:mod:`ibm_geo.ckm`). Every client count
of the summary, the trend, progress and the RW table is the count of a set of clients, and is
published as the ptable's perturbation at the cell key of that set (the sum of its clients'
record keys), so the same clients give the same figure in every table and run, and a
difference between tables or filtered runs says nothing exact. An office (kab/kota, kecamatan,
province) or an RW with 1..k-1 clients in the unfiltered register publishes the band ``<k`` in
every cell. Agents and IBM villages are public facts about places.

Modules: :mod:`~ibm_geo.monitoring.targets` (the targets file), :mod:`~ibm_geo.monitoring.cube`
(true counts and cell keys per office, year and measure; the RW table),
:mod:`~ibm_geo.monitoring.tables` (the linked published tables and :func:`monitor`),
:mod:`~ibm_geo.monitoring.previous` (the previous run's file and the change since);
:mod:`~ibm_geo.monitoring.common` holds what they share. Office names written in a targets file
are matched by :func:`ibm_geo.names.match_area`.
"""

from ibm_geo.monitoring.common import (
    BASIS_SNAPSHOT,
    BASIS_YEAR,
    CHANGE_COLUMNS,
    INDICATORS,
    LEVELS,
    PROGRESS_COLUMNS,
    RW_COLUMNS,
    SUMMARY_COLUMNS,
    TREND_COLUMNS,
    UNKNOWN_RW,
    UNKNOWN_YEAR,
    is_hidden,
    offices,
)
from ibm_geo.monitoring.cube import YEAR_MEASURES, Cube, build_cube, published_cube, rw_table
from ibm_geo.monitoring.previous import parse_published, read_previous
from ibm_geo.monitoring.tables import (
    Monitoring,
    agent_basis_note,
    basis_note,
    indicator_definitions,
    monitor,
)
from ibm_geo.monitoring.targets import read_targets

__all__ = [
    "BASIS_SNAPSHOT",
    "BASIS_YEAR",
    "CHANGE_COLUMNS",
    "INDICATORS",
    "LEVELS",
    "PROGRESS_COLUMNS",
    "RW_COLUMNS",
    "SUMMARY_COLUMNS",
    "TREND_COLUMNS",
    "UNKNOWN_RW",
    "UNKNOWN_YEAR",
    "YEAR_MEASURES",
    "Cube",
    "Monitoring",
    "agent_basis_note",
    "basis_note",
    "build_cube",
    "indicator_definitions",
    "is_hidden",
    "monitor",
    "offices",
    "parse_published",
    "published_cube",
    "read_previous",
    "read_targets",
    "rw_table",
]
